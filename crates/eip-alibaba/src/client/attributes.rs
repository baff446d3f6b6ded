//! What users change between allocate and release: tags, Internet Shared Bandwidth
//! membership, the resource group, deletion protection; and the regions.
//!
//! Every write goes through the one retry loop of [`AlibabaProvider::execute`]. Each of them is
//! idempotent in effect, so a lost answer is simply sent again: tagging sets key = value (a
//! repeat sets it again), untagging removes keys (a key already gone is not an error),
//! MoveResourceGroup and DeletionProtection set an absolute value, and the shared-bandwidth
//! actions carry a ClientToken minted once per call (the same on every attempt of that call).
//! The checks that need the address (tag count, current package, protection) read it once,
//! before anything is sent.
//!
//! Shared-bandwidth membership is asynchronous: AddCommonBandwidthPackageIp answers with a
//! request id while the task runs, the package reads `BINDING` and "you can only query the
//! instance" until the member is `BINDED`
//! (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-120320>). So join and
//! leave wait, after the write, until DescribeCommonBandwidthPackages shows the address
//! `BINDED` in the package (join) or no longer in it (leave), polled with [`membership_wait`];
//! a refusal while the package is busy (`BandwidthPackageOperation.conflict`) is retried by the
//! one retry loop. A join or leave is then: the address read (one call), the write (one call),
//! and the wait (one DescribeCommonBandwidthPackages call per poll, about 70 in its 5 minutes);
//! a leave with another dedicated size adds ModifyEipAddressAttribute.

use std::collections::BTreeSet;
use std::time::Duration;

use eip_core::wait::{self, Progress, WaitPolicy};
use serde::Deserialize;

use super::*;

pub(super) const TAG: &str = "TagResources";
pub(super) const UNTAG: &str = "UnTagResources";
pub(super) const LIST_TAGS: &str = "ListTagResources";
pub(super) const JOIN: &str = "AddCommonBandwidthPackageIp";
pub(super) const LEAVE: &str = "RemoveCommonBandwidthPackageIp";
const PACKAGES: &str = "DescribeCommonBandwidthPackages";
pub(super) const MOVE_GROUP: &str = "MoveResourceGroup";
pub(super) const PROTECT: &str = "DeletionProtection";
pub(super) const REGIONS: &str = "DescribeRegions";

/// The `ResourceType` / `Type` of an EIP in the tag, resource-group and protection actions, as
/// Terraform's alicloud provider sends it (`alicloud/resource_alicloud_eip_address.go`,
/// `alicloud/service_alicloud_eip_v2.go`).
const RESOURCE_TYPE: &str = "EIP";

/// ListTagResources answers at most 50 rows a page (`MaxResults`,
/// <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-listtagresources>):
/// more than the 20 tags one address can carry, so one page holds all of an address's tags.
const TAG_PAGE: &str = "50";

impl AlibabaProvider {
    /// TagResources (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-tagresources>)
    /// and UnTagResources
    /// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-untagresources>).
    ///
    /// The address's tags are read first (ListTagResources, one request) so that a change that
    /// would leave more than 20 is refused before anything is sent. Removals go first, so that a
    /// change replacing tags stays within the limit. At most 3 calls: the read, UnTagResources,
    /// TagResources; if the last fails, the removals have already taken effect.
    pub(super) async fn set_tags_inner(&self, id: &str, change: &TagChange) -> Result<()> {
        validate::id("id", id)?;
        change.validate(&self.capabilities)?;
        let max = self.capabilities.max_tags();
        let current = self.tags_of(id).await?;
        let mut after: BTreeSet<&str> = current.iter().map(String::as_str).collect();
        for key in &change.remove {
            after.remove(key.as_str());
        }
        after.extend(change.add.keys().map(String::as_str));
        if after.len() > max {
            return Err(Error::invalid_input(
                "tags",
                format!(
                    "{id} would carry {} tags; at most {max} per address (it has {})",
                    after.len(),
                    current.len()
                ),
            ));
        }
        if !change.remove.is_empty() {
            let mut request = self
                .request(UNTAG)
                .set("ResourceType", RESOURCE_TYPE)
                .set("ResourceId.1", id);
            for (n, key) in change.remove.iter().enumerate() {
                request = request.set(format!("TagKey.{}", n + 1), key.as_str());
            }
            self.write(Call::write(KIND, UNTAG, true).on(id), &request, None)
                .await?;
        }
        if !change.add.is_empty() {
            let request = self
                .request(TAG)
                .set("ResourceType", RESOURCE_TYPE)
                .set("ResourceId.1", id)
                .tags(&change.add);
            self.write(Call::write(KIND, TAG, true).on(id), &request, None)
                .await?;
        }
        Ok(())
    }

