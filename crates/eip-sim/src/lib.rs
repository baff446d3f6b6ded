//! A wire-faithful emulator of the Alibaba Cloud VPC EIP API (RPC, 2016-04-28) and the Huawei
//! Cloud IAM + VPC v1 EIP APIs, for tests and CI — in-process or as the `eip-sim` binary.
//!
//! It checks signatures with its own code (sharing nothing with the client crates), answers with
//! the documented status codes and error bodies, makes association and release asynchronous
//! with configurable transition times, and injects faults deterministically: throttling, 5xx,
//! dropped connections, "commit then drop", and the ways real gateways fail — a write executed
//! and then answered with a gateway error (`commit_then_error`), a write applied after the
//! client gave up (`late_delivery`), reads that lag writes (`read_lag`), and quota windows with
//! the clouds' own throttling answers. A global time scale compresses every emulated duration,
//! so second-scale behaviour runs in a test in milliseconds.
//!
//! # In-process
//!
//! ```
//! use std::time::Duration;
//! use eip_sim::{Cloud, FaultKind, FaultRule, InjectedError, SimBuilder, Trigger};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = SimBuilder::new().seed(7).transition_delay(Duration::from_millis(20)).start().await?;
//! println!("Alibaba endpoint {} key {}", sim.alibaba().endpoint, sim.alibaba().access_key_id);
//!
//! // The next AllocateEipAddress is throttled (Alibaba `Throttling.User`, HTTP 400).
//! sim.faults().add(
//!     FaultRule::new(FaultKind::Error(InjectedError::Throttled), Trigger::Times(1))
//!         .cloud(Cloud::Alibaba)
//!         .action("AllocateEipAddress"),
//! );
//!
//! // Seed EIPs directly, then look at the inventory.
//! sim.control(Cloud::Alibaba, "seed_eips", serde_json::json!({"count": 3, "name_prefix": "doc"}))?;
//! assert_eq!(sim.inventory().len(), 3);
//! assert!(sim.requests().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! Dropping the [`Sim`] stops the server.
//!
//! # The realistic profile
//!
//! [`SimBuilder::realistic`] (`eip-sim --profile realistic`) turns on a documented mix — see
//! [`Realistic`] for each part and its public source:
//!
//! - commit-then-504 on 10 % of writes (Huawei `504 APIG.0201 "Backend timeout."`, Alibaba
//!   `503 ServiceUnavailable`), late delivery (15 s) on 5 % of writes;
//! - read lag: 2 s after every write, a new EIP is 404 (Huawei) / absent (Alibaba) and a changed
//!   one shows its previous state;
//! - Huawei quota windows: 200 requests per 5 minutes per account, 5 per second per client IP
//!   (429 `APIGW.0308` "policy user over ratelimit,limit:200,time:5 minute");
//! - transitions uniform in 2–5 s; the Neutron bind order on Huawei ([`BindOrder::Neutron`]).
//!
//! Each part is a field of [`Realistic`]; pass a modified one to [`SimBuilder::profile`], and
//! call [`SimBuilder::transitions`], [`SimBuilder::huawei_bind_order`] after it to override
//! those. With `time_scale(0.01)` the whole mix runs 100 times faster (windows included; the
//! Huawei throttling message then names the scaled window).
//!
//! ```
//! use std::time::Duration;
//! use eip_sim::{Realistic, SimBuilder};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let profile = Realistic { late_delivery: 0.0, ..Realistic::default() };
//! let sim = SimBuilder::new().profile(profile).time_scale(0.01).start().await?;
//! assert!(!sim.faults().rules().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! One listener serves everything, routed by path: `/_sim/...` is the control API, `/v3/...`,
//! `/v3.0/...`, `/v1/...`, `/v2.0/...` and `/v1.0/...` are Huawei (IAM, VPC, and EPS),
//! `/openstack/...` and `/meta-data/...` Huawei's ECS metadata service, `/latest/...` Alibaba's
//! instance metadata service, everything else is Alibaba's RPC API (path `/`: the VPC API and
//! STS, told apart by `Version`).
//!
//! # Control API
//!
//! Under `/_sim` on the same listener; not logged and not subject to faults. JSON in and out.
//! It answers loopback clients only (others get 403) unless
//! [`SimBuilder::control_allow_remote`] / `--control-allow-remote` says otherwise: it hands out
//! credentials and rewrites state.
//!
//! | route | effect |
//! |---|---|
//! | `GET /_sim` or `GET /_sim/contract` | the binary's JSON line (endpoints, credentials, instances) |
//! | `GET /_sim/inventory` | every EIP of both clouds: `[{cloud, id, address, status, bound_to, name}]` |
//! | `GET /_sim/requests` | the request log: `[{cloud, action, method, path, status, error_code, fault, at_ms, duration_ms}]` |
//! | `DELETE /_sim/requests` | clears the request log |
//! | `POST /_sim/reset` | forgets every EIP, nonce, token and idempotency record, and clears the log; fault rules stay |
//! | `GET /_sim/faults` | the fault rules in force |
//! | `POST /_sim/faults` | adds a [`FaultRule`], e.g. `{"cloud":"alibaba","action":"AllocateEipAddress","kind":{"error":"throttled"},"trigger":{"probability":0.3}}` |
//! | `DELETE /_sim/faults` | removes every rule and zeroes the counters |
//! | `GET /_sim/faults/stats` | [`FaultStats`]: injected faults by kind |
//! | `POST /_sim/alibaba/{op}` | Alibaba control ops: `seed_eips {"count":N,"name_prefix":"bulk"}` creates N Available EIPs (at most [`MAX_SEED_EIPS`]); `set_quota {"quota":N}`; `set_lock {"allocation_id":"eip-…","lock_reasons":["financial"\|"security"],"business_status":"FinancialLocked"}` (empty list: unlocked; a locked EIP refuses writes with `Forbidden.FinancialLocked` 403 / `InvalidEIPStatus.BizDisabled` 400); `join_bandwidth_package {"allocation_id":"eip-…","package_id":"cbwp-…","bandwidth":200}` (`Bandwidth` then reads 200, `EipBandwidth` the EIP's own); `create_bandwidth_package {"id":"cbwp-…","bandwidth":200,"isp":"BGP"}` adds an Internet Shared Bandwidth; `eip {"allocation_id":"eip-…"}` shows one EIP's `tags`, `resource_group_id`, `package_id` and `deletion_protection` as held (no read lag); `bandwidth_packages {}` lists them with their member EIPs (`members`), their `status` (`Available`, or `BINDING`/`UNBINDING` while a membership change runs) and each member row's state (`relations`: allocation id → `BINDING`, `BINDED`, `UNBINDING`); credentials: `set_metadata {"imdsv2_required":true,"tokens_available":false,"role_name":"R"\|null}`, `expire_credentials {}` (every issued STS/instance-role key answers `InvalidSecurityToken.Expired`), `revoke_oidc_token {"token":"…"}` (that token is `AuthenticationFail.OIDCToken.Expired` from then on), `rotate_oidc_token {"token":"…"}` (the one token `AssumeRoleWithOIDC` accepts from then on, the previous one expired; any other is 401 `AuthenticationFail.OIDCToken.Invalid`) |
//! | `POST /_sim/huawei/{op}` | Huawei control ops: token revocation and expiry, `seed_eips`, `set_status`, `set_ip_pool` (see the Huawei module) |
//!
//! Fault JSON: `kind` is `{"error":"throttled"|"unavailable"|"internal"|"busy"}`,
//! `"close_connection"`, `"commit_then_drop"`, `{"latency":{"fixed_ms":N,"jitter_ms":M}}`,
//! `{"commit_then_error":{"status":504}}`, `{"late_delivery":{"delay_ms":N}}`,
//! `{"read_lag":{"lag_ms":N}}` or `{"quota":{"scope":"user"|"api"|"ip","limit":N,"window_ms":M}}`;
//! `trigger` is `{"probability":P}`, `{"sequence":[false,true]}` or `{"times":N}` (ignored by
//! quota windows); `cloud` and `action` are optional filters, `except` a list of actions the
//! rule skips. See [`FaultKind`].
//!
//! # Answers as the real APIs send them
//!
//! - Alibaba DescribeEipAddresses spells the description `Descritpion` (and never
//!   `Description`); `PrivateIpAddress` is `""` for an ECS binding; `EipBandwidth` is the EIP's
//!   own bandwidth, `Bandwidth` the shared package's once it joined one; `OperationLocks` and
//!   `BusinessStatus` show locks.
//! - Huawei v1 ListPorts takes ONE `id` (a repeated `id` uses the first value);
//!   `GET /v1/{project}/ports/{id}` and the v3 `GET /v3/{project}/ports` (an `id` list) are
//!   served too. Lists accept `enterprise_project_id` (`all_granted_eps`: every project).
//!   A create with a line type the region does not offer is 400 `VPC.0501`
//!   ([`huawei::line_types`]).
//!
//! # Limits
//!
//! The request log is a ring buffer ([`SimBuilder::request_log_capacity`], default 100,000;
//! [`Sim::requests_dropped`] counts what fell out). Connections are closed when their request
//! headers take longer than [`SimBuilder::header_read_timeout`] (30 s) or when idle for
//! [`SimBuilder::idle_timeout`] (120 s). `seed_eips` creates at most [`MAX_SEED_EIPS`] per call
//! ([`SeedError::TooMany`]).
//!
//! # Default credentials
//!
//! Fixed test values, like LocalStack's: see [`AlibabaConfig`] and [`HuaweiConfig`]; the
//! binary prints them in its JSON line.

