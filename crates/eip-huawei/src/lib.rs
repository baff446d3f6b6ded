//! Huawei Cloud Elastic IPs behind [`eip_core::EipProvider`]: IAM password tokens or AK/SK
//! `SDK-HMAC-SHA256` signatures, the VPC v1 `publicips`, `ports` and `bandwidths` APIs, the
//! v2.0 tag and shared-bandwidth APIs, and EPS for enterprise projects.
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
//!   [`eip_core::Error::Unauthenticated`] after one IAM request and not sent again for the
//!   refusal memory ([`DEFAULT_REFUSAL_MEMORY`], 5 minutes; IAM locks users after repeated
//!   failed logins); [`HuaweiProvider::set_password`] and [`HuaweiProvider::reset_auth`] end it
//!   early. A project id IAM names is checked like a configured one before it enters a path.
//!   Redirects are never followed (the password would be re-posted to the `Location` host).
//! - **AK/SK** ([`AccessKey`]): every request is signed (`content-type` when there is a body,
//!   `host`, `x-project-id`, `x-sdk-date`, and `x-security-token` for temporary keys). The project
//!   id is configured or looked up once with a signed `GET /v3/projects?name=<project name>`;
//!   no project or several is an [`eip_core::Error::InvalidInput`] on `project_id`.
//! - **Credential providers** ([`HuaweiBuilder::with_credential_provider`], and the default
//!   chain of [`HuaweiBuilder::from_env`]): AK/SK from any [`eip_http::ProvideCredentials`],
//!   asked before every attempt; temporary keys are signed with `X-Security-Token`, refreshed
//!   [`REFRESH_AHEAD`] (40 min) before they expire (never past half their life), and a 401
//!   drops them and repeats the call once with fresh ones.
//!
//! # The credential chain
//!
//! | step | what it reads | refresh |
//! |---|---|---|
//! | environment | OIDC federation (`HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`), else `HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN` or `HW_ACCESS_KEY`/`HW_SECRET_KEY`/`HW_SECURITY_TOKEN`, else a password (`HW_USER_*`, `OS_*`) | federation: 6 h keys, the token file re-read at each refresh |
//! | SDK profile | `HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials` `[basic]` | keys re-read once when refused |
//! | KooCLI | `HW_SHARED_CONFIG_FILE` or `~/.hcloud/config.json`, `HW_PROFILE` or `current`, mode `AKSK` | keys re-read once when refused |
//! | ECS metadata | the server agency's keys from `http://169.254.169.254/openstack/latest/securitykey` ([`METADATA_ENDPOINT_ENV`] for a stand-in) | before expiry |
//! | + agency | `HW_ASSUME_ROLE_AGENCY_NAME` + `HW_ASSUME_ROLE_DOMAIN_NAME`/`_DOMAIN_ID`, or [`HuaweiBuilder::with_assume_agency`], over any of the above | 24 h keys, before expiry |
//!
//! An absent file is skipped; a file others may read, or a malformed one, stops the chain with
//! an [`eip_core::Error::InvalidInput`] naming the file. When no step yields, ONE
//! [`eip_core::Error::Unauthenticated`] lists every step and why.
//!
//! # Exactly-once allocation
//! The v1 create has no client token. Each allocation carries a marker derived from its
//! idempotency key (the caller's, or one minted per call): `mce-` + 28 hex digits of
//! SHA-256(key), written as the **bandwidth name** of a dedicated bandwidth, or as the **alias**
//! when joining a shared bandwidth without a name.
//! - A create whose outcome is unknown (a lost answer, or a gateway's 5xx such as
//!   `504 APIG.0201`) is never sent again blindly: the addresses are listed for the marker; one
//!   carrying it is returned, and the create is sent again only once the settle window
//!   ([`eip_core::retry::SettlePolicy`], 10 s by default: reads lag writes) has passed without
//!   it showing.
//! - A repeated `allocate` with the same key returns the existing address.
//! - Two callers allocating with one key at once (two processes that both found no address
//!   before creating) end with ONE address: after its create, a keyed allocation lists the
//!   marker again, one second after its create (`create_time` has whole seconds, so that an
//!   address made in the same second is listed for both makers); when several addresses carry
//!   it, every caller keeps the same one (the oldest `create_time`, then the lowest id) and
//!   releases the address it created itself before returning. A keyed allocation that creates
//!   therefore takes a second longer. **The window that remains:** when each caller's post-create listing does not
//!   show the other's new address yet (reads lag writes, typically by seconds), both keep their
//!   own; later `allocate` calls with the key return the winner, and the other address stays
//!   allocated until released.
//!
//! Consequences:
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
//! The port decides between the two ends of a bind or unbind, whichever order the cloud
//! changes `port_id` and `status` in: `ACTIVE` without a `port_id` is `Available` (unbound, the
//! status not caught up yet), `DOWN` with a `port_id` is `Associating`.
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
//! | `VPC.0512` (busy), 5xx | `Service { retryable: true }` (reads retried; a write settled by reading back) |
//! | `VPC.0503`, `VPC.0509`, `VPC.0516`, `VPC.0518`, 500 `VPC.0504` | `Service { retryable: false }` (final) |
//! | EPS `{"error":{"error_code","error_msg"}}` (`EPS.0005` 404 and the rest) | by status, like the VPC answers |
//! | anything else | `Service { retryable: false }` |
//!
//! A 2xx answer that is not the expected JSON is `InvalidResponse`; so is an error answer that is
//! not JSON at all (a gateway's HTML page, even as a 404: it is not the cloud saying the address
//! is gone), with its status; a JSON error without a code keeps its status as the code
//! (`HTTP 502`).
//!
//! # Requests and quotas
//! Every request goes through eip-http (`ClientOptions` in the builder: proxy for https only,
//! extra root certificates, user agent suffix, answer size cap) and core's one retry loop, which
//! draws from a token bucket per provider sized to the API gateway's per-user quota
//! ([`default_rate_limiter`], 200 requests per 5 minutes; [`HuaweiBuilder::with_rate_limiter`]
//! shares or disables it). A bound address's port is read once per provider instance and cached,
//! so a waiter polls with `ShowPublicip` alone. Lists ask for `enterprise_project_id=all_granted_eps`
//! (every enterprise project the caller may see). A line (`publicip.type`) the region does not
//! offer is refused before sending; the default line is one the region offers.
//!
//! # Capabilities
//! Instance, network-interface and private-IP targets; IPv6; shared bandwidth; pages of up to
//! 2000 by marker; bandwidth 1–2000 Mbit/s in Huawei's steps (1 up to 300, 50 up to 1000, 500
//! above); names (aliases) of 1–64 letters, digits, CJK characters and `_-.`; no descriptions
//! (the v1 API has none). The region's line types (`publicip.type`) where documented
//! ([`eip_core::Capabilities::lines`]); a specific address at allocation
//! (`publicip.ip_address`); no address pools and no deletion protection (neither exists for
//! Huawei EIPs).
//!
//! # Attributes
//! - **Tags** (the v2.0 tag API): at most 10 per address, keys 1–36 and values 0–43 letters,
//!   digits, CJK characters and `_-` (`_.-` in values), checked before sending.
//!   [`eip_core::EipProvider::set_tags`] reads the address (a change that would leave more
//!   than 10 is refused before any write), then writes one batch for the removals and one for
//!   the additions; tags at allocation are written in the same `allocate`, once the create has
//!   ended (`PENDING_CREATE` waited out, as Terraform does; see there for what happens when
//!   tagging fails). [`eip_core::Eip::tags`] comes from the
//!   publicip object's `tags`, so `get` and `list` cost no extra request. A list with
//!   [`eip_core::ListFilter::tags`] is filtered **in the cloud** (ListPublicipsByTags), with
//!   numbered pages of at most 1000, then one `GET publicips?id=…` per 100 addresses found.
//! - **Shared bandwidths**: [`eip_core::EipProvider::join_shared_bandwidth`] (`insert`) and
//!   [`eip_core::EipProvider::leave_shared_bandwidth`] (`remove`, with the dedicated
//!   bandwidth's size and billing); [`eip_core::Eip::bandwidth_kind`] from
//!   `bandwidth_share_type` (`PER` / `WHOLE`). Joining gives up the dedicated bandwidth, and so
//!   the idempotency stamp in its name.
//! - **Enterprise projects** are [`eip_core::Eip::resource_group`]: set at allocation
//!   (`enterprise_project_id`), filtered in the cloud, moved with EPS `resources-migrate`
//!   ([`HuaweiBuilder::with_eps_endpoint`], [`HuaweiBuilder::with_domain_id`] for AK/SK).
//! - **Regions**: [`regions`], the SDK's static table; no request.
#![deny(missing_docs)]

