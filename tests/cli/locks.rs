//! Locks on shared resources (DESIGN §14) through the real binary: a step lock and a
//! workflow lock held against other processes, the waiting process naming the holder
//! (exit 5), `orch locks`, the wake-up of the first in line, abort, and templates.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Project;
use super::both;

/// Task `t`: `Reserve` holds the step lock `pool:<state.pool>` and, after noting
/// `<process> <pool>` in entered.log, waits for the file `go-<pool>`; `After` runs
/// without the lock.
fn gated_task(p: &Project) {
    p.script(
        "workflows/scripts/gate.sh",
        r#"state=$(cat)
pool=$(printf '%s' "$state" | sed 's/.*"pool":"\([^"]*\)".*/\1/')
echo "$ORCH_PROCESS_ID $pool" >> entered.log
while [ ! -f "go-$pool" ]; do sleep 0.02; done"#,
    );
    p.task(
        r#"
[[step]]
name = "Reserve"
run = "workflows/scripts/gate.sh"
locks = ["pool:{{ state.pool }}"]

[[step]]
name = "After"
builtin = "noop"
"#,
    );
}

fn entered(p: &Project) -> Vec<(String, String)> {
    std::fs::read_to_string(p.path().join("entered.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < until, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `orch workflow run WORKFLOW --input INPUT` started, its output piped.
fn spawn_run(p: &Project, workflow: &str, input: &str) -> Child {
    p.command()
        .args(["-o", "json", "workflow", "run", workflow, "--input", input])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child) -> (i32, Value, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn lock<'a>(locks: &'a Value, name: &str) -> &'a Value {
    locks
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no lock {name} in {locks}"))
}

/// The `lock.taken` events of a lock, oldest first: who got it, in order.
fn takers(p: &Project, name: &str) -> Vec<String> {
    p.ok_json(&["events", "--kind", "lock.taken", "--limit", "100000"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["lock"] == name)
        .map(|e| e["process_id"].as_str().unwrap().to_string())
        .collect()
}

fn a_step_lock_keeps_a_second_process_waiting_until_it_frees_for_it() {
    let p = Project::new();
    gated_task(&p);
    let first = spawn_run(&p, "t", "pool=a");
    wait_until("the first run to hold the lock", || entered(&p).len() == 1);
    let holder = entered(&p)[0].0.clone();

    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "pool=a"]);
    assert_eq!(code, 5, "a lock held by another is exit 5: {err}");
    let waiting: Value = serde_json::from_str(&out).unwrap();
    let waiter = waiting["id"].as_str().unwrap().to_string();
    assert_eq!(waiting["status"], "waiting");
    assert!(err.contains("is waiting for a lock"), "{err}");
    assert!(
        err.contains(&format!(
            "waiting for lock `pool:a`, held by process {holder} (t)"
        )),
        "the holder is named: {err}"
    );

    // Another pool is another lock: nothing holds it up.
    let other = spawn_run(&p, "t", "pool=b");
    wait_until("the run on pool b to enter", || entered(&p).len() == 2);
    std::fs::write(p.path().join("go-b"), "").unwrap();
    let (code, _, err) = finish(other);
    assert_eq!(code, 0, "{err}");

    let locks = p.ok_json(&["locks"]);
    let a = lock(&locks, "pool:a");
    assert_eq!(a["process_id"], holder.as_str());
    assert_eq!(a["step"], "Reserve");
    assert_eq!(a["workflow"], "t");
    assert_eq!(a["waiters"][0]["process_id"], waiter.as_str());
    assert_eq!(a["waiters"][0]["woken_at"], Value::Null);
    assert_eq!(
        locks.as_array().unwrap().len(),
        1,
        "pool:b was let go: {locks}"
    );
    let (_, table, _) = p.run(&["locks"]);
    assert!(
        table.contains("pool:a") && table.contains("step Reserve"),
        "{table}"
    );
    assert!(table.contains(&waiter), "{table}");

    let shown = p.ok_json(&["process", "show", &waiter]);
    assert_eq!(shown["lock"]["name"], "pool:a", "{shown}");
    assert_eq!(shown["lock"]["held_by"], holder.as_str());
    assert_eq!(shown["lock"]["position"], 1);
    assert_eq!(shown["lock"]["holder_at_rest"], Value::Null, "{shown}");
    assert_eq!(
        shown["run_after"],
        Value::Null,
        "no timer: the lock wakes it"
    );

    // The holder finishes: the lock is let go with its step and the waiter is due.
    std::fs::write(p.path().join("go-a"), "").unwrap();
    let (code, v, err) = finish(first);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["status"], "completed");
    let a = lock(&p.ok_json(&["locks"]), "pool:a").clone();
    assert_eq!(a["process_id"], Value::Null, "{a}");
    assert!(a["waiters"][0]["woken_at"].is_string(), "{a}");
    assert!(p.ok_json(&["process", "show", &waiter])["run_after"].is_string());

    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &waiter])["status"],
        "completed"
    );
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
    assert_eq!(takers(&p, "pool:a"), [holder, waiter]);
}

