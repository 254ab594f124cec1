//! The event outbox through the real binary: followers and consumers in one orch
//! process, workflows committing in others.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Project;
use super::both;

/// A project with a workflow that completes and one whose step fails after printing a
/// state patch (which must not be applied).
fn project() -> Project {
    let p = Project::new();
    p.write(
        "workflows/ok.toml",
        r#"name = "ok"
target = "system"
[[step]]
name = "Set"
run = "cat >/dev/null; echo '{\"a\": 1}'"
[[step]]
name = "Nothing"
builtin = "noop"
"#,
    );
    p.write(
        "workflows/bad.toml",
        r#"name = "bad"
target = "system"
[[step]]
name = "Broken"
run = "echo '{\"x\": 1}'; exit 1"
"#,
    );
    p
}

/// An orch running in the background whose stdout lines are collected as they come,
/// with when each came.
pub struct Background {
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
    /// What it said on stderr so far.
    said: Arc<Mutex<String>>,
}

impl Background {
    pub fn start(p: &Project, args: &[&str]) -> Background {
        let mut child = p
            .command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => sink.lock().unwrap().push((Instant::now(), l)),
                    Err(_) => break,
                }
            }
        });
        let said = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&said);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                match line {
                    Ok(l) => {
                        let mut s = sink.lock().unwrap();
                        s.push_str(&l);
                        s.push('\n');
                    }
                    Err(_) => break,
                }
            }
        });
        Background { child, lines, said }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    /// Waits until it said `text` on stderr.
    pub fn wait_to_say(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.said.lock().unwrap().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "gave up waiting for `{text}` on stderr:\n{}",
            self.said.lock().unwrap()
        );
    }

    /// The lines printed so far.
    pub fn lines(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        lines.iter().map(|(_, l)| l.clone()).collect()
    }

    /// Waits (generously) until the collected lines satisfy `done`.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if done(&self.lines()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!(
            "gave up waiting for {what}; printed so far:\n{}",
            self.lines().join("\n")
        );
    }

    /// Waits for the `n`th line; returns when it came.
    pub fn line_at(&self, n: usize) -> Instant {
        self.wait_for(&format!("line {n}"), |l| l.len() >= n);
        self.lines.lock().unwrap()[n - 1].0
    }

    /// Sends SIGTERM and returns the exit code, stdout lines and stderr.
    pub fn terminate(mut self) -> (i32, Vec<String>, String) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        // The reader threads end at EOF, right after the child.
        let deadline = Instant::now() + Duration::from_secs(30);
        while (Arc::strong_count(&self.lines) > 1 || Arc::strong_count(&self.said) > 1)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let stderr = self.said.lock().unwrap().clone();
        (code, self.lines(), stderr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn seq_of(line: &str) -> i64 {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    v["seq"].as_i64().unwrap()
}

/// Every event in the database, one JSON line each.
fn all_events(p: &Project) -> Vec<String> {
    let (code, out, err) = p.run(&["events", "-o", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    out.lines().map(str::to_string).collect()
}

fn run_workflow(p: &Project, name: &str) -> (i32, Value) {
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", name]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

fn a_follower_prints_every_committed_event_once_and_in_order() {
    let p = project();
    // Migrate first, so the follower and the writers do not race to create the schema.
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let follower = Background::start(&p, &["events", "--follow", "--since", "0", "-o", "jsonl"]);

    // Several orch processes write at the same time while the follower reads.
    let mut bad_id = String::new();
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..2 {
                    let (code, v) = run_workflow(&p, "ok");
                    assert_eq!(code, 0, "{v}");
                }
            });
        }
        let (code, v) = run_workflow(&p, "bad");
        assert_eq!(code, 3, "{v}");
        bad_id = v["id"].as_str().unwrap().to_string();
    });

    let expected = all_events(&p);
    let last = seq_of(expected.last().unwrap());
    follower.wait_for(&format!("seq {last}"), |lines| {
        lines.last().is_some_and(|l| seq_of(l) >= last)
    });
    let (code, printed, stderr) = follower.terminate();
    assert_eq!(code, 0, "a stopped follower exits 0: {stderr}");

    let seqs: Vec<i64> = printed.iter().map(|l| seq_of(l)).collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "once each, in order");
    assert_eq!(printed, expected);
    // 7 processes: started, 4 steps (Start, Set, Nothing, Done), completed for each good
    // one; started, Start, the failed step and failed for the bad one.
    assert_eq!(last, 6 * 6 + 4);

    // Writers committed in an order of their own: `at` is the commit time, so it never
    // runs backwards against `seq` (RFC 3339 UTC with fixed digits sorts as text).
    let times: Vec<String> = printed
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["at"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for pair in times.windows(2) {
        assert!(pair[0] <= pair[1], "`at` ran backwards: {pair:?}");
    }

    // The failed step left only the events of a failed step, and its patch was dropped.
    let of_bad: Vec<Value> = printed
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["process_id"] == bad_id.as_str())
        .collect();
    let summary: Vec<String> = of_bad
        .iter()
        .map(|e| match e["data"]["name"].as_str() {
            Some(step) => format!("{} {step} {}", e["kind"], e["data"]["status"]),
            None => e["kind"].to_string(),
        })
        .map(|s| s.replace('"', ""))
        .collect();
    assert_eq!(
        summary,
        [
            "process.started",
            "step.finished Start success",
            "step.finished Broken failed",
            "process.failed",
        ]
    );
    let failed_step = &of_bad[2]["data"];
    assert_eq!(failed_step["attempt"], 1);
    assert!(failed_step["duration_ms"].is_u64(), "{failed_step}");
    assert!(failed_step["error"].as_str().unwrap().contains("status 1"));
    assert_eq!(of_bad[3]["data"]["from"], "running");
    assert_eq!(of_bad[3]["data"]["to"], "failed");
    let shown = p.json(&["process", "show", &bad_id]);
    assert_eq!(shown["state"].get("x"), None, "{shown}");
}

