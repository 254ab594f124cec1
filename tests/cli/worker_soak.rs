//! Workers under fire (issue 16's reliability): several workers share one database
//! while one of them is killed with SIGKILL every few seconds and started again; and a
//! worker stopped with SIGTERM while many processes are mid-step.
//!
//! Short by default; `ORCH_SOAK_PROCESSES=300` (with `ORCH_SOAK_KILL_MS`) is the long
//! run RELIABILITY.md reports.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::Project;
use super::both;

/// How long after a worker's SIGKILL a step it had just started may still begin.
const KILL_REACH_MS: u64 = 1_000;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Each step appends `start <process> <step> <attempt> <ms>` when it begins and
/// `end …` when it is done, with a side effect in between; `cut …` when its orch stops
/// it (SIGTERM: the worker's lease lapsed). A SIGKILLed worker's steps die without a word.
fn side_effect_workflow(p: &Project) {
    p.script(
        "workflows/scripts/effect.sh",
        r#"cat >/dev/null
trap 'echo "cut $ORCH_PROCESS_ID $ORCH_STEP $ORCH_ATTEMPT $(date +%s%3N)" >> effects.log; exit 143' TERM
echo "start $ORCH_PROCESS_ID $ORCH_STEP $ORCH_ATTEMPT $(date +%s%3N)" >> effects.log
sleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 3 )) &
wait $!
echo "end $ORCH_PROCESS_ID $ORCH_STEP $ORCH_ATTEMPT $(date +%s%3N)" >> effects.log"#,
    );
    let mut text = String::from("name = \"soak\"\ntarget = \"system\"\n");
    for i in 1..=4 {
        text.push_str(&format!(
            "[[step]]\nname = \"e{i}\"\nrun = \"workflows/scripts/effect.sh\"\n"
        ));
    }
    p.write("workflows/soak.toml", &text);
}

struct Effect {
    kind: String,
    process: String,
    step: String,
    at: u64,
}

fn effects(p: &Project) -> Vec<Effect> {
    std::fs::read_to_string(p.path().join("effects.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            Some(Effect {
                kind: f.first()?.to_string(),
                process: f.get(1)?.to_string(),
                step: f.get(2)?.to_string(),
                at: f.get(4)?.parse().ok()?,
            })
        })
        .collect()
}

