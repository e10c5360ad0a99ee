//! The one call into rulelab-core: load the workspace's sources and
//! evaluate its events in one session, in order (so frequency rules work).
//! The explain views replay that session up to one event (see [`Replay`]).

use crate::state::{FileKind, Workspace};
use rulelab_core::classify::DEFAULT_RULE_EXCLUDES;
use rulelab_core::explain::Line;
use rulelab_core::lint;
use rulelab_core::render::alert;
use rulelab_core::{
    defaults, predecode, Diagnostic, Explanation, Ruleset, Session, SessionOptions, Source,
    Sources, Verdict,
};
use std::rc::Rc;

/// Names of the panes' sources, as diagnostics show them.
pub const RULES_FILE: &str = "rules.xml";
pub const DECODERS_FILE: &str = "decoders.xml";

/// Most events evaluated per run; the rest are reported as skipped so a
/// huge paste cannot freeze the page.
pub const MAX_EVENTS: usize = 5_000;

/// The manager name for lines without a syslog host.
pub const MANAGER_NAME: &str = "rulelab";

/// One evaluated event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventView {
    /// 1-based line in the events pane.
    pub line: usize,
    pub verdict: Verdict,
    /// The alert as Wazuh would write it to alerts.json, pretty-printed.
    pub alert_json: String,
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    pub diagnostics: Vec<Diagnostic>,
    /// False when an error diagnostic stops the load (nothing evaluated).
    pub loaded: bool,
    pub events: Vec<EventView>,
    /// Events not evaluated because of [`MAX_EVENTS`].
    pub skipped: usize,
    /// Rules and decoders in the loaded ruleset.
    pub rule_count: usize,
    pub decoder_count: usize,
}

/// The workspace as core sources: built-ins (optional), uploaded files,
/// then the panes.
pub fn sources(ws: &Workspace) -> Sources {
    let mut s = Sources::default();
    if ws.builtin {
        s.decoders.extend(defaults::decoder_sources());
        s.rules.extend(defaults::rule_sources());
    }
    for f in &ws.files {
        let src = Source::new(f.path.clone(), f.text.clone());
        match f.kind {
            FileKind::Decoders => s.decoders.push(src),
            FileKind::Rules => {
                let base = f.path.rsplit(['/', '\\']).next().unwrap_or("");
                if !DEFAULT_RULE_EXCLUDES.contains(&base) {
                    s.rules.push(src);
                }
            }
            FileKind::List => s.lists.push(src),
        }
    }
    if !ws.decoders.trim().is_empty() {
        s.decoders
            .push(Source::new(DECODERS_FILE, ws.decoders.clone()));
    }
    if !ws.rules.trim().is_empty() {
        s.rules.push(Source::new(RULES_FILE, ws.rules.clone()));
    }
    if !ws.list.is_empty() && !ws.list_name.trim().is_empty() {
        s.lists
            .push(Source::new(ws.list_name.trim(), ws.list.clone()));
    }
    s
}

/// A loaded ruleset and what loading it said. The page keeps it while only
/// the events change, so typing events does not reload a big ruleset.
#[derive(Debug)]
pub struct LoadOutput {
    pub diagnostics: Vec<Diagnostic>,
    pub ruleset: Option<Ruleset>,
    /// Milliseconds the load took (0 outside a browser).
    pub millis: f64,
}

/// Loads the sources of a workspace (see [`sources`]) and lints them: the
/// page shows Wazuh's load diagnostics and `rulelab lint`'s findings for
/// everything but rulelab's built-in files.
pub fn load(sources: &Sources, clock: fn() -> f64) -> LoadOutput {
    let start = clock();
    let loaded = Ruleset::load(sources);
    let diagnostics = lint::lint_loaded(
        sources,
        &loaded,
        &|f| !f.starts_with("builtin/"),
        &lint::LintOptions::default(),
    );
    LoadOutput {
        diagnostics,
        ruleset: loaded.ruleset,
        millis: clock() - start,
    }
}

