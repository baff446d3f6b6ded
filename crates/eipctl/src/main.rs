//! `eipctl`: Elastic IPs on Alibaba Cloud and Huawei Cloud from the command line.

mod cli;
mod escape;
mod exit;
mod output;

use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use multicloud_eip::{
    AllocateRequest, AssociateTarget, ConnectOptions, DedicatedBandwidth, EipProvider,
    EipProviderExt, EipStatus, Error, Expect, IpVersion, ListFilter, ListOptions, Modification,
    MoveOptions, Result, RetryPolicy, SweepFilter, SweepMode, SweepOptions, TagChange, Timeouts,
    WaitPolicy,
};

use cli::{BandwidthCommand, Cli, Command, ExitCodes, Output, ResourceGroupCommand};

mod args;
mod fleet;

/// How a command that did not fail ended.
#[derive(Debug)]
enum Outcome {
    /// Done.
    Done,
    /// `status --bound-to`: the address is not bound to that target.
    NotBoundThere,
    /// Some of the work failed (a region of `list --region`, a release of `sweep`), each
    /// failure reported on stderr as it happened; the exit status is the first one's.
    PartlyFailed(Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("eipctl: cannot start: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    // One buffer over the locked stdout, flushed once: a line-buffered stdout makes a `write`
    // system call per line, 160,000 of them for a JSON list of 10,000 addresses.
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock());
    let result = runtime.block_on(run(&cli, &mut out));
    // What was written is flushed on failure too: a listing cut short shows how far it got.
    let flushed = out.flush().map_err(io_error);
    let ocf = cli.exit_codes == ExitCodes::Ocf;
    match result.and_then(|outcome| flushed.map(|()| outcome)) {
        Ok(Outcome::Done) => ExitCode::from(exit::OK),
        Ok(Outcome::NotBoundThere) if ocf => ExitCode::from(exit::ocf::NOT_RUNNING),
        Ok(Outcome::NotBoundThere) => ExitCode::from(exit::NOT_BOUND_THERE),
        Ok(Outcome::PartlyFailed(error)) => ExitCode::from(if ocf {
            exit::ocf_code(&error)
        } else {
            exit::code(&error)
        }),
        Err(error) => {
            let message = error.to_string();
            eprintln!("eipctl: {}: {}", error.kind_name(), escape::text(&message));
            ExitCode::from(if ocf {
                exit::ocf_code(&error)
            } else {
                exit::code(&error)
            })
        }
    }
}

/// The stdout buffer: a few hundred `write` calls for a listing of 10,000 addresses.
const OUTPUT_BUFFER: usize = 64 * 1024;

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Log fields carry the cloud's messages; every line is escaped on its way to stderr, so
    // colours are off (their escape sequences would be escaped too).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| escape::Escaping(std::io::stderr()))
        .try_init();
}

async fn run(cli: &Cli, out: &mut impl Write) -> Result<Outcome> {
    // Check the command's arguments before connecting, so bad input never costs a request.
    let action = Action::from_command(&cli.command)?;
    let mut options = ConnectOptions::new().allow_custom_endpoint(cli.allow_custom_endpoint);
    if let Some(attempts) = cli.max_attempts {
        options = options.retry(RetryPolicy::default().max_attempts(attempts));
    }
    if let Some(seconds) = cli.request_timeout {
        let defaults = Timeouts::default();
        options = options.timeouts(Timeouts::new(
            defaults.connect,
            request_timeout(seconds)?,
            defaults.operation,
        ));
    }
    let spec = match &cli.provider {
        Some(spec) => spec.clone(),
        None => std::env::var(multicloud_eip::PROVIDER_ENV).unwrap_or_default(),
    };
    if spec.trim().is_empty() {
        return Err(Error::invalid_input(
            "provider",
            format!(
                "no provider: give --provider or set {}",
                multicloud_eip::PROVIDER_ENV
            ),
        ));
    }
    if !cli.no_credential_cache {
        if let Some(dir) = credential_cache_dir() {
            options = options.credential_cache(dir);
        }
    }
    let mut action = action;
    if action.names_self() {
        let this = multicloud_eip::instance_id(spec.trim(), &options).await?;
        action.resolve_self(&checked("instance self", &this)?);
    }
    if let Action::List { filter, regions } = &action {
        if !regions.is_empty() {
            let regions = fleet::regions(spec.trim(), regions, &options).await?;
            let fleet = multicloud_eip::connect_regions(spec.trim(), &regions, &options)?;
            return fleet::list(&fleet, filter, cli.output, out).await;
        }
    }
    let provider = multicloud_eip::connect_with(spec.trim(), &options)?;
    action.run(provider, cli.output, out).await
}

