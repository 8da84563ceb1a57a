//! Inventory speed: one frame of the inventory with 10,000 secrets at 200x50 (target < 1 ms),
//! the fuzzy filter over 10,000 secrets, and the replica join; one frame of an organization's
//! inventory, 40,000 secrets in 50 named accounts x 4 regions (target < 1 ms).

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use strongroom::app::filter::SearchIndex;
use strongroom::app::{Effect, Msg, State, update};
use strongroom::domain::{Account, Inventory};
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

    // Loading the state is timed and said once: it is what `strongroom --org` does after the
    // answers arrive, without the network or the JSON output.
    let loading = std::time::Instant::now();
    let mut org = organization(50, 200, now);
    eprintln!(
        "organization state: 200 cells, 40,000 secrets loaded through Msg::CellLoaded in {:.2} s",
        loading.elapsed().as_secs_f64()
    );
    update(
        &mut org,
        Msg::Resize {
            width: 200,
            height: 50,
        },
    );
    assert_eq!(org.rows.len(), 40_000, "every secret is a row");
    c.bench_function(
        "render inventory frame, 40k secrets in 50 accounts, 200x50",
        |b| {
            b.iter(|| {
                terminal.draw(|f| render(f, &org, &keymap, &theme)).unwrap();
            })
        },
    );
}

/// An organization as `strongroom --org` loads it: `accounts` member accounts with names
/// (`payments-01-prod`), 4 regions, `per_cell` secrets in each cell, every `LoadCell` answered
/// with `Msg::CellLoaded` as the runtime answers it.
fn organization(accounts: usize, per_cell: usize, now: chrono::DateTime<Utc>) -> State {
    let teams = ["payments", "identity", "search", "billing", "platform"];
    let envs = ["prod", "staging", "dev"];
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];
    let accounts: Vec<Account> = (1..=accounts)
        .map(|n| Account {
            id: format!("{:012}", 210_000_000_000u64 + n as u64),
            alias: Some(format!(
                "{}-{n:02}-{}",
                teams[(n - 1) % teams.len()],
                envs[(n - 1) / teams.len() % envs.len()]
            )),
            profile: None,
        })
        .collect();
    let info = fixtures::organization_info(accounts, &regions);
    let mut state = State::new(info, true, now);
    update(&mut state, Msg::Tick(now));
    for effect in strongroom::app::update::start(&mut state) {
        let Effect::LoadCell { request, cell } = effect else {
            continue;
        };
        let listed = fixtures::listing(&cell, per_cell);
        update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now,
                result: Ok(listed),
            },
        );
    }
    state
}

criterion_group!(inventory, benches);
criterion_main!(inventory);
