//! `rulelab test`: exit codes, report formats, coverage, the project's own
//! Falco suite, and Wazuh 4.11.1's upstream suite when `../shared` is present.

use crate::{rulelab, shared_dir, stdout_of};
use std::path::Path;

fn json_of(args: &[&str]) -> (serde_json::Value, i32) {
    let out = rulelab().args(args).output().expect("runs");
    let doc = serde_json::from_slice(&out.stdout).expect("JSON report");
    (doc, out.status.code().unwrap_or(-1))
}

#[test]
fn falco_suite_passes_on_the_embedded_example() {
    let (doc, code) = json_of(&["test", "tests/falco", "--format", "json"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["tests"], 11);
    assert_eq!(doc["summary"]["failed"], 0);
    // Every Falco rule of the example is reached by some case.
    let (doc, _) = json_of(&[
        "test",
        "tests/falco",
        "--format",
        "json",
        "--list-uncovered",
    ]);
    let uncovered: Vec<&str> = doc["coverage"]["uncovered_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        uncovered.iter().all(|id| id.len() == 1),
        "only templates uncovered: {uncovered:?}"
    );
}

#[test]
fn exit_status_is_1_when_a_test_fails() {
    rulelab()
        .args(["test", "tests/suites/failing.ini"])
        .assert()
        .code(1);
}

#[test]
fn exit_status_is_2_for_bad_input() {
    for args in [
        vec!["test", "tests/suites/malformed.ini"],
        vec!["test", "tests/suites/no_decoder_key.ini"],
        vec!["test", "tests/suites/does-not-exist.ini"],
        vec!["test"],
        // The harness needs a ruleset root.
        vec!["test", "--wazuh-harness"],
        // A broken rules file: the ruleset does not load.
        vec!["test", "tests/falco", "--rules", "tests/suites/failing.ini"],
    ] {
        rulelab().args(&args).assert().code(2);
    }
    let out = rulelab()
        .args(["test", "tests/suites/malformed.ini"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tests/suites/malformed.ini:6:1: error[T002]"),
        "{err}"
    );
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let (doc, code) = json_of(&[
        "test",
        "tests/suites/malformed.ini",
        "tests/falco/falco.ini",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(doc["files"][0]["error"]["code"], "T002");
    assert_eq!(doc["files"][0]["error"]["span"]["line"], 6);
    assert_eq!(doc["files"][1]["passed"], 11);
}

#[test]
fn failure_report_text() {
    let out = stdout_of(rulelab().args(["test", "tests/suites/failing.ini"]));
    insta::assert_snapshot!(out);
}

#[test]
fn json_report_names_each_case() {
    let (doc, _) = json_of(&["test", "tests/suites/failing.ini", "--format", "json"]);
    let cases = doc["files"][0]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let wrong = &cases[1];
    assert_eq!(wrong["section"], "wrong level");
    assert_eq!(wrong["key"], "log 1 pass");
    assert_eq!(wrong["line"], 11);
    assert_eq!(wrong["expected"]["alert"], "7");
    assert_eq!(wrong["actual"]["alert"], "8");
    assert_eq!(wrong["passed"], false);
    assert_eq!(wrong["reason"], "level 8, expected level 7");
    assert_eq!(cases[2]["negated"], true);
    assert_eq!(doc["summary"]["passed"], 1);
    assert_eq!(doc["summary"]["failed"], 3);
}

/// The rules of the common JUnit schema (Jenkins' junit-10.xsd, which
/// GitLab, GitHub test reporters and Jenkins read), checked element by
/// element: allowed and required attributes, allowed children, counts.
fn check_junit_schema(node: roxmltree::Node) {
    let name = node.tag_name().name();
    let (required, allowed, children): (&[&str], &[&str], &[&str]) = match name {
        "testsuites" => (
            &[],
            &["name", "time", "tests", "failures", "disabled", "errors"],
            &["testsuite"],
        ),
        "testsuite" => (
            &["name", "tests"],
            &[
                "name",
                "tests",
                "failures",
                "errors",
                "time",
                "disabled",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
                "version",
            ],
            &["properties", "testcase", "system-out", "system-err"],
        ),
        "testcase" => (
            &["name"],
            &["name", "assertions", "time", "classname", "status"],
            &["skipped", "error", "failure", "system-out", "system-err"],
        ),
        "failure" | "error" | "skipped" => (&[], &["type", "message"], &[]),
        other => panic!("element <{other}> is not in the JUnit schema"),
    };
    for a in node.attributes() {
        assert!(
            allowed.contains(&a.name()),
            "<{name}> has attribute {}",
            a.name()
        );
        if ["tests", "failures", "errors", "skipped", "disabled"].contains(&a.name()) {
            a.value().parse::<u64>().expect("a count");
        }
    }
    for r in required {
        assert!(node.attribute(*r).is_some(), "<{name}> without {r}");
    }
    for child in node.children().filter(|n| n.is_element()) {
        assert!(
            children.contains(&child.tag_name().name()),
            "<{}> inside <{name}>",
            child.tag_name().name()
        );
        check_junit_schema(child);
    }
}

#[test]
fn junit_report_follows_the_junit_schema() {
    let out = rulelab()
        .args([
            "test",
            "tests/suites/failing.ini",
            "tests/suites/malformed.ini",
            "tests/falco/falco.ini",
            "--format",
            "junit",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    check_junit_schema(root);
    let count =
        |n: roxmltree::Node, a: &str| -> usize { n.attribute(a).map_or(0, |v| v.parse().unwrap()) };
    assert_eq!(count(root, "tests"), 4 + 1 + 11);
    assert_eq!(count(root, "failures"), 3);
    assert_eq!(count(root, "errors"), 1);
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 3);
    for suite in &suites {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let with = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|k| k.has_tag_name(tag)))
                .count()
        };
        assert_eq!(count(*suite, "tests"), cases.len());
        assert_eq!(count(*suite, "failures"), with("failure"));
        assert_eq!(count(*suite, "errors"), with("error"));
    }
    let wrong = suites[0]
        .children()
        .find(|c| c.attribute("name") == Some("[wrong level] log 1 pass"))
        .expect("testcase named [section] key");
    assert_eq!(wrong.attribute("classname"), Some("failing"));
    let failure = wrong
        .children()
        .find(|k| k.has_tag_name("failure"))
        .unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("level 8, expected level 7")
    );
    assert!(failure
        .text()
        .unwrap_or("")
        .contains("actual: rule 100603, level 8, decoder json"));
    let error = suites[1]
        .descendants()
        .find(|k| k.has_tag_name("error"))
        .expect("the malformed file is an error");
    assert_eq!(error.attribute("type"), Some("T002"));
}

#[test]
fn junit_escapes_markup_and_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let ini = dir.path().join("odd.ini");
    std::fs::write(
        &ini,
        "[<b>&\"quotes\" \u{1}]\nlog 1 pass = <xml> & \u{7} bell\nrule = 1\nalert = 0\ndecoder = x\n",
    )
    .unwrap();
    let out = rulelab()
        .args(["test", "--format", "junit"])
        .arg(&ini)
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    check_junit_schema(doc.root_element());
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(
        case.attribute("name"),
        Some("[<b>&\"quotes\" \u{FFFD}] log 1 pass")
    );
}

