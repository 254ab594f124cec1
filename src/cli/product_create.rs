//! `orch product create`: one product from flags or, with `--form`, from prompts.
//!
//! Both ways end the same: a [`NewProduct`] rendered as the text of a product file,
//! which then goes through the real product parser. A created product therefore
//! passes exactly the checks a hand-written file does, and `--save` writes that text.

mod form;

use clap::Args;
use serde_json::json;

use super::Ctx;
use super::init::toml_string as q;
use crate::definition::{Source, product as product_def};
use crate::error::{Error, Result};
use crate::store::products::ProductChange;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Unique product name
    #[arg(long)]
    pub name: Option<String>,
    /// Product type
    #[arg(long = "type", value_name = "TYPE")]
    pub product_type: Option<String>,
    /// Tag that workflows attach to
    #[arg(long)]
    pub tag: Option<String>,
    /// What the product is (default: empty)
    #[arg(long)]
    pub description: Option<String>,
    /// active, pre production, phase out or end of life (default: active)
    #[arg(long)]
    pub status: Option<String>,
    /// A fixed input, key=value (repeatable)
    #[arg(long = "fixed-input", value_name = "KEY=VALUE", value_parser = super::parse_key_value)]
    pub fixed_inputs: Vec<(String, String)>,
    /// Key of the block tree in subscriptions (default: the tag in lower case)
    #[arg(long)]
    pub root_key: Option<String>,
    /// Name of the root block (default: <Name>Block)
    #[arg(long)]
    pub root_block: Option<String>,
    /// A field of the root block: NAME:TYPE[:REQUIRED], TYPE one of string, int, float,
    /// bool, ipv4, ipv6, ipv4_network, ipv6_network, uuid, json, enum(a|b),
    /// subscription(TAG) (`subscription()`: of any product); append [] for a list
    /// (repeatable)
    #[arg(long = "field", value_name = "SPEC")]
    pub fields: Vec<String>,
    /// Ask for what the flags leave out interactively (only on a terminal)
    #[arg(long)]
    pub form: bool,
    /// Also write the definition to the products folder orch.toml names (products/ unless it says otherwise), as <name in lower case>.toml
    #[arg(long)]
    pub save: bool,
    /// Overwrite an existing file or product
    #[arg(long)]
    pub force: bool,
}

/// A product as the flags or the form describe it, before it becomes a definition.
struct NewProduct {
    name: String,
    product_type: String,
    tag: String,
    description: String,
    status: String,
    fixed_inputs: Vec<(String, String)>,
    root_key: String,
    root_block: String,
    fields: Vec<NewField>,
}

/// A field of the root block: `--field NAME:TYPE[:REQUIRED]` or one round of the form.
#[derive(Debug, PartialEq)]
struct NewField {
    name: String,
    kind: NewKind,
    list: bool,
    /// The lifecycle state from which the field is required.
    required: Option<String>,
}

#[derive(Debug, PartialEq)]
enum NewKind {
    /// A type name as written (string, int, …); the parser judges it.
    Plain(String),
    Enum(Vec<String>),
    /// A subscription reference, optionally to products of one tag.
    Subscription(Option<String>),
}

pub fn create(ctx: &mut Ctx, args: CreateArgs) -> Result<()> {
    // Said in the flags' words: as a file, the second one is a duplicate TOML key.
    let mut keys = std::collections::BTreeSet::new();
    for (key, _) in &args.fixed_inputs {
        if !keys.insert(key.as_str()) {
            return Err(
                Error::usage(format!("--fixed-input `{key}` is given twice"))
                    .with_hint("give each fixed input once"),
            );
        }
    }
    let new = if args.form {
        form::ask(ctx, &args)?
    } else {
        from_flags(&args)?
    };
    store_product(ctx, &new, args.save, args.force)
}

fn from_flags(args: &CreateArgs) -> Result<NewProduct> {
    let missing: Vec<&str> = [
        ("--name", args.name.is_none()),
        ("--type", args.product_type.is_none()),
        ("--tag", args.tag.is_none()),
    ]
    .into_iter()
    .filter_map(|(f, m)| m.then_some(f))
    .collect();
    if !missing.is_empty() {
        return Err(Error::usage(format!("missing {}", missing.join(", ")))
            .with_hint("orch product create --name Node --type Node --tag NODE --field name:string:provisioning, or answer with --form"));
    }
    let mut named = std::collections::BTreeSet::new();
    for spec in &args.fields {
        let name = spec.split(':').next().unwrap_or_default();
        if !named.insert(name) {
            return Err(Error::usage(format!("--field `{name}` is given twice"))
                .with_hint("give each field once"));
        }
    }
    let flag = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(NewProduct::new(
        args,
        flag(&args.name),
        flag(&args.product_type),
        flag(&args.tag),
        args.fields
            .iter()
            .map(|s| NewField::parse(s))
            .collect::<Result<_>>()?,
    ))
}

