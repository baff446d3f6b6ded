//! Helpers shared by the integration tests: an emulator, providers pointed at it, and views of
//! its request log.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eip_core::retry::SettlePolicy;
use eip_core::{EipProvider, RetryPolicy, WaitPolicy};
use eip_huawei::{AccessKey, HuaweiBuilder, HuaweiProvider, PasswordAuth};
use eip_sim::{Cloud, HuaweiConfig, Sim, SimBuilder};

pub mod gateway;
pub mod raw;

/// An emulator with 30 ms transitions.
pub async fn sim() -> Sim {
    sim_with(HuaweiConfig::default()).await
}

/// An emulator with this Huawei account.
pub async fn sim_with(config: HuaweiConfig) -> Sim {
    SimBuilder::new()
        .transition_delay(Duration::from_millis(30))
        .huawei(config)
        .start()
        .await
        .unwrap()
}

/// Fast retries and a short settle window (the emulator's reads do not lag), so fault tests
/// take milliseconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(6)
        .delays(Duration::from_millis(5), Duration::from_millis(40))
        .with_settle(SettlePolicy::new(
            Duration::from_millis(80),
            Duration::from_millis(20),
        ))
}

/// Polls every 20 ms for up to 10 s.
pub fn wait() -> WaitPolicy {
    WaitPolicy::default().max_wait(Duration::from_secs(10))
}

/// A builder aimed at the emulator, without credentials.
pub fn base(sim: &Sim) -> HuaweiBuilder {
    let info = sim.huawei();
    HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(info.iam_endpoint.clone())
        .with_vpc_endpoint(info.vpc_endpoint.clone())
        // The provider's own client: it never follows redirects and never sends plain http
        // through a proxy.
        .with_retry(fast_retry())
        // Request counts are asserted exactly; the default quota bucket would only slow tests.
        .with_rate_limiter(None)
}

/// A provider using the emulator's IAM password (the default auth).
pub fn password_provider(sim: &Sim) -> HuaweiProvider {
    let info = sim.huawei();
    base(sim)
        .with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        ))
        .build()
        .unwrap()
}

/// A provider signing with the emulator's AK/SK; the project id is looked up when `None`.
pub fn key_provider(sim: &Sim, project_id: Option<&str>) -> HuaweiProvider {
    let info = sim.huawei();
    let mut key = AccessKey::new(info.access_key.clone(), info.secret_key.clone());
    if let Some(token) = &info.security_token {
        key = key.with_security_token(token.clone());
    }
    let mut builder = base(sim).with_access_key(key);
    if let Some(id) = project_id {
        builder = builder.with_project_id(id);
    }
    builder.build().unwrap()
}

/// How many requests with this action reached the emulator.
pub fn count(sim: &Sim, action: &str) -> usize {
    sim.requests().iter().filter(|r| r.action == action).count()
}

/// The actions of every logged request, in order.
pub fn actions(sim: &Sim) -> Vec<String> {
    sim.requests().iter().map(|r| r.action.clone()).collect()
}

/// Creates `n` unbound EIPs directly in the emulator (no request is logged) and returns their ids.
pub fn seed(sim: &Sim, n: usize) -> Vec<String> {
    sim.control(
        Cloud::Huawei,
        "seed_eips",
        serde_json::json!({ "count": n }),
    )
    .unwrap();
    sim.inventory().into_iter().map(|item| item.id).collect()
}

/// Allocates an EIP and waits until it is available.
pub async fn available_eip(provider: &HuaweiProvider) -> eip_core::Eip {
    use eip_core::EipProviderExt;
    let eip = provider
        .allocate(&eip_core::AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    provider
        .wait_until_available(&eip.id, &wait())
        .await
        .unwrap()
}
