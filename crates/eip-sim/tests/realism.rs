//! The real-gateway failure modes over raw HTTP: commit-then-error, late delivery, read lag,
//! quota windows, transition times under a time scale, the Neutron bind order, locks, the
//! fields real answers carry, permanent codes, region line types, ports, and the hardening of
//! the emulator itself (bounded log, connection timeouts, capped seeding).
//!
//! Requests are unsigned (`verify_signatures(false)`): authentication has its own tests, and
//! these are about what a request does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use eip_sim::{
    AlibabaConfig, BindOrder, Cloud, FaultKind, FaultRule, HuaweiConfig, QuotaScope, QuotaWindow,
    Realistic, SeedError, Sim, SimBuilder, TransitionTime, Trigger, MAX_SEED_EIPS,
};
use serde_json::{json, Value};

/// One answer: status, `Content-Type`, body text and the body as JSON (`Null` when not JSON).
struct Answer {
    status: u16,
    content_type: String,
    text: String,
    json: Value,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        text,
        json,
    }
}

async fn start(builder: SimBuilder) -> Sim {
    builder.verify_signatures(false).start().await.unwrap()
}

fn fast() -> SimBuilder {
    SimBuilder::new().transition_delay(Duration::from_millis(30))
}

/// An unsigned Alibaba RPC call.
async fn ali(sim: &Sim, action: &str, params: &[(&str, &str)]) -> Answer {
    let mut query = vec![
        ("Action", action),
        ("Version", "2016-04-28"),
        ("Format", "JSON"),
    ];
    query.extend_from_slice(params);
    let response = reqwest::Client::new()
        .get(format!("{}/", sim.alibaba().endpoint))
        .query(&query)
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn ali_describe(sim: &Sim, id: &str) -> Vec<Value> {
    let listed = ali(sim, "DescribeEipAddresses", &[("AllocationId", id)]).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.json["EipAddresses"]["EipAddress"]
        .as_array()
        .unwrap()
        .clone()
}

/// An unauthenticated Huawei VPC call on `/v1/{project}{path}`.
async fn hw(sim: &Sim, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
    let url = format!(
        "{}/v1/{}{path}",
        sim.huawei().vpc_endpoint,
        sim.huawei().project_id
    );
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    answer(request.send().await.unwrap()).await
}

fn create_body(kind: &str) -> Value {
    json!({
        "publicip": {"type": kind},
        "bandwidth": {"name": "bw-test", "size": 5, "share_type": "PER"},
    })
}

async fn hw_create(sim: &Sim) -> Answer {
    hw(
        sim,
        reqwest::Method::POST,
        "/publicips",
        Some(create_body("5_bgp")),
    )
    .await
}

/// Polls `read` every 20 ms until `done` holds, for at most 10 s.
async fn eventually<T, F, Fut>(mut read: F, done: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = read().await;
        if done(&value) || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn rule(kind: FaultKind, cloud: Cloud, action: &str) -> FaultRule {
    FaultRule::new(kind, Trigger::Times(1))
        .cloud(cloud)
        .action(action)
}

#[tokio::test]
async fn commit_then_error_executes_then_answers_like_the_gateway() {
    let sim = start(fast()).await;
    let commit = |status| FaultKind::CommitThenError { status };
    sim.faults()
        .add(rule(commit(504), Cloud::Huawei, "CreatePublicip"));
    let first = hw_create(&sim).await;
    assert_eq!(first.status, 504, "{}", first.text);
    assert_eq!(first.json["error_code"], "APIG.0201");
    assert_eq!(first.json["error_msg"], "Backend timeout.");
    // The answer said "timeout", but the emulator holds the EIP: it was created.
    assert_eq!(sim.inventory().len(), 1);

    sim.faults()
        .add(rule(commit(502), Cloud::Huawei, "CreatePublicip"));
    let page = hw_create(&sim).await;
    assert_eq!(page.status, 502);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(page.text.contains("502 Bad Gateway") && page.json.is_null());
    assert_eq!(sim.inventory().len(), 2);

    sim.faults()
        .add(rule(commit(503), Cloud::Alibaba, "AllocateEipAddress"));
    let unavailable = ali(&sim, "AllocateEipAddress", &[]).await;
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.json["Code"], "ServiceUnavailable");
    sim.faults()
        .add(rule(commit(500), Cloud::Alibaba, "AllocateEipAddress"));
    let internal = ali(&sim, "AllocateEipAddress", &[]).await;
    assert_eq!(
        (internal.status, internal.json["Code"].as_str()),
        (500, Some("InternalError"))
    );
    let alibaba = sim
        .inventory()
        .into_iter()
        .filter(|i| i.cloud == Cloud::Alibaba)
        .count();
    assert_eq!(alibaba, 2, "both errored allocations were executed");
    let log = sim.requests();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|r| r.fault.as_deref() == Some("commit_then_error")));
    assert_eq!(log[0].error_code.as_deref(), Some("APIG.0201"));
    assert_eq!(sim.faults().stats().commit_then_error, 4);
}

#[tokio::test]
async fn late_delivery_answers_nothing_and_applies_after_the_delay() {
    let sim = start(fast()).await;
    let late = FaultKind::LateDelivery {
        delay: Duration::from_millis(1500),
    };
    sim.faults()
        .add(rule(late, Cloud::Alibaba, "AllocateEipAddress"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let sent = client
        .get(format!("{}/", sim.alibaba().endpoint))
        .query(&[("Action", "AllocateEipAddress"), ("Version", "2016-04-28")])
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout(), "the client got no answer");
    assert!(
        sim.inventory().is_empty(),
        "nothing is applied while the client waits"
    );
    let held = eventually(|| async { sim.inventory() }, |i| !i.is_empty()).await;
    assert_eq!(
        held.len(),
        1,
        "the allocation landed after the client gave up"
    );
    // Its effect stays.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sim.inventory().len(), 1);
    let log = sim.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].fault.as_deref(), log[0].status),
        (Some("late_delivery"), 200)
    );
}

