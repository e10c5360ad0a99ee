//! OS_Match, the "osmatch" dialect (decoding.md §1).
//!
//! The pattern is split on every `|` into alternatives, each classified once at
//! compile time into one of five shapes (R1.1.5). Matching never allocates.
//! The subject is treated as a C string: it ends at its first NUL byte (§0.2).

use super::fold::{Lowered, Needle};
use super::PatternError;

/// Maximum pattern length (`OS_PATTERN_MAXSIZE`, R1.1.1).
pub const MAX_PATTERN: usize = 20480;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Alt {
    /// Always true (empty alternative, `$` alone, `^` alone).
    Always,
    /// `^x$`: the whole input equals `x` (ASCII case-insensitive).
    Exact(Vec<u8>),
    /// `^x`: input starts with `x`.
    Prefix(Vec<u8>),
    /// `x$`: input ends with `x`.
    Suffix(Vec<u8>),
    /// `x`: substring; `None` when the part contains a byte >= 0x80, which
    /// can never match (R1.2.4).
    Substring(Option<Needle>),
}

/// A compiled OS_Match pattern.
#[derive(Debug, Clone)]
pub struct OsMatch {
    negate: bool,
    alts: Vec<Alt>,
}

/// ASCII case-insensitive equality, bytes >= 0x80 compared exactly
/// (`strncasecmp` in the C locale, R1.2.4).
fn eq_fold(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The subject as C sees it: up to the first NUL.
pub(crate) use crate::text::c_str;

impl OsMatch {
    pub fn compile(pattern: &str) -> Result<OsMatch, PatternError> {
        let bytes = pattern.as_bytes();
        if bytes.len() > MAX_PATTERN {
            // decoding.md R1.1.1
            return Err(PatternError {
                message: format!(
                    "OS_Match pattern longer than {MAX_PATTERN} bytes ({} bytes)",
                    bytes.len()
                ),
                offset: Some(MAX_PATTERN),
            });
        }
        // R1.1.2: only the first byte of the whole pattern negates.
        let (negate, body) = match bytes.split_first() {
            Some((b'!', rest)) => (true, rest),
            _ => (false, bytes),
        };
        // R1.1.3: lower-cased at compile time (ASCII only).
        let lower = body.to_ascii_lowercase();
        let alts = lower
            .split(|&b| b == b'|') // R1.1.4: no escaping
            .map(|a| {
                let n = a.len();
                if n >= 2 && a[0] == b'^' && a[n - 1] == b'$' {
                    Alt::Exact(a[1..n - 1].to_vec())
                } else if n == 0 {
                    Alt::Always
                } else if a[n - 1] == b'$' {
                    if n == 1 {
                        Alt::Always
                    } else {
                        Alt::Suffix(a[..n - 1].to_vec())
                    }
                } else if a[0] == b'^' {
                    if n == 1 {
                        Alt::Always
                    } else {
                        Alt::Prefix(a[1..].to_vec())
                    }
                } else if a.iter().any(|&b| b >= 0x80) {
                    // R1.2.4: signed-char comparison never equals.
                    Alt::Substring(None)
                } else {
                    Alt::Substring(Some(Needle::new(a.to_vec())))
                }
            })
            .collect();
        Ok(OsMatch { negate, alts })
    }

    /// The pattern as anchored literals, `(exact, lower-case text)` per
    /// alternative (`^x$` exact, `^x` prefix), when that is all it is
    /// (no negation, no substring or suffix): what an index can serve.
    pub(crate) fn anchored_literals(&self) -> Option<Vec<(bool, &[u8])>> {
        if self.negate {
            return None;
        }
        self.alts
            .iter()
            .map(|a| match a {
                Alt::Exact(x) => Some((true, x.as_slice())),
                Alt::Prefix(x) => Some((false, x.as_slice())),
                _ => None,
            })
            .collect()
    }

    /// Whether a lower-cased copy of the subject speeds it up (substring
    /// alternatives search with it).
    pub(crate) fn needs_lower(&self) -> bool {
        self.alts
            .iter()
            .any(|a| matches!(a, Alt::Substring(Some(_))))
    }

    /// The needle of a pattern that is one substring (no negation): the
    /// subject must contain it.
    pub(crate) fn single_needle(&self) -> Option<&Needle> {
        match (&self.alts[..], self.negate) {
            ([Alt::Substring(Some(x))], false) => Some(x),
            _ => None,
        }
    }

    pub fn is_match(&self, subject: &[u8]) -> bool {
        self.is_match_lower(subject, None)
    }

    /// [`OsMatch::is_match`] with, optionally, `subject` lower-cased (same
    /// length) for the substring searches.
    pub(crate) fn is_match_lower(&self, subject: &[u8], lower: Option<Lowered>) -> bool {
        let s = c_str(subject);
        let lower = lower.and_then(|l| l.cut(s.len()));
        let hit = self.alts.iter().any(|alt| match alt {
            Alt::Always => true,
            Alt::Exact(x) => eq_fold(s, x),
            Alt::Prefix(x) => s.len() >= x.len() && eq_fold(&s[..x.len()], x),
            Alt::Suffix(x) => s.len() >= x.len() && eq_fold(&s[s.len() - x.len()..], x),
            Alt::Substring(None) => false,
            Alt::Substring(Some(x)) => x.found_in(s, lower),
        });
        hit != self.negate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        OsMatch::compile(p).unwrap().is_match(s.as_bytes())
    }

    proptest::proptest! {
        /// Searching a lower-cased copy of the subject (the per-event copy)
        /// gives the same answer as folding while comparing.
        #[test]
        fn lower_cased_copy_gives_the_same_answer(
            pattern in "[aB1 :|^$!]{0,8}",
            subject in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(b'a'), proptest::strategy::Just(b'A'), proptest::strategy::Just(b'b'), proptest::strategy::Just(b'1'), proptest::strategy::Just(b' '), proptest::strategy::Just(b':'), proptest::strategy::Just(0xc3u8), proptest::strategy::Just(0u8)], 0..16),
        ) {
            let p = OsMatch::compile(&pattern).unwrap();
            let copy = crate::pattern::fold::LowerCopy::new(&subject);
            proptest::prop_assert_eq!(p.is_match_lower(&subject, Some(copy.at(0))), p.is_match(&subject));
        }
    }

    // decoding.md §1.4
    #[test]
    fn prefix() {
        assert!(m("^sshd", "sshd-session"));
        assert!(!m("^sshd", "xsshd"));
    }
    #[test]
    fn substring() {
        assert!(m("sshd", "opensshd"));
    }
    #[test]
    fn exact_case_insensitive() {
        assert!(m("^sshd$", "SSHD"));
        assert!(!m("^sshd$", "SSHDx"));
    }
    #[test]
    fn negation() {
        assert!(m("!foo", "bar"));
        assert!(!m("!foo", "xfoo"));
    }
    #[test]
    fn backslash_literal() {
        assert!(!m("a\\.b", "a.b"));
        assert!(m("a\\.b", "a\\.b"));
    }
    #[test]
    fn empty_anchor() {
        assert!(m("^$", ""));
        assert!(!m("^$", "x"));
    }
    #[test]
    fn caret_literal_inside() {
        assert!(m("a^b", "a^b"));
    }
    #[test]
    fn alternatives() {
        assert!(m("^foo|bar$", "xbar"));
        assert!(m("foo|", "zzz"));
        assert!(!m("!a|b", "xbx"));
        assert!(m("!a|b", "xyz"));
    }
    #[test]
    fn empty_pattern_always_true() {
        assert!(m("", ""));
        assert!(m("", "anything"));
        assert!(!m("!", "anything"));
        assert!(m("$", "x"));
        assert!(m("^", "x"));
    }
    #[test]
    fn suffix() {
        assert!(m("abc$", "xxABC"));
        assert!(!m("abc$", "abcx"));
    }
    // R1.2.4: bytes >= 0x80
    #[test]
    fn high_bytes() {
        assert!(!m("é", "xéx"));
        assert!(!m("^x|é", "aé"));
        assert!(m("^é", "éx"));
        assert!(m("é$", "xé"));
        assert!(m("^é$", "é"));
        assert!(!m("^É$", "é"));
    }
    #[test]
    fn too_long() {
        assert!(OsMatch::compile(&"a".repeat(MAX_PATTERN)).is_ok());
        assert!(OsMatch::compile(&"a".repeat(MAX_PATTERN + 1)).is_err());
    }
}
