//! Configuration of the emulated Huawei Cloud and what a client needs to reach it.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use serde::Serialize;

/// The emulated Huawei Cloud account: credentials, region, project, servers and limits.
///
/// The defaults are fixed, documented test credentials (like LocalStack's), so a test or a CI job
/// can hard-code them. `Debug` masks the password, the secret key and the security token.
#[derive(Clone)]
pub struct HuaweiConfig {
    /// Region id, also the name of the project (the IAM token API,
    /// <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>). Default
    /// `cn-north-4`.
    pub region: String,
    /// Project id (32 lower-case hex digits), used in every VPC URL.
    pub project_id: String,
    /// Project name; Huawei names a region's default project after the region.
    pub project_name: String,
    /// Account (domain) name for password authentication.
    pub domain_name: String,
    /// Account (domain) id.
    pub domain_id: String,
    /// IAM user name.
    pub user_name: String,
    /// IAM user id.
    pub user_id: String,
    /// IAM user password.
    pub password: String,
    /// AK of the AK/SK pair.
    pub access_key: String,
    /// SK of the AK/SK pair.
    pub secret_key: String,
    /// When `Some`, the AK/SK is temporary and every AK/SK-signed call must carry this value in
    /// `X-Security-Token` (the IAM token API,
    /// <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>).
    pub security_token: Option<String>,
    /// How long an IAM token lives (the IAM token API,
    /// <https://support.huaweicloud.com/intl/en-us/api-iam/iam_30_0001.html>: 24 h).
    pub token_lifetime: Duration,
    /// ECS servers and their NICs (ports).
    pub servers: Vec<ServerSeed>,
    /// Ports with no device (not attached to any server), for NIC tests.
    pub free_ports: Vec<PortSeed>,
    /// Shared (`WHOLE`) bandwidths EIPs can join at creation.
    pub shared_bandwidths: Vec<BandwidthSeed>,
    /// Maximum number of EIPs the project may hold (VPC.0521 beyond it).
    pub quota: usize,
    /// Largest `limit` a list accepts and the default page size (ListPublicips,
    /// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0003.html>).
    pub max_limit: usize,
    /// In which order a bind or unbind PUT changes `port_id` and `status`.
    pub bind_order: BindOrder,
    /// How many public addresses the region's pool has left (`None`: never runs out). At 0, a
    /// create is refused with 500 `VPC.0504` ("no IP found" in the create error table).
    pub ip_pool: Option<usize>,
    /// The ECS metadata service of the instance the client runs on (`/openstack/latest/...`).
    pub metadata: MetadataConfig,
    /// The OIDC identity provider of CCE workload identity (`/v3.0/OS-AUTH/id-token/tokens`).
    pub federation: FederationConfig,
    /// The agency temporary credentials may be asked for (`assume_role`).
    pub agency: AgencySeed,
    /// The lifetime of every temporary AK/SK the emulator issues (metadata, federation, agency).
    /// `None`: the `duration_seconds` asked for, clamped to IAM's documented 15 min to 24 h
    /// (default 15 min), and 24 h for the metadata service (emulator's choice: its lifetime is
    /// not documented).
    pub temporary_lifetime: Option<Duration>,
}

/// Whether the emulated metadata service hands out session tokens
/// (`PUT /meta-data/latest/api/token`) and requires them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataTokenMode {
    /// Tokens are issued; a request without one is served, one with an invalid token is 401.
    #[default]
    Optional,
    /// Tokens are issued and every metadata read needs one (401 otherwise).
    Required,
    /// The token `PUT` answers 404, as a metadata service without tokens does (the official
    /// SDK then reads without a token: huaweicloud-sdk-python-v3
    /// `huaweicloudsdkcore/auth/internal.py`, `MetadataAccessor`).
    NotFound,
    /// The token `PUT` answers 405 (handled like 404 by the SDK).
    MethodNotAllowed,
}

/// The emulated ECS metadata service.
#[derive(Clone, Debug)]
pub struct MetadataConfig {
    /// Session tokens: optional (default), required, or not offered (404 / 405).
    pub token: MetadataTokenMode,
    /// The agency the instance runs under; `None` answers the security key with 401 "Please
    /// configure Cloud Service Agency first" (the text the official SDK looks for,
    /// huaweicloud-sdk-python-v3 `huaweicloudsdkcore/auth/internal.py`).
    pub agency_name: Option<String>,
    /// The server the metadata describes (`uuid` of `meta_data.json`); the first seeded server
    /// by default.
    pub instance_id: String,
}

