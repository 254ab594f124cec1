//! Products in the database: the definition as JSON plus the normalized catalogue
//! tables (fixed inputs, blocks, fields) for anything that queries them.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::events;
use crate::domain::product::{ProductDef, hash_text};
use crate::store::StoreError;
use crate::store::events::Concerns;
use crate::store::products::StoredProduct;

const COLUMNS: &str = "product_id, definition, hash, source, created_at, updated_at";

/// A row as read: the definition is parsed afterwards, outside rusqlite's callback,
/// so a damaged definition becomes a store error rather than a panic.
struct RawProduct {
    product_id: String,
    definition: String,
    hash: String,
    source: Option<String>,
    created_at: String,
    updated_at: String,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawProduct> {
    Ok(RawProduct {
        product_id: r.get(0)?,
        definition: r.get(1)?,
        hash: r.get(2)?,
        source: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn finish(raw: RawProduct) -> Result<StoredProduct, StoreError> {
    Ok(StoredProduct {
        def: serde_json::from_str(&raw.definition)?,
        product_id: raw.product_id,
        hash: raw.hash,
        source: raw.source,
        created_at: raw.created_at,
        updated_at: raw.updated_at,
    })
}

fn query(
    conn: &Connection,
    sql_where: &str,
    arg: Option<&str>,
) -> Result<Vec<StoredProduct>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM products {sql_where} ORDER BY name");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = match arg {
        Some(a) => stmt
            .query_map([a], from_row)?
            .collect::<Result<Vec<_>, _>>()?,
        None => stmt
            .query_map([], from_row)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    rows.into_iter().map(finish).collect()
}

pub fn list(conn: &Connection) -> Result<Vec<StoredProduct>, StoreError> {
    query(conn, "", None)
}

pub fn by_name(conn: &Connection, name: &str) -> Result<Option<StoredProduct>, StoreError> {
    Ok(query(conn, "WHERE name = ?1", Some(name))?
        .into_iter()
        .next())
}

pub fn by_id(conn: &Connection, id: &str) -> Result<Option<StoredProduct>, StoreError> {
    Ok(query(conn, "WHERE product_id = ?1", Some(id))?
        .into_iter()
        .next())
}

pub fn by_tag(conn: &Connection, tag: &str) -> Result<Vec<StoredProduct>, StoreError> {
    query(conn, "WHERE tag = ?1", Some(tag))
}

/// The products of any of these tags (what a create workflow may instantiate).
pub fn by_tags(conn: &Connection, tags: &[String]) -> Result<Vec<StoredProduct>, StoreError> {
    let mut found = Vec::new();
    for tag in tags {
        found.extend(by_tag(conn, tag)?);
    }
    Ok(found)
}

pub fn subscription_count(conn: &Connection, product_id: &str) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM subscriptions WHERE product_id = ?1")?
        .query_row([product_id], |r| r.get(0))?)
}

/// Inserts or updates a product by name; writes `product.created`/`product.updated`.
pub fn upsert(
    conn: &Connection,
    def: &ProductDef,
    source: Option<&str>,
) -> Result<String, StoreError> {
    let now = crate::clock::now_text();
    let json = def.canonical_json();
    let hash = hash_text(&json);
    let existing: Option<(String, String)> = conn
        .prepare_cached("SELECT product_id, hash FROM products WHERE name = ?1")?
        .query_row([&def.name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (id, kind) = match &existing {
        Some((id, _)) => {
            conn.execute(
                "UPDATE products SET product_type = ?2, tag = ?3, description = ?4, status = ?5, root_key = ?6, root_block = ?7, definition = ?8, hash = ?9, source = ?10, updated_at = ?11 WHERE product_id = ?1",
                params![id, def.product_type, def.tag, def.description, def.status.as_str(), def.root.key, def.root.block, json, hash, source, now],
            )?;
            conn.execute("DELETE FROM product_blocks WHERE product_id = ?1", [id])?;
            conn.execute("DELETE FROM fixed_inputs WHERE product_id = ?1", [id])?;
            (id.clone(), "product.updated")
        }
        None => {
            let id = crate::clock::new_id();
            conn.execute(
                "INSERT INTO products (product_id, name, product_type, tag, description, status, root_key, root_block, definition, hash, source, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![id, def.name, def.product_type, def.tag, def.description, def.status.as_str(), def.root.key, def.root.block, json, hash, source, now],
            )?;
            (id, "product.created")
        }
    };
    for (k, v) in &def.fixed_inputs {
        conn.execute(
            "INSERT INTO fixed_inputs (product_id, name, value) VALUES (?1, ?2, ?3)",
            params![id, k, v],
        )?;
    }
    for (bname, block) in &def.blocks {
        conn.execute(
            "INSERT INTO product_blocks (product_id, name, description) VALUES (?1, ?2, ?3)",
            params![id, bname, block.description],
        )?;
        for (pos, (fname, field)) in block.fields.iter().enumerate() {
            conn.execute(
                "INSERT INTO block_fields (product_id, block, name, position, field_type, required, definition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    bname,
                    fname,
                    pos as i64,
                    field.kind.type_name(),
                    field.required.map(|r| r.as_str()),
                    serde_json::to_string(field)?
                ],
            )?;
        }
    }
    events::append(
        conn,
        kind,
        Concerns {
            product_id: Some(&id),
            ..Default::default()
        },
        &json!({"name": def.name, "tag": def.tag, "hash": hash, "previous_hash": existing.map(|e| e.1)}),
    )?;
    Ok(id)
}

/// Removes a product that no subscription uses.
pub fn delete(conn: &Connection, product_id: &str) -> Result<(), StoreError> {
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM products WHERE product_id = ?1")?
        .query_row([product_id], |r| r.get(0))
        .optional()?;
    conn.execute("DELETE FROM products WHERE product_id = ?1", [product_id])?;
    if let Some(name) = name {
        events::append(
            conn,
            "product.deleted",
            Concerns {
                product_id: Some(product_id),
                ..Default::default()
            },
            &json!({"name": name}),
        )?;
    }
    Ok(())
}
