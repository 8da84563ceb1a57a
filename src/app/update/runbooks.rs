//! The runbooks view: the catalog and the journal's incidents. Enter on a runbook opens its
//! parameter form, filled with what the console knows (runbook_form.rs); Enter on the form's
//! last field starts the run. Enter on an incident resumes it.

use std::collections::BTreeMap;

use super::runbook_form as suggest;
use crate::app::effect::RunbookRequest;
use crate::app::msg::PromptKey;
use crate::app::runbooks::{FormField, ParamForm, RunView, RunbookInfo, RunbooksPane};
use crate::app::state::{Mode, Notice, NoticeLevel, State, View};
use crate::app::{Action, Effect};
use crate::incident::Catalog;
use crate::incident::snapshot::RunRow;
use crate::runbook::engine::Mode as RunMode;
use crate::runbook::spec::{ParamType, ParamValue};
use crate::runbook::values::check_value;

/// The catalog as the view lists it.
pub fn set_catalog(state: &mut State, catalog: &Catalog) {
    state.runbooks.catalog = catalog.entries.iter().map(RunbookInfo::of).collect();
}

/// Opens the view (on the incidents list when `incidents`) and asks for the journal's runs.
/// From the inventory, a secret's detail or its readers, that secret fills `secret` parameters.
pub fn open(state: &mut State, incidents: bool) -> Vec<Effect> {
    let secret = match state.view {
        View::Inventory => state.selected_entry().map(|e| e.secret.arn.clone()),
        View::Detail => state.detail_entry().map(|e| e.secret.arn.clone()),
        View::WhoRead => state.ev.who_read.clone(),
        View::Runbooks => state.runbooks.secret.clone(),
        View::Replicas => state.replicas.selected_row().map(|r| r.arn.clone()),
        View::Replica => state.replicas.open_row().map(|(r, _)| r.arn.clone()),
        _ => None,
    };
    let from_drill = matches!(state.view, View::Replicas | View::Replica);
    if from_drill {
        // The drill's runbook, with the matrix's DR region.
        let dr = state.replicas.dr_region().map(str::to_string);
        state.runbooks.prefill = dr
            .map(|r| ("dr_region".to_string(), (r, "the DR region of :replicas")))
            .into_iter()
            .collect();
        if let Some(i) = state
            .runbooks
            .catalog
            .iter()
            .position(|r| r.id == "dr-drill")
        {
            state.runbooks.cursor.selected = i;
        }
    } else if state.view != View::Runbooks {
        state.runbooks.prefill.clear();
    }
    let view = &mut state.runbooks;
    view.secret = secret;
    view.form = None;
    view.pane = if incidents {
        RunbooksPane::Incidents
    } else {
        RunbooksPane::Runbooks
    };
    super::nav::open(state, View::Runbooks);
    list_runs()
}

pub fn list_runs() -> Vec<Effect> {
    vec![Effect::Runbook(RunbookRequest::ListRuns)]
}

pub fn runs_listed(state: &mut State, runs: Result<Vec<RunRow>, String>) {
    let n = runs.as_ref().map_or(0, Vec::len);
    state.runbooks.runs = Some(runs);
    let page = page(state);
    state.runbooks.run_cursor.keep_visible(n, page);
}

/// Rows of one list on screen: about half the body.
pub fn page(state: &State) -> usize {
    usize::from(state.height.saturating_sub(4) / 2)
        .saturating_sub(2)
        .max(1)
}

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let view = &mut state.runbooks;
    let moved = match view.pane {
        RunbooksPane::Runbooks => view.cursor.step(action, view.catalog.len(), page),
        RunbooksPane::Incidents => {
            let n = view
                .runs
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, Vec::len);
            view.run_cursor.step(action, n, page)
        }
    };
    if moved {
        return Vec::new();
    }
    match action {
        Action::NextPane => {
            view.pane = match view.pane {
                RunbooksPane::Runbooks => RunbooksPane::Incidents,
                RunbooksPane::Incidents => RunbooksPane::Runbooks,
            };
            Vec::new()
        }
        Action::Open => match view.pane {
            RunbooksPane::Runbooks => {
                open_form(state);
                Vec::new()
            }
            RunbooksPane::Incidents => resume_selected(state),
        },
        _ => Vec::new(),
    }
}

