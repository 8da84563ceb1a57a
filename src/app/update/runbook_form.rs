//! What a runbook's parameter form offers from what the console already knows, so that a
//! responder at 3 a.m. types the incident id and little else: the team's defaults from the config
//! file, the selected secret's readers as suspects (flagged ones first, or "unknown yet"), the
//! first suspicious read as the exposure time, the secret's replica regions; and relative times
//! (`3d`) read against the message clock.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::app::runbooks::{Choice, FormField, KnownReader, ParamForm, ParamInfo};
use crate::app::state::State;
use crate::app::window::{parse_duration, parse_time};
use crate::runbook::spec::{ParamType, ParamValue, Validation};
use crate::runbook::values::check_value;
use crate::trail::analysis::{Hint, Severity};

/// The parameter offered the secret's readers.
pub const SUSPECT: &str = "suspect";
/// The parameter offered the first read by the suspect, or the first suspicious read.
pub const EXPOSED_SINCE: &str = "incident_start";
/// The parameter offered the secret's replica regions.
pub const DR_REGIONS: &str = "dr_regions";
/// A parameter with this pattern is a UTC time: it also takes `3d`, `24h` or any RFC 3339 time.
const TIME_PATTERN: &str = "????-??-??T??:??:??Z";
/// Hints look at this many days before now against everything earlier: a leak is often noticed
/// a week or more late, and a longer window leaves too little baseline to tell usual from new.
const HINT_DAYS: i64 = 30;

/// What the console knows about the selected secret that a form can offer.
#[derive(Debug, Default)]
pub struct Known {
    pub readers: Vec<KnownReader>,
    pub replica_regions: Vec<String>,
}

/// Readers (flagged ones first, by the severity of their hint, then most recent first) and
/// replica regions of the secret `arn`.
pub fn known(state: &State, arn: &str) -> Known {
    let entry = state.inventory.entries.iter().find(|e| e.secret.arn == arn);
    let arns: Vec<String> = match entry {
        Some(e) => std::iter::once(e.secret.arn.clone())
            .chain(e.replicas.iter().map(|r| r.arn.clone()))
            .collect(),
        None => vec![arn.to_string()],
    };
    // Most severe first; a new source IP alone is too common to point at anyone.
    let hints: Vec<Hint> = state
        .events
        .hints_for_secret(&arns, state.now - Duration::days(HINT_DAYS), state.now)
        .into_iter()
        .filter(|h| h.severity() >= Severity::Medium)
        .collect();
    let mut ranked: Vec<(usize, KnownReader)> = state
        .events
        .readers(&arns, None)
        .into_iter()
        .filter_map(|r| {
            let principal = principal_of(&r.principal_key, r.arn.as_deref())?;
            let hint = hints
                .iter()
                .position(|h| h.principal_key() == r.principal_key);
            // A role's sessions come and go: name the role, as the suspect is the role.
            let label = match principal.split_once(":role/") {
                Some((_, role)) => role.rsplit('/').next().unwrap_or(role).to_string(),
                None => r.label,
            };
            let reader = KnownReader {
                principal,
                label,
                reads: r.reads,
                first_read: r.first_seen,
                flag: hint.map(|i| flag(&hints[i])),
            };
            Some((hint.unwrap_or(usize::MAX), reader))
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    let readers = ranked.into_iter().map(|(_, reader)| reader).collect();
    let mut replica_regions: Vec<String> = Vec::new();
    if let Some(e) = entry {
        let listed = e.replicas.iter().map(|r| r.region.clone());
        let described = e
            .secret
            .replication
            .iter()
            .flatten()
            .chain(state.replication.get(arn).into_iter().flatten())
            .map(|r| r.region.clone());
        for region in listed.chain(described) {
            if region != e.secret.region && !replica_regions.contains(&region) {
                replica_regions.push(region);
            }
        }
    }
    Known {
        readers,
        replica_regions,
    }
}

/// The principal a runbook can take for a reader: its IAM ARN (the role, for a session) or
/// its account; services and unknown callers are not offered.
fn principal_of(key: &str, arn: Option<&str>) -> Option<String> {
    let valid = |p: &str| check_value(ParamType::Principal, None, &one(p)).is_ok();
    let key = key.strip_prefix("account:").unwrap_or(key);
    [Some(key), arn]
        .into_iter()
        .flatten()
        .find(|p| valid(p))
        .map(str::to_string)
}

fn one(text: &str) -> ParamValue {
    ParamValue::One(text.to_string())
}

/// A hint in a few words, for the suspect's choice.
fn flag(hint: &Hint) -> &'static str {
    match hint {
        Hint::NewPrincipal { .. } => "new principal",
        Hint::NewIp { .. } => "new source IP",
        Hint::AccessDeniedBurst { .. } => "burst of AccessDenied",
        Hint::Enumeration { .. } => "possible enumeration",
        Hint::OffHours { .. } => "reads off its usual hours",
    }
}

/// "unknown yet", then every reader; the first flagged reader is picked, else "unknown yet".
pub fn suspect_choices(readers: &[KnownReader]) -> (Vec<Choice>, usize) {
    let unknown = Choice {
        value: String::new(),
        from: match readers.len() {
            0 => "no reads of the secret loaded: the triage step asks".to_string(),
            n => format!("none picked: the triage step asks; ←→ picks one of {n} readers"),
        },
    };
    let choices = std::iter::once(unknown)
        .chain(readers.iter().map(|r| Choice {
            value: r.principal.clone(),
            from: match r.flag {
                Some(flag) => format!("reader {}, {} reads, flagged: {flag}", r.label, r.reads),
                None => format!("reader {}, {} reads", r.label, r.reads),
            },
        }))
        .collect();
    let picked = usize::from(readers.first().is_some_and(|r| r.flag.is_some()));
    (choices, picked)
}

/// Exposure times for the suspect picked: its first read, and the first read by the reader
/// the most severe hint flags.
fn exposure_choices(readers: &[KnownReader], suspect: &str) -> Vec<Choice> {
    let by_suspect = readers.iter().find(|r| r.principal == suspect);
    let suspicious = readers.first().filter(|r| r.flag.is_some());
    let mut choices = Vec::new();
    if let Some(r) = by_suspect {
        choices.push(Choice {
            value: stamp(r.first_read),
            from: format!("first read by {}", r.label),
        });
    }
    if let Some(r) = suspicious
        && by_suspect.is_none_or(|s| s.first_read != r.first_read)
    {
        choices.push(Choice {
            value: stamp(r.first_read),
            from: format!(
                "first suspicious read: by {}, flagged: {}",
                r.label,
                r.flag.unwrap_or_default()
            ),
        });
    }
    choices
}

/// The form's value for a time: what the runbook's pattern wants.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn is_time(param: &ParamInfo) -> bool {
    matches!(&param.validation, Some(Validation::Pattern(p)) if p == TIME_PATTERN)
}

