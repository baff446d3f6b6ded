//! The six Alibaba EIP actions over raw HTTP: transitions, rules and error codes, ClientToken,
//! pagination and filters (the VPC API reference, <https://api.alibabacloud.com/document/Vpc/2016-04-28/>).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::{start_sim, start_with, Ali};
use eip_sim::{AlibabaConfig, Cloud};
use serde_json::json;

#[tokio::test]
async fn lifecycle_with_observable_transitions() {
    // Long enough that the intermediate states are seen even on a slow machine.
    let sim = start_sim(250).await;
    let ali = Ali::new(&sim);
    let instance = sim.alibaba().instances[0].clone();
    let id = ali.allocate(&[("Name", "web"), ("Bandwidth", "10")]).await;
    assert_eq!(
        ali.status(&id).await.as_deref(),
        Some("Available"),
        "allocation is synchronous"
    );

    ali.call(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &instance)],
    )
    .await
    .ok();
    let eip = ali.describe_one(&id).await.unwrap();
    assert_eq!(eip["Status"], "Associating");
    assert_eq!(eip["InstanceId"], instance.as_str());
    assert_eq!(eip["InstanceType"], "EcsInstance");
    // An ECS binding names no private address: the real answer has `""` there.
    assert_eq!(eip["PrivateIpAddress"], "");
    ali.wait_for(&id, Some("InUse")).await;
    let item = sim.inventory().into_iter().find(|i| i.id == id).unwrap();
    assert_eq!(
        (item.status.as_str(), item.bound_to.as_deref()),
        ("InUse", Some(instance.as_str()))
    );

    ali.call(
        "UnassociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &instance)],
    )
    .await
    .ok();
    assert_eq!(ali.status(&id).await.as_deref(), Some("Unassociating"));
    ali.wait_for(&id, Some("Available")).await;
    assert_eq!(ali.describe_one(&id).await.unwrap()["InstanceId"], "");

    ali.call("ReleaseEipAddress", &[("AllocationId", &id)])
        .await
        .ok();
    assert_eq!(ali.status(&id).await.as_deref(), Some("Releasing"));
    ali.wait_for(&id, None).await;
    let json = ali
        .call("DescribeEipAddresses", &[("AllocationId", &id)])
        .await
        .ok();
    assert_eq!(json["TotalCount"], 0);
    assert!(sim.inventory().is_empty());
}

