//! The event outbox: rows appended in the transaction of the change they describe, and
//! the positions of named consumers reading it.
//!
//! An event is written by the same transaction as its change, so it exists exactly when
//! the change does: a rolled-back step leaves no event behind, and a reader on another
//! connection (WAL) only ever sees committed rows.
//!
//! Why readers may trust `seq` order: `seq` is assigned when the row is inserted, and
//! SQLite lets one connection write at a time. Every store transaction that writes takes
//! the write lock with `BEGIN IMMEDIATE` (`store::write_tx`) or with its first write
//! (autocommit statements), and holds it until it commits or rolls back. A transaction
//! in WAL mode can only write on top of the newest committed snapshot, so an insert
//! happens after every earlier writer has finished, and commits come in `seq` order: a
//! reader that has seen seq N will never later find a committed N-1. `seq` is the
//! rowid, one above the largest; events are never deleted, so no number is handed out
//! twice, and a rolled-back insert leaves no gap. (A PostgreSQL store will need a
//! commit-order key of its own: there, sequences are handed out before commit.)
//!
//! `step.finished` rows are also the step log of their process (the `process_steps`
//! view, written by `processes::commit_step`): one row per step instead of two.
//!
//! The events of one process form a chain: each names the one before it (`prev`) and
//! the process row names the newest (`last_event`). A step commit already rewrites
//! the process row, so the chain costs it no page, where an index entry per step cost
//! a leaf of its own for each process in a group commit. [`of_process`] and
//! [`of_processes`] walk it.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::query::Query;
use crate::store::StoreError;
use crate::store::events::{self, Concerns, Consumer, Event, Filter};

pub fn append(
    conn: &Connection,
    kind: &str,
    about: Concerns<'_>,
    data: &Value,
) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (at, kind, process_id, subscription_id, product_id, data, prev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT last_event FROM processes WHERE process_id = ?3))",
    )?;
    stmt.execute(params![
        crate::clock::now_text(),
        kind,
        about.process_id,
        about.subscription_id,
        about.product_id,
        data.to_string()
    ])?;
    let seq = conn.last_insert_rowid();
    if let Some(process_id) = about.process_id {
        chained(conn, process_id, seq)?;
    }
    Ok(seq)
}

/// Makes `seq` the newest event of the process (its row, if it has one).
fn chained(conn: &Connection, process_id: &str, seq: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE processes SET last_event = ?2 WHERE process_id = ?1")?
        .execute(params![process_id, seq])?;
    Ok(())
}

/// `(…)`, a subquery: the seqs of the events of the process `process` newer than seq
/// `after`, both placeholders of the caller's statement (`?1`).
///
/// The walk starts at the process row's `last_event`, or, for a process whose row was
/// deleted (a cleaned-up task run), at its newest event that is not a step (its
/// `process.completed`, found by the `events_process` index).
pub fn of_process(process: &str, after: &str) -> String {
    walk(
        &format!(
            "SELECT COALESCE(
                 (SELECT last_event FROM processes WHERE process_id = {process}),
                 (SELECT MAX(seq) FROM events WHERE process_id = {process} AND kind <> 'step.finished'))"
        ),
        after,
    )
}

/// `(…)`, a subquery: the seqs of every event of the processes `ids` selects (their
/// rows must exist).
pub fn of_processes(ids: &str) -> String {
    walk(
        &format!("SELECT last_event FROM processes WHERE process_id IN ({ids})"),
        "0",
    )
}

/// The chains that start at the seqs `heads` selects, followed through `prev` one
/// primary-key lookup at a time until they pass `after`.
fn walk(heads: &str, after: &str) -> String {
    format!(
        "(WITH RECURSIVE chain(seq) AS (
             {heads}
             UNION ALL
             SELECT e.prev FROM chain JOIN events e ON e.seq = chain.seq WHERE e.prev > {after})
         SELECT seq FROM chain WHERE seq > {after})"
    )
}

pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Event>, StoreError> {
    events::all(read(conn, f)?)
}

/// The events matching `f` up to the first whose data cannot be read, and its error.
pub fn read(conn: &Connection, f: &Filter) -> Result<(Vec<Event>, Option<StoreError>), StoreError> {
    let mut q = Query::new(
        "SELECT seq, at, kind, process_id, subscription_id, product_id, data FROM events WHERE 1 = 1",
    );
    crate::store::filters::events(&mut q, f);
    if let Some(p) = &f.process_id {
        let p = q.placeholder(p.clone());
        let after = q.placeholder(f.since);
        q.and_text(&format!("seq IN {}", of_process(&p, &after)));
    }
    if !f.kinds.is_empty() {
        q.and(
            "EXISTS (SELECT 1 FROM json_each(?) WHERE events.kind GLOB json_each.value)",
            serde_json::to_string(&f.kinds).unwrap_or_default(),
        );
    }
    q.push("ORDER BY seq");
    if let Some(l) = f.limit {
        q.then("LIMIT ?", l);
    }
    let rows = q.rows(conn, |r| {
        Ok((
            Event {
                seq: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                process_id: r.get(3)?,
                subscription_id: r.get(4)?,
                product_id: r.get(5)?,
                data: Value::Null,
            },
            r.get::<_, String>(6)?,
        ))
    })?;
    Ok(events::with_data(rows))
}

