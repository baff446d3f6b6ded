//! The regions Huawei Cloud's EIP service is offered in, as the official SDK ships them
//! (huaweicloud/huaweicloud-sdk-python-v3
//! `huaweicloud-sdk-eip/huaweicloudsdkeip/v2/region/eip_region.py`, commit 4eb4db3: region id →
//! VPC endpoint). A static table: Huawei has no region-listing API for EIP, so
//! [`eip_core::EipProvider::regions`] makes no request. The names are the console's.

use eip_core::Region;

/// `(region id, endpoint, console name)`. The European site's region is served under
/// `.myhuaweicloud.eu`.
pub const REGIONS: &[(&str, &str, &str)] = &[
    (
        "af-south-1",
        "https://vpc.af-south-1.myhuaweicloud.com",
        "AF-Johannesburg",
    ),
    (
        "cn-north-4",
        "https://vpc.cn-north-4.myhuaweicloud.com",
        "CN North-Beijing4",
    ),
    (
        "cn-north-1",
        "https://vpc.cn-north-1.myhuaweicloud.com",
        "CN North-Beijing1",
    ),
    (
        "cn-east-2",
        "https://vpc.cn-east-2.myhuaweicloud.com",
        "CN East-Shanghai2",
    ),
    (
        "cn-east-3",
        "https://vpc.cn-east-3.myhuaweicloud.com",
        "CN East-Shanghai1",
    ),
    (
        "cn-south-1",
        "https://vpc.cn-south-1.myhuaweicloud.com",
        "CN South-Guangzhou",
    ),
    (
        "cn-southwest-2",
        "https://vpc.cn-southwest-2.myhuaweicloud.com",
        "CN Southwest-Guiyang1",
    ),
    (
        "ap-southeast-2",
        "https://vpc.ap-southeast-2.myhuaweicloud.com",
        "AP-Bangkok",
    ),
    (
        "ap-southeast-1",
        "https://vpc.ap-southeast-1.myhuaweicloud.com",
        "CN-Hong Kong",
    ),
    (
        "ap-southeast-3",
        "https://vpc.ap-southeast-3.myhuaweicloud.com",
        "AP-Singapore",
    ),
    (
        "cn-north-9",
        "https://vpc.cn-north-9.myhuaweicloud.com",
        "CN North-Ulanqab1",
    ),
    (
        "la-north-2",
        "https://vpc.la-north-2.myhuaweicloud.com",
        "LA-Mexico City2",
    ),
    (
        "sa-brazil-1",
        "https://vpc.sa-brazil-1.myhuaweicloud.com",
        "LA-Sao Paulo1",
    ),
    (
        "cn-north-2",
        "https://vpc.cn-north-2.myhuaweicloud.com",
        "CN North-Beijing2",
    ),
    (
        "la-south-2",
        "https://vpc.la-south-2.myhuaweicloud.com",
        "LA-Santiago",
    ),
    (
        "na-mexico-1",
        "https://vpc.na-mexico-1.myhuaweicloud.com",
        "LA-Mexico City1",
    ),
    (
        "ap-southeast-4",
        "https://vpc.ap-southeast-4.myhuaweicloud.com",
        "AP-Jakarta",
    ),
    (
        "tr-west-1",
        "https://vpc.tr-west-1.myhuaweicloud.com",
        "TR-Istanbul",
    ),
    (
        "eu-west-101",
        "https://vpc.eu-west-101.myhuaweicloud.eu",
        "EU-Dublin",
    ),
    (
        "cn-south-4",
        "https://vpc.cn-south-4.myhuaweicloud.com",
        "CN South-Guangzhou-InvitationOnly",
    ),
    (
        "me-east-1",
        "https://vpc.me-east-1.myhuaweicloud.com",
        "ME-Riyadh",
    ),
];

/// Every region of [`REGIONS`], in the SDK's order.
pub fn regions() -> Vec<Region> {
    REGIONS
        .iter()
        .map(|(id, _, name)| Region::new(*id, Some((*name).to_owned())))
        .collect()
}

/// The VPC endpoint the SDK names for `region`, if it lists the region.
pub fn region_endpoint(region: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(id, _, _)| *id == region)
        .map(|(_, endpoint, _)| *endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_default_endpoints() {
        for (id, endpoint, _) in REGIONS {
            // ap-southeast-1 was once `myhwclouds.com` in the SDK; every entry now follows the
            // builder's rule.
            assert_eq!(crate::builder::default_vpc_endpoint(id), *endpoint, "{id}");
        }
        assert_eq!(regions().len(), 21);
        assert_eq!(
            region_endpoint("eu-west-101"),
            Some("https://vpc.eu-west-101.myhuaweicloud.eu")
        );
        assert_eq!(region_endpoint("xx-nowhere-1"), None);
    }
}
