//! The normalized Elastic IP model, the same for every cloud.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Which provider an [`Eip`] or an error came from, e.g. `"alibaba"`.
///
/// Providers define their own constant; the core never enumerates clouds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderKind(&'static str);

impl ProviderKind {
    /// A provider kind with this short, lower-case name.
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    /// The provider's short name, as used in provider specs (`<name>://<region>`).
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for ProviderKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// The state of an Elastic IP, the same for every cloud.
///
/// Each provider maps every status its API documents onto exactly one variant and keeps the raw
/// string in [`Eip::raw_status`]; the mapping tables are in the provider crates' documentation.
/// A status the provider does not know becomes [`EipStatus::Unknown`] with the raw value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EipStatus {
    /// Allocated, not bound to anything, and usable: it can be associated or released.
    Available,
    /// Bound to a target (an instance, a NIC, a load balancer, a gateway...).
    Bound,
    /// Being bound to a target.
    Associating,
    /// Being unbound from its target.
    Unassociating,
    /// Being created; not usable yet.
    Creating,
    /// Being released; it will disappear.
    Releasing,
    /// An attribute or the binding is being changed.
    Updating,
    /// An operation on it failed (for example a failed bind); it needs attention.
    Failed,
    /// Frozen or locked by the cloud (arrears, security); no operation will succeed.
    Locked,
    /// A status this library does not know, with the raw value.
    Unknown(String),
}

impl EipStatus {
    /// Whether the address is bound to a target.
    pub fn is_bound(&self) -> bool {
        matches!(self, Self::Bound)
    }

    /// Whether no transition is under way: the address is available, bound, failed or locked.
    pub fn is_stable(&self) -> bool {
        matches!(
            self,
            Self::Available | Self::Bound | Self::Failed | Self::Locked
        )
    }

    /// Whether a transition is under way and the status will change by itself.
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            Self::Associating
                | Self::Unassociating
                | Self::Creating
                | Self::Releasing
                | Self::Updating
        )
    }

    /// Whether the address is in a state that waiting will not cure (failed or locked).
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed | Self::Locked)
    }

    /// The snake_case name used in JSON output and on the command line.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Available => "available",
            Self::Bound => "bound",
            Self::Associating => "associating",
            Self::Unassociating => "unassociating",
            Self::Creating => "creating",
            Self::Releasing => "releasing",
            Self::Updating => "updating",
            Self::Failed => "failed",
            Self::Locked => "locked",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Parses a snake_case name as printed by [`EipStatus::as_str`]; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "available" => Self::Available,
            "bound" => Self::Bound,
            "associating" => Self::Associating,
            "unassociating" => Self::Unassociating,
            "creating" => Self::Creating,
            "releasing" => Self::Releasing,
            "updating" => Self::Updating,
            "failed" => Self::Failed,
            "locked" => Self::Locked,
            _ => return None,
        })
    }

    /// The names accepted by [`EipStatus::from_name`].
    pub const NAMES: &'static [&'static str] = &[
        "available",
        "bound",
        "associating",
        "unassociating",
        "creating",
        "releasing",
        "updating",
        "failed",
        "locked",
    ];
}

impl fmt::Display for EipStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(raw) => write!(f, "unknown({raw})"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Serialize for EipStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What kind of target an address is (or can be) bound to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TargetKind {
    /// A virtual machine (its primary network interface).
    Instance,
    /// A network interface (port / ENI), possibly with a chosen private IP.
    NetworkInterface,
    /// A highly-available virtual IP.
    HighAvailabilityVip,
    /// A NAT gateway.
    NatGateway,
    /// A load balancer.
    LoadBalancer,
    /// A VPN gateway.
    Vpn,
    /// Any other target type the cloud reports, with its raw name.
    Other(String),
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Instance => "instance",
            Self::NetworkInterface => "network_interface",
            Self::HighAvailabilityVip => "high_availability_vip",
            Self::NatGateway => "nat_gateway",
            Self::LoadBalancer => "load_balancer",
            Self::Vpn => "vpn",
            Self::Other(raw) => raw,
        })
    }
}

/// What a bound address is attached to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Binding {
    /// The kind of target.
    pub kind: TargetKind,
    /// The instance (or gateway, load balancer, VIP) id, when the cloud reports or the provider
    /// resolved it.
    pub instance_id: Option<String>,
    /// The network interface (port) id, when known.
    pub nic_id: Option<String>,
    /// The private address the public address maps to, when known.
    pub private_ip: Option<IpAddr>,
}

