//! A proxy from the environment never sees a plain-http (loopback) endpoint's traffic: the
//! password, the token and the signature would travel to it in clear. Alone in its test binary,
//! since it sets process-wide variables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::raw::{RawServer, Reply};
use common::*;
use eip_core::EipProvider;

#[tokio::test]
async fn plain_http_endpoints_never_go_through_an_environment_proxy() {
    let proxy = RawServer::start(|_| Reply::json(502, serde_json::json!({}))).await;
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::set_var(name, &proxy.url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let sim = sim().await;
    let id = seed(&sim, 1).remove(0);
    for huawei in [password_provider(&sim), key_provider(&sim, None)] {
        assert_eq!(huawei.get(&id).await.unwrap().id, id);
    }
    assert!(proxy.received().is_empty(), "{:?}", proxy.received());
}
