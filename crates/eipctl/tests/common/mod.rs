//! Runs the `eipctl` binary as a child process against an in-process emulator.
//!
//! The child gets a cleared environment: only the credentials of the cloud under test and a
//! `HOME` of its own, so a developer's real configuration (`~/.aliyun/config.json`, `HW_*`,
//! `EIP_PROVIDER`...) is never read. It runs through `tokio::process`, so the emulator, on the
//! test's runtime, keeps serving while the test awaits the child.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub mod hostile;

use eip_sim::{Sim, SimBuilder};
use serde_json::Value;

/// The emulated clouds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Alibaba,
    Huawei,
}

pub const BOTH: [Cloud; 2] = [Cloud::Alibaba, Cloud::Huawei];

/// What a run of `eipctl` left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit code 0 and returns the run.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "eipctl failed: {self:#?}");
        self
    }

    /// Stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// The one line on stderr, after checking the exit code and that it is exactly one line.
    pub fn error_line(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line: {self:#?}");
        assert!(
            self.stdout.is_empty(),
            "nothing on stdout on failure: {self:#?}"
        );
        lines[0]
    }
}

static HOMES: AtomicU32 = AtomicU32::new(0);

/// An emulator, plus an empty home directory for the child processes.
pub struct Harness {
    pub sim: Sim,
    home: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

impl Harness {
    /// An emulator with 20 ms transitions.
    pub async fn start() -> Self {
        let sim = SimBuilder::new()
            .transition_delay(Duration::from_millis(20))
            .start()
            .await
            .unwrap();
        let home = std::env::temp_dir().join(format!(
            "eipctl-test-home-{}-{}",
            std::process::id(),
            HOMES.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&home).unwrap();
        Self { sim, home }
    }

    /// The children's home directory.
    pub fn home(&self) -> &std::path::Path {
        &self.home
    }

    /// `alibaba://<region>?endpoint=<emulator>`.
    pub fn alibaba_spec(&self) -> String {
        let a = self.sim.alibaba();
        format!("alibaba://{}?endpoint={}", a.region, a.endpoint)
    }

    /// `huawei://<region>?iam_endpoint=<emulator>&vpc_endpoint=<emulator>&eps_endpoint=<emulator>`
    /// (the emulator serves Enterprise Project Management on its VPC endpoint).
    pub fn huawei_spec(&self) -> String {
        let h = self.sim.huawei();
        format!(
            "huawei://{}?iam_endpoint={}&vpc_endpoint={}&eps_endpoint={}",
            h.region, h.iam_endpoint, h.vpc_endpoint, h.vpc_endpoint
        )
    }

    pub fn spec(&self, cloud: Cloud) -> String {
        match cloud {
            Cloud::Alibaba => self.alibaba_spec(),
            Cloud::Huawei => self.huawei_spec(),
        }
    }

    /// The credentials of `cloud`, as environment variables.
    pub fn credentials(&self, cloud: Cloud) -> Vec<(&'static str, String)> {
        match cloud {
            Cloud::Alibaba => {
                let a = self.sim.alibaba();
                vec![
                    ("ALIBABA_CLOUD_ACCESS_KEY_ID", a.access_key_id.clone()),
                    (
                        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                        a.access_key_secret.clone(),
                    ),
                ]
            }
            Cloud::Huawei => {
                let h = self.sim.huawei();
                vec![
                    ("HW_USER_NAME", h.user_name.clone()),
                    ("HW_USER_PASSWORD", h.password.clone()),
                    ("HW_DOMAIN_NAME", h.domain_name.clone()),
                ]
            }
        }
    }

    /// Two instances of `cloud` to bind addresses to.
    pub fn instances(&self, cloud: Cloud) -> (String, String, String) {
        let ids: Vec<String> = match cloud {
            Cloud::Alibaba => self.sim.alibaba().instances.clone(),
            Cloud::Huawei => self
                .sim
                .huawei()
                .servers
                .iter()
                .map(|s| s.id.clone())
                .collect(),
        };
        assert!(
            ids.len() >= 3,
            "the emulator seeds at least three instances"
        );
        (ids[0].clone(), ids[1].clone(), ids[2].clone())
    }

    /// `eipctl --provider <spec of cloud> ARGS` with the cloud's credentials.
    pub async fn run(&self, cloud: Cloud, args: &[&str]) -> Run {
        let spec = self.spec(cloud);
        let mut all: Vec<OsString> = vec!["--provider".into(), spec.into()];
        all.extend(args.iter().map(OsString::from));
        self.run_with(&self.credentials(cloud), &all).await
    }

    /// `eipctl --provider <spec of cloud> --output json ARGS`, which must succeed: its JSON.
    pub async fn json(&self, cloud: Cloud, args: &[&str]) -> Value {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        self.run(cloud, &all).await.ok().json()
    }

    /// `eipctl ARGS` with exactly these environment variables (plus `HOME`).
    pub async fn run_with<S: AsRef<OsStr>>(&self, env: &[(&str, String)], args: &[S]) -> Run {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_eipctl"));
        command
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            // The emulator is both clouds' instance metadata service: a chain that reaches that
            // step (or `--to self`) asks it, never the link-local address.
            .env("EIP_ALIBABA_METADATA_ENDPOINT", self.sim.endpoint())
            .env("EIP_HUAWEI_METADATA_ENDPOINT", self.sim.endpoint())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(120), command.output())
            .await
            .expect("eipctl did not finish within 120 s")
            .unwrap();
        Run {
            code: output.status.code().expect("eipctl was killed by a signal"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Allocates an address through eipctl and returns its id.
    pub async fn allocate(&self, cloud: Cloud) -> String {
        let run = self
            .run(
                cloud,
                &["--output", "json", "allocate", "--bandwidth", "5", "--wait"],
            )
            .await
            .ok();
        run.json()["id"].as_str().unwrap().to_owned()
    }

    /// Allocates an address bound to `instance` (waited for) and returns its id.
    pub async fn allocate_bound(&self, cloud: Cloud, instance: &str) -> String {
        let id = self.allocate(cloud).await;
        self.run(cloud, &["associate", &id, "--instance", instance, "--wait"])
            .await
            .ok();
        id
    }

    /// The inventory entry of `id`, if the emulator still holds it.
    pub fn inventory_item(&self, id: &str) -> Option<eip_sim::InventoryItem> {
        self.sim.inventory().into_iter().find(|e| e.id == id)
    }

    /// What the emulator shows `id` bound to (instance or port); `None` when unbound. Panics
    /// when the emulator no longer holds the address.
    pub fn bound_to(&self, id: &str) -> Option<String> {
        self.inventory_item(id)
            .unwrap_or_else(|| panic!("the emulator holds no address {id}"))
            .bound_to
    }
}