fn a_workflow_lock_is_held_from_start_to_done_and_let_go_on_abort() {
    let p = Project::new();
    p.task(
        r#"locks = ["device:{{ state.device }}"]
[[step]]
name = "Confirm"
input.fields = [ { name = "ok", type = "bool" } ]
"#,
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "device=r1"]);
    assert_eq!(code, 4, "{err}");
    let first = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = p.json_exiting(&["workflow", "run", "t", "--input", "device=r1"], 5);
    let second = v["id"].as_str().unwrap().to_string();
    let errors: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["error"].as_str())
        .collect();
    assert!(
        errors[0].starts_with(&format!(
            "waiting for lock `device:r1`, held by process {first}"
        )),
        "{errors:?}"
    );
    let held = lock(&p.ok_json(&["locks"]), "device:r1").clone();
    assert_eq!(held["process_id"], first.as_str());
    assert_eq!(held["step"], Value::Null, "a workflow lock: {held}");
    let (_, table, _) = p.run(&["locks"]);
    assert!(table.contains("the whole run"), "{table}");

    // Aborting the holder lets go of it; the waiter is next.
    let (code, _, err) = p.run(&["process", "abort", &first]);
    assert_eq!(code, 0, "{err}");
    let v = p.json_exiting(&["process", "retry", &second], 4);
    assert_eq!(v["status"], "suspended");
    assert_eq!(
        lock(&p.ok_json(&["locks"]), "device:r1")["process_id"],
        second.as_str()
    );
    let v = p.ok_json(&["process", "resume", &second, "--input", "ok=true"]);
    assert_eq!(v["status"], "completed");
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]), "Done lets go");
}

