//! Huawei Cloud Elastic IPs behind [`eip_core::EipProvider`]: IAM password tokens or AK/SK
//! `SDK-HMAC-SHA256` signatures, and the VPC v1 `publicips`, `ports` and `bandwidths` APIs.
//!
//! ```no_run
//! use eip_core::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, WaitPolicy};
//! use eip_huawei::{HuaweiProvider, PasswordAuth};
//!
//! # async fn run() -> Result<(), eip_core::Error> {
//! let huawei = HuaweiProvider::builder()
//!     .with_region("cn-north-4")
//!     .with_password(PasswordAuth::new("iam-user", "password", "account"))
//!     .build()?;
//! let eip = huawei.allocate(&AllocateRequest::new().bandwidth(5).idempotency_key("web-1")).await?;
//! huawei.wait_until_available(&eip.id, &WaitPolicy::default()).await?;
//! huawei.associate(&eip.id, &AssociateTarget::instance("b0a9d2b4-2cae-4b66-a6ba-6af70f3bd7f8")).await?;
//! # Ok(()) }
//! ```
//!
//! Or configure everything from the environment with [`HuaweiBuilder::from_env`] (the variables
//! of the Python SDK, Terraform and OpenStack are read; see there for the precedence).
//!
//! # Authentication
//! - **Password token** ([`PasswordAuth`]): `POST /v3/auth/tokens`, the token from
//!   `X-Subject-Token`, the project id from the token when not configured. The token is cached
//!   and reused until `expires_at` minus a margin (30 min by default, at most half its life);
//!   concurrent callers on a cold cache share one IAM request; a 401 from VPC drops the token,
//!   re-authenticates once and repeats the call once. A refused password is reported as
//!   [`eip_core::Error::Unauthenticated`] after one IAM request and never tried again by this
//!   provider (IAM locks accounts after repeated failures).
//! - **AK/SK** ([`AccessKey`]): every request is signed (`content-type` when there is a body,
//!   `host`, `x-project-id`, `x-sdk-date`, and `x-security-token` for temporary keys). The project
//!   id is configured or looked up once with a signed `GET /v3/projects?name=<project name>`;
//!   no project or several is an [`eip_core::Error::InvalidInput`] on `project_id`.
//!
//! # Exactly-once allocation
//! The v1 create has no client token. Each allocation carries a marker derived from its
//! idempotency key (the caller's, or one minted per call): `mce-` + 28 hex digits of
//! SHA-256(key), written as the **bandwidth name** of a dedicated bandwidth, or as the **alias**
//! when joining a shared bandwidth without a name. When an answer is lost (timeout, connection
//! closed after sending), the addresses are listed: the one with the marker is returned; only when
//! none exists is the create sent again. A repeated `allocate` with the same key returns the
//! existing address. Consequences:
//! - `modify` changes a bandwidth's size but never its name (the name is the marker);
//! - a shared-bandwidth allocation **with a name** cannot carry the marker: a lost answer is
//!   returned as the error it is (`maybe_sent`), for the caller to check; allocate without a name
//!   and set it with `modify` to keep exactly-once;
//! - an address being released does not count: reusing a key after a release allocates anew;
//! - renaming an address whose alias carries the marker removes it: a later `allocate` with the
//!   same key then allocates anew.
//!
//! # Status mapping
//! | Huawei `status` | [`eip_core::EipStatus`] |
//! |---|---|
//! | `DOWN` | `Available` |
//! | `ACTIVE`, `ELB`, `VPN` | `Bound` |
//! | `BINDING` | `Associating` |
//! | `PENDING_CREATE`, `NOTIFYING` | `Creating` |
//! | `PENDING_UPDATE` | `Updating` |
//! | `PENDING_DELETE`, `NOTIFY_DELETE` | `Releasing` |
//! | `FREEZED` | `Locked` |
//! | `BIND_ERROR`, `ERROR` | `Failed` |
//! | anything else | `Unknown(raw)` |
//!
//! # Errors
//! | Huawei answer | [`eip_core::Error`] |
//! |---|---|
//! | 404 `VPC.0504` | `NotFound` |
//! | `VPC.0510`, `VPC.0511` | `AlreadyAssociated` |
//! | `VPC.0517` (delete of a bound EIP) | `InvalidState { current: Some(Bound) }` |
//! | `VPC.0521` | `QuotaExceeded` |
//! | 429, `APIGW.0308`, `APIG.0308` | `RateLimited` (retried, `Retry-After` honoured) |
//! | 401, `VPC.0008`, `APIGW.0301`, `APIG.0301` | `Unauthenticated` |
//! | 403, `VPC.0010`, `VPC.2201`, `VPC.2701` | `PermissionDenied` |
//! | `VPC.0501`, `VPC.0007` | `InvalidInput { field: "request" }` |
//! | `VPC.0512` (busy), 5xx | `Service { retryable: true }` (retried) |
//! | anything else | `Service { retryable: false }` |
//!
//! A 2xx answer that is not the expected JSON is `InvalidResponse`; an error answer that is not
//! JSON (an HTML page from a proxy) keeps its status as the code (`HTTP 502`).
//!
//! # Capabilities
//! Instance, network-interface and private-IP targets; IPv6; shared bandwidth; pages of up to
//! 2000 by marker; bandwidth 1–2000 Mbit/s in Huawei's steps (1 up to 300, 50 up to 1000, 500
//! above); names (aliases) of 1–64 letters, digits, CJK characters and `_-.`; no descriptions
//! and no tags (the v1 API has neither).
#![deny(missing_docs)]

