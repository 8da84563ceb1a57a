//! LookupEvents through a per-cell rate limiter.
