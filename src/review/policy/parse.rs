//! IAM's policy grammar: JSON text to a [`PolicyDocument`], or a [`PolicyError`] naming where.

use serde_json::{Map, Value};

use super::document::{
    Condition, Effect, Patterns, PolicyDocument, PolicyError, PolicyPrincipal, Principals,
    Statement, arn_account,
};

/// Parses a resource policy document.
pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
    if text.trim().is_empty() {
        return Err(error("document", "empty text"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let at = format!("line {} column {}", e.line(), e.column());
        let full = e.to_string();
        let what = full.strip_suffix(&format!(" at {at}")).unwrap_or(&full);
        PolicyError {
            message: format!("not valid JSON: {what}"),
            at,
        }
    })?;
    let Value::Object(doc) = value else {
        return Err(error("document", "expected a JSON object"));
    };
    let version = match doc.get("Version") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(other) => return Err(error("Version", &expected("a string", other))),
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(other) => {
            return Err(error(
                "Statement",
                &expected("an object or a list of objects", other),
            ));
        }
        None => return Err(error("document", "no Statement")),
    };
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| statement(i + 1, s))
        .collect::<Result<_, _>>()?;
    Ok(PolicyDocument {
        version,
        statements,
    })
}

fn statement(number: usize, value: &Value) -> Result<Statement, PolicyError> {
    let at = |field: &str| format!("Statement[{number}].{field}");
    let Value::Object(s) = value else {
        return Err(error(
            &format!("Statement[{number}]"),
            &expected("an object", value),
        ));
    };
    let effect = match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(error(
                &at("Effect"),
                &expected("\"Allow\" or \"Deny\"", other),
            ));
        }
        None => return Err(error(&at("Effect"), "missing")),
    };
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(other) => return Err(error(&at("Sid"), &expected("a string", other))),
    };
    let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), None) => principals(p, false, &at("Principal"))?,
        (None, Some(p)) => principals(p, true, &at("NotPrincipal"))?,
        (Some(_), Some(_)) => {
            return Err(error(&at("Principal"), "both Principal and NotPrincipal"));
        }
        (None, None) => {
            return Err(error(
                &format!("Statement[{number}]"),
                "no Principal or NotPrincipal (a resource policy must name who it applies to)",
            ));
        }
    };
    let actions = one_of(s, "Action", "NotAction", &at)?
        .ok_or_else(|| error(&format!("Statement[{number}]"), "no Action or NotAction"))?;
    let resources = one_of(s, "Resource", "NotResource", &at)?.unwrap_or(Patterns {
        not: false,
        list: Vec::new(),
    });
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => conditions(c, &at("Condition"))?,
    };
    Ok(Statement {
        number,
        sid,
        effect,
        principals,
        actions,
        resources,
        conditions,
    })
}

fn principals(value: &Value, not: bool, at: &str) -> Result<Principals, PolicyError> {
    let list = match value {
        Value::String(s) if s == "*" => vec![PolicyPrincipal::Everyone],
        Value::Object(map) => {
            let mut list = Vec::new();
            for (kind, v) in map {
                for text in strings(v, &format!("{at}.{kind}"))? {
                    list.push(principal_entry(kind, &text));
                }
            }
            if list.is_empty() {
                return Err(error(at, "names no principal"));
            }
            list
        }
        other => {
            return Err(error(
                at,
                &expected("\"*\" or an object such as {\"AWS\": ...}", other),
            ));
        }
    };
    Ok(Principals { not, list })
}

fn one_of(
    s: &Map<String, Value>,
    yes: &str,
    no: &str,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<Patterns>, PolicyError> {
    match (s.get(yes), s.get(no)) {
        (Some(_), Some(_)) => Err(error(&at(yes), &format!("both {yes} and {no}"))),
        (Some(v), None) => Ok(Some(Patterns {
            not: false,
            list: strings(v, &at(yes))?,
        })),
        (None, Some(v)) => Ok(Some(Patterns {
            not: true,
            list: strings(v, &at(no))?,
        })),
        (None, None) => Ok(None),
    }
}

fn conditions(value: &Value, at: &str) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = value else {
        return Err(error(at, &expected("an object of operators", value)));
    };
    let mut out = Vec::new();
    for (operator, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(error(
                &format!("{at}.{operator}"),
                &expected("an object of condition keys", keys),
            ));
        };
        for (key, v) in keys {
            let values = match v {
                Value::Array(items) => items
                    .iter()
                    .map(|i| scalar(i, &format!("{at}.{operator}.{key}")))
                    .collect::<Result<_, _>>()?,
                other => vec![scalar(other, &format!("{at}.{operator}.{key}"))?],
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

/// A string, or a list of strings (IAM's "string or list" values).
fn strings(value: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(error(at, &expected("a string in the list", other))),
            })
            .collect(),
        other => Err(error(at, &expected("a string or a list of strings", other))),
    }
}

fn scalar(value: &Value, at: &str) -> Result<String, PolicyError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(error(at, &expected("a string, number or boolean", other))),
    }
}

pub(super) fn aws_principal(value: String) -> PolicyPrincipal {
    if value == "*" {
        return PolicyPrincipal::Everyone;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return PolicyPrincipal::Account(value);
    }
    if is_unique_id(&value) {
        return PolicyPrincipal::UniqueId(value);
    }
    let resource = value.splitn(6, ':').nth(5).unwrap_or_default();
    let service = value.split(':').nth(2).unwrap_or_default();
    match (service, resource) {
        ("iam", "root") => match arn_account(&value) {
            Some(a) => PolicyPrincipal::Account(a.to_string()),
            None => PolicyPrincipal::Other {
                kind: "AWS".into(),
                value,
            },
        },
        ("iam", r) if r.starts_with("role/") => PolicyPrincipal::Role(value),
        ("iam", r) if r.starts_with("user/") => PolicyPrincipal::User(value),
        ("sts", r) if r.starts_with("assumed-role/") => PolicyPrincipal::Session(value),
        _ => PolicyPrincipal::Other {
            kind: "AWS".into(),
            value,
        },
    }
}

/// IAM unique ids: `AIDA`/`AROA`/`AGPA`... followed by upper-case letters and digits.
fn is_unique_id(text: &str) -> bool {
    text.len() >= 16
        && text.starts_with('A')
        && !text.starts_with("arn:")
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// One entry of a Principal object: `"AWS"`, `"Service"`, `"Federated"`...
fn principal_entry(kind: &str, value: &str) -> PolicyPrincipal {
    let value = value.trim().to_string();
    match kind {
        "AWS" => aws_principal(value),
        "Service" => PolicyPrincipal::Service(value),
        "Federated" => PolicyPrincipal::Federated(value),
        "CanonicalUser" => PolicyPrincipal::CanonicalUser(value),
        _ => PolicyPrincipal::Other {
            kind: kind.to_string(),
            value,
        },
    }
}

fn error(at: &str, message: &str) -> PolicyError {
    PolicyError {
        at: at.to_string(),
        message: message.to_string(),
    }
}

fn expected(what: &str, got: &Value) -> String {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    format!("expected {what}, found {kind}")
}
