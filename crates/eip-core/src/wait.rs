//! Waiters: poll an address until a condition holds.
//!
//! Polling starts fast and backs off in proportion to the time already waited: each interval is
//! `growth` (10 % by default) of the elapsed time, within `min_interval..=max_interval`. So a
//! transition is seen at most about 10 % after it happens (a 200 ms bind is seen by ~220 ms),
//! while a minute-long one costs about 70 reads (a fixed 20 ms poll would make 3,000).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::model::Eip;
use crate::provider::EipProvider;

/// How to poll.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// Delay before the first read.
    pub first_delay: Duration,
    /// The shortest interval between reads.
    pub min_interval: Duration,
    /// The longest interval between reads.
    pub max_interval: Duration,
    /// The interval as a fraction of the time waited so far.
    pub growth: f64,
    /// Give up after this long.
    pub max_wait: Duration,
}

impl Default for WaitPolicy {
    /// First read after 20 ms, then every 20 ms growing to 10 % of the time waited, at most every
    /// 5 s, for up to 5 minutes (the bind/unbind budget the clouds' own tools use).
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(20),
            min_interval: Duration::from_millis(20),
            max_interval: Duration::from_secs(5),
            growth: 0.1,
            max_wait: Duration::from_secs(300),
        }
    }
}

impl WaitPolicy {
    /// Sets the longest wait.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Sets the shortest and the longest interval.
    pub fn intervals(mut self, min: Duration, max: Duration) -> Self {
        self.min_interval = min;
        self.max_interval = max.max(min);
        self
    }

    /// Sets the delay before the first read.
    pub fn first_delay(mut self, delay: Duration) -> Self {
        self.first_delay = delay;
        self
    }

    /// The interval to sleep after having waited `elapsed`.
    pub fn interval_after(&self, elapsed: Duration) -> Duration {
        elapsed
            .mul_f64(self.growth.max(0.0))
            .clamp(self.min_interval, self.max_interval)
    }
}

/// The result of one poll.
#[derive(Debug)]
pub enum Progress<T> {
    /// The condition holds.
    Done(T),
    /// Not yet; the address as seen now (if it was read).
    Pending(Option<Box<Eip>>),
}

