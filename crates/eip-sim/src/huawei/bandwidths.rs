//! `PUT /v1/{project_id}/bandwidths/{id}`: rename or resize a bandwidth; the EIPs on it show the
//! change as `bandwidth_name` / `bandwidth_size` (UpdateBandwidth,
//! <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>).
//!
//! `POST /v2.0/{project_id}/bandwidths/{id}/insert` and `/remove`: shared-bandwidth membership
//! (<https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0004.html>,
//! <https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0005.html>). An
//! insert gives up the address's dedicated bandwidth; a shared bandwidth holds at most
//! [`MAX_SHARED`] addresses ("by default, a shared bandwidth can be used by up to 20 EIPs"),
//! beyond which the insert is 409 `VPC.0304` "NO QUOTAS for shareBandwidthIP" (the bandwidth
//! code of the EIP error table). A remove needs `charge_mode` (`bandwidth`/`traffic`) and `size`
//! for the dedicated bandwidth the address gets back. Refusals where the pages give no code
//! (not a shared bandwidth, an address already shared, or not in this bandwidth) are 400
//! `VPC.0501`; the answers are 200 with the bandwidth (insert) and 204 (remove), the
//! emulator's choice.

use std::time::Duration;

use crate::server::Body;
use http::{Response, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::reply::{empty_response, json_response, ApiError};
use super::state::{Bandwidth, Eip, ShareType, State};
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
    // UpdateBandwidth,
    // https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html: an empty name
    // means "unchanged".
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
            // Not listed in the EIP error codes,
            // https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html for bandwidths; the
            // publicip "not found" code is reused.
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

/// Addresses one shared bandwidth holds (the insert page above).
pub(crate) const MAX_SHARED: usize = 20;

/// The `publicip_id`s of `bandwidth.publicip_info`.
fn publicip_ids(bandwidth: &serde_json::Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let items = match bandwidth.get("publicip_info") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => return Err(ApiError::invalid("publicip_info is required.")),
    };
    items
        .iter()
        .map(|item| {
            item.as_object()
                .and_then(|o| o.get("publicip_id"))
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| ApiError::invalid("publicip_id is required."))
        })
        .collect()
}

fn bandwidth_not_found() -> ApiError {
    ApiError::vpc(
        StatusCode::NOT_FOUND,
        "VPC.0504",
        "Bandwidth could not be found.",
    )
}

/// The shared bandwidth `id`, or the refusal.
fn shared<'a>(state: &'a State, id: &str) -> Result<&'a Bandwidth, ApiError> {
    let bandwidth = state.bandwidths.get(id).ok_or_else(bandwidth_not_found)?;
    if bandwidth.share_type != ShareType::Whole {
        return Err(ApiError::invalid(
            "The bandwidth is not a shared bandwidth.",
        ));
    }
    Ok(bandwidth)
}

