//! `strongroom review start`: opens the source, loads the inventory and the window's reads
//! through the same update loop as the console, fetches (or reads from the cache) each
//! secret's resource policy, builds the review, keeps what it saw with the review in the
//! store, and prints the table. The other subcommands (`decide`, `show`, `list`, `export`,
//! `verify`) work on the store and files only: see `review::records`.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::eyre::{bail, eyre};

use super::review_records as records;
use crate::app::State;
use crate::cli::{Cli, ReviewCommand};
use crate::domain::CellHealth;
use crate::domain::inventory::Entry;
use crate::domain::untrusted::neutralise;
use crate::drive::runner::{drive, run_to_completion};
pub use crate::review::decision::local_user;
use crate::review::{Input, Observation, PolicyInput, ReviewInfo, build, review_id, selected};
use crate::source::aws::AwsSource;
use crate::source::aws::policies::{PolicyFetchStats, PolicyTarget};
use crate::source::{InventorySource, SourceKind};
use crate::store::review::ReviewStore;

/// LookupEvents answers for this long; older reads come only from log files.
const CLOUDTRAIL_DAYS: i64 = 90;

pub async fn run(
    cli: &Cli,
    command: &ReviewCommand,
    state_dir: &Path,
) -> color_eyre::Result<ExitCode> {
    match command {
        ReviewCommand::Start {
            window,
            secrets,
            reviewer,
            refresh_policies,
            new,
        } => {
            let options = StartOptions {
                window,
                secrets: secrets.as_deref(),
                reviewer: reviewer.clone().unwrap_or_else(local_user),
                refresh_policies: *refresh_policies,
                new: *new,
            };
            start(cli, &options, state_dir).await
        }
        ReviewCommand::Decide {
            secret,
            action,
            target,
            note,
            reviewer,
            review,
        } => records::decide(
            state_dir,
            review.as_deref(),
            secret,
            action,
            target.as_deref(),
            note,
            &reviewer.clone().unwrap_or_else(local_user),
        ),
        ReviewCommand::Show { review, secrets } => {
            records::show(state_dir, review.as_deref(), secrets.as_deref())
        }
        ReviewCommand::List => records::list(state_dir),
        ReviewCommand::Export {
            format,
            output,
            review,
        } => records::export(state_dir, review.as_deref(), *format, output.as_deref()),
        ReviewCommand::Verify { file } => Ok(records::verify(file)),
    }
}

struct StartOptions<'a> {
    window: &'a str,
    secrets: Option<&'a str>,
    reviewer: String,
    refresh_policies: bool,
    new: bool,
}

