//! The runbook as the engine sees it: validated, typed, and free of TOML.
//!
//! Every step and parameter keeps the line it was declared on so that the engine, the TUI and the
//! journal can point an operator back at the file.

use std::collections::BTreeMap;

use super::refs::ValueRef;

/// The goto target that ends the runbook instead of naming a step.
pub const END: &str = "end";

/// A parsed and validated runbook file.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub meta: Meta,
    pub params: Vec<Param>,
    pub steps: Vec<Step>,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.id == id)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }
}

/// The `[runbook]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub when_to_use: String,
    pub roles: Vec<String>,
    pub version: u32,
}

/// One `[[param]]`: something the operator supplies when starting the runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub param_type: ParamType,
    pub required: bool,
    pub default: Option<ParamValue>,
    pub validation: Option<Validation>,
    pub description: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A secret name or ARN.
    Secret,
    /// One AWS region code, e.g. `eu-west-1`.
    Region,
    /// A list of AWS region codes.
    Regions,
    String,
    /// A span such as `90d`, `24h` or `1h30m`.
    Duration,
    /// An IAM principal ARN or a 12-digit account id.
    Principal,
}

impl ParamType {
    pub const NAMES: &[&str] = &[
        "secret",
        "region",
        "regions",
        "string",
        "duration",
        "principal",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "secret" => Self::Secret,
            "region" => Self::Region,
            "regions" => Self::Regions,
            "string" => Self::String,
            "duration" => Self::Duration,
            "principal" => Self::Principal,
            _ => return None,
        })
    }

    pub fn is_list(self) -> bool {
        self == Self::Regions
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    One(String),
    Many(Vec<String>),
}

/// Extra constraints on a parameter's value, beyond its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// A glob where `*` matches any run of characters and `?` any single one.
    Pattern(String),
    OneOf(Vec<String>),
}

/// One `[[step]]`, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub on_failure: OnFailure,
    /// Extra attempts after a transient error (throttling, timeouts); never after a denial.
    pub retries: u32,
    /// Names later steps can read as `{{steps.<id>.output.<name>}}`.
    pub outputs: Vec<String>,
    pub body: StepBody,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnFailure {
    Stop,
    Continue,
    Goto(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepBody {
    Manual {
        /// Markdown shown to the operator.
        instructions: String,
        checklist: Vec<String>,
        /// Whether the operator may attach a free-text note.
        note: bool,
    },
    Query {
        query: QueryKind,
        args: Args,
        output: String,
    },
    Action {
        action: ActionKind,
        args: Args,
        /// The exact text the operator types to approve the write.
        confirm: String,
    },
    Check {
        assert: Assertion,
        /// Markdown telling the operator what to do when the assertion fails.
        on_fail: String,
    },
    Decision(Decision),
}

impl StepBody {
    pub fn kind(&self) -> StepKind {
        match self {
            Self::Manual { .. } => StepKind::Manual,
            Self::Query { .. } => StepKind::Query,
            Self::Action { .. } => StepKind::Action,
            Self::Check { .. } => StepKind::Check,
            Self::Decision(_) => StepKind::Decision,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Manual,
    Query,
    Action,
    Check,
    Decision,
}

impl StepKind {
    pub const NAMES: &[&str] = &["manual", "query", "action", "check", "decision"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "manual" => Self::Manual,
            "query" => Self::Query,
            "action" => Self::Action,
            "check" => Self::Check,
            "decision" => Self::Decision,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Query => "query",
            Self::Action => "action",
            Self::Check => "check",
            Self::Decision => "decision",
        }
    }
}

/// Step arguments; string values may hold `{{param.x}}` and `{{steps.y.output.z}}` templates.
pub type Args = BTreeMap<String, ArgValue>;

#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Text(String),
    List(Vec<String>),
    Bool(bool),
    Integer(i64),
}

/// Read-only evidence gathering; never calls GetSecretValue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    DescribeSecret,
    ResourcePolicy,
    Versions,
    WhoRead,
    ReplicaStatus,
    /// The journaled `strongroom leak-check` of the incident that covered the secret: `current`,
    /// `previous`, `pending`, `none`, `incomplete`, or `unknown` when no check was made. Reads
    /// the local journal, never AWS and never a value.
    LeakMatch,
}

impl QueryKind {
    pub const NAMES: &[&str] = &[
        "describe_secret",
        "resource_policy",
        "versions",
        "who_read",
        "replica_status",
        "leak_match",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "describe_secret" => Self::DescribeSecret,
            "resource_policy" => Self::ResourcePolicy,
            "versions" => Self::Versions,
            "who_read" => Self::WhoRead,
            "replica_status" => Self::ReplicaStatus,
            "leak_match" => Self::LeakMatch,
            _ => return None,
        })
    }
}

