//! Callbacks and locks under contention and crashes (DESIGN §14), through the real
//! binary: many processes on one lock, many answers to one token, and kill -9 while a
//! process awaits a callback or holds a lock. RELIABILITY.md lists what they show.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Project;
use super::both;
use super::crash::kill9;

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < until, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn read(p: &Project, file: &str) -> String {
    std::fs::read_to_string(p.path().join(file)).unwrap_or_default()
}

fn statuses(p: &Project) -> Vec<String> {
    p.ok_json(&["process", "list", "--limit", "1000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap().to_string())
        .collect()
}

/// The orch binary started by a shell once the file `go` exists, so that many start at
/// the same moment instead of one after the other; with the environment of
/// [`Project::command`] (its store, user, colours).
fn at_go(p: &Project, args: &[&str]) -> Child {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let orch = p.command();
    let mut sh = std::process::Command::new("sh");
    for (k, v) in orch.get_envs() {
        match v {
            // Hundreds of commands connect to PostgreSQL at once on a small machine:
            // waiting longer than the default 10 s to connect is what they are told.
            Some(v) if k == "ORCH_DB" => {
                let url = v.to_string_lossy();
                let sep = if url.contains('?') { '&' } else { '?' };
                sh.env(k, format!("{url}{sep}connect_timeout=60"))
            }
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh.arg("-c")
        .arg(format!(
            "while [ ! -f go ]; do sleep 0.01; done; exec \"$ORCH_EXE\" {}",
            quoted.join(" ")
        ))
        .current_dir(p.path())
        .env("ORCH_EXE", orch.get_program())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn outcome(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The events of `kind` about `lock`, as (seq, process), in order.
fn lock_events(p: &Project, kind: &str, lock: &str) -> Vec<(i64, String)> {
    p.ok_json(&["events", "--kind", kind, "--limit", "100000"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["lock"] == lock)
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["process_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Task `t`: its step `Guarded` holds `lock` and notes when it enters and leaves (ns
/// since the epoch) in effects.log; with `hang_once`, the first run to enter hangs
/// there (its orch is to be killed).
fn guarded_task(p: &Project, lock: &str, hang_once: bool) {
    let middle = if hang_once {
        "if [ ! -f hung-once ]; then touch hung-once; sleep 60; fi"
    } else {
        "sleep 0.1"
    };
    p.script(
        "workflows/scripts/guarded.sh",
        &format!(
            "cat >/dev/null\necho \"$ORCH_PROCESS_ID in $(date +%s%N)\" >> effects.log\n{middle}\necho \"$ORCH_PROCESS_ID out $(date +%s%N)\" >> effects.log"
        ),
    );
    p.task(&format!(
        "[[step]]\nname = \"Guarded\"\nrun = \"workflows/scripts/guarded.sh\"\nlocks = [\"{lock}\"]\n"
    ));
}

/// orch in the background, its output thrown away.
fn spawn_quiet(p: &Project, args: &[&str]) -> Child {
    p.command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn twenty_processes_started_at_once_on_one_lock_hold_it_one_at_a_time_in_arrival_order() {
    let p = Project::new();
    guarded_task(&p, "ipam:pool-a", false);
    let mut worker = spawn_quiet(&p, &["worker", "--concurrency", "4"]);
    let runs: Vec<Child> = (0..20)
        .map(|_| at_go(&p, &["workflow", "run", "t"]))
        .collect();
    let started = Instant::now();
    std::fs::write(p.path().join("go"), "").unwrap();
    let mut codes = Vec::new();
    for r in runs {
        let (code, _, err) = outcome(r);
        assert!(code == 0 || code == 5, "exit {code}: {err}");
        codes.push(code);
    }
    wait_until("all twenty to complete", Duration::from_secs(120), || {
        let s = statuses(&p);
        s.len() == 20 && s.iter().all(|s| s == "completed")
    });
    let took = started.elapsed();
    kill9(&mut worker);

    // Never two holders: the guarded intervals do not overlap.
    let mut intervals: Vec<(String, u128, u128)> = Vec::new();
    for line in read(&p, "effects.log").lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let at: u128 = f[2].parse().unwrap();
        match f[1] {
            "in" => intervals.push((f[0].to_string(), at, 0)),
            _ => {
                let open = intervals
                    .iter_mut()
                    .rev()
                    .find(|i| i.0 == f[0])
                    .expect("out after in");
                open.2 = at;
            }
        }
    }
    assert_eq!(intervals.len(), 20, "each ran once: {intervals:?}");
    intervals.sort_by_key(|i| i.1);
    for w in intervals.windows(2) {
        assert!(
            w[1].1 >= w[0].2,
            "two holders at once: {} entered at {} before {} left at {}",
            w[1].0,
            w[1].1,
            w[0].0,
            w[0].2
        );
    }

    // In arrival order: a process arrives when it queues for the lock, or takes it
    // with nobody in line; the lock went to them in that order.
    let taken = lock_events(&p, "lock.taken", "ipam:pool-a");
    let queued = lock_events(&p, "lock.waiting", "ipam:pool-a");
    assert_eq!(taken.len(), 20, "{taken:?}");
    let mut arrivals: Vec<(i64, String)> = taken
        .iter()
        .map(|(seq, id)| {
            let q = queued.iter().find(|(_, w)| w == id).map(|(s, _)| *s);
            (q.unwrap_or(*seq).min(*seq), id.clone())
        })
        .collect();
    arrivals.sort();
    let order: Vec<&String> = taken.iter().map(|(_, id)| id).collect();
    let arrived: Vec<&String> = arrivals.iter().map(|(_, id)| id).collect();
    assert_eq!(
        order, arrived,
        "the lock was not handed out in arrival order"
    );
    let ran: Vec<&String> = intervals.iter().map(|i| &i.0).collect();
    assert_eq!(
        ran, order,
        "the holders did not run in the order they took it"
    );
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
    let waited = codes.iter().filter(|c| **c == 5).count();
    eprintln!(
        "20 processes on one lock: {} took it at once, {waited} waited (exit 5) and were woken in order; {:.1}s in all",
        20 - waited,
        took.as_secs_f64()
    );
    assert!(waited >= 1, "nobody waited: the test proves nothing");
}

fn two_hundred_answers_racing_for_one_token_accept_exactly_one() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.txt",
    );
    p.script(
        "workflows/scripts/after.sh",
        "cat >/dev/null\necho \"$ORCH_PROCESS_ID\" >> after.log",
    );
    p.task(
        r#"
[[step]]
name = "Provision"
run = "workflows/scripts/submit.sh"
callback = { result = "job", timeout = "10m" }

[[step]]
name = "After"
run = "workflows/scripts/after.sh"
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    let token = read(&p, "token.txt");
    let answers: Vec<Child> = (0..200)
        .map(|i| {
            let n = format!("n={i}");
            at_go(
                &p,
                &[
                    "-o", "json", "process", "callback", &id, "--token", &token, "--input", &n,
                ],
            )
        })
        .collect();
    let started = Instant::now();
    std::fs::write(p.path().join("go"), "").unwrap();
    let mut accepted = Vec::new();
    let mut spent = 0;
    for (i, a) in answers.into_iter().enumerate() {
        let (code, out, err) = outcome(a);
        match code {
            0 => accepted.push((i, out)),
            6 => {
                assert!(err.contains("no callback waiting for this token"), "{err}");
                spent += 1;
            }
            other => panic!("answer {i}: exit {other}: {err}"),
        }
    }
    let took = started.elapsed();
    assert_eq!(accepted.len(), 1, "exactly one answer wins");
    assert_eq!(spent, 199, "the others are refused as spent");
    let (winner, out) = &accepted[0];
    let done: Value = serde_json::from_str(out).unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["state"]["job"]["n"], *winner as i64);
    // The process went on once.
    assert_eq!(read(&p, "after.log").lines().count(), 1);
    let answered = p.ok_json(&["events", "--kind", "callback.answered"]);
    assert_eq!(answered.as_array().unwrap().len(), 1);
    eprintln!(
        "200 answers to one token: 1 accepted (answer {winner}), 199 refused as spent, in {:.1}s",
        took.as_secs_f64()
    );
}

fn after_kill_9_and_takeover_a_handed_out_token_still_answers() {
    let p = Project::new();
    // The first run hands the token out, then hangs (its orch is killed there); a run
    // after that hands out another and returns.
    p.script(
        "workflows/scripts/submit.sh",
        r#"cat >/dev/null
printf '%s\n' "$ORCH_CALLBACK_TOKEN" >> tokens.txt
echo "$ORCH_PROCESS_ID $ORCH_ATTEMPT" >> submitted.log
if [ ! -f hung-once ]; then touch hung-once; sleep 60; fi"#,
    );
    p.script(
        "workflows/scripts/after.sh",
        "cat >/dev/null\necho \"$ORCH_PROCESS_ID\" >> after.log",
    );
    p.task(
        r#"
[[step]]
name = "Provision"
run = "workflows/scripts/submit.sh"
callback = { result = "job" }

[[step]]
name = "After"
run = "workflows/scripts/after.sh"
"#,
    );
    let mut orch = spawn_quiet(&p, &["workflow", "run", "t"]);
    wait_until(
        "the token to be handed out",
        Duration::from_secs(30),
        || read(&p, "submitted.log").lines().count() == 1,
    );
    kill9(&mut orch);
    let first = read(&p, "tokens.txt").lines().next().unwrap().to_string();
    let id = super::crash::only_process(&p).unwrap();
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["stale"], true, "{shown}");

    // Taken over: the step runs again and hands out a second token; the first, which
    // the external system already has, still answers.
    let v = p.json_exiting(&["process", "retry", &id], 4);
    assert_eq!(v["status"], "awaiting_callback");
    let tokens: Vec<String> = read(&p, "tokens.txt").lines().map(str::to_string).collect();
    assert_eq!(tokens.len(), 2);
    let v = p.ok_json(&[
        "process",
        "callback",
        &id,
        "--token",
        &first,
        "--input",
        "from=first",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job"]["from"], "first");
    // One answer per step: the second token is spent with it.
    let (code, _, _) = p.run(&["process", "callback", &id, "--token", &tokens[1]]);
    assert_eq!(code, 6);
    assert_eq!(read(&p, "after.log").lines().count(), 1);

    // At rest under a worker that is killed: the token answers, and the process goes
    // on in the command that answered.
    std::fs::remove_file(p.path().join("tokens.txt")).unwrap();
    let queued = p.ok_json(&["workflow", "run", "t", "--queue"]);
    let second = queued["id"].as_str().unwrap().to_string();
    let mut worker = spawn_quiet(&p, &["worker"]);
    wait_until(
        "the queued run to await its callback",
        Duration::from_secs(30),
        || p.ok_json(&["process", "show", &second])["status"] == "awaiting_callback",
    );
    kill9(&mut worker);
    let token = read(&p, "tokens.txt").lines().next().unwrap().to_string();
    let v = p.ok_json(&[
        "process", "callback", &second, "--token", &token, "--input", "n=2",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(read(&p, "after.log").lines().count(), 2);
}

fn after_kill_9_a_lock_stays_with_its_process_and_takeover_finishes_with_it() {
    let p = Project::new();
    guarded_task(&p, "device:rtr1", true);
    let mut orch = spawn_quiet(&p, &["workflow", "run", "t"]);
    wait_until("the guarded step to start", Duration::from_secs(30), || {
        read(&p, "effects.log").lines().count() == 1
    });
    kill9(&mut orch);
    let holder = super::crash::only_process(&p).unwrap();
    // The lock belongs to the process, not to the orch that died.
    let locks = p.ok_json(&["locks"]);
    assert_eq!(locks[0]["name"], "device:rtr1");
    assert_eq!(locks[0]["process_id"], holder.as_str(), "{locks}");
    // Its holder is said to be stale: whoever waits sees why the lock does not free.
    assert_eq!(locks[0]["holder_stale"], true, "{locks}");
    let (_, table, _) = p.run(&["locks"]);
    assert!(table.contains("(stale: its orch is gone)"), "{table}");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 5, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let waiter = v["id"].as_str().unwrap().to_string();
    // The waiter is told that nothing frees the lock until the holder is taken over.
    assert!(
        err.contains(&format!(
            "hint: its holder, process {holder}, is stale (the orch that ran it is gone) and keeps the lock until it is taken over: `orch process retry {holder}` does now"
        )),
        "{err}"
    );

    // A retry takes the dead orch's process over and finishes it with the lock it
    // holds; then the waiter gets it (a worker picks it up).
    let v = p.ok_json(&["process", "retry", &holder]);
    assert_eq!(v["status"], "completed", "{v}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    for id in [&holder, &waiter] {
        assert_eq!(p.ok_json(&["process", "show", id])["status"], "completed");
    }
    let taken = lock_events(&p, "lock.taken", "device:rtr1");
    let takers: Vec<&String> = taken.iter().map(|(_, id)| id).collect();
    assert_eq!(
        takers,
        [&holder, &waiter],
        "held by the same process throughout"
    );
    let released = lock_events(&p, "lock.released", "device:rtr1");
    assert_eq!(released.len(), 2, "{released:?}");
    assert!(
        released[0].0 < taken[1].0,
        "the waiter took it before it was let go"
    );
    assert_eq!(
        p.ok_json(&["locks"]),
        serde_json::json!([]),
        "nothing leaked"
    );
}

both!(
    twenty_processes_started_at_once_on_one_lock_hold_it_one_at_a_time_in_arrival_order,
    two_hundred_answers_racing_for_one_token_accept_exactly_one,
    after_kill_9_and_takeover_a_handed_out_token_still_answers,
    after_kill_9_a_lock_stays_with_its_process_and_takeover_finishes_with_it,
);
