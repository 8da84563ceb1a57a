//! The exact AWS request each runbook action makes, built once from the step's arguments: the
//! operator approves this preview and the executor sends these parameters, nothing else.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value, json};

use super::spec::ActionKind;

/// The tag (value `true`) that marks a secret a DR drill may promote.
pub const DRILL_FIXTURE_TAG: &str = "DrillFixture";

/// The statement id of the deny-all policy, so it can be recognised later.
pub const DENY_ALL_SID: &str = "StrongroomIncidentDenyAll";

/// One Secrets Manager request: the operation and its request body, as the API names them.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    /// e.g. `PutResourcePolicy`.
    pub operation: &'static str,
    /// The request body (`SecretId`, `ResourcePolicy`, ...), keys in the API's spelling.
    pub body: serde_json::Map<String, Value>,
}

impl ApiCall {
    pub fn text(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    pub fn secret_id(&self) -> &str {
        self.text("SecretId").unwrap_or_default()
    }

    /// The request body as one line of JSON, for the journal.
    pub fn body_json(&self) -> String {
        Value::Object(self.body.clone()).to_string()
    }
}

impl fmt::Display for ApiCall {
    /// `secretsmanager:Operation` and the request body, pretty-printed; a policy document is
    /// shown as the JSON it is rather than as an escaped string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.body.clone();
        if let Some(Value::String(doc)) = shown.get("ResourcePolicy")
            && let Ok(parsed) = serde_json::from_str::<Value>(doc)
        {
            shown.insert("ResourcePolicy".to_string(), parsed);
        }
        let body = serde_json::to_string_pretty(&Value::Object(shown)).map_err(|_| fmt::Error)?;
        write!(f, "secretsmanager:{}\n{body}", self.operation)
    }
}

/// The request an action makes with these (resolved) arguments, or what is missing.
pub fn plan(action: ActionKind, args: &BTreeMap<String, String>) -> Result<ApiCall, String> {
    let secret_id = required(args, "secret_id")?;
    let mut body = serde_json::Map::new();
    body.insert("SecretId".to_string(), json!(secret_id));
    let operation = match action {
        ActionKind::RotateNow => {
            body.insert("RotateImmediately".to_string(), json!(true));
            "RotateSecret"
        }
        ActionKind::PutDenyAllPolicy => {
            let except = list(args, "except_principals")?;
            if except.is_empty() {
                return Err(
                    "`except_principals` is empty: a deny-all policy with no exception locks \
                     out the responders too"
                        .to_string(),
                );
            }
            body.insert(
                "ResourcePolicy".to_string(),
                json!(deny_all_policy(&except).to_string()),
            );
            "PutResourcePolicy"
        }
        ActionKind::RestorePolicy => {
            let policy = args.get("policy").map(|p| p.trim()).unwrap_or_default();
            if policy.is_empty() {
                // There was no policy before containment: restoring means removing ours.
                "DeleteResourcePolicy"
            } else {
                serde_json::from_str::<Value>(policy)
                    .map_err(|e| format!("`policy` is not a JSON policy document: {e}"))?;
                body.insert("ResourcePolicy".to_string(), json!(policy));
                "PutResourcePolicy"
            }
        }
        ActionKind::Tag => {
            let mut tags = Vec::new();
            for item in list(args, "tags")? {
                let (key, value) = item
                    .split_once('=')
                    .ok_or_else(|| format!("tag `{item}` is not KEY=VALUE"))?;
                tags.push(json!({ "Key": key.trim(), "Value": value.trim() }));
            }
            if tags.is_empty() {
                return Err("`tags` is empty".to_string());
            }
            body.insert("Tags".to_string(), Value::Array(tags));
            "TagResource"
        }
        ActionKind::CancelRotation => "CancelRotateSecret",
        ActionKind::RestoreSecret => "RestoreSecret",
        ActionKind::ReplicateToRegion => {
            let region = required(args, "region")?;
            let mut replica = serde_json::Map::new();
            replica.insert("Region".to_string(), json!(region));
            if let Some(key) = args.get("kms_key_id").filter(|k| !k.trim().is_empty()) {
                replica.insert("KmsKeyId".to_string(), json!(key.trim()));
            }
            body.insert(
                "AddReplicaRegions".to_string(),
                Value::Array(vec![Value::Object(replica)]),
            );
            if args
                .get("force_overwrite")
                .is_some_and(|f| f.trim() == "true")
            {
                // A promoted replica left a standalone secret of the same name there.
                body.insert("ForceOverwriteReplicaSecret".to_string(), json!(true));
            }
            "ReplicateSecretToRegions"
        }
        ActionKind::PromoteReplica => {
            let region = required(args, "region")?;
            body.insert(
                "SecretId".to_string(),
                json!(replica_arn(secret_id, region)?),
            );
            "StopReplicationToReplica"
        }
    };
    Ok(ApiCall { operation, body })
}

