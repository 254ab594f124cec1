//! How `orch events` shows events to people: aligned columns that fit the terminal (100
//! characters when stdout is no terminal), short ids, and a one-line summary of each
//! payload.
//!
//! A listing knows all its rows, so its columns are as wide as they need to be and an
//! id is cut to the shortest prefix that tells it apart from the others shown (at least
//! [`SHORT`] characters, so it can be given to `orch process show`). A follower cannot
//! know what comes, so its columns have fixed widths and ids a fixed length: a header
//! line first, then rows that line up under it.

use serde_json::Value;

use crate::store::events::Event;

/// The width a line of the table fits in when stdout is no terminal.
const WIDTH: usize = 100;

/// The width a line fits in: the terminal's, or [`WIDTH`].
fn line_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map_or(WIDTH, |(_, cols)| usize::from(cols))
}
/// The fewest characters of an id shown.
const SHORT: usize = 8;
/// The characters of an id a follower shows: a UUIDv7's whole millisecond timestamp.
const FOLLOW_ID: usize = 13;
/// The narrowest the detail column gets, even if the line grows past [`WIDTH`].
const MIN_DETAIL: usize = 10;

const HEADERS: [&str; 6] = ["SEQ", "AT", "KIND", "PROCESS", "SUBSCRIPTION", "DETAIL"];

/// Column widths and how ids are shortened.
pub(super) struct Layout {
    /// The width a line fits in (the detail column is cut to it).
    width: usize,
    widths: [usize; 5],
    /// Every row is of one day: the time alone says when.
    time_only: bool,
    process_ids: IdLength,
    subscription_ids: IdLength,
}

enum IdLength {
    Fixed(usize),
    /// The shortest unique prefix of each id, among these (sorted).
    Unique(Vec<String>),
}

impl IdLength {
    fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> IdLength {
        let mut all: Vec<String> = ids.map(str::to_string).collect();
        all.sort();
        all.dedup();
        IdLength::Unique(all)
    }

    fn cut(&self, id: &str) -> String {
        let n = match self {
            IdLength::Fixed(n) => *n,
            IdLength::Unique(all) => {
                let at = all.partition_point(|x| x.as_str() < id);
                let shared = |other: Option<&String>| {
                    other.map_or(0, |o| {
                        o.chars()
                            .zip(id.chars())
                            .take_while(|(a, b)| a == b)
                            .count()
                    })
                };
                let next = if all.get(at).is_some_and(|x| x == id) {
                    at + 1
                } else {
                    at
                };
                let before = at.checked_sub(1).and_then(|i| all.get(i));
                let after = all.get(next);
                SHORT.max(shared(before).max(shared(after)) + 1)
            }
        };
        id.chars().take(n).collect()
    }
}

impl Layout {
    /// Widths for a follower, which cannot know its rows. It shows the time of day
    /// alone, like a log being watched; `-o jsonl` has the whole time.
    pub(super) fn follow() -> Layout {
        Layout {
            width: line_width(),
            widths: [5, 8, 27, FOLLOW_ID, FOLLOW_ID],
            time_only: true,
            process_ids: IdLength::Fixed(FOLLOW_ID),
            subscription_ids: IdLength::Fixed(FOLLOW_ID),
        }
    }

