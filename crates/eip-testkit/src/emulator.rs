//! The emulator → configured-provider wiring: an in-process `eip-sim`, and providers of either
//! cloud pointed at it with the emulator's credentials and the fast policies.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use eip_alibaba::{AlibabaBuilder, AlibabaProvider, SignatureVersion};
use eip_core::{AllocateRequest, Eip, EipProvider, EipProviderExt, RetryPolicy};
use eip_huawei::{HuaweiBuilder, HuaweiProvider, PasswordAuth};
use eip_sim::{AlibabaConfig, HuaweiConfig, LoggedRequest, Sim, SimBuilder};

pub use eip_sim::Cloud;

use crate::policies::{fast_retry, fast_timeouts, fast_wait, TRANSITION};

/// How a provider authenticates to the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Alibaba: V1 (HMAC-SHA1) signatures. Huawei: an IAM password token.
    Default,
    /// Alibaba: V3 (ACS3-HMAC-SHA256) signatures. Huawei: AK/SK signatures with the project id.
    Alternate,
}

/// Both authentications, for tests that run every case with each.
pub const AUTHS: [Auth; 2] = [Auth::Default, Auth::Alternate];

/// Both clouds.
pub const CLOUDS: [Cloud; 2] = [Cloud::Alibaba, Cloud::Huawei];

/// A builder of the emulator with [`TRANSITION`]-long transitions; add configs and start it.
pub fn sim_builder() -> SimBuilder {
    SimBuilder::new().transition_delay(TRANSITION)
}

/// An emulator of both clouds with their default accounts and fast transitions.
///
/// # Panics
/// When the emulator cannot listen on loopback (a test set-up failure).
pub async fn sim() -> Sim {
    start(sim_builder()).await
}

/// An emulator with `transition`-long transitions whose accounts have at least `instances`
/// instances and servers each.
pub async fn sim_with(transition: Duration, instances: usize) -> Sim {
    let mut alibaba = AlibabaConfig::default();
    let mut huawei = HuaweiConfig::default();
    grow_alibaba(&mut alibaba, instances);
    grow_huawei(&mut huawei, instances);
    start(
        SimBuilder::new()
            .transition_delay(transition)
            .alibaba(alibaba)
            .huawei(huawei),
    )
    .await
}

/// An emulator whose accounts have at least `instances` instances (Alibaba) and servers
/// (Huawei) each, for tests that bind many addresses.
pub async fn sim_with_instances(instances: usize) -> Sim {
    let mut alibaba = AlibabaConfig::default();
    let mut huawei = HuaweiConfig::default();
    grow_alibaba(&mut alibaba, instances);
    grow_huawei(&mut huawei, instances);
    start(sim_builder().alibaba(alibaba).huawei(huawei)).await
}

/// An emulator with fast transitions whose Huawei account is `config` (Alibaba's is the
/// default).
pub async fn huawei_sim(config: HuaweiConfig) -> Sim {
    start(sim_builder().huawei(config)).await
}

/// Starts `builder`.
///
/// # Panics
/// When the emulator cannot listen on loopback.
pub async fn start(builder: SimBuilder) -> Sim {
    match builder.start().await {
        Ok(sim) => sim,
        Err(e) => panic!("the emulator did not start: {e}"),
    }
}

/// Adds instances (each with its own ENI and private IP) until the account has `count`.
pub fn grow_alibaba(config: &mut AlibabaConfig, count: usize) {
    let Some(template) = config.instances.first().cloned() else {
        return;
    };
    for n in config.instances.len()..count {
        let mut instance = template.clone();
        instance.id = format!("i-kit{n:04}");
        instance.network_interface_id = format!("eni-kit{n:04}");
        instance.private_ip_address = Ipv4Addr::new(192, 168, 10, (n % 250) as u8 + 2);
        config.instances.push(instance);
    }
}

/// Adds servers (each with one port of its own) until the account has `count`.
pub fn grow_huawei(config: &mut HuaweiConfig, count: usize) {
    let Some(template) = config.servers.first().cloned() else {
        return;
    };
    for n in config.servers.len()..count {
        let mut server = template.clone();
        server.id = format!("5a0e1a2b-0000-4000-8000-{n:012}");
        server.name = format!("kit-{n}");
        server.primary_port.id = format!("9b1c2d3e-0000-4000-8000-{n:012}");
        server.primary_port.ip_address = Ipv4Addr::new(192, 168, 20, (n % 250) as u8 + 2);
        server.primary_port.mac_address = format!("fa:16:3e:00:{:02x}:{:02x}", n / 256, n % 256);
        server.secondary_ports.clear();
        config.servers.push(server);
    }
}

