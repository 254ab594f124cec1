//! Two orch processes writing one database at once: each runs short workflows back to
//! back, and none may fail with a busy or locked database. Together they must be at
//! least as fast as one orch running all the workflows alone.

use std::process::Stdio;
use std::time::Instant;

use crate::support::{Project, Res, ctx, workflow_toml};

pub struct Outcome {
    /// Seconds for one runner doing `2 * per_runner` workflows.
    pub alone: f64,
    /// Seconds for two runners doing `per_runner` each at the same time.
    pub together: f64,
    /// Failed runs, with their error.
    pub errors: Vec<String>,
}

/// Runs `n` workflows one after the other; returns the errors.
fn runner(p: &Project, n: usize) -> Res<Vec<String>> {
    let mut errors = Vec::new();
    for _ in 0..n {
        let out = ctx(
            p.orch(&["workflow", "run", "short"])
                .stdout(Stdio::null())
                .output(),
            "workflow run short",
        )?;
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || err.contains("busy") || err.contains("locked") {
            errors.push(format!("exit {}: {}", out.status, err.trim()));
        }
    }
    Ok(errors)
}

pub fn measure(per_runner: usize) -> Res<Outcome> {
    let p = Project::new()?;
    p.write(
        "workflows/short.toml",
        &workflow_toml("short", 3, "builtin = \"noop\""),
    )?;
    p.run(&["db", "migrate"])?;

    // One orch alone, before and after the pair; the faster of the two counts, so a
    // machine busy at either moment does not flatter the pair.
    let mut errors = Vec::new();
    let mut alone = f64::INFINITY;
    let mut run_alone = |errors: &mut Vec<String>| -> Res<()> {
        let t = Instant::now();
        errors.extend(runner(&p, 2 * per_runner)?);
        alone = alone.min(t.elapsed().as_secs_f64());
        Ok(())
    };
    run_alone(&mut errors)?;

    let t = Instant::now();
    let both = std::thread::scope(|s| {
        let a = s.spawn(|| runner(&p, per_runner));
        let b = s.spawn(|| runner(&p, per_runner));
        [a.join(), b.join()]
    });
    let together = t.elapsed().as_secs_f64();
    for r in both {
        match r {
            Ok(found) => errors.extend(found?),
            Err(_) => return Err("a runner thread panicked".into()),
        }
    }
    run_alone(&mut errors)?;
    Ok(Outcome {
        alone,
        together,
        errors,
    })
}
