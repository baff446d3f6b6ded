//! Configuration of an [`AlibabaProvider`], in the style of `object_store`'s builders.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use eip_core::{validate, Error, RateLimiter, Result, RetryPolicy, Timeouts};
use eip_http::{ClientOptions, Env, FileCache, HttpClient, ProvideCredentials, StaticCredentials};
use url::Url;

use crate::chain::{self, Context};
use crate::client::{AlibabaProvider, Config};
use crate::credential::{self, AccessKey};
use crate::metadata::EcsMetadata;
use crate::sts::{self, AssumeRoleParams, Sts};

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
    credential_provider: Option<Arc<dyn ProvideCredentials>>,
    /// Set by `from_env`: the environment the default chain reads.
    env: Option<Env>,
    assume_roles: Vec<AssumeRoleParams>,
    metadata_endpoint: Option<String>,
    sts_endpoint: Option<String>,
    credential_cache: Option<FileCache>,
    endpoint_type: EndpointType,
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

/// The requests every provider instance on the cloud's endpoint allows itself per
/// [`DEFAULT_QUOTA_WINDOW`] by default: the documented DescribeEipAddresses limit of an account,
/// 600 per 60 s (EIP quotas, <https://www.alibabacloud.com/help/en/eip/quotas>:
/// "DescribeEipAddresses 600/60(s)"; AllocateEipAddress and AssociateEipAddress are 120/60(s),
/// and the cloud's own `Throttling.Api` answers, retried after their delay, keep writes under
/// theirs). Waiter polls are reads, so a fleet of pollers drawing from one instance stays under
/// the quota instead of being refused in the middle of a failover.
pub const DEFAULT_REQUESTS_PER_WINDOW: u32 = 600;

/// The window of [`DEFAULT_REQUESTS_PER_WINDOW`].
pub const DEFAULT_QUOTA_WINDOW: Duration = Duration::from_secs(60);

/// A new limiter of [`DEFAULT_REQUESTS_PER_WINDOW`] per [`DEFAULT_QUOTA_WINDOW`].
pub fn default_rate_limiter() -> Arc<RateLimiter> {
    Arc::new(RateLimiter::per_window(
        DEFAULT_REQUESTS_PER_WINDOW,
        DEFAULT_QUOTA_WINDOW,
    ))
}

/// Which network the cloud's endpoints are reached through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EndpointType {
    /// The public endpoints (`vpc.<region>.aliyuncs.com`, `sts.<region>.aliyuncs.com`).
    #[default]
    Public,
    /// The VPC-internal endpoints, for nodes without internet access
    /// (`vpc-vpc.<region>.aliyuncs.com`, `sts-vpc.<region>.aliyuncs.com`; the endpoint list,
    /// <https://api.alibabacloud.com/product/Vpc>, "VPC endpoint").
    Vpc,
}

impl FromStr for EndpointType {
    type Err = Error;

    /// Parses `public` or `vpc` (any case; `intranet` as `vpc`, as the SDKs' `endpointType`).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "public" | "" => Ok(Self::Public),
            "vpc" | "intranet" => Ok(Self::Vpc),
            _ => Err(Error::invalid_input(
                "endpoint_type",
                format!("{s:?} is neither public nor vpc"),
            )),
        }
    }
}

