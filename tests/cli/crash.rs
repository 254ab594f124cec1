//! Crash injection and a concurrency soak: orch is killed with SIGKILL at seeded random
//! moments and recovered with `retry`/`resume`; several orch commands share one database.
//!
//! Short by default so CI stays fast; `ORCH_CRASH_ROUNDS=500` and `ORCH_SOAK_SECS=60`
//! select the long modes (see RELIABILITY.md). `ORCH_CRASH_SEED` replays a run.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::Project;
use super::both;

/// A small seeded PRNG (xorshift64*), so a failing run can be replayed by its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `PRAGMA integrity_check` of a database file.
pub fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .expect("integrity_check")
}

/// What `/proc/PID/stat` says of a process: its state letter, its process group and
/// the fields after the command name (for messages).
pub struct ProcStat {
    pub state: char,
    pub pgrp: i32,
    pub fields: String,
}

impl ProcStat {
    /// Reads the stat of the process whose `/proc` folder is `dir`.
    pub fn read(dir: &Path) -> Option<ProcStat> {
        let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
        let (_, rest) = stat.rsplit_once(')')?;
        let mut f = rest.split_whitespace();
        let state = f.next()?.chars().next()?;
        let pgrp = f.nth(1)?.parse().ok()?;
        Some(ProcStat {
            state,
            pgrp,
            fields: rest.trim().to_string(),
        })
    }

    /// Running means not a zombie (this sandbox's init does not reap orphans).
    pub fn running(&self) -> bool {
        !matches!(self.state, 'Z' | 'X')
    }
}

/// Every process in /proc, with its folder.
fn processes() -> impl Iterator<Item = (std::path::PathBuf, ProcStat)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| ProcStat::read(&e.path()).map(|s| (e.path(), s)))
}

/// The process groups that have a running (not zombie) member, from one scan of /proc.
pub fn running_groups() -> HashSet<i32> {
    processes()
        .filter(|(_, s)| s.running())
        .map(|(_, s)| s.pgrp)
        .collect()
}

/// The command lines of the members of a process group, for failure messages.
pub fn describe_groups(pgids: &[i32]) -> String {
    let mut out = String::new();
    for (dir, stat) in processes().filter(|(_, s)| pgids.contains(&s.pgrp)) {
        let cmd = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        out.push_str(&format!(
            "\n  {} [{}] {cmd}",
            dir.file_name().unwrap_or_default().to_string_lossy(),
            stat.fields.chars().take(40).collect::<String>()
        ));
    }
    out
}

/// Whether any non-zombie process is in process group `pgid`.
pub fn group_running(pgid: i32) -> bool {
    running_groups().contains(&pgid)
}

