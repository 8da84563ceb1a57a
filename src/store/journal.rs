//! The runbook journal: every run's entries, append-only and hash-chained, in
//! `<state_dir>/journal.sqlite`. Each entry is committed (WAL, synchronous FULL) before the
//! caller moves on, so killing the process loses nothing; each entry's hash covers the previous
//! one, so an edited or deleted entry shows.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use sha2::{Digest, Sha256};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY NOT NULL,
    runbook    TEXT NOT NULL,
    params     TEXT NOT NULL,   -- JSON
    started_at TEXT NOT NULL    -- RFC 3339
);
CREATE TABLE IF NOT EXISTS entries (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    at     TEXT NOT NULL,       -- RFC 3339
    entry  TEXT NOT NULL,       -- JSON
    hash   TEXT NOT NULL,       -- hex SHA-256 over the previous hash, seq, at and entry
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS sources (
    run_id TEXT PRIMARY KEY NOT NULL,
    file   TEXT NOT NULL,       -- where the runbook was read from
    text   TEXT NOT NULL        -- the runbook as it was when the run started
);
";

/// The hash the first entry of a run chains from.
const GENESIS: &str = "strongroom-journal-v1";

#[derive(Debug, thiserror::Error)]
#[error("journal {path}: {message}")]
pub struct JournalError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run_id: String,
    pub runbook: String,
    pub params: Value,
    pub started_at: DateTime<Utc>,
    pub entries: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub entry: Value,
    pub hash: String,
}

/// Where the chain breaks: the first entry whose hash does not follow from what came before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tampered {
    pub seq: u64,
    pub reason: String,
}

pub struct Journal {
    pub(super) conn: Connection,
    path: PathBuf,
}

