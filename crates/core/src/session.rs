//! The public API: load sources into a [`Ruleset`], then evaluate events in a
//! [`Session`] to get [`Verdict`]s. Both the CLI and the web app call only this.

use crate::decoder::{DecoderFile, DecoderMatch, DecoderSet, DecoderState};
use crate::diagnostic::{Diagnostic, Severity};
use crate::event::{Event, Fields, Predecoded};
use crate::explain::Explanation;
use crate::predecode;
use crate::render::description;
pub use crate::rule::eval::Now;
use crate::rule::eval::{EventCtx, MatchState, Matcher};
use crate::rule::lists::CdbList;
use crate::rule::load::{load_file, LoadCtx};
use crate::rule::{Rule, RuleTree};
use crate::trace::{NoTrace, RecordTrace, Tracer};
use crate::xml;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// One input file: its name (a path; the basename decides the load order)
/// and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Everything a ruleset is made of. `lists` are registered under their
/// `name` (e.g. `etc/lists/audit-keys`), which `<list>` must repeat exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub decoders: Vec<Source>,
    pub rules: Vec<Source>,
    pub lists: Vec<Source>,
}

/// Load options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// `<log_alert_level>`: minimum level that alerts (rules.md §5.4).
    pub alert_level: u32,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { alert_level: 3 }
    }
}

/// A compiled, immutable ruleset.
#[derive(Debug, Clone)]
pub struct Ruleset {
    decoders: DecoderSet,
    tree: RuleTree,
    lists: Vec<CdbList>,
    max_timeframe: i64,
    alert_level: u32,
}

/// Result of [`Ruleset::load`]: the ruleset unless an Error diagnostic was
/// raised (Wazuh would refuse to start), and every diagnostic.
#[derive(Debug)]
pub struct Loaded {
    pub ruleset: Option<Ruleset>,
    pub diagnostics: Vec<Diagnostic>,
}

fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Wazuh sorts all files by basename, byte-wise (rules.md R1.1.4, decoding.md R5.1.1).
fn load_order(sources: &[Source]) -> Vec<&Source> {
    let mut v: Vec<&Source> = sources.iter().collect();
    v.sort_by(|a, b| {
        basename(&a.name)
            .as_bytes()
            .cmp(basename(&b.name).as_bytes())
    });
    v
}

impl Ruleset {
    pub fn load(sources: &Sources) -> Loaded {
        Self::load_with(sources, &LoadOptions::default())
    }

    pub fn load_with(sources: &Sources, options: &LoadOptions) -> Loaded {
        let mut diagnostics = Vec::new();
        let mut files = Vec::new();
        for s in load_order(&sources.decoders) {
            let name: Arc<str> = Arc::from(s.name.as_str());
            match xml::parse(&name, &s.text) {
                Ok(roots) => files.push(DecoderFile { file: name, roots }),
                Err(d) => diagnostics.push(d),
            }
        }
        let (decoders, mut ddiags) = DecoderSet::load(&files);
        diagnostics.append(&mut ddiags);

        let mut lists = Vec::new();
        let mut list_index = HashMap::new();
        for l in &sources.lists {
            // rules.md R7.1.1: the text path and its `.cdb` are both names.
            let path = match l.name.find(".cdb") {
                Some(i) => &l.name[..i],
                None => l.name.as_str(),
            };
            list_index.insert(path.to_string(), lists.len());
            list_index.insert(format!("{path}.cdb"), lists.len());
            lists.push(CdbList::parse(&l.text));
        }

        let mut tree = RuleTree::default();
        // The rule records are large: room for all of them up front instead
        // of copying them as the vector grows (an estimate; W3).
        let estimate: usize = sources
            .rules
            .iter()
            .map(|s| memchr::memmem::find_iter(s.text.as_bytes(), b"<rule ").count())
            .sum();
        tree.reserve(estimate);
        for s in load_order(&sources.rules) {
            let name: Arc<str> = Arc::from(s.name.as_str());
            match xml::parse(&name, &s.text) {
                Ok(roots) => {
                    let mut ctx = LoadCtx {
                        decoders: &decoders,
                        lists: &list_index,
                        tree: &mut tree,
                        diags: &mut diagnostics,
                    };
                    load_file(&name, &roots, s.text.is_empty(), &mut ctx);
                }
                Err(d) => diagnostics.push(d),
            }
        }
        // rules.md R4.1.2 (_setlevels): back from the scaled level.
        for r in &mut tree.rules {
            r.level = match r.k {
                9900 => 0,
                k if k >= 100 => k / 100,
                k => k,
            };
        }
        tree.index();
        let max_timeframe = tree
            .rules
            .iter()
            .map(|r| i64::from(r.timeframe))
            .max()
            .unwrap_or(0);
        let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
        Loaded {
            ruleset: (!failed).then_some(Ruleset {
                decoders,
                tree,
                lists,
                max_timeframe,
                alert_level: options.alert_level,
            }),
            diagnostics,
        }
    }

