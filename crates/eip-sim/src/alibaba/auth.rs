//! Request authentication: which scheme a request uses, its credentials, freshness, signature,
//! STS token and nonce (the RPC signature page,
//! <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use http::StatusCode;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::errors::ApiError;
use super::routes::RpcRequest;
use super::verifier;

/// How long a nonce is remembered: the longest accepted clock skew (15 minutes).
const NONCE_TTL: Duration = Duration::from_secs(15 * 60);

/// One AccessKey the emulated account accepts.
#[derive(Clone)]
pub(crate) struct Credential {
    pub(crate) access_key_id: String,
    pub(crate) secret: String,
    /// For STS keys: the token every request must carry.
    pub(crate) security_token: Option<String>,
}

/// Nonces seen per AccessKeyId, with when they were first used.
#[derive(Default)]
struct NonceCache {
    seen: HashMap<String, HashMap<String, Instant>>,
    last_prune: Option<Instant>,
}

impl NonceCache {
    /// Records a nonce; `false` if it was used within the last 15 minutes.
    fn first_use(&mut self, access_key_id: &str, nonce: &str, now: Instant) -> bool {
        if self
            .last_prune
            .is_none_or(|t| now.duration_since(t) > Duration::from_secs(60))
        {
            for nonces in self.seen.values_mut() {
                nonces.retain(|_, at| now.duration_since(*at) < NONCE_TTL);
            }
            self.last_prune = Some(now);
        }
        let nonces = self.seen.entry(access_key_id.to_owned()).or_default();
        match nonces.get(nonce) {
            Some(at) if now.duration_since(*at) < NONCE_TTL => false,
            _ => {
                nonces.insert(nonce.to_owned(), now);
                true
            }
        }
    }
}

/// Temporary credentials the emulated STS or metadata service issued.
#[derive(Clone)]
pub(crate) struct Issued {
    pub(crate) credential: Credential,
    /// When it was issued (the metadata document's `LastUpdated`).
    pub(crate) issued_at: SystemTime,
    pub(crate) expires_at: SystemTime,
}

/// Verifies requests against the configured keys.
pub(crate) struct Authenticator {
    credentials: Vec<Credential>,
    issued: Mutex<Vec<Issued>>,
    serial: AtomicU64,
    skew: Duration,
    nonces: Mutex<NonceCache>,
    /// `false`: every request passes unchecked (`SimBuilder::verify_signatures`).
    enabled: bool,
}

impl Authenticator {
    pub(crate) fn new(credentials: Vec<Credential>, skew: Duration, enabled: bool) -> Self {
        Self {
            credentials,
            issued: Mutex::new(Vec::new()),
            serial: AtomicU64::new(0),
            skew,
            nonces: Mutex::new(NonceCache::default()),
            enabled,
        }
    }

