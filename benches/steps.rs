//! Durable steps per second through the real binary: `builtin = "noop"` steps against the
//! bare SQLite commit loop, `run = "true"` steps against the bare spawn loop.
//!
//! The rate counts every step orch commits (the user's steps plus `Start` and `Done`)
//! over the wall time of the whole `orch workflow run`, start-up included.

use std::time::Instant;

use crate::support::{Project, Res, workflow_toml};

/// A project holding a workflow of `n` steps with body `step`, ready to run.
pub struct StepsRun {
    project: Project,
    n: usize,
}

impl StepsRun {
    pub fn new(step: &str, n: usize) -> Res<StepsRun> {
        StepsRun::in_project(Project::new()?, step, n)
    }

    /// The workflow in `project`, whose store is then migrated.
    pub fn in_project(project: Project, step: &str, n: usize) -> Res<StepsRun> {
        project.write("workflows/w.toml", &workflow_toml("w", n, step))?;
        project.run(&["db", "migrate"])?;
        Ok(StepsRun { project, n })
    }

    /// Steps per second of one run of the workflow with `ORCH_SYNC=sync`.
    pub fn round(&self, sync: &str) -> Res<f64> {
        let mut cmd = self.project.orch(&["workflow", "run", "w"]);
        cmd.env("ORCH_SYNC", sync);
        let t = Instant::now();
        crate::support::run_ok(&mut cmd, "workflow run w")?;
        Ok((self.n + 2) as f64 / t.elapsed().as_secs_f64())
    }
}

/// WAL pages (frames) orch writes per committed `noop` step.
pub fn orch_pages_per_step(n: usize) -> Res<f64> {
    let run = StepsRun::new("builtin = \"noop\"", n)?;
    let frames =
        crate::support::wal_frames_during(&run.project.db(), || run.round("normal").map(|_| ()))?;
    Ok(frames as f64 / (n + 2) as f64)
}