fn worker(p: &Project) -> Child {
    p.command()
        .args([
            "worker",
            "--concurrency",
            "24",
            "--lease",
            "2s",
            "--grace",
            "10s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill(child: &mut Child, sig: i32) {
    // SAFETY: signalling a child this test started.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

fn three_workers_with_one_killed_now_and_then_lose_and_double_nothing() {
    let processes = env_number("ORCH_SOAK_PROCESSES", 60) as usize;
    let every = Duration::from_millis(env_number("ORCH_SOAK_KILL_MS", 1200));
    let p = Project::new();
    side_effect_workflow(&p);
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    for _ in 0..processes {
        let (code, _, err) = p.run(&["workflow", "run", "soak", "--queue"]);
        assert_eq!(code, 0, "{err}");
    }
    let mut workers: Vec<Child> = (0..3).map(|_| worker(&p)).collect();
    let mut kills: Vec<u64> = Vec::new();
    let started = Instant::now();
    let mut next = 0;
    let deadline = started + Duration::from_secs(600);
    loop {
        std::thread::sleep(every);
        let list = p.json(&["process", "list", "--limit", "100000"]);
        let open = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["status"] != "completed")
            .count();
        if open == 0 {
            break;
        }
        if Instant::now() >= deadline {
            let stuck: Vec<String> = list
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["status"] != "completed")
                .take(5)
                .map(|v| {
                    let shown = p.json(&["process", "show", v["id"].as_str().unwrap()]);
                    format!("{shown:#}")
                })
                .collect();
            panic!(
                "{open} processes never completed, among them:\n{}",
                stuck.join("\n")
            );
        }
        // Kill one worker (in turn) and start it again.
        kills.push(now_ms());
        kill(&mut workers[next], libc::SIGKILL);
        let _ = workers[next].wait();
        workers[next] = worker(&p);
        next = (next + 1) % workers.len();
    }
    for w in &mut workers {
        kill(w, libc::SIGTERM);
        let _ = w.wait();
    }
    eprintln!(
        "soak: {processes} processes, 3 workers, {} kills, {:.1}s",
        kills.len(),
        started.elapsed().as_secs_f64()
    );

    // Every step's side effect appears once, plus once per kill (or lapsed lease) that
    // caught it in flight, each recorded as an attempt of its own.
    let log = effects(&p);
    let mut starts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in log.iter().filter(|e| e.kind == "start") {
        *starts
            .entry((e.process.clone(), e.step.clone()))
            .or_default() += 1;
    }
    let mut reran = 0;
    for v in p
        .json(&["process", "list", "--limit", "100000"])
        .as_array()
        .unwrap()
    {
        let id = v["id"].as_str().unwrap();
        assert_eq!(v["status"], "completed", "{v}");
        let shown = p.ok_json(&["process", "show", id]);
        for i in 1..=4 {
            let step = format!("e{i}");
            let attempts: Vec<&serde_json::Value> = shown["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["name"] == step.as_str())
                .collect();
            // Every run of a step is an attempt in its log: a takeover notes the
            // attempt the dead orch had in flight, and a step stopped because its
            // orch's lease ran out is logged as waiting.
            let ran = starts
                .get(&(id.to_string(), step.clone()))
                .copied()
                .unwrap_or(0);
            if !(ran >= 1 && ran <= attempts.len()) {
                let lines: Vec<String> = log
                    .iter()
                    .filter(|e| e.process == id)
                    .map(|e| format!("{} {} {}", e.kind, e.step, e.at))
                    .collect();
                panic!(
                    "{id} {step}: the side effect ran {ran} times for {} attempts\nlog: {:#}\neffects: {lines:#?}\nkills: {kills:?}\nevents: {:#}",
                    attempts.len(),
                    shown["steps"],
                    p.json(&["events", "--process", id, "-o", "json"])
                );
            }
            reran += ran - 1;
        }
    }
    assert!(
        reran <= kills.len() * 24,
        "more re-runs than kills could cause"
    );

    // No process ran in two workers at once: an attempt that did not end was cut short
    // by its orch (a `cut` line) or by the kill that came next; the next attempt of its
    // process starts after that.
    let mut by_process: BTreeMap<&str, Vec<&Effect>> = BTreeMap::new();
    for e in &log {
        by_process.entry(e.process.as_str()).or_default().push(e);
    }
    for (id, events) in by_process {
        let mut open: Option<u64> = None;
        let told: Vec<String> = events
            .iter()
            .map(|e| format!("{} {} {}", e.kind, e.step, e.at))
            .collect();
        for e in events {
            match e.kind.as_str() {
                "start" => {
                    if let Some(since) = open {
                        // A killed worker's step may still write its first line a
                        // moment after the kill, before the step's group is killed.
                        let cut = kills.iter().find(|k| **k + KILL_REACH_MS >= since).copied();
                        assert!(
                            cut.is_some_and(|k| k <= e.at),
                            "process {id} started a step at {} while one from {since} still ran\neffects: {told:#?}\nkills: {kills:?}\nsteps: {:#}",
                            e.at,
                            p.ok_json(&["process", "show", id])["steps"]
                        );
                    }
                    open = Some(e.at);
                }
                _ => open = None,
            }
        }
    }
    assert_store_sound(&p);
}

fn sigterm_with_fifty_processes_mid_step_loses_nothing() {
    let p = Project::new();
    p.script(
        "workflows/scripts/slow.sh",
        "cat >/dev/null\necho \"$ORCH_PROCESS_ID $ORCH_STEP\" >> started.log\nsleep 3\necho \"$ORCH_PROCESS_ID $ORCH_STEP\" >> done.log",
    );
    p.write(
        "workflows/slow.toml",
        "name = \"slow\"\ntarget = \"system\"\n[[step]]\nname = \"one\"\nrun = \"workflows/scripts/slow.sh\"\n[[step]]\nname = \"two\"\nrun = \"workflows/scripts/slow.sh\"\n",
    );
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    for _ in 0..50 {
        assert_eq!(p.run(&["workflow", "run", "slow", "--queue"]).0, 0);
    }
    let mut w = p
        .command()
        .args(["worker", "--concurrency", "50", "--grace", "20s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Mid-step: every one of the fifty has started its step (claimed and at `Start`
    // is not enough on a loaded machine: a step not started when the stop comes
    // rightly never starts).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let started = std::fs::read_to_string(p.path().join("started.log")).unwrap_or_default();
        if started.lines().count() == 50 {
            break;
        }
        assert!(Instant::now() < deadline, "the fifty never ran at once");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stopped = Instant::now();
    kill(&mut w, libc::SIGTERM);
    let out = w.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stopped.elapsed() < Duration::from_secs(20),
        "not within the grace"
    );
    let done = std::fs::read_to_string(p.path().join("done.log")).unwrap_or_default();
    assert_eq!(
        done.lines().count(),
        50,
        "every step in flight finished: {done}"
    );
    let list = p.json(&["process", "list", "--limit", "100"]);
    for v in list.as_array().unwrap() {
        assert_eq!(v["status"], "waiting", "{v}");
        assert!(v["owner"].is_null());
        let shown = p.ok_json(&["process", "show", v["id"].as_str().unwrap()]);
        let one = shown["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "one")
            .cloned()
            .unwrap();
        assert_eq!(
            one["status"], "success",
            "committed before the worker stopped"
        );
    }
    assert_store_sound(&p);
}

/// The store is sound after the kills: SQLite's integrity check, PostgreSQL's
/// consistency checks, through `orch db check`.
fn assert_store_sound(p: &Project) {
    let (code, out, err) = p.run(&["db", "check"]);
    assert_eq!(code, 0, "db check after the soak:\n{out}{err}");
}

both!(
    three_workers_with_one_killed_now_and_then_lose_and_double_nothing,
    sigterm_with_fifty_processes_mid_step_loses_nothing,
);
