//! The port the runbook driver calls for everything that touches AWS (or the demo): evidence
//! queries, approved writes and checks. The driver owns ordering, journaling and retries; an
//! executor only answers one call at a time.

use std::collections::BTreeMap;

use futures::future::BoxFuture;

use crate::runbook::QueryKind;
use crate::runbook::calls::ApiCall;
use crate::runbook::engine::StepError;
use crate::runbook::spec::ActionKind;

/// Evidence from a query step. Never holds a secret value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryOutput {
    /// The step's output, as later steps read it: JSON for structured evidence (describe,
    /// versions, readers, replicas) and the policy document itself for `resource_policy` (empty
    /// when the secret has none).
    pub value: String,
    /// One line for the operator, e.g. `3 versions; AWSCURRENT 7f1c… created 2026-11-02`.
    pub summary: String,
    /// AWS request ids of the calls made, in order.
    pub request_ids: Vec<String>,
}

/// What an approved write did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionOutput {
    /// Named outputs later steps may read: `previous_policy` (put_deny_all_policy, the policy
    /// that was attached before, empty when none), `new_version` (rotate_now).
    pub outputs: BTreeMap<String, String>,
    /// The AWS request id of the write itself.
    pub request_id: Option<String>,
}

/// A check's verdict and the evidence behind it, in words an operator reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub passed: bool,
    pub detail: String,
}

/// A write the journal recorded, to be found in CloudTrail.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// e.g. `PutResourcePolicy`.
    pub operation: String,
    /// The request's SecretId (name or ARN: it says which account and region).
    pub secret_id: String,
    pub request_id: String,
    /// When the journal recorded its outcome; the event is close to it.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Arguments arrive resolved (templates substituted). List arguments are JSON arrays of strings;
/// `secret_id` is a name or an ARN.
///
/// Query names and check arguments:
/// - queries (`QueryKind`): `describe_secret`, `resource_policy`, `versions`, `replica_status`
///   take `secret_id`; `who_read` takes `secret_id`, `lookback` (e.g. `90d`) and
///   `include_replicas` (`true`/`false`).
/// - checks (by assertion name): `current_version_changed_since` {secret_id, since (RFC 3339)},
///   `replicas_in_sync` {secret_id}, `replicated_to` {secret_id, regions (comma-separated)},
///   `no_reads_by` {secret_id, principal, since}, `policy_denies_all_except` {secret_id,
///   principal}.
pub trait Executor: Send + Sync {
    /// Where calls go, for the journal: e.g. `AWS account 111122223333 (us-east-1)`.
    fn target(&self) -> String;

    fn query(
        &self,
        query: QueryKind,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, Result<QueryOutput, StepError>>;

    /// Sends exactly `call` (what the operator approved). `action` says which runbook action
    /// it is, for the outputs it must return.
    fn action(
        &self,
        action: ActionKind,
        call: &ApiCall,
    ) -> BoxFuture<'static, Result<ActionOutput, StepError>>;

    /// A check that cannot reach its evidence fails, saying why.
    fn check(
        &self,
        assertion: &str,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, CheckOutcome>;

    /// The CloudTrail event id of each recorded write that CloudTrail shows already, by request
    /// id. Sources without CloudTrail find none.
    fn find_events(
        &self,
        _calls: Vec<RecordedCall>,
    ) -> BoxFuture<'static, Result<BTreeMap<String, String>, StepError>> {
        Box::pin(async { Ok(BTreeMap::new()) })
    }

    /// Called on resume with each write an earlier process made, oldest first, so an executor
    /// that simulates writes (the demo) can rebuild its state. Live AWS needs nothing.
    fn replay_write(
        &self,
        _action: ActionKind,
        _call: &ApiCall,
        _outputs: &BTreeMap<String, String>,
    ) {
    }
}
