//! Tasks, schedules and the scheduler, through the real binary. The scheduler's clock is
//! pinned with `ORCH_NOW` (an RFC 3339 time), which exists for tests like these.

use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::Project;
use super::both;

/// A task that appends a line to `runs.log` each time it runs.
fn counting_task(p: &Project, name: &str, schedule: &str) {
    p.write(
        &format!("workflows/{name}.toml"),
        &format!(
            "name = \"{name}\"\ntarget = \"system\"\n[[step]]\nname = \"Count\"\nrun = \"echo {name} >> runs.log\"\n{schedule}"
        ),
    );
}

fn runs(p: &Project) -> Vec<String> {
    std::fs::read_to_string(p.path().join("runs.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs orch with the scheduler's clock at `now`: (exit code, stdout, stderr).
fn run_at(p: &Project, now: &str, args: &[&str]) -> (i32, String, String) {
    let out = p.orch().env("ORCH_NOW", now).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `orch scheduler run --once` with the clock at `now`.
fn once_at(p: &Project, now: &str) -> (i32, String, String) {
    run_at(p, now, &["scheduler", "run", "--once"])
}

/// `orch -o json scheduler run --once` with the clock at `now`: (exit code, its JSON,
/// stderr).
fn once_json_at(p: &Project, now: &str) -> (i32, Value, String) {
    let (code, out, err) = run_at(p, now, &["-o", "json", "scheduler", "run", "--once"]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v, err)
}

/// Starts orch in the background, its stderr captured.
fn spawn(p: &Project, now: Option<&str>, args: &[&str]) -> Child {
    let mut c = p.command();
    c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    if let Some(now) = now {
        c.env("ORCH_NOW", now);
    }
    c.spawn().unwrap()
}

fn later(d: Duration) -> String {
    (jiff::Timestamp::now() + d).to_string()
}

/// A step that exits 75 (waiting) the first time it runs in a process, then 0.
fn flaky_task(p: &Project) {
    p.script(
        "workflows/scripts/flaky.sh",
        "cat >/dev/null\nm=\"marker-$ORCH_PROCESS_ID\"\nif [ -f \"$m\" ]; then echo '{\"ok\": true}'; exit 0; fi\ntouch \"$m\"; echo 'API down' >&2; exit 75",
    );
    p.write(
        "workflows/flaky.toml",
        "name = \"flaky\"\ntarget = \"system\"\n[[step]]\nname = \"Call API\"\nrun = \"workflows/scripts/flaky.sh\"\n",
    );
}

fn start_waiting(p: &Project) -> String {
    let v = p.json_exiting(&["workflow", "run", "flaky"], 5);
    assert_eq!(v["status"], "waiting");
    v["id"].as_str().unwrap().to_string()
}

fn task_list_shows_project_tasks_and_the_builtins() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1h\"\n");
    counting_task(
        &p,
        "nightly",
        "[schedule]\ncron = \"0 3 * * mon-fri\"\ntimezone = \"UTC\"\n",
    );
    p.write(
        "workflows/create.toml",
        "name = \"create_x\"\ntarget = \"create\"\nproducts = [\"X\"]\n[[step]]\nname = \"a\"\nrun = \"true\"\n",
    );
    let v = p.json(&["task", "list"]);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "nightly",
            "tick",
            "resume_waiting",
            "cleanup_tasks",
            "validate_subscriptions"
        ]
    );
    assert_eq!(v[1]["schedule"]["every"], "1h");
    assert_eq!(v[0]["schedule"]["cron"], "0 3 * * mon-fri");
    assert_eq!(v[2]["builtin"], true);
    assert_eq!(v[2]["schedule"], Value::Null);
    let (code, out, _) = p.run(&["task", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("every 1h"), "{out}");
    assert!(out.contains("cron 0 3 * * mon-fri (UTC)"), "{out}");
}

fn task_run_is_workflow_run_for_tasks() {
    let p = Project::new();
    counting_task(&p, "tick", "");
    p.write(
        "workflows/create.toml",
        "name = \"create_x\"\ntarget = \"create\"\nproducts = [\"X\"]\n[[step]]\nname = \"a\"\nrun = \"true\"\n",
    );
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = \"Fail\"\nrun = \"exit 9\"\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "task", "run", "tick", "--input", "who=me"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["who"], "me");
    assert_eq!(runs(&p), ["tick"]);

    let (code, _, err) = p.run(&["task", "run", "broken"]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = p.run(&["task", "run", "create_x"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a task") && err.contains("orch workflow run create_x"),
        "{err}"
    );
    let (code, _, err) = p.run(&["task", "run", "nope"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("orch task list"), "{err}");
}

#[test]
fn bad_schedules_are_reported_at_file_line_col() {
    let p = Project::new();
    counting_task(&p, "bad", "[schedule]\ncron = \"0 25 * * *\"\n");
    counting_task(
        &p,
        "zone",
        "[schedule]\ncron = \"0 3 * * *\"\ntimezone = \"Mars/Olympus\"\n",
    );
    p.write(
        "orch.toml",
        "task_retention = \"a while\"\n[schedule.cleanup_tasks]\nevery = \"1d\"\n[schedule.tick]\nevery = \"1h\"\n",
    );
    counting_task(&p, "resume_waiting", "");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/bad.toml:7:1: schedule.cron: cron `0 25 * * *`: hour: `25` is out of range 0-23 (column 3)"),
        "{err}"
    );
    assert!(
        err.contains("workflows/zone.toml:8:") && err.contains("unknown time zone `Mars/Olympus`"),
        "{err}"
    );
    assert!(
        err.contains("orch.toml:1:") && err.contains("task_retention"),
        "{err}"
    );
    assert!(
        err.contains("orch.toml:4:") && err.contains("`tick` is not a built-in task"),
        "{err}"
    );
    assert!(err.contains("is the name of a built-in task"), "{err}");
    // A wrong `step_timeout`, which every run would use, stops orch with its line.
    let config = std::fs::read_to_string(p.path().join("orch.toml")).unwrap();
    p.write(
        "orch.toml",
        &format!("step_timeout = \"forever\"\n{config}"),
    );
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("orch.toml:1:16: step_timeout: `forever` is not a duration"),
        "{err}"
    );
    p.write("orch.toml", &config);
    // The scheduler warns about broken files and runs the rest; the cleanup fails on
    // its bad retention. `--once` exits 1: a file that does not load may be a
    // scheduled task that never runs, which cron should hear of.
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("warning: workflows/bad.toml:7:"), "{err}");
    assert!(
        err.contains("task cleanup_tasks finished: process") && err.contains(" failed"),
        "{err}"
    );
}

fn scheduler_once_twice_runs_a_new_every_minute_task_once() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1m\"\n");
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("task tick started: process "), "{err}");
    assert!(
        err.contains("task tick finished: process ") && err.contains(" completed"),
        "{err}"
    );
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("task tick started"), "{err}");
    assert_eq!(runs(&p), ["tick"]);

    let v = p.json(&["schedule", "list"]);
    assert_eq!(v[0]["name"], "tick");
    assert_eq!(v[0]["every"], "1m");
    assert_eq!(v[0]["last_status"], "completed");
    assert_eq!(v[0]["due"], false);
    let id = v[0]["last_process"].as_str().unwrap();
    assert_eq!(p.json(&["process", "show", id])["workflow"], "tick");
}

