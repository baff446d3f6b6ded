//! Retries and exactly-once under injected faults: throttling, 5xx, busy, dropped connections,
//! and answers lost after the change was made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use eip_alibaba::SignatureVersion;
use eip_core::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, EipStatus, Modification,
    MoveOptions, Timeouts,
};
use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};

fn fault(sim: &eip_sim::Sim, kind: FaultKind, times: u32, action: &str) {
    sim.faults().add(
        FaultRule::new(kind, Trigger::Times(times))
            .cloud(Cloud::Alibaba)
            .action(action),
    );
}

#[tokio::test]
async fn throttling_5xx_and_busy_answers_are_retried() {
    let sim = sim().await;
    let p = provider(&sim);
    for (n, injected) in [
        InjectedError::Throttled,
        InjectedError::Unavailable,
        InjectedError::Internal,
        InjectedError::Busy,
    ]
    .into_iter()
    .enumerate()
    {
        sim.clear_requests();
        fault(&sim, FaultKind::Error(injected), 2, "AllocateEipAddress");
        let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
        let log = requests(&sim, "AllocateEipAddress");
        let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
        assert_eq!(
            log.len(),
            3,
            "{injected:?}: two refusals, then success: {log:?}"
        );
        assert!(
            log[..2].iter().all(|r| r.fault.is_some()) && statuses[2] == 200,
            "{injected:?}: {log:?}"
        );
        assert_eq!(
            sim.inventory().len(),
            n + 1,
            "{injected:?}: exactly one new EIP"
        );
        assert!(sim.inventory().iter().any(|e| e.id == eip.id));
    }
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let sim = sim().await;
    let p = provider_with(&sim, SignatureVersion::V3, key(&sim));
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    fault(&sim, FaultKind::CloseConnection, 2, "DescribeEipAddresses");
    sim.clear_requests();
    assert_eq!(p.get(&eip.id).await.unwrap().id, eip.id);
    let log = requests(&sim, "DescribeEipAddresses");
    assert_eq!(
        log.iter().map(|r| r.fault.as_deref()).collect::<Vec<_>>(),
        vec![Some("close_connection"), Some("close_connection"), None]
    );

    // A closed connection on a write: the ClientToken makes the retry safe.
    fault(
        &sim,
        FaultKind::CloseConnection,
        1,
        "ModifyEipAddressAttribute",
    );
    p.modify(&eip.id, &Modification::new().bandwidth(9))
        .await
        .unwrap();
    assert_eq!(count(&sim, "ModifyEipAddressAttribute"), 2);
    assert_eq!(p.get(&eip.id).await.unwrap().bandwidth_mbps, Some(9));
}

#[tokio::test]
async fn an_allocate_whose_answer_was_lost_creates_one_eip() {
    let sim = sim().await;
    let p = provider(&sim);
    fault(&sim, FaultKind::CommitThenDrop, 1, "AllocateEipAddress");
    let eip = p
        .allocate(&AllocateRequest::new().name("once"))
        .await
        .unwrap();
    let inventory = sim.inventory();
    assert_eq!(
        inventory.len(),
        1,
        "the retry reused the ClientToken: {inventory:?}"
    );
    assert_eq!(inventory[0].id, eip.id);
    let log = requests(&sim, "AllocateEipAddress");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].fault.as_deref(), Some("commit_then_drop"));
    assert_eq!(log[1].status, 200);
}

#[tokio::test]
async fn an_associate_whose_answer_was_lost_binds_once() {
    let sim = sim().await;
    let p = provider(&sim);
    let vm = AssociateTarget::instance(instance(&sim, 2));
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    // The retry reads the address back first: it is already being bound, so nothing is re-sent.
    fault(&sim, FaultKind::CommitThenDrop, 1, "AssociateEipAddress");
    p.associate(&eip.id, &vm).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm, &wait()).await.unwrap();
    assert_eq!(count(&sim, "AssociateEipAddress"), 1);

    fault(&sim, FaultKind::CommitThenDrop, 1, "UnassociateEipAddress");
    p.disassociate(&eip.id, Some(&vm)).await.unwrap();
    p.wait_until_available(&eip.id, &wait()).await.unwrap();
    assert_eq!(count(&sim, "UnassociateEipAddress"), 1);
}

