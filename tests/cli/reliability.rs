//! Reliability and security through the real binary: a killed orch, two orchs racing
//! for one process, edited workflows, hostile steps, hostile stores, hostile input.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::both;
use super::crash::{ProcStat, effect_script, effects, group_gone_within, integrity, kill9};
use super::{Project, Store};

fn task(p: &Project, steps: &str) {
    p.write(
        "workflows/t.toml",
        &format!("name = \"t\"\ntarget = \"system\"\n{steps}"),
    );
}

fn wait_for_file(path: &Path) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.ends_with('\n') {
                return text;
            }
        }
        assert!(Instant::now() < until, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn step_names(v: &serde_json::Value, status: &str) -> Vec<String> {
    v["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["status"] == status)
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect()
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// Runs a task of steps A, B and C (each noting itself in effects.txt) and kills orch
/// with SIGKILL while B runs for the first time; the process's id and B's process group.
pub fn killed_mid_step(p: &Project) -> (String, i32) {
    effect_script(p);
    // The first run writes its process group to `marker`, then sleeps; a rerun does not.
    p.script(
        "workflows/scripts/slow.sh",
        r#"cat >/dev/null
set -- $(cat /proc/$$/stat)
echo "$ORCH_PROCESS_ID $ORCH_STEP $ORCH_ATTEMPT $5" >> effects.txt
if [ ! -f marker ]; then echo "$5" > marker.tmp; mv marker.tmp marker; sleep 60; fi"#,
    );
    task(
        p,
        "[[step]]\nname = \"A\"\nrun = \"workflows/scripts/effect.sh\"\n\
         [[step]]\nname = \"B\"\nrun = \"workflows/scripts/slow.sh\"\n\
         [[step]]\nname = \"C\"\nrun = \"workflows/scripts/effect.sh\"\n",
    );
    let mut orch = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pgid: i32 = wait_for_file(&p.path().join("marker"))
        .trim()
        .parse()
        .unwrap();
    kill9(&mut orch);
    let id = super::crash::only_process(p).expect("the run created a process");
    (id, pgid)
}

/// Aborting a process whose orch was killed mid-step names the step that was in
/// flight (it may have done part of its work), not the last one that finished, in its
/// log and in its `process.aborted` event.
fn abort_after_kill_9_names_the_step_in_flight() {
    let p = Project::new();
    let (id, _) = killed_mid_step(&p);
    let v = p.ok_json(&["process", "abort", &id]);
    assert_eq!(v["status"], "aborted", "{v}");
    let last = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["name"], &last["status"]),
        (&"B".into(), &"abort".into()),
        "{v}"
    );
    let why = last["error"].as_str().unwrap();
    assert!(why.contains("`B` was in flight when"), "{why}");
    let events = p.json(&["events", "--process", &id, "--kind", "process.aborted"]);
    assert_eq!(events[0]["data"]["step"], "B", "{events}");
}

fn kill_9_during_a_step_leaves_a_stale_process_that_retry_completes() {
    let p = Project::new();
    let (id, pgid) = killed_mid_step(&p);
    let shown = p.json(&["process", "show", &id]);
    assert_eq!(shown["status"], "running");
    assert_eq!(shown["stale"], true, "{shown}");
    let (_, text, _) = p.run(&["process", "show", &id]);
    assert!(text.contains("stale"), "{text}");
    // The step's group died with orch, before anyone retried.
    assert!(
        group_gone_within(pgid, Duration::from_secs(5)),
        "the step outlived the killed orch"
    );

    let retried_at = jiff::Timestamp::now();
    let (code, out, err) = p.run(&["-o", "json", "process", "retry", &id]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(step_names(&v, "success"), ["Start", "A", "B", "C"]);
    let ran: Vec<String> = effects(&p).into_iter().map(|(_, s, _)| s).collect();
    // A had committed and did not run again; B was in flight and ran again.
    assert_eq!(ran, ["A", "B", "B", "C"]);
    // The retry logged the attempt the dead orch left unfinished, as a worker's
    // takeover does, and B ran again as a new attempt.
    let b: Vec<_> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "B")
        .collect();
    assert_eq!(b.len(), 2, "{v}");
    assert_eq!(
        (&b[0]["status"], &b[0]["attempt"]),
        (&"waiting".into(), &1.into())
    );
    let why = b[0]["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("stopped before this step was committed"),
        "{why}"
    );
    assert!(why.contains("taken over by"), "{why}");
    // The unfinished attempt spans from when A was committed (when B began, before
    // the kill) to the takeover, not the instant of the note.
    let began: jiff::Timestamp = b[0]["started_at"].as_str().unwrap().parse().unwrap();
    assert!(began < retried_at, "{v}");
    assert_eq!(
        (&b[1]["status"], &b[1]["attempt"]),
        (&"success".into(), &2.into())
    );
    let events = p.json(&["events", "--process", &id, "--kind", "process.taken_over"]);
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    p.assert_sound();
    assert!(!super::crash::group_running(pgid));
}

/// `retry --queue` of a process whose orch was killed takes it over and hands it to
/// the workers, which run the step that was in flight again. Before, it was refused as
/// "running".
fn retry_queue_hands_a_stale_process_to_the_workers() {
    let p = Project::new();
    let (id, _) = killed_mid_step(&p);
    let queued = p.ok_json(&["process", "retry", &id, "--queue"]);
    assert_eq!(queued["status"], "created", "{queued}");
    let events = p.json(&["events", "--process", &id, "--kind", "process.taken_over"]);
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    let ran: Vec<String> = effects(&p).into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(ran, ["A", "B", "B", "C"]);
    // The log keeps the attempt the dead orch left unfinished, as a takeover by
    // `retry` or by a worker does, and B ran again as its next attempt.
    assert_eq!(
        super::attempts_of(&v, "B"),
        [("waiting", 1), ("success", 2)],
        "{v}"
    );
    let b = &v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "B");
    let why = b.map(|s| s["error"].as_str().unwrap_or_default());
    assert!(
        why.is_some_and(|w| w.contains("stopped before this step was committed")),
        "{v}"
    );
    // Each line of effects.txt: process, step, ORCH_ATTEMPT, process group.
    let text = std::fs::read_to_string(p.path().join("effects.txt")).unwrap();
    let b_attempts: Vec<&str> = text
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .filter(|w| w.get(1) == Some(&"B"))
        .filter_map(|w| w.get(2).copied())
        .collect();
    assert_eq!(b_attempts, ["1", "2"], "ORCH_ATTEMPT of each run of B");
    p.assert_sound();
}

