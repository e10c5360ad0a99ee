//! Test suites in Wazuh's `.ini` format (rules.md §9), run without a manager.
//!
//! Wazuh's `ruleset/testing/runtests.py` sends the log lines of each test to
//! `wazuh-logtest -U rule:alert:decoder` and reads its exit code. rulelab does
//! the same against a loaded [`Ruleset`]:
//!
//! * [`TestFile::parse`] reads a file with the harness' `configparser`
//!   semantics ([`ini`]) and turns each section into [`Section`]s whose
//!   `log ...` keys are [`Case`]s (R9.2.2-R9.2.3).
//! * [`run_case`] evaluates the lines of one case in a fresh [`Session`]
//!   (identical keys share one session, different keys do not) and decides
//!   pass/fail from the *last* event exactly as logtest's `-U` check and
//!   runtests do (R9.2.4): a normal case passes iff the last event's rule id,
//!   level and decoder name equal the three expected strings and none of them
//!   is empty; a `... fail` case passes otherwise.
//! * [`Coverage`] sums, over all sessions, which rules had their conditions
//!   satisfied and which decoders decoded an event.
//! * [`harness`] holds what runtests.py changes in a Wazuh installation
//!   before it runs the upstream suite.

pub mod harness;
pub mod ini;

use crate::diagnostic::{Diagnostic, Span};
use crate::predecode;
use crate::session::{Now, Ruleset, Session, SessionOptions, Verdict};
use serde::Serialize;
use std::sync::Arc;

/// The three expectations of a section (`rule`, `alert`, `decoder`), as the
/// harness passes them to `wazuh-logtest -U`: repeated keys are joined with
/// newlines (and then can never match, R9.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    pub rule: String,
    pub alert: String,
    pub decoder: String,
}

/// What the last event of a case produced, in the same three strings plus
/// the rendered description. Empty strings where nothing matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Actual {
    pub rule: String,
    pub alert: String,
    pub decoder: String,
    pub description: String,
}

impl Actual {
    pub fn of(v: &Verdict) -> Actual {
        let (rule, alert, description) = match &v.rule {
            Some(r) => (r.id.to_string(), r.level.to_string(), r.description.clone()),
            None => Default::default(),
        };
        Actual {
            rule,
            alert,
            decoder: v
                .decoder
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            description,
        }
    }
}

/// One `log ...` key of a section: one logtest session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The key as written (lower-cased), e.g. `log 1 pass`.
    pub key: String,
    /// 1-based line of the key's first occurrence.
    pub line: u32,
    /// The log lines in order (empty lines are skipped by logtest and here).
    pub logs: Vec<String>,
    /// A key ending in `fail` expects the result to differ (R9.2.4).
    pub negated: bool,
}

/// One `[section]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub name: String,
    pub line: u32,
    pub expected: Expected,
    pub cases: Vec<Case>,
}

/// A parsed `.ini` test file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestFile {
    pub name: Arc<str>,
    pub sections: Vec<Section>,
}

impl TestFile {
    /// Parses a test file; `name` is used in diagnostics (codes T001-T004).
    pub fn parse(name: &str, text: &str) -> Result<TestFile, Diagnostic> {
        let file: Arc<str> = Arc::from(name);
        let raw = ini::parse(&file, text)?;
        let mut sections = Vec::with_capacity(raw.len());
        for s in raw {
            // R9.2.2: the harness reads all three keys and aborts without them.
            let get = |key: &str| match s.get(key) {
                Some(o) => Ok(o.joined()),
                None => {
                    let offset = line_offset(text, s.line);
                    Err(Diagnostic::error(
                        "T004",
                        format!("section [{}] has no `{key}` key", s.name),
                    )
                    .with_span(Span::at(&file, text, offset, offset))
                    .with_help(format!(
                        "add `{key} =` to the section (it may be empty, e.g. for `log N fail` tests)"
                    ))
                    .with_wazuh("runtests.py stops: NoOptionError"))
                }
            };
            let expected = Expected {
                rule: get("rule")?,
                alert: get("alert")?,
                decoder: get("decoder")?,
            };
            let cases = s
                .options
                .iter()
                .filter(|o| o.key.starts_with("log "))
                .map(|o| Case {
                    key: o.key.clone(),
                    line: o.line,
                    logs: o
                        .values
                        .iter()
                        .filter(|v| !v.text.is_empty())
                        .map(|v| v.text.clone())
                        .collect(),
                    negated: o.key.ends_with("fail"),
                })
                .collect();
            sections.push(Section {
                name: s.name,
                line: s.line,
                expected,
                cases,
            });
        }
        Ok(TestFile {
            name: file,
            sections,
        })
    }

    /// Number of cases (runtests' count of tests).
    pub fn case_count(&self) -> usize {
        self.sections.iter().map(|s| s.cases.len()).sum()
    }
}

fn line_offset(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// How cases are run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    pub session: SessionOptions,
    /// The events' location (`wazuh-logtest` uses `stdin`).
    pub location: String,
    /// The clock for every event (timeframes, `<time>`, `<weekday>`).
    pub now: Now,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            session: SessionOptions::default(),
            location: "stdin".to_string(),
            now: Now::default(),
        }
    }
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseOutcome {
    /// What the last event produced (all empty when the case had no line).
    pub actual: Actual,
    /// Number of events evaluated.
    pub events: usize,
    pub passed: bool,
}

/// Whether `actual` satisfies `expected` the way `wazuh-logtest -U` exits
/// (rules.md R8.3.3) and runtests reads that exit code (R9.2.4).
pub fn verdict_passes(expected: &Expected, actual: &Actual, negated: bool) -> bool {
    let all_set =
        !expected.rule.is_empty() && !expected.alert.is_empty() && !expected.decoder.is_empty();
    let equal = all_set
        && expected.rule == actual.rule
        && expected.alert == actual.alert
        && expected.decoder == actual.decoder;
    equal != negated
}

