//! Parsing `products/*.toml` into [`ProductDef`], with every problem placed in the file.

use indexmap::IndexMap;
use serde::Deserialize;

use super::{Diagnostic, Seg, Source};
use crate::domain::lifecycle::{Lifecycle, ProductStatus};
use crate::domain::product::{BlockDef, FieldDef, FieldKind, ProductDef, RootRef};
use crate::key_path;

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a product table (`name`, `type`, `tag`, `root`, `[blocks.X]`)"
)]
struct RawProduct {
    name: String,
    #[serde(rename = "type")]
    product_type: String,
    tag: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    status: Option<String>,
    root: RawRoot,
    #[serde(default)]
    fixed_inputs: IndexMap<String, toml::Value>,
    #[serde(default)]
    blocks: IndexMap<String, RawBlock>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table like `{ key = \"node\", block = \"NodeBlock\" }`"
)]
struct RawRoot {
    key: String,
    block: String,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a block table (`description`, `fields.NAME = { … }`)"
)]
struct RawBlock {
    #[serde(default)]
    description: String,
    #[serde(default)]
    fields: IndexMap<String, RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a field table like `{ type = \"string\", required = \"active\" }`"
)]
struct RawField {
    #[serde(rename = "type")]
    field_type: Option<String>,
    block: Option<String>,
    values: Option<Vec<String>>,
    required: Option<String>,
    min: Option<toml::Value>,
    max: Option<toml::Value>,
    list: Option<bool>,
    product_tag: Option<String>,
    status: Option<OneOrMany>,
    pattern: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Parses one product file; all problems of the file are returned together.
pub fn parse(src: &Source) -> Result<ProductDef, Vec<Diagnostic>> {
    let (raw, mut refused) = src.deserialize_each::<RawProduct>();
    let Some(raw) = raw else {
        src.every_missing_key(&mut refused, &["name", "type", "tag", "root"]);
        return Err(refused);
    };
    let mut diags = refused;
    let mut err = |path: Vec<Seg>, msg: String, hint: Option<&str>| {
        let mut d = src.diagnostic(&path, msg);
        d.hint = hint.map(str::to_string);
        diags.push(d);
    };

    for (key, value) in [
        ("name", &raw.name),
        ("type", &raw.product_type),
        ("tag", &raw.tag),
    ] {
        if value.trim().is_empty() {
            err(key_path![key], format!("`{key}` must not be empty"), None);
        } else if let Some(why) = crate::domain::path::unseen_in_name(value) {
            // A tag `NODE ` is not the `NODE` a workflow names, and no one sees why.
            err(
                key_path![key],
                format!(
                    "product {key} `{}` cannot be used: {why}",
                    value.escape_debug()
                ),
                None,
            );
        }
    }
    let status = match raw.status.as_deref() {
        None => ProductStatus::Active,
        Some(s) => s.parse().unwrap_or_else(|e: String| {
            err(key_path!["status"], e, None);
            ProductStatus::Active
        }),
    };
    if !is_identifier(&raw.root.key) {
        err(
            key_path!["root", "key"],
            format!(
                "root key `{}` must be a plain identifier (letters, digits, _)",
                raw.root.key
            ),
            None,
        );
    }
    if crate::domain::subscription::RESERVED_KEYS.contains(&raw.root.key.as_str()) {
        err(
            key_path!["root", "key"],
            format!(
                "root key `{}` is a key of the subscription itself (its JSON has `{}` beside the block tree)",
                raw.root.key, raw.root.key
            ),
            Some("name the root after what the product is, as `node` or `circuit`"),
        );
    }
    if !raw.blocks.contains_key(&raw.root.block) {
        err(
            key_path!["root", "block"],
            format!("unknown block `{}`", raw.root.block),
            Some(&known_blocks_hint(&raw.blocks)),
        );
    }

    let mut fixed_inputs = IndexMap::new();
    for (k, v) in &raw.fixed_inputs {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                err(
                    key_path!["fixed_inputs", k.as_str()],
                    "a fixed input must be a string, number or boolean".to_string(),
                    None,
                );
                continue;
            }
        };
        fixed_inputs.insert(k.clone(), text);
    }

    let mut blocks = IndexMap::new();
    for (bname, rblock) in &raw.blocks {
        let mut fields = IndexMap::new();
        for (fname, rf) in &rblock.fields {
            let path = |leaf: &str| {
                let mut p = key_path!["blocks", bname.as_str(), "fields", fname.as_str()];
                if !leaf.is_empty() {
                    p.push(Seg::from(leaf));
                }
                p
            };
            if !is_identifier(fname) {
                err(
                    path(""),
                    format!("field name `{fname}` must be a plain identifier"),
                    None,
                );
            }
            match field_def(rf, &raw.blocks) {
                Ok(f) => {
                    fields.insert(fname.clone(), f);
                }
                Err((leaf, msg, hint)) => err(path(leaf), msg, hint.as_deref()),
            }
        }
        blocks.insert(
            bname.clone(),
            BlockDef {
                description: rblock.description.clone(),
                fields,
            },
        );
    }

    let cycle = find_cycle(&raw.root.block, &blocks);
    if let Some((cycle, field)) = &cycle {
        err(
            key_path![
                "blocks",
                cycle[cycle.len() - 2].as_str(),
                "fields",
                field.as_str(),
                "block"
            ],
            format!("blocks own each other in a cycle: {}", cycle.join(" → ")),
            Some(
                "an owned block cannot contain itself; use a `subscription` field to point at another subscription",
            ),
        );
    }

    if cycle.is_none() {
        let levels = 2 + nesting(&raw.root.block, &blocks);
        if levels > crate::depth::MAX_DEPTH {
            err(
                key_path!["root", "block"],
                format!(
                    "owned blocks nest {levels} levels of objects and arrays deep in the state (`subscription`, then `{}`…), past the {} a state may nest",
                    raw.root.key,
                    crate::depth::MAX_DEPTH
                ),
                Some(
                    "keep the tree of owned blocks shallower: a list of blocks takes two levels, a block one; a deep part may be a `subscription` field pointing at another subscription",
                ),
            );
        }
    }

    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(ProductDef {
        name: raw.name,
        product_type: raw.product_type,
        tag: raw.tag,
        description: raw.description,
        status,
        root: RootRef {
            key: raw.root.key,
            block: raw.root.block,
        },
        fixed_inputs,
        blocks,
    })
}

