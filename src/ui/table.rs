//! Tables: comfy-table with borders on a terminal, plain aligned columns otherwise (so
//! `grep` and `awk` work on them).

use comfy_table::{ContentArrangement, Table, presets};

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

/// The table as text, each line without trailing blanks. Stored data may hold control
/// characters (a customer id, an answer): they are shown, never sent to the terminal.
pub fn render(t: &Table) -> String {
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(&super::printable(line.trim_end()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
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
