//! Fault injection, the request log, the inventory and the control API over raw HTTP, and 1,000
//! concurrent requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{reply, start_sim, Ali};
use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};
use serde_json::{json, Value};

fn error_rule(error: InjectedError, trigger: Trigger) -> FaultRule {
    FaultRule::new(FaultKind::Error(error), trigger).cloud(Cloud::Alibaba)
}

#[tokio::test]
async fn injected_errors_have_alibaba_shapes_and_no_effect() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    for (error, status, code) in [
        (InjectedError::Throttled, 400, "Throttling.User"),
        (InjectedError::Unavailable, 503, "ServiceUnavailable"),
        (InjectedError::Internal, 500, "InternalError"),
        (InjectedError::Busy, 409, "OperationConflict"),
    ] {
        sim.faults()
            .add(error_rule(error, Trigger::Times(1)).action("AllocateEipAddress"));
        ali.call("AllocateEipAddress", &[])
            .await
            .expect_error(status, code);
    }
    assert!(
        sim.inventory().is_empty(),
        "an injected error has no effect"
    );
    assert_eq!(ali.call("AllocateEipAddress", &[]).await.status, 200);
    let stats = sim.faults().stats();
    assert_eq!(
        (
            stats.throttled,
            stats.unavailable,
            stats.internal,
            stats.busy
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(stats.total(), 4);

    let log = sim.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0].fault.as_deref(), Some("throttled"));
    assert_eq!(
        (log[0].status, log[0].error_code.as_deref()),
        (400, Some("Throttling.User"))
    );
    assert_eq!(
        (log[1].status, log[1].error_code.as_deref()),
        (503, Some("ServiceUnavailable"))
    );
    assert_eq!(
        (
            log[4].status,
            log[4].fault.as_deref(),
            log[4].error_code.as_deref()
        ),
        (200, None, None)
    );
    assert!(log.iter().all(|r| r.cloud == Cloud::Alibaba
        && r.action == "AllocateEipAddress"
        && r.method == "POST"));
    assert!(log.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
}

#[tokio::test]
async fn a_closed_connection_is_a_client_error_with_no_effect() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    sim.faults().add(
        FaultRule::new(FaultKind::CloseConnection, Trigger::Times(1)).action("AllocateEipAddress"),
    );
    let signed = ali.v1_params("POST", "AllocateEipAddress", &[]);
    let query = signed
        .iter()
        .map(|(k, v)| format!("{}={}", common::enc(k), common::enc(v)))
        .collect::<Vec<_>>();
    let result = ali
        .http
        .post(format!("{}/?{}", ali.endpoint, query.join("&")))
        .send()
        .await;
    let error = result.expect_err("the client must see a connection error, not an HTTP status");
    assert!(error.status().is_none());
    assert!(sim.inventory().is_empty());
    let log = sim.requests();
    assert_eq!(
        (log[0].status, log[0].fault.as_deref()),
        (0, Some("close_connection"))
    );
    assert_eq!(sim.faults().stats().closed_connections, 1);
    // The next request on a new connection works.
    assert_eq!(ali.call("AllocateEipAddress", &[]).await.status, 200);
}

#[tokio::test]
async fn commit_then_drop_changes_state_but_never_answers() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    sim.faults()
        .add(FaultRule::new(FaultKind::CommitThenDrop, Trigger::Times(1)).cloud(Cloud::Alibaba));
    let signed = ali.v1_params("POST", "AllocateEipAddress", &[("ClientToken", "drop-1")]);
    let query = signed
        .iter()
        .map(|(k, v)| format!("{}={}", common::enc(k), common::enc(v)))
        .collect::<Vec<_>>();
    let result = ali
        .http
        .post(format!("{}/?{}", ali.endpoint, query.join("&")))
        .send()
        .await;
    assert!(result.is_err(), "no answer must reach the client");
    let inventory = sim.inventory();
    assert_eq!(inventory.len(), 1, "the allocation happened");
    // The retry with the same ClientToken returns the committed EIP instead of a second one.
    let retry = ali
        .call("AllocateEipAddress", &[("ClientToken", "drop-1")])
        .await
        .ok();
    assert_eq!(retry["AllocationId"], inventory[0].id.as_str());
    assert_eq!(sim.inventory().len(), 1);
    let log = sim.requests();
    assert_eq!(
        (log[0].status, log[0].fault.as_deref()),
        (200, Some("commit_then_drop"))
    );
    assert_eq!(sim.faults().stats().commit_then_drop, 1);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let latency = FaultKind::Latency {
        fixed: Duration::from_millis(150),
        jitter: Duration::from_millis(20),
    };
    sim.faults()
        .add(FaultRule::new(latency, Trigger::Times(1)).action("DescribeEipAddresses"));
    let started = Instant::now();
    assert_eq!(ali.call("DescribeEipAddresses", &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let log = sim.requests();
    assert_eq!(log[0].fault.as_deref(), Some("latency"));
    assert!(log[0].duration_ms >= 150, "{:?}", log[0]);
    assert_eq!(sim.faults().stats().delayed, 1);
}

async fn describe_statuses(ali: &Ali, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(ali.call("DescribeEipAddresses", &[]).await.status);
    }
    statuses
}

