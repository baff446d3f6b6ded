//! Huawei IAM on the wire: password tokens, scopes, expiry and revocation through the control
//! API, project lookup, and how VPC calls treat tokens (the IAM token API, <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod huawei_common;

use eip_sim::Cloud;
use huawei_common::{start, Auth};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn password_token_is_issued_with_project_and_expiry() {
    let hw = start().await;
    let info = hw.info().clone();
    let answer = hw
        .password_token(
            &info.password,
            json!({"project": {"name": info.region}}),
            "?nocatalog=true",
        )
        .await;
    assert_eq!(answer.status, 201);
    let token = answer.headers["x-subject-token"].to_str().unwrap();
    assert!(token.len() > 100);
    assert!(answer.request_id.is_some());
    let body = &answer.json["token"];
    assert_eq!(body["project"]["id"], info.project_id.as_str());
    assert_eq!(body["project"]["name"], info.region.as_str());
    assert!(
        body.get("catalog").is_none(),
        "nocatalog leaves the catalog out"
    );
    // the IAM token API, https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html: microseconds and Z, 24 h after issued_at.
    let expires = body["expires_at"].as_str().unwrap();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    let expires_at = time::PrimitiveDateTime::parse(expires, format)
        .unwrap()
        .assume_utc();
    let issued_at = time::PrimitiveDateTime::parse(body["issued_at"].as_str().unwrap(), format)
        .unwrap()
        .assume_utc();
    assert_eq!(expires_at - issued_at, time::Duration::hours(24));

    // The token works on VPC calls.
    let list = hw
        .vpc(
            Method::GET,
            "/publicips",
            None,
            &Auth::Token(token.to_owned()),
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json, json!({"publicips": []}));
}

#[tokio::test]
async fn scope_by_id_and_catalog_without_nocatalog() {
    let hw = start().await;
    let info = hw.info().clone();
    let answer = hw
        .password_token(
            &info.password,
            json!({"project": {"id": info.project_id}}),
            "",
        )
        .await;
    assert_eq!(answer.status, 201);
    assert_eq!(
        answer.json["token"]["project"]["id"],
        info.project_id.as_str()
    );
    let catalog = answer.json["token"]["catalog"].as_array().unwrap();
    assert!(catalog.iter().any(|entry| entry["type"] == "network"));
    // An empty nocatalog value does not count (the IAM token API, https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html: any non-empty value).
    let answer = hw
        .password_token(
            &info.password,
            json!({"project": {"id": info.project_id}}),
            "?nocatalog=",
        )
        .await;
    assert!(answer.json["token"]["catalog"].is_array());
}

