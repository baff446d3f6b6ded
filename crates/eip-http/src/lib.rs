//! The one HTTP client layer under the multicloud-eip providers.
//!
//! `eip-core` knows nothing of HTTP; each provider signs requests and reads its cloud's codes.
//! Everything in between lives here, once, so that both clouds behave alike:
//!
//! | piece | what it does |
//! |---|---|
//! | [`ClientOptions`] | timeouts, `User-Agent` (+ a tool's suffix), https-only proxy (explicit or `HTTPS_PROXY`/`NO_PROXY`, never with credentials), extra root certificates, the answer size cap, `allow_http` with the loopback rule, an injected `reqwest::Client` |
//! | [`HttpClient::send`] | ONE attempt: redirects refused, the answer read by chunks under the cap, one `reqwest::Error` → [`eip_core::Error`] mapping with no URL kept, the request id recorded into the `eip.attempt` span, auth headers marked sensitive |
//! | [`unreadable_answer`], [`snippet`] | one rule for a non-2xx whose body is not the cloud's JSON (429 → rate limited, 5xx → retryable service error `HTTP 502`, other → invalid response), with control characters escaped |
//! | [`de`] | tolerant serde readers: numbers as strings, `""` as absent, one-or-many, lists that drop odd items |
//! | [`RetryRules`] | a cloud's throttling and transient codes as two `const` lists, as a retry classifier |
//! | [`TokenCache`] | one cache for every expiring credential: fast read path, single-flight refresh, `min_ttl`, failure-while-valid served, bounded backoff |
//! | [`credentials`] | [`ProvideCredentials`], [`RefreshingCredentials`] (on [`TokenCache`], optionally on a [`FileCache`]), [`CredentialChain`] (named steps, the winner remembered, one error listing every step), [`MetadataClient`] (1 s, no proxy), [`read_private_file`], an injectable [`Env`] |
//!
//! There is no retry loop here: a provider runs each call through [`eip_core::retry::run`],
//! whose closure builds a fresh, freshly signed [`Request`] per attempt and calls
//! [`HttpClient::send`] exactly once.
//!
//! # How a provider uses it
//!
//! ```no_run
//! use eip_core::retry::{self, Call, RetryPolicy};
//! use eip_core::{Error, ProviderKind, Result};
//! use eip_http::{ClientOptions, HttpClient, Request, RetryRules};
//! use serde::Deserialize;
//!
//! const KIND: ProviderKind = ProviderKind::new("mycloud");
//!
//! // The cloud's codes, each list citing the cloud's public error-code page.
//! const THROTTLING_ERRORS: &[&str] = &["Throttling*"];
//! const TRANSIENT_ERRORS: &[&str] = &["ServiceUnavailable", "SystemBusy"];
//! const RULES: RetryRules = RetryRules::new(THROTTLING_ERRORS, TRANSIENT_ERRORS);
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct Page {
//!     #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
//!     total_count: Option<u64>,
//! }
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct ErrorBody {
//!     #[serde(default, deserialize_with = "eip_http::de::opt_string")]
//!     code: Option<String>,
//! }
//!
//! async fn count(endpoint: &url::Url, options: &ClientOptions) -> Result<u64> {
//!     // Once, in the provider's builder: check the endpoint, build the client.
//!     options.check_endpoint("endpoint", endpoint)?;
//!     let http = HttpClient::new(options)?
//!         .with_request_id_headers(&["x-request-id"])
//!         .with_sensitive_headers(&["x-auth-token"]);
//!
//!     // Per call: the ONE retry loop; per attempt: build, sign, send once, read.
//!     let call = Call::read(KIND, "DescribeThings");
//!     let page: Page = retry::run(
//!         &call,
//!         &RetryPolicy::default(),
//!         &options.timeouts(),
//!         &RULES,
//!         |_attempt| async {
//!             let request = Request::get("DescribeThings", endpoint.clone())
//!                 .header("x-auth-token", "token from a TokenCache")?;
//!             let response = http.send(request).await?;
//!             if response.is_success() {
//!                 return response.json::<Page>();
//!             }
//!             match response.json::<ErrorBody>() {
//!                 // The provider's own code table maps a readable refusal...
//!                 Ok(ErrorBody { code: Some(code) }) => Err(Error::invalid_input("request", code)),
//!                 // ...and the one shared rule everything else.
//!                 _ => Err(response.unreadable(KIND, response.retry_after_seconds("retry-after"))),
//!             }
//!         },
//!     )
//!     .await?;
//!     Ok(page.total_count.unwrap_or(0))
//! }
//! ```
//!
//! # What a custom `reqwest::Client` must set
//!
//! See [`ClientOptions::with_http_client`]: `redirect(Policy::none())`, `no_proxy()` (or an
//! https-only proxy) and a connect timeout. The rest is enforced per request.

#![deny(missing_docs)]

mod classify;
mod client;
pub mod credentials;
pub mod de;
mod error;
mod options;
mod token;

pub use classify::{code_in, CodeClass, RetryRules};
pub use client::{record_request_id, HttpClient, Request, Response};
pub use credentials::{
    read_private_file, CredentialChain, Credentials, Env, FileCache, MetadataAnswer,
    MetadataClient, ProvideCredentials, RefreshPolicy, RefreshingCredentials, StaticCredentials,
    Step, METADATA_TIMEOUT,
};
pub use error::{snippet, unreadable_answer};
pub use options::{ClientOptions, DEFAULT_MAX_RESPONSE_BYTES, USER_AGENT};
pub use token::{TemporaryToken, TokenCache};

/// Re-exported so providers name HTTP types through one path.
pub use reqwest::header;
pub use reqwest::Method;
