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
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, MoveOptions, RetryPolicy,
    Timeouts, WaitPolicy,
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