fn two_retries_racing_for_one_process_run_it_once() {
    let p = Project::new();
    p.script(
        "workflows/scripts/flaky.sh",
        r#"cat >/dev/null
if [ -f failed-once ]; then echo "$$" >> ran.txt; sleep 3; exit 0; fi
touch failed-once; exit 1"#,
    );
    task(
        &p,
        "[[step]]\nname = \"Flaky\"\nrun = \"workflows/scripts/flaky.sh\"\n",
    );
    let v = p.json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "failed");
    let id = v["id"].as_str().unwrap().to_string();
    let spawn = || {
        p.command()
            .args(["process", "retry", &id])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    // Meanwhile a resume is refused naming who runs it, not as "not suspended".
    wait_for_file(&p.path().join("ran.txt"));
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("is running (by orch pid") && err.contains("cannot be resumed now"),
        "{err}"
    );
    let mut outs: Vec<(i32, String)> = [a, b]
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .collect();
    outs.sort();
    assert_eq!(outs[0].0, 0, "{outs:?}");
    assert_eq!(outs[1].0, 7, "{outs:?}");
    // The loser names the owner whether it lost the claim ("being run by orch pid")
    // or found the process already running ("is running (by orch pid").
    assert!(
        outs[1].1.contains("by orch pid"),
        "the loser does not name the owner: {}",
        outs[1].1
    );
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().count(), 1, "the step ran twice: {ran}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "completed");
}

