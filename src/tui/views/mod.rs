//! One file per view. `render` lays out the frame and hands the body to the current view.

pub mod audit;
pub mod detail;
pub mod events;
pub mod help;
pub mod inventory;
pub mod leak;
pub mod principal;
pub mod record;
pub mod registry;
pub mod replica;
pub mod replicas;
pub mod replicas_footer;
pub mod replicas_text;
pub mod review;
pub mod review_secret;
pub mod run;
pub mod run_step;
pub mod runbooks;
pub mod who_read;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::keymap::Keymap;
use super::theme::Theme;
use super::widgets::{bottom_line, status_bar, title};
use crate::app::{State, View};

pub fn render(frame: &mut Frame, state: &State, keymap: &Keymap, theme: &Theme) {
    let [top, body, status, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let (heading, hint) = match state.view {
        View::Inventory => {
            inventory::render(frame, body, state, theme);
            (inventory::heading(state), inventory::HINT)
        }
        View::Detail => {
            detail::render(frame, body, state, theme);
            (detail::heading(state), detail::HINT)
        }
        View::Audit => {
            audit::render(frame, body, state, theme);
            (audit::heading(state), audit::HINT)
        }
        View::Events => {
            events::render(frame, body, state, theme);
            (events::heading(state), events::HINT)
        }
        View::WhoRead => {
            who_read::render(frame, body, state, theme);
            (who_read::heading(state), who_read::HINT)
        }
        View::Principal => {
            principal::render(frame, body, state, theme);
            (principal::heading(state), principal::HINT)
        }
        View::Record => {
            record::render(frame, body, state, theme);
            ("Event record".to_string(), record::HINT)
        }
        View::Help => {
            help::render(frame, body, state, keymap, theme);
            ("Help".to_string(), help::HINT)
        }
        View::Runbooks => {
            runbooks::render(frame, body, state, theme);
            (runbooks::heading(state), runbooks::hint(state))
        }
        View::Run => {
            run::render(frame, body, state, theme);
            (run::heading(state), run::hint(state))
        }
        View::Replicas => {
            replicas::render(frame, body, state, theme);
            (replicas::heading(state), replicas::hint(state))
        }
        View::Replica => {
            replica::render(frame, body, state, theme);
            (replica::heading(state), replica::HINT)
        }
        View::Review => {
            review::render(frame, body, state, theme);
            (review::heading(state), review::hint(state))
        }
        View::Registry => {
            registry::render(frame, body, state, theme);
            (registry::heading(state), registry::HINT)
        }
    };
    leak::render(frame, body, state, theme);
    title::render(frame, top, state, &heading, theme);
    status_bar::render(frame, status, state, theme);
    bottom_line::render(frame, bottom, state, hint, theme);
}

#[cfg(test)]
mod leak_snapshots_test;
#[cfg(test)]
mod registry_snapshots_test;
#[cfg(test)]
mod replicas_snapshots_test;
#[cfg(test)]
mod review_snapshots_test;
#[cfg(test)]
mod runbook_form_snapshots_test;
#[cfg(test)]
mod screen_test;
#[cfg(test)]
mod snapshots_test;
#[cfg(test)]
mod who_read_snapshots_test;
