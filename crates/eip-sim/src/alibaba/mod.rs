//! Alibaba Cloud VPC EIP API (RPC style, version 2016-04-28): signature V1 (HMAC-SHA1) and V3
//! (ACS3-HMAC-SHA256) verification, the six EIP actions, their asynchronous transitions, errors
//! and ClientToken idempotency; tags, Internet Shared Bandwidths, resource groups, deletion
//! protection, specific addresses and address pools, and DescribeRegions (`attributes.rs`).
//!
//! Comments cite the public sources: the VPC API reference
//! (<https://api.alibabacloud.com/document/Vpc/2016-04-28/>), the signature pages and the official
//! Python SDKs.

mod actions;
mod attributes;
mod auth;
mod describe;
mod errors;
mod metadata;
mod routes;
mod state;
mod sts;
mod verifier;

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::server::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::request::Parts;
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::cloud::{Cloud, CloudApi, CommonConfig, Effects, InjectedError, InventoryItem};
use crate::faults::QuotaHit;
use auth::{Authenticator, Credential, Issued};
use errors::ApiError;
use state::{AlibabaState, World};

const MASK: &str = "******";

/// A seeded ECS instance with its primary network interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcsInstance {
    /// Instance id, `i-...`.
    pub id: String,
    /// Id of its primary ENI, `eni-...`.
    pub network_interface_id: String,
    /// The primary private IPv4 address; its /24 is the vSwitch CIDR.
    pub private_ip_address: Ipv4Addr,
    /// The VPC it lives in.
    pub vpc_id: String,
}

/// A seeded high-availability virtual IP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaVip {
    /// HaVip id, `havip-...`.
    pub id: String,
    /// Its private IPv4 address.
    pub ip_address: Ipv4Addr,
    /// The VPC it lives in.
    pub vpc_id: String,
}

/// A seeded Internet Shared Bandwidth (common bandwidth package).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonBandwidthPackage {
    /// Its id, `cbwp-...`.
    pub id: String,
    /// Its bandwidth in Mbit/s, shared by its EIPs.
    pub bandwidth: u32,
    /// Its line (`BGP`, `BGP_PRO`...): only EIPs of the same line can join
    /// (AddCommonBandwidthPackageIp,
    /// <https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-120320>).
    pub isp: String,
    /// Its name.
    pub name: String,
}

/// A seeded IP address pool (`PublicIpAddressPoolId`): a range of addresses that belongs to the
/// account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressPool {
    /// Its id, `pippool-...`.
    pub id: String,
    /// The range's first address.
    pub network: Ipv4Addr,
    /// The range's prefix length.
    pub prefix_len: u8,
}

impl AddressPool {
    /// Whether `ip` is in the pool's range.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let bits = u32::from(self.prefix_len.min(32));
        let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
        u32::from(ip) & mask == u32::from(self.network) & mask
    }
}

/// An STS key triple: requests signed with this AccessKeyId must carry the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsCredentials {
    /// Temporary AccessKeyId (`STS....`).
    pub access_key_id: String,
    /// Temporary AccessKey secret.
    pub access_key_secret: String,
    /// The security token (`SecurityToken` under V1, `x-acs-security-token` under V3).
    pub security_token: String,
}

impl Default for StsCredentials {
    /// Fixed test values; the token holds `+`, `/` and `=` so clients must encode it.
    fn default() -> Self {
        Self {
            access_key_id: "STS.NSimTemporaryAccessKey01".to_owned(),
            access_key_secret: "SimStsTemporarySecret0123456789abcd".to_owned(),
            security_token: "CAISsim+Security/Token=0123456789".to_owned(),
        }
    }
}

impl fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &MASK)
            .field("security_token", &MASK)
            .finish()
    }
}

