//! The executor for the demo fleet and snapshots: evidence and checks come from the inventory
//! and events the source holds. In the demo, approved writes are simulated in memory (and
//! rebuilt from the journal on resume) so a whole runbook can be rehearsed without an account;
//! a snapshot is a record of the past, so writes to it are refused.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::executor::{ActionOutput, CheckOutcome, Executor, QueryOutput};
use crate::domain::Secret;
use crate::runbook::QueryKind;
use crate::runbook::calls::{self, ApiCall};
use crate::runbook::engine::StepError;
use crate::runbook::spec::ActionKind;
use crate::runbook::values::parse_duration_secs;
use crate::trail::AccessEvent;
use crate::trail::analysis::EventIndex;

#[derive(Default)]
struct Fleet {
    secrets: Vec<Secret>,
    /// Resource policies by primary ARN (the demo has none until one is attached).
    policies: BTreeMap<String, String>,
}

pub struct OfflineExecutor {
    label: String,
    simulate_writes: bool,
    fleet: Arc<Mutex<Fleet>>,
    events: Arc<Vec<AccessEvent>>,
}

impl OfflineExecutor {
    /// `simulate_writes`: the demo (writes change the in-memory fleet); a snapshot refuses them.
    pub fn new(
        label: String,
        secrets: Vec<Secret>,
        events: Vec<AccessEvent>,
        simulate_writes: bool,
    ) -> Self {
        OfflineExecutor {
            label,
            simulate_writes,
            fleet: Arc::new(Mutex::new(Fleet {
                secrets,
                policies: BTreeMap::new(),
            })),
            events: Arc::new(events),
        }
    }

    fn fleet(&self) -> std::sync::MutexGuard<'_, Fleet> {
        self.fleet.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_fixture(&self, arn: &str) -> bool {
        find(&self.fleet().secrets, arn)
            .is_some_and(|s| s.tag(calls::DRILL_FIXTURE_TAG) == Some("true"))
    }