impl Binding {
    /// A binding of this kind with nothing else known yet.
    pub fn new(kind: TargetKind) -> Self {
        Self {
            kind,
            instance_id: None,
            nic_id: None,
            private_ip: None,
        }
    }

    /// Whether this binding is the given target: same instance, or same NIC (and private IP when
    /// the target names one), or same VIP / gateway / load balancer.
    pub fn matches(&self, target: &crate::AssociateTarget) -> bool {
        use crate::AssociateTarget as T;
        match target {
            T::Instance { id } => self.instance_id.as_deref() == Some(id.as_str()),
            T::NetworkInterface { id, private_ip } => {
                self.nic_id.as_deref() == Some(id.as_str())
                    && private_ip.is_none_or(|ip| self.private_ip == Some(ip))
            }
            T::PrivateIp { address } => self.private_ip == Some(*address),
            T::HighAvailabilityVip { id } | T::NatGateway { id } | T::LoadBalancer { id } => {
                self.kind == target.kind() && self.instance_id.as_deref() == Some(id.as_str())
            }
        }
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(id) = &self.instance_id {
            write!(f, " {id}")?;
        }
        if let Some(nic) = &self.nic_id {
            write!(f, " nic {nic}")?;
        }
        if let Some(ip) = &self.private_ip {
            write!(f, " ({ip})")?;
        }
        Ok(())
    }
}

/// How the address's traffic is billed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChargeMode {
    /// By reserved bandwidth.
    ByBandwidth,
    /// By the traffic that actually flows.
    ByTraffic,
    /// Any other billing mode, with the cloud's raw name.
    Other(String),
}

impl ChargeMode {
    /// Parses `bandwidth` / `traffic` (the names used on the command line).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "bandwidth" => Some(Self::ByBandwidth),
            "traffic" => Some(Self::ByTraffic),
            _ => None,
        }
    }
}

impl fmt::Display for ChargeMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ByBandwidth => "bandwidth",
            Self::ByTraffic => "traffic",
            Self::Other(raw) => raw,
        })
    }
}

/// The IP version of an address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum IpVersion {
    /// IPv4 (the default everywhere).
    #[default]
    V4,
    /// IPv6.
    V6,
}

/// Whether an address has a bandwidth of its own or shares one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BandwidthKind {
    /// The address's own bandwidth, billed with it.
    Dedicated,
    /// A shared bandwidth (Alibaba common bandwidth package, Huawei shared bandwidth) that
    /// several addresses draw from.
    Shared,
}

impl fmt::Display for BandwidthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dedicated => "dedicated",
            Self::Shared => "shared",
        })
    }
}

/// A region a provider knows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Region {
    /// The cloud's region id (`cn-hangzhou`, `ap-southeast-1`...).
    pub id: String,
    /// A human-readable name, when the cloud gives one.
    pub name: Option<String>,
}

impl Region {
    /// A region with an id and an optional name.
    pub fn new(id: impl Into<String>, name: Option<String>) -> Self {
        Self {
            id: id.into(),
            name,
        }
    }
}

/// An Elastic IP, normalized.
///
/// Built by providers with [`Eip::new`] and then filled field by field; the struct is
/// `#[non_exhaustive]` so new fields can be added without breaking users.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Eip {
    /// The cloud's id (`eip-…` or a UUID).
    pub id: String,
    /// The public address.
    pub address: IpAddr,
    /// The normalized status.
    pub status: EipStatus,
    /// The status exactly as the cloud reported it.
    pub raw_status: String,
    /// Bandwidth in Mbit/s, when reported.
    pub bandwidth_mbps: Option<u32>,
    /// The id of the bandwidth object, where the cloud has one separate from the address.
    pub bandwidth_id: Option<String>,
    /// The name, if any.
    pub name: Option<String>,
    /// The description, if any.
    pub description: Option<String>,
    /// What the address is bound to, when it is bound (or being bound).
    pub binding: Option<Binding>,
    /// How traffic is billed, when reported.
    pub charge_mode: Option<ChargeMode>,
    /// When the address was allocated, when reported.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Which provider reported it.
    pub provider: ProviderKind,
    /// The region it lives in.
    pub region: String,
    /// Tags, if the cloud reports any.
    pub tags: BTreeMap<String, String>,
    /// Whether the bandwidth is the address's own or shared with others ([`Eip::bandwidth_id`]
    /// then names the shared bandwidth), when reported.
    pub bandwidth_kind: Option<BandwidthKind>,
    /// The resource group (Alibaba) or enterprise project (Huawei) the address belongs to, when
    /// reported.
    pub resource_group: Option<String>,
    /// Whether release is refused by the cloud until protection is turned off; `None` where the
    /// cloud has no such setting.
    pub deletion_protection: Option<bool>,
}