    /// Issues a new temporary key triple valid for `lifetime` (expired ones are forgotten an
    /// hour after their end, still answering `InvalidSecurityToken.Expired` until then).
    pub(crate) fn issue(&self, lifetime: Duration) -> Issued {
        let n = self
            .serial
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        let now = SystemTime::now();
        let issued = Issued {
            credential: Credential {
                access_key_id: format!("STS.NSimIssued{n:012}"),
                secret: format!("SimIssuedSecret{n:012}{:08x}", rand::random::<u32>()),
                security_token: Some(format!(
                    "CAISsim+Issued/{n:012}={:016x}",
                    rand::random::<u64>()
                )),
            },
            issued_at: now,
            expires_at: now.checked_add(lifetime).unwrap_or(now),
        };
        let mut all = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|i| {
            i.expires_at
                .checked_add(Duration::from_secs(3600))
                .is_some_and(|end| end > now)
        });
        all.push(issued.clone());
        issued
    }

    /// Ends every issued credential now (control `expire_credentials`).
    pub(crate) fn expire_issued(&self) {
        let now = SystemTime::now();
        for issued in self
            .issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter_mut()
        {
            issued.expires_at = now;
        }
    }

    /// The issued credential with this key id, if still known.
    pub(crate) fn issued(&self, access_key_id: &str) -> Option<Issued> {
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|i| i.credential.access_key_id == access_key_id)
            .cloned()
    }

    pub(crate) fn reset(&self) {
        *self.nonces.lock().unwrap_or_else(|p| p.into_inner()) = NonceCache::default();
    }

    /// Checks a request; `Ok` when it may be executed.
    pub(crate) fn verify(&self, request: &RpcRequest) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        match request.header("authorization") {
            Some(value) if value.starts_with("ACS3-") => self.verify_v3(request, value),
            _ if request.param("Signature").is_some() => self.verify_v1(request),
            _ => Err(ApiError::missing("Signature")),
        }
    }

    /// The credential of a key id, and when it expires (issued ones).
    fn credential(
        &self,
        access_key_id: &str,
    ) -> Result<(Credential, Option<SystemTime>), ApiError> {
        if let Some(c) = self
            .credentials
            .iter()
            .find(|c| c.access_key_id == access_key_id)
        {
            return Ok((c.clone(), None));
        }
        self.issued(access_key_id)
            .map(|i| (i.credential, Some(i.expires_at)))
            .ok_or_else(ApiError::access_key_not_found)
    }

    /// RPC V1, HMAC-SHA1 (the RPC signature page,
    /// <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>), over every query
    /// and body parameter, empty ones too.
    fn verify_v1(&self, request: &RpcRequest) -> Result<(), ApiError> {
        let required = |name: &str| {
            request
                .param(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ApiError::missing(name))
        };
        let access_key_id = required("AccessKeyId")?;
        let signature = required("Signature")?;
        let nonce = required("SignatureNonce")?;
        let timestamp = required("Timestamp")?;
        // the RPC signature page,
        // https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism: both are
        // required common parameters with a single allowed value.
        if required("SignatureMethod")? != "HMAC-SHA1" {
            return Err(ApiError::invalid(
                "SignatureMethod",
                "only HMAC-SHA1 is supported",
            ));
        }
        if required("SignatureVersion")? != "1.0" {
            return Err(ApiError::invalid(
                "SignatureVersion",
                "only 1.0 is supported",
            ));
        }
        let (credential, expires_at) = self.credential(access_key_id)?;
        let credential = &credential;
        self.check_fresh(timestamp)?;
        let string_to_sign = verifier::v1_string_to_sign(&request.method, &request.params);
        let expected = verifier::v1_signature(&credential.secret, &string_to_sign);
        if !verifier::same_signature(&expected, signature) {
            return Err(ApiError::signature_mismatch(&string_to_sign));
        }
        // the RPC signature page,
        // https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism: under V1 the STS
        // token is the `SecurityToken` parameter.
        check_token(credential, request.param("SecurityToken"), "SecurityToken")?;
        check_expiry(expires_at)?;
        self.check_nonce(access_key_id, nonce)
    }

    /// ACS3-HMAC-SHA256 (the V3 signature page,
    /// <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>)
    /// with the SignedHeaders the client listed.
    fn verify_v3(&self, request: &RpcRequest, authorization: &str) -> Result<(), ApiError> {
        let auth = verifier::parse_v3_authorization(authorization).ok_or_else(|| {
            ApiError::bad(
                "IncompleteSignature",
                "The Authorization header does not conform to ACS3 rules.",
            )
        })?;
        if auth.algorithm != verifier::ACS3_HMAC_SHA256 {
            return Err(ApiError::bad(
                "IncompleteSignature",
                format!(
                    "The signature algorithm {} is not supported by the emulator.",
                    auth.algorithm
                ),
            ));
        }
        check_signed_set(request, &auth.signed_headers)?;
        let required = |name: &str| {
            request
                .header(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ApiError::missing(name))
        };
        let nonce = required("x-acs-signature-nonce")?;
        let date = required("x-acs-date")?;
        let (credential, expires_at) = self.credential(&auth.access_key_id)?;
        let credential = &credential;
        self.check_fresh(date)?;
        let payload_hash = verifier::sha256_hex(&request.body);
        if request
            .header("x-acs-content-sha256")
            .is_some_and(|h| !h.eq_ignore_ascii_case(&payload_hash))
        {
            return Err(ApiError::bad(
                "SignatureDoesNotMatch",
                "x-acs-content-sha256 does not match the request body.",
            ));
        }
        let canonical = verifier::v3_canonical_request(
            &request.method,
            &request.query,
            &request.headers,
            &auth.signed_headers,
            &payload_hash,
        );
        let string_to_sign = verifier::v3_string_to_sign(&canonical);
        let expected = verifier::v3_signature(&credential.secret, &string_to_sign);
        if !verifier::same_signature(&expected, &auth.signature) {
            return Err(ApiError::signature_mismatch(&string_to_sign));
        }
        // the V3 signature page,
        // https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature:
        // under V3 the STS token is the `x-acs-security-token` header.
        check_token(
            credential,
            request.header("x-acs-security-token"),
            "x-acs-security-token",
        )?;
        check_expiry(expires_at)?;
        self.check_nonce(&auth.access_key_id, nonce)
    }

    /// V1 `Timestamp` and V3 `x-acs-date` must be within the skew limit of the server clock.
    /// the RPC signature page,
    /// <https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism>: [doc-v2] says a
    /// V1 timestamp is valid for 31 minutes while the
    /// `InvalidTimeStamp.Expired` error pages say 15; the emulator applies the stricter 15 minutes
    /// (configurable) to both versions, so a client that passes here passes on the real API.
    fn check_fresh(&self, timestamp: &str) -> Result<(), ApiError> {
        let at = OffsetDateTime::parse(timestamp, &Rfc3339).map_err(|_| {
            ApiError::bad(
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        })?;
        let skew = (OffsetDateTime::now_utc() - at).unsigned_abs();
        if skew > self.skew {
            return Err(ApiError::timestamp_expired());
        }
        Ok(())
    }

    fn check_nonce(&self, access_key_id: &str, nonce: &str) -> Result<(), ApiError> {
        let mut cache = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        if cache.first_use(access_key_id, nonce, Instant::now()) {
            Ok(())
        } else {
            Err(ApiError::nonce_used())
        }
    }
}

