//! 300 full lifecycles, 20 at a time, under 30 % throttling, 10 % 5xx, 5 % dropped connections and
//! latency jitter: every lifecycle completes, nothing leaks, nothing is duplicated.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use multicloud_eip::retry::{RetryStats, SettlePolicy};
use multicloud_eip::sim::{FaultKind, FaultRule, InjectedError, Trigger};
use multicloud_eip::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, Error};

use eip_testkit::{Auth, Cloud};

const WORKERS: usize = 20;
const LIFECYCLES: usize = 300;

async fn lifecycle(p: &dyn EipProvider, instance: &str, key: String) -> Result<(), String> {
    let wait = eip_testkit::fast_wait();
    let step = |what: &'static str| move |e: Error| format!("{what}: {e}");
    let eip = p
        .allocate(
            &AllocateRequest::new()
                .bandwidth(5)
                .name("soak")
                .idempotency_key(key),
        )
        .await
        .map_err(step("allocate"))?;
    p.wait_until_available(&eip.id, &wait)
        .await
        .map_err(step("wait available"))?;
    let target = AssociateTarget::instance(instance);
    p.associate(&eip.id, &target)
        .await
        .map_err(step("associate"))?;
    p.wait_until_bound_to(&eip.id, &target, &wait)
        .await
        .map_err(step("wait bound"))?;
    p.disassociate(&eip.id, Some(&target))
        .await
        .map_err(step("disassociate"))?;
    p.wait_until_available(&eip.id, &wait)
        .await
        .map_err(step("wait unbound"))?;
    p.release(&eip.id).await.map_err(step("release"))?;
    p.wait_until_released(&eip.id, &wait)
        .await
        .map_err(step("wait released"))
}

/// Attempts per call.
const ATTEMPTS: u32 = 20;

/// The testkit's settling with a read budget sized to the attempts: every lost answer of a
/// write that did not land is read back over the whole window (16 reads), and with 15 % of
/// requests lost a call can meet several (a budget of 64 reads gave up on a release at its
/// fifth lost answer, with the attempts far from spent). So the attempts, not the read
/// budget, bound a call here.
fn settle() -> SettlePolicy {
    let mut settle = eip_testkit::fast_settle();
    let per_lost_answer = SettlePolicy::new(settle.window, settle.spacing).max_reads;
    settle.max_reads = ATTEMPTS.saturating_mul(per_lost_answer);
    settle
}

