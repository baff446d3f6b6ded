//! The default credential chain, in the order of aliyun/credentials-go
//! `credentials/providers/default.go`: environment → OIDC role (ACK RRSA) → CLI profile
//! (`~/.aliyun/config.json`) → credentials file (`~/.alibabacloud/credentials`) → ECS RAM role
//! (instance metadata) → `ALIBABA_CLOUD_CREDENTIALS_URI`.
//!
//! One difference, on purpose: credentials-go moves on when a profile file is malformed
//! (`default.go` collects the error and tries the next provider). Here a profile file that
//! exists but cannot be used (unreadable, malformed, readable by other users, naming a profile
//! it lacks) stops the chain with an error naming the file: falling through to the instance role
//! would silently act as another identity than the one the file was written for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eip_core::{Error, Result};
use eip_http::{
    read_private_file, CredentialChain, Credentials, Env, FileCache, ProvideCredentials,
    RefreshPolicy, RefreshingCredentials, StaticCredentials, Step,
};
use serde::Deserialize;
use zeroize::Zeroize;

use crate::credential::{self, EnvironmentCredentials, ACCESS_KEY_ID_VARS};
use crate::metadata::{CredentialsUri, EcsMetadata, EcsRamRole};
use crate::sts::{self, AssumeRole, AssumeRoleParams, OidcRole, Sts};

/// Alibaba's documented refresh margin: credentials-go refreshes STS credentials 180 s before
/// they expire (`oidc.go`, `ram_role_arn.go`: `needUpdateCredential`).
pub const REFRESH_AHEAD: Duration = Duration::from_secs(180);

/// What every step needs: the environment, STS, the metadata service, the optional file cache.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub env: Env,
    pub sts: Sts,
    pub metadata: EcsMetadata,
    pub cache: Option<FileCache>,
}

impl Context {
    /// `source` behind the refreshing cache (and the file cache under `identity`, when on).
    pub(crate) fn refreshing(
        &self,
        source: Arc<dyn ProvideCredentials>,
        identity: String,
    ) -> Arc<dyn ProvideCredentials> {
        let fresh = RefreshingCredentials::new(source, RefreshPolicy::new(REFRESH_AHEAD));
        Arc::new(match &self.cache {
            Some(cache) => {
                fresh.with_persistent_cache(cache.clone(), format!("alibaba|{identity}"))
            }
            None => fresh,
        })
    }

    fn assume_role(
        &self,
        over: Arc<dyn ProvideCredentials>,
        over_identity: &str,
        params: AssumeRoleParams,
    ) -> Arc<dyn ProvideCredentials> {
        let identity = format!(
            "assume|{}|{}|{}|{}",
            params.role_arn,
            params.external_id.as_deref().unwrap_or_default(),
            params.policy.as_deref().unwrap_or_default(),
            over_identity
        );
        self.refreshing(
            Arc::new(AssumeRole::new(over, self.sts.clone(), params)),
            identity,
        )
    }

    /// `AssumeRole` over any provider (the builder's `with_assume_role`).
    pub(crate) fn assume_role_over(
        &self,
        over: Arc<dyn ProvideCredentials>,
        params: AssumeRoleParams,
    ) -> Arc<dyn ProvideCredentials> {
        let identity = format!("chain:{}", over.name());
        self.assume_role(over, &identity, params)
    }

    fn oidc(&self, oidc: Oidc) -> Arc<dyn ProvideCredentials> {
        let identity = format!("oidc|{}|{}", oidc.role_arn, oidc.provider_arn);
        let role = OidcRole {
            sts: self.sts.clone(),
            role_arn: oidc.role_arn,
            provider_arn: oidc.provider_arn,
            token_file: oidc.token_file,
            session_name: oidc.session_name.unwrap_or_else(sts::default_session_name),
            duration_seconds: oidc
                .duration_seconds
                .unwrap_or(sts::DEFAULT_DURATION_SECONDS),
            policy: oidc.policy,
        };
        self.refreshing(Arc::new(role), identity)
    }

    fn ecs_role(&self, role: Option<String>) -> Arc<dyn ProvideCredentials> {
        let identity = format!(
            "ecs|{}|{}",
            self.metadata.endpoint(),
            role.as_deref().unwrap_or_default()
        );
        self.refreshing(
            Arc::new(EcsRamRole {
                metadata: self.metadata.clone(),
                role,
            }),
            identity,
        )
    }

