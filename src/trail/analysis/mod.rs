//! What the events say: who read a secret, what a principal read, and hints for investigators.
//!
//! [`EventIndex::build`] sorts events newest first and works out once what every question asks
//! again: the secrets each event touched, interned principals, event names and IPs, and
//! lowercase search tokens. A filter over 100,000 events is then a scan of small integers.
//! Text in events is untrusted: neutralise labels, IPs and messages before display.

mod filter;
mod hints;
mod index;
mod mentions;
mod readers;
#[cfg(test)]
mod testing;

pub use filter::EventFilter;
pub use hints::{Hint, Severity};
pub use index::EventIndex;
pub use mentions::Mention;
pub use readers::{PrincipalSummary, Reader, SecretReads};
