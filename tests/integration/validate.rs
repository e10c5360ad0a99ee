//! `rulelab validate`.

use crate::{rulelab, run_ok as stdout_of, shared_dir};
use predicates::prelude::*;
use std::io::Write;

fn rule_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Rule id: '"))
        .map(|l| l.trim_end_matches('\'').to_string())
        .collect()
}

#[test]
fn embedded_example_runs_the_falco_integration() {
    let text = stdout_of(&["validate", "--manager-name", "test"]);
    // Notice, Warning, Informational (matches <field>Info</field> as a
    // substring), Error, Critical, Alert, Emergency, Debug (base rule only),
    // Notice, Warning, Critical; the last alert has no wazuh_integration.
    assert_eq!(
        rule_ids(&text),
        [
            "100602", "100603", "100601", "100604", "100605", "100606", "100607", "100600",
            "100602", "100603", "100605"
        ]
    );
    assert!(text.contains(
        "Summary: 12 events, 12 decoded, 11 matched a rule, 10 alerts; level 0: 1, level 4: 1"
    ));
    insta::assert_snapshot!("embedded_example_text", text);
}

#[test]
fn ndjson_has_one_verdict_per_event_with_alert_json() {
    let text = stdout_of(&["validate", "--format", "ndjson", "--manager-name", "test"]);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect();
    assert_eq!(lines.len(), 12);
    let first = &lines[0];
    assert_eq!(first["rule"]["id"], 100602);
    assert_eq!(first["alert"], true);
    assert_eq!(first["alert_json"]["rule"]["id"], "100602");
    assert_eq!(first["alert_json"]["rule"]["groups"][0], "falco");
    assert_eq!(first["alert_json"]["decoder"]["name"], "json");
    // no_full_log removes full_log from the alert.
    assert!(first["alert_json"].get("full_log").is_none());
    assert_eq!(
        first["alert_json"]["data"]["output_fields"]["wazuh_integration"],
        "falco"
    );
}

#[test]
fn json_format_is_one_document() {
    let doc: serde_json::Value =
        serde_json::from_str(&stdout_of(&["validate", "--format", "json"])).unwrap();
    assert_eq!(doc["events"].as_array().unwrap().len(), 12);
    assert_eq!(doc["summary"]["alerts"], 10);
}

#[test]
fn events_from_stdin_with_custom_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("local_rules.xml");
    std::fs::write(
        &rules,
        r#"<group name="app,">
  <rule id="100100" level="5">
    <decoded_as>json</decoded_as>
    <field name="event">^login_failed$</field>
    <description>App: login failed for $(user)</description>
  </rule>
</group>
"#,
    )
    .unwrap();
    let out = rulelab()
        .args(["validate", "--manager-name", "m", "--no-summary", "--rules"])
        .arg(&rules)
        .arg("-")
        .write_stdin("{\"event\":\"login_failed\",\"user\":\"bob\"}\n{\"event\":\"ok\"}\nx\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(rule_ids(&text), ["100100"]);
    assert!(text.contains("Description: 'App: login failed for bob'"));
    // a one-byte line is no event (rules.md R8.7.1)
    assert_eq!(text.matches("**Phase 1").count(), 2);
}

#[test]
fn broken_rules_exit_2_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.xml");
    std::fs::write(
        &rules,
        "<group name=\"x,\">\n  <rule id=\"100100\" level=\"5\">\n    <match>a</matc>\n  </rule>\n</group>\n",
    )
    .unwrap();
    let mut cmd = rulelab();
    cmd.args(["validate", "--rules"]).arg(&rules);
    cmd.write_stdin("hello\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.xml:3:"))
        .stderr(predicate::str::contains("error[X"));
}

#[test]
fn invalid_level_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.xml");
    std::fs::write(
        &rules,
        "<group name=\"x,\">\n  <rule id=\"100100\" level=\"17\">\n    <match>a</match>\n    <description>d</description>\n  </rule>\n</group>\n",
    )
    .unwrap();
    rulelab()
        .args(["validate", "--rules"])
        .arg(&rules)
        .write_stdin("a\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.xml:2:"))
        .stderr(predicate::str::contains("error[R007]: Invalid level: 17"));
}

