//! Reaching many accounts from one starting identity: the organization's accounts (or
//! `--accounts` ids), a role assumed in each, every enabled region with `--all-regions`. Account
//! resolutions and cells run concurrently under one bound, [`super::DEFAULT_CELLS`] unless
//! `--max-cells` says otherwise.

use std::collections::BTreeMap;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::retry::RetryConfig;
use futures::StreamExt;

use super::options::{AwsOptions, ConnectError, bound};
use super::org;
use super::regions::enabled_regions;
use super::role::{RoleCredentials, RoleProvider, RoleRequest, session_name};
use super::source::Profile;
use crate::domain::Account;
use crate::domain::accounts;
use crate::source::CellError;

/// Whether the flags name accounts beyond the profiles' own.
pub fn reaches_beyond_profiles(opts: &AwsOptions) -> bool {
    opts.org.discover
        || !opts.org.units.is_empty()
        || !opts.org.accounts.is_empty()
        || opts.assume_role.is_some()
}

/// The accounts to read, each with the credentials that reach it.
pub struct Reached {
    pub profiles: Vec<Profile>,
    pub label: String,
    /// Said once, not failures (accounts left out because suspended).
    pub notes: Vec<String>,
    /// Failures of the request itself (an `--accounts` pattern that matches nothing).
    pub problems: Vec<String>,
}

pub async fn accounts(opts: &AwsOptions, profiles: Vec<Profile>) -> Result<Reached, ConnectError> {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    // The starting identity: the first profile that resolved. Without one, the profiles'
    // own failures say why nothing can be reached.
    let Some(start) = profiles.iter().find(|p| p.failure.is_none()).cloned() else {
        return Ok(Reached {
            profiles,
            label: "AWS (no starting identity)".into(),
            notes,
            problems,
        });
    };
    let discover = opts.org.discover || !opts.org.units.is_empty();
    let (candidates, label) = if discover {
        let found = org::discover(&start.config, &opts.org)
            .await
            .map_err(|e| ConnectError::Organization(detail(&e)))?;
        if !found.inactive.is_empty() {
            let names: Vec<String> = found.inactive.iter().map(named).collect();
            notes.push(format!(
                "{} account(s) of the organization are not ACTIVE and are left out: {}",
                names.len(),
                names.join(", ")
            ));
        }
        problems.extend(unmatched(
            &found.selection.unmatched,
            "ACTIVE account of the organization",
        ));
        let n = found.selection.accounts.len();
        (
            found.selection.accounts,
            format!("AWS organization ({n} accounts)"),
        )
    } else if accounts::all_ids(&opts.org.accounts) {
        let ids: Vec<Account> = opts
            .org
            .accounts
            .iter()
            .map(|id| Account {
                id: id.trim().to_string(),
                alias: None,
                profile: None,
            })
            .collect();
        let n = ids.len();
        (ids, format!("AWS accounts ({n})"))
    } else if opts.assume_role.is_some() && !opts.org.accounts.is_empty() {
        return Err(ConnectError::Organization(
            "--accounts names accounts by name or glob, which only the organization knows: add \
             --org, or give the account ids (--accounts 111111111111,222222222222)."
                .into(),
        ));
    } else {
        // --accounts over the profiles' own accounts.
        let own: Vec<Account> = profiles.iter().map(|p| p.account.clone()).collect();
        let chosen = accounts::select(own, &opts.org.accounts);
        problems.extend(unmatched(&chosen.unmatched, "account of the profiles"));
        let keep: Vec<Profile> = profiles
            .into_iter()
            .filter(|p| chosen.accounts.iter().any(|a| a.id == p.account.id))
            .collect();
        let n = keep.len();
        return Ok(Reached {
            profiles: keep,
            label: format!("AWS accounts ({n})"),
            notes,
            problems,
        });
    };
    let label = match &opts.assume_role {
        Some(role) => format!("{label} via role {role}"),
        None => label,
    };
    let who = crate::review::decision::local_user();
    let session = session_name(&who, &opts.purpose);
    let resolved: Vec<Profile> = futures::stream::iter(candidates.into_iter().map(|account| {
        let own = profiles
            .iter()
            .find(|p| p.account.id == account.id && p.failure.is_none())
            .cloned();
        let start = start.clone();
        let session = session.clone();
        async move {
            if let Some(mut p) = own {
                p.account.alias = account.alias.or(p.account.alias);
                return p;
            }
            reach(opts, &start, account, &session).await
        }
    }))
    .buffered(bound(opts.max_cells))
    .collect()
    .await;
    Ok(Reached {
        profiles: resolved,
        label,
        notes,
        problems,
    })
}

