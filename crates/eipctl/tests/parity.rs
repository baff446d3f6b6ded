//! The same failure gives the same answer on both clouds: the same error kind, the same field
//! name, the same exit code. Each case runs once against the Alibaba half of the emulator and
//! once against the Huawei half, and the two outcomes are compared with each other and with what
//! the case expects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::hostile::FixedServer;
use common::{Cloud, Harness, Run, BOTH};
use eip_sim::{FaultKind, FaultRule, Trigger};

/// What a user sees of a failure.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    /// The snake_case kind after `eipctl: `.
    kind: String,
    /// For `invalid_input`, the field after `invalid `.
    field: Option<String>,
}

impl Outcome {
    fn expected(code: i32, kind: &str, field: Option<&str>) -> Self {
        Self {
            code,
            kind: kind.to_owned(),
            field: field.map(str::to_owned),
        }
    }

    fn of(run: &Run) -> Self {
        let line = run.error_line(run.code);
        let rest = line.strip_prefix("eipctl: ").unwrap_or(line);
        let (kind, detail) = rest.split_once(": ").unwrap_or((rest, ""));
        let field = (kind == "invalid_input")
            .then(|| detail.strip_prefix("invalid "))
            .flatten()
            .and_then(|d| d.split_once(':'))
            .map(|(field, _)| field.to_owned());
        Self {
            code: run.code,
            kind: kind.to_owned(),
            field,
        }
    }
}

/// Runs `args` on both clouds (with a fresh request log each) and checks that both outcomes are
/// `expected`, and that each cloud's request log has `requests` entries when given.
async fn same_on_both(
    h: &Harness,
    what: &str,
    args: &[&str],
    expected: Outcome,
    requests: Option<usize>,
) {
    let mut seen = Vec::new();
    for cloud in BOTH {
        h.sim.clear_requests();
        let run = h.run(cloud, args).await;
        let outcome = Outcome::of(&run);
        let sent = h.sim.requests().len();
        if let Some(requests) = requests {
            assert_eq!(sent, requests, "{what} on {cloud:?}: {run:#?}");
        }
        seen.push((cloud, outcome, run.stderr));
    }
    let (_, alibaba, alibaba_line) = &seen[0];
    let (_, huawei, huawei_line) = &seen[1];
    assert_eq!(
        alibaba, huawei,
        "{what}: the clouds disagree:\n  alibaba: {alibaba_line}  huawei:  {huawei_line}"
    );
    assert_eq!(alibaba, &expected, "{what}: {alibaba_line}");
}

#[tokio::test]
async fn ids_with_dot_dot_or_a_slash_are_invalid_id_with_no_request() {
    let h = Harness::start().await;
    for args in [
        ["show", ".."].as_slice(),
        &["release", ".."],
        &["show", "a/b"],
        &["disassociate", "eip-1/../x"],
        &["associate", "eip/1", "--instance", "i-1"],
    ] {
        same_on_both(
            &h,
            &format!("{args:?}"),
            args,
            Outcome::expected(2, "invalid_input", Some("id")),
            Some(0),
        )
        .await;
    }
}

