//! A product as stored: its definition and where and when it was loaded.

use crate::domain::product::ProductDef;

#[derive(Debug, Clone)]
pub struct StoredProduct {
    pub product_id: String,
    pub def: ProductDef,
    pub hash: String,
    pub source: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Refusal of a tag that several products share, where one product is wanted.
pub fn shared_tag(name: &str, products: &[StoredProduct]) -> crate::error::Error {
    let names: Vec<String> = products
        .iter()
        .map(|p| format!("`{}`", p.def.name))
        .collect();
    crate::error::Error::usage(format!(
        "`{name}` is the tag of {} products: {}",
        products.len(),
        names.join(", ")
    ))
    .with_hint("name the product instead of its tag")
}

/// One change of `product load` (or of a first use that loads missing products).
pub enum ProductChange<'a> {
    /// Insert the product, or update the one of the same name.
    Put {
        def: &'a ProductDef,
        source: Option<&'a str>,
    },
    /// Insert the product only when none of that name exists.
    AddIfMissing {
        def: &'a ProductDef,
        source: Option<&'a str>,
    },
    /// Remove a product that no subscription uses.
    Remove { product_id: &'a str },
    /// Save a subscription a forced change broke, as `new` (the values of removed
    /// fields dropped, out of sync when it still does not match its product), with
    /// its events.
    Resync {
        new: &'a crate::store::subscriptions::Subscription,
        old: &'a crate::store::subscriptions::Subscription,
        flat: &'a crate::domain::subscription::Flat,
    },
}
