//! Decoders (phase 2, decoding.md §5): loading `<decoder>` XML, the decoder
//! tree, and evaluation of one pre-decoded event.
//!
//! OWNER: decoder helper. API contract (the session relies on it):
//! - [`DecoderSet::load`] takes parsed decoder files already in Wazuh's load
//!   order (the caller sorts by basename, R5.1.1) and returns the set plus
//!   diagnostics; any diagnostic of severity Error means Wazuh would refuse
//!   to start.
//! - [`DecoderSet::decode`] fills static/dynamic fields of the event and says
//!   which decoder won.
//! - [`DecoderSet::id_of`] resolves a `decoded_as` name (rules.md R3.2.1),
//!   including Wazuh's internal decoder names.
//!
//! # Design
//!
//! * [`load`](self::load) turns each `<decoder>` element into a [`Decoder`]
//!   record in one pass over its children (repetition = concatenation, R5.3.2),
//!   validates it in Wazuh's order (V1–V9 of §5.4, each with Wazuh's messages
//!   quoted in the diagnostic's `wazuh` text), compiles its patterns once, and
//!   inserts it into the tree immediately (R5.1.4), so a parent must come
//!   first. Like Wazuh, the first fatal error ends the *file* (R5.1.5); unlike
//!   Wazuh, loading continues with the next file so that one run reports the
//!   errors of every file.
//! * The tree is two ordered lists of top-level nodes (PN/NOPN, R5.5.1). Each
//!   node lists its children as indices into one decoder table. A decoder that
//!   is the child of several same-named parents is shared between them, and so
//!   is its *continue* flag (R5.5.4), exactly as Wazuh shares the C struct.
//! * Ids (R5.5.8) are ranks in the sorted name store; children are renamed to
//!   their parent's name at the end of loading (R5.5.7) — we keep the own name
//!   and compute the visible one on demand.
//! * [`eval`](self::eval) follows the normative §5.6 step by step. Text
//!   positions are byte offsets into `log`, as `isize` so that the C pointer
//!   "one byte before `log`" (end index −1, R5.7.4) is representable; the value
//!   of that byte (terminator or not) is derived from the pre-decoded event.
//! * Per-event work allocates only the field values (and the capture range
//!   vector of the pattern engine).
//! * The accumulator (§5.11) needs state across events; it lives in
//!   [`DecoderState`] and only [`DecoderSet::decode_with`] uses it.

pub mod json;

mod eval;
mod index;
mod load;
mod plugins;

use crate::diagnostic::{Diagnostic, Span};
use crate::event::{Event, StaticField};
use crate::pattern::Pattern;
use crate::xml::Element;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

pub use eval::byte_before_log_is_terminator;

/// One parsed decoder file.
#[derive(Debug, Clone)]
pub struct DecoderFile {
    pub file: Arc<str>,
    pub roots: Vec<Element>,
}

/// What decoding produced: which decoder won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoderMatch {
    /// Decoder id as rules see it (`decoded_as`, R3.2.2): the parent's id
    /// for ordinary children, the child's own with `use_own_name`.
    pub id: u32,
    /// Name of the decoder whose id this is.
    pub name: String,
    /// Name of the top-level decoder that won (printed by the standalone
    /// logtest in phase 2, R8.7.4).
    pub top_name: String,
    /// Parent's name when a child decoder was selected.
    pub parent: Option<String>,
    /// The decoder `<type>` (category), e.g. `syslog`, `firewall`.
    pub kind: String,
    /// The winning decoder's `<fts>` selection (`fts` bits), for `if_fts`.
    #[serde(skip)]
    pub(crate) fts: u16,
}

