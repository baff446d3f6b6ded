//! The commands over many addresses or regions: `list --region` (fan-out), `regions`,
//! `show --address` and `sweep`.

use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;

use futures::stream::{StreamExt, TryStreamExt};
use multicloud_eip::{
    ConnectOptions, EipProvider, EipProviderExt, Error, ListFilter, ListOptions, Region, Result,
    SweepFilter, SweepMode, SweepOptions, SweepReport,
};

use crate::cli::Output;
use crate::output::{self, or_dash};
use crate::{escape, io_error, Outcome};

/// Lists every region of `fleet`, each address printed as its region answers. A failing region
/// is one line on stderr (provider, region, error), the others are still listed, and the
/// outcome carries the first failure for the exit status.
pub async fn list(
    fleet: &[Arc<dyn EipProvider>],
    filter: &ListFilter,
    format: Output,
    out: &mut impl Write,
) -> Result<Outcome> {
    // Every region of one spec is the same cloud: a filter it cannot take is refused once,
    // before anything is sent, not once per region.
    if let Some(first) = fleet.first() {
        filter.validate(first.capabilities())?;
    }
    let mut first_failure = None;
    let failures = &mut first_failure;
    let eips = multicloud_eip::list_all(fleet, filter)
        .filter_map(move |item| {
            let eip = match item.result {
                Ok(eip) => Some(Ok(eip)),
                Err(error) => {
                    eprintln!(
                        "eipctl: {}: {} {}: {}",
                        error.kind_name(),
                        item.provider,
                        escape::text(&item.region),
                        escape::text(&error.to_string())
                    );
                    failures.get_or_insert(error);
                    None
                }
            };
            futures::future::ready(eip)
        })
        .boxed();
    output::list(out, format, eips, true).await?;
    Ok(first_failure.map_or(Outcome::Done, Outcome::PartlyFailed))
}

/// The regions of `--region`: as given, or with `all`, every region the spec's provider
/// reports (one request to the cloud where it lists its regions).
pub async fn regions(
    spec: &str,
    given: &[String],
    options: &ConnectOptions,
) -> Result<Vec<String>> {
    if given.iter().any(|r| r == "all") {
        if given.len() > 1 {
            return Err(Error::invalid_input(
                "region",
                "all stands alone: give all or a list of regions",
            ));
        }
        let provider = multicloud_eip::connect_with(spec, options)?;
        return Ok(provider
            .regions()
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect());
    }
    Ok(given.to_vec())
}

/// Prints regions: a table of id and name, or a JSON array of `{id, name}`.
pub fn print_regions(out: &mut impl Write, format: Output, regions: &[Region]) -> Result<()> {
    match format {
        Output::Json => writeln!(out, "{:#}", serde_json::json!(regions)).map_err(io_error),
        Output::Table => {
            let rows: Vec<Vec<String>> = regions
                .iter()
                .map(|r| vec![r.id.clone(), or_dash(r.name.as_ref())])
                .collect();
            output::table(out, &["REGION", "NAME"], &rows).map_err(io_error)?;
            writeln!(out, "{} region(s)", rows.len()).map_err(io_error)
        }
    }
}

/// The address whose public IP is `address`.
pub async fn find_by_address(
    provider: &dyn EipProvider,
    address: IpAddr,
) -> Result<multicloud_eip::Eip> {
    let filter = ListFilter::new().addresses([address]);
    let found: Vec<_> = provider
        .list(&filter, ListOptions::default())
        .try_collect()
        .await?;
    found
        .into_iter()
        .find(|eip| eip.address == address)
        .ok_or_else(|| Error::not_found(format!("address {address}")))
}

/// Runs a sweep and prints its report; the first failed release sets the exit status.
pub async fn sweep(
    provider: &dyn EipProvider,
    filter: &SweepFilter,
    mode: SweepMode,
    options: &SweepOptions,
    format: Output,
    out: &mut impl Write,
) -> Result<Outcome> {
    let report = multicloud_eip::sweep_with(provider, filter, mode, options).await?;
    match format {
        Output::Json => {
            writeln!(out, "{:#}", json(&report)).map_err(io_error)?;
        }
        Output::Table => table(out, &report).map_err(io_error)?,
    }
    Ok(report
        .failed
        .into_iter()
        .next()
        .map_or(Outcome::Done, |failure| {
            Outcome::PartlyFailed(failure.error)
        }))
}

fn json(report: &SweepReport) -> serde_json::Value {
    let failed: Vec<serde_json::Value> = report
        .failed
        .iter()
        .map(|f| {
            serde_json::json!({
                "eip": f.eip,
                "error": f.error.to_string(),
                "kind": f.error.kind_name(),
            })
        })
        .collect();
    serde_json::json!({
        "provider": report.provider,
        "region": report.region,
        "mode": report.mode,
        "would_release": report.would_release,
        "released": report.released,
        "skipped": report.skipped,
        "failed": failed,
    })
}

fn table(out: &mut impl Write, report: &SweepReport) -> std::io::Result<()> {
    let row = |action: &str, eip: &multicloud_eip::Eip, why: String| {
        vec![
            action.to_owned(),
            eip.id.clone(),
            eip.address.to_string(),
            or_dash(eip.name.as_ref()),
            why,
        ]
    };
    let mut rows = Vec::new();
    rows.extend(
        report
            .would_release
            .iter()
            .map(|e| row("would release", e, "-".into())),
    );
    rows.extend(
        report
            .released
            .iter()
            .map(|e| row("released", e, "-".into())),
    );
    rows.extend(
        report
            .skipped
            .iter()
            .map(|s| row("skipped", &s.eip, s.reason.to_string())),
    );
    rows.extend(
        report
            .failed
            .iter()
            .map(|f| row("failed", &f.eip, f.error.to_string())),
    );
    output::table(out, &["ACTION", "ID", "ADDRESS", "NAME", "WHY"], &rows)?;
    match report.mode {
        SweepMode::DryRun => writeln!(
            out,
            "dry run: {} address(es) would be released, {} skipped; nothing was released (rerun with --yes)",
            report.would_release.len(),
            report.skipped.len()
        ),
        _ => writeln!(
            out,
            "{} released, {} skipped, {} failed",
            report.released.len(),
            report.skipped.len(),
            report.failed.len()
        ),
    }
}
