//! The control API under `/_sim`, on the same listener as the clouds. Documented in the crate
//! docs (`lib.rs`). Control calls are neither logged nor subject to faults.

use crate::server::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{header, Method, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use crate::cloud::Cloud;
use crate::faults::FaultRule;
use crate::server::Shared;

/// Answers one control request.
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &Bytes) -> Response<Body> {
    let path = parts.uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, [] | ["contract"]) => json_ok(&shared.contract()),
        (&Method::GET, ["inventory"]) => json_ok(&shared.inventory()),
        (&Method::GET, ["requests"]) => json_ok(&shared.log.snapshot()),
        (&Method::DELETE, ["requests"]) => {
            shared.log.clear();
            json_ok(&json!({"cleared": true}))
        }
        (&Method::POST, ["reset"]) => {
            shared.reset();
            json_ok(&json!({"reset": true}))
        }
        (&Method::GET, ["faults"]) => json_ok(&shared.faults.rules()),
        (&Method::POST, ["faults"]) => add_fault(shared, body),
        (&Method::DELETE, ["faults"]) => {
            shared.faults.clear();
            json_ok(&json!({"cleared": true}))
        }
        (&Method::GET, ["faults", "stats"]) => json_ok(&shared.faults.stats()),
        (&Method::POST, [cloud, op]) => match parse_cloud(cloud) {
            Some(cloud) => cloud_control(shared, cloud, op, body),
            None => not_found(path),
        },
        _ => not_found(path),
    }
}

fn parse_cloud(name: &str) -> Option<Cloud> {
    match name {
        "alibaba" => Some(Cloud::Alibaba),
        "huawei" => Some(Cloud::Huawei),
        _ => None,
    }
}

fn add_fault(shared: &Shared, body: &Bytes) -> Response<Body> {
    let rule: FaultRule = match serde_json::from_slice(body) {
        Ok(rule) => rule,
        Err(error) => return bad_request(&format!("invalid fault rule: {error}")),
    };
    if let Err(message) = rule.validate() {
        return bad_request(&message);
    }
    shared.faults.add(rule);
    json_ok(&shared.faults.rules())
}

fn cloud_control(shared: &Shared, cloud: Cloud, op: &str, body: &Bytes) -> Response<Body> {
    let argument = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(error) => return bad_request(&format!("invalid JSON body: {error}")),
        }
    };
    match shared.cloud(cloud).control(op, argument) {
        Ok(value) => json_ok(&value),
        Err(message) => bad_request(&message),
    }
}

fn json_ok(value: &impl Serialize) -> Response<Body> {
    json_response(
        StatusCode::OK,
        &serde_json::to_value(value).unwrap_or_default(),
    )
}

fn bad_request(message: &str) -> Response<Body> {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

fn not_found(path: &str) -> Response<Body> {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"error": format!("no control route {path}")}),
    )
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