fn retry_after_an_edit_says_what_changed_and_keeps_the_stored_definition() {
    let p = Project::new();
    effect_script(&p);
    task(
        &p,
        "[[step]]\nname = \"A\"\nrun = \"cat >/dev/null; test -f fixed\"\n\
         [[step]]\nname = \"B\"\nrun = \"workflows/scripts/effect.sh\"\n",
    );
    let v = p.json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    task(
        &p,
        "[[step]]\nname = \"A\"\nrun = \"cat >/dev/null; test -f fixed\"\n\
         [[step]]\nname = \"C\"\nrun = \"workflows/scripts/effect.sh\"\n",
    );
    let (code, plan, _) = p.run(&["process", "retry", &id, "--plan"]);
    assert_eq!(code, 0);
    assert!(plan.contains("the workflow file changed"), "{plan}");
    assert!(plan.contains("step `B` removed"), "{plan}");
    assert!(plan.contains("step `C` added"), "{plan}");
    assert!(plan.contains("using the stored definition"), "{plan}");
    // The stored definition still has B, which is what would run.
    assert!(plan.contains("  B\n") && !plan.contains("  C\n"), "{plan}");
    let (_, plan, _) = p.run(&["process", "retry", &id, "--plan", "--use-current"]);
    assert!(
        plan.contains("  C\n") && plan.contains("using the current file"),
        "{plan}"
    );
    // --plan ran nothing.
    assert!(effects(&p).is_empty());

    p.write("fixed", "");
    let (code, out, err) = p.run(&["-o", "json", "process", "retry", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("changed since this process started"), "{err}");
    // A plain retry says what changed too (DESIGN §6), not only --plan.
    assert!(
        err.contains("step `B` removed") && err.contains("step `C` added"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(step_names(&v, "success"), ["Start", "A", "B"]);
    let ran: Vec<String> = effects(&p).into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(ran, ["B"]);
}

// ---- hostile steps ----

/// Runs orch with `args` to its end; its exit code, and its own peak resident size in
/// KiB. The peak is the kernel's high-water mark of orch's own memory (`VmHWM`), read
/// every millisecond until orch has let its memory go. `wait4`'s `ru_maxrss` would not
/// do: a child started by `posix_spawn` inherits its parent's resident size as its
/// maximum, and this test binary, running hundreds of tests at once, can be larger
/// than orch.
fn run_measuring_rss(p: &Project, args: &[&str]) -> (i32, u64) {
    let mut child = p
        .command()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    // A zombie's status has no VmHWM line: the loop ends once orch has exited.
    while let Some(hwm) = std::fs::read_to_string(&status_file)
        .ok()
        .and_then(|status| high_water_kib(&status))
    {
        peak = peak.max(hwm);
        std::thread::sleep(Duration::from_millis(1));
    }
    let code = child.wait().unwrap().code().unwrap_or(-1);
    assert!(peak > 0, "orch's memory was never sampled");
    (code, peak)
}

/// The `VmHWM` figure of a `/proc/PID/status` text, in KiB.
fn high_water_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn two_hundred_megabytes_on_stdout_fail_the_step_within_bounded_memory() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Flood\"\nrun = \"cat >/dev/null; head -c 200000000 /dev/zero\"\n",
    );
    let (code, rss) = run_measuring_rss(&p, &["workflow", "run", "t"]);
    assert_eq!(code, 3, "the step fails");
    let v = p.json(&["process", "list", "--limit", "1"]);
    let reason = v[0]["failed_reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reason = if reason.is_empty() {
        let id = v[0]["id"].as_str().unwrap().to_string();
        p.json(&["process", "show", &id])["failed_reason"]
            .as_str()
            .unwrap()
            .to_string()
    } else {
        reason
    };
    assert!(reason.contains("200000000 bytes on stdout"), "{reason}");
    // stdout is capped at 16 MiB: orch stays far below what it was sent.
    assert!(rss < 150 * 1024, "orch peaked at {rss} KiB");
}

fn binary_garbage_on_stderr_and_stdout_is_recorded_as_text() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Noise\"\nrun = \"cat >/dev/null; head -c 4000 /dev/urandom >&2; head -c 4000 /dev/urandom\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("not a JSON object")
    );
    let id = v["id"].as_str().unwrap();
    let (code, shown, _) = p.run(&["process", "show", id]);
    assert_eq!(code, 0);
    assert!(shown.contains("stderr (tail)"), "{shown}");
    p.assert_sound();
}