    fn query_now(
        &self,
        query: QueryKind,
        args: &BTreeMap<String, String>,
    ) -> Result<QueryOutput, StepError> {
        let fleet = self.fleet();
        let secret_id = args
            .get("secret_id")
            .map(String::as_str)
            .unwrap_or_default();
        let secret = find(&fleet.secrets, secret_id).ok_or_else(|| StepError {
            transient: false,
            message: format!(
                "ResourceNotFoundException: no secret `{secret_id}` in {}",
                self.label
            ),
        })?;
        let replicas = replicas_of(&fleet.secrets, secret);
        let (value, summary) = match query {
            QueryKind::LeakMatch => return Err(super::leak_match::not_here()),
            QueryKind::DescribeSecret => (
                serde_json::to_string(secret).unwrap_or_default(),
                format!(
                    "{}: rotation {}, {} versions, {} replicas",
                    secret.name,
                    if secret.rotation.enabled { "on" } else { "off" },
                    secret.versions.len(),
                    replicas.len()
                ),
            ),
            QueryKind::ResourcePolicy => {
                let policy = fleet.policies.get(&secret.arn).cloned().unwrap_or_default();
                let summary = if policy.is_empty() {
                    "no resource policy (access decided by IAM alone)".to_string()
                } else {
                    "a resource policy is attached".to_string()
                };
                (policy, summary)
            }
            QueryKind::Versions => (
                serde_json::to_string(&secret.versions).unwrap_or_default(),
                match secret.current_version() {
                    Some(v) => format!("{} versions; AWSCURRENT {}", secret.versions.len(), v.id),
                    None => format!("{} versions; no AWSCURRENT", secret.versions.len()),
                },
            ),
            QueryKind::ReplicaStatus => {
                let status = secret.replication.clone().unwrap_or_default();
                let summary = if status.is_empty() {
                    "no replicas".to_string()
                } else {
                    status
                        .iter()
                        .map(|r| format!("{} {}", r.region, r.status.label()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                (serde_json::to_string(&status).unwrap_or_default(), summary)
            }
            QueryKind::WhoRead => {
                let lookback = args
                    .get("lookback")
                    .and_then(|l| parse_duration_secs(l))
                    .unwrap_or(90 * 86_400);
                let since = Utc::now() - Duration::seconds(i64::try_from(lookback).unwrap_or(0));
                let mut arns = vec![secret.arn.clone()];
                if args.get("include_replicas").is_none_or(|v| v == "true") {
                    arns.extend(replicas.iter().map(|r| r.arn.clone()));
                }
                let index = EventIndex::build(self.events.to_vec(), &fleet.secrets);
                let readers = index.readers(&arns, Some(since));
                let reads: usize = readers.iter().map(|r| r.reads).sum();
                (
                    json!({ "readers": readers, "unavailable": [] }).to_string(),
                    format!(
                        "{reads} reads by {} principals since {}",
                        readers.len(),
                        since.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
            }
        };
        Ok(QueryOutput {
            value,
            summary,
            request_ids: Vec::new(),
        })
    }
}

impl Executor for OfflineExecutor {
    fn target(&self) -> String {
        if self.simulate_writes {
            format!("{} (writes are simulated in memory)", self.label)
        } else {
            format!("{} (read-only)", self.label)
        }
    }

    fn query(
        &self,
        query: QueryKind,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, Result<QueryOutput, StepError>> {
        let result = self.query_now(query, args);
        async move { result }.boxed()
    }

    fn action(
        &self,
        action: ActionKind,
        call: &ApiCall,
    ) -> BoxFuture<'static, Result<ActionOutput, StepError>> {
        if action == ActionKind::PromoteReplica && !self.is_fixture(call.secret_id()) {
            let message = format!(
                "{} is not tagged {}=true: a drill promotes only its fixture secrets",
                call.secret_id(),
                calls::DRILL_FIXTURE_TAG
            );
            return async move {
                Err(StepError {
                    transient: false,
                    message,
                })
            }
            .boxed();
        }
        let result = if self.simulate_writes {
            Ok(self.apply(call, None, Utc::now()))
        } else {
            Err(StepError {
                transient: false,
                message: format!(
                    "{} is a record of the past: writes need live AWS (--profile or --endpoint-url)",
                    self.label
                ),
            })
        };
        async move { result }.boxed()
    }

    fn check(
        &self,
        assertion: &str,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, CheckOutcome> {
        let outcome = self.check_now(assertion, args);
        async move { outcome }.boxed()
    }

    fn replay_write(
        &self,
        _action: ActionKind,
        call: &ApiCall,
        outputs: &BTreeMap<String, String>,
    ) {
        if self.simulate_writes {
            let at = outputs
                .get("at")
                .and_then(|t| time(t))
                .unwrap_or_else(Utc::now);
            self.apply(call, outputs.get("new_version").map(String::as_str), at);
        }
    }
}

fn fail(detail: String) -> CheckOutcome {
    CheckOutcome {
        passed: false,
        detail,
    }
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A secret by ARN, or by name among primaries (not replica listings).
fn find<'a>(secrets: &'a [Secret], id: &str) -> Option<&'a Secret> {
    secrets
        .iter()
        .find(|s| s.arn == id)
        .or_else(|| secrets.iter().find(|s| s.name == id && !s.is_replica()))
}

/// The replica listings of a primary: same account and name, another region.
fn replicas_of<'a>(secrets: &'a [Secret], primary: &Secret) -> Vec<&'a Secret> {
    secrets
        .iter()
        .filter(|s| s.is_replica() && same_secret(s, primary) && s.region != primary.region)
        .collect()
}

fn same_secret(a: &Secret, b: &Secret) -> bool {
    a.account == b.account && a.name == b.name
}

mod checks;
#[cfg(test)]
mod tests;
mod writes;
