//! The holes a hostile or broken endpoint could use: redirects are never followed (the password
//! and the token go nowhere else), a project id from IAM is checked before it enters a path, and
//! a refused password is remembered for a bounded time only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_core::{EipProvider, Error, RetryPolicy};
use eip_huawei::{AccessKey, HuaweiProvider, PasswordAuth};
use eip_testkit::hostile::{RawServer, Reply};
use eip_testkit::{Auth, Cloud};
use serde_json::json;

const SOME_ID: &str = "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0";

fn token_answer(project_id: &str) -> Reply {
    Reply::json(
        201,
        json!({"token": {
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2098-12-31T00:00:00.000000Z",
            "project": {"id": project_id, "name": "cn-north-4"}
        }}),
    )
    .header("X-Subject-Token", "tok-very-secret")
}

fn password_to(iam: &str, vpc: &str) -> HuaweiProvider {
    HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_iam_endpoint(iam)
        .with_vpc_endpoint(vpc)
        .with_retry(RetryPolicy::never())
        .with_password(PasswordAuth::new("alice", "pw-very-secret", "acct"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_iam_redirect_is_not_followed_so_the_password_goes_nowhere_else() {
    let elsewhere = RawServer::start(|_| token_answer("p1")).await;
    let location = format!("{}/v3/auth/tokens", elsewhere.url);
    let iam =
        RawServer::start(move |_| Reply::json(307, json!({})).header("Location", &location)).await;
    let vpc = RawServer::start(|_| Reply::json(200, json!({}))).await;
    let huawei = password_to(&iam.url, &vpc.url);

    let error = huawei.get(SOME_ID).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::InvalidResponse {
                http_status: Some(307),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(iam.received().len(), 1);
    assert!(
        elsewhere.received().is_empty(),
        "the password was re-posted to the Location host"
    );
    assert!(vpc.received().is_empty());
}

#[tokio::test]
async fn a_vpc_redirect_is_not_followed_so_the_token_goes_nowhere_else() {
    let elsewhere = RawServer::start(|_| Reply::json(200, json!({"publicip": {}}))).await;
    let location = format!("{}/v1/p1/publicips/{SOME_ID}", elsewhere.url);
    let iam = RawServer::start(|_| token_answer("p1")).await;
    let vpc =
        RawServer::start(move |_| Reply::json(302, json!({})).header("Location", &location)).await;
    let huawei = password_to(&iam.url, &vpc.url);
    assert!(huawei.get(SOME_ID).await.is_err());
    assert_eq!(vpc.received().len(), 1);
    assert!(vpc.received()[0].head.contains("tok-very-secret"));
    assert!(
        elsewhere.received().is_empty(),
        "the token followed the redirect"
    );

    // The same with AK/SK: the signature and the security token stay where they were sent.
    let signed = HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_iam_endpoint(&iam.url)
        .with_vpc_endpoint(&vpc.url)
        .with_project_id("p1")
        .with_retry(RetryPolicy::never())
        .with_access_key(AccessKey::new("AKID", "sk-very-secret").with_security_token("st-secret"))
        .build()
        .unwrap();
    assert!(signed.get(SOME_ID).await.is_err());
    assert_eq!(vpc.received().len(), 2);
    assert!(elsewhere.received().is_empty());
}

#[tokio::test]
async fn a_project_id_from_iam_that_is_no_id_never_reaches_a_path() {
    for hostile in ["../../v3/auth/tokens", "a/b", "..", "p1?x=1", "p 1"] {
        let iam = RawServer::start(move |_| token_answer(hostile)).await;
        let vpc = RawServer::start(|_| Reply::json(200, json!({"publicips": []}))).await;
        let huawei = password_to(&iam.url, &vpc.url);
        let error = huawei.get(SOME_ID).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidResponse { reason, .. } if reason.contains("project id")),
            "{hostile}: {error:?}"
        );
        assert!(
            vpc.received().is_empty(),
            "{hostile}: a VPC request was sent"
        );
    }

    // The AK/SK project lookup is checked the same way.
    let iam = RawServer::start(|_| Reply::json(200, json!({"projects": [{"id": "../x"}]}))).await;
    let vpc = RawServer::start(|_| Reply::json(200, json!({"publicips": []}))).await;
    let signed = HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_iam_endpoint(&iam.url)
        .with_vpc_endpoint(&vpc.url)
        .with_retry(RetryPolicy::never())
        .with_access_key(AccessKey::new("AKID", "sk-very-secret"))
        .build()
        .unwrap();
    assert!(matches!(
        signed.get(SOME_ID).await,
        Err(Error::InvalidResponse { .. })
    ));
    assert_eq!(iam.received().len(), 1);
    assert!(vpc.received().is_empty());
}

fn wrong_password(sim: &eip_sim::Sim) -> PasswordAuth {
    let info = sim.huawei();
    PasswordAuth::new(
        info.user_name.clone(),
        "not-the-password",
        info.domain_name.clone(),
    )
}

fn right_password(sim: &eip_sim::Sim) -> PasswordAuth {
    let info = sim.huawei();
    PasswordAuth::new(
        info.user_name.clone(),
        info.password.clone(),
        info.domain_name.clone(),
    )
}

#[tokio::test]
async fn a_refused_password_is_remembered_until_the_credentials_change_or_a_reset() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei_builder(&sim)
        .with_password(wrong_password(&sim))
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(matches!(
            huawei.get(&id).await,
            Err(Error::Unauthenticated { .. })
        ));
    }
    assert_eq!(
        huawei.iam_requests(),
        1,
        "a refused password was tried again"
    );

    // An explicit reset asks IAM once more (still refused, still remembered).
    huawei.reset_auth().await;
    assert!(huawei.get(&id).await.is_err());
    assert!(huawei.get(&id).await.is_err());
    assert_eq!(huawei.iam_requests(), 2);

    // The rotated password works at once, without a new provider.
    huawei.set_password(right_password(&sim)).await.unwrap();
    assert_eq!(huawei.get(&id).await.unwrap().id, id);
    assert_eq!(huawei.iam_requests(), 3);
    assert_eq!(eip_testkit::count(&sim, "ShowPublicip"), 1);
}

#[tokio::test]
async fn a_refusal_is_forgotten_after_the_refusal_memory() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei_builder(&sim)
        .with_password(wrong_password(&sim))
        .with_auth_refusal_memory(Duration::from_millis(50))
        .build()
        .unwrap();
    assert!(huawei.get(&id).await.is_err());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(huawei.get(&id).await.is_err());
    assert_eq!(
        huawei.iam_requests(),
        2,
        "after the memory IAM is asked again, once"
    );
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 2);
}

#[tokio::test]
async fn an_access_key_provider_refuses_a_password() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Alternate);
    assert!(matches!(
        huawei.set_password(right_password(&sim)).await,
        Err(Error::InvalidInput { field, .. }) if field == "credentials"
    ));
}
