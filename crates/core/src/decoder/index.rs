//! Indexes that narrow the top-level decoders an event can reach (issue 8):
//! [`PnIndex`] by program name, [`PrematchIndex`] by the first byte of
//! the log.
//!
//! With a program name, Wazuh tries every decoder of the PN list in order
//! and skips those whose `<program_name>` does not match (decoding.md
//! R5.6.2). Most `<program_name>` patterns are OS_Match alternatives of
//! `^name` and `^name$` (case-insensitive), so the decoders a program name
//! can reach are found by lookup instead of by trying every pattern. The
//! index only narrows: the candidates are still tried in list order with
//! their full pattern, and decoders whose pattern it cannot read (negated,
//! substring, suffix, other dialects) are always candidates.

use super::{Decoder, TopNode};
use crate::pattern::Pattern;
use std::collections::HashMap;

/// Candidate positions in the PN list for a program name.
#[derive(Debug, Clone, Default)]
pub(crate) struct PnIndex {
    /// `^x$`: lower-case x → positions.
    exact: HashMap<Vec<u8>, Vec<usize>>,
    /// `^x` with at least two bytes, by its first two bytes.
    prefix: HashMap<[u8; 2], Vec<(Vec<u8>, usize)>>,
    /// `^x` with fewer bytes.
    short: Vec<(Vec<u8>, usize)>,
    /// Positions whose pattern the index cannot read: always candidates.
    always: Vec<usize>,
}

impl PnIndex {
    pub fn build(pn: &[TopNode], decoders: &[Decoder]) -> PnIndex {
        let mut ix = PnIndex::default();
        for (pos, top) in pn.iter().enumerate() {
            let literals = decoders[top.decoder]
                .program_name
                .as_ref()
                .and_then(Pattern::anchored_literals);
            let Some(literals) = literals else {
                ix.always.push(pos);
                continue;
            };
            for (exact, x) in literals {
                if exact {
                    ix.exact.entry(x.to_vec()).or_default().push(pos);
                } else if let [a, b, ..] = *x {
                    ix.prefix.entry([a, b]).or_default().push((x.to_vec(), pos));
                } else {
                    ix.short.push((x.to_vec(), pos));
                }
            }
        }
        ix
    }

    /// The PN positions whose program_name may match `name` (already cut at
    /// its NUL), ascending.
    pub fn candidates(&self, name: &[u8]) -> Vec<usize> {
        let lower = name.to_ascii_lowercase();
        let mut out = self.always.clone();
        if let Some(v) = self.exact.get(&lower) {
            out.extend_from_slice(v);
        }
        if let [a, b, ..] = *lower.as_slice() {
            if let Some(v) = self.prefix.get(&[a, b]) {
                out.extend(
                    v.iter()
                        .filter(|(x, _)| lower.starts_with(x))
                        .map(|(_, p)| *p),
                );
            }
        }
        out.extend(
            self.short
                .iter()
                .filter(|(x, _)| lower.starts_with(x))
                .map(|(_, p)| *p),
        );
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Candidate positions in the NOPN list by the first byte of the log.
///
/// Without a program name, Wazuh tries the NOPN decoders in order until a
/// prematch holds (R5.6.2). A prematch whose every OS_Regex alternative is
/// `^`-anchored and starts with literals can only hold when the log starts
/// with one of them, so such decoders are filed under those first bytes
/// (both cases); every other decoder is always a candidate.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrematchIndex {
    by_first: HashMap<u8, Vec<usize>>,
    always: Vec<usize>,
}

impl PrematchIndex {
    pub fn build(nopn: &[TopNode], decoders: &[Decoder]) -> PrematchIndex {
        let mut ix = PrematchIndex::default();
        for (pos, top) in nopn.iter().enumerate() {
            let prefixes = decoders[top.decoder]
                .prematch
                .as_ref()
                .and_then(Pattern::anchored_prefixes);
            match prefixes {
                Some(list) => {
                    let mut firsts: Vec<u8> = list
                        .iter()
                        .filter_map(|p| p.first().copied())
                        .flat_map(|b| [b, b.to_ascii_uppercase()])
                        .collect();
                    firsts.sort_unstable();
                    firsts.dedup();
                    for b in firsts {
                        ix.by_first.entry(b).or_default().push(pos);
                    }
                }
                None => ix.always.push(pos),
            }
        }
        ix
    }