/// `$XDG_CACHE_HOME/multicloud-eip`, else `$HOME/.cache/multicloud-eip`.
fn credential_cache_dir() -> Option<std::path::PathBuf> {
    // eip-http's cache, which both providers re-export and read the same way.
    use multicloud_eip::huawei::{Env, FileCache};
    FileCache::from_env(&Env::process()).map(|cache| cache.dir().to_owned())
}

/// The placeholder of `self` until the metadata service has named this machine's instance.
const SELF: &str = "self";

fn is_self(target: &AssociateTarget) -> bool {
    matches!(target, AssociateTarget::Instance { id } if id == SELF)
}

/// A validated command.
enum Action {
    List {
        filter: ListFilter,
        regions: Vec<String>,
    },
    Show(String),
    Regions,
    DeletionProtection {
        id: String,
        enabled: bool,
    },
    ShowAddress(std::net::IpAddr),
    Tag {
        id: String,
        change: TagChange,
    },
    JoinBandwidth {
        id: String,
        bandwidth_id: String,
    },
    LeaveBandwidth {
        id: String,
        dedicated: DedicatedBandwidth,
    },
    MoveResourceGroup {
        id: String,
        group: String,
    },
    Sweep {
        filter: SweepFilter,
        mode: SweepMode,
        options: SweepOptions,
    },
    Allocate {
        request: AllocateRequest,
        wait: bool,
    },
    Associate {
        id: String,
        target: AssociateTarget,
        wait: bool,
    },
    Disassociate {
        id: String,
        wait: bool,
        from: Option<AssociateTarget>,
    },
    Modify {
        id: String,
        change: Modification,
        wait: bool,
    },
    Release {
        id: String,
        wait: bool,
    },
    Move {
        id: String,
        from: AssociateTarget,
        to: AssociateTarget,
        timeout: Duration,
    },
    Wait {
        id: String,
        until: Option<EipStatus>,
        timeout: Duration,
    },
    Claim {
        id: String,
        to: AssociateTarget,
        expect: Expect,
        timeout: Duration,
    },
    Status {
        id: String,
        bound_to: Option<AssociateTarget>,
    },
}

