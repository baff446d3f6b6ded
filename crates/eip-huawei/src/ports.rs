//! Which port (NIC) an association targets, as pure functions over the ports the API listed.
//!
//! huawei.md §4.1: the primary ECS NIC is the port of the server whose `device_owner` starts with
//! `compute:` and whose `binding:vif_details.primary_interface` is true. Terraform takes the first
//! port instead; we refuse to guess: a single compute port is the primary, several with none (or
//! more than one) marked primary is a conflict naming them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use eip_core::Error;

use crate::wire::Port;

fn ids(ports: &[&Port]) -> String {
    ports
        .iter()
        .map(|p| p.id.as_deref().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The primary NIC of `instance_id` among the ports listed for it (`GET ports?device_id=`).
pub(crate) fn primary_port<'a>(instance_id: &str, ports: &'a [Port]) -> Result<&'a Port, Error> {
    let compute: Vec<&Port> = ports
        .iter()
        .filter(|p| {
            p.is_compute()
                && p.id.is_some()
                && p.device_id.as_deref().is_none_or(|d| d == instance_id)
        })
        .collect();
    let primaries: Vec<&Port> = compute.iter().copied().filter(|p| p.is_primary()).collect();
    match (primaries.as_slice(), compute.as_slice()) {
        ([primary], _) => Ok(primary),
        ([], []) => Err(Error::not_found(format!(
            "network interface of instance {instance_id}"
        ))),
        ([], [single]) => Ok(single),
        ([], several) => Err(Error::Conflict {
            reason: format!(
                "instance {instance_id} has {} network interfaces and none is marked primary ({}); \
                 associate with one of them as a network interface",
                several.len(),
                ids(several)
            ),
            service: None,
        }),
        (several, _) => Err(Error::Conflict {
            reason: format!(
                "instance {instance_id} has {} network interfaces marked primary ({}); \
                 associate with one of them as a network interface",
                several.len(),
                ids(several)
            ),
            service: None,
        }),
    }
}

/// The port listed for `port_id` (`GET ports?id=`), which must hold `private_ip` when given.
pub(crate) fn named_port<'a>(
    port_id: &str,
    private_ip: Option<IpAddr>,
    ports: &'a [Port],
) -> Result<&'a Port, Error> {
    let port = ports
        .iter()
        .find(|p| p.id.as_deref() == Some(port_id))
        .ok_or_else(|| Error::not_found(format!("network interface {port_id}")))?;
    match private_ip {
        Some(ip) if !port.holds(&ip) => Err(Error::invalid_input(
            "private_ip",
            format!("{ip} is not an address of network interface {port_id}"),
        )),
        _ => Ok(port),
    }
}

/// The one port holding `ip` (`GET ports?fixed_ips=ip_address=`).
pub(crate) fn port_holding(ip: IpAddr, ports: &[Port]) -> Result<&Port, Error> {
    let holding: Vec<&Port> = ports
        .iter()
        .filter(|p| p.id.is_some() && p.holds(&ip))
        .collect();
    match holding.as_slice() {
        [port] => Ok(port),
        [] => Err(Error::not_found(format!("network interface holding {ip}"))),
        several => Err(Error::Conflict {
            reason: format!(
                "{} network interfaces hold {ip} ({})",
                several.len(),
                ids(several)
            ),
            service: None,
        }),
    }
}

/// The most ports the cache holds; past it, it starts afresh (a provider bound to more ports
/// than this simply reads some of them again).
const PORT_CACHE_CAPACITY: usize = 4096;

/// The ports this provider has read, by id, so that reading a bound address (a waiter's poll
/// above all) costs one `ShowPublicip` and no ports call once its port is known.
///
/// An ECS NIC keeps its `device_id` while an EIP is bound to it (a NIC is detached from its
/// server before it can join another one); an entry is refreshed whenever the port is read
/// again, as `associate` does for its target. The instance shown for a bound address can
/// therefore lag only when a NIC was moved to another server while the EIP stayed on it.
#[derive(Debug, Default)]
pub(crate) struct PortCache {
    ports: Mutex<HashMap<String, Port>>,
}

impl PortCache {
    /// The cached port `id`.
    pub(crate) fn get(&self, id: &str) -> Option<Port> {
        self.lock().get(id).cloned()
    }