/// The selected runbook's parameters, ready to edit: the secret the view was opened from in
/// each parameter of type `secret`, then values from the view, the team's config file, what the
/// console knows about the secret (its readers, replicas), and the runbook's defaults.
fn open_form(state: &mut State) {
    let Some(info) = state.runbooks.catalog.get(state.runbooks.cursor.selected) else {
        return;
    };
    if let Some(problem) = &info.problem {
        let text = format!(
            "{} does not validate, so it cannot start: {problem}",
            info.file
        );
        notice(state, NoticeLevel::Error, text);
        return;
    }
    let secret = state.runbooks.secret.clone();
    let known = secret
        .as_deref()
        .map(|arn| suggest::known(state, arn))
        .unwrap_or_default();
    let view = &state.runbooks;
    let team = &view.team;
    let fields: Vec<FormField> = info
        .params
        .iter()
        .map(|param| {
            let filled = secret
                .as_ref()
                .filter(|_| param.param_type == ParamType::Secret);
            let prefilled = view
                .prefill
                .get(&param.name)
                .map(|(v, from)| (v.clone(), from.to_string()))
                .or_else(|| {
                    team.runbook_defaults
                        .get(&param.name)
                        .map(|v| (v.clone(), format!("team default, {}", team.file)))
                })
                .filter(|_| filled.is_none());
            let mut field = FormField {
                param: param.clone(),
                value: filled
                    .cloned()
                    .or_else(|| prefilled.as_ref().map(|(v, _)| v.clone()))
                    .unwrap_or_default(),
                from_secret: filled.is_some(),
                prefilled: prefilled.map(|(_, from)| from),
                choices: Vec::new(),
                choice: None,
            };
            suggest::offer(&mut field, &known);
            if field.value.is_empty() && field.choice.is_none() {
                field.value = param.default.clone().unwrap_or_default();
            }
            field
        })
        .collect();
    let mut form = ParamForm {
        runbook: info.id.clone(),
        title: info.title.clone(),
        fields,
        selected: 0,
        message: None,
        readers: known.readers,
    };
    suggest::follow_suspect(&mut form);
    form.selected = form
        .fields
        .iter()
        .position(|f| f.value.is_empty() && f.param.required)
        .unwrap_or(0);
    state.runbooks.form = Some(form);
    state.mode = Mode::Input;
}

/// A key typed while the parameter form is open. Typing over a value the form offered
/// replaces it; ←/→ goes through the values the console knows for the field.
pub fn input(state: &mut State, key: PromptKey) -> Vec<Effect> {
    let now = state.now;
    let Some(form) = state.runbooks.form.as_mut() else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let n = form.fields.len();
    let leaving = form.selected;
    match key {
        PromptKey::Char(c) => {
            if let Some(field) = form.fields.get_mut(form.selected) {
                if field.choice.is_some() {
                    field.value.clear();
                }
                field.value.push(c);
                forget_origin(field);
            }
        }
        PromptKey::Backspace => {
            if let Some(field) = form.fields.get_mut(form.selected) {
                if field.choice.is_some() {
                    field.value.clear();
                } else {
                    field.value.pop();
                }
                forget_origin(field);
            }
        }
        PromptKey::Left | PromptKey::Right => {
            suggest::cycle(form, key == PromptKey::Right);
            return Vec::new();
        }
        PromptKey::Next => form.selected = (form.selected + 1) % n.max(1),
        PromptKey::Previous => form.selected = (form.selected + n.max(1) - 1) % n.max(1),
        PromptKey::Submit if form.selected + 1 < n => form.selected += 1,
        PromptKey::Submit => return start(state),
        PromptKey::Cancel => {
            state.runbooks.form = None;
            state.mode = Mode::Normal;
            return Vec::new();
        }
    }
    if form.selected != leaving {
        let mut suspect = false;
        if let Some(field) = form.fields.get_mut(leaving) {
            suggest::settle_time(field, now);
            suspect = field.param.name == suggest::SUSPECT;
        }
        if suspect {
            suggest::follow_suspect(form);
        }
    }
    Vec::new()
}

fn forget_origin(field: &mut FormField) {
    field.from_secret = false;
    field.prefilled = None;
    field.choice = None;
}

/// Starts the run when every required value is there and valid; otherwise says which is not.
fn start(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let Some(form) = state.runbooks.form.as_mut() else {
        return Vec::new();
    };
    for field in &mut form.fields {
        suggest::settle_time(field, now);
    }
    let mut params = BTreeMap::new();
    for (i, field) in form.fields.iter().enumerate() {
        let text = field.value.trim();
        let param = &field.param;
        if text.is_empty() {
            if param.required && param.default.is_none() {
                form.message = Some(format!(
                    "`{}` is required: {}",
                    param.name,
                    param.description.trim()
                ));
                form.selected = i;
                return Vec::new();
            }
            continue;
        }
        let value = if param.param_type.is_list() {
            ParamValue::Many(
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        } else {
            ParamValue::One(text.to_string())
        };
        if let Err(message) = check_value(param.param_type, param.validation.as_ref(), &value) {
            form.message = Some(format!("`{}`: {message}", param.name));
            form.selected = i;
            return Vec::new();
        }
        params.insert(param.name.clone(), text.to_string());
    }
    let runbook = form.runbook.clone();
    state.runbooks.form = None;
    state.mode = Mode::Normal;
    state.run = RunView {
        busy: true,
        progress: Some(format!("starting {runbook}…")),
        ..RunView::default()
    };
    super::nav::open(state, View::Run);
    vec![Effect::Runbook(RunbookRequest::Start {
        runbook,
        params,
        mode: RunMode {
            dry_run: false,
            allow_write: !state.read_only,
        },
    })]
}

fn resume_selected(state: &mut State) -> Vec<Effect> {
    let Some(Ok(runs)) = &state.runbooks.runs else {
        return Vec::new();
    };
    let Some(run) = runs.get(state.runbooks.run_cursor.selected) else {
        return Vec::new();
    };
    let run_id = run.run_id.clone();
    if state.run.run_id() != Some(run_id.as_str()) {
        state.run = RunView {
            progress: Some(format!("resuming {run_id}…")),
            ..RunView::default()
        };
    }
    state.run.busy = true;
    super::nav::open(state, View::Run);
    vec![Effect::Runbook(RunbookRequest::Resume {
        run_id,
        allow_write: !state.read_only,
    })]
}

fn notice(state: &mut State, level: NoticeLevel, text: String) {
    state.notice = Some(Notice { level, text });
}
