//! Retry policy as data, and the one retry loop every provider uses.
//!
//! A provider wraps each HTTP exchange in [`run`], describing it with a [`Call`] (is it
//! idempotent?) and supplying a [`RetryClassifier`] that knows its cloud's codes. The loop adds
//! the attempt timeout, full-jitter exponential backoff, the total time budget, the
//! operation timeout and the tracing spans, identically for every cloud.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::limit::RateLimiter;
use crate::model::ProviderKind;

/// How often and how patiently to retry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff cap of the first retry; it doubles on each further retry.
    pub base_delay: Duration,
    /// The largest backoff cap.
    pub max_delay: Duration,
    /// No new attempt starts once this much time has passed since the first.
    pub budget: Duration,
    /// Counters of attempts and retries, when the caller wants figures.
    pub stats: Option<Arc<RetryStats>>,
    /// How a write whose answer was lost is read back (see [`run_settled`]).
    pub settle: SettlePolicy,
    /// The token bucket every attempt draws from, when the provider (or the caller) shares one.
    pub limiter: Option<Arc<RateLimiter>>,
}

impl Default for RetryPolicy {
    /// 10 attempts, backoff caps from 100 ms doubling to 5 s, a 2-minute budget.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            budget: Duration::from_secs(120),
            stats: None,
            settle: SettlePolicy::default(),
            limiter: None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first and the largest backoff caps.
    pub fn delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// Sets the total time budget.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Counts attempts and retries into `stats`.
    pub fn with_stats(mut self, stats: Arc<RetryStats>) -> Self {
        self.stats = Some(stats);
        self
    }

    /// Sets how lost answers are read back.
    pub fn with_settle(mut self, settle: SettlePolicy) -> Self {
        self.settle = settle;
        self
    }

    /// Makes every attempt take a token from `limiter` first (`None`: no limit).
    pub fn with_rate_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }

    /// The most requests one call through [`run_settled`] can make with this policy when each
    /// attempt sends one request: every attempt plus every read-back. With the default policy:
    /// 10 + 11 = 21. A provider whose attempt also makes single reads (a status read after a
    /// wrong-state refusal, a read-back before re-sending) is bounded by
    /// [`RetryPolicy::max_requests_per_call_with`] instead.
    pub fn max_requests_per_call(&self) -> u32 {
        self.max_requests_per_call_with(1)
    }

    /// The most requests one call can make when one attempt makes at most `per_attempt`
    /// requests (its own reads included): `max_attempts × per_attempt` plus every read-back.
    pub fn max_requests_per_call_with(&self, per_attempt: u32) -> u32 {
        self.max_attempts
            .saturating_mul(per_attempt.max(1))
            .saturating_add(self.settle.max_reads)
    }

    /// The backoff cap before retry number `retry` (1-based): `base * 2^(retry-1)`, at most
    /// `max_delay`. The actual delay is drawn uniformly from `0..=cap` (full jitter).
    pub fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Counters kept by the retry loop when [`RetryPolicy::stats`] is set.
#[derive(Debug, Default)]
pub struct RetryStats {
    attempts: AtomicU64,
    retries: AtomicU64,
    exhausted: AtomicU64,
}

impl RetryStats {
    /// Attempts made (first attempts included).
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }
    /// Retries made (attempts after a failure).
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
    /// Calls that failed with a retryable error after the last allowed attempt or the budget.
    pub fn exhausted(&self) -> u64 {
        self.exhausted.load(Ordering::Relaxed)
    }
}

/// How a write whose answer was lost is settled by reading back.
///
/// Real clouds show a write to reads only after a while (Terraform's Huawei EIP waiter treats a
/// 404 right after a create as "still pending": huaweicloud/terraform-provider-huaweicloud
/// `huaweicloud/services/eip/resource_huaweicloud_vpc_eip.go`), and a request can be delivered
/// to the backend after the client gave up on it. So "not applied" is believed only once
/// `window` has passed since the answer was lost; until then the resource is read again every
/// `spacing`. "Applied" is believed at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SettlePolicy {
    /// How long after a lost answer a read that shows nothing is still not proof.
    pub window: Duration,
    /// The interval between read-backs inside the window.
    pub spacing: Duration,
    /// The most read-backs one call makes, over all its lost answers.
    pub max_reads: u32,
}

impl Default for SettlePolicy {
    /// A 10 s window, a read every second: at most 11 reads per call (the last one at the end of
    /// the window, so a write that never landed is proven so and sent again).
    fn default() -> Self {
        Self::new(Duration::from_secs(10), Duration::from_secs(1))
    }
}

