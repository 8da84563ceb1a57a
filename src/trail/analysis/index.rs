//! The event index: events newest first, with interned principals, names, IPs, the secrets
//! each event touched and lowercase search tokens, worked out once for every question.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::domain::Secret;
use crate::trail::event::AccessEvent;
use crate::trail::secret_ref::{SecretRef, resolve};

/// Events newest first, with what the questions below need worked out once.
// The pub(super) parts are read by the files that answer the questions (filter, readers, ...).
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    /// Newest first.
    pub events: Vec<AccessEvent>,
    /// Inventory ARNs each event touched (primary and replica listings alike), per event.
    pub arns: Vec<Vec<String>>,
    pub(super) facts: Vec<Facts>,
    pub(super) principals: Interner,
    pub(super) labels: Interner,
    pub(super) names: Interner,
    pub(super) ips: Interner,
    /// Secrets events touched: inventory ARNs, then references the inventory lacks, as written.
    pub(super) secrets: Interner,
    pub(super) in_inventory: Vec<bool>,
    pub(super) touched: Lists,
    /// Lowercase field values the free-text filter searches, and which of them each event has.
    pub(super) tokens: Vec<String>,
    pub(super) search: Lists,
}

/// Per event: interned ids and the kinds of call it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts {
    pub(super) principal: u32,
    pub(super) label: u32,
    pub(super) name: u32,
    pub(super) ip: u32,
    pub(super) flags: u8,
}

pub(super) const NONE: u32 = u32::MAX;

pub(super) const READ: u8 = 1;
pub(super) const WRITE: u8 = 1 << 1;
pub(super) const FAILED: u8 = 1 << 2;
pub(super) const DENIED: u8 = 1 << 3;
pub(super) const LIST: u8 = 1 << 4;
/// BatchGetSecretValue with filters: every secret the filter matches, not a named few.
pub(super) const FILTERED_BATCH: u8 = 1 << 5;

