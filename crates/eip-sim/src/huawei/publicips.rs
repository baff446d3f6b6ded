//! `/v1/{project_id}/publicips`: create, show, list, update (bind, unbind, alias), delete
//! (the EIP API reference, <https://support.huaweicloud.com/api-eip/eip_api_0001.html>).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Bound;
use std::time::Duration;

use crate::server::Body;
use http::request::Parts;
use http::{Response, StatusCode};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::config::{line_types, BindOrder};
use super::reply::{empty_response, json_response, ApiError};
use super::request::{first, query_pairs, values};
use super::state::{Bandwidth, Eip, EipStatus, Next, ShareType, State};
use super::validate::{
    bad_enterprise_project, bandwidth_size, is_enterprise_project, is_valid_name, json_object,
    limit, member, opt_str,
};
use super::{wire, HuaweiSim};

/// A validated create request.
struct NewEip {
    kind: String,
    ip_version: u8,
    alias: Option<String>,
    ip_address: Option<Ipv4Addr>,
    port_id: Option<String>,
    bandwidth: NewBandwidth,
    enterprise_project_id: String,
}

enum NewBandwidth {
    Dedicated {
        name: String,
        size: u32,
        charge_mode: String,
    },
    Shared {
        id: String,
    },
}

/// What a `PUT publicips/{id}` asks for (UpdatePublicip,
/// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html>).
enum Update {
    /// `alias` (and/or `ip_version`) only: a `port_id` next to `alias` is ignored, as documented.
    Attributes {
        alias: Option<String>,
        ip_version: Option<u8>,
    },
    Bind {
        port_id: String,
    },
    /// `{"publicip":{}}`, `{"publicip":{"port_id":""}}` or `port_id: null`.
    Unbind,
}

fn parse_ip_version(map: &Map<String, Value>) -> Result<Option<u8>, ApiError> {
    match map.get("ip_version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) if v.as_u64() == Some(4) => Ok(Some(4)),
        Some(v) if v.as_u64() == Some(6) => Ok(Some(6)),
        Some(_) => Err(ApiError::invalid("ip_version must be 4 or 6.")),
    }
}

/// `alias`: 1–64 valid characters; an empty alias means none.
fn parse_alias(map: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match opt_str(map, "alias")? {
        None | Some("") => Ok(None),
        Some(alias) if is_valid_name(alias) => Ok(Some(alias.to_owned())),
        Some(_) => Err(ApiError::invalid("Invalid alias.")),
    }
}

/// 400 `VPC.0301`: bad bandwidth name or share_type (the EIP error codes,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>, create table).
fn bad_bandwidth(message: &str) -> ApiError {
    ApiError::vpc(StatusCode::BAD_REQUEST, "VPC.0301", message)
}

fn parse_bandwidth(map: &Map<String, Value>) -> Result<NewBandwidth, ApiError> {
    match opt_str(map, "share_type").map_err(|_| bad_bandwidth("Invalid share_type."))? {
        Some("PER") => {
            let name = opt_str(map, "name")
                .ok()
                .flatten()
                .filter(|n| is_valid_name(n))
                .ok_or_else(|| bad_bandwidth("Invalid bandwidth name."))?;
            let size = bandwidth_size(map.get("size").unwrap_or(&Value::Null))?;
            let charge_mode = match opt_str(map, "charge_mode")? {
                // The sources disagree; the main CreatePublicip page
                // (https://support.huaweicloud.com/api-eip/eip_api_0001.html) defaults to
                // `bandwidth`.
                None | Some("") => "bandwidth",
                Some(mode @ ("bandwidth" | "traffic")) => mode,
                Some(_) => return Err(ApiError::invalid("Invalid charge_mode.")),
            };
            Ok(NewBandwidth::Dedicated {
                name: name.to_owned(),
                size,
                charge_mode: charge_mode.to_owned(),
            })
        }
        // CreatePublicip, https://support.huaweicloud.com/api-eip/eip_api_0001.html: with WHOLE,
        // the id of an existing shared bandwidth is required and
        // name/size are ignored.
        Some("WHOLE") => match opt_str(map, "id")? {
            Some(id) if !id.is_empty() => Ok(NewBandwidth::Shared { id: id.to_owned() }),
            _ => Err(ApiError::invalid(
                "bandwidth.id is required for a WHOLE bandwidth.",
            )),
        },
        _ => Err(bad_bandwidth("Invalid share_type.")),
    }
}

