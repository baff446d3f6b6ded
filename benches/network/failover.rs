//! 3. Failover: move an EIP between two instances on an emulator whose transitions take a known
//!    time, with `move_to` and with Terraform-style fixed polling.
//!
//! The move has two asynchronous phases (unbind, bind), so the least possible wall time is twice
//! the transition delay plus the round trips of the requests themselves. Terraform's EIP waiters
//! first wait 5 s, then poll every 3 s (huaweicloud/terraform-provider-huaweicloud,
//! `huaweicloud/services/eip/resource_huaweicloud_vpc_eip.go`: Delay 5 s, MinTimeout 3 s); with
//! 300 ms transitions (a tenth of a realistic 3 s) the same policy scaled by a tenth is a 500 ms
//! first delay and a 300 ms interval. The 5 s section runs the emulator ten times faster, so the
//! same scaled schedule applies.
//!
//! A third line runs the same fenced sequence with `WaitPolicy::default()`'s schedule (first read
//! at 20 ms, then every max(20 ms, 10 % of the time waited)) but sleeping until deadlines computed
//! from the start of each wait, instead of sleeping each interval after a read: the difference to
//! `move_to` is the drift the library's waiter accumulates (see BENCHMARKS.md).

use std::time::{Duration, Instant};

use multicloud_eip::alibaba::SignatureVersion;
use multicloud_eip::sim::{Cloud, Sim, SimBuilder};
use multicloud_eip::{
    AssociateTarget, Eip, EipProvider, EipProviderExt, EipStatus, MoveOptions, WaitPolicy,
};

use crate::report::{self, median, ratio, time, Report, Verdict};
use crate::setup::{self, HuaweiAuth};
use crate::BenchResult;

const TRANSITION: Duration = Duration::from_millis(300);
/// A realistic 5 s transition, run ten times faster (the emulator's time scale), like
/// Terraform's schedule above.
const SLOW_TRANSITION: Duration = Duration::from_secs(5);
const SLOW_SCALE: f64 = 0.1;
/// Moves per method and cloud; the median is reported.
const MOVES: usize = 3;
/// The goal: at most 10 % over the two transitions, plus two round trips.
const GOAL_FACTOR: f64 = 1.10;

/// How the runner's own moves wait.
#[derive(Clone, Copy, Debug)]
enum Schedule {
    /// Terraform's 5 s first delay and 3 s interval, scaled like the transition (÷10).
    Fixed,
    /// `WaitPolicy::default()`'s reads, at deadlines from the start of the wait.
    Deadlines,
}

impl Schedule {
    /// When the read after one at `at` (from the start of the wait) is due.
    fn next(self, at: Duration) -> Duration {
        match self {
            Schedule::Fixed => at + Duration::from_millis(300),
            Schedule::Deadlines => {
                let policy = WaitPolicy::default();
                at + at
                    .mul_f64(policy.growth)
                    .clamp(policy.min_interval, policy.max_interval)
            }
        }
    }

    fn first(self) -> Duration {
        match self {
            Schedule::Fixed => Duration::from_millis(500),
            Schedule::Deadlines => WaitPolicy::default().first_delay,
        }
    }
}

/// Reads on `schedule` until `done` holds (at most 200 reads).
async fn poll<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    schedule: Schedule,
    done: impl Fn(&Eip) -> bool,
) -> BenchResult<()> {
    let started = tokio::time::Instant::now();
    let mut due = schedule.first();
    for _ in 0..200 {
        tokio::time::sleep_until(started + due).await;
        if done(&provider.get(id).await?) {
            return Ok(());
        }
        due = schedule.next(due).max(started.elapsed());
    }
    Err(format!("{id} never reached the expected state").into())
}

/// The same fenced sequence as `move_to`, waited out on `schedule`.
async fn scheduled_move<P: EipProvider + ?Sized>(
    provider: &P,
    id: &str,
    (from, to): (&AssociateTarget, &AssociateTarget),
    schedule: Schedule,
) -> BenchResult<Duration> {
    let started = Instant::now();
    provider.disassociate(id, Some(from)).await?;
    poll(provider, id, schedule, |eip| {
        eip.status == EipStatus::Available
    })
    .await?;
    provider.associate(id, to).await?;
    poll(provider, id, schedule, |eip| eip.is_bound_to(to)).await?;
    Ok(started.elapsed())
}

/// The median wall time of a plain `get` (one round trip, client work included).
async fn round_trip<P: EipProvider + ?Sized>(provider: &P, id: &str) -> BenchResult<Duration> {
    let mut samples = Vec::with_capacity(50);
    for _ in 0..50 {
        let started = Instant::now();
        provider.get(id).await?;
        samples.push(started.elapsed());
    }
    Ok(median(&samples))
}

/// Wall times of each method, moving back and forth between `a` and `b`.
struct Moves {
    /// Requests of each `move_to`; the first is a cold provider's (nothing learned yet).
    library_requests: Vec<usize>,
    fixed_requests: Vec<usize>,
    library: Vec<Duration>,
    fixed: Vec<Duration>,
    deadlines: Vec<Duration>,
}

/// Requests the emulator logged, IAM excluded.
fn vpc_requests(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| !r.action.starts_with("Keystone"))
        .count()
}

