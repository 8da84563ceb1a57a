//! Entry point: parse the command line, set up logging, choose the source, then run the TUI or
//! a headless command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use clap::Parser;

use strongroom::app::State;
use strongroom::app::runner::run_to_completion;
use strongroom::audit::Policy;
use strongroom::cli::{
    AuditFormat, Cli, Command, Format, IncidentCommand, IncidentFormat, RunbookCommand,
    SnapshotCommand,
};
use strongroom::incident::Catalog;
use strongroom::source::InventorySource;
use strongroom::source::snapshot::{self, CellRecord, SCHEMA_VERSION, Snapshot};
use strongroom::tui::keymap::Keymap;
use strongroom::tui::runtime::{self, Options};
use strongroom::tui::theme::Theme;
use strongroom::{logging, report};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        eprintln!("strongroom: {e}");
    }
    let dirs = directories::ProjectDirs::from("", "", "strongroom");
    let state_dir = cli.state_dir.clone().unwrap_or_else(|| {
        dirs.as_ref()
            .and_then(|d| d.state_dir().map(PathBuf::from))
            .unwrap_or_else(|| std::env::temp_dir().join("strongroom"))
    });
    let config_dir = dirs.as_ref().map(|d| d.config_dir().to_path_buf());
    let _log = logging::init(&state_dir);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("strongroom: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        match run(cli, state_dir, config_dir).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("strongroom: {e:#}");
                ExitCode::from(2)
            }
        }
    })
}