type FieldProblem = (&'static str, String, Option<String>);

fn field_def(rf: &RawField, blocks: &IndexMap<String, RawBlock>) -> Result<FieldDef, FieldProblem> {
    let required = match &rf.required {
        None => None,
        Some(r) => Some(r.parse::<Lifecycle>().map_err(|e| ("required", e, None))?),
    };
    let kind = match (&rf.field_type, &rf.block) {
        (Some(_), Some(_)) => {
            return Err((
                "block",
                "a field has either `type` or `block`, not both".into(),
                None,
            ));
        }
        (None, None) => {
            return Err((
                "",
                "a field needs `type = \"…\"` or `block = \"…\"`".into(),
                Some(format!("types: {}", FieldKind::SCALAR_TYPES.join(", "))),
            ));
        }
        (None, Some(block)) => {
            if !blocks.contains_key(block) {
                return Err((
                    "block",
                    format!("unknown block `{block}`"),
                    Some(known_blocks_hint(blocks)),
                ));
            }
            let min = count_bound(&rf.min, "min")?;
            let max = count_bound(&rf.max, "max")?;
            ordered_bounds(min, max)?;
            if max == Some(0) {
                return Err((
                    "max",
                    "max 0 allows no block at all".into(),
                    Some("leave the field out, or allow at least one".into()),
                ));
            }
            FieldKind::Block {
                block: block.clone(),
                many: min.is_some() || max.is_some() || rf.list == Some(true),
                min,
                max,
            }
        }
        (Some(t), None) => scalar_kind(t, rf)?,
    };
    let only = |present: bool, key: &'static str, allowed: &str| -> Result<(), FieldProblem> {
        if present {
            Err((
                key,
                format!("`{key}` only applies to {allowed} fields"),
                None,
            ))
        } else {
            Ok(())
        }
    };
    only(
        rf.values.is_some() && !matches!(kind, FieldKind::Enum { .. }),
        "values",
        "enum",
    )?;
    let is_sub = matches!(kind, FieldKind::Subscription { .. });
    only(
        rf.product_tag.is_some() && !is_sub,
        "product_tag",
        "subscription",
    )?;
    only(rf.status.is_some() && !is_sub, "status", "subscription")?;
    only(
        rf.pattern.is_some() && !matches!(kind, FieldKind::String { .. }),
        "pattern",
        "string",
    )?;
    let bounded = matches!(
        kind,
        FieldKind::Int { .. } | FieldKind::Float { .. } | FieldKind::Block { .. }
    );
    only(rf.min.is_some() && !bounded, "min", "int, float and block")?;
    only(rf.max.is_some() && !bounded, "max", "int, float and block")?;
    let list = rf.list.unwrap_or(false) && !matches!(kind, FieldKind::Block { .. });
    Ok(FieldDef {
        kind,
        required,
        list,
        description: rf.description.clone(),
    })
}

