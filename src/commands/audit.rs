//! `strongroom audit`: the compliance findings. Exit 0 when nothing reaches `--fail-on`, 1 when
//! something does, 2 when a cell (or a record) could not be read.

use std::process::ExitCode;

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::cli::{AuditFormat, FailOn};
use crate::drive::runner::run_to_completion;
use crate::report;

pub async fn run(
    loaded: Loaded,
    format: AuditFormat,
    fail_on: FailOn,
) -> color_eyre::Result<ExitCode> {
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded;
    warn(&state, &problems);
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
