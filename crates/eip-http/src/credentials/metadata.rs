//! [`MetadataClient`]: plain HTTP to a cloud server's link-local metadata service.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use eip_core::{Error, Result};
use reqwest::Method;
use url::Url;

use super::Env;

/// The connect and the read timeout of every metadata request. The service answers on the
/// host itself in milliseconds; a machine that is not a cloud server has nothing there, and a
/// chain that falls through to metadata must move on instead of hanging (the hang reported in
/// huaweicloud/terraform-provider-huaweicloud issue 3660: an i/o timeout on the metadata
/// address when no other source was configured).
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(1);

/// The largest answer read (credentials and identity documents are a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A client of the instance-metadata service: plain http, never a proxy, 1 s to connect and
/// 1 s to read, one retry of a refused connection and no retry loop of its own.
///
/// ```
/// use eip_http::{Env, MetadataClient};
/// let env = Env::from_vars([("EIP_ALIBABA_METADATA_ENDPOINT", "http://127.0.0.1:8100")]);
/// let url = MetadataClient::resolve_endpoint(None, &env, "EIP_ALIBABA_METADATA_ENDPOINT", "http://100.100.100.200").unwrap();
/// assert_eq!(url.as_str(), "http://127.0.0.1:8100/");
/// let off_host = Env::from_vars([("EIP_ALIBABA_METADATA_ENDPOINT", "http://10.0.0.8")]);
/// assert!(MetadataClient::resolve_endpoint(None, &off_host, "EIP_ALIBABA_METADATA_ENDPOINT", "http://100.100.100.200").is_err());
/// ```
#[derive(Clone)]
pub struct MetadataClient {
    base: Url,
    http: reqwest::Client,
}

impl fmt::Debug for MetadataClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataClient")
            .field("endpoint", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// One answer of the metadata service.
pub struct MetadataAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body (it may hold a secret: `Debug` shows only its length).
    pub body: String,
}

impl fmt::Debug for MetadataAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataAnswer")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl MetadataAnswer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl MetadataClient {
    /// The metadata endpoint: `given` (a builder's `with_metadata_endpoint`), else the variable
    /// `env_var`, else `default` (the cloud's documented link-local address). Only plain http
    /// to loopback or to `default`'s own host is accepted: anything else would send instance
    /// credentials off the machine. The error names the setting at fault.
    pub fn resolve_endpoint(
        given: Option<&str>,
        env: &Env,
        env_var: &str,
        default: &str,
    ) -> Result<Url> {
        let (field, text) = match (given, env.var(env_var)) {
            (Some(given), _) => ("metadata_endpoint", given.to_owned()),
            (None, Some(from_env)) => (env_var, from_env),
            (None, None) => ("metadata_endpoint", default.to_owned()),
        };
        let url = Url::parse(&text)
            .map_err(|e| Error::invalid_input(field, format!("{text:?} is not a URL: {e}")))?;
        let documented = Url::parse(default).ok();
        let host_ok = match url.host() {
            Some(url::Host::Ipv4(ip)) => {
                IpAddr::V4(ip).is_loopback()
                    || documented.as_ref().and_then(Url::host_str) == url.host_str()
            }
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if url.scheme() != "http" || !host_ok {
            return Err(Error::invalid_input(
                field,
                format!("{text:?}: the metadata endpoint must be http to loopback or to {default}"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(Error::invalid_input(
                field,
                "the metadata endpoint must be http://host[:port][/prefix]",
            ));
        }
        Ok(url)
    }

    /// A client of the service at `base` (see [`MetadataClient::resolve_endpoint`]).
    pub fn new(base: Url) -> Result<Self> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(METADATA_TIMEOUT)
            .read_timeout(METADATA_TIMEOUT)
            // A service that trickles bytes must not hold the chain either.
            .timeout(METADATA_TIMEOUT.saturating_mul(2))
            .build()
            .map_err(|e| Error::Transport {
                operation: "metadata client".into(),
                message: e.to_string(),
                maybe_sent: false,
                source: None,
            })?;
        Ok(Self { base, http })
    }

    /// The service's base URL.
    pub fn endpoint(&self) -> &Url {
        &self.base
    }

    /// `GET path` with these headers.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<MetadataAnswer> {
        self.send(Method::GET, path, headers).await
    }

    /// `PUT path` with these headers and no body.
    pub async fn put(&self, path: &str, headers: &[(&str, &str)]) -> Result<MetadataAnswer> {
        self.send(Method::PUT, path, headers).await
    }

    /// One request (and one retry when the connection was refused before anything was sent).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<MetadataAnswer> {
        let url = self.url(path)?;
        let operation = format!("metadata {method} {}", url.path());
        let mut retried = false;
        loop {
            let mut request = self.http.request(method.clone(), url.clone());
            for (name, value) in headers {
                request = request.header(*name, sensitive(name, value)?);
            }
            match request.send().await {
                Ok(response) => return read(&operation, response).await,
                Err(e) if e.is_connect() && !e.is_timeout() && !retried => {
                    retried = true;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(failure(&operation, &self.base, &e)),
            }
        }
    }

    fn url(&self, path: &str) -> Result<Url> {
        let prefix = self.base.path().trim_end_matches('/');
        let mut url = self.base.clone();
        url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
        Ok(url)
    }
}

async fn read(operation: &str, mut response: reqwest::Response) -> Result<MetadataAnswer> {
    let status = response.status().as_u16();
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len().saturating_add(chunk.len()) > MAX_ANSWER_BYTES {
                    return Err(Error::InvalidResponse {
                        operation: operation.to_owned(),
                        reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                        http_status: Some(status),
                        request_id: None,
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(Error::Transport {
                    operation: operation.to_owned(),
                    message: if e.is_timeout() {
                        format!("no answer in {} s", METADATA_TIMEOUT.as_secs())
                    } else {
                        "the answer broke off".to_owned()
                    },
                    maybe_sent: true,
                    source: None,
                })
            }
        }
    }
    let body = String::from_utf8(body).map_err(|_| Error::InvalidResponse {
        operation: operation.to_owned(),
        reason: "the answer is not UTF-8".into(),
        http_status: Some(status),
        request_id: None,
    })?;
    Ok(MetadataAnswer { status, body })
}

/// A header value marked sensitive: the metadata headers carry the session token (IMDSv2's
/// `X-aliyun-ecs-metadata-token`, Huawei's `X-Metadata-Token`), which must not appear in the
/// HTTP stack's debug output.
fn sensitive(name: &str, value: &str) -> Result<reqwest::header::HeaderValue> {
    let mut value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input(
            name,
            "the header value must be printable ASCII without line breaks",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn failure(operation: &str, base: &Url, e: &reqwest::Error) -> Error {
    // The URL is the metadata service's, not a secret; the error text of reqwest is not kept
    // (it would repeat the URL with the path).
    let message = if e.is_timeout() {
        format!(
            "no answer in {} s from {}",
            METADATA_TIMEOUT.as_secs(),
            base.as_str().trim_end_matches('/')
        )
    } else if e.is_connect() {
        format!(
            "nothing listens at {} (not a cloud server?)",
            base.as_str().trim_end_matches('/')
        )
    } else {
        "the request failed".to_owned()
    };
    Error::Transport {
        operation: operation.to_owned(),
        message,
        maybe_sent: !e.is_connect(),
        source: None,
    }
}
