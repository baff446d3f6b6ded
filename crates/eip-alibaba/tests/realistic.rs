//! Against the emulator's real-cloud failure modes: locked addresses, writes committed behind a
//! gateway error, and a short soak under the realistic profile (time-scaled so it stays short).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use eip_core::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, EipStatus, Error, MoveOptions,
};
use eip_sim::{Cloud, FaultKind, FaultRule, SimBuilder, Trigger};

fn once(sim: &eip_sim::Sim, kind: FaultKind, action: &str) {
    sim.faults().add(
        FaultRule::new(kind, Trigger::Sequence(vec![true]))
            .cloud(Cloud::Alibaba)
            .action(action),
    );
}

#[tokio::test]
async fn a_locked_address_is_refused_before_any_write() {
    let sim = sim().await;
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 0)),
        AssociateTarget::instance(instance(&sim, 1)),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &vm1).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm1, &wait()).await.unwrap();
    sim.control(
        Cloud::Alibaba,
        "set_lock",
        serde_json::json!({"allocation_id": eip.id, "lock_reasons": ["security"], "business_status": "OperationLock"}),
    )
    .unwrap();
    sim.clear_requests();

    let seen = p.get(&eip.id).await.unwrap();
    assert_eq!(seen.status, EipStatus::Locked);
    let error = p
        .move_to(&eip.id, &vm1, &vm2, &MoveOptions::with_wait(wait()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("security"), "{error}");
    let error = p.associate(&eip.id, &vm2).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidState {
                current: Some(EipStatus::Locked),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        (
            count(&sim, "AssociateEipAddress"),
            count(&sim, "UnassociateEipAddress")
        ),
        (0, 0)
    );
    assert_eq!(sim.inventory()[0].bound_to, Some(instance(&sim, 0)));
}

#[tokio::test]
async fn a_bind_committed_then_answered_503_binds_once_without_sending_again() {
    let sim = sim().await;
    let p = provider(&sim);
    let vm = AssociateTarget::instance(instance(&sim, 0));
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    once(
        &sim,
        FaultKind::CommitThenError { status: 503 },
        "AssociateEipAddress",
    );
    p.associate(&eip.id, &vm).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm, &wait()).await.unwrap();
    assert_eq!(count(&sim, "AssociateEipAddress"), 1);
}

#[tokio::test]
async fn a_release_committed_then_answered_500_is_settled_by_reading() {
    let sim = sim().await;
    let p = provider(&sim);
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    once(
        &sim,
        FaultKind::CommitThenError { status: 500 },
        "ReleaseEipAddress",
    );
    p.release(&eip.id).await.unwrap();
    p.wait_until_released(&eip.id, &wait()).await.unwrap();
    assert!(sim.inventory().is_empty());
    assert_eq!(count(&sim, "ReleaseEipAddress"), 1);
}

#[tokio::test]
async fn a_new_address_invisible_for_a_while_is_returned_once() {
    let sim = sim().await;
    let p = provider(&sim);
    once(
        &sim,
        FaultKind::ReadLag {
            lag: Duration::from_millis(150),
        },
        "AllocateEipAddress",
    );
    let eip = p
        .allocate(&AllocateRequest::new().idempotency_key("lagging-1"))
        .await
        .unwrap();
    assert_eq!(eip.status, EipStatus::Available);
    assert_eq!(sim.inventory().len(), 1);
    assert_eq!(count(&sim, "AllocateEipAddress"), 1);
}

#[tokio::test]
async fn a_short_soak_under_the_realistic_profile_duplicates_and_leaks_nothing() {
    // Commit-then-504 on 10 % of writes, late delivery on 5 %, 2 s read lag, 2–5 s
    // transitions, 15 s late deliveries: all scaled down 40 times so the run stays short.
    let sim = SimBuilder::realistic()
        .time_scale(0.025)
        .start()
        .await
        .unwrap();
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 0)),
        AssociateTarget::instance(instance(&sim, 1)),
    );
    let wait = wait().max_wait(Duration::from_secs(20));
    let moves = MoveOptions::with_wait(wait.clone());
    for round in 0..8 {
        let request = AllocateRequest::new().idempotency_key(format!("soak-{round}"));
        let eip = p.allocate(&request).await.unwrap();
        assert_eq!(
            sim.inventory().len(),
            1,
            "round {round}: one address per key"
        );
        p.associate(&eip.id, &vm1).await.unwrap();
        p.wait_until_bound_to(&eip.id, &vm1, &wait).await.unwrap();
        let report = p.move_to(&eip.id, &vm1, &vm2, &moves).await.unwrap();
        assert!(report.eip.is_bound_to(&vm2));
        assert!(
            p.get(&eip.id).await.unwrap().is_bound_to(&vm2),
            "round {round}: reported moved"
        );
        p.disassociate(&eip.id, None).await.unwrap();
        p.wait_until_available(&eip.id, &wait).await.unwrap();
        p.release(&eip.id).await.unwrap();
        p.wait_until_released(&eip.id, &wait).await.unwrap();
    }
    // Late deliveries land after the client gave up; wait them out before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sim.inventory().is_empty(), "leaked: {:?}", sim.inventory());
    let faults = sim.faults().stats();
    assert!(
        faults.commit_then_error + faults.late_delivery > 0,
        "the profile injected nothing: {faults:?}"
    );
}
