//! `eip-sim`: the emulator as a process. Binds, prints ONE JSON line describing the endpoints and
//! credentials on stdout, then serves until killed (SIGTERM or Ctrl-C). Logs go to stderr.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use eip_sim::{
    AlibabaConfig, BindOrder, Cloud, FaultKind, FaultRule, HuaweiConfig, InjectedError, QuotaScope,
    QuotaWindow, Realistic, SimBuilder, TransitionTime, Trigger,
};
use serde::Deserialize;

const FAULT_HELP: &str = "\
Inject a fault (repeatable). Syntax: CLOUD:ACTION:KIND[:TRIGGER]
  CLOUD    alibaba | huawei | *
  ACTION   an action name (AllocateEipAddress, or a Huawei operation name) | *
  KIND     throttled | unavailable (503) | internal (500) | busy (409)
           | close (connection closed, no answer, no effect)
           | commit-then-drop (executed, then closed without an answer)
           | latency=FIXED_MS[+JITTER_MS]
           | commit-then-error=STATUS (executed, then a gateway error: Huawei
             504 APIG.0201 JSON or a 502/503 HTML page; Alibaba 503
             ServiceUnavailable or 500 InternalError)
           | late-delivery=MS (no answer; applied MS after arrival, then the
             connection closes)
           | read-lag=MS (executed and answered; reads show the previous state
             for MS)
           | quota-user=LIMIT/WINDOW_MS | quota-api=LIMIT/WINDOW_MS
           | quota-ip=LIMIT/WINDOW_MS (fixed window per account, per account
             and action, per client IP; then Huawei 429 APIGW.0308 or Alibaba
             400 Throttling.User; the TRIGGER is ignored)
  TRIGGER  P (a probability 0..1, e.g. 0.3) | times=N (the next N matching requests)
           | seq=0110 (scripted: the n-th matching request fires if the n-th digit is 1)
           default: every matching request
Examples: --fault alibaba:AllocateEipAddress:throttled:0.3   --fault *:*:latency=50+20
          --fault huawei:*:close:times=1   --fault huawei:*:quota-user=200/300000
          --fault huawei:CreatePublicip:commit-then-error=504:0.1
          --fault alibaba:*:read-lag=2000";

