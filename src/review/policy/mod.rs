//! Resource policies of secrets, parsed into statements (pure), and who they let read.
//!
//! A document from GetResourcePolicy is untrusted text: [`parse`] accepts the shapes IAM does
//! (`Statement` as an object or a list, `Principal` as `"*"` or an object whose values are a
//! string or a list, `Action`/`NotAction`, `Resource`/`NotResource`, `NotPrincipal`,
//! `Condition`) and reports anything else as a [`PolicyError`] naming where it is, so one bad
//! policy is one secret's error while the others load.

mod document;
mod parse;

pub use document::{
    Caller, Condition, Effect, Patterns, PolicyDocument, PolicyError, PolicyPrincipal, Principals,
    READ_ACTION, Reach, Statement, arn_account,
};
pub use parse::parse;

#[cfg(test)]
mod tests;
