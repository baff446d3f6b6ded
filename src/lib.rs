//! Elastic IPs on Alibaba Cloud and Huawei Cloud through one interface.
//!
//! ```no_run
//! use multicloud_eip::{connect, AllocateRequest, AssociateTarget, EipProviderExt, WaitPolicy};
//!
//! # async fn demo() -> multicloud_eip::Result<()> {
//! // Credentials come from the environment (each provider's `from_env`).
//! let eips = connect("alibaba://cn-hangzhou")?;
//! let eip = eips.allocate(&AllocateRequest::new().bandwidth(5).name("web-1")).await?;
//! let web = AssociateTarget::instance("i-bp1abc");
//! eips.associate(&eip.id, &web).await?;
//! eips.wait_until_bound_to(&eip.id, &web, &WaitPolicy::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Providers are chosen by a spec string ([`connect`]):
//!
//! | spec | provider |
//! |---|---|
//! | `alibaba://<region>[?endpoint=URL&signature=v1\|v3]` | Alibaba Cloud VPC (feature `alibaba`) |
//! | `huawei://<region>[?project_id=ID&iam_endpoint=URL&vpc_endpoint=URL&auth=token\|aksk]` | Huawei Cloud VPC v1 (feature `huawei`) |
//! | `sim://alibaba`, `sim://huawei` | the embedded emulator (feature `sim`) |
#![deny(missing_docs)]

use std::sync::Arc;

pub use eip_core::*;

#[cfg(feature = "alibaba")]
pub use eip_alibaba as alibaba;
#[cfg(feature = "huawei")]
pub use eip_huawei as huawei;
#[cfg(feature = "sim")]
pub use eip_sim as sim;

/// The environment variable that holds the provider spec when none is given.
pub const PROVIDER_ENV: &str = "EIP_PROVIDER";

/// The schemes [`connect`] understands (with the features this build has).
pub fn schemes() -> Vec<&'static str> {
    let mut schemes = Vec::new();
    if cfg!(feature = "alibaba") {
        schemes.push("alibaba://<region>");
    }
    if cfg!(feature = "huawei") {
        schemes.push("huawei://<region>");
    }
    if cfg!(feature = "sim") {
        schemes.push("sim://alibaba");
        schemes.push("sim://huawei");
    }
    schemes
}

/// A provider from one spec string, with credentials from the environment.
///
/// See the crate documentation for the specs. Unknown schemes and unknown query keys are refused
/// with [`Error::InvalidInput`] listing the valid ones; nothing is sent.
pub fn connect(spec: &str) -> Result<Arc<dyn EipProvider>> {
    connect_with(spec, &ConnectOptions::default())
}

/// What [`connect_with`] may set besides the spec.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// The retry policy; each provider's default when `None`.
    pub retry: Option<RetryPolicy>,
    /// The timeouts; each provider's default when `None`.
    pub timeouts: Option<Timeouts>,
}

impl ConnectOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sets the timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = Some(timeouts);
        self
    }
}

/// Like [`connect`], with a retry policy and timeouts.
pub fn connect_with(spec: &str, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    let spec = Spec::parse(spec)?;
    match spec.scheme.as_str() {
        #[cfg(feature = "alibaba")]
        "alibaba" => connect_alibaba(&spec, options),
        #[cfg(feature = "huawei")]
        "huawei" => connect_huawei(&spec, options),
        #[cfg(feature = "sim")]
        "sim" => embedded::connect(&spec, options),
        other => Err(Error::invalid_input(
            "provider",
            format!("unknown scheme {other:?}; valid: {}", schemes().join(", ")),
        )),
    }
}

/// A provider from the spec in [`PROVIDER_ENV`].
pub fn connect_from_env() -> Result<Arc<dyn EipProvider>> {
    match std::env::var(PROVIDER_ENV) {
        Ok(spec) if !spec.trim().is_empty() => connect(spec.trim()),
        _ => Err(Error::invalid_input(
            PROVIDER_ENV,
            format!(
                "not set; give a provider spec such as {}",
                schemes().join(", ")
            ),
        )),
    }
}

