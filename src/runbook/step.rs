//! `[[step]]` tables: the fields every step has, then the fields of its kind.

use toml::de::DeValue;

use super::assertion::{assertion_refs, parse_assertion};
use super::messages::{id_rule, unknown};
use super::reader::{Reader, Str, Table, Target};
use super::refs::is_identifier;
use super::spec::{
    ActionKind, ArgValue, Args, END, OnFailure, QueryKind, Step, StepBody, StepKind,
};
use super::step_decision::parse_decision;

const COMMON_KEYS: &[&str] = &["id", "title", "kind", "on_failure", "retries", "outputs"];
const MANUAL_KEYS: &[&str] = &["instructions", "checklist", "note"];
const QUERY_KEYS: &[&str] = &["query", "args", "output"];
const ACTION_KEYS: &[&str] = &["action", "args", "confirm"];
const CHECK_KEYS: &[&str] = &["assert", "on_fail"];
const DECISION_KEYS: &[&str] = &[
    "question",
    "options",
    "on",
    "if_true",
    "if_false",
    "cases",
    "otherwise",
];
/// More than this many retries hides an outage instead of riding out a throttle.
const MAX_RETRIES: u32 = 10;

fn kind_keys(kind: StepKind) -> &'static [&'static str] {
    match kind {
        StepKind::Manual => MANUAL_KEYS,
        StepKind::Query => QUERY_KEYS,
        StepKind::Action => ACTION_KEYS,
        StepKind::Check => CHECK_KEYS,
        StepKind::Decision => DECISION_KEYS,
    }
}

const KINDS: [StepKind; 5] = [
    StepKind::Manual,
    StepKind::Query,
    StepKind::Action,
    StepKind::Check,
    StepKind::Decision,
];

pub(super) fn parse_steps(reader: &mut Reader, tables: &[Table]) -> Option<Vec<Step>> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut steps = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let id = reader.string(table, "id");
        let table = &Table {
            entries: table.entries,
            span: table.span.clone(),
            path: id
                .as_ref()
                .filter(|id| is_identifier(&id.value))
                .map_or_else(|| table.path.clone(), |id| format!("step.{}", id.value)),
        };
        if let Some(id) = &id {
            let line = reader.line(id.span.start);
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == id.value) {
                let message = format!(
                    "duplicate step id `{}`; first used on line {first}",
                    id.value
                );
                reader.error(id.span.clone(), table.field("id"), message);
            }
            seen.push((id.value.clone(), line));
        }
        steps.push(parse_step(reader, table, index, id));
    }
    steps.into_iter().collect()
}

fn parse_step(reader: &mut Reader, table: &Table, index: usize, id: Option<Str>) -> Option<Step> {
    let kind = parse_kind(reader, table);
    check_keys(reader, table, kind);
    if table.entries.get("id").is_none() {
        reader.missing(
            table,
            "id",
            "every step needs an id, used by gotos and {{steps.ID...}}",
        );
    }
    if let Some(id) = &id {
        if !is_identifier(&id.value) {
            reader.error(id.span.clone(), table.field("id"), id_rule(&id.value));
        } else if id.value == END {
            reader.error(
                id.span.clone(),
                table.field("id"),
                "`end` is reserved for gotos that finish the runbook",
            );
        }
    }
    let title = reader.required_string(table, "title", "a one-line title shown in the step list");
    let on_failure = parse_on_failure(reader, table, index);
    let retries = reader.count(table, "retries", MAX_RETRIES).unwrap_or(0);
    let mut outputs = names(reader, table, "outputs").unwrap_or_default();
    let body = match kind? {
        StepKind::Manual => parse_manual(reader, table, index),
        StepKind::Query => parse_query(reader, table, index),
        StepKind::Action => parse_action(reader, table, index),
        StepKind::Check => parse_check(reader, table, index),
        StepKind::Decision => parse_decision(reader, table, index),
    };
    if let Some(StepBody::Query { output, .. }) = &body
        && !outputs.contains(output)
    {
        outputs.push(output.clone());
    }
    Some(Step {
        id: id?.value,
        title: title?.value,
        on_failure: on_failure?,
        retries,
        outputs,
        body: body?,
        line: reader.line(table.span.start),
    })
}

fn parse_kind(reader: &mut Reader, table: &Table) -> Option<StepKind> {
    let names = StepKind::NAMES.join(", ");
    if table.entries.get("kind").is_none() {
        reader.missing(table, "kind", &format!("one of: {names}"));
    }
    let text = reader.string(table, "kind")?;
    let kind = StepKind::from_name(&text.value);
    if kind.is_none() {
        let message = format!(
            "unknown step kind `{}`; expected one of: {names}",
            text.value
        );
        reader.error(text.span, table.field("kind"), message);
    }
    kind
}

