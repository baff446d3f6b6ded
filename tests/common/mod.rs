//! Test support shared by the root test suites: an emulator per test and providers built on it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use multicloud_eip::alibaba::{AccessKey as AlibabaKey, AlibabaProvider, SignatureVersion};
use multicloud_eip::huawei::{AccessKey as HuaweiKey, HuaweiProvider, PasswordAuth};
use multicloud_eip::sim::{AlibabaConfig, HuaweiConfig, Sim, SimBuilder};
use multicloud_eip::{EipProvider, RetryPolicy, WaitPolicy};

pub use multicloud_eip::sim::Cloud;

/// How a provider authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Alibaba V1 / Huawei password token.
    Default,
    /// Alibaba V3 / Huawei AK/SK.
    Alternate,
}

/// An emulator with `instances` instances per cloud and fast transitions.
pub async fn sim(transition: Duration, instances: usize) -> Sim {
    let mut alibaba = AlibabaConfig::default();
    let mut huawei = HuaweiConfig::default();
    grow_alibaba(&mut alibaba, instances);
    grow_huawei(&mut huawei, instances);
    SimBuilder::new()
        .transition_delay(transition)
        .alibaba(alibaba)
        .huawei(huawei)
        .start()
        .await
        .unwrap()
}

fn grow_alibaba(config: &mut AlibabaConfig, count: usize) {
    let template = config.instances[0].clone();
    for n in config.instances.len()..count {
        let mut instance = template.clone();
        instance.id = format!("i-soak{n:04}");
        instance.network_interface_id = format!("eni-soak{n:04}");
        instance.private_ip_address = Ipv4Addr::new(192, 168, 10, (n % 250) as u8 + 2);
        config.instances.push(instance);
    }
}

fn grow_huawei(config: &mut HuaweiConfig, count: usize) {
    let template = config.servers[0].clone();
    for n in config.servers.len()..count {
        let mut server = template.clone();
        server.id = format!("5a0e1a2b-0000-4000-8000-{n:012}");
        server.name = format!("soak-{n}");
        server.primary_port.id = format!("9b1c2d3e-0000-4000-8000-{n:012}");
        server.primary_port.ip_address = Ipv4Addr::new(192, 168, 20, (n % 250) as u8 + 2);
        server.primary_port.mac_address = format!("fa:16:3e:00:{:02x}:{:02x}", n / 256, n % 256);
        server.secondary_ports.clear();
        config.servers.push(server);
    }
}

/// A retry policy for tests: many quick attempts.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(20)
        .delays(Duration::from_millis(2), Duration::from_millis(50))
        .budget(Duration::from_secs(60))
        // The emulator's reads do not lag: a short settle window, so that a write answered 5xx
        // (settled by reading back, not repeated) is sent again within milliseconds.
        .with_settle(settle())
}

/// A 40 ms settle window read every 10 ms, with reads to spare for read-backs that are
/// themselves throttled under the soak's faults.
fn settle() -> multicloud_eip::retry::SettlePolicy {
    let mut settle = multicloud_eip::retry::SettlePolicy::new(
        Duration::from_millis(40),
        Duration::from_millis(10),
    );
    settle.max_reads = 50;
    settle
}

/// A wait policy for tests.
pub fn fast_wait() -> WaitPolicy {
    WaitPolicy::default()
        .intervals(Duration::from_millis(5), Duration::from_millis(50))
        .first_delay(Duration::from_millis(5))
        .max_wait(Duration::from_secs(30))
}

/// A provider of `cloud` on `sim`.
pub fn provider(sim: &Sim, cloud: Cloud, auth: Auth, retry: RetryPolicy) -> Arc<dyn EipProvider> {
    match cloud {
        Cloud::Alibaba => Arc::new(alibaba(sim, auth, retry)),
        Cloud::Huawei => Arc::new(huawei(sim, auth, retry)),
    }
}

/// An Alibaba provider on `sim`.
pub fn alibaba(sim: &Sim, auth: Auth, retry: RetryPolicy) -> AlibabaProvider {
    let info = sim.alibaba();
    let version = if auth == Auth::Alternate {
        SignatureVersion::V3
    } else {
        SignatureVersion::V1
    };
    AlibabaProvider::builder()
        .with_region(info.region.clone())
        .with_credentials(AlibabaKey::new(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
        ))
        .with_endpoint(&info.endpoint)
        .with_signature_version(version)
        .with_retry(retry)
        .build()
        .unwrap()
}

/// A Huawei provider on `sim`.
pub fn huawei(sim: &Sim, auth: Auth, retry: RetryPolicy) -> HuaweiProvider {
    let info = sim.huawei();
    let builder = HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(&info.iam_endpoint)
        .with_vpc_endpoint(&info.vpc_endpoint)
        .with_retry(retry)
        // The provider's default bucket is the gateway's real quota (200 requests per 5
        // minutes); these suites make thousands of requests against the emulator.
        .with_rate_limiter(None);
    let builder = match auth {
        Auth::Default => builder.with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        )),
        Auth::Alternate => builder
            .with_project_id(info.project_id.clone())
            .with_access_key(HuaweiKey::new(
                info.access_key.clone(),
                info.secret_key.clone(),
            )),
    };
    builder.build().unwrap()
}

/// The instance ids of `cloud` on `sim`.
pub fn instances(sim: &Sim, cloud: Cloud) -> Vec<String> {
    match cloud {
        Cloud::Alibaba => sim.alibaba().instances.clone(),
        Cloud::Huawei => sim.huawei().servers.iter().map(|s| s.id.clone()).collect(),
    }
}

/// The emulator's action names for each normalized operation.
pub fn action(cloud: Cloud, operation: &str) -> &'static str {
    match (cloud, operation) {
        (Cloud::Alibaba, "allocate") => "AllocateEipAddress",
        (Cloud::Alibaba, "associate") => "AssociateEipAddress",
        (Cloud::Alibaba, "disassociate") => "UnassociateEipAddress",
        (Cloud::Alibaba, "modify") => "ModifyEipAddressAttribute",
        (Cloud::Alibaba, "release") => "ReleaseEipAddress",
        (Cloud::Huawei, "allocate") => "CreatePublicip",
        (Cloud::Huawei, "associate" | "disassociate" | "modify") => "UpdatePublicip",
        (Cloud::Huawei, "release") => "DeletePublicip",
        _ => panic!("no action for {operation}"),
    }
}
