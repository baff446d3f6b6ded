//! Huawei credentials across eipctl invocations: the IAM token and the instance agency's keys
//! are cached (0600 files in the user's cache directory), so a check run every few seconds
//! asks IAM and the metadata service once; `--to self` finds this server in the metadata.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Cloud, Harness};

fn count(h: &Harness, action: &str) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| r.action == action)
        .count()
}

#[tokio::test]
async fn a_second_invocation_asks_iam_nothing() {
    let h = Harness::start().await;
    h.run(Cloud::Huawei, &["list"]).await.ok();
    h.run(Cloud::Huawei, &["list"]).await.ok();
    assert_eq!(
        count(&h, "KeystoneCreateToken"),
        1,
        "{:?}",
        h.sim.requests()
    );
    assert_eq!(count(&h, "ListPublicips"), 2);
    let mut no_cache = vec!["--no-credential-cache".to_owned(), "--provider".to_owned()];
    no_cache.extend([h.huawei_spec(), "list".to_owned()]);
    h.run_with(&h.credentials(Cloud::Huawei), &no_cache)
        .await
        .ok();
    assert_eq!(count(&h, "KeystoneCreateToken"), 2);
}

#[tokio::test]
async fn the_instance_agency_keys_are_fetched_once_across_invocations() {
    let h = Harness::start().await;
    let env = [("EIP_HUAWEI_METADATA_ENDPOINT", h.sim.endpoint())];
    let args = ["--provider".to_owned(), h.huawei_spec(), "list".to_owned()];
    h.run_with(&env, &args).await.ok();
    h.run_with(&env, &args).await.ok();
    assert_eq!(
        count(&h, "MetadataSecurityKey"),
        1,
        "{:?}",
        h.sim.requests()
    );
    assert_eq!(count(&h, "ListPublicips"), 2);
}

#[tokio::test]
async fn to_self_is_this_server_from_its_metadata() {
    let h = Harness::start().await;
    let id = h.allocate(Cloud::Huawei).await;
    let mut env = h.credentials(Cloud::Huawei);
    env.push(("EIP_HUAWEI_METADATA_ENDPOINT", h.sim.endpoint()));
    let args = [
        "--provider".to_owned(),
        h.huawei_spec(),
        "claim".to_owned(),
        id.clone(),
        "--to".to_owned(),
        "self".to_owned(),
        "--expect".to_owned(),
        "unbound".to_owned(),
    ];
    h.run_with(&env, &args).await.ok();
    let this = h.sim.huawei().instance_id.clone();
    let port = h
        .sim
        .huawei()
        .servers
        .iter()
        .find(|s| s.id == this)
        .map(|s| s.primary_port_id.clone())
        .unwrap();
    assert_eq!(h.bound_to(&id).as_deref(), Some(port.as_str()));
}
