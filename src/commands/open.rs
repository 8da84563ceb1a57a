//! Opening the source the command line names: the bundled demo, a snapshot file, or live AWS
//! (profiles, regions, endpoint). One place, so every command reads the same flags the same way.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use crate::app::State;
use crate::audit::Policy;
use crate::cli::Cli;
use crate::source::aws::athena::AthenaOptions;
use crate::source::aws::{AwsOptions, AwsSource, OrgOptions, connect};
use crate::source::snapshot_source::SnapshotSource;
use crate::source::{InventorySource, SourceKind, demo, snapshot};

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
        && s3_trail(cli).is_none()
        && !cli.aws
        && cli.profile.is_empty()
        && cli.region.is_empty()
        && cli.endpoint_url.is_none()
        && !names_accounts(cli)
}

/// `--cloudtrail s3://bucket/prefix/`: the trail read from S3 (live AWS), not local files.
fn s3_trail(cli: &Cli) -> Option<String> {
    cli.cloudtrail
        .iter()
        .map(|p| p.display().to_string())
        .find(|p| p.starts_with("s3://"))
}

/// The `--cloudtrail` paths that are local files or folders.
fn local_log_files(cli: &Cli) -> Vec<std::path::PathBuf> {
    cli.cloudtrail
        .iter()
        .filter(|p| !p.display().to_string().starts_with("s3://"))
        .cloned()
        .collect()
}

/// Whether the command line reaches accounts beyond the profiles' own.
fn names_accounts(cli: &Cli) -> bool {
    cli.org
        || !cli.org_ou.is_empty()
        || !cli.accounts.is_empty()
        || cli.assume_role.is_some()
        || cli.all_regions
}

/// Why Strongroom runs, said in the role session name (`strongroom-alice-inventory`).
fn purpose(cli: &Cli) -> &'static str {
    use crate::cli::Command;
    match &cli.command {
        None => "console",
        Some(Command::Inventory { .. }) => "inventory",
        Some(Command::Audit { .. }) => "audit",
        Some(Command::Events { .. }) => "events",
        Some(Command::Runbook { .. }) => "runbook",
        Some(Command::Incident { .. }) => "incident",
        Some(Command::Snapshot { .. }) => "snapshot",
        Some(Command::Drill(_)) => "drill",
        Some(Command::LeakCheck(_)) => "leak-check",
        Some(Command::Review { .. }) => "review",
        Some(Command::Trail { .. }) => "trail",
        Some(Command::Verify { .. }) => "verify",
        Some(Command::Registry { .. }) => "registry",
    }
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
        org: OrgOptions {
            discover: cli.org,
            units: cli.org_ou.clone(),
            accounts: cli.accounts.clone(),
        },
        assume_role: cli.assume_role.clone(),
        external_id: cli.external_id.clone(),
        all_regions: cli.all_regions,
        max_cells: cli.max_cells.unwrap_or(0),
        purpose: purpose(cli).to_string(),
        athena: cli.athena.as_ref().map(|table| AthenaOptions {
            table: table.clone(),
            database: cli.athena_database.clone(),
            workgroup: cli.athena_workgroup.clone(),
            output: cli.athena_output.clone(),
            region: cli.athena_region.clone(),
            account: cli.athena_account.clone(),
        }),
        s3_trail: s3_trail(cli),
    };
    let mut source = connect(&opts).await?;
    if let Some(extra) = extra_region {
        source = source.with_region(extra);
    }
    let problems = source.problems().to_vec();
    let source = Arc::new(source);
    Ok(Opened {
        source: source.clone(),
        aws: Some(source),
        problems,
    })
}

/// The console's state over an opened source: the policy, the source's own events and the
/// `--cloudtrail` files indexed, with every problem met on the way (reported, never fatal).
pub struct Loaded {
    pub state: State,
    pub source: Arc<dyn InventorySource>,
    pub problems: Vec<String>,
}

