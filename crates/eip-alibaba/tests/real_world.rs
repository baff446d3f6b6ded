//! What real Alibaba accounts and gateways answer that the emulator does not: the fields of a
//! real DescribeEipAddresses answer, locked addresses, writes committed behind a gateway 5xx. Each runs against a scripted
//! loopback endpoint and checks what the user would see and which requests were sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::stub::{self, Stub};
use common::*;
use eip_core::{AssociateTarget, EipProvider, EipProviderExt, EipStatus, Error, MoveOptions};

const DESCRIBE: &str = "DescribeEipAddresses";
const ASSOCIATE: &str = "AssociateEipAddress";
const UNASSOCIATE: &str = "UnassociateEipAddress";
const RELEASE: &str = "ReleaseEipAddress";

const AVAILABLE: &str = r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"Available"}"#;
const BOUND: &str = r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse","InstanceId":"i-1","InstanceType":"EcsInstance","PrivateIpAddress":""}"#;

#[tokio::test]
async fn describe_reads_the_fields_a_real_account_answers_with() {
    let stub = Stub::start(|_, _| {
        stub::page(&[
            r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse",
            "Descritpion":"web tier","InstanceId":"i-1","InstanceType":"EcsInstance",
            "PrivateIpAddress":"","Bandwidth":"200","EipBandwidth":"5",
            "BandwidthPackageId":"cbwp-1","BusinessStatus":"Normal",
            "OperationLocks":{"LockReason":[]}}"#,
        ])
    })
    .await;
    let eip = provider_at(&stub.endpoint, stub_key())
        .get("eip-1")
        .await
        .unwrap();
    assert_eq!(eip.description.as_deref(), Some("web tier"));
    assert_eq!(
        eip.bandwidth_mbps,
        Some(5),
        "its own bandwidth, not the shared one's"
    );
    assert_eq!(eip.status, EipStatus::Bound);
    let binding = eip.binding.clone().unwrap();
    assert_eq!(binding.private_ip, None, "\"\" is no private IP");
    assert!(eip.is_bound_to(&AssociateTarget::instance("i-1")));
}

#[tokio::test]
async fn a_locked_address_refuses_associate_and_move_before_any_write() {
    let stub = Stub::start(|_, _| {
        stub::page(&[
            r#"{"AllocationId":"eip-1","IpAddress":"47.0.0.1","Status":"InUse",
            "InstanceId":"i-1","InstanceType":"EcsInstance","BusinessStatus":"OperationLock",
            "OperationLocks":{"LockReason":[{"LockReason":"financial"}]}}"#,
        ])
    })
    .await;
    let p = provider_at(&stub.endpoint, stub_key());
    let eip = p.get("eip-1").await.unwrap();
    assert_eq!(eip.status, EipStatus::Locked);
    assert!(eip.raw_status.contains("financial"), "{}", eip.raw_status);

    let (vm1, vm2) = (
        AssociateTarget::instance("i-1"),
        AssociateTarget::instance("i-2"),
    );
    let error = p.associate("eip-1", &vm2).await.unwrap_err();
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
    assert!(error.to_string().contains("financial"), "{error}");
    let error = p
        .move_to("eip-1", &vm1, &vm2, &MoveOptions::default())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("financial"), "{error}");
    assert_eq!(
        (stub.count(ASSOCIATE), stub.count(UNASSOCIATE)),
        (0, 0),
        "no write was sent: {:?}",
        stub.actions()
    );
}

#[tokio::test]
async fn a_bind_committed_behind_a_gateway_504_is_a_success() {
    // The bind is committed but the gateway answers 504; the read before the retry still shows
    // the old state (reads lag writes), so the bind is sent again and refused as a duplicate
    // while the address is bound to exactly the requested instance: that is success.
    let stub = Stub::start(|seen, n| match (seen.action.as_str(), n) {
        (ASSOCIATE, 0) => stub::gateway_timeout(),
        (ASSOCIATE, _) => stub::refusal(400, "InvalidAssociation.Duplicated"),
        (DESCRIBE, 0 | 1) => stub::page(&[AVAILABLE]),
        (DESCRIBE, _) => stub::page(&[BOUND]),
        _ => stub::refusal(400, "Unexpected"),
    })
    .await;
    let p = provider_at(&stub.endpoint, stub_key());
    p.associate("eip-1", &AssociateTarget::instance("i-1"))
        .await
        .unwrap();
    assert_eq!(stub.count(ASSOCIATE), 2, "{:?}", stub.actions());
}

