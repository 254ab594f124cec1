//! The machine's own ceiling, measured in the same run as orch: how many durable
//! SQLite commits and how many `sh -c true` spawns it manages when nothing else is done.
//!
//! The commit loop mirrors one orch step at its smallest: one ~1 KiB row inserted and one
//! row updated per transaction, with orch's pragmas (WAL, foreign keys, busy timeout, the
//! same `synchronous` setting), `BEGIN IMMEDIATE` like orch's write transactions.

use std::process::{Command, Stdio};
use std::time::Instant;

use rusqlite::{Connection, params};

use crate::support::{Res, ctx};

/// A fresh database with the bare loop's schema, opened with orch's pragmas.
fn ceiling_db(synchronous: &str) -> Res<(tempfile::TempDir, Connection)> {
    let dir = ctx(tempfile::tempdir(), "temp dir")?;
    let path = dir.path().join("ceiling.db");
    let conn = ctx(Connection::open(&path), "open ceiling db")?;
    ctx(
        conn.busy_timeout(std::time::Duration::from_secs(10)),
        "busy timeout",
    )?;
    ctx(
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())),
        "WAL",
    )?;
    ctx(
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous};
             CREATE TABLE head (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, at TEXT NOT NULL);
             CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT,
                               head INTEGER NOT NULL REFERENCES head (id), body TEXT NOT NULL);
             INSERT INTO head (id, n, at) VALUES (1, 0, '');"
        )),
        "ceiling schema",
    )?;
    Ok((dir, conn))
}

/// `n` transactions of the bare loop.
fn commit_loop(conn: &mut Connection, n: usize) -> Res<()> {
    let body = "x".repeat(1024);
    for i in 0..n {
        let tx = ctx(
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate),
            "begin",
        )?;
        ctx(
            tx.prepare_cached("INSERT INTO log (head, body) VALUES (1, ?1)")
                .and_then(|mut s| s.execute([&body])),
            "insert",
        )?;
        ctx(
            tx.prepare_cached("UPDATE head SET n = ?1, at = ?2 WHERE id = 1")
                .and_then(|mut s| s.execute(params![i as i64, i.to_string()])),
            "update",
        )?;
        ctx(tx.commit(), "commit")?;
    }
    Ok(())
}

/// Commits per second of the bare loop, the best of `rounds` rounds of `n` commits.
pub fn sqlite_commits_per_sec(synchronous: &str, n: usize, rounds: usize) -> Res<f64> {
    let (_dir, mut conn) = ceiling_db(synchronous)?;
    let mut best = 0.0_f64;
    for _ in 0..rounds {
        let t = Instant::now();
        commit_loop(&mut conn, n)?;
        best = best.max(n as f64 / t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// WAL pages (frames) the bare loop writes per commit.
pub fn sqlite_pages_per_commit(n: usize) -> Res<f64> {
    let (dir, mut conn) = ceiling_db("NORMAL")?;
    let frames = crate::support::wal_frames_during(&dir.path().join("ceiling.db"), || {
        commit_loop(&mut conn, n)
    })?;
    Ok(frames as f64 / n as f64)
}

/// Spawns per second of `sh -c true`, waited for one after the other; best of `rounds`.
pub fn spawns_per_sec(n: usize, rounds: usize) -> Res<f64> {
    let mut best = 0.0_f64;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..n {
            let status = ctx(
                Command::new("sh")
                    .args(["-c", "true"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status(),
                "spawn sh",
            )?;
            if !status.success() {
                return Err(format!("`sh -c true` exited with {status}"));
            }
        }
        best = best.max(n as f64 / t.elapsed().as_secs_f64());
    }
    Ok(best)
}
