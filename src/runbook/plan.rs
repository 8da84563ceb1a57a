//! A dry run's plan: the whole runbook walked in file order with the parameters filled in, every
//! step's kind, checklist and branches, and the exact request of every read and write. Pure: no
//! journal, no clock, no AWS. Values that only an earlier step can produce stay placeholders
//! such as `<steps.contain.output.previous_policy>`.

use std::collections::BTreeMap;

use serde_json::json;

use super::assertion::assertion_refs;
use super::calls::{self, ApiCall};
use super::engine::{EngineError, assertion_name, check_params, preview};
use super::read_calls::{ReadCall, check_calls, query_calls};
use super::refs::{ValueRef, templates};
use super::spec::{
    ActionKind, ArgValue, Args, Assertion, Decision, END, OnFailure, Runbook, Step, StepBody,
    StepKind,
};

/// The runbook as a dry run shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub runbook_id: String,
    pub title: String,
    pub version: u32,
    /// Every parameter with its value (defaults filled, lists comma-joined), in file order.
    pub params: Vec<(String, String)>,
    pub steps: Vec<PlannedStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    pub retries: u32,
    pub on_failure: OnFailure,
    pub detail: Detail,
    /// Where the run goes after this step when it does not branch: the next step, or [`END`].
    pub next: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Manual {
        instructions: String,
        checklist: Vec<String>,
        note: bool,
    },
    Query {
        output: String,
        calls: Vec<ReadCall>,
    },
    Action {
        write: Write,
        /// The text the operator types to approve it.
        confirm: String,
    },
    Check {
        /// e.g. `no_reads_by(arn:aws:iam::1:user/x, since=<steps.contain.finished_at>)`.
        assertion: String,
        calls: Vec<ReadCall>,
        on_fail: String,
    },
    Decision {
        /// None when the decision branches on a check instead of asking.
        question: Option<String>,
        branches: Vec<Branch>,
    },
}

/// The write an action step sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// The exact request, as the approval prompt shows it.
    Request {
        call: ApiCall,
        /// The request sent instead in a case only the run can tell (restore with no policy).
        otherwise: Option<(String, ApiCall)>,
    },
    /// The arguments do not make a request: the run would stop here, saying why.
    Incomplete(String),
}

impl Write {
    /// The request as the operator approves it.
    pub fn text(&self) -> String {
        match self {
            Self::Request { call, .. } => call.to_string(),
            Self::Incomplete(text) => text.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// The option's label, or the check outcome (`passed`, `failed`) it follows.
    pub when: String,
    /// A step id, or [`END`].
    pub goto: String,
}

/// Walks `runbook` with the operator's parameters. Fails only on parameters, as a run would.
pub fn plan(runbook: &Runbook, given: &BTreeMap<String, String>) -> Result<Plan, EngineError> {
    let (_, values) = check_params(runbook, given)?;
    let params = runbook
        .params
        .iter()
        .filter_map(|p| values.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    let steps = runbook
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let next = runbook
                .steps
                .get(index + 1)
                .map_or_else(|| END.to_string(), |s| s.id.clone());
            planned(step, &values, next)
        })
        .collect();
    Ok(Plan {
        runbook_id: runbook.meta.id.clone(),
        title: runbook.meta.title.clone(),
        version: runbook.meta.version,
        params,
        steps,
    })
}

fn planned(step: &Step, values: &BTreeMap<String, String>, next: String) -> PlannedStep {
    let fill = |text: &str| fill(text, values);
    let detail = match &step.body {
        StepBody::Manual {
            instructions,
            checklist,
            note,
        } => Detail::Manual {
            instructions: fill(instructions),
            checklist: checklist.iter().map(|item| fill(item)).collect(),
            note: *note,
        },
        StepBody::Query {
            query,
            args,
            output,
        } => Detail::Query {
            output: output.clone(),
            calls: query_calls(*query, &fill_args(args, values)),
        },
        StepBody::Action {
            action,
            args,
            confirm,
        } => Detail::Action {
            write: write(*action, &fill_args(args, values)),
            confirm: fill(confirm),
        },
        StepBody::Check { assert, on_fail } => {
            let args = check_args(assert, values);
            Detail::Check {
                assertion: assertion_text(assert, values),
                calls: check_calls(assert, &args),
                on_fail: fill(on_fail),
            }
        }
        StepBody::Decision(Decision::Question { question, options }) => Detail::Decision {
            question: Some(fill(question)),
            branches: options
                .iter()
                .map(|option| Branch {
                    when: fill(&option.label),
                    goto: option.goto.clone(),
                })
                .collect(),
        },
        StepBody::Decision(Decision::OnAnswer {
            query,
            cases,
            otherwise,
        }) => Detail::Decision {
            question: None,
            branches: cases
                .iter()
                .map(|(answer, goto)| Branch {
                    when: format!("`{query}` answered `{answer}`"),
                    goto: goto.clone(),
                })
                .chain(std::iter::once(Branch {
                    when: format!("`{query}` gave another answer or none"),
                    goto: otherwise.clone(),
                }))
                .collect(),
        },
        StepBody::Decision(Decision::OnCheck {
            check,
            if_true,
            if_false,
        }) => Detail::Decision {
            question: None,
            branches: vec![
                Branch {
                    when: format!("`{check}` passed"),
                    goto: if_true.clone(),
                },
                Branch {
                    when: format!("`{check}` failed"),
                    goto: if_false.clone(),
                },
            ],
        },
    };
    PlannedStep {
        id: step.id.clone(),
        title: step.title.clone(),
        kind: step.body.kind(),
        retries: step.retries,
        on_failure: step.on_failure.clone(),
        detail,
        next,
    }
}

/// A reference's value: a parameter's, or a placeholder naming what will supply it.
fn value_of(value: &ValueRef, values: &BTreeMap<String, String>) -> String {
    match value {
        ValueRef::Param(name) => values
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("<{value}>")),
        _ => format!("<{value}>"),
    }
}