/// The emulated Alibaba Cloud account: region, credentials, instances, limits.
///
/// The defaults are fixed, documented test credentials (like LocalStack's):
/// AccessKeyId `LTAI5tSimEipAccessKey01`, secret `SimEipAccessKeySecret0123456789ab`,
/// region `cn-hangzhou`, 8 ECS instances `i-bp1simecs000000000N` each with a primary ENI
/// `eni-bp1simeni000000000N` (172.16.0.1N), 3 HaVips, a quota of 20,000 EIPs.
/// `Debug` masks the secrets.
#[derive(Clone)]
pub struct AlibabaConfig {
    /// Region id; requests naming another `RegionId` get `InvalidRegionId.NotFound`.
    pub region: String,
    /// The long-term AccessKeyId.
    pub access_key_id: String,
    /// Its secret.
    pub access_key_secret: String,
    /// Optional STS triple, accepted in addition to the long-term key.
    pub sts: Option<StsCredentials>,
    /// ECS instances (at least 8 by default).
    pub instances: Vec<EcsInstance>,
    /// HaVips.
    pub havips: Vec<HaVip>,
    /// Internet Shared Bandwidths (two by default: `cbwp-bp1simcbwp0000000001`, 200 Mbit/s,
    /// and `cbwp-bp1simcbwp0000000002`, 100 Mbit/s, both `BGP`).
    pub bandwidth_packages: Vec<CommonBandwidthPackage>,
    /// IP address pools (one by default: `pippool-bp1simpool000000001`, 203.0.113.0/24).
    pub address_pools: Vec<AddressPool>,
    /// Resource groups besides the default `rg-acfmsim0000000001` (by default
    /// `rg-acfmsim0000000002` and `rg-acfmsim0000000003`).
    pub resource_groups: Vec<String>,
    /// How many EIPs the account may hold (`QuotaExceeded.Eip` beyond).
    pub quota: usize,
    /// Largest accepted distance between the request time and the server clock.
    pub timestamp_skew: Duration,
    /// DescribeEipAddresses spells the description `Descritpion`, as the real API does (API
    /// reference response table; aliyun/terraform-provider-alicloud
    /// `alicloud/data_source_alicloud_eip_addresses.go`). The official tea model
    /// (alibabacloud-vpc20160428 7.2.2, `models/_describe_eip_addresses_response_body.py`)
    /// reads `Description`, so its users read an empty description from the real API and from
    /// the emulator alike. `true` also sends `Description`; `false` by default.
    pub also_send_description: bool,
    /// The longest life of credentials issued by the emulated STS and metadata service
    /// (`InvalidSecurityToken.Expired` after it); 1 hour by default, shorten it in tests.
    pub credential_lifetime: Duration,
    /// The instance the metadata service describes and its RAM role.
    pub metadata: EcsMetadataConfig,
    /// The OIDC provider `AssumeRoleWithOIDC` accepts tokens of.
    pub oidc: OidcConfig,
}

/// The emulated instance metadata service (`/latest/...` on the emulator's listener).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcsMetadataConfig {
    /// The instance this "is" (default: the first seeded instance).
    pub instance_id: String,
    /// The RAM role attached to it (`None`: no role, the credentials paths answer 404).
    pub role_name: Option<String>,
    /// Refuse reads without an IMDSv2 token (403), as the hardened mode does.
    pub imdsv2_required: bool,
}

/// The OIDC identity provider of the emulated account (ACK RRSA). `Debug` masks the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcConfig {
    /// `acs:ram::<account>:oidc-provider/<name>`; another ARN is `EntityNotExist.OIDCProvider`.
    pub provider_arn: String,
    /// The issuer echoed in `OIDCTokenInfo`.
    pub issuer: String,
    /// The one OIDC token accepted at the start (what the kubelet writes to the pod's token
    /// file); control `rotate_oidc_token` replaces it. Any other token is 401
    /// `AuthenticationFail.OIDCToken.Invalid`, a rotated-out or revoked one
    /// `AuthenticationFail.OIDCToken.Expired` (the STS error codes,
    /// <https://help.aliyun.com/zh/ram/developer-reference/api-sts-2015-04-01-errorcodes>).
    pub token: String,
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("provider_arn", &self.provider_arn)
            .field("issuer", &self.issuer)
            .field("token", &MASK)
            .finish()
    }
}

