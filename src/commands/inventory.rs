//! `strongroom inventory`: every secret of the loaded cells as a table, JSON or CSV.
//! Exit 0, or 2 when a cell (or a record) could not be read.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::app::state::Derive;
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
    // Nothing is searched or watched here (one join when every cell is in), and only the
    // table's and CSV's AUDIT column needs findings.
    state.derive = Derive {
        search: false,
        audit: format != Format::Json,
        progress: false,
    };
    run_to_completion(&mut state, source).await;
    match format {
        Format::Table => print!("{}", report::inventory::table(&state)),
        Format::Json => {
            // Indented for a person at a terminal, compact for a pipe or a file.
            let terminal = std::io::stdout().is_terminal();
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            if terminal {
                report::inventory::write_json_pretty(&state, &mut stdout)?;
            } else {
                report::inventory::write_json(&state, &mut stdout)?;
            }
            stdout.flush()?;
        }
        Format::Csv => print!("{}", report::inventory::csv(&state)?),
    }
    let code = finish(&state, problems.is_empty());
    // The process exits next: an organization's state (40,000 secrets) takes a tenth of a
    // second to free, which the exit does for nothing.
    std::mem::forget(state);
    Ok(code)
}
