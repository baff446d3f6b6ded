//! No secret of any credential source reaches a TRACE log, a `Debug` or an error: the OIDC
//! token, the keys STS and the instance role issue, the IMDSv2 session token, the
//! environment's secret. In a file of its own: the log subscriber is installed for this one
//! test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use eip_alibaba::{AlibabaBuilder, Env};
use eip_core::{EipProvider, ListFilter};

#[tokio::test]
async fn secrets_from_every_source_stay_out_of_logs_debug_and_errors() {
    const OIDC_TOKEN: &str = "eyJhbGciOi.oidc-token-that-must-stay-secret.sig";
    let sim = common::sim().await;
    // The provider accepts one token: this one.
    sim.control(
        eip_sim::Cloud::Alibaba,
        "rotate_oidc_token",
        serde_json::json!({ "token": OIDC_TOKEN }),
    )
    .unwrap();
    let home = std::env::temp_dir().join(format!(
        "eip-alibaba-secrets-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let token_file = home.join("token");
    std::fs::write(&token_file, OIDC_TOKEN).unwrap();

    let captured = eip_testkit::logs::capture_trace();

    let base = |extra: &[(&str, String)]| {
        let mut vars = vec![
            ("ALIBABA_CLOUD_REGION_ID", sim.alibaba().region.clone()),
            ("ALIBABA_CLOUD_STS_ENDPOINT", sim.endpoint()),
            ("EIP_ALIBABA_METADATA_ENDPOINT", sim.endpoint()),
        ];
        vars.extend(extra.iter().cloned());
        Env::from_vars(vars).with_home(&home)
    };
    let oidc = base(&[
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890123456:role/pod".into(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            sim.alibaba().oidc_provider_arn.clone(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.display().to_string(),
        ),
    ]);
    let env_keys = base(&[
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            sim.alibaba().access_key_id.clone(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            sim.alibaba().access_key_secret.clone(),
        ),
    ]);
    let mut secrets = vec![
        OIDC_TOKEN.to_owned(),
        sim.alibaba().access_key_secret.clone(),
    ];
    let mut shown = vec![format!("{oidc:?}"), format!("{env_keys:?}")];
    for (env, assume) in [(oidc, true), (env_keys, false), (base(&[]), true)] {
        let mut builder = AlibabaBuilder::from_env_in(env)
            .unwrap()
            .with_endpoint(sim.endpoint())
            .with_retry(common::fast_retry());
        if assume {
            builder = builder.with_assume_role(
                "acs:ram::1234567890123456:role/next",
                None,
                None,
                None,
                None,
            );
        }
        shown.push(format!("{builder:?}"));
        let p = builder.build().unwrap();
        p.list_page(&ListFilter::default(), &Default::default())
            .await
            .unwrap();
        let used = p.credential_provider().credentials().await.unwrap();
        secrets.push(used.secret.expose().to_owned());
        if let Some(token) = &used.security_token {
            secrets.push(token.expose().to_owned());
        }
        shown.push(format!("{p:?}"));
        shown.push(format!("{:?}", p.credential_provider()));
        shown.push(format!("{used:?} {used:#?}"));
    }
    // An error of the chain (the OIDC provider refused) shows no token either.
    let refused = AlibabaBuilder::from_env_in(base(&[
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890123456:role/pod".into(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/other".into(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.display().to_string(),
        ),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".into()),
    ]))
    .unwrap()
    .with_endpoint(sim.endpoint())
    .build()
    .unwrap()
    .list_page(&ListFilter::default(), &Default::default())
    .await
    .unwrap_err();
    shown.push(format!("{refused} {refused:?}"));

    // What every credential the emulator issues starts with (the instance role's keys under the
    // assumed role included), and the IMDSv2 session token it hands out.
    secrets.extend(
        ["SimIssuedSecret", "CAISsim+Issued/", "AQAEAsim"]
            .iter()
            .map(|prefix| (*prefix).to_owned()),
    );
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.action.starts_with("Metadata PUT")),
        "an IMDSv2 token was issued: {:?}",
        sim.requests()
    );

    let log = captured.text();
    assert!(
        log.contains("AssumeRoleWithOIDC"),
        "the log was captured: {}",
        log.len()
    );
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret:?}");
        assert!(
            !log.contains(secret.as_str()),
            "a secret reached the TRACE log"
        );
        for text in &shown {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
    }
    std::fs::remove_dir_all(&home).unwrap();
}