    fn uri(&self, field: &str, url: &str) -> Result<Arc<dyn ProvideCredentials>> {
        let source = CredentialsUri::new(field, url)?;
        let identity = format!("uri|{}", source.url.host_str().unwrap_or_default());
        Ok(self.refreshing(Arc::new(source), identity))
    }
}

struct Oidc {
    role_arn: String,
    provider_arn: String,
    token_file: PathBuf,
    session_name: Option<String>,
    duration_seconds: Option<u32>,
    policy: Option<String>,
}

/// The default chain over `context`.
pub(crate) fn default_chain(context: Context) -> CredentialChain {
    let c = Arc::new(context);
    let (env_c, oidc_c, cli_c, ini_c, ecs_c, uri_c) =
        (c.clone(), c.clone(), c.clone(), c.clone(), c.clone(), c);
    let cli_file = cli_profile_path(&cli_c.env);
    let ini_file = ini_path(&ini_c.env);
    CredentialChain::new("alibaba")
        .with_step("environment", move || environment_step(&env_c))
        .with_step("oidc (ACK RRSA)", move || oidc_step(&oidc_c))
        .with_step(format!("cli profile {}", cli_file.display()), move || {
            cli_step(&cli_c)
        })
        .with_step(
            format!("credentials file {}", ini_file.display()),
            move || ini_step(&ini_c),
        )
        .with_step("ecs ram role (instance metadata)", move || ecs_step(&ecs_c))
        .with_step("credentials uri", move || uri_step(&uri_c))
}

fn environment_step(c: &Context) -> Step {
    match credential::from_env(&c.env) {
        Ok(Some(_)) => Step::Use(Arc::new(EnvironmentCredentials { env: c.env.clone() })),
        Ok(None) => Step::Skip(format!("{} not set", ACCESS_KEY_ID_VARS[0])),
        Err(error) => Step::Stop(error),
    }
}

const OIDC_VARS: [&str; 3] = [
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
];

fn oidc_step(c: &Context) -> Step {
    let values = OIDC_VARS.map(|v| c.env.var(v));
    let missing: Vec<&str> = OIDC_VARS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
    let [Some(role_arn), Some(provider_arn), Some(token_file)] = values else {
        return Step::Skip(format!("{} not set", missing.join(", ")));
    };
    let duration = match c.env.var("ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION") {
        Some(text) => match text.parse::<u32>() {
            Ok(seconds) => Some(seconds),
            Err(_) => {
                return Step::Stop(Error::invalid_input(
                    "ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION",
                    "not a number of seconds",
                ))
            }
        },
        None => None,
    };
    Step::Use(c.oidc(Oidc {
        role_arn,
        provider_arn,
        token_file: c.env.expand(&token_file),
        session_name: c.env.var("ALIBABA_CLOUD_ROLE_SESSION_NAME"),
        duration_seconds: duration,
        policy: None,
    }))
}

fn cli_profile_path(env: &Env) -> PathBuf {
    env.var("ALIBABA_CLOUD_CONFIG_FILE")
        .map(|f| env.expand(&f))
        .unwrap_or_else(|| env.expand("~/.aliyun/config.json"))
}

fn ini_path(env: &Env) -> PathBuf {
    env.var("ALIBABA_CLOUD_CREDENTIALS_FILE")
        .map(|f| env.expand(&f))
        .unwrap_or_else(|| env.expand("~/.alibabacloud/credentials"))
}

/// The CLI's `config.json`, with every field a mode uses (credentials-go `cli_profile.go`).
#[derive(Deserialize)]
pub(crate) struct CliConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
pub(crate) struct CliProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    ram_role_arn: String,
    #[serde(default)]
    ram_session_name: String,
    #[serde(default)]
    expired_seconds: u32,
    #[serde(default)]
    sts_region: String,
    #[serde(default)]
    enable_vpc: bool,
    #[serde(default)]
    source_profile: String,
    #[serde(default)]
    ram_role_name: String,
    #[serde(default)]
    oidc_token_file: String,
    #[serde(default)]
    oidc_provider_arn: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    credentials_uri: String,
    #[serde(default)]
    process_command: String,
}

impl Drop for CliProfile {
    fn drop(&mut self) {
        self.access_key_secret.zeroize();
        self.sts_token.zeroize();
    }
}

