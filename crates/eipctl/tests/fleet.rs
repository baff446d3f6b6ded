//! The commands over many addresses and regions, and the attribute commands: `sweep`,
//! `list --region`, `show --address`, `tag`, `list --tag`, private-IP and typed targets.
//! Each runs the `eipctl` binary against the emulator and checks the emulator's inventory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Cloud, Harness, BOTH};
use serde_json::Value;

/// Allocates an address named `name` (with `extra` flags) through eipctl, waited for.
async fn allocate_named(h: &Harness, cloud: Cloud, name: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "--output",
        "json",
        "allocate",
        "--bandwidth",
        "5",
        "--name",
        name,
        "--wait",
    ];
    args.extend_from_slice(extra);
    let run = h.run(cloud, &args).await.ok();
    run.json()["id"].as_str().unwrap().to_owned()
}

fn held(h: &Harness, cloud: Cloud) -> Vec<String> {
    let cloud = match cloud {
        Cloud::Alibaba => eip_sim::Cloud::Alibaba,
        Cloud::Huawei => eip_sim::Cloud::Huawei,
    };
    let mut ids: Vec<String> = h
        .sim
        .inventory()
        .into_iter()
        .filter(|e| e.cloud == cloud)
        .map(|e| e.id)
        .collect();
    ids.sort();
    ids
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {list:#}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn sweep_prints_what_it_would_release_and_with_yes_releases_only_the_unbound() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (instance, _, _) = h.instances(cloud);
        let leaked = allocate_named(&h, cloud, "leak-a", &[]).await;
        let bound = allocate_named(&h, cloud, "leak-b", &[]).await;
        h.run(
            cloud,
            &["associate", &bound, "--instance", &instance, "--wait"],
        )
        .await
        .ok();
        let other = allocate_named(&h, cloud, "keep-c", &[]).await;
        let everything = sorted(vec![leaked.clone(), bound.clone(), other.clone()]);

        let dry = h.json(cloud, &["sweep", "--name-prefix", "leak-"]).await;
        assert_eq!(
            ids(&dry["would_release"]),
            vec![leaked.clone()],
            "{cloud:?}: {dry:#}"
        );
        assert_eq!(dry["mode"], "dry_run");
        assert_eq!(dry["released"].as_array().unwrap().len(), 0);
        let skipped = dry["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 1, "{cloud:?}: {dry:#}");
        assert_eq!(skipped[0]["eip"]["id"], bound.as_str());
        assert_eq!(skipped[0]["reason"], "bound");
        assert_eq!(
            held(&h, cloud),
            everything,
            "{cloud:?}: a dry run released nothing"
        );

        let table = h
            .run(cloud, &["sweep", "--name-prefix", "leak-"])
            .await
            .ok();
        assert!(
            table.stdout.contains("would release") && table.stdout.contains("--yes"),
            "{cloud:?}: {}",
            table.stdout
        );
        assert_eq!(held(&h, cloud), everything);

        let swept = h
            .json(cloud, &["sweep", "--name-prefix", "leak-", "--yes"])
            .await;
        assert_eq!(
            ids(&swept["released"]),
            vec![leaked.clone()],
            "{cloud:?}: {swept:#}"
        );
        assert_eq!(swept["skipped"][0]["reason"], "bound");
        // A release is accepted before the cloud has finished it.
        h.run(cloud, &["wait", &leaked, "--until", "gone"])
            .await
            .ok();
        assert_eq!(
            held(&h, cloud),
            sorted(vec![bound.clone(), other.clone()]),
            "{cloud:?}: the swept address is gone, the bound and the unmatched ones remain"
        );
        h.run(cloud, &["status", &bound, "--bound-to", &instance])
            .await
            .ok();
    }
}

#[tokio::test]
async fn sweep_by_tag_leaves_the_bound_tagged_address_alone() {
    let h = Harness::start().await;
    for cloud in BOTH {
        sweep_by_tag_on(&h, cloud).await;
    }
}

async fn sweep_by_tag_on(h: &Harness, cloud: Cloud) {
    let (instance, _, _) = h.instances(cloud);
    let a = allocate_named(h, cloud, "pool-a", &["--tag", "owner=pool"]).await;
    let b = allocate_named(h, cloud, "pool-b", &["--tag", "owner=pool"]).await;
    let untagged = allocate_named(h, cloud, "pool-c", &[]).await;
    h.run(cloud, &["associate", &b, "--instance", &instance, "--wait"])
        .await
        .ok();
    let listed = h.json(cloud, &["list", "--tag", "owner=pool"]).await;
    assert_eq!(ids(&listed), sorted(vec![a.clone(), b.clone()]));
    // Just allocated, so younger than a day: an age filter selects none of them.
    let young = h
        .json(
            cloud,
            &[
                "sweep",
                "--tag",
                "owner=pool",
                "--older-than",
                "1d",
                "--yes",
            ],
        )
        .await;
    assert!(
        young["released"].as_array().unwrap().is_empty(),
        "{young:#}"
    );
    assert_eq!(held(h, cloud).len(), 3);
    let report = h
        .json(cloud, &["sweep", "--tag", "owner=pool", "--yes"])
        .await;
    assert_eq!(ids(&report["released"]), vec![a.clone()], "{report:#}");
    h.run(cloud, &["wait", &a, "--until", "gone"]).await.ok();
    assert_eq!(held(h, cloud), sorted(vec![b, untagged]));
}

#[tokio::test]
async fn a_sweep_whose_release_fails_exits_non_zero_names_the_address_and_keeps_it() {
    let h = Harness::start().await;
    let cloud = Cloud::Alibaba;
    let id = allocate_named(&h, cloud, "doomed-1", &[]).await;
    h.sim.faults().add(
        eip_sim::FaultRule::new(
            eip_sim::FaultKind::Error(eip_sim::InjectedError::Internal),
            eip_sim::Trigger::Times(100),
        )
        .cloud(eip_sim::Cloud::Alibaba)
        .action("ReleaseEipAddress"),
    );
    let run = h
        .run(
            cloud,
            &[
                "--output",
                "json",
                "sweep",
                "--name-prefix",
                "doomed-",
                "--yes",
            ],
        )
        .await;
    assert_ne!(run.code, 0, "{run:#?}");
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"));
    assert_eq!(
        report["released"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["eip"]["id"], id.as_str(), "{report:#}");
    assert!(h
        .sim
        .requests()
        .iter()
        .any(|r| r.action == "ReleaseEipAddress"));
    assert_eq!(
        held(&h, cloud),
        vec![id.clone()],
        "the address is still held"
    );
    assert_eq!(h.inventory_item(&id).unwrap().status, "Available");
}

#[tokio::test]
async fn sweep_refuses_a_missing_or_malformed_filter_before_any_request() {
    let h = Harness::start().await;
    for (args, field) in [
        (vec!["sweep"], "filter"),
        (vec!["sweep", "--yes"], "filter"),
        (vec!["sweep", "--older-than", "3y"], "older-than"),
        (vec!["sweep", "--older-than", "0d"], "older-than"),
        (vec!["sweep", "--tag", "owner"], "tag"),
        (
            vec![
                "sweep",
                "--name-prefix",
                "leak-",
                "--yes",
                "--concurrency",
                "0",
            ],
            "concurrency",
        ),
        (
            vec!["sweep", "--name-prefix", "leak-", "--concurrency", "33"],
            "concurrency",
        ),
        (vec!["tag", "eip-1", "--add", "novalue"], "add"),
        (
            vec!["associate", "eip-1", "--instance", "i-1", "--nic", "eni-1"],
            "target",
        ),
        (
            vec![
                "associate",
                "eip-1",
                "--havip",
                "havip-1",
                "--private-ip",
                "10.0.0.8",
            ],
            "target",
        ),
        (
            vec!["move", "eip-1", "--from", "vm:i-1", "--to", "i-2"],
            "from",
        ),
        (
            vec!["move", "eip-1", "--from", "i-1", "--to", "nic:eni-1@10.0.0"],
            "to",
        ),
    ] {
        for cloud in BOTH {
            h.sim.clear_requests();
            let run = h.run(cloud, &args).await;
            let line = run.error_line(2);
            assert!(
                line.contains(&format!("invalid {field}:")),
                "{args:?} on {cloud:?}: {line}"
            );
            assert!(
                h.sim.requests().is_empty(),
                "{args:?} on {cloud:?} sent a request"
            );
        }
    }
}

#[tokio::test]
async fn list_over_regions_lists_the_region_that_answers_and_reports_the_one_that_fails() {
    let h = Harness::start().await;
    let cloud = Cloud::Alibaba;
    let id = allocate_named(&h, cloud, "fan-a", &[]).await;
    let spec = h.spec(cloud);
    let region = h.sim.alibaba().region.clone();
    let regions = format!("{region},cn-nowhere-9");
    let run = h
        .run_with(
            &h.credentials(cloud),
            &[
                "--provider",
                &spec,
                "--output",
                "json",
                "list",
                "--region",
                &regions,
            ],
        )
        .await;
    let listed: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("a complete JSON array despite the failure ({e}): {run:#?}"));
    assert_eq!(ids(&listed), vec![id.clone()], "{run:#?}");
    assert_eq!(listed[0]["region"], region.as_str());
    assert_ne!(run.code, 0, "a failed region is not a success: {run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:#?}");
    assert!(
        lines[0].contains("alibaba cn-nowhere-9"),
        "the failure names provider and region: {}",
        lines[0]
    );

    let table = h
        .run_with(
            &h.credentials(cloud),
            &["--provider", &spec, "list", "--region", &region],
        )
        .await
        .ok();
    assert!(table.stdout.starts_with("REGION"), "{}", table.stdout);
    assert!(table.stdout.contains(&id), "{}", table.stdout);
}

#[tokio::test]
async fn show_by_address_finds_the_address_and_an_unknown_one_is_not_found() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let id = allocate_named(&h, cloud, "byip", &[]).await;
        let address = h.inventory_item(&id).unwrap().address.to_string();
        let shown = h.json(cloud, &["show", "--address", &address]).await;
        assert_eq!(shown["id"], id.as_str(), "{cloud:?}: {shown:#}");
        let missing = h.run(cloud, &["show", "--address", "198.51.100.254"]).await;
        assert!(missing.error_line(3).contains("not_found"), "{missing:#?}");
    }
}

