//! Writes whose answer a gateway replaced with an error after the emulator executed them: the
//! provider settles them by reading back and never sends them blindly again (a create answered
//! `504 APIG.0201` must not leave two billed addresses). A gateway in front of the emulator
//! stages each case over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use eip_core::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, EipStatus, Error};
use eip_huawei::{HuaweiProvider, PasswordAuth};
use eip_sim::Sim;
use eip_testkit::hostile::gateway::{self, backend_timeout, html_page, Step};
use eip_testkit::hostile::{RawServer, Received, Reply};
use eip_testkit::Auth;

/// A password provider whose VPC calls go through `gateway` (IAM straight to the emulator).
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

fn is(received: &Received, method: &str, path_part: &str) -> bool {
    received.method == method && received.target.contains(path_part)
}

/// Replaces the answer of the first `times` requests matching `method` and `path_part`, after
/// the emulator executed them.
async fn commit_then(
    sim: &Sim,
    method: &'static str,
    path_part: &'static str,
    times: usize,
    reply: Reply,
) -> RawServer {
    let seen = AtomicUsize::new(0);
    gateway::start(&sim.huawei().vpc_endpoint, move |r| {
        if is(r, method, path_part) && seen.fetch_add(1, Ordering::SeqCst) < times {
            Step::CommitThen(reply.clone())
        } else {
            Step::Forward
        }
    })
    .await
}

fn sent(gateway: &RawServer, method: &str, path_part: &str) -> usize {
    gateway
        .received()
        .iter()
        .filter(|r| is(r, method, path_part))
        .count()
}

#[tokio::test]
async fn a_create_answered_504_after_commit_leaves_exactly_one_eip() {
    for key in [None, Some("web-1")] {
        let sim = eip_testkit::sim().await;
        let gw = commit_then(&sim, "POST", "/publicips", 1, backend_timeout()).await;
        let huawei = through(&sim, &gw);
        let mut request = AllocateRequest::new().bandwidth(5);
        if let Some(key) = key {
            request = request.idempotency_key(key);
        }
        let eip = huawei.allocate(&request).await.unwrap();
        let inventory = sim.inventory();
        assert_eq!(inventory.len(), 1, "key {key:?}: {inventory:?}");
        assert_eq!(inventory[0].id, eip.id);
        assert_eq!(
            sent(&gw, "POST", "/publicips"),
            1,
            "the create was sent again"
        );
    }
}

#[tokio::test]
async fn a_create_answered_with_gateway_pages_until_the_end_is_adopted_not_repeated() {
    // Every create answer is a 502 page: the first create landed, and is the one returned.
    let sim = eip_testkit::sim().await;
    let gw = commit_then(&sim, "POST", "/publicips", usize::MAX, html_page(502)).await;
    let huawei = through(&sim, &gw);
    let eip = huawei
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    assert_eq!(sim.inventory().len(), 1);
    assert_eq!(sim.inventory()[0].id, eip.id);
    assert_eq!(sent(&gw, "POST", "/publicips"), 1);
}

#[tokio::test]
async fn a_bind_answered_504_after_commit_is_success_and_sent_once() {
    let sim = eip_testkit::sim().await;
    let gw = commit_then(&sim, "PUT", "/publicips/", 1, backend_timeout()).await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(bound.is_bound_to(&target));
    assert_eq!(sent(&gw, "PUT", "/publicips/"), 1);
}

/// After the first PUT was answered 504, reads show the address as it was before (a lagging
/// read) until the PUT is sent again.
async fn bind_lost_and_reads_lagging(sim: &Sim) -> RawServer {
    let puts = Arc::new(AtomicUsize::new(0));
    gateway::start(&sim.huawei().vpc_endpoint, move |r| {
        if is(r, "PUT", "/publicips/") {
            return match puts.fetch_add(1, Ordering::SeqCst) {
                0 => Step::CommitThen(backend_timeout()),
                _ => Step::Forward,
            };
        }
        if is(r, "GET", "/publicips/") && puts.load(Ordering::SeqCst) == 1 {
            return Step::Rewrite(Box::new(|mut reply: Reply| {
                let mut body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
                body["publicip"]["port_id"] = serde_json::Value::Null;
                body["publicip"]["status"] = "DOWN".into();
                reply.body = body.to_string().into_bytes();
                reply
            }));
        }
        Step::Forward
    })
    .await
}

