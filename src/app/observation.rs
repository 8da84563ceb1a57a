//! What the review worker needs to build and keep the review's observation of every secret.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::Inventory;
use crate::review::{Observation, PolicyInput};
use crate::trail::analysis::EventIndex;

/// Everything the worker needs to build and store what the review observed, off the screen's
/// thread: the whole inventory is reviewed there, not only the rows on screen.
#[derive(Debug, Clone)]
pub struct ObservationInput {
    pub review: String,
    pub observed_at: DateTime<Utc>,
    pub since: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
    pub inventory: Inventory,
    pub policies: HashMap<String, PolicyInput>,
    pub events: Arc<EventIndex>,
}

impl PartialEq for ObservationInput {
    fn eq(&self, other: &Self) -> bool {
        self.review == other.review
            && self.observed_at == other.observed_at
            && self.since == other.since
            && self.notes == other.notes
            && self.problems == other.problems
            && self.policies == other.policies
            && Arc::ptr_eq(&self.events, &other.events)
    }
}

impl ObservationInput {
    pub fn observe(&self) -> Observation {
        let secrets = crate::review::build(&crate::review::Input {
            inventory: &self.inventory,
            policies: &self.policies,
            events: &self.events,
            since: self.since,
            selection: None,
        });
        Observation {
            observed_at: self.observed_at,
            since: self.since,
            accounts: self.accounts.clone(),
            regions: self.regions.clone(),
            notes: self.notes.clone(),
            problems: self.problems.clone(),
            secrets,
        }
    }
}