/// Headers that must be covered by a V3 signature when present: the ones [doc-v3] and its
/// official example (the V3 signature page,
/// <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>
/// V3-1) sign, plus the STS token, so that an unsigned date,
/// nonce or action (a client bug that would let a replay or a rewrite through) is refused.
const MUST_SIGN: &[&str] = &[
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
];

fn check_signed_set(request: &RpcRequest, signed: &[String]) -> Result<(), ApiError> {
    let unsigned = MUST_SIGN
        .iter()
        .find(|name| request.header(name).is_some() && !signed.iter().any(|s| s == *name));
    match unsigned {
        Some(name) => Err(ApiError::bad(
            "IncompleteSignature",
            format!("The header {name} must be listed in SignedHeaders."),
        )),
        None => Ok(()),
    }
}

/// An issued key past its end: the STS error code for an expired token
/// (<https://api.alibabacloud.com/document/Sts/2015-04-01/errorCode>, `InvalidSecurityToken.Expired`).
fn check_expiry(expires_at: Option<SystemTime>) -> Result<(), ApiError> {
    match expires_at {
        Some(end) if end <= SystemTime::now() => Err(ApiError::bad(
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        )),
        _ => Ok(()),
    }
}

/// An STS key needs its token. A missing token is a missing parameter; a wrong one is treated as
/// an unknown (or expired) key, the code the API reference error codes,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode> gives for expired STS tokens.
fn check_token(credential: &Credential, sent: Option<&str>, name: &str) -> Result<(), ApiError> {
    let Some(expected) = &credential.security_token else {
        return Ok(());
    };
    match sent.filter(|t| !t.is_empty()) {
        None => Err(ApiError::missing(name)),
        Some(token) if verifier::same_signature(expected, token) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found or the security token is invalid or expired.",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn nonces_are_per_key_and_expire() {
        let mut cache = NonceCache::default();
        let t0 = Instant::now();
        assert!(cache.first_use("ak", "n1", t0));
        assert!(!cache.first_use("ak", "n1", t0 + Duration::from_secs(60)));
        assert!(cache.first_use("other", "n1", t0));
        assert!(cache.first_use("ak", "n1", t0 + NONCE_TTL + Duration::from_secs(1)));
    }
}
