//! Fault injection: throttling, 5xx, dropped connections, "commit then drop", "commit then
//! gateway error", late delivery, read lag, quota windows and latency, per cloud and per action,
//! deterministic for a given seed.
//!
//! Quota windows are checked first: when any matching window is full the request is throttled
//! and no other rule sees it; otherwise it counts in every matching window. Then rules are
//! checked in the order they were added. Every latency rule whose trigger fires adds its delay
//! and every read-lag rule whose trigger fires sets the lag (the longest wins); of the other
//! rules, the first whose trigger fires decides the fault and the rules after it do not see the
//! request (their sequences and counters do not advance).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    /// Execute the request (its state change happens), then answer with a gateway error of this
    /// HTTP status, as a gateway whose backend answered too late does: Huawei 504
    /// `APIG.0201` "Backend timeout." (JSON) or a 502/503 HTML page; Alibaba 503
    /// `ServiceUnavailable` or 500 `InternalError`. In JSON:
    /// `{"commit_then_error":{"status":504}}`.
    CommitThenError {
        /// The gateway's HTTP status (500–599).
        status: u16,
    },
    /// Hold the connection without answering, apply the request `delay` later (when the
    /// client has typically given up), then close the connection without an answer. The
    /// effect stays. The request log records it when it is applied, with the status of the
    /// answer nobody received. In JSON: `{"late_delivery":{"delay_ms":3000}}`.
    LateDelivery {
        /// When the request is applied, after it arrived.
        #[serde(rename = "delay_ms", with = "millis")]
        delay: Duration,
    },
    /// Execute the request and answer normally, but the resource it creates or changes stays
    /// invisible (new) or shows its previous state (changed, released) to reads — get and list —
    /// for `lag`. Reads lag writes on the real clouds. In JSON: `{"read_lag":{"lag_ms":2000}}`.
    ReadLag {
        /// How long reads show the previous version.
        #[serde(rename = "lag_ms", with = "millis")]
        lag: Duration,
    },
    /// A fixed quota window: at most `limit` requests per `window`, counted per account
    /// (`user`), per account and action (`api`) or per client IP (`ip`); the next one gets the
    /// cloud's throttling answer (Huawei 429 `APIGW.0308` "policy user over
    /// ratelimit,limit:200,time:5 minute"; Alibaba 400 `Throttling.User` / `Throttling.Api`).
    /// The trigger is ignored. In JSON:
    /// `{"quota":{"scope":"user","limit":200,"window_ms":300000}}`.
    Quota(QuotaWindow),
}

/// What a quota window counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaScope {
    /// Every request of the account (each emulated cloud holds one account).
    User,
    /// Every request of the account to one action.
    Api,
    /// Every request from one client IP address.
    Ip,
}

impl QuotaScope {
    /// `user`, `api` or `ip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Api => "api",
            Self::Ip => "ip",
        }
    }
}

/// A fixed window of a quota: `limit` requests per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaWindow {
    /// What is counted.
    pub scope: QuotaScope,
    /// Requests admitted per window.
    pub limit: u32,
    /// The window's length, before the time scale. Windows start at the emulator's start.
    #[serde(rename = "window_ms", with = "millis")]
    pub window: Duration,
}

impl QuotaWindow {
    /// `limit` requests per `window`, counted per `scope`.
    pub fn new(scope: QuotaScope, limit: u32, window: Duration) -> Self {
        Self {
            scope,
            limit,
            window,
        }
    }
}

/// A full quota window that throttled a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaHit {
    /// What the window counts.
    pub scope: QuotaScope,
    /// Its limit.
    pub limit: u32,
    /// Its effective (scaled) length.
    pub window: Duration,
}