impl Action {
    fn from_command(command: &Command) -> Result<Self> {
        use multicloud_eip::validate::id as check_id;
        Ok(match command {
            Command::List(args) => {
                let mut filter = ListFilter::new();
                if let Some(status) = &args.status {
                    filter = filter.status(parse_status("status", status)?);
                }
                if let Some(instance) = &args.instance {
                    check_id("instance", instance)?;
                    filter = filter.bound_to(AssociateTarget::instance(instance));
                }
                if let Some(name) = &args.name {
                    filter = filter.name(name);
                }
                if let Some(address) = args.address {
                    filter = filter.addresses([address]);
                }
                filter.tags = args::tags("tag", &args.tags)?;
                if let Some(group) = &args.resource_group {
                    filter = filter.resource_group(checked("resource-group", group)?);
                }
                Self::List {
                    filter,
                    regions: args.region.clone(),
                }
            }
            Command::Show { id, address } => match (id, address) {
                (_, Some(address)) => Self::ShowAddress(*address),
                (Some(id), None) => Self::Show(checked("id", id)?),
                (None, None) => {
                    return Err(Error::invalid_input("id", "give an id or --address"));
                }
            },
            Command::Regions => Self::Regions,
            Command::DeletionProtection { id, state } => Self::DeletionProtection {
                id: checked("id", id)?,
                enabled: *state == cli::Switch::On,
            },
            Command::Tag(args) => {
                let mut change = TagChange::new();
                change.add = args::tags("add", &args.add)?;
                change.remove = args.remove.clone();
                Self::Tag {
                    id: checked("id", &args.id)?,
                    change,
                }
            }
            Command::Bandwidth(BandwidthCommand::Join { id, bandwidth_id }) => {
                Self::JoinBandwidth {
                    id: checked("id", id)?,
                    bandwidth_id: checked("bandwidth-id", bandwidth_id)?,
                }
            }
            Command::Bandwidth(BandwidthCommand::Leave {
                id,
                bandwidth,
                charge_mode,
            }) => {
                let mut dedicated = DedicatedBandwidth::new(*bandwidth);
                if let Some(mode) = charge_mode {
                    dedicated = dedicated.charge_mode(args::charge_mode(mode)?);
                }
                Self::LeaveBandwidth {
                    id: checked("id", id)?,
                    dedicated,
                }
            }
            Command::ResourceGroup(ResourceGroupCommand::Move { id, to }) => {
                Self::MoveResourceGroup {
                    id: checked("id", id)?,
                    group: checked("to", to)?,
                }
            }
            Command::Sweep(args) => {
                let mut filter = SweepFilter::new();
                filter.tags = args::tags("tag", &args.tags)?;
                filter.name_prefix = args.name_prefix.clone();
                if let Some(age) = &args.older_than {
                    filter = filter.older_than(args::age("older-than", age)?);
                }
                if let Some(group) = &args.resource_group {
                    filter = filter.resource_group(checked("resource-group", group)?);
                }
                let options = SweepOptions::new().concurrency(args.concurrency);
                options.validate()?;
                Self::Sweep {
                    filter,
                    mode: if args.yes {
                        SweepMode::Release
                    } else {
                        SweepMode::DryRun
                    },
                    options,
                }
            }
            Command::Allocate(args) => {
                let mut request = AllocateRequest::new();
                request.bandwidth_mbps = args.bandwidth;
                request.name = args.name.clone();
                request.description = args.description.clone();
                request.idempotency_key = args.idempotency_key.clone();
                if let Some(mode) = &args.charge_mode {
                    request.charge_mode = Some(args::charge_mode(mode)?);
                }
                request.tags = args::tags("tag", &args.tags)?;
                request.line = args.line.clone();
                request.shared_bandwidth_id = args.shared_bandwidth.clone();
                if args.ipv6 {
                    request.ip_version = IpVersion::V6;
                }
                request.resource_group = args.resource_group.clone();
                request.address = args.address;
                request.address_pool_id = args.address_pool.clone();
                request.deletion_protection = args.deletion_protection;
                Self::Allocate {
                    request,
                    wait: args.wait,
                }
            }
            Command::Associate(args) => {
                let target = args::associate_target(args)?;
                Self::Associate {
                    id: checked("id", &args.id)?,
                    target,
                    wait: args.wait,
                }
            }
            Command::Disassociate { id, wait, from } => Self::Disassociate {
                id: checked("id", id)?,
                wait: *wait,
                from: match from {
                    Some(from) => Some(args::target("from", from)?),
                    None => None,
                },
            },
            Command::Modify(args) => {
                let mut change = Modification::new();
                change.name = args.name.clone();
                change.description = args.description.clone();
                change.bandwidth_mbps = args.bandwidth;
                Self::Modify {
                    id: checked("id", &args.id)?,
                    change,
                    wait: args.wait,
                }
            }
            Command::Release { id, wait } => Self::Release {
                id: checked("id", id)?,
                wait: *wait,
            },
            Command::Move {
                id,
                from,
                to,
                timeout,
            } => Self::Move {
                id: checked("id", id)?,
                from: args::target("from", from)?,
                to: args::target("to", to)?,
                timeout: timeout_of(*timeout)?,
            },
            Command::Claim {
                id,
                to,
                expect,
                timeout,
            } => Self::Claim {
                id: checked("id", id)?,
                to: instance_or_self("to", to)?,
                expect: match expect.as_str() {
                    "any" => Expect::Any,
                    "unbound" => Expect::Unbound,
                    holder => {
                        Expect::BoundTo(AssociateTarget::instance(checked("expect", holder)?))
                    }
                },
                timeout: timeout_of(*timeout)?,
            },
            Command::Status { id, bound_to } => Self::Status {
                id: checked("id", id)?,
                bound_to: match bound_to {
                    Some(target) => Some(instance_or_self("bound-to", target)?),
                    None => None,
                },
            },
            Command::Wait { id, until, timeout } => Self::Wait {
                id: checked("id", id)?,
                until: if until == "gone" {
                    None
                } else {
                    Some(parse_status("until", until)?)
                },
                timeout: timeout_of(*timeout)?,
            },
        })
    }