#![deny(missing_docs)]

pub mod alibaba;
mod cloud;
mod control;
mod faults;
pub mod huawei;
mod log;
mod profile;
mod server;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use alibaba::{
    AddressPool, AlibabaConfig, AlibabaInfo, CommonBandwidthPackage, EcsMetadataConfig, OidcConfig,
};
pub use cloud::{Cloud, CommonConfig, InjectedError, InventoryItem, TransitionTime};
pub use faults::{
    FaultKind, FaultRule, FaultStats, Faults, QuotaHit, QuotaScope, QuotaWindow, Trigger,
};
pub use huawei::{BindOrder, HuaweiConfig, HuaweiInfo, MetadataTokenMode};
pub use log::LoggedRequest;
pub use profile::{Realistic, WRITE_ACTIONS};

use alibaba::AlibabaSim;
use huawei::HuaweiSim;
use server::{ConnectionLimits, Shared};

/// The most EIPs one `seed_eips` control call may create.
pub const MAX_SEED_EIPS: usize = 100_000;

/// Why a `seed_eips` request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedError {
    /// More EIPs were asked for than one call may create ([`MAX_SEED_EIPS`]).
    TooMany {
        /// How many were asked for.
        requested: u64,
        /// The most one call creates.
        max: usize,
    },
    /// The cloud refused (its EIP quota would be exceeded, or a bad argument).
    Refused(String),
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooMany { requested, max } => write!(
                f,
                "seed_eips count {requested} is more than the {max} one call may create"
            ),
            Self::Refused(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SeedError {}

/// Checks a `seed_eips` count against [`MAX_SEED_EIPS`].
pub(crate) fn check_seed_count(count: u64) -> Result<usize, SeedError> {
    usize::try_from(count)
        .ok()
        .filter(|n| *n <= MAX_SEED_EIPS)
        .ok_or(SeedError::TooMany {
            requested: count,
            max: MAX_SEED_EIPS,
        })
}

/// Configures and starts an emulator.
#[derive(Clone, Debug)]
pub struct SimBuilder {
    listen: SocketAddr,
    common: CommonConfig,
    alibaba: AlibabaConfig,
    huawei: HuaweiConfig,
    faults: Vec<FaultRule>,
    log_capacity: usize,
    control_allow_remote: bool,
    connections: ConnectionLimits,
    bind_order: Option<BindOrder>,
}

impl Default for SimBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            common: CommonConfig::default(),
            alibaba: AlibabaConfig::default(),
            huawei: HuaweiConfig::default(),
            faults: Vec::new(),
            log_capacity: log::DEFAULT_CAPACITY,
            control_allow_remote: false,
            connections: ConnectionLimits::default(),
            bind_order: None,
        }
    }
}