impl NewProduct {
    /// The product of `args` with its name, type, tag and fields settled; the rest
    /// comes from the flags or their defaults.
    fn new(
        args: &CreateArgs,
        name: String,
        product_type: String,
        tag: String,
        fields: Vec<NewField>,
    ) -> Self {
        NewProduct {
            root_key: args.root_key.clone().unwrap_or_else(|| tag.to_lowercase()),
            root_block: root_block(args, &name),
            description: args.description.clone().unwrap_or_default(),
            status: args.status.clone().unwrap_or_else(|| "active".into()),
            fixed_inputs: args.fixed_inputs.clone(),
            name,
            product_type,
            tag,
            fields,
        }
    }

    /// The definition file's text.
    fn toml(&self) -> String {
        let mut t = String::new();
        t.push_str(&format!("name = {}\n", q(&self.name)));
        t.push_str(&format!("type = {}\n", q(&self.product_type)));
        t.push_str(&format!("tag = {}\n", q(&self.tag)));
        t.push_str(&format!("description = {}\n", q(&self.description)));
        t.push_str(&format!("status = {}\n", q(&self.status)));
        t.push_str(&format!(
            "root = {{ key = {}, block = {} }}\n",
            q(&self.root_key),
            q(&self.root_block)
        ));
        if !self.fixed_inputs.is_empty() {
            t.push_str("\n[fixed_inputs]\n");
            for (k, v) in &self.fixed_inputs {
                t.push_str(&format!("{} = {}\n", key(k), q(v)));
            }
        }
        t.push_str(&format!("\n[blocks.{}]\n", key(&self.root_block)));
        for f in &self.fields {
            t.push_str(&f.toml_line());
            t.push('\n');
        }
        t
    }
}

/// The root block's name: `--root-block`, else `<Name>Block`.
fn root_block(args: &CreateArgs, name: &str) -> String {
    args.root_block.clone().unwrap_or_else(|| {
        format!(
            "{}Block",
            name.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        )
    })
}

