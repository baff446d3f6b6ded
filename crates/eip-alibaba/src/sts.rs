//! STS (API version 2015-04-01): `AssumeRole` (V1-signed with the caller's credentials) and
//! `AssumeRoleWithOIDC` (anonymous: the OIDC token is the proof), one request per attempt of
//! the call the credentials serve (that call's loop is the one that retries).
//!
//! Parameters as the STS API reference documents them
//! (<https://api.alibabacloud.com/document/Sts/2015-04-01/AssumeRole>,
//! <https://api.alibabacloud.com/document/Sts/2015-04-01/AssumeRoleWithOIDC>) and
//! aliyun/credentials-go `credentials/providers/{ram_role_arn,oidc}.go` send them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use eip_core::{Error, Result};
use eip_http::{Credentials, Env, HttpClient, ProvideCredentials, Request};
use futures::future::BoxFuture;
use serde::Deserialize;
use time::OffsetDateTime;
use url::Url;
use zeroize::Zeroizing;

use crate::builder::SignatureVersion;
use crate::error::{self, Subject};
use crate::metadata::CredentialsDocument;
use crate::rpc::{self, Failure, RpcRequest, Transport};

/// The STS API version.
pub(crate) const STS_VERSION: &str = "2015-04-01";
/// The session lifetime asked by default, in seconds (credentials-go's default; STS allows
/// 900 to the role's maximum).
pub(crate) const DEFAULT_DURATION_SECONDS: u32 = 3600;

/// Where STS requests go and how.
#[derive(Clone)]
pub(crate) struct Sts {
    pub endpoint: Url,
    pub http: HttpClient,
}

impl fmt::Debug for Sts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sts")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

/// The STS endpoint: `ALIBABA_CLOUD_STS_ENDPOINT` (a host or a URL), else
/// `sts.<region>.aliyuncs.com` (`sts-vpc.` with `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true` or
/// `vpc`) for `ALIBABA_CLOUD_STS_REGION` (or `region`), else the central `sts.aliyuncs.com`,
/// as credentials-go `oidc.go` resolves it.
pub(crate) fn endpoint(
    env: &Env,
    region: Option<&str>,
    vpc: bool,
    options: &eip_http::ClientOptions,
) -> Result<Url> {
    let vpc = vpc || env.flag("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
    let (field, text) = match env.var("ALIBABA_CLOUD_STS_ENDPOINT") {
        Some(given) if given.contains("://") => ("ALIBABA_CLOUD_STS_ENDPOINT", given),
        Some(host) => ("ALIBABA_CLOUD_STS_ENDPOINT", format!("https://{host}")),
        None => {
            let prefix = if vpc { "sts-vpc" } else { "sts" };
            let host = match env
                .var("ALIBABA_CLOUD_STS_REGION")
                .or(region.map(str::to_owned))
            {
                Some(region) => {
                    eip_core::validate::region("ALIBABA_CLOUD_STS_REGION", &region)?;
                    format!("{prefix}.{region}.aliyuncs.com")
                }
                None => "sts.aliyuncs.com".to_owned(),
            };
            ("sts_endpoint", format!("https://{host}"))
        }
    };
    let url = Url::parse(&text)
        .map_err(|e| Error::invalid_input(field, format!("{text:?} is not a URL: {e}")))?;
    options.check_endpoint(field, &url)?;
    Ok(url)
}

/// What an `AssumeRole` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// The session name (`RoleSessionName`), shown in the role's audit trail.
    pub session_name: String,
    /// The session lifetime in seconds (900 to the role's maximum).
    pub duration_seconds: u32,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
    /// A policy narrowing the session's permissions.
    pub policy: Option<String>,
}

impl AssumeRoleParams {
    /// Checks the parameters (STS's documented limits) before anything is sent.
    pub(crate) fn check(&self, field: &str) -> Result<()> {
        if !self.role_arn.starts_with("acs:ram::") || !self.role_arn.contains(":role/") {
            return Err(Error::invalid_input(
                format!("{field}.role_arn"),
                format!(
                    "{:?} is not a role ARN (acs:ram::<account>:role/<name>)",
                    self.role_arn
                ),
            ));
        }
        check_session(field, &self.session_name)?;
        if !(900..=43_200).contains(&self.duration_seconds) {
            return Err(Error::invalid_input(
                format!("{field}.duration_seconds"),
                "must be between 900 and 43200 seconds",
            ));
        }
        Ok(())
    }
}

fn check_session(field: &str, session: &str) -> Result<()> {
    // RoleSessionName: 2 to 64 characters of letters, digits, `.`, `@`, `-`, `_`.
    let ok = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            format!("{field}.session_name"),
            "2 to 64 letters, digits, '.', '@', '-' or '_'",
        ))
    }
}