impl SettlePolicy {
    /// A policy with this window and spacing (and `window / spacing + 1` reads at most).
    pub fn new(window: Duration, spacing: Duration) -> Self {
        let spacing = spacing.max(Duration::from_millis(1));
        let reads = window.as_nanos() / spacing.as_nanos();
        Self {
            window,
            spacing,
            max_reads: u32::try_from(reads).unwrap_or(u32::MAX).saturating_add(1),
        }
    }
}

/// What an attempt knows about the call it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    /// Whether an earlier attempt of this call may have been processed by the cloud (its answer
    /// was lost, or a gateway answered 5xx). A provider then checks, inside this attempt and
    /// with single reads, whether the change is already there (a fence re-check, a "bound to the
    /// requested port already" test) instead of running a loop of its own.
    pub earlier_maybe_processed: bool,
}

/// The three timeouts of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (applied by the provider's HTTP client).
    pub connect: Duration,
    /// One attempt, inside the retry loop.
    pub attempt: Duration,
    /// The whole operation, all attempts and backoffs included.
    pub operation: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 30 s per attempt, 3 minutes per operation.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(180),
        }
    }
}

impl Timeouts {
    /// Sets all three timeouts.
    pub fn new(connect: Duration, attempt: Duration, operation: Duration) -> Self {
        Self {
            connect,
            attempt,
            operation,
        }
    }
}

/// One logical call: who, what, and whether repeating it is harmless.
#[derive(Clone, Debug)]
pub struct Call {
    /// The provider making it.
    pub provider: ProviderKind,
    /// The cloud's action name, for spans and errors.
    pub action: &'static str,
    /// Whether repeating the request has no further effect: reads, and writes carrying an
    /// idempotency token the cloud honours.
    pub idempotent: bool,
    /// The resource the call is about, for the operation span.
    pub id: Option<String>,
    /// Whether the call changes something ([`Call::write`]): the guard of a fenced operation
    /// (see [`crate::moving::Guard`]) is asked before each of its attempts.
    pub mutating: bool,
}

impl Call {
    /// A read (always idempotent).
    pub fn read(provider: ProviderKind, action: &'static str) -> Self {
        Self {
            provider,
            action,
            idempotent: true,
            id: None,
            mutating: false,
        }
    }

    /// A write; `idempotent` when it carries a token the cloud deduplicates on.
    pub fn write(provider: ProviderKind, action: &'static str, idempotent: bool) -> Self {
        Self {
            provider,
            action,
            idempotent,
            id: None,
            mutating: true,
        }
    }

