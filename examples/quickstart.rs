//! The whole lifecycle of an Elastic IP, once, for any provider.
//!
//! ```text
//! cargo run --example quickstart                      # the embedded emulator, both clouds
//! cargo run --example quickstart -- --provider alibaba://cn-hangzhou --instance i-bp1abc --yes
//! ```

mod common;

use std::process::ExitCode;

use clap::Parser;
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, Error, Modification, Result,
    WaitPolicy,
};

/// Allocate, bind, show, modify, unbind and release one address.
#[derive(Parser)]
struct Args {
    /// Provider spec; without it, the embedded emulator runs for both clouds.
    #[arg(long)]
    provider: Option<String>,
    /// The instance to bind to (required for a real provider).
    #[arg(long)]
    instance: Option<String>,
    /// Confirm that a real provider may be used (it costs money).
    #[arg(long)]
    yes: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let instances: Vec<String> = args.instance.iter().cloned().collect();
    let targets = match common::targets(args.provider.as_deref(), &instances, args.yes) {
        Ok(targets) => targets,
        Err(e) => {
            eprintln!("quickstart: {e}");
            return ExitCode::from(2);
        }
    };
    for target in targets {
        println!(
            "== {} ({}, region {})",
            target.spec,
            target.provider.kind(),
            target.provider.region()
        );
        let Some(instance) = target.instances.first() else {
            eprintln!("quickstart: no instance to bind to");
            return ExitCode::FAILURE;
        };
        if let Err(e) = lifecycle(target.provider.as_ref(), instance).await {
            eprintln!("quickstart: {}: {e}", e.kind_name());
            return ExitCode::FAILURE;
        }
        println!();
    }
    ExitCode::SUCCESS
}

async fn lifecycle(eips: &dyn EipProvider, instance: &str) -> Result<()> {
    let steps = common::Steps::new();
    let mut request = AllocateRequest::new().bandwidth(5).name("quickstart");
    if eips.capabilities().description_rule.is_some() {
        request = request.description("quickstart example");
    }
    let eip = eips.allocate(&request).await?;
    steps.eip("allocate", &eip);
    let result = bind_modify_unbind(eips, &steps, &eip.id, instance).await;
    if let Err(e) = result {
        common::clean_up(eips, &eip.id).await;
        return Err(e);
    }
    Ok(())
}

async fn bind_modify_unbind(
    eips: &dyn EipProvider,
    steps: &common::Steps,
    id: &str,
    instance: &str,
) -> Result<()> {
    let policy = WaitPolicy::default();
    let eip = eips.wait_until_available(id, &policy).await?;
    steps.eip("wait until unbound", &eip);

    let target = AssociateTarget::instance(instance);
    eips.associate(id, &target).await?;
    steps.note("associate accepted", &format!("-> {target}"));
    let eip = eips.wait_until_bound_to(id, &target, &policy).await?;
    steps.eip("wait until bound", &eip);
    steps.eip("show", &eips.get(id).await?);

    eips.modify(
        id,
        &Modification::new().bandwidth(50).name("quickstart-renamed"),
    )
    .await?;
    steps.note(
        "modify accepted",
        "bandwidth 50 Mbit/s, name quickstart-renamed",
    );
    let eip = eips
        .wait_until(id, &policy, |e| e.status.is_stable())
        .await?;
    steps.eip("show", &eip);

    eips.disassociate(id, Some(&target)).await?;
    steps.note("disassociate accepted", "");
    let eip = eips.wait_until_available(id, &policy).await?;
    steps.eip("wait until unbound", &eip);

    eips.release(id).await?;
    steps.note("release accepted", "");
    eips.wait_until_released(id, &policy).await?;
    match eips.get(id).await {
        Err(Error::NotFound { .. }) => {
            steps.note("confirm gone", &format!("{id} no longer exists"))
        }
        Ok(eip) => {
            return Err(Error::Conflict {
                reason: format!("{id} still exists ({})", eip.status),
                service: None,
            })
        }
        Err(e) => return Err(e),
    }
    Ok(())
}
