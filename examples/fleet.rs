//! Two clouds as one fleet, on the embedded emulator: list every address of both at once, then
//! sweep the leaked ones (unbound, named `leak-`), leaving the bound one alone.
//!
//! ```text
//! cargo run --example fleet
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use futures::StreamExt;
use multicloud_eip::{
    list_all, AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, ListFilter, Result,
    SweepFilter, SweepMode, WaitPolicy,
};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet: {}: {e}", e.kind_name());
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let mut fleet: Vec<Arc<dyn EipProvider>> = Vec::new();
    for spec in ["sim://alibaba", "sim://huawei"] {
        let provider = multicloud_eip::connect(spec)?;
        let instances = multicloud_eip::embedded::instances(spec)?.unwrap_or_default();
        let Some(instance) = instances.first() else {
            return Err(multicloud_eip::Error::invalid_input(
                "instance",
                "none seeded",
            ));
        };
        seed(provider.as_ref(), instance).await?;
        fleet.push(provider);
    }

    println!("== every address, as each cloud answers");
    let filter = ListFilter::new();
    let mut all = list_all(&fleet, &filter);
    while let Some(item) = all.next().await {
        println!("  {item}");
    }

    let leaks = SweepFilter::new().name_prefix("leak-");
    for provider in &fleet {
        for mode in [SweepMode::DryRun, SweepMode::Release] {
            let report = multicloud_eip::sweep(provider.as_ref(), &leaks, mode).await?;
            println!(
                "== sweep {:?} on {} {}",
                mode, report.provider, report.region
            );
            for eip in &report.would_release {
                println!("  would release {} {}", eip.id, eip.address);
            }
            for eip in &report.released {
                println!("  released {} {}", eip.id, eip.address);
            }
            for skipped in &report.skipped {
                println!("  skipped {} ({})", skipped.eip.id, skipped.reason);
            }
            for failed in &report.failed {
                println!("  failed {}: {}", failed.eip.id, failed.error);
            }
        }
    }
    Ok(())
}

/// Two unbound leaks and one bound address named like a leak.
async fn seed(provider: &dyn EipProvider, instance: &str) -> Result<()> {
    let wait = WaitPolicy::default();
    for name in ["leak-1", "leak-2", "leak-bound"] {
        let eip = provider
            .allocate(&AllocateRequest::new().bandwidth(5).name(name))
            .await?;
        provider.wait_until_available(&eip.id, &wait).await?;
        if name == "leak-bound" {
            let target = AssociateTarget::instance(instance);
            provider.associate(&eip.id, &target).await?;
            provider
                .wait_until_bound_to(&eip.id, &target, &wait)
                .await?;
        }
    }
    Ok(())
}
