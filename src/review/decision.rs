//! A reviewer's decision on a secret, and which decisions of a log still stand (pure).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the reviewer decided for a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Verdict {
    /// Access stays as it is.
    Keep,
    /// This principal should lose read access.
    Revoke { principal: String },
    /// The secret belongs to someone else.
    ChangeOwner { owner: String },
    /// Needs more work before a decision.
    FollowUp,
}

/// One recorded decision: an entry of the review's hash-chained decision log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Position in the review's log, from 1.
    pub seq: u64,
    pub secret_arn: String,
    pub secret_name: String,
    pub verdict: Verdict,
    pub note: String,
    pub reviewer: String,
    pub at: DateTime<Utc>,
    /// Hex SHA-256 over the previous entry's hash and this entry (see `store::review`).
    pub hash: String,
}

impl Verdict {
    /// From the command line: `keep`, `revoke PRINCIPAL`, `change-owner WHO`, `follow-up`.
    pub fn parse(action: &str, target: Option<&str>) -> Result<Self, String> {
        let target = target.map(str::trim).filter(|t| !t.is_empty());
        let needs = |what: &str| {
            format!(
                "`{action}` needs {what}, e.g. `{action} {}`",
                example(action)
            )
        };
        match (action.trim().to_ascii_lowercase().as_str(), target) {
            ("keep", None) => Ok(Self::Keep),
            ("follow-up" | "followup", None) => Ok(Self::FollowUp),
            ("revoke", Some(p)) => Ok(Self::Revoke {
                principal: p.to_string(),
            }),
            ("change-owner", Some(w)) => Ok(Self::ChangeOwner {
                owner: w.to_string(),
            }),
            ("revoke", None) => Err(needs("the principal to revoke")),
            ("change-owner", None) => Err(needs("the new owner")),
            ("keep" | "follow-up" | "followup", Some(t)) => Err(format!(
                "`{action}` takes no argument (got `{t}`); put explanations in --note"
            )),
            _ => Err(format!(
                "unknown decision `{action}`: use keep, revoke PRINCIPAL, change-owner WHO or follow-up"
            )),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Keep => "keep".into(),
            Self::Revoke { principal } => format!("revoke {principal}"),
            Self::ChangeOwner { owner } => format!("change owner to {owner}"),
            Self::FollowUp => "follow up".into(),
        }
    }

    /// Whether a later `other` replaces this one: keep replaces everything and everything
    /// replaces keep; the same revoke, a new owner or another follow-up replace their like.
    fn replaced_by(&self, other: &Verdict) -> bool {
        match (self, other) {
            (_, Verdict::Keep) | (Verdict::Keep, _) => true,
            (Verdict::Revoke { principal: a }, Verdict::Revoke { principal: b }) => a == b,
            (Verdict::ChangeOwner { .. }, Verdict::ChangeOwner { .. }) => true,
            (Verdict::FollowUp, Verdict::FollowUp) => true,
            _ => false,
        }
    }
}

fn example(action: &str) -> &'static str {
    match action {
        "revoke" => "arn:aws:iam::111122223333:role/old-app",
        _ => "team-payments",
    }
}

/// The decisions on `secret_arn` that still stand, in the order they were made.
pub fn effective<'a>(log: &'a [Decision], secret_arn: &str) -> Vec<&'a Decision> {
    let mut standing: Vec<&Decision> = Vec::new();
    for d in log.iter().filter(|d| d.secret_arn == secret_arn) {
        standing.retain(|s| !s.verdict.replaced_by(&d.verdict));
        standing.push(d);
    }
    standing
}

/// Whether a logged decision was replaced by a later one.
pub fn superseded(log: &[Decision], d: &Decision) -> bool {
    !effective(log, &d.secret_arn).iter().any(|s| s.seq == d.seq)
}

/// `$USER` (or `$USERNAME`), the reviewer when `--reviewer` is not given.
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(seq: u64, verdict: Verdict) -> Decision {
        Decision {
            seq,
            secret_arn: "a".into(),
            secret_name: "a".into(),
            verdict,
            note: String::new(),
            reviewer: "r".into(),
            at: DateTime::default(),
            hash: String::new(),
        }
    }

    fn revoke(p: &str) -> Verdict {
        Verdict::Revoke {
            principal: p.into(),
        }
    }

    #[test]
    fn parse_takes_the_four_decisions_and_explains_mistakes() {
        assert_eq!(Verdict::parse("keep", None), Ok(Verdict::Keep));
        assert_eq!(Verdict::parse("follow-up", None), Ok(Verdict::FollowUp));
        assert_eq!(Verdict::parse("revoke", Some("arn:x")), Ok(revoke("arn:x")));
        assert_eq!(
            Verdict::parse("change-owner", Some("team-a")),
            Ok(Verdict::ChangeOwner {
                owner: "team-a".into()
            })
        );
        assert!(
            Verdict::parse("revoke", None)
                .unwrap_err()
                .contains("principal")
        );
        assert!(
            Verdict::parse("keep", Some("x"))
                .unwrap_err()
                .contains("--note")
        );
        assert!(
            Verdict::parse("delete", None)
                .unwrap_err()
                .contains("unknown")
        );
    }

    #[test]
    fn keep_clears_the_rest_and_revokes_accumulate() {
        let log = vec![
            d(1, Verdict::Keep),
            d(2, revoke("p1")),
            d(3, revoke("p2")),
            d(4, revoke("p1")),
            d(5, Verdict::FollowUp),
        ];
        let seqs: Vec<u64> = effective(&log, "a").iter().map(|d| d.seq).collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert!(superseded(&log, &log[0]) && superseded(&log, &log[1]));
        let mut log = log;
        log.push(d(6, Verdict::Keep));
        let seqs: Vec<u64> = effective(&log, "a").iter().map(|d| d.seq).collect();
        assert_eq!(seqs, [6]);
        assert!(effective(&log, "b").is_empty());
    }
}