fn a_consumer_stopped_mid_stream_resumes_without_gap_or_repeat() {
    let p = project();
    for _ in 0..3 {
        assert_eq!(run_workflow(&p, "ok").0, 0);
    }
    // The command is slow, so SIGTERM lands while the consumer is busy with an event.
    let consumer = Background::start(
        &p,
        &[
            "events",
            "--follow",
            "--consumer",
            "feed",
            "--exec",
            "sleep 0.2; cat",
        ],
    );
    consumer.wait_for("three events", |lines| lines.len() >= 3);
    let (code, first, stderr) = consumer.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("consumer feed stopped at seq"), "{stderr}");

    // More happens while the consumer is down.
    assert_eq!(run_workflow(&p, "bad").0, 3);
    let (code, rest, err) = p.run(&["events", "--consumer", "feed", "--exec", "cat"]);
    assert_eq!(code, 0, "{err}");

    let mut union: Vec<String> = first;
    union.extend(rest.lines().map(str::to_string));
    assert_eq!(union, all_events(&p), "every event once, in order");

    let consumers = p.json(&["events", "consumers"]);
    assert_eq!(consumers[0]["name"], "feed");
    assert_eq!(consumers[0]["lag"], 0);
    assert_eq!(consumers[0]["position"], consumers[0]["last_seq"]);
}

