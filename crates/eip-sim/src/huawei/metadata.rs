//! The ECS metadata service of the instance a client runs on: session tokens
//! (`PUT /meta-data/latest/api/token`), the instance agency's temporary AK/SK
//! (`GET /openstack/latest/securitykey`) and the instance identity
//! (`GET /openstack/latest/meta_data.json`).
//!
//! Sources: the ECS metadata page
//! (<https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html>: the token TTL
//! header, 1 to 21600 s, and the `securitykey` / `meta_data.json` paths) and what the official
//! SDK sends and expects (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`,
//! `MetadataAccessor`: a token first, no token on 404/405, a 401 naming the agency text is final).

use std::time::Duration;

use crate::server::Body;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::config::{zone_of, MetadataTokenMode};
use super::federation::random_string;
use super::reply::{json_response, ApiError};
use super::request::header;
use super::state::{Issuer, State};
use super::HuaweiSim;

/// The 401 the official SDK takes as "no agency on this instance" (and does not retry).
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";

/// The longest session token the ECS metadata page allows (6 h).
const MAX_TOKEN_TTL: u64 = 21_600;

/// How long a metadata security key lives when the config does not say (emulator's choice).
const METADATA_KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

fn plain(status: StatusCode, message: &str) -> ApiError {
    ApiError::Plain {
        status,
        message: message.to_owned(),
    }
}

impl HuaweiSim {
    /// `PUT /meta-data/latest/api/token`: a session token valid for the TTL asked in
    /// `X-Metadata-Token-Ttl-Seconds`, as plain text; 404 / 405 when tokens are not offered.
    pub(super) fn metadata_token(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let mut state = self.lock();
        match state.metadata_token_mode {
            MetadataTokenMode::NotFound => return Err(plain(StatusCode::NOT_FOUND, "Not Found")),
            MetadataTokenMode::MethodNotAllowed => {
                return Err(plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed"))
            }
            MetadataTokenMode::Optional | MetadataTokenMode::Required => {}
        }
        let ttl = header(&parts.headers, "x-metadata-token-ttl-seconds")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|ttl| (1..=MAX_TOKEN_TTL).contains(ttl))
            .ok_or_else(|| {
                plain(
                    StatusCode::BAD_REQUEST,
                    "X-Metadata-Token-Ttl-Seconds must be an integer from 1 to 21600",
                )
            })?;
        let token = random_string(56);
        let expires = OffsetDateTime::now_utc() + Duration::from_secs(ttl);
        state.metadata_tokens.insert(token.clone(), expires);
        let mut response = crate::server::plain(StatusCode::OK, &token);
        if let Ok(value) = HeaderValue::from_str(request_id) {
            response.headers_mut().insert("x-request-id", value);
        }
        Ok(response)
    }

    /// `GET /openstack/latest/securitykey`: the agency's temporary AK/SK, the same one until it
    /// expires.
    pub(super) fn metadata_security_key(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let mut state = self.lock();
        check_session(&state, parts)?;
        if state.metadata_agency.is_none() {
            return Err(plain(StatusCode::UNAUTHORIZED, NO_AGENCY));
        }
        let now = OffsetDateTime::now_utc();
        let current = state
            .metadata_current
            .as_ref()
            .and_then(|ak| state.temporaries.get(ak).map(|t| (ak.clone(), t.clone())))
            .filter(|(_, t)| now < t.expires_at);
        let (access, temporary) = match current {
            Some(found) => found,
            None => {
                let lifetime = self
                    .config
                    .temporary_lifetime
                    .unwrap_or(METADATA_KEY_LIFETIME);
                let (access, temporary) = state.issue(Issuer::Metadata, lifetime);
                state.metadata_current = Some(access.clone());
                (access, temporary)
            }
        };
        Ok(json_response(
            StatusCode::OK,
            &super::federation::credential_body(&access, &temporary),
            request_id,
        ))
    }

    /// `GET /openstack/latest/meta_data.json`: the instance's identity.
    pub(super) fn metadata_instance(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        check_session(&self.lock(), parts)?;
        let config = &self.config;
        let name = config
            .servers
            .iter()
            .find(|s| s.id == config.metadata.instance_id)
            .map_or("ecs-sim", |s| s.name.as_str());
        let body = json!({
            "uuid": config.metadata.instance_id,
            "name": name,
            "hostname": name,
            "availability_zone": zone_of(&config.region),
            "region_id": config.region,
            "project_id": config.project_id,
            "launch_index": 0,
            "meta": {"metering.image_id": "sim-image", "vpc_id": "sim-vpc"},
        });
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// Control `set_metadata`: the token mode and the instance agency.
    pub(super) fn set_metadata(&self, body: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        if let Some(mode) = body.get("token") {
            state.metadata_token_mode = serde_json::from_value(mode.clone()).map_err(|_| {
                "\"token\" must be optional, required, not_found or method_not_allowed".to_owned()
            })?;
        }
        match body.get("agency_name") {
            None => {}
            Some(Value::Null) => state.metadata_agency = None,
            Some(Value::String(name)) => state.metadata_agency = Some(name.clone()),
            Some(_) => return Err("\"agency_name\" must be a string or null".to_owned()),
        }
        Ok(json!({
            "token": state.metadata_token_mode,
            "agency_name": state.metadata_agency,
        }))
    }
}

/// A metadata read's session: a given token must be known and unexpired; none at all is
/// refused only when tokens are required.
fn check_session(state: &State, parts: &Parts) -> Result<(), ApiError> {
    let now = OffsetDateTime::now_utc();
    match header(&parts.headers, "x-metadata-token") {
        Some(token) => match state.metadata_tokens.get(token) {
            Some(expires) if now < *expires => Ok(()),
            _ => Err(plain(
                StatusCode::UNAUTHORIZED,
                "the metadata token is invalid or expired",
            )),
        },
        None if state.metadata_token_mode == MetadataTokenMode::Required => Err(plain(
            StatusCode::UNAUTHORIZED,
            "X-Metadata-Token is required",
        )),
        None => Ok(()),
    }
}
