//! The actions around an EIP's attributes: tags (`TagResources`, `UnTagResources`,
//! `ListTagResources`), Internet Shared Bandwidths (`AddCommonBandwidthPackageIp`,
//! `RemoveCommonBandwidthPackageIp`, `DescribeCommonBandwidthPackages`), resource groups
//! (`MoveResourceGroup`), deletion protection (`DeletionProtection`) and `DescribeRegions`, all
//! of the VPC API 2016-04-28.

use http::StatusCode;
use serde_json::{json, Value};

use super::actions::Params;
use super::errors::ApiError;
use super::routes::Answer;
use super::state::{
    check_resource_group, Account, AlibabaState, BandwidthPackage, Eip, PackageTask, World,
};

/// The attribute actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttributeAction {
    TagResources,
    UnTagResources,
    ListTagResources,
    AddCommonBandwidthPackageIp,
    RemoveCommonBandwidthPackageIp,
    DescribeCommonBandwidthPackages,
    MoveResourceGroup,
    DeletionProtection,
    DescribeRegions,
}

impl AttributeAction {
    const ALL: [Self; 9] = [
        Self::TagResources,
        Self::UnTagResources,
        Self::ListTagResources,
        Self::AddCommonBandwidthPackageIp,
        Self::RemoveCommonBandwidthPackageIp,
        Self::DescribeCommonBandwidthPackages,
        Self::MoveResourceGroup,
        Self::DeletionProtection,
        Self::DescribeRegions,
    ];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::TagResources => "TagResources",
            Self::UnTagResources => "UnTagResources",
            Self::ListTagResources => "ListTagResources",
            Self::AddCommonBandwidthPackageIp => "AddCommonBandwidthPackageIp",
            Self::RemoveCommonBandwidthPackageIp => "RemoveCommonBandwidthPackageIp",
            Self::DescribeCommonBandwidthPackages => "DescribeCommonBandwidthPackages",
            Self::MoveResourceGroup => "MoveResourceGroup",
            Self::DeletionProtection => "DeletionProtection",
            Self::DescribeRegions => "DescribeRegions",
        }
    }
}

/// Runs one attribute action. Actions that take a ClientToken (AddCommonBandwidthPackageIp,
/// RemoveCommonBandwidthPackageIp, DeletionProtection) are deduplicated by it like the EIP
/// writes; the others have none in their API references.
pub(super) fn execute(
    state: &AlibabaState,
    action: AttributeAction,
    params: &Params<'_>,
    lag: Option<std::time::Duration>,
) -> Result<Answer, ApiError> {
    use AttributeAction::*;
    let name = action.name();
    let token = params.client_token()?;
    let fingerprint = params.fingerprint();
    let result = match action {
        TagResources => {
            let req = tag_request(params)?;
            state.with_token(name, None, Vec::new(), |account, _| {
                let first = req.ids.first().cloned();
                account.lagging(lag, first.as_deref(), |a| a.tag(&req))
            })
        }
        UnTagResources => {
            let req = untag_request(params)?;
            state.with_token(name, None, Vec::new(), |account, _| {
                let first = req.ids.first().cloned();
                account.lagging(lag, first.as_deref(), |a| a.untag(&req))
            })
        }
        ListTagResources => {
            let req = list_tags_request(params)?;
            Ok(state.lock().list_tags(&req))
        }
        AddCommonBandwidthPackageIp | RemoveCommonBandwidthPackageIp => {
            let package = params.required("BandwidthPackageId")?.to_owned();
            let eip = params.required("IpInstanceId")?.to_owned();
            if let Some(kind) = params.get("IpType") {
                // AddCommonBandwidthPackageIp `IpType`: only `EIP`.
                if kind != "EIP" {
                    return Err(ApiError::invalid("IpType", "the only value is EIP"));
                }
            }
            let join = action == AddCommonBandwidthPackageIp;
            state.with_token(name, token, fingerprint, |account, world| {
                account.lagging(lag, Some(&eip), |a| {
                    if join {
                        a.join_package(world, &package, &eip)
                    } else {
                        a.leave_package(world, &package, &eip)
                    }
                })
            })
        }
        DescribeCommonBandwidthPackages => {
            let req = describe_packages_request(params)?;
            Ok(state.lock().describe_packages(&req, &state.world().region))
        }
        MoveResourceGroup => {
            check_resource_type(params, "ResourceType")?;
            let id = params.required("ResourceId")?.to_owned();
            let group = params.required("NewResourceGroupId")?.to_owned();
            check_resource_group(state.world(), &group)?;
            state.with_token(name, None, Vec::new(), |account, _| {
                account.lagging(lag, Some(&id), |a| {
                    let (_, eip) = a.find(&id)?;
                    eip.resource_group_id = group;
                    Ok(json!({}))
                })
            })
        }
        DeletionProtection => {
            check_resource_type(params, "Type")?;
            let id = params.required("InstanceId")?.to_owned();
            params.required("ProtectionEnable")?;
            let enabled = params.boolean("ProtectionEnable")?;
            state.with_token(name, token, fingerprint, |account, _| {
                account.lagging(lag, Some(&id), |a| {
                    let (_, eip) = a.find(&id)?;
                    eip.deletion_protection = enabled;
                    Ok(json!({}))
                })
            })
        }
        DescribeRegions => Ok(regions(&state.world().region)),
    };
    result.map(Answer::Json)
}

