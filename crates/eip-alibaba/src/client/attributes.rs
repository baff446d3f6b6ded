//! What users change between allocate and release: tags, Internet Shared Bandwidth
//! membership, the resource group, deletion protection; and the regions.
//!
//! Every write goes through the one retry loop of [`AlibabaProvider::execute`]. Each of them is
//! idempotent in effect, so a lost answer is simply sent again: tagging sets key = value (a
//! repeat sets it again), untagging removes keys (a key already gone is not an error),
//! MoveResourceGroup and DeletionProtection set an absolute value, and the shared-bandwidth
//! actions carry a ClientToken minted once per call. The checks that need the address (tag
//! count, current package, protection) read it once, before anything is sent.

use std::collections::BTreeSet;

use super::*;

pub(super) const TAG: &str = "TagResources";
pub(super) const UNTAG: &str = "UnTagResources";
pub(super) const LIST_TAGS: &str = "ListTagResources";
pub(super) const JOIN: &str = "AddCommonBandwidthPackageIp";
pub(super) const LEAVE: &str = "RemoveCommonBandwidthPackageIp";
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
    /// address is read first: already in that package is success without a request, in another
    /// one a conflict (Alibaba takes an address into one package at a time), locked refused.
    pub(super) async fn join_inner(&self, id: &str, package: &str) -> Result<()> {
        validate::id("id", id)?;
        validate::id("bandwidth_id", package)?;
        require_shared_bandwidth(&self.capabilities)?;
        let eip = self.get(id).await?;
        if eip.status == EipStatus::Locked {
            return Err(locked(&eip, JOIN));
        }
        match eip.bandwidth_id.as_deref() {
            Some(current) if current == package => return Ok(()),
            Some(current) => {
                return Err(conflict(
                    &eip,
                    &format!("it is in shared bandwidth {current}; leave it first"),
                ))
            }
            None => {}
        }
        self.membership(JOIN, id, package).await
    }

    /// RemoveCommonBandwidthPackageIp
    /// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-removecommonbandwidthpackageip>):
    /// the address gets its own bandwidth back (`EipBandwidth`, kept while it was shared); when
    /// `dedicated` asks for another size, ModifyEipAddressAttribute sets it afterwards. Alibaba
    /// cannot change an address's billing method, so a `charge_mode` other than the address's
    /// own is refused before anything is sent. An address in no package is left as it is.
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
        self.membership(LEAVE, id, &package).await?;
        if eip.bandwidth_mbps != Some(dedicated.mbps) {
            self.modify_inner(id, &Modification::new().bandwidth(dedicated.mbps))
                .await?;
        }
        Ok(())
    }

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
    pub(super) async fn move_group_inner(&self, id: &str, group: &str) -> Result<()> {
        validate::id("id", id)?;
        validate::id("resource_group", group)?;
        let request = self
            .request(MOVE_GROUP)
            .set("ResourceType", RESOURCE_TYPE)
            .set("ResourceId", id)
            .set("NewResourceGroupId", group);
        self.write(Call::write(KIND, MOVE_GROUP, true).on(id), &request, None)
            .await
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
                    if eip.bandwidth_id.as_deref() != Some(package) {
                        self.membership(JOIN, &eip.id, package).await?;
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
