//! What a check will read, said before anything is read: the candidates, the versions of each
//! (AWSCURRENT, AWSPREVIOUS, AWSPENDING, as the listing shows them) and the calls that takes.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::Secret;

/// Secrets per BatchGetSecretValue call (its SecretIdList holds at most 20).
pub const BATCH: usize = 20;
/// The stages a check reads, newest first.
pub const STAGES: [&str; 3] = ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"];

/// One secret to check, in the region and account where it is a primary.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    /// AWSCURRENT first; then each other version that carries a stage the check reads.
    pub reads: Vec<Read>,
}

/// One version to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// Empty when the listing gave no versions: AWSCURRENT is then read by its stage.
    pub version_id: String,
    /// The stages the listing showed on it.
    pub stages: Vec<String>,
}

impl Read {
    pub fn is_current(&self) -> bool {
        self.stages.iter().any(|s| s == "AWSCURRENT")
    }

    /// The stage to name this read by: the newest it carries.
    pub fn stage(&self) -> &str {
        STAGES
            .iter()
            .find(|s| self.stages.iter().any(|t| t == *s))
            .copied()
            .unwrap_or("AWSCURRENT")
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub targets: Vec<Target>,
    /// Replicas left out: their values are their primary's, which is read.
    pub replicas_skipped: usize,
    /// Secrets scheduled for deletion: AWS refuses to read them.
    pub deleted_skipped: Vec<String>,
}

impl Plan {
    /// The plan for `secrets` (already narrowed to the candidates).
    pub fn of<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let secrets: Vec<&Secret> = secrets.into_iter().collect();
        let primaries: BTreeSet<(&str, &str)> = secrets
            .iter()
            .filter(|s| !is_replica(s))
            .map(|s| (s.account.as_str(), s.name.as_str()))
            .collect();
        let mut plan = Plan::default();
        let mut seen = BTreeSet::new();
        for s in secrets {
            if is_replica(s) && primaries.contains(&(s.account.as_str(), s.name.as_str())) {
                plan.replicas_skipped += 1;
                continue;
            }
            if !seen.insert(s.arn.as_str()) {
                continue;
            }
            if s.deleted.is_some() {
                plan.deleted_skipped.push(s.name.clone());
                continue;
            }
            plan.targets.push(Target {
                arn: s.arn.clone(),
                name: s.name.clone(),
                account: s.account.clone(),
                region: s.region.clone(),
                reads: reads_of(s),
            });
        }
        plan
    }

    /// Versions the check reads (each is one read in CloudTrail).
    pub fn reads(&self) -> usize {
        self.targets.iter().map(|t| t.reads.len()).sum()
    }

    /// AWSCURRENT reads, in BatchGetSecretValue calls of at most [`BATCH`] secrets of one
    /// account and region.
    pub fn current_batches(&self) -> Vec<Vec<&Target>> {
        let mut by_cell: BTreeMap<(&str, &str), Vec<&Target>> = BTreeMap::new();
        for t in &self.targets {
            by_cell
                .entry((t.account.as_str(), t.region.as_str()))
                .or_default()
                .push(t);
        }
        by_cell
            .into_values()
            .flat_map(|ts| ts.chunks(BATCH).map(<[_]>::to_vec).collect::<Vec<_>>())
            .collect()
    }

    /// Older versions (AWSPREVIOUS, AWSPENDING), one GetSecretValue each.
    pub fn older_reads(&self) -> usize {
        self.targets
            .iter()
            .map(|t| t.reads.iter().filter(|r| !r.is_current()).count())
            .sum()
    }

    /// API calls: the batches and one per older version.
    pub fn calls(&self) -> usize {
        self.current_batches().len() + self.older_reads()
    }

    /// One line: the reads and their calls.
    pub fn brief(&self) -> String {
        format!(
            "{} secret(s), {} version(s) to read in {} call(s): {} BatchGetSecretValue, {} \
             GetSecretValue",
            self.targets.len(),
            self.reads(),
            self.calls(),
            self.current_batches().len(),
            self.older_reads()
        )
    }