fn parse_create(body: &[u8], region: &str) -> Result<NewEip, ApiError> {
    let request = json_object(body)?;
    let publicip = member(&request, "publicip")?;
    let kind = match opt_str(publicip, "type")? {
        Some(kind) if line_types(region).contains(&kind) => kind.to_owned(),
        // A line type the region does not offer is an invalid parameter, 400 `VPC.0501`.
        Some(kind) => {
            return Err(ApiError::invalid(format!(
                "Invalid publicip type {kind}: region {region} offers {}.",
                line_types(region).join(", ")
            )))
        }
        None => return Err(ApiError::invalid("Invalid publicip type.")),
    };
    let ip_address = match opt_str(publicip, "ip_address")? {
        None | Some("") => None,
        Some(ip) => Some(
            ip.parse()
                .map_err(|_| ApiError::invalid("Invalid ip_address."))?,
        ),
    };
    let port_id = opt_str(publicip, "port_id")?
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let enterprise_project_id = match opt_str(&request, "enterprise_project_id")? {
        None | Some("") => "0".to_owned(),
        Some(id) if is_enterprise_project(id) => id.to_owned(),
        Some(_) => return Err(bad_enterprise_project()),
    };
    Ok(NewEip {
        kind,
        ip_version: parse_ip_version(publicip)?.unwrap_or(4),
        alias: parse_alias(publicip)?,
        ip_address,
        port_id,
        bandwidth: parse_bandwidth(member(&request, "bandwidth")?)?,
        enterprise_project_id,
    })
}

fn parse_update(body: &[u8]) -> Result<Update, ApiError> {
    let request = json_object(body)?;
    let publicip = member(&request, "publicip")?;
    let port_id = opt_str(publicip, "port_id")?.filter(|p| !p.is_empty());
    let ip_version = parse_ip_version(publicip)?;
    let has_alias = publicip.contains_key("alias");
    if has_alias || ip_version.is_some() {
        // UpdatePublicip, https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html:
        // alias + port_id applies only the alias;
        // ip_version and port_id cannot be combined.
        if ip_version.is_some() && port_id.is_some() && !has_alias {
            return Err(ApiError::invalid(
                "ip_version and port_id cannot be updated together.",
            ));
        }
        return Ok(Update::Attributes {
            alias: parse_alias(publicip)?,
            ip_version,
        });
    }
    Ok(match port_id {
        Some(port_id) => Update::Bind {
            port_id: port_id.to_owned(),
        },
        None => Update::Unbind,
    })
}

