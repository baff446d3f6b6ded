//! Refusals: every error code the emulator can produce, wrong credentials, and invalid input
//! that never leaves the process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use eip_alibaba::{AccessKey, SignatureVersion};
use eip_core::{
    AllocateRequest, AssociateTarget, ChargeMode, EipProvider, EipProviderExt, EipStatus, Error,
    ListFilter, Modification, PageRequest, PageToken, RetryPolicy,
};
use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};

fn code(error: &Error) -> &str {
    error.service().map(|s| s.code.as_str()).unwrap_or("-")
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let sim = sim().await;
    let p = provider(&sim);
    let vm = AssociateTarget::instance(instance(&sim, 0));
    let many_tags = (0..21).fold(AllocateRequest::new(), |r, n| r.tag(format!("k{n}"), "v"));
    let outcomes: Vec<(&str, Error)> = vec![
        (
            "bandwidth 0",
            p.allocate(&AllocateRequest::new().bandwidth(0))
                .await
                .unwrap_err(),
        ),
        (
            "bandwidth 501",
            p.allocate(&AllocateRequest::new().bandwidth(501))
                .await
                .unwrap_err(),
        ),
        (
            "traffic 201",
            p.allocate(
                &AllocateRequest::new()
                    .bandwidth(201)
                    .charge_mode(ChargeMode::ByTraffic),
            )
            .await
            .unwrap_err(),
        ),
        (
            "name digit",
            p.allocate(&AllocateRequest::new().name("1web"))
                .await
                .unwrap_err(),
        ),
        (
            "description url",
            p.allocate(&AllocateRequest::new().description("https://x.example"))
                .await
                .unwrap_err(),
        ),
        ("21 tags", p.allocate(&many_tags).await.unwrap_err()),
        (
            "token space",
            p.allocate(&AllocateRequest::new().idempotency_key("a b"))
                .await
                .unwrap_err(),
        ),
        ("get slash", p.get("eip-1/../x").await.unwrap_err()),
        ("get empty", p.get("").await.unwrap_err()),
        (
            "associate bad id",
            p.associate("eip 1", &vm).await.unwrap_err(),
        ),
        (
            "associate bad target",
            p.associate("eip-1", &AssociateTarget::instance("i-1?x=1"))
                .await
                .unwrap_err(),
        ),
        (
            "private ip target",
            p.associate(
                "eip-1",
                &AssociateTarget::PrivateIp {
                    address: "10.0.0.1".parse().unwrap(),
                },
            )
            .await
            .unwrap_err(),
        ),
        (
            "disassociate bad id",
            p.disassociate("eip#1", None).await.unwrap_err(),
        ),
        (
            "modify nothing",
            p.modify("eip-1", &Modification::new()).await.unwrap_err(),
        ),
        (
            "modify 600",
            p.modify("eip-1", &Modification::new().bandwidth(600))
                .await
                .unwrap_err(),
        ),
        ("release bad id", p.release("eip-1\n").await.unwrap_err()),
        (
            "page 101",
            p.list_page(
                &ListFilter::new(),
                &PageRequest {
                    token: None,
                    size: Some(101),
                },
            )
            .await
            .unwrap_err(),
        ),
        (
            "page 0",
            p.list_page(
                &ListFilter::new(),
                &PageRequest {
                    token: Some(PageToken::Number(0)),
                    size: None,
                },
            )
            .await
            .unwrap_err(),
        ),
        (
            "marker",
            p.list_page(
                &ListFilter::new(),
                &PageRequest {
                    token: Some(PageToken::Marker("x".into())),
                    size: None,
                },
            )
            .await
            .unwrap_err(),
        ),
        (
            "51 ids",
            p.list_page(
                &ListFilter::new().ids((0..51).map(|n| format!("eip-{n}"))),
                &PageRequest::default(),
            )
            .await
            .unwrap_err(),
        ),
    ];
    for (what, error) in &outcomes {
        assert!(
            matches!(
                error,
                Error::InvalidInput { .. } | Error::Unsupported { .. }
            ),
            "{what}: {error:?}"
        );
    }
    let field = |what: &str| match outcomes.iter().find(|(w, _)| *w == what) {
        Some((_, Error::InvalidInput { field, .. })) => field.clone(),
        other => panic!("{what}: {other:?}"),
    };
    assert_eq!(field("traffic 201"), "bandwidth_mbps");
    assert_eq!(field("bandwidth 501"), "bandwidth_mbps");
    assert_eq!(field("51 ids"), "ids");
    assert!(
        sim.requests().is_empty(),
        "invalid input reached the server: {:?}",
        sim.requests()
    );
}

