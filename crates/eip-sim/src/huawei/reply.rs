//! Huawei's response shapes: VPC `{"code","message"}`, API gateway
//! `{"error_code","error_msg","request_id"}` and Keystone `{"error":{"code","message","title"}}`
//! (the EIP error codes, <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>),
//! every one with an `X-Request-Id` header.

use crate::server::Body;
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use crate::cloud::ErrorCode;

/// The header Huawei's SDKs read the request id from (the EIP error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>).
const REQUEST_ID: &str = "x-request-id";

/// An error answer, rendered in the shape of the component that produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// A VPC v1 error: `{"code":"VPC.xxxx","message":...}`.
    Vpc {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// An API gateway error: `{"error_code","error_msg","request_id"}`.
    Gateway {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// An Enterprise Project Management error: `{"error":{"error_code","error_msg"}}` (EPS
    /// error codes, <https://support.huaweicloud.com/intl/en-us/api-em/ErrorCode.html>).
    Eps {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// A Keystone-style IAM error: `{"error":{"code":<status>,"message","title"}}`.
    Keystone { status: StatusCode, message: String },
    /// A gateway's own HTML error page (`text/html`), as a load balancer in front of the API
    /// gateway answers 502 and 503.
    Html { status: StatusCode },
    /// A plain-text answer, as the ECS metadata service gives.
    Plain { status: StatusCode, message: String },
}

impl ApiError {
    pub(crate) fn vpc(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Vpc {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `VPC.0501`: invalid parameters.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::vpc(StatusCode::BAD_REQUEST, "VPC.0501", message)
    }

    /// 409 `VPC.0512`: the EIP is in a transitional state (the EIP error codes,
    /// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>).
    pub(crate) fn busy() -> Self {
        Self::vpc(
            StatusCode::CONFLICT,
            "VPC.0512",
            "Resource status is busy, try it again later.",
        )
    }

    /// 404 `VPC.0504`: unknown publicip (huaweicloud-sdk-python-v3 3.1.219 gives the message).
    pub(crate) fn eip_not_found() -> Self {
        Self::vpc(
            StatusCode::NOT_FOUND,
            "VPC.0504",
            "Floating IP could not be found.",
        )
    }

    /// 401 `VPC.0008` (the IAM token API,
    /// <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).
    pub(crate) fn invalid_token() -> Self {
        Self::vpc(
            StatusCode::UNAUTHORIZED,
            "VPC.0008",
            "Invalid token in the header.",
        )
    }

    /// 400 `VPC.0007`: the project in the URL is not the caller's (the EIP error codes,
    /// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>).
    pub(crate) fn wrong_project() -> Self {
        Self::vpc(
            StatusCode::BAD_REQUEST,
            "VPC.0007",
            "The tenant ID in the URL is different from the tenant ID in the token.",
        )
    }

    /// 401 `APIGW.0301`: AK/SK authentication refused by the gateway.
    pub(crate) fn aksk(detail: &str) -> Self {
        Self::Gateway {
            status: StatusCode::UNAUTHORIZED,
            code: "APIGW.0301",
            message: format!("Incorrect IAM authentication information: {detail}"),
        }
    }

    /// 404 `APIGW.0101`: no such API behind the gateway.
    pub(crate) fn no_such_api() -> Self {
        Self::Gateway {
            status: StatusCode::NOT_FOUND,
            code: "APIGW.0101",
            message: "The API does not exist or has not been published in the environment".into(),
        }
    }

    pub(crate) fn eps(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Eps {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn keystone(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Keystone {
            status,
            message: message.into(),
        }
    }

    /// The code recorded in the request log.
    fn code(&self) -> String {
        match self {
            Self::Vpc { code, .. } | Self::Gateway { code, .. } | Self::Eps { code, .. } => {
                (*code).to_owned()
            }
            Self::Keystone { status, .. } => format!("IAM.{}", status.as_u16()),
            Self::Html { status } => format!("HTML.{}", status.as_u16()),
            Self::Plain { status, .. } => format!("META.{}", status.as_u16()),
        }
    }

    /// What the API gateway answers when the backend executed a request but the answer did
    /// not come back in time: 504 `APIG.0201` "Backend timeout." (Huawei's FAQ on it,
    /// <https://support.huaweicloud.com/ocr_faq/ocr_01_0065.html>, says the backend may still have
    /// processed the request), a 500 VPC error, or for 502, 503 and other statuses an HTML page.
    pub(crate) fn gateway(status: StatusCode) -> Self {
        match status {
            StatusCode::GATEWAY_TIMEOUT => Self::Gateway {
                status,
                code: "APIG.0201",
                message: "Backend timeout.".to_owned(),
            },
            StatusCode::INTERNAL_SERVER_ERROR => {
                Self::vpc(status, "VPC.0514", "Neutron error, please try again later.")
            }
            _ => Self::Html { status },
        }
    }

    /// Renders the error with `request_id` in the header (and in the body for gateway errors).
    pub(crate) fn into_response(self, request_id: &str) -> Response<Body> {
        let code = self.code();
        if let Self::Html { status } = self {
            return html_response(status, request_id, code);
        }
        if let Self::Plain { status, message } = self {
            let mut response = crate::server::plain(status, &message);
            insert_request_id(response.headers_mut(), request_id);
            response.extensions_mut().insert(ErrorCode(code));
            return response;
        }
        let (status, body) = match self {
            Self::Vpc {
                status,
                code,
                message,
            } => (status, json!({"code": code, "message": message})),
            Self::Gateway {
                status,
                code,
                message,
            } => (
                status,
                json!({"error_code": code, "error_msg": message, "request_id": request_id}),
            ),
            Self::Eps {
                status,
                code,
                message,
            } => (
                status,
                json!({"error": {"error_code": code, "error_msg": message}}),
            ),
            Self::Keystone { status, message } => {
                let title = status.canonical_reason().unwrap_or("Error");
                (
                    status,
                    json!({"error": {"code": status.as_u16(), "message": message, "title": title}}),
                )
            }
            Self::Html { status } | Self::Plain { status, .. } => (status, json!({})),
        };
        let mut response = json_response(status, &body, request_id);
        response.extensions_mut().insert(ErrorCode(code));
        response
    }
}

/// A JSON answer with `X-Request-Id`.
pub(crate) fn json_response(
    status: StatusCode,
    body: &impl Serialize,
    request_id: &str,
) -> Response<Body> {
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
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    insert_request_id(headers, request_id);
    response
}

/// A gateway's HTML error page.
fn html_response(status: StatusCode, request_id: &str, code: String) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("Error");
    let title = format!("{} {reason}", status.as_u16());
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html"),
    );
    insert_request_id(response.headers_mut(), request_id);
    response.extensions_mut().insert(ErrorCode(code));
    response
}

/// An empty answer (DELETE's 204) with `X-Request-Id`.
pub(crate) fn empty_response(status: StatusCode, request_id: &str) -> Response<Body> {
    let mut response = Response::new(Body::default());
    *response.status_mut() = status;
    insert_request_id(response.headers_mut(), request_id);
    response
}

fn insert_request_id(headers: &mut http::HeaderMap, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, value);
    }
}
