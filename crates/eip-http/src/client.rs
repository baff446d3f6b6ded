//! [`HttpClient::send`]: one attempt, from a built [`Request`] to a fully read [`Response`].

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use eip_core::{Error, ProviderKind, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, PROXY_AUTHORIZATION};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::error::{self, Phase};
use crate::options::ClientOptions;

/// One HTTP request, built afresh for every attempt (new nonce, new date, new signature).
#[derive(Clone)]
pub struct Request {
    operation: &'static str,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Bytes,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No URL (its query may hold a signature or a token) and no header values.
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Request {
    /// A request for the cloud's operation `operation` (named in errors and spans).
    pub fn new(operation: &'static str, method: Method, url: Url) -> Self {
        Self {
            operation,
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A `GET`.
    pub fn get(operation: &'static str, url: Url) -> Self {
        Self::new(operation, Method::GET, url)
    }

    /// A `POST`.
    pub fn post(operation: &'static str, url: Url) -> Self {
        Self::new(operation, Method::POST, url)
    }

    /// A `PUT`.
    pub fn put(operation: &'static str, url: Url) -> Self {
        Self::new(operation, Method::PUT, url)
    }

    /// A `DELETE`.
    pub fn delete(operation: &'static str, url: Url) -> Self {
        Self::new(operation, Method::DELETE, url)
    }

    /// Adds a header from text. A value HTTP cannot carry (a line break in a token the caller
    /// gave) is [`Error::InvalidInput`] naming the header, before anything is sent.
    pub fn header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_input(name, "the value is not valid in an HTTP header"))?;
        self.headers.append(HeaderName::from_static(name), value);
        Ok(self)
    }

    /// Adds a header already built.
    pub fn header_value(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The operation named in errors.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL (for signing; never put it in an error or a log line).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to add signed ones in place.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }
}

/// One answer, read completely (within the size cap).
#[derive(Clone)]
pub struct Response {
    operation: &'static str,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    request_id: Option<String>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold a token (`X-Subject-Token`); only names are shown.
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Response {
    /// A response built by hand, for tests and for tools that replay recorded answers.
    pub fn from_parts(
        operation: &'static str,
        status: u16,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            status,
            headers,
            body,
            request_id: None,
        }
    }

    /// The operation it answers.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, when present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The request id: from the headers [`HttpClient::with_request_id_headers`] names, or as
    /// set by [`Response::set_request_id`].
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Sets the request id found elsewhere (a cloud that puts it in the body) and records it
    /// into the current attempt span.
    pub fn set_request_id(&mut self, request_id: impl Into<String>) {
        let request_id = request_id.into();
        record_request_id(&request_id);
        self.request_id = Some(request_id);
    }

    /// A delay header given in whole seconds (`Retry-After: 3`), saturating.
    pub fn retry_after_seconds(&self, header: &str) -> Option<Duration> {
        let value = self.header(header)?.trim().parse::<u64>().ok()?;
        Some(Duration::from_secs(value))
    }

    /// A delay header given in milliseconds.
    pub fn retry_after_millis(&self, header: &str) -> Option<Duration> {
        let value = self.header(header)?.trim().parse::<u64>().ok()?;
        Some(Duration::from_millis(value))
    }

    /// Parses the body as JSON into `T` in one pass; a body that is not `T` is
    /// [`Error::InvalidResponse`] with the status, the request id and a short snippet.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::InvalidResponse {
            operation: self.operation.to_owned(),
            reason: if self.body.is_empty() {
                "empty body".to_owned()
            } else {
                format!(
                    "not the expected JSON ({e}): {}",
                    error::snippet(&self.body)
                )
            },
            http_status: Some(self.status),
            request_id: self.request_id.clone(),
        })
    }

    /// A short, printable start of the body (see [`crate::snippet`]).
    pub fn snippet(&self) -> String {
        error::snippet(&self.body)
    }

    /// The error a non-2xx answer means when its body is not the cloud's error JSON (an HTML
    /// page from a gateway, a truncated body): see [`crate::unreadable_answer`].
    pub fn unreadable(&self, provider: ProviderKind, retry_after: Option<Duration>) -> Error {
        error::unreadable_answer(
            provider,
            self.operation,
            self.status,
            self.request_id.clone(),
            retry_after,
            &self.body,
        )
    }
}

/// Records a request id into the current span (the retry loop's `eip.attempt` span declares
/// the `request_id` field).
pub fn record_request_id(request_id: &str) {
    tracing::Span::current().record("request_id", request_id);
}