#[tokio::test]
async fn wrong_password_gets_keystone_401_and_no_token() {
    let hw = start().await;
    let region = hw.info().region.clone();
    let answer = hw
        .password_token("not-the-password", json!({"project": {"name": region}}), "")
        .await;
    assert_eq!(answer.status, 401);
    assert!(answer.headers.get("x-subject-token").is_none());
    assert_eq!(
        answer.json,
        json!({"error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}})
    );
    let count = hw
        .sim
        .control(Cloud::Huawei, "token_count", json!({}))
        .unwrap();
    assert_eq!(count["count"], 0);
}

#[tokio::test]
async fn unknown_project_scope_is_refused() {
    let hw = start().await;
    let password = hw.info().password.clone();
    let answer = hw
        .password_token(
            &password,
            json!({"project": {"name": "ap-southeast-1"}}),
            "",
        )
        .await;
    assert_eq!(answer.status, 401);
    assert!(answer.headers.get("x-subject-token").is_none());
}

#[tokio::test]
async fn domain_token_cannot_reach_project_resources() {
    let hw = start().await;
    let info = hw.info().clone();
    let answer = hw
        .password_token(
            &info.password,
            json!({"domain": {"name": info.domain_name}}),
            "?nocatalog=1",
        )
        .await;
    assert_eq!(answer.status, 201);
    assert!(answer.json["token"].get("project").is_none());
    assert_eq!(
        answer.json["token"]["domain"]["id"],
        info.domain_id.as_str()
    );
    let token = answer.headers["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let list = hw
        .vpc(Method::GET, "/publicips", None, &Auth::Token(token))
        .await;
    assert_eq!((list.status, list.code()), (400, "VPC.0007"));
}

#[tokio::test]
async fn vpc_calls_without_a_valid_token_get_vpc_0008() {
    let hw = start().await;
    let invalid = json!({"code": "VPC.0008", "message": "Invalid token in the header."});
    let none = hw.vpc(Method::GET, "/publicips", None, &Auth::None).await;
    assert_eq!((none.status, &none.json), (401, &invalid));
    assert!(none.request_id.is_some());
    let bogus = hw
        .vpc(
            Method::GET,
            "/publicips",
            None,
            &Auth::Token("MIIbogus".into()),
        )
        .await;
    assert_eq!((bogus.status, &bogus.json), (401, &invalid));
}

#[tokio::test]
async fn another_project_in_the_path_is_vpc_0007() {
    let hw = start().await;
    let token = Auth::Token(hw.token().await);
    let other = "fedcba9876543210fedcba9876543210";
    let answer = hw
        .call(Method::GET, &format!("/v1/{other}/publicips"), None, &token)
        .await;
    assert_eq!((answer.status, answer.code()), (400, "VPC.0007"));
    let answer = hw
        .call(
            Method::GET,
            &format!("/v1/{other}/publicips"),
            None,
            &Auth::Aksk,
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "VPC.0007"));
}

async fn list(hw: &huawei_common::Hw, token: &str) -> huawei_common::Answer {
    hw.vpc(
        Method::GET,
        "/publicips",
        None,
        &Auth::Token(token.to_owned()),
    )
    .await
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let hw = start().await;
    let first = hw.token().await;
    let second = hw.token().await;
    assert_ne!(first, second, "a new token does not replace the old one");
    assert_eq!(list(&hw, &first).await.status, 200);
    assert_eq!(list(&hw, &second).await.status, 200);

    let revoked = hw
        .sim
        .control(Cloud::Huawei, "revoke_tokens", json!({"token": first}))
        .unwrap();
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(list(&hw, &first).await.code(), "VPC.0008");
    assert_eq!(list(&hw, &second).await.status, 200);

    hw.sim
        .control(Cloud::Huawei, "expire_tokens", json!({}))
        .unwrap();
    assert_eq!(list(&hw, &second).await.code(), "VPC.0008");
    let third = hw.token().await;
    assert_eq!(
        list(&hw, &third).await.status,
        200,
        "tokens issued after expire_tokens live"
    );

    hw.sim
        .control(Cloud::Huawei, "revoke_tokens", json!({}))
        .unwrap();
    assert_eq!(list(&hw, &third).await.code(), "VPC.0008");
    let count = hw
        .sim
        .control(Cloud::Huawei, "token_count", json!({}))
        .unwrap();
    assert_eq!(count["count"], 3);
}

#[tokio::test]
async fn list_projects_by_name_with_token_or_aksk() {
    let hw = start().await;
    let info = hw.info().clone();
    let token = Auth::Token(hw.token().await);
    let path = format!("/v3/projects?name={}", info.region);
    for auth in [&token, &Auth::Aksk] {
        let answer = hw.call(Method::GET, &path, None, auth).await;
        assert_eq!(answer.status, 200, "{:?}", answer.json);
        let projects = answer.json["projects"].as_array().unwrap();
        assert_eq!(projects.len(), 1);
        assert_eq!(projects[0]["id"], info.project_id.as_str());
        assert_eq!(projects[0]["name"], info.region.as_str());
        assert_eq!(projects[0]["domain_id"], info.domain_id.as_str());
        assert!(answer.json["links"].is_object());
    }
    let none = hw
        .call(Method::GET, "/v3/projects?name=eu-west-0", None, &token)
        .await;
    assert_eq!(none.json["projects"], json!([]));
    let anonymous = hw.call(Method::GET, &path, None, &Auth::None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json["error"]["code"], 401);
}

#[tokio::test]
async fn python_sdk_shaped_signed_token_request() {
    // what huaweicloud-sdk-python-v3 3.1.219 sends: AK/SK-signed, json.dumps spacing, X-Domain-Id, nocatalog=true.
    let hw = start().await;
    let info = hw.info().clone();
    let body = format!(
        r#"{{"auth": {{"identity": {{"methods": ["password"], "password": {{"user": {{"domain": {{"name": "{}"}}, "name": "{}", "password": "{}"}}}}}}, "scope": {{"project": {{"name": "{}"}}}}}}}}"#,
        info.domain_name, info.user_name, info.password, info.region
    );
    let date = huawei_common::sdk_date(0);
    let signed = [
        "content-type",
        "host",
        "user-agent",
        "x-domain-id",
        "x-sdk-date",
    ];
    let extra = [("x-domain-id", info.domain_id.as_str())];
    let answer = hw
        .signed_with(
            Method::POST,
            "/v3/auth/tokens?nocatalog=true",
            &body,
            &date,
            &signed,
            &extra,
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.json);
    assert!(answer.headers.get("x-subject-token").is_some());
    assert_eq!(
        answer.json["token"]["project"]["id"],
        info.project_id.as_str()
    );
    assert!(answer.json["token"].get("catalog").is_none());
}
