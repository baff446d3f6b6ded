//! Configuration of a [`HuaweiProvider`]: setters, `from_env`, and validation in `build`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use eip_core::retry::{RetryPolicy, Timeouts};
use eip_core::{validate, Error, RateLimiter, Secret};
use eip_http::{ClientOptions, Env, FileCache, HttpClient, ProvideCredentials, StaticCredentials};
use url::Url;

use crate::chain::{basic_profile, default_chain, env_credentials, koocli_profile, ChainParts};
use crate::client::HuaweiProvider;
pub use crate::credential::DEFAULT_REFUSAL_MEMORY;
use crate::credential::{AccessKey, PasswordAuth, ProjectCache, Scope, TokenCache};
use crate::federation::{AgencyCredentials, AssumeAgency, Iam, PasswordAgencyCredentials};
use crate::metadata::MetadataSession;
use crate::transport::{Credentials, Transport};

/// The default margin before a token's expiry at which it is replaced.
pub const DEFAULT_TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(30 * 60);

/// Builds a [`HuaweiProvider`].
///
/// Set the region and one kind of credentials; everything else has a default:
/// the region's IAM endpoint as the official SDK resolves it (`https://iam.<region>.myhuaweicloud.com`
/// for the regions it lists, the global `https://iam.myhuaweicloud.com` otherwise,
/// `.myhuaweicloud.eu` in Europe) and `https://vpc.<region>.myhuaweicloud.com` (`.eu` in Europe),
/// the project named after the region, [`RetryPolicy::default`], [`Timeouts::default`] and a token
/// refresh margin of 30 minutes.
///
/// ```
/// use eip_huawei::{HuaweiBuilder, PasswordAuth};
/// let provider = HuaweiBuilder::new()
///     .with_region("cn-north-4")
///     .with_password(PasswordAuth::new("user", "password", "account"))
///     .build()
///     .unwrap();
/// assert_eq!(eip_core::EipProvider::region(&provider), "cn-north-4");
/// ```
///
/// Which kind of credentials to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// An IAM password token sent as `X-Auth-Token`.
    Token,
    /// AK/SK request signing.
    AccessKey,
}

/// `Debug` never shows a password, secret key or security token.
#[derive(Clone)]
pub struct HuaweiBuilder {
    region: Option<String>,
    project_id: Option<String>,
    project_name: Option<String>,
    password: Option<PasswordAuth>,
    access_key: Option<AccessKey>,
    iam_endpoint: Option<String>,
    vpc_endpoint: Option<String>,
    eps_endpoint: Option<String>,
    domain_id: Option<String>,
    token_refresh_margin: Duration,
    refusal_memory: Duration,
    retry: RetryPolicy,
    rate_limiter: RateLimit,
    options: ClientOptions,
    /// Keys from a caller's provider.
    credential_provider: Option<Arc<dyn ProvideCredentials>>,
    /// Where the default chain reads (set by `from_env`): used when no credentials are given.
    chain_env: Option<Env>,
    /// The environment `from_env` read (the metadata endpoint variable, even with a password).
    source_env: Option<Env>,
    metadata_endpoint: Option<String>,
    assume_agency: Option<AssumeAgency>,
    credential_cache: Option<FileCache>,
    /// `HW_CLOUD`: the domain of the default endpoints instead of the region's.
    cloud: Option<String>,
}

/// The rate limiter the builder puts on the retry policy.
#[derive(Clone, Debug, Default)]
enum RateLimit {
    /// [`default_rate_limiter`](crate::default_rate_limiter), unless the retry policy brings its own.
    #[default]
    Default,
    /// This one (`None`: no limit).
    Given(Option<Arc<RateLimiter>>),
}

/// The documented per-user quota of Huawei's API Gateway in front of VPC: 200 requests per 5
/// minutes, whose excess is refused with `429 APIGW.0308 "The throttling threshold has been
/// reached: policy user over ratelimit,limit:200,time:5 minute"` (a real answer quoted in
/// huaweicloud/terraform-provider-huaweicloud issue #1335). Every provider instance draws from
/// a bucket of this size by default, waiter polls included, so that it stays under the quota
/// instead of being refused in the middle of a failover.
pub const DEFAULT_REQUESTS_PER_WINDOW: u32 = 200;

/// The window of [`DEFAULT_REQUESTS_PER_WINDOW`].
pub const DEFAULT_QUOTA_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A new limiter of [`DEFAULT_REQUESTS_PER_WINDOW`] per [`DEFAULT_QUOTA_WINDOW`].
pub fn default_rate_limiter() -> Arc<RateLimiter> {
    Arc::new(RateLimiter::per_window(
        DEFAULT_REQUESTS_PER_WINDOW,
        DEFAULT_QUOTA_WINDOW,
    ))
}

impl Default for HuaweiBuilder {
    fn default() -> Self {
        Self {
            region: None,
            project_id: None,
            project_name: None,
            password: None,
            access_key: None,
            iam_endpoint: None,
            vpc_endpoint: None,
            eps_endpoint: None,
            domain_id: None,
            token_refresh_margin: DEFAULT_TOKEN_REFRESH_MARGIN,
            refusal_memory: DEFAULT_REFUSAL_MEMORY,
            retry: RetryPolicy::default(),
            rate_limiter: RateLimit::Default,
            options: ClientOptions::new(),
            credential_provider: None,
            chain_env: None,
            source_env: None,
            metadata_endpoint: None,
            assume_agency: None,
            credential_cache: None,
            cloud: None,
        }
    }
}

impl fmt::Debug for HuaweiBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiBuilder")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("password", &self.password)
            .field("access_key", &self.access_key)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("vpc_endpoint", &self.vpc_endpoint)
            .field("eps_endpoint", &self.eps_endpoint)
            .field("domain_id", &self.domain_id)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("refusal_memory", &self.refusal_memory)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.rate_limiter)
            .field("options", &self.options)
            .field("credential_provider", &self.credential_provider)
            .field("default_chain", &self.chain_env.is_some())
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("assume_agency", &self.assume_agency)
            .field("credential_cache", &self.credential_cache)
            .field("cloud", &self.cloud)
            .finish()
    }
}

