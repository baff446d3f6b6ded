//! 300 full lifecycles, 20 at a time, under 30 % throttling, 10 % 5xx, 5 % dropped connections and
//! latency jitter: every lifecycle completes, nothing leaks, nothing is duplicated.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use multicloud_eip::retry::RetryStats;
use multicloud_eip::sim::{FaultKind, FaultRule, InjectedError, Trigger};
use multicloud_eip::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, Error};

use eip_testkit::{Auth, Cloud};

const WORKERS: usize = 20;
const LIFECYCLES: usize = 300;

async fn lifecycle(p: &dyn EipProvider, instance: &str, key: String) -> Result<(), Error> {
    let wait = eip_testkit::fast_wait();
    let eip = p
        .allocate(
            &AllocateRequest::new()
                .bandwidth(5)
                .name("soak")
                .idempotency_key(key),
        )
        .await?;
    p.wait_until_available(&eip.id, &wait).await?;
    let target = AssociateTarget::instance(instance);
    p.associate(&eip.id, &target).await?;
    p.wait_until_bound_to(&eip.id, &target, &wait).await?;
    p.disassociate(&eip.id, Some(&target)).await?;
    p.wait_until_available(&eip.id, &wait).await?;
    p.release(&eip.id).await?;
    p.wait_until_released(&eip.id, &wait).await
}

async fn soak(cloud: Cloud) {
    let sim = eip_testkit::sim_with(Duration::from_millis(10), WORKERS).await;
    let stats = Arc::new(RetryStats::default());
    let provider = eip_testkit::provider_with(
        &sim,
        cloud,
        Auth::Default,
        // 30 % of every request throttled, a read-back before each retry of a write that may have
        // landed: an attempt can need two clean requests, so the loop gets room to outlast the
        // rates (one CI run in several exhausted 20 attempts on one call, and its lifecycle left
        // an address bound that failed the worker's later lifecycles).
        eip_testkit::fast_retry()
            .max_attempts(40)
            .budget(Duration::from_secs(120))
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