impl Journal {
    pub fn open(state_dir: &Path) -> Result<Self, JournalError> {
        let path = state_dir.join("journal.sqlite");
        let err = |message: String| JournalError {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(state_dir)
            .map_err(|e| err(format!("cannot create the state directory: {e}")))?;
        let conn = super::durable(&path)
            .and_then(|conn| conn.execute_batch(SCHEMA).map(|_| conn))
            .map_err(|e| err(e.to_string()))?;
        Ok(Self { conn, path })
    }

    pub(super) fn err(&self, e: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Starts a run; its id is `<runbook>-<UTC start, compact>`, made unique with a counter.
    pub fn start_run(
        &mut self,
        runbook: &str,
        params: &Value,
        started_at: DateTime<Utc>,
    ) -> Result<String, JournalError> {
        let base = format!("{runbook}-{}", started_at.format("%Y%m%dT%H%M%SZ"));
        let mut run_id = base.clone();
        let mut n = 1;
        while self.run(&run_id)?.is_some() {
            n += 1;
            run_id = format!("{base}-{n}");
        }
        self.conn
            .execute(
                "INSERT INTO runs (run_id, runbook, params, started_at) VALUES (?1, ?2, ?3, ?4)",
                params![run_id, runbook, params.to_string(), started_at.to_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        Ok(run_id)
    }

    /// Appends one entry, committed before this returns; returns its sequence number.
    pub fn append(
        &mut self,
        run_id: &str,
        at: DateTime<Utc>,
        entry: &Value,
    ) -> Result<u64, JournalError> {
        let tx = self.conn.transaction().map_err(|e| JournalError {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM entries WHERE run_id = ?1 ORDER BY seq DESC LIMIT 1",
                params![run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| JournalError {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS.to_string()),
        };
        let at_text = at.to_rfc3339();
        let entry_text = entry.to_string();
        let hash = chain(&prev, seq, &at_text, &entry_text);
        tx.execute(
            "INSERT INTO entries (run_id, seq, at, entry, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![run_id, seq, at_text, entry_text, hash],
        )
        .and_then(|_| tx.commit())
        .map_err(|e| JournalError {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        Ok(seq.unsigned_abs())
    }

    /// Keeps the runbook text a run started with, so a resume follows the same steps even if
    /// the file changed since.
    pub fn save_source(
        &mut self,
        run_id: &str,
        file: &str,
        text: &str,
    ) -> Result<(), JournalError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO sources (run_id, file, text) VALUES (?1, ?2, ?3)",
                params![run_id, file, text],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The runbook (file, text) a run started with.
    pub fn source(&self, run_id: &str) -> Result<Option<(String, String)>, JournalError> {
        self.conn
            .query_row(
                "SELECT file, text FROM sources WHERE run_id = ?1",
                params![run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The hash of a run's last entry: recorded elsewhere (the incident ticket), it shows
    /// entries removed from the end, which the chain alone cannot.
    pub fn head(&self, run_id: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row(
                "SELECT hash FROM entries WHERE run_id = ?1 ORDER BY seq DESC LIMIT 1",
                params![run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn run(&self, run_id: &str) -> Result<Option<Run>, JournalError> {
        Ok(self.runs()?.into_iter().find(|r| r.run_id == run_id))
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Result<Vec<Run>, JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.run_id, r.runbook, r.params, r.started_at, \
                 (SELECT COUNT(*) FROM entries e WHERE e.run_id = r.run_id) \
                 FROM runs r ORDER BY r.started_at DESC, r.run_id DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (run_id, runbook, params, started, entries) = row.map_err(|e| self.err(e))?;
            out.push(Run {
                params: serde_json::from_str(&params)
                    .map_err(|e| self.err(format!("run {run_id}: params: {e}")))?,
                started_at: DateTime::parse_from_rfc3339(&started)
                    .map_err(|e| self.err(format!("run {run_id}: started_at: {e}")))?
                    .with_timezone(&Utc),
                run_id,
                runbook,
                entries: usize::try_from(entries).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// A run's entries in order.
    pub fn entries(&self, run_id: &str) -> Result<Vec<Row>, JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, entry, hash FROM entries WHERE run_id = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, entry, hash) = row.map_err(|e| self.err(e))?;
            out.push(Row {
                seq: seq.unsigned_abs(),
                at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| self.err(format!("entry {seq}: at: {e}")))?
                    .with_timezone(&Utc),
                entry: serde_json::from_str(&entry)
                    .map_err(|e| self.err(format!("entry {seq}: {e}")))?,
                hash,
            });
        }
        Ok(out)
    }

    /// Recomputes the chain: Ok when every entry follows from the one before, else where not.
    pub fn verify(&self, run_id: &str) -> Result<Result<(), Tampered>, JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, entry, hash FROM entries WHERE run_id = ?1 ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(i64, String, String, String)> = stmt
            .query_map(params![run_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        let mut prev = GENESIS.to_string();
        for (i, (seq, at, entry, hash)) in rows.into_iter().enumerate() {
            let seq = seq.unsigned_abs();
            if seq != i as u64 + 1 {
                return Ok(Err(Tampered {
                    seq: i as u64 + 1,
                    reason: format!("entry {} is missing", i + 1),
                }));
            }
            if chain(&prev, seq, &at, &entry) != hash {
                return Ok(Err(Tampered {
                    seq,
                    reason: format!("entry {seq} does not match its hash: it was changed"),
                }));
            }
            prev = hash;
        }
        Ok(Ok(()))
    }
}

fn chain(prev: &str, seq: impl std::fmt::Display, at: &str, entry: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, entry] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, s).unwrap()
    }

    #[test]
    fn entries_survive_reopening_and_the_chain_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let run = {
            let mut j = Journal::open(dir.path()).unwrap();
            let run = j
                .start_run("compromised-secret", &json!({"secret": "a"}), t(0))
                .unwrap();
            for i in 0..5 {
                assert_eq!(
                    j.append(&run, t(i + 1), &json!({"kind": "note", "i": i}))
                        .unwrap(),
                    u64::from(i) + 1
                );
            }
            run
        };
        let j = Journal::open(dir.path()).unwrap();
        assert_eq!(run, "compromised-secret-20261120T090000Z");
        let rows = j.entries(&run).unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[4].entry["i"], 4);
        assert_eq!(j.verify(&run).unwrap(), Ok(()));
        assert_eq!(j.runs().unwrap()[0].entries, 5);
    }

    #[test]
    fn an_edited_or_deleted_entry_shows() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let run = j.start_run("r", &json!({}), t(0)).unwrap();
        for i in 0..4 {
            j.append(&run, t(i), &json!({"i": i})).unwrap();
        }
        j.conn
            .execute("UPDATE entries SET entry = '{\"i\":99}' WHERE seq = 3", [])
            .unwrap();
        assert_eq!(j.verify(&run).unwrap().unwrap_err().seq, 3);
        j.conn
            .execute("UPDATE entries SET entry = '{\"i\":2}' WHERE seq = 3", [])
            .unwrap();
        assert_eq!(j.verify(&run).unwrap(), Ok(()));
        j.conn
            .execute("DELETE FROM entries WHERE seq = 2", [])
            .unwrap();
        let broken = j.verify(&run).unwrap().unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("missing"));
    }

    #[test]
    fn runs_started_in_the_same_second_get_distinct_ids() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let a = j.start_run("r", &json!({}), t(0)).unwrap();
        let b = j.start_run("r", &json!({}), t(0)).unwrap();
        assert_ne!(a, b);
        assert_eq!(j.runs().unwrap().len(), 2);
    }
}
