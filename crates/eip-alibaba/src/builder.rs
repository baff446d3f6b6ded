//! Configuration of an [`AlibabaProvider`], in the style of `object_store`'s builders.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use eip_core::{validate, Error, RateLimiter, Result, RetryPolicy, Timeouts};
use eip_http::{ClientOptions, HttpClient};
use url::Url;

use crate::client::{AlibabaProvider, Config};
use crate::credential::{self, AccessKey};

/// Which signature scheme requests carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignatureVersion {
    /// RPC HMAC-SHA1 (`SignatureVersion=1.0`, which Alibaba's documents call "V2"): the
    /// signature goes in the query. The default, as in Alibaba's classic SDK.
    #[default]
    V1,
    /// ACS3-HMAC-SHA256: the signature goes in the `Authorization` header.
    V3,
}

impl FromStr for SignatureVersion {
    type Err = Error;

    /// Parses `v1` or `v3` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "v1" | "1" | "1.0" | "hmac-sha1" => Ok(Self::V1),
            "v3" | "3" | "acs3-hmac-sha256" => Ok(Self::V3),
            _ => Err(Error::invalid_input(
                "signature_version",
                format!("{s:?} is neither v1 nor v3"),
            )),
        }
    }
}

/// Builds an [`AlibabaProvider`].
///
/// ```
/// use eip_alibaba::{AccessKey, AlibabaBuilder, SignatureVersion};
/// let provider = AlibabaBuilder::new()
///     .with_region("cn-beijing")
///     .with_credentials(AccessKey::new("LTAI-example", "secret"))
///     .with_signature_version(SignatureVersion::V3)
///     .build()
///     .unwrap();
/// assert_eq!(provider.endpoint().as_str(), "https://vpc.cn-beijing.aliyuncs.com/");
/// ```
#[derive(Clone, Default)]
pub struct AlibabaBuilder {
    region: Option<String>,
    credentials: Option<AccessKey>,
    endpoint: Option<String>,
    signature_version: SignatureVersion,
    retry: RetryPolicy,
    options: ClientOptions,
    rate_limiter: RateLimit,
}

/// The rate limiter the builder puts on the retry policy.
#[derive(Clone, Debug, Default)]
enum RateLimit {
    /// [`default_rate_limiter`], unless the retry policy brings its own.
    #[default]
    Default,
    /// This one (`None`: no limit).
    Given(Option<Arc<RateLimiter>>),
}

/// The requests per minute every provider instance allows itself by default: the documented
/// DescribeEipAddresses limit of an account, 600 per 60 s (EIP quotas,
/// <https://www.alibabacloud.com/help/en/eip/quotas>: "DescribeEipAddresses 600/60(s)";
/// AllocateEipAddress and AssociateEipAddress are 120/60(s), and the cloud's own `Throttling.Api`
/// answers, retried after their delay, keep writes under theirs). Waiter polls are reads, so a
/// fleet of pollers drawing from one instance stays under the quota instead of being refused.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;

/// A new limiter of [`DEFAULT_REQUESTS_PER_MINUTE`].
pub fn default_rate_limiter() -> Arc<RateLimiter> {
    Arc::new(RateLimiter::per_window(
        DEFAULT_REQUESTS_PER_MINUTE,
        Duration::from_secs(60),
    ))
}

impl fmt::Debug for AlibabaBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaBuilder")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            .field("signature_version", &self.signature_version)
            .field("retry", &self.retry)
            .field("options", &self.options)
            .field("rate_limiter", &self.rate_limiter)
            .finish()
    }
}

