//! One RPC exchange: sign a request afresh (new nonce, new time), send it, and read the answer
//! into a body or a refusal. No retries and no mapping to the model here.

use std::time::Duration;

use bytes::Bytes;
use eip_core::{Error, Result, ServiceError};
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, USER_AGENT,
};
use time::OffsetDateTime;
use url::Url;

use crate::builder::SignatureVersion;
use crate::credential::AccessKey;
use crate::error::ApiError;
use crate::signer;
use crate::wire::{Acknowledgement, ErrorBody};
use crate::KIND;

/// The VPC API version.
pub(crate) const API_VERSION: &str = "2016-04-28";

const USER_AGENT_VALUE: &str = concat!(
    "multicloud-eip/",
    env!("CARGO_PKG_VERSION"),
    " (eip-alibaba)"
);

/// An RPC request: the action and its operation parameters (`RegionId` included); the common
/// and signature parameters are added per attempt.
#[derive(Clone, Debug)]
pub(crate) struct RpcRequest {
    pub action: &'static str,
    pub params: Vec<(String, String)>,
}

impl RpcRequest {
    /// A request for `action` in `region`.
    pub fn new(action: &'static str, region: &str) -> Self {
        Self {
            action,
            params: vec![("RegionId".into(), region.into())],
        }
    }

    /// Adds a parameter.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Adds a parameter when there is a value.
    pub fn set_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.set(name, value),
            None => self,
        }
    }

    /// Adds `Tag.N.Key` / `Tag.N.Value` for each tag, N from 1.
    pub fn tags<'a>(mut self, tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        for (n, (key, value)) in tags.into_iter().enumerate() {
            self = self
                .set(format!("Tag.{}.Key", n + 1), key.as_str())
                .set(format!("Tag.{}.Value", n + 1), value.as_str());
        }
        self
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where and how requests are sent.
pub(crate) struct Transport {
    pub endpoint: Url,
    pub credentials: AccessKey,
    pub signature_version: SignatureVersion,
    pub http: reqwest::Client,
}

/// The raw answer.
pub(crate) struct Reply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Bytes,
}

/// A failed exchange: a refusal in the API's shape, or anything else.
pub(crate) enum Failure {
    Refused(ApiError),
    Other(Error),
}

impl Transport {
    /// Signs and sends one attempt. Both schemes send POST with every parameter in the query and
    /// an empty body, as the official SDKs do for these actions (alibaba.md §1.3).
    pub async fn exchange(&self, request: &RpcRequest) -> Result<Reply> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let now = timestamp(OffsetDateTime::now_utc());
        let (url, headers) = match self.signature_version {
            SignatureVersion::V1 => self.sign_v1(request, &nonce, &now),
            SignatureVersion::V3 => self.sign_v3(request, &nonce, &now),
        }?;
        let response = self
            .http
            .post(url)
            .headers(headers)
            .header(CONTENT_LENGTH, "0")
            .header(USER_AGENT, USER_AGENT_VALUE)
            .send()
            .await
            .map_err(|e| transport_error(request.action, e))?;
        let status = response.status().as_u16();
        // alibaba.md §4.5: the delay the server asks for, in milliseconds.
        let retry_after = response
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        // Once the status line has arrived the request was processed, whatever happens to the body.
        let body = response.bytes().await.map_err(|e| {
            let mut error = transport_error(request.action, e);
            if let Error::Transport { maybe_sent, .. } = &mut error {
                *maybe_sent = true;
            }
            error
        })?;
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }

    fn sign_v1(&self, request: &RpcRequest, nonce: &str, now: &str) -> Result<(Url, HeaderMap)> {
        let key = &self.credentials;
        let mut params: Vec<(String, String)> = request.params.clone();
        for (name, value) in [
            ("Action", request.action),
            ("Version", API_VERSION),
            ("Format", "JSON"),
            ("AccessKeyId", key.id.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", now),
        ] {
            params.push((name.into(), value.into()));
        }
        if let Some(token) = &key.security_token {
            params.push(("SecurityToken".into(), token.expose().into()));
        }
        let signature = signer::sign_v1("POST", &params, key.secret.expose());
        params.push(("Signature".into(), signature));
        let mut url = self.endpoint.clone();
        url.set_query(Some(&signer::canonical_query(&params)));
        Ok((url, HeaderMap::new()))
    }

    fn sign_v3(&self, request: &RpcRequest, nonce: &str, now: &str) -> Result<(Url, HeaderMap)> {
        let key = &self.credentials;
        let mut signed: Vec<(String, String)> = vec![
            ("host".into(), host_header(&self.endpoint)),
            ("x-acs-action".into(), request.action.into()),
            ("x-acs-version".into(), API_VERSION.into()),
            ("x-acs-date".into(), now.into()),
            ("x-acs-signature-nonce".into(), nonce.into()),
            (
                "x-acs-content-sha256".into(),
                signer::EMPTY_PAYLOAD_SHA256.into(),
            ),
        ];
        if let Some(token) = &key.security_token {
            // alibaba.md §2.1, §7.2: STS under V3 travels in headers, with the key id beside it.
            signed.push(("x-acs-security-token".into(), token.expose().into()));
            signed.push(("x-acs-accesskey-id".into(), key.id.clone()));
        }
        let authorization = signer::sign_v3(
            "POST",
            &request.params,
            &signed,
            signer::EMPTY_PAYLOAD_SHA256,
            &key.id,
            key.secret.expose(),
        );
        let mut headers = HeaderMap::new();
        for (name, value) in &signed {
            let mut value = header_value(name, value)?;
            value.set_sensitive(name == "x-acs-security-token");
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::invalid_input("request", format!("header {name}: {e}")))?;
            headers.insert(name, value);
        }
        let mut authorization = header_value("authorization", &authorization)?;
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let mut url = self.endpoint.clone();
        url.set_query(Some(&signer::canonical_query(&request.params)));
        Ok((url, headers))
    }
}

