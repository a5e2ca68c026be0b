//! A plain text table for people at a terminal (표): columns padded to the widest cell by display
//! width, so that Korean names (two columns per syllable) line up with Latin text.

use unicode_width::UnicodeWidthStr;

/// A table: a header row and body rows, all of the header's length.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as text: header, a rule, the rows; every line newline-terminated, no trailing
    /// blanks.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r[i].width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(w - cell.width() + 2));
                }
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
            out
        };
        let mut out = line(&self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&line(&rule));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_cells_are_padded_by_display_width() {
        let mut t = Table::new(&["이름 name", "id"]);
        t.row(vec!["성북구".into(), "a1".into()]);
        t.row(vec!["x".into(), "b2".into()]);
        assert_eq!(
            t.render(),
            "이름 name  id\n---------  --\n성북구     a1\nx          b2\n"
        );
    }
}
