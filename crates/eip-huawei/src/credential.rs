//! Credentials and their caches: the IAM password token (<https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>), the AK/SK pair
//! (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/credentials.py`, `X-Security-Token`; <https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>) and the project id lookup (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_core::{validate, Error, Secret, ServiceError};
use eip_http::{FileCache, TemporaryToken, TokenCache as HttpTokenCache};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::OnceCell;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::transport::{send, Answer, Outgoing};
use crate::wire::{self, ProjectList, TokenEnvelope};

/// eip-http's token cache as this provider uses it: refreshed at a token's `refresh_at` (the
/// margin is applied when the token is read), a refused password held for `refusal_memory`, and
/// no backoff of its own for other failures (the retry loop around each call bounds them).
fn token_cache(refusal_memory: Duration) -> HttpTokenCache<Arc<CachedToken>> {
    HttpTokenCache::new()
        .with_min_ttl(Duration::ZERO)
        .with_backoff(Duration::ZERO, Duration::ZERO)
        .with_failure_hold(move |error| {
            matches!(error, Error::Unauthenticated { .. }).then_some(refusal_memory)
        })
}

/// IAM user credentials for the password token flow (<https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).
///
/// `Debug` masks the password.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PasswordAuth {
    /// The IAM user name.
    pub user_name: String,
    /// The user's password.
    pub password: Secret,
    /// The account (domain) the user belongs to.
    pub domain_name: String,
}

impl PasswordAuth {
    /// IAM user `user_name` of account `domain_name`.
    pub fn new(
        user_name: impl Into<String>,
        password: impl Into<Secret>,
        domain_name: impl Into<String>,
    ) -> Self {
        Self {
            user_name: user_name.into(),
            password: password.into(),
            domain_name: domain_name.into(),
        }
    }
}

/// An access key pair for `SDK-HMAC-SHA256` signing, optionally temporary (with a security
/// token, huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/credentials.py`, `X-Security-Token`).
///
/// `Debug` shows the access key id and masks the secret key and the security token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccessKey {
    /// The access key id (AK).
    pub access_key: String,
    /// The secret key (SK).
    pub secret_key: Secret,
    /// The security token of temporary credentials, sent as `X-Security-Token`.
    pub security_token: Option<Secret>,
}

impl AccessKey {
    /// A permanent AK/SK pair.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: None,
        }
    }

    /// Makes the pair temporary, with this security token.
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// How a password token is scoped (<https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>: `scope.project` by `id` or by `name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A project id.
    ProjectId(String),
    /// A project name (the region's default project is named after the region).
    ProjectName(String),
}

/// A token the cache hands out.
pub(crate) struct CachedToken {
    /// The `X-Subject-Token` value.
    pub token: Secret,
    /// The project id the token is scoped to.
    pub project_id: String,
    refresh_at: Instant,
    generation: u64,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &self.token)
            .field("project_id", &self.project_id)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// How long a refused password is remembered by default before IAM is asked again.
pub const DEFAULT_REFUSAL_MEMORY: Duration = Duration::from_secs(5 * 60);

/// The password token cache, on eip-http's [`eip_http::TokenCache`]: single flight (concurrent
/// callers on a cold or expired cache wait for the ONE IAM request in flight and share its
/// token), a token replaced at `refresh_at`, and a refused password held.
///
/// A refused password is not sent again before the refusal memory has passed (or the
/// credentials change, or [`TokenCache::reset`]). IAM's account lockout locks a user for 15
/// minutes (by default) once 5 unsuccessful logins (by default) happen within 15 minutes, and
/// nobody can unlock it early (IAM user guide, "Login Authentication Policy":
/// <https://support.huaweicloud.com/intl/en-us/usermanual-iam5/iam_01_1172.html>), so a refused
/// password is never retried in a loop; one refusal (say, a password being rotated) does not
/// disable the provider for the rest of the process either.
pub(crate) struct TokenCache {
    /// Replaceable while the provider runs ([`TokenCache::set_auth`]); read once per IAM request.
    auth: std::sync::RwLock<PasswordAuth>,
    scope: Scope,
    margin: Duration,
    refusal_memory: Duration,
    cache: HttpTokenCache<Arc<CachedToken>>,
    requests: AtomicU64,
    generations: AtomicU64,
    /// Tokens kept across processes (eipctl's cache) under this IAM endpoint, when configured.
    persistent: Option<(FileCache, Url)>,
}

