//! The EIPs of the emulated account, their lazy time-based transitions (the EIP statuses of
//! DescribeEipAddresses,
//! <https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>) and
//! the ClientToken records (same token and parameters: the same result; Alibaba's idempotence
//! page, <https://help.aliyun.com/knowledge_detail/36569.html>).
//!
//! A transition is stored as `(deadline, next status)` and applied on every access, so no
//! background task is needed and a paused clock cannot leave state half-updated.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::actions::{
    check_bandwidth, max_bandwidth, AllocateRequest, AssociateRequest, DescribeRequest,
    ModifyRequest, UnassociateRequest,
};
use super::describe::DescribePage;
use super::errors::ApiError;
use super::{AddressPool, AlibabaConfig, CommonBandwidthPackage, EcsInstance, HaVip};
use crate::cloud::{Cloud, InventoryItem, Timing};

/// The five documented statuses (the EIP statuses of DescribeEipAddresses,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EipStatus {
    Available,
    Associating,
    InUse,
    Unassociating,
    Releasing,
}

impl EipStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Available => "Available",
            Self::Associating => "Associating",
            Self::InUse => "InUse",
            Self::Unassociating => "Unassociating",
            Self::Releasing => "Releasing",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        [
            Self::Available,
            Self::Associating,
            Self::InUse,
            Self::Unassociating,
            Self::Releasing,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// `InstanceType` values (AssociateEipAddress,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AssociateEipAddress>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstanceKind {
    EcsInstance,
    SlbInstance,
    Nat,
    NetworkInterface,
    HaVip,
    IpAddress,
}