/// Reads the CLI profile file: `Ok(None)` when it is absent.
pub(crate) fn read_cli_config(file: &Path) -> Result<Option<CliConfig>> {
    let Some(text) = read_private_file(file)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::invalid_input(
            file.display().to_string(),
            // Line and column only: serde_json's text can quote a value (a secret).
            format!(
                "not a valid CLI profile file (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

/// The region of the CLI profile the chain would use, if readable.
pub(crate) fn cli_region(env: &Env) -> Option<String> {
    if env.flag("ALIBABA_CLOUD_CLI_PROFILE_DISABLED") {
        return None;
    }
    let config = read_cli_config(&cli_profile_path(env)).ok()??;
    let name = env
        .var("ALIBABA_CLOUD_PROFILE")
        .or(config.current.clone())?;
    config
        .profiles
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.region_id.clone())
        .filter(|r| !r.is_empty())
}

fn cli_step(c: &Context) -> Step {
    if c.env.flag("ALIBABA_CLOUD_CLI_PROFILE_DISABLED") {
        return Step::Skip("disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED".into());
    }
    let file = cli_profile_path(&c.env);
    let config = match read_cli_config(&file) {
        Ok(Some(config)) => config,
        Ok(None) => return Step::Skip("file absent".into()),
        Err(error) => return Step::Stop(error),
    };
    let field = file.display().to_string();
    let (name, named_by) = match c.env.var("ALIBABA_CLOUD_PROFILE") {
        Some(name) => (name, "ALIBABA_CLOUD_PROFILE".to_owned()),
        None => match config.current.clone().filter(|n| !n.is_empty()) {
            Some(name) => (name, format!("{field} (current)")),
            None => ("default".to_owned(), field.clone()),
        },
    };
    if !config.profiles.iter().any(|p| p.name == name) {
        return Step::Stop(Error::invalid_input(
            named_by,
            format!("there is no profile {name:?} in {field}"),
        ));
    }
    match cli_provider(c, &config, &name, &field, 0) {
        Ok(provider) => Step::Use(provider),
        Err(error) => Step::Stop(error),
    }
}

fn cli_provider(
    c: &Context,
    config: &CliConfig,
    name: &str,
    field: &str,
    depth: u8,
) -> Result<Arc<dyn ProvideCredentials>> {
    let at = |key: &str| format!("{field}: profile {name:?} {key}");
    let p = config
        .profiles
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            Error::invalid_input(at("source_profile"), "names no profile of the file")
        })?;
    let required = |key: &str, value: &str| {
        if value.is_empty() {
            Err(Error::invalid_input(
                at(key),
                format!("is missing (mode {})", p.mode),
            ))
        } else {
            Ok(value.to_owned())
        }
    };
    let keys = || -> Result<Credentials> {
        Ok(Credentials::new(
            required("access_key_id", &p.access_key_id)?,
            required("access_key_secret", &p.access_key_secret)?,
        )
        .with_source("profile"))
    };
    let role = |over: Arc<dyn ProvideCredentials>,
                over_identity: &str|
     -> Result<Arc<dyn ProvideCredentials>> {
        let params = role_params(
            required("ram_role_arn", &p.ram_role_arn)?,
            &p.ram_session_name,
            p.expired_seconds,
            &p.external_id,
            &p.policy,
        );
        params.check(&at("ram_role_arn"))?;
        let mut context = c.clone();
        if !p.sts_region.is_empty() || p.enable_vpc {
            context.sts.endpoint = sts::endpoint(
                &c.env,
                Some(p.sts_region.as_str()).filter(|r| !r.is_empty()),
                p.enable_vpc,
                &eip_http::ClientOptions::new(),
            )?;
        }
        Ok(context.assume_role(over, over_identity, params))
    };
    // Modes compared as the CLI writes them; case-insensitively, as the CLI reads them.
    match p.mode.to_ascii_lowercase().as_str() {
        "ak" => Ok(Arc::new(StaticCredentials::new(keys()?))),
        "ststoken" => Ok(Arc::new(StaticCredentials::new(
            keys()?.with_security_token(required("sts_token", &p.sts_token)?),
        ))),
        "ramrolearn" => {
            let keys = keys()?;
            let identity = keys.access_key_id.clone();
            role(Arc::new(StaticCredentials::new(keys)), &identity)
        }
        "chainableramrolearn" => {
            let source = required("source_profile", &p.source_profile)?;
            if depth > 4 {
                return Err(Error::invalid_input(
                    at("source_profile"),
                    "the chain of source profiles loops",
                ));
            }
            let over = cli_provider(c, config, &source, field, depth + 1)?;
            role(over, &format!("profile:{source}"))
        }
        "ecsramrole" => Ok(c.ecs_role(Some(p.ram_role_name.clone()).filter(|r| !r.is_empty()))),
        "oidc" => Ok(c.oidc(Oidc {
            role_arn: required("ram_role_arn", &p.ram_role_arn)?,
            provider_arn: required("oidc_provider_arn", &p.oidc_provider_arn)?,
            token_file: c
                .env
                .expand(&required("oidc_token_file", &p.oidc_token_file)?),
            session_name: Some(p.ram_session_name.clone()).filter(|s| !s.is_empty()),
            duration_seconds: Some(p.expired_seconds).filter(|d| *d != 0),
            policy: Some(p.policy.clone()).filter(|s| !s.is_empty()),
        })),
        "credentialsuri" => c.uri(
            &at("credentials_uri"),
            &required("credentials_uri", &p.credentials_uri)?,
        ),
        "external" => Ok(c.refreshing(
            Arc::new(External {
                field: at("process_command"),
                command: required("process_command", &p.process_command)?,
            }),
            format!("external|{name}"),
        )),
        _ => Err(Error::invalid_input(
            at("mode"),
            format!(
                "mode {:?} is not supported; use AK, StsToken, RamRoleArn, ChainableRamRoleArn, \
                 EcsRamRole, OIDC, CredentialsURI or External",
                p.mode
            ),
        )),
    }
}

