//! `rulelab bench`: the performance workloads of issue 8, single-threaded,
//! with inputs generated from the reference data.
//!
//! - W1: the Falco corpus repeated to N lines through the Falco integration
//!   rules, next to a bare `serde_json::Value` parse of the same lines.
//! - W2: every log line of Wazuh's test suite repeated to N lines through
//!   the full stock ruleset.
//! - W3: compiling the stock ruleset (rules, decoders, lists): time and the
//!   heap the compiled ruleset keeps.
//!
//! Heap figures come from the counting allocator of [`crate::heap`]; the
//! "stream" column is the peak heap while evaluating, above what was live
//! before. The session clock advances one second per 100 events, so the
//! events stateful rules keep expire with their timeframes and the stream
//! heap stays flat as N grows.
//!
//! `--write-inputs DIR` also writes the W1 and W2 inputs (sources, location,
//! lines) as JSON, so the wasm bench (`e2e/bench-wasm.mjs`, workload W4)
//! runs the engine in a browser on exactly the same events.

use crate::heap;
use crate::{BenchArgs, RulesetArgs};
use rulelab_core::suite::TestFile;
use rulelab_core::{defaults, Ruleset, Session, SessionOptions, Sources};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One measured workload.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub workload: String,
    pub events: usize,
    pub seconds: f64,
    pub events_per_sec: f64,
    /// Peak heap while running, above the heap live before, in bytes.
    pub stream_heap: usize,
    /// Events that alerted (the evaluation workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<usize>,
    /// Heap allocations per event while running (evaluation workloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocations_per_event: Option<f64>,
    pub note: String,
}

/// The inputs of one evaluation workload, as `--write-inputs` writes them:
/// the wasm bench evaluates `events` in one session, in order, at
/// `location`, with the session clock of [`evaluate`].
#[derive(serde::Serialize)]
struct Inputs<'a> {
    workload: &'a str,
    location: &'a str,
    sources: &'a Sources,
    events: &'a [&'a str],
}

fn write_inputs(dir: Option<&Path>, inputs: &Inputs) -> Result<(), String> {
    let Some(dir) = dir else {
        return Ok(());
    };
    if inputs.events.iter().any(|l| l.contains('\n')) {
        return Err(format!("{}: an event spans lines", inputs.workload));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.json", inputs.workload));
    let json = serde_json::to_string(inputs).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))
}

fn shared_dir(args: &BenchArgs) -> Result<PathBuf, String> {
    let dir = args
        .shared
        .clone()
        .or_else(|| std::env::var_os("RULELAB_SHARED").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared"));
    if dir.join("wazuh-4.11.1").is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{}: the reference data (wazuh-4.11.1, corpus/falco) is absent; pass --shared DIR",
            dir.display()
        ))
    }
}

/// `lines` repeated (in order) to `n` lines.
fn repeat(lines: &[String], n: usize) -> Vec<&str> {
    lines.iter().map(String::as_str).cycle().take(n).collect()
}

/// Every log line of the upstream test suite, in file order.
pub fn upstream_lines(tests: &Path) -> Result<Vec<String>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tests)
        .map_err(|e| format!("{}: {e}", tests.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ini"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for p in files {
        let text = crate::load::read_text(&p)?;
        let t = TestFile::parse(&p.display().to_string(), &text).map_err(|d| d.to_string())?;
        for s in t.sections {
            for c in s.cases {
                lines.extend(c.logs);
            }
        }
    }
    Ok(lines)
}

fn stock_sources(shared: &Path) -> Result<Sources, String> {
    crate::load::sources(&RulesetArgs {
        ruleset: Some(shared.join("wazuh-4.11.1")),
        rules: vec![],
        decoders: vec![],
        lists: vec![],
        no_builtin: false,
    })
}

/// What one evaluation run measured.
struct Run {
    elapsed: Duration,
    stream_heap: usize,
    /// Events that alerted (so the work cannot be optimised out).
    alerts: usize,
    allocations_per_event: f64,
}

