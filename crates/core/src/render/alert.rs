//! The alert as JSON, in the layout of Wazuh's alerts.json (rules.md §8.4).
//!
//! Differences on purpose: no `timestamp` and `id` (they depend on the
//! manager's clock and file offsets), and `mitre` carries the ids only
//! (Wazuh resolves tactic and technique names from its ATT&CK database).

use crate::event::StaticField;
use crate::session::Verdict;
use serde_json::{json, Map, Value};

/// Order of static fields under `data` (rules.md §8.4).
const DATA_ORDER: [StaticField; 14] = [
    StaticField::Protocol,
    StaticField::Action,
    StaticField::SrcIp,
    StaticField::SrcPort,
    StaticField::SrcUser,
    StaticField::DstIp,
    StaticField::DstPort,
    StaticField::DstUser,
    StaticField::Id,
    StaticField::Status,
    StaticField::Url,
    StaticField::Data,
    StaticField::ExtraData,
    StaticField::SystemName,
];

/// Whether `full_log` starts with a BSD syslog stamp and host (R4.7.3).
fn bsd_stamp(full_log: &str) -> bool {
    let b = full_log.as_bytes();
    if b.len() < 17 {
        return false;
    }
    let d = |i: usize| b[i].is_ascii_digit();
    b[0].is_ascii_uppercase()
        && b[1].is_ascii_lowercase()
        && b[2].is_ascii_lowercase()
        && b[3] == b' '
        && matches!(b[4], b' ' | b'0'..=b'3')
        && d(5)
        && b[6] == b' '
        && d(7)
        && d(8)
        && b[9] == b':'
        && d(10)
        && d(11)
        && b[12] == b':'
        && d(13)
        && d(14)
        && b[15] == b' '
        && b[16] != b' '
}

fn insert_dotted(map: &mut Map<String, Value>, key: &str, value: Value) {
    let mut parts = key.split('.').peekable();
    let mut cur = map;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            // First value for a key wins (case-insensitively, §6.6).
            if !cur.keys().any(|k| k.eq_ignore_ascii_case(part)) {
                cur.insert(part.to_string(), value);
            }
            return;
        }
        let existing = cur.keys().find(|k| k.eq_ignore_ascii_case(part)).cloned();
        let k = existing.unwrap_or_else(|| part.to_string());
        let entry = cur.entry(k).or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
}

/// Builds the alert JSON for a verdict.
pub fn to_json(v: &Verdict, manager_name: &str) -> Value {
    let mut root = Map::new();
    if let Some(r) = &v.rule {
        let mut rule = Map::new();
        rule.insert("level".into(), json!(r.level));
        rule.insert("description".into(), json!(r.description));
        rule.insert("id".into(), json!(r.id.to_string()));
        if !r.mitre_ids.is_empty() || !r.mitre_techniques.is_empty() {
            let mut ids = r.mitre_ids.clone();
            ids.extend(r.mitre_techniques.iter().cloned());
            rule.insert(
                "mitre".into(),
                json!({ "id": ids, "tactic": r.mitre_tactics }),
            );
        }
        if let Some(f) = r.frequency {
            rule.insert("frequency".into(), json!(f));
        }
        if !r.no_counter {
            rule.insert("firedtimes".into(), json!(r.firedtimes));
        }
        rule.insert("mail".into(), json!(r.mail));
        rule.insert("groups".into(), json!(r.groups));
        for (k, vals) in r.compliance.iter() {
            rule.insert(k.clone(), json!(vals));
        }
        if !r.info_text.is_empty() {
            rule.insert("info".into(), json!(r.info_text));
        }
        if !r.cve.is_empty() {
            rule.insert("cve".into(), json!(r.cve));
        }
        root.insert("rule".into(), Value::Object(rule));
    }
    root.insert(
        "agent".into(),
        json!({ "id": v.predecoded.agent_id, "name": manager_name }),
    );
    root.insert("manager".into(), json!({ "name": manager_name }));
    let no_full_log = v.rule.as_ref().is_some_and(|r| r.no_full_log);
    if !no_full_log {
        root.insert("full_log".into(), json!(v.predecoded.full_log));
    }
    if let Some(r) = &v.rule {
        if r.previous_output.len() >= 2 {
            root.insert(
                "previous_output".into(),
                json!(r.previous_output.join("\n")),
            );
        }
    }
    let mut pre = Map::new();
    if let Some(p) = &v.predecoded.program_name {
        pre.insert("program_name".into(), json!(p));
    }
    if let Some(t) = &v.predecoded.timestamp {
        pre.insert("timestamp".into(), json!(t));
    }
    if bsd_stamp(&v.predecoded.full_log) {
        pre.insert("hostname".into(), json!(v.predecoded.hostname));
    }
    if !pre.is_empty() {
        root.insert("predecoder".into(), Value::Object(pre));
    }
    let mut decoder = Map::new();
    if let Some(d) = &v.decoder {
        if let Some(p) = &d.parent {
            decoder.insert("parent".into(), json!(p));
        }
        decoder.insert("name".into(), json!(d.top_name));
    }
    root.insert("decoder".into(), Value::Object(decoder));
    // data: static fields (last assignment), then dynamic fields.
    let mut data = Map::new();
    let statics: Vec<(&str, &str)> = DATA_ORDER
        .iter()
        .filter_map(|f| {
            v.fields
                .iter()
                .rev()
                .find(|&(k, _)| {
                    k == f.name() || (*f == StaticField::SystemName && k == "systemname")
                })
                .map(|(_, val)| (f.name(), val))
        })
        .collect();
    for (k, val) in &statics {
        data.insert((*k).to_string(), json!(val));
    }
    for (k, val) in &v.fields {
        let is_static = StaticField::ALL.iter().any(|f| f.name() == k) || k == "systemname";
        if is_static || val.is_empty() {
            continue;
        }
        let value = if val.starts_with('[') {
            serde_json::from_str::<Value>(val)
                .ok()
                .filter(Value::is_array)
                .unwrap_or_else(|| json!(val))
        } else {
            json!(val)
        };
        insert_dotted(&mut data, k, value);
    }
    if !data.is_empty() {
        root.insert("data".into(), Value::Object(data));
    }
    root.insert("location".into(), json!(v.predecoded.location));
    Value::Object(root)
}
