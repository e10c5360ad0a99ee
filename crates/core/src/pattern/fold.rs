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

/// The bytes whose ASCII lower case is `l`, as 256 bits: what a folded
/// comparison with the lower-case pattern byte `l` accepts (none for an
/// upper-case `l`).
pub(crate) fn folded_to(l: u8) -> [u64; 4] {
    let mut set = [0u64; 4];
    for c in [l, l.to_ascii_uppercase()] {
        if c.to_ascii_lowercase() == l {
            set[usize::from(c >> 6)] |= 1 << (c & 63);
        }
    }
    set
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

/// A subject lower-cased once per event (see [`Needle`]), with the set of
/// its bytes and a filter of its byte pairs: a needle with a byte or a
/// pair the subject lacks is absent without a search. Most needles tried
/// on an event are absent, and for short logs the filter answers in a few
/// instructions what a vectorised search answers in a hundred.
#[derive(Debug, Clone)]
pub(crate) struct LowerCopy {
    text: Vec<u8>,
    /// Made on the first needle test (events whose patterns are anchored
    /// never need it).
    filter: std::cell::OnceCell<Filter>,
}

/// Bytes (256 bits) and hashed byte pairs (4,096 bits) of a lower-cased
/// text. Texts longer than [`Filter::MAX_TEXT`] would fill it: their
/// filter lets everything through.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    bytes: [u64; 4],
    pairs: [u64; 64],
    all: bool,
}

impl Filter {
    const MAX_TEXT: usize = 1024;

    fn new(text: &[u8]) -> Filter {
        let mut f = Filter {
            bytes: [0; 4],
            pairs: [0; 64],
            all: text.len() > Self::MAX_TEXT,
        };
        if f.all {
            return f;
        }
        for &b in text {
            f.bytes[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        for w in text.windows(2) {
            let h = pair_hash(w[0], w[1]);
            f.pairs[h >> 6] |= 1 << (h & 63);
        }
        f
    }

    #[inline]
    fn has_byte(&self, b: u8) -> bool {
        self.all || self.bytes[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    #[inline]
    fn has_pair(&self, h: u16) -> bool {
        let h = usize::from(h);
        self.all || self.pairs[h >> 6] & (1 << (h & 63)) != 0
    }
}

/// 12 bits of a byte pair.
#[inline]
fn pair_hash(a: u8, b: u8) -> usize {
    ((u32::from(a) << 8 | u32::from(b)).wrapping_mul(0x9E37_79B1) >> 20) as usize
}

impl LowerCopy {
    /// `subject` lower-cased, with its filter.
    pub fn new(subject: &[u8]) -> LowerCopy {
        LowerCopy {
            text: subject.to_ascii_lowercase(),
            filter: std::cell::OnceCell::new(),
        }
    }

    pub fn filter(&self) -> &Filter {
        self.filter.get_or_init(|| Filter::new(&self.text))
    }

    /// The copy from byte `p` on (empty past the end).
    pub fn at(&self, p: usize) -> Lowered<'_> {
        Lowered {
            text: self.text.get(p..).unwrap_or(&[]),
            copy: self,
        }
    }
}

/// A lower-cased subject: a suffix of a [`LowerCopy`], possibly cut, with
/// the filter of the whole copy (a needle absent from the whole text is
/// absent from any part of it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lowered<'a> {
    pub text: &'a [u8],
    copy: &'a LowerCopy,
}

impl<'a> Lowered<'a> {
    /// The first `n` bytes, when there are that many.
    pub fn cut(self, n: usize) -> Option<Lowered<'a>> {
        Some(Lowered {
            text: self.text.get(..n)?,
            copy: self.copy,
        })
    }

    /// From byte `p` on (empty past the end).
    pub fn from(self, p: usize) -> Lowered<'a> {
        Lowered {
            text: self.text.get(p..).unwrap_or(&[]),
            copy: self.copy,
        }
    }
}

/// A lower-case needle, searched either in a subject as is (folding while
/// comparing, [`contains_folded`]) or, faster, in a lower-cased copy of the
/// subject made once per event: then memchr's `memmem` searcher for
/// needles of four bytes or more (built on first use, boxed: the stock
/// ruleset has thousands of needles and searches few), and for shorter
/// ones a plain `memchr` for the rarest byte (memchr's frequency
/// heuristic), each candidate checked at the second rarest byte and then
/// by one slice comparison.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    /// A vectorised searcher (memchr's packed-pair prefilter), built on
    /// the first search of a needle of [`Needle::FINDER_FROM`] bytes or
    /// more: most needles of a ruleset are never searched.
    finder: std::sync::OnceLock<Box<memchr::memmem::Finder<'static>>>,
    lower: Vec<u8>,
    /// Index in `lower` of its rarest byte.
    rare: usize,
    /// Index of its second rarest byte (checked before the whole needle).
    rare2: usize,
    /// Hashes of two of its byte pairs (around the rarest bytes), for the
    /// subject's [`Filter`]; none for a needle shorter than two bytes.
    pairs: [u16; 2],
}