impl HuaweiBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder configured from the environment, with the default credential chain.
    ///
    /// Each setting is read from the first variable of its row that is set (and not empty); two
    /// variables of a row set to different values are an [`Error::InvalidInput`] naming both:
    ///
    /// | setting | variables |
    /// |---|---|
    /// | region | `HW_REGION_NAME`, `OS_REGION_NAME` |
    /// | project id | `HUAWEICLOUD_SDK_PROJECT_ID`, `HW_PROJECT_ID`, `OS_PROJECT_ID` |
    /// | project name | `HW_PROJECT_NAME`, `OS_PROJECT_NAME` |
    /// | IAM endpoint | `HUAWEICLOUD_SDK_IAM_ENDPOINT`, `HW_AUTH_URL`, `OS_AUTH_URL` (a trailing `/v3` is fine) |
    /// | user name | `HW_USER_NAME`, `OS_USERNAME` |
    /// | password | `HW_USER_PASSWORD`, `OS_PASSWORD` |
    /// | account (domain) name | `HW_DOMAIN_NAME`, `OS_USER_DOMAIN_NAME`, `OS_DOMAIN_NAME` |
    /// | account (domain) id | `HUAWEICLOUD_SDK_DOMAIN_ID`, `HW_DOMAIN_ID`, `OS_DOMAIN_ID` (AK/SK calls to the global EPS service) |
    /// | cloud domain | `HW_CLOUD` (`myhuaweicloud.eu`...; the default endpoints' domain) |
    /// | agency to assume | `HW_ASSUME_ROLE_AGENCY_NAME` + `HW_ASSUME_ROLE_DOMAIN_NAME` (or `HW_ASSUME_ROLE_DOMAIN_ID`), `HW_ASSUME_ROLE_DURATION` (seconds) |
    /// | metadata endpoint | `EIP_HUAWEI_METADATA_ENDPOINT` (loopback or `http://169.254.169.254` only) |
    /// | credential cache | none: [`with_credential_cache`](Self::with_credential_cache) |
    ///
    /// Credentials, in this order:
    ///
    /// 1. the environment: OIDC federation (`HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`),
    ///    an AK/SK pair (`HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK`, or `HW_ACCESS_KEY` +
    ///    `HW_SECRET_KEY`, with `HUAWEICLOUD_SDK_SECURITY_TOKEN` / `HW_SECURITY_TOKEN`), or a
    ///    password (`HW_USER_NAME`/`OS_USERNAME`, `HW_USER_PASSWORD`/`OS_PASSWORD`,
    ///    `HW_DOMAIN_NAME`/`OS_USER_DOMAIN_NAME`/`OS_DOMAIN_NAME`): federation wins over keys
    ///    (as in the official SDK), keys over a password (as in Terraform,
    ///    huaweicloud/terraform-provider-huaweicloud `huaweicloud/config/auth.go`);
    /// 2. the SDK's credentials file, 3. KooCLI's configuration, 4. the ECS metadata service
    ///    (see the crate's credential chain table).
    ///
    /// Half a pair, or part of the password trio, is an [`Error::InvalidInput`] naming the
    /// missing variable. Nothing is sent and no file is required here: the chain is walked on
    /// the first call, and when it finds nothing that call fails with ONE
    /// [`Error::Unauthenticated`] listing every step and why it was skipped.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_in(Env::process())
    }

    /// Like [`HuaweiBuilder::from_env`], reading `env` (variables and home directory) instead
    /// of the process: for tests, and tools that hold several configurations.
    pub fn from_env_in(env: Env) -> Result<Self, Error> {
        Self::from_env_with_auth_in(None, env)
    }

    /// Like [`HuaweiBuilder::from_env`], but reads only the credentials of `method` when it is
    /// given: [`AuthMethod::Token`] takes a password only (and ignores keys), and
    /// [`AuthMethod::AccessKey`] requires an AK/SK pair (or federation) in the environment and
    /// ignores passwords.
    pub fn from_env_with_auth(method: Option<AuthMethod>) -> Result<Self, Error> {
        Self::from_env_with_auth_in(method, Env::process())
    }

    /// [`HuaweiBuilder::from_env_with_auth`] reading `env`.
    pub fn from_env_with_auth_in(method: Option<AuthMethod>, env: Env) -> Result<Self, Error> {
        let mut builder = Self::new();
        builder.source_env = Some(env.clone());
        if let Some((_, region)) = env.first_of(&["HW_REGION_NAME", "OS_REGION_NAME"])? {
            builder.region = Some(region);
        }
        if let Some((_, id)) = env.first_of(&[
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "HW_PROJECT_ID",
            "OS_PROJECT_ID",
        ])? {
            builder.project_id = Some(id);
        }
        if let Some((_, name)) = env.first_of(&["HW_PROJECT_NAME", "OS_PROJECT_NAME"])? {
            builder.project_name = Some(name);
        }
        if let Some((_, url)) = env.first_of(&IAM_ENDPOINT_ENV)? {
            builder.iam_endpoint = Some(url);
        }
        if let Some((_, id)) =
            env.first_of(&["HUAWEICLOUD_SDK_DOMAIN_ID", "HW_DOMAIN_ID", "OS_DOMAIN_ID"])?
        {
            builder.domain_id = Some(id);
        }
        if let Some((_, cloud)) = env.first_of(&["HW_CLOUD"])? {
            builder.cloud = Some(cloud);
        }
        builder.assume_agency = agency_from_env(&env)?;
        let keys = match method {
            Some(AuthMethod::Token) => None,
            _ => env_credentials(&env)?,
        };
        if keys.is_none() && method == Some(AuthMethod::AccessKey) {
            return Err(Error::invalid_input(
                "HUAWEICLOUD_SDK_AK",
                "AK/SK authentication was asked for, but no HUAWEICLOUD_SDK_AK/SK or HW_ACCESS_KEY/HW_SECRET_KEY is set",
            ));
        }
        if keys.is_some() {
            builder.chain_env = Some(env);
            return Ok(builder);
        }
        if method != Some(AuthMethod::AccessKey) {
            if let Some(auth) = password_from_env(&env)? {
                builder.password = Some(auth);
                return Ok(builder);
            }
        }
        if method != Some(AuthMethod::Token) {
            builder.fill_from_profiles(&env);
            builder.chain_env = Some(env);
        }
        Ok(builder)
    }

    /// Settings the profile files carry besides keys (Terraform and the SDK apply them): the
    /// SDK file's `project_id` and `iam_endpoint`, KooCLI's `region`, `projectId` and agency.
    /// Only what is not set already; a broken file is reported by the chain, not here.
    fn fill_from_profiles(&mut self, env: &Env) {
        if let Ok(Some((_, basic))) = basic_profile(env) {
            let get = |key: &str| basic.get(key).filter(|v| !v.is_empty()).cloned();
            if get("ak").is_some() || get("idp_id").is_some() {
                self.project_id = self.project_id.take().or_else(|| get("project_id"));
                self.iam_endpoint = self.iam_endpoint.take().or_else(|| get("iam_endpoint"));
                return;
            }
        }
        if let Ok(Some((_, profile))) = koocli_profile(env) {
            let given = |v: &str| (!v.is_empty()).then(|| v.to_owned());
            self.region = self.region.take().or_else(|| given(&profile.region));
            self.project_id = self
                .project_id
                .take()
                .or_else(|| given(&profile.project_id));
            if self.assume_agency.is_none() && !profile.agency_name.is_empty() {
                let agency = match (
                    given(&profile.agency_domain_name),
                    given(&profile.agency_domain_id),
                ) {
                    (Some(name), _) => Some(AssumeAgency::new(name, profile.agency_name.clone())),
                    (None, Some(id)) => {
                        Some(AssumeAgency::new("", profile.agency_name.clone()).with_domain_id(id))
                    }
                    (None, None) => None,
                };
                self.assume_agency = agency;
            }
        }
    }

    /// Sets the region (`cn-north-4`...).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the project id; otherwise it comes from the token (password) or is looked up by name
    /// (AK/SK).
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sets the project name to scope tokens to or to look up; the region by default.
    pub fn with_project_name(mut self, project_name: impl Into<String>) -> Self {
        self.project_name = Some(project_name.into());
        self
    }

    /// Authenticates with an IAM password token.
    pub fn with_password(mut self, auth: PasswordAuth) -> Self {
        self.password = Some(auth);
        self
    }

    /// Authenticates with AK/SK signatures.
    pub fn with_access_key(mut self, key: AccessKey) -> Self {
        self.access_key = Some(key);
        self
    }

    /// Overrides the IAM endpoint.
    pub fn with_iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// Overrides the VPC endpoint.
    pub fn with_vpc_endpoint(mut self, url: impl Into<String>) -> Self {
        self.vpc_endpoint = Some(url.into());
        self
    }

    /// Overrides the endpoint of Enterprise Project Management (EPS), the global service that
    /// moves an address to another enterprise project
    /// ([`EipProvider::move_resource_group`](eip_core::EipProvider::move_resource_group));
    /// by default the endpoint the official SDK maps the region to (`https://eps.myhuaweicloud.com`
    /// for most regions).
    pub fn with_eps_endpoint(mut self, url: impl Into<String>) -> Self {
        self.eps_endpoint = Some(url.into());
        self
    }

    /// Sets the account (domain) id. AK/SK calls to a global service such as EPS name the
    /// account in `X-Domain-Id` instead of a project in `X-Project-Id` (the API signing guide,
    /// <https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>; the Python
    /// SDK's `GlobalCredentials` sends it), so moving an address between enterprise projects with
    /// an access key needs it.
    pub fn with_domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.domain_id = Some(domain_id.into());
        self
    }

    /// Replaces a token this long before it expires (default 30 minutes; at most half its life).
    pub fn with_token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// How long a password IAM refused is remembered (default [`DEFAULT_REFUSAL_MEMORY`](crate::DEFAULT_REFUSAL_MEMORY), 5
    /// minutes): calls within it fail at once with [`Error::Unauthenticated`] and send nothing,
    /// since IAM locks a user after a few failed logins; the first call after it asks IAM once
    /// more. [`HuaweiProvider::reset_auth`] and [`HuaweiProvider::set_password`] end it early.
    pub fn with_auth_refusal_memory(mut self, memory: Duration) -> Self {
        self.refusal_memory = memory;
        self
    }

    /// Signs with the keys `provider` gives (asked before every attempt; wrap a source that
    /// calls a service in [`eip_http::RefreshingCredentials`]). Replaces the default chain.
    pub fn with_credential_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credential_provider = Some(provider);
        self
    }

    /// The ECS metadata service to ask for the instance agency's keys and identity (loopback or
    /// `http://169.254.169.254` only; default that address, or `EIP_HUAWEI_METADATA_ENDPOINT`).
    pub fn with_metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.metadata_endpoint = Some(url.into());
        self
    }

    /// Acts through an agency of another account: its temporary keys are asked for with the
    /// configured credentials (keys, a provider, the default chain, or a password's IAM token)
    /// and refreshed 40 minutes before they expire.
    pub fn with_assume_agency(mut self, agency: AssumeAgency) -> Self {
        self.assume_agency = Some(agency);
        self
    }

    /// Keeps IAM tokens and temporary keys in `cache` across processes (eipctl does, in the
    /// user's cache directory): a short-lived tool asks IAM and the metadata service nothing
    /// while they are good.
    pub fn with_credential_cache(mut self, cache: FileCache) -> Self {
        self.credential_cache = Some(cache);
        self
    }

    /// Reads the default credential chain from `env` when no credentials are given (what
    /// [`from_env_in`](Self::from_env_in) sets).
    pub fn with_default_chain(mut self, env: Env) -> Self {
        self.chain_env = Some(env);
        self
    }

    /// The cloud's domain for the default endpoints (Terraform's `cloud`, `HW_CLOUD`):
    /// `myhuaweicloud.eu`... By default the region's: `.eu` for `eu-west-1xx`, `.com` otherwise.
    pub fn with_cloud(mut self, domain: impl Into<String>) -> Self {
        self.cloud = Some(domain.into());
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Shares this token bucket among every request of the provider (operations and waiter
    /// polls); `None` for no limit. By default each provider gets its own
    /// [`default_rate_limiter`](crate::default_rate_limiter), unless the retry policy of [`with_retry`](Self::with_retry)
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
    /// cap, an injected client), replacing what the other transport setters set.
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

    /// Trusts the root certificates of this PEM file too, besides the bundled ones (a TLS
    /// inspecting proxy, a private endpoint).
    pub fn with_root_certificate_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.options = self.options.with_root_certificate_file(path);
        self
    }

    /// Appends a product token to the `User-Agent` (`eipctl/0.1.0`).
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.options = self.options.with_user_agent_suffix(suffix);
        self
    }

    /// Uses this HTTP client instead of the provider's own (see
    /// [`ClientOptions::with_http_client`] for what it must be built with: it must never follow
    /// redirects; a 3xx or a redirected answer is refused as [`Error::InvalidResponse`]).
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.options = self.options.with_http_client(client);
        self
    }

    /// Allows plain `http://` endpoints on hosts other than loopback (never do this with real
    /// credentials: the token and the password travel in clear).
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.options = self.options.with_allow_http(allow);
        self
    }

    /// Checks the configuration and builds the provider. Sends nothing.
    pub fn build(self) -> Result<HuaweiProvider, Error> {
        let region = self.region.clone().ok_or_else(|| {
            Error::invalid_input(
                "region",
                "set a region (with_region, HW_REGION_NAME or OS_REGION_NAME)",
            )
        })?;
        check_region(&region)?;
        if let Some(id) = &self.project_id {
            validate::id("project_id", id)?;
        }
        if let Some(cloud) = &self.cloud {
            check_cloud(cloud)?;
        }
        let project_name = self.project_name.clone().unwrap_or_else(|| region.clone());
        validate::id("project_name", &project_name)?;
        let domain = self
            .cloud
            .clone()
            .unwrap_or_else(|| cloud_domain(&region).to_owned());
        let iam = self.endpoint(
            "iam_endpoint",
            self.iam_endpoint.as_deref(),
            &default_iam_endpoint_in(&region, &domain),
        )?;
        let vpc = self.endpoint(
            "vpc_endpoint",
            self.vpc_endpoint.as_deref(),
            &format!("https://vpc.{region}.{domain}"),
        )?;
        let eps = self.endpoint(
            "eps_endpoint",
            self.eps_endpoint.as_deref(),
            &default_eps_endpoint(&region),
        )?;
        if let Some(id) = &self.domain_id {
            validate::id("domain_id", id)?;
        }
        // Redirects refused, https-only proxies, the answer size cap, one error mapping:
        // eip-http's policies for every request of the provider, IAM's included.
        let client = HttpClient::new(&self.options)?
            .with_request_id_headers(&["x-request-id"])
            .with_sensitive_headers(&["x-auth-token", "x-security-token", "x-subject-token"]);
        let env = self
            .chain_env
            .clone()
            .or_else(|| self.source_env.clone())
            .unwrap_or_else(Env::process);
        let metadata = Arc::new(MetadataSession::new(
            self.metadata_endpoint.as_deref(),
            &env,
        )?);
        let credentials = self.credentials(project_name, &client, &iam, &metadata, env)?;
        let retry = match self.rate_limiter {
            RateLimit::Given(limiter) => self.retry.with_rate_limiter(limiter),
            RateLimit::Default if self.retry.limiter.is_some() => self.retry,
            RateLimit::Default => self.retry.with_rate_limiter(Some(default_rate_limiter())),
        };
        let transport = Transport {
            client,
            iam,
            vpc,
            eps,
            domain_id: self.domain_id.clone(),
            credentials,
            retry,
            timeouts: self.options.timeouts(),
            metadata,
        };
        Ok(HuaweiProvider::new(region, transport))
    }

    fn credentials(
        &self,
        project_name: String,
        client: &HttpClient,
        iam: &Url,
        metadata: &Arc<MetadataSession>,
        env: Env,
    ) -> Result<Credentials, Error> {
        let given = [
            self.password.is_some(),
            self.access_key.is_some(),
            self.credential_provider.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::invalid_input(
                "credentials",
                "more than one of a password, an access key and a credential provider is set; choose one",
            ));
        }
        if let Some(agency) = &self.assume_agency {
            agency.check()?;
        }
        let project = || ProjectCache::new(self.project_id.clone(), project_name.clone());
        let parts = ChainParts {
            env,
            iam: Iam {
                client: client.clone(),
                endpoint: iam.clone(),
            },
            metadata: metadata.clone(),
            cache: self.credential_cache.clone(),
        };
        let base: Arc<dyn ProvideCredentials> = if let Some(auth) = &self.password {
            check_password(auth)?;
            let scope = match &self.project_id {
                Some(id) => Scope::ProjectId(id.clone()),
                None => Scope::ProjectName(project_name.clone()),
            };
            let mut cache = TokenCache::new(auth.clone(), scope, self.token_refresh_margin)
                .with_refusal_memory(self.refusal_memory);
            if let Some(files) = &self.credential_cache {
                cache = cache.with_persistent_cache(files.clone(), iam);
            }
            if let Some(agency) = &self.assume_agency {
                let identity = format!(
                    "huawei|agency|{}|{}|password:{}:{}",
                    iam,
                    agency.identity(),
                    auth.domain_name,
                    auth.user_name
                );
                let source =
                    PasswordAgencyCredentials::new(parts.iam.clone(), cache, agency.clone());
                return Ok(Credentials::Provider {
                    provider: parts.refreshing(Arc::new(source), identity),
                    project: project(),
                });
            }
            return Ok(Credentials::Password(Box::new(cache)));
        } else if let Some(key) = &self.access_key {
            if key.access_key.trim().is_empty() {
                return Err(Error::invalid_input("access_key", "must not be empty"));
            }
            if key.secret_key.is_empty() {
                return Err(Error::invalid_input("secret_key", "must not be empty"));
            }
            if self.assume_agency.is_none() {
                return Ok(Credentials::AccessKey {
                    key: key.clone(),
                    project: project(),
                });
            }
            let mut keys =
                eip_http::Credentials::new(key.access_key.clone(), key.secret_key.clone());
            if let Some(token) = &key.security_token {
                keys = keys.with_security_token(token.clone());
            }
            Arc::new(StaticCredentials::new(keys))
        } else if let Some(provider) = &self.credential_provider {
            provider.clone()
        } else if self.chain_env.is_some() {
            Arc::new(default_chain(&parts))
        } else {
            return Err(Error::invalid_input(
                "credentials",
                "set a password (with_password, or HW_USER_NAME/HW_USER_PASSWORD/HW_DOMAIN_NAME), an \
                 access key (with_access_key, or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK), a credential \
                 provider, or use from_env for the default chain",
            ));
        };
        let provider = match &self.assume_agency {
            Some(agency) => {
                let identity = format!(
                    "huawei|agency|{}|{}|{}",
                    iam,
                    agency.identity(),
                    base.name()
                );
                parts.refreshing(
                    Arc::new(AgencyCredentials::new(
                        parts.iam.clone(),
                        base,
                        agency.clone(),
                    )),
                    identity,
                )
            }
            None => base,
        };
        Ok(Credentials::Provider {
            provider,
            project: project(),
        })
    }

    fn endpoint(&self, field: &str, given: Option<&str>, default: &str) -> Result<Url, Error> {
        let raw = given.unwrap_or(default);
        let url = Url::parse(raw)
            .map_err(|e| Error::invalid_input(field, format!("{raw:?} is not a URL: {e}")))?;
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(Error::invalid_input(
                field,
                "must have no query, fragment or user info",
            ));
        }
        self.options.check_endpoint(field, &url)?;
        Ok(url)
    }
}

