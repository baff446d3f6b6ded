//! `eip-sim`: the emulator as a process. Binds, prints ONE JSON line describing the endpoints and
//! credentials on stdout, then serves until killed (SIGTERM or Ctrl-C). Logs go to stderr.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use eip_sim::{
    AlibabaConfig, Cloud, FaultKind, FaultRule, HuaweiConfig, InjectedError, SimBuilder, Trigger,
};
use serde::Deserialize;

const FAULT_HELP: &str = "\
Inject a fault (repeatable). Syntax: CLOUD:ACTION:KIND[:TRIGGER]
  CLOUD    alibaba | huawei | *
  ACTION   an action name (AllocateEipAddress, or a Huawei operation name) | *
  KIND     throttled | unavailable (503) | internal (500) | busy (409)
           | close (connection closed, no answer, no effect)
           | commit-then-drop (executed, then the connection is closed without an answer)
           | latency=FIXED_MS[+JITTER_MS]
  TRIGGER  P (a probability 0..1, e.g. 0.3) | times=N (the next N matching requests)
           | seq=0110 (scripted: the n-th matching request fires if the n-th digit is 1)
           default: every matching request
Examples: --fault alibaba:AllocateEipAddress:throttled:0.3   --fault *:*:latency=50+20
          --fault huawei:*:close:times=1";

/// A wire-faithful emulator of the Alibaba Cloud VPC EIP API and the Huawei Cloud IAM + VPC v1
/// EIP APIs.
///
/// On start it prints one JSON line on stdout:
/// {"alibaba":{"endpoint":..,"region":..,"access_key_id":..,"access_key_secret":..,"instances":[..],..},
///  "huawei":{"iam_endpoint":..,"vpc_endpoint":..,..,"servers":[..]},"control":"http://H:P/_sim"}
/// then serves until killed. The control API (inventory, request log, faults, reset) lives under
/// /_sim on the same listener. Log verbosity: RUST_LOG (default info), on stderr.
#[derive(Debug, Parser)]
#[command(name = "eip-sim", version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed in the JSON line). Default
    /// 127.0.0.1:0.
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<SocketAddr>,

    /// Seed of every random choice (addresses, ids, probabilistic faults, jitter). Default 1.
    #[arg(long)]
    seed: Option<u64>,

    /// Duration of asynchronous transitions (Associating -> InUse, PENDING_CREATE -> DOWN...),
    /// in milliseconds. Default 300.
    #[arg(long, value_name = "MS")]
    transition_delay_ms: Option<u64>,

    /// Maximum number of Alibaba EIPs (QuotaExceeded.Eip beyond). Default 20000.
    #[arg(long, value_name = "N")]
    alibaba_quota: Option<usize>,

    /// Also accept the default Alibaba STS key triple (printed under alibaba.sts); requests
    /// with that key must carry its SecurityToken.
    #[arg(long)]
    alibaba_sts: bool,

    /// Maximum number of Huawei EIPs (VPC.0521 beyond). Default 20000.
    #[arg(long, value_name = "N")]
    huawei_quota: Option<usize>,

    /// Lifetime of Huawei IAM tokens, in seconds. Default 86400.
    #[arg(long, value_name = "SECS")]
    token_lifetime_secs: Option<u64>,

    #[arg(long = "fault", value_name = "SPEC", help = FAULT_HELP)]
    faults: Vec<String>,

    /// JSON file with the same keys as the flags (listen, seed, transition_delay_ms,
    /// alibaba_quota, alibaba_sts, huawei_quota, token_lifetime_secs, faults: [SPEC...]).
    /// Flags given on the command line win over the file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    seed: Option<u64>,
    transition_delay_ms: Option<u64>,
    alibaba_quota: Option<usize>,
    #[serde(default)]
    alibaba_sts: bool,
    huawei_quota: Option<usize>,
    token_lifetime_secs: Option<u64>,
    #[serde(default)]
    faults: Vec<String>,
}

fn load_config(path: Option<&PathBuf>) -> Result<FileConfig, String> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
}

/// Parses `CLOUD:ACTION:KIND[:TRIGGER]`.
fn parse_fault(spec: &str) -> Result<FaultRule, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (cloud, action, kind, trigger) = match parts.as_slice() {
        [c, a, k] => (*c, *a, *k, None),
        [c, a, k, t] => (*c, *a, *k, Some(*t)),
        _ => {
            return Err(format!(
                "fault {spec:?}: expected CLOUD:ACTION:KIND[:TRIGGER]"
            ))
        }
    };
    let mut rule = FaultRule::new(parse_kind(kind)?, parse_trigger(trigger)?);
    match cloud {
        "*" => {}
        "alibaba" => rule = rule.cloud(Cloud::Alibaba),
        "huawei" => rule = rule.cloud(Cloud::Huawei),
        other => return Err(format!("fault {spec:?}: unknown cloud {other:?}")),
    }
    if action != "*" {
        rule = rule.action(action);
    }
    rule.validate()
        .map_err(|e| format!("fault {spec:?}: {e}"))?;
    Ok(rule)
}