impl Default for AlibabaConfig {
    fn default() -> Self {
        let vpc_id = "vpc-bp1simvpc0000000001".to_owned();
        let instances = (1..=8u8)
            .map(|n| EcsInstance {
                id: format!("i-bp1simecs{n:010}"),
                network_interface_id: format!("eni-bp1simeni{n:010}"),
                private_ip_address: Ipv4Addr::new(172, 16, 0, 10 + n),
                vpc_id: vpc_id.clone(),
            })
            .collect();
        let havips = (1..=3u8)
            .map(|n| HaVip {
                id: format!("havip-bp1simhavip{n:06}"),
                ip_address: Ipv4Addr::new(172, 16, 0, 200 + n),
                vpc_id: vpc_id.clone(),
            })
            .collect();
        Self {
            region: "cn-hangzhou".to_owned(),
            access_key_id: "LTAI5tSimEipAccessKey01".to_owned(),
            access_key_secret: "SimEipAccessKeySecret0123456789ab".to_owned(),
            sts: None,
            instances,
            havips,
            bandwidth_packages: (1..=2u32)
                .map(|n| CommonBandwidthPackage {
                    id: format!("cbwp-bp1simcbwp{n:010}"),
                    bandwidth: if n == 1 { 200 } else { 100 },
                    isp: "BGP".to_owned(),
                    name: format!("sim-shared-{n}"),
                })
                .collect(),
            address_pools: vec![AddressPool {
                id: "pippool-bp1simpool000000001".to_owned(),
                network: Ipv4Addr::new(203, 0, 113, 0),
                prefix_len: 24,
            }],
            resource_groups: vec![
                "rg-acfmsim0000000002".to_owned(),
                "rg-acfmsim0000000003".to_owned(),
            ],
            quota: 20_000,
            timestamp_skew: Duration::from_secs(15 * 60),
            also_send_description: false,
            credential_lifetime: Duration::from_secs(3600),
            metadata: EcsMetadataConfig {
                instance_id: "i-bp1simecs0000000001".to_owned(),
                role_name: Some("EipSimInstanceRole".to_owned()),
                imdsv2_required: false,
            },
            oidc: OidcConfig {
                provider_arn: "acs:ram::1234567890123456:oidc-provider/ack-rrsa-sim".to_owned(),
                issuer: "https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/sim".to_owned(),
                // Three base64url parts, as a JWT has (the STS error codes refuse a token that
                // does not split into three on '.').
                token: "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDplaXAtc2ltIn0.c2ltLW9pZGMtc2lnbmF0dXJl".to_owned(),
            },
        }
    }
}

impl fmt::Debug for AlibabaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaConfig")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &MASK)
            .field("sts", &self.sts)
            .field("instances", &self.instances)
            .field("havips", &self.havips)
            .field("bandwidth_packages", &self.bandwidth_packages)
            .field("address_pools", &self.address_pools)
            .field("resource_groups", &self.resource_groups)
            .field("quota", &self.quota)
            .field("timestamp_skew", &self.timestamp_skew)
            .field("also_send_description", &self.also_send_description)
            .field("credential_lifetime", &self.credential_lifetime)
            .field("metadata", &self.metadata)
            .field("oidc", &self.oidc)
            .finish()
    }
}

/// A network interface as a client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterfaceInfo {
    /// ENI id.
    pub id: String,
    /// The instance it is the primary ENI of.
    pub instance_id: String,
    /// Its private IP.
    pub private_ip_address: String,
}

/// A HaVip as a client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaVipInfo {
    /// HaVip id.
    pub id: String,
    /// Its private IP.
    pub ip_address: String,
}

