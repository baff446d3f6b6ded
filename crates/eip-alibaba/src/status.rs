//! Alibaba's EIP statuses and association types, mapped to the normalized model.
//!
//! # Status table
//!
//! The documented `Status` enum has exactly five values (alibaba.md §3.7):
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

use eip_core::{EipStatus, TargetKind};

/// The normalized status of an Alibaba `Status` value.
pub fn from_alibaba(raw: &str) -> EipStatus {
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
pub fn to_alibaba(status: &EipStatus) -> Option<&'static str> {
    match status {
        EipStatus::Available => Some("Available"),
        EipStatus::Bound => Some("InUse"),
        EipStatus::Associating => Some("Associating"),
        EipStatus::Unassociating => Some("Unassociating"),
        EipStatus::Releasing => Some("Releasing"),
        _ => None,
    }
}

/// The instance type Alibaba uses when none is given (alibaba.md §3.2).
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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
            assert_eq!(from_alibaba(raw), status, "{raw}");
            assert_eq!(to_alibaba(&status), Some(raw));
        }
    }

    #[test]
    fn unknown_statuses_keep_the_raw_value() {
        assert_eq!(
            from_alibaba("Allocating"),
            EipStatus::Unknown("Allocating".into())
        );
        assert_eq!(from_alibaba("inuse"), EipStatus::Unknown("inuse".into()));
        assert_eq!(from_alibaba(""), EipStatus::Unknown(String::new()));
        for status in [
            EipStatus::Creating,
            EipStatus::Updating,
            EipStatus::Failed,
            EipStatus::Locked,
        ] {
            assert_eq!(to_alibaba(&status), None, "{status}");
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
}
