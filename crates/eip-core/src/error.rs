//! One error type of semantic kinds, for every provider.
//!
//! Callers match on what happened ([`Error::NotFound`], [`Error::RateLimited`], ...), not on a
//! cloud's codes; the cloud's answer (HTTP status, code, message, request id) is kept in a
//! [`ServiceError`] for the person who has to act on it.

use std::fmt;
use std::time::Duration;

use crate::model::{Eip, EipStatus, ProviderKind};

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a cloud answered when it refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The provider that answered.
    pub provider: ProviderKind,
    /// The cloud's name for the operation (`AssociateEipAddress`, `update_publicip`...).
    pub operation: String,
    /// The HTTP status, when the answer came over HTTP.
    pub http_status: Option<u16>,
    /// The cloud's error code (`IncorrectEipStatus`, `VPC.0504`...).
    pub code: String,
    /// The cloud's message.
    pub message: String,
    /// The request id to quote to the cloud's support.
    pub request_id: Option<String>,
}

impl ServiceError {
    /// A service error with no HTTP status and no request id yet.
    pub fn new(
        provider: ProviderKind,
        operation: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            operation: operation.into(),
            http_status: None,
            code: code.into(),
            message: message.into(),
            request_id: None,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.provider, self.operation)?;
        if let Some(status) = self.http_status {
            write!(f, "HTTP {status} ")?;
        }
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong, by what it means for the caller.
///
/// [`Error::is_retryable`] answers from the kind alone; the retry loop also asks whether the
/// request was idempotent (see [`crate::retry`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address (or the instance, NIC... named in `resource`) does not exist.
    #[error("not found: {resource}{}", suffix(.service))]
    NotFound {
        /// What was looked for, e.g. `eip eip-123` or `instance i-9`.
        resource: String,
        /// The cloud's answer, when the cloud said so.
        service: Option<Box<ServiceError>>,
    },