/// Refuses bounds no value can meet: a `min` above the `max`.
fn ordered_bounds<T: PartialOrd + std::fmt::Display>(
    min: Option<T>,
    max: Option<T>,
) -> Result<(), FieldProblem> {
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => Err((
            "min",
            format!("min {lo} is larger than max {hi}, so no value fits"),
            Some("swap them, or fix the one that is wrong".into()),
        )),
        _ => Ok(()),
    }
}

fn scalar_kind(t: &str, rf: &RawField) -> Result<FieldKind, FieldProblem> {
    Ok(match t {
        "string" => {
            if let Some(p) = &rf.pattern {
                // Compiled as values are checked, anchored (`^(?:…)$`).
                regex::Regex::new(&format!("^(?:{p})$"))
                    .map_err(|e| ("pattern", format!("invalid pattern: {e}"), None))?;
            }
            FieldKind::String {
                pattern: rf.pattern.clone(),
            }
        }
        "int" => {
            let (min, max) = (int_bound(&rf.min, "min")?, int_bound(&rf.max, "max")?);
            ordered_bounds(min, max)?;
            FieldKind::Int { min, max }
        }
        "float" => {
            let (min, max) = (float_bound(&rf.min, "min")?, float_bound(&rf.max, "max")?);
            ordered_bounds(min, max)?;
            FieldKind::Float { min, max }
        }
        "bool" => FieldKind::Bool,
        "enum" => {
            let values = rf.values.clone().unwrap_or_default();
            if values.is_empty() {
                return Err((
                    "values",
                    "an enum field needs `values = [\"…\", …]`".into(),
                    None,
                ));
            }
            if values.iter().any(|v| v.trim().is_empty()) {
                return Err(("values", "an enum value is empty".into(), None));
            }
            if let Some(twice) = values
                .iter()
                .enumerate()
                .find(|(i, v)| values[..*i].contains(v))
                .map(|(_, v)| v)
            {
                return Err(("values", format!("`{twice}` is listed twice"), None));
            }
            FieldKind::Enum { values }
        }
        "ipv4" => FieldKind::Ipv4,
        "ipv6" => FieldKind::Ipv6,
        "ipv4_network" => FieldKind::Ipv4Network,
        "ipv6_network" => FieldKind::Ipv6Network,
        "uuid" => FieldKind::Uuid,
        "json" => FieldKind::Json,
        "subscription" => {
            let mut status = Vec::new();
            for s in rf
                .status
                .clone()
                .map(OneOrMany::into_vec)
                .unwrap_or_default()
            {
                status.push(s.parse::<Lifecycle>().map_err(|e| ("status", e, None))?);
            }
            if rf
                .product_tag
                .as_deref()
                .is_some_and(|t| t.trim().is_empty())
            {
                return Err((
                    "product_tag",
                    "`product_tag` must not be empty".into(),
                    Some("name the tag the referenced product has, or leave the key out to allow any product".into()),
                ));
            }
            FieldKind::Subscription {
                product_tag: rf.product_tag.clone(),
                status,
            }
        }
        "block" => {
            return Err((
                "type",
                "owned blocks are written `block = \"BlockName\"`, not `type = \"block\"`".into(),
                None,
            ));
        }
        other => {
            return Err((
                "type",
                format!("unknown field type `{other}`"),
                Some(format!("types: {}", FieldKind::SCALAR_TYPES.join(", "))),
            ));
        }
    })
}

fn int_bound(v: &Option<toml::Value>, key: &'static str) -> Result<Option<i64>, FieldProblem> {
    match v {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i)),
        Some(other) => Err((
            key,
            format!("`{key}` must be an integer, not {}", other.type_str()),
            None,
        )),
    }
}

fn float_bound(v: &Option<toml::Value>, key: &'static str) -> Result<Option<f64>, FieldProblem> {
    match v {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(toml::Value::Float(f)) => Ok(Some(*f)),
        Some(other) => Err((
            key,
            format!("`{key}` must be a number, not {}", other.type_str()),
            None,
        )),
    }
}