// parity: needs provider fixes (a lone `.` passes the id check today; a URL normaliser turns
// `/publicips/.` into `/publicips/`, so Huawei would read the list instead of one address).
#[tokio::test]
async fn an_id_of_one_dot_is_invalid_id_with_no_request() {
    let h = Harness::start().await;
    for args in [
        ["show", "."].as_slice(),
        &["release", "."],
        &["wait", ".", "--until", "bound", "--timeout", "1"],
    ] {
        same_on_both(
            &h,
            &format!("{args:?}"),
            args,
            Outcome::expected(2, "invalid_input", Some("id")),
            Some(0),
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_address_is_not_found_exit_3() {
    let h = Harness::start().await;
    for id in ["eip-doesnotexist", "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0"] {
        for args in [["show", id].as_slice(), &["release", id]] {
            same_on_both(
                &h,
                &format!("{args:?}"),
                args,
                Outcome::expected(3, "not_found", None),
                None,
            )
            .await;
        }
    }
}

/// Every request answers after 2 s; one attempt of 0.3 s is allowed.
#[tokio::test]
async fn a_request_slower_than_the_request_timeout_is_timeout_exit_7() {
    let h = Harness::start().await;
    let id = {
        let alibaba = h.allocate(Cloud::Alibaba).await;
        let huawei = h.allocate(Cloud::Huawei).await;
        [alibaba, huawei]
    };
    h.sim.faults().add(FaultRule::new(
        FaultKind::Latency {
            fixed: Duration::from_millis(2_000),
            jitter: Duration::ZERO,
        },
        Trigger::Probability(1.0),
    ));
    let mut seen = Vec::new();
    for (cloud, id) in BOTH.into_iter().zip(&id) {
        let run = h
            .run(
                cloud,
                &[
                    "--max-attempts",
                    "1",
                    "--request-timeout",
                    "0.3",
                    "show",
                    id,
                ],
            )
            .await;
        seen.push((cloud, Outcome::of(&run), run.stderr));
    }
    assert_eq!(
        seen[0].1, seen[1].1,
        "the clouds disagree:\n  {}  {}",
        seen[0].2, seen[1].2
    );
    assert_eq!(
        seen[0].1,
        Outcome::expected(7, "timeout", None),
        "{}",
        seen[0].2
    );
}

// parity: needs provider fixes (a non-JSON 404 is `not_found` on one cloud and
// `invalid_response` on the other today).
#[tokio::test]
async fn an_html_404_page_means_the_same_on_both_clouds() {
    let h = Harness::start().await;
    let page = "<html><body><h1>404 Not Found</h1></body></html>".to_owned();
    let server = FixedServer::start(404, "gw-1", page).await;
    let mut seen = Vec::new();
    for cloud in BOTH {
        let spec = match cloud {
            Cloud::Alibaba => format!("alibaba://cn-hangzhou?endpoint={}", server.endpoint),
            Cloud::Huawei => format!(
                "huawei://cn-north-4?auth=aksk&project_id={}&iam_endpoint={e}&vpc_endpoint={e}",
                h.sim.huawei().project_id,
                e = server.endpoint
            ),
        };
        let env = match cloud {
            Cloud::Alibaba => h.credentials(cloud),
            Cloud::Huawei => vec![
                ("HUAWEICLOUD_SDK_AK", h.sim.huawei().access_key.clone()),
                ("HUAWEICLOUD_SDK_SK", h.sim.huawei().secret_key.clone()),
            ],
        };
        let run = h
            .run_with(
                &env,
                &[
                    "--provider",
                    spec.as_str(),
                    "--max-attempts",
                    "1",
                    "show",
                    "eip-1",
                ],
            )
            .await;
        seen.push((cloud, Outcome::of(&run), run.stderr));
    }
    assert!(server.served() >= 2, "both clouds asked the server");
    assert_eq!(
        seen[0].1, seen[1].1,
        "the clouds disagree:\n  {}  {}",
        seen[0].2, seen[1].2
    );
}

#[tokio::test]
async fn bad_timeouts_are_invalid_input_with_no_request() {
    let h = Harness::start().await;
    for (args, field) in [
        (
            [
                "wait",
                "eip-1",
                "--until",
                "bound",
                "--timeout",
                "18446744073709551615",
            ]
            .as_slice(),
            "timeout",
        ),
        (
            &[
                "move",
                "eip-1",
                "--from",
                "i-1",
                "--to",
                "i-2",
                "--timeout",
                "18446744073709551615",
            ],
            "timeout",
        ),
        (&["--request-timeout", "0", "list"], "request-timeout"),
        (&["--request-timeout", "1e300", "list"], "request-timeout"),
        (&["--request-timeout", "NaN", "list"], "request-timeout"),
        (&["--request-timeout", "-1", "list"], "request-timeout"),
    ] {
        same_on_both(
            &h,
            &format!("{args:?}"),
            args,
            Outcome::expected(2, "invalid_input", Some(field)),
            Some(0),
        )
        .await;
    }
}
