//! `:review` on the review fixture: opening it (store, policies, observation), selecting a
//! secret, the highlights, recording decisions, the stored log, the filter.

use crate::app::effect::ReviewRequest;
use crate::app::msg::PromptKey;
use crate::app::review::{PolicyFetch, ReviewPane, StoreState, counts, decision_state};
use crate::app::state::{Mode, NoticeLevel};
use crate::app::{Action, Effect, Msg, State, View, update};
use crate::review::{Allowed, Decision, Highlight, PolicyInput, SecretReview, Verdict, decision};
use crate::testing::review::{
    self as fx, BANNER, BILLING, DB, LEGACY, SHARED, answer, opened, role,
};

fn act(state: &mut State, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

fn typed(state: &mut State, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(update(state, Msg::Prompt(PromptKey::Char(c))));
    }
    effects
}

fn command(state: &mut State, line: &str) -> Vec<Effect> {
    let mut effects = act(state, Action::Command);
    effects.extend(typed(state, line));
    effects.extend(update(state, Msg::Prompt(PromptKey::Submit)));
    effects
}

/// The review opened and complete, with nothing decided yet.
fn reviewing() -> (State, Vec<Decision>) {
    let mut state = fx::state();
    let mut log = Vec::new();
    opened(&mut state, &mut log);
    (state, log)
}

fn select(state: &mut State, name: &str) {
    act(state, Action::Left);
    act(state, Action::Top);
    while state
        .review
        .selected(&state.inventory)
        .is_none_or(|r| r.secret.name != name)
    {
        let before = state.review.cursor.selected;
        act(state, Action::Down);
        assert_ne!(before, state.review.cursor.selected, "{name} is not listed");
    }
}

fn selected(state: &State) -> &SecretReview {
    state.review.selected(&state.inventory).unwrap()
}

fn row<'a>(r: &'a SecretReview, principal: &str) -> &'a crate::review::AccessRow {
    r.rows
        .iter()
        .find(|row| row.principal == principal)
        .unwrap_or_else(|| panic!("no row {principal} in {:#?}", r.rows))
}

#[test]
fn opening_asks_the_store_then_the_source_and_keeps_what_it_observed() {
    let mut state = fx::state();
    let effects = command(&mut state, "review");
    assert_eq!(state.view, View::Review);
    let open = effects
        .iter()
        .find_map(|e| match e {
            Effect::Review(ReviewRequest::Open {
                wanted,
                reuse,
                cached_for,
                ..
            }) => Some((wanted.clone(), reuse.clone(), cached_for.len())),
            _ => None,
        })
        .expect("the review is opened in the store");
    assert_eq!(open.0.id, "review-2026Q4-20261120");
    assert_eq!(open.0.window, "90d");
    assert_eq!(open.0.reviewer, "alice");
    assert_eq!(open.0.source, "AWS profiles prod");
    assert_eq!(open.1, "review-2026Q4-", "the quarter's review is reused");
    assert_eq!(
        open.2, 5,
        "a live source looks in the cache for every primary"
    );
    let rest = answer(&mut state, effects, &mut Vec::new());
    assert!(matches!(state.review.store, StoreState::Open { .. }));
    assert_eq!(state.review.fetch, PolicyFetch::Idle);
    assert_eq!(state.review.policies.len(), 5);
    let saved = rest.iter().find_map(|e| match e {
        Effect::Review(ReviewRequest::SavePolicies { policies }) => Some(policies.len()),
        _ => None,
    });
    assert_eq!(saved, Some(5), "fetched policies are cached");
    let observed = rest
        .iter()
        .find_map(|e| match e {
            Effect::Review(ReviewRequest::Observe(input)) => Some(input.observe()),
            _ => None,
        })
        .expect("the observation is kept once everything is in");
    assert_eq!(observed.secrets.len(), 5);
    assert!(observed.notes.iter().any(|n| n.contains("console")));
    // Nothing more to do: no second observation, no second fetch.
    assert!(update(&mut state, Msg::Tick(fx::now())).is_empty());
}

