//! `process abort` of a process a live orch runs at this moment (a worker, or a
//! `workflow run` in another terminal): the request, the owner stopping the step and
//! aborting the process, the command that waits for it, and the orch that ran it
//! saying so.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Project;
use super::both;
use super::workers::{signal, spawn_worker, wait_until};

/// The task `t`: its step `Long` marks that it started, sleeps `secs`, then marks
/// that it finished (`late`), which a step stopped in time never does. With
/// `ignore_term` the step ignores SIGTERM, so only the SIGKILL after the grace
/// stops it.
fn long_task(p: &Project, secs: u32, ignore_term: bool) {
    let trap = if ignore_term { "trap '' TERM\n" } else { "" };
    p.script(
        "workflows/scripts/long.sh",
        &format!(
            "cat >/dev/null\n{trap}echo $$ > \"started.$ORCH_PROCESS_ID\"\nsleep {secs}\ntouch late"
        ),
    );
    p.task("[[step]]\nname = \"Long\"\nrun = \"workflows/scripts/long.sh\"\n\n[[step]]\nname = \"After\"\nrun = \"touch after\"\n");
}

fn started(p: &Project, id: &str) -> bool {
    written(p, &format!("started.{id}"))
}

/// Whether `file` holds a line (a step wrote its pid there).
fn written(p: &Project, file: &str) -> bool {
    std::fs::read_to_string(p.path().join(file)).is_ok_and(|t| t.ends_with('\n'))
}

fn exists(p: &Project, name: &str) -> bool {
    Path::new(&p.path().join(name)).exists()
}

/// Whether the step's shell, whose pid it wrote to `file`, is gone.
fn gone(p: &Project, file: &str) -> bool {
    let pid: i32 = std::fs::read_to_string(p.path().join(file))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Dead, or dead and not reaped yet (a zombie).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            assert!(state.starts_with('Z') || state.starts_with('X'), "{stat}");
            true
        }
    }
}

fn process(p: &Project, id: &str) -> Value {
    p.ok_json(&["process", "show", id])
}

/// The process aborted while `step` ran, as the log, its status and its event say.
fn aborted_while(p: &Project, id: &str, step: &str) {
    let shown = process(p, id);
    assert_eq!(shown["status"], "aborted", "{shown}");
    assert_eq!(shown["abort_requested"], Value::Null, "{shown}");
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "abort", "{last}");
    assert_eq!(last["name"], step, "{last}");
    assert_eq!(
        last["error"],
        format!("aborted by tester while `{step}` ran; it may have done part of its work"),
        "{last}"
    );
    assert_eq!(last["created_by"], "tester", "{last}");
    let events = p.sql_column(&format!(
        "SELECT kind FROM events WHERE process_id = '{id}' AND kind = 'process.aborted'"
    ));
    assert_eq!(events.len(), 1, "{events:?}");
}

/// Waits for `worker` to carry out the abort asked of `id` while its step `Long` ran,
/// checks the log says so, then stops the worker, which exits 0.
fn the_worker_aborts_it(p: &Project, id: &str, worker: Child) {
    wait_until("the worker to abort it", || {
        process(p, id)["status"] == "aborted"
    });
    aborted_while(p, id, "Long");
    signal(&worker, libc::SIGTERM);
    assert_eq!(worker.wait_with_output().unwrap().status.code(), Some(0));
}

