//! Enterprise Project Management (EPS): `POST /v1.0/enterprise-projects/{id}/resources-migrate`
//! moves an EIP to another enterprise project (MigrateResource,
//! <https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html>) → 204.
//!
//! Errors in EPS's shape, `{"error":{"error_code","error_msg"}}`, with its codes (EPS error
//! codes, <https://support.huaweicloud.com/intl/en-us/api-em/ErrorCode.html>): 400 `EPS.0002`
//! for a body that is not understood, `EPS.0022` for a project that is not the caller's,
//! `EPS.0025` for a resource type other than `eip` (the only one emulated); 404 `EPS.0005` for
//! an unknown address or an enterprise project id that is not `0` or a UUID. Migrating an EIP
//! into the project it is in succeeds and changes nothing.

use std::time::Duration;

use crate::server::Body;
use http::{Response, StatusCode};
use tokio::time::Instant;

use super::reply::{empty_response, ApiError};
use super::validate::{is_enterprise_project, opt_str};
use super::HuaweiSim;

impl HuaweiSim {
    /// With a read lag, reads show the previous enterprise project for the lag.
    pub(super) fn migrate_resource(
        &self,
        enterprise_project_id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let bad = |code, message: &str| ApiError::eps(StatusCode::BAD_REQUEST, code, message);
        let request = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(bad("EPS.0002", "Bad request.")),
        };
        let text = |key| opt_str(&request, key).map_err(|_| bad("EPS.0002", "Bad request."));
        if text("resource_type")? != Some("eip") {
            return Err(bad(
                "EPS.0025",
                "Invalid element in the resource type list.",
            ));
        }
        if text("project_id")? != Some(self.config.project_id.as_str()) {
            return Err(bad("EPS.0022", "Invalid project ID."));
        }
        let resource_id = text("resource_id")?.ok_or_else(|| bad("EPS.0002", "Bad request."))?;
        let not_found = || {
            ApiError::eps(
                StatusCode::NOT_FOUND,
                "EPS.0005",
                "Requested resources not found.",
            )
        };
        if !is_enterprise_project(enterprise_project_id) {
            return Err(not_found());
        }
        let mut state = self.lock();
        state.settle(Instant::now());
        let eip = state.eips.get_mut(resource_id).ok_or_else(not_found)?;
        let previous = lag.map(|_| eip.clone());
        eip.enterprise_project_id = enterprise_project_id.to_owned();
        state.remember(resource_id, lag, previous);
        Ok(empty_response(StatusCode::NO_CONTENT, request_id))
    }
}
