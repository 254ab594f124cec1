//! Tables: comfy-table with borders on a terminal, plain aligned columns otherwise (so
//! `grep` and `awk` work on them).
//!
//! On a narrow terminal comfy-table fits a table by wrapping its cells. A column of
//! ids (processes', subscriptions') is kept whole instead, so an id is never broken
//! across lines and can be copied; the other columns wrap or shrink. A table too wide
//! for its terminal also drops its borders first (as `kubectl get` or `gh` lists
//! look), which gives the columns back three characters each before anything wraps.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};

/// The fewest characters of an id (a unique prefix) a column of ids shows.
const SHORTEST_ID: usize = 8;

pub fn new(headers: &[&str], terminal: bool) -> Table {
    let mut t = Table::new();
    if terminal {
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(headers.iter().map(|h| h.to_string()));
    t
}

/// A stored time (RFC 3339) as a table shows it: to the second, and on a terminal with
/// a space between date and time, where a narrow column breaks it; plain output keeps
/// the `T`, so the time stays one field for `awk`.
pub fn time(at: &str, terminal: bool) -> String {
    let second: String = at.chars().take(19).collect();
    if terminal {
        second.replacen('T', " ", 1)
    } else {
        second
    }
}

/// The table as text, each line without trailing blanks. Stored data may hold control
/// characters (a customer id, an answer): they are shown, never sent to the terminal.
pub fn render(t: &Table) -> String {
    let mut t = t.clone();
    keep_ids_whole(&mut t);
    if matches!(t.content_arrangement(), ContentArrangement::Dynamic) && !fits(&t) {
        t.load_preset(presets::NOTHING);
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(&super::printable(line.trim_end()));
        out.push('\n');
    }
    out
}

/// Whether the table, laid out without wrapping, is no wider than its terminal.
fn fits(t: &Table) -> bool {
    let Some(width) = t.width() else {
        return true;
    };
    let mut natural = t.clone();
    natural.set_content_arrangement(ContentArrangement::Disabled);
    natural
        .lines()
        .all(|l| l.chars().count() <= usize::from(width))
}

/// Gives each column of ids the width of its content, so only the other columns wrap.
/// A column of ids: each cell an id (hex digits and dashes, a UUID or a prefix of
/// one) or `-`, and one at least an id.
fn keep_ids_whole(t: &mut Table) {
    let is_id = |c: &str| {
        c.chars().count() >= SHORTEST_ID && c.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-')
    };
    let columns = t.column_iter().count();
    let ids: Vec<bool> = (0..columns)
        .map(|i| {
            let cells: Vec<String> = t
                .row_iter()
                .filter_map(|r| r.cell_iter().nth(i))
                .map(|c| c.content())
                .collect();
            cells.iter().any(|c| is_id(c))
                && cells.iter().all(|c| is_id(c) || c.is_empty() || c == "-")
        })
        .collect();
    for (i, id) in ids.into_iter().enumerate() {
        if let (true, Some(column)) = (id, t.column_mut(i)) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

#[cfg(test)]
mod tests {
    /// On a terminal 80 or 120 columns wide, ids stay whole on one line (they can be
    /// copied), and the other columns wrap to fit.
    #[test]
    fn ids_are_never_wrapped_and_text_columns_fit_the_width() {
        let ids = [
            "01a234eb-106e-7043-9e85-fafaba9e860f",
            "01a234eb-5d10-7282-b4f9-daffd38b03ad",
        ];
        for width in [80u16, 120] {
            let mut processes = super::new(
                &["ID", "WORKFLOW", "STATUS", "LAST STEP", "STARTED", "BY"],
                true,
            );
            let mut subscriptions = super::new(
                &[
                    "ID",
                    "PRODUCT",
                    "CUSTOMER",
                    "STATUS",
                    "INSYNC",
                    "DESCRIPTION",
                ],
                true,
            );
            for id in ids {
                processes.add_row(vec![
                    id,
                    "create_circuit_between_two_sites",
                    "completed",
                    "Provision the port on the far end device",
                    "2026-12-02 03:51:07",
                    "alice",
                ]);
                subscriptions.add_row(vec![
                    id,
                    "Circuit 10G",
                    "acme",
                    "active",
                    "yes",
                    "A ten gigabit circuit from Amsterdam to Frankfurt over the northern path",
                ]);
            }
            for t in [&mut processes, &mut subscriptions] {
                t.set_width(width);
                let text = super::render(t);
                for id in ids {
                    assert!(
                        text.lines().any(|l| l.contains(id)),
                        "{width} columns: {id} is broken:\n{text}"
                    );
                }
                let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
                assert!(widest <= width as usize, "{width} columns:\n{text}");
                // Too wide for the terminal: the borders go before the cells wrap.
                assert!(!text.contains('│'), "{width} columns:\n{text}");
            }
        }
    }

    /// A table that fits keeps its borders.
    #[test]
    fn a_table_that_fits_keeps_its_borders() {
        let mut t = super::new(&["ID", "STATUS"], true);
        t.add_row(vec!["01a234eb-106e-7043-9e85-fafaba9e860f", "completed"]);
        t.set_width(120);
        assert!(super::render(&t).contains('│'));
    }

    /// Times: a space on a terminal (a narrow column breaks there), one field otherwise.
    #[test]
    fn times_are_cut_to_the_second() {
        let at = "2026-12-02T04:30:39.123456Z";
        assert_eq!(super::time(at, true), "2026-12-02 04:30:39");
        assert_eq!(super::time(at, false), "2026-12-02T04:30:39");
    }

    /// A cell holding an escape sequence is shown, not obeyed by the terminal.
    #[test]
    fn control_characters_in_cells_are_shown() {
        for terminal in [true, false] {
            let mut t = super::new(&["A"], terminal);
            t.add_row(vec!["\u{1b}[31mred\u{7}"]);
            let text = super::render(&t);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text:?}"
            );
            assert!(text.contains("^[[31mred^G"), "{text:?}");
        }
    }
}
