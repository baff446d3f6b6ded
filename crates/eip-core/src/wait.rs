//! Waiters: poll an address until a condition holds.
//!
//! Polling starts fast and backs off in proportion to the time already waited: each interval is
//! `growth` (10 % by default) of the elapsed time, within `min_interval..=max_interval`. So a
//! transition is seen at most about 10 % after it happens (a 200 ms bind is seen by ~220 ms),
//! while a minute-long one costs about 70 reads (a fixed 20 ms poll would make 3,000).
//!
//! Reads are a quota too (Huawei: 200 requests per 5 minutes per user), so a provider that keeps
//! a [`Transitions`] learns how long each kind of transition usually takes. The first poll then
//! goes a `margin` (3 %) *after* the expected time, where it usually finds the transition done,
//! and the polls after a pending one are spaced by a share of the expected time (the margin,
//! doubling each time) rather than by the 10 % growth: a learned 5-second bind costs one or two
//! reads instead of sixty, and is seen within a few per cent of its end. Before anything is
//! learned, polls grow by `cold_growth` (50 %) so that even the first wait stays cheap.
//!
//! What a wait teaches: when a pending read brackets the end, its midpoint becomes the estimate
//! (of a wide cold bracket, its lower end); when the first read
//! placed after the learned time is already done, only that the transition was not longer, so
//! the estimate is set a little lower (the next first read comes a little earlier and finds out
//! whether transitions got faster); a wait done at its first read with nothing expected teaches
//! nothing (an address that was never in transition, such as a new one that is usable at once).
//!
//! `max_wait` is a deadline: a read that hangs is cut there. A `NotFound` right after a create is
//! "not visible yet" for `not_found_grace` (reads lag writes on real clouds: Terraform's Huawei
//! EIP waiter treats that 404 as pending, huaweicloud/terraform-provider-huaweicloud
//! `huaweicloud/services/eip/resource_huaweicloud_vpc_eip.go`).

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::model::{Eip, EipStatus};
use crate::provider::EipProvider;

/// The longest wait accepted; longer values saturate to it (30 days).
pub const MAX_WAIT: Duration = Duration::from_secs(30 * 24 * 3600);

/// How to poll.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// Delay before the first read (when nothing has been learned).
    pub first_delay: Duration,
    /// The shortest interval between reads.
    pub min_interval: Duration,
    /// The longest interval between reads.
    pub max_interval: Duration,
    /// The interval as a fraction of the time waited so far.
    pub growth: f64,
    /// The same, while the provider has not learned this kind of transition yet.
    pub cold_growth: f64,
    /// Once a transition time is learned: how far past it the first read goes, and the first
    /// step between the reads after it (doubling each time), as a fraction of the learned time.
    pub margin: f64,
    /// Give up after this long (at most [`MAX_WAIT`]).
    pub max_wait: Duration,
    /// How long a `NotFound` is taken for "not visible yet" (waits for an address to appear or
    /// change; not for waits until it is gone).
    pub not_found_grace: Duration,
}

impl Default for WaitPolicy {
    /// First read after 20 ms, then every 20 ms growing to 10 % of the time waited (50 % while
    /// nothing is learned; once learned, the first read 3 % past the learned time, then steps of
    /// 3 %, 6 %, 12 % … of it), at most every 5 s, for up to 5 minutes (the bind/unbind budget
    /// the clouds' own tools use); `NotFound` tolerated for 10 s.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(20),
            min_interval: Duration::from_millis(20),
            max_interval: Duration::from_secs(5),
            growth: 0.1,
            cold_growth: 0.5,
            margin: 0.03,
            max_wait: Duration::from_secs(300),
            not_found_grace: Duration::from_secs(10),
        }
    }
}

impl WaitPolicy {
    /// Sets the longest wait (saturating at [`MAX_WAIT`]).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait.min(MAX_WAIT);
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

