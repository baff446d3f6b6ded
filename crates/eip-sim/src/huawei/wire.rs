//! The JSON Huawei's VPC v1 answers with: publicip, port and bandwidth objects.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::state::{Bandwidth, Eip, Port};

/// huaweicloud-sdk-python-v3 `huaweicloudsdkeip/v2/model/publicip_show_resp.py`: `"2015-07-16
/// 04:32:50"`, UTC, a space separator, no zone.
pub(crate) fn create_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.format(format).unwrap_or_default()
}

/// Bandwidth timestamps, `yyyy-MM-ddTHH:mm:ssZ` like the v3 API (the bandwidth API,
/// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>).
fn bandwidth_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(format).unwrap_or_default()
}

/// The `publicip` object of GET, list and update (`PublicipShowResp`, huaweicloud-sdk-python-v3
/// `huaweicloudsdkeip/v2/model/publicip_show_resp.py`),
/// serialized straight from the record: a list page holds up to 2,000 of them, and building a
/// `Value` tree for each cost four times as much as writing it.
///
/// Fields are written in the byte order of their names, the order the emulator's earlier
/// `Value` rendering (sorted maps) produced; a test holds the two byte-identical.
pub(crate) struct Publicip<'a> {
    pub eip: &'a Eip,
    pub bandwidth: Option<&'a Bandwidth>,
    pub tenant_id: &'a str,
}

impl Serialize for Publicip<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (eip, bandwidth) = (self.eip, self.bandwidth);
        let mut m = serializer.serialize_struct("publicip", 20)?;
        if let Some(alias) = &eip.alias {
            m.serialize_field("alias", alias)?;
        }
        m.serialize_field("allow_share_bandwidth_types", NOTHING)?;
        if let Some(bandwidth) = bandwidth {
            m.serialize_field("bandwidth_id", &bandwidth.id)?;
            m.serialize_field("bandwidth_name", &bandwidth.name)?;
            m.serialize_field("bandwidth_share_type", bandwidth.share_type.as_str())?;
            m.serialize_field("bandwidth_size", &bandwidth.size)?;
        }
        m.serialize_field("create_time", &create_time(eip.created))?;
        m.serialize_field("enterprise_project_id", &eip.enterprise_project_id)?;
        m.serialize_field("id", &eip.id)?;
        m.serialize_field("ip_version", &eip.ip_version)?;
        // huaweicloud-sdk-python-v3 `huaweicloudsdkeip/v2/model/publicip_show_resp.py`: `port_id`
        // and `private_ip_address` appear only when bound.
        if let Some(port_id) = &eip.port_id {
            m.serialize_field("port_id", port_id)?;
        }
        if let Some(private_ip) = eip.private_ip {
            m.serialize_field("private_ip_address", &Text(private_ip))?;
        }
        m.serialize_field("profile", &EmptyObject)?;
        m.serialize_field("public_border_group", "center")?;
        m.serialize_field("public_ip_address", &Text(eip.public_ip))?;
        if let Some(v6) = eip.public_ipv6 {
            m.serialize_field("public_ipv6_address", &Text(v6))?;
        }
        m.serialize_field("status", eip.status.as_str())?;
        m.serialize_field("tags", &TagStrings(&eip.tags))?;
        m.serialize_field("tenant_id", self.tenant_id)?;
        m.serialize_field("type", &eip.kind)?;
        m.end()
    }
}

/// The `publicip` object of GET, list and update.
pub(crate) fn publicip<'a>(
    eip: &'a Eip,
    bandwidth: Option<&'a Bandwidth>,
    tenant_id: &'a str,
) -> Publicip<'a> {
    Publicip {
        eip,
        bandwidth,
        tenant_id,
    }
}

/// `{"<name>": value}`, the envelope of every VPC answer.
pub(crate) struct Named<T>(pub &'static str, pub T);

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("envelope", 1)?;
        object.serialize_field(self.0, &self.1)?;
        object.end()
    }
}

/// The `publicips` list of a list answer.
pub(crate) struct Publicips<'a> {
    pub page: &'a [(Eip, Option<Bandwidth>)],
    pub tenant_id: &'a str,
}

impl Serialize for Publicips<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self
            .page
            .iter()
            .map(|(eip, bandwidth)| publicip(eip, bandwidth.as_ref(), self.tenant_id));
        serializer.collect_seq(items)
    }
}

/// An empty JSON list.
const NOTHING: &[&str] = &[];

/// Tags as the publicip object writes them, `"key=value"` strings (huaweicloud-sdk-python-v3
/// `huaweicloudsdkeip/v2/model/publicip_show_resp.py`, `tags`).
struct TagStrings<'a>(&'a BTreeMap<String, String>);

impl Serialize for TagStrings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(k, v)| format!("{k}={v}")))
    }
}

/// `{"key","value"}` objects, as the tag API and ListPublicipsByTags answer.
pub(crate) fn tag_objects(tags: &BTreeMap<String, String>) -> Vec<Value> {
    tags.iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect()
}

/// `{}`.
struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