/// Unknown keys; a key that belongs to another kind says so. Without a kind, any kind's key passes.
fn check_keys(reader: &mut Reader, table: &Table, kind: Option<StepKind>) {
    let mut allowed: Vec<&str> = COMMON_KEYS.to_vec();
    match kind {
        Some(kind) => allowed.extend(kind_keys(kind)),
        None => KINDS
            .iter()
            .for_each(|kind| allowed.extend(kind_keys(*kind))),
    }
    reader.unknown_keys(table, &allowed, |key| {
        let owner = KINDS.iter().find(|other| kind_keys(**other).contains(&key));
        match (kind, owner) {
            (Some(kind), Some(owner)) => format!(
                "`{key}` belongs to {} steps, not to a {} step; expected one of: {}",
                owner.name(),
                kind.name(),
                allowed.join(", ")
            ),
            _ => unknown(key, &allowed),
        }
    });
}

fn parse_on_failure(reader: &mut Reader, table: &Table, index: usize) -> Option<OnFailure> {
    let Some(text) = reader.string(table, "on_failure") else {
        return table
            .entries
            .get("on_failure")
            .is_none()
            .then_some(OnFailure::Stop);
    };
    match text.value.as_str() {
        "stop" => Some(OnFailure::Stop),
        "continue" => Some(OnFailure::Continue),
        other => match other.strip_prefix("goto:") {
            Some(target) => {
                let target = target.trim().to_string();
                reader.refer(
                    text.span,
                    table.field("on_failure"),
                    Some(index),
                    Target::Step(target.clone()),
                );
                Some(OnFailure::Goto(target))
            }
            None => {
                let message = format!(
                    "`{other}` is not a failure policy; use stop, continue or goto:STEP-ID"
                );
                reader.error(text.span, table.field("on_failure"), message);
                None
            }
        },
    }
}

fn parse_manual(reader: &mut Reader, table: &Table, index: usize) -> Option<StepBody> {
    let instructions = reader.required_string(
        table,
        "instructions",
        "a manual step needs `instructions` (Markdown)",
    );
    let checklist = reader.strings(table, "checklist").unwrap_or_default();
    for (position, item) in checklist.iter().enumerate() {
        reader.templates(
            item,
            &format!("{}[{position}]", table.field("checklist")),
            Some(index),
        );
    }
    let note = reader.boolean(table, "note").unwrap_or(false);
    let instructions = instructions?;
    reader.templates(&instructions, &table.field("instructions"), Some(index));
    Some(StepBody::Manual {
        instructions: instructions.value,
        checklist: checklist.into_iter().map(|item| item.value).collect(),
        note,
    })
}

fn parse_query(reader: &mut Reader, table: &Table, index: usize) -> Option<StepBody> {
    let names = QueryKind::NAMES.join(", ");
    let query = reader.required_string(
        table,
        "query",
        &format!("a query step needs `query`, one of: {names}"),
    );
    let query = query.and_then(|text| {
        let kind = QueryKind::from_name(&text.value);
        if kind.is_none() {
            let message = format!("unknown query `{}`; expected one of: {names}", text.value);
            reader.error(text.span, table.field("query"), message);
        }
        kind
    });
    let args = parse_args(reader, table, index);
    if let Some(kind) = query {
        check_arg_names(
            reader,
            table,
            &format!("query `{}`", text_of(table, "query")),
            kind.args(),
        );
    }
    let output = reader.required_string(
        table,
        "output",
        "name the evidence so later steps can use it",
    );
    if let Some(output) = &output
        && !is_identifier(&output.value)
    {
        reader.error(
            output.span.clone(),
            table.field("output"),
            id_rule(&output.value),
        );
    }
    Some(StepBody::Query {
        query: query?,
        args: args?,
        output: output?.value,
    })
}

