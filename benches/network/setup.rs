//! The machine description, the HTTP client every measurement shares, and providers on an
//! emulator.

use std::time::Duration;

use multicloud_eip::alibaba::{AccessKey as AlibabaKey, AlibabaProvider, SignatureVersion};
use multicloud_eip::huawei::{AccessKey as HuaweiKey, HuaweiProvider, PasswordAuth};
use multicloud_eip::sim::{Cloud, Sim};

use crate::BenchResult;

/// CPU count and model, memory, kernel: what the figures were measured on.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = field(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into());
    let mhz = field(&cpuinfo, "cpu MHz")
        .map(|m| format!(" @ {m} MHz"))
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = field(&meminfo, "MemTotal").unwrap_or_else(|| "?".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "machine: {cpus} CPUs (nproc), {model}{mhz}; memory {memory}; {} {}; kernel {}\n",
        std::env::consts::OS,
        std::env::consts::ARCH,
        kernel.trim()
    )
}

/// The value of the first `name : value` line of a /proc file.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find(|line| line.split(':').next().is_some_and(|key| key.trim() == name))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim().to_owned())
}

/// One keep-alive client with the settings the providers' builders use by default (connect
/// timeout, no redirects), handed to the providers and used bare for the baselines.
pub fn http_client() -> BenchResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// An Alibaba provider on `sim`.
pub fn alibaba(
    sim: &Sim,
    version: SignatureVersion,
    client: &reqwest::Client,
) -> BenchResult<AlibabaProvider> {
    let info = sim.alibaba();
    Ok(AlibabaProvider::builder()
        .with_region(info.region.clone())
        .with_credentials(AlibabaKey::new(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
        ))
        .with_endpoint(&info.endpoint)
        .with_signature_version(version)
        .with_client(client.clone())
        // The default bucket is sized to a real account's quota; the emulator has none unless
        // a section turns one on, and the figures are about the client, not the bucket.
        .with_rate_limiter(None)
        .build()?)
}

/// How a Huawei provider authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HuaweiAuth {
    /// IAM password → one cached token.
    Token,
    /// Every request signed with AK/SK.
    AkSk,
}

/// A Huawei provider on `sim`.
pub fn huawei(
    sim: &Sim,
    auth: HuaweiAuth,
    client: &reqwest::Client,
) -> BenchResult<HuaweiProvider> {
    let info = sim.huawei();
    let builder = HuaweiProvider::builder()
        .with_region(info.region.clone())
        .with_iam_endpoint(&info.iam_endpoint)
        .with_vpc_endpoint(&info.vpc_endpoint)
        .with_client(client.clone())
        // The default 200-per-5-minutes bucket would pace the runner at 1.5 s per request.
        .with_rate_limiter(None);
    let builder = match auth {
        HuaweiAuth::Token => builder.with_password(PasswordAuth::new(
            info.user_name.clone(),
            info.password.clone(),
            info.domain_name.clone(),
        )),
        HuaweiAuth::AkSk => builder
            .with_project_id(info.project_id.clone())
            .with_access_key(HuaweiKey::new(
                info.access_key.clone(),
                info.secret_key.clone(),
            )),
    };
    Ok(builder.build()?)
}

/// Seeds `count` unbound EIPs in `cloud` and returns the ids of every EIP it holds.
pub fn seed(sim: &Sim, cloud: Cloud, count: usize) -> BenchResult<Vec<String>> {
    sim.control(cloud, "seed_eips", serde_json::json!({ "count": count }))?;
    Ok(sim
        .inventory()
        .into_iter()
        .filter(|item| item.cloud == cloud)
        .map(|item| item.id)
        .collect())
}