/// Polls `check` with `policy` until it reports [`Progress::Done`], fails, or time runs out.
///
/// An error from `check` ends the wait (the provider has already retried what was retryable).
/// A pending address in a failed or locked state ends it with [`Error::WaitFailed`].
pub async fn poll<T, F, Fut>(policy: &WaitPolicy, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>>>,
{
    let started = Instant::now();
    // Polls are scheduled from the start, not from the end of the previous read, so the time a
    // read takes does not push every later poll back (a 300 ms transition is seen at the 322 ms
    // poll, not after a drift of one round trip per poll).
    let mut next = started + policy.first_delay;
    let mut polls = 0u32;
    loop {
        tokio::time::sleep_until(next).await;
        polls += 1;
        let last = match check().await? {
            Progress::Done(value) => {
                tracing::debug!(
                    polls,
                    waited_ms = started.elapsed().as_millis() as u64,
                    "wait done"
                );
                return Ok(value);
            }
            Progress::Pending(last) => last,
        };
        if let Some(eip) = &last {
            if eip.status.is_failed() {
                return Err(Error::WaitFailed {
                    status: eip.status.clone(),
                    last,
                });
            }
        }
        let waited = started.elapsed();
        if waited >= policy.max_wait {
            return Err(Error::WaitTimeout { waited, last });
        }
        let scheduled = next - started;
        let deadline = started + policy.max_wait;
        // A read slower than the interval is followed by the next one straight away, never by two.
        next = (next + policy.interval_after(scheduled))
            .max(Instant::now())
            .min(deadline);
    }
}

/// Waits until `done` holds for the address.
pub async fn until<P, F>(provider: &P, id: &str, policy: &WaitPolicy, done: F) -> Result<Eip>
where
    P: EipProvider + ?Sized,
    F: Fn(&Eip) -> bool,
{
    poll(policy, || async {
        let eip = provider.get(id).await?;
        Ok(if done(&eip) {
            Progress::Done(eip)
        } else {
            Progress::Pending(Some(Box::new(eip)))
        })
    })
    .await
}

/// Waits until the address no longer exists.
pub async fn until_gone<P>(provider: &P, id: &str, policy: &WaitPolicy) -> Result<()>
where
    P: EipProvider + ?Sized,
{
    poll(policy, || async {
        match provider.get(id).await {
            Ok(eip) => Ok(Progress::Pending(Some(Box::new(eip)))),
            Err(Error::NotFound { .. }) => Ok(Progress::Done(())),
            Err(other) => Err(other),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{EipStatus, ProviderKind};

    fn eip(status: EipStatus) -> Eip {
        Eip::new(
            ProviderKind::new("test"),
            "r",
            "eip-1",
            "1.2.3.4".parse().unwrap(),
            status,
            "raw",
        )
    }

    /// A status that changes from `before` to `after` at `at` (virtual time).
    fn status_at(start: Instant, at: Duration, before: EipStatus, after: EipStatus) -> EipStatus {
        if start.elapsed() >= at {
            after
        } else {
            before
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_200ms_transition_is_seen_within_ten_percent() {
        let start = Instant::now();
        let at = Duration::from_millis(200);
        let mut reads = 0;
        let seen = poll(&WaitPolicy::default(), || {
            reads += 1;
            let status = status_at(start, at, EipStatus::Associating, EipStatus::Bound);
            async move {
                Ok(if status.is_bound() {
                    Progress::Done(start.elapsed())
                } else {
                    Progress::Pending(Some(Box::new(eip(status))))
                })
            }
        })
        .await
        .unwrap();
        assert!(seen >= at && seen <= at + at / 10, "seen at {seen:?}");
        assert!(reads <= 12, "{reads} reads");
    }

    #[tokio::test(start_paused = true)]
    async fn long_transitions_cost_few_reads() {
        let start = Instant::now();
        let at = Duration::from_secs(60);
        let mut reads = 0;
        let seen = poll(&WaitPolicy::default(), || {
            reads += 1;
            let status = status_at(start, at, EipStatus::Releasing, EipStatus::Available);
            async move {
                Ok(if status == EipStatus::Available {
                    Progress::Done(start.elapsed())
                } else {
                    Progress::Pending(None)
                })
            }
        })
        .await
        .unwrap();
        assert!(seen <= at + at / 10, "seen at {seen:?}");
        // 10 reads at the 20 ms floor up to 200 ms, then one per 10 % growth:
        // ln(60 s / 200 ms) / ln(1.1) = 60 more. A fixed 20 ms poll would make 3,000.
        assert!(reads <= 72, "{reads} reads for a one-minute wait");
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_state() {
        let start = Instant::now();
        let policy = WaitPolicy::default().max_wait(Duration::from_secs(2));
        let result: Result<()> = poll(&policy, || async {
            Ok(Progress::Pending(Some(Box::new(eip(
                EipStatus::Associating,
            )))))
        })
        .await;
        match result {
            Err(Error::WaitTimeout {
                waited,
                last: Some(last),
            }) => {
                assert_eq!(last.status, EipStatus::Associating);
                assert_eq!(waited, Duration::from_secs(2));
            }
            other => panic!("expected WaitTimeout, got {other:?}"),
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_state_is_not_waited_out() {
        let start = Instant::now();
        let result: Result<()> = poll(&WaitPolicy::default(), || async {
            Ok(Progress::Pending(Some(Box::new(eip(EipStatus::Failed)))))
        })
        .await;
        assert!(matches!(
            result,
            Err(Error::WaitFailed {
                status: EipStatus::Failed,
                ..
            })
        ));
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "gave up after {:?}",
            start.elapsed()
        );
        let locked: Result<()> = poll(&WaitPolicy::default(), || async {
            Ok(Progress::Pending(Some(Box::new(eip(EipStatus::Locked)))))
        })
        .await;
        assert!(matches!(
            locked,
            Err(Error::WaitFailed {
                status: EipStatus::Locked,
                ..
            })
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_read_comes_fast() {
        let start = Instant::now();
        let first = poll(&WaitPolicy::default(), || async move {
            Ok(Progress::Done(start.elapsed()))
        })
        .await
        .unwrap();
        assert_eq!(first, Duration::from_millis(20));
    }
}
