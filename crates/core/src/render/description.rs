//! `$(field)` rendering of rule descriptions (rules.md §6).

use crate::event::{Event, StaticField};

/// Wazuh works on the first 1024 bytes and falls back to the raw text when
/// the output would reach 1024 bytes (R6.1, R6.4).
const LIMIT: usize = 1024;

/// The value `$(name)` expands to (R6.2): static and pre-decoded names are
/// exact and case-sensitive, anything else is a case-insensitive dynamic
/// field lookup; missing renders empty (R6.3).
fn lookup<'a>(name: &str, ev: &'a Event) -> &'a str {
    match name {
        "program_name" => ev.pre.program_name.as_deref().unwrap_or(""),
        "hostname" => ev.pre.hostname.as_str(),
        _ => match StaticField::ALL.iter().find(|f| f.name() == name) {
            Some(f) => ev.get_static(*f).unwrap_or(""),
            None => ev.get_dynamic(name).unwrap_or(""),
        },
    }
}

/// Renders `description` for `ev`.
pub fn render(description: &str, ev: &Event) -> String {
    if description.len() >= LIMIT {
        return description.to_string();
    }
    let mut out = String::with_capacity(description.len());
    let mut rest = description;
    while let Some(pos) = rest.find("$(") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        match after.find(')') {
            Some(end) => {
                out.push_str(lookup(&after[..end], ev));
                rest = &after[end + 1..];
            }
            None => {
                // R6.1: an unclosed `$(` and the rest are copied.
                out.push_str(&rest[pos..]);
                rest = "";
            }
        }
        if out.len() >= LIMIT {
            return description.to_string();
        }
    }
    out.push_str(rest);
    if out.len() >= LIMIT {
        return description.to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Event {
        let mut e = Event::default();
        e.pre.hostname = "vm".into();
        e.set_static(StaticField::SrcIp, "1.1.1.1");
        e.push_dynamic("tag", "T");
        e.push_dynamic("", "ek");
        e
    }

    #[test]
    fn worked_examples() {
        let e = ev();
        assert_eq!(render("User $(dstuser) failed", &e), "User  failed");
        assert_eq!(render("$(srcip) $(SRCIP) $(TAG)", &e), "1.1.1.1  T");
        assert_eq!(render("h=$(hostname) p=$(program_name)", &e), "h=vm p=");
        assert_eq!(render("$( srcip )x", &e), "x");
        assert_eq!(render("$((tag))", &e), ")");
        assert_eq!(render("$(ta$(tag)g)", &e), "g)");
        assert_eq!(render("emptykey=[$()]", &e), "emptykey=[ek]");
        assert_eq!(render("open $(tag", &e), "open $(tag");
        assert_eq!(
            render("\"Falco Alert - \" $(tag)", &e),
            "\"Falco Alert - \" T"
        );
    }

    #[test]
    fn long_output_falls_back_to_raw() {
        let mut e = ev();
        e.push_dynamic("rest", &"y".repeat(1100));
        assert_eq!(render("long: $(rest)", &e), "long: $(rest)");
        let d = format!("{} $(tag)", "x".repeat(1000));
        assert_eq!(render(&d, &e).len(), 1002);
    }
}
