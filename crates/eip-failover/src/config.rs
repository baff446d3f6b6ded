//! The agent's configuration: a JSON file, each key overridable by a flag.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use multicloud_eip::{AssociateTarget, ConnectOptions, EipProvider, Error};
use serde::{Deserialize, Serialize};

use crate::agent::Settings;
use crate::coordinator::Coordinator;
use crate::etcd::Etcd;
use crate::memory::InProcess;

/// Every setting of the agent. In the file, durations are in milliseconds.
///
/// ```json
/// {"name": "db-1", "eip": "eip-bp1...", "provider": "alibaba://cn-hangzhou",
///  "target": "i-bp1...", "coordinator": "http://10.0.0.5:2379", "ttl_ms": 10000,
///  "interval_ms": 3000, "health_check": ["systemctl", "is-active", "postgresql"],
///  "listen": "127.0.0.1:9187"}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Config {
    /// This agent's name, unique in the group.
    pub name: Option<String>,
    /// The address's id.
    pub eip: Option<String>,
    /// The provider spec (`alibaba://cn-hangzhou`, `huawei://cn-north-4`...).
    pub provider: Option<String>,
    /// This machine's target: `i-...` or `instance:ID`, `nic:ID`, or `self`.
    pub target: Option<String>,
    /// The etcd endpoint (`http://host:2379`), or `memory` (one process only).
    pub coordinator: Option<String>,
    /// The etcd key the group elects on; default `/multicloud-eip/failover/<eip>/leader`.
    pub election_key: Option<String>,
    /// Lease TTL (default 10 000; etcd counts whole seconds).
    pub ttl_ms: Option<u64>,
    /// Writing stops this long before the lease's end (default a quarter of the TTL).
    pub margin_ms: Option<u64>,
    /// Re-check interval (default 3 000: one read every 3 s is half of Huawei's default quota).
    pub interval_ms: Option<u64>,
    /// Deadline of one claim (default four TTLs).
    pub move_timeout_ms: Option<u64>,
    /// Health-check command and arguments; exit status 0 is healthy.
    pub health_check: Option<Vec<String>>,
    /// Where to serve `/metrics` and `/status` (off by default).
    pub listen: Option<SocketAddr>,
    /// Whether the provider spec may name an endpoint outside the cloud's domains.
    pub allow_custom_endpoint: Option<bool>,
}

impl Config {
    /// Reads a JSON file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_input("config", format!("cannot read {}: {e}", path.display()))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::invalid_input("config", format!("{}: {e}", path.display())))
    }

    /// `self` with every key `other` sets taken from `other`.
    pub fn overridden_by(self, other: Config) -> Self {
        Self {
            name: other.name.or(self.name),
            eip: other.eip.or(self.eip),
            provider: other.provider.or(self.provider),
            target: other.target.or(self.target),
            coordinator: other.coordinator.or(self.coordinator),
            election_key: other.election_key.or(self.election_key),
            ttl_ms: other.ttl_ms.or(self.ttl_ms),
            margin_ms: other.margin_ms.or(self.margin_ms),
            interval_ms: other.interval_ms.or(self.interval_ms),
            move_timeout_ms: other.move_timeout_ms.or(self.move_timeout_ms),
            health_check: other.health_check.or(self.health_check),
            listen: other.listen.or(self.listen),
            allow_custom_endpoint: other.allow_custom_endpoint.or(self.allow_custom_endpoint),
        }
    }

    fn required<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str, Error> {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid_input(field, "required (in the file or as a flag)"))
    }

    /// The agent settings.
    pub fn settings(&self) -> Result<Settings, Error> {
        let name = Self::required(&self.name, "name")?;
        let eip = Self::required(&self.eip, "eip")?;
        multicloud_eip::validate::id("eip", eip)?;
        let target = parse_target(Self::required(&self.target, "target")?)?;
        let ttl = Duration::from_millis(self.ttl_ms.unwrap_or(10_000));
        if ttl < Duration::from_secs(1) {
            return Err(Error::invalid_input("ttl_ms", "at least 1000 ms"));
        }
        let mut settings = Settings::new(name, eip, target).ttl(ttl);
        if let Some(margin) = self.margin_ms {
            let margin = Duration::from_millis(margin);
            if margin >= ttl {
                return Err(Error::invalid_input("margin_ms", "must be below the TTL"));
            }
            settings.margin = margin;
        }
        if let Some(interval) = self.interval_ms {
            settings = settings.interval(Duration::from_millis(interval.max(10)));
        }
        if let Some(timeout) = self.move_timeout_ms {
            settings.move_timeout = Duration::from_millis(timeout);
        }
        if let Some(argv) = &self.health_check {
            if argv.is_empty() {
                return Err(Error::invalid_input("health_check", "an empty command"));
            }
            settings = settings.health_check(argv.clone());
        }
        Ok(settings)
    }

    /// The provider.
    pub fn provider(&self) -> Result<Arc<dyn EipProvider>, Error> {
        let spec = Self::required(&self.provider, "provider")?;
        multicloud_eip::connect_with(spec, &self.connect_options())
    }

    /// Replaces `target: "self"` by this machine's instance, asked once from the cloud's
    /// instance metadata service (Alibaba `/latest/meta-data/instance-id`, Huawei
    /// `/openstack/latest/meta_data.json`), so one configuration file serves every node of the
    /// group. Any other target is left as it is.
    pub async fn resolve_self(&mut self) -> Result<(), Error> {
        if self.target.as_deref() != Some("self") {
            return Ok(());
        }
        let spec = Self::required(&self.provider, "provider")?;
        let id = multicloud_eip::instance_id(spec, &self.connect_options()).await?;
        multicloud_eip::validate::id("target", &id)?;
        self.target = Some(format!("instance:{id}"));
        Ok(())
    }

    fn connect_options(&self) -> ConnectOptions {
        ConnectOptions::new().allow_custom_endpoint(self.allow_custom_endpoint.unwrap_or(false))
    }

    /// The coordinator.
    pub fn coordinator(&self) -> Result<Arc<dyn Coordinator>, Error> {
        let url = Self::required(&self.coordinator, "coordinator")?;
        if url == "memory" {
            return Ok(Arc::new(InProcess::new()));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid_input(
                "coordinator",
                "an etcd endpoint http(s)://host:port, or memory",
            ));
        }
        let eip = Self::required(&self.eip, "eip")?;
        let key = self
            .election_key
            .clone()
            .unwrap_or_else(|| format!("/multicloud-eip/failover/{eip}/leader"));
        let ttl = Duration::from_millis(self.ttl_ms.unwrap_or(10_000));
        let timeout = (ttl / 3).max(Duration::from_millis(300));
        Etcd::new(url, &key, timeout)
            .map(|etcd| Arc::new(etcd) as Arc<dyn Coordinator>)
            .map_err(|e| Error::invalid_input("coordinator", e.to_string()))
    }
}

