//! Client-side checks, run before any request leaves the process.
//!
//! Every failure is an [`Error::InvalidInput`] naming the field, so a caller (or a CLI user) knows
//! exactly what to fix, and the cloud never sees a request that could only fail or, worse, be
//! misrouted (an id with `/` or `..` would change the URL path of a REST API).

use crate::error::{Error, Result};

/// The longest id accepted; real ids are far shorter (`eip-` + 20, or a 36-character UUID).
pub const MAX_ID_LEN: usize = 128;

/// The longest idempotency key accepted (the documented ClientToken limit is 64 ASCII characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 64;

/// Checks a resource id (EIP, instance, NIC, bandwidth...): non-empty, at most [`MAX_ID_LEN`]
/// characters of `[A-Za-z0-9._:-]`, not `.` and without `..`.
pub fn id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(Error::invalid_input(
            field,
            format!("longer than {MAX_ID_LEN} characters"),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._:-".contains(*c)))
    {
        return Err(Error::invalid_input(
            field,
            format!("contains {}", describe_char(bad)),
        ));
    }
    // `.` and `..` are path segments a URL normaliser (reqwest's `Url`, a proxy, the gateway)
    // rewrites, so `/publicips/..` would address the collection, not a resource.
    if value == "." || value.contains("..") {
        return Err(Error::invalid_input(
            field,
            format!("'{value}' is a relative path segment, not an id"),
        ));
    }
    Ok(())
}

/// Checks an idempotency key: 1 to 64 printable ASCII characters, no spaces.
pub fn idempotency_key(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if value.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(Error::invalid_input(
            field,
            format!("longer than {MAX_IDEMPOTENCY_KEY_LEN} characters"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid_input(
            field,
            format!("contains {}", describe_char(bad)),
        ));
    }
    Ok(())
}

/// Checks a region id: 1 to 64 characters of `[a-z0-9-]`, not starting with `-` (a region
/// becomes part of host names).
pub fn region(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if value.len() > 64 {
        return Err(Error::invalid_input(field, "longer than 64 characters"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(Error::invalid_input(
            field,
            format!("contains {bad:?}; a region id is [a-z0-9-], e.g. cn-hangzhou"),
        ));
    }
    if value.starts_with('-') {
        return Err(Error::invalid_input(field, "must not start with '-'"));
    }
    Ok(())
}

/// Checks an endpoint's scheme: `https` always; plain `http` only to a loopback host
/// (`localhost`, `127.0.0.0/8`, `::1`) unless `allow_http`, so credentials and signatures never
/// cross a network unencrypted by accident.
pub fn endpoint_scheme(field: &str, scheme: &str, host: &str, allow_http: bool) -> Result<()> {
    match scheme {
        "https" => Ok(()),
        "http" if allow_http || is_loopback(host) => Ok(()),
        "http" => Err(Error::invalid_input(
            field,
            "plain http is allowed only to a loopback host; use https or with_allow_http(true)",
        )),
        other => Err(Error::invalid_input(
            field,
            format!("scheme {other:?} is not http or https"),
        )),
    }
}

/// Whether `host` (as in a URL, IPv6 in brackets or not) is a loopback host.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        "whitespace".to_owned()
    } else if c.is_control() {
        format!("a control character (U+{:04X})", c as u32)
    } else {
        format!("{c:?}, which is not allowed")
    }
}

/// Which characters a [`TextRule`] allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// Any printable character (no control characters).
    Printable,
    /// ASCII letters and digits, the listed extra characters, and CJK ideographs when `cjk`.
    Restricted {
        /// Extra characters allowed besides letters and digits, e.g. `"._-"`.
        extra: &'static str,
        /// Whether CJK ideographs are allowed.
        cjk: bool,
    },
}

/// A cloud's documented rule for a name or a description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRule {
    /// Minimum length in characters.
    pub min_chars: usize,
    /// Maximum length in characters.
    pub max_chars: usize,
    /// Whether the first character must be a letter.
    pub starts_with_letter: bool,
    /// Which characters are allowed.
    pub charset: Charset,
    /// Prefixes that are refused (e.g. `http://`).
    pub forbidden_prefixes: &'static [&'static str],
}

impl TextRule {
    /// Checks `value` against the rule, naming `field` in the error.
    pub fn check(&self, field: &str, value: &str) -> Result<()> {
        let len = value.chars().count();
        if len < self.min_chars || len > self.max_chars {
            return Err(Error::invalid_input(
                field,
                format!(
                    "must be {} to {} characters long (got {len})",
                    self.min_chars, self.max_chars
                ),
            ));
        }
        if let Some(bad) = value.chars().find(|c| c.is_control()) {
            return Err(Error::invalid_input(
                field,
                format!("contains {}", describe_char(bad)),
            ));
        }
        if let Charset::Restricted { extra, cjk } = self.charset {
            let ok = |c: char| c.is_ascii_alphanumeric() || extra.contains(c) || (cjk && is_cjk(c));
            if let Some(bad) = value.chars().find(|c| !ok(*c)) {
                return Err(Error::invalid_input(
                    field,
                    format!(
                        "contains {}; allowed are letters, digits{} and {extra:?}",
                        describe_char(bad),
                        if cjk { ", CJK characters" } else { "" }
                    ),
                ));
            }
        }
        if self.starts_with_letter {
            let first_ok = value.chars().next().is_some_and(|c| {
                c.is_ascii_alphabetic()
                    || (matches!(self.charset, Charset::Restricted { cjk: true, .. }) && is_cjk(c))
            });
            if !first_ok {
                return Err(Error::invalid_input(field, "must start with a letter"));
            }
        }
        if let Some(prefix) = self
            .forbidden_prefixes
            .iter()
            .find(|p| value.starts_with(**p))
        {
            return Err(Error::invalid_input(
                field,
                format!("must not start with {prefix:?}"),
            ));
        }
        Ok(())
    }
}

