//! What each emulated cloud plugs into the shared server.
//!
//! The server (`server.rs`) owns the listener, the fault injector, the request log and the control
//! API; each cloud module (`alibaba/`, `huawei/`) implements [`CloudApi`] and knows only its own
//! wire format, signatures, state and error bodies.

use std::net::IpAddr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;

use axum::body::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::request::Parts;
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::faults::QuotaHit;

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

/// How long an asynchronous transition takes: always the same, or drawn per transition.
///
/// In JSON: `{"fixed_ms":300}` or `{"uniform_ms":{"min":2000,"max":5000}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionTime {
    /// Every transition takes this long.
    #[serde(rename = "fixed_ms", with = "crate::faults::millis")]
    Fixed(Duration),
    /// Each transition takes a duration drawn uniformly between `min` and `max` (seeded).
    #[serde(rename = "uniform_ms")]
    Uniform {
        /// The shortest transition.
        #[serde(with = "crate::faults::millis")]
        min: Duration,
        /// The longest transition.
        #[serde(with = "crate::faults::millis")]
        max: Duration,
    },
}

impl TransitionTime {
    /// One transition's duration, before the time scale.
    fn draw(self, rng: &mut StdRng) -> Duration {
        match self {
            Self::Fixed(d) => d,
            Self::Uniform { min, max } if max <= min => min,
            Self::Uniform { min, max } => {
                let span = u64::try_from((max - min).as_micros()).unwrap_or(u64::MAX);
                min.saturating_add(Duration::from_micros(rng.gen_range(0..=span)))
            }
        }
    }
}

/// The emulated clock: transition times and the global time scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Timing {
    pub(crate) transition: TransitionTime,
    /// Every emulated duration (transitions, read lag, late delivery, quota windows, latency)
    /// is multiplied by this; always finite and positive.
    pub(crate) time_scale: f64,
}

impl Timing {
    /// `d` compressed (or stretched) by the time scale, saturating.
    pub(crate) fn scale(&self, d: Duration) -> Duration {
        scale(d, self.time_scale)
    }

    /// The scaled duration of one transition, drawn from `rng`.
    pub(crate) fn transition(&self, rng: &mut StdRng) -> Duration {
        self.scale(self.transition.draw(rng))
    }
}

/// `d × factor`, saturating at `Duration::MAX`; a factor that is not finite and positive is 1.
pub(crate) fn scale(d: Duration, factor: f64) -> Duration {
    if !(factor.is_finite() && factor > 0.0) || factor == 1.0 {
        return d;
    }
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// Side effects the fault injector asks a cloud to apply to one request it executes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effects {
    /// When set, the resource a write creates or changes shows its previous state (or is
    /// absent, when new) to reads for this long (already scaled).
    pub(crate) read_lag: Option<Duration>,
}

/// Settings every cloud shares.
#[derive(Clone, Debug)]
pub struct CommonConfig {
    /// How long an asynchronous transition (Associating → InUse, PENDING_CREATE → DOWN...) takes,
    /// unless [`transitions`](Self::transitions) is set.
    pub transition_delay: Duration,
    /// The distribution of transition times; `None`: always [`transition_delay`](Self::transition_delay).
    pub transitions: Option<TransitionTime>,
    /// Multiplies every emulated duration (transitions, read lag, late delivery, quota windows,
    /// injected latency), e.g. `0.01` to run second-scale behaviour in tens of milliseconds.
    /// Default 1. A value that is not finite and positive counts as 1.
    pub time_scale: f64,
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
            transitions: None,
            time_scale: 1.0,
            seed: 1,
            verify_signatures: true,
        }
    }
}

impl CommonConfig {
    pub(crate) fn timing(&self) -> Timing {
        let valid = self.time_scale.is_finite() && self.time_scale > 0.0;
        Timing {
            transition: self
                .transitions
                .unwrap_or(TransitionTime::Fixed(self.transition_delay)),
            time_scale: if valid { self.time_scale } else { 1.0 },
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

    /// What a gateway in front of this cloud answers with `status` after the backend executed
    /// the request (or failed to answer in time): Huawei's APIG 504 `APIG.0201` JSON or a 502/503
    /// HTML page, Alibaba's `ServiceUnavailable` / `InternalError` JSON. Carries an [`ErrorCode`].
    fn gateway_error(&self, status: StatusCode, request_id: &str) -> Response<Body>;

    /// The throttling answer when a quota window is full, naming the policy, its limit and its
    /// window (`window` is the effective, scaled window length).
    fn quota_error(&self, quota: &QuotaHit, request_id: &str) -> Response<Body>;

    /// Verifies, executes and answers one request. `request_id` is the id this answer must carry
    /// (in the body for Alibaba, in `X-Request-Id` for Huawei). Error answers carry an
    /// [`ErrorCode`] extension.
    fn handle(
        &self,
        parts: Parts,
        body: Bytes,
        request_id: String,
        effects: Effects,
    ) -> BoxFuture<'_, Response<Body>>;

    /// Every address this cloud holds now (transitions due by now applied).
    fn inventory(&self) -> Vec<InventoryItem>;

    /// Forgets all state (addresses, nonces, tokens, idempotency records), keeping configuration.
    fn reset(&self);

    /// A cloud-specific control operation, `POST /_sim/<cloud>/<op>` with a JSON body
    /// (e.g. Huawei `revoke_tokens`, `expire_tokens`). `Err` is a message for a 400 answer.
    fn control(&self, op: &str, body: serde_json::Value) -> Result<serde_json::Value, String>;
}