/// The operations actions make, for rebuilding a call from the journal.
const OPERATIONS: &[&str] = &[
    "RotateSecret",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
    "TagResource",
    "CancelRotateSecret",
    "RestoreSecret",
    "ReplicateSecretToRegions",
    "StopReplicationToReplica",
];

/// A call as the journal keeps it (operation and request body JSON).
pub fn from_journal(operation: &str, body: &str) -> Option<ApiCall> {
    let operation = OPERATIONS.iter().find(|o| **o == operation)?;
    match serde_json::from_str(body).ok()? {
        Value::Object(body) => Some(ApiCall { operation, body }),
        _ => None,
    }
}

/// Deny every Secrets Manager action to everyone but `except` (by `aws:PrincipalArn`, which for
/// an assumed-role session is the role's ARN).
pub fn deny_all_policy(except: &[String]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": DENY_ALL_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:*",
            "Resource": "*",
            "Condition": { "StringNotEquals": { "aws:PrincipalArn": except } }
        }]
    })
}

/// Whether `policy` denies every principal but exactly `allowed`: a Deny of `secretsmanager:*`
/// (or `*`) to `*` whose only exception is `aws:PrincipalArn` not equal to `allowed`.
/// Returns the reason when it does not.
pub fn denies_all_except(policy: &str, allowed: &str) -> Result<(), String> {
    if policy.trim().is_empty() {
        return Err("the secret has no resource policy".to_string());
    }
    let doc: Value =
        serde_json::from_str(policy).map_err(|e| format!("the policy is not JSON: {e}"))?;
    let statements = match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err("the policy has no statements".to_string()),
    };
    let mut reasons = Vec::new();
    for statement in &statements {
        match deny_all_statement(statement, allowed) {
            Ok(()) => return Ok(()),
            Err(reason) => reasons.push(reason),
        }
    }
    Err(format!(
        "no statement denies everyone but {allowed}: {}",
        reasons.join("; ")
    ))
}

fn deny_all_statement(statement: &Value, allowed: &str) -> Result<(), String> {
    let sid = statement
        .get("Sid")
        .and_then(Value::as_str)
        .unwrap_or("(no Sid)");
    if statement.get("Effect").and_then(Value::as_str) != Some("Deny") {
        return Err(format!("{sid} is not a Deny"));
    }
    let everyone = match statement.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(Value::Object(map)) => map.get("AWS").is_some_and(|aws| strings(aws) == ["*"]),
        _ => false,
    };
    if !everyone {
        return Err(format!("{sid} does not apply to every principal"));
    }
    let actions = statement.get("Action").map(strings).unwrap_or_default();
    if !actions
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case("secretsmanager:*"))
    {
        return Err(format!("{sid} does not deny every action"));
    }
    let Some(Value::Object(condition)) = statement.get("Condition") else {
        return Err(format!(
            "{sid} has no exception, so it denies {allowed} too"
        ));
    };
    let mut excepted = Vec::new();
    for (operator, tests) in condition {
        let Value::Object(tests) = tests else {
            return Err(format!("{sid}: condition {operator} is malformed"));
        };
        for (key, values) in tests {
            let negative = matches!(
                operator.as_str(),
                "StringNotEquals" | "ArnNotEquals" | "StringNotLike" | "ArnNotLike"
            );
            if !negative || !key.eq_ignore_ascii_case("aws:PrincipalArn") {
                return Err(format!(
                    "{sid}: condition {operator} {key} narrows the deny beyond a principal exception"
                ));
            }
            excepted.extend(strings(values));
        }
    }
    if excepted.iter().any(|p| p == allowed) && excepted.iter().all(|p| p == allowed) {
        Ok(())
    } else if excepted.iter().any(|p| p == allowed) {
        Err(format!(
            "{sid} also lets through {}",
            excepted
                .iter()
                .filter(|p| *p != allowed)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Err(format!(
            "{sid} excepts {} but not {allowed}",
            excepted.join(", ")
        ))
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The replica's ARN: the primary's with the region swapped. A name is not enough, because
/// the request must name the replica itself, in its region.
fn replica_arn(secret_id: &str, region: &str) -> Result<String, String> {
    let parts: Vec<&str> = secret_id.splitn(7, ':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "secretsmanager",
            _,
            account,
            "secret",
            name,
        ] => Ok(format!(
            "arn:{partition}:secretsmanager:{region}:{account}:secret:{name}"
        )),
        _ => Err(format!(
            "promote_replica needs the secret's ARN, not `{secret_id}`: the request names the \
             replica in {region} by its ARN"
        )),
    }
}

fn required<'a>(args: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str, String> {
    args.get(key)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("the action needs `{key}`"))
}

