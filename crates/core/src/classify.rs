//! Sorting files of a Wazuh ruleset into decoders, rules and CDB lists when
//! they arrive without flags, e.g. a whole `/var/ossec/etc` or
//! `ruleset/` folder dropped on the playground.
//!
//! The folder names of Wazuh's layouts decide first (`decoders/`, `rules/`,
//! `lists/`), then the file name (`*_decoders.xml`, `*_rules.xml`), then the
//! first element of an XML file. Compiled `.cdb` files are skipped: lists
//! are read from their text form, as Wazuh rebuilds the `.cdb` from it.

/// What a ruleset file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Decoders,
    Rules,
    List,
}

/// Rule files Wazuh's default `ossec.conf` does not load (rules.md R1.1.5).
pub const DEFAULT_RULE_EXCLUDES: [&str; 1] = ["0215-policy_rules.xml"];

fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\']).filter(|c| !c.is_empty()).collect()
}

/// The kind of the file at `path` (as uploaded, folders included) with
/// content `text`, or None for files that are not part of a ruleset.
pub fn classify(path: &str, text: &str) -> Option<SourceKind> {
    let parts = components(path);
    let name = parts.last().copied().unwrap_or("");
    let lower = name.to_ascii_lowercase();
    let dirs = &parts[..parts.len().saturating_sub(1)];
    if lower.ends_with(".cdb") || name.starts_with('.') {
        return None;
    }
    if lower.ends_with(".xml") {
        if dirs.contains(&"decoders") || lower.ends_with("decoders.xml") {
            return Some(SourceKind::Decoders);
        }
        if dirs.contains(&"rules") || lower.ends_with("rules.xml") {
            return Some(SourceKind::Rules);
        }
        // The first element decides (comments and declarations skipped).
        let first = first_element(text)?;
        return if first.starts_with("decoder") {
            Some(SourceKind::Decoders)
        } else if first.starts_with("group")
            || first.starts_with("rule")
            || first.starts_with("var")
        {
            Some(SourceKind::Rules)
        } else {
            None
        };
    }
    if dirs.contains(&"lists") {
        return Some(SourceKind::List);
    }
    // A CDB list in text form: every non-empty line is `key:value`.
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    if lines.peek().is_some() && lines.all(|l| l.contains(':')) {
        return Some(SourceKind::List);
    }
    None
}

/// The text right after the `<` of the first element.
fn first_element(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let at = rest.find('<')?;
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest.starts_with(['!', '?']) {
            rest = &rest[rest.find('>')? + 1..];
        } else {
            return Some(rest);
        }
    }
}

/// The path rules name a list by (`<list>etc/lists/NAME</list>`): below a
/// `lists/` folder the relative path, else the file name.
pub fn list_name(path: &str) -> String {
    let parts = components(path);
    let rel = match parts.iter().rposition(|c| *c == "lists") {
        Some(i) if i + 1 < parts.len() => parts[i + 1..].join("/"),
        _ => parts.last().copied().unwrap_or("").to_string(),
    };
    format!("etc/lists/{rel}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_names_and_content_decide() {
        use SourceKind::*;
        let c = classify;
        assert_eq!(
            c("ruleset/decoders/0005-wazuh_decoders.xml", ""),
            Some(Decoders)
        );
        assert_eq!(c("ruleset/rules/0010-rules_config.xml", ""), Some(Rules));
        assert_eq!(c("etc/decoders/local_decoder.xml", ""), Some(Decoders));
        assert_eq!(c("local_rules.xml", ""), Some(Rules));
        assert_eq!(
            c("mine.xml", "<!-- x -->\n<decoder name=\"a\">"),
            Some(Decoders)
        );
        assert_eq!(
            c("mine.xml", "<?xml version=\"1.0\"?><group name=\"a\">"),
            Some(Rules)
        );
        assert_eq!(c("notes.xml", "<html>"), None);
        assert_eq!(
            c(
                "mine.xml",
                "<!-- a <decoder> in a comment -->\n<group name=\"x\">"
            ),
            Some(Rules)
        );
        assert_eq!(c("ruleset/lists/amazon/aws-eventnames", "x"), Some(List));
        assert_eq!(c("ruleset/lists/audit-keys.cdb", "x"), None);
        assert_eq!(c("admins", "alice:finance\nroot:\n"), Some(List));
        assert_eq!(c("README.md", "# a\ntext"), None);
        assert_eq!(c("ruleset/rules/.DS_Store", ""), None);
    }

    #[test]
    fn lists_are_named_like_wazuh_registers_them() {
        assert_eq!(
            list_name("ruleset/lists/amazon/aws-eventnames"),
            "etc/lists/amazon/aws-eventnames"
        );
        assert_eq!(list_name("admins"), "etc/lists/admins");
        assert_eq!(
            list_name("C:\\x\\lists\\audit-keys"),
            "etc/lists/audit-keys"
        );
    }
}
