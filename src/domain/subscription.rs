//! Checking a subscription's block tree against its product, and flattening it for the
//! store (block instances, searchable values, relations to other subscriptions).
//!
//! One walk does all of it, so what is validated is exactly what gets indexed.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::lifecycle::Lifecycle;
use super::product::{BlockDef, FieldDef, FieldKind, ProductDef};

/// The keys of a subscription's JSON beside its block tree (the document, then what
/// `subscription show` adds): a product's root key may be none of them.
pub const RESERVED_KEYS: &[&str] = &[
    "subscription_id",
    "product",
    "customer_id",
    "description",
    "status",
    "insync",
    "start_date",
    "end_date",
    "note",
    "in_use_by",
    "depends_on",
    "processes",
];

/// A problem with one field of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// e.g. `node.ports[2].name`
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// What a reference check needs to know about another subscription.
#[derive(Debug, Clone)]
pub struct RefInfo {
    pub tag: String,
    pub status: Lifecycle,
}

/// Looks up the subscriptions a document points at.
pub trait References {
    fn lookup(&self, subscription_id: &str) -> Option<RefInfo>;

    /// Whether the stored subscription held this reference already, at `path`
    /// (`circuit.members[1].node`): its `status` constraint was checked when it was made, and the
    /// subscription it points at may have moved on since (disabled, say) without
    /// making every later save of this one fail (its termination included).
    fn was_held(&self, _path: &str, _subscription_id: &str) -> bool {
        false
    }
}

impl<F: Fn(&str) -> Option<RefInfo>> References for F {
    fn lookup(&self, id: &str) -> Option<RefInfo> {
        self(id)
    }
}

/// The flattened form of a valid tree.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Flat {
    /// (path, block name) of every block instance, the root included.
    pub blocks: Vec<(String, String)>,
    /// (path without indexes, value as text) of every scalar.
    pub values: Vec<(String, String)>,
    /// (path, subscription id) of every reference.
    pub relations: Vec<(String, String)>,
}

impl Flat {
    /// The text FTS indexes: every scalar value, space separated.
    pub fn search_text(&self) -> String {
        let mut out = String::new();
        for (_, v) in &self.values {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(v);
        }
        out
    }
}

/// Validates the block tree under the product's root key of `doc` (the subscription
/// object) for lifecycle `status`, returning what was found or every problem.
pub fn validate(
    product: &ProductDef,
    doc: &Value,
    status: Lifecycle,
    refs: &dyn References,
) -> Result<Flat, Vec<Problem>> {
    walk(product, doc, Some(status), refs)
}

/// Like [`validate`], but checks types, shapes and references only: no field is
/// required yet (a subscription that was just created, before any step filled it in).
pub fn validate_shape(
    product: &ProductDef,
    doc: &Value,
    refs: &dyn References,
) -> Result<Flat, Vec<Problem>> {
    walk(product, doc, None, refs)
}

/// The flattened form of a tree that may not be valid (what a forced product change
/// left behind): every value that is one, the problems aside, so its index rows stay
/// as true as they can be.
pub fn flatten_anyway(product: &ProductDef, doc: &Value, refs: &dyn References) -> Flat {
    walker(product, doc, None, refs).flat
}

fn walk(
    product: &ProductDef,
    doc: &Value,
    status: Option<Lifecycle>,
    refs: &dyn References,
) -> Result<Flat, Vec<Problem>> {
    let w = walker(product, doc, status, refs);
    if w.problems.is_empty() {
        Ok(w.flat)
    } else {
        Err(w.problems)
    }
}

/// The walk of a whole document: what it found and the problems.
fn walker<'a>(
    product: &'a ProductDef,
    doc: &Value,
    status: Option<Lifecycle>,
    refs: &'a dyn References,
) -> Walker<'a> {
    let mut w = Walker {
        product,
        status,
        refs,
        flat: Flat::default(),
        problems: Vec::new(),
    };
    let key = &product.root.key;
    match (doc.get(key), product.root_block()) {
        (_, None) => w.problem(
            key,
            format!("the product has no block `{}`", product.root.block),
        ),
        (None | Some(Value::Null), Some(block)) => w.block(
            key,
            key,
            &product.root.block,
            block,
            &Value::Object(Default::default()),
        ),
        (Some(v), Some(block)) => w.block(key, key, &product.root.block, block, v),
    }
    w
}