/// The regions with an IAM endpoint of their own, as the official SDK lists them
/// (huaweicloud/huaweicloud-sdk-python-v3 `huaweicloud-sdk-core/huaweicloudsdkcore/auth/endpoint.py`,
/// `__IAM_ENDPOINT_DICT`); the SDK sends every other region to the global IAM endpoint.
pub(crate) const REGIONAL_IAM: &[&str] = &[
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
];

/// The cloud's domain for `region`: the European regions (`eu-west-1xx`, Dublin) are served
/// under `myhuaweicloud.eu` (Terraform's `getCloudDomain`,
/// huaweicloud/terraform-provider-huaweicloud `huaweicloud/provider.go`), every other region
/// under `myhuaweicloud.com`.
fn cloud_domain(region: &str) -> &'static str {
    if region.starts_with("eu-west-1") {
        "myhuaweicloud.eu"
    } else {
        "myhuaweicloud.com"
    }
}

/// The variables [`HuaweiBuilder::from_env`] reads the IAM endpoint from, first set first (the
/// official SDK's `HUAWEICLOUD_SDK_IAM_ENDPOINT`, Terraform's `HW_AUTH_URL`, OpenStack's
/// `OS_AUTH_URL`).
pub const IAM_ENDPOINT_ENV: [&str; 3] =
    ["HUAWEICLOUD_SDK_IAM_ENDPOINT", "HW_AUTH_URL", "OS_AUTH_URL"];

