//! Tracing to a file in the state directory, off unless STRONGROOM_LOG names a level.
//! Never to stdout or stderr: they belong to the TUI and to the reports.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging if STRONGROOM_LOG is set; keep the guard alive until exit.
pub fn init(state_dir: &Path) -> Option<WorkerGuard> {
    let level = std::env::var("STRONGROOM_LOG")
        .ok()
        .filter(|l| !l.is_empty())?;
    std::fs::create_dir_all(state_dir).ok()?;
    let appender = tracing_appender::rolling::never(state_dir, "strongroom.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
