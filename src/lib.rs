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
//! | `alibaba://<region>[?endpoint=URL&signature=v1\|v3&endpoint_type=vpc]` | Alibaba Cloud VPC (feature `alibaba`) |
//! | `huawei://<region>[?project_id=ID&iam_endpoint=URL&vpc_endpoint=URL&eps_endpoint=URL&auth=token\|aksk]` | Huawei Cloud VPC v1 (feature `huawei`) |
//! | `sim://alibaba`, `sim://huawei` | the embedded emulator (feature `sim`) |
//!
//! A provider is one region; [`connect_regions`] builds one per region from one spec, and
//! [`list_all`] lists them all at once, streaming each region's addresses as it answers.
//! [`sweep`] releases the unbound addresses a filter selects (leaks), never a bound one.
//!
//! A spec's `endpoint=`, `iam_endpoint=`, `vpc_endpoint=` and `eps_endpoint=` must name a loopback host or a host
//! under the cloud's own domains (Alibaba `*.aliyuncs.com`; Huawei `*.myhuaweicloud.com`,
//! `*.myhuaweicloud.eu`, `*.myhuaweicloud.cn`): the spec often comes from the environment
//! ([`PROVIDER_ENV`]), and the provider sends the environment's credentials to that host. Any
//! other host is refused with [`Error::InvalidInput`] naming the option, unless the caller opts in
//! with [`ConnectOptions::allow_custom_endpoint`]. The endpoint variables the builders' `from_env`
//! read get the same check: Huawei's IAM variables (`HUAWEICLOUD_SDK_IAM_ENDPOINT`, `HW_AUTH_URL`,
//! `OS_AUTH_URL`) when the spec has no `iam_endpoint=`, `HW_CLOUD` (the domain of the default IAM
//! and VPC endpoints), and Alibaba's `ALIBABA_CLOUD_STS_ENDPOINT`.
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
    /// Whether a spec may point `endpoint=`, `iam_endpoint=`, `vpc_endpoint=` or `eps_endpoint=`
    /// at a host outside the cloud's domains (a proxy, a private deployment). `false` by default.
    pub allow_custom_endpoint: bool,
    /// A directory where temporary credentials are kept across processes (see
    /// `eip_http::FileCache`); `None`: in memory only.
    pub credential_cache: Option<std::path::PathBuf>,
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

    /// Allows (or, with `false`, refuses again) endpoint options naming a host that is neither
    /// loopback nor under the cloud's documented domains. Only for endpoints the caller chose
    /// itself: credentials are sent there.
    ///
    /// ```
    /// use multicloud_eip::{connect_with, ConnectOptions, Error};
    ///
    /// let spec = "alibaba://cn-hangzhou?endpoint=https://vpc.example.net";
    /// let refused = connect_with(spec, &ConnectOptions::new()).err();
    /// assert!(matches!(refused, Some(Error::InvalidInput { field, .. }) if field == "endpoint"));
    /// ```
    pub fn allow_custom_endpoint(mut self, allow: bool) -> Self {
        self.allow_custom_endpoint = allow;
        self
    }

    /// Keeps temporary credentials (STS, instance role) in this directory, files 0600 named
    /// by a hash of the identity, so that a tool run once per health check does not cost a
    /// token round trip each time.
    pub fn credential_cache(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.credential_cache = Some(dir.into());
        self
    }
}

/// Alibaba Cloud's API hosts: `<product>.aliyuncs.com`, `<product>.<region>.aliyuncs.com` and,
/// inside a VPC, `<product>-vpc.<region>.aliyuncs.com`
/// (<https://www.alibabacloud.com/help/en/openapi/endpoints>; alibabacloud-tea-openapi builds the
/// same names).
#[cfg(feature = "alibaba")]
const ALIBABA_DOMAINS: &[&str] = &["aliyuncs.com"];

/// Huawei Cloud's API hosts: `iam.<region>.myhuaweicloud.com` and `vpc.<region>.myhuaweicloud.com`
/// (<https://support.huaweicloud.com/en-us/api-iam/iam_01_0004.html>), the Europe site's
/// `*.myhuaweicloud.eu` (<https://support.huaweicloud.com/eu/api-drs/drs_api_0111.html>; Terraform's
/// `huaweicloud/provider.go` `getCloudDomain`), and `*.myhuaweicloud.cn`, which the official
/// SDK's region tables use for some regions (huaweicloud-sdk-python-v3,
/// `huaweicloudsdknat/v2/region/nat_region.py`, ap-southeast-4).
#[cfg(feature = "huawei")]
const HUAWEI_DOMAINS: &[&str] = &["myhuaweicloud.com", "myhuaweicloud.eu", "myhuaweicloud.cn"];

