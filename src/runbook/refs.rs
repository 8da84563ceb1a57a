//! References from one part of a runbook to another: `param.x`, `steps.y.output.z`,
//! `steps.y.started_at`, `steps.y.finished_at`, written bare in assertions and as
//! `{{...}}` templates in text and arguments.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueRef {
    Param(String),
    StepOutput { step: String, output: String },
    StepStartedAt(String),
    StepFinishedAt(String),
}

impl ValueRef {
    /// Parses a bare reference such as `param.secret` or `steps.contain.finished_at`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let valid = |name: &str| is_identifier(name);
        match parts.as_slice() {
            ["param", name] if valid(name) => Ok(Self::Param((*name).to_string())),
            ["steps", step, "output", output] if valid(step) && valid(output) => {
                Ok(Self::StepOutput {
                    step: (*step).to_string(),
                    output: (*output).to_string(),
                })
            }
            ["steps", step, "started_at"] if valid(step) => {
                Ok(Self::StepStartedAt((*step).to_string()))
            }
            ["steps", step, "finished_at"] if valid(step) => {
                Ok(Self::StepFinishedAt((*step).to_string()))
            }
            _ => Err(format!(
                "`{}` is not a reference; use param.NAME, steps.ID.output.NAME, \
                 steps.ID.started_at or steps.ID.finished_at",
                text.trim()
            )),
        }
    }

    /// The step this reference reads from, if any.
    pub fn step(&self) -> Option<&str> {
        match self {
            Self::Param(_) => None,
            Self::StepOutput { step, .. }
            | Self::StepStartedAt(step)
            | Self::StepFinishedAt(step) => Some(step),
        }
    }
}

impl fmt::Display for ValueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Param(name) => write!(f, "param.{name}"),
            Self::StepOutput { step, output } => write!(f, "steps.{step}.output.{output}"),
            Self::StepStartedAt(step) => write!(f, "steps.{step}.started_at"),
            Self::StepFinishedAt(step) => write!(f, "steps.{step}.finished_at"),
        }
    }
}

/// A `{{...}}` template found in a text, with the exact source text of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub source: String,
    pub value: ValueRef,
}

/// Every `{{...}}` template in `text`; a malformed one is an error naming its source text.
pub fn templates(text: &str) -> Vec<Result<Template, (String, String)>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            found.push(Err((
                rest[start..].lines().next().unwrap_or("{{").to_string(),
                "unclosed `{{`; a template ends with `}}`".to_string(),
            )));
            break;
        };
        let source = rest[start..start + 2 + end + 2].to_string();
        found.push(match ValueRef::parse(&after[..end]) {
            Ok(value) => Ok(Template { source, value }),
            Err(message) => Err((source, message)),
        });
        rest = &after[end + 2..];
    }
    found
}

/// Step ids, parameter and output names: lowercase letters, digits, `_` and `-`, starting with a letter.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_reference_form() {
        assert_eq!(
            ValueRef::parse("param.secret"),
            Ok(ValueRef::Param("secret".into()))
        );
        assert_eq!(
            ValueRef::parse("steps.evidence.output.policy"),
            Ok(ValueRef::StepOutput {
                step: "evidence".into(),
                output: "policy".into()
            })
        );
        assert_eq!(
            ValueRef::parse(" steps.contain.finished_at "),
            Ok(ValueRef::StepFinishedAt("contain".into()))
        );
        assert!(ValueRef::parse("params.secret").is_err());
        assert!(ValueRef::parse("steps.a.output").is_err());
    }

    #[test]
    fn finds_templates_and_reports_malformed_ones() {
        let found =
            templates("rotate {{param.secret}} after {{ steps.a.finished_at }} and {{oops}}");
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0],
            Ok(Template {
                source: "{{param.secret}}".into(),
                value: ValueRef::Param("secret".into())
            })
        );
        assert!(found[1].is_ok());
        assert!(matches!(&found[2], Err((source, _)) if source == "{{oops}}"));
        assert!(matches!(&templates("x {{param.a")[0], Err((source, _)) if source == "{{param.a"));
    }
}
