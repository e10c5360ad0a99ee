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

fn run_folder(name: &str) {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let dir = shared.join("oracle").join(name);
    let mut sources = support::stock_sources(&shared, &|_, t| t);
    let local_rules = std::fs::read_to_string(dir.join("local_rules.xml")).expect("local rules");
    sources
        .rules
        .push(Source::new("etc/rules/local_rules.xml", local_rules));
    if let Ok(dec) = std::fs::read_to_string(dir.join("local_decoders.xml")) {
        sources
            .decoders
            .push(Source::new("etc/decoders/local_decoder.xml", dec));
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
