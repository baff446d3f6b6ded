//! The `eip-sim` binary contract: bind, print one JSON line, serve signed calls, obey fault
//! flags and the config file, stop on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{reply, Ali};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_eip-sim");

async fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    let read = reader.read_line(&mut line);
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("no JSON line in time")
        .unwrap();
    (
        child,
        serde_json::from_str(&line).expect("the first line is JSON"),
    )
}

fn client(contract: &Value) -> Ali {
    let a = &contract["alibaba"];
    Ali {
        http: reqwest::Client::new(),
        endpoint: a["endpoint"].as_str().unwrap().to_owned(),
        key_id: a["access_key_id"].as_str().unwrap().to_owned(),
        secret: a["access_key_secret"].as_str().unwrap().to_owned(),
        token: None,
    }
}

#[tokio::test]
async fn prints_the_contract_and_serves_signed_calls() {
    let (mut child, contract) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--transition-delay-ms",
        "20",
        "--fault",
        "alibaba:ReleaseEipAddress:throttled:times=1",
    ])
    .await;
    let alibaba = &contract["alibaba"];
    let endpoint = alibaba["endpoint"].as_str().unwrap();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") && !endpoint.ends_with(":0"),
        "{endpoint}"
    );
    assert_eq!(alibaba["region"], "cn-hangzhou");
    assert!(alibaba["instances"].as_array().unwrap().len() >= 8);
    assert!(alibaba["instances"][0].as_str().unwrap().starts_with("i-"));
    let huawei = &contract["huawei"];
    for key in [
        "iam_endpoint",
        "vpc_endpoint",
        "region",
        "project_id",
        "domain_name",
        "user_name",
        "password",
        "access_key",
        "secret_key",
    ] {
        assert!(huawei[key].is_string(), "huawei.{key} missing");
    }
    let servers = huawei["servers"].as_array().unwrap();
    assert!(
        servers.len() >= 8
            && servers
                .iter()
                .all(|s| s["id"].is_string() && s["primary_port_id"].is_string())
    );
    assert_eq!(
        contract["control"].as_str().unwrap(),
        format!("{endpoint}/_sim")
    );

    let ali = client(&contract);
    let id = ali.allocate(&[("Name", "from-binary")]).await;
    ali.call("ReleaseEipAddress", &[("AllocationId", &id)])
        .await
        .expect_error(400, "Throttling.User");
    let inventory = reply(
        reqwest::get(format!("{endpoint}/_sim/inventory"))
            .await
            .unwrap(),
    )
    .await
    .json;
    assert_eq!(inventory[0]["id"], id.as_str());
    ali.call("ReleaseEipAddress", &[("AllocationId", &id)])
        .await
        .ok();
    ali.wait_for(&id, None).await;

    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[tokio::test]
async fn reads_a_config_file_and_lets_flags_win() {
    let path = std::env::temp_dir().join(format!("eip-sim-config-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        r#"{"seed": 9, "alibaba_quota": 5, "alibaba_sts": true, "faults": []}"#,
    )
    .unwrap();
    let (mut child, contract) = spawn(&[
        "--config",
        path.to_str().unwrap(),
        "--alibaba-quota",
        "1",
        "--listen",
        "127.0.0.1:0",
    ])
    .await;
    assert!(contract["alibaba"]["sts"]["security_token"].is_string());
    let ali = client(&contract);
    ali.allocate(&[]).await;
    ali.call("AllocateEipAddress", &[])
        .await
        .expect_error(400, "QuotaExceeded.Eip");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn help_documents_every_flag_and_bad_flags_fail() {
    let help = Command::new(BIN).arg("--help").output().await.unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--seed",
        "--transition-delay-ms",
        "--alibaba-quota",
        "--alibaba-sts",
        "--huawei-quota",
        "--token-lifetime-secs",
        "--fault",
        "--config",
        "CLOUD:ACTION:KIND",
        "commit-then-error=STATUS",
        "late-delivery=MS",
        "read-lag=MS",
        "quota-user=LIMIT/WINDOW_MS",
        "--profile",
        "--realistic-commit-error",
        "--realistic-late-delivery",
        "--realistic-late-delivery-ms",
        "--realistic-read-lag-ms",
        "--realistic-no-quotas",
        "--transition-ms",
        "--time-scale",
        "--huawei-bind-order",
        "--huawei-region",
        "--request-log-capacity",
        "--control-allow-remote",
        "--header-read-timeout-ms",
        "--idle-timeout-ms",
    ] {
        assert!(text.contains(flag), "--help does not mention {flag}");
    }
    let bad = Command::new(BIN)
        .args(["--fault", "gcp:*:close"])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown cloud"));
    let bad_scale = Command::new(BIN)
        .args(["--time-scale", "0"])
        .output()
        .await
        .unwrap();
    assert!(!bad_scale.status.success());
    assert!(String::from_utf8_lossy(&bad_scale.stderr).contains("--time-scale"));
}

#[tokio::test]
async fn the_realistic_profile_starts_from_the_command_line() {
    let (mut child, contract) = spawn(&[
        "--profile",
        "realistic",
        "--time-scale",
        "0.01",
        "--realistic-no-quotas",
        "--huawei-bind-order",
        "pending",
    ])
    .await;
    let control = contract["control"].as_str().unwrap();
    let text = reqwest::get(format!("{control}/faults"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rules: Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<String> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].to_string())
        .collect();
    assert!(
        kinds.iter().any(|k| k.contains("commit_then_error")),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k.contains("read_lag")), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k.contains("quota")), "{kinds:?}");
    child.kill().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn stops_cleanly_on_sigterm() {
    let (mut child, contract) = spawn(&["--listen", "127.0.0.1:0"]).await;
    let endpoint = contract["alibaba"]["endpoint"].as_str().unwrap().to_owned();
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        reqwest::get(format!("{endpoint}/_sim/inventory"))
            .await
            .is_err(),
        "the port is closed"
    );
}
