//! A PostgreSQL server for tests, started by the tests themselves.
//!
//! One call, [`database`], gives a test a fresh, empty database of its own and its
//! URL; None means there is no server and the test should return early (it says it
//! skipped). Where the server comes from:
//!
//! - `ORCH_TEST_POSTGRES_URL`, when set: an existing server; the URL's user must be
//!   allowed to create databases. Each test gets a new database on it, dropped when the
//!   test's [`TestDb`] is.
//! - Otherwise a throwaway cluster, started once per test binary on first use and
//!   shared by its tests: the newest server binaries found
//!   (`/usr/lib/postgresql/*/bin`, else `initdb` on the PATH), `initdb` into a
//!   temporary folder, the server listening only on a Unix socket in that folder
//!   (`listen_addresses=''`: no TCP port, so test runs never collide), fsync off. As
//!   root, initdb and the server run as the `postgres` user, as PostgreSQL demands.
//! - No server binaries (or `ORCH_TEST_POSTGRES=off`): with `ORCH_REQUIRE_POSTGRES=1`
//!   (CI sets it) that is a test failure; otherwise one loud line on stderr, and the
//!   PostgreSQL tests skip.
//!
//! The cluster must not outlive the test binary, however it ends (all tests done, a
//! panic, `kill -9`). Its server is started by a small `sh` watchdog whose stdin is a
//! pipe only the test binary holds, as `src/engine/lifeline.rs` does for steps: when
//! the test binary is gone the kernel closes the pipe, the watchdog reads end-of-file,
//! stops the server at once (SIGQUIT, immediate shutdown) and removes the folder. The
//! same pipe carries `stop`, `crash` and `start` for tests that restart a private
//! cluster ([`Cluster::start`]).
//!
//! One suite on two stores: a test about what orch promises (not about SQLite's file)
//! is a plain `fn name()` followed by `both!(name);`, which makes `name::sqlite` and
//! `name::postgres`. Each sets the store of its thread ([`current`]; libtest runs every
//! test on a thread of its own) before it calls the test, and the harness of each test
//! binary opens that store; without a server the PostgreSQL variant says so and
//! passes, unless `ORCH_REQUIRE_POSTGRES=1`.
//!
//! This file is shared, by `#[path]`, by the library's unit tests and the CLI tests
//! (tests/cli), so it uses only std and the crate's dependencies, never `crate::`
//! (but for `both!`, which names it as `crate::pg_testing`, an alias both declare).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// The store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

thread_local! {
    static CURRENT: std::cell::Cell<Store> = const { std::cell::Cell::new(Store::Sqlite) };
}

/// The store of this thread's test.
pub fn current() -> Store {
    CURRENT.get()
}

/// Runs `test` against `store`.
pub fn run_on(store: Store, test: fn()) {
    if store == Store::Postgres && server().is_none() {
        eprintln!("skipped: no PostgreSQL server for this test");
        return;
    }
    CURRENT.set(store);
    test();
}

/// `both!(a, b);` after `fn a()` and `fn b()`: each runs as `a::sqlite`, `a::postgres`.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::pg_testing::run_on($crate::pg_testing::Store::Sqlite, super::$name)
            }

            #[test]
            fn postgres() {
                $crate::pg_testing::run_on($crate::pg_testing::Store::Postgres, super::$name)
            }
        }
    )+};
}
pub(crate) use both;

/// A role that must log in with a password (scram-sha-256), on local clusters.
pub const PASSWORD_USER: &str = "orch_password_user";
pub const PASSWORD: &str = "s3cret-Pa55word";

/// A fresh database for one test.
pub struct TestDb {
    pub url: String,
    pub name: String,
    pub server: &'static Server,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // On a server of the user's, and on the throwaway cluster too: hundreds of
        // tests' databases would otherwise fill its folder until the run ends.
        let _ = self.server.admin(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

/// A fresh database on the shared server, or None (after saying so) without one.
pub fn database() -> Option<TestDb> {
    let Some(server) = server() else {
        eprintln!("skipped: no PostgreSQL server for this test");
        return None;
    };
    let name = unique_name("orch_test");
    if let Err(e) = server.admin(&format!("CREATE DATABASE \"{name}\"")) {
        panic!("cannot create the test database {name}: {e}");
    }
    Some(TestDb {
        url: server.url(&name),
        name,
        server,
    })
}

/// A name no other test of any test binary uses.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{stamp}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// orch's schema for one test, in a database the tests of this binary share: a test
/// that needs no database of its own starts in a few milliseconds instead of the
/// hundreds a new database costs. The URL names the schema (`options=-csearch_path`),
/// as a user would to keep orch beside other applications; orch creates it.
pub struct TestSchema {
    pub url: String,
    pub schema: String,
    database: String,
    pub server: &'static Server,
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let _ = run_sql(
            &self.server.url(&self.database),
            &format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema),
        );
    }
}

