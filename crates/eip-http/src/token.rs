//! [`TokenCache`]: one cache for every expiring credential (IAM tokens, STS keys), in the shape
//! of object_store's `client/token.rs`.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use eip_core::Error;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A credential and when it stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemporaryToken<T> {
    /// The credential.
    pub token: T,
    /// When it expires; `None` for one that does not.
    pub expiry: Option<Instant>,
}

/// A cache of one expiring credential, refreshed by the caller's closure.
///
/// - **Fast path**: a token with more than `min_ttl` left is returned under a read lock, with
///   no waiting and no `await`. With [`TokenCache::with_half_life_cap`] the margin never
///   exceeds half of the token's lifetime (counted from when it was cached).
/// - **Single flight**: a refresh runs under a lock and re-checks the cache first, so callers
///   arriving together on a cold or stale cache wait for the ONE refresh and share its token.
/// - **Failure while valid**: when a refresh fails but the cached token has not expired yet,
///   it keeps being served (the failure is logged at debug level).
/// - **Bounded backoff**: after a failed refresh the next one waits `initial`, doubling up to
///   `max` per further failure. Meanwhile a still-valid token is served, and callers without
///   one get a copy of the last refresh error at once (same kind, code and request id;
///   `maybe_sent: false`, since nothing was sent), without a request. So a failing token
///   service sees at most one request per backoff interval, however many callers there are.
/// - **Holding a failure**: [`TokenCache::with_failure_hold`] keeps chosen failures longer (a
///   refused password, which an identity service counts towards locking the account);
///   [`TokenCache::reset`] forgets them (after a credential change).
///
/// ```
/// use std::time::Duration;
/// use eip_http::{TemporaryToken, TokenCache};
/// use tokio::time::Instant;
///
/// # tokio_test_block_on(async {
/// let cache: TokenCache<String> = TokenCache::new().with_min_ttl(Duration::from_secs(60));
/// let token = cache
///     .get_or_insert_with(|| async {
///         // The one request to the token service goes here.
///         Ok::<_, eip_core::Error>(TemporaryToken {
///             token: "t-1".to_owned(),
///             expiry: Some(Instant::now() + Duration::from_secs(3600)),
///         })
///     })
///     .await?;
/// assert_eq!(token, "t-1");
/// assert_eq!(cache.refreshes(), 1);
/// # Ok::<_, eip_core::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
pub struct TokenCache<T> {
    /// The token and when it was cached.
    cached: RwLock<Option<(TemporaryToken<T>, Instant)>>,
    refresh: Mutex<Failures>,
    min_ttl: Duration,
    half_life_cap: bool,
    backoff_initial: Duration,
    backoff_max: Duration,
    hold: Option<FailureHold>,
    refreshes: AtomicU64,
}

/// How long to hold a failure instead of the backoff, when it says.
type FailureHold = Arc<dyn Fn(&Error) -> Option<Duration> + Send + Sync>;

#[derive(Debug, Default)]
struct Failures {
    consecutive: u32,
    next_refresh: Option<Instant>,
    last: Option<Error>,
}

