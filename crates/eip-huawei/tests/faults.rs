//! Faults over real HTTP: transient answers are retried, lost answers are reconciled (exactly one
//! EIP after a create whose answer was dropped), and marker paging over hundreds of EIPs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use eip_core::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, EipStatus, Error, ListFilter,
    ListOptions,
};
use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Sim, Trigger};
use eip_testkit::Auth;
use futures::TryStreamExt;

fn fault(sim: &Sim, kind: FaultKind, times: u32, action: &str) {
    sim.faults().add(
        FaultRule::new(kind, Trigger::Times(times))
            .cloud(Cloud::Huawei)
            .action(action),
    );
}

/// The faults injected into requests with this action, in order.
fn faults_on(sim: &Sim, action: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.action == action)
        .filter_map(|r| r.fault)
        .collect()
}

fn error(kind: InjectedError) -> FaultKind {
    FaultKind::Error(kind)
}

#[tokio::test]
async fn transient_answers_are_retried_until_the_call_succeeds() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    sim.clear_requests();

    fault(&sim, error(InjectedError::Throttled), 2, "ListPublicips");
    let page = huawei
        .list_page(&ListFilter::new(), &Default::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(eip_testkit::count(&sim, "ListPublicips"), 3);

    fault(&sim, error(InjectedError::Internal), 1, "ShowPublicip");
    fault(&sim, error(InjectedError::Unavailable), 1, "ShowPublicip");
    fault(&sim, FaultKind::CloseConnection, 1, "ShowPublicip");
    assert_eq!(huawei.get(&eip.id).await.unwrap().id, eip.id);
    assert_eq!(eip_testkit::count(&sim, "ShowPublicip"), 4);

    // 409 VPC.0512 "busy" on a write is retried: the cloud did nothing.
    fault(&sim, error(InjectedError::Busy), 2, "UpdatePublicip");
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(eip_testkit::count(&sim, "UpdatePublicip"), 3);
}

#[tokio::test]
async fn retries_stop_when_the_attempts_run_out() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    fault(&sim, error(InjectedError::Throttled), 100, "ShowPublicip");
    let throttled = huawei.get(&id).await.unwrap_err();
    assert!(
        matches!(throttled, Error::RateLimited { .. }),
        "{throttled:?}"
    );
    assert_eq!(
        throttled.service().map(|s| s.code.as_str()),
        Some("APIG.0308")
    );
    assert_eq!(
        eip_testkit::count(&sim, "ShowPublicip"),
        10,
        "eip_testkit::fast_retry allows the default 10 attempts"
    );
}

#[tokio::test]
async fn allocate_with_the_answer_dropped_after_commit_makes_exactly_one_eip() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    fault(&sim, FaultKind::CommitThenDrop, 1, "CreatePublicip");
    let eip = huawei
        .allocate(&AllocateRequest::new().name("once").bandwidth(5))
        .await
        .unwrap();
    let inventory = sim.inventory();
    assert_eq!(inventory.len(), 1, "{inventory:?}");
    assert_eq!(inventory[0].id, eip.id);
    assert_eq!(eip.name.as_deref(), Some("once"));
    assert_eq!(eip_testkit::count(&sim, "CreatePublicip"), 1);
    assert_eq!(faults_on(&sim, "CreatePublicip"), ["commit_then_drop"]);
}

#[tokio::test]
async fn a_repeated_allocate_with_the_same_key_returns_the_same_eip() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let request = AllocateRequest::new()
        .bandwidth(5)
        .idempotency_key("deploy-42/eip-1");
    fault(&sim, FaultKind::CommitThenDrop, 1, "CreatePublicip");
    let first = huawei.allocate(&request).await.unwrap();
    let again = huawei.allocate(&request).await.unwrap();
    assert_eq!(first.id, again.id);
    let other = huawei
        .allocate(
            &AllocateRequest::new()
                .bandwidth(5)
                .idempotency_key("deploy-42/eip-2"),
        )
        .await
        .unwrap();
    assert_ne!(other.id, first.id);
    assert_eq!(sim.inventory().len(), 2);
    assert_eq!(eip_testkit::count(&sim, "CreatePublicip"), 2);
}

