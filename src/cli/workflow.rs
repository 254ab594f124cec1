//! `orch workflow list|show|check|run`.

use std::path::Path;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::answers::{self, AnswerArgs};
use super::process::{drive_and_report, print_process_json};
use crate::definition::{DefinitionError, Diagnostic, Source, toml_files};
use crate::domain::workflow::{Target, WorkflowDef};
use crate::engine::plan::plan;
use crate::engine::start::NewRun;
use crate::engine::subscription as engine_subscription;
use crate::error::{Error, Result};
use crate::forms::{Choice, FieldSpec, FormPage, FormType};
use crate::store::subscriptions::Subscription;

use crate::ui::table;

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// List the workflows of the project
    List,
    /// Show a workflow's steps, including the ones its target adds
    Show {
        /// Workflow name
        name: String,
        /// Print a Mermaid flowchart
        #[arg(long)]
        mermaid: bool,
    },
    /// Print a workflow's initial form as JSON Schema (pages in order)
    Form {
        /// Workflow name
        name: String,
    },
    /// Lint every product and workflow file
    Check,
    /// Start a workflow and run it until it completes, suspends, waits or fails
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
}

const RUN_EXAMPLES: &str = "Examples:
  orch workflow run create_node --input node_name=rtr1 --input role=core
  orch workflow run create_node --form              ask for the answers at prompts
  orch workflow run modify_node --subscription 01a2285b --input role=edge
  orch workflow run hello -o json                   the last thing printed is the process
  orch workflow form create_node                    the answers a workflow takes, as JSON Schema";

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Workflow name
    pub name: String,
    /// The subscription to modify, validate or terminate (its id, or a unique prefix)
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// The customer of a new subscription (default: orch.toml's default_customer, else "default")
    #[arg(long)]
    pub customer: Option<String>,
    /// Print the process id and run on in the background
    #[arg(long)]
    pub detach: bool,
}

pub fn run(ctx: &mut Ctx, cmd: WorkflowCommand) -> Result<()> {
    match cmd {
        WorkflowCommand::List => list(ctx),
        WorkflowCommand::Show { name, mermaid } => show(ctx, &name, mermaid),
        WorkflowCommand::Form { name } => form(ctx, &name),
        WorkflowCommand::Check => check(ctx),
        WorkflowCommand::Run(args) => start(ctx, args),
    }
}

pub use crate::project::Workflows;

/// Every workflow file of the project, parsed, with the problems of the broken ones.
pub fn read_all(ctx: &Ctx) -> Result<(Workflows, Vec<Diagnostic>)> {
    ctx.project.workflows()
}

/// Finds one workflow by name, a built-in task included; other broken files only warn.
pub fn find(ctx: &Ctx, name: &str) -> Result<(WorkflowDef, String)> {
    if let Some(task) = crate::tasks::builtin::find(name) {
        let source = crate::tasks::builtin::SOURCE.to_string();
        return Ok((crate::tasks::builtin::definition(task), source));
    }
    let (defs, diags) = read_all(ctx)?;
    let near = crate::suggest::did_you_mean(name, names_of(&defs));
    if let Some(found) = defs.into_iter().find(|(d, _)| d.name == name) {
        for d in &diags {
            ctx.printer.warn(&d.to_string());
        }
        return Ok(found);
    }
    if !diags.is_empty() {
        return Err(Error::from(DefinitionError(diags)).with_hint(format!(
            "no valid workflow named `{name}`; fix the files above"
        )));
    }
    let mut e = Error::not_found(format!("no workflow named `{name}`"));
    if let Some(near) = near {
        e = e.with_hint(near);
    }
    Err(e.with_hint("`orch workflow list` shows the workflows in workflows/"))
}

/// The names a workflow lookup may suggest: the project's workflows and the built-in
/// tasks.
pub(super) fn names_of(defs: &Workflows) -> impl Iterator<Item = &str> {
    defs.iter()
        .map(|(d, _)| d.name.as_str())
        .chain(crate::tasks::builtin::TASKS.iter().map(|t| t.name))
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (defs, diags) = read_all(ctx)?;
    for d in &diags {
        ctx.printer.warn(&d.to_string());
    }
    if ctx.printer.is_json() {
        let items: Vec<Value> = defs
            .iter()
            .map(|(d, src)| json!({"name": d.name, "target": d.target, "description": d.description, "products": d.products, "steps": d.steps.len(), "source": src}))
            .collect();
        return ctx.printer.json(&items);
    }
    let mut t = table::new(
        &["NAME", "TARGET", "PRODUCTS", "STEPS", "DESCRIPTION"],
        ctx.printer.stdout_tty,
    );
    for (d, _) in &defs {
        t.add_row(vec![
            d.name.clone(),
            d.target.to_string(),
            d.products.join(","),
            d.steps.len().to_string(),
            d.description.clone(),
        ]);
    }
    ctx.printer.out(&table::render(&t))
}

