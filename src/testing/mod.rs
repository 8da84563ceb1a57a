//! Shared fixtures for tests and benchmarks: synthetic fleets and helpers that answer the core's
//! effects. Compiled for the crate's tests, and for benches and integration tests through the
//! `testing` feature; never part of a release build.

pub mod drill;
pub mod fixtures;
pub mod review;
