//! The ECS instance metadata service, under `/latest/` on the emulator's listener (the real one
//! is `http://100.100.100.200`; the ECS instance-metadata page,
//! <https://www.alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata>): IMDSv2 tokens
//! (`PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`, then
//! `X-aliyun-ecs-metadata-token` on every read; required or optional by configuration), the
//! instance identity, and the RAM role's temporary credentials with their `Expiration`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::request::Parts;
use http::{header, HeaderValue, Method, Response, StatusCode};
use serde_json::json;

use super::sts::{expiration, utc_text};
use super::AlibabaSim;
use crate::server::Body;

const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";

/// Whether a path is the metadata service's.
pub(crate) fn serves(path: &str) -> bool {
    path == "/latest" || path.starts_with("/latest/")
}

/// The log's action name of a metadata request: `Metadata <METHOD> <path>`.
pub(crate) fn action_name(parts: &Parts) -> String {
    format!("Metadata {} {}", parts.method, parts.uri.path())
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut response = Response::new(Body::from(Bytes::from(body.into())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// Answers one metadata request.
pub(crate) fn handle(sim: &AlibabaSim, parts: &Parts) -> Response<Body> {
    let path = parts.uri.path();
    if path == "/latest/api/token" {
        return issue_token(sim, parts);
    }
    if parts.method != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    match parts
        .headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(token) if !sim.metadata_token_valid(token) => {
            return text(StatusCode::UNAUTHORIZED, "Unauthorized")
        }
        Some(_) => {}
        None if sim.metadata_settings().imdsv2_required => {
            return text(StatusCode::FORBIDDEN, "Forbidden")
        }
        None => {}
    }
    let settings = sim.metadata_settings();
    let roles = "/latest/meta-data/ram/security-credentials/";
    match path {
        "/latest/meta-data/instance-id" => text(StatusCode::OK, settings.instance_id),
        "/latest/meta-data/region-id" => text(StatusCode::OK, sim.config.region.clone()),
        p if p == roles || p == roles.trim_end_matches('/') => match settings.role_name {
            Some(role) => text(StatusCode::OK, role),
            None => text(StatusCode::NOT_FOUND, "Not Found"),
        },
        p if p.starts_with(roles) => {
            let asked = &p[roles.len()..];
            match settings.role_name {
                Some(role) if role == asked => role_credentials(sim),
                _ => text(StatusCode::NOT_FOUND, "Not Found"),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn issue_token(sim: &AlibabaSim, parts: &Parts) -> Response<Body> {
    if parts.method != Method::PUT {
        return text(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    if !sim.metadata_tokens_available() {
        return text(StatusCode::NOT_FOUND, "Not Found");
    }
    let ttl = parts
        .headers
        .get(TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=21_600).contains(s));
    match ttl {
        Some(ttl) => text(
            StatusCode::OK,
            sim.issue_metadata_token(Duration::from_secs(ttl)),
        ),
        None => text(StatusCode::BAD_REQUEST, "Bad Request"),
    }
}

/// The role's credentials: the same until less than a third of their life is left, as the
/// service rotates them ahead of their end.
fn role_credentials(sim: &AlibabaSim) -> Response<Body> {
    let issued = sim.instance_role_credentials();
    let c = &issued.credential;
    let body = json!({
        "AccessKeyId": c.access_key_id,
        "AccessKeySecret": c.secret,
        "SecurityToken": c.security_token,
        "Expiration": expiration(&issued),
        "LastUpdated": utc_text(issued.issued_at),
        "Code": "Success",
    });
    let mut response = text(StatusCode::OK, body.to_string());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Tokens issued by `PUT /latest/api/token`, with their ends.
#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) issued: Vec<(String, Instant)>,
}