impl QuotaHit {
    /// The window as Huawei's gateway writes it: `5 minute`, `1 second`, `30 millisecond`.
    pub fn window_text(&self) -> String {
        let ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        if ms >= 60_000 && ms % 60_000 == 0 {
            format!("{} minute", ms / 60_000)
        } else if ms >= 1_000 && ms % 1_000 == 0 {
            format!("{} second", ms / 1_000)
        } else {
            format!("{ms} millisecond")
        }
    }
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
            FaultKind::CommitThenError { .. } => "commit_then_error",
            FaultKind::LateDelivery { .. } => "late_delivery",
            FaultKind::ReadLag { .. } => "read_lag",
            FaultKind::Quota(QuotaWindow {
                scope: QuotaScope::User,
                ..
            }) => "quota_user",
            FaultKind::Quota(QuotaWindow {
                scope: QuotaScope::Api,
                ..
            }) => "quota_api",
            FaultKind::Quota(QuotaWindow {
                scope: QuotaScope::Ip,
                ..
            }) => "quota_ip",
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
    /// Actions the rule never applies to (e.g. Huawei's IAM calls for a VPC quota window); an
    /// entry ending in `*` excludes every action it is a prefix of (`Metadata*`: every metadata
    /// request, whose Alibaba action names carry the path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
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
            except: Vec::new(),
            kind,
            trigger,
        }
    }

    /// Excludes one action from the rule (`Prefix*`: every action starting with `Prefix`).
    pub fn except(mut self, action: impl Into<String>) -> Self {
        self.except.push(action.into());
        self
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
        self.cloud.is_none_or(|c| c == cloud)
            && self.action.as_deref().is_none_or(|a| a == action)
            && !self.except.iter().any(|a| excludes(a, action))
    }

    /// Checks that the rule can be applied: a probability between 0 and 1, a gateway status
    /// between 500 and 599, a quota window longer than zero.
    pub fn validate(&self) -> Result<(), String> {
        if let Trigger::Probability(p) = self.trigger {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("probability {p} is not between 0 and 1"));
            }
        }
        match &self.kind {
            FaultKind::CommitThenError { status } if !(500..=599).contains(status) => Err(format!(
                "commit_then_error status {status} is not a 5xx status"
            )),
            FaultKind::Quota(window) if window.window.is_zero() => {
                Err("a quota window must be longer than 0 ms".to_owned())
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
    /// Requests executed and then answered with a gateway error.
    #[serde(default)]
    pub commit_then_error: u64,
    /// Requests held unanswered and applied late.
    #[serde(default)]
    pub late_delivery: u64,
    /// Writes whose effect reads saw late.
    #[serde(default)]
    pub read_lag: u64,
    /// Requests refused because a quota window was full.
    #[serde(default)]
    pub quota_throttled: u64,
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
            + self.commit_then_error
            + self.late_delivery
            + self.read_lag
            + self.quota_throttled
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
            FaultKind::CommitThenError { .. } => &mut self.commit_then_error,
            FaultKind::LateDelivery { .. } => &mut self.late_delivery,
            FaultKind::ReadLag { .. } => &mut self.read_lag,
            FaultKind::Quota(_) => &mut self.quota_throttled,
        };
        *counter += 1;
    }
}

/// What the injector decided for one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Decision {
    /// Total added latency.
    pub latency: Duration,
    /// The fault to apply, never a latency or a read lag.
    pub fault: Option<FaultKind>,
    /// The read lag to apply to the request's effect (unscaled).
    pub read_lag: Option<Duration>,
    /// The quota window that throttled the request (`fault` is then the quota rule's kind).
    pub quota: Option<QuotaHit>,
}

impl Decision {
    /// The request log's description: `throttled`, `latency`, `latency+throttled`...
    pub(crate) fn label(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push("latency");
        }
        if self.read_lag.is_some() {
            parts.push("read_lag");
        }
        parts.extend(self.fault.as_ref().map(FaultKind::label));
        (!parts.is_empty()).then(|| parts.join("+"))
    }
}

struct ActiveRule {
    rule: FaultRule,
    /// How many matching requests this rule has seen.
    seen: usize,
    /// For `Times`: how many firings are left.
    remaining: u32,
    /// For quota rules: per counted key, the window index and the requests admitted in it.
    windows: HashMap<String, (u64, u32)>,
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
            windows: HashMap::new(),
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

/// Largest number of distinct keys (client IPs, actions) one quota rule tracks; beyond it the
/// windows of the oldest window index are forgotten first, so a scan from many addresses
/// cannot grow the emulator's memory without bound.
const MAX_QUOTA_KEYS: usize = 4096;

/// Who a request is counted against by a quota window.
pub(crate) struct Caller<'a> {
    pub(crate) cloud: Cloud,
    pub(crate) action: &'a str,
    pub(crate) peer: IpAddr,
}

/// The fault injector shared by every cloud. Settable in-process ([`crate::Sim::faults`]) and
/// at run time through the control API (`POST /_sim/faults`).
pub struct Faults {
    inner: Mutex<Injector>,
    /// When quota windows start counting.
    started: Instant,
    /// The emulator's time scale (quota windows are scaled by it).
    time_scale: f64,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.rules())
            .finish()
    }
}

impl Faults {
    #[cfg(test)]
    pub(crate) fn new(seed: u64) -> Self {
        Self::with_scale(seed, 1.0)
    }

