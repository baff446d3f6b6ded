//! Every operation over real HTTP against the emulator: lifecycle, port selection, the cloud's
//! error codes, and input refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

use eip_core::{
    AllocateRequest, AssociateTarget, ChargeMode, EipProvider, EipProviderExt, EipStatus, Error,
    IpVersion, ListFilter, Modification, PageRequest, PageToken, TargetKind,
};
use eip_sim::HuaweiConfig;
use eip_testkit::{Auth, Cloud};

#[tokio::test]
async fn allocate_get_modify_and_release() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let request = AllocateRequest::new()
        .name("web-1")
        .bandwidth(10)
        .charge_mode(ChargeMode::ByTraffic);
    let eip = huawei.allocate(&request).await.unwrap();
    assert!(
        matches!(eip.status, EipStatus::Creating | EipStatus::Available),
        "{:?}",
        eip.status
    );
    assert_eq!(
        (eip.name.as_deref(), eip.bandwidth_mbps),
        (Some("web-1"), Some(10))
    );
    let inventory = sim.inventory();
    assert_eq!(inventory.len(), 1);
    assert_eq!(
        (inventory[0].id.as_str(), inventory[0].name.as_deref()),
        (eip.id.as_str(), Some("web-1"))
    );

    let ready = huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(
        (ready.raw_status.as_str(), ready.address),
        ("DOWN", eip.address)
    );
    assert!(ready.bandwidth_id.is_some() && ready.created_at.is_some() && ready.binding.is_none());

    huawei
        .modify(&eip.id, &Modification::new().name("web-2").bandwidth(20))
        .await
        .unwrap();
    let changed = huawei.get(&eip.id).await.unwrap();
    assert_eq!(
        (changed.name.as_deref(), changed.bandwidth_mbps),
        (Some("web-2"), Some(20))
    );
    assert_eq!(eip_testkit::count(&sim, "UpdateBandwidth"), 1);

    huawei.release(&eip.id).await.unwrap();
    huawei
        .wait_until_released(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(sim.inventory().is_empty());
    assert!(matches!(
        huawei.get(&eip.id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_instance_is_bound_through_its_primary_port_and_unbound_with_a_fence() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    // Server 1 has a primary and a secondary port.
    let server = sim
        .huawei()
        .servers
        .iter()
        .find(|s| !s.secondary_ports.is_empty())
        .unwrap()
        .clone();
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(server.id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    let binding = bound.binding.unwrap();
    assert_eq!(binding.kind, TargetKind::Instance);
    assert_eq!(
        binding.nic_id.as_deref(),
        Some(server.primary_port_id.as_str())
    );
    assert_eq!(
        binding.private_ip,
        Some(server.primary_ip.parse::<IpAddr>().unwrap())
    );
    let item = sim
        .inventory()
        .into_iter()
        .find(|i| i.id == eip.id)
        .unwrap();
    assert_eq!(
        item.bound_to.as_deref(),
        Some(server.primary_port_id.as_str())
    );

    // Listed bindings are resolved too, and filter on the instance.
    let listed = huawei
        .list_page(
            &ListFilter::new().bound_to(target.clone()),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        vec![eip.id.as_str()]
    );

    let other = AssociateTarget::instance(sim.huawei().servers[1].id.clone());
    assert!(matches!(
        huawei.disassociate(&eip.id, Some(&other)).await,
        Err(Error::Conflict { .. })
    ));
    huawei.disassociate(&eip.id, Some(&target)).await.unwrap();
    let unbound = huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(unbound.binding.is_none());
    // Unbinding an unbound address: fine without a fence, a conflict with one.
    huawei.disassociate(&eip.id, None).await.unwrap();
    assert!(matches!(
        huawei.disassociate(&eip.id, Some(&target)).await,
        Err(Error::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_single_port_instance_is_bound_through_that_port() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let server = sim
        .huawei()
        .servers
        .iter()
        .find(|s| s.secondary_ports.is_empty())
        .unwrap()
        .clone();
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(server.id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(
        bound.binding.unwrap().nic_id.as_deref(),
        Some(server.primary_port_id.as_str())
    );
}

#[tokio::test]
async fn a_secondary_nic_a_free_port_and_a_private_ip_can_be_targeted() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let info = sim.huawei().clone();
    let server = info
        .servers
        .iter()
        .find(|s| !s.secondary_ports.is_empty())
        .unwrap();
    let secondary = &server.secondary_ports[0];

    let first = eip_testkit::available(&huawei).await;
    let nic = AssociateTarget::nic(secondary.id.clone(), None);
    huawei.associate(&first.id, &nic).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&first.id, &nic, &eip_testkit::fast_wait())
        .await
        .unwrap();
    let binding = bound.binding.unwrap();
    assert_eq!(
        (binding.kind, binding.instance_id.as_deref()),
        (TargetKind::Instance, Some(server.id.as_str()))
    );
    assert_eq!(
        sim.inventory()
            .iter()
            .find(|i| i.id == first.id)
            .unwrap()
            .bound_to
            .as_deref(),
        Some(secondary.id.as_str())
    );

    let second = eip_testkit::available(&huawei).await;
    let free = &info.free_ports[0];
    let free_target = AssociateTarget::nic(free.id.clone(), Some(free.ip_address.parse().unwrap()));
    huawei.associate(&second.id, &free_target).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&second.id, &free_target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(bound.binding.unwrap().kind, TargetKind::NetworkInterface);

    let third = eip_testkit::available(&huawei).await;
    let other = &info.servers[2];
    let by_ip = AssociateTarget::PrivateIp {
        address: other.primary_ip.parse().unwrap(),
    };
    huawei.associate(&third.id, &by_ip).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&third.id, &by_ip, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(
        bound.binding.unwrap().nic_id.as_deref(),
        Some(other.primary_port_id.as_str())
    );
}

#[tokio::test]
async fn targets_that_do_not_exist_are_not_found_and_nothing_is_bound() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let missing = "b0a9d2b4-2cae-4b66-a6ba-00000000ffff";
    match huawei
        .associate(&eip.id, &AssociateTarget::instance(missing))
        .await
    {
        Err(Error::NotFound { resource, .. }) => assert!(resource.contains(missing), "{resource}"),
        other => panic!("{other:?}"),
    }
    let no_port = AssociateTarget::nic("d00f9c35-c8da-4e3f-9a1e-00000000ffff", None);
    assert!(matches!(
        huawei.associate(&eip.id, &no_port).await,
        Err(Error::NotFound { .. })
    ));
    let no_ip = AssociateTarget::PrivateIp {
        address: "10.9.9.9".parse().unwrap(),
    };
    assert!(matches!(
        huawei.associate(&eip.id, &no_ip).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(eip_testkit::count(&sim, "UpdatePublicip"), 0);
    assert!(sim.inventory()[0].bound_to.is_none());
}

#[tokio::test]
async fn the_clouds_error_codes_become_typed_errors() {
    let sim = eip_testkit::huawei_sim(HuaweiConfig {
        quota: 2,
        ..HuaweiConfig::default()
    })
    .await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let service_code = |e: &Error| e.service().map(|s| s.code.clone()).unwrap_or_default();

    // 404 VPC.0504
    let missing = huawei
        .get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    assert_eq!(service_code(&missing), "VPC.0504");
    assert!(missing.request_id().is_some(), "the request id is kept");

    let servers = sim.huawei().servers.clone();
    let first = eip_testkit::available(&huawei).await;
    let second = eip_testkit::available(&huawei).await;
    // 409 VPC.0521: the quota of 2 is used up.
    let quota = huawei.allocate(&AllocateRequest::new()).await.unwrap_err();
    assert!(matches!(quota, Error::QuotaExceeded { .. }), "{quota:?}");
    assert_eq!(service_code(&quota), "VPC.0521");

    let target = AssociateTarget::instance(servers[3].id.clone());
    huawei.associate(&first.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&first.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    // 409 VPC.0511: the port already has an EIP.
    let taken = huawei.associate(&second.id, &target).await.unwrap_err();
    assert!(
        matches!(taken, Error::AlreadyAssociated { .. }),
        "{taken:?}"
    );
    assert_eq!(service_code(&taken), "VPC.0511");
    // 409 VPC.0510: the EIP is already bound.
    let bound = huawei
        .associate(&first.id, &AssociateTarget::instance(servers[4].id.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(bound, Error::AlreadyAssociated { .. }),
        "{bound:?}"
    );
    assert_eq!(service_code(&bound), "VPC.0510");
    // 409 VPC.0517: a bound EIP is not released.
    let refused = huawei.release(&first.id).await.unwrap_err();
    assert!(
        matches!(
            refused,
            Error::InvalidState {
                current: Some(EipStatus::Bound),
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(service_code(&refused), "VPC.0517");
    assert_eq!(sim.inventory().len(), 2);

    // A line the region does not offer is refused before sending (the cloud would answer 400
    // VPC.0501; that mapping is a unit test of the error table).
    let before = sim.requests().len();
    match huawei
        .allocate(&AllocateRequest::new().line("5_nowhere"))
        .await
    {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "line");
            assert!(reason.contains("5_bgp"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.requests().len(), before);

    // 400 VPC.0007: another project's URL.
    let stranger = eip_testkit::huawei_builder(&sim)
        .with_access_key(eip_testkit::huawei_key(&sim))
        .with_project_id("ffffffffffffffffffffffffffffffff")
        .build()
        .unwrap();
    match stranger.get(&first.id).await {
        Err(Error::InvalidInput { reason, .. }) => assert!(reason.contains("VPC.0007"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_shared_bandwidth_and_ipv6_can_be_requested() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let eip = huawei
        .allocate(&AllocateRequest::new().shared_bandwidth(shared.clone()))
        .await
        .unwrap();
    let ready = huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(ready.bandwidth_id.as_deref(), Some(shared.as_str()));
    // The idempotency stamp lives in the alias when joining a shared bandwidth without a name.
    assert!(
        ready.name.as_deref().is_some_and(|n| n.starts_with("mce-")),
        "{:?}",
        ready.name
    );

    let v6 = huawei
        .allocate(&AllocateRequest::new().ip_version(IpVersion::V6).name("v6"))
        .await
        .unwrap();
    assert!(v6.address.is_ipv6(), "{}", v6.address);
}

#[tokio::test]
async fn list_pages_by_marker_and_filters() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let ids = eip_testkit::seed(&sim, Cloud::Huawei, 5);
    let first = huawei
        .list_page(
            &ListFilter::new(),
            &PageRequest {
                token: None,
                size: Some(2),
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let Some(PageToken::Marker(marker)) = &first.next else {
        panic!("a full page has a successor")
    };
    assert_eq!(marker, &first.items[1].id);
    let picked = ListFilter::new().ids([ids[3].clone(), ids[1].clone()]);
    let page = huawei
        .list_page(&picked, &PageRequest::default())
        .await
        .unwrap();
    let mut got: Vec<String> = page.items.iter().map(|e| e.id.clone()).collect();
    got.sort();
    let mut want = vec![ids[1].clone(), ids[3].clone()];
    want.sort();
    assert_eq!(got, want);
    assert!(page.next.is_none());
    let by_address = ListFilter::new().addresses([page.items[0].address]);
    let page = huawei
        .list_page(&by_address, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let available = huawei
        .list_page(
            &ListFilter::new().status(EipStatus::Bound),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(available.items.is_empty());
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let id = "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0";
    let kind = |r: Result<(), Error>| r.unwrap_err().kind_name();
    let allocations = [
        AllocateRequest::new().bandwidth(301),
        AllocateRequest::new().bandwidth(1250),
        AllocateRequest::new().bandwidth(2500),
        AllocateRequest::new().bandwidth(0),
        AllocateRequest::new().name("has space"),
        AllocateRequest::new().name("x".repeat(65)),
        AllocateRequest::new().idempotency_key("has space"),
        AllocateRequest::new().line("5/bgp"),
        AllocateRequest::new().shared_bandwidth("bw").bandwidth(5),
        AllocateRequest::new().tag("k.dot", "v"),
    ];
    for request in &allocations {
        let result = huawei.allocate(request).await;
        assert_eq!(
            result.map(drop).unwrap_err().kind_name(),
            "invalid_input",
            "{request:?}"
        );
    }
    assert_eq!(
        huawei
            .allocate(&AllocateRequest::new().description("d"))
            .await
            .unwrap_err()
            .kind_name(),
        "unsupported"
    );
    for bad in ["", "../x", "a/b", "a b", "a?b"] {
        assert_eq!(
            huawei.get(bad).await.map(drop).unwrap_err().kind_name(),
            "invalid_input",
            "{bad:?}"
        );
        assert_eq!(kind(huawei.release(bad).await), "invalid_input");
        assert_eq!(
            kind(huawei.associate(bad, &AssociateTarget::instance("i")).await),
            "invalid_input"
        );
        assert_eq!(
            kind(huawei.associate(id, &AssociateTarget::instance(bad)).await),
            "invalid_input"
        );
        assert_eq!(kind(huawei.disassociate(bad, None).await), "invalid_input");
        assert_eq!(
            kind(huawei.modify(bad, &Modification::new().name("n")).await),
            "invalid_input"
        );
    }
    assert_eq!(
        kind(
            huawei
                .associate(id, &AssociateTarget::LoadBalancer { id: "lb".into() })
                .await
        ),
        "unsupported"
    );
    assert_eq!(
        kind(
            huawei
                .modify(id, &Modification::new().description("d"))
                .await
        ),
        "unsupported"
    );
    assert_eq!(
        kind(huawei.modify(id, &Modification::new().bandwidth(333)).await),
        "invalid_input"
    );
    assert_eq!(
        kind(huawei.modify(id, &Modification::new()).await),
        "invalid_input"
    );
    let page = |token, size| PageRequest { token, size };
    for request in [
        page(None, Some(0)),
        page(None, Some(2001)),
        page(Some(PageToken::Number(2)), None),
        page(Some(PageToken::Marker("a/b".into())), None),
    ] {
        assert_eq!(
            huawei
                .list_page(&ListFilter::new(), &request)
                .await
                .unwrap_err()
                .kind_name(),
            "invalid_input"
        );
    }
    assert_eq!(
        sim.requests(),
        vec![],
        "nothing, not even a token request, was sent"
    );
    assert_eq!(huawei.iam_requests(), 0);
}
