//! The summary table: one row per figure, with its goal and whether it was met.

use std::time::Duration;

/// Whether a figure met its goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within the goal.
    Met,
    /// Outside the goal (BENCHMARKS.md explains why).
    Missed,
    /// A figure for comparison, with no goal.
    Info,
}

impl Verdict {
    /// `Met` when `ok`, `Missed` otherwise.
    pub fn of(ok: bool) -> Self {
        if ok {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::Info => "",
        }
    }
}

struct Row {
    figure: String,
    value: String,
    goal: String,
    verdict: Verdict,
}

/// Every figure of the run.
#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Records a figure (and echoes it, so progress shows while the run goes on).
    pub fn add(
        &mut self,
        figure: impl Into<String>,
        value: impl Into<String>,
        goal: impl Into<String>,
        verdict: Verdict,
    ) {
        let row = Row {
            figure: figure.into(),
            value: value.into(),
            goal: goal.into(),
            verdict,
        };
        println!(
            "  {:<58} {:>22}  {} {}",
            row.figure,
            row.value,
            row.goal,
            row.verdict.label()
        );
        self.rows.push(row);
    }

    /// Records a figure with no goal.
    pub fn info(&mut self, figure: impl Into<String>, value: impl Into<String>) {
        self.add(figure, value, "", Verdict::Info);
    }

    /// Prints the table, in Markdown so it can be pasted into BENCHMARKS.md.
    pub fn print(&self) {
        println!();
        println!("| figure | value | goal | |");
        println!("|---|---:|---|---|");
        for row in &self.rows {
            println!(
                "| {} | {} | {} | {} |",
                row.figure,
                row.value,
                row.goal,
                row.verdict.label()
            );
        }
        let missed = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Missed)
            .count();
        let met = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Met)
            .count();
        println!();
        println!("goals: {met} met, {missed} missed");
    }
}

/// Prints a section heading.
pub fn section(title: &str) {
    println!();
    println!("## {title}");
}

/// `12.3 ms` / `456 µs` / `1.23 s`.
pub fn time(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else if micros < 1_000_000.0 {
        format!("{:.1} ms", micros / 1e3)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

/// The median of some durations (zero for none).
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The mean of some durations (zero for none).
pub fn mean(samples: &[Duration]) -> Duration {
    let total: Duration = samples.iter().sum();
    u32::try_from(samples.len())
        .ok()
        .filter(|n| *n > 0)
        .map_or(Duration::ZERO, |n| total / n)
}

/// `a / b` as a float.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}
