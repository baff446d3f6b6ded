//! The default credential chain, as the official SDK and Terraform look for credentials:
//!
//! 1. **environment**: OIDC federation (`HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`,
//!    preferred over keys as the SDK's `EnvCredentialProvider` does), else the AK/SK pair
//!    `HUAWEICLOUD_SDK_AK`/`_SK` (+ `HUAWEICLOUD_SDK_SECURITY_TOKEN`) or `HW_ACCESS_KEY`/
//!    `HW_SECRET_KEY` (+ `HW_SECURITY_TOKEN`). (A password, `HW_USER_*` / `OS_*`, is read by
//!    [`HuaweiBuilder::from_env`](crate::HuaweiBuilder::from_env) before the chain: it gives an
//!    IAM token, not an AK/SK.)
//! 2. **profile**: `HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`, section
//!    `[basic]`: `ak`, `sk`, `security_token`, or `idp_id` + `id_token_file` (federation);
//!    `project_id` and `iam_endpoint` configure the provider (huaweicloud-sdk-python-v3
//!    `huaweicloudsdkcore/auth/provider.py`, `ProfileCredentialProvider`).
//! 3. **KooCLI**: `HW_SHARED_CONFIG_FILE` or `~/.hcloud/config.json`, profile `HW_PROFILE` or
//!    the file's `current`, mode `AKSK` (`accessKeyId`, `secretAccessKey`, `securityToken`;
//!    `region`, `projectId`, `agencyName` + `agencyDomainName` configure the provider), as
//!    Terraform reads it (huaweicloud/terraform-provider-huaweicloud `huaweicloud/config/auth.go`,
//!    `buildClientByConfig`).
//! 4. **ECS metadata**: the instance agency's temporary AK/SK ([`crate::metadata`]).
//!
//! A file that is absent, or a profile without the keys, is skipped; a file that other users
//! may read, that cannot be read, or that is not valid stops the chain with an error naming the
//! file: falling through to the instance's agency would hide the mistake (and act with other
//! permissions than the ones the file was written for). The official SDK's chain skips every
//! failure; Terraform stops on a broken shared config file; this follows Terraform.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use eip_core::{Error, Result, Secret};
use eip_http::{
    read_private_file, CredentialChain, Credentials, Env, FileCache, ProvideCredentials,
    RefreshPolicy, RefreshingCredentials, Step,
};
use serde::Deserialize;

use crate::federation::{FederatedCredentials, Iam};
use crate::metadata::{MetadataCredentials, MetadataSession};

/// Temporary credentials are refreshed this long before they expire (never past half their
/// life): the official SDK's `_DEFAULT_EXPIRATION_THRESHOLD_SECONDS` (huaweicloud-sdk-python-v3
/// `huaweicloudsdkcore/auth/credentials.py`).
pub const REFRESH_AHEAD: Duration = Duration::from_secs(40 * 60);

/// The refresh policy of every temporary source.
pub(crate) fn refresh_policy() -> RefreshPolicy {
    RefreshPolicy::new(REFRESH_AHEAD)
}

/// Both halves of a pair, or neither; one half alone names the missing variable.
fn pair(env: &Env, first: &'static str, second: &'static str) -> Result<Option<(String, String)>> {
    match (env.first_of(&[first])?, env.first_of(&[second])?) {
        (Some((_, a)), Some((_, b))) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::invalid_input(
            second,
            format!("{first} is set but {second} is not"),
        )),
        (None, Some(_)) => Err(Error::invalid_input(
            first,
            format!("{second} is set but {first} is not"),
        )),
    }
}

