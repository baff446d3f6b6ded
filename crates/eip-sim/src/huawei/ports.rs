//! `GET /v1/{project_id}/ports` with the documented filters (huawei.md §4.1).

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

impl HuaweiSim {
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
        let ids = values(&pairs, "id");
        let fixed_ips = values(&pairs, "fixed_ips");
        let groups = values(&pairs, "security_groups");
        let equals =
            |key: &str, value: &str| first(&pairs, key).is_none_or(|wanted| wanted == value);
        let keep = |port: &Port| {
            (ids.is_empty() || ids.contains(&port.id.as_str()))
                && fixed_ips.iter().all(|f| fixed_ip_matches(f, port))
                && groups.iter().all(|g| *g == wire::SECURITY_GROUP_ID)
                && equals("device_id", port.device_id.as_deref().unwrap_or(""))
                && equals("device_owner", &wire::port_owner(port, &zone))
                && equals("network_id", wire::NETWORK_ID)
                && equals("name", "")
                && equals("status", wire::port_status(port))
                && equals("mac_address", &port.mac_address)
                && equals("admin_state_up", "true")
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
