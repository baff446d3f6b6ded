//! The request log: one entry per request to an emulated cloud (control API calls are not
//! logged), for assertions such as "exactly one AllocateEipAddress reached the server".
//!
//! It is a ring buffer: past its capacity the oldest entries are dropped (and counted), so a
//! long soak or a request storm cannot grow the emulator's memory without bound.

use std::collections::VecDeque;
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

/// The default capacity of the request log.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

struct Entries {
    ring: VecDeque<LoggedRequest>,
    /// Entries dropped because the log was full, since the start or the last clear.
    dropped: u64,
}

/// The shared request log, bounded.
pub(crate) struct RequestLog {
    started: Instant,
    capacity: usize,
    entries: Mutex<Entries>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            started: Instant::now(),
            capacity,
            entries: Mutex::new(Entries {
                ring: VecDeque::new(),
                dropped: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Milliseconds between the start and `at`.
    pub(crate) fn since_start(&self, at: Instant) -> u64 {
        millis(at.saturating_duration_since(self.started))
    }

    pub(crate) fn record(&self, entry: LoggedRequest) {
        let mut entries = self.lock();
        if self.capacity == 0 {
            entries.dropped = entries.dropped.saturating_add(1);
            return;
        }
        while entries.ring.len() >= self.capacity {
            entries.ring.pop_front();
            entries.dropped = entries.dropped.saturating_add(1);
        }
        entries.ring.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.lock().ring.iter().cloned().collect()
    }

    /// How many entries were dropped because the log was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    pub(crate) fn clear(&self) {
        let mut entries = self.lock();
        entries.ring.clear();
        entries.dropped = 0;
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