    /// Whether a target is `self`.
    fn names_self(&self) -> bool {
        match self {
            Self::Associate { target, .. } => is_self(target),
            Self::Claim { to, .. } => is_self(to),
            Self::Status {
                bound_to: Some(target),
                ..
            } => is_self(target),
            _ => false,
        }
    }

    /// Puts this machine's instance in place of `self`.
    fn resolve_self(&mut self, instance: &str) {
        let this = AssociateTarget::instance(instance);
        match self {
            Self::Associate { target, .. }
            | Self::Claim { to: target, .. }
            | Self::Status {
                bound_to: Some(target),
                ..
            } if is_self(target) => *target = this,
            _ => {}
        }
    }

    async fn run(
        self,
        provider: Arc<dyn EipProvider>,
        format: Output,
        stdout: &mut impl Write,
    ) -> Result<Outcome> {
        let provider = provider.as_ref();
        let policy = WaitPolicy::default();
        match self {
            Self::List { filter, .. } => {
                filter.validate(provider.capabilities())?;
                let eips = provider.list(&filter, ListOptions::default());
                output::list(stdout, format, eips, false).await?;
            }
            Self::Show(id) => {
                let eip = provider.get(&id).await?;
                output::eip(stdout, format, &eip).map_err(io_error)?;
            }
            Self::Regions => {
                let regions = provider.regions().await?;
                fleet::print_regions(stdout, format, &regions)?;
            }
            Self::DeletionProtection { id, enabled } => {
                provider.set_deletion_protection(&id, enabled).await?;
                show(provider, stdout, format, &id).await?;
            }
            Self::ShowAddress(address) => {
                let eip = fleet::find_by_address(provider, address).await?;
                output::eip(stdout, format, &eip).map_err(io_error)?;
            }
            Self::Tag { id, change } => {
                provider.set_tags(&id, &change).await?;
                show(provider, stdout, format, &id).await?;
            }
            Self::JoinBandwidth { id, bandwidth_id } => {
                provider.join_shared_bandwidth(&id, &bandwidth_id).await?;
                show(provider, stdout, format, &id).await?;
            }
            Self::LeaveBandwidth { id, dedicated } => {
                provider.leave_shared_bandwidth(&id, &dedicated).await?;
                show(provider, stdout, format, &id).await?;
            }
            Self::MoveResourceGroup { id, group } => {
                provider.move_resource_group(&id, &group).await?;
                show(provider, stdout, format, &id).await?;
            }
            Self::Sweep {
                filter,
                mode,
                options,
            } => {
                return fleet::sweep(provider, &filter, mode, &options, format, stdout).await;
            }
            Self::Allocate { request, wait } => {
                let mut eip = provider.allocate(&request).await?;
                if wait {
                    eip = spin(
                        "waiting until usable",
                        provider.wait_until_available(&eip.id, &policy),
                    )
                    .await?;
                }
                output::eip(stdout, format, &eip).map_err(io_error)?;
            }
            Self::Associate { id, target, wait } => {
                provider.associate(&id, &target).await?;
                if wait {
                    spin(
                        "waiting until bound",
                        provider.wait_until_bound_to(&id, &target, &policy),
                    )
                    .await?;
                }
                show(provider, stdout, format, &id).await?;
            }
            Self::Disassociate { id, wait, from } => {
                provider.disassociate(&id, from.as_ref()).await?;
                if wait {
                    spin(
                        "waiting until unbound",
                        provider.wait_until_available(&id, &policy),
                    )
                    .await?;
                }
                show(provider, stdout, format, &id).await?;
            }
            Self::Modify { id, change, wait } => {
                provider.modify(&id, &change).await?;
                if wait {
                    spin(
                        "waiting until settled",
                        provider.wait_until(&id, &policy, |e| e.status.is_stable()),
                    )
                    .await?;
                }
                show(provider, stdout, format, &id).await?;
            }
            Self::Release { id, wait } => {
                provider.release(&id).await?;
                if wait {
                    spin(
                        "waiting until released",
                        provider.wait_until_released(&id, &policy),
                    )
                    .await?;
                }
                report(
                    stdout,
                    format,
                    serde_json::json!({"id": id, "released": true}),
                    &format!("released {id}"),
                )?;
            }
            Self::Move {
                id,
                from,
                to,
                timeout,
            } => {
                let options = MoveOptions::with_wait(policy.max_wait(timeout));
                let moved = spin("moving", provider.move_to(&id, &from, &to, &options)).await?;
                let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
                let json = serde_json::json!({
                    "eip": moved.eip,
                    "phases_ms": {
                        "disassociate_accepted": ms(moved.disassociate_accepted),
                        "unbound": ms(moved.unbound),
                        "associate_accepted": ms(moved.associate_accepted),
                        "bound": ms(moved.bound),
                    }
                });
                let text = format!(
                    "moved {id} to {to}: unbind accepted {} ms, unbound {} ms, bind accepted {} ms, bound {} ms",
                    ms(moved.disassociate_accepted),
                    ms(moved.unbound),
                    ms(moved.associate_accepted),
                    ms(moved.bound)
                );
                report(stdout, format, json, &text)?;
            }
            Self::Wait { id, until, timeout } => {
                let policy = policy.max_wait(timeout);
                match until {
                    None => {
                        spin(
                            "waiting until gone",
                            provider.wait_until_released(&id, &policy),
                        )
                        .await?;
                        report(
                            stdout,
                            format,
                            serde_json::json!({"id": id, "gone": true}),
                            &format!("{id} is gone"),
                        )?;
                    }
                    Some(status) => {
                        let eip =
                            spin("waiting", provider.wait_for_status(&id, status, &policy)).await?;
                        output::eip(stdout, format, &eip).map_err(io_error)?;
                    }
                }
            }
            Self::Claim {
                id,
                to,
                expect,
                timeout,
            } => {
                let options = MoveOptions::with_wait(policy.max_wait(timeout))
                    .deadline(tokio::time::Instant::now() + timeout);
                let claimed = spin("claiming", provider.claim(&id, &to, &expect, &options)).await?;
                let ms = |d: Option<Duration>| {
                    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                };
                let previous = claimed.observed.binding.as_ref().map(|b| b.to_string());
                let action = match &claimed.action {
                    multicloud_eip::ClaimAction::AlreadyHeld => "already_held",
                    multicloud_eip::ClaimAction::Bound => "bound",
                    _ => "moved",
                };
                let json = serde_json::json!({
                    "eip": claimed.eip,
                    "action": action,
                    "previous": previous,
                    "phases_ms": {
                        "disassociate_accepted": ms(claimed.disassociate_accepted),
                        "unbound": ms(claimed.unbound),
                        "associate_accepted": ms(claimed.associate_accepted),
                        "bound": ms(Some(claimed.bound)),
                    }
                });
                let text = format!(
                    "claimed {id} for {to} ({action}, previously {}) in {} ms",
                    previous.as_deref().unwrap_or("unbound"),
                    ms(Some(claimed.bound)).unwrap_or_default()
                );
                report(stdout, format, json, &text)?;
            }
            Self::Status { id, bound_to } => {
                let eip = provider.get(&id).await?;
                output::eip(stdout, format, &eip).map_err(io_error)?;
                if let Some(target) = bound_to {
                    if !eip.is_bound_to(&target) {
                        return Ok(Outcome::NotBoundThere);
                    }
                }
            }
        }
        Ok(Outcome::Done)
    }
}