/// One member account through its role (AssumeRole made now, so a refusal shows at once and
/// the account's cells reuse the credentials).
async fn reach(opts: &AwsOptions, start: &Profile, account: Account, session: &str) -> Profile {
    let Some(role) = &opts.assume_role else {
        return Profile {
            failure: Some(CellError::forbidden(format!(
                "Account {} is not the caller's: pass --assume-role NAME (a role in every member \
                 account that trusts {}) to read it.",
                named(&account),
                start.account.id
            ))),
            account,
            config: start.config.clone(),
            regions: None,
        };
    };
    let role_arn = if role.starts_with("arn:") {
        role.replace("{account}", &account.id)
    } else {
        format!(
            "arn:aws:iam::{}:role/{}",
            account.id,
            role.trim_start_matches('/')
        )
    };
    let sts_conf = aws_sdk_sts::config::Builder::from(&start.config)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .retry_partition(aws_smithy_runtime::client::retries::RetryPartition::new(
            format!("strongroom-sts-{}", account.id),
        ))
        .build();
    let credentials = RoleCredentials::new(
        aws_sdk_sts::Client::from_conf(sts_conf),
        RoleRequest {
            role_arn,
            session_name: session.to_string(),
            external_id: opts.external_id.clone(),
            caller_account: start.account.id.clone(),
        },
    );
    let failure = credentials.get().await.err();
    let config = start
        .config
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(RoleProvider(credentials)))
        .build();
    Profile {
        account,
        config,
        failure,
        regions: None,
    }
}

/// `--all-regions`: each reachable account's enabled regions (concurrently). An account whose
/// regions cannot be listed reads `fallback` (the `--region` list or the profile's region)
/// when there is one, and fails otherwise; disabled regions are said once, grouped.
pub async fn all_regions(
    profiles: Vec<Profile>,
    fallback: &[String],
    max_cells: usize,
) -> (Vec<Profile>, Vec<String>) {
    let answers: Vec<(Profile, Result<super::regions::AccountRegions, CellError>)> =
        futures::stream::iter(profiles.into_iter().map(|p| async move {
            if p.failure.is_some() {
                let none = Ok(Default::default());
                return (p, none);
            }
            let answer = enabled_regions(&p.config).await;
            (p, answer)
        }))
        .buffered(bound(max_cells))
        .collect()
        .await;
    let mut notes = Vec::new();
    let mut skipped: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(answers.len());
    for (mut p, answer) in answers {
        if p.failure.is_some() {
            out.push(p);
            continue;
        }
        match answer {
            Ok(regions) => {
                for (region, state) in regions.skipped {
                    *skipped.entry((region, state)).or_default() += 1;
                }
                p.regions = Some(regions.enabled);
            }
            Err(e) if !fallback.is_empty() => notes.push(format!(
                "{}: the enabled regions could not be listed ({}); reading {} instead",
                named(&p.account),
                detail(&e),
                fallback.join(", ")
            )),
            Err(e) => p.failure = Some(e),
        }
        out.push(p);
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped
            .iter()
            .map(|((region, state), n)| format!("{region} ({state}) in {n} account(s)"))
            .collect();
        notes.push(format!("regions not enabled, skipped: {}", list.join(", ")));
    }
    (out, notes)
}

fn unmatched(patterns: &[String], what: &str) -> Vec<String> {
    patterns
        .iter()
        .map(|p| format!("--accounts {p} matches no {what}"))
        .collect()
}

fn named(account: &Account) -> String {
    accounts::label(&account.id, account.alias.as_deref())
}

fn detail(e: &CellError) -> String {
    e.health.detail().unwrap_or("unknown error").to_string()
}
