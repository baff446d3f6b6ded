//! The six actions' request parameters: parsing, defaults and validation rules
//! (the VPC API reference, <https://api.alibabacloud.com/document/Vpc/2016-04-28/>). Rules that
//! depend on the EIP itself live in `state.rs`.

use std::net::Ipv4Addr;

use http::StatusCode;

use super::errors::ApiError;
use super::state::{EipStatus, InstanceKind};

/// The six emulated actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Allocate,
    Associate,
    Unassociate,
    Describe,
    Modify,
    Release,
    /// Tags, shared bandwidths, resource groups, deletion protection, regions.
    Attribute(super::attributes::AttributeAction),
}

impl Action {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "AllocateEipAddress" => Self::Allocate,
            "AssociateEipAddress" => Self::Associate,
            "UnassociateEipAddress" => Self::Unassociate,
            "DescribeEipAddresses" => Self::Describe,
            "ModifyEipAddressAttribute" => Self::Modify,
            "ReleaseEipAddress" => Self::Release,
            other => Self::Attribute(super::attributes::AttributeAction::parse(other)?),
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Allocate => "AllocateEipAddress",
            Self::Associate => "AssociateEipAddress",
            Self::Unassociate => "UnassociateEipAddress",
            Self::Describe => "DescribeEipAddresses",
            Self::Modify => "ModifyEipAddressAttribute",
            Self::Release => "ReleaseEipAddress",
            Self::Attribute(action) => action.name(),
        }
    }
}

/// Common and signature parameters: not operation parameters, so they take no part in
/// ClientToken comparisons.
const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "SecurityToken",
    "ClientToken",
];

/// The request's parameters (query and form body together).
pub(crate) struct Params<'a>(pub(crate) &'a [(String, String)]);

impl<'a> Params<'a> {
    /// The first value of `name`; an empty value counts as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing(name))
    }

    /// `(N, value)` for every `{prefix}.N{suffix}` parameter, e.g. `Tag.3.Key`.
    pub(super) fn numbered(
        &self,
        prefix: &str,
        suffix: &str,
    ) -> Result<Vec<(usize, &'a str)>, ApiError> {
        let mut found = Vec::new();
        for (key, value) in self.0 {
            let Some(n) = key
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
            else {
                continue;
            };
            let Some(n) = n.strip_suffix(suffix) else {
                continue;
            };
            match n.parse::<usize>() {
                Ok(n) if n >= 1 => found.push((n, value.as_str())),
                _ => {
                    return Err(ApiError::invalid(
                        key,
                        "the index must be a positive integer",
                    ))
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Operation parameters, sorted, for ClientToken comparisons.
    pub(crate) fn fingerprint(&self) -> Vec<(String, String)> {
        let mut ops: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| !COMMON.contains(&k.as_str()))
            .cloned()
            .collect();
        ops.sort();
        ops
    }

    pub(crate) fn client_token(&self) -> Result<Option<String>, ApiError> {
        match self.get("ClientToken") {
            // the idempotence page, https://help.aliyun.com/knowledge_detail/36569.html: a
            // case-sensitive ASCII string of at most 64 characters.
            Some(token) if !token.is_ascii() || token.len() > 64 => Err(ApiError::invalid(
                "ClientToken",
                "it must be ASCII and at most 64 characters",
            )),
            token => Ok(token.map(str::to_owned)),
        }
    }

    fn one_of(
        &self,
        name: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> Result<&'static str, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => allowed
                .iter()
                .copied()
                .find(|a| *a == value)
                .ok_or_else(|| {
                    ApiError::invalid(name, &format!("allowed values are {}", allowed.join(", ")))
                }),
        }
    }

    pub(super) fn number(&self, name: &str) -> Result<Option<u32>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| ApiError::invalid(name, "it must be an integer"))
            })
            .transpose()
    }

    pub(super) fn boolean(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::invalid(name, "it must be true or false")),
        }
    }

    fn list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let items: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        // DescribeEipAddresses,
        // https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses: up to 50
        // comma-separated values.
        if items.len() > 50 {
            return Err(ApiError::invalid(name, "at most 50 values are allowed"));
        }
        Ok(Some(items))
    }

    fn tags(&self) -> Result<Vec<(String, String)>, ApiError> {
        let keys = self.numbered("Tag", ".Key")?;
        let values = self.numbered("Tag", ".Value")?;
        if keys.iter().chain(&values).any(|(n, _)| *n > 20) {
            return Err(ApiError::invalid("Tag.N", "at most 20 tags are allowed"));
        }
        if let Some((n, _)) = values
            .iter()
            .find(|(n, _)| !keys.iter().any(|(k, _)| k == n))
        {
            return Err(ApiError::bad(
                "InvalidTagKey",
                format!("Tag.{n}.Value is given without Tag.{n}.Key."),
            ));
        }
        let mut tags = Vec::new();
        for (n, key) in keys {
            check_tag_text(key, "InvalidTagKey")?;
            let value = values.iter().find(|(m, _)| *m == n).map_or("", |(_, v)| *v);
            check_tag_text(value, "InvalidTagValue")?;
            tags.push((key.to_owned(), value.to_owned()));
        }
        Ok(tags)
    }
}

