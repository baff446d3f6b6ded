//! What the examples share: choosing providers, timing and printing steps, and cleaning up.
// Each example compiles this module on its own and uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Instant;

use multicloud_eip::{Eip, EipProvider, EipProviderExt, Error, Result, WaitPolicy};

/// A provider to run against and the instances it may bind to.
pub struct Target {
    pub spec: String,
    pub provider: Arc<dyn EipProvider>,
    pub instances: Vec<String>,
}

/// The embedded emulator for both clouds, or the one real provider the user named.
pub fn targets(provider: Option<&str>, instances: &[String], yes: bool) -> Result<Vec<Target>> {
    match provider {
        None => ["sim://alibaba", "sim://huawei"]
            .iter()
            .map(|spec| sim_target(spec))
            .collect(),
        Some(spec) if spec.starts_with("sim://") => Ok(vec![sim_target(spec)?]),
        Some(spec) => {
            if !yes {
                return Err(Error::invalid_input(
                    "yes",
                    "this runs against a real account and costs money: add --yes to go ahead",
                ));
            }
            if instances.is_empty() {
                return Err(Error::invalid_input(
                    "instance",
                    "a real account needs --instance ID",
                ));
            }
            Ok(vec![Target {
                spec: spec.to_owned(),
                provider: multicloud_eip::connect(spec)?,
                instances: instances.to_vec(),
            }])
        }
    }
}

fn sim_target(spec: &str) -> Result<Target> {
    let instances = multicloud_eip::embedded::instances(spec)?.unwrap_or_default();
    Ok(Target {
        spec: spec.to_owned(),
        provider: multicloud_eip::connect(spec)?,
        instances,
    })
}

/// Prints steps with the time since the start.
pub struct Steps {
    started: Instant,
}

impl Steps {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
        }
    }

    pub fn eip(&self, step: &str, eip: &Eip) {
        let bound = eip
            .binding
            .as_ref()
            .map(|b| format!(" -> {b}"))
            .unwrap_or_default();
        println!(
            "[{:>8.3}s] {step:<26} {} {:<15} {:<13} raw {:<14} {} Mbit/s  name {}{bound}",
            self.started.elapsed().as_secs_f64(),
            eip.id,
            eip.address.to_string(),
            eip.status.as_str(),
            eip.raw_status,
            eip.bandwidth_mbps
                .map(|b| b.to_string())
                .unwrap_or_else(|| "-".into()),
            eip.name.as_deref().unwrap_or("-"),
        );
    }

    pub fn note(&self, step: &str, text: &str) {
        println!(
            "[{:>8.3}s] {step:<26} {text}",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Best-effort cleanup after a failure, so an example never leaks a billed address.
pub async fn clean_up(provider: &dyn EipProvider, id: &str) {
    let policy = WaitPolicy::default();
    if let Ok(eip) = provider.get(id).await {
        if eip.binding.is_some() {
            let _ = provider.disassociate(id, None).await;
            let _ = provider.wait_until_available(id, &policy).await;
        }
        match provider.release(id).await {
            Ok(()) => eprintln!("cleaned up: released {id}"),
            Err(e) => eprintln!("could not release {id}: {e} — release it by hand"),
        }
    }
}