#[tokio::test]
async fn associate_with_a_private_ip_alone_binds_the_port_holding_it_where_supported() {
    let h = Harness::start().await;
    let server = h.sim.huawei().servers[0].clone();
    let id = allocate_named(&h, Cloud::Huawei, "byprivate", &[]).await;
    let eip = h
        .json(
            Cloud::Huawei,
            &[
                "associate",
                &id,
                "--private-ip",
                &server.primary_ip,
                "--wait",
            ],
        )
        .await;
    assert_eq!(eip["status"], "bound", "{eip:#}");
    assert_eq!(eip["binding"]["nic_id"], server.primary_port_id.as_str());
    assert_eq!(
        h.bound_to(&id).as_deref(),
        Some(server.primary_port_id.as_str())
    );

    // Alibaba binds to a NIC by id only: refused as unsupported, nothing sent.
    h.sim.clear_requests();
    let refused = h
        .run(
            Cloud::Alibaba,
            &["associate", "eip-1", "--private-ip", "10.0.0.8"],
        )
        .await;
    assert!(
        refused.error_line(2).contains("unsupported"),
        "{refused:#?}"
    );
    assert!(h.sim.requests().is_empty());
}

#[tokio::test]
async fn associate_to_a_havip_binds_it() {
    let h = Harness::start().await;
    let havip = h.sim.alibaba().havips[0].clone();
    let id = allocate_named(&h, Cloud::Alibaba, "vip", &[]).await;
    let eip = h
        .json(
            Cloud::Alibaba,
            &["associate", &id, "--havip", &havip.id, "--wait"],
        )
        .await;
    assert_eq!(eip["binding"]["kind"], "high_availability_vip", "{eip:#}");
    assert_eq!(h.bound_to(&id).as_deref(), Some(havip.id.as_str()));
}

