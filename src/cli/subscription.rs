//! `orch subscription list|show|workflows`: what the network holds, found without
//! loading every document, and which workflows can run on a subscription now.

use std::collections::HashMap;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::Ctx;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::product::{FieldKind, ProductDef};
use crate::error::{Error, Result};
use crate::store::subscriptions::{Filter, Related, Subscription};
use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// List subscriptions, newest first
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Show a subscription: its fields, relations and the processes that touched it
    Show {
        /// A subscription id (or a unique prefix of one)
        id: String,
        /// Draw the block tree
        #[arg(long)]
        tree: bool,
    },
    /// Every workflow for the subscription's product, with whether it can run now
    Workflows {
        /// A subscription id (or a unique prefix of one)
        id: String,
    },
}

const LIST_EXAMPLES: &str = "Examples:
  orch subscription list --product NODE --status active
  orch subscription list --where node.role=core --search ams
  orch subscription list --insync false             what needs a look
  orch subscription list -o json | jq -r '.[].subscription_id'";

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these lifecycle states (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<Lifecycle>,
    /// Only subscriptions of this product (name or tag)
    #[arg(long)]
    pub product: Option<String>,
    /// Only this customer's subscriptions
    #[arg(long)]
    pub customer: Option<String>,
    /// Words that must all appear in the description or a field value (prefixes match)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// A block field's value, e.g. node.role=core (repeatable; all must match)
    #[arg(long = "where", value_name = "PATH=VALUE", value_parser = super::parse_key_value)]
    pub fields: Vec<(String, String)>,
    /// Only subscriptions that are in sync (true) or out of sync (false)
    #[arg(long)]
    pub insync: Option<bool>,
    /// At most this many subscriptions
    #[arg(long, value_name = "N", default_value_t = 50, allow_hyphen_values = true, value_parser = super::parse_count::<1>)]
    pub limit: i64,
    /// Skip this many (for paging)
    #[arg(long, value_name = "N", default_value_t = 0, allow_hyphen_values = true, value_parser = super::parse_count::<0>)]
    pub offset: i64,
}

pub fn run(ctx: &mut Ctx, cmd: SubscriptionCommand) -> Result<()> {
    match cmd {
        SubscriptionCommand::List(a) => list(ctx, a),
        SubscriptionCommand::Show { id, tree } => show(ctx, &id, tree),
        SubscriptionCommand::Workflows { id } => workflows(ctx, &id),
    }
}

/// A `--where` path starts with a product's root key (`node.role`): one that starts
/// with no product's, names no field from there, or gives a value the field cannot
/// hold, matches nothing, which is said rather than left to look like an empty result.
fn warn_of_unmatched_fields(ctx: &mut Ctx, fields: &[(String, String)]) -> Result<()> {
    let products = ctx.db(async |s| s.products().await)?;
    for bad in crate::unmatched::field_paths(&products, fields) {
        ctx.printer
            .warn(&format!("--where {}: {}", bad.path, bad.why));
        if let Some(hint) = bad.hint {
            ctx.printer.hint(hint);
        }
    }
    Ok(())
}

/// The JSON shape of DESIGN §9, with the block tree or without it.
fn subscription_json(ctx: &mut Ctx, s: &Subscription, tree: bool) -> Result<Value> {
    ctx.db(async |st| crate::shapes::subscription(st, s, tree).await)
}

fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
    let filter = Filter {
        status: a.status,
        product: a.product,
        customer: a.customer,
        search: a.search,
        fields: a.fields,
        insync: a.insync,
        limit: a.limit,
        offset: a.offset,
    };
    let found = ctx.db(async |s| s.subscriptions(&filter).await)?;
    if let (true, Some(name)) = (found.is_empty(), &filter.product) {
        let products = ctx.db(async |s| s.products().await)?;
        if let Some(why) = crate::unmatched::product(&products, name) {
            ctx.printer.warn(&why);
        }
    }
    if found.is_empty() && !filter.fields.is_empty() {
        warn_of_unmatched_fields(ctx, &filter.fields)?;
    }
    if ctx.printer.is_json() {
        let mut items = Vec::with_capacity(found.len());
        for s in &found {
            items.push(subscription_json(ctx, s, false)?);
        }
        return ctx.printer.json(&items);
    }
    if found.is_empty() {
        let filtered = !filter.status.is_empty()
            || filter.product.is_some()
            || filter.customer.is_some()
            || filter.search.is_some()
            || !filter.fields.is_empty()
            || filter.insync.is_some();
        let past = match filter.offset {
            0 => String::new(),
            n => format!(" past the first {n}"),
        };
        match (filtered, past.is_empty()) {
            (true, _) => ctx
                .printer
                .nothing(&format!("no subscription matches the filters{past}"), None),
            (false, false) => ctx
                .printer
                .nothing(&format!("no subscriptions{past}"), None),
            (false, true) => ctx.printer.nothing(
                "no subscriptions yet",
                Some("a create workflow makes one: `orch workflow list` shows them"),
            ),
        }
        return Ok(());
    }
    let mut t = table::new(
        &[
            "ID",
            "PRODUCT",
            "CUSTOMER",
            "STATUS",
            "INSYNC",
            "DESCRIPTION",
        ],
        ctx.printer.stdout_tty,
    );
    for s in &found {
        t.add_row(vec![
            s.subscription_id.clone(),
            s.product_name.clone(),
            s.customer_id.clone(),
            s.status.to_string(),
            if s.insync { "yes" } else { "no" }.to_string(),
            s.description.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))?;
    if found.len() as i64 == filter.limit {
        ctx.printer.hint(&format!(
            "more may follow: --offset {}",
            filter.offset + filter.limit
        ));
    }
    Ok(())
}

fn show(ctx: &mut Ctx, id: &str, tree: bool) -> Result<()> {
    let s = ctx.subscription(id)?;
    let sid = s.subscription_id.as_str();
    let (users, deps, touched, product) = ctx.db(async |st| {
        Ok::<_, Error>((
            st.in_use_by(sid).await?,
            st.depends_on(sid).await?,
            st.processes_of(sid).await?,
            st.product_by_id(&s.product_id).await?.map(|p| p.def),
        ))
    })?;
    if ctx.printer.is_json() {
        let mut v = subscription_json(ctx, &s, true)?;
        v["processes"] = crate::shapes::touches(&touched);
        return ctx.printer.json(&v);
    }
    let mut out = format!("subscription {}\n", s.subscription_id);
    out.push_str(&format!("  description: {}\n", s.description));
    out.push_str(&format!(
        "  product:     {} ({}, {})\n",
        s.product_name, s.product_tag, s.product_type
    ));
    out.push_str(&format!("  customer:    {}\n", s.customer_id));
    out.push_str(&format!(
        "  status:      {}, {}\n",
        s.status,
        if s.insync { "in sync" } else { "OUT OF SYNC" }
    ));
    if let Some(d) = &s.start_date {
        out.push_str(&format!("  start date:  {d}\n"));
    }
    if let Some(d) = &s.end_date {
        out.push_str(&format!("  end date:    {d}\n"));
    }
    if let Some(n) = &s.note {
        out.push_str(&format!("  note:        {n}\n"));
    }
    out.push('\n');
    if tree {
        let block = product
            .as_ref()
            .map(|p| p.root.block.clone())
            .unwrap_or_default();
        out.push_str(&format!("{} ({block})\n", s.root_key));
        let tree = Tree {
            product: product.as_ref(),
            refs: deps
                .iter()
                .map(|r| (r.subscription_id.as_str(), r.description.as_str()))
                .collect(),
        };
        tree.draw(&mut out, &s.tree, &block, "");
    } else {
        let mut lines = Vec::new();
        flatten(&mut lines, &s.root_key, &s.tree);
        for (path, value) in lines {
            out.push_str(&format!("  {path} = {value}\n"));
        }
    }
    let relation = |r: &Related| {
        format!(
            "    {} {} ({}, {}) via {}\n",
            r.subscription_id, r.description, r.product_name, r.status, r.path
        )
    };
    if !deps.is_empty() {
        out.push_str("\ndepends on:\n");
        deps.iter().for_each(|r| out.push_str(&relation(r)));
    }
    if !users.is_empty() {
        out.push_str("\nin use by:\n");
        users.iter().for_each(|r| out.push_str(&relation(r)));
    }
    if !touched.is_empty() {
        out.push_str("\nprocesses:\n");
        for t in &touched {
            out.push_str(&format!(
                "    {} {} {} {}\n",
                t.process_id, t.workflow, t.status, t.started_at
            ));
        }
    }
    // Descriptions, notes and values are what steps and answers wrote.
    ctx.printer.out(&crate::ui::printable(&out))
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `path = value` lines of every scalar in the tree.
fn flatten(out: &mut Vec<(String, String)>, path: &str, v: &Value) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| flatten(out, &format!("{path}.{k}"), v)),
        Value::Array(items) if items.iter().any(|i| i.is_object()) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(out, &format!("{path}[{i}]"), v)),
        Value::Null => {}
        other => out.push((path.to_string(), scalar_text(other))),
    }
}