    /// Widths that fit these rows.
    pub(super) fn fit(rows: &[Event]) -> Layout {
        let day = |e: &Event| e.at.get(..10).map(str::to_string);
        let mut layout = Layout {
            width: line_width(),
            widths: [0; 5],
            time_only: rows
                .iter()
                .all(|e| day(e).is_some() && day(e) == rows.first().and_then(day)),
            process_ids: IdLength::unique(rows.iter().filter_map(|e| e.process_id.as_deref())),
            subscription_ids: IdLength::unique(
                rows.iter().filter_map(|e| e.subscription_id.as_deref()),
            ),
        };
        for (w, h) in layout.widths.iter_mut().zip(HEADERS) {
            *w = h.len();
        }
        for e in rows {
            let cells = layout.cells(e);
            for (w, cell) in layout.widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
        layout
    }

    /// The first five columns of an event.
    fn cells(&self, e: &Event) -> [String; 5] {
        let id = |ids: &IdLength, id: &Option<String>| {
            id.as_deref().map(|i| ids.cut(i)).unwrap_or_default()
        };
        [
            e.seq.to_string(),
            short_time(&e.at, self.time_only),
            e.kind.clone(),
            id(&self.process_ids, &e.process_id),
            id(&self.subscription_ids, &e.subscription_id),
        ]
    }

    fn line(&self, cells: &[String; 5], detail: &str) -> String {
        let mut line = String::new();
        for (cell, w) in cells.iter().zip(self.widths) {
            line.push_str(&format!("{cell:<w$}  "));
        }
        let room = self
            .width
            .saturating_sub(line.chars().count())
            .max(MIN_DETAIL);
        line.push_str(&cut(detail, room));
        format!("{}\n", line.trim_end())
    }

    pub(super) fn header(&self) -> String {
        let cells = [0, 1, 2, 3, 4].map(|i| HEADERS[i].to_string());
        self.line(&cells, HEADERS[5])
    }

    pub(super) fn row(&self, e: &Event) -> String {
        self.line(&self.cells(e), &detail(e))
    }
}

/// `2025-01-01T10:00:00.123456Z` → `01-01 10:00:00`, or `10:00:00` alone: the year
/// and the fraction say little in a log read by people (`-o jsonl` has the whole time).
fn short_time(at: &str, time_only: bool) -> String {
    let range = if time_only { 11..19 } else { 5..19 };
    match at.get(range) {
        Some(t) => t.replacen('T', " ", 1),
        None => at.to_string(),
    }
}

/// One line of at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > max {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        one_line
    }
}

