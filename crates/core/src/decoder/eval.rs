//! Decoding one event (decoding.md §5.6, normative), offsets (§5.7) and
//! captures → fields (§5.8).
//!
//! Positions are byte offsets into `log` held as `isize`: Wazuh works with C
//! pointers, and an end index of −1 (R5.7.4) points at the byte *before*
//! `log` in the working buffer. [`Subject::after`] is the C idiom
//! `if (*p != '\0') p++;` applied to such a pointer.

use super::load::DECODER_ORDER_SIZE;
use super::{plugins, Decoder, DecoderMatch, DecoderSet, DecoderState, Offset, OrderSlot};
use crate::event::{Event, Predecoded};
use crate::pattern::fold::{LowerCopy, Lowered};
use crate::pattern::Pattern;
use crate::trace::{DecoderOutcome, DecoderRole, DecoderStep, Gate, GateReason, NoTrace, Tracer};

/// The text decoders read, and what the C working buffer holds around it.
pub(crate) struct Subject<'a> {
    pub log: &'a [u8],
    /// Whether the byte just before `log` in the C buffer is a terminator.
    pub before_is_nul: bool,
    /// `log` lower-cased, made on first use, once per event, for the
    /// patterns' literal searches (the event's cache, `Event::lower_log`).
    pub lower: &'a std::cell::OnceCell<LowerCopy>,
}

impl<'a> Subject<'a> {
    /// The byte a C pointer at `p` sees.
    fn byte(&self, p: isize) -> u8 {
        if p < -1 {
            // Somewhere in the header/location part: never examined in a way
            // that matters (only after an empty text, whose result stays empty).
            1
        } else if p == -1 {
            if self.before_is_nul {
                0
            } else {
                b' '
            }
        } else {
            self.log.get(p as usize).copied().unwrap_or(0)
        }
    }

    /// "After(e)" of §5.6: advance past `e` unless it designates a terminator.
    pub fn after(&self, e: isize) -> isize {
        if self.byte(e) != 0 {
            e + 1
        } else {
            e
        }
    }

    /// [`Subject::text`] lower-cased (the copy is made on first use).
    pub fn lower_text(&self, p: isize) -> Lowered<'_> {
        let lower = self.lower.get_or_init(|| LowerCopy::new(self.log));
        // Before `log`: empty, like `text`.
        lower.at(if p < 0 { usize::MAX } else { p as usize })
    }

    /// The C string starting at position `p` (empty before or past `log`).
    pub fn text(&self, p: isize) -> &'a [u8] {
        if p < 0 {
            &[]
        } else {
            let p = (p as usize).min(self.log.len());
            &self.log[p..]
        }
    }
}

/// Whether the byte before `log` in Wazuh's working buffer is a string
/// terminator (R5.7.4). It only matters for an end index of −1.
///
/// Derived from the pre-decoded strings: the terminator is there when `log`
/// is the whole message, or right after a cut made by the header parser
/// (`prog:msg`, timestamp/host cuts); it is a space after `prog: msg`,
/// `prog[1]: msg`, `[ID …] msg`, and for the snort/suricata/apache headers
/// whose cut lies two bytes before `log`.
pub fn byte_before_log_is_terminator(pre: &Predecoded) -> bool {
    let full = pre.full_log.as_bytes();
    let log = pre.log.as_bytes();
    if !full.ends_with(log) {
        // `log` was taken from the middle (ASL `[Message …]`): after a space.
        return false;
    }
    let p = full.len() - log.len();
    if p == 0 || full[p - 1] != b' ' {
        return true;
    }
    if pre.program_name.is_some() {
        return false;
    }
    let snort_suricata = full.get(2) == Some(&b'/') && p >= 2 && full[p - 2] == b' ';
    let apache = full.first() == Some(&b'[') && p >= 2 && full[p - 2] == b']';
    !(snort_suricata || apache)
}

/// Runs `pattern` on the text at `start`, skipping the OS_Regex
/// alternatives `absent` names (a chain's literal index); returns the
/// absolute end index and the match (captures relative to
/// `subj.text(start)`).
fn exec(
    pattern: &Pattern,
    subj: &Subject,
    start: isize,
    captures: bool,
    absent: impl Fn(usize) -> bool,
) -> Option<(isize, crate::pattern::Match)> {
    let lower = pattern.needs_lower().then(|| subj.lower_text(start));
    let m = pattern.exec_lower_known(subj.text(start), lower, captures, absent)?;
    Some((start + m.end, m))
}

/// Where the chain runs: the top-level decoder itself (no children) or a
/// position in its child list.
enum Chain<'s> {
    Single(usize),
    Children(&'s [usize], usize),
}