async fn start(
    cli: &Cli,
    opts: &StartOptions<'_>,
    state_dir: &Path,
) -> color_eyre::Result<ExitCode> {
    let span = crate::app::window::parse_duration(opts.window.trim())
        .filter(|d| *d > chrono::Duration::zero())
        .ok_or_else(|| {
            eyre!(
                "--window {}: use a span such as 30d, 90d or 12w",
                opts.window
            )
        })?;
    let now = Utc::now();
    let since = now - span;
    let super::open::Opened {
        source,
        aws,
        mut problems,
    } = super::open::open(cli, state_dir, None).await?;
    let info = source.info();
    let mut state = State::new(info.clone(), true, now);
    state.live_events = source.live_events();
    let events = source_events(source.as_ref(), cli, &mut problems);
    crate::app::update::events::index(&mut state, events);
    run_to_completion(&mut state, source.clone()).await;
    let targets: Vec<Target> = state
        .inventory
        .entries
        .iter()
        .filter(|e| selected(e, opts.secrets))
        .map(Target::of)
        .collect();
    if targets.is_empty() {
        bail!(
            "no secret to review{}: the inventory has {} secret(s)",
            opts.secrets
                .map(|g| format!(" matches --secrets {g}"))
                .unwrap_or_default(),
            state.inventory.len()
        );
    }
    let mut store = ReviewStore::open(state_dir)?;
    // CloudTrail and GetResourcePolicy have quotas of their own: both fetches run at once.
    let reads = async {
        if source.live_events() {
            let fetch = crate::app::update::events::start_fetch(&mut state, since, now);
            drive(&mut state, source.clone(), fetch).await;
        }
    };
    let policies = async {
        match (&aws, &info.kind) {
            (Some(aws), _) => live_policies(aws, &targets, &mut store, opts.refresh_policies)
                .await
                .map(|(p, stats)| (p, Some(stats), None)),
            (None, SourceKind::Demo) => Ok((
                everyone(&targets, || {
                    PolicyInput::NoneInSource("the demo fleet has no resource policies".into())
                }),
                None,
                Some(
                    "The demo has no resource policies: every secret's access is decided by IAM \
                     alone; its readers come from the demo's CloudTrail events.",
                ),
            )),
            (None, _) => Ok((
                everyone(&targets, || {
                    PolicyInput::Unavailable("a snapshot does not record resource policies".into())
                }),
                None,
                Some(
                    "A snapshot does not record resource policies: who may read is not known \
                     here. Run the review against AWS to read them.",
                ),
            )),
        }
    };
    let ((), policies) = tokio::join!(reads, policies);
    let (policies, stats, note) = policies?;
    let mut notes: Vec<String> = note.into_iter().map(str::to_string).collect();
    for (cell, s) in &state.cells {
        if !matches!(s.health, CellHealth::Ok | CellHealth::Loading) {
            problems.push(format!(
                "account {} region {}: {} ({})",
                cell.account,
                cell.region,
                s.health.label(),
                s.health.detail().unwrap_or("")
            ));
        }
    }
    if let Some(trail) = source.trail_table().filter(|_| source.live_events()) {
        notes.push(format!(
            "Reads came from the organization trail {trail} over the whole window, and from \
             CloudTrail LookupEvents for the last minutes the trail had not delivered."
        ));
    } else if span.num_days() > CLOUDTRAIL_DAYS && source.live_events() {
        notes.push(format!(
            "CloudTrail LookupEvents keeps {CLOUDTRAIL_DAYS} days: reads before {} appear only \
             from --cloudtrail log files.",
            (now - chrono::Duration::days(CLOUDTRAIL_DAYS)).format("%Y-%m-%d")
        ));
    }
    if state.events.is_empty() {
        notes.push(
            "No CloudTrail events were available: the \"read in window\" column is empty for \
             every secret."
                .to_string(),
        );
    }
    let secrets = build(&Input {
        inventory: &state.inventory,
        policies: &policies,
        events: &state.events,
        since,
        selection: opts.secrets,
    });
    for r in &secrets {
        if let (crate::review::PolicyStatus::Unreadable, Some(d)) =
            (r.policy.status, &r.policy.detail)
        {
            problems.push(format!("{}: {d}", r.secret.name));
        }
    }
    let wanted = ReviewInfo {
        id: review_id(now),
        started_at: now,
        window: opts.window.trim().to_string(),
        reviewer: opts.reviewer.clone(),
        scope: opts.secrets.map(str::to_string),
        source: info.label.clone(),
        source_kind: info.kind.short_name().to_string(),
    };
    let quarter = crate::review::quarter_prefix(now);
    let reuse = (!opts.new).then_some(quarter.as_str());
    let (review, created) = store.start(&wanted, reuse, now)?;
    let mut regions: Vec<String> = state.cells.keys().map(|c| c.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let observation = Observation {
        observed_at: now,
        since,
        accounts: info.accounts.iter().map(|a| a.id.clone()).collect(),
        regions,
        notes,
        problems: problems.clone(),
        secrets,
    };
    store.save_observation(&review.id, now, &serde_json::to_string(&observation)?)?;
    let (log, _) = store.decisions(&review.id)?;
    print!(
        "{}",
        crate::review::table::table(&review, &observation, &log)
    );
    if created {
        eprintln!("strongroom: started review {}", review.id);
    } else {
        eprintln!(
            "strongroom: opened review {} (started {} by {}); its decisions are kept",
            review.id,
            review.started_at.format("%Y-%m-%d %H:%M UTC"),
            neutralise(&review.reviewer)
        );
    }
    if let Some((stats, cached)) = stats {
        eprintln!("strongroom: {}", fetch_line(&stats, cached));
    }
    eprintln!(
        "strongroom: next: `strongroom review decide SECRET keep|revoke PRINCIPAL|change-owner WHO|follow-up --note TEXT`, then `strongroom review export --format markdown --output FILE`"
    );
    for p in &problems {
        eprintln!("strongroom: {}", neutralise(p));
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Policies of the targets: from the store unless `refresh`, the rest from GetResourcePolicy
/// (then cached). Secrets scheduled for deletion are not asked: nobody can read them.
async fn live_policies(
    aws: &AwsSource,
    targets: &[Target],
    store: &mut ReviewStore,
    refresh: bool,
) -> color_eyre::Result<(HashMap<String, PolicyInput>, (PolicyFetchStats, usize))> {
    let mut out = HashMap::new();
    let (deleted, live): (Vec<&Target>, Vec<&Target>) = targets.iter().partition(|t| t.deleted);
    for t in deleted {
        out.insert(
            t.policy.arn.clone(),
            PolicyInput::Unavailable(
                "scheduled for deletion: nobody can read it, its policy was not fetched".into(),
            ),
        );
    }
    let arns: Vec<String> = live.iter().map(|t| t.policy.arn.clone()).collect();
    let cached = if refresh {
        HashMap::new()
    } else {
        store.policies(&arns)?
    };
    let hits = cached.len();
    for (arn, c) in cached {
        out.insert(
            arn,
            PolicyInput::Fetched {
                text: c.text,
                fetched_at: c.fetched_at,
                cached: true,
            },
        );
    }
    let wanted: Vec<PolicyTarget> = live
        .iter()
        .filter(|t| !out.contains_key(&t.policy.arn))
        .map(|t| t.policy.clone())
        .collect();
    let (fetched, stats) = aws.resource_policies(&wanted).await;
    store.save_policies(fetched.iter().filter_map(|f| match &f.result {
        Ok(text) => Some((f.arn.as_str(), text.as_deref(), f.fetched_at)),
        Err(_) => None,
    }))?;
    for (f, target) in fetched.into_iter().zip(&wanted) {
        let input = match f.result {
            Ok(text) => PolicyInput::Fetched {
                text,
                fetched_at: f.fetched_at,
                cached: false,
            },
            // Reported with the secret's name once the review is built.
            Err(e) => {
                let hint = match e.health {
                    CellHealth::Forbidden(_) => {
                        "; the reviewer needs secretsmanager:GetResourcePolicy on it"
                    }
                    _ => "; run `review start` again to retry it",
                };
                PolicyInput::Failed(format!(
                    "GetResourcePolicy in {} failed: {e}{hint}",
                    target.region
                ))
            }
        };
        out.insert(f.arn, input);
    }
    Ok((out, (stats, hits)))
}

fn fetch_line(stats: &PolicyFetchStats, cached: usize) -> String {
    let mut line = format!(
        "GetResourcePolicy: {} call(s) in {:.2} s ({:.1}/s)",
        stats.calls,
        stats.seconds,
        stats.calls_per_second()
    );
    if stats.throttled > 0 {
        line.push_str(&format!(", {} throttled and retried", stats.throttled));
    }
    line.push_str(&format!(
        "; {cached} from the cache (--refresh-policies fetches them again)"
    ));
    line
}

/// A secret whose resource policy the review needs.
struct Target {
    policy: PolicyTarget,
    /// Scheduled for deletion: nobody can read it, its policy is not asked for.
    deleted: bool,
}

impl Target {
    fn of(entry: &Entry) -> Self {
        let s = &entry.secret;
        Target {
            policy: PolicyTarget {
                arn: s.arn.clone(),
                account: s.account.clone(),
                region: s.region.clone(),
            },
            deleted: s.deleted.is_some(),
        }
    }
}

fn everyone(targets: &[Target], input: impl Fn() -> PolicyInput) -> HashMap<String, PolicyInput> {
    targets
        .iter()
        .map(|t| (t.policy.arn.clone(), input()))
        .collect()
}

/// Events the source holds (snapshots, the demo) and `--cloudtrail` files, normalised; a
/// record that cannot be read is a problem, the rest load.
fn source_events(
    source: &dyn InventorySource,
    cli: &Cli,
    problems: &mut Vec<String>,
) -> Vec<crate::trail::AccessEvent> {
    let mut events = Vec::new();
    for (i, r) in source.events().iter().enumerate() {
        match crate::trail::parse_record(r) {
            Ok(e) => events.push(e),
            Err(why) => problems.push(format!("snapshot events[{i}] skipped: {why}")),
        }
    }
    let mut events = crate::trail::merge(events, source.access_events());
    if !cli.cloudtrail.is_empty() {
        let files = crate::trail::read_paths(&cli.cloudtrail);
        problems.extend(files.problems.iter().map(ToString::to_string));
        events = crate::trail::merge(events, files.events);
    }
    events
}
