//! Runbooks: the TOML format a security team reviews, parsed and validated into a [`Runbook`].
//!
//! Pure code except [`load_file`]. Every error names the file, the line and the field.

pub mod assertion;
pub mod calls;
pub mod engine;
mod error;
mod messages;
mod parse;
pub mod plan;
pub mod read_calls;
mod reader;
pub mod refs;
pub mod spec;
mod step;
mod step_decision;
pub mod validate;
pub mod values;

pub use error::RunbookError;
pub use refs::ValueRef;
pub use spec::{
    ActionKind, ArgValue, Args, Assertion, Decision, DecisionOption, END, Meta, OnFailure, Param,
    ParamType, ParamValue, QueryKind, Runbook, Step, StepBody, StepKind, Validation,
};
pub use validate::{load_file, validate};

#[cfg(test)]
mod tests;