/// What a client needs to reach the emulated Alibaba Cloud: the `alibaba` object of the
/// binary's JSON line. `Debug` masks the secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlibabaInfo {
    /// `http://host:port` (the RPC path is `/`).
    pub endpoint: String,
    /// Region id.
    pub region: String,
    /// Long-term AccessKeyId.
    pub access_key_id: String,
    /// Its secret.
    pub access_key_secret: String,
    /// ECS instance ids.
    pub instances: Vec<String>,
    /// Primary ENIs of the instances.
    pub network_interfaces: Vec<NetworkInterfaceInfo>,
    /// HaVips.
    pub havips: Vec<HaVipInfo>,
    /// STS credentials, when configured.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sts: Option<StsCredentials>,
    /// Ids of the Internet Shared Bandwidths the account starts with.
    #[serde(default)]
    pub bandwidth_packages: Vec<String>,
    /// The IP address pools.
    #[serde(default)]
    pub address_pools: Vec<AddressPool>,
    /// The resource groups: the default one first.
    #[serde(default)]
    pub resource_groups: Vec<String>,
    /// The instance metadata service (`EIP_ALIBABA_METADATA_ENDPOINT`): the emulator's own
    /// address, which serves `/latest/...`.
    #[serde(default)]
    pub metadata_endpoint: String,
    /// STS (`ALIBABA_CLOUD_STS_ENDPOINT`): also the emulator's address.
    #[serde(default)]
    pub sts_endpoint: String,
    /// The instance the metadata service says this is.
    #[serde(default)]
    pub instance_id: String,
    /// Its RAM role.
    #[serde(default)]
    pub role_name: Option<String>,
    /// The OIDC provider ARN `AssumeRoleWithOIDC` accepts.
    #[serde(default)]
    pub oidc_provider_arn: String,
    /// The OIDC token it accepts at the start (`ALIBABA_CLOUD_OIDC_TOKEN_FILE`'s content).
    #[serde(default)]
    pub oidc_token: String,
}

impl fmt::Debug for AlibabaInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaInfo")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &MASK)
            .field("instances", &self.instances)
            .field("network_interfaces", &self.network_interfaces)
            .field("havips", &self.havips)
            .field("sts", &self.sts)
            .field("bandwidth_packages", &self.bandwidth_packages)
            .field("address_pools", &self.address_pools)
            .field("resource_groups", &self.resource_groups)
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("instance_id", &self.instance_id)
            .field("role_name", &self.role_name)
            .field("oidc_provider_arn", &self.oidc_provider_arn)
            .field("oidc_token", &MASK)
            .finish()
    }
}

/// The metadata service's changeable settings and state.
#[derive(Default)]
struct MetadataState {
    /// Control `set_metadata` overrides.
    imdsv2_required: Option<bool>,
    /// `PUT /latest/api/token` answers 404, as on an instance without IMDSv2.
    tokens_unavailable: bool,
    role_name: Option<Option<String>>,
    tokens: metadata::Tokens,
    role_credentials: Option<Issued>,
}

/// What the metadata service answers now.
pub(crate) struct MetadataSettings {
    pub(crate) instance_id: String,
    pub(crate) role_name: Option<String>,
    pub(crate) imdsv2_required: bool,
}

/// The OIDC token `AssumeRoleWithOIDC` accepts now, and the ones rotated out or revoked
/// (control `rotate_oidc_token`, `revoke_oidc_token`).
struct OidcTokens {
    accepted: String,
    stale: BTreeSet<String>,
}

impl OidcTokens {
    fn new(config: &OidcConfig) -> Self {
        Self {
            accepted: config.token.clone(),
            stale: BTreeSet::new(),
        }
    }
}

/// What `AssumeRoleWithOIDC` makes of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OidcVerdict {
    Accepted,
    /// Rotated out or revoked.
    Expired,
    /// Not a token the provider issued.
    Invalid,
}

