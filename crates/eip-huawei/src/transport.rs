//! Sending requests: authentication (token or AK/SK signature) per attempt, the shared retry
//! loop, the one re-authentication after a 401, and turning answers into results.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_core::retry::{self, Attempt, Call, RetryPolicy, Settled, Timeouts};
use eip_core::{Error, Secret};
use eip_http::{HttpClient, Request};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

use crate::credential::{AccessKey, CachedToken, PasswordAuth, ProjectCache, TokenCache};
use crate::error::{self, FailedAnswer, HuaweiClassifier};
use crate::metadata::MetadataSession;
use crate::signer::{self, SignedHeaders, SigningInput};
use crate::KIND;
use eip_http::{Credentials as HttpCredentials, ProvideCredentials};

/// One HTTP request, ready to send.
#[derive(Clone)]
pub(crate) struct Outgoing {
    pub method: Method,
    /// The full URL, query included (already in canonical order for signed requests).
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// One HTTP answer, read completely.
pub(crate) struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    /// `X-Subject-Token` (IAM only).
    pub subject_token: Option<Secret>,
    pub body: Vec<u8>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // IAM's securitytokens answers carry an access key, its secret and a session token:
        // the body is shown by its length only.
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// The answer when it is a 2xx, else the error it means.
    pub(crate) fn into_result(self, action: &str, resource: &str) -> Result<Self, Error> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        Err(error::from_answer(&FailedAnswer {
            action,
            resource,
            status: self.status,
            request_id: self.request_id.clone(),
            retry_after: self.retry_after,
            body: &self.body,
        }))
    }
}

/// Sends one request through the provider's [`HttpClient`] (redirects refused, the answer read
/// under the size cap, auth headers sensitive, one error mapping) and reads the whole answer.
pub(crate) async fn send(
    http: &HttpClient,
    action: &'static str,
    outgoing: &Outgoing,
) -> Result<Answer, Error> {
    let mut request = Request::new(action, outgoing.method.clone(), outgoing.url.clone());
    for (name, value) in &outgoing.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_input("header", "not a valid HTTP header name"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_input(name.as_str(), "not a valid HTTP header value"))?;
        request = request.header_value(name, value);
    }
    if let Some(body) = &outgoing.body {
        request = request.body(body.clone());
    }
    let response = http.send(request).await?;
    Ok(Answer {
        status: response.status(),
        request_id: response.request_id().map(str::to_owned),
        retry_after: response.retry_after_seconds("retry-after"),
        subject_token: response.header("x-subject-token").map(Secret::new),
        body: response.into_body().to_vec(),
    })
}

/// A request signed with `key` at the current time (<https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>). Signs `content-type` (when
/// there is a body), `host`, `x-project-id` (when given), `x-sdk-date` and `x-security-token`.
pub(crate) fn signed(
    method: Method,
    url: Url,
    query: &[(String, String)],
    body: Option<Vec<u8>>,
    key: &AccessKey,
    project_id: Option<&str>,
) -> Result<Outgoing, Error> {
    let scope = project_id.map(|project| ("X-Project-Id", project));
    signed_with(method, url, query, body, key, scope)
}

