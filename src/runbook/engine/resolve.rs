//! Values for a run: parameters, `{{...}}` templates, call arguments, previews and names.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

use super::state::Engine;
use super::types::EngineError;
use crate::runbook::refs::{ValueRef, templates};
use crate::runbook::spec::{
    ActionKind, ArgValue, Args, Assertion, ParamValue, QueryKind, Runbook, Step, StepBody,
};
use crate::runbook::values::check_value;

/// How operator text shows an optional parameter the run was started without.
pub const NOT_GIVEN: &str = "none";

impl Engine {
    /// The value of a reference, if it is known at this point of the run.
    pub fn value_of(&self, value: &ValueRef) -> Option<String> {
        let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
        match value {
            ValueRef::Param(name) => self.params.get(name).map(|value| match value {
                ParamValue::One(one) => one.clone(),
                ParamValue::Many(many) => many.join(","),
            }),
            ValueRef::StepOutput { step, output } => self
                .records
                .get(step)
                .and_then(|record| record.outputs.get(output).cloned()),
            ValueRef::StepStartedAt(step) => self
                .records
                .get(step)
                .and_then(|record| record.started_at.map(time)),
            ValueRef::StepFinishedAt(step) => self
                .records
                .get(step)
                .and_then(|record| record.finished_at.map(time)),
        }
    }

    /// Substitutes every `{{...}}` template; an unknown one is an error naming it.
    fn resolve(&self, text: &str) -> Result<String, String> {
        let mut resolved = text.to_string();
        let mut missing = Vec::new();
        for template in templates(text) {
            match template {
                Ok(template) => match self.value_of(&template.value) {
                    Some(value) => resolved = resolved.replacen(&template.source, &value, 1),
                    None => missing.push(template.source),
                },
                Err((source, _)) => missing.push(source),
            }
        }
        if missing.is_empty() {
            Ok(resolved)
        } else {
            Err(format!("no value yet for {}", missing.join(", ")))
        }
    }

    /// Text for the operator: an optional parameter left out reads [`NOT_GIVEN`]; other
    /// unknown templates are left as written.
    pub(super) fn resolve_text(&self, text: &str) -> String {
        let mut resolved = text.to_string();
        for template in templates(text).into_iter().flatten() {
            let value = self
                .value_of(&template.value)
                .or_else(|| match &template.value {
                    ValueRef::Param(name) if self.runbook.param(name).is_some() => {
                        Some(NOT_GIVEN.to_string())
                    }
                    _ => None,
                });
            if let Some(value) = value {
                resolved = resolved.replacen(&template.source, &value, 1);
            }
        }
        resolved
    }

    /// Arguments as strings; lists become JSON arrays of strings. `lenient` leaves unknown
    /// references as written instead of failing.
    pub(super) fn resolve_args(
        &self,
        args: &Args,
        lenient: bool,
    ) -> Result<BTreeMap<String, String>, String> {
        let resolve = |text: &str| {
            if lenient {
                Ok(self.resolve_text(text))
            } else {
                self.resolve(text)
            }
        };
        let mut resolved = BTreeMap::new();
        for (key, value) in args {
            let text = match value {
                ArgValue::Text(text) => resolve(text)?,
                ArgValue::List(items) => {
                    let items = items
                        .iter()
                        .map(|item| resolve(item))
                        .collect::<Result<Vec<_>, _>>()?;
                    serde_json::to_string(&items).map_err(|error| error.to_string())?
                }
                ArgValue::Bool(flag) => flag.to_string(),
                ArgValue::Integer(number) => number.to_string(),
            };
            resolved.insert(key.clone(), text);
        }
        Ok(resolved)
    }

    /// The assertion's references by role, plus `secret_id` when the runbook has a `secret` param.
    pub(super) fn check_args(
        &self,
        assertion: &Assertion,
    ) -> Result<BTreeMap<String, String>, String> {
        let named: Vec<(&str, &ValueRef)> = match assertion {
            Assertion::CurrentVersionChangedSince(since) => vec![("since", since)],
            Assertion::ReplicasInSync => Vec::new(),
            Assertion::ReplicatedTo(regions) => vec![("regions", regions)],
            Assertion::NoReadsBy { principal, since } => {
                vec![("principal", principal), ("since", since)]
            }
            Assertion::PolicyDeniesAllExcept(principal) => vec![("principal", principal)],
        };
        let mut args = BTreeMap::new();
        if let Some(secret) = self.value_of(&ValueRef::Param("secret".to_string())) {
            args.insert("secret_id".to_string(), secret);
        }
        for (name, value) in named {
            let resolved = self
                .value_of(value)
                .ok_or_else(|| format!("no value yet for {value}"))?;
            args.insert(name.to_string(), resolved);
        }
        Ok(args)
    }