impl AlibabaBuilder {
    /// A builder with nothing set: default retries and timeouts, V1 signatures, the region's
    /// public HTTPS endpoint.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with credentials and region read from the environment and, when the environment
    /// holds no AccessKey, from the CLI profile file `~/.aliyun/config.json`.
    ///
    /// Variables, most preferred first: the standard names of the official credentials library
    /// (alibabacloud-credentials `alibabacloud_credentials/utils/auth_util.py`), then the aliases
    /// of the CLI (aliyun/aliyun-cli `config/profile.go`) and of Terraform's alicloud provider:
    /// - key id: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABACLOUD_ACCESS_KEY_ID`, `ALICLOUD_ACCESS_KEY_ID`, `ALICLOUD_ACCESS_KEY`;
    /// - secret: `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, `ALIBABACLOUD_ACCESS_KEY_SECRET`, `ALICLOUD_ACCESS_KEY_SECRET`, `ALICLOUD_SECRET_KEY`;
    /// - STS token: `ALIBABA_CLOUD_SECURITY_TOKEN`, `ALIBABACLOUD_SECURITY_TOKEN`, `ALICLOUD_SECURITY_TOKEN`;
    /// - region: `ALIBABA_CLOUD_REGION_ID`, `ALIBABACLOUD_REGION_ID`, `ALICLOUD_REGION_ID`, `ALICLOUD_REGION`;
    /// - `ALIBABA_CLOUD_PROFILE` picks the profile of the file (else its `current`);
    ///   `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` skips the file.
    ///
    /// Profiles of mode `AK` and `StsToken` are supported. An incomplete or contradictory
    /// configuration (an id without a secret, two aliases with different values, a profile that
    /// does not exist) is an [`Error::InvalidInput`] naming the variable or file; finding nothing
    /// is not (set the credentials with [`AlibabaBuilder::with_credentials`]; [`build`](Self::build) reports
    /// what is still missing).
    pub fn from_env() -> Result<Self> {
        let env = |name: &str| std::env::var(name).ok();
        let home = credential::home_dir();
        let found = credential::discover(&env, home.as_deref())?;
        Ok(Self {
            region: found.region,
            credentials: found.credentials,
            ..Self::default()
        })
    }

    /// Sets the region (`cn-hangzhou`, `eu-central-1`...).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the credentials.
    pub fn with_credentials(mut self, credentials: AccessKey) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Overrides the endpoint with a URL (`https://vpc.example:8443`). Plain `http` is accepted
    /// only for a loopback host, unless [`with_allow_http(true)`](Self::with_allow_http).
    pub fn with_endpoint(mut self, endpoint: impl AsRef<str>) -> Self {
        self.endpoint = Some(endpoint.as_ref().to_owned());
        self
    }

    /// Chooses the signature scheme ([`SignatureVersion::V1`] by default).
    pub fn with_signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Shares this token bucket among every request of the provider (operations and waiter
    /// polls); `None` for no limit. By default each provider gets its own
    /// [`default_rate_limiter`], unless the retry policy of [`with_retry`](Self::with_retry)
    /// carries one. Share one limiter between the providers of one account to keep them all
    /// under its quota.
    pub fn with_rate_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.rate_limiter = RateLimit::Given(limiter);
        self
    }

    /// Sets the timeouts (connect, attempt, operation).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options = self.options.with_timeouts(timeouts);
        self
    }

    /// Sets how requests travel (timeouts, proxy, root certificates, user agent, answer size
    /// cap), replacing what the other transport setters set.
    pub fn with_client_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends every https request through this proxy (`http://host:port`, no credentials in it);
    /// plain-http endpoints (an emulator on loopback) never use a proxy. Without it,
    /// `HTTPS_PROXY` / `NO_PROXY` are honoured for https only.
    pub fn with_proxy(mut self, url: impl Into<String>) -> Self {
        self.options = self.options.with_proxy(url);
        self
    }

    /// Trusts the certificates of this PEM file in addition to the bundled roots (a company's
    /// TLS-inspecting proxy, the system bundle).
    pub fn with_root_certificate_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.options = self.options.with_root_certificate_file(path);
        self
    }

    /// Appends a product token (`mytool/1.0`) to the `User-Agent`.
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.options = self.options.with_user_agent_suffix(suffix);
        self
    }

    /// Uses this HTTP client (to share a connection pool). It must refuse redirects and use no
    /// proxy for plain http: see [`ClientOptions::with_http_client`].
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.options = self.options.with_http_client(client);
        self
    }

    /// Allows plain `http` to hosts other than loopback.
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.options = self.options.with_allow_http(allow);
        self
    }

    /// Checks the configuration and builds the provider. Sends nothing.
    pub fn build(self) -> Result<AlibabaProvider> {
        let region = self.region.ok_or_else(|| {
            Error::invalid_input(
                "region",
                "no region: call with_region or set ALIBABA_CLOUD_REGION_ID",
            )
        })?;
        check_region(&region)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::invalid_input(
                "credentials",
                "no credentials: call with_credentials, set ALIBABA_CLOUD_ACCESS_KEY_ID and \
                 ALIBABA_CLOUD_ACCESS_KEY_SECRET, or configure ~/.aliyun/config.json",
            )
        })?;
        check_credentials(&credentials)?;
        let endpoint = match &self.endpoint {
            Some(given) => parse_endpoint(given, &self.options)?,
            None => default_endpoint(&region)?,
        };
        // Alibaba answers carry their request id in the body; the STS token travels in a
        // header under V3.
        let http =
            HttpClient::new(&self.options)?.with_sensitive_headers(&["x-acs-security-token"]);
        let retry = match self.rate_limiter {
            RateLimit::Given(limiter) => self.retry.with_rate_limiter(limiter),
            RateLimit::Default if self.retry.limiter.is_some() => self.retry,
            RateLimit::Default => self.retry.with_rate_limiter(Some(default_rate_limiter())),
        };
        Ok(AlibabaProvider::from_config(Config {
            region,
            credentials,
            endpoint,
            signature_version: self.signature_version,
            retry,
            timeouts: self.options.timeouts(),
            http,
        }))
    }
}