#[tokio::test]
async fn read_lag_hides_a_new_eip_then_shows_it() {
    let sim = start(fast()).await;
    let lag = FaultKind::ReadLag {
        lag: Duration::from_millis(800),
    };
    sim.faults()
        .add(rule(lag.clone(), Cloud::Huawei, "CreatePublicip"));
    let created = hw_create(&sim).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.inventory().len(), 1, "the write took effect");
    let shown = hw(
        &sim,
        reqwest::Method::GET,
        &format!("/publicips/{id}"),
        None,
    )
    .await;
    assert_eq!(
        (shown.status, shown.json["code"].as_str()),
        (404, Some("VPC.0504"))
    );
    let listed = hw(&sim, reqwest::Method::GET, "/publicips", None).await;
    assert_eq!(listed.json["publicips"], json!([]));
    let shown_path = format!("/publicips/{id}");
    let visible = eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.status == 200,
    )
    .await;
    assert_eq!(visible.json["publicip"]["id"], id.as_str());

    // A changed resource shows its previous state: an Alibaba bind still reads Available.
    let allocated = ali(&sim, "AllocateEipAddress", &[]).await;
    let eip = allocated.json["AllocationId"].as_str().unwrap().to_owned();
    sim.faults()
        .add(rule(lag, Cloud::Alibaba, "AssociateEipAddress"));
    let instance = sim.alibaba().instances[0].clone();
    let bound = ali(
        &sim,
        "AssociateEipAddress",
        &[("AllocationId", &eip), ("InstanceId", &instance)],
    )
    .await;
    assert_eq!(bound.status, 200, "{}", bound.text);
    let before = ali_describe(&sim, &eip).await;
    assert_eq!(
        (
            before[0]["Status"].as_str(),
            before[0]["InstanceId"].as_str()
        ),
        (Some("Available"), Some(""))
    );
    let after = eventually(
        || ali_describe(&sim, &eip),
        |rows| rows[0]["Status"] != "Available",
    )
    .await;
    assert_eq!(after[0]["InstanceId"], instance.as_str());
}

#[tokio::test]
async fn quota_windows_refuse_the_next_call_until_the_next_window() {
    let window = |scope, limit| {
        FaultRule::new(
            FaultKind::Quota(QuotaWindow::new(scope, limit, Duration::from_secs(2))),
            Trigger::Probability(1.0),
        )
    };
    let sim = start(
        fast()
            .fault(window(QuotaScope::User, 3).cloud(Cloud::Huawei))
            .fault(window(QuotaScope::User, 2).cloud(Cloud::Alibaba)),
    )
    .await;
    for _ in 0..3 {
        let listed = hw(&sim, reqwest::Method::GET, "/publicips", None).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
    }
    let refused = hw(&sim, reqwest::Method::GET, "/publicips", None).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json["error_code"], "APIGW.0308");
    assert_eq!(
        refused.json["error_msg"],
        "The throttling threshold has been reached: policy user over ratelimit,limit:3,time:2 second"
    );
    for _ in 0..2 {
        assert_eq!(ali(&sim, "DescribeEipAddresses", &[]).await.status, 200);
    }
    let throttled = ali(&sim, "DescribeEipAddresses", &[]).await;
    assert_eq!(
        (throttled.status, throttled.json["Code"].as_str()),
        (400, Some("Throttling.User"))
    );
    // The next window admits calls again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        hw(&sim, reqwest::Method::GET, "/publicips", None)
            .await
            .status,
        200
    );
    assert_eq!(ali(&sim, "DescribeEipAddresses", &[]).await.status, 200);
    assert_eq!(sim.faults().stats().quota_throttled, 2);
    let labels: Vec<_> = sim
        .requests()
        .iter()
        .filter_map(|r| r.fault.clone())
        .collect();
    assert_eq!(labels, ["quota_user", "quota_user"]);
}

#[tokio::test]
async fn an_ip_window_names_its_policy_and_the_scaled_window() {
    // 100 s compressed 100 times: a one-second window, and the message says so.
    let ip = FaultKind::Quota(QuotaWindow::new(
        QuotaScope::Ip,
        1,
        Duration::from_secs(100),
    ));
    let sim = start(
        fast()
            .time_scale(0.01)
            .fault(FaultRule::new(ip, Trigger::Probability(1.0)).cloud(Cloud::Huawei)),
    )
    .await;
    assert_eq!(
        hw(&sim, reqwest::Method::GET, "/publicips", None)
            .await
            .status,
        200
    );
    let refused = hw(&sim, reqwest::Method::GET, "/publicips", None).await;
    assert_eq!(
        refused.json["error_msg"],
        "The throttling threshold has been reached: policy ip over ratelimit,limit:1,time:1 second"
    );
}

#[tokio::test]
async fn time_scale_compresses_second_scale_transitions() {
    // 60–120 s transitions at a scale of 0.001: 60–120 ms. Unscaled, the wait below (at most
    // 10 s) would end with the EIP still Associating.
    let sim = start(
        SimBuilder::new()
            .transitions(TransitionTime::Uniform {
                min: Duration::from_secs(60),
                max: Duration::from_secs(120),
            })
            .time_scale(0.001),
    )
    .await;
    let allocated = ali(&sim, "AllocateEipAddress", &[]).await;
    let eip = allocated.json["AllocationId"].as_str().unwrap().to_owned();
    let instance = sim.alibaba().instances[1].clone();
    ali(
        &sim,
        "AssociateEipAddress",
        &[("AllocationId", &eip), ("InstanceId", &instance)],
    )
    .await;
    assert_eq!(ali_describe(&sim, &eip).await[0]["Status"], "Associating");
    let rows = eventually(
        || ali_describe(&sim, &eip),
        |rows| rows[0]["Status"] == "InUse",
    )
    .await;
    assert_eq!(rows[0]["Status"], "InUse");
}