/// The emulated Alibaba Cloud, plugged into the shared server.
pub(crate) struct AlibabaSim {
    config: AlibabaConfig,
    auth: Authenticator,
    state: AlibabaState,
    /// `HostId` of error bodies: the endpoint the SDKs resolve for the region (the endpoint list,
    /// <https://www.alibabacloud.com/help/en/openapi/endpoints>).
    host_id: String,
    metadata: Mutex<MetadataState>,
    /// The OIDC token accepted now and the ones made stale.
    oidc: Mutex<OidcTokens>,
}

impl AlibabaSim {
    pub(crate) fn new(config: AlibabaConfig, common: &CommonConfig) -> Self {
        let mut credentials = vec![Credential {
            access_key_id: config.access_key_id.clone(),
            secret: config.access_key_secret.clone(),
            security_token: None,
        }];
        if let Some(sts) = &config.sts {
            credentials.push(Credential {
                access_key_id: sts.access_key_id.clone(),
                secret: sts.access_key_secret.clone(),
                security_token: Some(sts.security_token.clone()),
            });
        }
        let world = World::of(&config, common.timing(), common.seed);
        let host_id = if config.region == "cn-hangzhou" {
            "vpc.aliyuncs.com".to_owned()
        } else {
            format!("vpc.{}.aliyuncs.com", config.region)
        };
        Self {
            auth: Authenticator::new(credentials, config.timestamp_skew, common.verify_signatures),
            state: AlibabaState::new(world, config.quota),
            host_id,
            oidc: Mutex::new(OidcTokens::new(&config.oidc)),
            config,
            metadata: Mutex::new(MetadataState::default()),
        }
    }

    fn metadata_state(&self) -> std::sync::MutexGuard<'_, MetadataState> {
        self.metadata.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn metadata_settings(&self) -> MetadataSettings {
        let state = self.metadata_state();
        MetadataSettings {
            instance_id: self.config.metadata.instance_id.clone(),
            role_name: state
                .role_name
                .clone()
                .unwrap_or_else(|| self.config.metadata.role_name.clone()),
            imdsv2_required: state
                .imdsv2_required
                .unwrap_or(self.config.metadata.imdsv2_required),
        }
    }

    /// Whether `PUT /latest/api/token` is served (control `set_metadata {"tokens_available"}`).
    pub(crate) fn metadata_tokens_available(&self) -> bool {
        !self.metadata_state().tokens_unavailable
    }

    pub(crate) fn issue_metadata_token(&self, ttl: Duration) -> String {
        let token = format!("AQAEAsim{:032x}", rand::random::<u128>());
        let now = Instant::now();
        let mut state = self.metadata_state();
        state.tokens.issued.retain(|(_, end)| *end > now);
        state
            .tokens
            .issued
            .push((token.clone(), now.checked_add(ttl).unwrap_or(now)));
        token
    }

    pub(crate) fn metadata_token_valid(&self, token: &str) -> bool {
        let now = Instant::now();
        self.metadata_state()
            .tokens
            .issued
            .iter()
            .any(|(t, end)| t == token && *end > now)
    }

    /// The instance role's current credentials, issued anew once less than a third of their
    /// life is left.
    pub(crate) fn instance_role_credentials(&self) -> Issued {
        let lifetime = self.config.credential_lifetime;
        let mut state = self.metadata_state();
        let now = SystemTime::now();
        let fresh = state.role_credentials.as_ref().filter(|issued| {
            issued
                .expires_at
                .duration_since(now)
                .is_ok_and(|left| left > lifetime / 3)
        });
        match fresh {
            Some(issued) => issued.clone(),
            None => {
                let issued = self.auth.issue(lifetime);
                state.role_credentials = Some(issued.clone());
                issued
            }
        }
    }