#[tokio::test]
async fn allocate_with_the_connection_closed_before_commit_creates_once() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    fault(&sim, FaultKind::CloseConnection, 1, "CreatePublicip");
    let eip = huawei.allocate(&AllocateRequest::new()).await.unwrap();
    assert_eq!(
        sim.inventory()
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>(),
        vec![eip.id]
    );
    // The first create did nothing; the lookup proved it, so it was sent again.
    assert_eq!(eip_testkit::count(&sim, "CreatePublicip"), 2);
    assert_eq!(faults_on(&sim, "CreatePublicip"), ["close_connection"]);
    assert!(eip_testkit::count(&sim, "ListPublicips") >= 1);
}

#[tokio::test]
async fn a_shared_bandwidth_allocation_dropped_after_commit_is_adopted() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    fault(&sim, FaultKind::CommitThenDrop, 1, "CreatePublicip");
    let eip = huawei
        .allocate(&AllocateRequest::new().shared_bandwidth(shared))
        .await
        .unwrap();
    assert_eq!(sim.inventory().len(), 1);
    assert_eq!(sim.inventory()[0].id, eip.id);
}

#[tokio::test]
async fn bind_unbind_and_release_with_their_answers_dropped_still_take_effect_once() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let server = sim.huawei().servers[1].clone();
    let target = AssociateTarget::instance(server.id.clone());

    fault(&sim, FaultKind::CommitThenDrop, 1, "UpdatePublicip");
    huawei.associate(&eip.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(
        eip_testkit::count(&sim, "UpdatePublicip"),
        1,
        "the lost bind took effect and was not repeated"
    );
    assert_eq!(faults_on(&sim, "UpdatePublicip"), ["commit_then_drop"]);

    fault(&sim, FaultKind::CommitThenDrop, 1, "UpdatePublicip");
    huawei.disassociate(&eip.id, Some(&target)).await.unwrap();
    huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(eip_testkit::count(&sim, "UpdatePublicip"), 2);

    fault(&sim, FaultKind::CommitThenDrop, 1, "DeletePublicip");
    huawei.release(&eip.id).await.unwrap();
    huawei
        .wait_until_released(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(eip_testkit::count(&sim, "DeletePublicip"), 1);
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_bind_whose_connection_closed_before_commit_is_sent_again() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[2].id.clone());
    fault(&sim, FaultKind::CloseConnection, 1, "UpdatePublicip");
    huawei.associate(&eip.id, &target).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(bound.status, EipStatus::Bound);
    assert_eq!(eip_testkit::count(&sim, "UpdatePublicip"), 2);
}

#[tokio::test]
async fn marker_paging_lists_every_eip_once() {
    let sim = eip_testkit::sim().await;
    let mut seeded = eip_testkit::seed(&sim, Cloud::Huawei, 260);
    seeded.sort();
    let huawei = eip_testkit::huawei(&sim, Auth::Alternate);
    let filter = ListFilter::new();
    let listed: Vec<String> = huawei
        .list(&filter, ListOptions::default().page_size(100))
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 260);
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), 260, "each id once");
    assert_eq!(unique.into_iter().collect::<Vec<_>>(), seeded);
    // 100 + 100 + 60: the short third page ends the walk.
    assert_eq!(eip_testkit::count(&sim, "ListPublicips"), 3);
    assert_eq!(
        eip_testkit::count(&sim, "ListPorts"),
        0,
        "no bound address, no port lookups"
    );

    // The provider's largest page takes them all at once.
    sim.clear_requests();
    let all: Vec<_> = huawei
        .list(&filter, ListOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 260);
    assert_eq!(eip_testkit::count(&sim, "ListPublicips"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_allocations_from_several_processes_at_once_end_with_one_eip() {
    let sim = eip_testkit::sim().await;
    // Separate providers: separate processes, sharing nothing but the cloud.
    let providers: Vec<_> = (0..4)
        .map(|_| eip_testkit::huawei(&sim, Auth::Default))
        .collect();
    let request = AllocateRequest::new()
        .bandwidth(5)
        .idempotency_key("deploy-42");
    let results = futures::future::join_all(providers.iter().map(|p| p.allocate(&request))).await;
    let ids: BTreeSet<String> = results.into_iter().map(|r| r.unwrap().id).collect();
    assert_eq!(
        ids.len(),
        1,
        "the callers kept different addresses: {ids:?}"
    );
    let kept = ids.into_iter().next().unwrap();
    // Every other address was released before its caller returned.
    let live: Vec<_> = sim
        .inventory()
        .into_iter()
        .filter(|item| item.status != "PENDING_DELETE")
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].id, kept);
    assert!(eip_testkit::count(&sim, "CreatePublicip") >= 1);
}