fn a_printing_consumer_hands_out_each_event_once_across_runs() {
    let p = project();
    assert_eq!(run_workflow(&p, "ok").0, 0);
    let (code, first, _) = p.run(&["events", "--consumer", "log", "--limit", "4", "-o", "jsonl"]);
    assert_eq!(code, 0);
    assert_eq!(first.lines().count(), 4);
    let behind = p.json(&["events", "consumers"]);
    assert_eq!(behind[0]["position"], 4);
    assert_eq!(behind[0]["lag"], 2);
    assert_eq!(run_workflow(&p, "bad").0, 3);
    let (_, second, _) = p.run(&["events", "--consumer", "log", "-o", "jsonl"]);
    let (_, third, _) = p.run(&["events", "--consumer", "log", "-o", "jsonl"]);
    assert_eq!(third, "", "nothing new, nothing printed");
    let union: Vec<String> = first
        .lines()
        .chain(second.lines())
        .map(str::to_string)
        .collect();
    assert_eq!(union, all_events(&p));

    // --since moves a consumer back explicitly.
    let (code, again, err) = p.run(&["events", "--consumer", "log", "--since", "8", "-o", "jsonl"]);
    assert_eq!(code, 0);
    assert!(err.contains("moved from seq 10 to seq 8"), "{err}");
    assert_eq!(again.lines().map(seq_of).collect::<Vec<_>>(), [9, 10]);

    let (code, _, _) = p.run(&["events", "consumers", "--remove", "log"]);
    assert_eq!(code, 0);
    assert_eq!(p.json(&["events", "consumers"]), serde_json::json!([]));
    assert_eq!(p.run(&["events", "consumers", "--remove", "log"]).0, 6);
}

fn a_failing_command_stops_the_consumer_at_its_event() {
    let p = project();
    assert_eq!(run_workflow(&p, "ok").0, 0);
    let picky = "kind=$ORCH_EVENT_KIND; cat >/dev/null; [ \"$kind\" != process.completed ] || { echo 'cannot take it' >&2; exit 4; }; echo \"$ORCH_EVENT_SEQ\"";
    let (code, out, err) = p.run(&["events", "--consumer", "hook", "--exec", picky]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), ["1", "2", "3", "4", "5"]);
    assert!(err.contains("cannot take it"), "{err}");
    assert!(
        err.contains("exited with code 4 on event 6 (process.completed)"),
        "{err}"
    );
    assert!(
        err.contains("hint: consumer hook stays before event 6"),
        "{err}"
    );
    assert_eq!(p.json(&["events", "consumers"])[0]["position"], 5);

    // An empty command (`--exec "$HANDLER"`, the variable unset) would exit 0 for each
    // event and pass them all as handled: refused, and the consumer stays where it was.
    for empty in ["", "  "] {
        let (code, _, err) = p.run(&["events", "--consumer", "hook", "--exec", empty]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("error: --exec needs a command: it is empty"),
            "{err}"
        );
    }
    assert_eq!(p.json(&["events", "consumers"])[0]["position"], 5);

    // The event was not lost: the fixed command gets it first.
    let (code, out, err) = p.run(&["events", "--consumer", "hook", "--exec", "cat"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().map(seq_of).collect::<Vec<_>>(), [6]);
}

fn events_are_filtered_by_kind_process_and_range() {
    let p = project();
    let (_, ok) = run_workflow(&p, "ok");
    assert_eq!(run_workflow(&p, "bad").0, 3);
    let kinds = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["events"];
        all.extend_from_slice(args);
        p.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        kinds(&["--kind", "process.*"]),
        [
            "process.started",
            "process.completed",
            "process.started",
            "process.failed"
        ]
    );
    assert_eq!(
        kinds(&["--kind", "process.failed,process.completed"]),
        ["process.completed", "process.failed"]
    );
    let id = ok["id"].as_str().unwrap();
    assert_eq!(kinds(&["--process", &id[..20]]).len(), 6);
    assert_eq!(
        kinds(&["--since", "6", "--limit", "2"]),
        ["process.started", "step.finished"]
    );

    let v = p.json(&["events", "--limit", "1"]);
    let keys: Vec<&str> = v[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in ["seq", "at", "kind", "process_id", "subscription_id", "data"] {
        assert!(keys.contains(&k), "{k} missing from {v}");
    }
    assert!(v[0]["at"].as_str().unwrap().ends_with('Z'));

    let (code, table, err) = p.run(&["events", "--kind", "step.*"]);
    assert_eq!(code, 0);
    assert!(!err.contains("warning"), "{err}");
    // A kind orch never writes is most likely a typo: said, though not an error.
    let (code, _, err) = p.run(&["events", "--kind", "proces.failed"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no event kind orch writes matches `proces.failed`")
            && err.contains("process.failed"),
        "{err}"
    );
    assert!(table.trim_start().starts_with("SEQ"), "{table}");
    assert!(table.contains("Broken: failed ("), "{table}");
    // An empty one (`--kind "$KINDS"`, the variable unset) is no filter lifted: a
    // consumer would take every event for the ones it asked for.
    for empty in ["", ","] {
        let (code, out, err) = p.run(&["events", "--kind", empty, "-o", "jsonl"]);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains("error: --kind names no kind: it is empty"),
            "{err}"
        );
    }
    // A trailing comma among kinds is still taken.
    assert_eq!(kinds(&["--kind", "process.failed,"]), ["process.failed"]);

    let (code, _, err) = p.run(&["events", "--follow", "-o", "json"]);
    assert_eq!(code, 2);
    assert!(err.contains("-o jsonl"), "{err}");
    assert_eq!(p.run(&["events", "--process", "ffffffff-none"]).0, 6);
}