/// The default session name: the tool's, with the time (as credentials-go names sessions
/// `credentials-go-<unix time>`).
pub(crate) fn default_session_name() -> String {
    format!(
        "multicloud-eip-{}",
        OffsetDateTime::now_utc().unix_timestamp()
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeRoleAnswer {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    credentials: Option<CredentialsDocument>,
}

fn read_answer(action: &str, body: &[u8], source: &'static str) -> Result<Credentials> {
    let invalid = |reason: &str, request_id: Option<String>| Error::InvalidResponse {
        operation: action.to_owned(),
        reason: reason.to_owned(),
        http_status: Some(200),
        request_id,
    };
    let answer: AssumeRoleAnswer =
        serde_json::from_slice(body).map_err(|_| invalid("not an STS answer", None))?;
    let request_id = answer.request_id.clone();
    let Some(credentials) = answer.credentials else {
        return Err(invalid("no Credentials in the answer", request_id));
    };
    credentials
        .into_credentials(source, true)
        .map_err(|reason| invalid(reason, request_id))
}

impl Sts {
    /// ONE exchange, its answer read: no retry loop of its own. Credentials are asked from
    /// inside every attempt of the call they serve, and that call's loop retries what is
    /// retryable (a throttled or 5xx STS answer, a dropped connection); a loop here would
    /// multiply the two. A lost STS answer is harmless to ask again (it only mints a session),
    /// so a transport failure is marked as not sent: the call it serves never left.
    async fn run(
        &self,
        action: &'static str,
        source: &'static str,
        exchange: BoxFuture<'_, Result<rpc::Reply>>,
    ) -> Result<Credentials> {
        let reply = exchange.await.map_err(harmless_to_repeat)?;
        match rpc::read_reply(action, reply) {
            Ok(body) => read_answer(action, &body, source),
            Err(Failure::Refused(api)) => Err(error::to_error(
                api,
                Subject {
                    action,
                    ..Subject::default()
                },
                None,
            )),
            Err(Failure::Other(error)) => Err(error),
        }
    }
}

/// A request that only mints temporary credentials changes nothing: when its answer was lost
/// it may be sent again, whatever call it serves.
fn harmless_to_repeat(error: Error) -> Error {
    match error {
        Error::Transport {
            operation,
            message,
            source,
            ..
        } => Error::Transport {
            operation,
            message,
            maybe_sent: false,
            source,
        },
        other => other,
    }
}

/// `AssumeRole` with the credentials of `source` (chainable: the source may itself be an
/// assumed role or an instance role).
pub(crate) struct AssumeRole {
    pub transport: Transport,
    pub sts: Sts,
    pub params: AssumeRoleParams,
}

impl fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.params.role_arn)
            .field("over", &self.transport.credentials)
            .field("sts", &self.sts)
            .finish()
    }
}

impl AssumeRole {
    pub(crate) fn new(
        source: Arc<dyn ProvideCredentials>,
        sts: Sts,
        params: AssumeRoleParams,
    ) -> Self {
        Self {
            transport: Transport {
                endpoint: sts.endpoint.clone(),
                credentials: source,
                signature_version: SignatureVersion::V1,
                http: sts.http.clone(),
            },
            sts,
            params,
        }
    }

    fn request(&self) -> RpcRequest {
        let p = &self.params;
        RpcRequest::of_api("AssumeRole", STS_VERSION)
            .set("RoleArn", p.role_arn.as_str())
            .set("RoleSessionName", p.session_name.as_str())
            .set("DurationSeconds", p.duration_seconds.to_string())
            .set_opt("ExternalId", p.external_id.as_deref())
            .set_opt("Policy", p.policy.as_deref())
    }
}

#[async_trait]
impl ProvideCredentials for AssumeRole {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let request = self.request();
        self.sts
            .run(
                "AssumeRole",
                "ram-role-arn",
                Box::pin(self.transport.exchange(&request)),
            )
            .await
            .map(Arc::new)
    }

    fn name(&self) -> &'static str {
        "ram-role-arn"
    }

    fn invalidate(&self, stale: &Credentials) {
        // The assumed role's credentials are the refreshing layer's; the source's may be what
        // STS refused next time, so they are forgotten too.
        self.transport.credentials.invalidate(stale);
    }
}

/// `AssumeRoleWithOIDC` (ACK RRSA): the token file is read afresh at every refresh, since the
/// kubelet rotates it.
pub(crate) struct OidcRole {
    pub sts: Sts,
    pub role_arn: String,
    pub provider_arn: String,
    pub token_file: PathBuf,
    pub session_name: String,
    pub duration_seconds: u32,
    pub policy: Option<String>,
}

