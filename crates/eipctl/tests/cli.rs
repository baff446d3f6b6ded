//! Every eipctl command and every exit code, run as the real binary against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Cloud, Harness, BOTH};
use eip_sim::{FaultKind, FaultRule, InjectedError, Trigger};
use serde_json::Value;

fn id_of(json: &Value) -> &str {
    json["id"].as_str().unwrap()
}

// ---- commands ----

#[tokio::test]
async fn list_prints_a_table_and_a_json_array_and_applies_each_filter() {
    let h = Harness::start().await;
    let cloud = Cloud::Alibaba;
    let (vm, _, _) = h.instances(cloud);
    h.sim
        .control(
            eip_sim::Cloud::Alibaba,
            "seed_eips",
            serde_json::json!({"count": 3, "name_prefix": "bulk"}),
        )
        .unwrap();
    let web = h
        .run(
            cloud,
            &[
                "--output",
                "json",
                "allocate",
                "--bandwidth",
                "5",
                "--name",
                "web",
                "--description",
                "front door",
                "--charge-mode",
                "traffic",
                "--wait",
            ],
        )
        .await
        .ok()
        .json();
    assert_eq!(web["description"], "front door", "{web:#}");
    assert_eq!(web["charge_mode"], "by_traffic", "{web:#}");
    let web_id = id_of(&web).to_owned();
    let web_address = web["address"].as_str().unwrap().to_owned();
    h.run(cloud, &["associate", &web_id, "--instance", &vm, "--wait"])
        .await
        .ok();

    let table = h.run(cloud, &["list"]).await.ok();
    let header = table.stdout.lines().next().unwrap();
    for column in [
        "ID", "ADDRESS", "STATUS", "RAW", "MBIT/S", "NAME", "BOUND TO",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(table.stdout.contains(&web_id), "{}", table.stdout);
    assert!(
        table.stdout.trim_end().ends_with("4 address(es)"),
        "{}",
        table.stdout
    );

    let all = h
        .run(cloud, &["--output", "json", "list"])
        .await
        .ok()
        .json();
    assert_eq!(all.as_array().unwrap().len(), 4, "{all:#}");

    for filter in [
        vec!["--status", "bound"],
        vec!["--instance", vm.as_str()],
        vec!["--name", "web"],
        vec!["--address", web_address.as_str()],
    ] {
        let mut args = vec!["--output", "json", "list"];
        args.extend(&filter);
        let found = h.run(cloud, &args).await.ok().json();
        let ids: Vec<&str> = found.as_array().unwrap().iter().map(id_of).collect();
        assert_eq!(ids, [web_id.as_str()], "filter {filter:?}");
    }
    let available = h
        .run(
            cloud,
            &["--output", "json", "list", "--status", "available"],
        )
        .await
        .ok()
        .json();
    assert_eq!(available.as_array().unwrap().len(), 3, "{available:#}");
}

#[tokio::test]
async fn list_reads_every_page() {
    let h = Harness::start().await;
    // DescribeEipAddresses takes a PageSize of at most 100
    // (https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses), so 250
    // addresses take three pages.
    h.sim
        .control(
            eip_sim::Cloud::Alibaba,
            "seed_eips",
            serde_json::json!({"count": 250, "name_prefix": "bulk"}),
        )
        .unwrap();
    let all = h
        .run(Cloud::Alibaba, &["--output", "json", "list"])
        .await
        .ok()
        .json();
    let mut ids: Vec<&str> = all.as_array().unwrap().iter().map(id_of).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    let pages = h
        .sim
        .requests()
        .iter()
        .filter(|r| r.action == "DescribeEipAddresses")
        .count();
    assert!(pages >= 3, "{pages} pages read");
}

#[tokio::test]
async fn show_prints_the_documented_json_object_and_a_table() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (vm, _, _) = h.instances(cloud);
        let id = h.allocate(cloud).await;
        let unbound = h
            .run(cloud, &["--output", "json", "show", &id])
            .await
            .ok()
            .json();
        assert_eq!(unbound["binding"], Value::Null, "{unbound:#}");
        assert_eq!(unbound["status"], "available", "{unbound:#}");

        h.run(cloud, &["associate", &id, "--instance", &vm, "--wait"])
            .await
            .ok();
        let eip = h
            .run(cloud, &["--output", "json", "show", &id])
            .await
            .ok()
            .json();
        let object = eip.as_object().unwrap();
        for field in [
            "id",
            "address",
            "status",
            "raw_status",
            "bandwidth_mbps",
            "name",
            "description",
            "binding",
            "created_at",
            "provider",
            "region",
        ] {
            assert!(
                object.contains_key(field),
                "{cloud:?}: no {field} in {eip:#}"
            );
        }
        assert_eq!(eip["id"], id.as_str());
        assert!(eip["address"]
            .as_str()
            .unwrap()
            .parse::<std::net::IpAddr>()
            .is_ok());
        assert_eq!(eip["status"], "bound", "{eip:#}");
        let raw = if cloud == Cloud::Alibaba {
            "InUse"
        } else {
            "ACTIVE"
        };
        assert_eq!(eip["raw_status"], raw);
        assert_eq!(eip["bandwidth_mbps"], 5);
        let (provider, region) = match cloud {
            Cloud::Alibaba => ("alibaba", h.sim.alibaba().region.clone()),
            Cloud::Huawei => ("huawei", h.sim.huawei().region.clone()),
        };
        assert_eq!(eip["provider"], provider);
        assert_eq!(eip["region"], region.as_str());
        let binding = eip["binding"].as_object().unwrap();
        for field in ["kind", "instance_id", "nic_id", "private_ip"] {
            assert!(
                binding.contains_key(field),
                "{cloud:?}: no binding.{field} in {eip:#}"
            );
        }
        assert_eq!(binding["kind"], "instance");
        assert_eq!(binding["instance_id"], vm.as_str());

        let table = h.run(cloud, &["show", &id]).await.ok();
        assert!(
            table.stdout.contains(&format!("bound ({raw})")),
            "{}",
            table.stdout
        );
        assert!(table.stdout.contains(&vm), "{}", table.stdout);
    }
}

