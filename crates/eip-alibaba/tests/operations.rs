//! The six operations over real HTTP against the in-process emulator: both signature versions,
//! STS, every target kind the emulator has, and listing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use eip_alibaba::{AccessKey, SignatureVersion};
use eip_core::{
    AllocateRequest, AssociateTarget, ChargeMode, EipProvider, EipProviderExt, EipStatus, Error,
    ListFilter, ListOptions, Modification, PageRequest, PageToken, TargetKind,
};
use eip_sim::{Cloud, FaultKind, FaultRule, Trigger};
use futures::TryStreamExt;

async fn full_lifecycle(version: SignatureVersion) {
    let sim = sim().await;
    let p = provider_with(&sim, version, key(&sim));
    let vm = AssociateTarget::instance(instance(&sim, 0));

    let request = AllocateRequest::new()
        .bandwidth(7)
        .charge_mode(ChargeMode::ByTraffic)
        .line("BGP")
        .name("web-1")
        .description("front door")
        .tag("env", "prod a*b~c")
        .tag("team", "net");
    let eip = p.allocate(&request).await.unwrap();
    assert_eq!(eip.status, EipStatus::Available);
    assert_eq!(
        (
            eip.bandwidth_mbps,
            eip.name.as_deref(),
            eip.description.as_deref()
        ),
        (Some(7), Some("web-1"), Some("front door"))
    );
    assert_eq!(eip.charge_mode, Some(ChargeMode::ByTraffic));
    assert_eq!(eip.tags.get("env").map(String::as_str), Some("prod a*b~c"));
    assert!(eip.created_at.is_some());
    assert_eq!(eip.region, sim.alibaba().region);
    let inventory = sim.inventory();
    assert_eq!(inventory.len(), 1);
    assert_eq!(
        (inventory[0].id.as_str(), inventory[0].address),
        (eip.id.as_str(), eip.address)
    );

    p.modify(
        &eip.id,
        &Modification::new()
            .name("web-2")
            .bandwidth(20)
            .description("moved door"),
    )
    .await
    .unwrap();
    let modified = p.get(&eip.id).await.unwrap();
    assert_eq!(
        (modified.name.as_deref(), modified.bandwidth_mbps),
        (Some("web-2"), Some(20))
    );
    assert_eq!(modified.description.as_deref(), Some("moved door"));

    p.associate(&eip.id, &vm).await.unwrap();
    let bound = p.wait_until_bound_to(&eip.id, &vm, &wait()).await.unwrap();
    let binding = bound.binding.unwrap();
    assert_eq!(
        (binding.kind, binding.instance_id),
        (TargetKind::Instance, Some(instance(&sim, 0)))
    );
    assert_eq!(sim.inventory()[0].bound_to, Some(instance(&sim, 0)));

    p.disassociate(&eip.id, None).await.unwrap();
    p.wait_until_available(&eip.id, &wait()).await.unwrap();
    assert_eq!(sim.inventory()[0].bound_to, None);

    p.release(&eip.id).await.unwrap();
    p.wait_until_released(&eip.id, &wait()).await.unwrap();
    assert!(sim.inventory().is_empty());
    assert!(matches!(p.get(&eip.id).await, Err(Error::NotFound { .. })));

    // Every request was accepted the first time: signatures verified, nothing retried.
    let refused: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.status != 200)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    for action in [
        "AllocateEipAddress",
        "ModifyEipAddressAttribute",
        "AssociateEipAddress",
        "UnassociateEipAddress",
        "ReleaseEipAddress",
    ] {
        assert_eq!(count(&sim, action), 1, "{action}");
    }
}

#[tokio::test]
async fn all_six_operations_with_v1_signatures() {
    full_lifecycle(SignatureVersion::V1).await;
}

#[tokio::test]
async fn all_six_operations_with_v3_signatures() {
    full_lifecycle(SignatureVersion::V3).await;
}

#[tokio::test]
async fn sts_credentials_work_under_both_versions() {
    let sim = sim_with_sts().await;
    let sts = sim.alibaba().sts.clone().unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let key = AccessKey::new(sts.access_key_id.clone(), sts.access_key_secret.as_str())
            .with_security_token(sts.security_token.as_str());
        let p = provider_with(&sim, version, key);
        let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
        p.release(&eip.id).await.unwrap();

        let wrong = AccessKey::new(sts.access_key_id.clone(), sts.access_key_secret.as_str())
            .with_security_token("not-the-token");
        let error = provider_with(&sim, version, wrong)
            .allocate(&AllocateRequest::new())
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Unauthenticated { .. }),
            "{version:?}: {error:?}"
        );
        assert!(!format!("{error} {error:?}").contains(&sts.access_key_secret));

        let without = AccessKey::new(sts.access_key_id.clone(), sts.access_key_secret.as_str());
        let error = provider_with(&sim, version, without)
            .allocate(&AllocateRequest::new())
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidInput { .. }),
            "{version:?}: a missing token is a missing parameter: {error:?}"
        );
    }
    // One EIP allocated and released per version; the refused attempts created nothing.
    assert_eq!(count(&sim, "AllocateEipAddress"), 6);
    assert!(sim.inventory().iter().all(|e| e.status == "Releasing"));
}