fn show(ctx: &mut Ctx, name: &str, mermaid: bool) -> Result<()> {
    let (def, source) = find(ctx, name)?;
    let steps = plan(&def);
    if mermaid {
        return ctx.printer.out(&mermaid_chart(&steps));
    }
    if ctx.printer.is_json() {
        let items: Vec<Value> = steps
            .iter()
            .map(|s| json!({"name": s.name, "added_by_target": !s.is_user(), "does": s.describe()}))
            .collect();
        return ctx.printer.json(&json!({
            "name": def.name, "target": def.target, "description": def.description,
            "products": def.products, "source": source, "hash": def.hash(), "steps": items,
            "definition": def,
        }));
    }
    let mut out = format!("{} ({}), {}\n", def.name, def.target, source);
    if !def.description.is_empty() {
        out.push_str(&format!("  {}\n", def.description));
    }
    if !def.products.is_empty() {
        out.push_str(&format!("  products: {}\n", def.products.join(", ")));
    }
    ctx.printer.out(&out)?;
    let mut t = table::new(&["#", "STEP", "DOES"], ctx.printer.stdout_tty);
    for (i, s) in steps.iter().enumerate() {
        let mut name = s.name.clone();
        if !s.is_user() {
            name = format!("{name} *");
        }
        t.add_row(vec![(i + 1).to_string(), name, s.describe()]);
    }
    ctx.printer.out(&table::render(&t))?;
    ctx.printer.status("* added by the target");
    Ok(())
}

/// A Mermaid flowchart of the steps. A step with `if` gets a decision before it, with
/// both ways out: `yes` runs the step, `no` skips to whatever comes next.
fn mermaid_chart(steps: &[crate::engine::plan::PlannedStep<'_>]) -> String {
    let quote = |s: &str| s.replace('"', "'");
    let condition = |i: usize| match steps.get(i).map(|s| &s.step) {
        Some(crate::engine::plan::Planned::User(u)) => u.condition.as_deref(),
        _ => None,
    };
    let entry = |i: usize| match condition(i) {
        Some(_) => format!("c{i}"),
        None => format!("s{i}"),
    };
    let mut out = String::from("flowchart TD\n");
    for (i, s) in steps.iter().enumerate() {
        let label = quote(&s.name);
        if s.is_user() {
            out.push_str(&format!("    s{i}[\"{label}\"]\n"));
        } else {
            out.push_str(&format!("    s{i}([\"{label}\"])\n"));
        }
        if let Some(c) = condition(i) {
            out.push_str(&format!("    c{i}{{\"if {}\"}}\n", quote(c)));
            out.push_str(&format!("    c{i} -->|yes| s{i}\n"));
        }
    }
    for i in 1..steps.len() {
        out.push_str(&format!("    s{} --> {}\n", i - 1, entry(i)));
        if condition(i - 1).is_some() {
            out.push_str(&format!("    c{} -->|no| {}\n", i - 1, entry(i)));
        }
    }
    out
}

fn form(ctx: &mut Ctx, name: &str) -> Result<()> {
    let (def, _) = find(ctx, name)?;
    let mut pages = def.form.clone();
    if def.target == Target::Create {
        if let Ok(Some(page)) = product_page(ctx, &def) {
            pages.insert(0, page);
        }
    }
    ctx.printer
        .json_pretty(&crate::forms::to_json_schema(&def.name, &pages))
}

fn check(ctx: &mut Ctx) -> Result<()> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let products_dir = ctx.project.products_dir();
    let mut product_count = 0;
    for file in toml_files(&products_dir)? {
        let src = Source::read(&file, ctx.project.display_path(&file))?;
        match crate::definition::product::parse(&src) {
            Ok(_) => product_count += 1,
            Err(d) => diags.extend(d),
        }
    }
    let (defs, wdiags) = read_all(ctx)?;
    diags.extend(wdiags);
    diags.extend(super::task::config_schedules(ctx)?.1);
    for (def, source) in &defs {
        let file = ctx.project.root.join(source);
        let src = Source::read(&file, source.into())?;
        for (i, step) in def.steps.iter().enumerate() {
            if let crate::domain::workflow::StepKind::Run { run } = &step.kind {
                if let Some(problem) = check_program(&ctx.project.root, run) {
                    diags.push(src.diagnostic(&crate::key_path!["step", i, "run"], problem));
                }
            }
        }
        if def.target == crate::domain::workflow::Target::System && !def.products.is_empty() {
            warnings.push(format!("{source}: a task ignores `products`"));
        }
    }
    for w in &warnings {
        ctx.printer.warn(w);
    }
    if ctx.printer.is_json() {
        let problems: Vec<Value> = diags
            .iter()
            .map(|d| json!({"file": d.file, "line": d.line, "col": d.col, "path": d.path, "message": d.message}))
            .collect();
        ctx.printer.json(
            &json!({"products": product_count, "workflows": defs.len(), "problems": problems}),
        )?;
    }
    if !diags.is_empty() {
        if !ctx.printer.is_json() {
            for d in &diags {
                eprintln!("{d}");
            }
        }
        return Err(Error::usage(format!(
            "{} problems in definition files",
            diags.len()
        )));
    }
    ctx.printer.status(&format!(
        "ok: {product_count} products and {} workflows",
        defs.len()
    ));
    Ok(())
}

