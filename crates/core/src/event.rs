//! The event: what pre-decoding and decoding produce and what rules test.
//!
//! Static fields (decoding.md §7) have a fixed slot each; dynamic fields are
//! an ordered list with case-insensitive lookup, first hit wins (rules.md §3.5).
//! `assignments` keeps every field assignment in order, which is what the
//! standalone logtest prints in phase 2 (rules.md §8.7.4).

use serde::{Deserialize, Serialize};

/// The static fields of a Wazuh event (decoding.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaticField {
    SrcIp,
    DstIp,
    SrcPort,
    DstPort,
    Protocol,
    Action,
    SrcUser,
    DstUser,
    Id,
    Status,
    Url,
    Data,
    ExtraData,
    SystemName,
}

impl StaticField {
    pub const ALL: [StaticField; 14] = [
        StaticField::SrcIp,
        StaticField::DstIp,
        StaticField::SrcPort,
        StaticField::DstPort,
        StaticField::Protocol,
        StaticField::Action,
        StaticField::SrcUser,
        StaticField::DstUser,
        StaticField::Id,
        StaticField::Status,
        StaticField::Url,
        StaticField::Data,
        StaticField::ExtraData,
        StaticField::SystemName,
    ];

    /// Canonical name, as printed and as used in `$(field)` (rules.md §6 R6.2).
    pub fn name(self) -> &'static str {
        match self {
            StaticField::SrcIp => "srcip",
            StaticField::DstIp => "dstip",
            StaticField::SrcPort => "srcport",
            StaticField::DstPort => "dstport",
            StaticField::Protocol => "protocol",
            StaticField::Action => "action",
            StaticField::SrcUser => "srcuser",
            StaticField::DstUser => "dstuser",
            StaticField::Id => "id",
            StaticField::Status => "status",
            StaticField::Url => "url",
            StaticField::Data => "data",
            StaticField::ExtraData => "extra_data",
            StaticField::SystemName => "system_name",
        }
    }

    /// A decoder `<order>` name (decoding.md §7): `user` is an alias of dstuser.
    /// Exact, case-sensitive.
    pub fn from_order_name(name: &str) -> Option<StaticField> {
        match name {
            "user" => Some(StaticField::DstUser),
            _ => Self::ALL.iter().copied().find(|f| f.name() == name),
        }
    }

    /// A JSON plugin key path (decoding.md R6.4.1): `systemname` is system_name,
    /// `user` and `system_name` are dynamic. Exact, case-sensitive.
    pub fn from_json_key(key: &str) -> Option<StaticField> {
        match key {
            "systemname" => Some(StaticField::SystemName),
            "system_name" => None,
            _ => Self::ALL.iter().copied().find(|f| f.name() == key),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Phase 1: what pre-decoding extracted (decoding.md §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predecoded {
    /// The message after the `1:location:` envelope, unchanged.
    pub full_log: String,
    /// The message without the recognised header; decoders and `match`/`regex` read it.
    pub log: String,
    pub timestamp: Option<String>,
    /// The event host name: header host name, else the manager's name (R4.7.2).
    pub hostname: String,
    /// Absent, or present and possibly empty (R4.4.5).
    pub program_name: Option<String>,
    pub location: String,
    pub agent_id: String,
}

/// A decoded event: phase 1 plus what decoders set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub pre: Predecoded,
    statics: [Option<String>; 14],
    /// Dynamic fields in the order they were set (duplicates kept), as
    /// positions in `assignments` (a field is stored once).
    dynamic: Vec<u32>,
    /// Every assignment in order, static fields under their canonical name
    /// (printed in phase 2).
    pub assignments: Vec<(String, String)>,
    /// The rule id named by a forwarded OSSEC alert (the OSSECAlert plugin,
    /// decoding.md §6.7); the rule engine then reports that rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_rule: Option<String>,
    /// What a plugin changed besides fields (decoding.md §6.7).
    #[serde(skip)]
    pub(crate) plugin: PluginEffect,
}

/// Changes a plugin decoder makes besides fields: a decoder type
/// (SonicWall, OSSECAlert) and, for forwarded OSSEC alerts, a new location,
/// host name and log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PluginEffect {
    pub kind: Option<&'static str>,
    pub location: Option<String>,
    pub log: Option<String>,
}

impl Event {
    pub fn new(pre: Predecoded) -> Event {
        Event {
            pre,
            ..Event::default()
        }
    }

    pub fn get_static(&self, field: StaticField) -> Option<&str> {
        self.statics[field.index()].as_deref()
    }

    /// Sets a static field; the last assignment wins (decoding.md R7.2).
    pub fn set_static(&mut self, field: StaticField, value: String) {
        self.assignments
            .push((field.name().to_string(), value.clone()));
        self.statics[field.index()] = Some(value);
    }

    /// Sets a static field and records it under another printed name (the
    /// JSON key `systemname` prints as `systemname`, R8.7.4).
    pub fn set_static_as(&mut self, field: StaticField, printed: &str, value: String) {
        self.assignments.push((printed.to_string(), value.clone()));
        self.statics[field.index()] = Some(value);
    }

    /// Appends a dynamic field.
    pub fn push_dynamic(&mut self, name: String, value: String) {
        self.dynamic.push(self.assignments.len() as u32);
        self.assignments.push((name, value));
    }

    /// The dynamic fields in the order they were set.
    pub fn dynamic(&self) -> impl Iterator<Item = (&str, &str)> {
        self.dynamic
            .iter()
            .filter_map(|&i| self.assignments.get(i as usize))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// First dynamic field whose name equals `name` ASCII-case-insensitively
    /// (rules.md §3.5 R3.5.3).
    pub fn get_dynamic(&self, name: &str) -> Option<&str> {
        self.dynamic()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Number of dynamic fields (limit `decoder_order_size`, decoding.md §8).
    pub fn dynamic_len(&self) -> usize {
        self.dynamic.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_is_dstuser_in_order_but_dynamic_in_json() {
        assert_eq!(
            StaticField::from_order_name("user"),
            Some(StaticField::DstUser)
        );
        assert_eq!(StaticField::from_json_key("user"), None);
        assert_eq!(
            StaticField::from_json_key("systemname"),
            Some(StaticField::SystemName)
        );
        assert_eq!(StaticField::from_json_key("system_name"), None);
        assert_eq!(
            StaticField::from_order_name("system_name"),
            Some(StaticField::SystemName)
        );
    }

    #[test]
    fn dynamic_lookup_is_case_insensitive_first_wins() {
        let mut e = Event::default();
        e.push_dynamic("Tag".into(), "a".into());
        e.push_dynamic("tag".into(), "b".into());
        assert_eq!(e.get_dynamic("TAG"), Some("a"));
        assert_eq!(e.assignments.len(), 2);
    }
}
