//! How a command's outcome becomes its exit code: one rule for every inventory-based command.

use std::process::ExitCode;

use crate::app::State;
use crate::report;

/// What the source said when it opened (accounts left out, regions skipped) and the problems
/// met on the way (a bad snapshot record, an unreadable log file), on stderr before the report.
pub fn warn(state: &State, problems: &[String]) {
    for note in &state.source.notes {
        eprintln!("strongroom: note: {note}");
    }
    for p in problems {
        eprintln!("strongroom: {p}");
    }
}

/// Exit 0 when every cell loaded and nothing was wrong, 2 otherwise (each failure on stderr;
/// results still printed).
pub fn finish(state: &State, clean: bool) -> ExitCode {
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