#[test]
fn the_inventory_key_opens_the_review_on_the_selected_secret() {
    let mut state = fx::state();
    let pos = state
        .rows
        .iter()
        .position(|&i| state.inventory.entries[i].secret.name == LEGACY)
        .unwrap();
    state.cursor.selected = pos;
    let effects = act(&mut state, Action::Review);
    answer(&mut state, effects, &mut Vec::new());
    assert_eq!(state.view, View::Review);
    assert_eq!(selected(&state).secret.name, LEGACY);
    let names: Vec<&str> = state
        .review
        .rows
        .iter()
        .map(|&i| state.inventory.entries[i].secret.name.as_str())
        .collect();
    assert_eq!(names, [BILLING, LEGACY, DB, BANNER, SHARED], "by name");
    act(&mut state, Action::Down);
    assert_eq!(selected(&state).secret.name, DB);
    act(&mut state, Action::Back);
    assert_eq!(state.view, View::Inventory);
}

#[test]
fn rows_are_highlighted_unused_through_iam_public_and_denied() {
    let (mut state, _) = reviewing();
    select(&mut state, DB);
    let r = selected(&state).clone();
    let app = row(&r, &role("payments-api"));
    assert_eq!(
        (app.allowed, app.reads, app.highlight),
        (Allowed::Explicitly, 2, None)
    );
    // Its only read is older than the window.
    assert_eq!(
        row(&r, &role("reporting")).highlight,
        Some(Highlight::Unused)
    );
    let alice = row(&r, "arn:aws:iam::111122223333:user/alice");
    assert_eq!(alice.highlight, Some(Highlight::ThroughIam));
    let c = counts(&r);
    assert_eq!(
        (c.allowed, c.readers, c.unused, c.through_iam),
        (2, 2, 1, 1)
    );

    select(&mut state, BILLING);
    let r = selected(&state).clone();
    let batch = row(&r, &role("batch"));
    assert_eq!(batch.allowed, Allowed::ViaAccountRoot);
    let partner = row(&r, "arn:aws:iam::444455556666:role/partner-reader");
    assert!(partner.conditional && partner.highlight == Some(Highlight::Unused));
    assert_eq!(
        counts(&r).readers,
        1,
        "the account row counts batch's reads, not a reader"
    );

    select(&mut state, BANNER);
    let r = selected(&state).clone();
    assert_eq!(row(&r, "*").highlight, Some(Highlight::Public));
    let mallory = row(&r, "arn:aws:iam::111122223333:user/mallory");
    assert_eq!(mallory.denied, 1);
    assert!(counts(&r).public);

    select(&mut state, SHARED);
    let r = selected(&state).clone();
    assert!(
        row(&r, "*").conditional,
        "`*` under an organisation condition"
    );
    assert_eq!(row(&r, "*").highlight, None);

    select(&mut state, LEGACY);
    let r = selected(&state).clone();
    assert_eq!(r.policy.status, crate::review::PolicyStatus::None);
    assert_eq!(r.rows[0].allowed, Allowed::NoPolicy);
    assert_eq!(r.rows[0].highlight, Some(Highlight::ThroughIam));
}

