//! The agent: campaign, lead, keep the address bound to this machine, step down.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use multicloud_eip::{
    AssociateTarget, ClaimAction, EipProvider, EipProviderExt, Error, Expect, MoveOptions,
    WaitPolicy,
};
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::coordinator::{
    Campaign, Candidate, Coordinator, CoordinatorError, Leader, LeaseClock, LeaseGuard, Term,
};
use crate::metrics::Metrics;

/// How an agent behaves.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// This agent's name, unique in the group.
    pub name: String,
    /// The address the group shares.
    pub eip: String,
    /// Where this agent binds it.
    pub target: AssociateTarget,
    /// The lease's time to live.
    pub ttl: Duration,
    /// How long before the lease's end, by this process's clock, writing stops.
    pub margin: Duration,
    /// How often the leader re-checks the binding (and a follower campaigns).
    pub interval: Duration,
    /// The deadline of one claim, waits and retries included.
    pub move_timeout: Duration,
    /// The health check: a command and its arguments; exit status 0 is healthy.
    pub health_check: Option<Vec<String>>,
    /// How claims wait for the cloud.
    pub wait: WaitPolicy,
}

impl Settings {
    /// Settings with a 10 s lease, a margin of a quarter of it, a 3 s interval and a claim
    /// deadline of four lease lengths.
    ///
    /// The leader reads the address every interval, and every request of a provider instance
    /// draws from the provider's quota bucket (Huawei's API gateway: 200 requests per 5 minutes
    /// per user): one read every 3 s uses half of it, leaving the rest for moves.
    pub fn new(name: impl Into<String>, eip: impl Into<String>, target: AssociateTarget) -> Self {
        Self {
            name: name.into(),
            eip: eip.into(),
            target,
            ttl: Duration::from_secs(10),
            margin: Duration::from_millis(2500),
            interval: Duration::from_secs(3),
            move_timeout: Duration::from_secs(40),
            health_check: None,
            wait: WaitPolicy::default(),
        }
    }

    /// Sets the lease TTL, with the margin at a quarter of it and the claim deadline at four.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self.margin = ttl / 4;
        self.move_timeout = ttl.saturating_mul(4);
        self
    }

    /// Sets the re-check interval.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the health-check command.
    pub fn health_check(mut self, argv: Vec<String>) -> Self {
        self.health_check = Some(argv);
        self
    }

    /// Sets how claims wait.
    pub fn wait(mut self, wait: WaitPolicy) -> Self {
        self.wait = wait;
        self
    }
}

/// What the agent is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not campaigned yet.
    Starting,
    /// Holds the lease; the only one that writes.
    Leader,
    /// Another agent leads (or none could be elected); never writes.
    Follower,
    /// The health check fails: not campaigning.
    Unhealthy,
}

/// The agent's lease, for status.
#[derive(Clone, Debug, Serialize)]
pub struct LeaseStatus {
    /// The lease id.
    pub id: i64,
    /// The term's fencing token (the leader key's create revision).
    pub fence_token: i64,
    /// How long it is still provably held, by this process's clock.
    pub valid_for_ms: u64,
}

/// A snapshot of the agent, as `eip-failover status` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The agent's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The address.
    pub eip: String,
    /// Where this agent binds it.
    pub target: String,
    /// Its lease, while leading.
    pub lease: Option<LeaseStatus>,
    /// The leader as last seen.
    pub holder: Option<Leader>,
    /// The address's binding as last seen (`None`: unbound or never read).
    pub binding: Option<String>,
    /// The last decision and its reason.
    pub decision: String,
    /// The last claim that bound the address here, with its phase times.
    pub last_claim: Option<ClaimTimes>,
}

/// The phases of a claim, in milliseconds from its start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimTimes {
    /// What held the address before (`nothing` when it was free).
    pub previous: String,
    /// The unbind of the previous holder was accepted.
    pub unbind_ms: Option<u64>,
    /// The address was seen unbound.
    pub unbound_ms: Option<u64>,
    /// The bind was accepted.
    pub bind_ms: Option<u64>,
    /// The address was seen bound here.
    pub bound_ms: u64,
}

struct Leadership {
    term: Term,
    clock: Arc<LeaseClock>,
    keep_alive: JoinHandle<()>,
}

impl Drop for Leadership {
    fn drop(&mut self) {
        self.keep_alive.abort();
    }
}

/// One agent of an HA group.
#[derive(Debug)]
pub struct Agent {
    settings: Settings,
    provider: Arc<dyn EipProvider>,
    coordinator: Arc<dyn Coordinator>,
    metrics: Arc<Metrics>,
    status: Mutex<Status>,
    lease: Mutex<Option<(Term, Arc<LeaseClock>)>>,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leadership")
            .field("term", &self.term)
            .finish()
    }
}

