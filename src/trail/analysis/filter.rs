//! The events table's filter: free text plus exact fields, all of which must hold.

use chrono::{DateTime, Utc};

use super::index::{EventIndex, FAILED, NONE, READ, WRITE};

/// Every set field must match. Empty text and empty `secret_arns` match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Case-insensitive substrings over event name, principal label and ARNs, source IP, user
    /// agent, error code, region and secret names; each whitespace-separated word must match.
    pub text: String,
    /// Any of these (primary and replica ARNs, or references the inventory lacks, as written).
    pub secret_arns: Vec<String>,
    /// A [`Principal::key`](crate::trail::Principal::key).
    pub principal: Option<String>,
    /// An event name, ignoring ASCII case.
    pub event_name: Option<String>,
    /// A source IP address, exactly.
    pub ip: Option<String>,
    /// Inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
    pub errors_only: bool,
    /// With `reads_only` too: reads or writes (every call that is not metadata).
    pub writes_only: bool,
    pub reads_only: bool,
}

impl EventIndex {
    /// Indices into `events` of the events that match, newest first.
    pub fn filter(&self, f: &EventFilter) -> Vec<usize> {
        let terms: Vec<Vec<bool>> = f
            .text
            .to_lowercase()
            .split_whitespace()
            .map(|term| self.tokens.iter().map(|t| t.contains(term)).collect())
            .collect();
        let exact = |wanted: &Option<String>, table: &super::index::Interner| match wanted {
            None => Ok(None),
            Some(w) => table.find(w).map(Some).ok_or(()),
        };
        let (Ok(principal), Ok(ip)) = (
            exact(&f.principal, &self.principals),
            exact(&f.ip, &self.ips),
        ) else {
            return Vec::new();
        };
        let names: Option<Vec<bool>> = f.event_name.as_ref().map(|wanted| {
            let names = &self.names.strings;
            names
                .iter()
                .map(|n| n.eq_ignore_ascii_case(wanted))
                .collect()
        });
        let secrets = (!f.secret_arns.is_empty()).then(|| self.secret_set(&f.secret_arns));
        let kinds = match (f.reads_only, f.writes_only) {
            (false, false) => 0,
            (true, false) => READ,
            (false, true) => WRITE,
            (true, true) => READ | WRITE,
        };
        self.time_range(f.since, f.until)
            .filter(|&i| {
                let facts = &self.facts[i];
                (kinds == 0 || facts.flags & kinds != 0)
                    && (!f.errors_only || facts.flags & FAILED != 0)
                    && principal.is_none_or(|p| facts.principal == p)
                    && ip.is_none_or(|ip| ip != NONE && facts.ip == ip)
                    && names.as_ref().is_none_or(|n| n[facts.name as usize])
                    && secrets.as_ref().is_none_or(|s| self.touches(i, s))
                    && terms.iter().all(|hit| {
                        let tokens = self.search.get(i);
                        tokens.iter().any(|&t| hit[t as usize])
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn index() -> EventIndex {
        EventIndex::build(
            vec![
                Rec::read("2026-11-20T09:00:00Z").secret("prod/db").event(),
                Rec::read("2026-11-20T10:00:00Z")
                    .secret("prod/db")
                    .region("eu-west-1")
                    .role("app", "i-0abc")
                    .ip("10.0.0.7")
                    .agent("aws-sdk-go/1.44")
                    .event(),
                Rec::new("PutSecretValue", "2026-11-20T11:00:00Z")
                    .secret(API)
                    .event(),
                Rec::read("2026-11-20T12:00:00Z")
                    .secret("prod/api")
                    .error("AccessDenied")
                    .role("app", "i-0abc")
                    .event(),
                Rec::new("ListSecrets", "2026-11-20T13:00:00Z").event(),
            ],
            &inventory(),
        )
    }

    fn matching(f: EventFilter) -> Vec<String> {
        let index = index();
        let hours = index.filter(&f).into_iter().map(|i| {
            let e = &index.events[i];
            format!("{}@{}", e.name, chrono::Timelike::hour(&e.time))
        });
        hours.collect()
    }

    #[test]
    fn no_filter_keeps_everything_newest_first() {
        assert_eq!(
            matching(EventFilter::default()),
            [
                "ListSecrets@13",
                "GetSecretValue@12",
                "PutSecretValue@11",
                "GetSecretValue@10",
                "GetSecretValue@9"
            ]
        );
    }

    #[test]
    fn text_is_case_insensitive_over_every_field_and_each_word_must_match() {
        let text = |t: &str| {
            matching(EventFilter {
                text: t.into(),
                ..Default::default()
            })
        };
        assert_eq!(text("PROD/DB"), ["GetSecretValue@10", "GetSecretValue@9"]);
        assert_eq!(text("i-0a"), ["GetSecretValue@12", "GetSecretValue@10"]);
        assert_eq!(text("10.0.0"), ["GetSecretValue@10"]);
        assert_eq!(text("sdk-go"), ["GetSecretValue@10"]);
        assert_eq!(text("denied"), ["GetSecretValue@12"]);
        assert_eq!(text("putsecret"), ["PutSecretValue@11"]);
        assert_eq!(text("eu-west"), ["GetSecretValue@10"]);
        assert_eq!(text("app  api"), ["GetSecretValue@12"]);
        assert!(text("nothing-like-this").is_empty());
    }

    #[test]
    fn secrets_match_primary_and_replica_arns() {
        let by = |arns: &[&str]| {
            matching(EventFilter {
                secret_arns: arns.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            })
        };
        assert_eq!(by(&[DB]), ["GetSecretValue@9"]);
        assert_eq!(
            by(&[DB, DB_REPLICA]),
            ["GetSecretValue@10", "GetSecretValue@9"]
        );
        assert_eq!(by(&[API]), ["GetSecretValue@12", "PutSecretValue@11"]);
        assert!(by(&["arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf"]).is_empty());
    }

    #[test]
    fn exact_fields() {
        let app = matching(EventFilter {
            principal: Some(APP_ROLE.into()),
            ..Default::default()
        });
        assert_eq!(app, ["GetSecretValue@12", "GetSecretValue@10"]);
        let named = matching(EventFilter {
            event_name: Some("listsecrets".into()),
            ..Default::default()
        });
        assert_eq!(named, ["ListSecrets@13"]);
        let ip = matching(EventFilter {
            ip: Some("10.0.0.7".into()),
            ..Default::default()
        });
        assert_eq!(ip, ["GetSecretValue@10"]);
        let unknown = matching(EventFilter {
            ip: Some("10.0.0".into()),
            ..Default::default()
        });
        assert!(unknown.is_empty(), "IPs match exactly");
    }

    #[test]
    fn time_window_is_inclusive_then_exclusive() {
        let window = matching(EventFilter {
            since: Some(at("2026-11-20T10:00:00Z")),
            until: Some(at("2026-11-20T12:00:00Z")),
            ..Default::default()
        });
        assert_eq!(window, ["PutSecretValue@11", "GetSecretValue@10"]);
        let backwards = matching(EventFilter {
            since: Some(at("2026-11-20T12:00:00Z")),
            until: Some(at("2026-11-20T10:00:00Z")),
            ..Default::default()
        });
        assert!(backwards.is_empty());
    }

    #[test]
    fn errors_writes_and_reads_only() {
        let errors = matching(EventFilter {
            errors_only: true,
            ..Default::default()
        });
        assert_eq!(errors, ["GetSecretValue@12"]);
        let writes = matching(EventFilter {
            writes_only: true,
            ..Default::default()
        });
        assert_eq!(writes, ["PutSecretValue@11"]);
        let reads = matching(EventFilter {
            reads_only: true,
            ..Default::default()
        });
        assert_eq!(reads.len(), 3);
        let both = matching(EventFilter {
            reads_only: true,
            writes_only: true,
            ..Default::default()
        });
        assert_eq!(both.len(), 4, "everything but ListSecrets");
        let failed_reads = matching(EventFilter {
            reads_only: true,
            errors_only: true,
            text: "prod".into(),
            ..Default::default()
        });
        assert_eq!(failed_reads, ["GetSecretValue@12"]);
    }
}
