//! What the emulated Huawei project holds: EIPs, their bandwidths, IAM tokens, and the lazy
//! time-based transitions (`PENDING_CREATE` → `DOWN`...), applied whenever the state is read.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::config::{HuaweiConfig, MetadataTokenMode, PortSeed};

/// EIP status values the emulator uses (the status list of huaweicloud-sdk-python-v3
/// `huaweicloudsdkeip/v2/model/publicip_show_resp.py`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EipStatus {
    PendingCreate,
    Down,
    PendingUpdate,
    Active,
    PendingDelete,
    /// Frozen (arrears or a police lock); set through the control API.
    Freezed,
    /// A bind failed; set through the control API.
    BindError,
    /// Bound to a load balancer; set through the control API.
    Elb,
    /// Bound to a VPN; set through the control API.
    Vpn,
}

impl EipStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::PendingCreate => "PENDING_CREATE",
            Self::Down => "DOWN",
            Self::PendingUpdate => "PENDING_UPDATE",
            Self::Active => "ACTIVE",
            Self::PendingDelete => "PENDING_DELETE",
            Self::Freezed => "FREEZED",
            Self::BindError => "BIND_ERROR",
            Self::Elb => "ELB",
            Self::Vpn => "VPN",
        }
    }

    /// The statuses the control API may set.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        [
            Self::Down,
            Self::Active,
            Self::Freezed,
            Self::BindError,
            Self::Elb,
            Self::Vpn,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// A state in which updates and deletes answer 409 `VPC.0512` (busy).
    pub(crate) fn is_transitional(self) -> bool {
        matches!(
            self,
            Self::PendingCreate | Self::PendingUpdate | Self::PendingDelete
        )
    }
}

/// What an EIP becomes when its transition is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Unbound and idle; any port is released.
    Down,
    /// Bound to the port it already names.
    Active,
    /// Deleted: GET answers 404 from then on.
    Gone,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Transition {
    pub due: Instant,
    pub next: Next,
}

/// `PER` (dedicated) or `WHOLE` (shared) bandwidth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShareType {
    Per,
    Whole,
}

impl ShareType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Per => "PER",
            Self::Whole => "WHOLE",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Bandwidth {
    pub id: String,
    pub name: String,
    pub size: u32,
    pub share_type: ShareType,
    pub charge_mode: String,
    pub enterprise_project_id: String,
    pub created: OffsetDateTime,
    pub updated: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub(crate) struct Eip {
    pub id: String,
    /// `publicip.type` (`5_bgp`...).
    pub kind: String,
    pub ip_version: u8,
    pub public_ip: Ipv4Addr,
    pub public_ipv6: Option<Ipv6Addr>,
    pub alias: Option<String>,
    pub status: EipStatus,
    pub transition: Option<Transition>,
    /// The port the EIP is bound to or being bound to (kept while an unbind is in flight).
    pub port_id: Option<String>,
    pub private_ip: Option<Ipv4Addr>,
    pub bandwidth_id: String,
    pub enterprise_project_id: String,
    pub created: OffsetDateTime,
    /// Firewall rules reference the EIP: a delete is refused with 500 `VPC.0518`.
    pub firewall: bool,
    /// Tags (the v2.0 tag API), key → value.
    pub tags: BTreeMap<String, String>,
}

/// One port (NIC) of the project; ports never change at run time.
#[derive(Clone, Debug)]
pub(crate) struct Port {
    pub id: String,
    pub ip_address: Ipv4Addr,
    pub mac_address: String,
    /// The server it is attached to, if any.
    pub device_id: Option<String>,
    pub primary: bool,
}

impl Port {
    pub(crate) fn from_seeds(config: &HuaweiConfig) -> Vec<Port> {
        let mut ports = Vec::new();
        let port = |seed: &PortSeed, device: Option<&str>, primary: bool| Port {
            id: seed.id.clone(),
            ip_address: seed.ip_address,
            mac_address: seed.mac_address.clone(),
            device_id: device.map(str::to_owned),
            primary,
        };
        for server in &config.servers {
            ports.push(port(&server.primary_port, Some(&server.id), true));
            for secondary in &server.secondary_ports {
                ports.push(port(secondary, Some(&server.id), false));
            }
        }
        ports.extend(config.free_ports.iter().map(|seed| port(seed, None, false)));
        ports.sort_by(|a, b| a.id.cmp(&b.id));
        ports
    }
}

/// An IAM token the emulator issued.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    /// The project it is scoped to; `None` for a domain-scoped token.
    pub project_id: Option<String>,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
}

