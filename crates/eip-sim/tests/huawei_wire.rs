//! Huawei on the wire: AK/SK signatures (skew, bad signature, security token), the requests the
//! official Python and Go SDKs send (huaweicloud-sdk-python-v3 3.1.219), keep-alive, and every
//! fault kind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod huawei_common;

use std::time::{Duration, Instant};

use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, Trigger};
use huawei_common::{sdk_date, start, Auth, Hw, Spec, PY_SIGNED};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PY_CREATE: &str = r#"{"bandwidth": {"charge_mode": "traffic", "name": "bw-test", "share_type": "PER", "size": 5}, "publicip": {"type": "5_bgp", "alias": "eip-test"}}"#;

fn spec<'a>(hw: &'a Hw, path: &'a str, date: &'a str) -> Spec<'a> {
    Spec {
        method: Method::GET,
        path_and_query: path,
        sign_body: "",
        send_body: "",
        date,
        signed: PY_SIGNED,
        extra: &[],
        sk: &hw.info().secret_key,
        ak: None,
    }
}

#[tokio::test]
async fn python_sdk_requests_are_accepted_end_to_end() {
    let hw = start().await;
    let p = hw.project.clone();
    let date = sdk_date(0);
    let created = hw
        .signed(
            Method::POST,
            &format!("/v1/{p}/publicips"),
            PY_CREATE,
            &date,
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.json);
    let id = created.json["publicip"]["id"].as_str().unwrap().to_owned();
    hw.wait_status(&id, "DOWN", &Auth::Aksk).await;

    let port = hw.info().servers[0].primary_port_id.clone();
    let bind = format!(r#"{{"publicip": {{"port_id": "{port}"}}}}"#);
    let bound = hw
        .signed(
            Method::PUT,
            &format!("/v1/{p}/publicips/{id}"),
            &bind,
            &date,
        )
        .await;
    assert_eq!(bound.status, 200, "{:?}", bound.json);
    let active = hw.wait_status(&id, "ACTIVE", &Auth::Aksk).await;
    let address = active["public_ip_address"].as_str().unwrap().to_owned();

    // huaweicloud-sdk-python-v3 3.1.219: sorted query, repeated keys,
    // enterprise_project_id=all_granted_eps.
    let other = hw.info().servers[1].primary_port_id.clone();
    let list = format!(
        "/v1/{p}/publicips?enterprise_project_id=all_granted_eps&limit=100&port_id={port}&port_id={other}&public_ip_address={address}"
    );
    let listed = hw.signed(Method::GET, &list, "", &date).await;
    assert_eq!(listed.status, 200, "{:?}", listed.json);
    assert_eq!(listed.json["publicips"].as_array().unwrap().len(), 1);
    // The same parameters unsorted: the verifier sorts them itself.
    let unsorted = format!(
        "/v1/{p}/publicips?public_ip_address={address}&port_id={other}&limit=100&port_id={port}"
    );
    assert_eq!(
        hw.signed(Method::GET, &unsorted, "", &date).await.status,
        200
    );

    let ports = hw
        .signed(
            Method::GET,
            &format!("/v1/{p}/ports?device_id={}", hw.info().servers[0].id),
            "",
            &date,
        )
        .await;
    assert_eq!(ports.status, 200);
    assert_eq!(ports.json["ports"].as_array().unwrap().len(), 2);

    let bandwidth_id = active["bandwidth_id"].as_str().unwrap().to_owned();
    let resize = r#"{"bandwidth": {"name": "bw-new", "size": 10}}"#;
    let resized = hw
        .signed(
            Method::PUT,
            &format!("/v1/{p}/bandwidths/{bandwidth_id}"),
            resize,
            &date,
        )
        .await;
    assert_eq!(resized.status, 200, "{:?}", resized.json);

    let unbound = hw
        .signed(
            Method::PUT,
            &format!("/v1/{p}/publicips/{id}"),
            r#"{"publicip": {}}"#,
            &date,
        )
        .await;
    assert_eq!(unbound.status, 200);
    hw.wait_status(&id, "DOWN", &Auth::Aksk).await;

    // huaweicloud-sdk-python-v3 3.1.219: DELETE with Content-Type and Content-Length: 0, both
    // signed.
    let signed = [
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-project-id",
        "x-sdk-date",
    ];
    let extra = [("content-length", "0")];
    let deleted = hw
        .signed_with(
            Method::DELETE,
            &format!("/v1/{p}/publicips/{id}"),
            "",
            &date,
            &signed,
            &extra,
        )
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.json);
    hw.wait_gone(&id, &Auth::Aksk).await;

    let log = hw.sim.requests();
    let actions: Vec<&str> = log
        .iter()
        .filter(|r| r.cloud == Cloud::Huawei)
        .map(|r| r.action.as_str())
        .collect();
    for action in [
        "CreatePublicip",
        "UpdatePublicip",
        "ListPublicips",
        "ListPorts",
        "UpdateBandwidth",
        "DeletePublicip",
        "ShowPublicip",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn go_sdk_shape_only_date_signed_and_trailing_newline() {
    let hw = start().await;
    let path = format!("/v1/{}/publicips", hw.project);
    let body = "{\"publicip\":{\"type\":\"5_bgp\"},\"bandwidth\":{\"name\":\"bw1\",\"size\":5,\"share_type\":\"PER\"}}\n";
    let answer = hw
        .signed_with(
            Method::POST,
            &path,
            body,
            &sdk_date(0),
            &["x-sdk-date"],
            &[],
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.json);
    // The IAM project lookup of the Python SDK: host;user-agent;x-sdk-date, no X-Project-Id needed.
    let lookup = format!("/v3/projects?name={}", hw.info().region);
    let answer = hw
        .signed_with(
            Method::GET,
            &lookup,
            "",
            &sdk_date(0),
            &["host", "user-agent", "x-sdk-date"],
            &[],
        )
        .await;
    assert_eq!(answer.json["projects"][0]["id"], hw.project.as_str());
}

#[tokio::test]
async fn bad_signature_skew_and_unknown_key_are_apigw_0301() {
    let hw = start().await;
    let path = format!("/v1/{}/publicips", hw.project);
    let now = sdk_date(0);
    let mut wrong = spec(&hw, &path, &now);
    wrong.sk = "not-the-secret";
    let answer = hw.send(wrong).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json,
        json!({"error_code": "APIGW.0301",
               "error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
               "request_id": answer.request_id.clone().unwrap()})
    );

    // The body the signature covers differs from the body sent.
    let mut tampered = spec(&hw, &path, &now);
    tampered.method = Method::POST;
    tampered.sign_body = PY_CREATE;
    tampered.send_body = r#"{"bandwidth": {"name": "bw-test", "share_type": "PER", "size": 500}, "publicip": {"type": "5_bgp"}}"#;
    let answer = hw.send(tampered).await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));
    assert!(hw.sim.inventory().is_empty());

    let stale = sdk_date(-16 * 60);
    let answer = hw.send(spec(&hw, &path, &stale)).await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));
    assert!(answer.json["error_msg"]
        .as_str()
        .unwrap()
        .contains("X-Sdk-Date"));
    let future = sdk_date(16 * 60);
    assert_eq!(
        hw.send(spec(&hw, &path, &future)).await.code(),
        "APIGW.0301"
    );
    let slightly_off = sdk_date(-14 * 60);
    assert_eq!(hw.send(spec(&hw, &path, &slightly_off)).await.status, 200);

    let mut stranger = spec(&hw, &path, &now);
    stranger.ak = Some("UNKNOWNACCESSKEY0000");
    let answer = hw.send(stranger).await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));

    // SignedHeaders without x-sdk-date.
    let mut undated = spec(&hw, &path, &now);
    undated.signed = &["host", "user-agent"];
    assert_eq!(hw.send(undated).await.code(), "APIGW.0301");
    // Another project in X-Project-Id than in the path.
    let mut elsewhere = spec(&hw, &path, &now);
    elsewhere.extra = &[("x-project-id", "fedcba9876543210fedcba9876543210")];
    let (url, headers) = hw.signed_headers(&elsewhere);
    let mut request = hw.http.get(url);
    for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
        request = request.header(k.as_str(), v.as_str());
    }
    let answer = huawei_common::answer(request.send().await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (400, "VPC.0007"));
}

