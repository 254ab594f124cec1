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
}
