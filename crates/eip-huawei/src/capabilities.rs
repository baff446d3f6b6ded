//! What the Huawei provider supports, and the Huawei-only input rules checked before sending.

use eip_core::{Capabilities, Charset, Error, TargetKind, TextRule};

/// The largest page of `GET publicips` (huawei.md §3.3: "treat 2000 as the default and page cap").
pub(crate) const MAX_PAGE_SIZE: u32 = 2000;

/// huawei.md §3.1: `alias` is 1–64 letters, digits, CJK characters and `_ - .`.
pub(crate) const NAME_RULE: TextRule = TextRule {
    min_chars: 1,
    max_chars: 64,
    starts_with_letter: false,
    charset: Charset::Restricted {
        extra: "_-.",
        cjk: true,
    },
    forbidden_prefixes: &[],
};

/// The provider's capabilities.
pub(crate) fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(NAME_RULE);
    caps.targets = vec![TargetKind::Instance, TargetKind::NetworkInterface];
    caps.private_ip_targets = true;
    caps.ipv6 = true;
    caps.shared_bandwidth = true;
    caps.max_page_size = MAX_PAGE_SIZE;
    caps.parallel_pages = false;
    // The v1 PUT has no "only if bound to" condition: disassociate re-reads just before.
    caps.conditional_disassociate = false;
    // The v1 create has no client token: allocate reconciles by a marker (see `client`).
    caps.server_side_idempotency = false;
    caps.bandwidth_mbps = 1..=2000;
    // huawei.md §5.2: descriptions exist only in the v3 API.
    caps.description_rule = None;
    // The v1 create takes no tags (they are a separate v2.0 API, huawei.md §3.9).
    caps.max_tags = 0;
    caps
}

/// huawei.md §3.1: bandwidth goes in steps of 1 Mbit/s up to 300, of 50 up to 1000 and of 500
/// above (the range itself is checked by [`Capabilities::check_bandwidth`]).
pub(crate) fn check_bandwidth_step(mbps: u32) -> Result<(), Error> {
    let (ok, step) = match mbps {
        0..=300 => (true, 1),
        301..=1000 => (mbps % 50 == 0, 50),
        _ => (mbps % 500 == 0, 500),
    };
    if ok {
        Ok(())
    } else {
        let below = mbps - mbps % step;
        Err(Error::invalid_input(
            "bandwidth_mbps",
            format!("{mbps} Mbit/s is not a valid step: above 300 use multiples of 50, above 1000 multiples of 500 (e.g. {below} or {})", below + step),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bandwidth_steps() {
        for ok in [1, 5, 299, 300, 350, 400, 1000, 1500, 2000] {
            assert!(check_bandwidth_step(ok).is_ok(), "{ok}");
        }
        for bad in [301, 325, 999, 1001, 1250, 1999] {
            match check_bandwidth_step(bad) {
                Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "bandwidth_mbps"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let caps = capabilities();
        assert!(caps.check_bandwidth("bandwidth_mbps", 2500).is_err());
        assert!(caps.check_bandwidth("bandwidth_mbps", 0).is_err());
    }

    #[test]
    fn names_follow_the_alias_rule_and_descriptions_are_unsupported() {
        let caps = capabilities();
        assert!(caps.name_rule.check("name", "web-1_公网.ip").is_ok());
        assert!(caps.name_rule.check("name", "").is_err());
        assert!(caps.name_rule.check("name", &"a".repeat(65)).is_err());
        assert!(caps.name_rule.check("name", "a b").is_err());
        assert!(matches!(
            caps.check_description("x"),
            Err(Error::Unsupported { .. })
        ));
        assert_eq!(caps.max_page_size, 2000);
        assert!(caps.private_ip_targets && caps.ipv6 && caps.shared_bandwidth);
    }
}