async fn soak(cloud: Cloud) {
    let sim = eip_testkit::sim_with(Duration::from_millis(10), WORKERS).await;
    let stats = Arc::new(RetryStats::default());
    let provider = eip_testkit::provider_with(
        &sim,
        cloud,
        Auth::Default,
        // 30 % of every request throttled and 15 % failed otherwise: 20 attempts of one request
        // each leave a call failing about once in 10 million. A fenced unbind's re-check read is
        // the loop's hook, not part of an attempt, so its retries need one clean request too.
        eip_testkit::fast_retry()
            .max_attempts(ATTEMPTS)
            .budget(Duration::from_secs(60))
            .with_settle(settle())
            .with_stats(stats.clone()),
    );
    let faults = sim.faults();
    let rule = |kind, p| FaultRule::new(kind, Trigger::Probability(p)).cloud(cloud);
    // The rules are tried in order and the first that fires wins, so the later probabilities are
    // conditional: 0.30, then 0.10 / 0.70 of the rest, then 0.05 / 0.60 of what remains.
    faults.add(rule(FaultKind::Error(InjectedError::Throttled), 0.30));
    faults.add(rule(
        FaultKind::Error(InjectedError::Unavailable),
        0.05 / 0.70,
    ));
    faults.add(rule(FaultKind::Error(InjectedError::Internal), 0.05 / 0.65));
    faults.add(rule(FaultKind::CloseConnection, 0.05 / 0.60));
    faults.add(rule(
        FaultKind::Latency {
            fixed: Duration::ZERO,
            jitter: Duration::from_millis(3),
        },
        1.0,
    ));

    let instances = eip_testkit::instances(&sim, cloud);
    let workers = (0..WORKERS).map(|w| {
        let provider = provider.clone();
        let instance = instances[w].clone();
        async move {
            let mut failures = Vec::new();
            for n in (w..LIFECYCLES).step_by(WORKERS) {
                if let Err(e) = lifecycle(provider.as_ref(), &instance, format!("soak-{n}")).await {
                    failures.push(format!("lifecycle {n}: {e}"));
                }
            }
            failures
        }
    });
    let failures: Vec<String> = join_all(workers).await.into_iter().flatten().collect();
    let injected = sim.faults().stats();
    faults.clear();
    let leftovers = sim.inventory();
    println!(
        "soak {cloud:?}: {LIFECYCLES} lifecycles, {} failed; injected {} throttled, {} 503, {} 500, {} closed, {} delayed; {} attempts, {} retries; {} leaked",
        failures.len(),
        injected.throttled,
        injected.unavailable,
        injected.internal,
        injected.closed_connections,
        injected.delayed,
        stats.attempts(),
        stats.retries(),
        leftovers.len()
    );
    assert!(failures.is_empty(), "failed lifecycles: {failures:#?}");
    assert!(
        leftovers.is_empty(),
        "leaked or duplicated addresses: {leftovers:#?}"
    );
    assert!(
        injected.throttled > 100 && injected.closed_connections > 10,
        "the faults really fired: {injected:?}"
    );
    assert!(stats.retries() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_alibaba() {
    soak(Cloud::Alibaba).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_huawei() {
    soak(Cloud::Huawei).await;
}

/// The cause of the soak's rare failure: a fenced unbind re-reads the binding before every
/// retry, and a throttled re-read used to fail its attempt, so each retry needed two clean
/// requests (under 30 % throttling about 0.45 · 0.7^19 ≈ 1 in 2,000 unbinds exhausted 20
/// attempts). Now a re-read that fails is read again without using up an attempt: with two
/// attempts, an unbind throttled once whose re-check is throttled three times still unbinds.
async fn a_throttled_recheck_keeps_the_unbinds_attempts(cloud: Cloud) {
    let sim = eip_testkit::sim().await;
    let p = eip_testkit::provider_with(
        &sim,
        cloud,
        Auth::Default,
        eip_testkit::fast_retry().max_attempts(2),
    );
    let wait = eip_testkit::fast_wait();
    let target = AssociateTarget::instance(&eip_testkit::instances(&sim, cloud)[0]);
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    p.wait_until_available(&eip.id, &wait).await.unwrap();
    p.associate(&eip.id, &target).await.unwrap();
    p.wait_until_bound_to(&eip.id, &target, &wait)
        .await
        .unwrap();

    let (read, unbind) = (
        eip_testkit::action(cloud, "get"),
        eip_testkit::action(cloud, "disassociate"),
    );
    let throttle = |action: &str, trigger| {
        FaultRule::new(FaultKind::Error(InjectedError::Throttled), trigger)
            .cloud(cloud)
            .action(action)
    };
    sim.faults().add(throttle(unbind, Trigger::Times(1)));
    // The fence read before the first attempt passes; the re-check before the second is
    // throttled three times.
    sim.faults().add(throttle(
        read,
        Trigger::Sequence(vec![false, true, true, true]),
    ));
    let before = sim.requests().len();
    p.disassociate(&eip.id, Some(&target)).await.unwrap();
    let actions: Vec<String> = sim.requests()[before..]
        .iter()
        .map(|r| r.action.clone())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == unbind).count(),
        2,
        "one throttled unbind, one that went through: {actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == read).count(),
        5,
        "the fence read, then three throttled re-checks and the one that passed: {actions:?}"
    );
    p.wait_until_available(&eip.id, &wait).await.unwrap();
    let held: Vec<_> = sim
        .inventory()
        .into_iter()
        .filter(|i| i.id == eip.id)
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].bound_to, None, "the unbind took effect");
}

#[tokio::test]
async fn a_throttled_recheck_keeps_the_unbinds_attempts_alibaba() {
    a_throttled_recheck_keeps_the_unbinds_attempts(Cloud::Alibaba).await;
}

#[tokio::test]
async fn a_throttled_recheck_keeps_the_unbinds_attempts_huawei() {
    a_throttled_recheck_keeps_the_unbinds_attempts(Cloud::Huawei).await;
}
