//! CloudTrail records for Secrets Manager: parsing and normalisation (pure), and reading log files.
//!
//! A record becomes an [`AccessEvent`]: who ([`Principal`]), what, when, where, and which secrets
//! it says it touched ([`SecretRef`]). [`resolve`] maps a reference onto the inventory.
//! Only [`files`] does I/O. Text in events comes from AWS and is untrusted: neutralise it
//! (`domain::untrusted`) before it reaches a terminal.

pub mod analysis;
pub mod athena;
pub mod event;
mod fields;
pub mod files;
pub mod parse;
pub mod principal;
pub mod secret_ref;

pub use event::{AccessEvent, EventKind};
pub use files::{Loaded, Problem, merge, read_paths};
pub use parse::parse_record;
pub use principal::{Principal, PrincipalKind};
pub use secret_ref::{SecretRef, resolve};
