//! `rulelab lint`: the bad-file corpus in tests/lint (one file per check,
//! each finding's code, line and column asserted), exit codes, formats,
//! SARIF validated against the SARIF 2.1.0 schema, and the stock ruleset.

use crate::{rulelab, shared_dir, stdout_of};
use std::path::Path;

/// (code, line, column) of every finding, in output order.
fn findings(args: &[&str]) -> Vec<(String, u64, u64)> {
    let out = rulelab()
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["span"]["line"].as_u64().unwrap_or(0),
                d["span"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn expect(files: &[&str], want: &[(&str, u64, u64)]) {
    let got = findings(files);
    let want: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(c, l, k)| (c.to_string(), *l, *k))
        .collect();
    assert_eq!(got, want, "{files:?}");
}

#[test]
fn corpus_one_file_per_check() {
    let l = |f: &str| format!("tests/lint/{f}");
    expect(&[&l("l001_custom_range.xml")], &[("L001", 3, 9)]);
    expect(&[&l("l002_glued_elements.xml")], &[("L002", 5, 5)]);
    expect(&[&l("l003_last_wins.xml")], &[("L003", 4, 5)]);
    expect(&[&l("l004_empty_alternative.xml")], &[("L004", 4, 12)]);
    expect(
        &[&l("l005_whitespace.xml")],
        &[("L005", 5, 25), ("R038", 9, 3), ("L005", 10, 15)],
    );
    expect(&[&l("l006_quotes.xml")], &[("L006", 5, 18)]);
    expect(&[&l("l010_noalert_leaf.xml")], &[("L010", 3, 3)]);
    expect(&[&l("l011_stateful_level0.xml")], &[("L011", 8, 3)]);
    expect(
        &[&l("l012_placeholder.xml"), &l("l012_decoders.xml")],
        &[("L012", 3, 3), ("L012", 3, 3)],
    );
    expect(&[&l("l013_shadowed.xml")], &[("L013", 12, 3)]);
    let mut falco = vec![("L020", 4, 3); 5];
    falco.push(("L021", 11, 28));
    expect(&[&l("l020_l021_falco.xml")], &falco);
    expect(
        &[&l("l030_unreachable_decoders.xml")],
        &[("L030", 7, 1), ("L030", 22, 1)],
    );
    expect(&[&l("r007_level.xml")], &[("R007", 3, 21)]);
    expect(&[&l("r030_duplicate.xml")], &[("R030", 7, 3)]);
    expect(&[&l("x_unclosed.xml")], &[("X002", 6, 1)]);
    // Loader diagnostics: what Wazuh refuses, drops or warns about.
    expect(&[&l("d004_group_wrapper_decoders.xml")], &[("D004", 2, 1)]);
    expect(&[&l("d014_bad_type_decoders.xml")], &[("D014", 4, 9)]);
    expect(&[&l("d019_no_prematch_decoders.xml")], &[("D019", 2, 1)]);
    expect(
        &[&l("d020_regex_without_order_decoders.xml")],
        &[("D020", 2, 1)],
    );
    // Inside the pattern: the unclosed group's end.
    expect(&[&l("d022_bad_pattern_decoders.xml")], &[("D022", 3, 22)]);
    expect(&[&l("d025_unknown_parent_decoders.xml")], &[("D025", 2, 1)]);
    expect(&[&l("r009_rule_without_options.xml")], &[("R009", 3, 3)]);
    expect(&[&l("r_bad_time.xml")], &[("R013", 5, 11)]);
    expect(
        &[&l("r_if_sid_missing.xml")],
        &[("R044", 3, 3), ("R035", 3, 3)],
    );
    expect(&[&l("r_list_missing.xml")], &[("R033", 5, 43)]);
    expect(&[&l("r_no_description.xml")], &[("R021", 3, 3)]);
    expect(&[&l("r_unknown_element.xml")], &[("R010", 4, 5)]);
}

#[test]
fn human_output_underlines_and_points_at_both_places() {
    let out = stdout_of(rulelab().args([
        "lint",
        "tests/lint/l002_glued_elements.xml",
        "tests/lint/r030_duplicate.xml",
    ]));
    insta::assert_snapshot!(out);
}

#[test]
fn exit_codes() {
    // Warnings only: clean at the default fail level, 1 at warning.
    rulelab()
        .args(["lint", "tests/lint/l006_quotes.xml"])
        .assert()
        .code(0);
    rulelab()
        .args([
            "lint",
            "tests/lint/l006_quotes.xml",
            "--fail-level",
            "warning",
        ])
        .assert()
        .code(1);
    // Errors Wazuh refuses to start with.
    for f in ["tests/lint/r007_level.xml", "tests/lint/x_unclosed.xml"] {
        rulelab().args(["lint", f]).assert().code(1);
    }
    // Bad invocation or unreadable input.
    rulelab().args(["lint"]).assert().code(2);
    rulelab()
        .args(["lint", "tests/lint/missing.xml"])
        .assert()
        .code(2);
    rulelab()
        .args(["lint", "tests/falco/falco.ini"])
        .assert()
        .code(2);
}

#[test]
fn github_annotations() {
    let out = stdout_of(rulelab().args([
        "lint",
        "--format",
        "github",
        "tests/lint/l004_empty_alternative.xml",
    ]));
    assert!(
        out.starts_with(
            "::warning file=tests/lint/l004_empty_alternative.xml,line=4,col=12,title=L004::rule 100030: <match> has an empty alternative"
        ),
        "{out}"
    );
    assert!(
        out.contains("%0Ahelp: "),
        "multi-line messages are escaped: {out}"
    );
}

/// The SARIF 2.1.0 schema, from e2e/node_modules (scripts/setup-web.sh
/// installs it; it is OASIS's, not copied into this repository).
fn sarif_schema() -> Option<serde_json::Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("e2e/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
    match std::fs::read_to_string(&p) {
        Ok(t) => {
            // The rtm.5 schema's language-tag pattern (in several places)
            // has a stray `]` that strict ECMA-262 rejects; escape it so the
            // schema compiles. It only concerns `language` properties, which
            // rulelab does not write.
            let t = t.replace("-[a-zA-Z]{2}]?$", "-[a-zA-Z]{2}\\\\]?$");
            Some(serde_json::from_str(&t).expect("schema JSON"))
        }
        Err(_) => {
            eprintln!(
                "SKIPPED: {} is absent; run scripts/setup-web.sh",
                p.display()
            );
            None
        }
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let Some(schema) = sarif_schema() else {
        return;
    };
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let out = rulelab()
        .args(["lint", "--format", "sarif"])
        .args([
            "tests/lint/l002_glued_elements.xml",
            "tests/lint/r030_duplicate.xml",
            "tests/lint/r007_level.xml",
            "tests/lint/l020_l021_falco.xml",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    // r007_level.xml stops the load (as Wazuh would), so only the file
    // checks and loader findings remain: L002, R030 and R007.
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "R007" && r["level"] == "error"));
    let dup = results.iter().find(|r| r["ruleId"] == "R030").unwrap();
    assert_eq!(
        dup["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    // A document that breaks the schema is caught (the check can fail).
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
}

/// Acceptance: the stock 4.11.1 ruleset lints with zero errors.
#[test]
fn stock_ruleset_has_no_errors() {
    let Some(shared) = shared_dir() else {
        return;
    };
    let wazuh = shared.join("wazuh-4.11.1");
    let got = findings(&[wazuh.to_str().unwrap()]);
    let errors: Vec<_> = got.iter().filter(|(c, _, _)| c.starts_with('X')).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let out = rulelab()
        .args(["lint", wazuh.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "no error-level finding");
    let count = |code: &str| got.iter().filter(|(c, _, _)| c == code).count();
    // The defects named in the closing note of issue 5.
    assert_eq!(count("L002"), 1, "rule 60195's glued description");
    assert_eq!(count("L010"), 1, "rule 1003: noalert without children");
    assert_eq!(count("L011"), 1, "rule 35095: level-0 frequency rule");
    assert_eq!(
        count("L030"),
        4,
        "sonicwall, web-accesslog, mariadb decoders"
    );
}

#[test]
fn rulelab_toml_selects_ignores_and_sets_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("local_rules.xml");
    std::fs::copy("tests/lint/l001_custom_range.xml", &rules).unwrap();
    std::fs::copy("tests/lint/l006_quotes.xml", dir.path().join("quotes.xml")).unwrap();
    let p = dir.path().to_str().unwrap();
    let codes =
        |args: &[&str]| -> Vec<String> { findings(args).into_iter().map(|(c, _, _)| c).collect() };
    assert_eq!(codes(&[p]), ["L001", "L006"]);
    std::fs::write(
        dir.path().join("rulelab.toml"),
        "[lint]\nignore = [\"L006\"]\ncustom-range = [5000, 6000]\n",
    )
    .unwrap();
    // Rule 5999 is now in range; the other file's 100050 is not.
    assert_eq!(codes(&[p]), ["L001"]);
    std::fs::write(
        dir.path().join("rulelab.toml"),
        "[lint]\nselect = [\"L00\"]\nignore = [\"L001\"]\n",
    )
    .unwrap();
    assert_eq!(codes(&[p]), ["L006"]);
    std::fs::write(dir.path().join("rulelab.toml"), "[lint]\nunknown = 1\n").unwrap();
    rulelab().args(["lint", p]).assert().code(2);
}
