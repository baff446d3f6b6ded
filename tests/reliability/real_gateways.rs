//! How real gateways fail, one case each, on both clouds where the providers' own suites do not
//! already cover it: creates delivered late or answered 504 for a while, two processes
//! allocating with one key, an address invisible after its create, a move whose unbind lands
//! late, and the requests one move costs with second-scale transitions.

use std::sync::Arc;
use std::time::Duration;

use multicloud_eip::retry::SettlePolicy;
use multicloud_eip::sim::{FaultKind, FaultRule, Realistic, Sim, Trigger};
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, MoveOptions, RetryPolicy,
    Timeouts,
};

use eip_testkit::{Cloud, CLOUDS};

/// The client gives up on an attempt after this long.
const ATTEMPT: Duration = Duration::from_millis(250);
/// A late write lands this long after it arrived: after the client gave up on it.
const LATE: Duration = Duration::from_millis(500);

fn timeouts() -> Timeouts {
    Timeouts::new(Duration::from_secs(2), ATTEMPT, Duration::from_secs(30))
}

/// Settling that outlasts [`LATE`] (counted from the lost answer) plus a read lag of `lag`.
fn retry(lag: Duration) -> RetryPolicy {
    let mut settle = SettlePolicy::new(
        LATE + lag + Duration::from_millis(200),
        Duration::from_millis(25),
    );
    settle.max_reads = 96;
    eip_testkit::fast_retry().with_settle(settle)
}

fn provider(sim: &Sim, cloud: Cloud, retry: RetryPolicy) -> Arc<dyn EipProvider> {
    match cloud {
        Cloud::Alibaba => Arc::new(
            eip_testkit::alibaba_builder(sim)
                .with_retry(retry)
                .with_timeouts(timeouts())
                .build()
                .unwrap(),
        ),
        Cloud::Huawei => Arc::new(
            eip_testkit::huawei_builder(sim)
                .with_password(eip_testkit::huawei_password(sim))
                .with_retry(retry)
                .with_timeouts(timeouts())
                .build()
                .unwrap(),
        ),
    }
}

fn fault(sim: &Sim, cloud: Cloud, operation: &str, kind: FaultKind, trigger: Trigger) {
    sim.faults().add(
        FaultRule::new(kind, trigger)
            .cloud(cloud)
            .action(eip_testkit::action(cloud, operation)),
    );
}

/// What the emulator says address `id` is bound to (Huawei: the port).
fn bound_to(sim: &Sim, id: &str) -> Option<String> {
    sim.inventory()
        .into_iter()
        .find(|i| i.id == id)
        .and_then(|i| i.bound_to)
}

