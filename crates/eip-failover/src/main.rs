//! `eip-failover`: the failover agent (one per machine of an HA group) and its status.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use eip_failover::config::Config;
use eip_failover::{endpoint, Agent};
use multicloud_eip::Error;
use serde_json::json;

/// Keeps an Elastic IP bound to the machine that holds the group's lease on etcd; only the
/// lease holder writes, and it checks its lease before every request. Logs: RUST_LOG (default
/// info), on stderr.
#[derive(Parser)]
#[command(name = "eip-failover", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the agent until SIGINT or SIGTERM (then resigns).
    Run(Flags),
    /// Prints the leader, the address's binding and, with `listen`, the running agent's view,
    /// as JSON.
    Status(Flags),
}

/// Every key of the configuration file, as a flag that overrides it.
#[derive(Args)]
struct Flags {
    /// JSON configuration file (keys as below, durations in ms).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// This agent's name, unique in the group.
    #[arg(long)]
    name: Option<String>,
    /// The address's id.
    #[arg(long)]
    eip: Option<String>,
    /// Provider spec (alibaba://REGION, huawei://REGION...).
    #[arg(long)]
    provider: Option<String>,
    /// This machine's target: i-..., instance:ID, nic:ID, or self.
    #[arg(long)]
    target: Option<String>,
    /// etcd endpoint (http://host:2379), or memory (a single process).
    #[arg(long)]
    coordinator: Option<String>,
    /// etcd key of the election.
    #[arg(long)]
    election_key: Option<String>,
    /// Lease TTL in ms.
    #[arg(long, value_name = "MS")]
    ttl_ms: Option<u64>,
    /// Stop writing this long before the lease ends, in ms.
    #[arg(long, value_name = "MS")]
    margin_ms: Option<u64>,
    /// Re-check interval in ms.
    #[arg(long, value_name = "MS")]
    interval_ms: Option<u64>,
    /// Deadline of one claim in ms.
    #[arg(long, value_name = "MS")]
    move_timeout_ms: Option<u64>,
    /// Health-check command, run through `sh -c`; exit status 0 is healthy.
    #[arg(long, value_name = "COMMAND")]
    health_check: Option<String>,
    /// Serve /metrics and /status on this address.
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<std::net::SocketAddr>,
    /// Allow a provider endpoint outside the cloud's domains.
    #[arg(long)]
    allow_custom_endpoint: bool,
}

impl Flags {
    fn config(&self) -> Result<Config, Error> {
        let file = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        let mut flags = Config::default();
        flags.name = self.name.clone();
        flags.eip = self.eip.clone();
        flags.provider = self.provider.clone();
        flags.target = self.target.clone();
        flags.coordinator = self.coordinator.clone();
        flags.election_key = self.election_key.clone();
        flags.ttl_ms = self.ttl_ms;
        flags.margin_ms = self.margin_ms;
        flags.interval_ms = self.interval_ms;
        flags.move_timeout_ms = self.move_timeout_ms;
        flags.health_check = self
            .health_check
            .as_ref()
            .map(|c| vec!["sh".to_owned(), "-c".to_owned(), c.clone()]);
        flags.listen = self.listen;
        flags.allow_custom_endpoint = self.allow_custom_endpoint.then_some(true);
        Ok(file.overridden_by(flags))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(flags) => run(flags).await,
        Command::Status(flags) => status(flags).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eip-failover: {}: {e}", e.kind_name());
            ExitCode::from(match e {
                Error::InvalidInput { .. } | Error::Unsupported { .. } => 2,
                _ => 1,
            })
        }
    }
}

async fn run(flags: Flags) -> Result<(), Error> {
    let mut config = flags.config()?;
    config.resolve_self().await?;
    let settings = config.settings()?;
    let agent = Arc::new(Agent::new(
        settings,
        config.provider()?,
        config.coordinator()?,
    ));
    if let Some(addr) = config.listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::invalid_input("listen", format!("{addr}: {e}")))?;
        tracing::info!(%addr, "serving /metrics and /status");
        tokio::spawn(endpoint::serve(listener, Arc::clone(&agent)));
    }
    agent.run_until(shutdown()).await;
    Ok(())
}

async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn status(flags: Flags) -> Result<(), Error> {
    let config = flags.config()?;
    let eip = config.eip.clone().unwrap_or_default();
    multicloud_eip::validate::id("eip", &eip)?;
    let coordinator = config.coordinator()?;
    let provider = config.provider()?;
    let holder = coordinator.leader().await.map_err(|e| Error::Transport {
        operation: "read the leader".into(),
        message: e.to_string(),
        maybe_sent: false,
        source: None,
    })?;
    let address = provider.get(&eip).await?;
    let holder_bound = holder.as_ref().is_some_and(|l| {
        eip_failover::config::parse_target(&l.candidate.target)
            .is_ok_and(|t| address.is_bound_to(&t))
    });
    let agent = match config.listen {
        Some(addr) => agent_status(addr).await,
        None => serde_json::Value::Null,
    };
    let report = json!({
        "eip": eip,
        "status": address.status.to_string(),
        "binding": address.binding.as_ref().map(|b| b.to_string()),
        "holder": holder,
        "bound_to_holder": holder_bound,
        "agent": agent,
    });
    println!("{report}");
    Ok(())
}

async fn agent_status(addr: std::net::SocketAddr) -> serde_json::Value {
    let url = format!("http://{addr}/status");
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    {
        Ok(client) => client,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    match client.get(&url).send().await {
        Ok(response) => response
            .json()
            .await
            .unwrap_or_else(|e| json!({ "error": e.to_string() })),
        Err(e) => json!({ "error": format!("agent not reachable at {url}: {e}") }),
    }
}