#[tokio::test]
async fn every_target_kind_the_emulator_has() {
    let sim = sim().await;
    let p = provider(&sim);
    let nic = sim.alibaba().network_interfaces[1].clone();
    let nic_ip = nic.private_ip_address.parse().unwrap();
    let havip = sim.alibaba().havips[0].id.clone();
    let targets = [
        (
            AssociateTarget::instance(instance(&sim, 0)),
            TargetKind::Instance,
        ),
        (
            AssociateTarget::nic(nic.id.clone(), Some(nic_ip)),
            TargetKind::NetworkInterface,
        ),
        (
            AssociateTarget::HighAvailabilityVip { id: havip.clone() },
            TargetKind::HighAvailabilityVip,
        ),
    ];
    for (target, kind) in &targets {
        let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
        p.associate(&eip.id, target).await.unwrap();
        let bound = p
            .wait_until_bound_to(&eip.id, target, &wait())
            .await
            .unwrap();
        assert_eq!(bound.binding.as_ref().unwrap().kind, *kind);
        // The conditional unbind: `from` matches, so it goes through.
        p.disassociate(&eip.id, Some(target)).await.unwrap();
        p.wait_until_available(&eip.id, &wait()).await.unwrap();
    }
    assert_eq!(
        count(&sim, "AssociateEipAddress"),
        3,
        "one accepted bind per target"
    );

    // The emulated account has no SLB instances and no NAT gateways: the request is well-formed
    // and the cloud answers InvalidInstanId.NotFound.
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    for target in [
        AssociateTarget::LoadBalancer {
            id: "lb-bp1none".into(),
        },
        AssociateTarget::NatGateway {
            id: "ngw-bp1none".into(),
        },
    ] {
        match p.associate(&eip.id, &target).await {
            Err(Error::NotFound {
                resource,
                service: Some(service),
            }) => {
                assert_eq!(resource, format!("instance {}", target.id().unwrap()));
                assert_eq!(service.code, "InvalidInstanId.NotFound");
            }
            other => panic!("{target}: {other:?}"),
        }
    }
    let refused: Vec<_> = requests(&sim, "AssociateEipAddress")
        .into_iter()
        .filter_map(|r| r.error_code)
        .collect();
    assert_eq!(refused, vec!["InvalidInstanId.NotFound".to_owned(); 2]);
}