/// Why a case failed, in words (after runtests' failure summary).
pub fn failure_reason(expected: &Expected, actual: &Actual, negated: bool) -> String {
    let has_newline = |e: &str| e.contains('\n');
    if negated {
        return "the result equals the expectation, but a `fail` test expects a different one"
            .into();
    }
    if has_newline(&expected.rule) || has_newline(&expected.alert) || has_newline(&expected.decoder)
    {
        return "the section repeats `rule`, `alert` or `decoder`, so the expectation spans several lines and never matches".into();
    }
    if expected.rule.is_empty() || expected.alert.is_empty() || expected.decoder.is_empty() {
        return "an expectation is empty, so a `pass` test can never pass".into();
    }
    if actual.decoder.is_empty() {
        return "no decoder matched the log".into();
    }
    if actual.decoder != expected.decoder {
        return format!(
            "decoded by `{}`, expected `{}`",
            actual.decoder, expected.decoder
        );
    }
    if actual.rule.is_empty() {
        return format!("no rule matched, expected rule {}", expected.rule);
    }
    if actual.rule != expected.rule {
        return format!(
            "rule {} matched, expected rule {}",
            actual.rule, expected.rule
        );
    }
    format!("level {}, expected level {}", actual.alert, expected.alert)
}

/// Runs one case in a fresh session; `coverage`, when given, records which
/// rules and decoders the case's events reached.
pub fn run_case(
    ruleset: &Ruleset,
    section: &Section,
    case: &Case,
    options: &RunOptions,
    coverage: Option<&mut Coverage>,
) -> CaseOutcome {
    let mut session = Session::new(ruleset, options.session.clone());
    session.set_now(options.now);
    let mut actual = Actual::default();
    let mut events = 0;
    for line in &case.logs {
        for event in predecode::frame_line(line) {
            let v = session.evaluate(event, &options.location);
            events += 1;
            actual = Actual::of(&v);
        }
    }
    if let Some(c) = coverage {
        c.absorb(&session);
    }
    CaseOutcome {
        passed: verdict_passes(&section.expected, &actual, case.negated),
        actual,
        events,
    }
}

/// Which rules and decoders of a ruleset some event reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    rule_hits: Vec<u64>,
    decoder_hits: Vec<u64>,
}

/// One rule or decoder in a coverage listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageItem {
    /// Rule id or decoder name.
    pub name: String,
    /// Where it is defined (its start tag).
    pub span: Span,
    /// Events that reached it.
    pub hits: u64,
}

/// Counts for one kind of item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoverageCount {
    pub covered: usize,
    pub total: usize,
}

impl CoverageCount {
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        }
    }
}

impl Coverage {
    pub fn new(ruleset: &Ruleset) -> Coverage {
        Coverage {
            rule_hits: vec![0; ruleset.tree().rules.len()],
            decoder_hits: vec![0; ruleset.decoders().len()],
        }
    }

    /// Adds the hits of one finished session.
    pub fn absorb(&mut self, session: &Session) {
        for (total, &h) in self.rule_hits.iter_mut().zip(session.rule_hits()) {
            *total += u64::from(h);
        }
        for (total, &h) in self.decoder_hits.iter_mut().zip(session.decoder_hits()) {
            *total += u64::from(h);
        }
    }

    /// Adds another coverage of the same ruleset (e.g. from another file).
    pub fn merge(&mut self, other: &Coverage) {
        for (a, b) in self.rule_hits.iter_mut().zip(&other.rule_hits) {
            *a += b;
        }
        for (a, b) in self.decoder_hits.iter_mut().zip(&other.decoder_hits) {
            *a += b;
        }
    }

    /// Every rule of the tree once (a rule attached under several parents
    /// counts once), in load order, with its hits. Rules Wazuh dropped at
    /// load time are not part of the ruleset and not listed.
    pub fn rules(&self, ruleset: &Ruleset) -> Vec<CoverageItem> {
        let tree = ruleset.tree();
        let mut in_tree = vec![false; tree.rules.len()];
        for n in tree.walk() {
            in_tree[tree.nodes[n].rule] = true;
        }
        tree.rules
            .iter()
            .enumerate()
            .filter(|(i, _)| in_tree[*i])
            .map(|(i, r)| CoverageItem {
                name: r.id.to_string(),
                span: r.span.clone(),
                hits: self.rule_hits.get(i).copied().unwrap_or(0),
            })
            .collect()
    }

    /// Every decoder name once (children sharing a name, e.g. a sibling
    /// group, are one decoder), at its first definition, with the hits of all
    /// elements of that name.
    pub fn decoders(&self, ruleset: &Ruleset) -> Vec<CoverageItem> {
        let mut out: Vec<CoverageItem> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = Default::default();
        for (i, (name, span)) in ruleset.decoders().elements().enumerate() {
            let hits = self.decoder_hits.get(i).copied().unwrap_or(0);
            match index.get(name) {
                Some(&k) => out[k].hits += hits,
                None => {
                    index.insert(name, out.len());
                    out.push(CoverageItem {
                        name: name.to_string(),
                        span: span.clone(),
                        hits,
                    });
                }
            }
        }
        out
    }

    /// Covered/total over [`rules`](Self::rules) and [`decoders`](Self::decoders).
    pub fn counts(&self, ruleset: &Ruleset) -> (CoverageCount, CoverageCount) {
        let count = |items: Vec<CoverageItem>| CoverageCount {
            covered: items.iter().filter(|i| i.hits > 0).count(),
            total: items.len(),
        };
        (count(self.rules(ruleset)), count(self.decoders(ruleset)))
    }
}

#[cfg(test)]
mod tests;
