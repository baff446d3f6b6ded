//! Huawei's publicip and port objects → the normalized [`Eip`] model; what the provider
//! supports, and the Huawei-only input rules (bandwidth steps, line types per region) checked
//! before sending.
//!
//! # Status mapping
//!
//! Every status of huaweicloudsdkeip `v2/model/publicip_show_resp.py`, `status` maps onto exactly one [`EipStatus`]; the raw value is kept in
//! [`Eip::raw_status`]:
//!
//! | Huawei `status` | meaning (huaweicloudsdkeip `v2/model/publicip_show_resp.py`, `status`) | [`EipStatus`] |
//! |---|---|---|
//! | `DOWN` | unbound, usable | `Available` |
//! | `ACTIVE` | bound to a port | `Bound` |
//! | `ELB` | bound to a load balancer | `Bound` |
//! | `VPN` | bound to a VPN | `Bound` |
//! | `BINDING` | binding | `Associating` |
//! | `BIND_ERROR` | binding failed | `Failed` |
//! | `PENDING_CREATE` | creating | `Creating` |
//! | `NOTIFYING` | creating | `Creating` |
//! | `PENDING_UPDATE` | updating (bind or unbind under way) | `Updating` |
//! | `PENDING_DELETE` | releasing | `Releasing` |
//! | `NOTIFY_DELETE` | releasing | `Releasing` |
//! | `FREEZED` | frozen (arrears, police) | `Locked` |
//! | `ERROR` | failed | `Failed` |
//! | anything else | | `Unknown(raw)` |
//!
//! The port decides between the two ends of a bind or unbind ([`status_with_port`]): `ACTIVE`
//! without a `port_id` is `Available`, `DOWN` with a `port_id` is `Associating`.

use std::net::IpAddr;

use eip_core::{
    BandwidthKind, Binding, Capabilities, ChargeMode, Charset, Eip, EipStatus, Error, TagRule,
    TargetKind, TextRule,
};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::wire::{Port, Publicip};
use crate::KIND;

/// The normalized status of a publicip, from its `status` and whether it names a port.
///
/// The v1 publicips are Neutron floating IPs, and in Neutron the PUT changes `port_id` at once
/// while `status` follows (<https://docs.openstack.org/api-ref/network/v2/#floating-ips-floatingips>);
/// Huawei's own bind example answers `ACTIVE` with the port already set
/// (<https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0004.html>). The order of the two
/// is not documented, so the port decides, as Terraform's association waiter does (it waits on
/// `port_id`, `huaweicloud/services/eip/resource_huaweicloud_vpc_eip_associate.go`):
/// `ACTIVE` without a port has been unbound (its status has not caught up), and `DOWN` with a
/// port is being bound, not available.
pub(crate) fn status_with_port(raw: &str, port_id: Option<&str>) -> EipStatus {
    match (raw, port_id) {
        ("ACTIVE", None) => EipStatus::Available,
        ("DOWN", Some(_)) => EipStatus::Associating,
        _ => status_of(raw),
    }
}

/// The normalized status of a Huawei status (see the table in the module docs).
pub(crate) fn status_of(raw: &str) -> EipStatus {
    match raw {
        "DOWN" => EipStatus::Available,
        "ACTIVE" | "ELB" | "VPN" => EipStatus::Bound,
        "BINDING" => EipStatus::Associating,
        "BIND_ERROR" | "ERROR" => EipStatus::Failed,
        "PENDING_CREATE" | "NOTIFYING" => EipStatus::Creating,
        "PENDING_UPDATE" => EipStatus::Updating,
        "PENDING_DELETE" | "NOTIFY_DELETE" => EipStatus::Releasing,
        "FREEZED" => EipStatus::Locked,
        other => EipStatus::Unknown(other.to_owned()),
    }
}