    /// One sentence for the operator: what will be read, in how many calls.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} candidate secret(s): {} version(s) to read, AWSCURRENT in {} BatchGetSecretValue \
             call(s) and {} older version(s) (AWSPREVIOUS, AWSPENDING) in as many GetSecretValue \
             call(s)",
            self.targets.len(),
            self.reads(),
            self.current_batches().len(),
            self.older_reads()
        );
        if self.replicas_skipped > 0 {
            s.push_str(&format!(
                "; {} replica(s) left out (their primary is read)",
                self.replicas_skipped
            ));
        }
        if !self.deleted_skipped.is_empty() {
            s.push_str(&format!(
                "; {} scheduled for deletion, which AWS will not read ({})",
                self.deleted_skipped.len(),
                self.deleted_skipped.join(", ")
            ));
        }
        s
    }
}

fn is_replica(s: &Secret) -> bool {
    s.primary_region.as_deref().is_some_and(|p| p != s.region)
}

fn reads_of(s: &Secret) -> Vec<Read> {
    let mut reads: Vec<Read> = s
        .versions
        .iter()
        .filter(|v| v.stages.iter().any(|st| STAGES.contains(&st.as_str())))
        .map(|v| Read {
            version_id: v.id.clone(),
            stages: v.stages.clone(),
        })
        .collect();
    if !reads.iter().any(Read::is_current) {
        reads.push(Read {
            version_id: String::new(),
            stages: vec!["AWSCURRENT".to_string()],
        });
    }
    reads.sort_by_key(|r| STAGES.iter().position(|s| *s == r.stage()));
    reads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Version;

    fn secret(name: &str, region: &str, primary: Option<&str>, stages: &[&[&str]]) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:{region}:111122223333:secret:{name}-AbCdEf"),
            name: name.into(),
            account: "111122223333".into(),
            region: region.into(),
            primary_region: primary.map(str::to_string),
            versions: stages
                .iter()
                .enumerate()
                .map(|(i, st)| Version {
                    id: format!("v{i}"),
                    stages: st.iter().map(|s| s.to_string()).collect(),
                    created: None,
                    last_accessed: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn each_staged_version_is_read_once_and_replicas_not_at_all() {
        let secrets = vec![
            secret(
                "a",
                "us-east-1",
                Some("us-east-1"),
                &[&["AWSPREVIOUS"], &["AWSCURRENT"], &["AWSPENDING"], &[]],
            ),
            secret("a", "eu-west-1", Some("us-east-1"), &[&["AWSCURRENT"]]),
            secret("b", "us-east-1", None, &[&["AWSCURRENT", "AWSPENDING"]]),
        ];
        let plan = Plan::of(&secrets);
        assert_eq!(plan.targets.len(), 2);
        assert_eq!(plan.replicas_skipped, 1);
        let a = &plan.targets[0];
        let order: Vec<&str> = a.reads.iter().map(Read::stage).collect();
        assert_eq!(order, ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"]);
        // b's one version carries two stages: one read.
        assert_eq!(plan.reads(), 4);
        assert_eq!(plan.older_reads(), 2);
        assert_eq!(plan.calls(), 3);
    }

    #[test]
    fn batches_hold_twenty_secrets_of_one_cell() {
        let mut secrets: Vec<Secret> = (0..45)
            .map(|i| secret(&format!("s{i}"), "us-east-1", None, &[&["AWSCURRENT"]]))
            .collect();
        secrets.push(secret("w", "us-west-2", None, &[&["AWSCURRENT"]]));
        let plan = Plan::of(&secrets);
        let sizes: Vec<usize> = plan.current_batches().iter().map(Vec::len).collect();
        assert_eq!(sizes, [20, 20, 5, 1]);
        assert_eq!(plan.calls(), 4);
    }

    #[test]
    fn a_replica_whose_primary_is_not_loaded_is_read_and_deleted_secrets_are_not() {
        let mut deleted = secret("gone", "us-east-1", None, &[&["AWSCURRENT"]]);
        deleted.deleted = Some(chrono::Utc::now());
        let secrets = vec![secret("r", "eu-west-1", Some("us-east-1"), &[]), deleted];
        let plan = Plan::of(&secrets);
        assert_eq!(plan.targets.len(), 1);
        assert_eq!(plan.targets[0].reads[0].version_id, "");
        assert_eq!(plan.deleted_skipped, ["gone"]);
        assert!(plan.describe().contains("scheduled for deletion"));
    }
}
