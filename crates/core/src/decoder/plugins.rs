//! Plugin decoders (decoding.md §6, §6.7) and the accumulator (§5.11).
//!
//! The JSON plugin's flattening lives in [`super::json`]; here its pairs are
//! mapped to static/dynamic fields (R6.4). PF, SymantecWS and SonicWall
//! follow their C plugins (fields set silently: the standalone test mode
//! does not print them); none of them runs with the stock ruleset (R5.6.3).
//! OSSECAlert reads alerts forwarded by another OSSEC/Wazuh server: it
//! changes the event's type, location and log and names the rule the rule
//! engine reports.

use super::eval::Subject;
use super::load::DECODER_ORDER_SIZE;
use super::{json, Decoder, DecoderState, Offset, Plugin, OSSEC_ALERT_KIND};
use crate::event::{Event, Predecoded, StaticField};
use crate::text::{lossy, lossy_cow};

pub(crate) fn run(
    plugin: Plugin,
    info: &Decoder,
    subj: &Subject,
    after_parent: Option<isize>,
    after_prematch: Option<isize>,
    pre: &Predecoded,
    event: &mut Event,
) {
    match plugin {
        Plugin::Json => json_plugin(info, subj, after_parent, after_prematch, event),
        // §6.7: the other plugins ignore the offset and read `log`.
        Plugin::Pf => pf(subj.log, event),
        Plugin::SymantecWs => symantec_ws(subj.log, event),
        Plugin::SonicWall => sonicwall(subj.log, event),
        Plugin::OssecAlert => ossec_alert(subj.log, pre, event),
    }
}

/// `OSSEC_BUFFER`-like limit of the rewritten location (`snprintf` into 256
/// bytes with 255 as the size: at most 254 bytes are kept).
const OSSEC_ALERT_LOCATION_MAX: usize = 254;

/// OSSECAlert_Decoder (`ossecalert_decoder.c`), decoding.md §6.7. Input:
/// `Alert Level: 3; Rule: 5715 - text; Location: (agent) ip->file; srcip: 1.2.3.4; user: root;  original log`.
/// The event's type always becomes "ossec alert"; when the line parses and
/// names a rule id (checked by the rule engine), the location becomes
/// `host->location|alert location`, the host name that same text, srcip and
/// dstuser are set from the items, and the log is the text after the items.
/// A line that stops parsing part-way keeps what was already changed.
fn ossec_alert(log: &[u8], pre: &Predecoded, event: &mut Event) {
    event.plugin.kind = Some(OSSEC_ALERT_KIND);
    // Only the first 12 / 18 bytes are compared (`strncmp`).
    if !log.starts_with(b"Alert Level:") && !log.starts_with(b"ossec: Alert Level") {
        return;
    }
    let Some(semi) = pos_of(log, 0, b';') else {
        return;
    };
    let Some(colon) = pos_of(log, semi + 1, b':') else {
        return;
    };
    let mut t = colon + 1;
    if log.get(t) != Some(&b' ') {
        return;
    }
    t += 1;
    let Some(id_end) = pos_of(log, t, b' ') else {
        return;
    };
    let rule_id = lossy(&log[t..id_end]);
    let Some(semi) = pos_of(log, id_end, b';') else {
        return;
    };
    t = semi + 1;
    if !log[t..].starts_with(b" Location: ") {
        // The rule is not reported: Wazuh sets it only at the end.
        return;
    }
    t += 11;
    let Some(loc_end) = pos_of(log, t, b';') else {
        return;
    };
    let alert_location = lossy(&log[t..loc_end]);
    // The event's host name is never the location string itself in 4.11
    // (decoding.md R4.7), so the `host->location|...` form is used.
    let mut location = format!("{}->{}|{}", pre.hostname, pre.location, alert_location);
    if location.len() > OSSEC_ALERT_LOCATION_MAX {
        let mut cut = OSSEC_ALERT_LOCATION_MAX;
        while !location.is_char_boundary(cut) {
            cut -= 1;
        }
        location.truncate(cut);
    }
    event.plugin.location = Some(location);
    t = loc_end + 1;
    // Items: `; srcip: X; user: Y;` while the next byte is one space.
    while log.get(t) == Some(&b' ') && log.get(t + 1) != Some(&b' ') {
        t += 1;
        let Some(item_end) = pos_of(log, t, b';') else {
            return;
        };
        let item = &log[t..item_end];
        if let Some(v) = item.strip_prefix(b"srcip: ") {
            set_silent(event, StaticField::SrcIp, lossy(v));
        }
        if let Some(v) = item.strip_prefix(b"user: ") {
            set_silent(event, StaticField::DstUser, lossy(v));
        }
        t = item_end + 1;
    }
    while log.get(t) == Some(&b' ') {
        t += 1;
    }
    event.plugin.log = Some(lossy(&log[t.min(log.len())..]));
    event.forwarded_rule = Some(rule_id);
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
    let text = lossy_cow(subj.text(start));
    // Keys and values are about as long as the text; a member every ~40
    // bytes (Falco alerts): the buffers grow once.
    event.reserve(text.len(), text.len() / 40 + 4);
    json::decode_each(&text, &info.json, |key, value| {
        match StaticField::from_json_key(key) {
            // R6.4.1: static keys overwrite; printed under the key itself.
            Some(f) => event.set_static_as(f, key, value),
            None => {
                // R6.4.3: "Too many fields for JSON decoder." — dropped.
                if event.dynamic_len() < DECODER_ORDER_SIZE {
                    event.push_dynamic(key, value);
                }
            }
        }
    });
}

