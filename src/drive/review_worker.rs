//! The review worker behind `:review`. It owns the only connection to
//! `<state dir>/review.sqlite` (opened at the first request), on a thread of its own: commits
//! with synchronous FULL and reviewing the whole inventory for the observation never block the
//! screen. Requests arrive on a channel; answers go back as messages.

use std::collections::HashMap;
use std::path::PathBuf;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::Msg;
use crate::app::effect::ReviewRequest;
use crate::app::msg::{DecisionLog, OpenedReview};
use crate::app::review::ObservationInput;
use crate::review::{Decision, PolicyInput, ReviewInfo};
use crate::store::review::ReviewStore;

/// Starts the worker thread; it stops when the returned sender is dropped.
pub fn spawn(
    state_dir: PathBuf,
    msgs: UnboundedSender<Msg>,
) -> std::io::Result<UnboundedSender<ReviewRequest>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("strongroom-review".to_string())
        .spawn(move || Worker::new(state_dir, msgs).serve(rx))?;
    Ok(tx)
}

struct Worker {
    state_dir: PathBuf,
    msgs: UnboundedSender<Msg>,
    store: Option<ReviewStore>,
}

impl Worker {
    fn new(state_dir: PathBuf, msgs: UnboundedSender<Msg>) -> Self {
        Worker {
            state_dir,
            msgs,
            store: None,
        }
    }

    fn serve(mut self, mut requests: UnboundedReceiver<ReviewRequest>) {
        while let Some(request) = requests.blocking_recv() {
            let answer = self.handle(request);
            if let Some(msg) = answer {
                let _ = self.msgs.send(msg);
            }
        }
    }

    fn store(&mut self) -> Result<&mut ReviewStore, String> {
        if self.store.is_none() {
            let store = ReviewStore::open(&self.state_dir).map_err(|e| e.to_string())?;
            self.store = Some(store);
        }
        self.store
            .as_mut()
            .ok_or_else(|| "the review store is not open".to_string())
    }

    fn handle(&mut self, request: ReviewRequest) -> Option<Msg> {
        match request {
            ReviewRequest::Open {
                request,
                wanted,
                reuse,
                cached_for,
            } => Some(Msg::ReviewOpened {
                request,
                result: self.open(&wanted, &reuse, &cached_for).map(Box::new),
            }),
            ReviewRequest::Decide { review, decision } => Some(Msg::ReviewDecided {
                result: self.decide(&review, decision).map(Box::new),
                review,
            }),
            ReviewRequest::SavePolicies { policies } => {
                let saved = self.store().and_then(|store| {
                    store
                        .save_policies(
                            policies
                                .iter()
                                .map(|(arn, text, at)| (arn.as_str(), text.as_deref(), *at)),
                        )
                        .map_err(|e| e.to_string())
                });
                saved.err().map(|why| {
                    Msg::ReviewFailed(format!(
                        "The fetched policies were not cached (the next review fetches them again): {why}"
                    ))
                })
            }
            ReviewRequest::Observe(input) => Some(match self.observe(&input) {
                Ok(secrets) => Msg::ReviewObserved {
                    review: input.review.clone(),
                    secrets,
                },
                Err(why) => Msg::ReviewFailed(format!(
                    "What the review shows was not kept for `review export`: {why}"
                )),
            }),
        }
    }

    fn open(
        &mut self,
        wanted: &ReviewInfo,
        reuse: &str,
        cached_for: &[String],
    ) -> Result<OpenedReview, String> {
        let store = self.store()?;
        let (info, created) = store
            .start(wanted, Some(reuse), wanted.started_at)
            .map_err(|e| e.to_string())?;
        let (log, chain) = store.decisions(&info.id).map_err(|e| e.to_string())?;
        let cached: HashMap<String, PolicyInput> = store
            .policies(cached_for)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(arn, c)| {
                let input = PolicyInput::Fetched {
                    text: c.text,
                    fetched_at: c.fetched_at,
                    cached: true,
                };
                (arn, input)
            })
            .collect();
        Ok(OpenedReview {
            info,
            created,
            log,
            broken: chain.err().map(|b| b.reason),
            cached,
        })
    }

    fn decide(&mut self, review: &str, decision: Decision) -> Result<DecisionLog, String> {
        let store = self.store()?;
        let recorded = store.decide(review, decision).map_err(|e| e.to_string())?;
        let (log, chain) = store.decisions(review).map_err(|e| e.to_string())?;
        Ok(DecisionLog {
            recorded,
            log,
            broken: chain.err().map(|b| b.reason),
        })
    }

    /// Reviews every secret and keeps it with the review; returns how many.
    fn observe(&mut self, input: &ObservationInput) -> Result<usize, String> {
        let observation = input.observe();
        let json = serde_json::to_string(&observation).map_err(|e| e.to_string())?;
        self.store()?
            .save_observation(&input.review, input.observed_at, &json)
            .map_err(|e| e.to_string())?;
        Ok(observation.secrets.len())
    }
}