#[tokio::test]
async fn allocate_twice_with_one_idempotency_key_makes_one_address() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let args = [
            "--output",
            "json",
            "allocate",
            "--bandwidth",
            "7",
            "--name",
            "web-1",
            "--idempotency-key",
            "deploy-42",
            "--wait",
        ];
        let first = h.run(cloud, &args).await.ok().json();
        let second = h.run(cloud, &args).await.ok().json();
        assert_eq!(first["id"], second["id"], "{cloud:?}");
        assert_eq!(
            first["status"], "available",
            "--wait returns a usable address: {first:#}"
        );
        assert_eq!(first["bandwidth_mbps"], 7);
        assert_eq!(first["name"], "web-1");
        let held: Vec<_> = h
            .sim
            .inventory()
            .into_iter()
            .filter(|e| e.id == id_of(&first))
            .collect();
        assert_eq!(held.len(), 1, "{cloud:?}");
    }
    assert_eq!(
        h.sim.inventory().len(),
        2,
        "one address per cloud: {:#?}",
        h.sim.inventory()
    );
}

#[tokio::test]
async fn associate_to_an_instance_with_wait_shows_the_binding() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (vm, _, _) = h.instances(cloud);
        let id = h.allocate(cloud).await;
        let eip = h
            .run(
                cloud,
                &[
                    "--output",
                    "json",
                    "associate",
                    &id,
                    "--instance",
                    &vm,
                    "--wait",
                ],
            )
            .await
            .ok()
            .json();
        assert_eq!(eip["status"], "bound", "{cloud:?}: {eip:#}");
        assert_eq!(eip["binding"]["instance_id"], vm.as_str(), "{eip:#}");
        let held = h.inventory_item(&id).unwrap();
        assert!(held.bound_to.is_some(), "{held:?}");
    }
}

#[tokio::test]
async fn associate_to_a_network_interface_with_a_private_ip() {
    let h = Harness::start().await;
    let eni = h.sim.alibaba().network_interfaces[0].clone();
    let id = h.allocate(Cloud::Alibaba).await;
    let eip = h
        .run(
            Cloud::Alibaba,
            &[
                "--output",
                "json",
                "associate",
                &id,
                "--nic",
                &eni.id,
                "--private-ip",
                &eni.private_ip_address,
                "--wait",
            ],
        )
        .await
        .ok()
        .json();
    assert_eq!(eip["status"], "bound", "{eip:#}");
    assert_eq!(eip["binding"]["kind"], "network_interface", "{eip:#}");
    assert_eq!(eip["binding"]["nic_id"], eni.id.as_str(), "{eip:#}");
    assert_eq!(
        eip["binding"]["private_ip"],
        eni.private_ip_address.as_str(),
        "{eip:#}"
    );
    assert_eq!(
        h.inventory_item(&id).unwrap().bound_to.as_deref(),
        Some(eni.id.as_str())
    );
}