fn an_injected_clock_runs_a_minute_task_once_a_minute_and_a_missed_one_once() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1m\"\n");
    let expected = [
        ("2030-01-01T00:00:00Z", 1), // never ran: due at once
        ("2030-01-01T00:00:30Z", 1),
        ("2030-01-01T00:01:00Z", 2),
        ("2030-01-01T00:01:59Z", 2),
        ("2030-01-01T00:02:01Z", 3),
        ("2030-01-01T05:00:00Z", 4), // the scheduler was down for five hours: one run
        ("2030-01-01T05:00:40Z", 4),
        ("2030-01-01T05:01:00Z", 5),
    ];
    for (now, count) in expected {
        let (code, _, err) = once_at(&p, now);
        assert_eq!(code, 0, "{err}");
        assert_eq!(runs(&p).len(), count, "at {now}: {err}");
    }
    let v = p.json(&["schedule", "list"]);
    assert_eq!(v[0]["last_run_at"], "2030-01-01T05:01:00.000000Z");
    let (_, out, _) = p.run(&["schedule", "list"]);
    assert!(out.contains("2030-01-01T05:01:00Z"), "{out}");
}

fn two_schedulers_racing_run_a_due_task_once() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1m\"\n");
    // Create the database first, so both racers only race for the run.
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    for round in 0..4 {
        let now = format!("2030-01-01T00:{:02}:00Z", round * 2);
        let once = ["scheduler", "run", "--once"];
        let a = spawn(&p, Some(&now), &once);
        let b = spawn(&p, Some(&now), &once);
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{err}");
        }
        assert_eq!(runs(&p).len(), round + 1, "round {round}");
    }
    let processes = p.json(&["process", "list", "--workflow", "tick"]);
    assert_eq!(processes.as_array().unwrap().len(), 4);
}

