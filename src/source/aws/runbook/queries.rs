//! Evidence queries: DescribeSecret, GetResourcePolicy, ListSecretVersionIds and CloudTrail
//! reads, each as the JSON later steps read and one line for the operator.
//!
//! `who_read` answers one JSON object in every case:
//! `{"since": RFC 3339, "regions": [regions read], "unavailable": ["us-west-2: down (...)"],
//! "readers": [Reader...]}` (readers most recent first, `trail::analysis::Reader` fields). It
//! fails only when no region's CloudTrail could be read.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::RequestId;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::ReplicationStatusType;
use chrono::{DateTime, SecondsFormat, SubsecRound, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::executor::AwsExecutor;
use super::reads;
use super::step_error::{fatal, required, sdk_error};
use crate::incident::QueryOutput;
use crate::runbook::QueryKind;
use crate::runbook::engine::StepError;
use crate::runbook::values::parse_duration_secs;
use crate::source::aws::convert::time;

pub(super) async fn run(
    exec: &AwsExecutor,
    query: QueryKind,
    args: &BTreeMap<String, String>,
) -> Result<QueryOutput, StepError> {
    let secret_id = required(args, "secret_id")?;
    match query {
        QueryKind::DescribeSecret => describe_secret(exec, secret_id).await,
        QueryKind::ResourcePolicy => resource_policy(exec, secret_id).await,
        QueryKind::Versions => versions(exec, secret_id).await,
        QueryKind::ReplicaStatus => replica_status(exec, secret_id).await,
        QueryKind::WhoRead => who_read(exec, secret_id, args).await,
        QueryKind::LeakMatch => Err(crate::incident::leak_match::not_here()),
    }
}

async fn describe_secret(exec: &AwsExecutor, secret_id: &str) -> Result<QueryOutput, StepError> {
    let cell = exec.locate(secret_id)?;
    let (out, request_id) = exec.describe(&cell, secret_id).await?;
    Ok(QueryOutput {
        value: describe_json(&out).to_string(),
        summary: describe_summary(&out, &cell.region),
        request_ids: request_id.into_iter().collect(),
    })
}

async fn resource_policy(exec: &AwsExecutor, secret_id: &str) -> Result<QueryOutput, StepError> {
    let (policy, request_id) = exec.resource_policy(secret_id).await?;
    let summary = if policy.trim().is_empty() {
        "no resource policy (access decided by IAM alone)".to_string()
    } else {
        match statement_count(&policy) {
            Some(n) => plural(n, "statement"),
            None => "a resource policy that is not valid JSON".to_string(),
        }
    };
    Ok(QueryOutput {
        value: policy,
        summary,
        request_ids: request_id.into_iter().collect(),
    })
}

async fn versions(exec: &AwsExecutor, secret_id: &str) -> Result<QueryOutput, StepError> {
    let (versions, request_ids) = list_versions(exec, secret_id).await?;
    let value: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({
                "VersionId": v.id,
                "Stages": v.stages,
                "CreatedDate": v.created.map(rfc3339),
                "LastAccessedDate": v.last_accessed.map(rfc3339),
            })
        })
        .collect();
    let current = versions.iter().find(|v| v.is_current());
    let summary = match current {
        Some(v) => format!(
            "{}; AWSCURRENT {} created {}",
            plural(versions.len(), "version"),
            short_id(&v.id),
            v.created.map_or("(no date)".to_string(), |t| t
                .format("%Y-%m-%d %H:%M UTC")
                .to_string())
        ),
        None => format!("{}; none is AWSCURRENT", plural(versions.len(), "version")),
    };
    Ok(QueryOutput {
        value: Value::Array(value).to_string(),
        summary,
        request_ids,
    })
}

async fn replica_status(exec: &AwsExecutor, secret_id: &str) -> Result<QueryOutput, StepError> {
    let described = exec.describe_primary(secret_id).await?;
    let replicas = described.out.replication_status();
    let summary = if replicas.is_empty() {
        format!("{}: no replicas", described.name())
    } else {
        let each: Vec<String> = replicas
            .iter()
            .map(|r| {
                let status = status_text(r);
                match r.status_message().filter(|_| status != "InSync") {
                    Some(message) => format!("{} {status} ({message})", region_text(r)),
                    None => format!("{} {status}", region_text(r)),
                }
            })
            .collect();
        format!("{}: {}", plural(replicas.len(), "replica"), each.join(", "))
    };
    Ok(QueryOutput {
        value: Value::Array(replicas.iter().map(replica_json).collect()).to_string(),
        summary,
        request_ids: described.request_ids,
    })
}

