//! The access review's resource policies through the source port: GetResourcePolicy on each
//! secret asked (the core asks for the inventory's primaries: replicas share their policy),
//! with the rate limits of `policies`. The future owns a detached copy of the clients so the
//! runtime can spawn it.

use std::collections::HashMap;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::policies::PolicyTarget;
use super::source::AwsSource;
use crate::domain::Secret;
use crate::source::ResourcePolicies;

impl AwsSource {
    /// The policies of `secrets`, one call per ARN, in the order first asked.
    pub(super) fn policies_port(
        &self,
        secrets: Vec<Secret>,
    ) -> BoxFuture<'static, ResourcePolicies> {
        let mut targets: Vec<PolicyTarget> = Vec::new();
        for s in &secrets {
            let target = PolicyTarget {
                arn: s.arn.clone(),
                account: s.account.clone(),
                region: s.region.clone(),
            };
            if !targets.iter().any(|t| t.arn == target.arn) {
                targets.push(target);
            }
        }
        // Clients share their connection pools when cloned; no event store is needed here.
        let detached = AwsSource {
            label: self.label.clone(),
            profiles: self.profiles.clone(),
            regions: self.regions.clone(),
            clients: self.clients.clone(),
            trails: HashMap::new(),
            state_dir: self.state_dir.clone(),
            stores: Default::default(),
            permits: self.permits.clone(),
            notes: Vec::new(),
            problems: Vec::new(),
            trail: None,
            s3_trail: None,
        };
        async move {
            let (policies, stats) = detached.resource_policies(&targets).await;
            ResourcePolicies::Fetched { policies, stats }
        }
        .boxed()
    }
}