/// The emulated OIDC identity provider.
#[derive(Clone)]
pub struct FederationConfig {
    /// The identity provider id, sent as `X-Idp-Id`.
    pub idp_id: String,
    /// The one id token accepted at the start; the control operation `rotate_id_token`
    /// replaces it (the old one is refused from then on, as a rotated projected token).
    pub id_token: String,
}

impl fmt::Debug for FederationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederationConfig")
            .field("idp_id", &self.idp_id)
            .field("id_token", &MASK)
            .finish()
    }
}

/// An agency of another account that this account's credentials may assume.
#[derive(Clone, Debug, Serialize)]
pub struct AgencySeed {
    /// The delegating account (domain) name.
    pub domain_name: String,
    /// The delegating account (domain) id.
    pub domain_id: String,
    /// The agency name.
    pub agency_name: String,
}

/// The order in which a bind or unbind becomes visible. Huawei does not document it, so a
/// client must be right under both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindOrder {
    /// The emulator's original order: a bind shows `port_id` at once with status
    /// `PENDING_UPDATE` until `ACTIVE`; an unbind keeps `port_id` in `PENDING_UPDATE` until
    /// `DOWN`.
    #[default]
    Pending,
    /// Neutron floating-IP style (v1 publicips are Neutron floating IPs; OpenStack's floating IP
    /// API changes `port_id` on the PUT and lets `status` follow): after a bind `DOWN` with the
    /// new `port_id`, then `ACTIVE`; after an unbind `ACTIVE` without `port_id`, then `DOWN`.
    Neutron,
}

/// The `publicip.type` line types a region offers, where the emulator knows them: cn-northeast-1
/// offers `5_telcom` and `5_union`, cn-east-2 `5_sbgp` (publicip data types,
/// <https://support.huaweicloud.com/intl/en-us/api-eip/eip_api_0001.html>, and yunionio/cloudmux
/// pkg/multicloud/huawei/eip.go `AllocateEIP`). Other regions accept every type the emulator
/// knows.
pub fn line_types(region: &str) -> &'static [&'static str] {
    match region {
        "cn-northeast-1" => &["5_telcom", "5_union"],
        "cn-east-2" => &["5_sbgp"],
        _ => &["5_bgp", "5_sbgp", "5_telcom", "5_union"],
    }
}

/// One seeded ECS server.
#[derive(Clone, Debug)]
pub struct ServerSeed {
    /// Server id (`device_id` of its ports).
    pub id: String,
    /// Server name.
    pub name: String,
    /// Its primary NIC (`binding:vif_details.primary_interface == true`).
    pub primary_port: PortSeed,
    /// Supplementary NICs (`primary_interface == false`).
    pub secondary_ports: Vec<PortSeed>,
}

/// One seeded port (NIC).
#[derive(Clone, Debug)]
pub struct PortSeed {
    /// Port id.
    pub id: String,
    /// Its fixed private IPv4 address.
    pub ip_address: Ipv4Addr,
    /// Its MAC address.
    pub mac_address: String,
}

/// One seeded shared (`WHOLE`) bandwidth.
#[derive(Clone, Debug, Serialize)]
pub struct BandwidthSeed {
    /// Bandwidth id (`bandwidth.id` of a `WHOLE` create).
    pub id: String,
    /// Bandwidth name.
    pub name: String,
    /// Size in Mbit/s.
    pub size: u32,
}

/// Availability zone of the seeded servers (`device_owner` is `compute:<az>`).
pub(crate) fn zone_of(region: &str) -> String {
    format!("{region}a")
}

impl PortSeed {
    fn numbered(n: u32, ip: Ipv4Addr) -> Self {
        Self {
            id: format!("d00f9c35-c8da-4e3f-9a1e-{n:012x}"),
            ip_address: ip,
            mac_address: format!("fa:16:3e:00:{:02x}:{:02x}", (n >> 8) & 0xff, n & 0xff),
        }
    }
}