fn the_first_in_line_gets_a_freed_lock_and_nobody_overtakes_it() {
    let p = Project::new();
    gated_task(&p);
    let first = spawn_run(&p, "t", "pool=a");
    wait_until("the first run to hold the lock", || entered(&p).len() == 1);
    let holder = entered(&p)[0].0.clone();
    let second = p.json_exiting(&["workflow", "run", "t", "--input", "pool=a"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let third = p.json_exiting(&["workflow", "run", "t", "--input", "pool=a"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let queue: Vec<String> = lock(&p.ok_json(&["locks"]), "pool:a")["waiters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["process_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queue, [second.clone(), third.clone()]);
    let shown = p.ok_json(&["process", "show", &third]);
    assert_eq!(shown["lock"]["position"], 2, "{shown}");

    std::fs::write(p.path().join("go-a"), "").unwrap();
    assert_eq!(finish(first).0, 0);
    // The lock is free, but it is the second's: a retry of the third waits on.
    let (code, _, err) = p.run(&["process", "retry", &third]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains(&format!("process {second} (t) queued for it first")),
        "{err}"
    );
    // One worker run: the second, then (its lock let go) the third.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    for id in [&second, &third] {
        assert_eq!(p.ok_json(&["process", "show", id])["status"], "completed");
    }
    assert_eq!(takers(&p, "pool:a"), [holder, second, third]);
}

#[test]
fn a_lock_that_does_not_render_fails_its_step() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Reserve"
builtin = "noop"
locks = ["pool:{{ state.pool }}"]
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let err = v["steps"][1]["error"].as_str().unwrap();
    assert!(
        err.contains("lock `pool:{{ state.pool }}` does not render"),
        "{v}"
    );
}

fn a_process_that_goes_on_without_the_lock_leaves_its_queue() {
    let p = Project::new();
    gated_task(&p);
    let first = spawn_run(&p, "t", "pool=a");
    wait_until("the first run to hold the lock", || entered(&p).len() == 1);
    let ids: Vec<String> = (0..2)
        .map(|_| {
            p.json_exiting(&["workflow", "run", "t", "--input", "pool=a"], 5)["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // The second in line gives up on the lock: its step is skipped by hand.
    let v = p.ok_json(&["process", "skip", &ids[0]]);
    assert_eq!(v["status"], "completed", "{v}");
    let queue: Vec<Value> = lock(&p.ok_json(&["locks"]), "pool:a")["waiters"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["process_id"], ids[1].as_str());
    std::fs::write(p.path().join("go-a"), "").unwrap();
    assert_eq!(finish(first).0, 0);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &ids[1]])["status"],
        "completed"
    );
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// The wake-up reaches a waiter through every path that claims waiting processes: the
/// `resume_waiting` task leaves the queue as it is while the lock is held, and once it
/// frees `scheduler run` takes the first in line, whose release wakes the next.
fn a_freed_lock_wakes_its_waiters_through_the_scheduler_and_resume_waiting() {
    let p = Project::new();
    gated_task(&p);
    let first = spawn_run(&p, "t", "pool=a");
    wait_until("the first run to hold the lock", || entered(&p).len() == 1);
    let holder = entered(&p)[0].0.clone();
    let mut waiters = Vec::new();
    for _ in 0..2 {
        let v = p.json_exiting(&["workflow", "run", "t", "--input", "pool=a"], 5);
        waiters.push(v["id"].as_str().unwrap().to_string());
    }
    let queue = |p: &Project| -> Vec<String> {
        lock(&p.ok_json(&["locks"]), "pool:a")["waiters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["process_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(queue(&p), waiters);

    // Held: retrying every waiting process changes nobody's place.
    let (code, _, err) = p.run(&["task", "run", "resume_waiting"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(queue(&p), waiters, "resume_waiting reordered the queue");
    for w in &waiters {
        assert_eq!(p.ok_json(&["process", "show", w])["status"], "waiting");
    }

    std::fs::write(p.path().join("go-a"), "").unwrap();
    let (code, _, err) = finish(first);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &waiters[0]])["status"],
        "completed",
        "the scheduler took the first in line"
    );
    let (code, _, err) = p.run(&["task", "run", "resume_waiting"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &waiters[1]])["status"],
        "completed"
    );
    let mut order = vec![holder];
    order.extend(waiters);
    assert_eq!(takers(&p, "pool:a"), order);
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// A child workflow that names a lock its parent (or a parent of it) holds runs under
/// the parent's hold instead of waiting for it forever (it takes the lock within that
/// hold); the lock stays the parent's and keeps every other process out until the
/// parent lets go.
fn a_child_workflow_runs_under_the_lock_its_parent_holds() {
    let p = Project::new();
    p.script(
        "workflows/scripts/wait-go.sh",
        r#"echo "$ORCH_PROCESS_ID" >> entered.log
while [ ! -f go ]; do sleep 0.02; done"#,
    );
    p.write(
        "workflows/child.toml",
        r#"name = "child"
target = "system"
locks = ["device:{{ state.device }}"]
[[form]]
fields = [ { name = "device", type = "text" } ]
[[step]]
name = "Configure"
run = "workflows/scripts/wait-go.sh"
locks = ["device:{{ state.device }}"]
"#,
    );
    p.write(
        "workflows/parent.toml",
        r#"name = "parent"
target = "system"
locks = ["device:{{ state.device }}"]
[[form]]
fields = [ { name = "device", type = "text" } ]
[[step]]
name = "Configure the device"
workflow = "child"
input = { device = "{{ state.device }}" }
"#,
    );
    assert_eq!(p.run(&["workflow", "check"]).0, 0);
    let parent = spawn_run(&p, "parent", "device=r1");
    let log = p.path().join("entered.log");
    wait_until("the child to run its step", || log.exists());

    let held = lock(&p.ok_json(&["locks"]), "device:r1").clone();
    let parent_id = held["process_id"].as_str().unwrap().to_string();
    assert_eq!(held["workflow"], "parent", "{held}");
    p.task(
        r#"locks = ["device:{{ state.device }}"]
[[step]]
name = "a"
builtin = "noop"
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t", "--input", "device=r1"], 5);
    let outsider = v["id"].as_str().unwrap().to_string();

    std::fs::write(p.path().join("go"), "").unwrap();
    let (code, v, err) = finish(parent);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["id"], parent_id.as_str());
    assert_eq!(
        takers(&p, "device:r1"),
        std::slice::from_ref(&parent_id),
        "only the parent took the lock; its child ran under it"
    );
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &outsider])["status"],
        "completed"
    );
    assert_eq!(takers(&p, "device:r1"), [parent_id, outsider]);
}

/// Children under one parent's hold still take turns for the lock they name: each
/// takes it within that hold, one at a time, as unrelated processes take a lock.
fn sibling_children_take_turns_for_a_lock_within_their_parents_hold() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        r#"name = "kid"
target = "system"
locks = ["x:kids"]
[[step]]
name = "S"
run = "cat >/dev/null; echo \"start $ORCH_PROCESS_ID\" >> kids.log; sleep 0.3; echo \"end $ORCH_PROCESS_ID\" >> kids.log"
"#,
    );
    p.task(
        r#"locks = ["x:kids"]
[[step]]
name = "Init"
builtin = "set"
with = { values = { items = [1, 2, 3] } }
[[step]]
name = "Kids"
foreach = "state.items"
workflow = "kid"
"#,
    );
    // Run here, the two children that find the lock taken wait, and so does the
    // parent; a worker finishes them one after the other.
    let v = p.json_exiting(&["workflow", "run", "t"], 5);
    let parent = v["id"].as_str().unwrap().to_string();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &parent])["status"],
        "completed"
    );
    let log = std::fs::read_to_string(p.path().join("kids.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 6, "{log}");
    for pair in lines.chunks(2) {
        let (start, end) = (pair[0].strip_prefix("start "), pair[1].strip_prefix("end "));
        assert!(
            start.is_some() && start == end,
            "two children overlapped:\n{log}"
        );
    }
    let within = format!("x:kids (within the hold of {parent})");
    assert_eq!(takers(&p, "x:kids"), [parent]);
    assert_eq!(takers(&p, &within).len(), 3, "{log}");
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// A process waiting at `Start` for its workflow lock cannot be skipped past it: the
/// workflow would run without the lock, beside the process holding it.
fn a_wait_for_the_workflow_lock_cannot_be_skipped() {
    let p = Project::new();
    p.write(
        "workflows/t.toml",
        "name = \"t\"\ntarget = \"system\"\nlocks = [\"device\"]\n[[step]]\nname = \"Work\"\nrun = \"test -f ok\"\n",
    );
    let first = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = p.json_exiting(&["workflow", "run", "t"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "skip", &second]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("it cannot be skipped"), "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &second])["status"],
        "waiting"
    );
    assert_eq!(
        lock(&p.ok_json(&["locks"]), "device")["process_id"],
        first.as_str()
    );
}

/// A workflow whose `locks` changed since the process started says so, beside its
/// changed steps: `retry --plan` lists both, and so does the retry that takes the file.
fn a_retry_says_the_workflows_locks_changed_beside_its_steps() {
    let p = Project::new();
    p.task("locks = [\"pool:{{ state.pool }}\"]\n[[step]]\nname = \"A\"\nrun = \"exit 1\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "pool=a"]);
    assert_eq!(code, 3, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap();

    // Only the header changes: the plan names the key and both values.
    p.task("locks = [\"ipam:{{ state.pool }}\"]\n[[step]]\nname = \"A\"\nrun = \"exit 1\"\n");
    let plan = p.ok_json(&["process", "retry", id, "--plan"]);
    assert_eq!(
        plan["changes"],
        serde_json::json!([
            "~ `locks` changed (`pool:{{ state.pool }}` → `ipam:{{ state.pool }}`)"
        ]),
        "{plan}"
    );

    // A step changed too: both are said, by the plan and by the retry.
    p.task("locks = [\"ipam:{{ state.pool }}\"]\n[[step]]\nname = \"A\"\nrun = \"true\"\n");
    let plan = p.ok_json(&["process", "retry", id, "--plan"]);
    assert_eq!(
        plan["changes"],
        serde_json::json!([
            "~ step `A` changed",
            "~ `locks` changed (`pool:{{ state.pool }}` → `ipam:{{ state.pool }}`)"
        ]),
        "{plan}"
    );
    let (code, _, err) = p.run(&["process", "retry", id, "--use-current"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("~ step `A` changed")
            && err
                .contains("~ `locks` changed (`pool:{{ state.pool }}` → `ipam:{{ state.pool }}`)"),
        "{err}"
    );
}

/// A failed holder keeps its workflow lock, and a suspended one its step lock: the
/// process waiting for it is told so, with the commands that let it go, rather than
/// that it runs when the lock frees.
fn a_process_waiting_behind_a_holder_at_rest_is_told_how_to_free_the_lock() {
    let p = Project::new();
    p.task("locks = [\"pool:{{ state.pool }}\"]\n[[step]]\nname = \"A\"\nrun = \"test -f ok\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "pool=a"]);
    assert_eq!(code, 3, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let holder = v["id"].as_str().unwrap().to_string();

    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "pool=a"]);
    assert_eq!(code, 5, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let waiter = v["id"].as_str().unwrap().to_string();
    let told = format!(
        "hint: its holder, process {holder}, failed and keeps the lock until `orch process retry {holder}` takes it to the end or `orch process abort {holder}` lets it go"
    );
    assert!(err.contains(&told), "{err}");
    let (code, _, err) = p.run(&["process", "show", &waiter]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&told), "{err}");
    let v = p.ok_json(&["process", "show", &waiter]);
    assert_eq!(v["lock"]["holder_at_rest"], "failed", "{v}");
    // `orch locks` says the holder failed, and how its lock frees.
    let (code, table, err) = p.run(&["locks"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains(&format!("{holder} (failed)")), "{table}");
    assert!(
        err.contains(&format!(
            "hint: lock `pool:a`: its holder, process {holder}, failed"
        )),
        "{err}"
    );
    assert_eq!(
        lock(&p.ok_json(&["locks"]), "pool:a")["holder_status"],
        "failed"
    );

    // Aborted, the holder lets the lock go, and the waiter runs.
    p.ok_json(&["process", "abort", &holder]);
    std::fs::write(p.path().join("ok"), "").unwrap();
    let v = p.ok_json(&["process", "retry", &waiter]);
    assert_eq!(v["status"], "completed", "{v}");

    // A holder that awaits input keeps its lock until it is answered: said so too.
    p.task(
        "[[step]]\nname = \"Ask\"\nlocks = [\"pool:{{ state.pool }}\"]\ninput.fields = [ { name = \"ok\", type = \"accept\" } ]\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t", "--input", "pool=b"]);
    assert_eq!(code, 4, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let holder = v["id"].as_str().unwrap().to_string();
    let (code, _, err) = p.run(&["workflow", "run", "t", "--input", "pool=b"]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains(&format!(
            "hint: its holder, process {holder}, awaits input and keeps the lock until it goes on: `orch process resume {holder}` answers it"
        )),
        "{err}"
    );
}

/// A parent whose child queues behind a failed holder waits on nothing that moves by
/// itself: the run, `process show` and the dashboard's data say which child, which lock
/// and how to free it, rather than that a worker goes on with it.
fn a_parent_is_told_which_held_lock_its_child_waits_for() {
    let p = Project::new();
    p.task("locks = [\"pool:a\"]\n[[step]]\nname = \"A\"\nrun = \"test -f ok\"\n");
    p.write(
        "workflows/parent.toml",
        "name = \"parent\"\ntarget = \"system\"\n[[step]]\nname = \"Child\"\nforeach = \"[1]\"\nworkflow = \"t\"\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let holder = v["id"].as_str().unwrap().to_string();

    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "parent"]);
    assert_eq!(code, 5, "the child waits for a lock: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let parent = v["id"].as_str().unwrap().to_string();
    let child = p.ok_json(&["process", "list", "--parent", &parent]);
    let child = child[0]["id"].as_str().unwrap().to_string();
    assert!(
        err.contains(&format!(
            "is waiting for its child processes, which wait for locks their holders keep: {child} (t, waiting for lock `pool:a`, whose holder {holder} failed)"
        )),
        "{err}"
    );
    let told = format!(
        "hint: child process {child} waits for lock `pool:a`: its holder, process {holder}, failed and keeps the lock until `orch process retry {holder}` takes it to the end or `orch process abort {holder}` lets it go"
    );
    assert!(err.contains(&told), "{err}");
    assert!(
        err.contains(&format!(
            "hint: then `orch process retry {parent}` goes on (a worker does by itself)"
        )),
        "{err}"
    );
    assert!(!err.contains("come to rest"), "{err}");
    let (code, out, err) = p.run(&["process", "show", &parent]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("its child processes rest:"), "{out}");
    assert!(err.contains(&told), "{err}");

    // Once the holder lets the lock go, a retry of the parent takes its child on.
    p.ok_json(&["process", "abort", &holder]);
    std::fs::write(p.path().join("ok"), "").unwrap();
    let v = p.ok_json(&["process", "retry", &parent]);
    assert_eq!(v["status"], "completed", "{v}");
    let v = p.ok_json(&["process", "show", &child]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// Two children take turns for a lock held across an input: the parent waits (one
/// child awaits input, the other the lock). A `resume` of the parent is refused, and
/// says which child to answer, not that the parent goes on by itself.
fn a_parent_refusing_resume_names_the_child_to_answer() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Ask\"\nlocks = [\"dev:x\"]\ninput.fields = [ { name = \"ok\", type = \"accept\" } ]\n");
    p.write(
        "workflows/parent.toml",
        "name = \"parent\"\ntarget = \"system\"\n[[step]]\nname = \"Each\"\nforeach = \"[1, 2]\"\nworkflow = \"t\"\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "parent"]);
    assert_eq!(code, 4, "a child awaits input: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let parent = v["id"].as_str().unwrap().to_string();
    let children = p.ok_json(&["process", "list", "--parent", &parent]);
    let asking = children
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "suspended")
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no child awaits input: {children}"))
        .to_string();
    let (code, _, err) = p.run(&["process", "resume", &parent, "--input", "ok=true"]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains(&format!("hint: `orch process resume {asking} --form`")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "hint: then `orch process retry {parent}` goes on (a worker does by itself)"
        )),
        "{err}"
    );
    assert!(!err.contains("come to rest"), "{err}");
}

both!(
    a_process_waiting_behind_a_holder_at_rest_is_told_how_to_free_the_lock,
    a_parent_refusing_resume_names_the_child_to_answer,
    a_parent_is_told_which_held_lock_its_child_waits_for,
    a_retry_says_the_workflows_locks_changed_beside_its_steps,
    a_wait_for_the_workflow_lock_cannot_be_skipped,
    a_child_workflow_runs_under_the_lock_its_parent_holds,
    sibling_children_take_turns_for_a_lock_within_their_parents_hold,
    a_step_lock_keeps_a_second_process_waiting_until_it_frees_for_it,
    a_workflow_lock_is_held_from_start_to_done_and_let_go_on_abort,
    the_first_in_line_gets_a_freed_lock_and_nobody_overtakes_it,
    a_process_that_goes_on_without_the_lock_leaves_its_queue,
    a_freed_lock_wakes_its_waiters_through_the_scheduler_and_resume_waiting,
);
