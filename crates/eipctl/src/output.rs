//! Tables for people, JSON for scripts.
//!
//! The JSON object of an address is the library's serialized `Eip`: `id`, `address`, `status`
//! (normalized, snake_case), `raw_status`, `bandwidth_mbps`, `bandwidth_id`, `name`,
//! `description`, `binding` (null or `{kind, instance_id, nic_id, private_ip}`), `charge_mode`
//! (`by_bandwidth`, `by_traffic`, or the cloud's raw name), `created_at` (RFC 3339), `provider`,
//! `region`, `tags`. `list` prints an array of them, written as the pages arrive.
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
                ("provider", format!("{} {}", eip.provider, eip.region)),
            ];
            for (key, value) in rows {
                writeln!(out, "{key:<12} {}", escape::text(&value))?;
            }
            Ok(())
        }
    }
}

/// Prints every address `eips` yields. JSON is written as each page arrives, so memory stays
/// flat however long the list is; nothing is written before the first page has been read, so a
/// listing that fails at once leaves stdout empty. A failure after that leaves an unterminated
/// array, which no JSON reader takes for a complete list.
pub async fn list(
    out: &mut impl Write,
    format: Output,
    mut eips: BoxStream<'_, Result<Eip>>,
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
            table(out, &eips).map_err(crate::io_error)
        }
    }
}

const COLUMNS: [&str; 8] = [
    "ID", "ADDRESS", "STATUS", "RAW", "MBIT/S", "CHARGE", "NAME", "BOUND TO",
];

fn table(out: &mut impl Write, eips: &[Eip]) -> io::Result<()> {
    let rows: Vec<[String; 8]> = eips
        .iter()
        .map(|e| {
            [
                e.id.clone(),
                e.address.to_string(),
                e.status.as_str().to_owned(),
                e.raw_status.clone(),
                or_dash(e.bandwidth_mbps.as_ref()),
                or_dash(e.charge_mode.as_ref()),
                or_dash(e.name.as_ref()),
                or_dash(e.binding.as_ref()),
            ]
            .map(|cell| escape::text(&cell).into_owned())
        })
        .collect();
    let mut widths = COLUMNS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    out.write_all(line(&COLUMNS.map(str::to_owned), &widths).as_bytes())?;
    for row in &rows {
        out.write_all(line(row, &widths).as_bytes())?;
    }
    writeln!(out, "{} address(es)", rows.len())
}

fn or_dash(value: Option<&impl ToString>) -> String {
    value.map(ToString::to_string).unwrap_or_else(|| "-".into())
}

fn line(cells: &[String; 8], widths: &[usize; 8]) -> String {
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
