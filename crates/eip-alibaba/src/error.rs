//! Alibaba's error codes mapped to [`eip_core::Error`] kinds — in one table, [`classify`] — and
//! the retry classifier.

use std::time::Duration;

use eip_core::retry::{default_classification, RetryAction, RetryClassifier};
use eip_core::{EipStatus, Error, ServiceError};

use crate::KIND;

/// A refusal as the API sent it: HTTP status ≥ 400 with `{Code, Message, RequestId, ...}`
/// (<https://www.alibabacloud.com/help/en/openapi/error-codes>), plus the `x-acs-retry-after`
/// delay when present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub http_status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
}

/// What an error code means for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeKind {
    /// The EIP does not exist.
    EipNotFound,
    /// The target instance does not exist.
    TargetNotFound,
    /// The Internet Shared Bandwidth does not exist.
    PackageNotFound,
    /// The IP address pool does not exist.
    PoolNotFound,
    /// The EIP (or the target) is in the wrong state; the EIP's status is read to tell a
    /// transition that will end (retry) from a stable refusal.
    WrongState,
    /// The instance already has an EIP.
    AlreadyAssociated,
    /// The EIP quota is used up.
    QuotaExceeded,
    /// Flow control.
    Throttled,
    /// Key, signature, token or clock refused.
    Unauthenticated,
    /// The RAM policy (or the account state) forbids it.
    PermissionDenied,
    /// A parameter was refused.
    InvalidInput,
    /// The ClientToken was used before with other parameters.
    IdempotencyConflict,
    /// Busy, in progress, or a server failure: retrying can help.
    Transient,
    /// Anything else: not retried.
    Other,
}

impl CodeKind {
    /// Whether mapping this code needs the EIP's current status.
    pub(crate) fn needs_eip_status(self) -> bool {
        matches!(self, Self::WrongState)
    }
}

/// Codes that mean flow control: retried, after the server's `x-acs-retry-after` when it sent
/// one. An entry ending in `*` matches every code with that prefix ([`eip_http::code_in`]).
/// Terraform's `NeedRetry` (aliyun/terraform-provider-alicloud `alicloud/errors.go`) retries
/// `Rejected.Throttling` and every code matching `Throttling` (`Throttling.User`,
/// `Throttling.Api`).
pub const THROTTLING_ERRORS: &[&str] = &["Throttling*", "Rejected.Throttling"];

/// Codes that mean "busy or in progress, retry later": the codes Terraform's alicloud provider
/// retries on these actions. An entry ending in `*` matches every code with that prefix.
///
/// - `ServiceUnavailable`, `SystemBusy`, `OperationConflict`, `LastTokenProcessing`,
///   `IncorrectStatus*` (`IncorrectStatus.%s`), `FrequentPurchase.EIP`, `VPC_TASK_CONFLICT`:
///   `alicloud/resource_alicloud_eip_address.go` (create, modify, delete) and
///   `alicloud/errors.go` (`NeedRetry`, for `ServiceUnavailable`).
/// - `TaskConflict`, `InvalidBindingStatus`, `IncorrectInstanceStatus` (an instance still
///   booting), `IncorrectStatus.NatGateway`, `InvalidStatus.EcsStatusNotSupport`,
///   `InvalidStatus.InstanceHasBandWidth`, `InvalidStatus.EniStatusNotSupport`,
///   `OperationFailed.EcsMigrating`: `alicloud/resource_alicloud_eip_association.go` (create).
/// - `OperationFailed.LastTokenProcessing`, `IncorrectHaVipStatus`,
///   `InvalidIpStatus.HasBeenUsedBySnatTable`, `InvalidIpStatus.HasBeenUsedByForwardEntry`,
///   `InvalidStatus.NotAllow`, `InvalidStatus.SnatOrDnat`:
///   `alicloud/resource_alicloud_eip_association.go` (delete); hence `InvalidStatus.*` and
///   `InvalidIpStatus.*`.
/// - `TaskConflict.*` ("Operate too frequent", ReleaseEipAddress API reference),
///   `OperationFailed.SystemBusy`, `InternalError`: the AssociateEipAddress and
///   ModifyEipAddressAttribute API references list them as the service's own failures.
/// - `BandwidthPackageOperation.conflict` (the Internet Shared Bandwidth is still `BINDING` or
///   `UNBINDING` another address), `EipOperation.TooFrequently`, and `OperationConflict`,
///   `LastTokenProcessing`, `IncorrectStatus`, `IncorrectStatus.Eip`, `SystemBusy`,
///   `ServiceUnavailable`, `TaskConflict` (above): the codes
///   `alicloud/resource_alicloud_common_bandwidth_package_attachment.go` retries
///   AddCommonBandwidthPackageIp and RemoveCommonBandwidthPackageIp on.
///
/// `InvalidBindingStatus` is here, not a fence: no Alibaba document says UnassociateEipAddress
/// refuses an `InstanceId` other than the bound one (its error table only has "The eip binding
/// status invalid."), and Terraform retries it on associate and unassociate alike.
pub const TRANSIENT_ERRORS: &[&str] = &[
    "ServiceUnavailable",
    "InternalError",
    "SystemBusy",
    "OperationFailed.SystemBusy",
    "OperationConflict",
    "LastTokenProcessing",
    "OperationFailed.LastTokenProcessing",
    "TaskConflict*",
    "InvalidBindingStatus",
    "IncorrectInstanceStatus",
    "IncorrectHaVipStatus",
    "IncorrectStatus*",
    "InvalidStatus.*",
    "InvalidIpStatus.*",
    "FrequentPurchase.EIP",
    "OperationFailed.EcsMigrating",
    "VPC_TASK_CONFLICT",
    "BandwidthPackageOperation.conflict",
    "EipOperation.TooFrequently",
];

