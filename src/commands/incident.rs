//! `strongroom incident list|resume|abort|trail|export`: follow a runbook run, continue it from
//! its journal, end it, find its writes in CloudTrail, export its timeline.

use std::path::Path;
use std::process::ExitCode;

use super::open::{open, source_args};
use super::runs::{self as commands, Context, ExportFormat};
use crate::cli::{Cli, IncidentCommand, IncidentFormat};
use crate::incident::Catalog;

pub async fn run(
    cli: &Cli,
    command: &IncidentCommand,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let code = match command {
        IncidentCommand::List => commands::list(state_dir, &mut out)?,
        IncidentCommand::Export { id, format, output } => {
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
        IncidentCommand::Resume { id } => {
            use std::io::IsTerminal;
            let ctx = context(cli, state_dir, config_dir).await?;
            let echo = !std::io::stdin().is_terminal();
            let mut input = std::io::stdin().lock();
            commands::resume(&ctx, id, &mut input, echo, &mut out).await?
        }
        IncidentCommand::Abort { id, reason } => {
            let ctx = context(cli, state_dir, config_dir).await?;
            commands::abort(&ctx, id, reason, &mut out)?
        }
        IncidentCommand::LeakChecks { incident } => {
            super::leak_check::list(state_dir, incident.as_deref(), &mut out)?
        }
        IncidentCommand::Trail { id } => {
            let ctx = context(cli, state_dir, config_dir).await?;
            commands::trail(&ctx, id, &mut out).await?
        }
    };
    Ok(ExitCode::from(code))
}

/// What running a runbook needs: the journal's folder, the catalog, the executor of the source
/// the command line names, and the flags to repeat in `incident resume`.
pub async fn context(
    cli: &Cli,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<Context> {
    let opened = open(cli, state_dir, None).await?;
    Ok(Context {
        state_dir: state_dir.to_path_buf(),
        catalog: Catalog::load(&Catalog::default_dirs(config_dir)),
        executor: opened.source.runbook_executor(),
        allow_write: cli.allow_write,
        source_args: source_args(cli),
    })
}
