//! The soak of RELIABILITY.md §1 (300 lifecycles, 20 at a time) under the emulator's realistic
//! profile, on both clouds: commit-then-504 on 10 % of writes, late delivery on 5 %, 2 s read
//! lag, Huawei's quota windows (per account and per client IP, sized for the run: see
//! [`SOAK_USER_LIMIT`]), 2–5 s transitions, the Neutron bind order — every duration compressed
//! by [`SCALE`] so the run stays under a minute.
//!
//! Asserted after every step: what the client reported is what the emulator holds (an allocate
//! that returned left exactly one address, a bind or a move that returned left the address bound
//! to its target); at the end nothing is left (0 duplicated, 0 leaked).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use multicloud_eip::limit::RateLimiter;
use multicloud_eip::retry::{RetryStats, SettlePolicy};
use multicloud_eip::sim::{QuotaScope, QuotaWindow, Realistic, Sim, SimBuilder};
use multicloud_eip::{
    AllocateRequest, AssociateTarget, DedicatedBandwidth, EipProvider, EipProviderExt, MoveOptions,
    RetryPolicy, TagChange, Timeouts, WaitPolicy,
};

use eip_testkit::Cloud;

/// Every emulated duration is multiplied by this: 5 s transitions take 150 ms, the 5-minute
/// Huawei quota window 9 s, a late delivery lands 450 ms after it arrived.
pub const SCALE: f64 = 0.03;
const WORKERS: usize = 20;
const LIFECYCLES: usize = 300;

/// The per-account window of the soak: the real answer and window length, the limit raised from
/// a default account's 200 per 5 minutes to 2,000. The soak makes about 7,000 requests: at 200 per
/// window that is 2.9 hours of real time (5.3 minutes at [`SCALE`]), not a test.
const SOAK_USER_LIMIT: u32 = 2_000;
/// The per-IP window of the soak, raised from 5 to 10 per second: every worker shares one client
/// IP (loopback), and at 5 per second (167 per second at [`SCALE`]) the requests alone take 54 s.
const SOAK_IP_LIMIT: u32 = 10;
/// The client's shared bucket, a little under the account window (a token bucket and a fixed
/// window do not line up).
const SOAK_LIMITER: u32 = 1_800;

/// The soak's profile: the realistic default with its quota windows sized for the run.
fn soak_profile() -> Realistic {
    Realistic {
        quotas: vec![
            (
                Cloud::Huawei,
                QuotaWindow::new(QuotaScope::User, SOAK_USER_LIMIT, Duration::from_secs(300)),
            ),
            (
                Cloud::Huawei,
                QuotaWindow::new(QuotaScope::Ip, SOAK_IP_LIMIT, Duration::from_secs(1)),
            ),
        ],
        ..Realistic::default()
    }
}

fn scaled(d: Duration) -> Duration {
    d.mul_f64(SCALE)
}

/// The realistic emulator, compressed, with `instances` instances / servers per cloud.
pub async fn realistic_sim(profile: Realistic, instances: usize) -> Sim {
    let mut alibaba = multicloud_eip::sim::AlibabaConfig::default();
    let mut huawei = multicloud_eip::sim::HuaweiConfig::default();
    eip_testkit::grow_alibaba(&mut alibaba, instances);
    eip_testkit::grow_huawei(&mut huawei, instances);
    eip_testkit::start(
        SimBuilder::new()
            .profile(profile)
            .time_scale(SCALE)
            .alibaba(alibaba)
            .huawei(huawei),
    )
    .await
}

/// An attempt gives up well before a late write lands, as a real client's would.
pub fn timeouts() -> Timeouts {
    Timeouts::new(
        Duration::from_secs(2),
        Duration::from_millis(300),
        Duration::from_secs(40),
    )
}

/// Settling outlasts a late delivery plus the read lag (counted from the lost answer, which
/// comes an attempt timeout after the send), with a margin.
pub fn settle(profile: &Realistic) -> SettlePolicy {
    let window =
        scaled(profile.late_delivery_after + profile.read_lag) + Duration::from_millis(300);
    let mut settle = SettlePolicy::new(window, Duration::from_millis(40));
    settle.max_reads = 96;
    settle
}

