//! The cases, each written once against `dyn EipProvider`.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProviderExt, EipStatus, Error, ListFilter, ListOptions,
    Modification, MoveOptions, TargetKind, WaitPolicy,
};

use crate::fixture::Fixture;

async fn allocate(f: &Fixture, suffix: &str) -> String {
    let eip = f
        .provider
        .allocate(&AllocateRequest::new().bandwidth(5).name(f.name(suffix)))
        .await
        .unwrap();
    f.provider
        .wait_until_available(&eip.id, &f.wait())
        .await
        .unwrap();
    eip.id
}

async fn bind(f: &Fixture, id: &str, instance: &str) {
    let target = AssociateTarget::instance(instance);
    f.provider.associate(id, &target).await.unwrap();
    f.provider
        .wait_until_bound_to(id, &target, &f.wait())
        .await
        .unwrap();
}

/// Allocate, bind, modify, unbind, release: each step visible in the normalized model.
pub async fn lifecycle(f: &Fixture) {
    let p = f.provider.as_ref();
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5).name(f.name("life")))
        .await
        .unwrap();
    assert_eq!(eip.name.as_deref(), Some(f.name("life").as_str()));
    assert_eq!(eip.provider, p.kind());
    let eip = p.wait_until_available(&eip.id, &f.wait()).await.unwrap();
    assert_eq!(eip.status, EipStatus::Available);
    assert!(eip.binding.is_none());
    assert_eq!(eip.bandwidth_mbps, Some(5));

    let target = AssociateTarget::instance(&f.instances[0]);
    p.associate(&eip.id, &target).await.unwrap();
    let bound = p
        .wait_until_bound_to(&eip.id, &target, &f.wait())
        .await
        .unwrap();
    let binding = bound.binding.clone().unwrap();
    assert_eq!(
        binding.instance_id.as_deref(),
        Some(f.instances[0].as_str())
    );
    assert_eq!(binding.kind, TargetKind::Instance);
    assert!(
        binding.private_ip.is_some(),
        "a bound address reports its private IP"
    );
    assert_eq!(p.get(&eip.id).await.unwrap().status, EipStatus::Bound);

    p.modify(
        &eip.id,
        &Modification::new().bandwidth(50).name(f.name("life2")),
    )
    .await
    .unwrap();
    let modified = p
        .wait_until(&eip.id, &f.wait(), |e| e.status.is_stable())
        .await
        .unwrap();
    assert_eq!(modified.bandwidth_mbps, Some(50));
    assert_eq!(modified.name.as_deref(), Some(f.name("life2").as_str()));
    assert!(
        modified.is_bound_to(&target),
        "modify must not touch the binding"
    );

    p.disassociate(&eip.id, Some(&target)).await.unwrap();
    let unbound = p.wait_until_available(&eip.id, &f.wait()).await.unwrap();
    assert!(unbound.binding.is_none());

    p.release(&eip.id).await.unwrap();
    p.wait_until_released(&eip.id, &f.wait()).await.unwrap();
    assert!(matches!(p.get(&eip.id).await, Err(Error::NotFound { .. })));
    if let Some(sim) = &f.sim {
        assert!(
            sim.inventory().is_empty(),
            "nothing leaked: {:?}",
            sim.inventory()
        );
    }
}

/// 250 addresses over several pages: each exactly once, the same set the cloud holds.
pub async fn pagination_over_250(f: &Fixture) {
    let (Some(sim), Some(cloud)) = (&f.sim, f.cloud) else {
        return;
    }; // 250 real addresses would cost money
    sim.control(cloud, "seed_eips", serde_json::json!({"count": 250}))
        .unwrap();
    let listed: Vec<_> = f
        .provider
        .list(&ListFilter::new(), ListOptions::default().page_size(100))
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<_> = listed.iter().map(|e| e.id.clone()).collect();
    assert_eq!(listed.len(), 250, "every address once");
    assert_eq!(ids.len(), 250);
    let held: HashSet<_> = sim.inventory().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, held);
}