/// Credentials the environment names.
#[derive(Debug)]
pub(crate) enum EnvCredentials {
    /// OIDC federation: the identity provider and the id token file.
    Federation { idp_id: String, token_file: PathBuf },
    /// An AK/SK pair, temporary when a security token is set (with the variable it came from).
    Keys {
        access_key: String,
        secret_key: Secret,
        security_token: Option<(&'static str, Secret)>,
    },
}

/// What the environment holds: federation (preferred, as the SDK does), an AK/SK pair, or
/// nothing; contradictions and half pairs are errors naming the variable.
pub(crate) fn env_credentials(env: &Env) -> Result<Option<EnvCredentials>> {
    if let Some((idp_id, token_file)) = pair(
        env,
        "HUAWEICLOUD_SDK_IDP_ID",
        "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
    )? {
        return Ok(Some(EnvCredentials::Federation {
            idp_id,
            token_file: env.expand(&token_file),
        }));
    }
    let sdk = pair(env, "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK")?;
    let hw = pair(env, "HW_ACCESS_KEY", "HW_SECRET_KEY")?;
    let keys =
        match (sdk, hw) {
            (Some(a), Some(b)) if a.0 != b.0 => return Err(Error::invalid_input(
                "HUAWEICLOUD_SDK_AK",
                "HUAWEICLOUD_SDK_AK and HW_ACCESS_KEY are both set, to different values; unset one",
            )),
            (Some(a), Some(b)) if a.1 != b.1 => return Err(Error::invalid_input(
                "HUAWEICLOUD_SDK_SK",
                "HUAWEICLOUD_SDK_SK and HW_SECRET_KEY are both set, to different values; unset one",
            )),
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
    let Some((access_key, secret_key)) = keys else {
        return Ok(None);
    };
    let security_token = env
        .first_of(&["HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"])?
        .map(|(name, token)| (name, Secret::new(token)));
    Ok(Some(EnvCredentials::Keys {
        access_key,
        secret_key: Secret::new(secret_key),
        security_token,
    }))
}

/// Long-lived or temporary keys read from a variable or a file. When the service refuses them
/// (an expired security token), they are read again once: a rotated file (or variable) is then
/// used; the same keys again are an error naming where they came from.
pub(crate) struct ReadKeys {
    origin: String,
    source: &'static str,
    read: Box<dyn Fn() -> Result<Option<Credentials>> + Send + Sync>,
    current: Mutex<Arc<Credentials>>,
    refused: AtomicBool,
}

impl fmt::Debug for ReadKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadKeys")
            .field("origin", &self.origin)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ReadKeys {
    fn new(
        origin: String,
        first: Credentials,
        read: impl Fn() -> Result<Option<Credentials>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            origin,
            source: first.source,
            read: Box::new(read),
            current: Mutex::new(Arc::new(first)),
            refused: AtomicBool::new(false),
        }
    }

    fn current(&self) -> Arc<Credentials> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl ProvideCredentials for ReadKeys {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        if !self.refused.load(Ordering::SeqCst) {
            return Ok(self.current());
        }
        let stale = self.current();
        match (self.read)()? {
            Some(fresh)
                if fresh.access_key_id != stale.access_key_id
                    || fresh.security_token != stale.security_token =>
            {
                tracing::debug!(origin = %self.origin, "re-read credentials after a refusal");
                let fresh = Arc::new(fresh);
                *self
                    .current
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
                self.refused.store(false, Ordering::SeqCst);
                Ok(fresh)
            }
            _ => Err(Error::Unauthenticated {
                reason: format!(
                    "the {} credentials from {} were refused{}, and reading them again gave the \
                     same ones: set fresh ones",
                    self.source,
                    self.origin,
                    if stale.security_token.is_some() {
                        " (the security token has probably expired)"
                    } else {
                        ""
                    }
                ),
                service: None,
            }),
        }
    }

    fn name(&self) -> &'static str {
        self.source
    }

    fn invalidate(&self, stale: &Credentials) {
        let current = self.current();
        if current.access_key_id == stale.access_key_id
            && current.security_token == stale.security_token
        {
            self.refused.store(true, Ordering::SeqCst);
        }
    }
}

/// Where the chain finds its files, its IAM endpoint, its metadata service and its cache.
#[derive(Clone)]
pub(crate) struct ChainParts {
    pub env: Env,
    pub iam: Iam,
    pub metadata: Arc<MetadataSession>,
    pub cache: Option<FileCache>,
}

