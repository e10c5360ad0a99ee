//! Explaining one evaluation (issue 6): the readable tree of what the
//! engine did, and the answer to "why did rule N not fire?".
//!
//! # Design
//!
//! [`Session::explain`](crate::Session::explain) records the steps of one
//! evaluation with a [`RecordTrace`](crate::trace::RecordTrace): every
//! decoder tried and the rule search in Wazuh's order. This module only
//! reads those steps:
//!
//! * [`Explanation::lines`] lays them out as an indented tree of
//!   [`Line`]s (pre-decoding, decoders, rules, verdict). The CLI prints them
//!   as text ([`Explanation::to_text`]); the playground styles the same
//!   lines, so both show one tree.
//! * [`Explanation::why_not`] answers for one rule id by *replaying* the
//!   recorded search against the real rule tree: the steps are a pre-order
//!   walk (rules.md §5.3), so the k-th step at depth d+1 after a match at
//!   depth d is the k-th child tried. That maps every tree node to what
//!   happened to it (failed at a gate, matched, never tried), and the answer
//!   for rule N is read along each chain of parents from the top down to N:
//!   the first parent that failed, a sibling that won first, N's own gate, or
//!   that N's category never applies to this event. A rule with several
//!   parents (`if_sid` lists, `if_group`) has one chain per place in the
//!   tree and gets one answer per chain.
//!
//! Long runs of siblings that fail for the same dull reason (a decoder whose
//! `program_name` differs, rules whose `decoded_as` names another decoder)
//! are folded into one line, or the stock ruleset's trees would be
//! thousands of lines; the JSON output keeps every step.

use crate::rule::RuleTree;
use crate::session::{Ruleset, Verdict};
use crate::trace::{DecoderOutcome, DecoderRole, DecoderStep, Gate, GateReason, RuleStep};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One evaluated event with the steps that produced its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub verdict: Verdict,
    /// Every decoder tried, in Wazuh's order (decoding.md §5.6).
    pub decoders: Vec<DecoderStep>,
    /// The rule search in Wazuh's order (rules.md §5.3).
    pub rules: Vec<RuleStep>,
}

/// How a line of the tree reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// A heading or a plain fact.
    Info,
    /// Something matched.
    Pass,
    /// Something did not match.
    Fail,
    /// Several folded steps.
    Folded,
}

/// One line of the explain tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub depth: usize,
    pub mark: Mark,
    pub text: String,
    /// The rule id the line is about, so a viewer can link it.
    pub rule: Option<u32>,
}

/// Siblings failing for the same dull reason fold from this many on.
const FOLD_AT: usize = 3;

/// A quoted, shortened value for one line of text.
fn quote(value: &str) -> String {
    const MAX: usize = 120;
    let mut s: String = value.chars().take(MAX).collect();
    if s.len() < value.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// `gate` as one phrase: `field name="x" osregex "^a$" on "b": no match`.
/// A value equal to the event's `log` reads `on log`.
pub fn gate_text(gate: &Gate, log: &str) -> String {
    if gate.element == "decoded_as" {
        return format!(
            "decoded_as {}, but {}",
            quote(gate.pattern.as_deref().unwrap_or("")),
            match &gate.value {
                Some(d) => format!("the event was decoded by {}", quote(d)),
                None => "no decoder matched the event".into(),
            }
        );
    }
    let mut s = gate.element.clone();
    match (&gate.pattern, &gate.dialect) {
        (Some(p), Some(d)) => {
            let _ = write!(s, " {d} {}", quote(p));
        }
        (Some(p), None) => {
            let _ = write!(s, " {}", quote(p));
        }
        _ => {}
    }
    match (&gate.value, gate.reason) {
        (Some(v), GateReason::NotSatisfied) => {
            let _ = write!(s, ": {v}");
        }
        (Some(v), r) if v == log && !log.is_empty() => {
            let _ = write!(s, " on log: {}", r.phrase());
        }
        (Some(v), r) => {
            let _ = write!(s, " on {}: {}", quote(v), r.phrase());
        }
        (None, r) => {
            let _ = write!(s, ": {}", r.phrase());
        }
    }
    s
}

fn rule_label(tree: &RuleTree, id: u32) -> String {
    match tree.by_id.get(&id) {
        Some(&i) => format!("rule {id} (level {})", tree.rules[i].level),
        None => format!("rule {id}"),
    }
}

/// What happened to one rule the search reached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Failed(Gate),
    Matched,
}

