//! `orch product load|create|list|show`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::Ctx;
use crate::definition::{DefinitionError, Diagnostic, Source, product as product_def, toml_files};
use crate::domain::product::{self, ProductDef};
use crate::domain::subscription;
use crate::error::{Error, Result};
use crate::store::products::ProductChange;
use crate::store::{RefMap, Store, candidate_refs};
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Load product definitions from files, printing a plan first
    Load(LoadArgs),
    /// Create one product from flags (or interactively with --form)
    Create(super::product_create::CreateArgs),
    /// List products
    List,
    /// Show one product with its blocks and fields
    Show {
        /// Product name (or tag)
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// A product file or a folder of them (default: the products folder orch.toml names, products/ unless it says otherwise)
    pub path: Option<PathBuf>,
    /// Apply changes that would invalidate existing subscriptions
    #[arg(long)]
    pub force: bool,
    /// Remove products that are in the database but not in the files
    #[arg(long)]
    pub prune: bool,
    /// Print the plan without applying it
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &mut Ctx, cmd: ProductCommand) -> Result<()> {
    match cmd {
        ProductCommand::Load(args) => load(ctx, args),
        ProductCommand::Create(args) => super::product_create::create(ctx, args),
        ProductCommand::List => list(ctx),
        ProductCommand::Show { name } => show(ctx, &name),
    }
}

/// Reads and parses product files, all problems together.
pub fn read_products(ctx: &Ctx, path: &std::path::Path) -> Result<Vec<(ProductDef, String)>> {
    if !path.exists() {
        return Err(
            Error::not_found(format!("{} does not exist", path.display())).with_hint(format!(
                "pass a product file or folder, or create {} with `orch init`",
                ctx.project.products_shown()
            )),
        );
    }
    let (out, diags) = parse_products(ctx, path)?;
    if !diags.is_empty() {
        return Err(DefinitionError(diags).into());
    }
    Ok(out)
}

/// Product definitions with the file each came from.
pub type Sourced = Vec<(ProductDef, String)>;

/// Every product file under `path` that parses (with the file it came from), and the
/// problems of the others: syntax, types, and a name defined twice.
pub fn parse_products(ctx: &Ctx, path: &std::path::Path) -> Result<(Sourced, Vec<Diagnostic>)> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut out: Sourced = Vec::new();
    for file in toml_files(path)? {
        let shown = ctx.project.display_path(&file);
        let src = match Source::load(&file, shown.clone())? {
            Ok(src) => src,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match product_def::parse(&src) {
            Ok(def) => {
                if let Some((_, other)) = out.iter().find(|(p, _)| p.name == def.name) {
                    diags.push(src.diagnostic(
                        &crate::key_path!["name"],
                        format!("product `{}` is also defined in {other}", def.name),
                    ));
                    continue;
                }
                out.push((def, shown.display().to_string()));
            }
            Err(d) => diags.extend(d),
        }
    }
    // File by file, top to bottom, as `workflow check` says them.
    diags.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    Ok((out, diags))
}

#[derive(Debug, Serialize)]
pub(crate) struct PlanItem {
    name: String,
    tag: String,
    action: &'static str,
    changes: Vec<String>,
    subscriptions: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) invalidates: Vec<String>,
    /// The subscriptions what `invalidates` says breaks (their ids), and, when the root
    /// key changes, every subscription of the product (its tree moves to the new key).
    /// Saved again as the load applies; what breaks only with `--force`.
    #[serde(skip)]
    pub(crate) broken: Vec<String>,
    #[serde(skip)]
    def: Option<ProductDef>,
    #[serde(skip)]
    source: Option<String>,
    #[serde(skip)]
    product_id: Option<String>,
}

fn load(ctx: &mut Ctx, args: LoadArgs) -> Result<()> {
    let whole_folder = args.path.as_ref().is_none_or(|p| p.is_dir());
    let path = match &args.path {
        Some(p) => std::env::current_dir()?.join(p),
        None => ctx.project.products_dir(),
    };
    let defs = read_products(ctx, &path)?;
    let plan = ctx.db(async |s| plan_load(s, defs, whole_folder, args.prune).await)?;
    apply_plan(ctx, plan, &args)
}