/// A whole number no 64-bit integer holds would be kept as the nearest float, its
/// last digits lost: the step fails and says so. A NUL in a step's log reads the same
/// on both stores.
fn a_number_orch_cannot_keep_exactly_fails_the_step() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Big\"\nrun = \"printf 'bad\\\\000byte' >&2; echo '{\\\"v6\\\": 42540766411282592856903984951653826561, \\\"s\\\": \\\"-1e999 9999999999999999999999\\\"}'\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(
        reason.contains("the whole number 42540766411282592856903984951653826561"),
        "{reason}"
    );
    assert!(reason.contains("print it as a string"), "{reason}");
    let step = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(step["output"], "bad\u{fffd}byte", "{step}");

    // The largest and the smallest 64-bit integers, and numbers inside strings, are kept.
    task(
        &p,
        "[[step]]\nname = \"Edges\"\nrun = \"echo '{\\\"max\\\": 18446744073709551615, \\\"min\\\": -9223372036854775808, \\\"f\\\": 1e300, \\\"s\\\": \\\"42540766411282592856903984951653826561\\\"}'\"\n",
    );
    let v = p.ok_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap();
    let state = p.ok_json(&["process", "show", id, "--state"]);
    assert_eq!(
        state["max"],
        serde_json::json!(18446744073709551615_u64),
        "{state}"
    );
    assert_eq!(state["min"], serde_json::json!(i64::MIN), "{state}");
    assert_eq!(
        state["s"], "42540766411282592856903984951653826561",
        "{state}"
    );
}

