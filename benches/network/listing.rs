//! 2. Listing 10,000 EIPs with 20 ms of injected latency on every request: Alibaba with pages
//!    fetched in parallel (the default options, and wider) and one page at a time, Huawei with
//!    pages of 2,000 (marker pages cannot be fetched in parallel).
//!
//! Besides the wall time, each line shows the latency floor (the first page alone, then
//! ceil(remaining pages / concurrency) rounds of 20 ms) and the emulator's own time answering
//! (its request log, injected latency excluded), since the emulator and the client share this
//! machine's cores.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use multicloud_eip::alibaba::SignatureVersion;
use multicloud_eip::sim::{Cloud, FaultKind, FaultRule, Sim, SimBuilder, Trigger};
use multicloud_eip::{EipProvider, EipProviderExt, ListFilter, ListOptions};

use crate::report::{self, median, time, Report, Verdict};
use crate::setup::{self, HuaweiAuth};
use crate::BenchResult;

const EIPS: usize = 10_000;
const LATENCY: Duration = Duration::from_millis(20);
/// Runs per configuration; the median is reported.
const RUNS: usize = 3;
const ALIBABA_GOAL: Duration = Duration::from_millis(250);

/// One configuration's figures: the median wall time and, of the last run, the requests made
/// and the emulator's time answering them.
struct Listing {
    wall: Duration,
    requests: usize,
    emulator_busy: Duration,
}

impl Listing {
    fn describe(&self, floor: Duration) -> String {
        format!(
            "{} ({} req, floor {}, emulator busy Σ {})",
            time(self.wall),
            self.requests,
            time(floor),
            time(self.emulator_busy)
        )
    }
}

/// Lists everything `RUNS` times; `latency` is what the emulator injects per request.
async fn list_all<P: EipProvider + ?Sized>(
    sim: &Sim,
    provider: &P,
    options: ListOptions,
    latency: Duration,
) -> BenchResult<Listing> {
    let mut walls = Vec::with_capacity(RUNS);
    let mut last = Vec::new();
    for _ in 0..RUNS {
        sim.clear_requests();
        let started = Instant::now();
        let eips: Vec<_> = provider
            .list(&ListFilter::new(), options)
            .try_collect()
            .await?;
        walls.push(started.elapsed());
        if eips.len() != EIPS {
            return Err(format!("listed {} EIPs, expected {EIPS}", eips.len()).into());
        }
        last = sim.requests();
    }
    // The log has millisecond resolution; summed over the requests it is close enough.
    let answered: u64 = last.iter().map(|r| r.duration_ms).sum();
    let injected = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX) * last.len() as u64;
    Ok(Listing {
        wall: median(&walls),
        requests: last.len(),
        emulator_busy: Duration::from_millis(answered.saturating_sub(injected)),
    })
}

/// The least possible wall time: the first page alone, then ceil(remaining pages /
/// concurrency) rounds, each one latency long.
fn floor(pages: usize, concurrency: usize) -> Duration {
    let rounds = 1 + pages.saturating_sub(1).div_ceil(concurrency.max(1));
    LATENCY * u32::try_from(rounds).unwrap_or(u32::MAX)
}

/// 20 ms on every request of both clouds.
fn add_latency(sim: &Sim) {
    for cloud in [Cloud::Alibaba, Cloud::Huawei] {
        let latency = FaultKind::Latency {
            fixed: LATENCY,
            jitter: Duration::ZERO,
        };
        sim.faults()
            .add(FaultRule::new(latency, Trigger::Probability(1.0)).cloud(cloud));
    }
}

pub async fn run(report: &mut Report) -> BenchResult<()> {
    report::section("2. listing 10,000 EIPs, 20 ms injected latency per request");
    let sim = SimBuilder::new().start().await?;
    let client = setup::http_client()?;
    setup::seed(&sim, Cloud::Alibaba, EIPS)?;
    let huawei_ids = setup::seed(&sim, Cloud::Huawei, EIPS)?;

    let alibaba = setup::alibaba(&sim, SignatureVersion::V1, &client)?;
    let pages = EIPS.div_ceil(alibaba.capabilities().max_page_size as usize);
    let default = ListOptions::default();
    // The same listing without injected latency: what the CPU work alone costs.
    let unloaded = list_all(&sim, &alibaba, default, Duration::ZERO).await?;
    report.info(
        "alibaba, default options, NO injected latency",
        unloaded.describe(Duration::ZERO),
    );

    add_latency(&sim);
    for (label, options) in [
        (
            format!(
                "alibaba, default options (concurrency {})",
                default.concurrency
            ),
            default,
        ),
        (
            "alibaba, concurrency 16".to_owned(),
            default.concurrency(16),
        ),
        (
            "alibaba, concurrency 32".to_owned(),
            default.concurrency(32),
        ),
        (
            "alibaba, one page at a time (concurrency 1)".to_owned(),
            default.concurrency(1),
        ),
    ] {
        let listing = list_all(&sim, &alibaba, options, LATENCY).await?;
        let value = listing.describe(floor(pages, options.concurrency));
        if options == default {
            let met = Verdict::of(listing.wall <= ALIBABA_GOAL);
            report.add(label, value, format!("≤ {}", time(ALIBABA_GOAL)), met);
        } else {
            report.info(label, value);
        }
    }

    let huawei = setup::huawei(&sim, HuaweiAuth::Token, &client)?;
    // The IAM token is fetched here, outside the timing.
    huawei
        .get(huawei_ids.first().ok_or("no Huawei EIP")?)
        .await?;
    let listing = list_all(&sim, &huawei, ListOptions::default(), LATENCY).await?;
    // Marker pages: one after the other, and a full last page needs one more (empty) request.
    let floor = LATENCY * u32::try_from(listing.requests).unwrap_or(u32::MAX);
    report.info(
        "huawei, limit 2,000 (marker pages, sequential)",
        listing.describe(floor),
    );
    Ok(())
}