    /// The NOPN positions whose prematch may hold on `log` (cut at its
    /// NUL), ascending.
    pub fn candidates(&self, log: &[u8]) -> Vec<usize> {
        let mut out = self.always.clone();
        if let Some(v) = log.first().and_then(|b| self.by_first.get(b)) {
            out.extend_from_slice(v);
            out.sort_unstable();
            out.dedup();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    const DECODERS: &str = r#"
<decoder name="a"><program_name>^sshd</program_name></decoder>
<decoder name="b"><program_name>^su$|^sudo</program_name></decoder>
<decoder name="c"><program_name>kern</program_name></decoder>
<decoder name="d"><program_name>^s</program_name></decoder>
<decoder name="e"><program_name>!^x</program_name></decoder>
<decoder name="f"><program_name>d$</program_name></decoder>
<decoder name="g"><program_name>^</program_name></decoder>
<decoder name="h"><program_name type="pcre2">^s.d$</program_name></decoder>
<decoder name="i"><prematch>^%ASA-|^%FWSM-</prematch></decoder>
<decoder name="j"><prematch>^date=\d+ </prematch></decoder>
<decoder name="k"><prematch>ASA</prematch></decoder>
<decoder name="l"><prematch>^\d+ </prematch></decoder>
<decoder name="m"><prematch>^Dx|^(a)</prematch></decoder>
<decoder name="n"><prematch type="pcre2">^%</prematch></decoder>
"#;

    fn set() -> super::super::DecoderSet {
        let name: std::sync::Arc<str> = std::sync::Arc::from("d.xml");
        let roots = crate::xml::parse(&name, DECODERS).expect("parses");
        let (set, diags) =
            super::super::DecoderSet::load(&[super::super::DecoderFile { file: name, roots }]);
        assert!(diags.is_empty(), "{diags:?}");
        set
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b's'),
                Just(b'S'),
                Just(b'u'),
                Just(b'd'),
                Just(b'h'),
                Just(b'%'),
                Just(b'a'),
                Just(b'A'),
                Just(b'x'),
                Just(b'1'),
                Just(b' '),
                Just(b'=')
            ],
            0..8,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Every decoder left out could not have matched.
        #[test]
        fn candidates_never_leave_out_a_match(name in text(), log in text()) {
            let set = set();
            let pn = set.pn_index.candidates(&name);
            for (i, top) in set.pn.iter().enumerate() {
                let pat = set.decoders[top.decoder].program_name.as_ref().unwrap();
                if pat.is_match(&name) {
                    prop_assert!(pn.contains(&i), "{} left out for {:?}", set.decoders[top.decoder].name, String::from_utf8_lossy(&name));
                }
            }
            let nopn = set.nopn_index.candidates(&log);
            for (i, top) in set.nopn.iter().enumerate() {
                let pat = set.decoders[top.decoder].prematch.as_ref().unwrap();
                if pat.exec(&log, false).is_some() {
                    prop_assert!(nopn.contains(&i), "{} left out for {:?}", set.decoders[top.decoder].name, String::from_utf8_lossy(&log));
                }
            }
            prop_assert!(pn.windows(2).all(|w| w[0] < w[1]) && nopn.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn the_indexes_narrow() {
        let set = set();
        let names = |c: Vec<usize>| -> Vec<String> {
            c.iter()
                .map(|&i| set.decoders[set.pn[i].decoder].name.clone())
                .collect()
        };
        assert_eq!(
            names(set.pn_index.candidates(b"SSHD")),
            ["a", "c", "d", "e", "f", "g", "h"]
        );
        assert_eq!(
            names(set.pn_index.candidates(b"su")),
            ["b", "c", "d", "e", "f", "g", "h"]
        );
        let nopn: Vec<String> = set
            .nopn_index
            .candidates(b"%asa-1")
            .iter()
            .map(|&i| set.decoders[set.nopn[i].decoder].name.clone())
            .collect();
        // m: `^(a)` starts with a group, so it is always tried.
        assert_eq!(nopn, ["i", "k", "l", "m", "n"]);
        assert!(set.nopn_index.candidates(b"xyz").len() < set.nopn.len());
    }
    /// Prints how much the indexes narrow on the stock decoders (run with
    /// `--ignored --nocapture` when tuning).
    #[test]
    #[ignore]
    fn stock_index_stats() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/wazuh-4.11.1/decoders");
        let mut files = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        paths.sort();
        for p in paths {
            let name: std::sync::Arc<str> = std::sync::Arc::from(p.display().to_string().as_str());
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if let Ok(roots) = crate::xml::parse(&name, &text) {
                files.push(super::super::DecoderFile { file: name, roots });
            }
        }
        let (set, _) = super::super::DecoderSet::load(&files);
        println!(
            "pn {} (always {}), nopn {} (always {})",
            set.pn.len(),
            set.pn_index.always.len(),
            set.nopn.len(),
            set.nopn_index.always.len()
        );
        for name in ["sshd", "sudo", "kernel", "named"] {
            println!(
                "{name}: {} candidates",
                set.pn_index.candidates(name.as_bytes()).len()
            );
        }
    }
}