#[tokio::test]
async fn security_token_is_required_when_configured() {
    let config = eip_sim::HuaweiConfig {
        security_token: Some("sim-security-token".to_owned()),
        ..Default::default()
    };
    let hw = huawei_common::start_with(eip_sim::SimBuilder::new().huawei(config)).await;
    let path = format!("/v1/{}/publicips", hw.project);
    let now = sdk_date(0);
    let answer = hw.send(spec(&hw, &path, &now)).await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));
    let mut with_token = spec(&hw, &path, &now);
    let signed = [
        "content-type",
        "host",
        "user-agent",
        "x-project-id",
        "x-sdk-date",
        "x-security-token",
    ];
    with_token.signed = &signed;
    with_token.extra = &[("x-security-token", "sim-security-token")];
    assert_eq!(hw.send(with_token).await.status, 200);
    let mut wrong_token = spec(&hw, &path, &now);
    wrong_token.extra = &[("x-security-token", "another")];
    assert_eq!(hw.send(wrong_token).await.code(), "APIGW.0301");
}

/// One raw HTTP/1.1 exchange on an open connection; returns the status line and the body.
async fn exchange(stream: &mut TcpStream, request: &str) -> (String, String) {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed early");
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                let status = head.lines().next().unwrap().to_owned();
                return (status, text[end + 4..end + 4 + length].to_owned());
            }
        }
    }
}

async fn timed_exchange(stream: &mut TcpStream, request: String) -> (String, String) {
    tokio::time::timeout(Duration::from_secs(10), exchange(stream, &request))
        .await
        .unwrap()
}

