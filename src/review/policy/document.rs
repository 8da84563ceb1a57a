//! A resource policy as statements (effect, principals, actions, resources, conditions) and
//! how its principals reach a caller.

use serde::{Deserialize, Serialize};

/// Reading a secret's value: the action the review is about.
pub const READ_ACTION: &str = "secretsmanager:GetSecretValue";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// Position in the document, from 1.
    pub number: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principals: Principals,
    pub actions: Patterns,
    /// Empty when the statement names no resource (it then covers the secret itself).
    pub resources: Patterns,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Principal` (not negated) or `NotPrincipal` (every principal but these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Principals {
    pub not: bool,
    pub list: Vec<PolicyPrincipal>,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: `*` and `?` wildcards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patterns {
    pub not: bool,
    pub list: Vec<String>,
}

/// One principal a statement names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum PolicyPrincipal {
    /// `"*"` or `{"AWS": "*"}`: anyone, in any account, signed or not.
    Everyone,
    /// `111122223333` or `arn:aws:iam::111122223333:root`: the account delegates to its IAM.
    Account(String),
    Role(String),
    User(String),
    /// `arn:aws:sts::A:assumed-role/R/S`: one session of a role.
    Session(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
    /// `AROA...`/`AIDA...`: what IAM shows once the principal it named was deleted.
    UniqueId(String),
    Other {
        kind: String,
        value: String,
    },
}

/// One condition: `StringEquals aws:SourceVpce = vpce-1a2b`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// Where a document breaks IAM's grammar, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{at}: {message}")]
pub struct PolicyError {
    /// `Statement[2].Principal.AWS`, or `line 3 column 7` for JSON syntax.
    pub at: String,
    pub message: String,
}

/// The caller behind some reads, as the events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    /// [`crate::trail::Principal::key`]: the role for an assumed role's sessions.
    pub key: &'a str,
    /// The ARN of a session, when the key is its role.
    pub arn: Option<&'a str>,
    pub account: Option<&'a str>,
}

/// How a statement's principals reach a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// `*`, or a NotPrincipal that does not name it.
    Everyone,
    /// Its account is named.
    Account,
    /// It is named.
    Exact,
}

impl Statement {
    /// The Sid, or `statement N`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => sid.clone(),
            _ => format!("statement {}", self.number),
        }
    }

    /// Whether it covers reading `secret_arn` (action and resource; principals aside).
    pub fn covers_read(&self, secret_arn: &str) -> bool {
        self.actions.matches(READ_ACTION, true) && self.resources.applies_to(secret_arn)
    }

    /// Whether a condition narrows who it applies to (organisation, account, VPC endpoint,
    /// source IP, principal tags...); conditions on transport or time do not.
    pub fn restricted(&self) -> bool {
        self.conditions.iter().any(Condition::restricts_who)
    }

    /// How its principals reach `caller`, if they do.
    pub fn reaches(&self, caller: &Caller<'_>) -> Option<Reach> {
        let best = self
            .principals
            .list
            .iter()
            .filter_map(|p| p.reach(caller))
            .max();
        if self.principals.not {
            // NotPrincipal: everyone but the listed (an account listed excludes all of it).
            return best.is_none().then_some(Reach::Everyone);
        }
        best
    }

    pub fn condition_summary(&self) -> Vec<String> {
        self.conditions.iter().map(Condition::summary).collect()
    }
}

impl Patterns {
    /// Whether `value` is covered; `ignore_case` for actions (IAM compares them so).
    pub fn matches(&self, value: &str, ignore_case: bool) -> bool {
        let fold = |s: &str| {
            if ignore_case {
                s.to_ascii_lowercase()
            } else {
                s.to_string()
            }
        };
        let value = fold(value);
        let hit = self
            .list
            .iter()
            .any(|p| crate::runbook::values::glob_matches(&fold(p), &value));
        hit != self.not
    }

    /// Resources: an empty list covers the secret the policy is attached to.
    pub fn applies_to(&self, arn: &str) -> bool {
        self.list.is_empty() || self.matches(arn, false)
    }
}

impl PolicyPrincipal {
    /// The principal as the policy writes it (`*` for everyone).
    pub fn text(&self) -> &str {
        match self {
            Self::Everyone => "*",
            Self::Account(v)
            | Self::Role(v)
            | Self::User(v)
            | Self::Session(v)
            | Self::Service(v)
            | Self::Federated(v)
            | Self::CanonicalUser(v)
            | Self::UniqueId(v)
            | Self::Other { value: v, .. } => v,
        }
    }

    /// The account it belongs to, when it names one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::Account(a) => Some(a),
            Self::Role(arn) | Self::User(arn) | Self::Session(arn) => arn_account(arn),
            _ => None,
        }
    }

    pub fn kind_label(&self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Account(_) => "account",
            Self::Role(_) => "role",
            Self::User(_) => "user",
            Self::Session(_) => "role session",
            Self::Service(_) => "service",
            Self::Federated(_) => "federated",
            Self::CanonicalUser(_) => "canonical user",
            Self::UniqueId(_) => "deleted principal",
            Self::Other { .. } => "other",
        }
    }

    /// How it reaches `caller`, if it does.
    pub fn reach(&self, caller: &Caller<'_>) -> Option<Reach> {
        let named = |v: &str| caller.key == v || caller.arn == Some(v);
        match self {
            Self::Everyone => Some(Reach::Everyone),
            Self::Account(a) => (caller.account == Some(a.as_str())).then_some(Reach::Account),
            Self::Role(arn) => (named(arn) || same_role(arn, caller.key)).then_some(Reach::Exact),
            Self::UniqueId(_) => None,
            other => named(other.text()).then_some(Reach::Exact),
        }
    }
}

impl Condition {
    /// `StringEquals aws:SourceVpce = vpce-1a2b`, `... in [a, b]` for several values.
    pub fn summary(&self) -> String {
        match self.values.as_slice() {
            [one] => format!("{} {} = {one}", self.operator, self.key),
            many => format!("{} {} in [{}]", self.operator, self.key, many.join(", ")),
        }
    }

    /// Whether it limits who may call: a positive test of an identity or network key. Negated
    /// operators (`StringNotEquals`), `...IfExists` and `ForAllValues:` pass when the key is
    /// absent or different, so they do not narrow an `Allow` to a known set.
    pub fn restricts_who(&self) -> bool {
        const KEYS: &[&str] = &[
            "aws:principalorgid",
            "aws:principalorgpaths",
            "aws:principalaccount",
            "aws:principalarn",
            "aws:principalservicename",
            "aws:sourceaccount",
            "aws:sourcearn",
            "aws:sourceowner",
            "aws:sourceorgid",
            "aws:sourceorgpaths",
            "aws:sourcevpce",
            "aws:sourcevpc",
            "aws:sourceip",
            "aws:userid",
            "aws:username",
        ];
        let op = self.operator.to_ascii_lowercase();
        let op = op.strip_prefix("foranyvalue:").unwrap_or(&op);
        let key = self.key.to_ascii_lowercase();
        let positive = !op.contains("not")
            && !op.ends_with("ifexists")
            && !op.starts_with("forallvalues:")
            && op != "null"
            && op != "bool";
        positive && (KEYS.contains(&key.as_str()) || key.starts_with("aws:principaltag/"))
    }
}

/// The account field of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// `arn:aws:iam::A:role/path/Name` and a session `arn:aws:sts::A:assumed-role/Name/s`.
fn same_role(role_arn: &str, session: &str) -> bool {
    let Some(rest) = session.splitn(6, ':').nth(5) else {
        return false;
    };
    let Some(name) = rest
        .strip_prefix("assumed-role/")
        .and_then(|r| r.split('/').next())
    else {
        return false;
    };
    arn_account(role_arn) == arn_account(session) && role_arn.rsplit('/').next() == Some(name)
}