mod builder;
mod chain;
mod client;
mod credential;
mod error;
mod federation;
mod mapping;
mod metadata;
mod ports;
mod regions;
pub mod signer;
mod stamp;
mod transport;
mod wire;

pub use builder::{
    default_rate_limiter, AuthMethod, HuaweiBuilder, DEFAULT_QUOTA_WINDOW, DEFAULT_REFUSAL_MEMORY,
    DEFAULT_REQUESTS_PER_WINDOW, DEFAULT_TOKEN_REFRESH_MARGIN, IAM_ENDPOINT_ENV,
};
pub use chain::REFRESH_AHEAD;
pub use client::HuaweiProvider;
pub use credential::{AccessKey, PasswordAuth};
/// The shared credential layer, re-exported so a caller names it through this crate.
pub use eip_http::{Credentials, Env, FileCache, ProvideCredentials, StaticCredentials};
pub use error::{
    is_throttling, is_transient, HuaweiClassifier, PERMANENT_5XX, THROTTLING_ERRORS,
    TRANSIENT_ERRORS,
};
pub use federation::{AssumeAgency, DEFAULT_AGENCY_SECONDS};
pub use metadata::{
    instance_identity, InstanceIdentity, DEFAULT_METADATA_ENDPOINT, METADATA_ENDPOINT_ENV,
};
pub use regions::{region_endpoint, regions, REGIONS};

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