    /// Names the resource the call is about (shown as `id` in the `eip.operation` span).
    pub fn on(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAction {
    /// Retry, waiting at least `after` when the cloud said how long.
    Retry {
        /// The cloud's requested delay.
        after: Option<Duration>,
    },
    /// Give up and return the error.
    Stop,
}

/// Decides which errors are worth another attempt. Providers implement it for their cloud's codes;
/// the default answers from [`Error::is_retryable`].
pub trait RetryClassifier: Send + Sync {
    /// Classifies one failed attempt.
    fn classify(&self, error: &Error) -> RetryAction {
        default_classification(error)
    }
}

/// The classification by kind: retry what [`Error::is_retryable`] says, honouring a rate limit's
/// `retry_after`.
pub fn default_classification(error: &Error) -> RetryAction {
    match error {
        Error::RateLimited { retry_after, .. } => RetryAction::Retry {
            after: *retry_after,
        },
        e if e.is_retryable() => RetryAction::Retry { after: None },
        _ => RetryAction::Stop,
    }
}

/// The classifier that uses [`default_classification`] unchanged.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {}

/// Runs `attempt` until it succeeds, the classifier says stop, the attempts or the budget run out,
/// or the operation timeout fires.
///
/// `attempt` gets the 1-based attempt number and must build a fresh request each time (new nonce,
/// new timestamp, same idempotency token). A failure whose outcome is unknown
/// ([`Error::outcome_unknown`]: a timeout after sending, a dropped connection, a gateway 5xx) is
/// retried only when `call.idempotent`; otherwise it is returned as is, for the provider to settle
/// by reading back (see [`run_settled`], which does that inside the same loop).
pub async fn run<T, F, Fut>(
    call: &Call,
    policy: &RetryPolicy,
    timeouts: &Timeouts,
    classifier: &dyn RetryClassifier,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    run_with(call, policy, timeouts, classifier, |a: Attempt| {
        attempt(a.number)
    })
    .await
}

/// [`run`], with the attempt told whether an earlier attempt may have been processed.
pub async fn run_with<T, F, Fut>(
    call: &Call,
    policy: &RetryPolicy,
    timeouts: &Timeouts,
    classifier: &dyn RetryClassifier,
    attempt: F,
) -> Result<T>
where
    F: FnMut(Attempt) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let no_settle = || async { Ok(Settled::Unknown) };
    run_settled(call, policy, timeouts, classifier, attempt, no_settle).await
}

/// The one retry loop, with lost answers settled inside it.
///
/// When an attempt of a write the cloud does not deduplicate (`!call.idempotent`) fails with an
/// unknown outcome, the loop does not send it again blindly: it calls `settle`, which must make
/// ONE read and say whether the write took effect. [`Settled::Applied`] ends the call with its
/// value; [`Settled::NotApplied`] is believed once [`SettlePolicy::window`] has passed since the
/// answer was lost (reads lag writes), and then the write is sent again as the next attempt;
/// [`Settled::Unknown`] (or a read that fails for good) returns the original error. Read-backs
/// that fail with a retryable error are read again within the window.
///
/// Every send is an attempt of this loop and every read-back counts against
/// [`SettlePolicy::max_reads`], so one call makes at most
/// [`RetryPolicy::max_requests_per_call`] requests; nothing here nests another loop.
pub async fn run_settled<T, F, Fut, S, SFut>(
    call: &Call,
    policy: &RetryPolicy,
    timeouts: &Timeouts,
    classifier: &dyn RetryClassifier,
    attempt: F,
    settle: S,
) -> Result<T>
where
    F: FnMut(Attempt) -> Fut,
    Fut: Future<Output = Result<T>>,
    S: FnMut() -> SFut,
    SFut: Future<Output = Result<Settled<T>>>,
{
    let no_recheck = |_: Attempt| async { Ok(None) };
    run_rechecked(
        call, policy, timeouts, classifier, no_recheck, attempt, settle,
    )
    .await
}

/// [`run_settled`] for a write that re-checks a condition before it is sent (a fence: is the
/// address still bound where the caller saw it?).
///
/// `recheck` runs before every attempt, told the attempt's context, and makes at most ONE read:
/// `Ok(Some(value))` ends the call (the change is already there), `Ok(None)` lets the attempt
/// send, an error that is not retryable ends the call. A read that fails with a retryable error
/// (throttled, a gateway 5xx) says nothing about the write, so it does not use up one of the
/// call's attempts: it is read again after [`SettlePolicy::spacing`], each further read counted
/// against [`SettlePolicy::max_reads`] (shared with the read-backs) and within the budget. Were
/// the failed read an attempt, every retry would need two clean requests instead of one, and a
/// fenced unbind under 30 % throttling would exhaust 20 attempts about once in 2,000 calls.
/// The most requests one call makes stays [`RetryPolicy::max_requests_per_call`] plus the one
/// re-check read of each attempt.
pub async fn run_rechecked<T, F, Fut, R, RFut, S, SFut>(
    call: &Call,
    policy: &RetryPolicy,
    timeouts: &Timeouts,
    classifier: &dyn RetryClassifier,
    mut recheck: R,
    mut attempt: F,
    mut settle: S,
) -> Result<T>
where
    F: FnMut(Attempt) -> Fut,
    Fut: Future<Output = Result<T>>,
    R: FnMut(Attempt) -> RFut,
    RFut: Future<Output = Result<Option<T>>>,
    S: FnMut() -> SFut,
    SFut: Future<Output = Result<Settled<T>>>,
{
    let span = tracing::info_span!(
        "eip.operation",
        provider = %call.provider,
        operation = call.action,
        id = call.id.as_deref().unwrap_or(""),
        idempotent = call.idempotent,
    );
    let started = Instant::now();
    let attempts = async {
        let mut number = 0u32;
        let mut maybe_processed = false;
        let mut reads = 0u32;
        loop {
            number = number.saturating_add(1);
            if let Some(stats) = &policy.stats {
                stats.attempts.fetch_add(1, Ordering::Relaxed);
                if number > 1 {
                    stats.retries.fetch_add(1, Ordering::Relaxed);
                }
            }
            if let Some(limiter) = &policy.limiter {
                limiter.acquire().await;
            }
            if call.mutating || !call.idempotent {
                crate::moving::check_fence(call.action, maybe_processed).await?;
            }
            let attempt_span = tracing::debug_span!(
                "eip.attempt",
                attempt = number,
                request_id = tracing::field::Empty,
            );
            let this = Attempt {
                number,
                earlier_maybe_processed: maybe_processed,
            };
            loop {
                // A read that hangs is cut like an attempt; the timeout is retryable.
                let checked = match tokio::time::timeout(timeouts.attempt, recheck(this)).await {
                    Ok(checked) => checked,
                    Err(_) => Err(Error::Timeout {
                        operation: call.action.to_owned(),
                        elapsed: timeouts.attempt,
                        maybe_sent: false,
                    }),
                };
                match checked {
                    Ok(Some(value)) => return Ok(value),
                    Ok(None) => break,
                    Err(error)
                        if error.is_retryable()
                            && reads < policy.settle.max_reads
                            && started.elapsed().saturating_add(policy.settle.spacing)
                                <= policy.budget =>
                    {
                        reads += 1;
                        tracing::debug!(%error, "the re-check before the write failed; reading again");
                        tokio::time::sleep(policy.settle.spacing).await;
                        if let Some(limiter) = &policy.limiter {
                            limiter.acquire().await;
                        }
                    }
                    Err(error) => return Err(error),
                }
            }
            let attempt_started = Instant::now();
            let outcome = match tokio::time::timeout(timeouts.attempt, attempt(this))
                .instrument(attempt_span)
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Timeout {
                    operation: call.action.to_owned(),
                    elapsed: attempt_started.elapsed(),
                    maybe_sent: true,
                }),
            };
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let unknown = error.outcome_unknown();
            maybe_processed |= unknown;
            if unknown && (call.mutating || !call.idempotent) {
                crate::moving::note_lost_write(call.action, policy.settle.window);
            }
            let after = match classifier.classify(&error) {
                RetryAction::Stop => return Err(error),
                RetryAction::Retry { .. } if unknown && !call.idempotent => {
                    match settle_lost(policy, timeouts, &mut settle, &mut reads).await {
                        Ok(Some(value)) => return Ok(value),
                        Ok(None) => None,
                        Err(Some(read_error)) => return Err(read_error),
                        Err(None) => {
                            tracing::debug!(%error, "not retrying: the write may have been processed and reading back could not tell");
                            return Err(error);
                        }
                    }
                }
                RetryAction::Retry { after } => after,
            };
            if number >= policy.max_attempts {
                count_exhausted(policy);
                tracing::debug!(%error, attempts = number, "giving up: attempts exhausted");
                return Err(error);
            }
            let delay = jittered(policy, number).max(after.unwrap_or_default());
            if started.elapsed().saturating_add(delay) > policy.budget {
                count_exhausted(policy);
                tracing::debug!(%error, "giving up: retry budget exhausted");
                return Err(outlasted(error, policy.budget));
            }
            tracing::debug!(%error, attempt = number, delay_ms = millis(delay), "retrying");
            tokio::time::sleep(delay).await;
        }
    };
    match tokio::time::timeout(timeouts.operation, attempts)
        .instrument(span)
        .await
    {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            operation: call.action.to_owned(),
            elapsed: started.elapsed(),
            maybe_sent: true,
        }),
    }
}