async fn who_read(
    exec: &AwsExecutor,
    secret_id: &str,
    args: &BTreeMap<String, String>,
) -> Result<QueryOutput, StepError> {
    let lookback = args
        .get("lookback")
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .unwrap_or("90d");
    let not_a_duration = || {
        fatal(format!(
            "`lookback` {lookback:?} is not a duration like 90d"
        ))
    };
    let secs = parse_duration_secs(lookback)
        .filter(|s| *s > 0)
        .ok_or_else(not_a_duration)?;
    let span = i64::try_from(secs)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(not_a_duration)?;
    let include_replicas = match args.get("include_replicas").map(|v| v.trim()) {
        None | Some("") | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(fatal(format!(
                "`include_replicas` is {other:?}; use true or false"
            )));
        }
    };
    let described = exec.describe_primary(secret_id).await?;
    let places = reads::places(&described, include_replicas);
    let end = Utc::now();
    let start = end.checked_sub_signed(span).ok_or_else(not_a_duration)?;
    // LookupEvents holds 90 days (older start times only risk an InvalidTimeRange answer);
    // the organization trail, when there is one, answers the rest.
    let lookup = reads::lookup(exec, &places, start, end).await;
    let unavailable = lookup.unavailable_lines();
    if lookup.searched.is_empty() {
        return Err(StepError {
            transient: lookup.all_transient(),
            message: format!(
                "CloudTrail could not be read for {}: {}",
                described.name(),
                unavailable.join("; ")
            ),
        });
    }
    let index = reads::index(&described, &places, lookup.events);
    let readers = index.readers(&reads::arns(&places), Some(start));
    let successful: usize = readers.iter().map(|r| r.reads).sum();
    let principals = readers.iter().filter(|r| r.reads > 0).count();
    let denied: usize = readers.iter().map(|r| r.denied).sum();
    let failed: usize = readers.iter().map(|r| r.failed).sum();
    let replicas = places.len() - 1;
    let scope = match (include_replicas, replicas) {
        (false, _) => "primary region only".to_string(),
        (true, 0) => "primary region; no replicas".to_string(),
        (true, n) => format!("primary + {}", plural(n, "replica region")),
    };
    let mut summary = format!(
        "{} by {} in {lookback} ({scope})",
        plural(successful, "read"),
        plural(principals, "principal")
    );
    if denied > 0 {
        summary.push_str(&format!("; {} denied", plural(denied, "attempt")));
    }
    if failed > 0 {
        summary.push_str(&format!("; {} failed otherwise", plural(failed, "attempt")));
    }
    if !unavailable.is_empty() {
        let regions: Vec<&str> = lookup.unavailable.iter().map(|(r, _)| r.as_str()).collect();
        summary.push_str(&format!(
            "; CloudTrail UNAVAILABLE in {}: reads there are not counted",
            regions.join(", ")
        ));
    }
    match &lookup.trail {
        Some(trail) => summary.push_str(&format!("; {}", trail.line())),
        None if secs > reads::LOOKUP_EVENTS_DAYS as u64 * 86_400 => summary.push_str(
            "; LookupEvents keeps 90 days, older reads need the organization trail (--athena)",
        ),
        None => {}
    }
    let value = json!({
        "since": rfc3339(start.trunc_subsecs(0)),
        "regions": lookup.searched,
        "unavailable": unavailable,
        "readers": readers,
    });
    Ok(QueryOutput {
        value: value.to_string(),
        summary,
        request_ids: described.request_ids,
    })
}

/// One entry of ListSecretVersionIds.
pub(super) struct VersionRow {
    pub id: String,
    pub stages: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    pub last_accessed: Option<DateTime<Utc>>,
}

impl VersionRow {
    pub fn is_current(&self) -> bool {
        self.stages.iter().any(|s| s == "AWSCURRENT")
    }
}