    /// The keys of the address's tags, from ListTagResources. The action lists rather than
    /// looks up, so an address that does not exist simply has no tags here; the write that
    /// follows then gets the cloud's `InvalidResourceId.NotFound`.
    async fn tags_of(&self, id: &str) -> Result<Vec<String>> {
        let request = self
            .request(LIST_TAGS)
            .set("ResourceType", RESOURCE_TYPE)
            .set("ResourceId.1", id)
            .set("MaxResults", TAG_PAGE);
        let answer: wire::ListTagResourcesResponse = self
            .execute(
                Call::read(KIND, LIST_TAGS).on(id),
                &request,
                None,
                rpc::read_answer,
            )
            .await?
            .map_or_else(|| rpc::read_answer(LIST_TAGS, b""), Ok)?;
        Ok(answer
            .tag_resources
            .into_iter()
            .flat_map(|t| t.tag_resource)
            .filter(|row| row.resource_id.as_deref() == Some(id))
            .filter_map(|row| row.tag_key)
            .collect())
    }

    /// AddCommonBandwidthPackageIp
    /// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-120320>). The
    /// address is read first: in another package it is a conflict (Alibaba takes an address
    /// into one package at a time), locked is refused, already in that package needs no
    /// request. Returns once DescribeCommonBandwidthPackages shows the address `BINDED` in the
    /// package (the join runs in the background; see the module docs), or
    /// [`Error::WaitTimeout`] after [`membership_wait`]'s 5 minutes.
    pub(super) async fn join_inner(&self, id: &str, package: &str) -> Result<()> {
        validate::id("id", id)?;
        validate::id("bandwidth_id", package)?;
        require_shared_bandwidth(&self.capabilities)?;
        let eip = self.get(id).await?;
        if eip.status == EipStatus::Locked {
            return Err(locked(&eip, JOIN));
        }
        match eip.bandwidth_id.as_deref() {
            // Named by the address, but the join may still be running.
            Some(current) if current == package => {
                return self.await_membership(id, package, true).await
            }
            Some(current) => {
                return Err(conflict(
                    &eip,
                    &format!("it is in shared bandwidth {current}; leave it first"),
                ))
            }
            None => {}
        }
        self.join_and_wait(id, package).await
    }

    async fn join_and_wait(&self, id: &str, package: &str) -> Result<()> {
        self.membership(JOIN, id, package).await?;
        self.await_membership(id, package, true).await
    }

    /// RemoveCommonBandwidthPackageIp
    /// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-removecommonbandwidthpackageip>):
    /// the address gets its own bandwidth back (`EipBandwidth`, kept while it was shared); when
    /// `dedicated` asks for another size, ModifyEipAddressAttribute sets it afterwards. Alibaba
    /// cannot change an address's billing method, so a `charge_mode` other than the address's
    /// own is refused before anything is sent. An address in no package is left as it is.
    ///
    /// The removal runs in the background like the join: this returns once
    /// DescribeCommonBandwidthPackages no longer lists the address in the package (before the
    /// ModifyEipAddressAttribute, which the busy address would refuse), or
    /// [`Error::WaitTimeout`] after [`membership_wait`]'s 5 minutes. A removal refused with
    /// `OperationUnsupported.IpNotInCbwp` (an earlier attempt whose answer was lost already
    /// took effect) is success when a fresh read shows the address in no package.
    pub(super) async fn leave_inner(&self, id: &str, dedicated: &DedicatedBandwidth) -> Result<()> {
        validate::id("id", id)?;
        require_shared_bandwidth(&self.capabilities)?;
        dedicated.validate(&self.capabilities)?;
        let eip = self.get(id).await?;
        if let Some(mode) = &dedicated.charge_mode {
            if eip.charge_mode.as_ref().is_some_and(|own| own != mode) {
                return Err(Error::Unsupported {
                    what: format!(
                        "changing the billing of {id} to {mode} (Alibaba keeps an address's own)"
                    ),
                });
            }
        }
        if eip.status == EipStatus::Locked {
            return Err(locked(&eip, LEAVE));
        }
        let Some(package) = eip.bandwidth_id.clone() else {
            return Ok(());
        };
        match self.membership(LEAVE, id, &package).await {
            Err(error) if has_code(&error, NOT_A_MEMBER) => {
                if self.get(id).await?.bandwidth_id.is_some() {
                    return Err(error);
                }
            }
            other => other?,
        }
        self.await_membership(id, &package, false).await?;
        if eip.bandwidth_mbps != Some(dedicated.mbps) {
            self.modify_inner(id, &Modification::new().bandwidth(dedicated.mbps))
                .await?;
        }
        Ok(())
    }

