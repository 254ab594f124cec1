//! Crash injection over branches (issue 17, Reliability): a workflow with a 20-branch
//! `foreach`, each branch two side-effecting steps, one branch failing on its first
//! attempt; orch is killed with SIGKILL at seeded random moments and recovered with
//! `retry`. Every invariant of the step harness in `crash.rs` holds, per step path, and
//! no finished branch ever runs again.
//!
//! Short by default; `ORCH_BRANCH_CRASH_ROUNDS=200` is the long run (RELIABILITY.md),
//! `ORCH_CRASH_SEED` replays one.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Project;
use super::crash::{
    Rng, assert_killed_groups_gone, describe_groups, effects, env_number, gated_shells_left_in,
    groups_in, groups_left_after, integrity, kill9, process_ids, query, status,
};

const BRANCHES: usize = 20;
const MAX_PARALLEL: usize = 10;

/// Records `<process> <step path> <attempt> <pgid>` (the path with `_` for spaces),
/// leaves a helper that outlives the step unless its group is killed, and fails the
/// first time branch [7]'s first step runs to its end in a process.
fn effect_script(p: &Project) {
    p.script(
        "workflows/scripts/effect.sh",
        r#"cat >/dev/null
set -- $(cat /proc/$$/stat)
sleep 120 >/dev/null 2>&1 &
echo "$ORCH_PROCESS_ID $(printf '%s' "$ORCH_STEP_PATH" | tr ' ' _) $ORCH_ATTEMPT $5" >> effects.txt
sleep "${CRASH_SLEEP:-0}"
if [ "$ORCH_STEP_PATH" = "Fan out [7] / A" ] && [ ! -f "failed-$ORCH_PROCESS_ID" ]; then
    touch "failed-$ORCH_PROCESS_ID"
    echo "the first attempt of [7] / A fails" >&2
    exit 1
fi"#,
    );
}

fn workflow() -> String {
    let items: Vec<String> = (0..BRANCHES).map(|i| i.to_string()).collect();
    format!(
        r#"name = "fanout"
target = "system"
[[step]]
name = "Seed"
builtin = "set"
with = {{ values = {{ items = [{}] }} }}
[[step]]
name = "Fan out"
foreach = "state.items"
max_parallel = {MAX_PARALLEL}
steps = [ {{ name = "A", run = "workflows/scripts/effect.sh" }},
          {{ name = "B", run = "workflows/scripts/effect.sh" }} ]
"#,
        items.join(", ")
    )
}

/// Step path (spaces as `_`) → (times it ran, attempts committed: success or failed).
fn counts(p: &Project, id: &str) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (pid, step, _) in effects(p) {
        if pid == id {
            out.entry(step).or_default().0 += 1;
        }
    }
    let sql = "SELECT COALESCE(branch || ' / ', '') || name FROM process_steps
               WHERE process_id = ?1 AND branch IS NOT NULL AND status IN ('success', 'failed')";
    for path in query(p, sql, id) {
        out.entry(path.replace(' ', "_")).or_default().1 += 1;
    }
    out
}

/// The branches of `id` whose two steps both succeeded, as the log says now.
fn finished(p: &Project, id: &str) -> HashSet<String> {
    let sql = "SELECT branch FROM process_steps WHERE process_id = ?1 AND branch IS NOT NULL
               AND status = 'success' GROUP BY branch HAVING COUNT(DISTINCT name) = 2";
    query(p, sql, id)
        .into_iter()
        .map(|b| b.replace(' ', "_"))
        .collect()
}

#[derive(Default, Debug)]
struct Tally {
    rounds: u64,
    kills: u64,
    kills_before_start: u64,
    reruns: u64,
    retries: u64,
    most_in_flight: usize,
}

struct Harness<'a> {
    p: &'a Project,
    rng: Rng,
    tally: Tally,
    /// Re-runs allowed per (process, step path): one per kill that caught it in flight.
    allowed: BTreeMap<(String, String), usize>,
    /// Branches seen finished, with how often each of their steps had run then.
    done: BTreeMap<(String, String), BTreeMap<String, usize>>,
}

