//! The worker's lines (DESIGN §12): group commit against a bare loop that commits the
//! same rows in batches, concurrent `run` steps against a bare loop keeping as many
//! shells running, the time from queue to completion, and a worker's memory.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rusqlite::{Connection, params};

use crate::support::{Project, Res, ctx, median, run_measured, workflow_toml};

/// Queues `n` runs of the workflow `w` (one orch command each, not timed).
fn queue(p: &Project, n: usize) -> Res<()> {
    for _ in 0..n {
        p.run(&["workflow", "run", "w", "--queue"])?;
    }
    Ok(())
}

/// Steps per second of one worker draining `processes` queued runs of a workflow of
/// `steps` steps with body `step` (Start and Done counted), `--concurrency` as many.
pub fn worker_steps_per_sec(step: &str, processes: usize, steps: usize, sync: &str) -> Res<f64> {
    workers_steps_per_sec(Project::new()?, 1, step, processes, steps, sync)
}

/// Steps per second of `workers` orch workers started at once in `p` (whose store is
/// empty), draining `processes` queued runs together, each with an equal share of
/// the processes as its `--concurrency`.
pub fn workers_steps_per_sec(
    p: Project,
    workers: usize,
    step: &str,
    processes: usize,
    steps: usize,
    sync: &str,
) -> Res<f64> {
    p.write("workflows/w.toml", &workflow_toml("w", steps, step))?;
    p.run(&["db", "migrate"])?;
    queue(&p, processes)?;
    let concurrency = processes.div_ceil(workers.max(1)).to_string();
    let t = Instant::now();
    let mut running = Vec::new();
    for _ in 0..workers.max(1) {
        let mut cmd = p.orch(&["worker", "--once", "--concurrency", &concurrency]);
        cmd.env("ORCH_SYNC", sync)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        running.push(ctx(cmd.spawn(), "start a worker")?);
    }
    for w in running {
        let out = ctx(w.wait_with_output(), "wait for a worker")?;
        if !out.status.success() {
            return Err(format!(
                "`orch worker --once` exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    let took = t.elapsed().as_secs_f64();
    let done = p.run(&[
        "-o",
        "json",
        "process",
        "list",
        "--status",
        "completed",
        "--limit",
        "100000",
    ])?;
    let v: serde_json::Value = ctx(serde_json::from_str(&done), "process list")?;
    let completed = v.as_array().map_or(0, Vec::len);
    if completed != processes {
        return Err(format!("{completed} of {processes} processes completed"));
    }
    Ok((processes * (steps + 2)) as f64 / took)
}

/// The bare batched loop: transactions of `batch` step-sized rows (a ~1 KiB row
/// inserted and a row of its own updated per step), `BEGIN IMMEDIATE`, orch's pragmas;
/// rows per second, best of `rounds`.
pub fn batched_ceiling(synchronous: &str, batch: usize, total: usize, rounds: usize) -> Res<f64> {
    let dir = ctx(tempfile::tempdir(), "temp dir")?;
    let mut conn = ctx(Connection::open(dir.path().join("b.db")), "open")?;
    ctx(
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())),
        "WAL",
    )?;
    ctx(
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous};
             CREATE TABLE head (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, at TEXT NOT NULL);
             CREATE TABLE log (id INTEGER PRIMARY KEY, head INTEGER NOT NULL REFERENCES head (id), body TEXT NOT NULL);"
        )),
        "schema",
    )?;
    for h in 0..batch {
        ctx(
            conn.execute(
                "INSERT INTO head (id, n, at) VALUES (?1, 0, '')",
                [h as i64],
            ),
            "head",
        )?;
    }
    let body = "x".repeat(1024);
    let mut best = 0.0_f64;
    for _ in 0..rounds {
        let t = Instant::now();
        for i in 0..total / batch {
            let tx = ctx(
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate),
                "begin",
            )?;
            for h in 0..batch {
                ctx(
                    tx.prepare_cached("INSERT INTO log (head, body) VALUES (?1, ?2)")
                        .and_then(|mut s| s.execute(params![h as i64, body])),
                    "insert",
                )?;
                ctx(
                    tx.prepare_cached("UPDATE head SET n = ?2, at = ?3 WHERE id = ?1")
                        .and_then(|mut s| s.execute(params![h as i64, i as i64, i.to_string()])),
                    "update",
                )?;
            }
            ctx(tx.commit(), "commit")?;
        }
        best = best.max((total / batch * batch) as f64 / t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// `sh -c true` per second with `width` of them running at once: each of `width`
/// threads spawns and waits for its share of `total`.
pub fn concurrent_spawns_per_sec(width: usize, total: usize) -> Res<f64> {
    concurrently(width, total, "`sh -c true`", || {
        Command::new("sh")
            .args(["-c", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// [`concurrent_spawns_per_sec`] doing what a `run` step needs at the least: each
/// shell in its own process group with three pipes, gated on a go line (as orch
/// gates it), given `{}` on stdin, its stdout and stderr read to their end. Not a
/// target's ceiling: the share of a step that is the shell's whatever runs it.
pub fn concurrent_piped_spawns_per_sec(width: usize, total: usize) -> Res<f64> {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    let run = || -> std::io::Result<bool> {
        let mut child = Command::new("sh")
            .args(["-c", "read -r _orch_go || exit 1; true"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(b"\n{}")?;
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        if let Some(mut o) = child.stdout.take() {
            o.read_to_end(&mut out)?;
        }
        if let Some(mut e) = child.stderr.take() {
            e.read_to_end(&mut err)?;
        }
        Ok(child.wait()?.success())
    };
    concurrently(width, total, "the piped `sh -c`", || run().unwrap_or(false))
}

/// Runs `one` `total` times from `width` threads at once; the runs per second, or an
/// error naming `what` when any run failed.
/// [`concurrent_spawns_per_sec`] through orch's own step runner and nothing else: one
/// single-threaded runtime (as a worker's) keeping `width` steps of `true` going, each
/// shell started on a blocking thread and driven to its end as a step's is, without
/// the engine, the store or the commit. Not a target: it splits line 9's gap between
/// the runner and what the worker does around it.
pub fn concurrent_runner_steps_per_sec(width: usize, total: usize) -> Res<f64> {
    use orch::engine::command::{self, CommandSpec};
    let rt = ctx(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        "start a runtime",
    )?;
    let dir = ctx(tempfile::tempdir(), "make a directory")?;
    let left = std::sync::Arc::new(AtomicUsize::new(total));
    let t = Instant::now();
    let failed = rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..width {
            let (left, cwd) = (left.clone(), dir.path().to_path_buf());
            tasks.push(tokio::spawn(async move {
                let mut failed = 0;
                while left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let spec = CommandSpec {
                        stdin: b"{}".to_vec(),
                        ..CommandSpec::new("true", &cwd)
                    };
                    let start = spec.clone();
                    let ran =
                        match tokio::task::spawn_blocking(move || command::start(&start)).await {
                            Ok(Ok(shell)) => shell.run(spec, None, std::future::pending()).await,
                            _ => Err(std::io::Error::other("no shell")),
                        };
                    failed += usize::from(!ran.is_ok_and(|r| r.success()));
                }
                failed
            }));
        }
        let mut failed = 0;
        for task in tasks {
            failed += task.await.unwrap_or(1);
        }
        failed
    });
    if failed > 0 {
        return Err(format!("{failed} steps of `true` failed in the runner"));
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

fn concurrently(width: usize, total: usize, what: &str, one: impl Fn() -> bool + Sync) -> Res<f64> {
    let left = AtomicUsize::new(total);
    let failed = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..width {
            s.spawn(|| {
                while left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    if !one() {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    if failed.load(Ordering::SeqCst) > 0 {
        return Err(format!("{what} failed"));
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

/// Milliseconds from queueing a one-step process to its completion, as the store
/// recorded both, with an idle worker running; the median of `n`.
pub fn queue_latency_ms(n: usize) -> Res<f64> {
    let p = Project::new()?;
    p.write(
        "workflows/w.toml",
        &workflow_toml("w", 1, "builtin = \"noop\""),
    )?;
    p.run(&["db", "migrate"])?;
    let mut worker = ctx(
        p.orch(&["worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn(),
        "start a worker",
    )?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut samples = Vec::new();
    let result = (|| -> Res<()> {
        for _ in 0..n {
            let out = p.run(&["-o", "json", "workflow", "run", "w", "--queue"])?;
            let v: serde_json::Value = ctx(serde_json::from_str(&out), "queued process")?;
            let id = v["id"].as_str().unwrap_or_default().to_string();
            let deadline = Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let shown = p.run(&["-o", "json", "process", "show", &id])?;
                let v: serde_json::Value = ctx(serde_json::from_str(&shown), "process")?;
                if v["status"] == "completed" {
                    let times = |k: &str| -> Res<jiff::Timestamp> {
                        ctx(v[k].as_str().unwrap_or_default().parse(), k)
                    };
                    let took = times("last_modified_at")?.duration_since(times("started_at")?);
                    samples.push(took.as_secs_f64() * 1000.0);
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("process {id} did not complete within 10 s"));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        Ok(())
    })();
    // SAFETY: stopping the worker we started.
    unsafe {
        libc::kill(worker.id() as i32, libc::SIGTERM);
    }
    let _ = worker.wait();
    result?;
    Ok(median(samples))
}

/// Peak RSS (bytes) of one worker that drives `resting` processes to an input step,
/// where they rest, and `running` processes of a few `sleep` steps, all at once.
pub fn worker_peak_rss(resting: usize, running: usize) -> Res<u64> {
    let p = Project::new()?;
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"ask\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n",
    )?;
    p.write(
        "workflows/r.toml",
        &workflow_toml("r", 5, "run = \"sleep 0.2\""),
    )?;
    p.run(&["db", "migrate"])?;
    queue(&p, resting)?;
    for _ in 0..running {
        p.run(&["workflow", "run", "r", "--queue"])?;
    }
    let total = (resting + running).to_string();
    let mut cmd = p.orch(&["worker", "--once", "--concurrency", &total]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let (status, _, rss) = run_measured(&mut cmd)?;
    // Suspended processes make `--once` exit 4; anything else is a failure.
    if !matches!(status.code(), Some(0 | 4)) {
        return Err(format!("the worker exited with {status}"));
    }
    Ok(rss)
}
