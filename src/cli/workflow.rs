//! `orch workflow list|show|check|run`.

use std::path::Path;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::Ctx;
use super::answers::AnswerArgs;
use super::start::{Request, start};
use crate::definition::{Diagnostic, Seg, Source, toml_files};
use crate::domain::workflow::{StepKind, Target, WorkflowDef};
use crate::engine::plan::plan;
use crate::error::{Error, Result};
use crate::project::Project;
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
    #[arg(long, conflicts_with = "queue")]
    pub detach: bool,
    /// Validate the answers, queue the process for a worker (`orch worker`) and exit
    #[arg(long)]
    pub queue: bool,
}

pub fn run(ctx: &mut Ctx, cmd: WorkflowCommand) -> Result<()> {
    match cmd {
        WorkflowCommand::List => list(ctx),
        WorkflowCommand::Show { name, mermaid } => show(ctx, &name, mermaid),
        WorkflowCommand::Form { name } => form(ctx, &name),
        WorkflowCommand::Check => check(ctx),
        WorkflowCommand::Run(args) => run_workflow(ctx, args),
    }
}

impl RunArgs {
    /// The run these flags ask for (reads `--input-file`).
    pub fn request(self) -> Result<Request> {
        Ok(Request {
            given: self.answers.given()?,
            form: self.answers.form,
            subscription: self.subscription,
            customer: self.customer,
            detach: self.detach,
            queue: self.queue,
        })
    }
}