/// Signs with at most one scoping header (`X-Project-Id` or `X-Domain-Id`) and its value.
fn signed_with(
    method: Method,
    mut url: Url,
    query: &[(String, String)],
    body: Option<Vec<u8>>,
    key: &AccessKey,
    scope: Option<(&str, &str)>,
) -> Result<Outgoing, Error> {
    let canonical_query = signer::canonical_query(query);
    url.set_query((!canonical_query.is_empty()).then_some(canonical_query.as_str()));
    let date = time::OffsetDateTime::now_utc()
        .format(signer::SDK_DATE_FORMAT)
        .map_err(|e| {
            Error::invalid_input("clock", format!("cannot format the signing date: {e}"))
        })?;
    let mut headers = vec![
        ("Host".to_owned(), signer::host_header(&url)),
        ("X-Sdk-Date".to_owned(), date.clone()),
    ];
    if body.is_some() {
        headers.push((
            "Content-Type".to_owned(),
            "application/json;charset=UTF-8".to_owned(),
        ));
    }
    if let Some((name, value)) = scope {
        headers.push((name.to_owned(), value.to_owned()));
    }
    if let Some(token) = &key.security_token {
        headers.push(("X-Security-Token".to_owned(), token.expose().to_owned()));
    }
    let to_sign = SignedHeaders::new(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let input = SigningInput {
        method: method.as_str(),
        path: url.path(),
        query,
        headers: &to_sign,
        body: body.as_deref().unwrap_or_default(),
    };
    let authorization =
        signer::authorization(&key.access_key, key.secret_key.expose(), &date, &input);
    headers.push(("Authorization".to_owned(), authorization));
    Ok(Outgoing {
        method,
        url,
        headers,
        body,
    })
}

/// The calls of [`Transport`] on another [`Api`] (see [`Transport::on`]).
pub(crate) struct Via<'a> {
    transport: &'a Transport,
    api: Api,
}

impl Via<'_> {
    /// Through the retry loop, like [`Transport::vpc`].
    pub(crate) async fn call(&self, request: &VpcRequest) -> Result<Answer, Error> {
        self.transport
            .vpc_with(self.api, request, &self.transport.retry)
            .await
    }

    /// One attempt, for a write's own loop ([`Transport::write`]), like
    /// [`Transport::send_once`].
    pub(crate) async fn send_once(
        &self,
        request: &VpcRequest,
        reauthenticated: &AtomicBool,
    ) -> Result<Answer, Error> {
        self.transport
            .attempt(self.api, request, reauthenticated)
            .await
    }
}

/// [`signed`] for a global service: the account in `X-Domain-Id`, no project.
fn signed_for_domain(
    method: Method,
    url: Url,
    query: &[(String, String)],
    body: Option<Vec<u8>>,
    key: &AccessKey,
    domain_id: &str,
) -> Result<Outgoing, Error> {
    signed_with(
        method,
        url,
        query,
        body,
        key,
        Some(("X-Domain-Id", domain_id)),
    )
}

/// The retry loop's view of `request`.
pub(crate) fn call_of(request: &VpcRequest) -> Call {
    let call = Call::write(KIND, request.action, request.idempotent);
    match &request.id {
        Some(id) => call.on(id.clone()),
        None => call,
    }
}

/// How requests are authenticated.
pub(crate) enum Credentials {
    /// IAM password tokens, `X-Auth-Token`.
    Password(Box<TokenCache>),
    /// AK/SK signatures.
    AccessKey {
        key: AccessKey,
        project: ProjectCache,
    },
    /// AK/SK signatures with the keys a provider gives (a credential chain, temporary keys),
    /// asked for before every attempt.
    Provider {
        provider: Arc<dyn ProvideCredentials>,
        project: ProjectCache,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(cache) => f.debug_tuple("Password").field(cache).finish(),
            Self::AccessKey { key, project } => f
                .debug_struct("AccessKey")
                .field("key", key)
                .field("project", project)
                .finish(),
            Self::Provider { provider, project } => f
                .debug_struct("Provider")
                .field("provider", provider)
                .field("project", project)
                .finish(),
        }
    }
}

/// The authentication of one attempt.
enum Authorized<'a> {
    Token(Arc<CachedToken>),
    Key {
        project_id: String,
        key: &'a AccessKey,
    },
    Provided {
        project_id: String,
        key: AccessKey,
        from: Arc<HttpCredentials>,
    },
}