fn parse_action(reader: &mut Reader, table: &Table, index: usize) -> Option<StepBody> {
    let names = ActionKind::NAMES.join(", ");
    let action = reader.required_string(
        table,
        "action",
        &format!("an action step needs `action`, one of: {names}"),
    );
    let action = action.and_then(|text| {
        let kind = ActionKind::from_name(&text.value);
        if kind.is_none() {
            let message = format!("unknown action `{}`; expected one of: {names}", text.value);
            reader.error(text.span, table.field("action"), message);
        }
        kind
    });
    let args = parse_args(reader, table, index);
    if let Some(kind) = action {
        check_arg_names(
            reader,
            table,
            &format!("action `{}`", text_of(table, "action")),
            kind.args(),
        );
    }
    let confirm = reader.required_string(
        table,
        "confirm",
        "an action needs the text the operator types to approve it",
    );
    if let Some(confirm) = &confirm {
        reader.templates(confirm, &table.field("confirm"), Some(index));
    }
    Some(StepBody::Action {
        action: action?,
        args: args?,
        confirm: confirm?.value,
    })
}

/// Unknown arguments are errors where written; missing required ones at the step (or `args`).
fn check_arg_names(
    reader: &mut Reader,
    table: &Table,
    what: &str,
    (required, optional): (&[&str], &[&str]),
) {
    let expected = required
        .iter()
        .chain(optional)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let Some(args) = reader.table(table, "args") else {
        if table.entries.get("args").is_none() && !required.is_empty() {
            reader.missing(
                table,
                "args",
                &format!("{what} needs {}", required.join(", ")),
            );
        }
        return;
    };
    for key in args.entries.keys() {
        let name = key.get_ref().as_ref();
        if !required.contains(&name) && !optional.contains(&name) {
            let message = format!("unknown argument for {what}; expected: {expected}");
            reader.error(key.span(), args.field(name), message);
        }
    }
    for name in required {
        if args.entries.get(*name).is_none() {
            reader.missing(&args, name, &format!("{what} needs it"));
        }
    }
}

fn text_of(table: &Table, key: &str) -> String {
    match table.entries.get(key).map(|v| v.get_ref()) {
        Some(DeValue::String(text)) => text.to_string(),
        _ => String::new(),
    }
}

fn parse_args(reader: &mut Reader, table: &Table, index: usize) -> Option<Args> {
    let Some(args) = reader.table(table, "args") else {
        return table.entries.get("args").is_none().then(Args::new);
    };
    let mut parsed = Args::new();
    let mut complete = true;
    for (key, value) in args.entries.iter() {
        let field = args.field(key.get_ref());
        let arg = match value.get_ref() {
            DeValue::String(text) => {
                let text = Str {
                    value: text.to_string(),
                    span: value.span(),
                };
                reader.templates(&text, &field, Some(index));
                Some(ArgValue::Text(text.value))
            }
            DeValue::Array(_) => reader.strings(&args, key.get_ref()).map(|items| {
                for item in &items {
                    reader.templates(item, &field, Some(index));
                }
                ArgValue::List(items.into_iter().map(|item| item.value).collect())
            }),
            DeValue::Boolean(flag) => Some(ArgValue::Bool(*flag)),
            DeValue::Integer(number) => i64::from_str_radix(number.as_str(), number.radix())
                .ok()
                .map(ArgValue::Integer),
            other => {
                let message = format!(
                    "expected a string, list of strings, boolean or integer, found {}",
                    other.type_str()
                );
                reader.error(value.span(), field, message);
                None
            }
        };
        match arg {
            Some(arg) => {
                parsed.insert(key.get_ref().to_string(), arg);
            }
            None => complete = false,
        }
    }
    complete.then_some(parsed)
}

fn parse_check(reader: &mut Reader, table: &Table, index: usize) -> Option<StepBody> {
    let expression = reader.required_string(
        table,
        "assert",
        "a check step needs `assert`, e.g. assert = \"replicas_in_sync\"",
    );
    let on_fail = reader.required_string(
        table,
        "on_fail",
        "say what the operator should do when the check fails",
    );
    if let Some(on_fail) = &on_fail {
        reader.templates(on_fail, &table.field("on_fail"), Some(index));
    }
    let expression = expression?;
    let assert = match parse_assertion(&expression.value) {
        Ok(assert) => assert,
        Err(message) => {
            reader.error(expression.span, table.field("assert"), message);
            return None;
        }
    };
    for value in assertion_refs(&assert) {
        let target = Target::Value(value.clone());
        reader.refer(
            expression.span.clone(),
            table.field("assert"),
            Some(index),
            target,
        );
    }
    Some(StepBody::Check {
        assert,
        on_fail: on_fail?.value,
    })
}

fn names(reader: &mut Reader, table: &Table, key: &str) -> Option<Vec<String>> {
    let names = reader.strings(table, key)?;
    for name in &names {
        if !is_identifier(&name.value) {
            reader.error(name.span.clone(), table.field(key), id_rule(&name.value));
        }
    }
    Some(names.into_iter().map(|name| name.value).collect())
}