fn run_workflow(ctx: &mut Ctx, args: RunArgs) -> Result<()> {
    let (def, source) = ctx.workflow(&args.name)?;
    start(ctx, &def, &source, args.request()?)
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (defs, diags) = ctx.workflows()?;
    for d in &diags {
        ctx.printer.warn(&d.to_string());
    }
    if ctx.printer.is_json() {
        let items: Vec<Value> = defs
            .iter()
            .map(|(d, src)| crate::shapes::workflow_summary(d, src))
            .collect();
        return ctx.printer.json(&items);
    }
    if defs.is_empty() {
        let folder = ctx.project.workflows_shown();
        if diags.is_empty() {
            ctx.printer.nothing(
                &format!("no workflows in {folder} yet"),
                Some(&format!(
                    "write one as {folder}NAME.toml; `orch workflow check` checks it"
                )),
            );
        } else {
            ctx.printer.nothing(
                &format!("no workflow in {folder} reads; fix the files above"),
                None,
            );
        }
        return Ok(());
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
    let (def, source) = ctx.workflow(name)?;
    let steps = plan(&def);
    if mermaid {
        let chart = super::mermaid::chart(&steps);
        // With `-o json` stdout stays one JSON document: the chart is a field of it.
        if ctx.printer.is_json() {
            return ctx.printer.json(&serde_json::json!({
                "workflow": def.name,
                "mermaid": chart,
            }));
        }
        return ctx.printer.out(&chart);
    }
    if ctx.printer.is_json() {
        return ctx
            .printer
            .json(&crate::shapes::workflow_detail(&def, &source, &steps));
    }
    let mut out = format!("{} ({}), {}\n", def.name, def.target, source);
    if !def.description.is_empty() {
        out.push_str(&format!("  {}\n", def.description));
    }
    if !def.products.is_empty() {
        out.push_str(&format!("  products: {}\n", def.products.join(", ")));
    }
    if !def.locks.is_empty() {
        out.push_str(&format!(
            "  locks (Start to Done): {}\n",
            def.locks.join(", ")
        ));
    }
    ctx.printer.out(&crate::ui::printable(&out))?;
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

fn form(ctx: &mut Ctx, name: &str) -> Result<()> {
    let (def, _) = ctx.workflow(name)?;
    let mut pages = def.form.clone();
    if def.target == Target::Create {
        if let Ok(Some(page)) = super::start::product_page(ctx, &def) {
            pages.insert(0, page);
        }
    }
    ctx.printer
        .json_pretty(&crate::forms::to_json_schema(&def.name, &pages))
}

fn check(ctx: &mut Ctx) -> Result<()> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut warnings: Vec<Diagnostic> = Vec::new();
    diags.extend(ctx.project.missing_folders()?);
    let (products, pdiags) = super::product::parse_products(ctx, &ctx.project.products_dir())?;
    let product_count = products.len();
    // A product file that does not load still names its tag as far as it reads, so its
    // mistake is said once, not again as a missing tag in every file that uses the tag.
    let broken_tags: Vec<String> = pdiags
        .iter()
        .map(|d| ctx.project.root.join(&d.file))
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .filter_map(|file| crate::definition::declared(&std::fs::read_to_string(file).ok()?, "tag"))
        .collect();
    diags.extend(pdiags);
    let tags: std::collections::BTreeSet<&str> = products
        .iter()
        .map(|(p, _)| p.tag.as_str())
        .chain(broken_tags.iter().map(String::as_str))
        .collect();
    for (product, source) in &products {
        warnings.extend(unknown_field_tags(ctx, product, source, &tags)?);
    }
    let (defs, wdiags) = ctx.workflows()?;
    diags.extend(wdiags);
    diags.extend(ctx.project.builtin_schedules()?.1);
    // The files that do not parse are looked at too, as far as they go, so one run
    // reports every mistake.
    let mut partial = Vec::new();
    for file in toml_files(&ctx.project.workflows_dir())? {
        let shown = ctx.project.display_path(&file).display().to_string();
        if defs.iter().any(|(_, s)| *s == shown) {
            continue;
        }
        // A file that is not UTF-8 has its problem said already.
        let Ok(src) = Source::load(&file, shown.clone().into())? else {
            continue;
        };
        if let (Some(def), _) = crate::definition::workflow::parse_partial(&src) {
            partial.push((def, shown));
        }
    }
    let all: Vec<&WorkflowDef> = defs.iter().chain(&partial).map(|(d, _)| d).collect();
    for (def, source) in defs.iter().chain(&partial) {
        let file = ctx.project.root.join(source);
        let src = Source::read(&file, source.into())?;
        for (step, at) in crate::definition::walk(&def.steps, &crate::key_path!["step"], &src) {
            match &step.kind {
                StepKind::Run { run: program }
                | StepKind::Callback {
                    run: Some(program), ..
                } => {
                    let mut place = at.clone();
                    place.push("run".into());
                    file_finding(
                        check_program(&ctx.project, program)
                            .map(|(problem, gravity)| (src.diagnostic(&place, problem), gravity)),
                        &mut diags,
                        &mut warnings,
                    );
                }
                StepKind::Input { fields, .. } => {
                    for (j, field) in fields.iter().enumerate() {
                        let mut place = at.clone();
                        place.extend([Seg::from("input"), Seg::from("fields"), Seg::from(j)]);
                        file_finding(
                            check_choices_from(&ctx.project, field, place, &src),
                            &mut diags,
                            &mut warnings,
                        );
                    }
                }
                // A branch that only starts child processes changes nothing of its
                // own state (each child keeps its state to itself): there is nothing
                // for `collect` to gather.
                StepKind::Foreach {
                    collect: Some(key),
                    steps: inner,
                    ..
                } if !inner.is_empty()
                    && inner
                        .iter()
                        .all(|s| matches!(s.kind, StepKind::Workflow { .. })) =>
                {
                    let mut place = at.clone();
                    place.push("collect".into());
                    warnings.push(src.diagnostic(
                        &place,
                        format!(
                            "`collect = \"{key}\"` gathers nothing: each branch only starts a child process, whose state stays its own, so every entry would be `{{}}`"
                        ),
                    ));
                }
                StepKind::Workflow { .. } => {
                    for p in crate::definition::children::check(
                        step,
                        def,
                        &all,
                        &ctx.project.workflows_shown(),
                    ) {
                        let mut place = at.clone();
                        place.extend(p.key.into_iter().map(Seg::from));
                        diags.push(src.diagnostic(&place, p.message));
                    }
                }
                _ => {}
            }
        }
        for (i, page) in def.form.iter().enumerate() {
            for (j, field) in page.fields.iter().enumerate() {
                let place = crate::key_path!["form", i, "fields", j];
                file_finding(
                    check_choices_from(&ctx.project, field, place, &src),
                    &mut diags,
                    &mut warnings,
                );
            }
        }
        warnings.extend(unknown_tags(def, &src, &tags, &ctx.project));
        warnings.extend(nothing_on_offer(def, &src, &products));
        warnings.extend(crate::definition::names::unknown(&src));
        let target_wrong = diags
            .iter()
            .any(|d| d.path == "target" && d.file.display().to_string() == *source);
        if def.target == crate::domain::workflow::Target::System
            && !def.products.is_empty()
            && !target_wrong
        {
            warnings.push(src.diagnostic(
                &crate::key_path!["products"],
                "a task ignores `products` (it runs on no subscription)".to_string(),
            ));
        }
    }
    // File by file, top to bottom, as an editor shows them.
    let in_file_order =
        |a: &Diagnostic, b: &Diagnostic| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col));
    diags.sort_by(in_file_order);
    warnings.sort_by(in_file_order);
    for w in &warnings {
        ctx.printer.warn(&w.to_string());
    }
    if ctx.printer.is_json() {
        let listed = |ds: &[Diagnostic]| -> Vec<Value> {
            ds.iter()
                .map(|d| json!({"file": d.file, "line": d.line, "col": d.col, "path": d.path, "message": d.message, "hint": d.hint}))
                .collect()
        };
        ctx.printer.json(&json!({
            "products": product_count,
            "workflows": defs.len(),
            "problems": listed(&diags),
            "warnings": listed(&warnings),
        }))?;
    }
    if !diags.is_empty() {
        if !ctx.printer.is_json() {
            for d in &diags {
                crate::say!("{d}");
            }
        }
        return Err(Error::usage(match diags.len() {
            1 => "1 problem in the definition files".to_string(),
            n => format!("{n} problems in the definition files"),
        }));
    }
    let many = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    ctx.printer.status(&format!(
        "ok: {} and {}",
        many(product_count, "product"),
        many(defs.len(), "workflow")
    ));
    Ok(())
}

