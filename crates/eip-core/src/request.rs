//! What callers ask for: allocation, association targets, list filters, modifications, pages.
//!
//! Each request has a `validate` method that checks it against the provider's [`Capabilities`];
//! providers call it before building any request, so bad input never reaches the network.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::model::{ChargeMode, EipStatus, IpVersion, TargetKind};
use crate::provider::Capabilities;
use crate::validate;

/// A request for a new address.
///
/// ```
/// use eip_core::AllocateRequest;
/// let req = AllocateRequest::new().bandwidth(10).name("web-1").idempotency_key("deploy-42");
/// assert_eq!(req.bandwidth_mbps, Some(10));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AllocateRequest {
    /// Bandwidth in Mbit/s; the provider's default when `None`.
    pub bandwidth_mbps: Option<u32>,
    /// Billing mode; the provider's default when `None`.
    pub charge_mode: Option<ChargeMode>,
    /// The line / ISP / address type (`BGP`, `5_bgp`...); the provider's default when `None`.
    pub line: Option<String>,
    /// A name.
    pub name: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// A key that makes the allocation happen at most once, however often it is retried
    /// (also across processes). The provider mints one per call when `None`.
    pub idempotency_key: Option<String>,
    /// Join this shared bandwidth instead of getting a dedicated one.
    pub shared_bandwidth_id: Option<String>,
    /// IPv4 (default) or IPv6.
    pub ip_version: IpVersion,
    /// Ask for this exact public address (to get one back after an accidental release); needs
    /// [`Capabilities::specific_address`].
    pub address: Option<IpAddr>,
    /// Take the address from this address pool (Alibaba `PublicIpAddressPoolId`); needs
    /// [`Capabilities::address_pools`].
    pub address_pool_id: Option<String>,
    /// Put the address in this resource group (Alibaba) / enterprise project (Huawei); needs
    /// [`Capabilities::resource_groups`].
    pub resource_group: Option<String>,
    /// Turn deletion protection on at allocation; needs [`Capabilities::deletion_protection`].
    pub deletion_protection: bool,
}

impl AllocateRequest {
    /// A request with every option at the provider's default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the bandwidth in Mbit/s.
    pub fn bandwidth(mut self, mbps: u32) -> Self {
        self.bandwidth_mbps = Some(mbps);
        self
    }

    /// Sets the billing mode.
    pub fn charge_mode(mut self, mode: ChargeMode) -> Self {
        self.charge_mode = Some(mode);
        self
    }

    /// Sets the line / ISP / address type.
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.line = Some(line.into());
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Joins a shared bandwidth.
    pub fn shared_bandwidth(mut self, id: impl Into<String>) -> Self {
        self.shared_bandwidth_id = Some(id.into());
        self
    }

    /// Sets the IP version.
    pub fn ip_version(mut self, version: IpVersion) -> Self {
        self.ip_version = version;
        self
    }

    /// Asks for this exact public address.
    pub fn address(mut self, address: IpAddr) -> Self {
        self.address = Some(address);
        self
    }

    /// Takes the address from this address pool.
    pub fn address_pool(mut self, id: impl Into<String>) -> Self {
        self.address_pool_id = Some(id.into());
        self
    }

    /// Puts the address in this resource group / enterprise project.
    pub fn resource_group(mut self, id: impl Into<String>) -> Self {
        self.resource_group = Some(id.into());
        self
    }

    /// Turns deletion protection on (or off) at allocation.
    pub fn deletion_protection(mut self, enabled: bool) -> Self {
        self.deletion_protection = enabled;
        self
    }