fn role_params(
    role_arn: String,
    session: &str,
    duration: u32,
    external_id: &str,
    policy: &str,
) -> AssumeRoleParams {
    AssumeRoleParams {
        role_arn,
        session_name: Some(session.to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(sts::default_session_name),
        duration_seconds: if duration == 0 {
            sts::DEFAULT_DURATION_SECONDS
        } else {
            duration
        },
        external_id: Some(external_id.to_owned()).filter(|s| !s.is_empty()),
        policy: Some(policy.to_owned()).filter(|s| !s.is_empty()),
    }
}

/// The INI credentials file (credentials-go `credentials/providers/profile.go`): a section per
/// profile (`ALIBABA_CLOUD_PROFILE`, else `default`) with `type` = `access_key`,
/// `ecs_ram_role`, `ram_role_arn` or `oidc_role_arn`.
fn ini_step(c: &Context) -> Step {
    let file = ini_path(&c.env);
    let text = match read_private_file(&file) {
        Ok(Some(text)) => text,
        Ok(None) => return Step::Skip("file absent".into()),
        Err(error) => return Step::Stop(error),
    };
    let field = file.display().to_string();
    let name = c
        .env
        .var("ALIBABA_CLOUD_PROFILE")
        .unwrap_or_else(|| "default".into());
    let sections = match parse_ini(&text) {
        Ok(sections) => sections,
        Err(line) => {
            return Step::Stop(Error::invalid_input(
                field,
                format!("line {line} is neither [section], key = value nor a comment"),
            ))
        }
    };
    let Some(section) = sections.get(&name) else {
        return Step::Skip(format!("no [{name}] section"));
    };
    match ini_provider(c, section, &format!("{field} [{name}]")) {
        Ok(provider) => Step::Use(provider),
        Err(error) => Step::Stop(error),
    }
}

type Section = BTreeMap<String, String>;

/// `[section]` / `key = value` / `#` or `;` comments; `Err(line number)` on anything else.
fn parse_ini(text: &str) -> std::result::Result<BTreeMap<String, Section>, usize> {
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_owned());
            sections.entry(name.trim().to_owned()).or_default();
            continue;
        }
        match (line.split_once('='), &current) {
            (Some((key, value)), Some(section)) => {
                sections
                    .entry(section.clone())
                    .or_default()
                    .insert(key.trim().to_owned(), value.trim().to_owned());
            }
            _ => return Err(n.saturating_add(1)),
        }
    }
    Ok(sections)
}

