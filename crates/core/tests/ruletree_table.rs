//! Replays `oracle/tables/ruletree/ruletree.tsv` (README Table 4): one
//! session per scenario, the stock ruleset plus the scenario's
//! `rules.xml` (as `etc/rules/local_rules.xml`) and `decoders.xml` (as
//! `etc/decoders/local_decoders.xml`), every step's line in order, and the
//! rule id, level, description, alert, top-level decoder and fields
//! compared with what Wazuh 4.11.1 printed.

mod support;

use rulelab_core::{predecode, Now, Ruleset, Session, SessionOptions, Source};
use std::collections::BTreeMap;

/// `(NNNN)` Wazuh message numbers found in a text, in order.
fn wazuh_codes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'(' {
            let j = b[i + 1..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(b.len(), |p| i + 1 + p);
            if j > i + 1 && j < b.len() && b[j] == b')' {
                out.push(text[i + 1..j].to_string());
                i = j;
            }
        }
        i += 1;
    }
    out
}

fn json_fields(fields: &[(String, String)]) -> String {
    let v: Vec<serde_json::Value> = fields
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn norm_json(cell: &str) -> String {
    if cell.is_empty() {
        return "[]".into();
    }
    serde_json::from_str::<serde_json::Value>(cell)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| cell.to_string())
}

