//! What eipctl prints: the charge mode, a JSON list written as pages arrive, and text from the
//! cloud that cannot command the terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hostile::FixedServer;
use common::{Cloud, Harness, Run};
use eip_sim::{FaultKind, FaultRule, InjectedError, Trigger};
use serde_json::Value;

/// OSC 52 (write "hi" to the clipboard), a window-title OSC, a colour CSI, a forged log line,
/// DEL, a C1 CSI, and bidi overrides/isolates.
const HOSTILE: &str = "x\u{1b}]52;c;aGk=\u{7}\u{1b}]0;pwned\u{7}\u{1b}[31mred\r\nWARN forged\u{7f}\u{9b}2J\u{202e}evil\u{2066}\u{200f}\u{61c}";

/// The characters that must never reach a terminal raw.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn assert_terminal_safe(what: &str, text: &str) {
    let raw = raw_controls(text);
    assert!(raw.is_empty(), "{what}: raw {raw:?} in {text:?}");
}

#[tokio::test]
async fn show_and_list_tables_print_the_charge_mode() {
    let h = Harness::start().await;
    for (cloud, mode) in [(Cloud::Alibaba, "traffic"), (Cloud::Huawei, "bandwidth")] {
        let eip = h
            .run(
                cloud,
                &[
                    "--output",
                    "json",
                    "allocate",
                    "--bandwidth",
                    "5",
                    "--charge-mode",
                    mode,
                ],
            )
            .await
            .ok()
            .json();
        assert_eq!(
            eip["charge_mode"],
            format!("by_{mode}"),
            "{cloud:?}: {eip:#}"
        );
        let id = eip["id"].as_str().unwrap();
        let shown = h.run(cloud, &["show", id]).await.ok();
        let line = shown
            .stdout
            .lines()
            .find(|l| l.starts_with("charge mode"))
            .unwrap_or_else(|| panic!("{cloud:?}: no charge mode row: {}", shown.stdout));
        if cloud == Cloud::Alibaba {
            // Huawei's v1 publicip object has no charge mode, so only Alibaba reports it back.
            assert!(line.ends_with(mode), "{cloud:?}: {line}");
        }
    }
    let table = h.run(Cloud::Alibaba, &["list"]).await.ok();
    let mut lines = table.stdout.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("CHARGE"), "{header}");
    let row = lines.next().unwrap();
    assert!(row.contains("traffic"), "{}", table.stdout);
}

#[tokio::test]
async fn json_list_is_exact_and_a_listing_cut_short_is_not_a_complete_array() {
    let h = Harness::start().await;
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
        .ok();
    let items = all.json();
    assert_eq!(items.as_array().unwrap().len(), 250);
    // The same layout serde_json gives a whole array: one pretty array, one object per item.
    assert!(
        all.stdout.starts_with("[\n  {\n    \"id\": ") && all.stdout.ends_with("\n  }\n]\n"),
        "{:?} ... {:?}",
        &all.stdout[..40],
        &all.stdout[all.stdout.len() - 40..]
    );
    assert_eq!(all.stdout.matches("\n  },\n  {\n").count(), 249);

    // The second page fails and is not retried: what was printed is no valid JSON list.
    h.sim.clear_requests();
    h.sim.faults().add(
        FaultRule::new(
            FaultKind::Error(InjectedError::Internal),
            Trigger::Sequence(vec![false, true, true]),
        )
        .cloud(eip_sim::Cloud::Alibaba)
        .action("DescribeEipAddresses"),
    );
    let cut = h
        .run(
            Cloud::Alibaba,
            &["--max-attempts", "1", "--output", "json", "list"],
        )
        .await;
    assert_ne!(cut.code, 0, "{cut:#?}");
    assert_eq!(cut.stderr.lines().count(), 1, "{cut:#?}");
    assert!(
        serde_json::from_str::<Value>(&cut.stdout).is_err(),
        "a failed listing must not read as a complete one: {}",
        cut.stdout
    );
}

#[tokio::test]
async fn names_from_the_cloud_are_escaped_in_tables_and_exact_in_json() {
    let h = Harness::start().await;
    h.sim
        .control(
            eip_sim::Cloud::Alibaba,
            "seed_eips",
            serde_json::json!({"count": 1, "name_prefix": HOSTILE}),
        )
        .unwrap();
    let json = h
        .run(Cloud::Alibaba, &["--output", "json", "list"])
        .await
        .ok();
    let name = json.json()[0]["name"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with(HOSTILE),
        "JSON keeps the name exactly: {name:?}"
    );
    assert!(
        !json.stdout.contains('\u{1b}') && json.stdout.contains("\\u001b]52;c;"),
        "serde escapes controls in JSON: {}",
        json.stdout
    );
    let id = json.json()[0]["id"].as_str().unwrap().to_owned();

    for args in [vec!["list"], vec!["show", id.as_str()]] {
        let table = h.run(Cloud::Alibaba, &args).await.ok();
        assert_terminal_safe(&format!("{args:?}"), &table.stdout);
        assert!(
            table.stdout.contains("x\\x1b]52;c;aGk=\\x07")
                && table.stdout.contains("\\u{202e}evil"),
            "{args:?}: the name shows its escapes: {}",
            table.stdout
        );
    }
}

