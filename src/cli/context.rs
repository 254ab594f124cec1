//! What every command gets: the settings, resolved once from the flags, the environment
//! and orch.toml before any command looks at them, the printer, the project, and a
//! database opened on first use.
//!
//! Commands never read clap's [`Global`] or the environment themselves, so a setting
//! means the same in every command and a bad one is reported once, up front.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Global;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::store::{self, Store};
use crate::ui::Printer;

/// The resolved settings of one orch invocation.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--db`/`ORCH_DB` as given, made absolute against the current folder.
    db_flag: Option<PathBuf>,
    /// The database file: `--db`, else orch.toml's `db`, else `orch.db` in the project.
    pub db_path: PathBuf,
    /// Who runs the command: `--user`/`ORCH_USER`, else the OS user.
    pub user: String,
    /// `ORCH_SYNC`.
    pub sync: store::Sync,
    /// orch.toml's `step_timeout`: the timeout of `run` steps that set none.
    pub step_timeout: Option<Duration>,
    /// How long a stopped step gets between SIGTERM and SIGKILL.
    pub grace: Duration,
}

/// What a command may do to the database file (see `Command::access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads, or changes what is there: never makes a database of an empty file.
    Read,
    /// Makes data from nothing: may turn an empty file into a new database.
    Write,
}

impl Settings {
    fn resolve(db_flag: Option<PathBuf>, user: Option<String>, project: &Project) -> Result<Self> {
        let step_timeout = project
            .config
            .step_timeout
            .as_deref()
            .map(crate::domain::workflow::parse_duration)
            .transpose()
            .map_err(|e| Error::usage(format!("orch.toml: step_timeout: {e}")))?;
        Ok(Settings {
            db_path: project.db_path(db_flag.as_deref()),
            db_flag,
            user: user
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(os_user),
            sync: store::Sync::from_env()?,
            step_timeout,
            grace: Duration::from_secs(5),
        })
    }
}

pub struct Ctx {
    pub printer: Printer,
    pub project: Project,
    pub settings: Settings,
    /// `--dir` or `--db` (or ORCH_DIR, ORCH_DB) said where to look.
    explicit: bool,
    access: Access,
    store: Option<Store>,
}

impl Ctx {
    /// Parse, then resolve: the flags become settings here, once.
    pub fn new(global: Global, access: Access) -> Result<Ctx> {
        let explicit = global.dir.is_some() || global.db.is_some();
        let printer = Printer::new(global.output, global.quiet, global.verbose, global.color);
        let project = Project::discover(global.dir.as_deref())?;
        let db_flag = match global.db {
            Some(p) => Some(std::env::current_dir()?.join(p)),
            None => None,
        };
        let settings = Settings::resolve(db_flag, global.user, &project)?;
        Ok(Ctx {
            printer,
            project,
            settings,
            explicit,
            access,
            store: None,
        })
    }

    /// Refuses to go on outside an orch project (unless `--dir` or `--db` said where to
    /// look): an operator in the wrong folder must not get empty tables, nor a new
    /// empty database left behind.
    pub fn require_project(&self) -> Result<()> {
        if self.explicit || self.project.is_project() {
            return Ok(());
        }
        let root = self.project.root.display();
        let mut e = Error::not_found(format!(
            "no orch project here: {root} has no orch.toml, products/ or workflows/, and no folder above it has an orch.toml"
        ))
        .with_cause("orch read nothing and created no database");
        if let Some(above) = self.project.project_above() {
            e = e.with_hint(format!(
                "{0} looks like one: `cd {0}`, or pass --dir {0}",
                above.display()
            ));
        }
        Err(e
            .with_hint("cd into your project's folder, or name it with --dir DIR (or the database with --db FILE)")
            .with_hint("`orch init` makes this folder a project"))
    }

    /// Looks at the database file before SQLite does: SQLite takes an empty file for a
    /// new database, which hides a truncated one.
    pub fn check_db_file(&self) -> Result<()> {
        let path = &self.settings.db_path;
        if store::admin::file_state(path) != store::admin::FileState::Empty {
            return Ok(());
        }
        if self.access == Access::Write {
            self.printer.warn(&format!(
                "{} is an empty file (0 bytes), not a database; orch makes it a new, empty database",
                path.display()
            ));
            return Ok(());
        }
        Err(Error::failure(format!(
            "the database {} is an empty file (0 bytes)",
            path.display()
        ))
        .with_cause("orch did not change it, nor make a new database of it")
        .with_hint(
            "if it held data, it was truncated: restore the latest copy made with `orch db backup FILE` (`orch --db COPY db check` checks one)",
        )
        .with_hint("`orch db migrate` makes it a new, empty database"))
    }

    /// Moves to another project (`orch init` creates one), resolving the settings that
    /// depend on it again.
    pub fn set_project(&mut self, project: Project) -> Result<()> {
        let user = Some(self.settings.user.clone());
        self.settings = Settings::resolve(self.settings.db_flag.clone(), user, &project)?;
        self.project = project;
        self.store = None;
        Ok(())
    }

    pub fn db_path(&self) -> &Path {
        &self.settings.db_path
    }

    pub fn user(&self) -> &str {
        &self.settings.user
    }

    /// The database, opened and migrated on first use.
    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            self.check_db_file()?;
            let path = self.settings.db_path.clone();
            let printer = &self.printer;
            self.store = Some(store::open_announcing(
                &path,
                self.settings.sync,
                |from, to| {
                    printer.status(&format!(
                    "upgrading {} from schema version {from} to {to} (a large database takes a while; an interruption changes nothing)",
                    path.display()
                ))
                },
            )?);
        }
        self.store
            .as_mut()
            .ok_or_else(|| Error::internal("the store was not opened"))
    }

    /// The database, opened and migrated, for a command that keeps it beside a
    /// shared `&Ctx` (the scheduler).
    pub fn take_store(&mut self) -> Result<Store> {
        self.store()?;
        self.store
            .take()
            .ok_or_else(|| Error::internal("the store was not opened"))
    }
}

pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            // SAFETY: getuid has no preconditions.
            let uid = unsafe { libc::getuid() };
            account_name(uid).unwrap_or_else(|| format!("uid:{uid}"))
        })
}

/// The login name of a uid from the password database (USER is often unset in
/// containers and cron).
fn account_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: a zeroed passwd is a valid out-parameter for getpwuid_r.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf outlives its use below.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points at a NUL-terminated string in buf.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str()
        .ok()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}
