//! Issue 6: what tracing costs. Evaluation without tracing (`evaluate`) must
//! cost what it did before the trace existed; `explain` records every step.
//!
//! Workloads: the embedded Falco example (its 12 events, the session
//! reused), and every log line of Wazuh's own test suite against the full
//! stock 4.11.1 ruleset (read from `../shared`; skipped when absent).
//!
//! `cargo bench -p rulelab-core --bench explain`. To compare `evaluate`
//! with a commit from before the trace existed (9b5fafe), copy this file
//! there without the `explain` functions, run it with
//! `-- --save-baseline before`, copy its `target/criterion` here and run
//! `-- --baseline-lenient before`. Interleave several runs: on the 2-core
//! CI machine kind, the same binary varies by up to 9 % between runs.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rulelab_core::classify::DEFAULT_RULE_EXCLUDES;
use rulelab_core::suite::TestFile;
use rulelab_core::{defaults, Ruleset, Session, SessionOptions, Source, Sources};
use std::fs;
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let p = match std::env::var("RULELAB_SHARED") {
        Ok(dir) => PathBuf::from(dir).join("wazuh-4.11.1"),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wazuh-4.11.1"),
    };
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED stock workload: ../shared/wazuh-4.11.1 is absent");
        None
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The stock ruleset as the CLI's `--ruleset` loads it.
fn stock_sources(root: &Path) -> Sources {
    let mut s = Sources::default();
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    let mut v = Vec::new();
    files(&root.join("decoders"), &mut v);
    for p in v
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
    {
        s.decoders
            .push(Source::new(p.display().to_string(), read(p)));
    }
    v.clear();
    files(&root.join("rules"), &mut v);
    for p in v
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
    {
        let base = p.file_name().unwrap().to_string_lossy();
        if !DEFAULT_RULE_EXCLUDES.contains(&base.as_ref()) {
            s.rules.push(Source::new(p.display().to_string(), read(p)));
        }
    }
    v.clear();
    let lists = root.join("lists");
    files(&lists, &mut v);
    for p in v
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "cdb"))
    {
        let rel = p
            .strip_prefix(&lists)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        s.lists
            .push(Source::new(format!("etc/lists/{rel}"), read(p)));
    }
    s
}

/// Every log line of the upstream test suite, in file order.
fn upstream_lines(root: &Path) -> Vec<String> {
    let mut v = Vec::new();
    files(&root.join("testing/tests"), &mut v);
    let mut lines = Vec::new();
    for p in v
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ini"))
    {
        let text = fs::read_to_string(p).unwrap_or_default();
        if let Ok(t) = TestFile::parse(&p.display().to_string(), &text) {
            for s in t.sections {
                for c in s.cases {
                    lines.extend(c.logs);
                }
            }
        }
    }
    lines
}

fn workload(c: &mut Criterion, name: &str, ruleset: &Ruleset, lines: &[String]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("evaluate", |b| {
        b.iter_batched_ref(
            || Session::new(ruleset, SessionOptions::default()),
            |s| {
                for l in lines {
                    criterion::black_box(s.evaluate(l, "stdin"));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("explain", |b| {
        b.iter_batched_ref(
            || Session::new(ruleset, SessionOptions::default()),
            |s| {
                for l in lines {
                    criterion::black_box(s.explain(l, "stdin"));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let falco = Ruleset::load(&defaults::falco_example())
        .ruleset
        .expect("the example loads");
    let lines: Vec<String> = defaults::FALCO_EVENTS.lines().map(String::from).collect();
    workload(c, "falco", &falco, &lines);

    if let Some(root) = shared() {
        let stock = Ruleset::load(&stock_sources(&root))
            .ruleset
            .expect("the stock ruleset loads");
        let lines = upstream_lines(&root);
        workload(c, "stock", &stock, &lines);
    }
}

criterion_group!(explain, benches);
criterion_main!(explain);