impl QueryKind {
    /// The arguments it takes: (required, optional).
    pub fn args(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::WhoRead => (&["secret_id"], &["lookback", "include_replicas"]),
            Self::LeakMatch => (&["secret_id", "incident"], &[]),
            _ => (&["secret_id"], &[]),
        }
    }
}

impl ActionKind {
    /// The arguments it takes: (required, optional).
    pub fn args(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::PutDenyAllPolicy => (&["secret_id", "except_principals"], &["previous_policy"]),
            Self::RestorePolicy => (&["secret_id", "policy"], &[]),
            Self::Tag => (&["secret_id", "tags"], &[]),
            Self::ReplicateToRegion => {
                (&["secret_id", "region"], &["kms_key_id", "force_overwrite"])
            }
            Self::PromoteReplica => (&["secret_id", "region"], &[]),
            Self::RotateNow | Self::CancelRotation | Self::RestoreSecret => (&["secret_id"], &[]),
        }
    }
}

/// AWS writes; each runs only with `--allow-write` and the step's typed confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    RotateNow,
    PutDenyAllPolicy,
    RestorePolicy,
    Tag,
    CancelRotation,
    RestoreSecret,
    ReplicateToRegion,
    /// StopReplicationToReplica on the replica in `region`: it becomes a standalone secret
    /// (a DR promotion). Only on secrets tagged `DrillFixture=true`.
    PromoteReplica,
}

impl ActionKind {
    pub const NAMES: &[&str] = &[
        "rotate_now",
        "put_deny_all_policy",
        "restore_policy",
        "tag",
        "cancel_rotation",
        "restore_secret",
        "replicate_to_region",
        "promote_replica",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "rotate_now" => Self::RotateNow,
            "put_deny_all_policy" => Self::PutDenyAllPolicy,
            "restore_policy" => Self::RestorePolicy,
            "tag" => Self::Tag,
            "cancel_rotation" => Self::CancelRotation,
            "restore_secret" => Self::RestoreSecret,
            "replicate_to_region" => Self::ReplicateToRegion,
            "promote_replica" => Self::PromoteReplica,
            _ => return None,
        })
    }
}

/// The closed set of things a check step can assert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assertion {
    /// `current_version_changed_since(T)`: AWSCURRENT moved to a version created after T.
    CurrentVersionChangedSince(ValueRef),
    /// `replicas_in_sync`: every replica is InSync and carries the primary's AWSCURRENT version.
    ReplicasInSync,
    /// `replicated_to(R)`: a replica exists in every region of R.
    ReplicatedTo(ValueRef),
    /// `no_reads_by(P, since=T)`: CloudTrail shows no GetSecretValue by P after T, in any region.
    NoReadsBy {
        principal: ValueRef,
        since: ValueRef,
    },
    /// `policy_denies_all_except(P)`: the attached resource policy denies everyone but P.
    PolicyDeniesAllExcept(ValueRef),
}

impl Assertion {
    pub const NAMES: &[&str] = &[
        "current_version_changed_since",
        "replicas_in_sync",
        "replicated_to",
        "no_reads_by",
        "policy_denies_all_except",
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The operator picks one option.
    Question {
        question: String,
        options: Vec<DecisionOption>,
    },
    /// Branch on the outcome of an earlier check step.
    OnCheck {
        check: String,
        if_true: String,
        if_false: String,
    },
    /// Branch on the answer of an earlier query step (`leak_match` answers `current`,
    /// `previous`, ...): the case named by the answer, else `otherwise` (also when the query
    /// gave no answer).
    OnAnswer {
        query: String,
        cases: Vec<(String, String)>,
        otherwise: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionOption {
    pub label: String,
    /// A step id, or [`END`].
    pub goto: String,
}