    fn oidc_tokens(&self) -> std::sync::MutexGuard<'_, OidcTokens> {
        self.oidc.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What `AssumeRoleWithOIDC` makes of `token` now.
    pub(crate) fn oidc_verdict(&self, token: &str) -> OidcVerdict {
        let tokens = self.oidc_tokens();
        let token = token.trim();
        if tokens.stale.contains(token) {
            OidcVerdict::Expired
        } else if token == tokens.accepted {
            OidcVerdict::Accepted
        } else {
            OidcVerdict::Invalid
        }
    }

    /// Control `set_metadata {"imdsv2_required": bool, "tokens_available": bool,
    /// "role_name": "R" | null}`.
    fn set_metadata(&self, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let mut state = self.metadata_state();
        if let Some(required) = body.get("imdsv2_required") {
            state.imdsv2_required = Some(
                required
                    .as_bool()
                    .ok_or("\"imdsv2_required\" must be a boolean")?,
            );
        }
        if let Some(available) = body.get("tokens_available") {
            state.tokens_unavailable = !available
                .as_bool()
                .ok_or("\"tokens_available\" must be a boolean")?;
        }
        if let Some(role) = body.get("role_name") {
            state.role_name = Some(match role {
                serde_json::Value::Null => None,
                serde_json::Value::String(name) => Some(name.clone()),
                _ => return Err("\"role_name\" must be a string or null".into()),
            });
            state.role_credentials = None;
        }
        drop(state);
        let settings = self.metadata_settings();
        Ok(
            serde_json::json!({"imdsv2_required": settings.imdsv2_required, "role_name": settings.role_name}),
        )
    }

    pub(crate) fn info(&self, base_url: &str) -> AlibabaInfo {
        let c = &self.config;
        AlibabaInfo {
            endpoint: base_url.trim_end_matches('/').to_owned(),
            region: c.region.clone(),
            access_key_id: c.access_key_id.clone(),
            access_key_secret: c.access_key_secret.clone(),
            instances: c.instances.iter().map(|i| i.id.clone()).collect(),
            network_interfaces: c
                .instances
                .iter()
                .map(|i| NetworkInterfaceInfo {
                    id: i.network_interface_id.clone(),
                    instance_id: i.id.clone(),
                    private_ip_address: i.private_ip_address.to_string(),
                })
                .collect(),
            havips: c
                .havips
                .iter()
                .map(|h| HaVipInfo {
                    id: h.id.clone(),
                    ip_address: h.ip_address.to_string(),
                })
                .collect(),
            sts: c.sts.clone(),
            bandwidth_packages: c.bandwidth_packages.iter().map(|p| p.id.clone()).collect(),
            address_pools: c.address_pools.clone(),
            resource_groups: std::iter::once(state::DEFAULT_RESOURCE_GROUP.to_owned())
                .chain(c.resource_groups.iter().cloned())
                .collect(),
            metadata_endpoint: base_url.trim_end_matches('/').to_owned(),
            sts_endpoint: base_url.trim_end_matches('/').to_owned(),
            instance_id: c.metadata.instance_id.clone(),
            role_name: c.metadata.role_name.clone(),
            oidc_provider_arn: c.oidc.provider_arn.clone(),
            oidc_token: c.oidc.token.clone(),
        }
    }

    /// Control `create_bandwidth_package {"id":"cbwp-…","bandwidth":200,"isp":"BGP"}`.
    fn create_package(&self, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let id = body
            .get("id")
            .and_then(serde_json::Value::as_str)
            .ok_or("create_bandwidth_package needs an \"id\"")?;
        let bandwidth = body
            .get("bandwidth")
            .and_then(serde_json::Value::as_u64)
            .and_then(|b| u32::try_from(b).ok())
            .ok_or("create_bandwidth_package needs a numeric \"bandwidth\"")?;
        let isp = body
            .get("isp")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("BGP");
        let package = CommonBandwidthPackage {
            id: id.to_owned(),
            bandwidth,
            isp: isp.to_owned(),
            name: id.to_owned(),
        };
        self.state.lock().packages.insert(id.to_owned(), package);
        Ok(serde_json::json!({"id": id}))
    }