    /// Sends AddCommonBandwidthPackageIp or RemoveCommonBandwidthPackageIp through the one
    /// retry loop. The request, and so its ClientToken, is built once: every attempt sends the
    /// same token, so an attempt whose answer was lost is not acted on twice.
    async fn membership(&self, action: &'static str, id: &str, package: &str) -> Result<()> {
        let mut request = self
            .request(action)
            .set("BandwidthPackageId", package)
            .set("IpInstanceId", id);
        if action == JOIN {
            request = request.set("IpType", "EIP");
        }
        let request = request.set("ClientToken", mint_token());
        self.write(Call::write(KIND, action, true).on(id), &request, None)
            .await
    }

    /// MoveResourceGroup with `ResourceType=EIP`, `ResourceId`, `NewResourceGroupId` (the
    /// VPC reference,
    /// <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-moveresourcegroup>,
    /// and Terraform's `alicloud/resource_alicloud_eip_address.go`).
    ///
    /// The move sets an absolute value and is sent again after a lost answer; the reference
    /// does not say what the cloud answers to a move into the group the address is already in,
    /// so a failed call is success when a fresh read (one more call) shows the address in
    /// `group` (an earlier attempt took effect), as for the membership writes.
    pub(super) async fn move_group_inner(&self, id: &str, group: &str) -> Result<()> {
        validate::id("id", id)?;
        validate::id("resource_group", group)?;
        let request = self
            .request(MOVE_GROUP)
            .set("ResourceType", RESOURCE_TYPE)
            .set("ResourceId", id)
            .set("NewResourceGroupId", group);
        match self
            .write(Call::write(KIND, MOVE_GROUP, true).on(id), &request, None)
            .await
        {
            Err(refusal) => match self.get(id).await {
                Ok(eip) if eip.resource_group.as_deref() == Some(group) => {
                    tracing::debug!(%refusal, "the address is already in the group; the move is done");
                    Ok(())
                }
                _ => Err(refusal),
            },
            other => other,
        }
    }

    /// DeletionProtection with `Type=EIP`, `InstanceId`, `ProtectionEnable` (the VPC
    /// reference,
    /// <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletionprotection>;
    /// Terraform's `alicloud/resource_alicloud_eip_address.go` sends the same parameters).
    pub(super) async fn protect_inner(&self, id: &str, enabled: bool) -> Result<()> {
        validate::id("id", id)?;
        let request = self
            .request(PROTECT)
            .set("Type", RESOURCE_TYPE)
            .set("InstanceId", id)
            .set("ProtectionEnable", enabled.to_string())
            .set("ClientToken", mint_token());
        self.write(Call::write(KIND, PROTECT, true).on(id), &request, None)
            .await
    }

    /// Polls DescribeCommonBandwidthPackages (with [`membership_wait`]) until the address's row
    /// in `package` is `BINDED` (`member`) or gone (not `member`).
    async fn await_membership(&self, id: &str, package: &str, member: bool) -> Result<()> {
        wait::poll(&membership_wait(), || async {
            let relation = self.relation(id, package, member).await?;
            let done = match relation.as_deref() {
                Some(BINDED) => member,
                Some(_) => false,
                None => !member,
            };
            tracing::debug!(id, package, ?relation, "shared bandwidth membership");
            Ok(if done {
                Progress::Done(())
            } else {
                Progress::Pending(None)
            })
        })
        .await
    }

    /// The `BandwidthPackageIpRelationStatus` of the address in `package` (one request), `None`
    /// when it has no row there. A package the answer does not list is not found for a join,
    /// and holds nothing for a leave.
    async fn relation(&self, id: &str, package: &str, member: bool) -> Result<Option<String>> {
        let request = self
            .request(PACKAGES)
            .set("BandwidthPackageId", package)
            .set("PageSize", "50");
        let answer: PackagesResponse = self
            .execute(
                Call::read(KIND, PACKAGES).on(id),
                &request,
                None,
                rpc::read_answer,
            )
            .await?
            .map_or_else(|| rpc::read_answer(PACKAGES, b""), Ok)?;
        let Some(row) = answer
            .packages
            .into_iter()
            .flat_map(|p| p.package)
            .find(|p| p.id.as_deref() == Some(package))
        else {
            return if member {
                Err(Error::not_found(format!("shared bandwidth {package}")))
            } else {
                Ok(None)
            };
        };
        Ok(row
            .addresses
            .into_iter()
            .flat_map(|a| a.address)
            .find(|a| a.allocation_id.as_deref() == Some(id))
            .map(|a| a.status.unwrap_or_default()))
    }

    /// VPC DescribeRegions
    /// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeregions>),
    /// names filled from [`crate::regions_static`] when the answer has none. A failure is
    /// returned as it is, never replaced by the static table.
    pub(super) async fn regions_inner(&self) -> Result<Vec<Region>> {
        let request = self.request(REGIONS);
        let answer: wire::DescribeRegionsResponse = self
            .execute(Call::read(KIND, REGIONS), &request, None, rpc::read_answer)
            .await?
            .map_or_else(|| rpc::read_answer(REGIONS, b""), Ok)?;
        Ok(answer
            .regions
            .into_iter()
            .flat_map(|r| r.region)
            .filter_map(|item| {
                let id = item.region_id?;
                let name = item
                    .local_name
                    .or_else(|| crate::regions::name_of(&id).map(str::to_owned));
                Some(Region::new(id, name))
            })
            .collect())
    }

