//! The runbook [`Executor`] on live AWS: evidence queries, approved writes and checks, each
//! through the SDK with Strongroom's timeouts and retries. Never calls GetSecretValue.
//!
//! A `secret_id` that is an ARN goes to its own region and to the profile of its account (the
//! first profile when none matches); a name goes to the first profile and the default region
//! (the first `--region`). Clients are built per (account, region) on first use and kept; the
//! CloudTrail ones share the console's per-cell LookupEvents rate limiter.

mod actions;
mod checks;
mod executor;
mod linking;
mod queries;
mod reads;
mod step_error;

use std::collections::BTreeMap;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::incident::{ActionOutput, CheckOutcome, Executor, QueryOutput};
use crate::runbook::QueryKind;
use crate::runbook::calls::ApiCall;
use crate::runbook::engine::StepError;
use crate::runbook::spec::ActionKind;

pub use executor::AwsExecutor;

impl Executor for AwsExecutor {
    fn target(&self) -> String {
        self.target_label()
    }

    fn query(
        &self,
        query: QueryKind,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, Result<QueryOutput, StepError>> {
        let this = self.clone();
        let args = args.clone();
        async move { queries::run(&this, query, &args).await }.boxed()
    }

    fn action(
        &self,
        action: ActionKind,
        call: &ApiCall,
    ) -> BoxFuture<'static, Result<ActionOutput, StepError>> {
        let this = self.clone();
        let call = call.clone();
        async move { actions::send(&this, action, &call).await }.boxed()
    }

    fn check(
        &self,
        assertion: &str,
        args: &BTreeMap<String, String>,
    ) -> BoxFuture<'static, CheckOutcome> {
        let this = self.clone();
        let assertion = assertion.to_string();
        let args = args.clone();
        async move { checks::run(&this, &assertion, &args).await }.boxed()
    }

    fn find_events(
        &self,
        calls: Vec<crate::incident::executor::RecordedCall>,
    ) -> BoxFuture<'static, Result<BTreeMap<String, String>, StepError>> {
        let this = self.clone();
        async move { linking::find(&this, calls).await }.boxed()
    }
}
