//! The `api_tokens` table on PostgreSQL, as `store::sqlite::tokens` keeps it: a name,
//! a role and a token's hash, never the token.

use tokio_postgres::Row;

use super::tx::{R, Tx, clean, word};
use crate::store::tokens::{NewToken, TokenRow};

/// Stores a token; false when a live token already has the name. A revoked token of
/// the same name keeps its row.
pub async fn create(tx: &Tx<'_>, t: &NewToken<'_>, now: &str) -> R<bool> {
    let n = tx
        .exec(
            "INSERT INTO api_tokens (name, role, hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
            &[
                &clean(t.name),
                &t.role.as_str(),
                &t.hash,
                &now,
                &clean(t.created_by),
            ],
        )
        .await?;
    Ok(n == 1)
}

fn from_row(r: &Row) -> R<TokenRow> {
    Ok(TokenRow {
        name: r.try_get(0)?,
        role: word(r, 1)?,
        hash: r.try_get(2)?,
        created_at: r.try_get(3)?,
        created_by: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
    })
}

/// Every token, by name, the tokens that had a name oldest first.
pub async fn list(tx: &Tx<'_>) -> R<Vec<TokenRow>> {
    tx.rows(
        "SELECT name, role, hash, created_at, created_by, revoked_at FROM api_tokens ORDER BY name, created_at",
        &[],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Revokes a live token; false when there is none of that name.
pub async fn revoke(tx: &Tx<'_>, name: &str, now: &str) -> R<bool> {
    let n = tx
        .exec(
            "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
            &[&clean(name), &now],
        )
        .await?;
    Ok(n == 1)
}