struct Walker<'a> {
    product: &'a ProductDef,
    /// None: nothing is required.
    status: Option<Lifecycle>,
    refs: &'a dyn References,
    flat: Flat,
    problems: Vec<Problem>,
}

impl Walker<'_> {
    fn problem(&mut self, path: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            reason: reason.into(),
        });
    }

    /// `path` has indexes (`node.ports[1]`), `vpath` does not (`node.ports`).
    fn block(&mut self, path: &str, vpath: &str, name: &str, def: &BlockDef, value: &Value) {
        let Some(obj) = value.as_object() else {
            self.problem(
                path,
                format!(
                    "expected a {name} block (an object), got {}",
                    kind_of(value)
                ),
            );
            return;
        };
        self.flat.blocks.push((path.to_string(), name.to_string()));
        for key in obj.keys() {
            if !def.fields.contains_key(key) {
                let known: Vec<_> = def.fields.keys().map(String::as_str).collect();
                self.problem(
                    &format!("{path}.{key}"),
                    format!(
                        "{name} has no field `{key}` (its fields: {})",
                        known.join(", ")
                    ),
                );
            }
        }
        for (fname, fdef) in &def.fields {
            let fpath = format!("{path}.{fname}");
            let fvpath = format!("{vpath}.{fname}");
            self.field(
                &fpath,
                &fvpath,
                fdef,
                obj.get(fname).unwrap_or(&Value::Null),
            );
        }
    }

    fn field(&mut self, path: &str, vpath: &str, def: &FieldDef, value: &Value) {
        let required = def
            .required
            .is_some_and(|r| self.status.is_some_and(|s| s.requires(r)));
        if let FieldKind::Block {
            block,
            many,
            min,
            max,
        } = &def.kind
        {
            let Some(bdef) = self.product.blocks.get(block) else {
                self.problem(path, format!("the product has no block `{block}`"));
                return;
            };
            if !many {
                match value {
                    Value::Null if required => self.problem(
                        path,
                        format!("required once the subscription is {}", req(def)),
                    ),
                    Value::Null => {}
                    v => self.block(path, vpath, block, bdef, v),
                }
                return;
            }
            let items = match value {
                Value::Null => &Vec::new(),
                Value::Array(a) => a,
                other => {
                    self.problem(
                        path,
                        format!("expected a list of {block} blocks, got {}", kind_of(other)),
                    );
                    return;
                }
            };
            // A list the product requires from some lifecycle on is bounded from then;
            // one it does not is bounded always, but for the empty shell a create makes
            // before any step filled it in (nothing is required of that yet).
            let applies = (def.required.is_none() && (self.status.is_some() || !items.is_empty()))
                || required;
            if let Some(min) = min {
                if applies && items.len() < *min as usize {
                    self.problem(
                        path,
                        format!(
                            "needs at least {}, has {}",
                            blocks(*min, block),
                            items.len()
                        ),
                    );
                }
            }
            if let Some(max) = max {
                if items.len() > *max as usize {
                    self.problem(
                        path,
                        format!(
                            "allows at most {}, has {}",
                            blocks(*max, block),
                            items.len()
                        ),
                    );
                }
            }
            if required && items.is_empty() && min.is_none() {
                self.problem(
                    path,
                    format!("required once the subscription is {}", req(def)),
                );
            }
            for (i, item) in items.iter().enumerate() {
                self.block(&format!("{path}[{i}]"), vpath, block, bdef, item);
            }
            return;
        }
        match value {
            Value::Null => {
                if required {
                    self.problem(
                        path,
                        format!("required once the subscription is {}", req(def)),
                    );
                }
            }
            Value::Array(items) if def.list => {
                if required && items.is_empty() {
                    self.problem(
                        path,
                        format!("required once the subscription is {}", req(def)),
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    self.scalar(&format!("{path}[{i}]"), vpath, &def.kind, item);
                }
            }
            other if def.list => {
                self.problem(path, format!("expected a list, got {}", kind_of(other)));
            }
            other => self.scalar(path, vpath, &def.kind, other),
        }
    }

    fn scalar(&mut self, path: &str, vpath: &str, kind: &FieldKind, value: &Value) {
        match check_scalar(kind, value) {
            Err(reason) => self.problem(path, reason),
            Ok(text) => {
                if let FieldKind::Subscription {
                    product_tag,
                    status,
                } = kind
                {
                    match self.refs.lookup(&text) {
                        None => self.problem(path, format!("no subscription {text}")),
                        Some(info) => {
                            if let Some(tag) = product_tag {
                                if &info.tag != tag {
                                    self.problem(
                                        path,
                                        format!(
                                            "subscription {text} is a {} product, expected {tag}",
                                            info.tag
                                        ),
                                    );
                                }
                            }
                            if !status.is_empty()
                                && !status.contains(&info.status)
                                && !self.refs.was_held(path, &text)
                            {
                                let names: Vec<_> = status.iter().map(|s| s.as_str()).collect();
                                self.problem(
                                    path,
                                    format!(
                                        "subscription {text} is {}, expected {}",
                                        info.status,
                                        names.join(" or ")
                                    ),
                                );
                            }
                        }
                    }
                    self.flat.relations.push((path.to_string(), text.clone()));
                }
                if !matches!(kind, FieldKind::Json) {
                    self.flat.values.push((vpath.to_string(), text));
                }
            }
        }
    }
}

