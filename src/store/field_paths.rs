//! `--where` paths with list indexes (`node.ports[0].name`, as `subscription show`
//! prints them). The stores index every scalar by its path without indexes
//! (`node.ports.name`, so `--where node.ports.name=x` matches any port): a path with
//! indexes is looked up by that path, and each subscription found is then checked at
//! the exact place.

use serde_json::Value;

use crate::domain::product::{FieldKind, ProductDef};
use crate::domain::subscription::check_scalar;

/// Whether a path names list items by index.
pub fn has_indexes(path: &str) -> bool {
    path.contains('[')
}

/// The path as the stores index it: `node.ports[0].name` → `node.ports.name`.
pub fn without_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The value at `path` in a subscription document (the object with its root key);
/// None when the path does not lead to one or is not well formed.
pub fn value_at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = doc;
    for segment in path.split('.') {
        let (name, mut rest) = match segment.find('[') {
            Some(i) => segment.split_at(i),
            None => (segment, ""),
        };
        if name.is_empty() {
            return None;
        }
        at = at.get(name)?;
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let index: usize = inner[..close].trim().parse().ok()?;
            at = at.get(index)?;
            rest = &inner[close + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(at)
}

/// Whether the document holds `want` at `path`, compared as text, as the stores
/// compare an indexed value (`true`, `5`, `10.0.0.1`), the document's text spelt as
/// `spell` spells it (see [`as_indexed`]).
pub fn holds(doc: &Value, path: &str, want: &str, spell: impl Fn(&str) -> String) -> bool {
    value_at(doc, path).is_some_and(|v| match v {
        Value::String(s) => spell(s) == want,
        Value::Null | Value::Array(_) | Value::Object(_) => false,
        other => spell(&other.to_string()) == want,
    })
}

/// A `--where` value spelt as the stores index the field at `path`: validation indexes
/// an address, a network, an id or a number in one spelling (`2001:db8::1`, a UUID in
/// lower case, `2` for `2.0`), whatever spelling the step stored, so the value asked
/// for is spelt so by the field's type in the first product that has the path and
/// takes it. A value no such field takes is left as given (it matches nothing; see
/// [`refused`]).
pub fn as_indexed(products: &[ProductDef], path: &str, value: &str) -> String {
    let bare = without_indexes(path);
    products
        .iter()
        .filter_map(|p| p.field_at(&bare))
        .find_map(|field| read(&field.kind, value)?.ok())
        .unwrap_or_else(|| value.to_string())
}

/// Why no product's field at `path` can hold `value`: each field's type and what it
/// makes of the value (`` `abc` is not a whole number (an int field) ``).
/// None when one of them takes it, or none is compared by its value (a `json` field, a
/// block).
pub fn refused<'a>(
    products: impl IntoIterator<Item = &'a ProductDef>,
    path: &str,
    value: &str,
) -> Option<String> {
    let bare = without_indexes(path);
    let mut why: Vec<String> = Vec::new();
    for field in products.into_iter().filter_map(|p| p.field_at(&bare)) {
        let line = match read(&field.kind, value)? {
            Ok(_) => return None,
            Err(e) => format!("{e} ({})", kind_name(&field.kind)),
        };
        if !why.contains(&line) {
            why.push(line);
        }
    }
    (!why.is_empty()).then(|| format!("{}, so nothing can match", why.join("; ")))
}

/// `an int field`, `a string field`.
fn kind_name(kind: &FieldKind) -> String {
    let name = kind.type_name();
    let article = if name.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name} field")
}

/// A `--where` value read as a field of `kind` reads it, checked as validation checks
/// the field: its text as the stores index it, or why the field can hold no such
/// value. None for a field not compared by its value.
fn read(kind: &FieldKind, value: &str) -> Option<Result<String, String>> {
    let parsed = serde_json::from_str::<Value>(value).ok();
    let typed = match (kind, parsed) {
        (FieldKind::Json | FieldKind::Block { .. }, _) => return None,
        (FieldKind::Int { .. }, Some(v)) if v.is_i64() => v,
        (FieldKind::Float { .. }, Some(v)) if v.is_number() => v,
        (FieldKind::Bool, Some(v)) if v.is_boolean() => v,
        (FieldKind::Int { .. }, _) => return Some(Err(format!("`{value}` is not a whole number"))),
        (FieldKind::Float { .. }, _) => return Some(Err(format!("`{value}` is not a number"))),
        (FieldKind::Bool, _) => return Some(Err(format!("`{value}` is not `true` or `false`"))),
        _ => Value::String(value.to_string()),
    };
    Some(check_scalar(kind, &typed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds_as_is(doc: &Value, path: &str, want: &str) -> bool {
        holds(doc, path, want, str::to_string)
    }

    #[test]
    fn indexed_paths_find_their_item() {
        let doc = json!({"node": {"name": "r1", "ports": [{"name": "p1", "speed": 10}, {"name": "p2", "up": true}], "tags": ["a", "b"]}});
        assert!(holds_as_is(&doc, "node.ports[0].name", "p1"));
        assert!(!holds_as_is(&doc, "node.ports[0].name", "p2"));
        assert!(holds_as_is(&doc, "node.ports[1].name", "p2"));
        assert!(holds_as_is(&doc, "node.ports[0].speed", "10"));
        assert!(holds_as_is(&doc, "node.ports[1].up", "true"));
        assert!(holds_as_is(&doc, "node.tags[1]", "b"));
        assert!(!holds_as_is(&doc, "node.ports[2].name", "p1"));
        for broken in [
            "node.ports[x].name",
            "node.ports[0",
            "node..name",
            "node.ports[0]x",
        ] {
            assert!(value_at(&doc, broken).is_none(), "{broken}");
        }
        assert_eq!(without_indexes("node.ports[0].name"), "node.ports.name");
        assert_eq!(without_indexes("node.tags[1]"), "node.tags");
    }

    #[test]
    fn a_value_the_field_cannot_hold_is_said_with_its_type() {
        let text = r#"
name = "N"
tag = "N"
type = "N"
status = "active"
root = { key = "node", block = "B" }
[blocks.B]
fields.id = { type = "int" }
fields.up = { type = "bool" }
fields.role = { type = "enum", values = ["core", "edge"] }
fields.extra = { type = "json" }
"#;
        let p = crate::definition::product::parse(&crate::definition::Source::new(
            "products/n.toml",
            text.to_string(),
        ))
        .unwrap();
        let products = [p];
        let refused = |path: &str, value: &str| refused(&products, path, value);
        assert_eq!(
            refused("node.id", "abc").as_deref(),
            Some("`abc` is not a whole number (an int field), so nothing can match")
        );
        assert!(refused("node.id", "2.5").is_some());
        assert_eq!(refused("node.id", "7"), None);
        assert_eq!(
            refused("node.up", "yes").as_deref(),
            Some("`yes` is not `true` or `false` (a bool field), so nothing can match")
        );
        assert_eq!(refused("node.up", "false"), None);
        assert!(
            refused("node.role", "spine")
                .unwrap()
                .contains("an enum field")
        );
        assert_eq!(refused("node.extra", "anything"), None);
        assert_eq!(refused("node.nosuch", "x"), None);
        assert_eq!(as_indexed(&products, "node.id", "7"), "7");
        assert_eq!(as_indexed(&products, "node.id", "abc"), "abc");
    }
}