fn the_scheduler_retries_a_waiting_process_after_its_backoff() {
    let p = Project::new();
    flaky_task(&p);
    let id = start_waiting(&p);
    // Within the backoff nothing happens.
    let (code, _, err) = once_at(&p, &later(Duration::ZERO));
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "waiting");
    // After it, the process is claimed, retried and completes.
    let (code, _, err) = once_at(&p, &later(Duration::from_secs(2 * 3600)));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("process {id} (flaky) retried: completed")),
        "{err}"
    );
    let v = p.json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["ok"], true);
    let attempts: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Call API")
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(attempts, ["waiting", "success"]);
    // --no-retry-waiting leaves waiting processes alone.
    let other = start_waiting(&p);
    let two_hours_on = later(Duration::from_secs(7200));
    let (code, _, err) = run_at(
        &p,
        &two_hours_on,
        &["scheduler", "run", "--once", "--no-retry-waiting"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.json(&["process", "show", &other])["status"], "waiting");
}

fn resume_waiting_retries_every_waiting_process_and_reports_it() {
    let p = Project::new();
    flaky_task(&p);
    let first = start_waiting(&p);
    let second = start_waiting(&p);
    let (code, out, err) = p.run(&["-o", "json", "task", "run", "resume_waiting"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("process {first} (flaky): completed")),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["workflow"], "resume_waiting");
    assert_eq!(v["status"], "completed");
    let retried = v["state"]["retried"].as_array().unwrap();
    assert_eq!(retried.len(), 2, "{v}");
    assert_eq!(retried[0]["id"], first.as_str());
    assert_eq!(retried[1]["outcome"], "completed");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["Start", "Retry waiting processes", "Done"]);
    for id in [&first, &second] {
        assert_eq!(p.json(&["process", "show", id])["status"], "completed");
    }
}