impl Agent {
    /// An agent with these settings, cloud and coordinator.
    pub fn new(
        settings: Settings,
        provider: Arc<dyn EipProvider>,
        coordinator: Arc<dyn Coordinator>,
    ) -> Self {
        let status = Status {
            name: settings.name.clone(),
            role: Role::Starting,
            eip: settings.eip.clone(),
            target: settings.target.to_string(),
            lease: None,
            holder: None,
            binding: None,
            decision: "starting".into(),
            last_claim: None,
        };
        Self {
            settings,
            provider,
            coordinator,
            metrics: Arc::default(),
            status: Mutex::new(status),
            lease: Mutex::new(None),
        }
    }

    /// The agent's counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// A snapshot of what the agent is doing.
    pub fn status(&self) -> Status {
        let mut status = lock(&self.status).clone();
        status.lease = lock(&self.lease).as_ref().map(|(term, clock)| LeaseStatus {
            id: term.lease,
            fence_token: term.fence_token(),
            valid_for_ms: u64::try_from(clock.remaining().as_millis()).unwrap_or(u64::MAX),
        });
        status
    }

    /// Runs until `stop` resolves, then resigns if leading.
    pub async fn run_until(&self, stop: impl Future<Output = ()>) {
        let mut leading = None;
        tokio::select! {
            () = self.run(&mut leading) => {}
            () = stop => {}
        }
        if let Some(leadership) = leading.take() {
            self.step_down(leadership, "shutting down").await;
        }
    }

    async fn run(&self, leading: &mut Option<Leadership>) {
        loop {
            if !self.healthy().await {
                if let Some(leadership) = leading.take() {
                    self.step_down(leadership, "the health check failed").await;
                }
                self.decide(
                    Role::Unhealthy,
                    None,
                    "the health check failed: not campaigning",
                );
            } else {
                if leading.as_ref().is_some_and(|l| !l.clock.held()) {
                    self.metrics.lease_losses.fetch_add(1, Ordering::Relaxed);
                    if let Some(lost) = leading.take() {
                        tracing::warn!(
                            lease = lost.term.lease,
                            term = lost.term.revision,
                            decision = "stop writing",
                            "lease lost"
                        );
                    }
                    *lock(&self.lease) = None;
                    self.decide(Role::Follower, None, "lease lost: stopped writing");
                }
                if leading.is_none() {
                    *leading = self.campaign().await;
                }
                if let Some(leadership) = leading.as_ref() {
                    self.keep_bound(leadership).await;
                }
            }
            tokio::time::sleep(self.settings.interval).await;
        }
    }

