//! The command line, as clap types.

use std::ffi::OsString;
use std::net::IpAddr;

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Providers (--provider or EIP_PROVIDER):
  alibaba://<region>[?endpoint=URL&signature=v1|v3]     credentials from ALIBABA_CLOUD_* / ALICLOUD_* / ~/.aliyun/config.json
  huawei://<region>[?project_id=ID&iam_endpoint=URL&vpc_endpoint=URL&eps_endpoint=URL&auth=token|aksk]
                                                        credentials from HUAWEICLOUD_SDK_* / HW_* / OS_*
  sim://alibaba, sim://huawei                           an emulator inside this process (empty at start)
  endpoint=, iam_endpoint=, vpc_endpoint= and eps_endpoint= must be loopback or under *.aliyuncs.com (Alibaba),
  *.myhuaweicloud.com / .eu / .cn (Huawei), unless --allow-custom-endpoint is given.

Billing: without --charge-mode, both clouds bill an address by its bandwidth, hourly, whether or
not traffic flows (an idle 5 Mbit/s address still costs its bandwidth every hour).

Exit codes:
  0 success            2 invalid input or usage     3 not found
  4 authentication or permission                    5 rate limited
  6 conflict or invalid state (already associated, quota, fence)
  7 timeout (a request or a wait)                   1 anything else
  8 status --bound-to: not bound to that target
  With --exit-codes ocf, the OCF codes instead (see --exit-codes).

Examples:
  eipctl --provider sim://huawei list
  eipctl --provider alibaba://cn-hangzhou allocate --bandwidth 5 --name web-1 --wait
  eipctl move eip-bp1xyz --from i-primary --to i-standby
  eipctl --output json show eip-bp1xyz | jq .status
  eipctl list --tag owner=web --region cn-hangzhou,cn-beijing
  eipctl sweep --tag owner=ci --older-than 2d          (add --yes to release)";

const ALLOCATE_HELP: &str = "\
Billing: without --charge-mode, both clouds bill the address by bandwidth (Alibaba PayByBandwidth,
Huawei charge_mode bandwidth): every hour for the bandwidth reserved, whether or not traffic flows,
so an idle 5 Mbit/s address is still billed hourly (Huawei's eu-west-0 documents traffic as its
default). --charge-mode traffic bills the traffic that flows instead. `show` and `list` print the
charge mode where the cloud reports it.

Example: eipctl allocate --bandwidth 10 --name web-1 --idempotency-key deploy-42 --wait";

/// A text argument. clap's default refuses invalid UTF-8 without naming the argument; this one
/// names it (`invalid value '..' for '<ID>': not valid UTF-8`).
fn text() -> impl TypedValueParser<Value = String> {
    OsStringValueParser::new()
        .try_map(|raw: OsString| raw.into_string().map_err(|_| "not valid UTF-8"))
}

/// Manage Elastic IPs on Alibaba Cloud and Huawei Cloud.
#[derive(Debug, Parser)]
#[command(name = "eipctl", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Provider spec, e.g. alibaba://cn-hangzhou, huawei://cn-north-4, sim://alibaba.
    #[arg(long, global = true, env = "EIP_PROVIDER", value_name = "SPEC", value_parser = text())]
    pub provider: Option<String>,

    /// Output format: a table for people, JSON for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,

    /// Log level for diagnostics on stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, env = "EIPCTL_LOG", default_value = "warn", value_name = "LEVEL", value_parser = text())]
    pub log: String,

    /// Attempts per request before giving up on throttling, 5xx or connection errors (1 = no
    /// retries; the default retries up to 10 times within 2 minutes).
    #[arg(long, global = true, env = "EIPCTL_MAX_ATTEMPTS", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: Option<u32>,

    /// Give up on one request after this many seconds (fractions allowed; default 30). A request
    /// that timed out is retried (reads) or settled by reading back (writes).
    #[arg(
        long,
        global = true,
        env = "EIPCTL_REQUEST_TIMEOUT",
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub request_timeout: Option<f64>,

    /// Allow endpoint=, iam_endpoint=, vpc_endpoint= or eps_endpoint= to name a host outside the cloud's own
    /// domains (a proxy, a private deployment). The provider's credentials are sent to that host.
    /// The variable counts as set unless it is empty, 0, false, no or off.
    #[arg(
        long,
        global = true,
        env = "EIPCTL_ALLOW_CUSTOM_ENDPOINT",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub allow_custom_endpoint: bool,

    /// Keep no temporary credentials (STS, instance role) between runs. By default they are
    /// kept in $XDG_CACHE_HOME/multicloud-eip (or ~/.cache/multicloud-eip), files 0600 named by
    /// a hash of the identity, so a check run every few seconds does not cost a token round
    /// trip each time. The variable counts as set unless it is empty, 0, false, no or off.
    #[arg(
        long,
        global = true,
        env = "EIPCTL_NO_CREDENTIAL_CACHE",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_credential_cache: bool,

    /// Exit codes: eipctl's own (see below), or those of an OCF resource agent (Pacemaker):
    /// 0 success, 1 generic (timeouts, throttling, conflicts: worth a retry or a move),
    /// 2 bad arguments, 3 unimplemented, 4 insufficient permissions, 6 not configured (bad
    /// input, unknown address), 7 not running (`status --bound-to`: bound elsewhere).
    #[arg(long, global = true, value_enum, default_value_t = ExitCodes::Native)]
    pub exit_codes: ExitCodes,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Exit-code conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExitCodes {
    /// eipctl's own table.
    Native,
    /// The OCF resource-agent codes Pacemaker interprets.
    Ocf,
}

