//! Products as data: the typed block tree a subscription of the product must follow.
//!
//! This is orchestrator-core's product model (fixed inputs, product blocks, resource
//! types, and Inactive/Provisioning/Active model classes) expressed as a definition:
//! `required = "<lifecycle>"` replaces the per-lifecycle model classes.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::lifecycle::{Lifecycle, ProductStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDef {
    pub name: String,
    #[serde(rename = "type")]
    pub product_type: String,
    pub tag: String,
    #[serde(default)]
    pub description: String,
    pub status: ProductStatus,
    pub root: RootRef,
    #[serde(default)]
    pub fixed_inputs: IndexMap<String, String>,
    pub blocks: IndexMap<String, BlockDef>,
}

/// Where the block tree hangs in the subscription document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootRef {
    pub key: String,
    pub block: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BlockDef {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub fields: IndexMap<String, FieldDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    #[serde(flatten)]
    pub kind: FieldKind,
    /// The lifecycle state from which the field must be set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Lifecycle>,
    /// A list of scalars rather than one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The type of a field (a resource type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    String {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
    },
    Int {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    Float {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    Bool,
    Enum {
        values: Vec<String>,
    },
    Ipv4,
    Ipv6,
    Ipv4Network,
    Ipv6Network,
    Uuid,
    Json,
    /// A reference to another subscription: a depends-on relation.
    Subscription {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        product_tag: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        status: Vec<Lifecycle>,
    },
    /// Owned child blocks: one block, or a list of `min..=max` blocks.
    Block {
        block: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        many: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
}

impl FieldKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldKind::String { .. } => "string",
            FieldKind::Int { .. } => "int",
            FieldKind::Float { .. } => "float",
            FieldKind::Bool => "bool",
            FieldKind::Enum { .. } => "enum",
            FieldKind::Ipv4 => "ipv4",
            FieldKind::Ipv6 => "ipv6",
            FieldKind::Ipv4Network => "ipv4_network",
            FieldKind::Ipv6Network => "ipv6_network",
            FieldKind::Uuid => "uuid",
            FieldKind::Json => "json",
            FieldKind::Subscription { .. } => "subscription",
            FieldKind::Block { .. } => "block",
        }
    }

    /// The scalar type names a product file may use.
    pub const SCALAR_TYPES: [&'static str; 12] = [
        "string",
        "int",
        "float",
        "bool",
        "enum",
        "ipv4",
        "ipv6",
        "ipv4_network",
        "ipv6_network",
        "uuid",
        "json",
        "subscription",
    ];

    /// A human description for tables: `enum(core|edge)`, `block PortBlock[0..48]`.
    pub fn describe(&self) -> String {
        match self {
            FieldKind::Enum { values } => format!("enum({})", values.join("|")),
            FieldKind::Subscription {
                product_tag,
                status,
            } => {
                let mut s = "subscription".to_string();
                if let Some(t) = product_tag {
                    s.push_str(&format!(" tag={t}"));
                }
                if !status.is_empty() {
                    let names: Vec<_> = status.iter().map(|l| l.as_str()).collect();
                    s.push_str(&format!(" status={}", names.join("|")));
                }
                s
            }
            FieldKind::Block {
                block,
                many,
                min,
                max,
            } => {
                if *many {
                    format!(
                        "block {block}[{}..{}]",
                        min.unwrap_or(0),
                        max.map_or(String::new(), |m| m.to_string())
                    )
                } else {
                    format!("block {block}")
                }
            }
            FieldKind::String {
                pattern: Some(pattern),
            } => format!("string ~ {pattern}"),
            FieldKind::Int { min, max } if min.is_some() || max.is_some() => {
                format!("int {}", range(min, max))
            }
            FieldKind::Float { min, max } if min.is_some() || max.is_some() => {
                format!("float {}", range(min, max))
            }
            other => other.type_name().to_string(),
        }
    }
}

/// A bound pair as `1..4094`, `..10` or `1..`.
fn range<T: std::fmt::Display>(min: &Option<T>, max: &Option<T>) -> String {
    let side = |b: &Option<T>| b.as_ref().map(ToString::to_string).unwrap_or_default();
    format!("{}..{}", side(min), side(max))
}

impl ProductDef {
    /// The canonical JSON of the definition; its hash identifies a version.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn root_block(&self) -> Option<&BlockDef> {
        self.blocks.get(&self.root.block)
    }
}

/// sha256 of a text, hex encoded.
pub fn hash_text(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    crate::bytes::hex(&digest)
}

/// What differs between two versions of a product, in words for a plan.
impl ProductDef {
    /// Whether `path` (without list indexes: `node.ports.name`) names a field of this
    /// product's block tree, from its root key on.
    pub fn has_field_path(&self, path: &str) -> bool {
        self.field_at(path).is_some()
    }

    /// The field at a path without list indexes (`node.ports.name`), from the root key.
    pub fn field_at(&self, path: &str) -> Option<&FieldDef> {
        let mut segments = path.split('.');
        if segments.next() != Some(self.root.key.as_str()) {
            return None;
        }
        let mut block = self.blocks.get(&self.root.block);
        let mut named = None;
        for segment in segments {
            let field = block.and_then(|b| b.fields.get(segment))?;
            named = Some(field);
            block = match &field.kind {
                FieldKind::Block { block: child, .. } => self.blocks.get(child),
                _ => None,
            };
        }
        named
    }