/// `create_time` as the API writes it, `YYYY-MM-DD HH:MM:SS` in UTC with no zone
/// (huaweicloudsdkeip `v2/model/publicip_show_resp.py`); an ISO form with `T` is accepted too. Unreadable → `None`.
pub(crate) fn parse_create_time(raw: &str) -> Option<OffsetDateTime> {
    let spaced = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let iso = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let trimmed = raw.trim().trim_end_matches('Z');
    PrimitiveDateTime::parse(trimmed, spaced)
        .or_else(|_| PrimitiveDateTime::parse(trimmed, iso))
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

fn charge_mode_of(raw: &str) -> ChargeMode {
    ChargeMode::from_name(raw).unwrap_or_else(|| ChargeMode::Other(raw.to_owned()))
}

fn invalid(action: &str, reason: impl Into<String>) -> Error {
    Error::InvalidResponse {
        operation: action.to_owned(),
        reason: reason.into(),
        http_status: None,
        request_id: None,
    }
}

/// A publicip → an [`Eip`]. The binding, when the EIP has a port, is the bare port (kind
/// `NetworkInterface`) until [`resolve_binding`] fills in the device from the port.
pub(crate) fn eip_from(action: &str, region: &str, ip: &Publicip) -> Result<Eip, Error> {
    let id = ip
        .id
        .clone()
        .ok_or_else(|| invalid(action, "a publicip without an id"))?;
    let v6 = ip.ip_version == Some(6);
    let candidates = if v6 {
        [&ip.public_ipv6_address, &ip.public_ip_address]
    } else {
        [&ip.public_ip_address, &ip.public_ipv6_address]
    };
    let address: IpAddr = candidates
        .iter()
        .find_map(|a| a.as_deref().and_then(|a| a.parse().ok()))
        .ok_or_else(|| {
            invalid(
                action,
                format!("publicip {id} has no readable public address"),
            )
        })?;
    let raw_status = ip.status.clone().unwrap_or_default();
    let status = status_with_port(&raw_status, ip.port_id.as_deref());
    let mut eip = Eip::new(KIND, region, id, address, status, raw_status);
    eip.bandwidth_mbps = ip.bandwidth_size.filter(|size| *size > 0);
    eip.bandwidth_id = ip.bandwidth_id.clone();
    eip.name = ip.alias.clone();
    eip.charge_mode = ip.charge_mode.as_deref().map(charge_mode_of);
    eip.created_at = ip.create_time.as_deref().and_then(parse_create_time);
    eip.bandwidth_kind = match ip.bandwidth_share_type.as_deref() {
        Some("PER") => Some(BandwidthKind::Dedicated),
        Some("WHOLE") => Some(BandwidthKind::Shared),
        _ => None,
    };
    eip.resource_group = ip.enterprise_project_id.clone();
    eip.tags = ip.tags.iter().map(|tag| split_tag(tag)).collect();
    // huaweicloudsdkeip `v2/model/publicip_show_resp.py`: `private_ip_address` may be set while DOWN, so binding is read from port_id.
    if let Some(port) = &ip.port_id {
        let mut binding = Binding::new(TargetKind::NetworkInterface);
        binding.nic_id = Some(port.clone());
        binding.private_ip = ip
            .private_ip_address
            .as_deref()
            .and_then(|a| a.parse().ok());
        eip.binding = Some(binding);
    }
    Ok(eip)
}

/// A `"key=value"` tag of the publicip object (huaweicloudsdkeip
/// `v2/model/publicip_show_resp.py`, `tags`); a key cannot contain `=` (the tag rule), so the
/// first one splits; a tag without one has an empty value.
pub(crate) fn split_tag(tag: &str) -> (String, String) {
    match tag.split_once('=') {
        Some((key, value)) => (key.to_owned(), value.to_owned()),
        None => (tag.to_owned(), String::new()),
    }
}

/// Fills in the binding of `eip` from its port: the device is the instance, of kind `Instance`
/// for an ECS NIC (`device_owner` `compute:*`), `NetworkInterface` otherwise.
pub(crate) fn resolve_binding(eip: &mut Eip, ports: &[Port]) {
    let Some(binding) = eip.binding.as_mut() else {
        return;
    };
    let Some(port) = ports
        .iter()
        .find(|p| p.id.is_some() && p.id == binding.nic_id)
    else {
        return;
    };
    binding.kind = if port.is_compute() {
        TargetKind::Instance
    } else {
        TargetKind::NetworkInterface
    };
    binding.instance_id = port.device_id.clone();
    if binding.private_ip.is_none() {
        binding.private_ip = port
            .fixed_ips
            .iter()
            .find_map(|f| f.ip_address.as_deref().and_then(|a| a.parse().ok()));
    }
}

// ---- capabilities and input rules ----

/// The line types (`publicip.type`) each region offers, as Huawei's EIP API documents them in
/// the `type` field of a created publicip (the SDK model carries the text:
/// huaweicloud/huaweicloud-sdk-python-v3
/// `huaweicloud-sdk-eip/huaweicloudsdkeip/v2/model/publicip_create_resp.py`, "东北-大连:
/// 5_telcom、5_union; 华南-广州: 5_bgp、5_sbgp; 华东-上海二: 5_bgp、5_sbgp; 华北-北京一: 5_bgp、
/// 5_sbgp、5_ipv6; 亚太-香港/曼谷/新加坡, 非洲-约翰内斯堡: 5_bgp; 西南-贵阳一: 5_bgp、5_sbgp;
/// 华北-北京四: 5_bgp、5_sbgp"). A region not listed is not checked.
pub(crate) const LINE_TYPES: &[(&str, &[&str])] = &[
    ("cn-northeast-1", &["5_telcom", "5_union"]),
    ("cn-south-1", &["5_bgp", "5_sbgp"]),
    ("cn-east-2", &["5_bgp", "5_sbgp"]),
    ("cn-north-1", &["5_bgp", "5_sbgp", "5_ipv6"]),
    ("ap-southeast-1", &["5_bgp"]),
    ("ap-southeast-2", &["5_bgp"]),
    ("ap-southeast-3", &["5_bgp"]),
    ("af-south-1", &["5_bgp"]),
    ("cn-southwest-2", &["5_bgp", "5_sbgp"]),
    ("cn-north-4", &["5_bgp", "5_sbgp"]),
];

/// The line of an allocation that names none: dynamic BGP (`5_bgp`), except where the region
/// does not offer it (cn-northeast-1: China Telecom, `5_telcom`) and in the four regions where
/// an older page of the same reference lists static BGP only and yunionio/cloudmux allocates
/// `5_sbgp` (`pkg/multicloud/huawei/eip.go` `AllocateEIP`): cn-north-1, cn-east-2, cn-south-1 and
/// cn-southwest-2 default to `5_sbgp`, which both sources say those regions offer.
pub(crate) fn default_line(region: &str) -> &'static str {
    match region {
        "cn-northeast-1" => "5_telcom",
        "cn-north-1" | "cn-east-2" | "cn-south-1" | "cn-southwest-2" => "5_sbgp",
        _ => "5_bgp",
    }
}

