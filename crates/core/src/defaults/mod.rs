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