/// An Alibaba builder aimed at `sim`: region, endpoint, the emulator's key, V1 signatures,
/// [`fast_retry`], [`fast_timeouts`] and no rate limiter (the default bucket, sized to a real
/// account's quota, would make a fault test wait seconds per request). Change what the test is about, then `build()`.
pub fn alibaba_builder(sim: &Sim) -> AlibabaBuilder {
    let info = sim.alibaba();
    AlibabaProvider::builder()
        .with_region(info.region.clone())
        .with_endpoint(&info.endpoint)
        .with_credentials(alibaba_key(sim))
        .with_signature_version(SignatureVersion::V1)
        .with_retry(fast_retry())
        .with_rate_limiter(None)
        .with_timeouts(fast_timeouts())
}

/// The emulator's Alibaba access key.
pub fn alibaba_key(sim: &Sim) -> eip_alibaba::AccessKey {
    let info = sim.alibaba();
    eip_alibaba::AccessKey::new(info.access_key_id.clone(), info.access_key_secret.as_str())
}

/// An Alibaba provider on `sim`.
///
/// # Panics
/// When the builder refuses the emulator's settings (a test set-up failure).
pub fn alibaba(sim: &Sim, auth: Auth) -> AlibabaProvider {
    alibaba_with(sim, auth, fast_retry())
}

/// An Alibaba provider on `sim` with this retry policy (a limiter it carries is used).
///
/// # Panics
/// When the builder refuses the emulator's settings (a test set-up failure).
pub fn alibaba_with(sim: &Sim, auth: Auth, retry: RetryPolicy) -> AlibabaProvider {
    let version = match auth {
        Auth::Default => SignatureVersion::V1,
        Auth::Alternate => SignatureVersion::V3,
    };
    let limiter = retry.limiter.clone();
    let builder = alibaba_builder(sim)
        .with_signature_version(version)
        .with_retry(retry)
        .with_rate_limiter(limiter);
    match builder.build() {
        Ok(provider) => provider,
        Err(e) => panic!("the Alibaba provider did not build: {e}"),
    }
}

/// A Huawei builder aimed at `sim` without credentials: region, IAM and VPC endpoints,
/// [`fast_retry`], [`fast_timeouts`] and no rate limiter (the default bucket of 200 requests per
/// 5 minutes would make a fault test wait 1.5 s per request). Add `with_password` or `with_access_key`.
pub fn huawei_builder(sim: &Sim) -> HuaweiBuilder {
    let info = sim.huawei();
    HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(info.iam_endpoint.clone())
        .with_vpc_endpoint(info.vpc_endpoint.clone())
        .with_retry(fast_retry())
        .with_rate_limiter(None)
        .with_timeouts(fast_timeouts())
        // The provider's default bucket is the gateway's real quota (200 requests per 5
        // minutes): a test suite would wait on it for minutes.
        .with_rate_limiter(None)
}

/// The emulator's Huawei IAM password.
pub fn huawei_password(sim: &Sim) -> PasswordAuth {
    let info = sim.huawei();
    PasswordAuth::new(
        info.user_name.clone(),
        info.password.clone(),
        info.domain_name.clone(),
    )
}

/// The emulator's Huawei AK/SK (with its security token, when the account has one).
pub fn huawei_key(sim: &Sim) -> eip_huawei::AccessKey {
    let info = sim.huawei();
    let key = eip_huawei::AccessKey::new(info.access_key.clone(), info.secret_key.clone());
    match &info.security_token {
        Some(token) => key.with_security_token(token.clone()),
        None => key,
    }
}

/// A Huawei provider on `sim`: password token ([`Auth::Default`]) or AK/SK with the project id
/// ([`Auth::Alternate`]).
///
/// # Panics
/// When the builder refuses the emulator's settings.
pub fn huawei(sim: &Sim, auth: Auth) -> HuaweiProvider {
    huawei_with(sim, auth, fast_retry())
}

/// A Huawei provider on `sim` with this retry policy (a limiter it carries is used).
///
/// # Panics
/// When the builder refuses the emulator's settings.
pub fn huawei_with(sim: &Sim, auth: Auth, retry: RetryPolicy) -> HuaweiProvider {
    let limiter = retry.limiter.clone();
    let builder = huawei_builder(sim)
        .with_retry(retry)
        .with_rate_limiter(limiter);
    let builder = match auth {
        Auth::Default => builder.with_password(huawei_password(sim)),
        Auth::Alternate => builder
            .with_project_id(sim.huawei().project_id.clone())
            .with_access_key(huawei_key(sim)),
    };
    match builder.build() {
        Ok(provider) => provider,
        Err(e) => panic!("the Huawei provider did not build: {e}"),
    }
}