impl InstanceKind {
    const ALL: [Self; 6] = [
        Self::EcsInstance,
        Self::SlbInstance,
        Self::Nat,
        Self::NetworkInterface,
        Self::HaVip,
        Self::IpAddress,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::EcsInstance => "EcsInstance",
            Self::SlbInstance => "SlbInstance",
            Self::Nat => "Nat",
            Self::NetworkInterface => "NetworkInterface",
            Self::HaVip => "HaVip",
            Self::IpAddress => "IpAddress",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// What an EIP is bound to.
#[derive(Clone, Debug)]
pub(super) struct Binding {
    pub(super) instance_id: String,
    pub(super) kind: InstanceKind,
    /// The ECS instance (or HaVip) that owns the target: an instance and its primary ENI are
    /// one holder, so binding both is `InvalidAssociation.Duplicated`.
    holder: String,
    pub(super) private_ip: Ipv4Addr,
    pub(super) mode: &'static str,
    pub(super) vpc_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    InUse,
    Available,
    Gone,
}

/// One EIP. Its fields are visible to `describe`, which renders them.
#[derive(Clone, Debug)]
pub(super) struct Eip {
    pub(super) allocation_id: String,
    pub(super) ip: Ipv4Addr,
    pub(super) status: EipStatus,
    pending: Option<(Instant, Next)>,
    pub(super) binding: Option<Binding>,
    pub(super) bandwidth: u32,
    pub(super) instance_charge_type: &'static str,
    pub(super) internet_charge_type: &'static str,
    pub(super) isp: &'static str,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) tags: Vec<(String, String)>,
    pub(super) resource_group_id: String,
    pub(super) security_protection_types: Vec<String>,
    pub(super) allocation_time: String,
    /// `OperationLocks.LockRecord[].LockReason`: `financial`, `security` (set by the control API).
    pub(super) locks: Vec<String>,
    /// `BusinessStatus`: `Normal`, or what the control API set (`FinancialLocked`...).
    pub(super) business_status: String,
    /// The Internet Shared Bandwidth the EIP joined, if any (from the moment the join is
    /// accepted until the removal is accepted).
    pub(super) package: Option<BandwidthPackage>,
    /// A join or removal still running in the background, and when it ends.
    pub(super) package_task: Option<(Instant, PackageTask)>,
    /// `DeletionProtection`: ReleaseEipAddress refuses while it is on.
    pub(super) deletion_protection: bool,
    /// `PublicIpAddressPoolId`: the pool the address was taken from (empty: the default one).
    pub(super) address_pool_id: String,
}

/// An Internet Shared Bandwidth an EIP was added to: `Bandwidth` then reads the package's,
/// `EipBandwidth` keeps the EIP's own.
#[derive(Clone, Debug)]
pub(super) struct BandwidthPackage {
    pub(super) id: String,
    pub(super) bandwidth: u32,
}

/// The background task of AddCommonBandwidthPackageIp / RemoveCommonBandwidthPackageIp: the
/// member row of DescribeCommonBandwidthPackages reads `BINDING` / `UNBINDING` until it ends.
#[derive(Clone, Debug)]
pub(super) enum PackageTask {
    /// Joining the package in `Eip::package`.
    Binding,
    /// Leaving this package (no longer in `Eip::package`).
    Unbinding(BandwidthPackage),
}

impl Eip {
    /// The `BandwidthPackageIpRelationStatus` of this EIP in `package_id`, if it has a row there.
    pub(super) fn relation(&self, package_id: &str) -> Option<&'static str> {
        match (&self.package_task, &self.package) {
            (Some((_, PackageTask::Unbinding(p))), _) if p.id == package_id => Some("UNBINDING"),
            (Some((_, PackageTask::Binding)), Some(p)) if p.id == package_id => Some("BINDING"),
            (None, Some(p)) if p.id == package_id => Some("BINDED"),
            _ => None,
        }
    }
}

/// The default resource group of the emulated account.
pub(crate) const DEFAULT_RESOURCE_GROUP: &str = "rg-acfmsim0000000001";

impl Eip {
    pub(super) fn matches(&self, f: &DescribeRequest) -> bool {
        let b = self.binding.as_ref();
        let listed = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x == value))
        };
        listed(&f.allocation_ids, &self.allocation_id)
            && f.addresses.as_ref().is_none_or(|l| l.contains(&self.ip))
            && f.status.is_none_or(|s| s == self.status)
            && f.instance_type
                .is_none_or(|k| b.is_some_and(|b| b.kind == k))
            && f.instance_id
                .as_ref()
                .is_none_or(|id| b.is_some_and(|b| &b.instance_id == id))
            && f.name.as_ref().is_none_or(|n| n == &self.name)
            && f.charge_type
                .as_ref()
                .is_none_or(|c| c == self.instance_charge_type)
            && f.isp.as_ref().is_none_or(|i| i == self.isp)
            && f.resource_group_id
                .as_ref()
                .is_none_or(|g| g == &self.resource_group_id)
            && f.tags.iter().all(|(k, v)| {
                self.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && v.as_ref().is_none_or(|v| v == tv))
            })
            && f.created_after
                .as_ref()
                .is_none_or(|t| self.allocation_time.as_str() >= t.as_str())
            && f.created_before
                .as_ref()
                .is_none_or(|t| self.allocation_time.as_str() <= t.as_str())
            && f.lock_reason
                .is_none_or(|reason| self.locks.iter().any(|l| l == reason))
    }

    /// Refuses a write to a locked EIP with the code its lock gives.
    pub(super) fn check_unlocked(&self) -> Result<(), ApiError> {
        match self.locks.first() {
            Some(reason) => Err(ApiError::locked(reason)),
            None => Ok(()),
        }
    }

    /// Whether the EIP holds its binding's target (it is bound or on its way in or out).
    fn holds(&self, holder: &str) -> bool {
        self.binding.as_ref().is_some_and(|b| b.holder == holder)
    }
}

/// The fixed world the EIPs live in: region, instances, ENIs, HaVips, delays.
pub(crate) struct World {
    pub(crate) region: String,
    pub(crate) instances: Vec<EcsInstance>,
    pub(crate) havips: Vec<HaVip>,
    /// The Internet Shared Bandwidths the account starts with.
    pub(crate) bandwidth_packages: Vec<CommonBandwidthPackage>,
    /// The account's IP address pools.
    pub(crate) address_pools: Vec<AddressPool>,
    /// The resource groups that exist besides the default one.
    pub(crate) resource_groups: Vec<String>,
    pub(crate) timing: Timing,
    pub(crate) seed: u64,
}

/// Where an association points.
struct Target {
    holder: String,
    private_ip: Ipv4Addr,
    vpc_id: String,
}

impl World {
    /// The world `config` describes, with its transition times and seed.
    pub(crate) fn of(config: &AlibabaConfig, timing: Timing, seed: u64) -> Self {
        Self {
            region: config.region.clone(),
            instances: config.instances.clone(),
            havips: config.havips.clone(),
            bandwidth_packages: config.bandwidth_packages.clone(),
            address_pools: config.address_pools.clone(),
            resource_groups: config.resource_groups.clone(),
            timing,
            seed,
        }
    }

