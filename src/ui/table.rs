//! Tables: comfy-table with borders on a terminal, plain aligned columns otherwise (so
//! `grep` and `awk` work on them).
//!
//! On a narrow terminal comfy-table fits a table by wrapping its cells. A column of
//! ids (processes', subscriptions') is kept whole instead, so an id is never broken
//! across lines and can be copied; the other columns wrap or shrink. A table too wide
//! for its terminal also drops its borders first (as `kubectl get` or `gh` lists
//! look), which gives the columns back three characters each before anything wraps.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

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
    let ids = keep_ids_whole(&mut t);
    if matches!(t.content_arrangement(), ContentArrangement::Dynamic) && !fits(&t) {
        t.load_preset(presets::NOTHING);
        keep_words_whole(&mut t, &ids);
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
/// Returns which columns hold ids.
fn keep_ids_whole(t: &mut Table) -> Vec<bool> {
    let is_id = |c: &str| {
        c.chars().count() >= SHORTEST_ID && c.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-')
    };
    let columns = t.column_iter().count();
    let ids: Vec<bool> = (0..columns)
        .map(|i| {
            let cells = cells(t, i, false);
            cells.iter().any(|c| is_id(c))
                && cells.iter().all(|c| is_id(c) || c.is_empty() || c == "-")
        })
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if let (true, Some(column)) = (*id, t.column_mut(i)) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    ids
}

/// The text of column `i`'s cells, the header's first when `with_header`.
fn cells(t: &Table, i: usize, with_header: bool) -> Vec<String> {
    t.header()
        .filter(|_| with_header)
        .into_iter()
        .chain(t.row_iter())
        .filter_map(|r| r.cell_iter().nth(i))
        .map(|c| c.content())
        .collect()
}

/// On a borderless table still too wide, lays the other columns out beside the ids so
/// that a cell wraps between its words where the width allows: a time between its
/// date and its time first, then the columns with the shortest longest words (a user,
/// a status), each kept at least that wide while the columns left can still have a
/// few characters; what remains goes to the columns that need it. Left to itself,
/// comfy-table shares the width out evenly and breaks a date or a status mid-word on
/// an 80-column terminal. A terminal too narrow for even that keeps its layout.
fn keep_words_whole(t: &mut Table, ids: &[bool]) {
    /// The fewest characters a column not given its longest word is left.
    const FEWEST: usize = 6;
    let Some(width) = t.width() else {
        return;
    };
    let columns = t.column_iter().count();
    // Each column pads its content with a blank on either side.
    let mut budget = usize::from(width).saturating_sub(2 * columns);
    // (not a time, longest word, longest line, column) of each column not of ids.
    let mut others: Vec<(bool, usize, usize, usize)> = Vec::new();
    for i in 0..columns {
        let cells = cells(t, i, true);
        let longest = |f: &dyn Fn(&str) -> usize| cells.iter().map(|c| f(c)).max().unwrap_or(0);
        let line = longest(&|c| c.lines().map(|l| l.chars().count()).max().unwrap_or(0));
        if ids.get(i) == Some(&true) {
            budget = budget.saturating_sub(line);
            continue;
        }
        let word = longest(&|c| {
            c.split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0)
        });
        let time = cells
            .iter()
            .skip(usize::from(t.header().is_some()))
            .any(|c| is_time(c));
        others.push((!time, word, line, i));
    }
    others.sort();
    // Each column's width: its longest word, for as many as the budget allows.
    let mut widths: Vec<(usize, usize, usize)> = Vec::new();
    let mut used = 0;
    for (n, &(_, word, line, i)) in others.iter().enumerate() {
        let reserve: usize = others[n + 1..]
            .iter()
            .map(|&(_, w, _, _)| w.min(FEWEST))
            .sum();
        if used + word + reserve > budget {
            break;
        }
        used += word;
        widths.push((word, line, i));
    }
    if widths.is_empty() {
        return;
    }
    let ungiven: Vec<usize> = others[widths.len()..].iter().map(|o| o.3).collect();
    let mut spare = budget - used;
    if let Some(share) = spare.checked_div(ungiven.len()) {
        // The columns left share what remains, the first one the odd characters.
        let first = share + spare % ungiven.len();
        for (n, &i) in ungiven.iter().enumerate() {
            widths.push((if n == 0 { first } else { share }, 0, i));
        }
    } else {
        // Every column has its words: the spare width makes whole lines, the columns
        // nearest to one line first.
        widths.sort_by_key(|&(word, line, _)| line - word);
        for (w, line, _) in widths.iter_mut() {
            if *line - *w <= spare {
                spare -= *line - *w;
                *w = *line;
            }
        }
        // What is still spare goes to the columns that wrap, the first the odd ones.
        let wrapping = widths.iter().filter(|(w, line, _)| w < line).count();
        if let Some(share) = spare.checked_div(wrapping) {
            let mut odd = spare % wrapping;
            for (w, _, _) in widths.iter_mut().filter(|(w, line, _)| w < line) {
                *w += share + std::mem::take(&mut odd);
            }
        }
    }
    for (w, _, i) in widths {
        // comfy-table's widths count the padding.
        if let (Ok(w), Some(column)) = (u16::try_from(w.max(1) + 2), t.column_mut(i)) {
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
        }
    }
}

/// Whether a cell is a time as [`time`] shows it on a terminal.
fn is_time(cell: &str) -> bool {
    let b = cell.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(n, c)| match n {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
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

    /// Too wide, a table keeps a time's date whole, and the width its words leave goes
    /// to the column that still wraps.
    #[test]
    fn a_narrow_table_breaks_times_between_date_and_time_and_gives_the_rest_to_text() {
        let mut t = super::new(&["ID", "STATUS", "STARTED", "DESCRIPTION"], true);
        t.add_row(vec![
            "01a234eb-106e-7043-9e85-fafaba9e860f",
            "awaiting_callback",
            "2026-12-02 03:51:07",
            "A ten gigabit circuit from Amsterdam to Frankfurt over the northern path",
        ]);
        t.set_width(90);
        let text = super::render(&t);
        assert!(
            text.contains("2026-12-02") && text.contains("03:51:07"),
            "{text}"
        );
        assert!(text.contains("awaiting_callback"), "{text}");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!((85..=90).contains(&widest), "{widest} of 90:\n{text}");
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