/// A worker runs a long step; `process abort` from another command stops its process
/// group and the worker aborts the process, then goes on with other work.
fn a_worker_aborts_the_process_it_runs_when_asked() {
    let p = Project::new();
    long_task(&p, 4, false);
    let id = p.queue("t");
    let worker = spawn_worker(&p, &["--lease", "3s"]);
    wait_until("the step to start", || started(&p, &id));
    let ran = Instant::now();
    std::thread::sleep(Duration::from_millis(1200));
    let asked = Instant::now();
    let (code, out, err) = p.run(&["-o", "json", "process", "abort", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "took {:?}",
        asked.elapsed()
    );
    assert!(
        err.contains("abort requested; waiting for orch pid ") && err.contains("to stop `Long`"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "aborted", "{v}");
    aborted_while(&p, &id, "Long");
    // The abort's row spans the time the step ran, not the instant it was stopped.
    let last = process(&p, &id)["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let at = |k: &str| {
        last[k]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
    };
    let spanned = at("finished_at")
        .duration_since(at("started_at"))
        .as_millis();
    let least = i128::try_from(Duration::from_millis(1200).as_millis()).unwrap();
    let most = i128::try_from(ran.elapsed().as_millis()).unwrap() + 1000;
    assert!(
        (least..most).contains(&spanned),
        "the row spans {spanned} ms: {last}"
    );
    assert!(gone(&p, &format!("started.{id}")));
    // Asked again, it says it is over already and where to see how it ended.
    let (code, _, err) = p.run(&["process", "abort", &id]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains(&format!("process {id} is aborted already"))
            && err.contains(&format!("see how it ended with `orch process show {id}`")),
        "{err}"
    );
    // The step's group is gone: it never reaches its end, nor does the next step run.
    std::thread::sleep(Duration::from_secs(5));
    assert!(!exists(&p, "late") && !exists(&p, "after"));
    // The worker goes on with other work.
    p.write("workflows/scripts/long.sh", "#!/bin/sh\ncat >/dev/null\n");
    let next = p.queue("t");
    wait_until("the next process to complete", || {
        process(&p, &next)["status"] == "completed"
    });
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "process {id} (t) was aborted by tester while `Long` ran"
        )),
        "{log}"
    );
}

/// A `workflow run` in another terminal whose process is aborted under it says so and
/// exits 7.
fn a_foreground_run_aborted_under_it_exits_7() {
    let p = Project::new();
    long_task(&p, 30, false);
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut id = String::new();
    wait_until("the step to start", || {
        let list = p.json(&["process", "list"]);
        match list[0]["id"].as_str() {
            Some(found) if started(&p, found) => {
                id = found.to_string();
                true
            }
            _ => false,
        }
    });
    let v = p.ok_json(&["process", "abort", &id]);
    assert_eq!(v["status"], "aborted", "{v}");
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(gone(&p, &format!("started.{id}")));
    assert!(
        err.contains(&format!(
            "process {id} was aborted by tester while `Long` ran"
        )),
        "{err}"
    );
    aborted_while(&p, &id, "Long");
    assert!(!exists(&p, "after"));
}

/// `--no-wait` records the request and returns at once with the process as it is,
/// the request shown; the worker aborts it all the same.
fn no_wait_records_the_request_and_returns_at_once() {
    let p = Project::new();
    long_task(&p, 30, false);
    let id = p.queue("t");
    let worker = spawn_worker(&p, &["--lease", "6s"]);
    wait_until("the step to start", || started(&p, &id));
    let v = p.ok_json(&["process", "abort", &id, "--no-wait"]);
    assert_eq!(v["status"], "running", "{v}");
    assert_eq!(v["abort_requested"]["by"], "tester", "{v}");
    assert!(v["abort_requested"]["at"].is_string(), "{v}");
    let (code, table, _) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0);
    if process(&p, &id)["status"] == "running" {
        assert!(table.contains("requested by tester"), "{table}");
    }
    // A second request is harmless.
    let (code, _, err) = p.run(&["process", "abort", &id, "--no-wait"]);
    assert_eq!(code, 0, "{err}");
    the_worker_aborts_it(&p, &id, worker);
}

/// A step that ignores SIGTERM is stopped only after its grace: a `--wait` shorter
/// than that exits 5, and the abort happens all the same.
fn a_wait_that_passes_exits_5_and_the_abort_still_happens() {
    let p = Project::new();
    long_task(&p, 30, true);
    let id = p.queue("t");
    let worker = spawn_worker(&p, &["--lease", "3s"]);
    wait_until("the step to start", || started(&p, &id));
    let (code, _, err) = p.run(&["process", "abort", &id, "--wait", "1s"]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains(&format!("process {id} is still running"))
            && err.contains("the request stays"),
        "{err}"
    );
    the_worker_aborts_it(&p, &id, worker);
}