/// Offers the field's suggestions: the suspects, the exposure times, the replica regions.
pub fn offer(field: &mut FormField, known: &Known) {
    let name = field.param.name.as_str();
    if name == SUSPECT && field.param.param_type == ParamType::Principal {
        let (choices, picked) = suspect_choices(&known.readers);
        field.choices = choices;
        if field.value.is_empty() {
            pick(field, picked);
        }
    } else if name == DR_REGIONS
        && field.param.param_type == ParamType::Regions
        && field.value.is_empty()
        && !known.replica_regions.is_empty()
    {
        field.value = known.replica_regions.join(",");
        field.prefilled = Some("the secret's replica regions".to_string());
    }
}

/// Puts choice `i` in the field.
fn pick(field: &mut FormField, i: usize) {
    if let Some(choice) = field.choices.get(i) {
        field.value = choice.value.clone();
        field.prefilled = Some(choice.from.clone());
        field.choice = Some(i);
        field.from_secret = false;
    }
}

/// ←/→ on the selected field: the previous or next value the console knows.
pub fn cycle(form: &mut ParamForm, forward: bool) {
    let Some(field) = form.fields.get_mut(form.selected) else {
        return;
    };
    let n = field.choices.len();
    if n == 0 {
        return;
    }
    let i = match (field.choice, forward) {
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
        (None, true) => 0,
        (None, false) => n - 1,
    };
    pick(field, i);
    follow_suspect(form);
}

/// The exposure time follows the suspect, unless the operator typed one.
pub fn follow_suspect(form: &mut ParamForm) {
    let suspect = form
        .fields
        .iter()
        .find(|f| f.param.name == SUSPECT)
        .map(|f| f.value.trim().to_string())
        .unwrap_or_default();
    let choices = exposure_choices(&form.readers, &suspect);
    let Some(field) = form
        .fields
        .iter_mut()
        .find(|f| f.param.name == EXPOSED_SINCE)
    else {
        return;
    };
    if !field.value.is_empty() && field.choice.is_none() {
        return;
    }
    field.choices = choices;
    field.value.clear();
    field.prefilled = None;
    field.choice = None;
    pick(field, 0);
}

/// Reads a relative or offset time in a time field as the UTC time the runbook wants, against
/// the clock of the last message; says how it was read.
pub fn settle_time(field: &mut FormField, now: DateTime<Utc>) {
    let typed = field.value.trim().to_string();
    if !is_time(&field.param) || typed.is_empty() || field.choice.is_some() {
        return;
    }
    let Ok(at) = parse_time(&typed, now) else {
        return;
    };
    let value = stamp(at);
    if value == typed {
        return;
    }
    field.prefilled = Some(if parse_duration(&typed).is_some() {
        format!("{typed} before {}", now.format("%Y-%m-%d %H:%M UTC"))
    } else {
        format!("{typed} in UTC")
    });
    field.value = value;
}
