//! Reports of `rulelab test`: text for people, JSON for tools, JUnit XML for
//! CI, Markdown for the conformance report in the repository.

use crate::suite::{FileRun, SuiteRun};
use crate::{TestArgs, TestFormat};
use rulelab_core::suite::{failure_reason, Case, CaseOutcome, CoverageItem, Section};
use std::fmt::Write;

pub fn render(run: &SuiteRun, args: &TestArgs) -> String {
    match args.format {
        TestFormat::Text => text(run, args.list_uncovered),
        TestFormat::Json => json(run, args.list_uncovered),
        TestFormat::Junit => junit(run),
        TestFormat::Markdown => markdown(run),
    }
}

/// Each case of a file with its section, in file order.
fn cases(f: &FileRun) -> Vec<(&Section, &Case, &CaseOutcome)> {
    let Ok(file) = &f.file else {
        return Vec::new();
    };
    file.sections
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .zip(&f.outcomes)
        .map(|((s, c), o)| (s, c, o))
        .collect()
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn triple(rule: &str, alert: &str, decoder: &str) -> String {
    let show = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.replace('\n', "\\n")
        }
    };
    format!(
        "rule {}, level {}, decoder {}",
        show(rule),
        show(alert),
        show(decoder)
    )
}

fn percent(covered: usize, total: usize) -> String {
    if total == 0 {
        "100.0%".into()
    } else {
        format!("{:.1}%", covered as f64 * 100.0 / total as f64)
    }
}

fn coverage_line(run: &SuiteRun) -> String {
    let (r, d) = run.coverage.counts(run.ruleset);
    format!(
        "Coverage: rules {}/{} ({}), decoders {}/{} ({})",
        r.covered,
        r.total,
        percent(r.covered, r.total),
        d.covered,
        d.total,
        percent(d.covered, d.total)
    )
}

fn uncovered(items: Vec<CoverageItem>) -> Vec<CoverageItem> {
    items.into_iter().filter(|i| i.hits == 0).collect()
}

fn text(run: &SuiteRun, list_uncovered: bool) -> String {
    let mut out = String::new();
    let width = run.files.iter().map(|f| f.path.len()).max().unwrap_or(0);
    for f in &run.files {
        let status = match (&f.file, f.failed()) {
            (Err(_), _) => "ERROR",
            (Ok(_), 0) => "PASS ",
            _ => "FAIL ",
        };
        let _ = write!(out, "{status} {:width$}", f.path);
        match &f.file {
            Ok(_) => {
                let _ = writeln!(out, "  {}/{} passed", f.passed(), f.outcomes.len());
            }
            Err(d) => {
                let _ = writeln!(out, "  {d}");
            }
        }
    }
    let failures: Vec<_> = run
        .files
        .iter()
        .flat_map(|f| cases(f).into_iter().map(move |c| (f, c)))
        .filter(|(_, (_, _, o))| !o.passed)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailures:");
    }
    for (f, (s, c, o)) in &failures {
        let _ = writeln!(out, "\n{}:{} [{}] {}", f.path, c.line, s.name, c.key);
        let _ = writeln!(
            out,
            "  reason:   {}",
            failure_reason(&s.expected, &o.actual, c.negated)
        );
        if c.logs.len() > 1 {
            let _ = writeln!(
                out,
                "  logs:     {} lines, one session; the last decides:",
                c.logs.len()
            );
        }
        let _ = writeln!(
            out,
            "  log:      {}",
            c.logs.last().map_or("", |l| l.as_str())
        );
        let e = &s.expected;
        let _ = writeln!(
            out,
            "  expected: {}{}",
            if c.negated { "anything but " } else { "" },
            triple(&e.rule, &e.alert, &e.decoder)
        );
        let a = &o.actual;
        let _ = writeln!(out, "  actual:   {}", triple(&a.rule, &a.alert, &a.decoder));
        if !a.description.is_empty() {
            let _ = writeln!(out, "  description: '{}'", a.description);
        }
    }
    let (passed, failed) = run.totals();
    let files = run.files.len();
    let _ = writeln!(
        out,
        "\nResult: {} tests in {} file(s): {passed} passed, {failed} failed{}",
        passed + failed,
        files,
        match run.file_errors() {
            0 => String::new(),
            n => format!(", {n} file(s) could not be read"),
        }
    );
    let _ = writeln!(out, "{}", coverage_line(run));
    if list_uncovered {
        let rules = uncovered(run.coverage.rules(run.ruleset));
        let _ = writeln!(out, "\nUncovered rules ({}):", rules.len());
        for r in rules {
            let _ = writeln!(out, "  rule {:>7}  {}:{}", r.name, r.span.file, r.span.line);
        }
        let decoders = uncovered(run.coverage.decoders(run.ruleset));
        let _ = writeln!(out, "\nUncovered decoders ({}):", decoders.len());
        for d in decoders {
            let _ = writeln!(out, "  decoder {}  {}:{}", d.name, d.span.file, d.span.line);
        }
    }
    out
}

