//! Opening the source the command line names: the bundled demo, a snapshot file, or live AWS
//! (profiles, regions, endpoint). One place, so every command reads the same flags the same way.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::aws::{AwsOptions, AwsSource, connect};
use super::snapshot_source::SnapshotSource;
use super::{InventorySource, SourceKind, demo, snapshot};
use crate::cli::Cli;

/// What was opened: the source, the live AWS source when it is one (for calls beyond the
/// inventory port, such as value reads or GetResourcePolicy), and problems met while opening.
pub struct Opened {
    pub source: Arc<dyn InventorySource>,
    pub aws: Option<Arc<AwsSource>>,
    pub problems: Vec<String>,
}

/// `--cloudtrail` with nothing that names AWS (`--profile`, `--region`, `--endpoint-url`,
/// `--aws`): the log files are the whole source, read with no account and no network.
pub fn offline_log_files(cli: &Cli) -> bool {
    !cli.cloudtrail.is_empty()
        && !cli.aws
        && cli.profile.is_empty()
        && cli.region.is_empty()
        && cli.endpoint_url.is_none()
}

/// Opens the source of `cli`. `extra_region` is read too on live AWS (the DR region of a drill):
/// added to `--region` when regions are given, else to each profile's own region.
pub async fn open(
    cli: &Cli,
    state_dir: &Path,
    extra_region: Option<&str>,
) -> color_eyre::Result<Opened> {
    if cli.demo {
        let snap = demo::load(Utc::now())?;
        return Ok(Opened {
            source: Arc::new(SnapshotSource::new(snap, SourceKind::Demo)),
            aws: None,
            problems: Vec::new(),
        });
    }
    if let Some(path) = &cli.snapshot {
        let loaded = snapshot::read(path)?;
        let kind = SourceKind::Snapshot(path.display().to_string());
        return Ok(Opened {
            source: Arc::new(SnapshotSource::new(loaded.snapshot, kind)),
            aws: None,
            problems: loaded.problems,
        });
    }
    if offline_log_files(cli) {
        let paths: Vec<String> = cli
            .cloudtrail
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let snap = snapshot::Snapshot {
            schema_version: snapshot::SCHEMA_VERSION,
            captured_at: Utc::now(),
            source: "CloudTrail log files".into(),
            accounts: Vec::new(),
            regions: Vec::new(),
            cells: Vec::new(),
            secrets: Vec::new(),
            events: Vec::new(),
            access_events: Vec::new(),
        };
        return Ok(Opened {
            source: Arc::new(SnapshotSource::new(
                snap,
                SourceKind::LogFiles(paths.join(", ")),
            )),
            aws: None,
            problems: Vec::new(),
        });
    }
    let mut regions = cli.region.clone();
    if let Some(extra) = extra_region
        && !regions.is_empty()
        && !regions.iter().any(|r| r == extra)
    {
        regions.push(extra.to_string());
    }
    let opts = AwsOptions {
        profiles: cli.profile.clone(),
        regions,
        endpoint_url: cli.endpoint_url.clone(),
        max_attempts: 0,
        state_dir: state_dir.to_path_buf(),
    };
    let mut source = connect(&opts).await?;
    if let Some(extra) = extra_region {
        source = source.with_region(extra);
    }
    let source = Arc::new(source);
    Ok(Opened {
        source: source.clone(),
        aws: Some(source),
        problems: Vec::new(),
    })
}
