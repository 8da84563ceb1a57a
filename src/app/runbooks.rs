//! What the runbook views hold: the catalog as rows, the journal's incidents, the parameter
//! form, and the run on screen with the operator's answer while it is being given.

use chrono::{DateTime, Utc};

use super::cursor::Cursor;
use crate::incident::catalog;
use crate::incident::snapshot::{RunRow, RunSnapshot};
use crate::runbook::engine::Command;
use crate::runbook::spec::{ParamType, ParamValue, Validation};

/// One runbook of the catalog, or a file that does not validate.
#[derive(Debug, Clone, PartialEq)]
pub struct RunbookInfo {
    pub id: String,
    pub title: String,
    /// `built-in:<file>` or the path it was read from.
    pub file: String,
    pub when_to_use: String,
    pub params: Vec<ParamInfo>,
    /// Why the file cannot be used: its first error, and how many there are.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    pub name: String,
    pub param_type: ParamType,
    pub required: bool,
    /// The default as typed in the form (lists comma-separated).
    pub default: Option<String>,
    pub validation: Option<Validation>,
    pub description: String,
}

impl RunbookInfo {
    pub fn of(entry: &catalog::Entry) -> Self {
        match &entry.runbook {
            Ok(runbook) => RunbookInfo {
                id: runbook.meta.id.clone(),
                title: runbook.meta.title.clone(),
                file: entry.file.clone(),
                when_to_use: runbook.meta.when_to_use.clone(),
                params: runbook
                    .params
                    .iter()
                    .map(|p| ParamInfo {
                        name: p.name.clone(),
                        param_type: p.param_type,
                        required: p.required,
                        default: p.default.as_ref().map(|d| match d {
                            ParamValue::One(one) => one.clone(),
                            ParamValue::Many(many) => many.join(","),
                        }),
                        validation: p.validation.clone(),
                        description: p.description.clone(),
                    })
                    .collect(),
                problem: None,
            },
            Err(errors) => RunbookInfo {
                id: entry.id(),
                title: String::new(),
                file: entry.file.clone(),
                when_to_use: String::new(),
                params: Vec::new(),
                problem: Some(match errors.first() {
                    Some(first) if errors.len() > 1 => {
                        format!("{first} (and {} more)", errors.len() - 1)
                    }
                    Some(first) => first.to_string(),
                    None => "does not validate".to_string(),
                }),
            },
        }
    }
}

/// Which list of the runbooks view has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunbooksPane {
    #[default]
    Runbooks,
    Incidents,
}

#[derive(Debug, Clone, Default)]
pub struct RunbooksView {
    pub catalog: Vec<RunbookInfo>,
    pub cursor: Cursor,
    /// The journal's runs, newest first; None until the worker answers.
    pub runs: Option<Result<Vec<RunRow>, String>>,
    pub run_cursor: Cursor,
    pub pane: RunbooksPane,
    /// The secret selected when the view opened (ARN): it fills `secret` parameters.
    pub secret: Option<String>,
    /// Values for parameters by name, from the view it was opened from (the matrix's DR
    /// region fills `dr_region`), with where they came from.
    pub prefill: std::collections::BTreeMap<String, (String, &'static str)>,
    /// The team's config file: values its forms offer, such as the break-glass role.
    pub team: crate::config::TeamConfig,
    pub form: Option<ParamForm>,
}

/// The parameters of a runbook about to start, one field each.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamForm {
    pub runbook: String,
    pub title: String,
    pub fields: Vec<FormField>,
    pub selected: usize,
    /// Why the run did not start (a missing or invalid value).
    pub message: Option<String>,
    /// Who read the selected secret, as the suspect field offers them; the exposure time
    /// follows the suspect picked.
    pub readers: Vec<KnownReader>,
}

/// A reader of the selected secret, as the form offers it for `suspect`.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownReader {
    /// The principal as a runbook takes it: an IAM ARN or an account id.
    pub principal: String,
    /// Short name from CloudTrail (untrusted: neutralise before display).
    pub label: String,
    pub reads: usize,
    /// Its earliest read or attempt in the events loaded.
    pub first_read: DateTime<Utc>,
    /// What a hint flags it for (`possible enumeration`), if one does.
    pub flag: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub param: ParamInfo,
    pub value: String,
    /// Filled from the selected secret.
    pub from_secret: bool,
    /// Where the console found the value (the view it was opened from, the team's config file,
    /// the secret's readers), or how a typed relative time was read.
    pub prefilled: Option<String>,
    /// Values the console knows for this field, offered with ←/→.
    pub choices: Vec<Choice>,
    /// The choice the value holds; None once the operator types.
    pub choice: Option<usize>,
}

/// A value the form offers for a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The value as the runbook takes it; empty leaves the parameter out ("unknown yet").
    pub value: String,
    /// Where it comes from, shown under the field, e.g. `reader of the secret, 14 reads`.
    pub from: String,
}

/// What the form shows for an empty suspect: the run starts without one and triage asks.
pub const UNKNOWN_YET: &str = "unknown yet";

/// Which pane of the run view the movement keys act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunPane {
    /// The current step: checklist items or decision options.
    #[default]
    Step,
    /// The step list: the selected step's evidence is shown.
    Steps,
    Journal,
}

/// The field the operator is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunInput {
    Note,
    Confirm,
    Resend,
}

/// The operator's answer to the command on screen, kept until it is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The step (and command kind) this answer belongs to; a new command starts a new answer.
    pub key: String,
    pub ticked: Vec<bool>,
    pub note: String,
    pub typed: String,
}

#[derive(Debug, Clone, Default)]
pub struct RunView {
    pub snapshot: Option<RunSnapshot>,
    /// The last thing the worker said it was doing.
    pub progress: Option<String>,
    /// Why the run could not start or resume.
    pub error: Option<String>,
    /// A request is with the worker: nothing is sent again until it answers.
    pub busy: bool,
    pub pane: RunPane,
    pub steps: Cursor,
    /// The checklist item or decision option under the cursor.
    pub item: usize,
    pub answer: Answer,
    pub input: Option<RunInput>,
    /// Journal lines scrolled back from the newest (0 follows the newest).
    pub journal_back: usize,
    pub instructions_scroll: u16,
    /// Why the last key did nothing (an unticked item, a wrong confirmation).
    pub message: Option<String>,
}

impl RunView {
    /// The command waiting for the operator, when nothing is in flight.
    pub fn operator_command(&self) -> Option<&Command> {
        if self.busy {
            return None;
        }
        let snapshot = self.snapshot.as_ref().filter(|s| !s.busy)?;
        snapshot.waiting.as_ref().filter(|c| is_operator(c))
    }

    pub fn run_id(&self) -> Option<&str> {
        self.snapshot.as_ref().map(|s| s.run_id.as_str())
    }
}

/// Whether a command waits for a person rather than for the worker.
pub fn is_operator(command: &Command) -> bool {
    matches!(
        command,
        Command::ShowManual { .. }
            | Command::AskDecision { .. }
            | Command::AskConfirmation { .. }
            | Command::NeedsWriteAccess { .. }
    )
}

/// The step a command is about.
pub fn step_of(command: &Command) -> Option<&str> {
    match command {
        Command::RunQuery { step, .. }
        | Command::RunAction { step, .. }
        | Command::NeedsWriteAccess { step, .. }
        | Command::AskConfirmation { step, .. }
        | Command::EvaluateCheck { step, .. }
        | Command::ShowManual { step, .. }
        | Command::AskDecision { step, .. } => Some(step),
        Command::Journal(_) | Command::Finished { .. } => None,
    }
}
