//! Fault injection: throttling, 5xx, dropped connections, "commit then drop" and latency, per
//! cloud and per action, deterministic for a given seed.
//!
//! Rules are checked in the order they were added. Every latency rule whose trigger fires adds
//! its delay; of the other rules, the first whose trigger fires decides the fault and the rules
//! after it do not see the request (their sequences and counters do not advance).

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::cloud::{Cloud, InjectedError};

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this error, in the cloud's documented shape; the request has no effect.
    Error(InjectedError),
    /// Close the TCP connection without answering; the request has no effect.
    CloseConnection,
    /// Execute the request (its state change happens), then close the connection without
    /// answering: the client cannot tell whether it worked.
    CommitThenDrop,
    /// Delay the answer by `fixed` plus a uniformly random part of at most `jitter`.
    /// In JSON: `{"latency":{"fixed_ms":100,"jitter_ms":50}}`.
    Latency {
        /// The fixed part of the delay.
        #[serde(rename = "fixed_ms", with = "millis")]
        fixed: Duration,
        /// The largest random extra delay.
        #[serde(rename = "jitter_ms", with = "millis", default)]
        jitter: Duration,
    },
}

impl FaultKind {
    /// The name the request log uses for this fault (`throttled`, `close_connection`...).
    pub fn label(&self) -> &'static str {
        match self {
            FaultKind::Error(InjectedError::Throttled) => "throttled",
            FaultKind::Error(InjectedError::Unavailable) => "unavailable",
            FaultKind::Error(InjectedError::Internal) => "internal",
            FaultKind::Error(InjectedError::Busy) => "busy",
            FaultKind::CloseConnection => "close_connection",
            FaultKind::CommitThenDrop => "commit_then_drop",
            FaultKind::Latency { .. } => "latency",
        }
    }
}

/// When a rule fires, counted over the requests that match its cloud and action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Each matching request independently, with this probability (0.0–1.0), drawn from the
    /// emulator's seeded generator.
    Probability(f64),
    /// Scripted: the n-th matching request (from 0) fires if `seq[n]`; past the end, never.
    Sequence(Vec<bool>),
    /// The next N matching requests.
    Times(u32),
}

/// One fault rule: which requests it applies to, what it does and when it fires.
///
/// ```
/// use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};
/// let rule = FaultRule::new(FaultKind::Error(InjectedError::Throttled), Trigger::Times(2))
///     .cloud(Cloud::Alibaba)
///     .action("AllocateEipAddress");
/// assert_eq!(rule.action.as_deref(), Some("AllocateEipAddress"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only requests to this cloud (`None`: both).
    #[serde(default)]
    pub cloud: Option<Cloud>,
    /// Only requests naming this action (`None`: every action). Alibaba actions are the RPC
    /// names (`AssociateEipAddress`); Huawei ones are the operation names its module reports.
    #[serde(default)]
    pub action: Option<String>,
    /// What the fault does.
    pub kind: FaultKind,
    /// When it fires.
    pub trigger: Trigger,
}

impl FaultRule {
    /// A rule for every request of both clouds; narrow it with [`cloud`](Self::cloud) and
    /// [`action`](Self::action).
    pub fn new(kind: FaultKind, trigger: Trigger) -> Self {
        Self {
            cloud: None,
            action: None,
            kind,
            trigger,
        }
    }

    /// Restricts the rule to one cloud.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = Some(cloud);
        self
    }

    /// Restricts the rule to one action.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    fn matches(&self, cloud: Cloud, action: &str) -> bool {
        self.cloud.is_none_or(|c| c == cloud) && self.action.as_deref().is_none_or(|a| a == action)
    }

    /// Checks that the rule can be applied (a probability between 0 and 1).
    pub fn validate(&self) -> Result<(), String> {
        match self.trigger {
            Trigger::Probability(p) if !(0.0..=1.0).contains(&p) => {
                Err(format!("probability {p} is not between 0 and 1"))
            }
            _ => Ok(()),
        }
    }
}

