//! The compromised-secret runbook end to end through the `strongroom` binary against the
//! emulator: evidence, containment with the deny-all policy, rotation, checks, restore and the
//! exported timeline; then the same with the DR region down; then a SIGKILL in the middle of a
//! step, a resume, and a journal that holds every entry before the kill exactly once.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};
use strongroom::store::journal::Journal;
use support::Emulator;

const ACCOUNT: &str = "123456789012";
const RESPONDER: &str = "AKIARESPONDERKEY0001";
const SUSPECT_KEY: &str = "AKIASUSPECTKEY000001";
const SECRET: &str = "/clarivum/prod/payments/stripe";
const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";

fn suspect() -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/mallory")
}

fn break_glass() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/break-glass")
}

fn original_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "App", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/payments-api")},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string()
}

/// A secret replicated to the DR region, with a resource policy, read twice by the suspect.
fn setup() -> (Emulator, tempfile::TempDir) {
    let emu = Emulator::start();
    emu.set_identities(json!({
        SUSPECT_KEY: {"type": "IAMUser", "arn": suspect(), "accountId": ACCOUNT,
            "principalId": "AIDAMALLORY", "userName": "mallory"},
        RESPONDER: {"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/responder"),
            "accountId": ACCOUNT, "principalId": "AIDARESPONDER", "userName": "responder"}
    }));
    emu.seed(json!({"region": PRIMARY, "secrets": [
        {"name": SECRET, "secret_string": "sk_live_old", "replica_regions": [DR]}
    ]}));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        emu.sm_client(RESPONDER, PRIMARY)
            .put_resource_policy()
            .secret_id(SECRET)
            .resource_policy(original_policy())
            .send()
            .await
            .unwrap();
        let thief = emu.sm_client(SUSPECT_KEY, PRIMARY);
        for _ in 0..2 {
            thief
                .get_secret_value()
                .secret_id(SECRET)
                .send()
                .await
                .unwrap();
        }
    });
    // CloudTrail times have whole seconds, so a read in the second of containment counts as
    // after it (the safe side); the suspect's reads here are well before.
    std::thread::sleep(Duration::from_millis(1100));
    (emu, tempfile::tempdir().unwrap())
}

fn strongroom(emu: &Emulator, dir: &Path) -> Command {
    let mut command = Command::cargo_bin("strongroom").unwrap();
    env(command.env_clear(), emu, dir);
    command
}

fn env<'a>(command: &'a mut Command, emu: &Emulator, dir: &Path) -> &'a mut Command {
    command
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", RESPONDER)
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .env("XDG_CONFIG_HOME", dir)
        .env("USER", "responder")
        .args([
            "--endpoint-url",
            emu.url(),
            "--region",
            PRIMARY,
            "--state-dir",
        ])
        .arg(dir)
}

/// `runbook run compromised-secret`: stops at the triage step, printing the incident id.
fn start_run(emu: &Emulator, dir: &Path) -> String {
    let out = strongroom(emu, dir)
        .args(["--allow-write", "runbook", "run", "compromised-secret"])
        .args(["-p", &format!("secret={SECRET}"), "-p", "incident=INC-2041"])
        .args(["-p", "incident_start=2020-01-01T00:00:00Z"])
        .args(["-p", &format!("suspect={}", suspect())])
        .args(["-p", &format!("break_glass={}", break_glass())])
        .args(["-p", &format!("dr_regions={DR}"), "-p", "lookback=1d"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Waiting at `triage` for a manual step"),
        "{stdout}"
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Incident "))
        .and_then(|l| l.split_whitespace().next())
        .map(|id| id.trim_end_matches(':').to_string())
        .unwrap()
}

/// Answers up to the severity: triage's checklist and note, the leak-check step's box, then
/// "is it real?" (asked only when no leak check answered) and the severity.
const HEAD: usize = 7;

/// The answers up to (and including) the approval of the rotation. With a journaled leak check
/// that found the value still current, "is it real?" is not asked.
fn answers_to_rotation() -> Vec<String> {
    let mut lines: Vec<String> = ["y", "y", "y", "leaked in a public gist", "y", "1", "1"]
        .into_iter()
        .map(String::from)
        .collect();
    lines.extend(["y", "y", "revoked at the provider"].map(String::from));
    lines.extend([SECRET, SECRET, SECRET].map(String::from)); // contain, tag, rotate
    lines
}

/// The answers after the checks that follow rotation.
fn answers_after_checks() -> Vec<String> {
    let mut lines: Vec<String> = ["y", "y", "all restarted"].map(String::from).to_vec();
    lines.extend(["y", "alert set", "y", "1", SECRET].map(String::from));
    lines.extend(["y", "y", "y", "y", "postmortem on Monday"].map(String::from));
    lines
}

fn resume(emu: &Emulator, dir: &Path, id: &str, answers: &[String]) -> (bool, String) {
    let out = strongroom(emu, dir)
        .args(["--allow-write", "incident", "resume", id])
        .write_stdin(answers.join("\n") + "\n")
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn versions(emu: &Emulator) -> Vec<(String, Vec<String>)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let out = emu
            .sm_client(RESPONDER, PRIMARY)
            .list_secret_version_ids()
            .secret_id(SECRET)
            .send()
            .await
            .unwrap();
        out.versions()
            .iter()
            .map(|v| {
                (
                    v.version_id().unwrap_or_default().to_string(),
                    v.version_stages().to_vec(),
                )
            })
            .collect()
    })
}

