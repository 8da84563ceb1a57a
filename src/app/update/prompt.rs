//! The two prompts: `/` filters as you type; `:` runs a command on Enter. Keys typed into a
//! view's own field (`Mode::Input`) go to that view.

use super::rows::rebuild_rows;
use super::{audit_rows, matrix, panes};
use crate::app::Effect;
use crate::app::columns::Column;
use crate::app::msg::PromptKey;
use crate::app::state::{Mode, Notice, NoticeLevel, State, View};

pub fn key(state: &mut State, key: PromptKey) -> Vec<Effect> {
    match (state.mode, key) {
        (Mode::Normal, _) => Vec::new(),
        (Mode::Input, key) if state.leak.is_some() => super::leak::input(state, key),
        (Mode::Input, key) if state.view == View::Runbooks => super::runbooks::input(state, key),
        (Mode::Input, key) if state.view == View::Run => super::run::input(state, key),
        (Mode::Input, key) if state.view == View::Review => super::review::input(state, key),
        (Mode::Input, _) => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        (_, PromptKey::Next | PromptKey::Previous | PromptKey::Left | PromptKey::Right) => {
            Vec::new()
        }
        (_, PromptKey::Char(c)) => {
            state.prompt.push(c);
            live_filter(state);
            Vec::new()
        }
        (_, PromptKey::Backspace) => {
            state.prompt.pop();
            live_filter(state);
            Vec::new()
        }
        (Mode::Filter, PromptKey::Submit) => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        (Mode::Filter, PromptKey::Cancel) => {
            state.mode = Mode::Normal;
            state.prompt.clear();
            if state.view == View::Audit {
                state.audit_filter.clear();
                audit_rows::rebuild(state);
            } else if state.view == View::Events {
                state.ev.filter.text.clear();
                panes::rebuild(state);
            } else if state.view == View::Replicas {
                state.replicas.filter.clear();
                matrix::refilter(state);
            } else if state.view == View::Review {
                state.review.filter.clear();
                super::review::refilter(state);
            } else {
                state.filter.clear();
                rebuild_rows(state);
            }
            Vec::new()
        }
        (Mode::Command, PromptKey::Submit) => {
            state.mode = Mode::Normal;
            let line = std::mem::take(&mut state.prompt);
            run(state, line.trim())
        }
        (Mode::Command, PromptKey::Cancel) => {
            state.mode = Mode::Normal;
            state.prompt.clear();
            Vec::new()
        }
    }
}

fn live_filter(state: &mut State) {
    if state.mode == Mode::Filter && state.view == View::Events {
        state.ev.filter.text = state.prompt.clone();
        state.ev.cursor.selected = 0;
        panes::rebuild(state);
    } else if state.mode == Mode::Filter && state.view == View::Audit {
        state.audit_filter = state.prompt.clone();
        state.audit_cursor.selected = 0;
        audit_rows::rebuild(state);
    } else if state.mode == Mode::Filter && state.view == View::Replicas {
        state.replicas.filter = state.prompt.clone();
        state.replicas.cursor.selected = 0;
        matrix::refilter(state);
    } else if state.mode == Mode::Filter && state.view == View::Review {
        state.review.filter = state.prompt.clone();
        state.review.cursor.selected = 0;
        state.review.focus = None;
        super::review::refilter(state);
    } else if state.mode == Mode::Filter {
        state.filter = state.prompt.clone();
        state.cursor.selected = 0;
        rebuild_rows(state);
        if state.view != View::Inventory {
            super::nav::open(state, View::Inventory);
        }
    }
}

/// Commands typed after `:`. Views are opened by name; the rest are verbs.
fn run(state: &mut State, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Vec::new();
    };
    let rest: Vec<&str> = words.collect();
    match verb {
        "q" | "quit" => {
            state.quitting = true;
            return vec![Effect::Quit];
        }
        "r" | "refresh" => return super::load::refresh(state),
        "sort" => sort(state, &rest),
        "filter" => {
            state.filter = rest.join(" ");
            rebuild_rows(state);
            super::nav::open(state, View::Inventory);
        }
        "abort" if state.view == View::Run => match super::run::abort(state, &rest.join(" ")) {
            Ok(effects) => return effects,
            Err(message) => error(state, message),
        },
        "replicas" | "replication" => return super::replicas::command(state, &rest),
        "review" => return super::review::command(state, &rest),
        "registry" | "matrix" => return super::registry::open(state),
        "detail" | "open" => {
            if state.view == View::Inventory {
                return super::inventory::open_detail(state);
            }
        }
        name => match View::NAMES.iter().find(|(n, _)| *n == name) {
            Some((_, View::Detail)) if state.detail.is_none() => {
                return super::inventory::open_detail(state);
            }
            Some((_, View::Events)) => {
                super::nav::open(state, View::Events);
                return super::events::on_open(state);
            }
            Some((_, View::Runbooks)) => {
                return super::runbooks::open(state, name == "incidents");
            }
            Some((_, view)) => super::nav::open(state, *view),
            None => error(
                state,
                format!(
                    "unknown command :{name}. Views: :inventory, :audit, :events, :replicas [REGION], :review [WINDOW], :registry, :runbooks, :incidents, :run, :help; verbs: :sort COLUMN [desc], :filter TEXT, :abort REASON, :refresh, :quit"
                ),
            ),
        },
    }
    Vec::new()
}

fn sort(state: &mut State, args: &[&str]) {
    let Some(name) = args.first() else {
        error(state, "usage: :sort COLUMN [desc]".into());
        return;
    };
    match Column::from_name(name) {
        Some(column) => {
            state.sort.column = column;
            state.sort.descending = args.get(1).is_some_and(|a| a.starts_with("desc"));
            rebuild_rows(state);
            super::nav::open(state, View::Inventory);
        }
        None => error(state, format!("no column named {name}")),
    }
}

fn error(state: &mut State, text: String) {
    state.notice = Some(Notice {
        level: NoticeLevel::Error,
        text,
    });
}