    /// After AllocateEipAddress, the options it has no parameter for: joining a shared
    /// bandwidth, then deletion protection (Terraform's `alicloud/resource_alicloud_eip_address.go`
    /// also sets protection with DeletionProtection after allocating). If one fails, the new
    /// address is kept for a caller's idempotency key or released (see
    /// [`eip_core::allocation::finish_or_undo`]), and the error says which.
    pub(super) async fn finish_allocation(
        &self,
        eip: Eip,
        request: &AllocateRequest,
    ) -> Result<Eip> {
        eip_core::allocation::finish_or_undo(
            eip,
            request.idempotency_key.is_some(),
            |mut eip| async move {
                if let Some(package) = &request.shared_bandwidth_id {
                    if eip.bandwidth_id.as_deref() == Some(package) {
                        self.await_membership(&eip.id, package, true).await?;
                    } else {
                        self.join_and_wait(&eip.id, package).await?;
                    }
                    eip.bandwidth_id = Some(package.clone());
                    eip.bandwidth_kind = Some(eip_core::BandwidthKind::Shared);
                }
                if request.deletion_protection && eip.deletion_protection != Some(true) {
                    self.protect_inner(&eip.id, true).await?;
                    eip.deletion_protection = Some(true);
                }
                Ok(eip)
            },
            |id| async move { self.release_inner(&id).await },
        )
        .await
    }
}

fn require_shared_bandwidth(caps: &Capabilities) -> Result<()> {
    if caps.shared_bandwidth {
        Ok(())
    } else {
        Err(Error::Unsupported {
            what: "shared bandwidth".into(),
        })
    }
}

/// How join and leave wait for the background task: every 20 ms at first, growing to at most
/// every 5 s, for at most 5 minutes, the interval and budget Terraform's alicloud provider uses
/// after AddCommonBandwidthPackageIp and RemoveCommonBandwidthPackageIp
/// (`alicloud/resource_alicloud_common_bandwidth_package_attachment.go`).
pub(crate) fn membership_wait() -> WaitPolicy {
    WaitPolicy::default()
        .intervals(Duration::from_millis(20), Duration::from_secs(5))
        .max_wait(Duration::from_secs(300))
}

/// A member row once the join is done (DescribeCommonBandwidthPackages,
/// `BandwidthPackageIpRelationStatus`; `BINDING` while it runs).
const BINDED: &str = "BINDED";

/// RemoveCommonBandwidthPackageIp of an address that is not in the package; Terraform's
/// `alicloud/resource_alicloud_common_bandwidth_package_attachment.go` takes it for "already
/// removed".
const NOT_A_MEMBER: &str = "OperationUnsupported.IpNotInCbwp";

fn has_code(error: &Error, code: &str) -> bool {
    error.service().is_some_and(|s| s.code == code)
}

/// DescribeCommonBandwidthPackages, the fields read here
/// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-describecommonbandwidthpackages>).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PackagesResponse {
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    request_id: Option<String>,
    #[serde(
        default,
        rename = "CommonBandwidthPackages",
        deserialize_with = "eip_http::de::opt_object"
    )]
    packages: Option<PackageList>,
}

impl rpc::Answer for PackagesResponse {
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

#[derive(Debug, Default, Deserialize)]
struct PackageList {
    #[serde(
        default,
        rename = "CommonBandwidthPackage",
        deserialize_with = "eip_http::de::one_or_many"
    )]
    package: Vec<PackageRow>,
}

#[derive(Debug, Default, Deserialize)]
struct PackageRow {
    #[serde(
        default,
        rename = "BandwidthPackageId",
        deserialize_with = "eip_http::de::opt_string"
    )]
    id: Option<String>,
    /// The list of addresses is spelled `PublicIpAddresse` in the response table.
    #[serde(
        default,
        rename = "PublicIpAddresses",
        deserialize_with = "eip_http::de::opt_object"
    )]
    addresses: Option<MemberList>,
}

#[derive(Debug, Default, Deserialize)]
struct MemberList {
    #[serde(
        default,
        rename = "PublicIpAddresse",
        deserialize_with = "eip_http::de::one_or_many"
    )]
    address: Vec<MemberRow>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MemberRow {
    #[serde(default, deserialize_with = "eip_http::de::opt_string")]
    allocation_id: Option<String>,
    #[serde(
        default,
        rename = "BandwidthPackageIpRelationStatus",
        deserialize_with = "eip_http::de::opt_string"
    )]
    status: Option<String>,
}
