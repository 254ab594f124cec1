//! Finding the user's project and reading its optional `orch.toml`.
//!
//! Like cargo with Cargo.toml: `--dir`/`ORCH_DIR`, else the nearest ancestor holding
//! `orch.toml`, else the current directory.

use crate::definition::workflow::check_schedule;
use crate::definition::{Diagnostic, Seg, Source, toml_files, workflow as workflow_def};
use crate::domain::workflow::{ScheduleDef, WorkflowDef, parse_duration};
use crate::error::Error;
use crate::store::Location;
use crate::tasks::builtin;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const CONFIG_FILE: &str = "orch.toml";

/// The settings of `orch.toml`; every key is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The database: a SQLite file (relative to the project), or a PostgreSQL address
    /// (`postgresql://…`, `host=… dbname=…`).
    #[serde(default, deserialize_with = "db_path")]
    pub db: Option<PathBuf>,
    /// The PostgreSQL schema orch keeps its tables in (default `orch`), unless the
    /// address's options name one.
    pub pg_schema: Option<String>,
    /// Customer of new subscriptions when `--customer` is not given.
    #[serde(default, deserialize_with = "customer")]
    pub default_customer: Option<String>,
    /// Where product definitions live (default `products`).
    pub products: Option<PathBuf>,
    /// Where workflow definitions live (default `workflows`).
    pub workflows: Option<PathBuf>,
    /// Default timeout of `run` steps, e.g. `"10m"`.
    #[serde(default, deserialize_with = "duration")]
    pub step_timeout: Option<std::time::Duration>,
    /// Age after which `cleanup_tasks` deletes completed task runs, e.g. `"30d"` (checked
    /// by `workflow check` and the task, so the rest of orch runs with a wrong one).
    pub task_retention: Option<String>,
    /// Schedules of built-in tasks: `[schedule.cleanup_tasks]` with `cron` or `every`.
    #[serde(default)]
    pub schedule: indexmap::IndexMap<String, crate::definition::workflow::RawSchedule>,
    /// `orch serve`'s settings.
    pub serve: Option<ServeConfig>,
}

/// A step timeout, read as the file is, so a wrong one is said with its line.
fn duration<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<std::time::Duration>, D::Error> {
    let text = String::deserialize(d)?;
    crate::domain::workflow::parse_step_timeout(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `db`, read as the file is, so an empty one is said with its line rather than as a
/// database that is the project folder.
fn db_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "`db` is empty: name a SQLite file (`db = \"orch.db\"`, relative to the project) or a PostgreSQL address, or leave `db` out for orch.db in the project",
        ));
    }
    Ok(Some(PathBuf::from(text)))
}

/// `default_customer`, read as the file is: one that `--customer` would refuse (empty,
/// spaces around it, a control character) is said with its line, rather than given to
/// every new subscription.
fn customer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "`default_customer` is empty: give the customer's id (`default_customer = \"acme\"`), or leave it out for `default`",
        ));
    }
    crate::ui::check_plain("the customer", &text, "the customer's id", "")
        .map_err(|e| serde::de::Error::custom(e.in_one_line()))?;
    Ok(Some(text))
}

/// `[serve]` in orch.toml.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// The address `orch serve` is reached at from outside (`https://orch.example.net`):
    /// callback steps hand their `run` the answer URL under it (`ORCH_CALLBACK_URL`).
    #[serde(default, deserialize_with = "public_url")]
    pub public_url: Option<String>,
}

/// `[serve] public_url`, read as the file is, so a wrong one is said with its line (and
/// listed by `workflow check` with the other problems): an http(s) URL, kept without a
/// trailing slash.
fn public_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    let url = text.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.contains(char::is_whitespace)
    {
        return Err(serde::de::Error::custom(format!(
            "`{url}` is not an http:// or https:// URL: write the address orch serve is reached at, such as public_url = \"https://orch.example.net\""
        )));
    }
    Ok(Some(url.to_string()))
}

