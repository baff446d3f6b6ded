//! Temporary credentials across invocations: a check run once every few seconds (keepalived,
//! Pacemaker) must not cost a metadata or STS round trip per run; `--no-credential-cache` and
//! a cache file other users could read turn the cache off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Cloud, Harness};

fn credential_requests(h: &Harness) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| r.action.starts_with("Metadata ") || r.action.starts_with("AssumeRole"))
        .count()
}

fn cache_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_second_invocation_reuses_the_cached_instance_role_credentials() {
    let h = Harness::start().await;
    let cache = h.home().join(".cache").join("multicloud-eip");
    // No keys in the environment: the chain reaches the (emulated) instance role.
    let env: Vec<(&str, String)> = vec![];
    let args = ["--provider".to_owned(), h.alibaba_spec(), "list".to_owned()];
    h.run_with(&env, &args).await.ok();
    let first = credential_requests(&h);
    assert!(first >= 2, "token and credentials: {:?}", h.sim.requests());
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    h.run_with(&env, &args).await.ok();
    assert_eq!(
        credential_requests(&h),
        first,
        "the second run read the cache file"
    );
    assert_eq!(
        h.sim
            .requests()
            .iter()
            .filter(|r| r.action == "DescribeEipAddresses")
            .count(),
        2
    );

    // Off by flag and by variable.
    let off = [
        "--no-credential-cache".to_owned(),
        "--provider".to_owned(),
        h.alibaba_spec(),
        "list".to_owned(),
    ];
    h.run_with(&env, &off).await.ok();
    let after_flag = credential_requests(&h);
    assert!(after_flag > first, "no cache: metadata asked again");
    h.run_with(&[("EIPCTL_NO_CREDENTIAL_CACHE", "1".to_owned())], &args)
        .await
        .ok();
    assert!(credential_requests(&h) > after_flag);
}

#[cfg(unix)]
#[tokio::test]
async fn a_cache_file_other_users_can_read_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start().await;
    let cache = h.home().join(".cache").join("multicloud-eip");
    let args = ["--provider".to_owned(), h.alibaba_spec(), "list".to_owned()];
    h.run_with(&[], &args).await.ok();
    let file = cache_files(&cache).pop().unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = credential_requests(&h);
    h.run_with(&[], &args).await.ok();
    assert!(
        credential_requests(&h) > before,
        "the 0644 file was refused and the credentials fetched anew"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "replaced by a private file");
}

#[tokio::test]
async fn to_self_is_this_machines_instance_from_metadata() {
    let h = Harness::start().await;
    let id = h.allocate(Cloud::Alibaba).await;
    h.sim.clear_requests();
    h.run(
        Cloud::Alibaba,
        &["claim", &id, "--to", "self", "--expect", "unbound"],
    )
    .await
    .ok();
    let this = h.sim.alibaba().instance_id.clone();
    // The instance came from the metadata service, and the address is bound to it.
    let asked: Vec<String> = h
        .sim
        .requests()
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a.starts_with("Metadata ") && a.ends_with("/meta-data/instance-id"))
        .collect();
    assert!(
        !asked.is_empty(),
        "the instance id was not asked of the metadata service: {:?}",
        h.sim.requests()
    );
    assert_eq!(h.bound_to(&id).as_deref(), Some(this.as_str()));
    h.run(Cloud::Alibaba, &["status", &id, "--bound-to", "self"])
        .await
        .ok();
    h.run(Cloud::Alibaba, &["status", &id, "--bound-to", &this])
        .await
        .ok();
}
