//! Checks: each reads its evidence fresh from AWS and says, line by line, what it saw. A check
//! that cannot reach its evidence fails and says what could not be reached and why.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

use super::executor::{AwsExecutor, arn_in_region, current_version};
use super::queries::{list_versions, plural, region_text, rfc3339, status_text};
use super::reads;
use super::step_error::required;
use crate::domain::Cell;
use crate::incident::CheckOutcome;
use crate::runbook::calls::denies_all_except;
use crate::runbook::engine::StepError;
use crate::trail::Principal;
use crate::trail::analysis::EventIndex;

/// How late CloudTrail may deliver an event to LookupEvents.
const DELIVERY_DELAY: TimeDelta = TimeDelta::minutes(15);

/// A failed check's detail.
type Failed = String;

pub(super) async fn run(
    exec: &AwsExecutor,
    assertion: &str,
    args: &BTreeMap<String, String>,
) -> CheckOutcome {
    let result = match assertion {
        "current_version_changed_since" => current_version_changed_since(exec, args).await,
        "replicas_in_sync" => replicas_in_sync(exec, args).await,
        "replicated_to" => replicated_to(exec, args).await,
        "no_reads_by" => no_reads_by(exec, args).await,
        "policy_denies_all_except" => policy_denies_all_except(exec, args).await,
        other => Err(format!(
            "unknown check `{other}`: this executor knows current_version_changed_since, \
             replicas_in_sync, replicated_to, no_reads_by and policy_denies_all_except"
        )),
    };
    result.unwrap_or_else(|detail| CheckOutcome {
        passed: false,
        detail,
    })
}

fn outcome(passed: bool, detail: impl Into<String>) -> Result<CheckOutcome, Failed> {
    Ok(CheckOutcome {
        passed,
        detail: detail.into(),
    })
}

async fn current_version_changed_since(
    exec: &AwsExecutor,
    args: &BTreeMap<String, String>,
) -> Result<CheckOutcome, Failed> {
    let secret_id = arg(args, "secret_id")?;
    let since = time_arg(args, "since")?;
    let (versions, _) = list_versions(exec, secret_id)
        .await
        .map_err(|e| unreachable(&format!("the versions of {secret_id}"), &e))?;
    let Some(current) = versions.iter().find(|v| v.is_current()) else {
        return outcome(false, format!("no version of {secret_id} is AWSCURRENT"));
    };
    let since_text = rfc3339(since);
    match current.created {
        None => outcome(
            false,
            format!(
                "AWSCURRENT {} has no CreatedDate, so a change since {since_text} cannot be shown",
                current.id
            ),
        ),
        Some(created) if created > since => outcome(
            true,
            format!(
                "AWSCURRENT {} was created {}, after {since_text}",
                current.id,
                rfc3339(created)
            ),
        ),
        Some(created) => outcome(
            false,
            format!(
                "AWSCURRENT {} was created {}, not after {since_text}: the secret has not been \
                 rotated since then",
                current.id,
                rfc3339(created)
            ),
        ),
    }
}

async fn replicas_in_sync(
    exec: &AwsExecutor,
    args: &BTreeMap<String, String>,
) -> Result<CheckOutcome, Failed> {
    let secret_id = arg(args, "secret_id")?;
    let primary = exec
        .describe_primary(secret_id)
        .await
        .map_err(|e| unreachable(&format!("the primary of {secret_id}"), &e))?;
    let replicas = primary.out.replication_status();
    if replicas.is_empty() {
        return outcome(true, "no replicas");
    }
    let primary_region = primary.cell.region.as_str();
    let primary_current = primary.current_version();
    let mut lines = vec![match primary_current {
        Some(id) => format!("{primary_region} (primary): AWSCURRENT {id}"),
        None => format!("{primary_region} (primary): no version is AWSCURRENT"),
    }];
    let mut passed = primary_current.is_some();
    let mut failing = Vec::new();
    let described = futures::future::join_all(replicas.iter().map(|r| {
        let region = region_text(r).to_string();
        let arn = arn_in_region(primary.arn(), &region);
        let cell = Cell::new(&primary.cell.account, &region);
        async move { exec.describe(&cell, &arn).await }
    }))
    .await;
    for (replica, answer) in replicas.iter().zip(described) {
        let region = region_text(replica);
        let status = status_text(replica);
        let mut problems = Vec::new();
        if status != "InSync" {
            problems.push(match replica.status_message() {
                Some(message) => format!("status {status} ({message})"),
                None => format!("status {status}"),
            });
        }
        match answer {
            Err(e) => {
                let verb = if e.transient {
                    "could not be reached"
                } else {
                    "could not be read"
                };
                let why = e
                    .message
                    .strip_prefix(&format!("{region}: "))
                    .unwrap_or(&e.message);
                problems.push(format!("{verb}: {why}"));
            }
            Ok((out, _)) => match (current_version(&out), primary_current) {
                (Some(replica_current), Some(primary_current))
                    if replica_current == primary_current => {}
                (replica_current, primary_current) => problems.push(format!(
                    "drift: replica AWSCURRENT {}, primary {}",
                    replica_current.unwrap_or("(none)"),
                    primary_current.unwrap_or("(none)")
                )),
            },
        }
        if problems.is_empty() {
            lines.push(format!(
                "{region}: InSync, AWSCURRENT {} as on the primary",
                primary_current.unwrap_or_default()
            ));
        } else {
            passed = false;
            let line = format!("{region}: {}", problems.join("; "));
            failing.push(line.clone());
            lines.push(line);
        }
    }
    // The first line is the verdict: a run that stops on this check shows it.
    let verdict = if passed {
        format!(
            "all {} replicas InSync with the primary's AWSCURRENT",
            replicas.len()
        )
    } else if failing.is_empty() {
        format!("{primary_region} (primary): no version is AWSCURRENT")
    } else {
        format!(
            "{} of {} replicas not in sync: {}",
            failing.len(),
            replicas.len(),
            failing.join(" | ")
        )
    };
    lines.insert(0, verdict);
    outcome(passed, lines.join("\n"))
}