fn req(def: &FieldDef) -> String {
    def.required.map_or_else(|| "set".into(), |r| r.to_string())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Checks one scalar value, returning its text form.
pub fn check_scalar(kind: &FieldKind, value: &Value) -> Result<String, String> {
    let as_str = |what: &str| -> Result<&str, String> {
        value
            .as_str()
            .ok_or_else(|| format!("expected {what}, got {} `{}`", kind_of(value), short(value)))
    };
    match kind {
        FieldKind::String { pattern } => {
            let s = as_str("a string")?;
            if let Some(p) = pattern {
                // Anchored, as a form's pattern is: it describes the whole value.
                let re = regex::Regex::new(&format!("^(?:{p})$"))
                    .map_err(|e| format!("invalid pattern: {e}"))?;
                if !re.is_match(s) {
                    return Err(format!("`{s}` does not match the pattern `{p}`"));
                }
            }
            Ok(s.to_string())
        }
        FieldKind::Int { min, max } => {
            let i = value.as_i64().ok_or_else(|| {
                format!(
                    "expected an integer, got {} `{}`",
                    kind_of(value),
                    short(value)
                )
            })?;
            out_of_bounds(i, *min, *max)?;
            Ok(i.to_string())
        }
        FieldKind::Float { min, max } => {
            let f = value.as_f64().ok_or_else(|| {
                format!(
                    "expected a number, got {} `{}`",
                    kind_of(value),
                    short(value)
                )
            })?;
            out_of_bounds(f, *min, *max)?;
            Ok(f.to_string())
        }
        FieldKind::Bool => value.as_bool().map(|b| b.to_string()).ok_or_else(|| {
            format!(
                "expected true or false, got {} `{}`",
                kind_of(value),
                short(value)
            )
        }),
        FieldKind::Enum { values } => {
            let s = as_str("one of the enum's values")?;
            if values.iter().any(|v| v == s) {
                Ok(s.to_string())
            } else {
                Err(format!("`{s}` is not one of {}", values.join(", ")))
            }
        }
        FieldKind::Ipv4 => {
            let s = as_str("an IPv4 address")?;
            s.parse::<Ipv4Addr>()
                .map(|a| a.to_string())
                .map_err(|_| format!("`{s}` is not an IPv4 address like 192.0.2.1"))
        }
        FieldKind::Ipv6 => {
            let s = as_str("an IPv6 address")?;
            s.parse::<Ipv6Addr>()
                .map(|a| a.to_string())
                .map_err(|_| format!("`{s}` is not an IPv6 address like 2001:db8::1"))
        }
        FieldKind::Ipv4Network => {
            let s = as_str("an IPv4 network")?;
            let net: ipnet::Ipv4Net = s
                .parse()
                .map_err(|_| format!("`{s}` is not an IPv4 network like 192.0.2.0/24"))?;
            if net.trunc() != net {
                return Err(format!(
                    "`{s}` has host bits set; the network is {}",
                    net.trunc()
                ));
            }
            Ok(net.to_string())
        }
        FieldKind::Ipv6Network => {
            let s = as_str("an IPv6 network")?;
            let net: ipnet::Ipv6Net = s
                .parse()
                .map_err(|_| format!("`{s}` is not an IPv6 network like 2001:db8::/64"))?;
            if net.trunc() != net {
                return Err(format!(
                    "`{s}` has host bits set; the network is {}",
                    net.trunc()
                ));
            }
            Ok(net.to_string())
        }
        FieldKind::Uuid | FieldKind::Subscription { .. } => {
            let s = as_str("a UUID")?;
            uuid::Uuid::parse_str(s)
                .map(|u| u.to_string())
                .map_err(|_| format!("`{s}` is not a UUID"))
        }
        FieldKind::Json => Ok(value.to_string()),
        FieldKind::Block { block, .. } => Err(format!("expected a {block} block")),
    }
}

/// `1 PortBlock block`, `2 PortBlock blocks`.
fn blocks(n: impl Into<u64>, block: &str) -> String {
    match n.into() {
        1 => format!("1 {block} block"),
        n => format!("{n} {block} blocks"),
    }
}

/// A number past a field's `min` or `max`, said as a form says it (`must be at least
/// 5, got 1`), naming the one bound it broke.
fn out_of_bounds<T: PartialOrd + std::fmt::Display>(
    value: T,
    min: Option<T>,
    max: Option<T>,
) -> Result<(), String> {
    match (min, max) {
        (Some(m), _) if value < m => Err(format!("must be at least {m}, got {value}")),
        (_, Some(m)) if value > m => Err(format!("must be at most {m}, got {value}")),
        _ => Ok(()),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Source, product};
    use serde_json::json;

    fn node() -> ProductDef {
        product::parse(&Source::new(
            "p.toml",
            r#"
name = "Node"
type = "Node"
tag = "NODE"
root = { key = "node", block = "NodeBlock" }
[blocks.NodeBlock]
fields.name = { type = "string", required = "provisioning" }
fields.loopback = { type = "ipv4", required = "active" }
fields.ports = { block = "PortBlock", max = 2 }
fields.peer = { type = "subscription", product_tag = "NODE" }
[blocks.PortBlock]
fields.name = { type = "string", required = "initial" }
"#
            .to_string(),
        ))
        .unwrap()
    }

    fn none(_: &str) -> Option<RefInfo> {
        None
    }

    #[test]
    fn requirements_grow_with_the_lifecycle() {
        let p = node();
        let doc = json!({"node": {"name": "r1"}});
        assert!(validate(&p, &doc, Lifecycle::Provisioning, &none).is_ok());
        let err = validate(&p, &doc, Lifecycle::Active, &none).unwrap_err();
        assert_eq!(err[0].path, "node.loopback");
    }

    #[test]
    fn wrong_types_name_the_path() {
        let p = node();
        let doc = json!({"node": {"name": 5, "ports": [{"name": "a"}, {"name": 1}], "extra": 1}});
        let err = validate(&p, &doc, Lifecycle::Initial, &none).unwrap_err();
        let paths: Vec<_> = err.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["node.extra", "node.name", "node.ports[1].name"]);
    }

    #[test]
    fn references_are_checked_and_collected() {
        let p = node();
        let id = "0190a0f0-0000-7000-8000-000000000001";
        let doc = json!({"node": {"peer": id}});
        let lookup = |s: &str| {
            (s == id).then(|| RefInfo {
                tag: "NODE".into(),
                status: Lifecycle::Active,
            })
        };
        let flat = validate(&p, &doc, Lifecycle::Initial, &lookup).unwrap();
        assert_eq!(
            flat.relations,
            vec![("node.peer".to_string(), id.to_string())]
        );
        assert!(validate(&p, &doc, Lifecycle::Initial, &none).is_err());
    }
}