    /// Sets how long a `NotFound` counts as "not visible yet".
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// The interval to sleep after having waited `elapsed`.
    pub fn interval_after(&self, elapsed: Duration) -> Duration {
        interval(self, self.growth, elapsed)
    }
}

fn interval(policy: &WaitPolicy, growth: f64, elapsed: Duration) -> Duration {
    elapsed
        .mul_f64(fraction(growth))
        .clamp(policy.min_interval, policy.max_interval)
}

/// A configured fraction made safe for `Duration::mul_f64` (finite, within 0..=10).
fn fraction(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 10.0)
    } else {
        0.0
    }
}

/// The kinds of transition a provider learns the duration of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransitionKind {
    /// A new address becoming usable.
    Allocate,
    /// A bind taking effect.
    Associate,
    /// An unbind taking effect.
    Disassociate,
    /// A released address disappearing.
    Release,
}

impl TransitionKind {
    fn index(self) -> usize {
        match self {
            Self::Allocate => 0,
            Self::Associate => 1,
            Self::Disassociate => 2,
            Self::Release => 3,
        }
    }

    /// The kind whose duration is the best guess while this one is unknown (a bind and an unbind
    /// take about as long on both clouds).
    fn sibling(self) -> Option<Self> {
        match self {
            Self::Associate => Some(Self::Disassociate),
            Self::Disassociate => Some(Self::Associate),
            _ => None,
        }
    }
}

/// Typical transition times learned by one provider instance: when its last wait saw the
/// transition end, or a little less when that wait found it over at its first read.
#[derive(Debug, Default)]
pub struct Transitions {
    learned: Mutex<[Option<Duration>; 4]>,
}

impl Transitions {
    /// A learner that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The typical time of `kind` (or of its sibling kind), when one has been seen.
    pub fn typical(&self, kind: TransitionKind) -> Option<Duration> {
        let learned = self.lock();
        learned[kind.index()].or_else(|| kind.sibling().and_then(|k| learned[k.index()]))
    }

    /// Records that a transition of `kind` took about `took`.
    pub fn record(&self, kind: TransitionKind, took: Duration) {
        let mut learned = self.lock();
        let slot = &mut learned[kind.index()];
        *slot = Some(match *slot {
            Some(old) => (old + took) / 2,
            None => took,
        });
    }

