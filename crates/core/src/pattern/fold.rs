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
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
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
        let Some(k) = found else { return false };
        let at = from + k;
        let tail = &hay[at + 1..at + needle.len()];
        if tail
            .iter()
            .zip(rest)
            .all(|(h, n)| h.to_ascii_lowercase() == *n)
        {
            return true;
        }
        from = at + 1;
    }
    false
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
        }
    }
}
