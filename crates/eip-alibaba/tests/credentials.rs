//! The default credential chain against the emulator over loopback: each step used when
//! present and skipped when absent, in order; refresh before expiry, OIDC token rotation,
//! IMDSv2, an expired token, a silent metadata service, broken profile files, AssumeRole over
//! the instance role. Every test reads an injected environment and a temporary home directory:
//! the process environment and the real HOME are never touched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::fast_retry;
use eip_alibaba::{AlibabaBuilder, AlibabaProvider, SignatureVersion};
use eip_core::{EipProvider, Error, ListFilter};
use eip_http::Env;
use eip_sim::{AlibabaConfig, Cloud, Sim};

const ROLE: &str = "EipSimInstanceRole";

async fn sim_lasting(lifetime: Duration) -> Sim {
    let config = AlibabaConfig {
        credential_lifetime: lifetime,
        ..Default::default()
    };
    eip_testkit::emulator::start(eip_testkit::emulator::sim_builder().alibaba(config)).await
}

/// A private temporary home directory, removed on drop.
struct Home(PathBuf);

impl Home {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "eip-alibaba-creds-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Writes `relative` with mode 0600.
    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        chmod(&path, 0o600);
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chmod(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// The emulator as STS and metadata service, the region, and `extra`.
fn env(sim: &Sim, home: &Home, extra: &[(&str, &str)]) -> Env {
    let endpoint = sim.endpoint();
    let mut vars = vec![
        (
            "ALIBABA_CLOUD_REGION_ID".to_owned(),
            sim.alibaba().region.clone(),
        ),
        ("ALIBABA_CLOUD_STS_ENDPOINT".to_owned(), endpoint.clone()),
        ("EIP_ALIBABA_METADATA_ENDPOINT".to_owned(), endpoint),
    ];
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push(((*k).to_owned(), (*v).to_owned()));
    }
    Env::from_vars(vars).with_home(&home.0)
}

fn builder(sim: &Sim, env: Env) -> AlibabaBuilder {
    AlibabaBuilder::from_env_in(env)
        .unwrap()
        .with_endpoint(sim.endpoint())
        .with_retry(fast_retry())
}

fn provider(sim: &Sim, env: Env) -> AlibabaProvider {
    builder(sim, env).build().unwrap()
}

/// One signed EIP call, as a user makes it: the account's EIPs.
async fn list(p: &AlibabaProvider) -> eip_core::Result<usize> {
    Ok(p.list_page(&ListFilter::default(), &Default::default())
        .await?
        .items
        .len())
}

fn count(sim: &Sim, action: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.cloud == Cloud::Alibaba && r.action == action)
        .count()
}

fn metadata_requests(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.action.starts_with("Metadata "))
        .count()
}

fn key_vars(sim: &Sim) -> Vec<(&'static str, String)> {
    vec![
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            sim.alibaba().access_key_id.clone(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            sim.alibaba().access_key_secret.clone(),
        ),
    ]
}

fn with<'a>(
    base: &'a [(&'static str, String)],
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(more);
    all
}

fn cli_profiles(sim: &Sim, profiles: &str) -> String {
    let _ = sim;
    format!(r#"{{"current":"main","profiles":[{profiles}]}}"#)
}

#[tokio::test]
async fn the_environment_wins_and_nothing_else_is_asked() {
    let sim = common::sim().await;
    let home = Home::new();
    // A profile that would fail if read: the environment comes first.
    home.write(".aliyun/config.json", r#"{"current":"main","profiles":[{"name":"main","mode":"AK","access_key_id":"wrong","access_key_secret":"wrong"}]}"#);
    let keys = key_vars(&sim);
    let p = provider(&sim, env(&sim, &home, &with(&keys, &[])));
    assert_eq!(list(&p).await.unwrap(), 0);
    assert_eq!(list(&p).await.unwrap(), 0);
    assert_eq!(count(&sim, "DescribeEipAddresses"), 2);
    assert_eq!(metadata_requests(&sim), 0);
    assert_eq!(
        count(&sim, "AssumeRole") + count(&sim, "AssumeRoleWithOIDC"),
        0
    );
}

#[tokio::test]
async fn nothing_configured_is_one_error_listing_every_step() {
    let sim = common::sim().await;
    let home = Home::new();
    // Nothing listens on this port: the metadata step fails at once.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let p = provider(
        &sim,
        env(&sim, &home, &[("EIP_ALIBABA_METADATA_ENDPOINT", &closed)]),
    );
    let error = list(&p).await.unwrap_err();
    assert_eq!(error.kind_name(), "unauthenticated", "{error}");
    let text = error.to_string();
    for part in [
        "environment: ALIBABA_CLOUD_ACCESS_KEY_ID not set",
        "oidc (ACK RRSA): ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set",
        "config.json: file absent",
        ".alibabacloud/credentials: file absent",
        "ecs ram role (instance metadata): ecs-ram-role: metadata PUT /latest/api/token: transport error: nothing listens",
        "credentials uri: ALIBABA_CLOUD_CREDENTIALS_URI not set",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text}");
    }
    assert_eq!(
        count(&sim, "DescribeEipAddresses"),
        0,
        "nothing signed, nothing sent"
    );
}