pub(crate) fn decode(
    set: &DecoderSet,
    event: &mut Event,
    state: Option<&mut DecoderState>,
) -> Option<DecoderMatch> {
    decode_traced(set, event, state, &mut NoTrace).map(|(m, _)| m)
}

/// Like [`decode`], also returning the decoder-table indices of the
/// top-level decoder and of the decoder whose information won (coverage).
pub(crate) fn decode_traced<T: Tracer>(
    set: &DecoderSet,
    event: &mut Event,
    mut state: Option<&mut DecoderState>,
    tracer: &mut T,
) -> Option<(DecoderMatch, [usize; 2])> {
    // Work on the pre-decoded strings without copying them while fields are
    // assigned to the event.
    let pre = std::mem::take(&mut event.pre);
    let lower = std::mem::take(&mut event.lower);
    let programs = state.as_deref_mut().map(|s| &mut s.programs);
    let result = run(set, &pre, &lower.0, event, programs, tracer);
    event.pre = pre;
    event.lower = lower;
    // A forwarded OSSEC alert replaces location, host name and log (§6.7).
    let effect = std::mem::take(&mut event.plugin);
    if let Some(location) = effect.location {
        event.pre.hostname = location.clone();
        event.pre.location = location;
    }
    if let Some(log) = effect.log {
        event.pre.full_log = log.clone();
        event.pre.log = log;
        event.lower = Default::default();
    }
    let mut kind = effect.kind;
    if let (Some((info, _)), Some(state)) = (&result, state) {
        let d = &set.decoders[*info];
        if d.accumulate {
            plugins::accumulate(event, &visible_name(d), state);
        }
        // A type written into the shared decoder by the SonicWall plugin
        // stays for later events of the session.
        match (kind, d.plugin) {
            (Some(k), Some(super::Plugin::SonicWall)) => {
                state.kinds.insert(*info, k);
            }
            (None, _) => kind = state.kinds.get(info).copied(),
            _ => {}
        }
    }
    result.map(|(info, top)| {
        let mut m = make_match(set, info, top);
        if let Some(k) = kind {
            m.kind = k.to_string();
        }
        (m, [top, info])
    })
}

fn visible_name(d: &Decoder) -> String {
    d.display_name.clone().unwrap_or_else(|| d.name.clone())
}

fn make_match(set: &DecoderSet, info: usize, top: usize) -> DecoderMatch {
    let d = &set.decoders[info];
    DecoderMatch {
        id: d.id,
        name: visible_name(d),
        top_name: set.decoders[top].name.clone(),
        parent: d.parent.clone(),
        kind: d.kind.to_string(),
        fts: d.fts,
    }
}

/// Reports one decoder step when tracing.
fn step<T: Tracer>(
    tracer: &mut T,
    set: &DecoderSet,
    element: usize,
    role: DecoderRole,
    outcome: impl FnOnce() -> DecoderOutcome,
) {
    if tracer.enabled() {
        tracer.decoder(DecoderStep {
            decoder: set.decoders[element].name.clone(),
            element,
            role,
            outcome: outcome(),
        });
    }
}

/// The gate of a decoder pattern that did not match `value`.
fn pattern_gate(element: &str, pattern: &Pattern, value: &[u8]) -> DecoderOutcome {
    DecoderOutcome::Failed {
        gate: Gate {
            element: element.to_string(),
            pattern: Some(pattern.source().to_string()),
            dialect: Some(pattern.dialect().name().to_string()),
            value: Some(String::from_utf8_lossy(value).into_owned()),
            reason: GateReason::NoMatch,
        },
    }
}

