//! `rulelab lint`: everything Wazuh's loader says about a ruleset, plus
//! checks for files Wazuh accepts although they are almost certainly wrong
//! (rules.md §10.6).
//!
//! # Design
//!
//! Linting is loading plus reading: [`lint`] loads the sources exactly as
//! [`Ruleset::load`] does, so every fatal error, skipped rule and warning of
//! Wazuh's loader (rules.md §10.1-10.5, the `X`/`D`/`R` codes) is reported
//! with what Wazuh would do. Then it runs the `L` checks:
//!
//! * element checks ([`elements`]) read the rule files' XML again, because
//!   some mistakes vanish in the loaded rule (two `<match>` elements become
//!   one concatenated pattern);
//! * tree checks ([`tree`]) look at the loaded rules: rules that can never
//!   match, placeholders no decoder fills, the Falco integration's priority
//!   ladder.
//!
//! A finding is silenced by `<!-- rulelab: ignore CODE -->` on the line
//! before the element it points at.
//!
//! Only *linted* files are reported on: with `--ruleset` the stock files are
//! context, so references into them resolve, but their own findings are not
//! shown. Findings are sorted by file, line and column.

mod elements;
mod tree;

use crate::diagnostic::Diagnostic;
use crate::session::{Loaded, Ruleset, Sources};
use std::ops::RangeInclusive;

/// Lint settings (a `rulelab.toml` sets them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintOptions {
    /// Ids local rules should use (Wazuh documents 100000-120000).
    pub custom_range: RangeInclusive<u32>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            custom_range: 100_000..=120_000,
        }
    }
}

/// Whether a rule file is one of Wazuh's own (`NNNN-name_rules.xml`); the
/// custom-range check only applies to the others.
pub fn is_stock_rule_file(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let b = base.as_bytes();
    b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && base.ends_with(".xml")
}

/// Lints `sources`; `linted` says which files (by source name) are reported
/// on. Returns the findings sorted by place.
pub fn lint(
    sources: &Sources,
    linted: &dyn Fn(&str) -> bool,
    options: &LintOptions,
) -> Vec<Diagnostic> {
    lint_loaded(sources, &Ruleset::load(sources), linted, options)
}

/// [`lint`] on sources already loaded with [`Ruleset::load`] (the
/// playground loads once and shows both the verdicts and the findings).
pub fn lint_loaded(
    sources: &Sources,
    loaded: &Loaded,
    linted: &dyn Fn(&str) -> bool,
    options: &LintOptions,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.span.as_ref().is_none_or(|s| linted(&s.file)))
        .cloned()
        .collect();
    for src in sources.rules.iter().filter(|s| linted(&s.name)) {
        elements::check_rule_file(&src.name, &src.text, options, &mut out);
    }
    if let Some(ruleset) = &loaded.ruleset {
        tree::check(ruleset, linted, &mut out);
    }
    // `<!-- rulelab: ignore CODE[, CODE...] -->` on the line before.
    let texts: std::collections::HashMap<&str, &str> = sources
        .rules
        .iter()
        .chain(&sources.decoders)
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();
    out.retain(|d| {
        let Some(span) = &d.span else { return true };
        let Some(text) = texts.get(&*span.file) else {
            return true;
        };
        let previous = span
            .line
            .checked_sub(2)
            .and_then(|i| text.lines().nth(i as usize));
        !previous.is_some_and(|l| suppresses(l, d.code))
    });
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.as_ref().map(|s| (s.file.clone(), s.line, s.column));
        key(a).cmp(&key(b))
    });
    out
}

/// Whether `line` is a `<!-- rulelab: ignore ... -->` comment naming `code`.
fn suppresses(line: &str, code: &str) -> bool {
    let t = line.trim();
    let Some(inner) = t.strip_prefix("<!--").and_then(|r| r.strip_suffix("-->")) else {
        return false;
    };
    let Some(codes) = inner.trim().strip_prefix("rulelab: ignore") else {
        return false;
    };
    codes
        .split([',', ' '])
        .map(str::trim)
        .any(|c| c.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests;
