//! The public regions of Alibaba Cloud and the lines (`ISP` values) each offers, as documented
//! tables; [`crate::AlibabaProvider`]'s `regions()` refreshes the region list from VPC
//! `DescribeRegions`.

use eip_core::Region;

/// The public regions, `(id, English name)`, from Alibaba Cloud's "Regions and zones" page
/// (<https://www.alibabacloud.com/help/en/ecs/user-guide/regions-and-zones>).
const REGIONS: &[(&str, &str)] = &[
    ("cn-qingdao", "China (Qingdao)"),
    ("cn-beijing", "China (Beijing)"),
    ("cn-zhangjiakou", "China (Zhangjiakou)"),
    ("cn-huhehaote", "China (Hohhot)"),
    ("cn-wulanchabu", "China (Ulanqab)"),
    ("cn-hangzhou", "China (Hangzhou)"),
    ("cn-shanghai", "China (Shanghai)"),
    ("cn-nanjing", "China (Nanjing - Local Region)"),
    ("cn-fuzhou", "China (Fuzhou - Local Region)"),
    ("cn-shenzhen", "China (Shenzhen)"),
    ("cn-heyuan", "China (Heyuan)"),
    ("cn-guangzhou", "China (Guangzhou)"),
    ("cn-chengdu", "China (Chengdu)"),
    ("cn-hongkong", "China (Hong Kong)"),
    ("ap-northeast-1", "Japan (Tokyo)"),
    ("ap-northeast-2", "South Korea (Seoul)"),
    ("ap-southeast-1", "Singapore"),
    ("ap-southeast-3", "Malaysia (Kuala Lumpur)"),
    ("ap-southeast-5", "Indonesia (Jakarta)"),
    ("ap-southeast-6", "Philippines (Manila)"),
    ("ap-southeast-7", "Thailand (Bangkok)"),
    ("us-east-1", "US (Virginia)"),
    ("us-west-1", "US (Silicon Valley)"),
    ("eu-west-1", "UK (London)"),
    ("eu-central-1", "Germany (Frankfurt)"),
    ("me-east-1", "UAE (Dubai)"),
    ("me-central-1", "Saudi Arabia (Riyadh)"),
];

/// The regions where AllocateEipAddress offers `BGP_PRO` next to `BGP`: China (Hong Kong),
/// Singapore, Japan (Tokyo), Malaysia (Kuala Lumpur), Philippines (Manila), Indonesia (Jakarta)
/// and Thailand (Bangkok) (the `ISP` parameter,
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>).
const BGP_PRO_REGIONS: &[&str] = &[
    "cn-hongkong",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-southeast-3",
    "ap-southeast-6",
    "ap-southeast-5",
    "ap-southeast-7",
];

/// The documented region table, without any request. [`crate::AlibabaProvider`]'s `regions()`
/// asks VPC `DescribeRegions` instead and returns its error when that fails (a failed refresh is
/// not silently replaced by this table); call this for the table itself.
///
/// ```
/// let regions = eip_alibaba::regions_static();
/// assert!(regions.iter().any(|r| r.id == "cn-hangzhou"));
/// ```
pub fn regions_static() -> Vec<Region> {
    REGIONS
        .iter()
        .map(|(id, name)| Region::new(*id, Some((*name).to_owned())))
        .collect()
}

/// The documented name of a region, when the table has it.
pub(crate) fn name_of(id: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(r, _)| *r == id)
        .map(|(_, name)| *name)
}

/// The lines a region offers, where the documentation settles it; empty where it does not.
///
/// Outside the Chinese mainland every region has `BGP` (multi-ISP), and the regions
/// where AllocateEipAddress documents it (China (Hong Kong), Singapore, Japan (Tokyo), Malaysia
/// (Kuala Lumpur), Philippines (Manila), Indonesia (Jakarta), Thailand (Bangkok)) also
/// `BGP_PRO`; the single-ISP lines (`ChinaTelecom`, `ChinaUnicom`,
/// `ChinaMobile` and their `_L2` forms) exist only in mainland regions. In the mainland those
/// single-ISP lines are open to accounts Alibaba allows them for (the `ISP` parameter of
/// AllocateEipAddress), so no fixed list is right there: it is empty, and the cloud decides.
/// An unknown region is empty too.
pub fn lines(region: &str) -> &'static [&'static str] {
    let known = REGIONS.iter().any(|(id, _)| *id == region);
    if !known || region.starts_with("cn-") && region != "cn-hongkong" {
        &[]
    } else if BGP_PRO_REGIONS.contains(&region) {
        &["BGP", "BGP_PRO"]
    } else {
        &["BGP"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_known_only_where_documented() {
        assert_eq!(lines("cn-hongkong"), ["BGP", "BGP_PRO"]);
        assert_eq!(lines("ap-southeast-1"), ["BGP", "BGP_PRO"]);
        assert_eq!(lines("eu-central-1"), ["BGP"]);
        assert!(
            lines("cn-hangzhou").is_empty(),
            "single-ISP lines vary by account"
        );
        assert!(lines("xx-nowhere-1").is_empty());
    }

    #[test]
    fn the_table_names_every_region_once() {
        let regions = regions_static();
        let mut ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), REGIONS.len());
        assert!(BGP_PRO_REGIONS.iter().all(|r| name_of(r).is_some()));
    }
}
