//! What Wazuh's `runtests.py` changes in a manager before it runs the
//! upstream suite (rules.md §9.1), as pure text operations; the CLI reads and
//! loads the files.
//!
//! * [`is_extra_rules_file`] / [`is_extra_decoders_file`]: the files of
//!   `ruleset/testing/ruleset/` it copies into `etc/rules` and `etc/decoders`
//!   (R9.1.1), so they load after the stock files as local files.
//! * [`patch_windows_eventchannel`]: unless run with
//!   `--skip-windows-eventchannel`, rule 60000 of `0575-win-base_rules.xml`
//!   loses its `<decoded_as>` and `<category>` and gets
//!   `<decoded_as>json</decoded_as>`, so Windows events typed as JSON reach
//!   the Windows rules (R9.1.2).
//! * [`is_default_test_file`]: `*geoip.ini` files only run with `--geoip`
//!   (R9.1.3).

use crate::xml;
use std::sync::Arc;

/// `^test_(.*_)?rules.xml$` (R9.1.1).
pub fn is_extra_rules_file(name: &str) -> bool {
    extra(name, "rules.xml")
}

/// `^test_(.*_)?decoders.xml$` (R9.1.1).
pub fn is_extra_decoders_file(name: &str) -> bool {
    extra(name, "decoders.xml")
}

fn extra(name: &str, suffix: &str) -> bool {
    let Some(rest) = name.strip_prefix("test_") else {
        return false;
    };
    let Some(middle) = rest.strip_suffix(suffix) else {
        return false;
    };
    middle.is_empty() || middle.ends_with('_')
}

/// Whether runtests runs this `.ini` file without `--geoip` (R9.1.3).
pub fn is_default_test_file(name: &str) -> bool {
    name.ends_with(".ini") && !name.ends_with("geoip.ini")
}

/// The stock file whose rule 60000 the harness patches.
pub const WINDOWS_BASE_RULES: &str = "0575-win-base_rules.xml";

/// R9.1.2 on the text of `0575-win-base_rules.xml`. Returns `None` when the
/// text does not parse or has no rule 60000 (nothing to patch).
pub fn patch_windows_eventchannel(text: &str) -> Option<String> {
    patch_rule(
        text,
        "60000",
        &["decoded_as", "category"],
        &[("decoded_as", "json")],
    )
}

/// Removes the child elements named `remove` from the rule `id` and appends
/// `add` as new children, the way runtests edits the file with ElementTree
/// (removed elements vanish, new ones go last). Other text is kept.
pub fn patch_rule(text: &str, id: &str, remove: &[&str], add: &[(&str, &str)]) -> Option<String> {
    let file: Arc<str> = Arc::from("patch");
    let roots = xml::parse(&file, text).ok()?;
    let rule = find_rule(&roots, id)?;
    let mut cuts: Vec<(usize, usize)> = rule
        .children
        .iter()
        .filter(|c| remove.contains(&c.name.as_str()))
        .map(|c| (c.span.start, element_end(text, c)))
        .collect();
    cuts.sort();
    let insert_at = rule.content_span.end;
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for (start, end) in cuts {
        if start < pos || end > insert_at {
            return None;
        }
        out.push_str(&text[pos..start]);
        pos = end;
    }
    out.push_str(&text[pos..insert_at]);
    for (name, value) in add {
        out.push_str(&format!("  <{name}>{value}</{name}>\n  "));
    }
    out.push_str(&text[insert_at..]);
    Some(out)
}

fn find_rule<'a>(elements: &'a [xml::Element], id: &str) -> Option<&'a xml::Element> {
    for e in elements {
        if e.name == "rule" && e.attr("id").is_some_and(|a| a.value == id) {
            return Some(e);
        }
        if let Some(r) = find_rule(&e.children, id) {
            return Some(r);
        }
    }
    None
}

/// Byte offset just past the element's end tag (or its `<x/>` start tag).
fn element_end(text: &str, e: &xml::Element) -> usize {
    let after = e.content_span.end;
    if text[after..].starts_with("</") {
        text[after..]
            .find('>')
            .map_or(text.len(), |i| after + i + 1)
    } else {
        e.span.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_file_names() {
        assert!(is_extra_rules_file("test_rules.xml"));
        assert!(is_extra_rules_file("test_osregex_regex_rules.xml"));
        assert!(!is_extra_rules_file("test_xrules.xml"));
        assert!(!is_extra_rules_file("my_test_rules.xml"));
        assert!(is_extra_decoders_file("test_decoders.xml"));
        assert!(is_extra_decoders_file("test_a_decoders.xml"));
        assert!(!is_extra_decoders_file("test_rules.xml"));
        assert!(is_default_test_file("sshd.ini"));
        assert!(!is_default_test_file("test_pcre2_regex_geoip.ini"));
    }

    #[test]
    fn rule_60000_gets_decoded_as_json() {
        let text = "<group name=\"windows,\">\n  <rule id=\"60000\" level=\"0\">\n    <category>ossec</category>\n    <decoded_as>windows_eventchannel</decoded_as>\n    <field name=\"win.system.providerName\">\\.+</field>\n    <description>Group of windows rules.</description>\n  </rule>\n  <rule id=\"60001\" level=\"0\">\n    <decoded_as>windows_eventchannel</decoded_as>\n    <description>x</description>\n  </rule>\n</group>\n";
        let patched = patch_windows_eventchannel(text).unwrap();
        let roots = xml::parse(&Arc::from("p"), &patched).unwrap();
        let r60000 = &roots[0].children[0];
        let names: Vec<&str> = r60000.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["field", "description", "decoded_as"]);
        assert_eq!(r60000.children[2].content, "json");
        // Other rules are untouched.
        let r60001 = &roots[0].children[1];
        assert_eq!(r60001.children[0].content, "windows_eventchannel");
        assert_eq!(
            patch_windows_eventchannel("<group name=\"x\"></group>"),
            None
        );
    }
}
