//! The SQL Strongroom sends to Athena, one query per question, always bounded by the table's
//! partitions (account, region, day), every value from the operator or from AWS escaped as a
//! string literal (Athena's execution parameters are literals too, substituted as written).

use chrono::{DateTime, Duration, Utc};

/// The Athena table (and its database) that holds the organization trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub database: String,
    pub table: String,
}

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// GetSecretValue and BatchGetSecretValue of a secret, matched by its name however the
    /// record names it (name, partial or full ARN, `secretIdList`); batch calls by filter are
    /// kept too and decided by the caller, which knows the secret's tags and name.
    WhoRead { secret: String },
    /// Every Secrets Manager event that names a secret (reads, writes, rotation), matched as
    /// `WhoRead` matches.
    Secret { secret: String },
    /// Everything a principal (an ARN, or the role behind assumed-role sessions) did.
    Principal { arn: String },
    /// Every Secrets Manager event in the window.
    Window,
}

/// Where and when: the partitions a query may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Account ids; empty: every account (only for tables that project accounts by enum).
    pub accounts: Vec<String>,
    /// Regions; empty: every region.
    pub regions: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub errors_only: bool,
}

pub const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";

/// The columns a query selects, in order; [`super::rows`] reads them back by these names.
pub const SELECTED: &[(&str, &str)] = &[
    ("eventid", "eventid"),
    ("eventtime", "eventtime"),
    ("eventsource", "eventsource"),
    ("eventname", "eventname"),
    ("awsregion", "awsregion"),
    ("recipientaccountid", "recipientaccountid"),
    ("sourceipaddress", "sourceipaddress"),
    ("useragent", "useragent"),
    ("errorcode", "errorcode"),
    ("errormessage", "errormessage"),
    ("readonly", "readonly"),
    ("eventtype", "eventtype"),
    ("requestid", "requestid"),
    ("requestparameters", "requestparameters"),
    ("responseelements", "responseelements"),
    ("useridentity.type", "identity_type"),
    ("useridentity.arn", "identity_arn"),
    ("useridentity.accountid", "identity_account"),
    ("useridentity.principalid", "identity_principal"),
    ("useridentity.invokedby", "identity_invoked_by"),
    (
        "useridentity.sessioncontext.sessionissuer.type",
        "issuer_type",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.arn",
        "issuer_arn",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.accountid",
        "issuer_account",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.username",
        "issuer_name",
    ),
];

/// A string literal: quotes doubled, control characters (which no name, ARN or region holds)
/// dropped, so nothing the operator types or AWS returns can end the literal.
pub fn quote(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('\'', "''");
    format!("'{clean}'")
}

/// A quoted identifier (a database or table name): double quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `yyyy/MM/dd`, the day partition's format.
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y/%m/%d").to_string()
}

/// The secret's name as every form of reference contains it: a full ARN's random suffix and
/// the ARN's prefix are dropped (`arn:...:secret:prod/db-AbCdEf` → `prod/db`).
pub fn name_of(secret: &str) -> String {
    let Some((_, rest)) = secret.split_once(":secret:") else {
        return secret.to_string();
    };
    match rest.rsplit_once('-') {
        Some((name, suffix))
            if suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            name.to_string()
        }
        _ => rest.to_string(),
    }
}

/// The partition predicates: accounts, regions and the days the window touches.
pub fn partitions(scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    if !scope.accounts.is_empty() {
        out.push(format!("account IN ({})", list(&scope.accounts)));
    }
    if !scope.regions.is_empty() {
        out.push(format!("region IN ({})", list(&scope.regions)));
    }
    // The end is exclusive: an end at midnight does not touch that day.
    let last = scope.end - Duration::milliseconds(1);
    let last = if last < scope.start {
        scope.start
    } else {
        last
    };
    out.push(format!(
        "day BETWEEN {} AND {}",
        quote(&day(scope.start)),
        quote(&day(last))
    ));
    out
}

