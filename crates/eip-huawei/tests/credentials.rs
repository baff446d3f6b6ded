//! The credential chain against the emulator over loopback: every step used when present and
//! skipped when absent, in the documented order; the metadata service (session token, its
//! 404 fallback, silence); OIDC federation with a rotated token file; an agency over instance
//! credentials; expiry, refresh and refresh failures; broken profile files; the file cache
//! across providers; no secret in logs or `Debug`.
//!
//! Every test gives the chain its own environment and home directory ([`Env::from_vars`]): the
//! real HOME is never read and the process environment never changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_core::{AllocateRequest, EipProvider, Error};
use eip_http::{Env, FileCache};
use eip_huawei::{HuaweiBuilder, HuaweiProvider};
use eip_sim::{Cloud, HuaweiConfig, Sim};
use eip_testkit::{count, fast_retry, fast_timeouts, huawei_password, sim_builder, start};
use serde_json::json;

/// A fresh directory under the system's temporary directory, removed on drop.
struct Home(PathBuf);

impl Home {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "eip-huawei-credentials-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Writes `text` to `relative` with `mode`.
    fn write(&self, relative: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        set_mode(&path, mode);
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// The chain over `vars` and `home`, aimed at `sim` (its IAM, VPC and metadata service).
fn chain(sim: &Sim, home: &Home, vars: &[(&str, &str)]) -> HuaweiBuilder {
    let info = sim.huawei();
    let env =
        Env::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).with_home(&home.0);
    HuaweiBuilder::from_env_in(env)
        .unwrap()
        .with_region(info.region.clone())
        .with_iam_endpoint(info.iam_endpoint.clone())
        .with_vpc_endpoint(info.vpc_endpoint.clone())
        .with_metadata_endpoint(info.metadata_endpoint.clone())
        .with_retry(fast_retry())
        .with_rate_limiter(None)
        .with_timeouts(fast_timeouts())
}

/// One allocation; the emulator then holds exactly `expected` addresses.
async fn allocate(provider: &HuaweiProvider, sim: &Sim, expected: usize) -> String {
    let eip = provider
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    assert_eq!(sim.inventory().len(), expected);
    eip.id
}

fn issued(sim: &Sim) -> serde_json::Value {
    sim.control(Cloud::Huawei, "credentials_issued", json!({}))
        .unwrap()
}

fn unauthenticated(error: Error) -> String {
    match error {
        Error::Unauthenticated { reason, .. } => reason,
        other => panic!("expected Unauthenticated, got {other:?}"),
    }
}

fn field_of(error: Error) -> String {
    match error {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn basic_profile(sim: &Sim) -> String {
    let info = sim.huawei();
    format!(
        "# written by a test\n[basic]\nak = {}\nsk = {}\nproject_id = {}\n",
        info.access_key, info.secret_key, info.project_id
    )
}

fn koocli_config(sim: &Sim) -> String {
    let info = sim.huawei();
    json!({
        "current": "other",
        "profiles": [
            {"name": "other", "mode": "AKSK", "accessKeyId": "WRONG", "secretAccessKey": "wrong"},
            {"name": "ops", "mode": "AKSK", "accessKeyId": info.access_key,
             "secretAccessKey": info.secret_key, "region": info.region, "projectId": info.project_id},
        ],
    })
    .to_string()
}

#[tokio::test]
async fn environment_keys_win_over_the_profile_and_the_metadata_service() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    home.write(
        ".huaweicloud/credentials",
        "[basic]\nak = WRONG\nsk = wrong\n",
        0o600,
    );
    let info = sim.huawei().clone();
    let provider = chain(
        &sim,
        &home,
        &[
            ("HUAWEICLOUD_SDK_AK", &info.access_key),
            ("HUAWEICLOUD_SDK_SK", &info.secret_key),
        ],
    )
    .build()
    .unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "environment");
    assert_eq!(count(&sim, "MetadataSecurityKey"), 0);
}

#[tokio::test]
async fn the_sdk_profile_is_used_when_the_environment_has_nothing() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    home.write(".huaweicloud/credentials", &basic_profile(&sim), 0o600);
    // KooCLI's current profile holds wrong keys: the SDK profile comes first.
    home.write(".hcloud/config.json", &koocli_config(&sim), 0o600);
    let provider = chain(&sim, &home, &[]).build().unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "profile");
    assert_eq!(count(&sim, "MetadataSecurityKey"), 0);
    // project_id came from the profile: no project lookup.
    assert_eq!(count(&sim, "KeystoneListProjects"), 0);
}