/// A value written as a JSON string through its `Display`, without an intermediate `String`.
struct Text<T>(T);

impl<T: Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The `publicip` object of a create answer (`PublicipCreateResp`, CreatePublicip,
/// <https://support.huaweicloud.com/api-eip/eip_api_0001.html>): the doc
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

/// A port object (ListPorts,
/// <https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html>).
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

/// `compute:<az>` for an ECS NIC (ListPorts,
/// <https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html>); empty for a detached
/// port.
pub(crate) fn port_owner(port: &Port, zone: &str) -> String {
    if port.device_id.is_some() {
        format!("compute:{zone}")
    } else {
        String::new()
    }
}

/// The `bandwidth` object of an update answer (`BandwidthResp`, UpdateBandwidth,
/// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>).
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::{Ipv4Addr, Ipv6Addr};

    use time::macros::datetime;

    use super::super::state::{EipStatus, ShareType};
    use super::*;

    /// The `publicip` object as the emulator built it before it was serialized directly.
    fn reference_publicip(eip: &Eip, bandwidth: Option<&Bandwidth>, tenant_id: &str) -> Value {
        let mut object = base_fields(eip, tenant_id);
        object.insert("profile".into(), json!({}));
        let tags: Vec<String> = eip.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        object.insert("tags".into(), json!(tags));
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
        // huaweicloud-sdk-python-v3 `huaweicloudsdkeip/v2/model/publicip_show_resp.py`: `port_id`
        // and `private_ip_address` appear only when bound.
        if let Some(port_id) = &eip.port_id {
            object.insert("port_id".into(), json!(port_id));
        }
        if let Some(private_ip) = eip.private_ip {
            object.insert("private_ip_address".into(), json!(private_ip.to_string()));
        }
        Value::Object(object)
    }

    fn eip(n: u8) -> Eip {
        Eip {
            id: format!("7a1c9a1e-0000-4000-8000-00000000000{n}"),
            kind: "5_bgp".to_owned(),
            ip_version: 4,
            public_ip: Ipv4Addr::new(121, 36, 1, n),
            public_ipv6: None,
            alias: None,
            status: EipStatus::Down,
            transition: None,
            port_id: None,
            private_ip: None,
            bandwidth_id: "bw".to_owned(),
            enterprise_project_id: "0".to_owned(),
            created: datetime!(2024-05-06 07:08:09 UTC),
            firewall: false,
            tags: BTreeMap::new(),
        }
    }

    fn bandwidth(share_type: ShareType) -> Bandwidth {
        Bandwidth {
            id: "bw".to_owned(),
            name: "bandwidth-\"1\"".to_owned(),
            size: 300,
            share_type,
            charge_mode: "traffic".to_owned(),
            enterprise_project_id: "0".to_owned(),
            created: datetime!(2024-05-06 07:08:09 UTC),
            updated: datetime!(2024-05-06 07:08:09 UTC),
        }
    }

    #[test]
    fn publicips_are_byte_identical_to_the_value_rendering() {
        let mut bound = eip(2);
        bound.alias = Some("web \"α\"\u{1F600}".to_owned());
        bound.status = EipStatus::Active;
        bound.port_id = Some("d00f9c35-c8da-4e3f-9a1e-000000000001".to_owned());
        bound.private_ip = Some(Ipv4Addr::new(192, 168, 0, 11));
        bound.ip_version = 6;
        bound.public_ipv6 = Some(Ipv6Addr::new(
            0x2407, 0xc080, 0x1200, 0, 0, 0, 0x7924, 0x0102,
        ));
        let (per, whole) = (bandwidth(ShareType::Per), bandwidth(ShareType::Whole));
        let page = vec![
            (eip(1), Some(per.clone())),
            (bound.clone(), Some(whole.clone())),
            (eip(3), None),
        ];
        for (eip, bandwidth) in &page {
            let direct = serde_json::to_string(&publicip(eip, bandwidth.as_ref(), "p1")).unwrap();
            let reference = reference_publicip(eip, bandwidth.as_ref(), "p1").to_string();
            assert_eq!(direct, reference);
        }
        let list = Named(
            "publicips",
            Publicips {
                page: &page,
                tenant_id: "p1",
            },
        );
        let references: Vec<Value> = page
            .iter()
            .map(|(eip, bandwidth)| reference_publicip(eip, bandwidth.as_ref(), "p1"))
            .collect();
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            json!({ "publicips": references }).to_string()
        );
        // The shapes compared above are the ones meant: bound with every optional field, and not.
        let shown: Value = serde_json::to_value(publicip(&bound, Some(&whole), "p1")).unwrap();
        assert_eq!(shown["port_id"], "d00f9c35-c8da-4e3f-9a1e-000000000001");
        assert_eq!(shown["public_ipv6_address"], "2407:c080:1200::7924:102");
        let bare: Value = serde_json::to_value(publicip(&page[2].0, None, "p1")).unwrap();
        assert!(bare.get("bandwidth_id").is_none() && bare.get("alias").is_none());
    }
}
