//! The executor for the demo fleet and snapshots: evidence and checks come from the inventory
//! and events the source holds. In the demo, approved writes are simulated in memory (and
//! rebuilt from the journal on resume) so a whole runbook can be rehearsed without an account;
//! a snapshot is a record of the past, so writes to it are refused.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::executor::{ActionOutput, CheckOutcome, Executor, QueryOutput};
use crate::domain::{ReplicaStatus, ReplicationState, Secret, Tag, Version};
use crate::runbook::QueryKind;
use crate::runbook::calls::{self, ApiCall};
use crate::runbook::engine::StepError;
use crate::runbook::spec::ActionKind;
use crate::runbook::values::parse_duration_secs;
use crate::trail::AccessEvent;
use crate::trail::analysis::EventIndex;

use super::verdicts::no_reads_verdict;

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

    fn apply(&self, call: &ApiCall, new_version: Option<&str>, at: DateTime<Utc>) -> ActionOutput {
        let mut fleet = self.fleet();
        let mut outputs = BTreeMap::new();
        let Some(primary) = find(&fleet.secrets, call.secret_id()).cloned() else {
            return ActionOutput::default();
        };
        match call.operation {
            "RotateSecret" => {
                let id = new_version
                    .map(str::to_string)
                    .unwrap_or_else(|| version_id(&primary.arn, at));
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    rotate(secret, &id, at);
                }
                outputs.insert("new_version".to_string(), id);
            }
            "PutResourcePolicy" => {
                let previous = fleet
                    .policies
                    .get(&primary.arn)
                    .cloned()
                    .unwrap_or_default();
                if !previous.contains(calls::DENY_ALL_SID) {
                    outputs.insert("previous_policy".to_string(), previous);
                }
                let policy = call.text("ResourcePolicy").unwrap_or_default().to_string();
                fleet.policies.insert(primary.arn.clone(), policy);
            }
            "DeleteResourcePolicy" => {
                fleet.policies.remove(&primary.arn);
            }
            "TagResource" => {
                let tags: Vec<Tag> = call
                    .body
                    .get("Tags")
                    .and_then(Value::as_array)
                    .map(|tags| {
                        tags.iter()
                            .map(|t| Tag {
                                key: text(t, "Key"),
                                value: text(t, "Value"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    for tag in &tags {
                        secret.tags.retain(|t| t.key != tag.key);
                        secret.tags.push(tag.clone());
                    }
                }
            }
            "CancelRotateSecret" => {
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    secret.rotation.enabled = false;
                    for version in &mut secret.versions {
                        version.stages.retain(|s| s != "AWSPENDING");
                    }
                }
            }
            "RestoreSecret" => {
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    secret.deleted = None;
                }
            }
            "StopReplicationToReplica" => {
                // The replica (named by its ARN) becomes a standalone secret in its region.
                let replica_arn = call.secret_id().to_string();
                outputs.insert("promoted_arn".to_string(), replica_arn.clone());
                if let Some(replica) = fleet.secrets.iter_mut().find(|s| s.arn == replica_arn) {
                    let region = replica.region.clone();
                    replica.primary_region = None;
                    let name = replica.name.clone();
                    let account = replica.account.clone();
                    for p in fleet
                        .secrets
                        .iter_mut()
                        .filter(|s| s.name == name && s.account == account && s.region != region)
                    {
                        if let Some(statuses) = &mut p.replication {
                            statuses.retain(|r| r.region != region);
                        }
                    }
                }
            }
            "ReplicateSecretToRegions" => {
                let regions: Vec<String> = call
                    .body
                    .get("AddReplicaRegions")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().map(|r| text(r, "Region")).collect())
                    .unwrap_or_default();
                for region in regions {
                    add_replica(&mut fleet.secrets, &primary, &region);
                }
            }
            _ => {}
        }
        ActionOutput {
            outputs,
            request_id: Some(format!(
                "simulated-{}",
                &version_id(&call.body_json(), at)[..8]
            )),
        }
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

    fn check_now(&self, assertion: &str, args: &BTreeMap<String, String>) -> CheckOutcome {
        let fleet = self.fleet();
        let arg = |key: &str| args.get(key).map(String::as_str).unwrap_or_default();
        let Some(secret) = find(&fleet.secrets, arg("secret_id")) else {
            return fail(format!(
                "no secret `{}` in {}",
                arg("secret_id"),
                self.label
            ));
        };
        match assertion {
            "current_version_changed_since" => {
                let Some(since) = time(arg("since")) else {
                    return fail(format!("`{}` is not an RFC 3339 time", arg("since")));
                };
                match secret.current_version() {
                    Some(Version {
                        id,
                        created: Some(created),
                        ..
                    }) => CheckOutcome {
                        passed: *created > since,
                        detail: format!(
                            "AWSCURRENT is {id}, created {}; the reference time is {}",
                            created.to_rfc3339_opts(SecondsFormat::Secs, true),
                            since.to_rfc3339_opts(SecondsFormat::Secs, true)
                        ),
                    },
                    Some(version) => {
                        fail(format!("AWSCURRENT {} has no creation date", version.id))
                    }
                    None => fail("the secret has no AWSCURRENT version".to_string()),
                }
            }
            "replicas_in_sync" => {
                let current = secret.current_version().map(|v| v.id.clone());
                let statuses = secret.replication.clone().unwrap_or_default();
                if statuses.is_empty() {
                    return CheckOutcome {
                        passed: true,
                        detail: "no replicas".to_string(),
                    };
                }
                let replicas = replicas_of(&fleet.secrets, secret);
                let mut passed = true;
                let mut lines = Vec::new();
                for status in &statuses {
                    let replica = replicas.iter().find(|r| r.region == status.region);
                    let theirs = replica
                        .and_then(|r| r.current_version())
                        .map(|v| v.id.clone());
                    let verdict = if status.status != ReplicationState::InSync {
                        format!(
                            "{} ({})",
                            status.status.label(),
                            status.message.clone().unwrap_or_default()
                        )
                    } else if theirs.is_some() && theirs != current {
                        format!(
                            "drift: replica AWSCURRENT {}, primary {}",
                            theirs.unwrap_or_default(),
                            current.clone().unwrap_or_default()
                        )
                    } else {
                        "InSync with the primary's AWSCURRENT".to_string()
                    };
                    passed &= verdict.starts_with("InSync");
                    lines.push(format!("{}: {verdict}", status.region));
                }
                CheckOutcome {
                    passed,
                    detail: lines.join("\n"),
                }
            }
            "replicated_to" => {
                let have: Vec<&str> = secret
                    .replication
                    .iter()
                    .flatten()
                    .map(|r| r.region.as_str())
                    .collect();
                let missing: Vec<&str> = arg("regions")
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty() && !have.contains(r))
                    .collect();
                CheckOutcome {
                    passed: missing.is_empty(),
                    detail: if missing.is_empty() {
                        format!(
                            "replicas in: {}",
                            if have.is_empty() {
                                "none needed".to_string()
                            } else {
                                have.join(", ")
                            }
                        )
                    } else {
                        format!("no replica in {}", missing.join(", "))
                    },
                }
            }
            "no_reads_by" => {
                let Some(since) = time(arg("since")) else {
                    return fail(format!("`{}` is not an RFC 3339 time", arg("since")));
                };
                let mut arns = vec![secret.arn.clone()];
                arns.extend(
                    replicas_of(&fleet.secrets, secret)
                        .iter()
                        .map(|r| r.arn.clone()),
                );
                let index = EventIndex::build(self.events.to_vec(), &fleet.secrets);
                no_reads_verdict(&index.readers(&arns, Some(since)), arg("principal"), since)
            }
            "policy_denies_all_except" => {
                let policy = fleet.policies.get(&secret.arn).cloned().unwrap_or_default();
                match calls::denies_all_except(&policy, arg("principal")) {
                    Ok(()) => CheckOutcome {
                        passed: true,
                        detail: format!("the policy denies everyone but {}", arg("principal")),
                    },
                    Err(reason) => fail(reason),
                }
            }
            other => fail(format!("unknown check `{other}`")),
        }
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

fn version_id(seed: &str, at: DateTime<Utc>) -> String {
    let digest = Sha256::digest(format!("{seed}{}", at.timestamp_nanos_opt().unwrap_or(0)));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn rotate(secret: &mut Secret, id: &str, at: DateTime<Utc>) {
    for version in &mut secret.versions {
        let was_current = version.stages.iter().any(|s| s == "AWSCURRENT");
        version
            .stages
            .retain(|s| s != "AWSCURRENT" && s != "AWSPREVIOUS" && s != "AWSPENDING");
        if was_current {
            version.stages.push("AWSPREVIOUS".to_string());
        }
    }
    // Versions left without a stage are deprecated: ListSecretVersionIds hides them.
    secret.versions.retain(|v| !v.stages.is_empty());
    secret.versions.insert(
        0,
        Version {
            id: id.to_string(),
            stages: vec!["AWSCURRENT".to_string()],
            created: Some(at),
            last_accessed: None,
        },
    );
    secret.last_rotated = Some(at);
    secret.last_changed = Some(at);
}

fn add_replica(secrets: &mut Vec<Secret>, primary: &Secret, region: &str) {
    if let Some(p) = secrets.iter_mut().find(|s| s.arn == primary.arn) {
        let statuses = p.replication.get_or_insert_with(Vec::new);
        if !statuses.iter().any(|r| r.region == region) {
            statuses.push(ReplicaStatus {
                region: region.to_string(),
                kms_key_id: None,
                status: ReplicationState::InSync,
                message: Some("Replication succeeded".to_string()),
                last_accessed: None,
            });
        }
    }
    // A standalone copy left by a promotion is overwritten (ForceOverwriteReplicaSecret).
    if let Some(copy) = secrets
        .iter_mut()
        .find(|s| same_secret(s, primary) && s.region == region)
    {
        copy.primary_region = Some(primary.region.clone());
        copy.replication = None;
        copy.versions = primary.versions.clone();
    } else {
        let mut replica = primary.clone();
        replica.arn = primary
            .arn
            .replace(&format!(":{}:", primary.region), &format!(":{region}:"));
        replica.region = region.to_string();
        replica.primary_region = Some(primary.region.clone());
        replica.replication = None;
        secrets.push(replica);
    }
}

#[cfg(test)]
#[path = "offline_tests.rs"]
mod tests;
