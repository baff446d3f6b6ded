//! [`CredentialChain`]: named sources tried in order; the first that yields is remembered.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use eip_core::{Error, Result};
use tokio::sync::OnceCell;

use super::{Credentials, ProvideCredentials};

/// What one step of a chain found when it looked at its configuration.
pub enum Step {
    /// The step is configured: ask this provider. A transient failure (throttled, 5xx,
    /// timeout, a dropped connection: [`Error::is_retryable`]) is returned as is, nothing
    /// pinned, and the next call asks this step again: moving on would pin a later source for
    /// good, and one STS blip at start-up would make a pod act as its node's role for the life
    /// of the process. Any other failure is recorded and the chain moves on, as the official
    /// SDKs' default chains do.
    Use(Arc<dyn ProvideCredentials>),
    /// A source whose presence is only known by asking it (the instance metadata service: a
    /// machine that is not a cloud server has nothing there, or something silent): any failure
    /// means "not available here", is recorded, and the chain moves on.
    Probe(Arc<dyn ProvideCredentials>),
    /// Not configured here, and why (`"ALIBABA_CLOUD_ACCESS_KEY_ID not set"`, `"file absent"`).
    Skip(String),
    /// Configured, but so broken that going on would hide the mistake (a malformed profile
    /// file): the chain stops with this error.
    Stop(Error),
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Use(p) => f.debug_tuple("Use").field(p).finish(),
            Self::Probe(p) => f.debug_tuple("Probe").field(p).finish(),
            Self::Skip(why) => f.debug_tuple("Skip").field(why).finish(),
            Self::Stop(e) => f.debug_tuple("Stop").field(e).finish(),
        }
    }
}

type Probe = Box<dyn Fn() -> Step + Send + Sync>;

struct NamedStep {
    name: String,
    probe: Probe,
}

/// Sources tried in order until one yields credentials; that one is remembered and asked
/// directly from then on (it refreshes by itself).
///
/// When none yields, ONE [`Error::Unauthenticated`] lists every step and why it was skipped or
/// failed, so the person reading it knows what to set:
///
/// ```
/// use eip_http::{CredentialChain, ProvideCredentials, Step};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let chain = CredentialChain::new("mycloud")
///     .with_step("environment", || Step::Skip("MYCLOUD_ACCESS_KEY_ID not set".into()))
///     .with_step("profile ~/.mycloud/credentials", || Step::Skip("file absent".into()));
/// let error = chain.credentials().await.unwrap_err().to_string();
/// assert!(error.contains("environment: MYCLOUD_ACCESS_KEY_ID not set; profile ~/.mycloud/credentials: file absent"), "{error}");
/// # });
/// ```
pub struct CredentialChain {
    cloud: &'static str,
    steps: Vec<NamedStep>,
    winner: OnceCell<(usize, Arc<dyn ProvideCredentials>)>,
}

impl fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialChain")
            .field("cloud", &self.cloud)
            .field(
                "steps",
                &self
                    .steps
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("winner", &self.winner.get().map(|(_, p)| p))
            .finish()
    }
}

impl CredentialChain {
    /// An empty chain for `cloud` (named in its error).
    pub fn new(cloud: &'static str) -> Self {
        Self {
            cloud,
            steps: Vec::new(),
            winner: OnceCell::new(),
        }
    }

    /// Appends a step: `probe` looks at the configuration (cheap, no request) each time the
    /// chain is walked, until a step wins.
    pub fn with_step(
        mut self,
        name: impl Into<String>,
        probe: impl Fn() -> Step + Send + Sync + 'static,
    ) -> Self {
        self.steps.push(NamedStep {
            name: name.into(),
            probe: Box::new(probe),
        });
        self
    }

    /// The name of the step that won, once one has.
    pub fn winner(&self) -> Option<&str> {
        self.winner
            .get()
            .and_then(|(index, _)| self.steps.get(*index))
            .map(|s| s.name.as_str())
    }

    async fn walk(&self) -> Result<Found> {
        let mut tried = Vec::with_capacity(self.steps.len());
        for (index, step) in self.steps.iter().enumerate() {
            match (step.probe)() {
                Step::Skip(why) => tried.push(format!("{}: {why}", step.name)),
                Step::Stop(error) => return Err(error),
                Step::Use(provider) => match provider.credentials().await {
                    Ok(credentials) => return Ok(found(step, index, provider, credentials)),
                    Err(error) if transient(&error) => {
                        tracing::debug!(step = %step.name, %error, "credential source failed transiently");
                        return Err(error);
                    }
                    Err(error) => tried.push(failed(step, &error)),
                },
                Step::Probe(provider) => match provider.credentials().await {
                    Ok(credentials) => return Ok(found(step, index, provider, credentials)),
                    Err(error) => tried.push(failed(step, &error)),
                },
            }
        }
        Err(Error::Unauthenticated {
            reason: format!(
                "no {} credentials found; tried {}",
                self.cloud,
                if tried.is_empty() {
                    "nothing (the chain is empty)".to_owned()
                } else {
                    tried.join("; ")
                }
            ),
            service: None,
        })
    }
}

type Found = (usize, Arc<dyn ProvideCredentials>, Arc<Credentials>);

fn found(
    step: &NamedStep,
    index: usize,
    provider: Arc<dyn ProvideCredentials>,
    credentials: Arc<Credentials>,
) -> Found {
    tracing::debug!(step = %step.name, "credentials found");
    (index, provider, credentials)
}

/// Whether another attempt could succeed: what the retry loop retries, and an unreadable
/// gateway answer (a 5xx or 429 page that is not the service's own error).
fn transient(error: &Error) -> bool {
    error.is_retryable()
        || matches!(
            error,
            Error::InvalidResponse {
                http_status: Some(429 | 500..=599),
                ..
            }
        )
}

fn failed(step: &NamedStep, error: &Error) -> String {
    tracing::debug!(step = %step.name, %error, "credential source failed");
    format!("{}: {error}", step.name)
}

#[async_trait]
impl ProvideCredentials for CredentialChain {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        if let Some((_, provider)) = self.winner.get() {
            return provider.credentials().await;
        }
        // The winner's first credentials are handed to the caller that walked the chain; a
        // caller that waited on the walk asks the (now cached) winner.
        let mut first = None;
        let (_, provider) = self
            .winner
            .get_or_try_init(|| async {
                let (index, provider, credentials) = self.walk().await?;
                first = Some(credentials);
                Ok::<_, Error>((index, provider))
            })
            .await?;
        match first {
            Some(credentials) => Ok(credentials),
            None => provider.credentials().await,
        }
    }

    fn name(&self) -> &'static str {
        self.winner
            .get()
            .map_or("credential chain", |(_, p)| p.name())
    }

    fn invalidate(&self, stale: &Credentials) {
        if let Some((_, provider)) = self.winner.get() {
            provider.invalidate(stale);
        }
    }
}