    /// Control `bandwidth_packages {}`: every Internet Shared Bandwidth with the EIPs in it
    /// (`members`, as DescribeEipAddresses names them), its `status` and each member row's
    /// `BandwidthPackageIpRelationStatus` (`relations`: allocation id → `BINDING`, `BINDED`,
    /// `UNBINDING`), as DescribeCommonBandwidthPackages answers them.
    fn packages(&self) -> serde_json::Value {
        let account = self.state.lock();
        let list: Vec<serde_json::Value> = account
            .packages
            .values()
            .map(|p| {
                let members: Vec<&str> = account
                    .eips
                    .values()
                    .filter(|e| e.package.as_ref().is_some_and(|m| m.id == p.id))
                    .map(|e| e.allocation_id.as_str())
                    .collect();
                let relations: serde_json::Map<String, serde_json::Value> = account
                    .eips
                    .values()
                    .filter_map(|e| Some((e.allocation_id.clone(), e.relation(&p.id)?.into())))
                    .collect();
                serde_json::json!({
                    "id": p.id,
                    "bandwidth": p.bandwidth,
                    "isp": p.isp,
                    "members": members,
                    "status": account.package_status(&p.id),
                    "relations": relations,
                })
            })
            .collect();
        serde_json::json!({ "bandwidth_packages": list })
    }

    fn seed_eips(&self, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let count = body
            .get("count")
            .and_then(serde_json::Value::as_u64)
            .ok_or("seed_eips needs a numeric \"count\"")?;
        let prefix = body
            .get("name_prefix")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("bulk");
        let count = crate::check_seed_count(count).map_err(|e| e.to_string())?;
        let ids = self.state.seed(count, prefix)?;
        Ok(serde_json::json!({"created": ids.len(), "allocation_ids": ids, "ids": ids}))
    }

    /// Control `set_lock {"allocation_id":"eip-…","lock_reasons":["financial"],
    /// "business_status":"FinancialLocked"}`; `lock_reasons: []` unlocks.
    fn set_lock(&self, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let id = allocation_id(body)?;
        let reasons = match body.get("lock_reasons") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .ok_or("\"lock_reasons\" must be a list")?
                .iter()
                .map(|reason| match reason.as_str() {
                    Some(r @ ("financial" | "security")) => Ok(r.to_owned()),
                    _ => Err(format!(
                        "lock reason {reason} is not \"financial\" or \"security\""
                    )),
                })
                .collect::<Result<_, _>>()?,
        };
        let status = body
            .get("business_status")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        self.state.set_lock(id, reasons.clone(), status)?;
        Ok(serde_json::json!({"allocation_id": id, "lock_reasons": reasons}))
    }

    /// Control `join_bandwidth_package {"allocation_id":"eip-…","package_id":"cbwp-…",
    /// "bandwidth":200}`; without `package_id` the EIP leaves its package.
    fn join_package(&self, body: &serde_json::Value) -> Result<serde_json::Value, String> {
        let id = allocation_id(body)?;
        let package = match body.get("package_id").and_then(serde_json::Value::as_str) {
            None => None,
            Some(package_id) => {
                let bandwidth = body
                    .get("bandwidth")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|b| u32::try_from(b).ok())
                    .ok_or("join_bandwidth_package needs a numeric \"bandwidth\"")?;
                Some(state::BandwidthPackage {
                    id: package_id.to_owned(),
                    bandwidth,
                })
            }
        };
        self.state.set_package(id, package)?;
        Ok(serde_json::json!({"allocation_id": id}))
    }
}

fn allocation_id(body: &serde_json::Value) -> Result<&str, String> {
    body.get("allocation_id")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| "needs an \"allocation_id\"".to_owned())
}

