//! Huawei's error answers → [`eip_core::Error`] kinds, and the retry classifier.
//!
//! Four body shapes are parsed (huaweicloud-sdk-python-v3 `huaweicloudsdkcore/exceptions/exception_handler.py`): `{"code","message"}` (VPC v1),
//! `{"error_code","error_msg","request_id"}` (API gateway, newer IAM), `{"error":{...}}`
//! (Keystone-style IAM) and `{"NeutronError":{...}}`. The request id comes from the
//! `X-Request-Id` header, else from the body. Which code means which kind is decided in ONE
//! place, [`CODE_TABLE`] plus [`kind_for`].

use std::time::Duration;

use eip_core::retry::{default_classification, RetryAction, RetryClassifier};
use eip_core::{EipStatus, Error, ServiceError};
use serde_json::Value;

use crate::KIND;

/// What a Huawei answer means, before it becomes an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::AlreadyAssociated`].
    AlreadyAssociated,
    /// [`Error::InvalidState`] with the address bound (delete of a bound EIP).
    Bound,
    /// [`Error::QuotaExceeded`].
    Quota,
    /// [`Error::RateLimited`].
    RateLimited,
    /// [`Error::Unauthenticated`].
    Unauthenticated,
    /// [`Error::PermissionDenied`].
    PermissionDenied,
    /// [`Error::InvalidInput`]: the cloud refused a parameter.
    InvalidInput,
    /// [`Error::Service`] that is worth retrying (busy, 5xx).
    Retryable,
    /// [`Error::Service`] that is not.
    Permanent,
}

/// Codes with a meaning of their own; `Some(status)` restricts an entry to that HTTP status
/// (<https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>: `VPC.0504` is "not found" as 404 on get/update/delete, but "no IP found"
/// as 500 on create).
pub(crate) const CODE_TABLE: &[(&str, Option<u16>, ErrorKind)] = &[
    ("VPC.0504", Some(404), ErrorKind::NotFound),
    ("VPC.0510", None, ErrorKind::AlreadyAssociated),
    ("VPC.0511", None, ErrorKind::AlreadyAssociated),
    ("VPC.0517", None, ErrorKind::Bound),
    ("VPC.0521", None, ErrorKind::Quota),
    ("VPC.0008", None, ErrorKind::Unauthenticated),
    ("APIGW.0301", None, ErrorKind::Unauthenticated),
    ("APIG.0301", None, ErrorKind::Unauthenticated),
    ("VPC.0010", None, ErrorKind::PermissionDenied),
    ("VPC.2201", None, ErrorKind::PermissionDenied),
    ("VPC.2701", None, ErrorKind::PermissionDenied),
    ("VPC.0501", None, ErrorKind::InvalidInput),
    ("VPC.0007", None, ErrorKind::InvalidInput),
    // Create: "no IP found" is a 500 that waiting does not fix.
    ("VPC.0504", Some(500), ErrorKind::Permanent),
];

/// 5xx codes that are final answers, not outages: the cloud looked at the request and refused
/// it, so retrying or settling it cannot help (VPC error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>): `VPC.0503` "creation
/// failed", `VPC.0509` "Floating ip double status is invalid." (update), `VPC.0516` the EIP is
/// used by a load balancer and `VPC.0518` it has firewall rules (delete). `VPC.0504` is final as
/// a 500 of a create only ("no IP found"; the table entry above).
pub const PERMANENT_5XX: &[&str] = &["VPC.0503", "VPC.0509", "VPC.0516", "VPC.0518"];

/// The API gateway's throttling codes, answered with 429: `APIGW.0308` ("The throttling
/// threshold has been reached: policy user over ratelimit,limit:200,time:5 minute", a real
/// answer quoted in huaweicloud/terraform-provider-huaweicloud issue #1335) and the older
/// gateway's `APIG.0308` (Huawei advises retrying after 2–5 s,
/// <https://support.huaweicloud.com/intl/en-us/oce_faq/en-us_topic_0000001887959462.html>).
/// Retried, honouring `Retry-After`.
pub const THROTTLING_ERRORS: &[&str] = &["APIGW.0308", "APIG.0308"];

/// Codes that mean "not now": `VPC.0512`, "Resource status is busy, try it again later." (VPC
/// error codes, <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>). The cloud
/// did nothing, so even a write is retried. Any other 5xx is retried too (a read; a write's
/// outcome is then unknown and settled), except [`PERMANENT_5XX`].
pub const TRANSIENT_ERRORS: &[&str] = &["VPC.0512"];

