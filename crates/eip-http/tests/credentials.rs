//! The shared credential layer: refresh (single flight across an expiry, failure while valid,
//! failure after expiry), the chain (winner remembered, one error naming every step), the file
//! cache and profile permission checks, and the metadata client's bounds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use eip_core::{Error, Result};
use eip_http::{
    read_private_file, CredentialChain, Credentials, Env, FileCache, MetadataClient,
    ProvideCredentials, RefreshPolicy, RefreshingCredentials, StaticCredentials, Step,
};

/// A token service stand-in: counts its calls, hands out numbered credentials of `lifetime`,
/// and fails while `down` is set.
#[derive(Debug)]
struct CountingSts {
    calls: AtomicU32,
    lifetime: Duration,
    down: AtomicBool,
}

impl CountingSts {
    fn new(lifetime: Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicU32::new(0),
            lifetime,
            down: AtomicBool::new(false),
        })
    }
}

#[async_trait]
impl ProvideCredentials for CountingSts {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        // Slow enough that callers pile up behind the refresh.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::Transport {
                operation: "AssumeRole".into(),
                message: "connection reset".into(),
                maybe_sent: true,
                source: None,
            });
        }
        Ok(Arc::new(
            Credentials::new(format!("STS.{n}"), "sts-secret-value")
                .with_security_token("sts-token-value")
                .with_expiry(SystemTime::now() + self.lifetime)
                .with_source("ram-role-arn"),
        ))
    }

    fn name(&self) -> &'static str {
        "ram-role-arn"
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn a_thousand_callers_across_an_expiry_cause_exactly_one_refresh() {
    let sts = CountingSts::new(60 * MINUTE);
    let fresh = Arc::new(RefreshingCredentials::new(
        sts.clone(),
        RefreshPolicy::new(Duration::from_secs(180)),
    ));
    assert_eq!(fresh.credentials().await.unwrap().access_key_id, "STS.1");
    // Past the refresh point (3 min before expiry), not yet expired.
    tokio::time::advance(58 * MINUTE).await;
    let callers: Vec<_> = (0..1_000)
        .map(|_| {
            let fresh = fresh.clone();
            tokio::spawn(async move { fresh.credentials().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().access_key_id, "STS.2");
    }
    assert_eq!(
        sts.calls.load(Ordering::SeqCst),
        2,
        "one initial fetch, ONE refresh"
    );
    assert_eq!(fresh.refreshes(), 2);
}

#[tokio::test(start_paused = true)]
async fn short_lived_credentials_are_used_for_half_their_life() {
    // A 4-minute credential with a 3-minute margin would otherwise be refreshed on every call.
    let sts = CountingSts::new(4 * MINUTE);
    let fresh = RefreshingCredentials::new(sts.clone(), RefreshPolicy::new(3 * MINUTE));
    fresh.credentials().await.unwrap();
    tokio::time::advance(MINUTE).await;
    fresh.credentials().await.unwrap();
    assert_eq!(sts.calls.load(Ordering::SeqCst), 1);
    tokio::time::advance(MINUTE + Duration::from_secs(1)).await;
    assert_eq!(fresh.credentials().await.unwrap().access_key_id, "STS.2");
}

#[tokio::test(start_paused = true)]
async fn a_failing_refresh_serves_valid_credentials_then_names_the_source() {
    let sts = CountingSts::new(10 * MINUTE);
    let fresh = RefreshingCredentials::new(sts.clone(), RefreshPolicy::new(3 * MINUTE));
    assert_eq!(fresh.credentials().await.unwrap().access_key_id, "STS.1");
    sts.down.store(true, Ordering::SeqCst);
    tokio::time::advance(8 * MINUTE).await;
    // Refresh due, the service down: the still-valid credentials keep working.
    for _ in 0..5 {
        assert_eq!(fresh.credentials().await.unwrap().access_key_id, "STS.1");
    }
    // Bounded backoff: not one request per call.
    assert!(sts.calls.load(Ordering::SeqCst) <= 3, "{sts:?}");
    tokio::time::advance(3 * MINUTE).await;
    let error = fresh.credentials().await.unwrap_err();
    assert!(
        error.to_string().starts_with("ram-role-arn: AssumeRole"),
        "names the source and the refreshing call: {error}"
    );
}

#[tokio::test]
async fn the_chain_remembers_its_winner_and_lists_every_step_when_none_yields() {
    let probes = Arc::new(AtomicU32::new(0));
    let counted = probes.clone();
    let chain = CredentialChain::new("alibaba")
        .with_step("environment", || {
            Step::Skip("ALIBABA_CLOUD_ACCESS_KEY_ID not set".into())
        })
        .with_step("profile", move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Step::Use(Arc::new(StaticCredentials::new(
                Credentials::new("AK-profile", "profile-secret").with_source("profile"),
            )))
        })
        .with_step("never reached", || panic!("the chain stops at the winner"));
    for _ in 0..3 {
        assert_eq!(
            chain.credentials().await.unwrap().access_key_id,
            "AK-profile"
        );
    }
    assert_eq!(probes.load(Ordering::SeqCst), 1, "the winner is remembered");
    assert_eq!(chain.winner(), Some("profile"));

    let down = CountingSts::new(MINUTE);
    down.down.store(true, Ordering::SeqCst);
    let empty = CredentialChain::new("alibaba")
        .with_step("environment", || {
            Step::Skip("ALIBABA_CLOUD_ACCESS_KEY_ID not set".into())
        })
        .with_step("profile ~/.aliyun/config.json", || {
            Step::Skip("file absent".into())
        })
        .with_step("ecs metadata", move || Step::Probe(down.clone()));
    let error = empty.credentials().await.unwrap_err();
    assert_eq!(error.kind_name(), "unauthenticated");
    let text = error.to_string();
    for part in [
        "environment: ALIBABA_CLOUD_ACCESS_KEY_ID not set",
        "profile ~/.aliyun/config.json: file absent",
        "ecs metadata: AssumeRole: transport error: connection reset",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text}");
    }

    let stop = CredentialChain::new("alibaba")
        .with_step("profile", || {
            Step::Stop(Error::invalid_input("/h/.aliyun/config.json", "not JSON"))
        })
        .with_step("never reached", || {
            panic!("a malformed profile stops the chain")
        });
    assert_eq!(
        stop.credentials().await.unwrap_err().to_string(),
        "invalid /h/.aliyun/config.json: not JSON"
    );
}