/// A setting turned on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns.
    Table,
    /// JSON: an object per address, an array for `list`.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List addresses (all pages).
    #[command(after_help = "Example: eipctl list --status bound --instance i-bp1abc")]
    List(ListArgs),
    /// Show one address, by id or by its public address.
    #[command(
        after_help = "Examples:\n  eipctl show eip-bp1xyz\n  eipctl show --address 203.0.113.7"
    )]
    Show {
        /// The address's id.
        #[arg(value_parser = text(), required_unless_present = "address", conflicts_with = "address")]
        id: Option<String>,
        /// Find the address by its public IP instead.
        #[arg(long, value_name = "IP")]
        address: Option<IpAddr>,
    },
    /// Allocate a new address.
    #[command(after_help = ALLOCATE_HELP)]
    Allocate(AllocateArgs),
    /// Bind an address to an instance, a network interface, a private IP, a HaVip, a NAT gateway
    /// or a load balancer (what the cloud supports).
    #[command(
        after_help = "Examples:\n  eipctl associate eip-bp1xyz --instance i-bp1abc --wait\n  eipctl associate eip-bp1xyz --nic eni-bp1def --private-ip 10.0.0.8\n  eipctl associate eip-bp1xyz --private-ip 10.0.0.8\n  eipctl associate eip-bp1xyz --havip havip-bp1abc"
    )]
    Associate(AssociateArgs),
    /// Unbind an address from whatever it is bound to.
    #[command(after_help = "Example: eipctl disassociate eip-bp1xyz --wait")]
    Disassociate {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// Block until the address is unbound.
        #[arg(long)]
        wait: bool,
        /// Unbind only if it is bound to this target (fenced); a conflict otherwise. A target is
        /// an instance id, or KIND:ID with KIND nic, havip, nat or lb (nic:ID@IP for one private
        /// address of a NIC), or ip:ADDRESS for whatever NIC holds a private address.
        #[arg(long, value_name = "TARGET", value_parser = text())]
        from: Option<String>,
    },
    /// Change an address's name, description or bandwidth.
    #[command(after_help = "Example: eipctl modify eip-bp1xyz --bandwidth 50 --name web-1b")]
    Modify(ModifyArgs),
    /// Release an address (it must be unbound).
    #[command(after_help = "Example: eipctl release eip-bp1xyz --wait")]
    Release {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// Block until the address is gone.
        #[arg(long)]
        wait: bool,
    },
    /// Move an address from one target to another, only if it is bound to the first (fenced).
    #[command(
        name = "move",
        after_help = "Examples:\n  eipctl move eip-bp1xyz --from i-primary --to i-standby\n  eipctl move eip-bp1xyz --from nic:eni-a --to nic:eni-b@10.0.0.8\n  eipctl move eip-bp1xyz --from havip:havip-1 --to nat:ngw-2\n\nTargets: an instance id, nic:ID, nic:ID@PRIVATE_IP, ip:PRIVATE_IP, havip:ID, nat:ID, lb:ID."
    )]
    Move {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The target it must be bound to now (an instance id, or KIND:ID; see below).
        #[arg(long, value_name = "TARGET", value_parser = text())]
        from: String,
        /// The target to bind it to.
        #[arg(long, value_name = "TARGET", value_parser = text())]
        to: String,
        /// Give up after this many seconds (at most a week).
        #[arg(
            long,
            default_value_t = 300,
            value_name = "SECONDS",
            allow_negative_numbers = true
        )]
        timeout: u64,
    },
    /// Claim an address for an instance: a compare-and-swap on its binding. Bound there already:
    /// nothing is sent; not as expected: a conflict; otherwise the holder is unbound (fenced on
    /// it) and the address bound to the instance.
    #[command(
        after_help = "Examples:\n  eipctl claim eip-bp1xyz --to i-standby --expect any\n  eipctl claim eip-bp1xyz --to i-standby --expect i-primary"
    )]
    Claim {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The instance to bind it to (`self`: this machine, from the instance metadata service).
        #[arg(long, value_name = "INSTANCE", value_parser = text())]
        to: String,
        /// What it must be bound to now: any (whoever holds it, or free), unbound, or an
        /// instance id.
        #[arg(long, value_name = "EXPECT", value_parser = text())]
        expect: String,
        /// Give up after this many seconds, waits and retries included (at most a week).
        #[arg(
            long,
            default_value_t = 300,
            value_name = "SECONDS",
            allow_negative_numbers = true
        )]
        timeout: u64,
    },
    /// The regions the provider's cloud offers (its documented table, refreshed from the cloud
    /// where it has an API for it).
    #[command(after_help = "Example: eipctl --provider alibaba://cn-hangzhou regions")]
    Regions,
    /// Turn deletion protection on or off: a protected address is not released (nor swept)
    /// until it is turned off.
    #[command(
        name = "deletion-protection",
        after_help = "Example: eipctl deletion-protection eip-bp1xyz on"
    )]
    DeletionProtection {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// on or off.
        #[arg(value_enum)]
        state: Switch,
    },
    /// Add and remove tags.
    #[command(
        after_help = "Example: eipctl tag eip-bp1xyz --add owner=web --add env=prod --remove stale"
    )]
    Tag(TagArgs),
    /// Shared bandwidth membership: join one, or leave it for a dedicated bandwidth.
    #[command(
        subcommand,
        after_help = "Examples:\n  eipctl bandwidth join eip-bp1xyz --bandwidth-id cbwp-bp1abc\n  eipctl bandwidth leave eip-bp1xyz --bandwidth 5 --charge-mode traffic"
    )]
    Bandwidth(BandwidthCommand),
    /// Resource groups (Alibaba) / enterprise projects (Huawei).
    #[command(
        name = "resource-group",
        subcommand,
        after_help = "Example: eipctl resource-group move eip-bp1xyz --to rg-acfm2xyz"
    )]
    ResourceGroup(ResourceGroupCommand),
    /// Release the unbound addresses a filter selects (leaks). Without --yes, only prints what
    /// it would release. Bound, binding and deletion-protected addresses are never released;
    /// each candidate is read again just before its release and left if it got bound.
    #[command(
        after_help = "Examples:\n  eipctl sweep --tag owner=ci --older-than 2d\n  eipctl sweep --name-prefix test- --yes\n\nExit status: 0, or the code of the first failed release (the others are still tried)."
    )]
    Sweep(SweepArgs),
    /// Show an address's state; with --bound-to, the exit status says whether it is bound to
    /// that instance (0) or not (8, or 7 with --exit-codes ocf).
    #[command(
        after_help = "Example: eipctl --exit-codes ocf status eip-bp1xyz --bound-to i-node1"
    )]
    Status {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The instance it should be bound to.
        #[arg(long, value_name = "INSTANCE", value_parser = text())]
        bound_to: Option<String>,
    },
    /// Wait until an address reaches a state (or is gone).
    #[command(after_help = "Example: eipctl wait eip-bp1xyz --until bound --timeout 60")]
    Wait {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// available, bound, associating, unassociating, creating, releasing, updating, failed, locked, or gone.
        #[arg(long, value_name = "STATUS", value_parser = text())]
        until: String,
        /// Give up after this many seconds (at most a week).
        #[arg(
            long,
            default_value_t = 300,
            value_name = "SECONDS",
            allow_negative_numbers = true
        )]
        timeout: u64,
    },
}