fn parse_kind(kind: &str) -> Result<FaultKind, String> {
    Ok(match kind {
        "throttled" => FaultKind::Error(InjectedError::Throttled),
        "unavailable" => FaultKind::Error(InjectedError::Unavailable),
        "internal" => FaultKind::Error(InjectedError::Internal),
        "busy" => FaultKind::Error(InjectedError::Busy),
        "close" => FaultKind::CloseConnection,
        "commit-then-drop" => FaultKind::CommitThenDrop,
        other => {
            let spec = other
                .strip_prefix("latency=")
                .ok_or_else(|| format!("unknown fault kind {other:?}"))?;
            let (fixed, jitter) = spec.split_once('+').unwrap_or((spec, "0"));
            let ms = |v: &str| {
                v.parse::<u64>()
                    .map(Duration::from_millis)
                    .map_err(|_| format!("bad latency {spec:?}"))
            };
            FaultKind::Latency {
                fixed: ms(fixed)?,
                jitter: ms(jitter)?,
            }
        }
    })
}

fn parse_trigger(trigger: Option<&str>) -> Result<Trigger, String> {
    let Some(trigger) = trigger else {
        return Ok(Trigger::Probability(1.0));
    };
    if let Some(n) = trigger.strip_prefix("times=") {
        return n
            .parse()
            .map(Trigger::Times)
            .map_err(|_| format!("bad trigger {trigger:?}"));
    }
    if let Some(seq) = trigger.strip_prefix("seq=") {
        return seq
            .chars()
            .map(|c| match c {
                '1' => Ok(true),
                '0' => Ok(false),
                _ => Err(format!("bad sequence {seq:?}: use 0 and 1")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Trigger::Sequence);
    }
    trigger
        .parse()
        .map(Trigger::Probability)
        .map_err(|_| format!("bad trigger {trigger:?}"))
}

fn builder(args: &Args, file: FileConfig) -> Result<(SimBuilder, Vec<FaultRule>), String> {
    let mut sim = SimBuilder::new();
    if let Some(listen) = args.listen.or(file.listen) {
        sim = sim.listen(listen);
    }
    if let Some(seed) = args.seed.or(file.seed) {
        sim = sim.seed(seed);
    }
    if let Some(ms) = args.transition_delay_ms.or(file.transition_delay_ms) {
        sim = sim.transition_delay(Duration::from_millis(ms));
    }
    let mut alibaba = AlibabaConfig::default();
    if let Some(quota) = args.alibaba_quota.or(file.alibaba_quota) {
        alibaba.quota = quota;
    }
    if args.alibaba_sts || file.alibaba_sts {
        alibaba.sts = Some(Default::default());
    }
    let mut huawei = HuaweiConfig::default();
    if let Some(quota) = args.huawei_quota.or(file.huawei_quota) {
        huawei.quota = quota;
    }
    if let Some(secs) = args.token_lifetime_secs.or(file.token_lifetime_secs) {
        huawei.token_lifetime = Duration::from_secs(secs);
    }
    let faults = file
        .faults
        .iter()
        .chain(&args.faults)
        .map(|s| parse_fault(s))
        .collect::<Result<_, _>>()?;
    Ok((sim.alibaba(alibaba).huawei(huawei), faults))
}

/// Resolves on SIGTERM or Ctrl-C. Built before the JSON line is printed, so a supervisor that
/// signals right after reading the line still gets a clean shutdown.
fn termination() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        if let Ok(mut term) = term {
            tokio::select! {
                _ = term.recv() => {}
                _ = ctrl_c => {}
            }
            return;
        }
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let configured = load_config(args.config.as_ref()).and_then(|file| builder(&args, file));
    let (builder, faults) = match configured {
        Ok(configured) => configured,
        Err(message) => {
            eprintln!("eip-sim: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let sim = match builder.start().await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("eip-sim: cannot listen: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for rule in faults {
        sim.faults().add(rule);
    }
    let terminated = termination();
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", sim.contract())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    drop(stdout);
    terminated.await;
    tracing::info!("shutting down");
    sim.stop().await;
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fault_specs() {
        let rule = parse_fault("alibaba:AllocateEipAddress:throttled:0.3").unwrap();
        assert_eq!(rule.cloud, Some(Cloud::Alibaba));
        assert_eq!(rule.action.as_deref(), Some("AllocateEipAddress"));
        assert_eq!(rule.trigger, Trigger::Probability(0.3));
        let rule = parse_fault("*:*:latency=50+20:seq=0110").unwrap();
        assert_eq!(rule.cloud, None);
        assert_eq!(
            rule.kind,
            FaultKind::Latency {
                fixed: Duration::from_millis(50),
                jitter: Duration::from_millis(20)
            }
        );
        assert_eq!(
            rule.trigger,
            Trigger::Sequence(vec![false, true, true, false])
        );
        assert_eq!(
            parse_fault("huawei:*:close:times=2").unwrap().trigger,
            Trigger::Times(2)
        );
        assert_eq!(
            parse_fault("huawei:*:commit-then-drop").unwrap().trigger,
            Trigger::Probability(1.0)
        );
        for bad in [
            "alibaba",
            "gcp:*:close",
            "*:*:boom",
            "*:*:close:2.0",
            "*:*:close:seq=12",
        ] {
            assert!(parse_fault(bad).is_err(), "{bad}");
        }
    }
}
