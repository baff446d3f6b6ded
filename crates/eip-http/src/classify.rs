//! Retry classification as data: each cloud writes its throttling and transient error codes as
//! plain `const` lists (in the style of smithy-rs's `THROTTLING_ERRORS` / `TRANSIENT_ERRORS` in
//! `aws-runtime/src/retries/classifiers.rs`), and [`RetryRules`] turns them into an
//! [`eip_core::RetryClassifier`]. The lists themselves stay in the provider crates, next to the
//! public documentation they cite.

use eip_core::retry::{default_classification, RetryAction, RetryClassifier};
use eip_core::Error;

/// Whether `code` is in `list`. An entry ending in `*` matches every code with that prefix
/// (`"Throttling*"` matches `Throttling` and `Throttling.User`); other entries match exactly.
///
/// ```
/// const THROTTLING_ERRORS: &[&str] = &["Throttling*", "APIGW.0308"];
/// assert!(eip_http::code_in(THROTTLING_ERRORS, "Throttling.User"));
/// assert!(eip_http::code_in(THROTTLING_ERRORS, "APIGW.0308"));
/// assert!(!eip_http::code_in(THROTTLING_ERRORS, "APIGW.03080"));
/// ```
pub fn code_in(list: &[&str], code: &str) -> bool {
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => code.starts_with(prefix),
        None => *entry == code,
    })
}

/// What a code list says about a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeClass {
    /// The cloud throttled the request: retry after a backoff (and the cloud's delay).
    Throttling,
    /// A passing failure (busy, system error): retry after a backoff.
    Transient,
}

/// A cloud's retry rules: its throttling and transient codes, as constant lists.
///
/// As a [`RetryClassifier`] it retries a refusal whose code is in either list and leaves every
/// other error to [`default_classification`] (rate limits, timeouts, transport failures,
/// retryable service errors). Whether a failed *write* may be repeated is still decided by the
/// retry loop, which never repeats a non-idempotent write whose outcome is unknown.
///
/// ```
/// use eip_core::{Error, ProviderKind, ServiceError, RetryClassifier, RetryAction};
/// use eip_http::RetryRules;
///
/// const THROTTLING_ERRORS: &[&str] = &["Throttling*"];
/// const TRANSIENT_ERRORS: &[&str] = &["SystemBusy", "ServiceUnavailable"];
/// const RULES: RetryRules = RetryRules::new(THROTTLING_ERRORS, TRANSIENT_ERRORS);
///
/// let busy = Error::Service {
///     retryable: false,
///     service: Box::new(ServiceError::new(ProviderKind::new("x"), "Op", "SystemBusy", "busy")),
/// };
/// assert_eq!(RULES.classify(&busy), RetryAction::Retry { after: None });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RetryRules {
    /// Codes meaning "throttled".
    pub throttling: &'static [&'static str],
    /// Codes meaning "try again".
    pub transient: &'static [&'static str],
}

impl RetryRules {
    /// Rules from two lists.
    pub const fn new(
        throttling: &'static [&'static str],
        transient: &'static [&'static str],
    ) -> Self {
        Self {
            throttling,
            transient,
        }
    }

    /// The class of `code`, when either list names it (throttling first).
    pub fn class_of(&self, code: &str) -> Option<CodeClass> {
        if code_in(self.throttling, code) {
            Some(CodeClass::Throttling)
        } else if code_in(self.transient, code) {
            Some(CodeClass::Transient)
        } else {
            None
        }
    }
}

impl RetryClassifier for RetryRules {
    fn classify(&self, error: &Error) -> RetryAction {
        let listed = error.service().and_then(|s| self.class_of(&s.code));
        match (listed, error) {
            (Some(_), Error::RateLimited { retry_after, .. }) => RetryAction::Retry {
                after: *retry_after,
            },
            (Some(_), _) => RetryAction::Retry { after: None },
            (None, _) => default_classification(error),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use eip_core::{ProviderKind, ServiceError};

    use super::*;

    const RULES: RetryRules = RetryRules::new(&["Throttling*", "APIGW.0308"], &["SystemBusy"]);

    fn refused(code: &str) -> Error {
        Error::Service {
            retryable: false,
            service: Box::new(ServiceError::new(ProviderKind::new("x"), "Op", code, "m")),
        }
    }

    #[test]
    fn listed_codes_retry_and_others_follow_the_default() {
        assert_eq!(RULES.class_of("Throttling"), Some(CodeClass::Throttling));
        assert_eq!(RULES.class_of("SystemBusy"), Some(CodeClass::Transient));
        assert_eq!(RULES.class_of("SystemBusyNot"), None);
        assert_eq!(
            RULES.classify(&refused("SystemBusy")),
            RetryAction::Retry { after: None }
        );
        assert_eq!(RULES.classify(&refused("Forbidden")), RetryAction::Stop);
        let throttled = Error::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            service: Some(Box::new(ServiceError::new(
                ProviderKind::new("x"),
                "Op",
                "APIGW.0308",
                "m",
            ))),
        };
        assert_eq!(
            RULES.classify(&throttled),
            RetryAction::Retry {
                after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            RULES.classify(&Error::invalid_input("id", "bad")),
            RetryAction::Stop
        );
    }
}