pub fn last_seq(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
}

pub fn consumer(conn: &Connection, name: &str) -> Result<Option<Consumer>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT name, position, updated_at FROM event_consumers WHERE name = ?1")?
        .query_row([name], consumer_from_row)
        .optional()?)
}

pub fn consumers(conn: &Connection) -> Result<Vec<Consumer>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT name, position, updated_at FROM event_consumers ORDER BY name")?;
    let rows = stmt.query_map([], consumer_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn consumer_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Consumer> {
    Ok(Consumer {
        name: r.get(0)?,
        position: r.get(1)?,
        updated_at: r.get(2)?,
    })
}

/// Creates the consumer at `position`, or moves an existing one there.
pub fn set_consumer(conn: &Connection, name: &str, position: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO event_consumers (name, position, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )?
    .execute(params![name, position, crate::clock::now_text()])?;
    Ok(())
}

/// Moves a consumer from `from` to `to`; false when it was not at `from` any more,
/// which means another reader of the same name moved it.
pub fn advance_consumer(
    conn: &Connection,
    name: &str,
    from: i64,
    to: i64,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE event_consumers SET position = ?3, updated_at = ?4 WHERE name = ?1 AND position = ?2",
        )?
        .execute(params![name, from, to, crate::clock::now_text()])?;
    Ok(changed == 1)
}

pub fn delete_consumer(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM event_consumers WHERE name = ?1")?
        .execute([name])?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::tests::open_conn;
    use serde_json::json;

    fn stores() -> (tempfile::TempDir, Connection, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let writer = open_conn(dir.path());
        let reader = open_conn(dir.path());
        (dir, writer, reader)
    }

    fn add(conn: &Connection, kind: &str) -> i64 {
        append(conn, kind, Concerns::default(), &json!({})).unwrap()
    }

    #[test]
    fn a_rolled_back_event_is_never_seen_and_its_seq_is_reused() {
        let (_dir, mut writer, reader) = stores();
        add(&writer, "a.one");
        let tx = crate::store::sqlite::write_tx(&mut writer).unwrap();
        let lost = add(&tx, "a.lost");
        // Not committed yet: another connection does not see it.
        assert_eq!(last_seq(&reader).unwrap(), 1);
        tx.rollback().unwrap();
        assert_eq!(last_seq(&reader).unwrap(), 1);
        let kept = add(&writer, "a.kept");
        assert_eq!(
            kept, lost,
            "the number of a rolled-back event is given again"
        );
        assert_eq!(last_seq(&reader).unwrap(), kept);
        let kinds: Vec<String> = list(&reader, &Filter::default())
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["a.one", "a.kept"]);
    }

    #[test]
    fn filters_by_glob_and_range() {
        let (_dir, writer, _) = stores();
        for k in [
            "process.started",
            "step.finished",
            "process.failed",
            "product.created",
        ] {
            add(&writer, k);
        }
        let seqs =
            |f: Filter| -> Vec<i64> { list(&writer, &f).unwrap().iter().map(|e| e.seq).collect() };
        let kinds = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            seqs(Filter {
                kinds: kinds(&["process.*"]),
                ..Default::default()
            }),
            [1, 3]
        );
        assert_eq!(
            seqs(Filter {
                kinds: kinds(&["step.*", "product.*"]),
                ..Default::default()
            }),
            [2, 4]
        );
        assert_eq!(
            seqs(Filter {
                since: 1,
                until: Some(3),
                ..Default::default()
            }),
            [2, 3]
        );
        assert_eq!(
            seqs(Filter {
                limit: Some(2),
                ..Default::default()
            }),
            [1, 2]
        );
    }

    #[test]
    fn a_consumer_only_moves_from_where_it_was() {
        let (_dir, writer, _) = stores();
        let conn = &writer;
        assert_eq!(consumer(conn, "billing").unwrap(), None);
        set_consumer(conn, "billing", 0).unwrap();
        assert!(advance_consumer(conn, "billing", 0, 5).unwrap());
        // A second reader that still thinks it is at 0 is refused.
        assert!(!advance_consumer(conn, "billing", 0, 3).unwrap());
        assert_eq!(consumer(conn, "billing").unwrap().unwrap().position, 5);
        set_consumer(conn, "audit", 2).unwrap();
        let names: Vec<String> = consumers(conn)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["audit", "billing"]);
        assert!(delete_consumer(conn, "audit").unwrap());
        assert!(!delete_consumer(conn, "audit").unwrap());
    }
}
