//! The ECS instance metadata service: the instance's identity (id, region) and the temporary
//! credentials of its RAM role; and the credentials-URI sidecar, which answers in the same
//! shape.
//!
//! Paths and headers as aliyun/credentials-go `credentials/providers/ecs_ram_role.go` uses them
//! and the ECS instance-metadata page documents
//! (<https://www.alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata>): IMDSv2 (the
//! "security hardening mode") takes a token from `PUT /latest/api/token` with
//! `X-aliyun-ecs-metadata-token-ttl-seconds` and sends it as `X-aliyun-ecs-metadata-token`.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use eip_core::{Error, Result};
use eip_http::{
    ClientOptions, Credentials, Env, HttpClient, MetadataClient, ProvideCredentials, Request,
};
use serde::Deserialize;
use url::Url;
use zeroize::Zeroize;

/// The documented link-local address of the metadata service.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://100.100.100.200";
/// The variable that replaces it (loopback only: a test, the emulator, a local stand-in).
pub const METADATA_ENDPOINT_VAR: &str = "EIP_ALIBABA_METADATA_ENDPOINT";
/// The lifetime asked for a metadata token, in seconds (the documented maximum, 6 hours, as
/// credentials-go asks).
const TOKEN_TTL_SECONDS: &str = "21600";

/// A client of one instance's metadata service.
#[derive(Clone)]
pub struct EcsMetadata {
    client: MetadataClient,
    imdsv1_allowed: bool,
}

impl fmt::Debug for EcsMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsMetadata")
            .field("endpoint", &self.client.endpoint().as_str())
            .field("imdsv1_allowed", &self.imdsv1_allowed)
            .finish()
    }
}

impl EcsMetadata {
    /// The service at `given` (a builder's `with_metadata_endpoint`), else
    /// `EIP_ALIBABA_METADATA_ENDPOINT`, else `http://100.100.100.200`; IMDSv1 (no token) is
    /// used only when a token cannot be had and `ALIBABA_CLOUD_IMDSV1_DISABLED` is not `true`.
    pub fn from_env(given: Option<&str>, env: &Env) -> Result<Self> {
        let url = MetadataClient::resolve_endpoint(
            given,
            env,
            METADATA_ENDPOINT_VAR,
            DEFAULT_METADATA_ENDPOINT,
        )?;
        Ok(Self {
            client: MetadataClient::new(url)?,
            imdsv1_allowed: !env.flag("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        })
    }

    /// The service's base URL.
    pub fn endpoint(&self) -> &Url {
        self.client.endpoint()
    }

    /// The instance id (`/latest/meta-data/instance-id`).
    pub async fn instance_id(&self) -> Result<String> {
        self.text("/latest/meta-data/instance-id").await
    }

    /// The region id (`/latest/meta-data/region-id`).
    pub async fn region_id(&self) -> Result<String> {
        self.text("/latest/meta-data/region-id").await
    }

    /// The name of the RAM role attached to the instance.
    pub async fn role_name(&self) -> Result<String> {
        let listed = self
            .text("/latest/meta-data/ram/security-credentials/")
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => Error::Unauthenticated {
                    reason: "the instance has no RAM role attached".into(),
                    service: None,
                },
                other => other,
            })?;
        listed
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::Unauthenticated {
                reason: "the instance has no RAM role attached".into(),
                service: None,
            })
    }

    /// The role's current temporary credentials.
    pub async fn role_credentials(&self, role: &str) -> Result<Credentials> {
        if role.is_empty() || role.contains(['/', '?', '#']) {
            return Err(Error::invalid_input(
                "ALIBABA_CLOUD_ECS_METADATA",
                "not a role name",
            ));
        }
        let path = format!("/latest/meta-data/ram/security-credentials/{role}");
        let mut answer = self.get(&path).await.map_err(|e| match e {
            Error::NotFound { .. } => Error::Unauthenticated {
                reason: format!("the RAM role {role:?} is not attached to the instance"),
                service: None,
            },
            other => other,
        })?;
        let read = read_credentials(&path, &answer.body, "ecs-ram-role");
        answer.body.zeroize();
        read
    }

    async fn text(&self, path: &str) -> Result<String> {
        let answer = self.get(path).await?;
        let text = answer.body.trim().to_owned();
        if text.is_empty() {
            return Err(invalid(path, "the answer is empty"));
        }
        Ok(text)
    }

