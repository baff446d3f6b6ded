//! The testkit's own pieces do what the suites rely on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_core::Error;
use eip_testkit::fuzz::{body_from, is_json, Vocabulary};
use eip_testkit::hostile::{Answer, HostileServer};
use eip_testkit::{Cloud, AUTHS, CLOUDS};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn exchange(endpoint: &str, request: &str) -> Vec<u8> {
    let mut socket = TcpStream::connect(endpoint.trim_start_matches("http://"))
        .await
        .unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn the_hostile_server_answers_byte_for_byte_and_counts() {
    let server = HostileServer::start_with_first(
        Some(Answer::http(201, "first").with_header("x-subject-token", "t")),
        vec![
            Answer::http(503, "<html>busy</html>")
                .with_header("retry-after", "18446744073709551615"),
            Answer::Truncated {
                status: 200,
                body: b"{\"Req".to_vec(),
            },
            Answer::Close,
        ],
    )
    .await;
    let get = "GET /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}";
    let first = String::from_utf8(exchange(server.endpoint(), get).await).unwrap();
    assert!(
        first.starts_with("HTTP/1.1 201 Hostile\r\n") && first.contains("x-subject-token: t\r\n")
    );
    assert!(first.ends_with("\r\n\r\nfirst"), "{first}");
    let busy = String::from_utf8(exchange(server.endpoint(), get).await).unwrap();
    assert!(
        busy.contains("retry-after: 18446744073709551615\r\n"),
        "{busy}"
    );
    let cut = String::from_utf8(exchange(server.endpoint(), get).await).unwrap();
    assert!(
        cut.contains("content-length: 105\r\n") && cut.ends_with("{\"Req"),
        "{cut}"
    );
    assert!(
        exchange(server.endpoint(), get).await.is_empty(),
        "closed without a byte"
    );
    assert_eq!(server.served(), 4);
    assert!(server
        .heads()
        .iter()
        .all(|h| h.starts_with("GET /v1/x HTTP/1.1")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wired_provider_authenticates_to_the_emulator() {
    let sim = eip_testkit::sim().await;
    for cloud in CLOUDS {
        for auth in AUTHS {
            sim.clear_requests();
            let provider = eip_testkit::provider(&sim, cloud, auth);
            match provider.get("eip-0000doesnotexist").await {
                Err(Error::NotFound { .. }) => {}
                other => panic!("{cloud:?} {auth:?}: expected NotFound, got {other:?}"),
            }
            let get = eip_testkit::action(cloud, "get");
            assert!(
                eip_testkit::count(&sim, get) >= 1,
                "{cloud:?} {auth:?}: no {get} reached the emulator: {:?}",
                sim.requests()
            );
        }
    }
    let seeded = eip_testkit::seed(&sim, Cloud::Huawei, 3);
    assert_eq!(seeded.len(), 3);
    assert!(eip_testkit::inventory(&sim, Cloud::Alibaba).is_empty());
}

#[test]
fn fuzz_bodies_mix_json_and_garbage() {
    const WORDS: Vocabulary = Vocabulary {
        keys: &["id", "status"],
        plausible: &["ACTIVE", ""],
    };
    let strategy = body_from(
        WORDS.wrapped("publicip", false),
        vec![b"{\"publicip\":7}".to_vec()],
    );
    let mut runner = TestRunner::deterministic();
    let bodies: Vec<Vec<u8>> = (0..200)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let json = bodies.iter().filter(|b| is_json(b)).count();
    assert!(json > 20 && json < 190, "{json} of 200 bodies are JSON");
    assert!(bodies.iter().any(|b| b.starts_with(b"{\"publicip\"")));
}