impl Eip {
    /// An address with the fields every cloud reports; the rest start empty.
    pub fn new(
        provider: ProviderKind,
        region: impl Into<String>,
        id: impl Into<String>,
        address: IpAddr,
        status: EipStatus,
        raw_status: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            address,
            status,
            raw_status: raw_status.into(),
            bandwidth_mbps: None,
            bandwidth_id: None,
            name: None,
            description: None,
            binding: None,
            charge_mode: None,
            created_at: None,
            provider,
            region: region.into(),
            tags: BTreeMap::new(),
            bandwidth_kind: None,
            resource_group: None,
            deletion_protection: None,
        }
    }

    /// Whether the address is bound to exactly this target.
    pub fn is_bound_to(&self, target: &crate::AssociateTarget) -> bool {
        self.status.is_bound() && self.binding.as_ref().is_some_and(|b| b.matches(target))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::AssociateTarget;

    #[test]
    fn status_helpers_partition_the_states() {
        let all = [
            EipStatus::Available,
            EipStatus::Bound,
            EipStatus::Associating,
            EipStatus::Unassociating,
            EipStatus::Creating,
            EipStatus::Releasing,
            EipStatus::Updating,
            EipStatus::Failed,
            EipStatus::Locked,
        ];
        for s in &all {
            assert_ne!(
                s.is_stable(),
                s.is_transitional(),
                "{s} is either stable or moving"
            );
            assert_eq!(EipStatus::from_name(s.as_str()).as_ref(), Some(s));
        }
        assert!(EipStatus::Failed.is_failed() && EipStatus::Locked.is_failed());
        assert!(!EipStatus::Bound.is_failed());
        let unknown = EipStatus::Unknown("WEIRD".into());
        assert!(!unknown.is_stable() && !unknown.is_transitional() && !unknown.is_bound());
        assert_eq!(unknown.to_string(), "unknown(WEIRD)");
        assert_eq!(EipStatus::NAMES.len(), all.len());
    }

    #[test]
    fn binding_matches_its_target_only() {
        let mut b = Binding::new(TargetKind::Instance);
        b.instance_id = Some("i-1".into());
        b.nic_id = Some("eni-1".into());
        b.private_ip = Some("10.0.0.5".parse().unwrap());
        assert!(b.matches(&AssociateTarget::instance("i-1")));
        assert!(!b.matches(&AssociateTarget::instance("i-2")));
        assert!(b.matches(&AssociateTarget::NetworkInterface {
            id: "eni-1".into(),
            private_ip: None
        }));
        assert!(!b.matches(&AssociateTarget::NetworkInterface {
            id: "eni-1".into(),
            private_ip: Some("10.0.0.6".parse().unwrap())
        }));
        assert!(!b.matches(&AssociateTarget::HighAvailabilityVip { id: "i-1".into() }));
    }

    #[test]
    fn eip_serializes_to_the_documented_shape() {
        let mut eip = Eip::new(
            ProviderKind::new("test"),
            "r1",
            "eip-1",
            "1.2.3.4".parse().unwrap(),
            EipStatus::Bound,
            "InUse",
        );
        let mut b = Binding::new(TargetKind::Instance);
        b.instance_id = Some("i-1".into());
        eip.binding = Some(b);
        eip.created_at = Some(time::macros::datetime!(2024-01-01 0:00 UTC));
        let v = serde_json::to_value(&eip).unwrap();
        assert_eq!(v["status"], "bound");
        assert_eq!(v["raw_status"], "InUse");
        assert_eq!(v["provider"], "test");
        assert_eq!(v["binding"]["kind"], "instance");
        assert_eq!(v["binding"]["instance_id"], "i-1");
        assert_eq!(v["created_at"], "2024-01-01T00:00:00Z");
    }
}