    pub fn decoders(&self) -> &DecoderSet {
        &self.decoders
    }

    pub fn tree(&self) -> &RuleTree {
        &self.tree
    }

    /// Whether any loaded rule keeps state across events.
    pub fn has_stateful_rules(&self) -> bool {
        self.tree.rules.iter().any(|r| r.is_stateful())
    }

    /// What makes the verdict of one event depend on earlier events of the
    /// session, one readable reason per kind (empty: events are
    /// independent and may be evaluated in any order, e.g. on several
    /// threads). `firedtimes` is not listed: it only counts, and a caller
    /// that splits the stream can recount it in order.
    pub fn cross_event_state(&self) -> Vec<String> {
        fn reason(what: &str, ids: &[u32]) -> Option<String> {
            let (first, more) = ids.split_first()?;
            let more = if more.is_empty() {
                String::new()
            } else {
                format!(" and {} more", more.len())
            };
            Some(format!("{what}: rule {first}{more}"))
        }
        let rules = &self.tree.rules;
        let ids = |f: &dyn Fn(&Rule) -> bool| -> Vec<u32> {
            rules.iter().filter(|r| f(r)).map(|r| r.id).collect()
        };
        let mut out: Vec<String> = [
            (
                "frequency, timeframe or if_matched_* (rules.md R4.8)",
                ids(&|r| r.is_stateful() && !r.check_diff),
            ),
            ("ignore (rules.md R5.4)", ids(&|r| r.ignore_time > 0)),
            ("check_diff", ids(&|r| r.check_diff)),
            ("if_fts (first time seen)", ids(&|r| r.if_fts)),
        ]
        .iter()
        .filter_map(|(what, ids)| reason(what, ids))
        .collect();
        for d in &self.decoders.decoders {
            if d.accumulate {
                out.push(format!(
                    "accumulate: decoder '{}' (decoding.md §5.11)",
                    d.name
                ));
            } else if d.plugin == Some(crate::decoder::Plugin::SonicWall) {
                out.push(format!(
                    "the SonicWall plugin: decoder '{}' keeps the type it sets",
                    d.name
                ));
            }
        }
        out.dedup();
        out
    }
}

/// Session options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOptions {
    /// The manager's short host name, used for lines without a header host
    /// name (decoding.md R4.7.2).
    pub manager_name: String,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            manager_name: "rulelab".to_string(),
        }
    }
}

/// The rule part of a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVerdict {
    pub id: u32,
    pub level: u32,
    pub description: String,
    /// Shared with every verdict of the rule (made once per rule).
    pub groups: Arc<[String]>,
    pub firedtimes: u32,
    pub mitre_ids: Vec<String>,
    pub mitre_tactics: Vec<String>,
    pub mitre_techniques: Vec<String>,
    /// `(kind, text)` of each `<info>`, kind as logtest prints it.
    pub info: Arc<[(String, String)]>,
    pub info_text: String,
    pub cve: String,
    /// Compliance arrays from group prefixes (`pci_dss`, `gdpr`, ...).
    pub compliance: Arc<[(String, Vec<String>)]>,
    pub mail: bool,
    /// Frequency attribute of a stateful rule.
    pub frequency: Option<u32>,
    pub no_full_log: bool,
    pub no_counter: bool,
    pub previous_output: Vec<String>,
}

