//! Tables for people, JSON for scripts.
//!
//! The JSON object of an address is the library's serialized `Eip`: `id`, `address`, `status`
//! (normalized, snake_case), `raw_status`, `bandwidth_mbps`, `bandwidth_id`, `name`,
//! `description`, `binding` (null or `{kind, instance_id, nic_id, private_ip}`), `charge_mode`,
//! `created_at` (RFC 3339), `provider`, `region`, `tags`. `list` prints an array of them.

use std::fmt::Write as _;
use std::io::{self, Write};

use multicloud_eip::Eip;

use crate::cli::Output;

/// Prints one address.
pub fn eip(out: &mut impl Write, format: Output, eip: &Eip) -> io::Result<()> {
    match format {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, eip)?;
            writeln!(out)
        }
        Output::Table => {
            let binding = eip
                .binding
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "-".into());
            let rows = [
                ("id", eip.id.clone()),
                ("address", eip.address.to_string()),
                (
                    "status",
                    format!("{} ({})", eip.status.as_str(), eip.raw_status),
                ),
                ("bound to", binding),
                (
                    "bandwidth",
                    eip.bandwidth_mbps
                        .map(|b| format!("{b} Mbit/s"))
                        .unwrap_or_else(|| "-".into()),
                ),
                ("name", eip.name.clone().unwrap_or_else(|| "-".into())),
                (
                    "description",
                    eip.description.clone().unwrap_or_else(|| "-".into()),
                ),
                (
                    "charge mode",
                    eip.charge_mode
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "-".into()),
                ),
                (
                    "created",
                    eip.created_at
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                ("provider", format!("{} {}", eip.provider, eip.region)),
            ];
            for (key, value) in rows {
                writeln!(out, "{key:<12} {value}")?;
            }
            Ok(())
        }
    }
}

/// Prints a list of addresses.
pub fn list(out: &mut impl Write, format: Output, eips: &[Eip]) -> io::Result<()> {
    match format {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, eips)?;
            writeln!(out)
        }
        Output::Table => {
            let header = [
                "ID", "ADDRESS", "STATUS", "RAW", "MBIT/S", "NAME", "BOUND TO",
            ];
            let rows: Vec<[String; 7]> = eips
                .iter()
                .map(|e| {
                    [
                        e.id.clone(),
                        e.address.to_string(),
                        e.status.as_str().to_owned(),
                        e.raw_status.clone(),
                        e.bandwidth_mbps
                            .map(|b| b.to_string())
                            .unwrap_or_else(|| "-".into()),
                        e.name.clone().unwrap_or_else(|| "-".into()),
                        e.binding
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            let mut widths = header.map(str::len);
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            out.write_all(line(&header.map(str::to_owned), &widths).as_bytes())?;
            for row in &rows {
                out.write_all(line(row, &widths).as_bytes())?;
            }
            writeln!(out, "{} address(es)", rows.len())
        }
    }
}

fn line(cells: &[String; 7], widths: &[usize; 7]) -> String {
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
