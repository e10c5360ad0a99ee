//! `rulelab validate`: stream events through a session and print verdicts.

use crate::clock;
use crate::load;
use crate::{Format, ValidateArgs};
use rulelab_core::render::{alert, logtest};
use rulelab_core::{
    defaults, predecode, Diagnostic, Explanation, Ruleset, Session, SessionOptions, Severity,
    Sources, Verdict, WhyNot,
};
use std::collections::{BTreeMap, HashMap};
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

/// What the summary counts of one verdict.
#[derive(Clone, Copy)]
struct Counted {
    decoded: bool,
    level: Option<u32>,
    alert: bool,
}

impl Counted {
    fn of(v: &Verdict) -> Counted {
        Counted {
            decoded: v.decoder.is_some(),
            level: v.rule.as_ref().map(|r| r.level),
            alert: v.alert,
        }
    }
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
    fn add(&mut self, v: Counted) {
        self.events += 1;
        if v.decoded {
            self.decoded += 1;
        }
        if let Some(level) = v.level {
            self.matched += 1;
            *self.by_level.entry(level).or_default() += 1;
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

/// One event as printed: text (logtest layout, explain tree, ndjson line)
/// or a JSON value collected for the single JSON document.
enum Rendered {
    Text(String),
    Json(serde_json::Value),
}

fn render_event(
    e: &Explanation,
    args: &ValidateArgs,
    ruleset: &Ruleset,
    manager: &str,
) -> Rendered {
    let v = &e.verdict;
    let why: Vec<WhyNot> = args
        .explain_rule
        .iter()
        .map(|&id| e.why_not(ruleset, id))
        .collect();
    match args.format {
        Format::Text => {
            let mut t = if args.explain {
                e.to_text(ruleset)
            } else {
                logtest::render(v)
            };
            for w in &why {
                t.push_str(&w.to_text(ruleset, &v.predecoded.log));
            }
            if args.explain || !args.explain_rule.is_empty() {
                t.push('\n');
            }
            Rendered::Text(t)
        }
        Format::Ndjson => {
            let mut t = event_json(e, &why, args.explain, manager).to_string();
            t.push('\n');
            Rendered::Text(t)
        }
        Format::Json => Rendered::Json(event_json(e, &why, args.explain, manager)),
    }
}

/// Runs `f` on every item on its own scoped thread; results in item order.
fn parallel<I, T, R, F>(items: I, f: F) -> Vec<R>
where
    I: Iterator<Item = T>,
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items.map(|item| scope.spawn(move || f(item))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Lines per thread in one batch of `--jobs`.
const PARALLEL_BATCH_PER_JOB: usize = 1024;

/// The number of threads `--jobs` may use with this ruleset; says on
/// stderr why it is one when more were asked for.
fn jobs(asked: usize, ruleset: &Ruleset, err: &mut impl Write) -> usize {
    let asked = match asked {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    if asked <= 1 {
        return 1;
    }
    let reasons = ruleset.cross_event_state();
    if reasons.is_empty() {
        return asked;
    }
    let _ = writeln!(
        err,
        "note: --jobs {asked}: evaluating on one thread, because the ruleset links events \
         (a verdict depends on earlier events):"
    );
    for r in &reasons {
        let _ = writeln!(err, "  - {r}");
    }
    1
}

/// The input lines: the embedded example's events, or each file (`-`:
/// stdin) read line by line. Only the LF is removed, like logtest's
/// reader (decoding.md R4.1.1); invalid UTF-8 is replaced.
fn input_lines(
    args: &ValidateArgs,
) -> Result<Box<dyn Iterator<Item = Result<String, String>> + '_>, String> {
    if args.events.is_empty() && !load::has_ruleset(&args.ruleset) {
        return Ok(Box::new(
            defaults::FALCO_EVENTS.lines().map(|l| Ok(l.to_string())),
        ));
    }
    let inputs: Vec<std::path::PathBuf> = if args.events.is_empty() {
        vec!["-".into()]
    } else {
        args.events.clone()
    };
    let mut readers = Vec::new();
    for input in inputs {
        let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
            Box::new(BufReader::new(io::stdin()))
        } else {
            Box::new(BufReader::new(
                File::open(&input).map_err(|e| format!("{}: {e}", input.display()))?,
            ))
        };
        readers.push(reader);
    }
    Ok(Box::new(readers.into_iter().flat_map(|r| {
        r.split(b'\n').map(|line| {
            let bytes = line.map_err(|e| e.to_string())?;
            Ok(String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
        })
    })))
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
    let options = SessionOptions {
        manager_name: manager.clone(),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut summary = Summary::default();
    let mut all = Vec::new();
    let tracing = args.explain || !args.explain_rule.is_empty();
    let now = || match fixed_now {
        Some(n) => n,
        None => clock::system(),
    };
    // One event through a session: the verdict, and the trace when asked.
    let run_event = |session: &mut Session, event: &str| -> Explanation {
        session.set_now(now());
        if tracing {
            session.explain(event, &args.location)
        } else {
            Explanation {
                verdict: session.evaluate(event, &args.location),
                decoders: Vec::new(),
                rules: Vec::new(),
            }
        }
    };
    let render = |e: &Explanation| render_event(e, args, &ruleset, &manager);
    // Prints the rendering of one or more events and counts them.
    let mut emit = |counted: &[Counted], r: Rendered| -> io::Result<()> {
        for &c in counted {
            summary.add(c);
        }
        match r {
            Rendered::Text(t) => out.write_all(t.as_bytes()),
            Rendered::Json(j) => {
                all.push(j);
                Ok(())
            }
        }
    };
    let io_err = |e: io::Error| e.to_string();
    let jobs = jobs(args.jobs, &ruleset, &mut err);
    let mut lines = input_lines(args)?;
    if jobs <= 1 {
        let mut session = Session::new(&ruleset, options.clone());
        while let Some(line) = lines.next().transpose()? {
            for event in predecode::frame_line(&line) {
                let e = run_event(&mut session, event);
                emit(&[Counted::of(&e.verdict)], render(&e)).map_err(io_err)?;
            }
        }
    } else {
        // Batches of lines, each cut into `jobs` runs. Fresh sessions
        // evaluate the runs on their own threads; events are independent
        // (checked above) except for `firedtimes`, which is recounted in
        // input order before the threads render. Output keeps the input
        // order, and memory is bounded by the batch.
        let mut fired: HashMap<u32, u32> = HashMap::new();
        let batch_len = PARALLEL_BATCH_PER_JOB * jobs;
        loop {
            let mut batch = Vec::with_capacity(batch_len);
            while batch.len() < batch_len {
                match lines.next().transpose()? {
                    Some(line) => batch.push(line),
                    None => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let per_thread = batch.len().div_ceil(jobs);
            if args.format == Format::Text {
                // The text layouts do not show `firedtimes`: each thread
                // evaluates and renders in one pass.
                // One text per thread and batch: few allocations cross
                // threads.
                let runs: Vec<(Vec<Counted>, String)> =
                    parallel(batch.chunks(per_thread), |chunk| {
                        let mut session = Session::new(&ruleset, options.clone());
                        let mut counted = Vec::with_capacity(chunk.len());
                        let mut text = String::new();
                        for event in chunk.iter().flat_map(|line| predecode::frame_line(line)) {
                            let e = run_event(&mut session, event);
                            counted.push(Counted::of(&e.verdict));
                            if let Rendered::Text(t) = render(&e) {
                                text.push_str(&t);
                            }
                        }
                        (counted, text)
                    });
                for (counted, text) in runs {
                    emit(&counted, Rendered::Text(text)).map_err(io_err)?;
                }
                continue;
            }
            let mut runs: Vec<Vec<Explanation>> = parallel(batch.chunks(per_thread), |chunk| {
                let mut session = Session::new(&ruleset, options.clone());
                chunk
                    .iter()
                    .flat_map(|line| predecode::frame_line(line))
                    .map(|event| run_event(&mut session, event))
                    .collect()
            });
            for e in runs.iter_mut().flatten() {
                if let Some(r) = &mut e.verdict.rule {
                    let n = fired.entry(r.id).or_default();
                    *n += 1;
                    r.firedtimes = *n;
                }
            }
            let rendered: Vec<Vec<Rendered>> =
                parallel(runs.iter(), |run| run.iter().map(render).collect());
            for (e, r) in runs.iter().flatten().zip(rendered.into_iter().flatten()) {
                emit(&[Counted::of(&e.verdict)], r).map_err(io_err)?;
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