/// The EIP resource type of the tag, resource-group and protection actions. Terraform's alicloud
/// provider sends `EIP` (`alicloud/resource_alicloud_eip_address.go`); the MoveResourceGroup
/// reference writes `eip`, so the case is not checked.
fn check_resource_type(params: &Params<'_>, name: &str) -> Result<(), ApiError> {
    let kind = params.required(name)?;
    if kind.eq_ignore_ascii_case("EIP") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidResourceType.NotFound",
            "The ResourceType provided does not exist in our records.",
        ))
    }
}

/// TagResources / UnTagResources / ListTagResources take `ResourceId.N`, N from 1 to 50
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-tagresources>).
fn resource_ids(params: &Params<'_>, required: bool) -> Result<Vec<String>, ApiError> {
    let ids = params.numbered("ResourceId", "")?;
    if ids.iter().any(|(n, _)| *n > 50) {
        return Err(ApiError::invalid("ResourceId.N", "at most 50 resources"));
    }
    if required && ids.is_empty() {
        return Err(ApiError::missing("ResourceId.1"));
    }
    Ok(ids.into_iter().map(|(_, id)| id.to_owned()).collect())
}

/// The TagResources limits: at most 20 tags per call and per resource; a key 1–128 characters,
/// a value 0–128, neither starting with `aliyun` or `acs:` nor containing `http://` or
/// `https://`
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-tagresources>).
/// The codes (`InvalidTagKey.Malformed`, `InvalidTagValue.Malformed`, `Duplicate.TagKey`,
/// `InvalidTagCount`, `OperationDenied.QuotaExceed`, `InvalidResourceId.NotFound`,
/// `InvalidResourceType.NotFound`) are those the TagResources error tables of Alibaba's other
/// products list (ECS, the AlibabaCloudDocs API references); the VPC page consulted shows none.
const MAX_TAGS: usize = 20;

fn tag_text_ok(text: &str, min: usize) -> bool {
    let len = text.chars().count();
    (min..=128).contains(&len)
        && !text.starts_with("aliyun")
        && !text.starts_with("acs:")
        && !text.contains("http://")
        && !text.contains("https://")
}

fn malformed_key() -> ApiError {
    ApiError::bad(
        "InvalidTagKey.Malformed",
        "The specified Tag.n.Key is not valid.",
    )
}

struct TagRequest {
    ids: Vec<String>,
    tags: Vec<(String, String)>,
}

