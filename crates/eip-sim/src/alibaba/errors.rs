//! Alibaba's error codes, HTTP statuses and error body (the API reference error codes, <https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode>).

use axum::body::Body;
use http::{header, HeaderValue, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use crate::cloud::{ErrorCode, InjectedError};
use crate::faults::{QuotaHit, QuotaScope};

/// An error answer: HTTP status, `Code` and `Message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 with the given code.
    pub(crate) fn bad(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn missing(parameter: &str) -> Self {
        Self::bad(
            "MissingParameter",
            format!("The input parameter \"{parameter}\" that is mandatory for processing this request is not supplied."),
        )
    }

    pub(crate) fn invalid(parameter: &str, why: &str) -> Self {
        Self::bad(
            "InvalidParameter",
            format!("The specified parameter \"{parameter}\" is not valid: {why}."),
        )
    }

    pub(crate) fn allocation_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidAllocationId.NotFound",
            format!("Specified allocation ID \"{id}\" is not found."),
        )
    }

    /// AssociateEipAddress, <https://api.alibabacloud.com/document/Vpc/2016-04-28/AssociateEipAddress>: the code is spelled `InvalidInstanId` in the documentation.
    pub(crate) fn instance_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidInstanId.NotFound",
            format!("The specified instance \"{id}\" does not exist."),
        )
    }

    pub(crate) fn incorrect_eip_status(status: &str) -> Self {
        Self::bad(
            "IncorrectEipStatus",
            format!("The current status of the EIP ({status}) does not support this operation."),
        )
    }

    pub(crate) fn access_key_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    }

    /// the API reference error codes, <https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode>: aliyun-python-sdk-core splits this message at `:` to compare string-to-sign values.
    pub(crate) fn signature_mismatch(string_to_sign: &str) -> Self {
        Self::bad(
            "SignatureDoesNotMatch",
            format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
        )
    }

    pub(crate) fn timestamp_expired() -> Self {
        Self::bad(
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    }

    pub(crate) fn nonce_used() -> Self {
        Self::bad(
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )
    }

    pub(crate) fn action_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    /// The error a fault rule injects (the API reference error codes, <https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode>).
    pub(crate) fn injected(error: InjectedError) -> Self {
        match error {
            // the API reference error codes, https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode: no VPC row exists; the ALB and NLB tables give 400.
            InjectedError::Throttled => Self::bad("Throttling.User", "Request was denied due to user flow control."),
            InjectedError::Unavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ),
            InjectedError::Internal => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "The request processing has failed due to some unknown error, exception or failure.",
            ),
            InjectedError::Busy => Self::new(
                StatusCode::CONFLICT,
                "OperationConflict",
                "Request was denied due to conflict with a previous request, please try again later.",
            ),
        }
    }

    /// What a gateway answers after the backend executed a request it could not answer in time
    /// (a `commit_then_error` fault): 500 `InternalError`, any other status
    /// `ServiceUnavailable`, in the usual JSON error shape. Both codes are in the common error
    /// codes of the VPC API reference (<https://api.aliyun.com/document/Vpc/2016-04-28/errorCode>).
    pub(crate) fn gateway(status: StatusCode) -> Self {
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            Self::injected(InjectedError::Internal)
        } else {
            Self {
                status,
                ..Self::injected(InjectedError::Unavailable)
            }
        }
    }

    /// A full quota window: 400 `Throttling.User` per account, `Throttling.Api` per action
    /// (and per client IP, which Alibaba also reports as user flow control). Status and messages
    /// as the ALB and NLB error tables give them (the VPC reference has no throttling row):
    /// <https://www.alibabacloud.com/help/en/slb/application-load-balancer/developer-reference/api-error-codes>
    pub(crate) fn quota(hit: &QuotaHit) -> Self {
        match hit.scope {
            QuotaScope::Api => Self::bad(
                "Throttling.Api",
                "Request was denied due to api flow control.",
            ),
            QuotaScope::User | QuotaScope::Ip => Self::bad(
                "Throttling.User",
                "Request was denied due to user flow control.",
            ),
        }
    }

    /// A write refused because the EIP is locked: a `financial` lock (overdue payment) is
    /// `Forbidden.FinancialLocked`, a `security` lock `InvalidEIPStatus.BizDisabled` (both in the
    /// AssociateEipAddress error table,
    /// <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-associateeipaddress>).
    pub(crate) fn locked(reason: &str) -> Self {
        if reason == "financial" {
            Self::new(
                StatusCode::FORBIDDEN,
                "Forbidden.FinancialLocked",
                "The specified EIP is locked due to an overdue payment.",
            )
        } else {
            Self::bad(
                "InvalidEIPStatus.BizDisabled",
                "The specified EIP is locked for security reasons and cannot be operated on.",
            )
        }
    }

    /// The JSON error body (the API reference error codes, <https://api.alibabacloud.com/document/Vpc/2016-04-28/errorCode>) with the [`ErrorCode`] extension for the log.
    pub(crate) fn into_response(self, request_id: &str, host_id: &str) -> Response<Body> {
        let body = json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Vpc&requestId={request_id}", self.code),
        });
        let mut response = json_response(self.status, &body);
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

/// A JSON answer; Alibaba always answers `application/json` here (what aliyun-python-sdk-core 2.16.1 and alibabacloud-tea-openapi 0.4.6 send).
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let body = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        // Not reached: every answer has string keys and infallible values.
        Err(error) => {
            tracing::error!(%error, "cannot serialize an answer");
            return crate::server::plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unserializable answer",
            );
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