/// `HW_CLOUD` / [`HuaweiBuilder::with_cloud`]: a domain name, nothing else (it becomes part of
/// every default endpoint).
fn check_cloud(cloud: &str) -> Result<(), Error> {
    let valid = !cloud.is_empty()
        && cloud.len() <= 253
        && cloud.contains('.')
        && cloud.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "cloud",
            format!("{cloud:?} is not a domain name such as myhuaweicloud.com"),
        ))
    }
}

/// The IAM endpoint for `region` under `domain`: the region's own where the official SDK lists
/// one or the domain is not the default `.com` one (Terraform builds `iam.<region>.<cloud>`),
/// the global `iam.myhuaweicloud.com` otherwise.
fn default_iam_endpoint_in(region: &str, domain: &str) -> String {
    if REGIONAL_IAM.contains(&region) || domain != "myhuaweicloud.com" {
        format!("https://iam.{region}.{domain}")
    } else {
        "https://iam.myhuaweicloud.com".to_owned()
    }
}

/// `HW_ASSUME_ROLE_AGENCY_NAME` with `HW_ASSUME_ROLE_DOMAIN_NAME` or `_DOMAIN_ID` (Terraform's
/// `assume_role` block from the environment, huaweicloud/terraform-provider-huaweicloud
/// `huaweicloud/provider.go`), and `HW_ASSUME_ROLE_DURATION`.
fn agency_from_env(env: &Env) -> Result<Option<AssumeAgency>, Error> {
    let Some((_, agency_name)) = env.first_of(&["HW_ASSUME_ROLE_AGENCY_NAME"])? else {
        return Ok(None);
    };
    let mut agency = match (
        env.first_of(&["HW_ASSUME_ROLE_DOMAIN_NAME"])?,
        env.first_of(&["HW_ASSUME_ROLE_DOMAIN_ID"])?,
    ) {
        (Some((_, name)), _) => AssumeAgency::new(name, agency_name),
        (None, Some((_, id))) => AssumeAgency::new("", agency_name).with_domain_id(id),
        (None, None) => {
            return Err(Error::invalid_input(
                "HW_ASSUME_ROLE_DOMAIN_NAME",
                "HW_ASSUME_ROLE_AGENCY_NAME is set but neither HW_ASSUME_ROLE_DOMAIN_NAME nor HW_ASSUME_ROLE_DOMAIN_ID",
            ))
        }
    };
    if let Some((name, seconds)) = env.first_of(&["HW_ASSUME_ROLE_DURATION"])? {
        let seconds = seconds
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::invalid_input(name, "must be a number of seconds"))?;
        agency = agency.with_duration_seconds(seconds);
    }
    Ok(Some(agency))
}

