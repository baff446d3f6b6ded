//! Who may call: AK/SK signatures (with the security token of temporary credentials) and IAM
//! tokens, and the project check of VPC calls (the IAM token API,
//! <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).

use http::request::Parts;
use time::OffsetDateTime;

use super::reply::ApiError;
use super::request::header;
use super::verifier::{self, AkskError, SignedRequest};
use super::HuaweiSim;

impl HuaweiSim {
    /// Verifies an AK/SK-signed request: signature, `X-Sdk-Date` skew and, when the configured
    /// credentials are temporary, `X-Security-Token`.
    pub(super) fn check_aksk(&self, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
        let request = SignedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body,
        };
        let secret_for = |ak: &str| {
            if ak == self.config.access_key {
                return Some(self.config.secret_key.clone());
            }
            self.lock().temporaries.get(ak).map(|t| t.secret.clone())
        };
        let now = OffsetDateTime::now_utc();
        let access = verifier::verify(&request, now, secret_for).map_err(|e| {
            ApiError::aksk(match e {
                AkskError::MalformedAuthorization => {
                    "the Authorization header is not a valid SDK-HMAC-SHA256 header"
                }
                AkskError::BadDate => "X-Sdk-Date is missing, malformed or not signed",
                AkskError::Skewed => "X-Sdk-Date is more than 15 minutes away from the server time",
                AkskError::UnknownAccessKey => "the access key does not exist",
                AkskError::MissingSignedHeader | AkskError::SignatureMismatch => {
                    "verify aksk signature fail"
                }
            })
        })?;
        let sent_token = header(&parts.headers, "x-security-token");
        if access != self.config.access_key {
            // A temporary AK/SK (metadata, federation, agency): its own security token, and
            // only until it expires.
            let temporary = self.lock().temporaries.get(&access).cloned();
            let Some(temporary) = temporary else {
                return Err(ApiError::aksk("the access key does not exist"));
            };
            if sent_token != Some(temporary.security_token.as_str()) {
                return Err(ApiError::aksk("the security token is missing or invalid"));
            }
            if now >= temporary.expires_at {
                return Err(ApiError::aksk("the security token has expired"));
            }
            return Ok(());
        }
        if let Some(expected) = &self.config.security_token {
            if sent_token != Some(expected.as_str()) {
                return Err(ApiError::aksk("the security token is missing or invalid"));
            }
        }
        Ok(())
    }

    /// The project a valid, unrevoked, unexpired `X-Auth-Token` is scoped to. `Ok(None)` for a
    /// valid domain-scoped token; `Err(())` when the token is unknown, expired or revoked.
    pub(super) fn token_project(&self, token: &str) -> Result<Option<String>, ()> {
        let now = OffsetDateTime::now_utc();
        let state = self.lock();
        match state.tokens.get(token) {
            Some(t) if !t.revoked && now < t.expires_at => Ok(t.project_id.clone()),
            _ => Err(()),
        }
    }

    /// Authenticates a VPC call and checks that the project in its path is the caller's:
    /// 401 `VPC.0008` without a valid token, 401 `APIGW.0301` for a bad AK/SK signature,
    /// 400 `VPC.0007` for another project.
    pub(super) fn authorize_vpc(
        &self,
        parts: &Parts,
        body: &[u8],
        path_project: &str,
    ) -> Result<(), ApiError> {
        let caller_project = if !self.verify_signatures {
            // Authentication off: the caller acts for the project its path names.
            Some(path_project.to_owned())
        } else if let Some(token) = header(&parts.headers, "x-auth-token") {
            self.token_project(token)
                .map_err(|()| ApiError::invalid_token())?
        } else if parts.headers.contains_key(http::header::AUTHORIZATION) {
            self.check_aksk(parts, body)?;
            // the API signing guide,
            // https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html: AK/SK
            // callers name their project in X-Project-Id; an AK
            // without it acts for the account's (only) project.
            Some(
                header(&parts.headers, "x-project-id")
                    .map_or_else(|| self.config.project_id.clone(), str::to_owned),
            )
        } else {
            return Err(ApiError::invalid_token());
        };
        if caller_project.as_deref() != Some(path_project) || path_project != self.config.project_id
        {
            return Err(ApiError::wrong_project());
        }
        Ok(())
    }

    /// Authenticates a call to a global service (EPS): a valid token, or an AK/SK signature
    /// naming the account in `X-Domain-Id` (the API signing guide,
    /// <https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html>: global services
    /// take the account, not a project). The EPS reference asks for a token scoped to the
    /// account; the emulator also takes the project-scoped tokens it issues.
    pub(super) fn authorize_global(&self, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
        if !self.verify_signatures {
            return Ok(());
        }
        if let Some(token) = header(&parts.headers, "x-auth-token") {
            return self
                .token_project(token)
                .map(|_| ())
                .map_err(|()| ApiError::invalid_token());
        }
        if !parts.headers.contains_key(http::header::AUTHORIZATION) {
            return Err(ApiError::invalid_token());
        }
        self.check_aksk(parts, body)?;
        if header(&parts.headers, "x-domain-id") != Some(self.config.domain_id.as_str()) {
            return Err(ApiError::aksk(
                "a global service needs the account id in X-Domain-Id",
            ));
        }
        Ok(())
    }

    /// Authenticates an IAM call that needs a caller (`GET /v3/projects`): a valid token of any
    /// scope or a valid AK/SK signature.
    pub(super) fn authorize_iam(&self, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
        if !self.verify_signatures {
            return Ok(());
        }
        if let Some(token) = header(&parts.headers, "x-auth-token") {
            return self
                .token_project(token)
                .map(|_| ())
                .map_err(|()| unauthenticated());
        }
        if verifier::is_aksk(&parts.headers) {
            return self.check_aksk(parts, body);
        }
        Err(unauthenticated())
    }
}

fn unauthenticated() -> ApiError {
    ApiError::keystone(
        http::StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    )
}
