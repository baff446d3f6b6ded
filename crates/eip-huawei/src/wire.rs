//! Huawei's JSON as serde types, tolerant of what the API really sends: every field may be
//! missing or `null`, numbers may come as strings (the SDK models coerce "decimals and strings"
//! into integer fields, e.g. `bandwidth.size` of `UpdateBandwidthOption` in huaweicloudsdkeip),
//! and unknown fields are ignored. Bodies we send are built here too.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use eip_core::Error;
use eip_http::de;

/// Parses a 2xx body; anything that is not the expected JSON is [`Error::InvalidResponse`].
pub(crate) fn parse<T: DeserializeOwned>(
    action: &str,
    status: u16,
    request_id: Option<&str>,
    body: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        operation: action.to_owned(),
        reason: if body.is_empty() {
            "empty body".to_owned()
        } else {
            format!("not the expected JSON: {e}")
        },
        http_status: Some(status),
        request_id: request_id.map(str::to_owned),
    })
}

// The field readers are eip-http's, shared with the Alibaba provider: a scalar is read straight
// from the stream, `""` is absent, numbers may come as strings (decimals truncated, as the
// SDK coerces them), and an item of a list that is not the expected object is dropped.

/// A publicip object (`PublicipShowResp`, `PublicipCreateResp`, `PublicipUpdateResp`, huaweicloudsdkeip `v2/model/publicip_show_resp.py`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Publicip {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    #[serde(rename = "type", deserialize_with = "de::opt_string")]
    pub ip_type: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub public_ip_address: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub public_ipv6_address: Option<String>,
    #[serde(deserialize_with = "de::opt_uint_truncated")]
    pub ip_version: Option<u32>,
    #[serde(deserialize_with = "de::opt_string")]
    pub private_ip_address: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub port_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub create_time: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub bandwidth_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub bandwidth_name: Option<String>,
    #[serde(deserialize_with = "de::opt_uint_truncated")]
    pub bandwidth_size: Option<u32>,
    #[serde(deserialize_with = "de::opt_string")]
    pub bandwidth_share_type: Option<String>,
    /// Not in the v1 object (huaweicloudsdkeip `v2/model/publicip_show_resp.py`), read when a deployment adds it.
    #[serde(alias = "bandwidth_charge_mode", deserialize_with = "de::opt_string")]
    pub charge_mode: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub alias: Option<String>,
    /// `"0"` (the default project) or an enterprise project's UUID.
    #[serde(deserialize_with = "de::opt_string")]
    pub enterprise_project_id: Option<String>,
    /// `"key=value"` strings (`tags` of huaweicloudsdkeip `v2/model/publicip_show_resp.py`).
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub tags: Vec<String>,
}

/// `{"publicip":{...}}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PublicipEnvelope {
    pub publicip: Option<Publicip>,
}

/// `{"publicips":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PublicipList {
    #[serde(deserialize_with = "de::list_of_objects")]
    pub publicips: Vec<Publicip>,
}

/// One fixed IP of a port.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct FixedIp {
    #[serde(deserialize_with = "de::opt_string")]
    pub subnet_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub ip_address: Option<String>,
}

/// `binding:vif_details`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct VifDetails {
    #[serde(deserialize_with = "de::opt_bool")]
    pub primary_interface: Option<bool>,
}

/// A port (NIC), <https://support.huaweicloud.com/intl/en-us/api-vpc/vpc_port01_0003.html>
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Port {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub device_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub device_owner: Option<String>,
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub fixed_ips: Vec<FixedIp>,
    #[serde(rename = "binding:vif_details")]
    pub vif_details: Option<VifDetails>,
}

impl Port {
    /// Whether the port is an ECS NIC (`device_owner` `compute:<az>`).
    pub(crate) fn is_compute(&self) -> bool {
        self.device_owner
            .as_deref()
            .is_some_and(|o| o.starts_with("compute:"))
    }

    /// Whether `binding:vif_details.primary_interface` is true.
    pub(crate) fn is_primary(&self) -> bool {
        self.vif_details.as_ref().and_then(|d| d.primary_interface) == Some(true)
    }

    /// Whether the port holds this private address.
    pub(crate) fn holds(&self, ip: &std::net::IpAddr) -> bool {
        self.fixed_ips
            .iter()
            .any(|f| f.ip_address.as_deref().and_then(|a| a.parse().ok()) == Some(*ip))
    }
}

/// `{"port":{...}}` (`GET /v1/{project_id}/ports/{port_id}`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PortEnvelope {
    #[serde(deserialize_with = "de::opt_object")]
    pub port: Option<Port>,
}

