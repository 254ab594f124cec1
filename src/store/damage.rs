//! Damage SQLite and PostgreSQL keep without complaint, which orch looks for itself.
//!
//! refinery's migration history is read before refinery reads it: refinery takes each
//! row's date and checksum as it wrote them and stops the program on one it cannot
//! read. And rows edited by hand (a status orch does not know, JSON that does not
//! parse) are what `orch db check` looks for beside the database's own checks.

use crate::error::{Error, Kind};

/// The tables a schema at the latest version has on both stores; `db check` names any
/// that is missing (dropped by hand, say), which would otherwise surface as a driver
/// error in the middle of some later command.
pub const TABLES: [&str; 22] = [
    "api_tokens",
    "block_fields",
    "callbacks",
    "engine",
    "event_consumers",
    "events",
    "fixed_inputs",
    "lock_waiters",
    "locks",
    "process_states",
    "process_subscriptions",
    "processes",
    "product_blocks",
    "products",
    "schedules",
    "subscription_blocks",
    "subscription_relations",
    "subscription_search",
    "subscription_values",
    "subscriptions",
    "workers",
    "workflow_definitions",
];

/// The tables to look for in a schema at `version` (of `latest`): every one at the
/// latest, the first four (there from the first version) otherwise.
pub fn tables_at(version: i64, latest: i64) -> &'static [&'static str] {
    if version == latest {
        &TABLES
    } else {
        &TABLES_SINCE_FIRST
    }
}

const TABLES_SINCE_FIRST: [&str; 4] = ["products", "subscriptions", "processes", "events"];

