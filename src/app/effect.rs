//! Work the core asks the runtime to do. Each result comes back as a `Msg` carrying the same id.

use chrono::{DateTime, Utc};

use crate::domain::{Cell, Secret};

pub type RequestId = u64;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadCell {
        request: RequestId,
        cell: Cell,
    },
    DescribeReplication {
        request: RequestId,
        secret: Box<Secret>,
    },
    FetchEvents {
        request: RequestId,
        cell: Cell,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    CancelFetch {
        requests: Vec<RequestId>,
    },
    Quit,
}