/// `{"ports":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PortList {
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub ports: Vec<Port>,
}

/// The project of a token.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenProject {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
}

/// The `token` object of `POST /v3/auth/tokens` (<https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Token {
    #[serde(deserialize_with = "de::opt_string")]
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub issued_at: Option<String>,
    pub project: Option<TokenProject>,
}

/// `{"token":{...}}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenEnvelope {
    pub token: Option<Token>,
}

/// One project of `GET /v3/projects` (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Project {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
}

/// `{"projects":[...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProjectList {
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub projects: Vec<Project>,
}

// ---- bodies we send ----

/// `publicip` of a create (<https://support.huaweicloud.com/api-eip/eip_api_0001.html>).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreatePublicip {
    #[serde(rename = "type")]
    pub ip_type: String,
    /// A specific address to allocate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    pub ip_version: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// `bandwidth` of a create: `PER` with name and size, or `WHOLE` with the shared bandwidth's id.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateBandwidth {
    pub share_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_mode: Option<String>,
}

/// The body of `POST /v1/{project_id}/publicips`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateRequest {
    pub publicip: CreatePublicip,
    pub bandwidth: CreateBandwidth,
    /// The enterprise project to create the address in (`"0"`, the default, when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<String>,
}

/// `publicip` of an update; every field left out is unchanged, and an empty object unbinds
/// (<https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html>: Huawei's own tools send `{"publicip":{}}`).
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct UpdatePublicip {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// The body of `PUT /v1/{project_id}/publicips/{id}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateRequest {
    pub publicip: UpdatePublicip,
}

/// `bandwidth` of `PUT /v1/{project_id}/bandwidths/{id}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateBandwidth {
    pub size: u32,
}

/// The body of a bandwidth update.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UpdateBandwidthRequest {
    pub bandwidth: UpdateBandwidth,
}

// ---- tags (v2.0), https://support.huaweicloud.com/intl/en-us/api-eip/eip_apitag_0004.html ----

/// One tag, as the tag API sends and takes it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct Tag {
    #[serde(deserialize_with = "de::opt_string")]
    pub key: Option<String>,
    /// Left out of a delete (only the key matters there).
    #[serde(
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
}

/// The body of `POST /v2.0/{project_id}/publicips/{id}/tags/action`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TagAction {
    /// `create` or `delete`.
    pub action: &'static str,
    pub tags: Vec<Tag>,
}

/// One tag condition of a resource_instances query: the key with any of `values` (any value
/// when empty).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TagCondition {
    pub key: String,
    pub values: Vec<String>,
}

/// The body of `POST /v2.0/{project_id}/publicips/resource_instances/action` (ListPublicipsByTags,
/// <https://support.huaweicloud.com/api-eip/eip_apitag_0005.html>).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ResourceQuery {
    /// `filter` (a page) or `count`.
    pub action: &'static str,
    pub tags: Vec<TagCondition>,
    pub limit: u32,
    pub offset: u32,
}

/// One address of a resource_instances answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Resource {
    #[serde(deserialize_with = "de::opt_string")]
    pub resource_id: Option<String>,
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub tags: Vec<Tag>,
}

/// `{"resources":[...],"total_count":N}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ResourceList {
    #[serde(deserialize_with = "de::list_skipping_invalid")]
    pub resources: Vec<Resource>,
    #[serde(deserialize_with = "de::opt_uint_truncated")]
    pub total_count: Option<u64>,
}

// ---- shared bandwidths (v2.0), https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0004.html ----

/// One address of an insert or remove.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PublicipInfo {
    pub publicip_id: String,
}

/// `bandwidth` of `POST /v2.0/{project_id}/bandwidths/{id}/insert` and `/remove`; the removal
/// names the dedicated bandwidth the address gets back.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Membership {
    pub publicip_info: Vec<PublicipInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
}

/// `{"bandwidth":{...}}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MembershipRequest {
    pub bandwidth: Membership,
}

// ---- enterprise projects, https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html ----

/// The body of `POST /v1.0/enterprise-projects/{id}/resources-migrate`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MigrateRequest {
    pub project_id: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub associated: bool,
}