/// Whether `code` is one of [`THROTTLING_ERRORS`].
pub fn is_throttling(code: &str) -> bool {
    eip_http::code_in(THROTTLING_ERRORS, code)
}

/// Whether `code` is one of [`TRANSIENT_ERRORS`].
pub fn is_transient(code: &str) -> bool {
    eip_http::code_in(TRANSIENT_ERRORS, code)
}

/// Whether `error` is one of the final answers above: the classifier stops on it, so the retry
/// loop neither repeats nor settles it (a gateway 5xx, by contrast, is an unknown outcome that
/// core's loop settles by reading back: API Gateway answers `504 APIG.0201 "Backend timeout."`
/// while the backend may go on, and Huawei's advice for that code is to "check whether the
/// result of the previous request is returned at the backend" before sending another,
/// <https://support.huaweicloud.com/intl/en-us/sis_faq/sis_04_0085.html>).
pub(crate) fn is_final(error: &Error) -> bool {
    error.service().is_some_and(|s| {
        PERMANENT_5XX.contains(&s.code.as_str())
            || (s.code == "VPC.0504" && s.http_status == Some(500))
    })
}

/// The kind for an HTTP status and a Huawei code: the code table first, then the status.
pub(crate) fn kind_for(status: u16, code: &str) -> ErrorKind {
    let listed = CODE_TABLE
        .iter()
        .find(|(c, only, _)| *c == code && only.is_none_or(|s| s == status))
        .map(|(_, _, kind)| *kind);
    let listed = listed.or_else(|| {
        if is_throttling(code) {
            Some(ErrorKind::RateLimited)
        } else if is_transient(code) {
            Some(ErrorKind::Retryable)
        } else if PERMANENT_5XX.contains(&code) {
            Some(ErrorKind::Permanent)
        } else {
            None
        }
    });
    listed.unwrap_or(match status {
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Retryable,
        _ => ErrorKind::Permanent,
    })
}

/// The code and message of an error body, in any of the four shapes; `None` when the body is
/// not a JSON object with them.
pub(crate) fn parse_body(body: &[u8]) -> Option<(String, String, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let request_id = object.get("request_id").and_then(text);
    if let Some((code, message)) = code_and_message(&value) {
        return Some((code, message, request_id));
    }
    // {"error":{...}}, {"NeutronError":{...}} and other wrappers: look one level down.
    object
        .values()
        .find_map(code_and_message)
        .map(|(c, m)| (c, m, request_id))
}

fn code_and_message(value: &Value) -> Option<(String, String)> {
    let pairs = [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ];
    for (code_key, message_key) in pairs {
        if let Some(code) = value.get(code_key).and_then(text) {
            let message = value.get(message_key).and_then(text).unwrap_or_default();
            return Some((code, message));
        }
    }
    // NeutronError has a type and a message but no code.
    let message = value.get("message").and_then(text)?;
    let code = value.get("type").and_then(text).unwrap_or_default();
    Some((code, message))
}

/// A string or a number as text (Keystone sends numeric codes).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What one failed HTTP answer carried.
#[derive(Debug)]
pub(crate) struct FailedAnswer<'a> {
    /// The cloud's action name.
    pub action: &'a str,
    /// What was addressed, for [`Error::NotFound`] (`eip <id>`).
    pub resource: &'a str,
    /// The HTTP status.
    pub status: u16,
    /// `X-Request-Id`.
    pub request_id: Option<String>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: &'a [u8],
}

/// The window a gateway throttling message names: API Gateway answers
/// `"... policy user over ratelimit,limit:200,time:5 minute"` or `"... policy ip over
/// ratelimit,limit:5,time:1 second"` (huaweicloud/terraform-provider-huaweicloud#1335,
/// sbercloud-terraform/terraform-provider-sbercloud#388). The quota is a fixed window whose start
/// the client cannot see, so the whole window is the wait that surely clears it; the retry loop
/// waits it out within its budget, or says in the error that the budget is shorter.
pub(crate) fn quota_window(message: &str) -> Option<Duration> {
    let rest = &message[message.find("time:")? + "time:".len()..];
    let rest = rest.trim_start();
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let count: u64 = rest[..digits].parse().ok()?;
    let unit = rest[digits..].trim_start();
    let seconds = if unit.starts_with("second") {
        1
    } else if unit.starts_with("minute") {
        60
    } else if unit.starts_with("hour") {
        3600
    } else if unit.starts_with("day") {
        86_400
    } else {
        return None;
    };
    Some(Duration::from_secs(count.checked_mul(seconds)?))
}

