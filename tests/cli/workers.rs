//! Workers and the queue (DESIGN §12): `--queue`, `orch worker`, leases and takeover,
//! stopping with SIGTERM, `worker list`, and the engine switch.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Project;
use super::both;

/// A task whose steps record when they ran: `<process> <step> <start> <end>` per line
/// in `ran.log` (times in ms since the epoch), sleeping `ms` in each of `steps` steps.
fn timed_task(p: &Project, steps: usize, ms: u64) {
    p.script(
        "workflows/scripts/mark.sh",
        r#"cat >/dev/null
start=$(date +%s%3N)
sleep "$1"
echo "$ORCH_PROCESS_ID $ORCH_STEP $start $(date +%s%3N)" >> ran.log"#,
    );
    let mut text = String::new();
    for i in 1..=steps {
        text.push_str(&format!(
            "[[step]]\nname = \"s{i}\"\nrun = \"workflows/scripts/mark.sh {}\"\n",
            ms as f64 / 1000.0
        ));
    }
    p.task(&text);
}

/// The lines of `ran.log`: (process, step, start, end).
fn ran(p: &Project) -> Vec<(String, String, u64, u64)> {
    std::fs::read_to_string(p.path().join("ran.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.to_string(),
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

/// Makes the waiting process `id` due now, lets `worker --once` run it, and returns the
/// process as `process show` gives it then, with the worker's stderr.
fn run_due_now(p: &Project, id: &str) -> (Value, String) {
    p.sql(&format!(
        "UPDATE processes SET run_after = '2000-01-01T00:00:00.000000Z' WHERE process_id = '{id}'"
    ));
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    (p.ok_json(&["process", "show", id]), err)
}

fn queue(p: &Project, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let v = p.ok_json(&["workflow", "run", "t", "--queue"]);
            assert_eq!(v["status"], "created", "{v}");
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn statuses(p: &Project) -> Vec<String> {
    listed(p, &["process", "list", "--limit", "1000"])
}

/// The statuses of the processes a `process list` gives, newest first.
fn listed(p: &Project, args: &[&str]) -> Vec<String> {
    let list = p.ok_json(args);
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap().to_string())
        .collect()
}

/// [`statuses`] of the processes of the task `t`.
fn tasks(p: &Project) -> Vec<String> {
    listed(p, &["process", "list", "--workflow", "t"])
}

pub(super) fn spawn_worker(p: &Project, args: &[&str]) -> Child {
    p.command()
        .arg("worker")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub(super) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("gave up waiting for {what}");
}

pub(super) fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to a child we started.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// A worker with a free slot takes a newly queued process while others run: it does
/// not wait for them to end first.
fn a_busy_worker_takes_new_work_into_its_free_slots() {
    let p = Project::new();
    p.write(
        "workflows/long.toml",
        "name = \"long\"\ntarget = \"system\"\n[[step]]\nname = \"Hold\"\nrun = \"i=0; while [ ! -f release ] && [ $i -lt 1400 ]; do sleep 0.05; i=$((i+1)); done\"\n",
    );
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let long = p.queue("long");
    let worker = spawn_worker(&p, &["--concurrency", "4"]);
    wait_until("the long process to run", || {
        p.ok_json(&["process", "show", &long])["status"] == "running"
    });
    // Queued beside a live worker, which may claim it before `--queue` prints it.
    let quick = p.queue("t");
    wait_until("the quick one to complete", || {
        p.ok_json(&["process", "show", &quick])["status"] == "completed"
    });
    assert_eq!(p.ok_json(&["process", "show", &long])["status"], "running");
    p.write("release", "");
    wait_until("the long one to complete", || {
        p.ok_json(&["process", "show", &long])["status"] == "completed"
    });
    signal(&worker, libc::SIGTERM);
    let _ = worker.wait_with_output();
}

/// A process that rests because the engine paused, after a failure a retry made good,
/// shows no failed step.
fn a_failure_made_good_is_not_shown_as_the_cause() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nrun = \"test -f ok\"\n[[step]]\nname = \"B\"\nrun = \"touch b-started; i=0; while [ ! -f go ] && [ $i -lt 1400 ]; do sleep 0.05; i=$((i+1)); done\"\n[[step]]\nname = \"C\"\nbuiltin = \"noop\"\n");
    let id = p.json_exiting(&["workflow", "run", "t"], 3)["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.write("ok", "");
    assert_eq!(p.run(&["process", "retry", &id, "--queue"]).0, 0);
    let worker = spawn_worker(&p, &[]);
    wait_until("B to run", || p.path().join("b-started").exists());
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    p.write("go", "");
    wait_until("the process to rest", || {
        p.ok_json(&["process", "show", &id])["status"] == "waiting"
    });
    let (code, shown, err) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(!shown.contains("failed step"), "{shown}");
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    wait_until("it to complete", || {
        p.ok_json(&["process", "show", &id])["status"] == "completed"
    });
    signal(&worker, libc::SIGTERM);
    let _ = worker.wait_with_output();
}

/// Under a worker, a long wait between two attempts of a step's retry policy is spent
/// at rest (`waiting`, due when the next attempt is): no slot is held, the process can
/// be aborted meanwhile, and the attempts the policy made count across the rests.
fn a_long_retry_delay_rests_the_process_and_counts_its_attempts() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Flaky\"\nrun = \"echo x >> ran.txt; echo 'the device said no' >&2; exit 1\"\nretry = { attempts = 2, delay = \"1h\" }\n");
    let id = p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "waiting", "{v}");
    // The worker's line says why it waits, as `process show` does.
    let line = err
        .lines()
        .find(|l| l.contains(&format!("process {id} (t): waiting (")))
        .unwrap_or_default();
    assert!(line.contains("due in 1h"), "{err}");
    let flaky: Vec<&Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Flaky")
        .collect();
    assert_eq!(flaky.len(), 1, "{v}");
    let why = flaky[0]["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("exited with status 1")
            && why.contains("the next attempt of its retry policy is due in 1h (attempt 1 of 2)"),
        "{why}"
    );
    // Due now: the second attempt is the policy's last, and the process fails.
    let (v, err) = run_due_now(&p, &id);
    assert_eq!(v["status"], "failed", "{v}");
    // The worker's line says why, as `process show` does.
    let line = err
        .lines()
        .find(|l| l.contains(&format!("process {id} (t): failed (")))
        .unwrap_or_default();
    assert!(line.contains("exited with status 1"), "{err}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 2, "{ran}");
    // Another, resting between attempts, is aborted at once.
    let other = p.queue("t");
    assert_eq!(p.run(&["worker", "--once"]).0, 0);
    assert_eq!(p.ok_json(&["process", "show", &other])["status"], "waiting");
    let (code, _, err) = p.run(&["process", "abort", &other]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &other])["status"], "aborted");
}

