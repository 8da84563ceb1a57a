//! Where inventory comes from. The app core only sees the `InventorySource` port; the AWS SDK,
//! snapshot files and the bundled demo are adapters behind it.

pub mod aws;
pub mod demo;
mod demo_leak;
pub mod history;
mod port;
pub mod snapshot;
mod snapshot_salvage;
pub mod snapshot_source;

pub use port::{
    CellError, CellResult, FetchProgress, FetchedPolicy, InventorySource, OnEvents, OnPage,
    PolicyFetchStats, ResourcePolicies, SourceInfo, SourceKind, TrailPart,
};
