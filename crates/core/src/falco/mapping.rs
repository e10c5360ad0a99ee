//! The mapping from Falco alerts to Wazuh rules (issue 7): one short
//! description of the integration, from which [`super::compile`] writes every
//! file and against which [`super::check`] verifies a ruleset.
//!
//! A [`Mapping`] is always valid once built by [`Mapping::validate`];
//! [`MappingFile`] is its serialised, all-optional form (the CLI reads it
//! from TOML, `rulelab falco init --from`), so a file only names what it
//! changes.

use super::Priority;
use serde::{Deserialize, Serialize};

/// How Falco's alerts reach the Wazuh agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Falco's `file_output` writes JSON lines; the agent reads them with
    /// `log_format json`; Wazuh's `json` decoder decodes them.
    #[default]
    Json,
    /// Falco's `syslog_output` sends `falco: {json}` to the local syslog;
    /// the agent reads the syslog file; a `falco-syslog` decoder (program
    /// name `falco`) decodes the JSON after the header.
    Syslog,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Json => "json",
            Transport::Syslog => "syslog",
        }
    }

    pub fn parse(s: &str) -> Option<Transport> {
        match s {
            "json" => Some(Transport::Json),
            "syslog" => Some(Transport::Syslog),
            _ => None,
        }
    }

    /// The decoder name the base rule's `decoded_as` names.
    pub fn decoder(self) -> &'static str {
        match self {
            Transport::Json => "json",
            Transport::Syslog => SYSLOG_DECODER,
        }
    }
}

/// The decoder the syslog transport generates (the same name as rulelab's
/// built-in one, so loading both cannot change `decoded_as`).
pub const SYSLOG_DECODER: &str = "falco-syslog";

/// A Falco rule with its own Wazuh rule and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The Falco rule name, exactly as Falco writes it in `rule`.
    pub rule: String,
    pub level: u32,
    /// The Wazuh rule id; [`Mapping::validate`] assigns one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// The description; the mapping's template when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The Falco rule's tags; technique ids among them (`T1059`,
    /// `T1059.004`) become `<mitre><id>`s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The whole integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The level-0 base rule; priority rules take the next ids
    /// (`base + 1` Informational … `base + 7` Emergency, `base + 8` Debug).
    pub base_id: u32,
    /// The `<group name>` list, e.g. `falco`.
    pub groups: Vec<String>,
    /// The level of each priority, in [`Priority::ALL`] order; None = no rule
    /// (the event stops at the level-0 base rule and does not alert).
    pub levels: Vec<(Priority, Option<u32>)>,
    /// The priority rules' description; `$(field)` placeholders allowed.
    pub description: String,
    /// The `append_output` extra field that marks Falco's alerts (under
    /// `output_fields`), and its value.
    pub field: String,
    pub value: String,
    pub transport: Transport,
    /// The file Falco writes (json transport) or the syslog file the agent
    /// reads (syslog transport).
    pub path: String,
    /// `<options>no_full_log</options>` on every rule, as the integration.
    pub no_full_log: bool,
    pub overrides: Vec<Override>,
}

/// The integration's description template (the quotes are its own).
pub const DEFAULT_DESCRIPTION: &str = "\"Falco Alert - \" $(output)";

impl Default for Mapping {
    /// The Falco integration as documented: rules 100600-100607, levels
    /// 0/4/6/8/10/12/14/16, Debug without a rule, JSON file transport.
    fn default() -> Self {
        Mapping {
            base_id: 100_600,
            groups: vec!["falco".to_string()],
            levels: Priority::ALL
                .iter()
                .map(|&p| (p, Some(p.default_level()).filter(|&l| l > 0)))
                .collect(),
            description: DEFAULT_DESCRIPTION.to_string(),
            field: "wazuh_integration".to_string(),
            value: "falco".to_string(),
            transport: Transport::Json,
            path: default_path(Transport::Json).to_string(),
            no_full_log: true,
            overrides: Vec::new(),
        }
    }
}

/// Where each transport's file usually is.
pub fn default_path(t: Transport) -> &'static str {
    match t {
        Transport::Json => "/var/log/falco_events.json",
        Transport::Syslog => "/var/log/syslog",
    }
}

/// A priority's level in a mapping file: a number, or `"none"` for no rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LevelSpec {
    Level(u32),
    Named(String),
}

/// The serialised form: every key optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub base_id: Option<u32>,
    pub groups: Option<Vec<String>>,
    /// Priority name (as Falco writes it) → level or `"none"`.
    pub levels: Option<std::collections::BTreeMap<String, LevelSpec>>,
    pub description: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub transport: Option<String>,
    pub path: Option<String>,
    pub no_full_log: Option<bool>,
    #[serde(rename = "override")]
    pub overrides: Option<Vec<Override>>,
}

