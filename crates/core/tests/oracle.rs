//! Replays every folder of `../shared/oracle/` (falco-json, falco-syslog,
//! json-edge): the stock ruleset plus the folder's local files, `input.log`
//! through one session, and the standalone logtest text compared block by
//! block with what Wazuh 4.11.1 printed.

mod support;

use rulelab_core::render::logtest;
use rulelab_core::{predecode, Session, SessionOptions, Source};

/// Splits a standalone logtest text into one block per event.
fn blocks(text: &str) -> Vec<String> {
    let marker = "**Phase 1: Completed pre-decoding.";
    let mut out: Vec<String> = text
        .split(marker)
        .skip(1)
        .map(|b| format!("{marker}{b}"))
        .collect();
    for b in &mut out {
        while b.ends_with('\n') {
            b.pop();
        }
    }
    out
}

/// How the ruleset of a replay is built.
#[derive(Clone, Copy, PartialEq)]
enum Base {
    /// The stock 4.11.1 ruleset plus the folder's local files (as the oracle ran).
    Stock,
    /// Only rulelab's built-in defaults plus the folder's local rules.
    Builtin,
}

fn run_folder(name: &str) {
    run_folder_on(name, Base::Stock);
}

fn run_folder_on(name: &str, base: Base) {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let dir = shared.join("oracle").join(name);
    let mut sources = match base {
        Base::Stock => support::stock_sources(&shared, &|_, t| t),
        Base::Builtin => rulelab_core::Sources {
            decoders: rulelab_core::defaults::decoder_sources(),
            rules: rulelab_core::defaults::rule_sources(),
            lists: Vec::new(),
        },
    };
    let local_rules = std::fs::read_to_string(dir.join("local_rules.xml")).expect("local rules");
    sources
        .rules
        .push(Source::new("etc/rules/local_rules.xml", local_rules));
    if base == Base::Stock {
        if let Ok(dec) = std::fs::read_to_string(dir.join("local_decoders.xml")) {
            sources
                .decoders
                .push(Source::new("etc/decoders/local_decoder.xml", dec));
        }
    }
    let ruleset = support::load(&sources);
    let mut session = Session::new(
        &ruleset,
        SessionOptions {
            manager_name: "vm".into(),
        },
    );
    let input = std::fs::read_to_string(dir.join("input.log")).expect("input");
    let mut ours = String::new();
    for line in input.split('\n') {
        for event in predecode::frame_line(line) {
            ours.push_str(&logtest::render(&session.evaluate(event, "stdin")));
        }
    }
    let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected");
    let (ours, theirs) = (blocks(&ours), blocks(&expected));
    let mut failures = Vec::new();
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if a != b {
            let diff: Vec<String> = a
                .lines()
                .zip(b.lines())
                .filter(|(x, y)| x != y)
                .take(3)
                .map(|(x, y)| format!("  ours:   {x}\n  wazuh:  {y}"))
                .collect();
            failures.push(format!("event {}:\n{}", i + 1, diff.join("\n")));
        }
    }
    assert_eq!(ours.len(), theirs.len(), "{name}: number of events");
    assert!(
        failures.is_empty(),
        "{name}: {} of {} events differ from Wazuh 4.11.1:\n{}",
        failures.len(),
        theirs.len(),
        failures.join("\n")
    );
    eprintln!(
        "{name}: {} of {} events identical",
        theirs.len(),
        theirs.len()
    );
}

#[test]
fn falco_json() {
    run_folder("falco-json");
}

#[test]
fn falco_syslog() {
    run_folder("falco-syslog");
}

#[test]
fn json_edge() {
    run_folder("json-edge");
}

/// The embedded example runs on the built-in defaults only: the verdicts must
/// be the same as with the stock ruleset (issue 2 acceptance).
#[test]
fn falco_json_with_builtin_defaults_only() {
    run_folder_on("falco-json", Base::Builtin);
}

/// The built-in `falco-syslog` decoders reproduce the oracle's syslog setup.
#[test]
fn falco_syslog_with_builtin_defaults_only() {
    run_folder_on("falco-syslog", Base::Builtin);
}

/// The embedded rules file gives the same verdicts as the integration's
/// documented rules on the whole Falco corpus.
#[test]
fn embedded_falco_rules_match_the_documented_rules() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let ours = support::load(&rulelab_core::defaults::falco_example());
    let documented = support::load(&rulelab_core::Sources {
        decoders: rulelab_core::defaults::decoder_sources(),
        rules: {
            let mut r = rulelab_core::defaults::rule_sources();
            r.push(Source::new(
                "local_rules.xml",
                std::fs::read_to_string(shared.join("oracle/falco-json/local_rules.xml")).unwrap(),
            ));
            r
        },
        lists: Vec::new(),
    });
    let corpus = std::fs::read_to_string(shared.join("corpus/falco/events.jsonl")).unwrap();
    let mut a = Session::new(&ours, SessionOptions::default());
    let mut b = Session::new(&documented, SessionOptions::default());
    for line in corpus.lines() {
        let (x, y) = (a.evaluate(line, "stdin"), b.evaluate(line, "stdin"));
        assert_eq!(x, y, "{line}");
    }
}
