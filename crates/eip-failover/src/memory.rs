//! An in-process coordinator with etcd's lease semantics, for one-machine demos and tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::coordinator::{Campaign, Candidate, Coordinator, CoordinatorError, Leader, Term};

#[derive(Debug, Default)]
struct State {
    revision: i64,
    next_lease: i64,
    leases: HashMap<i64, (Instant, Duration)>,
    key: Option<Leader>,
}

impl State {
    /// Drops expired leases and the key attached to one, as etcd's lessor does.
    fn expire(&mut self, now: Instant) {
        self.leases.retain(|_, (expires, _)| *expires > now);
        if let Some(key) = &self.key {
            if !self.leases.contains_key(&key.lease) {
                self.key = None;
                self.revision += 1;
            }
        }
    }
}

/// An in-process coordinator: one shared "server" state, and [`InProcess::client`] handles
/// that can each be stalled, like a process whose link to etcd is cut.
///
/// Same semantics as etcd: a lease expires `ttl` after its last keep-alive, the leader key
/// goes with it, and every new key gets a higher revision (the fencing token).
#[derive(Clone, Debug, Default)]
pub struct InProcess {
    state: Arc<Mutex<State>>,
    stalled: Arc<AtomicBool>,
    keep_alive_stalled: Arc<AtomicBool>,
}

impl InProcess {
    /// A new, empty coordinator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another client of the same coordinator, with its own link.
    pub fn client(&self) -> Self {
        Self {
            state: Arc::clone(&self.state),
            stalled: Arc::new(AtomicBool::new(false)),
            keep_alive_stalled: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Cuts (`true`) or restores this client's link: while cut, every call fails as unreachable.
    pub fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::Relaxed);
    }

    /// Makes (`true`) this client's keep-alives go unanswered, as when a process is paused
    /// between them, while its other calls still work.
    pub fn stall_keep_alive(&self, stalled: bool) {
        self.keep_alive_stalled.store(stalled, Ordering::Relaxed);
    }

    async fn state(&self) -> Result<MutexGuard<'_, State>, CoordinatorError> {
        if self.stalled.load(Ordering::Relaxed) {
            // A cut link answers nothing; the caller's own timeout would fire.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Err(CoordinatorError::Unreachable("link cut".into()));
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.expire(Instant::now());
        Ok(state)
    }
}

#[async_trait]
impl Coordinator for InProcess {
    async fn campaign(&self, me: &Candidate, ttl: Duration) -> Result<Campaign, CoordinatorError> {
        let mut state = self.state().await?;
        if let Some(leader) = &state.key {
            return Ok(Campaign::Lost(Some(leader.clone())));
        }
        state.next_lease += 1;
        let lease = state.next_lease;
        state.leases.insert(lease, (Instant::now() + ttl, ttl));
        state.revision += 1;
        let revision = state.revision;
        state.key = Some(Leader {
            candidate: me.clone(),
            revision,
            lease,
        });
        Ok(Campaign::Elected(Term {
            lease,
            revision,
            ttl,
        }))
    }

    async fn keep_alive(&self, term: &Term) -> Result<(), CoordinatorError> {
        if self.keep_alive_stalled.load(Ordering::Relaxed) {
            tokio::time::sleep(term.ttl).await;
            return Err(CoordinatorError::Unreachable(
                "keep-alive unanswered".into(),
            ));
        }
        let mut state = self.state().await?;
        match state.leases.get_mut(&term.lease) {
            Some((expires, ttl)) => {
                *expires = Instant::now() + *ttl;
                Ok(())
            }
            None => Err(CoordinatorError::LeaseLost(format!(
                "lease {} not found",
                term.lease
            ))),
        }
    }

    async fn resign(&self, term: &Term) -> Result<(), CoordinatorError> {
        let mut state = self.state().await?;
        state.leases.remove(&term.lease);
        state.expire(Instant::now());
        Ok(())
    }

    async fn leader(&self) -> Result<Option<Leader>, CoordinatorError> {
        Ok(self.state().await?.key.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn me(name: &str) -> Candidate {
        Candidate {
            name: name.into(),
            target: format!("i-{name}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_leader_until_its_lease_expires_then_a_newer_term() {
        let server = InProcess::new();
        let (a, b) = (server.client(), server.client());
        let ttl = Duration::from_secs(2);
        let Campaign::Elected(first) = a.campaign(&me("a"), ttl).await.unwrap() else {
            panic!("the first candidate wins");
        };
        let lost = b.campaign(&me("b"), ttl).await.unwrap();
        assert!(matches!(lost, Campaign::Lost(Some(l)) if l.candidate.name == "a"));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        a.keep_alive(&first).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(a.still_leader(&first).await.unwrap(), "kept alive");
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!a.still_leader(&first).await.unwrap(), "expired");
        assert!(matches!(
            a.keep_alive(&first).await,
            Err(CoordinatorError::LeaseLost(_))
        ));
        let Campaign::Elected(second) = b.campaign(&me("b"), ttl).await.unwrap() else {
            panic!("the key is free again");
        };
        assert!(second.fence_token() > first.fence_token());
    }
}
