//! STS (API version 2015-04-01): `AssumeRole`, signed and verified like every RPC call, and
//! `AssumeRoleWithOIDC`, anonymous, its OIDC token checked against the configured provider
//! (the STS API reference, <https://api.alibabacloud.com/document/Sts/2015-04-01/AssumeRole>
//! and <https://api.alibabacloud.com/document/Sts/2015-04-01/AssumeRoleWithOIDC>).

use std::time::Duration;

use http::StatusCode;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::auth::Issued;
use super::errors::ApiError;
use super::routes::RpcRequest;
use super::{AlibabaSim, OidcVerdict};

/// The STS API version.
pub(crate) const VERSION: &str = "2015-04-01";

/// `AssumeRole` or `AssumeRoleWithOIDC`; `None` for any other action.
pub(crate) fn answer(
    sim: &AlibabaSim,
    action: &str,
    request: &RpcRequest,
) -> Option<Result<Value, ApiError>> {
    match action {
        "AssumeRole" => Some(
            sim.auth
                .verify(request)
                .and_then(|()| assume_role(sim, request)),
        ),
        "AssumeRoleWithOIDC" => Some(assume_role_with_oidc(sim, request)),
        _ => None,
    }
}

fn assume_role(sim: &AlibabaSim, request: &RpcRequest) -> Result<Value, ApiError> {
    let role_arn = role_arn(request)?;
    let session = session_name(request)?;
    let lifetime = lifetime(sim, request)?;
    let issued = sim.auth.issue(lifetime);
    Ok(credentials_answer(role_arn, session, &issued))
}

fn assume_role_with_oidc(sim: &AlibabaSim, request: &RpcRequest) -> Result<Value, ApiError> {
    let role_arn = role_arn(request)?;
    let session = session_name(request)?;
    let provider = request
        .param("OIDCProviderArn")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("OIDCProviderArn"))?;
    if provider != sim.config.oidc.provider_arn {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "EntityNotExist.OIDCProvider",
            format!("The OIDC provider {provider} does not exist."),
        ));
    }
    let token = request
        .param("OIDCToken")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("OIDCToken"))?;
    match sim.oidc_verdict(token) {
        OidcVerdict::Accepted => {}
        OidcVerdict::Expired => {
            return Err(ApiError::bad(
                "AuthenticationFail.OIDCToken.Expired",
                "The OIDC token has expired.",
            ))
        }
        // The STS error codes
        // (https://help.aliyun.com/zh/ram/developer-reference/api-sts-2015-04-01-errorcodes):
        // 401 `AuthenticationFail.OIDCToken.Invalid` for a token that cannot be recognized.
        OidcVerdict::Invalid => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "AuthenticationFail.OIDCToken.Invalid",
                "The Jwt content is invalid that cannot be recognized.",
            ))
        }
    }
    let lifetime = lifetime(sim, request)?;
    let issued = sim.auth.issue(lifetime);
    let mut answer = credentials_answer(role_arn, session, &issued);
    answer["OIDCTokenInfo"] = json!({
        "Issuer": sim.config.oidc.issuer,
        "Subject": "system:serviceaccount:default:eip-sim",
        "ClientIds": "sts.aliyuncs.com",
    });
    Ok(answer)
}

fn role_arn(request: &RpcRequest) -> Result<&str, ApiError> {
    let arn = request
        .param("RoleArn")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("RoleArn"))?;
    let valid = arn
        .strip_prefix("acs:ram::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if valid {
        Ok(arn)
    } else {
        Err(ApiError::invalid(
            "RoleArn",
            "not acs:ram::<account>:role/<name>",
        ))
    }
}

fn session_name(request: &RpcRequest) -> Result<&str, ApiError> {
    let session = request
        .param("RoleSessionName")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("RoleSessionName"))?;
    let valid = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_'));
    if valid {
        Ok(session)
    } else {
        Err(ApiError::invalid(
            "RoleSessionName",
            "2 to 64 letters, digits, '.', '@', '-' or '_'",
        ))
    }
}

/// `DurationSeconds` (900 to 43200, default 3600), shortened to the emulator's configured
/// credential lifetime so tests can watch credentials expire.
fn lifetime(sim: &AlibabaSim, request: &RpcRequest) -> Result<Duration, ApiError> {
    let asked = match request.param("DurationSeconds").filter(|v| !v.is_empty()) {
        None => 3600,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|s| (900..=43_200).contains(s))
            .ok_or_else(|| ApiError::invalid("DurationSeconds", "must be 900 to 43200"))?,
    };
    Ok(Duration::from_secs(asked).min(sim.config.credential_lifetime))
}

/// When `issued` expires, as `2006-01-02T15:04:05Z`.
pub(crate) fn expiration(issued: &Issued) -> String {
    utc_text(issued.expires_at)
}

/// `at` as `2006-01-02T15:04:05Z`.
pub(crate) fn utc_text(at: std::time::SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn credentials_answer(role_arn: &str, session: &str, issued: &Issued) -> Value {
    let c = &issued.credential;
    json!({
        "AssumedRoleUser": {
            "Arn": format!("{role_arn}/{session}"),
            "AssumedRoleId": format!("3{:017}:{session}", issued.credential.access_key_id.len()),
        },
        "Credentials": {
            "AccessKeyId": c.access_key_id,
            "AccessKeySecret": c.secret,
            "SecurityToken": c.security_token,
            "Expiration": expiration(issued),
        },
    })
}