const PROFILE_HELP: &str = "\
A named mix of faults and timings. `realistic`: commit-then-error 504 on 10 % of
writes, late delivery (15 s) on 5 % of writes, read lag 2 s after every write,
Huawei VPC quota windows (200 per 5 minutes per account, 5 per second per client
IP), transitions uniform in 2-5 s, Neutron bind order on Huawei.
--transition-ms, --huawei-bind-order and the --realistic-* flags override its
parts; --time-scale compresses every duration.";

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

    /// Longest life of the credentials the Alibaba STS and metadata service issue, in
    /// seconds (InvalidSecurityToken.Expired after it). Default 3600.
    #[arg(long, value_name = "SECS")]
    alibaba_credential_lifetime_secs: Option<u64>,

    /// The Alibaba metadata service refuses reads without an IMDSv2 token (403).
    #[arg(long)]
    alibaba_imdsv2_required: bool,

    /// Maximum number of Huawei EIPs (VPC.0521 beyond). Default 20000.
    #[arg(long, value_name = "N")]
    huawei_quota: Option<usize>,

    /// Life of every temporary AK/SK the Huawei metadata service, federation and agency calls
    /// issue, in seconds (401 APIGW.0301 after it). Default: as asked (900 s), 24 h for the
    /// metadata service.
    #[arg(long, value_name = "SECS")]
    huawei_credential_lifetime_secs: Option<u64>,

    /// Huawei metadata session tokens: optional (default), required, not_found (the token PUT
    /// answers 404) or method_not_allowed (405).
    #[arg(long, value_name = "MODE")]
    huawei_metadata_token: Option<String>,

    /// Lifetime of Huawei IAM tokens, in seconds. Default 86400.
    #[arg(long, value_name = "SECS")]
    token_lifetime_secs: Option<u64>,

    #[arg(long = "fault", value_name = "SPEC", help = FAULT_HELP)]
    faults: Vec<String>,

    #[arg(long, value_name = "NAME", value_parser = ["realistic"], help = PROFILE_HELP)]
    profile: Option<String>,

    /// With --profile realistic: share of writes answered with a gateway error after being
    /// executed (0 turns it off). Default 0.1.
    #[arg(long, value_name = "P")]
    realistic_commit_error: Option<f64>,

    /// With --profile realistic: share of writes applied late (0 turns it off). Default 0.05.
    #[arg(long, value_name = "P")]
    realistic_late_delivery: Option<f64>,

    /// With --profile realistic: how long after arrival a late write is applied. Default 15000.
    #[arg(long, value_name = "MS")]
    realistic_late_delivery_ms: Option<u64>,

    /// With --profile realistic: read lag after every write (0 turns it off). Default 2000.
    #[arg(long, value_name = "MS")]
    realistic_read_lag_ms: Option<u64>,

    /// With --profile realistic: no quota windows.
    #[arg(long)]
    realistic_no_quotas: bool,

    /// Transition times in milliseconds: MS (always) or MIN-MAX (uniform). Overrides
    /// --transition-delay-ms.
    #[arg(long, value_name = "MS|MIN-MAX")]
    transition_ms: Option<String>,

    /// Multiplies every emulated duration (transitions, read lag, late delivery, quota
    /// windows, latency), e.g. 0.01. Default 1.
    #[arg(long, value_name = "FACTOR")]
    time_scale: Option<f64>,

    /// Order of a Huawei bind/unbind: `pending` (port_id at once, PENDING_UPDATE until ACTIVE /
    /// DOWN; the default) or `neutron` (port_id at once, status follows: DOWN then ACTIVE after
    /// a bind, ACTIVE without port_id then DOWN after an unbind).
    #[arg(long, value_name = "ORDER", value_parser = ["pending", "neutron"])]
    huawei_bind_order: Option<String>,

    /// Huawei region (its line types apply: cn-northeast-1 offers 5_telcom/5_union, cn-east-2
    /// 5_sbgp). Default cn-north-4.
    #[arg(long, value_name = "REGION")]
    huawei_region: Option<String>,

    /// How many entries the request log keeps (the oldest are dropped). Default 100000.
    #[arg(long, value_name = "N")]
    request_log_capacity: Option<usize>,

    /// Let the control API (/_sim) answer clients other than loopback ones (they get 403
    /// otherwise): it exposes credentials and rewrites state, so only on a trusted network.
    #[arg(long)]
    control_allow_remote: bool,

    /// Close a connection whose request headers take longer than this. Default 30000.
    #[arg(long, value_name = "MS")]
    header_read_timeout_ms: Option<u64>,

    /// Close a connection idle (no request in flight) for this long. Default 120000.
    #[arg(long, value_name = "MS")]
    idle_timeout_ms: Option<u64>,

    /// JSON file with the same keys as the flags (listen, seed, transition_delay_ms,
    /// alibaba_quota, alibaba_sts, alibaba_credential_lifetime_secs,
    /// alibaba_imdsv2_required, huawei_quota, huawei_credential_lifetime_secs,
    /// huawei_metadata_token, token_lifetime_secs, faults: [SPEC...],
    /// profile, transition_ms, time_scale, huawei_bind_order, huawei_region,
    /// request_log_capacity, control_allow_remote). Flags given on the command line win over
    /// the file.
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
    alibaba_credential_lifetime_secs: Option<u64>,
    #[serde(default)]
    alibaba_imdsv2_required: bool,
    huawei_quota: Option<usize>,
    huawei_credential_lifetime_secs: Option<u64>,
    huawei_metadata_token: Option<String>,
    token_lifetime_secs: Option<u64>,
    #[serde(default)]
    faults: Vec<String>,
    profile: Option<String>,
    transition_ms: Option<String>,
    time_scale: Option<f64>,
    huawei_bind_order: Option<String>,
    huawei_region: Option<String>,
    request_log_capacity: Option<usize>,
    #[serde(default)]
    control_allow_remote: bool,
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
        other if other.contains('=') && !other.starts_with("latency=") => parse_valued_kind(other)?,
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

/// `commit-then-error=504`, `late-delivery=MS`, `read-lag=MS`, `quota-SCOPE=LIMIT/WINDOW_MS`.
fn parse_valued_kind(kind: &str) -> Result<FaultKind, String> {
    let (name, value) = kind
        .split_once('=')
        .ok_or_else(|| format!("unknown fault kind {kind:?}"))?;
    let number = |v: &str| {
        v.parse::<u64>()
            .map_err(|_| format!("fault kind {kind:?}: {v:?} is not a number"))
    };
    let ms = |v: &str| number(v).map(Duration::from_millis);
    Ok(match name {
        "commit-then-error" => FaultKind::CommitThenError {
            status: u16::try_from(number(value)?)
                .map_err(|_| format!("fault kind {kind:?}: not an HTTP status"))?,
        },
        "late-delivery" => FaultKind::LateDelivery { delay: ms(value)? },
        "read-lag" => FaultKind::ReadLag { lag: ms(value)? },
        "quota-user" | "quota-api" | "quota-ip" => {
            let scope = match name {
                "quota-user" => QuotaScope::User,
                "quota-api" => QuotaScope::Api,
                _ => QuotaScope::Ip,
            };
            let (limit, window) = value
                .split_once('/')
                .ok_or_else(|| format!("fault kind {kind:?}: expected LIMIT/WINDOW_MS"))?;
            let limit = u32::try_from(number(limit)?)
                .map_err(|_| format!("fault kind {kind:?}: limit too large"))?;
            FaultKind::Quota(QuotaWindow::new(scope, limit, ms(window)?))
        }
        _ => return Err(format!("unknown fault kind {kind:?}")),
    })
}

