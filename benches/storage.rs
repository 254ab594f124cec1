//! Storage and memory over a large state: a workflow whose steps each change one small
//! key of a 1 MiB state. The database must grow by what changed, not by a copy of the
//! state per step, and `process show --step` must still give the full state after any
//! step; the orch running it must not hold the state many times over.

use serde_json::{Value, json};

use crate::support::{Project, Res, ctx, run_measured, workflow_toml};

/// A realistic ~1 MiB state: an inventory of devices with ports.
pub fn big_state() -> Value {
    let mut devices = serde_json::Map::new();
    let mut i = 0;
    while serde_json::to_string(&devices).map_or(0, |s| s.len()) < 1024 * 1024 {
        for _ in 0..100 {
            i += 1;
            devices.insert(
                format!("node{i:05}"),
                json!({
                    "role": if i % 3 == 0 { "core" } else { "edge" },
                    "loopback": format!("10.{}.{}.1", i / 256, i % 256),
                    "ports": (1..=6).map(|p| format!("ge-0/0/{p}")).collect::<Vec<_>>(),
                    "netbox_id": i,
                }),
            );
        }
    }
    json!({ "devices": devices })
}

/// The step every storage and memory step runs: it records its own number.
const SET_STEP: &str = "builtin = \"set\"\nwith = { values = { counter = \"{n}\" } }";

/// A project holding the workflow `big` of `n` set steps and the state file `state.json`.
fn project(n: usize, state: &Value) -> Res<Project> {
    prepare(Project::new()?, n, state)
}

/// `p` with the workflow `big` of `n` set steps and the state file, its store migrated.
fn prepare(p: Project, n: usize, state: &Value) -> Res<Project> {
    p.write("workflows/big.toml", &workflow_toml("big", n, SET_STEP))?;
    p.write("state.json", &state.to_string())?;
    p.run(&["db", "migrate"])?;
    Ok(p)
}

pub struct Growth {
    pub bytes: u64,
    /// The steps whose full state `process show --step` gave correctly.
    pub checked: Vec<usize>,
}

/// Database growth of one run of `n` steps over `state` in a fresh SQLite project, with
/// the state after a few steps checked through `process show --step`.
pub fn growth(n: usize, state: &Value) -> Res<Growth> {
    growth_in(Project::new()?, n, state, Project::db_bytes)
}

/// [`growth`] in the project `p` (whose store is empty), the database's size as `size`
/// measures it.
pub fn growth_in(
    p: Project,
    n: usize,
    state: &Value,
    size: impl Fn(&Project) -> Res<u64>,
) -> Res<Growth> {
    let p = prepare(p, n, state)?;
    let before = size(&p)?;
    p.run(&["workflow", "run", "big", "--input-file", "state.json"])?;
    let after = size(&p)?;
    let id = p.newest_process()?;
    let checked = [1, n / 2, n];
    for &k in &checked {
        let step = format!("s{k}");
        let out = p.run(&["process", "show", &id, "--step", &step])?;
        let shown: Value = ctx(serde_json::from_str(&out), "process show --step JSON")?;
        let mut expected = state.clone();
        if let Some(o) = expected.as_object_mut() {
            o.insert("counter".into(), Value::String(k.to_string()));
        }
        if shown.get("state") != Some(&expected) {
            return Err(format!(
                "`process show --step {step}` does not give the full state after that step"
            ));
        }
    }
    Ok(Growth {
        bytes: after.saturating_sub(before),
        checked: checked.to_vec(),
    })
}

/// Peak resident memory (bytes) and wall seconds of orch running `n` set steps over `state`.
pub fn peak_rss(n: usize, state: &Value, sync: &str) -> Res<(u64, f64)> {
    let p = project(n, state)?;
    let mut cmd = p.orch(&["workflow", "run", "big", "--input-file", "state.json"]);
    cmd.env("ORCH_SYNC", sync)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let (status, took, rss) = run_measured(&mut cmd)?;
    if !status.success() {
        return Err(format!("`orch workflow run big` exited with {status}"));
    }
    Ok((rss, took.as_secs_f64()))
}
