//! `rulelab falco check` (issue 7): which rule and level each Falco
//! priority reaches in a ruleset, and which priorities raise no alert.
//!
//! The check feeds the ruleset one synthetic Falco alert per priority, in
//! the layout Falco 0.39-0.41 writes (keys sorted, the marker under
//! `output_fields`, see corpus/falco/README.md), for each transport: the
//! JSON line the agent reads with `log_format json`, and the same JSON
//! behind a syslog header with program name `falco`. Evaluation is the
//! ordinary engine, so the answer is what Wazuh would do.

use super::mapping::{Mapping, Transport};
use super::Priority;
use crate::session::{Ruleset, Session, SessionOptions};
use serde::Serialize;

/// What one priority reaches over one transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    pub priority: Priority,
    pub transport: Transport,
    /// The rule that fired, if any.
    pub rule: Option<u32>,
    pub level: Option<u32>,
    /// Whether Wazuh raises an alert (level ≥ 3 and not `no_log`).
    pub alert: bool,
    pub description: Option<String>,
}

/// The Falco rule name of the samples (no override names it).
pub const SAMPLE_RULE: &str = "rulelab falco check";

/// The synthetic alert of one priority.
pub fn sample_alert(p: Priority, field: &str, value: &str) -> String {
    sample_alert_for(p, SAMPLE_RULE, field, value)
}

/// The synthetic alert of one priority and Falco rule.
pub fn sample_alert_for(p: Priority, rule: &str, field: &str, value: &str) -> String {
    let output = format!("09:00:00.000000000: {} rulelab falco check", p.as_str());
    let mut fields = serde_json::Map::new();
    fields.insert(
        "evt.time".into(),
        serde_json::json!(1_772_355_600_000_000_000u64),
    );
    fields.insert("evt.type".into(), serde_json::json!("execve"));
    fields.insert(field.to_string(), serde_json::json!(value));
    let doc = serde_json::json!({
        "hostname": "node1",
        "output": output,
        "output_fields": fields,
        "priority": p.as_str(),
        "rule": rule,
        "source": "syscall",
        "tags": ["rulelab"],
        "time": "2026-03-01T09:00:00.000000000Z",
    });
    doc.to_string()
}

/// The event line of one transport.
pub fn sample_line(p: Priority, field: &str, value: &str, t: Transport) -> String {
    sample_line_for(p, SAMPLE_RULE, field, value, t)
}

/// The event line of one transport and Falco rule.
pub fn sample_line_for(p: Priority, rule: &str, field: &str, value: &str, t: Transport) -> String {
    let json = sample_alert_for(p, rule, field, value);
    match t {
        Transport::Json => json,
        Transport::Syslog => format!("Mar  1 09:00:00 node1 falco: {json}"),
    }
}

/// Runs the check: every priority over `transports`, each event in a fresh
/// session (stateful rules do not see the other samples).
pub fn check(
    ruleset: &Ruleset,
    field: &str,
    value: &str,
    transports: &[Transport],
) -> Vec<CheckRow> {
    let mut rows = Vec::new();
    for &t in transports {
        for p in Priority::ALL {
            let mut session = Session::new(ruleset, SessionOptions::default());
            let v = session.evaluate(&sample_line(p, field, value, t), location(t));
            rows.push(CheckRow {
                priority: p,
                transport: t,
                rule: v.rule.as_ref().map(|r| r.id),
                level: v.rule.as_ref().map(|r| r.level),
                alert: v.alert,
                description: v.rule.map(|r| r.description),
            });
        }
    }
    rows
}

/// What alerts of one Falco rule reach over one transport, whatever
/// their priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideRow {
    /// The Falco rule name.
    pub falco_rule: String,
    pub transport: Transport,
    /// The rule and level every priority reaches, when they all agree.
    pub rule: Option<u32>,
    pub level: Option<u32>,
    /// Whether every priority reaches that same rule.
    pub all_priorities: bool,
}

/// The Falco rule names the ruleset's rules single out: a `<field
/// name="rule">` whose pattern is an anchored literal (as `falco init`
/// writes overrides), in rule order.
pub fn override_names(ruleset: &Ruleset) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in &ruleset.tree().rules {
        for f in r
            .fields
            .iter()
            .filter(|f| f.name == "rule" && !f.cond.negate)
        {
            let src = f.cond.matcher.source();
            let Some(inner) = src.strip_prefix('^').and_then(|s| s.strip_suffix('$')) else {
                continue;
            };
            let mut literal = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                literal.push(if c == '\\' {
                    chars.next().unwrap_or('\\')
                } else {
                    c
                });
            }
            // Only a name the pattern accepts, and no other spelling of it.
            if f.cond.test(Some(&literal)) && !names.contains(&literal) {
                names.push(literal);
            }
        }
    }
    names
}

/// Runs the override check: each name of [`override_names`], every
/// priority, over `transports`.
pub fn check_overrides(
    ruleset: &Ruleset,
    field: &str,
    value: &str,
    transports: &[Transport],
) -> Vec<OverrideRow> {
    let mut rows = Vec::new();
    for name in override_names(ruleset) {
        for &t in transports {
            let mut seen: Vec<(Option<u32>, Option<u32>)> = Vec::new();
            for p in Priority::ALL {
                let mut session = Session::new(ruleset, SessionOptions::default());
                let v = session.evaluate(&sample_line_for(p, &name, field, value, t), location(t));
                seen.push((
                    v.rule.as_ref().map(|r| r.id),
                    v.rule.as_ref().map(|r| r.level),
                ));
            }
            let all = seen.iter().all(|s| *s == seen[0]);
            rows.push(OverrideRow {
                falco_rule: name.clone(),
                transport: t,
                rule: if all { seen[0].0 } else { None },
                level: if all { seen[0].1 } else { None },
                all_priorities: all,
            });
        }
    }
    rows
}

/// The location the agent reports for each transport.
fn location(t: Transport) -> &'static str {
    match t {
        Transport::Json => "/var/log/falco_events.json",
        Transport::Syslog => "/var/log/syslog",
    }
}

/// What a mapping promises for one priority: (rule id, level) of the rule
/// that fires; for a priority without a rule, the level-0 base rule.
pub fn expected(m: &Mapping, p: Priority) -> (u32, u32) {
    match m.level(p) {
        Some(l) => (m.priority_id(p), l),
        None => (m.base_id, 0),
    }
}
