//! The PostgreSQL lines of the table (issues 15 and 16): one `workflow run` of `noop`
//! steps against the bare one-row loop, workers draining a queue against the bare
//! batched loop, database growth over a large state, and the list commands from 1,000
//! to 100,000 processes. Rounds of orch and of its ceiling take turns, as on SQLite.

use crate::report::Line;
use crate::support::{Res, mib};
use crate::{Bench, Shared, postgres, scale, steps, storage, workers};

/// Sizes, chosen so that the PostgreSQL part takes a few minutes on 2 cores.
pub const COMMITS: usize = 1_000;
const NOOP_STEPS: usize = 1_000;
pub const QUEUED: usize = 64;
pub const QUEUED_STEPS: usize = 200;
const WORKER_ROUNDS: usize = 2;

/// The lines, in the table's order.
pub fn lines() -> Vec<(&'static str, &'static str, Bench)> {
    let mut v: Vec<(&'static str, &'static str, Bench)> = vec![
        (
            "pg-noop",
            "PG 1. `builtin = \"noop\"` steps/s, one `workflow run`, synchronous_commit=on",
            noop_line,
        ),
        (
            "pg-workers-1",
            "PG 8. one worker, 64 × 200 `noop` steps, vs bare 64-row batches (report)",
            |s| workers_line(s, "pg-workers-1", 1),
        ),
        (
            "pg-workers-2",
            "PG 8. two workers at once, 64 × 200 `noop` steps, vs bare 64-row batches (report)",
            |s| workers_line(s, "pg-workers-2", 2),
        ),
        (
            "pg-workers-4",
            "PG 8. four workers at once, 64 × 200 `noop` steps, vs bare 64-row batches (report)",
            |s| workers_line(s, "pg-workers-4", 4),
        ),
        (
            "pg-storage",
            "PG 3. database growth, 1,000 steps over a 1 MiB state (report)",
            |_| storage_line(),
        ),
    ];
    v.push((
        "pg-scale-process-list",
        "PG 5. `process list --limit 50`",
        |s| query_line(s, "pg-scale-process-list", 0),
    ));
    v.push((
        "pg-scale-subscription-active",
        "PG 5. `subscription list --status active --limit 50`",
        |s| query_line(s, "pg-scale-subscription-active", 2),
    ));
    v.push((
        "pg-scale-subscription-search",
        "PG 5. `subscription list --search WORD`",
        |s| query_line(s, "pg-scale-subscription-search", 3),
    ));
    v
}

/// One round of a PostgreSQL ceiling: `pg-ceiling` (one step-sized row per commit) or
/// `pg-batched-ceiling` (64 per commit).
pub fn ceiling_round(id: &str) -> Res<f64> {
    if id == "pg-ceiling" {
        postgres::bare_rows_per_sec(&postgres::bare_database(false)?, 1, COMMITS)
    } else {
        postgres::bare_rows_per_sec(
            &postgres::bare_database(true)?,
            QUEUED,
            QUEUED * QUEUED_STEPS,
        )
    }
}

fn noop_line(s: &mut Shared) -> Res<Line> {
    let (project, _) = postgres::project("noop")?;
    let run = steps::StepsRun::in_project(project, "builtin = \"noop\"", NOOP_STEPS)?;
    let (mut ceiling, mut rate) = (0.0_f64, 0.0_f64);
    for _ in 0..crate::ROUNDS {
        ceiling = ceiling.max(s.ceiling_round("pg-ceiling")?);
        rate = rate.max(run.round("full")?);
    }
    Ok(Line::new("pg-noop", "")
        .measured(format!("{rate:.0} steps/s"))
        .reference(format!("bare PostgreSQL: {ceiling:.0}/s"))
        .at_least(rate / ceiling, 0.8))
}

fn workers_line(s: &mut Shared, id: &'static str, n: usize) -> Res<Line> {
    let (mut ceiling, mut rate) = (0.0_f64, 0.0_f64);
    for _ in 0..WORKER_ROUNDS {
        ceiling = ceiling.max(s.ceiling_round("pg-batched-ceiling")?);
        let (project, _) = postgres::project("workers")?;
        rate = rate.max(workers::workers_steps_per_sec(
            project,
            n,
            "builtin = \"noop\"",
            QUEUED,
            QUEUED_STEPS,
            "full",
        )?);
    }
    // Issue 16 asks for the figure only: no target, no verdict.
    let mut line = Line::new(id, "")
        .measured(format!(
            "{rate:.0} steps/s (`--concurrency {}` each)",
            QUEUED.div_ceil(n)
        ))
        .reference(format!("bare 64-row batches: {ceiling:.0} rows/s"));
    line.figure = Some(rate / ceiling);
    Ok(line)
}

fn storage_line() -> Res<Line> {
    let (project, url) = postgres::project("storage")?;
    let n = crate::STORAGE_STEPS;
    let g = storage::growth_in(project, n, &storage::big_state(), |_| {
        postgres::database_size(&url)
    })?;
    let mut line = Line::new("pg-storage", "")
        .measured(format!(
            "+{:.2} MiB ({:.1} KiB/step)",
            mib(g.bytes),
            g.bytes as f64 / 1024.0 / n as f64
        ))
        .reference(format!(
            "pg_database_size (tables, indexes, TOAST; not the WAL); `process show --step` gave the full state after steps {:?}",
            g.checked
        ));
    line.figure = Some(mib(g.bytes));
    Ok(line)
}

fn query_line(s: &mut Shared, id: &'static str, i: usize) -> Res<Line> {
    let q = &scale::QUERIES[i];
    let (small, large) = s.pg_databases()?;
    let (a, b) = scale::small_vs_large(small, large, q, crate::QUERY_RUNS)?;
    Ok(Line::new(id, "")
        .measured(format!("{:.1} ms", b * 1e3))
        .reference(format!("1,000 processes: {:.1} ms", a * 1e3))
        .at_most(b / a, 1.5, "×"))
}
