//! Alibaba Cloud Elastic IPs behind [`eip_core::EipProvider`].
//!
//! The VPC RPC API (version 2016-04-28): `AllocateEipAddress`, `AssociateEipAddress`,
//! `UnassociateEipAddress`, `DescribeEipAddresses`, `ModifyEipAddressAttribute` and
//! `ReleaseEipAddress`, signed with HMAC-SHA1 (the default) or ACS3-HMAC-SHA256, retried with the
//! shared loop of `eip_core`, with a ClientToken on every write that takes one.
//!
//! ```no_run
//! use eip_alibaba::{AccessKey, AlibabaProvider};
//! use eip_core::{AllocateRequest, AssociateTarget, EipProvider, EipProviderExt, WaitPolicy};
//!
//! # async fn example() -> eip_core::Result<()> {
//! let provider = AlibabaProvider::builder()
//!     .with_region("cn-hangzhou")
//!     .with_credentials(AccessKey::new("LTAI-example", "secret"))
//!     .build()?;
//! let eip = provider.allocate(&AllocateRequest::new().bandwidth(5).name("web")).await?;
//! let vm = AssociateTarget::instance("i-bp1example");
//! provider.associate(&eip.id, &vm).await?;
//! provider.wait_until_bound_to(&eip.id, &vm, &WaitPolicy::default()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Configuration from the environment and `~/.aliyun/config.json`: [`AlibabaBuilder::from_env`].
//! The status, lock and target mappings: [`mapping`].
#![deny(missing_docs)]

mod builder;
mod chain;
mod client;
mod credential;
mod error;
pub mod mapping;
pub mod metadata;
mod rpc;
pub mod signer;
mod sts;
pub mod wire;

use eip_core::ProviderKind;

pub use builder::{
    default_endpoint, default_rate_limiter, vpc_endpoint, AlibabaBuilder, EndpointType,
    SignatureVersion, DEFAULT_QUOTA_WINDOW, DEFAULT_REQUESTS_PER_WINDOW, ENDPOINT_MAP,
};
pub use chain::REFRESH_AHEAD;
pub use client::AlibabaProvider;
pub use credential::AccessKey;
/// The credential layer's types, re-exported for [`AlibabaBuilder::with_credential_provider`],
/// [`AlibabaBuilder::from_env_in`] and [`AlibabaBuilder::with_credential_cache`].
pub use eip_http::{
    Credentials, Env, FileCache, ProvideCredentials, RefreshPolicy, RefreshingCredentials,
    StaticCredentials,
};
pub use error::{
    is_throttling, is_transient, AlibabaClassifier, THROTTLING_ERRORS, TRANSIENT_ERRORS,
};
pub use mapping::capabilities;
pub use sts::AssumeRoleParams;

/// This provider's kind: `alibaba`.
pub const KIND: ProviderKind = ProviderKind::new("alibaba");
