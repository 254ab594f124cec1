//! `orch init`: scaffold an empty project.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::Ctx;
use crate::error::{Error, Result};
use crate::project::CONFIG_FILE;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the project in (default: the current folder)
    pub path: Option<PathBuf>,
    /// The customer of new subscriptions when --customer is not given
    #[arg(long)]
    pub default_customer: Option<String>,
}

const CONFIG_TEMPLATE: &str = r#"# orch project settings; every key is optional.
# db = "orch.db"                 # the SQLite database, relative to this folder, or
#                                # a PostgreSQL address: "postgresql://orch@db:5432/orch"
# pg_schema = "orch"             # PostgreSQL: the schema of orch's tables
# default_customer = "default"   # customer of new subscriptions without --customer
# products = "products"          # where product definitions live
# workflows = "workflows"        # where workflow definitions live
# step_timeout = "10m"           # default timeout of `run` steps
# task_retention = "30d"         # cleanup_tasks deletes completed task runs older than this
#
# [serve]
# public_url = "https://orch.example.net"  # where callbacks reach `orch serve`
#
# Schedules of built-in tasks (`orch task list`), run by `orch scheduler run`:
# [schedule.resume_waiting]
# every = "5m"
# [schedule.cleanup_tasks]
# cron = "0 3 * * *"             # minute hour day-of-month month day-of-week
# timezone = "Europe/Amsterdam"  # IANA name, `UTC` (the default) or `local`
"#;

pub fn run(ctx: &mut Ctx, args: InitArgs) -> Result<()> {
    // Refused before anything is made, as orch.toml would refuse it after.
    crate::engine::start::check_customer(args.default_customer.as_deref())?;
    let root = match &args.path {
        Some(p) => std::env::current_dir()?.join(p),
        None => ctx.project.root.clone(),
    };
    if root.exists() && !root.is_dir() {
        // Refused as `--dir FILE` is, before "cannot create FILE/products" could puzzle.
        let parent = root.parent().unwrap_or(&root);
        return Err(
            Error::usage(format!("{} is a file, not a folder", root.display())).with_hint(format!(
                "`orch init DIR` makes the project in a folder, new or existing: `orch init {}`",
                parent.display()
            )),
        );
    }
    // An orch.toml already there may name other folders for the files: those are made.
    let planned = if root.join(CONFIG_FILE).is_file() {
        crate::project::Project::discover(Some(&root))?
    } else {
        crate::project::Project::bare(root.clone())
    };
    let mut created = Vec::new();
    let workflows = planned.workflows_dir();
    let scripts = workflows.join("scripts");
    for d in [planned.products_dir(), workflows, scripts] {
        if !d.exists() {
            std::fs::create_dir_all(&d)
                .map_err(|e| {
                    Error::failure(format!("cannot create {}: {e}", d.display())).with_hint(
                        "check that the folder above it exists and is writable, or give another folder: `orch init DIR`",
                    )
                })?;
            created.push(planned.shown_dir(&d));
        }
    }
    let config = root.join(CONFIG_FILE);
    if !config.exists() {
        let mut text = CONFIG_TEMPLATE.to_string();
        if let Some(c) = &args.default_customer {
            text.push_str(&format!("default_customer = {}\n", toml_string(c)));
        }
        std::fs::write(&config, text).map_err(|e| {
            Error::failure(format!("cannot write {}: {e}", config.display())).with_hint(
                "check that the folder is writable, or give another folder: `orch init DIR`",
            )
        })?;
        created.push(CONFIG_FILE.to_string());
    }
    ctx.set_project(crate::project::Project::discover(Some(&root))?)?;
    let db = ctx.db_path().map(Path::to_path_buf);
    let existed = db.as_ref().is_some_and(|p| p.exists());
    let store = ctx.store()?;
    let new_schema = (store.opened_at_version() == 0)
        .then(|| format!("orch's schema in {}", store.location().describe()));
    match db {
        Some(db) if !existed => created.push(ctx.project.display_path(&db).display().to_string()),
        None => created.extend(new_schema),
        _ => {}
    }
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({"root": root, "created": created}));
    }
    if created.is_empty() {
        ctx.printer.status(&format!(
            "{} is already an orch project; nothing to do",
            root.display()
        ));
    } else {
        ctx.printer.status(&format!(
            "initialised {}: created {}",
            root.display(),
            created.join(", ")
        ));
        ctx.printer.hint(&format!(
            "add {}*.toml and {}*.toml, then run `orch product load`",
            ctx.project.products_shown(),
            ctx.project.workflows_shown()
        ));
    }
    Ok(())
}

pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
