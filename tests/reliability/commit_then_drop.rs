//! Commit-then-drop on every mutating operation: the cloud applies the change but the answer is
//! lost. 50 trials per operation and provider; each must end correct and exactly once.

use std::time::Duration;

use multicloud_eip::sim::{FaultKind, FaultRule, Sim, Trigger};
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, EipStatus, Error, Modification,
};

use eip_testkit::{Auth, Cloud};

const TRIALS: usize = 50;

fn drop_next(sim: &Sim, cloud: Cloud, operation: &str) {
    sim.faults().clear();
    sim.faults().add(
        FaultRule::new(FaultKind::CommitThenDrop, Trigger::Times(1))
            .cloud(cloud)
            .action(eip_testkit::action(cloud, operation)),
    );
}

async fn fresh(p: &dyn EipProvider) -> String {
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5).name("ctd"))
        .await
        .unwrap();
    p.wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    eip.id
}

async fn trials(cloud: Cloud) {
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    let p = eip_testkit::provider_with(&sim, cloud, Auth::Default, eip_testkit::fast_retry());
    let p = p.as_ref();
    let wait = eip_testkit::fast_wait();
    let instance = eip_testkit::instances(&sim, cloud)[0].clone();
    let target = AssociateTarget::instance(&instance);

    for trial in 0..TRIALS {
        // allocate: one logical allocate is one address.
        drop_next(&sim, cloud, "allocate");
        let eip = p
            .allocate(&AllocateRequest::new().bandwidth(5).name("ctd"))
            .await
            .unwrap_or_else(|e| panic!("{cloud:?} allocate trial {trial}: {e}"));
        assert_eq!(sim.faults().stats().commit_then_drop, 1, "the fault fired");
        assert_eq!(
            sim.inventory().len(),
            1,
            "{cloud:?} allocate trial {trial}: exactly one address"
        );
        p.wait_until_available(&eip.id, &wait).await.unwrap();

        // associate: recognised as done.
        drop_next(&sim, cloud, "associate");
        p.associate(&eip.id, &target)
            .await
            .unwrap_or_else(|e| panic!("{cloud:?} associate trial {trial}: {e}"));
        p.wait_until_bound_to(&eip.id, &target, &wait)
            .await
            .unwrap();

        // modify: applied once, the answer lost.
        drop_next(&sim, cloud, "modify");
        p.modify(&eip.id, &Modification::new().name(format!("ctd{trial}")))
            .await
            .unwrap_or_else(|e| panic!("{cloud:?} modify trial {trial}: {e}"));
        let renamed = p
            .wait_until(&eip.id, &wait, |e| e.status.is_stable())
            .await
            .unwrap();
        assert_eq!(
            renamed.name.as_deref(),
            Some(format!("ctd{trial}").as_str())
        );

        // disassociate: recognised as done, not repeated into an error.
        drop_next(&sim, cloud, "disassociate");
        p.disassociate(&eip.id, Some(&target))
            .await
            .unwrap_or_else(|e| panic!("{cloud:?} disassociate trial {trial}: {e}"));
        let unbound = p.wait_until_available(&eip.id, &wait).await.unwrap();
        assert!(unbound.binding.is_none());

        // release: recognised as done.
        drop_next(&sim, cloud, "release");
        p.release(&eip.id)
            .await
            .unwrap_or_else(|e| panic!("{cloud:?} release trial {trial}: {e}"));
        p.wait_until_released(&eip.id, &wait).await.unwrap();
        assert!(matches!(p.get(&eip.id).await, Err(Error::NotFound { .. })));
        assert!(
            sim.inventory().is_empty(),
            "{cloud:?} trial {trial}: nothing leaked"
        );
    }
    // An address that is already bound elsewhere is still refused after a lost answer.
    sim.faults().clear();
    let other = fresh(p).await;
    let eip = fresh(p).await;
    p.associate(&other, &target).await.unwrap();
    p.wait_until_bound_to(&other, &target, &wait).await.unwrap();
    assert!(p.associate(&eip, &target).await.is_err());
    assert_eq!(p.get(&eip).await.unwrap().status, EipStatus::Available);
    println!("commit-then-drop {cloud:?}: {TRIALS} trials x 5 operations, all exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_then_drop_alibaba() {
    trials(Cloud::Alibaba).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_then_drop_huawei() {
    trials(Cloud::Huawei).await;
}