/// One rule the search tried, with the rules tried below it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tried {
    rule: u32,
    outcome: Outcome,
    children: Vec<Tried>,
}

/// Rebuilds the searched tree from the pre-order steps.
fn searched(steps: &[RuleStep]) -> Vec<Tried> {
    fn level(steps: &[RuleStep], i: &mut usize, depth: usize) -> Vec<Tried> {
        let mut out = Vec::new();
        while let Some(RuleStep::Tried { rule, depth: d }) = steps.get(*i) {
            if *d < depth {
                break;
            }
            *i += 1;
            let outcome = match steps.get(*i) {
                Some(RuleStep::Failed { gate, .. }) => {
                    *i += 1;
                    Outcome::Failed(gate.clone())
                }
                Some(RuleStep::Matched { .. }) => {
                    *i += 1;
                    Outcome::Matched
                }
                // A rule step is always followed by its outcome.
                _ => Outcome::Failed(Gate {
                    element: "(trace ended)".into(),
                    pattern: None,
                    dialect: None,
                    value: None,
                    reason: GateReason::NotSatisfied,
                }),
            };
            let children = if outcome == Outcome::Matched {
                level(steps, i, d + 1)
            } else {
                Vec::new()
            };
            out.push(Tried {
                rule: *rule,
                outcome,
                children,
            });
        }
        out
    }
    let mut i = 0;
    level(steps, &mut i, 0)
}