/// The tags of the product files, for a warning about one that is not among them.
fn known_tags(tags: &std::collections::BTreeSet<&str>, project: &Project) -> String {
    if tags.is_empty() {
        format!("none: {} has no product files", project.products_shown())
    } else {
        tags.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

/// The `product_tag`s of a product's subscription fields that no product file has: a
/// warning, as for workflows (the product may be in the database only).
fn unknown_field_tags(
    ctx: &Ctx,
    product: &crate::domain::product::ProductDef,
    source: &str,
    tags: &std::collections::BTreeSet<&str>,
) -> Result<Vec<Diagnostic>> {
    let mut unknown = Vec::new();
    for (block_name, block) in &product.blocks {
        for (field_name, field) in &block.fields {
            if let crate::domain::product::FieldKind::Subscription {
                product_tag: Some(tag),
                ..
            } = &field.kind
                && !tags.contains(tag.as_str())
            {
                let place = crate::key_path![
                    "blocks",
                    block_name.as_str(),
                    "fields",
                    field_name.as_str(),
                    "product_tag"
                ];
                unknown.push((place, tag));
            }
        }
    }
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    // Read once, for the places of the warnings.
    let src = Source::read(&ctx.project.root.join(source), source.into())?;
    Ok(unknown
        .into_iter()
        .map(|(place, tag)| {
            let message = format!(
                "no product file has the tag `{tag}` (known: {})",
                known_tags(tags, &ctx.project)
            );
            src.diagnostic(&place, message)
        })
        .collect())
}

/// A create workflow whose product files all say the product takes no new
/// subscriptions (`phase out`, `end of life`): a warning, since `workflow run` would
/// refuse it (the database may hold another product with the tag).
fn nothing_on_offer(
    def: &WorkflowDef,
    src: &Source,
    products: &[(crate::domain::product::ProductDef, String)],
) -> Option<Diagnostic> {
    if def.target != crate::domain::workflow::Target::Create {
        return None;
    }
    let found: Vec<_> = products
        .iter()
        .map(|(p, _)| p)
        .filter(|p| def.products.contains(&p.tag))
        .collect();
    if found.is_empty() || found.iter().any(|p| p.status.takes_new_subscriptions()) {
        return None;
    }
    let named: Vec<String> = found
        .iter()
        .map(|p| format!("`{}` ({})", p.name, p.status))
        .collect();
    Some(src.diagnostic(
        &crate::key_path!["products"],
        format!(
            "no product it creates takes new subscriptions: {}; `workflow run` refuses it until one is `active` or `pre production`",
            named.join(", ")
        ),
    ))
}

/// The product tags a workflow names (in `products`, and as `product_tag` of the
/// subscription fields of its forms) that no product file has: a warning, not an
/// error, since a product may live only in the database (`orch product create`).
fn unknown_tags(
    def: &WorkflowDef,
    src: &Source,
    tags: &std::collections::BTreeSet<&str>,
    project: &Project,
) -> Vec<Diagnostic> {
    let known = known_tags(tags, project);
    let mut out = Vec::new();
    let mut flag = |tag: &str, place: &[Seg]| {
        if !tags.contains(tag) {
            let d = src.diagnostic(
                place,
                format!("no product file has the tag `{tag}` (known: {known})"),
            );
            out.push(d);
        }
    };
    for (i, tag) in def.products.iter().enumerate() {
        flag(tag, &crate::key_path!["products", i]);
    }
    let pages = def.form.iter().enumerate().flat_map(|(i, page)| {
        page.fields
            .iter()
            .enumerate()
            .map(move |(j, f)| (f, crate::key_path!["form", i, "fields", j]))
    });
    for (field, mut place) in pages {
        if let Some(tag) = &field.product_tag {
            place.push("product_tag".into());
            flag(tag, &place);
        }
    }
    for (step, at) in crate::definition::walk(&def.steps, &crate::key_path!["step"], src) {
        if let StepKind::Input { fields, .. } = &step.kind {
            for (j, field) in fields.iter().enumerate() {
                if let Some(tag) = &field.product_tag {
                    let mut place = at.clone();
                    place.extend([
                        Seg::from("input"),
                        Seg::from("fields"),
                        Seg::from(j),
                        Seg::from("product_tag"),
                    ]);
                    flag(tag, &place);
                }
            }
        }
    }
    out
}

/// A field's `choices_from` program must be there as a step's `run` must.
fn check_choices_from(
    project: &Project,
    field: &crate::forms::FieldSpec,
    mut place: Vec<Seg>,
    src: &Source,
) -> Option<(Diagnostic, Gravity)> {
    let (problem, gravity) = check_program(project, field.choices_from.as_deref()?)?;
    place.push("choices_from".into());
    Some((src.diagnostic(&place, problem), gravity))
}

/// Puts a finding with the problems or the warnings.
fn file_finding(
    finding: Option<(Diagnostic, Gravity)>,
    problems: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    match finding {
        Some((d, Gravity::Problem)) => problems.push(d),
        Some((d, Gravity::Warning)) => warnings.push(d),
        None => {}
    }
}

/// Whether a finding fails the check or is only said.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gravity {
    Problem,
    Warning,
}

/// The program of a `run` command (its first shell word), when it is a path: it must
/// exist and be executable. One reached by a relative path that leaves the project is
/// a warning, since the project no longer carries it.
fn check_program(project: &Project, run: &str) -> Option<(String, Gravity)> {
    if run.len() > LONGEST_COMMAND {
        return Some((
            format!(
                "the command is {} bytes, more than the {LONGEST_COMMAND} the kernel lets `sh -c` take as one argument, so it could never start; put it in a script in {}scripts/ and run that",
                run.len(),
                project.workflows_shown()
            ),
            Gravity::Problem,
        ));
    }
    let first = first_word(run)?;
    if !first.contains('/') {
        return check_script(project, &first, run);
    }
    let root = &project.root;
    let path = root.join(&first);
    let shown = || {
        if first.contains(char::is_whitespace) {
            format!("'{first}'")
        } else {
            first.clone()
        }
    };
    let Ok(canon) = path.canonicalize() else {
        return Some((format!("`{first}` does not exist"), Gravity::Problem));
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&canon).ok();
        if meta.as_ref().is_some_and(|m| !m.is_file()) {
            return Some((
                format!("`{first}` is a folder, not a program"),
                Gravity::Problem,
            ));
        }
        if meta.is_none_or(|m| m.permissions().mode() & 0o111 == 0) {
            return Some((
                format!("`{first}` is not executable (chmod +x {})", shown()),
                Gravity::Problem,
            ));
        }
    }
    if let Some(problem) = check_interpreter(&canon, &shown()) {
        return Some((format!("`{first}` {problem}"), Gravity::Problem));
    }
    if Path::new(&first).is_relative() {
        if let Ok(root) = root.canonicalize() {
            if !canon.starts_with(&root) {
                return Some((
                    format!(
                        "`{first}` is outside the project; keep step programs in {}scripts/ so the project carries them",
                        project.workflows_shown()
                    ),
                    Gravity::Warning,
                ));
            }
        }
    }
    None
}