/// Everything rulelab knows about one evaluated event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub predecoded: Predecoded,
    pub decoder: Option<DecoderMatch>,
    /// Field assignments in order, as phase 2 prints them.
    pub fields: Fields,
    pub rule: Option<RuleVerdict>,
    /// Whether Wazuh would raise an alert.
    pub alert: bool,
}

/// Evaluation state over a stream of events (rules.md §5.5).
pub struct Session<'r> {
    ruleset: &'r Ruleset,
    options: SessionOptions,
    state: MatchState,
    decoder_state: DecoderState,
    /// Per decoder element (index of [`DecoderSet::elements`]): how many
    /// events it decoded, as top-level decoder or as the winning child.
    decoder_hits: Vec<u32>,
    now: Now,
}

impl<'r> Session<'r> {
    pub fn new(ruleset: &'r Ruleset, options: SessionOptions) -> Session<'r> {
        Session {
            ruleset,
            options,
            state: MatchState::new(&ruleset.tree),
            decoder_state: DecoderState::new(),
            decoder_hits: vec![0; ruleset.decoders.len()],
            now: Now::default(),
        }
    }

    /// Per rule of [`RuleTree::rules`]: how many events of this session
    /// satisfied the rule's conditions (on the way to the final rule or as it).
    pub fn rule_hits(&self) -> &[u32] {
        &self.state.hits
    }

    /// Per decoder element of [`DecoderSet::elements`]: how many events of
    /// this session it decoded (as the top-level decoder or the winning child).
    pub fn decoder_hits(&self) -> &[u32] {
        &self.decoder_hits
    }

    /// Sets the clock used for the next events (timeframes, time, weekday).
    pub fn set_now(&mut self, now: Now) {
        self.now = now;
    }

    /// Evaluates one event received at `location` (already framed: see
    /// [`predecode::frame_line`]).
    pub fn evaluate(&mut self, message: &str, location: &str) -> Verdict {
        self.evaluate_with(message, location, &mut NoTrace)
    }

    /// [`evaluate`](Self::evaluate), also recording the rule search: every
    /// rule tried, in order and depth, and for each failure the first gate
    /// that stopped it. The session state advances exactly as with
    /// `evaluate`.
    pub fn explain(&mut self, message: &str, location: &str) -> Explanation {
        let mut trace = RecordTrace::default();
        let verdict = self.evaluate_with(message, location, &mut trace);
        Explanation {
            verdict,
            decoders: trace.decoders,
            rules: trace.rules,
        }
    }

    fn evaluate_with<T: Tracer>(
        &mut self,
        message: &str,
        location: &str,
        tracer: &mut T,
    ) -> Verdict {
        let pre = predecode::predecode(location, message, &self.options.manager_name);
        let mut event = Event::new(pre);
        // The accumulator (decoding.md §5.11) runs per session, like logtest.
        self.decoder_state.now = self.now.epoch_secs;
        let decoder = self
            .ruleset
            .decoders
            .decode_with_tracer(&mut event, &mut self.decoder_state, tracer)
            .map(|(m, [top, info])| {
                self.decoder_hits[top] = self.decoder_hits[top].saturating_add(1);
                if info != top {
                    self.decoder_hits[info] = self.decoder_hits[info].saturating_add(1);
                }
                m
            });
        let matcher = Matcher {
            tree: &self.ruleset.tree,
            lists: &self.ruleset.lists,
            max_timeframe: self.ruleset.max_timeframe,
        };
        let mut ctx = EventCtx {
            event: &event,
            decoder: decoder.as_ref(),
            now: self.now,
            matched: 0,
            previous_output: Vec::new(),
            // The plugin names the rule as text; Wazuh's rule hash is keyed
            // by the decimal id, so `05715` names nothing.
            forwarded: event
                .forwarded_rule
                .as_deref()
                .and_then(|id| id.parse::<u32>().ok().filter(|n| n.to_string() == id))
                .and_then(|id| self.ruleset.tree.by_id.get(&id).copied()),
        };
        let outcome = matcher.run(&mut self.state, &mut ctx, tracer);
        let rule = outcome.as_ref().map(|o| {
            let r = &self.ruleset.tree.rules[o.rule];
            let shown = self.ruleset.tree.shown(o.rule);
            RuleVerdict {
                id: r.id,
                level: r.level,
                description: description::render(&r.description, &event),
                groups: shown.groups.clone(),
                firedtimes: o.firedtimes,
                mitre_ids: r.mitre_ids.clone(),
                mitre_tactics: r.mitre_tactics.clone(),
                mitre_techniques: r.mitre_techniques.clone(),
                info: shown.info.clone(),
                info_text: r.info_text.clone(),
                cve: r.cve.clone(),
                compliance: shown.compliance.clone(),
                mail: (r.level >= 12 || r.options.alert_by_email) && !r.options.no_email_alert,
                frequency: if r.is_stateful() {
                    r.frequency_attr.or(Some(r.frequency + 2))
                } else {
                    None
                },
                no_full_log: r.options.no_full_log,
                no_counter: r.options.no_counter,
                previous_output: o.previous_output.clone(),
            }
        });
        let alert = outcome.as_ref().is_some_and(|o| {
            o.alert && self.ruleset.tree.rules[o.rule].level >= self.ruleset.alert_level
        });
        Verdict {
            fields: event.take_fields(),
            predecoded: event.pre,
            decoder,
            rule,
            alert,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{GateReason, RuleStep};

    /// decoding.md §6.7, rules.md R5.2.2: a forwarded OSSEC alert reports the
    /// rule it names (the standalone test mode), without checking that
    /// rule's conditions; an unknown id reports nothing.
    #[test]
    fn forwarded_ossec_alert_reports_the_named_rule() {
        let sources = Sources {
            decoders: vec![Source::new(
                "d.xml",
                r#"<decoder name="ossec-alert"><program_name>^ossec$</program_name><plugin_decoder>OSSECAlert_Decoder</plugin_decoder></decoder>"#,
            )],
            rules: vec![Source::new(
                "r.xml",
                r#"<group name="t,">
  <rule id="1" level="0" noalert="1"><category>syslog</category><description>template</description></rule>
  <rule id="100100" level="10"><match>never in this log</match><description>forwarded</description></rule>
</group>"#,
            )],
            lists: vec![],
        };
        let loaded = Ruleset::load(&sources);
        let ruleset = loaded.ruleset.expect("loads");
        let mut session = Session::new(&ruleset, SessionOptions::default());
        let line = |id: &str| {
            format!("Nov  1 10:00:00 srv ossec: Alert Level: 10; Rule: {id} - x; Location: (a) 1.2.3.4->/var/log/auth.log; srcip: 5.6.7.8;  sshd[1]: failure")
        };
        let v = session.evaluate(&line("100100"), "stdin");
        assert_eq!(
            v.decoder.as_ref().map(|d| d.kind.as_str()),
            Some(crate::decoder::OSSEC_ALERT_KIND)
        );
        assert_eq!(v.rule.as_ref().map(|r| (r.id, r.level)), Some((100100, 10)));
        assert!(v.alert);
        assert_eq!(v.predecoded.log, "sshd[1]: failure");
        assert_eq!(
            v.predecoded.location,
            "srv->stdin|(a) 1.2.3.4->/var/log/auth.log"
        );
        for unknown in ["999", "0100100"] {
            let v = session.evaluate(&line(unknown), "stdin");
            assert_eq!(v.rule, None, "{unknown}");
        }
    }

    /// rules.md R3.13.2: `if_fts` needs a decoder with `<fts>`; the line of
    /// decoder name and the selected fields must be new to the session.
    #[test]
    fn if_fts_matches_the_first_time_a_selection_is_seen() {
        let sources = Sources {
            decoders: vec![Source::new(
                "d.xml",
                r#"<decoder name="login"><prematch>^login </prematch><regex offset="after_prematch">^(\S+) from (\S+)</regex><order>user, srcip</order><fts>name, srcip</fts></decoder>
<decoder name="plain"><prematch>^plain </prematch><regex offset="after_prematch">^(\S+)</regex><order>srcip</order></decoder>"#,
            )],
            rules: vec![Source::new(
                "r.xml",
                r#"<group name="t,">
  <rule id="1" level="0" noalert="1"><category>syslog</category><description>template</description></rule>
  <rule id="100200" level="3"><if_sid>1</if_sid><match>^login|^plain</match><description>seen</description></rule>
  <rule id="100201" level="7"><if_sid>100200</if_sid><if_fts /><description>first time for $(srcip)</description></rule>
</group>"#,
            )],
            lists: vec![],
        };
        let ruleset = Ruleset::load(&sources).ruleset.expect("loads");
        let mut session = Session::new(&ruleset, SessionOptions::default());
        let mut id = |line: &str| session.evaluate(line, "stdin").rule.map(|r| r.id);
        assert_eq!(id("login bob from 1.2.3.4"), Some(100201));
        // Same source, other user: user is not selected, so not new.
        assert_eq!(id("login eve from 1.2.3.4"), Some(100200));
        assert_eq!(id("login bob from 5.6.7.8"), Some(100201));
        // A decoder without <fts> never satisfies if_fts.
        assert_eq!(id("plain 9.9.9.9"), Some(100200));
        assert_eq!(id("plain 9.9.9.9"), Some(100200));
        // A new session has a new store.
        let mut session = Session::new(&ruleset, SessionOptions::default());
        assert_eq!(
            session
                .evaluate("login bob from 1.2.3.4", "stdin")
                .rule
                .map(|r| r.id),
            Some(100201)
        );
    }

    /// Issue 6: the trace names the first failing gate of each rule tried.
    #[test]
    fn explain_reports_the_first_failing_gate() {
        let sources = Sources {
            decoders: crate::defaults::decoder_sources(),
            rules: vec![
                Source::new("0010-templates.xml", crate::defaults::RULES_CONFIG),
                Source::new(
                    "r.xml",
                    r#"<group name="t,">
  <rule id="100001" level="0"><decoded_as>json</decoded_as><field name="app">^shop$</field><description>shop</description></rule>
  <rule id="100002" level="5"><if_sid>100001</if_sid><field name="event">^refund$</field><description>refund</description></rule>
  <rule id="100003" level="6"><if_sid>100001</if_sid><field name="account" negate="yes">^root$</field><field name="event">^login$</field><description>login</description></rule>
  <rule id="100004" level="7"><if_sid>100001</if_sid><field name="missing">x</field><description>missing</description></rule>
  <rule id="100005" level="9" frequency="3" timeframe="60"><if_matched_sid>100002</if_matched_sid><description>many refunds</description></rule>
  <rule id="100006" level="3"><decoded_as>falco-syslog</decoded_as><description>other decoder</description></rule>
</group>"#,
                ),
            ],
            lists: vec![],
        };
        let ruleset = Ruleset::load(&sources).ruleset.expect("loads");
        let mut session = Session::new(&ruleset, SessionOptions::default());
        let failed = |steps: &[RuleStep], id: u32| {
            steps.iter().find_map(|s| match s {
                RuleStep::Failed { rule, gate } if *rule == id => Some(gate.clone()),
                _ => None,
            })
        };
        let e = session.explain(
            r#"{"app":"shop","event":"logout","account":"root"}"#,
            "stdin",
        );
        let (v, steps) = (e.verdict, e.rules);
        assert_eq!(v.rule.map(|r| r.id), Some(100001));
        // A field regex that does not match.
        let g = failed(&steps, 100002).unwrap();
        assert_eq!(
            (g.element.as_str(), g.reason, g.value.as_deref()),
            ("field name=\"event\"", GateReason::NoMatch, Some("logout"))
        );
        assert_eq!(
            (g.pattern.as_deref(), g.dialect.as_deref()),
            (Some("^refund$"), Some("osregex"))
        );
        // A negated condition whose pattern matched.
        let g = failed(&steps, 100003).unwrap();
        assert_eq!(g.reason, GateReason::Negated);
        // A field the event does not have.
        let g = failed(&steps, 100004).unwrap();
        assert_eq!((g.reason, g.value), (GateReason::FieldAbsent, None));
        // Depths: the children are tried one level below their parent.
        assert!(steps.contains(&RuleStep::Tried {
            rule: 100001,
            depth: 1
        }));
        assert!(steps.contains(&RuleStep::Tried {
            rule: 100002,
            depth: 2
        }));

        // A parent that failed: its children are never tried.
        let steps = session
            .explain(r#"{"app":"bank","event":"refund"}"#, "stdin")
            .rules;
        assert!(failed(&steps, 100001).is_some());
        assert!(!steps
            .iter()
            .any(|s| matches!(s, RuleStep::Tried { rule: 100002, .. })));
        // The next sibling is tried: its decoder does not apply.
        let g = failed(&steps, 100006).unwrap();
        assert_eq!(
            (g.element.as_str(), g.value.as_deref()),
            ("decoded_as", Some("json"))
        );
        assert_eq!(g.pattern.as_deref(), Some("falco-syslog"));

        // A stateful rule that has not seen enough events yet.
        let e = session.explain(r#"{"app":"shop","event":"refund"}"#, "stdin");
        let (v, steps) = (e.verdict, e.rules);
        assert_eq!(v.rule.map(|r| r.id), Some(100002));
        let g = failed(&steps, 100005).unwrap();
        assert!(g.element.starts_with("if_matched_"), "{g:?}");
        assert!(steps.contains(&RuleStep::Matched { rule: 100002 }));
    }

    /// Issue 8 (`validate --jobs`): the example ruleset has no state across
    /// events; correlation, ignore, check_diff and if_fts each give a reason.
    #[test]
    fn cross_event_state_names_what_links_events() {
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<Ruleset>();
        let example = Ruleset::load(&crate::defaults::falco_example())
            .ruleset
            .expect("loads");
        assert_eq!(example.cross_event_state(), Vec::<String>::new());
        let with = |rules: &str| {
            let sources = Sources {
                decoders: crate::defaults::decoder_sources(),
                rules: vec![
                    Source::new("0010-templates.xml", crate::defaults::RULES_CONFIG),
                    Source::new("r.xml", format!("<group name=\"t,\">{rules}</group>")),
                ],
                lists: vec![],
            };
            Ruleset::load(&sources)
                .ruleset
                .expect("loads")
                .cross_event_state()
        };
        let base = r#"<rule id="100001" level="3"><decoded_as>json</decoded_as><description>base</description></rule>"#;
        assert_eq!(with(base), Vec::<String>::new());
        let cases = [
            (
                r#"<rule id="100002" level="9" frequency="3" timeframe="60"><if_matched_sid>100001</if_matched_sid><description>x</description></rule>"#,
                "frequency, timeframe or if_matched_* (rules.md R4.8): rule 100002",
            ),
            (
                r#"<rule id="100003" level="5" ignore="60"><if_sid>100001</if_sid><description>x</description></rule>"#,
                "ignore (rules.md R5.4): rule 100003",
            ),
            (
                r#"<rule id="100004" level="5"><if_sid>100001</if_sid><check_diff /><description>x</description></rule>"#,
                "check_diff: rule 100004",
            ),
            (
                r#"<rule id="100005" level="5"><if_sid>100001</if_sid><if_fts /><description>x</description></rule>"#,
                "if_fts (first time seen): rule 100005",
            ),
        ];
        for (rule, reason) in cases {
            assert_eq!(
                with(&format!("{base}{rule}")),
                vec![reason.to_string()],
                "{rule}"
            );
        }
    }
}
