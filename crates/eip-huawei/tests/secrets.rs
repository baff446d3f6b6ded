//! No secret, token or signature reaches a log line, even at TRACE level, nor an error's text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_core::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt};
use eip_huawei::PasswordAuth;
use eip_sim::{Cloud, FaultKind, FaultRule, HuaweiConfig, InjectedError, Trigger};
use eip_testkit::Auth;

#[tokio::test]
async fn trace_logs_and_errors_carry_no_secret() {
    let captured = eip_testkit::logs::capture_trace();

    let sim = eip_testkit::huawei_sim(HuaweiConfig {
        security_token: Some("sim-security-token-value".into()),
        ..HuaweiConfig::default()
    })
    .await;
    let info = sim.huawei().clone();
    let mut texts = Vec::new();

    // Password token flow, with a 401 and a re-authentication and a retried fault in it.
    let by_password = eip_testkit::huawei(&sim, Auth::Default);
    let eip = eip_testkit::available(&by_password).await;
    sim.control(Cloud::Huawei, "revoke_tokens", serde_json::json!({}))
        .unwrap();
    sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Times(1),
        )
        .cloud(Cloud::Huawei),
    );
    let target = AssociateTarget::instance(info.servers[0].id.clone());
    by_password.associate(&eip.id, &target).await.unwrap();
    by_password
        .wait_until_bound_to(&eip.id, &target, &eip_testkit::fast_wait())
        .await
        .unwrap();
    texts.push(format!("{by_password:?}"));

    // AK/SK with a security token, and errors of both kinds.
    let by_key = eip_testkit::huawei_looking_up_project(&sim);
    by_key.allocate(&AllocateRequest::new()).await.unwrap();
    texts.push(format!("{by_key:?}"));
    let wrong = eip_testkit::huawei_builder(&sim)
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            "wrong-password-value",
            info.domain_name.clone(),
        ))
        .build()
        .unwrap();
    let error = wrong.get(&eip.id).await.unwrap_err();
    texts.push(format!("{error} {error:?}"));
    let bound = by_password.release(&eip.id).await.unwrap_err();
    texts.push(format!("{bound} {bound:?}"));

    let logs = captured.text();
    assert!(
        logs.contains("KeystoneCreateToken") && logs.contains("request_id"),
        "the capture works: {}",
        logs.len()
    );
    let all = format!("{logs}\n{}", texts.join("\n"));
    for secret in [
        info.password.as_str(),
        info.secret_key.as_str(),
        "sim-security-token-value",
        "wrong-password-value",
    ] {
        assert!(!all.contains(secret), "a secret leaked");
    }
    // The emulator's tokens are Keystone-like `MII...` strings; signatures follow `Signature=`.
    for marker in ["Signature=", "MII", "x-auth-token: ", "X-Auth-Token: "] {
        assert!(!all.contains(marker), "{marker:?} leaked");
    }
}