    async fn campaign(&self) -> Option<Leadership> {
        let me = Candidate {
            name: self.settings.name.clone(),
            target: crate::config::target_spec(&self.settings.target),
        };
        let sent = Instant::now();
        let outcome = tokio::time::timeout(
            self.settings.ttl,
            self.coordinator.campaign(&me, self.settings.ttl),
        )
        .await
        .unwrap_or_else(|_| Err(CoordinatorError::Unreachable("campaign timed out".into())));
        match outcome {
            Ok(Campaign::Elected(term)) => {
                let clock = Arc::new(LeaseClock::new(sent, term.ttl, self.settings.margin));
                self.metrics.elections.fetch_add(1, Ordering::Relaxed);
                *lock(&self.lease) = Some((term.clone(), Arc::clone(&clock)));
                let holder = Leader {
                    candidate: me,
                    revision: term.revision,
                    lease: term.lease,
                };
                tracing::info!(
                    lease = term.lease,
                    term = term.revision,
                    decision = "lead",
                    "elected"
                );
                self.decide(Role::Leader, Some(holder), "elected");
                let keep_alive = tokio::spawn(keep_alive(
                    Arc::clone(&self.coordinator),
                    term.clone(),
                    Arc::clone(&clock),
                ));
                Some(Leadership {
                    term,
                    clock,
                    keep_alive,
                })
            }
            Ok(Campaign::Lost(holder)) => {
                let reason = match &holder {
                    Some(l) => format!("{} leads (term {})", l.candidate.name, l.revision),
                    None => "another agent leads".into(),
                };
                tracing::debug!(decision = "follow", %reason);
                self.decide(Role::Follower, holder, &reason);
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, decision = "follow", "cannot campaign");
                self.decide(Role::Follower, None, &format!("cannot campaign: {e}"));
                None
            }
        }
    }

    /// Re-reads the binding and claims the address back when it is not on this target.
    async fn keep_bound(&self, leadership: &Leadership) {
        let (id, target) = (&self.settings.eip, &self.settings.target);
        let seen = match self.provider.get(id).await {
            Ok(eip) => eip,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the address");
                return;
            }
        };
        lock(&self.status).binding = seen.binding.as_ref().map(|b| b.to_string());
        if seen.is_bound_to(target) {
            return;
        }
        let holder = seen
            .binding
            .as_ref()
            .map(|b| b.to_string())
            .unwrap_or_else(|| "nothing".into());
        tracing::info!(previous = %holder, status = %seen.status, decision = "claim", "the address is not bound here");
        let guard = Arc::new(LeaseGuard {
            coordinator: Arc::clone(&self.coordinator),
            term: leadership.term.clone(),
            clock: Arc::clone(&leadership.clock),
            metrics: Arc::clone(&self.metrics),
        });
        let options = MoveOptions::with_wait(self.settings.wait.clone())
            .deadline(Instant::now() + self.settings.move_timeout)
            .guard(guard);
        let started = Instant::now();
        let outcome = tokio::select! {
            outcome = self.provider.claim(id, target, &Expect::Any, &options) => outcome,
            () = leadership.clock.expired() => Err(Error::Fenced {
                reason: "the lease ran out mid-claim".into(),
                maybe_sent: true,
            }),
        };
        match outcome {
            Ok(report) => {
                let times = ClaimTimes {
                    previous: holder.clone(),
                    unbind_ms: report.disassociate_accepted.map(millis),
                    unbound_ms: report.unbound.map(millis),
                    bind_ms: report.associate_accepted.map(millis),
                    bound_ms: millis(report.bound),
                };
                {
                    let mut status = lock(&self.status);
                    status.binding = report.eip.binding.as_ref().map(|b| b.to_string());
                    if report.action != ClaimAction::AlreadyHeld {
                        status.last_claim = Some(times);
                    }
                }
                if report.action != ClaimAction::AlreadyHeld {
                    self.metrics.moved(started.elapsed());
                }
                tracing::info!(
                    previous = %holder,
                    action = ?report.action,
                    unbind_ms = report.disassociate_accepted.map(millis),
                    unbound_ms = report.unbound.map(millis),
                    bind_ms = report.associate_accepted.map(millis),
                    bound_ms = millis(report.bound),
                    decision = "claimed",
                    "the address is bound here"
                );
                self.note(&format!(
                    "claimed from {holder} in {} ms",
                    millis(report.bound)
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, kind = e.kind_name(), decision = "claim failed", "claim failed");
                self.note(&format!("claim failed: {e}"));
            }
        }
    }

    async fn step_down(&self, leadership: Leadership, reason: &str) {
        tracing::info!(
            lease = leadership.term.lease,
            decision = "step down",
            reason,
            "resigning"
        );
        *lock(&self.lease) = None;
        let _ = tokio::time::timeout(self.settings.ttl, self.coordinator.resign(&leadership.term))
            .await;
        drop(leadership);
    }

    async fn healthy(&self) -> bool {
        let Some(argv) = &self.settings.health_check else {
            return true;
        };
        let Some((program, args)) = argv.split_first() else {
            return true;
        };
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        let limit = self.settings.interval.max(Duration::from_secs(1));
        match tokio::time::timeout(limit, command.status()).await {
            Ok(Ok(status)) => status.success(),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot run the health check");
                false
            }
            Err(_) => false,
        }
    }

    fn decide(&self, role: Role, holder: Option<Leader>, decision: &str) {
        let mut status = lock(&self.status);
        status.role = role;
        if holder.is_some() || role != Role::Follower {
            status.holder = holder;
        }
        status.decision = decision.to_owned();
    }

    fn note(&self, decision: &str) {
        lock(&self.status).decision = decision.to_owned();
    }
}

/// Refreshes the lease every third of its TTL, recording each answered refresh by the time it
/// was sent; stops when the coordinator says the lease is gone.
async fn keep_alive(coordinator: Arc<dyn Coordinator>, term: Term, clock: Arc<LeaseClock>) {
    let every = term.ttl / 3;
    loop {
        tokio::time::sleep(every).await;
        let sent = Instant::now();
        match tokio::time::timeout(every, coordinator.keep_alive(&term)).await {
            Ok(Ok(())) => clock.renewed(sent),
            Ok(Err(CoordinatorError::LeaseLost(reason))) => {
                tracing::warn!(%reason, lease = term.lease, "keep-alive refused");
                clock.lose();
                return;
            }
            Ok(Err(e)) => tracing::warn!(error = %e, lease = term.lease, "keep-alive failed"),
            Err(_) => tracing::warn!(lease = term.lease, "keep-alive unanswered"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
