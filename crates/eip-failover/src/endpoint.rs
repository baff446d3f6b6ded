//! The opt-in listener: `/metrics` (Prometheus text) and `/status` (JSON).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::agent::Agent;

/// Serves `/metrics` and `/status` of `agent` on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, agent: Arc<Agent>) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .with_state(agent);
    axum::serve(listener, app).await
}

async fn metrics(State(agent): State<Arc<Agent>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        agent.metrics().render(),
    )
}

async fn status(State(agent): State<Arc<Agent>>) -> impl IntoResponse {
    Json(agent.status())
}
