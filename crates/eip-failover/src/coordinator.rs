//! Who may write: leader election with leases, and the guard that fences every write on it.

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use multicloud_eip::Guard;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::metrics::Metrics;

/// What a coordinator call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinatorError {
    /// The coordinator could not be reached or did not answer in time.
    #[error("coordinator unreachable: {0}")]
    Unreachable(String),
    /// The lease no longer exists (expired or revoked).
    #[error("lease lost: {0}")]
    LeaseLost(String),
    /// The coordinator answered something this client does not understand.
    #[error("invalid coordinator answer: {0}")]
    Invalid(String),
}

/// A candidate: what the leader key holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The agent's name (unique in the group).
    pub name: String,
    /// The target it binds the address to (`instance:ID`, `nic:ID`; see
    /// [`crate::config::parse_target`]).
    pub target: String,
}

/// The current leader as the coordinator shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leader {
    /// Who it is.
    pub candidate: Candidate,
    /// The revision at which its key was created: the fencing token of its term.
    pub revision: i64,
    /// The lease its key is attached to.
    pub lease: i64,
}

/// One term of leadership won by this agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Term {
    /// The lease the leader key is attached to.
    pub lease: i64,
    /// The leader key's create revision: increases with every new leader, so it orders terms.
    pub revision: i64,
    /// The lease's time to live.
    pub ttl: Duration,
}

impl Term {
    /// The fencing token of this term (the leader key's create revision).
    pub fn fence_token(&self) -> i64 {
        self.revision
    }
}

/// The outcome of a campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Campaign {
    /// This agent is the leader for this term.
    Elected(Term),
    /// Someone else leads (when the coordinator showed who).
    Lost(Option<Leader>),
}

/// Leader election with leases: etcd ([`crate::etcd::Etcd`]) across machines, or
/// [`crate::memory::InProcess`] in one process, with the same semantics.
#[async_trait]
pub trait Coordinator: Send + Sync + Debug {
    /// Grants a lease of `ttl` and creates the leader key with it if no key exists (a
    /// transaction comparing its create revision with 0); the key disappears with the lease.
    async fn campaign(&self, me: &Candidate, ttl: Duration) -> Result<Campaign, CoordinatorError>;

    /// Refreshes the lease; [`CoordinatorError::LeaseLost`] when it no longer exists.
    async fn keep_alive(&self, term: &Term) -> Result<(), CoordinatorError>;

    /// Gives the term up: revokes the lease, which deletes the leader key.
    async fn resign(&self, term: &Term) -> Result<(), CoordinatorError>;

    /// The current leader, if any.
    async fn leader(&self) -> Result<Option<Leader>, CoordinatorError>;

    /// Whether `term` is the newest leadership: the leader key exists and was created by it.
    async fn still_leader(&self, term: &Term) -> Result<bool, CoordinatorError> {
        Ok(self
            .leader()
            .await?
            .is_some_and(|l| l.revision == term.revision && l.lease == term.lease))
    }
}

/// This process's view of its lease, by its own monotonic clock.
///
/// The lease is taken as held until `last_ok + ttl - margin`, where `last_ok` is when the last
/// keep-alive that the coordinator answered was *sent*: the coordinator restarted its TTL no
/// earlier than that. Across a pause (SIGSTOP, a frozen VM) the monotonic clock keeps running,
/// so a resumed process sees its lease as expired before it sends anything.
#[derive(Debug)]
pub struct LeaseClock {
    ttl: Duration,
    margin: Duration,
    valid_until: Mutex<Instant>,
    lost: AtomicBool,
}

impl LeaseClock {
    /// A lease granted by a request sent at `sent_at`.
    pub fn new(sent_at: Instant, ttl: Duration, margin: Duration) -> Self {
        let clock = Self {
            ttl,
            margin,
            valid_until: Mutex::new(sent_at),
            lost: AtomicBool::new(false),
        };
        clock.renewed(sent_at);
        clock
    }

    /// A keep-alive sent at `sent_at` was answered.
    pub fn renewed(&self, sent_at: Instant) {
        let until = sent_at + self.ttl.saturating_sub(self.margin);
        let mut valid = self
            .valid_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if until > *valid {
            *valid = until;
        }
    }

    /// The coordinator said the lease is gone.
    pub fn lose(&self) {
        self.lost.store(true, Ordering::Relaxed);
    }

    /// Until when writing is allowed.
    pub fn valid_until(&self) -> Instant {
        *self
            .valid_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long the lease is still provably held (zero once lost).
    pub fn remaining(&self) -> Duration {
        if self.lost.load(Ordering::Relaxed) {
            return Duration::ZERO;
        }
        self.valid_until().saturating_duration_since(Instant::now())
    }

    /// Whether the lease is still provably held.
    pub fn held(&self) -> bool {
        !self.remaining().is_zero()
    }

    /// Resolves when the lease is no longer provably held.
    pub async fn expired(&self) {
        loop {
            let remaining = self.remaining();
            if remaining.is_zero() {
                return;
            }
            tokio::time::sleep(remaining.min(Duration::from_millis(100))).await;
        }
    }
}

/// The [`Guard`] of a leader's writes: its lease is still provably held by this process's clock,
/// and the coordinator still shows its key as the newest leader key.
#[derive(Debug)]
pub struct LeaseGuard {
    /// The coordinator.
    pub coordinator: Arc<dyn Coordinator>,
    /// The term the writes belong to.
    pub term: Term,
    /// The lease as this process sees it.
    pub clock: Arc<LeaseClock>,
    /// Counts refused writes.
    pub metrics: Arc<Metrics>,
}

#[async_trait]
impl Guard for LeaseGuard {
    async fn check(&self) -> Result<(), String> {
        let refused = match self.verdict().await {
            Ok(()) => return Ok(()),
            Err(reason) => reason,
        };
        self.metrics.fenced_refused.fetch_add(1, Ordering::Relaxed);
        Err(refused)
    }
}

impl LeaseGuard {
    async fn verdict(&self) -> Result<(), String> {
        if !self.clock.held() {
            return Err(format!(
                "lease {} (term {}) is not provably held any more by this process's clock",
                self.term.lease, self.term.revision
            ));
        }
        let remaining = self.clock.remaining();
        let newest = tokio::time::timeout(remaining, self.coordinator.still_leader(&self.term))
            .await
            .map_err(|_| {
                "the coordinator did not confirm the leadership within the lease".to_owned()
            })?;
        match newest {
            Ok(true) if self.clock.held() => Ok(()),
            Ok(true) => Err("the lease ran out while the leadership was being confirmed".into()),
            Ok(false) => Err(format!(
                "term {} is no longer the newest leader key",
                self.term.revision
            )),
            Err(e) => Err(format!("cannot prove the leadership: {e}")),
        }
    }
}
