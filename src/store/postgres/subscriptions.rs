//! Subscriptions on PostgreSQL: the row and document, the flattened index rows, the
//! search words, and the queries that list and relate them; the twin of
//! `store::sqlite::subscriptions`, returning the same rows in the same order.

use serde_json::Value;
use tokio_postgres::Row;

use super::query::Query;
use super::search;
use super::tx::{R, Tx, clean, clean_opt, word};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::subscription::{Flat, RefInfo};
use crate::domain::usability::Facts;
use crate::store::events::Concerns;
use crate::store::subscriptions::{
    self as change, Filter, Find, RELATED_COLUMNS, Related, Subscription, Touch, Unfinished,
};

const COLUMNS: &str = "s.subscription_id, s.product_id, p.name, p.tag, p.product_type, p.root_key, s.customer_id, s.description, s.status, s.insync, s.start_date, s.end_date, s.note, s.document, s.created_at, s.updated_at";
const FROM: &str = "FROM subscriptions s JOIN products p ON p.product_id = s.product_id";

fn from_row(r: &Row) -> R<Subscription> {
    let root_key: String = r.try_get(5)?;
    let status: String = r.try_get(8)?;
    let tree = Subscription::tree_of(&r.try_get::<_, String>(13)?, &root_key);
    Ok(Subscription {
        subscription_id: r.try_get(0)?,
        product_id: r.try_get(1)?,
        product_name: r.try_get(2)?,
        product_tag: r.try_get(3)?,
        product_type: r.try_get(4)?,
        root_key,
        customer_id: r.try_get(6)?,
        description: r.try_get(7)?,
        status: status.parse().unwrap_or(Lifecycle::Initial),
        insync: r.try_get(9)?,
        start_date: r.try_get(10)?,
        end_date: r.try_get(11)?,
        note: r.try_get(12)?,
        tree,
        created_at: r.try_get(14)?,
        updated_at: r.try_get(15)?,
    })
}

/// A subscription; `lock` holds its row until the transaction ends, so no other
/// process takes it meanwhile.
pub async fn get(tx: &Tx<'_>, id: &str, lock: bool) -> R<Option<Subscription>> {
    let sql = if lock {
        format!("SELECT {COLUMNS} {FROM} WHERE s.subscription_id = $1 FOR UPDATE OF s")
    } else {
        format!("SELECT {COLUMNS} {FROM} WHERE s.subscription_id = $1")
    };
    tx.opt(&sql, &[&id])
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn find(tx: &Tx<'_>, id: &str) -> R<Find> {
    if let Some(s) = get(tx, id, false).await? {
        return Ok(Find::One(Box::new(s)));
    }
    if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(Find::None);
    }
    let mut q = Query::new(format!("SELECT {COLUMNS} {FROM} WHERE true"));
    q.and("s.subscription_id >= ?", id.to_string())
        .and("s.subscription_id < ?", format!("{id}\u{10FFFF}"))
        .push("ORDER BY s.subscription_id LIMIT 6");
    let mut rows = q
        .rows(tx)
        .await?
        .iter()
        .map(from_row)
        .collect::<R<Vec<_>>>()?;
    Ok(match rows.len() {
        0 => Find::None,
        1 => Find::One(Box::new(rows.remove(0))),
        _ => Find::Ambiguous(rows.into_iter().map(|s| s.subscription_id).collect()),
    })
}

pub async fn list(tx: &Tx<'_>, f: &Filter) -> R<Vec<Subscription>> {
    let mut q = Query::new(format!("SELECT {COLUMNS} {FROM} WHERE true"));
    crate::store::filters::subscriptions(&mut q, f);
    if let Some(text) = &f.search {
        if text.split_whitespace().next().is_some() {
            match search::query(text) {
                Some(m) => match few_matches(tx, &m).await? {
                    Some(ids) => {
                        q.and("s.subscription_id = ANY (?::text[])", ids);
                    }
                    None => {
                        q.and(
                            "s.subscription_id IN (SELECT subscription_id FROM subscription_search WHERE words @@ ?::text::tsquery)",
                            m,
                        );
                    }
                },
                // Words without a token: FTS5 finds nothing for them.
                None => {
                    q.push("AND false");
                }
            }
        }
    }
    q.push("ORDER BY s.subscription_id DESC")
        .then("LIMIT ?", f.limit)
        .then("OFFSET ?", f.offset);
    q.rows(tx).await?.iter().map(from_row).collect()
}

/// Up to this many matches of a search are listed by their ids.
const FEW_MATCHES: i64 = 1_000;

