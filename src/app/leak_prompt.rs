//! The console's leak check (`L` on a secret): a masked prompt for the leaked value, the reason
//! the reads are made, and a typed count above [`MAX_READS`]; then the answer. The value lives
//! only in a [`Masked`] buffer until Enter turns it into a hash.

use std::sync::Arc;

use crate::domain::Secret;
use crate::leak::{Masked, Outcome, Plan};

/// Above this many version reads, the count must be typed (as `leak-check --max-reads`).
pub const MAX_READS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakField {
    Value,
    Reason,
    Confirm,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LeakStage {
    Typing,
    Checking,
    Done {
        outcome: Outcome,
        journal: Option<i64>,
    },
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeakPrompt {
    /// The secret `L` was pressed on.
    pub selected: Arc<Secret>,
    /// The secrets the inventory lists (its filter applied), the other scope.
    pub listed: Vec<Arc<Secret>>,
    /// Whether the candidates are the listed secrets rather than the selected one.
    pub all_listed: bool,
    /// The read plan of the scope, made when the scope changes (not at every frame: an
    /// organization lists tens of thousands of secrets).
    pub plan: Plan,
    pub value: Masked,
    pub reason: String,
    pub confirm: String,
    pub field: LeakField,
    pub stage: LeakStage,
    /// What the prompt asks of the operator now (a missing field, a count to type).
    pub message: Option<String>,
}

impl LeakPrompt {
    pub fn new(selected: Arc<Secret>, listed: Vec<Arc<Secret>>) -> Self {
        let plan = Plan::of(std::iter::once(&*selected));
        Self {
            selected,
            listed,
            all_listed: false,
            plan,
            value: Masked::default(),
            reason: "leak check from the console".to_string(),
            confirm: String::new(),
            field: LeakField::Value,
            stage: LeakStage::Typing,
            message: None,
        }
    }

    /// Switches between the selected secret and every listed one, and plans the reads again.
    pub fn toggle_scope(&mut self) {
        self.all_listed = !self.all_listed;
        self.plan = if self.all_listed {
            Plan::of(self.listed.iter().map(|s| &**s))
        } else {
            Plan::of(std::iter::once(&*self.selected))
        };
    }

    /// Whether the reads must be confirmed by typing their count.
    pub fn needs_count(&self, reads: usize) -> bool {
        reads > MAX_READS
    }
}