#[test]
fn ruletree_table() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let base = shared.join("oracle/tables/ruletree");
    let (header, rows) = support::read_tsv(&base.join("ruletree.tsv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_scen, c_step, c_input) = (col("scenario"), col("step"), col("input_line"));
    let (c_id, c_level, c_desc, c_alert) = (
        col("rule_id"),
        col("level"),
        col("description"),
        col("alert"),
    );
    let (c_dec, c_fields, c_load) = (col("decoder"), col("fields"), col("load_messages"));

    let mut scenarios: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &rows {
        scenarios.entry(r[c_scen].clone()).or_default().push(r);
    }

    let stock = support::stock_sources(&shared, &|_, t| t);
    let mut failures = Vec::new();
    let mut code_mismatches = Vec::new();
    let (mut total, mut passed) = (0usize, 0usize);
    for (scen, steps) in &scenarios {
        let dir = base.join(scen);
        let mut sources = stock.clone();
        sources.rules.push(Source::new(
            "etc/rules/local_rules.xml",
            std::fs::read_to_string(dir.join("rules.xml")).expect("rules.xml"),
        ));
        if let Ok(dec) = std::fs::read_to_string(dir.join("decoders.xml")) {
            sources
                .decoders
                .push(Source::new("etc/decoders/local_decoders.xml", dec));
        }
        let loaded = Ruleset::load(&sources);
        let load_msgs = &steps[0][c_load];
        let fatal = load_msgs.contains("CRITICAL") || load_msgs.starts_with("ERROR");

        // Wazuh message numbers of the warnings vs ours (local file only).
        let ours_local: Vec<&rulelab_core::Diagnostic> = loaded
            .diagnostics
            .iter()
            .filter(|d| {
                d.span
                    .as_ref()
                    .is_some_and(|s| s.file.contains("local_rules"))
                    || d.message.contains("local_rules")
            })
            .collect();
        let mut want: Vec<String> = load_msgs
            .split(" | ")
            .filter(|m| !m.contains("(1220)"))
            .flat_map(wazuh_codes)
            .collect();
        let mut got: Vec<String> = ours_local
            .iter()
            .flat_map(|d| wazuh_codes(&d.message))
            .collect();
        want.sort();
        got.sort();
        if want != got {
            code_mismatches.push(format!(
                "{scen}: wazuh codes {want:?}, ours {got:?}\n    ours: {}",
                ours_local
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n    ours: ")
            ));
        }

        // Exact message text (informational): Wazuh's `LEVEL: (NNNN): text`
        // is our `(NNNN) text`.
        for m in load_msgs.split(" | ") {
            let Some(rest) = m.strip_prefix("WARNING: (") else {
                continue;
            };
            let Some((num, text)) = rest.split_once("): ") else {
                continue;
            };
            let ours_text = format!("({num}) {text}");
            if !ours_local.iter().any(|d| d.message == ours_text) {
                code_mismatches.push(format!("{scen}: no diagnostic reads `{ours_text}`"));
            }
        }

        total += 1;
        if fatal {
            let has_error = loaded.diagnostics.iter().any(|d| d.is_error());
            if has_error && loaded.ruleset.is_none() {
                passed += 1;
                eprintln!("{scen}: load error reported as Wazuh does (1/1)");
            } else {
                failures.push(format!(
                    "{scen}: Wazuh refuses to load ({load_msgs}), we load it"
                ));
                eprintln!("{scen}: 0/1");
            }
            continue;
        }
        let Some(ruleset) = loaded.ruleset else {
            failures.push(format!(
                "{scen}: we refuse to load:\n{}",
                loaded
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            eprintln!("{scen}: 0/{}", steps.len());
            continue;
        };
        total -= 1;
        let mut session = Session::new(
            &ruleset,
            SessionOptions {
                manager_name: "vm".into(),
            },
        );
        let t0 = 1_000_000i64;
        let mut ok = 0;
        let mut prev_step = 0i64;
        let mut clock = t0;
        for row in steps {
            total += 1;
            let step: i64 = row[c_step].parse().unwrap_or(0);
            // README Table 4: S09_frequency sleeps 4 s before step 36.
            if scen == "S09_frequency" && step == 36 && prev_step < 36 {
                clock += 4;
            }
            prev_step = step;
            session.set_now(Now {
                epoch_secs: clock,
                ..Now::default()
            });
            let events = predecode::frame_line(&row[c_input]);
            let Some(event) = events.first() else {
                if row[c_id].is_empty() && row[c_dec].is_empty() {
                    ok += 1;
                } else {
                    failures.push(format!("{scen} step {step}: we produce no event"));
                }
                continue;
            };
            let v = session.evaluate(event, "stdin");
            let [id, level, description] = support::rule_strings(&v);
            let ours = [
                id,
                level,
                description,
                if v.rule.is_none() {
                    String::new()
                } else if v.alert {
                    "yes".into()
                } else {
                    "no".into()
                },
                v.decoder
                    .as_ref()
                    .map(|d| d.top_name.clone())
                    .unwrap_or_default(),
                json_fields(&v.fields.to_vec()),
            ];
            let theirs = [
                row[c_id].clone(),
                row[c_level].clone(),
                row[c_desc].clone(),
                if row[c_id].is_empty() {
                    String::new()
                } else {
                    row[c_alert].clone()
                },
                if row[c_dec] == "(none)" {
                    String::new()
                } else {
                    row[c_dec].clone()
                },
                norm_json(&row[c_fields]),
            ];
            let names = [
                "rule_id",
                "level",
                "description",
                "alert",
                "decoder",
                "fields",
            ];
            let diffs: Vec<String> = (0..names.len())
                .filter(|&i| ours[i] != theirs[i])
                .map(|i| {
                    format!(
                        "    {}: ours {:?}, wazuh {:?}",
                        names[i], ours[i], theirs[i]
                    )
                })
                .collect();
            if diffs.is_empty() {
                ok += 1;
            } else {
                failures.push(format!(
                    "{scen} step {step} `{}`:\n{}",
                    row[c_input],
                    diffs.join("\n")
                ));
            }
        }
        passed += ok;
        eprintln!("{scen}: {ok}/{}", steps.len());
    }
    if !code_mismatches.is_empty() {
        eprintln!(
            "load message numbers differing from Wazuh (informational):\n  {}",
            code_mismatches.join("\n  ")
        );
    }
    eprintln!("ruletree: {passed}/{total} rows identical");
    assert!(
        failures.is_empty(),
        "{} of {total} ruletree rows differ from Wazuh 4.11.1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
