//! Providers for the suite: a fresh emulator per test, or a real account.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use multicloud_eip::sim::Sim;
use multicloud_eip::{
    EipProvider, EipProviderExt, ListFilter, ListOptions, RetryPolicy, WaitPolicy,
};

pub use multicloud_eip::sim::Cloud;

/// What a case gets.
pub struct Fixture {
    pub provider: Arc<dyn EipProvider>,
    /// At least two instances an address can be bound to.
    pub instances: Vec<String>,
    /// The emulator, when the provider runs on one (cases that need it check).
    pub sim: Option<Sim>,
    /// Which emulated cloud, on the emulator.
    pub cloud: Option<Cloud>,
    /// Prefix of every name a case gives, so a real account's leftovers can be found.
    pub run_id: String,
}

impl Fixture {
    /// A provider of `cloud` on a fresh emulator with fast transitions.
    pub async fn sim(cloud: Cloud) -> Self {
        let sim = crate::common::sim(Duration::from_millis(30), 8).await;
        let retry =
            RetryPolicy::default().delays(Duration::from_millis(5), Duration::from_millis(100));
        let provider = crate::common::provider(&sim, cloud, crate::common::Auth::Default, retry);
        let instances = crate::common::instances(&sim, cloud);
        Self {
            provider,
            instances,
            sim: Some(sim),
            cloud: Some(cloud),
            run_id: "conf".into(),
        }
    }

    /// Fixtures for the real accounts named in the environment (none usually).
    pub fn real_accounts() -> Vec<Self> {
        let mut fixtures = Vec::new();
        for cloud in ["ALIBABA", "HUAWEI"] {
            let Ok(spec) = std::env::var(format!("EIP_TEST_{cloud}")) else {
                continue;
            };
            let instances: Vec<String> = std::env::var(format!("EIP_TEST_{cloud}_INSTANCES"))
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            assert!(
                instances.len() >= 2,
                "EIP_TEST_{cloud}_INSTANCES must name two instances"
            );
            let provider = multicloud_eip::connect(&spec).unwrap();
            let run_id = format!("conf{}", std::process::id());
            fixtures.push(Self {
                provider,
                instances,
                sim: None,
                cloud: None,
                run_id,
            });
        }
        fixtures
    }

    /// A wait policy for cases.
    pub fn wait(&self) -> WaitPolicy {
        WaitPolicy::default().max_wait(Duration::from_secs(if self.sim.is_some() {
            20
        } else {
            300
        }))
    }

    /// A name unique to this run.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.run_id)
    }

    /// Requests the emulator has seen (0 on a real account).
    pub fn requests(&self) -> usize {
        self.sim.as_ref().map_or(0, |sim| sim.requests().len())
    }

    /// Releases whatever this run created (by name prefix) and, on the emulator, checks that no
    /// address is left over.
    pub async fn finish(&self) {
        let mine: Vec<_> = self
            .provider
            .list(&ListFilter::new(), ListOptions::default())
            .try_filter(|e| {
                futures::future::ready(
                    e.name
                        .as_deref()
                        .is_some_and(|n| n.starts_with(&self.run_id)),
                )
            })
            .try_collect()
            .await
            .unwrap_or_default();
        for eip in mine {
            if eip.binding.is_some() || eip.status.is_transitional() {
                let _ = self.provider.disassociate(&eip.id, None).await;
                let _ = self
                    .provider
                    .wait_until_available(&eip.id, &self.wait())
                    .await;
            }
            let _ = self.provider.release(&eip.id).await;
        }
    }
}
