//! One test per kind of mistake, each with the exact line it must be reported on.

use super::*;

/// Six lines; the first step of every test document starts on line 7.
const HEADER: &str = r#"[runbook]
id = "t"
title = "Test"
when_to_use = "Tests."
roles = ["tester"]
version = 1
"#;

fn errors(body: &str) -> Vec<String> {
    match validate(&format!("{HEADER}{body}"), "t.toml") {
        Ok(_) => panic!("expected errors for:\n{body}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn valid(body: &str) -> Runbook {
    match validate(&format!("{HEADER}{body}"), "t.toml") {
        Ok(runbook) => runbook,
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("unexpected errors:\n{}", listed.join("\n"))
        }
    }
}

const SECRET_PARAM: &str = r#"[[param]]
name = "secret"
type = "secret"
required = true
"#;

#[test]
fn a_valid_runbook_becomes_typed_steps() {
    let runbook = valid(&format!(
        r#"{SECRET_PARAM}
[[step]]
id = "look"
title = "Look"
kind = "query"
query = "describe_secret"
args = {{ secret_id = "{{{{param.secret}}}}" }}
output = "secret"
retries = 2

[[step]]
id = "in-sync"
title = "In sync"
kind = "check"
assert = "replicas_in_sync"
on_fail = "Resync."
on_failure = "continue"

[[step]]
id = "branch"
title = "Branch"
kind = "decision"
on = "in-sync"
if_true = "end"
if_false = "look"
"#
    ));
    assert_eq!(runbook.meta.id, "t");
    assert_eq!(runbook.params[0].param_type, ParamType::Secret);
    let look = &runbook.steps[0];
    assert_eq!(look.line, 12);
    assert_eq!(look.retries, 2);
    assert_eq!(look.outputs, vec!["secret".to_string()]);
    assert_eq!(
        look.body,
        StepBody::Query {
            query: QueryKind::DescribeSecret,
            args: Args::from([(
                "secret_id".to_string(),
                ArgValue::Text("{{param.secret}}".to_string())
            )]),
            output: "secret".to_string(),
        }
    );
    assert_eq!(runbook.steps[1].on_failure, OnFailure::Continue);
    assert_eq!(
        runbook.steps[2].body,
        StepBody::Decision(Decision::OnCheck {
            check: "in-sync".to_string(),
            if_true: END.to_string(),
            if_false: "look".to_string(),
        })
    );
}

#[test]
fn a_syntax_error_is_one_error_at_its_line() {
    let found = errors("[[step]]\nid = \"a\"\ntitle = \n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("t.toml:9: syntax: "), "{found:?}");
}

#[test]
fn every_unknown_key_is_reported_at_its_own_line() {
    let found = errors(
        r#"
[[param]]
name = "secret"
type = "secret"
help = "?"

[[step]]
id = "a"
title = "A"
kind = "manual"
instructions = "Do it."
timeout = 5
query = "versions"
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:11: param.secret.help: unknown key `help`; expected one of: name, type, required, default, pattern, one_of, description",
            "t.toml:18: step.a.timeout: unknown key `timeout`; expected one of: id, title, kind, on_failure, retries, outputs, instructions, checklist, note",
            "t.toml:19: step.a.query: `query` belongs to query steps, not to a manual step; expected one of: id, title, kind, on_failure, retries, outputs, instructions, checklist, note",
        ]
    );
}

#[test]
fn unknown_top_level_keys_and_option_keys_are_errors() {
    let found = errors(
        r#"stage = "prod"

[[step]]
id = "ask"
title = "Ask"
kind = "decision"
question = "Go?"
options = [
  { label = "Yes", goto = "end", colour = "green" },
  { label = "No", goto = "end" },
]
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:7: runbook.stage: unknown key `stage`; expected one of: id, title, when_to_use, roles, version",
            "t.toml:15: step.ask.options[0].colour: unknown key `colour`; expected one of: label, goto",
        ]
    );
    let before_header = format!(
        "stage = \"prod\"\n{HEADER}[[step]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\ninstructions = \"x\"\n"
    );
    let found: Vec<String> = validate(&before_header, "t.toml")
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        vec!["t.toml:1: stage: unknown key; a runbook has only [runbook], [[param]] and [[step]]"]
    );
}