impl<T> fmt::Debug for TokenCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token itself.
        f.debug_struct("TokenCache")
            .field("min_ttl", &self.min_ttl)
            .field("backoff_initial", &self.backoff_initial)
            .field("backoff_max", &self.backoff_max)
            .field("failure_hold", &self.hold.is_some())
            .field("refreshes", &self.refreshes.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T: Clone> Default for TokenCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> TokenCache<T> {
    /// An empty cache: refresh when less than 5 minutes are left, back off 1 s doubling to
    /// 30 s between failed refreshes.
    pub fn new() -> Self {
        Self {
            cached: RwLock::new(None),
            refresh: Mutex::new(Failures::default()),
            min_ttl: Duration::from_secs(300),
            half_life_cap: false,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            hold: None,
            refreshes: AtomicU64::new(0),
        }
    }

    /// Refreshes a token once less than `min_ttl` of its life is left.
    pub fn with_min_ttl(mut self, min_ttl: Duration) -> Self {
        self.min_ttl = min_ttl;
        self
    }

    /// Caps the `min_ttl` margin at half of each token's lifetime (counted from when it was
    /// cached), so a token that lives less than `2 * min_ttl` is used for half its life
    /// instead of being refreshed on every call.
    pub fn with_half_life_cap(mut self) -> Self {
        self.half_life_cap = true;
        self
    }

    /// Waits `initial` after a failed refresh, doubling per further failure up to `max`.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max.max(initial);
        self
    }

    /// Holds a failed refresh for the duration `hold` gives it instead of the backoff (`None`:
    /// the backoff applies). For a refused password: remember the refusal for minutes rather
    /// than asking the identity service again, until [`TokenCache::reset`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use eip_core::Error;
    /// let cache = eip_http::TokenCache::<String>::new().with_failure_hold(|e| {
    ///     matches!(e, Error::Unauthenticated { .. }).then_some(Duration::from_secs(300))
    /// });
    /// # drop(cache);
    /// ```
    pub fn with_failure_hold(
        mut self,
        hold: impl Fn(&Error) -> Option<Duration> + Send + Sync + 'static,
    ) -> Self {
        self.hold = Some(Arc::new(hold));
        self
    }

    /// Refreshes started so far (successful or not).
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// The cached token when it has more than `min_ttl` left, else a fresh one from `refresh`
    /// (see the type's documentation for single flight, failures and backoff).
    pub async fn get_or_insert_with<F, Fut>(&self, refresh: F) -> Result<T, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TemporaryToken<T>, Error>>,
    {
        if let Some(token) = self.cached_if(|expiry, cached_at| self.fresh(expiry, cached_at)) {
            return Ok(token);
        }
        let mut failures = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited for the lock.
        if let Some(token) = self.cached_if(|expiry, cached_at| self.fresh(expiry, cached_at)) {
            return Ok(token);
        }
        if failures
            .next_refresh
            .is_some_and(|next| Instant::now() < next)
        {
            if let Some(token) = self.cached_if(still_valid) {
                return Ok(token);
            }
            if let Some(last) = &failures.last {
                return Err(replay(last));
            }
        }
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        match refresh().await {
            Ok(fresh) => {
                *failures = Failures::default();
                let token = fresh.token.clone();
                *self.cached.write().unwrap_or_else(PoisonError::into_inner) =
                    Some((fresh, Instant::now()));
                Ok(token)
            }
            Err(error) => {
                failures.consecutive = failures.consecutive.saturating_add(1);
                let delay = self
                    .hold
                    .as_ref()
                    .and_then(|hold| hold(&error))
                    .unwrap_or_else(|| {
                        backoff(self.backoff_initial, self.backoff_max, failures.consecutive)
                    });
                failures.next_refresh = Instant::now().checked_add(delay);
                failures.last = Some(replay(&error));
                match self.cached_if(still_valid) {
                    Some(token) => {
                        tracing::debug!(%error, "token refresh failed; the cached token is still valid and kept");
                        Ok(token)
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Drops the cached token when `stale` says it is the one a service just refused (and not
    /// one another caller has already put in its place).
    pub fn invalidate_if(&self, stale: impl FnOnce(&T) -> bool) {
        let mut cached = self.cached.write().unwrap_or_else(PoisonError::into_inner);
        if cached.as_ref().is_some_and(|(c, _)| stale(&c.token)) {
            *cached = None;
        }
    }

    /// Drops the cached token and forgets past failures, so the next call refreshes at once
    /// (after a credential change).
    pub async fn reset(&self) {
        let mut failures = self.refresh.lock().await;
        *failures = Failures::default();
        *self.cached.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn fresh(&self, expiry: Option<Instant>, cached_at: Instant) -> bool {
        match expiry {
            None => true,
            Some(expiry) => {
                let margin = if self.half_life_cap {
                    self.min_ttl
                        .min(expiry.saturating_duration_since(cached_at) / 2)
                } else {
                    self.min_ttl
                };
                expiry.saturating_duration_since(Instant::now()) > margin
            }
        }
    }

    fn cached_if(&self, usable: impl Fn(Option<Instant>, Instant) -> bool) -> Option<T> {
        let cached = self.cached.read().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(c, cached_at)| usable(c.expiry, *cached_at))
            .map(|(c, _)| c.token.clone())
    }
}

/// A copy of a refresh error to hand to callers during the backoff: the same kind, code,
/// message and request id; no source; `maybe_sent: false` (nothing is sent meanwhile).
fn replay(error: &Error) -> Error {
    match error {
        Error::NotFound { resource, service } => Error::NotFound {
            resource: resource.clone(),
            service: service.clone(),
        },
        Error::AlreadyAssociated { service } => Error::AlreadyAssociated {
            service: service.clone(),
        },
        Error::InvalidState { current, service } => Error::InvalidState {
            current: current.clone(),
            service: service.clone(),
        },
        Error::Conflict { reason, service } => Error::Conflict {
            reason: reason.clone(),
            service: service.clone(),
        },
        Error::QuotaExceeded { service } => Error::QuotaExceeded {
            service: service.clone(),
        },
        Error::RateLimited {
            retry_after,
            service,
        } => Error::RateLimited {
            retry_after: *retry_after,
            service: service.clone(),
        },
        Error::Unauthenticated { reason, service } => Error::Unauthenticated {
            reason: reason.clone(),
            service: service.clone(),
        },
        Error::PermissionDenied { service } => Error::PermissionDenied {
            service: service.clone(),
        },
        Error::InvalidInput { field, reason } => Error::InvalidInput {
            field: field.clone(),
            reason: reason.clone(),
        },
        Error::Unsupported { what } => Error::Unsupported { what: what.clone() },
        Error::Timeout {
            operation, elapsed, ..
        } => Error::Timeout {
            operation: operation.clone(),
            elapsed: *elapsed,
            maybe_sent: false,
        },
        Error::InvalidResponse {
            operation,
            reason,
            http_status,
            request_id,
        } => Error::InvalidResponse {
            operation: operation.clone(),
            reason: reason.clone(),
            http_status: *http_status,
            request_id: request_id.clone(),
        },
        Error::Service { retryable, service } => Error::Service {
            retryable: *retryable,
            service: service.clone(),
        },
        Error::Transport {
            operation, message, ..
        } => Error::Transport {
            operation: operation.clone(),
            message: message.clone(),
            maybe_sent: false,
            source: None,
        },
        other => Error::Transport {
            operation: "token refresh".to_owned(),
            message: other.to_string(),
            maybe_sent: false,
            source: None,
        },
    }
}

fn still_valid(expiry: Option<Instant>, _cached_at: Instant) -> bool {
    expiry.is_none_or(|expiry| Instant::now() < expiry)
}

/// `initial * 2^(failures-1)`, at most `max`.
fn backoff(initial: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1))
        .unwrap_or(u32::MAX);
    initial.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_saturates() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(1), s(30), 1), s(1));
        assert_eq!(backoff(s(1), s(30), 3), s(4));
        assert_eq!(backoff(s(1), s(30), 40), s(30));
        assert_eq!(backoff(s(1), s(30), u32::MAX), s(30));
    }
}