fn tag_request(params: &Params<'_>) -> Result<TagRequest, ApiError> {
    check_resource_type(params, "ResourceType")?;
    let ids = resource_ids(params, true)?;
    let keys = params.numbered("Tag", ".Key")?;
    let values = params.numbered("Tag", ".Value")?;
    if keys.is_empty() {
        return Err(ApiError::missing("Tag.1.Key"));
    }
    if keys.iter().chain(&values).any(|(n, _)| *n > MAX_TAGS) {
        return Err(ApiError::bad(
            "InvalidTagCount",
            "The specified tags are beyond the permitted range.",
        ));
    }
    let mut tags: Vec<(String, String)> = Vec::new();
    for (n, key) in keys {
        if !tag_text_ok(key, 1) {
            return Err(malformed_key());
        }
        let value = values.iter().find(|(m, _)| *m == n).map_or("", |(_, v)| *v);
        if !tag_text_ok(value, 0) {
            return Err(ApiError::bad(
                "InvalidTagValue.Malformed",
                "The specified Tag.n.Value is not valid.",
            ));
        }
        if tags.iter().any(|(k, _)| k == key) {
            return Err(ApiError::bad(
                "Duplicate.TagKey",
                "The Tag.N.Key contain duplicate key.",
            ));
        }
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(TagRequest { ids, tags })
}

struct UntagRequest {
    ids: Vec<String>,
    keys: Vec<String>,
    all: bool,
}

/// UnTagResources: `TagKey.N` (N up to 20) or `All=true` (every tag)
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-untagresources>).
fn untag_request(params: &Params<'_>) -> Result<UntagRequest, ApiError> {
    check_resource_type(params, "ResourceType")?;
    let ids = resource_ids(params, true)?;
    let keys = params.numbered("TagKey", "")?;
    if keys.iter().any(|(n, _)| *n > MAX_TAGS) {
        return Err(ApiError::bad(
            "InvalidTagCount",
            "The specified tags are beyond the permitted range.",
        ));
    }
    if keys.iter().any(|(_, key)| !tag_text_ok(key, 1)) {
        return Err(malformed_key());
    }
    let all = params.boolean("All")?;
    if keys.is_empty() && !all {
        return Err(ApiError::missing("TagKey.1"));
    }
    Ok(UntagRequest {
        ids,
        keys: keys.into_iter().map(|(_, k)| k.to_owned()).collect(),
        all,
    })
}

struct ListTagsRequest {
    ids: Vec<String>,
    tags: Vec<(String, String)>,
    max_results: usize,
    offset: usize,
}

/// ListTagResources: `ResourceId.N` and/or `Tag.N.Key/Value`, `MaxResults` 1–50 (default 50),
/// `NextToken`
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-listtagresources>).
fn list_tags_request(params: &Params<'_>) -> Result<ListTagsRequest, ApiError> {
    check_resource_type(params, "ResourceType")?;
    let ids = resource_ids(params, false)?;
    let keys = params.numbered("Tag", ".Key")?;
    let values = params.numbered("Tag", ".Value")?;
    let tags: Vec<(String, String)> = keys
        .iter()
        .map(|(n, key)| {
            let value = values.iter().find(|(m, _)| m == n).map_or("", |(_, v)| *v);
            ((*key).to_owned(), value.to_owned())
        })
        .collect();
    if ids.is_empty() && tags.is_empty() {
        return Err(ApiError::missing("ResourceId.1"));
    }
    let max_results = params.number("MaxResults")?.unwrap_or(50);
    if !(1..=50).contains(&max_results) {
        return Err(ApiError::invalid(
            "MaxResults",
            "it must be between 1 and 50",
        ));
    }
    let offset = match params.get("NextToken") {
        None => 0,
        Some(token) => token
            .parse()
            .map_err(|_| ApiError::invalid("NextToken", "it is not a token this API issued"))?,
    };
    Ok(ListTagsRequest {
        ids,
        tags,
        max_results: usize::try_from(max_results).unwrap_or(50),
        offset,
    })
}

struct DescribePackagesRequest {
    id: Option<String>,
    page_number: usize,
    page_size: usize,
}

/// DescribeCommonBandwidthPackages: `BandwidthPackageId`, `PageNumber`, `PageSize` 1–50
/// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-describecommonbandwidthpackages>).
fn describe_packages_request(params: &Params<'_>) -> Result<DescribePackagesRequest, ApiError> {
    let page_size = params.number("PageSize")?.unwrap_or(10);
    if !(1..=50).contains(&page_size) {
        return Err(ApiError::invalid("PageSize", "it must be between 1 and 50"));
    }
    let page_number = params.number("PageNumber")?.unwrap_or(1).max(1);
    Ok(DescribePackagesRequest {
        id: params.get("BandwidthPackageId").map(str::to_owned),
        page_number: usize::try_from(page_number).unwrap_or(1),
        page_size: usize::try_from(page_size).unwrap_or(10),
    })
}

fn package_not_found(id: &str) -> ApiError {
    // AddBandwidthPackageIps error table: 404 `InvalidBandwidthPackageId.NotFound`.
    ApiError::new(
        StatusCode::NOT_FOUND,
        "InvalidBandwidthPackageId.NotFound",
        format!("The specified BandwidthPackageId \"{id}\" does not exist in our records."),
    )
}

