//! `strongroom runbook validate|list|run`: check runbooks before anyone needs them, list the
//! catalog, start an incident (or walk a runbook in a dry run).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::incident::context;
use super::runs as commands;
use crate::cli::{Cli, RunbookCommand};
use crate::incident::Catalog;

pub async fn run(
    cli: &Cli,
    command: &RunbookCommand,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let code = match command {
        // Validation needs no source: it reads files only.
        RunbookCommand::Validate { files } => return Ok(validate(files)),
        RunbookCommand::List => {
            commands::list_runbooks(&Catalog::load(&Catalog::default_dirs(config_dir)), &mut out)?
        }
        // A dry run opens no source: nothing can reach AWS, not even a credentials lookup.
        RunbookCommand::Run {
            name,
            params,
            dry_run: true,
        } => commands::dry_run(
            &Catalog::load(&Catalog::default_dirs(config_dir)),
            name,
            params,
            &mut out,
        )?,
        RunbookCommand::Run { name, params, .. } => {
            let ctx = context(cli, state_dir, config_dir).await?;
            commands::run(&ctx, name, params, &mut out).await?
        }
    };
    Ok(ExitCode::from(code))
}

/// `strongroom runbook validate`: every error as file:line: field: message; exit 0 or 2.
pub fn validate(files: &[PathBuf]) -> ExitCode {
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
        match crate::runbook::load_file(file) {
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
