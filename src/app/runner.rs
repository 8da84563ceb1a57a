//! Runs effects against a source and turns their results into messages. The TUI and the
//! headless commands share it, so both drive exactly the same `update`.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use super::{Effect, Msg, State, update};
use crate::source::InventorySource;

/// Spawns one effect; its result arrives on `tx` as a message. `Quit` is the caller's business.
pub fn spawn(effect: Effect, source: &Arc<dyn InventorySource>, tx: &UnboundedSender<Msg>) {
    let tx = tx.clone();
    match effect {
        Effect::LoadCell { request, cell } => {
            let pages = tx.clone();
            let page_cell = cell.clone();
            let fut = source.load_cell(
                cell.clone(),
                Box::new(move |secrets| {
                    let _ = pages.send(Msg::CellPage {
                        request,
                        cell: page_cell.clone(),
                        secrets: secrets.to_vec(),
                    });
                }),
            );
            tokio::spawn(async move {
                let result = fut.await;
                let _ = tx.send(Msg::CellLoaded {
                    request,
                    cell,
                    at: Utc::now(),
                    result,
                });
            });
        }
        Effect::DescribeReplication { request, secret } => {
            let fut = source.describe_replication(&secret);
            tokio::spawn(async move {
                let result = fut.await;
                let _ = tx.send(Msg::ReplicationLoaded {
                    request,
                    arn: secret.arn,
                    result,
                });
            });
        }
        Effect::Quit => {}
    }
}

/// Drives the update loop until no effect is outstanding (headless commands).
pub async fn run_to_completion(state: &mut State, source: Arc<dyn InventorySource>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut outstanding = 0usize;
    update(state, Msg::Tick(Utc::now()));
    for effect in super::update::start(state) {
        outstanding += 1;
        spawn(effect, &source, &tx);
    }
    while outstanding > 0 {
        let Some(msg) = rx.recv().await else { break };
        if !matches!(msg, Msg::CellPage { .. }) {
            outstanding -= 1;
        }
        update(state, Msg::Tick(Utc::now()));
        for effect in update(state, msg) {
            if effect != Effect::Quit {
                outstanding += 1;
                spawn(effect, &source, &tx);
            }
        }
    }
}