impl Needle {
    /// `lower`: already lower-case where it is an ASCII letter.
    pub fn new(lower: Vec<u8>) -> Needle {
        let pair = memchr::arch::all::packedpair::Pair::new(&lower);
        let rare = pair.map_or(0, |p| usize::from(p.index1()));
        let rare2 = pair.map_or(0, |p| usize::from(p.index2()));
        // The pair starting at `i`, or ending there for the last byte.
        let pair_at = |i: usize| -> u16 {
            let i = i.min(lower.len().saturating_sub(2));
            match (lower.get(i), lower.get(i + 1)) {
                (Some(&a), Some(&b)) => pair_hash(a, b) as u16,
                _ => 0,
            }
        };
        let pairs = [pair_at(rare), pair_at(rare2)];
        Needle {
            finder: std::sync::OnceLock::new(),
            rare,
            rare2,
            pairs,
            lower,
        }
    }

    const FINDER_FROM: usize = 4;

    /// False when the filter shows the needle cannot occur.
    #[inline]
    fn may_occur(&self, filter: &Filter) -> bool {
        self.key().may_occur(filter)
    }

    /// What [`Needle::may_occur`] reads, in three words.
    pub fn key(&self) -> NeedleKey {
        match self.lower.len() {
            0 => NeedleKey::ANY,
            1 => NeedleKey {
                kind: 1,
                a: u16::from(self.lower[0]),
                b: 0,
            },
            _ => NeedleKey {
                kind: 2,
                a: self.pairs[0],
                b: self.pairs[1],
            },
        }
    }
}

/// A needle's byte or byte pairs as a [`Filter`] tests them: kept apart
/// from the needle (e.g. in a rule's prefilter) to test it without reading
/// the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NeedleKey {
    /// 0: nothing to test; 1: byte `a`; 2: pair hashes `a` and `b`.
    kind: u8,
    a: u16,
    b: u16,
}

impl PartialEq for Needle {
    fn eq(&self, other: &Needle) -> bool {
        self.lower == other.lower
    }
}

impl Eq for Needle {}

impl NeedleKey {
    pub const ANY: NeedleKey = NeedleKey {
        kind: 0,
        a: 0,
        b: 0,
    };

    /// False when the needle cannot occur in the text of `filter`.
    #[inline]
    pub fn may_occur(&self, filter: &Filter) -> bool {
        match self.kind {
            1 => filter.has_byte(self.a as u8),
            2 => filter.has_pair(self.a) && filter.has_pair(self.b),
            _ => true,
        }
    }
}

impl Needle {
    /// The needle (lower-case).
    pub fn bytes(&self) -> &[u8] {
        &self.lower
    }

    pub fn len(&self) -> usize {
        self.lower.len()
    }

    /// Whether the needle occurs in `hay`, ASCII letters compared
    /// case-insensitively. `lower`, when given, is `hay` lower-cased
    /// (same length).
    #[inline]
    pub fn found_in(&self, hay: &[u8], lower: Option<Lowered>) -> bool {
        self.find(hay, lower).is_some()
    }

    /// The first position of the needle in `hay` (see [`Needle::found_in`]).
    #[inline]
    pub fn find(&self, hay: &[u8], lower: Option<Lowered>) -> Option<usize> {
        match lower {
            Some(l) if l.text.len() == hay.len() => {
                if !self.may_occur(l.copy.filter()) {
                    return None;
                }
                self.in_lower(l.text)
            }
            _ => find_folded(hay, &self.lower),
        }
    }

    fn in_lower(&self, hay: &[u8]) -> Option<usize> {
        let n = self.lower.len();
        if n >= Self::FINDER_FROM {
            return self
                .finder
                .get_or_init(|| Box::new(memchr::memmem::Finder::new(&self.lower).into_owned()))
                .find(hay);
        }
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

    #[test]
    fn the_filter_rejects_what_is_absent_and_passes_long_texts() {
        let copy = LowerCopy::new(b"Failed password for root");
        let found = |n: &str| {
            Needle::new(n.as_bytes().to_vec()).find(b"Failed password for root", Some(copy.at(0)))
        };
        assert_eq!(found("password"), Some(7));
        assert_eq!(found("zz"), None);
        assert!(!Needle::new(b"xq".to_vec()).may_occur(copy.filter()));
        assert!(!Needle::new(b"z".to_vec()).may_occur(copy.filter()));
        assert!(Needle::new(b"d p".to_vec()).may_occur(copy.filter()));
        // Past MAX_TEXT the filter lets everything through; the search decides.
        let long = [b"a".repeat(Filter::MAX_TEXT), b"xq".to_vec()].concat();
        let copy = LowerCopy::new(&long);
        assert!(Needle::new(b"zz".to_vec()).may_occur(copy.filter()));
        assert_eq!(
            Needle::new(b"xq".to_vec()).find(&long, Some(copy.at(0))),
            Some(Filter::MAX_TEXT)
        );
    }

    proptest! {
        #[test]
        fn same_as_the_naive_scan(hay in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'A'), Just(b'b'), Just(b'['), Just(0xc3u8)], 0..40),
                                  needle in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'['), Just(0xc3u8)], 0..5)) {
            prop_assert_eq!(contains_folded(&hay, &needle), naive(&hay, &needle));
            let n = Needle::new(needle.clone());
            let copy = LowerCopy::new(&hay);
            prop_assert_eq!(n.found_in(&hay, Some(copy.at(0))), naive(&hay, &needle));
            prop_assert_eq!(n.find(&hay, Some(copy.at(0))), n.find(&hay, None));
            // A suffix keeps the filter of the whole text.
            let half = hay.len() / 2;
            prop_assert_eq!(n.find(&hay[half..], Some(copy.at(half))), n.find(&hay[half..], None));
        }
    }
}
