//! `PUT /v1/{project_id}/bandwidths/{id}`: rename or resize a bandwidth; the EIPs on it show the
//! change as `bandwidth_name` / `bandwidth_size` (UpdateBandwidth, <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>).

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::reply::{json_response, ApiError};
use super::state::{Eip, ShareType};
use super::validate::{bandwidth_size, is_valid_name, json_object, member, opt_str};
use super::{wire, HuaweiSim};

struct BandwidthChange {
    name: Option<String>,
    size: Option<u32>,
    charge_mode: Option<String>,
}

fn parse_change(body: &[u8]) -> Result<BandwidthChange, ApiError> {
    let request = json_object(body)?;
    let bandwidth = member(&request, "bandwidth")?;
    // UpdateBandwidth, https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html: an empty name means "unchanged".
    let name = match opt_str(bandwidth, "name")? {
        None | Some("") => None,
        Some(name) if is_valid_name(name) => Some(name.to_owned()),
        Some(_) => return Err(ApiError::invalid("Invalid bandwidth name.")),
    };
    let size = match bandwidth.get("size") {
        None | Some(Value::Null) => None,
        Some(size) => Some(bandwidth_size(size)?),
    };
    let charge_mode = match opt_str(bandwidth, "charge_mode")? {
        None | Some("") => None,
        Some(mode @ ("bandwidth" | "traffic" | "95peak_plus")) => Some(mode.to_owned()),
        Some(_) => return Err(ApiError::invalid("Invalid charge_mode.")),
    };
    if name.is_none() && size.is_none() {
        return Err(ApiError::invalid(
            "At least one of name and size is required.",
        ));
    }
    Ok(BandwidthChange {
        name,
        size,
        charge_mode,
    })
}

impl HuaweiSim {
    pub(super) fn update_bandwidth(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let change = parse_change(body)?;
        let mut state = self.lock();
        state.settle(Instant::now());
        let bandwidth = state.bandwidths.get_mut(id).ok_or_else(|| {
            // Not listed in the EIP error codes, https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html for bandwidths; the publicip "not found" code is reused.
            ApiError::vpc(
                StatusCode::NOT_FOUND,
                "VPC.0504",
                "Bandwidth could not be found.",
            )
        })?;
        if change.charge_mode.as_deref() == Some("95peak_plus")
            && bandwidth.share_type != ShareType::Whole
        {
            return Err(ApiError::invalid(
                "95peak_plus is only for shared bandwidth.",
            ));
        }
        if let Some(name) = change.name {
            bandwidth.name = name;
        }
        if let Some(size) = change.size {
            bandwidth.size = size;
        }
        if let Some(mode) = change.charge_mode {
            bandwidth.charge_mode = mode;
        }
        bandwidth.updated = OffsetDateTime::now_utc();
        let bandwidth = bandwidth.clone();
        let eips: Vec<&Eip> = state
            .eips
            .values()
            .filter(|e| e.bandwidth_id == bandwidth.id)
            .collect();
        let body =
            json!({"bandwidth": wire::bandwidth(&bandwidth, &eips, &self.config.project_id)});
        Ok(json_response(StatusCode::OK, &body, request_id))
    }
}