fn cleanup_tasks_deletes_old_completed_task_runs_and_their_steps() {
    let p = Project::new();
    p.write("orch.toml", "task_retention = \"1h\"\n");
    counting_task(&p, "tick", "");
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = \"Fail\"\nrun = \"exit 9\"\n",
    );
    let old = p.json(&["task", "run", "tick"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let failed = p.json(&["task", "run", "broken"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Nothing is old enough yet.
    let v = p.json(&["task", "run", "cleanup_tasks"]);
    assert_eq!(v["state"]["deleted_runs"], 0, "{v}");
    // Two hours on, the completed runs (the first cleanup included) go; the failed one stays.
    let two_hours_on = later(Duration::from_secs(7200));
    let (_, out, _) = run_at(
        &p,
        &two_hours_on,
        &["-o", "json", "task", "run", "cleanup_tasks"],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["deleted_runs"], 2, "{v}");
    assert_eq!(p.run(&["process", "show", &old]).0, 6);
    assert_eq!(p.json(&["process", "show", &failed])["status"], "failed");
    let count = |sql: &str| -> i64 { p.sql(sql)[0][0].parse().unwrap() };
    let steps = count(&format!(
        "SELECT count(*) FROM process_steps WHERE process_id = '{old}'"
    ));
    assert_eq!(steps, 0);
    // Events are history and stay.
    let events = count(&format!(
        "SELECT count(*) FROM events WHERE process_id = '{old}'"
    ));
    assert!(events > 0);
}

fn builtins_are_scheduled_in_orch_toml_and_listed() {
    let p = Project::new();
    p.write(
        "orch.toml",
        "[schedule.cleanup_tasks]\ncron = \"30 2 * * *\"\ntimezone = \"UTC\"\n",
    );
    // `orch init` makes the database of a real project; a reader never does.
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let v = p.json(&["schedule", "list"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "cleanup_tasks");
    assert_eq!(v[0]["source"], "built-in");
    assert_eq!(v[0]["due"], true);
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("task cleanup_tasks finished: process") && err.contains("completed"),
        "{err}"
    );
    let (_, out, _) = run_at(
        &p,
        "2030-01-01T00:10:00Z",
        &["-o", "json", "schedule", "list"],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["next_run_at"], "2030-01-01T02:30:00.000000Z");
    assert_eq!(v[0]["due"], false);
    assert_eq!(v[0]["last_status"], "completed");
}

fn once_exits_0_when_it_ran_what_was_due_whatever_the_processes_did() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1m\"\n");
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = \"Fail\"\nrun = \"exit 9\"\n[schedule]\nevery = \"1m\"\n",
    );
    // A paused engine: nothing starts, and the tasks stay due.
    let (code, _, err) = p.run(&["engine", "pause"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the engine is paused"), "{err}");
    assert!(!err.contains("started"), "{err}");
    assert_eq!(p.json(&["process", "list"]), serde_json::json!([]));
    let (code, _, err) = p.run(&["engine", "resume"]);
    assert_eq!(code, 0, "{err}");
    // A failed process is the process's outcome, said in its line; the scheduler did
    // its work (the exit codes 3, 4 and 5 are those of commands that drive one process).
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("task broken finished: process") && err.contains(" failed"),
        "{err}"
    );
    assert_eq!(runs(&p), ["tick"]);
    let (_, help, _) = p.run(&["scheduler", "run", "--help"]);
    assert!(help.contains("is not the scheduler's failure"), "{help}");
}

fn sigterm_stops_the_scheduler_and_leaves_the_task_retryable() {
    let p = Project::new();
    p.write(
        "workflows/slow.toml",
        "name = \"slow\"\ntarget = \"system\"\n[[step]]\nname = \"Slow\"\nrun = \"touch started; sleep 60\"\n[schedule]\nevery = \"1h\"\n",
    );
    let mut child = spawn(&p, None, &["scheduler", "run"]);
    let started = p.path().join("started");
    for _ in 0..600 {
        if started.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.exists(), "the task never started");
    // SAFETY: the pid is our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("the scheduler did not stop on SIGTERM");
    };
    let err = String::from_utf8_lossy(&child.wait_with_output().unwrap().stderr).into_owned();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("scheduler stopped"), "{err}");
    assert!(
        err.contains("task slow finished: process") && err.contains("interrupted"),
        "{err}"
    );
    let list = p.json(&["process", "list", "--workflow", "slow"]);
    let id = list[0]["id"].as_str().unwrap();
    assert_eq!(list[0]["status"], "failed");
    let (code, _, err) = p.run(&["process", "retry", id, "--plan"]);
    assert_eq!(code, 0, "{err}");
}

/// One `scheduler run --once` retries a waiting process once, however far ahead its
/// clock is pinned: the retry's next time comes from the real clock, which the pinned
/// one had always passed, and it went round without end.
fn scheduler_once_retries_a_waiting_process_once_a_pass() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Try\"\nrun = \"cat >/dev/null; echo x >> tries.txt; exit 75\"\n");
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 5);
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    let tries = std::fs::read_to_string(p.path().join("tries.txt")).unwrap();
    assert_eq!(tries.lines().count(), 2, "{err}");
}