#[tokio::test]
async fn wrong_credentials_are_unauthenticated_and_not_retried() {
    let sim = sim().await;
    let id = sim.alibaba().access_key_id.clone();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        sim.clear_requests();
        let wrong_secret =
            provider_with(&sim, version, AccessKey::new(id.clone(), "not-the-secret"));
        let error = wrong_secret
            .allocate(&AllocateRequest::new())
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Unauthenticated { .. }),
            "{version:?}: {error:?}"
        );
        assert_eq!(code(&error), "SignatureDoesNotMatch");
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("not-the-secret") && !shown.contains("string to sign is:"),
            "{shown}"
        );

        let unknown_key = provider_with(&sim, version, AccessKey::new("LTAI-unknown", "whatever"));
        let error = unknown_key.get("eip-bp1x").await.unwrap_err();
        assert!(
            matches!(error, Error::Unauthenticated { .. }),
            "{version:?}: {error:?}"
        );
        assert_eq!(code(&error), "InvalidAccessKeyId.NotFound");
        assert_eq!(sim.requests().len(), 2, "{version:?}: one attempt each");
    }
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn not_found_codes() {
    let sim = sim().await;
    let p = provider(&sim);
    // DescribeEipAddresses answers an unknown id with an empty list, not an error.
    assert!(matches!(
        p.get("eip-bp1missing").await,
        Err(Error::NotFound { service: None, .. })
    ));
    // An associate reads the address first (a locked one is refused before any write), so a
    // missing one is found missing without an AssociateEipAddress request.
    let vm = AssociateTarget::instance(instance(&sim, 0));
    let error = p.associate("eip-bp1missing", &vm).await.unwrap_err();
    assert!(
        matches!(&error, Error::NotFound { resource, .. } if resource == "eip eip-bp1missing"),
        "{error:?}"
    );
    assert_eq!(count(&sim, "AssociateEipAddress"), 0);
    let error = p.release("eip-bp1missing").await.unwrap_err();
    assert_eq!(
        (error.kind_name(), code(&error)),
        ("not_found", "InvalidAllocationId.NotFound")
    );

    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    let error = p
        .associate(&eip.id, &AssociateTarget::instance("i-bp1nosuchvm"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotFound { resource, .. } if resource == "instance i-bp1nosuchvm"),
        "{error:?}"
    );
    assert_eq!(code(&error), "InvalidInstanId.NotFound");
}

#[tokio::test]
async fn wrong_states_are_retried_only_while_moving() {
    let sim = sim().await;
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 0)),
        AssociateTarget::instance(instance(&sim, 1)),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &vm1).await.unwrap();
    // While Associating the refusal is retried; once InUse (stable) it is returned.
    let error = p.associate(&eip.id, &vm2).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidState {
                current: Some(EipStatus::Bound),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(code(&error), "IncorrectEipStatus");
    let refusals = requests(&sim, "AssociateEipAddress")
        .into_iter()
        .filter(|r| r.error_code.as_deref() == Some("IncorrectEipStatus"))
        .count();
    assert!(refusals >= 1);

    // A bound EIP is never released.
    let error = p.release(&eip.id).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidState {
                current: Some(EipStatus::Bound),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sim.inventory()[0].status, "InUse");
    assert_eq!(count(&sim, "ReleaseEipAddress"), 1);

    // Modify while Unassociating: retried until the EIP is Available again, then applied.
    p.disassociate(&eip.id, None).await.unwrap();
    p.modify(&eip.id, &Modification::new().name("renamed"))
        .await
        .unwrap();
    assert_eq!(
        p.get(&eip.id).await.unwrap().name.as_deref(),
        Some("renamed")
    );
    let modify = requests(&sim, "ModifyEipAddressAttribute");
    assert_eq!(modify.last().map(|r| r.status), Some(200));
}

#[tokio::test]
async fn association_and_quota_and_token_conflicts() {
    let sim = sim().await;
    let p = provider(&sim);
    let vm = AssociateTarget::instance(instance(&sim, 0));
    let first = p.allocate(&AllocateRequest::new()).await.unwrap();
    let second = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&first.id, &vm).await.unwrap();
    let error = p.associate(&second.id, &vm).await.unwrap_err();
    assert!(
        matches!(error, Error::AlreadyAssociated { .. }),
        "{error:?}"
    );
    assert_eq!(code(&error), "InvalidAssociation.Duplicated");

    // A NIC private IP outside the vSwitch CIDR: the cloud's InvalidParameter names the field.
    let nic = sim.alibaba().network_interfaces[4].id.clone();
    let error = p
        .associate(
            &second.id,
            &AssociateTarget::nic(nic, Some("10.99.0.1".parse().unwrap())),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "private_ip"),
        "{error:?}"
    );

    // The same idempotency key with other parameters.
    p.allocate(
        &AllocateRequest::new()
            .name("one")
            .idempotency_key("deploy-7"),
    )
    .await
    .unwrap();
    let error = p
        .allocate(
            &AllocateRequest::new()
                .name("two")
                .idempotency_key("deploy-7"),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    assert_eq!(code(&error), "IdempotentParameterMismatch");
    // ...and with the same parameters, the same EIP.
    let again = p
        .allocate(
            &AllocateRequest::new()
                .name("one")
                .idempotency_key("deploy-7"),
        )
        .await
        .unwrap();
    assert_eq!(
        sim.inventory().iter().filter(|e| e.id == again.id).count(),
        1
    );
    assert_eq!(sim.inventory().len(), 3);

    sim.control(Cloud::Alibaba, "set_quota", serde_json::json!({"quota": 3}))
        .unwrap();
    let error = p.allocate(&AllocateRequest::new()).await.unwrap_err();
    assert!(matches!(error, Error::QuotaExceeded { .. }), "{error:?}");
    assert_eq!(code(&error), "QuotaExceeded.Eip");
    assert_eq!(sim.inventory().len(), 3);
}

