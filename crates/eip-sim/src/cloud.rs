//! What each emulated cloud plugs into the shared server.
//!
//! The server (`server.rs`) owns the listener, the fault injector, the request log and the control
//! API; each cloud module (`alibaba/`, `huawei/`) implements [`CloudApi`] and knows only its own
//! wire format, signatures, state and error bodies.

use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::request::Parts;
use http::Response;
use serde::{Deserialize, Serialize};

/// Which cloud a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Alibaba Cloud VPC RPC API.
    Alibaba,
    /// Huawei Cloud IAM and VPC v1.
    Huawei,
}

/// An error the fault injector makes a cloud answer with, in that cloud's documented shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectedError {
    /// Throttling: Alibaba `Throttling.User` (HTTP 400); Huawei 429 `APIGW.0308`.
    Throttled,
    /// HTTP 503 `ServiceUnavailable` (Huawei: a gateway-shaped 503 body).
    Unavailable,
    /// HTTP 500 `InternalError` (Huawei: a 500 body).
    Internal,
    /// "Busy, try again later": Alibaba `OperationConflict` 409; Huawei 409 `VPC.0512`.
    Busy,
}

/// Set by a cloud on every error response (as a response extension) so the request log can
/// record the error code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorCode(pub String);

/// Settings every cloud shares.
#[derive(Clone, Debug)]
pub struct CommonConfig {
    /// How long an asynchronous transition (Associating → InUse, PENDING_CREATE → DOWN...) takes.
    pub transition_delay: Duration,
    /// Seed for everything random the emulator decides (addresses, ids), for reproducible runs.
    pub seed: u64,
    /// Whether requests must be authenticated (signatures, tokens). `true` by default; `false`
    /// serves unsigned requests, so a benchmark can compare a bare HTTP client with a provider
    /// on the same server-side work ([`crate::SimBuilder::verify_signatures`]).
    pub verify_signatures: bool,
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self {
            transition_delay: Duration::from_millis(300),
            seed: 1,
            verify_signatures: true,
        }
    }
}

/// One address in a cloud's inventory, for "nothing leaked, nothing duplicated" assertions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    /// The cloud.
    pub cloud: Cloud,
    /// The address's id.
    pub id: String,
    /// The public address.
    pub address: IpAddr,
    /// The status, in the cloud's own words (`InUse`, `ACTIVE`...).
    pub status: String,
    /// The instance / port it is bound to, if any.
    pub bound_to: Option<String>,
    /// Its name (Alibaba `Name`, Huawei `alias`).
    pub name: Option<String>,
}

/// One emulated cloud.
pub trait CloudApi: Send + Sync + 'static {
    /// Which cloud this is.
    fn cloud(&self) -> Cloud;

    /// The action a request names, for fault rules and the request log: the RPC `Action` for
    /// Alibaba (`AllocateEipAddress`), an operation name for Huawei (`CreatePublicip`,
    /// `KeystoneCreateToken`...). Must not fail: return `"Unknown"` when there is none.
    fn action(&self, parts: &Parts, body: &Bytes) -> String;

    /// The response for an injected error, in this cloud's shape, with `request_id` in it and
    /// an [`ErrorCode`] extension.
    fn injected_error(&self, error: InjectedError, request_id: &str) -> Response<Body>;

    /// Verifies, executes and answers one request. `request_id` is the id this answer must carry
    /// (in the body for Alibaba, in `X-Request-Id` for Huawei). Error answers carry an
    /// [`ErrorCode`] extension.
    fn handle(
        &self,
        parts: Parts,
        body: Bytes,
        request_id: String,
    ) -> BoxFuture<'_, Response<Body>>;

    /// Every address this cloud holds now (transitions due by now applied).
    fn inventory(&self) -> Vec<InventoryItem>;

    /// Forgets all state (addresses, nonces, tokens, idempotency records), keeping configuration.
    fn reset(&self);

    /// A cloud-specific control operation, `POST /_sim/<cloud>/<op>` with a JSON body
    /// (e.g. Huawei `revoke_tokens`, `expire_tokens`). `Err` is a message for a 400 answer.
    fn control(&self, op: &str, body: serde_json::Value) -> Result<serde_json::Value, String>;
}
