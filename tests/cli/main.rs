//! CLI tests: the real `orch` binary against temporary projects, on real SQLite files
//! and (the same tests, see `stores`) on a real PostgreSQL.

mod abort_running;
mod branch_callbacks;
mod branch_locks;
mod branches;
mod callbacks;
mod contention;
mod crash;
mod crash_branches;
mod definitions;
mod engine;
mod events;
mod forms;
mod foundation;
mod interactive;
mod locks;
mod names;
mod network;
mod output;
mod postgres;
mod read_only;
mod reliability;
mod safety;
mod serve;
mod snapshots;
mod stores;
mod tasks;
mod waits;
mod worker_soak;
mod workers;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The test server and `both!` name themselves so (see `postgres::server`).
use postgres::server as pg_testing;
use postgres::server::both;
pub use stores::Store;

/// A temporary project with its own database: `orch.db` in it, or a fresh PostgreSQL
/// database when the test runs on PostgreSQL.
pub struct Project {
    pub dir: tempfile::TempDir,
    pg: Option<postgres::server::TestSchema>,
    /// A PostgreSQL database of the test's own (see [`Project::at`]).
    url: Option<String>,
}

impl Drop for Project {
    fn drop(&mut self) {
        if let Some(url) = self.pg_url() {
            stores::forget(url);
        }
    }
}

impl Default for Project {
    fn default() -> Self {
        Self::new()
    }
}

impl Project {
    pub fn new() -> Project {
        let mut p = Project::empty();
        p.pg = match stores::current() {
            Store::Sqlite => None,
            Store::Postgres => {
                Some(postgres::server::schema().expect("a PostgreSQL schema for the test"))
            }
        };
        p
    }

    /// A project on `store` whatever this thread's; None (said) without a server.
    pub fn on(store: Store) -> Option<Project> {
        let mut p = Project::empty();
        if store == Store::Postgres {
            p.pg = Some(postgres::server::schema()?);
        }
        Some(p)
    }

    /// A project whose orch commands use the PostgreSQL database at `url`, whose
    /// options name orch's schema (`options=-csearch_path%3Dorch`).
    pub fn at(url: &str) -> Project {
        let mut p = Project::empty();
        p.url = Some(url.to_string());
        p
    }

