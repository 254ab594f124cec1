//! Time as orch records it: RFC 3339 UTC text with microseconds, so that it sorts as
//! text in SQLite and reads well in JSON.

use jiff::Timestamp;

pub fn now() -> Timestamp {
    Timestamp::now()
}

/// The stored form of a time, `2026-11-29T09:30:00.123456Z`. Written by hand: a
/// worker's committer formats one for every step it writes, and a `strftime` pattern
/// is read anew on every call, at several times the cost.
pub fn format(t: Timestamp) -> String {
    let at = jiff::tz::Offset::UTC.to_datetime(t);
    let Ok(year) = u32::try_from(at.year()) else {
        return t.strftime(PATTERN).to_string();
    };
    let mut out = String::with_capacity(27);
    let fields = [
        (year, 4, '-'),
        (at.month() as u32, 2, '-'),
        (at.day() as u32, 2, 'T'),
        (at.hour() as u32, 2, ':'),
        (at.minute() as u32, 2, ':'),
        (at.second() as u32, 2, '.'),
        (at.subsec_nanosecond() as u32 / 1000, 6, 'Z'),
    ];
    for (value, width, then) in fields {
        push_digits(&mut out, value, width);
        out.push(then);
    }
    out
}

const PATTERN: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// `value` in exactly `width` decimal digits (it has no more).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_time_is_stored_in_utc_with_microseconds() {
        let t: Timestamp = "2026-11-29T10:30:05.1234567+01:00".parse().unwrap();
        assert_eq!(format(t), "2026-11-29T09:30:05.123456Z");
        assert_eq!(format(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    }

    proptest! {
        #[test]
        fn the_hand_written_form_matches_the_pattern(
            seconds in -377_705_116_800i64..253_402_300_799,
            nanos in 0i32..1_000_000_000,
        ) {
            let t = Timestamp::new(seconds, nanos).unwrap();
            prop_assert_eq!(format(t), t.strftime(PATTERN).to_string());
        }
    }
}
