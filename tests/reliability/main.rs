//! The guarantees of RELIABILITY.md, measured with the emulator's faults.
//!
//! Every test is bounded in count and time and talks only to an emulator on loopback. Figures
//! (faults injected, retries, leaks) are printed; run with `--nocapture` to see them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod commit_then_drop;
mod move_race;
mod real_gateways;
mod realistic;
mod secrets;
mod soak;
mod tokens;