/// `list` filters.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this state (available, bound, associating, ...).
    #[arg(long, value_parser = text())]
    pub status: Option<String>,
    /// Only addresses bound to this instance.
    #[arg(long, value_parser = text())]
    pub instance: Option<String>,
    /// Only this name.
    #[arg(long, value_parser = text())]
    pub name: Option<String>,
    /// Only this public address.
    #[arg(long)]
    pub address: Option<IpAddr>,
    /// Only addresses with this tag (KEY=VALUE; repeat for several, all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = text())]
    pub tags: Vec<String>,
    /// Only this resource group (Alibaba) / enterprise project (Huawei).
    #[arg(long, visible_alias = "enterprise-project", value_name = "ID", value_parser = text())]
    pub resource_group: Option<String>,
    /// List these regions of the provider together (comma-separated, or `all` for every region
    /// `eipctl regions` prints), each region's addresses printed as it answers; a region that
    /// fails is reported on stderr and the others are still listed (exit status: the first
    /// failure's).
    #[arg(long, value_name = "REGION,...", value_delimiter = ',', value_parser = text())]
    pub region: Vec<String>,
}

/// `allocate` options.
#[derive(Debug, Args)]
pub struct AllocateArgs {
    /// Bandwidth in Mbit/s.
    #[arg(long, value_name = "MBPS", allow_negative_numbers = true)]
    pub bandwidth: Option<u32>,
    /// A name.
    #[arg(long, value_parser = text())]
    pub name: Option<String>,
    /// A description.
    #[arg(long, value_parser = text())]
    pub description: Option<String>,
    /// Billing: bandwidth or traffic. Without it, both clouds bill by bandwidth: hourly for the
    /// bandwidth reserved, even when no traffic flows.
    #[arg(long, value_name = "MODE", value_parser = text())]
    pub charge_mode: Option<String>,
    /// A key that makes the allocation happen at most once, however often the command is rerun.
    #[arg(long, value_name = "KEY", value_parser = text())]
    pub idempotency_key: Option<String>,
    /// A tag (KEY=VALUE; repeat for several).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = text())]
    pub tags: Vec<String>,
    /// The line / ISP / address type (Alibaba BGP, BGP_PRO...; Huawei 5_bgp, 5_sbgp...).
    #[arg(long, value_parser = text())]
    pub line: Option<String>,
    /// Join this shared bandwidth (Alibaba common bandwidth package, Huawei shared bandwidth).
    #[arg(long, value_name = "ID", value_parser = text())]
    pub shared_bandwidth: Option<String>,
    /// An IPv6 address instead of IPv4.
    #[arg(long)]
    pub ipv6: bool,
    /// Put it in this resource group (Alibaba) / enterprise project (Huawei).
    #[arg(long, visible_alias = "enterprise-project", value_name = "ID", value_parser = text())]
    pub resource_group: Option<String>,
    /// Ask for this exact public address (to get one back after an accidental release).
    #[arg(long, value_name = "IP")]
    pub address: Option<IpAddr>,
    /// Take the address from this address pool (Alibaba).
    #[arg(long, value_name = "ID", value_parser = text())]
    pub address_pool: Option<String>,
    /// Turn deletion protection on (Alibaba): release is refused until it is turned off.
    #[arg(long)]
    pub deletion_protection: bool,
    /// Block until the address is usable.
    #[arg(long)]
    pub wait: bool,
}

