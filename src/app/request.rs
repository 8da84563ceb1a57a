//! The id that ties an effect to the message carrying its result.

pub type RequestId = u64;