/// What `product load` would do: each definition compared with the stored product of
/// its name, and (for a whole folder) the stored products no file names any more.
pub(crate) async fn plan_load(
    store: &Store,
    defs: Vec<(ProductDef, String)>,
    whole_folder: bool,
    prune: bool,
) -> Result<Vec<PlanItem>> {
    let existing = store.products().await?;
    let loading: Vec<ProductDef> = defs.iter().map(|(d, _)| d.clone()).collect();
    // References are judged with the tags as they will be.
    let retags = retags(&existing, loading.iter());
    let mut plan: Vec<PlanItem> = Vec::new();
    for (def, source) in defs {
        let old = existing.iter().find(|p| p.def.name == def.name);
        let item = match old {
            None => PlanItem {
                name: def.name.clone(),
                tag: def.tag.clone(),
                action: "add",
                changes: Vec::new(),
                subscriptions: 0,
                invalidates: Vec::new(),
                broken: Vec::new(),
                def: Some(def),
                source: Some(source),
                product_id: None,
            },
            Some(old) if old.def == def => PlanItem {
                name: def.name.clone(),
                tag: def.tag.clone(),
                action: "unchanged",
                changes: Vec::new(),
                subscriptions: store.subscription_count(&old.product_id).await?,
                invalidates: Vec::new(),
                broken: Vec::new(),
                def: None,
                source: None,
                product_id: Some(old.product_id.clone()),
            },
            Some(old) => {
                let mut invalidates = Vec::new();
                let mut broken = Vec::new();
                let docs = store.documents_of_product(&old.product_id).await?;
                let new_root = old.def.root.key != def.root.key;
                for (id, status, doc) in &docs {
                    let refs = RefMap(store.ref_infos(&candidate_refs(doc)).await?);
                    let after = retagged(&refs, &retags);
                    // A new root key moves the tree: it is judged where it will be.
                    let moved = if new_root {
                        json!({ def.root.key.clone(): doc.get(&old.def.root.key).cloned().unwrap_or_else(|| json!({})) })
                    } else {
                        doc.clone()
                    };
                    if let Err(problems) = subscription::validate(&def, &moved, *status, &after) {
                        // Only what the change breaks: a subscription that was already
                        // short of a field (a create workflow that failed before filling
                        // it in) does not stop every later change of its product.
                        let before: Vec<String> =
                            subscription::validate(&old.def, doc, *status, &refs)
                                .err()
                                .unwrap_or_default()
                                .iter()
                                .map(ToString::to_string)
                                .collect();
                        for p in problems {
                            let p = p.to_string();
                            if !before.contains(&p) {
                                invalidates.push(format!("subscription {id}: {p}"));
                                if !broken.contains(id) {
                                    broken.push(id.clone());
                                }
                            }
                        }
                    }
                }
                if new_root {
                    // Every document is saved again, its tree under the new key.
                    for (id, _, _) in &docs {
                        if !broken.contains(id) {
                            broken.push(id.clone());
                        }
                    }
                }
                if old.def.tag != def.tag {
                    let ids: Vec<&str> = docs.iter().map(|(id, _, _)| id.as_str()).collect();
                    for (user, line) in retagged_users(store, &ids, &loading, &retags).await? {
                        invalidates.push(line);
                        if !broken.contains(&user) {
                            broken.push(user);
                        }
                    }
                }
                // A field changed or removed says how many subscriptions set it.
                let set_in = |block: &str, field: &str| {
                    docs.iter()
                        .filter(|(_, _, doc)| old.def.sets(doc, block, field))
                        .count()
                };
                let changes = product::diff(&old.def, &def, &set_in);
                PlanItem {
                    name: def.name.clone(),
                    tag: def.tag.clone(),
                    action: "change",
                    changes,
                    subscriptions: docs.len() as i64,
                    invalidates,
                    broken,
                    def: Some(def),
                    source: Some(source),
                    product_id: Some(old.product_id.clone()),
                }
            }
        };
        plan.push(item);
    }
    if whole_folder {
        for old in &existing {
            if !plan.iter().any(|p| p.name == old.def.name) {
                let subs = store.subscription_count(&old.product_id).await?;
                plan.push(PlanItem {
                    name: old.def.name.clone(),
                    tag: old.def.tag.clone(),
                    action: if prune { "remove" } else { "keep" },
                    changes: Vec::new(),
                    subscriptions: subs,
                    invalidates: if prune && subs > 0 {
                        vec![format!("its {subs} subscriptions (terminated ones too): a product stays while any subscription has it")]
                    } else {
                        Vec::new()
                    },
                    broken: Vec::new(),
                    def: None,
                    source: None,
                    product_id: Some(old.product_id.clone()),
                });
            }
        }
    }
    Ok(plan)
}

