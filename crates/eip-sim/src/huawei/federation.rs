//! Temporary credentials: OIDC federation (`POST /v3.0/OS-AUTH/id-token/tokens`, CCE workload
//! identity), temporary AK/SK by token or by agency (`POST /v3.0/OS-CREDENTIAL/securitytokens`,
//! `methods` `token` or `assume_role`), and their expiry.
//!
//! Sources: the official SDKs, which are generated from IAM's API reference: huaweicloud-sdk-python-v3
//! `huaweicloudsdkiam` `create_temporary_access_key_by_token` / `_by_agency` (201, `credential`
//! with `access`, `secret`, `securitytoken`, `expires_at`; `duration_seconds` 15 min to 24 h,
//! default 15 min) and `huaweicloudsdkcore/auth/internal.py`, `IamHelper` (what the SDK sends for
//! federation: `X-Idp-Id`, `{"auth":{"id_token":{"id":…}}}`, the token in the body).

use std::time::Duration;

use crate::server::Body;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::iam::{bad_request, iam_time, random_from, unauthorized};
use super::reply::{json_response, ApiError};
use super::request::header;
use super::state::{Issuer, State, Temporary, Token};
use super::verifier;
use super::HuaweiSim;

/// IAM's bounds and default for `duration_seconds`.
const MIN_DURATION: u64 = 900;
const MAX_DURATION: u64 = 86_400;

/// `len` random characters of an upper-case alphanumeric alphabet.
pub(super) fn random_string(len: usize) -> String {
    random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", len)
}

/// `{"credential":{"access","secret","securitytoken","expires_at"}}`.
pub(super) fn credential_body(access: &str, temporary: &Temporary) -> Value {
    json!({"credential": {
        "access": access,
        "secret": temporary.secret,
        "securitytoken": temporary.security_token,
        "expires_at": iam_time(temporary.expires_at),
    }})
}

impl State {
    /// A new temporary AK/SK of `issuer`, valid for `lifetime`.
    pub(super) fn issue(&mut self, issuer: Issuer, lifetime: Duration) -> (String, Temporary) {
        let access = random_string(20);
        let temporary = Temporary {
            secret: random_string(40),
            security_token: format!("gQpjbi1ub3J0aC00{}", random_string(300)),
            expires_at: OffsetDateTime::now_utc() + lifetime,
            issuer,
        };
        self.temporaries.insert(access.clone(), temporary.clone());
        (access, temporary)
    }
}

impl HuaweiSim {
    /// The lifetime of a temporary AK/SK asked for `requested` seconds.
    fn lifetime(&self, requested: Option<u64>) -> Result<Duration, ApiError> {
        if let Some(fixed) = self.config.temporary_lifetime {
            return Ok(fixed);
        }
        let seconds = requested.unwrap_or(MIN_DURATION);
        if !(MIN_DURATION..=MAX_DURATION).contains(&seconds) {
            return Err(bad_request(
                "duration_seconds must be from 900 to 86400 seconds.",
            ));
        }
        Ok(Duration::from_secs(seconds))
    }

