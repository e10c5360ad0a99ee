//! `rulelab validate`: stream events through a session and print verdicts.

use crate::clock;
use crate::load;
use crate::{Format, ValidateArgs};
use rulelab_core::render::{alert, logtest};
use rulelab_core::{
    defaults, predecode, Diagnostic, Explanation, Ruleset, Session, SessionOptions, Severity,
    Sources, Verdict, WhyNot,
};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

/// Prints a diagnostic as `file:line:col: severity[CODE]: message`, the
/// source line with a caret, then help and what Wazuh does.
pub fn print_diagnostic(d: &Diagnostic, sources: &Sources, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{d}")?;
    if let Some(span) = &d.span {
        let text = sources
            .decoders
            .iter()
            .chain(&sources.rules)
            .find(|s| *s.name == *span.file)
            .map(|s| s.text.as_str());
        if let Some(line) = text.and_then(|t| t.lines().nth(span.line.saturating_sub(1) as usize)) {
            let col = span.column.saturating_sub(1) as usize;
            let width = (span.end.saturating_sub(span.start))
                .clamp(1, line.len().saturating_sub(col).max(1));
            writeln!(out, "   | {line}")?;
            writeln!(
                out,
                "   | {}{}",
                " ".repeat(col.min(line.len())),
                "^".repeat(width)
            )?;
        }
    }
    if let Some(h) = &d.help {
        writeln!(out, "   = help: {h}")?;
    }
    if let Some(w) = &d.wazuh {
        writeln!(out, "   = wazuh: {w}")?;
    }
    Ok(())
}

#[derive(Default)]
struct Summary {
    events: u64,
    decoded: u64,
    matched: u64,
    alerts: u64,
    by_level: BTreeMap<u32, u64>,
}

impl Summary {
    fn add(&mut self, v: &Verdict) {
        self.events += 1;
        if v.decoder.is_some() {
            self.decoded += 1;
        }
        if let Some(r) = &v.rule {
            self.matched += 1;
            *self.by_level.entry(r.level).or_default() += 1;
        }
        if v.alert {
            self.alerts += 1;
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "events": self.events,
            "decoded": self.decoded,
            "matched": self.matched,
            "alerts": self.alerts,
            "by_level": self.by_level.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
        })
    }

    fn to_text(&self) -> String {
        let levels: Vec<String> = self
            .by_level
            .iter()
            .map(|(l, n)| format!("level {l}: {n}"))
            .collect();
        format!(
            "Summary: {} events, {} decoded, {} matched a rule, {} alerts{}{}\n",
            self.events,
            self.decoded,
            self.matched,
            self.alerts,
            if levels.is_empty() { "" } else { "; " },
            levels.join(", ")
        )
    }
}

fn verdict_json(v: &Verdict, manager: &str) -> serde_json::Value {
    let mut j = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut j {
        m.insert("alert_json".into(), alert::to_json(v, manager));
    }
    j
}

/// The JSON of one event: the verdict, then the trace and the answers
/// when asked for.
fn event_json(e: &Explanation, why: &[WhyNot], explain: bool, manager: &str) -> serde_json::Value {
    let mut j = verdict_json(&e.verdict, manager);
    if let serde_json::Value::Object(m) = &mut j {
        if explain {
            m.insert(
                "explain".into(),
                serde_json::json!({ "decoders": e.decoders, "rules": e.rules }),
            );
        }
        if !why.is_empty() {
            m.insert(
                "why_not".into(),
                serde_json::to_value(why).unwrap_or_default(),
            );
        }
    }
    j
}

pub fn validate(args: &ValidateArgs) -> Result<ExitCode, String> {
    let fixed_now = args.now.as_deref().map(clock::parse).transpose()?;
    let sources = load::sources(&args.ruleset)?;
    let loaded = Ruleset::load(&sources);
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for d in &loaded.diagnostics {
        let _ = print_diagnostic(d, &sources, &mut err);
    }
    let Some(ruleset) = loaded.ruleset else {
        let n = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let _ = writeln!(
            err,
            "error: the ruleset does not load ({n} error(s)); Wazuh would refuse it too"
        );
        return Ok(ExitCode::from(2));
    };
    let manager = args.manager_name.clone().unwrap_or_else(load::manager_name);
    let mut session = Session::new(
        &ruleset,
        SessionOptions {
            manager_name: manager.clone(),
        },
    );
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut summary = Summary::default();
    let mut all = Vec::new();
    let tracing = args.explain || !args.explain_rule.is_empty();
    let mut handle = |e: Explanation, out: &mut io::BufWriter<io::StdoutLock>| -> io::Result<()> {
        let v = &e.verdict;
        summary.add(v);
        let why: Vec<WhyNot> = args
            .explain_rule
            .iter()
            .map(|&id| e.why_not(&ruleset, id))
            .collect();
        match args.format {
            Format::Text => {
                if args.explain {
                    out.write_all(e.to_text(&ruleset).as_bytes())?;
                } else {
                    out.write_all(logtest::render(v).as_bytes())?;
                }
                for w in &why {
                    out.write_all(w.to_text(&ruleset, &v.predecoded.log).as_bytes())?;
                }
                if tracing {
                    writeln!(out)?;
                }
                Ok(())
            }
            Format::Ndjson => writeln!(out, "{}", event_json(&e, &why, args.explain, &manager)),
            Format::Json => {
                all.push(event_json(&e, &why, args.explain, &manager));
                Ok(())
            }
        }
    };
    let mut run_line = |line: &str, out: &mut io::BufWriter<io::StdoutLock>| -> io::Result<()> {
        for event in predecode::frame_line(line) {
            session.set_now(match fixed_now {
                Some(n) => n,
                None => clock::system(),
            });
            let e = if tracing {
                session.explain(event, &args.location)
            } else {
                Explanation {
                    verdict: session.evaluate(event, &args.location),
                    decoders: Vec::new(),
                    rules: Vec::new(),
                }
            };
            handle(e, out)?;
        }
        Ok(())
    };
    let io_err = |e: io::Error| e.to_string();
    if args.events.is_empty() && !load::has_ruleset(&args.ruleset) {
        for line in defaults::FALCO_EVENTS.lines() {
            run_line(line, &mut out).map_err(io_err)?;
        }
    } else {
        let inputs: Vec<std::path::PathBuf> = if args.events.is_empty() {
            vec!["-".into()]
        } else {
            args.events.clone()
        };
        for input in inputs {
            let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
                Box::new(BufReader::new(io::stdin()))
            } else {
                Box::new(BufReader::new(
                    File::open(&input).map_err(|e| format!("{}: {e}", input.display()))?,
                ))
            };
            for line in reader.split(b'\n') {
                // Only the LF is removed, like logtest's reader (decoding.md R4.1.1).
                let bytes = line.map_err(io_err)?;
                let text = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                run_line(&text, &mut out).map_err(io_err)?;
            }
        }
    }
    match args.format {
        Format::Text => {
            if !args.no_summary {
                out.write_all(summary.to_text().as_bytes())
                    .map_err(io_err)?;
            }
        }
        Format::Json => {
            let diags: Vec<serde_json::Value> = loaded
                .diagnostics
                .iter()
                .map(|d| serde_json::to_value(d).unwrap_or_default())
                .collect();
            let doc = serde_json::json!({ "diagnostics": diags, "events": all, "summary": summary.to_json() });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
            .map_err(io_err)?;
        }
        Format::Ndjson => {}
    }
    out.flush().map_err(io_err)?;
    Ok(ExitCode::SUCCESS)
}
