//! Endpoint options outside the cloud's domains are refused, so a provider spec from a hostile
//! environment cannot send the environment's credentials anywhere; the user can opt in.
//!
//! `https://0.0.0.0:<port>` is the custom host: not loopback by name, so the allow-list judges it
//! like any other host, yet a connection to it lands on the local [`Doorbell`], which proves
//! whether a request went out, without leaving the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hostile::Doorbell;
use common::{Cloud, Harness, Run};

/// The provider spec of `cloud` with `option` aimed at `url` (the other Huawei endpoint at the
/// emulator), and the credentials to go with it.
fn spec(h: &Harness, cloud: Cloud, option: &str, url: &str) -> String {
    let sim = h.sim.endpoint();
    match (cloud, option) {
        (Cloud::Alibaba, _) => format!("alibaba://cn-hangzhou?{option}={url}"),
        (Cloud::Huawei, "iam_endpoint") => {
            format!("huawei://cn-north-4?iam_endpoint={url}&vpc_endpoint={sim}")
        }
        (Cloud::Huawei, _) => {
            let project = &h.sim.huawei().project_id;
            format!(
                "huawei://cn-north-4?auth=aksk&project_id={project}&iam_endpoint={sim}&{option}={url}"
            )
        }
    }
}

fn credentials(h: &Harness, cloud: Cloud, option: &str) -> Vec<(&'static str, String)> {
    match (cloud, option) {
        (Cloud::Huawei, "vpc_endpoint") => {
            let info = h.sim.huawei();
            vec![
                ("HUAWEICLOUD_SDK_AK", info.access_key.clone()),
                ("HUAWEICLOUD_SDK_SK", info.secret_key.clone()),
            ]
        }
        _ => h.credentials(cloud),
    }
}

const OPTIONS: [(Cloud, &str); 3] = [
    (Cloud::Alibaba, "endpoint"),
    (Cloud::Huawei, "iam_endpoint"),
    (Cloud::Huawei, "vpc_endpoint"),
];

async fn list(h: &Harness, cloud: Cloud, option: &str, url: &str, extra: &[(&str, &str)]) -> Run {
    let mut env = credentials(h, cloud, option);
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let spec = spec(h, cloud, option, url);
    h.run_with(&env, &["--provider", spec.as_str(), "list"])
        .await
}

#[tokio::test]
async fn each_endpoint_option_outside_the_clouds_domains_is_refused_by_name() {
    let h = Harness::start().await;
    let door = Doorbell::start().await;
    let custom = format!("https://0.0.0.0:{}", door.port);
    for (cloud, option) in OPTIONS {
        for url in [
            custom.as_str(),
            "https://vpc.aliyuncs.com.example.net",
            "https://evil-myhuaweicloud.com",
            "https://vpc.aliyuncs.com@example.net",
            "https://203.0.113.9",
        ] {
            let run = list(&h, cloud, option, url, &[]).await;
            let line = run.error_line(2);
            assert!(
                line.starts_with(&format!("eipctl: invalid_input: invalid {option}: host")),
                "{cloud:?} {option}={url}: {line}"
            );
            assert!(line.contains("--allow-custom-endpoint"), "{line}");
        }
    }
    assert_eq!(door.rung(), 0, "nothing was sent to the custom host");
    assert!(h.sim.requests().is_empty(), "{:#?}", h.sim.requests());
}

#[tokio::test]
async fn the_flag_or_the_variable_lets_a_custom_endpoint_through() {
    let h = Harness::start().await;
    for (cloud, option) in OPTIONS {
        for opt_in in ["flag", "variable"] {
            let door = Doorbell::start().await;
            let url = format!("https://0.0.0.0:{}", door.port);
            let spec = spec(&h, cloud, option, &url);
            let mut env = credentials(&h, cloud, option);
            let mut args = vec!["--provider", spec.as_str(), "--max-attempts", "1"];
            match opt_in {
                "flag" => args.push("--allow-custom-endpoint"),
                _ => env.push(("EIPCTL_ALLOW_CUSTOM_ENDPOINT", "1".into())),
            }
            args.push("list");
            let run = h.run_with(&env, &args).await;
            // The doorbell speaks no TLS: the request fails, but it went where the user said.
            assert_ne!(run.code, 2, "{cloud:?} {option} by {opt_in}: {run:#?}");
            assert!(
                door.rung() >= 1,
                "{cloud:?} {option} by {opt_in}: no connection: {run:#?}"
            );
        }
    }
}

#[tokio::test]
async fn loopback_endpoints_need_no_opt_in() {
    let h = Harness::start().await;
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        let run = h.run(cloud, &["list"]).await.ok();
        assert!(run.stdout.contains("0 address(es)"), "{cloud:?}: {run:#?}");
    }
    let localhost = h.sim.endpoint().replace("127.0.0.1", "localhost");
    let spec = format!("alibaba://cn-hangzhou?endpoint={localhost}");
    h.run_with(
        &h.credentials(Cloud::Alibaba),
        &["--provider", spec.as_str(), "list"],
    )
    .await
    .ok();
}

#[tokio::test]
async fn an_iam_endpoint_from_the_environment_gets_the_same_check() {
    let h = Harness::start().await;
    let door = Doorbell::start().await;
    let custom = format!("https://0.0.0.0:{}", door.port);
    let sim = h.sim.endpoint();
    let spec = format!("huawei://cn-north-4?vpc_endpoint={sim}");
    for variable in ["HUAWEICLOUD_SDK_IAM_ENDPOINT", "HW_AUTH_URL", "OS_AUTH_URL"] {
        let mut env = h.credentials(Cloud::Huawei);
        env.push((variable, custom.clone()));
        let run = h
            .run_with(&env, &["--provider", spec.as_str(), "list"])
            .await;
        let line = run.error_line(2);
        assert!(
            line.starts_with(&format!("eipctl: invalid_input: invalid {variable}: host")),
            "{line}"
        );
        // The spec's own iam_endpoint wins over the variable, and is what gets checked.
        let spec = format!("huawei://cn-north-4?iam_endpoint={sim}&vpc_endpoint={sim}");
        h.run_with(&env, &["--provider", spec.as_str(), "list"])
            .await
            .ok();
    }
    assert_eq!(door.rung(), 0, "nothing was sent to the custom host");
}
