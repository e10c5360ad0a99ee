//! Checks on the XML of rule files (rules.md §10.6): what the loaded rule
//! no longer shows.

use super::{is_stock_rule_file, LintOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::xml::{self, Element};
use std::sync::Arc;

/// Elements whose repetitions are concatenated into one value (rules.md §3
/// table, "concat"); `group` is left out, repeating it is normal.
const CONCATENATED: [&str; 24] = [
    "match",
    "regex",
    "srcport",
    "dstport",
    "user",
    "srcgeoip",
    "dstgeoip",
    "id",
    "url",
    "action",
    "protocol",
    "system_name",
    "program_name",
    "location",
    "hostname",
    "data",
    "extra_data",
    "status",
    "if_sid",
    "if_group",
    "if_level",
    "if_matched_group",
    "if_matched_regex",
    "description",
];

/// Elements of which only the last one counts ("last").
const LAST_WINS: [&str; 6] = [
    "decoded_as",
    "category",
    "time",
    "weekday",
    "compiled_rule",
    "if_matched_sid",
];

/// Elements matched with OS_Match unless `type` says otherwise.
const OSMATCH_BY_DEFAULT: [&str; 16] = [
    "match",
    "srcport",
    "dstport",
    "user",
    "id",
    "url",
    "protocol",
    "system_name",
    "program_name",
    "location",
    "hostname",
    "data",
    "extra_data",
    "status",
    "srcgeoip",
    "dstgeoip",
];

fn lint(code: &'static str, message: String, span: &crate::diagnostic::Span) -> Diagnostic {
    Diagnostic::new(code, Severity::Warning, message).with_span(span.clone())
}

pub(super) fn check_rule_file(
    name: &str,
    text: &str,
    options: &LintOptions,
    out: &mut Vec<Diagnostic>,
) {
    let file: Arc<str> = Arc::from(name);
    // XML errors are already reported by the loader.
    let Ok(roots) = xml::parse(&file, text) else {
        return;
    };
    let local = !is_stock_rule_file(name);
    for group in roots.iter().filter(|e| e.name == "group") {
        for rule in group.children.iter().filter(|e| e.name == "rule") {
            check_rule(rule, local, options, out);
        }
    }
}

fn check_rule(rule: &Element, local: bool, options: &LintOptions, out: &mut Vec<Diagnostic>) {
    let id = rule.attr("id").map(|a| a.value.as_str()).unwrap_or("?");
    if let (true, Some(attr)) = (local, rule.attr("id")) {
        if let Ok(n) = attr.value.parse::<u32>() {
            if !options.custom_range.contains(&n) {
                out.push(
                    lint(
                        "L001",
                        format!(
                            "rule id {n} is outside the custom range {}-{}",
                            options.custom_range.start(),
                            options.custom_range.end()
                        ),
                        &attr.span,
                    )
                    .with_help("Wazuh's own rules use ids below 100000; pick a free id in the custom range (rulelab.toml sets another range)")
                    .with_wazuh("Wazuh loads it, but a later ruleset update may bring a rule with the same id (7612: only the first is kept)"),
                );
            }
        }
    }
    for (i, c) in rule.children.iter().enumerate() {
        let earlier = rule.children[..i].iter().find(|e| e.name == c.name);
        // Wazuh's own idioms join correctly: a long alternation split over
        // several elements each ending in `|`, a list ending in `,`, a long
        // description or pattern split at a space. What is left glues two
        // texts together (`<match>a</match><match>b</match>` is `ab`).
        let previous = rule.children[..i].iter().rev().find(|e| e.name == c.name);
        let glued = previous.is_some_and(|p| {
            let sep = |ch: char| ch.is_whitespace() || ch == '|' || ch == ',';
            !p.content.ends_with(sep) && !c.content.starts_with(sep) && !p.content.is_empty()
        });
        if let Some(first) = earlier {
            if CONCATENATED.contains(&c.name.as_str()) && glued {
                let d = lint(
                    "L002",
                    format!("rule {id}: a second <{}> is glued to the end of the first, not a separate condition", c.name),
                    &c.span,
                )
                .with_help(match c.name.as_str() {
                    "if_sid" => "put all parent ids in one <if_sid>, separated by commas".to_string(),
                    "description" => "write one <description>".to_string(),
                    _ => format!("write one <{}> (use `|` for alternatives), or a child rule for an AND", c.name),
                })
                .with_wazuh(format!(
                    "Wazuh joins the texts of all <{}> elements into one value",
                    c.name
                ))
                .with_related(first.span.clone(), "the first one");
                out.push(d);
            } else if LAST_WINS.contains(&c.name.as_str()) {
                out.push(
                    lint(
                        "L003",
                        format!("rule {id}: only the last <{}> counts", c.name),
                        &first.span,
                    )
                    .with_help(format!("remove the <{}> that does not apply", c.name))
                    .with_wazuh("Wazuh keeps the value of the last element and ignores this one")
                    .with_related(c.span.clone(), "this one wins"),
                );
            }
        }
        let dialect = c.attr("type").map(|a| a.value.to_ascii_lowercase());
        let is_osmatch = OSMATCH_BY_DEFAULT.contains(&c.name.as_str())
            && dialect.as_deref().is_none_or(|d| d == "osmatch");
        // Checked once, on the value all elements of this name join into.
        let first_of_name = earlier.is_none();
        if is_osmatch && first_of_name {
            let joined: String = rule
                .children
                .iter()
                .filter(|e| e.name == c.name)
                .map(|e| e.content.as_str())
                .collect();
            let t = joined.as_str();
            // An empty element (`<user />`) only asks that the field exists.
            let empty_alt =
                t.starts_with('|') || t.contains("||") || (t.ends_with('|') && !t.ends_with("\\|"));
            if empty_alt {
                out.push(
                    lint(
                        "L004",
                        format!("rule {id}: <{}> has an empty alternative, which matches every value", c.name),
                        &c.content_span,
                    )
                    .with_help("remove the extra `|`")
                    .with_wazuh("OS_Match treats an empty alternative as matching anything (rules.md §10.6 L1)"),
                );
            }
        }
        // A space at either end of a match pattern is a common, deliberate
        // way to match a word; line breaks and tabs are not, and names of
        // groups, lists and options never carry spaces.
        let patterned = is_osmatch || matches!(c.name.as_str(), "regex" | "field");
        let names = matches!(
            c.name.as_str(),
            "if_group" | "if_matched_group" | "list" | "options" | "if_sid"
        );
        let t = c.content.as_str();
        let lead = &t[..t.len() - t.trim_start().len()];
        let trail = &t[t.trim_end().len()..];
        let edge_breaks = format!("{lead}{trail}").contains(['\n', '\r', '\t']);
        let edge_space = t.trim() != t;
        if (patterned && edge_breaks) || (names && edge_space) {
            out.push(
                lint(
                    "L005",
                    format!("rule {id}: <{}> starts or ends with a line break, tab or space, which is part of the value", c.name),
                    &c.content_span,
                )
                .with_help("remove the spaces or line breaks around the value")
                .with_wazuh("Wazuh does not trim element content"),
            );
        }
        if c.name == "description" && c.content.contains('"') {
            out.push(
                lint(
                    "L006",
                    format!("rule {id}: the description contains literal double quotes"),
                    &c.content_span,
                )
                .with_help("write the text without quotes; XML needs none")
                .with_wazuh("Wazuh shows the quotes as part of the description in every alert"),
            );
        }
    }
}
