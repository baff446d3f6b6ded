//! Credentials and where they come from, for every provider: the [`ProvideCredentials`] trait,
//! a refreshing cache over any source ([`RefreshingCredentials`]), a chain of named sources
//! ([`CredentialChain`]), the instance-metadata client ([`MetadataClient`]), private files
//! ([`read_private_file`], [`FileCache`]) and an injectable environment ([`Env`]).
//!
//! The shape is object_store's `CredentialProvider` and aws-sdk's default chain: a provider
//! builder takes one `Arc<dyn ProvideCredentials>`, and `from_env()` builds the cloud's chain
//! out of the pieces here.

mod chain;
mod env;
mod files;
mod metadata;
mod refresh;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use eip_core::{Result, Secret};

pub use chain::{CredentialChain, Step};
pub use env::Env;
pub use files::{read_private_file, FileCache};
pub use metadata::{MetadataAnswer, MetadataClient, METADATA_TIMEOUT};
pub use refresh::{RefreshPolicy, RefreshingCredentials};

/// A key pair, with the security token and expiry of temporary credentials, and the name of
/// the source that gave it.
///
/// `Debug` shows the key id and the source, never the secret or the token.
///
/// ```
/// use eip_http::Credentials;
/// let c = Credentials::new("AK-id", "the-secret").with_security_token("sts-token");
/// let shown = format!("{c:?}");
/// assert!(shown.contains("AK-id") && !shown.contains("the-secret") && !shown.contains("sts-token"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The access key secret.
    pub secret: Secret,
    /// The security token of temporary credentials.
    pub security_token: Option<Secret>,
    /// When the credentials stop working; `None` for long-lived keys.
    pub expires_at: Option<SystemTime>,
    /// Where they came from: `"static"`, `"environment"`, `"oidc"`, `"ecs-ram-role"`...
    pub source: &'static str,
}

impl Credentials {
    /// Long-lived credentials given by the caller (source `"static"`).
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret: secret.into(),
            security_token: None,
            expires_at: None,
            source: "static",
        }
    }

    /// Adds the security token of temporary credentials.
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Sets when the credentials expire.
    pub fn with_expiry(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Names the source.
    pub fn with_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// How long until they expire (`None`: they do not; zero: they have).
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at.map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// Whether they have expired.
    pub fn is_expired(&self) -> bool {
        self.expires_in().is_some_and(|left| left.is_zero())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &self.secret)
            .field("security_token", &self.security_token)
            .field("expires_at", &self.expires_at)
            .field("source", &self.source)
            .finish()
    }
}

/// A source of credentials, asked before every signed request (so it must be cheap when its
/// credentials are still good: wrap a source that calls a service in
/// [`RefreshingCredentials`]).
#[async_trait]
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    async fn credentials(&self) -> Result<Arc<Credentials>>;

    /// The source's name, for errors and logs (`"environment"`, `"ecs-ram-role"`...).
    fn name(&self) -> &'static str;

    /// The service refused `stale` (expired, revoked): forget any cached copy of them, so the
    /// next [`credentials`](Self::credentials) asks the source again. Does nothing by default.
    fn invalidate(&self, stale: &Credentials) {
        let _ = stale;
    }
}

/// Credentials that never change (given by the caller, or read once).
#[derive(Clone, Debug)]
pub struct StaticCredentials {
    credentials: Arc<Credentials>,
}

impl StaticCredentials {
    /// Always these.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials: Arc::new(credentials),
        }
    }
}

#[async_trait]
impl ProvideCredentials for StaticCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        Ok(self.credentials.clone())
    }

    fn name(&self) -> &'static str {
        self.credentials.source
    }
}
