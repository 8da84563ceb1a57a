//! The read requests a query or a check step sends, as the AWS executor sends them, for a dry
//! run's plan. Pure: the arguments come in resolved (or as `<...>` placeholders) and nothing is
//! called. Reads never include GetSecretValue.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value, json};

use super::spec::{Assertion, QueryKind};

/// LookupEvents answers at most this many events a page; the executor asks for full pages.
const LOOKUP_PAGE_SIZE: u32 = 50;

/// One read request: the service, the operation, its request body and, when it is not sent
/// once to the secret's primary region, where and how often it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadCall {
    /// `secretsmanager` or `cloudtrail`.
    pub service: &'static str,
    pub operation: &'static str,
    pub body: Map<String, Value>,
    /// e.g. "in the primary region and each replica region, every page".
    pub scope: Option<&'static str>,
}

impl fmt::Display for ReadCall {
    /// `service:Operation {"Key":"value"}` on one line, then the scope in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {}",
            self.service,
            self.operation,
            Value::Object(self.body.clone())
        )?;
        match self.scope {
            Some(scope) => write!(f, " ({scope})"),
            None => Ok(()),
        }
    }
}

/// The requests a query step sends with these arguments.
pub fn query_calls(query: QueryKind, args: &BTreeMap<String, String>) -> Vec<ReadCall> {
    let secret_id = text(args, "secret_id");
    match query {
        QueryKind::DescribeSecret => vec![describe(&secret_id, None)],
        QueryKind::ResourcePolicy => vec![secrets("GetResourcePolicy", &secret_id, None)],
        QueryKind::Versions => vec![list_versions(&secret_id)],
        QueryKind::ReplicaStatus => vec![describe(&secret_id, Some("on the primary"))],
        // Answered from the local journal: no AWS call.
        QueryKind::LeakMatch => Vec::new(),
        QueryKind::WhoRead => {
            let lookback = args
                .get("lookback")
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .unwrap_or("90d");
            let replicas = args
                .get("include_replicas")
                .is_none_or(|flag| flag.trim() != "false");
            let scope = if replicas {
                "in the primary region and each replica region, every page"
            } else {
                "in the primary region only, every page"
            };
            vec![
                describe(
                    &secret_id,
                    Some("on the primary, to find its replica regions"),
                ),
                lookup_events(&secret_id, &format!("<now - {lookback}>"), scope),
            ]
        }
    }
}

/// The requests a check step sends to gather its evidence; `args` as the engine resolves them
/// (`secret_id`, and the assertion's references by role: `since`, `regions`, `principal`).
pub fn check_calls(assertion: &Assertion, args: &BTreeMap<String, String>) -> Vec<ReadCall> {
    let secret_id = text(args, "secret_id");
    match assertion {
        Assertion::CurrentVersionChangedSince(_) => vec![list_versions(&secret_id)],
        Assertion::ReplicasInSync => vec![
            describe(&secret_id, Some("on the primary")),
            describe(
                &format!("<ARN of {secret_id} in each replica region>"),
                Some("in each replica region"),
            ),
        ],
        Assertion::ReplicatedTo(_) => vec![describe(&secret_id, Some("on the primary"))],
        Assertion::NoReadsBy { .. } => vec![
            describe(
                &secret_id,
                Some("on the primary, to find its replica regions"),
            ),
            lookup_events(
                &secret_id,
                &text(args, "since"),
                "in the primary region and each replica region, every page",
            ),
        ],
        Assertion::PolicyDeniesAllExcept(_) => {
            vec![secrets("GetResourcePolicy", &secret_id, None)]
        }
    }
}

fn describe(secret_id: &str, scope: Option<&'static str>) -> ReadCall {
    secrets("DescribeSecret", secret_id, scope)
}

fn list_versions(secret_id: &str) -> ReadCall {
    // Keys go in sorted order so the text is the same whether or not serde_json keeps order.
    let mut body = Map::new();
    body.insert("IncludeDeprecated".to_string(), json!(true));
    body.insert("SecretId".to_string(), json!(secret_id));
    ReadCall {
        service: "secretsmanager",
        operation: "ListSecretVersionIds",
        body,
        scope: Some("every page"),
    }
}

fn secrets(operation: &'static str, secret_id: &str, scope: Option<&'static str>) -> ReadCall {
    let mut body = Map::new();
    body.insert("SecretId".to_string(), json!(secret_id));
    ReadCall {
        service: "secretsmanager",
        operation,
        body,
        scope,
    }
}

/// CloudTrail events naming the secret's ARN in each region searched, from `start` to now.
fn lookup_events(secret_id: &str, start: &str, scope: &'static str) -> ReadCall {
    let mut body = Map::new();
    body.insert("EndTime".to_string(), json!("<now>"));
    body.insert(
        "LookupAttributes".to_string(),
        json!([{
            "AttributeKey": "ResourceName",
            "AttributeValue": format!("<ARN of {secret_id} in that region>"),
        }]),
    );
    body.insert("MaxResults".to_string(), json!(LOOKUP_PAGE_SIZE));
    body.insert("StartTime".to_string(), json!(start));
    ReadCall {
        service: "cloudtrail",
        operation: "LookupEvents",
        body,
        scope: Some(scope),
    }
}

fn text(args: &BTreeMap<String, String>, key: &str) -> String {
    args.get(key).cloned().unwrap_or_default()
}
