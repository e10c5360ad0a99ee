//! The rows of `oracle/tables/patterns/patterns.tsv` and
//! `oracle/tables/decoders/decoders.tsv` that need the whole engine
//! (decoders + rule tree + session), replayed with each row's run folder
//! exactly as Wazuh 4.11.1 ran it (README Tables 1 and 3): the stock
//! ruleset plus the folder's `rules.xml` as `etc/rules/local_rules.xml` and
//! `decoders.xml` as `etc/decoders/local_decoders.xml`.
//!
//! * patterns: every `field` / `match` / `regex` row of `runs/rules_batch`
//!   through one session (matched=yes iff phase 3 reports 300000+case), the
//!   `field:missing` rows among them being the ones no other test covers;
//!   every `load_error` row (`runs/reject_case_N`) must be refused.
//! * decoders: `decoded_as` and `phase3_rule` of every row (`run_main`
//!   through one session; each `X*` set alone), load errors refused.

mod support;

use rulelab_core::{predecode, Ruleset, Session, SessionOptions, Source, Sources};
use std::collections::BTreeMap;
use std::path::Path;

fn sources_for(stock: &Sources, run: &Path) -> Sources {
    let mut s = stock.clone();
    if let Ok(r) = std::fs::read_to_string(run.join("rules.xml")) {
        s.rules.push(Source::new("etc/rules/local_rules.xml", r));
    }
    if let Ok(d) = std::fs::read_to_string(run.join("decoders.xml")) {
        s.decoders
            .push(Source::new("etc/decoders/local_decoders.xml", d));
    }
    s
}

fn session(ruleset: &Ruleset) -> Session<'_> {
    Session::new(
        ruleset,
        SessionOptions {
            manager_name: "vm".into(),
        },
    )
}

/// `(NNNN)` Wazuh message numbers of the ERROR lines of a cell.
fn error_numbers(cell: &str) -> Vec<String> {
    cell.split(" | ")
        .filter(|m| m.starts_with("ERROR"))
        .filter_map(|m| {
            let i = m.find('(')?;
            let j = m[i..].find(')')? + i;
            let n = &m[i + 1..j];
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.to_string())
        })
        .collect()
}

/// Checks that a run Wazuh refused does not load here either. Returns a
/// failure text, or None; notes differing message numbers in `notes`.
fn expect_refused(
    label: &str,
    sources: &Sources,
    wazuh: &str,
    notes: &mut Vec<String>,
) -> Option<String> {
    let loaded = Ruleset::load(sources);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    if loaded.ruleset.is_some() || errors.is_empty() {
        return Some(format!("{label}: Wazuh refuses ({wazuh}), we load it"));
    }
    let all = errors.join("\n");
    let missing: Vec<String> = error_numbers(wazuh)
        .into_iter()
        .filter(|n| !all.contains(&format!("({n})")))
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "{label}: Wazuh errors {missing:?} not among ours:\n      {}",
            errors.join("\n      ")
        ));
    }
    None
}

/// Cases whose subject hits PCRE2's match limit in Wazuh (pattern/ gap).
const KNOWN_PCRE2_MATCH_LIMIT: &[u32] = &[823, 918];