/// The `host` header as the HTTP client sends it: the port only when it is not the scheme's
/// default (alibaba.md §2.1).
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue> {
    // The only values that could be refused come from the caller (key id, token with a newline).
    HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input(
            "credentials",
            format!("the {name} header value is not valid in HTTP"),
        )
    })
}

/// `yyyy-MM-ddTHH:mm:ssZ` in UTC (alibaba.md §1.2, §2.1).
pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A transport failure. The URL is dropped from the error first: under V1 it holds the signature
/// and the STS token. The request may have been processed unless the connection was never made.
fn transport_error(action: &str, error: reqwest::Error) -> Error {
    let error = error.without_url();
    let maybe_sent = !error.is_connect();
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "failed"
    };
    Error::Transport {
        operation: action.to_owned(),
        message: format!("{what}: {error}"),
        maybe_sent,
        source: Some(Box::new(error)),
    }
}

/// Reads an answer: the body of a 2xx, or the refusal of a 4xx/5xx. Records the request id into
/// the current (attempt) span.
pub(crate) fn read_reply(action: &'static str, reply: Reply) -> Result<Bytes, Failure> {
    let request_id = serde_json::from_slice::<Acknowledgement>(&reply.body)
        .ok()
        .and_then(|a| a.request_id);
    if let Some(id) = &request_id {
        tracing::Span::current().record("request_id", id.as_str());
    }
    let status = reply.status;
    match status {
        200..=299 => Ok(reply.body),
        400..=599 => match serde_json::from_slice::<ErrorBody>(&reply.body) {
            Ok(ErrorBody {
                code: Some(code),
                message,
                request_id,
                ..
            }) => {
                tracing::debug!(status, code, request_id, "refused");
                Err(Failure::Refused(ApiError {
                    http_status: status,
                    code,
                    message: message.unwrap_or_default(),
                    request_id,
                    retry_after: reply.retry_after,
                }))
            }
            _ => Err(Failure::Other(unreadable_refusal(
                action, &reply, request_id,
            ))),
        },
        _ => Err(Failure::Other(Error::InvalidResponse {
            operation: action.to_owned(),
            reason: format!("unexpected HTTP status: {}", snippet(&reply.body)),
            http_status: Some(status),
            request_id,
        })),
    }
}