#[tokio::test]
async fn associate_rules_and_errors() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let info = sim.alibaba().clone();
    let (a, b) = (ali.allocate(&[]).await, ali.allocate(&[]).await);
    let assoc = |id: &str, params: &[(&str, &str)]| {
        let mut all = vec![("AllocationId".to_owned(), id.to_owned())];
        all.extend(
            params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let ali = ali.clone();
        async move {
            let pairs: Vec<(&str, &str)> =
                all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            ali.call("AssociateEipAddress", &pairs).await
        }
    };
    assoc(&a, &[("InstanceId", "i-doesnotexist")])
        .await
        .expect_error(404, "InvalidInstanId.NotFound");
    assoc("eip-unknown", &[("InstanceId", &info.instances[0])])
        .await
        .expect_error(404, "InvalidAllocationId.NotFound");
    assoc(&a, &[]).await.expect_error(400, "MissingParameter");
    assoc(
        &a,
        &[
            ("InstanceId", &info.instances[0]),
            ("InstanceType", "Bogus"),
        ],
    )
    .await
    .expect_error(400, "InvalidParameter");

    assert_eq!(
        assoc(&a, &[("InstanceId", &info.instances[0])])
            .await
            .status,
        200
    );
    assoc(&a, &[("InstanceId", &info.instances[1])])
        .await
        .expect_error(400, "IncorrectEipStatus");
    // The instance already has an EIP, whether named directly or through its primary ENI.
    assoc(&b, &[("InstanceId", &info.instances[0])])
        .await
        .expect_error(400, "InvalidAssociation.Duplicated");
    let eni0 = &info.network_interfaces[0].id;
    assoc(
        &b,
        &[("InstanceId", eni0), ("InstanceType", "NetworkInterface")],
    )
    .await
    .expect_error(400, "InvalidAssociation.Duplicated");

    // An ENI, with a private IP outside and inside its vSwitch.
    let eni1 = &info.network_interfaces[1];
    assoc(
        &b,
        &[
            ("InstanceId", &eni1.id),
            ("InstanceType", "NetworkInterface"),
            ("PrivateIpAddress", "10.9.9.9"),
        ],
    )
    .await
    .expect_error(400, "InvalidParameter");
    assoc(
        &b,
        &[
            ("InstanceId", &eni1.id),
            ("InstanceType", "NetworkInterface"),
            ("PrivateIpAddress", "172.16.0.99"),
        ],
    )
    .await
    .ok();
    let eip = ali.describe_one(&b).await.unwrap();
    assert_eq!(
        (
            eip["InstanceType"].as_str(),
            eip["PrivateIpAddress"].as_str()
        ),
        (Some("NetworkInterface"), Some("172.16.0.99"))
    );
    assert_eq!(eip["Mode"], "NAT");

    // MULTI_BINDED: several EIPs on one ENI.
    let eni2 = &info.network_interfaces[2].id;
    for _ in 0..2 {
        let id = ali.allocate(&[]).await;
        assoc(
            &id,
            &[
                ("InstanceId", eni2),
                ("InstanceType", "NetworkInterface"),
                ("Mode", "MULTI_BINDED"),
            ],
        )
        .await
        .ok();
    }
    // A HaVip.
    let c = ali.allocate(&[]).await;
    assoc(
        &c,
        &[
            ("InstanceId", &info.havips[0].id),
            ("InstanceType", "HaVip"),
        ],
    )
    .await
    .ok();
    let d = ali.allocate(&[]).await;
    assoc(
        &d,
        &[
            ("InstanceId", &info.havips[0].id),
            ("InstanceType", "HaVip"),
        ],
    )
    .await
    .expect_error(400, "InvalidAssociation.Duplicated");
    // The emulated account has no SLB instances.
    assoc(
        &d,
        &[("InstanceId", "lb-1"), ("InstanceType", "SlbInstance")],
    )
    .await
    .expect_error(404, "InvalidInstanId.NotFound");
    let bound: Vec<_> = sim
        .inventory()
        .into_iter()
        .filter(|i| i.bound_to.is_some())
        .collect();
    assert_eq!(bound.len(), 5);
}

#[tokio::test]
async fn unassociate_is_fenced_by_instance_id() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let (i0, i1) = (
        sim.alibaba().instances[0].clone(),
        sim.alibaba().instances[1].clone(),
    );
    let id = ali.allocate(&[]).await;
    ali.call("UnassociateEipAddress", &[("AllocationId", &id)])
        .await
        .expect_error(400, "IncorrectEipStatus");
    ali.call(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &i0)],
    )
    .await
    .ok();
    ali.wait_for(&id, Some("InUse")).await;
    ali.call(
        "UnassociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &i1)],
    )
    .await
    .expect_error(400, "InvalidBindingStatus");
    assert_eq!(
        ali.status(&id).await.as_deref(),
        Some("InUse"),
        "a fenced call changes nothing"
    );
    ali.call("UnassociateEipAddress", &[("AllocationId", "eip-nope")])
        .await
        .expect_error(404, "InvalidAllocationId.NotFound");
    // Without InstanceId, whatever is bound is unbound.
    ali.call("UnassociateEipAddress", &[("AllocationId", &id)])
        .await
        .ok();
    ali.call("UnassociateEipAddress", &[("AllocationId", &id)])
        .await
        .expect_error(400, "IncorrectEipStatus");
    ali.wait_for(&id, Some("Available")).await;
    ali.call(
        "UnassociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &i0)],
    )
    .await
    .expect_error(400, "InvalidBindingStatus");
}

#[tokio::test]
async fn release_rules() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let instance = sim.alibaba().instances[3].clone();
    let id = ali.allocate(&[]).await;
    ali.call(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &instance)],
    )
    .await
    .ok();
    ali.call("ReleaseEipAddress", &[("AllocationId", &id)])
        .await
        .expect_error(400, "IncorrectEipStatus");
    ali.wait_for(&id, Some("InUse")).await;
    ali.call("ReleaseEipAddress", &[("AllocationId", &id)])
        .await
        .expect_error(400, "IncorrectEipStatus");
    ali.call("ReleaseEipAddress", &[("AllocationId", "eip-nope")])
        .await
        .expect_error(404, "InvalidAllocationId.NotFound");

    let prepaid = ali
        .call(
            "AllocateEipAddress",
            &[
                ("InstanceChargeType", "PrePaid"),
                ("AutoPay", "true"),
                ("Period", "1"),
            ],
        )
        .await
        .ok();
    assert!(prepaid["OrderId"].is_string());
    let prepaid_id = prepaid["AllocationId"].as_str().unwrap();
    ali.call("ReleaseEipAddress", &[("AllocationId", prepaid_id)])
        .await
        .expect_error(400, "Forbidden.ChargeTypeIsPrepaid");
    assert_eq!(sim.inventory().len(), 2);
}

