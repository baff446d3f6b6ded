//! A token bucket shared by every request of a provider instance.
//!
//! The clouds' quotas are windows per account, not coin flips: Huawei's API gateway answers
//! `APIGW.0308 "... policy user over ratelimit,limit:200,time:5 minute"`
//! (huaweicloud/terraform-provider-huaweicloud#1335), Alibaba throttles per API and account
//! (`Throttling.User`, `Throttling.Api`). A fleet that spends its quota on polling has none left
//! for the failover that matters, so a provider takes a token before every attempt — its
//! operations and its waiters' reads alike — and waits when the bucket is empty instead of
//! being refused.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: `burst` tokens, refilled at `rate` per second.
///
/// ```
/// # tokio_test_block_on(async {
/// use eip_core::RateLimiter;
/// use std::time::Duration;
/// // Huawei's documented per-user window: 200 requests per 5 minutes.
/// let limiter = RateLimiter::per_window(200, Duration::from_secs(300));
/// limiter.acquire().await; // the first 200 go at once
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    rate_per_sec: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Tokens available now; negative when callers are queued for tokens not yet refilled.
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` saved up (both at least a tiny positive value).
    pub fn per_second(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate_per_sec: if rate.is_finite() && rate > 0.0 {
                rate
            } else {
                f64::MIN_POSITIVE
            },
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// `limit` requests per `window`, as the clouds state their quotas; the whole window's
    /// allowance may be spent at once.
    pub fn per_window(limit: u32, window: Duration) -> Self {
        let secs = window.as_secs_f64().max(1e-3);
        Self::per_second(f64::from(limit.max(1)) / secs, limit)
    }

    /// Takes one token, waiting until it is there. Callers are served in the order they asked.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tracing::debug!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "rate limiter: waiting for a token"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Reserves a token and says how long to wait for it.
    fn reserve(&self) -> Duration {
        let mut bucket = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        let refill = now.duration_since(bucket.refilled_at).as_secs_f64() * self.rate_per_sec;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.refilled_at = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-bucket.tokens / self.rate_per_sec).unwrap_or(Duration::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_window_quota_lets_its_burst_through_then_paces_the_rest() {
        let limiter = RateLimiter::per_window(5, Duration::from_secs(10));
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(1),
            "the burst is free"
        );
        limiter.acquire().await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1_999) && waited <= Duration::from_millis(2_001),
            "one token every 2 s: {waited:?}"
        );
        // Concurrent callers queue: the next three are served 2 s apart.
        let l = std::sync::Arc::new(limiter);
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let l = l.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            }));
        }
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap().duration_since(start));
        }
        done.sort();
        assert_eq!(
            done.iter().map(|d| d.as_secs()).collect::<Vec<_>>(),
            vec![4, 6, 8]
        );
    }
}