fn raw_request(hw: &Hw, path: &str) -> String {
    let date = sdk_date(0);
    let (_, headers) = hw.signed_headers(&spec(hw, path, &date));
    let lines: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    format!("GET {path} HTTP/1.1\r\n{lines}\r\n")
}

#[tokio::test]
async fn several_keep_alive_connections_are_served_at_once() {
    // huaweicloud-sdk-python-v3 3.1.219: a second client opens its own connection while the first
    // stays open.
    let hw = start().await;
    let address = hw.base.trim_start_matches("http://").to_owned();
    let path = format!("/v1/{}/publicips", hw.project);
    let mut first = TcpStream::connect(&address).await.unwrap();
    let mut second = TcpStream::connect(&address).await.unwrap();
    let (status, body) = timed_exchange(&mut first, raw_request(&hw, &path)).await;
    assert!(status.contains(" 200 "), "{status} {body}");
    let (status, _) = timed_exchange(&mut second, raw_request(&hw, &path)).await;
    assert!(status.contains(" 200 "), "{status}");
    let (status, _) = timed_exchange(&mut first, raw_request(&hw, &path)).await;
    assert!(
        status.contains(" 200 "),
        "the first connection is still usable: {status}"
    );
}

async fn with_fault(hw: &Hw, kind: FaultKind, action: &str) {
    hw.sim.faults().add(
        FaultRule::new(kind, Trigger::Times(1))
            .cloud(Cloud::Huawei)
            .action(action),
    );
}

#[tokio::test]
async fn injected_errors_have_huawei_shapes() {
    let hw = start().await;
    let auth = Auth::Aksk;
    let cases = [
        (InjectedError::Throttled, 429, "APIG.0308"),
        (InjectedError::Unavailable, 503, "APIGW.0202"),
        (InjectedError::Internal, 500, "VPC.0514"),
        (InjectedError::Busy, 409, "VPC.0512"),
    ];
    for (error, status, code) in cases {
        with_fault(&hw, FaultKind::Error(error), "ListPublicips").await;
        let answer = hw.vpc(Method::GET, "/publicips", None, &auth).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{error:?}");
        let request_id = answer.request_id.clone().unwrap();
        assert_eq!(request_id.len(), 32);
        if code.starts_with("APIG") {
            assert_eq!(answer.json["request_id"], request_id.as_str());
        }
        assert_eq!(
            hw.vpc(Method::GET, "/publicips", None, &auth).await.status,
            200,
            "fires once"
        );
    }
    let throttled = hw
        .sim
        .requests()
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap();
    assert_eq!(throttled.error_code.as_deref(), Some("APIG.0308"));
    assert_eq!(throttled.action, "ListPublicips");
    // A throttle drawn by chance names no window (the quota fault kind's answers do).
    with_fault(
        &hw,
        FaultKind::Error(InjectedError::Throttled),
        "KeystoneCreateToken",
    )
    .await;
    let info = hw.info().clone();
    let answer = hw
        .password_token(
            &info.password,
            json!({"project": {"name": info.region}}),
            "",
        )
        .await;
    assert_eq!(answer.status, 429);
    assert!(answer.json["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("The request is throttled"));
    assert!(answer.headers.get("x-subject-token").is_none());
    assert_eq!(
        hw.sim
            .control(Cloud::Huawei, "token_count", json!({}))
            .unwrap()["count"],
        0
    );
}

#[tokio::test]
async fn close_connection_and_commit_then_drop() {
    let hw = start().await;
    let path = format!("{}/v1/{}/publicips", hw.base, hw.project);
    let token = hw.token().await;
    let body =
        r#"{"publicip":{"type":"5_bgp"},"bandwidth":{"name":"b","size":5,"share_type":"PER"}}"#;
    let send = || {
        hw.http
            .post(&path)
            .header("x-auth-token", &token)
            .body(body)
            .send()
    };

    with_fault(&hw, FaultKind::CloseConnection, "CreatePublicip").await;
    assert!(send().await.is_err(), "no answer");
    assert!(hw.sim.inventory().is_empty(), "nothing created");

    with_fault(&hw, FaultKind::CommitThenDrop, "CreatePublicip").await;
    assert!(send().await.is_err(), "no answer");
    assert_eq!(
        hw.sim.inventory().len(),
        1,
        "created although the client never heard"
    );

    let faults: Vec<String> = hw
        .sim
        .requests()
        .iter()
        .filter_map(|r| r.fault.clone())
        .collect();
    assert_eq!(faults, ["close_connection", "commit_then_drop"]);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let hw = start().await;
    let kind = FaultKind::Latency {
        fixed: Duration::from_millis(150),
        jitter: Duration::from_millis(20),
    };
    with_fault(&hw, kind, "ListPorts").await;
    let started = Instant::now();
    let answer = hw.vpc(Method::GET, "/ports", None, &Auth::Aksk).await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}
