//! The API's JSON ↔ the normalized model: statuses, locks, association types, one
//! `EipAddress` as an [`Eip`], and what Alibaba's EIP API supports ([`capabilities`]).
//!
//! # Status table
//!
//! The documented `Status` enum has exactly five values (DescribeEipAddresses,
//! <https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>):
//!
//! | Alibaba `Status` | [`EipStatus`] |
//! |---|---|
//! | `Available` | [`EipStatus::Available`] |
//! | `InUse` | [`EipStatus::Bound`] |
//! | `Associating` | [`EipStatus::Associating`] |
//! | `Unassociating` | [`EipStatus::Unassociating`] |
//! | `Releasing` | [`EipStatus::Releasing`] |
//! | anything else | [`EipStatus::Unknown`] with the raw value |
//!
//! # Locks
//!
//! Whatever its `Status`, an address that carries an `OperationLocks.LockReason` (`financial`,
//! `security`) or a `BusinessStatus` other than `Normal` (`OperationLock`, `Unactivated`) is
//! [`EipStatus::Locked`]: the cloud refuses to change it until the lock is lifted. The reason is
//! kept in [`Eip::raw_status`], after the raw status: `InUse (locked: financial)`.
//!
//! # Target table
//!
//! | Alibaba `InstanceType` | [`TargetKind`] |
//! |---|---|
//! | `EcsInstance` (the default when absent) | [`TargetKind::Instance`] |
//! | `NetworkInterface` | [`TargetKind::NetworkInterface`] |
//! | `HaVip` | [`TargetKind::HighAvailabilityVip`] |
//! | `Nat` | [`TargetKind::NatGateway`] |
//! | `SlbInstance` | [`TargetKind::LoadBalancer`] |
//! | anything else (`IpAddress`...) | [`TargetKind::Other`] with the raw value |

use std::net::IpAddr;

use eip_core::{
    validate, AssociateTarget, Binding, Capabilities, ChargeMode, Charset, Eip, EipStatus, Error,
    Result, TagRule, TargetKind, TextRule,
};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::wire;
use crate::KIND;

/// The action whose answers are mapped onto the model.
const DESCRIBE: &str = "DescribeEipAddresses";

/// What Alibaba's EIP API supports (the AllocateEipAddress, AssociateEipAddress and
/// DescribeEipAddresses references under <https://api.alibabacloud.com/document/Vpc/2016-04-28/>).
///
/// `conditional_disassociate` is `false`: UnassociateEipAddress takes an `InstanceId`, but no
/// Alibaba document says the cloud refuses the unbind when the address is bound to another
/// instance (its error table only has "The eip binding status invalid."), and Terraform's
/// alicloud provider retries that `InvalidBindingStatus` as transient. The provider re-reads the
/// binding just before unbinding instead.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(TextRule {
        // AllocateEipAddress allows 1–128 characters; the older ModifyEipAddressAttribute page
        // says 2–128, which `modify` checks on its own.
        min_chars: 1,
        max_chars: 128,
        starts_with_letter: true,
        charset: Charset::Restricted {
            extra: "._-",
            cjk: false,
        },
        forbidden_prefixes: &[],
    });
    caps.targets = vec![
        TargetKind::Instance,
        TargetKind::NetworkInterface,
        TargetKind::HighAvailabilityVip,
        TargetKind::NatGateway,
        TargetKind::LoadBalancer,
    ];
    caps.max_page_size = 100;
    caps.parallel_pages = true;
    caps.conditional_disassociate = false;
    caps.server_side_idempotency = true;
    caps.bandwidth_mbps = 1..=500;
    caps.description_rule = Some(TextRule {
        min_chars: 2,
        max_chars: 256,
        starts_with_letter: true,
        charset: Charset::Printable,
        forbidden_prefixes: &["http://", "https://"],
    });
    // TagResources (VPC 2016-04-28): up to 20 tags per resource, keys and values up to 128
    // characters, neither may start with `aliyun` or `acs:`, nor contain `http://`/`https://`.
    // https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-tagresources
    caps.tags = Some(TagRule {
        max_per_resource: 20,
        key: TextRule {
            min_chars: 1,
            max_chars: 128,
            starts_with_letter: false,
            charset: Charset::Printable,
            forbidden_prefixes: &["aliyun", "acs:", "http://", "https://"],
        },
        value: TextRule {
            min_chars: 0,
            max_chars: 128,
            starts_with_letter: false,
            charset: Charset::Printable,
            forbidden_prefixes: &["aliyun", "acs:", "http://", "https://"],
        },
    });
    caps
}

