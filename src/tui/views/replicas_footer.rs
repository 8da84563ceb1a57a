//! The lines under the replication matrix: the cell under the cursor in one line, the drill's
//! notes, and a drill run's stopwatch (listing per region, DescribeSecret) and summary.

use ratatui::text::{Line, Span};

use super::replicas_text::{failover_brief, failover_text, outcome_style, short};
use crate::app::State;
use crate::app::replicas::{DrillRun, seconds};
use crate::domain::ReplicationState;
use crate::domain::untrusted::neutralise;
use crate::drill::{Drill, Parity, Presence, RegionCell, Row};
use crate::source::SourceKind;
use crate::tui::theme::Theme;

pub fn lines(state: &State, drill: &Drill, theme: &Theme) -> Vec<Line<'static>> {
    let view = &state.replicas;
    let mut lines = Vec::new();
    lines.push(match (view.selected_row(), view.selected_region()) {
        (Some(row), Some(region)) => {
            let about = row
                .cell(region)
                .map(|c| cell_summary(row, c, &drill.dr_region))
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(
                    format!("▸ {} · {region}: ", neutralise(&row.key.name)),
                    theme.title(),
                ),
                Span::raw(about),
            ])
        }
        _ => Line::default(),
    });
    for note in drill.notes.iter().take(2) {
        lines.push(Line::from(Span::styled(
            format!("! {}", neutralise(note)),
            theme.warn(),
        )));
    }
    match &view.run {
        Some(run) => lines.extend(run_lines(state, run, theme)),
        None => lines.push(Line::from(Span::styled(
            format!(
                "DR {} ({}) · D: run the drill (list again, time it, verdicts)",
                drill.dr_region,
                view.choice.map_or("", |c| c.label()),
            ),
            theme.dim(),
        ))),
    }
    lines
}

/// The cell under the cursor in one line.
fn cell_summary(row: &Row, cell: &RegionCell, dr: &str) -> String {
    let text = match &cell.presence {
        Presence::Primary if !row.primary_listed() => {
            format!(
                "the primary cannot be read; failover: {}",
                failover_text(row, dr)
            )
        }
        Presence::Primary => format!(
            "the primary, AWSCURRENT {}",
            short(row.primary_version().unwrap_or("(none)"))
        ),
        Presence::Absent { required: true } => format!(
            "no replica; required ({})",
            row.required_because.as_deref().unwrap_or("policy")
        ),
        Presence::Absent { required: false } => "no replica (not required here)".into(),
        Presence::Unknown { why } => format!("unknown: {why}"),
        Presence::Replica(_) if !row.primary_listed() && cell.region == dr => {
            format!("failover {}", failover_brief(row, dr))
        }
        Presence::Replica(r) if r.status == ReplicationState::Failed => {
            format!("Failed: {}", r.message.as_deref().unwrap_or("(no message)"))
        }
        Presence::Replica(r) => {
            let mut s = match r.status {
                ReplicationState::Unknown => "listed (no status)".to_string(),
                status => status.label().to_string(),
            };
            match &r.parity {
                Parity::Same { version } => s.push_str(&format!(", at {}", short(version))),
                Parity::Behind { primary, replica } => s.push_str(&format!(
                    ", DRIFT: serves {}, the primary's is {}",
                    short(replica),
                    short(primary)
                )),
                Parity::NotListed => s.push_str(", not listed in its region"),
                Parity::Unverified { why } => s.push_str(&format!(", parity unverified: {why}")),
            }
            s
        }
    };
    format!("{}  (Enter: detail)", neutralise(&text))
}

fn run_lines(state: &State, run: &DrillRun, theme: &Theme) -> Vec<Line<'static>> {
    let elapsed = run.seconds(state.now);
    let first = match run.result {
        Some(r) => Line::from(vec![
            Span::styled(
                format!("Drill → {} done in {elapsed:.2} s · ", run.dr_region),
                theme.title(),
            ),
            Span::styled(
                format!(
                    "{} secrets: {} pass, {} warn, {} fail · {}",
                    r.rows,
                    r.counts.pass,
                    r.counts.warn,
                    r.counts.fail,
                    r.overall.label()
                ),
                outcome_style(theme, r.overall),
            ),
        ]),
        None => Line::from(Span::styled(
            format!(
                "Drill → {} running {elapsed:.1} s · {} cell(s) and {} DescribeSecret to go",
                run.dr_region,
                run.pending.len(),
                run.describes.pending.len()
            ),
            theme.warn(),
        )),
    };
    let mut phases: Vec<Span<'static>> = Vec::new();
    for (region, l) in &run.listing {
        let (text, style) = match l.finished {
            _ if !l.failed.is_empty() => (
                format!(
                    "list {region} {} ({}/{})",
                    l.failed.join(","),
                    l.done,
                    l.cells
                ),
                theme.bad(),
            ),
            Some(t) => (
                format!("list {region} {:.2} s ✓", seconds(run.started, t)),
                theme.good(),
            ),
            None => (
                format!("list {region} … {}/{}", l.done, l.cells),
                theme.warn(),
            ),
        };
        if !phases.is_empty() {
            phases.push(Span::raw(" · "));
        }
        phases.push(Span::styled(text, style));
    }
    let d = &run.describes;
    let describe = match (d.first, d.last) {
        (Some(a), Some(b)) => format!(
            "DescribeSecret {}/{} {:.2} s",
            d.done,
            d.started,
            seconds(a, b)
        ),
        _ => format!("DescribeSecret {}/{}", d.done, d.started),
    };
    phases.push(Span::raw(" · "));
    phases.push(Span::styled(describe, theme.dim()));
    if state.source.kind != SourceKind::Live {
        phases.push(Span::styled(
            " · read from the file: no AWS call was made",
            theme.dim(),
        ));
    }
    vec![first, Line::from(phases)]
}