#[tokio::test]
async fn a_resent_bind_refused_as_already_bound_to_the_requested_port_is_success() {
    let sim = eip_testkit::sim().await;
    let gw = bind_lost_and_reads_lagging(&sim).await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    // The settle reads show it unbound for the whole window, so the bind is sent again; the
    // cloud answers 409 VPC.0510, and the address is bound to exactly the requested port.
    huawei.associate(&eip.id, &target).await.unwrap();
    assert_eq!(sent(&gw, "PUT", "/publicips/"), 2);
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.error_code.as_deref() == Some("VPC.0510")));
    let bound = huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(bound.is_bound_to(&target));
}

#[tokio::test]
async fn a_resent_bind_refused_while_bound_elsewhere_stays_an_error() {
    let sim = eip_testkit::sim().await;
    let gw = bind_lost_and_reads_lagging(&sim).await;
    let huawei = through(&sim, &gw);
    let other = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let servers = sim.huawei().servers.clone();
    let mine = AssociateTarget::instance(servers[0].id.clone());
    // Someone else binds it first (straight to the emulator); our bind then is refused.
    let theirs = AssociateTarget::instance(servers[1].id.clone());
    other.associate(&eip.id, &theirs).await.unwrap();
    other
        .wait_until_bound_to(&eip.id, &theirs, &eip_testkit::fast_wait())
        .await
        .unwrap();
    let error = huawei.associate(&eip.id, &mine).await.unwrap_err();
    assert!(
        matches!(error, Error::AlreadyAssociated { .. }),
        "{error:?}"
    );
    assert!(other.get(&eip.id).await.unwrap().is_bound_to(&theirs));
}

#[tokio::test]
async fn an_unbind_answered_504_after_commit_is_settled_by_the_port() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    let gw = commit_then(&sim, "PUT", "/publicips/", 1, html_page(503)).await;
    let through = through(&sim, &gw);
    through.disassociate(&eip.id, Some(&target)).await.unwrap();
    let unbound = through
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(unbound.binding.is_none());
    assert_eq!(sent(&gw, "PUT", "/publicips/"), 1);
}

#[tokio::test]
async fn a_release_answered_504_after_commit_is_success_and_sent_once() {
    let sim = eip_testkit::sim().await;
    let gw = commit_then(&sim, "DELETE", "/publicips/", 1, backend_timeout()).await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    huawei.release(&eip.id).await.unwrap();
    huawei
        .wait_until_released(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert!(sim.inventory().is_empty());
    assert_eq!(sent(&gw, "DELETE", "/publicips/"), 1);
}

#[tokio::test]
async fn a_release_whose_resend_finds_the_address_gone_is_success() {
    let sim = eip_testkit::sim().await;
    let deletes = Arc::new(AtomicUsize::new(0));
    let gw = gateway::start(&sim.huawei().vpc_endpoint, {
        let deletes = deletes.clone();
        move |r| {
            if is(r, "DELETE", "/publicips/") {
                return match deletes.fetch_add(1, Ordering::SeqCst) {
                    0 => Step::CommitThen(backend_timeout()),
                    _ => Step::Forward,
                };
            }
            // Reads lag: the address still shows as it was until the delete is sent again.
            if is(r, "GET", "/publicips/") && deletes.load(Ordering::SeqCst) == 1 {
                let id = r.target.rsplit('/').next().unwrap_or_default().to_owned();
                return Step::Refuse(Reply::json(
                    200,
                    serde_json::json!({"publicip": {
                        "id": id, "status": "DOWN", "public_ip_address": "192.0.2.9"
                    }}),
                ));
            }
            Step::Forward
        }
    })
    .await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    huawei.release(&eip.id).await.unwrap();
    assert_eq!(
        deletes.load(Ordering::SeqCst),
        2,
        "sent again once the window passed"
    );
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_permanent_5xx_is_final_not_retried_nor_settled() {
    let sim = eip_testkit::sim().await;
    let gw = gateway::start(&sim.huawei().vpc_endpoint, |r| {
        if is(r, "DELETE", "/publicips/") {
            Step::Refuse(Reply::json(
                500,
                serde_json::json!({"code": "VPC.0516", "message": "EIP is used by ELB."}),
            ))
        } else {
            Step::Forward
        }
    })
    .await;
    let huawei = through(&sim, &gw);
    let eip = eip_testkit::available(&huawei).await;
    let before = sent(&gw, "GET", "/publicips/");
    let error = huawei.release(&eip.id).await.unwrap_err();
    assert!(
        matches!(&error, Error::Service { retryable: false, service } if service.code == "VPC.0516"),
        "{error:?}"
    );
    assert_eq!(sent(&gw, "DELETE", "/publicips/"), 1);
    assert_eq!(
        sent(&gw, "GET", "/publicips/"),
        before,
        "a final answer was settled"
    );
    assert_eq!(
        huawei.get(&eip.id).await.unwrap().status,
        EipStatus::Available
    );
}