    /// The address, or the target, is already associated with something else.
    #[error("already associated{}", suffix(.service))]
    AlreadyAssociated {
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// The operation is not allowed in the address's current state.
    #[error("invalid state{}{}", current.as_ref().map(|s| format!(" ({s})")).unwrap_or_default(), suffix(.service))]
    InvalidState {
        /// The state the address was in, when known.
        current: Option<EipStatus>,
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// Someone else changed the address in between: a fence did not hold, or another mover won.
    #[error("conflict: {reason}{}", suffix(.service))]
    Conflict {
        /// What did not hold.
        reason: String,
        /// The cloud's answer, when the cloud detected it.
        service: Option<Box<ServiceError>>,
    },

    /// The account's quota of addresses (or bandwidth) is used up.
    #[error("quota exceeded{}", suffix(.service))]
    QuotaExceeded {
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// The cloud throttled the request.
    #[error("rate limited{}{}", retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default(), suffix(.service))]
    RateLimited {
        /// How long the cloud asked to wait, when it said.
        retry_after: Option<Duration>,
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// The credentials were refused (wrong key, bad signature, expired token, wrong password).
    #[error("unauthenticated: {reason}{}", suffix(.service))]
    Unauthenticated {
        /// What was refused, in words.
        reason: String,
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// The credentials are valid but may not do this.
    #[error("permission denied{}", suffix(.service))]
    PermissionDenied {
        /// The cloud's answer.
        service: Option<Box<ServiceError>>,
    },

    /// A value given by the caller is invalid; nothing was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field (or configuration key) at fault.
        field: String,
        /// Why it is invalid.
        reason: String,
    },

    /// The provider cannot do this at all (see [`crate::Capabilities`]); nothing was sent.
    #[error("unsupported: {what}")]
    Unsupported {
        /// What is not supported.
        what: String,
    },

    /// A request or the whole operation ran out of time.
    #[error("{operation} timed out after {elapsed:?}{}", if *.maybe_sent { " (the request may have been processed)" } else { "" })]
    Timeout {
        /// The operation that timed out.
        operation: String,
        /// How long it ran.
        elapsed: Duration,
        /// Whether the request may have reached the cloud (so its effect may exist).
        maybe_sent: bool,
    },

    /// The connection failed or broke.
    #[error("{operation}: transport error: {message}{}", if *.maybe_sent { " (the request may have been processed)" } else { "" })]
    Transport {
        /// The operation.
        operation: String,
        /// What broke.
        message: String,
        /// Whether the request may have reached the cloud.
        maybe_sent: bool,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The cloud's answer could not be understood.
    #[error("{operation}: invalid response: {reason}{}", http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    InvalidResponse {
        /// The operation.
        operation: String,
        /// What was wrong with it.
        reason: String,
        /// The HTTP status of the answer.
        http_status: Option<u16>,
        /// The request id, when one could be read.
        request_id: Option<String>,
    },

    /// A waiter gave up before the condition held.
    #[error("gave up waiting after {waited:?}{}", last.as_ref().map(|e| format!("; last seen {} ({})", e.status, e.raw_status)).unwrap_or_default())]
    WaitTimeout {
        /// How long it waited.
        waited: Duration,
        /// The last state seen.
        last: Option<Box<Eip>>,
    },

    /// A waiter saw a state that waiting will not cure (failed, locked).
    #[error("the address reached {status}; waiting will not help")]
    WaitFailed {
        /// The state it reached.
        status: EipStatus,
        /// The address as last seen.
        last: Option<Box<Eip>>,
    },

    /// The guard of a fenced operation refused a write (the caller no longer holds its lease);
    /// nothing more was sent.
    #[error("fenced: {reason}{}", if *.maybe_sent { " (an earlier attempt may have been processed)" } else { "" })]
    Fenced {
        /// Why the guard refused.
        reason: String,
        /// Whether an earlier attempt of the refused call may have been processed by the cloud.
        maybe_sent: bool,
    },

    /// Any other refusal by the cloud.
    #[error("{service}")]
    Service {
        /// Whether retrying could help (a 5xx, "busy", "system error").
        retryable: bool,
        /// The cloud's answer.
        service: Box<ServiceError>,
    },
}

/// Whether an error could go away by itself (see [`Error::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorStatus {
    /// Retrying the same request cannot help: bad input, not found, refused credentials...
    Permanent,
    /// Retrying could help: throttling, a busy or transitional state, a transient failure.
    Temporary,
}

fn suffix(service: &Option<Box<ServiceError>>) -> String {
    service
        .as_ref()
        .map(|s| format!(": {s}"))
        .unwrap_or_default()
}

impl Error {
    /// The same error with `note` added to its text (in parentheses), for a caller that knows
    /// something the failing request did not, e.g. "eip-1 was allocated and is kept". Kinds
    /// without a text are returned as they are.
    pub fn with_note(self, note: &str) -> Error {
        let append = |text: &mut String| {
            text.push_str(" (");
            text.push_str(note);
            text.push(')');
        };
        let mut error = self;
        match &mut error {
            Self::Service { service, .. }
            | Self::NotFound {
                service: Some(service),
                ..
            }
            | Self::AlreadyAssociated {
                service: Some(service),
            }
            | Self::InvalidState {
                service: Some(service),
                ..
            }
            | Self::QuotaExceeded {
                service: Some(service),
            }
            | Self::RateLimited {
                service: Some(service),
                ..
            }
            | Self::PermissionDenied {
                service: Some(service),
            } => append(&mut service.message),
            Self::Conflict { reason, .. }
            | Self::Unauthenticated { reason, .. }
            | Self::InvalidInput { reason, .. }
            | Self::InvalidResponse { reason, .. }
            | Self::Fenced { reason, .. } => append(reason),
            Self::Transport { message, .. } => append(message),
            Self::Unsupported { what } => append(what),
            Self::Timeout { operation, .. } => append(operation),
            // No text to carry it: the warning logged by the caller names the address.
            _ => {}
        }
        error
    }

    /// Whether retrying the same request could succeed, judged from the kind alone.
    ///
    /// Throttling, timeouts, transport failures, retryable service errors and states that are
    /// moving by themselves are retryable; everything the caller must fix is not. Whether a
    /// request that may have been sent may be repeated is decided by the retry loop, which knows
    /// whether it is idempotent.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Service { retryable, .. } => *retryable,
            Self::InvalidState {
                current: Some(current),
                ..
            } => current.is_transitional(),
            _ => false,
        }
    }

    /// Whether the request may have reached the cloud although no answer came back.
    pub fn maybe_sent(&self) -> bool {
        match self {
            Self::Timeout { maybe_sent, .. } | Self::Transport { maybe_sent, .. } => *maybe_sent,
            _ => false,
        }
    }

    /// Whether the outcome of a write is unknown: the request may have been processed without an
    /// answer ([`Error::maybe_sent`]), the cloud answered 2xx with a body that could not be read,
    /// or a gateway answered 5xx (a JSON error or an HTML page). Such a write is settled by reading
    /// the resource back, never blindly repeated.
    ///
    /// A 5xx from a gateway does not say the backend did nothing: Huawei's API gateway answers
    /// `504 APIG.0201 "Backend timeout."` when the backend was too slow, and advises checking
    /// whether the request was processed before sending it again
    /// (<https://support.huaweicloud.com/ocr_faq/ocr_01_0065.html>); Alibaba's idempotence page
    /// says the same of a 500/503 or a missing answer
    /// (<https://help.aliyun.com/knowledge_detail/36569.html>).
    pub fn outcome_unknown(&self) -> bool {
        self.maybe_sent()
            || matches!(
                self,
                Self::InvalidResponse {
                    http_status: Some(200..=299 | 500..=599),
                    ..
                }
            )
            || matches!(self, Self::Service { service, .. } if service.http_status.is_some_and(|s| s >= 500))
    }

    /// How this error stands with respect to retrying, in the spirit of OpenDAL's `ErrorStatus`:
    /// [`ErrorStatus::Temporary`] when another attempt could succeed, [`ErrorStatus::Permanent`]
    /// when the caller must change something first. The retry loop returns the last temporary
    /// error once its attempts or budget run out; [`crate::retry::RetryStats::exhausted`] counts
    /// those.
    pub fn status(&self) -> ErrorStatus {
        if self.is_retryable() {
            ErrorStatus::Temporary
        } else {
            ErrorStatus::Permanent
        }
    }

    /// The cloud's answer, when this error came from one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::NotFound { service, .. }
            | Self::AlreadyAssociated { service }
            | Self::InvalidState { service, .. }
            | Self::Conflict { service, .. }
            | Self::QuotaExceeded { service }
            | Self::RateLimited { service, .. }
            | Self::Unauthenticated { service, .. }
            | Self::PermissionDenied { service } => service.as_deref(),
            Self::Service { service, .. } => Some(service),
            _ => None,
        }
    }

    /// The cloud's request id, when known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::InvalidResponse { request_id, .. } => request_id.as_deref(),
            other => other.service().and_then(|s| s.request_id.as_deref()),
        }
    }

    /// A short snake_case name of the kind, stable for scripts (`not_found`, `rate_limited`...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::AlreadyAssociated { .. } => "already_associated",
            Self::InvalidState { .. } => "invalid_state",
            Self::Conflict { .. } => "conflict",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::PermissionDenied { .. } => "permission_denied",
            Self::InvalidInput { .. } => "invalid_input",
            Self::Unsupported { .. } => "unsupported",
            Self::Timeout { .. } => "timeout",
            Self::Transport { .. } => "transport",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::WaitTimeout { .. } => "wait_timeout",
            Self::WaitFailed { .. } => "wait_failed",
            Self::Fenced { .. } => "fenced",
            Self::Service { .. } => "service",
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for a [`Error::NotFound`] raised by the library itself.
    pub fn not_found(resource: impl Into<String>) -> Self {
        Self::NotFound {
            resource: resource.into(),
            service: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn svc() -> Box<ServiceError> {
        let mut s = ServiceError::new(ProviderKind::new("p"), "Op", "Code.X", "went wrong");
        s.http_status = Some(409);
        s.request_id = Some("req-1".into());
        Box::new(s)
    }

    #[test]
    fn retryability_follows_the_kind() {
        assert!(Error::RateLimited {
            retry_after: None,
            service: None
        }
        .is_retryable());
        assert!(Error::Service {
            retryable: true,
            service: svc()
        }
        .is_retryable());
        assert!(!Error::Service {
            retryable: false,
            service: svc()
        }
        .is_retryable());
        assert!(Error::InvalidState {
            current: Some(EipStatus::Associating),
            service: None
        }
        .is_retryable());
        assert!(!Error::InvalidState {
            current: Some(EipStatus::Bound),
            service: None
        }
        .is_retryable());
        assert!(!Error::invalid_input("name", "empty").is_retryable());
        assert!(!Error::not_found("eip x").is_retryable());
    }

    #[test]
    fn an_unknown_outcome_is_a_possible_send_or_an_unreadable_success() {
        let lost = Error::Transport {
            operation: "x".into(),
            message: "closed".into(),
            maybe_sent: true,
            source: None,
        };
        let refused = Error::Transport {
            operation: "x".into(),
            message: "refused".into(),
            maybe_sent: false,
            source: None,
        };
        let unreadable = |status| Error::InvalidResponse {
            operation: "x".into(),
            reason: "y".into(),
            http_status: Some(status),
            request_id: None,
        };
        assert!(lost.outcome_unknown());
        assert!(!refused.outcome_unknown());
        assert!(unreadable(200).outcome_unknown());
        assert!(
            unreadable(502).outcome_unknown(),
            "a gateway page may hide a processed write"
        );
        assert!(!unreadable(404).outcome_unknown());
        let gateway = |status| {
            let mut s = ServiceError::new(
                ProviderKind::new("p"),
                "Op",
                "APIG.0201",
                "Backend timeout.",
            );
            s.http_status = Some(status);
            Error::Service {
                retryable: true,
                service: Box::new(s),
            }
        };
        assert!(gateway(504).outcome_unknown());
        assert!(!gateway(429).outcome_unknown());
        assert_eq!(gateway(504).status(), ErrorStatus::Temporary);
        assert_eq!(Error::not_found("x").status(), ErrorStatus::Permanent);
        assert!(!Error::not_found("eip x").outcome_unknown());
    }

    #[test]
    fn display_names_code_and_request_id() {
        let e = Error::AlreadyAssociated {
            service: Some(svc()),
        };
        let text = e.to_string();
        assert!(
            text.contains("Code.X") && text.contains("req-1") && text.contains("HTTP 409"),
            "{text}"
        );
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.kind_name(), "already_associated");
    }
}
