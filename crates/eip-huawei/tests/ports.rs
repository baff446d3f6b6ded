//! Ports: each is read once per provider (waiters poll with ShowPublicip alone), by its id
//! (ShowPort; the v1 ListPorts documents `id` as one string), and the binding is decided by `port_id` whichever order
//! the cloud changes `port_id` and `status` in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_core::{AssociateTarget, EipProvider, EipProviderExt, EipStatus, MoveOptions};
use eip_huawei::{HuaweiProvider, PasswordAuth};
use eip_sim::{BindOrder, Sim};
use eip_testkit::hostile::gateway::{self, Step};
use eip_testkit::hostile::{RawServer, Received};
use eip_testkit::Auth;

fn through(sim: &Sim, gateway: &RawServer) -> HuaweiProvider {
    let info = sim.huawei();
    eip_testkit::huawei_builder(sim)
        .with_vpc_endpoint(gateway.url.clone())
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap()
}

/// A ports read: a ListPorts (`/ports?...`) or a ShowPort (`/ports/<id>`).
fn is_list_ports(r: &Received) -> bool {
    let path = r.target.split('?').next().unwrap_or_default();
    r.method == "GET" && (path.ends_with("/ports") || path.contains("/ports/"))
}

fn is_show_port(r: &Received) -> bool {
    let path = r.target.split('?').next().unwrap_or_default();
    r.method == "GET" && path.contains("/ports/")
}

fn query_values(r: &Received, key: &str) -> usize {
    r.target
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter(|p| p.split('=').next() == Some(key))
                .count()
        })
        .unwrap_or(0)
}

fn list_ports(gw: &RawServer) -> Vec<Received> {
    gw.received().into_iter().filter(is_list_ports).collect()
}

#[tokio::test]
async fn a_warm_provider_polls_a_binding_with_show_publicip_alone() {
    let sim = eip_testkit::sim().await;
    let gw = gateway::start(&sim.huawei().vpc_endpoint, |_| Step::Forward).await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    assert_eq!(list_ports(&gw).len(), 1, "the target's ports are read once");
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(bound.is_bound_to(&target));
    for _ in 0..5 {
        assert!(huawei.get(&eip.id).await.unwrap().is_bound_to(&target));
    }
    assert_eq!(
        list_ports(&gw).len(),
        1,
        "a poll of a known port resolved it again: {:?}",
        list_ports(&gw)
    );

    // A cold provider reads the port once, by its id (ShowPort), never several ids in a query.
    let cold = through(&sim, &gw);
    assert!(cold.get(&eip.id).await.unwrap().is_bound_to(&target));
    cold.get(&eip.id).await.unwrap();
    let reads = list_ports(&gw);
    assert_eq!(reads.len(), 2);
    assert!(is_show_port(&reads[1]), "{}", reads[1].target);
    assert!(reads.iter().all(|r| query_values(r, "id") <= 1));
}

#[tokio::test]
async fn a_page_of_bound_addresses_reads_each_port_by_one_id() {
    let sim = eip_testkit::sim().await;
    let gw = gateway::start(&sim.huawei().vpc_endpoint, |_| Step::Forward).await;
    let huawei = through(&sim, &gw);
    let servers = sim.huawei().servers.clone();
    for server in servers.iter().take(2) {
        let eip = eip_testkit::available(&huawei).await;
        let target = AssociateTarget::instance(server.id.clone());
        huawei.associate(&eip.id, &target).await.unwrap();
        huawei
            .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
            .await
            .unwrap();
    }
    let cold = through(&sim, &gw);
    let before = list_ports(&gw).len();
    let page = cold
        .list_page(&Default::default(), &Default::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    for (eip, server) in page.items.iter().zip(&servers) {
        let _ = server;
        assert_eq!(eip.status, EipStatus::Bound);
        assert!(eip.binding.as_ref().unwrap().instance_id.is_some());
    }
    let reads = &list_ports(&gw)[before..];
    assert_eq!(reads.len(), 2, "one read per port");
    assert!(reads.iter().all(is_show_port), "{reads:?}");
    // Every list asks for all enterprise projects.
    assert!(gw
        .received()
        .iter()
        .filter(|r| r.method == "GET" && r.target.contains("/publicips?"))
        .all(|r| r.target.contains("enterprise_project_id=all_granted_eps")));
}

#[tokio::test]
async fn a_move_succeeds_whichever_order_port_id_and_status_change_in() {
    // Neutron's order (the PUT changes `port_id` at once and `status` follows) and the
    // emulator's original one (`PENDING_UPDATE` with the old port), both from the emulator's
    // own state, so what is shown and what a write is judged against never disagree.
    for order in [BindOrder::Pending, BindOrder::Neutron] {
        let sim = eip_testkit::start(eip_testkit::sim_builder().huawei_bind_order(order)).await;
        let huawei = eip_testkit::huawei(&sim, Auth::Default);
        let servers = sim.huawei().servers.clone();
        let from = AssociateTarget::instance(servers[0].id.clone());
        let to = AssociateTarget::instance(servers[1].id.clone());
        let eip = eip_testkit::available(&huawei).await;
        huawei.associate(&eip.id, &from).await.unwrap();
        huawei
            .wait_until_bound_to(&eip.id, &from, &eip_testkit::fast_wait())
            .await
            .unwrap();
        let report = huawei
            .move_to(
                &eip.id,
                &from,
                &to,
                &MoveOptions::with_wait(eip_testkit::fast_wait()),
            )
            .await
            .unwrap_or_else(|e| panic!("{order:?} order: {e:?}"));
        assert!(report.eip.is_bound_to(&to));
        let direct = eip_testkit::huawei(&sim, Auth::Default);
        assert!(direct.get(&eip.id).await.unwrap().is_bound_to(&to));
    }
}

#[tokio::test]
async fn down_with_a_port_is_binding_and_active_without_one_is_unbound() {
    // Transitions long enough that the reads right after each PUT see them under way.
    let sim = eip_sim::SimBuilder::new()
        .transition_delay(std::time::Duration::from_millis(400))
        .huawei_bind_order(BindOrder::Neutron)
        .start()
        .await
        .unwrap();
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    let binding = huawei.get(&eip.id).await.unwrap();
    assert_eq!(binding.raw_status, "DOWN");
    assert_eq!(binding.status, EipStatus::Associating);
    assert!(!binding.is_bound_to(&target));
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    huawei.disassociate(&eip.id, Some(&target)).await.unwrap();
    let unbinding = huawei.get(&eip.id).await.unwrap();
    assert_eq!(unbinding.raw_status, "ACTIVE");
    assert_eq!(unbinding.status, EipStatus::Available);
    assert!(unbinding.binding.is_none());
}