    pub(super) fn action_preview(&self, step: &Step) -> Option<String> {
        match &step.body {
            StepBody::Action { action, args, .. } => {
                Some(preview(*action, &self.resolve_args(args, false).ok()?))
            }
            _ => None,
        }
    }
}

/// Checks the supplied parameters, fills defaults; returns typed and normalised (string) values.
#[allow(clippy::type_complexity)]
pub fn check_params(
    runbook: &Runbook,
    given: &BTreeMap<String, String>,
) -> Result<(BTreeMap<String, ParamValue>, BTreeMap<String, String>), EngineError> {
    if let Some(name) = given.keys().find(|name| runbook.param(name).is_none()) {
        return Err(EngineError::UnknownParam(name.clone()));
    }
    let mut typed = BTreeMap::new();
    let mut normalised = BTreeMap::new();
    for param in &runbook.params {
        let value = match (given.get(&param.name), &param.default) {
            (Some(text), _) if param.param_type.is_list() => ParamValue::Many(
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            (Some(text), _) => ParamValue::One(text.trim().to_string()),
            (None, Some(default)) => default.clone(),
            (None, None) if param.required => {
                return Err(EngineError::MissingParam(param.name.clone()));
            }
            (None, None) => continue,
        };
        check_value(param.param_type, param.validation.as_ref(), &value).map_err(|message| {
            EngineError::InvalidParam {
                name: param.name.clone(),
                message,
            }
        })?;
        let text = match &value {
            ParamValue::One(one) => one.clone(),
            ParamValue::Many(many) => many.join(","),
        };
        normalised.insert(param.name.clone(), text);
        typed.insert(param.name.clone(), value);
    }
    Ok((typed, normalised))
}

/// The exact API call with its parameters, for the operator to read before approving. When the
/// arguments do not make a request yet (a dry run's unresolved outputs), says why instead.
pub fn preview(action: ActionKind, args: &BTreeMap<String, String>) -> String {
    match crate::runbook::calls::plan(action, args) {
        Ok(call) => call.to_string(),
        Err(reason) => {
            let params: Vec<String> = args
                .iter()
                .map(|(key, value)| format!("{key}={value:?}"))
                .collect();
            format!(
                "{}({}) -- not a complete request yet: {reason}",
                action_name(action),
                params.join(", ")
            )
        }
    }
}

pub fn query_name(query: QueryKind) -> &'static str {
    match query {
        QueryKind::DescribeSecret => "describe_secret",
        QueryKind::ResourcePolicy => "resource_policy",
        QueryKind::Versions => "versions",
        QueryKind::WhoRead => "who_read",
        QueryKind::ReplicaStatus => "replica_status",
        QueryKind::LeakMatch => "leak_match",
    }
}

pub fn action_name(action: ActionKind) -> &'static str {
    match action {
        ActionKind::RotateNow => "rotate_now",
        ActionKind::PutDenyAllPolicy => "put_deny_all_policy",
        ActionKind::RestorePolicy => "restore_policy",
        ActionKind::Tag => "tag",
        ActionKind::CancelRotation => "cancel_rotation",
        ActionKind::RestoreSecret => "restore_secret",
        ActionKind::ReplicateToRegion => "replicate_to_region",
        ActionKind::PromoteReplica => "promote_replica",
    }
}

pub fn assertion_name(assertion: &Assertion) -> &'static str {
    match assertion {
        Assertion::CurrentVersionChangedSince(_) => "current_version_changed_since",
        Assertion::ReplicasInSync => "replicas_in_sync",
        Assertion::ReplicatedTo(_) => "replicated_to",
        Assertion::NoReadsBy { .. } => "no_reads_by",
        Assertion::PolicyDeniesAllExcept(_) => "policy_denies_all_except",
    }
}