fn resource_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "InvalidResourceId.NotFound",
        "The specified ResourceIds are not found in our records.",
    )
}

impl Account {
    /// TagResources: every resource must exist and end with at most 20 tags, or nothing changes.
    fn tag(&mut self, req: &TagRequest) -> Result<Value, ApiError> {
        for id in &req.ids {
            let (_, eip) = self.find(id).map_err(|_| resource_not_found())?;
            let new_keys = req
                .tags
                .iter()
                .filter(|(k, _)| !eip.tags.iter().any(|(tk, _)| tk == k))
                .count();
            if eip.tags.len().saturating_add(new_keys) > MAX_TAGS {
                return Err(ApiError::bad(
                    "OperationDenied.QuotaExceed",
                    "The quota of tags on resource is beyond permitted range.",
                ));
            }
        }
        for id in &req.ids {
            let (_, eip) = self.find(id).map_err(|_| resource_not_found())?;
            for (key, value) in &req.tags {
                match eip.tags.iter_mut().find(|(k, _)| k == key) {
                    Some(tag) => tag.1.clone_from(value),
                    None => eip.tags.push((key.clone(), value.clone())),
                }
            }
        }
        Ok(json!({}))
    }

    /// UnTagResources: a key the resource does not carry is not an error.
    fn untag(&mut self, req: &UntagRequest) -> Result<Value, ApiError> {
        for id in &req.ids {
            self.find(id).map_err(|_| resource_not_found())?;
        }
        for id in &req.ids {
            let (_, eip) = self.find(id).map_err(|_| resource_not_found())?;
            if req.all && req.keys.is_empty() {
                eip.tags.clear();
            } else {
                eip.tags.retain(|(k, _)| !req.keys.contains(k));
            }
        }
        Ok(json!({}))
    }

    /// ListTagResources, as reads see the account now (a lagging tag write shows the old tags).
    fn list_tags(&self, req: &ListTagsRequest) -> Value {
        let mut rows = Vec::new();
        for eip in self.read_view().values() {
            if !req.ids.is_empty() && !req.ids.contains(&eip.allocation_id) {
                continue;
            }
            let carries = |(k, v): &(String, String)| {
                eip.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
            };
            if !req.tags.iter().all(carries) {
                continue;
            }
            for (key, value) in &eip.tags {
                rows.push(json!({
                    "ResourceId": eip.allocation_id,
                    "ResourceType": "EIP",
                    "TagKey": key,
                    "TagValue": value,
                }));
            }
        }
        let end = req.offset.saturating_add(req.max_results);
        let next = if end < rows.len() {
            end.to_string()
        } else {
            String::new()
        };
        let page: Vec<Value> = rows
            .into_iter()
            .skip(req.offset)
            .take(req.max_results)
            .collect();
        json!({"TagResources": {"TagResource": page}, "NextToken": next})
    }

