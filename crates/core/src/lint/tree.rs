//! Checks on the loaded rules: rules that can never be the result,
//! placeholders no decoder fills, the Falco integration's ladder.

use crate::diagnostic::{Diagnostic, Severity};
use crate::falco::Priority;
use crate::rule::model::Rule;
use crate::session::Ruleset;
use crate::StaticField;

fn warn(code: &'static str, message: String, rule: &Rule) -> Diagnostic {
    Diagnostic::new(code, Severity::Warning, message).with_span(rule.span.clone())
}

pub(super) fn check(ruleset: &Ruleset, linted: &dyn Fn(&str) -> bool, out: &mut Vec<Diagnostic>) {
    let tree = ruleset.tree();
    let mut in_tree = vec![false; tree.rules.len()];
    let mut has_children = vec![false; tree.rules.len()];
    for n in tree.walk() {
        let node = &tree.nodes[n];
        in_tree[node.rule] = true;
        has_children[node.rule] |= !node.children.is_empty();
    }
    for (i, r) in tree.rules.iter().enumerate() {
        if !in_tree[i] || !linted(&r.file) {
            continue;
        }
        if r.noalert && !has_children[i] && r.id >= 10 {
            out.push(
                warn(
                    "L010",
                    format!(
                        "rule {}: noalert=\"1\" and no child rule, so it can never be the result",
                        r.id
                    ),
                    r,
                )
                .with_help("remove noalert, or add child rules (if_sid) that report the events")
                .with_wazuh("Wazuh never reports a noalert rule itself (rules.md §5.3)"),
            );
        }
        if r.is_stateful() && r.level == 0 {
            out.push(
                warn("L011", format!("rule {}: a stateful rule (if_matched_*, frequency) with level 0 never matches", r.id), r)
                    .with_help("give it a level of 1 or more")
                    .with_wazuh("stored events are only counted by rules whose level is above the level that last used them (rules.md §5.6.1)"),
            );
        }
        check_placeholders(ruleset, r, out);
    }
    check_shadowing(ruleset, linted, out);
    check_falco(ruleset, linted, out);
    check_decoders(ruleset, linted, out);
}

/// L030: decoders selection never reaches.
fn check_decoders(ruleset: &Ruleset, linted: &dyn Fn(&str) -> bool, out: &mut Vec<Diagnostic>) {
    let elements: Vec<(&str, &crate::Span)> = ruleset.decoders().elements().collect();
    for (late, early) in ruleset.decoders().unreachable() {
        let (name, span) = elements[late];
        if !linted(&span.file) {
            continue;
        }
        let (winner, winner_span) = elements[early];
        out.push(
            Diagnostic::new(
                "L030",
                Severity::Warning,
                format!("decoder '{name}' is never tried: decoder '{winner}' has no prematch and takes its events first"),
            )
            .with_span(span.clone())
            .with_help(format!("give decoder '{winner}' a <prematch>, or move '{name}' before it"))
            .with_wazuh("Wazuh selects the first decoder that matches and tries no other (decoding.md R5.6.2, R5.6.3)")
            .with_related(winner_span.clone(), "this decoder takes every event first"),
        );
    }
}