impl ChainParts {
    /// A temporary source, refreshed ahead of expiry, persisted under `identity` when a file
    /// cache is configured.
    pub(crate) fn refreshing(
        &self,
        source: Arc<dyn ProvideCredentials>,
        identity: String,
    ) -> Arc<dyn ProvideCredentials> {
        let refreshing = RefreshingCredentials::new(source, refresh_policy());
        Arc::new(match &self.cache {
            Some(cache) => refreshing.with_persistent_cache(cache.clone(), identity),
            None => refreshing,
        })
    }

    fn federation(
        &self,
        iam: Iam,
        idp_id: String,
        token_file: PathBuf,
    ) -> Arc<dyn ProvideCredentials> {
        let identity = format!(
            "huawei|oidc|{}|{idp_id}|{}",
            iam.endpoint,
            token_file.display()
        );
        self.refreshing(
            Arc::new(FederatedCredentials::new(iam, idp_id, token_file)),
            identity,
        )
    }
}

/// The path of the SDK's credentials file.
fn profile_path(env: &Env) -> PathBuf {
    match env.var("HUAWEICLOUD_SDK_CREDENTIALS_FILE") {
        Some(path) => env.expand(&path),
        None => env.expand("~/.huaweicloud/credentials"),
    }
}

/// The path of KooCLI's configuration.
fn koocli_path(env: &Env) -> PathBuf {
    match env.var("HW_SHARED_CONFIG_FILE") {
        Some(path) => env.expand(&path),
        None => env.expand("~/.hcloud/config.json"),
    }
}

/// The `[basic]` section of the SDK's credentials file: `Ok(None)` when the file is absent;
/// an error naming the file when it is unreadable, accessible to others, or not INI.
pub(crate) fn basic_profile(env: &Env) -> Result<Option<(PathBuf, BTreeMap<String, String>)>> {
    let path = profile_path(env);
    let Some(text) = read_private_file(&path)? else {
        return Ok(None);
    };
    let field = path.display().to_string();
    let mut section: Option<String> = None;
    let mut basic = BTreeMap::new();
    let mut found = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_ascii_lowercase());
            found |= section.as_deref() == Some("basic");
            continue;
        }
        let Some((key, value)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            return Err(Error::invalid_input(
                field,
                format!("line {} is neither a [section] nor key = value", number + 1),
            ));
        };
        if section.as_deref() == Some("basic") {
            basic.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    if !found {
        return Ok(Some((path, BTreeMap::new())));
    }
    Ok(Some((path, basic)))
}

/// KooCLI's `config.json`, as Terraform reads it.
#[derive(Deserialize)]
struct SharedConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<SharedProfile>,
    #[serde(default, rename = "authEncrypt")]
    auth_encrypt: Option<serde_json::Value>,
}

/// One KooCLI profile.
#[derive(Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SharedProfile {
    pub name: String,
    pub mode: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub security_token: String,
    pub region: String,
    pub project_id: String,
    pub agency_name: String,
    pub agency_domain_name: String,
    pub agency_domain_id: String,
}