/// The client's retry policy under the profile: Huawei's limiter sized to the emulator's
/// (scaled) 5-minute window, a little under it since a token bucket and a fixed window do not
/// line up; Alibaba's profile has no account window, so no limiter.
pub fn policy(cloud: Cloud, profile: &Realistic, stats: Arc<RetryStats>) -> RetryPolicy {
    let limiter = match cloud {
        Cloud::Huawei => Some(Arc::new(RateLimiter::per_window(
            150,
            scaled(Duration::from_secs(300)),
        ))),
        Cloud::Alibaba => None,
    };
    eip_testkit::fast_retry()
        .max_attempts(30)
        .budget(Duration::from_secs(40))
        .with_settle(settle(profile))
        .with_stats(stats)
        .with_rate_limiter(limiter)
}

/// Waits that poll at the compressed transition time's pace.
pub fn wait() -> WaitPolicy {
    WaitPolicy::default()
        .intervals(Duration::from_millis(20), Duration::from_millis(150))
        .first_delay(Duration::from_millis(20))
        .max_wait(Duration::from_secs(30))
}

/// A provider of `cloud` on the realistic `sim`.
pub fn provider(sim: &Sim, cloud: Cloud, retry: RetryPolicy) -> Arc<dyn EipProvider> {
    let limiter = retry.limiter.clone();
    match cloud {
        Cloud::Alibaba => Arc::new(
            eip_testkit::alibaba_builder(sim)
                .with_retry(retry)
                .with_rate_limiter(limiter)
                .with_timeouts(timeouts())
                .build()
                .unwrap(),
        ),
        Cloud::Huawei => Arc::new(
            eip_testkit::huawei_builder(sim)
                // EPS (resource-group moves) is served on the emulator's VPC address.
                .with_eps_endpoint(sim.huawei().vpc_endpoint.clone())
                .with_password(eip_testkit::huawei_password(sim))
                .with_retry(retry)
                .with_rate_limiter(limiter)
                .with_timeouts(timeouts())
                .build()
                .unwrap(),
        ),
    }
}

/// What the emulator reports an address bound to, for each bind target id.
pub fn bind_names(sim: &Sim, cloud: Cloud) -> HashMap<String, String> {
    match cloud {
        Cloud::Alibaba => sim
            .alibaba()
            .instances
            .iter()
            .map(|i| (i.clone(), i.clone()))
            .collect(),
        Cloud::Huawei => sim
            .huawei()
            .servers
            .iter()
            .map(|s| (s.id.clone(), s.primary_port_id.clone()))
            .collect(),
    }
}

/// Where the emulator holds address `id` bound, or `Err` when it holds no such address.
fn held(sim: &Sim, id: &str) -> Result<Option<String>, String> {
    let items: Vec<_> = sim.inventory().into_iter().filter(|i| i.id == id).collect();
    match items.as_slice() {
        [one] => Ok(one.bound_to.clone()),
        _ => Err(format!(
            "{id}: the emulator holds {} such addresses",
            items.len()
        )),
    }
}

/// One lifecycle with a fenced move, checking each reported success against the emulator.
async fn lifecycle(
    sim: &Sim,
    p: &dyn EipProvider,
    names: &HashMap<String, String>,
    (a, b): (&str, &str),
    key: String,
) -> Result<(), String> {
    let wait = wait();
    let (ta, tb) = (AssociateTarget::instance(a), AssociateTarget::instance(b));
    let step = |what: &'static str| move |e: multicloud_eip::Error| format!("{what}: {e}");
    let eip = p
        .allocate(
            &AllocateRequest::new()
                .bandwidth(5)
                .name("realistic")
                .idempotency_key(key),
        )
        .await
        .map_err(step("allocate"))?;
    held(sim, &eip.id)?;
    p.wait_until_available(&eip.id, &wait)
        .await
        .map_err(step("wait available"))?;
    p.associate(&eip.id, &ta).await.map_err(step("associate"))?;
    p.wait_until_bound_to(&eip.id, &ta, &wait)
        .await
        .map_err(step("wait bound"))?;
    if held(sim, &eip.id)? != names.get(a).cloned() {
        return Err(format!(
            "{}: reported bound to {a}, emulator holds {:?}",
            eip.id,
            held(sim, &eip.id)?
        ));
    }
    p.move_to(&eip.id, &ta, &tb, &MoveOptions::with_wait(wait.clone()))
        .await
        .map_err(step("move"))?;
    if held(sim, &eip.id)? != names.get(b).cloned() {
        return Err(format!(
            "{}: move reported done to {b}, emulator holds {:?}",
            eip.id,
            held(sim, &eip.id)?
        ));
    }
    p.disassociate(&eip.id, Some(&tb))
        .await
        .map_err(step("disassociate"))?;
    p.wait_until_available(&eip.id, &wait)
        .await
        .map_err(step("wait unbound"))?;
    p.release(&eip.id).await.map_err(step("release"))?;
    p.wait_until_released(&eip.id, &wait)
        .await
        .map_err(step("wait released"))?;
    if sim.inventory().iter().any(|i| i.id == eip.id) {
        return Err(format!(
            "{}: release reported done, the address is still held",
            eip.id
        ));
    }
    Ok(())
}