    /// Checks the request against the provider's documented limits.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        if let Some(mbps) = self.bandwidth_mbps {
            caps.check_bandwidth("bandwidth_mbps", mbps)?;
        }
        if let Some(line) = &self.line {
            validate::id("line", line)?;
            if !caps.lines.is_empty() && !caps.lines.iter().any(|l| l == line) {
                return Err(Error::invalid_input(
                    "line",
                    format!(
                        "{line:?} is not offered in this region; offered: {}",
                        caps.lines.join(", ")
                    ),
                ));
            }
        }
        if let Some(address) = &self.address {
            require(caps.specific_address, "allocating a specific address")?;
            let v6 = address.is_ipv6();
            if v6 != (self.ip_version == IpVersion::V6) {
                return Err(Error::invalid_input(
                    "address",
                    format!(
                        "{address} is not an {} address",
                        if v6 { "IPv4" } else { "IPv6" }
                    ),
                ));
            }
        }
        if let Some(pool) = &self.address_pool_id {
            require(caps.address_pools, "address pools")?;
            validate::id("address_pool_id", pool)?;
        }
        if let Some(group) = &self.resource_group {
            require(caps.resource_groups, "resource groups")?;
            validate::id("resource_group", group)?;
        }
        if self.deletion_protection {
            require(caps.deletion_protection, "deletion protection")?;
        }
        if let Some(name) = &self.name {
            caps.name_rule.check("name", name)?;
        }
        if let Some(description) = &self.description {
            caps.check_description(description)?;
        }
        check_tags(caps, &self.tags)?;
        if let Some(key) = &self.idempotency_key {
            validate::idempotency_key("idempotency_key", key)?;
        }
        if let Some(id) = &self.shared_bandwidth_id {
            if !caps.shared_bandwidth {
                return Err(Error::Unsupported {
                    what: "shared bandwidth".into(),
                });
            }
            validate::id("shared_bandwidth_id", id)?;
        }
        if self.ip_version == IpVersion::V6 && !caps.ipv6 {
            return Err(Error::Unsupported {
                what: "IPv6 addresses".into(),
            });
        }
        Ok(())
    }
}

fn check_tags(caps: &Capabilities, tags: &BTreeMap<String, String>) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    match &caps.tags {
        Some(rule) => rule.check_tags("tags", tags),
        None => Err(Error::Unsupported {
            what: "tags".into(),
        }),
    }
}

fn require(supported: bool, what: &str) -> Result<()> {
    if supported {
        Ok(())
    } else {
        Err(Error::Unsupported { what: what.into() })
    }
}

/// Tags to add (or overwrite) and tag keys to remove, in one [`EipProvider::set_tags`] call.
///
/// [`EipProvider::set_tags`]: crate::EipProvider::set_tags
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TagChange {
    /// Tags to set; an existing key gets the new value.
    pub add: BTreeMap<String, String>,
    /// Keys to remove; a key the address does not carry is not an error.
    pub remove: Vec<String>,
}

impl TagChange {
    /// A change that does nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a tag.
    pub fn add(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.add.insert(key.into(), value.into());
        self
    }

    /// Removes a tag key.
    pub fn remove(mut self, key: impl Into<String>) -> Self {
        self.remove.push(key.into());
        self
    }

    /// Checks the change against the provider's tag rule: something to do, keys and values
    /// valid, no key both added and removed, at most the documented number added at once.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        let Some(rule) = &caps.tags else {
            return Err(Error::Unsupported {
                what: "tags".into(),
            });
        };
        if self.add.is_empty() && self.remove.is_empty() {
            return Err(Error::invalid_input(
                "tags",
                "nothing to change: add or remove a tag",
            ));
        }
        rule.check_tags("tags", &self.add)?;
        rule.check_keys("remove", &self.remove)?;
        if let Some(both) = self.remove.iter().find(|k| self.add.contains_key(*k)) {
            return Err(Error::invalid_input(
                "remove",
                format!("tag {both:?} is both added and removed"),
            ));
        }
        if self.remove.len() > rule.max_per_resource {
            return Err(Error::invalid_input(
                "remove",
                format!("at most {} tags per address", rule.max_per_resource),
            ));
        }
        Ok(())
    }
}

/// The bandwidth an address gets back when it leaves a shared bandwidth (Huawei requires the
/// dedicated bandwidth's size and billing on removal; Alibaba restores the address's own).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DedicatedBandwidth {
    /// Size in Mbit/s.
    pub mbps: u32,
    /// Billing mode; the provider's default when `None`.
    pub charge_mode: Option<ChargeMode>,
}

impl DedicatedBandwidth {
    /// A dedicated bandwidth of `mbps`, billed the provider's default way.
    pub fn new(mbps: u32) -> Self {
        Self {
            mbps,
            charge_mode: None,
        }
    }

    /// Sets the billing mode.
    pub fn charge_mode(mut self, mode: ChargeMode) -> Self {
        self.charge_mode = Some(mode);
        self
    }

    /// Checks the size against the provider's bandwidth range.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        caps.check_bandwidth("bandwidth_mbps", self.mbps)
    }
}

/// What to bind an address to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssociateTarget {
    /// A virtual machine; the provider picks its primary network interface.
    Instance {
        /// The instance (server) id.
        id: String,
    },
    /// A network interface, optionally one of its private addresses.
    NetworkInterface {
        /// The NIC (ENI / port) id.
        id: String,
        /// The private address on the NIC to map to; its primary address when `None`.
        private_ip: Option<IpAddr>,
    },
    /// Whatever NIC holds this private address (the provider finds it).
    PrivateIp {
        /// The private address.
        address: IpAddr,
    },
    /// A highly-available virtual IP.
    HighAvailabilityVip {
        /// Its id.
        id: String,
    },
    /// A NAT gateway.
    NatGateway {
        /// Its id.
        id: String,
    },
    /// A load balancer.
    LoadBalancer {
        /// Its id.
        id: String,
    },
}