fn session(ruleset: &Ruleset) -> Session<'_> {
    Session::new(
        ruleset,
        SessionOptions {
            manager_name: MANAGER_NAME.to_string(),
        },
    )
}

/// The events' location (`stdin` when the option is blank).
fn location(ws: &Workspace) -> &str {
    match ws.location.trim() {
        "" => "stdin",
        l => l,
    }
}

/// The events of the events pane, framed as the CLI frames them, with
/// their 1-based line. A run and its replays see the same events in the
/// same order.
fn framed(ws: &Workspace) -> impl Iterator<Item = (usize, &str)> {
    ws.events.lines().enumerate().flat_map(|(i, line)| {
        predecode::frame_line(line)
            .into_iter()
            .map(move |e| (i + 1, e))
    })
}

/// Evaluates the workspace's events, in one session, on a loaded ruleset.
pub fn evaluate(load: &LoadOutput, ws: &Workspace) -> RunOutput {
    let mut out = RunOutput {
        diagnostics: load.diagnostics.clone(),
        loaded: load.ruleset.is_some(),
        events: Vec::new(),
        skipped: 0,
        rule_count: 0,
        decoder_count: 0,
    };
    let Some(ruleset) = &load.ruleset else {
        return out;
    };
    out.rule_count = ruleset.tree().rules.len();
    out.decoder_count = ruleset.decoders().len();
    let mut session = session(ruleset);
    let location = location(ws);
    for (n, (line, event)) in framed(ws).enumerate() {
        if n >= MAX_EVENTS {
            out.skipped += 1;
            continue;
        }
        let verdict = session.evaluate(event, location);
        let alert_json = serde_json::to_string_pretty(&alert::to_json(&verdict, MANAGER_NAME))
            .unwrap_or_default();
        out.events.push(EventView {
            line,
            verdict,
            alert_json,
        });
    }
    out
}

/// Event `index` (0-based, as in [`RunOutput::events`]) explained in the
/// state the run left it in: the session evaluates the events before it
/// first, so frequency rules count them as the run did. `None` when there
/// is no such event.
pub fn explain_event(ruleset: &Ruleset, ws: &Workspace, index: usize) -> Option<Explanation> {
    let mut session = session(ruleset);
    let location = location(ws);
    for (i, (_, event)) in framed(ws).enumerate().take(MAX_EVENTS) {
        if i == index {
            return Some(session.explain(event, location));
        }
        session.evaluate(event, location);
    }
    None
}

/// The explain tree of event `index` (see [`explain_event`]).
pub fn explain_lines(ruleset: &Ruleset, ws: &Workspace, index: usize) -> Option<Vec<Line>> {
    explain_event(ruleset, ws, index).map(|e| e.lines(ruleset))
}

/// Why rule `rule` did not fire for event `index` (see [`explain_event`]).
pub fn why_not_lines(
    ruleset: &Ruleset,
    ws: &Workspace,
    index: usize,
    rule: u32,
) -> Option<Vec<Line>> {
    let e = explain_event(ruleset, ws, index)?;
    Some(
        e.why_not(ruleset, rule)
            .lines(ruleset, &e.verdict.predecoded.log),
    )
}

/// What one run evaluated: the loaded ruleset and the workspace. The
/// explain views replay it on demand instead of recording every event's
/// steps on each run, which keeps typing fast.
///
/// Compared by identity: the page makes one per run.
#[derive(Debug)]
pub struct Replay {
    load: Rc<LoadOutput>,
    ws: Workspace,
}

impl PartialEq for Replay {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Replay {
    pub fn new(load: Rc<LoadOutput>, ws: Workspace) -> Replay {
        Replay { load, ws }
    }

