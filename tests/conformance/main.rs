//! The conformance suite of `eip_testkit::conformance`, run against every provider.
//!
//! Each case is written once against `&dyn EipProvider` in the testkit, where a third cloud's
//! provider runs the same cases. Here they run on a fresh emulator for both clouds, with each
//! cloud's two authentications, and — `#[ignore]`d, with `-- --ignored` — on real accounts:
//! `EIP_TEST_ALIBABA` / `EIP_TEST_HUAWEI` hold a provider spec, `EIP_TEST_ALIBABA_INSTANCES` /
//! `EIP_TEST_HUAWEI_INSTANCES` two or more comma-separated instance ids
//! (`cargo test --test conformance -- --ignored real_alibaba`). On a real account, what a case
//! creates is named with the run id and released afterwards; cases that would need hundreds of
//! addresses run on the emulator only.

use std::sync::Arc;

use eip_testkit::conformance::{on_sim, Fixture};
use eip_testkit::{Auth, Cloud};
use multicloud_eip::EipProvider;

type Setup = (Arc<dyn EipProvider>, Fixture);

async fn alibaba_v1() -> Setup {
    on_sim(Cloud::Alibaba, Auth::Default).await
}

async fn alibaba_v3() -> Setup {
    on_sim(Cloud::Alibaba, Auth::Alternate).await
}

async fn huawei_token() -> Setup {
    on_sim(Cloud::Huawei, Auth::Default).await
}

async fn huawei_aksk() -> Setup {
    on_sim(Cloud::Huawei, Auth::Alternate).await
}

/// The provider and fixture of a real account named by `EIP_TEST_<CLOUD>`.
fn real_account(cloud: &str) -> Setup {
    let spec = std::env::var(format!("EIP_TEST_{cloud}"))
        .unwrap_or_else(|_| panic!("set EIP_TEST_{cloud} (and EIP_TEST_{cloud}_INSTANCES)"));
    let instances: Vec<String> = std::env::var(format!("EIP_TEST_{cloud}_INSTANCES"))
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    assert!(
        instances.len() >= 2,
        "EIP_TEST_{cloud}_INSTANCES must name two instances"
    );
    let provider =
        multicloud_eip::connect(&spec).unwrap_or_else(|e| panic!("EIP_TEST_{cloud}: {e}"));
    let run_id = format!("conf{}", std::process::id());
    (provider, Fixture::new(instances, run_id))
}

async fn real_alibaba_account() -> Setup {
    real_account("ALIBABA")
}

async fn real_huawei_account() -> Setup {
    real_account("HUAWEI")
}

mod alibaba_sim {
    eip_testkit::conformance_suite!(super::alibaba_v1);
}

mod huawei_sim {
    eip_testkit::conformance_suite!(super::huawei_token);
}

// The other authentication of each cloud: the cases that send every kind of request.
mod alibaba_v3_sim {
    eip_testkit::conformance_suite!(super::alibaba_v3; lifecycle, not_found, idempotent_allocate, fenced_move);
}

mod huawei_aksk_sim {
    eip_testkit::conformance_suite!(super::huawei_aksk; lifecycle, not_found, idempotent_allocate, fenced_move);
}

// Ignored by default: a run without an account would pass without testing anything.
mod real_alibaba {
    eip_testkit::conformance_suite!(
        #[ignore = "needs EIP_TEST_ALIBABA (costs money); run with --ignored"]
        super::real_alibaba_account
    );
}

mod real_huawei {
    eip_testkit::conformance_suite!(
        #[ignore = "needs EIP_TEST_HUAWEI (costs money); run with --ignored"]
        super::real_huawei_account
    );
}
