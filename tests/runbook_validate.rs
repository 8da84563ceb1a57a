//! `runbooks/` validates cleanly, and every broken fixture fails with the expected
//! `file:line: field:` messages.

use std::fs;
use std::path::{Path, PathBuf};

use strongroom::runbook::{StepKind, load_file, validate};

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn errors_of(path: &Path) -> Vec<String> {
    match load_file(path) {
        Ok(_) => panic!("{} should not validate", path.display()),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_shipped_runbook_validates() {
    let files = toml_files(Path::new("runbooks"));
    assert!(!files.is_empty(), "runbooks/ holds no .toml files");
    for file in files {
        if let Err(errors) = load_file(&file) {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("{} is invalid:\n{}", file.display(), listed.join("\n"));
        }
    }
}

#[test]
fn compromised_secret_follows_the_team_procedure() {
    let runbook = load_file(Path::new("runbooks/compromised-secret.toml")).unwrap();
    assert_eq!(runbook.meta.id, "compromised-secret");
    let position = |id: &str| {
        runbook
            .steps
            .iter()
            .position(|step| step.id == id)
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    // Evidence before containment, containment before rotation, verification after.
    assert!(position("triage") < position("evidence-secret"));
    assert!(position("evidence-policy") < position("contain"));
    assert!(position("evidence-reads") < position("contain"));
    assert!(position("contain") < position("rotate"));
    assert!(position("rotate") < position("verify-rotated"));
    assert!(position("verify-replicas") < position("notify"));
    assert_eq!(runbook.steps[0].body.kind(), StepKind::Manual);
    assert!(
        runbook
            .steps
            .iter()
            .any(|step| step.body.kind() == StepKind::Decision)
    );
}

/// Each fixture with the exact lines `validate` must print, in order.
const FIXTURES: &[(&str, &[&str])] = &[
    (
        "unknown-key.toml",
        &[
            "tests/fixtures/runbooks/unknown-key.toml:6: runbook.owner: unknown key `owner`; expected one of: id, title, when_to_use, roles, version",
            "tests/fixtures/runbooks/unknown-key.toml:18: step.look.retry: unknown key `retry`; expected one of: id, title, kind, on_failure, retries, outputs, query, args, output",
            "tests/fixtures/runbooks/unknown-key.toml:19: step.look.checklist: `checklist` belongs to manual steps, not to a query step; expected one of: id, title, kind, on_failure, retries, outputs, query, args, output",
        ],
    ),
    (
        "missing-goto.toml",
        &[
            "tests/fixtures/runbooks/missing-goto.toml:15: step.ask.options[1].goto: no step has id `contian`; known steps: ask, contain, or `end`",
            "tests/fixtures/runbooks/missing-goto.toml:24: step.contain.on_failure: no step has id `rollback`; known steps: ask, contain, or `end`",
        ],
    ),
    (
        "missing-param.toml",
        &[
            "tests/fixtures/runbooks/missing-param.toml:18: step.look.args.secret_id: no parameter is named `secret_name`; declared parameters: secret",
            "tests/fixtures/runbooks/missing-param.toml:25: step.verify.assert: no parameter is named `incident_start`; declared parameters: secret",
        ],
    ),
    (
        "duplicate-id.toml",
        &[
            "tests/fixtures/runbooks/duplicate-id.toml:15: step.look.id: duplicate step id `look`; first used on line 9",
        ],
    ),
    (
        "bad-kind.toml",
        &[
            "tests/fixtures/runbooks/bad-kind.toml:11: step.wait.kind: unknown step kind `pause`; expected one of: manual, query, action, check, decision",
        ],
    ),
    (
        "bad-syntax.toml",
        &["tests/fixtures/runbooks/bad-syntax.toml:9: syntax: unclosed array table, expected `]]`"],
    ),
    (
        "missing-fields.toml",
        &[
            "tests/fixtures/runbooks/missing-fields.toml:8: step.rotate.args: missing; action `rotate_now` needs secret_id",
            "tests/fixtures/runbooks/missing-fields.toml:8: step.rotate.confirm: missing; an action needs the text the operator types to approve it",
            "tests/fixtures/runbooks/missing-fields.toml:18: step.verify.assert: unknown assertion `all_good`; expected one of: current_version_changed_since, replicas_in_sync, replicated_to, no_reads_by, policy_denies_all_except",
            "tests/fixtures/runbooks/missing-fields.toml:25: step.evidence.query: unknown query `get_secret_value`; expected one of: describe_secret, resource_policy, versions, who_read, replica_status, leak_match",
        ],
    ),
    (
        "bad-param.toml",
        &[
            "tests/fixtures/runbooks/bad-param.toml:10: param.regions.type: unknown type `region_list`; expected one of: secret, region, regions, string, duration, principal",
            "tests/fixtures/runbooks/bad-param.toml:15: param.window.default: invalid default: `3 months` is not a duration such as `90d`, `24h` or `1h30m`",
        ],
    ),
];

#[test]
fn every_broken_fixture_fails_with_file_line_and_field() {
    let dir = Path::new("tests/fixtures/runbooks");
    let files = toml_files(dir);
    assert_eq!(
        files.len(),
        FIXTURES.len(),
        "every fixture needs expected errors"
    );
    let mismatches: Vec<String> = FIXTURES
        .iter()
        .filter_map(|(name, expected)| {
            let actual = errors_of(&dir.join(name));
            (actual != *expected).then(|| {
                format!(
                    "{name}\n  expected:\n    {}\n  actual:\n    {}",
                    expected.join("\n    "),
                    actual.join("\n    ")
                )
            })
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn an_unreadable_file_is_an_error_not_a_panic() {
    let errors = errors_of(Path::new("tests/fixtures/runbooks/no-such-file.toml"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("tests/fixtures/runbooks/no-such-file.toml:0: file: cannot read"),
        "{}",
        errors[0]
    );
}

#[test]
fn validate_labels_errors_with_the_given_name() {
    let errors = validate("[runbook\n", "inline.toml").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().starts_with("inline.toml:1: syntax: "));
}

#[test]
fn the_validate_command_exits_0_for_the_shipped_runbooks_and_2_with_every_error_named() {
    let ok = assert_cmd::Command::cargo_bin("strongroom")
        .unwrap()
        .args(["runbook", "validate"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("runbooks/compromised-secret.toml: ok"));
    let bad = assert_cmd::Command::cargo_bin("strongroom")
        .unwrap()
        .args([
            "runbook",
            "validate",
            "tests/fixtures/runbooks/missing-goto.toml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("tests/fixtures/runbooks/missing-goto.toml:15: step.ask.options[1].goto:"),
        "{stderr}"
    );
}