/// The longest command `sh -c` can be given: Linux takes no single argument past 128
/// KiB (`MAX_ARG_STRLEN`), and orch puts a few bytes of its own before the command.
const LONGEST_COMMAND: usize = 128 * 1024 - 256;

/// Interpreters a step names by name, with its script as their first argument.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node", "php", "lua",
];

/// The script an interpreter runs (`python3 workflows/scripts/ipam.py`), when it is
/// given by a path: it must exist, as a program named by its path must, though it need
/// not be executable. An option first (`sh -c …`, `python3 -m …`) names no script.
fn check_script(project: &Project, interpreter: &str, run: &str) -> Option<(String, Gravity)> {
    if !INTERPRETERS.contains(&interpreter) {
        return None;
    }
    let script = first_word(after_first_word(run)?)?;
    if script.starts_with('-') || !script.contains('/') {
        return None;
    }
    match std::fs::metadata(project.root.join(&script)) {
        Err(_) => Some((
            format!("`{script}` (the script `{interpreter}` runs) does not exist"),
            Gravity::Problem,
        )),
        Ok(m) if m.is_dir() => Some((
            format!("`{script}` (the script `{interpreter}` runs) is a folder"),
            Gravity::Problem,
        )),
        Ok(_) => None,
    }
}

/// What is wrong with the `#!` line of a script (`shown` as the step names it), which
/// the kernel reads to start it:
/// an interpreter given by a path that does not exist, or a line that ends in a
/// carriage return (a file saved with Windows line ends), for which the step fails
/// with sh's bare `not found`, as if the script itself were missing. An interpreter
/// found through `env` is looked up on the PATH of the run, so it is not judged here.
fn check_interpreter(script: &Path, shown: &str) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = &line[..line.iter().position(|&b| b == b'\n').unwrap_or(line.len())];
    if line.ends_with(b"\r") {
        return Some(format!(
            "has Windows line ends: its `#!` line ends in a carriage return, which the kernel takes as part of the interpreter's name; save it with Unix line ends (`sed -i 's/\\r$//' {shown}`)"
        ));
    }
    let line = String::from_utf8_lossy(line);
    let interpreter = line.split_whitespace().next()?;
    if interpreter.starts_with('/') && !Path::new(interpreter).is_file() {
        return Some(format!(
            "starts with `#!{interpreter}`, which does not exist; name an interpreter that does (`#!/bin/sh`, or `#!/usr/bin/env python3`)"
        ));
    }
    None
}