fn a_retry_says_the_process_runs_again() {
    let p = Project::new();
    p.write(
        "workflows/flaky.toml",
        "name = \"flaky\"\ntarget = \"system\"\n[[step]]\nname = \"Try\"\nrun = \"test -f fixed\"\n",
    );
    let (code, v) = run_workflow(&p, "flaky");
    assert_eq!(code, 3, "{v}");
    p.write("fixed", "");
    let id = v["id"].as_str().unwrap();
    assert_eq!(p.run(&["process", "retry", id]).0, 0);
    let changes: Vec<String> = p
        .json(&["events", "--kind", "process.*"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["kind"], e["data"]["from"], e["data"]["to"]))
        .map(|s| s.replace('"', ""))
        .collect();
    assert_eq!(
        changes,
        [
            "process.started null null",
            "process.failed running failed",
            "process.running failed running",
            "process.completed running completed",
        ]
    );
}

/// An abort runs no step: no `process.running` comes between the status the process
/// rested in and `process.aborted`, whose `from` is that status.
fn an_abort_says_the_status_the_process_rested_in() {
    let p = Project::new();
    p.write(
        "workflows/ask.toml",
        "name = \"ask\"\ntarget = \"system\"\n[[step]]\nname = \"Ask\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n",
    );
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = \"Try\"\nrun = \"exit 1\"\n",
    );
    let (code, v) = run_workflow(&p, "ask");
    assert_eq!(code, 4, "{v}");
    let suspended = v["id"].as_str().unwrap().to_string();
    let (code, v) = run_workflow(&p, "broken");
    assert_eq!(code, 3, "{v}");
    let failed = v["id"].as_str().unwrap().to_string();
    let queued = p.ok_json(&["workflow", "run", "broken", "--queue"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (id, rested) in [
        (&suspended, "suspended"),
        (&failed, "failed"),
        (&queued, "created"),
    ] {
        let v = p.ok_json(&["process", "abort", id]);
        assert_eq!(v["status"], "aborted", "{v}");
        let mut changes = crate::status_changes(&p, id);
        assert_eq!(
            changes.pop().as_deref(),
            Some(format!("process.aborted {rested} aborted").as_str()),
            "{changes:?}"
        );
        assert!(
            !changes.iter().any(|c| c.starts_with("process.running")),
            "{changes:?}"
        );
    }
}

/// An answer recorded for the workers (`resume --queue`) runs no step either: the
/// process goes from suspended to created; the worker that picks it up runs it.
fn an_answer_queued_for_the_workers_says_the_process_was_suspended() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Ask\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n");
    let (code, v) = run_workflow(&p, "t");
    assert_eq!(code, 4, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let v = p.ok_json(&["process", "resume", &id, "--input", "ok=true", "--queue"]);
    assert_eq!(v["status"], "created", "{v}");
    assert_eq!(
        crate::status_changes(&p, &id),
        [
            "process.started null null",
            "process.suspended running suspended",
            "process.created suspended created",
        ]
    );
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        crate::status_changes(&p, &id)[3..],
        [
            "process.running created running",
            "process.completed running completed",
        ]
    );
}

