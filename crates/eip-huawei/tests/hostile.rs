//! Hostile answers over HTTP: whatever a gateway, a proxy or an attacker sends (arbitrary JSON
//! shaped like Huawei's answers, truncated bodies, closed connections, odd statuses and delay
//! headers) reaches the provider with both kinds of authentication. Never a panic, never a
//! secret in an error, never a success without a 2xx answer. Each parser's own properties (one
//! answer per operation) are `parsers.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_core::retry::SettlePolicy;
use eip_core::{
    AllocateRequest, EipProvider, Error, ListFilter, PageRequest, RetryPolicy, Timeouts,
};
use eip_huawei::{AccessKey, HuaweiProvider, PasswordAuth};
use eip_testkit::fuzz::{body_from, common_special_bodies, config, Vocabulary};
use eip_testkit::hostile::{answer, Answer, HostileServer};
use proptest::prelude::*;

/// Huawei's words, shared with the parser properties (`parsers.rs`).
const WORDS: Vocabulary = eip_testkit::fuzz::HUAWEI;

/// Any answer body: a publicip, a list of them, an error in one of its shapes, or anything.
fn body() -> BoxedStrategy<Vec<u8>> {
    let json = prop_oneof![
        WORDS.wrapped("publicip", false),
        WORDS.wrapped("publicips", true),
        WORDS.wrapped("ports", true),
        WORDS.wrapped("token", false),
        WORDS.wrapped("projects", true),
        WORDS.fields(6),
        WORDS.any_json(),
    ]
    .boxed();
    body_from(json, common_special_bodies())
}

#[derive(Clone, Copy, Debug)]
enum Auth {
    Password,
    KeyLookingUpProject,
    KeyWithProject,
}

/// The answer with which IAM lets `auth` through, so that the VPC parsers get hostile answers
/// too (a random answer rarely is a usable token).
fn iam_welcome(auth: Auth) -> Option<Answer> {
    let (status, body) = match auth {
        Auth::Password => (
            201,
            r#"{"token":{"expires_at":"2099-01-01T00:00:00Z","issued_at":"2024-01-01T00:00:00Z","project":{"id":"proj-1"}}}"#,
        ),
        Auth::KeyLookingUpProject => (200, r#"{"projects":[{"id":"proj-1"}]}"#),
        Auth::KeyWithProject => return None,
    };
    Some(Answer::http(status, body).with_header("X-Subject-Token", "hostile-token-value"))
}

fn provider(endpoint: &str, auth: Auth, retry: RetryPolicy) -> HuaweiProvider {
    let builder = HuaweiProvider::builder()
        .with_region("cn-north-4")
        .with_iam_endpoint(endpoint)
        .with_vpc_endpoint(endpoint)
        .with_retry(retry)
        .with_rate_limiter(None)
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_secs(5),
        ));
    let key = AccessKey::new("HOSTILEAK", "hostile-secret-key");
    let builder = match auth {
        Auth::Password => builder.with_password(PasswordAuth::new(
            "hostile-user",
            "hostile-password",
            "acct",
        )),
        Auth::KeyLookingUpProject => builder.with_access_key(key),
        Auth::KeyWithProject => builder.with_access_key(key).with_project_id("proj-1"),
    };
    builder.build().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn exercise(provider: &HuaweiProvider) -> Vec<Result<(), Error>> {
    vec![
        provider
            .get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0")
            .await
            .map(drop),
        provider
            .list_page(&ListFilter::new(), &PageRequest::default())
            .await
            .map(drop),
        provider
            .allocate(&AllocateRequest::new().bandwidth(5))
            .await
            .map(drop),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_provider_survives_any_answer_over_http(
        answers in prop::collection::vec(answer(body(), "retry-after"), 1..5),
        auth in prop::sample::select(vec![Auth::Password, Auth::KeyLookingUpProject, Auth::KeyWithProject]),
        welcomed in any::<bool>(),
    ) {
        runtime().block_on(async {
            let first = if welcomed { iam_welcome(auth) } else { None };
            let server = HostileServer::start_with_first(first, answers.clone()).await;
            // Short settle windows: a 5xx on the create is settled by reads for a moment only.
            let fast = RetryPolicy::never().with_settle(SettlePolicy::new(
                Duration::from_millis(2),
                Duration::from_millis(1),
            ));
            let provider = provider(server.endpoint(), auth, fast);
            let outcomes = exercise(&provider).await;
            assert!(server.served() >= 1, "the provider reached the server");
            for outcome in outcomes {
                if let Err(error) = &outcome {
                    let shown = format!("{error} {error:?}");
                    for secret in ["hostile-password", "hostile-secret-key", "hostile-token-value"] {
                        assert!(!shown.contains(secret), "{shown}");
                    }
                }
                // Nothing succeeds without a 2xx answer.
                if !answers.iter().any(Answer::is_success) {
                    assert!(outcome.is_err(), "{outcome:?} from {answers:?}");
                }
            }
        });
    }
}

/// A gateway answering `Retry-After: 18446744073709551615` (seconds) once a second has passed:
/// the retry loop saturates instead of overflowing, and the wait, being beyond the budget, ends
/// the call with the typed error.
#[test]
fn a_huge_retry_after_is_a_typed_error_not_an_overflow() {
    runtime().block_on(async {
        let throttled = |after: &str| {
            Answer::http(
                429,
                br#"{"error_code":"APIGW.0308","error_msg":"over ratelimit"}"#.to_vec(),
            )
            .with_header("Retry-After", after)
        };
        // One second of honoured delay first, so the budget check adds a huge delay to a
        // non-zero elapsed time.
        let server = HostileServer::start_with_first(
            Some(throttled("1")),
            vec![throttled(&u64::MAX.to_string())],
        )
        .await;
        let provider = provider(
            server.endpoint(),
            Auth::KeyWithProject,
            RetryPolicy::default().max_attempts(3),
        );
        let outcome = provider.get("6285e7be-fd9f-497c-bc2d-dd0bdea6efe0").await;
        assert!(
            matches!(outcome, Err(Error::RateLimited { .. })),
            "{outcome:?}"
        );
        assert_eq!(
            server.served(),
            2,
            "a delay beyond the budget is not waited for"
        );
    });
}
