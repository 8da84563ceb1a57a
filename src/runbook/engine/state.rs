//! The engine's state (the runbook, typed parameters, mode, step records and phase) and what can
//! be read of it; the other files of the engine move it.

use std::collections::BTreeMap;

use super::types::{Mode, Outcome, RunStatus, StepError, StepRecord};
use crate::runbook::spec::{ParamValue, Runbook, Step};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Then {
    Start(usize),
    End,
    Stop { step: String, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Active {
    pub(super) step: usize,
    pub(super) confirmed: bool,
    pub(super) failures: u32,
    pub(super) last_error: Option<StepError>,
    pub(super) resolved: Option<(Outcome, BTreeMap<String, String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Phase {
    /// A step finished (or the run started); `api_call` is still to be journaled.
    Between {
        then: Then,
        api_call: Option<(String, Option<String>, Option<String>)>,
    },
    Active(Active),
    Finished(RunStatus),
}

/// The pure runbook state machine.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) runbook: Runbook,
    pub(super) params: BTreeMap<String, ParamValue>,
    pub(super) mode: Mode,
    pub(super) records: BTreeMap<String, StepRecord>,
    pub(super) phase: Phase,
}

impl Engine {
    /// Every step's record so far, by step id.
    pub fn records(&self) -> &BTreeMap<String, StepRecord> {
        &self.records
    }

    pub fn runbook(&self) -> &Runbook {
        &self.runbook
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// What is known about a step of this run (started, finished, outputs...).
    pub fn record_of(&self, step: &str) -> Option<&StepRecord> {
        self.records.get(step)
    }

    /// The step waiting for an event, if any.
    pub fn current_step(&self) -> Option<&Step> {
        match &self.phase {
            Phase::Active(active) => self.runbook.steps.get(active.step),
            _ => None,
        }
    }

    /// The final status once the run is over.
    pub fn status(&self) -> Option<&RunStatus> {
        match &self.phase {
            Phase::Finished(status) => Some(status),
            _ => None,
        }
    }

    pub(super) fn blank(
        runbook: Runbook,
        params: BTreeMap<String, ParamValue>,
        mode: Mode,
    ) -> Self {
        let then = if runbook.steps.is_empty() {
            Then::End
        } else {
            Then::Start(0)
        };
        Engine {
            runbook,
            params,
            mode,
            records: BTreeMap::new(),
            phase: Phase::Between {
                then,
                api_call: None,
            },
        }
    }
}
