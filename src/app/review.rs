//! What the `:review` view holds: the review opened in the store (or being opened), its
//! decision log, the resource policies known so far, the secrets the filter keeps, the reviews
//! of the secrets on screen (built when data changes, only for the rows shown), and the
//! one-line input of a decision being recorded.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::cursor::Cursor;
pub use super::observation::ObservationInput;
use super::request::RequestId;
use crate::domain::Inventory;
use crate::review::{Allowed, Decision, Highlight, PolicyInput, ReviewInfo, SecretReview, Verdict};
use crate::trail::analysis::EventIndex;

/// The window a review opens with unless `:review 30d` says otherwise.
pub const DEFAULT_WINDOW: &str = "90d";

#[derive(Debug, Clone, Default)]
pub struct ReviewView {
    /// Who records decisions (`$USER`, set by the console when it starts).
    pub reviewer: String,
    /// As typed (`90d`); empty until the view is first opened.
    pub window: String,
    pub span: Duration,
    /// The start of the window, fixed when the review opens.
    pub since: Option<DateTime<Utc>>,
    pub store: StoreState,
    pub log: Vec<Decision>,
    /// Why the decision log's chain does not hold, if it does not.
    pub broken: Option<String>,
    /// By the secret's ARN: cached, fetched, or what the source says instead.
    pub policies: HashMap<String, PolicyInput>,
    pub fetch: PolicyFetch,
    /// How the last GetResourcePolicy batch went.
    pub fetched: Option<FetchReport>,
    /// A live review asked CloudTrail for reads since this time.
    pub reads_since: Option<DateTime<Utc>>,
    /// The reviewer stopped that fetch (Esc) before it finished.
    pub reads_stopped: bool,
    /// Indices into `inventory.entries` the filter keeps, by name, account, region.
    pub rows: Vec<usize>,
    pub cursor: Cursor,
    /// The secret last under the cursor (by ARN), found again when rows move.
    pub focus: Option<String>,
    pub pane: ReviewPane,
    /// The principal under the cursor in the selected secret's table.
    pub principal: usize,
    /// Case-insensitive substring of the name or owner.
    pub filter: String,
    /// Reviews of the secrets on screen, by ARN; dropped when data changes.
    pub built: HashMap<String, SecretReview>,
    /// The event index `built` was computed from.
    pub built_from: Option<Arc<EventIndex>>,
    /// Inventory, policies or events changed since `rows` and `built` were computed.
    pub stale: bool,
    /// The event index of the observation last sent to the store; None when the inventory or
    /// the policies changed since (or nothing was sent yet).
    pub observed: Option<Arc<EventIndex>>,
    /// The store kept an observation of this many secrets.
    pub observed_secrets: Option<usize>,
    pub input: Option<DecisionInput>,
    /// A decision sent to the store and not yet confirmed.
    pub recording: bool,
}

/// The review in the local store.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum StoreState {
    /// Nothing asked yet (the view was never opened, or waits for the inventory).
    #[default]
    Closed,
    Opening(RequestId),
    Open {
        info: ReviewInfo,
        /// Started by this opening, rather than the quarter's review opened again.
        created: bool,
    },
    /// The store could not be opened: the review shows, decisions cannot be recorded.
    Failed(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum PolicyFetch {
    #[default]
    Idle,
    /// GetResourcePolicy (or the source's answer) for these ARNs.
    Loading {
        request: RequestId,
        arns: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FetchReport {
    pub calls: usize,
    pub throttled: usize,
    pub seconds: f64,
    pub cached: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReviewPane {
    #[default]
    Secrets,
    Principals,
}

/// What the reviewer is deciding, before the note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Keep,
    Revoke,
    ChangeOwner,
    FollowUp,
}

impl DecisionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Revoke => "revoke",
            Self::ChangeOwner => "change owner",
            Self::FollowUp => "follow up",
        }
    }
}

/// Which field of the decision input receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionField {
    /// The new owner (change owner only).
    Owner,
    Note,
}