    /// The package's `Status` in DescribeCommonBandwidthPackages: `BINDING` / `UNBINDING`
    /// while one of its members' tasks runs, else `Available`.
    pub(super) fn package_status(&self, package_id: &str) -> &'static str {
        self.busy_status(package_id, None).unwrap_or("Available")
    }

    /// `BINDING` / `UNBINDING` when a task of an EIP other than `except` runs in the package.
    fn busy_status(&self, package_id: &str, except: Option<&str>) -> Option<&'static str> {
        busy_in(self.eips.values(), package_id, except)
    }

    /// "When the Internet Shared Bandwidth instance is in the BINDING state, you can only query
    /// the instance but cannot perform other operations"
    /// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-120320>). The code
    /// is the one Terraform's alicloud provider retries AddCommonBandwidthPackageIp and
    /// RemoveCommonBandwidthPackageIp on
    /// (`alicloud/resource_alicloud_common_bandwidth_package_attachment.go`). Our assumptions,
    /// where the pages say nothing: `UNBINDING` blocks the package the same way, and the task
    /// of `eip_id` itself does not (its own removal right after its join is accepted, as the
    /// official SDKs' checks in `sdk-compat/` expect of the cloud).
    fn check_package_idle(&self, package_id: &str, eip_id: &str) -> Result<(), ApiError> {
        match self.busy_status(package_id, Some(eip_id)) {
            None => Ok(()),
            Some(status) => Err(ApiError::bad(
                "BandwidthPackageOperation.conflict",
                format!(
                    "The operation conflicts with another operation on the bandwidth package \
                     {package_id}, which is {status}."
                ),
            )),
        }
    }

    /// AddCommonBandwidthPackageIp: a pay-as-you-go EIP of the package's line, in no other
    /// package (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-120320>).
    /// The operation is asynchronous: the answer only carries a request id, the member row is
    /// `BINDING` (and the package `BINDING`) for one transition, then `BINDED` (and the package
    /// `Available`). DescribeEipAddresses names the package from the moment the join is
    /// accepted: the pages say nothing of when it does, and the official SDKs' checks in
    /// `sdk-compat/` read it straight after the call; a client that must know the join is done
    /// reads the member row.
    fn join_package(
        &mut self,
        world: &World,
        package_id: &str,
        eip_id: &str,
    ) -> Result<Value, ApiError> {
        let package = self
            .packages
            .get(package_id)
            .cloned()
            .ok_or_else(|| package_not_found(package_id))?;
        self.check_package_idle(package_id, eip_id)?;
        let (seq, eip) = self.find(eip_id)?;
        eip.check_unlocked()?;
        if eip.instance_charge_type == "PrePaid" {
            return Err(ApiError::bad(
                "Forbidden.ChargeTypeIsPrepaid",
                "Only pay-as-you-go EIPs can be added to an Internet Shared Bandwidth.",
            ));
        }
        if eip.isp != package.isp {
            return Err(ApiError::invalid(
                "IpInstanceId",
                "the EIP's line differs from the Internet Shared Bandwidth's",
            ));
        }
        if let Some((_, PackageTask::Unbinding(from))) = &eip.package_task {
            return Err(ApiError::bad(
                "BandwidthPackageOperation.conflict",
                format!(
                    "The EIP is still being removed from the bandwidth package {}.",
                    from.id
                ),
            ));
        }
        match &eip.package {
            Some(current) if current.id == package_id => Ok(json!({})),
            // The pages consulted give no code for an EIP already in another package; this one
            // is the emulator's own (a 400 that no client retries).
            Some(current) => Err(ApiError::bad(
                "OperationUnsupported.EipInBandwidthPackage",
                format!(
                    "The EIP is already in the Internet Shared Bandwidth {}.",
                    current.id
                ),
            )),
            None => {
                eip.package = Some(BandwidthPackage {
                    id: package.id,
                    bandwidth: package.bandwidth,
                });
                self.begin_package_task(seq, PackageTask::Binding, world);
                Ok(json!({}))
            }
        }
    }

    /// RemoveCommonBandwidthPackageIp
    /// (<https://www.alibabacloud.com/help/en/internet-shared-bandwidth/api-removecommonbandwidthpackageip>).
    /// That page documents no states; like the join, the removal is taken to run in the
    /// background (our assumption): the member row reads `UNBINDING` for one transition, then is
    /// gone. DescribeEipAddresses shows the EIP with its own bandwidth (`EipBandwidth`) and no
    /// package from the moment the removal is accepted (as the SDK checks expect). A removal
    /// while the EIP's own join still runs is accepted and replaces it. An EIP that
    /// is not in the package is `OperationUnsupported.IpNotInCbwp`, the code Terraform's
    /// `alicloud/resource_alicloud_common_bandwidth_package_attachment.go` takes for "already
    /// removed".
    fn leave_package(
        &mut self,
        world: &World,
        package_id: &str,
        eip_id: &str,
    ) -> Result<Value, ApiError> {
        if !self.packages.contains_key(package_id) {
            return Err(package_not_found(package_id));
        }
        self.check_package_idle(package_id, eip_id)?;
        let (seq, eip) = self.find(eip_id)?;
        eip.check_unlocked()?;
        let Some(package) = eip.package.take_if(|p| p.id == package_id) else {
            return Err(ApiError::bad(
                "OperationUnsupported.IpNotInCbwp",
                format!("The IP {eip_id} is not in the bandwidth package {package_id}."),
            ));
        };
        self.begin_package_task(seq, PackageTask::Unbinding(package), world);
        Ok(json!({}))
    }

    /// DescribeCommonBandwidthPackages, as reads see the account now: a lagging join or removal
    /// shows the member rows (and the package status) of before it.
    fn describe_packages(&self, req: &DescribePackagesRequest, region: &str) -> Value {
        let eips = self.read_view();
        let matching: Vec<_> = self
            .packages
            .values()
            .filter(|p| req.id.as_ref().is_none_or(|id| id == &p.id))
            .collect();
        let skip = req
            .page_number
            .saturating_sub(1)
            .saturating_mul(req.page_size);
        let page: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(req.page_size)
            .map(|p| {
                let members: Vec<Value> = eips
                    .values()
                    .filter_map(|e| {
                        let relation = e.relation(&p.id)?;
                        Some(json!({
                            "AllocationId": e.allocation_id,
                            "IpAddress": e.ip.to_string(),
                            "BandwidthPackageIpRelationStatus": relation,
                        }))
                    })
                    .collect();
                // The answer's list of addresses is spelled `PublicIpAddresse` (the
                // DescribeCommonBandwidthPackages response table).
                json!({
                    "BandwidthPackageId": p.id,
                    "Bandwidth": p.bandwidth.to_string(),
                    "ISP": p.isp,
                    "Name": p.name,
                    "Status": busy_in(eips.values(), &p.id, None).unwrap_or("Available"),
                    "RegionId": region,
                    "InternetChargeType": "PayByBandwidth",
                    "PublicIpAddresses": {"PublicIpAddresse": members},
                })
            })
            .collect();
        json!({
            "CommonBandwidthPackages": {"CommonBandwidthPackage": page},
            "PageNumber": req.page_number,
            "PageSize": req.page_size,
            "TotalCount": matching.len(),
        })
    }
}

