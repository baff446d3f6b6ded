//! 5. `eipctl show` against the running in-process emulator: wall time and peak RSS.
//!
//! The peak RSS comes from getrusage(RUSAGE_CHILDREN), whose `ru_maxrss` is the largest
//! resident set of any waited-for descendant. Exact (the kernel tracks the high-water mark) and
//! race-free, unlike sampling /proc/<pid>/status while a 20 ms process runs, but it also counts
//! every other child of the process, such as the `cargo build` that made eipctl. So this runner
//! starts itself again as a probe (`EIP_BENCH_PROBE`) whose only children are the eipctl runs,
//! and reads the probe's figures from its stdout. The emulator keeps serving in the parent.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use multicloud_eip::sim::{Cloud, SimBuilder};

use crate::report::{self, median, time, Report, Verdict};
use crate::setup;
use crate::BenchResult;

/// Set (to the eipctl path) when this process is the probe.
const PROBE_ENV: &str = "EIP_BENCH_PROBE";
const PROBE_SPEC: &str = "EIP_BENCH_PROBE_SPEC";
const PROBE_ID: &str = "EIP_BENCH_PROBE_ID";
const PROBE_RUNS: &str = "EIP_BENCH_PROBE_RUNS";
/// Measured runs; one more runs first, unmeasured (page cache, first connection).
const RUNS: usize = 20;
const WALL_GOAL: Duration = Duration::from_millis(20);
const RSS_GOAL_KIB: u64 = 20 * 1024;

/// Builds `eipctl` in release mode (a no-op when it is up to date) and returns its path, as
/// cargo reports it (so `CARGO_TARGET_DIR` and `build.target-dir` are respected).
pub fn build_eipctl() -> BenchResult<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("building eipctl (cargo build --release -p eipctl)...");
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "eipctl",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("cargo build failed: {}", output.status).into());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == "eipctl"
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo reported no eipctl executable".into())
}

/// Whether this process was started as the probe.
pub fn is_probe() -> bool {
    std::env::var_os(PROBE_ENV).is_some()
}

/// The probe: runs eipctl `show` the requested number of times (plus one unmeasured), checks
/// each printed the address, and prints `{"wall_us":[...],"max_rss_kib":N}`. Returns the exit
/// code.
pub fn probe() -> i32 {
    match probe_runs() {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            eprintln!("probe: {e}");
            1
        }
    }
}

fn probe_runs() -> BenchResult<serde_json::Value> {
    let exe = PathBuf::from(std::env::var_os(PROBE_ENV).ok_or("no eipctl path")?);
    let spec = std::env::var(PROBE_SPEC)?;
    let id = std::env::var(PROBE_ID)?;
    let runs: usize = std::env::var(PROBE_RUNS)?.parse()?;
    let mut walls = Vec::with_capacity(runs);
    for run in 0..=runs {
        let started = Instant::now();
        let output = Command::new(&exe)
            .args(["--provider", &spec, "show", &id])
            .env_remove("EIP_PROVIDER")
            .env_remove("EIPCTL_LOG")
            .stdin(Stdio::null())
            .output()?;
        let wall = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || !stdout.contains(&id) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("eipctl show failed ({}): {stdout}{stderr}", output.status).into());
        }
        if run > 0 {
            walls.push(wall.as_micros() as u64);
        }
    }
    Ok(serde_json::json!({ "wall_us": walls, "max_rss_kib": children_max_rss_kib() }))
}

/// The largest resident set of any waited-for child, in KiB (Linux reports `ru_maxrss` in KiB).
#[cfg(unix)]
fn children_max_rss_kib() -> Option<u64> {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
    u64::try_from(usage.max_rss()).ok()
}

#[cfg(not(unix))]
fn children_max_rss_kib() -> Option<u64> {
    None
}

/// Starts the probe against `endpoint` and waits for its figures.
fn run_probe(
    eipctl: &Path,
    endpoint: &str,
    key: (&str, &str),
    id: &str,
) -> BenchResult<serde_json::Value> {
    let output = Command::new(std::env::current_exe()?)
        .env(PROBE_ENV, eipctl)
        .env(
            PROBE_SPEC,
            format!("alibaba://cn-hangzhou?endpoint={endpoint}"),
        )
        .env(PROBE_ID, id)
        .env(PROBE_RUNS, RUNS.to_string())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", key.0)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", key.1)
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("the eipctl probe failed: {}", output.status).into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

pub async fn run(report: &mut Report, eipctl: &Path) -> BenchResult<()> {
    report::section("5. eipctl show against the running emulator (a new process each time)");
    let sim = SimBuilder::new().start().await?;
    let id = setup::seed(&sim, Cloud::Alibaba, 1)?.remove(0);
    let info = sim.alibaba().clone();
    let eipctl = eipctl.to_owned();
    // The probe blocks; the emulator goes on serving on the runtime's workers.
    let figures = tokio::task::spawn_blocking(move || {
        run_probe(
            &eipctl,
            &info.endpoint,
            (&info.access_key_id, &info.access_key_secret),
            &id,
        )
    })
    .await??;
    let walls: Vec<Duration> = figures["wall_us"]
        .as_array()
        .ok_or("no wall times from the probe")?
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .map(Duration::from_micros)
        .collect();
    let wall = median(&walls);
    report.add(
        format!("eipctl show, wall time (median of {})", walls.len()),
        time(wall),
        format!("≤ {}", time(WALL_GOAL)),
        Verdict::of(wall <= WALL_GOAL),
    );
    match figures["max_rss_kib"].as_u64() {
        Some(kib) => report.add(
            "eipctl show, peak RSS (getrusage children ru_maxrss)",
            format!("{:.1} MiB", kib as f64 / 1024.0),
            "≤ 20 MiB",
            Verdict::of(kib <= RSS_GOAL_KIB),
        ),
        None => report.info("eipctl show, peak RSS", "unavailable on this OS"),
    }
    Ok(())
}