#[tokio::test]
async fn allocate_validation_and_quota() {
    let config = AlibabaConfig {
        quota: 2,
        ..AlibabaConfig::default()
    };
    let sim = start_with(30, config).await;
    let ali = Ali::new(&sim);
    for bad in [
        vec![("Bandwidth", "0")],
        vec![("Bandwidth", "501")],
        vec![("Bandwidth", "201"), ("InternetChargeType", "PayByTraffic")],
        vec![("InternetChargeType", "PayByLuck")],
        vec![("Name", "9lives")],
        vec![("Description", "https://example.com")],
        vec![
            ("InstanceChargeType", "PrePaid"),
            ("InternetChargeType", "PayByTraffic"),
            ("AutoPay", "true"),
        ],
        vec![("ISP", "Nope")],
    ] {
        ali.call("AllocateEipAddress", &bad)
            .await
            .expect_error(400, "InvalidParameter");
    }
    ali.call("AllocateEipAddress", &[("Tag.21.Key", "k")])
        .await
        .expect_error(400, "InvalidParameter");
    ali.call("AllocateEipAddress", &[("Tag.1.Key", "aliyun:x")])
        .await
        .expect_error(400, "InvalidTagKey");

    let first = ali
        .call(
            "AllocateEipAddress",
            &[("IpAddress", "47.100.1.1"), ("Bandwidth", "500")],
        )
        .await
        .ok();
    assert_eq!(first["EipAddress"], "47.100.1.1");
    ali.call("AllocateEipAddress", &[("IpAddress", "47.100.1.1")])
        .await
        .expect_error(400, "ReserveIpFail");
    ali.allocate(&[]).await;
    ali.call("AllocateEipAddress", &[])
        .await
        .expect_error(400, "QuotaExceeded.Eip");
    assert_eq!(sim.inventory().len(), 2);
    sim.control(Cloud::Alibaba, "set_quota", json!({"quota": 3}))
        .unwrap();
    ali.allocate(&[]).await;
}

#[tokio::test]
async fn modify_attributes() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let id = ali
        .allocate(&[("InternetChargeType", "PayByTraffic")])
        .await;
    let modify = |params: Vec<(&'static str, &'static str)>| {
        let (ali, id) = (ali.clone(), id.clone());
        async move {
            let mut all = vec![("AllocationId", id.as_str())];
            all.extend(params);
            ali.call("ModifyEipAddressAttribute", &all).await
        }
    };
    modify(vec![
        ("Bandwidth", "50"),
        ("Name", "db"),
        ("Description", "primary database"),
    ])
    .await
    .ok();
    let eip = ali.describe_one(&id).await.unwrap();
    assert_eq!(
        (eip["Bandwidth"].as_str(), eip["Name"].as_str()),
        (Some("50"), Some("db"))
    );
    // The real answer spells the field `Descritpion`, and only that way.
    assert_eq!(eip["Descritpion"], "primary database");
    assert!(eip.get("Description").is_none());
    modify(vec![("Bandwidth", "300")])
        .await
        .expect_error(400, "InvalidParameter");
    // ModifyEipAddressAttribute, AlibabaCloudDocs/eip `intl.en-US/API Reference/Elastic IP Address/ModifyEipAddressAttribute.md`: 2–128 characters on the Modify page.
    modify(vec![("Name", "x")])
        .await
        .expect_error(400, "InvalidParameter");
    modify(vec![("Description", "x")])
        .await
        .expect_error(400, "InvalidParameter");
    ali.call(
        "ModifyEipAddressAttribute",
        &[("AllocationId", "eip-nope"), ("Name", "ab")],
    )
    .await
    .expect_error(404, "InvalidAllocationId.NotFound");

    let instance = sim.alibaba().instances[0].clone();
    ali.call(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &instance)],
    )
    .await
    .ok();
    modify(vec![("Name", "busy")])
        .await
        .expect_error(400, "IncorrectEipStatus");
    ali.wait_for(&id, Some("InUse")).await;
    modify(vec![("Name", "bound")]).await.ok();
    assert_eq!(sim.inventory()[0].name.as_deref(), Some("bound"));
}