/// Whether `code` is a flow-control code ([`THROTTLING_ERRORS`]).
pub fn is_throttling(code: &str) -> bool {
    eip_http::code_in(THROTTLING_ERRORS, code)
}

/// Whether `code` means "retry later" ([`TRANSIENT_ERRORS`]).
pub fn is_transient(code: &str) -> bool {
    eip_http::code_in(TRANSIENT_ERRORS, code)
}

/// The one table of Alibaba codes: the API references of the six actions under
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/>, and the common codes of
/// <https://www.alibabacloud.com/help/en/openapi/error-codes>.
pub(crate) fn classify(code: &str, http_status: u16) -> CodeKind {
    use CodeKind::*;
    match code {
        "InvalidAllocationId.NotFound" => EipNotFound,
        // The AssociateEipAddress reference spells it "InvalidInstanId".
        "InvalidInstanId.NotFound" | "InvalidInstanceId.NotFound" => TargetNotFound,
        "IncorrectEipStatus" => WrongState,
        // ReleaseEipAddress refuses a protected address (its error table).
        "InvalidOperation.DeletionProtection" => WrongState,
        // The tag actions name the EIP as a resource (TagResources error table).
        "InvalidResourceId.NotFound" => EipNotFound,
        // AddBandwidthPackageIps error table.
        "InvalidBandwidthPackageId.NotFound" => PackageNotFound,
        "InvalidPublicIpAddressPoolId.NotFound" => PoolNotFound,
        // Tag, resource-group and address refusals (TagResources and AllocateEipAddress error
        // tables): the caller's input, not retried.
        "InvalidTagKey.Malformed"
        | "InvalidTagValue.Malformed"
        | "InvalidTagKey"
        | "InvalidTagValue"
        | "InvalidTagCount"
        | "Duplicate.TagKey"
        | "OperationDenied.QuotaExceed"
        | "InvalidResourceGroupId"
        | "ReserveIpFail" => InvalidInput,
        "InvalidAssociation.Duplicated" => AlreadyAssociated,
        "QuotaExceeded.Eip" => QuotaExceeded,
        "InvalidAccessKeyId.NotFound" | "SignatureDoesNotMatch" | "InvalidTimeStamp.Expired" => {
            Unauthenticated
        }
        c if c.starts_with("InvalidSecurityToken") => Unauthenticated,
        c if is_throttling(c) => Throttled,
        c if is_transient(c) => Transient,
        c if c.starts_with("Forbidden") => PermissionDenied,
        c if c.starts_with("InvalidParameter") || c.starts_with("MissingParameter") => InvalidInput,
        "IdempotentParameterMismatch" => IdempotencyConflict,
        _ if http_status >= 500 => Transient,
        _ => Other,
    }
}

