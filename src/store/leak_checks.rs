//! Leak checks in the journal (`journal.sqlite`, table `leak_checks`): who read values, when,
//! why, for which incident, and which version matched. Never a value, nor anything derived
//! from one: the record is the check's outcome as `strongroom leak-check` reports it.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::Value;

use super::journal::{Journal, JournalError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS leak_checks (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,     -- RFC 3339
    operator TEXT NOT NULL,
    reason   TEXT NOT NULL,
    incident TEXT,
    record   TEXT NOT NULL      -- JSON: verdict, matched versions, reads, calls, candidates
);
";

#[derive(Debug, Clone, PartialEq)]
pub struct LeakCheck {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator: String,
    pub reason: String,
    pub incident: Option<String>,
    pub record: Value,
}

impl LeakCheck {
    /// Whether `secret` (a name or an ARN) was among the candidates this check read.
    pub fn covered(&self, secret: &str) -> bool {
        self.record["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| names(c, secret)))
    }

    /// The matches of this check that are `secret`.
    pub fn matches_of(&self, secret: &str) -> Vec<&Value> {
        self.record["matches"]
            .as_array()
            .map(|ms| ms.iter().filter(|m| names(m, secret)).collect())
            .unwrap_or_default()
    }
}

/// Whether a candidate or match (with `secret`/`name` and `arn`) is `id`, by name, full ARN or
/// the ARN without its random suffix.
fn names(v: &Value, id: &str) -> bool {
    let name = v["secret"].as_str().or(v["name"].as_str()).unwrap_or("");
    let arn = v["arn"].as_str().unwrap_or("");
    !id.is_empty()
        && (name == id
            || arn == id
            || (id.starts_with("arn:") && arn.len() > 7 && arn[..arn.len() - 7] == *id))
}

impl Journal {
    /// Records a leak check, committed before this returns; returns its id.
    pub fn record_leak_check(
        &mut self,
        at: DateTime<Utc>,
        operator: &str,
        reason: &str,
        incident: Option<&str>,
        record: &Value,
    ) -> Result<i64, JournalError> {
        self.conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT INTO leak_checks (at, operator, reason, incident, record) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    at.to_rfc3339(),
                    operator,
                    reason,
                    incident,
                    record.to_string()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Leak checks, newest first; only `incident`'s when given.
    pub fn leak_checks(&self, incident: Option<&str>) -> Result<Vec<LeakCheck>, JournalError> {
        self.conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, operator, reason, incident, record FROM leak_checks \
                 WHERE ?1 IS NULL OR incident = ?1 ORDER BY id DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![incident], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, operator, reason, incident, record) = row.map_err(|e| self.err(e))?;
            let at = DateTime::parse_from_rfc3339(&at)
                .map_err(|e| self.err(format!("leak check {id}: bad time {at:?}: {e}")))?
                .with_timezone(&Utc);
            let record = serde_json::from_str(&record).map_err(|e| {
                self.err(format!("leak check {id}: the record does not parse: {e}"))
            })?;
            out.push(LeakCheck {
                id,
                at,
                operator,
                reason,
                incident,
                record,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_are_kept_per_incident_newest_first_and_found_by_name_or_arn() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/stripe-AbCdEf";
        let record = json!({
            "verdict": "previous",
            "candidates": [{"name": "prod/stripe", "arn": arn}],
            "matches": [{"secret": "prod/stripe", "arn": arn, "stages": ["AWSPREVIOUS"]}],
        });
        let now = Utc::now();
        j.record_leak_check(now, "alice@host", "paste site", Some("INC-1"), &record)
            .unwrap();
        j.record_leak_check(now, "bob@host", "other", Some("INC-2"), &json!({}))
            .unwrap();
        let all = j.leak_checks(None).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].operator, "bob@host");
        let inc1 = j.leak_checks(Some("INC-1")).unwrap();
        assert_eq!(inc1.len(), 1);
        let c = &inc1[0];
        assert!(c.covered("prod/stripe"));
        assert!(c.covered(arn));
        assert!(c.covered("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/stripe"));
        assert!(!c.covered("prod/other"));
        assert_eq!(c.matches_of("prod/stripe").len(), 1);
        // Reopened, the record is still there.
        drop(j);
        let j = Journal::open(dir.path()).unwrap();
        assert_eq!(
            j.leak_checks(Some("INC-1")).unwrap()[0].reason,
            "paste site"
        );
    }
}