impl Default for HuaweiConfig {
    fn default() -> Self {
        let region = "cn-north-4".to_owned();
        let servers = (1..=8u8)
            .map(|i| {
                let n = u32::from(i);
                let secondary_ports = if i == 1 {
                    vec![PortSeed::numbered(
                        0x100 + n,
                        Ipv4Addr::new(192, 168, 1, 100 + i),
                    )]
                } else {
                    Vec::new()
                };
                ServerSeed {
                    id: format!("b0a9d2b4-2cae-4b66-a6ba-{n:012x}"),
                    name: format!("ecs-sim-{i}"),
                    primary_port: PortSeed::numbered(n, Ipv4Addr::new(192, 168, 0, 10 + i)),
                    secondary_ports,
                }
            })
            .collect();
        Self {
            project_name: region.clone(),
            region,
            project_id: "0123456789abcdef0123456789abcdef".to_owned(),
            domain_name: "sim-account".to_owned(),
            domain_id: "d78cbac186b744899480f25bd022f468".to_owned(),
            user_name: "sim-user".to_owned(),
            user_id: "7116d09f88fa41908676fdd4b039e95b".to_owned(),
            password: "sim-password".to_owned(),
            access_key: "SIMHUAWEIACCESSKEY01".to_owned(),
            secret_key: "SimHuaweiSecretKey0123456789abcdefghijkl".to_owned(),
            security_token: None,
            token_lifetime: Duration::from_secs(24 * 3600),
            servers,
            free_ports: vec![PortSeed::numbered(0x200, Ipv4Addr::new(192, 168, 2, 10))],
            shared_bandwidths: vec![BandwidthSeed {
                id: "3fa5b383-5a73-4dcb-a314-c6128546d855".to_owned(),
                name: "sim-shared-bandwidth".to_owned(),
                size: 100,
            }],
            quota: 20_000,
            max_limit: 2000,
            bind_order: BindOrder::default(),
            ip_pool: None,
            metadata: MetadataConfig {
                token: MetadataTokenMode::default(),
                agency_name: Some("sim-ecs-agency".to_owned()),
                instance_id: "b0a9d2b4-2cae-4b66-a6ba-000000000001".to_owned(),
            },
            federation: FederationConfig {
                idp_id: "sim-oidc-idp".to_owned(),
                id_token: "sim-oidc-id-token-1".to_owned(),
            },
            agency: AgencySeed {
                domain_name: "sim-delegating-account".to_owned(),
                domain_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".to_owned(),
                agency_name: "sim-eip-agency".to_owned(),
            },
            temporary_lifetime: None,
        }
    }
}

const MASK: &str = "******";

impl fmt::Debug for HuaweiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiConfig")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("domain_name", &self.domain_name)
            .field("domain_id", &self.domain_id)
            .field("user_name", &self.user_name)
            .field("user_id", &self.user_id)
            .field("password", &MASK)
            .field("access_key", &self.access_key)
            .field("secret_key", &MASK)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| MASK),
            )
            .field("token_lifetime", &self.token_lifetime)
            .field("servers", &self.servers)
            .field("free_ports", &self.free_ports)
            .field("shared_bandwidths", &self.shared_bandwidths)
            .field("quota", &self.quota)
            .field("max_limit", &self.max_limit)
            .field("bind_order", &self.bind_order)
            .field("ip_pool", &self.ip_pool)
            .field("metadata", &self.metadata)
            .field("federation", &self.federation)
            .field("agency", &self.agency)
            .field("temporary_lifetime", &self.temporary_lifetime)
            .finish()
    }
}

/// What a client needs to reach the emulated Huawei Cloud: the `huawei` object of the binary's
/// JSON line. `Debug` masks the password, the secret key and the security token.
#[derive(Clone, Serialize)]
pub struct HuaweiInfo {
    /// IAM endpoint (`POST /v3/auth/tokens`, `GET /v3/projects`).
    pub iam_endpoint: String,
    /// VPC endpoint (`/v1/{project_id}/...`).
    pub vpc_endpoint: String,
    /// Region id.
    pub region: String,
    /// Project id.
    pub project_id: String,
    /// Project name.
    pub project_name: String,
    /// Account (domain) name.
    pub domain_name: String,
    /// Account (domain) id.
    pub domain_id: String,
    /// IAM user name.
    pub user_name: String,
    /// IAM user password.
    pub password: String,
    /// AK.
    pub access_key: String,
    /// SK.
    pub secret_key: String,
    /// Security token to send in `X-Security-Token`, when the AK/SK is temporary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_token: Option<String>,
    /// The seeded servers.
    pub servers: Vec<ServerInfo>,
    /// Ports attached to no server.
    pub free_ports: Vec<PortInfo>,
    /// Shared bandwidths (`share_type` `WHOLE`).
    pub shared_bandwidths: Vec<BandwidthSeed>,
    /// The ECS metadata service (`EIP_HUAWEI_METADATA_ENDPOINT`): `/openstack/latest/...` and
    /// `/meta-data/latest/api/token` under it.
    pub metadata_endpoint: String,
    /// The instance the metadata service describes.
    pub instance_id: String,
    /// Its availability zone.
    pub availability_zone: String,
    /// The OIDC identity provider id (`HUAWEICLOUD_SDK_IDP_ID`).
    pub idp_id: String,
    /// The id token accepted at the start (`HUAWEICLOUD_SDK_ID_TOKEN_FILE`'s content).
    pub id_token: String,
    /// The agency that may be assumed (`HW_ASSUME_ROLE_DOMAIN_NAME` / `HW_ASSUME_ROLE_AGENCY_NAME`).
    pub agency: AgencySeed,
}