mod builder;
mod client;
mod credential;
mod error;
#[cfg(test)]
mod hostile;
mod mapping;
mod ports;
pub mod signer;
mod stamp;
mod transport;
mod wire;

pub use builder::{
    AuthMethod, HuaweiBuilder, DEFAULT_REFUSAL_MEMORY, DEFAULT_TOKEN_REFRESH_MARGIN,
};
pub use client::HuaweiProvider;
pub use credential::{AccessKey, PasswordAuth};
pub use error::HuaweiClassifier;

use eip_core::{Eip, EipStatus, Error, ProviderKind};

/// This provider's kind, `huawei` (as in `huawei://cn-north-4`).
pub const KIND: ProviderKind = ProviderKind::new("huawei");

/// The normalized status of a Huawei publicip `status` (the table above); the raw value is kept
/// in [`Eip::raw_status`] by the provider.
///
/// ```
/// use eip_core::EipStatus;
/// assert_eq!(eip_huawei::status("ACTIVE"), EipStatus::Bound);
/// assert_eq!(eip_huawei::status("DOWN"), EipStatus::Available);
/// ```
pub fn status(raw: &str) -> EipStatus {
    mapping::status_of(raw)
}

/// Parses the body of one `GET /v1/{project_id}/publicips` answer into addresses of `region`,
/// as [`HuaweiProvider`] does for each page before it reads the ports: the binding of a bound
/// address is its port (kind `NetworkInterface`, `nic_id` set) until the provider resolves the
/// instance behind it. A body that is not the expected JSON, or an entry without an id or a
/// readable public address, is [`Error::InvalidResponse`].
///
/// ```
/// let body = br#"{"publicips":[{"id":"e1","status":"DOWN","public_ip_address":"203.0.113.7"}]}"#;
/// let eips = eip_huawei::parse_publicip_list("cn-north-4", body)?;
/// assert_eq!(eips[0].id, "e1");
/// # Ok::<(), eip_core::Error>(())
/// ```
pub fn parse_publicip_list(region: &str, body: &[u8]) -> Result<Vec<Eip>, Error> {
    const ACTION: &str = "ListPublicips";
    let list: wire::PublicipList = wire::parse(ACTION, 200, None, body)?;
    list.publicips
        .iter()
        .map(|ip| mapping::eip_from(ACTION, region, ip))
        .collect()
}
