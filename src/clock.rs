//! Time as orch records it: RFC 3339 UTC text with microseconds, so that it sorts as
//! text in SQLite and reads well in JSON.

use jiff::Timestamp;

pub fn now() -> Timestamp {
    Timestamp::now()
}

pub fn format(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn now_text() -> String {
    format(now())
}

pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// A lower bound given by a user (`--since`, `?since=`): an RFC 3339 time (any offset),
/// a day (`2026-11-30`, from its start in UTC), or how long ago (`2h`, `1d`, written as
/// a step's timeout is), as the stored UTC text it is compared with.
pub fn since(text: &str) -> Option<String> {
    parse(text)
        .or_else(|| parse(&format!("{text}T00:00:00Z")))
        .or_else(|| ago(text))
        .map(format)
}

/// The time a duration (`90m`) before now; a bare number is no duration here, as it
/// would read as a year or a sequence number just as well.
fn ago(text: &str) -> Option<Timestamp> {
    if text.trim().parse::<f64>().is_ok() {
        return None;
    }
    let back = crate::domain::workflow::parse_duration(text).ok()?;
    now().checked_sub(back).ok()
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
