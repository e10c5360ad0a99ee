//! `rulelab falco init` and `rulelab falco check`, and the mapping
//! compiler against the Falco corpus.

use crate::{rulelab, run_ok, shared_dir};
use rulelab_core::falco::check::expected;
use rulelab_core::falco::compile::{compile, FileKind};
use rulelab_core::falco::{Mapping, MappingFile, Priority, Transport};
use rulelab_core::{defaults, Ruleset, Session, SessionOptions, Source, Sources, Verdict};
use std::path::Path;

/// The generated files as a ruleset, on rulelab's built-in decoders.
fn generated(m: &Mapping) -> Sources {
    let mut s = Sources {
        decoders: defaults::decoder_sources(),
        rules: defaults::rule_sources(),
        lists: vec![],
    };
    for f in compile(m) {
        match f.kind {
            FileKind::Rules => s.rules.push(Source::new(f.name, f.text)),
            FileKind::Decoders => s.decoders.push(Source::new(f.name, f.text)),
            _ => {}
        }
    }
    s
}

fn load(s: &Sources) -> Ruleset {
    let loaded = Ruleset::load(s);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded.ruleset.expect("loads")
}

/// Every line's verdict, in one session.
fn verdicts(r: &Ruleset, lines: &[&str]) -> Vec<Verdict> {
    let mut s = Session::new(
        r,
        SessionOptions {
            manager_name: "test".into(),
        },
    );
    lines
        .iter()
        .map(|l| s.evaluate(l, "/var/log/falco_events.json"))
        .collect()
}

#[test]
fn default_mapping_gives_the_hand_written_verdicts_event_by_event() {
    let Some(shared) = shared_dir() else { return };
    let text = std::fs::read_to_string(shared.join("corpus/falco/events.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 21);
    let hand = verdicts(&load(&defaults::falco_example()), &lines);
    let gen = verdicts(&load(&generated(&Mapping::default())), &lines);
    for (n, (h, g)) in hand.iter().zip(&gen).enumerate() {
        assert_eq!(g, h, "events.jsonl line {}", n + 1);
    }
    // The corpus exercises the ladder: every priority, the Debug and
    // unmarked alerts stopping at or before the base rule.
    let ids: Vec<Option<u32>> = gen.iter().map(|v| v.rule.as_ref().map(|r| r.id)).collect();
    for id in 100600..=100607 {
        assert!(ids.contains(&Some(id)), "rule {id} is reached: {ids:?}");
    }
    assert_eq!(ids[0], None, "line 1 has no wazuh_integration");
    assert_eq!(gen.iter().filter(|v| v.alert).count(), 16);
}

#[test]
fn syslog_transport_gives_the_same_verdicts_on_syslog_lines() {
    let Some(shared) = shared_dir() else { return };
    let json = std::fs::read_to_string(shared.join("corpus/falco/events.jsonl")).unwrap();
    let json: Vec<&str> = json.lines().collect();
    let syslog = std::fs::read_to_string(shared.join("corpus/falco/syslog_events.log")).unwrap();
    let syslog: Vec<&str> = syslog.lines().collect();
    assert_eq!(syslog.len(), 3);
    // syslog_events.log holds lines 5, 15 and 16 of events.jsonl.
    let same_json: Vec<&str> = [5, 15, 16].iter().map(|&n| json[n - 1]).collect();
    let hand = verdicts(&load(&defaults::falco_example()), &same_json);
    let m = Mapping {
        transport: Transport::Syslog,
        ..Mapping::default()
    };
    let gen = verdicts(&load(&generated(&m)), &syslog);
    for (n, (h, g)) in hand.iter().zip(&gen).enumerate() {
        assert_eq!(g.rule, h.rule, "syslog line {}", n + 1);
        assert_eq!(g.alert, h.alert);
        assert_eq!(
            g.decoder.as_ref().map(|d| d.name.as_str()),
            Some("falco-syslog")
        );
        assert_eq!(g.predecoded.program_name.as_deref(), Some("falco"));
    }
    let ids: Vec<u32> = gen.iter().map(|v| v.rule.as_ref().unwrap().id).collect();
    assert_eq!(ids, [100603, 100605, 100603]);
}

/// `falco init` into `dir`, then `lint` and `falco check` on what it wrote.
fn round_trip(dir: &Path, init: &[&str], m: &Mapping) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["falco", "init", "-o", d];
    args.extend(init);
    let said = run_ok(&args);
    assert!(
        said.contains("verified: the files load, lint clean"),
        "{said}"
    );
    let rules = dir.join("falco_rules.xml");
    let decoders = dir.join("falco_decoders.xml");
    assert_eq!(decoders.exists(), m.transport == Transport::Syslog);
    let mut xml = vec![rules.to_str().unwrap().to_string()];
    if decoders.exists() {
        xml.push(decoders.to_str().unwrap().to_string());
    }
    // Lint: no finding at all.
    let mut lint = vec!["lint".to_string()];
    lint.extend(xml.iter().cloned());
    let out = rulelab()
        .args(&lint)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap().trim(), "No findings.");
    // Check reports the mapping back (the files as `falco check RULES...`).
    let mut check = vec!["falco".to_string(), "check".into(), "--json".into()];
    check.extend(xml.iter().cloned());
    let out = rulelab()
        .args(&check)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for row in doc["rows"].as_array().unwrap() {
        let p = Priority::parse(row["priority"].as_str().unwrap()).unwrap();
        if row["transport"] == m.transport.as_str() {
            let (id, level) = expected(m, p);
            assert_eq!(
                (row["rule"].as_u64(), row["level"].as_u64()),
                (Some(id.into()), Some(level.into())),
                "{p:?}"
            );
            assert_eq!(row["alert"], level >= 3, "{p:?}");
        } else {
            // The other transport's events reach no rule of the mapping.
            assert!(row["rule"].is_null(), "{row}");
        }
    }
    let overrides = doc["overrides"].as_array().unwrap();
    for o in &m.overrides {
        let row = overrides
            .iter()
            .find(|r| r["falco_rule"] == o.rule.as_str() && r["transport"] == m.transport.as_str())
            .unwrap_or_else(|| panic!("override {:?} reported: {overrides:?}", o.rule));
        assert_eq!(row["all_priorities"], true);
        assert_eq!(row["rule"].as_u64(), o.id.map(u64::from));
        assert_eq!(row["level"].as_u64(), Some(o.level.into()));
    }
    assert_eq!(overrides.len(), 2 * m.overrides.len());
}