    fn target(&self, req: &AssociateRequest) -> Result<Target, ApiError> {
        let id = req.instance_id.as_str();
        let not_found = || ApiError::instance_not_found(id);
        match req.kind {
            InstanceKind::EcsInstance => {
                let i = self
                    .instances
                    .iter()
                    .find(|i| i.id == id)
                    .ok_or_else(not_found)?;
                Ok(Target {
                    holder: i.id.clone(),
                    private_ip: i.private_ip_address,
                    vpc_id: i.vpc_id.clone(),
                })
            }
            InstanceKind::NetworkInterface => {
                let i = self
                    .instances
                    .iter()
                    .find(|i| i.network_interface_id == id)
                    .ok_or_else(not_found)?;
                let private_ip = req.private_ip.unwrap_or(i.private_ip_address);
                // AssociateEipAddress,
                // https://api.alibabacloud.com/document/Vpc/2016-04-28/AssociateEipAddress:
                // PrivateIpAddress must lie in the vSwitch CIDR (a /24 here).
                if private_ip.octets()[..3] != i.private_ip_address.octets()[..3] {
                    return Err(ApiError::invalid(
                        "PrivateIpAddress",
                        "it is not in the vSwitch CIDR of the ENI",
                    ));
                }
                Ok(Target {
                    holder: i.id.clone(),
                    private_ip,
                    vpc_id: i.vpc_id.clone(),
                })
            }
            InstanceKind::HaVip => {
                let h = self
                    .havips
                    .iter()
                    .find(|h| h.id == id)
                    .ok_or_else(not_found)?;
                Ok(Target {
                    holder: h.id.clone(),
                    private_ip: h.ip_address,
                    vpc_id: h.vpc_id.clone(),
                })
            }
            // The emulated account has no SLB instances, NAT gateways or IPv4 gateways.
            InstanceKind::SlbInstance | InstanceKind::Nat | InstanceKind::IpAddress => {
                Err(not_found())
            }
        }
    }
}

struct TokenRecord {
    fingerprint: Vec<(String, String)>,
    result: Value,
}

