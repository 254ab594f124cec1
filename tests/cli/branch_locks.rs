//! Step locks inside branches (DESIGN §13, §14) through the real binary: sibling
//! branches wanting one lock take turns within one run, a branch whose lock another
//! process holds rests its group `waiting` (exit 5) naming the holder while its
//! siblings finish, and the process is due again when the lock frees.

use serde_json::Value;

use super::branches::{THREE_DEVICES, last_row, rows};
use super::{Project, both};

/// `push.sh`: notes `<device> in` and `<device> out` in `pushes.log` around a short
/// sleep, and `overlap <device>` in `overlaps.log` when another push was inside the
/// guarded section (a directory only one process can create).
fn push_script(p: &Project) {
    p.script(
        "workflows/scripts/push.sh",
        r#"state=$(cat)
dev=$(printf '%s' "$state" | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
mkdir inside 2>/dev/null || echo "overlap $dev" >> overlaps.log
echo "$dev in" >> pushes.log
sleep 0.2
echo "$dev out" >> pushes.log
rmdir inside 2>/dev/null
echo '{}'"#,
    );
}

/// Task `t`: three devices, one branch each, whose `Push` step holds `lock`.
fn locked_foreach(p: &Project, lock: &str) {
    push_script(p);
    p.task(&format!(
        r#"{THREE_DEVICES}
[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
steps = [ {{ name = "Push", run = "workflows/scripts/push.sh", locks = ["{lock}"] }} ]
"#
    ));
}

fn log_lines(p: &Project, file: &str) -> Vec<String> {
    std::fs::read_to_string(p.path().join(file))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn event_kinds(p: &Project, id: &str, kind: &str) -> usize {
    let v = p.ok_json(&["events", "--process", id, "--kind", kind]);
    v.as_array().map_or(0, Vec::len)
}

fn sibling_branches_wanting_one_lock_take_turns_within_one_run() {
    let p = Project::new();
    locked_foreach(&p, "switch:core");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "a step lock inside a branch is valid: {err}");

    let v = p.ok_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "completed", "{v}");
    assert!(
        log_lines(&p, "overlaps.log").is_empty(),
        "{:?}",
        log_lines(&p, "pushes.log")
    );
    // One push at a time: each `in` is followed by its own `out`.
    let pushes = log_lines(&p, "pushes.log");
    assert_eq!(pushes.len(), 6, "{pushes:?}");
    for pair in pushes.chunks(2) {
        let dev = pair[0]
            .strip_suffix(" in")
            .unwrap_or_else(|| panic!("{pushes:?}"));
        assert_eq!(pair[1], format!("{dev} out"), "{pushes:?}");
    }
    // Each branch took the lock and let it go; none rested waiting for it.
    assert_eq!(event_kinds(&p, &id, "lock.taken"), 3);
    assert_eq!(event_kinds(&p, &id, "lock.released"), 3);
    for i in 0..3 {
        assert_eq!(
            rows(&v, &format!("Push every device [{i}] / Push")),
            [("success".to_string(), 1)],
            "{v}"
        );
    }
    let locks = p.ok_json(&["locks"]);
    assert_eq!(locks, serde_json::json!([]), "{locks}");
}

fn a_branch_whose_lock_another_process_holds_rests_until_it_frees() {
    let p = Project::new();
    locked_foreach(&p, "device:{{ state.device }}");
    // Another process holds r2's lock for its whole run and waits for an answer.
    p.write(
        "workflows/hold.toml",
        r#"name = "hold"
target = "system"
locks = ["device:r2"]

[[step]]
name = "Confirm"
input.fields = [ { name = "ok", type = "accept" } ]
"#,
    );
    let holder = p.json_exiting(&["workflow", "run", "hold"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();

    let v = p.json_exiting(&["workflow", "run", "t"], 5);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "waiting", "{v}");
    let group = last_row(&v, "Push every device");
    assert_eq!(group["error"], "1 of 3 branches wait for a lock", "{v}");
    let waited = last_row(&v, "Push every device [1] / Push");
    let why = waited["error"].as_str().unwrap_or_default();
    assert!(
        why.starts_with(&format!(
            "waiting for lock `device:r2`, held by process {holder} (hold)"
        )),
        "{v}"
    );
    // Its siblings finished; r2 did not run.
    let mut pushed = log_lines(&p, "pushes.log");
    pushed.sort();
    assert_eq!(pushed, ["r1 in", "r1 out", "r3 in", "r3 out"]);
    let (_, text, _) = p.run(&["process", "show", &id]);
    assert!(text.contains("waiting for lock `device:r2`"), "{text}");
    // Not due while the lock is held.
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "waiting");

    // The holder ends: the lock frees for the waiting process, which is due now.
    let (code, _, err) = p.run(&["process", "resume", &holder, "--input", "ok=true"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    // Only the waiting branch ran again.
    let mut pushed = log_lines(&p, "pushes.log");
    pushed.sort();
    assert_eq!(
        pushed,
        ["r1 in", "r1 out", "r2 in", "r2 out", "r3 in", "r3 out"]
    );
    assert_eq!(
        rows(&v, "Push every device [1] / Push"),
        [("waiting".to_string(), 1), ("success".to_string(), 2)],
        "{v}"
    );
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

fn a_branch_behind_a_sibling_that_holds_its_lock_at_an_input_step_waits_for_that_input() {
    let p = Project::new();
    push_script(&p);
    p.task(
        r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { device = "core1" } }

[[step]]
name = "Change"
[[step.parallel]]
name = "Ask"
steps = [ { name = "Confirm", locks = ["switch:core"], input.fields = [ { name = "ok", type = "accept" } ] } ]
[[step.parallel]]
name = "Push"
steps = [ { name = "Settle", builtin = "sleep", with = { duration = "300ms" } },
          { name = "Push", run = "workflows/scripts/push.sh", locks = ["switch:core"] } ]
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    // The lock is the confirming branch's until it is answered: the process is
    // suspended (not waiting for a worker that could do nothing).
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(
        last_row(&v, "Change")["error"],
        "1 of 2 branches await input; 1 wait for a lock a sibling branch holds",
        "{v}"
    );
    let why = last_row(&v, "Change / Push / Push")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        why.starts_with(
            "waiting for lock `switch:core`, held by step `Change / Ask / Confirm` of this process"
        ),
        "{why}"
    );
    assert!(log_lines(&p, "pushes.log").is_empty());
    let locks = p.ok_json(&["locks"]);
    assert_eq!(locks[0]["step"], "Change / Ask / Confirm", "{locks}");
    // The process does not queue behind itself: its branch waits in the run.
    assert_eq!(locks[0]["waiters"], serde_json::json!([]), "{locks}");

    let v = p.ok_json(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(log_lines(&p, "pushes.log"), ["core1 in", "core1 out"]);
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// A step lock held by a sibling branch is not a hold a child workflow runs within
/// (only a parent's workflow lock is): the child waits for it as any process does, and
/// runs once the step that holds it has ended.
fn a_child_waits_for_a_lock_a_sibling_branch_step_of_its_parent_holds() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        r#"name = "kid"
target = "system"
locks = ["switch:core"]
[[step]]
name = "Push"
run = "echo in >> kid.log"
"#,
    );
    p.task(
        r#"
[[step]]
name = "Change"
[[step.parallel]]
name = "Ask"
steps = [ { name = "Confirm", locks = ["switch:core"], input.fields = [ { name = "ok", type = "accept" } ] } ]
[[step.parallel]]
name = "Kid"
steps = [ { name = "Settle", builtin = "sleep", with = { duration = "300ms" } },
          { name = "Start kid", workflow = "kid" } ]
"#,
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 5, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    assert!(
        log_lines(&p, "kid.log").is_empty(),
        "the child ran inside the lock its parent's `Confirm` holds"
    );
    let kid = v["children"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(v["children"][0]["status"], "waiting", "{v}");
    let locks = p.ok_json(&["locks"]);
    assert_eq!(locks[0]["name"], "switch:core", "{locks}");
    assert_eq!(locks[0]["process_id"], id.as_str(), "{locks}");
    assert_eq!(locks[0]["step"], "Change / Ask / Confirm", "{locks}");
    assert_eq!(
        locks[0]["waiters"][0]["process_id"],
        kid.as_str(),
        "{locks}"
    );

    // Answered, `Confirm` lets the lock go, and the child takes it: in this run, or,
    // when the child asked again before `Confirm` committed, once a worker picks it up
    // (the lock freed for it).
    let (code, _, err) = p.run(&[
        "process",
        "resume",
        &id,
        "--input",
        "Change / Ask / Confirm.ok=true",
    ]);
    assert!(code == 0 || code == 5, "{code}: {err}");
    if code == 5 {
        let (code, _, err) = p.run(&["worker", "--once"]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
    assert_eq!(log_lines(&p, "kid.log"), ["in"]);
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// Branches whose step lock is also the workflow's own lock take turns for it within
/// the process's hold, as they do without it (the workflow lock keeps other processes
/// out; it does not let the branches in at once).
fn sibling_branches_take_turns_for_the_workflows_own_lock() {
    let p = Project::new();
    push_script(&p);
    p.task(&format!(
        r#"locks = ["switch:core"]
{THREE_DEVICES}
[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
steps = [ {{ name = "Push", run = "workflows/scripts/push.sh", locks = ["switch:core"] }} ]
"#
    ));
    let v = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert!(
        log_lines(&p, "overlaps.log").is_empty(),
        "{:?}",
        log_lines(&p, "pushes.log")
    );
    let pushes = log_lines(&p, "pushes.log");
    assert_eq!(pushes.len(), 6, "{pushes:?}");
    for pair in pushes.chunks(2) {
        let dev = pair[0]
            .strip_suffix(" in")
            .unwrap_or_else(|| panic!("{pushes:?}"));
        assert_eq!(pair[1], format!("{dev} out"), "{pushes:?}");
    }
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

both!(
    sibling_branches_take_turns_for_the_workflows_own_lock,
    a_child_waits_for_a_lock_a_sibling_branch_step_of_its_parent_holds,
    sibling_branches_wanting_one_lock_take_turns_within_one_run,
    a_branch_behind_a_sibling_that_holds_its_lock_at_an_input_step_waits_for_that_input,
    a_branch_whose_lock_another_process_holds_rests_until_it_frees,
);