/// A fresh schema name and its URL in the shared database, or None (after saying so)
/// without a server.
pub fn schema() -> Option<TestSchema> {
    static SHARED: OnceLock<Result<String, String>> = OnceLock::new();
    let Some(server) = server() else {
        eprintln!("skipped: no PostgreSQL server for this test");
        return None;
    };
    let database = SHARED.get_or_init(|| {
        // On a server of the user's, one database is kept for every run (created by
        // the first); a throwaway cluster goes with its folder.
        let name = match server {
            Server::External { .. } => "orch_tests_shared".to_string(),
            Server::Local(_) => unique_name("orch_shared"),
        };
        match server.admin(&format!("CREATE DATABASE \"{name}\"")) {
            Err(e) if !e.contains("42P04") => Err(e),
            _ => Ok(name),
        }
    });
    let database = match database {
        Ok(d) => d.clone(),
        Err(e) => panic!("cannot create the tests' shared database: {e}"),
    };
    let schema = unique_name("t");
    let url = server.url(&database);
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = if url.starts_with("postgres") {
        format!("{url}{sep}options=-csearch_path%3D{schema}")
    } else {
        format!("{url} options='-csearch_path={schema}'")
    };
    Some(TestSchema {
        url,
        schema,
        database,
        server,
    })
}

/// Where the tests' server is.
pub enum Server {
    External { url: String },
    Local(Cluster),
}

impl Server {
    /// A URL of the same server for database `db`, as its administrator.
    pub fn url(&self, db: &str) -> String {
        match self {
            Server::External { url } => with_dbname(url, db),
            Server::Local(c) => c.url(db),
        }
    }

    /// Runs SQL as the server's administrator, in its administration database.
    pub fn admin(&self, sql: &str) -> Result<(), String> {
        let url = match self {
            Server::External { url } => url.clone(),
            Server::Local(c) => c.url("postgres"),
        };
        run_sql(&url, sql)
    }

    /// The throwaway cluster, when the tests started one (it can then be configured:
    /// a password-only role, roles without rights).
    pub fn cluster(&self) -> Option<&Cluster> {
        match self {
            Server::Local(c) => Some(c),
            Server::External { .. } => None,
        }
    }
}

/// The shared server, started on first use; None when there is none (see the note).
pub fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    static LOUD: Once = Once::new();
    match SERVER.get_or_init(find_or_start) {
        Ok(s) => Some(s),
        Err(why) => {
            if std::env::var("ORCH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("ORCH_REQUIRE_POSTGRES=1, but there is no PostgreSQL for the tests: {why}");
            }
            LOUD.call_once(|| {
                // Straight to the stream, past the test harness's capture.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** PostgreSQL tests SKIPPED: {why}. Install Debian's `postgresql` or set ORCH_TEST_POSTGRES_URL. ***\n"
                );
            });
            None
        }
    }
}

fn find_or_start() -> Result<Server, String> {
    if std::env::var("ORCH_TEST_POSTGRES").as_deref() == Ok("off") {
        return Err("ORCH_TEST_POSTGRES=off".into());
    }
    if let Ok(url) = std::env::var("ORCH_TEST_POSTGRES_URL") {
        if !url.trim().is_empty() {
            run_sql(&url, "SELECT 1")
                .map_err(|e| format!("ORCH_TEST_POSTGRES_URL does not work: {e}"))?;
            return Ok(Server::External { url });
        }
    }
    let cluster = Cluster::start()?;
    cluster.admin(&format!(
        "CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'"
    ))?;
    Ok(Server::Local(cluster))
}

/// A throwaway PostgreSQL cluster in a temporary folder, alive while its value is
/// (or, for the shared one, while the test binary runs).
pub struct Cluster {
    dir: PathBuf,
    control: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    _watchdog: Child,
}

/// Keeps the server under a pipe only this process holds (see the module note).
const WATCHDOG: &str = r#"dir=$1; shift
pg=
launch() { "$@" </dev/null >>"$dir/server.log" 2>&1 & pg=$!; }
halt() { if [ -n "$pg" ]; then kill -s "$1" "$pg" 2>/dev/null; wait "$pg" 2>/dev/null; pg=; fi; }
launch "$@"
while read -r cmd; do
  case $cmd in
    stop) halt INT ;;
    crash) halt QUIT ;;
    start) [ -n "$pg" ] || launch "$@" ;;
  esac
  echo "$cmd"
done
halt QUIT
rm -rf "$dir""#;