/// The password trio of the environment, all or nothing (naming the first missing variable).
fn password_from_env(env: &Env) -> Result<Option<PasswordAuth>, Error> {
    let user = env.first_of(&["HW_USER_NAME", "OS_USERNAME"])?;
    let password = env.first_of(&["HW_USER_PASSWORD", "OS_PASSWORD"])?;
    let domain = env.first_of(&["HW_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"])?;
    match (user, password, domain) {
        (None, None, None) => Ok(None),
        (Some((_, user)), Some((_, password)), Some((_, domain))) => {
            Ok(Some(PasswordAuth::new(user, Secret::new(password), domain)))
        }
        (user, password, domain) => {
            let missing = [
                (user.is_none(), "HW_USER_NAME"),
                (password.is_none(), "HW_USER_PASSWORD"),
                (domain.is_none(), "HW_DOMAIN_NAME"),
            ];
            let first_missing = missing
                .iter()
                .find(|(absent, _)| *absent)
                .map_or("HW_USER_NAME", |(_, name)| *name);
            Err(Error::invalid_input(
                first_missing,
                "password authentication needs a user name, a password and an account name \
                 (HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME or their OS_* forms)",
            ))
        }
    }
}

/// The IAM endpoint for `region` when none is configured: the region's own when the official
/// SDK lists one, `iam.<region>.myhuaweicloud.eu` in Europe (as Terraform builds it), the global
/// `iam.myhuaweicloud.com` otherwise.
#[cfg(test)]
pub(crate) fn default_iam_endpoint(region: &str) -> String {
    default_iam_endpoint_in(region, cloud_domain(region))
}

