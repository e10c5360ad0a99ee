//! Indexes that narrow the decoders an event can reach (issue 8):
//! [`PnIndex`] by program name, [`PrematchIndex`] by the first byte of
//! the log, and [`ChainNeedles`] for the regexes of a long child chain.
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

/// Per session: for each program name seen, the PN positions whose
/// `<program_name>` matches it (the index's candidates with their full
/// pattern tested). A program name repeats across events (a host's
/// daemons), so its decoders are found once per session instead of
/// testing the unindexed patterns (substrings such as `ipa`, `systemd`)
/// per event. Bounded: cleared past [`ProgramCache::MAX`] names.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProgramCache {
    /// The [`super::DecoderSet::load_id`] the entries are for.
    load_id: u64,
    names: HashMap<Vec<u8>, std::sync::Arc<[usize]>>,
}

/// The next [`super::DecoderSet::load_id`] (0 is never one).
static NEXT_LOAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl ProgramCache {
    const MAX: usize = 4096;

    pub fn next_load_id() -> u64 {
        NEXT_LOAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The PN positions, ascending, whose program_name matches `name` (the
    /// program name as pre-decoded).
    pub fn matching(&mut self, set: &super::DecoderSet, name: &[u8]) -> std::sync::Arc<[usize]> {
        if self.load_id != set.load_id {
            self.names.clear();
            self.load_id = set.load_id;
        }
        if let Some(m) = self.names.get(name) {
            return m.clone();
        }
        let m = matching(set, name);
        if self.names.len() >= Self::MAX {
            self.names.clear();
        }
        self.names.insert(name.to_vec(), m.clone());
        m
    }
}

/// The PN positions whose program_name matches `name`, ascending.
pub(crate) fn matching(set: &super::DecoderSet, name: &[u8]) -> std::sync::Arc<[usize]> {
    set.pn_index
        .candidates(crate::text::c_str(name))
        .into_iter()
        .filter(|&i| {
            set.decoders[set.pn[i].decoder]
                .program_name
                .as_ref()
                .is_some_and(|p| p.is_match(name))
        })
        .collect()
}

/// Candidate positions in the NOPN list by the first byte of the log.
///
/// Without a program name, Wazuh tries the NOPN decoders in order until a
/// prematch holds (R5.6.2). A prematch whose alternatives are all
/// `^`-anchored and start with a token that fails at once (a literal, or
/// an OS_Regex class without `*`) can only hold when the log starts with a
/// byte one of those tokens accepts, so such decoders are filed under
/// those first bytes ([`Pattern::first_bytes`]); every other decoder is
/// always a candidate.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrematchIndex {
    /// Per first byte: the candidates, ascending (the `always` ones merged
    /// in), so an event takes its list without sorting.
    by_first: HashMap<u8, Vec<usize>>,
    always: Vec<usize>,
}

impl PrematchIndex {
    pub fn build(nopn: &[TopNode], decoders: &[Decoder]) -> PrematchIndex {
        let mut ix = PrematchIndex::default();
        for (pos, top) in nopn.iter().enumerate() {
            let firsts = decoders[top.decoder]
                .prematch
                .as_ref()
                .and_then(Pattern::first_bytes);
            match firsts {
                Some(set) => {
                    for b in (0..=255u8).filter(|&b| set[usize::from(b >> 6)] >> (b & 63) & 1 != 0)
                    {
                        ix.by_first.entry(b).or_default().push(pos);
                    }
                }
                None => ix.always.push(pos),
            }
        }
        for list in ix.by_first.values_mut() {
            list.extend_from_slice(&ix.always);
            list.sort_unstable();
            list.dedup();
        }
        ix
    }

    /// The NOPN positions whose prematch may hold on `log` (cut at its
    /// NUL), ascending.
    pub fn candidates(&self, log: &[u8]) -> &[usize] {
        match log.first().and_then(|b| self.by_first.get(b)) {
            Some(v) => v,
            None => &self.always,
        }
    }
}

/// The required literals (decoding.md §2, `osregex.rs` prefilter) of the
/// regex alternatives of a top-level decoder's children, for chains with
/// many of them: the FortiGate, Sophos or CEF decoders run one regex per
/// field name on every event, a hundred or more, and most field names are
/// absent from a given log. One Aho-Corasick pass over the lower-cased log
/// finds which literals occur; an alternative whose literal does not occur
/// anywhere in the log cannot occur in the part of it its regex reads, so
/// it is skipped without its own search (the same answer as the
/// prefilter's).
#[derive(Debug)]
pub(crate) struct ChainNeedles {
    /// The distinct literals, lower-case.
    needles: Vec<Vec<u8>>,
    /// Per child position: per alternative of its regex, its literal.
    alts: Vec<Vec<Option<u32>>>,
    /// Built on first use (not at load: most chains are never reached).
    searcher: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl ChainNeedles {
    /// Fewer indexed alternatives than this: searching each is cheaper.
    const MIN_ALTERNATIVES: usize = 16;
    /// Shorter literals occur everywhere: left to the per-pattern search.
    const MIN_LEN: usize = 3;

    pub fn build(children: &[usize], decoders: &[Decoder]) -> Option<ChainNeedles> {
        let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut needles = Vec::new();
        let mut indexed = 0;
        let alts: Vec<Vec<Option<u32>>> = children
            .iter()
            .map(|&c| {
                let Some(rx) = decoders[c].regex.as_ref() else {
                    return Vec::new();
                };
                rx.required_literals()
                    .into_iter()
                    .map(|lit| {
                        let lit = lit.filter(|l| l.len() >= Self::MIN_LEN)?;
                        indexed += 1;
                        let next = needles.len() as u32;
                        Some(*ids.entry(lit.to_vec()).or_insert_with(|| {
                            needles.push(lit.to_vec());
                            next
                        }))
                    })
                    .collect()
            })
            .collect();
        (indexed >= Self::MIN_ALTERNATIVES).then(|| ChainNeedles {
            needles,
            alts,
            searcher: std::sync::OnceLock::new(),
        })
    }

    /// Which literals occur in `lower` (the whole log, lower-cased); None
    /// when the searcher cannot be built (then nothing is skipped).
    pub fn present(&self, lower: &[u8]) -> Option<Vec<bool>> {
        let ac = self
            .searcher
            .get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::Standard)
                    .build(&self.needles)
                    .ok()
            })
            .as_ref()?;
        let mut found = vec![false; self.needles.len()];
        for m in ac.find_overlapping_iter(lower) {
            found[m.pattern().as_usize()] = true;
        }
        Some(found)
    }

    /// Whether alternative `alt` of the regex of the child at `position`
    /// needs a literal that `present` says is not in the log.
    pub fn absent(&self, present: &[bool], position: usize, alt: usize) -> bool {
        match self
            .alts
            .get(position)
            .and_then(|a| a.get(alt))
            .copied()
            .flatten()
        {
            Some(id) => !present.get(id as usize).copied().unwrap_or(true),
            None => false,
        }
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
            // The session cache: exactly the decoders whose program_name
            // matches, in order, the same when asked again.
            let every: Vec<usize> = (0..set.pn.len())
                .filter(|&i| set.decoders[set.pn[i].decoder].program_name.as_ref().unwrap().is_match(&name))
                .collect();
            let mut cache = super::ProgramCache::default();
            prop_assert_eq!(&cache.matching(&set, &name)[..], &every[..]);
            prop_assert_eq!(&cache.matching(&set, &name)[..], &every[..]);
        }
    }

    /// A cache made for one decoder set is not used for another.
    #[test]
    fn the_program_cache_follows_its_decoder_set() {
        let a = set();
        let name: std::sync::Arc<str> = std::sync::Arc::from("e.xml");
        let roots = crate::xml::parse(
            &name,
            "<decoder name=\"z\"><program_name>^sshd$</program_name></decoder>",
        )
        .expect("parses");
        let (b, _) =
            super::super::DecoderSet::load(&[super::super::DecoderFile { file: name, roots }]);
        let mut cache = super::ProgramCache::default();
        let from_a = cache.matching(&a, b"sshd").to_vec();
        assert!(from_a.len() > 1);
        assert_eq!(&cache.matching(&b, b"sshd")[..], &[0]);
        assert_eq!(cache.matching(&a, b"sshd").to_vec(), from_a);
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
        let nopn = |log: &[u8]| -> Vec<&str> {
            set.nopn_index
                .candidates(log)
                .iter()
                .map(|&i| set.decoders[set.nopn[i].decoder].name.as_str())
                .collect()
        };
        // m: `^(a)` starts with a group, so it is always tried; l:
        // `^\d+ ` needs a digit first.
        assert_eq!(nopn(b"%asa-1"), ["i", "k", "m", "n"]);
        assert_eq!(nopn(b"12 x"), ["k", "l", "m", "n"]);
        assert!(set.nopn_index.candidates(b"xyz").len() < set.nopn.len());
    }
    /// A chain of 24 sibling regexes decodes the same fields with and
    /// without its literal index.
    #[test]
    fn chain_index_changes_no_field() {
        use crate::event::{Event, Predecoded};
        let keys = [
            "imei", "sn", "action", "agent", "apn", "app", "appcat", "appid", "dstip", "dstport",
            "srcip", "srcport", "proto", "policyid", "service", "user", "group", "level", "vd",
            "devid", "logid", "type", "subtype", "msg",
        ];
        let mut xml = String::from(
            "<decoder name=\"p\"><program_name>^p$</program_name></decoder>\n<decoder name=\"kv\"><prematch>^date=</prematch></decoder>\n",
        );
        for k in keys {
            xml.push_str(&format!(
                "<decoder name=\"kv\"><parent>kv</parent><regex>{k}=\"(\\.*)\"|{k}=(\\S*)\\s|{k}=(\\.*)$</regex><order>{k}</order></decoder>\n"
            ));
        }
        let name: std::sync::Arc<str> = std::sync::Arc::from("kv.xml");
        let roots = crate::xml::parse(&name, &xml).expect("parses");
        let (set, diags) =
            super::super::DecoderSet::load(&[super::super::DecoderFile { file: name, roots }]);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(set.nopn[0].needles.is_some(), "the chain is indexed");
        let mut plain = set.clone();
        plain.nopn[0].needles = None;
        let mut next = crate::pattern::xorshift(0x5EED);
        let mut fields = 0;
        for _ in 0..300 {
            let mut log = String::from("date=1 ");
            for _ in 0..(next() % 12) {
                let k = keys[(next() % keys.len() as u64) as usize];
                let v = ["x", "\"a b\"", "", "\"\""][(next() % 4) as usize];
                let sep = [" ", "  ", ""][(next() % 3) as usize];
                log.push_str(&format!("{k}={v}{sep}"));
            }
            let decode = |s: &super::super::DecoderSet| {
                let mut e = Event::new(Predecoded {
                    full_log: log.clone(),
                    log: log.clone(),
                    ..Predecoded::default()
                });
                s.decode(&mut e);
                e.fields().to_vec()
            };
            let got = decode(&set);
            assert_eq!(got, decode(&plain), "{log}");
            fields += got.len();
        }
        assert!(fields > 500, "the logs decode fields ({fields})");
    }

    /// Top-level decoders skipped by their prematch literal (and the
    /// indexes) decode what the traced run, which tries every decoder,
    /// decodes.
    #[test]
    fn skipped_decoders_change_no_result() {
        use crate::event::{Event, Predecoded};
        let xml = r#"
<decoder name="p"><program_name>^p$</program_name></decoder>
<decoder name="a"><prematch>alpha \d+</prematch><regex>alpha (\d+)</regex><order>n</order></decoder>
<decoder name="b"><prematch>beta|gamma</prematch></decoder>
<decoder name="c"><prematch>\w+ delta</prematch></decoder>
<decoder name="d"><prematch>^epsilon</prematch></decoder>
<decoder name="e"><prematch type="pcre2">zeta\d</prematch></decoder>
<decoder name="f"><prematch>eta</prematch></decoder>
"#;
        let name: std::sync::Arc<str> = std::sync::Arc::from("t.xml");
        let roots = crate::xml::parse(&name, xml).expect("parses");
        let (set, diags) =
            super::super::DecoderSet::load(&[super::super::DecoderFile { file: name, roots }]);
        assert!(diags.is_empty(), "{diags:?}");
        let words = [
            "alpha", "1", "beta", "gamma", "x", "delta", "epsilon", "zeta7", "eta", "ALPHA", "Eta",
        ];
        let mut next = crate::pattern::xorshift(31);
        let mut hits = std::collections::HashSet::new();
        for _ in 0..2000 {
            let log: Vec<&str> = (0..(next() % 5))
                .map(|_| words[(next() % words.len() as u64) as usize])
                .collect();
            let log = log.join(" ");
            let run = |traced: bool| {
                let mut e = Event::new(Predecoded {
                    full_log: log.clone(),
                    log: log.clone(),
                    ..Predecoded::default()
                });
                let mut state = super::super::DecoderState::new();
                let m = if traced {
                    let mut t = crate::trace::RecordTrace::default();
                    set.decode_with_tracer(&mut e, &mut state, &mut t)
                        .map(|(m, _)| m.name)
                } else {
                    set.decode_with(&mut e, &mut state).map(|m| m.name)
                };
                (m, e.fields().to_vec())
            };
            let fast = run(false);
            assert_eq!(fast, run(true), "{log}");
            hits.insert(fast.0);
        }
        assert!(hits.len() >= 6, "{hits:?}");
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