/// `associate` options.
#[derive(Debug, Args)]
#[command(group(
    // At least one; which combinations make one target (--nic with --private-ip) is checked
    // when the target is built, naming `target`.
    clap::ArgGroup::new("target")
        .required(true)
        .multiple(true)
        .args(["instance", "nic", "havip", "nat_gateway", "load_balancer", "private_ip"])
))]
pub struct AssociateArgs {
    /// The address's id.
    #[arg(value_parser = text())]
    pub id: String,
    /// Bind to this instance (its primary network interface).
    #[arg(long, value_parser = text())]
    pub instance: Option<String>,
    /// Bind to this network interface.
    #[arg(long, value_parser = text())]
    pub nic: Option<String>,
    /// With --nic: the private address on the interface. Alone: bind to whatever network
    /// interface holds this private address.
    #[arg(long, value_name = "IP")]
    pub private_ip: Option<IpAddr>,
    /// Bind to this highly-available virtual IP.
    #[arg(long, value_name = "ID", value_parser = text())]
    pub havip: Option<String>,
    /// Bind to this NAT gateway.
    #[arg(long, value_name = "ID", value_parser = text())]
    pub nat_gateway: Option<String>,
    /// Bind to this load balancer.
    #[arg(long, value_name = "ID", value_parser = text())]
    pub load_balancer: Option<String>,
    /// Block until the address is bound.
    #[arg(long)]
    pub wait: bool,
}