impl AssociateTarget {
    /// An instance target.
    pub fn instance(id: impl Into<String>) -> Self {
        Self::Instance { id: id.into() }
    }

    /// A network-interface target.
    pub fn nic(id: impl Into<String>, private_ip: Option<IpAddr>) -> Self {
        Self::NetworkInterface {
            id: id.into(),
            private_ip,
        }
    }

    /// The kind of target.
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Instance { .. } => TargetKind::Instance,
            Self::NetworkInterface { .. } | Self::PrivateIp { .. } => TargetKind::NetworkInterface,
            Self::HighAvailabilityVip { .. } => TargetKind::HighAvailabilityVip,
            Self::NatGateway { .. } => TargetKind::NatGateway,
            Self::LoadBalancer { .. } => TargetKind::LoadBalancer,
        }
    }

    /// The target's id, or `None` for [`AssociateTarget::PrivateIp`].
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Instance { id }
            | Self::NetworkInterface { id, .. }
            | Self::HighAvailabilityVip { id }
            | Self::NatGateway { id }
            | Self::LoadBalancer { id } => Some(id),
            Self::PrivateIp { .. } => None,
        }
    }

    /// Checks the target: a supported kind with a well-formed id.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        let supported = match self {
            Self::PrivateIp { .. } => caps.private_ip_targets,
            other => caps.targets.contains(&other.kind()),
        };
        if !supported {
            return Err(Error::Unsupported {
                what: format!("association with a {}", self.kind()),
            });
        }
        if let Some(id) = self.id() {
            validate::id("target_id", id)?;
        }
        Ok(())
    }
}

impl std::fmt::Display for AssociateTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrivateIp { address } => write!(f, "private ip {address}"),
            Self::NetworkInterface {
                id,
                private_ip: Some(ip),
            } => {
                write!(f, "network_interface {id} ({ip})")
            }
            other => write!(f, "{} {}", other.kind(), other.id().unwrap_or_default()),
        }
    }
}

/// Which addresses to list. Empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// Only these ids.
    pub ids: Vec<String>,
    /// Only these public addresses.
    pub addresses: Vec<IpAddr>,
    /// Only addresses in this state.
    pub status: Option<EipStatus>,
    /// Only addresses bound to this target.
    pub bound_to: Option<AssociateTarget>,
    /// Only addresses with this exact name.
    pub name: Option<String>,
    /// Only addresses carrying all these tags.
    pub tags: BTreeMap<String, String>,
    /// Only addresses in this resource group (Alibaba) / enterprise project (Huawei). Huawei
    /// lists every granted enterprise project when `None`.
    pub resource_group: Option<String>,
}

impl ListFilter {
    /// A filter that keeps everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps only these ids.
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Keeps only this state.
    pub fn status(mut self, status: EipStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Keeps only addresses bound to this target.
    pub fn bound_to(mut self, target: AssociateTarget) -> Self {
        self.bound_to = Some(target);
        self
    }

    /// Keeps only this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Keeps only these public addresses.
    pub fn addresses<I: IntoIterator<Item = IpAddr>>(mut self, addresses: I) -> Self {
        self.addresses = addresses.into_iter().collect();
        self
    }

    /// Keeps only addresses with this tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Keeps only addresses in this resource group / enterprise project.
    pub fn resource_group(mut self, id: impl Into<String>) -> Self {
        self.resource_group = Some(id.into());
        self
    }

    /// Checks the filter's ids and names.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        if let Some(group) = &self.resource_group {
            require(caps.resource_groups, "resource groups")?;
            validate::id("resource_group", group)?;
        }
        for id in &self.ids {
            validate::id("ids", id)?;
        }
        if let Some(target) = &self.bound_to {
            target.validate(caps)?;
        }
        if let Some(name) = &self.name {
            caps.name_rule.check("name", name)?;
        }
        check_tags(caps, &self.tags)
    }

    /// Whether `eip` passes every field of the filter (used by providers for the fields their
    /// API cannot filter on).
    pub fn matches(&self, eip: &crate::Eip) -> bool {
        (self.ids.is_empty() || self.ids.contains(&eip.id))
            && (self.addresses.is_empty() || self.addresses.contains(&eip.address))
            && self.status.as_ref().is_none_or(|s| *s == eip.status)
            && self
                .bound_to
                .as_ref()
                .is_none_or(|t| eip.binding.as_ref().is_some_and(|b| b.matches(t)))
            && self
                .name
                .as_ref()
                .is_none_or(|n| eip.name.as_ref() == Some(n))
            && self.tags.iter().all(|(k, v)| eip.tags.get(k) == Some(v))
            && self
                .resource_group
                .as_ref()
                .is_none_or(|g| eip.resource_group.as_ref() == Some(g))
    }
}

