//! References from one part of a runbook to another: `param.x`, `steps.y.output.z`,
//! `steps.y.started_at`, `steps.y.finished_at`, written bare in assertions and as
//! `{{...}}` templates in text and arguments.

use std::fmt;

use super::spec::Assertion;

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

/// Parses a check expression such as `no_reads_by(param.suspect, since=steps.contain.finished_at)`.
pub fn parse_assertion(text: &str) -> Result<Assertion, String> {
    let text = text.trim();
    let (name, args) = match text.split_once('(') {
        None => (text, Vec::new()),
        Some((name, rest)) => {
            let Some(inner) = rest.strip_suffix(')') else {
                return Err(format!("`{text}` has no closing `)`"));
            };
            let args = inner
                .split(',')
                .map(str::trim)
                .filter(|arg| !arg.is_empty())
                .map(|arg| match arg.split_once('=') {
                    Some((key, value)) => (Some(key.trim()), value.trim()),
                    None => (None, arg),
                })
                .collect();
            (name.trim(), args)
        }
    };
    let arity =
        |expected: &str| format!("`{name}` takes {expected}; write e.g. `{}`", example(name));
    match (name, args.as_slice()) {
        ("current_version_changed_since", [(None, since)]) => Ok(
            Assertion::CurrentVersionChangedSince(ValueRef::parse(since)?),
        ),
        ("current_version_changed_since", _) => Err(arity("one reference")),
        ("replicas_in_sync", []) => Ok(Assertion::ReplicasInSync),
        ("replicas_in_sync", _) => Err(arity("no arguments")),
        ("replicated_to", [(None, regions)]) => {
            Ok(Assertion::ReplicatedTo(ValueRef::parse(regions)?))
        }
        ("replicated_to", _) => Err(arity("one reference")),
        ("no_reads_by", [(None, principal), (Some("since"), since)]) => Ok(Assertion::NoReadsBy {
            principal: ValueRef::parse(principal)?,
            since: ValueRef::parse(since)?,
        }),
        ("no_reads_by", _) => Err(arity("a principal and `since=`")),
        ("policy_denies_all_except", [(None, principal)]) => Ok(Assertion::PolicyDeniesAllExcept(
            ValueRef::parse(principal)?,
        )),
        ("policy_denies_all_except", _) => Err(arity("one reference")),
        _ => Err(format!(
            "unknown assertion `{name}`; expected one of: {}",
            Assertion::NAMES.join(", ")
        )),
    }
}

/// The references an assertion reads.
pub fn assertion_refs(assertion: &Assertion) -> Vec<&ValueRef> {
    match assertion {
        Assertion::CurrentVersionChangedSince(value)
        | Assertion::ReplicatedTo(value)
        | Assertion::PolicyDeniesAllExcept(value) => vec![value],
        Assertion::ReplicasInSync => Vec::new(),
        Assertion::NoReadsBy { principal, since } => vec![principal, since],
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "current_version_changed_since" => "current_version_changed_since(param.incident_start)",
        "replicated_to" => "replicated_to(param.dr_regions)",
        "no_reads_by" => "no_reads_by(param.suspect, since=steps.contain.finished_at)",
        "policy_denies_all_except" => "policy_denies_all_except(param.break_glass)",
        _ => "replicas_in_sync",
    }
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

    #[test]
    fn parses_assertions_with_arity_checks() {
        assert_eq!(
            parse_assertion("no_reads_by(param.suspect, since=steps.contain.finished_at)"),
            Ok(Assertion::NoReadsBy {
                principal: ValueRef::Param("suspect".into()),
                since: ValueRef::StepFinishedAt("contain".into()),
            })
        );
        assert_eq!(
            parse_assertion("replicas_in_sync"),
            Ok(Assertion::ReplicasInSync)
        );
        assert!(parse_assertion("replicas_in_sync(param.x)").is_err());
        assert!(parse_assertion("no_reads_by(param.suspect)").is_err());
        let unknown = parse_assertion("all_good").unwrap_err();
        assert!(
            unknown.contains("unknown assertion `all_good`"),
            "{unknown}"
        );
    }
}