impl fmt::Debug for SharedProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedProfile")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The KooCLI profile to use (`HW_PROFILE` or `current`): `Ok(None)` when the file is absent;
/// an error naming the file when it is unreadable, accessible to others, not the expected
/// JSON, encrypted, or lacks the profile.
pub(crate) fn koocli_profile(env: &Env) -> Result<Option<(PathBuf, SharedProfile)>> {
    let path = koocli_path(env);
    let Some(text) = read_private_file(&path)? else {
        return Ok(None);
    };
    let field = path.display().to_string();
    let config: SharedConfig = serde_json::from_str(&text).map_err(|e| {
        Error::invalid_input(
            field.clone(),
            format!(
                "not a KooCLI configuration (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let encrypted = match &config.auth_encrypt {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if encrypted {
        // huaweicloud/terraform-provider-huaweicloud docs/index.md: the keys must be stored
        // unencrypted for another program to read them.
        return Err(Error::invalid_input(
            field,
            "its keys are encrypted; run `hcloud configure set --cli-auth-encrypt=false`",
        ));
    }
    let wanted = env
        .var("HW_PROFILE")
        .or(config.current.clone())
        .unwrap_or_else(|| "default".to_owned());
    let profile = config
        .profiles
        .into_iter()
        .find(|p| p.name == wanted)
        .ok_or_else(|| Error::invalid_input(field.clone(), format!("has no profile {wanted:?}")))?;
    Ok(Some((path, profile)))
}

fn keys(
    access: String,
    secret: String,
    token: Option<String>,
    source: &'static str,
) -> Credentials {
    let credentials = Credentials::new(access, Secret::new(secret)).with_source(source);
    match token.filter(|t| !t.is_empty()) {
        Some(token) => credentials.with_security_token(Secret::new(token)),
        None => credentials,
    }
}

/// The environment step's provider, or why it is skipped.
fn environment_step(parts: &ChainParts) -> Step {
    let found = match env_credentials(&parts.env) {
        Ok(found) => found,
        Err(error) => return Step::Stop(error),
    };
    match found {
        None => Step::Skip(
            "HUAWEICLOUD_SDK_AK/_SK, HW_ACCESS_KEY/HW_SECRET_KEY and HUAWEICLOUD_SDK_IDP_ID not set"
                .into(),
        ),
        Some(EnvCredentials::Federation { idp_id, token_file }) => {
            Step::Use(parts.federation(parts.iam.clone(), idp_id, token_file))
        }
        Some(EnvCredentials::Keys {
            access_key,
            secret_key,
            security_token,
        }) => {
            let origin = match &security_token {
                Some((variable, _)) => format!("the environment ({variable})"),
                None => "the environment".to_owned(),
            };
            let first = keys(
                access_key,
                secret_key.expose().to_owned(),
                security_token.map(|(_, t)| t.expose().to_owned()),
                "environment",
            );
            let env = parts.env.clone();
            Step::Use(Arc::new(ReadKeys::new(origin, first, move || {
                Ok(match env_credentials(&env)? {
                    Some(EnvCredentials::Keys {
                        access_key,
                        secret_key,
                        security_token,
                    }) => Some(keys(
                        access_key,
                        secret_key.expose().to_owned(),
                        security_token.map(|(_, t)| t.expose().to_owned()),
                        "environment",
                    )),
                    _ => None,
                })
            })))
        }
    }
}

/// Keys or federation from the `[basic]` section.
fn profile_step(parts: &ChainParts) -> Step {
    let (path, basic) = match basic_profile(&parts.env) {
        Ok(Some(found)) => found,
        Ok(None) => return Step::Skip("file absent".into()),
        Err(error) => return Step::Stop(error),
    };
    let get = |key: &str| basic.get(key).filter(|v| !v.is_empty()).cloned();
    let field = path.display().to_string();
    if let (Some(idp_id), Some(token_file)) = (get("idp_id"), get("id_token_file")) {
        // The file's `iam_endpoint` is the builder's (`HuaweiBuilder::from_env` folds it in
        // unless one is given), checked there like any endpoint before a request is sent.
        return Step::Use(parts.federation(
            parts.iam.clone(),
            idp_id,
            parts.env.expand(&token_file),
        ));
    }
    match (get("ak"), get("sk")) {
        (Some(ak), Some(sk)) => {
            let first = keys(ak, sk, get("security_token"), "profile");
            let env = parts.env.clone();
            Step::Use(Arc::new(ReadKeys::new(field, first, move || {
                Ok(basic_profile(&env)?.and_then(|(_, basic)| {
                    let get = |key: &str| basic.get(key).filter(|v| !v.is_empty()).cloned();
                    Some(keys(
                        get("ak")?,
                        get("sk")?,
                        get("security_token"),
                        "profile",
                    ))
                }))
            })))
        }
        (None, None) => Step::Skip("no [basic] ak/sk or idp_id/id_token_file".into()),
        _ => Step::Stop(Error::invalid_input(
            field,
            "the [basic] section has only one of ak and sk",
        )),
    }
}

/// Keys from KooCLI's profile in `AKSK` mode.
fn koocli_step(parts: &ChainParts) -> Step {
    let (path, profile) = match koocli_profile(&parts.env) {
        Ok(Some(found)) => found,
        Ok(None) => return Step::Skip("file absent".into()),
        Err(error) => return Step::Stop(error),
    };
    let field = path.display().to_string();
    if !profile.mode.is_empty() && !profile.mode.eq_ignore_ascii_case("AKSK") {
        return Step::Skip(format!(
            "profile {:?} is in mode {:?}, not AKSK",
            profile.name, profile.mode
        ));
    }
    if profile.access_key_id.is_empty() || profile.secret_access_key.is_empty() {
        return Step::Stop(Error::invalid_input(
            field,
            format!(
                "profile {:?} lacks accessKeyId or secretAccessKey",
                profile.name
            ),
        ));
    }
    let first = keys(
        profile.access_key_id,
        profile.secret_access_key,
        Some(profile.security_token),
        "koocli",
    );
    let env = parts.env.clone();
    Step::Use(Arc::new(ReadKeys::new(field, first, move || {
        Ok(koocli_profile(&env)?.map(|(_, p)| {
            keys(
                p.access_key_id,
                p.secret_access_key,
                Some(p.security_token),
                "koocli",
            )
        }))
    })))
}

/// The default chain over `parts`.
pub(crate) fn default_chain(parts: &ChainParts) -> CredentialChain {
    let metadata = parts.refreshing(
        Arc::new(MetadataCredentials::new(parts.metadata.clone())),
        format!("huawei|ecs-metadata|{}", parts.metadata.endpoint()),
    );
    let profile = format!("profile {}", profile_path(&parts.env).display());
    let koocli = format!("KooCLI {}", koocli_path(&parts.env).display());
    let metadata_name = format!(
        "ecs metadata {}",
        parts.metadata.endpoint().trim_end_matches('/')
    );
    let (env_parts, profile_parts, koocli_parts) = (parts.clone(), parts.clone(), parts.clone());
    CredentialChain::new("huawei")
        .with_step("environment", move || environment_step(&env_parts))
        .with_step(profile, move || profile_step(&profile_parts))
        .with_step(koocli, move || koocli_step(&koocli_parts))
        .with_step(metadata_name, move || Step::Probe(metadata.clone()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_environment_prefers_federation_then_names_what_is_missing() {
        let env = Env::from_vars([
            ("HUAWEICLOUD_SDK_IDP_ID", "idp"),
            ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", "/t"),
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
        ]);
        assert!(matches!(
            env_credentials(&env).unwrap(),
            Some(EnvCredentials::Federation { .. })
        ));
        let env = Env::from_vars([
            ("HW_ACCESS_KEY", "ak"),
            ("HW_SECRET_KEY", "sk"),
            ("HW_SECURITY_TOKEN", "st"),
        ]);
        match env_credentials(&env).unwrap() {
            Some(EnvCredentials::Keys {
                access_key,
                security_token,
                ..
            }) => {
                assert_eq!(access_key, "ak");
                assert_eq!(security_token.map(|(v, _)| v), Some("HW_SECURITY_TOKEN"));
            }
            other => panic!("{other:?}"),
        }
        let field = |env: Env| match env_credentials(&env) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(Env::from_vars([("HUAWEICLOUD_SDK_IDP_ID", "idp")])),
            "HUAWEICLOUD_SDK_ID_TOKEN_FILE"
        );
        assert_eq!(
            field(Env::from_vars([
                ("HUAWEICLOUD_SDK_AK", "a"),
                ("HUAWEICLOUD_SDK_SK", "s"),
                ("HW_ACCESS_KEY", "b"),
                ("HW_SECRET_KEY", "s")
            ])),
            "HUAWEICLOUD_SDK_AK"
        );
        assert!(env_credentials(&Env::from_vars([("HOME", "/nowhere")]))
            .unwrap()
            .is_none());
    }
}
