//! Fenced failover of an Elastic IP between the two servers of an HA pair.
//!
//! The address moves from A to B only if it is still bound to A when the move starts, is never
//! bound to both, and each phase is timed.
//!
//! ```text
//! cargo run --example failover                       # the embedded emulator, both clouds
//! cargo run --example failover -- --provider huawei://cn-north-4 --eip ID --from A --to B --yes
//! ```

mod common;

use std::process::ExitCode;

use clap::Parser;
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, MoveOptions, Result, WaitPolicy,
};

/// Move an address from instance A to instance B, fenced.
#[derive(Parser)]
struct Args {
    /// Provider spec; without it, the embedded emulator runs for both clouds.
    #[arg(long)]
    provider: Option<String>,
    /// The address to move (a real provider); on the emulator one is allocated and bound to A.
    #[arg(long)]
    eip: Option<String>,
    /// Instance A (currently holding the address).
    #[arg(long)]
    from: Option<String>,
    /// Instance B.
    #[arg(long)]
    to: Option<String>,
    /// Confirm that a real provider may be used.
    #[arg(long)]
    yes: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let instances: Vec<String> = args.from.iter().chain(args.to.iter()).cloned().collect();
    let targets = match common::targets(args.provider.as_deref(), &instances, args.yes) {
        Ok(targets) => targets,
        Err(e) => {
            eprintln!("failover: {e}");
            return ExitCode::from(2);
        }
    };
    for target in targets {
        println!("== {} ({})", target.spec, target.provider.kind());
        let [a, b, ..] = target.instances.as_slice() else {
            eprintln!("failover: needs --from and --to");
            return ExitCode::from(2);
        };
        let outcome = match &args.eip {
            Some(id) => failover(target.provider.as_ref(), id, a, b).await,
            None => demo(target.provider.as_ref(), a, b).await,
        };
        if let Err(e) = outcome {
            eprintln!("failover: {}: {e}", e.kind_name());
            return ExitCode::FAILURE;
        }
        println!();
    }
    ExitCode::SUCCESS
}

/// On the emulator: allocate, bind to A, fail over to B, then clean up.
async fn demo(eips: &dyn EipProvider, a: &str, b: &str) -> Result<()> {
    let steps = common::Steps::new();
    let policy = WaitPolicy::default();
    let eip = eips
        .allocate(&AllocateRequest::new().bandwidth(5).name("failover"))
        .await?;
    let id = eip.id.clone();
    let result = async {
        eips.wait_until_available(&id, &policy).await?;
        let primary = AssociateTarget::instance(a);
        eips.associate(&id, &primary).await?;
        let eip = eips.wait_until_bound_to(&id, &primary, &policy).await?;
        steps.eip("bound to A", &eip);
        failover(eips, &id, a, b).await
    }
    .await;
    common::clean_up(eips, &id).await;
    result
}

async fn failover(eips: &dyn EipProvider, id: &str, a: &str, b: &str) -> Result<()> {
    let (from, to) = (AssociateTarget::instance(a), AssociateTarget::instance(b));
    let report = eips
        .move_to(id, &from, &to, &MoveOptions::default())
        .await?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!("moved {id} from {a} to {b}:");
    println!(
        "  disassociate accepted {:>8.1} ms",
        ms(report.disassociate_accepted)
    );
    println!("  unbound               {:>8.1} ms", ms(report.unbound));
    println!(
        "  associate accepted    {:>8.1} ms",
        ms(report.associate_accepted)
    );
    println!("  bound to B            {:>8.1} ms", ms(report.bound));
    Ok(())
}