/// Which API a [`VpcRequest`] goes to, and so its URL and how it is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// VPC v1: `{vpc}/v1/{project_id}/{path}`.
    V1,
    /// The VPC v2.0 API of tags and shared-bandwidth membership (huaweicloud-sdk-python-v3
    /// `huaweicloud-sdk-eip/huaweicloudsdkeip/v2/eip_client.py`): `{vpc}/v2.0/{project_id}/{path}`.
    V2,
    /// Enterprise Project Management, a global service: `{eps}/v1.0/{path}`, AK/SK-signed with
    /// the account in `X-Domain-Id` rather than a project
    /// (<https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html>).
    Eps,
}

/// One VPC call: `method /v1/{project_id}/{path}?{query}` (or another [`Api`]'s URL, through
/// [`Transport::on`]).
#[derive(Clone, Debug)]
pub(crate) struct VpcRequest {
    /// The cloud's operation name, for spans and errors (`ShowPublicip`...).
    pub action: &'static str,
    pub method: Method,
    /// The path after `/v1/{project_id}/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Whether repeating it after a lost answer is harmless.
    pub idempotent: bool,
    /// What it addresses, named in [`Error::NotFound`].
    pub resource: String,
    /// The EIP it is about, for the `eip.operation` span.
    pub id: Option<String>,
}

impl VpcRequest {
    /// A read.
    pub(crate) fn get(
        action: &'static str,
        path: String,
        query: Vec<(String, String)>,
        resource: String,
    ) -> Self {
        Self {
            action,
            method: Method::GET,
            path,
            query,
            body: None,
            idempotent: true,
            resource,
            id: None,
        }
    }

    /// The same request, about EIP `id`.
    pub(crate) fn on(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }
}