/// A target as [`parse_target`] reads it back: `instance:ID`, `nic:ID`, or its display.
pub fn target_spec(target: &AssociateTarget) -> String {
    match target {
        AssociateTarget::Instance { id } => format!("instance:{id}"),
        AssociateTarget::NetworkInterface { id, .. } => format!("nic:{id}"),
        other => other.to_string(),
    }
}

/// `i-...` or `instance:ID` → an instance, `nic:ID` → a NIC. `self` needs the cloud's metadata
/// service and is resolved before, by [`Config::resolve_self`]; here it is refused.
pub fn parse_target(text: &str) -> Result<AssociateTarget, Error> {
    let target = match text.split_once(':') {
        _ if text == "self" => {
            return Err(Error::invalid_input(
                "target",
                "self is resolved from the instance metadata service first \
                 (Config::resolve_self); give the instance id here",
            ))
        }
        Some(("instance", id)) => AssociateTarget::instance(id),
        Some(("nic", id)) => AssociateTarget::nic(id, None),
        Some((kind, _)) => {
            return Err(Error::invalid_input(
                "target",
                format!("unknown kind {kind:?}; valid: instance:ID, nic:ID, self"),
            ))
        }
        None => AssociateTarget::instance(text),
    };
    let (AssociateTarget::Instance { id } | AssociateTarget::NetworkInterface { id, .. }) = &target
    else {
        return Ok(target);
    };
    multicloud_eip::validate::id("target", id)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn config(json: &str) -> Result<Config, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn targets_read_back_what_the_leader_key_stores() {
        for target in [
            AssociateTarget::instance("i-1"),
            AssociateTarget::nic("eni-1", None),
        ] {
            assert_eq!(parse_target(&target_spec(&target)).unwrap(), target);
        }
        assert_eq!(
            parse_target("i-2").unwrap(),
            AssociateTarget::instance("i-2")
        );
        assert!(matches!(
            parse_target("self"),
            Err(Error::InvalidInput { field, .. }) if field == "target"
        ));
        assert!(
            matches!(parse_target("vpc:x"), Err(Error::InvalidInput { field, .. }) if field == "target")
        );
    }

    #[test]
    fn bad_settings_name_their_key_and_flags_override_the_file() {
        let file = config(r#"{"name":"a","eip":"eip-1","target":"i-1","ttl_ms":10000}"#).unwrap();
        let flags = Config {
            ttl_ms: Some(500),
            ..Config::default()
        };
        let merged = file.clone().overridden_by(flags);
        assert!(
            matches!(merged.settings(), Err(Error::InvalidInput { field, .. }) if field == "ttl_ms")
        );
        let mut margin = file.clone();
        margin.margin_ms = Some(10_000);
        assert!(
            matches!(margin.settings(), Err(Error::InvalidInput { field, .. }) if field == "margin_ms")
        );
        let settings = file.settings().unwrap();
        assert_eq!(
            (settings.ttl, settings.margin),
            (Duration::from_secs(10), Duration::from_millis(2500))
        );
        assert!(
            matches!(Config::default().settings(), Err(Error::InvalidInput { field, .. }) if field == "name")
        );
        assert!(
            config(r#"{"nmae":"a"}"#).is_err(),
            "unknown keys are refused"
        );
    }
}