impl HuaweiSim {
    fn respond_with(
        &self,
        state: &State,
        id: &str,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let eip = state.eips.get(id).ok_or_else(ApiError::eip_not_found)?;
        let bandwidth = state.bandwidths.get(&eip.bandwidth_id);
        let body = wire::Named(
            "publicip",
            wire::publicip(eip, bandwidth, &self.config.project_id),
        );
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// `POST /v1/{project_id}/publicips` → 200, the EIP in `PENDING_CREATE`.
    pub(super) fn create_publicip(
        &self,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let new = parse_create(body, &self.config.region)?;
        if let Some(port_id) = &new.port_id {
            // the EIP error codes,
            // https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html, create table: an
            // invalid port is 500 VPC.0508 on create (the update
            // table has 400 VPC.0501 "Port id is invalid." instead).
            self.port(port_id).ok_or_else(|| {
                ApiError::vpc(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "VPC.0508",
                    "Port id is invalid.",
                )
            })?;
        }
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        if state.eips.len() >= self.config.quota {
            return Err(ApiError::vpc(
                StatusCode::CONFLICT,
                "VPC.0521",
                "Quota exceeded for resources: ['floatingip']",
            ));
        }
        if new.ip_address.is_none() && state.ip_pool == Some(0) {
            return Err(ApiError::vpc(
                StatusCode::INTERNAL_SERVER_ERROR,
                "VPC.0504",
                "No available floating IP address was found.",
            ));
        }
        // Create error table: 409 VPC.0522, "requested IP invalid or in use", for an address
        // outside the region's pool as for one another EIP holds.
        if new
            .ip_address
            .is_some_and(|ip| state.ip_in_use(ip) || !State::in_pool(ip))
        {
            return Err(ApiError::vpc(
                StatusCode::CONFLICT,
                "VPC.0522",
                "The IP address is invalid or in use.",
            ));
        }
        if let Some(port_id) = &new.port_id {
            if state.eip_on_port(port_id).is_some() {
                return Err(port_taken());
            }
        }
        let created = OffsetDateTime::now_utc();
        let (bandwidth_id, bandwidth_size) = match new.bandwidth {
            NewBandwidth::Dedicated {
                name,
                size,
                charge_mode,
            } => {
                let id = state.new_id();
                let bandwidth = Bandwidth {
                    id: id.clone(),
                    name,
                    size,
                    share_type: ShareType::Per,
                    charge_mode,
                    enterprise_project_id: new.enterprise_project_id.clone(),
                    created,
                    updated: created,
                };
                state.bandwidths.insert(id.clone(), bandwidth);
                (id, size)
            }
            NewBandwidth::Shared { id } => {
                let shared = state
                    .bandwidths
                    .get(&id)
                    .is_some_and(|b| b.share_type == ShareType::Whole);
                if !shared {
                    return Err(ApiError::invalid("The shared bandwidth does not exist."));
                }
                (id, 0)
            }
        };
        let id = state.new_id();
        let public_ip = new.ip_address.unwrap_or_else(|| state.next_public_ip());
        let private_ip = new
            .port_id
            .as_deref()
            .and_then(|p| self.port(p))
            .map(|p| p.ip_address);
        let eip = Eip {
            id: id.clone(),
            kind: new.kind,
            ip_version: new.ip_version,
            public_ip,
            public_ipv6: (new.ip_version == 6).then(|| ipv6_of(public_ip)),
            alias: new.alias,
            status: EipStatus::PendingCreate,
            transition: None,
            port_id: new.port_id,
            private_ip,
            bandwidth_id,
            enterprise_project_id: new.enterprise_project_id,
            created,
            firewall: false,
            tags: BTreeMap::new(),
        };
        if let Some(free) = state.ip_pool.as_mut() {
            *free = free.saturating_sub(1);
        }
        // the status list of huaweicloud-sdk-python-v3
        // `huaweicloudsdkeip/v2/model/publicip_show_resp.py`: PENDING_CREATE → DOWN, or ACTIVE when
        // created with a port_id.
        let next = if eip.port_id.is_some() {
            Next::Active
        } else {
            Next::Down
        };
        state.insert_eip(eip);
        let delay = self.delay(&mut state);
        state.schedule(&id, EipStatus::PendingCreate, now + delay, next);
        state.remember(&id, lag, None);
        let eip = state.eips.get(&id).ok_or_else(ApiError::eip_not_found)?;
        let body = json!({"publicip": wire::created_publicip(eip, bandwidth_size, &self.config.project_id)});
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// `GET /v1/{project_id}/publicips/{id}`.
    pub(super) fn show_publicip(
        &self,
        id: &str,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let eip = state.visible(id, now).ok_or_else(ApiError::eip_not_found)?;
        let bandwidth = state.visible_bandwidth(&eip.bandwidth_id);
        let body = wire::Named(
            "publicip",
            wire::publicip(eip, bandwidth, &self.config.project_id),
        );
        Ok(json_response(StatusCode::OK, &body, request_id))
    }

    /// `GET /v1/{project_id}/publicips`: sorted by id, `marker` = last id of the previous page,
    /// repeatable filters (ListPublicips,
    /// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>). Only the page's
    /// records are copied under the lock;
    /// the JSON is built and serialized after it is released.
    pub(super) fn list_publicips(
        &self,
        parts: &Parts,
        request_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let pairs = query_pairs(parts);
        let limit = limit(first(&pairs, "limit"), self.config.max_limit)?;
        let filter = ListFilter::of(&pairs);
        let start = match first(&pairs, "marker") {
            Some(marker) if !marker.is_empty() => Bound::Excluded(marker),
            _ => Bound::Unbounded,
        };
        let page = {
            let now = Instant::now();
            let mut state = self.lock();
            state.settle(now);
            filter.page(&state.visible_eips(now), &state, start, limit)
        };
        let publicips = wire::Publicips {
            page: &page,
            tenant_id: &self.config.project_id,
        };
        Ok(json_response(
            StatusCode::OK,
            &wire::Named("publicips", publicips),
            request_id,
        ))
    }

    /// `PUT /v1/{project_id}/publicips/{id}`: bind, unbind or rename (UpdatePublicip,
    /// <https://support.huaweicloud.com/intl/zh-cn/api-eip/eip_api_0004.html>).
    pub(super) fn update_publicip(
        &self,
        id: &str,
        body: &[u8],
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let update = parse_update(body)?;
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let eip = state.eips.get(id).ok_or_else(ApiError::eip_not_found)?;
        let previous = lag.map(|_| eip.clone());
        let neutron = self.config.bind_order == BindOrder::Neutron;
        refuse_locked(eip, &update)?;
        match update {
            Update::Attributes { alias, ip_version } => {
                if eip.status == EipStatus::PendingDelete {
                    return Err(ApiError::busy());
                }
                let eip = state.eips.get_mut(id).ok_or_else(ApiError::eip_not_found)?;
                eip.alias = alias;
                if let Some(version) = ip_version {
                    eip.ip_version = version;
                    eip.public_ipv6 = (version == 6).then(|| ipv6_of(eip.public_ip));
                }
            }
            Update::Bind { port_id } => {
                let port = self
                    .port(&port_id)
                    .ok_or_else(|| ApiError::invalid("Port id is invalid."))?;
                // Binding an EIP that holds a port, even the same one, is refused with VPC.0510:
                // the API has no "already done" answer, and a client must not take a second PUT
                // for a successful bind without reading the EIP.
                if eip.port_id.is_some() {
                    return Err(already_bound());
                }
                if eip.status.is_transitional() {
                    return Err(ApiError::busy());
                }
                if state.eip_on_port(&port_id).is_some() {
                    return Err(port_taken());
                }
                let private_ip = port.ip_address;
                let status = eip.status;
                let eip = state.eips.get_mut(id).ok_or_else(ApiError::eip_not_found)?;
                eip.port_id = Some(port_id);
                eip.private_ip = Some(private_ip);
                // Neutron order: `port_id` is set at once and `status` follows (DOWN, then ACTIVE).
                let shown = if neutron {
                    status
                } else {
                    EipStatus::PendingUpdate
                };
                let delay = self.delay(&mut state);
                state.schedule(id, shown, now + delay, Next::Active);
            }
            Update::Unbind => {
                if eip.status.is_transitional() {
                    return Err(ApiError::busy());
                }
                // Unbinding an EIP that is not bound changes nothing and succeeds.
                if eip.port_id.is_some() {
                    let status = eip.status;
                    let delay = self.delay(&mut state);
                    if neutron {
                        // Neutron order: `port_id` goes at once, `status` follows (ACTIVE, then
                        // DOWN).
                        if let Some(eip) = state.eips.get_mut(id) {
                            eip.port_id = None;
                            eip.private_ip = None;
                        }
                        state.schedule(id, status, now + delay, Next::Down);
                    } else {
                        state.schedule(id, EipStatus::PendingUpdate, now + delay, Next::Down);
                    }
                }
            }
        }
        if let Some(previous) = previous {
            state.remember(id, lag, Some(previous));
        }
        self.respond_with(&state, id, request_id)
    }

    /// `DELETE /v1/{project_id}/publicips/{id}` → 204; the EIP lingers in `PENDING_DELETE`
    /// for one transition delay, then answers 404 (DeletePublicip,
    /// <https://support.huaweicloud.com/api-eip/eip_api_0005.html>).
    pub(super) fn delete_publicip(
        &self,
        id: &str,
        request_id: &str,
        lag: Option<Duration>,
    ) -> Result<Response<Body>, ApiError> {
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        let eip = state.eips.get(id).ok_or_else(ApiError::eip_not_found)?;
        if eip.status.is_transitional() {
            return Err(ApiError::busy());
        }
        match eip.status {
            EipStatus::Freezed => return Err(frozen()),
            // Delete error table: "used by ELB" is 500 VPC.0516, firewall rules 500 VPC.0518.
            EipStatus::Elb => return Err(used_by_elb()),
            _ if eip.firewall => {
                return Err(ApiError::vpc(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "VPC.0518",
                    "The floating IP is used by firewall rules.",
                ))
            }
            _ => {}
        }
        let previous = lag.map(|_| eip.clone());
        if eip.port_id.is_some() {
            return Err(ApiError::vpc(
                StatusCode::CONFLICT,
                "VPC.0517",
                "The floating IP is bound to a port. Unbind it first.",
            ));
        }
        let delay = self.delay(&mut state);
        state.schedule(id, EipStatus::PendingDelete, now + delay, Next::Gone);
        if let Some(previous) = previous {
            state.remember(id, lag, Some(previous));
        }
        Ok(empty_response(StatusCode::NO_CONTENT, request_id))
    }
}

/// The filters of `GET publicips` (ListPublicips,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>), read once per request
/// so that matching an
/// EIP compares values without formatting or copying its fields. An empty list means "not
/// filtered"; a filter whose values can never match holds an empty `Some` list.
struct ListFilter<'a> {
    ids: Vec<&'a str>,
    ports: Vec<&'a str>,
    publics: Option<Vec<Ipv4Addr>>,
    privates: Option<Vec<Ipv4Addr>>,
    /// `Some(None)`: an `ip_version` no EIP has.
    ip_version: Option<Option<u8>>,
    enterprise_project_id: Option<&'a str>,
}

impl<'a> ListFilter<'a> {
    fn of(pairs: &'a [(String, String)]) -> Self {
        let addresses = |key: &str| {
            let wanted = values(pairs, key);
            (!wanted.is_empty()).then(|| canonical_addresses(&wanted))
        };
        Self {
            ids: values(pairs, "id"),
            ports: values(pairs, "port_id"),
            publics: addresses("public_ip_address"),
            privates: addresses("private_ip_address"),
            ip_version: first(pairs, "ip_version")
                .map(|v| v.parse::<u8>().ok().filter(|n| n.to_string() == v)),
            // `all_granted_eps` means every enterprise project the caller may see.
            enterprise_project_id: first(pairs, "enterprise_project_id")
                .filter(|e| *e != "all_granted_eps"),
        }
    }