/// A 4xx/5xx whose body is not the API's error JSON (a proxy page, a truncated body): a 5xx is a
/// retryable service failure, a 429 a rate limit, anything else an invalid response.
fn unreadable_refusal(action: &str, reply: &Reply, request_id: Option<String>) -> Error {
    let status = reply.status;
    let mut service =
        ServiceError::new(KIND, action, format!("HTTP{status}"), snippet(&reply.body));
    service.http_status = Some(status);
    service.request_id = request_id.clone();
    match status {
        429 => Error::RateLimited {
            retry_after: reply.retry_after,
            service: Some(Box::new(service)),
        },
        500..=599 => Error::Service {
            retryable: true,
            service: Box::new(service),
        },
        _ => Error::InvalidResponse {
            operation: action.to_owned(),
            reason: format!(
                "the error body is not the API's JSON: {}",
                snippet(&reply.body)
            ),
            http_status: Some(status),
            request_id,
        },
    }
}

/// The start of a body, printable, for messages.
fn snippet(body: &[u8]) -> String {
    const MAX: usize = 160;
    let text = String::from_utf8_lossy(body);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX)
        .collect();
    if clean.trim().is_empty() {
        "(empty body)".to_owned()
    } else if text.chars().count() > MAX {
        format!("{}…", clean.trim())
    } else {
        clean.trim().to_owned()
    }
}

/// Parses a successful body, or says why it cannot be read.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(action: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        operation: action.to_owned(),
        reason: format!("{e}: {}", snippet(body)),
        http_status: Some(200),
        request_id: serde_json::from_slice::<Acknowledgement>(body)
            .ok()
            .and_then(|a| a.request_id),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            retry_after: Some(Duration::from_millis(40)),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.678 +02:00);
        assert_eq!(timestamp(t), "2024-01-02T01:04:05Z");
    }

    #[test]
    fn refusals_are_parsed_and_garbage_is_typed() {
        let refused = read_reply(
            "X",
            reply(
                400,
                r#"{"Code":"Throttling.User","Message":"m","RequestId":"r-1"}"#,
            ),
        );
        match refused {
            Err(Failure::Refused(api)) => {
                assert_eq!(
                    (
                        api.code.as_str(),
                        api.request_id.as_deref(),
                        api.retry_after
                    ),
                    (
                        "Throttling.User",
                        Some("r-1"),
                        Some(Duration::from_millis(40))
                    )
                );
            }
            _ => panic!("expected a refusal"),
        }
        let kind = |status, body| match read_reply("X", reply(status, body)) {
            Err(Failure::Other(e)) => (e.kind_name(), e.is_retryable()),
            _ => panic!("expected an error"),
        };
        assert_eq!(kind(502, "<html>Bad Gateway</html>"), ("service", true));
        assert_eq!(kind(503, r#"{"Code":"#), ("service", true));
        assert_eq!(kind(429, ""), ("rate_limited", true));
        assert_eq!(kind(404, "not here"), ("invalid_response", false));
        assert_eq!(kind(302, ""), ("invalid_response", false));
        assert!(read_reply("X", reply(200, "{}")).is_ok());
        assert!(matches!(
            parse::<crate::wire::DescribeResponse>("X", b"{\"Total"),
            Err(Error::InvalidResponse { .. })
        ));
    }

    #[test]
    fn request_parameters_and_tags() {
        let mut tags = std::collections::BTreeMap::new();
        tags.insert("a".to_string(), "1".to_string());
        tags.insert("b".to_string(), "2".to_string());
        let r = RpcRequest::new("A", "cn-x")
            .set_opt("Name", Some("n"))
            .set_opt("Skip", None::<String>)
            .tags(&tags);
        assert_eq!(r.get("RegionId"), Some("cn-x"));
        assert_eq!(r.get("Tag.2.Value"), Some("2"));
        assert_eq!(r.get("Skip"), None);
        assert_eq!(
            host_header(&Url::parse("http://127.0.0.1:8080/").unwrap()),
            "127.0.0.1:8080"
        );
        assert_eq!(
            host_header(&Url::parse("https://vpc.aliyuncs.com:443/").unwrap()),
            "vpc.aliyuncs.com"
        );
    }
}