/// A `--since` after the newest event is refused (a stream there would pass over
/// the events up to it as they come); a consumer already past it is said so, with a
/// negative lag.
fn a_since_past_the_newest_event_is_refused() {
    let p = project();
    assert_eq!(run_workflow(&p, "ok").0, 0);
    for args in [
        &["events", "--consumer", "typo", "--since", "5000"][..],
        &["events", "--follow", "--since", "7", "-o", "jsonl"],
        &[
            "events",
            "--consumer",
            "typo",
            "--since",
            "7",
            "--exec",
            "cat",
        ],
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("past the newest event (seq 6)"), "{err}");
        assert!(
            err.contains("starts") && err.contains("at the end"),
            "{err}"
        );
    }
    let (_, _, err) = p.run(&["events", "--consumer", "typo", "--since", "5000"]);
    assert!(err.contains("`--since 6` starts consumer typo"), "{err}");
    assert_eq!(p.json(&["events", "consumers"]), serde_json::json!([]));

    // At the end is where a consumer may start: it gets the next event.
    let (code, out, err) = p.run(&[
        "events",
        "--consumer",
        "late",
        "--since",
        "6",
        "-o",
        "jsonl",
    ]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert_eq!(run_workflow(&p, "ok").0, 0);
    let (code, out, _) = p.run(&["events", "--consumer", "late", "-o", "jsonl"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().map(seq_of).collect::<Vec<_>>(),
        (7..=12).collect::<Vec<_>>()
    );

    // A consumer left past the end (by an older orch, or by hand) is not hidden.
    p.sql("UPDATE event_consumers SET position = 5000 WHERE name = 'late'");
    let (code, out, err) = p.run(&["-o", "json", "events", "consumers"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["lag"], 12 - 5000, "{listed}");
    assert!(
        err.contains("consumer late is at seq 5000, past the newest event (seq 12)")
            && err.contains("--since 12"),
        "{err}"
    );
    let (code, _, err) = p.run(&["events", "--consumer", "late", "-o", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("past the newest event"), "{err}");
}

/// An event whose stored data is not JSON (changed by hand) is named by its seq,
/// with `db check` as the hint; a stream hands out every event before it first, and
/// `db check` finds it.
fn an_event_that_is_not_json_is_named_and_those_before_it_are_handed_out() {
    let p = project();
    assert_eq!(run_workflow(&p, "ok").0, 0);
    p.sql("UPDATE events SET data = '[oops' WHERE seq = 5");
    let (code, _, err) = p.run(&["events"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the data of event 5 (step.finished) is not JSON")
            && err.contains("orch db check"),
        "{err}"
    );
    for args in [
        &["events", "--follow", "--since", "0", "-o", "jsonl"][..],
        &["events", "--consumer", "c", "-o", "jsonl"],
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(out.lines().map(seq_of).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(err.contains("event 5"), "{err}");
    }
    assert_eq!(p.json(&["events", "consumers"])[0]["position"], 4);
    let report = p.json_exiting(&["db", "check"], 1);
    assert_eq!(
        report["problems"],
        serde_json::json!(["1 event(s) whose data is not JSON (the first: event 5)"]),
        "{report}"
    );
}

/// Sends SIGKILL, without waiting for the process to end.
fn kill_9(b: &Background) {
    // SAFETY: kill has no memory effects; the pid is our own child's.
    assert_eq!(unsafe { libc::kill(b.pid(), libc::SIGKILL) }, 0);
}

/// Whether `events consumers` says a reader holds `name`.
fn reading(p: &Project, name: &str) -> bool {
    let all = p.json(&["events", "consumers"]);
    let found = all.as_array().unwrap().iter().find(|c| c["name"] == name);
    found.is_some_and(|c| c["reading"] == true)
}

/// One reader reads a consumer at a time: a second is refused at its start, and so is
/// removing it; the hold ends the moment its reader does, also when killed, so a
/// consumer restarted at once goes on.
fn a_consumer_is_read_by_one_reader_at_a_time() {
    let p = project();
    assert_eq!(run_workflow(&p, "ok").0, 0);
    let first = Background::start(
        &p,
        &["events", "--consumer", "solo", "--follow", "-o", "jsonl"],
    );
    first.wait_for("six events", |lines| lines.len() >= 6);
    assert!(reading(&p, "solo"));
    for args in [
        &["events", "--consumer", "solo", "-o", "jsonl"][..],
        &[
            "events",
            "--consumer",
            "solo",
            "--since",
            "0",
            "-o",
            "jsonl",
        ],
        &["events", "consumers", "--remove", "solo"],
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 7, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains("consumer solo is being read by another reader"),
            "{err}"
        );
    }
    assert_eq!(
        p.json(&["events", "consumers"])[0]["position"],
        6,
        "not moved"
    );

    kill_9(&first);
    assert_eq!(run_workflow(&p, "ok").0, 0);
    let (code, out, err) = p.run(&["events", "--consumer", "solo", "-o", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().map(seq_of).collect::<Vec<_>>(),
        (7..=12).collect::<Vec<_>>()
    );
    drop(first);

    // A follower killed and restarted at once: the new one takes the name.
    let second = Background::start(
        &p,
        &["events", "--consumer", "solo", "--follow", "-o", "jsonl"],
    );
    while !reading(&p, "solo") {
        std::thread::sleep(Duration::from_millis(10));
    }
    kill_9(&second);
    let third = Background::start(
        &p,
        &["events", "--consumer", "solo", "--follow", "-o", "jsonl"],
    );
    assert_eq!(run_workflow(&p, "ok").0, 0);
    third.wait_for("the new events", |lines| lines.len() >= 6);
    let (code, printed, err) = third.terminate();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        printed.iter().map(|l| seq_of(l)).collect::<Vec<_>>(),
        (13..=18).collect::<Vec<_>>()
    );
    drop(second);
    assert!(!reading(&p, "solo"));
    let (code, _, err) = p.run(&["events", "consumers", "--remove", "solo"]);
    assert_eq!(code, 0, "{err}");
}

/// A consumer's name is plain text: one with a newline or an escape sequence, which
/// `events consumers` would list across two rows or send to the terminal, is refused
/// before it is recorded, and shown escaped.
fn a_consumer_name_with_a_control_character_is_refused() {
    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nbuiltin = \"noop\"\n");
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    for (name, shown) in [("a\nb", r"a\nb"), ("\u{1b}[2Jx", r"\u{1b}[2Jx")] {
        let (code, _, err) = p.run(&["events", "--consumer", name]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "the consumer name `{shown}` holds a control character"
            )),
            "{err}"
        );
        assert!(!err.contains('\u{1b}'), "{err}");
    }
    let listed = p.ok_json(&["events", "consumers"]);
    assert_eq!(listed, serde_json::json!([]), "{listed}");
}

both!(
    a_consumer_name_with_a_control_character_is_refused,
    a_since_past_the_newest_event_is_refused,
    an_event_that_is_not_json_is_named_and_those_before_it_are_handed_out,
    a_consumer_is_read_by_one_reader_at_a_time,
    a_follower_prints_every_committed_event_once_and_in_order,
    a_consumer_stopped_mid_stream_resumes_without_gap_or_repeat,
    a_printing_consumer_hands_out_each_event_once_across_runs,
    a_failing_command_stops_the_consumer_at_its_event,
    events_are_filtered_by_kind_process_and_range,
    a_retry_says_the_process_runs_again,
    an_abort_says_the_status_the_process_rested_in,
    an_answer_queued_for_the_workers_says_the_process_was_suspended,
);