/// Reads back after a lost answer. `Ok(Some)`: applied; `Ok(None)`: provably not applied (send
/// again); `Err(Some(e))`: a read failed for good; `Err(None)`: could not tell.
async fn settle_lost<T, S, SFut>(
    policy: &RetryPolicy,
    timeouts: &Timeouts,
    settle: &mut S,
    reads: &mut u32,
) -> std::result::Result<Option<T>, Option<Error>>
where
    S: FnMut() -> SFut,
    SFut: Future<Output = Result<Settled<T>>>,
{
    let lost_at = Instant::now();
    let window = policy.settle.window;
    loop {
        if *reads >= policy.settle.max_reads {
            return Err(None);
        }
        *reads += 1;
        if let Some(limiter) = &policy.limiter {
            limiter.acquire().await;
        }
        // One read-back is bounded like an attempt: a hanging read costs one read of the
        // budget, not the whole operation.
        let seen = match tokio::time::timeout(timeouts.attempt, settle()).await {
            Ok(seen) => seen,
            Err(_) => Err(Error::Timeout {
                operation: "read-back".to_owned(),
                elapsed: timeouts.attempt,
                maybe_sent: false,
            }),
        };
        let proof_window_over = lost_at.elapsed() >= window;
        match seen {
            Ok(Settled::Applied(value)) => {
                tracing::debug!(
                    reads = *reads,
                    "the answer was lost but the write took effect"
                );
                return Ok(Some(value));
            }
            Ok(Settled::NotApplied) if proof_window_over => {
                tracing::debug!(
                    reads = *reads,
                    "the answer was lost and the write did not take effect; sending it again"
                );
                return Ok(None);
            }
            Ok(Settled::NotApplied) => {}
            Ok(Settled::Unknown) => return Err(None),
            Err(error) if error.is_retryable() => {
                tracing::debug!(%error, "read-back failed; reading again");
            }
            Err(error) => return Err(Some(error)),
        }
        let remaining = window.saturating_sub(lost_at.elapsed());
        tokio::time::sleep(
            policy
                .settle
                .spacing
                .min(remaining.max(Duration::from_millis(1))),
        )
        .await;
    }
}