/// What the error is about, to name it in [`Error::NotFound`] and [`Error::Conflict`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Subject<'a> {
    /// The cloud's action.
    pub action: &'static str,
    /// The EIP (`AllocationId`).
    pub eip: Option<&'a str>,
    /// The instance named in the request (`InstanceId`).
    pub instance: Option<&'a str>,
    /// The Internet Shared Bandwidth named in the request (`BandwidthPackageId`).
    pub package: Option<&'a str>,
    /// The address pool named in the request (`PublicIpAddressPoolId`).
    pub pool: Option<&'a str>,
}

/// Turns a refusal into a core error. `current` is the EIP's status, read when
/// [`CodeKind::needs_eip_status`] (`None` when it could not be read).
pub(crate) fn to_error(api: ApiError, subject: Subject<'_>, current: Option<EipStatus>) -> Error {
    let kind = classify(&api.code, api.http_status);
    let retry_after = api.retry_after;
    let service = Box::new(service_error(api, subject.action));
    let eip = subject.eip.unwrap_or("?");
    match kind {
        CodeKind::EipNotFound => Error::NotFound {
            resource: format!("eip {eip}"),
            service: Some(service),
        },
        CodeKind::TargetNotFound => Error::NotFound {
            resource: format!("instance {}", subject.instance.unwrap_or("?")),
            service: Some(service),
        },
        CodeKind::PackageNotFound => Error::NotFound {
            resource: format!("shared bandwidth {}", subject.package.unwrap_or("?")),
            service: Some(service),
        },
        CodeKind::PoolNotFound => Error::NotFound {
            resource: format!("address pool {}", subject.pool.unwrap_or("?")),
            service: Some(service),
        },
        CodeKind::WrongState => Error::InvalidState {
            current,
            service: Some(service),
        },
        CodeKind::AlreadyAssociated => Error::AlreadyAssociated {
            service: Some(service),
        },
        CodeKind::QuotaExceeded => Error::QuotaExceeded {
            service: Some(service),
        },
        CodeKind::Throttled => Error::RateLimited {
            retry_after,
            service: Some(service),
        },
        CodeKind::Unauthenticated => Error::Unauthenticated {
            reason: unauthenticated_reason(&service.code).into(),
            service: Some(service),
        },
        CodeKind::PermissionDenied => Error::PermissionDenied {
            service: Some(service),
        },
        CodeKind::InvalidInput => Error::InvalidInput {
            field: field_of(&service.code, &service.message),
            reason: format!(
                "{} ({}{})",
                service.message,
                service.code,
                service
                    .request_id
                    .as_deref()
                    .map(|id| format!(", request id {id}"))
                    .unwrap_or_default()
            ),
        },
        CodeKind::IdempotencyConflict => Error::Conflict {
            reason: "the ClientToken was already used with other parameters".into(),
            service: Some(service),
        },
        CodeKind::Transient => Error::Service {
            retryable: true,
            service,
        },
        CodeKind::Other => Error::Service {
            retryable: false,
            service,
        },
    }
}

/// A [`ServiceError`] from a refusal, with any server string-to-sign cut out of the message.
pub(crate) fn service_error(api: ApiError, action: &str) -> ServiceError {
    let mut service = ServiceError::new(KIND, action, api.code, redact_message(&api.message));
    service.http_status = Some(api.http_status);
    service.request_id = api.request_id;
    service
}

/// A `SignatureDoesNotMatch` message ends with "server string to sign is:<StringToSign>" (the
/// official classic SDK compares it with its own, aliyun-python-sdk-core
/// `aliyunsdkcore/client.py`). Under V1 that string holds every query parameter, the STS
/// `SecurityToken` included, so it is cut out of the error and never logged, at any level.
fn redact_message(message: &str) -> String {
    const MARKER: &str = "string to sign";
    match message.to_ascii_lowercase().find(MARKER) {
        Some(at) => {
            let kept = message
                .get(..at)
                .unwrap_or_default()
                .trim_end_matches([' ', ':', '.', ',']);
            let kept = kept
                .strip_suffix(" server")
                .unwrap_or(kept)
                .trim_end_matches([' ', ':', '.', ',']);
            format!("{kept} (server string to sign omitted)")
        }
        None => message.to_owned(),
    }
}