#[tokio::test]
async fn the_koocli_profile_named_by_hw_profile_is_used_after_the_sdk_profile() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let config = home.write("cli/config.json", &koocli_config(&sim), 0o600);
    let provider = chain(
        &sim,
        &home,
        &[
            ("HW_SHARED_CONFIG_FILE", config.to_str().unwrap()),
            ("HW_PROFILE", "ops"),
        ],
    )
    .build()
    .unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "koocli");
    assert_eq!(count(&sim, "MetadataSecurityKey"), 0);

    // Without HW_PROFILE, `current` names the profile with the wrong keys: refused by the cloud.
    let current = chain(
        &sim,
        &home,
        &[("HW_SHARED_CONFIG_FILE", config.to_str().unwrap())],
    )
    .build()
    .unwrap();
    let error = current.get("missing").await.unwrap_err();
    assert!(matches!(error, Error::Unauthenticated { .. }), "{error:?}");
}

#[tokio::test]
async fn instance_agency_keys_come_last_with_a_session_token_and_are_reused() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let provider = chain(&sim, &home, &[]).build().unwrap();
    let id = allocate(&provider, &sim, 1).await;
    provider.get(&id).await.unwrap();
    assert_eq!(provider.credential_source(), "ecs-metadata");
    // One token, one security key, then nothing more from the metadata service.
    assert_eq!(count(&sim, "MetadataToken"), 1);
    assert_eq!(count(&sim, "MetadataSecurityKey"), 1);
    assert_eq!(issued(&sim)["metadata"], 1);

    let me = provider.instance_identity().await.unwrap();
    assert_eq!(me.instance_id, sim.huawei().instance_id);
    assert_eq!(me.region, sim.huawei().region);
    assert_eq!(
        provider.instance_id().await.unwrap(),
        sim.huawei().instance_id
    );
}

#[tokio::test]
async fn a_metadata_service_without_tokens_is_read_without_one() {
    for mode in ["not_found", "method_not_allowed"] {
        let sim = start(sim_builder()).await;
        sim.control(Cloud::Huawei, "set_metadata", json!({"token": mode}))
            .unwrap();
        let home = Home::new();
        let provider = chain(&sim, &home, &[]).build().unwrap();
        allocate(&provider, &sim, 1).await;
        let tokens = eip_testkit::requests(&sim, "MetadataToken");
        assert_eq!(tokens.len(), 1, "{mode}");
        assert!(tokens[0].status == 404 || tokens[0].status == 405, "{mode}");
        let keys = eip_testkit::requests(&sim, "MetadataSecurityKey");
        assert_eq!(
            keys.iter().map(|r| r.status).collect::<Vec<_>>(),
            [200],
            "{mode}"
        );
    }
}

#[tokio::test]
async fn a_required_session_token_is_sent() {
    let sim = start(sim_builder()).await;
    sim.control(Cloud::Huawei, "set_metadata", json!({"token": "required"}))
        .unwrap();
    let home = Home::new();
    let provider = chain(&sim, &home, &[]).build().unwrap();
    allocate(&provider, &sim, 1).await;
    let statuses = |action: &str| {
        eip_testkit::requests(&sim, action)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    // One session token asked, and the one key read with it accepted (nothing refused, nothing
    // read without the token).
    assert_eq!(statuses("MetadataToken"), [200]);
    assert_eq!(statuses("MetadataSecurityKey"), [200]);
}

#[tokio::test]
async fn nothing_anywhere_is_one_error_listing_every_step() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let provider = chain(&sim, &home, &[])
        .with_metadata_endpoint(format!("http://{address}"))
        .build()
        .unwrap();
    let reason = unauthenticated(provider.get("any").await.unwrap_err());
    for part in [
        "environment: HUAWEICLOUD_SDK_AK",
        ".huaweicloud/credentials: file absent",
        ".hcloud/config.json: file absent",
        "ecs metadata",
        "nothing listens",
    ] {
        assert!(reason.contains(part), "{part:?} missing from {reason}");
    }
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn a_silent_metadata_service_is_given_up_on_in_about_a_second() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let provider = chain(&sim, &home, &[])
        .with_metadata_endpoint(format!("http://{address}"))
        .build()
        .unwrap();
    let reason = unauthenticated(provider.get("any").await.unwrap_err());
    assert!(reason.contains("no answer in 1 s"), "{reason}");
    held.abort();
}