/// Refuses an endpoint option whose host is neither loopback nor under one of `domains`, unless
/// [`ConnectOptions::allow_custom_endpoint`]. Everything else about the URL (scheme, path, plain
/// http only to loopback) is the provider builder's check.
#[cfg(any(feature = "alibaba", feature = "huawei"))]
fn check_endpoint(
    option: &str,
    endpoint: &str,
    domains: &[&str],
    options: &ConnectOptions,
) -> Result<()> {
    if options.allow_custom_endpoint {
        return Ok(());
    }
    let url = url::Url::parse(endpoint)
        .map_err(|e| Error::invalid_input(option, format!("{endpoint:?} is not a URL: {e}")))?;
    let host = url.host_str().unwrap_or_default();
    if validate::is_loopback(host) {
        return Ok(());
    }
    // `url` lower-cases host names; a fully qualified name may end in a dot.
    let name = host.strip_suffix('.').unwrap_or(host);
    let under = |domain: &&str| {
        name.strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
    };
    if url.domain().is_some() && domains.iter().any(under) {
        return Ok(());
    }
    let allowed: Vec<String> = domains.iter().map(|d| format!("*.{d}")).collect();
    Err(Error::invalid_input(
        option,
        format!(
            "host {host:?} is neither loopback nor under {}; credentials would be sent there, \
             so a custom endpoint must be allowed explicitly \
             (ConnectOptions::allow_custom_endpoint, eipctl --allow-custom-endpoint)",
            allowed.join(", ")
        ),
    ))
}

/// A variable of the process environment, unless unset or blank.
#[cfg(any(feature = "alibaba", feature = "huawei"))]
fn process_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The builder also takes endpoints from the environment, where the same hostile environment
/// could have put them; they get the spec's check, naming the variable: the STS endpoint
/// (`ALIBABA_CLOUD_STS_ENDPOINT`, a host or a URL, where the OIDC token and the signed
/// AssumeRole go).
#[cfg(feature = "alibaba")]
fn check_alibaba_env(options: &ConnectOptions, var: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    const STS: &str = "ALIBABA_CLOUD_STS_ENDPOINT";
    if let Some(endpoint) = var(STS) {
        let url = if endpoint.contains("://") {
            endpoint
        } else {
            format!("https://{endpoint}")
        };
        check_endpoint(STS, &url, ALIBABA_DOMAINS, options)?;
    }
    Ok(())
}