/// An instance id, or `self` (this machine: resolved from the instance metadata service once
/// the provider is known).
fn instance_or_self(field: &str, value: &str) -> Result<AssociateTarget> {
    if value == SELF {
        return Ok(AssociateTarget::instance(SELF));
    }
    Ok(AssociateTarget::instance(checked(field, value)?))
}

/// The longest `--timeout`: a week. Longer is surely a mistake, and a deadline that far away
/// could overflow the clock arithmetic of the waiters (`Instant + Duration` panics on overflow).
const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The longest `--request-timeout`: an hour.
const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// A `--request-timeout` in (fractional) seconds: more than zero, at most an hour.
fn request_timeout(seconds: f64) -> Result<Duration> {
    let bad = |reason: String| Error::invalid_input("request-timeout", reason);
    let timeout = Duration::try_from_secs_f64(seconds)
        .map_err(|_| bad(format!("{seconds} is not a number of seconds")))?;
    if timeout.is_zero() || timeout > MAX_REQUEST_TIMEOUT {
        return Err(bad(format!(
            "{seconds} seconds is not between 0 and {} (an hour)",
            MAX_REQUEST_TIMEOUT.as_secs()
        )));
    }
    Ok(timeout)
}

/// A `--timeout` in seconds, refused above [`MAX_TIMEOUT`] before anything is sent.
fn timeout_of(seconds: u64) -> Result<Duration> {
    let timeout = Duration::from_secs(seconds);
    if timeout > MAX_TIMEOUT {
        return Err(Error::invalid_input(
            "timeout",
            format!(
                "{seconds} seconds is more than the maximum of {} (a week)",
                MAX_TIMEOUT.as_secs()
            ),
        ));
    }
    Ok(timeout)
}

