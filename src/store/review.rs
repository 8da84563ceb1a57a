//! Access reviews in `<state_dir>/review.sqlite` (WAL, synchronous FULL): each review, what its
//! last `review start` observed, its decisions, hash-chained like the runbook journal, and the
//! resource policies fetched, with when, so a second review reads them without calling AWS.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::review::{Decision, ReviewInfo, Verdict};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS reviews (
    review_id  TEXT PRIMARY KEY NOT NULL,
    info       TEXT NOT NULL,     -- JSON ReviewInfo
    opened_at  TEXT NOT NULL      -- RFC 3339: the latest start, for `review show` without --review
);
CREATE TABLE IF NOT EXISTS observations (
    review_id   TEXT PRIMARY KEY NOT NULL,
    observed_at TEXT NOT NULL,
    json        TEXT NOT NULL     -- JSON Observation
);
CREATE TABLE IF NOT EXISTS decisions (
    review_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    secret_arn  TEXT NOT NULL,
    secret_name TEXT NOT NULL,
    verdict     TEXT NOT NULL,    -- JSON Verdict
    note        TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    at          TEXT NOT NULL,    -- RFC 3339
    hash        TEXT NOT NULL,    -- hex SHA-256 over the previous hash and the fields above
    PRIMARY KEY (review_id, seq)
);
CREATE TABLE IF NOT EXISTS policies (
    arn        TEXT PRIMARY KEY NOT NULL,
    fetched_at TEXT NOT NULL,
    policy     TEXT               -- NULL: no resource policy attached
);
";

#[derive(Debug, thiserror::Error)]
#[error("review store {path}: {message}")]
pub struct ReviewStoreError {
    pub path: PathBuf,
    pub message: String,
}

/// A policy from the cache: its text (None: no policy) and when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPolicy {
    pub text: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// Where the decision chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: u64,
    pub reason: String,
}

pub struct ReviewStore {
    conn: Connection,
    path: PathBuf,
}

impl ReviewStore {
    pub fn open(state_dir: &Path) -> Result<Self, ReviewStoreError> {
        let path = state_dir.join("review.sqlite");
        let err = |message: String| ReviewStoreError {
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl std::fmt::Display) -> ReviewStoreError {
        ReviewStoreError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Opens the latest review whose id starts with `reuse` (the quarter's prefix) and has the
    /// same window, scope and source; otherwise (or with no `reuse`) creates `wanted.id`, as
    /// `<id>-2`, `<id>-3`... when it is taken. Returns the review and whether it is new.
    pub fn start(
        &mut self,
        wanted: &ReviewInfo,
        reuse: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(ReviewInfo, bool), ReviewStoreError> {
        let same = |r: &ReviewInfo| {
            r.window == wanted.window && r.scope == wanted.scope && r.source == wanted.source
        };
        let found = match reuse {
            Some(prefix) => self
                .reviews()?
                .into_iter()
                .find(|r| r.id.starts_with(prefix) && same(r)),
            None => None,
        };
        let (info, created) = match found {
            Some(r) => (r, false),
            None => {
                let (mut id, mut n) = (wanted.id.clone(), 1);
                while self.review(&id)?.is_some() {
                    n += 1;
                    id = format!("{}-{n}", wanted.id);
                }
                let info = ReviewInfo {
                    id: id.clone(),
                    ..wanted.clone()
                };
                let json = serde_json::to_string(&info).map_err(|e| self.err(e))?;
                self.conn
                    .execute(
                        "INSERT INTO reviews (review_id, info, opened_at) VALUES (?1, ?2, ?3)",
                        params![id, json, now.to_rfc3339()],
                    )
                    .map_err(|e| self.err(e))?;
                (info, true)
            }
        };
        self.conn
            .execute(
                "UPDATE reviews SET opened_at = ?2 WHERE review_id = ?1",
                params![info.id, now.to_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        Ok((info, created))
    }

    pub fn review(&self, id: &str) -> Result<Option<ReviewInfo>, ReviewStoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT info FROM reviews WHERE review_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| self.err(format!("review {id}: {e}"))))
            .transpose()
    }

    /// Every review, the most recently started or opened first.
    pub fn reviews(&self) -> Result<Vec<ReviewInfo>, ReviewStoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT review_id, info FROM reviews ORDER BY opened_at DESC, review_id DESC")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(id, j)| {
                serde_json::from_str(&j).map_err(|e| self.err(format!("review {id}: {e}")))
            })
            .collect()
    }