#[tokio::test]
async fn move_between_network_interfaces_with_typed_targets() {
    let h = Harness::start().await;
    let enis = h.sim.alibaba().network_interfaces.clone();
    let id = allocate_named(&h, Cloud::Alibaba, "nicmove", &[]).await;
    let from = format!("nic:{}", enis[0].id);
    let to = format!("nic:{}@{}", enis[1].id, enis[1].private_ip_address);
    h.run(
        Cloud::Alibaba,
        &["associate", &id, "--nic", &enis[0].id, "--wait"],
    )
    .await
    .ok();
    let moved = h
        .json(Cloud::Alibaba, &["move", &id, "--from", &from, "--to", &to])
        .await;
    assert_eq!(
        moved["eip"]["binding"]["nic_id"],
        enis[1].id.as_str(),
        "{moved:#}"
    );
    assert_eq!(h.bound_to(&id).as_deref(), Some(enis[1].id.as_str()));
}

#[tokio::test]
async fn tag_bandwidth_and_resource_group_commands_change_what_the_cloud_holds() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let id = allocate_named(&h, cloud, "attrs", &[]).await;
        let other = allocate_named(&h, cloud, "attrs-other", &[]).await;
        let tagged = h
            .json(
                cloud,
                &["tag", &id, "--add", "owner=web", "--add", "env=prod"],
            )
            .await;
        assert_eq!(tagged["tags"]["owner"], "web", "{cloud:?}: {tagged:#}");
        assert_eq!(tagged["tags"]["env"], "prod", "{cloud:?}: {tagged:#}");
        let untagged = h.json(cloud, &["tag", &id, "--remove", "env"]).await;
        assert_eq!(
            untagged["tags"],
            serde_json::json!({"owner": "web"}),
            "{cloud:?}"
        );
        let listed = h.json(cloud, &["list", "--tag", "owner=web"]).await;
        assert_eq!(ids(&listed), vec![id.clone()], "{cloud:?}: not {other}");

        let shared = match cloud {
            Cloud::Alibaba => h.sim.alibaba().bandwidth_packages[0].clone(),
            Cloud::Huawei => h.sim.huawei().shared_bandwidths[0].id.clone(),
        };
        h.run(
            cloud,
            &["bandwidth", "join", &id, "--bandwidth-id", &shared],
        )
        .await
        .ok();
        let joined = h.json(cloud, &["wait", &id, "--until", "available"]).await;
        assert_eq!(joined["bandwidth_kind"], "shared", "{cloud:?}: {joined:#}");
        assert_eq!(joined["bandwidth_id"], shared.as_str(), "{cloud:?}");
        h.run(cloud, &["bandwidth", "leave", &id, "--bandwidth", "6"])
            .await
            .ok();
        let left = h.json(cloud, &["wait", &id, "--until", "available"]).await;
        assert_eq!(left["bandwidth_kind"], "dedicated", "{cloud:?}: {left:#}");
        assert_eq!(left["bandwidth_mbps"], 6, "{cloud:?}: {left:#}");
    }

    // Resource groups: one of Alibaba's seeded groups; on Huawei an enterprise project (any
    // UUID), moved through the EPS endpoint the spec names.
    for cloud in BOTH {
        let id = allocate_named(&h, cloud, "grouped", &[]).await;
        let group = match cloud {
            Cloud::Alibaba => h.sim.alibaba().resource_groups[1].clone(),
            Cloud::Huawei => "b261ac1f-2489-4bc7-b31b-c33c3346a439".to_owned(),
        };
        let moved = h
            .json(cloud, &["resource-group", "move", &id, "--to", &group])
            .await;
        assert_eq!(
            moved["resource_group"],
            group.as_str(),
            "{cloud:?}: {moved:#}"
        );
        let listed = h.json(cloud, &["list", "--resource-group", &group]).await;
        assert_eq!(ids(&listed), [id], "{cloud:?}");
    }
}

