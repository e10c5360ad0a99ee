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
//! Only *linted* files are reported on: with `--ruleset` the stock files are
//! context, so references into them resolve, but their own findings are not
//! shown. Findings are sorted by file, line and column.

mod elements;
mod tree;

use crate::diagnostic::Diagnostic;
use crate::session::{Ruleset, Sources};
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
    let loaded = Ruleset::load(sources);
    let mut out: Vec<Diagnostic> = loaded
        .diagnostics
        .into_iter()
        .filter(|d| d.span.as_ref().is_none_or(|s| linted(&s.file)))
        .collect();
    for src in sources.rules.iter().filter(|s| linted(&s.name)) {
        elements::check_rule_file(&src.name, &src.text, options, &mut out);
    }
    if let Some(ruleset) = &loaded.ruleset {
        tree::check(ruleset, linted, &mut out);
    }
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.span
                .as_ref()
                .map(|s| (s.file.to_string(), s.line, s.column))
        };
        key(a).cmp(&key(b))
    });
    out
}

#[cfg(test)]
mod tests;