fn ini_provider(c: &Context, section: &Section, at: &str) -> Result<Arc<dyn ProvideCredentials>> {
    let get = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
    let required = |key: &str| {
        get(key).ok_or_else(|| Error::invalid_input(format!("{at} {key}"), "is missing"))
    };
    let kind = required("type")?;
    let keys = || -> Result<Credentials> {
        Ok(
            Credentials::new(required("access_key_id")?, required("access_key_secret")?)
                .with_source("profile"),
        )
    };
    match kind.as_str() {
        "access_key" => Ok(Arc::new(StaticCredentials::new(keys()?))),
        "ecs_ram_role" => Ok(c.ecs_role(get("role_name"))),
        "ram_role_arn" => {
            let keys = keys()?;
            let identity = keys.access_key_id.clone();
            let params = role_params(
                required("role_arn")?,
                &get("role_session_name").unwrap_or_default(),
                0,
                "",
                &get("policy").unwrap_or_default(),
            );
            params.check(&format!("{at} role_arn"))?;
            Ok(c.assume_role(Arc::new(StaticCredentials::new(keys)), &identity, params))
        }
        "oidc_role_arn" => Ok(c.oidc(Oidc {
            role_arn: required("role_arn")?,
            provider_arn: required("oidc_provider_arn")?,
            token_file: c.env.expand(&required("oidc_token_file_path")?),
            session_name: get("role_session_name"),
            duration_seconds: None,
            policy: get("policy"),
        })),
        other => Err(Error::invalid_input(
            format!("{at} type"),
            format!("{other:?} is not access_key, ecs_ram_role, ram_role_arn or oidc_role_arn"),
        )),
    }
}

fn ecs_step(c: &Context) -> Step {
    if c.env.flag("ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
        return Step::Skip("disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED".into());
    }
    // A role named by ALIBABA_CLOUD_ECS_METADATA is configured; otherwise the metadata service
    // is only known to be there when it answers.
    match c.env.var("ALIBABA_CLOUD_ECS_METADATA") {
        Some(role) => Step::Use(c.ecs_role(Some(role))),
        None => Step::Probe(c.ecs_role(None)),
    }
}

fn uri_step(c: &Context) -> Step {
    match c.env.var("ALIBABA_CLOUD_CREDENTIALS_URI") {
        None => Step::Skip("ALIBABA_CLOUD_CREDENTIALS_URI not set".into()),
        Some(url) => match c.uri("ALIBABA_CLOUD_CREDENTIALS_URI", &url) {
            Ok(provider) => Step::Use(provider),
            Err(error) => Step::Stop(error),
        },
    }
}

/// A profile of mode `External`: a command printing `{"mode":"AK"|"StsToken",
/// "access_key_id", "access_key_secret", "sts_token", "expiration"}` (credentials-go
/// `credentials/providers/external.go`), run again at each refresh.
#[derive(Debug)]
struct External {
    field: String,
    command: String,
}

#[derive(Deserialize)]
struct ExternalAnswer {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    expiration: String,
}

impl Drop for ExternalAnswer {
    fn drop(&mut self) {
        self.access_key_secret.zeroize();
        self.sts_token.zeroize();
    }
}

#[async_trait]
impl ProvideCredentials for External {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let mut words = self.command.split_whitespace();
        let program = words
            .next()
            .ok_or_else(|| Error::invalid_input(self.field.clone(), "is empty"))?;
        let run = tokio::process::Command::new(program)
            .args(words)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .map_err(|_| {
                Error::invalid_input(self.field.clone(), "the command ran for more than 60 s")
            })?
            .map_err(|e| {
                Error::invalid_input(self.field.clone(), format!("cannot run the command: {e}"))
            })?;
        if !output.status.success() {
            return Err(Error::invalid_input(
                self.field.clone(),
                format!("the command failed ({})", output.status),
            ));
        }
        let mut stdout = output.stdout;
        let parsed = serde_json::from_slice::<ExternalAnswer>(&stdout);
        stdout.zeroize();
        let mut answer = parsed.map_err(|_| {
            Error::invalid_input(
                self.field.clone(),
                "the command did not print a credentials JSON object",
            )
        })?;
        if answer.access_key_id.is_empty() || answer.access_key_secret.is_empty() {
            return Err(Error::invalid_input(
                self.field.clone(),
                "the command printed no access_key_id / access_key_secret",
            ));
        }
        let mut credentials = Credentials::new(
            std::mem::take(&mut answer.access_key_id),
            std::mem::take(&mut answer.access_key_secret),
        )
        .with_source("external");
        if answer.mode.eq_ignore_ascii_case("StsToken") || !answer.sts_token.is_empty() {
            credentials = credentials.with_security_token(std::mem::take(&mut answer.sts_token));
        }
        if !answer.expiration.is_empty() {
            credentials.expires_at = Some(
                crate::metadata::parse_expiration(&answer.expiration).ok_or_else(|| {
                    Error::invalid_input(self.field.clone(), "expiration is not a UTC time")
                })?,
            );
        }
        Ok(Arc::new(credentials))
    }

    fn name(&self) -> &'static str {
        "external"
    }
}
