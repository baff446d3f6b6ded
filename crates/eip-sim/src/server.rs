//! The shared HTTP server: one listener for the control API and both clouds, routed by path;
//! faults, latency and the request log are applied here, the same way for every cloud.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::alibaba::AlibabaSim;
use crate::cloud::{Cloud, CloudApi, Effects, ErrorCode, InventoryItem, Timing};
use crate::faults::{Caller, Decision, FaultKind, Faults};
use crate::huawei::HuaweiSim;
use crate::log::{millis, LoggedRequest, RequestLog};

/// Every answer's body: the emulator answers whole bodies, never streams.
pub(crate) type Body = http_body_util::Full<Bytes>;

/// Largest request body read; larger ones are answered 413.
const MAX_BODY: usize = 1 << 20;

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) alibaba: AlibabaSim,
    pub(crate) huawei: HuaweiSim,
    pub(crate) faults: Faults,
    pub(crate) log: RequestLog,
    /// `http://host:port`, as clients reach the listener.
    pub(crate) base_url: String,
    /// Transition times and the time scale.
    pub(crate) timing: Timing,
    /// Whether the control API answers peers other than loopback.
    pub(crate) control_allow_remote: bool,
    /// Connection timeouts.
    pub(crate) connections: ConnectionLimits,
}

/// How long a connection may take to send a request's headers, and stay idle between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
        }
    }
}

/// Whether a control request from `peer` is served: loopback peers always, others only when
/// the emulator was configured to allow them (`--control-allow-remote`).
pub(crate) fn control_allowed(peer: IpAddr, allow_remote: bool) -> bool {
    allow_remote || peer.is_loopback() || peer.to_canonical().is_loopback()
}

/// Returned by the service to make hyper close the connection without writing an answer.
#[derive(Debug)]
pub(crate) struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

impl Shared {
    /// The cloud API for a cloud.
    pub(crate) fn cloud(&self, cloud: Cloud) -> &dyn CloudApi {
        match cloud {
            Cloud::Alibaba => &self.alibaba,
            Cloud::Huawei => &self.huawei,
        }
    }

    /// Which cloud serves a path; `None` for the control API.
    fn route(&self, path: &str) -> Option<&dyn CloudApi> {
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        if under("/_sim") {
            None
        } else if under("/v3")
            || under("/v1")
            || under("/v2.0")
            || under("/v1.0")
            || under("/v3.0")
            || under("/openstack")
            || under("/meta-data")
        {
            Some(&self.huawei)
        } else {
            // Alibaba's RPC API lives at `/` (the V3 signature page,
            // https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature:
            // the CanonicalURI is `/`).
            Some(&self.alibaba)
        }
    }

    /// Every address of both clouds.
    pub(crate) fn inventory(&self) -> Vec<InventoryItem> {
        let mut items = self.alibaba.inventory();
        items.extend(self.huawei.inventory());
        items
    }

    /// Forgets the clouds' state and the request log; fault rules stay.
    pub(crate) fn reset(&self) {
        self.alibaba.reset();
        self.huawei.reset();
        self.log.clear();
    }

    /// The binary's JSON line.
    pub(crate) fn contract(&self) -> serde_json::Value {
        serde_json::json!({
            "alibaba": self.alibaba.info(&self.base_url),
            "huawei": self.huawei.info(&self.base_url),
            "control": format!("{}/_sim", self.base_url),
        })
    }

