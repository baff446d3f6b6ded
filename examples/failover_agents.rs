//! Three failover agents in one process (the in-process coordinator, same lease semantics as
//! etcd) against the embedded emulator: one leads and binds the address to its machine; kill
//! it, and the address moves to the next leader once the lease has expired.
//!
//! ```text
//! cargo run --example failover-agents                 # the embedded emulator, both clouds
//! cargo run --example failover-agents -- --provider sim://huawei
//! ```
//!
//! Across machines, run one `eip-failover run` per machine against etcd instead (see the
//! README, "Failover across machines").

mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use eip_failover::{Agent, InProcess, Role, Settings};
use multicloud_eip::{
    AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, Error, Result, WaitPolicy,
};

const TTL: Duration = Duration::from_secs(2);

/// An agent, its target, and its task while it runs.
type Running = (
    Arc<Agent>,
    AssociateTarget,
    Option<tokio::task::JoinHandle<()>>,
);

/// Three agents, one address: kill the leader and watch the address follow the new one.
#[derive(Parser)]
struct Args {
    /// An emulated cloud (sim://alibaba or sim://huawei); both when not given.
    #[arg(long)]
    provider: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args
        .provider
        .as_deref()
        .is_some_and(|p| !p.starts_with("sim://"))
    {
        eprintln!(
            "failover-agents: runs on the embedded emulator only (sim://alibaba, sim://huawei)"
        );
        return ExitCode::from(2);
    }
    let targets = match common::targets(args.provider.as_deref(), &[], false) {
        Ok(targets) => targets,
        Err(e) => {
            eprintln!("failover-agents: {e}");
            return ExitCode::from(2);
        }
    };
    for target in targets {
        println!("== {} ({})", target.spec, target.provider.kind());
        if let Err(e) = demo(&target.spec, target.provider.as_ref(), &target.instances).await {
            eprintln!("failover-agents: {}: {e}", e.kind_name());
            return ExitCode::FAILURE;
        }
        println!();
    }
    ExitCode::SUCCESS
}

async fn demo(spec: &str, eips: &dyn EipProvider, instances: &[String]) -> Result<()> {
    let [a, b, c, ..] = instances else {
        return Err(Error::invalid_input(
            "instance",
            "the demo needs three instances",
        ));
    };
    let wait = WaitPolicy::default().max_wait(Duration::from_secs(60));
    let eip = eips
        .allocate(&AllocateRequest::new().bandwidth(5).name("failover-agents"))
        .await?;
    eips.wait_until_available(&eip.id, &wait).await?;
    println!("allocated {} ({}); lease TTL {TTL:?}", eip.id, eip.address);

    let coordinator = InProcess::new();
    let mut agents = Vec::new();
    for (n, instance) in [a, b, c].into_iter().enumerate() {
        let target = AssociateTarget::instance(instance);
        let settings = Settings::new(format!("agent-{n}"), &eip.id, target.clone())
            .ttl(TTL)
            .interval(Duration::from_millis(200));
        let agent = Arc::new(Agent::new(
            settings,
            multicloud_eip::connect(spec)?,
            Arc::new(coordinator.client()),
        ));
        let running = Arc::clone(&agent);
        let task = tokio::spawn(async move { running.run_until(std::future::pending()).await });
        agents.push((agent, target, Some(task)));
    }

    let started = Instant::now();
    let first = leader_holding(eips, &eip.id, &agents, None).await?;
    show(&agents[first].0, "elected and bound", started.elapsed());

    let killed = Instant::now();
    if let Some(task) = agents[first].2.take() {
        task.abort();
    }
    println!("killed agent-{first} (no resignation: its lease has to expire)");
    let second = leader_holding(eips, &eip.id, &agents, Some(first)).await?;
    show(&agents[second].0, "took over", killed.elapsed());

    for (_, _, task) in &mut agents {
        if let Some(task) = task.take() {
            task.abort();
        }
    }
    common::clean_up(eips, &eip.id).await;
    Ok(())
}

/// Waits (at most a minute) until one live agent leads and the address is bound to its target.
async fn leader_holding(
    eips: &dyn EipProvider,
    id: &str,
    agents: &[Running],
    not: Option<usize>,
) -> Result<usize> {
    for _ in 0..1200 {
        let seen = eips.get(id).await?;
        let leaders: Vec<usize> = (0..agents.len())
            .filter(|&n| Some(n) != not && agents[n].0.status().role == Role::Leader)
            .collect();
        if let [n] = leaders.as_slice() {
            if seen.is_bound_to(&agents[*n].1) {
                return Ok(*n);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(Error::invalid_input(
        "agents",
        "no leader bound the address within a minute",
    ))
}

fn show(agent: &Agent, what: &str, after: Duration) {
    let status = agent.status();
    let term = status
        .lease
        .as_ref()
        .map(|l| l.fence_token)
        .unwrap_or_default();
    println!(
        "{:>7.3}s  {} {what} (term {term}): bound to {}",
        after.as_secs_f64(),
        status.name,
        status.target
    );
    if let Some(claim) = status.last_claim {
        let ms = |v: Option<u64>| v.map(|v| format!("{v} ms")).unwrap_or_else(|| "-".into());
        println!(
            "          claim from {}: unbind accepted {}, unbound {}, bind accepted {}, bound {} ms",
            claim.previous,
            ms(claim.unbind_ms),
            ms(claim.unbound_ms),
            ms(claim.bind_ms),
            claim.bound_ms
        );
    }
}
