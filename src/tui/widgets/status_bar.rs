//! The status bar: source, each region's health, READ-ONLY, last refresh.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::State;
use crate::domain::CellHealth;
use crate::domain::fit::cut_end;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // A long label (an organization read through a role) leaves room for the counts when the
    // terminal is narrow.
    let label = neutralise(&state.source.label);
    let label = if area.width < 120 {
        cut_end(&label, 40)
    } else {
        label.into_owned()
    };
    let mut spans = vec![Span::styled(format!(" {label} "), theme.title())];
    spans.push(Span::raw("│ "));
    if state.read_only {
        spans.push(Span::styled("READ-ONLY ", theme.good()));
    } else {
        spans.push(Span::styled("WRITES ENABLED ", theme.bad()));
    }
    let regions = region_health(state);
    let full: usize = regions
        .iter()
        .map(|(r, h)| r.len() + h.label().len() + 4)
        .sum();
    // Several accounts: how many answered, and while loading how many cells have. Shown when
    // they fit beside every region, always when an account is lost.
    let (reached, accounts) = accounts_reached(state);
    if accounts > 1 {
        let mut text = format!("{reached}/{accounts} accounts ");
        if state.loading() {
            let done = state
                .cells
                .values()
                .filter(|c| c.health != CellHealth::Loading)
                .count();
            text.push_str(&format!("· cells {done}/{} ", state.cells.len()));
        }
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let fits = used + text.len() + 2 + full <= usize::from(area.width);
        if fits || reached < accounts || regions.len() > 4 {
            let style = if reached < accounts {
                theme.bad()
            } else {
                theme.good()
            };
            spans.push(Span::raw("│ "));
            spans.push(Span::styled(text, style));
        }
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
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

/// Accounts that answered in at least one region (or are still loading), of all accounts
/// read: an account whose role refused, or whose every cell failed, is not reached.
pub fn accounts_reached(state: &State) -> (usize, usize) {
    let by_account = answered_by_account(state);
    let reached = by_account.values().filter(|ok| **ok).count();
    (reached, by_account.len())
}

fn answered_by_account(state: &State) -> BTreeMap<&str, bool> {
    let mut by_account: BTreeMap<&str, bool> = BTreeMap::new();
    for (cell, cs) in &state.cells {
        let fine = matches!(
            cs.health,
            CellHealth::Ok | CellHealth::Loading | CellHealth::Throttled(_)
        );
        let slot = by_account.entry(cell.account.as_str()).or_insert(false);
        *slot |= fine;
    }
    by_account
}

/// Accounts none of whose cells answered, when other accounts did.
fn lost_accounts(state: &State) -> std::collections::BTreeSet<&str> {
    let by_account = answered_by_account(state);
    if !by_account.values().any(|ok| *ok) {
        return Default::default();
    }
    by_account
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(account, _)| account)
        .collect()
}

/// The worst health of each region across accounts: a region counts as down if any account
/// finds it down, so nothing bad hides behind a good account.
pub fn region_health(state: &State) -> BTreeMap<String, CellHealth> {
    let lost = lost_accounts(state);
    let mut out: BTreeMap<String, CellHealth> = BTreeMap::new();
    // An account lost everywhere (its role refused) is counted with the accounts; it would
    // otherwise paint every region red.
    let cells = state
        .cells
        .iter()
        .filter(|(cell, _)| !lost.contains(cell.account.as_str()));
    for (cell, cs) in cells {
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
