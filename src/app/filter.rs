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
        self.haystacks
            .iter()
            .enumerate()
            .filter_map(|(i, h)| pattern.score(h.slice(..), &mut matcher).map(|s| (i, s)))
            .collect()
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