    async fn get(&self, path: &str) -> Result<eip_http::MetadataAnswer> {
        let token = self.token().await?;
        let headers: Vec<(&str, &str)> = match &token {
            Some(token) => vec![("X-aliyun-ecs-metadata-token", token.as_str())],
            None => Vec::new(),
        };
        let answer = self.client.get(path, &headers).await?;
        if answer.is_success() {
            return Ok(answer);
        }
        Err(match answer.status {
            404 => Error::not_found(format!("metadata {path}")),
            401 | 403 => Error::Unauthenticated {
                reason: format!(
                    "the metadata service refused {path} (HTTP {}){}",
                    answer.status,
                    if token.is_none() {
                        ": it requires a token (IMDSv2)"
                    } else {
                        ""
                    }
                ),
                service: None,
            },
            status => Error::InvalidResponse {
                operation: format!("metadata GET {path}"),
                reason: format!("HTTP {status}"),
                http_status: Some(status),
                request_id: None,
            },
        })
    }

    /// An IMDSv2 token; `None` when the service gives none and IMDSv1 is allowed.
    async fn token(&self) -> Result<Option<String>> {
        let asked = self
            .client
            .put(
                "/latest/api/token",
                &[("X-aliyun-ecs-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS)],
            )
            .await;
        let why = match asked {
            Ok(answer) if answer.is_success() && !answer.body.trim().is_empty() => {
                return Ok(Some(answer.body.trim().to_owned()))
            }
            Ok(answer) => format!("HTTP {}", answer.status),
            // Nothing answers at all: IMDSv1 would not either.
            Err(error) if !self.imdsv1_allowed || is_silent(&error) => return Err(error),
            Err(error) => error.to_string(),
        };
        if self.imdsv1_allowed {
            tracing::debug!(%why, "no IMDSv2 token; using IMDSv1");
            Ok(None)
        } else {
            Err(Error::Unauthenticated {
                reason: format!(
                    "no IMDSv2 token from the metadata service ({why}) and \
                     ALIBABA_CLOUD_IMDSV1_DISABLED=true forbids IMDSv1"
                ),
                service: None,
            })
        }
    }
}

fn is_silent(error: &Error) -> bool {
    matches!(error, Error::Transport { .. })
}

fn invalid(path: &str, reason: &str) -> Error {
    Error::InvalidResponse {
        operation: format!("metadata GET {path}"),
        reason: reason.to_owned(),
        http_status: Some(200),
        request_id: None,
    }
}

/// The credentials document of the metadata service, of a credentials URI and of STS's
/// `Credentials` object (the same PascalCase fields; STS has no `Code`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CredentialsDocument {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<String>,
    #[serde(default)]
    security_token: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
}

impl Drop for CredentialsDocument {
    fn drop(&mut self) {
        self.access_key_secret.zeroize();
        self.security_token.zeroize();
    }
}

impl CredentialsDocument {
    /// The temporary credentials it holds, or why it holds none (without quoting it: it
    /// holds the secret). `Expiration` is required when `expiring`.
    pub(crate) fn into_credentials(
        mut self,
        source: &'static str,
        expiring: bool,
    ) -> std::result::Result<Credentials, &'static str> {
        let (Some(id), Some(secret), Some(token)) = (
            self.access_key_id.take(),
            self.access_key_secret.take(),
            self.security_token.take(),
        ) else {
            return Err("AccessKeyId, AccessKeySecret or SecurityToken missing");
        };
        let expires_at = match self.expiration.as_deref() {
            Some(at) => Some(parse_expiration(at).ok_or("Expiration is not a UTC time")?),
            None if expiring => return Err("Expiration missing"),
            None => None,
        };
        let mut credentials = Credentials::new(id, secret)
            .with_security_token(token)
            .with_source(source);
        credentials.expires_at = expires_at;
        Ok(credentials)
    }
}

/// Reads `{Code, AccessKeyId, AccessKeySecret, SecurityToken, Expiration}`.
pub(crate) fn read_credentials(
    origin: &str,
    body: &str,
    source: &'static str,
) -> Result<Credentials> {
    let doc: CredentialsDocument =
        serde_json::from_str(body).map_err(|_| invalid(origin, "not a credentials document"))?;
    if let Some(code) = doc.code.as_deref().filter(|c| *c != "Success") {
        return Err(Error::Unauthenticated {
            reason: format!("{origin} answered Code {code:?}"),
            service: None,
        });
    }
    doc.into_credentials(source, false)
        .map_err(|reason| invalid(origin, reason))
}

