//! The VPC API's flat JSON, as serde types that accept what the API really sends.
//!
//! The DescribeEipAddresses API metadata (and the official SDK models,
//! alibabacloud-vpc20160428 `models/_describe_eip_addresses_response_body.py`) type `Bandwidth`
//! and friends as strings while the reference's sample answers show numbers, so every scalar
//! here accepts a number or a string; an empty string means absent; a missing or empty nested
//! object (`"Tags": ""`, no `Tags` at all) is an empty list; a single object where a list is
//! expected is a list of one; unknown fields are ignored. The readers are the shared ones of
//! [`eip_http::de`]. Answers are read in one pass, straight into these types; an object naming
//! one of the fields read here twice is unreadable (serde's rule; the API never sends one).

use serde::Deserialize;

/// The error body of a 4xx/5xx answer: `Code`, `Message`, `RequestId`, `HostId`, `Recommend`
/// (<https://www.alibabacloud.com/help/en/openapi/error-codes>).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The error code, e.g. `IncorrectEipStatus`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub code: Option<String>,
    /// The message.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub message: Option<String>,
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
    /// The host that answered.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub host_id: Option<String>,
    /// A troubleshooting link.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub recommend: Option<String>,
}

/// Any successful answer: only the request id is read (Associate, Unassociate, Modify,
/// Release).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Acknowledgement {
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
}

/// The answer to `AllocateEipAddress`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AllocateResponse {
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
    /// The new EIP's id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub allocation_id: Option<String>,
    /// The new public address.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub eip_address: Option<String>,
}

/// The answer to `DescribeEipAddresses`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeResponse {
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
    /// The number of matching EIPs over all pages.
    #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
    pub total_count: Option<u64>,
    /// The page number.
    #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
    pub page_number: Option<u64>,
    /// The page size.
    #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
    pub page_size: Option<u64>,
    /// The EIPs on this page.
    #[serde(default, deserialize_with = "eip_http::de::opt_object")]
    pub eip_addresses: Option<EipAddresses>,
}

impl DescribeResponse {
    /// The EIPs on this page (none when the wrapper is missing).
    pub fn items(&self) -> &[EipAddress] {
        self.eip_addresses
            .as_ref()
            .map(|e| e.eip_address.as_slice())
            .unwrap_or_default()
    }
}

/// `{"EipAddress": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EipAddresses {
    /// The items.
    #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
    pub eip_address: Vec<EipAddress>,
}

