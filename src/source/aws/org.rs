//! The organization's accounts: Organizations `ListAccounts` from the management or a
//! delegated-administrator account (names and states), narrowed to organizational units with
//! `ListChildren` walked down, then to the `--accounts` patterns. Only ACTIVE accounts are read.

use std::collections::HashSet;

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_organizations::types::{AccountState, AccountStatus, ChildType};

use super::{diagnose, errors};
use crate::domain::Account;
use crate::domain::accounts::{self, Selection};
use crate::source::CellError;

/// `--org` and its narrowing flags.
#[derive(Debug, Clone, Default)]
pub struct OrgOptions {
    /// Ask Organizations for the accounts (else `accounts` must be plain ids).
    pub discover: bool,
    /// `--org-ou`: only accounts under these organizational units (recursively).
    pub units: Vec<String>,
    /// `--accounts`: ids, names, globs; `!` excludes.
    pub accounts: Vec<String>,
}

/// What discovery found: the chosen accounts, and what the operator should hear about.
#[derive(Debug, Default)]
pub struct Discovered {
    pub selection: Selection,
    /// Accounts left out because they are not ACTIVE (suspended, closing), by id and name.
    pub inactive: Vec<Account>,
    pub calls: usize,
}

/// Lists the organization's accounts from the starting identity's config.
pub async fn discover(
    config: &aws_config::SdkConfig,
    opts: &OrgOptions,
) -> Result<Discovered, CellError> {
    let client = aws_sdk_organizations::Client::new(config);
    let mut calls = 0;
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        calls += 1;
        let page = page.map_err(explain)?;
        for a in page.accounts() {
            let account = Account {
                id: a.id().unwrap_or_default().to_string(),
                alias: a.name().map(str::to_string),
                profile: None,
            };
            if is_active(a) {
                active.push(account);
            } else {
                inactive.push(account);
            }
        }
    }
    if !opts.units.is_empty() {
        let (under, walked) = accounts_under(&client, &opts.units).await?;
        calls += walked;
        active.retain(|a| under.contains(&a.id));
        inactive.retain(|a| under.contains(&a.id));
    }
    active.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Discovered {
        selection: accounts::select(active, &opts.accounts),
        inactive,
        calls,
    })
}

fn is_active(a: &aws_sdk_organizations::types::Account) -> bool {
    match (a.state(), a.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => true,
    }
}

/// Account ids under the units, their child units included (ListChildren, depth first).
async fn accounts_under(
    client: &aws_sdk_organizations::Client,
    units: &[String],
) -> Result<(HashSet<String>, usize), CellError> {
    let mut found = HashSet::new();
    let mut calls = 0;
    let mut todo: Vec<String> = units.to_vec();
    let mut seen = HashSet::new();
    while let Some(parent) = todo.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        for kind in [ChildType::Account, ChildType::OrganizationalUnit] {
            let mut pages = client
                .list_children()
                .parent_id(&parent)
                .child_type(kind.clone())
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                calls += 1;
                let page = page.map_err(explain)?;
                for child in page.children() {
                    let Some(id) = child.id() else { continue };
                    if kind == ChildType::Account {
                        found.insert(id.to_string());
                    } else {
                        todo.push(id.to_string());
                    }
                }
            }
        }
    }
    Ok((found, calls))
}

fn explain<E, R>(err: SdkError<E, R>) -> CellError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().map(str::to_string);
    match code.as_deref() {
        Some("AccessDeniedException") => CellError::forbidden(
            "Organizations refused to list the accounts (AccessDeniedException): --org needs the \
             management account or a delegated administrator (organizations:ListAccounts); \
             without it, name the accounts with --accounts ID,ID and --assume-role."
                .to_string(),
        ),
        Some("AWSOrganizationsNotInUseException") => CellError::forbidden(
            "This account is not in an organization (AWSOrganizationsNotInUseException): drop \
             --org, or name the accounts with --accounts ID,ID and --assume-role."
                .to_string(),
        ),
        Some("ParentNotFoundException") => CellError::failed(
            "An --org-ou is not a unit of this organization (ParentNotFoundException): check the \
             id (ou-xxxx-xxxxxxxx) with `aws organizations list-organizational-units-for-parent`."
                .to_string(),
        ),
        _ => errors::classify_in(
            err,
            diagnose::Context {
                profile: None,
                region: None,
            },
        ),
    }
}