fn check_tag_text(text: &str, code: &str) -> Result<(), ApiError> {
    let reserved = text.starts_with("aliyun") || text.starts_with("acs:");
    let url = text.starts_with("http://") || text.starts_with("https://");
    if text.chars().count() > 128 || reserved || url {
        return Err(ApiError::bad(
            code,
            format!("The tag text \"{text}\" is not valid."),
        ));
    }
    Ok(())
}

/// `Name`: starts with a letter, then letters, digits, `.`, `_`, `-` (AllocateEipAddress,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>). The
/// minimum length differs between the pages: 1 on Allocate's, 2 on the older Modify page.
fn check_name(name: &str, min: usize) -> Result<(), ApiError> {
    let len = name.chars().count();
    let starts_with_letter = name.chars().next().is_some_and(char::is_alphabetic);
    let allowed = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if len < min || len > 128 || !starts_with_letter || !allowed {
        return Err(ApiError::invalid("Name", &format!("it must be {min}-128 characters, start with a letter and use letters, digits, '.', '_' or '-'")));
    }
    Ok(())
}

/// `Description`: 2–256 characters, starts with a letter, not a URL (AllocateEipAddress,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>).
fn check_description(description: &str) -> Result<(), ApiError> {
    let len = description.chars().count();
    let starts_with_letter = description.chars().next().is_some_and(char::is_alphabetic);
    let url = description.starts_with("http://") || description.starts_with("https://");
    if !(2..=256).contains(&len) || !starts_with_letter || url {
        return Err(ApiError::invalid(
            "Description",
            "it must be 2-256 characters, start with a letter and not start with http:// or https://",
        ));
    }
    Ok(())
}

/// The largest bandwidth a billing method allows (AllocateEipAddress,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>; the older 1–200
/// document that says 1–200 for every billing method is not followed).
pub(crate) fn max_bandwidth(instance_charge_type: &str, internet_charge_type: &str) -> u32 {
    match (instance_charge_type, internet_charge_type) {
        ("PrePaid", _) => 1000,
        (_, "PayByBandwidth") => 500,
        _ => 200,
    }
}

pub(crate) fn check_bandwidth(bandwidth: u32, max: u32) -> Result<(), ApiError> {
    if !(1..=max).contains(&bandwidth) {
        return Err(ApiError::invalid(
            "Bandwidth",
            &format!("it must be between 1 and {max} for this billing method"),
        ));
    }
    Ok(())
}

/// AllocateEipAddress.
#[derive(Clone, Debug)]
pub(crate) struct AllocateRequest {
    pub(crate) bandwidth: u32,
    pub(crate) instance_charge_type: &'static str,
    pub(crate) internet_charge_type: &'static str,
    pub(crate) isp: &'static str,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) resource_group_id: Option<String>,
    pub(crate) security_protection_types: Vec<String>,
    pub(crate) ip_address: Option<Ipv4Addr>,
    pub(crate) address_pool_id: Option<String>,
}

const ISPS: &[&str] = &[
    "BGP",
    "BGP_PRO",
    "ChinaTelecom",
    "ChinaUnicom",
    "ChinaMobile",
    "ChinaTelecom_L2",
    "ChinaUnicom_L2",
    "ChinaMobile_L2",
    "BGP_FinanceCloud",
    "BGP_International",
];

