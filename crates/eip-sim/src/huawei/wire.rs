//! The JSON Huawei's VPC v1 answers with: publicip, port and bandwidth objects.

use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::state::{Bandwidth, Eip, Port};

/// huawei.md §3.6: `"2015-07-16 04:32:50"`, UTC, a space separator, no zone.
pub(crate) fn create_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.format(format).unwrap_or_default()
}

/// Bandwidth timestamps, `yyyy-MM-ddTHH:mm:ssZ` like the v3 API (huawei.md §3.8).
fn bandwidth_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(format).unwrap_or_default()
}

/// The `publicip` object of GET, list and update (`PublicipShowResp`, huawei.md §3.6).
pub(crate) fn publicip(eip: &Eip, bandwidth: Option<&Bandwidth>, tenant_id: &str) -> Value {
    let mut object = base_fields(eip, tenant_id);
    object.insert("profile".into(), json!({}));
    object.insert("tags".into(), json!([]));
    object.insert("public_border_group".into(), json!("center"));
    object.insert("allow_share_bandwidth_types".into(), json!([]));
    if let Some(bandwidth) = bandwidth {
        object.insert("bandwidth_id".into(), json!(bandwidth.id));
        object.insert("bandwidth_name".into(), json!(bandwidth.name));
        object.insert("bandwidth_size".into(), json!(bandwidth.size));
        object.insert(
            "bandwidth_share_type".into(),
            json!(bandwidth.share_type.as_str()),
        );
    }
    // huawei.md §3.6: `port_id` and `private_ip_address` appear only when bound.
    if let Some(port_id) = &eip.port_id {
        object.insert("port_id".into(), json!(port_id));
    }
    if let Some(private_ip) = eip.private_ip {
        object.insert("private_ip_address".into(), json!(private_ip.to_string()));
    }
    Value::Object(object)
}

/// The `publicip` object of a create answer (`PublicipCreateResp`, huawei.md §3.1): the doc
/// example shows `bandwidth_size` 0 for a shared bandwidth.
pub(crate) fn created_publicip(eip: &Eip, bandwidth_size: u32, tenant_id: &str) -> Value {
    let mut object = base_fields(eip, tenant_id);
    object.insert("bandwidth_size".into(), json!(bandwidth_size));
    Value::Object(object)
}

fn base_fields(eip: &Eip, tenant_id: &str) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("id".into(), json!(eip.id));
    object.insert("status".into(), json!(eip.status.as_str()));
    object.insert("type".into(), json!(eip.kind));
    object.insert("public_ip_address".into(), json!(eip.public_ip.to_string()));
    if let Some(v6) = eip.public_ipv6 {
        object.insert("public_ipv6_address".into(), json!(v6.to_string()));
    }
    object.insert("ip_version".into(), json!(eip.ip_version));
    object.insert("tenant_id".into(), json!(tenant_id));
    object.insert("create_time".into(), json!(create_time(eip.created)));
    object.insert(
        "enterprise_project_id".into(),
        json!(eip.enterprise_project_id),
    );
    if let Some(alias) = &eip.alias {
        object.insert("alias".into(), json!(alias));
    }
    object
}

/// Ids shared by every seeded port: the subnet's network, the subnet and its security group.
pub(crate) const NETWORK_ID: &str = "5b8e7a43-1d4c-4a6e-9a1f-0c2d3e4f5a6b";
pub(crate) const SUBNET_ID: &str = "8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
pub(crate) const SECURITY_GROUP_ID: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// A port object (huawei.md §4.1).
pub(crate) fn port(port: &Port, tenant_id: &str, zone: &str) -> Value {
    let attached = port.device_id.is_some();
    json!({
        "id": port.id,
        "name": "",
        "admin_state_up": true,
        "mac_address": port.mac_address,
        "tenant_id": tenant_id,
        "status": port_status(port),
        "network_id": NETWORK_ID,
        "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": port.ip_address.to_string()}],
        "device_id": port.device_id.clone().unwrap_or_default(),
        "device_owner": port_owner(port, zone),
        "security_groups": [SECURITY_GROUP_ID],
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "dns_assignment": [],
        "dns_name": "",
        "binding:vnic_type": "normal",
        "binding:vif_details": {
            "primary_interface": attached && port.primary,
            "port_filter": true,
            "ovs_hybrid_plug": false,
        },
        "binding:profile": {},
        "instance_id": port.device_id.clone().unwrap_or_default(),
        "instance_type": if attached { "ecs" } else { "" },
        "port_security_enabled": true,
        "zone_id": zone,
        "enable_efi": false,
        "ipv6_bandwidth_id": "",
    })
}

/// `ACTIVE` for a NIC attached to a server, `DOWN` for a detached port.
pub(crate) fn port_status(port: &Port) -> &'static str {
    if port.device_id.is_some() {
        "ACTIVE"
    } else {
        "DOWN"
    }
}

/// `compute:<az>` for an ECS NIC (huawei.md §4.1); empty for a detached port.
pub(crate) fn port_owner(port: &Port, zone: &str) -> String {
    if port.device_id.is_some() {
        format!("compute:{zone}")
    } else {
        String::new()
    }
}

/// The `bandwidth` object of an update answer (`BandwidthResp`, huawei.md §5.1).
pub(crate) fn bandwidth(bandwidth: &Bandwidth, eips: &[&Eip], tenant_id: &str) -> Value {
    let publicip_info: Vec<Value> = eips
        .iter()
        .map(|eip| {
            json!({
                "publicip_id": eip.id,
                "publicip_address": eip.public_ip.to_string(),
                "publicip_type": eip.kind,
                "ip_version": eip.ip_version,
            })
        })
        .collect();
    json!({
        "id": bandwidth.id,
        "name": bandwidth.name,
        "size": bandwidth.size,
        "share_type": bandwidth.share_type.as_str(),
        "bandwidth_type": "bgp",
        "charge_mode": bandwidth.charge_mode,
        "billing_info": "",
        "publicip_info": publicip_info,
        "tenant_id": tenant_id,
        "enterprise_project_id": bandwidth.enterprise_project_id,
        "status": "NORMAL",
        "created_at": bandwidth_time(bandwidth.created),
        "updated_at": bandwidth_time(bandwidth.updated),
    })
}
