//! Printing helpers: section headers, labelled lines and tables that stay aligned with Chinese text.

use std::fmt::Display;

/// Prints a numbered section header.
pub(crate) fn section(number: u32, title_zh: &str, title_en: &str) {
    println!();
    println!("━━ {number}. {title_zh} {title_en} ━━");
}

/// Prints an indented `label: value` line.
pub(crate) fn field(label: &str, value: impl Display) {
    println!("  {label}: {value}");
}

/// Prints an indented line of free text.
pub(crate) fn line(text: impl Display) {
    println!("  {text}");
}

/// Returns the terminal width of `text`: 2 columns for East Asian wide characters, 1 otherwise.
///
/// NOTE: this covers CJK ideographs, kana, hangul and full-width forms, which is all the demo
/// prints; emoji and combining marks are not measured correctly.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            let wide = matches!(code,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Horizontal alignment of the cells in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A text table printed with two spaces between columns.
#[derive(Debug)]
pub(crate) struct Table {
    headers: Vec<String>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates a table from `(header, alignment)` pairs.
    pub(crate) fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|(header, _)| (*header).to_owned()).collect(),
            aligns: columns.iter().map(|(_, align)| *align).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row, which must have one cell per column.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        assert_eq!(
            cells.len(),
            self.headers.len(),
            "table row has the wrong number of cells"
        );
        self.rows.push(cells);
    }

    /// Prints the header, a rule and the rows, indented by two spaces.
    pub(crate) fn print(&self) {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|column| {
                std::iter::once(&self.headers[column])
                    .chain(self.rows.iter().map(|row| &row[column]))
                    .map(|cell| display_width(cell))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        self.print_row(&self.headers, &widths);
        let rule: Vec<String> = widths.iter().map(|width| "─".repeat(*width)).collect();
        println!("  {}", rule.join("  "));
        for row in &self.rows {
            self.print_row(row, &widths);
        }
    }

    fn print_row(&self, cells: &[String], widths: &[usize]) {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(&self.aligns)
            .map(|((cell, width), align)| {
                let padding = " ".repeat(width - display_width(cell));
                match align {
                    Align::Left => format!("{cell}{padding}"),
                    Align::Right => format!("{padding}{cell}"),
                }
            })
            .collect();
        println!("  {}", padded.join("  ").trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_width_counts_chinese_as_two() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("符合"), 4);
        assert_eq!(display_width("结果 Outcome"), 12);
        assert_eq!(display_width("（店）"), 6);
    }
}