/// Every version, deprecated ones included, newest first; with the request ids of the pages.
pub(super) async fn list_versions(
    exec: &AwsExecutor,
    secret_id: &str,
) -> Result<(Vec<VersionRow>, Vec<String>), StepError> {
    let cell = exec.locate(secret_id)?;
    let client = exec.secrets(&cell)?;
    let mut pages = client
        .list_secret_version_ids()
        .secret_id(secret_id)
        .include_deprecated(true)
        .into_paginator()
        .send();
    let mut versions = Vec::new();
    let mut request_ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("ListSecretVersionIds", &cell.region, e))?;
        request_ids.extend(page.request_id().map(str::to_string));
        versions.extend(page.versions().iter().map(|v| VersionRow {
            id: v.version_id().unwrap_or_default().to_string(),
            stages: v.version_stages().to_vec(),
            created: time(v.created_date()),
            last_accessed: time(v.last_accessed_date()),
        }));
    }
    versions.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    Ok((versions, request_ids))
}

/// DescribeSecret's answer as compact JSON, in the API's spelling; absent fields are left out.
fn describe_json(out: &DescribeSecretOutput) -> Value {
    let mut doc = Map::new();
    let mut text = |key: &str, value: Option<&str>| {
        if let Some(v) = value {
            doc.insert(key.to_string(), json!(v));
        }
    };
    text("Name", out.name());
    text("ARN", out.arn());
    text("Description", out.description());
    text("KmsKeyId", out.kms_key_id());
    text("RotationLambdaARN", out.rotation_lambda_arn());
    text("PrimaryRegion", out.primary_region());
    text("OwningService", out.owning_service());
    doc.insert(
        "RotationEnabled".to_string(),
        json!(out.rotation_enabled().unwrap_or(false)),
    );
    if let Some(rules) = out.rotation_rules() {
        let mut r = Map::new();
        if let Some(days) = rules.automatically_after_days() {
            r.insert("AutomaticallyAfterDays".to_string(), json!(days));
        }
        if let Some(d) = rules.duration() {
            r.insert("Duration".to_string(), json!(d));
        }
        if let Some(e) = rules.schedule_expression() {
            r.insert("ScheduleExpression".to_string(), json!(e));
        }
        doc.insert("RotationRules".to_string(), Value::Object(r));
    }
    for (key, date) in [
        ("CreatedDate", out.created_date()),
        ("LastRotatedDate", out.last_rotated_date()),
        ("LastChangedDate", out.last_changed_date()),
        ("LastAccessedDate", out.last_accessed_date()),
        ("DeletedDate", out.deleted_date()),
        ("NextRotationDate", out.next_rotation_date()),
    ] {
        if let Some(t) = time(date) {
            doc.insert(key.to_string(), json!(rfc3339(t)));
        }
    }
    let tags: Vec<Value> = out
        .tags()
        .iter()
        .map(
            |t| json!({"Key": t.key().unwrap_or_default(), "Value": t.value().unwrap_or_default()}),
        )
        .collect();
    doc.insert("Tags".to_string(), Value::Array(tags));
    let stages: BTreeMap<&str, &Vec<String>> = out
        .version_ids_to_stages()
        .map(|m| m.iter().map(|(id, s)| (id.as_str(), s)).collect())
        .unwrap_or_default();
    doc.insert("VersionIdsToStages".to_string(), json!(stages));
    let replicas: Vec<Value> = out.replication_status().iter().map(replica_json).collect();
    doc.insert("ReplicationStatus".to_string(), Value::Array(replicas));
    Value::Object(doc)
}

/// e.g. `prod/db: rotation on every 30d, 3 versions, 2 replicas (us-west-2 InSync, ...)`.
fn describe_summary(out: &DescribeSecretOutput, region: &str) -> String {
    let name = out.name().or(out.arn()).unwrap_or("(unnamed secret)");
    let rules = out.rotation_rules();
    let rotation = match (out.rotation_enabled().unwrap_or(false), rules) {
        (false, _) => "rotation off".to_string(),
        (true, Some(r)) if r.schedule_expression().is_some() => {
            format!(
                "rotation on ({})",
                r.schedule_expression().unwrap_or_default()
            )
        }
        (true, Some(r)) if r.automatically_after_days().is_some() => {
            format!(
                "rotation on every {}d",
                r.automatically_after_days().unwrap_or_default()
            )
        }
        (true, _) => "rotation on".to_string(),
    };
    let versions = out.version_ids_to_stages().map_or(0, |m| m.len());
    let mut parts = vec![rotation, plural(versions, "version")];
    match out
        .primary_region()
        .filter(|p| !p.is_empty() && *p != region)
    {
        Some(primary) => parts.push(format!("replica of the primary in {primary}")),
        None => {
            let replicas = out.replication_status();
            if replicas.is_empty() {
                parts.push("no replicas".to_string());
            } else {
                let each: Vec<String> = replicas
                    .iter()
                    .map(|r| format!("{} {}", region_text(r), status_text(r)))
                    .collect();
                parts.push(format!(
                    "{} ({})",
                    plural(replicas.len(), "replica"),
                    each.join(", ")
                ));
            }
        }
    }
    if let Some(deleted) = time(out.deleted_date()) {
        parts.push(format!(
            "SCHEDULED FOR DELETION on {}",
            deleted.format("%Y-%m-%d")
        ));
    }
    format!("{name}: {}", parts.join(", "))
}