/// A JSON value as a person reads it: text without quotes, `null`, `true`, numbers,
/// lists comma-separated.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A one-line summary of an event's payload for people.
pub(super) fn detail(e: &Event) -> String {
    let d = &e.data;
    let get = |k: &str| d.get(k).map(plain).unwrap_or_default();
    let has = |k: &str| d.get(k).is_some_and(|v| !v.is_null());
    let with_reason = |mut s: String| {
        if has("reason") {
            s.push_str(&format!(": {}", get("reason")));
        }
        s
    };
    match e.kind.as_str() {
        "step.finished" => {
            // The path names a step inside a branch (DESIGN §13); older events have none.
            let step = if has("path") {
                get("path")
            } else {
                get("name")
            };
            let mut s = format!("{step}: {} ({} ms", get("status"), get("duration_ms"));
            if d.get("attempt")
                .and_then(Value::as_i64)
                .is_some_and(|a| a > 1)
            {
                s.push_str(&format!(", attempt {}", get("attempt")));
            }
            s.push(')');
            if has("error") {
                s.push_str(&format!(": {}", get("error")));
            }
            s
        }
        "process.started" if has("parent_id") => format!(
            "{} by {}, child of {} at `{}`",
            get("workflow"),
            get("created_by"),
            get("parent_id"),
            get("parent_step")
        ),
        "process.started" => format!("{} by {}", get("workflow"), get("created_by")),
        "step.progress" => format!("{}: {}", get("step"), get("message")),
        "callback.answered" => format!("{}: answered by {}", get("step"), get("by")),
        "lock.taken" | "lock.released" if has("step") => {
            format!("{} (step {})", get("lock"), get("step"))
        }
        "lock.taken" | "lock.released" | "lock.waiting" => get("lock"),
        "subscription.created" => format!(
            "{} for {}: {}",
            get("product"),
            get("customer_id"),
            get("description")
        ),
        "subscription.updated" => format!("{} changed: {}", get("changed"), get("description")),
        _ if d.get("to").is_some() => with_reason(format!("{} -> {}", get("from"), get("to"))),
        _ if has("name") => get("name"),
        _ => match d.as_object() {
            Some(fields) => fields
                .iter()
                .map(|(k, v)| format!("{k}={}", plain(v)))
                .collect::<Vec<_>>()
                .join(" "),
            None => plain(d),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> Event {
        Event {
            seq: 1,
            at: "2024-01-01T00:00:00.000000Z".into(),
            kind: kind.into(),
            process_id: None,
            subscription_id: None,
            product_id: None,
            data,
        }
    }

    #[test]
    fn details_read_like_sentences() {
        let step = event(
            "step.finished",
            json!({"name": "Ping", "status": "failed", "attempt": 2, "duration_ms": 15, "error": "exit 1"}),
        );
        assert_eq!(detail(&step), "Ping: failed (15 ms, attempt 2): exit 1");
        let change = event(
            "process.failed",
            json!({"from": "running", "to": "failed", "reason": null}),
        );
        assert_eq!(detail(&change), "running -> failed");
        let insync = event(
            "subscription.insync_changed",
            json!({"from": false, "to": true}),
        );
        assert_eq!(detail(&insync), "false -> true");
        let updated = event(
            "subscription.updated",
            json!({"changed": ["node", "description"], "description": "Node rtr1"}),
        );
        assert_eq!(detail(&updated), "node, description changed: Node rtr1");
        let progress = event(
            "step.progress",
            json!({"step": "Wait", "attempt": 1, "message": "40%"}),
        );
        assert_eq!(detail(&progress), "Wait: 40%");
        let lock = event("lock.taken", json!({"lock": "ipam:a", "step": null}));
        assert_eq!(detail(&lock), "ipam:a");
        let lock = event(
            "lock.released",
            json!({"lock": "ipam:a", "step": "Reserve"}),
        );
        assert_eq!(detail(&lock), "ipam:a (step Reserve)");
        let other = event("x.y", json!({"a": 1, "b": null, "c": "t"}));
        assert_eq!(detail(&other), "a=1 b=null c=t");
    }

    #[test]
    fn rows_fit_the_width_and_ids_are_cut_where_they_differ() {
        let mut rows = Vec::new();
        for (i, (p, s)) in [
            ("01a2285b-2509-703b-0000-000000000001", "01a2285b-2514-0000"),
            ("01a2285b-25aa-703c-0000-000000000002", "01a2285b-2514-0000"),
            ("01b00000-0000-0000-0000-000000000003", "01c00000-0000-0000"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = event(
                "subscription.status_changed",
                json!({"text": "a long line ".repeat(20)}),
            );
            e.seq = i as i64 + 1;
            e.process_id = Some(p.into());
            e.subscription_id = Some(s.into());
            rows.push(e);
        }
        let layout = Layout::fit(&rows);
        let text: String = rows.iter().map(|e| layout.row(e)).collect();
        for line in text.lines().chain(layout.header().lines()) {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains(" 01a2285b-250 "), "{}", lines[0]);
        assert!(lines[2].contains(" 01b00000 "), "{}", lines[2]);
        assert!(lines[2].contains(" 01c00000 "), "{}", lines[2]);
        assert!(lines[0].starts_with("1    00:00:00  subscription.status_changed"));
        rows[2].at = "2024-01-02T00:00:00.000000Z".into();
        let two_days = Layout::fit(&rows).row(&rows[0]);
        assert!(two_days.starts_with("1    01-01 00:00:00  subscription"));
        let follow = Layout::follow();
        assert!(follow.row(&rows[0]).contains(" 01a2285b-2509 "));
        assert!(follow.header().starts_with("SEQ    AT        KIND"));
        assert!(
            follow
                .row(&rows[0])
                .starts_with("1      00:00:00  subscription")
        );
        for e in &rows {
            assert!(follow.row(e).chars().count() <= WIDTH + 1);
        }
    }
}