    /// `POST /v3.0/OS-AUTH/id-token/tokens`: an unscoped token for a valid id token of the
    /// identity provider named in `X-Idp-Id`, in `X-Subject-Token` (201).
    pub(super) fn create_token_with_id_token(
        &self,
        parts: &Parts,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let config = &self.config;
        if header(&parts.headers, "x-idp-id") != Some(config.federation.idp_id.as_str()) {
            return Err(ApiError::keystone(
                StatusCode::NOT_FOUND,
                "The identity provider in X-Idp-Id does not exist.",
            ));
        }
        let request: Value = serde_json::from_slice(body)
            .map_err(|_| bad_request("The request body is not valid JSON."))?;
        let id_token = request
            .pointer("/auth/id_token/id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_request("Expecting to find id_token in auth."))?;
        let now = OffsetDateTime::now_utc();
        let expires_at = now + config.token_lifetime;
        let token = format!("MIIfed{}", random_string(200));
        {
            let mut state = self.lock();
            if id_token.trim() != state.id_token {
                return Err(unauthorized("The id_token is invalid or expired."));
            }
            state.tokens.insert(
                token.clone(),
                Token {
                    project_id: None,
                    expires_at,
                    revoked: false,
                },
            );
            state.tokens_issued += 1;
        }
        let domain = json!({"id": config.domain_id, "name": config.domain_name});
        let answer = json!({"token": {
            "expires_at": iam_time(expires_at),
            "issued_at": iam_time(now),
            "methods": ["mapped"],
            "user": {"domain": domain, "id": config.user_id, "name": "sim-federated-user",
                     "OS-FEDERATION": {"identity_provider": {"id": config.federation.idp_id},
                                       "protocol": {"id": "oidc"}, "groups": []}},
        }});
        let mut response = json_response(StatusCode::CREATED, &answer, request_id);
        if let Ok(value) = HeaderValue::from_str(&token) {
            response.headers_mut().insert("x-subject-token", value);
        }
        Ok(response)
    }

    /// `POST /v3.0/OS-CREDENTIAL/securitytokens`: a temporary AK/SK for a valid token
    /// (`methods:["token"]`, the token in the body or in `X-Auth-Token`) or for the configured
    /// agency (`methods:["assume_role"]`, the caller authenticated by token or AK/SK).
    pub(super) fn create_temporary_access_key(
        &self,
        parts: &Parts,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let request: Value = serde_json::from_slice(body)
            .map_err(|_| bad_request("The request body is not valid JSON."))?;
        let identity = request
            .pointer("/auth/identity")
            .ok_or_else(|| bad_request("Expecting to find identity in auth."))?;
        let method = identity
            .get("methods")
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(Value::as_str);
        let (issuer, duration) = match method {
            Some("token") => {
                let token = identity
                    .pointer("/token/id")
                    .and_then(Value::as_str)
                    .or_else(|| header(&parts.headers, "x-auth-token"))
                    .ok_or_else(|| bad_request("Expecting to find token in identity."))?;
                self.token_project(token)
                    .map_err(|()| unauthorized("The token is invalid or expired."))?;
                let federated = token.starts_with("MIIfed");
                let issuer = if federated {
                    Issuer::Federation
                } else {
                    Issuer::Token
                };
                let duration = identity
                    .pointer("/token/duration_seconds")
                    .and_then(Value::as_u64);
                (issuer, duration)
            }
            Some("assume_role") => {
                self.authenticate_caller(parts, body)?;
                let role = identity
                    .get("assume_role")
                    .ok_or_else(|| bad_request("Expecting to find assume_role in identity."))?;
                let text = |key: &str| role.get(key).and_then(Value::as_str);
                let agency = &self.config.agency;
                let domain_matches = text("domain_name") == Some(agency.domain_name.as_str())
                    || text("domain_id") == Some(agency.domain_id.as_str());
                if !domain_matches || text("agency_name") != Some(agency.agency_name.as_str()) {
                    return Err(ApiError::keystone(
                        StatusCode::FORBIDDEN,
                        "The agency does not exist or you may not assume it.",
                    ));
                }
                let duration = role.get("duration_seconds").and_then(Value::as_u64);
                (Issuer::Agency, duration)
            }
            _ => return Err(unauthorized("Unsupported authentication method.")),
        };
        let lifetime = self.lifetime(duration)?;
        let (access, temporary) = self.lock().issue(issuer, lifetime);
        Ok(json_response(
            StatusCode::CREATED,
            &credential_body(&access, &temporary),
            request_id,
        ))
    }

    /// A valid `X-Auth-Token` or AK/SK signature (temporary ones included).
    fn authenticate_caller(&self, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
        if !self.verify_signatures {
            return Ok(());
        }
        if let Some(token) = header(&parts.headers, "x-auth-token") {
            return self
                .token_project(token)
                .map(drop)
                .map_err(|()| unauthorized("The token is invalid or expired."));
        }
        if verifier::is_aksk(&parts.headers) {
            return self.check_aksk(parts, body);
        }
        Err(unauthorized(
            "The request you have made requires authentication.",
        ))
    }

    /// Control `expire_credentials`: every temporary AK/SK issued so far expires now.
    pub(super) fn expire_credentials(&self) -> Value {
        let now = OffsetDateTime::now_utc();
        let mut state = self.lock();
        state
            .temporaries
            .values_mut()
            .for_each(|t| t.expires_at = t.expires_at.min(now));
        json!({ "expired": state.temporaries.len() })
    }

    /// Control `rotate_id_token {"token":"…"}`: the id token accepted from now on.
    pub(super) fn rotate_id_token(&self, body: &Value) -> Result<Value, String> {
        let token = body
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or("rotate_id_token needs a non-empty \"token\"")?;
        self.lock().id_token = token.trim().to_owned();
        Ok(json!({ "rotated": true }))
    }

    /// Control `credentials_issued`: temporary AK/SKs issued, by issuer.
    pub(super) fn credentials_issued(&self) -> Value {
        let state = self.lock();
        let count = |issuer: Issuer| {
            state
                .temporaries
                .values()
                .filter(|t| t.issuer == issuer)
                .count()
        };
        json!({
            "metadata": count(Issuer::Metadata),
            "federation": count(Issuer::Federation),
            "agency": count(Issuer::Agency),
            "token": count(Issuer::Token),
        })
    }
}
