//! Falco's priorities as Falco writes them in JSON alerts, the level
//! ladder of the Falco integration (rules 100600-100607), and the mapping
//! compiler that writes the whole integration (issue 7):
//!
//! * [`mapping`]: the model ([`Mapping`]) and its file form;
//! * [`compile`]: rules, decoder, agent and Falco configuration files;
//! * [`check`]: which rule and level each priority reaches in a ruleset.

pub mod check;
pub mod compile;
pub mod mapping;

pub use mapping::{Mapping, MappingFile, Override, Transport};

use serde::{Deserialize, Serialize};

/// A Falco priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// The text Falco writes in the `priority` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The integration's default Wazuh level; Debug does not alert.
    pub fn default_level(self) -> u32 {
        match self {
            Priority::Emergency => 16,
            Priority::Alert => 14,
            Priority::Critical => 12,
            Priority::Error => 10,
            Priority::Warning => 8,
            Priority::Notice => 6,
            Priority::Informational => 4,
            Priority::Debug => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder() {
        let levels: Vec<u32> = Priority::ALL.iter().map(|p| p.default_level()).collect();
        assert_eq!(levels, [16, 14, 12, 10, 8, 6, 4, 0]);
        assert_eq!(
            Priority::parse("Informational"),
            Some(Priority::Informational)
        );
        assert_eq!(Priority::parse("Info"), None);
    }
}
