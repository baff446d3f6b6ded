//! The ECS metadata service: the instance agency's temporary AK/SK
//! (`GET /openstack/latest/securitykey`) and the instance's identity
//! (`GET /openstack/latest/meta_data.json`), behind an optional session token
//! (`PUT /meta-data/latest/api/token`).
//!
//! Sources: the ECS metadata page
//! (<https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html>: the paths,
//! `securitykey` for the agency's temporary AK/SK, `meta_data.json` with `uuid` and
//! `availability_zone`), the BMS metadata options page
//! (<https://support.huaweicloud.com/intl/en-us/usermanual-bms/bms_01_0540.html>: the V2 token,
//! `X-Metadata-Token-Ttl-Seconds` up to 21600, `X-Metadata-Token`) and the official SDK
//! (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`, `MetadataAccessor`: no
//! token on 404/405, a 401 is retried once with a new token unless it says the instance has no
//! agency).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use eip_core::{Error, Result, Secret};
use eip_http::{Credentials, Env, MetadataAnswer, MetadataClient, ProvideCredentials};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::federation::credential_from;

/// The documented link-local address of the metadata service.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// The variable that replaces [`DEFAULT_METADATA_ENDPOINT`] (loopback or the documented
/// address only).
pub const METADATA_ENDPOINT_ENV: &str = "EIP_HUAWEI_METADATA_ENDPOINT";

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
const META_DATA_PATH: &str = "/openstack/latest/meta_data.json";

/// The session token lifetime asked for: the longest the metadata service allows (6 h).
const TOKEN_TTL_SECONDS: u64 = 21_600;

/// The words of the 401 that means "this instance has no agency" (not a token problem).
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";

/// The name of this source in errors, logs and [`Credentials::source`].
pub(crate) const SOURCE: &str = "ecs-metadata";

/// What the metadata service says about the instance the process runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceIdentity {
    /// The ECS id (`uuid`).
    pub instance_id: String,
    /// The availability zone (`cn-north-4a`).
    pub availability_zone: String,
    /// The region: `region_id` when the service gives it, else the zone without its last
    /// letter.
    pub region: String,
    /// The project id, when given.
    pub project_id: Option<String>,
}

#[derive(Deserialize)]
struct MetaData {
    uuid: Option<String>,
    availability_zone: Option<String>,
    region_id: Option<String>,
    project_id: Option<String>,
}

/// A session with the metadata service: the token (when the service offers tokens), fetched
/// once and renewed before its 6 hours are up or when a read is refused.
pub(crate) struct MetadataSession {
    client: MetadataClient,
    /// `Some(None)`: the service offers no tokens (404/405 on the `PUT`).
    token: Mutex<Option<(Option<Secret>, Instant)>>,
}

impl fmt::Debug for MetadataSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataSession")
            .field("endpoint", &self.client.endpoint().as_str())
            .finish_non_exhaustive()
    }
}

impl MetadataSession {
    /// A session with the service at `endpoint` (a builder's `with_metadata_endpoint`), else
    /// [`METADATA_ENDPOINT_ENV`], else [`DEFAULT_METADATA_ENDPOINT`].
    pub(crate) fn new(endpoint: Option<&str>, env: &Env) -> Result<Self> {
        let url = MetadataClient::resolve_endpoint(
            endpoint,
            env,
            METADATA_ENDPOINT_ENV,
            DEFAULT_METADATA_ENDPOINT,
        )?;
        Ok(Self {
            client: MetadataClient::new(url)?,
            token: Mutex::new(None),
        })
    }

    /// The service's base URL.
    pub(crate) fn endpoint(&self) -> &str {
        self.client.endpoint().as_str()
    }