#[tokio::test]
async fn an_oidc_role_is_assumed_and_the_rotated_token_file_is_read_at_refresh() {
    // 4 s credentials: refreshed after half their life.
    let sim = sim_lasting(Duration::from_secs(4)).await;
    let home = Home::new();
    let token_file = home.write("token", &sim.alibaba().oidc_token);
    let provider_arn = sim.alibaba().oidc_provider_arn.clone();
    let file = token_file.display().to_string();
    let vars = [
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890123456:role/eip-failover",
        ),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", provider_arn.as_str()),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.as_str()),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "eip-test"),
    ];
    let p = provider(&sim, env(&sim, &home, &vars));
    list(&p).await.unwrap();
    list(&p).await.unwrap();
    assert_eq!(
        count(&sim, "AssumeRoleWithOIDC"),
        1,
        "cached until the refresh point"
    );

    // The kubelet rotates the token; the old one stops being accepted.
    std::fs::write(&token_file, "oidc-token-B").unwrap();
    sim.control(
        Cloud::Alibaba,
        "rotate_oidc_token",
        serde_json::json!({"token": "oidc-token-B"}),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    list(&p).await.unwrap();
    let oidc: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.action == "AssumeRoleWithOIDC")
        .collect();
    assert_eq!(oidc.len(), 2);
    assert_eq!(oidc[1].status, 200, "the new token was sent: {:?}", oidc[1]);

    // A provider ARN the account does not have: the step fails and is named.
    let wrong = [
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890123456:role/eip-failover",
        ),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/other",
        ),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.as_str()),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
    ];
    let error = list(&provider(&sim, env(&sim, &home, &wrong)))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("EntityNotExist.OIDCProvider"),
        "{error}"
    );
}

#[tokio::test]
async fn cli_profile_modes_ak_ram_role_arn_chainable_and_external() {
    let sim = common::sim().await;
    let home = Home::new();
    let (id, secret) = (
        &sim.alibaba().access_key_id,
        &sim.alibaba().access_key_secret,
    );
    let script = home.write(
        "bin/creds.sh",
        &format!(
            "#!/bin/sh\necho '{{\"mode\":\"AK\",\"access_key_id\":\"{id}\",\"access_key_secret\":\"{secret}\"}}'\n"
        ),
    );
    chmod(&script, 0o700);
    home.write(
        ".aliyun/config.json",
        &cli_profiles(
            &sim,
            &format!(
                r#"{{"name":"main","mode":"AK","access_key_id":"{id}","access_key_secret":"{secret}","region_id":"cn-hangzhou"}},
                {{"name":"role","mode":"RamRoleArn","access_key_id":"{id}","access_key_secret":"{secret}","ram_role_arn":"acs:ram::1234567890123456:role/ops","ram_session_name":"eip-test"}},
                {{"name":"chained","mode":"ChainableRamRoleArn","source_profile":"role","ram_role_arn":"acs:ram::9876543210987654:role/cross"}},
                {{"name":"external","mode":"External","process_command":"{}"}}"#,
                script.display()
            ),
        ),
    );
    let cases = [("main", 0), ("role", 1), ("chained", 2), ("external", 0)];
    for (profile, assumed) in cases {
        sim.clear_requests();
        let p = provider(
            &sim,
            env(&sim, &home, &[("ALIBABA_CLOUD_PROFILE", profile)]),
        );
        list(&p)
            .await
            .unwrap_or_else(|e| panic!("profile {profile}: {e}"));
        assert_eq!(count(&sim, "AssumeRole"), assumed, "profile {profile}");
        assert_eq!(metadata_requests(&sim), 0, "profile {profile}");
    }
    // Skipped when disabled: the chain goes on to the (emulated) instance role.
    sim.clear_requests();
    let p = provider(
        &sim,
        env(
            &sim,
            &home,
            &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")],
        ),
    );
    list(&p).await.unwrap();
    assert!(metadata_requests(&sim) >= 2, "{:?}", sim.requests());
}

