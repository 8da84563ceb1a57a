//! Leak triage: which secret, and which version of it, a leaked value is. The suspected value
//! is hashed the moment it is read and its bytes zeroed; versions' values are hashed in memory,
//! compared and zeroed; only which version matched ever leaves this module. Pure: no I/O.

pub mod outcome;
pub mod parts;
pub mod plan;
pub mod record;
pub mod suspect;

pub use outcome::{Failure, Match, Outcome, Verdict};
pub use parts::{Part, parts_matching, parts_matching_digests};
pub use plan::{BATCH, Plan, Read, Target};
pub use record::journal_record;
pub use suspect::{Masked, Suspect, SuspectError};
