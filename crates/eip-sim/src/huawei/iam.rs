//! IAM: Keystone v3 password tokens (`POST /v3/auth/tokens`) and project lookup
//! (`GET /v3/projects`), the IAM token API,
//! <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>.

use crate::server::Body;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use rand::Rng;
use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::reply::{json_response, ApiError};
use super::request::{first, header, query_pairs};
use super::state::Token;
use super::verifier;
use super::HuaweiSim;

/// The only failure message of password authentication, whatever was wrong, so that the answer
/// does not tell a guesser which part was right. the EIP error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>: no source confirms Huawei's
/// exact body; this is the Keystone shape.
const WRONG_PASSWORD: &str = "The username or password is wrong.";

/// What a token is scoped to.
enum Scope {
    Project,
    Domain,
}

/// the IAM token API, <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>:
/// `%Y-%m-%dT%H:%M:%S.%fZ`, microseconds and `Z`.
pub(super) fn iam_time(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.format(format).unwrap_or_default()
}

/// A random opaque token that looks like Huawei's (`MII...`, base64 alphabet).
fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
    format!("MII{}", random_from(ALPHABET, 200))
}

/// `len` characters drawn at random from `alphabet`: tokens, keys and secrets.
pub(super) fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// Keystone's 400, as every IAM route answers a body it does not understand.
pub(super) fn bad_request(message: &str) -> ApiError {
    ApiError::keystone(StatusCode::BAD_REQUEST, message)
}

/// Keystone's 401, as every IAM route answers credentials it refuses.
pub(super) fn unauthorized(message: &str) -> ApiError {
    ApiError::keystone(StatusCode::UNAUTHORIZED, message)
}