/// The ids of the subscriptions whose words match `tsquery`, when there are at most
/// [`FEW_MATCHES`] of them (None when there are more).
///
/// PostgreSQL cannot tell how many rows a word matches unless the word is among its
/// most common ones: it assumes a few hundred. Under `ORDER BY … LIMIT` it then walks
/// the subscriptions newest first and tests every row's words, the whole table when
/// the search names one router. Looking the ids up first, through the GIN index (or a
/// scan that stops at the cap when the word is common), lets the list fetch a known
/// handful of rows by key; with many matches the walk is the right plan and is kept.
async fn few_matches(tx: &Tx<'_>, tsquery: &str) -> R<Option<Vec<String>>> {
    let rows = tx
        .rows(
            "SELECT subscription_id FROM subscription_search WHERE words @@ $1::text::tsquery LIMIT $2",
            &[&tsquery, &(FEW_MATCHES + 1)],
        )
        .await?;
    if rows.len() as i64 > FEW_MATCHES {
        return Ok(None);
    }
    rows.iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect::<R<Vec<String>>>()
        .map(Some)
}

/// Tag and lifecycle of each of these subscriptions that exists.
pub async fn ref_infos(tx: &Tx<'_>, ids: &[String]) -> R<Vec<(String, RefInfo)>> {
    let rows = tx
        .rows(
            "SELECT s.subscription_id, p.tag, s.status FROM subscriptions s JOIN products p ON p.product_id = s.product_id WHERE s.subscription_id = ANY ($1::text[])",
            &[&ids],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get(2)?;
            Ok((
                r.try_get(0)?,
                RefInfo {
                    tag: r.try_get(1)?,
                    status: status.parse().unwrap_or(Lifecycle::Initial),
                },
            ))
        })
        .collect()
}

pub async fn documents_of_product(
    tx: &Tx<'_>,
    product_id: &str,
) -> R<Vec<(String, Lifecycle, Value)>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE s.product_id = $1 ORDER BY s.subscription_id");
    tx.rows(&sql, &[&product_id])
        .await?
        .iter()
        .map(|r| {
            let s = from_row(r)?;
            Ok((s.subscription_id.clone(), s.status, s.document()))
        })
        .collect()
}

async fn related(tx: &Tx<'_>, sql: &str, id: &str) -> R<Vec<Related>> {
    tx.rows(sql, &[&id])
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get(2)?;
            Ok(Related {
                subscription_id: r.try_get(0)?,
                description: r.try_get(1)?,
                status: status.parse().unwrap_or(Lifecycle::Initial),
                insync: r.try_get(3)?,
                product_name: r.try_get(4)?,
                path: r.try_get(5)?,
                held: r.try_get(6)?,
            })
        })
        .collect()
}

/// The subscriptions whose fields point at `id`.
pub async fn in_use_by(tx: &Tx<'_>, id: &str) -> R<Vec<Related>> {
    related(
        tx,
        &format!("SELECT {RELATED_COLUMNS} FROM subscription_relations r JOIN subscriptions s ON s.subscription_id = r.subscription_id JOIN products p ON p.product_id = s.product_id WHERE r.depends_on_id = $1 ORDER BY s.subscription_id"),
        id,
    )
    .await
}

/// The subscriptions `id` points at.
pub async fn depends_on(tx: &Tx<'_>, id: &str) -> R<Vec<Related>> {
    related(
        tx,
        &format!("SELECT {RELATED_COLUMNS} FROM subscription_relations r JOIN subscriptions s ON s.subscription_id = r.depends_on_id JOIN products p ON p.product_id = s.product_id WHERE r.subscription_id = $1 ORDER BY s.subscription_id"),
        id,
    )
    .await
}

/// Writes a subscription that is new or changed, its index rows and its events; `old`
/// is the stored version (None: a new subscription).
pub async fn save(
    tx: &mut Tx<'_>,
    new: &Subscription,
    old: Option<&Subscription>,
    flat: &Flat,
    process_id: Option<&str>,
) -> R<()> {
    let document = new.document().to_string();
    let now = crate::clock::now_text();
    tx.exec(
        "INSERT INTO subscriptions (subscription_id, product_id, customer_id, description, status, insync, start_date, end_date, note, document, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (subscription_id) DO UPDATE SET description = $4, status = $5, insync = $6, start_date = $7, end_date = $8, note = $9, document = $10, updated_at = $11",
        &[
            &new.subscription_id,
            &new.product_id,
            &clean(&new.customer_id),
            &clean(&new.description),
            &new.status.as_str(),
            &new.insync,
            &clean_opt(new.start_date.as_deref()),
            &clean_opt(new.end_date.as_deref()),
            &clean_opt(new.note.as_deref()),
            &document,
            &now,
        ],
    )
    .await?;
    if let Some(tree_changed) = change::reindex_needed(new, old) {
        reindex(tx, new, flat, tree_changed).await?;
    }
    if let Some(p) = process_id {
        tx.exec(
            "INSERT INTO process_subscriptions (process_id, subscription_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&p, &new.subscription_id],
        )
        .await?;
    }
    let about = Concerns {
        process_id,
        subscription_id: Some(&new.subscription_id),
        product_id: Some(&new.product_id),
    };
    for (kind, data) in change::change_events(new, old) {
        super::events::append(tx, kind, about, &data);
    }
    Ok(())
}