#[tokio::test]
async fn federation_reads_the_rotated_id_token_file_at_the_next_refresh() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let info = sim.huawei().clone();
    // A projected service account token is mounted world-readable: accepted.
    let token_file = home.write("token", &info.id_token, 0o644);
    let provider = chain(
        &sim,
        &home,
        &[
            ("HUAWEICLOUD_SDK_IDP_ID", &info.idp_id),
            (
                "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
                token_file.to_str().unwrap(),
            ),
        ],
    )
    .build()
    .unwrap();
    let id = allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "oidc");
    assert_eq!(issued(&sim)["federation"], 1);

    // The kubelet rotates the token; the identity provider accepts only the new one.
    sim.control(
        Cloud::Huawei,
        "rotate_id_token",
        json!({"token": "sim-oidc-id-token-2"}),
    )
    .unwrap();
    home.write("token", "sim-oidc-id-token-2\n", 0o644);
    sim.control(Cloud::Huawei, "expire_credentials", json!({}))
        .unwrap();
    provider.get(&id).await.unwrap();
    let exchanges = eip_testkit::requests(&sim, "CreateTokenWithIdToken");
    assert_eq!(
        exchanges.iter().map(|r| r.status).collect::<Vec<_>>(),
        [201, 201]
    );
    assert_eq!(issued(&sim)["federation"], 2);
}

/// The profile's `iam_endpoint` (where the id token goes) is checked like any endpoint before a
/// request is sent, and an explicit `with_iam_endpoint` wins over it.
#[tokio::test]
async fn the_profile_iam_endpoint_is_checked_and_an_explicit_one_wins() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let info = sim.huawei().clone();
    let token_file = home.write("token", &info.id_token, 0o600);
    home.write(
        ".huaweicloud/credentials",
        &format!(
            "[basic]\nidp_id = {}\nid_token_file = {}\niam_endpoint = http://198.51.100.7/v3\n",
            info.idp_id,
            token_file.display()
        ),
        0o600,
    );
    let env = Env::from_vars(Vec::<(String, String)>::new()).with_home(&home.0);
    let refused = HuaweiBuilder::from_env_in(env)
        .unwrap()
        .with_region(info.region.clone())
        .with_vpc_endpoint(info.vpc_endpoint.clone())
        .with_metadata_endpoint(info.metadata_endpoint.clone())
        .build()
        .unwrap_err();
    assert_eq!(field_of(refused), "iam_endpoint");
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());

    // Given explicitly (the emulator's IAM): that one is used for the federation.
    let provider = chain(&sim, &home, &[]).build().unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "oidc");
    assert_eq!(
        eip_testkit::requests(&sim, "CreateTokenWithIdToken")
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [201]
    );
}

