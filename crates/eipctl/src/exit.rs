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
