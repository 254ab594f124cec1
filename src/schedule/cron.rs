//! Cron expressions: five fields (minute, hour, day of month, month, day of week) and
//! the next time one matches, in a time zone.
//!
//! Fields take `*`, numbers, lists (`1,15`), ranges (`9-17`), steps (`*/15`, `0-30/10`,
//! `5/20`), month names (`jan`) and day names (`mon`; 0 and 7 are Sunday). The `@hourly`,
//! `@daily`/`@midnight`, `@weekly`, `@monthly` and `@yearly`/`@annually` shorthands are
//! accepted. When both the day of month and the day of week are restricted (neither
//! starts with `*`), a day matches if either does, as in every Unix cron.
//!
//! Matching happens on the wall clock of the zone. Across daylight saving changes:
//! a wall time skipped by a spring-forward gap runs as late as the gap is long (02:30
//! becomes 03:30); a wall time repeated by a fall-back fold runs once, the first time,
//! unless the hour field starts with `*`, whose entries follow real time and run in both
//! passes (an hourly job stays hourly).

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// The day-of-month field starts with `*` (it does not restrict on its own).
    days_star: bool,
    weekdays_star: bool,
    /// The hour field starts with `*`: a repeated wall-clock hour runs twice.
    hours_star: bool,
    text: String,
}

/// Why a cron expression does not parse; `column` is 1-based within the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    pub message: String,
    pub column: usize,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (column {})", self.message, self.column)
    }
}

impl std::error::Error for CronError {}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// 7 is Sunday too; it is folded onto 0 after parsing.
const WEEKDAY: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl FromStr for Cron {
    type Err = CronError;

    fn from_str(text: &str) -> Result<Cron, CronError> {
        let trimmed = text.trim();
        let expanded = match trimmed.to_ascii_lowercase().as_str() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other if other.starts_with('@') => {
                return Err(CronError {
                    message: format!(
                        "unknown shorthand `{trimmed}` (known: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually)"
                    ),
                    column: 1,
                });
            }
            _ => text,
        };
        let fields: Vec<(usize, &str)> = words(expanded);
        if fields.len() != 5 {
            return Err(CronError {
                message: format!(
                    "a cron expression has 5 fields (minute hour day-of-month month day-of-week), `{trimmed}` has {}",
                    fields.len()
                ),
                column: 1,
            });
        }
        // Shorthands have no columns of their own; point at their start.
        let col = |at: usize| if expanded == text { at + 1 } else { 1 };
        let parse = |i: usize, spec: &Field| {
            let (at, word) = fields[i];
            parse_field(word, spec).map_err(|(offset, message)| CronError {
                message,
                column: col(at + offset),
            })
        };
        let minutes = parse(0, &MINUTE)?;
        let hours = parse(1, &HOUR)?;
        let days = parse(2, &DAY)?;
        let months = parse(3, &MONTH)?;
        let mut weekdays = parse(4, &WEEKDAY)?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays & !(1 << 7)) | 1;
        }
        Ok(Cron {
            minutes,
            hours,
            days,
            months,
            weekdays,
            days_star: fields[2].1.starts_with('*'),
            weekdays_star: fields[4].1.starts_with('*'),
            hours_star: fields[1].1.starts_with('*'),
            text: trimmed.to_string(),
        })
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whitespace-separated words with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// One field as a bit set of the values it allows; errors carry the offset in the field.
fn parse_field(word: &str, spec: &Field) -> Result<u64, (usize, String)> {
    let mut set = 0u64;
    let mut offset = 0;
    for item in word.split(',') {
        set |= parse_item(item, spec).map_err(|m| (offset, m))?;
        offset += item.len() + 1;
    }
    Ok(set)
}

fn parse_item(item: &str, spec: &Field) -> Result<u64, String> {
    if item.is_empty() {
        return Err(format!("{}: an empty list item", spec.name));
    }
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = s.parse().map_err(|_| {
                format!("{}: the step `{s}` in `{item}` is not a number", spec.name)
            })?;
            if step == 0 {
                return Err(format!("{}: a step of 0 in `{item}`", spec.name));
            }
            (r, Some(step))
        }
        None => (item, None),
    };
    let (lo, hi) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (lo, hi) = (value(a, spec)?, value(b, spec)?);
        if lo > hi {
            return Err(format!(
                "{}: the range `{range}` runs backwards; write it as two ranges",
                spec.name
            ));
        }
        (lo, hi)
    } else {
        let v = value(range, spec)?;
        // `5/15` means from 5 to the end, every 15.
        (v, if step.is_some() { spec.max } else { v })
    };
    let step = step.unwrap_or(1);
    let mut set = 0u64;
    let mut v = lo;
    while v <= hi {
        set |= 1 << v;
        v += step;
    }
    Ok(set)
}