/// One ReplicationStatus entry; absent fields are left out.
fn replica_json(r: &ReplicationStatusType) -> Value {
    let fields = [
        ("Region", r.region().map(str::to_string)),
        ("KmsKeyId", r.kms_key_id().map(str::to_string)),
        ("Status", r.status().map(|s| s.as_str().to_string())),
        ("StatusMessage", r.status_message().map(str::to_string)),
        (
            "LastAccessedDate",
            time(r.last_accessed_date()).map(rfc3339),
        ),
    ];
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key.to_string(), Value::String(v))))
            .collect(),
    )
}

pub(super) fn region_text(r: &ReplicationStatusType) -> &str {
    r.region().unwrap_or("(no region)")
}

pub(super) fn status_text(r: &ReplicationStatusType) -> &str {
    r.status().map_or("(no status)", |s| s.as_str())
}

fn statement_count(policy: &str) -> Option<usize> {
    let doc: Value = serde_json::from_str(policy).ok()?;
    Some(match doc.get("Statement") {
        Some(Value::Array(items)) => items.len(),
        Some(Value::Object(_)) => 1,
        _ => 0,
    })
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The first 8 characters of a version id, for one-line summaries.
pub(super) fn short_id(id: &str) -> String {
    match id.char_indices().nth(8) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_string(),
    }
}

/// `1 read`, `3 reads`.
pub(super) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::super::executor::current_version;
    use super::*;

    #[test]
    fn summaries_read_like_sentences() {
        assert_eq!(plural(1, "read"), "1 read");
        assert_eq!(plural(0, "principal"), "0 principals");
        assert_eq!(short_id("7f1c2a3b-1111-2222"), "7f1c2a3b…");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(statement_count(r#"{"Statement":[{},{}]}"#), Some(2));
        assert_eq!(statement_count(r#"{"Statement":{}}"#), Some(1));
        assert_eq!(statement_count("{nope"), None);
    }

    #[test]
    fn describe_json_keeps_api_names_and_rfc3339_dates() {
        use aws_sdk_secretsmanager::types::{RotationRulesType, StatusType, Tag};
        let out = DescribeSecretOutput::builder()
            .name("prod/db")
            .arn("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbC123")
            .rotation_enabled(true)
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .last_rotated_date(aws_smithy_types::DateTime::from_secs(1_767_225_600))
            .tags(Tag::builder().key("Owner").value("team-a").build())
            .version_ids_to_stages("v1", vec!["AWSCURRENT".to_string()])
            .replication_status(
                ReplicationStatusType::builder()
                    .region("us-west-2")
                    .status(StatusType::InSync)
                    .build(),
            )
            .build();
        let doc = describe_json(&out);
        assert_eq!(doc["LastRotatedDate"], "2026-01-01T00:00:00Z");
        assert_eq!(doc["RotationRules"]["AutomaticallyAfterDays"], 30);
        assert_eq!(doc["Tags"][0]["Key"], "Owner");
        assert_eq!(doc["VersionIdsToStages"]["v1"][0], "AWSCURRENT");
        assert_eq!(doc["ReplicationStatus"][0]["Status"], "InSync");
        assert!(doc.get("Description").is_none());
        assert_eq!(
            describe_summary(&out, "us-east-1"),
            "prod/db: rotation on every 30d, 1 version, 1 replica (us-west-2 InSync)"
        );
        assert_eq!(current_version(&out), Some("v1"));
    }
}