pub(crate) fn allocate(p: &Params<'_>) -> Result<AllocateRequest, ApiError> {
    let instance_charge_type =
        p.one_of("InstanceChargeType", &["PostPaid", "PrePaid"], "PostPaid")?;
    let internet_charge_type = p.one_of(
        "InternetChargeType",
        &["PayByBandwidth", "PayByTraffic", "PayByDominantTraffic"],
        "PayByBandwidth",
    )?;
    let bandwidth = p.number("Bandwidth")?.unwrap_or(5);
    check_bandwidth(
        bandwidth,
        max_bandwidth(instance_charge_type, internet_charge_type),
    )?;
    if instance_charge_type == "PrePaid" {
        check_prepaid(p, internet_charge_type)?;
    }
    p.one_of("Netmode", &["public"], "public")?;
    let name = p.get("Name").unwrap_or_default();
    if !name.is_empty() {
        check_name(name, 1)?;
    }
    let description = p.get("Description").unwrap_or_default();
    if !description.is_empty() {
        check_description(description)?;
    }
    let protection = p.numbered("SecurityProtectionTypes", "")?;
    if protection.len() > 10 {
        return Err(ApiError::invalid(
            "SecurityProtectionTypes",
            "at most 10 values are allowed",
        ));
    }
    let ip_address = p
        .get("IpAddress")
        .map(|ip| {
            ip.parse::<Ipv4Addr>()
                .map_err(|_| ApiError::invalid("IpAddress", "it must be an IPv4 address"))
        })
        .transpose()?;
    Ok(AllocateRequest {
        bandwidth,
        instance_charge_type,
        internet_charge_type,
        isp: p.one_of("ISP", ISPS, "BGP")?,
        name: name.to_owned(),
        description: description.to_owned(),
        tags: p.tags()?,
        resource_group_id: p.get("ResourceGroupId").map(str::to_owned),
        security_protection_types: protection.into_iter().map(|(_, v)| v.to_owned()).collect(),
        ip_address,
        address_pool_id: p.get("PublicIpAddressPoolId").map(str::to_owned),
    })
}

/// Subscription rules (AllocateEipAddress,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>): PayByBandwidth only,
/// Period within the cycle's range,
/// AutoPay (the emulator has no order payment, so it must be true), no Name.
fn check_prepaid(p: &Params<'_>, internet_charge_type: &str) -> Result<(), ApiError> {
    if internet_charge_type != "PayByBandwidth" {
        return Err(ApiError::invalid(
            "InternetChargeType",
            "PrePaid requires PayByBandwidth",
        ));
    }
    let cycle = p.one_of("PricingCycle", &["Month", "Year"], "Month")?;
    let period = p.number("Period")?.unwrap_or(1);
    let max = if cycle == "Month" { 9 } else { 5 };
    if !(1..=max).contains(&period) {
        return Err(ApiError::invalid(
            "Period",
            &format!("it must be between 1 and {max}"),
        ));
    }
    if !p.boolean("AutoPay")? {
        return Err(ApiError::invalid(
            "AutoPay",
            "PrePaid requires AutoPay=true",
        ));
    }
    if p.get("Name").is_some() {
        return Err(ApiError::invalid("Name", "Name cannot be set for PrePaid"));
    }
    Ok(())
}

/// AssociateEipAddress.
#[derive(Clone, Debug)]
pub(crate) struct AssociateRequest {
    pub(crate) allocation_id: String,
    pub(crate) instance_id: String,
    pub(crate) kind: InstanceKind,
    pub(crate) private_ip: Option<Ipv4Addr>,
    pub(crate) mode: Option<&'static str>,
}