impl Config {
    /// `[serve] public_url`: an http(s) URL without a trailing slash (checked as the
    /// file was read).
    pub fn public_url(&self) -> Option<String> {
        self.serve.as_ref().and_then(|s| s.public_url.clone())
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub has_config: bool,
}

impl Project {
    /// Discovers the project from an explicit folder or the current directory.
    pub fn discover(explicit: Option<&Path>) -> Result<Project, Error> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::failure(format!("cannot read the current directory: {e}")))?;
        let root = match explicit {
            Some(dir) => {
                let dir = cwd.join(dir);
                if dir.exists() && !dir.is_dir() {
                    // `--dir path/orch.toml`: the folder is the one holding it.
                    let parent = dir.parent().unwrap_or(&cwd);
                    return Err(Error::usage(format!(
                        "{} is a file, not a project folder",
                        dir.display()
                    ))
                    .with_hint(format!(
                        "--dir/ORCH_DIR names the folder: --dir {}",
                        parent.display()
                    )));
                }
                if !dir.is_dir() {
                    return Err(Error::not_found(format!(
                        "the project folder {} does not exist",
                        dir.display()
                    ))
                    .with_hint("create it with `orch init DIR`, or fix --dir/ORCH_DIR"));
                }
                dir
            }
            None => cwd
                .ancestors()
                .find(|a| a.join(CONFIG_FILE).is_file())
                .map_or_else(|| cwd.clone(), Path::to_path_buf),
        };
        let config_path = root.join(CONFIG_FILE);
        let has_config = config_path.is_file();
        let config = if has_config {
            let src = Source::read(&config_path, PathBuf::from(CONFIG_FILE))?;
            // Every command reads orch.toml first, `workflow check` too: the hint
            // does not send the user there.
            src.deserialize::<Config>().map_err(|d| {
                Error::usage(d.to_string()).with_hint(format!(
                    "fix {}: every orch command reads it first (each of its keys is optional)",
                    config_path.display()
                ))
            })?
        } else {
            Config::default()
        };
        Ok(Project {
            root,
            config,
            has_config,
        })
    }

    /// A folder taken as it is, without reading an orch.toml: where `orch init DIR`
    /// starts, before DIR is a project.
    pub fn bare(root: PathBuf) -> Project {
        Project {
            root,
            config: Config::default(),
            has_config: false,
        }
    }

    pub fn products_dir(&self) -> PathBuf {
        self.root.join(
            self.config
                .products
                .as_deref()
                .unwrap_or(Path::new("products")),
        )
    }

    pub fn workflows_dir(&self) -> PathBuf {
        self.root.join(
            self.config
                .workflows
                .as_deref()
                .unwrap_or(Path::new("workflows")),
        )
    }

    /// The database: `--db`/`ORCH_DB` (a file relative to the current folder), else
    /// orch.toml's `db` (relative to the project), else `orch.db` in the project; a
    /// PostgreSQL address wherever one of them is one.
    pub fn location(&self, explicit: Option<&std::ffi::OsStr>) -> Location {
        let schema = self.config.pg_schema.as_deref();
        match explicit {
            Some(text) => {
                let cwd = std::env::current_dir().unwrap_or_default();
                Location::parse(text, &cwd, schema)
            }
            None => {
                let db = self.config.db.as_deref().unwrap_or(Path::new("orch.db"));
                Location::parse(db.as_os_str(), &self.root, schema)
            }
        }
    }

    /// Whether the folder looks like an orch project: it has orch.toml, products/ or
    /// workflows/. A command outside one reads nothing and creates no database there.
    pub fn is_project(&self) -> bool {
        self.has_config || self.products_dir().is_dir() || self.workflows_dir().is_dir()
    }

    /// The nearest folder above the root that has products/ or workflows/ (without
    /// orch.toml, discovery does not climb to it), to name in a hint.
    pub fn project_above(&self) -> Option<PathBuf> {
        self.root
            .ancestors()
            .skip(1)
            .find(|a| a.join("products").is_dir() || a.join("workflows").is_dir())
            .map(Path::to_path_buf)
    }

    /// A path as the user should see it: relative to the project when inside it.
    pub fn display_path(&self, p: &Path) -> PathBuf {
        p.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf())
    }

    /// The folder of the workflow files as messages name it: relative to the project,
    /// with a trailing slash (`workflows/`, or what orch.toml's `workflows` says).
    pub fn workflows_shown(&self) -> String {
        self.shown_dir(&self.workflows_dir())
    }

    /// The folder of the product files as messages name it (`products/`, or what
    /// orch.toml's `products` says).
    pub fn products_shown(&self) -> String {
        self.shown_dir(&self.products_dir())
    }

    /// A folder as messages name it: relative to the project, with a trailing slash.
    pub fn shown_dir(&self, dir: &Path) -> String {
        let shown = self.display_path(dir).display().to_string();
        format!(
            "{}/",
            shown.trim_end_matches(['/', std::path::MAIN_SEPARATOR])
        )
    }
}