/// `$(name)` placeholders of a description.
fn placeholders(description: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = description;
    while let Some(pos) = rest.find("$(") {
        let after = &rest[pos + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// L012: a `$(field)` that no decoder the rule can see sets.
fn check_placeholders(ruleset: &Ruleset, r: &Rule, out: &mut Vec<Diagnostic>) {
    let names = placeholders(&r.description);
    if names.is_empty() {
        return;
    }
    let (known, open) = ruleset
        .decoders()
        .field_names(r.decoded_as.as_ref().map(|(_, id)| *id));
    if open {
        return; // a JSON decoder can set any name
    }
    for name in names {
        // Pre-decoded values always exist.
        if matches!(name, "hostname" | "program_name" | "location") {
            continue;
        }
        let is_static = StaticField::ALL.iter().any(|f| f.name() == name);
        let found = if is_static {
            known.contains(name)
        } else {
            known.contains(&name.to_lowercase())
        };
        if !found {
            let scope = match &r.decoded_as {
                Some((d, _)) => format!("decoder '{d}'"),
                None => "decoder in the loaded set".to_string(),
            };
            out.push(
                warn("L012", format!("rule {}: the description uses $({name}), which no {scope} sets", r.id), r)
                    .with_help("check the spelling against the decoder's <order>; static fields are srcip, dstuser, ...")
                    .with_wazuh("Wazuh renders a missing field as an empty string"),
            );
        }
    }
}

/// Whether a rule has no condition of its own: every event that reaches
/// it matches.
fn unconditional(r: &Rule) -> bool {
    let conds = [
        &r.program_name,
        &r.id_cond,
        &r.system_name,
        &r.protocol,
        &r.match_,
        &r.regex,
        &r.action,
        &r.url,
        &r.location,
        &r.srcport,
        &r.dstport,
        &r.user,
        &r.srcgeoip,
        &r.dstgeoip,
        &r.data,
        &r.extra_data,
        &r.hostname,
        &r.status,
    ];
    conds.iter().all(|c| c.is_none())
        && r.fields.is_empty()
        && r.lists.is_empty()
        && r.decoded_as.is_none()
        && r.srcip.is_none()
        && r.dstip.is_none()
        && r.compiled_rule.is_none()
        && r.time.is_none()
        && r.weekday.is_none()
        && r.maxsize == 0
        && !r.check_diff
        && !r.if_fts
        && !r.is_stateful()
}

/// L013: a sibling placed after an unconditional, reportable rule is never
/// tried (siblings are tried in order and the first match wins).
fn check_shadowing(ruleset: &Ruleset, linted: &dyn Fn(&str) -> bool, out: &mut Vec<Diagnostic>) {
    let tree = ruleset.tree();
    let mut reported = std::collections::HashSet::new();
    for n in tree.walk() {
        let kids = &tree.nodes[n].children;
        let Some(pos) = kids.iter().position(|&k| {
            let r = &tree.rules[tree.nodes[k].rule];
            unconditional(r) && !r.noalert
        }) else {
            continue;
        };
        let winner = &tree.rules[tree.nodes[kids[pos]].rule];
        for &k in &kids[pos + 1..] {
            let r = &tree.rules[tree.nodes[k].rule];
            if linted(&r.file) && reported.insert(r.id) {
                out.push(
                    warn("L013", format!("rule {} is never tried: its sibling {} has no condition and comes first", r.id, winner.id), r)
                        .with_help(format!("give rule {} a condition, or make it the parent of rule {} (if_sid)", winner.id, r.id))
                        .with_wazuh("Wazuh tries siblings in order (level-0 rules first, then by level) and stops at the first match")
                        .with_related(winner.span.clone(), "this rule matches every event first"),
                );
            }
        }
    }
}

/// The field Falco alerts carry the integration marker in.
const FALCO_MARKER: &str = "output_fields.wazuh_integration";

/// L020/L021: the Falco integration's priority rules.
fn check_falco(ruleset: &Ruleset, linted: &dyn Fn(&str) -> bool, out: &mut Vec<Diagnostic>) {
    let tree = ruleset.tree();
    for n in tree.walk() {
        let base = &tree.rules[tree.nodes[n].rule];
        if !linted(&base.file) || !base.fields.iter().any(|f| f.name == FALCO_MARKER) {
            continue;
        }
        let children: Vec<&Rule> = tree.nodes[n]
            .children
            .iter()
            .map(|&c| &tree.rules[tree.nodes[c].rule])
            .collect();
        let priority_rules: Vec<&Rule> = children
            .iter()
            .copied()
            .filter(|r| r.fields.iter().any(|f| f.name == "priority"))
            .collect();
        if priority_rules.is_empty() {
            continue;
        }
        for p in Priority::ALL {
            // The first child whose priority condition accepts the value.
            let winner = priority_rules.iter().find(|r| {
                r.fields
                    .iter()
                    .filter(|f| f.name == "priority")
                    .all(|f| f.cond.test(Some(p.as_str())))
            });
            match winner {
                None if p != Priority::Debug => out.push(
                    warn(
                        "L020",
                        format!(
                            "Falco priority {} has no rule under rule {}",
                            p.as_str(),
                            base.id
                        ),
                        base,
                    )
                    .with_help(format!(
                        "add a child rule with <field name=\"priority\">^{}$</field>",
                        p.as_str()
                    ))
                    .with_wazuh(format!(
                        "alerts of priority {} stop at rule {} (level {})",
                        p.as_str(),
                        base.id,
                        base.level
                    )),
                ),
                Some(r) => {
                    for f in r.fields.iter().filter(|f| f.name == "priority") {
                        let src = f.cond.matcher.source();
                        let bare = src.trim_start_matches('^').trim_end_matches('$');
                        if !f.cond.negate
                            && !bare.eq_ignore_ascii_case(p.as_str())
                            && Priority::parse(bare).is_none()
                            && p.as_str()
                                .to_ascii_lowercase()
                                .contains(&bare.to_ascii_lowercase())
                        {
                            out.push(
                                Diagnostic::new(
                                    "L021",
                                    Severity::Warning,
                                    format!("rule {}: priority pattern '{src}' matches Falco's '{}' only as a substring; Falco never writes '{bare}'", r.id, p.as_str()),
                                )
                                .with_span(f.cond.span.clone())
                                .with_help(format!("write ^{}$", p.as_str()))
                                .with_wazuh("<field> is an unanchored OS_Regex: a part of the value matches"),
                            );
                        }
                    }
                }
                None => {}
            }
        }
    }
}
