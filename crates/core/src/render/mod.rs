//! Output formats of a [`crate::Verdict`]: the standalone logtest text,
//! the alert JSON, and `$(field)` descriptions.

pub mod alert;
pub mod description;
pub mod logtest;