/// The line types `region` offers, when documented.
pub(crate) fn line_types(region: &str) -> Option<&'static [&'static str]> {
    LINE_TYPES
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, lines)| *lines)
}

/// Refuses, before any request, a line `region` does not offer, naming the ones it does.
pub(crate) fn check_line(region: &str, line: &str) -> Result<(), Error> {
    match line_types(region) {
        Some(offered) if !offered.contains(&line) => Err(Error::invalid_input(
            "line",
            format!(
                "{region} does not offer line {line:?}; it offers {}",
                offered.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// The largest page of `GET publicips`: the list's `limit` defaults to 2000 and regional
/// references cap it there (<https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>).
pub(crate) const MAX_PAGE_SIZE: u32 = 2000;

/// <https://support.huaweicloud.com/api-eip/eip_api_0001.html>: `alias` is 1–64 letters, digits, CJK characters and `_ - .`.
pub(crate) const NAME_RULE: TextRule = TextRule {
    min_chars: 1,
    max_chars: 64,
    starts_with_letter: false,
    charset: Charset::Restricted {
        extra: "_-.",
        cjk: true,
    },
    forbidden_prefixes: &[],
};

/// The EIP tag rule (Batch Creating or Deleting EIP Tags,
/// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apitag_0004.html>, and Creating a Tag
/// for an EIP, <https://support.huaweicloud.com/intl/en-us/eu-west-0-api-vpc/eip_tag_0001.html>):
/// a key is 1–36 letters, digits, `_`, `-` and CJK characters; a value at most 43 letters,
/// digits, `_`, `.`, `-` and CJK characters. At most 10 tags per address: the tag API pages do
/// not state a per-address count, and 10 is the most ListPublicipsByTags takes in one query
/// (<https://support.huaweicloud.com/api-eip/eip_apitag_0005.html>, "最多包含10个key"), the bound
/// this provider keeps so that every tag of an address stays filterable.
pub(crate) const TAG_RULE: TagRule = TagRule {
    max_per_resource: 10,
    key: TextRule {
        min_chars: 1,
        max_chars: 36,
        starts_with_letter: false,
        charset: Charset::Restricted {
            extra: "_-",
            cjk: true,
        },
        forbidden_prefixes: &[],
    },
    value: TextRule {
        min_chars: 0,
        max_chars: 43,
        starts_with_letter: false,
        charset: Charset::Restricted {
            extra: "_.-",
            cjk: true,
        },
        forbidden_prefixes: &[],
    },
};

/// The provider's capabilities in `region`.
pub(crate) fn capabilities(region: &str) -> Capabilities {
    let mut caps = Capabilities::new(NAME_RULE);
    caps.targets = vec![TargetKind::Instance, TargetKind::NetworkInterface];
    caps.private_ip_targets = true;
    caps.ipv6 = true;
    caps.shared_bandwidth = true;
    caps.max_page_size = MAX_PAGE_SIZE;
    caps.parallel_pages = false;
    // The v1 PUT has no "only if bound to" condition: disassociate re-reads just before.
    caps.conditional_disassociate = false;
    // The v1 create has no client token: allocate reconciles by a marker (see `client`).
    caps.server_side_idempotency = false;
    caps.bandwidth_mbps = 1..=2000;
    // https://support.huaweicloud.com/api-vpc/AssociatePublicips.html: descriptions exist only in the v3 API.
    caps.description_rule = None;
    // The v1 create takes no tags: they are the v2.0 tag API (huaweicloudsdkeip
    // `v2/eip_client.py`), written after the create inside the same allocation.
    caps.tags = Some(TAG_RULE);
    // ListPublicipsByTags filters by tag in the cloud.
    caps.server_side_tag_filter = true;
    // `enterprise_project_id` on create, list and the object; moves through EPS.
    caps.resource_groups = true;
    // CreatePublicip's `publicip.ip_address`.
    caps.specific_address = true;
    // Neither exists for Huawei EIPs: CreatePublicip
    // (https://support.huaweicloud.com/api-eip/eip_api_0001.html) has no pool parameter in the
    // v1 API and the publicip object has no deletion-protection attribute.
    caps.address_pools = false;
    caps.deletion_protection = false;
    caps.lines = line_types(region)
        .map(|lines| lines.iter().map(|l| (*l).to_owned()).collect())
        .unwrap_or_default();
    caps
}

/// <https://support.huaweicloud.com/api-eip/eip_api_0001.html>: bandwidth goes in steps of 1 Mbit/s up to 300, of 50 up to 1000 and of 500
/// above (the range itself is checked by [`Capabilities::check_bandwidth`]).
pub(crate) fn check_bandwidth_step(mbps: u32) -> Result<(), Error> {
    let (ok, step) = match mbps {
        0..=300 => (true, 1),
        301..=1000 => (mbps % 50 == 0, 50),
        _ => (mbps % 500 == 0, 500),
    };
    if ok {
        Ok(())
    } else {
        let below = mbps - mbps % step;
        Err(Error::invalid_input(
            "bandwidth_mbps",
            format!("{mbps} Mbit/s is not a valid step: above 300 use multiples of 50, above 1000 multiples of 500 (e.g. {below} or {})", below + step),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::wire::{FixedIp, VifDetails};

    #[test]
    fn all_thirteen_statuses_map() {
        let table = [
            ("DOWN", EipStatus::Available),
            ("ACTIVE", EipStatus::Bound),
            ("ELB", EipStatus::Bound),
            ("VPN", EipStatus::Bound),
            ("BINDING", EipStatus::Associating),
            ("BIND_ERROR", EipStatus::Failed),
            ("PENDING_CREATE", EipStatus::Creating),
            ("NOTIFYING", EipStatus::Creating),
            ("PENDING_UPDATE", EipStatus::Updating),
            ("PENDING_DELETE", EipStatus::Releasing),
            ("NOTIFY_DELETE", EipStatus::Releasing),
            ("FREEZED", EipStatus::Locked),
            ("ERROR", EipStatus::Failed),
        ];
        assert_eq!(table.len(), 13);
        for (raw, status) in table {
            assert_eq!(status_of(raw), status, "{raw}");
        }
        assert_eq!(status_of("down"), EipStatus::Unknown("down".into()));
        assert_eq!(status_of(""), EipStatus::Unknown(String::new()));
    }

    #[test]
    fn the_port_decides_between_the_two_ends_of_a_bind() {
        // Neutron order: port_id changes first, status follows.
        assert_eq!(status_with_port("ACTIVE", None), EipStatus::Available);
        assert_eq!(status_with_port("DOWN", Some("p")), EipStatus::Associating);
        // The settled states and the other order.
        assert_eq!(status_with_port("ACTIVE", Some("p")), EipStatus::Bound);
        assert_eq!(status_with_port("DOWN", None), EipStatus::Available);
        assert_eq!(
            status_with_port("PENDING_UPDATE", Some("p")),
            EipStatus::Updating
        );
        assert_eq!(status_with_port("ELB", None), EipStatus::Bound);
        let unbound = Publicip {
            status: Some("ACTIVE".into()),
            port_id: None,
            ..publicip(None)
        };
        let eip = eip_from("X", "r", &unbound).unwrap();
        assert_eq!((eip.status, eip.binding), (EipStatus::Available, None));
    }

    #[test]
    fn create_time_is_utc_without_a_zone() {
        let t = parse_create_time("2015-07-16 04:22:32").unwrap();
        assert_eq!(t, time::macros::datetime!(2015-07-16 04:22:32 UTC));
        assert_eq!(parse_create_time("2015-07-16T04:22:32Z"), Some(t));
        assert_eq!(parse_create_time("yesterday"), None);
    }

    fn publicip(port: Option<&str>) -> Publicip {
        Publicip {
            id: Some("e1".into()),
            status: Some(if port.is_some() { "ACTIVE" } else { "DOWN" }.into()),
            public_ip_address: Some("161.17.101.9".into()),
            private_ip_address: Some("192.168.0.11".into()),
            port_id: port.map(str::to_owned),
            create_time: Some("2015-07-16 04:22:32".into()),
            bandwidth_id: Some("bw-1".into()),
            bandwidth_size: Some(5),
            alias: Some("web".into()),
            ..Publicip::default()
        }
    }

    #[test]
    fn a_publicip_maps_to_an_eip() {
        let eip = eip_from("ShowPublicip", "cn-north-4", &publicip(None)).unwrap();
        assert_eq!(
            (eip.id.as_str(), eip.status.clone(), eip.raw_status.as_str()),
            ("e1", EipStatus::Available, "DOWN")
        );
        assert_eq!(eip.address, "161.17.101.9".parse::<IpAddr>().unwrap());
        assert_eq!(
            (
                eip.bandwidth_mbps,
                eip.bandwidth_id.as_deref(),
                eip.name.as_deref()
            ),
            (Some(5), Some("bw-1"), Some("web"))
        );
        assert!(
            eip.binding.is_none(),
            "a private ip while DOWN is not a binding"
        );
        assert_eq!(eip.region, "cn-north-4");
        assert!(eip.created_at.is_some());

        let no_address = Publicip {
            public_ip_address: None,
            ..publicip(None)
        };
        assert!(matches!(
            eip_from("X", "r", &no_address),
            Err(Error::InvalidResponse { .. })
        ));
        let no_id = Publicip {
            id: None,
            ..publicip(None)
        };
        assert!(matches!(
            eip_from("X", "r", &no_id),
            Err(Error::InvalidResponse { .. })
        ));
    }

    #[test]
    fn bindings_are_resolved_from_the_port() {
        let mut eip = eip_from("X", "r", &publicip(Some("p1"))).unwrap();
        let port = Port {
            id: Some("p1".into()),
            device_id: Some("srv-1".into()),
            device_owner: Some("compute:cn-north-4a".into()),
            fixed_ips: vec![FixedIp {
                subnet_id: None,
                ip_address: Some("192.168.0.11".into()),
            }],
            vif_details: Some(VifDetails {
                primary_interface: Some(true),
            }),
        };
        resolve_binding(&mut eip, std::slice::from_ref(&port));
        let b = eip.binding.clone().unwrap();
        assert_eq!(
            (b.kind, b.instance_id.as_deref(), b.nic_id.as_deref()),
            (TargetKind::Instance, Some("srv-1"), Some("p1"))
        );
        assert!(eip.is_bound_to(&eip_core::AssociateTarget::instance("srv-1")));

        let mut vip = eip_from("X", "r", &publicip(Some("p1"))).unwrap();
        let vip_port = Port {
            device_owner: Some("neutron:VIP_PORT".into()),
            ..port
        };
        resolve_binding(&mut vip, &[vip_port]);
        assert_eq!(vip.binding.unwrap().kind, TargetKind::NetworkInterface);
    }

    #[test]
    fn line_types_are_checked_per_region_and_defaults_are_offered() {
        match check_line("cn-northeast-1", "5_bgp") {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "line");
                assert!(
                    reason.contains("5_telcom") && reason.contains("5_union"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(check_line("cn-northeast-1", "5_union").is_ok());
        assert!(check_line("ap-southeast-1", "5_sbgp").is_err());
        assert!(check_line("cn-east-2", "5_sbgp").is_ok());
        // Undocumented regions are not second-guessed.
        assert!(check_line("tr-west-1", "5_whatever").is_ok());
        for (region, _) in LINE_TYPES {
            assert!(check_line(region, default_line(region)).is_ok(), "{region}");
        }
        assert_eq!(default_line("eu-west-101"), "5_bgp");
    }

    #[test]
    fn tags_share_type_and_enterprise_project_are_read_from_the_object() {
        let ip = Publicip {
            tags: vec!["team=web".into(), "url=a=b".into(), "bare".into()],
            bandwidth_share_type: Some("WHOLE".into()),
            enterprise_project_id: Some("0".into()),
            ..publicip(None)
        };
        let eip = eip_from("X", "r", &ip).unwrap();
        assert_eq!(eip.tags["team"], "web");
        assert_eq!(eip.tags["url"], "a=b", "the first `=` splits");
        assert_eq!(eip.tags["bare"], "");
        assert_eq!(eip.bandwidth_kind, Some(BandwidthKind::Shared));
        assert_eq!(eip.resource_group.as_deref(), Some("0"));
        let per = Publicip {
            bandwidth_share_type: Some("PER".into()),
            ..publicip(None)
        };
        let eip = eip_from("X", "r", &per).unwrap();
        assert_eq!(eip.bandwidth_kind, Some(BandwidthKind::Dedicated));
        assert_eq!(
            eip_from("X", "r", &publicip(None)).unwrap().bandwidth_kind,
            None
        );
    }

    #[test]
    fn capabilities_follow_the_region_and_the_tag_rule() {
        let caps = capabilities("cn-northeast-1");
        assert_eq!(caps.lines, ["5_telcom", "5_union"]);
        assert!(
            capabilities("tr-west-1").lines.is_empty(),
            "undocumented: not checked"
        );
        let rule = caps.tags.unwrap();
        assert_eq!(rule.max_per_resource, 10);
        assert!(rule.key.check("k", "团队_team-1").is_ok());
        assert!(rule.key.check("k", "a.b").is_err(), "no `.` in keys");
        assert!(rule.key.check("k", "").is_err());
        assert!(rule.value.check("v", "").is_ok());
        assert!(rule.value.check("v", "v1.2_x-y").is_ok());
        assert!(rule.value.check("v", &"v".repeat(44)).is_err());
        assert!(caps.server_side_tag_filter && caps.resource_groups && caps.specific_address);
        assert!(!caps.address_pools && !caps.deletion_protection);
    }

    #[test]
    fn bandwidth_steps() {
        for ok in [1, 5, 299, 300, 350, 400, 1000, 1500, 2000] {
            assert!(check_bandwidth_step(ok).is_ok(), "{ok}");
        }
        for bad in [301, 325, 999, 1001, 1250, 1999] {
            match check_bandwidth_step(bad) {
                Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "bandwidth_mbps"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let caps = capabilities("cn-north-4");
        assert!(caps.check_bandwidth("bandwidth_mbps", 2500).is_err());
        assert!(caps.check_bandwidth("bandwidth_mbps", 0).is_err());
    }

    #[test]
    fn names_follow_the_alias_rule_and_descriptions_are_unsupported() {
        let caps = capabilities("cn-north-4");
        assert!(caps.name_rule.check("name", "web-1_公网.ip").is_ok());
        assert!(caps.name_rule.check("name", "").is_err());
        assert!(caps.name_rule.check("name", &"a".repeat(65)).is_err());
        assert!(caps.name_rule.check("name", "a b").is_err());
        assert!(matches!(
            caps.check_description("x"),
            Err(Error::Unsupported { .. })
        ));
        assert_eq!(caps.max_page_size, 2000);
        assert!(caps.private_ip_targets && caps.ipv6 && caps.shared_bandwidth);
    }
}