#[tokio::test]
async fn neutron_order_moves_port_id_first_and_status_after() {
    let sim = start(fast().huawei_bind_order(BindOrder::Neutron)).await;
    let id = sim.seed_eips(Cloud::Huawei, 1, "n").unwrap().remove(0);
    let port = sim.huawei().servers[0].primary_port_id.clone();
    let path = format!("/publicips/{id}");
    let bind = json!({"publicip": {"port_id": port}});
    let bound = hw(&sim, reqwest::Method::PUT, &path, Some(bind)).await;
    assert_eq!(bound.status, 200, "{}", bound.text);
    assert_eq!(
        (
            bound.json["publicip"]["status"].as_str(),
            bound.json["publicip"]["port_id"].as_str()
        ),
        (Some("DOWN"), Some(port.as_str()))
    );
    let active = eventually(
        || hw(&sim, reqwest::Method::GET, &path, None),
        |a| a.json["publicip"]["status"] == "ACTIVE",
    )
    .await;
    assert_eq!(active.json["publicip"]["port_id"], port.as_str());

    let unbind = json!({"publicip": {"port_id": ""}});
    let unbound = hw(&sim, reqwest::Method::PUT, &path, Some(unbind)).await;
    assert_eq!(unbound.json["publicip"]["status"], "ACTIVE");
    assert!(unbound.json["publicip"].get("port_id").is_none());
    let down = eventually(
        || hw(&sim, reqwest::Method::GET, &path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    assert!(down.json["publicip"].get("port_id").is_none());
    assert_eq!(sim.inventory()[0].bound_to, None);
}

#[tokio::test]
async fn locks_are_shown_and_refuse_writes_with_the_documented_codes() {
    let sim = start(fast()).await;
    let allocated = ali(&sim, "AllocateEipAddress", &[]).await;
    let eip = allocated.json["AllocationId"].as_str().unwrap().to_owned();
    sim.control(
        Cloud::Alibaba,
        "set_lock",
        json!({"allocation_id": eip, "lock_reasons": ["financial"], "business_status": "FinancialLocked"}),
    )
    .unwrap();
    let row = ali_describe(&sim, &eip).await.remove(0);
    assert_eq!(
        row["OperationLocks"],
        json!({"LockReason": [{"LockReason": "financial"}]})
    );
    assert_eq!(row["BusinessStatus"], "FinancialLocked");
    let instance = sim.alibaba().instances[0].clone();
    let refused = ali(
        &sim,
        "AssociateEipAddress",
        &[("AllocationId", &eip), ("InstanceId", &instance)],
    )
    .await;
    assert_eq!(
        (refused.status, refused.json["Code"].as_str()),
        (403, Some("Forbidden.FinancialLocked"))
    );
    let financial = ali(&sim, "DescribeEipAddresses", &[("LockReason", "financial")]).await;
    assert_eq!(financial.json["TotalCount"], 1);
    let security = ali(&sim, "DescribeEipAddresses", &[("LockReason", "security")]).await;
    assert_eq!(security.json["TotalCount"], 0);
    assert_eq!(
        sim.inventory()[0].bound_to,
        None,
        "the refused bind did nothing"
    );
    sim.set_alibaba_lock(&eip, &[]).unwrap();
    let unlocked = ali(
        &sim,
        "AssociateEipAddress",
        &[("AllocationId", &eip), ("InstanceId", &instance)],
    )
    .await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.text);
    assert_eq!(
        ali_describe(&sim, &eip).await[0]["BusinessStatus"],
        "Normal"
    );

    let ids = sim.seed_eips(Cloud::Huawei, 2, "l").unwrap();
    sim.set_huawei_status(&ids[0], "FREEZED", None).unwrap();
    let port = sim.huawei().servers[0].primary_port_id.clone();
    let frozen = hw(
        &sim,
        reqwest::Method::PUT,
        &format!("/publicips/{}", ids[0]),
        Some(json!({"publicip": {"port_id": port}})),
    )
    .await;
    assert_eq!(
        (frozen.status, frozen.json["code"].as_str()),
        (403, Some("VPC.0502"))
    );
    sim.set_huawei_status(&ids[1], "ELB", Some("elb-vip-port"))
        .unwrap();
    let shown = hw(
        &sim,
        reqwest::Method::GET,
        &format!("/publicips/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(shown.json["publicip"]["status"], "ELB");
    let delete = hw(
        &sim,
        reqwest::Method::DELETE,
        &format!("/publicips/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(
        (delete.status, delete.json["code"].as_str()),
        (500, Some("VPC.0516"))
    );
    assert_eq!(
        sim.inventory()
            .iter()
            .filter(|i| i.cloud == Cloud::Huawei)
            .count(),
        2
    );
}

#[tokio::test]
async fn alibaba_answers_carry_the_real_fields() {
    let sim = start(fast()).await;
    let allocated = ali(
        &sim,
        "AllocateEipAddress",
        &[("Description", "web front"), ("Bandwidth", "5")],
    )
    .await;
    let eip = allocated.json["AllocationId"].as_str().unwrap().to_owned();
    let instance = sim.alibaba().instances[0].clone();
    ali(
        &sim,
        "AssociateEipAddress",
        &[("AllocationId", &eip), ("InstanceId", &instance)],
    )
    .await;
    sim.control(
        Cloud::Alibaba,
        "join_bandwidth_package",
        json!({"allocation_id": eip, "package_id": "cbwp-sim0001", "bandwidth": 200}),
    )
    .unwrap();
    let listed = ali(&sim, "DescribeEipAddresses", &[("AllocationId", &eip)]).await;
    // On the wire, as the real API spells it, and only that way.
    assert!(
        listed.text.contains("\"Descritpion\":\"web front\""),
        "{}",
        listed.text
    );
    assert!(!listed.text.contains("\"Description\""));
    let row = &listed.json["EipAddresses"]["EipAddress"][0];
    assert_eq!(
        row["PrivateIpAddress"], "",
        "an ECS binding names no private IP"
    );
    assert_eq!(
        (row["Bandwidth"].as_str(), row["EipBandwidth"].as_str()),
        (Some("200"), Some("5"))
    );
    assert_eq!(row["BandwidthPackageId"], "cbwp-sim0001");

    // Opting in sends both spellings, for clients built on the official tea model.
    let both = AlibabaConfig {
        also_send_description: true,
        ..AlibabaConfig::default()
    };
    let sim = start(fast().alibaba(both)).await;
    ali(&sim, "AllocateEipAddress", &[("Description", "db tier")]).await;
    let listed = ali(&sim, "DescribeEipAddresses", &[]).await;
    let row = &listed.json["EipAddresses"]["EipAddress"][0];
    assert_eq!(
        (row["Descritpion"].as_str(), row["Description"].as_str()),
        (Some("db tier"), Some("db tier"))
    );
}

#[tokio::test]
async fn huawei_refuses_a_line_type_the_region_does_not_offer() {
    let config = HuaweiConfig {
        region: "cn-northeast-1".to_owned(),
        project_name: "cn-northeast-1".to_owned(),
        ..HuaweiConfig::default()
    };
    let sim = start(fast().huawei(config)).await;
    let refused = hw(
        &sim,
        reqwest::Method::POST,
        "/publicips",
        Some(create_body("5_bgp")),
    )
    .await;
    assert_eq!(
        (refused.status, refused.json["code"].as_str()),
        (400, Some("VPC.0501"))
    );
    assert!(refused.json["message"]
        .as_str()
        .unwrap()
        .contains("5_telcom, 5_union"));
    let created = hw(
        &sim,
        reqwest::Method::POST,
        "/publicips",
        Some(create_body("5_telcom")),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(sim.inventory().len(), 1);
}

#[tokio::test]
async fn huawei_permanent_codes_on_their_conditions() {
    let sim = start(fast()).await;
    sim.control(Cloud::Huawei, "set_ip_pool", json!({"free": 1}))
        .unwrap();
    assert_eq!(hw_create(&sim).await.status, 200);
    let exhausted = hw_create(&sim).await;
    assert_eq!(
        (exhausted.status, exhausted.json["code"].as_str()),
        (500, Some("VPC.0504"))
    );
    assert_eq!(sim.inventory().len(), 1);
    let id = sim.inventory()[0].id.clone();
    let shown_path = format!("/publicips/{id}");
    let _ = eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    sim.control(
        Cloud::Huawei,
        "set_status",
        json!({"id": id, "firewall": true}),
    )
    .unwrap();
    let delete = hw(
        &sim,
        reqwest::Method::DELETE,
        &format!("/publicips/{id}"),
        None,
    )
    .await;
    assert_eq!(
        (delete.status, delete.json["code"].as_str()),
        (500, Some("VPC.0518"))
    );
}

#[tokio::test]
async fn huawei_ports_single_id_show_and_v3_list() {
    let sim = start(fast()).await;
    let servers = &sim.huawei().servers;
    let (a, b) = (&servers[0].primary_port_id, &servers[1].primary_port_id);
    let listed = hw(
        &sim,
        reqwest::Method::GET,
        &format!("/ports?id={a}&id={b}"),
        None,
    )
    .await;
    let ids: Vec<&str> = listed.json["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str()], "v1 `id` is one string: the first value");
    let shown = hw(&sim, reqwest::Method::GET, &format!("/ports/{b}"), None).await;
    assert_eq!(
        (shown.status, shown.json["port"]["id"].as_str()),
        (200, Some(b.as_str()))
    );
    let missing = hw(&sim, reqwest::Method::GET, "/ports/no-such-port", None).await;
    assert_eq!(missing.status, 404);
    let url = format!(
        "{}/v3/{}/ports?id={a}&id={b}",
        sim.huawei().vpc_endpoint,
        sim.huawei().project_id
    );
    let v3 = answer(reqwest::get(url).await.unwrap()).await;
    assert_eq!(v3.status, 200, "{}", v3.text);
    assert_eq!(
        v3.json["ports"].as_array().unwrap().len(),
        2,
        "v3 `id` is a list"
    );
    assert_eq!(v3.json["page_info"]["current_count"], 2);
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring() {
    let sim = start(fast().request_log_capacity(3)).await;
    for _ in 0..5 {
        ali(&sim, "DescribeEipAddresses", &[]).await;
    }
    ali(&sim, "AllocateEipAddress", &[]).await;
    let log = sim.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log[2].action, "AllocateEipAddress",
        "the newest entries are kept"
    );
    assert_eq!(sim.requests_dropped(), 3);
}

#[tokio::test]
async fn seeding_is_capped_with_a_typed_error() {
    let sim = start(fast()).await;
    let too_many = u64::try_from(MAX_SEED_EIPS).unwrap() + 1;
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        assert_eq!(
            sim.seed_eips(cloud, too_many, "x"),
            Err(SeedError::TooMany {
                requested: too_many,
                max: MAX_SEED_EIPS
            })
        );
        assert!(sim
            .control(cloud, "seed_eips", json!({"count": too_many}))
            .is_err());
    }
    assert!(sim.inventory().is_empty());
    assert_eq!(sim.seed_eips(Cloud::Huawei, 2, "ok").unwrap().len(), 2);
}

#[tokio::test]
async fn a_silent_connection_is_closed_by_the_header_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = start(fast().header_read_timeout(Duration::from_millis(200))).await;
    let mut stream = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    // Half a request line, then nothing.
    stream.write_all(b"GET / HT").await.unwrap();
    let mut buffer = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await;
    let closed = matches!(read, Ok(Ok(_)) | Ok(Err(_)));
    assert!(
        closed,
        "the emulator closed the connection (or answered 408)"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    use tokio::io::AsyncReadExt;
    let sim = start(fast().idle_timeout(Duration::from_millis(200))).await;
    let mut stream = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "closed: {read:?}");
}

#[tokio::test]
async fn the_realistic_profile_is_in_force_and_overridable() {
    let quiet = Realistic {
        commit_then_error: 0.0,
        late_delivery: 0.0,
        ..Realistic::default()
    };
    let sim = start(SimBuilder::new().profile(quiet).time_scale(0.001)).await;
    let labels: Vec<&str> = sim
        .faults()
        .rules()
        .iter()
        .map(|r| r.kind.label())
        .collect();
    assert!(labels.contains(&"quota_user") && labels.contains(&"read_lag"));
    assert!(!labels.contains(&"commit_then_error"));
    // Neutron order and lag are on: a new EIP is invisible at first, then DOWN.
    let created = hw_create(&sim).await;
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let shown_path = format!("/publicips/{id}");
    let shown = eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let full = SimBuilder::realistic().start().await.unwrap();
    let kinds = full.faults().rules().len();
    assert_eq!(kinds, Realistic::default().fault_rules().len());
}

#[tokio::test]
async fn under_the_realistic_mix_every_unanswered_or_gateway_failed_create_exists() {
    // 100 times compressed... and then some: 15 s late deliveries land after 15 ms, the
    // 5-minute window lasts 300 ms, the per-IP one 1 ms.
    let sim = start(SimBuilder::realistic().seed(11).time_scale(0.001)).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/v1/{}/publicips",
        sim.huawei().vpc_endpoint,
        sim.huawei().project_id
    );
    let (mut answered, mut gateway, mut dropped, mut throttled) = (0, 0, 0, 0);
    for _ in 0..100 {
        let sent = client
            .post(&url)
            .header("content-type", "application/json")
            .body(create_body("5_bgp").to_string())
            .send()
            .await;
        match sent.map(|r| r.status().as_u16()) {
            Ok(200) => answered += 1,
            Ok(504) => gateway += 1,
            Ok(429) => throttled += 1,
            Ok(other) => panic!("unexpected status {other}"),
            Err(_) => dropped += 1,
        }
    }
    // The mix did what it says at least once each with this seed.
    assert!(
        gateway > 0 && dropped > 0 && answered > 0,
        "{gateway} {dropped} {answered}"
    );
    let created = answered + gateway + dropped;
    let held = eventually(|| async { sim.inventory() }, |i| i.len() >= created).await;
    assert_eq!(
        held.len(),
        created,
        "every create that was answered 200, answered 504 or left unanswered exists \
         ({throttled} throttled ones do not)"
    );
}

/// The one Internet Shared Bandwidth `package` as DescribeCommonBandwidthPackages answers it.
async fn ali_package(sim: &Sim, package: &str) -> Value {
    let page = ali(
        sim,
        "DescribeCommonBandwidthPackages",
        &[("BandwidthPackageId", package)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    page.json["CommonBandwidthPackages"]["CommonBandwidthPackage"][0].clone()
}

/// `(AllocationId, BandwidthPackageIpRelationStatus)` of each member row.
fn member_rows(package: &Value) -> Vec<(String, String)> {
    package["PublicIpAddresses"]["PublicIpAddresse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["AllocationId"].as_str().unwrap().to_owned(),
                m["BandwidthPackageIpRelationStatus"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

async fn ali_allocate(sim: &Sim) -> String {
    let allocated = ali(sim, "AllocateEipAddress", &[("Bandwidth", "5")]).await;
    assert_eq!(allocated.status, 200, "{}", allocated.text);
    allocated.json["AllocationId"].as_str().unwrap().to_owned()
}

async fn ali_membership(sim: &Sim, action: &str, package: &str, eip: &str, token: &str) -> Answer {
    ali(
        sim,
        action,
        &[
            ("BandwidthPackageId", package),
            ("IpInstanceId", eip),
            ("ClientToken", token),
        ],
    )
    .await
}

#[tokio::test]
async fn alibaba_shared_bandwidth_membership_is_binding_then_binded_and_unbinding_then_gone() {
    let sim = start(SimBuilder::new().transition_delay(Duration::from_millis(300))).await;
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let eip = ali_allocate(&sim).await;

    let added = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &eip, "t-add").await;
    assert_eq!(added.status, 200, "{}", added.text);
    let busy = ali_package(&sim, &package).await;
    assert_eq!(member_rows(&busy), [(eip.clone(), "BINDING".to_owned())]);
    assert_eq!(busy["Status"], "BINDING");
    // The replay of the accepted request succeeds and adds nothing.
    let replay = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &eip, "t-add").await;
    assert_eq!(replay.status, 200, "{}", replay.text);
    assert_eq!(member_rows(&ali_package(&sim, &package).await).len(), 1);

    let done = eventually(
        || ali_package(&sim, &package),
        |p| p["Status"] == "Available",
    )
    .await;
    assert_eq!(member_rows(&done), [(eip.clone(), "BINDED".to_owned())]);
    let row = ali_describe(&sim, &eip).await.remove(0);
    assert_eq!(row["BandwidthPackageId"], package.as_str());

    let removed = ali_membership(
        &sim,
        "RemoveCommonBandwidthPackageIp",
        &package,
        &eip,
        "t-rm",
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let leaving = ali_package(&sim, &package).await;
    assert_eq!(
        member_rows(&leaving),
        [(eip.clone(), "UNBINDING".to_owned())]
    );
    let gone = eventually(
        || ali_package(&sim, &package),
        |p| member_rows(p).is_empty(),
    )
    .await;
    assert!(member_rows(&gone).is_empty(), "{gone}");
    assert_eq!(gone["Status"], "Available");
    let row = ali_describe(&sim, &eip).await.remove(0);
    assert_eq!(
        (
            row["BandwidthPackageId"].as_str(),
            row["Bandwidth"].as_str()
        ),
        (Some(""), Some("5")),
        "the address has its own bandwidth back"
    );
}

#[tokio::test]
async fn alibaba_a_second_membership_change_while_binding_is_refused_and_changes_nothing() {
    let sim = start(SimBuilder::new().transition_delay(Duration::from_millis(300))).await;
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let first = ali_allocate(&sim).await;
    let second = ali_allocate(&sim).await;

    let added = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &first, "a").await;
    assert_eq!(added.status, 200, "{}", added.text);
    let refused = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &second, "b").await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json["Code"], "BandwidthPackageOperation.conflict");
    let leave = ali_membership(
        &sim,
        "RemoveCommonBandwidthPackageIp",
        &package,
        &second,
        "c",
    )
    .await;
    // Only queries while it is BINDING: even a removal that would be refused anyway.
    assert_eq!(leave.json["Code"], "BandwidthPackageOperation.conflict");

    let rows = member_rows(&ali_package(&sim, &package).await);
    assert_eq!(rows, [(first.clone(), "BINDING".to_owned())]);
    let row = ali_describe(&sim, &second).await.remove(0);
    assert_eq!(
        row["BandwidthPackageId"], "",
        "the refused join took no effect"
    );

    // Once the package is Available again, the refused join goes through.
    eventually(
        || ali_package(&sim, &package),
        |p| p["Status"] == "Available",
    )
    .await;
    let again = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &second, "b").await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test]
async fn alibaba_removing_an_address_that_is_not_a_member_is_ip_not_in_cbwp() {
    let sim = start(fast()).await;
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let eip = ali_allocate(&sim).await;
    let refused = ali_membership(&sim, "RemoveCommonBandwidthPackageIp", &package, &eip, "x").await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json["Code"], "OperationUnsupported.IpNotInCbwp");
    assert!(member_rows(&ali_package(&sim, &package).await).is_empty());
}

#[tokio::test]
async fn alibaba_an_address_may_leave_while_its_own_join_is_binding() {
    // What the official SDK checks in `sdk-compat/` do: add, read, remove at once.
    let sim = start(SimBuilder::new().transition_delay(Duration::from_millis(300))).await;
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let eip = ali_allocate(&sim).await;
    let added = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &eip, "a").await;
    assert_eq!(added.status, 200, "{}", added.text);
    let removed = ali_membership(&sim, "RemoveCommonBandwidthPackageIp", &package, &eip, "r").await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let leaving = ali_package(&sim, &package).await;
    assert_eq!(
        member_rows(&leaving),
        [(eip.clone(), "UNBINDING".to_owned())]
    );
    assert_eq!(ali_describe(&sim, &eip).await[0]["BandwidthPackageId"], "");
    let gone = eventually(
        || ali_package(&sim, &package),
        |p| member_rows(p).is_empty(),
    )
    .await;
    assert_eq!(gone["Status"], "Available");
}

/// A Huawei call on `/v2.0/{project}{path}` (the tag and shared-bandwidth APIs).
async fn hw2(sim: &Sim, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
    let url = format!(
        "{}/v2.0/{}{path}",
        sim.huawei().vpc_endpoint,
        sim.huawei().project_id
    );
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    answer(request.send().await.unwrap()).await
}

/// The keys of address `id`'s Huawei tags, as a read shows them.
async fn hw_tag_keys(sim: &Sim, id: &str) -> Vec<String> {
    let shown = hw2(
        sim,
        reqwest::Method::GET,
        &format!("/publicips/{id}/tags"),
        None,
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    shown.json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The keys of Alibaba address `id`'s tags, as ListTagResources shows them.
async fn ali_tag_keys(sim: &Sim, id: &str) -> Vec<String> {
    let listed = ali(
        sim,
        "ListTagResources",
        &[("ResourceType", "EIP"), ("ResourceId.1", id)],
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.json["TagResources"]["TagResource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["TagKey"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_realistic_profile_commits_then_fails_the_tag_membership_and_group_writes_too() {
    // Every write is committed and then answered 504; no lag, no windows, no late delivery.
    let every_write_fails = Realistic {
        commit_then_error: 1.0,
        late_delivery: 0.0,
        read_lag: Duration::ZERO,
        quotas: Vec::new(),
        transitions: TransitionTime::Fixed(Duration::from_millis(20)),
        ..Realistic::default()
    };
    let quiet = Realistic {
        commit_then_error: 0.0,
        ..every_write_fails.clone()
    };
    let sim = start(SimBuilder::new().profile(quiet)).await;
    let eip = ali_allocate(&sim).await;
    let created = hw_create(&sim).await;
    let hw_id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let hw_path = format!("/publicips/{hw_id}");
    eventually(
        || hw(&sim, reqwest::Method::GET, &hw_path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    sim.faults().clear();
    for rule in every_write_fails.fault_rules() {
        sim.faults().add(rule);
    }

    let group = sim.alibaba().resource_groups[1].clone();
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let writes: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "TagResources",
            vec![
                ("ResourceType", "EIP"),
                ("ResourceId.1", &eip),
                ("Tag.1.Key", "team"),
                ("Tag.1.Value", "a"),
            ],
        ),
        (
            "MoveResourceGroup",
            vec![
                ("ResourceType", "EIP"),
                ("ResourceId", &eip),
                ("NewResourceGroupId", &group),
            ],
        ),
        (
            "DeletionProtection",
            vec![
                ("Type", "EIP"),
                ("InstanceId", &eip),
                ("ProtectionEnable", "true"),
            ],
        ),
        (
            "AddCommonBandwidthPackageIp",
            vec![("BandwidthPackageId", &package), ("IpInstanceId", &eip)],
        ),
    ];
    for (action, params) in &writes {
        let failed = ali(&sim, action, params).await;
        assert!(
            failed.status >= 500,
            "{action}: {} {}",
            failed.status,
            failed.text
        );
    }
    assert_eq!(
        ali_tag_keys(&sim, &eip).await,
        ["team"],
        "the tag write took effect"
    );
    let row = ali_describe(&sim, &eip).await.remove(0);
    assert_eq!(row["ResourceGroupId"], group.as_str());
    assert_eq!(row["DeletionProtection"], true);
    assert_eq!(row["BandwidthPackageId"], package.as_str());

    let tag = json!({"action": "create", "tags": [{"key": "team", "value": "a"}]});
    let path = format!("/publicips/{hw_id}/tags/action");
    let failed = hw2(&sim, reqwest::Method::POST, &path, Some(tag)).await;
    assert_eq!(failed.status, 504, "{}", failed.text);
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let insert = json!({"bandwidth": {"publicip_info": [{"publicip_id": hw_id}]}});
    let path = format!("/bandwidths/{shared}/insert");
    let failed = hw2(&sim, reqwest::Method::POST, &path, Some(insert)).await;
    assert_eq!(failed.status, 504, "{}", failed.text);
    assert_eq!(hw_tag_keys(&sim, &hw_id).await, ["team"]);
    let shown = hw(&sim, reqwest::Method::GET, &hw_path, None).await;
    assert_eq!(shown.json["publicip"]["bandwidth_id"], shared.as_str());
    let stats = sim.faults().stats();
    assert_eq!(stats.commit_then_error, 6, "{stats:?}");
}

#[tokio::test]
async fn huawei_tag_membership_and_migrate_writes_lag_reads_then_show() {
    let sim = start(fast()).await;
    let created = hw_create(&sim).await;
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let shown_path = format!("/publicips/{id}");
    eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    let lag = FaultKind::ReadLag {
        lag: Duration::from_millis(600),
    };
    let lagged = |action| rule(lag.clone(), Cloud::Huawei, action);

    sim.faults().add(lagged("BatchCreatePublicipTags"));
    let tag = json!({"action": "create", "tags": [{"key": "team", "value": "a"}]});
    let path = format!("/publicips/{id}/tags/action");
    let written = hw2(&sim, reqwest::Method::POST, &path, Some(tag)).await;
    assert_eq!(written.status, 204, "{}", written.text);
    assert!(
        hw_tag_keys(&sim, &id).await.is_empty(),
        "the lagged tag is not read yet"
    );
    let by_tag = json!({"action": "count", "tags": [{"key": "team"}]});
    let path = "/publicips/resource_instances/action";
    let counted = hw2(&sim, reqwest::Method::POST, path, Some(by_tag.clone())).await;
    assert_eq!(counted.json["total_count"], 0, "{}", counted.text);
    let keys = eventually(|| hw_tag_keys(&sim, &id), |k| !k.is_empty()).await;
    assert_eq!(keys, ["team"]);
    let counted = hw2(&sim, reqwest::Method::POST, path, Some(by_tag)).await;
    assert_eq!(counted.json["total_count"], 1, "{}", counted.text);

    sim.faults().add(lagged("AddPublicipsIntoSharedBandwidth"));
    let shared = sim.huawei().shared_bandwidths[0].id.clone();
    let insert = json!({"bandwidth": {"publicip_info": [{"publicip_id": id}]}});
    let path = format!("/bandwidths/{shared}/insert");
    let inserted = hw2(&sim, reqwest::Method::POST, &path, Some(insert)).await;
    assert_eq!(inserted.status, 200, "{}", inserted.text);
    let before = hw(&sim, reqwest::Method::GET, &shown_path, None).await;
    assert_eq!(
        before.json["publicip"]["bandwidth_share_type"], "PER",
        "the lagged read still shows the dedicated bandwidth: {}",
        before.text
    );
    let after = eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["bandwidth_share_type"] == "WHOLE",
    )
    .await;
    assert_eq!(after.json["publicip"]["bandwidth_id"], shared.as_str());

    sim.faults().add(lagged("MigrateResource"));
    let project = "0a7f5bb4-9bd0-4c4b-bbdc-3cd2b1e9a0f1";
    let url = format!(
        "{}/v1.0/enterprise-projects/{project}/resources-migrate",
        sim.huawei().vpc_endpoint
    );
    let body =
        json!({"resource_type": "eip", "resource_id": id, "project_id": sim.huawei().project_id});
    let migrated = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(migrated.status().as_u16(), 204);
    let before = hw(&sim, reqwest::Method::GET, &shown_path, None).await;
    assert_eq!(before.json["publicip"]["enterprise_project_id"], "0");
    let after = eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["enterprise_project_id"] != "0",
    )
    .await;
    assert_eq!(after.json["publicip"]["enterprise_project_id"], project);
    assert_eq!(sim.faults().stats().read_lag, 3);
}

/// An anonymous STS `AssumeRoleWithOIDC` with `token`.
async fn assume_with_oidc(sim: &Sim, token: &str) -> Answer {
    let provider = sim.alibaba().oidc_provider_arn.clone();
    let query = [
        ("Action", "AssumeRoleWithOIDC"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("RoleArn", "acs:ram::1234567890123456:role/pod"),
        ("RoleSessionName", "eip-test"),
        ("OIDCProviderArn", provider.as_str()),
        ("OIDCToken", token),
    ];
    let response = reqwest::Client::new()
        .post(format!("{}/", sim.alibaba().sts_endpoint))
        .query(&query)
        .send()
        .await
        .unwrap();
    answer(response).await
}

#[tokio::test]
async fn alibaba_oidc_accepts_only_the_providers_current_token() {
    let sim = start(fast()).await;
    let expected = sim.alibaba().oidc_token.clone();
    assert_eq!(expected.split('.').count(), 3, "a JWT's three parts");
    assert!(
        !format!("{:?}", sim.alibaba()).contains(&expected),
        "masked"
    );

    let accepted = assume_with_oidc(&sim, &expected).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert!(accepted.json["Credentials"]["AccessKeyId"].is_string());
    let other = assume_with_oidc(&sim, "some-other-token").await;
    assert_eq!(
        (other.status, other.json["Code"].as_str()),
        (401, Some("AuthenticationFail.OIDCToken.Invalid")),
        "{}",
        other.text
    );

    // The kubelet rotates the token: the new one is accepted, the old one has expired.
    sim.control(
        Cloud::Alibaba,
        "rotate_oidc_token",
        json!({"token": "eyJ.rotated.sig"}),
    )
    .unwrap();
    let rotated = assume_with_oidc(&sim, "eyJ.rotated.sig").await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let old = assume_with_oidc(&sim, &expected).await;
    assert_eq!(
        old.json["Code"], "AuthenticationFail.OIDCToken.Expired",
        "{}",
        old.text
    );
    let issued: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.action == "AssumeRoleWithOIDC")
        .map(|r| r.status)
        .collect();
    assert_eq!(issued, [200, 401, 200, 400]);
}

#[tokio::test]
async fn alibaba_tag_and_package_reads_lag_the_writes_like_describe_does() {
    let sim = start(fast()).await;
    let eip = ali_allocate(&sim).await;
    let package = sim.alibaba().bandwidth_packages[0].clone();
    let lag = FaultKind::ReadLag {
        lag: Duration::from_millis(600),
    };
    sim.faults()
        .add(rule(lag.clone(), Cloud::Alibaba, "TagResources"));
    let tagged = ali(
        &sim,
        "TagResources",
        &[
            ("ResourceType", "EIP"),
            ("ResourceId.1", &eip),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "a"),
        ],
    )
    .await;
    assert_eq!(tagged.status, 200, "{}", tagged.text);
    assert!(ali_tag_keys(&sim, &eip).await.is_empty(), "not read yet");
    let keys = eventually(|| ali_tag_keys(&sim, &eip), |k| !k.is_empty()).await;
    assert_eq!(keys, ["team"]);

    sim.faults()
        .add(rule(lag, Cloud::Alibaba, "AddCommonBandwidthPackageIp"));
    let added = ali_membership(&sim, "AddCommonBandwidthPackageIp", &package, &eip, "j").await;
    assert_eq!(added.status, 200, "{}", added.text);
    let before = ali_package(&sim, &package).await;
    assert!(member_rows(&before).is_empty(), "not read yet: {before}");
    assert_eq!(before["Status"], "Available");
    let after = eventually(
        || ali_package(&sim, &package),
        |p| !member_rows(p).is_empty(),
    )
    .await;
    assert_eq!(member_rows(&after)[0].0, eip);
    assert_eq!(sim.faults().stats().read_lag, 2);
}

#[tokio::test]
async fn huawei_deletes_a_percent_encoded_tag_key() {
    let sim = start(fast()).await;
    let created = hw_create(&sim).await;
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    let shown_path = format!("/publicips/{id}");
    eventually(
        || hw(&sim, reqwest::Method::GET, &shown_path, None),
        |a| a.json["publicip"]["status"] == "DOWN",
    )
    .await;
    let tag = json!({"action": "create", "tags": [{"key": "团队-a", "value": "x"}]});
    let path = format!("/publicips/{id}/tags/action");
    let written = hw2(&sim, reqwest::Method::POST, &path, Some(tag)).await;
    assert_eq!(written.status, 204, "{}", written.text);
    let path = format!("/publicips/{id}/tags/%E5%9B%A2%E9%98%9F-a");
    let deleted = hw2(&sim, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert!(hw_tag_keys(&sim, &id).await.is_empty());
}

#[tokio::test]
async fn alibaba_role_credentials_were_last_updated_when_issued_not_when_they_expire() {
    let sim = start(fast()).await;
    let role = sim.alibaba().role_name.clone().unwrap();
    let url = format!(
        "{}/latest/meta-data/ram/security-credentials/{role}",
        sim.alibaba().metadata_endpoint
    );
    let document = answer(reqwest::get(url).await.unwrap()).await;
    assert_eq!(document.status, 200, "{}", document.text);
    let parse = |field: &str| {
        let text = document.json[field].as_str().unwrap();
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let (updated, expires) = (parse("LastUpdated"), parse("Expiration"));
    let now = time::OffsetDateTime::now_utc();
    assert!(updated < expires, "{}", document.text);
    assert!(
        (now - updated).abs() < time::Duration::minutes(5),
        "issued now: {}",
        document.text
    );
}