impl HuaweiSim {
    /// `POST /v2.0/{project_id}/bandwidths/{id}/insert`; with a read lag, reads show each
    /// address on its dedicated bandwidth for the lag.
    pub(super) fn insert_into_bandwidth(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let request = json_object(body)?;
        let ids = publicip_ids(member(&request, "bandwidth")?)?;
        let mut state = self.lock();
        state.settle(Instant::now());
        shared(&state, id)?;
        for eip_id in &ids {
            let eip = state.eips.get(eip_id).ok_or_else(ApiError::eip_not_found)?;
            if eip.status.is_transitional() {
                return Err(ApiError::busy());
            }
            let current = state.bandwidths.get(&eip.bandwidth_id);
            if current.is_some_and(|b| b.share_type == ShareType::Whole) {
                return Err(ApiError::invalid(format!(
                    "The EIP {eip_id} is already in a shared bandwidth."
                )));
            }
        }
        let members = state.eips.values().filter(|e| e.bandwidth_id == id).count();
        if members.saturating_add(ids.len()) > MAX_SHARED {
            return Err(ApiError::vpc(
                StatusCode::CONFLICT,
                "VPC.0304",
                "NO QUOTAS for shareBandwidthIP",
            ));
        }
        for eip_id in &ids {
            let Some(eip) = state.eips.get_mut(eip_id) else {
                continue;
            };
            let previous = lag.map(|_| eip.clone());
            let dedicated = std::mem::replace(&mut eip.bandwidth_id, id.to_owned());
            state.remember(eip_id, lag, previous);
            if let Some(dedicated) = state.bandwidths.remove(&dedicated) {
                state.retire_bandwidth(dedicated, lag);
            }
        }
        let bandwidth = shared(&state, id)?.clone();
        let eips: Vec<&Eip> = state
            .eips
            .values()
            .filter(|e| e.bandwidth_id == id)
            .collect();
        let body =
            json!({"bandwidth": wire::bandwidth(&bandwidth, &eips, &self.config.project_id)});
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// `POST /v2.0/{project_id}/bandwidths/{id}/remove` → 204; each address gets a dedicated
    /// bandwidth of the given size and billing; with a read lag, reads show each address in the
    /// shared bandwidth for the lag.
    pub(super) fn remove_from_bandwidth(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let request = json_object(body)?;
        let bandwidth = member(&request, "bandwidth")?;
        let ids = publicip_ids(bandwidth)?;
        let charge_mode = match opt_str(bandwidth, "charge_mode")? {
            Some(mode @ ("bandwidth" | "traffic")) => mode.to_owned(),
            _ => {
                return Err(ApiError::invalid(
                    "charge_mode must be bandwidth or traffic.",
                ))
            }
        };
        let size = bandwidth_size(bandwidth.get("size").unwrap_or(&Value::Null))?;
        let mut state = self.lock();
        state.settle(Instant::now());
        shared(&state, id)?;
        for eip_id in &ids {
            let eip = state.eips.get(eip_id).ok_or_else(ApiError::eip_not_found)?;
            if eip.bandwidth_id != id {
                return Err(ApiError::invalid(format!(
                    "The EIP {eip_id} is not in this shared bandwidth."
                )));
            }
        }
        let now = OffsetDateTime::now_utc();
        for eip_id in &ids {
            let dedicated_id = state.new_id();
            let Some(eip) = state.eips.get_mut(eip_id) else {
                continue;
            };
            let previous = lag.map(|_| eip.clone());
            let name: String = eip.id.chars().take(8).collect();
            eip.bandwidth_id = dedicated_id.clone();
            let enterprise_project_id = eip.enterprise_project_id.clone();
            state.remember(eip_id, lag, previous);
            state.bandwidths.insert(
                dedicated_id.clone(),
                Bandwidth {
                    id: dedicated_id,
                    name: format!("bandwidth-{name}"),
                    size,
                    share_type: ShareType::Per,
                    charge_mode: charge_mode.clone(),
                    enterprise_project_id,
                    created: now,
                    updated: now,
                },
            );
        }
        Ok(empty_response(StatusCode::NO_CONTENT, request_id))
    }

    /// Control `bandwidths`: every bandwidth with its share type, size and addresses, for tests
    /// that check membership in the emulator's own inventory.
    pub(super) fn bandwidth_inventory(&self) -> Value {
        let mut state = self.lock();
        state.settle(Instant::now());
        let mut bandwidths: Vec<&Bandwidth> = state.bandwidths.values().collect();
        bandwidths.sort_by(|a, b| a.id.cmp(&b.id));
        let listed: Vec<Value> = bandwidths
            .iter()
            .map(|b| {
                let eips: Vec<&str> = state
                    .eips
                    .values()
                    .filter(|e| e.bandwidth_id == b.id)
                    .map(|e| e.id.as_str())
                    .collect();
                json!({
                    "id": b.id,
                    "share_type": b.share_type.as_str(),
                    "size": b.size,
                    "charge_mode": b.charge_mode,
                    "publicips": eips,
                })
            })
            .collect();
        json!({ "bandwidths": listed })
    }
}
