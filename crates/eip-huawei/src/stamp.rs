//! Exactly-once allocation without a client token.
//!
//! The v1 create has no idempotency token (<https://support.huaweicloud.com/api-eip/eip_api_0001.html>), so a create whose answer was lost
//! cannot simply be sent again. Each allocation therefore carries a *stamp* derived from its
//! idempotency key, `mce-` + the first 28 hex digits of SHA-256(key) (32 characters, valid as a
//! bandwidth name and as an alias: 1–64 of `[A-Za-z0-9_.-]`, <https://support.huaweicloud.com/api-eip/eip_api_0001.html>; <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_apiBandwidth_0003.html>):
//!
//! - with a dedicated (`PER`) bandwidth, the stamp is the **bandwidth name**, so the EIP's own
//!   name (`alias`) stays the caller's;
//! - with a shared (`WHOLE`) bandwidth there is no bandwidth name, so the stamp becomes the
//!   **alias** when the caller gave no name. With a name and a shared bandwidth nothing can carry
//!   the stamp: such an allocation is not reconciled, and an ambiguous failure is returned as it
//!   is (`maybe_sent`), for the caller to check. Leave the name out (set it afterwards with
//!   `modify`) to get exactly-once.
//!
//! After an ambiguous failure the addresses are listed; one carrying the stamp is adopted, and
//! only when none does is the create sent again, with the same stamp.

use eip_core::{AllocateRequest, ChargeMode, IpVersion};
use sha2::{Digest, Sha256};

use crate::wire::{CreateBandwidth, CreatePublicip, CreateRequest, Publicip};

/// The bandwidth of a new EIP when the request names none (the value of Huawei's examples).
pub(crate) const DEFAULT_BANDWIDTH_MBPS: u32 = 5;

/// Where an allocation's stamp lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// In `bandwidth_name`.
    BandwidthName(String),
    /// In `alias`.
    Alias(String),
    /// Nowhere: the allocation cannot be reconciled.
    None,
}

impl Stamp {
    /// Whether `ip` carries this stamp.
    pub(crate) fn is_on(&self, ip: &Publicip) -> bool {
        match self {
            Self::BandwidthName(value) => ip.bandwidth_name.as_deref() == Some(value),
            Self::Alias(value) => ip.alias.as_deref() == Some(value),
            Self::None => false,
        }
    }
}

/// `mce-` + 28 hex digits of SHA-256(key).
pub(crate) fn marker(key: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("mce-{}", &digest[..28])
}

/// Where the stamp of `request` goes (see the module docs).
pub(crate) fn stamp_for(request: &AllocateRequest, key: &str) -> Stamp {
    match (&request.shared_bandwidth_id, &request.name) {
        (None, _) => Stamp::BandwidthName(marker(key)),
        (Some(_), None) => Stamp::Alias(marker(key)),
        (Some(_), Some(_)) => Stamp::None,
    }
}

/// The create body for a validated `request`, stamped, on `default_line` unless it names one.
pub(crate) fn create_request(
    request: &AllocateRequest,
    stamp: &Stamp,
    default_line: &str,
) -> CreateRequest {
    let alias = match stamp {
        Stamp::Alias(value) => Some(value.clone()),
        _ => request.name.clone(),
    };
    let publicip = CreatePublicip {
        ip_type: request
            .line
            .clone()
            .unwrap_or_else(|| default_line.to_owned()),
        // CreatePublicip, https://support.huaweicloud.com/api-eip/eip_api_0001.html:
        // `publicip.ip_address` asks for one specific address.
        ip_address: request.address.map(|address| address.to_string()),
        ip_version: if request.ip_version == IpVersion::V6 {
            6
        } else {
            4
        },
        alias,
    };
    let bandwidth = match &request.shared_bandwidth_id {
        Some(id) => CreateBandwidth {
            share_type: "WHOLE",
            id: Some(id.clone()),
            name: None,
            size: None,
            charge_mode: None,
        },
        None => CreateBandwidth {
            share_type: "PER",
            id: None,
            name: match stamp {
                Stamp::BandwidthName(value) => Some(value.clone()),
                _ => None,
            },
            size: Some(request.bandwidth_mbps.unwrap_or(DEFAULT_BANDWIDTH_MBPS)),
            charge_mode: request.charge_mode.as_ref().map(wire_charge_mode),
        },
    };
    CreateRequest {
        publicip,
        bandwidth,
        enterprise_project_id: request.resource_group.clone(),
    }
}

/// `bandwidth` / `traffic`, or the raw name of another mode (e.g. `95peak_plus`).
fn wire_charge_mode(mode: &ChargeMode) -> String {
    mode.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_marker_is_a_valid_bandwidth_name_and_alias() {
        let m = marker("deploy-42");
        assert_eq!(m.len(), 32);
        assert!(m.starts_with("mce-"));
        assert!(m
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)));
        assert_eq!(m, marker("deploy-42"));
        assert_ne!(m, marker("deploy-43"));
        assert!(crate::mapping::NAME_RULE.check("name", &m).is_ok());
    }

    #[test]
    fn per_bandwidth_is_stamped_in_its_name_and_keeps_the_alias() {
        let req = AllocateRequest::new()
            .name("web")
            .bandwidth(10)
            .charge_mode(ChargeMode::ByTraffic);
        let stamp = stamp_for(&req, "k");
        assert_eq!(stamp, Stamp::BandwidthName(marker("k")));
        let body = create_request(&req, &stamp, "5_bgp");
        assert_eq!(body.publicip.alias.as_deref(), Some("web"));
        assert_eq!(body.publicip.ip_type, "5_bgp");
        assert_eq!(
            (
                body.bandwidth.share_type,
                body.bandwidth.name.clone(),
                body.bandwidth.size
            ),
            ("PER", Some(marker("k")), Some(10))
        );
        assert_eq!(body.bandwidth.charge_mode.as_deref(), Some("traffic"));
        let ip = Publicip {
            bandwidth_name: Some(marker("k")),
            ..Publicip::default()
        };
        assert!(stamp.is_on(&ip));
        assert!(!Stamp::BandwidthName(marker("other")).is_on(&ip));
    }

    #[test]
    fn shared_bandwidth_is_stamped_in_the_alias_unless_named() {
        let req = AllocateRequest::new()
            .shared_bandwidth("bw-shared")
            .ip_version(IpVersion::V6)
            .line("5_sbgp");
        let stamp = stamp_for(&req, "k");
        assert_eq!(stamp, Stamp::Alias(marker("k")));
        let body = create_request(&req, &stamp, "5_bgp");
        assert_eq!(body.publicip.alias, Some(marker("k")));
        assert_eq!(
            (body.publicip.ip_version, body.publicip.ip_type.as_str()),
            (6, "5_sbgp")
        );
        assert_eq!(
            (
                body.bandwidth.share_type,
                body.bandwidth.id.as_deref(),
                body.bandwidth.size
            ),
            ("WHOLE", Some("bw-shared"), None)
        );
        let named = req.name("web");
        assert_eq!(stamp_for(&named, "k"), Stamp::None);
        assert!(!Stamp::None.is_on(&Publicip::default()));
    }
}
