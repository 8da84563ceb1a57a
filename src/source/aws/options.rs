//! What the command line asks of live AWS, and why connecting can fail before any cell loads.

use super::org::OrgOptions;

/// Cells in flight at once. Each holds at most one HTTP request (connections are pooled and
/// shared by every client), so 256 stays far below the usual limit of 1,024 open files while
/// a 50-account, 4-region organization (200 cells) loads in a single wave.
pub const DEFAULT_CELLS: usize = 256;

pub fn bound(max_cells: usize) -> usize {
    if max_cells == 0 {
        DEFAULT_CELLS
    } else {
        max_cells
    }
}

#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Named profiles; empty means the default credential chain.
    pub profiles: Vec<String>,
    /// Regions to read; empty means each profile's own region.
    pub regions: Vec<String>,
    /// A different endpoint (the local emulator); `AWS_ENDPOINT_URL` is honoured too.
    pub endpoint_url: Option<String>,
    /// Attempts per call, throttling included (backoff grows between them).
    pub max_attempts: u32,
    /// Where the evidence store keeps fetched CloudTrail events (one file per account).
    pub state_dir: std::path::PathBuf,
    /// `--org`, `--org-ou`, `--accounts`: the accounts beyond the profiles' own.
    pub org: OrgOptions,
    /// `--assume-role NAME`: the role assumed in every account other than the caller's.
    pub assume_role: Option<String>,
    /// `--external-id`, passed to every AssumeRole.
    pub external_id: Option<String>,
    /// `--all-regions`: every region enabled in each account instead of `regions`.
    pub all_regions: bool,
    /// Cells (and account resolutions) in flight at once; 0 means [`DEFAULT_CELLS`].
    pub max_cells: usize,
    /// Why Strongroom runs (the command), said in the role session name.
    pub purpose: String,
    /// `--athena TABLE` and its options: the organization trail for long windows.
    pub athena: Option<super::athena::AthenaOptions>,
    /// `--cloudtrail s3://bucket/prefix/`: the trail's files, read straight from S3.
    pub s3_trail: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "No region: profile {0} sets none and no --region was given: pass --region (repeatable), set AWS_REGION, or run `aws configure`; `strongroom --demo` needs no account."
    )]
    NoRegion(String),
    /// Said in full by [`super::diagnose::sentence`].
    #[error("{0}")]
    ProfileNotFound(String),
    /// The organization's accounts could not be listed (said in full).
    #[error("{0}")]
    Organization(String),
    /// `--cloudtrail s3://...` does not name a bucket.
    #[error("--cloudtrail {0}")]
    Trail(String),
}