#[tokio::test]
async fn an_agency_is_assumed_over_the_instance_credentials() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let agency = sim.huawei().agency.clone();
    let provider = chain(
        &sim,
        &home,
        &[
            ("HW_ASSUME_ROLE_AGENCY_NAME", &agency.agency_name),
            ("HW_ASSUME_ROLE_DOMAIN_NAME", &agency.domain_name),
        ],
    )
    .build()
    .unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "agency");
    let issued = issued(&sim);
    assert_eq!(
        (issued["metadata"].clone(), issued["agency"].clone()),
        (json!(1), json!(1))
    );

    // A wrong agency is refused by IAM, and said so.
    let wrong = chain(
        &sim,
        &home,
        &[
            ("HW_ASSUME_ROLE_AGENCY_NAME", "not-this-one"),
            ("HW_ASSUME_ROLE_DOMAIN_NAME", &agency.domain_name),
        ],
    )
    .build()
    .unwrap();
    let error = wrong.get("any").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::PermissionDenied { .. } | Error::Unauthenticated { .. }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_agency_is_assumed_with_a_password_token() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let info = sim.huawei().clone();
    let provider = chain(
        &sim,
        &home,
        &[
            ("HW_USER_NAME", &info.user_name),
            ("HW_USER_PASSWORD", &info.password),
            ("HW_DOMAIN_NAME", &info.domain_name),
            ("HW_ASSUME_ROLE_AGENCY_NAME", &info.agency.agency_name),
            ("HW_ASSUME_ROLE_DOMAIN_NAME", &info.agency.domain_name),
        ],
    )
    .build()
    .unwrap();
    allocate(&provider, &sim, 1).await;
    assert_eq!(provider.credential_source(), "agency");
    assert_eq!(count(&sim, "KeystoneCreateToken"), 1);
    assert_eq!(issued(&sim)["agency"], 1);
    assert_eq!(count(&sim, "MetadataSecurityKey"), 0);
}

