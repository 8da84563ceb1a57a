//! Checks on the data the source holds: the same verdicts a live run gives.

use std::collections::BTreeMap;

use chrono::SecondsFormat;

use super::{OfflineExecutor, fail, find, replicas_of, time};
use crate::domain::{ReplicationState, Version};
use crate::incident::executor::CheckOutcome;
use crate::incident::verdicts::no_reads_verdict;
use crate::runbook::calls;
use crate::trail::analysis::EventIndex;

impl OfflineExecutor {
    pub(super) fn check_now(
        &self,
        assertion: &str,
        args: &BTreeMap<String, String>,
    ) -> CheckOutcome {
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
