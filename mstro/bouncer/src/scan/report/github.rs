//! GitHub Actions workflow commands, which the runner shows as annotations on the
//! files: `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=T::message`
//! (`::warning` for `review`, `::notice` for a finding the reviewer allowed). Unscanned
//! files are `::error` too.
//!
//! Escaping follows the runner's rules: in the message `%`, `\r` and `\n`; in property
//! values also `:` and `,`, which would otherwise end the value.

use std::io::{self, Write};

use mstro_engine::Verdict;

use super::text::summary;
use crate::scan::finding::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let level = match f.verdict {
            Verdict::Deny => "error",
            Verdict::Review => "warning",
            Verdict::Allow => "notice",
        };
        let mut message = format!("{}\n{}", f.reason, f.command);
        if let Some(alt) = &f.alternative {
            message.push_str(&format!("\nSafer: {alt}"));
        }
        if let Some(r) = &f.review {
            message.push_str(&format!("\nReviewed ({}): {}", r.layer, r.reasoning));
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.file),
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            property(&format!("mstro-bouncer {} [{}]", f.verdict, f.rule_id)),
            data(&message),
        )?;
    }
    for e in &report.errors {
        let at = e
            .position
            .map(|p| format!(",line={},col={}", p.line, p.column))
            .unwrap_or_default();
        writeln!(
            out,
            "::error file={}{at},title={}::{}",
            property(&e.file),
            property("mstro-bouncer: file not scanned"),
            data(&e.message),
        )?;
    }
    for n in &report.notes {
        let at = n
            .position
            .map(|p| format!(",line={},col={}", p.line, p.column))
            .unwrap_or_default();
        writeln!(
            out,
            "::notice file={}{at},title={}::{}",
            property(&n.file),
            property("mstro-bouncer: note"),
            data(&n.message),
        )?;
    }
    writeln!(out, "{}", summary(report))
}

/// A message: `%`, CR and LF escaped.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`data`], plus `:` and `,`.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