    /// See [`explain_lines`]; `None` also when the ruleset does not load.
    pub fn tree(&self, index: usize) -> Option<Vec<Line>> {
        explain_lines(self.load.ruleset.as_ref()?, &self.ws, index)
    }

    /// See [`why_not_lines`]; `None` also when the ruleset does not load.
    pub fn why_not(&self, index: usize, rule: u32) -> Option<Vec<Line>> {
        why_not_lines(self.load.ruleset.as_ref()?, &self.ws, index, rule)
    }
}

/// Loads and evaluates the workspace (the page memoises the two steps
/// separately; tests use both at once).
#[cfg(test)]
pub fn run(ws: &Workspace) -> RunOutput {
    evaluate(&load(&sources(ws), || 0.0), ws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::UserFile;
    use rulelab_core::explain::Mark;

    fn rule(v: &EventView) -> Option<(u32, u32)> {
        v.verdict.rule.as_ref().map(|r| (r.id, r.level))
    }

    #[test]
    fn default_example_shows_the_warning_alert_at_level_8() {
        let out = run(&Workspace::default_example());
        assert!(out.loaded);
        // The example's rules show the integration's two lint findings.
        assert!(out
            .diagnostics
            .iter()
            .all(|d| d.code == "L006" || d.code == "L021"));
        assert_eq!(rule(&out.events[1]), Some((100603, 8)));
        assert!(out.events[1].alert_json.contains("\"level\": 8"));
    }

    #[test]
    fn a_broken_rule_file_is_a_diagnostic_not_a_crash() {
        let mut ws = Workspace::default_example();
        ws.rules = "<group name=\"x\"><rule id=\"1000\" level=\"3\"><match>a</match>".into();
        let out = run(&ws);
        assert!(!out.loaded);
        assert!(out.events.is_empty());
        let d = &out.diagnostics[0];
        assert_eq!(d.span.as_ref().map(|s| &*s.file), Some(RULES_FILE));
    }

    #[test]
    fn uploaded_files_and_list_pane_load() {
        let mut ws = Workspace::from_example(defaults::example("json-app").unwrap());
        // Move the list from the pane to an uploaded file.
        ws.files.push(UserFile {
            path: ws.list_name.clone(),
            kind: FileKind::List,
            text: ws.list.clone(),
        });
        ws.list.clear();
        let out = run(&ws);
        assert_eq!(rule(&out.events[2]), Some((100203, 9)));
        // Wazuh's default configuration leaves 0215-policy_rules.xml out.
        ws.files.push(UserFile {
            path: "ruleset/rules/0215-policy_rules.xml".into(),
            kind: FileKind::Rules,
            text: "not even xml".into(),
        });
        assert!(run(&ws).loaded);
    }

    #[test]
    fn lint_findings_show_with_the_load_diagnostics() {
        let mut ws = Workspace::default_example();
        ws.rules = "<group name=\"t,\">\n<rule id=\"100001\" level=\"3\">\n<match>a</match>\n<match>b</match>\n<description>x</description>\n</rule>\n</group>".into();
        let out = run(&ws);
        assert!(out.loaded);
        let codes: Vec<&str> = out.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["L002"]);
        // The built-in files are not linted.
        assert!(run(&Workspace::default_example())
            .diagnostics
            .iter()
            .all(|d| d
                .span
                .as_ref()
                .is_none_or(|s| !s.file.starts_with("builtin/"))));
    }

    #[test]
    fn events_beyond_the_cap_are_counted_not_run() {
        let mut ws = Workspace::default_example();
        ws.events = "{\"a\":1}\n".repeat(MAX_EVENTS + 3);
        let out = run(&ws);
        assert_eq!(out.events.len(), MAX_EVENTS);
        assert_eq!(out.skipped, 3);
    }

    fn ruleset(ws: &Workspace) -> Ruleset {
        load(&sources(ws), || 0.0).ruleset.expect("loads")
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn explain_replays_the_run() {
        let ws = Workspace::default_example();
        let rs = ruleset(&ws);
        let out = run(&ws);
        for (i, e) in out.events.iter().enumerate() {
            let x = explain_event(&rs, &ws, i).expect("an event");
            assert_eq!(x.verdict, e.verdict, "event {i}");
        }
        assert!(explain_event(&rs, &ws, out.events.len()).is_none());

        let lines = explain_lines(&rs, &ws, 0).unwrap();
        let pass = |text: &str| {
            lines
                .iter()
                .any(|l| l.mark == Mark::Pass && l.text.starts_with(text))
        };
        assert!(
            pass("rule 100600 (level 0): matched"),
            "{:#?}",
            texts(&lines)
        );
        assert!(pass("rule 100602 (level 6): matched"));
        assert!(pass("verdict: rule 100602 level 6, alert"));
        let failed = lines
            .iter()
            .find(|l| l.rule == Some(100605))
            .expect("100605 was tried");
        assert_eq!((failed.mark, failed.depth), (Mark::Fail, 3));
    }

    #[test]
    fn why_not_a_rule_for_one_event() {
        let ws = Workspace::default_example();
        let rs = ruleset(&ws);
        let t = texts(&why_not_lines(&rs, &ws, 0, 100605).unwrap());
        assert!(
            t[0].starts_with("why not rule 100605 (level 12)? rule 100602"),
            "{t:?}"
        );
        assert!(t.iter().any(|l| l.contains("chain 1 → 100600 → 100605")));
        assert!(
            t.iter().any(|l| l.starts_with("its own condition failed")),
            "{t:?}"
        );
        // The rule that fired, and a rule that does not exist.
        let t = texts(&why_not_lines(&rs, &ws, 0, 100602).unwrap());
        assert_eq!(t, ["rule 100602 (level 6) fired"]);
        let t = texts(&why_not_lines(&rs, &ws, 0, 42).unwrap());
        assert_eq!(t, ["no rule 42 is loaded"]);
        assert!(why_not_lines(&rs, &ws, 99, 100605).is_none());
    }

    #[test]
    fn explain_counts_the_events_before_for_frequency_rules() {
        let ws = Workspace::from_example(defaults::example("sshd").unwrap());
        let rs = ruleset(&ws);
        assert_eq!(rule(&run(&ws).events[6]), Some((100103, 10)));
        let x = explain_event(&rs, &ws, 6).unwrap();
        assert_eq!(x.verdict.rule.as_ref().map(|r| r.id), Some(100103));
        let lines = x.lines(&rs);
        assert!(lines
            .iter()
            .any(|l| l.mark == Mark::Pass && l.text == "rule 100103 (level 10): matched"));
        // The same line on its own is a single failure, not a brute force.
        let alone = Workspace {
            events: ws.events.lines().nth(6).unwrap().to_string(),
            ..ws.clone()
        };
        let x = explain_event(&rs, &alone, 0).unwrap();
        assert_ne!(x.verdict.rule.as_ref().map(|r| r.id), Some(100103));
        let t = texts(&why_not_lines(&rs, &alone, 0, 100103).unwrap());
        assert!(t.iter().any(|l| l.contains("frequency")), "{t:?}");
    }

    #[test]
    fn replay_without_a_ruleset_explains_nothing() {
        let mut ws = Workspace::default_example();
        ws.rules = "<group name=\"x\"><rule id=\"1000\" level=\"3\">".into();
        let replay = Replay::new(Rc::new(load(&sources(&ws), || 0.0)), ws);
        assert!(replay.tree(0).is_none());
        assert!(replay.why_not(0, 1000).is_none());
        let ws = Workspace::default_example();
        let replay = Replay::new(Rc::new(load(&sources(&ws), || 0.0)), ws);
        assert!(replay.tree(0).is_some());
        assert!(replay == replay && Replay::new(replay.load.clone(), replay.ws.clone()) != replay);
    }
}