#[test]
fn keep_asks_for_a_note_and_sends_the_decision_with_it() {
    let (mut state, mut log) = reviewing();
    select(&mut state, BILLING);
    assert!(act(&mut state, Action::Keep).is_empty());
    assert_eq!(state.mode, Mode::Input);
    // An empty note is asked again.
    assert!(update(&mut state, Msg::Prompt(PromptKey::Submit)).is_empty());
    assert!(state.review.input.as_ref().unwrap().problem.is_some());
    typed(&mut state, "batch still needs it");
    let effects = update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.mode, Mode::Normal);
    let Some(Effect::Review(ReviewRequest::Decide { review, decision })) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(review, "review-2026Q4-20261120");
    assert_eq!(decision.verdict, Verdict::Keep);
    assert_eq!(decision.note, "batch still needs it");
    assert_eq!(decision.secret_arn, fx::arn(BILLING, "us-east-1"));
    assert_eq!(
        (decision.reviewer.as_str(), decision.at),
        ("alice", fx::now())
    );
    // Nothing shows until the store confirms.
    assert!(state.review.log.is_empty() && state.review.recording);
    answer(&mut state, effects, &mut log);
    assert!(!state.review.recording);
    assert_eq!(state.review.log.len(), 1);
    let standing = decision::effective(&state.review.log, &fx::arn(BILLING, "us-east-1"));
    assert_eq!(decision_state(&standing), "keep");
    let notice = state.notice.clone().unwrap();
    assert_eq!(notice.level, NoticeLevel::Info);
    assert!(
        notice.text.contains("Recorded decision 1"),
        "{}",
        notice.text
    );
}

#[test]
fn revoke_takes_the_principal_under_the_cursor_and_change_owner_asks_who() {
    let (mut state, mut log) = reviewing();
    select(&mut state, DB);
    act(&mut state, Action::NextPane);
    assert_eq!(state.review.pane, ReviewPane::Principals);
    act(&mut state, Action::Down);
    assert_eq!(
        selected(&state).secret.name,
        DB,
        "the secret stays selected"
    );
    act(&mut state, Action::Revoke);
    typed(&mut state, "reporting moved to the warehouse");
    let effects = update(&mut state, Msg::Prompt(PromptKey::Submit));
    let Some(Effect::Review(ReviewRequest::Decide { decision, .. })) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        decision.verdict,
        Verdict::Revoke {
            principal: role("reporting")
        }
    );
    answer(&mut state, effects, &mut log);

    act(&mut state, Action::ChangeOwner);
    let input = state.review.input.clone().unwrap();
    assert_eq!(input.field, crate::app::review::DecisionField::Owner);
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert!(
        state.review.input.as_ref().unwrap().problem.is_some(),
        "who?"
    );
    typed(&mut state, "team-data");
    assert!(update(&mut state, Msg::Prompt(PromptKey::Submit)).is_empty());
    typed(&mut state, "the warehouse team runs it");
    let effects = update(&mut state, Msg::Prompt(PromptKey::Submit));
    let Some(Effect::Review(ReviewRequest::Decide { decision, .. })) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        decision.verdict,
        Verdict::ChangeOwner {
            owner: "team-data".into()
        }
    );
    answer(&mut state, effects, &mut log);
    let standing = decision::effective(&state.review.log, &fx::arn(DB, "us-east-1"));
    assert_eq!(decision_state(&standing), "revoke, owner");

    // Follow up, then Esc: nothing is sent.
    act(&mut state, Action::FollowUp);
    typed(&mut state, "ask");
    assert!(update(&mut state, Msg::Prompt(PromptKey::Cancel)).is_empty());
    assert_eq!(
        (state.mode, state.review.input.is_none()),
        (Mode::Normal, true)
    );
}

#[test]
fn a_reopened_review_shows_its_stored_decisions_and_a_failed_store_refuses_new_ones() {
    let (_, mut log) = reviewing();
    let mut earlier = fx::state();
    opened(&mut earlier, &mut log);
    select(&mut earlier, LEGACY);
    act(&mut earlier, Action::FollowUp);
    typed(&mut earlier, "who is alice");
    let effects = update(&mut earlier, Msg::Prompt(PromptKey::Submit));
    answer(&mut earlier, effects, &mut log);

    // A restart: the store answers with the log.
    let mut state = fx::state();
    opened(&mut state, &mut log);
    assert_eq!(state.review.log, log);
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("1 decision(s) are kept")
    );

    let mut state = fx::state();
    let effects = command(&mut state, "review");
    let request = effects
        .iter()
        .find_map(|e| match e {
            Effect::Review(ReviewRequest::Open { request, .. }) => Some(*request),
            _ => None,
        })
        .unwrap();
    let effects = update(
        &mut state,
        Msg::ReviewOpened {
            request,
            result: Err("disk full".into()),
        },
    );
    // The review still shows: policies are fetched without the cache.
    assert!(matches!(effects.as_slice(), [Effect::FetchPolicies { .. }]));
    act(&mut state, Action::Keep);
    assert_eq!(state.mode, Mode::Normal);
    assert!(state.notice.as_ref().unwrap().text.contains("disk full"));
}