/// The profile modes that reach a remote source: `EcsRamRole` (the instance role), `OIDC`
/// (AssumeRoleWithOIDC with the profile's token file) and `CredentialsURI` (a sidecar), in the
/// CLI file; `ecs_ram_role` and `oidc_role_arn` in the INI file. Each one asks exactly its own
/// source, and the call it signs goes through.
#[tokio::test]
async fn profile_modes_that_reach_the_instance_role_oidc_and_a_credentials_uri() {
    let sim = common::sim().await;
    let home = Home::new();
    let token_file = home.write("token", &sim.alibaba().oidc_token);
    let provider_arn = sim.alibaba().oidc_provider_arn.clone();
    let uri = format!(
        "{}/latest/meta-data/ram/security-credentials/{ROLE}",
        sim.endpoint()
    );
    home.write(
        ".aliyun/config.json",
        &cli_profiles(
            &sim,
            &format!(
                r#"{{"name":"main","mode":"EcsRamRole","ram_role_name":"{ROLE}"}},
                {{"name":"pod","mode":"OIDC","ram_role_arn":"acs:ram::1234567890123456:role/pod","oidc_provider_arn":"{provider_arn}","oidc_token_file":"{}","ram_session_name":"eip-test"}},
                {{"name":"sidecar","mode":"CredentialsURI","credentials_uri":"{uri}"}}"#,
                token_file.display()
            ),
        ),
    );
    let role_document = format!("Metadata GET /latest/meta-data/ram/security-credentials/{ROLE}");
    for (profile, oidc, documents) in [("main", 0, 1), ("pod", 1, 0), ("sidecar", 0, 1)] {
        sim.clear_requests();
        let p = provider(
            &sim,
            env(&sim, &home, &[("ALIBABA_CLOUD_PROFILE", profile)]),
        );
        list(&p)
            .await
            .unwrap_or_else(|e| panic!("profile {profile}: {e}"));
        assert_eq!(count(&sim, "AssumeRoleWithOIDC"), oidc, "profile {profile}");
        assert_eq!(count(&sim, &role_document), documents, "profile {profile}");
        assert_eq!(count(&sim, "DescribeEipAddresses"), 1, "profile {profile}");
    }

    // The INI file's remote types, with the CLI profile out of the way.
    home.write(
        ".alibabacloud/credentials",
        &format!(
            "[default]\ntype = ecs_ram_role\nrole_name = {ROLE}\n\n\
             [pod]\ntype = oidc_role_arn\nrole_arn = acs:ram::1234567890123456:role/pod\n\
             oidc_provider_arn = {provider_arn}\noidc_token_file_path = {}\n",
            token_file.display()
        ),
    );
    for (profile, oidc, documents) in [("default", 0, 1), ("pod", 1, 0)] {
        sim.clear_requests();
        let p = provider(
            &sim,
            env(
                &sim,
                &home,
                &[
                    ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true"),
                    ("ALIBABA_CLOUD_PROFILE", profile),
                ],
            ),
        );
        list(&p)
            .await
            .unwrap_or_else(|e| panic!("ini profile {profile}: {e}"));
        assert_eq!(count(&sim, "AssumeRoleWithOIDC"), oidc, "ini {profile}");
        assert_eq!(count(&sim, &role_document), documents, "ini {profile}");
    }
}

#[tokio::test]
async fn the_ini_credentials_file_access_key_and_ram_role_arn() {
    let sim = common::sim().await;
    let home = Home::new();
    let (id, secret) = (
        &sim.alibaba().access_key_id,
        &sim.alibaba().access_key_secret,
    );
    home.write(
        ".alibabacloud/credentials",
        &format!(
            "# comment\n[default]\ntype = access_key\naccess_key_id = {id}\naccess_key_secret = {secret}\n\n\
             [ops]\ntype = ram_role_arn\naccess_key_id = {id}\naccess_key_secret = {secret}\nrole_arn = acs:ram::1234567890123456:role/ops\n"
        ),
    );
    list(&provider(&sim, env(&sim, &home, &[]))).await.unwrap();
    assert_eq!(count(&sim, "AssumeRole"), 0);
    list(&provider(
        &sim,
        env(&sim, &home, &[("ALIBABA_CLOUD_PROFILE", "ops")]),
    ))
    .await
    .unwrap();
    assert_eq!(count(&sim, "AssumeRole"), 1);
    assert_eq!(metadata_requests(&sim), 0);
}

