//! Entry point: parse the command line, set up logging, and hand over to the command (or the
//! console) it names.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use strongroom::cli::Cli;
use strongroom::logging;

/// An organization's inventory is hundreds of thousands of small strings joined, audited and
/// dropped as cells arrive: with glibc's allocator a 40,000-secret load spent a third more CPU,
/// most of it in free-list upkeep (BENCHMARKS.md, "Organization"). Built without transparent
/// huge pages (`no_thp`): zeroing them cost more time and memory than they saved.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        match strongroom::commands::dispatch(cli, &state_dir, config_dir.as_deref()).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("strongroom: {e:#}");
                ExitCode::from(2)
            }
        }
    })
}