impl EventIndex {
    /// Sorts newest first (events at the same instant keep their order), resolves each distinct
    /// secret reference once against `secrets`, and precomputes the search tokens.
    /// `secrets` may be owned or shared (`Arc<Secret>`, as the console's listings hold them).
    pub fn build<S: std::borrow::Borrow<Secret>>(events: Vec<AccessEvent>, secrets: &[S]) -> Self {
        let events = newest_first(events);
        let names_by_arn: HashMap<&str, &str> = secrets
            .iter()
            .map(std::borrow::Borrow::borrow)
            .map(|s: &Secret| (s.arn.as_str(), s.name.as_str()))
            .collect();
        let mut index = EventIndex::default();
        let mut tokens = Tokens::default();
        let mut secret_tokens: Vec<u32> = Vec::new();
        let [mut label_tokens, mut name_tokens, mut ip_tokens] =
            [(); 3].map(|()| TokenCache::default());
        let mut resolved: HashMap<(&SecretRef, Option<&str>, &str), Vec<String>> = HashMap::new();
        let mut arns = Vec::with_capacity(events.len());
        let mut facts = Vec::with_capacity(events.len());
        let (mut touched, mut search) = (Vec::new(), Vec::new());
        for event in &events {
            touched.clear();
            let mut event_arns: Vec<String> = Vec::new();
            for r in &event.secrets {
                let key = (r, event.account.as_deref(), event.region.as_str());
                let hits = resolved
                    .entry(key)
                    .or_insert_with(|| resolve(r, secrets, key.1, key.2));
                let (ids, in_inventory): (Vec<&str>, bool) = match (r, hits.is_empty()) {
                    (_, false) => (hits.iter().map(String::as_str).collect(), true),
                    (
                        SecretRef::Arn(id) | SecretRef::PartialArn(id) | SecretRef::Name(id),
                        true,
                    ) => (vec![id.as_str()], false),
                    (SecretRef::Filter { .. }, true) => (Vec::new(), false),
                };
                for id in ids {
                    let (secret, new) = index.secrets.intern(id);
                    if new {
                        index.in_inventory.push(in_inventory);
                        let name = names_by_arn.get(id).copied().unwrap_or(id);
                        secret_tokens.push(tokens.id(name));
                    }
                    if !touched.contains(&secret) {
                        touched.push(secret);
                        if in_inventory {
                            event_arns.push(id.to_string());
                        }
                    }
                }
            }
            let principal = &event.principal;
            let label = index.labels.intern(&principal.label()).0;
            let name = index.names.intern(&event.name).0;
            let ip = event
                .source_ip
                .as_deref()
                .map_or(NONE, |ip| index.ips.intern(ip).0);
            search.clear();
            for (id, table, cache) in [
                (label, &index.labels, &mut label_tokens),
                (name, &index.names, &mut name_tokens),
                (ip, &index.ips, &mut ip_tokens),
            ] {
                if id != NONE {
                    search.push(cache.token(id, table, &mut tokens));
                }
            }
            let fields = [
                principal.arn.as_deref(),
                principal.role_arn.as_deref(),
                event.user_agent.as_deref(),
                event.error_code.as_deref(),
                Some(event.region.as_str()),
            ];
            search.extend(fields.into_iter().flatten().map(|text| tokens.id(text)));
            search.extend(touched.iter().map(|&s| secret_tokens[s as usize]));
            search.sort_unstable();
            search.dedup();
            index.search.push(&search);
            index.touched.push(&touched);
            event_arns.shrink_to_fit();
            arns.push(event_arns);
            facts.push(Facts {
                principal: index.principals.intern(&principal.key()).0,
                label,
                name,
                ip,
                flags: flags(event),
            });
        }
        drop(resolved);
        index.search.items.shrink_to_fit();
        index.touched.items.shrink_to_fit();
        index.tokens = tokens.strings;
        index.facts = facts;
        index.arns = arns;
        index.events = events;
        index
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// [`Principal::key`](crate::trail::Principal::key) of event `i`, computed once in `build`.
    pub fn principal_key(&self, i: usize) -> &str {
        self.principals.get(self.facts[i].principal)
    }

    /// [`Principal::label`](crate::trail::Principal::label) of event `i`, computed once in `build`.
    pub fn principal_label(&self, i: usize) -> &str {
        self.labels.get(self.facts[i].label)
    }

    /// Indices of events at or after `since` and before `until`, newest first.
    pub(super) fn time_range(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Range<usize> {
        let start = self
            .events
            .partition_point(|e| until.is_some_and(|u| e.time >= u));
        let end = self
            .events
            .partition_point(|e| since.is_none_or(|s| e.time >= s));
        start..end.max(start)
    }

    pub(super) fn has(&self, i: usize, flag: u8) -> bool {
        self.facts[i].flags & flag != 0
    }

    pub(super) fn touched(&self, i: usize) -> &[u32] {
        self.touched.get(i)
    }

    /// Which interned secrets `arns` name; ARNs no event touched are simply absent.
    pub(super) fn secret_set(&self, arns: &[String]) -> Vec<bool> {
        let mut set = vec![false; self.secrets.len()];
        for id in arns.iter().filter_map(|a| self.secrets.find(a)) {
            set[id as usize] = true;
        }
        set
    }

    pub(super) fn touches(&self, i: usize, set: &[bool]) -> bool {
        self.touched(i).iter().any(|&s| set[s as usize])
    }
}

/// Sorted newest first; events at the same instant keep their input order. Events are large,
/// so (time, position) pairs are sorted and each event moved once; input already in order (as
/// `trail::merge` leaves it) is kept as it is.
fn newest_first(events: Vec<AccessEvent>) -> Vec<AccessEvent> {
    if events.is_sorted_by(|a, b| a.time >= b.time) {
        return events;
    }
    let mut order: Vec<(DateTime<Utc>, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.time, i))
        .collect();
    order.sort_by_key(|&(time, _)| std::cmp::Reverse(time));
    let mut slots: Vec<Option<AccessEvent>> = events.into_iter().map(Some).collect();
    let mut sorted = Vec::with_capacity(slots.len());
    sorted.extend(order.into_iter().filter_map(|(_, i)| slots[i].take()));
    sorted
}

fn flags(event: &AccessEvent) -> u8 {
    let mut flags = 0;
    let mut set = |on: bool, flag: u8| {
        if on {
            flags |= flag;
        }
    };
    set(event.is_read(), READ);
    set(event.is_write(), WRITE);
    set(event.failed(), FAILED);
    set(event.error_code.as_deref().is_some_and(is_denied), DENIED);
    set(
        event.is_secrets_manager() && event.name == "ListSecrets",
        LIST,
    );
    let filtered = event
        .secrets
        .iter()
        .any(|r| matches!(r, SecretRef::Filter { .. }));
    set(
        event.is_read() && event.name == "BatchGetSecretValue" && filtered,
        FILTERED_BATCH,
    );
    flags
}

/// AccessDenied, AccessDeniedException and the like; other failures (not found, decryption,
/// throttling) are not denials.
fn is_denied(code: &str) -> bool {
    code.contains("AccessDenied") || code.ends_with("UnauthorizedOperation")
}

/// Strings numbered in the order first seen.
#[derive(Debug, Clone, Default)]
pub(super) struct Interner {
    pub(super) strings: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    /// The id of `s`, and whether it is new.
    fn intern(&mut self, s: &str) -> (u32, bool) {
        if let Some(&id) = self.ids.get(s) {
            return (id, false);
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        (id, true)
    }

    pub(super) fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    pub(super) fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.strings.len()
    }
}

/// Lowercase search tokens, looked up by the text as written so each value is lowered once.
#[derive(Default)]
struct Tokens {
    strings: Vec<String>,
    by_lower: HashMap<String, u32>,
    by_text: HashMap<String, u32>,
}

impl Tokens {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.by_text.get(text) {
            return id;
        }
        let lower = text.to_lowercase();
        let id = match self.by_lower.get(&lower) {
            Some(&id) => id,
            None => {
                let id = self.strings.len() as u32;
                self.strings.push(lower.clone());
                self.by_lower.insert(lower, id);
                id
            }
        };
        self.by_text.insert(text.to_string(), id);
        id
    }
}