/// A worker stopped while a step waits for the next attempt of its retry policy leaves
/// the process resting until that attempt is due, not due at once, and the next worker
/// counts the attempt already made: a policy of two attempts runs the step twice.
fn a_worker_stopped_between_two_attempts_keeps_the_delay_and_the_count() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Flaky\"\nrun = \"echo x >> ran.txt; exit 1\"\nretry = { attempts = 2, delay = \"9s\" }\n");
    let id = p.queue("t");
    let worker = spawn_worker(&p, &[]);
    wait_until("the first attempt", || {
        p.json(&["process", "show", &id])["steps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["name"] == "Flaky"))
    });
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "waiting", "{v}");
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("the next attempt of its retry policy is due in")
            && why.contains("(attempt 1 of 2)"),
        "{v}"
    );
    // Due when the policy said, counted from the failed attempt.
    let failed = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Flaky" && s["status"] == "failed")
        .unwrap_or_else(|| panic!("{v}"));
    let at = |k: &Value| k.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let gap = at(&v["run_after"]).duration_since(at(&failed["finished_at"]));
    assert!(gap.as_secs_f64() >= 8.0, "{v}");
    // Due now: the second attempt is the policy's last, and the process fails.
    let (v, _) = run_due_now(&p, &id);
    assert_eq!(v["status"], "failed", "{v}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 2, "{ran}");
}

/// A backoff that grows past what a time can hold rests the process as long as orch
/// waits at all (a hundred years), rather than making the next attempt due at once.
fn a_retry_delay_grown_past_a_hundred_years_rests_a_hundred_years() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Flaky\"\nrun = \"echo x >> ran.txt; exit 1\"\nretry = { attempts = 3, delay = \"36500d\", backoff = 100 }\n");
    let id = p.queue("t");
    assert_eq!(p.run(&["worker", "--once"]).0, 0);
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "waiting");
    // The first wait is due: the second attempt fails, and the third is ten thousand
    // years off by the policy.
    let (v, _) = run_due_now(&p, &id);
    assert_eq!(v["status"], "waiting", "{v}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 2, "the third attempt ran at once: {v}");
    let due = v["run_after"].as_str().unwrap_or_default();
    let year: i32 = due.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let now: i32 = chrono_year();
    assert!(
        due.len() == "2000-01-01T00:00:00.000000Z".len() && year >= now + 99,
        "{due}"
    );
    let last = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["error"]
            .as_str()
            .unwrap_or_default()
            .contains("the next attempt of its retry policy is due in 36500d (attempt 2 of 3)"),
        "{last}"
    );
}

/// This year, from the clock orch reads.
fn chrono_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    1970 + i32::try_from(secs / 31_556_952).unwrap()
}

fn queued_processes_run_in_a_worker_at_once() {
    let p = Project::new();
    timed_task(&p, 1, 400);
    let ids = queue(&p, 6);
    // Queued, not run: nothing happened yet.
    assert!(ran(&p).is_empty());
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "6"]);
    assert_eq!(code, 0, "{err}");
    assert!(statuses(&p).iter().all(|s| s == "completed"), "{err}");
    let log = ran(&p);
    assert_eq!(log.len(), 6, "{log:?}");
    // They ran together: every step overlaps every other.
    let latest_start = log.iter().map(|r| r.2).max().unwrap();
    let earliest_end = log.iter().map(|r| r.3).min().unwrap();
    assert!(
        latest_start < earliest_end,
        "the steps did not run at once: {log:?}"
    );
    for id in &ids {
        assert!(
            err.contains(id.as_str()),
            "the worker log misses {id}: {err}"
        );
    }
}

/// A worker closes the SQLite file before it exits, as SQLite expects: the
/// write-ahead log checkpointed into the file and removed, so the file alone holds
/// every step (a copy of it is whole) and the next command has no log to recover.
#[test]
fn a_stopped_worker_leaves_the_sqlite_file_whole() {
    let p = Project::new();
    let steps: String = (1..=40)
        .map(|i| format!("[[step]]\nname = \"s{i}\"\nbuiltin = \"noop\"\n"))
        .collect();
    p.task(&steps);
    queue(&p, 16);
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "16"]);
    assert_eq!(code, 0, "{err}");
    let wal = p.path().join("orch.db-wal");
    assert!(!wal.exists(), "the worker left {} behind", wal.display());
    assert!(statuses(&p).iter().all(|s| s == "completed"));
}

fn concurrency_bounds_how_many_run_at_once() {
    let p = Project::new();
    timed_task(&p, 1, 300);
    queue(&p, 4);
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "2"]);
    assert_eq!(code, 0, "{err}");
    let log = ran(&p);
    assert_eq!(log.len(), 4);
    // How many ran at once peaks when one starts: count those running at each start
    // (an interval overlapping two others that never overlapped each other is fine).
    for r in &log {
        let at_once = log.iter().filter(|o| o.2 <= r.2 && r.2 < o.3).count();
        assert!(at_once <= 2, "{at_once} ran at once: {log:?}");
    }
}