/// Filters by status, name, bound instance, ids and addresses.
pub async fn filters(f: &Fixture) {
    let p = f.provider.as_ref();
    let a = allocate(f, "fa").await;
    let b = allocate(f, "fb").await;
    let c = allocate(f, "fc").await;
    bind(f, &a, &f.instances[0]).await;
    let collect = |filter: ListFilter| async move {
        let mut ids: Vec<String> = p
            .list(&filter, ListOptions::default())
            .map_ok(|e| e.id)
            .try_collect()
            .await
            .unwrap();
        ids.sort();
        ids
    };
    assert_eq!(
        collect(ListFilter::new().status(EipStatus::Bound)).await,
        vec![a.clone()]
    );
    assert_eq!(
        collect(ListFilter::new().name(f.name("fb"))).await,
        vec![b.clone()]
    );
    assert_eq!(
        collect(ListFilter::new().bound_to(AssociateTarget::instance(&f.instances[0]))).await,
        vec![a.clone()]
    );
    let mut two = vec![b.clone(), c.clone()];
    two.sort();
    assert_eq!(
        collect(ListFilter::new().ids([b.clone(), c.clone()])).await,
        two
    );
    let address = p.get(&c).await.unwrap().address;
    assert_eq!(
        collect(ListFilter::new().addresses([address])).await,
        vec![c.clone()]
    );
    let available = collect(ListFilter::new().status(EipStatus::Available)).await;
    assert!(available.contains(&b) && available.contains(&c) && !available.contains(&a));
}

