//! Plugin decoders (decoding.md §6, §6.7) and the accumulator (§5.11).
//!
//! The JSON plugin's flattening lives in [`super::json`]; here its pairs are
//! mapped to static/dynamic fields (R6.4). PF, SymantecWS and SonicWall are
//! ported from the behaviour listed in §6.7; OSSECAlert (which rewrites the
//! event and pre-selects a rule) is accepted at load time but extracts
//! nothing here.

use super::eval::Subject;
use super::load::DECODER_ORDER_SIZE;
use super::{json, Decoder, DecoderState, Offset, Plugin};
use crate::event::{Event, StaticField};

pub(crate) fn run(
    plugin: Plugin,
    info: &Decoder,
    subj: &Subject,
    after_parent: Option<isize>,
    after_prematch: Option<isize>,
    event: &mut Event,
) {
    match plugin {
        Plugin::Json => json_plugin(info, subj, after_parent, after_prematch, event),
        // §6.7: the other plugins ignore the offset and read `log`.
        Plugin::Pf => pf(subj.log, event),
        Plugin::SymantecWs => symantec_ws(subj.log, event),
        Plugin::SonicWall => sonicwall(subj.log, event),
        Plugin::OssecAlert => {}
    }
}

/// R6.1.1: the text is chosen by `info`'s plugin offset and JSON options.
fn json_plugin(
    info: &Decoder,
    subj: &Subject,
    after_parent: Option<isize>,
    after_prematch: Option<isize>,
    event: &mut Event,
) {
    let start = match info.plugin_offset {
        Offset::None => Some(0),
        Offset::AfterParent => after_parent,
        Offset::AfterPrematch => after_prematch,
        // "At JSON Decoder: invalid offset value." — nothing decoded.
        Offset::AfterRegex => None,
    };
    let Some(start) = start else { return };
    let text = String::from_utf8_lossy(subj.text(start));
    for (key, value) in json::decode(&text, &info.json) {
        match StaticField::from_json_key(&key) {
            // R6.4.1: static keys overwrite; printed under the key itself.
            Some(f) => event.set_static_as(f, &key, value),
            None => {
                // R6.4.3: "Too many fields for JSON decoder." — dropped.
                if event.dynamic_len() < DECODER_ORDER_SIZE {
                    event.push_dynamic(key, value);
                }
            }
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// PF_Decoder (§6.7): `… ) pass|block … on IF: SRC > DST: …`.
fn pf(log: &[u8], event: &mut Event) {
    let Some(p) = find(log, b") ") else { return };
    let rest = &log[p + 2..];
    let action = match rest.first() {
        Some(b'p') => "pass",
        Some(b'b') => "block",
        _ => return,
    };
    event.set_static(StaticField::Action, action.to_string());
    let Some(on) = find(rest, b" on ") else {
        return;
    };
    let rest = &rest[on + 4..];
    let Some(colon) = find(rest, b": ") else {
        return;
    };
    let rest = &rest[colon + 2..];
    let Some(gt) = find(rest, b" > ") else { return };
    let src = &rest[..gt];
    let rest = &rest[gt + 3..];
    let Some(colon) = rest.iter().position(|&b| b == b':') else {
        return;
    };
    let dst = &rest[..colon];
    let split = |addr: &[u8], ip: StaticField, port: StaticField, event: &mut Event| {
        // Address and port split at the 4th '.'.
        let dots: Vec<usize> = addr
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'.')
            .map(|(i, _)| i)
            .collect();
        if dots.len() >= 4 {
            event.set_static(ip, lossy(&addr[..dots[3]]));
            event.set_static(port, lossy(&addr[dots[3] + 1..]));
        } else {
            event.set_static(ip, lossy(addr));
        }
    };
    split(src, StaticField::SrcIp, StaticField::SrcPort, event);
    split(dst, StaticField::DstIp, StaticField::DstPort, event);
    let after = &rest[colon + 1..];
    if let Some(&b) = after.iter().find(|&&b| b != b' ') {
        let proto = match b {
            b'U' | b'u' => Some("UDP"),
            b'I' | b'i' => Some("ICMP"),
            b'T' | b't' | b'S' | b'.' => Some("TCP"),
            _ => None,
        };
        if let Some(p) = proto {
            event.set_static(StaticField::Protocol, p.to_string());
        }
    }
}

/// SymantecWS_Decoder (§6.7): after the second `,`, `N=value` items.
fn symantec_ws(log: &[u8], event: &mut Event) {
    let mut commas = log.iter().enumerate().filter(|(_, &b)| b == b',');
    let Some((second, _)) = commas.nth(1) else {
        return;
    };
    let (mut user, mut ip, mut url, mut id) = (false, false, false, false);
    for item in log[second + 1..].split(|&b| b == b',') {
        if !user && item.starts_with(b"10=") {
            user = true;
            event.set_static(StaticField::DstUser, lossy(&item[3..]));
        } else if !ip && item.starts_with(b"11=") {
            ip = true;
            let v = &item[3..];
            event.set_static(StaticField::SrcIp, lossy(&v[..v.len().min(128)]));
        } else if !url && item.starts_with(b"60=") {
            url = true;
            let v = &item[3..];
            event.set_static(StaticField::Url, lossy(&v[..v.len().min(1024)]));
        } else if !id && (item.starts_with(b"3=") || item.starts_with(b"2=")) {
            id = true;
            // The first 9 bytes including the `3=` prefix.
            event.set_static(StaticField::Id, lossy(&item[..item.len().min(9)]));
        }
    }
}

/// SonicWall_Decoder (§6.7), field extraction only (the type rewrite is not
/// modelled).
fn sonicwall(log: &[u8], event: &mut Event) {
    let num = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    if let Some(p) = find(log, b"pri=") {
        let r = &log[p + 4..];
        let n = num(r);
        if n == 1 && r.get(1..4) == Some(b" c=") {
            let r2 = &r[4..];
            let n2 = num(r2);
            if n2 > 0 && r2.get(n2..n2 + 3) == Some(b" m=") {
                let r3 = &r2[n2 + 3..];
                let n3 = num(r3);
                if n3 > 0 && r3.get(n3) == Some(&b' ') {
                    event.set_static(StaticField::Status, lossy(&r[..1]));
                    event.push_dynamic("category".into(), lossy(&r2[..n2]));
                    event.set_static(StaticField::Id, lossy(&r3[..n3]));
                }
            }
        }
    }
    let addr = |key: &[u8]| -> Option<(String, String)> {
        let p = find(log, key)?;
        let r = &log[p + key.len()..];
        let colon = r.iter().position(|&b| b == b':')?;
        let ip = &r[..colon];
        let r = &r[colon + 1..];
        let n = num(r);
        if n == 0 || r.get(n) != Some(&b':') {
            return None;
        }
        Some((lossy(ip), lossy(&r[..n])))
    };
    if let (Some((sip, sport)), Some((dip, dport))) = (addr(b"src="), addr(b"dst=")) {
        event.set_static(StaticField::SrcIp, sip);
        event.set_static(StaticField::SrcPort, sport);
        event.set_static(StaticField::DstIp, dip);
        event.set_static(StaticField::DstPort, dport);
    }
    if let Some(p) = find(log, b"proto=") {
        let r = &log[p + 6..];
        let end = r
            .iter()
            .position(|&b| b == b'/' || b == b' ')
            .unwrap_or(r.len())
            .min(6);
        event.set_static(StaticField::Protocol, lossy(&r[..end]));
    }
}

/// Accumulator entry (R5.11.1): the seven fields and the last update time.
#[derive(Debug, Clone, Default)]
pub(crate) struct AcmEntry {
    ts: i64,
    fields: [Option<String>; 7],
}

const ACM_FIELDS: [StaticField; 7] = [
    StaticField::DstUser,
    StaticField::SrcUser,
    StaticField::DstIp,
    StaticField::SrcIp,
    StaticField::DstPort,
    StaticField::SrcPort,
    StaticField::Data,
];
/// `OS_ACM_EXPIRE_ELM`.
const ACM_EXPIRE: i64 = 120;
/// `OS_ACM_MAXKEY`.
const ACM_MAXKEY: usize = 256;
/// `OS_ACM_MAXELM - 1`: longest value copied.
const ACM_MAXVAL: usize = 80;

/// `acm_str_replace`: fill `dst` from `src` only when `dst` is unset/empty and
/// `src` is 1–80 bytes.
fn acm_fill(dst: Option<&str>, src: Option<&str>) -> Option<String> {
    let src = src?;
    if dst.is_some_and(|d| !d.is_empty()) {
        return None;
    }
    if src.is_empty() || src.len() > ACM_MAXVAL {
        return None;
    }
    Some(src.to_string())
}

/// §5.11, run after decoding when `info` has `<accumulate>`.
pub(crate) fn accumulate(event: &mut Event, info_name: &str, state: &mut DecoderState) {
    let Some(id) = event.get_static(StaticField::Id) else {
        return;
    };
    let key = format!("{} {} {}", event.pre.hostname, info_name, id);
    if key.len() >= ACM_MAXKEY {
        return;
    }
    let now = state.now;
    let mut entry = match state.acm.remove(&key) {
        Some(e) if e.ts > 0 && e.ts < now - ACM_EXPIRE => AcmEntry::default(),
        Some(e) => {
            for (i, f) in ACM_FIELDS.iter().enumerate() {
                if let Some(v) = acm_fill(event.get_static(*f), e.fields[i].as_deref()) {
                    // Not an assignment of the decoder: not printed in phase 2.
                    event.set_static(*f, v);
                    event.assignments.pop();
                }
            }
            e
        }
        None => AcmEntry::default(),
    };
    entry.ts = now;
    for (i, f) in ACM_FIELDS.iter().enumerate() {
        if let Some(v) = acm_fill(entry.fields[i].as_deref(), event.get_static(*f)) {
            entry.fields[i] = Some(v);
        }
    }
    state.acm.insert(key, entry);
}
