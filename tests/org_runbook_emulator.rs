//! A runbook's calls go to the secret's own account through its role: the executor built by the
//! binary's own `connect` over an organization, against the local emulator.

mod runbook_common;
mod support;

use serde_json::json;
use strongroom::incident::Executor;
use strongroom::runbook::QueryKind;
use strongroom::source::aws::{AwsOptions, OrgOptions, connect};

use runbook_common::*;

const MEMBER: &str = "210987654321";
const ROLE: &str = "StrongroomAudit";

#[tokio::test]
async fn a_query_on_a_member_secret_is_made_in_that_account_through_the_role() {
    let emu = start();
    // The executor's key is an IAM user of ACCOUNT, the organization's management account.
    emu.set_org(json!({
        "management_account": ACCOUNT,
        "accounts": [{"id": MEMBER, "name": "payments-prod"}]
    }));
    emu.set_roles(json!({"roles": [
        {"account": MEMBER, "name": ROLE, "trusted_accounts": [ACCOUNT]}
    ]}));
    let seeded = emu.seed(json!({"account": MEMBER, "region": PRIMARY,
        "secrets": [{"name": "prod/payments/stripe", "secret_string": VALUE}]}));
    let arn = seeded["arns"][0].as_str().unwrap().to_string();
    assert!(arn.contains(&format!(":{MEMBER}:secret:")), "{arn}");
    let state = tempfile::tempdir().unwrap();
    let source = connect(&AwsOptions {
        regions: vec![PRIMARY.to_string()],
        endpoint_url: Some(emu.url().to_string()),
        max_attempts: 2,
        state_dir: state.path().to_path_buf(),
        org: OrgOptions {
            discover: true,
            ..Default::default()
        },
        assume_role: Some(ROLE.to_string()),
        purpose: "runbook".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let exec = source.executor();
    emu.clear_calls();
    let out = exec
        .query(QueryKind::DescribeSecret, &args(&[("secret_id", &arn)]))
        .await
        .unwrap_or_else(|e| panic!("{}", e.message));
    assert!(
        serde_json::to_string(&out.value)
            .unwrap()
            .contains("prod/payments/stripe"),
        "{:?}",
        out.value
    );
    let calls = emu.calls();
    let described: Vec<_> = calls
        .iter()
        .filter(|c| c["operation"] == "DescribeSecret")
        .collect();
    assert_eq!(described.len(), 1, "{calls:?}");
    assert_eq!(
        described[0]["account"], MEMBER,
        "made in the member account"
    );
    assert!(
        calls.iter().all(|c| c["operation"] != "AssumeRole"),
        "the role's credentials were kept from connect: {calls:?}"
    );
}
