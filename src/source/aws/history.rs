//! The organization trail through Athena, with the evidence store in front: a question over a
//! window asks Athena only for the part of the window the store does not already hold for
//! every asked (account, region), and records what each query covered.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;

use super::athena::{self, Trail};
use super::s3_trail::{self, S3Trail};
use super::source::{AwsSource, StoreMap, open_store};
use crate::source::history::{HistoryAnswer, HistoryAsk, QueryStat, S3Stats, TRAIL_LAG_MINUTES};
use crate::store::{EvidenceStore, missing};
use crate::trail::AccessEvent;
use crate::trail::athena::{Question, Scope, rows, sql};

/// The name a question's coverage is recorded under in the evidence store.
fn cache_key(table: &str, question: &Question, errors_only: bool) -> String {
    let q = match question {
        Question::WhoRead { secret } => format!("who-read:{}", sql::name_of(secret)),
        Question::Secret { secret } => format!("secret:{}", sql::name_of(secret)),
        Question::Principal { arn } => format!("principal:{arn}"),
        Question::Window => "window".to_string(),
    };
    let errors = if errors_only { ":errors" } else { "" };
    format!("athena:{table}:{q}{errors}")
}

type Stores = Vec<(String, Arc<Mutex<EvidenceStore>>)>;

/// What asking the organization trail needs, apart from the source: a runbook's executor
/// holds one.
#[derive(Clone)]
pub struct TrailAccess {
    trail: Option<Trail>,
    s3_trail: Option<S3Trail>,
    state_dir: PathBuf,
    stores: Arc<StoreMap>,
}

impl AwsSource {
    /// Access to the organization trail, when the source has one (Athena or S3).
    pub(super) fn trail_access(&self) -> Option<TrailAccess> {
        (self.trail.is_some() || self.s3_trail.is_some()).then(|| TrailAccess {
            trail: self.trail.clone(),
            s3_trail: self.s3_trail.clone(),
            state_dir: self.state_dir.clone(),
            stores: self.stores.clone(),
        })
    }

    /// A question over the asked accounts and regions (none asked: every one the source reads).
    pub(super) fn trail_history_of(
        &self,
        mut ask: HistoryAsk,
    ) -> BoxFuture<'static, Result<HistoryAnswer, String>> {
        if ask.accounts.is_empty() {
            ask.accounts = self.profiles.iter().map(|p| p.account.id.clone()).collect();
        }
        if ask.regions.is_empty() {
            let all: BTreeSet<String> = self.cells().into_iter().map(|c| c.region).collect();
            ask.regions = all.into_iter().collect();
        }
        match self.trail_access() {
            Some(access) => access.ask(ask),
            None => futures::future::ready(Err(
                "no organization trail: pass --athena TABLE or --cloudtrail s3://...".into(),
            ))
            .boxed(),
        }
    }
}

impl TrailAccess {
    /// `database.table` for Athena, `s3://bucket/prefix` for the files.
    pub fn source(&self) -> String {
        match (&self.trail, &self.s3_trail) {
            (Some(t), _) => {
                let r = t.opts.table_ref();
                format!("{}.{}", r.database, r.table)
            }
            (None, Some(s3)) => format!("s3://{}/{}", s3.bucket, s3.prefix),
            (None, None) => String::new(),
        }
    }

    /// A question over `ask.accounts` and `ask.regions` (both given), through Athena with the
    /// evidence store in front, or the files in S3.
    pub fn ask(&self, ask: HistoryAsk) -> BoxFuture<'static, Result<HistoryAnswer, String>> {
        let accounts = ask.accounts.clone();
        let regions = ask.regions.clone();
        let Some(trail) = self.trail.clone() else {
            return match self.s3_trail.clone() {
                Some(s3) => async move { from_s3(s3, ask, accounts, regions).await }.boxed(),
                None => futures::future::ready(Err("no organization trail".to_string())).boxed(),
            };
        };
        let mut stores: Stores = Vec::new();
        for account in &accounts {
            match open_store(&self.stores, &self.state_dir, account) {
                Ok(s) => stores.push((account.clone(), s)),
                Err(e) => return futures::future::ready(Err(e.to_string())).boxed(),
            }
        }
        async move { answer(trail, ask, regions, stores).await }.boxed()
    }
}

