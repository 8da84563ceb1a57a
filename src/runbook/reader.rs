//! Reading a spanned TOML table field by field, recording every mistake with its line
//! instead of stopping at the first one.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::RunbookError;
use super::refs::{self, ValueRef};

/// Something a runbook points at, checked once every step and parameter is known.
#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub line: usize,
    pub field: String,
    /// Index of the step that holds the reference, if it sits in a step.
    pub from_step: Option<usize>,
    pub target: Target,
}

#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A goto: a step id or `end`.
    Step(String),
    /// A decision's `on`: an earlier check step.
    CheckStep(String),
    /// A decision's `on` with `cases`: an earlier query step.
    QueryStep(String),
    Value(ValueRef),
}

/// A string value with the byte range it came from.
#[derive(Debug, Clone)]
pub(super) struct Str {
    pub value: String,
    pub span: Range<usize>,
}

/// A table and how to name it in errors.
pub(super) struct Table<'a, 'i> {
    pub entries: &'a DeTable<'i>,
    /// Header (or inline table) span, used when a required field is missing.
    pub span: Range<usize>,
    pub path: String,
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.entries.get(key)
    }
}

pub(super) struct Reader<'t> {
    text: &'t str,
    file: &'t str,
    pub errors: Vec<RunbookError>,
    pub references: Vec<Reference>,
}

impl<'t> Reader<'t> {
    pub fn new(text: &'t str, file: &'t str) -> Self {
        Self {
            text,
            file,
            errors: Vec::new(),
            references: Vec::new(),
        }
    }

    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub fn error(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let line = self.line(span.start);
        self.errors.push(RunbookError {
            file: self.file.to_string(),
            line,
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn refer(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        from_step: Option<usize>,
        target: Target,
    ) {
        let line = self.line(span.start);
        self.references.push(Reference {
            line,
            field: field.into(),
            from_step,
            target,
        });
    }

    /// Reports every key of `table` that is not in `allowed`, at the key's own line.
    pub fn unknown_keys(
        &mut self,
        table: &Table,
        allowed: &[&str],
        explain: impl Fn(&str) -> String,
    ) {
        for key in table.entries.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                let message = explain(key.get_ref());
                self.error(key.span(), table.field(key.get_ref()), message);
            }
        }
    }

    pub fn missing(&mut self, table: &Table, key: &str, why: &str) {
        self.error(
            table.span.clone(),
            table.field(key),
            format!("missing; {why}"),
        );
    }

    fn wrong_type(&mut self, table: &Table, key: &str, value: &Spanned<DeValue>, expected: &str) {
        let found = value.get_ref().type_str();
        self.error(
            value.span(),
            table.field(key),
            format!("expected {expected}, found {found}"),
        );
    }

    pub fn string(&mut self, table: &Table, key: &str) -> Option<Str> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Str {
                value: text.to_string(),
                span: value.span(),
            }),
            _ => {
                self.wrong_type(table, key, value, "a string");
                None
            }
        }
    }

    pub fn required_string(&mut self, table: &Table, key: &str, why: &str) -> Option<Str> {
        if table.get(key).is_none() {
            self.missing(table, key, why);
        }
        let value = self.string(table, key)?;
        if value.value.trim().is_empty() {
            self.error(value.span.clone(), table.field(key), "must not be empty");
            return None;
        }
        Some(value)
    }

    pub fn strings(&mut self, table: &Table, key: &str) -> Option<Vec<Str>> {
        let value = table.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(table, key, value, "an array of strings");
            return None;
        };
        let mut strings = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(text) => strings.push(Str {
                    value: text.to_string(),
                    span: item.span(),
                }),
                other => self.error(
                    item.span(),
                    format!("{}[{index}]", table.field(key)),
                    format!("expected a string, found {}", other.type_str()),
                ),
            }
        }
        (strings.len() == items.len()).then_some(strings)
    }

    pub fn boolean(&mut self, table: &Table, key: &str) -> Option<bool> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            _ => {
                self.wrong_type(table, key, value, "true or false");
                None
            }
        }
    }

    /// A non-negative integer no larger than `max`.
    pub fn count(&mut self, table: &Table, key: &str, max: u32) -> Option<u32> {
        let value = table.get(key)?;
        let Some(parsed) = value.get_ref().as_integer().and_then(integer) else {
            self.wrong_type(table, key, value, "a whole number");
            return None;
        };
        match u32::try_from(parsed) {
            Ok(count) if count <= max => Some(count),
            _ => {
                self.error(
                    value.span(),
                    table.field(key),
                    format!("must be between 0 and {max}"),
                );
                None
            }
        }
    }

    pub fn table<'a, 'i>(&mut self, table: &Table<'a, 'i>, key: &str) -> Option<Table<'a, 'i>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Table(entries) => Some(Table {
                entries,
                span: value.span(),
                path: table.field(key),
            }),
            _ => {
                self.wrong_type(table, key, value, "a table");
                None
            }
        }
    }

    /// An array of tables, either `[[x.key]]` sections or `key = [{...}, {...}]`.
    pub fn tables<'a, 'i>(
        &mut self,
        table: &Table<'a, 'i>,
        key: &str,
    ) -> Option<Vec<Table<'a, 'i>>> {
        let value = table.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(table, key, value, "an array of tables");
            return None;
        };
        let mut tables = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let path = format!("{}[{index}]", table.field(key));
            match item.get_ref() {
                DeValue::Table(entries) => tables.push(Table {
                    entries,
                    span: item.span(),
                    path,
                }),
                other => self.error(
                    item.span(),
                    path,
                    format!("expected a table, found {}", other.type_str()),
                ),
            }
        }
        Some(tables)
    }

    /// Records every `{{...}}` template in `text` as a reference, at the template's own line.
    pub fn templates(&mut self, text: &Str, field: &str, from_step: Option<usize>) {
        let source = self.text.get(text.span.clone()).unwrap_or_default();
        for found in refs::templates(&text.value) {
            let (template_source, outcome) = match found {
                Ok(template) => (template.source, Ok(template.value)),
                Err((template_source, message)) => (template_source, Err(message)),
            };
            let offset = source
                .find(&template_source)
                .map_or(text.span.start, |at| text.span.start + at);
            let span = offset..offset;
            match outcome {
                Ok(value) => self.refer(span, field, from_step, Target::Value(value)),
                Err(message) => self.error(span, field, message),
            }
        }
    }
}

fn integer(value: &toml::de::DeInteger) -> Option<i64> {
    i64::from_str_radix(value.as_str(), value.radix()).ok()
}