    /// Removes from the subscription document `doc` (the object with the root key)
    /// every value whose field this definition does not have, walking the tree as it
    /// has it; returns the paths removed. What a forced `product load` that removes a
    /// field does to the subscriptions that set it.
    pub fn drop_unknown_fields(&self, doc: &mut serde_json::Value) -> Vec<String> {
        fn walk(
            def: &ProductDef,
            v: &mut serde_json::Value,
            at: &str,
            path: &str,
            out: &mut Vec<String>,
            depth: usize,
        ) {
            let (Some(obj), Some(bdef)) = (v.as_object_mut(), def.blocks.get(at)) else {
                return;
            };
            let unknown: Vec<String> = obj
                .keys()
                .filter(|k| !bdef.fields.contains_key(*k))
                .cloned()
                .collect();
            for k in unknown {
                obj.remove(&k);
                out.push(format!("{path}.{k}"));
            }
            if depth > 32 {
                return;
            }
            for (name, fdef) in &bdef.fields {
                let FieldKind::Block { block: child, .. } = &fdef.kind else {
                    continue;
                };
                match obj.get_mut(name) {
                    Some(serde_json::Value::Array(items)) => {
                        for (i, item) in items.iter_mut().enumerate() {
                            walk(
                                def,
                                item,
                                child,
                                &format!("{path}.{name}[{i}]"),
                                out,
                                depth + 1,
                            );
                        }
                    }
                    Some(one) => walk(def, one, child, &format!("{path}.{name}"), out, depth + 1),
                    None => {}
                }
            }
        }
        let mut out = Vec::new();
        let key = self.root.key.clone();
        if let Some(root) = doc.get_mut(&key) {
            walk(self, root, &self.root.block, &key, &mut out, 0);
        }
        out
    }

    /// Whether the subscription document `doc` (the object with the root key) sets
    /// `field` in any instance of `block`, walking the tree as this definition has it.
    pub fn sets(&self, doc: &serde_json::Value, block: &str, field: &str) -> bool {
        fn walk(
            def: &ProductDef,
            v: &serde_json::Value,
            at: &str,
            block: &str,
            field: &str,
            depth: usize,
        ) -> bool {
            use serde_json::Value as J;
            let (Some(obj), Some(bdef)) = (v.as_object(), def.blocks.get(at)) else {
                return false;
            };
            if at == block {
                let set = match obj.get(field) {
                    None | Some(J::Null) => false,
                    Some(J::Array(a)) => !a.is_empty(),
                    Some(_) => true,
                };
                if set {
                    return true;
                }
            }
            // Block definitions may not cycle, but a document is data: bound the walk.
            if depth > 32 {
                return false;
            }
            bdef.fields
                .iter()
                .any(|(name, fdef)| match (&fdef.kind, obj.get(name)) {
                    (FieldKind::Block { block: child, .. }, Some(J::Array(items))) => items
                        .iter()
                        .any(|i| walk(def, i, child, block, field, depth + 1)),
                    (FieldKind::Block { block: child, .. }, Some(one)) => {
                        walk(def, one, child, block, field, depth + 1)
                    }
                    _ => false,
                })
        }
        doc.get(&self.root.key)
            .is_some_and(|root| walk(self, root, &self.root.block, block, field, 0))
    }
}

/// What changed from `old` to `new`, a line each; a field changed or removed says how
/// many subscriptions set it (`set_in(block, field)`).
pub fn diff(
    old: &ProductDef,
    new: &ProductDef,
    set_in: &dyn Fn(&str, &str) -> usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let header = [
        ("type", &old.product_type, &new.product_type),
        ("tag", &old.tag, &new.tag),
        ("description", &old.description, &new.description),
    ];
    for (what, a, b) in header {
        if a != b {
            out.push(format!("{what}: {a:?} → {b:?}"));
        }
    }
    if old.status != new.status {
        out.push(format!("status: {} → {}", old.status, new.status));
    }
    if old.root != new.root {
        out.push(format!(
            "root: {}/{} → {}/{}",
            old.root.key, old.root.block, new.root.key, new.root.block
        ));
    }
    if old.fixed_inputs != new.fixed_inputs {
        out.push("fixed inputs changed".to_string());
    }
    for (name, block) in &new.blocks {
        match old.blocks.get(name) {
            None => out.push(format!("block {name} added")),
            Some(ob) => {
                for (f, fd) in &block.fields {
                    match ob.fields.get(f) {
                        None => out.push(format!("{name}.{f} added ({})", fd.kind.describe())),
                        Some(of) if of != fd => out.push(format!(
                            "{name}.{f} changed (set in {} of them)",
                            set_in(name, f)
                        )),
                        Some(_) => {}
                    }
                }
                for f in ob.fields.keys() {
                    if !block.fields.contains_key(f) {
                        out.push(format!(
                            "{name}.{f} removed (set in {} of them)",
                            set_in(name, f)
                        ));
                    }
                }
            }
        }
    }
    for name in old.blocks.keys() {
        if !new.blocks.contains_key(name) {
            out.push(format!("block {name} removed"));
        }
    }
    out
}