impl CloudApi for AlibabaSim {
    fn cloud(&self) -> Cloud {
        Cloud::Alibaba
    }

    fn action(&self, parts: &Parts, body: &Bytes) -> String {
        if metadata::serves(parts.uri.path()) {
            return metadata::action_name(parts);
        }
        routes::action_name(parts, body)
    }

    fn injected_error(&self, error: InjectedError, request_id: &str) -> Response<Body> {
        ApiError::injected(error).into_response(request_id, &self.host_id)
    }

    fn gateway_error(&self, status: StatusCode, request_id: &str) -> Response<Body> {
        ApiError::gateway(status).into_response(request_id, &self.host_id)
    }

    fn quota_error(&self, quota: &QuotaHit, request_id: &str) -> Response<Body> {
        ApiError::quota(quota).into_response(request_id, &self.host_id)
    }

    fn handle(
        &self,
        parts: Parts,
        body: Bytes,
        request_id: String,
        effects: Effects,
    ) -> BoxFuture<'_, Response<Body>> {
        let response = if metadata::serves(parts.uri.path()) {
            metadata::handle(self, &parts)
        } else {
            routes::handle(self, &parts, &body, &request_id, effects)
        };
        Box::pin(std::future::ready(response))
    }

    fn inventory(&self) -> Vec<InventoryItem> {
        self.state.inventory()
    }

    fn reset(&self) {
        self.state.reset();
        self.auth.reset();
        *self.metadata_state() = MetadataState::default();
        *self.oidc_tokens() = OidcTokens::new(&self.config.oidc);
    }

    /// `seed_eips {"count": N, "name_prefix": "bulk"}` creates N Available EIPs directly;
    /// `set_quota {"quota": N}` changes the EIP quota; `set_lock` and `join_bandwidth_package`
    /// change one EIP (see the crate docs); `create_bandwidth_package` adds an Internet Shared
    /// Bandwidth, `bandwidth_packages` lists them with their EIPs; `eip {"allocation_id"}` shows
    /// one EIP's tags, resource group, package and deletion protection as held (no read lag).
    fn control(&self, op: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        match op {
            "seed_eips" => self.seed_eips(&body),
            "set_lock" => self.set_lock(&body),
            "join_bandwidth_package" => self.join_package(&body),
            "create_bandwidth_package" => self.create_package(&body),
            "bandwidth_packages" => Ok(self.packages()),
            "eip" => self.state.lock().attributes(allocation_id(&body)?),
            "set_metadata" => self.set_metadata(&body),
            "expire_credentials" => {
                self.auth.expire_issued();
                self.metadata_state().role_credentials = None;
                Ok(serde_json::json!({"expired": true}))
            }
            "revoke_oidc_token" => {
                let token = body
                    .get("token")
                    .and_then(serde_json::Value::as_str)
                    .ok_or("revoke_oidc_token needs a \"token\"")?;
                self.oidc_tokens().stale.insert(token.trim().to_owned());
                Ok(serde_json::json!({"revoked": true}))
            }
            "rotate_oidc_token" => {
                let token = body
                    .get("token")
                    .and_then(serde_json::Value::as_str)
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or("rotate_oidc_token needs a non-empty \"token\"")?;
                let mut tokens = self.oidc_tokens();
                let previous = std::mem::replace(&mut tokens.accepted, token.to_owned());
                tokens.stale.remove(token);
                if previous != token {
                    tokens.stale.insert(previous);
                }
                Ok(serde_json::json!({"rotated": true}))
            }
            "set_quota" => {
                let quota = body
                    .get("quota")
                    .and_then(serde_json::Value::as_u64)
                    .ok_or("set_quota needs a numeric \"quota\"")?;
                self.state
                    .set_quota(usize::try_from(quota).unwrap_or(usize::MAX));
                Ok(serde_json::json!({"quota": quota}))
            }
            _ => Err(format!("unknown alibaba control operation {op:?}")),
        }
    }
}
