//! What every command gets: the settings, resolved once from the flags, the environment
//! and orch.toml before any command looks at them, the printer, the project, and a
//! database opened on first use.
//!
//! Commands never read clap's [`Global`] or the environment themselves, so a setting
//! means the same in every command and a bad one is reported once, up front.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Global;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::store::{self, Create, Location, OpenObserver, Store};
use crate::ui::Printer;

/// How many blocking threads a command's runtime keeps at most (see [`Ctx::runtime`]).
const BLOCKING_THREADS: usize = 4;

/// The resolved settings of one orch invocation.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--db`/`ORCH_DB` as given.
    db_flag: Option<OsString>,
    /// The database: `--db`, else orch.toml's `db`, else `orch.db` in the project.
    pub location: Location,
    /// Who runs the command: `--user`/`ORCH_USER`, else the OS user.
    pub user: String,
    /// `ORCH_SYNC`.
    pub sync: store::Sync,
    /// orch.toml's `step_timeout`: the timeout of `run` steps that set none.
    pub step_timeout: Option<Duration>,
    /// How long a stopped step gets between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// How long this orch's lease on a process it runs lasts; it is renewed at a third
    /// of that while the process runs.
    pub lease: Duration,
    /// orch.toml's `[serve] public_url`: where callback answers are posted from outside.
    pub callback_url: Option<String>,
}

/// What a command may do to the database, which decides how its store opens (see
/// `Command::access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads, or changes what is there: never creates a database, nor makes one of an
    /// empty file.
    Read,
    /// Only reads: as `Read`, and a SQLite database in a place orch may not write is
    /// read as an immutable snapshot of its file (with a note on stderr).
    Look,
    /// Makes data from nothing: may create the database, or make one of an empty file
    /// (saying so).
    Write,
    /// Looks after the database itself (`db check`, `db backup`): opens it as it is,
    /// without migrating or repairing it.
    AsIs,
    /// `db migrate`: as `Write`, and it may add orch's tables to a SQLite database
    /// that holds another application's.
    Migrate,
}

