//! CPU-bound pieces of the clients, measured with criterion: `cargo bench --bench cpu`.
//!
//! Signing one request (Alibaba V1 and V3, Huawei AK/SK), parsing one full page of each cloud's
//! list answer (100 Alibaba EIPs, 2,000 Huawei EIPs) and mapping statuses. The bodies are built
//! here with every documented field (Alibaba's DescribeEipAddresses reference,
//! <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeeipaddresses>;
//! the official Python SDK's `huaweicloudsdkeip` `v2/model/publicip_show_resp.py`), so nothing is
//! read from the network. Results and how to read them: BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One EipAddress with every documented field is a large `json!` literal.
#![recursion_limit = "256"]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use multicloud_eip::alibaba::{
    mapping as alibaba_mapping, signer as alibaba_signer, wire::DescribeResponse,
};
use multicloud_eip::huawei::signer::{self as huawei_signer, SignedHeaders, SigningInput};
use multicloud_eip::huawei::{parse_publicip_list, status as huawei_status};
use serde_json::{json, Value};

const ALIBABA_STATUSES: [&str; 5] = [
    "Available",
    "InUse",
    "Associating",
    "Unassociating",
    "Releasing",
];
const HUAWEI_STATUSES: [&str; 13] = [
    "DOWN",
    "ACTIVE",
    "ELB",
    "VPN",
    "BINDING",
    "BIND_ERROR",
    "PENDING_CREATE",
    "NOTIFYING",
    "PENDING_UPDATE",
    "PENDING_DELETE",
    "NOTIFY_DELETE",
    "FREEZED",
    "ERROR",
];