#[tokio::test]
async fn the_instance_role_over_imdsv2_signs_v1_and_v3() {
    let sim = common::sim().await;
    sim.control(
        Cloud::Alibaba,
        "set_metadata",
        serde_json::json!({"imdsv2_required": true}),
    )
    .unwrap();
    let home = Home::new();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let p = builder(&sim, env(&sim, &home, &[]))
            .with_signature_version(version)
            .build()
            .unwrap();
        list(&p)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
    }
    assert_eq!(
        count(&sim, "Metadata PUT /latest/api/token"),
        4,
        "a token before each read"
    );
    assert_eq!(
        count(
            &sim,
            &format!("Metadata GET /latest/meta-data/ram/security-credentials/{ROLE}")
        ),
        2
    );
    // Without a token the hardened service refuses.
    let raw = reqwest::get(format!(
        "{}/latest/meta-data/ram/security-credentials/{ROLE}",
        sim.endpoint()
    ))
    .await
    .unwrap();
    assert_eq!(raw.status(), 403);
}

#[tokio::test]
async fn without_imdsv2_tokens_imdsv1_is_used_only_when_allowed() {
    let sim = common::sim().await;
    sim.control(
        Cloud::Alibaba,
        "set_metadata",
        serde_json::json!({"tokens_available": false}),
    )
    .unwrap();
    let home = Home::new();
    list(&provider(&sim, env(&sim, &home, &[]))).await.unwrap();
    sim.clear_requests();
    let error = list(&provider(
        &sim,
        env(&sim, &home, &[("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")]),
    ))
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("ALIBABA_CLOUD_IMDSV1_DISABLED=true forbids IMDSv1"),
        "{error}"
    );
    assert_eq!(
        count(
            &sim,
            &format!("Metadata GET /latest/meta-data/ram/security-credentials/{ROLE}")
        ),
        0
    );
}

#[tokio::test]
async fn assume_role_chained_over_the_instance_role() {
    let sim = common::sim().await;
    let home = Home::new();
    let p = builder(&sim, env(&sim, &home, &[]))
        .with_assume_role(
            "acs:ram::1234567890123456:role/eip-admin",
            Some("node-1".into()),
            None,
            None,
            None,
        )
        .with_assume_role(
            "acs:ram::9876543210987654:role/cross",
            None,
            Some(Duration::from_secs(900)),
            Some("ext-1".into()),
            None,
        )
        .build()
        .unwrap();
    list(&p).await.unwrap();
    list(&p).await.unwrap();
    let assumed: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.action == "AssumeRole")
        .collect();
    assert_eq!(assumed.len(), 2, "two roles, each assumed once");
    assert!(assumed.iter().all(|r| r.status == 200), "{assumed:?}");
    assert_eq!(
        count(
            &sim,
            &format!("Metadata GET /latest/meta-data/ram/security-credentials/{ROLE}")
        ),
        1
    );
    assert_eq!(count(&sim, "DescribeEipAddresses"), 2);
    // A malformed role ARN is refused before anything is sent.
    let bad = builder(&sim, env(&sim, &home, &[]))
        .with_assume_role("arn:aws:iam::1:role/x", None, None, None, None)
        .build()
        .unwrap_err();
    assert!(
        matches!(bad, Error::InvalidInput { ref field, .. } if field == "assume_role[0].role_arn"),
        "{bad:?}"
    );
}

#[tokio::test]
async fn expired_instance_credentials_are_refreshed_on_the_refusal() {
    let sim = common::sim().await;
    let home = Home::new();
    let p = provider(&sim, env(&sim, &home, &[]));
    list(&p).await.unwrap();
    sim.control(Cloud::Alibaba, "expire_credentials", serde_json::json!({}))
        .unwrap();
    // The cloud refuses the cached key; the provider drops it, asks metadata again, re-sends.
    list(&p).await.unwrap();
    let describes: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.action == "DescribeEipAddresses")
        .map(|r| (r.status, r.error_code))
        .collect();
    assert_eq!(
        describes,
        vec![
            (200, None),
            (400, Some("InvalidSecurityToken.Expired".to_owned())),
            (200, None)
        ]
    );
}