/// Evaluates `lines` in one session.
fn evaluate(ruleset: &Ruleset, lines: &[&str], location: &str) -> Run {
    let mut session = Session::new(ruleset, SessionOptions::default());
    let before = heap::live();
    let allocations = heap::allocations();
    heap::reset_peak();
    let start = Instant::now();
    let mut alerts = 0;
    for (i, l) in lines.iter().enumerate() {
        // Events arrive at 100 per second of the session clock, so
        // timeframes expire as they would in a replayed day of logs.
        if i % 100 == 0 {
            session.set_now(rulelab_core::Now {
                epoch_secs: 1_700_000_000 + (i / 100) as i64,
                minute_of_day: 600,
                weekday: 3,
            });
        }
        if session.evaluate(l, location).alert {
            alerts += 1;
        }
    }
    let elapsed = start.elapsed();
    Run {
        elapsed,
        stream_heap: heap::peak().saturating_sub(before),
        alerts,
        allocations_per_event: per_event(heap::allocations() - allocations, lines.len()),
    }
}

fn per_event(count: usize, events: usize) -> f64 {
    count as f64 / events.max(1) as f64
}

fn row(workload: &str, n: usize, t: Duration, stream_heap: usize, note: String) -> Row {
    let s = t.as_secs_f64();
    Row {
        workload: workload.to_string(),
        events: n,
        seconds: s,
        events_per_sec: if s > 0.0 { n as f64 / s } else { 0.0 },
        stream_heap,
        alerts: None,
        allocations_per_event: None,
        note,
    }
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn run(args: &BenchArgs) -> Result<ExitCode, String> {
    let shared = shared_dir(args)?;
    heap::enable();
    let n = args.events;
    let mut rows = Vec::new();
    let wanted =
        |w: &str| args.only.is_empty() || args.only.iter().any(|o| o.eq_ignore_ascii_case(w));
    let dir = args.write_inputs.as_deref();
    if wanted("w1") {
        w1(&shared, n, dir, &mut rows)?;
    }
    let mut ruleset_heap = 0;
    if wanted("w2") || wanted("w3") {
        let run_w2 = wanted("w2");
        ruleset_heap = w2_w3(&shared, n, args.compile_runs, run_w2, dir, &mut rows)?;
    }
    let out = render(args.format, n, &rows, ruleset_heap);
    println!("{}", out.trim_end());
    Ok(ExitCode::SUCCESS)
}

fn w1(shared: &Path, n: usize, dir: Option<&Path>, rows: &mut Vec<Row>) -> Result<(), String> {
    let corpus = crate::load::read_text(&shared.join("corpus/falco/events.jsonl"))?;
    let corpus: Vec<String> = corpus.lines().map(String::from).collect();
    let w1 = repeat(&corpus, n);
    let location = "/var/log/falco_events.json";
    let sources = defaults::falco_example();
    write_inputs(
        dir,
        &Inputs {
            workload: "w1",
            location,
            sources: &sources,
            events: &w1,
        },
    )?;
    let falco = Ruleset::load(&sources)
        .ruleset
        .ok_or("the embedded Falco rules do not load")?;
    let allocations = heap::allocations();
    let start = Instant::now();
    let mut parsed = 0usize;
    for l in &w1 {
        if serde_json::from_str::<serde_json::Value>(l).is_ok() {
            parsed += 1;
        }
    }
    let base = start.elapsed();
    let base_allocations = per_event(heap::allocations() - allocations, w1.len());
    let r1 = evaluate(&falco, &w1, location);
    rows.push(Row {
        allocations_per_event: Some(base_allocations),
        ..row(
            "W1 serde_json::Value parse (baseline)",
            n,
            base,
            0,
            format!("{parsed} parsed; {base_allocations:.1} allocations/event"),
        )
    });
    rows.push(Row {
        alerts: Some(r1.alerts),
        allocations_per_event: Some(r1.allocations_per_event),
        ..row(
            "W1 Falco JSON, integration rules",
            n,
            r1.elapsed,
            r1.stream_heap,
            format!(
                "{:.2}x the baseline; {} alerts; {:.1} allocations/event",
                r1.elapsed.as_secs_f64() / base.as_secs_f64().max(1e-9),
                r1.alerts,
                r1.allocations_per_event
            ),
        )
    });
    Ok(())
}

/// W3, then W2 on the compiled ruleset; returns the ruleset's heap.
fn w2_w3(
    shared: &Path,
    n: usize,
    compile_runs: usize,
    run_w2: bool,
    dir: Option<&Path>,
    rows: &mut Vec<Row>,
) -> Result<usize, String> {
    let sources = stock_sources(shared)?;
    let mut compile_times = Vec::new();
    let mut ruleset_heap = 0;
    let mut stock = None;
    for _ in 0..compile_runs.max(1) {
        drop(stock.take());
        let before = heap::live();
        let start = Instant::now();
        let loaded = Ruleset::load(&sources);
        compile_times.push(start.elapsed());
        let r = loaded.ruleset.ok_or("the stock ruleset does not load")?;
        drop(loaded.diagnostics);
        ruleset_heap = heap::live().saturating_sub(before);
        stock = Some(r);
    }
    let stock = stock.ok_or("no compile run")?;
    compile_times.sort();
    let median = compile_times[compile_times.len() / 2];
    if run_w2 {
        let upstream = upstream_lines(&shared.join("wazuh-4.11.1/testing/tests"))?;
        let w2 = repeat(&upstream, n);
        let location = "stdin";
        write_inputs(
            dir,
            &Inputs {
                workload: "w2",
                location,
                sources: &sources,
                events: &w2,
            },
        )?;
        let r2 = evaluate(&stock, &w2, location);
        rows.push(Row {
            alerts: Some(r2.alerts),
            allocations_per_event: Some(r2.allocations_per_event),
            ..row(
                "W2 upstream suite mix, stock ruleset",
                n,
                r2.elapsed,
                r2.stream_heap,
                format!(
                    "{} distinct lines; {} alerts; {:.1} allocations/event",
                    upstream.len(),
                    r2.alerts,
                    r2.allocations_per_event
                ),
            )
        });
    }
    rows.push(Row {
        workload: "W3 compile the stock ruleset".into(),
        events: 0,
        seconds: median.as_secs_f64(),
        events_per_sec: 0.0,
        stream_heap: 0,
        alerts: None,
        allocations_per_event: None,
        note: format!(
            "median of {}; {} rules, {} decoders; ruleset heap {}",
            compile_times.len(),
            stock.tree().rules.len(),
            stock.decoders().len(),
            mb(ruleset_heap)
        ),
    });
    Ok(ruleset_heap)
}

fn render(format: crate::BenchFormat, n: usize, rows: &[Row], ruleset_heap: usize) -> String {
    match format {
        crate::BenchFormat::Json => serde_json::to_string_pretty(&serde_json::json!({
            "events": n,
            "rows": rows,
            "ruleset_heap_bytes": ruleset_heap,
            "peak_heap_bytes": heap::peak_since_enable(),
        }))
        .unwrap_or_default(),
        crate::BenchFormat::Markdown => {
            let mut s = String::from(
                "| workload | events | time | events/s | stream heap | notes |\n|---|---:|---:|---:|---:|---|\n",
            );
            for r in rows {
                let (events, rate, heap) = cells(r);
                let _ = writeln!(
                    s,
                    "| {} | {events} | {} | {rate} | {heap} | {} |",
                    r.workload,
                    secs(r.seconds),
                    r.note
                );
            }
            s
        }
        crate::BenchFormat::Text => {
            let mut s = String::new();
            for r in rows {
                let (events, rate, heap) = cells(r);
                let rate = if r.events_per_sec > 0.0 {
                    format!("{rate}/s")
                } else {
                    rate
                };
                let heap = if r.stream_heap > 0 {
                    format!("; stream heap {heap}")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    s,
                    "{:<40} {events:>8} {:>10} {rate:>12}  {}{heap}",
                    r.workload,
                    secs(r.seconds),
                    r.note,
                );
            }
            s
        }
    }
}

/// The events, events/s and stream-heap cells of a row (`-` when not
/// measured).
fn cells(r: &Row) -> (String, String, String) {
    let or_dash = |measured: bool, text: String| if measured { text } else { "-".to_string() };
    (
        or_dash(r.events > 0, r.events.to_string()),
        or_dash(r.events_per_sec > 0.0, thousands(r.events_per_sec)),
        or_dash(r.stream_heap > 0, mb(r.stream_heap)),
    )
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
