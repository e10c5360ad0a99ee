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

pub(crate) mod fold;
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
    /// [`Pattern::needs_lower`], kept here so that callers do not read the
    /// compiled alternatives to learn it.
    needs_lower: bool,
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
        let needs_lower = match &inner {
            Inner::OsMatch(m) => m.needs_lower(),
            Inner::OsRegex(r) => r.needs_lower(),
            Inner::Pcre2(_) => false,
        };
        Ok(Pattern {
            dialect,
            source: pattern.to_string(),
            inner,
            needs_lower,
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
    /// For OS_Match patterns made only of `^x` and `^x$` alternatives:
    /// `(exact, lower-case x)` per alternative (see the decoder index).
    pub(crate) fn anchored_literals(&self) -> Option<Vec<(bool, &[u8])>> {
        match &self.inner {
            Inner::OsMatch(m) => m.anchored_literals(),
            _ => None,
        }
    }

    /// The bytes a subject the pattern matches can start with, as 256
    /// bits, when the pattern says (every OS_Regex alternative `^` with a
    /// first token that fails at once, every OS_Match alternative `^x` or
    /// `^x$` with x not empty); a subject without a first byte then fails.
    /// For the decoder index and the rule prefilters.
    pub(crate) fn first_bytes(&self) -> Option<[u64; 4]> {
        match &self.inner {
            Inner::OsRegex(r) => r.first_bytes(),
            Inner::OsMatch(m) => {
                let lits = m.anchored_literals()?;
                let mut set = [0u64; 4];
                for (_, x) in lits {
                    // OS_Match folds the subject.
                    let f = fold::folded_to(*x.first()?);
                    set = std::array::from_fn(|k| set[k] | f[k]);
                }
                (set != [0; 4]).then_some(set)
            }
            Inner::Pcre2(_) => None,
        }
    }

    pub fn is_match(&self, subject: &[u8]) -> bool {
        self.is_match_lower(subject, None)
    }

    /// [`Pattern::is_match`] given also `subject` lower-cased (same length;
    /// made once per event): OS_Match substrings and the OS_Regex literal
    /// prefilters then use a SIMD substring search instead of folding
    /// while they compare. Same result either way.
    pub(crate) fn is_match_lower(&self, subject: &[u8], lower: Option<fold::Lowered>) -> bool {
        match &self.inner {
            Inner::OsMatch(m) => m.is_match_lower(subject, lower),
            Inner::OsRegex(r) => r.is_match_lower(subject, lower),
            Inner::Pcre2(r) => r.is_match(subject),
        }
    }

    /// Whether [`Pattern::exec_lower`] and [`Pattern::is_match_lower`]
    /// use the lower-cased subject (else callers need not make one).
    pub(crate) fn needs_lower(&self) -> bool {
        self.needs_lower
    }

    /// A literal every match needs (OS_Match of one substring, OS_Regex of
    /// one alternative), as a filter key; [`fold::NeedleKey::ANY`] when
    /// there is none.
    pub(crate) fn needle_key(&self) -> fold::NeedleKey {
        let needle = match &self.inner {
            Inner::OsMatch(m) => m.single_needle(),
            Inner::OsRegex(r) => r.single_needle(),
            Inner::Pcre2(_) => None,
        };
        needle.map_or(fold::NeedleKey::ANY, fold::Needle::key)
    }

    /// Per OS_Regex alternative, its required literal (lower-case), None
    /// when it has none; empty for the other dialects (see the decoder
    /// chain index).
    pub(crate) fn required_literals(&self) -> Vec<Option<&[u8]>> {
        match &self.inner {
            Inner::OsRegex(r) => r.required_literals(),
            _ => Vec::new(),
        }
    }

    /// [`Pattern::exec_lower`] skipping the OS_Regex alternatives `absent`
    /// names (their required literal is known to be missing).
    pub(crate) fn exec_lower_known(
        &self,
        subject: &[u8],
        lower: Option<fold::Lowered>,
        captures: bool,
        absent: impl Fn(usize) -> bool,
    ) -> Option<Match> {
        match &self.inner {
            Inner::OsRegex(r) => r
                .exec_lower_known(subject, lower, captures, absent)
                .map(|(end, captures)| Match { end, captures }),
            _ => self.exec_lower(subject, lower, captures),
        }
    }

    /// Matches and returns the end position and, if `captures`, the captures.
    ///
    /// OS_Match has no end position (R1.2.3): on success `end` is -1 and
    /// there are no captures.
    pub fn exec(&self, subject: &[u8], captures: bool) -> Option<Match> {
        self.exec_lower(subject, None, captures)
    }

    /// [`Pattern::exec`] given also `subject` lower-cased (see
    /// [`Pattern::is_match_lower`]).
    pub(crate) fn exec_lower(
        &self,
        subject: &[u8],
        lower: Option<fold::Lowered>,
        captures: bool,
    ) -> Option<Match> {
        match &self.inner {
            Inner::OsMatch(m) => m.is_match_lower(subject, lower).then(|| Match {
                end: -1,
                captures: Vec::new(),
            }),
            Inner::OsRegex(r) => r
                .exec_lower(subject, lower, captures)
                .map(|(end, captures)| Match { end, captures }),
            Inner::Pcre2(r) => r
                .exec(subject, captures)
                .map(|(end, captures)| Match { end, captures }),
        }
    }
}

/// A xorshift64 generator for the randomised tests.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No panic and no hang on arbitrary patterns and subjects (all dialects).
    #[test]
    fn random_patterns_never_panic() {
        let alphabet: &[u8] = b"ab1 \\()|^$*+?.[]{}-,:dwsSWDpPtQEkgx<>'=!#iU09\n\t\xc3\xa9\xff";
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let plen = (next() % 12) as usize;
            let pat: Vec<u8> = (0..plen)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let pat = String::from_utf8_lossy(&pat).into_owned();
            let slen = (next() % 10) as usize;
            let subj: Vec<u8> = (0..slen)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for d in [Dialect::OsMatch, Dialect::OsRegex, Dialect::Pcre2] {
                if let Ok(p) = Pattern::compile(d, &pat) {
                    let _ = p.is_match(&subj);
                    if let Some(m) = p.exec(&subj, true) {
                        assert!(m.end >= -1 && m.end < subj.len() as isize + 1);
                        for r in &m.captures {
                            assert!(r.start <= r.end && r.end <= subj.len(), "{d:?} {pat:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn api_dispatch() {
        let p = Pattern::compile(Dialect::OsRegex, "^(\\w+)").unwrap();
        let m = p.exec(b"abc def", true).unwrap();
        assert_eq!(m.end, 0);
        assert_eq!(m.captures, vec![0..3]);
        let p = Pattern::compile(Dialect::OsMatch, "!foo").unwrap();
        assert!(p.is_match(b"bar"));
        assert_eq!(p.exec(b"bar", true).unwrap().end, -1);
        let p = Pattern::compile(Dialect::Pcre2, "(\\w+)=(\\w+)").unwrap();
        assert_eq!(p.exec(b"a=1 b=2", true).unwrap().captures, vec![0..1, 2..3]);
        assert!(
            Pattern::compile(Dialect::OsRegex, "a\\")
                .unwrap_err()
                .offset
                == Some(1)
        );
    }
}