/// A `show` answer whose name, description and raw status carry terminal commands.
fn hostile_eip(cloud: Cloud, id: &str) -> String {
    match cloud {
        Cloud::Alibaba => serde_json::json!({
            "RequestId": "req-1",
            "PageNumber": 1,
            "PageSize": 10,
            "TotalCount": 1,
            "EipAddresses": {"EipAddress": [{
                "AllocationId": id,
                "IpAddress": "203.0.113.7",
                "Status": format!("Available{HOSTILE}"),
                "RegionId": "cn-hangzhou",
                "Name": HOSTILE,
                "Description": HOSTILE,
                "Bandwidth": "5",
                "InternetChargeType": format!("PayBy{HOSTILE}"),
                "AllocationTime": "2024-01-01T00:00:00Z"
            }]}
        }),
        Cloud::Huawei => serde_json::json!({
            "publicip": {
                "id": id,
                "status": format!("DOWN{HOSTILE}"),
                "type": "5_bgp",
                "public_ip_address": "203.0.113.7",
                "ip_version": 4,
                "bandwidth_size": 5,
                "bandwidth_share_type": "PER",
                "create_time": "2024-01-01 00:00:00",
                "alias": HOSTILE
            }
        }),
    }
    .to_string()
}

/// An error answer whose code, message and request id carry terminal commands.
fn hostile_error(cloud: Cloud) -> (u16, String) {
    match cloud {
        Cloud::Alibaba => (
            400,
            serde_json::json!({
                "RequestId": format!("req{HOSTILE}"),
                "Code": format!("Weird{HOSTILE}"),
                "Message": HOSTILE,
            })
            .to_string(),
        ),
        Cloud::Huawei => (
            400,
            serde_json::json!({
                "error_code": format!("VPC.9999{HOSTILE}"),
                "error_msg": HOSTILE,
                "request_id": format!("req{HOSTILE}"),
            })
            .to_string(),
        ),
    }
}

/// `eipctl --provider <spec of cloud, aimed at server> ARGS` with the emulator's credentials
/// (Huawei with AK/SK and a project id, so the only request is the one under test).
async fn run_against(h: &Harness, cloud: Cloud, server: &FixedServer, args: &[&str]) -> Run {
    let (spec, env) = match cloud {
        Cloud::Alibaba => (
            format!("alibaba://cn-hangzhou?endpoint={}", server.endpoint),
            h.credentials(Cloud::Alibaba),
        ),
        Cloud::Huawei => {
            let info = h.sim.huawei();
            (
                format!(
                    "huawei://cn-north-4?auth=aksk&project_id={}&iam_endpoint={e}&vpc_endpoint={e}",
                    info.project_id,
                    e = server.endpoint
                ),
                vec![
                    ("HUAWEICLOUD_SDK_AK", info.access_key.clone()),
                    ("HUAWEICLOUD_SDK_SK", info.secret_key.clone()),
                ],
            )
        }
    };
    let mut all = vec!["--provider", spec.as_str()];
    all.extend(args);
    h.run_with(&env, &all).await
}

#[tokio::test]
async fn descriptions_and_raw_statuses_from_a_hostile_server_are_escaped() {
    let h = Harness::start().await;
    for (cloud, id) in [
        (Cloud::Alibaba, "eip-hostile1"),
        (Cloud::Huawei, "6285e7be-fd9f-497c-bc2d-dd0bdea6efe0"),
    ] {
        let server = FixedServer::start(200, "req-1", hostile_eip(cloud, id)).await;
        let table = run_against(&h, cloud, &server, &["show", id]).await.ok();
        assert_terminal_safe(&format!("{cloud:?} show"), &table.stdout);
        assert!(
            table.stdout.contains("\\x1b]52;c;aGk=\\x07"),
            "{cloud:?}: {}",
            table.stdout
        );
        let json = run_against(&h, cloud, &server, &["--output", "json", "show", id])
            .await
            .ok()
            .json();
        assert!(
            json["raw_status"].as_str().unwrap().ends_with(HOSTILE),
            "{cloud:?}: JSON keeps the raw status exactly: {json:#}"
        );
    }
}

#[tokio::test]
async fn error_codes_messages_and_request_ids_are_escaped_on_stderr_and_in_logs() {
    let h = Harness::start().await;
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        let (status, body) = hostile_error(cloud);
        let server = FixedServer::start(status, &format!("req{}", "-x"), body).await;
        let run = run_against(&h, cloud, &server, &["show", "eip-1"]).await;
        assert_ne!(run.code, 0, "{cloud:?}: {run:#?}");
        assert!(server.served() >= 1, "{cloud:?}: the request went out");
        let line = run.error_line(run.code);
        assert_terminal_safe(&format!("{cloud:?} error line"), line);
        assert!(
            line.contains("\\x1b]52;c;aGk=\\x07") && line.contains("\\u{202e}"),
            "{cloud:?}: the message is shown, escaped: {line}"
        );

        // With every log line on: one escaped line per event, none forged.
        let logged = run_against(&h, cloud, &server, &["--log", "trace", "show", "eip-1"]).await;
        assert_terminal_safe(&format!("{cloud:?} logs"), &logged.stderr);
        assert!(
            !logged.stderr.lines().any(|l| l.starts_with("WARN forged")),
            "{cloud:?}: {}",
            logged.stderr
        );
    }
}