#[tokio::test]
async fn disassociate_with_wait_unbinds() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (vm, _, _) = h.instances(cloud);
        let id = h.allocate_bound(cloud, &vm).await;
        let eip = h
            .run(cloud, &["--output", "json", "disassociate", &id, "--wait"])
            .await
            .ok()
            .json();
        assert_eq!(eip["status"], "available", "{cloud:?}: {eip:#}");
        assert_eq!(eip["binding"], Value::Null);
        assert_eq!(h.inventory_item(&id).unwrap().bound_to, None);
    }
}

#[tokio::test]
async fn modify_changes_bandwidth_and_name() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let id = h.allocate(cloud).await;
        // ModifyEipAddressAttribute wants names of 2–128 characters (AlibabaCloudDocs/eip,
        // `intl.en-US/API Reference/Elastic IP Address/ModifyEipAddressAttribute.md`).
        let name = if cloud == Cloud::Alibaba { "xy" } else { "x" };
        let eip = h
            .run(
                cloud,
                &[
                    "--output",
                    "json",
                    "modify",
                    &id,
                    "--bandwidth",
                    "50",
                    "--name",
                    name,
                    "--wait",
                ],
            )
            .await
            .ok()
            .json();
        assert_eq!(eip["bandwidth_mbps"], 50, "{cloud:?}: {eip:#}");
        assert_eq!(eip["name"], name);
        assert_eq!(h.inventory_item(&id).unwrap().name.as_deref(), Some(name));
        let shown = h
            .run(cloud, &["--output", "json", "show", &id])
            .await
            .ok()
            .json();
        assert_eq!(
            shown["bandwidth_mbps"], 50,
            "the change is what the cloud reports now"
        );
    }
}

/// Alibaba's Modify page (and the emulator) want names of 2–128 characters where Allocate allows
/// 1–128 (AlibabaCloudDocs/eip, `ModifyEipAddressAttribute.md`, against
/// <https://api.alibabacloud.com/document/Vpc/2016-04-28/AllocateEipAddress>): the provider
/// refuses a one-character name locally, exits 2 naming the field, and sends no
/// ModifyEipAddressAttribute.
#[tokio::test]
async fn modify_with_a_one_character_name_is_refused_locally_on_alibaba() {
    let h = Harness::start().await;
    let id = h.allocate(Cloud::Alibaba).await;
    h.sim.clear_requests();
    let run = h.run(Cloud::Alibaba, &["modify", &id, "--name", "x"]).await;
    let line = run.error_line(2);
    assert!(
        line.starts_with("eipctl: invalid_input: invalid name"),
        "{line}"
    );
    assert!(h
        .sim
        .requests()
        .iter()
        .all(|r| r.action != "ModifyEipAddressAttribute"));
    assert_eq!(h.inventory_item(&id).unwrap().name, None);
}

#[tokio::test]
async fn release_with_wait_leaves_nothing_behind() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let id = h.allocate(cloud).await;
        let done = h
            .run(cloud, &["--output", "json", "release", &id, "--wait"])
            .await
            .ok()
            .json();
        assert_eq!(done, serde_json::json!({"id": id, "released": true}));
        assert!(
            h.inventory_item(&id).is_none(),
            "{cloud:?}: still held after release --wait"
        );
    }
    assert!(h.sim.inventory().is_empty(), "{:#?}", h.sim.inventory());
}

#[tokio::test]
async fn move_rebinds_and_a_stale_from_is_a_conflict_that_changes_nothing() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (a, b, c) = h.instances(cloud);
        let id = h.allocate_bound(cloud, &a).await;
        let moved = h
            .run(
                cloud,
                &[
                    "--output",
                    "json",
                    "move",
                    &id,
                    "--from",
                    &a,
                    "--to",
                    &b,
                    "--timeout",
                    "30",
                ],
            )
            .await
            .ok()
            .json();
        assert_eq!(
            moved["eip"]["binding"]["instance_id"],
            b.as_str(),
            "{cloud:?}: {moved:#}"
        );
        for phase in [
            "disassociate_accepted",
            "unbound",
            "associate_accepted",
            "bound",
        ] {
            assert!(moved["phases_ms"][phase].is_u64(), "{moved:#}");
        }
        let before = h.inventory_item(&id).unwrap();

        // The caller believes the address is still on A; it is on B: nothing may move.
        let stale = h.run(cloud, &["move", &id, "--from", &a, "--to", &c]).await;
        let line = stale.error_line(6);
        assert!(line.starts_with("eipctl: conflict"), "{line}");
        let after = h.inventory_item(&id).unwrap();
        assert_eq!(
            (after.bound_to, after.status),
            (before.bound_to, before.status)
        );
        let shown = h
            .run(cloud, &["--output", "json", "show", &id])
            .await
            .ok()
            .json();
        assert_eq!(shown["binding"]["instance_id"], b.as_str());
    }
}

