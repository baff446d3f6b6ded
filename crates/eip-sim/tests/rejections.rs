//! Rejected requests change nothing (issue 7, item 8): a bad signature, a reused nonce, a stale
//! timestamp, an expired or revoked token and a token of another project each get the documented
//! code, and the emulator's inventory is exactly what it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod huawei_common;

use common::{sign_v1, start_sim, timestamp_at, Ali};
use eip_sim::Cloud;
use huawei_common::{sdk_date, start, Auth, Spec};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn alibaba_rejections_change_nothing() {
    let sim = start_sim(20).await;
    let ali = Ali::new(&sim);
    let allocate = [("Bandwidth", "5"), ("Name", "rejected")];

    // Bad signature: signed with the wrong secret.
    let wrong = Ali {
        secret: "not-the-secret".into(),
        ..ali.clone()
    };
    wrong
        .call("AllocateEipAddress", &allocate)
        .await
        .expect_error(400, "SignatureDoesNotMatch");
    assert!(sim.inventory().is_empty());

    // Stale timestamp: an hour old.
    let mut stale = ali.v1_params("POST", "AllocateEipAddress", &allocate);
    stale.retain(|(k, _)| k != "Signature" && k != "Timestamp");
    stale.push(("Timestamp".into(), timestamp_at(-3600)));
    let signature = sign_v1("POST", &stale, &ali.secret);
    stale.push(("Signature".into(), signature));
    ali.send_query("POST", &stale)
        .await
        .expect_error(400, "InvalidTimeStamp.Expired");
    assert!(sim.inventory().is_empty());

    // Reused nonce: the same signed request twice creates one address.
    let signed = ali.v1_params("POST", "AllocateEipAddress", &allocate);
    ali.send_query("POST", &signed).await.ok();
    ali.send_query("POST", &signed)
        .await
        .expect_error(400, "SignatureNonceUsed");
    assert_eq!(sim.inventory().len(), 1, "the replay created nothing");

    // A replayed release of that address is refused too, and the address stays.
    let id = sim.inventory()[0].id.clone();
    let release = ali.v1_params("POST", "ReleaseEipAddress", &[("AllocationId", &id)]);
    let forged = {
        let mut p = release.clone();
        p.retain(|(k, _)| k != "Signature");
        p.push(("Signature".into(), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()));
        p
    };
    ali.send_query("POST", &forged)
        .await
        .expect_error(400, "SignatureDoesNotMatch");
    assert_eq!(sim.inventory().len(), 1);
}

#[tokio::test]
async fn huawei_rejections_change_nothing() {
    let hw = start().await;
    let body = json!({"publicip": {"type": "5_bgp"}, "bandwidth": {"name": "bw", "size": 5, "share_type": "PER"}}).to_string();
    let path = format!("/v1/{}/publicips", hw.project);

    // Bad signature: signed with the wrong secret key.
    let spec = Spec {
        method: Method::POST,
        path_and_query: &path,
        sign_body: &body,
        send_body: &body,
        date: &sdk_date(0),
        signed: &["content-type", "host", "x-project-id", "x-sdk-date"],
        extra: &[],
        sk: "not-the-secret-key",
        ak: None,
    };
    let answer = hw.send(spec).await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));
    assert!(hw.sim.inventory().is_empty());

    // Stale X-Sdk-Date: an hour old.
    let answer = hw
        .signed(Method::POST, &path, &body, &sdk_date(-3600))
        .await;
    assert_eq!((answer.status, answer.code()), (401, "APIGW.0301"));
    assert!(hw.sim.inventory().is_empty());

    // Expired and revoked tokens.
    let body_json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = hw.token().await;
    hw.sim
        .control(Cloud::Huawei, "expire_tokens", json!({}))
        .unwrap();
    let answer = hw
        .vpc(
            Method::POST,
            "/publicips",
            Some(body_json.clone()),
            &Auth::Token(token),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (401, "VPC.0008"));
    let token = hw.token().await;
    hw.sim
        .control(Cloud::Huawei, "revoke_tokens", json!({"token": token}))
        .unwrap();
    let answer = hw
        .vpc(
            Method::POST,
            "/publicips",
            Some(body_json.clone()),
            &Auth::Token(token),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (401, "VPC.0008"));
    assert!(hw.sim.inventory().is_empty());

    // A valid token used on another project's path.
    let token = hw.token().await;
    let other = "ffffffffffffffffffffffffffffffff";
    let answer = hw
        .call(
            Method::POST,
            &format!("/v1/{other}/publicips"),
            Some(body_json.clone()),
            &Auth::Token(token.clone()),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "VPC.0007"));
    assert!(hw.sim.inventory().is_empty());

    // The same token on its own project works: the rejections above were about the requests.
    let answer = hw
        .vpc(
            Method::POST,
            "/publicips",
            Some(body_json),
            &Auth::Token(token),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.json);
    assert_eq!(hw.sim.inventory().len(), 1);
}