#[test]
fn the_filter_keeps_names_and_owners_and_clears() {
    let (mut state, _) = reviewing();
    act(&mut state, Action::Filter);
    typed(&mut state, "bill");
    assert_eq!(state.review.rows.len(), 1);
    assert_eq!(selected(&state).secret.name, BILLING);
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    assert_eq!(state.review.filter, "bill");
    act(&mut state, Action::ClearFilter);
    assert_eq!(state.review.rows.len(), 5);
    act(&mut state, Action::Filter);
    typed(&mut state, "team-web");
    assert_eq!(selected(&state).secret.name, BANNER, "by owner");
    update(&mut state, Msg::Prompt(PromptKey::Cancel));
    assert_eq!(state.review.rows.len(), 5);
}

#[test]
fn another_window_is_another_review_and_stale_answers_are_dropped() {
    let (mut state, _) = reviewing();
    let effects = command(&mut state, "review 30d");
    let wanted = effects.iter().find_map(|e| match e {
        Effect::Review(ReviewRequest::Open { wanted, .. }) => Some(wanted.window.clone()),
        _ => None,
    });
    assert_eq!(wanted.as_deref(), Some("30d"));
    assert_eq!(
        state.review.since,
        Some(fx::now() - chrono::Duration::days(30))
    );
    assert_eq!(
        state.review.policies.len(),
        5,
        "policies do not depend on the window"
    );
    assert!(state.review.log.is_empty());
    // An answer to a request nobody waits for changes nothing.
    update(
        &mut state,
        Msg::PoliciesFetched {
            request: 999,
            answer: crate::source::ResourcePolicies::Unknown("late".into()),
        },
    );
    assert!(
        state
            .review
            .policies
            .values()
            .all(|p| !matches!(p, PolicyInput::Unavailable(_)))
    );
    command(&mut state, "review soon");
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("not a review window")
    );
    assert_eq!(state.review.window, "30d");
}

#[test]
fn the_demo_and_snapshots_say_what_they_know_of_policies() {
    let mut state = fx::state();
    state.source.kind = crate::source::SourceKind::Demo;
    let effects = command(&mut state, "review");
    let Some(Effect::Review(ReviewRequest::Open {
        request,
        wanted,
        cached_for,
        ..
    })) = effects.into_iter().next()
    else {
        panic!("the store first");
    };
    assert!(cached_for.is_empty(), "only live policies are cached");
    let opened = crate::app::msg::OpenedReview {
        info: wanted,
        created: true,
        log: Vec::new(),
        broken: None,
        cached: Default::default(),
    };
    let effects = update(
        &mut state,
        Msg::ReviewOpened {
            request,
            result: Ok(Box::new(opened)),
        },
    );
    let Some(Effect::FetchPolicies { request, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let why = "the demo fleet has no resource policies".to_string();
    update(
        &mut state,
        Msg::PoliciesFetched {
            request: *request,
            answer: crate::source::ResourcePolicies::NoneInSource(why.clone()),
        },
    );
    assert_eq!(
        state.review.policies[&fx::arn(DB, "us-east-1")],
        PolicyInput::NoneInSource(why)
    );
    assert_eq!(
        selected(&state).policy.status,
        crate::review::PolicyStatus::None
    );
}
