//! Temporary AK/SK from IAM: OIDC federation (CCE workload identity: an id token file →
//! `POST /v3.0/OS-AUTH/id-token/tokens` → an unscoped token → `POST
//! /v3.0/OS-CREDENTIAL/securitytokens`) and agencies (`securitytokens` with the `assume_role`
//! method, `CreateTemporaryAccessKeyByAgency`, signed with any other credentials).
//!
//! Sources: the official SDK (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`,
//! `FederalAccessor` and `IamHelper`: `X-Idp-Id`, `{"auth":{"id_token":{"id":…}}}`, the token
//! read from the file at every refresh, 6 h asked; `huaweicloudsdkiam`
//! `create_temporary_access_key_by_agency`: 15 min to 24 h) and Terraform
//! (huaweicloud/terraform-provider-huaweicloud `huaweicloud/config/auth.go`,
//! `buildClientByAgency`: `assume_role` with `agency_name`, `domain_name`, 24 h).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use eip_core::{Error, Result, Secret};
use eip_http::{Credentials, ProvideCredentials};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use url::Url;

use crate::credential::{harmless_to_repeat, iam_url, AccessKey, TokenCache};
use crate::transport::{send, signed, Outgoing};
use crate::wire;

/// What the official SDK asks for federated credentials: 6 hours.
const FEDERATION_SECONDS: u64 = 6 * 3600;

/// What Terraform asks for agency credentials: 24 hours (IAM's maximum).
pub const DEFAULT_AGENCY_SECONDS: u64 = 24 * 3600;

/// `{"credential":{…}}` (IAM and the metadata service write the same object).
#[derive(Deserialize)]
struct Envelope {
    credential: Option<Wire>,
}

#[derive(Deserialize)]
struct Wire {
    access: Option<String>,
    secret: Option<String>,
    securitytoken: Option<String>,
    expires_at: Option<String>,
}

/// Temporary credentials from a `{"credential":{"access","secret","securitytoken",
/// "expires_at"}}` body. The error never quotes the body (it holds the secret).
pub(crate) fn credential_from(
    operation: &str,
    body: &str,
    source: &'static str,
) -> Result<Credentials> {
    let invalid = |reason: &str| Error::InvalidResponse {
        operation: operation.to_owned(),
        reason: reason.to_owned(),
        http_status: None,
        request_id: None,
    };
    let envelope: Envelope = serde_json::from_str(body).map_err(|_| {
        invalid(
            "not the expected {\"credential\":{access, secret, securitytoken, expires_at}} JSON",
        )
    })?;
    let wire = envelope
        .credential
        .ok_or_else(|| invalid("no \"credential\" object"))?;
    let secret = wire.secret.map(Secret::new);
    let token = wire.securitytoken.map(Secret::new);
    let (Some(access), Some(secret), Some(token)) = (wire.access, secret, token) else {
        return Err(invalid(
            "the credential lacks access, secret or securitytoken",
        ));
    };
    if access.is_empty() || secret.is_empty() || token.is_empty() {
        return Err(invalid(
            "the credential has an empty access, secret or securitytoken",
        ));
    }
    let expires_at = wire
        .expires_at
        .as_deref()
        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
        .map(SystemTime::from)
        .ok_or_else(|| invalid("the credential has no readable expires_at"))?;
    Ok(Credentials::new(access, secret)
        .with_security_token(token)
        .with_expiry(expires_at)
        .with_source(source))
}

/// The provider's IAM side, as the credential sources use it.
#[derive(Clone)]
pub(crate) struct Iam {
    pub client: eip_http::HttpClient,
    pub endpoint: Url,
}

impl fmt::Debug for Iam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iam")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl Iam {
    /// One `POST /v3.0/OS-CREDENTIAL/securitytokens` (no retry loop of its own: the call it
    /// serves has one, and a lost answer is harmless to ask again: it only mints a key).
    async fn temporary_key(
        &self,
        action: &'static str,
        outgoing: &Outgoing,
        source: &'static str,
    ) -> Result<Credentials> {
        let answer = send(&self.client, action, outgoing)
            .await
            .map_err(harmless_to_repeat)?
            .into_result(action, "IAM temporary access key")?;
        let body = String::from_utf8_lossy(&answer.body);
        credential_from(action, &body, source)
    }
}

