//! Huawei token auth under stress: expiry and revocation mid-run cost one re-authentication each
//! and no failed call; a wrong password costs one IAM request; a throttled IAM is backed off, not
//! stormed.

use std::time::Duration;

use futures::future::join_all;
use multicloud_eip::huawei::PasswordAuth;
use multicloud_eip::sim::{Cloud, FaultKind, FaultRule, InjectedError, Sim, Trigger};
use multicloud_eip::{AllocateRequest, EipProvider, Error, ListFilter, PageRequest};

use eip_testkit::Auth;

fn token_requests(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.action == "KeystoneCreateToken")
        .count()
}

async fn burst(p: &dyn EipProvider, id: &str, calls: usize) -> usize {
    let results = join_all((0..calls).map(|_| p.get(id))).await;
    results.iter().filter(|r| r.is_err()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_and_revocation_mid_run_cost_one_reauthentication_each() {
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    let p = eip_testkit::huawei_with(&sim, Auth::Default, eip_testkit::fast_retry());
    let eip = p
        .allocate(&AllocateRequest::new().bandwidth(5).name("tok"))
        .await
        .unwrap();
    assert_eq!(burst(&p, &eip.id, 100).await, 0);
    assert_eq!(token_requests(&sim), 1);

    sim.control(Cloud::Huawei, "expire_tokens", serde_json::json!({}))
        .unwrap();
    assert_eq!(
        burst(&p, &eip.id, 100).await,
        0,
        "no call fails across an expiry"
    );
    assert_eq!(
        token_requests(&sim),
        2,
        "one re-authentication for the expiry"
    );

    sim.control(Cloud::Huawei, "revoke_tokens", serde_json::json!({}))
        .unwrap();
    assert_eq!(
        burst(&p, &eip.id, 100).await,
        0,
        "no call fails across a revocation"
    );
    assert_eq!(
        token_requests(&sim),
        3,
        "one re-authentication for the revocation"
    );
    assert_eq!(p.iam_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_costs_exactly_one_iam_request() {
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    let info = sim.huawei();
    let p = eip_testkit::huawei_builder(&sim)
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            "not-the-password",
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    let (filter, page) = (ListFilter::new(), PageRequest::default());
    let results = join_all((0..20).map(|_| p.list_page(&filter, &page))).await;
    for result in &results {
        assert!(
            matches!(result, Err(Error::Unauthenticated { .. })),
            "{result:?}"
        );
    }
    assert_eq!(
        token_requests(&sim),
        1,
        "IAM locks accounts after repeated failures: ask once"
    );
    let vpc_calls = sim
        .requests()
        .iter()
        .filter(|r| r.action != "KeystoneCreateToken")
        .count();
    assert_eq!(vpc_calls, 0, "nothing is sent without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_iam_is_backed_off_not_stormed() {
    let sim = eip_testkit::sim_with(Duration::from_millis(5), 8).await;
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Times(3),
        )
        .cloud(Cloud::Huawei)
        .action("KeystoneCreateToken"),
    );
    let p = eip_testkit::huawei_with(&sim, Auth::Default, eip_testkit::fast_retry());
    let (filter, page) = (ListFilter::new(), PageRequest::default());
    let results = join_all((0..50).map(|_| p.list_page(&filter, &page))).await;
    assert!(
        results.iter().all(Result::is_ok),
        "every caller gets through once IAM recovers"
    );
    assert_eq!(
        token_requests(&sim),
        4,
        "3 throttled answers and 1 token, shared by 50 callers"
    );
    let times: Vec<u64> = sim
        .requests()
        .iter()
        .filter(|r| r.action == "KeystoneCreateToken")
        .map(|r| r.at_ms)
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] >= w[0]),
        "one IAM request at a time"
    );
}
