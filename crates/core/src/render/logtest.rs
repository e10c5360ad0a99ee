//! The text layout of Wazuh's standalone logtest (rules.md §8.7), the format
//! of the reference outputs, so rulelab's output can be diffed against
//! Wazuh's.

use crate::session::Verdict;
use std::fmt::Write;

const INDENT: &str = "       ";

/// Renders one event. Every block ends with two empty lines, as Wazuh prints.
pub fn render(v: &Verdict) -> String {
    let mut s = String::new();
    let p = &v.predecoded;
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "(null)".to_string());
    s.push_str("**Phase 1: Completed pre-decoding.\n");
    let _ = writeln!(s, "{INDENT}full event: '{}'", p.full_log);
    let _ = writeln!(s, "{INDENT}timestamp: '{}'", opt(&p.timestamp));
    let _ = writeln!(s, "{INDENT}hostname: '{}'", p.hostname);
    let _ = writeln!(s, "{INDENT}program_name: '{}'", opt(&p.program_name));
    let _ = writeln!(s, "{INDENT}log: '{}'", p.log);
    s.push_str("\n**Phase 2: Completed decoding.\n");
    match &v.decoder {
        None => {
            let _ = writeln!(s, "{INDENT}No decoder matched.");
        }
        Some(d) => {
            let _ = writeln!(s, "{INDENT}decoder: '{}'", d.top_name);
            for (k, val) in &v.fields {
                let _ = writeln!(s, "{INDENT}{k}: '{val}'");
            }
        }
    }
    if let Some(r) = &v.rule {
        s.push_str("\n**Phase 3: Completed filtering (rules).\n");
        let _ = writeln!(s, "{INDENT}Rule id: '{}'", r.id);
        let _ = writeln!(s, "{INDENT}Level: '{}'", r.level);
        let _ = writeln!(s, "{INDENT}Description: '{}'", r.description);
        for (kind, text) in r.info.iter() {
            let _ = writeln!(s, "{INDENT}Info - {kind}: '{text}'");
        }
        if v.alert {
            s.push_str("**Alert to be generated.\n");
        }
    }
    s.push_str("\n\n");
    s
}
