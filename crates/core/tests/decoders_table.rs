//! Replays the oracle table `oracle/tables/decoders/decoders.tsv` (Table 3)
//! through xml → DecoderSet::load → frame_line → predecode → decode, and
//! loads the whole stock ruleset.
//!
//! * `run_main` rows: stock decoders plus `run_main/decoders.xml` installed as
//!   `etc/decoders/local_decoders.xml` (sorted by basename, so it loads last);
//!   compares the phase-2 `decoder` line (top-level name, `(none)`) and the
//!   printed fields (`event.fields()`, in order).
//! * `X*` rows: stock decoders plus that set alone; a non-empty `load_error`
//!   requires an Error diagnostic whose `wazuh` text contains every `ERROR:`
//!   message of the oracle; `load_warnings` must appear likewise; rows that
//!   load are decoded as above.
//! * `decoded_as`/`phase3_rule` need rules and are not compared here.

mod support;

use rulelab_core::decoder::{DecoderFile, DecoderSet};
use rulelab_core::predecode::{frame_line, predecode};
use rulelab_core::{xml, Diagnostic, Event};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads and parses decoder files given as (name Wazuh sees, path), sorted
/// by basename as Wazuh does (R5.1.1).
fn load(mut files: Vec<(String, PathBuf)>) -> (DecoderSet, Vec<Diagnostic>) {
    files.sort_by(|a, b| basename(&a.0).cmp(basename(&b.0)));
    let mut parsed = Vec::new();
    let mut diags = Vec::new();
    for (name, path) in files {
        let bytes = std::fs::read(&path).expect("readable decoder file");
        let text = String::from_utf8_lossy(&bytes);
        let file: Arc<str> = Arc::from(name.as_str());
        match xml::parse(&file, &text) {
            Ok(roots) => parsed.push(DecoderFile { file, roots }),
            Err(d) => diags.push(d),
        }
    }
    let (set, mut more) = DecoderSet::load(&parsed);
    diags.append(&mut more);
    (set, diags)
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn stock_files(shared: &Path) -> Vec<(String, PathBuf)> {
    let dir = shared.join("wazuh-4.11.1/decoders");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).expect("stock decoders").flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".xml") {
            out.push((format!("ruleset/decoders/{name}"), p));
        }
    }
    out
}

/// Decodes one input line as the standalone logtest does; returns the
/// phase-2 decoder line and the printed fields of the last event.
fn run_line(set: &DecoderSet, line: &str) -> (String, Vec<(String, String)>) {
    let mut out = ("(none)".to_string(), Vec::new());
    for ev in frame_line(line) {
        let mut e = Event::new(predecode("stdin", ev, "vm"));
        let name = set
            .decode(&mut e)
            .map(|m| m.top_name)
            .unwrap_or_else(|| "(none)".into());
        out = (name, e.fields().to_vec());
    }
    out
}

fn parse_fields(cell: &str) -> Vec<(String, String)> {
    if cell.is_empty() {
        return Vec::new();
    }
    serde_json::from_str(cell).unwrap_or_else(|e| panic!("bad fields cell {cell:?}: {e}"))
}

