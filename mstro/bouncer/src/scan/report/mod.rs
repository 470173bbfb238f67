//! The output formats of `scan`, one file each. Every format carries the findings and
//! the files that could not be scanned.

mod github;
mod json;
mod sarif;
mod text;

use std::io::{self, Write};

use super::finding::Report;
use crate::cli::ScanFormat;

pub fn write(format: ScanFormat, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ScanFormat::Text => text::write(report, out),
        ScanFormat::Json => json::write(report, out),
        ScanFormat::Sarif => sarif::write(report, out),
        ScanFormat::Github => github::write(report, out),
    }
}

/// The tool's name and version, as reports name it.
pub const TOOL: &str = "mstro-bouncer";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
