//! The `api_tokens` table.

use rusqlite::{Connection, params};

use crate::store::StoreError;
use crate::store::tokens::{NewToken, TokenRow};

/// Stores a token; false when a live token already has the name. A revoked token of
/// the same name keeps its row.
pub fn create(conn: &Connection, t: &NewToken<'_>, now: &str) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO api_tokens (name, role, hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
        )?
        .execute(params![t.name, t.role.as_str(), t.hash, now, t.created_by])?;
    Ok(n == 1)
}

/// Every token, by name, the tokens that had a name oldest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, role, hash, created_at, created_by, revoked_at FROM api_tokens ORDER BY name, created_at",
    )?;
    let rows = stmt.query_map([], |r| {
        let role: String = r.get(1)?;
        Ok((
            TokenRow {
                name: r.get(0)?,
                role: crate::store::tokens::Role::Read,
                hash: r.get(2)?,
                created_at: r.get(3)?,
                created_by: r.get(4)?,
                revoked_at: r.get(5)?,
            },
            role,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut t, role) = row?;
        t.role = role.parse().map_err(StoreError::Data)?;
        out.push(t);
    }
    Ok(out)
}

/// Revokes a live token; false when there is none of that name.
pub fn revoke(conn: &Connection, name: &str, now: &str) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![name, now])?;
    Ok(n == 1)
}
