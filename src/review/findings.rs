//! What a secret's resource policy says that a reviewer must see: public or cross-account read,
//! wildcard principals, deleted principals, and no policy at all (pure).

use serde::{Deserialize, Serialize};

use super::policy::{Effect, PolicyDocument, PolicyPrincipal};
use crate::audit::Severity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFinding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The statement it comes from (Sid or `statement N`).
    pub statement: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Anyone may read, with no condition narrowing who.
    PublicRead,
    /// Anyone may read, narrowed by a condition (organisation, VPC endpoint, account...).
    ConditionalPublicRead,
    /// A principal of another account may read.
    CrossAccountRead,
    /// `*` in an Allow that does not read (describe, list versions...).
    WildcardPrincipal,
    /// Allow with NotPrincipal: everyone but the listed.
    AllowNotPrincipal,
    /// A principal IAM shows as a unique id: it was deleted.
    DeletedPrincipal,
    /// No resource policy: access is decided by IAM alone.
    NoPolicy,
    /// The policy could not be fetched or read.
    Unreadable,
    /// The source cannot say (a snapshot, a secret scheduled for deletion).
    NotKnown,
}

impl FindingKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::PublicRead => "public read",
            Self::ConditionalPublicRead => "anyone, under conditions",
            Self::CrossAccountRead => "cross-account read",
            Self::WildcardPrincipal => "wildcard principal",
            Self::AllowNotPrincipal => "allow with NotPrincipal",
            Self::DeletedPrincipal => "deleted principal",
            Self::NoPolicy => "no resource policy",
            Self::Unreadable => "policy unreadable",
            Self::NotKnown => "policy not known",
        }
    }
}

/// What the report says of a secret without a resource policy (after "no resource policy").
pub const NO_POLICY: &str = "access is decided by IAM alone (the identity policies of its account)";

/// Findings of a parsed policy attached to a secret of `account`.
pub fn of_document(doc: &PolicyDocument, secret_arn: &str, account: &str) -> Vec<PolicyFinding> {
    let mut out = Vec::new();
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let label = s.label();
        let reads = s.covers_read(secret_arn);
        let find = |kind, severity, detail: String| PolicyFinding {
            kind,
            severity,
            statement: Some(label.clone()),
            detail,
        };
        if s.principals.not {
            let names: Vec<&str> = s
                .principals
                .list
                .iter()
                .map(PolicyPrincipal::text)
                .collect();
            out.push(find(
                FindingKind::AllowNotPrincipal,
                if reads {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!(
                    "allows every principal except {}{}",
                    names.join(", "),
                    if reads { ", reading included" } else { "" }
                ),
            ));
            continue;
        }
        for p in &s.principals.list {
            match p {
                PolicyPrincipal::Everyone if reads && !s.restricted() => out.push(find(
                    FindingKind::PublicRead,
                    Severity::Critical,
                    with_conditions(
                        "anyone, in any account, may read the value".into(),
                        &s.condition_summary(),
                    ),
                )),
                PolicyPrincipal::Everyone if reads => out.push(find(
                    FindingKind::ConditionalPublicRead,
                    Severity::Medium,
                    format!(
                        "any principal may read under: {}",
                        s.condition_summary().join("; ")
                    ),
                )),
                PolicyPrincipal::Everyone => out.push(find(
                    FindingKind::WildcardPrincipal,
                    Severity::Medium,
                    format!("`*` is allowed {}", s.actions.list.join(", ")),
                )),
                PolicyPrincipal::UniqueId(id) => out.push(find(
                    FindingKind::DeletedPrincipal,
                    Severity::Low,
                    format!("{id} is a principal that was deleted; remove it from the policy"),
                )),
                other if reads => {
                    if let Some(a) = other.account().filter(|a| *a != account) {
                        out.push(find(
                            FindingKind::CrossAccountRead,
                            if s.conditions.is_empty() {
                                Severity::High
                            } else {
                                Severity::Medium
                            },
                            with_conditions(
                                format!("{} of account {a} may read", other.text()),
                                &s.condition_summary(),
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

pub fn no_policy() -> PolicyFinding {
    PolicyFinding {
        kind: FindingKind::NoPolicy,
        severity: Severity::Info,
        statement: None,
        detail: NO_POLICY.to_string(),
    }
}

pub fn unreadable(why: &str) -> PolicyFinding {
    PolicyFinding {
        kind: FindingKind::Unreadable,
        severity: Severity::High,
        statement: None,
        detail: format!("the resource policy could not be reviewed: {why}"),
    }
}

/// The source cannot say (a snapshot, a secret scheduled for deletion): worth knowing, not
/// a failure.
pub fn unavailable(why: &str) -> PolicyFinding {
    PolicyFinding {
        kind: FindingKind::NotKnown,
        severity: Severity::Info,
        statement: None,
        detail: why.to_string(),
    }
}

fn with_conditions(text: String, conditions: &[String]) -> String {
    if conditions.is_empty() {
        text
    } else {
        format!("{text} (conditions: {})", conditions.join("; "))
    }
}
