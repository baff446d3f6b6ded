//! The RPC request as the wire carries it (the RPC signature page,
//! <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>): GET or POST,
//! parameters in
//! the query and/or a form body, `+` as space, any order, the action from `Action` or
//! `x-acs-action`; then dispatch to the six actions and flat JSON answers.

use crate::server::Body;
use bytes::Bytes;
use http::request::Parts;
use http::{header, Response, StatusCode};
use serde_json::Value;

use super::actions::{self, Action, Params};
use super::attributes;
use super::describe::DescribePage;
use super::errors::{json_response, ApiError};
use super::AlibabaSim;
use crate::cloud::Effects;

/// The only API version emulated.
pub(crate) const VERSION: &str = "2016-04-28";

/// One request, decoded.
pub(crate) struct RpcRequest {
    pub(crate) method: String,
    /// URL query parameters, form-decoded (`+` is a space), in the order received.
    pub(crate) query: Vec<(String, String)>,
    /// Query and form-body parameters together.
    pub(crate) params: Vec<(String, String)>,
    /// Every header as `(lower-case name, value)`.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl RpcRequest {
    pub(crate) fn parse(parts: &Parts, body: &Bytes) -> Self {
        let query = decode_form(parts.uri.query().unwrap_or_default().as_bytes());
        let mut params = query.clone();
        if carries_form(parts, body) {
            params.extend(decode_form(body));
        }
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        Self {
            method: parts.method.as_str().to_owned(),
            query,
            params,
            headers,
            body: body.clone(),
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Action` (V1) or the `x-acs-action` header (V3, and aliyun-python-sdk-core sends both).
    fn action(&self) -> Option<&str> {
        self.param("Action")
            .or_else(|| self.header("x-acs-action"))
            .filter(|a| !a.is_empty())
    }

    fn version(&self) -> Option<&str> {
        self.param("Version")
            .or_else(|| self.header("x-acs-version"))
            .filter(|v| !v.is_empty())
    }
}

/// A form body is parsed when declared as one, or when a POST body comes without a type.
fn carries_form(parts: &Parts, body: &Bytes) -> bool {
    if body.is_empty() {
        return false;
    }
    match parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) => t
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded"),
        None => parts.method == http::Method::POST,
    }
}

fn decode_form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The action a request names, for faults and the log: what [`RpcRequest::action`] reads,
/// found without decoding the whole request (which [`handle`] does once, after the faults).
pub(crate) fn action_name(parts: &Parts, body: &Bytes) -> String {
    let query = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes());
    let form = carries_form(parts, body).then(|| form_urlencoded::parse(body));
    query
        .chain(form.into_iter().flatten())
        .find(|(name, _)| name == "Action")
        .map(|(_, value)| value.into_owned())
        .or_else(|| {
            parts
                .headers
                .get("x-acs-action")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        })
        .filter(|action| !action.is_empty())
        .unwrap_or_else(|| "Unknown".to_owned())
}

/// Verifies, executes and answers one request.
pub(crate) fn handle(
    sim: &AlibabaSim,
    parts: &Parts,
    body: &Bytes,
    request_id: &str,
    effects: Effects,
) -> Response<Body> {
    let request = RpcRequest::parse(parts, body);
    match answer(sim, &request, effects) {
        Ok(Answer::Json(mut value)) => {
            // the VPC API reference, https://api.alibabacloud.com/document/Vpc/2016-04-28/: flat
            // JSON with `RequestId`, never an `XxxResponse` wrapper.
            if let Value::Object(map) = &mut value {
                map.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
            }
            json_response(StatusCode::OK, &value)
        }
        Ok(Answer::Page(mut page)) => {
            page.also_description = sim.config.also_send_description;
            let region = &sim.state.world().region;
            json_response(StatusCode::OK, &page.answer(region, request_id))
        }
        Err(error) => error.into_response(request_id, &sim.host_id),
    }
}

/// A successful action's result, before its `RequestId` is added.
pub(super) enum Answer {
    Json(Value),
    /// A DescribeEipAddresses page, copied out of the state and serialized from the records.
    Page(DescribePage),
}

fn answer(sim: &AlibabaSim, request: &RpcRequest, effects: Effects) -> Result<Answer, ApiError> {
    let name = request
        .action()
        .ok_or_else(|| ApiError::missing("Action"))?;
    if request.version() == Some(super::sts::VERSION) {
        return match super::sts::answer(sim, name, request) {
            Some(answer) => answer.map(Answer::Json),
            None => Err(ApiError::action_not_found()),
        };
    }
    let action = Action::parse(name).ok_or_else(ApiError::action_not_found)?;
    match request.version() {
        None => return Err(ApiError::missing("Version")),
        Some(VERSION) => {}
        Some(other) => {
            return Err(ApiError::bad(
                "InvalidVersion",
                format!("Specified parameter Version \"{other}\" is not valid."),
            ))
        }
    }
    sim.auth.verify(request)?;
    // aliyun-python-sdk-core 2.16.1 `aliyunsdkcore/request.py` and alibabacloud-tea-openapi 0.4.6
    // `client.py`: aliyun-python-sdk-core sends `JSON`, alibabacloud-tea-openapi `json`, V3
    // nothing; the emulator answers JSON
    // whatever the format (no client of this crate asks for XML).
    let params = Params(&request.params);
    check_region(sim, &params)?;
    execute(sim, action, &params, effects.read_lag)
}

/// the official SDKs (aliyun-python-sdk-core 2.16.1, alibabacloud-tea-openapi 0.4.6): tea 0.4.6
/// never adds `RegionId`, so its absence is accepted; a region other
/// than the emulated one does not exist here.
fn check_region(sim: &AlibabaSim, params: &Params<'_>) -> Result<(), ApiError> {
    match params.get("RegionId") {
        Some(region) if region != sim.state.world().region => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidRegionId.NotFound",
            format!("The specified region \"{region}\" does not exist."),
        )),
        _ => Ok(()),
    }
}

fn execute(
    sim: &AlibabaSim,
    action: Action,
    params: &Params<'_>,
    lag: Option<std::time::Duration>,
) -> Result<Answer, ApiError> {
    let state = &sim.state;
    let token = || params.client_token();
    let changed = match action {
        Action::Allocate => {
            let req = actions::allocate(params)?;
            state.with_token(
                action.name(),
                token()?,
                params.fingerprint(),
                |account, world| account.lagging(lag, None, |a| a.allocate(world, req)),
            )
        }
        Action::Associate => {
            let req = actions::associate(params)?;
            state.with_token(
                action.name(),
                token()?,
                params.fingerprint(),
                |account, world| {
                    account.lagging(lag, Some(&req.allocation_id), |a| a.associate(world, &req))
                },
            )
        }
        Action::Unassociate => {
            let req = actions::unassociate(params)?;
            state.with_token(
                action.name(),
                token()?,
                params.fingerprint(),
                |account, world| {
                    account.lagging(lag, Some(&req.allocation_id), |a| {
                        a.unassociate(world, &req)
                    })
                },
            )
        }
        Action::Modify => {
            let req = actions::modify(params)?;
            state.with_token(action.name(), None, Vec::new(), |account, _| {
                account.lagging(lag, Some(&req.allocation_id), |a| a.modify(&req))
            })
        }
        Action::Release => {
            let id = actions::release(params)?;
            // ReleaseEipAddress,
            // https://api.alibabacloud.com/document/Vpc/2016-04-28/ReleaseEipAddress: neither SDK
            // has a ClientToken for this action.
            state.with_token(action.name(), None, Vec::new(), |account, world| {
                account.lagging(lag, Some(&id), |a| a.release(world, &id))
            })
        }
        Action::Describe => {
            let page = state.describe(&actions::describe(params)?);
            return Ok(Answer::Page(page));
        }
        Action::Attribute(action) => return attributes::execute(state, action, params, lag),
    };
    changed.map(Answer::Json)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_logged_action_is_the_one_the_request_is_handled_as() {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let cases: [(Parts, &[u8]); 7] = [
            (parts("POST", "/?Action=DescribeEipAddresses&A=1", &[]), b""),
            (
                parts("POST", "/?Version=2016-04-28", &form),
                b"Action=AllocateEipAddress",
            ),
            (parts("POST", "/?Action=First", &form), b"Action=Second"),
            (
                parts("POST", "/", &[("x-acs-action", "ReleaseEipAddress")]),
                b"",
            ),
            (
                parts("POST", "/?Action=", &[("x-acs-action", "Header")]),
                b"",
            ),
            (parts("GET", "/?Act%69on=Encoded+Name", &[]), b""),
            (parts("GET", "/?Other=1", &[]), b"Action=NotAForm"),
        ];
        for (parts, body) in cases {
            let body = Bytes::from_static(body);
            let handled = RpcRequest::parse(&parts, &body)
                .action()
                .unwrap_or("Unknown")
                .to_owned();
            assert_eq!(action_name(&parts, &body), handled, "{:?}", parts.uri);
        }
    }
}