/// A token as the file cache keeps it (the file expires when the token is due for renewal).
#[derive(Serialize, Deserialize)]
struct StoredToken {
    token: String,
    project_id: String,
}

impl Drop for StoredToken {
    fn drop(&mut self) {
        // Wiped like a Secret: the file cache reads it into one of these.
        let _ = Secret::new(std::mem::take(&mut self.token));
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.auth();
        f.debug_struct("TokenCache")
            .field("user_name", &auth.user_name)
            .field("domain_name", &auth.domain_name)
            .field("scope", &self.scope)
            .field("refresh_margin", &self.margin)
            .field("iam_requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(auth: PasswordAuth, scope: Scope, margin: Duration) -> Self {
        Self {
            auth: std::sync::RwLock::new(auth),
            scope,
            margin,
            refusal_memory: DEFAULT_REFUSAL_MEMORY,
            cache: token_cache(DEFAULT_REFUSAL_MEMORY),
            requests: AtomicU64::new(0),
            generations: AtomicU64::new(0),
            persistent: None,
        }
    }

    /// Also keeps tokens in `cache` (0600 files named by a hash of the IAM endpoint, account,
    /// user and scope, never of the password), so that the next process of a short-lived tool
    /// (eipctl run per health check) asks IAM nothing while the token is good.
    pub(crate) fn with_persistent_cache(mut self, cache: FileCache, iam: &Url) -> Self {
        self.persistent = Some((cache, iam.clone()));
        self
    }

    /// What a stored token is for: no secret in it.
    fn identity(iam: &Url, scope: &Scope, auth: &PasswordAuth) -> String {
        let scope = match scope {
            Scope::ProjectId(id) => format!("project-id:{id}"),
            Scope::ProjectName(name) => format!("project-name:{name}"),
        };
        format!(
            "huawei|iam-token|{}|{}|{}|{scope}",
            iam.as_str().trim_end_matches('/'),
            auth.domain_name,
            auth.user_name
        )
    }

    /// A token another process stored, when it is still good for more than the margin.
    fn load_stored(&self, auth: &PasswordAuth) -> Option<CachedToken> {
        let (cache, iam) = self.persistent.as_ref()?;
        match cache.load::<StoredToken>(&Self::identity(iam, &self.scope, auth)) {
            Ok(Some((mut stored, refresh_at))) => {
                let left = refresh_at
                    .duration_since(std::time::SystemTime::now())
                    .ok()
                    .filter(|left| !left.is_zero())?;
                let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::debug!(
                    generation,
                    left_s = left.as_secs(),
                    "IAM token from the file cache"
                );
                Some(CachedToken {
                    token: Secret::new(std::mem::take(&mut stored.token)),
                    project_id: std::mem::take(&mut stored.project_id),
                    refresh_at: Instant::now() + left,
                    generation,
                })
            }
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "IAM token cache entry ignored");
                None
            }
        }
    }

    fn store(&self, auth: &PasswordAuth, token: &CachedToken) {
        let Some((cache, iam)) = &self.persistent else {
            return;
        };
        let left = token.refresh_at.saturating_duration_since(Instant::now());
        let stored = StoredToken {
            token: token.token.expose().to_owned(),
            project_id: token.project_id.clone(),
        };
        let until = std::time::SystemTime::now() + left;
        if let Err(error) = cache.store(&Self::identity(iam, &self.scope, auth), &stored, until) {
            tracing::warn!(%error, "IAM token not written to the file cache");
        }
    }

    /// Remembers a refused password for `memory` instead of [`DEFAULT_REFUSAL_MEMORY`].
    pub(crate) fn with_refusal_memory(mut self, memory: Duration) -> Self {
        self.refusal_memory = memory;
        self.cache = token_cache(memory);
        self
    }

    /// IAM token requests sent so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A copy of the current credentials (a poisoned lock still holds valid credentials).
    fn auth(&self) -> PasswordAuth {
        self.auth
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Forgets the cached token and any remembered refusal: the next call asks IAM again.
    pub(crate) async fn reset(&self) {
        self.cache.reset().await;
    }

    /// Replaces the credentials (a rotated password); the cached token and any remembered
    /// refusal are dropped.
    pub(crate) async fn set_auth(&self, auth: PasswordAuth) {
        *self
            .auth
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = auth;
        self.cache.reset().await;
    }

    /// A token fresh enough to use, fetching one if the cache holds none.
    pub(crate) async fn token(
        &self,
        client: &eip_http::HttpClient,
        iam: &Url,
    ) -> Result<Arc<CachedToken>, Error> {
        self.cache
            .get_or_insert_with(|| async {
                let auth = self.auth();
                if let Some(token) = self.load_stored(&auth) {
                    return Ok(TemporaryToken {
                        expiry: Some(token.refresh_at),
                        token: Arc::new(token),
                    });
                }
                match self.fetch(client, iam, &auth).await {
                    Ok(token) => {
                        self.store(&auth, &token);
                        Ok(TemporaryToken {
                            expiry: Some(token.refresh_at),
                            token: Arc::new(token),
                        })
                    }
                    // Held by the cache for the refusal memory, with this explanation.
                    Err(Error::Unauthenticated { service, .. }) => {
                        Err(refused(&auth, service, self.refusal_memory))
                    }
                    Err(other) => Err(other),
                }
            })
            .await
    }

    /// Drops `stale` after a service refused it, unless another caller already replaced it.
    pub(crate) async fn invalidate(&self, stale: &CachedToken) {
        if let Some((cache, iam)) = &self.persistent {
            cache.remove(&Self::identity(iam, &self.scope, &self.auth()));
        }
        tracing::debug!(
            generation = stale.generation,
            "token refused by the service; dropping it"
        );
        self.cache
            .invalidate_if(|current| current.generation == stale.generation);
    }

    fn body(&self, auth: &PasswordAuth) -> serde_json::Value {
        let scope = match &self.scope {
            Scope::ProjectId(id) => json!({ "project": { "id": id } }),
            Scope::ProjectName(name) => json!({ "project": { "name": name } }),
        };
        json!({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": { "user": {
                        "name": auth.user_name,
                        "password": auth.password.expose(),
                        "domain": { "name": auth.domain_name },
                    } },
                },
                "scope": scope,
            }
        })
    }

    async fn fetch(
        &self,
        client: &eip_http::HttpClient,
        iam: &Url,
        auth: &PasswordAuth,
    ) -> Result<CachedToken, Error> {
        const ACTION: &str = "KeystoneCreateToken";
        let mut url = iam_url(iam, "/v3/auth/tokens");
        // https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html: any non-empty value leaves the (large) catalog out.
        url.set_query(Some("nocatalog=true"));
        let body = wire::to_body(&self.body(auth))?;
        let outgoing = Outgoing {
            method: Method::POST,
            url,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json;charset=utf8".to_owned(),
            )],
            body: Some(body),
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let span = tracing::debug_span!("eip.iam_token", user = %auth.user_name);
        let answer = send(client, ACTION, &outgoing)
            .instrument(span)
            .await
            .map_err(harmless_to_repeat)?;
        let answer = answer.into_result(ACTION, "IAM token")?;
        let token = answer
            .subject_token
            .clone()
            .ok_or_else(|| Error::InvalidResponse {
                operation: ACTION.to_owned(),
                reason: "no X-Subject-Token header".to_owned(),
                http_status: Some(answer.status),
                request_id: answer.request_id.clone(),
            })?;
        let envelope: TokenEnvelope = wire::parse(
            ACTION,
            answer.status,
            answer.request_id.as_deref(),
            &answer.body,
        )?;
        let body = envelope.token.unwrap_or_default();
        let project_id = match (&self.scope, body.project.and_then(|p| p.id)) {
            (Scope::ProjectId(id), _) => id.clone(),
            (Scope::ProjectName(_), Some(id)) => checked_project_id(ACTION, id, &answer)?,
            (Scope::ProjectName(name), None) => {
                return Err(Error::InvalidResponse {
                    operation: ACTION.to_owned(),
                    reason: format!("the token for project {name:?} names no project id"),
                    http_status: Some(answer.status),
                    request_id: answer.request_id,
                })
            }
        };
        let lifetime = lifetime(body.issued_at.as_deref(), body.expires_at.as_deref());
        let refresh_after = refresh_after(lifetime, self.margin);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            generation,
            lifetime_s = lifetime.as_secs(),
            refresh_after_s = refresh_after.as_secs(),
            "IAM token issued"
        );
        Ok(CachedToken {
            token,
            project_id,
            refresh_at: Instant::now() + refresh_after,
            generation,
        })
    }
}

