//! A failover agent for Elastic IPs: one per machine of an HA group, only the holder of a
//! cluster lease writes, and it keeps the address bound to its machine.
//!
//! - [`coordinator`]: the [`Coordinator`] trait (campaign, keep-alive, resign, observe the
//!   leader), the lease as this process's monotonic clock sees it ([`LeaseClock`]) and the
//!   [`LeaseGuard`] that fences every write of a claim on it;
//! - [`etcd`]: etcd v3 across machines; [`memory`]: the same lease semantics in one process;
//! - [`agent`]: the loop (campaign, claim with `Expect::Any`, re-check every interval, step
//!   down when the health check fails), its status and [`metrics`].
//!
//! # Why etcd's JSON gateway rather than the `etcd-client` crate
//!
//! `etcd-client` is generated from etcd's protobuf files at build time and needs `protoc`, so a
//! fresh machine with only the Rust toolchain could not build the workspace. Every etcd serves
//! the same v3 API as JSON on its client port (`/v3/lease/grant`, `/v3/lease/keepalive`,
//! `/v3/kv/txn`, `/v3/kv/range`; <https://etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/>), and
//! the agent needs only unary calls plus one message of the keep-alive stream, so it speaks that
//! over the reqwest the workspace already uses. Watching is replaced by polling the leader key
//! every interval, which the agent does anyway.
//!
//! # The fence
//!
//! The leader key is created in a transaction comparing its `create_revision` with 0 and is
//! attached to the campaigner's lease; its create revision is the term's fencing token. Before
//! every write of a claim (each retry and each re-send of a lost answer, through
//! `multicloud_eip::Guard`), the agent checks that its lease is still held by its own clock
//! (the last answered keep-alive was sent less than `ttl - margin` ago) and that the key still
//! carries its revision. The cloud cannot check a token itself, so a pause that falls between
//! that check and the send is not covered; the margin bounds the window, and the cloud's
//! conditional unbind and the new leader's re-check undo what such a late write does.
#![deny(missing_docs)]

pub mod agent;
pub mod config;
pub mod coordinator;
pub mod endpoint;
pub mod etcd;
pub mod memory;
pub mod metrics;

pub use agent::{Agent, ClaimTimes, Role, Settings, Status};
pub use coordinator::{
    Campaign, Candidate, Coordinator, CoordinatorError, Leader, LeaseClock, LeaseGuard, Term,
};
pub use etcd::Etcd;
pub use memory::InProcess;
pub use metrics::Metrics;
