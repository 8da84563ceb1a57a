//! From a spanned TOML document to a [`Runbook`]: the document's shape, the `[runbook]` table and
//! the `[[param]]` tables. Steps are in `step.rs`; cross-references are checked in `validate.rs`.

use toml::de::{DeTable, DeValue};

use super::messages::{id_rule, unknown};
use super::reader::{Reader, Str, Table};
use super::refs::is_identifier;
use super::spec::{Meta, Param, ParamType, ParamValue, Runbook, Validation};
use super::step::parse_steps;
use super::values::check_value;

const TOP_KEYS: &[&str] = &["runbook", "param", "step"];
const META_KEYS: &[&str] = &["id", "title", "when_to_use", "roles", "version"];
const PARAM_KEYS: &[&str] = &[
    "name",
    "type",
    "required",
    "default",
    "pattern",
    "one_of",
    "description",
];

/// Reads the whole document; returns a runbook only when nothing was wrong with its shape.
pub(super) fn parse_document(reader: &mut Reader, document: &DeTable) -> Option<Runbook> {
    let top = Table {
        entries: document,
        span: 0..0,
        path: String::new(),
    };
    for key in document.keys() {
        if !TOP_KEYS.contains(&key.get_ref().as_ref()) {
            reader.error(
                key.span(),
                key.get_ref().to_string(),
                "unknown key; a runbook has only [runbook], [[param]] and [[step]]",
            );
        }
    }
    let meta = match document.get("runbook") {
        Some(value) => match value.get_ref() {
            DeValue::Table(entries) => parse_meta(
                reader,
                &Table {
                    entries,
                    span: value.span(),
                    path: "runbook".to_string(),
                },
            ),
            other => {
                let message = format!("expected a [runbook] table, found {}", other.type_str());
                reader.error(value.span(), "runbook", message);
                None
            }
        },
        None => {
            reader.error(
                0..0,
                "runbook",
                "missing; add a [runbook] table with id, title, when_to_use, roles and version",
            );
            None
        }
    };
    let params = array_of_tables(reader, &top, "param")
        .map(|tables| parse_params(reader, &tables))
        .unwrap_or_default();
    let steps = match array_of_tables(reader, &top, "step") {
        Some(tables) if !tables.is_empty() => parse_steps(reader, &tables),
        _ => {
            reader.error(
                0..0,
                "step",
                "missing; a runbook needs at least one [[step]]",
            );
            None
        }
    };
    Some(Runbook {
        meta: meta?,
        params: params.into_iter().collect::<Option<Vec<_>>>()?,
        steps: steps?,
    })
}

fn array_of_tables<'a, 'i>(
    reader: &mut Reader,
    top: &Table<'a, 'i>,
    key: &str,
) -> Option<Vec<Table<'a, 'i>>> {
    let tables = reader.tables(top, key)?;
    Some(
        tables
            .into_iter()
            .enumerate()
            .map(|(index, table)| Table {
                path: format!("{key}[{index}]"),
                ..table
            })
            .collect(),
    )
}

fn parse_meta(reader: &mut Reader, table: &Table) -> Option<Meta> {
    reader.unknown_keys(table, META_KEYS, |key| unknown(key, META_KEYS));
    let id = reader.required_string(table, "id", "the runbook's id, e.g. \"compromised-secret\"");
    if let Some(id) = &id
        && !is_identifier(&id.value)
    {
        reader.error(id.span.clone(), "runbook.id", id_rule(&id.value));
    }
    let title = reader.required_string(table, "title", "a one-line title for the runbook list");
    let when_to_use = reader.required_string(
        table,
        "when_to_use",
        "say when a responder should pick this runbook",
    );
    if table.entries.get("roles").is_none() {
        reader.missing(
            table,
            "roles",
            "list who runs it, e.g. roles = [\"incident-responder\"]",
        );
    }
    let roles = reader.strings(table, "roles");
    if table.entries.get("version").is_none() {
        reader.missing(
            table,
            "version",
            "a whole number, raised on every reviewed change",
        );
    }
    let version = reader.count(table, "version", u32::MAX);
    Some(Meta {
        id: id?.value,
        title: title?.value,
        when_to_use: when_to_use?.value,
        roles: roles?.into_iter().map(|role| role.value).collect(),
        version: version?,
    })
}

