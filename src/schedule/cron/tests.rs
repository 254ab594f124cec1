use jiff::civil::date;
use proptest::prelude::*;

use super::*;

fn cron(text: &str) -> Cron {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn next_utc(expr: &str, after: &str) -> String {
    cron(expr)
        .next_after(utc(after), &TimeZone::UTC)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// New York's rules since 2007, as a POSIX TZ string so the test needs no tzdb.
fn new_york() -> TimeZone {
    TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

#[test]
fn fields_lists_ranges_steps_and_names() {
    let c = cron("*/15 9-17 * jan,JUL mon-fri");
    assert_eq!(
        next_utc("*/15 9-17 * * *", "2024-05-01T09:07:00Z"),
        "2024-05-01T09:15:00Z"
    );
    assert_eq!(
        next_utc("*/15 9-17 * * *", "2024-05-01T17:45:00Z"),
        "2024-05-02T09:00:00Z"
    );
    assert!(c.matches_day(date(2024, 7, 1)), "a Monday in July");
    assert!(!c.matches_day(date(2024, 7, 6)), "a Saturday");
    assert!(!c.matches_day(date(2024, 8, 5)), "August");
    assert_eq!(
        next_utc("5/20 * * * *", "2024-05-01T10:46:00Z"),
        "2024-05-01T11:05:00Z"
    );
    assert_eq!(
        next_utc("0-30/10 * * * *", "2024-05-01T10:21:00Z"),
        "2024-05-01T10:30:00Z"
    );
    assert_eq!(
        next_utc("0 0 * * 7", "2024-05-01T00:00:00Z"),
        "2024-05-05T00:00:00Z"
    );
    assert_eq!(
        next_utc("@monthly", "2024-05-01T00:00:00Z"),
        "2024-06-01T00:00:00Z"
    );
}

#[test]
fn next_is_strictly_after() {
    assert_eq!(
        next_utc("30 2 * * *", "2024-05-01T02:30:00Z"),
        "2024-05-02T02:30:00Z"
    );
    assert_eq!(
        next_utc("* * * * *", "2024-05-01T02:30:59.9Z"),
        "2024-05-01T02:31:00Z"
    );
}

#[test]
fn day_of_month_or_day_of_week_when_both_are_restricted() {
    // The 13th, or any Friday.
    let both = cron("0 0 13 * fri");
    assert!(both.matches_day(date(2024, 9, 13)), "Friday the 13th");
    assert!(both.matches_day(date(2024, 9, 6)), "a Friday, not the 13th");
    assert!(both.matches_day(date(2024, 8, 13)), "the 13th, a Tuesday");
    assert!(!both.matches_day(date(2024, 9, 7)));
    // With a `*` day of month only the weekday counts.
    let fridays = cron("0 0 * * fri");
    assert!(!fridays.matches_day(date(2024, 9, 12)));
    assert!(fridays.matches_day(date(2024, 9, 20)));
    // `*/2` starts with `*`, so both must hold: odd days that are Fridays.
    let odd_fridays = cron("0 0 */2 * fri");
    assert!(odd_fridays.matches_day(date(2024, 9, 13)));
    assert!(
        !odd_fridays.matches_day(date(2024, 9, 20)),
        "the 20th is even"
    );
    assert!(!odd_fridays.matches_day(date(2024, 9, 11)), "a Wednesday");
}

#[test]
fn rare_and_impossible_days() {
    assert_eq!(
        next_utc("0 0 29 2 *", "2024-03-01T00:00:00Z"),
        "2028-02-29T00:00:00Z"
    );
    assert_eq!(next_utc("0 0 30 2 *", "2024-03-01T00:00:00Z"), "");
}

#[test]
fn bad_expressions_say_which_field_and_where() {
    let e = "0 25 * * *".parse::<Cron>().unwrap_err();
    assert_eq!(e.column, 3);
    assert!(e.message.contains("hour: `25` is out of range 0-23"), "{e}");
    let e = "0 0 * foo *".parse::<Cron>().unwrap_err();
    assert_eq!(e.column, 7);
    assert!(e.message.contains("month"), "{e}");
    let e = "0 0 1,,2 * *".parse::<Cron>().unwrap_err();
    assert!(e.message.contains("empty"), "{e}");
    for bad in [
        "* * * *",
        "* * * * * *",
        "*/0 * * * *",
        "5-1 * * * *",
        "@often",
        "",
        "a b c d e",
    ] {
        assert!(bad.parse::<Cron>().is_err(), "{bad} should not parse");
    }
}

#[test]
fn spring_forward_gap_runs_late_once() {
    // 2024-03-10: New York skips 02:00-03:00 local.
    let tz = new_york();
    let daily = cron("30 2 * * *");
    let before = date(2024, 3, 10)
        .at(0, 0, 0, 0)
        .to_zoned(tz.clone())
        .unwrap();
    let next = daily.next_after(before.timestamp(), &tz).unwrap();
    assert_eq!(
        next.to_zoned(tz.clone()).datetime(),
        date(2024, 3, 10).at(3, 30, 0, 0)
    );
    let after = daily.next_after(next, &tz).unwrap();
    assert_eq!(
        after.to_zoned(tz.clone()).datetime(),
        date(2024, 3, 11).at(2, 30, 0, 0)
    );
    // Hourly stays one run per real hour: 01:00 EST, then 03:00 EDT.
    let hourly = cron("0 * * * *");
    let one = date(2024, 3, 10)
        .at(1, 0, 0, 0)
        .to_zoned(tz.clone())
        .unwrap();
    let next = hourly.next_after(one.timestamp(), &tz).unwrap();
    assert_eq!(next.duration_since(one.timestamp()).as_secs(), 3600);
}

#[test]
fn fall_back_fold_runs_fixed_hours_once_and_star_hours_in_both_passes() {
    // 2024-11-03: New York repeats 01:00-02:00 local.
    let tz = new_york();
    let start = date(2024, 11, 3)
        .at(0, 0, 0, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp();
    let runs = |expr: &str| {
        let c = cron(expr);
        let mut t = start;
        let mut out = Vec::new();
        while let Some(n) = c.next_after(t, &tz) {
            if n.duration_since(start).as_hours() >= 4 {
                break;
            }
            out.push(n);
            t = n;
        }
        out
    };
    assert_eq!(runs("30 1 * * *").len(), 1, "a fixed wall time runs once");
    let hourly = runs("30 * * * *");
    // 00:30 EDT, 01:30 EDT, 01:30 EST, 02:30 EST: four real hours, four runs.
    assert_eq!(hourly.len(), 4, "{hourly:?}");
    for pair in hourly.windows(2) {
        assert_eq!(pair[1].duration_since(pair[0]).as_secs(), 3600);
    }
}

#[test]
fn named_zone_from_the_database() {
    let Ok(tz) = TimeZone::get("Europe/Amsterdam") else {
        return; // no tzdb on this machine; the POSIX tests cover DST
    };
    // 09:00 in Amsterdam in summer is 07:00 UTC.
    let next = cron("0 9 * * *")
        .next_after(utc("2024-07-01T00:00:00Z"), &tz)
        .unwrap();
    assert_eq!(next.to_string(), "2024-07-01T07:00:00Z");
}

fn arb_field(min: u32, max: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        (min..=max).prop_map(|v| v.to_string()),
        (min..=max, min..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        (1u32..=10).prop_map(|s| format!("*/{s}")),
        (min..=max, min..=max).prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

fn arb_cron() -> impl Strategy<Value = String> {
    (
        arb_field(0, 59),
        arb_field(0, 23),
        arb_field(1, 28),
        arb_field(1, 12),
        arb_field(0, 7),
    )
        .prop_map(|(a, b, c, d, e)| format!("{a} {b} {c} {d} {e}"))
}

fn fields_match(c: &Cron, dt: DateTime) -> bool {
    c.matches_day(dt.date()) && has(c.hours, dt.hour()) && has(c.minutes, dt.minute())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// In UTC the next time matches every field, is later, and no minute in between
    /// matches (checked over the first two days, where a minute-by-minute walk is cheap).
    #[test]
    fn next_is_the_first_matching_minute(expr in arb_cron(), secs in 0i64..4_000_000_000) {
        let c = cron(&expr);
        let after = Timestamp::from_second(secs).unwrap();
        let next = c.next_after(after, &TimeZone::UTC).unwrap();
        prop_assert!(next > after);
        let dt = next.to_zoned(TimeZone::UTC).datetime();
        prop_assert!(fields_match(&c, dt), "{} does not match {}", dt, expr);
        prop_assert_eq!(dt.second(), 0);
        let mut probe = after.to_zoned(TimeZone::UTC).datetime()
            .with().second(0).subsec_nanosecond(0).build().unwrap();
        for _ in 0..2880 {
            probe = probe.checked_add(1.minute()).unwrap();
            if probe >= dt {
                break;
            }
            prop_assert!(!fields_match(&c, probe), "{} matches {} before {}", probe, expr, dt);
        }
    }

    /// In a zone with DST, runs are strictly increasing and every run's wall time
    /// matches the expression (shifted only by a gap).
    #[test]
    fn runs_increase_across_dst(expr in arb_cron(), day in 0i64..730) {
        let tz = new_york();
        let c = cron(&expr);
        let mut t = Timestamp::from_second(1_704_067_200 + day * 86_400).unwrap();
        for _ in 0..20 {
            let Some(n) = c.next_after(t, &tz) else { break };
            prop_assert!(n > t);
            let wall = n.to_zoned(tz.clone()).datetime();
            let shifted = wall.checked_sub(1.hour()).unwrap();
            prop_assert!(fields_match(&c, wall) || fields_match(&c, shifted), "{} for {}", wall, expr);
            t = n;
        }
    }
}
