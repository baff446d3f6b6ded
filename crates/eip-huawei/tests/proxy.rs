//! A proxy from the environment never sees a plain-http (loopback) endpoint's traffic: the
//! password, the token and the signature would travel to it in clear. Alone in its test binary,
//! since it sets process-wide variables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_core::EipProvider;
use eip_testkit::hostile::{RawServer, Reply};
use eip_testkit::{Auth, Cloud};

#[tokio::test]
async fn plain_http_endpoints_never_go_through_an_environment_proxy() {
    let proxy = RawServer::start(|_| Reply::json(502, serde_json::json!({}))).await;
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::set_var(name, &proxy.url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let sim = eip_testkit::sim().await;
    let id = eip_testkit::seed(&sim, Cloud::Huawei, 1).remove(0);
    for huawei in [
        eip_testkit::huawei(&sim, Auth::Default),
        eip_testkit::huawei_looking_up_project(&sim),
    ] {
        assert_eq!(huawei.get(&id).await.unwrap().id, id);
    }
    assert!(proxy.received().is_empty(), "{:?}", proxy.received());
}