/// Replaces the index rows of a subscription, each table in one statement.
async fn reindex(tx: &Tx<'_>, s: &Subscription, flat: &Flat, tree_changed: bool) -> R<()> {
    let id = s.subscription_id.as_str();
    if tree_changed {
        for table in [
            "subscription_blocks",
            "subscription_values",
            "subscription_relations",
        ] {
            tx.exec(
                &format!("DELETE FROM {table} WHERE subscription_id = $1"),
                &[&id],
            )
            .await?;
        }
        let (paths, blocks): (Vec<_>, Vec<_>) = flat
            .blocks
            .iter()
            .map(|(p, b)| (clean(p), clean(b)))
            .unzip();
        tx.exec(
            "INSERT INTO subscription_blocks (subscription_id, path, block) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&id, &paths, &blocks],
        )
        .await?;
        let (paths, values): (Vec<_>, Vec<_>) = flat
            .values
            .iter()
            .map(|(p, v)| (clean(p), clean(v)))
            .unzip();
        tx.exec(
            "INSERT INTO subscription_values (subscription_id, path, value) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&id, &paths, &values],
        )
        .await?;
        let (paths, others): (Vec<_>, Vec<_>) = flat
            .relations
            .iter()
            .map(|(p, o)| (clean(p), clean(o)))
            .unzip();
        tx.exec(
            "INSERT INTO subscription_relations (subscription_id, path, depends_on_id) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&id, &paths, &others],
        )
        .await?;
    }
    let fields = clean(&flat.search_text()).into_owned();
    let description = clean(&s.description);
    tx.exec(
        "INSERT INTO subscription_search (subscription_id, description, fields, words) VALUES ($1, $2, $3, $4::text::tsvector)
         ON CONFLICT (subscription_id) DO UPDATE SET description = excluded.description, fields = excluded.fields, words = excluded.words",
        &[&id, &description, &fields, &search::document(&description, &fields)],
    )
    .await?;
    Ok(())
}

/// The processes not yet finished on a subscription: they hold it.
async fn unfinished_processes(tx: &Tx<'_>, id: &str) -> R<Vec<Unfinished>> {
    tx.rows(
        "SELECT process_id, workflow, status, owner, lease_until FROM processes WHERE subscription_id = $1 AND status NOT IN ('completed', 'aborted') ORDER BY process_id",
        &[&id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Unfinished {
            process_id: r.try_get(0)?,
            workflow: r.try_get(1)?,
            status: word(r, 2)?,
            owner: r.try_get(3)?,
            lease_until: r.try_get(4)?,
        })
    })
    .collect()
}

/// The processes that ran on or changed a subscription, oldest first.
pub async fn processes_of(tx: &Tx<'_>, id: &str) -> R<Vec<Touch>> {
    tx.rows(
        "SELECT p.process_id, p.workflow, p.status, p.started_at FROM processes p WHERE p.subscription_id = $1
         UNION SELECT p.process_id, p.workflow, p.status, p.started_at FROM process_subscriptions ps JOIN processes p ON p.process_id = ps.process_id WHERE ps.subscription_id = $1
         ORDER BY 1",
        &[&id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Touch {
            process_id: r.try_get(0)?,
            workflow: r.try_get(1)?,
            status: word(r, 2)?,
            started_at: r.try_get(3)?,
        })
    })
    .collect()
}

/// Everything usability depends on; `except` is the process asking.
pub async fn facts(tx: &Tx<'_>, s: &Subscription, except: Option<&str>) -> R<Facts> {
    Ok(change::facts(
        s,
        except,
        unfinished_processes(tx, &s.subscription_id).await?,
        depends_on(tx, &s.subscription_id).await?,
        in_use_by(tx, &s.subscription_id).await?,
    ))
}