fn refused(auth: &PasswordAuth, service: Option<Box<ServiceError>>, memory: Duration) -> Error {
    Error::Unauthenticated {
        reason: format!(
            "IAM refused the password of user {:?} in account {:?}; not asked again for {} s \
             (IAM locks users after repeated failures) unless the credentials change or the \
             provider's reset_auth() is called",
            auth.user_name,
            auth.domain_name,
            memory.as_secs()
        ),
        service,
    }
}

/// A project id from an IAM answer goes into every VPC path, so it passes the same check as a
/// configured one: an answer naming `../x` or `a/b` must not redirect the calls elsewhere.
fn checked_project_id(action: &str, id: String, answer: &Answer) -> Result<String, Error> {
    match validate::id("project_id", &id) {
        Ok(()) => Ok(id),
        Err(refusal) => Err(Error::InvalidResponse {
            operation: action.to_owned(),
            reason: format!("IAM named a project id that is not a valid id ({refusal})"),
            http_status: Some(answer.status),
            request_id: answer.request_id.clone(),
        }),
    }
}

/// A token request, a project lookup or a request that only mints temporary credentials
/// changes nothing: when its answer was lost it may be sent again, whatever call it serves.
pub(crate) fn harmless_to_repeat(error: Error) -> Error {
    match error {
        Error::Transport {
            operation,
            message,
            source,
            ..
        } => Error::Transport {
            operation,
            message,
            maybe_sent: false,
            source,
        },
        other => other,
    }
}

