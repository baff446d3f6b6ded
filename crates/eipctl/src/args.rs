//! Parsers for the arguments clap takes as text: tags, targets, ages, billing modes. Each
//! refusal is an [`Error::InvalidInput`] naming the flag, before anything is sent.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use multicloud_eip::{AssociateTarget, ChargeMode, Error, Result};

use crate::checked;
use crate::cli::AssociateArgs;

/// `KEY=VALUE` pairs (the value may be empty and may contain `=`); a key given twice is refused.
/// The keys and values themselves are checked by the provider against the cloud's tag rule.
pub fn tags(field: &str, pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut tags = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid_input(field, format!("{pair:?} is not KEY=VALUE")))?;
        if tags.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(Error::invalid_input(
                field,
                format!("tag {key:?} given twice"),
            ));
        }
    }
    Ok(tags)
}

/// `bandwidth` or `traffic`.
pub fn charge_mode(mode: &str) -> Result<ChargeMode> {
    ChargeMode::from_name(mode).ok_or_else(|| {
        Error::invalid_input(
            "charge-mode",
            format!("{mode:?} is not bandwidth or traffic"),
        )
    })
}

/// The longest age a sweep takes: 100 years (surely a mistake beyond that).
const MAX_AGE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// An age: a whole number with a unit `s`, `m`, `h`, `d` or `w` (seconds without one).
pub fn age(field: &str, text: &str) -> Result<Duration> {
    let bad = |reason: &str| Error::invalid_input(field, format!("{text:?}: {reason}"));
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let seconds_per: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        "w" => 7 * 24 * 3600,
        _ => return Err(bad("the unit is not one of s, m, h, d, w")),
    };
    let count: u64 = number
        .parse()
        .map_err(|_| bad("not a whole number with a unit, like 7d"))?;
    let age = count
        .checked_mul(seconds_per)
        .map(Duration::from_secs)
        .filter(|age| *age <= MAX_AGE)
        .ok_or_else(|| bad("more than 100 years"))?;
    if age.is_zero() {
        return Err(bad("must be more than zero"));
    }
    Ok(age)
}

/// A target given as text: an instance id, or `nic:ID`, `nic:ID@PRIVATE_IP`, `ip:PRIVATE_IP`,
/// `havip:ID`, `nat:ID`, `lb:ID`.
pub fn target(field: &str, text: &str) -> Result<AssociateTarget> {
    let Some((kind, rest)) = text.split_once(':') else {
        return Ok(AssociateTarget::instance(checked(field, text)?));
    };
    let ip = |text: &str| {
        text.parse::<IpAddr>()
            .map_err(|_| Error::invalid_input(field, format!("{text:?} is not an IP address")))
    };
    Ok(match kind {
        "instance" => AssociateTarget::instance(checked(field, rest)?),
        "nic" => match rest.split_once('@') {
            Some((nic, address)) => AssociateTarget::nic(checked(field, nic)?, Some(ip(address)?)),
            None => AssociateTarget::nic(checked(field, rest)?, None),
        },
        "ip" => AssociateTarget::PrivateIp { address: ip(rest)? },
        "havip" => AssociateTarget::HighAvailabilityVip {
            id: checked(field, rest)?,
        },
        "nat" => AssociateTarget::NatGateway {
            id: checked(field, rest)?,
        },
        "lb" => AssociateTarget::LoadBalancer {
            id: checked(field, rest)?,
        },
        other => {
            return Err(Error::invalid_input(
                field,
                format!(
                    "unknown target kind {other:?}; valid: an instance id, nic:ID, nic:ID@IP, \
                     ip:IP, havip:ID, nat:ID, lb:ID"
                ),
            ))
        }
    })
}

/// The one target of `associate` (clap lets exactly one kind through, `--private-ip` may come
/// with `--nic`).
pub fn associate_target(args: &AssociateArgs) -> Result<AssociateTarget> {
    Ok(
        match (
            &args.instance,
            &args.nic,
            &args.havip,
            &args.nat_gateway,
            &args.load_balancer,
        ) {
            (Some(instance), None, None, None, None) if args.private_ip.is_none() => {
                AssociateTarget::instance(checked("instance", instance)?)
            }
            (None, Some(nic), None, None, None) => {
                AssociateTarget::nic(checked("nic", nic)?, args.private_ip)
            }
            (None, None, Some(id), None, None) if args.private_ip.is_none() => {
                AssociateTarget::HighAvailabilityVip {
                    id: checked("havip", id)?,
                }
            }
            (None, None, None, Some(id), None) if args.private_ip.is_none() => {
                AssociateTarget::NatGateway {
                    id: checked("nat-gateway", id)?,
                }
            }
            (None, None, None, None, Some(id)) if args.private_ip.is_none() => {
                AssociateTarget::LoadBalancer {
                    id: checked("load-balancer", id)?,
                }
            }
            (None, None, None, None, None) => match args.private_ip {
                Some(address) => AssociateTarget::PrivateIp { address },
                None => return Err(one_target()),
            },
            _ => return Err(one_target()),
        },
    )
}

fn one_target() -> Error {
    Error::invalid_input(
        "target",
        "give exactly one of --instance, --nic (with or without --private-ip), --private-ip, \
         --havip, --nat-gateway or --load-balancer",
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn field(r: Result<impl std::fmt::Debug>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn ages_take_a_unit_and_refuse_nonsense_by_name() {
        assert_eq!(age("older-than", "90").unwrap(), Duration::from_secs(90));
        assert_eq!(
            age("older-than", "7d").unwrap(),
            Duration::from_secs(604_800)
        );
        assert_eq!(
            age("older-than", "2w").unwrap(),
            Duration::from_secs(1_209_600)
        );
        for bad in [
            "",
            "0h",
            "7y",
            "d",
            "-1d",
            "1.5h",
            "99999999999999999999d",
            "5000w0",
        ] {
            assert_eq!(field(age("older-than", bad)), "older-than", "{bad:?}");
        }
    }

    #[test]
    fn targets_name_their_kind_or_are_instances() {
        assert_eq!(
            target("to", "i-1").unwrap(),
            AssociateTarget::instance("i-1")
        );
        assert_eq!(
            target("to", "nic:eni-1@10.0.0.8").unwrap(),
            AssociateTarget::nic("eni-1", Some("10.0.0.8".parse().unwrap()))
        );
        assert_eq!(
            target("to", "havip:havip-1").unwrap(),
            AssociateTarget::HighAvailabilityVip {
                id: "havip-1".into()
            }
        );
        assert_eq!(
            target("to", "ip:10.0.0.9").unwrap(),
            AssociateTarget::PrivateIp {
                address: "10.0.0.9".parse().unwrap()
            }
        );
        for bad in ["vm:i-1", "nic:", "ip:10.0.0", "nic:eni-1@x", "lb:a/b"] {
            assert_eq!(field(target("from", bad)), "from", "{bad:?}");
        }
    }

    #[test]
    fn tags_are_key_value_pairs_given_once() {
        let parsed = tags("tag", &["a=1".into(), "b=x=y".into(), "c=".into()]).unwrap();
        assert_eq!(parsed["b"], "x=y");
        assert_eq!(parsed["c"], "");
        assert_eq!(field(tags("tag", &["novalue".into()])), "tag");
        assert_eq!(field(tags("add", &["a=1".into(), "a=2".into()])), "add");
    }
}