/// Turns a non-2xx answer into an [`Error`].
///
/// A body that is not JSON (an HTML page from a gateway or proxy) follows eip-http's one rule
/// for both clouds ([`eip_http::unreadable_answer`]): 429 rate limited, 5xx a retryable
/// `HTTP 5xx` service error (a write's outcome then is unknown and settled by reading back),
/// anything else [`Error::InvalidResponse`], even a 404: such a page is not the cloud saying
/// the EIP is gone. 401 and 403 mean the same whatever the body, and keep their kinds.
pub(crate) fn from_answer(answer: &FailedAnswer<'_>) -> Error {
    let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(answer.body).is_ok();
    if !is_json && !matches!(answer.status, 401 | 403) {
        return eip_http::unreadable_answer(
            KIND,
            answer.action,
            answer.status,
            answer.request_id.clone(),
            answer.retry_after,
            answer.body,
        );
    }
    let (code, message, body_request_id) = parse_body(answer.body).unwrap_or_else(|| {
        (
            format!("HTTP {}", answer.status),
            eip_http::snippet(answer.body),
            None,
        )
    });
    let mut service = ServiceError::new(KIND, answer.action, code, message);
    service.http_status = Some(answer.status);
    service.request_id = answer.request_id.clone().or(body_request_id);
    let kind = kind_for(answer.status, &service.code);
    let service = Box::new(service);
    match kind {
        ErrorKind::NotFound => Error::NotFound {
            resource: answer.resource.to_owned(),
            service: Some(service),
        },
        ErrorKind::AlreadyAssociated => Error::AlreadyAssociated {
            service: Some(service),
        },
        ErrorKind::Bound => Error::InvalidState {
            current: Some(EipStatus::Bound),
            service: Some(service),
        },
        ErrorKind::Quota => Error::QuotaExceeded {
            service: Some(service),
        },
        ErrorKind::RateLimited => Error::RateLimited {
            retry_after: answer
                .retry_after
                .or_else(|| quota_window(&service.message)),
            service: Some(service),
        },
        ErrorKind::Unauthenticated => Error::Unauthenticated {
            reason: "the credentials were refused".to_owned(),
            service: Some(service),
        },
        ErrorKind::PermissionDenied => Error::PermissionDenied {
            service: Some(service),
        },
        // The cloud refused a value this library let through; name the cloud's answer.
        ErrorKind::InvalidInput => Error::InvalidInput {
            field: "request".to_owned(),
            reason: service.to_string(),
        },
        ErrorKind::Retryable => Error::Service {
            retryable: true,
            service,
        },
        ErrorKind::Permanent => Error::Service {
            retryable: false,
            service,
        },
    }
}

/// The retry rules: throttling (429, `APIGW.0308`, honouring `Retry-After`), "busy" (409
/// `VPC.0512`), 5xx and transport failures are retried (reads; a write whose outcome is
/// unknown is settled by core's loop instead); the final 5xx codes, everything the caller must
/// fix and every refused credential are not (IAM locks a user after repeated failed logins).
#[derive(Clone, Copy, Debug, Default)]
pub struct HuaweiClassifier;