/// A seeded server as a client sees it.
#[derive(Clone, Debug, Serialize)]
pub struct ServerInfo {
    /// Server id.
    pub id: String,
    /// Server name.
    pub name: String,
    /// Id of its primary port.
    pub primary_port_id: String,
    /// Private IP of its primary port.
    pub primary_ip: String,
    /// Its supplementary ports.
    pub secondary_ports: Vec<PortInfo>,
}

/// A seeded port as a client sees it.
#[derive(Clone, Debug, Serialize)]
pub struct PortInfo {
    /// Port id.
    pub id: String,
    /// Its private IP.
    pub ip_address: String,
}

impl From<&PortSeed> for PortInfo {
    fn from(port: &PortSeed) -> Self {
        Self {
            id: port.id.clone(),
            ip_address: port.ip_address.to_string(),
        }
    }
}

impl HuaweiInfo {
    pub(crate) fn new(config: &HuaweiConfig, base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/').to_owned();
        Self {
            iam_endpoint: base.clone(),
            vpc_endpoint: base,
            region: config.region.clone(),
            project_id: config.project_id.clone(),
            project_name: config.project_name.clone(),
            domain_name: config.domain_name.clone(),
            domain_id: config.domain_id.clone(),
            user_name: config.user_name.clone(),
            password: config.password.clone(),
            access_key: config.access_key.clone(),
            secret_key: config.secret_key.clone(),
            security_token: config.security_token.clone(),
            servers: config
                .servers
                .iter()
                .map(|s| ServerInfo {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    primary_port_id: s.primary_port.id.clone(),
                    primary_ip: s.primary_port.ip_address.to_string(),
                    secondary_ports: s.secondary_ports.iter().map(PortInfo::from).collect(),
                })
                .collect(),
            free_ports: config.free_ports.iter().map(PortInfo::from).collect(),
            shared_bandwidths: config.shared_bandwidths.clone(),
            metadata_endpoint: base_url.trim_end_matches('/').to_owned(),
            instance_id: config.metadata.instance_id.clone(),
            availability_zone: zone_of(&config.region),
            idp_id: config.federation.idp_id.clone(),
            id_token: config.federation.id_token.clone(),
            agency: config.agency.clone(),
        }
    }
}

impl fmt::Debug for HuaweiInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiInfo")
            .field("iam_endpoint", &self.iam_endpoint)
            .field("vpc_endpoint", &self.vpc_endpoint)
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("domain_name", &self.domain_name)
            .field("user_name", &self.user_name)
            .field("password", &MASK)
            .field("access_key", &self.access_key)
            .field("secret_key", &MASK)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| MASK),
            )
            .field("servers", &self.servers)
            .field("free_ports", &self.free_ports)
            .field("shared_bandwidths", &self.shared_bandwidths)
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("instance_id", &self.instance_id)
            .field("idp_id", &self.idp_id)
            .field("id_token", &MASK)
            .field("agency", &self.agency)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_credentials() {
        let config = HuaweiConfig {
            security_token: Some("session-token-value".to_owned()),
            ..HuaweiConfig::default()
        };
        let info = HuaweiInfo::new(&config, "http://127.0.0.1:1/");
        for text in [format!("{config:?}"), format!("{info:?}")] {
            assert!(!text.contains(&config.password), "{text}");
            assert!(!text.contains(&config.secret_key), "{text}");
            assert!(!text.contains("session-token-value"), "{text}");
            assert!(text.contains(&config.access_key));
        }
        assert_eq!(info.vpc_endpoint, "http://127.0.0.1:1");
    }

    #[test]
    fn default_account_has_the_documented_shape() {
        let config = HuaweiConfig::default();
        assert_eq!(config.project_id.len(), 32);
        assert!(config
            .project_id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(config.project_name, config.region);
        assert!(config.servers.len() >= 8);
        assert!(config.servers.iter().any(|s| !s.secondary_ports.is_empty()));
        assert!(!config.free_ports.is_empty());
    }
}