fn parse_params(reader: &mut Reader, tables: &[Table]) -> Vec<Option<Param>> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut params = Vec::new();
    for table in tables {
        let name = reader.string(table, "name");
        let table = &Table {
            entries: table.entries,
            span: table.span.clone(),
            path: name
                .as_ref()
                .filter(|name| is_identifier(&name.value))
                .map_or_else(
                    || table.path.clone(),
                    |name| format!("param.{}", name.value),
                ),
        };
        if let Some(name) = &name {
            let line = reader.line(name.span.start);
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == name.value) {
                let message = format!(
                    "duplicate parameter `{}`; first declared on line {first}",
                    name.value
                );
                reader.error(name.span.clone(), table.field("name"), message);
            }
            seen.push((name.value.clone(), line));
        }
        params.push(parse_param(reader, table, name));
    }
    params
}

fn parse_param(reader: &mut Reader, table: &Table, name: Option<Str>) -> Option<Param> {
    reader.unknown_keys(table, PARAM_KEYS, |key| unknown(key, PARAM_KEYS));
    if name.is_none() && table.entries.get("name").is_none() {
        reader.missing(
            table,
            "name",
            "every parameter needs a name, used as {{param.NAME}}",
        );
    }
    if let Some(name) = &name
        && !is_identifier(&name.value)
    {
        reader.error(name.span.clone(), table.field("name"), id_rule(&name.value));
    }
    if table.entries.get("type").is_none() {
        reader.missing(
            table,
            "type",
            &format!("one of: {}", ParamType::NAMES.join(", ")),
        );
    }
    let param_type = reader.string(table, "type").and_then(|text| {
        let parsed = ParamType::from_name(&text.value);
        if parsed.is_none() {
            let message = format!(
                "unknown type `{}`; expected one of: {}",
                text.value,
                ParamType::NAMES.join(", ")
            );
            reader.error(text.span, table.field("type"), message);
        }
        parsed
    });
    let required = reader.boolean(table, "required").unwrap_or(false);
    let description = reader
        .string(table, "description")
        .map(|text| text.value)
        .unwrap_or_default();
    let validation = parse_validation(reader, table);
    let default = parse_default(reader, table, param_type, validation.as_ref());
    if required && let Some(value) = table.entries.get("default") {
        reader.error(
            value.span(),
            table.field("default"),
            "a required parameter takes no default; drop `required` or the default",
        );
    }
    Some(Param {
        name: name?.value,
        param_type: param_type?,
        required,
        default,
        validation,
        description,
        line: reader.line(table.span.start),
    })
}

fn parse_validation(reader: &mut Reader, table: &Table) -> Option<Validation> {
    let pattern = reader.string(table, "pattern");
    let one_of = reader.strings(table, "one_of");
    match (pattern, one_of) {
        (Some(pattern), Some(_)) => {
            reader.error(
                pattern.span,
                table.field("pattern"),
                "use either `pattern` or `one_of`, not both",
            );
            None
        }
        (Some(pattern), None) => Some(Validation::Pattern(pattern.value)),
        (None, Some(options)) if options.is_empty() => {
            if let Some(value) = table.entries.get("one_of") {
                reader.error(
                    value.span(),
                    table.field("one_of"),
                    "must list at least one value",
                );
            }
            None
        }
        (None, Some(options)) => Some(Validation::OneOf(
            options.into_iter().map(|option| option.value).collect(),
        )),
        (None, None) => None,
    }
}

fn parse_default(
    reader: &mut Reader,
    table: &Table,
    param_type: Option<ParamType>,
    validation: Option<&Validation>,
) -> Option<ParamValue> {
    let raw = table.entries.get("default")?;
    let value = match raw.get_ref() {
        DeValue::String(text) => ParamValue::One(text.to_string()),
        DeValue::Array(_) => ParamValue::Many(
            reader
                .strings(table, "default")?
                .into_iter()
                .map(|item| item.value)
                .collect(),
        ),
        other => {
            let message = format!(
                "expected a string or an array of strings, found {}",
                other.type_str()
            );
            reader.error(raw.span(), table.field("default"), message);
            return None;
        }
    };
    if let Some(param_type) = param_type
        && let Err(message) = check_value(param_type, validation, &value)
    {
        reader.error(
            raw.span(),
            table.field("default"),
            format!("invalid default: {message}"),
        );
        return None;
    }
    Some(value)
}
