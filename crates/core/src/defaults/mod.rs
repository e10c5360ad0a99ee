//! Built-in defaults, written by the rulelab project (not Wazuh's files): a
//! `json` decoder, so JSON events decode without a Wazuh installation, and
//! the Falco integration example that `rulelab validate` runs with no
//! arguments.

use crate::session::{Source, Sources};

/// Built-in decoders (`json`).
pub const DECODERS: &str = include_str!("decoders.xml");
/// Category templates (rule ids 1-7).
pub const RULES_CONFIG: &str = include_str!("rules_config.xml");
/// The Falco integration rules 100600-100607.
pub const FALCO_RULES: &str = include_str!("falco_rules.xml");
/// A dozen sample Falco alerts, one JSON object per line.
pub const FALCO_EVENTS: &str = include_str!("falco_events.jsonl");

/// The built-in category templates only.
pub fn rule_sources() -> Vec<Source> {
    vec![Source::new(
        "builtin/0010-rulelab_rules_config.xml",
        RULES_CONFIG,
    )]
}

/// The built-in decoders only.
pub fn decoder_sources() -> Vec<Source> {
    vec![Source::new(
        "builtin/0006-rulelab_json_decoders.xml",
        DECODERS,
    )]
}

/// The embedded example: built-in decoders plus the Falco rules.
pub fn falco_example() -> Sources {
    Sources {
        decoders: decoder_sources(),
        rules: vec![
            Source::new("builtin/0010-rulelab_rules_config.xml", RULES_CONFIG),
            Source::new("builtin/falco_rules.xml", FALCO_RULES),
        ],
        lists: Vec::new(),
    }
}

/// One playground example: sources and events written by the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// Stable identifier (used in share links).
    pub id: &'static str,
    pub title: &'static str,
    /// Decoders added to the built-in ones (may be empty).
    pub decoders: &'static str,
    pub rules: &'static str,
    /// CDB lists: (path a rule's `<list>` names, content).
    pub lists: &'static [(&'static str, &'static str)],
    pub events: &'static str,
    /// The events' location (`wazuh-logtest -l`).
    pub location: &'static str,
}

impl Example {
    /// The example's sources on top of the built-in decoders and templates.
    pub fn sources(&self) -> Sources {
        let mut s = Sources {
            decoders: decoder_sources(),
            rules: rule_sources(),
            lists: Vec::new(),
        };
        if !self.decoders.is_empty() {
            s.decoders.push(Source::new("decoders.xml", self.decoders));
        }
        s.rules.push(Source::new("rules.xml", self.rules));
        for (path, text) in self.lists {
            s.lists.push(Source::new(*path, *text));
        }
        s
    }
}

/// The playground's examples; the first is the default.
pub const EXAMPLES: [Example; 4] = [
    Example {
        id: "falco",
        title: "Falco integration",
        decoders: "",
        rules: FALCO_RULES,
        lists: &[],
        events: FALCO_EVENTS,
        location: "/var/log/falco/events.json",
    },
    Example {
        id: "sshd",
        title: "SSH brute force (syslog)",
        decoders: include_str!("examples/sshd/decoders.xml"),
        rules: include_str!("examples/sshd/rules.xml"),
        lists: &[],
        events: include_str!("examples/sshd/events.log"),
        location: "/var/log/auth.log",
    },
    Example {
        id: "json-app",
        title: "JSON app log + CDB list",
        decoders: "",
        rules: include_str!("examples/json_app/rules.xml"),
        lists: &[(
            "etc/lists/payments-admins",
            include_str!("examples/json_app/payments-admins"),
        )],
        events: include_str!("examples/json_app/events.log"),
        location: "/var/log/payments/app.json",
    },
    Example {
        id: "frequency",
        title: "Frequency rule",
        decoders: "",
        rules: include_str!("examples/frequency/rules.xml"),
        lists: &[],
        events: include_str!("examples/frequency/events.log"),
        location: "/var/log/gateway/access.json",
    },
];

/// The example with this id.
pub fn example(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Ruleset, Session, SessionOptions};

    /// (rule id, level) of each event of an example, in one session.
    fn verdicts(ex: &Example) -> Vec<Option<(u32, u32)>> {
        let loaded = Ruleset::load(&ex.sources());
        assert!(
            loaded.diagnostics.is_empty(),
            "{}: {:?}",
            ex.id,
            loaded.diagnostics
        );
        let ruleset = loaded.ruleset.expect("loads");
        let mut session = Session::new(&ruleset, SessionOptions::default());
        ex.events
            .lines()
            .map(|l| {
                session
                    .evaluate(l, ex.location)
                    .rule
                    .map(|r| (r.id, r.level))
            })
            .collect()
    }

    #[test]
    fn falco_example_maps_priorities_to_levels() {
        let v = verdicts(&EXAMPLES[0]);
        assert_eq!(v.len(), 12);
        assert!(v[..11]
            .iter()
            .all(|r| r.is_some_and(|(id, _)| (100600..=100607).contains(&id))));
        // The last line is JSON without the integration's marker field.
        assert_eq!(v[11], None);
        // The second alert is a Warning: level 8.
        assert_eq!(v[1], Some((100603, 8)));
    }

    #[test]
    fn sshd_example_detects_the_brute_force_on_the_sixth_failure() {
        let v = verdicts(example("sshd").unwrap());
        // Six failures from 203.0.113.7 (lines 1-4, 6, 7), one from another
        // address (line 5): the sixth from the same address fires 100103.
        let failed = Some((100101, 5));
        assert_eq!(
            v,
            [
                failed,
                failed,
                failed,
                failed,
                failed,
                failed,
                Some((100103, 10)),
                Some((100102, 3))
            ]
        );
    }

    #[test]
    fn json_app_example_uses_the_admin_list() {
        let v = verdicts(example("json-app").unwrap());
        assert_eq!(
            v,
            [
                Some((100201, 3)),
                Some((100202, 5)),
                // alice is in etc/lists/payments-admins.
                Some((100203, 9)),
                Some((100204, 12)),
                // A small refund: only the level-0 base rule.
                Some((100200, 0)),
                // Another application: no rule.
                None,
            ]
        );
    }

    #[test]
    fn frequency_example_fires_on_the_fifth_checkout_error() {
        let v = verdicts(example("frequency").unwrap());
        let error = Some((100301, 3));
        assert_eq!(
            v,
            [
                error,
                error,
                error,
                error,
                Some((100300, 0)),
                error,
                Some((100302, 12)),
            ]
        );
    }
}
