//! A decision step's fields: a question with options, a branch on a check's outcome, or a
//! branch on a query's answer; every goto recorded as a reference checked once all steps are known.

use super::messages::unknown;
use super::reader::{Reader, Table, Target};
use super::spec::{Decision, DecisionOption, StepBody};

const OPTION_KEYS: &[&str] = &["label", "goto"];

pub(super) fn parse_decision(reader: &mut Reader, table: &Table, index: usize) -> Option<StepBody> {
    let has = |key: &str| table.entries.get(key).is_some();
    let asks = has("question") || has("options");
    if has("cases") || has("otherwise") {
        return parse_cases(
            reader,
            table,
            index,
            asks || has("if_true") || has("if_false"),
        );
    }
    let branches = has("on") || has("if_true") || has("if_false");
    if asks && branches {
        let key = if has("on") {
            "on"
        } else if has("if_true") {
            "if_true"
        } else {
            "if_false"
        };
        let message = "a decision either asks (`question` + `options`) or branches on a check (`on` + `if_true` + `if_false`), not both";
        if let Some(value) = table.entries.get(key) {
            reader.error(value.span(), table.field(key), message);
        }
        return None;
    }
    if branches {
        let on =
            reader.required_string(table, "on", "name the check step this decision branches on");
        if let Some(on) = &on {
            reader.refer(
                on.span.clone(),
                table.field("on"),
                Some(index),
                Target::CheckStep(on.value.clone()),
            );
        }
        let if_true = goto(reader, table, "if_true", index);
        let if_false = goto(reader, table, "if_false", index);
        return Some(StepBody::Decision(Decision::OnCheck {
            check: on?.value,
            if_true: if_true?,
            if_false: if_false?,
        }));
    }
    let question = reader.required_string(
        table,
        "question",
        "a decision needs `question` + `options`, `on` + `if_true` + `if_false`, or `on` + `cases` + `otherwise`",
    );
    if let Some(question) = &question {
        reader.templates(question, &table.field("question"), Some(index));
    }
    if !has("options") {
        reader.missing(
            table,
            "options",
            "list the answers, e.g. options = [{ label = \"Yes\", goto = \"contain\" }]",
        );
    }
    let tables = reader.tables(table, "options");
    let mut options = Vec::new();
    for option in tables.iter().flatten() {
        reader.unknown_keys(option, OPTION_KEYS, |key| unknown(key, OPTION_KEYS));
        let label = reader.required_string(option, "label", "the answer as the operator reads it");
        let target = goto(reader, option, "goto", index);
        options.push(label.zip(target).map(|(label, goto)| DecisionOption {
            label: label.value,
            goto,
        }));
    }
    if let (Some(tables), Some(value)) = (&tables, table.entries.get("options"))
        && tables.len() < 2
    {
        reader.error(
            value.span(),
            table.field("options"),
            "a question needs at least two options",
        );
    }
    Some(StepBody::Decision(Decision::Question {
        question: question?.value,
        options: options.into_iter().collect::<Option<Vec<_>>>()?,
    }))
}

/// `on` + `cases` + `otherwise`: a branch per answer of an earlier query step.
fn parse_cases(reader: &mut Reader, table: &Table, index: usize, mixed: bool) -> Option<StepBody> {
    if mixed {
        let key = if table.entries.get("cases").is_some() {
            "cases"
        } else {
            "otherwise"
        };
        if let Some(value) = table.entries.get(key) {
            reader.error(
                value.span(),
                table.field(key),
                "a decision asks (`question` + `options`), branches on a check (`on` + `if_true` + \
                 `if_false`) or on a query's answer (`on` + `cases` + `otherwise`): one of them",
            );
        }
        return None;
    }
    let on = reader.required_string(
        table,
        "on",
        "name the query step whose answer this decision branches on",
    );
    if let Some(on) = &on {
        reader.refer(
            on.span.clone(),
            table.field("on"),
            Some(index),
            Target::QueryStep(on.value.clone()),
        );
    }
    if table.entries.get("cases").is_none() {
        reader.missing(
            table,
            "cases",
            "map each answer to a step, e.g. cases = { current = \"contain\", none = \"end\" }",
        );
    }
    let mut cases = Vec::new();
    let mut complete = true;
    if let Some(cases_table) = reader.table(table, "cases") {
        let answers: Vec<String> = cases_table
            .entries
            .iter()
            .map(|(k, _)| k.get_ref().to_string())
            .collect();
        for answer in answers {
            match goto(reader, &cases_table, &answer, index) {
                Some(target) => cases.push((answer, target)),
                None => complete = false,
            }
        }
    }
    let otherwise = goto(reader, table, "otherwise", index);
    if !complete {
        return None;
    }
    Some(StepBody::Decision(Decision::OnAnswer {
        query: on?.value,
        cases,
        otherwise: otherwise?,
    }))
}

fn goto(reader: &mut Reader, table: &Table, key: &str, index: usize) -> Option<String> {
    let target = reader.required_string(table, key, "name the step to go to, or `end`")?;
    reader.refer(
        target.span.clone(),
        table.field(key),
        Some(index),
        Target::Step(target.value.clone()),
    );
    Some(target.value)
}