#[tokio::test]
async fn client_token_makes_retries_idempotent() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let params = [
        ("ClientToken", "tok-1"),
        ("Bandwidth", "5"),
        ("Name", "once"),
    ];
    let first = ali.call("AllocateEipAddress", &params).await.ok();
    let again = ali.call("AllocateEipAddress", &params).await.ok();
    assert_eq!(first["AllocationId"], again["AllocationId"]);
    assert_eq!(first["EipAddress"], again["EipAddress"]);
    assert_ne!(first["RequestId"], again["RequestId"]);
    assert_eq!(sim.inventory().len(), 1);
    ali.call(
        "AllocateEipAddress",
        &[
            ("ClientToken", "tok-1"),
            ("Bandwidth", "6"),
            ("Name", "once"),
        ],
    )
    .await
    .expect_error(400, "IdempotentParameterMismatch");
    assert_eq!(sim.inventory().len(), 1);
    // Without a token, each call is new.
    ali.allocate(&[]).await;
    ali.allocate(&[]).await;
    assert_eq!(sim.inventory().len(), 3);

    // Associate: a retry with the same token is answered like the first, not IncorrectEipStatus.
    let id = first["AllocationId"].as_str().unwrap();
    let instance = sim.alibaba().instances[5].clone();
    let assoc = [
        ("AllocationId", id),
        ("InstanceId", instance.as_str()),
        ("ClientToken", "tok-a"),
    ];
    ali.call("AssociateEipAddress", &assoc).await.ok();
    ali.call("AssociateEipAddress", &assoc).await.ok();
    let other = sim.alibaba().instances[6].clone();
    ali.call(
        "AssociateEipAddress",
        &[
            ("AllocationId", id),
            ("InstanceId", &other),
            ("ClientToken", "tok-a"),
        ],
    )
    .await
    .expect_error(400, "IdempotentParameterMismatch");
}