/// `<fts>` selections (Wazuh's `FTS_*` flags, decoding.md R5.3.6): which
/// fields make up the first-time-seen line of `if_fts` (rules.md R3.13.2).
pub(crate) mod fts {
    pub const ID: u16 = 1;
    /// `dstuser` and `user`.
    pub const DSTUSER: u16 = 1 << 1;
    pub const SRCUSER: u16 = 1 << 2;
    pub const SRCIP: u16 = 1 << 3;
    pub const DSTIP: u16 = 1 << 4;
    /// `data` and `extra_data`.
    pub const DATA: u16 = 1 << 5;
    pub const SYSTEMNAME: u16 = 1 << 6;
    pub const LOCATION: u16 = 1 << 7;
    /// `name`: the decoder name, which starts every line anyway.
    pub const NAME: u16 = 1 << 8;
    /// A dynamic field of the decoder's order (not part of the line).
    pub const DYNAMIC: u16 = 1 << 9;

    /// The flag of one `<fts>` name; dynamic names map to [`DYNAMIC`].
    pub fn flag(name: &str) -> u16 {
        match name {
            "id" => ID,
            "dstuser" | "user" => DSTUSER,
            "srcuser" => SRCUSER,
            "srcip" => SRCIP,
            "dstip" => DSTIP,
            "data" | "extra_data" => DATA,
            "system_name" => SYSTEMNAME,
            "location" => LOCATION,
            "name" => NAME,
            _ => DYNAMIC,
        }
    }
}

/// The decoder type the OSSECAlert plugin gives events (`OSSEC_ALERT`,
/// decoding.md §6.7); no rule category equals it, so only a forwarded rule
/// can match such an event.
pub const OSSEC_ALERT_KIND: &str = "ossec alert";

/// Offset attribute values (R5.3.4). `None` = no offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Offset {
    #[default]
    None,
    AfterParent,
    AfterPrematch,
    AfterRegex,
}

/// The plugin decoders of §6.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plugin {
    Pf,
    SymantecWs,
    SonicWall,
    OssecAlert,
    Json,
}

impl Plugin {
    /// The name `<plugin_decoder>` gives it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Plugin::Pf => "PF_Decoder",
            Plugin::SymantecWs => "SymantecWS_Decoder",
            Plugin::SonicWall => "SonicWall_Decoder",
            Plugin::OssecAlert => "OSSECAlert_Decoder",
            Plugin::Json => "JSON_Decoder",
        }
    }

    /// Exact, case-sensitive plugin names (R5.3.1 table).
    pub(crate) fn from_name(name: &str) -> Option<Plugin> {
        match name {
            "PF_Decoder" => Some(Plugin::Pf),
            "SymantecWS_Decoder" => Some(Plugin::SymantecWs),
            "SonicWall_Decoder" => Some(Plugin::SonicWall),
            "OSSECAlert_Decoder" => Some(Plugin::OssecAlert),
            "JSON_Decoder" => Some(Plugin::Json),
            _ => None,
        }
    }
}

/// Where capture i goes (R5.8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderSlot {
    Static(StaticField),
    Dynamic(Box<str>),
}

/// One `<decoder>` after loading.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    /// Own name (before the renaming of R5.5.7).
    pub name: String,
    /// `<parent>` text (concatenated).
    pub parent: Option<String>,
    pub program_name: Option<Pattern>,
    pub prematch: Option<Pattern>,
    /// Only `None` or `AfterParent` survive validation (V6).
    pub prematch_offset: Offset,
    pub regex: Option<Pattern>,
    pub regex_offset: Offset,
    pub order: Vec<OrderSlot>,
    pub plugin: Option<Plugin>,
    pub plugin_offset: Offset,
    /// `<type>`, e.g. `syslog`.
    pub kind: &'static str,
    pub use_own_name: bool,
    pub accumulate: bool,
    /// `<fts>` selection as [`fts`] bits (only rules use it, `if_fts`).
    pub fts: u16,
    #[allow(dead_code)]
    pub ftscomment: Option<String>,
    pub json: json::JsonOptions,
    /// The *continue* flag of a multi-regex sibling group (R5.5.4).
    pub get_next: bool,
    /// Id for `decoded_as` (R5.5.8); set after loading.
    pub id: u32,
    /// The parent's name once renamed (R5.5.7); None = own name.
    pub display_name: Option<String>,
    /// The `<decoder>` start tag.
    pub span: Span,
}