/// The VPC endpoint for `region`: `vpc.<region>.<cloud domain>` (the SDK's `EipRegion` maps every
/// region so, huaweicloud-sdk-python-v3 `huaweicloud-sdk-eip/huaweicloudsdkeip/v2/region/eip_region.py`).
#[cfg(test)]
pub(crate) fn default_vpc_endpoint(region: &str) -> String {
    format!("https://vpc.{region}.{}", cloud_domain(region))
}

/// The EPS endpoint as the official SDK maps regions (huaweicloud/huaweicloud-sdk-python-v3
/// `huaweicloud-sdk-eps/huaweicloudsdkeps/v1/region/eps_region.py`): EPS is a global service
/// (<https://support.huaweicloud.com/intl/en-us/api-em/MigrateResource.html>) at
/// `eps.myhuaweicloud.com`, with regional endpoints `eps.<region>.<domain>` for eu-west-101,
/// ru-moscow-1 and my-kualalumpur-1.
pub(crate) fn default_eps_endpoint(region: &str) -> String {
    match region {
        "eu-west-101" | "ru-moscow-1" | "my-kualalumpur-1" => {
            format!("https://eps.{region}.{}", cloud_domain(region))
        }
        _ => "https://eps.myhuaweicloud.com".to_owned(),
    }
}

/// The three parts of password credentials must be set.
pub(crate) fn check_password(auth: &PasswordAuth) -> Result<(), Error> {
    for (field, value) in [
        ("user_name", &auth.user_name),
        ("domain_name", &auth.domain_name),
    ] {
        if value.trim().is_empty() {
            return Err(Error::invalid_input(field, "must not be empty"));
        }
    }
    if auth.password.is_empty() {
        return Err(Error::invalid_input("password", "must not be empty"));
    }
    Ok(())
}

