//! A string that never shows itself in `Debug` or `Display`.

use std::fmt;

/// The mask printed in place of every secret.
pub const MASK: &str = "******";

/// A credential (access key secret, password, token, security token).
///
/// Its `Debug` and `Display` print [`MASK`], so a secret cannot reach a log line, an error message
/// or a `{:?}` of a configuration struct by accident. Read it with [`Secret::expose`] at the one
/// place that signs or sends it. The memory is wiped when the value is dropped.
///
/// ```
/// use eip_core::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "****** ******");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the code that signs or sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("AKIA-very-secret-value");
        let nested = Some(vec![secret.clone()]);
        for printed in [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{nested:?}"),
        ] {
            assert!(!printed.contains("very-secret"), "leaked in {printed}");
            assert!(printed.contains(MASK));
        }
        assert_eq!(secret.expose(), "AKIA-very-secret-value");
    }

    #[test]
    fn empty_secret_is_still_masked() {
        let secret = Secret::default();
        assert!(secret.is_empty());
        assert_eq!(format!("{secret:?}"), MASK);
    }
}