/// Why a history row (`version`, `applied_on`, `checksum`) is not one refinery wrote;
/// None when it is.
/// Migrations as refinery records them in its history: (version, name, checksum), by
/// version.
pub fn as_recorded(migrations: &[refinery::Migration]) -> Vec<(i64, String, String)> {
    let mut all: Vec<(i64, String, String)> = migrations
        .iter()
        .map(|m| {
            (
                i64::from(m.version()),
                m.name().to_string(),
                m.checksum().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

/// How a migration history (version, name, checksum) differs from the migrations this
/// orch embeds, up to the newest version applied: a migration missing, or recorded
/// under another name or checksum (edited by hand, or written by another build). A
/// history newer than this orch's is not compared past what it knows.
pub fn diverging(
    applied: &[(i64, String, String)],
    embedded: &[(i64, String, String)],
) -> Vec<String> {
    let newest = applied.iter().map(|a| a.0).max().unwrap_or(0);
    let mut out = Vec::new();
    for (v, name, sum) in embedded.iter().filter(|e| e.0 <= newest) {
        match applied.iter().find(|a| a.0 == *v) {
            None => out.push(format!(
                "the migration history lacks V{v} ({name}), though later migrations are recorded"
            )),
            Some((_, n, c)) if n != name || c != sum => out.push(format!(
                "the migration history records V{v} as `{n}` (checksum {c}), not as this orch has it (`{name}`, checksum {sum}): it was edited, or written by another build"
            )),
            Some(_) => {}
        }
    }
    let known = embedded.iter().map(|e| e.0).max().unwrap_or(0);
    for (v, n, _) in applied.iter().filter(|a| a.0 <= known) {
        if !embedded.iter().any(|e| e.0 == *v) {
            out.push(format!(
                "the migration history records V{v} (`{n}`), which this orch does not have"
            ));
        }
    }
    out
}

pub fn unreadable(version: i64, applied_on: &str, checksum: &str) -> Option<String> {
    if applied_on.parse::<jiff::Timestamp>().is_err() {
        return Some(format!(
            "version {version} has the date `{applied_on}`, which is no RFC 3339 time"
        ));
    }
    if checksum.parse::<u64>().is_err() {
        return Some(format!(
            "version {version} has the checksum `{checksum}`, which is no number"
        ));
    }
    None
}

/// The error for a damaged history in the database `at`.
pub fn damaged(at: &str, why: &str) -> Error {
    Error::new(
        Kind::Failure,
        format!("the migration history of {at} is damaged: {why}"),
    )
    .with_hint("it was edited by hand or the database is damaged; restore a backup (`orch db check` says what else is wrong), or put the row back as orch wrote it")
}

/// refinery's refusal to migrate, in orch's words: a migration recorded otherwise
/// than this orch has it is named as [`diverging`] names it (refinery says "filesystem",
/// though orch's migrations are built in); anything else as refinery says it.
pub fn migration_refused(e: &refinery::Error) -> String {
    use refinery::error::Kind as Refused;
    match e.kind() {
        Refused::DivergentVersion(applied, ours) => format!(
            "the migration history records {applied} (checksum {}), not as this orch has it ({ours}, checksum {}): it was edited, or written by another build",
            applied.checksum(),
            ours.checksum()
        ),
        Refused::MissingVersion(applied) => format!(
            "the migration history records {applied}, which this orch does not have: it was written by another build"
        ),
        _ => e.to_string(),
    }
}

/// The queries that find rows orch cannot read, each with what it finds; `json`
/// adds those of JSON text (SQLite's `json_valid`; see [`JSON_COLUMNS`] for a store
/// without it). Each query gives the rows' ids.
pub fn row_checks(json: bool) -> Vec<(String, &'static str)> {
    use crate::domain::lifecycle::Lifecycle;
    use crate::domain::process::{ProcessStatus, StepStatus};
    fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
        names
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
    let mut checks = vec![
        (
            format!(
                "SELECT process_id FROM processes WHERE status NOT IN ({})",
                list(ProcessStatus::ALL.iter().map(|s| s.as_str()))
            ),
            "process(es) with a status orch does not know",
        ),
        (
            format!(
                "SELECT process_id || ' / ' || name FROM process_steps WHERE status NOT IN ({})",
                list(StepStatus::ALL.iter().map(|s| s.as_str()))
            ),
            "step(s) with a status orch does not know",
        ),
        (
            format!(
                "SELECT subscription_id FROM subscriptions WHERE status NOT IN ({})",
                list(Lifecycle::ALL.iter().map(|s| s.as_str()))
            ),
            "subscription(s) with a lifecycle state orch does not know",
        ),
        (
            "SELECT c.process_id FROM processes c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.process_id = c.parent_id) ORDER BY c.process_id".into(),
            "process(es) whose parent_id names no process (an older orch's cleanup_tasks deleted the parent; the child itself is readable)",
        ),
    ];
    if json {
        for c in &JSON_COLUMNS {
            checks.push((
                format!(
                    "SELECT {} FROM {} WHERE {} IS NOT NULL AND NOT json_valid({}) ORDER BY {}",
                    c.id, c.table, c.column, c.column, c.order
                ),
                c.what,
            ));
        }
    }
    checks
}

/// A column of JSON text orch parses when it reads the row.
pub struct JsonColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// The SQL that names a row in a problem.
    pub id: &'static str,
    /// The order "the first" row is found in (a key, so no sort is needed).
    pub order: &'static str,
    pub what: &'static str,
}

/// Every column of JSON text orch reads back.
pub const JSON_COLUMNS: [JsonColumn; 5] = [
    JsonColumn {
        table: "process_states",
        column: "state",
        id: "process_id",
        order: "process_id",
        what: "process state(s) that are not JSON",
    },
    JsonColumn {
        table: "subscriptions",
        column: "document",
        id: "subscription_id",
        order: "subscription_id",
        what: "subscription document(s) that are not JSON",
    },
    JsonColumn {
        table: "process_steps",
        column: "state_patch",
        id: "process_id || ' / ' || name",
        order: "step_id",
        what: "step change(s) that are not JSON",
    },
    JsonColumn {
        table: "workflow_definitions",
        column: "definition",
        id: "hash",
        order: "hash",
        what: "stored workflow definition(s) that are not JSON",
    },
    JsonColumn {
        table: "events",
        column: "data",
        id: "'event ' || seq",
        order: "seq",
        what: "event(s) whose data is not JSON",
    },
];

/// The problem `db check` reports for the rows a check found.
pub fn found(what: &str, ids: &[String]) -> Option<String> {
    let first = ids.first()?;
    Some(format!("{} {what} (the first: {first})", ids.len()))
}

/// What a schema whose (table, column) pairs are `present` lacks of the `expected`
/// ones: each missing table once, and each missing column of a table that is there.
/// Extra tables and columns are someone else's business.
pub fn missing_columns(expected: &[(String, String)], present: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut missing_tables: Vec<&str> = Vec::new();
    for (table, column) in expected {
        if missing_tables.contains(&table.as_str()) {
            continue;
        }
        if !present.iter().any(|(t, _)| t == table) {
            missing_tables.push(table);
            problems.push(format!("the table `{table}` is missing"));
        } else if !present.iter().any(|(t, c)| t == table && c == column) {
            problems.push(format!("the table `{table}` has no column `{column}`"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_refinery_wrote_are_readable_and_others_are_named() {
        assert_eq!(
            unreadable(3, "2026-11-30T22:11:13.123456789Z", "1234"),
            None
        );
        assert_eq!(unreadable(3, "2026-11-30T22:11:13+00:00", "1234"), None);
        let why = unreadable(3, "yesterday", "1234").unwrap();
        assert!(
            why.contains("version 3") && why.contains("yesterday"),
            "{why}"
        );
        assert!(unreadable(3, "2026-11-30T22:11:13Z", "x").is_some());
    }

    #[test]
    fn a_missing_table_is_said_once_and_a_missing_column_by_name() {
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(t, c)| (t.to_string(), c.to_string()))
                .collect::<Vec<_>>()
        };
        let expected = pairs(&[("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]);
        let present = pairs(&[("a", "x"), ("a", "z"), ("c", "x")]);
        assert_eq!(
            super::missing_columns(&expected, &present),
            [
                "the table `a` has no column `y`",
                "the table `b` is missing"
            ]
        );
        assert!(super::missing_columns(&expected, &expected).is_empty());
    }
}