async fn run(
    cli: Cli,
    state_dir: PathBuf,
    config_dir: Option<PathBuf>,
) -> color_eyre::Result<ExitCode> {
    // Runbook validation needs no source: it reads files only.
    if let Some(Command::Runbook {
        command: RunbookCommand::Validate { files },
    }) = &cli.command
    {
        return Ok(validate_runbooks(files));
    }
    if let Some(code) = incidents(&cli, &state_dir, config_dir.as_deref()).await? {
        return Ok(code);
    }
    if let Some(Command::Drill(args)) = &cli.command {
        return strongroom::drill::command::run(&cli, args, &state_dir, config_dir.as_deref())
            .await;
    }
    if let Some(Command::Review { command }) = &cli.command {
        return strongroom::review::command::run(&cli, command, &state_dir).await;
    }
    let policy = Policy::load(cli.policy.as_deref(), config_dir.as_deref())?;
    let (source, problems) = open_source(&cli, &state_dir).await?;
    let mut state = State::new(source.info(), !cli.allow_write, Utc::now());
    state.policy = std::sync::Arc::new(policy);
    let (mut events, mut problems) = (parse_events(source.events()), problems);
    problems.extend(events.1);
    events.0 = strongroom::trail::merge(events.0, source.access_events());
    if !cli.cloudtrail.is_empty() {
        let files = strongroom::trail::read_paths(&cli.cloudtrail);
        problems.extend(files.problems.iter().map(ToString::to_string));
        events.0 = strongroom::trail::merge(events.0, files.events);
    }
    state.live_events = source.live_events();
    strongroom::app::update::events::index(&mut state, events.0);
    match cli.command {
        None => {
            let catalog = Catalog::load(&Catalog::default_dirs(config_dir.as_deref()));
            let keymap = Keymap::load(config_dir.map(|d| d.join("keymap.toml")).as_deref())?;
            state.problems = problems;
            if let Some(first) = state.problems.first() {
                state.notice = Some(strongroom::app::state::Notice {
                    level: strongroom::app::state::NoticeLevel::Warning,
                    text: format!("{first} ({} problem(s) in all)", state.problems.len()),
                });
            }
            let options = Options {
                keymap,
                theme: Theme::from_env(),
                state_dir,
                catalog,
            };
            runtime::run(state, source, options).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Inventory { format }) => {
            for p in &problems {
                eprintln!("strongroom: {p}");
            }
            run_to_completion(&mut state, source).await;
            let out = match format {
                Format::Table => report::inventory::table(&state),
                Format::Json => report::inventory::json(&state)?,
                Format::Csv => report::inventory::csv(&state)?,
            };
            print!("{out}");
            Ok(finish(&state, problems.is_empty()))
        }
        Some(Command::Audit { format, fail_on }) => {
            for p in &problems {
                eprintln!("strongroom: {p}");
            }
            run_to_completion(&mut state, source).await;
            let out = match format {
                AuditFormat::Table => report::audit::table(&state),
                AuditFormat::Json => report::audit::json(&state)?,
                AuditFormat::Csv => report::audit::csv(&state)?,
                AuditFormat::Markdown => report::audit::markdown(&state),
                AuditFormat::Sarif => report::audit::sarif(&state)?,
            };
            print!("{out}");
            let failed = finish(&state, problems.is_empty());
            if failed != ExitCode::SUCCESS {
                return Ok(failed);
            }
            let threshold = fail_on.severity();
            let reached = state
                .findings
                .values()
                .flatten()
                .any(|f| f.severity >= threshold);
            Ok(if reached {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(Command::Events {
            secret,
            principal,
            event,
            since,
            until,
            errors_only,
            writes_only,
            format,
        }) => {
            for p in &problems {
                eprintln!("strongroom: {p}");
            }
            let now = state.now;
            let since = strongroom::app::window::parse_time(&since, now)
                .map_err(|e| color_eyre::eyre::eyre!("--since: {e}"))?;
            let until = match until {
                Some(u) => strongroom::app::window::parse_time(&u, now)
                    .map_err(|e| color_eyre::eyre::eyre!("--until: {e}"))?,
                None => now,
            };
            run_to_completion(&mut state, source.clone()).await;
            if source.live_events() {
                let fetch = strongroom::app::update::events::start_fetch(&mut state, since, until);
                strongroom::app::runner::drive(&mut state, source, fetch).await;
            }
            let filter = strongroom::trail::analysis::EventFilter {
                secret_arns: match &secret {
                    Some(id) => {
                        let arns = secret_arns(&state, id);
                        if arns.is_empty() {
                            color_eyre::eyre::bail!(
                                "--secret {id}: no such secret in the inventory"
                            );
                        }
                        arns
                    }
                    None => Vec::new(),
                },
                principal: principal.as_deref().map(|p| principal_key(&state, p)),
                event_name: event,
                since: Some(since),
                until: Some(until),
                errors_only,
                writes_only,
                ..Default::default()
            };
            let rows = state.events.filter(&filter);
            let out = match format {
                Format::Table => report::events::table(&state, &rows),
                Format::Json => report::events::json(&state, &rows)?,
                Format::Csv => report::events::csv(&state, &rows)?,
            };
            print!("{out}");
            Ok(finish(&state, problems.is_empty()))
        }
        Some(
            Command::Runbook { .. }
            | Command::Incident { .. }
            | Command::Drill(_)
            | Command::Review { .. },
        ) => Ok(ExitCode::SUCCESS),
        Some(Command::Snapshot {
            command: SnapshotCommand::Export { output },
        }) => {
            for p in &problems {
                eprintln!("strongroom: {p}");
            }
            let events = source.events();
            run_to_completion(&mut state, source.clone()).await;
            if source.live_events() {
                let (start, end) = (state.now - chrono::Duration::days(7), state.now);
                let fetch = strongroom::app::update::events::start_fetch(&mut state, start, end);
                strongroom::app::runner::drive(&mut state, source, fetch).await;
            }
            let snap = capture(&state, events);
            snapshot::write(&output, &snap)
                .map_err(|e| color_eyre::eyre::eyre!("cannot write {}: {e}", output.display()))?;
            eprintln!(
                "strongroom: wrote {} secrets from {} account/region cells to {}",
                snap.secrets.len(),
                snap.cells.len(),
                output.display()
            );
            Ok(finish(&state, problems.is_empty()))
        }
    }
}

/// Exit 0 when every cell loaded, 2 otherwise (each failure on stderr; results still printed).
fn finish(state: &State, clean: bool) -> ExitCode {
    let failures = report::inventory::failures(state);
    for f in &failures {
        eprintln!("{f}");
    }
    if failures.is_empty() && clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

async fn open_source(
    cli: &Cli,
    state_dir: &std::path::Path,
) -> color_eyre::Result<(Arc<dyn InventorySource>, Vec<String>)> {
    let opened = strongroom::source::open::open(cli, state_dir, None).await?;
    Ok((opened.source, opened.problems))
}

/// The runbook and incident commands; None for every other command.
async fn incidents(
    cli: &Cli,
    state_dir: &std::path::Path,
    config_dir: Option<&std::path::Path>,
) -> color_eyre::Result<Option<ExitCode>> {
    use strongroom::incident::commands::{self, Context, ExportFormat};
    let catalog = || Catalog::load(&Catalog::default_dirs(config_dir));
    let mut out = std::io::stdout().lock();
    let code = match &cli.command {
        Some(Command::Runbook {
            command: RunbookCommand::List,
        }) => commands::list_runbooks(&catalog(), &mut out)?,
        Some(Command::Incident {
            command: IncidentCommand::List,
        }) => commands::list(state_dir, &mut out)?,
        Some(Command::Incident {
            command: IncidentCommand::Export { id, format, output },
        }) => {
            let format = match format {
                IncidentFormat::Markdown => ExportFormat::Markdown,
                IncidentFormat::Json => ExportFormat::Json,
            };
            match output {
                Some(path) => {
                    let mut file = std::fs::File::create(path)?;
                    let code = commands::export(state_dir, id, format, &mut file)?;
                    eprintln!("strongroom: wrote {}", path.display());
                    code
                }
                None => commands::export(state_dir, id, format, &mut out)?,
            }
        }
        // A dry run opens no source: nothing can reach AWS, not even a credentials lookup.
        Some(Command::Runbook {
            command:
                RunbookCommand::Run {
                    name,
                    params,
                    dry_run: true,
                },
        }) => commands::dry_run(&catalog(), name, params, &mut out)?,
        Some(Command::Runbook {
            command: RunbookCommand::Run { .. },
        })
        | Some(Command::Incident {
            command:
                IncidentCommand::Resume { .. }
                | IncidentCommand::Abort { .. }
                | IncidentCommand::Trail { .. },
        }) => {
            let (source, _) = open_source(cli, state_dir).await?;
            let ctx = Context {
                state_dir: state_dir.to_path_buf(),
                catalog: catalog(),
                executor: source.runbook_executor(),
                allow_write: cli.allow_write,
                source_args: source_args(cli),
            };
            match &cli.command {
                Some(Command::Runbook {
                    command: RunbookCommand::Run { name, params, .. },
                }) => commands::run(&ctx, name, params, &mut out).await?,
                Some(Command::Incident {
                    command: IncidentCommand::Resume { id },
                }) => {
                    use std::io::IsTerminal;
                    let echo = !std::io::stdin().is_terminal();
                    let mut input = std::io::stdin().lock();
                    commands::resume(&ctx, id, &mut input, echo, &mut out).await?
                }
                Some(Command::Incident {
                    command: IncidentCommand::Abort { id, reason },
                }) => commands::abort(&ctx, id, reason, &mut out)?,
                Some(Command::Incident {
                    command: IncidentCommand::Trail { id },
                }) => commands::trail(&ctx, id, &mut out).await?,
                _ => 2,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(ExitCode::from(code)))
}

/// The flags that chose the source (and state directory), to repeat in `incident resume`.
fn source_args(cli: &Cli) -> String {
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
    if let Some(dir) = &cli.state_dir {
        args.push(format!("--state-dir {}", dir.display()));
    }
    args.join(" ")
}

/// The state as a snapshot: every cell's listing with the replication status learned.
fn capture(state: &State, events: Vec<serde_json::Value>) -> Snapshot {
    let secrets = state
        .listings
        .values()
        .flatten()
        .cloned()
        .map(|mut s| {
            if s.replication.is_none() {
                s.replication = state.replication.get(&s.arn).cloned();
            }
            s
        })
        .collect();
    let mut regions: Vec<String> = state.cells.keys().map(|c| c.region.clone()).collect();
    regions.dedup();
    regions.sort();
    regions.dedup();
    Snapshot {
        schema_version: SCHEMA_VERSION,
        captured_at: state.now,
        source: state.source.label.clone(),
        accounts: state.source.accounts.clone(),
        regions,
        cells: state
            .cells
            .iter()
            .map(|(cell, cs)| CellRecord {
                cell: cell.clone(),
                health: cs.health.clone(),
            })
            .collect(),
        secrets,
        // Raw records travel as they came; live-fetched events in their normalised form.
        access_events: if events.is_empty() {
            state.events.events.clone()
        } else {
            Vec::new()
        },
        events,
    }
}

/// CloudTrail records a snapshot carried, normalised; a bad one is named and skipped.
fn parse_events(
    records: Vec<serde_json::Value>,
) -> (Vec<strongroom::trail::AccessEvent>, Vec<String>) {
    let mut events = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match strongroom::trail::parse_record(r) {
            Ok(e) => events.push(e),
            Err(why) => problems.push(format!("snapshot events[{i}] skipped: {why}")),
        }
    }
    (events, problems)
}

/// A secret named on the command line (name, partial or full ARN), with its replicas' ARNs.
fn secret_arns(state: &State, id: &str) -> Vec<String> {
    state
        .inventory
        .entries
        .iter()
        .filter(|e| {
            let s = &e.secret;
            s.arn == id
                || s.name == id
                || s.arn.starts_with(&format!("{id}-"))
                || e.replicas.iter().any(|r| r.arn == id)
        })
        .flat_map(|e| {
            std::iter::once(e.secret.arn.clone()).chain(e.replicas.iter().map(|r| r.arn.clone()))
        })
        .collect()
}

/// The principal key for an ARN, role ARN, user name or access key typed on the command line.
fn principal_key(state: &State, text: &str) -> String {
    state
        .events
        .events
        .iter()
        .map(|e| &e.principal)
        .find(|p| {
            [
                p.arn.as_deref(),
                p.role_arn.as_deref(),
                p.name.as_deref(),
                p.access_key_id.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| v == text)
        })
        .map_or_else(|| text.to_string(), |p| p.key())
}

/// `strongroom runbook validate`: every error as file:line: field: message; exit 0 or 2.
fn validate_runbooks(files: &[PathBuf]) -> ExitCode {
    let files: Vec<PathBuf> = if files.is_empty() {
        let mut found: Vec<PathBuf> = std::fs::read_dir("runbooks")
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    } else {
        files.to_vec()
    };
    if files.is_empty() {
        eprintln!("strongroom: no runbooks found in ./runbooks; pass FILE...");
        return ExitCode::from(2);
    }
    let mut all_valid = true;
    for file in &files {
        match strongroom::runbook::load_file(file) {
            Ok(runbook) => println!("{}: ok ({} steps)", file.display(), runbook.steps.len()),
            Err(errors) => {
                all_valid = false;
                for error in errors {
                    eprintln!("{error}");
                }
            }
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