/// A parsed provider spec.
#[derive(Debug)]
struct Spec {
    scheme: String,
    host: String,
    query: Vec<(String, String)>,
}

impl Spec {
    fn parse(text: &str) -> Result<Self> {
        let bad = |reason: String| Error::invalid_input("provider", reason);
        let url = url::Url::parse(text).map_err(|e| {
            bad(format!(
                "{text:?} is not a provider spec ({e}); valid: {}",
                schemes().join(", ")
            ))
        })?;
        let host = url.host_str().unwrap_or_default().to_owned();
        if host.is_empty() {
            return Err(bad(format!(
                "{text:?} names no region or cloud after '://'"
            )));
        }
        if !matches!(url.path(), "" | "/") {
            return Err(bad(format!(
                "{text:?} has an unexpected path {:?}",
                url.path()
            )));
        }
        let query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Self {
            scheme: url.scheme().to_owned(),
            host,
            query,
        })
    }

    /// The query value of `key`, after checking that every key is one of `allowed`.
    fn params(&self, allowed: &[&str]) -> Result<std::collections::HashMap<&str, &str>> {
        let mut params = std::collections::HashMap::new();
        for (key, value) in &self.query {
            if !allowed.contains(&key.as_str()) {
                return Err(Error::invalid_input(
                    "provider",
                    format!(
                        "unknown option {key:?} for {}://; valid: {}",
                        self.scheme,
                        allowed.join(", ")
                    ),
                ));
            }
            if params.insert(key.as_str(), value.as_str()).is_some() {
                return Err(Error::invalid_input(
                    "provider",
                    format!("option {key:?} given twice"),
                ));
            }
        }
        Ok(params)
    }
}

#[cfg(feature = "alibaba")]
fn connect_alibaba(spec: &Spec, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    let params = spec.params(&["endpoint", "signature"])?;
    let mut builder = eip_alibaba::AlibabaBuilder::from_env()?.with_region(spec.host.clone());
    if let Some(endpoint) = params.get("endpoint") {
        builder = builder.with_endpoint(endpoint);
    }
    builder = builder.with_signature_version(signature_version(params.get("signature").copied())?);
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    Ok(Arc::new(builder.build()?))
}

/// The `signature=` option of Alibaba specs: `v1` (the default) or `v3`.
#[cfg(feature = "alibaba")]
fn signature_version(option: Option<&str>) -> Result<eip_alibaba::SignatureVersion> {
    match option {
        None | Some("v1") => Ok(eip_alibaba::SignatureVersion::V1),
        Some("v3") => Ok(eip_alibaba::SignatureVersion::V3),
        Some(other) => Err(Error::invalid_input(
            "signature",
            format!("{other:?} is not v1 or v3"),
        )),
    }
}

#[cfg(feature = "huawei")]
fn connect_huawei(spec: &Spec, options: &ConnectOptions) -> Result<Arc<dyn EipProvider>> {
    use eip_huawei::AuthMethod;
    let params = spec.params(&["project_id", "iam_endpoint", "vpc_endpoint", "auth"])?;
    let method = match params.get("auth").copied() {
        None => None,
        Some("token") => Some(AuthMethod::Token),
        Some("aksk") => Some(AuthMethod::AccessKey),
        Some(other) => {
            return Err(Error::invalid_input(
                "auth",
                format!("{other:?} is not token or aksk"),
            ));
        }
    };
    let mut builder =
        eip_huawei::HuaweiBuilder::from_env_with_auth(method)?.with_region(spec.host.clone());
    if let Some(project) = params.get("project_id") {
        builder = builder.with_project_id(*project);
    }
    if let Some(url) = params.get("iam_endpoint") {
        builder = builder.with_iam_endpoint(*url);
    }
    if let Some(url) = params.get("vpc_endpoint") {
        builder = builder.with_vpc_endpoint(*url);
    }
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    Ok(Arc::new(builder.build()?))
}

#[cfg(feature = "sim")]
pub mod embedded;
