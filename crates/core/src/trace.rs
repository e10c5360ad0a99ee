//! Tracing one evaluation (issue 6): what the decoders and the rule search
//! did, step by step, for "why did this rule fire, and why did that one not".
//!
//! # Design
//!
//! Decoding and rule matching are generic over a [`Tracer`]. Ordinary
//! evaluation passes [`NoTrace`], whose methods are empty and whose
//! [`enabled`](Tracer::enabled) is the constant `false`: after
//! monomorphisation every trace call and every gate construction (which
//! allocates strings) disappears, so evaluation without tracing costs what
//! it did before the trace existed (`benches/explain.rs` measures both).
//! [`RecordTrace`] keeps every step; [`crate::explain`] turns the steps into
//! a tree and answers "why not rule N".
//!
//! A step says *what happened*, never what Wazuh would print: the order of
//! steps is the order of Wazuh's own search (decoding.md §5.6, rules.md
//! §5.3), so replaying them reproduces the walk.

use serde::{Deserialize, Serialize};

/// Why a condition failed: the first failing gate of a rule or decoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// The element or attribute that failed, e.g. `match`, `field name="x"`.
    pub element: String,
    /// The pattern (or decoder name, list, ...) the element holds.
    pub pattern: Option<String>,
    /// The pattern's dialect (`osregex`, `osmatch`, `pcre2`), for patterns.
    pub dialect: Option<String>,
    /// The value tested (None when the field is absent).
    pub value: Option<String>,
    pub reason: GateReason,
}

/// How a gate failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateReason {
    /// The pattern did not match the value.
    NoMatch,
    /// The pattern matched, but the condition is negated.
    Negated,
    /// The event has no such field.
    FieldAbsent,
    /// Any other condition (decoder, list, time, stateful search, ...).
    NotSatisfied,
}

impl GateReason {
    /// A short phrase for the reason, as the explain views print it.
    pub fn phrase(self) -> &'static str {
        match self {
            GateReason::NoMatch => "no match",
            GateReason::Negated => "matched, but negated",
            GateReason::FieldAbsent => "field absent",
            GateReason::NotSatisfied => "not satisfied",
        }
    }
}

/// One step of a recorded rule search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RuleStep {
    /// A rule is about to be checked at this depth (0 = top level).
    Tried { rule: u32, depth: usize },
    /// The rule checked last failed at `gate`.
    Failed { rule: u32, gate: Gate },
    /// The rule checked last matched its conditions; its children come next.
    Matched { rule: u32 },
}

/// Where a decoder sits in the selection (decoding.md §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoderRole {
    /// A top-level decoder (R5.6.2).
    Top,
    /// A child of the top-level decoder that won (R5.6.3).
    Child,
    /// A member of the chain that extracts fields (R5.6.4).
    Chain,
}

/// What one decoder step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecoderOutcome {
    /// The decoder was selected (its program_name and prematch held).
    Selected,
    /// A gate failed: `program_name`, `prematch` or `regex`.
    Failed { gate: Gate },
    /// Its regex matched and assigned this many fields.
    Extracted { fields: usize },
    /// Its plugin ran.
    Plugin { name: String },
    /// A child was selected but has neither regex nor plugin: the chain ends.
    NothingToExtract,
}

/// One step of the decoder search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoderStep {
    /// The decoder's own name, as written in its `name` attribute.
    pub decoder: String,
    /// Index as in [`crate::decoder::DecoderSet::elements`].
    pub element: usize,
    pub role: DecoderRole,
    #[serde(flatten)]
    pub outcome: DecoderOutcome,
}

/// Receives the steps of one evaluation. Every method has an empty default.
pub trait Tracer {
    /// Whether steps should be built at all. Callers test it before building
    /// a step, so [`NoTrace`] builds nothing.
    fn enabled(&self) -> bool {
        false
    }
    /// A decoder step.
    fn decoder(&mut self, _step: DecoderStep) {}
    /// A rule is about to be checked at this depth of the tree.
    fn tried(&mut self, _rule: u32, _depth: usize) {}
    /// The rule checked last failed at `gate`.
    fn failed(&mut self, _rule: u32, _gate: Gate) {}
    /// The rule checked last matched its conditions.
    fn matched(&mut self, _rule: u32) {}
}

/// The tracer of ordinary evaluation: records nothing, costs nothing.
pub struct NoTrace;
impl Tracer for NoTrace {}

/// A tracer that records every step.
#[derive(Debug, Default)]
pub struct RecordTrace {
    pub decoders: Vec<DecoderStep>,
    pub rules: Vec<RuleStep>,
}

impl Tracer for RecordTrace {
    fn enabled(&self) -> bool {
        true
    }
    fn decoder(&mut self, step: DecoderStep) {
        self.decoders.push(step);
    }
    fn tried(&mut self, rule: u32, depth: usize) {
        self.rules.push(RuleStep::Tried { rule, depth });
    }
    fn failed(&mut self, rule: u32, gate: Gate) {
        self.rules.push(RuleStep::Failed { rule, gate });
    }
    fn matched(&mut self, rule: u32) {
        self.rules.push(RuleStep::Matched { rule });
    }
}