fn a_killed_worker_is_taken_over_once_its_lease_runs_out() {
    let p = Project::new();
    timed_task(&p, 3, 1500);
    let ids = queue(&p, 2);
    let mut first = spawn_worker(&p, &["--lease", "2s"]);
    // Kill it while the first steps run.
    wait_until("the first steps to start", || {
        p.json(&["process", "list"]).as_array().is_some_and(|l| {
            l.iter()
                .filter(|v| v["status"] == "running" && v["last_step"] == "Start")
                .count()
                == 2
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    signal(&first, libc::SIGKILL);
    let _ = first.wait();
    let shown = p.ok_json(&["process", "show", &ids[0]]);
    assert_eq!(shown["status"], "running");
    // Before the lease runs out another worker leaves them alone.
    let (code, _, err) = p.run(&["worker", "--once", "--lease", "2s"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("taken over"), "taken over too early: {err}");
    // A pause waits for the steps still running, as far as anyone can tell; once the
    // dead worker's leases have run out its processes hold it back no more.
    let (code, _, err) = p.run(&["engine", "pause"]);
    assert_eq!(code, 0, "{err}");
    let status = p.ok_json(&["engine", "status"]);
    assert_eq!(
        (&status["status"], &status["running"]),
        (&"pausing".into(), &2.into()),
        "{status}"
    );
    std::thread::sleep(Duration::from_secs(2));
    let status = p.ok_json(&["engine", "status"]);
    assert_eq!(
        (&status["status"], &status["running"]),
        (&"paused".into(), &0.into()),
        "{status}"
    );
    let (code, _, err) = p.run(&["engine", "resume"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["worker", "--once", "--lease", "2s"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("taken over from orch pid"), "{err}");
    for id in &ids {
        let v = p.ok_json(&["process", "show", id]);
        assert_eq!(v["status"], "completed", "{v}");
        let steps = v["steps"].as_array().unwrap();
        // The takeover is in the log: the attempt in flight, cut off (waiting), then
        // the step again.
        let s1: Vec<&Value> = steps.iter().filter(|s| s["name"] == "s1").collect();
        assert_eq!(s1.len(), 2, "{steps:?}");
        assert_eq!(s1[0]["status"], "waiting");
        assert!(
            s1[0]["error"].as_str().unwrap().contains("taken over by"),
            "{s1:?}"
        );
        assert_eq!(s1[1]["status"], "success");
        assert_eq!(s1[1]["attempt"], 2);
        let events = p.ok_json(&["events", "--process", id, "--kind", "process.taken_over"]);
        assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    }
    // Only the step in flight ran twice (once per kill that caught it).
    let log = ran(&p);
    for id in &ids {
        for step in ["s2", "s3"] {
            let n = log.iter().filter(|r| &r.0 == id && r.1 == step).count();
            assert_eq!(n, 1, "{id} {step} ran {n} times: {log:?}");
        }
    }
}

fn sigterm_lets_running_steps_finish_and_leaves_every_process_resumable() {
    let p = Project::new();
    timed_task(&p, 2, 1000);
    queue(&p, 5);
    let worker = spawn_worker(&p, &["--concurrency", "5"]);
    wait_until("all five to run", || {
        statuses(&p).iter().filter(|s| *s == "running").count() == 5
    });
    std::thread::sleep(Duration::from_millis(300));
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Every step in flight finished and committed; nothing is left running.
    let log = ran(&p);
    assert_eq!(log.len(), 5, "{log:?}");
    let now = statuses(&p);
    assert!(now.iter().all(|s| s == "waiting"), "{now:?}\n{err}");
    let shown = p.json(&["process", "list"]);
    for v in shown.as_array().unwrap() {
        assert!(v["owner"].is_null(), "still owned: {v}");
    }
    let first = shown[0]["id"].as_str().unwrap();
    let (_, _, hint) = p.run(&["process", "show", first]);
    assert!(
        hint.contains("it is due now: a worker picks it up"),
        "{hint}"
    );
    // The next worker finishes them, running only the steps left.
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "5"]);
    assert_eq!(code, 0, "{err}");
    assert!(statuses(&p).iter().all(|s| s == "completed"));
    assert_eq!(ran(&p).len(), 10);
}

/// A worker that runs on keeps a count of what it ran, not a list that grows with every
/// process for as long as it runs: `-o json` prints the list only with `--once`, and
/// the line it stops with counts the runs.
fn a_worker_that_runs_on_counts_its_runs_and_keeps_no_list_of_them() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let ids = queue(&p, 3);
    let worker = p
        .command()
        .args(["-o", "json", "worker"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the three to complete", || {
        ids.iter()
            .all(|id| p.ok_json(&["process", "show", id])["status"] == "completed")
    });
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{err}");
    assert!(err.contains("stopped after 3 runs"), "{err}");
    // `--once` still lists what it ran.
    let ids = queue(&p, 2);
    let v = p.ok_json(&["worker", "--once"]);
    let ran: Vec<&str> = v["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ran.len(), 2, "{v}");
    assert!(ids.iter().all(|id| ran.contains(&id.as_str())), "{v}");
}

/// `worker --once` stops on SIGTERM as any worker does: its step finishes, the process
/// rests due for the next worker, and it exits 0 (not 130, which is a scheduler's).
fn an_interrupted_worker_once_exits_0_and_leaves_its_process_due() {
    let p = Project::new();
    timed_task(&p, 2, 1000);
    queue(&p, 1);
    let err = signalled_worker_once(&p, libc::SIGTERM, libc::SIG_DFL);
    assert_eq!(statuses(&p), ["waiting"], "{err}");
    assert_eq!(ran(&p).len(), 1, "the step in flight finished: {err}");
}

/// A hangup (the terminal the worker ran in closed) stops it as SIGTERM does; a
/// worker started with hangups ignored (`nohup orch worker`) keeps them ignored and
/// runs on.
fn a_hangup_stops_a_worker_unless_it_was_started_under_nohup() {
    let p = Project::new();
    timed_task(&p, 2, 1000);
    queue(&p, 1);
    let err = signalled_worker_once(&p, libc::SIGHUP, libc::SIG_DFL);
    assert_eq!(statuses(&p), ["waiting"], "{err}");
    assert_eq!(ran(&p).len(), 1, "the step in flight finished: {err}");

    let err = signalled_worker_once(&p, libc::SIGHUP, libc::SIG_IGN);
    assert_eq!(statuses(&p), ["completed"], "{err}");
    assert_eq!(ran(&p).len(), 2, "{err}");
}

/// Sends `sig` to a `worker --once` (started with SIGHUP's action `hangup`) once its
/// process runs, and returns its stderr once it exited 0.
fn signalled_worker_once(p: &Project, sig: i32, hangup: libc::sighandler_t) -> String {
    let mut cmd = p.command();
    cmd.args(["worker", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    super::with_hangup(&mut cmd, hangup);
    let worker = cmd.spawn().unwrap();
    wait_until("a step to start", || statuses(p) == ["running"]);
    signal(&worker, sig);
    let out = worker.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    err
}

/// `-v` streams what each step writes on stderr, line by line, each line saying whose it
/// is, with what a terminal would act on shown instead; without it the log has none.
fn a_verbose_worker_streams_step_output_with_its_process() {
    let p = Project::new();
    p.script(
        "workflows/scripts/talk.sh",
        "cat >/dev/null; echo first >&2; printf 'second \\033[2J\\n' >&2",
    );
    p.task("[[step]]\nname = \"Talk\"\nrun = \"workflows/scripts/talk.sh\"\n");
    let id = queue(&p, 1).remove(0);
    let (code, _, err) = p.run(&["-v", "worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("process {id} step Talk | first\n")),
        "{err}"
    );
    assert!(
        err.contains(&format!("process {id} step Talk | second ^[[2J")),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.contains(&format!("process {id} step Talk: success")),
        "{err}"
    );

    queue(&p, 1);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("first"), "{err}");
}

/// `orch worker --grace 10m`, its stderr to `log`: a stop waits for the steps in flight.
fn worker_with_a_long_grace(p: &Project, log: &std::path::Path) -> std::process::Child {
    p.command()
        .args(["worker", "--grace", "10m"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// A second Ctrl-C or SIGTERM ends a worker's grace: the step still running is stopped
/// at once (it never reaches its end), and the process rests due for the next worker.
fn a_second_signal_stops_the_steps_without_waiting_for_the_grace() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Hold\"\nrun = \"touch started; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; touch finished\"\n",
    );
    let id = p.queue("t");
    let log = p.path().join("worker.log");
    let mut worker = worker_with_a_long_grace(&p, &log);
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_until("the step to start", || p.path().join("started").exists());
    signal(&worker, libc::SIGINT);
    // Two signals sent at once may arrive as one: the second goes once the first is seen.
    wait_until("the worker to stop claiming", || {
        said().contains("worker stopping")
    });
    signal(&worker, libc::SIGINT);
    let status = worker.wait().unwrap();
    let err = said();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("asked again to stop"), "{err}");
    assert!(
        !p.path().join("finished").exists(),
        "the step ran to its end: {err}"
    );
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["status"], "waiting", "{shown}");
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "Hold", "{shown}");
    assert_eq!(last["status"], "waiting", "{shown}");
}

fn a_step_still_running_after_the_grace_is_stopped_and_waits() {
    let p = Project::new();
    timed_task(&p, 1, 30_000);
    queue(&p, 1);
    let worker = spawn_worker(&p, &["--grace", "1s"]);
    wait_until("the step to start", || statuses(&p) == ["running"]);
    std::thread::sleep(Duration::from_millis(300));
    let stopped = Instant::now();
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stopped.elapsed() < Duration::from_secs(15));
    assert_eq!(statuses(&p), ["waiting"]);
    let v = p.json(&["process", "list"]);
    let id = v[0]["id"].as_str().unwrap();
    let shown = p.ok_json(&["process", "show", id]);
    let last = shown["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "s1");
    assert_eq!(last["status"], "waiting", "{last}");
    // Due at once for the next worker, with no transient cause to wait out.
    let (code, _, err) = p.run(&["process", "show", id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("it is due now: a worker picks it up"), "{err}");
    assert!(!err.contains("transient"), "{err}");
}

fn worker_list_shows_running_and_stopped_workers() {
    let p = Project::new();
    timed_task(&p, 1, 2000);
    queue(&p, 1);
    let worker = spawn_worker(&p, &[]);
    wait_until("the step to start", || statuses(&p) == ["running"]);
    let list = p.ok_json(&["worker", "list"]);
    let w = &list[0];
    assert_eq!(w["state"], "running", "{list}");
    assert_eq!(w["concurrency"], 16);
    assert_eq!(w["processes"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(w["pid"], worker.id());
    signal(&worker, libc::SIGTERM);
    let _ = worker.wait_with_output();
    let list = p.ok_json(&["worker", "list"]);
    assert_eq!(list[0]["state"], "stopped", "{list}");
    let (code, table, _) = p.run(&["worker", "list"]);
    assert_eq!(code, 0);
    assert!(table.contains("stopped"), "{table}");
    // Killed on this host: dead at once, without waiting for its lease (15 s) to end.
    queue(&p, 1);
    let mut worker = spawn_worker(&p, &[]);
    wait_until("the step to start", || statuses(&p)[0] == "running");
    signal(&worker, libc::SIGKILL);
    let _ = worker.wait();
    let list = p.ok_json(&["worker", "list"]);
    assert_eq!(list[0]["state"], "dead", "{list}");
}

/// A worker asked to stop says so at once: while its step in flight finishes, `worker
/// list` shows it `stopping`, with until when its grace lets the step run, and it
/// claims nothing queued meanwhile.
fn worker_list_shows_a_worker_stopping_until_its_step_finishes() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Hold\"\nrun = \"touch started; while [ ! -e go ]; do sleep 0.05; done\"\n",
    );
    let id = p.queue("t");
    let log = p.path().join("worker.log");
    let mut worker = worker_with_a_long_grace(&p, &log);
    wait_until("the step to start", || p.path().join("started").exists());
    assert_eq!(p.ok_json(&["worker", "list"])[0]["state"], "running");
    signal(&worker, libc::SIGTERM);
    wait_until("the worker to say it stops", || {
        p.ok_json(&["worker", "list"])[0]["state"] == "stopping"
    });
    let list = p.ok_json(&["worker", "list"]);
    let w = &list[0];
    assert_eq!(w["processes"], serde_json::json!([id]), "{list}");
    let (asked, until) = (
        w["stopping_at"].as_str().unwrap(),
        w["grace_until"].as_str().unwrap(),
    );
    assert!(asked < until, "{list}");
    let (code, table, err) = p.run(&["worker", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("stopping, grace to "), "{table}");
    // It claims nothing more while it drains.
    let later = p.queue("t");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(p.ok_json(&["process", "show", &later])["status"], "created");
    std::fs::write(p.path().join("go"), "").unwrap();
    let status = worker.wait().unwrap();
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "{said}");
    let list = p.ok_json(&["worker", "list"]);
    assert_eq!(list[0]["state"], "stopped", "{list}");
    assert!(list[0]["stopping_at"].is_string(), "{list}");
    // One that ends by itself (`--once`, the queue drained) was never asked to stop.
    assert_eq!(p.run(&["worker", "--once"]).0, 0);
    let list = p.ok_json(&["worker", "list"]);
    assert_eq!(list[0]["state"], "stopped", "{list}");
    assert!(list[0]["stopping_at"].is_null(), "{list}");
}

fn the_engine_switch_stops_new_steps_and_lets_them_go_on() {
    let p = Project::new();
    p.write(
        "workflows/ask.toml",
        "name = \"ask\"\ntarget = \"system\"\n[[step]]\nname = \"Confirm\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let asking = p.json_exiting(&["workflow", "run", "ask"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    timed_task(&p, 1, 10);
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    // Answering a form starts no step: refused here, queued for the workers with --queue.
    let (code, _, err) = p.run(&["process", "resume", &asking, "--input", "ok=true"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("the engine is paused"), "{err}");
    let (code, _, err) = p.run(&[
        "process", "resume", &asking, "--input", "ok=true", "--queue",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &asking])["status"],
        "created"
    );
    let (code, out, _) = p.run(&["engine", "status"]);
    assert_eq!(code, 0);
    assert!(out.contains("paused"), "{out}");
    // A run would start steps: refused, and nothing was created.
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("the engine is paused"), "{err}");
    assert!(tasks(&p).is_empty());
    // Queuing still works; a worker runs nothing meanwhile, and says why.
    queue(&p, 2);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the engine is paused"), "{err}");
    assert_eq!(tasks(&p), ["created", "created"]);
    // An abort starts no step: an operator may end a process while paused.
    queue(&p, 1);
    let doomed = p.ok_json(&["process", "list", "--limit", "1"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "abort", &doomed]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tasks(&p), ["aborted", "created", "created"]);
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    let v = p.ok_json(&["engine", "status"]);
    assert_eq!(v["status"], "running");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tasks(&p), ["aborted", "completed", "completed"]);
    assert_eq!(
        p.ok_json(&["process", "show", &asking])["status"],
        "completed"
    );
}

/// Each command a paused engine refuses says what to do with that very command: `task
/// run` and `process retry` take `--queue`, and `process skip`, which has none, is told
/// to wait for the engine.
fn a_paused_engine_hints_what_each_refused_command_can_do() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nrun = \"test -f ok\"\n");
    let failed = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let refused = |args: &[&str]| {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 7, "{args:?}: {err}");
        assert!(err.contains("the engine is paused"), "{err}");
        err
    };
    let err = refused(&["task", "run", "t"]);
    assert!(err.contains("the same command with `--queue`"), "{err}");
    let err = refused(&["process", "retry", &failed]);
    assert!(
        err.contains(&format!("`orch process retry {failed} --queue`")),
        "{err}"
    );
    let err = refused(&["process", "skip", &failed]);
    assert!(!err.contains("--queue"), "skip has no --queue: {err}");
    assert!(err.contains("`orch engine resume`"), "{err}");
    assert_eq!(p.ok_json(&["process", "show", &failed])["status"], "failed");
}

/// A pause while a step waits for the next attempt of its retry policy starts no
/// attempt: the process rests (exit 5), and once the engine runs again `retry` makes
/// only the attempts the policy has left.
fn a_pause_between_two_attempts_starts_no_attempt_and_keeps_the_count() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Flaky\"\nrun = \"echo x >> ran.txt; exit 1\"\nretry = { attempts = 2, delay = \"5s\" }\n");
    let run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it goes: the database may not be there yet.
    let read = |args: &[&str]| serde_json::from_str::<Value>(&p.run(args).1).ok();
    let first_failed = || {
        let list = read(&["-o", "json", "process", "list"])?;
        let id = list[0]["id"].as_str()?.to_string();
        let shown = read(&["-o", "json", "process", "show", &id])?;
        let failed = shown["steps"]
            .as_array()?
            .iter()
            .any(|s| s["name"] == "Flaky" && s["status"] == "failed");
        failed.then_some(id)
    };
    wait_until("the first attempt to fail", || first_failed().is_some());
    let id = first_failed().unwrap();
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(
        ran.lines().count(),
        1,
        "an attempt ran while paused:\n{err}"
    );
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "waiting", "{v}");
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("the engine is paused") && why.contains("(attempt 1 of 2)"),
        "{v}"
    );
    let (_, _, hint) = p.run(&["process", "show", &id]);
    assert!(
        hint.contains("`orch engine resume` lets it go on"),
        "{hint}"
    );
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 3, "{err}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 2, "{ran}");
}

