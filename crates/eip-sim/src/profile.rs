//! The `realistic` profile: the failure modes real gateways show, in one documented mix.
//!
//! Every part is a plain field, so a test can turn one off or change its size; the profile only
//! adds fault rules and sets transition times and the Huawei bind order.

use std::time::Duration;

use crate::cloud::{Cloud, TransitionTime};
use crate::faults::{FaultKind, FaultRule, QuotaScope, QuotaWindow, Trigger};
use crate::huawei::BindOrder;

/// The write actions of each cloud: the ones the profile's commit-then-error, late-delivery and
/// read-lag rules apply to (reads are never "committed").
pub const WRITE_ACTIONS: &[(Cloud, &str)] = &[
    (Cloud::Alibaba, "AllocateEipAddress"),
    (Cloud::Alibaba, "AssociateEipAddress"),
    (Cloud::Alibaba, "UnassociateEipAddress"),
    (Cloud::Alibaba, "ModifyEipAddressAttribute"),
    (Cloud::Alibaba, "ReleaseEipAddress"),
    (Cloud::Alibaba, "TagResources"),
    (Cloud::Alibaba, "UnTagResources"),
    (Cloud::Alibaba, "AddCommonBandwidthPackageIp"),
    (Cloud::Alibaba, "RemoveCommonBandwidthPackageIp"),
    (Cloud::Alibaba, "MoveResourceGroup"),
    (Cloud::Alibaba, "DeletionProtection"),
    (Cloud::Huawei, "CreatePublicip"),
    (Cloud::Huawei, "UpdatePublicip"),
    (Cloud::Huawei, "DeletePublicip"),
    (Cloud::Huawei, "UpdateBandwidth"),
    (Cloud::Huawei, "BatchCreatePublicipTags"),
    (Cloud::Huawei, "BatchDeletePublicipTags"),
    (Cloud::Huawei, "CreatePublicipTag"),
    (Cloud::Huawei, "DeletePublicipTag"),
    (Cloud::Huawei, "AddPublicipsIntoSharedBandwidth"),
    (Cloud::Huawei, "RemovePublicipsFromSharedBandwidth"),
    (Cloud::Huawei, "MigrateResource"),
];

/// The identity services' operations (Huawei IAM: Keystone tokens and projects, OIDC
/// federation, temporary AK/SKs by token or agency; Alibaba STS), which the profile's VPC quota
/// windows do not count: IAM is its own service with its own limits.
const IAM_ACTIONS: &[(Cloud, &str)] = &[
    (Cloud::Huawei, "KeystoneCreateToken"),
    (Cloud::Huawei, "KeystoneListProjects"),
    (Cloud::Huawei, "CreateTokenWithIdToken"),
    (Cloud::Huawei, "CreateTemporaryAccessKey"),
    (Cloud::Alibaba, "AssumeRole"),
    (Cloud::Alibaba, "AssumeRoleWithOIDC"),
];

/// Every instance-metadata request of both clouds (Huawei `MetadataToken`,
/// `MetadataSecurityKey`, `MetadataInstance`; Alibaba `Metadata GET /latest/...`): the metadata
/// service is on the instance's link-local address, not behind the API gateway, so no quota
/// window counts it and it never answers the gateway's 429.
const METADATA_ACTIONS: &str = "Metadata*";

/// The realistic mix ([`SimBuilder::realistic`](crate::SimBuilder::realistic),
/// `eip-sim --profile realistic`). [`Default`] is the documented mix:
///
/// | part | default | why |
/// |---|---|---|
/// | `commit_then_error` | 10 % of writes, status 504 | Huawei's APIG answers `504 APIG.0201 "Backend timeout."` when the backend was slow, and the backend may have processed the request (<https://support.huaweicloud.com/ocr_faq/ocr_01_0065.html>: after a backend timeout, check whether the request was processed) |
/// | `late_delivery` | 5 % of writes, applied 15 s after arrival | a request the client gave up on can still land later |
/// | `read_lag` | 2 s after every write | reads lag writes: Terraform's Huawei EIP waiter treats a 404 right after create as pending (huaweicloud/terraform-provider-huaweicloud `resource_huaweicloud_vpc_eip.go`) |
/// | `quotas` | Huawei VPC (IAM, federation and metadata calls not counted): 200 requests per 5 minutes per account, 5 per second per client IP; Alibaba: none | the Huawei windows of real `APIGW.0308` answers (huaweicloud/terraform-provider-huaweicloud#1335, sbercloud-terraform/terraform-provider-sbercloud#388); Alibaba documents no window size |
/// | `transitions` | uniform 2–5 s | real binds and releases take seconds |
/// | `huawei_bind_order` | [`BindOrder::Neutron`] | v1 publicips are Neutron floating IPs: `port_id` changes at once, `status` follows |
///
/// Combine it with a [time scale](crate::SimBuilder::time_scale) (e.g. 0.01) to run it in a
/// test: every duration above, quota windows included, is compressed. For a delivery to land
/// after the client has given up, `late_delivery_after` (scaled) must exceed the client's
/// attempt timeout.
#[derive(Clone, Debug, PartialEq)]
pub struct Realistic {
    /// Share of writes executed and then answered with a gateway error (0 turns it off).
    pub commit_then_error: f64,
    /// The gateway error's status (504: Huawei `APIG.0201` JSON, Alibaba `ServiceUnavailable`).
    pub commit_then_error_status: u16,
    /// Share of writes held unanswered and applied late (0 turns it off).
    pub late_delivery: f64,
    /// When a late write is applied, after it arrived.
    pub late_delivery_after: Duration,
    /// How long reads show a written resource's previous state (zero turns it off).
    pub read_lag: Duration,
    /// Quota windows, per cloud.
    pub quotas: Vec<(Cloud, QuotaWindow)>,
    /// Transition times.
    pub transitions: TransitionTime,
    /// The order of a Huawei bind or unbind.
    pub huawei_bind_order: BindOrder,
}