/// How many faults of each kind were injected since the start or the last [`Faults::clear`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultStats {
    /// Throttling answers.
    pub throttled: u64,
    /// 503 answers.
    pub unavailable: u64,
    /// 500 answers.
    pub internal: u64,
    /// "Busy" answers (Alibaba 409 `OperationConflict`, Huawei 409 `VPC.0512`).
    pub busy: u64,
    /// Connections closed without an answer (no effect).
    pub closed_connections: u64,
    /// Requests executed and then left unanswered.
    pub commit_then_drop: u64,
    /// Requests delayed by a latency rule.
    pub delayed: u64,
}

impl FaultStats {
    /// Every injected fault, latency included.
    pub fn total(&self) -> u64 {
        self.throttled
            + self.unavailable
            + self.internal
            + self.busy
            + self.closed_connections
            + self.commit_then_drop
            + self.delayed
    }

    fn count(&mut self, kind: &FaultKind) {
        let counter = match kind {
            FaultKind::Error(InjectedError::Throttled) => &mut self.throttled,
            FaultKind::Error(InjectedError::Unavailable) => &mut self.unavailable,
            FaultKind::Error(InjectedError::Internal) => &mut self.internal,
            FaultKind::Error(InjectedError::Busy) => &mut self.busy,
            FaultKind::CloseConnection => &mut self.closed_connections,
            FaultKind::CommitThenDrop => &mut self.commit_then_drop,
            FaultKind::Latency { .. } => &mut self.delayed,
        };
        *counter += 1;
    }
}

/// What the injector decided for one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Decision {
    /// Total added latency.
    pub latency: Duration,
    /// The fault to apply, never a latency.
    pub fault: Option<FaultKind>,
}

impl Decision {
    /// The request log's description: `throttled`, `latency`, `latency+throttled`...
    pub(crate) fn label(&self) -> Option<String> {
        let fault = self.fault.as_ref().map(FaultKind::label);
        match (self.latency.is_zero(), fault) {
            (true, None) => None,
            (true, Some(f)) => Some(f.to_owned()),
            (false, None) => Some("latency".to_owned()),
            (false, Some(f)) => Some(format!("latency+{f}")),
        }
    }
}

struct ActiveRule {
    rule: FaultRule,
    /// How many matching requests this rule has seen.
    seen: usize,
    /// For `Times`: how many firings are left.
    remaining: u32,
}

impl ActiveRule {
    fn new(rule: FaultRule) -> Self {
        let remaining = match rule.trigger {
            Trigger::Times(n) => n,
            _ => 0,
        };
        Self {
            rule,
            seen: 0,
            remaining,
        }
    }

    fn fires(&mut self, rng: &mut StdRng) -> bool {
        let n = self.seen;
        self.seen += 1;
        match &self.rule.trigger {
            Trigger::Probability(p) => rng.gen::<f64>() < *p,
            Trigger::Sequence(seq) => seq.get(n).copied().unwrap_or(false),
            Trigger::Times(_) => {
                let fire = self.remaining > 0;
                self.remaining = self.remaining.saturating_sub(1);
                fire
            }
        }
    }
}

struct Injector {
    rules: Vec<ActiveRule>,
    rng: StdRng,
    stats: FaultStats,
}

/// The fault injector shared by every cloud. Settable in-process ([`crate::Sim::faults`]) and
/// at run time through the control API (`POST /_sim/faults`).
pub struct Faults {
    inner: Mutex<Injector>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.rules())
            .finish()
    }
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        let injector = Injector {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
            stats: FaultStats::default(),
        };
        Self {
            inner: Mutex::new(injector),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Injector> {
        // A panic while holding this lock cannot leave the injector half-updated in a way that
        // matters, so a poisoned lock is simply taken over.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule after the existing ones.
    pub fn add(&self, rule: FaultRule) {
        self.lock().rules.push(ActiveRule::new(rule));
    }

    /// Removes every rule and zeroes the counters.
    pub fn clear(&self) {
        let mut injector = self.lock();
        injector.rules.clear();
        injector.stats = FaultStats::default();
    }

    /// How many faults of each kind were injected.
    pub fn stats(&self) -> FaultStats {
        self.lock().stats
    }

    /// The rules in force, in order.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().rules.iter().map(|r| r.rule.clone()).collect()
    }

    /// Decides the faults for one request and counts them.
    pub(crate) fn decide(&self, cloud: Cloud, action: &str) -> Decision {
        let mut guard = self.lock();
        let Injector { rules, rng, stats } = &mut *guard;
        let mut decision = Decision::default();
        for active in rules.iter_mut().filter(|r| r.rule.matches(cloud, action)) {
            match active.rule.kind.clone() {
                FaultKind::Latency { fixed, jitter } if active.fires(rng) => {
                    decision.latency += fixed + random_part(rng, jitter);
                }
                FaultKind::Latency { .. } => {}
                kind if decision.fault.is_none() && active.fires(rng) => {
                    decision.fault = Some(kind)
                }
                _ => {}
            }
        }
        if !decision.latency.is_zero() {
            stats.delayed += 1;
        }
        if let Some(kind) = &decision.fault {
            stats.count(kind);
        }
        decision
    }
}

