//! Shared by the runbook executor emulator tests: credentials in the environment, an emulator,
//! the executor built by the binary's own `connect`, and small helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use aws_sdk_secretsmanager::types::ReplicaRegionType;
use serde_json::Value;
use strongroom::source::aws::runbook::AwsExecutor;
use strongroom::source::aws::{AwsOptions, connect};

use crate::support::Emulator;

pub const ACCOUNT: &str = "123456789012";
pub const PRIMARY: &str = "us-east-1";
pub const REPLICA: &str = "us-west-2";
/// The executor's credentials (an unmapped key: an IAM user of ACCOUNT).
pub const EXECUTOR_KEY: &str = "AKIARUNBOOKEXECUTOR1";
/// Test setup (creating secrets, reading them) uses other keys, so its calls are not ours.
pub const SETUP_KEY: &str = "AKIARUNBOOKSETUP0001";
pub const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/break-glass";
pub const VALUE: &str = "never-shown-value";

/// `connect` reads credentials from the environment like the binary does. Every test calls
/// this first, so the variables are set once, before any test reads the environment.
pub fn environment() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        let none = std::env::temp_dir().join("strongroom-runbook-executor-no-aws-config");
        // SAFETY: runs once, before any test of this binary has started reading the environment
        // (each test calls it before anything else and waits for it to finish).
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", EXECUTOR_KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "emulator-secret");
            std::env::set_var("AWS_CONFIG_FILE", &none);
            std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &none);
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
            for name in [
                "AWS_PROFILE",
                "AWS_SESSION_TOKEN",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_ENDPOINT_URL",
            ] {
                std::env::remove_var(name);
            }
        }
    });
}

pub fn start() -> Emulator {
    environment();
    Emulator::start()
}

pub async fn executor(emu: &Emulator, state: &Path) -> AwsExecutor {
    let source = connect(&AwsOptions {
        profiles: Vec::new(),
        regions: vec![PRIMARY.to_string(), REPLICA.to_string()],
        endpoint_url: Some(emu.url().to_string()),
        max_attempts: 2,
        state_dir: state.to_path_buf(),
        ..Default::default()
    })
    .await
    .unwrap();
    source.executor()
}

/// `prod/db` in us-east-1, replicated to us-west-2, tagged; returns its ARN.
pub async fn create_replicated(emu: &Emulator, name: &str) -> String {
    let out = emu
        .sm_client(SETUP_KEY, PRIMARY)
        .create_secret()
        .name(name)
        .description("payments database")
        .secret_string(VALUE)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("Owner")
                .value("team-payments")
                .build(),
        )
        .add_replica_regions(ReplicaRegionType::builder().region(REPLICA).build())
        .send()
        .await
        .unwrap();
    out.arn().unwrap().to_string()
}

pub fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn count(calls: &[Value], op: &str, region: &str) -> usize {
    calls
        .iter()
        .filter(|c| c["operation"] == op && c["region"] == region)
        .count()
}

/// The executor never reads a value: no GetSecretValue by its key, and no value in `text`.
pub fn assert_no_value_read(emu: &Emulator, texts: &[&str]) {
    let ours: Vec<Value> = emu
        .calls()
        .into_iter()
        .filter(|c| c["access_key"] == EXECUTOR_KEY)
        .collect();
    assert!(!ours.is_empty());
    assert!(
        ours.iter()
            .all(|c| c["operation"] != "GetSecretValue" && c["operation"] != "BatchGetSecretValue"),
        "{ours:?}"
    );
    for text in texts {
        assert!(!text.contains(VALUE), "{text}");
    }
}