impl Settings {
    fn resolve(db_flag: Option<OsString>, user: Option<String>, project: &Project) -> Result<Self> {
        let user = user.filter(|u| !u.trim().is_empty());
        if let Some(u) = &user {
            check_user(u)?;
        }
        Ok(Settings {
            location: project.location(db_flag.as_deref()),
            db_flag,
            user: user.unwrap_or_else(os_user),
            sync: store::Sync::from_env()?,
            step_timeout: project.config.step_timeout,
            grace: Duration::from_secs(5),
            lease: crate::engine::owner::DEFAULT_LEASE,
            callback_url: project.config.public_url(),
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
    runtime: Option<tokio::runtime::Runtime>,
}

impl Ctx {
    /// Parse, then resolve: the flags become settings here, once. `project` is the
    /// project when the caller knows it already; else it is discovered.
    pub fn new(global: Global, access: Access, project: Option<Project>) -> Result<Ctx> {
        let explicit = global.dir.is_some() || global.db.is_some();
        let printer = Printer::new(global.output, global.quiet, global.verbose, global.color);
        let project = match project {
            Some(p) => p,
            None => Project::discover(global.dir.as_deref())?,
        };
        let db_flag = global.db.map(PathBuf::into_os_string);
        let settings = Settings::resolve(db_flag, global.user, &project)?;
        Ok(Ctx {
            printer,
            project,
            settings,
            explicit,
            access,
            store: None,
            runtime: None,
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
        let e = Error::not_found(format!(
            "no orch project here: {root} has no orch.toml, products/ or workflows/, and no folder above it has an orch.toml"
        ))
        .with_cause("orch read nothing and created no database");
        // Inside a project (its scripts' folder, say), making another one here is not
        // what the operator wants: the project above is named instead.
        if let Some(above) = self.project.project_above() {
            return Err(e.with_hint(format!(
                "{0} looks like one: `cd {0}`, or pass --dir {0} (an orch.toml there lets orch find it from its subfolders)",
                above.display()
            )));
        }
        Err(e
            .with_hint("cd into your project's folder, or name it with --dir DIR (or the database with --db FILE)")
            .with_hint("`orch init` makes this folder a project"))
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

    /// The SQLite file, when the database is one.
    pub fn db_path(&self) -> Option<&Path> {
        self.settings.location.sqlite_path()
    }

    pub fn user(&self) -> &str {
        &self.settings.user
    }

    /// Where the database is.
    pub fn location(&self) -> &Location {
        &self.settings.location
    }

    /// The single-threaded runtime this command's store calls and drives run on, made
    /// on first use.
    ///
    /// Its blocking threads start the shells of the coming steps (see
    /// `engine::ahead`). A few that stay busy serve a worker's hundreds of steps a
    /// second better than tokio's default of a new thread whenever all are busy: each
    /// extra thread is one more to wake, with its own allocator arena
    /// (`cargo bench --bench orch -- worker-run-true`).
    pub fn runtime(&mut self) -> Result<&tokio::runtime::Runtime> {
        if self.runtime.is_none() {
            self.runtime = Some(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .max_blocking_threads(BLOCKING_THREADS)
                    .on_thread_start(crate::engine::command::leave_child_signals_to_main_thread)
                    .build()
                    .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))?,
            );
        }
        self.runtime
            .as_ref()
            .ok_or_else(|| Error::internal("the runtime was not started"))
    }

    /// The database, opened on first use as the command's [`Access`] says.
    pub fn store(&mut self) -> Result<&Store> {
        self.runtime()?;
        if self.store.is_none() {
            let location = self.location().clone();
            let announce = Announce {
                printer: &self.printer,
                location: location.describe(),
            };
            let rt = self
                .runtime
                .as_ref()
                .ok_or_else(|| Error::internal("the runtime was not started"))?;
            self.store = Some(rt.block_on(async {
                match self.access {
                    Access::Write => Store::open(&location, Create::Allowed, &announce).await,
                    Access::Read => Store::open(&location, Create::Refused, &announce).await,
                    Access::Look => Store::open_to_read(&location, &announce).await,
                    Access::AsIs => Store::open_as_is(&location).await,
                    Access::Migrate => Store::open(&location, Create::Adopt, &announce).await,
                }
            })?);
        }
        self.store
            .as_ref()
            .ok_or_else(|| Error::internal("the store was not opened"))
    }

    /// The store and the runtime, for a command that keeps using both (the scheduler);
    /// call [`Ctx::store`] first.
    pub fn opened(&self) -> Result<(&Store, &tokio::runtime::Runtime)> {
        match (&self.store, &self.runtime) {
            (Some(store), Some(rt)) => Ok((store, rt)),
            _ => Err(Error::internal("the store was not opened")),
        }
    }

    /// Runs `f` with the store on this command's runtime: how commands, which are plain
    /// functions, call the store's async methods.
    pub fn db<T, E: Into<Error>>(
        &mut self,
        f: impl AsyncFnOnce(&Store) -> std::result::Result<T, E>,
    ) -> Result<T> {
        self.store()?;
        match (&self.store, &self.runtime) {
            (Some(store), Some(rt)) => rt.block_on(f(store)).map_err(Into::into),
            _ => Err(Error::internal("the store was not opened")),
        }
    }
}

/// Tells the operator that an existing database is being upgraded (a large one takes a
/// while), or that an empty file is being made a new database.
struct Announce<'a> {
    printer: &'a Printer,
    location: String,
}

impl OpenObserver for Announce<'_> {
    fn upgrading(&self, from: i64, to: i64) {
        self.printer.status(&format!(
            "upgrading {} from schema version {from} to {to} (a large database takes a while; an interruption changes nothing)",
            self.location
        ));
    }

    fn empty_file(&self) {
        self.printer.warn(&format!(
            "{} is an empty file (0 bytes), not a database; orch makes it a new, empty database",
            self.location
        ));
    }

    fn read_as_snapshot(&self) {
        self.printer.status(&format!(
            "note: {} is read as a snapshot of its file: orch may not write in its folder (or the file), so nothing here can be changed",
            self.location
        ));
    }
}

/// Refuses a `--user` (`ORCH_USER`) every log and event would carry in a form people
/// cannot read or find again: with a control character (a terminal showing the log
/// would take it for a command), or with spaces around it, as a customer is refused.
fn check_user(user: &str) -> Result<()> {
    crate::ui::check_plain(
        "the user",
        user,
        "the user's name",
        " (--user or ORCH_USER)",
    )
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