    async fn serve(
        self: Arc<Self>,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<Response<Body>, DroppedConnection> {
        let arrived = Instant::now();
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return Ok(plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "request body too large or unreadable",
                ))
            }
        };
        match self.route(parts.uri.path()).map(|api| api.cloud()) {
            None if !control_allowed(peer.ip(), self.control_allow_remote) => Ok(plain(
                StatusCode::FORBIDDEN,
                "the control API answers loopback clients only (see --control-allow-remote)",
            )),
            None => Ok(crate::control::handle(&self, &parts, &body)),
            Some(cloud) => self.serve_cloud(cloud, parts, body, arrived, peer).await,
        }
    }

    async fn serve_cloud(
        self: Arc<Self>,
        cloud: Cloud,
        parts: Parts,
        body: Bytes,
        arrived: Instant,
        peer: SocketAddr,
    ) -> Result<Response<Body>, DroppedConnection> {
        let api = self.cloud(cloud);
        // Alibaba's RequestId is an upper-case UUID; Huawei's module formats its own from it.
        let request_id = uuid::Uuid::new_v4().to_string().to_uppercase();
        let action = api.action(&parts, &body);
        let decision = self.faults.decide(&Caller {
            cloud,
            action: &action,
            peer: peer.ip(),
        });
        if !decision.latency.is_zero() {
            tokio::time::sleep(self.timing.scale(decision.latency)).await;
        }
        let effects = Effects {
            read_lag: decision.read_lag.map(|lag| self.timing.scale(lag)),
        };
        let method = parts.method.to_string();
        let path = parts.uri.path().to_owned();
        let pending = Pending {
            cloud,
            action,
            method,
            path,
            arrived,
            label: decision.label(),
        };
        let (response, delivered) = match &decision {
            Decision {
                quota: Some(hit), ..
            } => (Some(api.quota_error(hit, &request_id)), true),
            Decision {
                fault: Some(fault), ..
            } => match fault {
                FaultKind::Error(error) => (Some(api.injected_error(*error, &request_id)), true),
                FaultKind::CloseConnection => (None, false),
                FaultKind::CommitThenDrop => (
                    Some(api.handle(parts, body, request_id, effects).await),
                    false,
                ),
                FaultKind::CommitThenError { status } => {
                    let _executed = api.handle(parts, body, request_id.clone(), effects).await;
                    let status =
                        StatusCode::from_u16(*status).unwrap_or(StatusCode::GATEWAY_TIMEOUT);
                    (Some(api.gateway_error(status, &request_id)), true)
                }
                FaultKind::LateDelivery { delay } => {
                    let delay = self.timing.scale(*delay);
                    let shared = Arc::clone(&self);
                    // Applied on its own task, so the effect lands whether or not the client
                    // is still waiting on this connection.
                    let applied = tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        let api = shared.cloud(cloud);
                        let response = api.handle(parts, body, request_id, effects).await;
                        shared.record(pending, Some(&response));
                    });
                    // The connection stays unanswered until the action has been applied, then
                    // closes without an answer.
                    let _ = applied.await;
                    return Err(DroppedConnection);
                }
                _ => (
                    Some(api.handle(parts, body, request_id, effects).await),
                    true,
                ),
            },
            _ => (
                Some(api.handle(parts, body, request_id, effects).await),
                true,
            ),
        };
        self.record(pending, response.as_ref());
        match response {
            Some(response) if delivered => Ok(response),
            _ => Err(DroppedConnection),
        }
    }

    /// Writes one request log entry.
    fn record(&self, pending: Pending, response: Option<&Response<Body>>) {
        let entry = LoggedRequest {
            cloud: pending.cloud,
            action: pending.action,
            method: pending.method,
            path: pending.path,
            status: response.map_or(0, |r| r.status().as_u16()),
            error_code: response
                .and_then(|r| r.extensions().get::<ErrorCode>())
                .map(|c| c.0.clone()),
            fault: pending.label,
            at_ms: self.log.since_start(pending.arrived),
            duration_ms: millis(pending.arrived.elapsed()),
        };
        trace_request(&entry);
        self.log.record(entry);
    }
}

/// What the request log needs of a request before its answer exists.
struct Pending {
    cloud: Cloud,
    action: String,
    method: String,
    path: String,
    arrived: Instant,
    label: Option<String>,
}

fn trace_request(entry: &LoggedRequest) {
    tracing::debug!(
        cloud = ?entry.cloud,
        action = %entry.action,
        status = entry.status,
        error_code = entry.error_code.as_deref().unwrap_or(""),
        fault = entry.fault.as_deref().unwrap_or(""),
        duration_ms = entry.duration_ms,
        "request"
    );
}

/// A plain-text answer.
pub(crate) fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = status;
    response
}

/// Accepts connections until `shutdown` turns true (or its sender goes away), serving each on
/// its own task with keep-alive. Dropping (aborting) this future aborts every connection.
pub(crate) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, Arc::clone(&shared), shutdown.clone()));
                }
                Err(error) => {
                    // Typically EMFILE under a connection storm: back off briefly, keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let limits = shared.connections;
    let activity = Arc::new(Activity::default());
    let seen = Arc::clone(&activity);
    let started = Instant::now();
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let seen = Arc::clone(&seen);
        async move {
            seen.in_flight.fetch_add(1, Ordering::SeqCst);
            let answer = shared.serve(request, peer).await;
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            seen.last_ms
                .store(millis(started.elapsed()), Ordering::SeqCst);
            answer
        }
    });
    let connection = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let idle = idle_watch(&activity, started, limits.idle_timeout);
    tokio::pin!(idle);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended");
            }
        }
        () = &mut idle => {
            tracing::trace!(%peer, "idle connection closed");
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
        }
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// What a connection's idle watch reads: requests in flight, and when the last one ended.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds since the connection opened, at the end of the last request.
    last_ms: AtomicU64,
}

/// Resolves once the connection has had no request in flight for `idle`.
async fn idle_watch(activity: &Activity, started: Instant, idle: Duration) {
    let tick = (idle / 4).clamp(Duration::from_millis(5), Duration::from_secs(5));
    loop {
        tokio::time::sleep(tick).await;
        let last = Duration::from_millis(activity.last_ms.load(Ordering::SeqCst));
        let quiet = started.elapsed().saturating_sub(last);
        if activity.in_flight.load(Ordering::SeqCst) == 0 && quiet >= idle {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_api_answers_loopback_peers_unless_told_otherwise() {
        let v4: IpAddr = [127, 0, 0, 1].into();
        let v6: IpAddr = std::net::Ipv6Addr::LOCALHOST.into();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap_or(v6);
        let remote: IpAddr = [192, 0, 2, 7].into();
        assert!(control_allowed(v4, false) && control_allowed(v6, false));
        assert!(control_allowed(mapped, false));
        assert!(!control_allowed(remote, false));
        assert!(control_allowed(remote, true));
    }
}