impl SimBuilder {
    /// Defaults: `127.0.0.1:0`, seed 1, transition delay 300 ms, the default test accounts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The address to listen on (port 0: any free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The seed of every random choice (addresses, ids, probabilistic faults, jitter).
    pub fn seed(mut self, seed: u64) -> Self {
        self.common.seed = seed;
        self
    }

    /// How long asynchronous transitions (Associating → InUse...) take: every one the same.
    pub fn transition_delay(mut self, delay: Duration) -> Self {
        self.common.transition_delay = delay;
        self.common.transitions = None;
        self
    }

    /// The distribution of transition times, e.g. uniform between 2 and 5 s.
    pub fn transitions(mut self, transitions: TransitionTime) -> Self {
        self.common.transitions = Some(transitions);
        self
    }

    /// Multiplies every emulated duration — transitions, read lag, late delivery, quota
    /// windows, injected latency — e.g. `0.01` runs 5 s transitions in 50 ms. Default 1; a value
    /// that is not finite and positive counts as 1.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.common.time_scale = scale;
        self
    }

    /// The [realistic profile](Realistic) with its documented defaults: commit-then-504 on 10 % of
    /// writes, late delivery on 5 %, 2 s read lag, Huawei's quota windows, 2–5 s transitions,
    /// Neutron bind order on Huawei. Setters called after it override its transitions and bind
    /// order; to change its fault mix, use [`profile`](Self::profile).
    pub fn realistic() -> Self {
        Self::new().profile(Realistic::default())
    }

    /// Applies a (possibly modified) [`Realistic`] mix: its fault rules are added after the
    /// rules already given, its transitions and Huawei bind order replace the current ones.
    pub fn profile(mut self, profile: Realistic) -> Self {
        self.faults.extend(profile.fault_rules());
        self.common.transitions = Some(profile.transitions);
        self.bind_order = Some(profile.huawei_bind_order);
        self
    }

    /// The order in which a Huawei bind or unbind changes `port_id` and `status` (overrides
    /// [`HuaweiConfig::bind_order`]).
    pub fn huawei_bind_order(mut self, order: BindOrder) -> Self {
        self.bind_order = Some(order);
        self
    }

    /// A fault rule in force from the start (after the rules added before it).
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// How many entries the request log keeps; past it, the oldest are dropped (counted by
    /// [`Sim::requests_dropped`]). Default 100,000.
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Whether the control API (`/_sim`) answers clients other than loopback ones; off by
    /// default (they get 403), since it can read credentials and rewrite the clouds' state.
    pub fn control_allow_remote(mut self, allow: bool) -> Self {
        self.control_allow_remote = allow;
        self
    }

    /// How long a client may take to send a request's headers before the connection is
    /// closed. Default 30 s.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.connections.header_read_timeout = timeout;
        self
    }

    /// How long a connection may stay open with no request in flight. Default 120 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.connections.idle_timeout = timeout;
        self
    }

    /// Whether requests must be authenticated; on by default.
    ///
    /// Off, the emulator serves requests without checking any signature, nonce or token (Alibaba
    /// V1/V3, Huawei AK/SK and `X-Auth-Token`; a Huawei VPC call still names the configured
    /// project in its path). Only for measuring a client against a bare HTTP baseline that
    /// gets the same server-side work: never turn it off in tests of authentication.
    pub fn verify_signatures(mut self, verify: bool) -> Self {
        self.common.verify_signatures = verify;
        self
    }

    /// The emulated Alibaba account.
    pub fn alibaba(mut self, config: AlibabaConfig) -> Self {
        self.alibaba = config;
        self
    }

    /// The emulated Huawei account.
    pub fn huawei(mut self, config: HuaweiConfig) -> Self {
        self.huawei = config;
        self
    }

    /// Binds the listener and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(self.listen).await?;
        let local_addr = listener.local_addr()?;
        let endpoint = format!("http://{}", reachable(local_addr));
        let mut huawei_config = self.huawei;
        if let Some(order) = self.bind_order {
            huawei_config.bind_order = order;
        }
        let timing = self.common.timing();
        let faults = Faults::with_scale(self.common.seed, timing.time_scale);
        for rule in self.faults {
            faults.add(rule);
        }
        let shared = Arc::new(Shared {
            alibaba: AlibabaSim::new(self.alibaba, &self.common),
            huawei: HuaweiSim::new(huawei_config, &self.common),
            faults,
            log: log::RequestLog::new(self.log_capacity),
            base_url: endpoint.clone(),
            timing,
            control_allow_remote: self.control_allow_remote,
            connections: self.connections,
        });
        let (shutdown, watcher) = watch::channel(false);
        let task = tokio::spawn(server::run(listener, Arc::clone(&shared), watcher));
        let alibaba = shared.alibaba.info(&endpoint);
        let huawei = shared.huawei.info(&endpoint);
        tracing::info!(%endpoint, "eip-sim listening");
        Ok(Sim {
            shared,
            local_addr,
            endpoint,
            alibaba,
            huawei,
            shutdown,
            task,
        })
    }
}