/// A configured source failing for a transient reason: its error, as is, and no later step is
/// asked or pinned (the next call asks the same step again, and uses it once it is back).
#[tokio::test]
async fn a_configured_step_failing_transiently_is_the_error_and_nothing_is_pinned() {
    let sts = CountingSts::new(MINUTE);
    sts.down.store(true, Ordering::SeqCst);
    let second = Arc::new(AtomicU32::new(0));
    let counted = second.clone();
    let first = sts.clone();
    let chain = CredentialChain::new("alibaba")
        .with_step("oidc (ACK RRSA)", move || Step::Use(first.clone()))
        .with_step("ecs metadata", move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Step::Probe(Arc::new(StaticCredentials::new(
                Credentials::new("AK-node-role", "node-secret").with_source("ecs-ram-role"),
            )))
        });
    for call in 1..=2 {
        let error = chain.credentials().await.unwrap_err();
        assert_eq!(error.kind_name(), "transport", "{error}");
        assert!(error.is_retryable(), "{error}");
        assert_eq!(sts.calls.load(Ordering::SeqCst), call, "asked again");
    }
    assert_eq!(
        second.load(Ordering::SeqCst),
        0,
        "the next step never asked"
    );
    assert_eq!(chain.winner(), None, "nothing pinned");
    sts.down.store(false, Ordering::SeqCst);
    assert_eq!(chain.credentials().await.unwrap().access_key_id, "STS.3");
    assert_eq!(chain.winner(), Some("oidc (ACK RRSA)"));
    assert_eq!(second.load(Ordering::SeqCst), 0);

    // A source present only if it answers (the metadata service) falls through on any failure.
    let metadata = CountingSts::new(MINUTE);
    metadata.down.store(true, Ordering::SeqCst);
    let probed = CredentialChain::new("alibaba")
        .with_step("ecs metadata", move || Step::Probe(metadata.clone()))
        .with_step("credentials uri", || {
            Step::Use(Arc::new(StaticCredentials::new(Credentials::new(
                "AK-uri",
                "uri-secret",
            ))))
        });
    assert_eq!(probed.credentials().await.unwrap().access_key_id, "AK-uri");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("eip-http-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn secrets_files_other_users_can_read_are_refused_by_name() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("private");
    let file = dir.join("credentials");
    assert!(
        read_private_file(&file).unwrap().is_none(),
        "absent is not an error"
    );
    std::fs::write(&file, "[default]\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    match read_private_file(&file) {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, file.display().to_string());
            assert!(
                reason.contains("0644") && reason.contains("chmod 600"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        read_private_file(&file).unwrap().unwrap().as_str(),
        "[default]\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_file_cache_is_private_hashed_and_forgets_expired_entries() {
    use std::os::unix::fs::PermissionsExt;
    let home = temp_dir("cache-home");
    let cache = FileCache::from_env(&Env::from_vars([("HOME", home.to_str().unwrap())])).unwrap();
    assert_eq!(cache.dir(), home.join(".cache/multicloud-eip"));
    let xdg = FileCache::from_env(&Env::from_vars([("XDG_CACHE_HOME", "/x")])).unwrap();
    assert_eq!(xdg.dir(), std::path::Path::new("/x/multicloud-eip"));

    let identity = "acs:ram::123:role/failover|LTAI-key";
    let sts = Credentials::new("STS.cached", "cached-secret-value")
        .with_security_token("cached-token-value")
        .with_expiry(SystemTime::now() + 15 * MINUTE);
    cache.store_credentials(identity, &sts).unwrap();
    let path = cache.path_for(identity);
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        !name.contains("role") && !name.contains("LTAI") && name.len() == 64 + 5,
        "{name}"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(cache.dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let back = cache
        .load_credentials(identity, "ram-role-arn")
        .unwrap()
        .unwrap();
    assert_eq!(back.access_key_id, "STS.cached");
    assert_eq!(back.security_token.unwrap().expose(), "cached-token-value");
    assert_eq!(
        std::fs::read_dir(cache.dir()).unwrap().count(),
        1,
        "no temporary left"
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        cache
            .load_credentials(identity, "x")
            .unwrap_err()
            .kind_name(),
        "invalid_input"
    );
    // The next store replaces it with a private file.
    cache.store_credentials(identity, &sts).unwrap();
    assert!(cache.load_credentials(identity, "x").unwrap().is_some());

    let expired = sts.clone().with_expiry(SystemTime::now() - MINUTE);
    cache.store_credentials(identity, &expired).unwrap();
    assert!(cache.load_credentials(identity, "x").unwrap().is_none());
    std::fs::remove_dir_all(&home).unwrap();
}

#[tokio::test]
async fn a_persistent_cache_spares_the_second_process_its_refresh() {
    let dir = temp_dir("persist");
    let policy = RefreshPolicy::new(Duration::from_secs(180));
    let sts = CountingSts::new(60 * MINUTE);
    let first = RefreshingCredentials::new(sts.clone(), policy)
        .with_persistent_cache(FileCache::new(&dir), "role|key");
    assert_eq!(first.credentials().await.unwrap().access_key_id, "STS.1");
    // A second "process": a new cache in memory over the same directory.
    let second = RefreshingCredentials::new(sts.clone(), policy)
        .with_persistent_cache(FileCache::new(&dir), "role|key");
    assert_eq!(second.credentials().await.unwrap().access_key_id, "STS.1");
    assert_eq!(
        sts.calls.load(Ordering::SeqCst),
        1,
        "the second read the file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metadata_endpoints_are_loopback_or_the_documented_address() {
    let default = "http://100.100.100.200";
    let var = "EIP_ALIBABA_METADATA_ENDPOINT";
    let resolve = |given: Option<&str>, env: &[(&str, &str)]| {
        MetadataClient::resolve_endpoint(given, &Env::from_vars(env.iter().copied()), var, default)
    };
    assert_eq!(
        resolve(None, &[]).unwrap().as_str(),
        "http://100.100.100.200/"
    );
    assert_eq!(
        resolve(None, &[(var, "http://[::1]:9/prefix")])
            .unwrap()
            .as_str(),
        "http://[::1]:9/prefix"
    );
    assert_eq!(
        resolve(Some("http://localhost:1"), &[(var, "http://10.1.1.1")])
            .unwrap()
            .as_str(),
        "http://localhost:1/",
        "the builder's wins"
    );
    for (given, env, field) in [
        (None, "http://10.0.0.1", var),
        (None, "https://127.0.0.1", var),
        (None, "http://169.254.169.254", var),
        (Some("http://example.com"), "", "metadata_endpoint"),
    ] {
        let vars: Vec<(&str, &str)> = if env.is_empty() {
            vec![]
        } else {
            vec![(var, env)]
        };
        match resolve(given, &vars) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{given:?} {env:?}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_silent_metadata_service_is_given_up_on_in_about_a_second() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let client = MetadataClient::new(format!("http://{addr}").parse().unwrap()).unwrap();
    let error = client
        .get("/latest/meta-data/instance-id", &[])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no answer in 1 s"), "{error}");
    hold.abort();
}
