//! Huawei Cloud: IAM (Keystone v3 password tokens, project lookup), AK/SK `SDK-HMAC-SHA256`
//! verification and the VPC v1 `publicips`, `ports` and `bandwidths` APIs.
//!
//! Comments cite the public sources: Huawei's EIP, VPC and IAM API references and the official
//! Python SDK (huaweicloud-sdk-python-v3).
//! # Control operations (`POST /_sim/huawei/{op}`, or [`Sim::control`](crate::Sim::control))
//!
//! | op | body | effect |
//! |---|---|---|
//! | `revoke_tokens` | `{}` or `{"token":"MII..."}` | every token (or one) is refused from now on (`VPC.0008`) |
//! | `expire_tokens` | `{}` | every token issued so far is expired now |
//! | `seed_eips` | `{"count":N}` | N `DOWN` EIPs with dedicated 5 Mbit/s bandwidths, created at once |
//! | `token_count` | `{}` | `{"count":N}`: tokens issued since the start (or the last reset) |
//! | `set_status` | `{"id":"…","status":"FREEZED"\|"BIND_ERROR"\|"ELB"\|"VPN"\|"DOWN"\|"ACTIVE","port_id":"…","firewall":true}` | puts an EIP in a state the API cannot reach (`ELB`, `VPN`, `ACTIVE` need a `port_id`) |
//! | `set_ip_pool` | `{"free":N}` or `{"free":null}` | addresses left in the region's pool; at 0 a create is 500 `VPC.0504` |
//! | `eip` | `{"id":"…"}` | `{"id","tags":{k:v},"enterprise_project_id","bandwidth_id","share_type"}`: one EIP as held (no read lag) |
//! | `bandwidths` | `{}` | `{"bandwidths":[{"id","share_type","size","charge_mode","publicips":[…]}]}`: every bandwidth and its addresses |
//! | `expire_credentials` | `{}` | every temporary AK/SK issued so far (metadata, federation, agency) expires now |
//! | `rotate_id_token` | `{"token":"…"}` | the OIDC id token accepted from now on (the previous one is refused) |
//! | `credentials_issued` | `{}` | `{"metadata":N,"federation":N,"agency":N,"token":N}`: temporary AK/SKs issued |
//! | `set_metadata` | `{"token":"optional"\|"required"\|"not_found"\|"method_not_allowed","agency_name":"…"\|null}` | changes the metadata service |
//!
//! Shared bandwidths (`WHOLE`) are seeded from [`HuaweiConfig::shared_bandwidths`].
//!
//! # The v2.0 and EPS APIs
//!
//! Tags (`tags` module: `/v2.0/{project_id}/publicips/{id}/tags[/action]`,
//! `/v2.0/{project_id}/publicips/tags`, `/v2.0/{project_id}/publicips/resource_instances/action`),
//! shared-bandwidth membership (`bandwidths`: `/v2.0/{project_id}/bandwidths/{id}/insert` and
//! `/remove`) and enterprise-project migration (`eps`:
//! `/v1.0/enterprise-projects/{id}/resources-migrate`, served on the same address as the VPC
//! API). A create names an enterprise project `0` or a UUID (400 `VPC.0011` otherwise), and may
//! ask for an address of the pool 121.36.0.0/16 that no EIP holds (409 `VPC.0522` otherwise).
//!
//! # Credentials it issues
//!
//! - ECS metadata: `PUT /meta-data/latest/api/token` (`X-Metadata-Token-Ttl-Seconds`, 1 to
//!   21600), `GET /openstack/latest/securitykey` (the instance agency's temporary AK/SK,
//!   `{"credential":{"access","secret","securitytoken","expires_at"}}`) and
//!   `GET /openstack/latest/meta_data.json` (`uuid`, `availability_zone`, `region_id`).
//! - OIDC federation: `POST /v3.0/OS-AUTH/id-token/tokens` with `X-Idp-Id` → an unscoped token in
//!   `X-Subject-Token`; `POST /v3.0/OS-CREDENTIAL/securitytokens` with `methods:["token"]` → a
//!   temporary AK/SK.
//! - Agencies: the same `securitytokens` call with `methods:["assume_role"]`
//!   (`CreateTemporaryAccessKeyByAgency`), signed with any valid credentials.
//! - A temporary AK/SK must be sent with its `X-Security-Token`; once expired, every call is
//!   401 `APIGW.0301` "Incorrect IAM authentication information: the security token has
//!   expired" (the code of the API gateway's authentication failures, APIG FAQ
//!   <https://support.huaweicloud.com/intl/en-us/apig_faq/apig-faq-0003.html>; the wording is
//!   the emulator's).
//!
//! # States and the codes they give
//!
//! - `FREEZED`: every PUT and DELETE is 403 `VPC.0502`.
//! - `ELB`: bind 409 `VPC.0510`, unbind and delete 500 `VPC.0516` ("used by ELB").
//! - `VPN`: bind 409 `VPC.0510`, unbind 500 `VPC.0509`; delete 409 `VPC.0517` (bound).
//! - `BIND_ERROR`: bind 500 `VPC.0509`; unbind is allowed.
//! - `firewall`: delete 500 `VPC.0518`.
//!
//! The codes are Huawei's (error-code table,
//! <https://support.huaweicloud.com/intl/en-us/api-eip/ErrorCode.html>);
//! which write gets which one where the table is silent is the emulator's choice.
//!
//! # Bind order
//!
//! [`BindOrder::Pending`] (the default) or [`BindOrder::Neutron`] (`port_id` changes on the
//! PUT, `status` follows): the real order is not documented, so a client must be right under
//! both.
//!
//! # Choices where the sources are silent
//!
//! - With [`BindOrder::Pending`], a bind PUT shows `port_id` and `private_ip_address` at once,
//!   with status `PENDING_UPDATE` until `ACTIVE`; an unbind keeps them until `DOWN`.
//! - An unknown port on `GET ports/{id}` is 404 `VPC.0101` "Port could not be found.".
//! - Binding an EIP that already holds a port, even the same one, is 409 `VPC.0510`.
//! - Unbinding an EIP that is not bound succeeds and changes nothing.
//! - `limit=0` or no `limit` gives the default page of `max_limit` items.
//! - An unknown bandwidth id is 404 `VPC.0504` ("Bandwidth could not be found.").
//! - Injected 503s are gateway-shaped (`APIGW.0202`), injected 500s are `VPC.0514`.
//! - Request ids are the server's UUID without dashes, lower case (32 hex digits).
//! - No AK lockout after failed signatures (the API signing guide,
//!   <https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html> mentions one; tests
//!   need retries).
//!
//! Layout: `verifier` (signatures), `auth` (who may call), `iam` (tokens, projects),
//! `publicips` / `ports` / `bandwidths` (the VPC routes), `state` (what the project holds and
//! its lazy transitions), `wire` (response objects), `reply` (response and error shapes).

