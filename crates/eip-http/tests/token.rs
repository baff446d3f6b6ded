//! TokenCache: single flight, min_ttl, a failed refresh while the token is valid, backoff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eip_http::{TemporaryToken, TokenCache};
use tokio::time::Instant;

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
                        Ok::<_, String>(token("t-1", HOUR))
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
        cache.get_or_insert_with(move || async move { Ok::<_, String>(token(name, 10 * MINUTE)) })
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
        .get_or_insert_with(|| async { Ok::<_, String>(token("t-1", 6 * MINUTE)) })
        .await
        .unwrap();
    tokio::time::advance(2 * MINUTE).await;
    let calls = AtomicU32::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<TemporaryToken<String>, _>("IAM is down".to_owned())
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

    // Once the token has expired, the failure is the caller's.
    tokio::time::advance(5 * MINUTE).await;
    assert_eq!(
        cache.get_or_insert_with(failing).await.unwrap_err(),
        "IAM is down"
    );
    // Without a valid token, the next caller waits out the backoff (8 s at most) and asks
    // once more: one request per backoff interval, however many callers.
    let started = Instant::now();
    assert!(cache.get_or_insert_with(failing).await.is_err());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited <= Duration::from_secs(8),
        "{waited:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // A reset forgets the failures and the token: the next call asks at once.
    cache.reset().await;
    let started = Instant::now();
    assert_eq!(
        cache
            .get_or_insert_with(|| async { Ok::<_, String>(token("t-2", HOUR)) })
            .await
            .unwrap(),
        "t-2"
    );
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_refused_token_is_dropped_only_if_it_is_still_the_cached_one() {
    let cache = TokenCache::<String>::new();
    let get = |name: &'static str| {
        cache.get_or_insert_with(move || async move { Ok::<_, String>(token(name, HOUR)) })
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