/// §5.6; returns (info, top-level decoder) as decoder-table indices.
fn run<T: Tracer>(
    set: &DecoderSet,
    pre: &Predecoded,
    lower: &std::cell::OnceCell<LowerCopy>,
    event: &mut Event,
    programs: Option<&mut super::index::ProgramCache>,
    tracer: &mut T,
) -> Option<(usize, usize)> {
    let raw = pre.log.as_bytes();
    // A C string ends at its first NUL.
    let log = crate::text::c_str(raw);
    let subj = Subject {
        log,
        before_is_nul: byte_before_log_is_terminator(pre),
        lower,
    };
    // R5.6.1: PN iff a program name is present (even empty); no fallback.
    let (list, pname) = match &pre.program_name {
        Some(p) => (&set.pn, Some(p.as_bytes())),
        None => (&set.nopn, None),
    };

    // Without a trace, only the decoders the program name (PN) or the log's
    // first byte (NOPN) can reach are tried, in the same order with the
    // same checks (decoder/index.rs); the trace shows every one. The PN
    // ones are those whose program_name matches (decoder/index.rs
    // ProgramCache), so it is not tested again.
    let pn_candidates;
    let candidates: Option<&[usize]> = match pname {
        _ if tracer.enabled() => None,
        Some(p) => {
            pn_candidates = match programs {
                Some(cache) => cache.matching(set, p),
                None => super::index::matching(set, p),
            };
            Some(&pn_candidates)
        }
        None => Some(set.nopn_index.candidates(log)),
    };
    let pn_matched = pname.is_some() && candidates.is_some();
    let mut next = 0;
    loop {
        let top = match &candidates {
            Some(c) => match c.get(next) {
                Some(&i) => &list[i],
                None => break,
            },
            None => match list.get(next) {
                Some(t) => t,
                None => break,
            },
        };
        next += 1;
        // A prematch whose literal the log lacks cannot hold: skipped
        // without reading the decoder (the key is only set for prematches
        // that make the lower-cased copy anyway; not when tracing).
        if !tracer.enabled() && top.prematch_key != crate::pattern::fold::NeedleKey::ANY {
            let copy = subj.lower.get_or_init(|| LowerCopy::new(subj.log));
            if !top.prematch_key.may_occur(copy.filter()) {
                continue;
            }
        }
        let d = &set.decoders[top.decoder];
        // R5.6.2
        let mut a: isize = 0;
        if let (Some(p), false) = (pname, pn_matched) {
            match &d.program_name {
                Some(pat) if pat.is_match(p) => {}
                Some(pat) => {
                    step(tracer, set, top.decoder, DecoderRole::Top, || {
                        pattern_gate("program_name", pat, p)
                    });
                    continue;
                }
                None => continue,
            }
        }
        if let Some(pm) = &d.prematch {
            match exec(pm, &subj, 0, false, |_| false) {
                Some((e, _)) => a = subj.after(e),
                None => {
                    step(tracer, set, top.decoder, DecoderRole::Top, || {
                        pattern_gate("prematch", pm, subj.text(0))
                    });
                    continue;
                }
            }
        }
        step(tracer, set, top.decoder, DecoderRole::Top, || {
            DecoderOutcome::Selected
        });
        // D wins: no other top-level decoder is tried.
        let mut info = top.decoder;
        let mut after_parent: Option<isize> = None;
        let mut after_prematch: Option<isize> = Some(a);
        // `C` (R5.7.2): undefined for a decoder without children.
        let mut c: Option<isize> = None;

        // R5.6.3 child selection.
        let chain = if top.children.is_empty() {
            Chain::Single(top.decoder)
        } else {
            let kids = &top.children[..];
            let mut i = 0;
            let mut selected = None;
            while i < kids.len() {
                let k = &set.decoders[kids[i]];
                match &k.prematch {
                    Some(kp) => {
                        let start = if k.prematch_offset == Offset::AfterParent {
                            a
                        } else {
                            0
                        };
                        if let Some((e, _)) = exec(kp, &subj, start, false, |_| false) {
                            step(tracer, set, kids[i], DecoderRole::Child, || {
                                DecoderOutcome::Selected
                            });
                            let cm = subj.after(e);
                            c = Some(cm);
                            info = kids[i];
                            after_parent = Some(a);
                            after_prematch = Some(cm);
                            selected = Some(i);
                            break;
                        }
                        step(tracer, set, kids[i], DecoderRole::Child, || {
                            pattern_gate("prematch", kp, subj.text(start))
                        });
                    }
                    None => {
                        step(tracer, set, kids[i], DecoderRole::Child, || {
                            DecoderOutcome::Selected
                        });
                        c = Some(a);
                        selected = Some(i);
                        break;
                    }
                }
                if k.get_next {
                    // Skip the rest of this sibling group, then one more.
                    i += 1;
                    while i < kids.len() && set.decoders[kids[i]].get_next {
                        i += 1;
                    }
                    if i >= kids.len() {
                        return Some((info, top.decoder));
                    }
                }
                i += 1;
            }
            match selected {
                Some(i) => Chain::Children(kids, i),
                // No child: D's own regex/plugin is never used.
                None => return Some((info, top.decoder)),
            }
        };

        // R5.6.4 chain execution.
        let mut chain = chain;
        let mut r: Option<isize> = None;
        // Which literals of a long chain occur in the log (decoder/index.rs),
        // found on the first regex of the chain.
        let mut present: Option<Option<Vec<bool>>> = None;
        loop {
            let n_idx = match chain {
                Chain::Single(x) => x,
                Chain::Children(k, i) => k[i],
            };
            let n = &set.decoders[n_idx];
            if let Some(plugin) = n.plugin {
                step(tracer, set, n_idx, DecoderRole::Chain, || {
                    DecoderOutcome::Plugin {
                        name: plugin.name().to_string(),
                    }
                });
                // The plugin reads `info`, not `n` (R5.6.6).
                plugins::run(
                    plugin,
                    &set.decoders[info],
                    &subj,
                    after_parent,
                    after_prematch,
                    pre,
                    event,
                );
            } else if let Some(rx) = &n.regex {
                let start = match n.regex_offset {
                    Offset::AfterParent => Some(a),
                    Offset::AfterPrematch => c,
                    Offset::AfterRegex => r.or(c),
                    Offset::None => Some(0),
                };
                let known = match (&chain, &top.needles) {
                    (Chain::Children(_, position), Some(needles)) => {
                        let present =
                            present.get_or_insert_with(|| needles.present(subj.lower_text(0).text));
                        present.as_deref().map(|p| (needles, p, *position))
                    }
                    _ => None,
                };
                let absent = |alt| {
                    known.is_some_and(|(needles, p, position)| needles.absent(p, position, alt))
                };
                match start.and_then(|s| exec(rx, &subj, s, true, absent).map(|m| (s, m))) {
                    None => {
                        step(tracer, set, n_idx, DecoderRole::Chain, || {
                            pattern_gate("regex", rx, start.map_or(&[][..], |s| subj.text(s)))
                        });
                        if n.get_next {
                            if let Some(next) = advance(&chain) {
                                chain = next;
                                continue;
                            }
                        }
                        break;
                    }
                    Some((s, (e, m))) => {
                        r = Some(subj.after(e));
                        // R5.8.4: checked once per regex, before assigning.
                        if event.dynamic_len() >= DECODER_ORDER_SIZE {
                            break;
                        }
                        let text = subj.text(s);
                        step(tracer, set, n_idx, DecoderRole::Chain, || {
                            DecoderOutcome::Extracted {
                                fields: n.order.len().min(m.captures.len()),
                            }
                        });
                        for (slot, range) in n.order.iter().zip(m.captures.iter()) {
                            let v = crate::text::lossy_cow(text.get(range.clone()).unwrap_or(&[]));
                            match slot {
                                OrderSlot::Static(f) => event.set_static(*f, &v),
                                OrderSlot::Dynamic(name) => event.push_dynamic(name, &v),
                            }
                        }
                    }
                }
            } else {
                step(tracer, set, n_idx, DecoderRole::Chain, || {
                    DecoderOutcome::NothingToExtract
                });
                break;
            }
            if n.get_next {
                match advance(&chain) {
                    Some(next) => chain = next,
                    None => break,
                }
            } else {
                break;
            }
        }
        return Some((info, top.decoder));
    }
    // R5.6.5: null decoder.
    None
}