#[tokio::test]
async fn an_expired_environment_token_is_re_read_once_then_named() {
    let sim = common::sim().await;
    let home = Home::new();
    // Temporary credentials as a wrapper script would export them: the instance role's.
    let doc: serde_json::Value = reqwest::get(format!(
        "{}/latest/meta-data/ram/security-credentials/{ROLE}",
        sim.endpoint()
    ))
    .await
    .unwrap()
    .text()
    .await
    .map(|t| serde_json::from_str(&t).unwrap())
    .unwrap();
    let s = |k: &str| doc[k].as_str().unwrap().to_owned();
    let (id, secret, token) = (s("AccessKeyId"), s("AccessKeySecret"), s("SecurityToken"));
    let vars = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", id.as_str()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.as_str()),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", token.as_str()),
    ];
    let p = provider(&sim, env(&sim, &home, &vars));
    list(&p).await.unwrap();
    sim.control(Cloud::Alibaba, "expire_credentials", serde_json::json!({}))
        .unwrap();
    let error = list(&p).await.unwrap_err();
    assert_eq!(error.kind_name(), "unauthenticated");
    assert!(
        error.to_string().contains("ALIBABA_CLOUD_SECURITY_TOKEN"),
        "{error}"
    );
    assert!(!error.to_string().contains(&token) && !error.to_string().contains(&secret));
    assert_eq!(
        count(&sim, "DescribeEipAddresses"),
        2,
        "one refusal, not sent again with the same token"
    );
}

#[tokio::test]
async fn a_silent_metadata_service_is_passed_in_about_a_second() {
    let sim = common::sim().await;
    let home = Home::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = format!("http://{}", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = accepted.clone();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            open.push(socket);
        }
    });
    // The last step: a credentials URI (the emulator's role document serves as the sidecar).
    let uri = format!(
        "{}/latest/meta-data/ram/security-credentials/{ROLE}",
        sim.endpoint()
    );
    let p = provider(
        &sim,
        env(
            &sim,
            &home,
            &[
                ("EIP_ALIBABA_METADATA_ENDPOINT", &silent),
                ("ALIBABA_CLOUD_CREDENTIALS_URI", &uri),
            ],
        ),
    );
    list(&p).await.unwrap();
    assert!(
        accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the silent metadata service was asked before it was passed"
    );
    assert_eq!(
        count(
            &sim,
            &format!("Metadata GET /latest/meta-data/ram/security-credentials/{ROLE}")
        ),
        1
    );
    hold.abort();
}