impl fmt::Debug for AlibabaBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaBuilder")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("credential_provider", &self.credential_provider)
            .field("env", &self.env)
            .field("assume_roles", &self.assume_roles)
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("credential_cache", &self.credential_cache)
            .field("endpoint_type", &self.endpoint_type)
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

    /// A builder whose credentials come from the default chain of the official credentials
    /// libraries (aliyun/credentials-go `credentials/providers/default.go`), tried in order at
    /// the first call, the first that yields remembered:
    ///
    /// 1. the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
    ///    `ALIBABA_CLOUD_SECURITY_TOKEN` (and the aliases of the CLI and Terraform), re-read
    ///    when the cloud calls the token expired;
    /// 2. an OIDC role (ACK RRSA): `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
    ///    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` (re-read at each refresh);
    /// 3. the CLI profile `ALIBABA_CLOUD_CONFIG_FILE` or `~/.aliyun/config.json` (profile
    ///    `ALIBABA_CLOUD_PROFILE` or `current`; modes AK, StsToken, RamRoleArn,
    ///    ChainableRamRoleArn, EcsRamRole, OIDC, CredentialsURI, External);
    /// 4. the credentials file `ALIBABA_CLOUD_CREDENTIALS_FILE` or `~/.alibabacloud/credentials`;
    /// 5. the ECS instance's RAM role from instance metadata (IMDSv2, IMDSv1 only when
    ///    `ALIBABA_CLOUD_IMDSV1_DISABLED` is not `true`);
    /// 6. `ALIBABA_CLOUD_CREDENTIALS_URI`.
    ///
    /// The region: `ALIBABA_CLOUD_REGION_ID` (and aliases), else the CLI profile's
    /// `region_id`. `ALIBABA_CLOUD_ENDPOINT_TYPE=vpc` selects the VPC endpoints. Half an
    /// AccessKey in the environment or two aliases with different values is an
    /// [`Error::InvalidInput`] naming the variable; finding no credentials is reported at the
    /// first call, as one [`Error::Unauthenticated`] listing every step and why it was skipped.
    pub fn from_env() -> Result<Self> {
        Self::from_env_in(Env::process())
    }

    /// [`from_env`](Self::from_env) reading `env` instead of the process environment (tests,
    /// tools holding several configurations).
    pub fn from_env_in(env: Env) -> Result<Self> {
        credential::from_env(&env)?;
        let region = match credential::region_from_env(&env)? {
            Some(region) => Some(region),
            None => chain::cli_region(&env),
        };
        let endpoint_type = match env.var("ALIBABA_CLOUD_ENDPOINT_TYPE") {
            Some(kind) => kind.parse().map_err(|_| {
                Error::invalid_input(
                    "ALIBABA_CLOUD_ENDPOINT_TYPE",
                    format!("{kind:?} is neither public nor vpc"),
                )
            })?,
            None => EndpointType::Public,
        };
        Ok(Self {
            region,
            env: Some(env),
            endpoint_type,
            ..Self::default()
        })
    }

    /// Signs with the credentials of this provider (a chain, a refreshing source of one's own)
    /// instead of those of [`with_credentials`](Self::with_credentials) or the default chain.
    pub fn with_credential_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credential_provider = Some(provider);
        self
    }

    /// Assumes this RAM role (STS `AssumeRole`) with whatever credentials the builder has
    /// otherwise, refreshing 180 s before expiry. Chainable: each call assumes a role with the
    /// previous one's credentials (cross-account tools).
    pub fn with_assume_role(
        mut self,
        role_arn: impl Into<String>,
        session_name: Option<String>,
        duration: Option<Duration>,
        external_id: Option<String>,
        policy: Option<String>,
    ) -> Self {
        self.assume_roles.push(AssumeRoleParams {
            role_arn: role_arn.into(),
            session_name: session_name.unwrap_or_else(sts::default_session_name),
            duration_seconds: duration
                .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
                .unwrap_or(sts::DEFAULT_DURATION_SECONDS),
            external_id,
            policy,
        });
        self
    }

    /// Uses this instance-metadata endpoint instead of `http://100.100.100.200` (loopback or
    /// that address only; `EIP_ALIBABA_METADATA_ENDPOINT` does the same from the environment).
    pub fn with_metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.metadata_endpoint = Some(url.into());
        self
    }

    /// Sends STS calls here (`ALIBABA_CLOUD_STS_ENDPOINT` does the same from the environment).
    pub fn with_sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.sts_endpoint = Some(url.into());
        self
    }

    /// Keeps temporary credentials in this directory across processes (see
    /// [`FileCache`]): a tool run once per health check then costs no STS or metadata round
    /// trip per run.
    pub fn with_credential_cache(mut self, cache: FileCache) -> Self {
        self.credential_cache = Some(cache);
        self
    }

    /// Public or VPC-internal endpoints ([`EndpointType::Public`] by default).
    pub fn with_endpoint_type(mut self, endpoint_type: EndpointType) -> Self {
        self.endpoint_type = endpoint_type;
        self
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
    /// polls); `None` for no limit. By default a provider on the cloud's own endpoint gets its
    /// own [`default_rate_limiter`], unless the retry policy of [`with_retry`](Self::with_retry)
    /// carries one; one on an endpoint given with [`with_endpoint`](Self::with_endpoint) (an
    /// emulator) gets none unless given here. Share one limiter between the providers of one account to keep them all
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
        if let Some(credentials) = &self.credentials {
            check_credentials(credentials)?;
        }
        let vpc = self.endpoint_type == EndpointType::Vpc;
        let endpoint = match &self.endpoint {
            Some(given) => parse_endpoint(given, &self.options)?,
            None if vpc => vpc_endpoint(&region)?,
            None => default_endpoint(&region)?,
        };
        // Alibaba answers carry their request id in the body; the STS token travels in a
        // header under V3.
        let http =
            HttpClient::new(&self.options)?.with_sensitive_headers(&["x-acs-security-token"]);
        // The documented quota is the cloud's: an endpoint of one's own (an emulator, a test
        // rig) gets no default limit.
        let retry = match self.rate_limiter {
            RateLimit::Given(limiter) => self.retry.with_rate_limiter(limiter),
            RateLimit::Default if self.retry.limiter.is_some() || self.endpoint.is_some() => {
                self.retry
            }
            RateLimit::Default => self.retry.with_rate_limiter(Some(default_rate_limiter())),
        };
        let env = self.env.clone().unwrap_or_else(Env::process);
        let metadata = EcsMetadata::from_env(self.metadata_endpoint.as_deref(), &env)?;
        let sts_endpoint = match &self.sts_endpoint {
            Some(given) => {
                let url = Url::parse(given).map_err(|e| {
                    Error::invalid_input("sts_endpoint", format!("{given:?} is not a URL: {e}"))
                })?;
                self.options.check_endpoint("sts_endpoint", &url)?;
                url
            }
            None => sts::endpoint(&env, Some(&region), vpc, &self.options)?,
        };
        let context = Context {
            env,
            sts: Sts {
                endpoint: sts_endpoint,
                http: http.clone(),
            },
            metadata: metadata.clone(),
            cache: self.credential_cache.clone(),
        };
        let mut credentials: Arc<dyn ProvideCredentials> = match (
            self.credential_provider,
            self.credentials,
            self.env.is_some(),
        ) {
            (Some(provider), _, _) => provider,
            (None, Some(key), _) => Arc::new(StaticCredentials::new(key.into())),
            (None, None, true) => Arc::new(chain::default_chain(context.clone())),
            (None, None, false) => {
                return Err(Error::invalid_input(
                    "credentials",
                    "no credentials: call with_credentials or with_credential_provider, or \
                     start from from_env() (environment, profiles, instance role)",
                ))
            }
        };
        for (n, params) in self.assume_roles.into_iter().enumerate() {
            params.check(&format!("assume_role[{n}]"))?;
            credentials = context.assume_role_over(credentials, params);
        }
        Ok(AlibabaProvider::from_config(Config {
            region,
            credentials,
            metadata,
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

/// The VPC-internal endpoint of a region: `vpc-vpc.<region>.aliyuncs.com`.
pub fn vpc_endpoint(region: &str) -> Result<Url> {
    check_region(region)?;
    Url::parse(&format!("https://vpc-vpc.{region}.aliyuncs.com/"))
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
        let emulator = configured()
            .with_endpoint("http://127.0.0.1:9")
            .build()
            .unwrap();
        assert!(
            emulator.retry_policy().limiter.is_none(),
            "not the cloud's quota"
        );
        let limited = configured()
            .with_endpoint("http://127.0.0.1:9")
            .with_rate_limiter(Some(shared.clone()))
            .build()
            .unwrap();
        assert!(limited.retry_policy().limiter.is_some());
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

    #[test]
    fn from_env_reads_variables_and_the_profile_region() {
        let home = std::env::temp_dir().join(format!(
            "eip-alibaba-home-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(home.join(".aliyun")).unwrap();
        let env = |vars: &[(&str, &str)]| Env::from_vars(vars.iter().copied()).with_home(&home);

        // Nothing configured: from_env succeeds, build names what is missing.
        assert_eq!(
            field(AlibabaBuilder::from_env_in(env(&[])).unwrap().build()),
            "region"
        );

        // The environment.
        let provider = AlibabaBuilder::from_env_in(env(&[
            ("ALICLOUD_ACCESS_KEY", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_REGION_ID", "cn-beijing"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(eip_core::EipProvider::region(&provider), "cn-beijing");
        assert_eq!(
            provider.endpoint().as_str(),
            "https://vpc.cn-beijing.aliyuncs.com/"
        );
        assert!(!format!("{provider:?}").contains("env-secret"));

        // Half a key.
        assert_eq!(
            field(AlibabaBuilder::from_env_in(env(&[(
                "ALICLOUD_ACCESS_KEY",
                "env-id"
            )]))),
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        );

        // The region of the CLI profile, and the VPC endpoints.
        let config = home.join(".aliyun").join("config.json");
        std::fs::write(
            &config,
            r#"{"current":"work","profiles":[{"name":"work","mode":"AK","access_key_id":"file-id",
               "access_key_secret":"file-secret","region_id":"cn-shanghai"}]}"#,
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let provider = AlibabaBuilder::from_env_in(env(&[("ALIBABA_CLOUD_ENDPOINT_TYPE", "vpc")]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(eip_core::EipProvider::region(&provider), "cn-shanghai");
        assert_eq!(
            provider.endpoint().as_str(),
            "https://vpc-vpc.cn-shanghai.aliyuncs.com/"
        );
        assert_eq!(
            field(AlibabaBuilder::from_env_in(env(&[(
                "ALIBABA_CLOUD_ENDPOINT_TYPE",
                "intranet2"
            )]))),
            "ALIBABA_CLOUD_ENDPOINT_TYPE"
        );
        std::fs::remove_dir_all(&home).unwrap();
    }
}