#[tokio::test]
async fn an_associate_that_timed_out_is_settled() {
    let sim = sim().await;
    let a = sim.alibaba();
    // Each attempt may take 250 ms; the first Associate is held 400 ms before the server runs it.
    let stats = std::sync::Arc::new(eip_core::retry::RetryStats::default());
    let p = eip_alibaba::AlibabaProvider::builder()
        .with_region(a.region.clone())
        .with_endpoint(&a.endpoint)
        .with_credentials(key(&sim))
        .with_retry(fast_retry().with_stats(stats.clone()))
        .with_timeouts(Timeouts::new(
            Duration::from_secs(1),
            Duration::from_millis(250),
            Duration::from_secs(20),
        ))
        .build()
        .unwrap();
    let vm = AssociateTarget::instance(instance(&sim, 5));
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    fault(
        &sim,
        FaultKind::Latency {
            fixed: Duration::from_millis(400),
            jitter: Duration::ZERO,
        },
        1,
        "AssociateEipAddress",
    );
    let before = stats.attempts();
    p.associate(&eip.id, &vm).await.unwrap();
    assert!(
        stats.attempts() - before >= 2,
        "the timed-out attempt was retried"
    );
    let bound = p.wait_until_bound_to(&eip.id, &vm, &wait()).await.unwrap();
    assert_eq!(bound.status, EipStatus::Bound);
    assert_eq!(sim.inventory().len(), 1);
    assert_eq!(sim.inventory()[0].bound_to, Some(instance(&sim, 5)));
}

#[tokio::test]
async fn a_release_whose_answer_was_lost_is_settled_by_reading() {
    let sim = sim().await;
    let p = provider(&sim);
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    fault(&sim, FaultKind::CommitThenDrop, 1, "ReleaseEipAddress");
    p.release(&eip.id).await.unwrap();
    // The read after the lost answer showed Releasing: no second ReleaseEipAddress was sent.
    assert_eq!(count(&sim, "ReleaseEipAddress"), 1);
    p.wait_until_released(&eip.id, &wait()).await.unwrap();
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_release_that_never_arrived_is_sent_again() {
    let sim = sim().await;
    let p = provider(&sim);
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    fault(&sim, FaultKind::CloseConnection, 1, "ReleaseEipAddress");
    p.release(&eip.id).await.unwrap();
    let log = requests(&sim, "ReleaseEipAddress");
    assert_eq!(
        log.iter().map(|r| r.fault.as_deref()).collect::<Vec<_>>(),
        vec![Some("close_connection"), None]
    );
    p.wait_until_released(&eip.id, &wait()).await.unwrap();
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_fenced_move_between_instances() {
    let sim = sim().await;
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 6)),
        AssociateTarget::instance(instance(&sim, 7)),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &vm1).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm1, &wait()).await.unwrap();
    // Busy answers on the way do not break the move.
    fault(
        &sim,
        FaultKind::Error(InjectedError::Busy),
        1,
        "UnassociateEipAddress",
    );
    fault(
        &sim,
        FaultKind::Error(InjectedError::Throttled),
        1,
        "AssociateEipAddress",
    );
    let report = p
        .move_to(
            &eip.id,
            &vm1,
            &vm2,
            &eip_core::MoveOptions::with_wait(wait()),
        )
        .await
        .unwrap();
    assert!(report.eip.is_bound_to(&vm2));
    assert_eq!(sim.inventory()[0].bound_to, Some(instance(&sim, 7)));
}

#[tokio::test]
async fn a_warm_failover_move_costs_at_most_twelve_requests() {
    // Transitions of 300 ms: once the provider has seen a bind and an unbind, its waiters poll
    // near the learned time instead of every few milliseconds.
    let sim = eip_sim::SimBuilder::new()
        .transition_delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 0)),
        AssociateTarget::instance(instance(&sim, 1)),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &vm1).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm1, &wait()).await.unwrap();
    p.move_to(&eip.id, &vm1, &vm2, &MoveOptions::with_wait(wait()))
        .await
        .unwrap();

    sim.clear_requests();
    let report = p
        .move_to(&eip.id, &vm2, &vm1, &MoveOptions::with_wait(wait()))
        .await
        .unwrap();
    assert!(report.eip.is_bound_to(&vm1));
    assert_eq!(sim.inventory()[0].bound_to, Some(instance(&sim, 0)));
    let requests = sim.requests();
    assert!(
        requests.len() <= 12,
        "{} requests: {:?}",
        requests.len(),
        requests
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>()
    );
}