impl Explanation {
    /// The readable tree: pre-decoding, decoding, the rule search, verdict.
    pub fn lines(&self, ruleset: &Ruleset) -> Vec<Line> {
        let mut out = Vec::new();
        let mut push = |depth, mark, text: String, rule| {
            out.push(Line {
                depth,
                mark,
                text,
                rule,
            })
        };
        let p = &self.verdict.predecoded;
        push(0, Mark::Info, "pre-decoding".into(), None);
        push(
            1,
            Mark::Info,
            format!("full event: {}", quote(&p.full_log)),
            None,
        );
        if let Some(t) = &p.timestamp {
            push(1, Mark::Info, format!("timestamp: {}", quote(t)), None);
        }
        push(
            1,
            Mark::Info,
            format!("hostname: {}", quote(&p.hostname)),
            None,
        );
        push(
            1,
            Mark::Info,
            match &p.program_name {
                Some(n) => format!("program_name: {} (decoders with <program_name>)", quote(n)),
                None => "program_name: none (decoders without <program_name>)".into(),
            },
            None,
        );
        push(1, Mark::Info, format!("log: {}", quote(&p.log)), None);

        push(0, Mark::Info, "decoding".into(), None);
        if self.decoders.is_empty() {
            push(1, Mark::Fail, "no decoder was tried".into(), None);
        }
        let mut i = 0;
        while i < self.decoders.len() {
            let s = &self.decoders[i];
            // Fold a run of top-level decoders skipped for their program_name.
            let skipped = |s: &DecoderStep| {
                s.role == DecoderRole::Top
                    && matches!(&s.outcome, DecoderOutcome::Failed { gate } if gate.element == "program_name")
            };
            if skipped(s) {
                let run = self.decoders[i..].iter().take_while(|s| skipped(s)).count();
                if run >= FOLD_AT {
                    push(
                        1,
                        Mark::Folded,
                        format!(
                            "{run} decoders skipped: their program_name does not match {} ({} … {})",
                            quote(p.program_name.as_deref().unwrap_or("")),
                            s.decoder,
                            self.decoders[i + run - 1].decoder
                        ),
                        None,
                    );
                    i += run;
                    continue;
                }
            }
            let depth = match s.role {
                DecoderRole::Top => 1,
                DecoderRole::Child | DecoderRole::Chain => 2,
            };
            let role = match s.role {
                DecoderRole::Top => "decoder",
                DecoderRole::Child => "child",
                DecoderRole::Chain => "extract",
            };
            let (mark, what) = match &s.outcome {
                DecoderOutcome::Selected => (Mark::Pass, "selected".to_string()),
                DecoderOutcome::Failed { gate } => (Mark::Fail, gate_text(gate, &p.log)),
                DecoderOutcome::Extracted { fields } => {
                    (Mark::Pass, format!("regex matched, {fields} field(s)"))
                }
                DecoderOutcome::Plugin { name } => (Mark::Pass, format!("plugin {name} ran")),
                DecoderOutcome::NothingToExtract => {
                    (Mark::Info, "no regex or plugin: no fields".to_string())
                }
            };
            push(depth, mark, format!("{role} {}: {what}", s.decoder), None);
            i += 1;
        }
        match &self.verdict.decoder {
            Some(d) => {
                push(
                    1,
                    Mark::Pass,
                    format!(
                        "decoded by {} (decoded_as {}, type {})",
                        d.top_name, d.name, d.kind
                    ),
                    None,
                );
                for (k, v) in &self.verdict.fields {
                    push(2, Mark::Info, format!("{k}: {}", quote(v)), None);
                }
            }
            None => push(
                1,
                Mark::Fail,
                "no decoder matched: rules of category syslog are searched".into(),
                None,
            ),
        }

        push(0, Mark::Info, "rules".into(), None);
        let tree = ruleset.tree();
        let kind = self.event_kind();
        if kind == crate::decoder::OSSEC_ALERT_KIND {
            push(
                1,
                Mark::Info,
                "a forwarded OSSEC alert takes the rule it names; no search".into(),
                None,
            );
        }
        fn walk(
            nodes: &[Tried],
            depth: usize,
            tree: &RuleTree,
            log: &str,
            push: &mut dyn FnMut(usize, Mark, String, Option<u32>),
        ) {
            // Rules for another decoder or program: folded when many in a row.
            let dull = |n: &Tried| match &n.outcome {
                Outcome::Failed(g) if g.element == "decoded_as" => {
                    Some("other decoders (decoded_as)")
                }
                Outcome::Failed(g) if g.element == "program_name" => {
                    Some("other programs (program_name)")
                }
                _ => None,
            };
            let mut i = 0;
            while i < nodes.len() {
                let n = &nodes[i];
                if let Some(what) = dull(n) {
                    let run = nodes[i..]
                        .iter()
                        .take_while(|m| dull(m) == Some(what))
                        .count();
                    if run >= FOLD_AT {
                        push(
                            depth,
                            Mark::Folded,
                            format!(
                                "{run} rules for {what}: {} … {}",
                                n.rule,
                                nodes[i + run - 1].rule
                            ),
                            None,
                        );
                        i += run;
                        continue;
                    }
                }
                let label = rule_label(tree, n.rule);
                match &n.outcome {
                    Outcome::Failed(g) => push(
                        depth,
                        Mark::Fail,
                        format!("{label}: {}", gate_text(g, log)),
                        Some(n.rule),
                    ),
                    Outcome::Matched => {
                        push(depth, Mark::Pass, format!("{label}: matched"), Some(n.rule));
                        walk(&n.children, depth + 1, tree, log, push);
                    }
                }
                i += 1;
            }
        }
        let searched = searched(&self.rules);
        if searched.is_empty() && kind != crate::decoder::OSSEC_ALERT_KIND {
            push(
                1,
                Mark::Fail,
                format!("no top-level rule has category {kind:?}"),
                None,
            );
        }
        walk(&searched, 1, tree, &p.log, &mut push);

        match &self.verdict.rule {
            Some(r) => push(
                0,
                Mark::Pass,
                format!(
                    "verdict: rule {} level {}{}: {}",
                    r.id,
                    r.level,
                    if self.verdict.alert {
                        ", alert"
                    } else {
                        ", no alert"
                    },
                    quote(&r.description)
                ),
                Some(r.id),
            ),
            None => push(0, Mark::Fail, "verdict: no rule matched".into(), None),
        }
        out
    }

    /// [`lines`](Self::lines) as indented text with ✓/✗ marks.
    pub fn to_text(&self, ruleset: &Ruleset) -> String {
        lines_to_text(&self.lines(ruleset))
    }

    /// The decoder type rules are searched by (rules.md §5.2).
    fn event_kind(&self) -> &str {
        self.verdict
            .decoder
            .as_ref()
            .map_or("syslog", |d| d.kind.as_str())
    }

    /// Why rule `id` did not fire for this event (or that it did).
    pub fn why_not(&self, ruleset: &Ruleset, id: u32) -> WhyNot {
        let tree = ruleset.tree();
        let fired = self.verdict.rule.as_ref().map(|r| r.id);
        let mut answer = WhyNot {
            rule: id,
            fired,
            reason: WhyNotReason::Fired,
            chains: Vec::new(),
        };
        if fired == Some(id) {
            return answer;
        }
        let Some(&ri) = tree.by_id.get(&id) else {
            answer.reason = match tree.rules.iter().find(|r| r.id == id) {
                Some(r) => WhyNotReason::NotInTree {
                    reason: detached_reason(r),
                },
                None => WhyNotReason::UnknownRule,
            };
            return answer;
        };
        let status = replay(tree, &self.rules, self.event_kind());
        let kind = self.event_kind();
        for path in paths_to(tree, ri) {
            let chain: Vec<u32> = path
                .iter()
                .map(|&n| tree.rules[tree.nodes[n].rule].id)
                .collect();
            let stop = stop_on_path(tree, &status, &path, kind, fired, &self.verdict);
            answer.chains.push(Chain { rules: chain, stop });
        }
        answer.reason = WhyNotReason::Chains;
        answer
    }
}