    fn keeps(&self, eip: &Eip) -> bool {
        let listed = |wanted: &[&str], value: Option<&str>| {
            wanted.is_empty() || value.is_some_and(|v| wanted.contains(&v))
        };
        let at = |wanted: &Option<Vec<Ipv4Addr>>, value: Option<Ipv4Addr>| {
            wanted
                .as_ref()
                .is_none_or(|w| value.is_some_and(|v| w.contains(&v)))
        };
        listed(&self.ids, Some(&eip.id))
            && listed(&self.ports, eip.port_id.as_deref())
            && at(&self.publics, Some(eip.public_ip))
            && at(&self.privates, eip.private_ip)
            && self.ip_version.is_none_or(|v| v == Some(eip.ip_version))
            && self
                .enterprise_project_id
                .is_none_or(|e| e == eip.enterprise_project_id)
    }

    /// Up to `limit` matching EIPs of `eips` after `start`, in id order, with their
    /// bandwidths, copied.
    fn page(
        &self,
        eips: &BTreeMap<String, Eip>,
        state: &State,
        start: Bound<&str>,
        limit: usize,
    ) -> Vec<(Eip, Option<Bandwidth>)> {
        let copy = |eip: &Eip| {
            (
                eip.clone(),
                state.visible_bandwidth(&eip.bandwidth_id).cloned(),
            )
        };
        if self.ids.is_empty() {
            return eips
                .range::<str, _>((start, Bound::Unbounded))
                .map(|(_, eip)| eip)
                .filter(|eip| self.keeps(eip))
                .take(limit)
                .map(copy)
                .collect();
        }
        // Named ids: look them up (in id order, each once) rather than scan every EIP.
        let mut ids = self.ids.clone();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter(|id| match start {
                Bound::Excluded(marker) => *id > marker,
                _ => true,
            })
            .filter_map(|id| eips.get(id))
            .filter(|eip| self.keeps(eip))
            .take(limit)
            .map(copy)
            .collect()
    }
}

/// The addresses among `values` that an EIP can show: addresses are matched as their
/// dotted-decimal text, so a value that is not exactly that text matches nothing.
fn canonical_addresses(values: &[&str]) -> Vec<Ipv4Addr> {
    values
        .iter()
        .filter_map(|text| {
            text.parse::<Ipv4Addr>()
                .ok()
                .filter(|ip| ip.to_string() == *text)
        })
        .collect()
}

/// Refuses a PUT on an EIP in a state the API cannot change: `FREEZED` (403 `VPC.0502`, the
/// create table's "tenant restricted (arrears or frozen)"), `ELB` (bind: 409 `VPC.0510`; unbind:
/// 500 `VPC.0516`, "used by ELB"), `VPN` (bind: 409 `VPC.0510`; unbind: 500 `VPC.0509`), and a
/// bind on `BIND_ERROR` (500 `VPC.0509`, "Floating ip double status is invalid."). Only the
/// codes come from Huawei's error table; which write gets which is the emulator's choice.
fn refuse_locked(eip: &Eip, update: &Update) -> Result<(), ApiError> {
    let double_status = || {
        ApiError::vpc(
            StatusCode::INTERNAL_SERVER_ERROR,
            "VPC.0509",
            "Floating ip double status is invalid.",
        )
    };
    match (eip.status, update) {
        (EipStatus::Freezed, _) => Err(frozen()),
        (EipStatus::Elb | EipStatus::Vpn, Update::Bind { .. }) => Err(already_bound()),
        (EipStatus::Elb, Update::Unbind) => Err(used_by_elb()),
        (EipStatus::Vpn, Update::Unbind) => Err(double_status()),
        (EipStatus::BindError, Update::Bind { .. }) => Err(double_status()),
        _ => Ok(()),
    }
}

fn frozen() -> ApiError {
    ApiError::vpc(
        StatusCode::FORBIDDEN,
        "VPC.0502",
        "The floating IP is frozen.",
    )
}

fn used_by_elb() -> ApiError {
    ApiError::vpc(
        StatusCode::INTERNAL_SERVER_ERROR,
        "VPC.0516",
        "The floating IP is used by ELB.",
    )
}

/// 409 `VPC.0510`: the EIP is already bound.
fn already_bound() -> ApiError {
    ApiError::vpc(
        StatusCode::CONFLICT,
        "VPC.0510",
        "The floating IP is already bound.",
    )
}

/// 409 `VPC.0511`: the port already has an EIP.
fn port_taken() -> ApiError {
    ApiError::vpc(
        StatusCode::CONFLICT,
        "VPC.0511",
        "The port already has a floating IP.",
    )
}

/// The IPv6 address of a dual-stack EIP, derived from its IPv4 address.
fn ipv6_of(ip: Ipv4Addr) -> Ipv6Addr {
    let [a, b, c, d] = ip.octets();
    Ipv6Addr::new(
        0x2407,
        0xc080,
        0x1200,
        0,
        0,
        0,
        u16::from_be_bytes([a, b]),
        u16::from_be_bytes([c, d]),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A project with EIPs `id-00` … `id-09` at 121.36.1.10 … 19; `id-04` bound, `id-06` IPv6.
    fn state() -> State {
        let mut state = State::new(1, Vec::new());
        for n in 0..10u8 {
            let bound = n == 4;
            state.insert_eip(Eip {
                id: format!("id-{n:02}"),
                kind: "5_bgp".to_owned(),
                ip_version: if n == 6 { 6 } else { 4 },
                public_ip: Ipv4Addr::new(121, 36, 1, 10 + n),
                public_ipv6: None,
                alias: None,
                status: EipStatus::Down,
                transition: None,
                port_id: bound.then(|| "port-a".to_owned()),
                private_ip: bound.then_some(Ipv4Addr::new(192, 168, 0, 11)),
                bandwidth_id: String::new(),
                enterprise_project_id: "0".to_owned(),
                created: OffsetDateTime::UNIX_EPOCH,
                firewall: false,
                tags: BTreeMap::new(),
            });
        }
        state
    }

    fn ids(query: &[(&str, &str)], marker: Option<&str>, limit: usize) -> Vec<String> {
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let start = marker.map_or(Bound::Unbounded, Bound::Excluded);
        let state = state();
        ListFilter::of(&pairs)
            .page(&state.eips, &state, start, limit)
            .into_iter()
            .map(|(eip, _)| eip.id)
            .collect()
    }

    #[test]
    fn named_ids_are_listed_once_in_id_order_after_the_marker() {
        let query = [
            ("id", "id-07"),
            ("id", "id-02"),
            ("id", "nope"),
            ("id", "id-05"),
            ("id", "id-02"),
        ];
        assert_eq!(ids(&query, None, 10), ["id-02", "id-05", "id-07"]);
        assert_eq!(ids(&query, Some("id-02"), 1), ["id-05"]);
        assert_eq!(ids(&query, Some("id-07"), 10), Vec::<String>::new());
    }

    #[test]
    fn filters_compare_exact_text_without_formatting_each_eip() {
        let publics = [
            ("public_ip_address", "121.36.1.013"),
            ("public_ip_address", "121.36.1.15"),
            ("public_ip_address", "bogus"),
        ];
        // A zero-padded octet is not the address's text, so it matches nothing.
        assert_eq!(ids(&publics, None, 10), ["id-05"]);
        assert_eq!(
            ids(&[("public_ip_address", "bogus")], None, 10),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(&[("private_ip_address", "192.168.0.11")], None, 10),
            ["id-04"]
        );
        assert_eq!(ids(&[("port_id", "port-a")], None, 10), ["id-04"]);
        assert_eq!(ids(&[("ip_version", "6")], None, 10), ["id-06"]);
        assert_eq!(ids(&[("ip_version", "06")], None, 10), Vec::<String>::new());
        assert_eq!(
            ids(&[("ip_version", "4")], Some("id-06"), 2),
            ["id-07", "id-08"]
        );
        assert_eq!(
            ids(&[("enterprise_project_id", "other")], None, 10),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(&[("enterprise_project_id", "all_granted_eps")], None, 3),
            ["id-00", "id-01", "id-02"]
        );
    }
}
