//! The cloud-neutral core of `multicloud-eip`.
//!
//! This crate holds what every Elastic IP provider shares, so that waiting, paginating, retrying and
//! moving an address are written once:
//!
//! - [`EipProvider`]: the small, object-safe trait a cloud plugs into, and [`EipProviderExt`], the
//!   operations built on top of it (list everything as a stream, wait for a state, move an address
//!   between targets with a fence);
//! - [`fleet`]: many regions at once ([`list_all`]) and the leak [`sweep`];
//! - the normalized model: [`Eip`], its typed [`EipStatus`] (the raw status kept beside it) and its
//!   [`Binding`];
//! - the request types, with client-side validation against the provider's [`Capabilities`];
//! - one [`Error`] type of semantic kinds, each carrying the cloud's code, message and request id;
//! - [`RetryPolicy`] and the one retry loop ([`retry::run`]), [`WaitPolicy`] and the waiters, and
//!   [`Secret`] for every credential.
//!
//! Nothing here knows which cloud it talks to, and nothing here speaks HTTP.
#![deny(missing_docs)]

pub mod allocation;
pub mod error;
pub mod fleet;
pub mod limit;
pub mod model;
pub mod moving;
pub mod paginate;
pub mod provider;
pub mod request;
pub mod retry;
pub mod secret;
pub mod validate;
pub mod wait;

pub use error::{Error, ErrorStatus, Result, ServiceError};
pub use fleet::{
    list_all, list_all_with, sweep, sweep_with, RegionItem, SkipReason, Skipped, SweepFailure,
    SweepFilter, SweepMode, SweepOptions, SweepReport,
};
pub use limit::RateLimiter;
pub use model::{
    BandwidthKind, Binding, ChargeMode, Eip, EipStatus, IpVersion, ProviderKind, Region, TargetKind,
};
pub use moving::{ClaimAction, ClaimReport, Expect, Guard, MoveOptions, MoveReport};
pub use paginate::ListOptions;
pub use provider::{Capabilities, EipProvider, EipProviderExt};
pub use request::{
    AllocateRequest, AssociateTarget, DedicatedBandwidth, ListFilter, Modification, Page,
    PageRequest, PageToken, TagChange,
};
pub use retry::{
    Attempt, Call, RetryAction, RetryClassifier, RetryPolicy, SettlePolicy, Settled, Timeouts,
};
pub use secret::Secret;
pub use validate::{Charset, TagRule, TextRule};
pub use wait::{TransitionKind, Transitions, WaitPolicy};
