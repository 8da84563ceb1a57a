//! The interactive loop: terminal events, effect results and signals become messages; the
//! screen is redrawn only when something changed, after draining everything already queued.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers, MouseEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};

use super::keymap::Keymap;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::views;
use crate::app::msg::PromptKey;
use crate::app::{Action, Effect, Mode, Msg, State, update};
use crate::drive::runbook_worker as worker;
use crate::drive::runner::Runner;
use crate::incident::Catalog;
use crate::source::InventorySource;

pub struct Options {
    pub keymap: Keymap,
    pub theme: Theme,
    /// Where the incident journal and the review store live.
    pub state_dir: PathBuf,
    /// The runbooks `:runbooks` lists and starts.
    pub catalog: Catalog,
}

pub async fn run(
    mut state: State,
    source: Arc<dyn InventorySource>,
    options: Options,
) -> color_eyre::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let (runner, mut rx) = Runner::new(source.clone());
    crate::app::update::runbooks::set_catalog(&mut state, &options.catalog);
    let config = worker::Config {
        state_dir: options.state_dir.clone(),
        catalog: options.catalog.clone(),
        executor: source.runbook_executor(),
    };
    let worker = worker::spawn(config, runner.sender())?;
    let reviews = crate::drive::review_worker::spawn(options.state_dir.clone(), runner.sender())?;
    let runner = runner
        .with_runbooks(worker)
        .with_reviews(reviews)
        .with_journal_dir(options.state_dir.clone());
    state.review.reviewer = crate::review::decision::local_user();
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let size = guard.terminal.size()?;
    update(&mut state, Msg::Tick(Utc::now()));
    update(
        &mut state,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    for effect in crate::app::update::start(&mut state) {
        runner.spawn(effect);
    }

    // Ticks only while something on screen moves with the clock (a drill's stopwatch).
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            guard
                .terminal
                .draw(|frame| views::render(frame, &state, &options.keymap, &options.theme))?;
            dirty = false;
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => to_msg(ev, &state, &options.keymap),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = ticker.tick(), if state.animating() => Some(Msg::Tick(Utc::now())),
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => break,
        };
        let mut pending: Vec<Msg> = msg.into_iter().collect();
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
        }
        if pending.is_empty() {
            continue;
        }
        update(&mut state, Msg::Tick(Utc::now()));
        for msg in pending {
            for effect in update(&mut state, msg) {
                if effect == Effect::Quit {
                    return Ok(());
                }
                runner.spawn(effect);
            }
            dirty = true;
        }
        crate::app::update::settle(&mut state);
        if state.quitting {
            break;
        }
    }
    Ok(())
}

/// Keys go through the keymap in normal mode and straight to the prompt while one is open.
fn to_msg(event: Event, state: &State, keymap: &Keymap) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                return Some(Msg::Action(Action::Quit));
            }
            match state.mode {
                Mode::Normal => keymap.action(state.view, key).map(Msg::Action),
                Mode::Input => match key.code {
                    KeyCode::Tab | KeyCode::Down => Some(Msg::Prompt(PromptKey::Next)),
                    KeyCode::BackTab | KeyCode::Up => Some(Msg::Prompt(PromptKey::Previous)),
                    KeyCode::Left => Some(Msg::Prompt(PromptKey::Left)),
                    KeyCode::Right => Some(Msg::Prompt(PromptKey::Right)),
                    KeyCode::Enter => Some(Msg::Prompt(PromptKey::Submit)),
                    KeyCode::Esc => Some(Msg::Prompt(PromptKey::Cancel)),
                    KeyCode::Backspace => Some(Msg::Prompt(PromptKey::Backspace)),
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        Some(Msg::Prompt(PromptKey::Char(c)))
                    }
                    _ => None,
                },
                Mode::Filter | Mode::Command => match key.code {
                    KeyCode::Enter => Some(Msg::Prompt(PromptKey::Submit)),
                    KeyCode::Esc => Some(Msg::Prompt(PromptKey::Cancel)),
                    KeyCode::Backspace => Some(Msg::Prompt(PromptKey::Backspace)),
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        Some(Msg::Prompt(PromptKey::Char(c)))
                    }
                    _ => None,
                },
            }
        }
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Msg::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Msg::Scroll(-3)),
            _ => None,
        },
        _ => None,
    }
}