impl RetryClassifier for HuaweiClassifier {
    fn classify(&self, error: &Error) -> RetryAction {
        match error {
            Error::Unauthenticated { .. } | Error::PermissionDenied { .. } => RetryAction::Stop,
            // A gateway's 5xx page: the backend may be back on the next attempt (for reads and
            // idempotent writes; the loop never repeats another write after it).
            Error::InvalidResponse {
                http_status: Some(500..=599),
                ..
            } => RetryAction::Retry { after: None },
            // A 2xx answer we could not read was processed: repeating it is the caller's call.
            Error::InvalidResponse { .. } => RetryAction::Stop,
            other if is_final(other) => RetryAction::Stop,
            other => default_classification(other),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn answer(status: u16, body: &str) -> Error {
        from_answer(&FailedAnswer {
            action: "Op",
            resource: "eip x",
            status,
            request_id: Some("hdr-req".into()),
            retry_after: None,
            body: body.as_bytes(),
        })
    }

    #[test]
    fn every_body_shape_is_parsed() {
        let cases = [
            (
                r#"{"code":"VPC.0504","message":"Floating IP could not be found."}"#,
                "VPC.0504",
                "Floating IP could not be found.",
                None,
            ),
            (
                r#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r1"}"#,
                "APIGW.0308",
                "throttled",
                Some("r1"),
            ),
            (
                r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#,
                "401",
                "The request you have made requires authentication.",
                None,
            ),
            (
                r#"{"NeutronError":{"type":"PortNotFound","message":"Port x could not be found","detail":""}}"#,
                "PortNotFound",
                "Port x could not be found",
                None,
            ),
            (r#"{"errorCode":"X.1","errorMsg":"m"}"#, "X.1", "m", None),
        ];
        for (body, code, message, request_id) in cases {
            let (c, m, r) = parse_body(body.as_bytes()).unwrap();
            assert_eq!(
                (c.as_str(), m.as_str(), r.as_deref()),
                (code, message, request_id),
                "{body}"
            );
        }
        for garbage in [
            "",
            "<html>502 Bad Gateway</html>",
            "{\"code\":",
            "[]",
            "null",
            "{}",
        ] {
            assert!(parse_body(garbage.as_bytes()).is_none(), "{garbage}");
        }
    }

    #[test]
    fn the_code_table_maps_each_documented_code() {
        use ErrorKind::*;
        let cases = [
            (404, "VPC.0504", NotFound),
            (500, "VPC.0504", Permanent),
            (500, "VPC.0516", Permanent),
            (500, "VPC.0518", Permanent),
            (500, "VPC.0503", Permanent),
            (500, "VPC.0509", Permanent),
            (409, "VPC.0510", AlreadyAssociated),
            (409, "VPC.0511", AlreadyAssociated),
            (409, "VPC.0517", Bound),
            (409, "VPC.0521", Quota),
            (429, "APIGW.0308", RateLimited),
            (429, "APIG.0308", RateLimited),
            (429, "", RateLimited),
            (401, "VPC.0008", Unauthenticated),
            (401, "APIGW.0301", Unauthenticated),
            (401, "APIG.0301", Unauthenticated),
            (401, "IAM.0007", Unauthenticated),
            (403, "VPC.0010", PermissionDenied),
            (403, "VPC.2201", PermissionDenied),
            (403, "VPC.2701", PermissionDenied),
            (403, "X", PermissionDenied),
            (400, "VPC.0501", InvalidInput),
            (400, "VPC.0007", InvalidInput),
            (409, "VPC.0512", Retryable),
            (503, "SYS.0503", Retryable),
            (500, "VPC.0514", Retryable),
            (409, "VPC.0522", Permanent),
            (400, "VPC.0011", Permanent),
        ];
        for (status, code, kind) in cases {
            assert_eq!(kind_for(status, code), kind, "{status} {code}");
        }
    }

    #[test]
    fn answers_become_core_errors_with_code_message_and_request_id() {
        match answer(
            404,
            r#"{"code":"VPC.0504","message":"Floating IP could not be found."}"#,
        ) {
            Error::NotFound {
                resource,
                service: Some(s),
            } => {
                assert_eq!(resource, "eip x");
                assert_eq!(
                    (s.code.as_str(), s.http_status, s.request_id.as_deref()),
                    ("VPC.0504", Some(404), Some("hdr-req"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            answer(409, r#"{"code":"VPC.0517","message":"bound"}"#),
            Error::InvalidState {
                current: Some(EipStatus::Bound),
                ..
            }
        ));
        let busy = answer(409, r#"{"code":"VPC.0512","message":"busy"}"#);
        assert!(
            matches!(
                busy,
                Error::Service {
                    retryable: true,
                    ..
                }
            ),
            "{busy:?}"
        );
        let invalid = answer(
            400,
            r#"{"code":"VPC.0501","message":"Port id is invalid."}"#,
        );
        match invalid {
            Error::InvalidInput { reason, .. } => assert!(reason.contains("VPC.0501"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let throttled = from_answer(&FailedAnswer {
            action: "Op",
            resource: "",
            status: 429,
            request_id: None,
            retry_after: Some(Duration::from_secs(2)),
            body: br#"{"error_code":"APIGW.0308","error_msg":"over ratelimit","request_id":"body-req"}"#,
        });
        match &throttled {
            Error::RateLimited {
                retry_after,
                service: Some(s),
            } => {
                assert_eq!(*retry_after, Some(Duration::from_secs(2)));
                assert_eq!(s.request_id.as_deref(), Some("body-req"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            HuaweiClassifier.classify(&throttled),
            RetryAction::Retry {
                after: Some(Duration::from_secs(2))
            }
        );
    }

    #[test]
    fn bodies_that_are_not_json_still_give_typed_errors() {
        let html = answer(502, "<html><body>Bad Gateway</body></html>");
        match &html {
            Error::Service {
                retryable: true,
                service,
            } => {
                assert_eq!(service.code, "HTTP 502");
                assert!(service.message.contains("Bad Gateway"));
            }
            other => panic!("{other:?}"),
        }
        assert!(html.outcome_unknown(), "a gateway page hides the outcome");
        assert_ne!(HuaweiClassifier.classify(&html), RetryAction::Stop);
        assert!(matches!(answer(401, ""), Error::Unauthenticated { .. }));
        assert!(matches!(answer(429, "<html>"), Error::RateLimited { .. }));
        assert!(matches!(
            answer(400, "{\"code\":"),
            Error::InvalidResponse {
                http_status: Some(400),
                ..
            }
        ));
        // A gateway page is not the cloud saying the EIP is gone.
        assert!(matches!(
            answer(404, "not json"),
            Error::InvalidResponse {
                http_status: Some(404),
                ..
            }
        ));
        // JSON without a code keeps the status as the code.
        match answer(502, "{}") {
            Error::Service { service, .. } => assert_eq!(service.code, "HTTP 502"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_permanent_5xx_codes_are_final_and_a_gateway_timeout_is_unknown() {
        for code in PERMANENT_5XX {
            let error = answer(500, &format!(r#"{{"code":"{code}","message":"m"}}"#));
            assert_eq!(
                HuaweiClassifier.classify(&error),
                RetryAction::Stop,
                "{code}: stopped, so core's loop neither repeats nor settles it"
            );
        }
        let no_ip = answer(500, r#"{"code":"VPC.0504","message":"no ip"}"#);
        assert_eq!(HuaweiClassifier.classify(&no_ip), RetryAction::Stop);
        let gateway = answer(
            504,
            r#"{"error_code":"APIG.0201","error_msg":"Backend timeout."}"#,
        );
        assert!(gateway.outcome_unknown());
        assert_ne!(HuaweiClassifier.classify(&gateway), RetryAction::Stop);
        let busy = answer(409, r#"{"code":"VPC.0512","message":"busy"}"#);
        assert!(!busy.outcome_unknown());
        assert_ne!(HuaweiClassifier.classify(&busy), RetryAction::Stop);
    }

    #[test]
    fn the_classifier_retries_only_what_can_succeed_later() {
        let retry = |e: &Error| HuaweiClassifier.classify(e) != RetryAction::Stop;
        assert!(retry(&answer(
            409,
            r#"{"code":"VPC.0512","message":"busy"}"#
        )));
        assert!(retry(&answer(
            500,
            r#"{"code":"VPC.0514","message":"neutron"}"#
        )));
        assert!(retry(&answer(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"x"}"#
        )));
        assert!(retry(&Error::Transport {
            operation: "x".into(),
            message: "reset".into(),
            maybe_sent: false,
            source: None
        }));
        assert!(!retry(&answer(
            401,
            r#"{"code":"VPC.0008","message":"Invalid token"}"#
        )));
        assert!(!retry(&answer(
            403,
            r#"{"code":"VPC.0010","message":"denied"}"#
        )));
        assert!(!retry(&answer(
            409,
            r#"{"code":"VPC.0510","message":"bound"}"#
        )));
        assert!(!retry(&answer(
            409,
            r#"{"code":"VPC.0517","message":"bound"}"#
        )));
        assert!(!retry(&answer(
            404,
            r#"{"code":"VPC.0504","message":"gone"}"#
        )));
        assert!(!retry(&Error::InvalidResponse {
            operation: "x".into(),
            reason: "y".into(),
            http_status: Some(200),
            request_id: None
        }));
    }

    #[test]
    fn a_throttling_message_names_its_window() {
        let user = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute";
        assert_eq!(quota_window(user), Some(Duration::from_secs(300)));
        let ip = "The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:1 second";
        assert_eq!(quota_window(ip), Some(Duration::from_secs(1)));
        assert_eq!(quota_window("over ratelimit"), None);
        assert_eq!(quota_window("time:99999999999999999999 day"), None);
        assert_eq!(quota_window("time:18446744073709551615 day"), None);
        let body = br#"{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit,limit:200,time:5 minute"}"#;
        match answer(429, std::str::from_utf8(body).unwrap()) {
            Error::RateLimited { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(300)))
            }
            other => panic!("{other:?}"),
        }
    }
}
