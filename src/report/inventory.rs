//! `strongroom inventory`: the inventory as an aligned table, JSON, or CSV.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::State;
use crate::app::columns::{self, Column, SPECS};
use crate::domain::rotation::next_due;
use crate::domain::untrusted::neutralise;
use crate::domain::{CellHealth, Entry, RotationStatus, Tag, Version, environment_of};
use crate::report::csv_cell::SafeCsv;

#[derive(Serialize)]
pub struct Report<'a> {
    pub generated_at: DateTime<Utc>,
    pub source: &'a str,
    pub cells: Vec<CellOut>,
    pub secrets: Secrets<'a>,
}

/// The visible rows, each built as it is written (an organization's are tens of thousands).
pub struct Secrets<'a>(&'a State);

impl Serialize for Secrets<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let state = self.0;
        serializer.collect_seq(
            state
                .rows
                .iter()
                .map(|&i| secret(&state.inventory.entries[i], state)),
        )
    }
}

#[derive(Serialize)]
pub struct CellOut {
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    pub region: String,
    pub health: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct SecretOut<'a> {
    pub name: &'a str,
    pub arn: &'a str,
    pub account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<&'a str>,
    pub region: &'a str,
    pub replica_of: Option<&'a str>,
    pub environment: Option<String>,
    pub owner: Option<&'a str>,
    pub classification: Option<&'a str>,
    pub description: Option<&'a str>,
    pub kms_key_id: Option<&'a str>,
    pub rotation_enabled: bool,
    pub rotation_every_days: Option<i64>,
    pub rotation_schedule: Option<&'a str>,
    pub last_rotated: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub rotation_status: String,
    pub last_accessed: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub deleted: Option<DateTime<Utc>>,
    pub tags: &'a [Tag],
    pub versions: &'a [Version],
    pub replicas: Vec<ReplicaOut<'a>>,
}

#[derive(Serialize)]
pub struct ReplicaOut<'a> {
    pub region: &'a str,
    pub status: &'static str,
    pub message: Option<&'a str>,
    pub last_accessed: Option<DateTime<Utc>>,
}

pub fn build(state: &State) -> Report<'_> {
    Report {
        generated_at: state.now,
        source: &state.source.label,
        cells: cells(state),
        secrets: Secrets(state),
    }
}

fn cells(state: &State) -> Vec<CellOut> {
    state
        .cells
        .iter()
        .map(|(cell, cs)| CellOut {
            account: cell.account.clone(),
            account_name: state.account_names.get(&cell.account).cloned(),
            region: cell.region.clone(),
            health: cs.health.label().to_string(),
            error: cs.health.detail().map(str::to_string),
        })
        .collect()
}

fn secret<'a>(entry: &'a Entry, state: &'a State) -> SecretOut<'a> {
    let now = state.now;
    let s = &entry.secret;
    SecretOut {
        name: &s.name,
        arn: &s.arn,
        account: &s.account,
        account_name: state.account_names.get(&s.account).map(String::as_str),
        region: &s.region,
        replica_of: s.primary_region.as_deref().filter(|_| s.is_replica()),
        environment: environment_of(s),
        owner: s.tag("Owner"),
        classification: s.tag("Classification"),
        description: s.description.as_deref(),
        kms_key_id: s.kms_key_id.as_deref(),
        rotation_enabled: s.rotation.enabled,
        rotation_every_days: s.rotation.every_days,
        rotation_schedule: s.rotation.schedule_expression.as_deref(),
        last_rotated: s.last_rotated,
        next_due: s
            .last_rotated
            .and_then(|l| next_due(s, l))
            .or(s.next_rotation),
        rotation_status: RotationStatus::of(s, now).label(),
        last_accessed: entry.last_accessed(),
        created: s.created,
        deleted: s.deleted,
        tags: &s.tags,
        versions: &s.versions,
        replicas: entry
            .replica_views()
            .into_iter()
            .map(|v| ReplicaOut {
                region: v.region,
                status: v.status.label(),
                message: v.message,
                last_accessed: v.listing.and_then(|l| l.last_accessed),
            })
            .collect(),
    }
}

/// Indented for a person at a terminal; written as it is serialised (an organization's
/// inventory is tens of megabytes, not worth holding as one string).
pub fn write_json_pretty(state: &State, out: impl std::io::Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &build(state))
}

/// Compact, for a pipe or a file: the same document as [`write_json_pretty`] without the
/// indentation. An organization's 40,000 secrets are serialised in parallel, a slice of rows
/// per core, each slice to its own buffer, and written in order.
pub fn write_json(state: &State, out: impl std::io::Write) -> std::io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per = state.rows.len().div_ceil(threads).max(JSON_SLICE_MIN);
    write_json_sliced(state, out, per)
}

