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