pub(crate) fn associate(p: &Params<'_>) -> Result<AssociateRequest, ApiError> {
    let allocation_id = p.required("AllocationId")?.to_owned();
    let instance_id = p.required("InstanceId")?.to_owned();
    let kind = match p.get("InstanceType") {
        None => InstanceKind::EcsInstance,
        Some(t) => InstanceKind::parse(t)
            .ok_or_else(|| ApiError::invalid("InstanceType", "unknown instance type"))?,
    };
    let private_ip = p
        .get("PrivateIpAddress")
        .map(|ip| {
            ip.parse::<Ipv4Addr>()
                .map_err(|_| ApiError::invalid("PrivateIpAddress", "it must be an IPv4 address"))
        })
        .transpose()?;
    // AssociateEipAddress,
    // https://api.alibabacloud.com/document/Vpc/2016-04-28/AssociateEipAddress: Mode applies to
    // NetworkInterface only, NAT by default.
    let mode = match (kind, p.get("Mode")) {
        (InstanceKind::NetworkInterface, _) => {
            Some(p.one_of("Mode", &["NAT", "MULTI_BINDED", "BINDED"], "NAT")?)
        }
        (_, None) => None,
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "Mode",
                "Mode applies only to InstanceType NetworkInterface",
            ))
        }
    };
    Ok(AssociateRequest {
        allocation_id,
        instance_id,
        kind,
        private_ip,
        mode,
    })
}

/// UnassociateEipAddress.
#[derive(Clone, Debug)]
pub(crate) struct UnassociateRequest {
    pub(crate) allocation_id: String,
    pub(crate) instance_id: Option<String>,
}

pub(crate) fn unassociate(p: &Params<'_>) -> Result<UnassociateRequest, ApiError> {
    if let Some(t) = p.get("InstanceType") {
        InstanceKind::parse(t)
            .ok_or_else(|| ApiError::invalid("InstanceType", "unknown instance type"))?;
    }
    p.boolean("Force")?;
    Ok(UnassociateRequest {
        allocation_id: p.required("AllocationId")?.to_owned(),
        instance_id: p.get("InstanceId").map(str::to_owned),
    })
}

/// ModifyEipAddressAttribute.
#[derive(Clone, Debug)]
pub(crate) struct ModifyRequest {
    pub(crate) allocation_id: String,
    pub(crate) bandwidth: Option<u32>,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
}

pub(crate) fn modify(p: &Params<'_>) -> Result<ModifyRequest, ApiError> {
    let allocation_id = p.required("AllocationId")?.to_owned();
    let name = p.get("Name");
    if let Some(name) = name {
        // ModifyEipAddressAttribute, AlibabaCloudDocs/eip `intl.en-US/API Reference/Elastic IP
        // Address/ModifyEipAddressAttribute.md`: 2–128 on the Modify page.
        check_name(name, 2)?;
    }
    let description = p.get("Description");
    if let Some(description) = description {
        check_description(description)?;
    }
    Ok(ModifyRequest {
        allocation_id,
        bandwidth: p.number("Bandwidth")?,
        name: name.map(str::to_owned),
        description: description.map(str::to_owned),
    })
}

/// ReleaseEipAddress.
pub(crate) fn release(p: &Params<'_>) -> Result<String, ApiError> {
    Ok(p.required("AllocationId")?.to_owned())
}

/// DescribeEipAddresses filters and page.
#[derive(Clone, Debug, Default)]
pub(crate) struct DescribeRequest {
    pub(crate) allocation_ids: Option<Vec<String>>,
    /// Parsed once per request, so the filter compares addresses without formatting each EIP's.
    pub(crate) addresses: Option<Vec<Ipv4Addr>>,
    pub(crate) status: Option<EipStatus>,
    pub(crate) instance_type: Option<InstanceKind>,
    pub(crate) instance_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) charge_type: Option<String>,
    pub(crate) isp: Option<String>,
    pub(crate) resource_group_id: Option<String>,
    /// `(key, value)`; a missing value matches any value of the key.
    pub(crate) tags: Vec<(String, Option<String>)>,
    /// `YYYY-MM-DDThh:mm` bounds on the allocation time.
    pub(crate) created_after: Option<String>,
    pub(crate) created_before: Option<String>,
    /// A lock-reason filter (`financial` or `security`): only EIPs locked for that reason.
    pub(crate) lock_reason: Option<&'static str>,
    pub(crate) page_number: usize,
    pub(crate) page_size: usize,
}

