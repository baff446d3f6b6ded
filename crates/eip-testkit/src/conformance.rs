//! The conformance suite: cases any [`EipProvider`] must pass, each written once against
//! `&dyn EipProvider` (object_store's `integration` module is the model).
//!
//! A case gets the provider and a [`Fixture`]: two or more instances to bind to, a run id that
//! prefixes every name it gives (so a real account's leftovers can be found), a wait policy, and
//! — on an emulator — an [`Emulator`] handle for what only an emulator can show (how many
//! requests were sent, exactly which addresses exist, seeding hundreds of addresses). Cases
//! that need an emulator return early without one; cases respect the provider's
//! [`eip_core::Capabilities`] (page size, bandwidth range, target kinds, descriptions).
//!
//! Run every case for a provider with [`conformance_suite!`](crate::conformance_suite), given
//! an async function returning the provider and its fixture:
//!
//! ```no_run
//! use std::sync::Arc;
//! use eip_core::EipProvider;
//! use eip_testkit::conformance::Fixture;
//! use eip_testkit::{Auth, Cloud};
//!
//! async fn alibaba() -> (Arc<dyn EipProvider>, Fixture) {
//!     eip_testkit::conformance::on_sim(Cloud::Alibaba, Auth::Default).await
//! }
//!
//! mod alibaba_sim {
//!     eip_testkit::conformance_suite!(super::alibaba);
//! }
//! # fn main() {}
//! ```

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use eip_core::{
    AllocateRequest, AssociateTarget, BandwidthKind, DedicatedBandwidth, EipProvider,
    EipProviderExt, EipStatus, Error, ListFilter, ListOptions, Modification, MoveOptions,
    SkipReason, SweepFilter, SweepMode, TagChange, TargetKind, WaitPolicy,
};
use eip_sim::Sim;
use futures::TryStreamExt;

use crate::emulator::{self, Auth, Cloud};
use crate::policies::fast_wait;

/// What only an emulator can tell or do, for the cases that check it.
pub trait Emulator: Send + Sync {
    /// Requests received so far.
    fn requests(&self) -> usize;
    /// The ids of the addresses the emulated cloud holds.
    fn held(&self) -> Vec<String>;
    /// Creates `count` unbound addresses directly, without requests.
    fn seed(&self, count: usize) -> Result<(), String>;
}

/// The in-process `eip-sim` as an [`Emulator`] of one cloud.
#[derive(Debug)]
pub struct SimEmulator {
    /// The emulator.
    pub sim: Sim,
    /// The cloud under test.
    pub cloud: Cloud,
}

impl Emulator for SimEmulator {
    fn requests(&self) -> usize {
        self.sim.requests().len()
    }

    fn held(&self) -> Vec<String> {
        emulator::inventory(&self.sim, self.cloud)
    }

    fn seed(&self, count: usize) -> Result<(), String> {
        self.sim
            .control(
                self.cloud,
                "seed_eips",
                serde_json::json!({ "count": count }),
            )
            .map(drop)
    }
}

/// What a case gets besides the provider.
#[derive(Clone)]
pub struct Fixture {
    /// At least two instances an address can be bound to (three for every `fenced_move` step).
    pub instances: Vec<String>,
    /// Prefix of every name a case gives.
    pub run_id: String,
    /// How long and how often cases wait.
    pub wait: WaitPolicy,
    /// The emulator, when the provider runs on one.
    pub emulator: Option<Arc<dyn Emulator>>,
    /// A shared bandwidth addresses may join (Alibaba common bandwidth package, Huawei shared
    /// bandwidth); the shared-bandwidth case is skipped without one.
    pub shared_bandwidth: Option<String>,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("instances", &self.instances)
            .field("run_id", &self.run_id)
            .field("emulator", &self.emulator.is_some())
            .field("shared_bandwidth", &self.shared_bandwidth)
            .finish_non_exhaustive()
    }
}

