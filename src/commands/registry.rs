//! `strongroom registry init [--output FILE]`: a first registry drafted from the loaded
//! inventory and the last 90 days of reads, for the team to review and keep in git. Reads no
//! value; writes nothing but the file it is asked to (never over one that exists, unless
//! `--force`).

use std::path::Path;
use std::process::ExitCode;

use chrono::Duration;

use super::open::Loaded;
use crate::drive::runner::drive;

/// How far back reads make consumers.
const CONSUMER_DAYS: i64 = 90;

pub async fn init(
    loaded: Loaded,
    output: Option<&Path>,
    force: bool,
) -> color_eyre::Result<ExitCode> {
    if let Some(path) = output
        && path.exists()
        && !force
    {
        eprintln!(
            "strongroom registry init: {} exists; pass --force to replace it, or another --output",
            path.display()
        );
        return Ok(ExitCode::from(2));
    }
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded.listed().await;
    if source.live_events() {
        let now = state.now;
        let fetch = crate::app::update::events::start_fetch(
            &mut state,
            now - Duration::days(CONSUMER_DAYS),
            now,
        );
        drive(&mut state, source, fetch).await;
    }
    let (text, unkeyed) = crate::registry::draft(&state.inventory.entries, &state.events.events);
    // What is written must read back: the draft is checked like any registry.
    if let Err(e) = crate::registry::parse(&text, "the draft") {
        eprintln!("strongroom registry init: the draft does not read back ({e}); nothing written");
        return Ok(ExitCode::from(2));
    }
    match output {
        Some(path) => {
            std::fs::write(path, &text)?;
            eprintln!("strongroom registry init: wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    let keys = text.matches("\n[keys.").count();
    eprintln!(
        "strongroom registry init: {keys} keys from {} secrets and {} events; {} secret(s) name \
         no environment and are left out. Review it, then: strongroom --registry FILE verify \
         --env prod",
        state.inventory.len(),
        state.events.events.len(),
        unkeyed.len()
    );
    Ok(super::outcome::finish(&state, problems.is_empty()))
}
