//! Products on PostgreSQL: the definition as JSON plus the normalized catalogue
//! tables; the twin of `store::sqlite::products`.

use serde_json::json;
use tokio_postgres::Row;

use super::tx::{R, Tx};
use crate::domain::product::{ProductDef, hash_text};
use crate::store::events::Concerns;
use crate::store::products::StoredProduct;

const COLUMNS: &str = "product_id, definition, hash, source, created_at, updated_at";

/// The advisory lock that serialises writers of the catalogue (b"orchprod"), as
/// SQLite's single writer does: two first uses that both find a product missing must
/// not both insert it.
const CATALOGUE_LOCK: i64 = 8030590385769312100;

fn from_row(r: &Row) -> R<StoredProduct> {
    Ok(StoredProduct {
        def: serde_json::from_str(&r.try_get::<_, String>(1)?)?,
        product_id: r.try_get(0)?,
        hash: r.try_get(2)?,
        source: r.try_get(3)?,
        created_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

async fn query(tx: &Tx<'_>, sql_where: &str, arg: Option<&str>) -> R<Vec<StoredProduct>> {
    let sql = format!("SELECT {COLUMNS} FROM products {sql_where} ORDER BY name");
    let rows = match arg {
        Some(a) => tx.rows(&sql, &[&a]).await?,
        None => tx.rows(&sql, &[]).await?,
    };
    rows.iter().map(from_row).collect()
}

pub async fn list(tx: &Tx<'_>) -> R<Vec<StoredProduct>> {
    query(tx, "", None).await
}

pub async fn by_name(tx: &Tx<'_>, name: &str) -> R<Option<StoredProduct>> {
    Ok(query(tx, "WHERE name = $1", Some(name))
        .await?
        .into_iter()
        .next())
}

pub async fn by_id(tx: &Tx<'_>, id: &str) -> R<Option<StoredProduct>> {
    Ok(query(tx, "WHERE product_id = $1", Some(id))
        .await?
        .into_iter()
        .next())
}

/// The products of any of these tags, in tag order.
pub async fn by_tags(tx: &Tx<'_>, tags: &[String]) -> R<Vec<StoredProduct>> {
    let mut found = Vec::new();
    for tag in tags {
        found.extend(query(tx, "WHERE tag = $1", Some(tag)).await?);
    }
    Ok(found)
}

pub async fn subscription_count(tx: &Tx<'_>, product_id: &str) -> R<i64> {
    Ok(tx
        .one(
            "SELECT COUNT(*) FROM subscriptions WHERE product_id = $1",
            &[&product_id],
        )
        .await?
        .try_get(0)?)
}

/// Takes the catalogue's write lock until the transaction ends.
pub async fn lock_catalogue(tx: &Tx<'_>) -> R<()> {
    tx.exec("SELECT pg_advisory_xact_lock($1)", &[&CATALOGUE_LOCK])
        .await?;
    Ok(())
}

/// Inserts or updates a product by name; appends `product.created`/`product.updated`.
pub async fn upsert(tx: &mut Tx<'_>, def: &ProductDef, source: Option<&str>) -> R<String> {
    let now = crate::clock::now_text();
    let json = def.canonical_json();
    let hash = hash_text(&json);
    let existing = tx
        .opt(
            "SELECT product_id, hash FROM products WHERE name = $1",
            &[&def.name],
        )
        .await?;
    let existing: Option<(String, String)> = match existing {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
        None => None,
    };
    let (id, kind) = match &existing {
        Some((id, _)) => {
            tx.exec(
                "UPDATE products SET product_type = $2, tag = $3, description = $4, status = $5, root_key = $6, root_block = $7, definition = $8, hash = $9, source = $10, updated_at = $11 WHERE product_id = $1",
                &[id, &def.product_type, &def.tag, &def.description, &def.status.as_str(), &def.root.key, &def.root.block, &json, &hash, &source, &now],
            )
            .await?;
            tx.exec("DELETE FROM product_blocks WHERE product_id = $1", &[id])
                .await?;
            tx.exec("DELETE FROM fixed_inputs WHERE product_id = $1", &[id])
                .await?;
            (id.clone(), "product.updated")
        }
        None => {
            let id = crate::clock::new_id();
            tx.exec(
                "INSERT INTO products (product_id, name, product_type, tag, description, status, root_key, root_block, definition, hash, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                &[&id, &def.name, &def.product_type, &def.tag, &def.description, &def.status.as_str(), &def.root.key, &def.root.block, &json, &hash, &source, &now],
            )
            .await?;
            (id, "product.created")
        }
    };
    for (k, v) in &def.fixed_inputs {
        tx.exec(
            "INSERT INTO fixed_inputs (product_id, name, value) VALUES ($1, $2, $3)",
            &[&id, k, v],
        )
        .await?;
    }
    for (bname, block) in &def.blocks {
        tx.exec(
            "INSERT INTO product_blocks (product_id, name, description) VALUES ($1, $2, $3)",
            &[&id, bname, &block.description],
        )
        .await?;
        for (pos, (fname, field)) in block.fields.iter().enumerate() {
            tx.exec(
                "INSERT INTO block_fields (product_id, block, name, position, field_type, required, definition) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &id,
                    bname,
                    fname,
                    &(pos as i64),
                    &field.kind.type_name(),
                    &field.required.map(|r| r.as_str()),
                    &serde_json::to_string(field)?,
                ],
            )
            .await?;
        }
    }
    super::events::append(
        tx,
        kind,
        Concerns {
            product_id: Some(&id),
            ..Default::default()
        },
        &json!({"name": def.name, "tag": def.tag, "hash": hash, "previous_hash": existing.map(|e| e.1)}),
    );
    Ok(id)
}

/// Removes a product that no subscription uses.
pub async fn delete(tx: &mut Tx<'_>, product_id: &str) -> R<()> {
    let name = tx
        .opt(
            "DELETE FROM products WHERE product_id = $1 RETURNING name",
            &[&product_id],
        )
        .await?;
    if let Some(row) = name {
        let name: String = row.try_get(0)?;
        super::events::append(
            tx,
            "product.deleted",
            Concerns {
                product_id: Some(product_id),
                ..Default::default()
            },
            &json!({"name": name}),
        );
    }
    Ok(())
}