/// Renders lines as indented text.
pub fn lines_to_text(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        let mark = match l.mark {
            Mark::Info if l.depth == 0 => "",
            Mark::Info => "  ",
            Mark::Pass => "✓ ",
            Mark::Fail => "✗ ",
            Mark::Folded => "… ",
        };
        let _ = writeln!(s, "{}{mark}{}", "  ".repeat(l.depth), l.text);
    }
    s
}

/// Why a rule outside the tree is there (rules.md §4.3: it was skipped).
fn detached_reason(r: &crate::rule::model::Rule) -> String {
    if let Some(g) = &r.if_group {
        format!("its if_group {g:?} names no group of a rule loaded before it; Wazuh ignores the rule (R038)")
    } else if let Some(s) = &r.if_sid {
        format!("no rule of its if_sid {s:?} is loaded; Wazuh ignores the rule")
    } else if let Some(l) = &r.if_level {
        format!("no rule has the level its if_level {l:?} asks for; Wazuh ignores the rule")
    } else {
        format!(
            "no top-level rule has its category {:?}; Wazuh ignores the rule",
            r.category
        )
    }
}

/// What the search did to one tree node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NodeStatus {
    NotTried,
    Failed(Gate),
    Matched,
}

/// Replays the recorded steps on the tree: the status of every node.
fn replay(tree: &RuleTree, steps: &[RuleStep], kind: &str) -> Vec<NodeStatus> {
    let mut status = vec![NodeStatus::NotTried; tree.nodes.len()];
    fn assign(tree: &RuleTree, candidates: &[usize], tried: &[Tried], status: &mut [NodeStatus]) {
        // Tried rules appear in candidate order; skip candidates the search
        // passed over (only the top level skips, by category).
        let mut c = 0;
        for t in tried {
            while c < candidates.len() && tree.rules[tree.nodes[candidates[c]].rule].id != t.rule {
                c += 1;
            }
            let Some(&node) = candidates.get(c) else {
                return;
            };
            c += 1;
            match &t.outcome {
                Outcome::Failed(g) => status[node] = NodeStatus::Failed(g.clone()),
                Outcome::Matched => {
                    status[node] = NodeStatus::Matched;
                    assign(tree, &tree.nodes[node].children, &t.children, status);
                }
            }
        }
    }
    let top: Vec<usize> = tree
        .top
        .iter()
        .copied()
        .filter(|&n| tree.rules[tree.nodes[n].rule].category == kind)
        .collect();
    assign(tree, &top, &searched(steps), &mut status);
    status
}