#[test]
fn missing_file_exits_2() {
    rulelab()
        .args(["validate", "--rules", "/nonexistent/rules.xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}

#[test]
fn stock_ruleset_sshd() {
    let Some(shared) = shared_dir() else { return };
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        f,
        "Dec 25 20:45:02 MyHost sshd[1234]: Failed password for root from 192.168.1.10 port 1066 ssh2"
    )
    .unwrap();
    rulelab()
        .args(["validate", "--no-summary", "--ruleset"])
        .arg(shared.join("wazuh-4.11.1"))
        .arg(f.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("decoder: 'sshd'"))
        .stdout(predicate::str::contains("Rule id: '5760'"));
}

/// `rulelab bench` runs every workload on a small input and reports them.
#[test]
fn bench_reports_every_workload() {
    let Some(shared) = shared_dir() else { return };
    let out = rulelab()
        .args([
            "bench",
            "--events",
            "500",
            "--compile-runs",
            "1",
            "--format",
            "json",
            "--shared",
        ])
        .arg(&shared)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let names: Vec<&str> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workload"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].starts_with("W1 serde_json") && names[3].starts_with("W3"));
    for r in doc["rows"].as_array().unwrap().iter().take(3) {
        assert_eq!(r["events"], 500);
        assert!(r["events_per_sec"].as_f64().unwrap() > 0.0);
    }
    assert!(doc["ruleset_heap_bytes"].as_u64().unwrap() > 1_000_000);
    // A missing reference folder is a clear error.
    rulelab()
        .args(["bench", "--shared", "/nonexistent"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the reference data"));
}

/// `validate --jobs N` prints exactly what one thread prints, in input
/// order, across several batches, with `firedtimes` counted over the
/// whole stream.
#[test]
fn jobs_keep_output_order_and_firedtimes() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for _ in 0..250 {
        f.write_all(rulelab_core::defaults::FALCO_EVENTS.as_bytes())
            .unwrap();
    }
    let path = f.path().to_str().unwrap();
    let run = |format: &str, jobs: &str| {
        let out = rulelab()
            .args([
                "validate",
                "--now",
                "2026-11-28T09:30:00Z",
                "--manager-name",
                "m",
            ])
            .args(["--rules", "crates/core/src/defaults/falco_rules.xml"])
            .args(["--format", format, "--jobs", jobs, path])
            .assert()
            .success();
        let out = out.get_output();
        (
            String::from_utf8(out.stdout.clone()).unwrap(),
            String::from_utf8(out.stderr.clone()).unwrap(),
        )
    };
    let (one, _) = run("ndjson", "1");
    assert_eq!(one.lines().count(), 3000);
    for jobs in ["2", "3"] {
        let (many, note) = run("ndjson", jobs);
        assert!(!note.contains("one thread"), "{note}");
        assert!(many == one, "--jobs {jobs} changed the ndjson output");
    }
    // firedtimes runs over the stream: the last alert of the most frequent
    // rule has fired many times, not just within its thread's share.
    let max_fired = one
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["rule"]["firedtimes"].as_u64())
        .max();
    // (two of the example's 12 events reach the same rule: 2 × 250).
    assert_eq!(max_fired, Some(500));
    assert_eq!(run("text", "0").0, run("text", "1").0);
}

/// A ruleset whose verdicts depend on earlier events runs on one thread,
/// and says why.
#[test]
fn jobs_fall_back_to_one_thread_for_correlation_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("local_rules.xml");
    std::fs::write(
        &rules,
        r#"<group name="app,">
  <rule id="100100" level="3"><decoded_as>json</decoded_as><description>event</description></rule>
  <rule id="100101" level="10" frequency="3" timeframe="60"><if_matched_sid>100100</if_matched_sid><description>burst</description></rule>
</group>
"#,
    )
    .unwrap();
    let run = |jobs: &str| {
        rulelab()
            .args([
                "validate",
                "--now",
                "2026-11-28T09:30:00Z",
                "--format",
                "ndjson",
            ])
            .args(["--jobs", jobs, "--rules"])
            .arg(&rules)
            .arg("-")
            .write_stdin("{\"a\":1}\n".repeat(5))
            .assert()
            .success()
            .get_output()
            .clone()
    };
    let (one, four) = (run("1"), run("4"));
    let note = String::from_utf8(four.stderr).unwrap();
    assert!(
        note.contains("--jobs 4: evaluating on one thread")
            && note.contains("if_matched_* (rules.md R4.8): rule 100101"),
        "{note}"
    );
    assert!(String::from_utf8(one.stderr).unwrap().is_empty());
    assert_eq!(one.stdout, four.stdout);
    let fired: Vec<String> = String::from_utf8(four.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"]["id"].to_string())
        .collect();
    // The third event fires the burst rule, which then starts counting anew.
    assert_eq!(fired, ["100100", "100100", "100101", "100100", "100100"]);
}