impl NewField {
    fn parse(spec: &str) -> Result<NewField> {
        let bad = || {
            Error::usage(format!("--field `{spec}` is not NAME:TYPE[:REQUIRED]"))
                .with_hint("e.g. --field name:string:provisioning --field role:enum(core|edge) --field peers:subscription(NODE)[]")
        };
        let mut parts = spec.splitn(3, ':');
        let name = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
        let ty = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
        let (ty, list) = match ty.strip_suffix("[]") {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let inner = |prefix: &str| ty.strip_prefix(prefix).and_then(|s| s.strip_suffix(')'));
        let kind = if let Some(values) = inner("enum(") {
            NewKind::Enum(values.split('|').map(str::to_string).collect())
        } else if let Some(tag) = inner("subscription(") {
            // `subscription()`: a reference to a subscription of any product.
            let tag = tag.trim();
            NewKind::Subscription((!tag.is_empty()).then(|| tag.to_string()))
        } else {
            NewKind::Plain(ty.to_string())
        };
        Ok(NewField {
            name: name.to_string(),
            kind,
            list,
            required: parts.next().map(str::to_string),
        })
    }

    fn toml_line(&self) -> String {
        let mut attrs = vec![match &self.kind {
            NewKind::Plain(t) => format!("type = {}", q(t)),
            NewKind::Enum(values) => {
                let values: Vec<String> = values.iter().map(|v| q(v)).collect();
                format!("type = \"enum\", values = [{}]", values.join(", "))
            }
            NewKind::Subscription(None) => "type = \"subscription\"".to_string(),
            NewKind::Subscription(Some(tag)) => {
                format!("type = \"subscription\", product_tag = {}", q(tag))
            }
        }];
        if self.list {
            attrs.push("list = true".to_string());
        }
        if let Some(r) = &self.required {
            attrs.push(format!("required = {}", q(r)));
        }
        format!("fields.{} = {{ {} }}", key(&self.name), attrs.join(", "))
    }
}

/// A TOML key, bare when it can be, as a person would write it.
fn key(k: &str) -> String {
    if product_def::is_identifier(k) {
        k.to_string()
    } else {
        q(k)
    }
}

/// Parses the product's definition, stores it, and with `save` writes its file.
/// Says which `subscription(TAG)` fields name a tag no product has (stored, or this
/// one), as `product load` and `workflow check` say of a file: such a field can hold
/// no reference until a product with that tag exists.
fn warn_unknown_tags(ctx: &mut Ctx, def: &crate::domain::product::ProductDef) -> Result<()> {
    let stored = ctx.db(async |s| s.products().await)?;
    let mut known: std::collections::BTreeSet<&str> =
        stored.iter().map(|p| p.def.tag.as_str()).collect();
    known.insert(def.tag.as_str());
    for (block_name, block) in &def.blocks {
        for (field_name, field) in &block.fields {
            if let crate::domain::product::FieldKind::Subscription {
                product_tag: Some(tag),
                ..
            } = &field.kind
                && !known.contains(tag.as_str())
            {
                ctx.printer.warn(&format!(
                    "blocks.{block_name}.fields.{field_name}: no product has the tag `{tag}` (known: {}); the field takes a reference once one does",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn store_product(ctx: &mut Ctx, new: &NewProduct, save: bool, force: bool) -> Result<()> {
    let text = new.toml();
    let file_name = format!(
        "{}.toml",
        new.name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let file = ctx.project.products_dir().join(&file_name);
    let shown = ctx.project.display_path(&file);
    // The text is orch's own rendering of the flags or answers, not a file yet: a
    // problem is said by its key, without a file and line the user never wrote.
    let def = product_def::parse(&Source::new(shown.clone(), text.clone())).map_err(|d| {
        let mut e = Error::usage(match d.len() {
            1 => "the product as given is invalid".to_string(),
            n => format!("the product as given has {n} problems"),
        });
        for diag in &d {
            e = e.with_cause(if diag.path.is_empty() {
                diag.message.clone()
            } else {
                format!("{}: {}", diag.path, diag.message)
            });
        }
        e.with_hint("each field is --field NAME:TYPE[:REQUIRED]; `orch product create --help` lists the types, and --form asks for each")
    })?;
    warn_unknown_tags(ctx, &def)?;
    if save && file.exists() && !force {
        return Err(
            Error::conflict(format!("{} exists already", shown.display()))
                .with_hint("pass --force to overwrite it, or choose another --name"),
        );
    }
    let name = def.name.as_str();
    let exists = ctx.db(async |s| s.product_by_name(name).await)?.is_some();
    if exists && !force {
        return Err(
            Error::conflict(format!("a product named `{}` exists already", def.name)).with_hint(
                "edit its file and run `orch product load`, or pass --force to replace it",
            ),
        );
    }
    let source = save.then(|| shown.display().to_string());
    // A replacement is a load of one product: its plan is shown, and what it breaks in
    // the subscriptions is said (as `product load --force` says it), not passed over.
    let (invalidates, resynced) = if exists {
        let one = vec![(def.clone(), source.clone().unwrap_or_default())];
        let plan = ctx.db(async |s| super::product::plan_load(s, one, false, false).await)?;
        if !ctx.printer.is_json() {
            super::product::print_plan(ctx, &plan);
        }
        let resynced = super::product::forced_resync(ctx, &plan)?;
        let invalidates: Vec<String> = plan.into_iter().flat_map(|p| p.invalidates).collect();
        (invalidates, resynced)
    } else {
        (Vec::new(), Vec::new())
    };
    if !invalidates.is_empty() && !ctx.printer.is_json() {
        ctx.printer.warn(&format!(
            "replacing it invalidates {} (--force)",
            match invalidates.len() {
                1 => "what the plan lists".to_string(),
                n => format!("the {n} things the plan lists"),
            }
        ));
    }
    let mut change = vec![ProductChange::Put {
        def: &def,
        source: source.as_deref(),
    }];
    change.extend(resynced.iter().map(|r| ProductChange::Resync {
        new: &r.new,
        old: &r.old,
        flat: &r.flat,
    }));
    let id = ctx.db(async |s| {
        s.apply_products(&change).await?;
        let stored = s.product_by_name(name).await?;
        Ok::<_, Error>(stored.map(|p| p.product_id).unwrap_or_default())
    })?;
    if save {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, &text)
            .map_err(|e| Error::failure(format!("cannot write {}: {e}", file.display())))?;
    }
    if ctx.printer.is_json() {
        let mut v = json!({"product_id": id, "name": def.name, "saved_to": save.then_some(shown), "invalidates": invalidates});
        super::product_force::add_json(&mut v, &resynced);
        return ctx.printer.json(&v);
    }
    super::product_force::report(ctx, &resynced);
    let done = if exists { "replaced" } else { "created" };
    ctx.printer
        .status(&format!("{done} product {} ({})", def.name, def.tag));
    if save {
        ctx.printer.status(&format!("wrote {}", shown.display()));
    } else {
        ctx.printer.hint(&format!(
            "pass --save to also write its definition to {}",
            ctx.project.products_shown()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_specs_parse_and_render() {
        let f = NewField::parse("peers:subscription(NODE)[]:active").unwrap();
        assert_eq!(f.kind, NewKind::Subscription(Some("NODE".into())));
        assert!(f.list);
        assert_eq!(
            f.toml_line(),
            r#"fields.peers = { type = "subscription", product_tag = "NODE", list = true, required = "active" }"#
        );
        let f = NewField::parse("role:enum(core|edge)").unwrap();
        assert_eq!(
            f.toml_line(),
            r#"fields.role = { type = "enum", values = ["core", "edge"] }"#
        );
        assert!(NewField::parse("name").is_err());
        assert!(NewField::parse(":string").is_err());
    }
}
