//! Workload W4 of issue 8: the engine compiled to wasm, timed in the
//! browser on the inputs of the native bench (`rulelab bench
//! --write-inputs DIR`), with no page rendering in the measured loop.
//!
//! The page exports `rulelabBench(sourcesJson, events, location)`; Trunk
//! puts the module's exports on `window.wasmBindings`, so page JS calls
//! `window.wasmBindings.rulelabBench(...)` (see `e2e/bench-wasm.mjs`).
//!
//! [`run`] mirrors `evaluate` in `src/bench_cmd.rs` (one session, default
//! options, the clock advancing one second per 100 events), so its alert
//! count equals the native bench's for the same inputs.

// Only the page (wasm) and the tests call it.
#![cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]

use rulelab_core::{Now, Ruleset, Session, SessionOptions, Sources};

/// What one bench run measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BenchResult {
    pub events: usize,
    pub alerts: usize,
    /// Compiling the sources (W3's work), in milliseconds.
    pub load_millis: f64,
    /// Evaluating the events, in milliseconds.
    pub millis: f64,
    pub rules: usize,
    pub decoders: usize,
}

/// Loads `sources` and evaluates `events` (one event per `\n`-separated
/// line; none when empty) in one session at `location`, timed by `clock`
/// (milliseconds).
pub fn run(
    sources: &Sources,
    events: &str,
    location: &str,
    clock: fn() -> f64,
) -> Result<BenchResult, String> {
    let start = clock();
    let loaded = Ruleset::load(sources);
    let load_millis = clock() - start;
    let Some(ruleset) = loaded.ruleset else {
        let first = loaded.diagnostics.first().map(|d| d.to_string());
        return Err(format!(
            "the ruleset does not load: {}",
            first.unwrap_or_default()
        ));
    };
    let lines: Vec<&str> = if events.is_empty() {
        Vec::new()
    } else {
        events.split('\n').collect()
    };
    let mut session = Session::new(&ruleset, SessionOptions::default());
    let start = clock();
    let mut alerts = 0;
    for (i, l) in lines.iter().enumerate() {
        if i % 100 == 0 {
            session.set_now(Now {
                epoch_secs: 1_700_000_000 + (i / 100) as i64,
                minute_of_day: 600,
                weekday: 3,
            });
        }
        if session.evaluate(l, location).alert {
            alerts += 1;
        }
    }
    let millis = clock() - start;
    Ok(BenchResult {
        events: lines.len(),
        alerts,
        load_millis,
        millis,
        rules: ruleset.tree().rules.len(),
        decoders: ruleset.decoders().len(),
    })
}

/// The page's entry point: `sources_json` is a serialised
/// `rulelab_core::Sources`; returns the [`BenchResult`] as JSON, or throws
/// the error text.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = rulelabBench)]
pub fn rulelab_bench(sources_json: &str, events: &str, location: &str) -> Result<String, String> {
    let sources: Sources =
        serde_json::from_str(sources_json).map_err(|e| format!("sources: {e}"))?;
    let out = run(&sources, events, location, crate::browser::now_ms)?;
    serde_json::to_string(&out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::state::Workspace;
    use rulelab_core::defaults;

    #[test]
    fn the_falco_example_alerts_as_in_the_playground() {
        let ws = Workspace::default_example();
        let played = engine::run(&ws);
        let expected = played.events.iter().filter(|e| e.verdict.alert).count();
        let events: Vec<&str> = ws.events.lines().collect();
        let out = run(
            &defaults::falco_example(),
            &events.join("\n"),
            &ws.location,
            || 0.0,
        )
        .unwrap();
        assert_eq!((out.events, out.alerts), (events.len(), expected));
        assert!(out.alerts > 0 && out.rules > 0);
        let none = run(&defaults::falco_example(), "", "stdin", || 0.0).unwrap();
        assert_eq!((none.events, none.alerts), (0, 0));
    }

    #[test]
    fn a_broken_ruleset_is_an_error() {
        let sources = Sources {
            rules: vec![rulelab_core::Source::new("r.xml", "<group><rule id=")],
            ..Sources::default()
        };
        assert!(run(&sources, "x", "stdin", || 0.0).is_err());
    }
}