    pub(crate) fn with_scale(seed: u64, time_scale: f64) -> Self {
        let injector = Injector {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
            stats: FaultStats::default(),
        };
        Self {
            inner: Mutex::new(injector),
            started: Instant::now(),
            time_scale,
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
    pub(crate) fn decide(&self, caller: &Caller<'_>) -> Decision {
        let elapsed = self.started.elapsed();
        let mut guard = self.lock();
        let Injector { rules, rng, stats } = &mut *guard;
        let mut decision = Decision::default();
        let matching = |r: &&mut ActiveRule| r.rule.matches(caller.cloud, caller.action);
        // Quota windows first: a full one throttles, otherwise every matching one counts.
        let mut quotas: Vec<(&mut ActiveRule, QuotaWindow, String, u64)> = rules
            .iter_mut()
            .filter(matching)
            .filter_map(|active| match active.rule.kind {
                FaultKind::Quota(window) => {
                    let length = crate::cloud::scale(window.window, self.time_scale);
                    let index = window_index(elapsed, length);
                    let key = match window.scope {
                        QuotaScope::User => String::new(),
                        QuotaScope::Api => caller.action.to_owned(),
                        QuotaScope::Ip => caller.peer.to_string(),
                    };
                    Some((active, window, key, index))
                }
                _ => None,
            })
            .collect();
        let full = quotas.iter().find(|(active, window, key, index)| {
            active
                .windows
                .get(key)
                .is_some_and(|(at, count)| at == index && *count >= window.limit)
        });
        if let Some((_, window, _, _)) = full {
            decision.quota = Some(QuotaHit {
                scope: window.scope,
                limit: window.limit,
                window: crate::cloud::scale(window.window, self.time_scale),
            });
            decision.fault = Some(FaultKind::Quota(*window));
            stats.quota_throttled += 1;
            return decision;
        }
        for (active, _, key, index) in &mut quotas {
            if active.windows.len() >= MAX_QUOTA_KEYS && !active.windows.contains_key(key) {
                active.windows.retain(|_, (at, _)| at == index);
            }
            let entry = active.windows.entry(key.clone()).or_insert((*index, 0));
            if entry.0 != *index {
                *entry = (*index, 0);
            }
            entry.1 = entry.1.saturating_add(1);
        }
        drop(quotas);
        for active in rules.iter_mut().filter(matching) {
            match active.rule.kind.clone() {
                FaultKind::Quota(_) => {}
                FaultKind::Latency { fixed, jitter } if active.fires(rng) => {
                    decision.latency += fixed + random_part(rng, jitter);
                }
                FaultKind::Latency { .. } => {}
                FaultKind::ReadLag { lag } if active.fires(rng) => {
                    decision.read_lag = decision.read_lag.max(Some(lag));
                }
                FaultKind::ReadLag { .. } => {}
                kind if decision.fault.is_none() && active.fires(rng) => {
                    decision.fault = Some(kind)
                }
                _ => {}
            }
        }
        if !decision.latency.is_zero() {
            stats.delayed += 1;
        }
        if decision.read_lag.is_some() {
            stats.read_lag += 1;
        }
        if let Some(kind) = &decision.fault {
            stats.count(kind);
        }
        decision
    }
}

/// Whether the `except` entry `entry` names `action`: equal, or a prefix of it when it ends in
/// `*`.
fn excludes(entry: &str, action: &str) -> bool {
    match entry.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => entry == action,
    }
}

/// Which fixed window `elapsed` falls in.
fn window_index(elapsed: Duration, window: Duration) -> u64 {
    let window = window.as_nanos().max(1);
    u64::try_from(elapsed.as_nanos() / window).unwrap_or(u64::MAX)
}

fn random_part(rng: &mut StdRng, jitter: Duration) -> Duration {
    let max = u64::try_from(jitter.as_micros()).unwrap_or(u64::MAX);
    if max == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(rng.gen_range(0..=max))
    }
}

pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn caller(cloud: Cloud, action: &str) -> Caller<'_> {
        Caller {
            cloud,
            action,
            peer: IpAddr::from([127, 0, 0, 1]),
        }
    }

    fn throttle(trigger: Trigger) -> FaultRule {
        FaultRule::new(FaultKind::Error(InjectedError::Throttled), trigger)
    }

    #[test]
    fn sequence_fires_on_scripted_positions_only() {
        let faults = Faults::new(7);
        faults.add(throttle(Trigger::Sequence(vec![false, true, true])).action("A"));
        let fired: Vec<bool> = (0..5)
            .map(|_| faults.decide(&caller(Cloud::Alibaba, "A")).fault.is_some())
            .collect();
        assert_eq!(fired, [false, true, true, false, false]);
        assert!(faults.decide(&caller(Cloud::Alibaba, "B")).fault.is_none());
        assert_eq!(faults.stats().throttled, 2);
    }

    #[test]
    fn times_and_first_rule_wins() {
        let faults = Faults::new(7);
        faults.add(
            FaultRule::new(FaultKind::CloseConnection, Trigger::Times(1)).cloud(Cloud::Huawei),
        );
        faults.add(throttle(Trigger::Times(2)));
        let first = faults.decide(&caller(Cloud::Huawei, "X")).fault;
        assert_eq!(first, Some(FaultKind::CloseConnection));
        assert_eq!(
            faults.decide(&caller(Cloud::Huawei, "X")).fault,
            Some(FaultKind::Error(InjectedError::Throttled))
        );
        assert_eq!(
            faults.decide(&caller(Cloud::Alibaba, "X")).fault,
            Some(FaultKind::Error(InjectedError::Throttled))
        );
        assert_eq!(faults.decide(&caller(Cloud::Alibaba, "X")).fault, None);
    }

    #[test]
    fn probability_is_deterministic_per_seed_and_latencies_add() {
        let run = |seed| {
            let faults = Faults::new(seed);
            faults.add(throttle(Trigger::Probability(0.5)));
            (0..64)
                .map(|_| faults.decide(&caller(Cloud::Alibaba, "A")).fault.is_some())
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
        let decision = faults.decide(&caller(Cloud::Alibaba, "A"));
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