#[tokio::test]
async fn broken_profile_files_stop_the_chain_naming_the_file() {
    let sim = common::sim().await;
    let home = Home::new();
    let file = home.write(".aliyun/config.json", "{ not json");
    let field_of = |e: Error| match e {
        Error::InvalidInput { field, reason } => (field, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    let (field, _) = field_of(
        list(&provider(&sim, env(&sim, &home, &[])))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, file.display().to_string());

    // A value in the wrong place: the error says where, never what (it may be a secret).
    std::fs::write(
        &file,
        r#"{"current":"main","profiles":"misplaced-secret-value"}"#,
    )
    .unwrap();
    let (field, reason) = field_of(
        list(&provider(&sim, env(&sim, &home, &[])))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, file.display().to_string());
    assert!(reason.contains("line 1, column"), "{reason}");
    assert!(!reason.contains("misplaced-secret-value"), "{reason}");

    std::fs::write(&file, r#"{"current":"main","profiles":[]}"#).unwrap();
    chmod(&file, 0o644);
    let (field, reason) = field_of(
        list(&provider(&sim, env(&sim, &home, &[])))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, file.display().to_string());
    assert!(reason.contains("0644"), "{reason}");

    chmod(&file, 0o600);
    let (field, _) = field_of(
        list(&provider(&sim, env(&sim, &home, &[])))
            .await
            .unwrap_err(),
    );
    assert!(
        field.ends_with("(current)"),
        "the missing profile, named by the file: {field}"
    );

    #[cfg(unix)]
    {
        chmod(&file, 0o000);
        // Root reads any file: only an unprivileged run can see this refusal.
        if std::fs::read(&file).is_err() {
            let (field, _) = field_of(
                list(&provider(&sim, env(&sim, &home, &[])))
                    .await
                    .unwrap_err(),
            );
            assert_eq!(field, file.display().to_string());
        }
    }
    assert_eq!(
        metadata_requests(&sim) + count(&sim, "DescribeEipAddresses"),
        0
    );
}

#[tokio::test]
async fn the_instance_identity_comes_from_metadata() {
    let sim = common::sim().await;
    let home = Home::new();
    let keys = key_vars(&sim);
    let p = provider(&sim, env(&sim, &home, &with(&keys, &[])));
    assert_eq!(p.instance_id().await.unwrap(), sim.alibaba().instance_id);
    assert_eq!(p.instance_region().await.unwrap(), sim.alibaba().region);
    let off_host = AlibabaBuilder::from_env_in(env(
        &sim,
        &home,
        &with(
            &keys,
            &[("EIP_ALIBABA_METADATA_ENDPOINT", "http://192.0.2.1")],
        ),
    ))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(
        matches!(off_host, Error::InvalidInput { ref field, .. } if field == "EIP_ALIBABA_METADATA_ENDPOINT"),
        "{off_host:?}"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_valid_credentials_then_names_the_source() {
    // 4 s instance-role credentials: refreshed after 2 s, expired after 4 s.
    let sim = sim_lasting(Duration::from_secs(4)).await;
    let home = Home::new();
    let p = provider(&sim, env(&sim, &home, &[]));
    list(&p).await.unwrap();
    // The role is detached: every refresh fails from now on.
    sim.control(
        Cloud::Alibaba,
        "set_metadata",
        serde_json::json!({"role_name": null}),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    list(&p)
        .await
        .expect("the still-valid credentials keep working");
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let error = list(&p).await.unwrap_err();
    assert!(error.to_string().contains("ecs-ram-role"), "{error}");
    assert_eq!(
        count(&sim, "DescribeEipAddresses"),
        2,
        "nothing sent without credentials"
    );
}

#[tokio::test]
async fn the_json_line_names_the_metadata_and_sts_endpoints_and_the_instance() {
    let sim = common::sim().await;
    let line = sim.contract();
    let alibaba = &line["alibaba"];
    assert_eq!(alibaba["metadata_endpoint"], sim.endpoint().as_str());
    assert_eq!(alibaba["sts_endpoint"], sim.endpoint().as_str());
    assert_eq!(alibaba["instance_id"], sim.alibaba().instance_id.as_str());
    assert_eq!(alibaba["role_name"], ROLE);
    assert!(alibaba["oidc_provider_arn"]
        .as_str()
        .unwrap()
        .starts_with("acs:ram::"));
    // What it names is what the metadata service serves.
    let served = reqwest::get(format!("{}/latest/meta-data/instance-id", sim.endpoint()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, sim.alibaba().instance_id);
}

/// An STS answering 503 is asked once per attempt of the EIP call it serves: the call's loop
/// is the only one that retries (no loop of STS's own inside each attempt).
#[tokio::test]
async fn an_unavailable_sts_is_asked_once_per_attempt_of_the_call() {
    use eip_sim::{FaultKind, FaultRule, InjectedError, Trigger};
    let sim = sim_lasting(Duration::from_secs(3600)).await;
    let home = Home::new();
    let token_file = home.write("token", &sim.alibaba().oidc_token);
    let provider_arn = sim.alibaba().oidc_provider_arn.clone();
    let file = token_file.display().to_string();
    let vars = [
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            "acs:ram::1234567890123456:role/eip-failover",
        ),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", provider_arn.as_str()),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.as_str()),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
    ];
    let unavailable = |times| {
        FaultRule::new(
            FaultKind::Error(InjectedError::Unavailable),
            Trigger::Times(times),
        )
        .cloud(Cloud::Alibaba)
        .action("AssumeRoleWithOIDC")
    };
    let attempts = 4;
    let p = builder(&sim, env(&sim, &home, &vars))
        .with_retry(fast_retry().max_attempts(attempts))
        .build()
        .unwrap();

    // Down for longer than the call's attempts: one STS request per attempt, then its error.
    sim.faults().add(unavailable(10));
    let error = list(&p).await.unwrap_err();
    assert!(error.to_string().contains("ServiceUnavailable"), "{error}");
    assert_eq!(
        count(&sim, "AssumeRoleWithOIDC"),
        attempts as usize,
        "{:?}",
        sim.requests()
    );
    assert_eq!(count(&sim, "DescribeEipAddresses"), 0);

    // Down twice: the third attempt's STS request succeeds and the call goes through.
    sim.faults().clear();
    sim.clear_requests();
    sim.faults().add(unavailable(2));
    assert_eq!(list(&p).await.unwrap(), 0);
    assert_eq!(count(&sim, "AssumeRoleWithOIDC"), 3);
    assert_eq!(count(&sim, "DescribeEipAddresses"), 1);
}
