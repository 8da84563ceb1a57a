//! What the registry's environment matrix holds: the registry the console opened with (or why
//! it could not), a row per key (and per unregistered secret), a cell per environment, and the
//! cursor. Computed when the view opens and when the inventory changes, never per frame.

use std::sync::Arc;

use super::cursor::Cursor;
use crate::registry::Registry;

#[derive(Debug, Clone, Default)]
pub struct RegistryView {
    pub registry: Option<Arc<Registry>>,
    /// Why no registry is loaded (a bad file), said in the view.
    pub error: Option<String>,
    pub rows: Vec<MatrixRow>,
    pub cursor: Cursor,
    /// The environment column under the cursor.
    pub column: usize,
}

/// One key across the environments; `registered` false for a secret no key declares.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixRow {
    pub key: String,
    pub registered: bool,
    pub cells: Vec<MatrixCell>,
}

/// A key in one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixCell {
    pub mark: Mark,
    /// The secret's name there.
    pub name: String,
    pub arn: Option<String>,
    /// What failed, one clause per check.
    pub detail: String,
}

/// What a cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Present,
    Missing,
    /// Scheduled for deletion.
    Deleting,
    /// No version carries AWSCURRENT.
    NoCurrent,
    NotReplicated,
    RotationOff,
    /// Rotated less often than declared, or past its cadence.
    Overdue,
    /// Dual-published, but the previous version is gone.
    NoPrevious,
    /// A required tag is missing.
    Tags,
    ForbiddenPresent,
    /// Forbidden and absent.
    Absent,
    /// Optional and absent.
    OptionalAbsent,
    /// The key does not mention the environment.
    NotDeclared,
    Unregistered,
}

impl Mark {
    pub fn label(self) -> &'static str {
        match self {
            Mark::Present => "present",
            Mark::Missing => "MISSING",
            Mark::Deleting => "DELETING",
            Mark::NoCurrent => "no AWSCURRENT",
            Mark::NotReplicated => "not replicated",
            Mark::RotationOff => "rotation off",
            Mark::Overdue => "overdue",
            Mark::NoPrevious => "no AWSPREVIOUS",
            Mark::Tags => "tags missing",
            Mark::ForbiddenPresent => "FORBIDDEN",
            Mark::Absent => "—",
            Mark::OptionalAbsent => "·",
            Mark::NotDeclared => "",
            Mark::Unregistered => "unregistered",
        }
    }

    pub fn is_problem(self) -> bool {
        !matches!(
            self,
            Mark::Present
                | Mark::Absent
                | Mark::OptionalAbsent
                | Mark::NotDeclared
                | Mark::Unregistered
        )
    }
}

impl RegistryView {
    pub fn selected_cell(&self) -> Option<&MatrixCell> {
        self.rows
            .get(self.cursor.selected)
            .and_then(|r| r.cells.get(self.column))
    }
}

/// What the registry declares of each secret it names, in every environment, for the audit.
pub fn declared(registry: &Registry) -> std::collections::HashMap<String, crate::audit::Declared> {
    let mut out = std::collections::HashMap::new();
    for key in &registry.keys {
        for env in &registry.environments {
            out.insert(
                key.name(env),
                crate::audit::Declared {
                    rotation_days: key.rotation_days,
                    classification: key.classification.clone(),
                },
            );
        }
    }
    out
}