/// The next sibling in the parent's child list, whatever its name (R5.5.6).
fn advance<'s>(chain: &Chain<'s>) -> Option<Chain<'s>> {
    match *chain {
        Chain::Children(k, i) if i + 1 < k.len() => Some(Chain::Children(k, i + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(full: &str, log: &str, prog: Option<&str>) -> Predecoded {
        Predecoded {
            full_log: full.into(),
            log: log.into(),
            program_name: prog.map(String::from),
            ..Predecoded::default()
        }
    }

    #[test]
    fn terminator_before_log() {
        assert!(byte_before_log_is_terminator(&pre("xyz", "xyz", None)));
        assert!(byte_before_log_is_terminator(&pre(
            "Dec 10 01:02:02 xyz",
            "xyz",
            None
        )));
        assert!(byte_before_log_is_terminator(&pre(
            "Dec 10 01:02:02 h prog:msg",
            "msg",
            Some("prog")
        )));
        assert!(!byte_before_log_is_terminator(&pre(
            "Dec 10 01:02:02 h prog: msg",
            "msg",
            Some("prog")
        )));
        assert!(!byte_before_log_is_terminator(&pre(
            "01/28-09:13:16.240702  [**] x",
            "[**] x",
            None
        )));
    }

    #[test]
    fn after_semantics() {
        let s = Subject {
            log: b"abc",
            before_is_nul: true,
            lower: &std::cell::OnceCell::new(),
        };
        assert_eq!(s.after(-1), -1);
        assert_eq!(s.text(-1), b"");
        assert_eq!(s.after(0), 1);
        assert_eq!(s.after(2), 3);
        assert_eq!(s.after(3), 3);
        let s = Subject {
            log: b"abc",
            before_is_nul: false,
            lower: &std::cell::OnceCell::new(),
        };
        assert_eq!(s.after(-1), 0);
        assert_eq!(s.text(0), b"abc");
    }
}
