//! [`RefreshingCredentials`]: temporary credentials kept fresh on top of [`TokenCache`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eip_core::{Error, Result};
use tokio::time::Instant;

use super::{Credentials, FileCache, ProvideCredentials};
use crate::token::{TemporaryToken, TokenCache};

/// When to refresh temporary credentials, and how to back off when refreshing fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Refresh this long before expiry (capped at half the credentials' lifetime).
    pub ahead: Duration,
    /// The wait after a first failed refresh, doubling per further failure...
    pub backoff_initial: Duration,
    /// ...up to this.
    pub backoff_max: Duration,
}

impl RefreshPolicy {
    /// Refresh `ahead` of expiry; back off 1 s doubling to 30 s between failed refreshes.
    pub const fn new(ahead: Duration) -> Self {
        Self {
            ahead,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }

    /// Sets the backoff between failed refreshes.
    pub const fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max;
        self
    }
}

/// A source's credentials, cached until `ahead` of their expiry.
///
/// Built on [`TokenCache`]: concurrent callers share ONE refresh; the margin is never more than
/// half the credentials' lifetime; when a refresh fails while the cached credentials are still
/// valid they keep being served; failed refreshes back off (bounded). Optionally backed by a
/// [`FileCache`], so that short-lived processes (one per health check) share credentials
/// across invocations.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use eip_http::{Credentials, ProvideCredentials, RefreshPolicy, RefreshingCredentials, StaticCredentials};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let hour = SystemTime::now() + Duration::from_secs(3600);
/// let sts = StaticCredentials::new(Credentials::new("STS.id", "s").with_security_token("t").with_expiry(hour));
/// let fresh = RefreshingCredentials::new(Arc::new(sts), RefreshPolicy::new(Duration::from_secs(180)));
/// assert_eq!(fresh.credentials().await?.access_key_id, "STS.id");
/// assert_eq!(fresh.credentials().await?.access_key_id, "STS.id");
/// assert_eq!(fresh.refreshes(), 1);
/// # Ok::<_, eip_core::Error>(()) }).unwrap();
/// ```
pub struct RefreshingCredentials {
    source: Arc<dyn ProvideCredentials>,
    cache: TokenCache<Arc<Credentials>>,
    policy: RefreshPolicy,
    persistent: Option<(FileCache, String)>,
}

impl fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingCredentials")
            .field("source", &self.source)
            .field("policy", &self.policy)
            .field("cache", &self.cache)
            .field(
                "persistent_cache",
                &self.persistent.as_ref().map(|(c, _)| c.dir()),
            )
            .finish()
    }
}

impl RefreshingCredentials {
    /// Caches what `source` gives, refreshing as `policy` says.
    pub fn new(source: Arc<dyn ProvideCredentials>, policy: RefreshPolicy) -> Self {
        Self {
            source,
            cache: TokenCache::new()
                .with_min_ttl(policy.ahead)
                .with_half_life_cap()
                .with_backoff(policy.backoff_initial, policy.backoff_max),
            policy,
            persistent: None,
        }
    }

    /// Also keeps the credentials in `cache` under `identity` (what they are for, e.g. the role
    /// ARN and the key id that assumes it; hashed into the file name, never a secret): a refresh
    /// first looks there, and what the source gives is written there.
    pub fn with_persistent_cache(mut self, cache: FileCache, identity: impl Into<String>) -> Self {
        self.persistent = Some((cache, identity.into()));
        self
    }

    /// Refreshes started so far (from the file cache or the source).
    pub fn refreshes(&self) -> u64 {
        self.cache.refreshes()
    }

    async fn refresh(&self) -> Result<TemporaryToken<Arc<Credentials>>> {
        if let Some((cache, identity)) = &self.persistent {
            match cache.load_credentials(identity, self.source.name()) {
                Ok(Some(found))
                    if found
                        .expires_in()
                        .is_some_and(|left| left > self.margin(left)) =>
                {
                    tracing::debug!(
                        source = self.source.name(),
                        "credentials from the file cache"
                    );
                    return Ok(token(Arc::new(found)));
                }
                Ok(_) => {}
                // A file another user could have written or read: not used, replaced below.
                Err(error) => tracing::warn!(%error, "credential cache entry ignored"),
            }
        }
        let fresh = self
            .source
            .credentials()
            .await
            .map_err(|e| naming(e, self.source.name()))?;
        if fresh.is_expired() {
            return Err(Error::Unauthenticated {
                reason: format!(
                    "the credentials from {} have already expired",
                    self.source.name()
                ),
                service: None,
            });
        }
        if let Some((cache, identity)) = &self.persistent {
            if fresh.expires_at.is_some() {
                if let Err(error) = cache.store_credentials(identity, &fresh) {
                    tracing::warn!(%error, "credentials not written to the file cache");
                }
            }
        }
        Ok(token(fresh))
    }

    /// The refresh margin for credentials with `left` of their life: `ahead`, at most half.
    fn margin(&self, left: Duration) -> Duration {
        self.policy.ahead.min(left / 2)
    }
}

/// The error of a failed refresh, with the source named where the error has words for it
/// (a caller whose credentials have expired learns which source could not renew them).
fn naming(error: Error, source: &str) -> Error {
    let named = |text: String| {
        if text.starts_with(source) {
            text
        } else {
            format!("{source}: {text}")
        }
    };
    match error {
        Error::Unauthenticated { reason, service } => Error::Unauthenticated {
            reason: named(reason),
            service,
        },
        Error::Transport {
            operation,
            message,
            maybe_sent,
            source: cause,
        } => Error::Transport {
            operation: named(operation),
            message,
            maybe_sent,
            source: cause,
        },
        Error::Timeout {
            operation,
            elapsed,
            maybe_sent,
        } => Error::Timeout {
            operation: named(operation),
            elapsed,
            maybe_sent,
        },
        Error::InvalidResponse {
            operation,
            reason,
            http_status,
            request_id,
        } => Error::InvalidResponse {
            operation: named(operation),
            reason,
            http_status,
            request_id,
        },
        other => other,
    }
}

fn token(credentials: Arc<Credentials>) -> TemporaryToken<Arc<Credentials>> {
    let expiry = credentials
        .expires_in()
        .and_then(|left| Instant::now().checked_add(left));
    TemporaryToken {
        token: credentials,
        expiry,
    }
}

#[async_trait]
impl ProvideCredentials for RefreshingCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        self.cache.get_or_insert_with(|| self.refresh()).await
    }

    fn name(&self) -> &'static str {
        self.source.name()
    }

    fn invalidate(&self, stale: &Credentials) {
        self.cache.invalidate_if(|cached| {
            cached.access_key_id == stale.access_key_id
                && cached.security_token == stale.security_token
        });
        if let Some((cache, identity)) = &self.persistent {
            cache.remove(identity);
        }
        self.source.invalidate(stale);
    }
}
