//! Subscriptions in the database: the row and document, the flattened index rows
//! (block instances, values, relations, full-text search), and the queries that list
//! and relate them without loading every document.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::events;
use super::query::Query;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::subscription::{Flat, RefInfo};
use crate::domain::usability::Facts;
use crate::store::StoreError;
use crate::store::events::Concerns;
use crate::store::subscriptions::{
    self as change, Filter, Find, RELATED_COLUMNS, Related, Subscription, Touch, Unfinished,
};

const COLUMNS: &str = "s.subscription_id, s.product_id, p.name, p.tag, p.product_type, p.root_key, s.customer_id, s.description, s.status, s.insync, s.start_date, s.end_date, s.note, s.document, s.created_at, s.updated_at";
const FROM: &str = "FROM subscriptions s JOIN products p ON p.product_id = s.product_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscription> {
    let root_key: String = r.get(5)?;
    let status: String = r.get(8)?;
    let tree = Subscription::tree_of(&r.get::<_, String>(13)?, &root_key);
    Ok(Subscription {
        subscription_id: r.get(0)?,
        product_id: r.get(1)?,
        product_name: r.get(2)?,
        product_tag: r.get(3)?,
        product_type: r.get(4)?,
        root_key,
        customer_id: r.get(6)?,
        description: r.get(7)?,
        status: status.parse().unwrap_or(Lifecycle::Initial),
        insync: r.get(9)?,
        start_date: r.get(10)?,
        end_date: r.get(11)?,
        note: r.get(12)?,
        tree,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Subscription>, StoreError> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE s.subscription_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Finds a subscription by id or a unique prefix of it.
pub fn find(conn: &Connection, id: &str) -> Result<Find, StoreError> {
    if let Some(s) = get(conn, id)? {
        return Ok(Find::One(Box::new(s)));
    }
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Find::None);
    }
    let mut q = Query::new(format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
    q.and("s.subscription_id >= ?", id.to_string())
        .and("s.subscription_id < ?", format!("{id}\u{10FFFF}"))
        .push("ORDER BY s.subscription_id LIMIT 6");
    let mut rows = q.rows(conn, from_row)?;
    Ok(match rows.len() {
        0 => Find::None,
        1 => Find::One(Box::new(rows.remove(0))),
        _ => Find::Ambiguous(rows.into_iter().map(|s| s.subscription_id).collect()),
    })
}

pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Subscription>, StoreError> {
    let mut q = Query::new(format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
    crate::store::filters::subscriptions(&mut q, f);
    if let Some(text) = &f.search {
        if let Some(m) = fts_query(text) {
            q.and(
                "s.subscription_id IN (SELECT subscription_id FROM subscription_search WHERE subscription_search MATCH ?)",
                m,
            );
        }
    }
    q.push("ORDER BY s.subscription_id DESC")
        .then("LIMIT ?", f.limit)
        .then("OFFSET ?", f.offset);
    q.rows(conn, from_row)
}

/// Turns what a user typed into an FTS5 query: every word quoted (so punctuation and
/// FTS operators are plain text) and prefix-matched, all words required.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Tag and lifecycle of a subscription, for reference checks.
pub fn ref_info(conn: &Connection, subscription_id: &str) -> Result<Option<RefInfo>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT p.tag, s.status FROM subscriptions s JOIN products p ON p.product_id = s.product_id WHERE s.subscription_id = ?1",
        )?
        .query_row([subscription_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    Ok(row.map(|(tag, status)| RefInfo {
        tag,
        status: status.parse().unwrap_or(Lifecycle::Initial),
    }))
}

/// The id, status and document of every subscription of a product.
pub fn documents_of_product(
    conn: &Connection,
    product_id: &str,
) -> Result<Vec<(String, Lifecycle, Value)>, StoreError> {
    let mut q = Query::new(format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
    q.and("s.product_id = ?", product_id.to_string())
        .push("ORDER BY s.subscription_id");
    Ok(q.rows(conn, from_row)?
        .into_iter()
        .map(|s| (s.subscription_id.clone(), s.status, s.document()))
        .collect())
}

fn related(conn: &Connection, sql: &str, id: &str) -> Result<Vec<Related>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([id], |r| {
            let status: String = r.get(2)?;
            Ok(Related {
                subscription_id: r.get(0)?,
                description: r.get(1)?,
                status: status.parse().unwrap_or(Lifecycle::Initial),
                insync: r.get(3)?,
                product_name: r.get(4)?,
                path: r.get(5)?,
                held: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The subscriptions whose fields point at `id`.
pub fn in_use_by(conn: &Connection, id: &str) -> Result<Vec<Related>, StoreError> {
    related(
        conn,
        &format!(
            "SELECT {RELATED_COLUMNS} FROM subscription_relations r JOIN subscriptions s ON s.subscription_id = r.subscription_id JOIN products p ON p.product_id = s.product_id WHERE r.depends_on_id = ?1 ORDER BY s.subscription_id"
        ),
        id,
    )
}

/// The subscriptions `id` points at.
pub fn depends_on(conn: &Connection, id: &str) -> Result<Vec<Related>, StoreError> {
    related(
        conn,
        &format!(
            "SELECT {RELATED_COLUMNS} FROM subscription_relations r JOIN subscriptions s ON s.subscription_id = r.depends_on_id JOIN products p ON p.product_id = s.product_id WHERE r.subscription_id = ?1 ORDER BY s.subscription_id"
        ),
        id,
    )
}

/// Writes a subscription that is new or changed, its index rows and its events; the
/// caller owns the transaction. `old` is the stored version (None: a new subscription).
pub fn save(
    conn: &Connection,
    new: &Subscription,
    old: Option<&Subscription>,
    flat: &Flat,
    process_id: Option<&str>,
) -> Result<(), StoreError> {
    let document = new.document().to_string();
    let now = crate::clock::now_text();
    conn.prepare_cached(
        "INSERT INTO subscriptions (subscription_id, product_id, customer_id, description, status, insync, start_date, end_date, note, document, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
         ON CONFLICT (subscription_id) DO UPDATE SET description = ?4, status = ?5, insync = ?6, start_date = ?7, end_date = ?8, note = ?9, document = ?10, updated_at = ?11",
    )?
    .execute(params![
        new.subscription_id,
        new.product_id,
        new.customer_id,
        new.description,
        new.status.as_str(),
        new.insync,
        new.start_date,
        new.end_date,
        new.note,
        document,
        now
    ])?;
    if let Some(tree_changed) = change::reindex_needed(new, old) {
        reindex(conn, new, flat, tree_changed)?;
    }
    if let Some(p) = process_id {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO process_subscriptions (process_id, subscription_id) VALUES (?1, ?2)",
        )?
        .execute([p, &new.subscription_id])?;
    }
    let about = Concerns {
        process_id,
        subscription_id: Some(&new.subscription_id),
        product_id: Some(&new.product_id),
    };
    for (kind, data) in change::change_events(new, old) {
        events::append(conn, kind, about, &data)?;
    }
    Ok(())
}

/// Replaces the index rows of a subscription. Block, value and relation rows only
/// change with the tree; the search row also carries the description.
fn reindex(
    conn: &Connection,
    s: &Subscription,
    flat: &Flat,
    tree_changed: bool,
) -> Result<(), StoreError> {
    let id = s.subscription_id.as_str();
    if tree_changed {
        for table in [
            "subscription_blocks",
            "subscription_values",
            "subscription_relations",
        ] {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE subscription_id = ?1"))?
                .execute([id])?;
        }
        let mut blocks = conn.prepare_cached(
            "INSERT OR IGNORE INTO subscription_blocks (subscription_id, path, block) VALUES (?1, ?2, ?3)",
        )?;
        for (path, block) in &flat.blocks {
            blocks.execute([id, path, block])?;
        }
        let mut values = conn.prepare_cached(
            "INSERT OR IGNORE INTO subscription_values (subscription_id, path, value) VALUES (?1, ?2, ?3)",
        )?;
        for (path, value) in &flat.values {
            values.execute([id, path, value])?;
        }
        let mut relations = conn.prepare_cached(
            "INSERT OR IGNORE INTO subscription_relations (subscription_id, depends_on_id, path) VALUES (?1, ?2, ?3)",
        )?;
        for (path, other) in &flat.relations {
            relations.execute([id, other, path])?;
        }
    }
    conn.prepare_cached("DELETE FROM subscription_search WHERE subscription_id = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT INTO subscription_search (subscription_id, description, fields) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, s.description, flat.search_text()])?;
    Ok(())
}

/// The processes not yet finished (completed or aborted) on a subscription: they hold
/// it, and no other process may start on it meanwhile.
fn unfinished_processes(conn: &Connection, id: &str) -> Result<Vec<Unfinished>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT process_id, workflow, status, owner, lease_until FROM processes WHERE subscription_id = ?1 AND status NOT IN ('completed', 'aborted') ORDER BY process_id",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Unfinished {
                process_id: r.get(0)?,
                workflow: r.get(1)?,
                status: r.get(2)?,
                owner: r.get(3)?,
                lease_until: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The processes that ran on or changed a subscription, oldest first.
pub fn processes_of(conn: &Connection, id: &str) -> Result<Vec<Touch>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.process_id, p.workflow, p.status, p.started_at FROM processes p WHERE p.subscription_id = ?1
         UNION SELECT p.process_id, p.workflow, p.status, p.started_at FROM process_subscriptions ps JOIN processes p ON p.process_id = ps.process_id WHERE ps.subscription_id = ?1
         ORDER BY 1",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Touch {
                process_id: r.get(0)?,
                workflow: r.get(1)?,
                status: r.get(2)?,
                started_at: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Everything usability depends on; `except` is the process asking.
pub fn facts(
    conn: &Connection,
    s: &Subscription,
    except: Option<&str>,
) -> Result<Facts, StoreError> {
    Ok(change::facts(
        s,
        except,
        unfinished_processes(conn, &s.subscription_id)?,
        depends_on(conn, &s.subscription_id)?,
        in_use_by(conn, &s.subscription_id)?,
    ))
}
