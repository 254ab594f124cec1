//! Shared pieces of the benchmark: temporary projects, running the real `orch` binary,
//! timing, medians and the peak memory of a child.
//!
//! Benchmark lines return `Result<_, String>` rather than panicking, so one broken
//! line shows up as an error in the table and the others still run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub type Res<T> = Result<T, String>;

/// The `orch` binary cargo built for this benchmark.
pub const ORCH: &str = env!("CARGO_BIN_EXE_orch");

/// Turns any displayable error into the benchmark's error string, with context.
pub fn ctx<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> Res<T> {
    r.map_err(|e| format!("{what}: {e}"))
}

/// A temporary orch project with its own database: a SQLite file in the project, or
/// a PostgreSQL database its orch commands are pointed at (`ORCH_DB`).
pub struct Project {
    dir: tempfile::TempDir,
    db_url: Option<String>,
}

impl Project {
    pub fn new() -> Res<Project> {
        let dir = ctx(
            tempfile::Builder::new().prefix("orch-bench-").tempdir(),
            "cannot create a temporary project",
        )?;
        let p = Project { dir, db_url: None };
        p.write("orch.toml", "")?;
        ctx(
            std::fs::create_dir_all(p.path().join("workflows")),
            "cannot create workflows/",
        )?;
        Ok(p)
    }

    /// A project whose orch commands use the PostgreSQL database at `url`.
    pub fn on_postgres(url: &str) -> Res<Project> {
        let mut p = Project::new()?;
        p.db_url = Some(url.to_string());
        Ok(p)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("orch.db")
    }

    pub fn write(&self, rel: &str, text: &str) -> Res<()> {
        ctx(std::fs::write(self.path().join(rel), text), rel)
    }

    /// An `orch` command for this project, quiet, with a pinned user and no colour.
    pub fn orch(&self, args: &[&str]) -> Command {
        let mut c = Command::new(ORCH);
        c.arg("--dir")
            .arg(self.path())
            .arg("-q")
            .args(args)
            .current_dir(self.path())
            .env_remove("ORCH_DIR")
            .env_remove("ORCH_DB")
            .env_remove("ORCH_SYNC")
            .env("NO_COLOR", "1")
            .env("ORCH_USER", "bench")
            .stdin(Stdio::null());
        if let Some(url) = &self.db_url {
            c.env("ORCH_DB", url);
        }
        c
    }

    /// Runs orch to completion; an exit other than 0 is an error carrying stderr.
    pub fn run(&self, args: &[&str]) -> Res<String> {
        run_ok(&mut self.orch(args), &args.join(" "))
    }

    /// The id of the newest process.
    pub fn newest_process(&self) -> Res<String> {
        let out = self.run(&["-o", "json", "process", "list", "--limit", "1"])?;
        let v: serde_json::Value = ctx(serde_json::from_str(&out), "process list JSON")?;
        v.get(0)
            .and_then(|p| p.get("id"))
            .and_then(|id| id.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("process list printed no process: {out}"))
    }

    /// Size of the database file plus its WAL, after a passive checkpoint.
    pub fn db_bytes(&self) -> Res<u64> {
        let conn = ctx(rusqlite::Connection::open(self.db()), "open db")?;
        ctx(
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())),
            "checkpoint",
        )?;
        let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.db().into_os_string();
        wal.push("-wal");
        Ok(size(self.db()) + size(PathBuf::from(wal)))
    }
}

/// Runs a command with stdout captured; exit 0 or an error with its stderr.
pub fn run_ok(cmd: &mut Command, what: &str) -> Res<String> {
    let out = ctx(cmd.output(), what)?;
    if !out.status.success() {
        return Err(format!(
            "`orch {what}` exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A system workflow of `n` steps, each with the TOML body `step` (e.g. `builtin = "noop"`);
/// `{n}` in the body is replaced by the step number.
pub fn workflow_toml(name: &str, n: usize, step: &str) -> String {
    let mut s = format!("name = \"{name}\"\ntarget = \"system\"\n");
    for i in 1..=n {
        s.push_str(&format!(
            "\n[[step]]\nname = \"s{i}\"\n{}\n",
            step.replace("{n}", &i.to_string())
        ));
    }
    s
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The text of an error for an orch command that failed, recognising a subcommand this
/// build does not have yet.
pub fn unavailable_or_failed(out: &std::process::Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(2) && err.contains("unrecognized subcommand") {
        format!("{NOT_AVAILABLE}: `orch {what}`")
    } else {
        format!("`orch {what}` exited with {}: {}", out.status, err.trim())
    }
}

/// Marks a line whose command this build of orch does not have.
pub const NOT_AVAILABLE: &str = "command not available";
/// Marks a line that needs a PostgreSQL server this machine does not have.
pub const SERVER_NOT_AVAILABLE: &str = "not available: no PostgreSQL server";

/// What the table's "measured" column says for an error that is a missing piece
/// rather than a failure.
pub fn not_available(error: &str) -> Option<&'static str> {
    if error.starts_with(NOT_AVAILABLE) {
        Some(NOT_AVAILABLE)
    } else if error.starts_with(SERVER_NOT_AVAILABLE) {
        Some("not available")
    } else {
        None
    }
}

/// Runs a command to its end and returns its exit status, wall time and peak resident
/// memory in bytes: the kernel's high-water mark of the child's own memory (`VmHWM`),
/// read every millisecond until the child has exited. `wait4`'s `ru_maxrss` is not
/// used: a child started by `posix_spawn` inherits its parent's resident size as its
/// maximum, so it would report this harness whenever the harness is the larger.
pub fn run_measured(cmd: &mut Command) -> Res<(std::process::ExitStatus, Duration, u64)> {
    let t = Instant::now();
    let mut child = ctx(cmd.spawn(), "spawn")?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    // An exited child's status has no VmHWM line; it stays readable (and its pid
    // unused) until the child is reaped below.
    while let Some(kib) = std::fs::read_to_string(&status_file)
        .ok()
        .and_then(|status| high_water_kib(&status))
    {
        peak_kib = peak_kib.max(kib);
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = ctx(child.wait(), "wait")?;
    let took = t.elapsed();
    if peak_kib == 0 {
        return Err("the child's memory was never sampled".into());
    }
    Ok((status, took, peak_kib * 1024))
}

/// The `VmHWM` figure of a `/proc/PID/status` text, in KiB.
fn high_water_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// How many WAL frames (pages) the database at `db` gains while `work` runs. A reader
/// holds a snapshot from before `work` meanwhile, so no checkpoint can restart the WAL
/// and its size counts every frame written.
pub fn wal_frames_during(db: &Path, work: impl FnOnce() -> Res<()>) -> Res<u64> {
    let reader = ctx(rusqlite::Connection::open(db), "open reader")?;
    ctx(
        reader.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())),
        "checkpoint",
    )?;
    ctx(reader.execute_batch("BEGIN"), "begin")?;
    ctx(
        reader.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())),
        "read",
    )?;
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    let frames = |p: &Path| {
        // A WAL file is a 32-byte header, then frames of a 24-byte header and a page.
        std::fs::metadata(p).map_or(0, |m| m.len().saturating_sub(32) / (24 + 4096))
    };
    let before = frames(Path::new(&wal));
    work()?;
    let after = frames(Path::new(&wal));
    ctx(reader.execute_batch("COMMIT"), "end read")?;
    Ok(after.saturating_sub(before))
}