/// `modify` options.
#[derive(Debug, Args)]
pub struct ModifyArgs {
    /// The address's id.
    #[arg(value_parser = text())]
    pub id: String,
    /// A new name.
    #[arg(long, value_parser = text())]
    pub name: Option<String>,
    /// A new description.
    #[arg(long, value_parser = text())]
    pub description: Option<String>,
    /// A new bandwidth in Mbit/s.
    #[arg(long, value_name = "MBPS", allow_negative_numbers = true)]
    pub bandwidth: Option<u32>,
    /// Block until the change has settled.
    #[arg(long)]
    pub wait: bool,
}

/// `tag` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["add", "remove"])))]
pub struct TagArgs {
    /// The address's id.
    #[arg(value_parser = text())]
    pub id: String,
    /// Set a tag (KEY=VALUE; repeat for several). An existing key gets the new value.
    #[arg(long, value_name = "KEY=VALUE", value_parser = text())]
    pub add: Vec<String>,
    /// Remove a tag key (repeat for several); a key the address lacks is not an error.
    #[arg(long, value_name = "KEY", value_parser = text())]
    pub remove: Vec<String>,
}

/// `bandwidth` subcommands.
#[derive(Debug, Subcommand)]
pub enum BandwidthCommand {
    /// Add the address to a shared bandwidth (it gives up its own).
    #[command(after_help = "Example: eipctl bandwidth join eip-bp1xyz --bandwidth-id cbwp-bp1abc")]
    Join {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The shared bandwidth (Alibaba common bandwidth package, Huawei shared bandwidth).
        #[arg(long, value_name = "ID", value_parser = text())]
        bandwidth_id: String,
    },
    /// Take the address out of its shared bandwidth, with a dedicated bandwidth of its own.
    #[command(after_help = "Example: eipctl bandwidth leave eip-bp1xyz --bandwidth 5")]
    Leave {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The dedicated bandwidth it gets back, in Mbit/s.
        #[arg(long, value_name = "MBPS", allow_negative_numbers = true)]
        bandwidth: u32,
        /// Its billing: bandwidth or traffic (the provider's default without it).
        #[arg(long, value_name = "MODE", value_parser = text())]
        charge_mode: Option<String>,
    },
}

/// `resource-group` subcommands.
#[derive(Debug, Subcommand)]
pub enum ResourceGroupCommand {
    /// Move the address to another resource group / enterprise project.
    #[command(after_help = "Example: eipctl resource-group move eip-bp1xyz --to rg-acfm2xyz")]
    Move {
        /// The address's id.
        #[arg(value_parser = text())]
        id: String,
        /// The resource group / enterprise project to move it to.
        #[arg(long, value_name = "ID", value_parser = text())]
        to: String,
    },
}

/// `sweep` filters.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Only addresses with this tag (KEY=VALUE; repeat for several, all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = text())]
    pub tags: Vec<String>,
    /// Only addresses whose name starts with this.
    #[arg(long, value_name = "PREFIX", value_parser = text())]
    pub name_prefix: Option<String>,
    /// Only addresses allocated longer ago than this (30m, 12h, 7d, 2w; seconds without a
    /// unit). Addresses whose cloud does not say when they were allocated are skipped.
    #[arg(long, value_name = "AGE", value_parser = text())]
    pub older_than: Option<String>,
    /// Only this resource group (Alibaba) / enterprise project (Huawei).
    #[arg(long, visible_alias = "enterprise-project", value_name = "ID", value_parser = text())]
    pub resource_group: Option<String>,
    /// Release them. Without it, nothing is released: the sweep prints what it would release.
    #[arg(long)]
    pub yes: bool,
    /// How many addresses are released at once (1 to 32); every request still goes through
    /// the provider's rate limiter.
    #[arg(long, value_name = "N", default_value_t = multicloud_eip::SweepOptions::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}