#[test]
fn generated_files_load_lint_clean_and_check_reports_their_mapping() {
    let tmp = tempfile::tempdir().unwrap();
    // The default mapping.
    round_trip(&tmp.path().join("default"), &[], &Mapping::default());

    // Flags: syslog, a level for Debug, an override.
    let mut m = Mapping {
        transport: Transport::Syslog,
        ..Mapping::default()
    };
    m.set_level(Priority::Debug, Some(3));
    m.overrides.push(rulelab_core::falco::Override {
        rule: "Terminal shell in container".into(),
        level: 10,
        id: None,
        description: None,
        tags: vec![],
    });
    m.validate().unwrap();
    round_trip(
        &tmp.path().join("flags"),
        &[
            "--transport",
            "syslog",
            "--level",
            "Debug=3",
            "--override",
            "Terminal shell in container=10",
        ],
        &m,
    );

    // A mapping file.
    let text = std::fs::read_to_string("tests/falco/mapping_k8s.toml").unwrap();
    let mut m = Mapping::default();
    m.apply(toml::from_str::<MappingFile>(&text).unwrap())
        .unwrap();
    m.validate().unwrap();
    assert_eq!(m.overrides[0].id, Some(101010));
    round_trip(
        &tmp.path().join("file"),
        &["--from", "tests/falco/mapping_k8s.toml"],
        &m,
    );
}

#[test]
fn snapshots_of_every_generated_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("default", vec![]),
        ("k8s", vec!["--from", "tests/falco/mapping_k8s.toml"]),
    ] {
        let dir = tmp.path().join(name);
        let mut a = vec!["falco", "init", "-o", dir.to_str().unwrap()];
        a.extend(args);
        run_ok(&a);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let expected: &[&str] = if name == "default" {
            &["falco_rules.xml", "falco_wazuh.yaml", "ossec_localfile.xml"]
        } else {
            &[
                "falco_decoders.xml",
                "falco_rules.xml",
                "falco_wazuh.yaml",
                "ossec_localfile.xml",
            ]
        };
        assert_eq!(names, expected);
        for (p, n) in files.iter().zip(&names) {
            let text = std::fs::read_to_string(p).unwrap();
            insta::assert_snapshot!(format!("falco_init_{name}__{n}"), text);
        }
    }
}

#[test]
fn bad_mappings_exit_2_with_a_code() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let err = |args: &[&str]| {
        let out = rulelab()
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        String::from_utf8(out).unwrap()
    };
    assert!(err(&["falco", "init", "--stdout", "--level", "Info=3"])
        .contains("error[F005]: unknown Falco priority \"Info\""));
    assert!(err(&["falco", "init", "--stdout", "--level", "Alert=17"]).contains("error[F001]"));
    assert!(err(&["falco", "init", "--stdout", "--description", "a <b>"]).contains("error[F003]"));
    assert!(
        err(&["falco", "init", "--stdout", "--override", "no level"])
            .contains("write \"FALCO RULE=LEVEL\"")
    );
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "base_id = 1\nlevel = 3\n").unwrap();
    assert!(
        err(&["falco", "init", "--stdout", "--from", bad.to_str().unwrap()])
            .contains("error[F004]")
    );
    run_ok(&["falco", "init", "-o", d]);
    assert!(err(&["falco", "init", "-o", d]).contains("exists; pass --force"));
    run_ok(&["falco", "init", "-o", d, "--force"]);
}

#[test]
fn check_takes_flags_or_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    run_ok(&["falco", "init", "-o", d, "--transport", "syslog"]);
    let rules = tmp.path().join("falco_rules.xml");
    let decoders = tmp.path().join("falco_decoders.xml");
    let by_flags = run_ok(&[
        "falco",
        "check",
        "--rules",
        rules.to_str().unwrap(),
        "--decoders",
        decoders.to_str().unwrap(),
    ]);
    let by_paths = run_ok(&["falco", "check", d]);
    assert_eq!(by_flags, by_paths);
    assert!(
        by_paths.contains("syslog: no alert for Debug\n"),
        "{by_paths}"
    );
    // The embedded example's own rules are not added to the paths.
    assert!(
        by_paths
            .contains("Emergency      no rule: no alert               rule 100607 level 16 alert"),
        "{by_paths}"
    );
}

#[test]
fn check_reports_the_hand_written_integration() {
    let text = run_ok(&["falco", "check"]);
    assert!(
        text.contains("Emergency      rule 100607 level 16 alert      no rule: no alert"),
        "{text}"
    );
    assert!(text.contains("Debug          rule 100600 level 0 no alert    no rule: no alert"));
    assert!(text.contains("json: no alert for Debug\n"));
    assert!(text.contains("syslog: no alert for Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug\n"));
}
