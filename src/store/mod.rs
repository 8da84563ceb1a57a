//! The local evidence store (SQLite): cached events and the windows already fetched.
//!
//! One file per account, `<state_dir>/evidence-<account>.sqlite`, in WAL mode. Every write is
//! one transaction, so a crash leaves either the whole page or none of it. Events are kept as
//! their JSON with the columns the queries need (id, time, region, name); windows record which
//! (region, query) time ranges LookupEvents has fully answered, so a second look fetches only
//! what is new.

pub mod journal;
pub mod leak_checks;
pub mod review;
mod windows;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::trail::AccessEvent;

pub use windows::{Window, merge, missing};

/// Bumped when the tables change; a file from a newer Strongroom is refused, not rewritten.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY NOT NULL,
    time     INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    region   TEXT NOT NULL,
    name     TEXT NOT NULL,
    json     TEXT NOT NULL      -- the AccessEvent
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (time);
CREATE TABLE IF NOT EXISTS windows (
    region TEXT NOT NULL,
    query  TEXT NOT NULL,
    start  INTEGER NOT NULL,    -- microseconds, inclusive
    end    INTEGER NOT NULL     -- microseconds, inclusive
);
CREATE INDEX IF NOT EXISTS windows_by_query ON windows (region, query);
";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot create the state directory {path}: {source}. Check its permissions or pass --state-dir."
    )]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the evidence store {path}: {source}. It only caches CloudTrail events: if it \
         is damaged, move it aside and Strongroom fetches them again."
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the evidence store {path} was written by a newer Strongroom (schema {found}, this one \
         reads {SCHEMA_VERSION}). Upgrade Strongroom or pass another --state-dir."
    )]
    NewerSchema { path: PathBuf, found: i64 },
    #[error("evidence store {path}: {source}. Another Strongroom may hold it; try again.")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "evidence store {path}: event {event_id} cannot be read ({detail}). Move the file aside \
         and Strongroom fetches the events again."
    )]
    Corrupt {
        path: PathBuf,
        event_id: String,
        detail: String,
    },
}

pub struct EvidenceStore {
    conn: Connection,
    path: PathBuf,
}

/// Opens a SQLite file the way every local store is kept: WAL, so readers never block the
/// writer, and synchronous FULL, so a committed entry survives a crash or a power cut; a busy
/// database is waited on for 5 s.
pub(crate) fn durable(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

impl EvidenceStore {
    /// Opens (creating when missing) the store of `account` in `state_dir`.
    pub fn open(state_dir: &Path, account: &str) -> Result<Self, StoreError> {
        std::fs::create_dir_all(state_dir).map_err(|source| StoreError::Dir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(file_name(account));
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let conn = durable(&path).map_err(open_err)?;
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { path, found });
        }
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(open_err)?;
        Ok(Self { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores events, ignoring ones already stored; returns how many were new. One transaction.
    pub fn insert(&mut self, events: &[AccessEvent]) -> Result<usize, StoreError> {
        let path = &self.path;
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let mut new = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (event_id, time, region, name, json)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for e in events {
                let json = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                    path: path.clone(),
                    event_id: e.event_id.clone(),
                    detail: err.to_string(),
                })?;
                new += stmt
                    .execute(params![
                        e.event_id,
                        e.time.timestamp_micros(),
                        e.region,
                        e.name,
                        json
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(new)
    }

    /// Records that `[start, end]` of `query` in `region` is fully stored; merges it with the
    /// windows already there. One transaction.
    pub fn record_window(
        &mut self,
        region: &str,
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if start > end {
            return Ok(());
        }
        let path = &self.path;
        let sql = |source| StoreError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let mut all = read_windows(&tx, region, query).map_err(sql)?;
        all.push((start, end));
        tx.execute(
            "DELETE FROM windows WHERE region = ?1 AND query = ?2",
            params![region, query],
        )
        .map_err(sql)?;
        for (a, b) in merge(all) {
            tx.execute(
                "INSERT INTO windows (region, query, start, end) VALUES (?1, ?2, ?3, ?4)",
                params![region, query, a.timestamp_micros(), b.timestamp_micros()],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// The windows of `query` in `region` already stored, merged, oldest first.
    pub fn covered(&self, region: &str, query: &str) -> Result<Vec<Window>, StoreError> {
        read_windows(&self.conn, region, query)
            .map(merge)
            .map_err(|source| StoreError::Sql {
                path: self.path.clone(),
                source,
            })
    }

    /// Stored events with `since <= time <= until`, of one region or all, newest first.
    pub fn events(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        region: Option<&str>,
    ) -> Result<Vec<AccessEvent>, StoreError> {
        let sql = |source| StoreError::Sql {
            path: self.path.clone(),
            source,
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT event_id, json FROM events
                 WHERE time >= ?1 AND time <= ?2 AND (?3 IS NULL OR region = ?3)
                 ORDER BY time DESC, event_id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(
                params![since.timestamp_micros(), until.timestamp_micros(), region],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(sql)?;
        let mut events = Vec::new();
        for row in rows {
            let (event_id, json) = row.map_err(sql)?;
            let event = serde_json::from_str(&json).map_err(|err| StoreError::Corrupt {
                path: self.path.clone(),
                event_id,
                detail: err.to_string(),
            })?;
            events.push(event);
        }
        Ok(events)
    }

    /// How many events are stored.
    pub fn len(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|source| StoreError::Sql {
                path: self.path.clone(),
                source,
            })
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.len().map(|n| n == 0)
    }

    /// The newest stored event time of a region, if any.
    pub fn newest(&self, region: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(time) FROM events WHERE region = ?1",
                params![region],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()
            .map(|t| t.flatten().and_then(DateTime::from_timestamp_micros))
            .map_err(|source| StoreError::Sql {
                path: self.path.clone(),
                source,
            })
    }
}

/// `evidence-<account>.sqlite`, with anything but letters, digits, `-` and `_` replaced (failed
/// profiles show up as accounts like `profile:name`).
fn file_name(account: &str) -> String {
    let safe: String = account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("evidence-{safe}.sqlite")
}

fn read_windows(conn: &Connection, region: &str, query: &str) -> rusqlite::Result<Vec<Window>> {
    let mut stmt = conn.prepare_cached(
        "SELECT start, end FROM windows WHERE region = ?1 AND query = ?2 ORDER BY start",
    )?;
    let rows = stmt.query_map(params![region, query], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (a, b) = row?;
        if let (Some(a), Some(b)) = (
            DateTime::from_timestamp_micros(a),
            DateTime::from_timestamp_micros(b),
        ) {
            out.push((a, b));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
