//! rulelab-core: a faithful reimplementation of Wazuh 4.11.1 decoding and
//! rule matching. Pure: no I/O, no panics on bad input, builds for native and
//! `wasm32-unknown-unknown`.
//!
//! Data flow for one event (see `DESIGN.md`):
//! raw line -> [`predecode`] -> [`decoder`] -> [`rule`] matching -> [`Verdict`]
//! -> [`render`]. Sources are compiled once into an immutable [`Ruleset`]; a
//! [`Session`] holds the only mutable state (frequency memory, firedtimes,
//! the clock).
//!
//! ```
//! use rulelab_core::{defaults, Ruleset, Session, SessionOptions};
//! let loaded = Ruleset::load(&defaults::falco_example());
//! let ruleset = loaded.ruleset.expect("the embedded example loads");
//! let mut session = Session::new(&ruleset, SessionOptions::default());
//! let line = defaults::FALCO_EVENTS.lines().next().unwrap();
//! let verdict = session.evaluate(line, "stdin");
//! assert_eq!(verdict.rule.map(|r| r.id), Some(100602));
//! ```

// Diagnostics are the error type everywhere; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

pub mod classify;
pub mod decoder;
pub mod defaults;
pub mod diagnostic;
pub mod event;
pub mod explain;
pub mod falco;
pub mod lint;
pub mod pattern;
pub mod predecode;
pub mod render;
pub mod rule;
pub mod session;
pub mod suite;
mod text;
pub mod trace;
pub mod xml;

pub use diagnostic::{Diagnostic, Related, Severity, Span};
pub use event::{Event, Predecoded, StaticField};
pub use explain::{Explanation, WhyNot};
pub use session::{
    LoadOptions, Loaded, Now, RuleVerdict, Ruleset, Session, SessionOptions, Source, Sources,
    Verdict,
};
pub use trace::{DecoderOutcome, DecoderRole, DecoderStep, Gate, GateReason, RuleStep};
