//! `strongroom inventory`: every secret of the loaded cells as a table, JSON or CSV.
//! Exit 0, or 2 when a cell (or a record) could not be read.

use std::io::Write;
use std::process::ExitCode;

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::cli::Format;
use crate::drive::runner::run_to_completion;
use crate::report;

pub async fn run(loaded: Loaded, format: Format) -> color_eyre::Result<ExitCode> {
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded;
    warn(&state, &problems);
    run_to_completion(&mut state, source).await;
    match format {
        Format::Table => print!("{}", report::inventory::table(&state)),
        Format::Json => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            report::inventory::write_json(&state, &mut stdout)?;
            stdout.flush()?;
        }
        Format::Csv => print!("{}", report::inventory::csv(&state)?),
    }
    Ok(finish(&state, problems.is_empty()))
}
