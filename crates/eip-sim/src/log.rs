//! The request log: one entry per request to an emulated cloud (control API calls are not
//! logged), for assertions such as "exactly one AllocateEipAddress reached the server".

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::cloud::Cloud;

/// One request an emulated cloud received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// The cloud it was routed to.
    pub cloud: Cloud,
    /// The action it named (`AllocateEipAddress`; Huawei operation names), `Unknown` if none.
    pub action: String,
    /// HTTP method.
    pub method: String,
    /// Path (without the query).
    pub path: String,
    /// The HTTP status of the answer the cloud produced. For `commit_then_drop` this is the
    /// status of the answer that was executed but never sent; for `close_connection` it is 0.
    pub status: u16,
    /// The cloud's error code, when the answer was an error.
    pub error_code: Option<String>,
    /// The fault injected, if any: `throttled`, `unavailable`, `internal`, `busy`,
    /// `close_connection`, `commit_then_drop`, `latency`, or `latency+<fault>`.
    pub fault: Option<String>,
    /// When the request arrived, in milliseconds since the emulator started.
    pub at_ms: u64,
    /// How long it took to answer (injected latency included), in milliseconds.
    pub duration_ms: u64,
}

/// The shared, append-only request log.
pub(crate) struct RequestLog {
    started: Instant,
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            entries: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LoggedRequest>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Milliseconds between the start and `at`.
    pub(crate) fn since_start(&self, at: Instant) -> u64 {
        millis(at.saturating_duration_since(self.started))
    }

    pub(crate) fn record(&self, entry: LoggedRequest) {
        self.lock().push(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