pub(crate) fn describe(p: &Params<'_>) -> Result<DescribeRequest, ApiError> {
    let page_size = p.number("PageSize")?.unwrap_or(10);
    if !(1..=100).contains(&page_size) {
        return Err(ApiError::invalid(
            "PageSize",
            "it must be between 1 and 100",
        ));
    }
    let page_number = p.number("PageNumber")?.unwrap_or(1);
    if page_number < 1 {
        return Err(ApiError::invalid("PageNumber", "it must be at least 1"));
    }
    let status = p
        .get("Status")
        .map(|s| EipStatus::parse(s).ok_or_else(|| ApiError::invalid("Status", "unknown status")))
        .transpose()?;
    let instance_type = p
        .get("AssociatedInstanceType")
        .map(|t| {
            InstanceKind::parse(t)
                .ok_or_else(|| ApiError::invalid("AssociatedInstanceType", "unknown type"))
        })
        .transpose()?;
    let lock_reason = match p.get("LockReason") {
        None => None,
        Some("financial") => Some("financial"),
        Some("security") => Some("security"),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "InvalidLockReason.NotFound",
                "The LockReason is not found.",
            ))
        }
    };
    let (created_after, created_before) = creation_filters(p)?;
    if p.boolean("DryRun")? {
        return Err(ApiError::bad(
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    Ok(DescribeRequest {
        allocation_ids: p.list("AllocationId")?,
        addresses: p.list("EipAddress")?.map(|list| canonical_addresses(&list)),
        status,
        instance_type,
        instance_id: p.get("AssociatedInstanceId").map(str::to_owned),
        name: p.get("EipName").map(str::to_owned),
        charge_type: p.get("ChargeType").map(str::to_owned),
        isp: p.get("ISP").map(str::to_owned),
        resource_group_id: p.get("ResourceGroupId").map(str::to_owned),
        tags: describe_tags(p)?,
        created_after,
        created_before,
        lock_reason,
        page_number: usize::try_from(page_number).unwrap_or(usize::MAX),
        page_size: usize::try_from(page_size).unwrap_or(100),
    })
}

/// The values of an `EipAddress` filter that some EIP can have: an EIP's address is matched
/// as its dotted-decimal text, so a value that is not that exact text (not an IPv4 address,
/// or one written differently) matches nothing, as before parsing.
fn canonical_addresses(values: &[String]) -> Vec<Ipv4Addr> {
    values
        .iter()
        .filter_map(|text| {
            text.parse::<Ipv4Addr>()
                .ok()
                .filter(|ip| ip.to_string() == *text)
        })
        .collect()
}

impl DescribeRequest {
    /// Whether no filter narrows the listing, so every EIP matches and the page can be cut
    /// straight out of the ordered map. Destructured so that a new filter cannot be forgotten.
    pub(crate) fn is_unfiltered(&self) -> bool {
        let Self {
            allocation_ids,
            addresses,
            status,
            instance_type,
            instance_id,
            name,
            charge_type,
            isp,
            resource_group_id,
            tags,
            created_after,
            created_before,
            lock_reason,
            page_number: _,
            page_size: _,
        } = self;
        allocation_ids.is_none()
            && addresses.is_none()
            && status.is_none()
            && instance_type.is_none()
            && instance_id.is_none()
            && name.is_none()
            && charge_type.is_none()
            && isp.is_none()
            && resource_group_id.is_none()
            && tags.is_empty()
            && created_after.is_none()
            && created_before.is_none()
            && lock_reason.is_none()
    }

    /// How many matching EIPs come before this page.
    pub(crate) fn skip(&self) -> usize {
        self.page_number
            .saturating_sub(1)
            .saturating_mul(self.page_size)
    }
}

fn describe_tags(p: &Params<'_>) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let keys = p.numbered("Tag", ".Key")?;
    let values = p.numbered("Tag", ".Value")?;
    if keys.iter().chain(&values).any(|(n, _)| *n > 20) {
        return Err(ApiError::invalid("Tag.N", "at most 20 tags are allowed"));
    }
    if let Some((n, _)) = values
        .iter()
        .find(|(n, _)| !keys.iter().any(|(k, _)| k == n))
    {
        return Err(ApiError::bad(
            "InvalidTagKey",
            format!("Tag.{n}.Value is given without Tag.{n}.Key."),
        ));
    }
    Ok(keys
        .into_iter()
        .map(|(n, key)| {
            (
                key.to_owned(),
                values
                    .iter()
                    .find(|(m, _)| *m == n)
                    .map(|(_, v)| (*v).to_owned()),
            )
        })
        .collect())
}

/// `Filter.N.Key` = `CreationStartTime` / `CreationEndTime` with `YYYY-MM-DDThh:mmZ` values.
fn creation_filters(p: &Params<'_>) -> Result<(Option<String>, Option<String>), ApiError> {
    let keys = p.numbered("Filter", ".Key")?;
    let values = p.numbered("Filter", ".Value")?;
    let (mut after, mut before) = (None, None);
    for (n, key) in keys {
        let value = values
            .iter()
            .find(|(m, _)| *m == n)
            .map(|(_, v)| *v)
            .unwrap_or_default();
        let minute = value
            .strip_suffix('Z')
            .filter(|v| v.len() == 16)
            .ok_or_else(|| {
                ApiError::invalid(
                    &format!("Filter.{n}.Value"),
                    "the format is YYYY-MM-DDThh:mmZ",
                )
            })?;
        match key {
            "CreationStartTime" => after = Some(minute.to_owned()),
            "CreationEndTime" => before = Some(minute.to_owned()),
            _ => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "InvalidFilterKey.NotFound",
                    format!("The filter key \"{key}\" is not found."),
                ))
            }
        }
    }
    Ok((after, before))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn allocate_defaults_and_bandwidth_ranges() {
        let raw = owned(&[]);
        let req = allocate(&Params(&raw)).unwrap();
        assert_eq!(
            (req.bandwidth, req.internet_charge_type, req.isp),
            (5, "PayByBandwidth", "BGP")
        );
        let raw = owned(&[("Bandwidth", "201"), ("InternetChargeType", "PayByTraffic")]);
        assert_eq!(
            allocate(&Params(&raw)).unwrap_err().code,
            "InvalidParameter"
        );
        let raw = owned(&[("Bandwidth", "500")]);
        assert_eq!(allocate(&Params(&raw)).unwrap().bandwidth, 500);
        let raw = owned(&[("Bandwidth", "five")]);
        assert_eq!(
            allocate(&Params(&raw)).unwrap_err().code,
            "InvalidParameter"
        );
    }

    #[test]
    fn names_descriptions_and_tags() {
        for bad in ["1abc", "a b", &"a".repeat(129)] {
            let raw = owned(&[("Name", bad)]);
            assert_eq!(
                allocate(&Params(&raw)).unwrap_err().code,
                "InvalidParameter",
                "{bad}"
            );
        }
        let raw = owned(&[("Description", "http://x")]);
        assert!(allocate(&Params(&raw)).is_err());
        let raw = owned(&[
            ("Tag.2.Key", "b"),
            ("Tag.1.Key", "a"),
            ("Tag.1.Value", "x y"),
        ]);
        let tags = allocate(&Params(&raw)).unwrap().tags;
        assert_eq!(tags, owned(&[("a", "x y"), ("b", "")]));
        let raw = owned(&[("Tag.21.Key", "a")]);
        assert!(allocate(&Params(&raw)).is_err());
        let raw = owned(&[("Name", "a")]);
        assert!(modify(&Params(&[
            ("AllocationId".into(), "eip-1".into()),
            raw[0].clone()
        ]))
        .is_err());
    }

    #[test]
    fn describe_page_bounds_and_lists() {
        for (size, ok) in [("0", false), ("1", true), ("100", true), ("101", false)] {
            let raw = owned(&[("PageSize", size)]);
            assert_eq!(describe(&Params(&raw)).is_ok(), ok, "{size}");
        }
        let many = (0..51)
            .map(|i| format!("eip-{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let raw = owned(&[("AllocationId", &many)]);
        assert!(describe(&Params(&raw)).is_err());
        let raw = owned(&[
            ("Filter.1.Key", "CreationStartTime"),
            ("Filter.1.Value", "2024-01-01T00:00Z"),
        ]);
        assert_eq!(
            describe(&Params(&raw)).unwrap().created_after.as_deref(),
            Some("2024-01-01T00:00")
        );
    }

    #[test]
    fn fingerprint_ignores_signature_parameters() {
        let a = owned(&[
            ("Bandwidth", "5"),
            ("SignatureNonce", "1"),
            ("Timestamp", "t1"),
            ("ClientToken", "x"),
        ]);
        let b = owned(&[
            ("SignatureNonce", "2"),
            ("Bandwidth", "5"),
            ("Timestamp", "t2"),
        ]);
        assert_eq!(Params(&a).fingerprint(), Params(&b).fingerprint());
    }
}