fn current(emu: &Emulator) -> String {
    versions(emu)
        .into_iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id)
        .unwrap()
}

fn calls(emu: &Emulator, operation: &str, key: &str) -> usize {
    emu.calls()
        .iter()
        .filter(|c| c["operation"] == operation && c["access_key"] == key)
        .count()
}

#[test]
fn compromised_secret_end_to_end_then_the_timeline() {
    let (emu, dir) = setup();
    let before = current(&emu);
    let id = start_run(&emu, dir.path());
    // The leaked value is in hand: leak-check finds it is still AWSCURRENT, for INC-2041.
    let check = strongroom(&emu, dir.path())
        .args([
            "leak-check",
            "--secrets",
            SECRET,
            "--read-values",
            "--incident",
            "INC-2041",
        ])
        .write_stdin("sk_live_old\n")
        .output()
        .unwrap();
    let checked = String::from_utf8_lossy(&check.stdout).to_string();
    assert_eq!(check.status.code(), Some(0), "{checked}");
    assert!(checked.starts_with("STILL AWSCURRENT"), "{checked}");
    // So the run does not ask whether the leak is real: "1" for it is left out.
    let mut answers = answers_to_rotation();
    answers.remove(HEAD - 2);
    answers.extend(answers_after_checks());
    let (ok, out) = resume(&emu, dir.path(), &id, &answers);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("Run {id}: completed")), "{out}");
    assert!(
        out.contains("leak-match: done: current: leak check 1 by responder"),
        "{out}"
    );
    assert!(!out.contains("== triage-real"), "{out}");
    assert!(out.contains("contain-check: check passed"), "{out}");
    assert!(out.contains("verify-replicas: check passed"), "{out}");

    // AWS state: rotated, tagged, and the original policy back in place.
    assert_ne!(current(&emu), before, "AWSCURRENT must have moved");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (policy, tags) = rt.block_on(async {
        let sm = emu.sm_client(RESPONDER, PRIMARY);
        let policy = sm
            .get_resource_policy()
            .secret_id(SECRET)
            .send()
            .await
            .unwrap();
        let described = sm.describe_secret().secret_id(SECRET).send().await.unwrap();
        let tags: BTreeMap<String, String> = described
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().into(),
                    t.value().unwrap_or_default().into(),
                )
            })
            .collect();
        (
            policy.resource_policy().unwrap_or_default().to_string(),
            tags,
        )
    });
    let policy: Value = serde_json::from_str(&policy).unwrap();
    assert_eq!(
        policy,
        serde_json::from_str::<Value>(&original_policy()).unwrap()
    );
    assert_eq!(tags.get("Incident").map(String::as_str), Some("INC-2041"));
    assert_eq!(tags.get("Compromised").map(String::as_str), Some("true"));

    // The minimum calls: one write each, the policy put twice (contain, restore), no value read.
    assert_eq!(calls(&emu, "RotateSecret", RESPONDER), 1);
    assert_eq!(calls(&emu, "TagResource", RESPONDER), 1);
    assert_eq!(calls(&emu, "PutResourcePolicy", RESPONDER), 1 + 2);
    assert_eq!(calls(&emu, "GetSecretValue", RESPONDER), 0);

    // Each write's CloudTrail event is found by its request id and journaled.
    let trail = strongroom(&emu, dir.path())
        .args(["incident", "trail", &id])
        .output()
        .unwrap();
    let trail = String::from_utf8_lossy(&trail.stdout).to_string();
    assert!(
        trail.contains(&format!(
            "{id}: 4 of 4 writes linked to their CloudTrail events"
        )),
        "{trail}"
    );
    let again = strongroom(&emu, dir.path())
        .args(["incident", "trail", &id])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("(4 linked already)"));

    // The timeline: verified chain, evidence with the suspect's reads, times, follow-ups.
    let markdown = strongroom(&emu, dir.path())
        .args(["incident", "export", &id, "--format", "markdown"])
        .output()
        .unwrap();
    assert!(markdown.status.success());
    let markdown = String::from_utf8_lossy(&markdown.stdout).to_string();
    for expected in [
        "- Status: completed",
        "- Time to contain: ",
        "| Rotate now | action | done |",
        "Verified: the hash chain",
        "postmortem on Monday",
        "responder",
        "CloudTrail event ",
    ] {
        assert!(
            markdown.contains(expected),
            "missing {expected:?} in\n{markdown}"
        );
    }
    let json = strongroom(&emu, dir.path())
        .args(["incident", "export", &id, "--format", "json"])
        .output()
        .unwrap();
    let timeline: Value = serde_json::from_slice(&json.stdout).unwrap();
    let reads = timeline["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "evidence-reads")
        .unwrap();
    assert!(
        reads["value"].as_str().unwrap().contains("mallory"),
        "{reads}"
    );
    assert!(
        timeline["time_to_rotate"]["from_run_start_secs"]
            .as_i64()
            .unwrap()
            >= 0
    );
    assert!(
        !timeline.to_string().contains("sk_live_old"),
        "a secret value leaked"
    );

    let list = strongroom(&emu, dir.path())
        .args(["incident", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(list.contains(&id) && list.contains("completed"), "{list}");
}

#[test]
fn with_the_dr_region_down_the_replica_check_fails_and_says_why() {
    let (emu, dir) = setup();
    emu.set_fault(json!({"region": DR, "service": "secretsmanager", "down": true}));
    let id = start_run(&emu, dir.path());
    let (ok, out) = resume(&emu, dir.path(), &id, &answers_to_rotation());
    assert!(!ok, "a failed check stops the run with exit 1:\n{out}");
    assert!(out.contains("verify-rotated: check passed"), "{out}");
    let stopped = out
        .lines()
        .find(|l| l.starts_with(&format!("Run {id}: stopped at verify-replicas")))
        .unwrap_or_else(|| panic!("no stop line in\n{out}"));
    assert!(
        stopped.contains(DR),
        "the reason must name the region: {stopped}"
    );
    let markdown = strongroom(&emu, dir.path())
        .args(["incident", "export", &id])
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&markdown.stdout).to_string();
    assert!(markdown.contains("| Every replica InSync with the new version | check | failed |"));
    assert!(markdown.contains("Open follow-ups"));
}

#[test]
fn a_run_killed_mid_step_resumes_and_keeps_every_entry_once() {
    let (emu, dir) = setup();
    let id = start_run(&emu, dir.path());
    // CloudTrail slows to a crawl, so the process is inside the who-read step when killed.
    emu.set_fault(json!({"region": "*", "service": "cloudtrail", "latency_ms": 20000}));
    let mut child = Process::cargo_bin("strongroom").unwrap();
    child
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", RESPONDER)
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("XDG_CONFIG_HOME", dir.path())
        .args([
            "--endpoint-url",
            emu.url(),
            "--region",
            PRIMARY,
            "--state-dir",
        ])
        .arg(dir.path())
        .args(["--allow-write", "incident", "resume", &id])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = child.spawn().unwrap();
    let answers = answers_to_rotation();
    child
        .stdin
        .take()
        .unwrap()
        .write_all((answers[..HEAD].join("\n") + "\n").as_bytes())
        .unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let started = |step: &str| {
        journal.entries(&id).unwrap().iter().any(|row| {
            row.entry["kind"]["type"] == "step_started" && row.entry["kind"]["step"] == step
        })
    };
    assert!(
        emu.wait_until(Duration::from_secs(60), || started("evidence-reads")),
        "the run never reached the who-read step"
    );
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before: Vec<_> = journal.entries(&id).unwrap();
    assert!(
        before.last().unwrap().entry["kind"]["step"] == "evidence-reads",
        "killed inside the step: {:?}",
        before.last().unwrap().entry
    );

    emu.clear_faults();
    let mut rest = answers_to_rotation()[HEAD..].to_vec();
    rest.extend(answers_after_checks());
    let (ok, out) = resume(&emu, dir.path(), &id, &rest);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("Run {id}: completed")), "{out}");

    let after = journal.entries(&id).unwrap();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "entries written before the kill are unchanged"
    );
    assert_eq!(journal.verify(&id).unwrap(), Ok(()));
    // Every step started and finished exactly once: nothing lost, nothing doubled.
    let count = |kind: &str, step: &str| {
        after
            .iter()
            .filter(|r| r.entry["kind"]["type"] == kind && r.entry["kind"]["step"] == step)
            .count()
    };
    for step in [
        "triage",
        "severity",
        "evidence-secret",
        "evidence-reads",
        "contain",
        "rotate",
    ] {
        assert_eq!(count("step_started", step), 1, "{step} started once");
        assert_eq!(count("step_outcome", step), 1, "{step} finished once");
    }
}