/// How long a token lives, from its own timestamps (so a skewed local clock does not matter);
/// one hour when they cannot be read (a refused token is then replaced on the first 401).
fn lifetime(issued_at: Option<&str>, expires_at: Option<&str>) -> Duration {
    let parse =
        |s: &str| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
    let expires = expires_at.and_then(parse);
    let start = issued_at
        .and_then(parse)
        .unwrap_or_else(OffsetDateTime::now_utc);
    match expires {
        Some(expires) => Duration::try_from(expires - start).unwrap_or(Duration::ZERO),
        None => Duration::from_secs(3600),
    }
}

/// When to stop using a token: `margin` before it expires, but never later than half-way
/// through its life, so a short-lived token is not refetched on every call.
fn refresh_after(lifetime: Duration, margin: Duration) -> Duration {
    lifetime.saturating_sub(margin.min(lifetime / 2))
}

/// `path` under the IAM endpoint; an endpoint given as `.../v3` (the form of `OS_AUTH_URL` and
/// Terraform's `auth_url`, <https://support.huaweicloud.com/en-us/api-iam/iam_01_0004.html>) is accepted too.
pub(crate) fn iam_url(iam: &Url, path: &str) -> Url {
    let mut url = iam.clone();
    let base = iam.path().trim_end_matches('/');
    let base = base.strip_suffix("/v3").unwrap_or(base);
    url.set_path(&format!("{base}{path}"));
    url.set_query(None);
    url
}

/// The project id for AK/SK calls: given, or looked up once by name (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`).
pub(crate) struct ProjectCache {
    name: String,
    cell: OnceCell<String>,
}

impl fmt::Debug for ProjectCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectCache")
            .field("name", &self.name)
            .field("id", &self.cell.get())
            .finish()
    }
}

impl ProjectCache {
    /// A cache that already knows the id, or that will look `name` up.
    pub(crate) fn new(given: Option<String>, name: String) -> Self {
        Self {
            name,
            cell: OnceCell::new_with(given),
        }
    }

    /// The project id, looked up with a signed `GET /v3/projects?name=` on first use (concurrent
    /// callers share the one lookup).
    pub(crate) async fn id(
        &self,
        client: &eip_http::HttpClient,
        iam: &Url,
        key: &AccessKey,
    ) -> Result<String, Error> {
        self.cell
            .get_or_try_init(|| discover(client, iam, key, &self.name))
            .await
            .cloned()
    }
}