/// Every running branch of a `parallel` group is stopped; the group's row is the
/// abort's.
fn an_abort_stops_every_running_branch_of_a_group() {
    let p = Project::new();
    p.script(
        "workflows/scripts/branch.sh",
        "cat >/dev/null\necho $$ > \"started.$1\"\nsleep 30\ntouch \"late.$1\"",
    );
    p.task(
        r#"[[step]]
name = "Fork"
[[step.parallel]]
name = "A"
steps = [ { name = "a", run = "workflows/scripts/branch.sh a" } ]
[[step.parallel]]
name = "B"
steps = [ { name = "b", run = "workflows/scripts/branch.sh b" } ]
"#,
    );
    let id = p.queue("t");
    let worker = spawn_worker(&p, &["--lease", "3s"]);
    wait_until("both branches to start", || {
        written(&p, "started.a") && written(&p, "started.b")
    });
    let v = p.ok_json(&["process", "abort", &id]);
    assert_eq!(v["status"], "aborted", "{v}");
    aborted_while(&p, &id, "Fork");
    // Both steps' shells are gone by the time the process is aborted.
    assert!(gone(&p, "started.a") && gone(&p, "started.b"));
    signal(&worker, libc::SIGTERM);
    assert_eq!(worker.wait_with_output().unwrap().status.code(), Some(0));
}

/// An orch that dies while the abort waits for it: the waiting command takes the
/// process over and aborts it, as it aborts one left by a dead orch.
fn an_owner_that_dies_meanwhile_leaves_the_abort_to_the_command() {
    let p = Project::new();
    long_task(&p, 30, false);
    let id = p.queue("t");
    // A long lease: its renewal, which would carry the abort out, is far off.
    let mut worker = spawn_worker(&p, &["--lease", "60s"]);
    wait_until("the step to start", || started(&p, &id));
    let abort = p
        .command()
        .args(["process", "abort", &id])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the request", || {
        !process(&p, &id)["abort_requested"].is_null()
    });
    signal(&worker, libc::SIGKILL);
    let _ = worker.wait();
    let out = abort.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let shown = process(&p, &id);
    assert_eq!(shown["status"], "aborted", "{shown}");
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "abort", "{last}");
    assert!(
        last["error"]
            .as_str()
            .unwrap()
            .contains("`Long` was in flight"),
        "{last}"
    );
}

/// A step that finishes after the request is committed as usual, and the commit,
/// which reads the request with the process row, starts no next step: long before
/// the next lease renewal would.
fn a_step_finished_after_the_request_is_kept_and_no_next_step_starts() {
    let (p, id, worker) = asked_while_first_runs("");
    wait_until("the worker to abort it", || {
        process(&p, &id)["status"] == "aborted"
    });
    let shown = process(&p, &id);
    let steps: Vec<(String, String)> = shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        steps[steps.len() - 2..],
        [
            ("First".into(), "success".into()),
            ("After".into(), "abort".into())
        ],
        "{shown}"
    );
    assert_eq!(
        shown["steps"].as_array().unwrap().last().unwrap()["error"],
        "aborted by tester before `After` started"
    );
    assert!(!exists(&p, "after"));
    signal(&worker, libc::SIGTERM);
    assert_eq!(worker.wait_with_output().unwrap().status.code(), Some(0));
}

/// A `workflow run` drives its child within the parent's step: an abort of the parent
/// stops the child's step too, and aborts both.
fn an_abort_of_a_parent_stops_the_child_its_run_drives() {
    let p = Project::new();
    p.script(
        "workflows/scripts/kid.sh",
        "cat >/dev/null\necho $$ > kid.pid\nsleep 30\ntouch late",
    );
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Slow\"\nrun = \"workflows/scripts/kid.sh\"\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n");
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the child's step to start", || written(&p, "kid.pid"));
    let parent = p.ok_json(&["process", "list", "--workflow", "t"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let child = p.ok_json(&["process", "list", "--parent", &parent])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "abort", &parent]);
    assert_eq!(code, 0, "{err}");
    let out = run.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{said}");
    assert!(gone(&p, "kid.pid"));
    aborted_while(&p, &parent, "Kid");
    let kid = process(&p, &child);
    assert_eq!(kid["status"], "aborted", "{kid}");
    let last = kid["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["error"], "aborted by tester while `Slow` ran; it may have done part of its work",
        "{last}"
    );
}

