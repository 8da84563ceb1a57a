//! A finding: which rule, how bad, which controls it maps to, and the evidence that decided it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Self::Info),
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// One letter for badges in narrow columns.
    pub fn letter(self) -> char {
        match self {
            Self::Info => 'I',
            Self::Low => 'L',
            Self::Medium => 'M',
            Self::High => 'H',
            Self::Critical => 'C',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    RotationEnabled,
    RotationScheduled,
    RotatedWithin,
    Unused,
    RequiredTags,
    CustomerManagedKey,
    NamingConvention,
    StuckRotation,
    ScheduledDeletion,
    RotationDueSoon,
    ReplicationRequired,
}

/// A rule's fixed facts: id, default severity, the controls it maps to, and what it checks.
pub struct RuleInfo {
    pub id: RuleId,
    pub name: &'static str,
    pub severity: Severity,
    pub enabled: bool,
    pub controls: &'static [&'static str],
    pub summary: &'static str,
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: RuleId::RotationEnabled,
        name: "rotation-enabled",
        severity: Severity::Medium,
        enabled: true,
        controls: &[
            "SecurityHub SecretsManager.1",
            "Config secretsmanager-rotation-enabled-check",
            "Prowler secretsmanager_automatic_rotation_enabled",
        ],
        summary: "Automatic rotation is enabled (and, if set, its interval is within the maximum)",
    },
    RuleInfo {
        id: RuleId::RotationScheduled,
        name: "rotation-scheduled",
        severity: Severity::Medium,
        enabled: true,
        controls: &[
            "SecurityHub SecretsManager.2",
            "Config secretsmanager-scheduled-rotation-success-check",
        ],
        summary: "A secret with rotation enabled rotated on schedule",
    },
    RuleInfo {
        id: RuleId::RotatedWithin,
        name: "rotated-within",
        severity: Severity::Medium,
        enabled: true,
        controls: &[
            "SecurityHub SecretsManager.4",
            "Config secretsmanager-secret-periodic-rotation",
            "Prowler secretsmanager_secret_rotated_periodically",
        ],
        summary: "Rotated within the allowed number of days (RotationDays tag, classification, policy)",
    },
    RuleInfo {
        id: RuleId::Unused,
        name: "unused",
        severity: Severity::Medium,
        enabled: true,
        controls: &[
            "SecurityHub SecretsManager.3",
            "Config secretsmanager-secret-unused",
            "Prowler secretsmanager_secret_unused",
        ],
        summary: "Read within the allowed number of days in any region (replicas count)",
    },
    RuleInfo {
        id: RuleId::RequiredTags,
        name: "required-tags",
        severity: Severity::Low,
        enabled: true,
        controls: &["SecurityHub SecretsManager.5", "Config required-tags"],
        summary: "Carries the required tags (keys are case-sensitive)",
    },
    RuleInfo {
        id: RuleId::CustomerManagedKey,
        name: "customer-managed-key",
        severity: Severity::Low,
        enabled: false,
        controls: &["Config secretsmanager-using-cmk"],
        summary: "Encrypted with a customer managed KMS key, not aws/secretsmanager",
    },
    RuleInfo {
        id: RuleId::NamingConvention,
        name: "naming-convention",
        severity: Severity::Low,
        enabled: true,
        controls: &["Strongroom naming"],
        summary: "Named by the convention, so its environment is known",
    },
    RuleInfo {
        id: RuleId::StuckRotation,
        name: "stuck-rotation",
        severity: Severity::High,
        enabled: true,
        controls: &["Strongroom rotation-health", "SecurityHub SecretsManager.2"],
        summary: "No AWSPENDING version left behind; no RotationFailed newer than the last success",
    },
    RuleInfo {
        id: RuleId::ScheduledDeletion,
        name: "scheduled-deletion",
        severity: Severity::Medium,
        enabled: true,
        controls: &["Strongroom deletion"],
        summary: "Not scheduled for deletion (check nothing still reads it)",
    },
    RuleInfo {
        id: RuleId::RotationDueSoon,
        name: "rotation-due-soon",
        severity: Severity::Info,
        enabled: true,
        controls: &["Strongroom rotation-planning"],
        summary: "Next rotation is not due within the warning window",
    },
    RuleInfo {
        id: RuleId::ReplicationRequired,
        name: "replication-required",
        severity: Severity::High,
        enabled: true,
        controls: &["Strongroom dr-replication", "AWS Resilience Hub"],
        summary: "Secrets the DR policy covers have a healthy replica in each DR region",
    },
];

impl RuleId {
    pub fn info(self) -> &'static RuleInfo {
        RULES.iter().find(|r| r.id == self).unwrap_or(&RULES[0])
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Self> {
        RULES.iter().find(|r| r.name == name).map(|r| r.id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub controls: &'static [&'static str],
    /// The secret's identity, shared by all its findings (an organization has tens of
    /// thousands of secrets, each with a few findings).
    pub arn: Arc<str>,
    pub name: Arc<str>,
    pub account: Arc<str>,
    pub region: Arc<str>,
    /// One sentence an operator can act on.
    pub message: String,
    /// The dates and values that decided it, as (what, value).
    pub evidence: Vec<(&'static str, String)>,
}