impl fmt::Debug for OidcRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcRole")
            .field("role_arn", &self.role_arn)
            .field("provider_arn", &self.provider_arn)
            .field("token_file", &self.token_file)
            .field("sts", &self.sts)
            .finish()
    }
}

impl OidcRole {
    fn read_token(&self) -> Result<Zeroizing<String>> {
        let field = self.token_file.display().to_string();
        let text = std::fs::read_to_string(&self.token_file)
            .map(Zeroizing::new)
            .map_err(|e| {
                Error::invalid_input(
                    field.clone(),
                    format!("cannot read the OIDC token file: {e}"),
                )
            })?;
        let token = Zeroizing::new(text.trim().to_owned());
        if token.is_empty() {
            return Err(Error::invalid_input(field, "the OIDC token file is empty"));
        }
        Ok(token)
    }

    /// One anonymous POST: the common parameters in the query, the rest as a form body (the
    /// OIDC token stays out of URLs), as credentials-go `oidc.go` sends it.
    async fn exchange(&self, token: &str) -> Result<rpc::Reply> {
        let now = rpc::timestamp(OffsetDateTime::now_utc());
        let mut url = self.sts.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("Action", "AssumeRoleWithOIDC")
            .append_pair("Version", STS_VERSION)
            .append_pair("Format", "JSON")
            .append_pair("Timestamp", &now);
        let body = Zeroizing::new({
            let duration = self.duration_seconds.to_string();
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("RoleArn", &self.role_arn)
                .append_pair("OIDCProviderArn", &self.provider_arn)
                .append_pair("OIDCToken", token)
                .append_pair("RoleSessionName", &self.session_name)
                .append_pair("DurationSeconds", &duration);
            if let Some(policy) = &self.policy {
                form.append_pair("Policy", policy);
            }
            form.finish()
        });
        let request = Request::post("AssumeRoleWithOIDC", url)
            .header("content-type", "application/x-www-form-urlencoded")?
            .body(bytes::Bytes::copy_from_slice(body.as_bytes()));
        let response = self.sts.http.send(request).await?;
        Ok(rpc::Reply {
            status: response.status(),
            retry_after: response.retry_after_millis("x-acs-retry-after"),
            body: response.into_body(),
            signed_with: Arc::new(Credentials::new("", "").with_source("oidc")),
        })
    }
}

#[async_trait]
impl ProvideCredentials for OidcRole {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        let token = self.read_token()?;
        self.sts
            .run(
                "AssumeRoleWithOIDC",
                "oidc",
                Box::pin(self.exchange(&token)),
            )
            .await
            .map(Arc::new)
    }

    fn name(&self) -> &'static str {
        "oidc"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn resolved(vars: &[(&str, &str)], region: Option<&str>, vpc: bool) -> String {
        let env = Env::from_vars(vars.iter().copied());
        endpoint(&env, region, vpc, &eip_http::ClientOptions::new())
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_sts_endpoint_follows_region_vpc_and_override() {
        assert_eq!(resolved(&[], None, false), "https://sts.aliyuncs.com/");
        assert_eq!(
            resolved(&[], Some("cn-hangzhou"), false),
            "https://sts.cn-hangzhou.aliyuncs.com/"
        );
        // Private nodes: the intranet endpoint, by variable or by the builder's endpoint type.
        assert_eq!(
            resolved(
                &[("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true")],
                Some("cn-hangzhou"),
                false
            ),
            "https://sts-vpc.cn-hangzhou.aliyuncs.com/"
        );
        assert_eq!(
            resolved(&[], Some("cn-beijing"), true),
            "https://sts-vpc.cn-beijing.aliyuncs.com/"
        );
        assert_eq!(
            resolved(
                &[("ALIBABA_CLOUD_STS_REGION", "ap-southeast-1")],
                Some("cn-hangzhou"),
                false
            ),
            "https://sts.ap-southeast-1.aliyuncs.com/"
        );
        assert_eq!(
            resolved(
                &[("ALIBABA_CLOUD_STS_ENDPOINT", "sts.example-proxy.internal")],
                Some("cn-hangzhou"),
                true
            ),
            "https://sts.example-proxy.internal/"
        );
        let bad = endpoint(
            &Env::from_vars([("ALIBABA_CLOUD_STS_REGION", "cn hangzhou")]),
            None,
            false,
            &eip_http::ClientOptions::new(),
        );
        assert!(
            matches!(bad, Err(Error::InvalidInput { ref field, .. }) if field == "ALIBABA_CLOUD_STS_REGION"),
            "{bad:?}"
        );
    }
}
