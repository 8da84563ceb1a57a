//! The entry points: text (or a file) in, a [`Runbook`] or every error with file, line and field out.

use std::path::Path;

use toml::de::DeTable;

pub use super::error::RunbookError;
use super::parse::parse_document;
use super::reader::{Reader, Reference, Target};
use super::refs::ValueRef;
use super::spec::{END, Runbook};

/// Validates runbook TOML. `file` is only used to label errors. A syntax error is reported alone;
/// otherwise every mistake is reported, sorted by line.
pub fn validate(text: &str, file: &str) -> Result<Runbook, Vec<RunbookError>> {
    let mut reader = Reader::new(text, file);
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            reader.error(span, "syntax", error.message().trim().to_string());
            return Err(reader.errors);
        }
    };
    let runbook = parse_document(&mut reader, document.get_ref());
    let outline = Outline::of(&document);
    let references = std::mem::take(&mut reader.references);
    for reference in &references {
        if let Some(message) = outline.check(reference) {
            reader.errors.push(RunbookError {
                file: file.to_string(),
                line: reference.line,
                field: reference.field.clone(),
                message,
            });
        }
    }
    let mut errors = reader.errors;
    match runbook {
        Some(runbook) if errors.is_empty() => Ok(runbook),
        _ => {
            errors.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));
            errors.dedup();
            Err(errors)
        }
    }
}

/// Reads and validates one runbook file; the path as given labels the errors.
pub fn load_file(path: &Path) -> Result<Runbook, Vec<RunbookError>> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => validate(&text, &file),
        Err(error) => Err(vec![RunbookError {
            file,
            line: 0,
            field: "file".to_string(),
            message: format!("cannot read: {error}"),
        }]),
    }
}

/// What references can point at, taken from the raw document so that one broken step does not
/// turn every reference to it into a second error.
struct Outline {
    params: Vec<String>,
    steps: Vec<StepOutline>,
}

struct StepOutline {
    id: String,
    kind: Option<String>,
    outputs: Vec<String>,
}

impl Outline {
    fn of(document: &toml::Spanned<DeTable>) -> Self {
        let tables = |key: &str| -> Vec<&DeTable> {
            document
                .get_ref()
                .get(key)
                .and_then(|value| value.get_ref().as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item.get_ref().as_table())
                        .collect()
                })
                .unwrap_or_default()
        };
        let text = |table: &DeTable, key: &str| -> Option<String> {
            table
                .get(key)
                .and_then(|value| value.get_ref().as_str())
                .map(str::to_string)
        };
        let params = tables("param")
            .into_iter()
            .filter_map(|table| text(table, "name"))
            .collect();
        let steps = tables("step")
            .into_iter()
            .map(|table| {
                let mut outputs: Vec<String> = table
                    .get("outputs")
                    .and_then(|value| value.get_ref().as_array())
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|item| item.get_ref().as_str())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                outputs.extend(text(table, "output"));
                StepOutline {
                    id: text(table, "id").unwrap_or_default(),
                    kind: text(table, "kind"),
                    outputs,
                }
            })
            .collect();
        Self { params, steps }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|step| step.id == id)
    }

    /// Why the reference is broken, if it is.
    fn check(&self, reference: &Reference) -> Option<String> {
        match &reference.target {
            Target::Step(id) if id == END => None,
            Target::Step(id) => self
                .position(id)
                .is_none()
                .then(|| format!("no step has id `{id}`; {}, or `{END}`", self.known_steps())),
            Target::CheckStep(id) => {
                let Some(position) = self.position(id) else {
                    return Some(format!("no step has id `{id}`; {}", self.known_steps()));
                };
                if self.steps[position].kind.as_deref() != Some("check") {
                    return Some(format!(
                        "`{id}` is not a check step; a decision can only branch on a check"
                    ));
                }
                self.runs_before(position, reference, id)
            }
            Target::QueryStep(id) => {
                let Some(position) = self.position(id) else {
                    return Some(format!("no step has id `{id}`; {}", self.known_steps()));
                };
                if self.steps[position].kind.as_deref() != Some("query") {
                    return Some(format!(
                        "`{id}` is not a query step; `cases` branch on a query's answer"
                    ));
                }
                self.runs_before(position, reference, id)
            }
            Target::Value(ValueRef::Param(name)) => (!self.params.contains(name)).then(|| {
                let known = if self.params.is_empty() {
                    "none".to_string()
                } else {
                    self.params.join(", ")
                };
                format!("no parameter is named `{name}`; declared parameters: {known}")
            }),
            Target::Value(value) => {
                let id = value.step().unwrap_or_default();
                let Some(position) = self.position(id) else {
                    return Some(format!(
                        "`{value}` names no step: no step has id `{id}`; {}",
                        self.known_steps()
                    ));
                };
                if let ValueRef::StepOutput { output, .. } = value
                    && !self.steps[position].outputs.contains(output)
                {
                    let declared = &self.steps[position].outputs;
                    let declared = if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    };
                    return Some(format!(
                        "step `{id}` has no output `{output}`; its outputs: {declared} (declare it in `outputs`)"
                    ));
                }
                self.runs_before(position, reference, id)
            }
        }
    }

    fn runs_before(&self, position: usize, reference: &Reference, id: &str) -> Option<String> {
        let from = reference.from_step?;
        (position >= from).then(|| {
            format!("step `{id}` does not run before this one; only earlier steps can be read")
        })
    }

    fn known_steps(&self) -> String {
        let ids: Vec<&str> = self
            .steps
            .iter()
            .map(|step| step.id.as_str())
            .filter(|id| !id.is_empty())
            .collect();
        format!("known steps: {}", ids.join(", "))
    }
}