fn unauthenticated_reason(code: &str) -> &'static str {
    match code {
        "InvalidAccessKeyId.NotFound" => {
            "the AccessKey ID is unknown, or its STS token has expired"
        }
        "SignatureDoesNotMatch" => "the signature does not match: check the AccessKey secret",
        "InvalidTimeStamp.Expired" => {
            "the request time is too far from the server's: check the clock"
        }
        _ => "the STS security token was refused",
    }
}

/// The parameter a refusal names, as the field this library calls it: from the code suffix
/// (`InvalidParameter.Bandwidth`), else from the message, else `request`.
fn field_of(code: &str, message: &str) -> String {
    // Codes that name their field whole rather than as a suffix.
    if code.contains("Tag") || code == "OperationDenied.QuotaExceed" {
        return "tags".into();
    }
    if code == "InvalidResourceGroupId" {
        return "resource_group".into();
    }
    if code == "ReserveIpFail" {
        return "address".into();
    }
    const FIELDS: &[(&str, &str)] = &[
        ("AllocationId", "id"),
        ("InternetChargeType", "charge_mode"),
        ("PrivateIpAddress", "private_ip"),
        ("InstanceType", "target"),
        ("InstanceId", "target_id"),
        ("Bandwidth", "bandwidth_mbps"),
        ("Description", "description"),
        ("EipName", "name"),
        ("Name", "name"),
        ("ISP", "line"),
        ("ClientToken", "idempotency_key"),
        ("PageSize", "page_size"),
        ("PageNumber", "page"),
        ("Tag", "tags"),
        ("RegionId", "region"),
    ];
    let suffix = code
        .split_once('.')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let in_suffix = FIELDS
        .iter()
        .find(|(wire, _)| suffix.eq_ignore_ascii_case(wire));
    let in_message = || FIELDS.iter().find(|(wire, _)| message.contains(wire));
    in_suffix
        .or_else(in_message)
        .map(|(_, field)| (*field).to_owned())
        .unwrap_or_else(|| "request".into())
}

/// Alibaba's retry decisions.
///
/// Retried: flow control (waiting at least `x-acs-retry-after`), the "retry later" codes of
/// [`TRANSIENT_ERRORS`] and any other 5xx, an answer a gateway sent in
/// place of the API's (a 5xx or 429 page that is not the API's JSON), transport errors and
/// timeouts, and `IncorrectEipStatus` only while the EIP is in a transition (its status was read
/// when the error was mapped). Everything else stops. Whether a request that may have been
/// processed is repeated is decided by the retry loop from the call's idempotency (a
/// ClientToken).
///
/// One Alibaba-specific rule: an `IncorrectEipStatus` whose EIP, read right after, is already in
/// a state the action accepts (the transition ended in between) is retried once more.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlibabaClassifier;

impl RetryClassifier for AlibabaClassifier {
    fn classify(&self, error: &Error) -> RetryAction {
        match error {
            Error::InvalidState {
                current: Some(current),
                service: Some(service),
            } if service.code == "IncorrectEipStatus" && accepts(&service.operation, current) => {
                // The status is read just after the refusal: when the transition that caused it
                // has ended in the meantime and the EIP now is in a state the action accepts, the
                // refusal is stale and one more attempt will go through.
                RetryAction::Retry { after: None }
            }
            Error::InvalidResponse {
                http_status: Some(status),
                ..
            } if *status >= 500 || *status == 429 => RetryAction::Retry { after: None },
            // Otherwise the kinds chosen in `to_error` fit the core's rules exactly: RateLimited
            // carries the server's delay, Service carries `retryable` from the table,
            // InvalidState carries the EIP's status (retried while transitional).
            other => default_classification(other),
        }
    }
}

