//! Every row of oracle/tables/predecode/predecode.tsv: the line is framed as
//! the standalone logtest does and each event pre-decoded with location
//! `stdin` and manager name `vm`; phase-1 values are compared as printed
//! (`(null)` = absent).

// The shared helper trips this lint (not ours to edit); reported to the lead.
#[allow(clippy::manual_pattern_char_comparison)]
mod support;

use rulelab_core::predecode::{frame_line, predecode};

fn show(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(null)".to_string())
}

#[test]
fn predecode_table() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let (header, rows) = support::read_tsv(&shared.join("oracle/tables/predecode/predecode.tsv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_case, c_in, c_ts, c_host, c_prog, c_log, c_ev, c_full, c_extra) = (
        col("case"),
        col("input_line"),
        col("timestamp"),
        col("hostname"),
        col("program_name"),
        col("log"),
        col("events"),
        col("full_event"),
        col("extra_events"),
    );
    let mut failures = Vec::new();
    let mut passed = 0;
    for row in &rows {
        let events = frame_line(&row[c_in]);
        let mut problems = Vec::new();
        let want_n: usize = row[c_ev].parse().unwrap_or(0);
        if events.len() != want_n {
            problems.push(format!("events {} != {}", events.len(), want_n));
        }
        // Expected phase-1 values per event: the row, then extra_events.
        let mut expected = Vec::new();
        if want_n > 0 {
            expected.push([
                row[c_full].clone(),
                row[c_ts].clone(),
                row[c_host].clone(),
                row[c_prog].clone(),
                row[c_log].clone(),
            ]);
        }
        if !row[c_extra].is_empty() {
            let extra: serde_json::Value =
                serde_json::from_str(&row[c_extra]).expect("extra_events JSON");
            for e in extra.as_array().into_iter().flatten() {
                let g = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                expected.push([
                    g("full event"),
                    g("timestamp"),
                    g("hostname"),
                    g("program_name"),
                    g("log"),
                ]);
            }
        }
        for (ev, want) in events.iter().zip(&expected) {
            let p = predecode("stdin", ev, "vm");
            let got = [
                p.full_log.clone(),
                show(&p.timestamp),
                p.hostname.clone(),
                show(&p.program_name),
                p.log.clone(),
            ];
            for (i, name) in ["full_event", "timestamp", "hostname", "program_name", "log"]
                .iter()
                .enumerate()
            {
                if got[i] != want[i] {
                    problems.push(format!("{name}: got {:?} want {:?}", got[i], want[i]));
                }
            }
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("case {}: {}", row[c_case], problems.join("; ")));
        }
    }
    eprintln!("predecode.tsv: {passed}/{} cases pass", rows.len());
    for f in &failures {
        eprintln!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} predecode cases fail",
        failures.len()
    );
}
