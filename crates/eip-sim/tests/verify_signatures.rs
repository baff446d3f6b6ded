//! `SimBuilder::verify_signatures`: unsigned requests are refused by default and served only when
//! authentication is turned off (the benchmark baseline of BENCHMARKS.md), over raw HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eip_sim::{Cloud, Sim, SimBuilder};
use serde_json::{json, Value};

async fn sim_with(verify: Option<bool>) -> Sim {
    let builder = SimBuilder::new();
    let builder = match verify {
        Some(verify) => builder.verify_signatures(verify),
        None => builder,
    };
    let sim = builder.start().await.unwrap();
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        sim.control(cloud, "seed_eips", json!({"count": 2}))
            .unwrap();
    }
    sim
}

/// An unsigned `DescribeEipAddresses`: status and JSON body.
async fn unsigned_describe(sim: &Sim) -> (u16, Value) {
    let url = format!(
        "{}/?Action=DescribeEipAddresses&Version=2016-04-28&Format=JSON&RegionId={}",
        sim.alibaba().endpoint,
        sim.alibaba().region
    );
    let response = reqwest::Client::new()
        .post(url)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap(),
    )
}

/// An unauthenticated `GET /v1/{project}/publicips`: status and JSON body.
async fn unsigned_list(sim: &Sim, project: &str) -> (u16, Value) {
    let url = format!("{}/v1/{project}/publicips", sim.huawei().vpc_endpoint);
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn unsigned_requests_are_refused_by_default() {
    for sim in [sim_with(None).await, sim_with(Some(true)).await] {
        let (status, body) = unsigned_describe(&sim).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.get("EipAddresses").is_none(), "{body}");

        let project = sim.huawei().project_id.clone();
        let (status, body) = unsigned_list(&sim, &project).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.get("publicips").is_none(), "{body}");
    }
}

#[tokio::test]
async fn unsigned_requests_are_served_when_verification_is_off() {
    let sim = sim_with(Some(false)).await;
    let (status, body) = unsigned_describe(&sim).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["TotalCount"], 2);
    assert_eq!(
        body["EipAddresses"]["EipAddress"].as_array().unwrap().len(),
        2
    );

    let project = sim.huawei().project_id.clone();
    let (status, body) = unsigned_list(&sim, &project).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["publicips"].as_array().unwrap().len(), 2);

    // The project in the path is still checked.
    let (status, _) = unsigned_list(&sim, "fedcba9876543210fedcba9876543210").await;
    assert_eq!(status, 400);
}
