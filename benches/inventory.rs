//! Inventory speed: one frame of the inventory with 10,000 secrets at 200x50 (target < 1 ms),
//! the fuzzy filter over 10,000 secrets, and the replica join.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use strongroom::app::filter::SearchIndex;
use strongroom::app::{Msg, update};
use strongroom::domain::Inventory;
use strongroom::testing::fixtures;
use strongroom::tui::keymap::Keymap;
use strongroom::tui::theme::Theme;
use strongroom::tui::views::render;

fn benches(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let mut state = fixtures::loaded_state(10_000, now);
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 50,
        },
    );
    let keymap = Keymap::defaults();
    let theme = Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("render inventory frame, 10k secrets, 200x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| render(f, &state, &keymap, &theme))
                .unwrap();
        })
    });

    let index = SearchIndex::build(&state.inventory.entries, &state.account_names);
    c.bench_function("fuzzy filter 10k secrets, 3-letter query", |b| {
        b.iter(|| index.matches("pay").len())
    });

    let secrets: Vec<_> = state
        .inventory
        .entries
        .iter()
        .map(|e| e.secret.clone())
        .collect();
    c.bench_function("join 10k listings into the inventory", |b| {
        b.iter(|| Inventory::join(secrets.clone()).len())
    });
}

criterion_group!(inventory, benches);
criterion_main!(inventory);
