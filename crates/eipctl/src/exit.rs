//! Exit codes, one per error kind (documented in `eipctl --help`).

use multicloud_eip::Error;

/// Success.
pub const OK: u8 = 0;
/// Anything not listed below.
pub const OTHER: u8 = 1;
/// Invalid input or usage (clap uses 2 for usage errors too).
pub const INVALID_INPUT: u8 = 2;
/// The address (or instance, NIC) does not exist.
pub const NOT_FOUND: u8 = 3;
/// Credentials refused, or not allowed.
pub const AUTH: u8 = 4;
/// Throttled by the cloud.
pub const RATE_LIMITED: u8 = 5;
/// Already associated, invalid state, quota, or a fence that did not hold.
pub const CONFLICT: u8 = 6;
/// A request or a wait timed out.
pub const TIMEOUT: u8 = 7;

/// The exit code for an error.
pub fn code(error: &Error) -> u8 {
    match error {
        Error::InvalidInput { .. } | Error::Unsupported { .. } => INVALID_INPUT,
        Error::NotFound { .. } => NOT_FOUND,
        Error::Unauthenticated { .. } | Error::PermissionDenied { .. } => AUTH,
        Error::RateLimited { .. } => RATE_LIMITED,
        Error::AlreadyAssociated { .. }
        | Error::InvalidState { .. }
        | Error::Conflict { .. }
        | Error::QuotaExceeded { .. }
        | Error::WaitFailed { .. } => CONFLICT,
        Error::Timeout { .. } | Error::WaitTimeout { .. } => TIMEOUT,
        _ => OTHER,
    }
}

/// `status --bound-to`: the address is not bound to that target.
pub const NOT_BOUND_THERE: u8 = 8;

/// The OCF resource-agent exit codes Pacemaker interprets (Open Cluster Framework resource
/// agent API, <https://github.com/ClusterLabs/OCF-spec/blob/main/ra/1.1/resource-agent-api.md>,
/// "Return codes"). Success is 0 (`OCF_SUCCESS`) as natively, and clap's usage errors exit 2,
/// which is `OCF_ERR_ARGS`.
pub mod ocf {
    /// `OCF_ERR_GENERIC`: a soft error; Pacemaker retries or recovers (timeouts included).
    pub const ERR_GENERIC: u8 = 1;
    /// `OCF_ERR_UNIMPLEMENTED`.
    pub const ERR_UNIMPLEMENTED: u8 = 3;
    /// `OCF_ERR_PERM`.
    pub const ERR_PERM: u8 = 4;
    /// `OCF_ERR_CONFIGURED`: the configuration is wrong; it will fail on every node.
    pub const ERR_CONFIGURED: u8 = 6;
    /// `OCF_NOT_RUNNING`: cleanly not running here.
    pub const NOT_RUNNING: u8 = 7;
}

/// The OCF exit code for an error.
///
/// A timeout is a generic (soft) error, never `OCF_NOT_RUNNING`: the address may well be bound
/// here, and Pacemaker reads 7 as "cleanly stopped".
pub fn ocf_code(error: &Error) -> u8 {
    match error {
        Error::InvalidInput { .. } | Error::NotFound { .. } => ocf::ERR_CONFIGURED,
        Error::Unsupported { .. } => ocf::ERR_UNIMPLEMENTED,
        Error::Unauthenticated { .. } | Error::PermissionDenied { .. } => ocf::ERR_PERM,
        _ => ocf::ERR_GENERIC,
    }
}
