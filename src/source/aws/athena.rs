//! Athena: one query started, polled until it ends, its rows paged with GetQueryResults, and
//! what it scanned. The SQL comes from `trail::athena::sql`; nothing here builds SQL.

use std::time::Duration;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::errors;

/// Where queries run: the table's database, the work group, where results go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AthenaOptions {
    /// `--athena TABLE` (`db.table` names the database too).
    pub table: String,
    /// `--athena-database` (default `default`).
    pub database: String,
    /// `--athena-workgroup` (default `primary`).
    pub workgroup: String,
    /// `--athena-output s3://...`; None: the work group's own result location.
    pub output: Option<String>,
    /// `--athena-region`; None: the first region read.
    pub region: Option<String>,
    /// `--athena-account`: the account whose credentials run the queries (through its role);
    /// None: the starting identity's.
    pub account: Option<String>,
}

impl AthenaOptions {
    /// `db.table` splits into database and table; a bare name uses `database`.
    pub fn table_ref(&self) -> crate::trail::athena::TableRef {
        match self.table.split_once('.') {
            Some((db, table)) => crate::trail::athena::TableRef {
                database: db.to_string(),
                table: table.to_string(),
            },
            None => crate::trail::athena::TableRef {
                database: if self.database.is_empty() {
                    "default".into()
                } else {
                    self.database.clone()
                },
                table: self.table.clone(),
            },
        }
    }
}

/// Athena, as the source was given it: the options and a client with the querying account's
/// credentials.
#[derive(Clone)]
pub struct Trail {
    pub opts: AthenaOptions,
    pub client: aws_sdk_athena::Client,
}

/// A finished query: the header row, the data rows (None for NULL), and its statistics.
#[derive(Debug, Clone, Default)]
pub struct QueryRun {
    pub id: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub scanned_bytes: u64,
    pub engine_ms: u64,
    /// Athena calls made: StartQueryExecution, each GetQueryExecution, each results page.
    pub calls: usize,
}

/// Athena bills $5 per TB scanned, at least 10 MB per query.
pub fn cost_usd(scanned_bytes: u64) -> f64 {
    const MIN: u64 = 10 * 1024 * 1024;
    scanned_bytes.max(MIN) as f64 / 1e12 * 5.0
}

/// Runs `sql` and pages its results. A failed query says why in Athena's words, except a
/// column the table lacks, which is named as such.
pub async fn run(
    client: &aws_sdk_athena::Client,
    opts: &AthenaOptions,
    sql: &str,
) -> Result<QueryRun, String> {
    let table = opts.table_ref();
    let mut start = client
        .start_query_execution()
        .query_string(sql)
        .query_execution_context(
            QueryExecutionContext::builder()
                .database(&table.database)
                .build(),
        )
        .work_group(&opts.workgroup);
    if let Some(output) = &opts.output {
        start = start.result_configuration(
            ResultConfiguration::builder()
                .output_location(output)
                .build(),
        );
    }
    let started = start.send().await.map_err(|e| say(&errors::classify(e)))?;
    let id = started.query_execution_id().unwrap_or_default().to_string();
    let mut run = QueryRun {
        id: id.clone(),
        calls: 1,
        ..Default::default()
    };
    // Poll: quickly at first (small queries end in a second), then every 2 s.
    let mut wait = Duration::from_millis(100);
    loop {
        let out = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| say(&errors::classify(e)))?;
        run.calls += 1;
        let execution = out.query_execution();
        let status = execution.and_then(|q| q.status());
        let state = status.and_then(|s| s.state()).cloned();
        if let Some(stats) = execution.and_then(|q| q.statistics()) {
            run.scanned_bytes = stats.data_scanned_in_bytes().unwrap_or(0).max(0) as u64;
            run.engine_ms = stats.engine_execution_time_in_millis().unwrap_or(0).max(0) as u64;
        }
        match state {
            Some(QueryExecutionState::Succeeded) => break,
            Some(QueryExecutionState::Failed) | Some(QueryExecutionState::Cancelled) => {
                let reason = status
                    .and_then(|s| s.state_change_reason())
                    .unwrap_or("no reason given");
                return Err(failure(reason, &table));
            }
            _ => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    }
    let mut token: Option<String> = None;
    let mut first = true;
    loop {
        let out = client
            .get_query_results()
            .query_execution_id(&id)
            .max_results(1000)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| say(&errors::classify(e)))?;
        run.calls += 1;
        let rows = out.result_set().map(|r| r.rows()).unwrap_or_default();
        for (i, row) in rows.iter().enumerate() {
            let values: Vec<Option<String>> = row
                .data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect();
            if first && i == 0 {
                // A SELECT's first row is its header.
                run.header = values.into_iter().map(Option::unwrap_or_default).collect();
            } else {
                run.rows.push(values);
            }
        }
        first = false;
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(run)
}

fn say(error: &crate::source::CellError) -> String {
    error
        .health
        .detail()
        .unwrap_or("Athena did not answer")
        .to_string()
}

/// Athena's reason, with a column the table lacks said as such.
fn failure(reason: &str, table: &crate::trail::athena::TableRef) -> String {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("column_not_found") || lower.contains("cannot be resolved") {
        let column = reason
            .split('\'')
            .nth(1)
            .map_or_else(String::new, |c| format!(" '{c}'"));
        return format!(
            "the Athena table {}.{} has no column{column} that Strongroom's queries need; \
             compare it with `strongroom trail athena-ddl` (Athena: {reason})",
            table.database, table.table
        );
    }
    if lower.contains("table_not_found") || lower.contains("does not exist") {
        return format!(
            "the Athena table {}.{} does not exist; make it with the statements `strongroom \
             trail athena-ddl --bucket B --org-id o-...` prints (Athena: {reason})",
            table.database, table.table
        );
    }
    format!("the Athena query failed: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_is_named() {
        let t = crate::trail::athena::TableRef {
            database: "trails".into(),
            table: "org".into(),
        };
        let said = failure(
            "COLUMN_NOT_FOUND: line 3:8: Column 'requestparameters' cannot be resolved",
            &t,
        );
        assert!(
            said.contains("trails.org has no column 'requestparameters'"),
            "{said}"
        );
    }

    #[test]
    fn cost_counts_at_least_ten_megabytes() {
        assert!((cost_usd(0) - cost_usd(10 * 1024 * 1024)).abs() < f64::EPSILON);
        assert!((cost_usd(1_000_000_000_000) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_dotted_table_names_its_database() {
        let o = AthenaOptions {
            table: "trails.org_trail".into(),
            ..Default::default()
        };
        assert_eq!(o.table_ref().database, "trails");
        assert_eq!(o.table_ref().table, "org_trail");
    }
}
