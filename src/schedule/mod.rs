//! Schedules of tasks: when a task is next due, given when it last ran, and the claim
//! that lets exactly one scheduler run a due task.
//!
//! A schedule is `cron` (wall-clock times in a zone) or `every` (a fixed interval). It
//! keeps no backlog: a schedule that missed runs while no scheduler was up runs once
//! when one comes back, and a schedule that never ran is due at once.

pub mod claim;
pub mod cron;

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::workflow::ScheduleDef;
use crate::error::{Error, Result};

pub use cron::Cron;

/// A checked schedule.
#[derive(Debug, Clone)]
pub enum Spec {
    Cron {
        cron: Cron,
        tz: TimeZone,
        zone: String,
    },
    Every(Duration),
}

/// When a schedule runs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRun {
    /// It never ran: due at once.
    Now,
    At(Timestamp),
    /// The cron expression matches no day that exists (30 February).
    Never,
}

impl NextRun {
    pub fn is_due(self, now: Timestamp) -> bool {
        match self {
            NextRun::Now => true,
            NextRun::At(t) => t <= now,
            NextRun::Never => false,
        }
    }

    /// The time to show or store; `Now` is shown as `now`.
    pub fn at(self, now: Timestamp) -> Option<Timestamp> {
        match self {
            NextRun::Now => Some(now),
            NextRun::At(t) => Some(t),
            NextRun::Never => None,
        }
    }
}

impl Spec {
    pub fn from_def(def: &ScheduleDef) -> std::result::Result<Spec, String> {
        match (&def.cron, def.every) {
            (Some(text), None) => {
                let cron = text
                    .parse::<Cron>()
                    .map_err(|e| format!("cron `{text}`: {e}"))?;
                if !cron.matches_some_day() {
                    return Err(format!(
                        "cron `{text}` never matches: no date has that day in those months (such as 30 February); a task scheduled so would never run"
                    ));
                }
                let (tz, zone) = zone(def.timezone.as_deref())?;
                Ok(Spec::Cron { cron, tz, zone })
            }
            (None, Some(every)) => {
                if every < Duration::from_secs(1) {
                    return Err("`every` must be at least 1s".into());
                }
                if def.timezone.is_some() {
                    return Err("`timezone` only applies to `cron`".into());
                }
                Ok(Spec::Every(every))
            }
            _ => Err("a schedule has either `cron` or `every`".into()),
        }
    }

    /// When a schedule that last ran at `last` is next due.
    pub fn next_due(&self, last: Option<Timestamp>) -> NextRun {
        let Some(last) = last else {
            return NextRun::Now;
        };
        let next = match self {
            Spec::Cron { cron, tz, .. } => cron.next_after(last, tz),
            Spec::Every(d) => last.checked_add(*d).ok(),
        };
        next.map_or(NextRun::Never, NextRun::At)
    }

    /// What to record as the time of a run claimed at `now`. An interval keeps its rhythm
    /// (the due time) while a run is less than one interval late, so runs do not drift;
    /// a later run restarts the rhythm from now instead of catching up.
    pub fn run_slot(&self, last: Option<Timestamp>, now: Timestamp) -> Timestamp {
        match (self, last) {
            (Spec::Every(d), Some(last)) => match last.checked_add(*d) {
                Ok(slot)
                    if slot <= now && now.duration_since(slot).as_secs_f64() < d.as_secs_f64() =>
                {
                    slot
                }
                _ => now,
            },
            _ => now,
        }
    }

    /// `cron 0 3 * * * (Europe/Amsterdam)`, `every 1h`.
    pub fn describe(&self) -> String {
        match self {
            Spec::Cron { cron, zone, .. } => format!("cron {cron} ({zone})"),
            Spec::Every(d) => format!("every {}", format_every(*d)),
        }
    }
}

/// How far in the future a stored last run may be and still count as a run just now:
/// schedulers read the clock a moment before they claim (another may claim between),
/// and the clocks of two hosts differ by a little.
pub const CLOCK_SLACK: std::time::Duration = std::time::Duration::from_secs(300);

/// The last run as stored, for deciding what is due at `now`. A last run a little
/// later than `now` (within [`CLOCK_SLACK`]: another scheduler's clock, or its claim
/// since this one read the time) is a run just now, not due again. One much later
/// means the clock moved back (or was wrong when it ran): such a schedule counts as
/// never run, so it runs once and takes its rhythm from the present.
pub fn last_run(stored: Option<&str>, now: Timestamp) -> Option<Timestamp> {
    let last = stored.and_then(crate::clock::parse)?;
    if last <= now {
        return Some(last);
    }
    let ahead = last.duration_since(now).as_secs_f64();
    (ahead <= CLOCK_SLACK.as_secs_f64()).then_some(now)
}

