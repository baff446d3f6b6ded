//! Authentication over real HTTP: the token cache (single-flight, expiry, revocation), a wrong
//! password, and AK/SK signing with project discovery and security tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_core::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, Error};
use eip_huawei::{AccessKey, PasswordAuth};
use eip_sim::{Cloud, FaultKind, FaultRule, HuaweiConfig, InjectedError, Trigger};
use eip_testkit::Auth;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_a_cold_provider_make_one_token_request() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let calls = (0..1000).map(|_| huawei.get(&id));
    let results = futures::future::join_all(calls).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|eip| eip.id == id)),
        "every call succeeds"
    );
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 1);
    assert_eq!(eip_testkit::count(&sim, "ShowPublicip"), 1000);
    assert_eq!(huawei.iam_requests(), 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_the_call_succeeds() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    huawei.get(&id).await.unwrap();
    sim.control(Cloud::Huawei, "expire_tokens", serde_json::json!({}))
        .unwrap();
    sim.clear_requests();
    assert_eq!(huawei.get(&id).await.unwrap().id, id);
    assert_eq!(
        eip_testkit::actions(&sim),
        ["ShowPublicip", "KeystoneCreateToken", "ShowPublicip"]
    );
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 201, 200]);
    assert_eq!(huawei.iam_requests(), 2);
    // The new token is cached: no further IAM request.
    huawei.get(&id).await.unwrap();
    assert_eq!(huawei.iam_requests(), 2);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_even_for_a_write() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&huawei).await;
    sim.control(Cloud::Huawei, "revoke_tokens", serde_json::json!({}))
        .unwrap();
    sim.clear_requests();
    let server = sim.huawei().servers[0].id.clone();
    let target = AssociateTarget::instance(server);
    huawei.associate(&eip.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(
        eip_testkit::count(&sim, "KeystoneCreateToken"),
        1,
        "{:?}",
        eip_testkit::actions(&sim)
    );
    assert_eq!(sim.requests().iter().filter(|r| r.status == 401).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_calls_on_a_revoked_token_reauthenticates_once() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    huawei.get(&id).await.unwrap();
    sim.control(Cloud::Huawei, "revoke_tokens", serde_json::json!({}))
        .unwrap();
    sim.clear_requests();
    let results = futures::future::join_all((0..200).map(|_| huawei.get(&id))).await;
    assert!(results.iter().all(Result::is_ok));
    // Each refused call drops the token only if it is still the one it used.
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 1);
    assert_eq!(huawei.iam_requests(), 2);
}

#[tokio::test]
async fn a_wrong_password_costs_exactly_one_iam_request() {
    let sim = eip_testkit::sim().await;
    let info = sim.huawei().clone();
    let huawei = eip_testkit::huawei_builder(&sim)
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            "not-the-password",
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    let calls = (0..20).map(|_| huawei.get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0"));
    for result in futures::future::join_all(calls).await {
        match result {
            Err(Error::Unauthenticated { reason, .. }) => {
                assert!(!reason.contains("not-the-password"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(huawei.allocate(&AllocateRequest::new()).await.is_err());
    assert_eq!(eip_testkit::actions(&sim), ["KeystoneCreateToken"]);
    assert_eq!(sim.requests()[0].status, 401);
    assert_eq!(huawei.iam_requests(), 1);
}

#[tokio::test]
async fn a_throttled_iam_is_retried_and_the_token_still_shared() {
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Times(2),
        )
        .cloud(Cloud::Huawei)
        .action("KeystoneCreateToken"),
    );
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    assert_eq!(huawei.get(&id).await.unwrap().id, id);
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 3);
    huawei.get(&id).await.unwrap();
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 3);
}

#[tokio::test]
async fn a_token_scoped_by_project_id_works() {
    let sim = eip_testkit::sim().await;
    let info = sim.huawei().clone();
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei_builder(&sim)
        .with_project_id(info.project_id.clone())
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    assert_eq!(huawei.get(&id).await.unwrap().id, id);
}

#[tokio::test]
async fn a_short_lived_token_is_replaced_before_it_expires() {
    let sim = eip_testkit::huawei_sim(HuaweiConfig {
        token_lifetime: Duration::from_millis(600),
        ..HuaweiConfig::default()
    })
    .await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let huawei = eip_testkit::huawei(&sim, Auth::Default);
    huawei.get(&id).await.unwrap();
    // The margin (30 min) is capped at half the life: the token is replaced after 300 ms.
    tokio::time::sleep(Duration::from_millis(350)).await;
    huawei.get(&id).await.unwrap();
    assert_eq!(huawei.iam_requests(), 2);
    assert!(
        sim.requests().iter().all(|r| r.status != 401),
        "no call was refused"
    );
}

#[tokio::test]
async fn ak_sk_signs_every_call_and_discovers_the_project_once() {
    let sim = eip_testkit::sim().await;
    let huawei = eip_testkit::huawei_looking_up_project(&sim);
    let eip = huawei
        .allocate(&AllocateRequest::new().name("signed"))
        .await
        .unwrap();
    huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    let target = AssociateTarget::instance(sim.huawei().servers[0].id.clone());
    huawei.associate(&eip.id, &target).await.unwrap();
    huawei
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    huawei.disassociate(&eip.id, Some(&target)).await.unwrap();
    huawei
        .wait_until_available(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    huawei.release(&eip.id).await.unwrap();
    huawei
        .wait_until_released(&eip.id, &eip_testkit::fast_wait())
        .await
        .unwrap();
    assert_eq!(eip_testkit::count(&sim, "KeystoneListProjects"), 1);
    assert_eq!(eip_testkit::count(&sim, "KeystoneCreateToken"), 0);
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.status < 300 || r.status == 404),
        "{:?}",
        sim.requests()
    );
    assert_eq!(huawei.iam_requests(), 0);

    // With the project id given, no IAM call at all.
    sim.clear_requests();
    let given = eip_testkit::huawei(&sim, Auth::Alternate);
    assert!(given
        .list_page(&Default::default(), &Default::default())
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(eip_testkit::actions(&sim), ["ListPublicips"]);
}

#[tokio::test]
async fn a_wrong_secret_key_is_unauthenticated_without_retries() {
    let sim = eip_testkit::sim().await;
    let info = sim.huawei().clone();
    let huawei = eip_testkit::huawei_builder(&sim)
        .with_project_id(info.project_id.clone())
        .with_access_key(AccessKey::new(info.access_key.clone(), "wrong-secret"))
        .build()
        .unwrap();
    let error = huawei
        .get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthenticated { .. }), "{error:?}");
    assert_eq!(error.service().map(|s| s.code.as_str()), Some("APIGW.0301"));
    assert_eq!(
        sim.requests().len(),
        1,
        "an AK is locked after 5 failures: never retried"
    );
}

#[tokio::test]
async fn temporary_keys_send_their_security_token() {
    let sim = eip_testkit::huawei_sim(HuaweiConfig {
        security_token: Some("sim-security-token".into()),
        ..HuaweiConfig::default()
    })
    .await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    let with_token = eip_testkit::huawei_looking_up_project(&sim);
    assert_eq!(with_token.get(&id).await.unwrap().id, id);

    let info = sim.huawei().clone();
    let without = eip_testkit::huawei_builder(&sim)
        .with_project_id(info.project_id.clone())
        .with_access_key(AccessKey::new(
            info.access_key.clone(),
            info.secret_key.clone(),
        ))
        .build()
        .unwrap();
    assert!(matches!(
        without.get(&id).await,
        Err(Error::Unauthenticated { .. })
    ));
}
