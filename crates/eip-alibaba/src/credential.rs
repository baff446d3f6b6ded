//! AccessKeys, and the first step of the chain: the environment.

use std::sync::Arc;

use async_trait::async_trait;
use eip_core::{Error, Result, Secret};
use eip_http::{Credentials, Env, ProvideCredentials};

/// An AccessKey pair, with an STS security token for temporary credentials.
///
/// `Debug` shows the key id but never the secret or the token.
///
/// ```
/// use eip_alibaba::AccessKey;
/// let key = AccessKey::new("LTAI-example", "the-secret").with_security_token("sts-token");
/// let shown = format!("{key:?}");
/// assert!(shown.contains("LTAI-example") && !shown.contains("the-secret") && !shown.contains("sts-token"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    /// The AccessKey ID.
    pub id: String,
    /// The AccessKey secret.
    pub secret: Secret,
    /// The STS security token, for temporary credentials.
    pub security_token: Option<Secret>,
}

impl AccessKey {
    /// A long-lived AccessKey pair.
    pub fn new(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// Environment variable names, most preferred first: the standard names of alibabacloud-credentials
/// (`alibabacloud_credentials/utils/auth_util.py`), then the aliases of the CLI
/// (aliyun/aliyun-cli `config/profile.go`) and of Terraform (aliyun/terraform-provider-alicloud
/// `alicloud/provider.go`).
pub(crate) const ACCESS_KEY_ID_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABACLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY_ID",
    "ALICLOUD_ACCESS_KEY",
];
pub(crate) const ACCESS_KEY_SECRET_VARS: &[&str] = &[
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABACLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_ACCESS_KEY_SECRET",
    "ALICLOUD_SECRET_KEY",
];
pub(crate) const SECURITY_TOKEN_VARS: &[&str] = &[
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABACLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECURITY_TOKEN",
];
pub(crate) const REGION_VARS: &[&str] = &[
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABACLOUD_REGION_ID",
    "ALICLOUD_REGION_ID",
    "ALICLOUD_REGION",
];

impl From<AccessKey> for Credentials {
    fn from(key: AccessKey) -> Self {
        let mut credentials = Credentials::new(key.id, key.secret);
        credentials.security_token = key.security_token;
        credentials
    }
}

/// The AccessKey of the environment: `Ok(None)` when no variable is set; half a key (an id
/// without a secret, a token without a key) or two aliases with different values is an
/// [`Error::InvalidInput`] naming the variable.
pub(crate) fn from_env(env: &Env) -> Result<Option<Credentials>> {
    let id = one_of(env, ACCESS_KEY_ID_VARS)?;
    let secret = one_of(env, ACCESS_KEY_SECRET_VARS)?;
    let token = one_of(env, SECURITY_TOKEN_VARS)?;
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let key = Credentials::new(id, secret).with_source("environment");
            Ok(Some(match token {
                Some(token) => key.with_security_token(token),
                None => key,
            }))
        }
        (Some(_), None) => Err(missing(
            ACCESS_KEY_SECRET_VARS[0],
            "is not set, but an AccessKey ID is",
        )),
        (None, Some(_)) => Err(missing(
            ACCESS_KEY_ID_VARS[0],
            "is not set, but an AccessKey secret is",
        )),
        (None, None) if token.is_some() => Err(missing(
            ACCESS_KEY_ID_VARS[0],
            "is not set, but a security token is",
        )),
        (None, None) => Ok(None),
    }
}

/// The region of the environment (`ALIBABA_CLOUD_REGION_ID` and its aliases).
pub(crate) fn region_from_env(env: &Env) -> Result<Option<String>> {
    one_of(env, REGION_VARS)
}

/// The environment's AccessKey, read again at every call: an STS token that a wrapper script
/// renews in the environment (or that the cloud calls expired) is picked up without a restart.
#[derive(Debug)]
pub(crate) struct EnvironmentCredentials {
    pub env: Env,
}

#[async_trait]
impl ProvideCredentials for EnvironmentCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        match from_env(&self.env)? {
            Some(credentials) => Ok(Arc::new(credentials)),
            None => Err(Error::Unauthenticated {
                reason: format!("{} is no longer set", ACCESS_KEY_ID_VARS[0]),
                service: None,
            }),
        }
    }

    fn name(&self) -> &'static str {
        "environment"
    }
}

/// The first variable of `names` that is set (and not blank). Two aliases set to different
/// values are a contradiction, not a silent choice ([`Env::first_of`]).
fn one_of(env: &Env, names: &[&'static str]) -> Result<Option<String>> {
    Ok(env.first_of(names)?.map(|(_, value)| value))
}

fn missing(field: &str, reason: &str) -> Error {
    Error::invalid_input(field, format!("{field} {reason}"))
}
