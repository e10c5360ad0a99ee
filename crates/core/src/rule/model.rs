//! The compiled rule: every element and attribute of rules.md §2-3 in a form
//! that matching can use directly.

use super::ip::IpEntry;
use super::lists::Lookup;
use super::time::TimeRange;
use crate::diagnostic::Span;
use crate::event::StaticField;
use crate::pattern::Pattern;
use std::sync::Arc;

/// How one field condition compares.
#[derive(Debug, Clone)]
pub enum Matcher {
    Pattern(Pattern),
    /// `action`'s default: exact, case-sensitive equality (rules.md R3.0.1).
    Exact(String),
}

impl Matcher {
    pub fn is_match(&self, value: &str) -> bool {
        self.is_match_lower(value, None)
    }

    /// [`Matcher::is_match`] given also `value` lower-cased (see
    /// `Pattern::is_match_lower`).
    pub(crate) fn is_match_lower(
        &self,
        value: &str,
        lower: Option<crate::pattern::fold::Lowered>,
    ) -> bool {
        match self {
            Matcher::Pattern(p) => p.is_match_lower(value.as_bytes(), lower),
            Matcher::Exact(s) => s == value,
        }
    }

    pub fn source(&self) -> &str {
        match self {
            Matcher::Pattern(p) => p.source(),
            Matcher::Exact(s) => s,
        }
    }
}

/// A condition on one event value: a missing value always fails, negated or
/// not (rules.md R3.0.3).
#[derive(Debug, Clone)]
pub struct Cond {
    pub matcher: Matcher,
    pub negate: bool,
    pub span: Span,
}

impl Cond {
    pub fn test(&self, value: Option<&str>) -> bool {
        self.test_lower(value, None)
    }

    /// [`Cond::test`] given also the value lower-cased.
    pub(crate) fn test_lower(
        &self,
        value: Option<&str>,
        lower: Option<crate::pattern::fold::Lowered>,
    ) -> bool {
        match value {
            None => false,
            Some(v) => self.matcher.is_match_lower(v, lower) != self.negate,
        }
    }
}

/// `<field name="N">`.
#[derive(Debug, Clone)]
pub struct FieldCond {
    pub name: String,
    /// The name's number among the tree's field names (equal ignoring
    /// ASCII case, equal number), set by `RuleTree::index`: the event
    /// remembers lookups by it.
    pub(crate) slot: u32,
    pub cond: Cond,
}

/// `<srcip>`/`<dstip>` entries (OR), negated as a whole (rules.md R3.4.3).
#[derive(Debug, Clone)]
pub struct IpCond {
    pub entries: Vec<IpEntry>,
    pub negate: bool,
}

/// The event value a `<list>` looks up (rules.md R7.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListField {
    Static(StaticField),
    /// `user`: srcuser first, else dstuser (R7.3.2).
    User,
    Hostname,
    ProgramName,
    Dynamic(String),
}

/// `<list>`.
#[derive(Debug, Clone)]
pub struct ListCond {
    pub field: ListField,
    pub lookup: Lookup,
    pub check_value: Option<Pattern>,
    /// Index into the ruleset's lists.
    pub list: usize,
}

/// The fields same_*/different_* compare (rules.md §3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameKey {
    Static(StaticField),
    Location,
    SrcGeoip,
    DstGeoip,
}

/// `<compiled_rule>` (rules.md §3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompiledRule {
    CheckIdSize,
    CompSrcuserDstuser,
    CompMswinTargetuserCalleruserDiff,
    IsSimpleHttpRequest,
    IsValidCrawler,
}

/// `<options>` flags (rules.md §3.12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleOptions {
    pub no_full_log: bool,
    pub no_counter: bool,
    pub no_log: bool,
    pub log_alert: bool,
    pub alert_by_email: bool,
    pub no_email_alert: bool,
    pub no_ar: bool,
}

/// An `<info>` detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `Text`, `Link`, `CVE` or `OSVDB` as the standalone logtest prints it.
    pub kind: &'static str,
    pub text: String,
}