/// The search token of each interned string, looked up once per string rather than per event.
#[derive(Default)]
struct TokenCache(Vec<u32>);

impl TokenCache {
    fn token(&mut self, id: u32, table: &Interner, tokens: &mut Tokens) -> u32 {
        let id = id as usize;
        while self.0.len() <= id {
            let text = table.get(self.0.len() as u32);
            self.0.push(tokens.id(text));
        }
        self.0[id]
    }
}

/// One short list of ids per event, stored flat.
#[derive(Debug, Clone, Default)]
pub(super) struct Lists {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn push(&mut self, list: &[u32]) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.items.extend_from_slice(list);
        self.starts.push(self.items.len() as u32);
    }

    pub(super) fn get(&self, i: usize) -> &[u32] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::EventFilter;
    use super::super::testing::*;
    use super::*;

    #[test]
    fn build_sorts_newest_first_and_resolves_primary_and_replica() {
        let index = EventIndex::build(
            vec![
                Rec::read("2026-11-20T09:00:00Z").secret("prod/db").event(),
                Rec::read("2026-11-20T10:00:00Z")
                    .secret("prod/db")
                    .region("eu-west-1")
                    .event(),
                Rec::read("2026-11-20T08:00:00Z")
                    .secret("gone/secret")
                    .event(),
            ],
            &inventory(),
        );
        let hours: Vec<u32> = index
            .events
            .iter()
            .map(|e| chrono::Timelike::hour(&e.time))
            .collect();
        assert_eq!(hours, [10, 9, 8]);
        assert_eq!(index.arns[0], vec![DB_REPLICA.to_string()]);
        assert_eq!(index.arns[1], vec![DB.to_string()]);
        assert!(index.arns[2].is_empty(), "a name the inventory lacks");
        assert_eq!(index.principal_label(0), "bob");
        assert_eq!(index.principal_key(0), BOB_ARN);
    }

    #[test]
    fn events_at_the_same_instant_keep_their_order() {
        let read = |secret: &str, time: &str| Rec::read(time).secret(secret).event();
        let index = EventIndex::build(
            vec![
                read("svc/1", "2026-11-20T09:00:00Z"),
                read("svc/2", "2026-11-20T09:00:00Z"),
                read("svc/3", "2026-11-20T10:00:00Z"),
                read("svc/4", "2026-11-20T09:00:00Z"),
            ],
            &inventory(),
        );
        let order: Vec<&str> = index
            .events
            .iter()
            .map(|e| match &e.secrets[..] {
                [crate::trail::SecretRef::Name(name)] => name.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(order, ["svc/3", "svc/1", "svc/2", "svc/4"]);
    }

    #[test]
    fn denials_are_told_from_other_failures() {
        assert!(is_denied("AccessDenied") && is_denied("AccessDeniedException"));
        assert!(!is_denied("ResourceNotFoundException") && !is_denied("DecryptionFailure"));
    }

    #[test]
    fn lists_of_an_empty_index_are_empty() {
        assert!(Lists::default().get(3).is_empty());
        let index = EventIndex::build::<Secret>(Vec::new(), &[]);
        assert!(index.is_empty() && index.filter(&EventFilter::default()).is_empty());
    }
}
