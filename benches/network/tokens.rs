//! 4. 1,000 concurrent `get`s on a cold Huawei provider with password (IAM token) auth: how many
//!    IAM requests they cost (the token cache is single-flight, so one) and how long they take,
//!    then the same 1,000 on the now-warm provider for comparison.

use std::time::{Duration, Instant};

use futures::future::join_all;
use multicloud_eip::huawei::HuaweiProvider;
use multicloud_eip::sim::{Cloud, Sim, SimBuilder};
use multicloud_eip::EipProvider;

use crate::report::{self, time, Report, Verdict};
use crate::setup::{self, HuaweiAuth};
use crate::BenchResult;

const CALLS: usize = 1_000;

/// `CALLS` concurrent gets; fails unless every one returned the address.
async fn burst(provider: &HuaweiProvider, id: &str) -> BenchResult<Duration> {
    let started = Instant::now();
    let results = join_all((0..CALLS).map(|_| provider.get(id))).await;
    let wall = started.elapsed();
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(first) = failed.first() {
        return Err(format!("{} of {CALLS} gets failed, first: {first}", failed.len()).into());
    }
    Ok(wall)
}

fn token_requests(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.cloud == Cloud::Huawei && r.action == "KeystoneCreateToken")
        .count()
}

pub async fn run(report: &mut Report) -> BenchResult<()> {
    report::section("4. 1,000 concurrent gets on a cold Huawei provider (IAM token auth)");
    let sim = SimBuilder::new().start().await?;
    let id = setup::seed(&sim, Cloud::Huawei, 1)?.remove(0);
    let provider = setup::huawei(&sim, HuaweiAuth::Token, &setup::http_client()?)?;
    sim.clear_requests();

    let cold = burst(&provider, &id).await?;
    let emulator_count = token_requests(&sim);
    let provider_count = provider.iam_requests();
    report.add(
        "KeystoneCreateToken requests seen by the emulator",
        emulator_count.to_string(),
        "= 1",
        Verdict::of(emulator_count == 1),
    );
    report.add(
        "HuaweiProvider::iam_requests()",
        provider_count.to_string(),
        "= 1",
        Verdict::of(provider_count == 1),
    );
    report.info(
        format!("{CALLS} concurrent gets, cold (token fetched once)"),
        time(cold),
    );
    let warm = burst(&provider, &id).await?;
    report.info(
        format!("{CALLS} concurrent gets, warm (same provider)"),
        time(warm),
    );
    Ok(())
}
