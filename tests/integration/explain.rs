//! `rulelab validate --explain` and `--explain-rule`.

use crate::{rulelab, shared_dir};

fn run(args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = rulelab();
    cmd.args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("UTF-8 output")
}

const APP: [&str; 9] = [
    "validate",
    "--rules",
    "tests/explain/stateful_rules.xml",
    "--decoders",
    "tests/explain/app_decoders.xml",
    "--manager-name",
    "test",
    "--now",
    "2026-11-28T10:00:00Z",
];

/// Every kind of gate in one readable run: a field that does not match, a
/// level-0 sibling that wins first, a stateful rule short of events and
/// then firing, an if_group naming no group, a decoder whose prematch
/// failed, and a parent whose decoded_as does not apply.
#[test]
fn explain_tree_and_why_not_for_a_stream() {
    let mut args = APP.to_vec();
    args.extend([
        "--explain",
        "--explain-rule",
        "100113",
        "--explain-rule",
        "100102",
        "--explain-rule",
        "100110",
        "--no-summary",
        "tests/explain/app_events.log",
    ]);
    let text = run(&args, None);
    let events: Vec<&str> = text.split("\n\npre-decoding\n").collect();
    assert_eq!(events.len(), 5, "{text}");
    // Event 2: the frequency rule has seen one of the two earlier events it needs.
    assert!(events[1].contains(
        "✗ rule 100113 (level 9): if_matched_sid \"100111\": 1 earlier matching event(s) within 60 s; frequency=\"3\" needs 2 earlier ones"
    ));
    // Event 3: it fires.
    assert!(events[2].contains("✓ rule 100113 (level 9) fired"));
    // Event 4: the level-0 sibling sorted first wins.
    assert!(events[3].contains(
        "✗ it was never tried: sibling rule 100101 (level 0) comes before it, matched, and the search ended there"
    ));
    // Event 5: no decoder; the decoded_as parent stops every chain.
    assert!(events[4].contains("✗ decoder app: prematch osregex \"^app: \" on log: no match"));
    assert!(events[4].contains(
        "✗ parent rule 100100 (level 0) did not match: decoded_as \"app\", but no decoder matched the event"
    ));
    assert!(text.contains(
        "✗ rule 100110 never runs: its if_group \"authentication_success\" names no group"
    ));
    insta::assert_snapshot!("explain_app_stream", text);
}

#[test]
fn explain_rule_alone_keeps_the_logtest_layout() {
    let text = run(
        &[
            "validate",
            "--manager-name",
            "test",
            "--explain-rule",
            "100607",
            "tests/explain/error.jsonl",
        ],
        None,
    );
    assert!(text.starts_with("**Phase 1: Completed pre-decoding."));
    assert!(text.contains("✗ why not rule 100607 (level 16)? rule 100604 (level 10) fired instead\n    chain 1 → 100600 → 100607\n    ✗ its own condition failed: field name=\"priority\" osregex \"Emergency\" on \"Error\": no match\n"), "{text}");
    assert!(!text.contains("\ndecoding\n"));
}

#[test]
fn json_carries_every_step_and_the_answers() {
    let text = run(
        &[
            "validate",
            "--format",
            "ndjson",
            "--manager-name",
            "test",
            "--explain",
            "--explain-rule",
            "100607",
            "tests/explain/error.jsonl",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
    assert_eq!(v["rule"]["id"], 100604);
    let decoders = v["explain"]["decoders"].as_array().unwrap();
    assert_eq!(decoders[0]["decoder"], "json");
    assert_eq!(decoders[0]["outcome"], "selected");
    assert_eq!(decoders[1]["outcome"], "plugin");
    assert_eq!(decoders[1]["name"], "JSON_Decoder");
    let rules = v["explain"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0],
        serde_json::json!({"step": "tried", "rule": 1, "depth": 0})
    );
    let failed_100607 = rules
        .iter()
        .find(|s| s["step"] == "failed" && s["rule"] == 100607)
        .unwrap();
    assert_eq!(failed_100607["gate"]["reason"], "no_match");
    assert_eq!(failed_100607["gate"]["value"], "Error");
    let why = &v["why_not"][0];
    assert_eq!(why["rule"], 100607);
    assert_eq!(why["fired"], 100604);
    assert_eq!(
        why["chains"][0]["rules"],
        serde_json::json!([1, 100600, 100607])
    );
    assert_eq!(why["chains"][0]["stop"]["kind"], "own_gate");
    // Without the flags the keys are absent.
    let plain = run(
        &[
            "validate",
            "--format",
            "ndjson",
            "--manager-name",
            "test",
            "tests/explain/error.jsonl",
        ],
        None,
    );
    assert!(!plain.contains("\"explain\"") && !plain.contains("\"why_not\""));
}

#[test]
fn stock_ruleset_sibling_and_category_answers() {
    let Some(shared) = shared_dir() else { return };
    let ruleset = shared.join("wazuh-4.11.1");
    let text = run(
        &[
            "validate",
            "--ruleset",
            ruleset.to_str().unwrap(),
            "--manager-name",
            "test",
            "--explain",
            "--explain-rule",
            "5760",
            "--explain-rule",
            "40111",
            "-",
        ],
        Some("Dec 10 01:02:02 host sshd[1234]: Failed password for invalid user admin from 192.168.1.10 port 22 ssh2\n"),
    );
    assert!(text.contains("✓ decoder sshd: selected"), "{text}");
    assert!(text.contains("✓ child ssh-invfailed: selected"));
    assert!(text.contains("decoders skipped: their program_name does not match \"sshd\""));
    assert!(text.contains("✓ verdict: rule 5710 level 5, alert"));
    // 5760 sits under 5700 and under 5716: both places come after 5710.
    assert!(text.contains("✗ why not rule 5760 (level 5)? rule 5710 (level 5) fired instead\n    2 chains, e.g. 1 → 5700 → 5716 → 5760\n    ✗ none of them was reached: sibling rule 5710 (level 5) comes before them, matched, and the search ended there\n"), "{text}");
    assert!(text.contains("    chain 1 → 5700 → 5710 → 40111\n    ✗ its own condition failed: if_matched_group \"authentication_failed\": 0 earlier matching event(s)"));
    assert!(text.contains("✗ its top rule serves decoder type \"windows\", but the event's decoder \"sshd\" has type \"syslog\""));
}