/// A pause that lands while a failing attempt still runs rests the process when that
/// attempt is committed, and the attempt still counts: once the engine runs again, the
/// process makes only the attempts the policy has left. Run by hand, and by a worker
/// (whose steps go through the group committer).
fn a_pause_during_a_failing_attempt_keeps_the_count() {
    pause_during_a_failing_attempt(false, 1);
}

fn a_pause_during_a_failing_attempt_under_a_worker_keeps_the_count() {
    pause_during_a_failing_attempt(true, 1);
}

/// The same for an attempt whose step waits (exit 75) with attempts left.
fn a_pause_during_an_attempt_that_waits_keeps_the_count() {
    pause_during_a_failing_attempt(false, 75);
}

fn pause_during_a_failing_attempt(by_worker: bool, exit: i32) {
    let p = Project::new();
    p.task(&format!(
        r#"[[step]]
name = "Flaky"
run = """echo x >> ran.txt
[ -e paused ] || {{ touch paused; "$ORCH_BIN" engine pause >/dev/null 2>&1; }}
exit {exit}"""
retry = {{ attempts = 3, delay = "1s" }}
"#
    ));
    let (code, _, err) = if by_worker {
        p.queue("t");
        p.run(&["worker", "--once"])
    } else {
        p.run(&["workflow", "run", "t"])
    };
    assert_eq!(code, if by_worker { 0 } else { 5 }, "{err}");
    assert!(p.path().join("paused").exists(), "{err}");
    let ran = || {
        std::fs::read_to_string(p.path().join("ran.txt"))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(ran(), 1, "an attempt ran while paused:\n{err}");
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "waiting", "{v}");
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("the engine is paused") && why.contains("(attempt 1 of 3)"),
        "{v}"
    );
    let last = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "waiting", "{v}");
    assert!(
        last["error"]
            .as_str()
            .unwrap_or_default()
            .contains(&exit.to_string()),
        "the attempt's own failure is kept in its row: {v}"
    );
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    if by_worker {
        let (code, _, err) = p.run(&["worker", "--once"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(p.ok_json(&["process", "show", &id])["status"], "failed");
    } else {
        let (code, _, err) = p.run(&["process", "retry", &id]);
        assert_eq!(code, if exit == 75 { 5 } else { 3 }, "{err}");
    }
    assert_eq!(ran(), 3, "the policy started over");
}

fn pausing_under_load_lets_each_step_finish_and_starts_none_after() {
    let p = Project::new();
    timed_task(&p, 6, 200);
    queue(&p, 8);
    let worker = spawn_worker(&p, &["--concurrency", "8"]);
    wait_until("steps to run", || ran(&p).len() >= 4);
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let mut paused_at = None;
    wait_until("the engine to say paused", || {
        let v = p.json(&["engine", "status"]);
        if v["status"] == "paused" {
            paused_at = Some(now_ms());
            return true;
        }
        assert_eq!(v["status"], "pausing", "{v}");
        false
    });
    let paused_at = paused_at.unwrap();
    // Nothing runs while paused, even with the worker waiting for work.
    std::thread::sleep(Duration::from_millis(800));
    let log = ran(&p);
    assert!(
        log.iter().all(|r| r.2 < paused_at),
        "a step started after the engine said paused ({paused_at}): {log:?}"
    );
    assert!(log.len() < 48, "everything ran before the pause");
    let waiting = statuses(&p).iter().filter(|s| *s == "waiting").count();
    assert!(waiting > 0);
    // A process resting on the pause says what lets it go on.
    let rested = p.ok_json(&["process", "list", "--status", "waiting", "--limit", "1"]);
    let rested = rested[0]["id"].as_str().unwrap().to_string();
    let (_, _, err) = p.run(&["process", "show", &rested]);
    assert!(err.contains("`orch engine resume` lets it go on"), "{err}");
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    wait_until("all to complete", || {
        statuses(&p).iter().all(|s| s == "completed")
    });
    signal(&worker, libc::SIGTERM);
    let _ = worker.wait_with_output();
    // Each step ran once: the pause lost nothing and repeated nothing.
    assert_eq!(ran(&p).len(), 48);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn retry_and_resume_can_hand_a_process_to_the_workers() {
    let p = Project::new();
    p.script(
        "workflows/scripts/flaky.sh",
        "cat >/dev/null\nif [ -f fixed ]; then exit 0; fi\nexit 1",
    );
    p.task(
        r#"[[step]]
name = "flaky"
run = "workflows/scripts/flaky.sh"
[[step]]
name = "ok?"
input.fields = [ { name = "ok", type = "bool" } ]
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    std::fs::write(p.path().join("fixed"), "").unwrap();
    let q = p.ok_json(&["process", "retry", &id, "--queue"]);
    assert_eq!(q["status"], "created", "{q}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "it ran; the process is suspended: {err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "suspended");
    let q = p.ok_json(&["process", "resume", &id, "--input", "ok=true", "--queue"]);
    assert_eq!(q["status"], "created", "{q}");
    assert_eq!(q["state"]["ok"], true);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let done = p.ok_json(&["process", "show", &id]);
    assert_eq!(done["status"], "completed");
    // The answer was given once: the input step did not run again.
    let oks = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "ok?" && s["status"] == "success")
        .count();
    assert_eq!(oks, 1, "{done}");
}

/// An optional secret nobody gave does not stop a queued process: the worker runs it
/// without, as a run by hand does.
fn a_queued_process_without_its_optional_secret_runs_on() {
    let p = Project::new();
    p.task("[[form]]\nfields = [ { name = \"pw\", type = \"secret\", required = false } ]\n[[step]]\nname = \"Go\"\nbuiltin = \"noop\"\n");
    let (code, out, err) = p.run(&["workflow", "run", "t", "--queue"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
}

fn a_queued_process_gets_its_secrets_from_the_worker_or_asks_for_them() {
    let p = Project::new();
    p.script(
        "workflows/scripts/login.sh",
        r#"test "$(cat | sed -n 's/.*"password":"\([^"]*\)".*/\1/p')" = "s3cret" || exit 1"#,
    );
    p.write(
        "workflows/t.toml",
        r#"name = "t"
target = "system"
[[form]]
title = "Login"
fields = [ { name = "password", type = "secret" }, { name = "site", type = "text", default = "ams" } ]
[[step]]
name = "login"
run = "workflows/scripts/login.sh"
"#,
    );
    let run = [
        "workflow",
        "run",
        "t",
        "--input",
        "password=s3cret",
        "--input",
        "site=lon",
        "--queue",
    ];
    let (code, out, err) = p.run(&run);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ORCH_SECRET_PASSWORD"), "{err}");
    let id = out.trim().to_string();
    // A worker without the secret: the process suspends asking for it.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["status"], "suspended");
    assert_eq!(shown["pending"]["fields"][0]["name"], "password", "{shown}");
    // The other answers it was queued with wait with it.
    assert_eq!(shown["state"]["site"], "lon", "{shown}");
    // Answered by hand, it runs on; the secret is never stored.
    let v = p.ok_json(&["process", "resume", &id, "--input", "password=s3cret"]);
    assert_eq!(v["state"]["site"], "lon", "{v}");
    assert!(!p.stored_text().contains("s3cret"));
    // A worker that has it in its environment runs the next one straight through,
    // whether the queuing command was given the secret or not.
    let without: &[&str] = &["workflow", "run", "t", "--queue"];
    for queue in [&run[..], without] {
        let (code, out, err) = p.run(queue);
        assert_eq!(code, 0, "{err}");
        let id = out.trim().to_string();
        let worker = p
            .command()
            .args(["worker", "--once"])
            .env("ORCH_SECRET_PASSWORD", "s3cret")
            .output()
            .unwrap();
        assert_eq!(worker.status.code(), Some(0));
        assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
    }
}

/// A process suspended because its worker lacked a secret is queued again without it
/// (`resume --queue`): the next worker gives it from its environment, or the process
/// suspends asking again. The command that queues it needs none, as at the start.
fn a_process_suspended_for_its_secret_is_queued_again_without_it() {
    let p = Project::new();
    p.write(
        "workflows/t.toml",
        r#"name = "t"
target = "system"
[[form]]
title = "Login"
fields = [ { name = "password", type = "secret" } ]
[[step]]
name = "login"
run = "test \"$(cat | grep -c s3cret)\" = 1"
"#,
    );
    let id = p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "suspended");
    let (code, _, err) = p.run(&["process", "resume", &id, "--queue"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "created");
    // Still without it: asked again.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "suspended");
    assert_eq!(p.run(&["process", "resume", &id, "--queue"]).0, 0);
    let worker = p
        .command()
        .args(["worker", "--once"])
        .env("ORCH_SECRET_PASSWORD", "s3cret")
        .output()
        .unwrap();
    assert_eq!(worker.status.code(), Some(0));
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "completed",
        "{}",
        String::from_utf8_lossy(&worker.stderr)
    );
}

fn a_worker_runs_the_steps_for_whoever_queued_the_process() {
    let p = Project::new();
    p.script(
        "workflows/scripts/who.sh",
        r#"cat >/dev/null
echo "$ORCH_USER" >> who.txt
if [ -f broken ]; then echo "the device is unreachable" >&2; exit 1; fi
echo '{}'"#,
    );
    p.task("[[step]]\nname = \"Push\"\nrun = \"workflows/scripts/who.sh\"\n");
    p.write("broken", "");
    let (code, out, err) = p.run(&["--user", "alice", "workflow", "run", "t", "--queue"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let (code, _, err) = p.run(&["--user", "orch-svc", "worker", "--once"]);
    assert_eq!(code, 0, "it ran; the step fails: {err}");

    // Bob queues the retry; the worker's user asked for nothing.
    std::fs::remove_file(p.path().join("broken")).unwrap();
    let (code, _, err) = p.run(&["--user", "bob", "process", "retry", &id, "--queue"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["--user", "orch-svc", "worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    let by = authors(&v);
    assert_eq!(
        by,
        [
            ("Start", "alice"),
            ("Push", "alice"),
            ("Push", "bob"),
            ("Done", "bob")
        ],
        "{v}"
    );
    let who = std::fs::read_to_string(p.path().join("who.txt")).unwrap();
    assert_eq!(who.lines().collect::<Vec<_>>(), ["alice", "bob"]);
}

/// Each step row of a process: (name, who it ran for).
fn authors(v: &Value) -> Vec<(&str, &str)> {
    v["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                s["created_by"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

fn a_queued_answer_makes_its_author_the_one_the_worker_runs_for() {
    let p = Project::new();
    p.script(
        "workflows/scripts/who.sh",
        "cat >/dev/null\necho \"$ORCH_USER\" >> who.txt\necho '{}'",
    );
    p.task(
        r#"
[[step]]
name = "Ask"
input.fields = [ { name = "go", type = "accept" } ]

[[step]]
name = "Push"
run = "workflows/scripts/who.sh"
"#,
    );
    let (code, out, err) = p.run(&["--user", "alice", "workflow", "run", "t", "--queue"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let (code, _, err) = p.run(&["--user", "orch-svc", "worker", "--once"]);
    assert_eq!(code, 0, "it ran; it asks: {err}");
    let (code, _, err) = p.run(&[
        "--user", "frank", "process", "resume", &id, "--queue", "--input", "go=true",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["--user", "orch-svc", "worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    let by = authors(&v);
    assert_eq!(
        by,
        [
            ("Start", "alice"),
            ("Ask", "alice"),
            ("Ask", "frank"),
            ("Push", "frank"),
            ("Done", "frank")
        ],
        "{v}"
    );
    let who = std::fs::read_to_string(p.path().join("who.txt")).unwrap();
    assert_eq!(who.trim(), "frank");
}

/// The example's IPAM stand-in keeps every write when a worker enrols the four
/// routers at once: each router ends active, linked to its own subscription.
fn the_example_enrols_four_routers_at_once_without_losing_a_write() {
    let p = Project::example();
    for name in ["rtr1", "rtr2", "rtr3", "rtr4"] {
        let node = format!("node_name={name}");
        let (code, _, err) = p.run(&[
            "workflow",
            "run",
            "create_node",
            "--input",
            &node,
            "--input",
            "role=edge",
            "--queue",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "4"]);
    assert_eq!(code, 0, "{err}");
    let subs = p.json(&["subscription", "list"]);
    let ids: Vec<&str> = subs
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "active")
        .filter_map(|s| s["subscription_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 4, "{subs}");
    let netbox = std::fs::read_to_string(p.path().join("orch.netbox.json"))
        .or_else(|_| std::fs::read_to_string(format!("{}.netbox.json", p.db().display())))
        .unwrap();
    let devices: Vec<&str> = netbox
        .lines()
        .filter(|l| l.contains("\"kind\":\"device\""))
        .collect();
    assert_eq!(devices.len(), 4, "{netbox}");
    for d in &devices {
        assert!(d.contains("\"status\":\"active\""), "{netbox}");
        assert!(
            ids.iter()
                .any(|id| d.contains(&format!("\"subscription\":\"{id}\""))),
            "{netbox}"
        );
    }
}

/// A write lock held longer than the lease (SQLite only: a second connection of the
/// test holds it) lapses the worker's lease: its steps stop and their processes wait,
/// once each, and it claims them again only after its lease is renewed, not in a loop
/// of `running` and `waiting` while the renewal is late.
#[test]
fn a_lapsed_lease_is_renewed_before_anything_is_claimed_again() {
    let p = Project::new();
    p.task("[[step]]\nname = \"a\"\nrun = \"sleep 0.3\"\n[[step]]\nname = \"b\"\nrun = \"sleep 0.3\"\n[[step]]\nname = \"c\"\nrun = \"sleep 0.3\"\n");
    for _ in 0..6 {
        p.queue("t");
    }
    let worker = spawn_worker(&p, &["--once", "--concurrency", "6", "--lease", "2s"]);
    wait_until("the steps to start", || {
        p.sql_column("SELECT count(*) FROM events WHERE kind = 'process.running'")
            .first()
            .is_some_and(|n| n != "0")
    });
    let holder = rusqlite::Connection::open(p.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    holder.execute_batch("ROLLBACK").unwrap();
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("the lease lapsed"), "{log}");
    let done = p.json(&["process", "list", "--status", "completed"]);
    assert_eq!(done.as_array().map(Vec::len), Some(6), "{done}");
    let waited: usize = p
        .sql_column("SELECT count(*) FROM events WHERE kind = 'process.waiting'")
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(waited <= 12, "{waited} waits for 6 processes:\n{log}");
}

both!(
    the_example_enrols_four_routers_at_once_without_losing_a_write,
    a_long_retry_delay_rests_the_process_and_counts_its_attempts,
    a_worker_stopped_between_two_attempts_keeps_the_delay_and_the_count,
    a_retry_delay_grown_past_a_hundred_years_rests_a_hundred_years,
    a_queued_process_without_its_optional_secret_runs_on,
    a_queued_answer_makes_its_author_the_one_the_worker_runs_for,
    a_worker_runs_the_steps_for_whoever_queued_the_process,
    a_failure_made_good_is_not_shown_as_the_cause,
    a_busy_worker_takes_new_work_into_its_free_slots,
    queued_processes_run_in_a_worker_at_once,
    concurrency_bounds_how_many_run_at_once,
    a_killed_worker_is_taken_over_once_its_lease_runs_out,
    sigterm_lets_running_steps_finish_and_leaves_every_process_resumable,
    a_step_still_running_after_the_grace_is_stopped_and_waits,
    a_worker_that_runs_on_counts_its_runs_and_keeps_no_list_of_them,
    an_interrupted_worker_once_exits_0_and_leaves_its_process_due,
    a_hangup_stops_a_worker_unless_it_was_started_under_nohup,
    a_verbose_worker_streams_step_output_with_its_process,
    a_second_signal_stops_the_steps_without_waiting_for_the_grace,
    worker_list_shows_running_and_stopped_workers,
    worker_list_shows_a_worker_stopping_until_its_step_finishes,
    the_engine_switch_stops_new_steps_and_lets_them_go_on,
    a_paused_engine_hints_what_each_refused_command_can_do,
    a_pause_between_two_attempts_starts_no_attempt_and_keeps_the_count,
    a_pause_during_a_failing_attempt_keeps_the_count,
    a_pause_during_a_failing_attempt_under_a_worker_keeps_the_count,
    a_pause_during_an_attempt_that_waits_keeps_the_count,
    pausing_under_load_lets_each_step_finish_and_starts_none_after,
    retry_and_resume_can_hand_a_process_to_the_workers,
    a_queued_process_gets_its_secrets_from_the_worker_or_asks_for_them,
    a_process_suspended_for_its_secret_is_queued_again_without_it,
);
