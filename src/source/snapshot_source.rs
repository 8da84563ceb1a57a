//! A snapshot file (or the demo) served through the same port as live AWS.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::snapshot::Snapshot;
use super::{
    CellError, CellResult, InventorySource, OnPage, ResourcePolicies, SourceInfo, SourceKind,
};
use crate::domain::{Cell, CellHealth, ReplicaStatus, Secret};

pub struct SnapshotSource {
    snapshot: Snapshot,
    kind: SourceKind,
}

impl SnapshotSource {
    pub fn new(snapshot: Snapshot, kind: SourceKind) -> Self {
        Self { snapshot, kind }
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn cells(&self) -> Vec<Cell> {
        let mut cells: Vec<Cell> = self.snapshot.cells.iter().map(|c| c.cell.clone()).collect();
        for s in &self.snapshot.secrets {
            let cell = s.cell();
            if !cells.contains(&cell) {
                cells.push(cell);
            }
        }
        cells.sort();
        cells
    }
}

impl InventorySource for SnapshotSource {
    fn runbook_executor(&self) -> std::sync::Arc<dyn crate::incident::Executor> {
        let mut events: Vec<crate::trail::AccessEvent> = self
            .snapshot
            .events
            .iter()
            .filter_map(|record| crate::trail::parse_record(record).ok())
            .collect();
        events = crate::trail::merge(events, self.snapshot.access_events.clone());
        let (label, simulate) = match &self.kind {
            SourceKind::Demo => ("the demo fleet".to_string(), true),
            SourceKind::Snapshot(path) => (format!("snapshot {path}"), false),
            SourceKind::LogFiles(paths) => (format!("CloudTrail files {paths}"), false),
            SourceKind::Live => (self.snapshot.source.clone(), false),
        };
        std::sync::Arc::new(crate::incident::offline::OfflineExecutor::new(
            label,
            self.snapshot.secrets.clone(),
            events,
            simulate,
        ))
    }

    fn info(&self) -> SourceInfo {
        let label = match &self.kind {
            SourceKind::Demo => "DEMO".to_string(),
            SourceKind::Snapshot(path) => format!("snapshot {path}"),
            SourceKind::LogFiles(paths) => format!("CloudTrail files {paths}"),
            SourceKind::Live => self.snapshot.source.clone(),
        };
        SourceInfo {
            kind: self.kind.clone(),
            label,
            accounts: self.snapshot.accounts.clone(),
            cells: self.cells(),
            notes: Vec::new(),
        }
    }

    fn load_cell(&self, cell: Cell, _on_page: OnPage) -> BoxFuture<'static, CellResult> {
        // A cell that had failed when the snapshot was taken fails the same way offline.
        let recorded = self
            .snapshot
            .cells
            .iter()
            .find(|c| c.cell == cell)
            .map(|c| c.health.clone());
        let result = match recorded {
            Some(health) if health != CellHealth::Ok && health != CellHealth::Loading => {
                Err(CellError { health })
            }
            _ => Ok(self
                .snapshot
                .secrets
                .iter()
                .filter(|s| s.account == cell.account && s.region == cell.region)
                .cloned()
                .collect()),
        };
        async move { result }.boxed()
    }

    fn describe_replication(
        &self,
        secret: &Secret,
    ) -> BoxFuture<'static, Result<Vec<ReplicaStatus>, CellError>> {
        let found = self
            .snapshot
            .secrets
            .iter()
            .find(|s| s.arn == secret.arn)
            .and_then(|s| s.replication.clone())
            .unwrap_or_default();
        async move { Ok(found) }.boxed()
    }

    fn events(&self) -> Vec<serde_json::Value> {
        self.snapshot.events.clone()
    }

    fn access_events(&self) -> Vec<crate::trail::AccessEvent> {
        self.snapshot.access_events.clone()
    }

    fn leak_check(
        &self,
        suspect: std::sync::Arc<crate::leak::Suspect>,
        plan: crate::leak::Plan,
    ) -> BoxFuture<'static, Result<crate::leak::Outcome, String>> {
        let answer = match &self.kind {
            SourceKind::Demo => super::demo_leak::check(&self.snapshot.secrets, &suspect, &plan),
            _ => Err(format!(
                "{} holds no secret values: run leak-check against AWS (--profile, --region, \
                 --endpoint-url), or rehearse it on --demo",
                self.info().label
            )),
        };
        async move { answer }.boxed()
    }

    fn resource_policies(&self, _secrets: Vec<Secret>) -> BoxFuture<'static, ResourcePolicies> {
        let answer = match &self.kind {
            SourceKind::Demo => {
                ResourcePolicies::NoneInSource("the demo fleet has no resource policies".into())
            }
            SourceKind::LogFiles(_) => ResourcePolicies::Unknown(
                "CloudTrail log files do not record resource policies".into(),
            ),
            _ => ResourcePolicies::Unknown("a snapshot does not record resource policies".into()),
        };
        async move { answer }.boxed()
    }
}