/// The parameters the provider signs for one `DescribeEipAddresses` by id (V1: common
/// parameters included).
fn v1_params() -> Vec<(String, String)> {
    [
        ("Action", "DescribeEipAddresses"),
        ("Version", "2016-04-28"),
        ("Format", "JSON"),
        ("AccessKeyId", "LTAI5tBenchmarkKey0000000"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "3ee8c1b8f1d84d3a9a4d1f0b2c6e7a91"),
        ("Timestamp", "2024-05-01T12:00:00Z"),
        ("RegionId", "cn-hangzhou"),
        ("AllocationId", "eip-bp1abcdefghijklmnopqr"),
        ("PageSize", "100"),
        ("PageNumber", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn bench_signing(c: &mut Criterion) {
    let secret = "bench-secret-0123456789abcdefghij";
    let mut group = c.benchmark_group("signing");

    let params = v1_params();
    group.bench_function("alibaba_v1_describe", |b| {
        b.iter(|| alibaba_signer::sign_v1("POST", black_box(&params), secret))
    });

    let query: Vec<(String, String)> = [
        ("RegionId", "cn-hangzhou"),
        ("AllocationId", "eip-bp1abcdefghijklmnopqr"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let headers: Vec<(String, String)> = [
        ("host", "vpc.aliyuncs.com"),
        ("x-acs-action", "DescribeEipAddresses"),
        ("x-acs-version", "2016-04-28"),
        ("x-acs-date", "2024-05-01T12:00:00Z"),
        ("x-acs-signature-nonce", "3ee8c1b8f1d84d3a9a4d1f0b2c6e7a91"),
        ("x-acs-content-sha256", alibaba_signer::EMPTY_PAYLOAD_SHA256),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    group.bench_function("alibaba_v3_describe", |b| {
        b.iter(|| {
            alibaba_signer::sign_v3(
                "POST",
                black_box(&query),
                black_box(&headers),
                alibaba_signer::EMPTY_PAYLOAD_SHA256,
                "LTAI5tBenchmarkKey0000000",
                secret,
            )
        })
    });

    let date = "20240501T120000Z";
    let project = "0123456789abcdef0123456789abcdef";
    let path = format!("/v1/{project}/publicips");
    let list_query = vec![
        ("limit".to_owned(), "2000".to_owned()),
        (
            "marker".to_owned(),
            "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0".to_owned(),
        ),
    ];
    group.bench_function("huawei_aksk_list", |b| {
        b.iter(|| {
            // The provider builds the signed headers per request, so that is measured too.
            let signed = SignedHeaders::new([
                ("Host", "vpc.cn-north-4.myhuaweicloud.com"),
                ("X-Project-Id", project),
                ("X-Sdk-Date", date),
            ]);
            let input = SigningInput {
                method: "GET",
                path: &path,
                query: black_box(&list_query),
                headers: &signed,
                body: b"",
            };
            huawei_signer::authorization("HPUABENCHMARKKEY0000", secret, date, &input)
        })
    });
    group.finish();
}

/// One `EipAddress` with every documented field (the DescribeEipAddresses reference above),
/// numbers as the samples show them; every third is bound to an instance, every fifth has tags.
fn alibaba_item(n: usize) -> Value {
    let bound = n % 3 == 0;
    let tags = if n % 5 == 0 {
        json!({"Tag": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "edge"}]})
    } else {
        json!({"Tag": []})
    };
    json!({
        "AllocationId": format!("eip-bp1bench{n:013}"),
        "IpAddress": format!("47.{}.{}.{}", 96 + n / 65_536, (n / 256) % 256, n % 256),
        "Status": if bound { "InUse" } else { ALIBABA_STATUSES[n % 5] },
        "RegionId": "cn-hangzhou",
        "Name": format!("bench-{n}"),
        "Description": "created by the cpu benchmark",
        "AllocationTime": "2024-05-01T12:00:00Z",
        "Bandwidth": "5",
        "EipBandwidth": "5",
        "BandwidthPackageId": "",
        "BandwidthPackageBandwidth": "",
        "BandwidthPackageType": "",
        "InstanceId": if bound { format!("i-bp1bench{n:012}") } else { String::new() },
        "InstanceType": if bound { "EcsInstance" } else { "" },
        "InstanceRegionId": if bound { "cn-hangzhou" } else { "" },
        "PrivateIpAddress": if bound { "192.168.0.10" } else { "" },
        "Mode": "NAT",
        "VpcId": if bound { "vpc-bp1bench000000000000" } else { "" },
        "ChargeType": "PostPaid",
        "InternetChargeType": "PayByTraffic",
        "ExpiredTime": "",
        "HasReservationData": "false",
        "ReservationActiveTime": "",
        "ReservationBandwidth": "",
        "ReservationInternetChargeType": "",
        "ReservationOrderType": "",
        "BusinessStatus": "Normal",
        "ISP": "BGP",
        "Netmode": "public",
        "ResourceGroupId": "rg-acfmbench0000000",
        "DeletionProtection": false,
        "SecondLimited": false,
        "HDMonitorStatus": "false",
        "SegmentInstanceId": "",
        "PublicIpAddressPoolId": "",
        "Zone": "",
        "BizType": "",
        "ServiceManaged": 0,
        "ServiceID": 0,
        "OperationLocks": {"LockReason": []},
        "Tags": tags,
        "SecurityProtectionTypes": {"SecurityProtectionType": []},
    })
}

fn alibaba_page(items: usize) -> Vec<u8> {
    alibaba_page_from(0, items)
}

/// A Describe answer holding items `first..first + items`.
fn alibaba_page_from(first: usize, items: usize) -> Vec<u8> {
    let page = json!({
        "RequestId": "4EC47282-1B74-4534-BD0E-403F3EE64CAF",
        "PageNumber": 1,
        "PageSize": items,
        "TotalCount": 10_000,
        "EipAddresses": {"EipAddress": (first..first + items).map(alibaba_item).collect::<Vec<_>>()},
    });
    serde_json::to_vec(&page).expect("a JSON value serializes")
}

/// One publicip with every documented field (`PublicipShowResp` in huaweicloudsdkeip
/// `v2/model/publicip_show_resp.py`); every third is bound to a port.
fn huawei_item(n: usize) -> Value {
    let bound = n % 3 == 0;
    let mut item = json!({
        "id": format!("6285e7be-fd9f-497c-bc2d-{n:012}"),
        "status": if bound { "ACTIVE" } else { HUAWEI_STATUSES[n % 13] },
        "type": "5_bgp",
        "public_ip_address": format!("161.{}.{}.{}", 17 + n / 65_536, (n / 256) % 256, n % 256),
        "ip_version": 4,
        "tenant_id": "8b7e35ad379141fc9df3e178bd64f55c",
        "create_time": "2024-05-01 12:00:00",
        "bandwidth_id": format!("3fa5b383-5a73-4dcb-a314-{n:012}"),
        "bandwidth_name": format!("bandwidth-{n}"),
        "bandwidth_size": 5,
        "bandwidth_share_type": "PER",
        "enterprise_project_id": "0",
        "profile": {},
        "alias": format!("bench-{n}"),
        "tags": ["env=prod"],
        "public_border_group": "center",
        "allow_share_bandwidth_types": ["5_bgp"],
    });
    if bound {
        item["port_id"] = json!(format!("9b1c2d3e-0000-4000-8000-{n:012}"));
        item["private_ip_address"] = json!("192.168.20.10");
    }
    item
}

fn huawei_page(items: usize) -> Vec<u8> {
    huawei_page_from(0, items)
}

/// A list answer holding items `first..first + items`.
fn huawei_page_from(first: usize, items: usize) -> Vec<u8> {
    let page = json!({"publicips": (first..first + items).map(huawei_item).collect::<Vec<_>>()});
    serde_json::to_vec(&page).expect("a JSON value serializes")
}

fn bench_parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parsing");

    let alibaba = alibaba_page(100);
    let parsed: DescribeResponse =
        alibaba_mapping::parse("DescribeEipAddresses", &alibaba).expect("the Alibaba page parses");
    assert_eq!(parsed.items().len(), 100, "the body holds the whole page");
    let first = alibaba_mapping::to_eip(&parsed.items()[0], "cn-hangzhou").expect("an item maps");
    assert!(
        first.binding.is_some(),
        "bound entries carry their instance"
    );
    group.throughput(Throughput::Elements(100));
    group.bench_function("alibaba_describe_100", |b| {
        b.iter(|| {
            // As the provider reads a page: the wire types, then each item → Eip.
            let page: DescribeResponse =
                alibaba_mapping::parse("DescribeEipAddresses", black_box(&alibaba))
                    .expect("parses");
            let eips: Vec<_> = page
                .items()
                .iter()
                .map(|item| alibaba_mapping::to_eip(item, "cn-hangzhou").expect("maps"))
                .collect();
            eips.len()
        })
    });

    // What one `get` reads: a one-item answer.
    let alibaba_one = alibaba_page_from(3, 1);
    group.throughput(Throughput::Elements(1));
    group.bench_function("alibaba_describe_1", |b| {
        b.iter(|| {
            let page: DescribeResponse =
                alibaba_mapping::parse("DescribeEipAddresses", black_box(&alibaba_one))
                    .expect("parses");
            alibaba_mapping::to_eip(&page.items()[0], "cn-hangzhou").expect("maps")
        })
    });
    let huawei_one = huawei_page_from(3, 1);
    group.bench_function("huawei_list_1", |b| {
        b.iter(|| parse_publicip_list("cn-north-4", black_box(&huawei_one)).expect("parses"))
    });

    let huawei = huawei_page(2_000);
    let parsed = parse_publicip_list("cn-north-4", &huawei).expect("the Huawei page parses");
    assert_eq!(parsed.len(), 2_000, "the body holds the whole page");
    assert!(
        parsed[0].binding.is_some(),
        "bound entries carry their port"
    );
    group.throughput(Throughput::Elements(2_000));
    group.bench_function("huawei_list_2000", |b| {
        b.iter(|| {
            parse_publicip_list("cn-north-4", black_box(&huawei))
                .expect("parses")
                .len()
        })
    });
    group.finish();
}

fn bench_status(c: &mut Criterion) {
    let mut group = c.benchmark_group("status");
    group.throughput(Throughput::Elements(ALIBABA_STATUSES.len() as u64 + 1));
    group.bench_function("alibaba_all", |b| {
        b.iter(|| {
            ALIBABA_STATUSES
                .iter()
                .chain(&["Mystery"])
                .map(|raw| alibaba_mapping::status_from_alibaba(black_box(raw)))
                .filter(|s| s.is_bound())
                .count()
        })
    });
    group.throughput(Throughput::Elements(HUAWEI_STATUSES.len() as u64 + 1));
    group.bench_function("huawei_all", |b| {
        b.iter(|| {
            HUAWEI_STATUSES
                .iter()
                .chain(&["MYSTERY"])
                .map(|raw| huawei_status(black_box(raw)))
                .filter(|s| s.is_bound())
                .count()
        })
    });
    group.finish();
}

/// Short runs: the whole bench takes well under two minutes on two cores.
fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_signing, bench_parsing, bench_status
}
criterion_main!(benches);