fn json(run: &SuiteRun, list_uncovered: bool) -> String {
    use serde_json::json;
    let files: Vec<serde_json::Value> = run
        .files
        .iter()
        .map(|f| {
            let cases: Vec<serde_json::Value> = cases(f)
                .into_iter()
                .map(|(s, c, o)| {
                    json!({
                        "section": s.name,
                        "key": c.key,
                        "line": c.line,
                        "negated": c.negated,
                        "logs": c.logs,
                        "expected": s.expected,
                        "actual": o.actual,
                        "events": o.events,
                        "passed": o.passed,
                        "reason": (!o.passed).then(|| failure_reason(&s.expected, &o.actual, c.negated)),
                    })
                })
                .collect();
            json!({
                "path": f.path,
                "passed": f.passed(),
                "failed": f.failed(),
                "error": f.file.as_ref().err(),
                "cases": cases,
            })
        })
        .collect();
    let (passed, failed) = run.totals();
    let (r, d) = run.coverage.counts(run.ruleset);
    let mut coverage = json!({
        "rules": { "covered": r.covered, "total": r.total, "percent": r.percent() },
        "decoders": { "covered": d.covered, "total": d.total, "percent": d.percent() },
    });
    if list_uncovered {
        coverage["uncovered_rules"] = json!(uncovered(run.coverage.rules(run.ruleset)));
        coverage["uncovered_decoders"] = json!(uncovered(run.coverage.decoders(run.ruleset)));
    }
    let doc = json!({
        "files": files,
        "summary": {
            "tests": passed + failed,
            "passed": passed,
            "failed": failed,
            "file_errors": run.file_errors(),
            "ruleset_warnings": run.load_warnings,
        },
        "coverage": coverage,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Escapes text for XML content and attribute values. Characters XML 1.0
/// cannot carry (most controls) become U+FFFD.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML in the layout of the common schema (Jenkins' `junit-10.xsd`,
/// which GitLab, GitHub test reporters and Jenkins read): `<testsuites>`,
/// one `<testsuite>` per file, one `<testcase>` per case (classname = the
/// file, name = `[section] key`), a `<failure>` with the reason as message
/// and both results as text; an unreadable file is one case with `<error>`.
fn junit(run: &SuiteRun) -> String {
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_errors) = (0, 0, 0);
    for f in &run.files {
        let classname = xml_escape(base_name(&f.path).trim_end_matches(".ini"));
        let mut cases_xml = String::new();
        let (tests, failures, errors);
        match &f.file {
            Err(d) => {
                (tests, failures, errors) = (1, 0, 1);
                let _ = writeln!(
                    cases_xml,
                    "    <testcase name=\"load\" classname=\"{classname}\">\n      <error message=\"{}\" type=\"{}\"/>\n    </testcase>",
                    xml_escape(&d.to_string()),
                    d.code
                );
            }
            Ok(_) => {
                (tests, failures, errors) = (f.outcomes.len(), f.failed(), 0);
                for (s, c, o) in cases(f) {
                    let name = xml_escape(&format!("[{}] {}", s.name, c.key));
                    if o.passed {
                        let _ = writeln!(
                            cases_xml,
                            "    <testcase name=\"{name}\" classname=\"{classname}\"/>"
                        );
                        continue;
                    }
                    let e = &s.expected;
                    let a = &o.actual;
                    let mut body = String::new();
                    let _ = writeln!(body, "{}:{}", f.path, c.line);
                    for l in &c.logs {
                        let _ = writeln!(body, "log: {l}");
                    }
                    let _ = writeln!(
                        body,
                        "expected: {}{}",
                        if c.negated { "anything but " } else { "" },
                        triple(&e.rule, &e.alert, &e.decoder)
                    );
                    let _ = writeln!(body, "actual: {}", triple(&a.rule, &a.alert, &a.decoder));
                    if !a.description.is_empty() {
                        let _ = writeln!(body, "description: {}", a.description);
                    }
                    let _ = writeln!(
                        cases_xml,
                        "    <testcase name=\"{name}\" classname=\"{classname}\">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
                        xml_escape(&failure_reason(e, a, c.negated)),
                        xml_escape(&body)
                    );
                }
            }
        }
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n{cases_xml}  </testsuite>\n",
            xml_escape(&f.path)
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rulelab\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\">\n{suites}</testsuites>\n"
    )
}

/// The conformance report: per file the counts, then every failing case
/// with its reason. Deterministic (no paths beyond file names, no times).
fn markdown(run: &SuiteRun) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| File | Tests | Passed | Failed |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for f in &run.files {
        let name = base_name(&f.path);
        match &f.file {
            Ok(_) => {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} |",
                    f.outcomes.len(),
                    f.passed(),
                    f.failed()
                );
            }
            Err(d) => {
                let _ = writeln!(out, "| {name} | - | - | not readable: {} |", d.message);
            }
        }
    }
    let (passed, failed) = run.totals();
    let _ = writeln!(
        out,
        "| **{} files** | **{}** | **{passed}** | **{failed}** |",
        run.files.len(),
        passed + failed
    );
    let failures: Vec<_> = run
        .files
        .iter()
        .flat_map(|f| cases(f).into_iter().map(move |c| (f, c)))
        .filter(|(_, (_, _, o))| !o.passed)
        .collect();
    let _ = writeln!(out);
    if failures.is_empty() {
        let _ = writeln!(out, "Failing cases: none.");
    } else {
        let _ = writeln!(out, "Failing cases:");
        let _ = writeln!(out);
        for (f, (s, c, o)) in failures {
            let e = &s.expected;
            let a = &o.actual;
            let _ = writeln!(
                out,
                "- `{}:{}` [{}] `{}`: {}. Expected {}{}; got {}.",
                base_name(&f.path),
                c.line,
                s.name,
                c.key,
                failure_reason(e, a, c.negated),
                if c.negated { "anything but " } else { "" },
                triple(&e.rule, &e.alert, &e.decoder),
                triple(&a.rule, &a.alert, &a.decoder)
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}.", coverage_line(run));
    out
}