/// One entry of the PN or NOPN list.
#[derive(Debug, Clone)]
pub(crate) struct TopNode {
    pub decoder: usize,
    pub children: Vec<usize>,
    /// The literals of the children's regexes, for chains with many
    /// (built after loading, see [`index::ChainNeedles`]).
    pub needles: Option<std::sync::Arc<index::ChainNeedles>>,
    /// The literal the decoder's prematch needs (see
    /// [`crate::pattern::Pattern::needle_key`]), for prematches that search
    /// a lower-cased copy of the log: tested on the log's needle filter
    /// before the decoder is read.
    pub prematch_key: crate::pattern::fold::NeedleKey,
}

/// All loaded decoders.
#[derive(Debug, Clone, Default)]
pub struct DecoderSet {
    pub(crate) decoders: Vec<Decoder>,
    /// Top-level decoders with `<program_name>` (R5.5.1).
    pub(crate) pn: Vec<TopNode>,
    /// Top-level decoders without it.
    pub(crate) nopn: Vec<TopNode>,
    /// The decoder name store, sorted by byte comparison, no duplicates.
    pub(crate) store: Vec<String>,
    /// Which PN decoders a program name can reach.
    pub(crate) pn_index: index::PnIndex,
    /// Which NOPN decoders a log can reach.
    pub(crate) nopn_index: index::PrematchIndex,
    /// Unique per load (clones share it): what a session's
    /// [`index::ProgramCache`] was made for.
    pub(crate) load_id: u64,
}

/// Per-session decoding state: the accumulator store (§5.11).
#[derive(Debug, Clone, Default)]
pub struct DecoderState {
    /// Current time in seconds (any epoch); the caller advances it. The
    /// accumulator expires entries older than 120 s of this clock.
    pub now: i64,
    pub(crate) acm: HashMap<String, plugins::AcmEntry>,
    /// Decoder types changed by the SonicWall plugin: in Wazuh the plugin
    /// writes the shared decoder struct, so the change outlives the event.
    pub(crate) kinds: HashMap<usize, &'static str>,
    /// The PN decoders each program name seen so far reaches.
    pub(crate) programs: index::ProgramCache,
}

impl DecoderState {
    pub fn new() -> DecoderState {
        DecoderState::default()
    }
}

/// Wazuh's internal decoder names, part of the name store (rules.md R3.2.1,
/// `SetDecodeXML`).
pub const INTERNAL_DECODER_NAMES: [&str; 16] = [
    "rootcheck",
    "syscheck_integrity_changed",
    "syscheck_new_entry",
    "syscheck_deleted",
    "syscheck_registry_key_modified",
    "syscheck_registry_key_added",
    "syscheck_registry_key_deleted",
    "syscheck_registry_value_modified",
    "syscheck_registry_value_added",
    "syscheck_registry_value_deleted",
    "hostinfo_new",
    "hostinfo_modified",
    "syscollector",
    "ciscat",
    "windows_eventchannel",
    "sca",
];

impl DecoderSet {
    pub fn load(files: &[DecoderFile]) -> (DecoderSet, Vec<Diagnostic>) {
        load::load(files)
    }

    /// Decodes `event` (whose `pre` is filled) in place.
    pub fn decode(&self, event: &mut Event) -> Option<DecoderMatch> {
        eval::decode(self, event, None)
    }

    /// Decodes `event` and then applies the accumulator (§5.11) with the
    /// session state `state`.
    pub fn decode_with(&self, event: &mut Event, state: &mut DecoderState) -> Option<DecoderMatch> {
        eval::decode(self, event, Some(state))
    }

    /// [`decode_with`](Self::decode_with), also returning the indices (as
    /// in [`elements`](Self::elements)) of the top-level decoder and of the
    /// decoder whose information won, for coverage.
    pub fn decode_traced(
        &self,
        event: &mut Event,
        state: &mut DecoderState,
    ) -> Option<(DecoderMatch, [usize; 2])> {
        eval::decode_traced(self, event, Some(state), &mut crate::trace::NoTrace)
    }

