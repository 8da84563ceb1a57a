//! The snapshot file: a versioned JSON capture of an inventory (and its events), for offline
//! review, evidence and bug reports. Reading is forgiving record by record: a bad secret is
//! reported with its position and name while the good ones load.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::snapshot_salvage::salvage;
use crate::domain::{Account, Cell, CellHealth, Secret};

/// The schema this build writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub captured_at: DateTime<Utc>,
    /// What produced it, e.g. "live: profiles prod, stage" or "demo".
    pub source: String,
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    /// How each (account, region) load ended when the snapshot was taken.
    #[serde(default)]
    pub cells: Vec<CellRecord>,
    /// Secrets as each cell listed them; replicas are joined on load.
    pub secrets: Vec<Secret>,
    /// CloudTrail records as AWS writes them (the `Records` entries of a log file).
    #[serde(default)]
    pub events: Vec<Value>,
    /// Access events already normalised (fetched live with LookupEvents), for hand-over.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_events: Vec<crate::trail::AccessEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    #[serde(flatten)]
    pub cell: Cell,
    pub health: CellHealth,
}

/// A snapshot that loaded, and what in it did not.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a Strongroom snapshot: {reason}")]
    Corrupt { path: String, reason: String },
    #[error(
        "{path} has snapshot schema version {found}; this build reads up to {SCHEMA_VERSION}. Upgrade strongroom to open it."
    )]
    TooNew { path: String, found: u64 },
}

/// Reads and checks a snapshot file.
pub fn read(path: &Path) -> Result<Loaded, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses snapshot text; `origin` names the file in messages.
pub fn parse(text: &str, origin: &str) -> Result<Loaded, SnapshotError> {
    // Fast path: a well-formed file of this schema deserialises in one pass.
    if let Ok(snapshot) = serde_json::from_str::<Snapshot>(text)
        && snapshot.schema_version <= SCHEMA_VERSION
    {
        return Ok(Loaded {
            snapshot,
            problems: Vec::new(),
        });
    }
    let corrupt = |reason: String| SnapshotError::Corrupt {
        path: origin.to_string(),
        reason,
    };
    let mut cut = None;
    let mut root: serde_json::Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(corrupt("the top level is not a JSON object".into())),
        Err(e) => match salvage(text) {
            // Cut short or broken part-way: keep every whole record before the break.
            Some(salvaged) if salvaged.root.contains_key("schema_version") => {
                cut = Some(salvaged.brk);
                salvaged.root
            }
            _ => {
                return Err(corrupt(format!(
                    "invalid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                )));
            }
        },
    };
    let version = root
        .get("schema_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("missing or non-numeric \"schema_version\"".into()))?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(SnapshotError::TooNew {
            path: origin.to_string(),
            found: version,
        });
    }
    let raw_secrets = match root.remove("secrets") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(corrupt("\"secrets\" is not a list".into())),
        None => Vec::new(),
    };
    root.insert("secrets".into(), Value::Array(Vec::new()));
    let mut snapshot: Snapshot = serde_json::from_value(Value::Object(root)).map_err(|e| {
        corrupt(match &cut {
            Some(b) => format!(
                "it breaks at line {}, column {} (in {}: {}) before its header is complete ({e})",
                b.line, b.column, b.at, b.reason
            ),
            None => e.to_string(),
        })
    })?;
    let mut problems = Vec::new();
    for (i, item) in raw_secrets.into_iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .map(|n| format!(" ({})", crate::domain::untrusted::neutralise(n)))
            .unwrap_or_default();
        match serde_json::from_value::<Secret>(item) {
            Ok(secret) => snapshot.secrets.push(secret),
            Err(e) => problems.push(format!("{origin}: secrets[{i}]{name} skipped: {e}")),
        }
    }
    if let Some(b) = cut {
        problems.insert(
            0,
            format!(
                "{origin} breaks at line {}, column {} (in {}: {}); kept the {} secrets and {} \
                 events before it, the rest of the file is lost",
                b.line,
                b.column,
                b.at,
                b.reason,
                snapshot.secrets.len(),
                snapshot.events.len() + snapshot.access_events.len()
            ),
        );
    }
    Ok(Loaded { snapshot, problems })
}

/// Writes a snapshot atomically (temp file, then rename) so a crash never leaves half a file.
pub fn write(path: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(snapshot)?;
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_GOOD_ONE_BAD: &str = r#"{
      "schema_version": 1,
      "captured_at": "2026-11-01T00:00:00Z",
      "source": "test",
      "accounts": [{"id": "111122223333"}],
      "regions": ["us-east-1"],
      "secrets": [
        {"arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "name": "a",
         "account": "111122223333", "region": "us-east-1"},
        {"arn": 7, "name": "broken"}
      ]
    }"#;

    #[test]
    fn a_bad_secret_is_named_and_the_good_ones_load() {
        let loaded = parse(ONE_GOOD_ONE_BAD, "t.json").unwrap();
        assert_eq!(loaded.snapshot.secrets.len(), 1);
        assert_eq!(loaded.problems.len(), 1);
        assert!(loaded.problems[0].starts_with("t.json: secrets[1] (broken) skipped"));
    }

    #[test]
    fn a_newer_schema_is_refused_with_advice() {
        let text = ONE_GOOD_ONE_BAD.replace("\"schema_version\": 1", "\"schema_version\": 9");
        let err = parse(&text, "t.json").unwrap_err().to_string();
        assert!(err.contains("schema version 9"), "{err}");
        assert!(err.contains("Upgrade strongroom"), "{err}");
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let err = parse("{\n  \"schema_version\": 1,\n  oops\n}", "t.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.json"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn a_truncated_demo_keeps_every_whole_record_before_the_cut() {
        let whole = include_str!("../../assets/demo-snapshot.json");
        let mut end = 50_000;
        while !whole.is_char_boundary(end) {
            end -= 1;
        }
        let cut = &whole[..end];
        let loaded = parse(cut, "cut.json").expect("the whole records load");
        let full = parse(whole, "demo").unwrap();
        // Every secret line that ends before the cut is whole and kept.
        let whole_lines = cut
            .lines()
            .filter(|l| l.starts_with("{\"arn\"") && l.ends_with("},"))
            .count();
        assert_eq!(loaded.snapshot.secrets.len(), whole_lines);
        assert!(whole_lines > 10, "{whole_lines}");
        assert_eq!(
            loaded.snapshot.secrets[..],
            full.snapshot.secrets[..whole_lines]
        );
        let line = cut.lines().count();
        let first = &loaded.problems[0];
        assert!(
            first.starts_with(&format!("cut.json breaks at line {line}, column ")),
            "{first}"
        );
        assert!(
            first.contains(&format!("in secrets[{whole_lines}]")),
            "{first}"
        );
        assert!(
            first.contains(&format!("kept the {whole_lines} secrets")),
            "{first}"
        );
    }

    #[test]
    fn a_file_cut_inside_its_header_names_the_break() {
        let err = parse("{\"schema_version\": 1, \"captured_at\": \"2026-", "t.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("breaks at line 1"), "{err}");
        assert!(err.contains("captured_at"), "{err}");
    }

    #[test]
    fn round_trips_through_a_file() {
        let loaded = parse(ONE_GOOD_ONE_BAD, "t.json").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.json");
        write(&path, &loaded.snapshot).unwrap();
        let again = read(&path).unwrap();
        assert_eq!(again.snapshot, loaded.snapshot);
        assert!(again.problems.is_empty());
    }
}