#[tokio::test]
async fn wait_until_gone_returns_once_the_address_is_released() {
    let h = Harness::start().await;
    let id = h.allocate(Cloud::Huawei).await;
    h.run(Cloud::Huawei, &["release", &id]).await.ok();
    let gone = h
        .run(
            Cloud::Huawei,
            &[
                "--output",
                "json",
                "wait",
                &id,
                "--until",
                "gone",
                "--timeout",
                "30",
            ],
        )
        .await
        .ok()
        .json();
    assert_eq!(gone, serde_json::json!({"id": id, "gone": true}));
    assert!(h.inventory_item(&id).is_none());
}

#[tokio::test]
async fn wait_until_a_status_prints_the_address() {
    let h = Harness::start().await;
    let (vm, _, _) = h.instances(Cloud::Alibaba);
    let id = h.allocate(Cloud::Alibaba).await;
    h.run(Cloud::Alibaba, &["associate", &id, "--instance", &vm])
        .await
        .ok();
    let bound = h
        .run(
            Cloud::Alibaba,
            &[
                "--output",
                "json",
                "wait",
                &id,
                "--until",
                "bound",
                "--timeout",
                "30",
            ],
        )
        .await
        .ok()
        .json();
    assert_eq!(bound["status"], "bound", "{bound:#}");
    assert_eq!(bound["binding"]["instance_id"], vm.as_str());
}

#[tokio::test]
async fn every_command_has_help_with_an_example() {
    let h = Harness::start().await;
    for command in [
        "list",
        "show",
        "allocate",
        "associate",
        "disassociate",
        "modify",
        "release",
        "move",
        "wait",
        "tag",
        "sweep",
        "regions",
        "bandwidth",
        "resource-group",
        "deletion-protection",
    ] {
        let help = h.run_with(&[], &[command, "--help"]).await.ok();
        assert!(
            help.stdout.contains("Example"),
            "{command}: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains(&format!("eipctl {command}")),
            "{command}: {}",
            help.stdout
        );
    }
    let top = h.run_with(&[], &["--help"]).await.ok();
    for text in [
        "Exit codes",
        "eipctl --provider sim://huawei list",
        "alibaba://",
        "huawei://",
    ] {
        assert!(top.stdout.contains(text), "{text}: {}", top.stdout);
    }
    assert!(h.sim.requests().is_empty());
}

#[tokio::test]
async fn the_embedded_emulator_lists_from_a_fresh_machine() {
    let h = Harness::start().await;
    for spec in ["sim://huawei", "sim://alibaba"] {
        let run = h.run_with(&[], &["--provider", spec, "list"]).await.ok();
        assert!(
            run.stdout.starts_with("ID  ADDRESS  STATUS"),
            "{spec}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("0 address(es)"),
            "{spec}: {}",
            run.stdout
        );
    }
    // EIP_PROVIDER holds the spec when --provider is not given.
    let run = h
        .run_with(
            &[("EIP_PROVIDER", "sim://huawei".into())],
            &["--output", "json", "list"],
        )
        .await
        .ok();
    assert_eq!(run.json(), serde_json::json!([]));
}

// ---- exit codes ----

#[tokio::test]
async fn exit_0_and_nothing_on_stderr_on_success() {
    let h = Harness::start().await;
    let run = h.run(Cloud::Alibaba, &["list"]).await;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
}

#[tokio::test]
async fn exit_2_for_invalid_input_and_without_a_provider() {
    let h = Harness::start().await;
    let line = h
        .run(Cloud::Alibaba, &["show", "a/b"])
        .await
        .error_line(2)
        .to_owned();
    assert!(
        line.starts_with("eipctl: invalid_input: invalid id"),
        "{line}"
    );
    let none = h.run_with(&[], &["list"]).await;
    assert!(none.error_line(2).contains("EIP_PROVIDER"), "{none:#?}");
    assert!(h.sim.requests().is_empty());
}

#[tokio::test]
async fn exit_3_for_an_unknown_address_with_the_cloud_code_and_request_id() {
    let h = Harness::start().await;
    // An unknown AllocationId answers 200 with an empty list, so there is no cloud code
    // (https://api.alibabacloud.com/document/Vpc/2016-04-28/DescribeEipAddresses).
    let line = h
        .run(Cloud::Alibaba, &["show", "eip-doesnotexist"])
        .await
        .error_line(3)
        .to_owned();
    assert!(line.starts_with("eipctl: not_found"), "{line}");
    assert!(line.contains("eip-doesnotexist"), "{line}");
    // Huawei answers 404 VPC.0504 with a request id.
    let unknown = "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0";
    let line = h
        .run(Cloud::Huawei, &["show", unknown])
        .await
        .error_line(3)
        .to_owned();
    assert!(line.starts_with("eipctl: not_found"), "{line}");
    assert!(
        line.contains("VPC.0504") && line.contains("request id"),
        "{line}"
    );
}