impl Loaded {
    /// Says the problems met on opening, then lists every cell with nothing derived beyond the
    /// joined inventory (no search index, audit or progress): for the headless commands that
    /// only read what is listed.
    pub async fn listed(mut self) -> Self {
        super::outcome::warn(&self.state, &self.problems);
        self.state.derive = crate::app::state::Derive {
            search: false,
            audit: false,
            progress: false,
        };
        crate::drive::runner::run_to_completion(&mut self.state, self.source.clone()).await;
        self
    }
}

/// Opens the source and prepares the state every inventory-based command (and the TUI) starts
/// from.
pub async fn load(
    cli: &Cli,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<Loaded> {
    let policy = Policy::load(cli.policy.as_deref(), config_dir)?;
    let opened = open(cli, state_dir, None).await?;
    let source = opened.source;
    let mut problems = opened.problems;
    let mut state = State::new(source.info(), !cli.allow_write, Utc::now());
    let mut policy = policy;
    // The team's registry: the audit takes its cadence and classification, the console its
    // matrix. A bad file is said and the rest goes on.
    match registry(cli.registry.as_deref(), config_dir) {
        Ok(Some(r)) => {
            policy.declared = crate::app::registry_view::declared(&r);
            state.registry.registry = Some(Arc::new(r));
        }
        Ok(None) => {}
        Err(e) => {
            problems.push(format!("registry: {e}"));
            state.registry.error = Some(e);
        }
    }
    state.policy = Arc::new(policy);
    let (mut events, bad) = parse_events(source.events());
    problems.extend(bad);
    events = crate::trail::merge(events, source.access_events());
    let local = local_log_files(cli);
    if !local.is_empty() {
        let files = crate::trail::read_paths(&local);
        problems.extend(files.problems.iter().map(ToString::to_string));
        events = crate::trail::merge(events, files.events);
    }
    state.live_events = source.live_events();
    crate::app::update::events::index(&mut state, events);
    Ok(Loaded {
        state,
        source,
        problems,
    })
}

/// CloudTrail records a snapshot carried, normalised; a bad one is named and skipped.
fn parse_events(records: Vec<serde_json::Value>) -> (Vec<crate::trail::AccessEvent>, Vec<String>) {
    let mut events = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match crate::trail::parse_record(r) {
            Ok(e) => events.push(e),
            Err(why) => problems.push(format!("snapshot events[{i}] skipped: {why}")),
        }
    }
    (events, problems)
}

/// The flags that chose the source (and state directory), to repeat in `incident resume`.
pub fn source_args(cli: &Cli) -> String {
    let mut args = Vec::new();
    if cli.demo {
        args.push("--demo".to_string());
    }
    if let Some(path) = &cli.snapshot {
        args.push(format!("--snapshot {}", path.display()));
    }
    for profile in &cli.profile {
        args.push(format!("--profile {profile}"));
    }
    for region in &cli.region {
        args.push(format!("--region {region}"));
    }
    if let Some(url) = &cli.endpoint_url {
        args.push(format!("--endpoint-url {url}"));
    }
    if cli.org {
        args.push("--org".to_string());
    }
    for ou in &cli.org_ou {
        args.push(format!("--org-ou {ou}"));
    }
    if !cli.accounts.is_empty() {
        args.push(format!("--accounts '{}'", cli.accounts.join(",")));
    }
    if let Some(role) = &cli.assume_role {
        args.push(format!("--assume-role {role}"));
    }
    if let Some(id) = &cli.external_id {
        args.push(format!("--external-id {id}"));
    }
    if cli.all_regions {
        args.push("--all-regions".to_string());
    }
    if let Some(dir) = &cli.state_dir {
        args.push(format!("--state-dir {}", dir.display()));
    }
    args.join(" ")
}

/// The team's registry: `--registry FILE`, else `<config dir>/registry.toml` when it exists
/// (None when neither is there).
pub fn registry(
    explicit: Option<&Path>,
    config_dir: Option<&Path>,
) -> Result<Option<crate::registry::Registry>, String> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match config_dir
            .map(|d| d.join("registry.toml"))
            .filter(|p| p.exists())
        {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    crate::registry::load(&path)
        .map(Some)
        .map_err(|e| e.to_string())
}