/// The normalized status of an Alibaba `Status` value (locks aside: see [`to_eip`]).
pub fn status_from_alibaba(raw: &str) -> EipStatus {
    match raw {
        "Available" => EipStatus::Available,
        "InUse" => EipStatus::Bound,
        "Associating" => EipStatus::Associating,
        "Unassociating" => EipStatus::Unassociating,
        "Releasing" => EipStatus::Releasing,
        other => EipStatus::Unknown(other.to_owned()),
    }
}

/// The Alibaba `Status` filter value for a normalized status; `None` when Alibaba has no such
/// status (the provider then filters on its side).
pub fn status_to_alibaba(status: &EipStatus) -> Option<&'static str> {
    match status {
        EipStatus::Available => Some("Available"),
        EipStatus::Bound => Some("InUse"),
        EipStatus::Associating => Some("Associating"),
        EipStatus::Unassociating => Some("Unassociating"),
        EipStatus::Releasing => Some("Releasing"),
        _ => None,
    }
}

/// The instance type Alibaba uses when none is given (AssociateEipAddress, `InstanceType`).
pub const DEFAULT_INSTANCE_TYPE: &str = "EcsInstance";

/// The normalized kind of an Alibaba `InstanceType` (an empty value means the default,
/// `EcsInstance`).
pub fn target_kind_from_alibaba(raw: &str) -> TargetKind {
    match raw {
        "" | "EcsInstance" => TargetKind::Instance,
        "NetworkInterface" => TargetKind::NetworkInterface,
        "HaVip" => TargetKind::HighAvailabilityVip,
        "Nat" => TargetKind::NatGateway,
        "SlbInstance" => TargetKind::LoadBalancer,
        other => TargetKind::Other(other.to_owned()),
    }
}

/// The Alibaba `InstanceType` of a normalized kind; `None` for kinds Alibaba cannot bind to.
pub fn target_kind_to_alibaba(kind: &TargetKind) -> Option<&str> {
    match kind {
        TargetKind::Instance => Some("EcsInstance"),
        TargetKind::NetworkInterface => Some("NetworkInterface"),
        TargetKind::HighAvailabilityVip => Some("HaVip"),
        TargetKind::NatGateway => Some("Nat"),
        TargetKind::LoadBalancer => Some("SlbInstance"),
        TargetKind::Other(raw) => Some(raw),
        _ => None,
    }
}

/// Why the cloud locked an address, when it did: its `OperationLocks.LockReason` values
/// (`financial`, `security`) joined by commas, else a `BusinessStatus` other than `Normal`.
pub fn lock_reason(item: &wire::EipAddress) -> Option<String> {
    let reasons: Vec<&str> = item
        .operation_locks
        .iter()
        .flat_map(|locks| &locks.lock_reason)
        .filter_map(|record| record.lock_reason.as_deref())
        .collect();
    if !reasons.is_empty() {
        return Some(reasons.join(","));
    }
    item.business_status
        .as_deref()
        .filter(|status| *status != "Normal")
        .map(|status| format!("BusinessStatus {status}"))
}