/// Plugins other than JSON set event fields directly, without the phase-2
/// print of the standalone test mode (only `*_FP` order functions and the
/// JSON plugin print): assign without recording a printed assignment.
fn set_silent(event: &mut Event, field: StaticField, value: impl AsRef<str>) {
    event.set_static_silent(field, value.as_ref());
}

fn pos_of(hay: &[u8], from: usize, b: u8) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|&x| x == b)
        .map(|i| from + i)
}

/// Splits `a.b.c.d.port` at the 4th dot.
fn split4(addr: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut dots = 0;
    for (i, &b) in addr.iter().enumerate() {
        if b == b'.' {
            dots += 1;
            if dots == 4 {
                return (&addr[..i], Some(&addr[i + 1..]));
            }
        }
    }
    (addr, None)
}

/// PF_Decoder (§6.7, `pf_decoder.c`): `… ) pass|block … : SRC > DST: proto…`.
fn pf(log: &[u8], event: &mut Event) {
    let Some(p) = pos_of(log, 0, b')') else {
        return;
    };
    let mut i = p + 1;
    if log.get(i) != Some(&b' ') {
        return;
    }
    i += 1;
    let action = match log.get(i) {
        Some(b'p') => "pass",
        Some(b'b') => "block",
        _ => return,
    };
    set_silent(event, StaticField::Action, action);
    let Some(c) = pos_of(log, i, b':') else {
        return;
    };
    i = c + 1;
    if log.get(i) != Some(&b' ') {
        return;
    }
    i += 1;
    let Some(sp) = pos_of(log, i, b' ') else {
        return;
    };
    let (ip, port) = split4(&log[i..sp]);
    set_silent(event, StaticField::SrcIp, lossy(ip));
    if let Some(port) = port {
        set_silent(event, StaticField::SrcPort, lossy(port));
    }
    let mut j = sp + 1;
    if log.get(j) != Some(&b'>') {
        return;
    }
    j += 1;
    if log.get(j) != Some(&b' ') {
        return;
    }
    j += 1;
    let Some(c) = pos_of(log, j, b':') else {
        return;
    };
    let (ip, port) = split4(&log[j..c]);
    set_silent(event, StaticField::DstIp, lossy(ip));
    if let Some(port) = port {
        set_silent(event, StaticField::DstPort, lossy(port));
    }
    if let Some(&b) = log[c + 1..].iter().find(|&&b| b != b' ') {
        let proto = match b {
            b'u' => "UDP",
            b'i' => "ICMP",
            _ => "TCP",
        };
        set_silent(event, StaticField::Protocol, proto);
    }
}

/// SymantecWS_Decoder (`symantecws_decoder.c`): comma-separated `N=value`
/// items. The C code looks for the first `,` twice from the same place, so
/// the items start after the *first* comma (§6.7 says second). The first
/// value of each kind wins, and a field already set is kept.
fn symantec_ws(log: &[u8], event: &mut Event) {
    let Some(c) = pos_of(log, 0, b',') else {
        return;
    };
    let take = |from: usize, cap: usize| -> usize {
        log[from..]
            .iter()
            .take(cap)
            .take_while(|&&b| b != b',')
            .count()
    };
    let mut pos = Some(c + 1);
    while let Some(p) = pos {
        let rest = &log[p..];
        let mut q = p;
        let mut item = |prefix: &[u8], cap: usize, field: StaticField, event: &mut Event| {
            if rest.starts_with(prefix) {
                let from = p + prefix.len();
                let n = take(from, cap);
                if event.get_static(field).is_none() {
                    set_silent(event, field, lossy(&log[from..from + n]));
                }
                q = from + n;
                true
            } else {
                false
            }
        };
        if !(item(b"10=", 128, StaticField::DstUser, event)
            || item(b"11=", 128, StaticField::SrcIp, event)
            || item(b"60=", 1024, StaticField::Url, event))
            && (rest.starts_with(b"3=") || rest.starts_with(b"2="))
        {
            // The first 9 bytes including the `3=` prefix (commas too).
            let n = rest.len().min(9);
            if event.get_static(StaticField::Id).is_none() {
                set_silent(event, StaticField::Id, lossy(&rest[..n]));
            }
            q = p + n;
        }
        pos = pos_of(log, q, b',').map(|i| i + 1);
    }
}

