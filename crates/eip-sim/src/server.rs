//! The shared HTTP server: one listener for the control API and both clouds, routed by path;
//! faults, latency and the request log are applied here, the same way for every cloud.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::alibaba::AlibabaSim;
use crate::cloud::{Cloud, CloudApi, ErrorCode, InventoryItem};
use crate::faults::{FaultKind, Faults};
use crate::huawei::HuaweiSim;
use crate::log::{millis, LoggedRequest, RequestLog};

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
        } else if under("/v3") || under("/v1") {
            Some(&self.huawei)
        } else {
            // Alibaba's RPC API lives at `/` (alibaba.md §2.2: the CanonicalURI is `/`).
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
        match self.route(parts.uri.path()) {
            None => Ok(crate::control::handle(&self, &parts, &body)),
            Some(api) => self.serve_cloud(api, parts, body, arrived).await,
        }
    }

    async fn serve_cloud(
        &self,
        api: &dyn CloudApi,
        parts: Parts,
        body: Bytes,
        arrived: Instant,
    ) -> Result<Response<Body>, DroppedConnection> {
        // Alibaba's RequestId is an upper-case UUID; Huawei's module formats its own from it.
        let request_id = uuid::Uuid::new_v4().to_string().to_uppercase();
        let action = api.action(&parts, &body);
        let decision = self.faults.decide(api.cloud(), &action);
        if !decision.latency.is_zero() {
            tokio::time::sleep(decision.latency).await;
        }
        let method = parts.method.to_string();
        let path = parts.uri.path().to_owned();
        let (response, delivered) = match &decision.fault {
            Some(FaultKind::Error(error)) => (Some(api.injected_error(*error, &request_id)), true),
            Some(FaultKind::CloseConnection) => (None, false),
            Some(FaultKind::CommitThenDrop) => {
                (Some(api.handle(parts, body, request_id).await), false)
            }
            _ => (Some(api.handle(parts, body, request_id).await), true),
        };
        let entry = LoggedRequest {
            cloud: api.cloud(),
            action,
            method,
            path,
            status: response.as_ref().map_or(0, |r| r.status().as_u16()),
            error_code: response
                .as_ref()
                .and_then(|r| r.extensions().get::<ErrorCode>())
                .map(|c| c.0.clone()),
            fault: decision.label(),
            at_ms: self.log.since_start(arrived),
            duration_ms: millis(arrived.elapsed()),
        };
        trace_request(&entry);
        self.log.record(entry);
        match response {
            Some(response) if delivered => Ok(response),
            _ => Err(DroppedConnection),
        }
    }
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
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared), shutdown.clone()));
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
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| Arc::clone(&shared).serve(request));
    let connection = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended");
            }
        }
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