#[tokio::test]
async fn a_nic_binding_keeps_its_private_ip() {
    let sim = sim().await;
    let p = provider(&sim);
    let nic = sim.alibaba().network_interfaces[2].clone();
    let primary: std::net::IpAddr = nic.private_ip_address.parse().unwrap();
    let secondary: std::net::IpAddr = match primary {
        std::net::IpAddr::V4(v4) => std::net::IpAddr::V4(std::net::Ipv4Addr::new(
            v4.octets()[0],
            v4.octets()[1],
            v4.octets()[2],
            99,
        )),
        other => other,
    };
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    let target = AssociateTarget::nic(nic.id.clone(), Some(secondary));
    p.associate(&eip.id, &target).await.unwrap();
    let bound = p
        .wait_until_bound_to(&eip.id, &target, &wait())
        .await
        .unwrap();
    let binding = bound.binding.unwrap();
    assert_eq!(
        (binding.nic_id.as_deref(), binding.private_ip),
        (Some(nic.id.as_str()), Some(secondary))
    );
    // Bound to the NIC, so a fenced unbind naming the NIC's instance is refused without a request.
    sim.clear_requests();
    let error = p
        .disassociate(
            &eip.id,
            Some(&AssociateTarget::instance(nic.instance_id.clone())),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    assert_eq!(count(&sim, "UnassociateEipAddress"), 0);
}

#[tokio::test]
async fn disassociating_an_unbound_eip() {
    let sim = sim().await;
    let p = provider(&sim);
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    // Already unbound: nothing to do, nothing sent.
    p.disassociate(&eip.id, None).await.unwrap();
    let error = p
        .disassociate(&eip.id, Some(&AssociateTarget::instance(instance(&sim, 0))))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    assert_eq!(count(&sim, "UnassociateEipAddress"), 0);
    assert!(matches!(
        p.disassociate("eip-bp1doesnotexist", None).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn listing_260_eips_fetches_pages_in_parallel() {
    let sim = sim().await;
    sim.control(
        Cloud::Alibaba,
        "seed_eips",
        serde_json::json!({"count": 260, "name_prefix": "bulk"}),
    )
    .unwrap();
    let p = provider(&sim);
    // Slow every Describe down so that pages 2 and 3 must overlap if they are fetched together.
    sim.faults().add(
        FaultRule::new(
            FaultKind::Latency {
                fixed: Duration::from_millis(300),
                jitter: Duration::ZERO,
            },
            Trigger::Probability(1.0),
        )
        .cloud(Cloud::Alibaba)
        .action("DescribeEipAddresses"),
    );
    let all: Vec<_> = p
        .list(&ListFilter::new(), ListOptions::default())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        (ids.len(), unique.len()),
        (260, 260),
        "each EIP exactly once"
    );
    let expected: HashSet<String> = sim.inventory().into_iter().map(|e| e.id).collect();
    assert_eq!(
        unique.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        expected
    );

    let pages = requests(&sim, "DescribeEipAddresses");
    assert_eq!(pages.len(), 3, "PageSize 100: three pages for 260 EIPs");
    let (second, third) = (&pages[1], &pages[2]);
    assert!(
        third.at_ms < second.at_ms + second.duration_ms
            && second.at_ms < third.at_ms + third.duration_ms,
        "pages 2 and 3 were in flight together: {second:?} {third:?}"
    );
}

#[tokio::test]
async fn list_filters_reach_the_api() {
    let sim = sim().await;
    let p = provider(&sim);
    let vm = AssociateTarget::instance(instance(&sim, 3));
    let a = p
        .allocate(&AllocateRequest::new().name("alpha").tag("role", "db"))
        .await
        .unwrap();
    let b = p
        .allocate(&AllocateRequest::new().name("beta").tag("role", "web"))
        .await
        .unwrap();
    let c = p
        .allocate(&AllocateRequest::new().name("gamma"))
        .await
        .unwrap();
    p.associate(&b.id, &vm).await.unwrap();
    p.wait_until_bound_to(&b.id, &vm, &wait()).await.unwrap();

    let ids = |filter: ListFilter| {
        let p = &p;
        async move {
            let page = p.list_page(&filter, &PageRequest::default()).await.unwrap();
            let mut ids: Vec<String> = page.items.into_iter().map(|e| e.id).collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        ids(ListFilter::new().name("alpha")).await,
        vec![a.id.clone()]
    );
    assert_eq!(
        ids(ListFilter::new().tag("role", "web")).await,
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(ListFilter::new().status(EipStatus::Bound)).await,
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(ListFilter::new().bound_to(vm.clone())).await,
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(ListFilter::new().status(EipStatus::Available)).await,
        sorted(vec![a.id.clone(), c.id.clone()])
    );
    assert_eq!(
        ids(ListFilter::new().ids([a.id.clone(), c.id.clone()])).await,
        sorted(vec![a.id.clone(), c.id.clone()])
    );
    assert_eq!(
        ids(ListFilter::new().addresses([c.address])).await,
        vec![c.id.clone()]
    );
    // A status Alibaba does not have is filtered here: nothing is ever Locked.
    assert!(ids(ListFilter::new().status(EipStatus::Locked))
        .await
        .is_empty());

    // Page numbers and totals.
    let first = p
        .list_page(
            &ListFilter::new(),
            &PageRequest {
                token: None,
                size: Some(2),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (first.items.len(), first.next.clone(), first.total),
        (2, Some(PageToken::Number(2)), Some(3))
    );
    let last = p
        .list_page(
            &ListFilter::new(),
            &PageRequest {
                token: first.next,
                size: Some(2),
            },
        )
        .await
        .unwrap();
    assert_eq!((last.items.len(), last.next), (1, None));
}

/// Collects every `request_id` recorded into a span.
struct RequestIds(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RequestIds {
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Visit<'a>(&'a std::sync::Mutex<Vec<String>>);
        impl tracing::field::Visit for Visit<'_> {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "request_id" {
                    self.0.lock().unwrap().push(value.to_owned());
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        values.record(&mut Visit(&self.0));
    }
}

#[tokio::test]
async fn request_ids_are_recorded_in_the_attempt_span() {
    use tracing_subscriber::layer::SubscriberExt;
    let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(RequestIds(ids.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let sim = sim().await;
    let p = provider(&sim);
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(eip_sim::InjectedError::Throttled),
            Trigger::Times(1),
        )
        .cloud(Cloud::Alibaba)
        .action("DescribeEipAddresses"),
    );
    let error = p.get("eip-bp1unknown").await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }));
    let ids = ids.lock().unwrap().clone();
    assert_eq!(
        ids.len(),
        2,
        "the throttled attempt and the answered one: {ids:?}"
    );
    assert!(
        ids.iter().all(|id| id.len() >= 16) && ids[0] != ids[1],
        "{ids:?}"
    );
}

#[tokio::test]
async fn an_idempotency_key_replayed_after_release_is_a_conflict() {
    let sim = sim().await;
    let p = provider(&sim);
    let keyed = AllocateRequest::new().idempotency_key("deploy-42");
    let eip = p.allocate(&keyed).await.unwrap();
    assert_eq!(
        p.allocate(&keyed).await.unwrap().id,
        eip.id,
        "a replay returns the same address"
    );
    p.release(&eip.id).await.unwrap();
    p.wait_until_released(&eip.id, &wait()).await.unwrap();

    // The cloud answers the key with the released AllocationId: no address is invented.
    let error = p.allocate(&keyed).await.unwrap_err();
    assert!(
        matches!(&error, Error::Conflict { reason, .. } if reason.contains("idempotency key already used")),
        "{error:?}"
    );
    assert!(sim.inventory().is_empty(), "{:?}", sim.inventory());
    assert_eq!(count(&sim, "AllocateEipAddress"), 3);
}