/// CCE workload identity: the id token file (rotated by the kubelet, so read at every
/// refresh) exchanged for an unscoped token, then for a temporary AK/SK.
pub(crate) struct FederatedCredentials {
    iam: Iam,
    idp_id: String,
    token_file: PathBuf,
}

impl fmt::Debug for FederatedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederatedCredentials")
            .field("iam", &self.iam)
            .field("idp_id", &self.idp_id)
            .field("token_file", &self.token_file)
            .finish()
    }
}

/// The name of the federation source.
pub(crate) const OIDC: &str = "oidc";

impl FederatedCredentials {
    pub(crate) fn new(iam: Iam, idp_id: String, token_file: PathBuf) -> Self {
        Self {
            iam,
            idp_id,
            token_file,
        }
    }

    /// The id token, read now. Not checked for private permissions: a projected service
    /// account token is mounted readable by the pod's user and is worthless past its hour.
    fn id_token(&self) -> Result<Secret> {
        let field = self.token_file.display().to_string();
        let text = Secret::new(std::fs::read_to_string(&self.token_file).map_err(|e| {
            Error::invalid_input(field.clone(), format!("cannot read the id token file: {e}"))
        })?);
        let token = Secret::new(text.expose().trim());
        if token.is_empty() {
            return Err(Error::invalid_input(field, "the id token file is empty"));
        }
        Ok(token)
    }
}

#[async_trait]
impl ProvideCredentials for FederatedCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        const EXCHANGE: &str = "CreateTokenWithIdToken";
        const KEY: &str = "CreateTemporaryAccessKeyByToken";
        let id_token = self.id_token()?;
        let body = wire::to_body(&json!({"auth": {"id_token": {"id": id_token.expose()}}}))?;
        let exchange = Outgoing {
            method: Method::POST,
            url: iam_url(&self.iam.endpoint, "/v3.0/OS-AUTH/id-token/tokens"),
            headers: vec![
                ("X-Idp-Id".to_owned(), self.idp_id.clone()),
                (
                    "Content-Type".to_owned(),
                    "application/json;charset=UTF-8".to_owned(),
                ),
            ],
            body: Some(body),
        };
        let answer = send(&self.iam.client, EXCHANGE, &exchange)
            .await
            .map_err(harmless_to_repeat)?
            .into_result(EXCHANGE, "IAM federated token")?;
        let token = answer.subject_token.ok_or_else(|| Error::InvalidResponse {
            operation: EXCHANGE.to_owned(),
            reason: "no X-Subject-Token header".to_owned(),
            http_status: Some(answer.status),
            request_id: answer.request_id.clone(),
        })?;
        let body = wire::to_body(&json!({"auth": {"identity": {
            "methods": ["token"],
            "token": {"id": token.expose(), "duration_seconds": FEDERATION_SECONDS},
        }}}))?;
        let key = Outgoing {
            method: Method::POST,
            url: iam_url(&self.iam.endpoint, "/v3.0/OS-CREDENTIAL/securitytokens"),
            headers: vec![
                (
                    "Content-Type".to_owned(),
                    "application/json;charset=UTF-8".to_owned(),
                ),
                ("X-Auth-Token".to_owned(), token.expose().to_owned()),
            ],
            body: Some(body),
        };
        tracing::debug!(idp = %self.idp_id, "exchanging the id token for temporary credentials");
        Ok(Arc::new(self.iam.temporary_key(KEY, &key, OIDC).await?))
    }

    fn name(&self) -> &'static str {
        OIDC
    }
}

/// Whose agency to assume: the delegating account by name or id, the agency, how long.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeAgency {
    /// The agency name.
    pub agency_name: String,
    /// The delegating account (domain) name (`HW_ASSUME_ROLE_DOMAIN_NAME`).
    pub domain_name: Option<String>,
    /// The delegating account (domain) id (`HW_ASSUME_ROLE_DOMAIN_ID`), when no name is given.
    pub domain_id: Option<String>,
    /// The lifetime asked for, in seconds (IAM allows 900 to 86400; default 86400).
    pub duration_seconds: u64,
}