/// A listening address as a client should dial it: an unspecified address becomes loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Sim {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    endpoint: String,
    alibaba: AlibabaInfo,
    huawei: HuaweiInfo,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// `http://127.0.0.1:PORT`: the base URL of every route.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Endpoint, credentials and resources of the Alibaba account.
    pub fn alibaba(&self) -> &AlibabaInfo {
        &self.alibaba
    }

    /// Endpoints, credentials and resources of the Huawei account.
    pub fn huawei(&self) -> &HuaweiInfo {
        &self.huawei
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every request received so far (control calls excluded).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.snapshot()
    }

    /// How many request log entries were dropped because the log was full (since the start,
    /// the last [`clear_requests`](Self::clear_requests) or [`reset`](Self::reset)).
    pub fn requests_dropped(&self) -> u64 {
        self.shared.log.dropped()
    }

    /// Creates `count` idle EIPs in one cloud at once (as the `seed_eips` control operation),
    /// returning their ids. At most [`MAX_SEED_EIPS`] per call.
    pub fn seed_eips(
        &self,
        cloud: Cloud,
        count: u64,
        name_prefix: &str,
    ) -> Result<Vec<String>, SeedError> {
        let count = check_seed_count(count)?;
        let body = serde_json::json!({"count": count, "name_prefix": name_prefix});
        let answer = self
            .shared
            .cloud(cloud)
            .control("seed_eips", body)
            .map_err(SeedError::Refused)?;
        Ok(answer
            .get("ids")
            .and_then(serde_json::Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Locks (or, with no reasons, unlocks) an Alibaba EIP: `reasons` among `financial` and
    /// `security`. A locked EIP shows `OperationLocks` and `BusinessStatus` and refuses
    /// writes (`Forbidden.FinancialLocked` / `InvalidEIPStatus.BizDisabled`). As the control
    /// operation `set_lock`.
    pub fn set_alibaba_lock(&self, allocation_id: &str, reasons: &[&str]) -> Result<(), String> {
        let body = serde_json::json!({"allocation_id": allocation_id, "lock_reasons": reasons});
        self.control(Cloud::Alibaba, "set_lock", body).map(drop)
    }

    /// Puts a Huawei EIP in `status` (`FREEZED`, `BIND_ERROR`, `ELB`, `VPN`, `DOWN`, `ACTIVE`),
    /// bound to `port_id` when given (needed for `ELB`, `VPN` and `ACTIVE` unless it has one).
    /// As the control operation `set_status`.
    pub fn set_huawei_status(
        &self,
        id: &str,
        status: &str,
        port_id: Option<&str>,
    ) -> Result<(), String> {
        let mut body = serde_json::json!({"id": id, "status": status});
        if let Some(port_id) = port_id {
            body["port_id"] = serde_json::json!(port_id);
        }
        self.control(Cloud::Huawei, "set_status", body).map(drop)
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Every EIP of both clouds, transitions due by now applied.
    pub fn inventory(&self) -> Vec<InventoryItem> {
        self.shared.inventory()
    }

    /// Forgets every EIP, nonce, token and idempotency record of both clouds and clears the
    /// request log. Fault rules stay ([`Faults::clear`] removes them).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// A cloud-specific control operation, as `POST /_sim/{cloud}/{op}`.
    pub fn control(
        &self,
        cloud: Cloud,
        op: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.shared.cloud(cloud).control(op, body)
    }

    /// The binary's JSON line: `{"alibaba":{..},"huawei":{..},"control":"http://H:P/_sim"}`.
    pub fn contract(&self) -> serde_json::Value {
        self.shared.contract()
    }

    /// Stops accepting, lets open connections finish their current request (up to 2 s), then
    /// returns.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(3), &mut self.task).await;
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}
