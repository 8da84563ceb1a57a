//! Who read a secret, what a principal read, and every principal at a glance.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::index::{DENIED, EventIndex, FAILED, NONE, READ};
use crate::trail::PrincipalKind;

/// One principal that read (or tried to read) a secret's value, in any of its regions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reader {
    pub principal_key: String,
    /// The label of its most recent read (for a role, the latest session).
    pub label: String,
    pub kind: PrincipalKind,
    /// The ARN of its most recent read (for a role, the session's ARN).
    pub arn: Option<String>,
    /// Successful reads.
    pub reads: usize,
    /// Reads refused with AccessDenied.
    pub denied: usize,
    /// Reads that failed otherwise (not found, decryption failure, throttling).
    pub failed: usize,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Distinct values, most recently used first.
    pub ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub regions: Vec<String>,
}

/// One secret a principal read (or tried to).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretReads {
    /// The inventory ARN, or the reference as the record wrote it when the inventory lacks it.
    pub arn: String,
    pub in_inventory: bool,
    pub reads: usize,
    pub denied: usize,
    pub failed: usize,
    pub last_seen: DateTime<Utc>,
}

/// One principal across all events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrincipalSummary {
    pub key: String,
    pub label: String,
    pub kind: PrincipalKind,
    /// Calls of any kind.
    pub events: usize,
    /// Successful reads of secret values.
    pub reads: usize,
    /// Calls of any kind refused with AccessDenied.
    pub denied: usize,
    /// Distinct secrets it read or tried to read.
    pub secrets: usize,
    /// Distinct source IPs.
    pub ips: usize,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// How a read ended.
enum Outcome {
    Read,
    Denied,
    Failed,
}

impl EventIndex {
    /// Who read any of `arns` (give the primary and its replicas' ARNs) at or after `since`,
    /// GetSecretValue and BatchGetSecretValue alike; most recent reader first.
    pub fn readers(&self, arns: &[String], since: Option<DateTime<Utc>>) -> Vec<Reader> {
        let wanted = self.secret_set(arns);
        let mut readers: Vec<Reader> = Vec::new();
        let mut slot: HashMap<u32, usize> = HashMap::new();
        for i in self.time_range(since, None) {
            if !self.has(i, READ) || !self.touches(i, &wanted) {
                continue;
            }
            let event = &self.events[i];
            let facts = &self.facts[i];
            let n = *slot.entry(facts.principal).or_insert_with(|| {
                readers.push(Reader {
                    principal_key: self.principals.get(facts.principal).to_string(),
                    label: self.labels.get(facts.label).to_string(),
                    kind: event.principal.kind.clone(),
                    arn: event.principal.arn.clone(),
                    reads: 0,
                    denied: 0,
                    failed: 0,
                    first_seen: event.time,
                    last_seen: event.time,
                    ips: Vec::new(),
                    user_agents: Vec::new(),
                    regions: Vec::new(),
                });
                readers.len() - 1
            });
            let reader = &mut readers[n];
            reader.first_seen = event.time;
            match self.outcome(i) {
                Outcome::Read => reader.reads += 1,
                Outcome::Denied => reader.denied += 1,
                Outcome::Failed => reader.failed += 1,
            }
            add_distinct(&mut reader.ips, event.source_ip.as_deref());
            add_distinct(&mut reader.user_agents, event.user_agent.as_deref());
            add_distinct(&mut reader.regions, Some(&event.region));
        }
        readers
    }

    /// The reads of any of `arns` by the principal with this [`key`](crate::trail::Principal::key)
    /// at or after `since`, as event indices, newest first: what a reader's row adds up.
    pub fn reads_by(
        &self,
        arns: &[String],
        principal_key: &str,
        since: Option<DateTime<Utc>>,
    ) -> Vec<usize> {
        let Some(principal) = self.principals.find(principal_key) else {
            return Vec::new();
        };
        let wanted = self.secret_set(arns);
        self.time_range(since, None)
            .filter(|&i| {
                self.facts[i].principal == principal
                    && self.has(i, READ)
                    && self.touches(i, &wanted)
            })
            .collect()
    }