/// One EIP as `DescribeEipAddresses` reports it. Only the fields the model uses are kept.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EipAddress {
    /// `eip-…`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub allocation_id: Option<String>,
    /// The public address.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub ip_address: Option<String>,
    /// `Available`, `InUse`, `Associating`, `Unassociating`, `Releasing`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub status: Option<String>,
    /// The region.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub region_id: Option<String>,
    /// The name.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub name: Option<String>,
    /// The description, as the documented request parameter spells it.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub description: Option<String>,
    /// The description, as DescribeEipAddresses really spells it in its answers (its API
    /// reference response table; Terraform's `alicloud/data_source_alicloud_eip_addresses.go`).
    #[serde(
        default,
        rename = "Descritpion",
        deserialize_with = "eip_http::de::opt_string"
    )]
    pub descritpion: Option<String>,
    /// When it was allocated (ISO 8601, ending in `Z`).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub allocation_time: Option<String>,
    /// Mbit/s, as a number or a string.
    #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
    pub bandwidth: Option<u64>,
    /// The address's own bandwidth, which stays its own inside an Internet Shared Bandwidth
    /// (where `Bandwidth` is the shared one's).
    #[serde(default, deserialize_with = "eip_http::de::opt_uint")]
    pub eip_bandwidth: Option<u64>,
    /// The bandwidth package, when the EIP joined one.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub bandwidth_package_id: Option<String>,
    /// The kind of bandwidth package (`CommonBandwidthPackage` for an Internet Shared
    /// Bandwidth), when the EIP joined one.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub bandwidth_package_type: Option<String>,
    /// The resource group.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub resource_group_id: Option<String>,
    /// Whether deletion protection is on (a boolean, or `"true"` / `"false"`).
    #[serde(default, deserialize_with = "eip_http::de::opt_bool")]
    pub deletion_protection: Option<bool>,
    /// The IP address pool the address came from.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub public_ip_address_pool_id: Option<String>,
    /// The bound instance.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub instance_id: Option<String>,
    /// The bound instance's type (`EcsInstance`, `NetworkInterface`...).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub instance_type: Option<String>,
    /// The private address it maps to (ENI bindings).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub private_ip_address: Option<String>,
    /// The ENI binding mode (`NAT`, `MULTI_BINDED`, `BINDED`).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub mode: Option<String>,
    /// `PayByBandwidth` or `PayByTraffic`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub internet_charge_type: Option<String>,
    /// `PostPaid` or `PrePaid`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub charge_type: Option<String>,
    /// The line.
    #[serde(default, rename = "ISP", deserialize_with = "eip_http::de::opt_string")]
    pub isp: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "eip_http::de::opt_object")]
    pub tags: Option<Tags>,
    /// `Normal`, `OperationLock`, `Unactivated`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub business_status: Option<String>,
    /// The locks the cloud put on the address.
    #[serde(default, deserialize_with = "eip_http::de::opt_object")]
    pub operation_locks: Option<OperationLocks>,
}

/// `{"LockReason": [{"LockReason": "financial"}]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct OperationLocks {
    /// The locks.
    #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
    pub lock_reason: Vec<LockRecord>,
}

/// One lock.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LockRecord {
    /// `financial` or `security`.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub lock_reason: Option<String>,
}

/// `{"Tag": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    /// The tags.
    #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
    pub tag: Vec<Tag>,
}

/// One tag.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The key.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub key: Option<String>,
    /// The value (absent means empty).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub value: Option<String>,
}

/// The answer to `ListTagResources`
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-listtagresources>).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagResourcesResponse {
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
    /// The token of the next page; empty or absent on the last one.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub next_token: Option<String>,
    /// The tags on this page.
    #[serde(default, deserialize_with = "eip_http::de::opt_object")]
    pub tag_resources: Option<TagResources>,
}

/// `{"TagResource": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TagResources {
    /// One row per resource and tag.
    #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
    pub tag_resource: Vec<TagResource>,
}

/// One tag of one resource.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TagResource {
    /// The resource (`eip-…`).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub resource_id: Option<String>,
    /// The key.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub tag_key: Option<String>,
    /// The value.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub tag_value: Option<String>,
}

/// The answer to VPC `DescribeRegions`
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeregions>).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeRegionsResponse {
    /// The request id.
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub request_id: Option<String>,
    /// The regions.
    #[serde(default, deserialize_with = "eip_http::de::opt_object")]
    pub regions: Option<Regions>,
}

/// `{"Region": [...]}`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Regions {
    /// The regions.
    #[serde(default, deserialize_with = "eip_http::de::one_or_many")]
    pub region: Vec<RegionItem>,
}