/// What a new tag breaks in the subscriptions that use `ids` (a field that takes only
/// products of the old tag): each user's document validated as it would be with them
/// under the new one (and its own product as the files being loaded say), keeping only
/// what it did not have before.
async fn retagged_users(
    store: &Store,
    ids: &[&str],
    loading: &[ProductDef],
    retags: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let mut users = Vec::new();
    for id in ids {
        for user in store.in_use_by(id).await? {
            if !users.contains(&user.subscription_id) {
                users.push(user.subscription_id);
            }
        }
    }
    let mut broken = Vec::new();
    for user in users {
        let Some(sub) = store.subscription(&user).await? else {
            continue;
        };
        let Some(stored) = store.product_by_id(&sub.product_id).await? else {
            continue;
        };
        // The user's product as it will be: the file loaded with it, if it is one.
        let def = loading
            .iter()
            .find(|d| d.name == stored.def.name)
            .unwrap_or(&stored.def);
        let doc = sub.document();
        let now = RefMap(store.ref_infos(&candidate_refs(&doc)).await?);
        let then = retagged(&now, retags);
        let problems = |refs: &RefMap| -> Vec<String> {
            subscription::validate(def, &doc, sub.status, refs)
                .err()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        let before = problems(&now);
        for p in problems(&then) {
            if !before.contains(&p) {
                broken.push((
                    user.clone(),
                    format!("subscription {user} (which uses it): {p}"),
                ));
            }
        }
    }
    Ok(broken)
}

/// `refs` with the tags this load changes changed.
pub(super) fn retagged(refs: &RefMap, retags: &[(String, String)]) -> RefMap {
    let mut out = RefMap(refs.0.clone());
    for info in out.0.values_mut() {
        if let Some((_, new)) = retags.iter().find(|(old, _)| *old == info.tag) {
            info.tag = new.clone();
        }
    }
    out
}

/// Forced: the subscriptions the plan breaks, as they are to be saved with the
/// products (their removed fields dropped and, still not matching, out of sync).
pub(crate) fn forced_resync(
    ctx: &mut Ctx,
    plan: &[PlanItem],
) -> Result<Vec<super::product_force::Resynced>> {
    let broken: Vec<String> = plan.iter().flat_map(|p| p.broken.clone()).collect();
    if broken.is_empty() {
        return Ok(Vec::new());
    }
    let loading: Vec<&ProductDef> = plan.iter().filter_map(|p| p.def.as_ref()).collect();
    ctx.db(async |s| {
        let retags = retags(&s.products().await?, loading.iter().copied());
        super::product_force::resync(s, &broken, &loading, &retags).await
    })
}

/// The tags a load changes, (old, new), of the stored products `existing`.
fn retags<'a>(
    existing: &[crate::store::products::StoredProduct],
    loading: impl Iterator<Item = &'a ProductDef>,
) -> Vec<(String, String)> {
    loading
        .filter_map(|d| {
            let old = existing.iter().find(|p| p.def.name == d.name)?;
            (old.def.tag != d.tag).then(|| (old.def.tag.clone(), d.tag.clone()))
        })
        .collect()
}