    pub fn save_observation(
        &mut self,
        id: &str,
        observed_at: DateTime<Utc>,
        json: &str,
    ) -> Result<(), ReviewStoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO observations (review_id, observed_at, json) VALUES (?1, ?2, ?3)",
                params![id, observed_at.to_rfc3339(), json],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The JSON of the review's last observation.
    pub fn observation(&self, id: &str) -> Result<Option<String>, ReviewStoreError> {
        self.conn
            .query_row(
                "SELECT json FROM observations WHERE review_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Appends a decision, committed before this returns; `seq` and `hash` are filled in.
    pub fn decide(&mut self, id: &str, mut d: Decision) -> Result<Decision, ReviewStoreError> {
        let verdict = serde_json::to_string(&d.verdict).map_err(|e| self.err(e))?;
        let at = d.at.to_rfc3339();
        let path = self.path.clone();
        let err = |e: rusqlite::Error| ReviewStoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(err)?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM decisions WHERE review_id = ?1 ORDER BY seq DESC LIMIT 1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, genesis(id)),
        };
        d.seq = seq.unsigned_abs();
        d.hash = chain(&prev, &d, &verdict, &at);
        tx.execute(
            "INSERT INTO decisions (review_id, seq, secret_arn, secret_name, verdict, note, \
             reviewer, at, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                seq,
                d.secret_arn,
                d.secret_name,
                verdict,
                d.note,
                d.reviewer,
                at,
                d.hash
            ],
        )
        .and_then(|_| tx.commit())
        .map_err(err)?;
        Ok(d)
    }

    /// The review's decisions in order, and whether their chain holds.
    pub fn decisions(
        &self,
        id: &str,
    ) -> Result<(Vec<Decision>, Result<(), Broken>), ReviewStoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, secret_arn, secret_name, verdict, note, reviewer, at, hash \
                 FROM decisions WHERE review_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        type Row = (i64, String, String, String, String, String, String, String);
        let rows: Vec<Row> = stmt
            .query_map(params![id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        let mut prev = genesis(id);
        let mut broken = Ok(());
        for (i, (seq, arn, name, verdict_text, note, reviewer, at_text, hash)) in
            rows.into_iter().enumerate()
        {
            let seq = seq.unsigned_abs();
            let verdict: Verdict = serde_json::from_str(&verdict_text)
                .map_err(|e| self.err(format!("decision {seq}: {e}")))?;
            let at = DateTime::parse_from_rfc3339(&at_text)
                .map_err(|e| self.err(format!("decision {seq}: at: {e}")))?
                .with_timezone(&Utc);
            let d = Decision {
                seq,
                secret_arn: arn,
                secret_name: name,
                verdict,
                note,
                reviewer,
                at,
                hash,
            };
            if broken.is_ok() {
                if seq != i as u64 + 1 {
                    broken = Err(Broken {
                        seq: i as u64 + 1,
                        reason: format!("decision {} is missing", i + 1),
                    });
                } else if chain(&prev, &d, &verdict_text, &at_text) != d.hash {
                    broken = Err(Broken {
                        seq,
                        reason: format!("decision {seq} does not match its hash: it was changed"),
                    });
                }
            }
            prev = d.hash.clone();
            out.push(d);
        }
        Ok((out, broken))
    }

    /// Cached policies of these ARNs.
    pub fn policies(
        &self,
        arns: &[String],
    ) -> Result<HashMap<String, CachedPolicy>, ReviewStoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT fetched_at, policy FROM policies WHERE arn = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for arn in arns {
            let row: Option<(String, Option<String>)> = stmt
                .query_row(params![arn], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some((at, text)) = row
                && let Ok(fetched_at) = DateTime::parse_from_rfc3339(&at)
            {
                out.insert(
                    arn.clone(),
                    CachedPolicy {
                        text,
                        fetched_at: fetched_at.with_timezone(&Utc),
                    },
                );
            }
        }
        Ok(out)
    }

    /// Caches fetched policies (None: no policy attached), one transaction.
    pub fn save_policies<'a>(
        &mut self,
        fetched: impl IntoIterator<Item = (&'a str, Option<&'a str>, DateTime<Utc>)>,
    ) -> Result<(), ReviewStoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| ReviewStoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(err)?;
        for (arn, text, at) in fetched {
            tx.execute(
                "INSERT OR REPLACE INTO policies (arn, fetched_at, policy) VALUES (?1, ?2, ?3)",
                params![arn, at.to_rfc3339(), text],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

fn genesis(review_id: &str) -> String {
    format!("strongroom-review-v1:{review_id}")
}

/// SHA-256 over the previous hash, seq, secret, verdict JSON, note, reviewer and time, each
/// followed by a zero byte.
fn chain(prev: &str, d: &Decision, verdict: &str, at: &str) -> String {
    let seq = d.seq.to_string();
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq,
        &d.secret_arn,
        &d.secret_name,
        verdict,
        &d.note,
        &d.reviewer,
        at,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, s).unwrap()
    }

    fn info(window: &str) -> ReviewInfo {
        serde_json::from_value(serde_json::json!({"id": "review-2026Q4-20261120",
            "started_at": t(0), "window": window, "reviewer": "alice", "scope": null,
            "source": "DEMO", "source_kind": "demo"}))
        .unwrap()
    }

    fn decision(arn: &str, verdict: Verdict) -> Decision {
        serde_json::from_value(
            serde_json::json!({"seq": 0, "secret_arn": arn, "secret_name": arn,
            "verdict": verdict, "note": "checked", "reviewer": "alice", "at": t(5), "hash": ""}),
        )
        .unwrap()
    }

    #[test]
    fn a_review_of_the_quarter_is_opened_again_unless_it_differs_or_a_new_one_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ReviewStore::open(dir.path()).unwrap();
        let quarter = Some("review-2026Q4-");
        let (a, created) = store.start(&info("90d"), quarter, t(0)).unwrap();
        assert!(created);
        let next_day = ReviewInfo {
            id: "review-2026Q4-20261121".into(),
            ..info("90d")
        };
        let (b, created) = store.start(&next_day, quarter, t(1)).unwrap();
        assert!(!created);
        assert_eq!(a, b, "the quarter's review goes on over several days");
        let (c, created) = store.start(&info("30d"), quarter, t(2)).unwrap();
        assert!(created);
        assert_eq!(c.id, "review-2026Q4-20261120-2");
        assert_eq!(store.reviews().unwrap()[0].id, c.id, "latest opened first");
        let (d, created) = store.start(&info("90d"), None, t(3)).unwrap();
        assert!(created, "asked for a new one");
        assert_eq!(d.id, "review-2026Q4-20261120-3");
        store.start(&info("90d"), quarter, t(4)).unwrap();
        assert_eq!(store.reviews().unwrap()[0].id, d.id);
    }

    #[test]
    fn decisions_survive_reopening_and_an_edit_breaks_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let mut store = ReviewStore::open(dir.path()).unwrap();
            let (review, _) = store.start(&info("90d"), None, t(0)).unwrap();
            store
                .decide(&review.id, decision("a", Verdict::Keep))
                .unwrap();
            let revoke = Verdict::Revoke {
                principal: "arn:aws:iam::1:user/x".into(),
            };
            let d = store.decide(&review.id, decision("b", revoke)).unwrap();
            assert_eq!(d.seq, 2);
            review.id
        };
        let store = ReviewStore::open(dir.path()).unwrap();
        let (log, chain) = store.decisions(&id).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(chain, Ok(()));
        assert_eq!(log[1].note, "checked");
        store
            .conn
            .execute(
                "UPDATE decisions SET note = 'nothing to see' WHERE seq = 1",
                [],
            )
            .unwrap();
        let (_, chain) = store.decisions(&id).unwrap();
        assert_eq!(chain.unwrap_err().seq, 1);
    }

    #[test]
    fn policies_are_cached_with_their_time_and_absence() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ReviewStore::open(dir.path()).unwrap();
        store
            .save_policies([("arn:a", Some("{}"), t(1)), ("arn:b", None, t(2))])
            .unwrap();
        let arns = ["arn:a", "arn:b", "arn:c"].map(String::from);
        let got = store.policies(&arns).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got["arn:a"].text.as_deref(), Some("{}"));
        assert_eq!(got["arn:b"].text, None);
        assert_eq!(got["arn:b"].fetched_at, t(2));
    }
}
