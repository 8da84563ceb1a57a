//! The headless subcommands and the console, one file each: each opens its source, drives the
//! core, writes its report and maps the outcome to an exit code. Opening sources (`open`) and
//! exit codes (`outcome`) exist once, here. Nothing below imports this module or `cli`.

pub mod audit;
pub mod console;
pub mod drill;
pub mod events;
pub mod incident;
pub mod inventory;
pub mod leak_check;
pub mod open;
pub mod outcome;
pub mod registry;
pub mod review;
mod review_records;
pub mod runbook;
mod runs;
pub mod snapshot;
pub mod trail;
pub mod verify;

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{Cli, Command, RegistryCommand, SnapshotCommand};

/// Runs what the command line asks: a subcommand, or the console when there is none.
pub async fn dispatch(
    cli: Cli,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let loaded = || open::load(&cli, state_dir, config_dir);
    match &cli.command {
        None => console::run(loaded().await?, cli.demo, state_dir, config_dir).await,
        Some(Command::Inventory { format }) => inventory::run(loaded().await?, *format).await,
        Some(Command::Verify { env, format }) => {
            verify::run(&cli, loaded, config_dir, env, *format).await
        }
        Some(Command::Audit { format, fail_on }) => {
            audit::run(loaded().await?, *format, *fail_on).await
        }
        Some(Command::Events {
            secret,
            principal,
            event,
            since,
            until,
            errors_only,
            writes_only,
            show_sql,
            alerts,
            baseline,
            format,
        }) => {
            let registry = if *alerts {
                match open::registry(cli.registry.as_deref(), config_dir) {
                    Ok(Some(r)) => Some(std::sync::Arc::new(r)),
                    Ok(None) => {
                        eprintln!(
                            "strongroom events --alerts: no registry: pass --registry FILE or \
                             keep one at <config dir>/registry.toml"
                        );
                        return Ok(ExitCode::from(2));
                    }
                    Err(e) => {
                        eprintln!("strongroom events --alerts: {e}");
                        return Ok(ExitCode::from(2));
                    }
                }
            } else {
                None
            };
            let query = events::Query {
                secret: secret.clone(),
                principal: principal.clone(),
                event: event.clone(),
                since: since.clone(),
                until: until.clone(),
                errors_only: *errors_only,
                writes_only: *writes_only,
                show_sql: *show_sql,
                alerts: registry,
                baseline: baseline.clone(),
            };
            events::run(loaded().await?, query, *format).await
        }
        Some(Command::Snapshot {
            command: SnapshotCommand::Export { output },
        }) => snapshot::export(loaded().await?, output).await,
        Some(Command::Trail { command }) => Ok(trail::run(&cli, command)),
        Some(Command::Registry {
            command: RegistryCommand::Init { output, force },
        }) => registry::init(loaded().await?, output.as_deref(), *force).await,
        Some(Command::Drill(args)) => drill::run(&cli, args, state_dir, config_dir).await,
        Some(Command::LeakCheck(args)) => {
            leak_check::run(&cli, args, loaded, state_dir, config_dir).await
        }
        Some(Command::Review { command }) => review::run(&cli, command, state_dir).await,
        Some(Command::Runbook { command }) => {
            runbook::run(&cli, command, state_dir, config_dir).await
        }
        Some(Command::Incident { command }) => {
            incident::run(&cli, command, state_dir, config_dir).await
        }
    }
}
