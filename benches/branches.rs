//! Branches (issue 17, Speed): 100 branches of `sleep 1` at once, whose group must end
//! in little more than one step's own time; and a `foreach` over 1,000 items of one
//! `noop` step each, whose rate is compared with line 1's `noop` rate measured in the
//! same run.

use std::time::Instant;

use crate::support::{Project, Res, ctx};

/// A system workflow whose second step is a `foreach` over `n` items, `max_parallel`
/// at once, each branch one step with the TOML body `step`.
fn fanout(n: usize, max_parallel: usize, step: &str) -> String {
    let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!(
        "name = \"fan\"\ntarget = \"system\"\n\n[[step]]\nname = \"Seed\"\nbuiltin = \"set\"\nwith = {{ values = {{ items = [{}] }} }}\n\n[[step]]\nname = \"Each\"\nforeach = \"state.items\"\nmax_parallel = {max_parallel}\nsteps = [ {{ name = \"Work\", {step} }} ]\n",
        items.join(", ")
    )
}

/// A project with the fan-out workflow, migrated.
pub struct FanRun {
    project: Project,
    n: usize,
}

impl FanRun {
    pub fn new(n: usize, max_parallel: usize, step: &str) -> Res<FanRun> {
        let project = Project::new()?;
        project.write("workflows/fan.toml", &fanout(n, max_parallel, step))?;
        project.run(&["db", "migrate"])?;
        Ok(FanRun { project, n })
    }

    /// Steps per second of one run (the branches' steps, the join, `Start`, `Seed` and
    /// `Done`), over the wall time of the whole `orch workflow run`.
    pub fn rate(&self) -> Res<f64> {
        let mut cmd = self.project.orch(&["workflow", "run", "fan"]);
        let t = Instant::now();
        crate::support::run_ok(&mut cmd, "workflow run fan")?;
        Ok((self.n + 4) as f64 / t.elapsed().as_secs_f64())
    }

    /// One run: the group's own time (its row's start to its end) and the median time
    /// of one branch step, in seconds, and the run's wall time.
    pub fn group_time(&self) -> Res<(f64, f64, f64)> {
        let mut cmd = self.project.orch(&["workflow", "run", "fan"]);
        let t = Instant::now();
        crate::support::run_ok(&mut cmd, "workflow run fan")?;
        let wall = t.elapsed().as_secs_f64();
        let id = self.project.newest_process()?;
        let out = self.project.run(&["-o", "json", "process", "show", &id])?;
        let v: serde_json::Value = ctx(serde_json::from_str(&out), "process show JSON")?;
        let secs = |s: &serde_json::Value| -> Option<f64> {
            let a: jiff::Timestamp = s["started_at"].as_str()?.parse().ok()?;
            let b: jiff::Timestamp = s["finished_at"].as_str()?.parse().ok()?;
            Some(b.duration_since(a).as_secs_f64())
        };
        let steps = v["steps"].as_array().cloned().unwrap_or_default();
        let group = steps
            .iter()
            .rev()
            .find(|s| s["path"] == "Each")
            .and_then(secs)
            .ok_or("no row of the group")?;
        let branch: Vec<f64> = steps
            .iter()
            .filter(|s| s["branch"].is_string())
            .filter_map(secs)
            .collect();
        if branch.len() != self.n {
            return Err(format!("{} branch steps of {}", branch.len(), self.n));
        }
        Ok((group, crate::support::median(branch), wall))
    }
}