/// The states in which each action is accepted (the AssociateEipAddress, UnassociateEipAddress,
/// ModifyEipAddressAttribute and ReleaseEipAddress references under <https://api.alibabacloud.com/document/Vpc/2016-04-28/>).
fn accepts(action: &str, status: &EipStatus) -> bool {
    match action {
        "AssociateEipAddress" | "ReleaseEipAddress" => *status == EipStatus::Available,
        "UnassociateEipAddress" => *status == EipStatus::Bound,
        "ModifyEipAddressAttribute" => matches!(status, EipStatus::Available | EipStatus::Bound),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn api(code: &str, http_status: u16, message: &str) -> ApiError {
        ApiError {
            http_status,
            code: code.into(),
            message: message.into(),
            request_id: Some("req-1".into()),
            retry_after: None,
        }
    }

    fn map(code: &str, http_status: u16, current: Option<EipStatus>) -> Error {
        let subject = Subject {
            action: "AssociateEipAddress",
            eip: Some("eip-1"),
            instance: Some("i-1"),
            ..Default::default()
        };
        to_error(api(code, http_status, "m"), subject, current)
    }

    #[test]
    fn every_code_of_the_table_maps_to_its_kind() {
        let table: &[(&str, u16, &str)] = &[
            ("InvalidAllocationId.NotFound", 404, "not_found"),
            ("InvalidInstanId.NotFound", 404, "not_found"),
            ("InvalidInstanceId.NotFound", 404, "not_found"),
            ("IncorrectEipStatus", 400, "invalid_state"),
            ("IncorrectInstanceStatus", 400, "service"),
            ("InvalidAssociation.Duplicated", 400, "already_associated"),
            ("QuotaExceeded.Eip", 400, "quota_exceeded"),
            ("Throttling", 400, "rate_limited"),
            ("Throttling.User", 400, "rate_limited"),
            ("Throttling.Api", 400, "rate_limited"),
            ("InvalidAccessKeyId.NotFound", 404, "unauthenticated"),
            ("SignatureDoesNotMatch", 400, "unauthenticated"),
            ("InvalidSecurityToken.Expired", 400, "unauthenticated"),
            (
                "InvalidSecurityToken.MismatchWithAccessKey",
                400,
                "unauthenticated",
            ),
            ("InvalidTimeStamp.Expired", 400, "unauthenticated"),
            ("Forbidden", 403, "permission_denied"),
            ("Forbidden.RAM", 403, "permission_denied"),
            ("InvalidParameter", 400, "invalid_input"),
            ("InvalidParameter.Mismatch", 400, "invalid_input"),
            ("MissingParameter", 400, "invalid_input"),
            ("IdempotentParameterMismatch", 400, "conflict"),
            ("ServiceUnavailable", 503, "service"),
            ("InternalError", 500, "service"),
            ("SystemBusy", 400, "service"),
            ("OperationFailed.SystemBusy", 400, "service"),
            ("TaskConflict", 400, "service"),
            ("OperationConflict", 409, "service"),
            ("LastTokenProcessing", 400, "service"),
            ("OperationFailed.LastTokenProcessing", 400, "service"),
            ("SomethingNew", 502, "service"),
            ("InsufficientBalance", 400, "service"),
            ("InvalidOperation.DeletionProtection", 400, "invalid_state"),
            ("InvalidResourceId.NotFound", 404, "not_found"),
            ("InvalidBandwidthPackageId.NotFound", 404, "not_found"),
            ("InvalidTagKey.Malformed", 400, "invalid_input"),
            ("OperationDenied.QuotaExceed", 400, "invalid_input"),
            ("InvalidResourceGroupId", 400, "invalid_input"),
            ("ReserveIpFail", 400, "invalid_input"),
        ];
        for (code, status, kind) in table {
            assert_eq!(map(code, *status, None).kind_name(), *kind, "{code}");
        }
    }

    #[test]
    fn attribute_refusals_name_their_field_and_subject() {
        for (code, message, expected) in [
            (
                "InvalidTagKey.Malformed",
                "The specified Tag.n.Key is not valid.",
                "tags",
            ),
            (
                "OperationDenied.QuotaExceed",
                "The quota of tags on resource",
                "tags",
            ),
            ("InvalidResourceGroupId", "does not exist", "resource_group"),
            (
                "ReserveIpFail",
                "The IP address cannot be reserved.",
                "address",
            ),
        ] {
            assert_eq!(field_of(code, message), expected, "{code}");
        }
        let subject = Subject {
            action: "AddCommonBandwidthPackageIp",
            eip: Some("eip-1"),
            package: Some("cbwp-1"),
            ..Default::default()
        };
        let error = to_error(
            api("InvalidBandwidthPackageId.NotFound", 404, "m"),
            subject,
            None,
        );
        assert!(
            matches!(&error, Error::NotFound { resource, .. } if resource == "shared bandwidth cbwp-1"),
            "{error:?}"
        );
        assert!(!error.is_retryable());
    }

    #[test]
    fn only_transient_codes_and_5xx_are_retryable() {
        for code in [
            "ServiceUnavailable",
            "InternalError",
            "SystemBusy",
            "OperationFailed.SystemBusy",
            "TaskConflict",
            "OperationConflict",
            "LastTokenProcessing",
            "OperationFailed.LastTokenProcessing",
            "BandwidthPackageOperation.conflict",
            "EipOperation.TooFrequently",
            "IncorrectStatus.Eip",
        ] {
            assert!(map(code, 400, None).is_retryable(), "{code}");
        }
        assert!(map("Whatever", 503, None).is_retryable());
        for code in [
            "InsufficientBalance",
            "InvalidParameter",
            "Forbidden",
            "QuotaExceeded.Eip",
            "SignatureDoesNotMatch",
            "InvalidAllocationId.NotFound",
            "IdempotentParameterMismatch",
        ] {
            assert_eq!(
                AlibabaClassifier.classify(&map(code, 400, None)),
                RetryAction::Stop,
                "{code}"
            );
        }
        assert_eq!(
            AlibabaClassifier.classify(&map("Throttling.User", 400, None)),
            RetryAction::Retry { after: None }
        );
    }

    #[test]
    fn incorrect_eip_status_is_retried_only_while_transitional() {
        let moving = map("IncorrectEipStatus", 400, Some(EipStatus::Associating));
        assert!(matches!(
            moving,
            Error::InvalidState {
                current: Some(EipStatus::Associating),
                ..
            }
        ));
        assert!(matches!(
            AlibabaClassifier.classify(&moving),
            RetryAction::Retry { .. }
        ));
        // Associate refused while bound (or with the status unreadable): stop.
        for stable in [
            Some(EipStatus::Bound),
            Some(EipStatus::Unknown("Frozen".into())),
            None,
        ] {
            assert_eq!(
                AlibabaClassifier.classify(&map("IncorrectEipStatus", 400, stable)),
                RetryAction::Stop
            );
        }
    }

    #[test]
    fn a_refusal_made_stale_by_a_finished_transition_is_retried() {
        let stale = |action: &'static str, current: EipStatus| {
            let subject = Subject {
                action,
                eip: Some("eip-1"),
                instance: None,
                ..Default::default()
            };
            AlibabaClassifier.classify(&to_error(
                api("IncorrectEipStatus", 400, "m"),
                subject,
                Some(current),
            ))
        };
        assert_eq!(
            stale("ModifyEipAddressAttribute", EipStatus::Available),
            RetryAction::Retry { after: None }
        );
        assert_eq!(
            stale("AssociateEipAddress", EipStatus::Available),
            RetryAction::Retry { after: None }
        );
        assert_eq!(
            stale("ReleaseEipAddress", EipStatus::Available),
            RetryAction::Retry { after: None }
        );
        assert_eq!(
            stale("UnassociateEipAddress", EipStatus::Bound),
            RetryAction::Retry { after: None }
        );
        assert_eq!(
            stale("AssociateEipAddress", EipStatus::Bound),
            RetryAction::Stop
        );
        assert_eq!(
            stale("ReleaseEipAddress", EipStatus::Bound),
            RetryAction::Stop
        );
        assert_eq!(
            stale("UnassociateEipAddress", EipStatus::Available),
            RetryAction::Stop
        );
    }

    #[test]
    fn the_codes_terraform_retries_are_retried() {
        for code in [
            "IncorrectStatus",
            "IncorrectStatus.NatGateway",
            "IncorrectStatus.ResourceStatus",
            "VPC_TASK_CONFLICT",
            "InvalidStatus.EcsStatusNotSupport",
            "InvalidStatus.SnatOrDnat",
            "InvalidIpStatus.HasBeenUsedBySnatTable",
            "IncorrectHaVipStatus",
            "FrequentPurchase.EIP",
            "OperationFailed.EcsMigrating",
            "IncorrectInstanceStatus",
            "InvalidBindingStatus",
            "TaskConflict.AssociateGlobalAccelerationInstance",
        ] {
            let error = map(code, 400, Some(EipStatus::Bound));
            assert_eq!(
                AlibabaClassifier.classify(&error),
                RetryAction::Retry { after: None },
                "{code}"
            );
        }
        // Look-alikes that are not on the lists stay final.
        for code in ["InvalidStatusX", "IncorrectEipStatusX", "Invalid.Status"] {
            assert_eq!(
                AlibabaClassifier.classify(&map(code, 400, None)),
                RetryAction::Stop,
                "{code}"
            );
        }
    }

    #[test]
    fn a_gateway_page_is_retried_but_a_client_error_page_is_not() {
        let page = |status| Error::InvalidResponse {
            operation: "DescribeEipAddresses".into(),
            reason: "not JSON".into(),
            http_status: Some(status),
            request_id: None,
        };
        assert_eq!(
            AlibabaClassifier.classify(&page(502)),
            RetryAction::Retry { after: None }
        );
        assert_eq!(AlibabaClassifier.classify(&page(404)), RetryAction::Stop);
    }

    #[test]
    fn throttling_honours_retry_after() {
        let mut refusal = api(
            "Throttling.User",
            400,
            "Request was denied due to user flow control.",
        );
        refusal.retry_after = Some(Duration::from_millis(250));
        let error = to_error(refusal, Subject::default(), None);
        assert_eq!(
            AlibabaClassifier.classify(&error),
            RetryAction::Retry {
                after: Some(Duration::from_millis(250))
            }
        );
    }

    #[test]
    fn errors_carry_code_message_and_request_id() {
        let error = map("QuotaExceeded.Eip", 400, None);
        let service = error.service().unwrap();
        assert_eq!(
            (
                service.code.as_str(),
                service.http_status,
                service.operation.as_str()
            ),
            ("QuotaExceeded.Eip", Some(400), "AssociateEipAddress")
        );
        assert_eq!(error.request_id(), Some("req-1"));
        assert!(
            matches!(map("InvalidAllocationId.NotFound", 404, None), Error::NotFound { resource, .. } if resource == "eip eip-1")
        );
        assert!(
            matches!(map("InvalidInstanId.NotFound", 404, None), Error::NotFound { resource, .. } if resource == "instance i-1")
        );
    }

    #[test]
    fn the_server_string_to_sign_is_left_out() {
        let refusal = api(
            "SignatureDoesNotMatch",
            400,
            "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3Dtestid",
        );
        let error = to_error(refusal, Subject::default(), None);
        let text = error.to_string();
        assert!(!text.contains("AccessKeyId%3D"), "{text}");
        assert!(
            text.contains("Specified signature is not matched with our calculation"),
            "{text}"
        );
    }

    #[test]
    fn invalid_input_names_the_field() {
        let field = |code: &str, message: &str| match to_error(
            api(code, 400, message),
            Subject::default(),
            None,
        ) {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field("InvalidParameter.Bandwidth", "x"), "bandwidth_mbps");
        assert_eq!(
            field(
                "InvalidParameter",
                "The specified InternetChargeType is invalid."
            ),
            "charge_mode"
        );
        assert_eq!(
            field(
                "MissingParameter",
                "AllocationId is mandatory for this action."
            ),
            "id"
        );
        assert_eq!(field("InvalidParameter", "Something is off."), "request");
    }
}