#[test]
fn gotos_to_missing_steps_are_errors_where_written() {
    let found = errors(
        r#"
[[step]]
id = "check-it"
title = "Check"
kind = "check"
assert = "replicas_in_sync"
on_fail = "Resync."
on_failure = "goto:nowhere"

[[step]]
id = "branch"
title = "Branch"
kind = "decision"
on = "check-it"
if_true = "end"
if_false = "elsewhere"
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:14: step.check-it.on_failure: no step has id `nowhere`; known steps: check-it, branch, or `end`",
            "t.toml:22: step.branch.if_false: no step has id `elsewhere`; known steps: check-it, branch, or `end`",
        ]
    );
}

#[test]
fn a_decision_branches_only_on_an_earlier_check() {
    let found = errors(
        r#"
[[step]]
id = "note"
title = "Note"
kind = "manual"
instructions = "Write it down."

[[step]]
id = "on-manual"
title = "Branch on a manual step"
kind = "decision"
on = "note"
if_true = "end"
if_false = "end"

[[step]]
id = "on-later"
title = "Branch on a later check"
kind = "decision"
on = "later"
if_true = "end"
if_false = "end"

[[step]]
id = "on-missing"
title = "Branch on nothing"
kind = "decision"
on = "ghost"
if_true = "end"
if_false = "end"

[[step]]
id = "later"
title = "Later"
kind = "check"
assert = "replicas_in_sync"
on_fail = "Resync."
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:18: step.on-manual.on: `note` is not a check step; a decision can only branch on a check",
            "t.toml:26: step.on-later.on: step `later` does not run before this one; only earlier steps can be read",
            "t.toml:34: step.on-missing.on: no step has id `ghost`; known steps: note, on-manual, on-later, on-missing, later",
        ]
    );
}

#[test]
fn missing_parameters_are_reported_at_the_template_line_inside_markdown() {
    let found = errors(
        r#"
[[step]]
id = "a"
title = "A"
kind = "manual"
instructions = """
Open the console.
Find {{param.secret}} and
tag it {{param.incident}}.
"""
checklist = ["Told {{param.owner}}"]
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:14: step.a.instructions: no parameter is named `secret`; declared parameters: none",
            "t.toml:15: step.a.instructions: no parameter is named `incident`; declared parameters: none",
            "t.toml:17: step.a.checklist[0]: no parameter is named `owner`; declared parameters: none",
        ]
    );
}

#[test]
fn step_references_need_an_earlier_step_and_a_declared_output() {
    let found = errors(
        r#"
[[step]]
id = "contain"
title = "Contain"
kind = "manual"
instructions = "Contain it."
outputs = ["previous_policy"]

[[step]]
id = "restore"
title = "Restore"
kind = "action"
action = "restore_policy"
args = { policy = "{{steps.contain.output.policy}}", after = "{{steps.verify.finished_at}}", who = "{{steps.gone.started_at}}" }
confirm = "restore"

[[step]]
id = "verify"
title = "Verify"
kind = "check"
assert = "current_version_changed_since(steps.contain.finished_at)"
on_fail = "Rotate again."
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:20: step.restore.args.after: unknown argument for action `restore_policy`; expected: secret_id, policy",
            "t.toml:20: step.restore.args.after: step `verify` does not run before this one; only earlier steps can be read",
            "t.toml:20: step.restore.args.policy: step `contain` has no output `policy`; its outputs: previous_policy (declare it in `outputs`)",
            "t.toml:20: step.restore.args.secret_id: missing; action `restore_policy` needs it",
            "t.toml:20: step.restore.args.who: unknown argument for action `restore_policy`; expected: secret_id, policy",
            "t.toml:20: step.restore.args.who: `steps.gone.started_at` names no step: no step has id `gone`; known steps: contain, restore, verify",
        ]
    );
}