async fn replicated_to(
    exec: &AwsExecutor,
    args: &BTreeMap<String, String>,
) -> Result<CheckOutcome, Failed> {
    let secret_id = arg(args, "secret_id")?;
    let wanted = regions(args.get("regions").map(String::as_str).unwrap_or_default());
    if wanted.is_empty() {
        return outcome(true, "no DR regions required");
    }
    let primary = exec
        .describe_primary(secret_id)
        .await
        .map_err(|e| unreachable(&format!("the primary of {secret_id}"), &e))?;
    let replicas = primary.out.replication_status();
    let mut missing = Vec::new();
    let mut lines = Vec::new();
    for region in &wanted {
        if *region == primary.cell.region {
            lines.push(format!("{region}: the primary region"));
            continue;
        }
        match replicas
            .iter()
            .find(|r| r.region() == Some(region.as_str()))
        {
            None => {
                missing.push(region.as_str());
                lines.push(format!("{region}: MISSING, no replica there"));
            }
            Some(r) if status_text(r) == "InSync" => {
                lines.push(format!("{region}: replica InSync"))
            }
            Some(r) => lines.push(format!(
                "{region}: replica present but {} ({}) -- warning: not in sync",
                status_text(r),
                r.status_message().unwrap_or("no status message")
            )),
        }
    }
    let head = if missing.is_empty() {
        format!("replicated to every DR region ({})", wanted.join(", "))
    } else {
        format!("not replicated to {}", missing.join(", "))
    };
    outcome(missing.is_empty(), format!("{head}\n{}", lines.join("\n")))
}

async fn no_reads_by(
    exec: &AwsExecutor,
    args: &BTreeMap<String, String>,
) -> Result<CheckOutcome, Failed> {
    let secret_id = arg(args, "secret_id")?;
    let principal = arg(args, "principal")?;
    let since = time_arg(args, "since")?;
    let primary = exec
        .describe_primary(secret_id)
        .await
        .map_err(|e| unreachable(&format!("the regions of {secret_id}"), &e))?;
    let places = reads::places(&primary, true);
    let now = Utc::now();
    let lookup = reads::lookup(exec, &places, since, now.max(since)).await;
    let unavailable = lookup.unavailable_lines();
    let searched = lookup.searched.join(", ");
    let index = reads::index(&primary, &places, lookup.events);
    let verdict = reads_by(&index, principal, since);
    let since_text = rfc3339(since);
    if let Some(last) = verdict.last {
        let event = &index.events[last];
        let mut detail = format!(
            "{} by {principal} since {since_text}; the last at {} from {} in {} as {}",
            plural(verdict.theirs, "successful read"),
            rfc3339(event.time),
            event.source_ip.as_deref().unwrap_or("(no IP)"),
            event.region,
            index.principal_label(last)
        );
        if !unavailable.is_empty() {
            detail.push_str(&format!(
                "\nCloudTrail could not be read in {}",
                unavailable.join("; ")
            ));
        }
        return outcome(false, detail);
    }
    if lookup.searched.is_empty() || !unavailable.is_empty() {
        let mut detail = format!(
            "CloudTrail could not be read in {}: reads there cannot be ruled out",
            unavailable.join("; ")
        );
        if !searched.is_empty() {
            detail.push_str(&format!(
                "\nno reads by {principal} since {since_text} in {searched}"
            ));
        }
        return outcome(false, detail);
    }
    let mut detail = format!(
        "no reads by {principal} since {since_text} in {searched}; {} by other principals seen",
        plural(verdict.others, "read")
    );
    if verdict.refused > 0 {
        detail.push_str(&format!(
            "; {} by {principal} refused or failed",
            plural(verdict.refused, "attempt")
        ));
    }
    detail.push_str(&format!(
        ". CloudTrail can deliver events up to 15 minutes late: reads after {} may not show yet",
        rfc3339((now - DELIVERY_DELAY).trunc_subsecs(0))
    ));
    outcome(true, detail)
}

