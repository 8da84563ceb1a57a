//! The team's secrets registry: which secrets must exist in each environment, how often they
//! rotate, where they are replicated, and who may read them; and the checks an inventory is
//! held to against it (`strongroom verify`). No value is ever read: every check is made from
//! what ListSecrets and DescribeSecret say.

mod alerts;
mod check;
mod draft;
mod file;
mod template;

pub use alerts::{Alert, AlertKind, alerts};
pub use check::{Check, CheckKind, Status, Verification, verify};
pub use draft::draft;
pub use file::{KeyDecl, Presence, Registry, RegistryError, load, parse};
pub use template::Template;