#[test]
fn malformed_templates_are_errors() {
    let found = errors(
        "[[step]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\ninstructions = \"See {{secret}} and {{param.x\"\n",
    );
    assert_eq!(
        found,
        vec![
            "t.toml:11: step.a.instructions: `secret` is not a reference; use param.NAME, steps.ID.output.NAME, steps.ID.started_at or steps.ID.finished_at",
            "t.toml:11: step.a.instructions: unclosed `{{`; a template ends with `}}`",
        ]
    );
}

#[test]
fn duplicate_step_ids_and_parameter_names_are_errors() {
    let found = errors(&format!(
        r#"{SECRET_PARAM}
[[param]]
name = "secret"
type = "string"

[[step]]
id = "a"
title = "A"
kind = "manual"
instructions = "Do it."

[[step]]
id = "a"
title = "A again"
kind = "manual"
instructions = "Do it again."
"#
    ));
    assert_eq!(
        found,
        vec![
            "t.toml:13: param.secret.name: duplicate parameter `secret`; first declared on line 8",
            "t.toml:23: step.a.id: duplicate step id `a`; first used on line 17",
        ]
    );
}

#[test]
fn each_kind_reports_its_missing_fields_at_the_step_header() {
    let found = errors(
        r#"
[[step]]
id = "m"
title = "Manual"
kind = "manual"

[[step]]
id = "q"
title = "Query"
kind = "query"

[[step]]
id = "a"
title = "Action"
kind = "action"
action = "tag"

[[step]]
id = "c"
title = "Check"
kind = "check"

[[step]]
id = "d"
title = "Decision"
kind = "decision"

[[step]]
kind = "manual"
instructions = "No id, no title."
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:8: step.m.instructions: missing; a manual step needs `instructions` (Markdown)",
            "t.toml:13: step.q.output: missing; name the evidence so later steps can use it",
            "t.toml:13: step.q.query: missing; a query step needs `query`, one of: describe_secret, resource_policy, versions, who_read, replica_status, leak_match",
            "t.toml:18: step.a.args: missing; action `tag` needs secret_id, tags",
            "t.toml:18: step.a.confirm: missing; an action needs the text the operator types to approve it",
            "t.toml:24: step.c.assert: missing; a check step needs `assert`, e.g. assert = \"replicas_in_sync\"",
            "t.toml:24: step.c.on_fail: missing; say what the operator should do when the check fails",
            "t.toml:29: step.d.options: missing; list the answers, e.g. options = [{ label = \"Yes\", goto = \"contain\" }]",
            "t.toml:29: step.d.question: missing; a decision needs `question` + `options`, `on` + `if_true` + `if_false`, or `on` + `cases` + `otherwise`",
            "t.toml:34: step[5].id: missing; every step needs an id, used by gotos and {{steps.ID...}}",
            "t.toml:34: step[5].title: missing; a one-line title shown in the step list",
        ]
    );
}

#[test]
fn unknown_kinds_queries_actions_and_assertions_are_errors() {
    let found = errors(
        r#"
[[step]]
id = "k"
title = "Kind"
kind = "wait"

[[step]]
id = "q"
title = "Query"
kind = "query"
query = "get_secret_value"
output = "value"

[[step]]
id = "a"
title = "Action"
kind = "action"
action = "delete_secret"
confirm = "yes"

[[step]]
id = "c"
title = "Check"
kind = "check"
assert = "no_reads_by(param.suspect)"
on_fail = "Look again."
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:11: step.k.kind: unknown step kind `wait`; expected one of: manual, query, action, check, decision",
            "t.toml:17: step.q.query: unknown query `get_secret_value`; expected one of: describe_secret, resource_policy, versions, who_read, replica_status, leak_match",
            "t.toml:24: step.a.action: unknown action `delete_secret`; expected one of: rotate_now, put_deny_all_policy, restore_policy, tag, cancel_rotation, restore_secret, replicate_to_region, promote_replica",
            "t.toml:31: step.c.assert: `no_reads_by` takes a principal and `since=`; write e.g. `no_reads_by(param.suspect, since=steps.contain.finished_at)`",
        ]
    );
}