#[test]
fn decoders_table() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let base = shared.join("oracle/tables/decoders");
    let (header, rows) = support::read_tsv(&base.join("decoders.tsv"));
    let col = |n: &str| header.iter().position(|h| h == n).expect(n);
    let (c_case, c_set, c_input, c_decoder, c_fields, c_err, c_warn, c_run) = (
        col("case"),
        col("set"),
        col("input_line"),
        col("decoder"),
        col("fields"),
        col("load_error"),
        col("load_warnings"),
        col("run"),
    );

    let stock = stock_files(&shared);
    let mut loaded: std::collections::HashMap<String, (DecoderSet, Vec<Diagnostic>)> =
        Default::default();
    let (mut pass, mut fail) = (0, Vec::new());
    let (mut load_pass, mut load_fail) = (0, Vec::new());

    for row in &rows {
        let run = &row[c_run];
        let (set, diags) = loaded.entry(run.clone()).or_insert_with(|| {
            let mut files = stock.clone();
            files.push((
                "etc/decoders/local_decoders.xml".into(),
                base.join(run).join("decoders.xml"),
            ));
            load(files)
        });
        let case = &row[c_case];
        let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
        let wazuh_text: String = diags
            .iter()
            .filter_map(|d| d.wazuh.as_deref())
            .collect::<Vec<_>>()
            .join("\n");

        // Load messages.
        let expected_errors: Vec<&str> = row[c_err]
            .split(" | ")
            .filter(|m| m.starts_with("ERROR: "))
            .collect();
        let mut load_ok = if row[c_err].is_empty() {
            errors.is_empty()
        } else {
            !errors.is_empty() && expected_errors.iter().all(|m| wazuh_text.contains(m))
        };
        for w in row[c_warn].split(" | ").filter(|w| !w.is_empty()) {
            if !wazuh_text.contains(w) {
                load_ok = false;
            }
        }
        if run != "run_main" || !row[c_err].is_empty() || !row[c_warn].is_empty() {
            if load_ok {
                load_pass += 1;
            } else {
                load_fail.push(format!(
                    "case {case} ({}): expected {:?} / {:?}, got {:#?}",
                    row[c_set], row[c_err], row[c_warn], diags
                ));
            }
        }
        if !row[c_err].is_empty() {
            continue;
        }
        // Decoding.
        let (name, fields) = run_line(set, &row[c_input]);
        let want_fields = parse_fields(&row[c_fields]);
        if name == row[c_decoder] && fields == want_fields {
            pass += 1;
        } else {
            fail.push(format!(
                "case {case} ({}): input {:?}\n  want {} {:?}\n  got  {} {:?}",
                row[c_set], row[c_input], row[c_decoder], want_fields, name, fields
            ));
        }
    }
    eprintln!(
        "decoders.tsv: decoding {pass} pass, {} fail; load checks {load_pass} pass, {} fail",
        fail.len(),
        load_fail.len()
    );
    for f in fail.iter().chain(load_fail.iter()) {
        eprintln!("{f}");
    }
    assert!(
        fail.is_empty() && load_fail.is_empty(),
        "{} decoding and {} load mismatches",
        fail.len(),
        load_fail.len()
    );
}

#[test]
fn stock_and_testing_decoders_load_without_error() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let mut files = stock_files(&shared);
    let testing = shared.join("wazuh-4.11.1/testing/ruleset");
    for e in std::fs::read_dir(&testing)
        .expect("testing ruleset")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("test_") && name.ends_with("decoders.xml") {
            files.push((format!("etc/decoders/{name}"), e.path()));
        }
    }
    let n = files.len();
    let (set, diags) = load(files);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{d} ({:?})", d.wazuh))
        .collect();
    eprintln!(
        "{n} files, {} decoders, {} diagnostics",
        set.len(),
        diags.len()
    );
    for d in &diags {
        eprintln!("  {d}");
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(set.len() > 1000);
    assert!(set.id_of("json").is_some());
    assert!(set.id_of("windows_eventchannel").is_some());
}

#[test]
fn ini_suite_decoder_names() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let mut files = stock_files(&shared);
    let testing = shared.join("wazuh-4.11.1/testing/ruleset");
    for e in std::fs::read_dir(&testing)
        .expect("testing ruleset")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("test_") && name.ends_with("decoders.xml") {
            files.push((format!("etc/decoders/{name}"), e.path()));
        }
    }
    let (set, _) = load(files);
    let dir = shared.join("wazuh-4.11.1/testing/tests");
    let mut inis: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ini"))
        .collect();
    inis.sort();
    let (mut pass, mut fail) = (0usize, Vec::new());
    for ini in &inis {
        let bytes = std::fs::read(ini).expect("ini");
        let text = String::from_utf8_lossy(&bytes);
        let name = ini.file_name().unwrap().to_string_lossy().into_owned();
        let file = rulelab_core::suite::TestFile::parse(&name, &text).expect("ini parses");
        for section in &file.sections {
            let want = &section.expected.decoder;
            if want.contains('\n') {
                continue;
            }
            for case in section.cases.iter().filter(|c| !c.negated) {
                let mut got = String::new();
                for line in &case.logs {
                    for ev in frame_line(line) {
                        let mut e = Event::new(predecode("stdin", ev, "vm"));
                        got = set.decode(&mut e).map(|m| m.name).unwrap_or_default();
                    }
                }
                if got == *want {
                    pass += 1;
                } else {
                    fail.push(format!(
                        "{name} [{}] {}: want {want:?} got {got:?}: {:?}",
                        section.name,
                        case.key,
                        case.logs.last()
                    ));
                }
            }
        }
    }
    eprintln!("ini suite decoder names: {pass} pass, {} fail", fail.len());
    for f in &fail {
        eprintln!("  {f}");
    }
    // Every positive case of the 83 files whose expected decoder is one name.
    assert_eq!(pass, 1398);
    assert!(fail.is_empty(), "{} mismatches", fail.len());
}