    /// The secrets the principal with this [`key`](crate::trail::Principal::key) read or tried
    /// to read at or after `since`, most recently read first.
    pub fn secrets_read_by(
        &self,
        principal_key: &str,
        since: Option<DateTime<Utc>>,
    ) -> Vec<SecretReads> {
        let Some(principal) = self.principals.find(principal_key) else {
            return Vec::new();
        };
        let mut reads: Vec<SecretReads> = Vec::new();
        let mut slot: HashMap<u32, usize> = HashMap::new();
        for i in self.time_range(since, None) {
            if self.facts[i].principal != principal || !self.has(i, READ) {
                continue;
            }
            let time = self.events[i].time;
            for &secret in self.touched(i) {
                let n = *slot.entry(secret).or_insert_with(|| {
                    reads.push(SecretReads {
                        arn: self.secrets.get(secret).to_string(),
                        in_inventory: self.in_inventory[secret as usize],
                        reads: 0,
                        denied: 0,
                        failed: 0,
                        last_seen: time,
                    });
                    reads.len() - 1
                });
                match self.outcome(i) {
                    Outcome::Read => reads[n].reads += 1,
                    Outcome::Denied => reads[n].denied += 1,
                    Outcome::Failed => reads[n].failed += 1,
                }
            }
        }
        reads
    }

    /// Every principal, most recently seen first.
    pub fn principals(&self) -> Vec<PrincipalSummary> {
        let mut summaries: Vec<PrincipalSummary> = Vec::new();
        let mut sets: Vec<(HashSet<u32>, HashSet<u32>)> = Vec::new();
        let mut slot: HashMap<u32, usize> = HashMap::new();
        for (i, event) in self.events.iter().enumerate() {
            let facts = &self.facts[i];
            let n = *slot.entry(facts.principal).or_insert_with(|| {
                summaries.push(PrincipalSummary {
                    key: self.principals.get(facts.principal).to_string(),
                    label: self.labels.get(facts.label).to_string(),
                    kind: event.principal.kind.clone(),
                    events: 0,
                    reads: 0,
                    denied: 0,
                    secrets: 0,
                    ips: 0,
                    first_seen: event.time,
                    last_seen: event.time,
                });
                sets.push(Default::default());
                summaries.len() - 1
            });
            let summary = &mut summaries[n];
            summary.events += 1;
            summary.first_seen = event.time;
            if self.has(i, DENIED) {
                summary.denied += 1;
            }
            let (secrets, ips) = &mut sets[n];
            if self.has(i, READ) {
                if !self.has(i, FAILED) {
                    summary.reads += 1;
                }
                secrets.extend(self.touched(i));
            }
            if facts.ip != NONE {
                ips.insert(facts.ip);
            }
        }
        for (summary, (secrets, ips)) in summaries.iter_mut().zip(sets) {
            summary.secrets = secrets.len();
            summary.ips = ips.len();
        }
        summaries
    }

    fn outcome(&self, i: usize) -> Outcome {
        if self.has(i, DENIED) {
            Outcome::Denied
        } else if self.has(i, FAILED) {
            Outcome::Failed
        } else {
            Outcome::Read
        }
    }
}