fn a_background_child_holding_stdout_does_not_hang_the_step() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Leaky\"\nrun = \"cat >/dev/null; sleep 1000 & echo $! > bg.pid; echo '{\\\"ok\\\": 1}'\"\n",
    );
    let v = p.json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["ok"], 1);
    let bg: i32 = std::fs::read_to_string(p.path().join("bg.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(2);
    while Path::new(&format!("/proc/{bg}")).exists() && !is_zombie(bg) {
        assert!(Instant::now() < until, "the background child survived");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn is_zombie(pid: i32) -> bool {
    ProcStat::read(Path::new(&format!("/proc/{pid}"))).is_none_or(|s| !s.running())
}

fn a_step_ignoring_sigterm_is_killed_after_the_grace_period() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Stubborn\"\nrun = \"trap '' TERM; cat >/dev/null; set -- $(cat /proc/$$/stat); echo $5 > group; sleep 1000\"\ntimeout = \"100ms\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(reason.contains("timed out after 100ms"), "{reason}");
    let pgid: i32 = std::fs::read_to_string(p.path().join("group"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!super::crash::group_running(pgid), "the group survived");
}

fn a_step_that_never_ends_meets_the_project_timeout() {
    let p = Project::new();
    p.write("orch.toml", "step_timeout = \"200ms\"\n");
    task(
        &p,
        "[[step]]\nname = \"Forever\"\nrun = \"cat >/dev/null; set -- $(cat /proc/$$/stat); echo $5 > group; while :; do sleep 1; done\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert!(
        v["failed_reason"].as_str().unwrap().contains("timed out"),
        "{v}"
    );
    let pgid: i32 = std::fs::read_to_string(p.path().join("group"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!super::crash::group_running(pgid), "the group survived");
}

// ---- hostile stores ----

/// A project with one completed process, its database checkpointed into one file.
fn project_with_history() -> Project {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"A\"\nrun = \"cat >/dev/null\"\n");
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .unwrap();
    p
}

fn assert_refused_untouched(p: &Project, must_say: &[&str]) {
    let before = std::fs::read(p.db()).unwrap();
    for args in [&["process", "list"][..], &["workflow", "run", "t"][..]] {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            must_say.iter().any(|m| err.contains(m)),
            "{args:?}: unclear error: {err}"
        );
        assert!(err.contains("hint:"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(
        std::fs::read(p.db()).unwrap(),
        before,
        "orch changed the file"
    );
}

#[test]
fn a_truncated_database_is_refused_without_changes() {
    let p = project_with_history();
    let len = std::fs::metadata(p.db()).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(p.db())
        .unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    assert_refused_untouched(&p, &["damaged", "malformed"]);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_without_changes() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"A\"\nrun = \"true\"\n");
    p.write("orch.db", &"this is not a database\n".repeat(400));
    assert_refused_untouched(&p, &["is not a SQLite database"]);
}

/// Runs orch as an unprivileged user when the tests run as root, so that file modes
/// mean what they say. Returns (code, stderr).
fn run_unprivileged(p: &Project, args: &[&str]) -> (i32, String) {
    use std::os::unix::process::CommandExt;
    let mut cmd = p.command();
    cmd.args(args).stdout(Stdio::null());
    if is_root() {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_database_file_gives_a_clear_error() {
    let p = project_with_history();
    chmod(p.path(), 0o777);
    chmod(&p.db(), 0o444);
    let before = std::fs::read(p.db()).unwrap();
    let (code, err) = run_unprivileged(&p, &["workflow", "run", "t"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot write the database") && err.contains("orch.db"),
        "{err}"
    );
    assert!(
        err.contains("hint:") && err.contains("permissions"),
        "{err}"
    );
    assert_eq!(std::fs::read(p.db()).unwrap(), before);
}

/// A database in WAL mode opens for reading and is refused only at its first write,
/// where SQLite's words name no file: the error names it.
#[test]
fn a_refused_write_names_the_database() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"A\"\nrun = \"cat >/dev/null\"\n");
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    chmod(p.path(), 0o777);
    chmod(&p.db(), 0o444);
    let before = std::fs::read(p.db()).unwrap();
    let (code, err) = run_unprivileged(&p, &["workflow", "run", "t"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write the database"), "{err}");
    assert!(
        err.contains(&format!("caused by: the database is {}", p.db().display())),
        "{err}"
    );
    assert_eq!(std::fs::read(p.db()).unwrap(), before);
}

#[test]
fn a_read_only_folder_gives_a_clear_error() {
    let p = project_with_history();
    chmod(&p.db(), 0o666);
    chmod(p.path(), 0o555);
    let before = std::fs::read(p.db()).unwrap();
    let (code, err) = run_unprivileged(&p, &["workflow", "run", "t"]);
    chmod(p.path(), 0o755);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("orch.db"), "{err}");
    assert!(
        err.contains("hint:") && err.contains("permissions"),
        "{err}"
    );
    assert_eq!(std::fs::read(p.db()).unwrap(), before);
    // A database in a folder that is not there is refused, and no folder is made.
    let (code, err) = run_unprivileged(&p, &["--db", "sub/new.db", "db", "migrate"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("does not exist") && err.contains("mkdir -p"),
        "{err}"
    );
    assert!(!p.path().join("sub").exists());
}

/// A size-limited tmpfs, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u32) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(SmallDisk { dir })
    }

    /// [`SmallDisk::mount`], or None with a note when this machine does not allow it
    /// (the test is then skipped).
    fn mount_or_skip(kib: u32) -> Option<SmallDisk> {
        match SmallDisk::mount(kib) {
            Ok(d) => Some(d),
            Err(why) => {
                eprintln!("skipped: cannot mount a small tmpfs ({why})");
                None
            }
        }
    }

    /// Fills what room is left with one file, and gives its path.
    fn fill(&self) -> std::path::PathBuf {
        let filler = self.dir.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while std::io::Write::write_all(&mut file, &block).is_ok() {}
        filler
    }

    fn grow(&self, kib: u32) {
        let ok = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot grow the tmpfs");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_full_disk_fails_cleanly_and_the_process_can_be_retried() {
    let Some(disk) = SmallDisk::mount_or_skip(640) else {
        return;
    };
    let p = Project::new();
    let db = disk.dir.path().join("orch.db");
    let db_arg = db.to_str().unwrap();
    task(
        &p,
        "[[step]]\nname = \"Big\"\nrun = \"cat >/dev/null; printf '{\\\"blob\\\": \\\"'; head -c 2000000 /dev/zero | tr '\\\\0' x; printf '\\\"}'\"\n\
         [[step]]\nname = \"After\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["--db", db_arg, "workflow", "run", "t"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("disk is full"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(integrity(&db), "ok");
    // The step that could not be committed left no trace in the log.
    let v = p.json(&["--db", db_arg, "process", "list"]);
    let id = v[0]["id"].as_str().unwrap().to_string();
    let shown = p.json(&["--db", db_arg, "process", "show", &id]);
    assert_eq!(step_names(&shown, "success"), ["Start"], "{shown}");

    disk.grow(64 * 1024);
    let (code, out, err) = p.run(&["--db", db_arg, "-o", "json", "process", "retry", &id]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn a_full_disk_when_opening_says_so_and_loses_nothing() {
    let Some(disk) = SmallDisk::mount_or_skip(1024) else {
        return;
    };
    let p = Project::new();
    let db = disk.dir.path().join("orch.db");
    let db_arg = db.to_str().unwrap();
    task(&p, "[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let v = p.json(&["--db", db_arg, "workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    // Everything else fills the disk: no room is left for the WAL's shared memory.
    let filler = disk.fill();
    for args in [&["process", "list"][..], &["workflow", "run", "t"][..]] {
        let mut all = vec!["--db", db_arg];
        all.extend_from_slice(args);
        let (code, _, err) = p.run(&all);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("the disk is full"), "{err}");
        assert!(err.contains("hint: free some space"), "{err}");
        assert!(err.contains(db_arg), "{err}");
    }
    std::fs::remove_file(&filler).unwrap();
    let v = p.json(&["--db", db_arg, "process", "list"]);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(integrity(&db), "ok");
}

/// A command that is no step (`product load`) meeting a full disk names the database
/// and speaks of what it was writing, not of a step.
#[test]
fn a_full_disk_under_a_command_that_runs_no_step_names_the_database() {
    let Some(disk) = SmallDisk::mount_or_skip(2048) else {
        return;
    };
    let p = Project::example();
    let db = disk.dir.path().join("orch.db");
    let db_arg = db.to_str().unwrap();
    assert_eq!(p.run(&["--db", db_arg, "db", "migrate"]).0, 0);
    // Room to open the database (its -shm), none to grow its log.
    let filler = disk.fill();
    let size = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(size - 40 * 1024)
        .unwrap();
    let (code, _, err) = p.run(&["--db", db_arg, "product", "load"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    assert!(err.contains(db_arg), "{err}");
    assert!(!err.contains("last step"), "no step ran: {err}");
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(integrity(&db), "ok");
    assert_eq!(
        p.json(&["--db", db_arg, "product", "list"]),
        serde_json::json!([])
    );
}

#[test]
fn a_backup_to_a_full_disk_says_whose_disk_and_leaves_nothing_behind() {
    let Some(disk) = SmallDisk::mount_or_skip(64) else {
        return;
    };
    let p = Project::on(Store::Sqlite).unwrap();
    task(&p, "[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    assert_eq!(p.json(&["workflow", "run", "t"])["status"], "completed");
    let copy = disk.dir.path().join("copy.db");
    let (code, out, err) = p.run(&["db", "backup", copy.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!(
            "the disk is full: the copy of {} does not fit in {}",
            p.db().display(),
            disk.dir.path().display()
        )),
        "{err}"
    );
    assert!(err.contains("hint: free some space there"), "{err}");
    assert!(!err.contains("step"), "no step was in flight: {err}");
    let left: Vec<_> = std::fs::read_dir(disk.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(integrity(&p.db()), "ok");
}

// ---- security ----

#[test]
fn the_database_and_its_journal_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new();
    // While the step runs, the database is open and its WAL files exist.
    task(
        &p,
        "[[step]]\nname = \"A\"\nrun = \"cat >/dev/null; echo > started; sleep 0.5\"\n",
    );
    let mut orch = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(&p.path().join("started"));
    for suffix in ["", "-wal", "-shm"] {
        let path = p.path().join(format!("orch.db{suffix}"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is readable by others", path.display());
    }
    assert!(orch.wait().unwrap().success());
    let mode = std::fs::metadata(p.db()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

fn form_values_never_reach_a_shell_command_line() {
    let p = Project::new();
    task(
        &p,
        r#"
[[step]]
name = "Echo"
run = "cat > seen.json; printf '%s' '{{ state.name }}' > template.txt"
[[step]]
name = "Env"
run = "cat >/dev/null; echo \"$ORCH_STEP\" > env.txt"
"#,
    );
    let hostile = "x'; touch pwned; echo '$(touch pwned2)`touch pwned3`";
    let input = format!("name={hostile}");
    let v = p.json(&["workflow", "run", "t", "--input", &input]);
    assert_eq!(v["status"], "completed", "{v}");
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(
            !p.path().join(f).exists(),
            "the input ran as a command ({f})"
        );
    }
    // The value arrived on stdin as data, and the command was not templated.
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("seen.json")).unwrap())
            .unwrap();
    assert_eq!(seen["name"], hostile);
    assert_eq!(
        std::fs::read_to_string(p.path().join("template.txt")).unwrap(),
        "{{ state.name }}"
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("env.txt")).unwrap(),
        "Env\n"
    );
}

fn templates_cannot_include_import_or_read_files() {
    let p = Project::new();
    p.write("secret.txt", "TOP-SECRET-CONTENT");
    for template in [
        "{% include 'secret.txt' %}",
        "{% import 'secret.txt' as s %}",
        "{% from 'secret.txt' import x %}{{ x }}",
        "{% extends 'secret.txt' %}",
    ] {
        task(
            &p,
            &format!(
                "[[step]]\nname = \"R\"\nbuiltin = \"render\"\nwith = {{ key = \"out\", template = \"{template}\" }}\n"
            ),
        );
        let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
        assert_eq!(code, 3, "{template}: {err}");
        assert!(!out.contains("TOP-SECRET"), "{template} read a file: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            v["failed_reason"].as_str().unwrap().contains("template"),
            "{v}"
        );
    }
}

/// A program the project does not carry (reached by `../`) is warned of; a program
/// named by its absolute path (`/usr/bin/env`) is the system's, and only has to exist.
#[test]
fn workflow_check_reports_a_run_step_outside_the_project() {
    let p = Project::new();
    let outside = tempfile::tempdir().unwrap();
    let script = outside.path().join("evil.sh");
    std::fs::write(&script, "#!/bin/sh\ntrue\n").unwrap();
    chmod(&script, 0o755);
    task(
        &p,
        &format!(
            "[[step]]\nname = \"Out\"\nrun = \"{}\"\n[[step]]\nname = \"Up\"\nrun = \"../{}/evil.sh\"\n",
            script.display(),
            outside.path().file_name().unwrap().to_string_lossy()
        ),
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("outside the project").count(), 1, "{err}");
    assert!(
        err.contains("warning: workflows/t.toml:8:1: step[1].run: `../"),
        "{err}"
    );

    // Quoted as `sh` reads it: a path with a space is one word.
    std::fs::create_dir_all(p.path().join("workflows/scripts")).unwrap();
    let spaced = p.path().join("workflows/scripts/with space.sh");
    std::fs::write(&spaced, "#!/bin/sh\ntrue\n").unwrap();
    chmod(&spaced, 0o755);
    task(
        &p,
        "[[step]]\nname = \"Q\"\nrun = \"'workflows/scripts/with space.sh' a\"\n[[step]]\nname = \"E\"\nrun = \"workflows/scripts/with\\\\ space.sh\"\n[[step]]\nname = \"D\"\nrun = \"workflows/scripts\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`workflows/scripts` is a folder"), "{err}");
    assert_eq!(err.matches("step[").count(), 1, "only the folder: {err}");
    assert_eq!(
        p.run(&["task", "run", "t"]).0,
        3,
        "the folder fails to run too"
    );
}

both!(
    kill_9_during_a_step_leaves_a_stale_process_that_retry_completes,
    abort_after_kill_9_names_the_step_in_flight,
    retry_queue_hands_a_stale_process_to_the_workers,
    two_retries_racing_for_one_process_run_it_once,
    retry_after_an_edit_says_what_changed_and_keeps_the_stored_definition,
    two_hundred_megabytes_on_stdout_fail_the_step_within_bounded_memory,
    binary_garbage_on_stderr_and_stdout_is_recorded_as_text,
    a_number_orch_cannot_keep_exactly_fails_the_step,
    a_background_child_holding_stdout_does_not_hang_the_step,
    a_step_ignoring_sigterm_is_killed_after_the_grace_period,
    a_step_that_never_ends_meets_the_project_timeout,
    form_values_never_reach_a_shell_command_line,
    templates_cannot_include_import_or_read_files,
);