fn count_bound(v: &Option<toml::Value>, key: &'static str) -> Result<Option<u32>, FieldProblem> {
    match int_bound(v, key)? {
        None => Ok(None),
        Some(i) => u32::try_from(i).map(Some).map_err(|_| {
            (
                key,
                format!("`{key}` must be between 0 and {}", u32::MAX),
                None,
            )
        }),
    }
}

fn known_blocks_hint(blocks: &IndexMap<String, RawBlock>) -> String {
    if blocks.is_empty() {
        "define it in a [blocks.Name] table".to_string()
    } else {
        let names: Vec<_> = blocks.keys().map(String::as_str).collect();
        format!("blocks defined in this file: {}", names.join(", "))
    }
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How many levels of objects and arrays a block's document nests: one for the block,
/// one more for a list (of blocks or of values) in it, and its owned blocks'. Called
/// once no block owns itself.
fn nesting(name: &str, blocks: &IndexMap<String, BlockDef>) -> usize {
    let Some(b) = blocks.get(name) else {
        return 1;
    };
    1 + b
        .fields
        .values()
        .map(|f| match &f.kind {
            FieldKind::Block { block, many, .. } => usize::from(*many) + nesting(block, blocks),
            _ => usize::from(f.list),
        })
        .max()
        .unwrap_or(0)
}

/// Finds a cycle of owned blocks: the chain of block names and the field closing it.
fn find_cycle(root: &str, blocks: &IndexMap<String, BlockDef>) -> Option<(Vec<String>, String)> {
    fn visit(
        name: &str,
        blocks: &IndexMap<String, BlockDef>,
        stack: &mut Vec<String>,
        done: &mut std::collections::HashSet<String>,
    ) -> Option<(Vec<String>, String)> {
        if done.contains(name) {
            return None;
        }
        stack.push(name.to_string());
        if let Some(b) = blocks.get(name) {
            for (fname, f) in &b.fields {
                if let FieldKind::Block { block, .. } = &f.kind {
                    if stack.iter().any(|s| s == block) {
                        let start = stack.iter().position(|s| s == block).unwrap_or(0);
                        let mut cycle = stack[start..].to_vec();
                        cycle.push(block.clone());
                        return Some((cycle, fname.clone()));
                    }
                    if let Some(found) = visit(block, blocks, stack, done) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        done.insert(name.to_string());
        None
    }
    let mut done = std::collections::HashSet::new();
    let mut names: Vec<&str> = vec![root];
    names.extend(blocks.keys().map(String::as_str));
    for n in names {
        let mut stack = Vec::new();
        if let Some(found) = visit(n, blocks, &mut stack, &mut done) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ProductDef, Vec<Diagnostic>> {
        parse(&Source::new("products/p.toml", text.to_string()))
    }

    const GOOD: &str = r#"
name = "Node"
type = "Node"
tag = "NODE"
description = "A router"
status = "active"
root = { key = "node", block = "NodeBlock" }

[fixed_inputs]
vendor = "nokia"

[blocks.NodeBlock]
fields.name = { type = "string", required = "provisioning" }
fields.role = { type = "enum", values = ["core", "edge"] }
fields.ports = { block = "PortBlock", min = 0, max = 48 }

[blocks.PortBlock]
fields.name = { type = "string", required = "initial" }
"#;

    #[test]
    fn parses_a_product() {
        let p = parse_str(GOOD).unwrap();
        assert_eq!(p.tag, "NODE");
        assert_eq!(p.fixed_inputs["vendor"], "nokia");
        let ports = &p.blocks["NodeBlock"].fields["ports"];
        assert!(matches!(
            ports.kind,
            FieldKind::Block {
                many: true,
                max: Some(48),
                ..
            }
        ));
    }

    #[test]
    fn unknown_key_is_placed() {
        let text = GOOD.replace("tag = \"NODE\"", "tga = \"NODE\"");
        let d = parse_str(&text).unwrap_err();
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].line, 4, "{}", d[0]);
        assert!(d[0].message.contains("tga"), "{}", d[0]);
        // Read on without it, the file lacks the key it meant.
        assert!(d[1].message.contains("missing field `tag`"), "{}", d[1]);
    }

    /// Every key the top table lacks is named at once, not one per run.
    #[test]
    fn every_missing_top_key_is_named_in_one_read() {
        let d = parse_str("name = \"X\"\n").unwrap_err();
        let said: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            said,
            [
                "missing field `type`",
                "missing field `tag`",
                "missing field `root`"
            ],
            "{d:?}"
        );
        // With a key refused on the way, both are said.
        let d = parse_str("name = 42\ntype = \"X\"\n").unwrap_err();
        let said: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(said[0].contains("invalid type"), "{d:?}");
        assert_eq!(
            &said[1..],
            ["missing field `tag`", "missing field `root`"],
            "{d:?}"
        );
    }

    #[test]
    fn every_refused_key_is_named_in_one_read() {
        let text = GOOD
            .replace("tag = \"NODE\"", "tag = \"NODE\"\ncolour = 1")
            .replace("[blocks.NodeBlock]", "[blocks.NodeBlock]\nsize = \"big\"");
        let d = parse_str(&text).unwrap_err();
        let said: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(said, ["colour", "blocks.NodeBlock.size"], "{d:?}");
        assert!(
            d.iter().all(|d| d.message.contains("unknown field")),
            "{d:?}"
        );
        assert_eq!(d[0].line, 5, "{}", d[0]);
    }

    #[test]
    fn a_reference_names_a_tag_and_a_list_allows_a_block() {
        for (from, to, says) in [
            ("max = 48", "max = 0", "max 0 allows no block"),
            (
                "fields.role = { type = \"enum\", values = [\"core\", \"edge\"] }",
                "fields.peer = { type = \"subscription\", product_tag = \"\" }",
                "`product_tag` must not be empty",
            ),
        ] {
            let d = parse_str(&GOOD.replace(from, to)).unwrap_err();
            assert!(d[0].message.contains(says), "{}", d[0]);
        }
    }

    #[test]
    fn enum_values_are_neither_empty_nor_listed_twice() {
        for (values, says) in [
            ("[\"\", \"\"]", "empty"),
            ("[\"core\", \"core\"]", "listed twice"),
        ] {
            let text = GOOD.replace("[\"core\", \"edge\"]", values);
            let d = parse_str(&text).unwrap_err();
            assert!(d[0].message.contains(says), "{}", d[0]);
        }
    }

    #[test]
    fn a_root_key_may_not_be_a_key_of_the_subscription() {
        for key in ["status", "product", "insync", "processes"] {
            let text = GOOD.replace("key = \"node\"", &format!("key = \"{key}\""));
            let d = parse_str(&text).unwrap_err();
            assert_eq!(d[0].path, "root.key", "{key}");
            assert!(
                d[0].message.contains("a key of the subscription itself"),
                "{}",
                d[0]
            );
        }
    }

    #[test]
    fn wrong_field_type_names_the_path() {
        let text = GOOD.replace("type = \"enum\"", "type = \"enumm\"");
        let d = parse_str(&text).unwrap_err();
        assert_eq!(d[0].path, "blocks.NodeBlock.fields.role.type");
        assert_eq!(d[0].line, 14);
    }

    #[test]
    fn blocks_nested_past_the_state_depth_are_refused() {
        // A chain of lists of blocks, each in the one before: two levels each.
        let chain = |n: usize| {
            let mut text = "name = \"Deep\"\ntype = \"Deep\"\ntag = \"DEEP\"\nstatus = \"active\"\nroot = { key = \"deep\", block = \"B0\" }\n".to_string();
            for i in 0..n {
                text.push_str(&format!(
                    "[blocks.B{i}]\nfields.next = {{ block = \"B{}\", list = true }}\n",
                    i + 1
                ));
            }
            text.push_str(&format!(
                "[blocks.B{n}]\nfields.name = {{ type = \"string\" }}\n"
            ));
            text
        };
        // 2 (the state, `subscription`) + 2 a link + 1 the last block.
        assert!(parse_str(&chain(30)).is_ok());
        let d = parse_str(&chain(31)).unwrap_err();
        let msgs: Vec<_> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("65 levels") && m.contains("past the 64")),
            "{msgs:?}"
        );
    }

    #[test]
    fn cycle_and_unknown_block() {
        let text = GOOD.replace(
            "fields.name = { type = \"string\", required = \"initial\" }",
            "fields.back = { block = \"NodeBlock\" }\nfields.x = { block = \"Nope\" }",
        );
        let d = parse_str(&text).unwrap_err();
        let msgs: Vec<_> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("unknown block `Nope`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("cycle")), "{msgs:?}");
    }
}
