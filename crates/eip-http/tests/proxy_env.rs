//! The proxy from the environment is used for https only: a plain-http loopback endpoint (an
//! emulator, where signatures and tokens travel in clear) never goes through it. Its own test
//! binary, because it sets process-wide environment variables.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{closed_port, Reply, Server};
use eip_http::{ClientOptions, HttpClient, Request};

#[tokio::test]
async fn the_environment_proxy_carries_https_only() {
    let proxy = Server::start(|_| Reply::status(502, &[], "")).await;
    let endpoint = Server::start(|_| Reply::status(200, &[], "{}")).await;
    let proxy_url = format!("http://{}", proxy.addr);
    for name in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "all_proxy",
    ] {
        std::env::set_var(name, &proxy_url);
    }
    std::env::set_var("NO_PROXY", "localhost");
    let http = HttpClient::new(&ClientOptions::new()).unwrap();

    let response = http
        .send(Request::get(
            "Get",
            endpoint.url("/?Signature=s&SecurityToken=t"),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(endpoint.seen().len(), 1);
    assert!(
        proxy.seen().is_empty(),
        "plain http went to the proxy: {:?}",
        proxy.seen()
    );

    // An https request does go through it (as a CONNECT; the proxy refuses, so it fails).
    let https = url::Url::parse("https://vpc.eip-http-test.invalid/").unwrap();
    assert!(http.send(Request::get("Get", https)).await.is_err());
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .line()
            .starts_with("CONNECT vpc.eip-http-test.invalid:443"),
        "{}",
        seen[0].line()
    );

    // NO_PROXY hosts are reached directly (here: refused, as nothing listens).
    let port = closed_port().await;
    let direct = url::Url::parse(&format!("https://localhost:{port}/")).unwrap();
    assert!(http.send(Request::get("Get", direct)).await.is_err());
    assert_eq!(
        proxy.seen().len(),
        1,
        "a NO_PROXY host went through the proxy"
    );

    // A proxy URL with credentials is refused, named by its variable.
    std::env::set_var("HTTPS_PROXY", format!("http://user:pw@{}", proxy.addr));
    match HttpClient::new(&ClientOptions::new()) {
        Err(eip_core::Error::InvalidInput { field, .. }) => assert_eq!(field, "HTTPS_PROXY"),
        other => panic!("expected invalid input, got {other:?}"),
    }
    // ...unless the caller opts out of the environment's proxy.
    assert!(HttpClient::new(&ClientOptions::new().with_no_proxy()).is_ok());
}