async fn soak(cloud: Cloud) {
    let started = std::time::Instant::now();
    let profile = soak_profile();
    let sim = realistic_sim(profile.clone(), WORKERS * 2).await;
    let stats = Arc::new(RetryStats::default());
    let limiter = match cloud {
        Cloud::Huawei => Some(Arc::new(RateLimiter::per_window(
            SOAK_LIMITER,
            scaled(Duration::from_secs(300)),
        ))),
        Cloud::Alibaba => None,
    };
    let retry = policy(cloud, &profile, stats.clone()).with_rate_limiter(limiter);
    let p = provider(&sim, cloud, retry);
    let names = bind_names(&sim, cloud);
    let instances = eip_testkit::instances(&sim, cloud);
    let workers = (0..WORKERS).map(|w| {
        let (p, sim, names) = (p.clone(), &sim, &names);
        let (a, b) = (instances[2 * w].clone(), instances[2 * w + 1].clone());
        async move {
            let mut failures = Vec::new();
            for n in (w..LIFECYCLES).step_by(WORKERS) {
                let key = format!("realistic-{n}");
                if let Err(e) = lifecycle(sim, p.as_ref(), names, (&a, &b), key).await {
                    failures.push(format!("lifecycle {n}: {e}"));
                }
            }
            failures
        }
    });
    let failures: Vec<String> = join_all(workers).await.into_iter().flatten().collect();
    // Let every late write land before looking for leftovers.
    tokio::time::sleep(scaled(profile.late_delivery_after + profile.read_lag) * 2).await;
    let injected = sim.faults().stats();
    let leftovers: Vec<_> = sim
        .inventory()
        .into_iter()
        .filter(|i| i.cloud == cloud)
        .collect();
    let requests = sim.requests().len();
    let took = started.elapsed();
    println!(
        "realistic soak {cloud:?} (time scale {SCALE}, {took:.1?}): {LIFECYCLES} lifecycles with a move, {} failed; injected {} commit-then-504, {} late deliveries, {} lagged reads, {} quota refusals; {} attempts, {} retries; {requests} requests; {} left over",
        failures.len(),
        injected.commit_then_error,
        injected.late_delivery,
        injected.read_lag,
        injected.quota_throttled,
        stats.attempts(),
        stats.retries(),
        leftovers.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed lifecycles, the first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(leftovers.is_empty(), "leaked or duplicated: {leftovers:#?}");
    assert!(
        injected.commit_then_error > 0 && injected.late_delivery + injected.read_lag > 0,
        "the profile's faults fired: {injected:?}"
    );
    if cloud == Cloud::Huawei {
        assert!(
            injected.quota_throttled > 0,
            "Huawei's quota windows fired: {injected:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_soak_alibaba() {
    soak(Cloud::Alibaba).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_soak_huawei() {
    soak(Cloud::Huawei).await;
}

/// 20 failovers at once on one Huawei account under its 200-requests-per-5-minutes window
/// (compressed to 3 s): the provider's shared token bucket, sized under the window, paces them,
/// every move completes and ends bound to its target; the requests are counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_moves_under_one_quota_window_all_complete() {
    const MOVES: usize = 20;
    const FAST: f64 = 0.01;
    let cloud = Cloud::Huawei;
    let profile = Realistic {
        commit_then_error: 0.0,
        late_delivery: 0.0,
        ..Realistic::default()
    };
    let mut huawei = multicloud_eip::sim::HuaweiConfig::default();
    eip_testkit::grow_huawei(&mut huawei, MOVES * 2);
    let sim = eip_testkit::start(
        SimBuilder::new()
            .profile(profile.clone())
            .time_scale(FAST)
            .huawei(huawei),
    )
    .await;
    let window = Duration::from_secs(300).mul_f64(FAST);
    let stats = Arc::new(RetryStats::default());
    let retry = policy(cloud, &profile, stats.clone())
        .with_rate_limiter(Some(Arc::new(RateLimiter::per_window(150, window))));
    let p = provider(&sim, cloud, retry);
    let ids = eip_testkit::seed(&sim, cloud, MOVES);
    let names = bind_names(&sim, cloud);
    let servers = eip_testkit::instances(&sim, cloud);
    let wait = wait().max_wait(Duration::from_secs(60));
    let bound: Vec<_> = join_all(ids.iter().enumerate().map(|(n, id)| {
        let (p, wait) = (p.clone(), wait.clone());
        let a = AssociateTarget::instance(&servers[2 * n]);
        async move {
            p.associate(id, &a).await?;
            p.wait_until_bound_to(id, &a, &wait).await
        }
    }))
    .await;
    assert!(bound.iter().all(Result::is_ok), "{bound:?}");
    let before = sim.requests().len();
    let moved: Vec<_> = join_all(ids.iter().enumerate().map(|(n, id)| {
        let p = p.clone();
        let (a, b) = (
            AssociateTarget::instance(&servers[2 * n]),
            AssociateTarget::instance(&servers[2 * n + 1]),
        );
        let options = MoveOptions::with_wait(wait.clone());
        async move { p.move_to(id, &a, &b, &options).await }
    }))
    .await;
    let requests = sim.requests().len() - before;
    let refused = sim.faults().stats().quota_throttled;
    println!(
        "{MOVES} concurrent moves under a 200-per-{window:?} window: {} completed, {requests} requests for the moves ({:.1} per move), {refused} quota refusals in the whole run",
        moved.iter().filter(|m| m.is_ok()).count(),
        requests as f64 / MOVES as f64
    );
    for (n, (id, outcome)) in ids.iter().zip(&moved).enumerate() {
        assert!(outcome.is_ok(), "move {n}: {outcome:?}");
        let held = held(&sim, id).unwrap();
        assert_eq!(held, names.get(&servers[2 * n + 1]).cloned(), "move {n}");
    }
}

/// Addresses of the attribute rounds, each with its own shared bandwidth (an Alibaba package
/// refuses other addresses' changes while one is BINDING), worked at once.
const ATTRIBUTE_ADDRESSES: usize = 3;
/// Rounds per address: 30 in all.
const ATTRIBUTE_ROUNDS: usize = 10;

/// One address's attributes as the emulator holds them (control `eip`), or as a write asked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Attributes {
    tags: std::collections::BTreeMap<String, String>,
    group: String,
    /// The shared bandwidth it is in, if any.
    shared: Option<String>,
}

/// What the emulator holds for address `id`, read through its control API (no read lag).
fn held_attributes(sim: &Sim, cloud: Cloud, id: &str) -> Attributes {
    let (body, group, shared) = match cloud {
        Cloud::Alibaba => (
            serde_json::json!({ "allocation_id": id }),
            "resource_group_id",
            "package_id",
        ),
        Cloud::Huawei => (
            serde_json::json!({ "id": id }),
            "enterprise_project_id",
            "bandwidth_id",
        ),
    };
    let held = sim.control(cloud, "eip", body).unwrap();
    let tags = held["tags"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let in_shared = match cloud {
        Cloud::Alibaba => !held[shared].is_null(),
        Cloud::Huawei => held["share_type"] == "WHOLE",
    };
    Attributes {
        tags,
        group: held[group].as_str().unwrap().to_owned(),
        shared: in_shared.then(|| held[shared].as_str().unwrap().to_owned()),
    }
}

/// The outcomes of one kind of write on one address: the ask of the last reported success and
/// the asks of the failures after it (their effect is unknown, so any of them may hold).
struct Outcomes<T> {
    last_success: T,
    unknown_since: Vec<T>,
}

impl<T: Clone + PartialEq + std::fmt::Debug> Outcomes<T> {
    fn new(initial: T) -> Self {
        Self {
            last_success: initial,
            unknown_since: Vec::new(),
        }
    }

    fn record(&mut self, ask: T, outcome: &multicloud_eip::Result<()>) {
        match outcome {
            Ok(()) => {
                self.last_success = ask;
                self.unknown_since.clear();
            }
            Err(_) => self.unknown_since.push(ask),
        }
    }

    fn check(&self, what: &str, held: &T) -> Result<(), String> {
        if *held == self.last_success || self.unknown_since.contains(held) {
            Ok(())
        } else {
            Err(format!(
                "{what}: the emulator holds {held:?}, the last success asked {:?} (failed since: {:?})",
                self.last_success, self.unknown_since
            ))
        }
    }
}

/// A failure a client may report for an attribute write under the profile: a typed refusal or
/// an outcome it could not settle. A parse failure or a refusal of its own input is a bug.
fn typed_failure(error: &multicloud_eip::Error) -> bool {
    !matches!(
        error,
        multicloud_eip::Error::InvalidResponse { .. } | multicloud_eip::Error::InvalidInput { .. }
    )
}

/// `ATTRIBUTE_ROUNDS` rounds of tag add/remove, shared-bandwidth join and leave and a
/// resource-group move on address `id`; every change asks for an absolute state (the tags not
/// wanted are removed), so the emulator's final state is checkable whatever failed.
async fn attribute_rounds(
    sim: &Sim,
    cloud: Cloud,
    p: &dyn EipProvider,
    id: &str,
    shared: &str,
    groups: &[String],
) -> (Vec<String>, Vec<String>) {
    let initial = held_attributes(sim, cloud, id);
    let mut tags = Outcomes::new(initial.tags.clone());
    let mut group = Outcomes::new(initial.group.clone());
    let mut membership: Outcomes<Option<String>> = Outcomes::new(initial.shared.clone());
    let mut failures = Vec::new();
    let mut untyped = Vec::new();
    let mut note = |what: String, outcome: &multicloud_eip::Result<()>| {
        if let Err(e) = outcome {
            if !typed_failure(e) {
                untyped.push(format!("{what}: {e:?}"));
            }
            failures.push(format!("{what}: {e}"));
        }
    };
    for round in 0..ATTRIBUTE_ROUNDS {
        let wanted = format!("k{}", round % 3);
        let mut change = TagChange::new()
            .add("round", round.to_string())
            .add(wanted.clone(), "x");
        let mut ask = std::collections::BTreeMap::from([
            ("round".to_owned(), round.to_string()),
            (wanted.clone(), "x".to_owned()),
        ]);
        for other in (0..3).map(|n| format!("k{n}")).filter(|k| *k != wanted) {
            change = change.remove(other);
        }
        let outcome = p.set_tags(id, &change).await;
        note(format!("{id} round {round} set_tags"), &outcome);
        tags.record(std::mem::take(&mut ask), &outcome);

        let outcome = p.join_shared_bandwidth(id, shared).await;
        note(format!("{id} round {round} join"), &outcome);
        membership.record(Some(shared.to_owned()), &outcome);
        let outcome = p
            .leave_shared_bandwidth(id, &DedicatedBandwidth::new(5))
            .await;
        note(format!("{id} round {round} leave"), &outcome);
        membership.record(None, &outcome);

        let target = &groups[round % groups.len()];
        let outcome = p.move_resource_group(id, target).await;
        note(format!("{id} round {round} move_resource_group"), &outcome);
        group.record(target.clone(), &outcome);
    }
    // Let every late write land before reading what the emulator holds.
    tokio::time::sleep(scaled(Duration::from_secs(15) + Duration::from_secs(2)) * 2).await;
    let held = held_attributes(sim, cloud, id);
    let mut wrong = Vec::new();
    wrong.extend(tags.check(&format!("{id} tags"), &held.tags).err());
    wrong.extend(group.check(&format!("{id} group"), &held.group).err());
    wrong.extend(
        membership
            .check(&format!("{id} shared bandwidth"), &held.shared)
            .err(),
    );
    wrong.extend(untyped);
    (failures, wrong)
}

/// 30 rounds of attribute writes (tags, shared-bandwidth join and leave, resource-group move)
/// on three addresses at once under the soak's profile and time scale: what the emulator finally
/// holds is what the last reported success asked (or what a later failure asked, its outcome
/// being unknown), and every failure is a typed error.
async fn attribute_soak(cloud: Cloud) {
    let started = std::time::Instant::now();
    let profile = soak_profile();
    let mut alibaba = multicloud_eip::sim::AlibabaConfig::default();
    let mut huawei = multicloud_eip::sim::HuaweiConfig::default();
    let package = alibaba.bandwidth_packages[0].clone();
    let bandwidth = huawei.shared_bandwidths[0].clone();
    for n in alibaba.bandwidth_packages.len()..ATTRIBUTE_ADDRESSES {
        let mut extra = package.clone();
        extra.id = format!("cbwp-bp1kitcbwp{n:010}");
        alibaba.bandwidth_packages.push(extra);
    }
    for n in huawei.shared_bandwidths.len()..ATTRIBUTE_ADDRESSES {
        let mut extra = bandwidth.clone();
        extra.id = format!("3fa5b383-0000-4000-8000-{n:012}");
        huawei.shared_bandwidths.push(extra);
    }
    let sim = eip_testkit::start(
        SimBuilder::new()
            .profile(profile.clone())
            .time_scale(SCALE)
            .alibaba(alibaba)
            .huawei(huawei),
    )
    .await;
    let stats = Arc::new(RetryStats::default());
    let limiter = match cloud {
        Cloud::Huawei => Some(Arc::new(RateLimiter::per_window(
            SOAK_LIMITER,
            scaled(Duration::from_secs(300)),
        ))),
        Cloud::Alibaba => None,
    };
    let retry = policy(cloud, &profile, stats.clone()).with_rate_limiter(limiter);
    let p = provider(&sim, cloud, retry);
    let ids = eip_testkit::seed(&sim, cloud, ATTRIBUTE_ADDRESSES);
    let (shared, groups): (Vec<String>, Vec<String>) = match cloud {
        Cloud::Alibaba => (
            sim.alibaba().bandwidth_packages.clone(),
            sim.alibaba().resource_groups.clone(),
        ),
        Cloud::Huawei => (
            sim.huawei()
                .shared_bandwidths
                .iter()
                .map(|b| b.id.clone())
                .collect(),
            vec![
                "0a7f5bb4-9bd0-4c4b-bbdc-3cd2b1e9a0f1".to_owned(),
                "0".to_owned(),
            ],
        ),
    };
    let outcomes = join_all(
        ids.iter()
            .zip(&shared)
            .map(|(id, shared)| attribute_rounds(&sim, cloud, p.as_ref(), id, shared, &groups)),
    )
    .await;
    let (failures, wrong): (Vec<String>, Vec<String>) =
        outcomes
            .into_iter()
            .fold((Vec::new(), Vec::new()), |(mut f, mut w), (fs, ws)| {
                f.extend(fs);
                w.extend(ws);
                (f, w)
            });
    let injected = sim.faults().stats();
    println!(
        "realistic attribute rounds {cloud:?} (time scale {SCALE}, {:.1?}): {} rounds, {} failed writes; injected {} commit-then-504, {} late deliveries, {} lagged reads, {} quota refusals; {} attempts, {} retries; {} requests",
        started.elapsed(),
        ATTRIBUTE_ADDRESSES * ATTRIBUTE_ROUNDS,
        failures.len(),
        injected.commit_then_error,
        injected.late_delivery,
        injected.read_lag,
        injected.quota_throttled,
        stats.attempts(),
        stats.retries(),
        sim.requests().len()
    );
    for failure in &failures {
        println!("  failed: {failure}");
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(
        injected.commit_then_error + injected.late_delivery > 0,
        "the profile's faults reached the attribute writes: {injected:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_attribute_rounds_alibaba() {
    attribute_soak(Cloud::Alibaba).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_attribute_rounds_huawei() {
    attribute_soak(Cloud::Huawei).await;
}