    /// [`decode_traced`](Self::decode_traced) reporting every decoder
    /// tried to `tracer` (issue 6).
    pub(crate) fn decode_with_tracer<T: crate::trace::Tracer>(
        &self,
        event: &mut Event,
        state: &mut DecoderState,
        tracer: &mut T,
    ) -> Option<(DecoderMatch, [usize; 2])> {
        eval::decode_traced(self, event, Some(state), tracer)
    }

    /// The field names decoders can set, for rules that read them (the
    /// linter's `$(field)` check): static fields by their canonical name,
    /// dynamic ones lower-cased. `id` restricts to the decoders rules see as
    /// that `decoded_as` id. The flag says a plugin may set any name (JSON).
    pub fn field_names(&self, id: Option<u32>) -> (std::collections::HashSet<String>, bool) {
        let mut names = std::collections::HashSet::new();
        let mut open = false;
        for d in self
            .decoders
            .iter()
            .filter(|d| id.is_none_or(|i| d.id == i))
        {
            if d.plugin.is_some() {
                open = true;
            }
            for slot in &d.order {
                match slot {
                    OrderSlot::Static(f) => names.insert(f.name().to_string()),
                    OrderSlot::Dynamic(n) => names.insert(n.to_lowercase()),
                };
            }
        }
        (names, open)
    }

    /// Decoder elements selection can never reach, each with the element
    /// that takes their events first (indices as in [`elements`](Self::elements)):
    /// top-level decoders after one with the same `program_name` and no
    /// prematch (it wins every such event, R5.6.2; a top-level decoder with
    /// neither is refused at load); children after a sibling with
    /// no prematch (it is always selected, R5.6.3) and beyond the sibling
    /// group that runs with it (R5.6.4).
    pub fn unreachable(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let d = |i: usize| &self.decoders[i];
        for (i, t) in self.pn.iter().enumerate() {
            let first = d(t.decoder);
            if first.prematch.is_some() {
                continue;
            }
            let src = first.program_name.as_ref().map(|p| p.source());
            for u in &self.pn[i + 1..] {
                if d(u.decoder).program_name.as_ref().map(|p| p.source()) == src {
                    out.push((u.decoder, t.decoder));
                }
            }
        }
        for t in self.nopn.iter().chain(&self.pn) {
            // Walk the candidates as selection does (R5.6.3): the members
            // that continue a sibling group are skipped, not candidates.
            let kids = &t.children;
            let mut i = 0;
            while i < kids.len() {
                if d(kids[i]).prematch.is_none() {
                    let mut j = i;
                    while j < kids.len() && d(kids[j]).get_next {
                        j += 1;
                    }
                    for &k in kids.iter().skip(j + 1) {
                        out.push((k, kids[i]));
                    }
                    break;
                }
                if d(kids[i]).get_next {
                    i += 1;
                    while i < kids.len() && d(kids[i]).get_next {
                        i += 1;
                    }
                }
                i += 1;
            }
        }
        // One entry per unreachable decoder: the first that shadows it.
        out.sort_unstable();
        out.dedup_by_key(|(late, _)| *late);
        out
    }

    /// Every loaded `<decoder>` element in load order: its own name (as
    /// written, before children take their parent's name) and its start tag.
    pub fn elements(&self) -> impl Iterator<Item = (&str, &Span)> {
        self.decoders.iter().map(|d| (d.name.as_str(), &d.span))
    }

    /// The id of a decoder name for `decoded_as`, or None if unknown.
    pub fn id_of(&self, name: &str) -> Option<u32> {
        self.store
            .binary_search_by(|n| n.as_bytes().cmp(name.as_bytes()))
            .ok()
            .map(|i| i as u32 + 1)
    }

    /// Number of loaded `<decoder>` elements.
    pub fn len(&self) -> usize {
        self.decoders.len()
    }

    /// Whether no decoder was loaded.
    pub fn is_empty(&self) -> bool {
        self.decoders.is_empty()
    }
}

#[cfg(test)]
mod tests;
