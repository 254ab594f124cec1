//! What `product load --force` does to the subscriptions its plan says it breaks, in
//! the transaction that changes their products: the values of fields the product no
//! longer has are dropped (they could never be set or read again), and a live
//! subscription that still does not match its product is marked out of sync, so
//! `subscription list --insync false` finds it, a modify workflow refuses it with
//! that reason, and its validate workflow says what is wrong. Nothing else of it
//! changes.

use serde_json::{Value, json};

use super::Ctx;
use crate::domain::product::ProductDef;
use crate::domain::subscription;
use crate::error::Result;
use crate::store::subscriptions::Subscription;
use crate::store::{RefMap, Store, candidate_refs};

/// A subscription as a forced load leaves it, and the flattened values it keeps.
pub struct Resynced {
    pub old: Subscription,
    pub new: Subscription,
    pub flat: subscription::Flat,
    /// The values dropped, by path.
    pub dropped: Vec<String>,
}

/// The subscriptions `broken` as they are to be saved with the products `loading`
/// (the definitions as they will be; a product not among them stays as stored), with
/// the tags the load changes (old, new).
pub async fn resync(
    store: &Store,
    broken: &[String],
    loading: &[&ProductDef],
    retags: &[(String, String)],
) -> Result<Vec<Resynced>> {
    let mut out = Vec::new();
    for id in broken {
        let Some(old) = store.subscription(id).await? else {
            continue;
        };
        let stored = store.product_by_id(&old.product_id).await?;
        let Some(def) = loading
            .iter()
            .copied()
            .find(|d| d.name == old.product_name)
            .or(stored.as_ref().map(|p| &p.def))
        else {
            continue;
        };
        let mut new = old.clone();
        // A new root key moves the whole tree there; it is then judged as any other.
        new.root_key = def.root.key.clone();
        let mut doc = new.document();
        let dropped = def.drop_unknown_fields(&mut doc);
        let refs = super::product::retagged(
            &RefMap(store.ref_infos(&candidate_refs(&doc)).await?),
            retags,
        );
        if let Some(tree) = doc.get_mut(&def.root.key) {
            new.tree = tree.take();
        }
        let valid = subscription::validate(def, &new.document(), new.status, &refs).is_ok();
        if !valid && new.status.is_live() {
            new.insync = false;
        }
        if new == old {
            continue;
        }
        let flat = subscription::flatten_anyway(def, &new.document(), &refs);
        out.push(Resynced {
            old,
            new,
            flat,
            dropped,
        });
    }
    Ok(out)
}

/// The ids of the subscriptions a forced change marked out of sync.
fn marked(resynced: &[Resynced]) -> Vec<&str> {
    resynced
        .iter()
        .filter(|r| r.old.insync && !r.new.insync)
        .map(|r| r.new.subscription_id.as_str())
        .collect()
}

/// The JSON of a forced load or replacement gets `out_of_sync` (the ids marked) and
/// `dropped` (`{subscription_id, paths}` of the values removed).
pub fn add_json(v: &mut Value, resynced: &[Resynced]) {
    let out_of_sync = marked(resynced);
    let dropped: Vec<Value> = resynced
        .iter()
        .filter(|r| !r.dropped.is_empty())
        .map(|r| json!({"subscription_id": r.new.subscription_id, "paths": r.dropped}))
        .collect();
    v["out_of_sync"] = json!(out_of_sync);
    v["dropped"] = json!(dropped);
}

/// Says on stderr what a forced change did to the subscriptions it broke.
pub fn report(ctx: &Ctx, resynced: &[Resynced]) {
    for r in resynced.iter().filter(|r| !r.dropped.is_empty()) {
        ctx.printer.status(&format!(
            "subscription {}: dropped {} (no longer fields of {})",
            r.new.subscription_id,
            r.dropped.join(", "),
            r.new.product_name
        ));
    }
    let marked = marked(resynced);
    if !marked.is_empty() {
        ctx.printer.warn(&format!(
            "{} subscriptions no longer match their product and are now out of sync: {}",
            marked.len(),
            marked.join(", ")
        ));
        ctx.printer.hint(
            "`orch subscription list --insync false` lists them; a modify workflow that may run on them (`usable_while_out_of_sync = true`) fixes each, and a validate workflow puts one that matches again back in sync",
        );
    }
}