/// Workflow definitions with the file each came from.
pub type Workflows = Vec<(WorkflowDef, String)>;

impl Project {
    /// Every workflow file of the project, parsed, with the problems of the broken ones.
    pub fn workflows(&self) -> Result<(Workflows, Vec<Diagnostic>), Error> {
        let dir = self.workflows_dir();
        let mut defs: Workflows = Vec::new();
        let mut diags = Vec::new();
        let mut twice = std::collections::HashSet::new();
        for file in toml_files(&dir)? {
            let shown = self.display_path(&file);
            let src = match Source::load(&file, shown.clone())? {
                Ok(src) => src,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            match workflow_def::parse(&src) {
                Ok(def) => {
                    if builtin::find(&def.name).is_some() {
                        diags.push(src.diagnostic(
                            &crate::key_path!["name"],
                            format!(
                                "`{}` is the name of a built-in task; choose another name",
                                def.name
                            ),
                        ));
                    } else if let Some((_, other)) = defs.iter().find(|(d, _)| d.name == def.name) {
                        diags.push(src.diagnostic(
                            &crate::key_path!["name"],
                            format!("workflow `{}` is also defined in {other}", def.name),
                        ).with_hint("rename one of them: a workflow's name must be unique, and neither runs until it is"));
                        twice.insert(def.name);
                    } else {
                        defs.push((def, shown.display().to_string()));
                    }
                }
                Err(d) => diags.extend(d),
            }
        }
        // Which of two files is meant cannot be known: neither runs.
        defs.retain(|(d, _)| !twice.contains(&d.name));
        // Listed by name, as they are asked for, whatever their files are called.
        defs.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
        Ok((defs, diags))
    }
}

impl Project {
    /// The folders orch.toml names for products and workflows that do not exist, as
    /// problems placed at their keys: without them every command sees no definitions
    /// at all, and `workflow check` would pass a project it never read.
    pub fn missing_folders(&self) -> Result<Vec<Diagnostic>, Error> {
        let named = [
            ("products", &self.config.products, self.products_dir()),
            ("workflows", &self.config.workflows, self.workflows_dir()),
        ];
        let mut diags = Vec::new();
        for (key, given, dir) in named {
            let Some(given) = given.as_ref().filter(|_| !dir.exists()) else {
                continue;
            };
            let src = Source::read(&self.root.join(CONFIG_FILE), PathBuf::from(CONFIG_FILE))?;
            diags.push(
                src.diagnostic(
                    &crate::key_path![key],
                    format!(
                        "`{}` does not exist, so orch finds no {key} in it",
                        given.display()
                    ),
                )
                .with_hint(format!(
                    "create it (`mkdir -p {}`), or fix the path",
                    self.display_path(&dir).display()
                )),
            );
        }
        Ok(diags)
    }

    /// orch.toml's `[schedule.NAME]` tables, which schedule built-in tasks, and its
    /// `task_retention`, checked and placed in the file.
    pub fn builtin_schedules(
        &self,
    ) -> Result<(HashMap<String, ScheduleDef>, Vec<Diagnostic>), Error> {
        let config = &self.config;
        let mut found = HashMap::new();
        let mut diags = Vec::new();
        if config.schedule.is_empty() && config.task_retention.is_none() {
            return Ok((found, diags));
        }
        let src = Source::read(&self.root.join(CONFIG_FILE), PathBuf::from(CONFIG_FILE))?;
        let mut err = |path: Vec<Seg>, message: String| diags.push(src.diagnostic(&path, message));
        for (name, raw) in &config.schedule {
            let at = crate::key_path!["schedule", name.as_str()];
            if builtin::find(name).is_none() {
                let names: Vec<&str> = builtin::TASKS.iter().map(|t| t.name).collect();
                err(
                    at,
                    format!(
                        "`{name}` is not a built-in task (built-ins: {}); a task of the project takes a [schedule] table in its workflow file",
                        names.join(", ")
                    ),
                );
                continue;
            }
            if let Some(def) = check_schedule(raw, &at, &mut err) {
                found.insert(name.clone(), def);
            }
        }
        if let Some(text) = &config.task_retention {
            if let Err(e) = parse_duration(text) {
                err(crate::key_path!["task_retention"], e);
            }
        }
        Ok((found, diags))
    }
}