fn random_part(rng: &mut StdRng, jitter: Duration) -> Duration {
    let max = u64::try_from(jitter.as_micros()).unwrap_or(u64::MAX);
    if max == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(rng.gen_range(0..=max))
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn throttle(trigger: Trigger) -> FaultRule {
        FaultRule::new(FaultKind::Error(InjectedError::Throttled), trigger)
    }

    #[test]
    fn sequence_fires_on_scripted_positions_only() {
        let faults = Faults::new(7);
        faults.add(throttle(Trigger::Sequence(vec![false, true, true])).action("A"));
        let fired: Vec<bool> = (0..5)
            .map(|_| faults.decide(Cloud::Alibaba, "A").fault.is_some())
            .collect();
        assert_eq!(fired, [false, true, true, false, false]);
        assert!(faults.decide(Cloud::Alibaba, "B").fault.is_none());
        assert_eq!(faults.stats().throttled, 2);
    }

    #[test]
    fn times_and_first_rule_wins() {
        let faults = Faults::new(7);
        faults.add(
            FaultRule::new(FaultKind::CloseConnection, Trigger::Times(1)).cloud(Cloud::Huawei),
        );
        faults.add(throttle(Trigger::Times(2)));
        let first = faults.decide(Cloud::Huawei, "X").fault;
        assert_eq!(first, Some(FaultKind::CloseConnection));
        assert_eq!(
            faults.decide(Cloud::Huawei, "X").fault,
            Some(FaultKind::Error(InjectedError::Throttled))
        );
        assert_eq!(
            faults.decide(Cloud::Alibaba, "X").fault,
            Some(FaultKind::Error(InjectedError::Throttled))
        );
        assert_eq!(faults.decide(Cloud::Alibaba, "X").fault, None);
    }

    #[test]
    fn probability_is_deterministic_per_seed_and_latencies_add() {
        let run = |seed| {
            let faults = Faults::new(seed);
            faults.add(throttle(Trigger::Probability(0.5)));
            (0..64)
                .map(|_| faults.decide(Cloud::Alibaba, "A").fault.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert!(run(3).iter().any(|f| *f) && run(3).iter().any(|f| !*f));
        let faults = Faults::new(1);
        let latency = |ms| FaultKind::Latency {
            fixed: Duration::from_millis(ms),
            jitter: Duration::ZERO,
        };
        faults.add(FaultRule::new(latency(10), Trigger::Times(1)));
        faults.add(FaultRule::new(latency(5), Trigger::Times(1)));
        let decision = faults.decide(Cloud::Alibaba, "A");
        assert_eq!(decision.latency, Duration::from_millis(15));
        assert_eq!(decision.label().as_deref(), Some("latency"));
    }

    #[test]
    fn rules_round_trip_as_json() {
        let text = r#"{"cloud":"alibaba","action":"AllocateEipAddress","kind":{"latency":{"fixed_ms":20}},"trigger":{"times":3}}"#;
        let rule: FaultRule = serde_json::from_str(text).unwrap();
        assert_eq!(
            rule.kind,
            FaultKind::Latency {
                fixed: Duration::from_millis(20),
                jitter: Duration::ZERO
            }
        );
        let text = r#"{"kind":{"error":"throttled"},"trigger":{"probability":0.25}}"#;
        let rule: FaultRule = serde_json::from_str(text).unwrap();
        assert_eq!(rule.cloud, None);
        assert!(rule.validate().is_ok());
        assert!(throttle(Trigger::Probability(1.5)).validate().is_err());
    }
}
