//! One conformance suite, run against every provider.
//!
//! Each case is written once against `dyn EipProvider`; the fixture gives it a provider on a fresh
//! emulator (always), or on a real account when `EIP_TEST_ALIBABA` / `EIP_TEST_HUAWEI` hold a
//! provider spec (with `EIP_TEST_ALIBABA_INSTANCES` / `EIP_TEST_HUAWEI_INSTANCES`: two or more
//! comma-separated instance ids). On a real account, what a case creates is named with the run id
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
        mod real_accounts {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    for fixture in crate::fixture::Fixture::real_accounts() {
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
