//! Two movers race to move the same address from A to two different instances.
//!
//! Always: the address is never bound to two targets and, once both movers are done, it is bound
//! to the target of a mover that reported success. Alibaba's unbind names the instance, a real
//! condition, so exactly one mover wins. Huawei v1 has no conditional unbind: the provider re-reads
//! the binding just before unbinding, and the residual race (both movers report success, the
//! second having unbound the first's fresh binding) is counted and written in RELIABILITY.md.

use std::time::Duration;

use multicloud_eip::{AllocateRequest, AssociateTarget, EipProviderExt, Error, MoveOptions};

use eip_testkit::{Auth, Cloud};

const TRIALS: usize = 50;

async fn race(cloud: Cloud) -> (usize, usize) {
    let sim = eip_testkit::sim_with(Duration::from_millis(10), 8).await;
    let p = eip_testkit::provider_with(&sim, cloud, Auth::Default, eip_testkit::fast_retry());
    let instances = eip_testkit::instances(&sim, cloud);
    let wait = eip_testkit::fast_wait();
    let options = MoveOptions::with_wait(wait.clone());
    let (a, b, c) = (
        AssociateTarget::instance(&instances[0]),
        AssociateTarget::instance(&instances[1]),
        AssociateTarget::instance(&instances[2]),
    );
    let (mut single_winner, mut both_won) = (0, 0);
    for trial in 0..TRIALS {
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5).name("race"))
            .await
            .unwrap();
        p.wait_until_available(&eip.id, &wait).await.unwrap();
        p.associate(&eip.id, &a).await.unwrap();
        p.wait_until_bound_to(&eip.id, &a, &wait).await.unwrap();

        let (to_b, to_c) = tokio::join!(
            p.move_to(&eip.id, &a, &b, &options),
            p.move_to(&eip.id, &a, &c, &options)
        );
        for outcome in [&to_b, &to_c] {
            if let Err(e) = outcome {
                assert!(
                    matches!(
                        e,
                        Error::Conflict { .. }
                            | Error::AlreadyAssociated { .. }
                            | Error::InvalidState { .. }
                    ),
                    "{cloud:?} trial {trial}: a losing mover gets a typed conflict, got {e:?}"
                );
            }
        }
        // Let any transition a loser started settle, then look.
        let settled = p
            .wait_until(&eip.id, &wait, |e| e.status.is_stable())
            .await
            .unwrap();
        let holders = sim
            .inventory()
            .into_iter()
            .filter(|i| i.id == eip.id)
            .count();
        assert_eq!(holders, 1, "one address");
        match (to_b.is_ok(), to_c.is_ok()) {
            (true, false) => assert!(
                settled.is_bound_to(&b),
                "{cloud:?} trial {trial}: winner B holds it, got {:?}",
                settled.binding
            ),
            (false, true) => assert!(
                settled.is_bound_to(&c),
                "{cloud:?} trial {trial}: winner C holds it, got {:?}",
                settled.binding
            ),
            (true, true) => {
                assert_eq!(
                    cloud,
                    Cloud::Huawei,
                    "Alibaba's fence is server-side: never two winners"
                );
                assert!(
                    settled.is_bound_to(&b) || settled.is_bound_to(&c),
                    "bound to one of the winners"
                );
                both_won += 1;
            }
            (false, false) => {
                panic!("{cloud:?} trial {trial}: both movers failed: {to_b:?} / {to_c:?}")
            }
        }
        if to_b.is_ok() != to_c.is_ok() {
            single_winner += 1;
        }
        // Clean up.
        if settled.binding.is_some() {
            p.disassociate(&eip.id, None).await.unwrap();
            p.wait_until_available(&eip.id, &wait).await.unwrap();
        }
        p.release(&eip.id).await.unwrap();
        p.wait_until_released(&eip.id, &wait).await.unwrap();
    }
    assert!(sim.inventory().is_empty());
    println!("move race {cloud:?}: {TRIALS} trials, {single_winner} with exactly one winner, {both_won} with both movers reporting success");
    (single_winner, both_won)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_race_alibaba_has_exactly_one_winner() {
    let (single, both) = race(Cloud::Alibaba).await;
    assert_eq!((single, both), (TRIALS, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_race_huawei_never_double_binds() {
    let (single, both) = race(Cloud::Huawei).await;
    assert_eq!(single + both, TRIALS);
}

/// The race above with a quarter of all writes delivered late (held unanswered past the
/// client's attempt timeout, then applied) and reads lagging writes, on the compressed
/// realistic timings. After each trial the late writes are given time to land; then the address
/// is held once, and whenever a mover reported success it is bound to a winner's target: a late
/// unbind never undoes a reported move (a mover whose unbind lost its answer waits until it can no
/// longer land before it binds or reports). Returns (one winner, two winners, none).
async fn race_with_late_delivery(cloud: Cloud) -> (usize, usize, usize) {
    use crate::realistic;
    use multicloud_eip::retry::RetryStats;
    use multicloud_eip::sim::Realistic;
    use std::sync::Arc;

    const LATE_TRIALS: usize = 8;
    let profile = Realistic {
        commit_then_error: 0.0,
        late_delivery: 0.25,
        quotas: Vec::new(),
        ..Realistic::default()
    };
    let sim = realistic::realistic_sim(profile.clone(), 4).await;
    let stats = Arc::new(RetryStats::default());
    let p = realistic::provider(&sim, cloud, realistic::policy(cloud, &profile, stats));
    let names = realistic::bind_names(&sim, cloud);
    let instances = eip_testkit::instances(&sim, cloud);
    let wait = realistic::wait();
    let options = MoveOptions::with_wait(wait.clone());
    let (a, b, c) = (
        AssociateTarget::instance(&instances[0]),
        AssociateTarget::instance(&instances[1]),
        AssociateTarget::instance(&instances[2]),
    );
    let landed = (profile.late_delivery_after + profile.read_lag).mul_f64(realistic::SCALE * 2.0);
    let (mut one, mut both, mut none) = (0, 0, 0);
    for trial in 0..LATE_TRIALS {
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5).name("late-race"))
            .await
            .unwrap();
        p.wait_until_available(&eip.id, &wait).await.unwrap();
        p.associate(&eip.id, &a).await.unwrap();
        p.wait_until_bound_to(&eip.id, &a, &wait).await.unwrap();

        let (to_b, to_c) = tokio::join!(
            p.move_to(&eip.id, &a, &b, &options),
            p.move_to(&eip.id, &a, &c, &options)
        );
        tokio::time::sleep(landed).await;
        let held: Vec<_> = sim
            .inventory()
            .into_iter()
            .filter(|i| i.id == eip.id)
            .collect();
        assert_eq!(held.len(), 1, "{cloud:?} trial {trial}: one address");
        let bound = held[0].bound_to.clone();
        let port_of = |t: &str| names.get(t).cloned();
        let winners: Vec<Option<String>> = [(&to_b, &instances[1]), (&to_c, &instances[2])]
            .into_iter()
            .filter(|(outcome, _)| outcome.is_ok())
            .map(|(_, target)| port_of(target))
            .collect();
        if !winners.is_empty() {
            assert!(
                bound.is_some() && winners.contains(&bound),
                "{cloud:?} trial {trial}: a mover reported success, the address is bound to {bound:?} \
                 (winners {winners:?}; outcomes {to_b:?} / {to_c:?})"
            );
        }
        match winners.len() {
            2 => both += 1,
            1 => one += 1,
            _ => none += 1,
        }
        if bound.is_some() {
            p.disassociate(&eip.id, None).await.unwrap();
            p.wait_until_available(&eip.id, &wait).await.unwrap();
        }
        p.release(&eip.id).await.unwrap();
        p.wait_until_released(&eip.id, &wait).await.unwrap();
    }
    tokio::time::sleep(landed).await;
    assert!(
        eip_testkit::inventory(&sim, cloud).is_empty(),
        "{cloud:?}: nothing left"
    );
    let injected = sim.faults().stats();
    println!(
        "late-delivery move race {cloud:?}: {LATE_TRIALS} trials, {one} with one winner, {both} with two (bound to the later), {none} with none, 0 left unbound after a reported move; {} late deliveries, {} lagged reads",
        injected.late_delivery, injected.read_lag
    );
    assert!(injected.late_delivery > 0, "late delivery fired");
    (one, both, none)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_race_with_late_delivery_alibaba() {
    let (_, both, _) = race_with_late_delivery(Cloud::Alibaba).await;
    assert_eq!(
        both, 0,
        "Alibaba's unbind names the instance: never two winners"
    );
}

/// The full guarantee on Huawei, whose v1 unbind has no condition: never unbound after a
/// reported move, whatever the loser's late unbind does. Two winners (the address on the later
/// one) remain possible and are counted, as RELIABILITY.md states.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_race_with_late_delivery_huawei_never_unbound_after_success() {
    let (one, both, _) = race_with_late_delivery(Cloud::Huawei).await;
    // Without a reported move the guarantee above is never put to the test.
    assert!(
        one + both > 0,
        "Huawei: no move reported success in any trial"
    );
}