#[test]
fn parameter_types_defaults_and_validation_are_checked() {
    let found = errors(
        r#"
[[param]]
name = "when"
type = "timestamp"

[[param]]
name = "dr"
type = "regions"
default = ["eu-west-1", "Frankfurt"]

[[param]]
name = "suspect"
type = "principal"
required = true
default = "arn:aws:iam::123456789012:user/mallory"

[[param]]
name = "level"
type = "string"
pattern = "sev*"
one_of = ["sev1", "sev2"]

[[param]]
name = "sev"
type = "string"
one_of = ["sev1", "sev2"]
default = "sev4"

[[step]]
id = "a"
title = "A"
kind = "manual"
instructions = "Do it."
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:10: param.when.type: unknown type `timestamp`; expected one of: secret, region, regions, string, duration, principal",
            "t.toml:15: param.dr.default: invalid default: `Frankfurt` is not an AWS region code such as `eu-west-1`",
            "t.toml:21: param.suspect.default: a required parameter takes no default; drop `required` or the default",
            "t.toml:26: param.level.pattern: use either `pattern` or `one_of`, not both",
            "t.toml:33: param.sev.default: invalid default: `sev4` is not one of: sev1, sev2",
        ]
    );
}

#[test]
fn wrong_value_types_and_failure_policies_are_errors() {
    let found = errors(
        r#"
[[step]]
id = "a"
title = 7
kind = "manual"
instructions = "Do it."
retries = 50
on_failure = "retry"
note = "yes"
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:10: step.a.title: expected a string, found integer",
            "t.toml:13: step.a.retries: must be between 0 and 10",
            "t.toml:14: step.a.on_failure: `retry` is not a failure policy; use stop, continue or goto:STEP-ID",
            "t.toml:15: step.a.note: expected true or false, found string",
        ]
    );
}

#[test]
fn a_runbook_needs_metadata_and_steps() {
    let found: Vec<String> = validate("[[param]]\nname = \"x\"\ntype = \"string\"\n", "t.toml")
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        vec![
            "t.toml:1: runbook: missing; add a [runbook] table with id, title, when_to_use, roles and version",
            "t.toml:1: step: missing; a runbook needs at least one [[step]]",
        ]
    );
    let found: Vec<String> = validate("[runbook]\nid = \"Bad Id\"\n\n[[step]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\ninstructions = \"x\"\n", "t.toml")
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        vec![
            "t.toml:1: runbook.roles: missing; list who runs it, e.g. roles = [\"incident-responder\"]",
            "t.toml:1: runbook.title: missing; a one-line title for the runbook list",
            "t.toml:1: runbook.version: missing; a whole number, raised on every reviewed change",
            "t.toml:1: runbook.when_to_use: missing; say when a responder should pick this runbook",
            "t.toml:2: runbook.id: `Bad Id` is not a valid name; use lowercase letters, digits, `_` and `-`, starting with a letter",
        ]
    );
}

#[test]
fn a_broken_step_does_not_cascade_into_reference_errors() {
    // `check-it` lacks `on_fail`; the decision that branches on it must not also fail.
    let found = errors(
        r#"
[[step]]
id = "check-it"
title = "Check"
kind = "check"
assert = "replicas_in_sync"

[[step]]
id = "branch"
title = "Branch"
kind = "decision"
on = "check-it"
if_true = "end"
if_false = "check-it"
"#,
    );
    assert_eq!(
        found,
        vec![
            "t.toml:8: step.check-it.on_fail: missing; say what the operator should do when the check fails"
        ]
    );
}