/// A Huawei provider on `sim` signing with AK/SK that looks its project id up in IAM (no
/// project id given).
///
/// # Panics
/// When the builder refuses the emulator's settings.
pub fn huawei_looking_up_project(sim: &Sim) -> HuaweiProvider {
    match huawei_builder(sim).with_access_key(huawei_key(sim)).build() {
        Ok(provider) => provider,
        Err(e) => panic!("the Huawei provider did not build: {e}"),
    }
}

/// A provider of `cloud` on `sim`, as a trait object.
pub fn provider(sim: &Sim, cloud: Cloud, auth: Auth) -> Arc<dyn EipProvider> {
    provider_with(sim, cloud, auth, fast_retry())
}

/// A provider of `cloud` on `sim` with this retry policy, as a trait object.
pub fn provider_with(
    sim: &Sim,
    cloud: Cloud,
    auth: Auth,
    retry: RetryPolicy,
) -> Arc<dyn EipProvider> {
    match cloud {
        Cloud::Alibaba => Arc::new(alibaba_with(sim, auth, retry)),
        Cloud::Huawei => Arc::new(huawei_with(sim, auth, retry)),
    }
}

/// The ids addresses of `cloud` can be bound to (Alibaba instances, Huawei servers).
pub fn instances(sim: &Sim, cloud: Cloud) -> Vec<String> {
    match cloud {
        Cloud::Alibaba => sim.alibaba().instances.clone(),
        Cloud::Huawei => sim.huawei().servers.iter().map(|s| s.id.clone()).collect(),
    }
}

/// The logged requests naming `action`.
pub fn requests(sim: &Sim, action: &str) -> Vec<LoggedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

/// How many logged requests named `action`.
pub fn count(sim: &Sim, action: &str) -> usize {
    sim.requests().iter().filter(|r| r.action == action).count()
}

/// The ids of the addresses `cloud` holds.
pub fn inventory(sim: &Sim, cloud: Cloud) -> Vec<String> {
    sim.inventory()
        .into_iter()
        .filter(|item| item.cloud == cloud)
        .map(|item| item.id)
        .collect()
}

/// The actions of every logged request, in order.
pub fn actions(sim: &Sim) -> Vec<String> {
    sim.requests().into_iter().map(|r| r.action).collect()
}

/// Allocates a 5 Mbit/s address through `provider` and waits (with [`fast_wait`]) until it is
/// available.
///
/// # Panics
/// When the allocation or the wait fails (the test's set-up failed).
pub async fn available(provider: &dyn EipProvider) -> Eip {
    let eip = match provider
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
    {
        Ok(eip) => eip,
        Err(e) => panic!("allocate failed: {e}"),
    };
    match provider.wait_until_available(&eip.id, &fast_wait()).await {
        Ok(eip) => eip,
        Err(e) => panic!("{} never became available: {e}", eip.id),
    }
}

/// Creates `count` unbound addresses in `cloud` directly (no request is logged) and returns
/// the ids `cloud` then holds.
///
/// # Panics
/// When the emulator refuses (a count over its cap).
pub fn seed(sim: &Sim, cloud: Cloud, count: usize) -> Vec<String> {
    if let Err(e) = sim.control(cloud, "seed_eips", serde_json::json!({ "count": count })) {
        panic!("seed_eips refused: {e}");
    }
    inventory(sim, cloud)
}

/// The emulator's action name for a normalized operation (`allocate`, `associate`,
/// `disassociate`, `modify`, `release`, `get`, `list`).
///
/// # Panics
/// On an operation name not in that list.
pub fn action(cloud: Cloud, operation: &str) -> &'static str {
    match (cloud, operation) {
        (Cloud::Alibaba, "allocate") => "AllocateEipAddress",
        (Cloud::Alibaba, "associate") => "AssociateEipAddress",
        (Cloud::Alibaba, "disassociate") => "UnassociateEipAddress",
        (Cloud::Alibaba, "modify") => "ModifyEipAddressAttribute",
        (Cloud::Alibaba, "release") => "ReleaseEipAddress",
        (Cloud::Alibaba, "get" | "list") => "DescribeEipAddresses",
        (Cloud::Huawei, "allocate") => "CreatePublicip",
        (Cloud::Huawei, "associate" | "disassociate" | "modify") => "UpdatePublicip",
        (Cloud::Huawei, "release") => "DeletePublicip",
        (Cloud::Huawei, "get") => "ShowPublicip",
        (Cloud::Huawei, "list") => "ListPublicips",
        _ => panic!("no emulator action for {operation:?}"),
    }
}