mod auth;
mod bandwidths;
mod config;
mod eps;
mod federation;
mod iam;
mod metadata;
mod ports;
mod publicips;
mod reply;
mod request;
mod state;
mod tags;
mod validate;
mod verifier;
mod wire;

pub use config::{
    line_types, AgencySeed, BandwidthSeed, BindOrder, FederationConfig, HuaweiConfig, HuaweiInfo,
    MetadataConfig, MetadataTokenMode, PortInfo, PortSeed, ServerInfo, ServerSeed,
};

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::server::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::request::Parts;
use http::{Response, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::cloud::{Cloud, CloudApi, CommonConfig, Effects, InjectedError, InventoryItem, Timing};
use crate::faults::QuotaHit;
use reply::ApiError;
use request::Route;
use state::{Bandwidth, Eip, EipStatus, Port, ShareType, State};

/// The emulated Huawei Cloud, plugged into the shared server.
pub(crate) struct HuaweiSim {
    config: HuaweiConfig,
    /// How long `PENDING_*` states last, and the time scale.
    timing: Timing,
    seed: u64,
    /// `false`: VPC and IAM calls are served without checking a token or signature
    /// (`SimBuilder::verify_signatures`).
    verify_signatures: bool,
    /// The project's NICs, sorted by id; they never change.
    ports: Vec<Port>,
    state: Mutex<State>,
}

impl HuaweiSim {
    /// A fresh cloud holding the configured servers and ports and no EIP.
    pub(crate) fn new(config: HuaweiConfig, common: &CommonConfig) -> Self {
        let ports = Port::from_seeds(&config);
        let state = Mutex::new(fresh_state(&config, common.seed));
        Self {
            config,
            timing: common.timing(),
            seed: common.seed,
            verify_signatures: common.verify_signatures,
            ports,
            state,
        }
    }

    /// What a client needs to reach this cloud, with both endpoints at `base_url`.
    pub(crate) fn info(&self, base_url: &str) -> HuaweiInfo {
        HuaweiInfo::new(&self.config, base_url)
    }

    /// The state; a panic in another request does not make it unusable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A transition's duration, drawn and scaled.
    fn delay(&self, state: &mut State) -> std::time::Duration {
        self.timing.transition(state.rng())
    }

    fn dispatch(
        &self,
        parts: &Parts,
        body: &[u8],
        request_id: &str,
        effects: Effects,
    ) -> Result<Response<Body>, ApiError> {
        let lag = effects.read_lag;
        let route = Route::of(&parts.method, parts.uri.path());
        if let Some(project) = route.project() {
            self.authorize_vpc(parts, body, project)?;
        }
        if let Route::MigrateResource { .. } = &route {
            self.authorize_global(parts, body)?;
        }
        match &route {
            Route::CreateToken => self.create_token(parts, body, request_id),
            Route::ListProjects => self.list_projects(parts, body, request_id),
            Route::CreatePublicip { .. } => self.create_publicip(body, request_id, lag),
            Route::ListPublicips { .. } => self.list_publicips(parts, request_id),
            Route::ShowPublicip { id, .. } => self.show_publicip(id, request_id),
            Route::UpdatePublicip { id, .. } => self.update_publicip(id, body, request_id, lag),
            Route::DeletePublicip { id, .. } => self.delete_publicip(id, request_id, lag),
            Route::ListPorts { .. } => self.list_ports(parts, request_id),
            Route::ShowPort { id, .. } => self.show_port(id, request_id),
            Route::ListPortsV3 { .. } => self.list_ports_v3(parts, request_id),
            Route::UpdateBandwidth { id, .. } => self.update_bandwidth(id, body, request_id),
            Route::TagAction { id, .. } => self.tag_action(id, body, request_id, lag),
            Route::CreateTag { id, .. } => self.create_tag(id, body, request_id, lag),
            Route::DeleteTag { id, key, .. } => self.delete_tag(id, key, request_id, lag),
            Route::ShowTags { id, .. } => self.show_tags(id, request_id),
            Route::ListProjectTags { .. } => self.project_tags(request_id),
            Route::ListPublicipsByTags { .. } => self.resource_instances(body, request_id),
            Route::InsertIntoBandwidth { id, .. } => {
                self.insert_into_bandwidth(id, body, request_id, lag)
            }
            Route::RemoveFromBandwidth { id, .. } => {
                self.remove_from_bandwidth(id, body, request_id, lag)
            }
            Route::MigrateResource { enterprise_project } => {
                self.migrate_resource(enterprise_project, body, request_id, lag)
            }
            Route::MetadataToken => self.metadata_token(parts, request_id),
            Route::MetadataSecurityKey => self.metadata_security_key(parts, request_id),
            Route::MetadataInstance => self.metadata_instance(parts, request_id),
            Route::CreateTokenWithIdToken => {
                self.create_token_with_id_token(parts, body, request_id)
            }
            Route::CreateTemporaryAccessKey => {
                self.create_temporary_access_key(parts, body, request_id)
            }
            Route::Unknown => Err(ApiError::no_such_api()),
        }
    }

    /// Control `seed_eips`: `count` `DOWN` EIPs created at once (for listing benchmarks).
    fn seed_eips(&self, body: &Value) -> Result<Value, String> {
        let count = body
            .get("count")
            .and_then(Value::as_u64)
            .ok_or("\"count\" must be a non-negative integer")?;
        let count = crate::check_seed_count(count).map_err(|e| e.to_string())?;
        let mut state = self.lock();
        state.settle(Instant::now());
        if state.eips.len() + count > self.config.quota {
            return Err(format!(
                "{count} more EIPs would exceed the quota of {}",
                self.config.quota
            ));
        }
        let created = OffsetDateTime::now_utc();
        let mut ids = Vec::with_capacity(count);
        for n in 0..count {
            let bandwidth_id = state.new_id();
            let bandwidth = Bandwidth {
                id: bandwidth_id.clone(),
                name: format!("sim-bandwidth-{n}"),
                size: 5,
                share_type: ShareType::Per,
                charge_mode: "bandwidth".to_owned(),
                enterprise_project_id: "0".to_owned(),
                created,
                updated: created,
            };
            state.bandwidths.insert(bandwidth_id.clone(), bandwidth);
            let id = state.new_id();
            let public_ip = state.next_public_ip();
            let eip = Eip {
                id: id.clone(),
                kind: "5_bgp".to_owned(),
                ip_version: 4,
                public_ip,
                public_ipv6: None,
                alias: None,
                status: EipStatus::Down,
                transition: None,
                port_id: None,
                private_ip: None,
                bandwidth_id,
                enterprise_project_id: "0".to_owned(),
                created,
                firewall: false,
                tags: BTreeMap::new(),
            };
            ids.push(id);
            state.insert_eip(eip);
        }
        Ok(json!({ "created": count, "total": state.eips.len(), "ids": ids }))
    }

    /// Control `eip {"id":"…"}`: the EIP's tags, enterprise project and bandwidth as held,
    /// never a lagged version.
    fn eip_attributes(&self, body: &Value) -> Result<Value, String> {
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .ok_or("eip needs an \"id\"")?;
        let mut state = self.lock();
        state.settle(Instant::now());
        let eip = state.eips.get(id).ok_or_else(|| format!("no EIP {id}"))?;
        let share_type = state
            .bandwidths
            .get(&eip.bandwidth_id)
            .map(|b| b.share_type.as_str());
        Ok(json!({
            "id": eip.id,
            "tags": eip.tags,
            "enterprise_project_id": eip.enterprise_project_id,
            "bandwidth_id": eip.bandwidth_id,
            "share_type": share_type,
        }))
    }

    /// Control `set_status {"id":"…","status":"FREEZED"|"BIND_ERROR"|"ELB"|"VPN"|"DOWN"|
    /// "ACTIVE","port_id":"…","firewall":true}`: puts an EIP in a state the API cannot reach.
    /// `ELB`, `VPN` and `ACTIVE` need a `port_id` (for ELB and VPN, the VIP port);
    /// `DOWN` clears it; `firewall` makes a delete fail with `VPC.0518`.
    fn set_status(&self, body: &Value) -> Result<Value, String> {
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .ok_or("set_status needs an \"id\"")?;
        let status = match body.get("status").and_then(Value::as_str) {
            None => None,
            Some(text) => Some(EipStatus::parse(text).ok_or_else(|| {
                format!("status {text:?} is not one of DOWN, ACTIVE, FREEZED, BIND_ERROR, ELB, VPN")
            })?),
        };
        let port_id = body.get("port_id").and_then(Value::as_str);
        let mut state = self.lock();
        state.settle(Instant::now());
        let eip = state
            .eips
            .get_mut(id)
            .ok_or_else(|| format!("no EIP {id}"))?;
        if let Some(status) = status {
            let needs_port = matches!(status, EipStatus::Elb | EipStatus::Vpn | EipStatus::Active);
            match port_id {
                Some(port) if !port.is_empty() => eip.port_id = Some(port.to_owned()),
                _ if needs_port && eip.port_id.is_none() => {
                    return Err(format!("status {} needs a \"port_id\"", status.as_str()))
                }
                _ => {}
            }
            if status == EipStatus::Down {
                eip.port_id = None;
                eip.private_ip = None;
            }
            eip.status = status;
            eip.transition = None;
        }
        if let Some(firewall) = body.get("firewall").and_then(Value::as_bool) {
            eip.firewall = firewall;
        }
        Ok(json!({"id": id, "status": eip.status.as_str(), "port_id": eip.port_id}))
    }
}

/// Huawei request ids are 32 lower-case hex digits (huaweicloud/terraform-provider-huaweicloud#1335
/// shows
/// `d4e8174b8df00840aef0c6907ec0e384`); the server's UUID loses its dashes and case.
fn huawei_request_id(server_id: &str) -> String {
    server_id
        .chars()
        .filter(|c| *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A project with no EIP, no token and the seeded shared bandwidths.
fn fresh_state(config: &HuaweiConfig, seed: u64) -> State {
    let created = OffsetDateTime::now_utc();
    let shared = config
        .shared_bandwidths
        .iter()
        .map(|b| Bandwidth {
            id: b.id.clone(),
            name: b.name.clone(),
            size: b.size,
            share_type: ShareType::Whole,
            charge_mode: "bandwidth".to_owned(),
            enterprise_project_id: "0".to_owned(),
            created,
            updated: created,
        })
        .collect();
    let mut state = State::new(seed, shared);
    state.ip_pool = config.ip_pool;
    state.metadata_token_mode = config.metadata.token;
    state
        .metadata_agency
        .clone_from(&config.metadata.agency_name);
    state.id_token.clone_from(&config.federation.id_token);
    state
}

impl CloudApi for HuaweiSim {
    fn cloud(&self) -> Cloud {
        Cloud::Huawei
    }

    fn action(&self, parts: &Parts, body: &Bytes) -> String {
        let route = Route::of(&parts.method, parts.uri.path());
        if let Route::TagAction { .. } = route {
            let delete = serde_json::from_slice::<Value>(body)
                .is_ok_and(|b| b.get("action").and_then(Value::as_str) == Some("delete"));
            if delete {
                return "BatchDeletePublicipTags".to_owned();
            }
        }
        route.action().to_owned()
    }

    fn gateway_error(&self, status: StatusCode, request_id: &str) -> Response<Body> {
        ApiError::gateway(status).into_response(&huawei_request_id(request_id))
    }

    /// 429 `APIGW.0308` naming the policy, as a real answer of vpc.cn-north-4 does
    /// (huaweicloud/terraform-provider-huaweicloud#1335: "policy user over
    /// ratelimit,limit:200,time:5 minute"; sbercloud-terraform/terraform-provider-sbercloud#388:
    /// "policy ip over ratelimit,limit:5,time:1 second"). The window is the effective one,
    /// so a client that waits for it stays within a time-scaled run.
    fn quota_error(&self, quota: &QuotaHit, request_id: &str) -> Response<Body> {
        let message = format!(
            "The throttling threshold has been reached: policy {} over ratelimit,limit:{},time:{}",
            quota.scope.as_str(),
            quota.limit,
            quota.window_text()
        );
        ApiError::Gateway {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "APIGW.0308",
            message,
        }
        .into_response(&huawei_request_id(request_id))
    }

    fn injected_error(&self, error: InjectedError, request_id: &str) -> Response<Body> {
        let request_id = &huawei_request_id(request_id);
        let error = match error {
            // A throttle drawn by chance names no window (the windowed answers, `APIGW.0308 ...
            // time:5 minute`, come from the quota fault kind, which really counts a window); the
            // older gateway's code, whose advice is to retry after a few seconds
            // (https://support.huaweicloud.com/intl/en-us/oce_faq/en-us_topic_0000001887959462.html).
            InjectedError::Throttled => ApiError::Gateway {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "APIG.0308",
                message: "The request is throttled.".to_owned(),
            },
            InjectedError::Unavailable => ApiError::Gateway {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "APIGW.0202",
                message: "The backend service is unavailable.".to_owned(),
            },
            InjectedError::Internal => ApiError::vpc(
                StatusCode::INTERNAL_SERVER_ERROR,
                "VPC.0514",
                "Neutron error, please try again later.",
            ),
            InjectedError::Busy => ApiError::busy(),
        };
        error.into_response(request_id)
    }

    fn handle(
        &self,
        parts: Parts,
        body: Bytes,
        request_id: String,
        effects: Effects,
    ) -> BoxFuture<'_, Response<Body>> {
        Box::pin(async move {
            let request_id = huawei_request_id(&request_id);
            match self.dispatch(&parts, &body, &request_id, effects) {
                Ok(response) => response,
                Err(error) => error.into_response(&request_id),
            }
        })
    }

    fn inventory(&self) -> Vec<InventoryItem> {
        let mut state = self.lock();
        state.settle(Instant::now());
        state
            .eips
            .values()
            .map(|eip| InventoryItem {
                cloud: Cloud::Huawei,
                id: eip.id.clone(),
                address: eip.public_ip.into(),
                status: eip.status.as_str().to_owned(),
                bound_to: eip.port_id.clone(),
                name: eip.alias.clone(),
            })
            .collect()
    }

    fn reset(&self) {
        *self.lock() = fresh_state(&self.config, self.seed);
    }

    fn control(&self, op: &str, body: Value) -> Result<Value, String> {
        match op {
            "revoke_tokens" => self.revoke_tokens(&body),
            "expire_tokens" => Ok(self.expire_tokens()),
            "seed_eips" => self.seed_eips(&body),
            "set_status" => self.set_status(&body),
            "set_ip_pool" => {
                let free = match body.get("free") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(
                        v.as_u64()
                            .and_then(|n| usize::try_from(n).ok())
                            .ok_or("\"free\" must be a non-negative integer or null")?,
                    ),
                };
                self.lock().ip_pool = free;
                Ok(json!({ "free": free }))
            }
            "token_count" => Ok(json!({ "count": self.lock().tokens_issued })),
            "bandwidths" => Ok(self.bandwidth_inventory()),
            "eip" => self.eip_attributes(&body),
            "expire_credentials" => Ok(self.expire_credentials()),
            "rotate_id_token" => self.rotate_id_token(&body),
            "credentials_issued" => Ok(self.credentials_issued()),
            "set_metadata" => self.set_metadata(&body),
            _ => Err(format!("unknown huawei control operation {op:?}")),
        }
    }
}
