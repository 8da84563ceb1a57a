//! Consumer-aware access, from the registry and the access events: a successful read by a
//! principal that is not a consumer of that key in that environment ("read outside
//! deployment"), a principal that reads a registered secret for the first time in the loaded
//! history, and a break-glass principal's use of a secret that was not rotated after it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::file::{KeyDecl, Registry};
use crate::domain::Entry;
use crate::domain::glob::glob_matches;
use crate::trail::AccessEvent;
use crate::trail::secret_ref::{SecretRef, name_in};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// Read by a principal the registry does not list as a consumer there.
    ReadOutsideDeployment,
    /// A principal reading a registered secret that the history before the window never saw.
    NewPrincipal,
    /// A break-glass principal used the secret and it was not rotated after.
    BreakGlassNotRotated,
}

/// One alert: a kind, a key in an environment, a principal, and the events behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub key: String,
    pub env: String,
    pub secret: String,
    pub principal: String,
    pub principal_label: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub events: usize,
    /// The last event's id.
    pub event_id: String,
    pub region: String,
    pub detail: String,
}

/// Rotations and value changes: what ends a break-glass use.
const ROTATIONS: &[&str] = &[
    "RotateSecret",
    "PutSecretValue",
    "RotationSucceeded",
    "UpdateSecret",
];

