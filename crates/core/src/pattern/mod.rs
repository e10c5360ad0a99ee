//! The three pattern dialects of Wazuh: OS_Match, OS_Regex and PCRE2
//! (decoding.md §1-3, rules.md §3.0).
//!
//! OWNER: pattern helper. API contract (other modules rely on it):
//! - [`Pattern::compile`] compiles one pattern text in one dialect, or returns
//!   a [`PatternError`] (with the byte offset inside the pattern when known).
//! - [`Pattern::is_match`] is what rules and `program_name` use.
//! - [`Pattern::exec`] is what decoders use: the end position `last`
//!   (decoding.md §2.4.4, §3.3.2: may be -1) and, when asked for, the captures
//!   with Wazuh's numbering (per alternative for OS_Regex, R2.2.3; PCRE2's
//!   non-participating groups before the last participating one are empty,
//!   R3.3.3). Subjects are bytes; nothing is UTF-8 aware (§0.2).

pub mod osmatch;
pub mod osregex;
pub mod pcre2;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// Which pattern language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    OsMatch,
    OsRegex,
    Pcre2,
}

impl Dialect {
    /// The value of a `type` attribute, case-insensitive (rules.md R3.0.2).
    pub fn from_type_attr(value: &str) -> Option<Dialect> {
        match value.to_ascii_lowercase().as_str() {
            "osmatch" => Some(Dialect::OsMatch),
            "osregex" => Some(Dialect::OsRegex),
            "pcre2" => Some(Dialect::Pcre2),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::OsMatch => "osmatch",
            Dialect::OsRegex => "osregex",
            Dialect::Pcre2 => "pcre2",
        }
    }
}

/// A compile error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternError {
    pub message: String,
    /// Byte offset inside the pattern, when known.
    pub offset: Option<usize>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(o) = self.offset {
            write!(f, " (at byte {o})")?;
        }
        Ok(())
    }
}

/// Result of a successful [`Pattern::exec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the "last" byte (decoding.md §2.4.4/§3.3.2); may be -1.
    /// Decoders continue at `end + 1`.
    pub end: isize,
    /// Capture ranges into the subject, Wazuh's numbering, only when asked for.
    pub captures: Vec<Range<usize>>,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    dialect: Dialect,
    source: String,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    OsMatch(osmatch::OsMatch),
    OsRegex(osregex::OsRegex),
    Pcre2(Box<pcre2::Pcre2>),
}

impl Pattern {
    pub fn compile(dialect: Dialect, pattern: &str) -> Result<Pattern, PatternError> {
        let inner = match dialect {
            Dialect::OsMatch => Inner::OsMatch(osmatch::OsMatch::compile(pattern)?),
            Dialect::OsRegex => Inner::OsRegex(osregex::OsRegex::compile(pattern)?),
            Dialect::Pcre2 => Inner::Pcre2(Box::new(pcre2::Pcre2::compile(pattern)?)),
        };
        Ok(Pattern {
            dialect,
            source: pattern.to_string(),
            inner,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pattern text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches `subject` (for OS_Match including its
    /// leading-`!` negation).
    pub fn is_match(&self, subject: &[u8]) -> bool {
        match &self.inner {
            Inner::OsMatch(m) => m.is_match(subject),
            Inner::OsRegex(r) => r.is_match(subject),
            Inner::Pcre2(r) => r.is_match(subject),
        }
    }

    /// Matches and returns the end position and, if `captures`, the captures.
    ///
    /// OS_Match has no end position (R1.2.3): on success `end` is -1 and
    /// there are no captures.
    pub fn exec(&self, subject: &[u8], captures: bool) -> Option<Match> {
        match &self.inner {
            Inner::OsMatch(m) => m.is_match(subject).then(|| Match {
                end: -1,
                captures: Vec::new(),
            }),
            Inner::OsRegex(r) => r
                .exec(subject, captures)
                .map(|(end, captures)| Match { end, captures }),
            Inner::Pcre2(r) => r
                .exec(subject, captures)
                .map(|(end, captures)| Match { end, captures }),
        }
    }
}