fn add_distinct(values: &mut Vec<String>, value: Option<&str>) {
    if let Some(value) = value
        && !values.iter().any(|v| v == value)
    {
        values.push(value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn index() -> EventIndex {
        EventIndex::build(
            vec![
                Rec::read("2026-11-20T09:00:00Z").secret("prod/db").event(),
                Rec::read("2026-11-20T09:30:00Z")
                    .secret("prod/db")
                    .error("AccessDenied")
                    .event(),
                Rec::read("2026-11-20T09:40:00Z")
                    .secret("prod/db")
                    .error("DecryptionFailure")
                    .event(),
                // The DR region: read through the replica's own ARN.
                Rec::read("2026-11-21T03:00:00Z")
                    .secret(DB_REPLICA)
                    .region("eu-west-1")
                    .role("dr-runner", "drill")
                    .ip("198.51.100.4")
                    .event(),
                Rec::new("DescribeSecret", "2026-11-22T09:00:00Z")
                    .secret("prod/db")
                    .user("carol")
                    .event(),
                Rec::read("2026-11-22T10:00:00Z")
                    .secret("prod/api")
                    .ip("192.0.2.11")
                    .event(),
                Rec::read("2026-11-22T11:00:00Z")
                    .secret("old/deleted")
                    .event(),
            ],
            &inventory(),
        )
    }

    fn db() -> Vec<String> {
        vec![DB.to_string(), DB_REPLICA.to_string()]
    }

    #[test]
    fn readers_count_replica_reads_and_keep_denials_apart() {
        let readers = index().readers(&db(), None);
        assert_eq!(readers.len(), 2, "carol only described the secret");
        let dr = &readers[0];
        assert_eq!(dr.principal_key, "arn:aws:iam::111122223333:role/dr-runner");
        assert_eq!(dr.label, "dr-runner/drill");
        assert_eq!(dr.kind, PrincipalKind::AssumedRole);
        assert_eq!((dr.reads, dr.denied, dr.failed), (1, 0, 0));
        assert_eq!(
            (dr.ips.clone(), dr.regions.clone()),
            (
                vec!["198.51.100.4".to_string()],
                vec!["eu-west-1".to_string()]
            )
        );
        let bob = &readers[1];
        assert_eq!(bob.label, "bob");
        assert_eq!((bob.reads, bob.denied, bob.failed), (1, 1, 1));
        assert_eq!(bob.first_seen, at("2026-11-20T09:00:00Z"));
        assert_eq!(bob.last_seen, at("2026-11-20T09:40:00Z"));
        assert_eq!(bob.user_agents, ["aws-cli/2.15"]);
    }

    #[test]
    fn readers_of_the_primary_alone_miss_the_dr_region_and_since_cuts() {
        let index = index();
        let primary = index.readers(&[DB.to_string()], None);
        assert_eq!(primary.len(), 1);
        let recent = index.readers(&db(), Some(at("2026-11-20T09:35:00Z")));
        assert_eq!(recent.len(), 2);
        assert_eq!(
            (recent[1].reads, recent[1].denied, recent[1].failed),
            (0, 0, 1)
        );
    }

    #[test]
    fn a_readers_reads_are_the_events_its_row_counts() {
        let index = index();
        let reads = index.reads_by(&db(), BOB_ARN, None);
        let times: Vec<_> = reads.iter().map(|&i| index.events[i].time).collect();
        assert_eq!(
            times,
            [
                at("2026-11-20T09:40:00Z"),
                at("2026-11-20T09:30:00Z"),
                at("2026-11-20T09:00:00Z")
            ],
            "bob's three reads of prod/db, newest first; not prod/api"
        );
        let recent = index.reads_by(&db(), BOB_ARN, Some(at("2026-11-20T09:35:00Z")));
        assert_eq!(recent.len(), 1);
        let dr = index.reads_by(&db(), "arn:aws:iam::111122223333:role/dr-runner", None);
        assert_eq!(
            index.events[dr[0]].region, "eu-west-1",
            "read through the replica"
        );
        assert!(
            index
                .reads_by(&db(), "arn:aws:iam::1:user/nobody", None)
                .is_empty()
        );
    }

    #[test]
    fn secrets_read_by_a_principal() {
        let index = index();
        let bob = index.secrets_read_by(BOB_ARN, None);
        let arns: Vec<&str> = bob.iter().map(|s| s.arn.as_str()).collect();
        assert_eq!(arns, ["old/deleted", API, DB]);
        assert!(!bob[0].in_inventory && bob[1].in_inventory);
        assert_eq!((bob[2].reads, bob[2].denied, bob[2].failed), (1, 1, 1));
        assert_eq!(bob[2].last_seen, at("2026-11-20T09:40:00Z"));
        let since = index.secrets_read_by(BOB_ARN, Some(at("2026-11-22T10:30:00Z")));
        assert_eq!(since.len(), 1);
        assert!(
            index
                .secrets_read_by("arn:aws:iam::1:user/nobody", None)
                .is_empty()
        );
        assert!(
            index
                .secrets_read_by("arn:aws:iam::111122223333:user/carol", None)
                .is_empty()
        );
    }

    #[test]
    fn principals_at_a_glance() {
        let all = index().principals();
        let keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                BOB_ARN,
                "arn:aws:iam::111122223333:user/carol",
                "arn:aws:iam::111122223333:role/dr-runner"
            ]
        );
        let bob = &all[0];
        assert_eq!((bob.events, bob.reads, bob.denied), (5, 3, 1));
        assert_eq!((bob.secrets, bob.ips), (3, 2));
        assert_eq!(bob.first_seen, at("2026-11-20T09:00:00Z"));
        assert_eq!(bob.last_seen, at("2026-11-22T11:00:00Z"));
        assert_eq!((all[1].events, all[1].reads, all[1].secrets), (1, 0, 0));
    }
}