#[tokio::test]
async fn exit_4_for_refused_credentials() {
    let h = Harness::start().await;
    let mut wrong = h.credentials(Cloud::Alibaba);
    wrong[1].1 = "not-the-secret".into();
    let run = h
        .run_with(&wrong, &["--provider", &h.alibaba_spec(), "list"])
        .await;
    let line = run.error_line(4);
    assert!(line.starts_with("eipctl: unauthenticated"), "{line}");
    assert!(
        line.contains("SignatureDoesNotMatch") && line.contains("request id"),
        "{line}"
    );
    assert!(!line.contains("not-the-secret"), "{line}");
    assert_eq!(
        h.sim.requests().len(),
        1,
        "a refused signature is not retried"
    );

    h.sim.clear_requests();
    let mut wrong = h.credentials(Cloud::Huawei);
    wrong[1].1 = "not-the-password".into();
    let run = h
        .run_with(&wrong, &["--provider", &h.huawei_spec(), "list"])
        .await;
    let line = run.error_line(4);
    assert!(line.starts_with("eipctl: unauthenticated"), "{line}");
    assert!(!line.contains("not-the-password"), "{line}");
    assert_eq!(
        h.sim.requests().len(),
        1,
        "one IAM request, never repeated: {:#?}",
        h.sim.requests()
    );
}

/// A permanent throttle is retried `--max-attempts` times, then reported.
#[tokio::test]
async fn exit_5_when_throttled_past_the_retry_budget() {
    let h = Harness::start().await;
    h.sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Throttled),
            Trigger::Probability(1.0),
        )
        .cloud(eip_sim::Cloud::Alibaba)
        .action("DescribeEipAddresses"),
    );
    let run = h
        .run(Cloud::Alibaba, &["--max-attempts", "3", "list"])
        .await;
    let line = run.error_line(5);
    assert!(line.starts_with("eipctl: rate_limited"), "{line}");
    assert!(
        line.contains("Throttling.User") && line.contains("request id"),
        "{line}"
    );
    let attempts = h.sim.requests().len();
    assert_eq!(attempts, 3, "throttling is retried, then reported");
    assert_eq!(h.sim.faults().stats().throttled as usize, attempts);
}

#[tokio::test]
async fn exit_6_for_a_conflict_or_an_invalid_state() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (a, b, _) = h.instances(cloud);
        let id = h.allocate_bound(cloud, &a).await;
        // Releasing a bound address is refused by the cloud.
        let line = h
            .run(cloud, &["release", &id])
            .await
            .error_line(6)
            .to_owned();
        assert!(
            line.starts_with("eipctl: invalid_state") || line.starts_with("eipctl: conflict"),
            "{cloud:?}: {line}"
        );
        assert!(line.contains("request id"), "{line}");
        // Binding it to a second instance is refused too.
        let line = h
            .run(cloud, &["associate", &id, "--instance", &b])
            .await
            .error_line(6)
            .to_owned();
        assert!(line.starts_with("eipctl: "), "{line}");
        assert_eq!(
            h.inventory_item(&id).unwrap().status,
            if cloud == Cloud::Alibaba {
                "InUse"
            } else {
                "ACTIVE"
            }
        );
    }
}

#[tokio::test]
async fn exit_7_when_a_wait_times_out() {
    let h = Harness::start().await;
    let id = h.allocate(Cloud::Alibaba).await;
    let started = std::time::Instant::now();
    let run = h
        .run(
            Cloud::Alibaba,
            &["wait", &id, "--until", "bound", "--timeout", "1"],
        )
        .await;
    let line = run.error_line(7);
    assert!(line.starts_with("eipctl: wait_timeout"), "{line}");
    assert!(
        line.contains("Available"),
        "the last state seen is named: {line}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A closed port is a transport error, retried before it is reported (here once).
#[tokio::test]
async fn exit_1_for_a_transport_error() {
    let h = Harness::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let spec = format!("alibaba://cn-hangzhou?endpoint=http://127.0.0.1:{port}");
    let run = h
        .run_with(
            &h.credentials(Cloud::Alibaba),
            &["--provider", &spec, "--max-attempts", "2", "list"],
        )
        .await;
    let line = run.error_line(1);
    assert!(line.starts_with("eipctl: transport"), "{line}");
}