/// `MS` or `MIN-MAX`.
fn parse_transitions(text: &str) -> Result<TransitionTime, String> {
    let ms = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("--transition-ms {text:?}: expected MS or MIN-MAX"))
    };
    match text.split_once('-') {
        None => Ok(TransitionTime::Fixed(ms(text)?)),
        Some((min, max)) => {
            let (min, max) = (ms(min)?, ms(max)?);
            if max < min {
                return Err(format!("--transition-ms {text:?}: MAX is below MIN"));
            }
            Ok(TransitionTime::Uniform { min, max })
        }
    }
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
    let profile = args.profile.as_deref().or(file.profile.as_deref());
    match profile {
        None | Some("realistic") => {}
        Some(other) => return Err(format!("unknown profile {other:?} (known: realistic)")),
    }
    if profile == Some("realistic") {
        let mut profile = Realistic::default();
        if let Some(p) = args.realistic_commit_error {
            profile.commit_then_error = probability(p)?;
        }
        if let Some(p) = args.realistic_late_delivery {
            profile.late_delivery = probability(p)?;
        }
        if let Some(ms) = args.realistic_late_delivery_ms {
            profile.late_delivery_after = Duration::from_millis(ms);
        }
        if let Some(ms) = args.realistic_read_lag_ms {
            profile.read_lag = Duration::from_millis(ms);
        }
        if args.realistic_no_quotas {
            profile.quotas.clear();
        }
        sim = sim.profile(profile);
    }
    if let Some(text) = args.transition_ms.as_ref().or(file.transition_ms.as_ref()) {
        sim = sim.transitions(parse_transitions(text)?);
    }
    if let Some(scale) = args.time_scale.or(file.time_scale) {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(format!("--time-scale {scale}: must be a positive number"));
        }
        sim = sim.time_scale(scale);
    }
    match args
        .huawei_bind_order
        .as_deref()
        .or(file.huawei_bind_order.as_deref())
    {
        Some("neutron") => sim = sim.huawei_bind_order(BindOrder::Neutron),
        Some("pending") => sim = sim.huawei_bind_order(BindOrder::Pending),
        Some(other) => return Err(format!("unknown bind order {other:?} (pending, neutron)")),
        None => {}
    }
    if let Some(capacity) = args.request_log_capacity.or(file.request_log_capacity) {
        sim = sim.request_log_capacity(capacity);
    }
    if args.control_allow_remote || file.control_allow_remote {
        sim = sim.control_allow_remote(true);
    }
    if let Some(ms) = args.header_read_timeout_ms {
        sim = sim.header_read_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = args.idle_timeout_ms {
        sim = sim.idle_timeout(Duration::from_millis(ms));
    }
    let mut alibaba = AlibabaConfig::default();
    if let Some(quota) = args.alibaba_quota.or(file.alibaba_quota) {
        alibaba.quota = quota;
    }
    if args.alibaba_sts || file.alibaba_sts {
        alibaba.sts = Some(Default::default());
    }
    if let Some(secs) = args
        .alibaba_credential_lifetime_secs
        .or(file.alibaba_credential_lifetime_secs)
    {
        alibaba.credential_lifetime = Duration::from_secs(secs);
    }
    alibaba.metadata.imdsv2_required = args.alibaba_imdsv2_required || file.alibaba_imdsv2_required;
    let mut huawei = HuaweiConfig::default();
    if let Some(region) = args.huawei_region.as_ref().or(file.huawei_region.as_ref()) {
        huawei.region.clone_from(region);
        huawei.project_name.clone_from(region);
    }
    if let Some(secs) = args
        .huawei_credential_lifetime_secs
        .or(file.huawei_credential_lifetime_secs)
    {
        huawei.temporary_lifetime = Some(Duration::from_secs(secs));
    }
    if let Some(mode) = args
        .huawei_metadata_token
        .as_ref()
        .or(file.huawei_metadata_token.as_ref())
    {
        huawei.metadata.token = serde_json::from_value(serde_json::json!(mode)).map_err(|_| {
            format!(
                "--huawei-metadata-token {mode:?} is not optional, required, not_found or method_not_allowed"
            )
        })?;
    }
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

fn probability(p: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("probability {p} is not between 0 and 1"))
    }
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
        assert_eq!(
            parse_fault("huawei:CreatePublicip:commit-then-error=504:0.1")
                .unwrap()
                .kind,
            FaultKind::CommitThenError { status: 504 }
        );
        assert_eq!(
            parse_fault("*:*:late-delivery=3000").unwrap().kind,
            FaultKind::LateDelivery {
                delay: Duration::from_secs(3)
            }
        );
        assert_eq!(
            parse_fault("alibaba:*:read-lag=2000").unwrap().kind,
            FaultKind::ReadLag {
                lag: Duration::from_secs(2)
            }
        );
        assert_eq!(
            parse_fault("huawei:*:quota-user=200/300000").unwrap().kind,
            FaultKind::Quota(QuotaWindow::new(
                QuotaScope::User,
                200,
                Duration::from_secs(300)
            ))
        );
        assert_eq!(
            parse_transitions("2000-5000").unwrap(),
            TransitionTime::Uniform {
                min: Duration::from_secs(2),
                max: Duration::from_secs(5)
            }
        );
        assert!(parse_transitions("5-2").is_err());
        for bad in [
            "*:*:commit-then-error=404",
            "*:*:quota-user=5",
            "*:*:quota-ip=5/0",
            "*:*:late-delivery=soon",
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