/// A list argument: the engine passes lists as JSON arrays of strings; a plain string is one item.
/// Empty items (an optional parameter left out) are dropped.
fn list(args: &BTreeMap<String, String>, key: &str) -> Result<Vec<String>, String> {
    let Some(raw) = args.get(key) else {
        return Err(format!("the action needs `{key}`"));
    };
    let items = match serde_json::from_str::<Vec<String>>(raw) {
        Ok(items) => items,
        Err(_) => vec![raw.clone()],
    };
    Ok(items
        .into_iter()
        .flat_map(|item| {
            item.split(',')
                .map(|part| part.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|item| !item.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/break-glass";

    #[test]
    fn deny_all_preview_shows_the_policy_document_that_is_sent() {
        let call = plan(
            ActionKind::PutDenyAllPolicy,
            &args(&[
                ("secret_id", "prod/db"),
                ("except_principals", &format!("[\"{ROLE}\"]")),
            ]),
        )
        .unwrap();
        assert_eq!(call.operation, "PutResourcePolicy");
        let sent = call.text("ResourcePolicy").unwrap();
        assert!(denies_all_except(sent, ROLE).is_ok());
        let shown = call.to_string();
        assert!(shown.starts_with("secretsmanager:PutResourcePolicy\n"));
        assert!(shown.contains("\"aws:PrincipalArn\""), "{shown}");
        assert!(shown.contains(ROLE));
    }

    #[test]
    fn deny_all_without_exception_is_refused() {
        let error = plan(
            ActionKind::PutDenyAllPolicy,
            &args(&[("secret_id", "s"), ("except_principals", "[\"\"]")]),
        )
        .unwrap_err();
        assert!(error.contains("locks out"), "{error}");
    }

    #[test]
    fn restoring_no_policy_deletes_ours() {
        let call = plan(
            ActionKind::RestorePolicy,
            &args(&[("secret_id", "s"), ("policy", "")]),
        )
        .unwrap();
        assert_eq!(call.operation, "DeleteResourcePolicy");
        let bad = plan(
            ActionKind::RestorePolicy,
            &args(&[("secret_id", "s"), ("policy", "{not json")]),
        );
        assert!(bad.unwrap_err().contains("not a JSON policy"));
    }

    #[test]
    fn tags_are_key_value_pairs() {
        let call = plan(
            ActionKind::Tag,
            &args(&[
                ("secret_id", "s"),
                ("tags", "[\"Incident=INC-1\",\"Compromised=true\"]"),
            ]),
        )
        .unwrap();
        assert_eq!(
            call.body.get("Tags").unwrap(),
            &json!([{"Key":"Incident","Value":"INC-1"},{"Key":"Compromised","Value":"true"}])
        );
        let bad = plan(
            ActionKind::Tag,
            &args(&[("secret_id", "s"), ("tags", "[\"Incident\"]")]),
        );
        assert!(bad.unwrap_err().contains("KEY=VALUE"));
    }

    #[test]
    fn a_policy_with_extra_exceptions_or_allows_does_not_deny_all() {
        let wider = deny_all_policy(&[ROLE.to_string(), "arn:aws:iam::1:role/x".to_string()]);
        let error = denies_all_except(&wider.to_string(), ROLE).unwrap_err();
        assert!(
            error.contains("also lets through arn:aws:iam::1:role/x"),
            "{error}"
        );
        let allow = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*"}});
        assert!(denies_all_except(&allow.to_string(), ROLE).is_err());
        assert!(
            denies_all_except("", ROLE)
                .unwrap_err()
                .contains("no resource policy")
        );
        let other = deny_all_policy(&["arn:aws:iam::1:role/x".to_string()]);
        assert!(
            denies_all_except(&other.to_string(), ROLE)
                .unwrap_err()
                .contains("but not")
        );
    }

    #[test]
    fn promotion_names_the_replica_by_its_arn_in_the_dr_region() {
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
        let call = plan(
            ActionKind::PromoteReplica,
            &args(&[("secret_id", arn), ("region", "us-west-2")]),
        )
        .unwrap();
        assert_eq!(call.operation, "StopReplicationToReplica");
        assert_eq!(
            call.secret_id(),
            "arn:aws:secretsmanager:us-west-2:111122223333:secret:prod/db-AbCdEf"
        );
        let by_name = plan(
            ActionKind::PromoteReplica,
            &args(&[("secret_id", "prod/db"), ("region", "us-west-2")]),
        );
        assert!(by_name.unwrap_err().contains("needs the secret's ARN"));
        let again = plan(
            ActionKind::ReplicateToRegion,
            &args(&[
                ("secret_id", arn),
                ("region", "us-west-2"),
                ("force_overwrite", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(again.body["ForceOverwriteReplicaSecret"], json!(true));
    }

    #[test]
    fn missing_secret_id_is_named() {
        assert!(
            plan(ActionKind::RotateNow, &BTreeMap::new())
                .unwrap_err()
                .contains("secret_id")
        );
    }
}