#[tokio::test]
async fn expired_keys_are_refused_then_refreshed_once() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let provider = chain(&sim, &home, &[]).build().unwrap();
    let id = allocate(&provider, &sim, 1).await;
    sim.control(Cloud::Huawei, "expire_credentials", json!({}))
        .unwrap();
    sim.clear_requests();
    provider.get(&id).await.unwrap();
    let shows = eip_testkit::requests(&sim, "ShowPublicip");
    // The refused attempt (401 APIGW.0301), then the one with fresh keys.
    assert_eq!(
        shows.iter().map(|r| r.status).collect::<Vec<_>>(),
        [401, 200]
    );
    assert_eq!(shows[0].error_code.as_deref(), Some("APIGW.0301"));
    assert_eq!(issued(&sim)["metadata"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_across_an_expiry_share_one_refresh() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let provider = Arc::new(chain(&sim, &home, &[]).build().unwrap());
    let id = allocate(&provider, &sim, 1).await;
    sim.control(Cloud::Huawei, "expire_credentials", json!({}))
        .unwrap();
    let calls = (0..200).map(|_| {
        let (provider, id) = (provider.clone(), id.clone());
        tokio::spawn(async move { provider.get(&id).await.map(drop) })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    // The first key and ONE refresh, whatever the number of callers refused with the old one.
    assert_eq!(count(&sim, "MetadataSecurityKey"), 2);
    assert_eq!(issued(&sim)["metadata"], 2);
}

#[tokio::test]
async fn a_failed_refresh_keeps_valid_keys_and_after_expiry_names_the_source() {
    // Refreshed at half their life (4 s); still good until 8 s.
    let config = HuaweiConfig {
        temporary_lifetime: Some(Duration::from_secs(8)),
        ..HuaweiConfig::default()
    };
    let sim = start(sim_builder().huawei(config)).await;
    let home = Home::new();
    let provider = chain(&sim, &home, &[]).build().unwrap();
    let id = allocate(&provider, &sim, 1).await;

    // The instance loses its agency: every refresh fails from now on.
    sim.control(Cloud::Huawei, "set_metadata", json!({"agency_name": null}))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(4500)).await;
    provider.get(&id).await.unwrap();
    assert!(
        count(&sim, "MetadataSecurityKey") >= 2,
        "a refresh was tried"
    );

    sim.control(Cloud::Huawei, "expire_credentials", json!({}))
        .unwrap();
    let reason = unauthenticated(provider.get(&id).await.unwrap_err());
    assert!(
        reason.contains("ECS metadata") && reason.contains("agency"),
        "{reason}"
    );
}

#[tokio::test]
async fn broken_profile_files_stop_the_chain_naming_the_file() {
    let sim = start(sim_builder()).await;
    let cases: [(&str, &str, u32); 4] = [
        (
            ".huaweicloud/credentials",
            "[basic]\nak = A\nsk = S\n",
            0o644,
        ),
        (
            ".huaweicloud/credentials",
            "[basic]\nthis is not ini\n",
            0o600,
        ),
        (".huaweicloud/credentials", "[basic]\nak = A\n", 0o600),
        (".hcloud/config.json", "{\"profiles\": [", 0o600),
    ];
    for (relative, text, mode) in cases {
        let home = Home::new();
        let path = home.write(relative, text, mode);
        let provider = chain(&sim, &home, &[]).build().unwrap();
        let error = provider.get("any").await.unwrap_err();
        assert_eq!(field_of(error), path.display().to_string(), "{text:?}");
    }
    // Nothing reached the metadata service or the VPC API.
    assert_eq!(count(&sim, "MetadataSecurityKey"), 0);
    assert_eq!(count(&sim, "ShowPublicip"), 0);
}

#[tokio::test]
async fn the_file_cache_spares_iam_and_the_metadata_service_across_processes() {
    let sim = start(sim_builder()).await;
    let home = Home::new();
    let cache = FileCache::new(home.0.join("cache"));

    // Instance credentials: the second "process" asks the metadata service nothing.
    for _ in 0..2 {
        let provider = chain(&sim, &home, &[])
            .with_credential_cache(cache.clone())
            .build()
            .unwrap();
        provider.get("missing").await.unwrap_err();
    }
    assert_eq!(count(&sim, "MetadataSecurityKey"), 1);

    // IAM password tokens likewise.
    let password = || {
        eip_testkit::huawei_builder(&sim)
            .with_password(huawei_password(&sim))
            .with_credential_cache(cache.clone())
            .build()
            .unwrap()
    };
    allocate(&password(), &sim, 1).await;
    allocate(&password(), &sim, 2).await;
    assert_eq!(count(&sim, "KeystoneCreateToken"), 1);

    // A cache file others may read is not trusted: IAM is asked again.
    for entry in std::fs::read_dir(cache.dir()).unwrap() {
        set_mode(&entry.unwrap().path(), 0o644);
    }
    allocate(&password(), &sim, 3).await;
    assert_eq!(count(&sim, "KeystoneCreateToken"), 2);
}

#[tokio::test]
async fn no_secret_of_any_source_reaches_trace_logs_or_debug() {
    let captured = eip_testkit::logs::capture_trace();

    let sim = start(sim_builder()).await;
    let info = sim.huawei().clone();
    let home = Home::new();
    let token_file = home.write("token", &info.id_token, 0o644);
    let mut texts = Vec::new();

    // Federation, the instance's keys, an agency over them, environment keys.
    let federated = chain(
        &sim,
        &home,
        &[
            ("HUAWEICLOUD_SDK_IDP_ID", &info.idp_id),
            (
                "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
                token_file.to_str().unwrap(),
            ),
        ],
    )
    .build()
    .unwrap();
    let agency = chain(
        &sim,
        &home,
        &[
            ("HW_ASSUME_ROLE_AGENCY_NAME", &info.agency.agency_name),
            ("HW_ASSUME_ROLE_DOMAIN_NAME", &info.agency.domain_name),
        ],
    )
    .build()
    .unwrap();
    let environment = chain(
        &sim,
        &home,
        &[
            ("HW_ACCESS_KEY", &info.access_key),
            ("HW_SECRET_KEY", &info.secret_key),
        ],
    );
    texts.push(format!("{environment:?}"));
    let environment = environment.build().unwrap();
    for provider in [&federated, &agency, &environment] {
        allocate_any(provider).await;
        sim.control(Cloud::Huawei, "expire_credentials", json!({}))
            .unwrap();
        allocate_any(provider).await;
        texts.push(format!("{provider:?} {provider:#?}"));
        texts.push(provider.get("missing").await.unwrap_err().to_string());
    }

    // The instance's current keys, read straight from the metadata service.
    let answer: serde_json::Value = reqwest::get(format!(
        "{}/openstack/latest/securitykey",
        info.metadata_endpoint
    ))
    .await
    .unwrap()
    .text()
    .await
    .map(|body| serde_json::from_str(&body).unwrap())
    .unwrap();
    let secret = answer["credential"]["secret"].as_str().unwrap().to_owned();
    let token = answer["credential"]["securitytoken"]
        .as_str()
        .unwrap()
        .to_owned();

    texts.push(captured.text());
    assert!(texts
        .last()
        .is_some_and(|log| log.contains("TRACE") || log.contains("DEBUG")));
    for text in &texts {
        for secret in [
            secret.as_str(),
            token.as_str(),
            info.secret_key.as_str(),
            info.id_token.as_str(),
            // Every security token the emulator issues starts so.
            "gQpjbi1ub3J0aC00",
            // Federated and password tokens.
            "MIIfed",
        ] {
            assert!(!text.contains(secret), "{secret:?} leaked: {text}");
        }
    }
}

async fn allocate_any(provider: &HuaweiProvider) {
    provider
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
}

#[test]
fn the_chain_reads_only_the_environment_it_is_given() {
    // HOME points nowhere and nothing is set: from_env_in succeeds with the chain and reads no
    // file of the real user (the build sends nothing either).
    let env = Env::from_vars([("HOME", "/nonexistent-home")]);
    let provider = HuaweiBuilder::from_env_in(env)
        .unwrap()
        .with_region("cn-north-4")
        .build()
        .unwrap();
    let shown = format!("{provider:?}");
    assert!(shown.contains("nonexistent-home"), "{shown}");
    let _ = std::io::stdout().flush();
}

/// The requests exactly as the official Python SDK sends them (huaweicloudsdkcore
/// `auth/internal.py`: no authentication header on the federation calls, the token in the
/// body, `json.dumps` spacing; the metadata token with its TTL header).
#[tokio::test]
async fn the_emulator_answers_the_official_sdks_requests() {
    let sim = start(sim_builder()).await;
    let info = sim.huawei().clone();
    let http = reqwest::Client::new();
    let post = |path: &str, idp: Option<&str>, body: String| {
        let mut request = http
            .post(format!("{}{path}", info.iam_endpoint))
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body);
        if let Some(idp) = idp {
            request = request.header("X-Idp-Id", idp.to_owned());
        }
        request.send()
    };
    let exchange = |token: &str| format!(r#"{{"auth": {{"id_token": {{"id": "{token}"}}}}}}"#);

    let refused = post(
        "/v3.0/OS-AUTH/id-token/tokens",
        Some("other-idp"),
        exchange(&info.id_token),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 404);
    let refused = post(
        "/v3.0/OS-AUTH/id-token/tokens",
        Some(&info.idp_id),
        exchange("stale"),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 401);

    let answer = post(
        "/v3.0/OS-AUTH/id-token/tokens",
        Some(&info.idp_id),
        exchange(&info.id_token),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 201);
    let token = answer.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = format!(
        r#"{{"auth": {{"identity": {{"methods": ["token"], "token": {{"id": "{token}", "duration_seconds": 21600}}}}}}}}"#
    );
    let answer = post("/v3.0/OS-CREDENTIAL/securitytokens", None, body)
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let credential: serde_json::Value =
        serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    let credential = &credential["credential"];
    for field in ["access", "secret", "securitytoken"] {
        assert!(
            credential[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}"
        );
    }
    // `%Y-%m-%dT%H:%M:%S.%fZ`, as the SDK parses it.
    let expires = credential["expires_at"].as_str().unwrap();
    assert!(
        expires.ends_with('Z') && expires.len() == "2030-01-01T00:00:00.000000Z".len(),
        "{expires}"
    );
    assert_eq!(issued(&sim)["federation"], 1);

    // The metadata token needs its TTL (1 to 21600 s).
    let token_url = format!("{}/meta-data/latest/api/token", info.metadata_endpoint);
    assert_eq!(http.put(&token_url).send().await.unwrap().status(), 400);
    let answer = http
        .put(&token_url)
        .header("X-Metadata-Token-Ttl-Seconds", "21600")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let session = answer.text().await.unwrap();
    let key = http
        .get(format!(
            "{}/openstack/latest/securitykey",
            info.metadata_endpoint
        ))
        .header("X-Metadata-Token", session)
        .send()
        .await
        .unwrap();
    assert_eq!(key.status(), 200);
    let wrong = http
        .get(format!(
            "{}/openstack/latest/meta_data.json",
            info.metadata_endpoint
        ))
        .header("X-Metadata-Token", "not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}
