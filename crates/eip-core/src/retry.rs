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
}

impl Call {
    /// A read (always idempotent).
    pub fn read(provider: ProviderKind, action: &'static str) -> Self {
        Self {
            provider,
            action,
            idempotent: true,
        }
    }

    /// A write; `idempotent` when it carries a token the cloud deduplicates on.
    pub fn write(provider: ProviderKind, action: &'static str, idempotent: bool) -> Self {
        Self {
            provider,
            action,
            idempotent,
        }
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
/// new timestamp, same idempotency token). A failure that may have reached the cloud (a timeout
/// after sending, a connection dropped mid-answer) is retried only when `call.idempotent`;
/// otherwise it is returned as is, for the provider to reconcile.
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
    let span = tracing::info_span!(
        "eip.operation",
        provider = %call.provider,
        action = call.action,
        idempotent = call.idempotent,
    );
    let started = Instant::now();
    let attempts = async {
        let mut number = 0u32;
        loop {
            number += 1;
            if let Some(stats) = &policy.stats {
                stats.attempts.fetch_add(1, Ordering::Relaxed);
                if number > 1 {
                    stats.retries.fetch_add(1, Ordering::Relaxed);
                }
            }
            let attempt_span = tracing::debug_span!(
                "eip.attempt",
                attempt = number,
                request_id = tracing::field::Empty,
            );
            let outcome = match tokio::time::timeout(timeouts.attempt, attempt(number))
                .instrument(attempt_span)
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Timeout {
                    operation: call.action.to_owned(),
                    elapsed: timeouts.attempt,
                    maybe_sent: true,
                }),
            };
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let after = match classifier.classify(&error) {
                RetryAction::Stop => return Err(error),
                RetryAction::Retry { .. } if error.maybe_sent() && !call.idempotent => {
                    tracing::debug!(%error, "not retrying: the request may have been processed and is not idempotent");
                    return Err(error);
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
                return Err(error);
            }
            tracing::debug!(%error, attempt = number, delay_ms = delay.as_millis() as u64, "retrying");
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

/// Sends a write the cloud does not deduplicate, so that it takes effect at most once even when
/// answers are lost, and still gets through when a lost request never arrived.
///
/// `send` runs the write (through [`run`], which never repeats it after a possible send). When
/// its outcome is unknown ([`Error::outcome_unknown`]: the answer was lost, or a 2xx could not be
/// read), `settle` reads the resource back: applied → success;
/// provably not applied → send again, up to `rounds` sends in all; unknown → the original error.
/// An error from `settle` is returned as is.
pub async fn at_most_once<T, S, SF, C, CF>(rounds: u32, mut send: S, mut settle: C) -> Result<T>
where
    S: FnMut() -> SF,
    SF: Future<Output = Result<T>>,
    C: FnMut() -> CF,
    CF: Future<Output = Result<Settled<T>>>,
{
    let rounds = rounds.max(1);
    let mut round = 0;
    loop {
        round += 1;
        let error = match send().await {
            Ok(value) => return Ok(value),
            Err(error) if error.outcome_unknown() => error,
            Err(error) => return Err(error),
        };
        match settle().await? {
            Settled::Applied(value) => {
                tracing::debug!(%error, "the answer was lost but the write took effect");
                return Ok(value);
            }
            Settled::NotApplied if round < rounds => {
                tracing::debug!(%error, round, "the answer was lost and the write did not take effect; sending it again");
            }
            Settled::NotApplied | Settled::Unknown => return Err(error),
        }
    }
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

    #[tokio::test]
    async fn at_most_once_resends_only_what_provably_did_not_happen() {
        // Lost twice, not applied each time, then answered: three sends.
        let mut sends = 0;
        let value = at_most_once(
            5,
            || {
                sends += 1;
                let n = sends;
                async move {
                    if n < 3 {
                        Err(lost())
                    } else {
                        Ok(n)
                    }
                }
            },
            || async { Ok(Settled::NotApplied) },
        )
        .await
        .unwrap();
        assert_eq!((value, sends), (3, 3));
        // Lost but applied: one send, success.
        let mut sends = 0;
        let value: u32 = at_most_once(
            5,
            || {
                sends += 1;
                async { Err(lost()) }
            },
            || async { Ok(Settled::Applied(7)) },
        )
        .await
        .unwrap();
        assert_eq!((value, sends), (7, 1));
        // Unknown: the original error, no resend.
        let mut sends = 0;
        let result: Result<()> = at_most_once(
            5,
            || {
                sends += 1;
                async { Err(lost()) }
            },
            || async { Ok(Settled::Unknown) },
        )
        .await;
        assert!(matches!(result, Err(Error::Transport { .. })) && sends == 1);
        // Never more than `rounds` sends.
        let mut sends = 0;
        let result: Result<()> = at_most_once(
            4,
            || {
                sends += 1;
                async { Err(lost()) }
            },
            || async { Ok(Settled::NotApplied) },
        )
        .await;
        assert!(result.is_err() && sends == 4);
        // A refusal that was answered is not settled.
        let mut settles = 0;
        let result: Result<()> = at_most_once(
            4,
            || async { Err(Error::not_found("x")) },
            || {
                settles += 1;
                async { Ok(Settled::NotApplied) }
            },
        )
        .await;
        assert!(matches!(result, Err(Error::NotFound { .. })) && settles == 0);
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
}