    /// The session token to send, fetching one when there is none (or it is old, or `renew`).
    async fn token(&self, renew: bool) -> Result<Option<Secret>> {
        let mut held = self.token.lock().await;
        let renew_after = Duration::from_secs(TOKEN_TTL_SECONDS / 2);
        if let Some((token, at)) = held.as_ref() {
            if !renew && at.elapsed() < renew_after {
                return Ok(token.clone());
            }
        }
        let ttl = TOKEN_TTL_SECONDS.to_string();
        let answer = self
            .client
            .put(TOKEN_PATH, &[("X-Metadata-Token-Ttl-Seconds", &ttl)])
            .await?;
        let token = match answer.status {
            200 => Some(Secret::new(answer.body.trim())),
            // A metadata service without session tokens: read without one, as the SDK does.
            404 | 405 => None,
            status => return Err(refused("the session token request", status, &answer)),
        };
        *held = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    /// `GET path` with the session token; a 401 that is not "no agency" gets a new token and
    /// one more try.
    async fn read(&self, path: &str) -> Result<MetadataAnswer> {
        let mut renew = false;
        loop {
            let token = self.token(renew).await?;
            let headers: Vec<(&str, &str)> = token
                .as_ref()
                .map(|t| ("X-Metadata-Token", t.expose()))
                .into_iter()
                .collect();
            let answer = self.client.get(path, &headers).await?;
            if answer.status == 401 && !answer.body.contains(NO_AGENCY) && !renew {
                renew = true;
                continue;
            }
            return Ok(answer);
        }
    }

    /// The instance's identity from `meta_data.json`.
    pub(crate) async fn identity(&self) -> Result<InstanceIdentity> {
        let answer = self.read(META_DATA_PATH).await?;
        if !answer.is_success() {
            return Err(refused("meta_data.json", answer.status, &answer));
        }
        let data: MetaData =
            serde_json::from_str(&answer.body).map_err(|e| Error::InvalidResponse {
                operation: "ecs metadata meta_data.json".into(),
                reason: format!("not the expected JSON: {e}"),
                http_status: Some(answer.status),
                request_id: None,
            })?;
        let missing = |what: &str| Error::InvalidResponse {
            operation: "ecs metadata meta_data.json".into(),
            reason: format!("no {what}"),
            http_status: Some(answer.status),
            request_id: None,
        };
        let instance_id = data
            .uuid
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("uuid"))?;
        let availability_zone = data.availability_zone.unwrap_or_default();
        let region = match data.region_id.filter(|r| !r.is_empty()) {
            Some(region) => region,
            // `cn-north-4a` is a zone of `cn-north-4`.
            None => availability_zone
                .strip_suffix(|c: char| c.is_ascii_lowercase())
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| missing("region_id or availability_zone"))?,
        };
        Ok(InstanceIdentity {
            instance_id,
            availability_zone,
            region,
            project_id: data.project_id.filter(|p| !p.is_empty()),
        })
    }
}

/// The identity of the ECS this process runs on, from its metadata service at `endpoint`, else
/// [`METADATA_ENDPOINT_ENV`] in `env`, else [`DEFAULT_METADATA_ENDPOINT`] (1 s to connect, 1 s
/// to read): for a node agent that needs its own instance id and region before it builds a
/// provider.
///
/// ```no_run
/// # async fn run() -> eip_core::Result<()> {
/// let me = eip_huawei::instance_identity(None, &eip_http::Env::process()).await?;
/// println!("{} in {}", me.instance_id, me.region);
/// # Ok(()) }
/// ```
pub async fn instance_identity(endpoint: Option<&str>, env: &Env) -> Result<InstanceIdentity> {
    MetadataSession::new(endpoint, env)?.identity().await
}

/// The instance agency's temporary AK/SK, as the metadata service hands them out (wrap in
/// [`eip_http::RefreshingCredentials`]: every call asks the service).
#[derive(Debug)]
pub(crate) struct MetadataCredentials {
    session: Arc<MetadataSession>,
}

impl MetadataCredentials {
    pub(crate) fn new(session: Arc<MetadataSession>) -> Self {
        Self { session }
    }
}

#[async_trait]
impl ProvideCredentials for MetadataCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let answer = self.session.read(SECURITY_KEY_PATH).await?;
        if answer.status == 401 && answer.body.contains(NO_AGENCY) {
            return Err(Error::Unauthenticated {
                reason: "the ECS metadata service says this server has no agency (\"Please \
                         configure Cloud Service Agency first\"): attach one to the server"
                    .into(),
                service: None,
            });
        }
        if !answer.is_success() {
            return Err(refused("securitykey", answer.status, &answer));
        }
        let credentials = credential_from("ecs metadata securitykey", &answer.body, SOURCE)?;
        Ok(Arc::new(credentials))
    }

    fn name(&self) -> &'static str {
        SOURCE
    }
}

/// A refusal by the metadata service, naming what was asked (never the body: it may hold a
/// secret).
fn refused(what: &str, status: u16, answer: &MetadataAnswer) -> Error {
    let reason = format!(
        "the ECS metadata service refused {what} with HTTP {status} ({} bytes)",
        answer.body.len()
    );
    match status {
        401 | 403 => Error::Unauthenticated {
            reason,
            service: None,
        },
        _ => Error::InvalidResponse {
            operation: format!("ecs metadata {what}"),
            reason,
            http_status: Some(status),
            request_id: None,
        },
    }
}