fn checked(field: &str, id: &str) -> Result<String> {
    multicloud_eip::validate::id(field, id)?;
    Ok(id.to_owned())
}

fn parse_status(field: &str, name: &str) -> Result<EipStatus> {
    EipStatus::from_name(name).ok_or_else(|| {
        Error::invalid_input(
            field,
            format!("{name:?} is not one of {}", EipStatus::NAMES.join(", ")),
        )
    })
}

async fn show(
    provider: &dyn EipProvider,
    out: &mut impl Write,
    format: Output,
    id: &str,
) -> Result<()> {
    let eip = provider.get(id).await?;
    output::eip(out, format, &eip).map_err(io_error)
}

fn report(out: &mut impl Write, format: Output, json: serde_json::Value, text: &str) -> Result<()> {
    match format {
        Output::Json => writeln!(out, "{json:#}"),
        Output::Table => writeln!(out, "{text}"),
    }
    .map_err(io_error)
}

/// Runs `work` with a spinner on stderr, drawn only when stderr is a terminal.
async fn spin<T>(message: &str, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(message.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let result = work.await;
    spinner.finish_and_clear();
    result
}

pub(crate) fn io_error(e: std::io::Error) -> Error {
    Error::Transport {
        operation: "write output".into(),
        message: e.to_string(),
        maybe_sent: false,
        source: None,
    }
}