#[tokio::test]
async fn a_stale_unbind_is_refused_by_the_re_read() {
    let sim = sim().await;
    let p = provider(&sim);
    let (vm1, vm2) = (
        AssociateTarget::instance(instance(&sim, 0)),
        AssociateTarget::instance(instance(&sim, 1)),
    );
    let eip = p.allocate(&AllocateRequest::new()).await.unwrap();
    p.associate(&eip.id, &vm1).await.unwrap();
    p.wait_until_bound_to(&eip.id, &vm1, &wait()).await.unwrap();

    // Our unbind (fenced on vm1) is held up on the way to the server; meanwhile another mover
    // moves the EIP to vm2. When ours arrives it names vm1; whatever the cloud answers (the
    // emulator refuses with InvalidBindingStatus, which Terraform retries as transient), the
    // re-read before the retry sees vm2 and stops with a conflict.
    sim.faults().add(
        FaultRule::new(
            FaultKind::Latency {
                fixed: Duration::from_millis(600),
                jitter: Duration::ZERO,
            },
            Trigger::Sequence(vec![true]),
        )
        .cloud(Cloud::Alibaba)
        .action("UnassociateEipAddress"),
    );
    let ours = {
        let p = provider(&sim);
        let (id, vm1) = (eip.id.clone(), vm1.clone());
        tokio::spawn(async move { p.disassociate(&id, Some(&vm1)).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let other = provider(&sim);
    other.disassociate(&eip.id, Some(&vm1)).await.unwrap();
    other.wait_until_available(&eip.id, &wait()).await.unwrap();
    other.associate(&eip.id, &vm2).await.unwrap();
    other
        .wait_until_bound_to(&eip.id, &vm2, &wait())
        .await
        .unwrap();

    let error = ours.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    assert!(error.to_string().contains(&instance(&sim, 0)), "{error}");
    assert_eq!(
        sim.inventory()[0].bound_to,
        Some(instance(&sim, 1)),
        "the other mover's binding stands"
    );
}

#[tokio::test]
async fn exhausted_retries_return_the_cloud_error() {
    let sim = sim().await;
    let a = sim.alibaba();
    let p = eip_alibaba::AlibabaProvider::builder()
        .with_region(a.region.clone())
        .with_endpoint(&a.endpoint)
        .with_credentials(key(&sim))
        .with_retry(RetryPolicy::never())
        .build()
        .unwrap();
    for (injected, kind, wire_code) in [
        (InjectedError::Throttled, "rate_limited", "Throttling.User"),
        (InjectedError::Unavailable, "service", "ServiceUnavailable"),
        (InjectedError::Internal, "service", "InternalError"),
        (InjectedError::Busy, "service", "OperationConflict"),
    ] {
        sim.faults().add(
            FaultRule::new(FaultKind::Error(injected), Trigger::Times(1)).cloud(Cloud::Alibaba),
        );
        let error = p
            .list_page(&ListFilter::new(), &PageRequest::default())
            .await
            .unwrap_err();
        assert_eq!((error.kind_name(), code(&error)), (kind, wire_code));
        assert!(error.is_retryable(), "{wire_code}");
    }
    assert_eq!(
        count(&sim, "DescribeEipAddresses"),
        4,
        "RetryPolicy::never: one attempt each"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error_that_leaks_nothing() {
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token = "sts-token-must-not-leak";
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let p = eip_alibaba::AlibabaProvider::builder()
            .with_region("cn-hangzhou")
            .with_endpoint(format!("http://127.0.0.1:{port}"))
            .with_credentials(
                AccessKey::new("LTAI-x", "secret-must-not-leak").with_security_token(token),
            )
            .with_signature_version(version)
            .with_retry(
                RetryPolicy::default()
                    .max_attempts(3)
                    .delays(Duration::from_millis(1), Duration::from_millis(5)),
            )
            .build()
            .unwrap();
        let error = p.allocate(&AllocateRequest::new()).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Transport {
                    maybe_sent: false,
                    ..
                }
            ),
            "{error:?}"
        );
        let mut shown = format!("{error} {error:?}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            shown.push_str(&format!(" {cause} {cause:?}"));
            source = cause.source();
        }
        for secret in [token, "secret-must-not-leak", "Signature="] {
            assert!(
                !shown.contains(secret),
                "{version:?} leaked {secret}: {shown}"
            );
        }
    }
}