fn check_region(region: &str) -> Result<()> {
    validate::region("region", region)
}

fn check_credentials(key: &AccessKey) -> Result<()> {
    if key.id.is_empty() {
        return Err(Error::invalid_input(
            "credentials.id",
            "the AccessKey ID is empty",
        ));
    }
    if key.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(
            "credentials.id",
            "the AccessKey ID contains whitespace",
        ));
    }
    if key.secret.is_empty() {
        return Err(Error::invalid_input(
            "credentials.secret",
            "the AccessKey secret is empty",
        ));
    }
    if key.security_token.as_ref().is_some_and(|t| t.is_empty()) {
        return Err(Error::invalid_input(
            "credentials.security_token",
            "the security token is empty",
        ));
    }
    Ok(())
}

/// The regions whose VPC endpoint is not `vpc.<region>.aliyuncs.com`, and their hosts, as the
/// official tea client resolves them: alibabacloud-vpc20160428 `alibabacloud_vpc20160428/client.py`,
/// `Client.__init__` (`self._endpoint_map`, with `self._endpoint_rule = 'regional'` for every
/// other region). Finance, government and internal regions are served by the central host; the
/// nebula (edge) regions by `vpc-nebula.cn-qingdao-nebula.aliyuncs.com`. `cn-beijing-finance-1`
/// is in the map of earlier releases of the same client (which also sent the older public
/// regions to the central host); the current release's map no longer lists it, and its regional
/// rule would invent a host that is not documented, so the central host is kept for it.
pub const ENDPOINT_MAP: &[(&str, &str)] = &[
    ("cn-hangzhou", "vpc.aliyuncs.com"),
    ("cn-shanghai-finance-1", "vpc.aliyuncs.com"),
    ("cn-shenzhen-finance-1", "vpc.aliyuncs.com"),
    ("cn-north-2-gov-1", "vpc.aliyuncs.com"),
    ("ap-northeast-2-pop", "vpc.aliyuncs.com"),
    ("cn-beijing-finance-1", "vpc.aliyuncs.com"),
    ("cn-beijing-finance-pop", "vpc.aliyuncs.com"),
    ("cn-beijing-gov-1", "vpc.aliyuncs.com"),
    ("cn-beijing-nu16-b01", "vpc.aliyuncs.com"),
    ("cn-edge-1", "vpc-nebula.cn-qingdao-nebula.aliyuncs.com"),
    ("cn-fujian", "vpc.aliyuncs.com"),
    ("cn-haidian-cm12-c01", "vpc.aliyuncs.com"),
    ("cn-hangzhou-bj-b01", "vpc.aliyuncs.com"),
    ("cn-hangzhou-finance", "vpc.aliyuncs.com"),
    ("cn-hangzhou-internal-prod-1", "vpc.aliyuncs.com"),
    (
        "cn-hangzhou-internal-test-1",
        "vpc-pre.cn-hangzhou.aliyuncs.com",
    ),
    (
        "cn-hangzhou-internal-test-2",
        "vpc-inner-pre.cn-hangzhou.aliyuncs.com",
    ),
    (
        "cn-hangzhou-internal-test-3",
        "vpc-pre.cn-hangzhou.aliyuncs.com",
    ),
    ("cn-hangzhou-test-306", "vpc-pre.cn-hangzhou.aliyuncs.com"),
    ("cn-hongkong-finance-pop", "vpc.aliyuncs.com"),
    (
        "cn-huhehaote-nebula-1",
        "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    ),
    (
        "cn-qingdao-nebula",
        "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    ),
    ("cn-shanghai-et15-b01", "vpc-pre.cn-hangzhou.aliyuncs.com"),
    ("cn-shanghai-et2-b01", "vpc.aliyuncs.com"),
    ("cn-shanghai-inner", "vpc.aliyuncs.com"),
    (
        "cn-shanghai-internal-test-1",
        "vpc-pre.cn-hangzhou.aliyuncs.com",
    ),
    ("cn-shenzhen-inner", "vpc.aliyuncs.com"),
    ("cn-shenzhen-st4-d01", "vpc.aliyuncs.com"),
    ("cn-shenzhen-su18-b01", "vpc.aliyuncs.com"),
    ("cn-wuhan", "vpc.aliyuncs.com"),
    ("cn-yushanfang", "vpc.aliyuncs.com"),
    ("cn-zhangbei", "vpc.aliyuncs.com"),
    ("cn-zhangbei-na61-b01", "vpc.aliyuncs.com"),
    ("cn-zhangjiakou-na62-a01", "vpc.cn-zhangjiakou.aliyuncs.com"),
    (
        "cn-zhengzhou-nebula-1",
        "vpc-nebula.cn-qingdao-nebula.aliyuncs.com",
    ),
    (
        "eu-west-1-oxs",
        "vpc-nebula.cn-shenzhen-cloudstone.aliyuncs.com",
    ),
    ("rus-west-1-pop", "vpc.aliyuncs.com"),
];

/// The public endpoint of a region, as the official tea client resolves it: the host of
/// [`ENDPOINT_MAP`] for the regions it lists, `vpc.<region>.aliyuncs.com` for the others; always
/// HTTPS (the client's default protocol).
pub fn default_endpoint(region: &str) -> Result<Url> {
    check_region(region)?;
    let host = match ENDPOINT_MAP.iter().find(|(r, _)| *r == region) {
        Some((_, host)) => (*host).to_owned(),
        None => format!("vpc.{region}.aliyuncs.com"),
    };
    Url::parse(&format!("https://{host}/"))
        .map_err(|e| Error::invalid_input("region", e.to_string()))
}

/// Parses an endpoint override: `http(s)://host[:port][/]`, no credentials, query or path.
fn parse_endpoint(given: &str, options: &ClientOptions) -> Result<Url> {
    let field = "endpoint";
    let url = Url::parse(given)
        .map_err(|e| Error::invalid_input(field, format!("{given:?} is not a URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_input(field, "has no host"));
    }
    options.check_endpoint(field, &url)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            field,
            "must be scheme://host[:port] without a path or query (RPC calls go to /)",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn field<T: fmt::Debug>(r: Result<T>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    fn configured() -> AlibabaBuilder {
        AlibabaBuilder::new()
            .with_region("cn-hangzhou")
            .with_credentials(AccessKey::new("id", "very-secret-value"))
    }

    #[test]
    fn endpoints_resolve_as_the_sdks_do() {
        for (region, url) in [
            ("cn-hangzhou", "https://vpc.aliyuncs.com/"),
            ("cn-shanghai-finance-1", "https://vpc.aliyuncs.com/"),
            ("cn-beijing-finance-1", "https://vpc.aliyuncs.com/"),
            ("cn-hangzhou-finance", "https://vpc.aliyuncs.com/"),
            ("cn-beijing-gov-1", "https://vpc.aliyuncs.com/"),
            (
                "cn-qingdao-nebula",
                "https://vpc-nebula.cn-qingdao-nebula.aliyuncs.com/",
            ),
            (
                "cn-huhehaote-nebula-1",
                "https://vpc-nebula.cn-qingdao-nebula.aliyuncs.com/",
            ),
            ("cn-wuhan", "https://vpc.aliyuncs.com/"),
            ("rus-west-1-pop", "https://vpc.aliyuncs.com/"),
            ("cn-beijing", "https://vpc.cn-beijing.aliyuncs.com/"),
            ("eu-central-1", "https://vpc.eu-central-1.aliyuncs.com/"),
            ("ap-southeast-1", "https://vpc.ap-southeast-1.aliyuncs.com/"),
            (
                "cn-zhangjiakou-na62-a01",
                "https://vpc.cn-zhangjiakou.aliyuncs.com/",
            ),
        ] {
            assert_eq!(default_endpoint(region).unwrap().as_str(), url, "{region}");
        }
    }

    #[test]
    fn regions_are_checked() {
        for bad in [
            "",
            "CN-HANGZHOU",
            "cn hangzhou",
            "cn-hangzhou/x",
            "cn_hangzhou",
        ] {
            assert_eq!(
                field(configured().with_region(bad).build()),
                "region",
                "{bad:?}"
            );
        }
        assert_eq!(
            field(
                AlibabaBuilder::new()
                    .with_credentials(AccessKey::new("a", "b"))
                    .build()
            ),
            "region"
        );
        assert_eq!(
            field(AlibabaBuilder::new().with_region("cn-hangzhou").build()),
            "credentials"
        );
        assert_eq!(
            field(
                configured()
                    .with_credentials(AccessKey::new("", "s"))
                    .build()
            ),
            "credentials.id"
        );
        assert_eq!(
            field(
                configured()
                    .with_credentials(AccessKey::new("i", ""))
                    .build()
            ),
            "credentials.secret"
        );
    }

    #[test]
    fn endpoint_overrides_are_checked() {
        let ok = |e: &str| {
            configured()
                .with_endpoint(e)
                .build()
                .unwrap()
                .endpoint()
                .to_string()
        };
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(ok("http://localhost:9/"), "http://localhost:9/");
        assert_eq!(ok("http://[::1]:9"), "http://[::1]:9/");
        assert_eq!(ok("https://vpc.example.com"), "https://vpc.example.com/");
        assert_eq!(
            configured()
                .with_endpoint("http://10.0.0.1:80")
                .with_allow_http(true)
                .build()
                .unwrap()
                .endpoint()
                .as_str(),
            "http://10.0.0.1/"
        );
        for bad in [
            "http://10.0.0.1:80",
            "ftp://127.0.0.1",
            "not a url",
            "https://u:p@h",
            "https://h/path",
            "https://h/?a=b",
        ] {
            assert_eq!(
                field(configured().with_endpoint(bad).build()),
                "endpoint",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_provider_draws_from_a_rate_limiter_unless_told_otherwise() {
        let provider = configured().build().unwrap();
        assert!(provider.retry_policy().limiter.is_some(), "the default");
        let shared = default_rate_limiter();
        let own = configured()
            .with_retry(RetryPolicy::default().with_rate_limiter(Some(shared.clone())))
            .build()
            .unwrap();
        assert!(Arc::ptr_eq(
            own.retry_policy().limiter.as_ref().unwrap(),
            &shared
        ));
        let none = configured().with_rate_limiter(None).build().unwrap();
        assert!(none.retry_policy().limiter.is_none());
    }

    #[test]
    fn signature_versions_parse() {
        assert_eq!(
            "V3".parse::<SignatureVersion>().unwrap(),
            SignatureVersion::V3
        );
        assert_eq!(
            "v1".parse::<SignatureVersion>().unwrap(),
            SignatureVersion::V1
        );
        assert_eq!(SignatureVersion::default(), SignatureVersion::V1);
        assert!("v2".parse::<SignatureVersion>().is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let builder = configured().with_credentials(
            AccessKey::new("id", "very-secret-value").with_security_token("sts-token-value"),
        );
        let provider = builder.clone().build().unwrap();
        for shown in [
            format!("{builder:?}"),
            format!("{provider:?}"),
            format!("{:#?}", AccessKey::new("id", "very-secret-value")),
        ] {
            assert!(
                !shown.contains("very-secret-value") && !shown.contains("sts-token-value"),
                "{shown}"
            );
            assert!(shown.contains("******"), "{shown}");
        }
    }

    /// Every test that changes the process environment lives here: the environment is global.
    #[test]
    fn from_env_reads_variables_and_the_profile_file() {
        const VARS: &[&str] = &[
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABACLOUD_ACCESS_KEY_ID",
            "ALICLOUD_ACCESS_KEY_ID",
            "ALICLOUD_ACCESS_KEY",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABACLOUD_ACCESS_KEY_SECRET",
            "ALICLOUD_ACCESS_KEY_SECRET",
            "ALICLOUD_SECRET_KEY",
            "ALIBABA_CLOUD_SECURITY_TOKEN",
            "ALIBABACLOUD_SECURITY_TOKEN",
            "ALICLOUD_SECURITY_TOKEN",
            "ALIBABA_CLOUD_REGION_ID",
            "ALIBABACLOUD_REGION_ID",
            "ALICLOUD_REGION_ID",
            "ALICLOUD_REGION",
            "ALIBABA_CLOUD_PROFILE",
            "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
            "HOME",
            "USERPROFILE",
        ];
        let saved: Vec<(&str, Option<std::ffi::OsString>)> =
            VARS.iter().map(|v| (*v, std::env::var_os(v))).collect();
        let home = std::env::temp_dir().join(format!(
            "eip-alibaba-home-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(home.join(".aliyun")).unwrap();
        // The environment is process-global: this is the only test in the crate that changes it.
        for v in VARS {
            std::env::remove_var(v);
        }
        std::env::set_var("HOME", &home);

        // Nothing configured: from_env succeeds, build names what is missing.
        assert_eq!(field(AlibabaBuilder::from_env().unwrap().build()), "region");

        // The environment.
        std::env::set_var("ALICLOUD_ACCESS_KEY", "env-id");
        std::env::set_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret");
        std::env::set_var("ALIBABA_CLOUD_REGION_ID", "cn-beijing");
        let provider = AlibabaBuilder::from_env().unwrap().build().unwrap();
        assert_eq!(eip_core::EipProvider::region(&provider), "cn-beijing");
        assert_eq!(
            provider.endpoint().as_str(),
            "https://vpc.cn-beijing.aliyuncs.com/"
        );
        assert!(!format!("{provider:?}").contains("env-secret"));

        // Half a key.
        std::env::remove_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        assert_eq!(
            field(AlibabaBuilder::from_env()),
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        );
        std::env::remove_var("ALICLOUD_ACCESS_KEY");

        // The CLI profile file under $HOME.
        std::fs::write(
            home.join(".aliyun").join("config.json"),
            r#"{"current":"work","profiles":[{"name":"work","mode":"StsToken","access_key_id":"file-id",
               "access_key_secret":"file-secret","sts_token":"file-token","region_id":"cn-shanghai"}]}"#,
        )
        .unwrap();
        std::env::remove_var("ALIBABA_CLOUD_REGION_ID");
        let builder = AlibabaBuilder::from_env().unwrap();
        let shown = format!("{builder:?}");
        assert!(
            shown.contains("file-id")
                && !shown.contains("file-secret")
                && !shown.contains("file-token"),
            "{shown}"
        );
        let provider = builder.build().unwrap();
        assert_eq!(eip_core::EipProvider::region(&provider), "cn-shanghai");
        std::env::set_var("ALIBABA_CLOUD_PROFILE", "missing");
        assert_eq!(field(AlibabaBuilder::from_env()), "ALIBABA_CLOUD_PROFILE");

        for (name, value) in saved {
            match value {
                Some(value) => std::env::set_var(name, value),
                None => std::env::remove_var(name),
            }
        }
        std::fs::remove_dir_all(&home).unwrap();
    }
}
