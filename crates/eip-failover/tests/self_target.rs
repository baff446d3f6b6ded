//! `target: self`: one configuration for every node of a group, each agent finding its own
//! instance from the instance metadata service (here the emulator's).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use eip_alibaba::{AccessKey, AlibabaProvider};
use eip_sim::SimBuilder;
use multicloud_eip::{AllocateRequest, EipProvider};
use tokio::process::Command;

#[tokio::test]
async fn an_agent_with_target_self_binds_the_instance_the_metadata_service_names() {
    let sim = SimBuilder::new()
        .transition_delay(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let info = sim.alibaba();
    let provider = AlibabaProvider::builder()
        .with_region(info.region.clone())
        .with_credentials(AccessKey::new(
            info.access_key_id.clone(),
            info.access_key_secret.clone(),
        ))
        .with_endpoint(&info.endpoint)
        .build()
        .unwrap();
    let eip = provider
        .allocate(&AllocateRequest::new().bandwidth(5))
        .await
        .unwrap();
    // The metadata service names one seeded instance; bind nothing else in the meantime.
    let this = info.instance_id.clone();
    assert!(
        info.instances.contains(&this),
        "the metadata's instance {this} is one the emulator serves: {:?}",
        info.instances
    );
    let home = std::env::temp_dir().join(format!("eip-failover-self-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut agent = Command::new(env!("CARGO_BIN_EXE_eip-failover"))
        .arg("run")
        .args(["--name", "node-a", "--eip", &eip.id])
        .args([
            "--provider",
            &format!("alibaba://{}?endpoint={}", info.region, info.endpoint),
        ])
        .args(["--target", "self", "--coordinator", "memory"])
        .args(["--ttl-ms", "1000", "--interval-ms", "100"])
        .env_clear()
        .env("HOME", &home)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &info.access_key_id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &info.access_key_secret)
        .env("EIP_ALIBABA_METADATA_ENDPOINT", sim.endpoint())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let bound = loop {
        let item = sim
            .inventory()
            .into_iter()
            .find(|e| e.id == eip.id)
            .unwrap();
        if item.bound_to.is_some() && item.status == "InUse" {
            break item.bound_to;
        }
        if let Ok(Some(status)) = agent.try_wait() {
            let mut stderr = String::new();
            if let Some(mut pipe) = agent.stderr.take() {
                use tokio::io::AsyncReadExt;
                pipe.read_to_string(&mut stderr).await.ok();
            }
            panic!("the agent exited ({status}) before binding: {stderr}");
        }
        assert!(Instant::now() < deadline, "not bound within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    agent.kill().await.ok();
    std::fs::remove_dir_all(&home).ok();
    assert_eq!(bound.as_deref(), Some(this.as_str()));
    let asked = sim
        .requests()
        .iter()
        .filter(|r| r.action.starts_with("Metadata "))
        .count();
    assert!(asked >= 1, "the instance came from the metadata service");
}