/// Everything mutable, behind one lock.
pub(crate) struct State {
    /// Sorted by id, so list markers are stable (ListPublicips,
    /// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>: marker = last id of
    /// the page).
    pub eips: BTreeMap<String, Eip>,
    pub bandwidths: HashMap<String, Bandwidth>,
    pub tokens: HashMap<String, Token>,
    pub tokens_issued: u64,
    /// Public addresses of the EIPs held, so allocation stays O(1) with 10,000s of EIPs.
    used_ips: HashSet<Ipv4Addr>,
    due: BinaryHeap<Reverse<(Instant, String)>>,
    rng: StdRng,
    next_ip: u32,
    /// Addresses the pool has left (`None`: unlimited).
    pub ip_pool: Option<usize>,
    /// Read lag: per EIP, the versions reads still show, each with the time from which the
    /// write that replaced it becomes visible (`None`: it did not exist yet), in write order.
    history: HashMap<String, Vec<(Instant, Option<Eip>)>>,
    /// Read lag: dedicated bandwidths a write gave up (a shared-bandwidth insert) that a lagged
    /// version still names, each kept for reads until the given time.
    retired_bandwidths: HashMap<String, (Instant, Bandwidth)>,
    /// Temporary AK/SK pairs issued (metadata, federation, agency), by access key.
    pub temporaries: HashMap<String, Temporary>,
    /// The access key the metadata service hands out until it expires.
    pub metadata_current: Option<String>,
    /// Metadata session tokens and when they expire.
    pub metadata_tokens: HashMap<String, OffsetDateTime>,
    /// How the metadata service treats session tokens (from the config; a control op changes it).
    pub metadata_token_mode: MetadataTokenMode,
    /// The instance's agency (from the config; a control op changes it).
    pub metadata_agency: Option<String>,
    /// The one OIDC id token accepted now.
    pub id_token: String,
}

/// Who issued a temporary AK/SK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Issuer {
    Metadata,
    Federation,
    Agency,
    Token,
}

/// A temporary AK/SK with its security token. `Debug` masks both secrets.
#[derive(Clone)]
pub(crate) struct Temporary {
    pub secret: String,
    pub security_token: String,
    pub expires_at: OffsetDateTime,
    pub issuer: Issuer,
}

impl std::fmt::Debug for Temporary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Temporary")
            .field("secret", &"******")
            .field("security_token", &"******")
            .field("expires_at", &self.expires_at)
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// First address handed out: 121.36.1.1, in a range Huawei uses in cn-north-4.
const FIRST_IP: u32 = u32::from_be_bytes([121, 36, 1, 1]);

impl State {
    pub(crate) fn new(seed: u64, shared: Vec<Bandwidth>) -> Self {
        Self {
            eips: BTreeMap::new(),
            bandwidths: shared.into_iter().map(|b| (b.id.clone(), b)).collect(),
            tokens: HashMap::new(),
            tokens_issued: 0,
            used_ips: HashSet::new(),
            due: BinaryHeap::new(),
            rng: StdRng::seed_from_u64(seed),
            next_ip: FIRST_IP,
            ip_pool: None,
            history: HashMap::new(),
            retired_bandwidths: HashMap::new(),
            temporaries: HashMap::new(),
            metadata_current: None,
            metadata_tokens: HashMap::new(),
            metadata_token_mode: MetadataTokenMode::default(),
            metadata_agency: None,
            id_token: String::new(),
        }
    }

    /// The rng, for drawing transition times.
    pub(crate) fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// With a read lag, reads keep showing `previous` for `id` (or nothing, when `None`) until
    /// `lag` has passed.
    pub(crate) fn remember(&mut self, id: &str, lag: Option<Duration>, previous: Option<Eip>) {
        if let Some(lag) = lag.filter(|lag| !lag.is_zero()) {
            self.history
                .entry(id.to_owned())
                .or_default()
                .push((Instant::now() + lag, previous));
        }
    }

    /// With a read lag, reads of a lagged version still find `bandwidth`, which a write has
    /// just removed, until `lag` has passed.
    pub(crate) fn retire_bandwidth(&mut self, bandwidth: Bandwidth, lag: Option<Duration>) {
        if let Some(lag) = lag.filter(|lag| !lag.is_zero()) {
            self.retired_bandwidths
                .insert(bandwidth.id.clone(), (Instant::now() + lag, bandwidth));
        }
    }

    /// The bandwidth `id` as reads see it: a held one, or one a lagged version still names.
    pub(crate) fn visible_bandwidth(&self, id: &str) -> Option<&Bandwidth> {
        self.bandwidths
            .get(id)
            .or_else(|| self.retired_bandwidths.get(id).map(|(_, b)| b))
    }

    /// The version of `id` reads see at `now`.
    pub(crate) fn visible(&self, id: &str, now: Instant) -> Option<&Eip> {
        match self
            .history
            .get(id)
            .and_then(|versions| versions.iter().find(|(at, _)| *at > now))
        {
            Some((_, previous)) => previous.as_ref(),
            None => self.eips.get(id),
        }
    }