/// [`write_json`] with `per` rows a thread.
fn write_json_sliced(
    state: &State,
    mut out: impl std::io::Write,
    per: usize,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Head<'a> {
        generated_at: DateTime<Utc>,
        source: &'a str,
        cells: Vec<CellOut>,
    }
    let head = serde_json::to_string(&Head {
        generated_at: state.now,
        source: &state.source.label,
        cells: cells(state),
    })?;
    // `{"generated_at":...,"source":...,"cells":[...]` then `,"secrets":[` rows `]}`.
    out.write_all(head.trim_end_matches('}').as_bytes())?;
    out.write_all(b",\"secrets\":[")?;
    let slices: Vec<serde_json::Result<Vec<u8>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = state
            .rows
            .chunks(per.max(1))
            .map(|rows| scope.spawn(move || json_rows(state, rows)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(serde::ser::Error::custom("a JSON writer panicked")))
            })
            .collect()
    });
    for (i, slice) in slices.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(&slice?)?;
    }
    out.write_all(b"]}")
}

/// Below this many rows one thread writes them all.
const JSON_SLICE_MIN: usize = 2_000;

/// The rows as JSON objects separated by commas (no brackets).
fn json_rows(state: &State, rows: &[usize]) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(rows.len() * 1_100);
    for (n, &i) in rows.iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        serde_json::to_writer(&mut buf, &secret(&state.inventory.entries[i], state))?;
    }
    Ok(buf)
}

/// Every column, one row per secret; every cell is safe for a terminal and a spreadsheet.
pub fn csv(state: &State) -> Result<String, csv::Error> {
    let mut w = SafeCsv::new();
    let mut header: Vec<&str> = SPECS.iter().map(|s| s.title).collect();
    header.push("ARN");
    w.row(&header)?;
    for &i in &state.rows {
        let entry = &state.inventory.entries[i];
        let mut row: Vec<String> = SPECS
            .iter()
            .map(|s| columns::text(s.column, entry, &state.ctx()))
            .collect();
        row.push(entry.secret.arn.clone());
        w.row(&row)?;
    }
    w.finish()
}

/// An aligned plain-text table of the columns an operator reads first.
pub fn table(state: &State) -> String {
    let cols: Vec<Column> = columns::fit(200, state.multi_account());
    let rows: Vec<Vec<String>> = state
        .rows
        .iter()
        .map(|&i| {
            cols.iter()
                .map(|c| columns::text(*c, &state.inventory.entries[i], &state.ctx()))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = cols.iter().map(|c| c.title().len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(text.join("  ").trim_end());
        out.push('\n');
    };
    line(cols.iter().map(|c| c.title()).collect(), &mut out);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// Failed cells for stderr: one line per distinct reason (no credentials fails every cell the
/// same way: said once, with the cells it hides).
pub fn failures(state: &State) -> Vec<String> {
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for (cell, cs) in &state.cells {
        if matches!(cs.health, CellHealth::Ok | CellHealth::Loading) {
            continue;
        }
        let reason = neutralise(cs.health.detail().unwrap_or("")).into_owned();
        let account = state.account_label(&cell.account);
        let place = format!(
            "account {account} region {}: {}",
            cell.region,
            cs.health.label()
        );
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, places)) => places.push(place),
            None => reasons.push((reason, vec![place])),
        }
    }
    reasons
        .into_iter()
        .map(|(reason, places)| format!("strongroom: {reason} [{}]", places.join("; ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn compact_json_written_in_slices_is_the_pretty_document() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let state = crate::testing::fixtures::loaded_state(25, now);
        assert!(state.rows.len() > 7, "{} rows", state.rows.len());
        let mut pretty = Vec::new();
        write_json_pretty(&state, &mut pretty).unwrap();
        let pretty: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
        for per in [1, 7, state.rows.len(), JSON_SLICE_MIN] {
            let mut compact = Vec::new();
            write_json_sliced(&state, &mut compact, per).unwrap();
            assert!(!compact.contains(&b'\n'), "one line");
            let compact: serde_json::Value = serde_json::from_slice(&compact)
                .unwrap_or_else(|e| panic!("{per} rows a slice: {e}"));
            assert_eq!(compact, pretty, "{per} rows a slice");
        }
        let names: Vec<&str> = pretty["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = state
            .rows
            .iter()
            .map(|&i| state.inventory.entries[i].secret.name.as_str())
            .collect();
        assert_eq!(names, expected, "in the table's order");
    }
}