/// A time zone by IANA name; none means UTC, and `local` the system's zone.
pub fn zone(name: Option<&str>) -> std::result::Result<(TimeZone, String), String> {
    match name.map(str::trim) {
        None | Some("UTC") | Some("utc") => Ok((TimeZone::UTC, "UTC".into())),
        Some("local") => {
            let tz = TimeZone::system();
            let shown = tz.iana_name().unwrap_or("local").to_string();
            Ok((tz, shown))
        }
        Some(n) => TimeZone::get(n).map(|tz| (tz, n.to_string())).map_err(|_| {
            format!(
                "unknown time zone `{n}` (use an IANA name such as Europe/Amsterdam, `UTC` or `local`)"
            )
        }),
    }
}

/// An interval as written in files: `1d`, `1h30m`, `90s` → `1m30s`, `500ms`.
pub fn format_every(d: Duration) -> String {
    crate::domain::workflow::format_exact(d)
}

/// The time scheduling decisions use. `ORCH_NOW` (RFC 3339) pins it; it exists for tests
/// and is not otherwise documented.
pub fn now() -> Result<Timestamp> {
    match std::env::var("ORCH_NOW") {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map_err(|e| Error::usage(format!("ORCH_NOW is `{text}`, not an RFC 3339 time: {e}"))),
        _ => Ok(crate::clock::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A run another scheduler claimed a moment after this one read the clock is a run
    /// just now, not a reason to run again; one far in the future is a clock that
    /// moved back, and counts as never run.
    #[test]
    fn a_last_run_a_little_ahead_is_now_and_far_ahead_is_none() {
        let now = t("2024-01-01T00:00:00Z");
        let at = |text: &str| last_run(Some(text), now);
        assert_eq!(at("2023-12-31T23:00:00Z"), Some(t("2023-12-31T23:00:00Z")));
        assert_eq!(at("2024-01-01T00:00:00.011Z"), Some(now));
        assert_eq!(at("2024-01-01T00:04:59Z"), Some(now));
        assert_eq!(at("2024-01-01T01:00:00Z"), None);
        assert_eq!(last_run(None, now), None);
        let hourly = Spec::Every(Duration::from_secs(3600));
        assert!(!hourly.next_due(at("2024-01-01T00:00:00.011Z")).is_due(now));
    }

    #[test]
    fn every_keeps_its_rhythm_unless_a_whole_interval_was_missed() {
        let spec = Spec::Every(Duration::from_secs(60));
        let last = t("2024-01-01T00:00:00Z");
        assert_eq!(spec.next_due(None), NextRun::Now);
        assert_eq!(
            spec.next_due(Some(last)),
            NextRun::At(t("2024-01-01T00:01:00Z"))
        );
        // Claimed 3s late: the run counts for 00:01:00.
        assert_eq!(
            spec.run_slot(Some(last), t("2024-01-01T00:01:03Z")),
            t("2024-01-01T00:01:00Z")
        );
        // Claimed after an outage: one run, and the rhythm restarts.
        assert_eq!(
            spec.run_slot(Some(last), t("2024-01-01T05:00:30Z")),
            t("2024-01-01T05:00:30Z")
        );
    }

    #[test]
    fn specs_are_checked() {
        let def = |cron: Option<&str>, every: Option<u64>, tz: Option<&str>| ScheduleDef {
            cron: cron.map(str::to_string),
            every: every.map(Duration::from_secs),
            timezone: tz.map(str::to_string),
        };
        assert!(Spec::from_def(&def(Some("0 3 * * *"), None, None)).is_ok());
        assert!(Spec::from_def(&def(Some("0 3 * *"), None, None)).is_err());
        let never = Spec::from_def(&def(Some("0 0 30 2 *"), None, None));
        assert!(never.is_err_and(|m| m.contains("never matches")));
        assert!(Spec::from_def(&def(Some("0 0 29 2 *"), None, None)).is_ok());
        assert!(Spec::from_def(&def(None, Some(0), None)).is_err());
        assert!(Spec::from_def(&def(None, Some(60), Some("UTC"))).is_err());
        assert!(Spec::from_def(&def(Some("0 3 * * *"), None, Some("Mars/Olympus"))).is_err());
        assert_eq!(
            Spec::from_def(&def(None, Some(5400), None))
                .unwrap()
                .describe(),
            "every 1h30m"
        );
    }

    #[test]
    fn intervals_print_like_they_are_written() {
        assert_eq!(format_every(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_every(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_every(Duration::from_millis(1500)), "1500ms");
    }
}
