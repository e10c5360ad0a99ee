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

pub mod json;

use crate::diagnostic::Diagnostic;
use crate::event::Event;
use crate::xml::Element;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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
}

/// All loaded decoders.
#[derive(Debug, Clone, Default)]
pub struct DecoderSet {}

impl DecoderSet {
    pub fn load(files: &[DecoderFile]) -> (DecoderSet, Vec<Diagnostic>) {
        let _ = files;
        (DecoderSet {}, Vec::new())
    }

    /// Decodes `event` (whose `pre` is filled) in place.
    pub fn decode(&self, event: &mut Event) -> Option<DecoderMatch> {
        let _ = event;
        None
    }

    /// The id of a decoder name for `decoded_as`, or None if unknown.
    pub fn id_of(&self, name: &str) -> Option<u32> {
        let _ = name;
        None
    }
}