impl Fixture {
    /// A fixture for a real account: waits of up to 5 minutes, no emulator.
    ///
    /// # Panics
    /// With fewer than two instances.
    pub fn new(instances: Vec<String>, run_id: impl Into<String>) -> Self {
        assert!(instances.len() >= 2, "the suite needs two instances");
        Self {
            instances,
            run_id: run_id.into(),
            wait: WaitPolicy::default().max_wait(Duration::from_secs(300)),
            emulator: None,
            shared_bandwidth: None,
        }
    }

    /// Names the shared bandwidth the shared-bandwidth case may use.
    pub fn with_shared_bandwidth(mut self, id: impl Into<String>) -> Self {
        self.shared_bandwidth = Some(id.into());
        self
    }

    /// The same on an emulator: its handle, and the fast waits.
    pub fn with_emulator(mut self, emulator: Arc<dyn Emulator>) -> Self {
        self.emulator = Some(emulator);
        self.wait = fast_wait();
        self
    }

    /// A name unique to this run.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.run_id)
    }

    /// Requests the emulator has received (0 without one).
    pub fn requests(&self) -> usize {
        self.emulator.as_ref().map_or(0, |e| e.requests())
    }
}

/// A provider of `cloud` on a fresh emulator with eight instances, and its fixture.
pub async fn on_sim(cloud: Cloud, auth: Auth) -> (Arc<dyn EipProvider>, Fixture) {
    let sim = emulator::sim_with_instances(8).await;
    let provider = emulator::provider(&sim, cloud, auth);
    let instances = emulator::instances(&sim, cloud);
    let shared = seeded_shared_bandwidth(&sim, cloud);
    let mut fixture = Fixture::new(instances, "conf");
    if let Some(id) = shared {
        fixture = fixture.with_shared_bandwidth(id);
    }
    let fixture = fixture.with_emulator(Arc::new(SimEmulator { sim, cloud }));
    (provider, fixture)
}

/// The shared bandwidth the emulator seeds for `cloud`, if it seeds one.
fn seeded_shared_bandwidth(sim: &Sim, cloud: Cloud) -> Option<String> {
    match cloud {
        Cloud::Huawei => sim.huawei().shared_bandwidths.first().map(|b| b.id.clone()),
        Cloud::Alibaba => sim.alibaba().bandwidth_packages.first().cloned(),
    }
}

/// Every case's name, in the order [`conformance_suite!`](crate::conformance_suite) runs them.
pub const CASES: &[&str] = &[
    "lifecycle",
    "pagination_over_250",
    "filters",
    "not_found",
    "release_while_bound_is_refused",
    "association_conflicts",
    "waits_time_out",
    "idempotent_allocate",
    "fenced_move",
    "capabilities_are_respected",
    "attributes_the_provider_supports",
    "tags_round_trip",
    "tag_filter",
    "shared_bandwidth_join_leave",
    "sweep_leaves_bound_addresses_alone",
];