/// The one HTTP client of a provider instance: a `reqwest::Client` and the policies every
/// attempt follows.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    options: ClientOptions,
    user_agent: HeaderValue,
    request_id_headers: &'static [&'static str],
    sensitive_headers: &'static [&'static str],
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("options", &self.options)
            .field("request_id_headers", &self.request_id_headers)
            .field("sensitive_headers", &self.sensitive_headers)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds the client from `options` (reading `HTTPS_PROXY` / `NO_PROXY` now, when no proxy
    /// is set explicitly). Fails with [`Error::InvalidInput`] on a proxy URL with credentials,
    /// an unreadable PEM file, an invalid user agent suffix, or an injected client combined
    /// with options it cannot honour.
    pub fn new(options: &ClientOptions) -> Result<Self> {
        Ok(Self {
            client: options.reqwest_client()?,
            user_agent: options.user_agent_header()?,
            options: options.clone(),
            request_id_headers: &[],
            sensitive_headers: &[],
        })
    }

    /// The response headers holding the cloud's request id, first match wins
    /// (`&["x-request-id"]`). The id is recorded into the current attempt span.
    pub fn with_request_id_headers(mut self, names: &'static [&'static str]) -> Self {
        self.request_id_headers = names;
        self
    }

    /// Request headers that carry secrets (`x-auth-token`, `x-security-token`...), marked
    /// sensitive so that no debug output of the HTTP stack shows them. `Authorization` and
    /// `Proxy-Authorization` always are.
    pub fn with_sensitive_headers(mut self, names: &'static [&'static str]) -> Self {
        self.sensitive_headers = names;
        self
    }

    /// The options it was built from.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Sends one attempt and reads the whole answer, whatever its status.
    ///
    /// - The `User-Agent` and the attempt timeout are set on every request.
    /// - A 3xx answer, or an answer the injected client reached by following a redirect, is
    ///   [`Error::InvalidResponse`] naming the status; redirects are never followed.
    /// - A body over [`ClientOptions::max_response_bytes`] is [`Error::InvalidResponse`]: it is
    ///   read by chunks and no further than the cap.
    /// - Failures are mapped once: a timeout is [`Error::Timeout`] with the real elapsed time;
    ///   a failure to connect is `maybe_sent: false`; any failure after that, the body's
    ///   included, `maybe_sent: true`. No error keeps the URL or its query.
    pub async fn send(&self, request: Request) -> Result<Response> {
        let Request {
            operation,
            method,
            url,
            mut headers,
            body,
        } = request;
        self.mark_sensitive(&mut headers);
        let started = Instant::now();
        let mut response = self
            .client
            .request(method, url.clone())
            .headers(headers)
            .header(reqwest::header::USER_AGENT, self.user_agent.clone())
            .timeout(self.options.timeouts().attempt)
            .body(body)
            .send()
            .await
            .map_err(|e| error::from_reqwest(operation, e, started.elapsed(), Phase::Send, &url))?;
        let status = response.status().as_u16();
        let request_id = self.request_id_of(response.headers());
        if let Some(id) = &request_id {
            record_request_id(id);
        }
        if (300..400).contains(&status) {
            return Err(Error::InvalidResponse {
                operation: operation.to_owned(),
                reason: format!("a redirect (HTTP {status}) is never followed"),
                http_status: Some(status),
                request_id,
            });
        }
        if response.url() != &url {
            return Err(Error::InvalidResponse {
                operation: operation.to_owned(),
                reason:
                    "the HTTP client followed a redirect; build it with redirect(Policy::none())"
                        .to_owned(),
                http_status: Some(status),
                request_id,
            });
        }
        let cap = self.options.max_response_bytes();
        let too_large = |request_id: Option<String>| Error::InvalidResponse {
            operation: operation.to_owned(),
            reason: format!("the answer is larger than the {cap}-byte limit"),
            http_status: Some(status),
            request_id,
        };
        let declared = response.content_length();
        if declared.is_some_and(|n| n > cap as u64) {
            return Err(too_large(request_id));
        }
        let capacity = declared
            .map_or(0, |n| usize::try_from(n).unwrap_or(cap))
            .min(cap);
        let mut buffer = BytesMut::with_capacity(capacity);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if buffer.len().saturating_add(chunk.len()) > cap {
                        return Err(too_large(request_id));
                    }
                    buffer.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(error::from_reqwest(
                        operation,
                        e,
                        started.elapsed(),
                        Phase::Body,
                        &url,
                    ))
                }
            }
        }
        tracing::debug!(
            operation,
            status,
            request_id = request_id.as_deref(),
            bytes = buffer.len(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "answer"
        );
        Ok(Response {
            operation,
            status,
            headers: std::mem::take(response.headers_mut()),
            body: buffer.freeze(),
            request_id,
        })
    }

    fn mark_sensitive(&self, headers: &mut HeaderMap) {
        for (name, value) in headers.iter_mut() {
            if name == AUTHORIZATION
                || name == PROXY_AUTHORIZATION
                || self
                    .sensitive_headers
                    .iter()
                    .any(|s| name.as_str().eq_ignore_ascii_case(s))
            {
                value.set_sensitive(true);
            }
        }
    }

    fn request_id_of(&self, headers: &HeaderMap) -> Option<String> {
        self.request_id_headers.iter().find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| error::clean(v, 128))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn auth_headers_are_marked_sensitive() {
        let http = HttpClient::new(&ClientOptions::new().with_no_proxy())
            .unwrap()
            .with_sensitive_headers(&["x-auth-token"]);
        let request = Request::get("Get", Url::parse("http://127.0.0.1:1/").unwrap())
            .header("authorization", "SDK-HMAC-SHA256 sig")
            .unwrap()
            .header("x-auth-token", "t")
            .unwrap()
            .header("x-sdk-date", "20240101T000000Z")
            .unwrap();
        let mut headers = request.headers().clone();
        http.mark_sensitive(&mut headers);
        assert!(headers["authorization"].is_sensitive());
        assert!(headers["x-auth-token"].is_sensitive());
        assert!(!headers["x-sdk-date"].is_sensitive());
        assert!(!format!("{request:?}").contains("sig"));
    }
}
