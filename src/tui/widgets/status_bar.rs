//! The status bar: source, each region's health, READ-ONLY, last refresh.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::State;
use crate::domain::CellHealth;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::styled(
        format!(" {} ", neutralise(&state.source.label)),
        theme.title(),
    )];
    spans.push(Span::raw("│ "));
    if state.read_only {
        spans.push(Span::styled("READ-ONLY ", theme.good()));
    } else {
        spans.push(Span::styled("WRITES ENABLED ", theme.bad()));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let regions = region_health(state);
    let full: usize = regions
        .iter()
        .map(|(r, h)| r.len() + h.label().len() + 4)
        .sum();
    if used + full <= usize::from(area.width) {
        for (region, health) in &regions {
            spans.push(Span::raw("│ "));
            spans.push(Span::raw(format!("{region} ")));
            spans.push(Span::styled(
                format!("{} ", health.label()),
                theme.health(health),
            ));
        }
    } else {
        // Too narrow for every region: count the healthy ones, name the others.
        let ok = regions.values().filter(|h| **h == CellHealth::Ok).count();
        spans.push(Span::styled(
            format!("│ {ok}/{} regions ok ", regions.len()),
            theme.good(),
        ));
        for (region, health) in regions.iter().filter(|(_, h)| **h != CellHealth::Ok) {
            spans.push(Span::styled(
                format!("{region}:{} ", health.label()),
                theme.health(health),
            ));
        }
    }
    if let Some(at) = state.last_refresh {
        spans.push(Span::styled(
            format!("│ refreshed {} UTC", at.format("%H:%M:%S")),
            theme.dim(),
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

/// The worst health of each region across accounts: a region counts as down if any account
/// finds it down, so nothing bad hides behind a good account.
pub fn region_health(state: &State) -> BTreeMap<String, CellHealth> {
    let mut out: BTreeMap<String, CellHealth> = BTreeMap::new();
    for (cell, cs) in &state.cells {
        let slot = out
            .entry(cell.region.clone())
            .or_insert_with(|| cs.health.clone());
        if rank(&cs.health) > rank(slot) {
            *slot = cs.health.clone();
        }
    }
    out
}

fn rank(h: &CellHealth) -> u8 {
    match h {
        CellHealth::Ok => 0,
        CellHealth::Loading => 1,
        CellHealth::Throttled(_) => 2,
        CellHealth::Failed(_) => 3,
        CellHealth::Forbidden(_) => 4,
        CellHealth::Down(_) => 5,
    }
}
