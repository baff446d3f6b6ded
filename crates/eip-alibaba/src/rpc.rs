//! One RPC exchange: sign a request afresh (new nonce, new time), send it once through
//! [`eip_http::HttpClient`], and read the answer into a body or a refusal. No retries and no
//! mapping to the model here.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use eip_core::{Error, Result};
use eip_http::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION};
use eip_http::{Credentials, HttpClient, ProvideCredentials, Request};
use rand::Rng;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;
use zeroize::Zeroizing;

use crate::builder::SignatureVersion;
use crate::error::ApiError;
use crate::signer;
use crate::wire::{Acknowledgement, AllocateResponse, DescribeResponse, ErrorBody};
use crate::KIND;

/// The VPC API version.
pub(crate) const API_VERSION: &str = "2016-04-28";

/// An RPC request: the action and its operation parameters (`RegionId` included); the common
/// and signature parameters are added per attempt.
#[derive(Clone, Debug)]
pub(crate) struct RpcRequest {
    pub action: &'static str,
    /// The API version (`2016-04-28` for the VPC API, `2015-04-01` for STS).
    pub version: &'static str,
    pub params: Vec<(String, String)>,
}

impl RpcRequest {
    /// A request for `action` in `region`.
    pub fn new(action: &'static str, region: &str) -> Self {
        Self {
            action,
            version: API_VERSION,
            params: vec![("RegionId".into(), region.into())],
        }
    }

    /// A request of another API (`version`), without a `RegionId`.
    pub fn of_api(action: &'static str, version: &'static str) -> Self {
        Self {
            action,
            version,
            params: Vec::new(),
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
    pub credentials: Arc<dyn ProvideCredentials>,
    pub signature_version: SignatureVersion,
    pub http: HttpClient,
}

/// The raw answer.
pub(crate) struct Reply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Bytes,
    /// The credentials the request was signed with (to invalidate them when refused).
    pub signed_with: Arc<Credentials>,
}

/// A failed exchange: a refusal in the API's shape, or anything else.
pub(crate) enum Failure {
    Refused(ApiError),
    Other(Error),
}

impl Transport {
    /// Signs and sends one attempt. Both schemes send POST with every parameter in the query and
    /// an empty body, as the official SDKs do for these actions (alibabacloud-vpc20160428
    /// `client.py`: `Params(method='POST', style='RPC', req_body_type='formData')`, all fields
    /// in `query`).
    pub async fn exchange(&self, request: &RpcRequest) -> Result<Reply> {
        let key = self.credentials.credentials().await?;
        let nonce = nonce();
        let now = timestamp(OffsetDateTime::now_utc());
        let (url, headers) = match self.signature_version {
            SignatureVersion::V1 => self.sign_v1(&key, request, &nonce, &now),
            SignatureVersion::V3 => self.sign_v3(&key, request, &nonce, &now),
        }?;
        let mut http_request = Request::post(request.action, url);
        *http_request.headers_mut() = headers;
        let response = self.http.send(http_request).await?;
        Ok(Reply {
            status: response.status(),
            // The delay the server asks for, in milliseconds (alibabacloud-tea-openapi
            // `client.py` reads `x-acs-retry-after` as a sleep in ms).
            retry_after: response.retry_after_millis("x-acs-retry-after"),
            body: response.into_body(),
            signed_with: key,
        })
    }