/// Every chain of nodes from a top-level node down to a node of rule `ri`.
fn paths_to(tree: &RuleTree, ri: usize) -> Vec<Vec<usize>> {
    fn walk(
        tree: &RuleTree,
        list: &[usize],
        ri: usize,
        path: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        for &n in list {
            path.push(n);
            if tree.nodes[n].rule == ri {
                out.push(path.clone());
            } else {
                walk(tree, &tree.nodes[n].children, ri, path, out);
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(tree, &tree.top, ri, &mut Vec::new(), &mut out);
    out
}

/// The first gate that stopped the event on one chain.
fn stop_on_path(
    tree: &RuleTree,
    status: &[NodeStatus],
    path: &[usize],
    kind: &str,
    fired: Option<u32>,
    verdict: &Verdict,
) -> Stop {
    let id_of = |n: usize| tree.rules[tree.nodes[n].rule].id;
    let top = tree.rules[tree.nodes[path[0]].rule].category.as_str();
    if top != kind {
        return Stop::CategoryNeverApplies {
            category: top.to_string(),
            event_kind: kind.to_string(),
            decoder: verdict.decoder.as_ref().map(|d| d.name.clone()),
        };
    }
    let last = path.len() - 1;
    for (k, &node) in path.iter().enumerate() {
        match &status[node] {
            NodeStatus::NotTried => {
                // The siblings before it: the last one tried won first.
                let siblings: &[usize] = if k == 0 {
                    &tree.top
                } else {
                    &tree.nodes[path[k - 1]].children
                };
                let winner = siblings
                    .iter()
                    .take_while(|&&s| s != node)
                    .filter(|&&s| status[s] == NodeStatus::Matched)
                    .last();
                return match winner {
                    Some(&w) => Stop::SiblingWonFirst {
                        skipped: id_of(node),
                        sibling: id_of(w),
                        level: tree.rules[tree.nodes[w].rule].level,
                        fired,
                    },
                    None => Stop::NotReached,
                };
            }
            NodeStatus::Failed(g) if k == last => return Stop::OwnGate { gate: g.clone() },
            NodeStatus::Failed(g) => {
                return Stop::ParentFailed {
                    parent: id_of(node),
                    gate: g.clone(),
                }
            }
            NodeStatus::Matched if k == last => {
                let rule = &tree.rules[tree.nodes[node].rule];
                return if rule.noalert && fired != Some(rule.id) {
                    Stop::MatchedNoAlert
                } else {
                    Stop::MatchedChildFired { fired }
                };
            }
            NodeStatus::Matched => {}
        }
    }
    Stop::NotReached
}

/// The answer to "why did rule N not fire for this event?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyNot {
    pub rule: u32,
    /// The rule that fired instead, if any.
    pub fired: Option<u32>,
    pub reason: WhyNotReason,
    /// One answer per place of the rule in the tree.
    pub chains: Vec<Chain>,
}

/// The overall answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WhyNotReason {
    /// It did fire.
    Fired,
    /// No rule has this id.
    UnknownRule,
    /// The rule was loaded but attached nowhere: it never runs.
    NotInTree { reason: String },
    /// See the chains.
    Chains,
}

/// One chain of parents from the top of the tree down to the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// Rule ids from the top-level rule down to the rule asked about.
    pub rules: Vec<u32>,
    pub stop: Stop,
}

/// Where the event stopped on one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stop {
    /// The chain's top-level rule serves another decoder type (rules.md §5.2).
    CategoryNeverApplies {
        category: String,
        event_kind: String,
        decoder: Option<String>,
    },
    /// A rule above it failed.
    ParentFailed { parent: u32, gate: Gate },
    /// A sibling on the chain matched first and the search ended in its
    /// subtree (rules.md §5.3: the first sibling that yields a rule wins).
    SiblingWonFirst {
        /// The rule of the chain that was never tried.
        skipped: u32,
        sibling: u32,
        level: u32,
        fired: Option<u32>,
    },
    /// The rule itself failed.
    OwnGate { gate: Gate },
    /// The rule matched, and a rule below it fired.
    MatchedChildFired { fired: Option<u32> },
    /// The rule matched but is `noalert`, and nothing below it fired.
    MatchedNoAlert,
    /// The search ended before this chain (e.g. a forwarded alert).
    NotReached,
}

impl WhyNot {
    /// The answer as lines of the explain tree.
    pub fn lines(&self, ruleset: &Ruleset, log: &str) -> Vec<Line> {
        let tree = ruleset.tree();
        let mut out = Vec::new();
        let mut push = |depth, mark, text: String, rule| {
            out.push(Line {
                depth,
                mark,
                text,
                rule,
            })
        };
        let label = rule_label(tree, self.rule);
        match &self.reason {
            WhyNotReason::Fired => {
                push(0, Mark::Pass, format!("{label} fired"), Some(self.rule));
                return out;
            }
            WhyNotReason::UnknownRule => {
                push(
                    0,
                    Mark::Fail,
                    format!("no rule {} is loaded", self.rule),
                    None,
                );
                return out;
            }
            WhyNotReason::NotInTree { reason } => {
                push(
                    0,
                    Mark::Fail,
                    format!("{label} never runs: {reason}"),
                    Some(self.rule),
                );
                return out;
            }
            WhyNotReason::Chains => {}
        }
        let instead = match self.fired {
            Some(f) => format!("{} fired instead", rule_label(tree, f)),
            None => "no rule fired".into(),
        };
        push(
            0,
            Mark::Fail,
            format!("why not {label}? {instead}"),
            Some(self.rule),
        );
        // Chains that stop the same way are shown once, with a count.
        // A sibling that won first groups whatever rule it kept from running.
        let key = |s: &Stop| match s {
            Stop::SiblingWonFirst {
                sibling,
                level,
                fired,
                ..
            } => Stop::SiblingWonFirst {
                skipped: 0,
                sibling: *sibling,
                level: *level,
                fired: *fired,
            },
            other => other.clone(),
        };
        let mut groups: Vec<(Stop, Vec<&Chain>)> = Vec::new();
        for c in &self.chains {
            let k = key(&c.stop);
            match groups.iter_mut().find(|(s, _)| *s == k) {
                Some((_, v)) => v.push(c),
                None => groups.push((k, vec![c])),
            }
        }
        for (_, chains) in groups {
            let stop = &chains[0].stop;
            let chain: Vec<String> = chains[0].rules.iter().map(u32::to_string).collect();
            let head = if chains.len() == 1 {
                format!("chain {}", chain.join(" → "))
            } else {
                format!("{} chains, e.g. {}", chains.len(), chain.join(" → "))
            };
            push(1, Mark::Info, head, None);
            let (mark, text, rule) = match stop {
                Stop::SiblingWonFirst { sibling, level, .. } if chains.len() > 1 => (
                    Mark::Fail,
                    format!("none of them was reached: sibling rule {sibling} (level {level}) comes before them, matched, and the search ended there"),
                    Some(*sibling),
                ),
                _ => stop_line(tree, self.rule, stop, log),
            };
            push(2, mark, text, rule);
        }
        out
    }