/// The query for `question` over `scope`.
pub fn build(table: &TableRef, question: &Question, scope: &Scope) -> String {
    let columns = SELECTED
        .iter()
        .map(|(expr, alias)| {
            if expr == alias {
                (*expr).to_string()
            } else {
                format!("{expr} AS {alias}")
            }
        })
        .collect::<Vec<_>>()
        .join(",\n       ");
    let mut predicates = partitions(scope);
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    predicates.push(format!("eventtime >= {}", quote(&iso(scope.start))));
    predicates.push(format!("eventtime < {}", quote(&iso(scope.end))));
    match question {
        Question::WhoRead { secret } => {
            predicates.push(format!("eventsource = {}", quote(SECRETS_MANAGER)));
            predicates.push("eventname IN ('GetSecretValue', 'BatchGetSecretValue')".into());
            predicates.push(format!(
                "(strpos(requestparameters, {}) > 0 OR (eventname = 'BatchGetSecretValue' AND \
                 json_extract(requestparameters, '$.filters') IS NOT NULL))",
                quote(&name_of(secret))
            ));
        }
        Question::Secret { secret } => {
            predicates.push(format!("eventsource = {}", quote(SECRETS_MANAGER)));
            predicates.push(format!(
                "(strpos(requestparameters, {n}) > 0 OR strpos(responseelements, {n}) > 0 OR \
                 (eventname = 'BatchGetSecretValue' AND \
                 json_extract(requestparameters, '$.filters') IS NOT NULL))",
                n = quote(&name_of(secret))
            ));
        }
        Question::Principal { arn } => {
            predicates.push(format!(
                "(useridentity.arn = {a} OR useridentity.sessioncontext.sessionissuer.arn = {a})",
                a = quote(arn)
            ));
        }
        Question::Window => {
            predicates.push(format!("eventsource = {}", quote(SECRETS_MANAGER)));
        }
    }
    if scope.errors_only {
        predicates.push("errorcode IS NOT NULL".into());
    }
    format!(
        "SELECT {columns}\nFROM {}.{}\nWHERE {}\nORDER BY eventtime",
        quote_ident(&table.database),
        quote_ident(&table.table),
        predicates.join("\n  AND ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn scope() -> Scope {
        Scope {
            accounts: vec!["210987654321".into()],
            regions: vec!["us-east-1".into(), "us-west-2".into()],
            start: Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap(),
            errors_only: false,
        }
    }

    fn table() -> TableRef {
        TableRef {
            database: "security".into(),
            table: "org_trail".into(),
        }
    }

    #[test]
    fn every_query_is_bounded_by_account_region_and_day() {
        let sql = build(&table(), &Question::Window, &scope());
        assert!(sql.contains("account IN ('210987654321')"), "{sql}");
        assert!(
            sql.contains("region IN ('us-east-1', 'us-west-2')"),
            "{sql}"
        );
        // The end at midnight is exclusive: 2026/12/03 is not read.
        assert!(
            sql.contains("day BETWEEN '2026/11/03' AND '2026/12/02'"),
            "{sql}"
        );
        assert!(sql.contains("eventtime >= '2026-11-03T09:00:00Z'"), "{sql}");
        assert!(sql.contains("FROM \"security\".\"org_trail\""), "{sql}");
    }

    #[test]
    fn who_read_matches_the_name_inside_every_form_of_reference() {
        let sql = build(
            &table(),
            &Question::WhoRead {
                secret: "arn:aws:secretsmanager:us-east-1:210987654321:secret:prod/db-AbC123"
                    .into(),
            },
            &scope(),
        );
        assert!(
            sql.contains("strpos(requestparameters, 'prod/db') > 0"),
            "{sql}"
        );
        assert!(sql.contains("eventname IN ('GetSecretValue', 'BatchGetSecretValue')"));
        assert_eq!(name_of("prod/db"), "prod/db");
        assert_eq!(
            name_of("arn:aws:secretsmanager:r:1:secret:prod/db"),
            "prod/db",
            "a partial ARN keeps its whole name"
        );
        assert_eq!(
            name_of("arn:aws:secretsmanager:r:1:secret:a-b-c-XyZ789"),
            "a-b-c"
        );
    }

    #[test]
    fn hostile_names_and_principals_stay_inside_their_literal() {
        let evil = "x') OR 1=1 --\n";
        let sql = build(
            &table(),
            &Question::WhoRead {
                secret: evil.into(),
            },
            &scope(),
        );
        assert!(
            sql.contains("strpos(requestparameters, 'x'') OR 1=1 --') > 0"),
            "{sql}"
        );
        let sql = build(
            &table(),
            &Question::Principal {
                arn: "arn:aws:iam::1:user/o'brien".into(),
            },
            &scope(),
        );
        assert!(
            sql.contains("useridentity.arn = 'arn:aws:iam::1:user/o''brien'"),
            "{sql}"
        );
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn errors_only_and_unbounded_accounts() {
        let mut s = scope();
        s.errors_only = true;
        s.accounts.clear();
        let sql = build(&table(), &Question::Window, &s);
        assert!(sql.contains("errorcode IS NOT NULL"));
        assert!(!sql.contains("account IN"));
    }
}