impl AssumeAgency {
    /// Agency `agency_name` of the account named `domain_name`, for 24 hours.
    pub fn new(domain_name: impl Into<String>, agency_name: impl Into<String>) -> Self {
        Self {
            agency_name: agency_name.into(),
            domain_name: Some(domain_name.into()),
            domain_id: None,
            duration_seconds: DEFAULT_AGENCY_SECONDS,
        }
    }

    /// The delegating account by id instead of by name.
    pub fn with_domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.domain_id = Some(domain_id.into());
        self.domain_name = None;
        self
    }

    /// Asks for credentials that live `seconds` (900 to 86400).
    pub fn with_duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// The checks IAM would make, before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        if self.agency_name.trim().is_empty() {
            return Err(Error::invalid_input("agency_name", "must not be empty"));
        }
        let named = self
            .domain_name
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        let by_id = self
            .domain_id
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        if !named && !by_id {
            return Err(Error::invalid_input(
                "domain_name",
                "assuming an agency needs the delegating account's name or id",
            ));
        }
        if !(900..=86_400).contains(&self.duration_seconds) {
            return Err(Error::invalid_input(
                "duration_seconds",
                "must be from 900 to 86400 seconds",
            ));
        }
        Ok(())
    }

    /// What the cached credentials are for (no secret in it).
    pub(crate) fn identity(&self) -> String {
        format!(
            "{}|{}|{}",
            self.domain_name.as_deref().unwrap_or(""),
            self.domain_id.as_deref().unwrap_or(""),
            self.agency_name
        )
    }
}

/// The name of the agency layer.
pub(crate) const AGENCY: &str = "agency";

/// An agency's temporary AK/SK, asked for with the credentials of `base` (any other source:
/// environment, profile, metadata, federation).
pub(crate) struct AgencyCredentials {
    iam: Iam,
    base: Arc<dyn ProvideCredentials>,
    agency: AssumeAgency,
}

impl fmt::Debug for AgencyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgencyCredentials")
            .field("iam", &self.iam)
            .field("base", &self.base)
            .field("agency", &self.agency)
            .finish()
    }
}

impl AgencyCredentials {
    pub(crate) fn new(iam: Iam, base: Arc<dyn ProvideCredentials>, agency: AssumeAgency) -> Self {
        Self { iam, base, agency }
    }

    /// One `CreateTemporaryAccessKeyByAgency` signed with the base's current keys; a refusal
    /// comes back with those keys.
    async fn assume(
        &self,
    ) -> std::result::Result<Arc<Credentials>, (Error, Option<Arc<Credentials>>)> {
        const ACTION: &str = "CreateTemporaryAccessKeyByAgency";
        let base = self.base.credentials().await.map_err(|e| (e, None))?;
        let signed_request = assume_role_body(&self.agency).and_then(|body| {
            signed(
                Method::POST,
                iam_url(&self.iam.endpoint, "/v3.0/OS-CREDENTIAL/securitytokens"),
                &[],
                Some(body),
                &access_key_of(&base),
                None,
            )
        });
        let outgoing = match signed_request {
            Ok(outgoing) => outgoing,
            Err(error) => return Err((error, Some(base))),
        };
        tracing::debug!(
            agency = %self.agency.agency_name,
            base = self.base.name(),
            "assuming the agency"
        );
        match self.iam.temporary_key(ACTION, &outgoing, AGENCY).await {
            Ok(credentials) => Ok(Arc::new(credentials)),
            Err(error) => Err((error, Some(base))),
        }
    }
}

#[async_trait]
impl ProvideCredentials for AgencyCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        match self.assume().await {
            // The base's keys were refused (revoked, expired early): drop them and ask once
            // more with fresh ones.
            Err((Error::Unauthenticated { .. }, Some(base))) => {
                tracing::debug!(
                    base = self.base.name(),
                    "base keys refused; refreshing them"
                );
                self.base.invalidate(&base);
                self.assume().await.map_err(|(error, _)| error)
            }
            other => other.map_err(|(error, _)| error),
        }
    }

    fn name(&self) -> &'static str {
        AGENCY
    }
}

/// `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{…}}}}`.
fn assume_role_body(agency: &AssumeAgency) -> Result<Vec<u8>> {
    let mut role = json!({
        "agency_name": agency.agency_name,
        "duration_seconds": agency.duration_seconds,
    });
    match (&agency.domain_name, &agency.domain_id) {
        (Some(name), _) => role["domain_name"] = json!(name),
        (None, Some(id)) => role["domain_id"] = json!(id),
        (None, None) => {}
    }
    wire::to_body(&json!({"auth": {"identity": {
        "methods": ["assume_role"],
        "assume_role": role,
    }}}))
}