#[tokio::test]
async fn a_bind_refused_as_a_duplicate_without_an_earlier_attempt_is_still_refused() {
    let stub = Stub::start(|seen, _| match seen.action.as_str() {
        ASSOCIATE => stub::refusal(400, "InvalidAssociation.Duplicated"),
        _ => stub::page(&[AVAILABLE]),
    })
    .await;
    let p = provider_at(&stub.endpoint, stub_key());
    let error = p
        .associate("eip-1", &AssociateTarget::instance("i-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::AlreadyAssociated { .. }),
        "{error:?}"
    );
    assert_eq!(stub.count(ASSOCIATE), 1);
}

#[tokio::test]
async fn a_release_answered_500_is_read_back_before_each_retry() {
    // Every release is answered 500 (the first one was committed). The address is read once
    // before anything is sent (deletion protection), and back before each retry: the first
    // read-back still shows it (reads lag writes), so it is sent again, harmlessly; the next
    // shows it gone, and the call is done.
    let stub = Stub::start(|seen, n| match (seen.action.as_str(), n) {
        (RELEASE, _) => stub::refusal(500, "InternalError"),
        (DESCRIBE, 0 | 1) => stub::page(&[AVAILABLE]),
        (DESCRIBE, _) => stub::page(&[]),
        _ => stub::refusal(400, "Unexpected"),
    })
    .await;
    provider_at(&stub.endpoint, stub_key())
        .release("eip-1")
        .await
        .unwrap();
    assert_eq!(
        stub.actions(),
        [DESCRIBE, RELEASE, DESCRIBE, RELEASE, DESCRIBE],
        "the protection read, then one read-back before each retry"
    );
}

#[tokio::test]
async fn a_release_whose_retry_finds_it_gone_is_a_success() {
    // The release is committed but answered 500, and reads show the address for longer than
    // the settling window, so it is sent again; that one is refused as not found because the
    // first one released it: success.
    let releases = Arc::new(AtomicUsize::new(0));
    let seen_releases = releases.clone();
    let stub = Stub::start(move |seen, _| match seen.action.as_str() {
        RELEASE if seen_releases.fetch_add(1, Ordering::SeqCst) == 0 => {
            stub::refusal(500, "InternalError")
        }
        RELEASE => stub::refusal(404, "InvalidAllocationId.NotFound"),
        DESCRIBE if seen_releases.load(Ordering::SeqCst) < 2 => stub::page(&[AVAILABLE]),
        DESCRIBE => stub::page(&[]),
        _ => stub::refusal(400, "Unexpected"),
    })
    .await;
    let p = provider_at(&stub.endpoint, stub_key());
    p.release("eip-1").await.unwrap();
    assert_eq!(releases.load(Ordering::SeqCst), 2, "{:?}", stub.actions());
}

#[tokio::test]
async fn a_release_of_an_address_that_never_existed_is_not_found() {
    let stub = Stub::start(|seen, _| match seen.action.as_str() {
        RELEASE => stub::refusal(404, "InvalidAllocationId.NotFound"),
        _ => stub::page(&[]),
    })
    .await;
    let error = provider_at(&stub.endpoint, stub_key())
        .release("eip-1")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert_eq!(stub.count(RELEASE), 1);
}

#[tokio::test]
async fn a_keyed_allocation_that_reads_lag_behind_is_still_returned() {
    // A new address invisible to the first reads is not mistaken for a replayed key.
    let stub = Stub::start(|seen, n| match (seen.action.as_str(), n) {
        ("AllocateEipAddress", _) => (
            200,
            r#"{"RequestId":"r","AllocationId":"eip-1","EipAddress":"47.0.0.1"}"#.to_owned(),
        ),
        (DESCRIBE, 0 | 1) => stub::page(&[]),
        (DESCRIBE, _) => stub::page(&[AVAILABLE]),
        _ => stub::refusal(400, "Unexpected"),
    })
    .await;
    let eip = provider_at(&stub.endpoint, stub_key())
        .allocate(&eip_core::AllocateRequest::new().idempotency_key("k-1"))
        .await
        .unwrap();
    assert_eq!(
        (eip.id.as_str(), eip.status),
        ("eip-1", EipStatus::Available)
    );
    assert_eq!(stub.count("AllocateEipAddress"), 1);
    assert_eq!(stub.count(DESCRIBE), 3);
}

#[tokio::test]
async fn a_bind_answered_500_every_time_makes_one_request_per_attempt_and_one_read_back() {
    // The most requests one call makes, with no loop inside another: the read before the bind,
    // then per attempt one bind, and before each retry one read-back (the address still reads
    // as available, so the bind is sent again).
    let stub = Stub::start(|seen, _| match seen.action.as_str() {
        ASSOCIATE => stub::refusal(500, "InternalError"),
        _ => stub::page(&[AVAILABLE]),
    })
    .await;
    let p = provider_at(&stub.endpoint, stub_key());
    let attempts = p.retry_policy().max_attempts as usize;
    let error = p
        .associate("eip-1", &AssociateTarget::instance("i-1"))
        .await
        .unwrap_err();
    assert_eq!(error.kind_name(), "service", "{error:?}");
    assert_eq!(stub.count(ASSOCIATE), attempts, "{:?}", stub.actions());
    assert_eq!(stub.count(DESCRIBE), attempts, "1 before + 1 per retry");
}

#[tokio::test]
async fn an_endpoint_that_never_answers_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let _hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let p = eip_alibaba::AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_endpoint(&endpoint)
        .with_credentials(stub_key())
        .with_retry(eip_core::RetryPolicy::never())
        .with_timeouts(eip_core::Timeouts::new(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_millis(200),
            std::time::Duration::from_secs(5),
        ))
        .build()
        .unwrap();
    let error = p.get("eip-1").await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { elapsed, .. } if !elapsed.is_zero()),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_refused_unread() {
    // A 6 MiB page, over the default 4 MiB cap: refused as an invalid response, not buffered.
    let huge = format!(
        r#"{{"RequestId":"r","TotalCount":1,"EipAddresses":{{"EipAddress":[]}},"Pad":"{}"}}"#,
        "x".repeat(6 << 20)
    );
    let stub = Stub::start(move |_, _| (200, huge.clone())).await;
    let error = eip_alibaba::AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_endpoint(&stub.endpoint)
        .with_credentials(stub_key())
        .with_retry(eip_core::RetryPolicy::never())
        .build()
        .unwrap()
        .get("eip-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidResponse { reason, .. } if reason.contains("limit")),
        "{error:?}"
    );
    assert_eq!(stub.count(DESCRIBE), 1);
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    // The signed request (under V1 its query holds the signature and the STS token) must not
    // go to the Location host.
    use eip_testkit::hostile::{Answer, HostileServer};
    let elsewhere = HostileServer::start(vec![Answer::http(200, "{}")]).await;
    let redirecting = HostileServer::start(vec![Answer::http(307, "")
        .with_header("location", format!("{}/?stolen=1", elsewhere.endpoint()))])
    .await;
    let error = eip_alibaba::AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_endpoint(redirecting.endpoint())
        .with_credentials(stub_key().with_security_token("sts-token"))
        .with_retry(eip_core::RetryPolicy::never())
        .build()
        .unwrap()
        .get("eip-1")
        .await
        .unwrap_err();
    assert_eq!(error.kind_name(), "invalid_response", "{error:?}");
    assert_eq!(redirecting.served(), 1);
    assert_eq!(elsewhere.served(), 0, "nothing reached the Location host");
}