/// A decision being typed: its secret, what it decides, and the note.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    pub secret_arn: String,
    pub secret_name: String,
    /// The principal to revoke (the row under the cursor when the key was pressed).
    pub principal: Option<String>,
    pub owner: String,
    pub note: String,
    pub field: DecisionField,
    /// Why Enter did not record it yet (an empty note or owner).
    pub problem: Option<String>,
}

impl DecisionInput {
    pub fn verdict(&self) -> Option<Verdict> {
        match self.kind {
            DecisionKind::Keep => Some(Verdict::Keep),
            DecisionKind::FollowUp => Some(Verdict::FollowUp),
            DecisionKind::Revoke => self
                .principal
                .clone()
                .map(|principal| Verdict::Revoke { principal }),
            DecisionKind::ChangeOwner => {
                let owner = self.owner.trim();
                (!owner.is_empty()).then(|| Verdict::ChangeOwner {
                    owner: owner.to_string(),
                })
            }
        }
    }
}

/// Side by side (secrets left, the selected secret right) from this width; narrower, the list
/// sits above the selected secret.
pub const SIDE_BY_SIDE: u16 = 120;

/// Lines of the secrets list, its header included: the body (the screen minus the title,
/// status and hint lines and the view's footer), or two fifths of it when stacked.
pub fn list_height(width: u16, height: u16) -> u16 {
    let body = height.saturating_sub(4);
    if width >= SIDE_BY_SIDE {
        body
    } else {
        (body * 2 / 5).max(3).min(body)
    }
}

impl ReviewView {
    pub fn info(&self) -> Option<&ReviewInfo> {
        match &self.store {
            StoreState::Open { info, .. } => Some(info),
            _ => None,
        }
    }

    pub fn loading_policies(&self) -> bool {
        matches!(self.fetch, PolicyFetch::Loading { .. })
    }

    /// Whether the policy of `arn` is being fetched now.
    pub fn fetching(&self, arn: &str) -> bool {
        matches!(&self.fetch, PolicyFetch::Loading { arns, .. } if arns.iter().any(|a| a == arn))
    }

    /// The review of the secret under the cursor, once built.
    pub fn selected<'a>(&'a self, inventory: &Inventory) -> Option<&'a SecretReview> {
        let entry = inventory
            .entries
            .get(*self.rows.get(self.cursor.selected)?)?;
        self.built.get(&entry.secret.arn)
    }
}

/// What the list's summary columns show of one secret.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Principals the policy names for reading.
    pub allowed: usize,
    /// Principals that read it in the window.
    pub readers: usize,
    pub unused: usize,
    pub through_iam: usize,
    pub public: bool,
    pub denied: usize,
}

pub fn counts(r: &SecretReview) -> Counts {
    let mut c = Counts::default();
    for row in &r.rows {
        c.allowed += usize::from(row.in_policy);
        // An account or `*` row sums the reads of principals that have rows of their own.
        let aggregate =
            row.in_policy && matches!(row.allowed, Allowed::ViaAccountRoot | Allowed::ViaEveryone);
        c.readers += usize::from(row.reads > 0 && !aggregate);
        match row.highlight {
            Some(Highlight::Unused) => c.unused += 1,
            Some(Highlight::ThroughIam) => c.through_iam += 1,
            Some(Highlight::Public) => c.public = true,
            Some(Highlight::DeniedAttempts) => c.denied += 1,
            None => {}
        }
    }
    c
}

/// The standing decisions of a secret in a few words: `keep`, `revoke 2, follow-up`...
pub fn decision_state(standing: &[&Decision]) -> String {
    if standing.is_empty() {
        return "none".to_string();
    }
    let revokes = standing
        .iter()
        .filter(|d| matches!(d.verdict, Verdict::Revoke { .. }))
        .count();
    let mut parts: Vec<String> = Vec::new();
    for d in standing {
        let part = match &d.verdict {
            Verdict::Keep => "keep".to_string(),
            Verdict::Revoke { .. } if revokes > 1 => format!("revoke {revokes}"),
            Verdict::Revoke { .. } => "revoke".to_string(),
            Verdict::ChangeOwner { .. } => "owner".to_string(),
            Verdict::FollowUp => "follow-up".to_string(),
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(", ")
}