    /// Every EIP as reads see it at `now` (borrowed when nothing lags).
    pub(crate) fn visible_eips(&self, now: Instant) -> Cow<'_, BTreeMap<String, Eip>> {
        if self.history.is_empty() {
            return Cow::Borrowed(&self.eips);
        }
        let mut view = self.eips.clone();
        for (id, versions) in &self.history {
            if let Some((_, previous)) = versions.iter().find(|(at, _)| *at > now) {
                match previous {
                    Some(eip) => view.insert(id.clone(), eip.clone()),
                    None => view.remove(id),
                };
            }
        }
        Cow::Owned(view)
    }

    /// A fresh UUID drawn from the seeded generator.
    pub(crate) fn new_id(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.gen())
            .into_uuid()
            .to_string()
    }

    /// The next free public IPv4 address, skipping `.0`, `.255` and addresses in use.
    pub(crate) fn next_public_ip(&mut self) -> Ipv4Addr {
        loop {
            let candidate = Ipv4Addr::from(self.next_ip);
            self.next_ip = self.next_ip.wrapping_add(1);
            let last = candidate.octets()[3];
            if last != 0 && last != 255 && !self.ip_in_use(candidate) {
                return candidate;
            }
        }
    }

    /// Whether `ip` is in the region's pool (121.36.0.0/16, where [`State::next_public_ip`]
    /// hands addresses out), so it can be asked for by address.
    pub(crate) fn in_pool(ip: Ipv4Addr) -> bool {
        let [a, b, _, d] = ip.octets();
        (a, b) == (121, 36) && d != 0 && d != 255
    }

    pub(crate) fn ip_in_use(&self, ip: Ipv4Addr) -> bool {
        self.used_ips.contains(&ip)
    }

    /// Adds an EIP (its address is taken from then on).
    pub(crate) fn insert_eip(&mut self, eip: Eip) {
        self.used_ips.insert(eip.public_ip);
        self.eips.insert(eip.id.clone(), eip);
    }

    /// The EIP holding `port_id` (bound, binding or unbinding), if any.
    pub(crate) fn eip_on_port(&self, port_id: &str) -> Option<&Eip> {
        self.eips
            .values()
            .find(|e| e.port_id.as_deref() == Some(port_id))
    }

    /// Starts a transition of `id` that completes at `due`.
    pub(crate) fn schedule(&mut self, id: &str, status: EipStatus, due: Instant, next: Next) {
        if let Some(eip) = self.eips.get_mut(id) {
            eip.status = status;
            eip.transition = Some(Transition { due, next });
            self.due.push(Reverse((due, id.to_owned())));
        }
    }

    /// Applies every transition due by `now`, and forgets versions no read can see any more.
    pub(crate) fn settle(&mut self, now: Instant) {
        if !self.history.is_empty() {
            self.history.retain(|_, versions| {
                versions.retain(|(at, _)| *at > now);
                !versions.is_empty()
            });
        }
        if !self.retired_bandwidths.is_empty() {
            self.retired_bandwidths.retain(|_, (until, _)| *until > now);
        }
        while let Some(Reverse((due, _))) = self.due.peek() {
            if *due > now {
                break;
            }
            let Some(Reverse((due, id))) = self.due.pop() else {
                break;
            };
            let current = self.eips.get(&id).and_then(|e| e.transition);
            // A stale entry: the EIP is gone or has started another transition since.
            if let Some(transition) = current.filter(|t| t.due == due) {
                self.complete(&id, transition.next);
            }
        }
    }

    fn complete(&mut self, id: &str, next: Next) {
        match next {
            Next::Gone => self.remove_eip(id),
            Next::Down | Next::Active => {
                if let Some(eip) = self.eips.get_mut(id) {
                    eip.transition = None;
                    if next == Next::Down {
                        eip.status = EipStatus::Down;
                        eip.port_id = None;
                        eip.private_ip = None;
                    } else {
                        eip.status = EipStatus::Active;
                    }
                }
            }
        }
    }

    /// Removes an EIP and its dedicated bandwidth.
    pub(crate) fn remove_eip(&mut self, id: &str) {
        if let Some(eip) = self.eips.remove(id) {
            self.used_ips.remove(&eip.public_ip);
            let dedicated = self
                .bandwidths
                .get(&eip.bandwidth_id)
                .is_some_and(|b| b.share_type == ShareType::Per);
            if dedicated {
                self.bandwidths.remove(&eip.bandwidth_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_debug_masks_the_secret_and_the_security_token() {
        let temporary = Temporary {
            secret: "SimTemporarySecret0123".to_owned(),
            security_token: "gQpjbi1ub3J0aC00SecurityToken".to_owned(),
            expires_at: OffsetDateTime::UNIX_EPOCH,
            issuer: Issuer::Federation,
        };
        let shown = format!("{temporary:?} {temporary:#?}");
        assert!(!shown.contains("SimTemporarySecret0123"), "{shown}");
        assert!(!shown.contains("SecurityToken"), "{shown}");
        assert!(shown.contains("Federation"), "{shown}");
    }
}