#[tokio::test]
async fn regions_lists_the_clouds_regions_and_all_fans_out_over_them() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let regions = h.json(cloud, &["regions"]).await;
        let ids: Vec<&str> = regions
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let home = match cloud {
            Cloud::Alibaba => h.sim.alibaba().region.clone(),
            Cloud::Huawei => h.sim.huawei().region.clone(),
        };
        assert!(ids.contains(&home.as_str()), "{cloud:?}: {ids:?}");
    }
    h.sim.clear_requests();
    let refused = h
        .run(Cloud::Alibaba, &["list", "--region", "all,cn-beijing"])
        .await;
    assert!(
        refused.error_line(2).contains("invalid region"),
        "{refused:#?}"
    );
    assert!(h.sim.requests().is_empty());

    // Every region of the cloud: the emulator answers its own; the others fail, each on a line
    // of its own, and the address of the home region is still listed.
    let id = allocate_named(&h, Cloud::Alibaba, "everywhere", &[]).await;
    let run = h
        .run(
            Cloud::Alibaba,
            &["--output", "json", "list", "--region", "all"],
        )
        .await;
    let listed: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"));
    assert_eq!(ids(&listed), vec![id]);
    assert_ne!(run.code, 0, "some regions failed: {run:#?}");
    let home = h.sim.alibaba().region.clone();
    let regions = h.json(Cloud::Alibaba, &["regions"]).await;
    let failing: Vec<&str> = regions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .filter(|r| *r != home)
        .collect();
    assert!(!failing.is_empty(), "{regions:#}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        failing.len(),
        "one line per failing region: {run:#?}"
    );
    for region in failing {
        assert!(
            lines.iter().any(|l| l.contains(&format!(" {region}: "))),
            "no line names {region}: {run:#?}"
        );
    }
    assert!(
        lines.iter().all(|l| !l.contains(&format!(" {home}: "))),
        "{run:#?}"
    );
}