pub(crate) struct Account {
    pub(super) eips: BTreeMap<u64, Eip>,
    by_id: HashMap<String, u64>,
    /// The Internet Shared Bandwidths, by id (seeded from the world, more by the control API).
    pub(super) packages: BTreeMap<String, CommonBandwidthPackage>,
    next_seq: u64,
    pending: BTreeSet<(Instant, u64)>,
    /// When the running shared-bandwidth tasks end, by EIP.
    package_pending: BTreeSet<(Instant, u64)>,
    used_ips: HashSet<Ipv4Addr>,
    tokens: HashMap<(&'static str, String), TokenRecord>,
    rng: StdRng,
    quota: usize,
    /// Read lag: per EIP, the versions reads still show, each with the time from which the
    /// write that replaced it becomes visible (`None`: the EIP did not exist yet), in write order.
    history: HashMap<u64, Vec<(Instant, Option<Eip>)>>,
}

/// The account state behind one lock.
pub(crate) struct AlibabaState {
    world: World,
    account: Mutex<Account>,
    default_quota: usize,
}

impl AlibabaState {
    pub(crate) fn new(world: World, quota: usize) -> Self {
        let account = Mutex::new(Account::new(&world, quota));
        Self {
            world,
            account,
            default_quota: quota,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Account> {
        let mut account = self
            .account
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        account.apply_due(Instant::now());
        account
    }

    pub(crate) fn world(&self) -> &World {
        &self.world
    }

    /// Runs a mutating action under ClientToken idempotency (the idempotence page,
    /// <https://help.aliyun.com/knowledge_detail/36569.html>): the same token
    /// with the same parameters returns the first successful result; with different
    /// parameters, `IdempotentParameterMismatch`. Checked and recorded under the same lock as
    /// the change, so two concurrent retries cannot both take effect.
    pub(crate) fn with_token(
        &self,
        action: &'static str,
        token: Option<String>,
        fingerprint: Vec<(String, String)>,
        op: impl FnOnce(&mut Account, &World) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let mut account = self.lock();
        let Some(token) = token else {
            return op(&mut account, &self.world);
        };
        if let Some(record) = account.tokens.get(&(action, token.clone())) {
            if record.fingerprint != fingerprint {
                return Err(ApiError::bad(
                    "IdempotentParameterMismatch",
                    "The request uses the same client token as a previous, but non-identical request.",
                ));
            }
            return Ok(record.result.clone());
        }
        let result = op(&mut account, &self.world)?;
        account.tokens.insert(
            (action, token),
            TokenRecord {
                fingerprint,
                result: result.clone(),
            },
        );
        Ok(result)
    }

    /// DescribeEipAddresses. Only the page's records are copied under the lock; their JSON is
    /// built after it is released, so concurrent page requests do not queue behind each
    /// other's formatting.
    pub(crate) fn describe(&self, req: &DescribeRequest) -> DescribePage {
        self.lock().describe_page(req)
    }

    pub(crate) fn inventory(&self) -> Vec<InventoryItem> {
        self.lock()
            .eips
            .values()
            .map(|e| InventoryItem {
                cloud: Cloud::Alibaba,
                id: e.allocation_id.clone(),
                address: IpAddr::V4(e.ip),
                status: e.status.as_str().to_owned(),
                bound_to: e.binding.as_ref().map(|b| b.instance_id.clone()),
                name: Some(e.name.clone()).filter(|n| !n.is_empty()),
            })
            .collect()
    }

    pub(crate) fn reset(&self) {
        *self.lock() = Account::new(&self.world, self.default_quota);
    }

    /// Control op `seed_eips`: `count` Available EIPs named `{prefix}-{n}`.
    pub(crate) fn seed(&self, count: usize, prefix: &str) -> Result<Vec<String>, String> {
        let mut account = self.lock();
        if account.eips.len() + count > account.quota {
            return Err(format!(
                "seeding {count} EIPs would exceed the quota of {}",
                account.quota
            ));
        }
        let start = account.next_seq;
        (0..count)
            .map(|n| {
                let req = AllocateRequest {
                    bandwidth: 5,
                    instance_charge_type: "PostPaid",
                    internet_charge_type: "PayByTraffic",
                    isp: "BGP",
                    name: format!("{prefix}-{}", start + n as u64),
                    description: String::new(),
                    tags: Vec::new(),
                    resource_group_id: None,
                    security_protection_types: Vec::new(),
                    ip_address: None,
                    address_pool_id: None,
                };
                account
                    .create(&self.world, req)
                    .map(|e| e.allocation_id.clone())
                    .map_err(|e| e.message)
            })
            .collect()
    }

    pub(crate) fn set_quota(&self, quota: usize) {
        self.lock().quota = quota;
    }

    /// Control op `set_lock`.
    pub(crate) fn set_lock(
        &self,
        allocation_id: &str,
        reasons: Vec<String>,
        business_status: Option<String>,
    ) -> Result<(), String> {
        self.lock()
            .set_lock(allocation_id, reasons, business_status)
    }

    /// Control op `join_bandwidth_package`.
    pub(crate) fn set_package(
        &self,
        allocation_id: &str,
        package: Option<BandwidthPackage>,
    ) -> Result<(), String> {
        self.lock().set_package(allocation_id, package)
    }
}

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl Account {
    fn new(world: &World, quota: usize) -> Self {
        let seed = world.seed;
        Self {
            eips: BTreeMap::new(),
            by_id: HashMap::new(),
            packages: world
                .bandwidth_packages
                .iter()
                .map(|p| (p.id.clone(), p.clone()))
                .collect(),
            next_seq: 1,
            pending: BTreeSet::new(),
            package_pending: BTreeSet::new(),
            used_ips: HashSet::new(),
            tokens: HashMap::new(),
            rng: StdRng::seed_from_u64(seed),
            quota,
            history: HashMap::new(),
        }
    }

    /// Runs a write; with a read lag, reads keep showing the EIP it touches (`id`, or the new
    /// EIP named by the answer's `AllocationId`) as it was before, for `lag`.
    pub(crate) fn lagging(
        &mut self,
        lag: Option<Duration>,
        id: Option<&str>,
        op: impl FnOnce(&mut Self) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let Some(lag) = lag.filter(|lag| !lag.is_zero()) else {
            return op(self);
        };
        let before = id
            .and_then(|id| self.by_id.get(id).copied())
            .map(|seq| (seq, self.eips.get(&seq).cloned()));
        let result = op(self)?;
        let visible_at = Instant::now() + lag;
        let touched = before.or_else(|| {
            let created = result.get("AllocationId").and_then(Value::as_str)?;
            Some((*self.by_id.get(created)?, None))
        });
        if let Some((seq, previous)) = touched {
            self.history
                .entry(seq)
                .or_default()
                .push((visible_at, previous));
        }
        Ok(result)
    }

    /// The EIPs as reads see them now (borrowed when nothing lags): what every read action
    /// (DescribeEipAddresses, ListTagResources, DescribeCommonBandwidthPackages) answers from.
    pub(super) fn read_view(&self) -> std::borrow::Cow<'_, BTreeMap<u64, Eip>> {
        if self.history.is_empty() {
            std::borrow::Cow::Borrowed(&self.eips)
        } else {
            std::borrow::Cow::Owned(self.lagged_view(Instant::now()))
        }
    }

    /// The EIPs as reads see them at `now`: each lagging EIP in the version before its oldest
    /// write that is not visible yet.
    fn lagged_view(&self, now: Instant) -> BTreeMap<u64, Eip> {
        let mut view = self.eips.clone();
        for (seq, versions) in &self.history {
            if let Some((_, previous)) = versions.iter().find(|(at, _)| *at > now) {
                match previous {
                    Some(eip) => view.insert(*seq, eip.clone()),
                    None => view.remove(seq),
                };
            }
        }
        view
    }

    /// Applies every transition whose deadline has passed.
    fn apply_due(&mut self, now: Instant) {
        if !self.history.is_empty() {
            self.history.retain(|_, versions| {
                versions.retain(|(at, _)| *at > now);
                !versions.is_empty()
            });
        }
        while let Some(&(due, seq)) = self.pending.first() {
            if due > now {
                break;
            }
            self.pending.remove(&(due, seq));
            let Some(eip) = self.eips.get_mut(&seq) else {
                continue;
            };
            let Some((_, next)) = eip.pending.take() else {
                continue;
            };
            match next {
                Next::InUse => eip.status = EipStatus::InUse,
                Next::Available => {
                    eip.status = EipStatus::Available;
                    eip.binding = None;
                }
                Next::Gone => {
                    let id = eip.allocation_id.clone();
                    self.eips.remove(&seq);
                    self.by_id.remove(&id);
                }
            }
        }
        while let Some(&(due, seq)) = self.package_pending.first() {
            if due > now {
                break;
            }
            self.package_pending.remove(&(due, seq));
            if let Some(eip) = self.eips.get_mut(&seq) {
                if eip.package_task.as_ref().is_some_and(|(at, _)| *at == due) {
                    eip.package_task = None;
                }
            }
        }
    }

    /// Starts a shared-bandwidth task on the EIP `seq`, ending one transition from now.
    pub(super) fn begin_package_task(&mut self, seq: u64, task: PackageTask, world: &World) {
        let due = Instant::now() + world.timing.transition(&mut self.rng);
        if let Some(eip) = self.eips.get_mut(&seq) {
            eip.package_task = Some((due, task));
            self.package_pending.insert((due, seq));
        }
    }

    fn begin(&mut self, seq: u64, status: EipStatus, next: Next, world: &World) {
        let due = Instant::now() + world.timing.transition(&mut self.rng);
        if let Some(eip) = self.eips.get_mut(&seq) {
            eip.status = status;
            eip.pending = Some((due, next));
            self.pending.insert((due, seq));
        }
    }

    pub(super) fn find(&mut self, allocation_id: &str) -> Result<(u64, &mut Eip), ApiError> {
        let seq = *self
            .by_id
            .get(allocation_id)
            .ok_or_else(|| ApiError::allocation_not_found(allocation_id))?;
        let eip = self
            .eips
            .get_mut(&seq)
            .ok_or_else(|| ApiError::allocation_not_found(allocation_id))?;
        Ok((seq, eip))
    }

    fn random_text(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(LOWER_ALNUM[self.rng.gen_range(0..LOWER_ALNUM.len())]))
            .collect()
    }