impl HuaweiSim {
    /// `POST /v3/auth/tokens`: 201 with the token in `X-Subject-Token`.
    pub(super) fn create_token(
        &self,
        parts: &Parts,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        // huaweicloud-sdk-python-v3 3.1.219: the Python SDK AK/SK-signs this call although it needs
        // no
        // authentication; a signature that is present must still be valid.
        if verifier::is_aksk(&parts.headers) {
            self.check_aksk(parts, body)?;
        }
        let request: Value = serde_json::from_slice(body)
            .map_err(|_| bad_request("The request body is not valid JSON."))?;
        let identity = request
            .pointer("/auth/identity")
            .ok_or_else(|| bad_request("Expecting to find identity in auth."))?;
        let uses_password = identity
            .get("methods")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|v| v.as_str() == Some("password")));
        if !uses_password {
            return Err(unauthorized("Unsupported authentication method."));
        }
        let user = identity
            .pointer("/password/user")
            .ok_or_else(|| bad_request("Expecting to find user in password."))?;
        if !self.password_matches(user) {
            return Err(unauthorized(WRONG_PASSWORD));
        }
        let scope = self.scope(request.pointer("/auth/scope"))?;
        let now = OffsetDateTime::now_utc();
        let expires_at = now + self.config.token_lifetime;
        let token = new_token();
        {
            let mut state = self.lock();
            let project_id =
                matches!(scope, Scope::Project).then(|| self.config.project_id.clone());
            state.tokens.insert(
                token.clone(),
                Token {
                    project_id,
                    expires_at,
                    revoked: false,
                },
            );
            state.tokens_issued += 1;
        }
        // the IAM token API, https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html:
        // any non-empty `nocatalog` value leaves the catalog out.
        let pairs = query_pairs(parts);
        let with_catalog = first(&pairs, "nocatalog").is_none_or(str::is_empty);
        let host = header(&parts.headers, "host").unwrap_or("127.0.0.1");
        let body = self.token_body(&scope, now, expires_at, with_catalog.then_some(host));
        let mut response =
            json_response(StatusCode::CREATED, &json!({ "token": body }), request_id);
        if let Ok(value) = HeaderValue::from_str(&token) {
            response.headers_mut().insert("x-subject-token", value);
        }
        Ok(response)
    }

    /// User by name (with its domain by name or id) or by id, and the password.
    fn password_matches(&self, user: &Value) -> bool {
        let text = |pointer: &str| user.pointer(pointer).and_then(Value::as_str);
        let config = &self.config;
        let named = text("/name") == Some(config.user_name.as_str())
            && (text("/domain/name") == Some(config.domain_name.as_str())
                || text("/domain/id") == Some(config.domain_id.as_str()));
        let by_id = text("/id") == Some(config.user_id.as_str());
        (named || by_id) && text("/password") == Some(config.password.as_str())
    }

    /// the IAM token API, <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>:
    /// project (by name or id) wins over domain; no scope gives a domain token.
    fn scope(&self, scope: Option<&Value>) -> Result<Scope, ApiError> {
        let config = &self.config;
        let text = |pointer: &str| {
            scope
                .and_then(|s| s.pointer(pointer))
                .and_then(Value::as_str)
        };
        if scope.and_then(|s| s.get("project")).is_some() {
            let by_id = text("/project/id").is_some_and(|id| id == config.project_id);
            let by_name = text("/project/name").is_some_and(|name| name == config.project_name);
            return if by_id || by_name {
                Ok(Scope::Project)
            } else {
                Err(unauthorized(
                    "The project in the scope does not exist or is not accessible.",
                ))
            };
        }
        if scope.and_then(|s| s.get("domain")).is_some() {
            let by_id = text("/domain/id").is_some_and(|id| id == config.domain_id);
            let by_name = text("/domain/name").is_some_and(|name| name == config.domain_name);
            return if by_id || by_name {
                Ok(Scope::Domain)
            } else {
                Err(unauthorized(
                    "The domain in the scope does not exist or is not accessible.",
                ))
            };
        }
        Ok(Scope::Domain)
    }

    fn token_body(
        &self,
        scope: &Scope,
        issued_at: OffsetDateTime,
        expires_at: OffsetDateTime,
        catalog_host: Option<&str>,
    ) -> Value {
        let config = &self.config;
        let domain = json!({"id": config.domain_id, "name": config.domain_name});
        let mut token = json!({
            "expires_at": iam_time(expires_at),
            "issued_at": iam_time(issued_at),
            "methods": ["password"],
            "roles": [{"id": "0", "name": "op_service"}, {"id": "1", "name": "te_admin"}],
            "user": {
                "domain": domain,
                "id": config.user_id,
                "name": config.user_name,
                "password_expires_at": "",
            },
        });
        match scope {
            Scope::Project => {
                token["project"] =
                    json!({"domain": domain, "id": config.project_id, "name": config.project_name});
            }
            Scope::Domain => token["domain"] = domain,
        }
        if let Some(host) = catalog_host {
            token["catalog"] = self.catalog(host);
        }
        token
    }

    /// Both services live at the emulator's own address.
    fn catalog(&self, host: &str) -> Value {
        let url = format!("http://{host}");
        let region = &self.config.region;
        let entry = |id: &str, name: &str, kind: &str, url: String| {
            json!({"id": id, "name": name, "type": kind, "endpoints": [
                {"id": format!("{id}-public"), "interface": "public", "region": region, "region_id": region, "url": url}
            ]})
        };
        json!([
            entry(
                "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                "iam",
                "identity",
                format!("{url}/v3")
            ),
            entry(
                "b1c2d3e4f5a60718293a4b5c6d7e8f91",
                "vpc",
                "network",
                format!("{url}/v1/{}", self.config.project_id)
            ),
        ])
    }

    /// `GET /v3/projects` with the optional `name`, `id`, `domain_id` and `enabled` filters.
    pub(super) fn list_projects(
        &self,
        parts: &Parts,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        self.authorize_iam(parts, body)?;
        let pairs = query_pairs(parts);
        let config = &self.config;
        let matches = |key: &str, value: &str| first(&pairs, key).is_none_or(|v| v == value);
        let host = header(&parts.headers, "host").unwrap_or("127.0.0.1");
        let self_link = format!("http://{host}/v3/projects/{}", config.project_id);
        let projects: Vec<Value> = (matches("name", &config.project_name)
            && matches("id", &config.project_id)
            && matches("domain_id", &config.domain_id)
            && matches("enabled", "true"))
        .then(|| {
            json!({
                "id": config.project_id,
                "name": config.project_name,
                "domain_id": config.domain_id,
                "parent_id": config.domain_id,
                "enabled": true,
                "is_domain": false,
                "description": "",
                "links": {"self": self_link},
            })
        })
        .into_iter()
        .collect();
        let query = parts
            .uri
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let links = json!({"self": format!("http://{host}/v3/projects{query}"), "previous": null, "next": null});
        Ok(json_response(
            StatusCode::OK,
            &json!({"projects": projects, "links": links}),
            request_id,
        ))
    }

    /// Control: revoke every token (`{}`) or one (`{"token": "..."}`). Returns how many.
    pub(super) fn revoke_tokens(&self, body: &Value) -> Result<Value, String> {
        let mut state = self.lock();
        let revoked = match body.get("token") {
            None => {
                state.tokens.values_mut().for_each(|t| t.revoked = true);
                state.tokens.len()
            }
            Some(Value::String(token)) => match state.tokens.get_mut(token) {
                Some(t) => {
                    t.revoked = true;
                    1
                }
                None => 0,
            },
            Some(_) => return Err("\"token\" must be a string".to_owned()),
        };
        Ok(json!({ "revoked": revoked }))
    }

    /// Control: every token issued so far expires now.
    pub(super) fn expire_tokens(&self) -> Value {
        let now = OffsetDateTime::now_utc();
        let mut state = self.lock();
        state
            .tokens
            .values_mut()
            .for_each(|t| t.expires_at = t.expires_at.min(now));
        json!({ "expired": state.tokens.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_microseconds_and_z() {
        let at = time::macros::datetime!(2020-01-04 09:05:22.701 UTC);
        assert_eq!(iam_time(at), "2020-01-04T09:05:22.701000Z");
    }

    #[test]
    fn tokens_are_opaque_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert!(a.starts_with("MII") && a.len() == 203);
        assert_ne!(a, b);
    }
}
