//! Subscriptions in the database: the document, its flattened index rows, relations.

use rusqlite::Connection;

use super::StoreError;
use crate::domain::lifecycle::Lifecycle;

/// The id, status and document of every subscription of a product.
pub fn documents_of_product(
    conn: &Connection,
    product_id: &str,
) -> Result<Vec<(String, Lifecycle, serde_json::Value)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT subscription_id, status, document FROM subscriptions WHERE product_id = ?1 ORDER BY subscription_id",
    )?;
    let rows = stmt.query_map([product_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, status, doc) = row?;
        out.push((
            id,
            status.parse().unwrap_or(Lifecycle::Initial),
            serde_json::from_str(&doc)?,
        ));
    }
    Ok(out)
}

/// Tag and lifecycle of a subscription, for reference checks.
pub fn ref_info(
    conn: &Connection,
    subscription_id: &str,
) -> Result<Option<crate::domain::subscription::RefInfo>, StoreError> {
    use rusqlite::OptionalExtension;
    let row = conn
        .prepare_cached(
            "SELECT p.tag, s.status FROM subscriptions s JOIN products p ON p.product_id = s.product_id WHERE s.subscription_id = ?1",
        )?
        .query_row([subscription_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    Ok(
        row.map(|(tag, status)| crate::domain::subscription::RefInfo {
            tag,
            status: status.parse().unwrap_or(Lifecycle::Initial),
        }),
    )
}
