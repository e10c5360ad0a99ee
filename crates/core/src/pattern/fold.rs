//! ASCII case-insensitive substring search, the inner loop of OS_Match
//! substrings and of the OS_Regex literal prefilter.
//!
//! Both dialects compare bytes with `tolower` in the C locale: ASCII letters
//! fold, every other byte compares exactly (decoding.md R1.2.4, R2.1.7). The
//! search looks for the needle's first byte in both cases with `memchr2`
//! (vectorised) and checks each candidate, so the cost is close to one pass
//! over the haystack instead of one comparison per position.

/// Whether `needle` (already lower-case ASCII where it is a letter) occurs
/// in `hay`, ASCII letters compared case-insensitively.
pub(crate) fn contains_folded(hay: &[u8], needle: &[u8]) -> bool {
    find_folded(hay, needle).is_some()
}

/// The first position of `needle` in `hay` as [`contains_folded`] compares.
pub(crate) fn find_folded(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if hay.len() < needle.len() {
        return None;
    }
    let last_start = hay.len() - needle.len();
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while from <= last_start {
        let window = &hay[from..=last_start];
        let found = if upper == first {
            memchr::memchr(first, window)
        } else {
            memchr::memchr2(first, upper, window)
        };
        let k = found?;
        let at = from + k;
        let tail = &hay[at + 1..at + needle.len()];
        if tail
            .iter()
            .zip(rest)
            .all(|(h, n)| h.to_ascii_lowercase() == *n)
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A lower-case needle, searched either in a subject as is (folding while
/// comparing, [`contains_folded`]) or, faster, in a lower-cased copy of the
/// subject made once per event: then a plain `memchr` for the needle's
/// rarest byte (memchr's frequency heuristic) finds candidates, checked by
/// one slice comparison. Two machine words per needle: the stock ruleset
/// has thousands, so no precompiled searcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needle {
    lower: Vec<u8>,
    /// Index in `lower` of its rarest byte.
    rare: usize,
    /// Index of its second rarest byte (checked before the whole needle).
    rare2: usize,
}

impl Needle {
    /// `lower`: already lower-case where it is an ASCII letter.
    pub fn new(lower: Vec<u8>) -> Needle {
        let pair = memchr::arch::all::packedpair::Pair::new(&lower);
        let rare = pair.map_or(0, |p| usize::from(p.index1()));
        let rare2 = pair.map_or(0, |p| usize::from(p.index2()));
        Needle { lower, rare, rare2 }
    }

    #[cfg(test)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.lower
    }

    pub fn len(&self) -> usize {
        self.lower.len()
    }

    /// Whether the needle occurs in `hay`, ASCII letters compared
    /// case-insensitively. `lower`, when given, is `hay` lower-cased
    /// (same length).
    #[inline]
    pub fn found_in(&self, hay: &[u8], lower: Option<&[u8]>) -> bool {
        self.find(hay, lower).is_some()
    }

    /// The first position of the needle in `hay` (see [`Needle::found_in`]).
    #[inline]
    pub fn find(&self, hay: &[u8], lower: Option<&[u8]>) -> Option<usize> {
        match lower {
            Some(l) if l.len() == hay.len() => self.in_lower(l),
            _ => find_folded(hay, &self.lower),
        }
    }

    fn in_lower(&self, hay: &[u8]) -> Option<usize> {
        let n = self.lower.len();
        let Some(&b) = self.lower.get(self.rare) else {
            return Some(0); // empty needle
        };
        if hay.len() < n {
            return None;
        }
        // Candidates: positions of the rare byte where the needle would fit.
        let end = hay.len() - n + self.rare + 1;
        let mut from = self.rare;
        while from < end {
            let k = memchr::memchr(b, &hay[from..end])?;
            let at = from + k - self.rare;
            // Both rare bytes equal: a needle of at most two bytes is found.
            if hay[at + self.rare2] == self.lower[self.rare2]
                && (n <= 2 || hay[at..at + n] == self.lower[..])
            {
                return Some(at);
            }
            from += k + 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(hay: &[u8], needle: &[u8]) -> bool {
        needle.is_empty()
            || hay.windows(needle.len()).any(|w| {
                w.iter()
                    .zip(needle)
                    .all(|(h, n)| h.to_ascii_lowercase() == *n)
            })
    }

    #[test]
    fn examples() {
        assert!(contains_folded(b"Failed PASSWORD for", b"password"));
        assert!(!contains_folded(b"Failed passwor", b"password"));
        assert!(contains_folded(b"abc", b""));
        assert!(contains_folded(b"xx[1]", b"[1]"));
        assert!(!contains_folded(b"\xc3\xa9", b"\xe9"));
    }

    proptest! {
        #[test]
        fn same_as_the_naive_scan(hay in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'A'), Just(b'b'), Just(b'['), Just(0xc3u8)], 0..40),
                                  needle in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'['), Just(0xc3u8)], 0..5)) {
            prop_assert_eq!(contains_folded(&hay, &needle), naive(&hay, &needle));
            let n = Needle::new(needle.clone());
            prop_assert_eq!(n.found_in(&hay, Some(&hay.to_ascii_lowercase())), naive(&hay, &needle));
            prop_assert_eq!(n.find(&hay, Some(&hay.to_ascii_lowercase())), n.find(&hay, None));
        }
    }
}