/// The technique ids among Falco tags: `T` + 4 digits, optionally `.` + 3.
pub fn mitre_ids_from_tags(tags: &[String]) -> Vec<String> {
    let is_id = |t: &str| {
        let b = t.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        match b.len() {
            5 => b[0] == b'T' && digits(&b[1..]),
            9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
            _ => false,
        }
    };
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        if is_id(t) && !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// A problem with a mapping, with a stable code (docs/codes/falco.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingError {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}

fn err(code: &'static str, message: impl Into<String>) -> MappingError {
    MappingError {
        code,
        message: message.into(),
    }
}

/// Text that goes into XML element content: Wazuh's reader decodes no
/// entities (rules.md R1.2.1), so `<` cannot be written at all.
fn xml_safe(what: &str, s: &str, errors: &mut Vec<MappingError>) {
    if s.contains('<') || s.contains('>') {
        errors.push(err(
            "F003",
            format!("{what} {s:?} contains '<' or '>', which Wazuh's XML reader cannot read in element text"),
        ));
    }
}

impl Mapping {
    /// The rule id of a priority.
    pub fn priority_id(&self, p: Priority) -> u32 {
        let offset = match p {
            Priority::Informational => 1,
            Priority::Notice => 2,
            Priority::Warning => 3,
            Priority::Error => 4,
            Priority::Critical => 5,
            Priority::Alert => 6,
            Priority::Emergency => 7,
            Priority::Debug => 8,
        };
        self.base_id + offset
    }

    /// The level of a priority (None = no rule).
    pub fn level(&self, p: Priority) -> Option<u32> {
        self.levels
            .iter()
            .find(|(q, _)| *q == p)
            .and_then(|(_, l)| *l)
    }

    /// Sets the level of a priority (None = no rule).
    pub fn set_level(&mut self, p: Priority, level: Option<u32>) {
        match self.levels.iter_mut().find(|(q, _)| *q == p) {
            Some(slot) => slot.1 = level,
            None => self.levels.push((p, level)),
        }
    }

    /// Applies a mapping file on top of `self`.
    pub fn apply(&mut self, f: MappingFile) -> Result<(), Vec<MappingError>> {
        let mut errors = Vec::new();
        if let Some(v) = f.base_id {
            self.base_id = v;
        }
        if let Some(v) = f.groups {
            self.groups = v;
        }
        if let Some(levels) = f.levels {
            for (name, spec) in levels {
                let Some(p) = Priority::parse(&name) else {
                    errors.push(err("F005", format!("unknown Falco priority {name:?}; Falco writes Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug")));
                    continue;
                };
                match spec {
                    LevelSpec::Level(l) => self.set_level(p, Some(l)),
                    LevelSpec::Named(s) if s == "none" => self.set_level(p, None),
                    LevelSpec::Named(s) => errors.push(err(
                        "F001",
                        format!("level of {name} is {s:?}; write a number 0-16 or \"none\""),
                    )),
                }
            }
        }
        if let Some(v) = f.description {
            self.description = v;
        }
        if let Some(v) = f.field {
            self.field = v;
        }
        if let Some(v) = f.value {
            self.value = v;
        }
        if let Some(v) = f.transport {
            match Transport::parse(&v) {
                Some(t) => {
                    if f.path.is_none() && self.path == default_path(self.transport) {
                        self.path = default_path(t).to_string();
                    }
                    self.transport = t;
                }
                None => errors.push(err(
                    "F004",
                    format!("unknown transport {v:?}; write \"json\" or \"syslog\""),
                )),
            }
        }
        if let Some(v) = f.path {
            self.path = v;
        }
        if let Some(v) = f.no_full_log {
            self.no_full_log = v;
        }
        if let Some(v) = f.overrides {
            self.overrides = v;
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks the mapping and assigns the missing override ids
    /// (`base + 10`, `base + 11`, ... skipping ids in use).
    pub fn validate(&mut self) -> Result<(), Vec<MappingError>> {
        let mut errors = Vec::new();
        if self.base_id == 0 || self.base_id > 999_990 {
            errors.push(err(
                "F002",
                format!(
                    "base rule id {} is out of range; Wazuh rule ids are 1-999999 and custom rules use 100000-120000",
                    self.base_id
                ),
            ));
        }
        for (p, l) in &self.levels {
            if let Some(l) = l {
                if *l > 16 {
                    errors.push(err(
                        "F001",
                        format!("level {l} of {} is above 16, Wazuh's highest", p.as_str()),
                    ));
                }
            }
        }
        if self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|g| g.trim().is_empty() || g.contains(','))
        {
            errors.push(err("F003", "groups must be non-empty names without commas"));
        }
        if self.field.trim().is_empty() || self.value.is_empty() {
            errors.push(err("F003", "the marker field and value must not be empty"));
        }
        if self.field.contains(['"', '<', '>', ' ']) {
            errors.push(err(
                "F003",
                format!(
                    "marker field {:?} cannot be a JSON key Wazuh reads in <field name>",
                    self.field
                ),
            ));
        }
        xml_safe("the description", &self.description, &mut errors);
        xml_safe("the marker value", &self.value, &mut errors);
        for g in &self.groups {
            xml_safe("the group", g, &mut errors);
        }
        // Ids: base, the priority rules, then the overrides.
        let mut used: Vec<u32> = vec![self.base_id];
        used.extend(
            Priority::ALL
                .iter()
                .filter(|&&p| self.level(p).is_some())
                .map(|&p| self.priority_id(p)),
        );
        for o in &self.overrides {
            if let Some(id) = o.id {
                if used.contains(&id) {
                    errors.push(err(
                        "F002",
                        format!("override of {:?}: rule id {id} is already used", o.rule),
                    ));
                }
                used.push(id);
            }
        }
        let mut next = self.base_id.saturating_add(10);
        for o in &mut self.overrides {
            if o.level > 16 {
                errors.push(err(
                    "F001",
                    format!("override of {:?}: level {} is above 16", o.rule, o.level),
                ));
            }
            if o.rule.is_empty() {
                errors.push(err("F003", "an override names no Falco rule"));
            }
            xml_safe("the Falco rule name", &o.rule, &mut errors);
            if let Some(d) = &o.description {
                xml_safe("the description", d, &mut errors);
            }
            if o.id.is_none() {
                while used.contains(&next) {
                    next += 1;
                }
                o.id = Some(next);
                used.push(next);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_integration() {
        let m = Mapping::default();
        let ladder: Vec<(u32, Option<u32>)> = Priority::ALL
            .iter()
            .map(|&p| (m.priority_id(p), m.level(p)))
            .collect();
        assert_eq!(
            ladder,
            [
                (100607, Some(16)),
                (100606, Some(14)),
                (100605, Some(12)),
                (100604, Some(10)),
                (100603, Some(8)),
                (100602, Some(6)),
                (100601, Some(4)),
                (100608, None),
            ]
        );
    }

    #[test]
    fn files_apply_and_validate() {
        let mut m = Mapping::default();
        let f = MappingFile {
            transport: Some("syslog".into()),
            levels: Some(
                [
                    ("Debug".to_string(), LevelSpec::Level(2)),
                    ("Informational".to_string(), LevelSpec::Named("none".into())),
                ]
                .into_iter()
                .collect(),
            ),
            overrides: Some(vec![Override {
                rule: "Terminal shell in container".into(),
                level: 9,
                id: None,
                description: None,
                tags: vec![],
            }]),
            ..MappingFile::default()
        };
        m.apply(f).unwrap();
        m.validate().unwrap();
        assert_eq!(m.transport, Transport::Syslog);
        assert_eq!(m.path, "/var/log/syslog");
        assert_eq!(m.level(Priority::Debug), Some(2));
        assert_eq!(m.level(Priority::Informational), None);
        assert_eq!(m.overrides[0].id, Some(100610));

        let mut bad = Mapping::default();
        let e = bad
            .apply(MappingFile {
                levels: Some(
                    [("Info".to_string(), LevelSpec::Level(3))]
                        .into_iter()
                        .collect(),
                ),
                transport: Some("kafka".into()),
                ..MappingFile::default()
            })
            .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["F005", "F004"]);

        let mut bad = Mapping::default();
        bad.set_level(Priority::Alert, Some(17));
        bad.description = "a <b>".into();
        bad.overrides.push(Override {
            rule: "x".into(),
            level: 3,
            id: Some(100600),
            description: None,
            tags: vec![],
        });
        let codes: Vec<&str> = bad.validate().unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["F001", "F003", "F002"]);
    }

    #[test]
    fn technique_ids_from_tags() {
        let tags: Vec<String> = [
            "T1059",
            "container",
            "mitre_execution",
            "TA0003",
            "T1059.004",
            "T1059",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(mitre_ids_from_tags(&tags), ["T1059", "T1059.004"]);
    }
}