impl Cluster {
    /// initdb and start a new cluster; the server runs until the value is dropped.
    pub fn start() -> Result<Cluster, String> {
        let bin =
            server_binaries().ok_or("no PostgreSQL server binaries (initdb, postgres) found")?;
        let owner = server_owner()?;
        let dir = tempfile::Builder::new()
            .prefix("orch-pg-")
            .tempdir()
            .map_err(|e| format!("cannot make a folder for the cluster: {e}"))?
            .keep();
        let data = dir.join("data");
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("cannot give {} to the postgres user: {e}", dir.display()))?;
        }

        let out = as_owner(Command::new(bin.join("initdb")), owner)
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // Passwords for one role (to test refusals), trust for the rest; sockets only.
        std::fs::write(
            data.join("pg_hba.conf"),
            format!("local all {PASSWORD_USER} scram-sha-256\nlocal all all trust\n"),
        )
        .map_err(|e| format!("cannot write pg_hba.conf: {e}"))?;

        let mut cmd = as_owner(Command::new("sh"), owner);
        cmd.arg("-c")
            .arg(WATCHDOG)
            .arg("orch-pg-watchdog")
            .arg(&dir)
            .arg(bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&dir)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
                "-c",
                "shared_buffers=32MB",
                "-c",
                "password_encryption=scram-sha-256",
                "-c",
                "log_min_messages=warning",
            ])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own group: a Ctrl-C meant for the tests does not reach the server
            // before the watchdog has seen the tests go.
            .process_group(0);
        let mut watchdog = cmd
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let (Some(stdin), Some(stdout)) = (watchdog.stdin.take(), watchdog.stdout.take()) else {
            return Err("the watchdog has no pipes".into());
        };
        let cluster = Cluster {
            dir,
            control: Mutex::new((stdin, BufReader::new(stdout))),
            _watchdog: watchdog,
        };
        cluster.wait_ready()?;
        Ok(cluster)
    }

    /// The socket folder (the URL's `host`).
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The administrator's URL for database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgresql://postgres@/{db}?host={}", self.dir.display())
    }

    pub fn admin(&self, sql: &str) -> Result<(), String> {
        run_sql(&self.url("postgres"), sql)
    }

    /// Stops the server (fast shutdown: open transactions roll back).
    pub fn stop(&self) -> Result<(), String> {
        self.command("stop")
    }

    /// Stops the server at once, as a crash would (immediate shutdown).
    pub fn crash(&self) -> Result<(), String> {
        self.command("crash")
    }

    /// Starts the server again after [`Cluster::stop`] or [`Cluster::crash`].
    pub fn restart(&self) -> Result<(), String> {
        self.command("start")?;
        self.wait_ready()
    }

    fn command(&self, cmd: &str) -> Result<(), String> {
        let mut control = self
            .control
            .lock()
            .map_err(|_| "the cluster's control pipe is poisoned".to_string())?;
        let (stdin, stdout) = &mut *control;
        writeln!(stdin, "{cmd}").map_err(|e| format!("the watchdog is gone: {e}"))?;
        let mut ack = String::new();
        stdout
            .read_line(&mut ack)
            .map_err(|e| format!("the watchdog is gone: {e}"))?;
        if ack.trim() != cmd {
            return Err(format!("the watchdog answered `{}` to `{cmd}`", ack.trim()));
        }
        Ok(())
    }

    /// Waits until the server accepts connections: `postmaster.pid` says `ready` and
    /// the socket exists.
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let pid_file = self.dir.join("data/postmaster.pid");
        let socket = self.dir.join(".s.PGSQL.5432");
        loop {
            let ready = std::fs::read_to_string(&pid_file)
                .map(|t| t.lines().nth(7).map(str::trim) == Some("ready"))
                .unwrap_or(false);
            if ready && socket.exists() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
                return Err(format!("the test server did not start within 60s:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The newest `/usr/lib/postgresql/VERSION/bin` with a server, else the folder of an
/// `initdb` on the PATH.
fn server_binaries() -> Option<PathBuf> {
    let has_server = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            let bin = e.path().join("bin");
            version.filter(|_| has_server(&bin)).map(|v| (v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find_map(|d| {
            let initdb = std::fs::canonicalize(d.join("initdb")).ok()?;
            let dir = initdb.parent()?.to_path_buf();
            has_server(&dir).then_some(dir)
        })
}

/// As root, the uid and gid of `postgres` (the server refuses to run as root);
/// otherwise None: the server runs as the current user.
fn server_owner() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = c"postgres";
    // SAFETY: getpwnam returns null or a pointer to a static record, read at once;
    // the tests call this once, from the one thread that starts the cluster.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err("running as root, and there is no `postgres` user to run the server as".into());
    }
    // SAFETY: checked non-null above.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(Some((uid, gid)))
}

/// `cmd`, run as `owner` when given (groups, group, then user, before exec).
fn as_owner(mut cmd: Command, owner: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = owner {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setgroups(1, &gid) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        cmd.env("HOME", "/tmp").env_remove("PGDATA");
    }
    cmd
}

/// The URL with another database.
fn with_dbname(url: &str, db: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}dbname={db}")
    } else {
        format!("{url} dbname={db}")
    }
}

/// Runs `sql` at `url` on a thread of its own (a test may already be inside a runtime).
pub fn run_sql(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| describe(&e))?;
            let driver = tokio::spawn(connection);
            let result = client.batch_execute(&sql).await.map_err(|e| describe(&e));
            drop(client);
            let _ = driver.await;
            result
        })
    })
    .join()
    .map_err(|_| "the SQL thread panicked".to_string())?
}

fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}
