//! `claim`, `status --bound-to` and `--exit-codes ocf`, and the OCF resource agent
//! (`contrib/ocf/eip`) driving the built eipctl against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{Cloud, Harness, BOTH};

/// Binding changes that reached the emulator (Alibaba's actions, Huawei's PUT on the address).
fn writes(h: &Harness) -> usize {
    const WRITES: [&str; 3] = [
        "AssociateEipAddress",
        "UnassociateEipAddress",
        "UpdatePublicip",
    ];
    h.sim
        .requests()
        .iter()
        .filter(|r| WRITES.contains(&r.action.as_str()))
        .count()
}

#[tokio::test]
async fn claim_and_status_say_what_they_did_in_both_exit_code_tables() {
    let h = Harness::start().await;
    for cloud in BOTH {
        let (a, b, c) = h.instances(cloud);
        let id = h.allocate_bound(cloud, &a).await;

        assert_eq!(
            h.run(cloud, &["status", &id, "--bound-to", &b]).await.code,
            8
        );
        assert_eq!(
            h.run(
                cloud,
                &["--exit-codes", "ocf", "status", &id, "--bound-to", &b]
            )
            .await
            .code,
            7
        );
        h.run(cloud, &["status", &id, "--bound-to", &a]).await.ok();

        let moved = h
            .run(
                cloud,
                &["--output", "json", "claim", &id, "--to", &b, "--expect", &a],
            )
            .await
            .ok();
        assert_eq!(moved.json()["action"], "moved", "{cloud:?}");
        h.run(cloud, &["status", &id, "--bound-to", &b]).await.ok();

        h.sim.clear_requests();
        let again = h
            .run(
                cloud,
                &[
                    "--output", "json", "claim", &id, "--to", &b, "--expect", "any",
                ],
            )
            .await
            .ok();
        assert_eq!(again.json()["action"], "already_held");
        assert_eq!(
            writes(&h),
            0,
            "{cloud:?}: a claim of what is held sends no write"
        );

        // Expected on A, but it is on B now: a conflict, and nothing moves.
        let stale = h
            .run(cloud, &["claim", &id, "--to", &c, "--expect", &a])
            .await;
        assert_eq!(stale.code, 6, "{stale:#?}");
        let stale = h
            .run(
                cloud,
                &[
                    "--exit-codes",
                    "ocf",
                    "claim",
                    &id,
                    "--to",
                    &c,
                    "--expect",
                    &a,
                ],
            )
            .await;
        assert_eq!(stale.code, 1, "a conflict is OCF_ERR_GENERIC: {stale:#?}");
        assert_eq!(writes(&h), 0);
        h.run(cloud, &["status", &id, "--bound-to", &b]).await.ok();

        for (args, code) in [
            // `self` is found in the (emulated) instance metadata of either cloud, then
            // claimed: the address is bound elsewhere and `--expect any` takes it.
            (vec!["claim", &id, "--to", "self", "--expect", "any"], 0),
            (vec!["status", "bad/id", "--bound-to", &b], 6),
            (
                vec!["status", "eip-doesnotexist0000000", "--bound-to", &b],
                6,
            ),
        ] {
            let mut all = vec!["--exit-codes", "ocf"];
            all.extend(args.iter().copied());
            let run = h.run(cloud, &all).await;
            assert_eq!(run.code, code, "{cloud:?} {args:?}: {run:#?}");
        }
    }
}

/// The resource agent, run with `sh`, the OCF codes defined by the script itself.
struct Agent<'a> {
    h: &'a Harness,
    cloud: Cloud,
    eip: String,
}

impl Agent<'_> {
    async fn run(&self, action: &str, target: &str) -> (i32, String) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../contrib/ocf/eip");
        let mut command = tokio::process::Command::new("sh");
        command
            .arg(script)
            .arg(action)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("OCF_ROOT", "/nonexistent")
            .env("OCF_RESKEY_eip", &self.eip)
            .env("OCF_RESKEY_provider", self.h.spec(self.cloud))
            .env("OCF_RESKEY_target", target)
            .env("OCF_RESKEY_eipctl", env!("CARGO_BIN_EXE_eipctl"))
            .envs(
                self.h
                    .credentials(self.cloud)
                    .iter()
                    .map(|(k, v)| (*k, v.as_str())),
            )
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(120), command.output())
            .await
            .unwrap()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }
}

#[tokio::test]
async fn the_ocf_agent_starts_monitors_and_stops_against_the_emulator() {
    let h = Harness::start().await;
    let cloud = Cloud::Alibaba;
    let (a, b, c) = h.instances(cloud);
    let agent = Agent {
        h: &h,
        cloud,
        eip: h.allocate_bound(cloud, &a).await,
    };
    let bound_to = || h.inventory_item(&agent.eip).unwrap().bound_to;

    assert_eq!(
        agent.run("monitor", &b).await.0,
        7,
        "bound to A: not running on B"
    );
    assert_eq!(agent.run("start", &b).await.0, 0);
    assert_eq!(
        bound_to().as_deref(),
        Some(b.as_str()),
        "start took it from A"
    );
    assert_eq!(agent.run("monitor", &b).await.0, 0);
    assert_eq!(agent.run("monitor", &c).await.0, 7);
    assert_eq!(
        agent.run("start", &b).await.0,
        0,
        "a second start is a no-op"
    );

    assert_eq!(
        agent.run("stop", &c).await.0,
        0,
        "stopping where it does not run"
    );
    assert_eq!(
        bound_to().as_deref(),
        Some(b.as_str()),
        "a stop on C leaves B's binding alone"
    );
    assert_eq!(agent.run("stop", &b).await.0, 0);
    assert_eq!(bound_to(), None, "stopped on B: unbound");
    assert_eq!(agent.run("monitor", &b).await.0, 7);

    let (code, xml) = agent.run("meta-data", &b).await;
    assert_eq!(code, 0);
    assert!(xml.contains("<resource-agent name=\"eip\""), "{xml}");
    let unconfigured = Agent {
        h: &h,
        cloud,
        eip: String::new(),
    };
    assert_eq!(unconfigured.run("validate-all", &b).await.0, 6);
}