/// The first word of a shell command as `sh` reads it (quotes and backslashes
/// undone), or `None` when only running it would tell: an expansion, a glob, a
/// variable assignment or an unfinished quote.
fn first_word(command: &str) -> Option<String> {
    split_first_word(command).map(|(word, _)| word)
}

/// What follows the first word of a shell command, when that is its next word (not
/// an operator such as `;` or `|`, which ends the command).
fn after_first_word(command: &str) -> Option<&str> {
    split_first_word(command)?.1
}

/// The first word of a shell command (as `first_word` reads it) and, when only
/// blanks end it, the rest of the command.
fn split_first_word(command: &str) -> Option<(String, Option<&str>)> {
    let mut word = String::new();
    let mut chars = command.trim_start().chars();
    let mut rest = None;
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                rest = Some(chars.as_str());
                break;
            }
            ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
            '$' | '`' | '*' | '?' | '[' | '~' | '=' => return None,
            '\\' => word.push(chars.next()?),
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => word.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '$' | '`' => return None,
                    '\\' => match chars.next()? {
                        c @ ('"' | '\\') => word.push(c),
                        c => {
                            word.push('\\');
                            word.push(c);
                        }
                    },
                    c => word.push(c),
                }
            },
            c => word.push(c),
        }
    }
    (!word.is_empty()).then_some((word, rest))
}