/// The trail's files from S3 for the asked cells and window (up to the trail's delivery lag).
async fn from_s3(
    trail: S3Trail,
    ask: HistoryAsk,
    accounts: Vec<String>,
    regions: Vec<String>,
) -> Result<HistoryAnswer, String> {
    let covered_end = ask
        .end
        .min(ask.now - Duration::minutes(TRAIL_LAG_MINUTES))
        .max(ask.start);
    let read = s3_trail::read(&trail, &accounts, &regions, ask.start, covered_end).await?;
    Ok(HistoryAnswer {
        table: format!("s3://{}/{}", trail.bucket, trail.prefix),
        events: read.events,
        queries: Vec::new(),
        start: ask.start,
        covered_end,
        s3: Some(S3Stats {
            lists: read.lists,
            objects: read.objects,
            downloaded: read.downloaded,
            downloaded_bytes: read.downloaded_bytes,
            problems: read.problems,
        }),
    })
}

async fn answer(
    trail: Trail,
    ask: HistoryAsk,
    regions: Vec<String>,
    stores: Stores,
) -> Result<HistoryAnswer, String> {
    let table = trail.opts.table_ref();
    let table_name = format!("{}.{}", table.database, table.table);
    let covered_end = ask
        .end
        .min(ask.now - Duration::minutes(TRAIL_LAG_MINUTES))
        .max(ask.start);
    let key = cache_key(&table_name, &ask.question, ask.errors_only);
    // What the store lacks, per (account, region): the query covers their span.
    let mut gap: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    let mut lacking_accounts = BTreeSet::new();
    let mut lacking_regions = BTreeSet::new();
    for (account, store) in &stores {
        let store = store.lock().map_err(|_| "evidence store lock poisoned")?;
        for region in &regions {
            let covered = store.covered(region, &key).map_err(|e| e.to_string())?;
            for (a, b) in missing(&covered, ask.start, covered_end) {
                lacking_accounts.insert(account.clone());
                lacking_regions.insert(region.clone());
                gap = Some(match gap {
                    Some((s, e)) => (s.min(a), e.max(b)),
                    None => (a, b),
                });
            }
        }
    }
    let mut queries = Vec::new();
    if let Some((start, end)) = gap.filter(|(a, b)| a < b) {
        let scope = Scope {
            accounts: lacking_accounts.into_iter().collect(),
            regions: lacking_regions.iter().cloned().collect(),
            start,
            end,
            errors_only: ask.errors_only,
        };
        let text = sql::build(&table, &ask.question, &scope);
        let run = athena::run(&trail.client, &trail.opts, &text).await?;
        rows::check_header(&run.header).map_err(|e| {
            format!("{e}; the table {table_name} differs from `strongroom trail athena-ddl`")
        })?;
        let mut events: Vec<AccessEvent> = Vec::with_capacity(run.rows.len());
        for (i, row) in run.rows.iter().enumerate() {
            match rows::event(&run.header, row) {
                Ok(e) => events.push(e),
                Err(why) => tracing::warn!(row = i, %why, "Athena row skipped"),
            }
        }
        for (account, store) in &stores {
            let mine: Vec<AccessEvent> = events
                .iter()
                .filter(|e| e.account.as_deref() == Some(account.as_str()))
                .cloned()
                .collect();
            let mut store = store.lock().map_err(|_| "evidence store lock poisoned")?;
            store.insert(&mine).map_err(|e| e.to_string())?;
            if scope.accounts.contains(account) {
                for region in &scope.regions {
                    store
                        .record_window(region, &key, start, end)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        queries.push(QueryStat {
            id: run.id,
            sql: text,
            start,
            end,
            scanned_bytes: run.scanned_bytes,
            cost_usd: athena::cost_usd(run.scanned_bytes),
            engine_ms: run.engine_ms,
            rows: run.rows.len(),
            calls: run.calls,
        });
    }
    let mut events = Vec::new();
    for (_, store) in &stores {
        let store = store.lock().map_err(|_| "evidence store lock poisoned")?;
        for region in &regions {
            let found = store
                .events(ask.start, covered_end, Some(region))
                .map_err(|e| e.to_string())?;
            events.extend(found);
        }
    }
    Ok(HistoryAnswer {
        table: table_name,
        events,
        queries,
        start: ask.start,
        covered_end,
        s3: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_is_kept_per_question_and_per_table() {
        let read = |s: &str| Question::WhoRead { secret: s.into() };
        let a = cache_key("db.t", &read("prod/db"), false);
        let b = cache_key(
            "db.t",
            &read("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf"),
            false,
        );
        assert_eq!(a, b, "a name and its ARN ask the same question");
        assert_ne!(a, cache_key("db.other", &read("prod/db"), false));
        assert_ne!(a, cache_key("db.t", &read("prod/db"), true));
    }
}