/// One region.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RegionItem {
    /// `cn-hangzhou`...
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub region_id: Option<String>,
    /// Its name in the language asked for (English by default).
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    pub local_name: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn describe(json: &str) -> DescribeResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_may_be_strings_and_empty_strings_are_absent() {
        let page = describe(
            r#"{"RequestId":"r-1","TotalCount":"3","PageNumber":1,"PageSize":"10",
                "EipAddresses":{"EipAddress":[
                  {"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","Bandwidth":"5",
                   "InstanceId":"i-1","InstanceType":"EcsInstance","PrivateIpAddress":"","Name":"",
                   "Tags":{"Tag":[{"Key":"env","Value":"prod"}]},"SomethingNew":{"a":[1]}},
                  {"AllocationId":"eip-2","IpAddress":"47.0.0.2","Status":"Available","Bandwidth":5.0,
                   "InstanceId":"","Tags":""},
                  {"AllocationId":"eip-3","IpAddress":"47.0.0.3","Status":"Available","Bandwidth":""}
                ]}}"#,
        );
        assert_eq!(page.total_count, Some(3));
        assert_eq!(page.page_size, Some(10));
        let items = page.items();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].bandwidth, Some(5));
        assert_eq!(items[0].private_ip_address, None);
        assert_eq!(items[0].name, None);
        assert_eq!(
            items[0].tags.as_ref().unwrap().tag[0].value.as_deref(),
            Some("prod")
        );
        assert_eq!(items[1].bandwidth, Some(5));
        assert_eq!(items[1].instance_id, None);
        assert_eq!(items[1].tags, None);
        assert_eq!(items[2].bandwidth, None);
    }

    #[test]
    fn missing_objects_are_empty_and_single_objects_are_lists() {
        assert!(describe(r#"{"RequestId":"r","TotalCount":0}"#)
            .items()
            .is_empty());
        assert!(describe(r#"{"TotalCount":0,"EipAddresses":{}}"#)
            .items()
            .is_empty());
        assert!(describe(r#"{"TotalCount":0,"EipAddresses":""}"#)
            .items()
            .is_empty());
        assert!(
            describe(r#"{"TotalCount":0,"EipAddresses":{"EipAddress":null}}"#)
                .items()
                .is_empty()
        );
        let one = describe(
            r#"{"EipAddresses":{"EipAddress":{"AllocationId":"eip-9","Tags":{"Tag":{"Key":"k"}}}}}"#,
        );
        assert_eq!(one.items()[0].allocation_id.as_deref(), Some("eip-9"));
        assert_eq!(
            one.items()[0].tags.as_ref().unwrap().tag[0].key.as_deref(),
            Some("k")
        );
    }

    #[test]
    fn odd_numbers_are_absent_not_fatal() {
        let page = describe(
            r#"{"TotalCount":-1,"EipAddresses":{"EipAddress":[{"Bandwidth":"lots"},{"Bandwidth":true}]}}"#,
        );
        assert_eq!(page.total_count, None);
        assert!(page.items().iter().all(|e| e.bandwidth.is_none()));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for body in [
            "",
            "<html>502 Bad Gateway</html>",
            r#"{"TotalCount":1,"EipAddresses":{"EipAddress":[{"#,
            "null",
        ] {
            assert!(
                serde_json::from_slice::<DescribeResponse>(body.as_bytes()).is_err(),
                "{body:?}"
            );
        }
        assert!(
            serde_json::from_str::<DescribeResponse>(r#"{"EipAddresses":{"EipAddress":[7]}}"#)
                .is_err()
        );
    }

    #[test]
    fn error_bodies_parse_with_or_without_recommend() {
        let e: ErrorBody = serde_json::from_str(
            r#"{"RequestId":"r","HostId":"vpc.aliyuncs.com","Code":"IncorrectEipStatus","Message":"m","Recommend":"https://x"}"#,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("IncorrectEipStatus"));
        assert_eq!(e.recommend.as_deref(), Some("https://x"));
        let old: ErrorBody =
            serde_json::from_str(r#"{"RequestId":"r","Code":"X","Message":"m"}"#).unwrap();
        assert_eq!(old.recommend, None);
        let ack: Acknowledgement = serde_json::from_str(r#"{"RequestId":"r-7"}"#).unwrap();
        assert_eq!(ack.request_id.as_deref(), Some("r-7"));
        let alloc: AllocateResponse = serde_json::from_str(
            r#"{"RequestId":"r","AllocationId":"eip-1","EipAddress":"1.2.3.4","OrderId":""}"#,
        )
        .unwrap();
        assert_eq!(alloc.allocation_id.as_deref(), Some("eip-1"));
    }
}