impl Default for Realistic {
    fn default() -> Self {
        Self {
            commit_then_error: 0.10,
            commit_then_error_status: 504,
            late_delivery: 0.05,
            late_delivery_after: Duration::from_secs(15),
            read_lag: Duration::from_secs(2),
            quotas: vec![
                (
                    Cloud::Huawei,
                    QuotaWindow::new(QuotaScope::User, 200, Duration::from_secs(300)),
                ),
                (
                    Cloud::Huawei,
                    QuotaWindow::new(QuotaScope::Ip, 5, Duration::from_secs(1)),
                ),
            ],
            transitions: TransitionTime::Uniform {
                min: Duration::from_secs(2),
                max: Duration::from_secs(5),
            },
            huawei_bind_order: BindOrder::Neutron,
        }
    }
}

impl Realistic {
    /// The fault rules of this mix: quota windows first, then read lag, then the two
    /// exclusive faults (commit-then-error before late delivery), one rule per write action.
    pub fn fault_rules(&self) -> Vec<FaultRule> {
        let mut rules: Vec<FaultRule> = self
            .quotas
            .iter()
            .map(|(cloud, window)| {
                let rule = FaultRule::new(FaultKind::Quota(*window), Trigger::Probability(1.0))
                    .cloud(*cloud);
                IAM_ACTIONS
                    .iter()
                    .filter(|(c, _)| c == cloud)
                    .fold(rule, |rule, (_, action)| rule.except(*action))
                    .except(METADATA_ACTIONS)
            })
            .collect();
        let per_write = |kind: FaultKind, probability: f64| {
            WRITE_ACTIONS.iter().map(move |(cloud, action)| {
                FaultRule::new(kind.clone(), Trigger::Probability(probability))
                    .cloud(*cloud)
                    .action(*action)
            })
        };
        if !self.read_lag.is_zero() {
            rules.extend(per_write(FaultKind::ReadLag { lag: self.read_lag }, 1.0));
        }
        if self.commit_then_error > 0.0 {
            let kind = FaultKind::CommitThenError {
                status: self.commit_then_error_status,
            };
            rules.extend(per_write(kind, self.commit_then_error.min(1.0)));
        }
        if self.late_delivery > 0.0 {
            let kind = FaultKind::LateDelivery {
                delay: self.late_delivery_after,
            };
            rules.extend(per_write(kind, self.late_delivery.min(1.0)));
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mix_has_every_part_and_parts_turn_off() {
        let rules = Realistic::default().fault_rules();
        let count = |label: &str| rules.iter().filter(|r| r.kind.label() == label).count();
        assert_eq!(count("quota_user"), 1);
        assert_eq!(count("quota_ip"), 1);
        assert_eq!(count("read_lag"), WRITE_ACTIONS.len());
        assert_eq!(count("commit_then_error"), WRITE_ACTIONS.len());
        assert_eq!(count("late_delivery"), WRITE_ACTIONS.len());
        assert!(rules.iter().all(|r| r.validate().is_ok()));
        let window = rules.iter().find(|r| r.kind.label() == "quota_user");
        assert_eq!(
            window.map(|r| r.except.clone()),
            Some(vec![
                "KeystoneCreateToken".to_owned(),
                "KeystoneListProjects".to_owned(),
                "CreateTokenWithIdToken".to_owned(),
                "CreateTemporaryAccessKey".to_owned(),
                "Metadata*".to_owned(),
            ])
        );
        let quiet = Realistic {
            commit_then_error: 0.0,
            late_delivery: 0.0,
            read_lag: Duration::ZERO,
            quotas: Vec::new(),
            ..Realistic::default()
        };
        assert!(quiet.fault_rules().is_empty());
    }

    #[test]
    fn identity_and_metadata_calls_count_in_no_quota_window() {
        use crate::faults::{Caller, Faults};
        let window = |cloud| {
            (
                cloud,
                QuotaWindow::new(QuotaScope::User, 1, Duration::from_secs(300)),
            )
        };
        let profile = Realistic {
            commit_then_error: 0.0,
            late_delivery: 0.0,
            read_lag: Duration::ZERO,
            quotas: vec![window(Cloud::Huawei), window(Cloud::Alibaba)],
            ..Realistic::default()
        };
        let faults = Faults::new(1);
        for rule in profile.fault_rules() {
            faults.add(rule);
        }
        let throttled = |cloud, action: &str| {
            let caller = Caller {
                cloud,
                action,
                peer: std::net::IpAddr::from([127, 0, 0, 1]),
            };
            faults.decide(&caller).quota.is_some()
        };
        let exempt = [
            (Cloud::Huawei, "KeystoneCreateToken"),
            (Cloud::Huawei, "CreateTokenWithIdToken"),
            (Cloud::Huawei, "CreateTemporaryAccessKey"),
            (Cloud::Huawei, "MetadataToken"),
            (Cloud::Huawei, "MetadataSecurityKey"),
            (Cloud::Huawei, "MetadataInstance"),
            (Cloud::Alibaba, "AssumeRoleWithOIDC"),
            (Cloud::Alibaba, "Metadata GET /latest/meta-data/instance-id"),
        ];
        for _ in 0..3 {
            for (cloud, action) in exempt {
                assert!(!throttled(cloud, action), "{cloud:?} {action} was counted");
            }
        }
        for cloud in [Cloud::Huawei, Cloud::Alibaba] {
            assert!(
                !throttled(cloud, "ListPublicips"),
                "the first VPC call fits"
            );
            assert!(
                throttled(cloud, "ListPublicips"),
                "the second is over the window"
            );
        }
    }
}