    /// Sets the typical time of `kind` to `took`.
    fn replace(&self, kind: TransitionKind, took: Duration) {
        self.lock()[kind.index()] = Some(took);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [Option<Duration>; 4]> {
        match self.learned.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
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
pub async fn poll<T, F, Fut>(policy: &WaitPolicy, check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>>>,
{
    poll_scheduled(policy, Schedule::Plain, check)
        .await
        .map(|(value, _)| value)
}

#[derive(Clone, Copy, Debug)]
enum Schedule {
    /// `first_delay`, then `growth`.
    Plain,
    /// Nothing learned yet: `first_delay`, then `cold_growth`.
    Cold,
    /// First read `margin` past the expected time, then steps of `margin`, doubling, of it.
    Expect(Duration),
}

impl Schedule {
    /// When the first read is due, from the start of the wait.
    fn first(self, policy: &WaitPolicy) -> Duration {
        match self {
            Self::Plain | Self::Cold => policy.first_delay,
            Self::Expect(typical) => policy
                .first_delay
                .max(typical.saturating_add(typical.mul_f64(fraction(policy.margin)))),
        }
    }

    /// The interval after the `pending`-th pending read (1-based), scheduled at `scheduled`.
    fn after(self, policy: &WaitPolicy, pending: u32, scheduled: Duration) -> Duration {
        match self {
            Self::Plain => interval(policy, policy.growth, scheduled),
            Self::Cold => interval(policy, policy.cold_growth, scheduled),
            Self::Expect(typical) => {
                // A share of the expected time, not of the time waited: at the expected time
                // 10 % of the time waited is a tenth of the transition, twice the margin.
                let doublings = pending.saturating_sub(1).min(20);
                let step = typical.mul_f64(fraction(policy.margin) * f64::from(1u32 << doublings));
                step.clamp(policy.min_interval, policy.max_interval)
            }
        }
    }

    /// What a wait done at `read_at` teaches, `last_pending` being its last pending read.
    fn learned(
        self,
        policy: &WaitPolicy,
        last_pending: Option<Duration>,
        read_at: Duration,
    ) -> Option<Lesson> {
        let margin = fraction(policy.margin);
        match (last_pending, self) {
            // A bracket a step of the expected time wide, past the expected time: its midpoint
            // is the new estimate (averaging it with the estimate it just proved too short would
            // keep the next wait short too).
            (Some(before), Self::Expect(_)) => {
                Some(Lesson::Exactly(before + read_at.saturating_sub(before) / 2))
            }
            // A cold bracket is as wide as the growth (50 %): its lower end, the one thing known
            // (the transition took longer). The next wait's first read then comes just after it
            // and its doubling steps close in from below; a midpoint could be a quarter too
            // long, and an estimate too long costs time on every wait until it is worn down.
            (Some(before), Self::Plain | Self::Cold) => Some(Lesson::Around(before)),
            // Done where it was expected: no longer than that, maybe shorter. The next first
            // read comes a few margins earlier and finds out: if it is pending, one step later
            // brackets the end (a read more), while an estimate left too high would cost time
            // on every wait.
            (None, Self::Expect(_)) => Some(Lesson::Exactly(
                read_at.mul_f64((1.0 - 3.0 * margin).max(0.0)),
            )),
            (None, Self::Plain | Self::Cold) => None,
        }
    }
}

/// What one wait teaches about a kind of transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lesson {
    /// It ended somewhere in a wide bracket, about then: averaged with what was known.
    Around(Duration),
    /// The new estimate.
    Exactly(Duration),
}

/// What a wait learned (see [`Schedule::learned`]).
#[derive(Clone, Copy, Debug)]
struct Observed {
    lesson: Option<Lesson>,
}

async fn poll_scheduled<T, F, Fut>(
    policy: &WaitPolicy,
    schedule: Schedule,
    mut check: F,
) -> Result<(T, Observed)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>>>,
{
    let started = Instant::now();
    let max_wait = policy.max_wait.min(MAX_WAIT);
    let deadline = started.checked_add(max_wait).unwrap_or(started);
    let first = schedule.first(policy);
    // Polls are scheduled from the start, not from the end of the previous read, so the time a
    // read takes does not push every later poll back (a 300 ms transition is seen at the 322 ms
    // poll, not after a drift of one round trip per poll).
    let mut next = (started + first.min(max_wait)).min(deadline);
    let mut polls = 0u32;
    let mut pending = 0u32;
    let mut last_pending: Option<Duration> = None;
    let mut last: Option<Box<Eip>> = None;
    loop {
        tokio::time::sleep_until(next).await;
        polls = polls.saturating_add(1);
        let read_at = started.elapsed();
        let progress = match tokio::time::timeout_at(deadline.max(Instant::now()), check()).await {
            Ok(progress) => progress?,
            // The read hung past the deadline: the deadline wins.
            Err(_) => {
                return Err(Error::WaitTimeout {
                    waited: started.elapsed(),
                    last,
                })
            }
        };
        match progress {
            Progress::Done(value) => {
                let lesson = schedule.learned(policy, last_pending, read_at);
                tracing::debug!(
                    polls,
                    waited_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    "wait done"
                );
                return Ok((value, Observed { lesson }));
            }
            Progress::Pending(seen) => {
                pending = pending.saturating_add(1);
                last_pending = Some(read_at);
                if seen.is_some() {
                    last = seen;
                }
            }
        }
        if let Some(eip) = &last {
            if eip.status.is_failed() {
                return Err(Error::WaitFailed {
                    status: eip.status.clone(),
                    last,
                });
            }
        }
        let waited = started.elapsed();
        if Instant::now() >= deadline {
            return Err(Error::WaitTimeout { waited, last });
        }
        let scheduled = next - started;
        // A read slower than the interval is followed by the next one straight away, never by two.
        next = (next + schedule.after(policy, pending, scheduled))
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
    until_kind(provider, id, policy, None, done).await
}

/// Waits until `done` holds, learning (and using) the typical time of `kind` when the provider
/// keeps [`Transitions`].
pub async fn until_kind<P, F>(
    provider: &P,
    id: &str,
    policy: &WaitPolicy,
    kind: Option<TransitionKind>,
    done: F,
) -> Result<Eip>
where
    P: EipProvider + ?Sized,
    F: Fn(&Eip) -> bool,
{
    let started = Instant::now();
    let (learner, schedule) = schedule_for(provider, kind);
    let (eip, observed) = poll_scheduled(policy, schedule, || async {
        match provider.get(id).await {
            Ok(eip) if done(&eip) => Ok(Progress::Done(eip)),
            Ok(eip) => Ok(Progress::Pending(Some(Box::new(eip)))),
            Err(Error::NotFound { .. }) if started.elapsed() < policy.not_found_grace => {
                Ok(Progress::Pending(None))
            }
            Err(other) => Err(other),
        }
    })
    .await?;
    learn(learner, observed);
    Ok(eip)
}

/// Waits until the address no longer exists.
pub async fn until_gone<P>(provider: &P, id: &str, policy: &WaitPolicy) -> Result<()>
where
    P: EipProvider + ?Sized,
{
    let (learner, schedule) = schedule_for(provider, Some(TransitionKind::Release));
    let ((), observed) = poll_scheduled(policy, schedule, || async {
        match provider.get(id).await {
            Ok(eip) => Ok(Progress::Pending(Some(Box::new(eip)))),
            Err(Error::NotFound { .. }) => Ok(Progress::Done(())),
            Err(other) => Err(other),
        }
    })
    .await?;
    learn(learner, observed);
    Ok(())
}

/// The transition kind a wait for `status` is about.
pub fn kind_for_status(status: &EipStatus) -> Option<TransitionKind> {
    match status {
        EipStatus::Bound => Some(TransitionKind::Associate),
        EipStatus::Available => Some(TransitionKind::Disassociate),
        _ => None,
    }
}

fn schedule_for<P: EipProvider + ?Sized>(
    provider: &P,
    kind: Option<TransitionKind>,
) -> (Option<(&Transitions, TransitionKind)>, Schedule) {
    match (provider.transitions(), kind) {
        (Some(learner), Some(kind)) => {
            let schedule = match learner.typical(kind) {
                Some(typical) => Schedule::Expect(typical),
                None => Schedule::Cold,
            };
            (Some((learner, kind)), schedule)
        }
        _ => (None, Schedule::Plain),
    }
}

fn learn(learner: Option<(&Transitions, TransitionKind)>, observed: Observed) {
    match (learner, observed.lesson) {
        (Some((learner, kind)), Some(Lesson::Around(took))) => learner.record(kind, took),
        (Some((learner, kind)), Some(Lesson::Exactly(took))) => learner.replace(kind, took),
        _ => {}
    }
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

    #[tokio::test(start_paused = true)]
    async fn max_wait_is_a_deadline_even_for_a_read_that_hangs() {
        let start = Instant::now();
        let policy = WaitPolicy::default().max_wait(Duration::from_millis(500));
        let result: Result<()> = poll(&policy, || async {
            tokio::time::sleep(Duration::from_secs(8)).await;
            Ok(Progress::Pending(None))
        })
        .await;
        assert!(
            matches!(result, Err(Error::WaitTimeout { .. })),
            "{result:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_max_wait_saturates_instead_of_overflowing() {
        let policy = WaitPolicy::default().max_wait(Duration::MAX);
        assert_eq!(policy.max_wait, MAX_WAIT);
        // Set directly, bypassing the setter.
        let raw = WaitPolicy {
            max_wait: Duration::MAX,
            ..WaitPolicy::default()
        };
        let done = poll(&raw, || async { Ok(Progress::Done(7)) })
            .await
            .unwrap();
        assert_eq!(done, 7);
    }

    /// A provider whose one address is invisible until `visible_at`, then changes from
    /// `Associating` to `Bound` at `bound_at`; it counts reads and keeps a learner.
    #[derive(Debug)]
    struct Lagging {
        start: Instant,
        visible_at: Duration,
        bound_at: std::sync::Mutex<Duration>,
        reads: std::sync::atomic::AtomicU32,
        learner: Transitions,
        caps: crate::Capabilities,
    }

    impl Lagging {
        fn new(visible_at: Duration, bound_at: Duration) -> Self {
            Self {
                start: Instant::now(),
                visible_at,
                bound_at: std::sync::Mutex::new(bound_at),
                reads: Default::default(),
                learner: Transitions::new(),
                caps: crate::Capabilities::new(crate::TextRule {
                    min_chars: 1,
                    max_chars: 8,
                    starts_with_letter: false,
                    charset: crate::Charset::Printable,
                    forbidden_prefixes: &[],
                }),
            }
        }
        fn reads(&self) -> u32 {
            self.reads.swap(0, std::sync::atomic::Ordering::Relaxed)
        }
    }

    #[async_trait::async_trait]
    impl EipProvider for Lagging {
        fn kind(&self) -> ProviderKind {
            ProviderKind::new("test")
        }
        fn region(&self) -> &str {
            "r"
        }
        fn capabilities(&self) -> &crate::Capabilities {
            &self.caps
        }
        fn transitions(&self) -> Option<&Transitions> {
            Some(&self.learner)
        }
        async fn allocate(&self, _: &crate::AllocateRequest) -> Result<Eip> {
            Err(Error::Unsupported {
                what: "allocate".into(),
            })
        }
        async fn get(&self, _id: &str) -> Result<Eip> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let now = self.start.elapsed();
            if now < self.visible_at {
                return Err(Error::not_found("eip eip-1"));
            }
            let bound_at = *self.bound_at.lock().unwrap();
            Ok(eip(if now >= bound_at {
                EipStatus::Bound
            } else {
                EipStatus::Associating
            }))
        }
        async fn list_page(
            &self,
            _: &crate::ListFilter,
            _: &crate::PageRequest,
        ) -> Result<crate::Page> {
            Err(Error::Unsupported {
                what: "list".into(),
            })
        }
        async fn associate(&self, _: &str, _: &crate::AssociateTarget) -> Result<()> {
            Err(Error::Unsupported {
                what: "associate".into(),
            })
        }
        async fn disassociate(&self, _: &str, _: Option<&crate::AssociateTarget>) -> Result<()> {
            Err(Error::Unsupported {
                what: "disassociate".into(),
            })
        }
        async fn modify(&self, _: &str, _: &crate::Modification) -> Result<()> {
            Err(Error::Unsupported {
                what: "modify".into(),
            })
        }
        async fn release(&self, _: &str) -> Result<()> {
            Err(Error::Unsupported {
                what: "release".into(),
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn not_found_right_after_a_create_is_waited_out_within_the_grace() {
        let p = Lagging::new(Duration::from_millis(2_500), Duration::ZERO);
        let policy = WaitPolicy::default();
        let eip = until(&p, "eip-1", &policy, |e| e.status.is_bound())
            .await
            .unwrap();
        assert_eq!(eip.status, EipStatus::Bound);
        // Past the grace, NotFound is the answer.
        let gone = Lagging::new(Duration::from_secs(3_600), Duration::ZERO);
        let result = until(
            &gone,
            "eip-1",
            &policy.clone().not_found_grace(Duration::from_secs(1)),
            |_| true,
        )
        .await;
        assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_learned_transition_costs_a_few_reads() {
        let p = Lagging::new(Duration::ZERO, Duration::from_secs(5));
        async fn wait(p: &Lagging) -> Duration {
            *p.bound_at.lock().unwrap() = p.start.elapsed() + Duration::from_secs(5);
            let began = Instant::now();
            until_kind(
                p,
                "eip-1",
                &WaitPolicy::default(),
                Some(TransitionKind::Associate),
                |e| e.status.is_bound(),
            )
            .await
            .unwrap();
            began.elapsed()
        }
        let cold_took = wait(&p).await;
        let cold_reads = p.reads();
        assert!(cold_reads <= 16, "cold: {cold_reads} reads");
        assert!(
            cold_took <= Duration::from_millis(7_500),
            "cold: {cold_took:?}"
        );
        for warm in 0..3 {
            let took = wait(&p).await;
            let reads = p.reads();
            // The first warm wait closes in on the end from the cold bracket's lower end.
            let most = if warm == 0 { 5 } else { 3 };
            assert!(reads <= most, "warm: {reads} reads");
            assert!(
                took <= Duration::from_millis(5_500),
                "warm: seen after {took:?}"
            );
        }
    }

    /// Waits one 5 s bind on `p` (bound 5 s after the wait starts); its duration and reads.
    async fn bind_wait(p: &Lagging, transition: Duration) -> (Duration, u32) {
        *p.bound_at.lock().unwrap() = p.start.elapsed() + transition;
        let began = Instant::now();
        until_kind(
            p,
            "eip-1",
            &WaitPolicy::default(),
            Some(TransitionKind::Associate),
            |e| e.status.is_bound(),
        )
        .await
        .unwrap();
        (began.elapsed(), p.reads())
    }

    #[tokio::test(start_paused = true)]
    async fn learned_waits_stay_near_the_transition_at_one_or_two_reads() {
        let p = Lagging::new(Duration::ZERO, Duration::from_secs(5));
        let transition = Duration::from_secs(5);
        // Cold, then the first wait that narrows the cold estimate.
        bind_wait(&p, transition).await;
        bind_wait(&p, transition).await;
        let (mut reads, mut worst) = (0, Duration::ZERO);
        for _ in 0..20 {
            let (took, n) = bind_wait(&p, transition).await;
            assert!(n <= 3, "a warm wait made {n} reads");
            reads += n;
            worst = worst.max(took);
        }
        // The first read goes 3 % past the estimate; a pending one is followed 3 % later.
        assert!(
            worst <= transition.mul_f64(1.07),
            "seen {worst:?} after a 5 s transition"
        );
        assert!(reads <= 45, "{reads} reads for 20 warm waits");
    }

    #[tokio::test(start_paused = true)]
    async fn a_transition_that_got_faster_is_learned_within_a_few_waits() {
        let p = Lagging::new(Duration::ZERO, Duration::from_secs(5));
        for _ in 0..3 {
            bind_wait(&p, Duration::from_secs(5)).await;
        }
        let mut last = Duration::MAX;
        for _ in 0..16 {
            last = bind_wait(&p, Duration::from_secs(2)).await.0;
        }
        assert!(last <= Duration::from_millis(2_200), "seen after {last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_done_at_its_first_read_with_nothing_expected_teaches_nothing() {
        // A new address usable at once says nothing about how long an unbind takes.
        let p = Lagging::new(Duration::ZERO, Duration::ZERO);
        until_kind(
            &p,
            "eip-1",
            &WaitPolicy::default(),
            Some(TransitionKind::Disassociate),
            |_| true,
        )
        .await
        .unwrap();
        assert_eq!(p.learner.typical(TransitionKind::Disassociate), None);
    }
}
