//! One attempt over real HTTP to a loopback server: redirects, the answer cap, timeouts,
//! connection failures, what errors show, the user agent and the request id.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{closed_port, Reply, Server};
use eip_core::{Error, ProviderKind};
use eip_http::{ClientOptions, HttpClient, Request};

const PASSWORD: &str = "hunter2-password";
const TOKEN: &str = "tok-secret-123";

fn client(options: &ClientOptions) -> HttpClient {
    HttpClient::new(&options.clone().with_no_proxy())
        .unwrap()
        .with_request_id_headers(&["x-request-id", "x-acs-request-id"])
        .with_sensitive_headers(&["x-auth-token"])
}

fn login(url: url::Url) -> Request {
    Request::post("CreateToken", url)
        .header("x-auth-token", TOKEN)
        .unwrap()
        .header("content-type", "application/json")
        .unwrap()
        .body(format!(r#"{{"password":"{PASSWORD}"}}"#))
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_nothing_reaches_it() {
    let elsewhere = Server::start(|_| Reply::status(200, &[], "{}")).await;
    let location = elsewhere.url("/steal");
    for status in [301, 302, 303, 307, 308] {
        let location = location.clone();
        let origin =
            Server::start(move |_| Reply::status(status, &[&format!("Location: {location}")], ""))
                .await;
        let error = client(&ClientOptions::new())
            .send(login(origin.url("/v3/auth/tokens")))
            .await
            .unwrap_err();
        match &error {
            Error::InvalidResponse {
                http_status,
                reason,
                ..
            } => {
                assert_eq!(*http_status, Some(status));
                assert!(reason.contains("redirect"), "{reason}");
            }
            other => panic!("HTTP {status}: expected an invalid response, got {other:?}"),
        }
        assert!(
            !error.outcome_unknown(),
            "a refused redirect is no lost answer"
        );
        assert_eq!(origin.seen().len(), 1, "sent once, never re-sent");
    }
    assert!(
        elsewhere.seen().is_empty(),
        "the Location host received {:?}",
        elsewhere.seen()
    );
}

#[tokio::test]
async fn an_injected_client_that_follows_redirects_gets_no_answer_through() {
    let elsewhere = Server::start(|_| Reply::status(200, &[], r#"{"ok":true}"#)).await;
    let location = elsewhere.url("/landing");
    let origin =
        Server::start(move |_| Reply::status(302, &[&format!("Location: {location}")], "")).await;
    // reqwest's default client follows up to 10 redirects.
    let options = ClientOptions::new().with_http_client(reqwest::Client::new());
    let http = HttpClient::new(&options).unwrap();
    let error = http
        .send(Request::get("Get", origin.url("/x")))
        .await
        .unwrap_err();
    match error {
        Error::InvalidResponse { reason, .. } => assert!(reason.contains("redirect"), "{reason}"),
        other => panic!("expected an invalid response, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_without_reading_it_all() {
    const FOUR_HUNDRED_MIB: u64 = 400 * 1024 * 1024;
    for chunked in [true, false] {
        let server = Server::start(move |_| Reply::Stream {
            chunked,
            chunk: 64 * 1024,
            total: FOUR_HUNDRED_MIB,
        })
        .await;
        let http = client(&ClientOptions::new());
        let error = http
            .send(Request::get("DescribeThings", server.url("/")))
            .await
            .unwrap_err();
        match &error {
            Error::InvalidResponse {
                http_status,
                reason,
                ..
            } => {
                assert_eq!(*http_status, Some(200));
                assert!(reason.contains("4194304-byte limit"), "{reason}");
            }
            other => panic!("expected an invalid response, got {other:?}"),
        }
        // The client stopped at the cap: the server could write no more than the cap plus
        // what the sockets buffer, far from 400 MiB.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let written = server.written();
        assert!(
            written < 64 * 1024 * 1024,
            "chunked={chunked}: the server wrote {written} bytes"
        );
    }
}

#[tokio::test]
async fn a_declared_length_over_a_configured_cap_is_refused_at_once() {
    let server = Server::start(|_| Reply::status(200, &[], &"x".repeat(5_000))).await;
    let http = client(&ClientOptions::new().with_max_response_bytes(4_096));
    let error = http
        .send(Request::get("Get", server.url("/")))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidResponse { reason, .. } if reason.contains("4096-byte")),
        "{error:?}"
    );
    let server = Server::start(|_| Reply::status(200, &[], &"x".repeat(4_000))).await;
    let response = http
        .send(Request::get("Get", server.url("/")))
        .await
        .unwrap();
    assert_eq!(response.body().len(), 4_000);
}

#[tokio::test]
async fn a_timeout_is_typed_with_the_real_elapsed_time() {
    let attempt = Duration::from_millis(200);
    for reply in [0, 1] {
        let server = Server::start(move |_| {
            if reply == 0 {
                Reply::Hang
            } else {
                Reply::HeadThenHang
            }
        })
        .await;
        let http = client(&ClientOptions::new().with_attempt_timeout(attempt));
        let error = http
            .send(Request::get("Get", server.url("/?Signature=SECRETSIG")))
            .await
            .unwrap_err();
        match &error {
            Error::Timeout {
                operation,
                elapsed,
                maybe_sent,
            } => {
                assert_eq!(operation, "Get");
                assert!(*elapsed >= attempt, "{elapsed:?}");
                assert!(
                    *maybe_sent,
                    "the request was sent before the answer stalled"
                );
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert!(!format!("{error} {error:?}").contains("SECRETSIG"));
    }
}

#[tokio::test]
async fn a_refused_connection_was_never_sent_and_errors_keep_no_url() {
    let port = closed_port().await;
    let url = url::Url::parse(&format!(
        "http://127.0.0.1:{port}/v1/p?Signature=SECRETSIG&SecurityToken=SECRETTOK"
    ))
    .unwrap();
    let error = client(&ClientOptions::new())
        .send(Request::post("AssociateEipAddress", url))
        .await
        .unwrap_err();
    match &error {
        Error::Transport {
            operation,
            maybe_sent,
            ..
        } => {
            assert_eq!(operation, "AssociateEipAddress");
            assert!(!maybe_sent, "{error}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(!error.outcome_unknown());
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        shown.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    // The source (kept for callers who downcast) may name the socket address, never the
    // URL's path or query.
    for secret in ["SECRET", "Signature=", "/v1/p"] {
        assert!(!shown.contains(secret), "{secret:?} in {shown}");
    }
    assert!(
        !error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[tokio::test]
async fn a_dropped_answer_may_have_been_processed() {
    // The status line and half a body, then the connection closes.
    let server = Server::start(|_| {
        Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Req".to_vec())
    })
    .await;
    let error = client(&ClientOptions::new())
        .send(Request::post(
            "ReleaseEipAddress",
            server.url("/?SecurityToken=SECRETTOK"),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
    assert!(!format!("{error} {error:?}").contains("SECRETTOK"));
}

#[tokio::test]
async fn every_request_carries_the_user_agent_and_answers_their_request_id() {
    let server = Server::start(|_| {
        Reply::status(
            200,
            &["X-Request-Id: req-42", "Content-Type: application/json"],
            r#"{"TotalCount":"2"}"#,
        )
    })
    .await;
    let http = client(&ClientOptions::new().with_user_agent_suffix("eipctl/9.9"));
    let response = http.send(login(server.url("/x"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.request_id(), Some("req-42"));
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(rename = "TotalCount", deserialize_with = "eip_http::de::opt_uint")]
        total: Option<u32>,
    }
    assert_eq!(response.json::<Page>().unwrap().total, Some(2));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("user-agent"),
        Some(format!("multicloud-eip/{} eipctl/9.9", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert_eq!(seen[0].header("x-auth-token"), Some(TOKEN));
    assert_eq!(
        seen[0].body,
        format!(r#"{{"password":"{PASSWORD}"}}"#).as_bytes()
    );
}

#[tokio::test]
async fn a_gateway_page_is_a_retryable_service_error_with_an_escaped_snippet() {
    let server = Server::start(|_| {
        Reply::status(
            502,
            &["X-Request-Id: gw-1"],
            "<html>\r\n<title>502 Bad Gateway</title>\x1b]52;c;ZXZpbA==\x07</html>",
        )
    })
    .await;
    let response = client(&ClientOptions::new())
        .send(Request::get("DescribeThings", server.url("/")))
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    match response.unreadable(ProviderKind::new("test"), None) {
        Error::Service { retryable, service } => {
            assert!(retryable);
            assert_eq!(service.code, "HTTP 502");
            assert_eq!(service.request_id.as_deref(), Some("gw-1"));
            assert!(!service.message.contains('\x1b') && !service.message.contains('\n'));
            assert!(
                service.message.contains(r"\u{1b}]52"),
                "{}",
                service.message
            );
        }
        other => panic!("expected a service error, got {other:?}"),
    }
    let not_json = response.json::<serde_json::Value>().unwrap_err();
    assert_eq!(not_json.request_id(), Some("gw-1"));
}

#[tokio::test]
async fn a_header_value_http_cannot_carry_is_refused_before_sending() {
    let error = Request::get("Get", url::Url::parse("http://127.0.0.1:1/").unwrap())
        .header("x-auth-token", "line\r\nX-Evil: 1")
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "x-auth-token"),
        "{error:?}"
    );
}
