//! rulelab-core: a faithful reimplementation of Wazuh 4.11.1 decoding and
//! rule matching. Pure: no I/O, no panics on bad input, builds for native and
//! `wasm32-unknown-unknown`.
//!
//! Data flow for one event (see `DESIGN.md`):
//! raw line -> [`predecode`] -> [`decoder`] -> [`rule`] matching -> [`Verdict`].
//! The ruleset is compiled once into an immutable [`Ruleset`]; a [`Session`]
//! holds the only mutable state (frequency memory, firedtimes, the clock).

pub mod decoder;
pub mod diagnostic;
pub mod event;
pub mod pattern;
pub mod predecode;
pub mod xml;

pub use diagnostic::{Diagnostic, Severity, Span};
pub use event::{Event, Predecoded, StaticField};