/// `2006-01-02T15:04:05Z` (as STS and the metadata service write it).
pub(crate) fn parse_expiration(text: &str) -> Option<SystemTime> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let seconds = u64::try_from(at.unix_timestamp()).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(seconds))
}

/// The instance's RAM role (step "ecs-ram-role" of the chain), named or discovered.
#[derive(Debug)]
pub(crate) struct EcsRamRole {
    pub metadata: EcsMetadata,
    pub role: Option<String>,
}

#[async_trait]
impl ProvideCredentials for EcsRamRole {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let role = match &self.role {
            Some(role) => role.clone(),
            None => self.metadata.role_name().await?,
        };
        self.metadata.role_credentials(&role).await.map(Arc::new)
    }

    fn name(&self) -> &'static str {
        "ecs-ram-role"
    }
}

/// A credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`, a profile's `credentials_uri`): a
/// sidecar answering the metadata service's document, as aliyun/credentials-go
/// `credentials/providers/uri.go` reads it.
pub(crate) struct CredentialsUri {
    pub url: Url,
    pub http: HttpClient,
}

/// The largest credentials-URI answer read (the document is a few hundred bytes).
const MAX_URI_ANSWER_BYTES: usize = 64 * 1024;

impl fmt::Debug for CredentialsUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a token in its query: only its host is shown.
        f.debug_struct("CredentialsUri")
            .field("host", &self.url.host_str())
            .finish_non_exhaustive()
    }
}

impl CredentialsUri {
    pub(crate) fn new(field: &str, text: &str) -> Result<Self> {
        let url =
            Url::parse(text).map_err(|e| Error::invalid_input(field, format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_input(field, "must be an http(s) URL"));
        }
        // A sidecar on the pod or the node, often plain http (credentials-go accepts any URL):
        // never through a proxy, the answer capped, redirects refused, errors typed.
        let options = ClientOptions::new()
            .with_no_proxy()
            .with_allow_http(true)
            .with_connect_timeout(eip_http::METADATA_TIMEOUT)
            .with_attempt_timeout(std::time::Duration::from_secs(5))
            .with_max_response_bytes(MAX_URI_ANSWER_BYTES);
        let http = HttpClient::new(&options)?;
        Ok(Self { url, http })
    }
}

#[async_trait]
impl ProvideCredentials for CredentialsUri {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let origin = format!(
            "the credentials URI at {}",
            self.url.host_str().unwrap_or("?")
        );
        let response = self
            .http
            .send(Request::get("credentials URI", self.url.clone()))
            .await?;
        let status = response.status();
        if !response.is_success() {
            return Err(Error::Unauthenticated {
                reason: format!("{origin} answered HTTP {status}"),
                service: None,
            });
        }
        let mut body = String::from_utf8(response.into_body().to_vec()).map_err(|_| {
            Error::InvalidResponse {
                operation: "credentials URI".into(),
                reason: format!("{origin} answered with a body that is not UTF-8"),
                http_status: Some(status),
                request_id: None,
            }
        })?;
        let read = read_credentials(&origin, &body, "credentials-uri");
        body.zeroize();
        read.map(Arc::new)
    }

    fn name(&self) -> &'static str {
        "credentials-uri"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot HTTP server answering 200 with `body`, and how many connections it accepted.
    async fn answering(body: Vec<u8>) -> (String, tokio::task::JoinHandle<usize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/credentials", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            1
        });
        (url, server)
    }

    #[tokio::test]
    async fn an_oversized_credentials_uri_answer_is_an_invalid_response() {
        let (url, server) = answering(vec![b' '; MAX_URI_ANSWER_BYTES + 1]).await;
        let uri = CredentialsUri::new("ALIBABA_CLOUD_CREDENTIALS_URI", &url).unwrap();
        let error = uri.credentials().await.unwrap_err();
        assert_eq!(server.await.unwrap(), 1, "the sidecar was asked");
        match error {
            Error::InvalidResponse {
                operation,
                reason,
                http_status,
                ..
            } => {
                assert_eq!(operation, "credentials URI");
                assert!(reason.contains("larger than"), "{reason}");
                assert_eq!(http_status, Some(200));
            }
            other => panic!("expected InvalidResponse, got {other:?}"),
        }
    }
}