#[tokio::test]
async fn pagination_bounds_and_totals() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    sim.control(
        Cloud::Alibaba,
        "seed_eips",
        json!({"count": 25, "name_prefix": "bulk"}),
    )
    .unwrap();
    let default = ali.call("DescribeEipAddresses", &[]).await.ok();
    assert_eq!(
        (default["PageSize"].as_u64(), default["TotalCount"].as_u64()),
        (Some(10), Some(25))
    );
    let mut seen = HashSet::new();
    for (page, expected) in [("1", 10), ("2", 10), ("3", 5), ("4", 0)] {
        let json = ali
            .call(
                "DescribeEipAddresses",
                &[("PageNumber", page), ("PageSize", "10")],
            )
            .await
            .ok();
        assert_eq!(json["TotalCount"], 25);
        assert_eq!(json["PageNumber"].as_u64().unwrap().to_string(), page);
        let items = json["EipAddresses"]["EipAddress"].as_array().unwrap();
        assert_eq!(items.len(), expected, "page {page}");
        seen.extend(
            items
                .iter()
                .map(|e| e["AllocationId"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(seen.len(), 25);
    let big = ali
        .call("DescribeEipAddresses", &[("PageSize", "100")])
        .await
        .ok();
    assert_eq!(
        big["EipAddresses"]["EipAddress"].as_array().unwrap().len(),
        25
    );
    for bad in ["0", "101", "ten"] {
        ali.call("DescribeEipAddresses", &[("PageSize", bad)])
            .await
            .expect_error(400, "InvalidParameter");
    }
    ali.call("DescribeEipAddresses", &[("PageNumber", "0")])
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn describe_filters() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let instance = sim.alibaba().instances[2].clone();
    let tagged = ali
        .allocate(&[
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Name", "alpha"),
        ])
        .await;
    let bound = ali.allocate(&[]).await;
    let plain = ali.allocate(&[]).await;
    ali.call(
        "AssociateEipAddress",
        &[("AllocationId", &bound), ("InstanceId", &instance)],
    )
    .await
    .ok();
    ali.wait_for(&bound, Some("InUse")).await;

    let ids = |json: serde_json::Value| -> Vec<String> {
        json["EipAddresses"]["EipAddress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["AllocationId"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = |params: Vec<(&'static str, String)>| {
        let ali = ali.clone();
        async move {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ali.call("DescribeEipAddresses", &pairs).await
        }
    };
    assert_eq!(
        ids(q(vec![("Status", "InUse".into())]).await.ok()),
        [bound.as_str()]
    );
    assert_eq!(
        ids(q(vec![("AssociatedInstanceId", instance.clone())])
            .await
            .ok()),
        [bound.as_str()]
    );
    assert_eq!(
        ids(q(vec![("AssociatedInstanceType", "EcsInstance".into())])
            .await
            .ok()),
        [bound.as_str()]
    );
    assert_eq!(
        ids(q(vec![
            ("Tag.1.Key", "env".into()),
            ("Tag.1.Value", "prod".into())
        ])
        .await
        .ok()),
        [tagged.as_str()]
    );
    assert_eq!(
        ids(q(vec![("EipName", "alpha".into())]).await.ok()),
        [tagged.as_str()]
    );
    let two = format!("{plain},eip-unknown,{tagged}");
    assert_eq!(ids(q(vec![("AllocationId", two)]).await.ok()).len(), 2);
    let address = ali.describe_one(&plain).await.unwrap()["IpAddress"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(q(vec![("EipAddress", address)]).await.ok()),
        [plain.as_str()]
    );
    // DescribeEipAddresses, https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses: an unknown id is 200 with an empty list.
    let unknown = q(vec![("AllocationId", "eip-unknown".into())]).await.ok();
    assert_eq!(
        (unknown["TotalCount"].as_u64(), ids(unknown).len()),
        (Some(0), 0)
    );
    q(vec![("Status", "Sleeping".into())])
        .await
        .expect_error(400, "InvalidParameter");
    q(vec![("DryRun", "true".into())])
        .await
        .expect_error(400, "DryRunOperation");
    let many = (0..51)
        .map(|i| format!("eip-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    q(vec![("AllocationId", many)])
        .await
        .expect_error(400, "InvalidParameter");
    q(vec![
        ("Filter.1.Key", "Color".into()),
        ("Filter.1.Value", "2024-01-01T00:00Z".into()),
    ])
    .await
    .expect_error(404, "InvalidFilterKey.NotFound");
    let future = q(vec![
        ("Filter.1.Key", "CreationStartTime".into()),
        ("Filter.1.Value", "2999-01-01T00:00Z".into()),
    ])
    .await;
    assert_eq!(future.ok()["TotalCount"], 0);
    let eip = ali.describe_one(&tagged).await.unwrap();
    assert!(eip["AllocationTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(eip["RegionId"], "cn-hangzhou");
}

#[tokio::test]
async fn addresses_are_deterministic_per_seed_and_never_repeat() {
    let (one, two) = (start_sim(30).await, start_sim(30).await);
    let mut first = Vec::new();
    for sim in [&one, &two] {
        let ids = sim
            .control(Cloud::Alibaba, "seed_eips", json!({"count": 200}))
            .unwrap();
        assert_eq!(ids["created"], 200);
        let addresses: Vec<_> = sim
            .inventory()
            .into_iter()
            .map(|i| (i.id, i.address))
            .collect();
        let distinct: HashSet<_> = addresses.iter().map(|(_, a)| *a).collect();
        assert_eq!(distinct.len(), 200);
        first.push(addresses);
    }
    assert_eq!(first[0], first[1]);
}

#[tokio::test]
async fn lists_ten_thousand_seeded_eips() {
    let sim = start_sim(30).await;
    let ali = Ali::new(&sim);
    let seeded = sim
        .control(
            Cloud::Alibaba,
            "seed_eips",
            json!({"count": 10_000, "name_prefix": "bulk"}),
        )
        .unwrap();
    assert_eq!(seeded["created"], 10_000);
    let last = ali
        .call(
            "DescribeEipAddresses",
            &[("PageSize", "100"), ("PageNumber", "100")],
        )
        .await
        .ok();
    assert_eq!(last["TotalCount"], 10_000);
    let items = last["EipAddresses"]["EipAddress"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert!(items[0]["Name"].as_str().unwrap().starts_with("bulk-"));
}