    fn empty() -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("products")).unwrap();
        std::fs::create_dir_all(dir.path().join("workflows/scripts")).unwrap();
        std::fs::write(dir.path().join("orch.toml"), "").unwrap();
        Project {
            dir,
            pg: None,
            url: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite file (a test on PostgreSQL has none).
    pub fn db(&self) -> PathBuf {
        self.path().join("orch.db")
    }

    pub fn store(&self) -> Store {
        if self.pg_url().is_some() {
            Store::Postgres
        } else {
            Store::Sqlite
        }
    }

    /// The PostgreSQL database's URL (naming orch's schema), when the test runs on
    /// one.
    pub fn pg_url(&self) -> Option<&str> {
        self.url
            .as_deref()
            .or(self.pg.as_ref().map(|db| db.url.as_str()))
    }

    /// orch's schema, when the test runs on PostgreSQL.
    pub fn pg_schema(&self) -> Option<&str> {
        match (&self.pg, &self.url) {
            (Some(db), _) => Some(db.schema.as_str()),
            (None, Some(_)) => Some("orch"),
            (None, None) => None,
        }
    }

    /// What the orch commands of this project get as `ORCH_DB`, if anything.
    pub fn orch_db(&self) -> Option<&str> {
        self.pg_url()
    }

    /// The rows of a query on this project's database, every value as text (NULL as an
    /// empty string). Write SQL both stores read alike.
    pub fn sql(&self, sql: &str) -> Vec<Vec<String>> {
        match self.pg_url() {
            Some(url) => stores::postgres_rows(url, sql),
            None => stores::sqlite_rows(&self.db(), sql),
        }
    }

    /// The first column of [`Project::sql`].
    pub fn sql_column(&self, sql: &str) -> Vec<String> {
        self.sql(sql).into_iter().map(|mut r| r.remove(0)).collect()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }

    pub fn script(&self, rel: &str, body: &str) {
        self.write(rel, &format!("#!/bin/sh\n{body}\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = self.path().join(rel);
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    /// Writes the task `t` (a system workflow) with these steps.
    pub fn task(&self, steps: &str) {
        self.write(
            "workflows/t.toml",
            &format!("name = \"t\"\ntarget = \"system\"\n{steps}"),
        );
    }

    /// The orch binary as a plain `std` command (to spawn, read or kill it), in this
    /// project, with a pinned user, no colour and no stdin.
    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("orch"));
        c.current_dir(self.path()).env_remove("ORCH_DIR");
        match self.orch_db() {
            Some(url) => c.env("ORCH_DB", url).env("PGAPPNAME", self.app_name()),
            None => c.env_remove("ORCH_DB"),
        };
        c.env("NO_COLOR", "1")
            .env("ORCH_USER", "tester")
            .stdin(std::process::Stdio::null());
        c
    }

    pub fn orch(&self) -> Command {
        Command::from_std(self.command())
    }

    /// Runs orch and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.orch().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["-o", "json"];
        all.extend_from_slice(args);
        let (_, out, err) = self.run(&all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {out}\nstderr: {err}"))
    }
}

impl Project {
    /// A copy of the repository's example project (products, workflows, scripts).
    pub fn example() -> Project {
        let p = Project::new();
        p.copy_example();
        p
    }

    /// Copies the example project's products and workflows in.
    pub fn copy_example(&self) {
        for dir in ["products", "workflows"] {
            copy_dir(&repo_root().join(dir), &self.path().join(dir));
        }
    }

    /// Enrols a router of the example network with create_node and returns the process
    /// it printed (its `subscription_id` is the new node).
    pub fn enrol(&self, name: &str, role: &str) -> serde_json::Value {
        let node_name = format!("node_name={name}");
        let role = format!("role={role}");
        let v = self.ok_json(&[
            "workflow",
            "run",
            "create_node",
            "--input",
            &node_name,
            "--input",
            &role,
        ]);
        assert_eq!(v["status"], "completed", "{v}");
        v
    }

    /// Queues a run of `workflow` (`workflow run --queue`) and returns its process id.
    pub fn queue(&self, workflow: &str) -> String {
        self.ok_json(&["workflow", "run", workflow, "--queue"])["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Runs orch, expecting exit 0, and returns stdout parsed as JSON.
    pub fn ok_json(&self, args: &[&str]) -> serde_json::Value {
        self.json_exiting(args, 0)
    }

    /// Runs a workflow command, expecting exit 3 (a step failed), and returns the
    /// process it printed.
    pub fn failed_json(&self, args: &[&str]) -> serde_json::Value {
        self.json_exiting(args, 3)
    }

    /// Runs orch with `-o json`, expecting exit `expected`, and returns stdout parsed.
    pub fn json_exiting(&self, args: &[&str], expected: i32) -> serde_json::Value {
        let mut all = vec!["-o", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.run(&all);
        assert_eq!(code, expected, "orch {args:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

/// The README's first command: enrol `rtr1` as a core router in the example network.
pub const CREATE_RTR1: &[&str] = &[
    "workflow",
    "run",
    "create_node",
    "--input",
    "node_name=rtr1",
    "--input",
    "role=core",
];

/// The names of a process's steps, in order.
/// Waits (up to 30 s) until a step made the file `name` in the project; on giving up,
/// fails with `said()` (what the command shows by then).
pub fn wait_for_file(p: &Project, name: &str, said: impl Fn() -> String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !p.path().join(name).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "`{name}` never appeared: {}",
            said()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Runs `orch ARGS` until the file `started` appears in the project (a step wrote
/// it), then stops it with SIGINT as Ctrl-C would; returns its exit code and stderr.
pub fn interrupted_once_started(p: &Project, args: &[&str], started: &str) -> (i32, String) {
    signalled_once_started(p, args, started, libc::SIGINT)
}

/// [`interrupted_once_started`] with the signal `sig`.
pub fn signalled_once_started(
    p: &Project,
    args: &[&str],
    started: &str,
    sig: libc::c_int,
) -> (i32, String) {
    let mut cmd = p.command();
    cmd.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    with_hangup(&mut cmd, libc::SIG_DFL);
    let run = cmd.spawn().unwrap();
    wait_for_file(p, started, String::new);
    unsafe { libc::kill(run.id() as libc::pid_t, sig) };
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), err)
}

/// Starts `cmd` with SIGHUP's action set to `action` (`SIG_DFL`, or `SIG_IGN` as
/// `nohup` sets it), whatever the tests were started with: orch keeps a SIGHUP it
/// inherits ignored, and a test of how it handles one must not depend on how the suite
/// was run.
pub fn with_hangup(cmd: &mut std::process::Command, action: libc::sighandler_t) {
    // SAFETY: only `signal`, async-signal-safe, between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            libc::signal(libc::SIGHUP, action);
            Ok(())
        });
    }
}

/// The status changes of process `id`, as its `process.*` events tell them.
pub fn status_changes(p: &Project, id: &str) -> Vec<String> {
    p.json(&["events", "--kind", "process.*", "--process", id])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["kind"], e["data"]["from"], e["data"]["to"]))
        .map(|s| s.replace('"', ""))
        .collect()
}

/// Each attempt of step `name` in a process object: (status, attempt), in log order.
pub fn attempts_of<'v>(process: &'v serde_json::Value, name: &str) -> Vec<(&'v str, i64)> {
    process["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["name"] == name)
        .map(|s| {
            (
                s["status"].as_str().unwrap_or_default(),
                s["attempt"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

pub fn step_names(process: &serde_json::Value) -> Vec<&str> {
    process["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default()
}

/// Each step of the process's log as (name, status), in order.
pub fn step_statuses(process: &serde_json::Value) -> Vec<(&str, &str)> {
    process["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or_default(),
                        s["status"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
