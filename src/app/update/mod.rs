//! `update(state, msg) -> effects`: the only place state changes. One file per view.

pub mod audit;
mod audit_rows;
mod detail;
pub mod drill_run;
pub mod events;
mod fetch;
mod help;
mod inventory;
mod leak;
mod load;
mod matrix;
mod nav;
mod panes;
mod pivot;
mod prompt;
pub mod registry;
pub mod replicas;
pub mod review;
mod review_answers;
mod review_decide;
mod review_state;
mod rows;
pub mod run;
mod runbook_form;
pub mod runbooks;
pub mod who_read;

use super::state::{Mode, State, View};
use super::{Action, Effect, Msg};
use nav::{back, open};

pub use load::start;
pub use rows::rebuild_rows;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // A burst of DescribeSecret answers is checked once, when the runtime settles the batch.
    let burst = matches!(msg, Msg::ReplicationLoaded { .. });
    let mut effects = dispatch(state, msg);
    if !burst {
        replicas::settle(state);
        review::settle(state);
    }
    effects.extend(review::follow(state));
    effects
}

/// Work deferred to the end of a batch of messages: the runtime calls it before drawing.
pub fn settle(state: &mut State) {
    replicas::settle(state);
    review::settle(state);
}

fn dispatch(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            rows::keep_selection_visible(state);
            replicas::keep_visible(state);
            review::keep_visible(state);
            Vec::new()
        }
        Msg::Scroll(delta) => scroll(state, delta),
        Msg::Prompt(key) => prompt::key(state, key),
        Msg::Action(action) => act(state, action),
        Msg::CellLoaded {
            request,
            cell,
            at,
            result,
        } => {
            let awaited = drill_run::awaits(state, &cell, request);
            let effects = load::cell_loaded(state, request, cell.clone(), at, result);
            replicas::data_changed(state);
            review::data_changed(state);
            if awaited {
                drill_run::cell_done(state, &cell, at, &effects);
            }
            effects
        }
        Msg::CellPage {
            request,
            cell,
            secrets,
        } => {
            let effects = load::page_arrived(state, request, &cell, &secrets);
            let now = state.now;
            drill_run::describes_started(state, &effects, now);
            effects
        }
        Msg::EventsPage {
            request,
            events: page,
            progress,
        } => fetch::page(state, request, page, progress),
        Msg::EventsDone {
            request,
            cell: _,
            result,
        } => fetch::done(state, request, result),
        Msg::ReplicationLoaded {
            request: _,
            arn,
            result,
        } => {
            let effects = load::replication_loaded(state, arn.clone(), result);
            replicas::data_changed(state);
            review::data_changed(state);
            drill_run::describe_done(state, &arn);
            effects
        }
        Msg::LeakChecked(result) => {
            leak::checked(state, result);
            Vec::new()
        }
        Msg::RunUpdated(snapshot) => {
            run::updated(state, *snapshot);
            Vec::new()
        }
        Msg::RunProgress(text) => {
            run::progress(state, text);
            Vec::new()
        }
        Msg::RunsListed(runs) => {
            runbooks::runs_listed(state, runs);
            Vec::new()
        }
        Msg::RunbookFailed(text) => {
            run::failed(state, text);
            Vec::new()
        }
        Msg::PoliciesFetched { request, answer } => {
            review_answers::policies_fetched(state, request, answer)
        }
        Msg::ReviewOpened { request, result } => {
            review_answers::opened(state, request, result);
            Vec::new()
        }
        Msg::ReviewDecided { review, result } => {
            review_answers::decided(state, &review, result);
            Vec::new()
        }
        Msg::ReviewFailed(why) => {
            review_answers::failed(state, why);
            Vec::new()
        }
        Msg::ReviewObserved { review, secrets } => {
            review_answers::observed(state, &review, secrets);
            Vec::new()
        }
    }
}

fn act(state: &mut State, action: Action) -> Vec<Effect> {
    state.notice = None;
    match action {
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Help if state.view != View::Help => {
            open(state, View::Help);
            Vec::new()
        }
        Action::Command => {
            state.mode = Mode::Command;
            state.prompt.clear();
            Vec::new()
        }
        Action::Refresh if state.view == View::Runbooks => runbooks::list_runs(),
        Action::Refresh => load::refresh(state),
        Action::Runbooks
            if matches!(
                state.view,
                View::Inventory
                    | View::Detail
                    | View::WhoRead
                    | View::Runbooks
                    | View::Replicas
                    | View::Replica
            ) =>
        {
            runbooks::open(state, false)
        }
        Action::LeakCheck if matches!(state.view, View::Inventory | View::Detail) => {
            leak::open(state)
        }
        Action::Replicas if matches!(state.view, View::Inventory | View::Detail) => {
            replicas::open(state)
        }
        Action::Review if matches!(state.view, View::Inventory | View::Detail) => {
            review::open(state)
        }
        Action::Back if state.ev.fetch.is_some() => {
            // The review's reads stop short of its window: its observation says so.
            state.review.reads_stopped |= state.view == View::Review;
            fetch::cancel(state)
        }
        Action::Back => {
            back(state);
            Vec::new()
        }
        Action::WhoRead if state.view == View::Inventory || state.view == View::Detail => {
            let arn = if state.view == View::Detail {
                state.detail.clone()
            } else {
                state.selected_entry().map(|e| e.secret.arn.clone())
            };
            arn.map_or_else(Vec::new, |arn| who_read::open(state, arn))
        }
        _ => match state.view {
            View::Inventory => inventory::act(state, action),
            View::Detail => detail::act(state, action),
            View::Audit => audit::act(state, action),
            View::Events | View::WhoRead | View::Principal | View::Record => {
                events::act(state, action)
            }
            View::Help => help::act(state, action),
            View::Runbooks => runbooks::act(state, action),
            View::Run => run::act(state, action),
            View::Replicas => replicas::act(state, action),
            View::Replica => replicas::act_detail(state, action),
            View::Review => review::act(state, action),
            View::Registry => registry::act(state, action),
        },
    }
}

fn scroll(state: &mut State, delta: i32) -> Vec<Effect> {
    let action = if delta > 0 { Action::Down } else { Action::Up };
    let mut effects = Vec::new();
    for _ in 0..delta.unsigned_abs().min(10) {
        effects.extend(match state.view {
            View::Inventory => inventory::act(state, action),
            View::Detail => detail::act(state, action),
            View::Audit => audit::act(state, action),
            View::Events | View::WhoRead | View::Principal | View::Record => {
                events::act(state, action)
            }
            View::Help => help::act(state, action),
            View::Runbooks => runbooks::act(state, action),
            View::Run => run::act(state, action),
            View::Replicas => replicas::act(state, action),
            View::Replica => replicas::act_detail(state, action),
            View::Review => review::act(state, action),
            View::Registry => registry::act(state, action),
        });
    }
    effects
}

#[cfg(test)]
mod fetch_tests;
#[cfg(test)]
mod replicas_tests;
#[cfg(test)]
mod review_tests;
#[cfg(test)]
mod runbook_form_tests;
#[cfg(test)]
mod runbooks_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod who_read_tests;