/// [`check_alibaba_env`] for Huawei: the IAM endpoint variables (unless the spec has an
/// `iam_endpoint=`), and `HW_CLOUD`, the domain of the default `https://iam.<region>.<HW_CLOUD>`
/// and `https://vpc.<region>.<HW_CLOUD>` (unless the spec gives both).
#[cfg(feature = "huawei")]
fn check_huawei_env(
    region: &str,
    params: &std::collections::HashMap<&str, &str>,
    options: &ConnectOptions,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    if !params.contains_key("iam_endpoint") {
        for variable in eip_huawei::IAM_ENDPOINT_ENV {
            if let Some(endpoint) = var(variable) {
                check_endpoint(variable, &endpoint, HUAWEI_DOMAINS, options)?;
            }
        }
    }
    if !(params.contains_key("iam_endpoint") && params.contains_key("vpc_endpoint")) {
        if let Some(cloud) = var("HW_CLOUD") {
            let url = format!("https://iam.{region}.{cloud}");
            check_endpoint("HW_CLOUD", &url, HUAWEI_DOMAINS, options)?;
        }
    }
    Ok(())
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

/// One provider per region from one spec: the spec's region (its host) replaced by each of
/// `regions` in turn, everything else (endpoints, options, credentials) the same. The usual
/// way to build the fleet [`list_all`] lists:
///
/// ```no_run
/// use futures::StreamExt;
/// use multicloud_eip::{connect_regions, list_all, ConnectOptions, ListFilter};
///
/// # async fn demo() -> multicloud_eip::Result<()> {
/// let regions = ["cn-hangzhou", "cn-beijing", "ap-southeast-1"];
/// let fleet = connect_regions("alibaba://cn-hangzhou", &regions, &ConnectOptions::new())?;
/// let filter = ListFilter::new();
/// let mut all = list_all(&fleet, &filter);
/// while let Some(item) = all.next().await {
///     println!("{item}");
/// }
/// # Ok(()) }
/// ```
///
/// Each region is checked as an id ([`Error::InvalidInput`] naming `region`), duplicates are
/// built once, and no region at all is refused. `sim://` specs emulate one region and are
/// refused here. Nothing is sent: like [`connect_with`], this only builds the providers.
pub fn connect_regions<S: AsRef<str>>(
    spec: &str,
    regions: &[S],
    options: &ConnectOptions,
) -> Result<Vec<Arc<dyn EipProvider>>> {
    let parsed = Spec::parse(spec)?;
    if parsed.scheme == "sim" {
        return Err(Error::invalid_input(
            "region",
            "a sim:// spec emulates one region; give alibaba:// or huawei:// specs \
             (with endpoint= options to reach an emulator) to list several",
        ));
    }
    if regions.is_empty() {
        return Err(Error::invalid_input("region", "give at least one region"));
    }
    // Every region is checked before the first provider is built (which reads credentials).
    for region in regions {
        validate::id("region", region.as_ref())?;
    }
    let mut seen = std::collections::HashSet::new();
    let mut providers = Vec::new();
    for region in regions {
        let region = region.as_ref();
        if !seen.insert(region.to_owned()) {
            continue;
        }
        let mut url = url::Url::parse(spec)
            .map_err(|e| Error::invalid_input("provider", format!("{spec:?}: {e}")))?;
        url.set_host(Some(region))
            .map_err(|e| Error::invalid_input("region", format!("{region:?}: {e}")))?;
        providers.push(connect_with(url.as_str(), options)?);
    }
    Ok(providers)
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
    Ok(Arc::new(alibaba_provider(spec, options)?))
}

/// The id of the cloud server this process runs on, from the instance metadata service of
/// the spec's cloud (for `--to self`). Sends no request to the cloud's API.
pub async fn instance_id(spec: &str, options: &ConnectOptions) -> Result<String> {
    let spec = Spec::parse(spec)?;
    match spec.scheme.as_str() {
        #[cfg(feature = "alibaba")]
        "alibaba" => alibaba_provider(&spec, options)?.instance_id().await,
        #[cfg(feature = "huawei")]
        "huawei" => huawei_provider(&spec, options)?.instance_id().await,
        other => Err(Error::Unsupported {
            what: format!("finding this machine's instance on {other}"),
        }),
    }
}

#[cfg(feature = "alibaba")]
fn alibaba_provider(spec: &Spec, options: &ConnectOptions) -> Result<eip_alibaba::AlibabaProvider> {
    let params = spec.params(&["endpoint", "signature", "endpoint_type"])?;
    if let Some(endpoint) = params.get("endpoint") {
        check_endpoint("endpoint", endpoint, ALIBABA_DOMAINS, options)?;
    }
    check_alibaba_env(options, &process_var)?;
    let mut builder = eip_alibaba::AlibabaBuilder::from_env()?.with_region(spec.host.clone());
    if let Some(endpoint) = params.get("endpoint") {
        builder = builder.with_endpoint(endpoint);
    }
    builder = builder.with_signature_version(signature_version(params.get("signature").copied())?);
    if let Some(kind) = params.get("endpoint_type") {
        builder = builder.with_endpoint_type(kind.parse()?);
    }
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    if let Some(dir) = &options.credential_cache {
        builder = builder.with_credential_cache(eip_alibaba::FileCache::new(dir));
    }
    builder.build()
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
    Ok(Arc::new(huawei_provider(spec, options)?))
}

#[cfg(feature = "huawei")]
fn huawei_provider(spec: &Spec, options: &ConnectOptions) -> Result<eip_huawei::HuaweiProvider> {
    use eip_huawei::AuthMethod;
    let params = spec.params(&[
        "project_id",
        "iam_endpoint",
        "vpc_endpoint",
        "eps_endpoint",
        "auth",
    ])?;
    for option in ["iam_endpoint", "vpc_endpoint", "eps_endpoint"] {
        if let Some(endpoint) = params.get(option) {
            check_endpoint(option, endpoint, HUAWEI_DOMAINS, options)?;
        }
    }
    check_huawei_env(&spec.host, &params, options, &process_var)?;
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
    // Enterprise Project Management is a global service with its own endpoint (used by
    // `move_resource_group`).
    if let Some(url) = params.get("eps_endpoint") {
        builder = builder.with_eps_endpoint(*url);
    }
    if let Some(retry) = &options.retry {
        builder = builder.with_retry(retry.clone());
    }
    if let Some(timeouts) = options.timeouts {
        builder = builder.with_timeouts(timeouts);
    }
    if let Some(dir) = &options.credential_cache {
        builder = builder.with_credential_cache(eip_huawei::FileCache::new(dir));
    }
    builder.build()
}

#[cfg(feature = "sim")]
pub mod embedded;

#[cfg(all(test, feature = "alibaba", feature = "huawei"))]
mod tests {
    use super::*;

    fn refused_field(spec: &str, options: &ConnectOptions) -> Option<String> {
        match connect_with(spec, options) {
            Err(Error::InvalidInput { field, reason }) if reason.contains("neither loopback") => {
                Some(field)
            }
            _ => None,
        }
    }

    #[test]
    fn the_clouds_domains_and_loopback_pass_the_allow_list() {
        let strict = ConnectOptions::new();
        for (option, url, domains) in [
            ("endpoint", "https://vpc.aliyuncs.com", ALIBABA_DOMAINS),
            (
                "endpoint",
                "https://vpc.cn-beijing.aliyuncs.com.",
                ALIBABA_DOMAINS,
            ),
            (
                "endpoint",
                "https://VPC-VPC.CN-HANGZHOU.ALIYUNCS.COM:443",
                ALIBABA_DOMAINS,
            ),
            (
                "vpc_endpoint",
                "https://vpc.cn-north-4.myhuaweicloud.com",
                HUAWEI_DOMAINS,
            ),
            (
                "iam_endpoint",
                "https://iam.myhuaweicloud.eu/v3",
                HUAWEI_DOMAINS,
            ),
            (
                "vpc_endpoint",
                "https://vpc.ap-southeast-4.myhuaweicloud.cn",
                HUAWEI_DOMAINS,
            ),
            ("endpoint", "http://127.0.0.1:8080", ALIBABA_DOMAINS),
            ("endpoint", "http://127.9.9.9:8080", ALIBABA_DOMAINS),
            ("iam_endpoint", "http://[::1]:5000", HUAWEI_DOMAINS),
            ("vpc_endpoint", "http://localhost:5000", HUAWEI_DOMAINS),
        ] {
            assert!(
                check_endpoint(option, url, domains, &strict).is_ok(),
                "{option}={url}"
            );
        }
    }

    #[test]
    fn other_hosts_are_refused_naming_the_option_unless_allowed() {
        let strict = ConnectOptions::new();
        let open = ConnectOptions::new().allow_custom_endpoint(true);
        for (option, url, domains) in [
            ("endpoint", "https://aliyuncs.com", ALIBABA_DOMAINS),
            (
                "endpoint",
                "https://vpc.aliyuncs.com.evil.example",
                ALIBABA_DOMAINS,
            ),
            ("endpoint", "https://evilaliyuncs.com", ALIBABA_DOMAINS),
            (
                "endpoint",
                "https://vpc.aliyuncs.com@evil.example",
                ALIBABA_DOMAINS,
            ),
            ("endpoint", "https://vpc.myhuaweicloud.com", ALIBABA_DOMAINS),
            (
                "vpc_endpoint",
                "https://vpc.cn-hangzhou.aliyuncs.com",
                HUAWEI_DOMAINS,
            ),
            ("iam_endpoint", "https://198.51.100.4/v3", HUAWEI_DOMAINS),
            ("iam_endpoint", "https://0.0.0.0:443", HUAWEI_DOMAINS),
            ("vpc_endpoint", "https://[::ffff:127.0.0.1]", HUAWEI_DOMAINS),
        ] {
            match check_endpoint(option, url, domains, &strict) {
                Err(Error::InvalidInput { field, .. }) => assert_eq!(field, option, "{url}"),
                other => panic!("{option}={url}: {other:?}"),
            }
            assert!(check_endpoint(option, url, domains, &open).is_ok(), "{url}");
        }
        assert!(matches!(
            check_endpoint("endpoint", "not a url", ALIBABA_DOMAINS, &strict),
            Err(Error::InvalidInput { field, .. }) if field == "endpoint"
        ));
    }

    #[test]
    fn connect_regions_refuses_what_cannot_be_a_fleet_before_reading_credentials() {
        let options = ConnectOptions::new();
        let field = |spec: &str, regions: &[&str]| match connect_regions(spec, regions, &options) {
            Err(Error::InvalidInput { field, .. }) => field,
            Err(other) => panic!("{spec} {regions:?}: {other}"),
            Ok(_) => panic!("{spec} {regions:?}: built"),
        };
        assert_eq!(field("sim://alibaba", &["cn-hangzhou"]), "region");
        assert_eq!(field("alibaba://cn-hangzhou", &[]), "region");
        assert_eq!(
            field("huawei://cn-north-4", &["cn-north-4", "../x"]),
            "region"
        );
        assert_eq!(
            field("alibaba://cn-hangzhou?bogus=1", &["cn-beijing"]),
            "provider"
        );
    }

    /// The check runs before the builder reads any credential, for every option of every spec.
    #[test]
    fn specs_are_checked_before_credentials_are_read() {
        let strict = ConnectOptions::new();
        for (spec, option) in [
            (
                "alibaba://cn-hangzhou?endpoint=https://evil.example",
                "endpoint",
            ),
            (
                "huawei://cn-north-4?iam_endpoint=https://evil.example",
                "iam_endpoint",
            ),
            (
                "huawei://cn-north-4?vpc_endpoint=https://evil.example",
                "vpc_endpoint",
            ),
        ] {
            assert_eq!(
                refused_field(spec, &strict).as_deref(),
                Some(option),
                "{spec}"
            );
            let open = ConnectOptions::new().allow_custom_endpoint(true);
            assert_eq!(refused_field(spec, &open), None, "{spec}");
        }
    }

    /// The endpoint variables the builders read get the spec's check, naming the variable.
    #[test]
    fn endpoint_variables_are_checked_naming_the_variable() {
        let strict = ConnectOptions::new();
        let open = ConnectOptions::new().allow_custom_endpoint(true);
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let field = |result: Result<()>| match result {
            Err(Error::InvalidInput { field, reason }) if reason.contains("neither loopback") => {
                field
            }
            other => panic!("{other:?}"),
        };
        let none = std::collections::HashMap::new();

        for sts in ["sts.evil.example", "http://198.51.100.7"] {
            let env = move |name: &str| (name == "ALIBABA_CLOUD_STS_ENDPOINT").then(|| sts.into());
            assert_eq!(
                field(check_alibaba_env(&strict, &env)),
                "ALIBABA_CLOUD_STS_ENDPOINT"
            );
            assert!(check_alibaba_env(&open, &env).is_ok());
        }
        for fine in ["sts-vpc.cn-hangzhou.aliyuncs.com", "http://127.0.0.1:8100"] {
            let env = move |name: &str| (name == "ALIBABA_CLOUD_STS_ENDPOINT").then(|| fine.into());
            assert!(check_alibaba_env(&strict, &env).is_ok(), "{fine}");
        }

        let cloud = vars(&[("HW_CLOUD", "evil.example")]);
        assert_eq!(
            field(check_huawei_env("cn-north-4", &none, &strict, &cloud)),
            "HW_CLOUD"
        );
        assert!(check_huawei_env("cn-north-4", &none, &open, &cloud).is_ok());
        let eu = vars(&[("HW_CLOUD", "myhuaweicloud.eu")]);
        assert!(check_huawei_env("eu-west-101", &none, &strict, &eu).is_ok());
        // Both endpoints given: HW_CLOUD builds neither.
        let both = std::collections::HashMap::from([
            ("iam_endpoint", "https://iam.cn-north-4.myhuaweicloud.com"),
            ("vpc_endpoint", "https://vpc.cn-north-4.myhuaweicloud.com"),
        ]);
        assert!(check_huawei_env("cn-north-4", &both, &strict, &cloud).is_ok());

        for variable in eip_huawei::IAM_ENDPOINT_ENV {
            let env =
                move |name: &str| (name == variable).then(|| "https://evil.example/v3".into());
            assert_eq!(
                field(check_huawei_env("cn-north-4", &none, &strict, &env)),
                variable
            );
        }
    }
}