/// A task with a form, scheduled: `region` as given in `field`.
fn report_task(p: &Project, field: &str) {
    p.write(
        "workflows/report.toml",
        &format!(
            "name = \"report\"\ntarget = \"system\"\n[[form]]\nfields = [ {field} ]\n[[step]]\nname = \"Write\"\nrun = \"cat >/dev/null; echo '{{}}'\"\n[schedule]\nevery = \"1h\"\n"
        ),
    );
}

fn a_scheduled_run_answers_its_form_with_the_defaults_or_does_not_start() {
    let p = Project::new();
    // A required field without a default is refused where it is written.
    report_task(&p, "{ name = \"region\", type = \"text\" }");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/report.toml:4:")
            && err.contains("`region` is required and has no default"),
        "{err}"
    );
    assert!(err.contains("give it a `default`"), "{err}");
    // With a default, the run starts with it (as `task run` would answer the form).
    report_task(
        &p,
        "{ name = \"region\", type = \"text\", default = \"eu\" }, { name = \"note\", type = \"text\", required = false }",
    );
    assert_eq!(p.run(&["workflow", "check"]).0, 0);
    let (code, v, err) = once_json_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    let id = v["ran"][0]["id"].as_str().unwrap().to_string();
    let shown = p.json(&["process", "show", &id]);
    assert_eq!(shown["status"], "completed");
    assert_eq!(shown["state"]["region"], "eu", "{shown}");
    // A default that is no longer a choice: nothing starts, the log and the exit code
    // say why, and the run stays due.
    report_task(
        &p,
        "{ name = \"region\", type = \"choice\", choices_from = \"echo '[\\\"us\\\"]'\", default = \"eu\" }",
    );
    let (code, v, err) = once_json_at(&p, "2030-01-01T02:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("task report not started: its form cannot be answered with its defaults")
            && err.contains("region"),
        "{err}"
    );
    assert_eq!(v["ran"][0]["id"], Value::Null, "{v}");
    assert!(
        v["ran"][0]["error"].as_str().unwrap().contains("region"),
        "{v}"
    );
    assert_eq!(p.json(&["process", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(p.json(&["schedule", "list"])[0]["due"], true);
}

fn scheduler_once_json_lists_the_runs_with_their_outcome() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1m\"\n");
    let (code, v, err) = once_json_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["ran"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["ran"][0]["workflow"], "tick");
    assert_eq!(v["ran"][0]["outcome"], "completed");
    assert_eq!(v["ran"][0]["error"], Value::Null);
    assert!(v["ran"][0]["id"].is_string(), "{v}");
    // Nothing due: an empty list, still on stdout.
    let (code, v, err) = once_json_at(&p, "2030-01-01T00:00:10Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(v, serde_json::json!({"ran": []}));
}

fn cleanup_tasks_keeps_task_runs_a_kept_process_refers_to() {
    let p = Project::new();
    p.write("orch.toml", "task_retention = \"1h\"\n");
    counting_task(&p, "kid", "");
    counting_task(&p, "tick", "");
    let task = |name: &str, steps: &str| {
        p.write(
            &format!("workflows/{name}.toml"),
            &format!("name = \"{name}\"\ntarget = \"system\"\n{steps}"),
        );
    };
    let kid = "[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n";
    task("pair", kid);
    task("held", kid);
    task(
        "asking",
        &format!(
            "{kid}[[step]]\nname = \"Ask\"\ninput.fields = [ {{ name = \"x\", type = \"text\" }} ]\n"
        ),
    );
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let child_of = |parent: &str| {
        p.sql_column(&format!(
            "SELECT process_id FROM processes WHERE parent_id = '{parent}'"
        ))[0]
            .clone()
    };
    let tick = id(p.json(&["task", "run", "tick"]));
    let pair = id(p.json(&["task", "run", "pair"]));
    let held = id(p.json(&["task", "run", "held"]));
    let (_, out, _) = p.run(&["-o", "json", "task", "run", "asking"]);
    let asking = id(serde_json::from_str(&out).unwrap());
    assert_eq!(p.json(&["process", "show", &asking])["status"], "suspended");
    let (pair_kid, held_kid, asking_kid) = (child_of(&pair), child_of(&held), child_of(&asking));
    // The child of `held` is kept (it changed recently): its parent must stay too.
    p.sql(&format!(
        "UPDATE processes SET last_modified_at = '2999-01-01T00:00:00.000000Z' WHERE process_id = '{held_kid}'"
    ));
    let (code, out, err) = run_at(
        &p,
        &later(Duration::from_secs(7200)),
        &["-o", "json", "task", "run", "cleanup_tasks"],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"]["deleted_runs"], 3, "{v}");
    for gone in [&tick, &pair, &pair_kid] {
        assert_eq!(p.run(&["process", "show", gone]).0, 6, "{gone}");
    }
    for kept in [&held, &held_kid, &asking, &asking_kid] {
        assert_eq!(p.run(&["process", "show", kept]).0, 0, "{kept}");
    }
    let (code, out, err) = p.run(&["-o", "json", "db", "check"]);
    assert_eq!(code, 0, "{out}{err}");
    // A child whose parent an older cleanup deleted is reported.
    p.sql(&format!(
        "UPDATE processes SET parent_id = 'gone' WHERE process_id = '{asking_kid}'"
    ));
    let (code, out, err) = p.run(&["db", "check"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("1 process(es) whose parent_id names no process"),
        "{out}{err}"
    );
}

fn schedule_list_says_a_last_run_in_the_future_and_a_never_cron_is_refused() {
    let p = Project::new();
    counting_task(&p, "tick", "[schedule]\nevery = \"1h\"\n");
    let (code, _, err) = once_at(&p, "2030-01-01T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run_at(&p, "2024-01-01T00:00:00Z", &["schedule", "list"]);
    assert!(
        out.contains("now (its last run is in the future: the clock moved back)"),
        "{out}"
    );
    counting_task(&p, "never", "[schedule]\ncron = \"0 0 30 2 *\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/never.toml:7:") && err.contains("never matches"),
        "{err}"
    );
}

#[test]
fn an_empty_db_in_orch_toml_is_said_there_and_a_missing_db_folder_is_refused() {
    let p = Project::new();
    p.write("orch.toml", "db = \"\"\n");
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("orch.toml:1:") && err.contains("`db` is empty"),
        "{err}"
    );
    std::fs::remove_file(p.path().join("orch.toml")).unwrap();
    let (code, _, err) = p.run(&["--db", "no/such/orch.db", "db", "migrate"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("does not exist") && err.contains("mkdir -p"),
        "{err}"
    );
    assert!(!p.path().join("no").exists());
    let (code, _, err) = p
        .orch()
        .env("ORCH_DB", p.path().join("no/orch.db"))
        .args(["workflow", "run", "x"])
        .output()
        .map(|o| {
            (
                o.status.code().unwrap_or(-1),
                (),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert_eq!(code, 6, "{err}");
    assert!(!p.path().join("no").exists());
}

both!(
    scheduler_once_retries_a_waiting_process_once_a_pass,
    task_list_shows_project_tasks_and_the_builtins,
    task_run_is_workflow_run_for_tasks,
    scheduler_once_twice_runs_a_new_every_minute_task_once,
    an_injected_clock_runs_a_minute_task_once_a_minute_and_a_missed_one_once,
    two_schedulers_racing_run_a_due_task_once,
    the_scheduler_retries_a_waiting_process_after_its_backoff,
    resume_waiting_retries_every_waiting_process_and_reports_it,
    cleanup_tasks_deletes_old_completed_task_runs_and_their_steps,
    builtins_are_scheduled_in_orch_toml_and_listed,
    once_exits_0_when_it_ran_what_was_due_whatever_the_processes_did,
    sigterm_stops_the_scheduler_and_leaves_the_task_retryable,
    a_scheduled_run_answers_its_form_with_the_defaults_or_does_not_start,
    scheduler_once_json_lists_the_runs_with_their_outcome,
    cleanup_tasks_keeps_task_runs_a_kept_process_refers_to,
    schedule_list_says_a_last_run_in_the_future_and_a_never_cron_is_refused,
);
