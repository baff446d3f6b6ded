//! Counters of the agent, rendered in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The agent's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Claims that moved or bound the address.
    pub moves: AtomicU64,
    /// Total time of those claims, in milliseconds.
    pub move_millis: AtomicU64,
    /// Writes the lease guard refused.
    pub fenced_refused: AtomicU64,
    /// Leases lost while leading.
    pub lease_losses: AtomicU64,
    /// Terms won.
    pub elections: AtomicU64,
}

impl Metrics {
    /// Records one completed move.
    pub fn moved(&self, took: Duration) {
        self.moves.fetch_add(1, Ordering::Relaxed);
        let millis = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .move_millis
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |m| {
                Some(m.saturating_add(millis))
            });
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "eip_failover_moves_total",
            "Claims that bound the address to this agent's target.",
            get(&self.moves).to_string(),
        );
        counter(
            "eip_failover_move_duration_seconds_total",
            "Time spent in those claims.",
            format!("{:.3}", get(&self.move_millis) as f64 / 1000.0),
        );
        counter(
            "eip_failover_fenced_writes_total",
            "Writes refused because the lease was not provably held.",
            get(&self.fenced_refused).to_string(),
        );
        counter(
            "eip_failover_lease_losses_total",
            "Leases lost while leading.",
            get(&self.lease_losses).to_string(),
        );
        counter(
            "eip_failover_elections_total",
            "Terms won.",
            get(&self.elections).to_string(),
        );
        out
    }
}