async fn discover(
    client: &eip_http::HttpClient,
    iam: &Url,
    key: &AccessKey,
    name: &str,
) -> Result<String, Error> {
    const ACTION: &str = "KeystoneListProjects";
    let url = iam_url(iam, "/v3/projects");
    let query = vec![("name".to_owned(), name.to_owned())];
    let outgoing = crate::transport::signed(Method::GET, url, &query, None, key, None)?;
    let answer = send(client, ACTION, &outgoing)
        .await
        .map_err(harmless_to_repeat)?;
    let answer = answer.into_result(ACTION, "IAM projects")?;
    let list: ProjectList = wire::parse(
        ACTION,
        answer.status,
        answer.request_id.as_deref(),
        &answer.body,
    )?;
    let ids: Vec<String> = list.projects.into_iter().filter_map(|p| p.id).collect();
    // huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`: the Python SDK also fails on 0 or more than one; taking the first (as
    // golangsdk does) could act on the wrong project.
    match ids.as_slice() {
        [id] => {
            tracing::debug!(project = name, "project id discovered");
            checked_project_id(ACTION, id.clone(), &answer)
        }
        [] => Err(Error::invalid_input(
            "project_id",
            format!("IAM lists no project named {name:?}; set the project id (with_project_id or HUAWEICLOUD_SDK_PROJECT_ID)"),
        )),
        several => Err(Error::invalid_input(
            "project_id",
            format!(
                "IAM lists {} projects named {name:?} ({}); choose one with with_project_id",
                several.len(),
                several.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let password = PasswordAuth::new("alice", "pa55-very-secret", "acct");
        let key = AccessKey::new("AKID", "sk-very-secret").with_security_token("st-very-secret");
        let cache = TokenCache::new(
            password.clone(),
            Scope::ProjectName("cn-north-4".into()),
            Duration::from_secs(60),
        );
        let token = CachedToken {
            token: Secret::new("tok-very-secret"),
            project_id: "p".into(),
            refresh_at: Instant::now(),
            generation: 1,
        };
        for printed in [
            format!("{password:?}"),
            format!("{key:?}"),
            format!("{cache:?}"),
            format!("{token:?}"),
            format!("{password:#?}"),
        ] {
            assert!(!printed.contains("very-secret"), "leaked: {printed}");
        }
        assert!(format!("{key:?}").contains("AKID"));
    }

    #[test]
    fn the_lifetime_comes_from_the_token_and_the_margin_is_capped() {
        let life = lifetime(
            Some("2020-01-03T09:05:22.701000Z"),
            Some("2020-01-04T09:05:22.701000Z"),
        );
        assert_eq!(life, Duration::from_secs(24 * 3600));
        assert_eq!(
            refresh_after(life, Duration::from_secs(1800)),
            Duration::from_secs(24 * 3600 - 1800)
        );
        // A 10-second token is used for 5 seconds, not refetched on every call.
        assert_eq!(
            refresh_after(Duration::from_secs(10), Duration::from_secs(1800)),
            Duration::from_secs(5)
        );
        assert_eq!(lifetime(None, None), Duration::from_secs(3600));
        assert_eq!(
            lifetime(Some("2020-01-04T00:00:00Z"), Some("2020-01-03T00:00:00Z")),
            Duration::ZERO
        );
    }

    #[test]
    fn the_token_request_scopes_by_id_or_name() {
        let auth = PasswordAuth::new("u", "p", "d");
        let by_name = TokenCache::new(
            auth.clone(),
            Scope::ProjectName("cn-north-4".into()),
            Duration::ZERO,
        )
        .body(&auth);
        assert_eq!(by_name["auth"]["scope"]["project"]["name"], "cn-north-4");
        assert_eq!(by_name["auth"]["identity"]["methods"][0], "password");
        assert_eq!(
            by_name["auth"]["identity"]["password"]["user"]["domain"]["name"],
            "d"
        );
        let by_id = TokenCache::new(auth.clone(), Scope::ProjectId("abc".into()), Duration::ZERO)
            .body(&auth);
        assert_eq!(by_id["auth"]["scope"]["project"]["id"], "abc");
    }

    #[test]
    fn iam_paths_accept_a_v3_suffix() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            iam_url(
                &url("https://iam.cn-north-4.myhuaweicloud.com"),
                "/v3/projects"
            )
            .as_str(),
            "https://iam.cn-north-4.myhuaweicloud.com/v3/projects"
        );
        assert_eq!(
            iam_url(&url("https://iam.example.com/v3/"), "/v3/auth/tokens").as_str(),
            "https://iam.example.com/v3/auth/tokens"
        );
        assert_eq!(
            iam_url(&url("http://127.0.0.1:9/base"), "/v3/projects").as_str(),
            "http://127.0.0.1:9/base/v3/projects"
        );
    }
}