/// An agency's temporary AK/SK asked for with an IAM user's password token (`X-Auth-Token`),
/// as Terraform does for password credentials with an `assume_role` block.
pub(crate) struct PasswordAgencyCredentials {
    iam: Iam,
    tokens: TokenCache,
    agency: AssumeAgency,
}

impl fmt::Debug for PasswordAgencyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAgencyCredentials")
            .field("iam", &self.iam)
            .field("tokens", &self.tokens)
            .field("agency", &self.agency)
            .finish()
    }
}

impl PasswordAgencyCredentials {
    pub(crate) fn new(iam: Iam, tokens: TokenCache, agency: AssumeAgency) -> Self {
        Self {
            iam,
            tokens,
            agency,
        }
    }
}

#[async_trait]
impl ProvideCredentials for PasswordAgencyCredentials {
    async fn credentials(&self) -> Result<Arc<Credentials>> {
        const ACTION: &str = "CreateTemporaryAccessKeyByAgency";
        let mut retried = false;
        loop {
            let token = self
                .tokens
                .token(&self.iam.client, &self.iam.endpoint)
                .await?;
            let outgoing = Outgoing {
                method: Method::POST,
                url: iam_url(&self.iam.endpoint, "/v3.0/OS-CREDENTIAL/securitytokens"),
                headers: vec![
                    (
                        "Content-Type".to_owned(),
                        "application/json;charset=UTF-8".to_owned(),
                    ),
                    ("X-Auth-Token".to_owned(), token.token.expose().to_owned()),
                ],
                body: Some(assume_role_body(&self.agency)?),
            };
            match self.iam.temporary_key(ACTION, &outgoing, AGENCY).await {
                // The token was refused (revoked, expired early): one new token, one more try.
                Err(Error::Unauthenticated { .. }) if !retried => {
                    retried = true;
                    self.tokens.invalidate(&token).await;
                }
                other => return other.map(Arc::new),
            }
        }
    }

    fn name(&self) -> &'static str {
        AGENCY
    }
}

/// The signing key of credentials from any source.
pub(crate) fn access_key_of(credentials: &Credentials) -> AccessKey {
    let key = AccessKey::new(
        credentials.access_key_id.clone(),
        credentials.secret.clone(),
    );
    match &credentials.security_token {
        Some(token) => key.with_security_token(token.clone()),
        None => key,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn credentials_parse_and_never_quote_the_body() {
        let body = r#"{"credential":{"access":"AK1","secret":"sk-very-secret","securitytoken":"st-very-secret","expires_at":"2030-01-04T09:05:22.701000Z"}}"#;
        let c = credential_from("op", body, "oidc").unwrap();
        assert_eq!(c.access_key_id, "AK1");
        assert_eq!(c.secret.expose(), "sk-very-secret");
        assert_eq!(c.source, "oidc");
        assert!(c.expires_at.is_some());
        for broken in [
            r#"{"credential":{"access":"AK1","secret":"sk-very-secret"}}"#,
            r#"{"credential":{"access":"AK1","secret":"sk-very-secret","securitytoken":"st-very-secret","expires_at":"soon"}}"#,
            r#"{"credential":{"access":1,"secret":"sk-very-secret"}}"#,
            "sk-very-secret",
        ] {
            let error = credential_from("op", broken, "oidc")
                .unwrap_err()
                .to_string();
            assert!(!error.contains("very-secret"), "{error}");
        }
    }

    #[test]
    fn agency_checks_name_the_field() {
        let field = |a: AssumeAgency| match a.check() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(AssumeAgency::new("acct", " ")), "agency_name");
        assert_eq!(field(AssumeAgency::new("", "a")), "domain_name");
        assert_eq!(
            field(AssumeAgency::new("acct", "a").with_duration_seconds(60)),
            "duration_seconds"
        );
        assert!(AssumeAgency::new("acct", "a").check().is_ok());
        assert!(AssumeAgency::new("", "a")
            .with_domain_id("id")
            .check()
            .is_ok());
    }
}
