//! TokenCache: single flight, min_ttl, a failed refresh while the token is valid, backoff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_core::{Error, ProviderKind, ServiceError};
use eip_http::{TemporaryToken, TokenCache};
use tokio::time::Instant;

fn iam_down() -> Error {
    Error::Transport {
        operation: "KeystoneCreateToken".into(),
        message: "connection reset".into(),
        maybe_sent: true,
        source: None,
    }
}

fn refused() -> Error {
    let mut service = ServiceError::new(
        ProviderKind::new("test"),
        "KeystoneCreateToken",
        "IAM.0005",
        "wrong password",
    );
    service.request_id = Some("iam-req-1".into());
    Error::Unauthenticated {
        reason: "the password was refused".into(),
        service: Some(Box::new(service)),
    }
}

fn token(name: &str, lifetime: Duration) -> TemporaryToken<String> {
    TemporaryToken {
        token: name.to_owned(),
        expiry: Some(Instant::now() + lifetime),
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_share_one_refresh() {
    let cache = Arc::new(TokenCache::<String>::new());
    let calls = Arc::new(AtomicU32::new(0));
    let tasks: Vec<_> = (0..1_000)
        .map(|_| {
            let (cache, calls) = (cache.clone(), calls.clone());
            tokio::spawn(async move {
                cache
                    .get_or_insert_with(|| async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, Error>(token("t-1", HOUR))
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "t-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.refreshes(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_token_is_refreshed_once_less_than_min_ttl_is_left() {
    let cache = TokenCache::<String>::new().with_min_ttl(5 * MINUTE);
    let get = |name: &'static str| {
        cache.get_or_insert_with(move || async move { Ok::<_, Error>(token(name, 10 * MINUTE)) })
    };
    assert_eq!(get("t-1").await.unwrap(), "t-1");
    tokio::time::advance(4 * MINUTE).await;
    assert_eq!(
        get("t-2").await.unwrap(),
        "t-1",
        "6 minutes left: still fresh"
    );
    tokio::time::advance(2 * MINUTE).await;
    assert_eq!(
        get("t-3").await.unwrap(),
        "t-3",
        "4 minutes left: refreshed"
    );
    assert_eq!(cache.refreshes(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_serving_a_valid_token_and_backs_off() {
    let cache = TokenCache::<String>::new()
        .with_min_ttl(5 * MINUTE)
        .with_backoff(Duration::from_secs(1), Duration::from_secs(8));
    cache
        .get_or_insert_with(|| async { Ok::<_, Error>(token("t-1", 6 * MINUTE)) })
        .await
        .unwrap();
    tokio::time::advance(2 * MINUTE).await;
    let calls = AtomicU32::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<TemporaryToken<String>, _>(iam_down())
    };
    assert_eq!(cache.get_or_insert_with(failing).await.unwrap(), "t-1");
    // Within the backoff, the valid token is served without asking again.
    for _ in 0..100 {
        assert_eq!(cache.get_or_insert_with(failing).await.unwrap(), "t-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(cache.get_or_insert_with(failing).await.unwrap(), "t-1");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "asked again after the backoff"
    );

    // Once the token has expired, the failure is the caller's...
    tokio::time::advance(5 * MINUTE).await;
    let first = cache.get_or_insert_with(failing).await.unwrap_err();
    assert!(
        matches!(
            first,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{first:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // ...and during the backoff (4 s after the third failure) every caller gets a copy at
    // once, marked as never sent, without a request.
    let started = Instant::now();
    for _ in 0..100 {
        let copy = cache.get_or_insert_with(failing).await.unwrap_err();
        assert!(
            matches!(&copy, Error::Transport { maybe_sent: false, message, .. } if message == "connection reset"),
            "{copy:?}"
        );
    }
    assert_eq!(started.elapsed(), Duration::ZERO, "nobody waited");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    tokio::time::advance(Duration::from_secs(4)).await;
    assert!(cache.get_or_insert_with(failing).await.is_err());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "one request per backoff interval"
    );
    // A reset forgets the failures and the token: the next call asks at once.
    cache.reset().await;
    assert_eq!(
        cache
            .get_or_insert_with(|| async { Ok::<_, Error>(token("t-2", HOUR)) })
            .await
            .unwrap(),
        "t-2"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_password_is_held_and_never_retried_in_a_loop() {
    let cache = TokenCache::<String>::new()
        .with_failure_hold(|e| matches!(e, Error::Unauthenticated { .. }).then_some(5 * MINUTE));
    let calls = AtomicU32::new(0);
    let login = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<TemporaryToken<String>, _>(refused())
    };
    for _ in 0..1_000 {
        match cache.get_or_insert_with(login).await {
            Err(Error::Unauthenticated { service, .. }) => {
                assert_eq!(service.unwrap().request_id.as_deref(), Some("iam-req-1"));
            }
            other => panic!("expected the refusal, got {other:?}"),
        }
        tokio::time::advance(Duration::from_millis(250)).await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one IAM request in 250 s");
    tokio::time::advance(MINUTE).await;
    assert!(cache.get_or_insert_with(login).await.is_err());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "asked again once the hold ended"
    );
    // A credential change resets it.
    cache.reset().await;
    assert_eq!(
        cache
            .get_or_insert_with(|| async { Ok::<_, Error>(token("t-ok", HOUR)) })
            .await
            .unwrap(),
        "t-ok"
    );
}

#[tokio::test]
async fn a_refused_token_is_dropped_only_if_it_is_still_the_cached_one() {
    let cache = TokenCache::<String>::new();
    let get = |name: &'static str| {
        cache.get_or_insert_with(move || async move { Ok::<_, Error>(token(name, HOUR)) })
    };
    assert_eq!(get("t-1").await.unwrap(), "t-1");
    cache.invalidate_if(|t| t == "t-0");
    assert_eq!(
        get("t-2").await.unwrap(),
        "t-1",
        "another token was refused: kept"
    );
    cache.invalidate_if(|t| t == "t-1");
    assert_eq!(get("t-2").await.unwrap(), "t-2");
}