/// A throttled call whose cloud-given wait outlasts the budget says so in its error.
fn outlasted(error: Error, budget: Duration) -> Error {
    match error {
        Error::RateLimited {
            retry_after: Some(after),
            service: Some(mut service),
        } if after > budget => {
            service.message = format!(
                "{} (the cloud's window of {}s outlasts the retry budget of {}s)",
                service.message,
                after.as_secs(),
                budget.as_secs()
            );
            Error::RateLimited {
                retry_after: Some(after),
                service: Some(service),
            }
        }
        other => other,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What reading a resource back after a lost answer showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled<T> {
    /// The write took effect (with the value to return).
    Applied(T),
    /// The write provably did not take effect: it may be sent again.
    NotApplied,
    /// Neither could be shown: the original error is returned.
    Unknown,
}

fn count_exhausted(policy: &RetryPolicy) {
    if let Some(stats) = &policy.stats {
        stats.exhausted.fetch_add(1, Ordering::Relaxed);
    }
}

fn jittered(policy: &RetryPolicy, retry: u32) -> Duration {
    let cap = policy.backoff_cap(retry);
    if cap.is_zero() {
        return cap;
    }
    let nanos = rand::thread_rng().gen_range(0..=cap.as_nanos().min(u64::MAX as u128) as u64);
    Duration::from_nanos(nanos)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::ServiceError;
    use std::sync::Mutex;

    const P: ProviderKind = ProviderKind::new("test");

    fn transient() -> Error {
        Error::Transport {
            operation: "Op".into(),
            message: "connection refused".into(),
            maybe_sent: false,
            source: None,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(5)
            .delays(Duration::from_millis(100), Duration::from_secs(1))
            .budget(Duration::from_secs(60))
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_attempts_run_out_with_bounded_backoff() {
        let stamps = Mutex::new(Vec::new());
        let stats = Arc::new(RetryStats::default());
        let pol = policy().with_stats(stats.clone());
        let result: Result<()> = run(
            &Call::read(P, "Op"),
            &pol,
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                stamps.lock().unwrap().push(Instant::now());
                async { Err(transient()) }
            },
        )
        .await;
        assert!(matches!(result, Err(Error::Transport { .. })));
        let stamps = stamps.into_inner().unwrap();
        assert_eq!(stamps.len(), 5);
        for (i, pair) in stamps.windows(2).enumerate() {
            let gap = pair[1] - pair[0];
            assert!(
                gap <= pol.backoff_cap(i as u32 + 1),
                "retry {} waited {gap:?}",
                i + 1
            );
        }
        assert_eq!(pol.backoff_cap(1), Duration::from_millis(100));
        assert_eq!(pol.backoff_cap(4), Duration::from_millis(800));
        assert_eq!(pol.backoff_cap(9), Duration::from_secs(1));
        assert_eq!(
            (stats.attempts(), stats.retries(), stats.exhausted()),
            (5, 4, 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_after_transient_failures() {
        let mut failures = 2;
        let value = run(
            &Call::read(P, "Op"),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |n| {
                let fail = failures > 0;
                failures -= 1;
                async move {
                    if fail {
                        Err(transient())
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(value, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_stops_retries_early() {
        let pol = policy()
            .max_attempts(100)
            .delays(Duration::from_secs(1), Duration::from_secs(1))
            .budget(Duration::from_secs(3));
        let started = Instant::now();
        let mut count = 0;
        let _ = run::<(), _, _>(
            &Call::read(P, "Op"),
            &pol,
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                count += 1;
                async {
                    Err(Error::RateLimited {
                        retry_after: Some(Duration::from_secs(1)),
                        service: None,
                    })
                }
            },
        )
        .await;
        // retry_after = 1 s is honoured, so at most 3 more attempts fit into 3 s.
        assert!(count <= 4, "{count} attempts");
        assert!(started.elapsed() <= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_retry_after_ends_the_loop_instead_of_overflowing() {
        let mut count = 0;
        let result: Result<()> = run(
            &Call::read(P, "Op"),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                count += 1;
                async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Err(Error::RateLimited {
                        retry_after: Some(Duration::MAX),
                        service: None,
                    })
                }
            },
        )
        .await;
        assert!(matches!(result, Err(Error::RateLimited { .. })));
        assert_eq!(count, 1, "a wait beyond the budget is not waited");
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_out_write_is_not_repeated_unless_idempotent() {
        let timeouts = Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(60),
        );
        for (idempotent, expected) in [(false, 1), (true, 5)] {
            let mut count = 0;
            let result: Result<()> = run(
                &Call::write(P, "Op", idempotent),
                &policy(),
                &timeouts,
                &DefaultClassifier,
                |_| {
                    count += 1;
                    async {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                        Ok(())
                    }
                },
            )
            .await;
            assert!(matches!(
                result,
                Err(Error::Timeout {
                    maybe_sent: true,
                    ..
                })
            ));
            assert_eq!(count, expected, "idempotent={idempotent}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_connection_is_retried_even_for_writes() {
        let mut count = 0;
        let _ = run::<(), _, _>(
            &Call::write(P, "Op", false),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                count += 1;
                async { Err(transient()) }
            },
        )
        .await;
        assert_eq!(count, 5);
    }

    fn lost() -> Error {
        Error::Transport {
            operation: "Op".into(),
            message: "closed".into(),
            maybe_sent: true,
            source: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_are_not_retried_and_the_operation_timeout_holds() {
        let mut count = 0;
        let _ = run::<(), _, _>(
            &Call::read(P, "Op"),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                count += 1;
                async { Err(Error::not_found("eip x")) }
            },
        )
        .await;
        assert_eq!(count, 1);

        let timeouts = Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(100),
            Duration::from_secs(5),
        );
        let started = Instant::now();
        let result = run::<(), _, _>(
            &Call::read(P, "Op"),
            &policy(),
            &timeouts,
            &DefaultClassifier,
            |_| async {
                tokio::time::sleep(Duration::from_secs(50)).await;
                Ok(())
            },
        )
        .await;
        assert!(matches!(result, Err(Error::Timeout { .. })));
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }

    fn gateway_504() -> Error {
        let mut service = ServiceError::new(P, "Create", "APIG.0201", "Backend timeout.");
        service.http_status = Some(504);
        Error::Service {
            retryable: true,
            service: Box::new(service),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_gateway_5xx_on_a_plain_write_is_never_sent_twice() {
        let sends = Mutex::new(0);
        let result: Result<()> = run(
            &Call::write(P, "Create", false),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |_| async {
                *sends.lock().unwrap() += 1;
                Err(gateway_504())
            },
        )
        .await;
        assert!(result.unwrap_err().outcome_unknown());
        assert_eq!(
            *sends.lock().unwrap(),
            1,
            "a 504 may hide a processed create"
        );
        // The same error on an idempotent write is retried, and the attempt knows an earlier
        // one may have landed.
        let seen = Mutex::new(Vec::new());
        let value = run_with(
            &Call::write(P, "Bind", true),
            &policy(),
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| {
                seen.lock().unwrap().push(a.earlier_maybe_processed);
                async move {
                    if a.number < 3 {
                        Err(gateway_504())
                    } else {
                        Ok(a.number)
                    }
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(value, 3);
        assert_eq!(*seen.lock().unwrap(), vec![false, true, true]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_back_that_hangs_costs_one_read_not_the_operation() {
        let settle = SettlePolicy::new(Duration::from_secs(4), Duration::from_secs(1));
        let policy = policy().with_settle(settle);
        let timeouts = Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(600),
        );
        let (sends, reads) = (Mutex::new(0u32), Mutex::new(0u32));
        let started = Instant::now();
        let value = run_settled(
            &Call::write(P, "Create", false),
            &policy,
            &timeouts,
            &DefaultClassifier,
            |_| {
                *sends.lock().unwrap() += 1;
                async { Err::<&str, _>(lost()) }
            },
            || {
                let mut r = reads.lock().unwrap();
                *r += 1;
                let first = *r == 1;
                async move {
                    if first {
                        // Never answers.
                        std::future::pending::<()>().await;
                    }
                    Ok(Settled::Applied("adopted"))
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(value, "adopted");
        assert_eq!((*sends.lock().unwrap(), *reads.lock().unwrap()), (1, 2));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "cut at the 2 s attempt timeout, not the 600 s operation: {:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_write_is_read_back_through_the_lag_window_before_it_is_sent_again() {
        let start = Instant::now();
        let settle = SettlePolicy::new(Duration::from_secs(4), Duration::from_secs(1));
        let policy = policy().with_settle(settle);
        let sends = Mutex::new(0u32);
        let reads = Mutex::new(Vec::new());
        // The first send is lost and never lands; reads show nothing, so after the 4 s window
        // the write is sent again and succeeds.
        let value = run_settled(
            &Call::write(P, "Create", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| {
                *sends.lock().unwrap() += 1;
                async move {
                    if a.number == 1 {
                        Err(gateway_504())
                    } else {
                        Ok("created")
                    }
                }
            },
            || {
                reads.lock().unwrap().push(start.elapsed().as_secs());
                async { Ok(Settled::NotApplied) }
            },
        )
        .await
        .unwrap();
        assert_eq!(value, "created");
        assert_eq!(*sends.lock().unwrap(), 2);
        assert_eq!(
            *reads.lock().unwrap(),
            vec![0, 1, 2, 3, 4],
            "spaced reads over the window"
        );

        // A write that lands late (visible at the third read) is adopted, not repeated.
        let sends = Mutex::new(0u32);
        let reads = Mutex::new(0u32);
        let value = run_settled(
            &Call::write(P, "Create", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                *sends.lock().unwrap() += 1;
                async { Err::<&str, _>(lost()) }
            },
            || {
                let mut r = reads.lock().unwrap();
                *r += 1;
                let n = *r;
                async move {
                    Ok(if n >= 3 {
                        Settled::Applied("adopted")
                    } else {
                        Settled::NotApplied
                    })
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(value, "adopted");
        assert_eq!(*sends.lock().unwrap(), 1);
    }

    fn throttled() -> Error {
        Error::RateLimited {
            retry_after: None,
            service: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_recheck_is_read_again_without_using_up_an_attempt() {
        // Every retry of a fenced write re-checks first. The first send is throttled; the next
        // six re-check reads are throttled too; the seventh passes and the second send lands.
        let policy = policy().max_attempts(2);
        let (sends, rechecks) = (Mutex::new(0u32), Mutex::new(0u32));
        let value = run_rechecked(
            &Call::write(P, "Unbind", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| {
                let mut count = rechecks.lock().unwrap();
                if a.number > 1 {
                    *count += 1;
                }
                let fail = a.number > 1 && *count <= 6;
                async move {
                    if fail {
                        Err(throttled())
                    } else {
                        Ok(None)
                    }
                }
            },
            |a: Attempt| {
                *sends.lock().unwrap() += 1;
                async move {
                    if a.number == 1 {
                        Err(throttled())
                    } else {
                        Ok("unbound")
                    }
                }
            },
            || async { Ok(Settled::Unknown) },
        )
        .await
        .unwrap();
        assert_eq!(value, "unbound");
        assert_eq!((*sends.lock().unwrap(), *rechecks.lock().unwrap()), (2, 7));

        // The re-reads are bounded by the settle policy's reads: with 3, a re-check that is
        // always throttled ends the call after 1 + 3 reads and one send.
        let mut settle = SettlePolicy::new(Duration::from_secs(1), Duration::from_millis(10));
        settle.max_reads = 3;
        let policy = policy.max_attempts(5).with_settle(settle);
        let (sends, rechecks) = (Mutex::new(0u32), Mutex::new(0u32));
        let outcome: Result<&str> = run_rechecked(
            &Call::write(P, "Unbind", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| {
                if a.number > 1 {
                    *rechecks.lock().unwrap() += 1;
                }
                let fail = a.number > 1;
                async move {
                    if fail {
                        Err(throttled())
                    } else {
                        Ok(None)
                    }
                }
            },
            |_| {
                *sends.lock().unwrap() += 1;
                async { Err(throttled()) }
            },
            || async { Ok(Settled::Unknown) },
        )
        .await;
        assert!(
            matches!(outcome, Err(Error::RateLimited { .. })),
            "{outcome:?}"
        );
        assert_eq!((*sends.lock().unwrap(), *rechecks.lock().unwrap()), (1, 4));

        // A re-check that refuses (not retryable) ends the call at once; one that finds the
        // change done returns its value without sending.
        let outcome: Result<&str> = run_rechecked(
            &Call::write(P, "Unbind", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| async move {
                match a.number {
                    1 => Ok(None),
                    _ => Err(Error::Conflict {
                        reason: "moved away".into(),
                        service: None,
                    }),
                }
            },
            |_| async { Err(throttled()) },
            || async { Ok(Settled::Unknown) },
        )
        .await;
        assert!(
            matches!(outcome, Err(Error::Conflict { .. })),
            "{outcome:?}"
        );
        let sends = Mutex::new(0u32);
        let value = run_rechecked(
            &Call::write(P, "Unbind", false),
            &policy,
            &Timeouts::default(),
            &DefaultClassifier,
            |_| async { Ok(Some("already unbound")) },
            |_| {
                *sends.lock().unwrap() += 1;
                async { Ok("sent") }
            },
            || async { Ok(Settled::Unknown) },
        )
        .await
        .unwrap();
        assert_eq!((value, *sends.lock().unwrap()), ("already unbound", 0));
    }

    #[tokio::test(start_paused = true)]
    async fn one_call_makes_at_most_the_stated_number_of_requests() {
        let requests = Mutex::new(0u32);
        let policy = RetryPolicy::default();
        let result: Result<()> = run_settled(
            &Call::write(P, "Create", false),
            &policy,
            &Timeouts::new(
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(3600),
            ),
            &DefaultClassifier,
            |_| {
                *requests.lock().unwrap() += 1;
                async { Err(lost()) }
            },
            || {
                *requests.lock().unwrap() += 1;
                async { Ok(Settled::NotApplied) }
            },
        )
        .await;
        assert!(result.is_err());
        let made = *requests.lock().unwrap();
        assert!(
            made <= policy.max_requests_per_call(),
            "{made} requests > {}",
            policy.max_requests_per_call()
        );
        assert_eq!(policy.max_requests_per_call(), 21);
        assert_eq!(policy.max_requests_per_call_with(4), 51);
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_longer_than_the_budget_is_named_in_the_error() {
        let mut service = ServiceError::new(P, "Get", "APIGW.0308", "over ratelimit");
        service.http_status = Some(429);
        let result: Result<()> = run(
            &Call::read(P, "Get"),
            &policy().budget(Duration::from_secs(20)),
            &Timeouts::default(),
            &DefaultClassifier,
            |_| {
                let service = Box::new(service.clone());
                async move {
                    Err(Error::RateLimited {
                        retry_after: Some(Duration::from_secs(300)),
                        service: Some(service),
                    })
                }
            },
        )
        .await;
        let text = result.unwrap_err().to_string();
        assert!(text.contains("outlasts the retry budget of 20s"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn every_attempt_draws_from_the_shared_limiter() {
        let limiter = Arc::new(RateLimiter::per_second(1.0, 1));
        let policy = policy().with_rate_limiter(Some(limiter));
        let start = Instant::now();
        for _ in 0..3 {
            let _: u32 = run(
                &Call::read(P, "Get"),
                &policy,
                &Timeouts::default(),
                &DefaultClassifier,
                |_| async { Ok(1) },
            )
            .await
            .unwrap();
        }
        assert_eq!(start.elapsed().as_secs(), 2, "3 calls at 1 per second");
    }

    #[tokio::test(start_paused = true)]
    async fn the_default_settle_policy_reaches_the_end_of_its_window() {
        // A lost write that never landed must be proven so and sent again with the defaults.
        let sends = Mutex::new(0u32);
        let value = run_settled(
            &Call::write(P, "Create", false),
            &RetryPolicy::default(),
            &Timeouts::default(),
            &DefaultClassifier,
            |a: Attempt| {
                *sends.lock().unwrap() += 1;
                async move {
                    if a.number == 1 {
                        Err(lost())
                    } else {
                        Ok(a.number)
                    }
                }
            },
            || async { Ok(Settled::NotApplied) },
        )
        .await
        .unwrap();
        assert_eq!(value, 2);
        assert_eq!(*sends.lock().unwrap(), 2);
    }

    /// Refuses once `allowed` checks have passed.
    #[derive(Debug)]
    struct Lease {
        allowed: u32,
        checks: std::sync::atomic::AtomicU32,
    }

    #[async_trait::async_trait]
    impl crate::moving::Guard for Lease {
        async fn check(&self) -> std::result::Result<(), String> {
            if self.checks.fetch_add(1, Ordering::Relaxed) < self.allowed {
                Ok(())
            } else {
                Err("lease expired".into())
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_guard_is_asked_before_every_attempt_of_a_write_resends_included() {
        let lease = Arc::new(Lease {
            allowed: 1,
            checks: Default::default(),
        });
        let sends = Mutex::new(0u32);
        let result: Result<()> = crate::moving::with_guard(
            lease.clone(),
            run_settled(
                &Call::write(P, "Associate", false),
                &policy().with_settle(SettlePolicy::new(
                    Duration::from_secs(2),
                    Duration::from_secs(1),
                )),
                &Timeouts::default(),
                &DefaultClassifier,
                |_| {
                    *sends.lock().unwrap() += 1;
                    async { Err(lost()) }
                },
                || async { Ok(Settled::NotApplied) },
            ),
        )
        .await;
        assert!(
            matches!(
                result,
                Err(Error::Fenced {
                    maybe_sent: true,
                    ..
                })
            ),
            "{result:?}"
        );
        assert_eq!(
            *sends.lock().unwrap(),
            1,
            "the re-send after the lost answer was refused"
        );
        assert_eq!(lease.checks.load(Ordering::Relaxed), 2);

        // Reads are never fenced.
        let read: Result<u32> = crate::moving::with_guard(
            lease.clone(),
            run(
                &Call::read(P, "Describe"),
                &policy(),
                &Timeouts::default(),
                &DefaultClassifier,
                |n| async move { Ok(n) },
            ),
        )
        .await;
        assert_eq!(read.unwrap(), 1);
        assert_eq!(lease.checks.load(Ordering::Relaxed), 2);
    }
}
