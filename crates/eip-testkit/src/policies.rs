//! The one set of fast policies for tests: retries, waits and timeouts scaled down to the
//! emulator's 30 ms transitions, so fault tests take milliseconds, not minutes.

use std::time::Duration;

use eip_core::retry::SettlePolicy;
use eip_core::{RetryPolicy, Timeouts, WaitPolicy};

/// The emulator's transition time in tests: fast, but long enough to observe `Associating` /
/// `Unassociating` between two reads.
pub const TRANSITION: Duration = Duration::from_millis(30);

/// Retries for tests: the default number of attempts (10, so a test sees the same request
/// bound as a user), backoff caps from 2 ms doubling to 40 ms, a 20 s budget, and a lost
/// answer settled by [`fast_settle`]: over [`SETTLE_WINDOW`] with a read every 20 ms (the emulator shows a write at
/// once unless a test turns read lag on; such a test sets a window longer than its lag).
///
/// A test that needs another count says so: `fast_retry().max_attempts(3)`.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .delays(Duration::from_millis(2), Duration::from_millis(40))
        .budget(Duration::from_secs(20))
        .with_settle(fast_settle())
}

/// Settling for tests: a [`SETTLE_WINDOW`] window, a read every 20 ms, and up to 64 read-backs
/// per call, so that a call meeting several lost answers under a fault test's rates (each
/// spends the window's 16 reads) is still settled rather than given up on.
pub fn fast_settle() -> SettlePolicy {
    let mut settle = SettlePolicy::new(SETTLE_WINDOW, Duration::from_millis(20));
    settle.max_reads = 64;
    settle
}

/// How long after a lost answer [`fast_retry`] still reads back before believing "not applied".
pub const SETTLE_WINDOW: Duration = Duration::from_millis(300);

/// Waits for tests: polls from 5 ms growing to 50 ms, the first after 5 ms, for up to 20 s
/// (a generous ceiling that only a broken test reaches).
pub fn fast_wait() -> WaitPolicy {
    WaitPolicy::default()
        .intervals(Duration::from_millis(5), Duration::from_millis(50))
        .first_delay(Duration::from_millis(5))
        .max_wait(Duration::from_secs(20))
}

/// Timeouts for tests on loopback: 2 s to connect, 5 s per attempt, 30 s per operation.
pub fn fast_timeouts() -> Timeouts {
    Timeouts::new(
        Duration::from_secs(2),
        Duration::from_secs(5),
        Duration::from_secs(30),
    )
}
