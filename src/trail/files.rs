//! Reading CloudTrail log files (`{"Records":[...]}`, `.json` or `.json.gz`), single files or
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/` trees. The only I/O in `trail`.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde_json::Value;

use super::event::AccessEvent;
use super::parse::parse_record;

/// What a set of paths yielded: events (de-duplicated, newest first) and what could not be read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub events: Vec<AccessEvent>,
    pub problems: Vec<Problem>,
    /// Log files opened (skipped files such as digests are not counted).
    pub files: usize,
    /// Records found in those files, parsed or not, before de-duplication.
    pub records: usize,
}

/// A file, or one record of a file, that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// Position in `Records` when one record was bad; None when the whole file was.
    pub index: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "{} record {i}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

#[derive(Deserialize)]
struct LogFile {
    #[serde(rename = "Records")]
    records: Vec<Value>,
}

/// Reads files and directories (recursively, in name order). Inside directories only `.json`
/// and `.json.gz` files are read and CloudTrail digest files are skipped; a path named
/// explicitly is always read.
pub fn read_paths(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    let mut events = Vec::new();
    for path in paths {
        let mut files = Vec::new();
        if path.is_dir() {
            collect(path, &mut files, &mut loaded.problems);
        } else {
            files.push(path.clone());
        }
        for file in files {
            loaded.files += 1;
            read_file(&file, &mut events, &mut loaded);
        }
    }
    loaded.events = merge(events, Vec::new());
    loaded
}

/// Joins two event lists: the first occurrence of an event id wins; newest first.
pub fn merge(a: Vec<AccessEvent>, b: Vec<AccessEvent>) -> Vec<AccessEvent> {
    let mut seen = HashSet::new();
    let mut events: Vec<AccessEvent> = a
        .into_iter()
        .chain(b)
        .filter(|e| seen.insert(e.event_id.clone()))
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.time));
    events
}

fn read_file(file: &Path, events: &mut Vec<AccessEvent>, loaded: &mut Loaded) {
    let log = match load(file) {
        Ok(log) => log,
        Err(reason) => {
            loaded.problems.push(Problem {
                file: file.to_path_buf(),
                index: None,
                reason,
            });
            return;
        }
    };
    loaded.records += log.records.len();
    for (index, record) in log.records.iter().enumerate() {
        match parse_record(record) {
            Ok(event) => events.push(event),
            Err(reason) => loaded.problems.push(Problem {
                file: file.to_path_buf(),
                index: Some(index),
                reason,
            }),
        }
    }
}

fn load(file: &Path) -> Result<LogFile, String> {
    let bytes = fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    decode(bytes, is_gzip_name(file))
}

/// A log file's events, and its records that could not be read (position, why).
pub type Parsed = (Vec<AccessEvent>, Vec<(usize, String)>);

/// One log file's bytes (gzipped or not) as events; a record that cannot be read is given back
/// with its position and why, the others are kept.
pub fn parse_log(bytes: Vec<u8>, gzip: bool) -> Result<Parsed, String> {
    let log = decode(bytes, gzip)?;
    let mut events = Vec::with_capacity(log.records.len());
    let mut bad = Vec::new();
    for (index, record) in log.records.iter().enumerate() {
        match parse_record(record) {
            Ok(event) => events.push(event),
            Err(reason) => bad.push((index, reason)),
        }
    }
    Ok((events, bad))
}

fn decode(bytes: Vec<u8>, gzip: bool) -> Result<LogFile, String> {
    let text = if gzip {
        let mut out = Vec::new();
        MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("not a readable gzip file: {e}"))?;
        out
    } else {
        bytes
    };
    serde_json::from_slice(&text)
        .map_err(|e| format!("not a CloudTrail log file (expected {{\"Records\": [...]}}): {e}"))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Problem {
                file: dir.to_path_buf(),
                index: None,
                reason: format!("cannot list: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // Symlinked directories are not followed, so a link loop cannot recurse forever.
        let is_real_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_real_dir {
            if entry.file_name() != "CloudTrail-Digest" {
                collect(&path, files, problems);
            }
        } else if path.is_file() && is_log_name(&path) {
            files.push(path);
        }
    }
}

fn is_gzip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn is_log_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    (name.ends_with(".json") || name.ends_with(".json.gz")) && !name.contains("_cloudtrail-digest_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn event(id: &str, minute: u32, name: &str) -> AccessEvent {
        let record = serde_json::json!({
            "eventID": id, "eventName": name, "eventSource": "secretsmanager.amazonaws.com",
            "awsRegion": "us-east-1",
            "eventTime": Utc.with_ymd_and_hms(2026, 11, 20, 9, minute, 0).unwrap().to_rfc3339(),
        });
        parse_record(&record).unwrap()
    }

    #[test]
    fn merge_keeps_the_first_of_each_id_newest_first() {
        let merged = merge(
            vec![
                event("a", 1, "GetSecretValue"),
                event("b", 3, "GetSecretValue"),
            ],
            vec![
                event("a", 1, "DescribeSecret"),
                event("c", 2, "GetSecretValue"),
            ],
        );
        let ids: Vec<&str> = merged.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
        assert_eq!(merged[2].name, "GetSecretValue");
    }

    #[test]
    fn log_names_and_digests() {
        assert!(is_log_name(Path::new(
            "x/1_CloudTrail_us-east-1_20261120T0905Z_abc.json.gz"
        )));
        assert!(is_log_name(Path::new("export.JSON")));
        assert!(!is_log_name(Path::new(
            "x/1_CloudTrail-Digest_us-east-1_20261120T0905Z.json.gz"
        )));
        assert!(!is_log_name(Path::new("notes.txt")));
        assert!(!is_log_name(Path::new("archive.tar.gz")));
    }
}
