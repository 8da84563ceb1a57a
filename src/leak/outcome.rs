//! What a check found: the versions that matched (never a value, nor anything derived from
//! one), the reads that failed, the calls made, and the verdict an incident branches on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::parts::Part;

/// A version whose value (or one of its fields) is the suspected value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub secret: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub version_id: String,
    /// The version's stages when it was read.
    pub stages: Vec<String>,
    #[serde(flatten)]
    pub part: Part,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
}

impl Match {
    pub fn is_current(&self) -> bool {
        self.has("AWSCURRENT")
    }

    pub fn has(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

/// A read that could not be made, so a version stays unchecked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub secret: String,
    pub account: String,
    pub region: String,
    /// The stage or version that was asked for.
    pub version: String,
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub candidates: usize,
    /// Versions read (each one a GetSecretValue in CloudTrail).
    pub reads: usize,
    /// Calls made, by operation.
    pub calls: BTreeMap<String, usize>,
    pub matches: Vec<Match>,
    pub failures: Vec<Failure>,
    pub seconds: f64,
}

/// The answer an incident branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A version that is still AWSCURRENT: contain and rotate now.
    Current,
    /// AWSPREVIOUS: rotation happened; the old credential must be revoked at the provider.
    Previous,
    /// AWSPENDING: a rotation in progress is about to make it current.
    Pending,
    /// No match, every candidate checked: not ours, or older than the versions kept.
    None,
    /// No match, but some reads failed: the answer may be among them.
    Incomplete,
}

impl Verdict {
    /// The word a runbook reads (`steps.x.output.match`).
    pub fn word(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Previous => "previous",
            Self::Pending => "pending",
            Self::None => "none",
            Self::Incomplete => "incomplete",
        }
    }

    /// The line that opens the answer, capitals where it matters.
    pub fn headline(self) -> &'static str {
        match self {
            Self::Current => {
                "STILL AWSCURRENT: the leaked value is live. Contain and rotate now \
                 (the compromised-secret runbook)."
            }
            Self::Previous => {
                "NOT CURRENT: the leaked value is AWSPREVIOUS; rotation already happened. Revoke \
                 the old credential at the provider and check who read the secret since the \
                 exposure."
            }
            Self::Pending => {
                "AWSPENDING: the leaked value is the one a rotation in progress is about to make \
                 current. Cancel that rotation and rotate again."
            }
            Self::None => {
                "NO MATCH: no candidate version holds this value. It is not one of these \
                 secrets, or older than the versions AWS keeps: widen the candidates or re-triage."
            }
            Self::Incomplete => {
                "NO MATCH AMONG THE VERSIONS READ, BUT SOME COULD NOT BE READ: the answer may be \
                 among them (see the failures)."
            }
        }
    }

    /// 0 a match, 1 no match, 2 the check could not be completed.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Current | Self::Previous | Self::Pending => 0,
            Self::None => 1,
            Self::Incomplete => 2,
        }
    }
}

impl Outcome {
    pub fn verdict(&self) -> Verdict {
        if self.matches.iter().any(Match::is_current) {
            Verdict::Current
        } else if self.matches.iter().any(|m| m.has("AWSPREVIOUS")) {
            Verdict::Previous
        } else if !self.matches.is_empty() {
            // AWSPENDING, or a version that lost its stage between the listing and the read.
            Verdict::Pending
        } else if self.failures.is_empty() {
            Verdict::None
        } else {
            Verdict::Incomplete
        }
    }

    pub fn add_calls(&mut self, operation: &str, n: usize) {
        if n > 0 {
            *self.calls.entry(operation.to_string()).or_default() += n;
        }
    }

    pub fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(stages: &[&str]) -> Match {
        Match {
            secret: "s".into(),
            arn: "arn".into(),
            account: "1".into(),
            region: "r".into(),
            version_id: "v".into(),
            stages: stages.iter().map(|s| s.to_string()).collect(),
            part: Part::Whole,
            created: None,
        }
    }

    #[test]
    fn the_newest_stage_matched_decides_and_failures_make_no_match_incomplete() {
        let mut o = Outcome {
            matches: vec![matched(&["AWSPREVIOUS"]), matched(&["AWSCURRENT"])],
            ..Default::default()
        };
        assert_eq!(o.verdict(), Verdict::Current);
        assert_eq!(o.verdict().exit_code(), 0);
        o.matches.remove(1);
        assert_eq!(o.verdict(), Verdict::Previous);
        o.matches.clear();
        assert_eq!(o.verdict(), Verdict::None);
        assert_eq!(o.verdict().exit_code(), 1);
        o.failures.push(Failure {
            secret: "s".into(),
            account: "1".into(),
            region: "r".into(),
            version: "AWSCURRENT".into(),
            why: "AccessDenied".into(),
        });
        assert_eq!(o.verdict(), Verdict::Incomplete);
        assert_eq!(o.verdict().exit_code(), 2);
        assert!(Verdict::Current.headline().starts_with("STILL AWSCURRENT"));
    }

    #[test]
    fn a_match_serialises_its_field_and_stages_only() {
        let mut m = matched(&["AWSCURRENT"]);
        m.part = Part::Field("password".into());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["part"], "field");
        assert_eq!(json["field"], "password");
        assert_eq!(json["stages"][0], "AWSCURRENT");
    }
}