/// One rule as loaded.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: u32,
    /// Real level (after `_setlevels`, rules.md R4.1.2).
    pub level: u32,
    /// Scaled sort level K used while loading (R4.1.1).
    pub(crate) k: u32,
    pub maxsize: u32,
    /// Stored frequency: attribute value minus 2, 0 when absent (R2.5).
    pub frequency: u32,
    pub frequency_attr: Option<u32>,
    pub timeframe: u32,
    pub ignore_time: u32,
    pub noalert: bool,
    pub overwrite: bool,
    pub category: String,
    pub decoded_as: Option<(String, u32)>,

    pub program_name: Option<Cond>,
    pub id_cond: Option<Cond>,
    pub system_name: Option<Cond>,
    pub protocol: Option<Cond>,
    pub match_: Option<Cond>,
    pub regex: Option<Cond>,
    pub action: Option<Cond>,
    pub url: Option<Cond>,
    pub location: Option<Cond>,
    pub fields: Vec<FieldCond>,
    pub srcip: Option<IpCond>,
    pub dstip: Option<IpCond>,
    pub srcport: Option<Cond>,
    pub dstport: Option<Cond>,
    pub compiled_rule: Option<CompiledRule>,
    pub user: Option<Cond>,
    pub srcgeoip: Option<Cond>,
    pub dstgeoip: Option<Cond>,
    pub time: Option<TimeRange>,
    pub weekday: Option<u8>,
    pub data: Option<Cond>,
    pub extra_data: Option<Cond>,
    pub hostname: Option<Cond>,
    pub status: Option<Cond>,
    pub check_diff: bool,
    pub if_fts: bool,
    pub lists: Vec<ListCond>,

    pub if_sid: Option<String>,
    pub if_level: Option<String>,
    pub if_group: Option<String>,
    pub if_matched_sid: Option<u32>,
    pub if_matched_group: Option<String>,
    pub if_matched_group_pattern: Option<Pattern>,
    pub if_matched_regex: Option<Pattern>,
    pub context: bool,
    pub global_frequency: bool,
    pub same: Vec<SameKey>,
    pub different: Vec<SameKey>,
    pub same_fields: Vec<String>,
    pub different_fields: Vec<String>,

    pub description: String,
    pub info: Vec<Info>,
    pub info_text: String,
    pub cve: String,
    /// The group string (rules.md R1.5.1).
    pub group: String,
    pub options: RuleOptions,
    pub mitre_ids: Vec<String>,
    pub mitre_tactics: Vec<String>,
    pub mitre_techniques: Vec<String>,

    pub file: Arc<str>,
    pub span: Span,
}

impl Rule {
    /// The groups as output (R1.5.2): split on `,`, empty tokens dropped,
    /// tokens not trimmed, compliance tokens excluded.
    pub fn groups(&self) -> Vec<String> {
        truncated_group(&self.group)
            .split(',')
            .filter(|t| !t.is_empty() && compliance_of(t).is_none())
            .map(str::to_string)
            .collect()
    }

    /// Compliance arrays built from group tokens by prefix (rules.md §8.4).
    pub fn compliance(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
        for token in truncated_group(&self.group).split(',') {
            if let Some((key, value)) = compliance_of(token) {
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.push(value.to_string()),
                    None => out.push((key, vec![value.to_string()])),
                }
            }
        }
        out
    }

    /// Whether the rule keeps state across events.
    pub fn is_stateful(&self) -> bool {
        self.context
    }
}

fn truncated_group(group: &str) -> &str {
    // rules.md §8.4: the group string is truncated to 1023 bytes first.
    if group.len() <= 1023 {
        return group;
    }
    let mut end = 1023;
    while !group.is_char_boundary(end) {
        end -= 1;
    }
    &group[..end]
}

const COMPLIANCE: [(&str, &str); 7] = [
    ("pci_dss_", "pci_dss"),
    ("cis_", "cis"),
    ("gdpr_", "gdpr"),
    ("gpg13_", "gpg13"),
    ("hipaa_", "hipaa"),
    ("nist_800_53_", "nist_800_53"),
    ("tsc_", "tsc"),
];

fn compliance_of(token: &str) -> Option<(&'static str, &str)> {
    COMPLIANCE
        .iter()
        .find_map(|(prefix, key)| token.strip_prefix(prefix).map(|v| (*key, v)))
}
