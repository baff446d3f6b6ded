//! Tables for people, JSON for scripts.
//!
//! The JSON object of an address is the library's serialized `Eip`: `id`, `address`, `status`
//! (normalized, snake_case), `raw_status`, `bandwidth_mbps`, `bandwidth_id`, `name`,
//! `description`, `binding` (null or `{kind, instance_id, nic_id, private_ip}`), `charge_mode`
//! (`by_bandwidth`, `by_traffic`, or the cloud's raw name), `created_at` (RFC 3339), `provider`,
//! `region`, `tags`, `bandwidth_kind`, `resource_group`, `deletion_protection`. `list` prints an array of them, written as the pages arrive.
//!
//! Every text in a table passes through [`escape::text`]: it came from the cloud.

use std::fmt::Write as _;
use std::io::{self, Write};

use futures::stream::{BoxStream, TryStreamExt};
use multicloud_eip::{Eip, Error, Result};
use serde::ser::{SerializeSeq, Serializer};

use crate::cli::Output;
use crate::escape;

/// Prints one address.
pub fn eip(out: &mut impl Write, format: Output, eip: &Eip) -> io::Result<()> {
    match format {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, eip)?;
            writeln!(out)
        }
        Output::Table => {
            let rows = [
                ("id", eip.id.clone()),
                ("address", eip.address.to_string()),
                (
                    "status",
                    format!("{} ({})", eip.status.as_str(), eip.raw_status),
                ),
                ("bound to", or_dash(eip.binding.as_ref())),
                (
                    "bandwidth",
                    eip.bandwidth_mbps
                        .map(|b| format!("{b} Mbit/s"))
                        .unwrap_or_else(|| "-".into()),
                ),
                ("name", or_dash(eip.name.as_ref())),
                ("description", or_dash(eip.description.as_ref())),
                ("charge mode", or_dash(eip.charge_mode.as_ref())),
                ("created", or_dash(eip.created_at.as_ref())),
                ("tags", tags(eip)),
                (
                    "bw kind",
                    match (&eip.bandwidth_kind, &eip.bandwidth_id) {
                        (Some(multicloud_eip::BandwidthKind::Shared), Some(id)) => {
                            format!("shared {id}")
                        }
                        (Some(kind), _) => kind.to_string(),
                        (None, _) => "-".into(),
                    },
                ),
                ("group", or_dash(eip.resource_group.as_ref())),
                ("protected", or_dash(eip.deletion_protection.as_ref())),
                ("provider", format!("{} {}", eip.provider, eip.region)),
            ];
            for (key, value) in rows {
                writeln!(out, "{key:<12} {}", escape::text(&value))?;
            }
            Ok(())
        }
    }
}

fn tags(eip: &Eip) -> String {
    if eip.tags.is_empty() {
        return "-".into();
    }
    let pairs: Vec<String> = eip.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}

/// Prints every address `eips` yields (with a region column when `regions`, for a fan-out).
/// JSON is written as each page arrives, so memory stays flat however long the list is; nothing
/// is written before the first page has been read, so a listing that fails at once leaves
/// stdout empty. A failure after that leaves an unterminated array, which no JSON reader takes
/// for a complete list.
pub async fn list(
    out: &mut impl Write,
    format: Output,
    mut eips: BoxStream<'_, Result<Eip>>,
    regions: bool,
) -> Result<()> {
    match format {
        Output::Json => {
            let first = eips.try_next().await?;
            let mut json = serde_json::Serializer::pretty(&mut *out);
            let mut array = json.serialize_seq(None).map_err(json_error)?;
            if let Some(first) = first {
                array.serialize_element(&first).map_err(json_error)?;
                while let Some(eip) = eips.try_next().await? {
                    array.serialize_element(&eip).map_err(json_error)?;
                }
            }
            array.end().map_err(json_error)?;
            writeln!(out).map_err(crate::io_error)
        }
        Output::Table => {
            // Columns are as wide as their widest cell, so a table needs every row first.
            let eips: Vec<Eip> = eips.try_collect().await?;
            let mut columns = Vec::from(COLUMNS);
            if regions {
                columns.insert(0, "REGION");
            }
            let rows: Vec<Vec<String>> = eips
                .iter()
                .map(|e| {
                    let mut row = Vec::with_capacity(columns.len());
                    if regions {
                        row.push(e.region.clone());
                    }
                    row.extend([
                        e.id.clone(),
                        e.address.to_string(),
                        e.status.as_str().to_owned(),
                        e.raw_status.clone(),
                        or_dash(e.bandwidth_mbps.as_ref()),
                        or_dash(e.charge_mode.as_ref()),
                        or_dash(e.name.as_ref()),
                        or_dash(e.binding.as_ref()),
                    ]);
                    row
                })
                .collect();
            table(out, &columns, &rows).map_err(crate::io_error)?;
            writeln!(out, "{} address(es)", rows.len()).map_err(crate::io_error)
        }
    }
}

const COLUMNS: [&str; 8] = [
    "ID", "ADDRESS", "STATUS", "RAW", "MBIT/S", "CHARGE", "NAME", "BOUND TO",
];

/// Aligned columns, each as wide as its widest cell; every cell passes through
/// [`escape::text`].
pub fn table(out: &mut impl Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| escape::text(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    out.write_all(line(&header, &widths).as_bytes())?;
    for row in &rows {
        out.write_all(line(row, &widths).as_bytes())?;
    }
    Ok(())
}

/// `-` for what is not known.
pub fn or_dash(value: Option<&impl ToString>) -> String {
    value.map(ToString::to_string).unwrap_or_else(|| "-".into())
}

fn line(cells: &[String], widths: &[usize]) -> String {
    let mut text = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            let _ = write!(text, "{cell}");
        } else {
            let _ = write!(text, "{cell:<width$}  ");
        }
    }
    text.push('\n');
    text
}

fn json_error(e: serde_json::Error) -> Error {
    crate::io_error(e.into())
}