/// The HTTP side of the provider.
pub(crate) struct Transport {
    pub client: HttpClient,
    pub iam: Url,
    pub vpc: Url,
    /// Enterprise Project Management.
    pub eps: Url,
    /// The account id, sent as `X-Domain-Id` on AK/SK calls to EPS.
    pub domain_id: Option<String>,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    /// The ECS metadata service (instance identity; the chain's last step).
    pub metadata: Arc<MetadataSession>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("iam", &self.iam.as_str())
            .field("vpc", &self.vpc.as_str())
            .field("eps", &self.eps.as_str())
            .field("domain_id", &self.domain_id)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// The name of the credential source in use (`"password"`, `"access-key"`, or the
    /// provider's: `"environment"`, `"ecs-metadata"`, `"oidc"`, `"agency"`...).
    pub(crate) fn credential_source(&self) -> &'static str {
        match &self.credentials {
            Credentials::Password(_) => "password",
            Credentials::AccessKey { .. } => "access-key",
            Credentials::Provider { provider, .. } => provider.name(),
        }
    }

    /// Forgets the cached token or project id lookup state and any remembered password refusal.
    pub(crate) async fn reset_auth(&self) {
        if let Credentials::Password(cache) = &self.credentials {
            cache.reset().await;
        }
    }

    /// Replaces the IAM password credentials; an error when the provider signs with AK/SK.
    pub(crate) async fn set_password(&self, auth: PasswordAuth) -> Result<(), Error> {
        match &self.credentials {
            Credentials::Password(cache) => {
                cache.set_auth(auth).await;
                Ok(())
            }
            Credentials::AccessKey { .. } | Credentials::Provider { .. } => {
                Err(Error::invalid_input(
                    "credentials",
                    "this provider signs with an access key; build another one for a password",
                ))
            }
        }
    }

    /// IAM token requests sent so far (0 with AK/SK).
    pub(crate) fn iam_requests(&self) -> u64 {
        match &self.credentials {
            Credentials::Password(cache) => cache.requests(),
            Credentials::AccessKey { .. } | Credentials::Provider { .. } => 0,
        }
    }

    /// Runs a VPC call through the shared retry loop. A 401 with a token drops the token,
    /// re-authenticates and repeats the call once per operation (golangsdk does the same:
    /// `chnsz/golangsdk` `provider_client.go` re-authenticates once on a 401); every attempt
    /// re-reads the token or signs afresh.
    pub(crate) async fn vpc(&self, request: &VpcRequest) -> Result<Answer, Error> {
        self.vpc_with(Api::V1, request, &self.retry).await
    }

    /// The same calls on another [`Api`] (v2.0, EPS).
    pub(crate) fn on(&self, api: Api) -> Via<'_> {
        Via {
            transport: self,
            api,
        }
    }

    /// The project id every call is made for (looked up or read from the token once, then
    /// cached), for the bodies that name it (an EPS migration).
    pub(crate) async fn project_id(&self) -> Result<String, Error> {
        Ok(match self.authorize().await? {
            Authorized::Token(token) => token.project_id.clone(),
            Authorized::Key { project_id, .. } | Authorized::Provided { project_id, .. } => {
                project_id
            }
        })
    }

    /// Like [`Transport::vpc`] with one attempt: the single reads that settle a lost write
    /// inside the call's own loop (a loop of their own would multiply its requests).
    pub(crate) async fn vpc_once(&self, request: &VpcRequest) -> Result<Answer, Error> {
        self.vpc_with(Api::V1, request, &self.retry.clone().max_attempts(1))
            .await
    }

    async fn vpc_with(
        &self,
        api: Api,
        request: &VpcRequest,
        policy: &RetryPolicy,
    ) -> Result<Answer, Error> {
        let call = call_of(request);
        let reauthenticated = AtomicBool::new(false);
        retry::run(&call, policy, &self.timeouts, &HuaweiClassifier, |_| {
            self.attempt(api, request, &reauthenticated)
        })
        .await
    }

    /// A write the cloud does not deduplicate, in core's one loop: `attempt` sends it (with
    /// [`Transport::send_once`]) knowing whether an earlier attempt may have been processed, and
    /// `settle` makes ONE read after an unknown outcome (a lost answer, a gateway 5xx).
    pub(crate) async fn write<T, F, Fut, S, SFut>(
        &self,
        call: &Call,
        attempt: F,
        settle: S,
    ) -> Result<T, Error>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
        S: FnMut() -> SFut,
        SFut: Future<Output = Result<Settled<T>, Error>>,
    {
        retry::run_settled(
            call,
            &self.retry,
            &self.timeouts,
            &HuaweiClassifier,
            attempt,
            settle,
        )
        .await
    }

    /// One attempt of `request`, for [`Transport::write`]: `reauthenticated` is the call's
    /// one re-authentication after a 401.
    pub(crate) async fn send_once(
        &self,
        request: &VpcRequest,
        reauthenticated: &AtomicBool,
    ) -> Result<Answer, Error> {
        self.attempt(Api::V1, request, reauthenticated).await
    }

    async fn attempt(
        &self,
        api: Api,
        request: &VpcRequest,
        reauthenticated: &AtomicBool,
    ) -> Result<Answer, Error> {
        loop {
            let authorized = self.authorize().await?;
            let outgoing = self.outgoing(api, request, &authorized)?;
            let answer = send(&self.client, request.action, &outgoing).await?;
            if answer.status == 401 {
                if let (Authorized::Token(token), Credentials::Password(cache)) =
                    (&authorized, &self.credentials)
                {
                    if !reauthenticated.swap(true, Ordering::SeqCst) {
                        cache.invalidate(token).await;
                        continue;
                    }
                }
                // Temporary keys refused (expired early, revoked): the provider drops them
                // and the call is sent once more with fresh ones.
                if let (Authorized::Provided { from, .. }, Credentials::Provider { provider, .. }) =
                    (&authorized, &self.credentials)
                {
                    if !reauthenticated.swap(true, Ordering::SeqCst) {
                        tracing::debug!(source = from.source, "keys refused; refreshing them");
                        provider.invalidate(from);
                        continue;
                    }
                }
            }
            return answer.into_result(request.action, &request.resource);
        }
    }

    async fn authorize(&self) -> Result<Authorized<'_>, Error> {
        match &self.credentials {
            Credentials::Password(cache) => Ok(Authorized::Token(
                cache.token(&self.client, &self.iam).await?,
            )),
            Credentials::AccessKey { key, project } => Ok(Authorized::Key {
                project_id: project.id(&self.client, &self.iam, key).await?,
                key,
            }),
            Credentials::Provider { provider, project } => {
                let from = provider.credentials().await?;
                let key = crate::federation::access_key_of(&from);
                Ok(Authorized::Provided {
                    project_id: project.id(&self.client, &self.iam, &key).await?,
                    key,
                    from,
                })
            }
        }
    }

    /// AK/SK calls to the global EPS service are signed for the account (`X-Domain-Id`), not a
    /// project.
    fn signed_for_eps(
        &self,
        request: &VpcRequest,
        url: Url,
        key: &AccessKey,
    ) -> Result<Outgoing, Error> {
        let domain_id = self.domain_id.as_deref().ok_or_else(|| {
            Error::invalid_input(
                "domain_id",
                "AK/SK calls to the global EPS service name the account: set it with \
                 with_domain_id or HUAWEICLOUD_SDK_DOMAIN_ID",
            )
        })?;
        signed_for_domain(
            request.method.clone(),
            url,
            &request.query,
            request.body.clone(),
            key,
            domain_id,
        )
    }

    fn outgoing(
        &self,
        api: Api,
        request: &VpcRequest,
        authorized: &Authorized<'_>,
    ) -> Result<Outgoing, Error> {
        let project_id = match authorized {
            Authorized::Token(token) => token.project_id.as_str(),
            Authorized::Key { project_id, .. } | Authorized::Provided { project_id, .. } => {
                project_id.as_str()
            }
        };
        let endpoint = if api == Api::Eps {
            &self.eps
        } else {
            &self.vpc
        };
        let mut url = endpoint.clone();
        let base = endpoint.path().trim_end_matches('/');
        url.set_path(&match api {
            Api::V1 => format!("{base}/v1/{project_id}/{}", request.path),
            Api::V2 => format!("{base}/v2.0/{project_id}/{}", request.path),
            Api::Eps => format!("{base}/v1.0/{}", request.path),
        });
        match authorized {
            Authorized::Key { key, .. } if api == Api::Eps => {
                self.signed_for_eps(request, url, key)
            }
            Authorized::Provided { key, .. } if api == Api::Eps => {
                self.signed_for_eps(request, url, key)
            }
            Authorized::Provided { key, .. } => signed(
                request.method.clone(),
                url,
                &request.query,
                request.body.clone(),
                key,
                Some(project_id),
            ),
            Authorized::Key { key, .. } => signed(
                request.method.clone(),
                url,
                &request.query,
                request.body.clone(),
                key,
                Some(project_id),
            ),
            Authorized::Token(token) => {
                let query = signer::canonical_query(&request.query);
                url.set_query((!query.is_empty()).then_some(query.as_str()));
                let mut headers =
                    vec![("X-Auth-Token".to_owned(), token.token.expose().to_owned())];
                if request.body.is_some() {
                    headers.push((
                        "Content-Type".to_owned(),
                        "application/json;charset=UTF-8".to_owned(),
                    ));
                }
                Ok(Outgoing {
                    method: request.method.clone(),
                    url,
                    headers,
                    body: request.body.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_shows_its_body_by_length_only() {
        let answer = Answer {
            status: 201,
            request_id: Some("req-1".into()),
            retry_after: None,
            subject_token: None,
            body: br#"{"credential":{"access":"AK-TEMP","secret":"temp-secret-value","securitytoken":"sts-token-value"}}"#.to_vec(),
        };
        let shown = format!("{answer:?}");
        for secret in ["AK-TEMP", "temp-secret-value", "sts-token-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("201") && shown.contains("req-1"), "{shown}");
        assert!(shown.contains(&answer.body.len().to_string()), "{shown}");
    }
}