/// Substitutes every `{{...}}` template.
fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut filled = text.to_string();
    for template in templates(text).into_iter().flatten() {
        filled = filled.replacen(&template.source, &value_of(&template.value, values), 1);
    }
    filled
}

/// Arguments as the engine passes them: strings, lists as JSON arrays of strings.
fn fill_args(args: &Args, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    args.iter()
        .map(|(key, value)| {
            let text = match value {
                ArgValue::Text(text) => fill(text, values),
                ArgValue::List(items) => {
                    let items: Vec<String> = items.iter().map(|item| fill(item, values)).collect();
                    json!(items).to_string()
                }
                ArgValue::Bool(flag) => flag.to_string(),
                ArgValue::Integer(number) => number.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// The check's arguments by role, as the engine builds them.
fn check_args(assert: &Assertion, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut args = BTreeMap::from([(
        "secret_id".to_string(),
        value_of(&ValueRef::Param("secret".to_string()), values),
    )]);
    let named: Vec<(&str, &ValueRef)> = match assert {
        Assertion::CurrentVersionChangedSince(since) => vec![("since", since)],
        Assertion::ReplicasInSync => Vec::new(),
        Assertion::ReplicatedTo(regions) => vec![("regions", regions)],
        Assertion::NoReadsBy { principal, since } => {
            vec![("principal", principal), ("since", since)]
        }
        Assertion::PolicyDeniesAllExcept(principal) => vec![("principal", principal)],
    };
    for (name, value) in named {
        args.insert(name.to_string(), value_of(value, values));
    }
    args
}

fn assertion_text(assert: &Assertion, values: &BTreeMap<String, String>) -> String {
    let refs: Vec<String> = assertion_refs(assert)
        .into_iter()
        .map(|value| value_of(value, values))
        .collect();
    let name = assertion_name(assert);
    match (assert, refs.as_slice()) {
        (Assertion::NoReadsBy { .. }, [principal, since]) => {
            format!("{name}({principal}, since={since})")
        }
        (_, []) => name.to_string(),
        (_, refs) => format!("{name}({})", refs.join(", ")),
    }
}

/// The write's exact request. A policy saved by an earlier step is a placeholder here, and
/// whether there was one decides between restoring it and deleting ours.
fn write(action: ActionKind, args: &BTreeMap<String, String>) -> Write {
    let placeholder = |key: &str| {
        args.get(key)
            .is_some_and(|value| value.starts_with('<') && value.ends_with('>'))
    };
    if action == ActionKind::RestorePolicy && placeholder("policy") {
        let secret_id = ("SecretId".to_string(), json!(args.get("secret_id")));
        let delete = ApiCall {
            operation: "DeleteResourcePolicy",
            body: serde_json::Map::from_iter([secret_id.clone()]),
        };
        // Sorted keys: the same text whether or not serde_json keeps insertion order.
        let body = serde_json::Map::from_iter([
            ("ResourcePolicy".to_string(), json!(args.get("policy"))),
            secret_id,
        ]);
        let when = format!(
            "when {} is empty (the secret had no policy before)",
            args.get("policy").map(String::as_str).unwrap_or_default()
        );
        return Write::Request {
            call: ApiCall {
                operation: "PutResourcePolicy",
                body,
            },
            otherwise: Some((when, delete)),
        };
    }
    match calls::plan(action, args) {
        Ok(call) => Write::Request {
            call,
            otherwise: None,
        },
        Err(_) => Write::Incomplete(preview(action, args)),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