/// `BINDING` / `UNBINDING` when a task of one of `eips` other than `except` runs in the
/// package.
fn busy_in<'a>(
    eips: impl Iterator<Item = &'a Eip>,
    package_id: &str,
    except: Option<&str>,
) -> Option<&'static str> {
    let mut status = None;
    for eip in eips {
        if except == Some(eip.allocation_id.as_str()) {
            continue;
        }
        match eip.relation(package_id) {
            Some("BINDING") => return Some("BINDING"),
            Some("UNBINDING") => status = Some("UNBINDING"),
            _ => {}
        }
    }
    status
}

/// The regions VPC DescribeRegions answers with here: a few public regions and the emulated one
/// (<https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeregions>).
fn regions(emulated: &str) -> Value {
    let mut table: Vec<(&str, &str)> = vec![
        ("cn-hangzhou", "China (Hangzhou)"),
        ("cn-shanghai", "China (Shanghai)"),
        ("cn-beijing", "China (Beijing)"),
        ("cn-hongkong", "China (Hong Kong)"),
        ("ap-southeast-1", "Singapore"),
        ("eu-central-1", "Germany (Frankfurt)"),
    ];
    if !table.iter().any(|(id, _)| *id == emulated) {
        table.push((emulated, emulated));
    }
    let list: Vec<Value> = table
        .into_iter()
        .map(|(id, name)| {
            let endpoint = if id == "cn-hangzhou" {
                "vpc.aliyuncs.com".to_owned()
            } else {
                format!("vpc.{id}.aliyuncs.com")
            };
            json!({"RegionId": id, "LocalName": name, "RegionEndpoint": endpoint})
        })
        .collect();
    json!({"Regions": {"Region": list}})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::actions::{self, Params};
    use super::super::state::World;
    use super::super::AlibabaConfig;
    use super::*;

    fn state() -> AlibabaState {
        let config = AlibabaConfig::default();
        let world = World::of(
            &config,
            // Shared-bandwidth tasks end at once, so each step below sees the last one done.
            crate::cloud::CommonConfig {
                transition_delay: std::time::Duration::ZERO,
                ..crate::cloud::CommonConfig::default()
            }
            .timing(),
            3,
        );
        AlibabaState::new(world, 100)
    }

    fn params(pairs: &[(String, String)]) -> Params<'_> {
        Params(pairs)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn allocate(state: &AlibabaState) -> String {
        let raw = pairs(&[]);
        let req = actions::allocate(&params(&raw)).unwrap();
        let answer = state
            .with_token("AllocateEipAddress", None, Vec::new(), |a, w| {
                a.allocate(w, req)
            })
            .unwrap();
        answer["AllocationId"].as_str().unwrap().to_owned()
    }

    fn run(
        state: &AlibabaState,
        action: AttributeAction,
        raw: &[(&str, &str)],
    ) -> Result<Value, ApiError> {
        let raw = pairs(raw);
        match execute(state, action, &params(&raw), None)? {
            Answer::Json(value) => Ok(value),
            Answer::Page(_) => panic!("not a page action"),
        }
    }

    fn tag(state: &AlibabaState, id: &str, key: &str) -> Result<Value, ApiError> {
        run(
            state,
            AttributeAction::TagResources,
            &[
                ("ResourceType", "EIP"),
                ("ResourceId.1", id),
                ("Tag.1.Key", key),
                ("Tag.1.Value", "v"),
            ],
        )
    }

    #[test]
    fn the_tag_limits_are_enforced_with_the_documented_codes() {
        let state = state();
        let id = allocate(&state);
        for n in 0..20 {
            tag(&state, &id, &format!("k{n}")).unwrap();
        }
        let code = |r: Result<Value, ApiError>| r.unwrap_err().code;
        assert_eq!(code(tag(&state, &id, "k20")), "OperationDenied.QuotaExceed");
        tag(&state, &id, "k3").unwrap();
        assert_eq!(
            code(tag(&state, &id, "aliyun-x")),
            "InvalidTagKey.Malformed"
        );
        assert_eq!(code(tag(&state, &id, "acs:x")), "InvalidTagKey.Malformed");
        assert_eq!(
            code(tag(&state, "eip-missing", "k")),
            "InvalidResourceId.NotFound"
        );
        let listed = run(
            &state,
            AttributeAction::ListTagResources,
            &[
                ("ResourceType", "EIP"),
                ("ResourceId.1", &id),
                ("MaxResults", "50"),
            ],
        )
        .unwrap();
        assert_eq!(
            listed["TagResources"]["TagResource"]
                .as_array()
                .unwrap()
                .len(),
            20
        );
        run(
            &state,
            AttributeAction::UnTagResources,
            &[
                ("ResourceType", "EIP"),
                ("ResourceId.1", &id),
                ("All", "true"),
            ],
        )
        .unwrap();
        let listed = run(
            &state,
            AttributeAction::ListTagResources,
            &[("ResourceType", "EIP"), ("ResourceId.1", &id)],
        )
        .unwrap();
        assert!(listed["TagResources"]["TagResource"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_protected_address_is_not_released_and_packages_list_their_members() {
        let state = state();
        let id = allocate(&state);
        run(
            &state,
            AttributeAction::DeletionProtection,
            &[
                ("Type", "EIP"),
                ("InstanceId", &id),
                ("ProtectionEnable", "true"),
            ],
        )
        .unwrap();
        let refused = state
            .with_token("ReleaseEipAddress", None, Vec::new(), |a, w| {
                a.release(w, &id)
            })
            .unwrap_err();
        assert_eq!(refused.code, "InvalidOperation.DeletionProtection");

        let package = AlibabaConfig::default().bandwidth_packages[0].id.clone();
        let join = [
            ("BandwidthPackageId", package.as_str()),
            ("IpInstanceId", &id),
        ];
        run(&state, AttributeAction::AddCommonBandwidthPackageIp, &join).unwrap();
        let page = run(
            &state,
            AttributeAction::DescribeCommonBandwidthPackages,
            &[("BandwidthPackageId", &package)],
        )
        .unwrap();
        let members = &page["CommonBandwidthPackages"]["CommonBandwidthPackage"][0]
            ["PublicIpAddresses"]["PublicIpAddresse"];
        assert_eq!(members[0]["AllocationId"], id.as_str());
        run(
            &state,
            AttributeAction::RemoveCommonBandwidthPackageIp,
            &join,
        )
        .unwrap();
        let again = run(
            &state,
            AttributeAction::RemoveCommonBandwidthPackageIp,
            &join,
        );
        assert_eq!(again.unwrap_err().code, "OperationUnsupported.IpNotInCbwp");
        let missing = [
            ("BandwidthPackageId", "cbwp-none"),
            ("IpInstanceId", id.as_str()),
        ];
        let error = run(
            &state,
            AttributeAction::AddCommonBandwidthPackageIp,
            &missing,
        );
        assert_eq!(
            error.unwrap_err().code,
            "InvalidBandwidthPackageId.NotFound"
        );
    }
}