async fn moves<P: EipProvider + ?Sized>(
    sim: &Sim,
    provider: &P,
    id: &str,
    a: &AssociateTarget,
    b: &AssociateTarget,
) -> BenchResult<Moves> {
    let mut result = Moves {
        library_requests: Vec::new(),
        fixed_requests: Vec::new(),
        library: Vec::new(),
        fixed: Vec::new(),
        deadlines: Vec::new(),
    };
    let (mut from, mut to) = (a, b);
    for _ in 0..MOVES {
        let (started, before) = (Instant::now(), vpc_requests(sim));
        let moved = provider
            .move_to(id, from, to, &MoveOptions::default())
            .await?;
        result.library.push(started.elapsed());
        result.library_requests.push(vpc_requests(sim) - before);
        if !moved.eip.is_bound_to(to) {
            return Err(format!("move_to did not end bound to {to}").into());
        }
        std::mem::swap(&mut from, &mut to);
        let before = vpc_requests(sim);
        result
            .fixed
            .push(scheduled_move(provider, id, (from, to), Schedule::Fixed).await?);
        result.fixed_requests.push(vpc_requests(sim) - before);
        std::mem::swap(&mut from, &mut to);
        result
            .deadlines
            .push(scheduled_move(provider, id, (from, to), Schedule::Deadlines).await?);
        std::mem::swap(&mut from, &mut to);
    }
    Ok(result)
}

async fn measure<P: EipProvider + ?Sized>(
    report: &mut Report,
    (label, transition, scale): (&str, Duration, f64),
    (sim, provider): (&Sim, &P),
    id: &str,
    (a, b): (AssociateTarget, AssociateTarget),
) -> BenchResult<()> {
    provider.associate(id, &a).await?;
    provider
        .wait_until_bound_to(id, &a, &WaitPolicy::default())
        .await?;
    let rtt = round_trip(provider, id).await?;
    let measured = moves(sim, provider, id, &a, &b).await?;
    let transition = transition.mul_f64(scale);
    let transitions = transition * 2;
    let allowed = transitions.mul_f64(GOAL_FACTOR) + rtt * 2;
    let shown = |wall: Duration| format!("{:.3} ({})", ratio(wall, transitions), time(wall));
    let library = median(&measured.library);
    report.add(
        format!(
            "{label}: move_to ÷ 2×{} (RTT {})",
            time(transition),
            time(rtt)
        ),
        shown(library),
        format!("≤ {:.3} ({})", ratio(allowed, transitions), time(allowed)),
        Verdict::of(library <= allowed),
    );
    report.info(
        format!("{label}: fixed poll 500 ms + 300 ms/read (Terraform ÷10)"),
        shown(median(&measured.fixed)),
    );
    report.info(
        format!("{label}: default schedule at deadlines (no drift)"),
        shown(median(&measured.deadlines)),
    );
    let cold = measured
        .library_requests
        .first()
        .copied()
        .unwrap_or_default();
    let warm = measured
        .library_requests
        .iter()
        .skip(1)
        .copied()
        .max()
        .unwrap_or_default();
    report.add(
        format!("{label}: requests per move_to, cold provider"),
        cold.to_string(),
        "≤ 30".to_owned(),
        Verdict::of(cold <= 30),
    );
    report.add(
        format!("{label}: requests per move_to, warm provider (most of the later moves)"),
        warm.to_string(),
        "≤ 12".to_owned(),
        Verdict::of(warm <= 12),
    );
    report.info(
        format!("{label}: requests per Terraform-style move"),
        format!("{:?}", measured.fixed_requests),
    );
    Ok(())
}

fn targets(sim: &Sim, cloud: Cloud) -> BenchResult<(AssociateTarget, AssociateTarget)> {
    let ids: Vec<String> = match cloud {
        Cloud::Alibaba => sim.alibaba().instances.clone(),
        Cloud::Huawei => sim.huawei().servers.iter().map(|s| s.id.clone()).collect(),
    };
    match ids.as_slice() {
        [a, b, ..] => Ok((AssociateTarget::instance(a), AssociateTarget::instance(b))),
        _ => Err(format!("the {cloud:?} emulator has fewer than two instances").into()),
    }
}

pub async fn run(report: &mut Report) -> BenchResult<()> {
    report::section("3. failover move A→B, transitions of 300 ms each (unbind, bind)");
    run_at(report, TRANSITION, 1.0).await?;
    report::section("3b. failover move A→B, transitions of 5 s each, run at a time scale of 0.1");
    run_at(report, SLOW_TRANSITION, SLOW_SCALE).await
}

async fn run_at(report: &mut Report, transition: Duration, scale: f64) -> BenchResult<()> {
    let sim = SimBuilder::new()
        .transition_delay(transition)
        .time_scale(scale)
        .start()
        .await?;
    let client = setup::http_client()?;

    let alibaba = setup::alibaba(&sim, SignatureVersion::V1, &client)?;
    let id = setup::seed(&sim, Cloud::Alibaba, 1)?.remove(0);
    measure(
        report,
        ("alibaba", transition, scale),
        (&sim, &alibaba),
        &id,
        targets(&sim, Cloud::Alibaba)?,
    )
    .await?;

    let huawei = setup::huawei(&sim, HuaweiAuth::Token, &client)?;
    let id = setup::seed(&sim, Cloud::Huawei, 1)?.remove(0);
    measure(
        report,
        ("huawei", transition, scale),
        (&sim, &huawei),
        &id,
        targets(&sim, Cloud::Huawei)?,
    )
    .await?;
    Ok(())
}