/// Serializes a body we built; our types always serialize, so an error here is reported
/// rather than panicking.
pub(crate) fn to_body<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| Error::invalid_input("request", format!("cannot encode the body: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_documented_list_item_parses() {
        let body = br#"{"publicips":[{"id":"6285e7be-fd9f-497c-bc2d-dd0bdea6efe0","status":"DOWN","alias":"tom","profile":{},"type":"5_bgp","public_ip_address":"161.17.101.9","private_ip_address":"192.168.10.5","tenant_id":"8b7e35ad379141fc9df3e178bd64f55c","create_time":"2015-07-16 04:22:32","bandwidth_id":"3fa5b383-5a73-4dcb-a314-c6128546d855","bandwidth_share_type":"PER","bandwidth_size":5,"bandwidth_name":"bandwidth-test","enterprise_project_id":"b261ac1f","ip_version":4}]}"#;
        let list: PublicipList = parse("ListPublicips", 200, None, body).unwrap();
        let ip = &list.publicips[0];
        assert_eq!(
            ip.id.as_deref(),
            Some("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
        );
        assert_eq!(ip.bandwidth_size, Some(5));
        assert_eq!(ip.alias.as_deref(), Some("tom"));
        assert_eq!(ip.port_id, None);
    }

    #[test]
    fn missing_fields_nulls_and_numbers_as_strings_are_tolerated() {
        let body = br#"{"publicip":{"id":"x","status":null,"bandwidth_size":"10","ip_version":"6","port_id":"","extra":[1,2]}}"#;
        let ip = parse::<PublicipEnvelope>("ShowPublicip", 200, None, body)
            .unwrap()
            .publicip
            .unwrap();
        assert_eq!(
            (ip.status, ip.bandwidth_size, ip.ip_version, ip.port_id),
            (None, Some(10), Some(6), None)
        );
        let ports: PortList = parse("ListPorts", 200, None, br#"{"ports":[{"id":"p","binding:vif_details":{"primary_interface":"true"},"fixed_ips":null},{"id":7}]}"#).unwrap();
        assert!(ports.ports[0].is_primary());
        assert_eq!(ports.ports[1].id.as_deref(), Some("7"));
        let empty: PublicipList = parse("ListPublicips", 200, None, b"{}").unwrap();
        assert!(empty.publicips.is_empty());
    }

    #[test]
    fn list_items_are_read_in_place_and_odd_items_dropped() {
        let long: Vec<String> = (0..24).map(|n| n.to_string()).collect();
        let body = format!(
            r#"{{"publicips":[7,"x",null,["e1","DOWN"],[{}],{{"id":"e2","bandwidth_size":"5.9","ip_version":-4}}]}}"#,
            long.join(",")
        );
        let list: PublicipList = parse("ListPublicips", 200, None, body.as_bytes()).unwrap();
        let ids: Vec<_> = list.publicips.iter().map(|ip| ip.id.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("e1"), Some("e2")],
            "scalars and a list longer than the object are no items"
        );
        assert_eq!(list.publicips[0].status.as_deref(), Some("DOWN"));
        assert_eq!(
            (
                list.publicips[1].bandwidth_size,
                list.publicips[1].ip_version
            ),
            (Some(5), None)
        );
        // A value skipped because it is not a scalar still counts against the depth limit.
        let deep = format!(
            r#"{{"publicip":{{"id":{}{}}}}}"#,
            "[".repeat(1_000),
            "]".repeat(1_000)
        );
        assert!(parse::<PublicipEnvelope>("ShowPublicip", 200, None, deep.as_bytes()).is_err());
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for body in [
            &b""[..],
            b"<html>oops</html>",
            b"{\"publicips\":[",
            b"\xff\xfe",
        ] {
            match parse::<PublicipList>("ListPublicips", 200, Some("r"), body) {
                Err(Error::InvalidResponse {
                    http_status: Some(200),
                    request_id: Some(r),
                    ..
                }) => assert_eq!(r, "r"),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn request_bodies_have_the_documented_shape() {
        let unbind = to_body(&UpdateRequest {
            publicip: UpdatePublicip::default(),
        })
        .unwrap();
        assert_eq!(unbind, br#"{"publicip":{}}"#);
        let create = CreateRequest {
            publicip: CreatePublicip {
                ip_type: "5_bgp".into(),
                ip_address: None,
                ip_version: 4,
                alias: None,
            },
            bandwidth: CreateBandwidth {
                share_type: "PER",
                id: None,
                name: Some("bw".into()),
                size: Some(5),
                charge_mode: None,
            },
            enterprise_project_id: None,
        };
        assert_eq!(
            String::from_utf8(to_body(&create).unwrap()).unwrap(),
            r#"{"publicip":{"type":"5_bgp","ip_version":4},"bandwidth":{"share_type":"PER","name":"bw","size":5}}"#
        );
    }
}