/// Alerts for events at or after `since`; events before it are the baseline that tells a new
/// principal from a known one (no baseline, no new-principal alert).
pub fn alerts(
    registry: &Registry,
    events: &[AccessEvent],
    entries: &[Entry],
    since: DateTime<Utc>,
) -> Vec<Alert> {
    // Every registered secret's name in every environment -> its key and environment.
    let mut names: HashMap<String, (&KeyDecl, &str)> = HashMap::new();
    for key in &registry.keys {
        for env in &registry.environments {
            names.insert(key.name(env), (key, env.as_str()));
        }
    }
    let registered = |e: &AccessEvent| -> Vec<(&KeyDecl, &str, String)> {
        let mut out = Vec::new();
        for r in &e.secrets {
            let id = match r {
                SecretRef::Arn(s) | SecretRef::PartialArn(s) | SecretRef::Name(s) => s,
                SecretRef::Filter { .. } => continue,
            };
            let name = name_in(id).to_string();
            if let Some((k, env)) = names.get(&name)
                && !out.iter().any(|(_, _, n)| n == &name)
            {
                out.push((*k, *env, name));
            }
        }
        out
    };
    let baseline: HashSet<String> = events
        .iter()
        .filter(|e| e.time < since && e.is_read() && !e.failed())
        .filter(|e| !registered(e).is_empty())
        .map(|e| e.principal.key())
        .collect();
    let last_rotated: HashMap<&str, DateTime<Utc>> = entries
        .iter()
        .filter_map(|e| Some((e.secret.name.as_str(), e.secret.last_rotated?)))
        .collect();
    let mut found: BTreeMap<(AlertKind, String, String, String), Alert> = BTreeMap::new();
    let mut raise =
        |kind: AlertKind, key: &KeyDecl, env: &str, name: &str, e: &AccessEvent, detail: String| {
            let principal = e.principal.key();
            let slot = found
                .entry((kind, key.key.clone(), env.to_string(), principal.clone()))
                .or_insert_with(|| Alert {
                    kind,
                    key: key.key.clone(),
                    env: env.to_string(),
                    secret: name.to_string(),
                    principal,
                    principal_label: e.principal.label(),
                    first: e.time,
                    last: e.time,
                    events: 0,
                    event_id: e.event_id.clone(),
                    region: e.region.clone(),
                    detail: String::new(),
                });
            slot.events += 1;
            slot.first = slot.first.min(e.time);
            if e.time >= slot.last {
                slot.last = e.time;
                slot.event_id = e.event_id.clone();
                slot.region = e.region.clone();
            }
            slot.detail = detail;
        };
    for e in events
        .iter()
        .filter(|e| e.time >= since && e.is_secrets_manager())
    {
        for (key, env, name) in registered(e) {
            let who = [e.principal.role_arn.as_deref(), e.principal.arn.as_deref()];
            let matches = |patterns: &[String]| {
                patterns
                    .iter()
                    .any(|p| who.iter().flatten().any(|w| glob_matches(p, w)))
            };
            if e.is_read() && !e.failed() {
                let consumers: Vec<String> = key
                    .consumers
                    .get(env)
                    .into_iter()
                    .chain(key.consumers.get("*"))
                    .flatten()
                    .cloned()
                    .collect();
                if !consumers.is_empty() && !matches(&consumers) {
                    raise(
                        AlertKind::ReadOutsideDeployment,
                        key,
                        env,
                        &name,
                        e,
                        format!(
                            "{} read {name} and is not a consumer of `{}` in {env}",
                            e.principal.label(),
                            key.key
                        ),
                    );
                }
                if !baseline.is_empty() && !baseline.contains(&e.principal.key()) {
                    raise(
                        AlertKind::NewPrincipal,
                        key,
                        env,
                        &name,
                        e,
                        format!(
                            "{} read {name}: never seen reading a registered secret before {}",
                            e.principal.label(),
                            since.format("%Y-%m-%d %H:%M UTC")
                        ),
                    );
                }
            }
            let break_glass: Vec<String> = registry
                .break_glass
                .iter()
                .chain(&key.break_glass)
                .cloned()
                .collect();
            if matches(&break_glass) && !e.failed() {
                let rotated_after =
                    events.iter().any(|r| {
                        r.time > e.time
                            && ROTATIONS.contains(&r.name.as_str())
                            && !r.failed()
                            && registered(r).iter().any(|(_, _, n)| n == &name)
                    }) || last_rotated.get(name.as_str()).is_some_and(|t| *t > e.time);
                if !rotated_after {
                    raise(
                        AlertKind::BreakGlassNotRotated,
                        key,
                        env,
                        &name,
                        e,
                        format!(
                            "break-glass {} used {name} ({}); not rotated since",
                            e.principal.label(),
                            e.name
                        ),
                    );
                }
            }
        }
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::trail::parse_record;

    const REGISTRY: &str = r#"
name_template = "/acme/{env}/{key}"
environments = ["prod"]
break_glass = ["arn:aws:iam::*:role/break-glass"]

[keys."db/main"]
required = ["prod"]
consumers = { prod = ["arn:aws:iam::111122223333:role/app-*"] }
"#;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn event(n: u32, when: DateTime<Utc>, name: &str, role: &str, secret: &str) -> AccessEvent {
        parse_record(&json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole",
                "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/s"),
                "accountId": "111122223333",
                "sessionContext": {"sessionIssuer": {"type": "Role",
                    "arn": format!("arn:aws:iam::111122223333:role/{role}"),
                    "accountId": "111122223333", "userName": role}}},
            "eventTime": when.to_rfc3339(),
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "requestParameters": {"secretId": secret},
            "eventID": format!("e{n}"),
            "eventType": "AwsApiCall",
            "recipientAccountId": "111122223333"
        }))
        .unwrap()
    }

    fn kinds(found: &[Alert]) -> Vec<(AlertKind, String)> {
        found
            .iter()
            .map(|a| {
                (
                    a.kind,
                    a.principal.rsplit('/').next().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_outside_deployment_new_principals_and_unrotated_break_glass_are_flagged() {
        let registry = super::super::parse(REGISTRY, "r.toml").unwrap();
        let db = "/acme/prod/db/main";
        let since = at(20, 0);
        let events = vec![
            // Before the window: the app is known.
            event(1, at(10, 9), "GetSecretValue", "app-api", db),
            // In the window: the app again (fine), an intruder, a secret no key declares.
            event(2, at(21, 9), "GetSecretValue", "app-api", db),
            event(3, at(21, 10), "GetSecretValue", "intruder", db),
            event(4, at(22, 10), "GetSecretValue", "intruder", db),
            event(
                5,
                at(21, 11),
                "GetSecretValue",
                "intruder",
                "/acme/prod/other",
            ),
            // Break-glass read it and nobody rotated it after.
            event(6, at(23, 3), "GetSecretValue", "break-glass", db),
        ];
        let found = alerts(&registry, &events, &[], since);
        assert_eq!(
            kinds(&found),
            [
                (AlertKind::ReadOutsideDeployment, "break-glass".to_string()),
                (AlertKind::ReadOutsideDeployment, "intruder".to_string()),
                (AlertKind::NewPrincipal, "break-glass".to_string()),
                (AlertKind::NewPrincipal, "intruder".to_string()),
                (AlertKind::BreakGlassNotRotated, "break-glass".to_string()),
            ]
        );
        let intruder = &found[1];
        assert_eq!((intruder.events, intruder.event_id.as_str()), (2, "e4"));
        assert_eq!(
            (intruder.key.as_str(), intruder.env.as_str()),
            ("db/main", "prod")
        );

        // Rotated after the break-glass use: no alert for it.
        let mut rotated = events.clone();
        rotated.push(event(7, at(23, 4), "RotateSecret", "rotation", db));
        let found = alerts(&registry, &rotated, &[], since);
        assert!(
            !found
                .iter()
                .any(|a| a.kind == AlertKind::BreakGlassNotRotated),
            "{found:?}"
        );

        // No history before the window: nobody can be called new.
        let found = alerts(&registry, &events[1..], &[], since);
        assert!(!found.iter().any(|a| a.kind == AlertKind::NewPrincipal));
    }
}