fn value(text: &str, spec: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    let v = match spec.names.iter().position(|n| *n == lower) {
        Some(i) => i as u32 + if spec.min == 1 { 1 } else { 0 },
        None => text.parse::<u32>().map_err(|_| {
            if spec.names.is_empty() {
                format!("{}: `{text}` is not a number", spec.name)
            } else {
                format!(
                    "{}: `{text}` is neither a number nor a name ({})",
                    spec.name,
                    spec.names.join(", ")
                )
            }
        })?,
    };
    if v < spec.min || v > spec.max {
        return Err(format!(
            "{}: `{text}` is out of range {}-{}",
            spec.name, spec.min, spec.max
        ));
    }
    Ok(v)
}

fn has(set: u64, v: impl Into<i64>) -> bool {
    let v = v.into();
    (0..64).contains(&v) && set & (1 << v) != 0
}

/// How far the scan looks for a matching day before giving up (29 February on a given
/// weekday recurs within 28 years; a day that never exists, like 30 February, never).
const HORIZON_DAYS: i64 = 366 * 29;

impl Cron {
    /// Whether the expression allows this calendar day.
    pub fn matches_day(&self, d: Date) -> bool {
        if !has(self.months, d.month()) {
            return false;
        }
        let dom = has(self.days, d.day());
        let dow = has(self.weekdays, d.weekday().to_sunday_zero_offset());
        match (self.days_star, self.weekdays_star) {
            (false, false) => dom || dow,
            _ => dom && dow,
        }
    }

    /// Whether any date has a day the expression matches (`0 0 30 2 *`, 30 February,
    /// has none). Leap days count: `29 2` matches.
    pub fn matches_some_day(&self) -> bool {
        self.next_after(Timestamp::UNIX_EPOCH, &TimeZone::UTC)
            .is_some()
    }

    /// The first instant strictly after `after` at which the expression matches the wall
    /// clock of `tz`, or `None` when no day ever matches.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = after.to_zoned(tz.clone()).datetime();
        // Wall clocks move back at a fold, so a wall time before `local` may still be a
        // later instant. Folds never exceed a day: scan from a day back, keep the
        // earliest instant after `after`, and stop a day of wall time past it.
        let from = local.checked_sub(1.day()).ok()?;
        let mut best: Option<(Timestamp, DateTime)> = None;
        let mut day = from.date();
        'scan: for _ in 0..HORIZON_DAYS {
            if let Some((_, found)) = best {
                if day > found.date().checked_add(1.day()).ok()? {
                    break;
                }
            }
            if self.matches_day(day) {
                for hour in (0..24).filter(|h| has(self.hours, *h)) {
                    for minute in (0..60).filter(|m| has(self.minutes, *m)) {
                        let dt = day.at(hour, minute, 0, 0);
                        if dt < from {
                            continue;
                        }
                        if let Some((_, found)) = best {
                            if dt > found.checked_add(1.day()).ok()? {
                                break 'scan;
                            }
                        }
                        for t in self.instants(dt, tz) {
                            if t > after && best.is_none_or(|(b, _)| t < b) {
                                best = Some((t, dt));
                            }
                        }
                    }
                }
            }
            day = day.tomorrow().ok()?;
        }
        best.map(|(t, _)| t)
    }

    /// The instants a wall time stands for (see the module note on DST).
    fn instants(&self, dt: DateTime, tz: &TimeZone) -> Vec<Timestamp> {
        let at = |o: jiff::tz::Offset| o.to_timestamp(dt).ok();
        match tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => at(offset).into_iter().collect(),
            AmbiguousOffset::Gap { before, .. } => at(before).into_iter().collect(),
            AmbiguousOffset::Fold { before, after } => {
                let mut out: Vec<Timestamp> = at(before).into_iter().collect();
                if self.hours_star {
                    out.extend(at(after));
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests;
