//! Durable steps per second through the real binary: `builtin = "noop"` steps against the
//! bare SQLite commit loop, `run = "true"` steps against the bare spawn loop.
//!
//! The rate counts every step orch commits (the user's steps plus `Start` and `Done`)
//! over the wall time of the whole `orch workflow run`, start-up included.

use std::time::Instant;

use crate::support::{Project, Res, workflow_toml};

/// Steps per second of a workflow of `n` steps with body `step`; the best of `rounds`.
pub fn orch_steps_per_sec(step: &str, n: usize, sync: &str, rounds: usize) -> Res<f64> {
    let p = Project::new()?;
    p.write("workflows/w.toml", &workflow_toml("w", n, step))?;
    p.run(&["db", "migrate"])?;
    let mut best = 0.0_f64;
    for _ in 0..rounds {
        let mut cmd = p.orch(&["workflow", "run", "w"]);
        cmd.env("ORCH_SYNC", sync);
        let t = Instant::now();
        crate::support::run_ok(&mut cmd, "workflow run w")?;
        best = best.max((n + 2) as f64 / t.elapsed().as_secs_f64());
    }
    Ok(best)
}