/// The first word of a `run` command, when it is a path, must exist, be executable
/// and stay inside the project.
fn check_program(root: &Path, run: &str) -> Option<String> {
    let first = run.split_whitespace().next()?;
    if !first.contains('/') {
        return None;
    }
    let path = root.join(first);
    let Ok(canon) = path.canonicalize() else {
        return Some(format!("`{first}` does not exist"));
    };
    if let Ok(root) = root.canonicalize() {
        if !canon.starts_with(&root) {
            return Some(format!(
                "`{first}` is outside the project; keep step programs in workflows/scripts/"
            ));
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let executable =
            std::fs::metadata(&canon).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        if !executable.unwrap_or(false) {
            return Some(format!("`{first}` is not executable (chmod +x {first})"));
        }
    }
    None
}

pub(super) fn start(ctx: &mut Ctx, args: RunArgs) -> Result<()> {
    let (def, source) = find(ctx, &args.name)?;
    let given = args.answers.given()?;
    let subscription = target_subscription(ctx, &def, args.subscription.as_deref())?;
    if args.customer.is_some() && def.target != Target::Create {
        return Err(Error::usage(format!(
            "--customer only applies to create workflows; `{}` is a {} workflow",
            def.name, def.target
        )));
    }
    let mut pages = def.form.clone();
    if def.target == Target::Create {
        super::product::ensure_tags(ctx, &def.products)?;
        if let Some(page) = product_page(ctx, &def)? {
            pages.insert(0, page);
        }
    }
    let (answers, secrets) = if pages.is_empty() {
        (answers::loose(given), Map::new())
    } else {
        let state = match &subscription {
            Some(s) => json!({ "subscription": s.to_json() }),
            None => json!({}),
        };
        let all = answers::collect(ctx, &pages, &given, &state, args.answers.form)?;
        answers::split_secrets(&pages, all)
    };
    let mut state = Value::Object(answers);
    if let Some(obj) = state.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    let customer = (def.target == Target::Create).then(|| {
        args.customer
            .clone()
            .or_else(|| ctx.project.config.default_customer.clone())
            .unwrap_or_else(|| "default".to_string())
    });
    let user = ctx.user();
    let owner = (!args.detach).then(crate::engine::owner::me);
    let id = crate::engine::start::create(
        &mut ctx.store()?.conn,
        &NewRun {
            def: &def,
            source: Some(&source),
            subscription_id: subscription.as_ref().map(|s| s.subscription_id.as_str()),
            customer_id: customer.as_deref(),
            user: &user,
            state: &state,
            owner,
        },
    )?;
    // The stored copy is what runs; a large initial state is not kept twice.
    drop(state);
    if args.detach {
        return super::process::detach(ctx, &id, &secrets);
    }
    ctx.printer
        .status(&format!("process {id} started: {}", def.name));
    let outcome = drive_and_report(ctx, &id, &def, None, secrets);
    print_process_json(ctx, &id)?;
    outcome
}

/// The subscription a modify, terminate or validate workflow runs on, checked for
/// usability before any question is asked (it is checked again when the process is
/// created, in the same transaction that locks it).
fn target_subscription(
    ctx: &mut Ctx,
    def: &WorkflowDef,
    given: Option<&str>,
) -> Result<Option<Subscription>> {
    match (def.target.needs_subscription(), given) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(Error::usage(format!(
            "`{}` is a {} workflow; it takes no --subscription",
            def.name, def.target
        ))),
        (true, None) => Err(Error::usage(format!(
            "`{}` is a {} workflow: say which subscription with --subscription ID",
            def.name, def.target
        ))
        .with_hint(format!(
            "`orch subscription list --product {}` lists them",
            def.products.first().map_or("TAG", String::as_str)
        ))),
        (true, Some(id)) => {
            let s = super::subscription::find(ctx, id)?;
            engine_subscription::usable(&ctx.store()?.conn, def, &s, None)?;
            Ok(Some(s))
        }
    }
}

/// A create workflow for several products asks which one first.
fn product_page(ctx: &mut Ctx, def: &WorkflowDef) -> Result<Option<FormPage>> {
    let found = crate::store::products::by_tags(&ctx.store()?.conn, &def.products)?;
    match found.len() {
        0 => Err(Error::failure(format!(
            "`{}` creates {} subscriptions, and no such product is loaded",
            def.name,
            def.products.join(" or ")
        ))
        .with_hint("`orch product load` loads the products in products/")),
        1 => Ok(None),
        _ => {
            let mut field = FieldSpec::new("product", FormType::Choice);
            field.label = Some("Product".into());
            field.choices = Some(
                found
                    .iter()
                    .map(|p| Choice::new(p.def.name.clone(), Some(p.def.description.clone())))
                    .collect(),
            );
            Ok(Some(FormPage {
                title: "Product".into(),
                description: None,
                fields: vec![field],
            }))
        }
    }
}
