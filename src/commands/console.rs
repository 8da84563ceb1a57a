//! The TUI: the console's state over the source the command line names, the keymap and the
//! runbook catalog, handed to the terminal runtime.

use std::path::Path;
use std::process::ExitCode;

use super::open::Loaded;
use crate::app::state::{Notice, NoticeLevel};
use crate::incident::Catalog;
use crate::tui::keymap::Keymap;
use crate::tui::runtime::{self, Options};
use crate::tui::theme::Theme;

pub async fn run(
    loaded: Loaded,
    demo: bool,
    state_dir: &Path,
    config_dir: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded;
    let catalog = Catalog::load(&Catalog::default_dirs(config_dir));
    let keymap = Keymap::load(config_dir.map(|d| d.join("keymap.toml")).as_deref())?;
    let mut team = crate::config::TeamConfig::load(config_dir)?;
    if demo && team.runbook_defaults.is_empty() {
        team = crate::config::demo();
    }
    state.runbooks.team = team;
    state.problems = problems;
    if let Some(first) = state.problems.first() {
        state.notice = Some(Notice {
            level: NoticeLevel::Warning,
            text: format!("{first} ({} problem(s) in all)", state.problems.len()),
        });
    } else if let Some(first) = state.source.notes.first() {
        state.notice = Some(Notice {
            level: NoticeLevel::Info,
            text: first.clone(),
        });
    }
    let options = Options {
        keymap,
        theme: Theme::from_env(),
        state_dir: state_dir.to_path_buf(),
        catalog,
    };
    runtime::run(state, source, options).await?;
    Ok(ExitCode::SUCCESS)
}
