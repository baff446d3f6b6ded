//! Test support for multicloud-eip, shared by every test suite of the workspace (dev-only:
//! `publish = false`, never a dependency of a library).
//!
//! | module | what |
//! |---|---|
//! | [`emulator`] | an in-process `eip-sim` and providers of either cloud wired to it ([`alibaba`], [`huawei`], [`provider`]), request-log views ([`count`], [`requests`]), seeding |
//! | [`policies`] | the ONE set of fast retry / wait / timeout policies ([`fast_retry`], [`fast_wait`], [`fast_timeouts`]) |
//! | [`hostile`] | raw HTTP servers: one that answers byte for byte what a test says (truncated bodies, closed connections, odd statuses), one driven by a handler, and a misbehaving gateway in front of the emulator |
//! | [`fuzz`] | proptest strategies for hostile JSON answers, built from a cloud's [`fuzz::Vocabulary`] |
//! | [`conformance`] | the conformance suite as a public module: cases any [`eip_core::EipProvider`] runs, and [`conformance_suite!`] |
//!
//! ```no_run
//! use eip_core::EipProviderExt;
//! use eip_testkit::{Auth, Cloud};
//!
//! # async fn demo() {
//! let sim = eip_testkit::sim().await;
//! let provider = eip_testkit::provider(&sim, Cloud::Huawei, Auth::Default);
//! let eip = provider.allocate(&eip_core::AllocateRequest::new()).await.unwrap();
//! provider.wait_until_available(&eip.id, &eip_testkit::fast_wait()).await.unwrap();
//! assert_eq!(eip_testkit::inventory(&sim, Cloud::Huawei), vec![eip.id]);
//! # }
//! ```
//!
//! A provider crate may use the testkit from its integration tests (`tests/*.rs`) although the
//! testkit depends on it: Cargo allows that dev-dependency cycle, and both then link the same
//! library. Unit tests inside `src/` cannot (they compile a second copy of the crate).

#![deny(missing_docs)]

pub mod conformance;
pub mod emulator;
pub mod fuzz;
pub mod hostile;
pub mod logs;
pub mod policies;

pub use emulator::{
    action, actions, alibaba, alibaba_builder, alibaba_key, alibaba_with, available, count,
    grow_alibaba, grow_huawei, huawei, huawei_builder, huawei_key, huawei_looking_up_project,
    huawei_password, huawei_sim, huawei_with, instances, inventory, provider, provider_with,
    requests, seed, sim, sim_builder, sim_with, sim_with_instances, start, Auth, Cloud, AUTHS,
    CLOUDS,
};
pub use policies::{fast_retry, fast_settle, fast_timeouts, fast_wait, SETTLE_WINDOW, TRANSITION};