#[tokio::test]
async fn sequences_and_probabilities_are_deterministic() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let script = vec![false, true, false, true];
    sim.faults().add(
        error_rule(InjectedError::Throttled, Trigger::Sequence(script))
            .action("DescribeEipAddresses"),
    );
    // Another action or cloud does not advance the script.
    sim.faults()
        .add(error_rule(InjectedError::Internal, Trigger::Times(1)).cloud(Cloud::Huawei));
    assert_eq!(ali.call("AllocateEipAddress", &[]).await.status, 200);
    assert_eq!(
        describe_statuses(&ali, 6).await,
        [200, 400, 200, 400, 200, 200]
    );

    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = start_sim(30).await;
        let ali = Ali::new(&sim);
        sim.faults().add(error_rule(
            InjectedError::Unavailable,
            Trigger::Probability(0.5),
        ));
        runs.push(describe_statuses(&ali, 24).await);
    }
    assert_eq!(runs[0], runs[1], "same seed, same faults");
    assert!(runs[0].contains(&503) && runs[0].contains(&200));
}

async fn control(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let answer = reply(request.send().await.unwrap()).await;
    (answer.status, answer.json)
}

#[tokio::test]
async fn the_control_api_drives_faults_inventory_log_and_reset() {
    use reqwest::Method;
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let http = reqwest::Client::new();
    let base = sim.contract()["control"].as_str().unwrap().to_owned();
    assert_eq!(base, format!("{}/_sim", sim.endpoint()));

    let rule = json!({"cloud": "alibaba", "action": "AllocateEipAddress", "kind": {"error": "throttled"}, "trigger": {"times": 1}});
    let (status, rules) = control(&http, Method::POST, format!("{base}/faults"), Some(rule)).await;
    assert_eq!((status, rules.as_array().unwrap().len()), (200, 1));
    ali.call("AllocateEipAddress", &[])
        .await
        .expect_error(400, "Throttling.User");
    let (_, stats) = control(&http, Method::GET, format!("{base}/faults/stats"), None).await;
    assert_eq!(stats["throttled"], 1);
    let bad = json!({"kind": {"error": "throttled"}, "trigger": {"probability": 2.0}});
    assert_eq!(
        control(&http, Method::POST, format!("{base}/faults"), Some(bad))
            .await
            .0,
        400
    );
    assert_eq!(
        control(
            &http,
            Method::POST,
            format!("{base}/faults"),
            Some(json!({"kind": 1}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        control(&http, Method::DELETE, format!("{base}/faults"), None)
            .await
            .0,
        200
    );
    assert!(sim.faults().rules().is_empty());
    assert_eq!(sim.faults().stats().total(), 0);

    let (status, seeded) = control(
        &http,
        Method::POST,
        format!("{base}/alibaba/seed_eips"),
        Some(json!({"count": 3, "name_prefix": "x"})),
    )
    .await;
    assert_eq!((status, seeded["created"].as_u64()), (200, Some(3)));
    ali.allocate(&[]).await;
    let (_, inventory) = control(&http, Method::GET, format!("{base}/inventory"), None).await;
    let items = inventory.as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items
        .iter()
        .all(|i| i["cloud"] == "alibaba" && i["status"] == "Available"));
    assert_eq!(
        items
            .iter()
            .filter(|i| i["name"].as_str().is_some_and(|n| n.starts_with("x-")))
            .count(),
        3
    );

    let (_, log) = control(&http, Method::GET, format!("{base}/requests"), None).await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "control calls are not logged");
    assert_eq!(log[0]["error_code"], "Throttling.User");
    assert_eq!(log[1]["status"], 200);

    assert_eq!(
        control(
            &http,
            Method::POST,
            format!("{base}/alibaba/no_such_op"),
            None
        )
        .await
        .0,
        400
    );
    assert_eq!(
        control(&http, Method::GET, format!("{base}/nowhere"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        control(&http, Method::POST, format!("{base}/reset"), None)
            .await
            .0,
        200
    );
    assert!(sim.inventory().is_empty() && sim.requests().is_empty());
    let (_, contract) = control(&http, Method::GET, base.clone(), None).await;
    assert_eq!(contract["alibaba"]["region"], "cn-hangzhou");
    assert!(contract["huawei"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_a_thousand_concurrent_signed_requests() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    sim.control(Cloud::Alibaba, "seed_eips", json!({"count": 50}))
        .unwrap();
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let ali = ali.clone();
            tokio::spawn(
                async move { ali.call("DescribeEipAddresses", &[("PageSize", "5")]).await },
            )
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        let answer = call.await.unwrap();
        assert_eq!(answer.status, 200, "{:?}", answer.json);
        assert_eq!(answer.json["TotalCount"], 50);
        ok += 1;
    }
    assert_eq!(ok, 1000);
    assert_eq!(sim.requests().len(), 1000);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_refused() {
    let sim = start_sim(30).await;
    let response = reqwest::Client::new()
        .post(format!("{}/", sim.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; (1 << 20) + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert!(sim.requests().is_empty());
}
