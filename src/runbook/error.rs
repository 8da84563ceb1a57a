//! The one error type of runbook validation: always a file, a line and a field.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunbookError {
    pub file: String,
    /// 1-based line in the file.
    pub line: usize,
    /// Where in the runbook, e.g. `step.contain.on_failure` or `param.suspect.default`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

impl std::error::Error for RunbookError {}