/// A region id is lower-case letters, digits and `-` (it becomes part of host names).
fn check_region(region: &str) -> Result<(), Error> {
    validate::region("region", region)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::chain::EnvCredentials as EnvKeys;

    fn field(result: Result<impl fmt::Debug, Error>) -> String {
        match result {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    fn password() -> PasswordAuth {
        PasswordAuth::new("u", "pw-very-secret", "d")
    }

    #[test]
    fn the_eps_endpoint_is_the_sdks_and_the_domain_id_is_checked() {
        assert_eq!(
            default_eps_endpoint("cn-north-4"),
            "https://eps.myhuaweicloud.com"
        );
        assert_eq!(
            default_eps_endpoint("eu-west-101"),
            "https://eps.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            default_eps_endpoint("ru-moscow-1"),
            "https://eps.ru-moscow-1.myhuaweicloud.com"
        );
        let base = || {
            HuaweiBuilder::new()
                .with_region("cn-north-4")
                .with_password(password())
        };
        assert_eq!(field(base().with_domain_id("a/b").build()), "domain_id");
        assert_eq!(
            field(base().with_eps_endpoint("ftp://127.0.0.1").build()),
            "eps_endpoint"
        );
        assert!(base()
            .with_domain_id("d78cbac186b744899480f25bd022f468")
            .build()
            .is_ok());
    }

    #[test]
    fn build_checks_region_credentials_and_endpoints() {
        assert_eq!(
            field(HuaweiBuilder::new().with_password(password()).build()),
            "region"
        );
        assert_eq!(
            field(
                HuaweiBuilder::new()
                    .with_region("cn north")
                    .with_password(password())
                    .build()
            ),
            "region"
        );
        assert_eq!(
            field(HuaweiBuilder::new().with_region("cn-north-4").build()),
            "credentials"
        );
        let both = HuaweiBuilder::new()
            .with_region("cn-north-4")
            .with_password(password())
            .with_access_key(AccessKey::new("a", "b"));
        assert_eq!(field(both.build()), "credentials");
        let base = || {
            HuaweiBuilder::new()
                .with_region("cn-north-4")
                .with_password(password())
        };
        assert_eq!(
            field(base().with_vpc_endpoint("http://vpc.example.com").build()),
            "vpc_endpoint"
        );
        assert_eq!(
            field(base().with_iam_endpoint("ftp://127.0.0.1").build()),
            "iam_endpoint"
        );
        assert_eq!(
            field(base().with_iam_endpoint("not a url").build()),
            "iam_endpoint"
        );
        assert_eq!(field(base().with_project_id("a/b").build()), "project_id");
        assert!(base()
            .with_vpc_endpoint("http://127.0.0.1:8080")
            .with_iam_endpoint("http://localhost:1/v3")
            .build()
            .is_ok());
        assert!(base()
            .with_vpc_endpoint("http://vpc.example.com")
            .with_allow_http(true)
            .build()
            .is_ok());
        assert_eq!(
            field(
                HuaweiBuilder::new()
                    .with_region("r")
                    .with_password(PasswordAuth::new("u", "", "d"))
                    .build()
            ),
            "password"
        );
    }

    #[test]
    fn every_provider_draws_from_a_rate_limiter_unless_told_otherwise() {
        let base = || {
            HuaweiBuilder::new()
                .with_region("cn-north-4")
                .with_password(password())
        };
        assert!(base().build().unwrap().retry_policy().limiter.is_some());
        let shared = default_rate_limiter();
        let own = base()
            .with_retry(RetryPolicy::default().with_rate_limiter(Some(shared.clone())))
            .build()
            .unwrap();
        assert!(Arc::ptr_eq(
            own.retry_policy().limiter.as_ref().unwrap(),
            &shared
        ));
        let none = base().with_rate_limiter(None).build().unwrap();
        assert!(none.retry_policy().limiter.is_none());
    }

    #[test]
    fn endpoints_follow_the_official_sdk_per_region() {
        assert_eq!(
            default_iam_endpoint("cn-north-4"),
            "https://iam.cn-north-4.myhuaweicloud.com"
        );
        // Not in the SDK's list: the global endpoint.
        assert_eq!(
            default_iam_endpoint("cn-northeast-1"),
            "https://iam.myhuaweicloud.com"
        );
        assert_eq!(
            default_iam_endpoint("tr-west-1"),
            "https://iam.myhuaweicloud.com"
        );
        assert_eq!(
            default_iam_endpoint("eu-west-101"),
            "https://iam.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            default_vpc_endpoint("eu-west-101"),
            "https://vpc.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            default_iam_endpoint("eu-west-0"),
            "https://iam.eu-west-0.myhuaweicloud.com"
        );
        assert_eq!(REGIONAL_IAM.len(), 25);
    }

    #[test]
    fn debug_of_builder_shows_no_secret() {
        let builder = HuaweiBuilder::new()
            .with_region("cn-north-4")
            .with_password(password())
            .with_access_key(
                AccessKey::new("AKID", "sk-very-secret").with_security_token("st-very-secret"),
            );
        let printed = format!("{builder:?} {builder:#?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("cn-north-4"));
    }

    /// What the environment gives, read from an injected [`Env`] (the process environment is
    /// never touched: tests run in threads).
    #[test]
    fn from_env_reads_every_variable_with_the_documented_precedence() {
        let from = |pairs: &[(&str, &str)]| {
            HuaweiBuilder::from_env_in(
                Env::from_vars(pairs.iter().copied()).with_home("/nonexistent"),
            )
        };
        let keys_of = |b: &HuaweiBuilder| match b.chain_env.as_ref().map(env_credentials) {
            Some(Ok(Some(EnvKeys::Keys {
                access_key,
                secret_key,
                security_token,
            }))) => Some((
                access_key,
                secret_key.expose().to_owned(),
                security_token.map(|(_, t)| t.expose().to_owned()),
            )),
            _ => None,
        };

        // OpenStack names alone give password auth.
        let b = from(&[
            ("OS_REGION_NAME", "ap-southeast-1"),
            ("OS_USERNAME", "os-user"),
            ("OS_PASSWORD", "os-pw"),
            ("OS_USER_DOMAIN_NAME", "os-dom"),
            ("OS_PROJECT_NAME", "ap-southeast-1_sub"),
            ("OS_PROJECT_ID", "os-proj"),
            ("OS_AUTH_URL", "https://iam.example.com/v3"),
        ])
        .unwrap();
        assert_eq!(b.region.as_deref(), Some("ap-southeast-1"));
        assert_eq!(
            b.password.as_ref().map(|p| (
                p.user_name.as_str(),
                p.password.expose(),
                p.domain_name.as_str()
            )),
            Some(("os-user", "os-pw", "os-dom"))
        );
        assert_eq!(
            (b.project_id.as_deref(), b.project_name.as_deref()),
            (Some("os-proj"), Some("ap-southeast-1_sub"))
        );
        assert_eq!(
            b.iam_endpoint.as_deref(),
            Some("https://iam.example.com/v3")
        );
        assert!(b.chain_env.is_none());
        assert!(b.build().is_ok());

        // Aliases with the same value are fine; an AK/SK pair beats a password (whose
        // variables are then not read).
        let b = from(&[
            ("HW_REGION_NAME", "cn-north-4"),
            ("OS_REGION_NAME", "cn-north-4"),
            ("HW_USER_NAME", "hw-user"),
            ("HW_USER_PASSWORD", "hw-pw"),
            ("HW_DOMAIN_NAME", "hw-dom"),
            ("OS_USERNAME", "os-user"),
            ("HW_ACCESS_KEY", "sdk-ak"),
            ("HW_SECRET_KEY", "sdk-sk"),
            ("HUAWEICLOUD_SDK_AK", "sdk-ak"),
            ("HUAWEICLOUD_SDK_SK", "sdk-sk"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "sdk-st"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "sdk-proj"),
            ("HW_PROJECT_NAME", "hw-name"),
            (
                "HUAWEICLOUD_SDK_IAM_ENDPOINT",
                "https://iam.sdk.example.com",
            ),
        ])
        .unwrap();
        assert_eq!(b.region.as_deref(), Some("cn-north-4"));
        assert_eq!(
            keys_of(&b),
            Some(("sdk-ak".into(), "sdk-sk".into(), Some("sdk-st".into())))
        );
        assert!(b.password.is_none());
        assert_eq!(
            (b.project_id.as_deref(), b.project_name.as_deref()),
            (Some("sdk-proj"), Some("hw-name"))
        );
        assert_eq!(
            b.iam_endpoint.as_deref(),
            Some("https://iam.sdk.example.com")
        );

        let b = from(&[
            ("HW_ACCESS_KEY", "hw-ak"),
            ("HW_SECRET_KEY", "hw-sk"),
            ("HW_PROJECT_ID", "hw-proj"),
            ("HW_CLOUD", "myhuaweicloud.eu"),
        ])
        .unwrap();
        assert_eq!(keys_of(&b).map(|k| k.0), Some("hw-ak".to_owned()));
        assert_eq!(b.project_id.as_deref(), Some("hw-proj"));
        assert_eq!(b.cloud.as_deref(), Some("myhuaweicloud.eu"));

        // Two aliases with different values: an error naming both, never a silent choice.
        let both = |pairs: &[(&str, &str)], first: &str, second: &str| match from(pairs) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, first, "{pairs:?}");
                assert!(
                    reason.contains(first) && reason.contains(second),
                    "{reason}"
                );
            }
            other => panic!("{pairs:?}: {other:?}"),
        };
        both(
            &[
                ("HW_REGION_NAME", "cn-north-4"),
                ("OS_REGION_NAME", "other-1"),
            ],
            "HW_REGION_NAME",
            "OS_REGION_NAME",
        );
        both(
            &[("HW_PROJECT_ID", "hw-proj"), ("OS_PROJECT_ID", "os-proj")],
            "HW_PROJECT_ID",
            "OS_PROJECT_ID",
        );
        both(
            &[
                ("HW_USER_NAME", "u"),
                ("OS_USERNAME", "v"),
                ("HW_USER_PASSWORD", "p"),
                ("HW_DOMAIN_NAME", "d"),
            ],
            "HW_USER_NAME",
            "OS_USERNAME",
        );
        both(
            &[
                ("HUAWEICLOUD_SDK_AK", "a1"),
                ("HUAWEICLOUD_SDK_SK", "s"),
                ("HW_ACCESS_KEY", "a2"),
                ("HW_SECRET_KEY", "s"),
            ],
            "HUAWEICLOUD_SDK_AK",
            "HW_ACCESS_KEY",
        );

        // Half a pair or part of the password trio names what is missing.
        let missing = |pairs: &[(&str, &str)]| field(from(pairs));
        assert_eq!(
            missing(&[("HUAWEICLOUD_SDK_AK", "sdk-ak"), ("HW_SECRET_KEY", "hw-sk")]),
            "HUAWEICLOUD_SDK_SK"
        );
        assert_eq!(missing(&[("HW_SECRET_KEY", "hw-sk")]), "HW_ACCESS_KEY");
        assert_eq!(
            missing(&[("HW_USER_NAME", "u"), ("OS_PASSWORD", "p")]),
            "HW_DOMAIN_NAME"
        );
        assert_eq!(
            missing(&[
                ("HW_USER_NAME", "u"),
                ("HW_DOMAIN_NAME", "d"),
                ("HW_USER_PASSWORD", "  "),
            ]),
            "HW_USER_PASSWORD"
        );
        assert_eq!(
            missing(&[("HW_ASSUME_ROLE_AGENCY_NAME", "a")]),
            "HW_ASSUME_ROLE_DOMAIN_NAME"
        );
        assert_eq!(
            missing(&[
                ("HW_ASSUME_ROLE_AGENCY_NAME", "a"),
                ("HW_ASSUME_ROLE_DOMAIN_NAME", "d"),
                ("HW_ASSUME_ROLE_DURATION", "long"),
            ]),
            "HW_ASSUME_ROLE_DURATION"
        );

        // Nothing set: from_env succeeds with the default chain; build names the region.
        let b = from(&[]).unwrap();
        assert!(b.chain_env.is_some());
        assert_eq!(field(from(&[]).unwrap().build()), "region");
        assert!(from(&[]).unwrap().with_region("cn-north-4").build().is_ok());
        // Token auth without a password has no chain to fall back on.
        assert_eq!(
            field(
                HuaweiBuilder::from_env_with_auth_in(
                    Some(AuthMethod::Token),
                    Env::from_vars([("HOME", "/nonexistent")])
                )
                .unwrap()
                .with_region("cn-north-4")
                .build()
            ),
            "credentials"
        );
    }

    #[test]
    fn hw_cloud_moves_the_default_endpoints() {
        let provider = HuaweiBuilder::new()
            .with_region("eu-west-101")
            .with_password(password())
            .build()
            .unwrap();
        assert!(format!("{provider:?}").contains("iam.eu-west-101.myhuaweicloud.eu"));
        let provider = HuaweiBuilder::new()
            .with_region("cn-north-4")
            .with_cloud("example.org")
            .with_password(password())
            .build()
            .unwrap();
        let shown = format!("{provider:?}");
        assert!(
            shown.contains("iam.cn-north-4.example.org")
                && shown.contains("vpc.cn-north-4.example.org"),
            "{shown}"
        );
        assert_eq!(
            field(
                HuaweiBuilder::new()
                    .with_region("cn-north-4")
                    .with_cloud("x/y")
                    .with_password(password())
                    .build()
            ),
            "cloud"
        );
    }
}