async fn policy_denies_all_except(
    exec: &AwsExecutor,
    args: &BTreeMap<String, String>,
) -> Result<CheckOutcome, Failed> {
    let secret_id = arg(args, "secret_id")?;
    let principal = arg(args, "principal")?;
    let (policy, _) = exec
        .resource_policy(secret_id)
        .await
        .map_err(|e| unreachable(&format!("the resource policy of {secret_id}"), &e))?;
    match denies_all_except(&policy, principal) {
        Ok(()) => outcome(
            true,
            format!("the attached resource policy denies every principal but {principal}"),
        ),
        Err(reason) => outcome(false, reason),
    }
}

/// Reads of the secret since a time, split into the principal's and everyone else's.
struct ReadsBy {
    /// Successful reads by the principal.
    theirs: usize,
    /// Its most recent one (an index into the event index).
    last: Option<usize>,
    /// Its reads that were refused or failed.
    refused: usize,
    /// Successful reads by anyone else.
    others: usize,
}

fn reads_by(index: &EventIndex, principal: &str, since: DateTime<Utc>) -> ReadsBy {
    let mut verdict = ReadsBy {
        theirs: 0,
        last: None,
        refused: 0,
        others: 0,
    };
    // Newest first, so the first match is the last read.
    for (i, event) in index.events.iter().enumerate() {
        if !event.is_read() || event.time < since || index.arns[i].is_empty() {
            continue;
        }
        let by_them = is_principal(principal, &event.principal);
        match (by_them, event.failed()) {
            (true, false) => {
                verdict.theirs += 1;
                verdict.last.get_or_insert(i);
            }
            (true, true) => verdict.refused += 1,
            (false, false) => verdict.others += 1,
            (false, true) => {}
        }
    }
    verdict
}

/// An ARN matches the caller's ARN or, for an assumed-role session, the role behind it; a
/// 12-digit account id matches every caller of that account.
fn is_principal(wanted: &str, caller: &Principal) -> bool {
    let wanted = wanted.trim();
    if wanted.len() == 12 && wanted.chars().all(|c| c.is_ascii_digit()) {
        return caller.account.as_deref() == Some(wanted);
    }
    caller.arn.as_deref() == Some(wanted) || caller.role_arn.as_deref() == Some(wanted)
}

fn arg<'a>(args: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str, Failed> {
    required(args, key).map_err(|e| e.message)
}

fn time_arg(args: &BTreeMap<String, String>, key: &str) -> Result<DateTime<Utc>, Failed> {
    let text = arg(args, key)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("`{key}` {text:?} is not an RFC 3339 time like 2025-03-01T09:30:00Z ({e})")
        })
}

/// A region list: comma-separated or a JSON array of strings.
fn regions(text: &str) -> Vec<String> {
    let items = serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_else(|_| text.split(',').map(str::to_string).collect());
    let mut regions: Vec<String> = Vec::new();
    for item in items.iter().flat_map(|i| i.split(',')) {
        let item = item.trim();
        if !item.is_empty() && !regions.iter().any(|r| r == item) {
            regions.push(item.to_string());
        }
    }
    regions
}

fn unreachable(what: &str, error: &StepError) -> Failed {
    let verb = if error.transient {
        "could not be reached"
    } else {
        "could not be read"
    };
    format!("{what} {verb}: {}", error.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::PrincipalKind;

    fn caller(arn: &str, role: Option<&str>, account: &str) -> Principal {
        Principal {
            kind: PrincipalKind::AssumedRole,
            arn: Some(arn.to_string()),
            account: Some(account.to_string()),
            name: None,
            role_arn: role.map(str::to_string),
            invoked_by: None,
            access_key_id: None,
        }
    }

    #[test]
    fn a_principal_matches_by_arn_role_or_account() {
        let session = caller(
            "arn:aws:sts::111122223333:assumed-role/app/i-1",
            Some("arn:aws:iam::111122223333:role/app"),
            "111122223333",
        );
        assert!(is_principal("arn:aws:iam::111122223333:role/app", &session));
        assert!(is_principal(
            "arn:aws:sts::111122223333:assumed-role/app/i-1",
            &session
        ));
        assert!(is_principal("111122223333", &session));
        assert!(!is_principal("444455556666", &session));
        assert!(!is_principal(
            "arn:aws:iam::111122223333:role/other",
            &session
        ));
    }

    #[test]
    fn region_lists_come_comma_separated_or_as_json() {
        assert_eq!(regions("us-west-2, eu-west-1,"), ["us-west-2", "eu-west-1"]);
        assert_eq!(regions(r#"["us-west-2","us-west-2"]"#), ["us-west-2"]);
        assert!(regions("").is_empty());
    }
}