impl Harness<'_> {
    /// Runs one orch command, killed after a random delay with probability `kill_pct`;
    /// `None` when it was killed.
    fn command(&mut self, args: &[&str], kill_pct: u64) -> Option<i32> {
        let mut cmd = self.p.command();
        cmd.args(args)
            .env("CRASH_SLEEP", format!("0.0{:02}", self.rng.below(20)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("orch starts");
        if self.rng.chance(kill_pct) {
            std::thread::sleep(Duration::from_millis(10 + self.rng.below(300)));
            if child.try_wait().ok().flatten().is_none() {
                kill9(&mut child);
                self.tally.kills += 1;
                return None;
            }
        }
        let out = child.wait_with_output().expect("orch ends");
        let code = out.status.code().unwrap_or(-1);
        assert!(
            matches!(code, 0 | 3),
            "`orch {}` exited {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(code)
    }

    /// After every command: no finished branch ran again since it was seen finished.
    fn check_finished(&mut self, id: &str) {
        let c = counts(self.p, id);
        let runs_in = |branch: &str| -> BTreeMap<String, usize> {
            c.iter()
                .filter(|(path, _)| path.starts_with(&format!("{branch}_/_")))
                .map(|(path, (ran, _))| (path.clone(), *ran))
                .collect()
        };
        for ((pid, branch), before) in &self.done {
            if pid == id {
                assert_eq!(
                    &runs_in(branch),
                    before,
                    "{id}: finished branch {branch} ran again"
                );
            }
        }
        for branch in finished(self.p, id) {
            let now = runs_in(&branch);
            self.done.entry((id.to_string(), branch)).or_insert(now);
        }
    }

    /// After a kill: nothing left running, at most one step per branch (and at most
    /// `max_parallel` in all) ran more often than it committed, once each.
    fn after_kill(&mut self, id: &str) {
        assert_eq!(integrity(&self.p.db()), "ok");
        assert_killed_groups_gone(self.p, id);
        let mut in_flight = Vec::new();
        for (step, (ran, committed)) in counts(self.p, id) {
            let key = (id.to_string(), step.clone());
            let allowed = self.allowed.get(&key).copied().unwrap_or(0);
            if ran > committed + allowed {
                in_flight.push((step, ran - committed - allowed));
            }
        }
        let branches: HashSet<&str> = in_flight
            .iter()
            .filter_map(|(s, _)| s.rsplit_once("_/_").map(|(b, _)| b))
            .collect();
        assert!(
            in_flight.len() <= MAX_PARALLEL
                && branches.len() == in_flight.len()
                && in_flight.iter().all(|(_, n)| *n == 1),
            "more than the steps in flight ran uncommitted: {in_flight:?}"
        );
        self.tally.most_in_flight = self.tally.most_in_flight.max(in_flight.len());
        for (step, _) in in_flight {
            *self.allowed.entry((id.to_string(), step)).or_default() += 1;
            self.tally.reruns += 1;
        }
        self.check_finished(id);
    }

    fn round(&mut self) {
        self.tally.rounds += 1;
        let before = process_ids(self.p);
        let mut kills_left = 1 + self.rng.below(3);
        let id = loop {
            let killed = self.command(&["workflow", "run", "fanout"], 80).is_none();
            let new: Vec<String> = process_ids(self.p).difference(&before).cloned().collect();
            assert!(new.len() <= 1, "one run created {new:?}");
            if let Some(id) = new.into_iter().next() {
                if killed {
                    kills_left -= 1;
                    self.after_kill(&id);
                } else {
                    self.check_finished(&id);
                }
                break id;
            }
            assert!(killed, "a finished run left no process");
            self.tally.kills_before_start += 1;
        };
        for _ in 0..40 {
            match status(self.p, &id).as_str() {
                "completed" => return self.finish(&id),
                "running" | "failed" | "waiting" => self.tally.retries += 1,
                other => panic!("process {id} is {other}"),
            }
            let kill_pct = if kills_left > 0 { 50 } else { 0 };
            if self.command(&["process", "retry", &id], kill_pct).is_none() {
                kills_left = kills_left.saturating_sub(1);
                self.after_kill(&id);
            } else {
                self.check_finished(&id);
            }
        }
        panic!("process {id} did not complete after 40 recoveries");
    }

    fn finish(&mut self, id: &str) {
        self.check_finished(id);
        let c = counts(self.p, id);
        for i in 0..BRANCHES {
            for step in ["A", "B"] {
                let path = format!("Fan_out_[{i}]_/_{step}");
                let (ran, committed) = c.get(&path).copied().unwrap_or_default();
                let allowed = self
                    .allowed
                    .get(&(id.to_string(), path.clone()))
                    .copied()
                    .unwrap_or(0);
                // [7] / A fails once, unless a kill caught that attempt before its
                // failure was committed (it then ran again, as any step in flight).
                let failed_once = usize::from(i == 7 && step == "A");
                assert!(
                    (1..=1 + failed_once).contains(&committed),
                    "{id}: {path} committed {committed} times"
                );
                assert_eq!(
                    ran,
                    committed + allowed,
                    "{id}: {path} ran {ran} times for {allowed} kills in flight"
                );
            }
        }
        let sql = "SELECT name FROM process_steps WHERE process_id = ?1 AND branch IS NOT NULL AND status = 'success'";
        assert_eq!(query(self.p, sql, id).len(), 2 * BRANCHES, "{id}");
        let sql = "SELECT name FROM process_steps WHERE process_id = ?1 AND branch IS NULL AND name = 'Fan out' AND status = 'success'";
        assert_eq!(query(self.p, sql, id).len(), 1, "{id}: the join once");
    }
}

#[test]
fn sigkill_mid_foreach_reruns_only_branch_steps_in_flight_and_no_finished_branch() {
    let rounds = env_number("ORCH_BRANCH_CRASH_ROUNDS", 3);
    let seed = env_number("ORCH_CRASH_SEED", 0x5EED_0B12);
    let p = Project::new();
    effect_script(&p);
    p.write("workflows/fanout.toml", &workflow());
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let started = Instant::now();
    let mut h = Harness {
        p: &p,
        rng: Rng::new(seed),
        tally: Tally::default(),
        allowed: BTreeMap::new(),
        done: BTreeMap::new(),
    };
    for _ in 0..rounds {
        h.round();
    }
    assert_eq!(integrity(&p.db()), "ok");
    let all = p.json(&["process", "list", "--limit", "100000"]);
    for proc in all.as_array().into_iter().flatten() {
        assert_eq!(proc["status"], "completed", "{proc}");
    }
    let groups: HashSet<i32> = effects(&p).into_iter().map(|(_, _, g)| g).collect();
    // Each kill's groups were checked after it; ids recorded rounds ago may be reused.
    let left = groups_in(
        &groups_left_after(&groups, Duration::from_secs(5)),
        p.path(),
    );
    assert!(
        left.is_empty(),
        "step groups {left:?} outlived their steps:{}",
        describe_groups(&left)
    );
    assert!(gated_shells_left_in(p.path(), Duration::from_secs(5)).is_empty());
    eprintln!(
        "branch crash injection: seed {seed:#x}, {:?}, {} processes, wall time {:.1}s",
        h.tally,
        all.as_array().map_or(0, Vec::len),
        started.elapsed().as_secs_f64()
    );
}
