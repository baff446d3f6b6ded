//! Shared set-up of the integration tests: an in-process emulator and providers pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_alibaba::{AccessKey, AlibabaProvider, SignatureVersion};
use eip_core::retry::SettlePolicy;
use eip_core::{RetryPolicy, Timeouts, WaitPolicy};
use eip_sim::{LoggedRequest, Sim, SimBuilder};

pub mod stub;

/// Transitions of 30 ms: fast, but long enough to observe Associating / Unassociating.
pub const TRANSITION: Duration = Duration::from_millis(30);

pub async fn sim() -> Sim {
    SimBuilder::new()
        .transition_delay(TRANSITION)
        .start()
        .await
        .unwrap()
}

pub async fn sim_with_sts() -> Sim {
    let config = eip_sim::AlibabaConfig {
        sts: Some(eip_sim::alibaba::StsCredentials::default()),
        ..Default::default()
    };
    SimBuilder::new()
        .transition_delay(TRANSITION)
        .alibaba(config)
        .start()
        .await
        .unwrap()
}

/// Quick retries, so retry tests stay fast; a lost answer is settled within 300 ms (the
/// emulator and the stubs are read-after-write consistent unless a test scripts a lag).
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(12)
        .delays(Duration::from_millis(2), Duration::from_millis(40))
        .budget(Duration::from_secs(20))
        .with_settle(SettlePolicy::new(
            Duration::from_millis(300),
            Duration::from_millis(20),
        ))
}

pub fn wait() -> WaitPolicy {
    WaitPolicy::default().max_wait(Duration::from_secs(10))
}

pub fn key(sim: &Sim) -> AccessKey {
    let a = sim.alibaba();
    AccessKey::new(a.access_key_id.clone(), a.access_key_secret.as_str())
}

pub fn provider_with(sim: &Sim, version: SignatureVersion, key: AccessKey) -> AlibabaProvider {
    let a = sim.alibaba();
    AlibabaProvider::builder()
        .with_region(a.region.clone())
        .with_endpoint(&a.endpoint)
        .with_credentials(key)
        .with_signature_version(version)
        .with_retry(fast_retry())
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(5),
            Duration::from_secs(30),
        ))
        .build()
        .unwrap()
}

pub fn provider(sim: &Sim) -> AlibabaProvider {
    provider_with(sim, SignatureVersion::V1, key(sim))
}

/// The logged requests for one action.
pub fn requests(sim: &Sim, action: &str) -> Vec<LoggedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

pub fn count(sim: &Sim, action: &str) -> usize {
    requests(sim, action).len()
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
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(5),
            Duration::from_secs(30),
        ))
        .build()
        .unwrap()
}

/// The test key the stubs are called with.
pub fn stub_key() -> AccessKey {
    AccessKey::new("stub-id", "stub-secret")
}
