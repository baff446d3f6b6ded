//! Ports: `GET /v1/{project_id}/ports` with the documented filters, `GET
//! /v1/{project_id}/ports/{port_id}`, and `GET /v3/{project_id}/ports`.
//!
//! The v1 ListPorts documents `id` as ONE string (<https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html>;
//! huaweicloud-sdk-python-v3 `huaweicloudsdkvpc/v2/model/list_ports_request.py` types it `str`):
//! a repeated `id` uses only the first value, as a single-valued parameter does. The v3
//! ListPorts (<https://support.huaweicloud.com/intl/en-us/api-vpc/ListPorts.html>) takes `id` as a
//! list; the emulator serves it with the v1 port objects and the v3 `page_info` envelope.

use std::ops::Bound;

use axum::body::Body;
use http::request::Parts;
use http::{Response, StatusCode};
use serde_json::{json, Value};

use super::config::zone_of;
use super::reply::{json_response, ApiError};
use super::request::{first, query_pairs, values};
use super::state::Port;
use super::validate::limit;
use super::{wire, HuaweiSim};

/// One `fixed_ips=ip_address=<ip>` or `fixed_ips=subnet_id=<id>` filter.
fn fixed_ip_matches(filter: &str, port: &Port) -> bool {
    match filter.split_once('=') {
        Some(("ip_address", ip)) => port.ip_address.to_string() == ip,
        Some(("subnet_id", subnet)) => subnet == wire::SUBNET_ID,
        _ => false,
    }
}

/// Every seeded port is in the default enterprise project `0`; `all_granted_eps` means every
/// project the caller may see.
fn enterprise_project_matches(pairs: &[(String, String)]) -> bool {
    first(pairs, "enterprise_project_id").is_none_or(|e| e == "0" || e == "all_granted_eps")
}

impl HuaweiSim {
    /// `GET /v1/{project_id}/ports/{port_id}` → `{"port":{...}}`; an unknown port is 404.
    pub(super) fn show_port(&self, id: &str, request_id: &str) -> Result<Response<Body>, ApiError> {
        let port = self.port(id).ok_or_else(|| {
            ApiError::vpc(
                StatusCode::NOT_FOUND,
                "VPC.0101",
                "Port could not be found.",
            )
        })?;
        let zone = zone_of(&self.config.region);
        Ok(json_response(
            StatusCode::OK,
            &json!({ "port": wire::port(port, &self.config.project_id, &zone) }),
            request_id,
        ))
    }

    /// `GET /v3/{project_id}/ports`: `id` repeatable (a list), `limit`, `marker`; answered as
    /// `{"request_id", "ports", "page_info": {"previous_marker", "current_count", "next_marker"}}`.
    pub(super) fn list_ports_v3(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let pairs = query_pairs(parts);
        let limit = limit(first(&pairs, "limit"), self.config.max_limit)?;
        let zone = zone_of(&self.config.region);
        let ids = values(&pairs, "id");
        let devices = values(&pairs, "device_id");
        let marker = first(&pairs, "marker").filter(|m| !m.is_empty());
        let mut matching = self
            .ports
            .iter()
            .filter(|p| marker.is_none_or(|m| p.id.as_str() > m))
            .filter(|p| ids.is_empty() || ids.contains(&p.id.as_str()))
            .filter(|p| {
                devices.is_empty() || devices.contains(&p.device_id.as_deref().unwrap_or(""))
            })
            .filter(|_| enterprise_project_matches(&pairs))
            .peekable();
        let mut page = Vec::new();
        while page.len() < limit {
            match matching.next() {
                Some(port) => page.push(port),
                None => break,
            }
        }
        let more = matching.peek().is_some();
        let mut page_info = json!({ "current_count": page.len() });
        if let Some(first) = page.first() {
            page_info["previous_marker"] = json!(first.id);
        }
        if let (true, Some(last)) = (more, page.last()) {
            page_info["next_marker"] = json!(last.id);
        }
        let ports: Vec<Value> = page
            .iter()
            .map(|p| wire::port(p, &self.config.project_id, &zone))
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "request_id": request_id, "ports": ports, "page_info": page_info }),
            request_id,
        ))
    }

    /// The port with this id, if the project has it.
    pub(super) fn port(&self, id: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.id == id)
    }

    /// Ports sorted by id; `marker` = last id of the previous page.
    pub(super) fn list_ports(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let pairs = query_pairs(parts);
        let limit = limit(first(&pairs, "limit"), self.config.max_limit)?;
        let zone = zone_of(&self.config.region);
        // One string, as documented: later `id`s are ignored.
        let id = first(&pairs, "id");
        let fixed_ips = values(&pairs, "fixed_ips");
        let groups = values(&pairs, "security_groups");
        let equals =
            |key: &str, value: &str| first(&pairs, key).is_none_or(|wanted| wanted == value);
        let keep = |port: &Port| {
            id.is_none_or(|id| id == port.id)
                && fixed_ips.iter().all(|f| fixed_ip_matches(f, port))
                && groups.iter().all(|g| *g == wire::SECURITY_GROUP_ID)
                && equals("device_id", port.device_id.as_deref().unwrap_or(""))
                && equals("device_owner", &wire::port_owner(port, &zone))
                && equals("network_id", wire::NETWORK_ID)
                && equals("name", "")
                && equals("status", wire::port_status(port))
                && equals("mac_address", &port.mac_address)
                && equals("admin_state_up", "true")
                && enterprise_project_matches(&pairs)
        };
        let after = match first(&pairs, "marker") {
            Some(marker) if !marker.is_empty() => Bound::Excluded(marker),
            _ => Bound::Unbounded,
        };
        let page: Vec<Value> = self
            .ports
            .iter()
            .filter(|p| match after {
                Bound::Excluded(marker) => p.id.as_str() > marker,
                _ => true,
            })
            .filter(|p| keep(p))
            .take(limit)
            .map(|p| wire::port(p, &self.config.project_id, &zone))
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "ports": page }),
            request_id,
        ))
    }
}