    fn sign_v1(
        &self,
        key: &Credentials,
        request: &RpcRequest,
        nonce: &str,
        now: &str,
    ) -> Result<(Url, HeaderMap)> {
        // Borrowed pairs: the parameters are only read to build the canonical query.
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(request.params.len() + 9);
        params.extend(request.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        params.extend([
            ("Action", request.action),
            ("Version", request.version),
            ("Format", "JSON"),
            ("AccessKeyId", key.access_key_id.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", now),
        ]);
        if let Some(token) = &key.security_token {
            params.push(("SecurityToken", token.expose()));
        }
        // The canonical query is built once: it is signed (<https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>, "StringToSign") and
        // sent as is, with `Signature` appended (the server sorts the parameters to verify).
        // Both hold the STS token: wiped once the URL is built (the URL itself is dropped by the
        // HTTP client, and never kept in an error).
        let mut query = Zeroizing::new(signer::canonical_query(&params));
        let string_to_sign = Zeroizing::new(format!(
            "POST&{}&{}",
            signer::percent_encode("/"),
            signer::percent_encode(&query)
        ));
        let signature = signer::v1_signature(key.secret.expose(), &string_to_sign);
        query.push_str("&Signature=");
        query.push_str(&signer::percent_encode(&signature));
        let mut url = self.endpoint.clone();
        url.set_query(Some(&query));
        Ok((url, HeaderMap::new()))
    }

    fn sign_v3(
        &self,
        key: &Credentials,
        request: &RpcRequest,
        nonce: &str,
        now: &str,
    ) -> Result<(Url, HeaderMap)> {
        let host = host_header(&self.endpoint);
        // Borrowed pairs with static names: signed as they are, then sent without re-parsing
        // each header name.
        let mut signed: Vec<(&'static str, &str)> = Vec::with_capacity(8);
        signed.extend([
            ("host", host.as_str()),
            ("x-acs-action", request.action),
            ("x-acs-version", request.version),
            ("x-acs-date", now),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", signer::EMPTY_PAYLOAD_SHA256),
        ]);
        if let Some(token) = &key.security_token {
            // STS under V3 travels in headers, with the key id beside it, as
            // alibabacloud-tea-openapi `client.py` sends it.
            signed.push(("x-acs-security-token", token.expose()));
            signed.push(("x-acs-accesskey-id", key.access_key_id.as_str()));
        }
        let authorization = signer::sign_v3(
            "POST",
            &request.params,
            &signed,
            signer::EMPTY_PAYLOAD_SHA256,
            &key.access_key_id,
            key.secret.expose(),
        );
        let mut headers = HeaderMap::with_capacity(signed.len() + 2);
        for (name, value) in &signed {
            let mut value = header_value(name, value)?;
            value.set_sensitive(*name == "x-acs-security-token");
            headers.insert(HeaderName::from_static(name), value);
        }
        let mut authorization = header_value("authorization", &authorization)?;
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut url = self.endpoint.clone();
        url.set_query(Some(&signer::canonical_query(&request.params)));
        Ok((url, headers))
    }
}

/// The `host` header as the HTTP client sends it: the port only when it is not the scheme's
/// default (<https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>: `host`).
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

/// A fresh `SignatureNonce`: 128 random bits as 32 hex digits (the shape of a simple UUID),
/// drawn from the thread's CSPRNG rather than a system call per request.
fn nonce() -> String {
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}

/// `yyyy-MM-ddTHH:mm:ssZ` in UTC (`Timestamp` of <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>, `x-acs-date` of V3).
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

/// Reads an answer: the body of a 2xx (not parsed here: [`read_answer`] reads it, request id
/// included, in one pass), or the refusal of a 4xx/5xx. The request id of a refusal is recorded
/// into the current (attempt) span.
pub(crate) fn read_reply(action: &'static str, reply: Reply) -> Result<Bytes, Failure> {
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
                record_request_id(request_id.as_deref());
                tracing::debug!(status, code, request_id, "refused");
                Err(Failure::Refused(ApiError {
                    http_status: status,
                    code,
                    message: message.unwrap_or_default(),
                    request_id,
                    retry_after: reply.retry_after,
                }))
            }
            Ok(ErrorBody { request_id, .. }) => {
                record_request_id(request_id.as_deref());
                Err(Failure::Other(unreadable(action, &reply, request_id)))
            }
            Err(_) => {
                let request_id = request_id_of(&reply.body);
                record_request_id(request_id.as_deref());
                Err(Failure::Other(unreadable(action, &reply, request_id)))
            }
        },
        _ => {
            let request_id = request_id_of(&reply.body);
            record_request_id(request_id.as_deref());
            Err(Failure::Other(Error::InvalidResponse {
                operation: action.to_owned(),
                reason: format!("unexpected HTTP status: {}", snippet(&reply.body)),
                http_status: Some(status),
                request_id,
            }))
        }
    }
}

/// A successful answer's type, with the request id it carries.
pub(crate) trait Answer: DeserializeOwned {
    /// The `RequestId` of the answer.
    fn request_id(&self) -> Option<&str>;
}

impl Answer for DescribeResponse {
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Answer for AllocateResponse {
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Answer for Acknowledgement {
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// Parses the body of a 2xx into its type in one pass and records its request id into the
/// current (attempt) span.
pub(crate) fn read_answer<T: Answer>(action: &str, body: &[u8]) -> Result<T> {
    let answer: T = parse(action, body)?;
    record_request_id(answer.request_id());
    Ok(answer)
}

/// Records the request id of a write's 2xx answer, whose body is otherwise not needed: a body
/// that is not the API's JSON still means the write was accepted.
pub(crate) fn acknowledge(body: &[u8]) {
    record_request_id(request_id_of(body).as_deref());
}

fn record_request_id(request_id: Option<&str>) {
    if let Some(id) = request_id {
        tracing::Span::current().record("request_id", id);
    }
}

/// The `RequestId` of a body, when it is JSON that has one.
fn request_id_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Acknowledgement>(body)
        .ok()
        .and_then(|a| a.request_id)
}

/// A 4xx/5xx that is not the API's error JSON (a gateway's HTML page, a truncated body, JSON
/// without a `Code`): the one rule of [`eip_http::unreadable_answer`] — a 5xx is a retryable
/// service error coded `HTTP 502`, a 429 a rate limit, anything else (a 404 page too: it is no
/// proof that the address is gone) an invalid response.
fn unreadable(action: &str, reply: &Reply, request_id: Option<String>) -> Error {
    eip_http::unreadable_answer(
        KIND,
        action,
        reply.status,
        request_id,
        reply.retry_after,
        &reply.body,
    )
}

fn snippet(body: &[u8]) -> String {
    eip_http::snippet(body)
}

/// Parses a successful body, or says why it cannot be read.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(action: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        operation: action.to_owned(),
        reason: format!("{e}: {}", snippet(body)),
        http_status: Some(200),
        request_id: request_id_of(body),
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
            signed_with: Arc::new(Credentials::new("id", "secret")),
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
        assert_eq!(kind(502, r#"{"RequestId":"r"}"#), ("service", true));
        assert_eq!(kind(429, r#"{"RequestId":"r"}"#), ("rate_limited", true));
        match read_reply("X", reply(502, r#"{"RequestId":"r"}"#)) {
            Err(Failure::Other(e)) => assert_eq!(e.service().unwrap().code, "HTTP 502"),
            _ => panic!("expected an error"),
        }
        assert_eq!(kind(302, ""), ("invalid_response", false));
        assert!(read_reply("X", reply(200, "{}")).is_ok());
        assert!(matches!(
            parse::<crate::wire::DescribeResponse>("X", b"{\"Total"),
            Err(Error::InvalidResponse { .. })
        ));
    }

    #[test]
    fn a_success_is_read_once_with_its_request_id() {
        let page: crate::wire::DescribeResponse = read_answer(
            "X",
            br#"{"RequestId":"r-9","EipAddresses":{"EipAddress":[{"AllocationId":"eip-1"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            (page.request_id.as_deref(), page.items().len()),
            (Some("r-9"), 1)
        );
        match read_answer::<crate::wire::DescribeResponse>(
            "X",
            br#"{"RequestId":"r-8","TotalCount":1e400}"#,
        ) {
            // The id is still found: a field the acknowledgement does not read is skipped.
            Err(Error::InvalidResponse { request_id, .. }) => {
                assert_eq!(request_id.as_deref(), Some("r-8"))
            }
            other => panic!("{other:?}"),
        }
        // A nested value where a scalar belongs still counts against serde_json's depth limit.
        let deep = format!(
            r#"{{"RequestId":{}{}}}"#,
            "[".repeat(1_000),
            "]".repeat(1_000)
        );
        assert!(parse::<Acknowledgement>("X", deep.as_bytes()).is_err());
        assert_eq!(
            parse::<Acknowledgement>("X", br#"{"RequestId":["r"]}"#)
                .unwrap()
                .request_id,
            None
        );
    }

    #[test]
    fn v1_requests_carry_the_signature_of_their_canonical_query() {
        let transport = Transport {
            endpoint: Url::parse("http://127.0.0.1:1/").unwrap(),
            credentials: Arc::new(eip_http::StaticCredentials::new(Credentials::new(
                "id", "secret",
            ))),
            signature_version: SignatureVersion::V1,
            http: HttpClient::new(&eip_http::ClientOptions::new()).unwrap(),
        };
        let request = RpcRequest::new("DescribeEipAddresses", "cn-x").set("AllocationId", "eip-1");
        let key = Credentials::new("id", "secret");
        let (url, _) = transport
            .sign_v1(&key, &request, "n-1", "2024-01-01T00:00:00Z")
            .unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let (signature, unsigned) = pairs.split_last().unwrap();
        assert_eq!(signature.0, "Signature");
        assert_eq!(signature.1, signer::sign_v1("POST", unsigned, "secret"));
        assert!(unsigned
            .iter()
            .any(|(k, v)| k == "AllocationId" && v == "eip-1"));
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