/// A step that fails as the request comes (before the owner stops it) leaves the
/// process at rest: the owner carries the request out all the same, so the process
/// ends aborted, never left failed for a later retry to abort instead.
fn a_process_that_comes_to_rest_with_a_request_is_aborted_by_its_orch() {
    let (p, id, worker) = asked_while_first_runs("\nexit 1");
    wait_until("the worker to abort it", || {
        process(&p, &id)["status"] != "running"
    });
    let shown = process(&p, &id);
    assert_eq!(shown["status"], "aborted", "{shown}");
    assert_eq!(shown["abort_requested"], Value::Null, "{shown}");
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "abort", "{last}");
    assert_eq!(
        last["error"], "aborted by tester as asked while it ran (it came to rest failed first)",
        "{last}"
    );
    assert_eq!(last["created_by"], "tester", "{last}");
    let events = p.sql_column(&format!(
        "SELECT kind FROM events WHERE process_id = '{id}' AND kind = 'process.aborted'"
    ));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(!exists(&p, "after"));
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!("process {id} (t) was aborted by tester as asked")),
        "{log}"
    );
}

/// A request whose orch is killed before it sees it: `process show` says that orch is
/// gone and what carries the request out, and the next worker aborts the process
/// before the step runs again, saying the attempt cut off may have done part of its
/// work (it did start).
fn a_request_left_by_a_killed_orch_is_carried_out_by_the_next_one() {
    let p = Project::new();
    long_task(&p, 30, false);
    let id = p.queue("t");
    let mut worker = spawn_worker(&p, &["--lease", "2s"]);
    wait_until("the step to start", || started(&p, &id));
    let v = p.ok_json(&["process", "abort", &id, "--no-wait"]);
    assert_eq!(v["abort_requested"]["by"], "tester", "{v}");
    signal(&worker, libc::SIGKILL);
    let _ = worker.wait();
    wait_until("the lease to run out", || process(&p, &id)["stale"] == true);
    let (code, table, err) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("is gone; the next orch that picks it up aborts it before any step")
            && table.contains(&format!("`orch process abort {id}` does now")),
        "{table}"
    );
    let worker = spawn_worker(&p, &["--lease", "3s"]);
    wait_until("the next worker to abort it", || {
        process(&p, &id)["status"] == "aborted"
    });
    let shown = process(&p, &id);
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "abort", "{last}");
    assert_eq!(
        last["error"],
        "aborted by tester before `Long` ran again; the attempt that was cut off may have done part of its work",
        "{last}"
    );
    assert_eq!(last["created_by"], "tester", "{last}");
    signal(&worker, libc::SIGTERM);
    assert_eq!(worker.wait_with_output().unwrap().status.code(), Some(0));
    // The killed worker's step is not this test's to leave behind.
    let pid: i32 = std::fs::read_to_string(p.path().join(format!("started.{id}")))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

both!(
    a_worker_aborts_the_process_it_runs_when_asked,
    a_foreground_run_aborted_under_it_exits_7,
    no_wait_records_the_request_and_returns_at_once,
    a_wait_that_passes_exits_5_and_the_abort_still_happens,
    an_abort_stops_every_running_branch_of_a_group,
    an_abort_of_a_parent_stops_the_child_its_run_drives,
    an_owner_that_dies_meanwhile_leaves_the_abort_to_the_command,
    a_step_finished_after_the_request_is_kept_and_no_next_step_starts,
    a_process_that_comes_to_rest_with_a_request_is_aborted_by_its_orch,
    a_request_left_by_a_killed_orch_is_carried_out_by_the_next_one,
);

/// A worker runs `First` (which waits for a file `go`, then ends with `ending`) and
/// then `After`; an abort is asked with `--no-wait` while `First` runs, and `go` is
/// written. The worker's lease is long, so no renewal comes before `First` ends: what
/// happens next is the step commit's doing.
fn asked_while_first_runs(ending: &str) -> (Project, String, std::process::Child) {
    let p = Project::new();
    p.script(
        "workflows/scripts/first.sh",
        &format!(
            "cat >/dev/null\necho $$ > \"started.$ORCH_PROCESS_ID\"\nwhile [ ! -f go ]; do sleep 0.05; done{ending}"
        ),
    );
    p.task("[[step]]\nname = \"First\"\nrun = \"workflows/scripts/first.sh\"\n\n[[step]]\nname = \"After\"\nrun = \"touch after\"\n");
    let id = p.queue("t");
    let worker = spawn_worker(&p, &["--lease", "60s"]);
    wait_until("the step to start", || started(&p, &id));
    let v = p.ok_json(&["process", "abort", &id, "--no-wait"]);
    assert_eq!(v["abort_requested"]["by"], "tester", "{v}");
    p.write("go", "");
    (p, id, worker)
}