/// A change of an address's attributes. `None` fields are left as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Modification {
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new bandwidth in Mbit/s.
    pub bandwidth_mbps: Option<u32>,
}

impl Modification {
    /// A modification that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets a new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets a new bandwidth.
    pub fn bandwidth(mut self, mbps: u32) -> Self {
        self.bandwidth_mbps = Some(mbps);
        self
    }

    /// Checks the modification: at least one change, each within the provider's limits.
    pub fn validate(&self, caps: &Capabilities) -> Result<()> {
        if self.name.is_none() && self.description.is_none() && self.bandwidth_mbps.is_none() {
            return Err(Error::invalid_input(
                "modification",
                "nothing to change: set a name, a description or a bandwidth",
            ));
        }
        if let Some(name) = &self.name {
            caps.name_rule.check("name", name)?;
        }
        if let Some(description) = &self.description {
            caps.check_description(description)?;
        }
        if let Some(mbps) = self.bandwidth_mbps {
            caps.check_bandwidth("bandwidth_mbps", mbps)?;
        }
        Ok(())
    }
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PageToken {
    /// A 1-based page number (clouds that page by number can fetch pages in parallel).
    Number(u32),
    /// An opaque marker (usually the last id of the previous page).
    Marker(String),
}

/// Which page to fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Where to start; the first page when `None`.
    pub token: Option<PageToken>,
    /// How many items; the provider's maximum when `None`.
    pub size: Option<u32>,
}

