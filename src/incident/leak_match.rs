//! The `leak_match` query: what the incident's journaled `strongroom leak-check` found for the
//! secret. The driver answers it from the local journal (no AWS call, no value): `current`,
//! `previous`, `pending` (the newest stage among the secret's matched versions), `none` (the
//! check covered the secret and no version matched), `incomplete` (no match, but reads failed),
//! or `unknown` (no check of this incident covered the secret yet).

use std::collections::BTreeMap;

use serde_json::Value;

use super::executor::QueryOutput;
use crate::runbook::engine::StepError;
use crate::store::journal::Journal;

/// Executors never see `leak_match`: the driver answers it.
pub fn not_here() -> StepError {
    StepError {
        transient: false,
        message: "leak_match is answered from the journal by the incident driver".to_string(),
    }
}

pub fn answer(
    journal: &Journal,
    args: &BTreeMap<String, String>,
) -> Result<QueryOutput, StepError> {
    let arg = |k: &str| args.get(k).map(|v| v.trim()).unwrap_or_default();
    let (secret, incident) = (arg("secret_id"), arg("incident"));
    if secret.is_empty() || incident.is_empty() {
        return Err(StepError {
            transient: false,
            message: "leak_match needs `secret_id` and `incident`".to_string(),
        });
    }
    let checks = journal.leak_checks(Some(incident)).map_err(|e| StepError {
        transient: true,
        message: e.to_string(),
    })?;
    let Some(check) = checks.iter().find(|c| c.covered(secret)) else {
        return Ok(QueryOutput {
            value: "unknown".to_string(),
            summary: format!(
                "no leak check of {incident} covered {secret}: without the leaked value, treat \
                 it as live. With it: strongroom leak-check --incident {incident} --secrets \
                 '{secret}' --read-values (the value on standard input)"
            ),
            request_ids: Vec::new(),
        });
    };
    let matches = check.matches_of(secret);
    let has = |stage: &str| {
        matches.iter().any(|m| {
            m["stages"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == stage))
        })
    };
    let word = if has("AWSCURRENT") {
        "current"
    } else if has("AWSPREVIOUS") {
        "previous"
    } else if !matches.is_empty() {
        "pending"
    } else if check.record["verdict"] == "incomplete" {
        "incomplete"
    } else {
        "none"
    };
    let versions: Vec<String> = matches
        .iter()
        .map(|m| {
            format!(
                "{} [{}]{}",
                m["version_id"].as_str().unwrap_or("?"),
                stages(m),
                m["field"]
                    .as_str()
                    .map(|f| format!(" field {f}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    Ok(QueryOutput {
        value: word.to_string(),
        summary: format!(
            "{word}: leak check {} by {} at {}{}",
            check.id,
            check.operator,
            check.at.format("%Y-%m-%d %H:%M UTC"),
            if versions.is_empty() {
                String::new()
            } else {
                format!(", matched {}", versions.join("; "))
            }
        ),
        request_ids: Vec::new(),
    })
}

fn stages(m: &Value) -> String {
    m["stages"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(secret: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("secret_id".to_string(), secret.to_string()),
            ("incident".to_string(), "INC-9".to_string()),
        ])
    }

    #[test]
    fn the_incidents_check_answers_for_the_secret_it_covered() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        assert_eq!(answer(&j, &args("prod/stripe")).unwrap().value, "unknown");
        let record = json!({
            "verdict": "previous",
            "candidates": [{"name": "prod/stripe", "arn": "a1"}, {"name": "prod/db", "arn": "a2"}],
            "matches": [{"secret": "prod/stripe", "arn": "a1", "version_id": "v1",
                         "stages": ["AWSPREVIOUS"], "part": "field", "field": "apiKey"}],
        });
        j.record_leak_check(chrono::Utc::now(), "alice", "gist", Some("INC-9"), &record)
            .unwrap();
        let out = answer(&j, &args("prod/stripe")).unwrap();
        assert_eq!(out.value, "previous");
        assert!(
            out.summary.contains("v1 [AWSPREVIOUS] field apiKey"),
            "{}",
            out.summary
        );
        assert_eq!(answer(&j, &args("prod/db")).unwrap().value, "none");
        assert_eq!(answer(&j, &args("prod/other")).unwrap().value, "unknown");
        // Another incident's check does not count.
        let mut other = args("prod/stripe");
        other.insert("incident".into(), "INC-10".into());
        assert_eq!(answer(&j, &other).unwrap().value, "unknown");
    }
}