#[test]
fn patterns_engine_rows() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let base = shared.join("oracle/tables/patterns");
    let (header, rows) = support::read_tsv(&base.join("patterns.tsv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_case, c_el, c_input, c_matched, c_err, c_run) = (
        col("case"),
        col("element"),
        col("input_line"),
        col("matched"),
        col("load_error"),
        col("run"),
    );
    let stock = support::stock_sources(&shared, &|_, t| t);

    // Rule-level rows of the batch run, through one session in order.
    let batch = base.join("runs/rules_batch");
    let ruleset = support::load(&sources_for(&stock, &batch));
    let mut s = session(&ruleset);
    let mut per_element: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut known_gaps = Vec::new();
    for r in &rows {
        if r[c_run] != "runs/rules_batch" || !(r[c_matched] == "yes" || r[c_matched] == "no") {
            continue;
        }
        let case: u32 = r[c_case].parse().expect("case");
        // Session::evaluate takes UTF-8 text: a line with non-UTF-8 bytes
        // (read lossily here) cannot be fed as Wazuh read it.
        if r[c_input].contains('\u{FFFD}') {
            skipped.push(format!("case {case}: non-UTF-8 input line"));
            continue;
        }
        let mut ours = false;
        for event in predecode::frame_line(&r[c_input]) {
            let v = s.evaluate(event, "stdin");
            ours = v.rule.as_ref().is_some_and(|x| x.id == 300_000 + case);
        }
        let want = r[c_matched] == "yes";
        let e = per_element.entry(r[c_el].clone()).or_default();
        e.1 += 1;
        if ours == want {
            e.0 += 1;
        } else {
            let f = format!(
                "case {case} ({}): `{}` ours matched={ours}, wazuh {want}",
                r[c_el], r[c_input]
            );
            // Known pattern-level gap, see patterns_table.rs: PCRE2's match
            // limit (catastrophic backtracking) is not reproduced.
            if KNOWN_PCRE2_MATCH_LIMIT.contains(&case) {
                known_gaps.push(f);
            } else {
                failures.push(f);
            }
        }
    }
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    for g in &known_gaps {
        eprintln!("known pattern-level gap {g}");
    }
    for (el, (ok, n)) in &per_element {
        eprintln!("patterns rules_batch {el}: {ok}/{n}");
    }

    // load_error rows: each case alone in its run folder.
    let mut notes = Vec::new();
    let (mut refused, mut n_err) = (0, 0);
    for r in &rows {
        if r[c_matched] != "load_error" {
            continue;
        }
        n_err += 1;
        let run = base.join(&r[c_run]);
        let label = format!("case {} ({})", r[c_case], r[c_el]);
        match expect_refused(&label, &sources_for(&stock, &run), &r[c_err], &mut notes) {
            None => refused += 1,
            Some(f) => failures.push(f),
        }
    }
    eprintln!("patterns load_error rows refused: {refused}/{n_err}");
    if !notes.is_empty() {
        eprintln!(
            "message numbers differing (informational):\n  {}",
            notes.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} pattern rows differ from Wazuh 4.11.1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn decoders_engine_rows() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let base = shared.join("oracle/tables/decoders");
    let (header, rows) = support::read_tsv(&base.join("decoders.tsv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_case, c_input, c_as, c_rule, c_err, c_run) = (
        col("case"),
        col("input_line"),
        col("decoded_as"),
        col("phase3_rule"),
        col("load_error"),
        col("run"),
    );
    let stock = support::stock_sources(&shared, &|_, t| t);
    let mut by_run: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &rows {
        by_run.entry(r[c_run].clone()).or_default().push(r);
    }
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let (mut ok, mut total) = (0, 0);
    for (run, rows) in &by_run {
        let sources = sources_for(&stock, &base.join(run));
        if !rows[0][c_err].is_empty() {
            total += 1;
            match expect_refused(run, &sources, &rows[0][c_err], &mut notes) {
                None => ok += 1,
                Some(f) => failures.push(f),
            }
            continue;
        }
        let ruleset = support::load(&sources);
        let mut s = session(&ruleset);
        let mut run_ok = 0;
        for r in rows {
            total += 1;
            let mut got = (String::new(), String::new());
            for event in predecode::frame_line(&r[c_input]) {
                let v = s.evaluate(event, "stdin");
                got = match &v.rule {
                    Some(rule) => (
                        // README Table 3: the NAME of a companion rule.
                        rule.description
                            .strip_prefix("decoded_as ")
                            .filter(|_| rule.id >= 310_000)
                            .unwrap_or("")
                            .to_string(),
                        rule.id.to_string(),
                    ),
                    None => (String::new(), String::new()),
                };
            }
            let want = (r[c_as].clone(), r[c_rule].clone());
            if got == want {
                run_ok += 1;
            } else {
                failures.push(format!(
                    "{run} case {} `{}`: ours (decoded_as, rule) = {got:?}, wazuh {want:?}",
                    r[c_case], r[c_input]
                ));
            }
        }
        ok += run_ok;
        eprintln!("decoders {run}: {run_ok}/{}", rows.len());
    }
    eprintln!("decoders engine rows: {ok}/{total}");
    if !notes.is_empty() {
        eprintln!(
            "message numbers differing (informational):\n  {}",
            notes.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} decoder rows differ from Wazuh 4.11.1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