/// One page of addresses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The addresses on this page.
    pub items: Vec<crate::Eip>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<PageToken>,
    /// The total number of matching addresses, when the cloud says.
    pub total: Option<u64>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn caps() -> Capabilities {
        Capabilities::new(TextRule_for_tests())
    }

    #[allow(non_snake_case)]
    fn TextRule_for_tests() -> crate::TextRule {
        crate::TextRule {
            min_chars: 1,
            max_chars: 16,
            starts_with_letter: true,
            charset: crate::Charset::Restricted {
                extra: "._-",
                cjk: false,
            },
            forbidden_prefixes: &[],
        }
    }

    fn field(r: Result<()>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn allocate_checks_every_field() {
        let caps = caps();
        assert!(AllocateRequest::new()
            .bandwidth(5)
            .name("web")
            .validate(&caps)
            .is_ok());
        assert_eq!(
            field(AllocateRequest::new().bandwidth(0).validate(&caps)),
            "bandwidth_mbps"
        );
        assert_eq!(
            field(AllocateRequest::new().bandwidth(100_000).validate(&caps)),
            "bandwidth_mbps"
        );
        assert_eq!(
            field(AllocateRequest::new().name("9lives").validate(&caps)),
            "name"
        );
        assert_eq!(
            field(
                AllocateRequest::new()
                    .idempotency_key("a b")
                    .validate(&caps)
            ),
            "idempotency_key"
        );
        assert!(matches!(
            AllocateRequest::new().tag("k", "v").validate(&caps),
            Err(Error::Unsupported { .. })
        ));
        assert_eq!(
            field(AllocateRequest::new().tag("", "v").validate(&tagged())),
            "tags"
        );
        assert!(matches!(
            AllocateRequest::new()
                .description("front door")
                .validate(&caps),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            AllocateRequest::new()
                .ip_version(IpVersion::V6)
                .validate(&caps),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn targets_must_be_supported_and_well_formed() {
        let caps = caps();
        assert!(AssociateTarget::instance("i-1").validate(&caps).is_ok());
        assert_eq!(
            field(AssociateTarget::instance("../i-1").validate(&caps)),
            "target_id"
        );
        assert!(matches!(
            AssociateTarget::NatGateway { id: "ngw-1".into() }.validate(&caps),
            Err(Error::Unsupported { .. })
        ));
    }

    fn tagged() -> Capabilities {
        let mut caps = caps();
        let text = |min_chars, max_chars| crate::TextRule {
            min_chars,
            max_chars,
            starts_with_letter: false,
            charset: crate::Charset::Printable,
            forbidden_prefixes: &["acs:"],
        };
        caps.tags = Some(crate::TagRule {
            max_per_resource: 2,
            key: text(1, 8),
            value: text(0, 8),
        });
        caps
    }

    fn reason(r: Result<()>) -> (String, String) {
        match r {
            Err(Error::InvalidInput { field, reason }) => (field, reason),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn tags_follow_the_provider_rule_and_name_the_key() {
        let caps = tagged();
        assert!(AllocateRequest::new()
            .tag("env", "")
            .tag("team", "web")
            .validate(&caps)
            .is_ok());
        let (f, why) = reason(
            AllocateRequest::new()
                .tag("a", "1")
                .tag("b", "2")
                .tag("c", "3")
                .validate(&caps),
        );
        assert_eq!(f, "tags");
        assert!(why.contains("at most 2"), "{why}");
        let (_, why) = reason(AllocateRequest::new().tag("acs:x", "1").validate(&caps));
        assert!(why.contains("\"acs:x\""), "{why}");
        let (_, why) = reason(
            AllocateRequest::new()
                .tag("k", "much-too-long")
                .validate(&caps),
        );
        assert!(why.contains("tag value of \"k\""), "{why}");
        assert_eq!(
            field(ListFilter::new().tag("bad\u{7}", "v").validate(&caps)),
            "tags"
        );
    }

    #[test]
    fn a_tag_change_is_checked_before_sending() {
        let caps = tagged();
        assert!(TagChange::new()
            .add("env", "prod")
            .remove("old")
            .validate(&caps)
            .is_ok());
        assert_eq!(field(TagChange::new().validate(&caps)), "tags");
        assert_eq!(
            field(TagChange::new().add("k", "v").remove("k").validate(&caps)),
            "remove"
        );
        assert_eq!(
            field(TagChange::new().remove("acs:owner").validate(&caps)),
            "remove"
        );
        assert!(matches!(
            TagChange::new().add("k", "v").validate(&self::caps()),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn allocation_options_need_their_capability() {
        let mut caps = caps();
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        for request in [
            AllocateRequest::new().address(v4),
            AllocateRequest::new().address_pool("pippool-1"),
            AllocateRequest::new().resource_group("rg-1"),
            AllocateRequest::new().deletion_protection(true),
        ] {
            assert!(
                matches!(request.validate(&caps), Err(Error::Unsupported { .. })),
                "{request:?}"
            );
        }
        assert!(matches!(
            ListFilter::new().resource_group("rg-1").validate(&caps),
            Err(Error::Unsupported { .. })
        ));
        caps.specific_address = true;
        caps.resource_groups = true;
        assert!(AllocateRequest::new().address(v4).validate(&caps).is_ok());
        assert_eq!(
            field(AllocateRequest::new().address(v6).validate(&caps)),
            "address"
        );
        caps.ipv6 = true;
        assert!(AllocateRequest::new()
            .address(v6)
            .ip_version(IpVersion::V6)
            .validate(&caps)
            .is_ok());
        assert_eq!(
            field(
                AllocateRequest::new()
                    .resource_group("../rg")
                    .validate(&caps)
            ),
            "resource_group"
        );
        assert_eq!(
            field(ListFilter::new().resource_group("a b").validate(&caps)),
            "resource_group"
        );
    }

    #[test]
    fn a_line_the_region_does_not_offer_is_refused_with_the_offered_ones() {
        let mut caps = caps();
        assert!(AllocateRequest::new().line("5_bgp").validate(&caps).is_ok());
        caps.lines = vec!["5_bgp".into(), "5_sbgp".into()];
        assert!(AllocateRequest::new()
            .line("5_sbgp")
            .validate(&caps)
            .is_ok());
        let (f, why) = reason(AllocateRequest::new().line("5_telcom").validate(&caps));
        assert_eq!(f, "line");
        assert!(why.contains("5_bgp, 5_sbgp"), "{why}");
    }

    #[test]
    fn the_filter_matches_the_resource_group() {
        let mut eip = crate::Eip::new(
            crate::ProviderKind::new("test"),
            "r",
            "eip-1",
            "203.0.113.1".parse().unwrap(),
            EipStatus::Available,
            "Available",
        );
        let filter = ListFilter::new().resource_group("rg-1");
        assert!(!filter.matches(&eip));
        eip.resource_group = Some("rg-1".into());
        assert!(filter.matches(&eip));
        assert!(!ListFilter::new().resource_group("rg-2").matches(&eip));
    }

    #[test]
    fn modification_needs_a_change() {
        let caps = caps();
        assert_eq!(field(Modification::new().validate(&caps)), "modification");
        assert!(Modification::new()
            .bandwidth(50)
            .name("renamed")
            .validate(&caps)
            .is_ok());
    }
}