/// A cloud's documented rule for tags: how many an address may carry and what keys and values
/// may look like. Keys and values are checked with their own [`TextRule`] (reserved prefixes such
/// as `aliyun` / `acs:` go in the key rule's `forbidden_prefixes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagRule {
    /// The most tags one address can carry.
    pub max_per_resource: usize,
    /// The rule for a key.
    pub key: TextRule,
    /// The rule for a value (its `min_chars` is 0 where an empty value is allowed).
    pub value: TextRule,
}

impl TagRule {
    /// Checks every key and value, and that there are at most
    /// [`TagRule::max_per_resource`] of them; the error names `field` and the offending key.
    pub fn check_tags(
        &self,
        field: &str,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        if tags.len() > self.max_per_resource {
            return Err(Error::invalid_input(
                field,
                format!(
                    "at most {} tags per address (got {})",
                    self.max_per_resource,
                    tags.len()
                ),
            ));
        }
        for (key, value) in tags {
            self.key
                .check(field, key)
                .map_err(|e| name_key(e, key, "key"))?;
            self.value
                .check(field, value)
                .map_err(|e| name_key(e, key, "value"))?;
        }
        Ok(())
    }

    /// Checks keys alone (tags to remove, where values do not matter).
    pub fn check_keys<'a>(
        &self,
        field: &str,
        keys: impl IntoIterator<Item = &'a String>,
    ) -> Result<()> {
        for key in keys {
            self.key
                .check(field, key)
                .map_err(|e| name_key(e, key, "key"))?;
        }
        Ok(())
    }
}

/// Puts the tag key into a tag error's reason, so a list of twenty tags says which one is wrong.
fn name_key(error: Error, key: &str, part: &str) -> Error {
    match error {
        Error::InvalidInput { field, reason } => Error::InvalidInput {
            field,
            reason: format!("tag {part} of {key:?}: {reason}"),
        },
        other => other,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn field_of(r: Result<()>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn ids_refuse_each_bad_class() {
        for bad in [
            "", "a/b", "a?b", "a#b", "a%2f", "a b", "a\tb", "a\u{7}b", "..", ".", "eip-..x", "ü",
        ] {
            assert_eq!(
                field_of(id("eip_id", bad)),
                "eip_id",
                "{bad:?} must be refused"
            );
        }
        assert_eq!(field_of(id("eip_id", &"x".repeat(10_000))), "eip_id");
        for good in [
            "eip-bp1abc",
            "i-2ze0",
            "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0",
            "a.b:c_d",
        ] {
            assert!(id("eip_id", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn regions_and_endpoints() {
        assert!(region("region", "cn-north-4").is_ok());
        for bad in ["", "CN_HANGZHOU!", "-cn", "cn hangzhou"] {
            assert_eq!(field_of(region("region", bad)), "region", "{bad:?}");
        }
        assert!(endpoint_scheme("endpoint", "https", "vpc.example.com", false).is_ok());
        for host in ["127.0.0.1", "localhost", "[::1]", "127.5.6.7"] {
            assert!(
                endpoint_scheme("endpoint", "http", host, false).is_ok(),
                "{host}"
            );
        }
        assert_eq!(
            field_of(endpoint_scheme(
                "endpoint",
                "http",
                "vpc.example.com",
                false
            )),
            "endpoint"
        );
        assert_eq!(
            field_of(endpoint_scheme("endpoint", "http", "10.0.0.1", false)),
            "endpoint"
        );
        assert!(endpoint_scheme("endpoint", "http", "10.0.0.1", true).is_ok());
        assert_eq!(
            field_of(endpoint_scheme("endpoint", "ftp", "localhost", true)),
            "endpoint"
        );
    }

    #[test]
    fn idempotency_keys_are_short_printable_ascii() {
        assert!(idempotency_key("k", "run-1/allocate#3").is_ok());
        assert_eq!(field_of(idempotency_key("k", "")), "k");
        assert_eq!(field_of(idempotency_key("k", "has space")), "k");
        assert_eq!(field_of(idempotency_key("k", &"a".repeat(65))), "k");
    }

    #[test]
    fn text_rules_check_length_charset_first_letter_and_prefix() {
        let name = TextRule {
            min_chars: 2,
            max_chars: 8,
            starts_with_letter: true,
            charset: Charset::Restricted {
                extra: "._-",
                cjk: false,
            },
            forbidden_prefixes: &[],
        };
        assert!(name.check("name", "web-1").is_ok());
        for bad in ["a", "toolongname", "1web", "web 1", "web/1", "we\nb"] {
            assert_eq!(field_of(name.check("name", bad)), "name", "{bad:?}");
        }
        let desc = TextRule {
            min_chars: 2,
            max_chars: 256,
            starts_with_letter: true,
            charset: Charset::Printable,
            forbidden_prefixes: &["http://", "https://"],
        };
        assert!(desc.check("description", "front door (v2)").is_ok());
        assert_eq!(
            field_of(desc.check("description", "https://x")),
            "description"
        );
        let cjk = TextRule {
            min_chars: 1,
            max_chars: 64,
            starts_with_letter: false,
            charset: Charset::Restricted {
                extra: "_-.",
                cjk: true,
            },
            forbidden_prefixes: &[],
        };
        assert!(cjk.check("name", "公网-1").is_ok());
    }
}