/// What drawing a block tree needs besides the tree: the product, for the names of
/// child blocks, and the descriptions of the subscriptions the tree points at.
struct Tree<'a> {
    product: Option<&'a ProductDef>,
    refs: HashMap<&'a str, &'a str>,
}

impl Tree<'_> {
    /// A scalar as the tree shows it: a referenced subscription's id with its
    /// description beside it.
    fn scalar(&self, v: &Value) -> String {
        let text = scalar_text(v);
        match self.refs.get(text.as_str()) {
            Some(description) => format!("{text} \"{description}\""),
            None => text,
        }
    }

    /// Draws a block's fields with box-drawing branches, naming child blocks.
    fn draw(&self, out: &mut String, v: &Value, block: &str, indent: &str) {
        let Some(m) = v.as_object() else { return };
        let fields: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !v.is_null()).collect();
        for (i, (k, v)) in fields.iter().enumerate() {
            let last = i + 1 == fields.len();
            let (branch, next) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            let child = self
                .product
                .and_then(|p| p.blocks.get(block))
                .and_then(|b| b.fields.get(k.as_str()))
                .and_then(|f| match &f.kind {
                    FieldKind::Block { block, .. } => Some(block.clone()),
                    _ => None,
                });
            let deeper = format!("{indent}{next}");
            match (v, child) {
                (Value::Array(items), Some(b)) => {
                    out.push_str(&format!("{indent}{branch}{k} ({b} × {})\n", items.len()));
                    for (j, item) in items.iter().enumerate() {
                        let last_item = j + 1 == items.len();
                        let (ib, inext) = if last_item {
                            ("└─ ", "   ")
                        } else {
                            ("├─ ", "│  ")
                        };
                        out.push_str(&format!("{deeper}{ib}[{j}]\n"));
                        self.draw(out, item, &b, &format!("{deeper}{inext}"));
                    }
                }
                (Value::Object(_), Some(b)) => {
                    out.push_str(&format!("{indent}{branch}{k} ({b})\n"));
                    self.draw(out, v, &b, &deeper);
                }
                (Value::Array(items), None) => {
                    let texts: Vec<String> = items.iter().map(|i| self.scalar(i)).collect();
                    out.push_str(&format!("{indent}{branch}{k}: [{}]\n", texts.join(", ")));
                }
                _ => out.push_str(&format!("{indent}{branch}{k}: {}\n", self.scalar(v))),
            }
        }
    }
}

fn workflows(ctx: &mut Ctx, id: &str) -> Result<()> {
    let s = ctx.subscription(id)?;
    let (defs, diags) = ctx.workflows()?;
    for d in &diags {
        ctx.printer.warn(&d.to_string());
    }
    let facts = ctx.db(async |st| st.usability_facts(&s, None).await)?;
    let rows = crate::shapes::usable_workflows(&defs, &s, &facts);
    if ctx.printer.is_json() {
        return ctx.printer.json(&rows);
    }
    if rows.is_empty() {
        ctx.printer.nothing(
            &format!(
                "no modify, validate or terminate workflow in {} names product tag {}",
                ctx.project.workflows_shown(),
                s.product_tag
            ),
            None,
        );
        return Ok(());
    }
    let mut t = table::new(
        &["WORKFLOW", "TARGET", "USABLE", "REASON"],
        ctx.printer.stdout_tty,
    );
    for r in &rows {
        t.add_row(vec![
            r["name"].as_str().unwrap_or_default().to_string(),
            r["target"].as_str().unwrap_or_default().to_string(),
            if r["usable"] == json!(true) {
                "yes"
            } else {
                "no"
            }
            .to_string(),
            r["reason"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}