/// The lock named in [`Eip::raw_status`] by [`to_eip`], when the address is locked.
pub fn lock_of(eip: &Eip) -> Option<&str> {
    if eip.status != EipStatus::Locked {
        return None;
    }
    eip.raw_status
        .split_once("(locked: ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
}

/// Maps one `EipAddress` onto the normalized model (`default_region` when the item names none);
/// an item without an id or a readable address is [`Error::InvalidResponse`].
///
/// The description is read from `Descritpion`, the spelling DescribeEipAddresses really answers
/// with (its API reference response table; Terraform's
/// `alicloud/data_source_alicloud_eip_addresses.go` reads the same key), or from `Description`;
/// the bandwidth from `EipBandwidth`, the address's own bandwidth even inside an Internet Shared
/// Bandwidth (Terraform's `alicloud/resource_alicloud_eip_address.go` prefers it too), else
/// `Bandwidth`. An empty `PrivateIpAddress` (ECS bindings answer `""`) is absent.
pub fn to_eip(item: &wire::EipAddress, default_region: &str) -> Result<Eip> {
    let invalid = |reason: String| Error::InvalidResponse {
        operation: DESCRIBE.into(),
        reason,
        http_status: Some(200),
        request_id: None,
    };
    let id = item
        .allocation_id
        .as_deref()
        .ok_or_else(|| invalid("an EipAddress has no AllocationId".into()))?;
    let raw_address = item.ip_address.as_deref().unwrap_or_default();
    let address: IpAddr = raw_address.parse().map_err(|_| {
        invalid(format!(
            "{id} has IpAddress {raw_address:?}, which is not an IP address"
        ))
    })?;
    let raw = item.status.clone().unwrap_or_default();
    let (status, raw_status) = match lock_reason(item) {
        Some(reason) => (EipStatus::Locked, format!("{raw} (locked: {reason})")),
        None => (status_from_alibaba(&raw), raw),
    };
    let region = item.region_id.as_deref().unwrap_or(default_region);
    let mut eip = Eip::new(KIND, region, id, address, status, raw_status);
    eip.bandwidth_mbps = item
        .eip_bandwidth
        .or(item.bandwidth)
        .and_then(|b| u32::try_from(b).ok());
    eip.bandwidth_id = item.bandwidth_package_id.clone();
    eip.name = item.name.clone();
    eip.description = item
        .description
        .clone()
        .or_else(|| item.descritpion.clone());
    eip.binding = binding(item);
    eip.charge_mode = item.internet_charge_type.as_deref().map(charge_mode);
    eip.created_at = item.allocation_time.as_deref().and_then(parse_time);
    if let Some(tags) = &item.tags {
        for tag in &tags.tag {
            if let Some(key) = &tag.key {
                let value = tag.value.clone().unwrap_or_default();
                eip.tags.insert(key.clone(), value);
            }
        }
    }
    Ok(eip)
}

fn charge_mode(raw: &str) -> ChargeMode {
    match raw {
        "PayByBandwidth" => ChargeMode::ByBandwidth,
        "PayByTraffic" => ChargeMode::ByTraffic,
        other => ChargeMode::Other(other.to_owned()),
    }
}

/// The `InternetChargeType` of a charge mode.
pub(crate) fn internet_charge_type(mode: &ChargeMode) -> Result<&str> {
    match mode {
        ChargeMode::ByBandwidth => Ok("PayByBandwidth"),
        ChargeMode::ByTraffic => Ok("PayByTraffic"),
        ChargeMode::Other(raw) => validate::id("charge_mode", raw).map(|()| raw.as_str()),
        other => Err(Error::Unsupported {
            what: format!("charge mode {other}"),
        }),
    }
}

fn binding(item: &wire::EipAddress) -> Option<Binding> {
    let instance_id = item.instance_id.clone()?;
    let kind = target_kind_from_alibaba(item.instance_type.as_deref().unwrap_or_default());
    let mut binding = Binding::new(kind.clone());
    if kind == TargetKind::NetworkInterface {
        binding.nic_id = Some(instance_id);
    } else {
        binding.instance_id = Some(instance_id);
    }
    binding.private_ip = item
        .private_ip_address
        .as_deref()
        .and_then(|ip| ip.parse().ok());
    Some(binding)
}

/// `AllocationTime`: RFC 3339 (`2024-01-01T00:00:00Z`), or without seconds as some Alibaba
/// timestamps are written (`2024-01-01T00:00Z`).
pub(crate) fn parse_time(raw: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .ok()
        .or_else(|| {
            let minutes =
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
            time::PrimitiveDateTime::parse(raw, minutes)
                .ok()
                .map(|t| t.assume_utc())
        })
}

/// A target as the API names it.
pub(crate) struct WireTarget {
    pub instance_id: String,
    pub instance_type: String,
    pub private_ip: Option<String>,
}

/// The `InstanceId`, `InstanceType` and `PrivateIpAddress` of a target.
pub(crate) fn wire_target(target: &AssociateTarget) -> Result<WireTarget> {
    let kind = target.kind();
    let instance_type = target_kind_to_alibaba(&kind).ok_or_else(|| Error::Unsupported {
        what: format!("association with a {}", target.kind()),
    })?;
    let instance_id = target.id().ok_or_else(|| Error::Unsupported {
        what: format!("association with a {target}"),
    })?;
    let private_ip = match target {
        AssociateTarget::NetworkInterface { private_ip, .. } => private_ip.map(|ip| ip.to_string()),
        _ => None,
    };
    Ok(WireTarget {
        instance_id: instance_id.to_owned(),
        instance_type: instance_type.to_owned(),
        private_ip,
    })
}

/// Reads one raw answer to `action` as the provider does: the body of a 2xx, else the
/// [`eip_core::Error`] the status and body mean (the code table of [`crate::AlibabaClassifier`],
/// or [`Error::InvalidResponse`] for an answer that is not the API's JSON). A wrong-state
/// refusal is mapped without the follow-up status read the provider makes.
///
/// ```
/// let refusal = br#"{"RequestId":"r-1","Code":"Throttling.User","Message":"flow control"}"#;
/// let error = eip_alibaba::mapping::read_answer("DescribeEipAddresses", 400, refusal).unwrap_err();
/// assert_eq!((error.kind_name(), error.request_id()), ("rate_limited", Some("r-1")));
/// ```
pub fn read_answer(action: &'static str, http_status: u16, body: &[u8]) -> Result<bytes::Bytes> {
    let reply = crate::rpc::Reply {
        status: http_status,
        retry_after: None,
        body: bytes::Bytes::copy_from_slice(body),
        signed_with: std::sync::Arc::new(eip_http::Credentials::new("", "")),
    };
    crate::rpc::read_reply(action, reply).map_err(|failure| match failure {
        crate::rpc::Failure::Refused(api) => {
            let subject = crate::error::Subject {
                action,
                ..Default::default()
            };
            crate::error::to_error(api, subject, None)
        }
        crate::rpc::Failure::Other(error) => error,
    })
}

/// Parses the body of a 2xx answer to `action` into one of the [`wire`] types, as the provider
/// does: anything else is [`Error::InvalidResponse`].
pub fn parse<T: DeserializeOwned>(action: &str, body: &[u8]) -> Result<T> {
    crate::rpc::parse(action, body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn item(json: &str) -> wire::EipAddress {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_documented_status_maps_both_ways() {
        let table = [
            ("Available", EipStatus::Available),
            ("InUse", EipStatus::Bound),
            ("Associating", EipStatus::Associating),
            ("Unassociating", EipStatus::Unassociating),
            ("Releasing", EipStatus::Releasing),
        ];
        for (raw, status) in table {
            assert_eq!(status_from_alibaba(raw), status, "{raw}");
            assert_eq!(status_to_alibaba(&status), Some(raw));
        }
    }

    #[test]
    fn unknown_statuses_keep_the_raw_value() {
        assert_eq!(
            status_from_alibaba("Allocating"),
            EipStatus::Unknown("Allocating".into())
        );
        assert_eq!(
            status_from_alibaba("inuse"),
            EipStatus::Unknown("inuse".into())
        );
        assert_eq!(status_from_alibaba(""), EipStatus::Unknown(String::new()));
        for status in [
            EipStatus::Creating,
            EipStatus::Updating,
            EipStatus::Failed,
            EipStatus::Locked,
        ] {
            assert_eq!(status_to_alibaba(&status), None, "{status}");
        }
    }

    #[test]
    fn instance_types_map_both_ways() {
        for (raw, kind) in [
            ("EcsInstance", TargetKind::Instance),
            ("NetworkInterface", TargetKind::NetworkInterface),
            ("HaVip", TargetKind::HighAvailabilityVip),
            ("Nat", TargetKind::NatGateway),
            ("SlbInstance", TargetKind::LoadBalancer),
        ] {
            assert_eq!(target_kind_from_alibaba(raw), kind);
            assert_eq!(target_kind_to_alibaba(&kind), Some(raw));
        }
        assert_eq!(target_kind_from_alibaba(""), TargetKind::Instance);
        assert_eq!(
            target_kind_from_alibaba("IpAddress"),
            TargetKind::Other("IpAddress".into())
        );
        assert_eq!(target_kind_to_alibaba(&TargetKind::Vpn), None);
    }

    #[test]
    fn an_eip_address_maps_onto_the_model() {
        let eip = to_eip(
            &item(
                r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","Bandwidth":"5","Name":"web",
                    "InstanceId":"eni-1","InstanceType":"NetworkInterface","PrivateIpAddress":"10.0.0.7",
                    "InternetChargeType":"PayByTraffic","AllocationTime":"2024-01-01T00:00:00Z",
                    "Tags":{"Tag":[{"Key":"env","Value":"prod"},{"Key":"bare"}]}}"#,
            ),
            "cn-hangzhou",
        )
        .unwrap();
        assert_eq!(
            (eip.id.as_str(), eip.status.clone(), eip.raw_status.as_str()),
            ("eip-1", EipStatus::Bound, "InUse")
        );
        assert_eq!(eip.bandwidth_mbps, Some(5));
        assert_eq!(eip.region, "cn-hangzhou");
        assert_eq!(eip.charge_mode, Some(ChargeMode::ByTraffic));
        assert_eq!(
            eip.created_at,
            Some(time::macros::datetime!(2024-01-01 0:00 UTC))
        );
        assert_eq!(eip.tags.get("env").map(String::as_str), Some("prod"));
        assert_eq!(eip.tags.get("bare").map(String::as_str), Some(""));
        let b = eip.binding.clone().unwrap();
        assert_eq!(
            (b.kind, b.nic_id.as_deref(), b.private_ip),
            (
                TargetKind::NetworkInterface,
                Some("eni-1"),
                Some("10.0.0.7".parse().unwrap())
            )
        );
        assert!(eip.is_bound_to(&AssociateTarget::nic("eni-1", None)));
        assert!(eip.is_bound_to(&AssociateTarget::nic(
            "eni-1",
            Some("10.0.0.7".parse().unwrap())
        )));
    }

    #[test]
    fn the_fields_a_real_account_answers_with() {
        // As DescribeEipAddresses answers on a real account: the misspelt key, an empty private
        // IP for an ECS binding, the address's own bandwidth inside a shared bandwidth.
        let eip = to_eip(
            &item(
                r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","Descritpion":"web tier",
                    "InstanceId":"i-1","InstanceType":"EcsInstance","PrivateIpAddress":"",
                    "Bandwidth":"200","EipBandwidth":"5","BandwidthPackageId":"cbwp-1"}"#,
            ),
            "cn-hangzhou",
        )
        .unwrap();
        assert_eq!(eip.description.as_deref(), Some("web tier"));
        assert_eq!(eip.bandwidth_mbps, Some(5));
        assert_eq!(eip.bandwidth_id.as_deref(), Some("cbwp-1"));
        let binding = eip.binding.clone().unwrap();
        assert_eq!(
            (binding.instance_id.as_deref(), binding.private_ip),
            (Some("i-1"), None)
        );
        assert!(eip.is_bound_to(&AssociateTarget::instance("i-1")));
        let documented = to_eip(
            &item(r#"{"AllocationId":"eip-2","IpAddress":"47.0.0.2","Status":"Available","Description":"db","Bandwidth":5}"#),
            "r",
        )
        .unwrap();
        assert_eq!(documented.description.as_deref(), Some("db"));
        assert_eq!(documented.bandwidth_mbps, Some(5));
    }

    #[test]
    fn a_locked_address_is_locked_with_its_reason() {
        let financial = to_eip(
            &item(
                r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","InstanceId":"i-1",
                    "BusinessStatus":"OperationLock","OperationLocks":{"LockReason":[{"LockReason":"financial"}]}}"#,
            ),
            "r",
        )
        .unwrap();
        assert_eq!(financial.status, EipStatus::Locked);
        assert_eq!(financial.raw_status, "InUse (locked: financial)");
        assert_eq!(lock_of(&financial), Some("financial"));
        assert!(financial.binding.is_some(), "the binding is still reported");
        let two = to_eip(
            &item(r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"Available",
                      "OperationLocks":{"LockReason":[{"LockReason":"financial"},{"LockReason":"security"}]}}"#),
            "r",
        )
        .unwrap();
        assert_eq!(lock_of(&two), Some("financial,security"));
        let by_status = to_eip(
            &item(r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"Available","BusinessStatus":"OperationLock","OperationLocks":{"LockReason":[]}}"#),
            "r",
        )
        .unwrap();
        assert_eq!(
            (by_status.status.clone(), lock_of(&by_status)),
            (EipStatus::Locked, Some("BusinessStatus OperationLock"))
        );
        let normal = to_eip(
            &item(r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"Available","BusinessStatus":"Normal","OperationLocks":{"LockReason":[]}}"#),
            "r",
        )
        .unwrap();
        assert_eq!(
            (normal.status.clone(), lock_of(&normal)),
            (EipStatus::Available, None)
        );
    }

    #[test]
    fn each_instance_type_becomes_a_binding() {
        for (raw, target) in [
            ("EcsInstance", AssociateTarget::instance("x-1")),
            ("", AssociateTarget::instance("x-1")),
            (
                "HaVip",
                AssociateTarget::HighAvailabilityVip { id: "x-1".into() },
            ),
            ("Nat", AssociateTarget::NatGateway { id: "x-1".into() }),
            (
                "SlbInstance",
                AssociateTarget::LoadBalancer { id: "x-1".into() },
            ),
        ] {
            let json = format!(
                r#"{{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Status":"InUse","InstanceId":"x-1","InstanceType":"{raw}"}}"#
            );
            let eip = to_eip(&item(&json), "r").unwrap();
            assert!(eip.is_bound_to(&target), "{raw}");
            assert_eq!(
                wire_target(&target).unwrap().instance_type,
                if raw.is_empty() { "EcsInstance" } else { raw }
            );
        }
        let free = to_eip(&item(r#"{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Status":"Available","InstanceId":""}"#), "r").unwrap();
        assert_eq!(free.binding, None);
    }

    #[test]
    fn unreadable_items_are_invalid_responses() {
        for json in [
            r#"{"IpAddress":"1.2.3.4"}"#,
            r#"{"AllocationId":"eip-1","IpAddress":"nope"}"#,
            r#"{"AllocationId":"eip-1"}"#,
        ] {
            assert!(
                matches!(to_eip(&item(json), "r"), Err(Error::InvalidResponse { .. })),
                "{json}"
            );
        }
        let odd = to_eip(&item(r#"{"AllocationId":"eip-1","IpAddress":"1.2.3.4","Status":"Frozen","AllocationTime":"yesterday"}"#), "r").unwrap();
        assert_eq!(odd.status, EipStatus::Unknown("Frozen".into()));
        assert_eq!(odd.created_at, None);
        assert_eq!(
            parse_time("2024-05-06T07:08Z"),
            Some(time::macros::datetime!(2024-05-06 7:08 UTC))
        );
    }

    #[test]
    fn capabilities_follow_the_api_reference() {
        let caps = capabilities();
        assert_eq!(caps.max_page_size, 100);
        assert_eq!(caps.bandwidth_mbps, 1..=500);
        assert!(caps.parallel_pages && caps.server_side_idempotency);
        assert!(
            !caps.conditional_disassociate,
            "no document says the cloud enforces the InstanceId of an unbind"
        );
        assert!(!caps.private_ip_targets);
        assert_eq!(caps.max_tags(), 20);
        assert!(caps.name_rule.check("name", "a").is_ok());
        assert!(caps.name_rule.check("name", "1a").is_err());
        assert!(caps.check_description("https://x").is_err());
    }
}