    /// Remembers ports just read.
    pub(crate) fn insert<'a>(&self, ports: impl IntoIterator<Item = &'a Port>) {
        let mut cache = self.lock();
        for port in ports {
            let Some(id) = &port.id else { continue };
            if cache.len() >= PORT_CACHE_CAPACITY && !cache.contains_key(id) {
                cache.clear();
            }
            cache.insert(id.clone(), port.clone());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Port>> {
        // The map holds plain data: a panic elsewhere cannot leave it half-written.
        self.ports
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The id of a port that [`primary_port`], [`named_port`] or [`port_holding`] returned (they only
/// return ports with an id).
pub(crate) fn id_of(port: &Port) -> String {
    port.id.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::wire::{FixedIp, VifDetails};

    fn port(id: &str, owner: &str, primary: Option<bool>, ip: &str) -> Port {
        Port {
            id: Some(id.into()),
            device_id: Some("srv".into()),
            device_owner: Some(owner.into()),
            fixed_ips: vec![FixedIp {
                subnet_id: None,
                ip_address: Some(ip.into()),
            }],
            vif_details: primary.map(|p| VifDetails {
                primary_interface: Some(p),
            }),
        }
    }

    fn conflict_naming(result: Result<&Port, Error>, names: &[&str]) {
        match result {
            Err(Error::Conflict { reason, .. }) => {
                for n in names {
                    assert!(reason.contains(n), "{reason} should name {n}");
                }
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn the_primary_is_chosen_among_several() {
        let ports = [
            port("sec", "compute:az1", Some(false), "10.0.0.2"),
            port("pri", "compute:az1", Some(true), "10.0.0.1"),
            port("dhcp", "network:dhcp", Some(true), "10.0.0.3"),
        ];
        assert_eq!(
            primary_port("srv", &ports).unwrap().id.as_deref(),
            Some("pri")
        );
    }

    #[test]
    fn a_single_compute_port_is_the_primary() {
        let unmarked = [port("only", "compute:az1", None, "10.0.0.1")];
        assert_eq!(
            primary_port("srv", &unmarked).unwrap().id.as_deref(),
            Some("only")
        );
        let secondary_only = [
            port("only", "compute:az1", Some(false), "10.0.0.1"),
            port("vip", "neutron:VIP_PORT", None, "10.0.0.9"),
        ];
        assert_eq!(
            primary_port("srv", &secondary_only).unwrap().id.as_deref(),
            Some("only")
        );
    }

    #[test]
    fn no_compute_port_is_not_found_naming_the_instance() {
        match primary_port("srv", &[port("dhcp", "network:dhcp", None, "10.0.0.3")]) {
            Err(Error::NotFound { resource, .. }) => {
                assert!(resource.contains("srv"), "{resource}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            primary_port("srv", &[]),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn ambiguity_is_a_conflict_naming_the_ports() {
        let none_primary = [
            port("a", "compute:az1", Some(false), "10.0.0.1"),
            port("b", "compute:az1", None, "10.0.0.2"),
        ];
        conflict_naming(primary_port("srv", &none_primary), &["a", "b", "srv"]);
        let two_primaries = [
            port("a", "compute:az1", Some(true), "10.0.0.1"),
            port("b", "compute:az1", Some(true), "10.0.0.2"),
        ];
        conflict_naming(primary_port("srv", &two_primaries), &["a", "b"]);
    }

    #[test]
    fn nics_and_private_ips_resolve_to_one_port() {
        let ports = [
            port("a", "compute:az1", Some(true), "10.0.0.1"),
            port("b", "compute:az1", Some(false), "10.0.0.2"),
        ];
        assert_eq!(
            named_port("b", None, &ports).unwrap().id.as_deref(),
            Some("b")
        );
        assert!(named_port("b", Some("10.0.0.2".parse().unwrap()), &ports).is_ok());
        assert!(matches!(
            named_port("b", Some("10.0.0.1".parse().unwrap()), &ports),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(
            named_port("zz", None, &ports),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(
            port_holding("10.0.0.2".parse().unwrap(), &ports)
                .unwrap()
                .id
                .as_deref(),
            Some("b")
        );
        assert!(matches!(
            port_holding("10.0.0.7".parse().unwrap(), &ports),
            Err(Error::NotFound { .. })
        ));
        let dup = [
            port("a", "compute:az1", None, "10.0.0.1"),
            port("c", "compute:az2", None, "10.0.0.1"),
        ];
        conflict_naming(port_holding("10.0.0.1".parse().unwrap(), &dup), &["a", "c"]);
    }
}
