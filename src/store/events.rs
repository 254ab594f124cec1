//! The event outbox: rows appended in the transaction of the change they describe.

use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::Value;

use super::StoreError;

/// One recorded change (DESIGN §8).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    pub data: Value,
}

/// What a new event concerns.
#[derive(Debug, Default, Clone, Copy)]
pub struct Concerns<'a> {
    pub process_id: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub product_id: Option<&'a str>,
}

pub fn append(
    conn: &Connection,
    kind: &str,
    about: Concerns<'_>,
    data: &Value,
) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (at, kind, process_id, subscription_id, product_id, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        crate::clock::now_text(),
        kind,
        about.process_id,
        about.subscription_id,
        about.product_id,
        data.to_string()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Filters of `orch events`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub since: i64,
    /// SQL GLOB patterns (`process.*`).
    pub kinds: Vec<String>,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    pub limit: Option<i64>,
}

pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Event>, StoreError> {
    let mut sql = String::from(
        "SELECT seq, at, kind, process_id, subscription_id, product_id, data FROM events WHERE seq > ?1",
    );
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(f.since)];
    if let Some(p) = &f.process_id {
        args.push(Box::new(p.clone()));
        sql.push_str(&format!(" AND process_id = ?{}", args.len()));
    }
    if let Some(s) = &f.subscription_id {
        args.push(Box::new(s.clone()));
        sql.push_str(&format!(" AND subscription_id = ?{}", args.len()));
    }
    if !f.kinds.is_empty() {
        let mut ors = Vec::new();
        for k in &f.kinds {
            args.push(Box::new(k.clone()));
            ors.push(format!("kind GLOB ?{}", args.len()));
        }
        sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
    }
    sql.push_str(" ORDER BY seq");
    if let Some(l) = f.limit {
        args.push(Box::new(l));
        sql.push_str(&format!(" LIMIT ?{}", args.len()));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        rusqlite::params_from_iter(args.iter().map(|b| b.as_ref())),
        |r| {
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
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (mut e, data) = row?;
        e.data = serde_json::from_str(&data)?;
        out.push(e);
    }
    Ok(out)
}

pub fn last_seq(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
}