/// A test per case for the provider `setup()` returns, each followed by [`cleanup`]. Needs
/// `tokio` (with `macros` and `rt-multi-thread`) in the calling crate. Attributes before the
/// setup path go on every test (`#[ignore = "needs an account"]`); a list after `;` runs only
/// those cases.
#[macro_export]
macro_rules! conformance_suite {
    (@each [$($meta:tt)*] $setup:path; $case:ident $(, $rest:ident)*) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $($meta)*
        async fn $case() {
            let (provider, fixture) = $setup().await;
            $crate::conformance::$case(provider.as_ref(), &fixture).await;
            $crate::conformance::cleanup(provider.as_ref(), &fixture).await;
        }
        $crate::conformance_suite!(@each [$($meta)*] $setup; $($rest),*);
    };
    (@each [$($meta:tt)*] $setup:path;) => {};
    ($(#[$meta:meta])* $setup:path) => {
        $crate::conformance_suite!(
            $(#[$meta])* $setup;
            lifecycle,
            pagination_over_250,
            filters,
            not_found,
            release_while_bound_is_refused,
            association_conflicts,
            waits_time_out,
            idempotent_allocate,
            fenced_move,
            capabilities_are_respected,
            attributes_the_provider_supports,
            tags_round_trip,
            tag_filter,
            shared_bandwidth_join_leave,
            sweep_leaves_bound_addresses_alone
        );
    };
    ($(#[$meta:meta])* $setup:path; $($case:ident),+ $(,)?) => {
        $crate::conformance_suite!(@each [$(#[$meta])*] $setup; $($case),+);
    };
}

/// Releases whatever this run created (by name prefix), unbinding first.
pub async fn cleanup(p: &dyn EipProvider, f: &Fixture) {
    let mine: Vec<_> = p
        .list(&ListFilter::new(), ListOptions::default())
        .try_filter(|e| {
            futures::future::ready(e.name.as_deref().is_some_and(|n| n.starts_with(&f.run_id)))
        })
        .try_collect()
        .await
        .unwrap_or_default();
    for eip in mine {
        if eip.binding.is_some() || eip.status.is_transitional() {
            let _ = p.disassociate(&eip.id, None).await;
            let _ = p.wait_until_available(&eip.id, &f.wait).await;
        }
        let _ = p.release(&eip.id).await;
    }
}

async fn allocate(p: &dyn EipProvider, f: &Fixture, suffix: &str) -> String {
    let eip = p
        .allocate(
            &AllocateRequest::new()
                .bandwidth(bandwidth(p, 5))
                .name(f.name(suffix)),
        )
        .await
        .unwrap_or_else(|e| panic!("allocate {suffix}: {e}"));
    p.wait_until_available(&eip.id, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait for {suffix}: {e}"));
    eip.id
}

async fn bind(p: &dyn EipProvider, f: &Fixture, id: &str, instance: &str) {
    let target = AssociateTarget::instance(instance);
    p.associate(id, &target)
        .await
        .unwrap_or_else(|e| panic!("associate {id} with {instance}: {e}"));
    p.wait_until_bound_to(id, &target, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait for {id} on {instance}: {e}"));
}

/// `wanted` Mbit/s, moved into the provider's accepted range.
fn bandwidth(p: &dyn EipProvider, wanted: u32) -> u32 {
    let range = &p.capabilities().bandwidth_mbps;
    wanted.clamp(*range.start(), *range.end())
}

/// Allocate, bind, modify, unbind, release: each step visible in the normalized model, and on
/// an emulator nothing left behind.
pub async fn lifecycle(p: &dyn EipProvider, f: &Fixture) {
    let (five, fifty) = (bandwidth(p, 5), bandwidth(p, 50));
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(five).name(f.name("life")))
        .await
        .unwrap_or_else(|e| panic!("allocate: {e}"));
    assert_eq!(eip.name.as_deref(), Some(f.name("life").as_str()));
    assert_eq!(eip.provider, p.kind());
    let eip = p
        .wait_until_available(&eip.id, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(eip.status, EipStatus::Available);
    assert!(eip.binding.is_none());
    assert_eq!(eip.bandwidth_mbps, Some(five));

    let target = AssociateTarget::instance(&f.instances[0]);
    p.associate(&eip.id, &target)
        .await
        .unwrap_or_else(|e| panic!("associate: {e}"));
    let bound = p
        .wait_until_bound_to(&eip.id, &target, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait bound: {e}"));
    let binding = bound
        .binding
        .clone()
        .unwrap_or_else(|| panic!("no binding: {bound:?}"));
    assert_eq!(
        binding.instance_id.as_deref(),
        Some(f.instances[0].as_str())
    );
    assert_eq!(binding.kind, TargetKind::Instance);
    // No private IP is required of an instance binding: Alibaba's DescribeEipAddresses answers
    // `"PrivateIpAddress": ""` for `EcsInstance` bindings (see the sample output of Alibaba's
    // EIP SDK quick start, and aliyun/terraform-provider-alicloud
    // `alicloud/data_source_alicloud_eip_addresses.go`).
    assert_eq!(get(p, &eip.id).await.status, EipStatus::Bound);

    p.modify(
        &eip.id,
        &Modification::new().bandwidth(fifty).name(f.name("life2")),
    )
    .await
    .unwrap_or_else(|e| panic!("modify: {e}"));
    let modified = p
        .wait_until(&eip.id, &f.wait, |e| e.status.is_stable())
        .await
        .unwrap_or_else(|e| panic!("wait stable: {e}"));
    assert_eq!(modified.bandwidth_mbps, Some(fifty));
    assert_eq!(modified.name.as_deref(), Some(f.name("life2").as_str()));
    assert!(
        modified.is_bound_to(&target),
        "modify must not touch the binding"
    );

    p.disassociate(&eip.id, Some(&target))
        .await
        .unwrap_or_else(|e| panic!("disassociate: {e}"));
    let unbound = p
        .wait_until_available(&eip.id, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait unbound: {e}"));
    assert!(unbound.binding.is_none());

    p.release(&eip.id)
        .await
        .unwrap_or_else(|e| panic!("release: {e}"));
    p.wait_until_released(&eip.id, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait released: {e}"));
    assert!(matches!(p.get(&eip.id).await, Err(Error::NotFound { .. })));
    if let Some(emulator) = &f.emulator {
        assert!(
            emulator.held().is_empty(),
            "nothing leaked: {:?}",
            emulator.held()
        );
    }
}

/// 250 addresses over several pages: each exactly once, the same set the cloud holds
/// (emulator only: 250 real addresses cost money).
pub async fn pagination_over_250(p: &dyn EipProvider, f: &Fixture) {
    let Some(emulator) = &f.emulator else {
        return;
    };
    emulator
        .seed(250)
        .unwrap_or_else(|e| panic!("seeding refused: {e}"));
    let page = p.capabilities().max_page_size.clamp(1, 100);
    let listed: Vec<_> = p
        .list(&ListFilter::new(), ListOptions::default().page_size(page))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("list: {e}"));
    let ids: HashSet<_> = listed.iter().map(|e| e.id.clone()).collect();
    assert_eq!(listed.len(), 250, "every address once");
    assert_eq!(ids.len(), 250);
    let held: HashSet<_> = emulator.held().into_iter().collect();
    assert_eq!(ids, held);
}

/// Filters by status, name, bound instance, ids and addresses.
pub async fn filters(p: &dyn EipProvider, f: &Fixture) {
    let a = allocate(p, f, "fa").await;
    let b = allocate(p, f, "fb").await;
    let c = allocate(p, f, "fc").await;
    bind(p, f, &a, &f.instances[0]).await;
    let collect = |filter: ListFilter| async move {
        let mut ids: Vec<String> = p
            .list(&filter, ListOptions::default())
            .map_ok(|e| e.id)
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("list: {e}"));
        ids.sort();
        ids
    };
    assert_eq!(
        collect(ListFilter::new().status(EipStatus::Bound)).await,
        vec![a.clone()]
    );
    assert_eq!(
        collect(ListFilter::new().name(f.name("fb"))).await,
        vec![b.clone()]
    );
    assert_eq!(
        collect(ListFilter::new().bound_to(AssociateTarget::instance(&f.instances[0]))).await,
        vec![a.clone()]
    );
    let mut two = vec![b.clone(), c.clone()];
    two.sort();
    assert_eq!(
        collect(ListFilter::new().ids([b.clone(), c.clone()])).await,
        two
    );
    let address = get(p, &c).await.address;
    assert_eq!(
        collect(ListFilter::new().addresses([address])).await,
        vec![c.clone()]
    );
    let available = collect(ListFilter::new().status(EipStatus::Available)).await;
    assert!(available.contains(&b) && available.contains(&c) && !available.contains(&a));
}

/// Unknown addresses are `NotFound` for reads and writes alike; a failed bind changes nothing.
pub async fn not_found(p: &dyn EipProvider, f: &Fixture) {
    let missing = "eip-0000doesnotexist";
    assert!(matches!(p.get(missing).await, Err(Error::NotFound { .. })));
    assert!(matches!(
        p.release(missing).await,
        Err(Error::NotFound { .. })
    ));
    let target = AssociateTarget::instance(&f.instances[0]);
    assert!(matches!(
        p.associate(missing, &target).await,
        Err(Error::NotFound { .. })
    ));
    let id = allocate(p, f, "nf").await;
    let ghost = AssociateTarget::instance("i-0000doesnotexist");
    assert!(matches!(
        p.associate(&id, &ghost).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        get(p, &id).await.status,
        EipStatus::Available,
        "a failed bind changes nothing"
    );
}

/// Releasing a bound address is refused, and the address stays bound.
pub async fn release_while_bound_is_refused(p: &dyn EipProvider, f: &Fixture) {
    let id = allocate(p, f, "rb").await;
    bind(p, f, &id, &f.instances[0]).await;
    match p.release(&id).await {
        Err(Error::InvalidState { .. }) => {}
        other => panic!("expected InvalidState, got {other:?}"),
    }
    assert!(
        get(p, &id)
            .await
            .is_bound_to(&AssociateTarget::instance(&f.instances[0])),
        "no silent unbind"
    );
}

/// An instance holds one address; a bound address cannot be bound elsewhere; a fenced unbind
/// from the wrong instance does nothing.
pub async fn association_conflicts(p: &dyn EipProvider, f: &Fixture) {
    let first = allocate(p, f, "ac1").await;
    let second = allocate(p, f, "ac2").await;
    bind(p, f, &first, &f.instances[0]).await;
    let a = AssociateTarget::instance(&f.instances[0]);
    let b = AssociateTarget::instance(&f.instances[1]);
    assert!(matches!(
        p.associate(&second, &a).await,
        Err(Error::AlreadyAssociated { .. })
    ));
    assert!(matches!(
        p.associate(&first, &b).await,
        Err(Error::AlreadyAssociated { .. } | Error::InvalidState { .. })
    ));
    assert!(get(p, &first).await.is_bound_to(&a));
    assert_eq!(get(p, &second).await.status, EipStatus::Available);
    assert!(matches!(
        p.disassociate(&first, Some(&b)).await,
        Err(Error::Conflict { .. })
    ));
    assert!(get(p, &first).await.is_bound_to(&a));
}

/// A wait for a state that never comes ends with the last state seen.
pub async fn waits_time_out(p: &dyn EipProvider, f: &Fixture) {
    let id = allocate(p, f, "wt").await;
    let policy = WaitPolicy::default().max_wait(Duration::from_millis(300));
    match p.wait_for_status(&id, EipStatus::Bound, &policy).await {
        Err(Error::WaitTimeout {
            last: Some(last), ..
        }) => assert_eq!(last.status, EipStatus::Available),
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
}

/// The same idempotency key twice gives the same address, never a second one.
pub async fn idempotent_allocate(p: &dyn EipProvider, f: &Fixture) {
    let key = format!("{}-idem-key", f.run_id);
    let request = AllocateRequest::new()
        .bandwidth(bandwidth(p, 5))
        .name(f.name("idem"))
        .idempotency_key(key);
    let first = p
        .allocate(&request)
        .await
        .unwrap_or_else(|e| panic!("first: {e}"));
    let second = p
        .allocate(&request)
        .await
        .unwrap_or_else(|e| panic!("second: {e}"));
    assert_eq!(first.id, second.id);
    if let Some(emulator) = &f.emulator {
        assert_eq!(emulator.held().len(), 1, "exactly one address exists");
    }
}

/// A move from A to B happens only if the address is on A; a stale mover gets a conflict.
pub async fn fenced_move(p: &dyn EipProvider, f: &Fixture) {
    let id = allocate(p, f, "mv").await;
    bind(p, f, &id, &f.instances[0]).await;
    let (a, b) = (
        AssociateTarget::instance(&f.instances[0]),
        AssociateTarget::instance(&f.instances[1]),
    );
    let report = p
        .move_to(&id, &a, &b, &MoveOptions::with_wait(f.wait.clone()))
        .await
        .unwrap_or_else(|e| panic!("move: {e}"));
    assert!(report.eip.is_bound_to(&b));
    assert!(
        report.disassociate_accepted <= report.unbound
            && report.unbound <= report.associate_accepted
    );
    assert!(report.associate_accepted <= report.bound);
    // A second mover that still believes the address is on A must not touch it.
    let c = AssociateTarget::instance(f.instances.get(2).unwrap_or(&f.instances[1]));
    assert!(matches!(
        p.move_to(&id, &a, &c, &MoveOptions::with_wait(f.wait.clone()))
            .await,
        Err(Error::Conflict { .. })
    ));
    assert!(get(p, &id).await.is_bound_to(&b));
}

/// What a provider says it cannot do is refused before any request.
pub async fn capabilities_are_respected(p: &dyn EipProvider, f: &Fixture) {
    let caps = p.capabilities().clone();
    let before = f.requests();
    let too_much = caps.bandwidth_mbps.end().saturating_add(1);
    assert!(matches!(
        p.allocate(&AllocateRequest::new().bandwidth(too_much)).await,
        Err(Error::InvalidInput { field, .. }) if field == "bandwidth_mbps"
    ));
    let unsupported = [
        AssociateTarget::HighAvailabilityVip {
            id: "havip-1".into(),
        },
        AssociateTarget::NatGateway { id: "ngw-1".into() },
        AssociateTarget::LoadBalancer { id: "lb-1".into() },
        AssociateTarget::PrivateIp {
            address: std::net::IpAddr::from([10, 0, 0, 9]),
        },
    ];
    for target in unsupported {
        let supported = match &target {
            AssociateTarget::PrivateIp { .. } => caps.private_ip_targets,
            other => caps.targets.contains(&other.kind()),
        };
        if !supported {
            assert!(
                matches!(
                    p.associate("eip-x1", &target).await,
                    Err(Error::Unsupported { .. })
                ),
                "{target}"
            );
        }
    }
    if caps.description_rule.is_none() {
        assert!(matches!(
            p.allocate(&AllocateRequest::new().description("front door"))
                .await,
            Err(Error::Unsupported { .. })
        ));
    }
    assert_eq!(f.requests(), before, "refused input sends nothing");
}

/// Tags and descriptions, where the provider says it supports them: given at allocation, they
/// read back as given, and a tag filter finds the address.
pub async fn attributes_the_provider_supports(p: &dyn EipProvider, f: &Fixture) {
    let caps = p.capabilities().clone();
    if caps.max_tags() == 0 && caps.description_rule.is_none() {
        return;
    }
    let mut request = AllocateRequest::new()
        .bandwidth(bandwidth(p, 5))
        .name(f.name("attr"));
    if caps.max_tags() > 0 {
        request = request.tag("suite", f.run_id.clone());
    }
    if caps.description_rule.is_some() {
        request = request.description("front door");
    }
    let eip = p
        .allocate(&request)
        .await
        .unwrap_or_else(|e| panic!("allocate: {e}"));
    let eip = p
        .wait_until_available(&eip.id, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait: {e}"));
    if caps.description_rule.is_some() {
        assert_eq!(eip.description.as_deref(), Some("front door"));
    }
    if caps.max_tags() > 0 {
        assert_eq!(eip.tags.get("suite"), Some(&f.run_id));
        let tagged: Vec<String> = p
            .list(
                &ListFilter::new().tag("suite", f.run_id.clone()),
                ListOptions::default(),
            )
            .map_ok(|e| e.id)
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("list by tag: {e}"));
        assert_eq!(tagged, vec![eip.id.clone()]);
    }
}

/// Tags set after allocation read back as set; a second change overwrites one and removes
/// another; a change with nothing in it is refused before any request.
pub async fn tags_round_trip(p: &dyn EipProvider, f: &Fixture) {
    if p.capabilities().tags.is_none() {
        return;
    }
    let id = allocate(p, f, "tags").await;
    p.set_tags(&id, &TagChange::new().add("team", "web").add("env", "test"))
        .await
        .unwrap_or_else(|e| panic!("set_tags add: {e}"));
    // Read back through the waiter: a real cloud's reads may lag its writes.
    let tagged = p
        .wait_until(&id, &f.wait, |e| {
            e.tags.get("team").is_some_and(|v| v == "web")
                && e.tags.get("env").is_some_and(|v| v == "test")
        })
        .await
        .unwrap_or_else(|e| panic!("tags never read back: {e}"));
    assert_eq!(tagged.tags.get("team").map(String::as_str), Some("web"));
    assert_eq!(tagged.tags.get("env").map(String::as_str), Some("test"));
    p.set_tags(&id, &TagChange::new().add("team", "api").remove("env"))
        .await
        .unwrap_or_else(|e| panic!("set_tags overwrite and remove: {e}"));
    let changed = p
        .wait_until(&id, &f.wait, |e| {
            e.tags.get("team").is_some_and(|v| v == "api") && !e.tags.contains_key("env")
        })
        .await
        .unwrap_or_else(|e| panic!("the tag change never read back: {e}"));
    assert_eq!(changed.tags.get("team").map(String::as_str), Some("api"));
    assert!(!changed.tags.contains_key("env"), "{:?}", changed.tags);
    let before = f.requests();
    assert!(matches!(
        p.set_tags(&id, &TagChange::new()).await,
        Err(Error::InvalidInput { field, .. }) if field == "tags"
    ));
    assert_eq!(f.requests(), before, "refused input sends nothing");
}

/// A tag set after allocation is what a tag filter finds: only the tagged address, and both
/// once the other is tagged too.
pub async fn tag_filter(p: &dyn EipProvider, f: &Fixture) {
    if p.capabilities().tags.is_none() {
        return;
    }
    let a = allocate(p, f, "tfa").await;
    let b = allocate(p, f, "tfb").await;
    let owner = TagChange::new().add("owner", f.run_id.clone());
    p.set_tags(&a, &owner)
        .await
        .unwrap_or_else(|e| panic!("tag {a}: {e}"));
    let filter = ListFilter::new().tag("owner", f.run_id.clone());
    // Listed through the waiter's schedule until the filter finds what is expected: a real
    // cloud's tag index may lag its writes. What it found last is what is asserted.
    let listed_as = |filter: ListFilter, expected: Vec<String>| async move {
        let found = eip_core::wait::poll(&f.wait, || {
            let (filter, expected) = (filter.clone(), expected.clone());
            async move {
                let mut ids: Vec<String> = p
                    .list(&filter, ListOptions::default())
                    .map_ok(|e| e.id)
                    .try_collect()
                    .await?;
                ids.sort();
                Ok(if ids == expected {
                    eip_core::wait::Progress::Done(ids)
                } else {
                    eip_core::wait::Progress::Pending(None)
                })
            }
        })
        .await;
        found.unwrap_or_else(|e| panic!("list by tag never found {expected:?}: {e}"))
    };
    assert_eq!(
        listed_as(filter.clone(), vec![a.clone()]).await,
        vec![a.clone()]
    );
    p.set_tags(&b, &owner)
        .await
        .unwrap_or_else(|e| panic!("tag {b}: {e}"));
    let mut both = vec![a, b];
    both.sort();
    assert_eq!(listed_as(filter, both.clone()).await, both);
}

/// An address joins the fixture's shared bandwidth and reads back as shared (naming it), then
/// leaves it with a dedicated bandwidth of the size asked.
pub async fn shared_bandwidth_join_leave(p: &dyn EipProvider, f: &Fixture) {
    if !p.capabilities().shared_bandwidth {
        return;
    }
    let Some(shared) = &f.shared_bandwidth else {
        // A real account may have none to offer; the emulator always has one, so a missing one
        // there is a wiring mistake that must not pass as a skipped case.
        assert!(
            f.emulator.is_none(),
            "the emulator's fixture has no shared bandwidth (Fixture::with_shared_bandwidth)"
        );
        eprintln!("shared_bandwidth_join_leave skipped: the fixture names no shared bandwidth");
        return;
    };
    let id = allocate(p, f, "sbw").await;
    p.join_shared_bandwidth(&id, shared)
        .await
        .unwrap_or_else(|e| panic!("join {shared}: {e}"));
    let joined = p
        .wait_until(&id, &f.wait, |e| {
            e.bandwidth_kind == Some(BandwidthKind::Shared) && e.status.is_stable()
        })
        .await
        .unwrap_or_else(|e| panic!("wait shared: {e}"));
    assert_eq!(joined.bandwidth_id.as_deref(), Some(shared.as_str()));
    let mbps = bandwidth(p, 7);
    p.leave_shared_bandwidth(&id, &DedicatedBandwidth::new(mbps))
        .await
        .unwrap_or_else(|e| panic!("leave {shared}: {e}"));
    let left = p
        .wait_until(&id, &f.wait, |e| {
            e.bandwidth_kind == Some(BandwidthKind::Dedicated) && e.status.is_stable()
        })
        .await
        .unwrap_or_else(|e| panic!("wait dedicated: {e}"));
    assert_ne!(left.bandwidth_id.as_deref(), Some(shared.as_str()));
    assert_eq!(left.bandwidth_mbps, Some(mbps));
}

/// A sweep by name prefix: the dry run lists the unbound address and releases nothing; the
/// real run releases it and leaves the bound one bound.
pub async fn sweep_leaves_bound_addresses_alone(p: &dyn EipProvider, f: &Fixture) {
    let free = allocate(p, f, "sw-free").await;
    let bound = allocate(p, f, "sw-bound").await;
    bind(p, f, &bound, &f.instances[0]).await;
    let filter = SweepFilter::new().name_prefix(f.name("sw-"));
    let dry = eip_core::sweep(p, &filter, SweepMode::DryRun)
        .await
        .unwrap_or_else(|e| panic!("dry run: {e}"));
    let would: Vec<&str> = dry.would_release.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(would, [free.as_str()]);
    assert!(dry.released.is_empty());
    assert!(dry
        .skipped
        .iter()
        .any(|s| s.eip.id == bound && s.reason == SkipReason::Bound));
    assert_eq!(
        get(p, &free).await.status,
        EipStatus::Available,
        "a dry run releases nothing"
    );

    let run = eip_core::sweep(p, &filter, SweepMode::Release)
        .await
        .unwrap_or_else(|e| panic!("sweep: {e}"));
    let released: Vec<&str> = run.released.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(released, [free.as_str()], "failed: {:?}", run.failed);
    p.wait_until_released(&free, &f.wait)
        .await
        .unwrap_or_else(|e| panic!("wait released: {e}"));
    assert!(
        get(p, &bound)
            .await
            .is_bound_to(&AssociateTarget::instance(&f.instances[0])),
        "the bound address is still bound"
    );
    if let Some(emulator) = &f.emulator {
        assert_eq!(
            emulator.held(),
            vec![bound],
            "only the bound address remains"
        );
    }
}

async fn get(p: &dyn EipProvider, id: &str) -> eip_core::Eip {
    p.get(id).await.unwrap_or_else(|e| panic!("get {id}: {e}"))
}