/// Unknown addresses are NotFound for reads and writes alike.
pub async fn not_found(f: &Fixture) {
    let p = f.provider.as_ref();
    let missing = "eip-0000doesnotexist";
    assert!(matches!(p.get(missing).await, Err(Error::NotFound { .. })));
    assert!(matches!(
        p.release(missing).await,
        Err(Error::NotFound { .. })
    ));
    let target = AssociateTarget::instance(&f.instances[0]);
    assert!(matches!(
        p.associate(missing, &target).await,
        Err(Error::NotFound { .. })
    ));
    let id = allocate(f, "nf").await;
    let ghost = AssociateTarget::instance("i-0000doesnotexist");
    assert!(matches!(
        p.associate(&id, &ghost).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        p.get(&id).await.unwrap().status,
        EipStatus::Available,
        "a failed bind changes nothing"
    );
}

/// Releasing a bound address is refused, and the address stays bound.
pub async fn release_while_bound_is_refused(f: &Fixture) {
    let id = allocate(f, "rb").await;
    bind(f, &id, &f.instances[0]).await;
    match f.provider.release(&id).await {
        Err(Error::InvalidState { .. }) => {}
        other => panic!("expected InvalidState, got {other:?}"),
    }
    let eip = f.provider.get(&id).await.unwrap();
    assert!(
        eip.is_bound_to(&AssociateTarget::instance(&f.instances[0])),
        "no silent unbind"
    );
}

/// An instance holds one address; a bound address cannot be bound elsewhere.
pub async fn association_conflicts(f: &Fixture) {
    let p = f.provider.as_ref();
    let first = allocate(f, "ac1").await;
    let second = allocate(f, "ac2").await;
    bind(f, &first, &f.instances[0]).await;
    let a = AssociateTarget::instance(&f.instances[0]);
    let b = AssociateTarget::instance(&f.instances[1]);
    assert!(matches!(
        p.associate(&second, &a).await,
        Err(Error::AlreadyAssociated { .. })
    ));
    assert!(matches!(
        p.associate(&first, &b).await,
        Err(Error::AlreadyAssociated { .. } | Error::InvalidState { .. })
    ));
    assert!(p.get(&first).await.unwrap().is_bound_to(&a));
    assert_eq!(p.get(&second).await.unwrap().status, EipStatus::Available);
    // A fenced unbind from the wrong instance does nothing.
    assert!(matches!(
        p.disassociate(&first, Some(&b)).await,
        Err(Error::Conflict { .. })
    ));
    assert!(p.get(&first).await.unwrap().is_bound_to(&a));
}

/// A wait for a state that never comes ends with the last state seen.
pub async fn waits_time_out(f: &Fixture) {
    let id = allocate(f, "wt").await;
    let policy = WaitPolicy::default().max_wait(Duration::from_millis(300));
    match f
        .provider
        .wait_for_status(&id, EipStatus::Bound, &policy)
        .await
    {
        Err(Error::WaitTimeout {
            last: Some(last), ..
        }) => assert_eq!(last.status, EipStatus::Available),
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
}

/// The same idempotency key twice gives the same address, never a second one.
pub async fn idempotent_allocate(f: &Fixture) {
    let key = format!("{}-idem-key", f.run_id);
    let request = AllocateRequest::new()
        .bandwidth(5)
        .name(f.name("idem"))
        .idempotency_key(key);
    let first = f.provider.allocate(&request).await.unwrap();
    let second = f.provider.allocate(&request).await.unwrap();
    assert_eq!(first.id, second.id);
    if let Some(sim) = &f.sim {
        assert_eq!(sim.inventory().len(), 1, "exactly one address exists");
    }
}

/// A move from A to B happens only if the address is on A; a stale mover gets a conflict.
pub async fn fenced_move(f: &Fixture) {
    let p = f.provider.as_ref();
    let id = allocate(f, "mv").await;
    bind(f, &id, &f.instances[0]).await;
    let (a, b) = (
        AssociateTarget::instance(&f.instances[0]),
        AssociateTarget::instance(&f.instances[1]),
    );
    let report = p
        .move_to(&id, &a, &b, &MoveOptions::with_wait(f.wait()))
        .await
        .unwrap();
    assert!(report.eip.is_bound_to(&b));
    assert!(
        report.disassociate_accepted <= report.unbound
            && report.unbound <= report.associate_accepted
    );
    assert!(report.associate_accepted <= report.bound);
    // A second mover that still believes the address is on A must not touch it.
    let c = AssociateTarget::instance(f.instances.get(2).unwrap_or(&f.instances[1]));
    assert!(matches!(
        p.move_to(&id, &a, &c, &MoveOptions::with_wait(f.wait()))
            .await,
        Err(Error::Conflict { .. })
    ));
    assert!(p.get(&id).await.unwrap().is_bound_to(&b));
}

/// What a provider says it cannot do is refused before any request.
pub async fn capabilities_are_respected(f: &Fixture) {
    let p = f.provider.as_ref();
    let caps = p.capabilities().clone();
    let before = f.requests();
    let too_much = caps.bandwidth_mbps.end() + 1;
    assert!(matches!(
        p.allocate(&AllocateRequest::new().bandwidth(too_much)).await,
        Err(Error::InvalidInput { field, .. }) if field == "bandwidth_mbps"
    ));
    let unsupported = [
        AssociateTarget::HighAvailabilityVip {
            id: "havip-1".into(),
        },
        AssociateTarget::NatGateway { id: "ngw-1".into() },
        AssociateTarget::LoadBalancer { id: "lb-1".into() },
        AssociateTarget::PrivateIp {
            address: "10.0.0.9".parse().unwrap(),
        },
    ];
    for target in unsupported {
        let supported = match &target {
            AssociateTarget::PrivateIp { .. } => caps.private_ip_targets,
            other => caps.targets.contains(&other.kind()),
        };
        if !supported {
            assert!(
                matches!(
                    p.associate("eip-x1", &target).await,
                    Err(Error::Unsupported { .. })
                ),
                "{target}"
            );
        }
    }
    if caps.description_rule.is_none() {
        assert!(matches!(
            p.allocate(&AllocateRequest::new().description("front door"))
                .await,
            Err(Error::Unsupported { .. })
        ));
    }
    assert_eq!(f.requests(), before, "refused input sends nothing");
}
