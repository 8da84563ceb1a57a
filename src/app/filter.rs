//! The `/` fuzzy filter over the inventory, with nucleo's matcher (the one helix and television use).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use std::collections::HashMap;

use crate::domain::glob::glob_matches;
use crate::domain::{Entry, environment_of};

/// One prepared haystack per inventory entry, rebuilt only when the inventory changes.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    haystacks: Vec<Utf32String>,
    /// Each entry's account id and name, lower case, for `account:` terms.
    accounts: Vec<(String, String)>,
}

/// The account filter's prefix in a query: `account:payments-*` (or `acct:`) keeps the rows of
/// accounts whose id or name matches (a glob, or a part of it without `*`/`?`).
const ACCOUNT_PREFIXES: &[&str] = &["account:", "acct:"];

impl SearchIndex {
    /// `names`: account names by id (an organization's), searched and filtered too.
    pub fn build(entries: &[Entry], names: &HashMap<String, String>) -> Self {
        Self {
            haystacks: entries.iter().map(|e| haystack(e, names)).collect(),
            accounts: entries
                .iter()
                .map(|e| {
                    let id = &e.secret.account;
                    let name = names.get(id).map_or("", String::as_str);
                    (id.to_lowercase(), name.to_lowercase())
                })
                .collect(),
        }
    }

    /// Entries matching `query` with their scores; every entry (score 0) when the query is blank.
    pub fn matches(&self, query: &str) -> Vec<(usize, u32)> {
        let (text, accounts) = split_query(query);
        let in_accounts = |i: usize| {
            accounts.is_empty()
                || self
                    .accounts
                    .get(i)
                    .is_some_and(|(id, name)| accounts.iter().any(|p| account_matches(p, id, name)))
        };
        if text.trim().is_empty() {
            return (0..self.haystacks.len())
                .filter(|i| in_accounts(*i))
                .map(|i| (i, 0))
                .collect();
        }
        let pattern = Pattern::parse(&text, CaseMatching::Smart, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT.match_paths());
        let scored: Vec<(usize, u32)> = self
            .haystacks
            .iter()
            .enumerate()
            .filter(|(i, _)| in_accounts(*i))
            .filter_map(|(i, h)| pattern.score(h.slice(..), &mut matcher).map(|s| (i, s)))
            .collect();
        // Letters scattered across a long haystack match too; keep the close matches only.
        let best = scored.iter().map(|(_, s)| *s).max().unwrap_or(0);
        scored.into_iter().filter(|(_, s)| *s * 2 >= best).collect()
    }
}

/// The fuzzy text of a query and its account terms (lower case), apart.
pub fn split_query(query: &str) -> (String, Vec<String>) {
    let mut text = Vec::new();
    let mut accounts = Vec::new();
    for word in query.split_whitespace() {
        let lower = word.to_lowercase();
        match ACCOUNT_PREFIXES.iter().find(|p| lower.starts_with(**p)) {
            Some(prefix) => {
                let pattern = &lower[prefix.len()..];
                if !pattern.is_empty() {
                    accounts.push(pattern.to_string());
                }
            }
            None => text.push(word),
        }
    }
    (text.join(" "), accounts)
}

fn account_matches(pattern: &str, id: &str, name: &str) -> bool {
    if pattern.contains(['*', '?']) {
        glob_matches(pattern, id) || glob_matches(pattern, name)
    } else {
        id.contains(pattern) || name.contains(pattern)
    }
}

/// What the filter searches: name first (it matters most), then region, env, owner, class,
/// account id and name.
fn haystack(entry: &Entry, names: &HashMap<String, String>) -> Utf32String {
    let s = &entry.secret;
    let mut text = s.name.clone();
    for part in [
        Some(s.region.as_str()),
        environment_of(s).as_deref(),
        s.tag("Owner"),
        s.tag("Classification"),
        Some(s.account.as_str()),
        names.get(&s.account).map(String::as_str),
    ]
    .into_iter()
    .flatten()
    {
        text.push(' ');
        text.push_str(part);
    }
    Utf32String::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures;

    fn index_of(names: &[&str]) -> (SearchIndex, Vec<Entry>) {
        let mut secrets = fixtures::secrets(names.len(), "us-east-1");
        for (s, n) in secrets.iter_mut().zip(names) {
            s.name = n.to_string();
        }
        let entries = crate::domain::Inventory::join(secrets).entries;
        (SearchIndex::build(&entries, &HashMap::new()), entries)
    }

    #[test]
    fn scattered_letters_do_not_drown_real_matches() {
        let (index, entries) = index_of(&[
            "/clarivum/prod/payments/stripe-api-key",
            "/clarivum/prod/ingest/s3-presign-key",
            "/clarivum/dev/billing/stripe-webhook",
        ]);
        let names: Vec<&str> = index
            .matches("stripe")
            .into_iter()
            .map(|(i, _)| entries[i].secret.name.as_str())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|n| n.contains("stripe")));
    }

    #[test]
    fn account_terms_keep_the_rows_of_matching_accounts() {
        let mut secrets = fixtures::secrets(4, "us-east-1");
        let ids = [
            "111111111111",
            "210987654321",
            "210987654322",
            "333333333333",
        ];
        for (s, id) in secrets.iter_mut().zip(ids) {
            s.account = id.to_string();
            s.name = format!("db/{id}");
        }
        let names: HashMap<String, String> = [
            ("210987654321", "payments-prod"),
            ("210987654322", "payments-stage"),
            ("333333333333", "security"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let entries = crate::domain::Inventory::join(secrets).entries;
        let index = SearchIndex::build(&entries, &names);
        let accounts_of = |q: &str| -> Vec<String> {
            let mut found: Vec<String> = index
                .matches(q)
                .into_iter()
                .map(|(i, _)| entries[i].secret.account.clone())
                .collect();
            found.sort();
            found
        };
        assert_eq!(
            accounts_of("account:payments-*"),
            ["210987654321", "210987654322"]
        );
        assert_eq!(
            accounts_of("acct:PROD"),
            ["210987654321"],
            "a part of the name, any case"
        );
        assert_eq!(
            accounts_of("account:1111"),
            ["111111111111"],
            "a part of the id"
        );
        assert_eq!(
            accounts_of("account:security db"),
            ["333333333333"],
            "with fuzzy text"
        );
        assert!(accounts_of("account:nowhere").is_empty());
        assert_eq!(
            split_query("stripe account:x acct:"),
            ("stripe".into(), vec!["x".into()])
        );
    }

    #[test]
    fn fuzzy_abbreviations_still_match() {
        let (index, entries) = index_of(&["/clarivum/prod/payments/stripe-api-key", "/x/y"]);
        let found = index.matches("pay stripe");
        assert_eq!(found.len(), 1);
        assert_eq!(
            entries[found[0].0].secret.name,
            "/clarivum/prod/payments/stripe-api-key"
        );
    }
}
