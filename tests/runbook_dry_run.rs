//! `runbook run ... --dry-run` walks the whole runbook, prints every step through the last one,
//! exits 0, journals nothing and sends nothing, even with an endpoint to send to.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use strongroom::runbook::load_file;

/// Parameters that start each shipped runbook.
fn params_for(id: &str) -> &'static [&'static str] {
    match id {
        "compromised-secret" => &[
            "secret=/clarivum/prod/payments/stripe-api-key",
            "incident=INC-2041",
            "incident_start=2026-11-14T00:00:00Z",
            "suspect=arn:aws:iam::210987654321:user/svc-legacy-backup",
            "break_glass=arn:aws:iam::210987654321:role/break-glass",
            "dr_regions=ap-southeast-2",
        ],
        "dr-drill" => &[
            "secret=arn:aws:secretsmanager:us-east-1:210987654321:secret:/clarivum/prod/platform/dr-drill-fixture-AbCdEf",
            "dr_region=us-west-2",
            "drill=DR-2026-Q4",
        ],
        "new-secret-onboarding-check" => &["secret=/clarivum/prod/payments/stripe-api-key"],
        "quarterly-access-review" => &["reviewer=alice@example.com"],
        "rotate-secret" => &["secret=/clarivum/prod/payments/stripe-api-key"],
        other => panic!("add parameters for the new runbook `{other}` to this test"),
    }
}

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn dry_run(source: &[&str], state_dir: &Path, id: &str) -> Output {
    let mut args: Vec<String> = source.iter().map(|s| s.to_string()).collect();
    args.extend([
        "--state-dir".to_string(),
        state_dir.display().to_string(),
        "runbook".to_string(),
        "run".to_string(),
        id.to_string(),
    ]);
    for param in params_for(id) {
        args.extend(["-p".to_string(), param.to_string()]);
    }
    args.push("--dry-run".to_string());
    assert_cmd::Command::cargo_bin("strongroom")
        .unwrap()
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("AWS_ACCESS_KEY_ID", "dry-run-test")
        .env("AWS_SECRET_ACCESS_KEY", "dry-run-test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap()
}

#[test]
fn every_shipped_runbook_dry_runs_to_its_last_step_on_the_demo_and_journals_nothing() {
    let files = shipped();
    assert!(files.len() >= 5, "runbooks/ lost files: {files:?}");
    for file in files {
        let runbook = load_file(&file).unwrap();
        let id = runbook.meta.id.clone();
        let state = tempfile::tempdir().unwrap();
        let output = dry_run(&["--demo"], state.path(), &id);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{id}: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (number, step) in runbook.steps.iter().enumerate() {
            let heading = format!(
                "{:>3}. {} [{}] {}",
                number + 1,
                step.id,
                step.body.kind().name(),
                step.title
            );
            assert!(
                stdout.contains(&heading),
                "{id}: no `{heading}` in:\n{stdout}"
            );
        }
        assert!(
            stdout.contains("End of the plan:"),
            "{id}: the plan stops early:\n{stdout}"
        );
        assert!(!stdout.contains("Waiting at"), "{id}: {stdout}");
        let journaled: Vec<_> = fs::read_dir(state.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name.to_string_lossy().starts_with("journal"))
            .collect();
        assert!(
            journaled.is_empty(),
            "{id}: a dry run opened the journal: {journaled:?}"
        );
    }
}

#[test]
fn a_dry_run_against_an_endpoint_sends_it_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let state = tempfile::tempdir().unwrap();
    let output = dry_run(
        &["--endpoint-url", &endpoint, "--region", "us-east-1"],
        state.path(),
        "compromised-secret",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("33. followups [manual]"), "{stdout}");
    assert!(
        stdout.contains("secretsmanager:RotateSecret"),
        "the rotate request is missing:\n{stdout}"
    );
    assert!(
        listener.accept().is_err(),
        "the dry run connected to the endpoint"
    );
}
