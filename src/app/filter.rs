//! The `/` fuzzy filter over the inventory, with nucleo's matcher (the one helix and television use).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use crate::domain::{Entry, environment_of};

/// One prepared haystack per inventory entry, rebuilt only when the inventory changes.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    haystacks: Vec<Utf32String>,
}

impl SearchIndex {
    pub fn build(entries: &[Entry]) -> Self {
        Self {
            haystacks: entries.iter().map(haystack).collect(),
        }
    }

    /// Entries matching `query` with their scores; every entry (score 0) when the query is blank.
    pub fn matches(&self, query: &str) -> Vec<(usize, u32)> {
        if query.trim().is_empty() {
            return (0..self.haystacks.len()).map(|i| (i, 0)).collect();
        }
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT.match_paths());
        let scored: Vec<(usize, u32)> = self
            .haystacks
            .iter()
            .enumerate()
            .filter_map(|(i, h)| pattern.score(h.slice(..), &mut matcher).map(|s| (i, s)))
            .collect();
        // Letters scattered across a long haystack match too; keep the close matches only.
        let best = scored.iter().map(|(_, s)| *s).max().unwrap_or(0);
        scored.into_iter().filter(|(_, s)| *s * 2 >= best).collect()
    }
}

/// What the filter searches: name first (it matters most), then region, env, owner, class, account.
fn haystack(entry: &Entry) -> Utf32String {
    let s = &entry.secret;
    let mut text = s.name.clone();
    for part in [
        Some(s.region.as_str()),
        environment_of(s).as_deref(),
        s.tag("Owner"),
        s.tag("Classification"),
        Some(s.account.as_str()),
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
        (SearchIndex::build(&entries), entries)
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