#[tokio::test]
async fn a_protected_address_is_neither_released_nor_swept_until_protection_is_off() {
    let h = Harness::start().await;
    let cloud = Cloud::Alibaba;
    let id = allocate_named(&h, cloud, "guarded", &["--deletion-protection"]).await;
    let refused = h.run(cloud, &["release", &id]).await;
    assert!(
        refused.error_line(6).contains("deletion protection"),
        "{refused:#?}"
    );
    let swept = h
        .json(cloud, &["sweep", "--name-prefix", "guarded", "--yes"])
        .await;
    assert_eq!(
        swept["skipped"][0]["reason"], "deletion_protected",
        "{swept:#}"
    );
    assert_eq!(held(&h, cloud), vec![id.clone()]);

    let off = h.json(cloud, &["deletion-protection", &id, "off"]).await;
    assert_eq!(off["deletion_protection"], false, "{off:#}");
    let swept = h
        .json(cloud, &["sweep", "--name-prefix", "guarded", "--yes"])
        .await;
    assert_eq!(ids(&swept["released"]), vec![id.clone()], "{swept:#}");
    h.run(cloud, &["wait", &id, "--until", "gone"]).await.ok();
    assert!(held(&h, cloud).is_empty());

    // Huawei addresses have no such setting: refused before sending.
    h.sim.clear_requests();
    let unsupported = h
        .run(Cloud::Huawei, &["deletion-protection", "eip-1", "on"])
        .await;
    assert!(
        unsupported.error_line(2).contains("unsupported"),
        "{unsupported:#?}"
    );
    assert!(h.sim.requests().is_empty());
}
