//! Shared set-up of the integration tests: an in-process emulator and providers pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_alibaba::{AccessKey, AlibabaProvider, SignatureVersion};
use eip_core::retry::SettlePolicy;
use eip_core::{RetryPolicy, WaitPolicy};
use eip_sim::{LoggedRequest, Sim};

pub mod stub;

/// The emulator of the shared test kit, with its 30 ms transitions.
pub async fn sim() -> Sim {
    eip_testkit::emulator::sim().await
}

pub async fn sim_with_sts() -> Sim {
    let config = eip_sim::AlibabaConfig {
        sts: Some(eip_sim::alibaba::StsCredentials::default()),
        ..Default::default()
    };
    eip_testkit::emulator::start(eip_testkit::emulator::sim_builder().alibaba(config)).await
}

/// The test kit's quick retries, with a few more attempts (a 30 ms transition outlasts the
/// first backoffs) and a lost answer settled within 300 ms (the emulator and the stubs are
/// read-after-write consistent unless a test scripts a lag).
pub fn fast_retry() -> RetryPolicy {
    eip_testkit::policies::fast_retry()
        .max_attempts(12)
        .with_settle(SettlePolicy::new(
            Duration::from_millis(300),
            Duration::from_millis(20),
        ))
}

pub fn wait() -> WaitPolicy {
    WaitPolicy::default().max_wait(Duration::from_secs(10))
}

pub fn key(sim: &Sim) -> AccessKey {
    eip_testkit::emulator::alibaba_key(sim)
}

pub fn provider_with(sim: &Sim, version: SignatureVersion, key: AccessKey) -> AlibabaProvider {
    eip_testkit::emulator::alibaba_builder(sim)
        .with_credentials(key)
        .with_signature_version(version)
        .with_retry(fast_retry())
        .build()
        .unwrap()
}

pub fn provider(sim: &Sim) -> AlibabaProvider {
    provider_with(sim, SignatureVersion::V1, key(sim))
}

/// The logged requests for one action.
pub fn requests(sim: &Sim, action: &str) -> Vec<LoggedRequest> {
    eip_testkit::emulator::requests(sim, action)
}

pub fn count(sim: &Sim, action: &str) -> usize {
    eip_testkit::emulator::count(sim, action)
}

/// The emulator's first ECS instance, its ENI (with its private IP) and its first HaVip.
pub fn instance(sim: &Sim, n: usize) -> String {
    sim.alibaba().instances[n].clone()
}

/// A provider sending to `endpoint` (a [`stub::Stub`]), with quick retries.
pub fn provider_at(endpoint: &str, key: AccessKey) -> AlibabaProvider {
    AlibabaProvider::builder()
        .with_region("cn-hangzhou")
        .with_endpoint(endpoint)
        .with_credentials(key)
        .with_retry(fast_retry())
        .with_timeouts(eip_testkit::policies::fast_timeouts())
        .build()
        .unwrap()
}

/// The test key the stubs are called with.
pub fn stub_key() -> AccessKey {
    AccessKey::new("stub-id", "stub-secret")
}