/// Prints the plan and applies it unless it would invalidate subscriptions.
fn apply_plan(ctx: &mut Ctx, plan: Vec<PlanItem>, args: &LoadArgs) -> Result<()> {
    let count = |a: &str| plan.iter().filter(|p| p.action == a).count();
    let (added, changed, removed) = (count("add"), count("change"), count("remove"));
    let blocked: Vec<&PlanItem> = plan.iter().filter(|p| !p.invalidates.is_empty()).collect();
    let refuse =
        !blocked.is_empty() && (!args.force || blocked.iter().any(|p| p.action == "remove"));
    let will_apply = !args.dry_run && !refuse && added + changed + removed > 0;

    if !ctx.printer.is_json() {
        print_plan(ctx, &plan);
    }
    if refuse {
        let mut err = Error::conflict(format!(
            "the plan would invalidate existing subscriptions of {}",
            blocked
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for p in &blocked {
            for line in p.invalidates.iter().take(10) {
                err = err.with_cause(line);
            }
        }
        let hint = if blocked.iter().any(|p| p.action == "remove") {
            "keep the product file: a product with subscriptions stays in the database (its `status` can say it is no longer offered)"
        } else {
            "fix the definition, migrate the subscriptions first, or pass --force to apply anyway"
        };
        if ctx.printer.is_json() {
            ctx.printer.json(&json!({"applied": false, "plan": plan}))?;
        }
        return Err(err.with_hint(hint));
    }
    // Without --force nothing the plan breaks is applied (it was refused above), so
    // what is left to save again is only trees moving to a new root key.
    let resynced = if will_apply {
        forced_resync(ctx, &plan)?
    } else {
        Vec::new()
    };
    if will_apply {
        let mut changes: Vec<ProductChange<'_>> = plan
            .iter()
            .filter_map(|item| match (item.action, &item.def, &item.product_id) {
                ("add" | "change", Some(def), _) => Some(ProductChange::Put {
                    def,
                    source: item.source.as_deref(),
                }),
                ("remove", _, Some(product_id)) => Some(ProductChange::Remove { product_id }),
                _ => None,
            })
            .collect();
        changes.extend(resynced.iter().map(|r| ProductChange::Resync {
            new: &r.new,
            old: &r.old,
            flat: &r.flat,
        }));
        ctx.db(async |s| s.apply_products(&changes).await)?;
    }
    if ctx.printer.is_json() {
        let mut v = json!({
            "applied": will_apply,
            "added": added, "changed": changed, "removed": removed,
            "plan": plan,
        });
        super::product_force::add_json(&mut v, &resynced);
        return ctx.printer.json(&v);
    }
    super::product_force::report(ctx, &resynced);
    if added + changed + removed == 0 {
        ctx.printer.status(&format!(
            "no changes: {} up to date",
            crate::ui::count(count("unchanged") as i64, "product", "products")
        ));
    } else if args.dry_run {
        ctx.printer.status(&format!(
            "dry run: {added} to add, {changed} to change, {removed} to remove; nothing applied"
        ));
    } else {
        ctx.printer.status(&format!(
            "applied: {added} added, {changed} changed, {removed} removed"
        ));
    }
    Ok(())
}

fn subscriptions(n: i64) -> String {
    crate::ui::count(n, "subscription", "subscriptions")
}

pub(crate) fn print_plan(ctx: &Ctx, plan: &[PlanItem]) {
    let p = &ctx.printer;
    for item in plan {
        let (sign, paint) = match item.action {
            "add" => ("+", crate::ui::Paint::Green),
            "change" => ("~", crate::ui::Paint::Yellow),
            "remove" => ("-", crate::ui::Paint::Red),
            "keep" => ("?", crate::ui::Paint::Dim),
            _ => ("=", crate::ui::Paint::Dim),
        };
        let mut line = format!("{} {} ({})", p.paint(sign, paint), item.name, item.tag);
        match item.action {
            "add" => line.push_str(": new product"),
            "unchanged" => line.push_str(": unchanged"),
            "keep" => {
                line.push_str(": in the database, not in the files; kept (--prune removes it)")
            }
            "remove" => line.push_str(&format!(
                ": removed ({})",
                subscriptions(item.subscriptions)
            )),
            _ => line.push_str(&format!(
                ": changed, touches {}",
                subscriptions(item.subscriptions)
            )),
        }
        p.status(&line);
        for c in &item.changes {
            p.status(&format!("    {c}"));
        }
        for c in item.invalidates.iter().take(5) {
            p.status(&format!(
                "    {} {c}",
                p.paint("invalidates", crate::ui::Paint::Red)
            ));
        }
        if item.invalidates.len() > 5 {
            p.status(&format!("    … and {} more", item.invalidates.len() - 5));
        }
    }
}

use crate::shapes::product as product_json;

fn list(ctx: &mut Ctx) -> Result<()> {
    let (all, counts) = ctx.db(async |s| {
        let all = s.products().await?;
        let mut counts = Vec::with_capacity(all.len());
        for p in &all {
            counts.push(s.subscription_count(&p.product_id).await?);
        }
        Ok::<_, Error>((all, counts))
    })?;
    if ctx.printer.is_json() {
        let items: Vec<_> = all
            .iter()
            .zip(&counts)
            .map(|(p, c)| product_json(p, *c, false))
            .collect();
        return ctx.printer.json(&items);
    }
    if all.is_empty() {
        ctx.printer.nothing(
            "no products yet",
            Some(&format!(
                "load the definitions in {} with `orch product load`",
                ctx.project.products_shown()
            )),
        );
        return Ok(());
    }
    let mut t = table::new(
        &[
            "NAME",
            "TAG",
            "TYPE",
            "STATUS",
            "SUBSCRIPTIONS",
            "DESCRIPTION",
        ],
        ctx.printer.stdout_tty,
    );
    for (p, c) in all.iter().zip(&counts) {
        t.add_row(vec![
            p.def.name.clone(),
            p.def.tag.clone(),
            p.def.product_type.clone(),
            p.def.status.to_string(),
            c.to_string(),
            p.def.description.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

fn show(ctx: &mut Ctx, name: &str) -> Result<()> {
    let p = ctx.product(name)?;
    let subs = ctx.db(async |s| s.subscription_count(&p.product_id).await)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&product_json(&p, subs, true));
    }
    let d = &p.def;
    let mut out = String::new();
    out.push_str(&format!("{} ({}, tag {})\n", d.name, d.product_type, d.tag));
    if !d.description.is_empty() {
        out.push_str(&format!("  {}\n", d.description));
    }
    out.push_str(&format!("  status:        {}\n", d.status));
    out.push_str(&format!("  subscriptions: {subs}\n"));
    out.push_str(&format!(
        "  root:          {} → {}\n",
        d.root.key, d.root.block
    ));
    if let Some(s) = &p.source {
        out.push_str(&format!("  source:        {s}\n"));
    }
    if !d.fixed_inputs.is_empty() {
        out.push_str("  fixed inputs:\n");
        for (k, v) in &d.fixed_inputs {
            out.push_str(&format!("    {k} = {v}\n"));
        }
    }
    ctx.printer.out(&crate::ui::printable(&out))?;
    let mut t = table::new(
        &["BLOCK", "FIELD", "TYPE", "LIST", "REQUIRED FROM"],
        ctx.printer.stdout_tty,
    );
    for (bname, b) in &d.blocks {
        for (fname, f) in &b.fields {
            t.add_row(vec![
                bname.clone(),
                fname.clone(),
                f.kind.describe(),
                if f.list { "yes".into() } else { String::new() },
                f.required.map(|r| r.to_string()).unwrap_or_default(),
            ]);
        }
    }
    ctx.printer.out(&table::render(&t))
}

/// Loads the products with these tags from `products/` when the database has none
/// yet, so a fresh project can run a create workflow at once. Products already in the
/// database are never changed here: that is `orch product load`, with its plan.
pub fn ensure_tags(ctx: &mut Ctx, tags: &[String]) -> Result<()> {
    let present = ctx.db(async |s| s.products_by_tags(tags).await)?;
    let missing: Vec<&String> = tags
        .iter()
        .filter(|t| !present.iter().any(|p| &p.def.tag == *t))
        .collect();
    let dir = ctx.project.products_dir();
    if missing.is_empty() || !dir.is_dir() {
        return Ok(());
    }
    let defs = read_products(ctx, &dir)?;
    let wanted: Vec<&(ProductDef, String)> = defs
        .iter()
        .filter(|(d, _)| missing.contains(&&d.tag))
        .collect();
    let changes: Vec<ProductChange<'_>> = wanted
        .iter()
        .map(|(def, source)| ProductChange::AddIfMissing {
            def,
            source: Some(source),
        })
        .collect();
    let added = ctx.db(async |s| s.apply_products(&changes).await)?;
    for ((def, source), added) in wanted.iter().zip(added) {
        if added {
            ctx.printer.status(&format!(
                "loaded product {} from {source} (first use)",
                def.name
            ));
        }
    }
    Ok(())
}