    /// A fresh allocation id, e.g. `eip-bp1q4x3w5b7e4uadb0xuz`.
    fn new_allocation_id(&mut self) -> String {
        loop {
            let id = format!("eip-bp1{}", self.random_text(18));
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// A never-before-issued address from 47.96.0.0/11, drawn from the seeded generator.
    fn new_address(&mut self) -> Ipv4Addr {
        loop {
            let ip = Ipv4Addr::new(
                47,
                self.rng.gen_range(96..=127),
                self.rng.gen(),
                self.rng.gen_range(1..=254),
            );
            if self.used_ips.insert(ip) {
                return ip;
            }
        }
    }

    /// The first address of `pool` never issued before, in order.
    fn address_from_pool(&mut self, pool: &AddressPool) -> Result<Ipv4Addr, ApiError> {
        let start = u32::from(pool.network);
        let size = 1u64 << (32 - u32::from(pool.prefix_len.min(32)));
        // Skip the network and broadcast addresses of the range.
        for offset in 1..size.saturating_sub(1) {
            let ip = Ipv4Addr::from(start.saturating_add(u32::try_from(offset).unwrap_or(0)));
            if self.used_ips.insert(ip) {
                return Ok(ip);
            }
        }
        Err(ApiError::bad(
            "ReserveIpFail",
            format!("The address pool {} has no free address.", pool.id),
        ))
    }

    fn create(&mut self, world: &World, req: AllocateRequest) -> Result<&Eip, ApiError> {
        if self.eips.len() >= self.quota {
            return Err(ApiError::bad(
                "QuotaExceeded.Eip",
                format!("The EIP quota ({}) is exceeded.", self.quota),
            ));
        }
        if let Some(group) = &req.resource_group_id {
            check_resource_group(world, group)?;
        }
        let pool = match &req.address_pool_id {
            None => None,
            Some(id) => Some(
                world
                    .address_pools
                    .iter()
                    .find(|p| &p.id == id)
                    .ok_or_else(|| pool_not_found(id))?,
            ),
        };
        let ip = match (req.ip_address, pool) {
            // AllocateEipAddress `IpAddress`: a specific address, which must be free and inside
            // the pool it is asked from (the default public range without a pool); the
            // documented refusal of an address that cannot be had is `ReserveIpFail`
            // (https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress).
            (Some(ip), pool) => {
                let inside = pool.map_or_else(|| in_default_range(ip), |p| p.contains(ip));
                if !inside || self.eips.values().any(|e| e.ip == ip) {
                    return Err(ApiError::bad(
                        "ReserveIpFail",
                        format!("The IP address {ip} cannot be reserved."),
                    ));
                }
                self.used_ips.insert(ip);
                ip
            }
            (None, Some(pool)) => self.address_from_pool(pool)?,
            (None, None) => self.new_address(),
        };
        let allocation_id = self.new_allocation_id();
        let seq = self.next_seq;
        self.next_seq += 1;
        let eip = Eip {
            allocation_id: allocation_id.clone(),
            ip,
            status: EipStatus::Available,
            pending: None,
            binding: None,
            bandwidth: req.bandwidth,
            instance_charge_type: req.instance_charge_type,
            internet_charge_type: req.internet_charge_type,
            isp: req.isp,
            name: req.name,
            description: req.description,
            tags: req.tags,
            resource_group_id: req
                .resource_group_id
                .unwrap_or_else(|| DEFAULT_RESOURCE_GROUP.to_owned()),
            security_protection_types: req.security_protection_types,
            allocation_time: now_utc(),
            locks: Vec::new(),
            business_status: "Normal".to_owned(),
            package: None,
            package_task: None,
            deletion_protection: false,
            address_pool_id: req.address_pool_id.unwrap_or_default(),
        };
        self.by_id.insert(allocation_id, seq);
        Ok(self.eips.entry(seq).or_insert(eip))
    }

    /// AllocateEipAddress: synchronous, the EIP is Available at once (AllocateEipAddress,
    /// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>).
    pub(crate) fn allocate(
        &mut self,
        world: &World,
        req: AllocateRequest,
    ) -> Result<Value, ApiError> {
        let prepaid = req.instance_charge_type == "PrePaid";
        let eip = self.create(world, req)?;
        let mut answer = json!({
            "AllocationId": eip.allocation_id,
            "EipAddress": eip.ip.to_string(),
            "ResourceGroupId": eip.resource_group_id,
        });
        if prepaid {
            answer["OrderId"] = json!(self
                .rng
                .gen_range(200_000_000_000u64..300_000_000_000)
                .to_string());
        }
        Ok(answer)
    }

    /// AssociateEipAddress: Available → Associating → InUse (AssociateEipAddress,
    /// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AssociateEipAddress>).
    pub(crate) fn associate(
        &mut self,
        world: &World,
        req: &AssociateRequest,
    ) -> Result<Value, ApiError> {
        let target = world.target(req)?;
        let (seq, eip) = self.find(&req.allocation_id)?;
        eip.check_unlocked()?;
        if eip.status != EipStatus::Available {
            return Err(ApiError::incorrect_eip_status(eip.status.as_str()));
        }
        // Several EIPs may share one ENI only in MULTI_BINDED mode.
        let multi = req.mode == Some("MULTI_BINDED");
        if !multi && self.eips.values().any(|e| e.holds(&target.holder)) {
            return Err(ApiError::bad(
                "InvalidAssociation.Duplicated",
                format!(
                    "The instance {} already has an EIP bound to it.",
                    req.instance_id
                ),
            ));
        }
        let binding = Binding {
            instance_id: req.instance_id.clone(),
            kind: req.kind,
            holder: target.holder,
            private_ip: target.private_ip,
            mode: req.mode.unwrap_or("NAT"),
            vpc_id: target.vpc_id,
        };
        if let Some(eip) = self.eips.get_mut(&seq) {
            eip.binding = Some(binding);
        }
        self.begin(seq, EipStatus::Associating, Next::InUse, world);
        Ok(json!({}))
    }

    /// UnassociateEipAddress: InUse → Unassociating → Available (UnassociateEipAddress,
    /// <https://api.alibabacloud.com/document/Vpc/2016-04-28/UnassociateEipAddress>). With an
    /// `InstanceId` that is not the current one, `InvalidBindingStatus`: the fence providers use.
    pub(crate) fn unassociate(
        &mut self,
        world: &World,
        req: &UnassociateRequest,
    ) -> Result<Value, ApiError> {
        let (seq, eip) = self.find(&req.allocation_id)?;
        eip.check_unlocked()?;
        if let Some(instance_id) = &req.instance_id {
            if eip
                .binding
                .as_ref()
                .is_none_or(|b| &b.instance_id != instance_id)
            {
                return Err(ApiError::bad(
                    "InvalidBindingStatus",
                    "The specified EIP is not bound to the specified instance.",
                ));
            }
        }
        if eip.status != EipStatus::InUse {
            return Err(ApiError::incorrect_eip_status(eip.status.as_str()));
        }
        self.begin(seq, EipStatus::Unassociating, Next::Available, world);
        Ok(json!({}))
    }

    /// ModifyEipAddressAttribute: pay-as-you-go only, while Available or InUse
    /// (ModifyEipAddressAttribute, AlibabaCloudDocs/eip `intl.en-US/API Reference/Elastic IP
    /// Address/ModifyEipAddressAttribute.md`).
    pub(crate) fn modify(&mut self, req: &ModifyRequest) -> Result<Value, ApiError> {
        let (_, eip) = self.find(&req.allocation_id)?;
        eip.check_unlocked()?;
        if !matches!(eip.status, EipStatus::Available | EipStatus::InUse) {
            return Err(ApiError::incorrect_eip_status(eip.status.as_str()));
        }
        if let Some(bandwidth) = req.bandwidth {
            if eip.instance_charge_type == "PrePaid" {
                return Err(prepaid_forbidden());
            }
            check_bandwidth(
                bandwidth,
                max_bandwidth(eip.instance_charge_type, eip.internet_charge_type),
            )?;
            eip.bandwidth = bandwidth;
        }
        if let Some(name) = &req.name {
            eip.name.clone_from(name);
        }
        if let Some(description) = &req.description {
            eip.description.clone_from(description);
        }
        Ok(json!({}))
    }

    /// ReleaseEipAddress: Available and pay-as-you-go only; Releasing lingers one transition
    /// delay, then the EIP is gone (ReleaseEipAddress,
    /// <https://api.alibabacloud.com/document/Vpc/2016-04-28/ReleaseEipAddress>).
    pub(crate) fn release(
        &mut self,
        world: &World,
        allocation_id: &str,
    ) -> Result<Value, ApiError> {
        let (seq, eip) = self.find(allocation_id)?;
        eip.check_unlocked()?;
        if eip.deletion_protection {
            // ReleaseEipAddress error table: `InvalidOperation.DeletionProtection`.
            return Err(ApiError::bad(
                "InvalidOperation.DeletionProtection",
                "The EIP has deletion protection enabled and cannot be released.",
            ));
        }
        if eip.instance_charge_type == "PrePaid" {
            return Err(prepaid_forbidden());
        }
        if eip.status != EipStatus::Available {
            return Err(ApiError::incorrect_eip_status(eip.status.as_str()));
        }
        self.begin(seq, EipStatus::Releasing, Next::Gone, world);
        Ok(json!({}))
    }

    /// DescribeEipAddresses, as reads see the account now: lagging EIPs in their previous version.
    fn describe_page(&self, req: &DescribeRequest) -> DescribePage {
        if self.history.is_empty() {
            return page_of(&self.eips, Some(&self.by_id), req);
        }
        page_of(&self.lagged_view(Instant::now()), None, req)
    }

    /// Control op `eip`: what the account holds for `allocation_id` (never a lagged version):
    /// `{"allocation_id","tags":{k:v},"resource_group_id","package_id","deletion_protection"}`.
    pub(crate) fn attributes(&mut self, allocation_id: &str) -> Result<Value, String> {
        let (_, eip) = self.find(allocation_id).map_err(|e| e.message)?;
        let tags: serde_json::Map<String, Value> = eip
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Ok(serde_json::json!({
            "allocation_id": eip.allocation_id,
            "tags": tags,
            "resource_group_id": eip.resource_group_id,
            "package_id": eip.package.as_ref().map(|p| p.id.clone()),
            "deletion_protection": eip.deletion_protection,
        }))
    }

    /// Control op `set_lock`: the EIP's lock reasons (empty: unlocked) and `BusinessStatus`.
    pub(crate) fn set_lock(
        &mut self,
        allocation_id: &str,
        reasons: Vec<String>,
        business_status: Option<String>,
    ) -> Result<(), String> {
        let (_, eip) = self.find(allocation_id).map_err(|e| e.message)?;
        let status = business_status.unwrap_or_else(|| {
            if reasons.is_empty() {
                "Normal"
            } else {
                "OperationLock"
            }
            .to_owned()
        });
        eip.locks = reasons;
        eip.business_status = status;
        Ok(())
    }

    /// Control op `join_bandwidth_package`: the EIP joins (or, with `None`, leaves) an Internet
    /// Shared Bandwidth of `bandwidth` Mbit/s.
    pub(crate) fn set_package(
        &mut self,
        allocation_id: &str,
        package: Option<BandwidthPackage>,
    ) -> Result<(), String> {
        let (_, eip) = self.find(allocation_id).map_err(|e| e.message)?;
        eip.package = package;
        eip.package_task = None;
        Ok(())
    }
}

/// One DescribeEipAddresses page out of `eips`; an unknown id is simply absent (200, empty
/// list: <https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses>). Pages follow
/// allocation order (the map's key), so the pages of an unchanging account
/// cover it exactly once whatever order they are fetched in.
fn page_of(
    eips: &BTreeMap<u64, Eip>,
    by_id: Option<&HashMap<String, u64>>,
    req: &DescribeRequest,
) -> DescribePage {
    if req.is_unfiltered() {
        let page = eips.values().skip(req.skip()).take(req.page_size);
        return DescribePage::new(req, eips.len(), page.cloned().collect());
    }
    match (&req.allocation_ids, by_id) {
        // At most 50 ids (DescribeEipAddresses `AllocationId`): look them up rather than scan
        // every EIP.
        (Some(ids), Some(by_id)) => {
            let mut seqs: Vec<u64> = ids.iter().filter_map(|id| by_id.get(id).copied()).collect();
            seqs.sort_unstable();
            seqs.dedup();
            DescribePage::collect(seqs.iter().filter_map(|seq| eips.get(seq)), req)
        }
        _ => DescribePage::collect(eips.values(), req),
    }
}

/// The range random addresses are drawn from (see `new_address`): 47.96.0.0/11.
fn in_default_range(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    a == 47 && (96..=127).contains(&b)
}

/// A resource group must exist: the default one or one the world names
/// (AllocateEipAddress error table: `InvalidResourceGroupId`).
pub(super) fn check_resource_group(world: &World, group: &str) -> Result<(), ApiError> {
    if group == DEFAULT_RESOURCE_GROUP || world.resource_groups.iter().any(|g| g == group) {
        Ok(())
    } else {
        Err(ApiError::bad(
            "InvalidResourceGroupId",
            format!("The specified resource group \"{group}\" does not exist."),
        ))
    }
}

/// An unknown `PublicIpAddressPoolId`. The code is the NotFound form Alibaba uses for other
/// ids (`InvalidAllocationId.NotFound`); no page consulted lists the pool's own code.
fn pool_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "InvalidPublicIpAddressPoolId.NotFound",
        format!("The specified address pool \"{id}\" does not exist."),
    )
}

fn prepaid_forbidden() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "Forbidden.ChargeTypeIsPrepaid",
        "The operation is not allowed for a subscription (PrePaid) EIP.",
    )
}

/// The current UTC time as `yyyy-MM-ddTHH:mm:ssZ`.
pub(crate) fn now_utc() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}