/// What the emulator reports an address bound to `instance` as bound to.
fn bind_name(sim: &Sim, cloud: Cloud, instance: &str) -> String {
    match cloud {
        Cloud::Alibaba => instance.to_owned(),
        Cloud::Huawei => sim
            .huawei()
            .servers
            .iter()
            .find(|s| s.id == instance)
            .map(|s| s.primary_port_id.clone())
            .unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_delivered_after_the_client_gave_up_leaves_exactly_one_eip() {
    for cloud in CLOUDS {
        for key in [None, Some("late-1")] {
            let sim = eip_testkit::sim().await;
            fault(
                &sim,
                cloud,
                "allocate",
                FaultKind::LateDelivery { delay: LATE },
                Trigger::Times(1),
            );
            let p = provider(&sim, cloud, retry(Duration::ZERO));
            let mut request = AllocateRequest::new().bandwidth(5);
            if let Some(key) = key {
                request = request.idempotency_key(key);
            }
            let outcome = p.allocate(&request).await;
            tokio::time::sleep(LATE).await;
            let held = eip_testkit::inventory(&sim, cloud);
            match (&outcome, cloud, key) {
                // Alibaba without a ClientToken has nothing to find the lost create by: the
                // error is returned (never a second create).
                (Err(e), Cloud::Alibaba, None) => {
                    assert!(e.outcome_unknown(), "{e:?}");
                    assert!(held.len() <= 1, "{cloud:?}: {held:?}");
                }
                (Ok(eip), _, _) => assert_eq!(held, vec![eip.id.clone()], "{cloud:?} key {key:?}"),
                (Err(e), _, _) => panic!("{cloud:?} key {key:?}: {e:?}"),
            }
            // Alibaba's create carries a ClientToken, so sending it again is safe; Huawei's
            // is not idempotent: a create that may have landed is never sent again.
            if cloud == Cloud::Huawei {
                assert_eq!(
                    eip_testkit::count(&sim, eip_testkit::action(cloud, "allocate")),
                    1,
                    "{cloud:?} key {key:?}: the create was sent again"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_504_by_a_slow_backend_for_a_while_leaves_exactly_one_eip() {
    for cloud in CLOUDS {
        let sim = eip_testkit::sim().await;
        // Every create is executed and answered 504 three times in a row.
        fault(
            &sim,
            cloud,
            "allocate",
            FaultKind::CommitThenError { status: 504 },
            Trigger::Times(3),
        );
        let p = provider(&sim, cloud, retry(Duration::ZERO));
        let eip = p
            .allocate(
                &AllocateRequest::new()
                    .bandwidth(5)
                    .idempotency_key("slow-1"),
            )
            .await
            .unwrap();
        assert_eq!(
            eip_testkit::inventory(&sim, cloud),
            vec![eip.id.clone()],
            "{cloud:?}"
        );
        // Alibaba's create carries a ClientToken, so sending it again is safe; Huawei's
        // is not idempotent: a create that may have landed is never sent again.
        if cloud == Cloud::Huawei {
            assert_eq!(
                eip_testkit::count(&sim, eip_testkit::action(cloud, "allocate")),
                1,
                "{cloud:?}: a committed create is never sent again"
            );
        }
    }
}

/// Two provider instances (two processes, no shared memory) allocate with one key at once.
async fn two_processes_with_one_key(cloud: Cloud) {
    {
        let sim = eip_testkit::sim().await;
        // Two provider instances: two processes, no shared memory.
        let (one, two) = (
            provider(&sim, cloud, retry(Duration::ZERO)),
            provider(&sim, cloud, retry(Duration::ZERO)),
        );
        let request = AllocateRequest::new()
            .bandwidth(5)
            .idempotency_key("deploy-9/eip");
        let (a, b) = tokio::join!(one.allocate(&request), two.allocate(&request));
        let (a, b) = (a.unwrap(), b.unwrap());
        // Let a loser's clean-up finish: its release is accepted at once, the address goes
        // after the emulator's release transition.
        let wait = eip_testkit::fast_wait();
        let _ = one.wait_until(&a.id, &wait, |e| e.status.is_stable()).await;
        let mut held = eip_testkit::inventory(&sim, cloud);
        for _ in 0..100 {
            if held.len() <= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            held = eip_testkit::inventory(&sim, cloud);
        }
        assert_eq!(held.len(), 1, "{cloud:?}: one address billed, got {held:?}");
        assert_eq!(
            (&a.id, &b.id),
            (&held[0], &held[0]),
            "{cloud:?}: both processes are given the address that exists"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_allocating_with_one_key_at_once_leave_one_eip_alibaba() {
    two_processes_with_one_key(Cloud::Alibaba).await;
}

/// Huawei's v1 create has no client token: both processes may find no stamped address and both
/// create; the provider's post-create reconciliation keeps one (the oldest) and the loser
/// releases its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_allocating_with_one_key_at_once_leave_one_eip_huawei() {
    two_processes_with_one_key(Cloud::Huawei).await;
}

/// When the read-back of a lost create is itself throttled, the loop reads again within the
/// settle window instead of giving up, so the create's 504 is not returned while the address
/// exists and is billed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_whose_first_read_back_is_throttled_is_still_adopted() {
    let sim = eip_testkit::sim().await;
    let cloud = Cloud::Huawei;
    fault(
        &sim,
        cloud,
        "allocate",
        FaultKind::CommitThenError { status: 504 },
        Trigger::Times(1),
    );
    fault(
        &sim,
        cloud,
        "list",
        FaultKind::Error(multicloud_eip::sim::InjectedError::Throttled),
        Trigger::Times(1),
    );
    let p = provider(&sim, cloud, retry(Duration::ZERO));
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    assert_eq!(eip_testkit::inventory(&sim, cloud), vec![eip.id]);
}

/// With `SettlePolicy::default()` (11 read-backs a second apart over a 10 s window) a write
/// answered 503 that did NOT take effect is proven so at the end of the window and sent again.
/// Takes ~10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_default_settle_policy_a_503_that_did_nothing_is_sent_again() {
    let sim = eip_testkit::sim().await;
    let cloud = Cloud::Huawei;
    fault(
        &sim,
        cloud,
        "allocate",
        FaultKind::Error(multicloud_eip::sim::InjectedError::Unavailable),
        Trigger::Times(1),
    );
    let retry = eip_testkit::fast_retry().with_settle(SettlePolicy::default());
    let p = provider(&sim, cloud, retry);
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    assert_eq!(eip_testkit::inventory(&sim, cloud), vec![eip.id]);
    assert_eq!(
        eip_testkit::count(&sim, eip_testkit::action(cloud, "allocate")),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_eip_invisible_for_a_while_is_allocated_and_waited_for() {
    // 2.5 s on a real cloud, compressed; the waiter's grace for NotFound is longer.
    let lag = Duration::from_millis(400);
    for cloud in CLOUDS {
        let sim = eip_testkit::sim().await;
        fault(
            &sim,
            cloud,
            "allocate",
            FaultKind::ReadLag { lag },
            Trigger::Times(1),
        );
        let p = provider(&sim, cloud, retry(lag));
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5).idempotency_key("lag-1"))
            .await
            .unwrap();
        let wait = eip_testkit::fast_wait().not_found_grace(Duration::from_secs(5));
        let ready = p.wait_until_available(&eip.id, &wait).await.unwrap();
        assert_eq!(ready.id, eip.id);
        assert_eq!(
            eip_testkit::inventory(&sim, cloud),
            vec![eip.id.clone()],
            "{cloud:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_whose_unbind_lands_late_ends_bound_to_its_target() {
    for cloud in CLOUDS {
        let sim = eip_testkit::sim().await;
        let p = provider(&sim, cloud, retry(Duration::ZERO));
        let instances = eip_testkit::instances(&sim, cloud);
        let (a, b) = (
            AssociateTarget::instance(&instances[0]),
            AssociateTarget::instance(&instances[1]),
        );
        let wait = eip_testkit::fast_wait();
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5))
            .await
            .unwrap();
        p.wait_until_available(&eip.id, &wait).await.unwrap();
        p.associate(&eip.id, &a).await.unwrap();
        p.wait_until_bound_to(&eip.id, &a, &wait).await.unwrap();
        // The move's unbind is held past the attempt timeout and applied late.
        fault(
            &sim,
            cloud,
            "disassociate",
            FaultKind::LateDelivery { delay: LATE },
            Trigger::Times(1),
        );
        let moved = p
            .move_to(&eip.id, &a, &b, &MoveOptions::with_wait(wait.clone()))
            .await;
        tokio::time::sleep(LATE * 2).await;
        let target = bind_name(&sim, cloud, &instances[1]);
        match moved {
            Ok(_) => assert_eq!(
                bound_to(&sim, &eip.id),
                Some(target),
                "{cloud:?}: a move reported done stays bound to its target"
            ),
            Err(e) => panic!("{cloud:?}: the move failed: {e:?}"),
        }
    }
}

/// Requests one move costs with 5 s transitions (compressed), on a cold provider and on one
/// that has seen a move: the budget is ≤ 30 cold and ≤ 12 for EVERY later move (not only the
/// last), each move ending bound to its target in the emulator's inventory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_move_with_second_scale_transitions_costs_a_bounded_number_of_requests() {
    const SCALE: f64 = 0.03;
    for cloud in CLOUDS {
        let profile = Realistic {
            commit_then_error: 0.0,
            late_delivery: 0.0,
            read_lag: Duration::ZERO,
            quotas: Vec::new(),
            transitions: multicloud_eip::sim::TransitionTime::Fixed(Duration::from_secs(5)),
            ..Realistic::default()
        };
        let sim = eip_testkit::start(
            multicloud_eip::sim::SimBuilder::new()
                .profile(profile)
                .time_scale(SCALE),
        )
        .await;
        let p = provider(&sim, cloud, retry(Duration::ZERO));
        let instances = eip_testkit::instances(&sim, cloud);
        let (a, b) = (
            AssociateTarget::instance(&instances[0]),
            AssociateTarget::instance(&instances[1]),
        );
        let wait = multicloud_eip::WaitPolicy::default().max_wait(Duration::from_secs(20));
        let options = MoveOptions::with_wait(wait.clone());
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5))
            .await
            .unwrap();
        p.wait_until_available(&eip.id, &wait).await.unwrap();
        p.associate(&eip.id, &a).await.unwrap();
        p.wait_until_bound_to(&eip.id, &a, &wait).await.unwrap();
        let vpc = |sim: &Sim| {
            sim.requests()
                .iter()
                .filter(|r| r.cloud == cloud && !r.action.starts_with("Keystone"))
                .count()
        };
        let names = crate::realistic::bind_names(&sim, cloud);
        let mut costs = Vec::new();
        for (from, to) in [(&a, &b), (&b, &a), (&a, &b), (&b, &a), (&a, &b)] {
            let before = vpc(&sim);
            p.move_to(&eip.id, from, to, &options).await.unwrap();
            costs.push(vpc(&sim) - before);
            let held: Vec<_> = sim
                .inventory()
                .into_iter()
                .filter(|i| i.id == eip.id)
                .collect();
            assert_eq!(held.len(), 1, "{cloud:?}: one address");
            assert_eq!(
                held[0].bound_to,
                to.id().and_then(|t| names.get(t)).cloned(),
                "{cloud:?}: bound to {to}"
            );
        }
        println!("{cloud:?}: one move with 5 s transitions (x{SCALE}) costs {costs:?} requests (first, then warm)");
        assert!(
            costs[0] <= 30,
            "{cloud:?}: a cold move costs {costs:?} requests"
        );
        assert!(
            costs[1..].iter().all(|&n| n <= 12),
            "{cloud:?}: a warm move costs {costs:?} requests"
        );
    }
}

/// The most requests one call can make with the default policy's counts (10 attempts, 10
/// read-backs), driven to it: every Huawei create is answered 503 without effect and every
/// read-back proves it (a zero settle window, so each lost answer costs one read). No loop
/// nests inside another: the log shows exactly `max_requests_per_call()` requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_makes_at_most_max_requests_per_call() {
    let sim = eip_testkit::sim().await;
    let cloud = Cloud::Huawei;
    fault(
        &sim,
        cloud,
        "allocate",
        FaultKind::Error(multicloud_eip::sim::InjectedError::Unavailable),
        Trigger::Probability(1.0),
    );
    let defaults = RetryPolicy::default();
    let mut settle = SettlePolicy::new(Duration::ZERO, Duration::from_millis(1));
    settle.max_reads = defaults.settle.max_reads;
    let policy = defaults
        .delays(Duration::from_millis(1), Duration::from_millis(5))
        .with_settle(settle);
    assert_eq!(policy.max_requests_per_call(), 21);
    // AK/SK: no IAM request in the count.
    let p = eip_testkit::huawei_builder(&sim)
        .with_project_id(sim.huawei().project_id.clone())
        .with_access_key(eip_testkit::huawei_key(&sim))
        .with_retry(policy.clone())
        .build()
        .unwrap();
    let outcome = p.allocate(&AllocateRequest::new().bandwidth(5)).await;
    assert!(outcome.is_err(), "{outcome:?}");
    let requests = sim.requests();
    let creates = eip_testkit::count(&sim, "CreatePublicip");
    println!(
        "one call driven to the bound: {} requests ({creates} creates, {} read-backs)",
        requests.len(),
        requests.len() - creates
    );
    assert_eq!(creates, 10, "the default 10 attempts");
    // One read-back per lost answer (the window is zero): 20, within the stated bound of 21.
    assert_eq!(requests.len(), 20);
    assert!(requests.len() <= policy.max_requests_per_call() as usize);
    assert!(eip_testkit::inventory(&sim, cloud).is_empty());
}