    /// [`lines`](Self::lines) as indented text.
    pub fn to_text(&self, ruleset: &Ruleset, log: &str) -> String {
        lines_to_text(&self.lines(ruleset, log))
    }
}

/// The line that says where one chain stopped.
fn stop_line(tree: &RuleTree, rule: u32, stop: &Stop, log: &str) -> (Mark, String, Option<u32>) {
    match stop {
        Stop::CategoryNeverApplies {
            category,
            event_kind,
            decoder,
        } => (
            Mark::Fail,
            format!(
                "its top rule serves decoder type {category:?}, but the event's decoder {} has type {event_kind:?}",
                decoder.as_deref().map_or("(none: syslog)".to_string(), quote)
            ),
            None,
        ),
        Stop::ParentFailed { parent, gate } => (
            Mark::Fail,
            format!(
                "parent {} did not match: {}",
                rule_label(tree, *parent),
                gate_text(gate, log)
            ),
            Some(*parent),
        ),
        Stop::SiblingWonFirst {
            skipped,
            sibling,
            level,
            fired,
        } => (
            Mark::Fail,
            format!(
                "{} was never tried: sibling rule {sibling} (level {level}) comes before it, matched, and the search ended there{}",
                if *skipped == rule { "it".to_string() } else { format!("rule {skipped}") },
                match fired {
                    Some(f) if f != sibling => format!(" with rule {f}"),
                    _ => String::new(),
                }
            ),
            Some(*sibling),
        ),
        Stop::OwnGate { gate } => (
            Mark::Fail,
            format!("its own condition failed: {}", gate_text(gate, log)),
            Some(rule),
        ),
        Stop::MatchedChildFired { fired } => (
            Mark::Pass,
            format!(
                "it matched, but a rule below it fired{}",
                fired.map_or(String::new(), |f| format!(": rule {f}"))
            ),
            *fired,
        ),
        Stop::MatchedNoAlert => (
            Mark::Pass,
            "it matched, but it is noalert and no rule below it matched".into(),
            Some(rule),
        ),
        Stop::NotReached => (
            Mark::Fail,
            "the search never reached this chain".into(),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Session, SessionOptions, Source, Sources};

    const DECODERS: &str = r#"<decoder name="app">
  <prematch>^app: </prematch>
</decoder>
<decoder name="app-login">
  <parent>app</parent>
  <prematch offset="after_parent">^login </prematch>
  <regex offset="after_prematch">^user=(\S+)</regex>
  <order>user</order>
</decoder>
<decoder name="web">
  <program_name>^nginx</program_name>
</decoder>
"#;

    const RULES: &str = r#"<group name="base,">
  <rule id="100100" level="0">
    <decoded_as>app</decoded_as>
    <description>app</description>
  </rule>
  <rule id="100101" level="0">
    <if_sid>100100</if_sid>
    <match>login</match>
    <description>any login</description>
  </rule>
  <rule id="100102" level="5">
    <if_sid>100100</if_sid>
    <match>login</match>
    <description>login alert</description>
  </rule>
  <rule id="100103" level="3">
    <decoded_as>web</decoded_as>
    <description>web</description>
  </rule>
</group>
<group name="auth,">
  <rule id="100110" level="7">
    <if_group>authentication_success</if_group>
    <description>no rule has this group</description>
  </rule>
  <rule id="100111" level="4">
    <if_sid>100100</if_sid>
    <match>logout</match>
    <group>session,</group>
    <description>logout</description>
  </rule>
  <rule id="100112" level="6">
    <if_group>session</if_group>
    <description>session</description>
  </rule>
  <rule id="100113" level="9" frequency="3" timeframe="60">
    <if_matched_sid>100112</if_matched_sid>
    <description>many sessions</description>
  </rule>
</group>
"#;

    fn ruleset() -> Ruleset {
        let sources = Sources {
            decoders: vec![Source::new("d.xml", DECODERS)],
            rules: vec![
                Source::new("0010-templates.xml", crate::defaults::RULES_CONFIG),
                Source::new("r.xml", RULES),
            ],
            lists: vec![],
        };
        let loaded = Ruleset::load(&sources);
        assert!(
            loaded.diagnostics.iter().any(|d| d.code == "R038"),
            "100110 is refused for its unknown group: {:?}",
            loaded.diagnostics
        );
        loaded.ruleset.expect("loads")
    }

    fn stop(w: &WhyNot) -> &Stop {
        assert_eq!(w.chains.len(), 1, "{w:?}");
        &w.chains[0].stop
    }

    #[test]
    fn a_decoder_whose_prematch_failed() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("other: login user=bob", "stdin");
        assert!(e.verdict.decoder.is_none());
        let step = &e.decoders[0];
        assert_eq!(
            (step.decoder.as_str(), step.role),
            ("app", DecoderRole::Top)
        );
        let DecoderOutcome::Failed { gate } = &step.outcome else {
            panic!("{step:?}")
        };
        assert_eq!(
            (gate.element.as_str(), gate.pattern.as_deref(), gate.reason),
            ("prematch", Some("^app: "), GateReason::NoMatch)
        );
        assert_eq!(gate.value.as_deref(), Some("other: login user=bob"));
        assert!(e
            .to_text(&rs)
            .contains("✗ decoder app: prematch osregex \"^app: \" on log: no match"));

        // A child whose prematch failed: the parent decodes alone.
        let e = s.explain("app: logout user=bob", "stdin");
        let child = e
            .decoders
            .iter()
            .find(|d| d.decoder == "app-login")
            .unwrap();
        assert_eq!(child.role, DecoderRole::Child);
        assert!(
            matches!(&child.outcome, DecoderOutcome::Failed { gate } if gate.element == "prematch")
        );
        // A top-level decoder skipped for its program_name.
        let e = s.explain("Dec 10 01:02:02 host sshd[1]: app: x", "stdin");
        let web = e.decoders.iter().find(|d| d.decoder == "web").unwrap();
        assert!(
            matches!(&web.outcome, DecoderOutcome::Failed { gate } if gate.element == "program_name" && gate.value.as_deref() == Some("sshd"))
        );
    }

    #[test]
    fn the_decoder_trace_shows_selection_and_extraction() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("app: login user=bob", "stdin");
        let outcomes: Vec<(&str, DecoderRole, &DecoderOutcome)> = e
            .decoders
            .iter()
            .map(|d| (d.decoder.as_str(), d.role, &d.outcome))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                ("app", DecoderRole::Top, &DecoderOutcome::Selected),
                ("app-login", DecoderRole::Child, &DecoderOutcome::Selected),
                (
                    "app-login",
                    DecoderRole::Chain,
                    &DecoderOutcome::Extracted { fields: 1 }
                ),
            ]
        );
    }

    #[test]
    fn a_level_0_sibling_that_won_first() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("app: login user=bob", "stdin");
        assert_eq!(e.verdict.rule.as_ref().map(|r| r.id), Some(100101));
        let w = e.why_not(&rs, 100102);
        assert_eq!(w.fired, Some(100101));
        assert_eq!(w.chains[0].rules, vec![1, 100100, 100102]);
        assert_eq!(
            stop(&w),
            &Stop::SiblingWonFirst {
                skipped: 100102,
                sibling: 100101,
                level: 0,
                fired: Some(100101)
            }
        );
        let text = w.to_text(&rs, &e.verdict.predecoded.log);
        assert!(
            text.contains("it was never tried: sibling rule 100101 (level 0) comes before it"),
            "{text}"
        );
        // The rule that fired says so; its parent matched and a child fired.
        assert_eq!(e.why_not(&rs, 100101).reason, WhyNotReason::Fired);
        assert_eq!(
            stop(&e.why_not(&rs, 100100)),
            &Stop::MatchedChildFired {
                fired: Some(100101)
            }
        );
    }

    #[test]
    fn if_group_with_no_matching_group() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("app: login user=bob", "stdin");
        // At load: no rule has the group, so the rule is in no place.
        let w = e.why_not(&rs, 100110);
        let WhyNotReason::NotInTree { reason } = &w.reason else {
            panic!("{w:?}")
        };
        assert!(reason.contains("authentication_success"), "{reason}");
        // At run time: the rules with the group did not match this event.
        let w = e.why_not(&rs, 100112);
        assert_eq!(w.chains[0].rules, vec![1, 100100, 100111, 100112]);
        let Stop::SiblingWonFirst { skipped, .. } = stop(&w) else {
            panic!("{w:?}")
        };
        assert_eq!(*skipped, 100111);
        let e = s.explain("app: logon user=bob", "stdin");
        let w = e.why_not(&rs, 100112);
        let Stop::ParentFailed { parent, gate } = stop(&w) else {
            panic!("{w:?}")
        };
        assert_eq!((*parent, gate.element.as_str()), (100111, "match"));
        assert_eq!(e.why_not(&rs, 4242).reason, WhyNotReason::UnknownRule);
    }

    #[test]
    fn decoded_as_and_parent_failures() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("Dec 10 01:02:02 host nginx: GET /", "stdin");
        assert_eq!(e.verdict.rule.as_ref().map(|r| r.id), Some(100103));
        // A rule of another decoder fails on its own decoded_as.
        let w = e.why_not(&rs, 100100);
        let Stop::OwnGate { gate } = stop(&w) else {
            panic!("{w:?}")
        };
        assert_eq!(
            (
                gate.element.as_str(),
                gate.pattern.as_deref(),
                gate.value.as_deref()
            ),
            ("decoded_as", Some("app"), Some("web"))
        );
        assert!(gate_text(gate, "")
            .contains("decoded_as \"app\", but the event was decoded by \"web\""));
        // Without a decoder, the decoded_as parent stops its children.
        let e = s.explain("nothing decodes this", "stdin");
        let w = e.why_not(&rs, 100102);
        let Stop::ParentFailed { parent, gate } = stop(&w) else {
            panic!("{w:?}")
        };
        assert_eq!((*parent, gate.value.as_deref()), (100100, None));
    }

    #[test]
    fn a_stateful_rule_without_enough_events() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        s.explain("app: logout user=bob", "stdin");
        let e = s.explain("app: logout user=bob", "stdin");
        let w = e.why_not(&rs, 100113);
        let Stop::OwnGate { gate } = stop(&w) else {
            panic!("{w:?}")
        };
        assert_eq!(gate.element, "if_matched_sid");
        assert_eq!(gate.pattern.as_deref(), Some("100112"));
        assert_eq!(
            gate.value.as_deref(),
            Some("1 earlier matching event(s) within 60 s; frequency=\"3\" needs 2 earlier ones")
        );
        // The third event completes the frequency.
        let e = s.explain("app: logout user=bob", "stdin");
        assert_eq!(e.verdict.rule.map(|r| r.id), Some(100113));
    }

    #[test]
    fn a_category_that_never_applies() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("app: login user=bob", "stdin");
        // Template rule 2 serves the firewall decoder type.
        let w = e.why_not(&rs, 2);
        assert!(
            matches!(stop(&w), Stop::CategoryNeverApplies { category, event_kind, .. } if category == "firewall" && event_kind == "syslog"),
            "{w:?}"
        );
    }

    #[test]
    fn the_tree_lists_every_rule_tried_with_its_depth() {
        let rs = ruleset();
        let mut s = Session::new(&rs, SessionOptions::default());
        let e = s.explain("app: logon user=bob", "stdin");
        let text = e.to_text(&rs);
        assert!(text.contains("  ✓ rule 1 (level 0): matched\n"), "{text}");
        assert!(
            text.contains("    ✓ rule 100100 (level 0): matched\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "      ✗ rule 100111 (level 4): match osmatch \"logout\" on log: no match\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("✓ verdict: rule 100100 level 0, no alert: \"app\"\n"),
            "{text}"
        );
        // JSON round trip of the whole explanation.
        let json = serde_json::to_string(&e).unwrap();
        let back: Explanation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
