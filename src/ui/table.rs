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

/// The table as text, each line without trailing blanks.
pub fn render(t: &Table) -> String {
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