/// Bytes of `hostname_map` (`isValidChar`, R4.4.2).
fn valid_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/' | b'@' | b'(' | b')')
}

/// SonicWall_Decoder (`sonicwall_decoder.c`), with its three OS_Regex
/// patterns. It also rewrites the decoder's type (ids, firewall, squid);
/// the session keeps that change for later events (see `decode`).
fn sonicwall(log: &[u8], event: &mut Event) {
    use crate::pattern::{Dialect, Pattern};
    use std::sync::OnceLock;
    static PATS: OnceLock<Option<[Pattern; 3]>> = OnceLock::new();
    let pats = PATS.get_or_init(|| {
        Some([
            Pattern::compile(Dialect::OsRegex, r"pri=(\d) c=(\d+) m=(\d+) ").ok()?,
            Pattern::compile(
                Dialect::OsRegex,
                r"src=(\d+.\d+.\d+.\d+):(\d+):\S+ dst=(\d+.\d+.\d+.\d+):(\d+):",
            )
            .ok()?,
            Pattern::compile(Dialect::OsRegex, r"result=(\d+) dstname=(\S+) arg=(\S+)$").ok()?,
        ])
    });
    let Some([prid, sdip, prox]) = pats else {
        return;
    };
    let text = |from: isize| -> &[u8] { &log[(from.max(0) as usize).min(log.len())..] };
    let cap = |t: &[u8], m: &crate::pattern::Match, i: usize| -> Option<String> {
        m.captures.get(i).and_then(|r| t.get(r.clone())).map(lossy)
    };
    let Some(m) = prid.exec(log, true) else {
        return;
    };
    let (Some(status), Some(category), Some(id)) =
        (cap(log, &m, 0), cap(log, &m, 1), cap(log, &m, 2))
    else {
        return;
    };
    set_silent(event, StaticField::Status, status);
    set_silent(event, StaticField::Id, &id);
    let category: String = category.chars().take(7).collect();
    // The next search starts at the end pointer itself.
    let start = m.end;
    let t = text(start);
    let Some(m2) = sdip.exec(t, true) else {
        return;
    };
    let vals: Vec<Option<String>> = (0..4).map(|i| cap(t, &m2, i)).collect();
    let [Some(sip), Some(sport), Some(dip), Some(dport)] =
        <[Option<String>; 4]>::try_from(vals).unwrap_or([None, None, None, None])
    else {
        return;
    };
    set_silent(event, StaticField::SrcIp, sip);
    set_silent(event, StaticField::SrcPort, sport);
    set_silent(event, StaticField::DstIp, dip);
    set_silent(event, StaticField::DstPort, dport);
    let end2 = start.max(0) + m2.end;
    let mut tmp = pos_of(log, end2.max(0) as usize, b' ').map(|i| i + 1);
    if let Some(p) = tmp {
        if log[p..].starts_with(b"proto=") {
            let from = p + 6;
            let n = log[from..]
                .iter()
                .take(6)
                .take_while(|&&b| valid_char(b) && b != b'/')
                .count();
            set_silent(event, StaticField::Protocol, lossy(&log[from..from + n]));
            tmp = Some(from + n);
        }
    }
    // The plugin also changes the decoder's type by category and id.
    if category == "32" {
        event.plugin.kind = Some("ids");
        return;
    }
    let action = match id.as_str() {
        "98" | "597" | "598" => Some("pass"),
        "38" | "36" | "173" | "174" | "37" => Some("drop"),
        "537" => Some("close"),
        _ => None,
    };
    if let Some(a) = action {
        event.plugin.kind = Some("firewall");
        set_silent(event, StaticField::Action, a);
        return;
    }
    if id == "97" {
        event.plugin.kind = Some("squid");
        let Some(p) = tmp else { return };
        let t = &log[p..];
        let Some(m3) = prox.exec(t, true) else { return };
        let Some(code) = cap(t, &m3, 0) else { return };
        set_silent(event, StaticField::Id, code);
        if let (Some(a), Some(b)) = (cap(t, &m3, 1), cap(t, &m3, 2)) {
            set_silent(event, StaticField::Url, format!("{a}{b}"));
        }
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
                    event.set_static_silent(*f, &v);
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