#[test]
fn output_file_and_uncovered_listing() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    rulelab()
        .args(["test", "tests/falco", "--list-uncovered", "-o"])
        .arg(&report)
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("Coverage: rules 9/15 (60.0%), decoders 2/2 (100.0%)"),
        "{text}"
    );
    assert!(text.contains("Uncovered rules (6):"), "{text}");
    assert!(text.contains("Uncovered decoders (0):"), "{text}");
}

/// Acceptance: every test of Wazuh 4.11.1's own suite passes with the stock
/// ruleset and runtests.py's extras (1445 tests in 79 files, geoip excluded).
#[test]
fn upstream_suite_passes() {
    let Some(shared) = shared_dir() else {
        return;
    };
    let wazuh = shared.join("wazuh-4.11.1");
    let (doc, code) = json_of(&[
        "test",
        "--ruleset",
        wazuh.to_str().unwrap(),
        "--wazuh-harness",
        "--format",
        "json",
    ]);
    let failures: Vec<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let path = f["path"].as_str().unwrap_or("").to_string();
            f["cases"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c["passed"] == false)
                .map(move |c| format!("{path}:{} [{}] {}", c["line"], c["section"], c["reason"]))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(doc["files"].as_array().unwrap().len(), 79);
    assert_eq!(doc["summary"]["tests"], 1445);
    assert_eq!(doc["summary"]["passed"], 1445);
    assert_eq!(code, 0);
}

/// docs/conformance.md holds the current output of `scripts/conformance.sh`.
#[test]
fn conformance_report_is_current() {
    let Some(shared) = shared_dir() else {
        return;
    };
    let wazuh = shared.join("wazuh-4.11.1");
    let committed = std::fs::read_to_string(Path::new("docs/conformance.md")).unwrap();
    let tests = wazuh.join("testing/tests");
    let mut geoip: Vec<String> = std::fs::read_dir(&tests)
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with("geoip.ini"))
        .collect();
    geoip.sort();
    let base = [
        "test",
        "--ruleset",
        wazuh.to_str().unwrap(),
        "--wazuh-harness",
        "--format",
        "markdown",
    ];
    let default = stdout_of(rulelab().args(base));
    let with_geoip = stdout_of(rulelab().args(base).arg("--geoip").args(&geoip));
    for block in [default, with_geoip] {
        assert!(
            committed.contains(&block),
            "docs/conformance.md is out of date: run scripts/conformance.sh\nmissing block:\n{block}"
        );
    }
}

/// `--now` fixes the clock: `<time>`/`<weekday>` results are reproducible.
#[test]
fn now_fixes_the_clock_for_time_and_weekday_rules() {
    let run = |now: &str| {
        json_of(&[
            "test",
            "tests/suites/clock.ini",
            "--rules",
            "tests/suites/clock_rules.xml",
            "--format",
            "json",
            "--now",
            now,
        ])
    };
    let (doc, code) = run("2026-11-28T09:30:00Z"); // a Saturday morning
    assert_eq!(code, 0, "{doc:#}");
    let (doc, code) = run("2026-11-25T20:00:00Z"); // a Wednesday evening
    assert_eq!(code, 1);
    assert_eq!(doc["files"][0]["cases"][0]["actual"]["rule"], "100301");
    rulelab()
        .args(["test", "tests/suites/clock.ini", "--now", "yesterday"])
        .assert()
        .code(2);
}
