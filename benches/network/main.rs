//! The network benchmark: `cargo bench --bench network`.
//!
//! Measures the library against the in-process emulator (loopback HTTP), each figure as a ratio
//! or a count taken in the same run, and prints a table (BENCHMARKS.md explains every line):
//!
//! 1. per-call overhead: `get` through each provider vs the same request from a bare reqwest
//!    client ([`overhead`]);
//! 2. listing 10,000 EIPs with 20 ms of latency per request ([`listing`]);
//! 3. a failover move vs Terraform-style fixed polling ([`failover`]);
//! 4. 1,000 concurrent calls on a cold Huawei token cache ([`tokens`]);
//! 5. one `eipctl show`: wall time and peak RSS ([`cli`]).
//!
//! Run one or more sections only by naming them: `cargo bench --bench network -- overhead listing`
//! (`overhead`, `listing`, `failover`, `tokens`, `cli`).
//!
//! Figures are reported, never asserted: a slow machine prints slow numbers, it does not fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod failover;
mod listing;
mod overhead;
mod report;
mod setup;
mod tokens;

use report::Report;

/// Any failure of the runner itself (the emulator, a call that should have worked).
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() {
    // The runner starts itself again to run eipctl, so that getrusage(RUSAGE_CHILDREN) sees
    // only eipctl processes (see `cli`).
    if cli::is_probe() {
        std::process::exit(cli::probe());
    }
    println!("multicloud-eip network benchmark");
    print!("{}", setup::machine());
    let selected = Sections::from_args();
    let eipctl = if selected.wants("cli") {
        match cli::build_eipctl() {
            Ok(path) => Some(path),
            Err(e) => {
                eprintln!("cannot build eipctl: {e}");
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut report = Report::default();
    let outcome: BenchResult<()> = runtime.block_on(async {
        if selected.wants("overhead") {
            overhead::run(&mut report).await?;
        }
        if selected.wants("listing") {
            listing::run(&mut report).await?;
        }
        if selected.wants("failover") {
            failover::run(&mut report).await?;
        }
        if selected.wants("tokens") {
            tokens::run(&mut report).await?;
        }
        if let Some(eipctl) = &eipctl {
            cli::run(&mut report, eipctl).await?;
        }
        Ok(())
    });
    report.print();
    if let Err(e) = outcome {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

/// The sections named on the command line (`cargo bench --bench network -- listing tokens`);
/// all of them when none is named. Flags such as cargo's `--bench` are ignored.
struct Sections(Vec<String>);

impl Sections {
    fn from_args() -> Self {
        Self(
            std::env::args()
                .skip(1)
                .filter(|arg| !arg.starts_with('-'))
                .collect(),
        )
    }

    fn wants(&self, section: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|name| name == section)
    }
}