/// Waits (bounded) for process groups to be gone; returns the ones still running.
pub fn groups_left_after(pgids: &HashSet<i32>, limit: Duration) -> Vec<i32> {
    let until = Instant::now() + limit;
    loop {
        let running = running_groups();
        let left: Vec<i32> = pgids.intersection(&running).copied().collect();
        if left.is_empty() || Instant::now() > until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Of `pgids`, the groups with a member working in `dir`: over a long run a recorded
/// group id can be reused by an unrelated process of the machine, which is not ours.
pub fn groups_in(pgids: &[i32], dir: &std::path::Path) -> Vec<i32> {
    let cwd = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let ours: HashSet<i32> = processes()
        .filter(|(p, s)| {
            pgids.contains(&s.pgrp) && std::fs::read_link(p.join("cwd")).is_ok_and(|c| c == cwd)
        })
        .map(|(_, s)| s.pgrp)
        .collect();
    pgids.iter().copied().filter(|g| ours.contains(g)).collect()
}

/// Waits (bounded) for the step shells started ahead in `dir` (still waiting at their
/// gate, so they never ran a step and record no effect) to be gone; returns the pids left.
pub fn gated_shells_left_in(dir: &std::path::Path, limit: Duration) -> Vec<String> {
    let until = Instant::now() + limit;
    let cwd = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    loop {
        let left: Vec<String> = processes()
            .filter(|(dir, stat)| {
                let cmd = std::fs::read(dir.join("cmdline")).unwrap_or_default();
                stat.running()
                    && String::from_utf8_lossy(&cmd).contains("_orch_go")
                    && std::fs::read_link(dir.join("cwd")).is_ok_and(|c| c == cwd)
            })
            .map(|(dir, _)| {
                dir.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        if left.is_empty() || Instant::now() > until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (bounded) for a process group to be gone; true when it is.
pub fn group_gone_within(pgid: i32, limit: Duration) -> bool {
    groups_left_after(&HashSet::from([pgid]), limit).is_empty()
}

/// Kills a child with SIGKILL and reaps it (a zombie would still look like an owner).
pub fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A script step that appends `<process> <step> <attempt> <pgid>` to effects.txt,
/// then sleeps `$CRASH_SLEEP` seconds (inherited from orch's environment). A helper it
/// starts in the background outlives the step unless orch kills the step's group.
pub fn effect_script(p: &Project) {
    p.script(
        "workflows/scripts/effect.sh",
        r#"cat >/dev/null
set -- $(cat /proc/$$/stat)
sleep 120 >/dev/null 2>&1 &
echo "$ORCH_PROCESS_ID $ORCH_STEP $ORCH_ATTEMPT $5" >> effects.txt
sleep "${CRASH_SLEEP:-0}""#,
    );
}

/// Lines of effects.txt as (process, step, pgid).
pub fn effects(p: &Project) -> Vec<(String, String, i32)> {
    let text = std::fs::read_to_string(p.path().join("effects.txt")).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.to_string(),
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

/// No step group of process `id` is still running a few seconds after its orch was
/// killed.
pub fn assert_killed_groups_gone(p: &Project, id: &str) {
    let groups: HashSet<i32> = effects(p)
        .into_iter()
        .filter(|(pid, _, _)| pid == id)
        .map(|(_, _, g)| g)
        .collect();
    let left = groups_left_after(&groups, Duration::from_secs(5));
    assert!(
        left.is_empty(),
        "step groups {left:?} of a killed orch are still running:{}",
        describe_groups(&left)
    );
}

/// Reads the database directly: cheaper than an orch command per question, which
/// matters when a harness asks thousands of them.
pub fn query(p: &Project, sql: &str, arg: &str) -> Vec<String> {
    let quoted = format!("'{}'", arg.replace('\'', "''"));
    p.sql_column(&sql.replace("?1", &quoted))
}

pub fn process_ids(p: &Project) -> HashSet<String> {
    query(p, "SELECT process_id FROM processes WHERE ?1 = ?1", "")
        .into_iter()
        .collect()
}

pub fn status(p: &Project, id: &str) -> String {
    query(p, "SELECT status FROM processes WHERE process_id = ?1", id)
        .pop()
        .unwrap_or_default()
}

/// Step name → (effects, successes in the log) for one process.
fn counts(p: &Project, id: &str) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (pid, step, _) in effects(p) {
        if pid == id {
            out.entry(step).or_default().0 += 1;
        }
    }
    let sql = "SELECT name FROM process_steps WHERE process_id = ?1 AND status = 'success'";
    for name in query(p, sql, id) {
        out.entry(name).or_default().1 += 1;
    }
    out
}

#[derive(Default, Debug)]
struct Tally {
    rounds: u64,
    kills: u64,
    kills_before_start: u64,
    reruns: u64,
    retries: u64,
    resumes: u64,
}

const CRASH_WORKFLOW: &str = r#"name = "crash"
target = "system"
[[step]]
name = "A"
run = "workflows/scripts/effect.sh"
[[step]]
name = "B"
run = "workflows/scripts/effect.sh"
[[step]]
name = "Ask"
input.message = "go on?"
input.fields = [ { name = "go", type = "accept" } ]
[[step]]
name = "C"
run = "workflows/scripts/effect.sh"
[[step]]
name = "D"
run = "workflows/scripts/effect.sh"
"#;

const RUN_STEPS: [&str; 4] = ["A", "B", "C", "D"];

struct Harness<'a> {
    p: &'a Project,
    rng: Rng,
    tally: Tally,
    /// Re-runs allowed per (process, step): one per kill that caught the step in flight.
    allowed: BTreeMap<(String, String), usize>,
}

impl Harness<'_> {
    /// Runs one orch command, killing it after a random delay with probability `kill_pct`.
    /// Returns the exit code, or `None` when it was killed.
    fn command(&mut self, args: &[&str], kill_pct: u64) -> Option<i32> {
        let mut cmd = self.p.command();
        cmd.args(args)
            .env(
                "CRASH_SLEEP",
                format!("0.0{:02}", self.rng.below(20)).as_str(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("orch starts");
        if self.rng.chance(kill_pct) {
            std::thread::sleep(Duration::from_millis(10 + self.rng.below(200)));
            if child.try_wait().ok().flatten().is_none() {
                kill9(&mut child);
                self.p.settle_after_kill();
                self.tally.kills += 1;
                return None;
            }
        }
        let out = child.wait_with_output().expect("orch ends");
        let code = out.status.code().unwrap_or(-1);
        assert!(
            matches!(code, 0 | 3 | 4 | 5),
            "`orch {}` exited {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(code)
    }

    /// After a kill: at most one step of `id` ran more often than it committed.
    fn after_kill(&mut self, id: &str) {
        self.p.assert_sound();
        assert_killed_groups_gone(self.p, id);
        let mut in_flight = Vec::new();
        for (step, (ran, committed)) in counts(self.p, id) {
            let key = (id.to_string(), step.clone());
            let allowed = self.allowed.get(&key).copied().unwrap_or(0);
            if ran > committed + allowed {
                in_flight.push((step, ran - committed - allowed));
            }
        }
        assert!(
            in_flight.len() <= 1 && in_flight.iter().all(|(_, n)| *n == 1),
            "more than the step in flight ran uncommitted: {in_flight:?}"
        );
        for (step, _) in in_flight {
            *self.allowed.entry((id.to_string(), step)).or_default() += 1;
            self.tally.reruns += 1;
        }
    }

    fn round(&mut self) {
        self.tally.rounds += 1;
        let before = process_ids(self.p);
        let mut kills_left = 1 + self.rng.below(3);
        let id = loop {
            let killed = self.command(&["workflow", "run", "crash"], 80).is_none();
            let new: Vec<String> = process_ids(self.p).difference(&before).cloned().collect();
            assert!(new.len() <= 1, "one run created {new:?}");
            if let Some(id) = new.into_iter().next() {
                if killed {
                    kills_left -= 1;
                    self.after_kill(&id);
                }
                break id;
            }
            assert!(killed, "a finished run left no process");
            self.p.assert_sound();
            self.tally.kills_before_start += 1;
        };
        for _ in 0..30 {
            let args: Vec<&str> = match status(self.p, &id).as_str() {
                "completed" => return self.finish(&id),
                "suspended" => {
                    self.tally.resumes += 1;
                    vec!["process", "resume", &id, "--input", "go=true"]
                }
                // Its orch was killed and reaped: retry must see it as stale (a live
                // owner would make retry exit 7, which fails the run).
                "running" | "failed" | "waiting" => {
                    self.tally.retries += 1;
                    vec!["process", "retry", &id]
                }
                other => panic!("process {id} is {other}"),
            };
            let kill_pct = if kills_left > 0 { 50 } else { 0 };
            if self.command(&args, kill_pct).is_none() {
                kills_left = kills_left.saturating_sub(1);
                self.after_kill(&id);
            }
        }
        panic!("process {id} did not complete after 30 recoveries");
    }

    fn finish(&mut self, id: &str) {
        let c = counts(self.p, id);
        for step in ["Start", "Ask"] {
            let committed = c.get(step).map_or(0, |c| c.1);
            assert_eq!(
                committed, 1,
                "{id}: step {step} succeeded {committed} times"
            );
        }
        for step in RUN_STEPS {
            let (ran, committed) = c.get(step).copied().unwrap_or_default();
            let allowed = self
                .allowed
                .get(&(id.to_string(), step.to_string()))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                committed, 1,
                "{id}: step {step} succeeded {committed} times"
            );
            assert_eq!(
                ran,
                1 + allowed,
                "{id}: step {step} ran {ran} times for {allowed} kills in flight"
            );
        }
        let sql = "SELECT name FROM process_steps WHERE process_id = ?1 AND status = 'complete'";
        let complete = query(self.p, sql, id).len();
        assert_eq!(complete, 1, "{id}: Done recorded {complete} times");
    }
}

fn sigkill_at_random_moments_loses_at_most_the_step_in_flight() {
    let rounds = env_number("ORCH_CRASH_ROUNDS", 12);
    let seed = env_number("ORCH_CRASH_SEED", 0x5EED_0C4A);
    let p = Project::new();
    effect_script(&p);
    p.write("workflows/crash.toml", CRASH_WORKFLOW);
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let started = Instant::now();
    let mut h = Harness {
        p: &p,
        rng: Rng::new(seed),
        tally: Tally::default(),
        allowed: BTreeMap::new(),
    };
    for _ in 0..rounds {
        h.round();
    }
    p.assert_sound();
    let all = p.json(&["process", "list", "--limit", "100000"]);
    for proc in all.as_array().into_iter().flatten() {
        assert_eq!(proc["status"], "completed", "{proc}");
    }
    let groups: HashSet<i32> = effects(&p).into_iter().map(|(_, _, g)| g).collect();
    let left = groups_left_after(&groups, Duration::from_secs(5));
    assert!(
        left.is_empty(),
        "step groups {left:?} outlived their steps:{}",
        describe_groups(&left)
    );
    let waiting = gated_shells_left_in(p.path(), Duration::from_secs(5));
    assert!(
        waiting.is_empty(),
        "shells started ahead outlived their orch: {waiting:?}"
    );
    eprintln!(
        "crash injection: seed {seed:#x}, {:?}, {} processes, wall time {:.1}s",
        h.tally,
        all.as_array().map_or(0, Vec::len),
        started.elapsed().as_secs_f64()
    );
}

const SOAK_WORKFLOW: &str = r#"name = "soak"
target = "system"
[[step]]
name = "Work"
run = "workflows/scripts/effect.sh"
[[step]]
name = "Flaky"
run = "cat >/dev/null; test \"${SOAK_FAIL:-0}\" = 0"
[[step]]
name = "Pause"
builtin = "sleep"
with = { duration = "5ms" }
"#;

/// One worker of the soak: returns (command, exit code, stderr) of everything it ran.
fn soak_worker(p: &Project, seed: u64, until: Instant) -> Vec<(String, i32, String)> {
    let mut rng = Rng::new(seed);
    let mut seen = Vec::new();
    while Instant::now() < until {
        let args: Vec<String> = match rng.below(10) {
            0..=3 => vec!["workflow".into(), "run".into(), "soak".into()],
            4..=6 => {
                let failed = p.json(&["process", "list", "--status", "failed"]);
                match failed.as_array().and_then(|a| a.first()) {
                    Some(f) => vec![
                        "process".into(),
                        "retry".into(),
                        f["id"].as_str().unwrap_or_default().into(),
                    ],
                    None => continue,
                }
            }
            7 | 8 => vec!["-o".into(), "json".into(), "process".into(), "list".into()],
            _ => vec!["db".into(), "status".into()],
        };
        let fail = if rng.chance(40) { "1" } else { "0" };
        let out = p
            .command()
            .args(&args)
            .env("SOAK_FAIL", fail)
            .output()
            .expect("orch runs");
        seen.push((
            args.join(" "),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    seen
}

fn four_orchs_on_one_database_only_meet_documented_outcomes() {
    let secs = env_number("ORCH_SOAK_SECS", 4);
    let p = Project::new();
    effect_script(&p);
    p.write("workflows/soak.toml", SOAK_WORKFLOW);
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let until = Instant::now() + Duration::from_secs(secs);
    let all: Vec<(String, i32, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|i| {
                let p = &p;
                scope.spawn(move || soak_worker(p, 0xC0FFEE + i, until))
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let mut by_code: BTreeMap<i32, usize> = BTreeMap::new();
    for (cmd, code, err) in &all {
        *by_code.entry(*code).or_default() += 1;
        let documented = if cmd.starts_with("workflow run") {
            matches!(code, 0 | 3)
        } else if cmd.starts_with("process retry") {
            matches!(code, 0 | 3 | 7)
        } else {
            *code == 0
        };
        assert!(documented, "`orch {cmd}` exited {code}: {err}");
        assert!(
            !err.contains("locked") && !err.contains("busy"),
            "`orch {cmd}` met a locked database: {err}"
        );
        if *code == 7 {
            assert!(
                err.contains("being run by") || err.contains("cannot be retried"),
                "a conflict without its reason: {err}"
            );
        }
    }
    // Nothing lost: every run that started left a process, none is left running.
    let runs = all
        .iter()
        .filter(|(c, code, _)| c.starts_with("workflow run") && matches!(code, 0 | 3))
        .count();
    let procs = p.json(&["process", "list", "--limit", "100000"]);
    let procs = procs.as_array().cloned().unwrap_or_default();
    assert_eq!(procs.len(), runs);
    for proc in &procs {
        assert!(
            matches!(proc["status"].as_str(), Some("completed" | "failed")),
            "{proc}"
        );
    }
    let ids: HashSet<&str> = procs.iter().filter_map(|x| x["id"].as_str()).collect();
    for (id, _, _) in effects(&p) {
        assert!(
            ids.contains(id.as_str()),
            "a step ran for an unknown process {id}"
        );
    }
    p.assert_sound();
    eprintln!(
        "soak: {secs}s, {} commands, exit codes {by_code:?}, {} processes",
        all.len(),
        procs.len()
    );
}

/// The process id of a `process list` entry, for tests that start orch in the background.
pub fn only_process(p: &Project) -> Option<String> {
    let v = p.json(&["process", "list"]);
    v.as_array()?.first()?["id"].as_str().map(str::to_string)
}

both!(
    sigkill_at_random_moments_loses_at_most_the_step_in_flight,
    four_orchs_on_one_database_only_meet_documented_outcomes,
);
