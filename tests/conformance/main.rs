//! One conformance suite, run against every provider.
//!
//! Each case is written once against `dyn EipProvider`; the fixture gives it a provider on a fresh
//! emulator (always), or on a real account when `EIP_TEST_ALIBABA` / `EIP_TEST_HUAWEI` hold a
//! provider spec (with `EIP_TEST_ALIBABA_INSTANCES` / `EIP_TEST_HUAWEI_INSTANCES`: two or more
//! comma-separated instance ids; those variants are `#[ignore]`d and run with `-- --ignored`).
//! On a real account, what a case creates is named with the run id
//! and released afterwards; cases that would need hundreds of addresses run on the emulator only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;
#[path = "../common/mod.rs"]
mod common;
mod fixture;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod alibaba_sim {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = crate::fixture::Fixture::sim(crate::fixture::Cloud::Alibaba).await;
                    crate::cases::$case(&fixture).await;
                    fixture.finish().await;
                }
            )*
        }
        mod huawei_sim {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = crate::fixture::Fixture::sim(crate::fixture::Cloud::Huawei).await;
                    crate::cases::$case(&fixture).await;
                    fixture.finish().await;
                }
            )*
        }
        // Ignored by default: a run without an account would pass without testing anything.
        // `EIP_TEST_ALIBABA=alibaba://cn-hangzhou EIP_TEST_ALIBABA_INSTANCES=i-a,i-b \
        //  cargo test --test conformance -- --ignored` runs them (and fails if no account is set).
        mod real_accounts {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs EIP_TEST_ALIBABA / EIP_TEST_HUAWEI (costs money); run with --ignored"]
                async fn $case() {
                    let fixtures = crate::fixture::Fixture::real_accounts();
                    assert!(!fixtures.is_empty(), "set EIP_TEST_ALIBABA and/or EIP_TEST_HUAWEI with their _INSTANCES");
                    for fixture in fixtures {
                        crate::cases::$case(&fixture).await;
                        fixture.finish().await;
                    }
                }
            )*
        }
    };
}

suite!(
    lifecycle,
    pagination_over_250,
    filters,
    not_found,
    release_while_bound_is_refused,
    association_conflicts,
    waits_time_out,
    idempotent_allocate,
    fenced_move,
    capabilities_are_respected,
);
