//! Branches (DESIGN §13) through the real binary: `parallel` and `foreach` groups, their
//! join, their rest and recovery (retry of a failed branch alone, input inside a branch,
//! kill -9 mid-group), child workflows, and every view of them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::crash::{effects, kill9};
use super::{Project, both, serve};

/// The paths of a process's steps, in log order.
fn paths(process: &Value) -> Vec<String> {
    process["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The last row of the step at `path` in a process's steps.
pub fn last_row<'v>(process: &'v Value, path: &str) -> &'v Value {
    process["steps"]
        .as_array()
        .and_then(|steps| steps.iter().rfind(|s| s["path"] == path))
        .unwrap_or_else(|| panic!("no step {path} in {process}"))
}

/// The rows of the step at `path`: (status, attempt).
pub fn rows(process: &Value, path: &str) -> Vec<(String, i64)> {
    process["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["path"] == path)
        .map(|s| {
            (
                s["status"].as_str().unwrap_or_default().to_string(),
                s["attempt"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

/// A script step that appends `<process> <step path> <attempt> <pgid>` to effects.txt
/// (the crash harness's format, the path with `_` for spaces), fails while a file
/// `broken-<device>` exists, and prints what it pushed.
fn push_script(p: &Project) {
    p.script(
        "workflows/scripts/push.sh",
        r#"state=$(cat)
dev=$(printf '%s' "$state" | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
set -- $(cat /proc/$$/stat)
echo "$ORCH_PROCESS_ID $(printf '%s' "$ORCH_STEP" | tr ' ' _)-$dev $ORCH_ATTEMPT $5" >> effects.txt
if [ -f "broken-$dev" ]; then echo "cannot reach $dev" >&2; exit 1; fi
sleep "${PUSH_SLEEP:-0}"
printf '{"pushed_%s": true}\n' "$dev""#,
    );
}

/// A first step that sets `state.devices` to three devices, for a `foreach` over them.
pub const THREE_DEVICES: &str = r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { devices = ["r1", "r2", "r3"] } }
"#;

const DEVICES: &str = r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { devices = ["r1", "r2", "r3", "r4"] } }
"#;

#[test]
fn workflow_check_places_every_branch_mistake() {
    let p = Project::new();
    p.write(
        "workflows/other.toml",
        r#"name = "other"
target = "system"
[[form]]
fields = [ { name = "speed", type = "int" }, { name = "mtu", type = "int" } ]
[[step]]
name = "a"
run = "true"
"#,
    );
    p.write(
        "workflows/bad.toml",
        r#"name = "bad"
target = "system"

[[step]]
name = "Fork"
[[step.parallel]]
name = "A"
steps = []
[[step.parallel]]
name = "A"
steps = [ { name = "x", run = "true" }, { name = "x", run = "true" } ]

[[step]]
name = "Each"
foreach = "state.items"
as = "pushed"
collect = "pushed"
steps = [ { name = "y", run = "workflows/scripts/missing.sh" } ]

[[step]]
name = "Each2"
foreach = "state.items"
collect = "done"
workflow = "nope"

[[step]]
name = "Kid"
workflow = "other"
subscription = "{{ state.x }}"
input = { speed = "10", bogus = "1" }

[[step]]
name = "Deep"
[[step.parallel]]
name = "L1"
steps = [ { name = "L2", foreach = "state.a", steps = [ { name = "L3", foreach = "state.b", steps = [ { name = "L4", parallel = [ { name = "x", steps = [ { name = "z", run = "true" } ] } ] } ] } ] } ]

[[step]]
name = "Held"
locks = ["x"]
[[step.parallel]]
name = "B"
steps = [ { name = "cb", callback = { timeout = "1h" } }, { name = "l", run = "true", locks = ["y"] } ]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/bad.toml:7:1: step[0].parallel[0].name: branch `A` has no steps",
        "workflows/bad.toml:10:1: step[0].parallel[1].name: duplicate branch name `A`",
        "workflows/bad.toml:11:43: step[0].parallel[1].steps[1].name: duplicate step name `x`",
        "workflows/bad.toml:17:1: step[1].collect: `collect = \"pushed\"` clashes with the key each branch sees its item under",
        "workflows/bad.toml:18:25: step[1].steps[0].run: `workflows/scripts/missing.sh` does not exist",
        "workflows/bad.toml:24:1: step[2].workflow: no workflow named `nope` in workflows/",
        "warning: workflows/bad.toml:23:1: step[2].collect: `collect = \"done\"` gathers nothing: each branch only starts a child process, whose state stays its own, so every entry would be `{}`",
        "workflows/bad.toml:29:1: step[3].subscription: `other` is a system workflow and takes no subscription",
        "workflows/bad.toml:30:25: step[3].input.bogus: `other` has no form field `bogus`",
        "step[3].workflow: `other` needs the answer `mtu` (int)",
        "step[4].parallel[0].steps[0].steps[0].steps[0].name: step `L4` nests groups 4 deep; orch runs groups at most 3 deep",
        // A group step takes no locks; a callback or a step lock inside a branch is fine.
        "step[5].locks: `locks` does not apply to a `parallel` step",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert!(!err.contains("step `cb`"), "{err}");
    assert!(!err.contains("step `l`"), "{err}");
    assert!(err.contains("error: 11 problems"), "{err}");
}

#[test]
fn branches_run_at_once_at_most_max_parallel_at_a_time() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { items = [1, 2, 3, 4, 5, 6] } }

[[step]]
name = "Each"
foreach = "state.items"
max_parallel = 3
steps = [ { name = "Work", run = "cat >/dev/null; echo \"start $(date +%s%N)\" >> times.txt; i=0; while [ $(grep -c start times.txt) -lt 3 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo \"end $(date +%s%N)\" >> times.txt" } ]
"#,
    );
    // Each branch waits (ten seconds at most) until three have started: three run at
    // once however slow the machine, and a fourth at once would show in the count.
    let v = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    // At most three at once, and three did run at once.
    let text = std::fs::read_to_string(p.path().join("times.txt")).unwrap();
    assert_eq!(most_at_once(&p), 3, "{text}");
}

fn parallel_branches_merge_and_foreach_collects_with_paths() {
    let p = Project::new();
    p.task(&format!(
        r#"{DEVICES}
[[step]]
name = "Configure both ends"
[[step.parallel]]
name = "A side"
steps = [ {{ name = "Push A", run = "cat >/dev/null; echo '{{\"a\": {{\"mtu\": 1500}}}}'" }} ]
[[step.parallel]]
name = "B side"
steps = [ {{ name = "Push B", run = "cat >/dev/null; echo '{{\"b\": 2}}'" }},
          {{ name = "Every device", foreach = "state.devices", as = "device", collect = "checked",
            steps = [ {{ name = "Check", builtin = "set", with = {{ values = {{ ok = "{{{{ state.device }}}}" }} }} }} ] }} ]

[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
collect = "pushed"
steps = [ {{ name = "Push", builtin = "set", with = {{ values = {{ dev = "{{{{ state.device }}}}", i = "{{{{ state.device_index }}}}" }} }} }} ]
"#
    ));
    let v = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    let s = &v["state"];
    assert_eq!(s["a"]["mtu"], 1500, "{s}");
    assert_eq!(s["b"], 2, "{s}");
    assert_eq!(s["checked"][2]["ok"], "r3", "{s}");
    assert_eq!(s["pushed"][3]["dev"], "r4", "{s}");
    assert_eq!(s["pushed"][3]["i"], "3", "{s}");
    assert!(
        s.get("device").is_none(),
        "the item stays in its branch: {s}"
    );
    let all = paths(&v);
    for path in [
        "Configure both ends / A side / Push A",
        "Configure both ends / B side / Push B",
        "Configure both ends / B side / Every device [1] / Check",
        "Configure both ends / B side / Every device",
        "Configure both ends",
        "Push every device [3] / Push",
        "Push every device",
    ] {
        assert!(all.iter().any(|p| p == path), "{path} not in {all:?}");
    }
    // The join comes after its branches.
    let pos = |x: &str| all.iter().position(|p| p == x).unwrap();
    assert!(pos("Configure both ends") > pos("Configure both ends / B side / Every device"));
    // Events carry the path.
    let (code, out, err) = p.run(&["-o", "jsonl", "events", "--kind", "step.finished"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(r#""path":"Configure both ends / B side / Every device [2] / Check""#),
        "{out}"
    );
}

fn two_branches_setting_one_key_fail_the_join_naming_the_key_and_both() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Configure both ends"
[[step.parallel]]
name = "A side"
steps = [ { name = "Set", run = "cat >/dev/null; echo '{\"cfg\": {\"mtu\": 1500, \"a\": 1}}'" } ]
[[step.parallel]]
name = "B side"
steps = [ { name = "Set", run = "cat >/dev/null; echo '{\"cfg\": {\"mtu\": 9000}, \"b\": 2}'" } ]
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "failed");
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(
        reason
            .contains("branches `A side` and `B side` both set `state.cfg.mtu`, to 1500 and 9000"),
        "{reason}"
    );
    // `collect` is refused on a `parallel` step, so it is not offered as the way out.
    assert!(reason.ends_with("; give them different keys"), "{reason}");
    assert!(v["state"].get("cfg").is_none(), "nothing merged: {v}");
    // Skipped, the join keeps every change but the conflicting key, and says so.
    let id = v["id"].as_str().unwrap().to_string();
    let (code, out, err) = p.run(&["-o", "json", "process", "skip", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("`state.cfg.mtu` is left as it was: branches `A side` and `B side` set it to 1500 and 9000; `--set cfg.mtu=VALUE` gives it"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["state"],
        serde_json::json!({"cfg": {"a": 1}, "b": 2}),
        "{v}"
    );
    // The key the warning names is what `--set` takes: inside `cfg`, keeping `cfg.a`.
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "skip", &id, "--set", "cfg..mtu=1"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`--set cfg..mtu=…` has an empty part"),
        "{err}"
    );
    let (code, out, err) = p.run(&[
        "-o",
        "json",
        "process",
        "skip",
        &id,
        "--set",
        "cfg.mtu=9000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("is left as it was"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["state"],
        serde_json::json!({"cfg": {"a": 1, "mtu": 9000}, "b": 2}),
        "{v}"
    );
}

/// Skipping a join that conflicts with `--set` for the key gives it, quietly.
fn skipping_a_conflicting_join_with_set_gives_the_key() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "G"
[[step.parallel]]
name = "A"
steps = [ { name = "Set", run = "cat >/dev/null; echo '{\"mtu\": 1500, \"a\": 1}'" } ]
[[step.parallel]]
name = "B"
steps = [ { name = "Set", run = "cat >/dev/null; echo '{\"mtu\": 9000}'" } ]
"#,
    );
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err) = p.run(&["-o", "json", "process", "skip", &id, "--set", "mtu=9000"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("is left as it was"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"], serde_json::json!({"a": 1, "mtu": 9000}), "{v}");
}

/// A product whose subscriptions branches change.
fn device_product(p: &Project) {
    p.write(
        "products/dev.toml",
        r#"name = "Device"
type = "Device"
tag = "DEV"
root = { key = "dev", block = "DevBlock" }
[blocks.DevBlock]
fields.name = { type = "string", required = "initial" }
fields.loopback = { type = "ipv4" }
fields.mtu = { type = "int" }
"#,
    );
    p.write(
        "workflows/create_dev.toml",
        r#"name = "create_dev"
target = "create"
products = ["DEV"]
[[form]]
fields = [ { name = "name", type = "text" } ]
[[step]]
name = "Name it"
builtin = "set"
with = { values = { subscription = { dev = { name = "{{ state.name }}" } } } }
"#,
    );
    assert_eq!(p.run(&["product", "load"]).0, 0);
}

/// A skip whose `--set` the subscription refuses is refused before anything is
/// written, from the CLI (exit 2) and the API (400): no row, no event, and the failure
/// the operator needs to see stays.
fn a_refused_skip_leaves_the_process_as_it_was() {
    let p = Project::new();
    device_product(&p);
    p.write(
        "workflows/create_fail.toml",
        "name = \"create_fail\"\ntarget = \"create\"\nproducts = [\"DEV\"]\n[[step]]\nname = \"Name it\"\nbuiltin = \"set\"\nwith = { values = { subscription = { dev = { name = \"d\" } } } }\n[[step]]\nname = \"Boom\"\nrun = \"echo boom >&2; exit 1\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "create_fail"]);
    let id = v["id"].as_str().unwrap().to_string();
    let events = || p.sql_column("SELECT COUNT(*) FROM events");
    let before = (p.ok_json(&["process", "show", &id]), events());
    let (code, _, err) = p.run(&["process", "skip", &id, "--set", "subscription=junk"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`Boom` was not skipped: "), "{err}");
    assert!(err.contains("the process is as it was"), "{err}");
    let op = serve::token(&p, "ops", "operate");
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let r = serve::post(
        &s,
        &format!("/api/v1/processes/{id}/skip"),
        &op,
        &serde_json::json!({"subscription": "junk"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    // Values the subscription refuses are listed one by one, as a form's are.
    let r = serve::post(
        &s,
        &format!("/api/v1/processes/{id}/skip"),
        &op,
        &serde_json::json!({"subscription": {"dev": {"loopback": "not-an-ip", "mtu": "big"}}}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        serve::field_names(&r.body),
        ["subscription.dev.loopback", "subscription.dev.mtu"],
        "{}",
        r.text
    );
    s.stop();
    let after = (p.ok_json(&["process", "show", &id]), events());
    assert_eq!(after.0["steps"], before.0["steps"]);
    assert_eq!(after.0["failed_reason"], before.0["failed_reason"]);
    assert_eq!(after.1, before.1, "no event either");
}

/// A child that died with its parent's orch (kill -9) is taken over when the parent
/// is retried: its log says so, and the step in flight runs again as attempt 2, as
/// `ORCH_ATTEMPT` tells the step.
fn a_child_taken_over_with_its_parent_runs_its_step_as_the_next_attempt() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Slow\"\nrun = \"cat >/dev/null; echo $ORCH_ATTEMPT >> attempts.txt; [ -f go ] || sleep 30\"\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n");
    let mut run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let attempts = p.path().join("attempts.txt");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&attempts).is_ok_and(|t| !t.is_empty()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the child's step never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    super::crash::kill9(&mut run);
    p.write("go", "");
    let id = p.sql_column("SELECT process_id FROM processes WHERE workflow = 't'");
    // The orch that ran them is gone (its pid is), so both are stale: retry takes over.
    let (code, _, err) = p.run(&["process", "retry", &id[0]]);
    assert_eq!(code, 0, "{err}");
    let seen = std::fs::read_to_string(&attempts).unwrap();
    assert_eq!(seen.lines().collect::<Vec<_>>(), ["1", "2"], "{seen}");
    let kid = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'kid'");
    let v = p.ok_json(&["process", "show", &kid[0]]);
    let slow = rows(&v, "Slow");
    assert_eq!(slow.last(), Some(&("success".to_string(), 2)), "{v}");
}

/// Branch steps in flight when their orch died (kill -9) are noted as taken over in
/// their branch and run again as attempt 2, as `ORCH_ATTEMPT` tells them; a branch that
/// had finished its step does not run it again.
fn branch_steps_taken_over_run_as_their_next_attempt() {
    let p = Project::new();
    let slow = |b: &str| {
        format!(
            "{{ name = \"S\", run = \"cat >/dev/null; echo {b}-$ORCH_ATTEMPT >> attempts.txt; touch started.$$; [ -f go ] || sleep 30\" }}"
        )
    };
    p.task(&format!(
        "[[step]]\nname = \"All\"\n[[step.parallel]]\nname = \"A\"\nsteps = [ {} ]\n[[step.parallel]]\nname = \"B\"\nsteps = [ {} ]\n[[step.parallel]]\nname = \"Quick\"\nsteps = [ {{ name = \"Q\", run = \"cat >/dev/null; echo q >> attempts.txt\" }} ]\n",
        slow("a"),
        slow("b")
    ));
    let mut run = run_until_started(&p, 2);
    let attempts = p.path().join("attempts.txt");
    // The quick branch's step is committed before the kill.
    let id = p.sql_column("SELECT process_id FROM processes WHERE workflow = 't'");
    let until = Instant::now() + Duration::from_secs(30);
    while p.ok_json(&["process", "show", &id[0]])["steps"]
        .to_string()
        .matches("\"Q\"")
        .count()
        == 0
    {
        assert!(Instant::now() < until, "the quick branch never committed");
        std::thread::sleep(Duration::from_millis(20));
    }
    super::crash::kill9(&mut run);
    p.write("go", "");
    let (code, _, err) = p.run(&["process", "retry", &id[0]]);
    assert_eq!(code, 0, "{err}");
    let mut seen: Vec<String> = std::fs::read_to_string(&attempts)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    seen.sort();
    assert_eq!(seen, ["a-1", "a-2", "b-1", "b-2", "q"]);
    let v = p.ok_json(&["process", "show", &id[0]]);
    for branch in ["All / A / S", "All / B / S"] {
        assert_eq!(
            rows(&v, branch),
            [("waiting".to_string(), 1), ("success".to_string(), 2)],
            "{v}"
        );
        let note = last_row_of(&v, branch, "waiting");
        assert!(note.contains("taken over by"), "{note}");
    }
}

fn last_row_of(v: &Value, path: &str, status: &str) -> String {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["path"] == path && s["status"] == status)
        .map(|s| s["error"].as_str().unwrap_or_default().to_string())
        .next_back()
        .unwrap_or_default()
}

/// `workflow run t` in the background, once `n` of its steps have touched their
/// `started.PID` file (the file `go`, written on the way out, lets waiting steps end).
fn run_until_started(p: &Project, n: usize) -> std::process::Child {
    let run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let started = || {
        std::fs::read_dir(p.path()).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("started."))
            })
            .count()
        })
    };
    while started() < n {
        if std::time::Instant::now() > deadline {
            p.write("go", "");
            panic!("the branches never started");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run
}

/// A group in flight is shown with its branches before any of them has committed a
/// step (an operator watching a long group sees it is under way).
fn a_group_in_flight_is_shown_before_its_first_branch_step_commits() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Each\"\nforeach = \"[1, 2, 3]\"\nmax_parallel = 2\nsteps = [ { name = \"Wait\", run = \"cat >/dev/null; touch started.$$; while [ ! -f go ]; do sleep 0.05; done\" } ]\n");
    let mut run = run_until_started(&p, 2);
    let id = p.sql_column("SELECT process_id FROM processes");
    let v = p.ok_json(&["process", "show", &id[0]]);
    let (_, text, _) = p.run(&["process", "show", &id[0]]);
    p.write("go", "");
    assert_eq!(run.wait().unwrap().code(), Some(0));
    assert_eq!(v["status"], "running", "{v}");
    assert_eq!(v["groups"][0]["name"], "Each", "{v}");
    assert_eq!(v["groups"][0]["status"], "running", "{v}");
    let branches: Vec<(&str, &str, &str)> = v["groups"][0]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let s = |k: &str| b[k].as_str().unwrap_or_default();
            (s("path"), s("status"), s("next"))
        })
        .collect();
    // Two places: the first two run their first step, the third waits its turn.
    assert_eq!(
        branches,
        [
            ("Each [0]", "started", "Wait"),
            ("Each [1]", "started", "Wait"),
            ("Each [2]", "not_started", "Wait")
        ],
        "{v}"
    );
    let line = |start: &str| text.lines().find(|l| l.trim_start().starts_with(start));
    assert!(
        line("[0] / Wait").is_some_and(|l| l.contains("running")),
        "{text}"
    );
    assert!(
        line("[2]").is_some_and(|l| l.contains("not started")),
        "{text}"
    );
}

/// A branch that finished a step shows the one it runs now, after its rows; killed
/// there, `retry --plan` calls the branches whose steps were in flight started (they
/// may have done part of their work), not "not started".
fn a_branch_past_its_first_step_shows_its_running_one_and_the_plan_after_a_kill() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Each\"\nforeach = \"[1, 2, 3]\"\nmax_parallel = 2\nsteps = [ { name = \"First\", run = \"cat >/dev/null\" }, { name = \"Wait\", run = \"cat >/dev/null; touch started.$$; while [ ! -f go ]; do sleep 0.05; done\" } ]\n");
    let mut run = run_until_started(&p, 2);
    let id = p.sql_column("SELECT process_id FROM processes")[0].clone();
    let (_, text, _) = p.run(&["process", "show", &id]);
    let line = |start: &str| text.lines().find(|l| l.trim_start().starts_with(start));
    assert!(
        line("[0] / First").is_some_and(|l| l.contains("success")),
        "{text}"
    );
    assert!(
        line("[0] / Wait").is_some_and(|l| l.contains("running")),
        "{text}"
    );
    assert!(
        line("[1] / Wait").is_some_and(|l| l.contains("running")),
        "{text}"
    );
    p.write("go", "");
    assert_eq!(run.wait().unwrap().code(), Some(0));

    // Killed before any branch committed a step.
    std::fs::remove_file(p.path().join("go")).unwrap();
    for e in std::fs::read_dir(p.path()).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("started.") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    p.task("[[step]]\nname = \"Each\"\nforeach = \"[1, 2, 3]\"\nmax_parallel = 2\nsteps = [ { name = \"Wait\", run = \"cat >/dev/null; touch started.$$; while [ ! -f go ]; do sleep 0.05; done\" } ]\n");
    let mut run = run_until_started(&p, 2);
    let id = p.ok_json(&["process", "list", "--status", "running"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    kill9(&mut run);
    let plan = p.ok_json(&["process", "retry", &id, "--plan"]);
    let branches: Vec<(&str, &str)> = plan["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["path"].as_str().unwrap(), b["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        branches,
        [
            ("Each [0]", "started"),
            ("Each [1]", "started"),
            ("Each [2]", "not_started")
        ],
        "{plan}"
    );
    p.write("go", "");
    assert_eq!(p.ok_json(&["process", "retry", &id])["status"], "completed");
}

/// A process paused inside a group before any join shows the group resting as the
/// process does (`waiting`), not `running`.
fn a_group_paused_before_its_join_shows_as_waiting() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Each\"\nforeach = \"[1, 2]\"\nsteps = [ { name = \"Wait\", run = \"cat >/dev/null; touch started.$$; sleep 0.5\" }, { name = \"After\", builtin = \"noop\" } ]\n");
    let run = run_until_started(&p, 1);
    let (code, _, err) = p.run(&["engine", "pause"]);
    assert_eq!(code, 0, "{err}");
    let out = run.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(5), "the run rests waiting");
    let id = p.sql_column("SELECT process_id FROM processes");
    let v = p.ok_json(&["process", "show", &id[0]]);
    assert_eq!(v["status"], "waiting", "{v}");
    assert_eq!(v["groups"][0]["status"], "waiting", "{v}");
    let (_, text, _) = p.run(&["process", "show", &id[0]]);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Each") && l.contains("waiting")),
        "{text}"
    );
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    assert_eq!(
        p.ok_json(&["process", "retry", &id[0]])["status"],
        "completed"
    );
}

/// A failure two levels down is told once, with its advice once.
fn a_grandchilds_failure_is_told_with_its_advice_once() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Work\"\nrun = \"echo broken >&2; exit 1\"\n",
    );
    p.write(
        "workflows/mid.toml",
        "name = \"mid\"\ntarget = \"system\"\n[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n",
    );
    p.task("[[step]]\nname = \"Mid\"\nworkflow = \"mid\"\n");
    let v = p.failed_json(&["workflow", "run", "t"]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert_eq!(reason.matches("(mid) failed").count(), 1, "{reason}");
    assert_eq!(reason.matches("(kid) failed").count(), 1, "{reason}");
    assert_eq!(
        reason.matches("fix it, then retry this process").count(),
        1,
        "{reason}"
    );
}

/// A step that deletes `state.subscription` fails saying so, rather than letting a
/// later step blame the fields the deletion took away.
fn a_step_cannot_remove_the_subscription_from_the_state() {
    let p = Project::new();
    device_product(&p);
    p.write(
        "workflows/create_drop.toml",
        "name = \"create_drop\"\ntarget = \"create\"\nproducts = [\"DEV\"]\n[[step]]\nname = \"Name it\"\nbuiltin = \"set\"\nwith = { values = { subscription = { dev = { name = \"d\" } } } }\n[[step]]\nname = \"Drop\"\nrun = \"cat >/dev/null; echo '{\\\"subscription\\\": null}'\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "create_drop"]);
    let row = last_row(&v, "Drop");
    assert_eq!(row["status"], "failed", "{v}");
    assert!(
        row["error"]
            .as_str()
            .is_some_and(|e| e.contains("a step cannot remove the subscription")),
        "{v}"
    );
}

/// `engine status` counts the steps still running while it pauses: each branch in
/// flight of a group, not one a process.
fn engine_status_counts_the_branch_steps_still_running() {
    let p = Project::new();
    let step = "{ name = \"S\", run = \"cat >/dev/null; touch started.$$; while [ ! -f go ]; do sleep 0.02; done\" }";
    p.task(&format!(
        "[[step]]\nname = \"All\"\n[[step.parallel]]\nname = \"A\"\nsteps = [ {step} ]\n[[step.parallel]]\nname = \"B\"\nsteps = [ {step} ]\n[[step.parallel]]\nname = \"C\"\nsteps = [ {step} ]\n"
    ));
    let mut run = run_until_started(&p, 3);
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let status = p.ok_json(&["engine", "status"]);
    assert_eq!(status["status"], "pausing", "{status}");
    assert_eq!(status["running"], 3, "{status}");
    // Said in one pair of parentheses, not two.
    let (_, said, _) = p.run(&["engine", "status"]);
    assert!(
        said.starts_with("engine: pausing (3 steps still running), paused at "),
        "{said}"
    );
    p.write("go", "");
    let _ = run.wait();
    let status = p.ok_json(&["engine", "status"]);
    assert_eq!(status["status"], "paused", "{status}");
    let (_, said, _) = p.run(&["engine", "status"]);
    assert!(said.starts_with("engine: paused (at "), "{said}");
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
}

/// A task has no subscription: a step that puts one in its state fails saying so,
/// instead of completing as if it had changed one (nothing is saved or validated).
fn a_task_step_cannot_set_a_subscription() {
    let p = Project::new();
    device_product(&p);
    let sid =
        p.ok_json(&["workflow", "run", "create_dev", "--input", "name=d1"])["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
    p.task(&format!(
        "[[step]]\nname = \"Hijack\"\nrun = \"cat >/dev/null; echo '{{\\\"subscription\\\": {{\\\"subscription_id\\\": \\\"{sid}\\\", \\\"description\\\": \\\"hijacked\\\"}}}}'\"\n"
    ));
    let v = p.failed_json(&["workflow", "run", "t"]);
    let error = last_row(&v, "Hijack")["error"].clone();
    assert!(
        error
            .as_str()
            .is_some_and(|e| e
                .contains("this process has no subscription (its workflow's target is `system`)")),
        "{v}"
    );
    assert_eq!(v["state"].get("subscription"), None, "{v}");
    let s = p.ok_json(&["subscription", "show", &sid]);
    assert_ne!(s["description"], "hijacked", "{s}");
}

/// Branches' changes to the subscription are merged and saved at the join; a branch
/// step that makes an invalid change fails itself, so a retry runs it again once the
/// cause is fixed (found only at the join, it failed a step no retry runs again).
fn subscription_changes_in_branches_are_merged_and_validated_at_the_join() {
    let p = Project::new();
    device_product(&p);
    let created = p.ok_json(&["workflow", "run", "create_dev", "--input", "name=d1"]);
    let sid = created["subscription_id"].as_str().unwrap().to_string();
    p.write(
        "workflows/tune.toml",
        r#"name = "tune"
target = "modify"
products = ["DEV"]
[[step]]
name = "Both"
[[step.parallel]]
name = "Address"
steps = [ { name = "Set", run = "cat >/dev/null; echo \"{\\\"subscription\\\": {\\\"dev\\\": {\\\"loopback\\\": \\\"$(cat loopback)\\\"}}}\"" } ]
[[step.parallel]]
name = "Size"
steps = [ { name = "Set", run = "m=$(sed -n 's/^{[^{]*\"mtu\":\\([0-9]*\\).*/\\1/p'); echo \"{\\\"subscription\\\": {\\\"dev\\\": {\\\"mtu\\\": $m}}}\"" } ]
[[form]]
fields = [ { name = "mtu", type = "int" } ]
"#,
    );
    // Valid changes of both branches land together, saved at the join.
    p.write("loopback", "10.0.0.1");
    let v = p.ok_json(&[
        "workflow",
        "run",
        "tune",
        "--subscription",
        &sid,
        "--input",
        "mtu=9000",
    ]);
    assert_eq!(v["status"], "completed");
    let s = p.ok_json(&["subscription", "show", &sid]);
    assert_eq!(s["dev"]["loopback"], "10.0.0.1", "{s}");
    assert_eq!(s["dev"]["mtu"], 9000, "{s}");
    assert_eq!(s["insync"], true, "{s}");
    // A bad address fails its branch step, with the field path, and changes nothing of
    // either branch...
    p.write("loopback", "not-an-ip");
    let v = p.failed_json(&[
        "workflow",
        "run",
        "tune",
        "--subscription",
        &sid,
        "--input",
        "mtu=1400",
    ]);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(
        rows(&v, "Both / Address / Set"),
        [("failed".to_string(), 1)]
    );
    assert_eq!(rows(&v, "Both / Size / Set"), [("success".to_string(), 1)]);
    let error = last_row(&v, "Both / Address / Set")["error"].clone();
    assert!(
        error
            .as_str()
            .is_some_and(|e| e.contains("subscription.dev.loopback")),
        "{v}"
    );
    let s = p.ok_json(&["subscription", "show", &sid]);
    assert_eq!(s["dev"]["mtu"], 9000, "{s}");
    assert_eq!(s["dev"]["loopback"], "10.0.0.1", "{s}");
    // ...and a retry once the cause is fixed runs that step again and saves both.
    p.write("loopback", "10.0.0.2");
    let v = p.ok_json(&["process", "retry", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(rows(&v, "Both / Address / Set").len(), 2, "{v}");
    let s = p.ok_json(&["subscription", "show", &sid]);
    assert_eq!(s["dev"]["mtu"], 1400, "{s}");
    assert_eq!(s["dev"]["loopback"], "10.0.0.2", "{s}");
}

fn a_failed_branch_is_fixed_and_retried_alone() {
    let p = Project::new();
    push_script(&p);
    p.task(&format!(
        r#"{DEVICES}
[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
steps = [ {{ name = "Push", run = "workflows/scripts/push.sh" }},
          {{ name = "Verify", run = "workflows/scripts/push.sh" }} ]
"#
    ));
    p.write("broken-r3", "");
    let v = p.failed_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("branch `[2]` failed at `Push`"),
        "{reason}"
    );
    // Its siblings did not stop: every other branch finished both steps.
    for i in [0, 1, 3] {
        assert_eq!(
            rows(&v, &format!("Push every device [{i}] / Verify")),
            [("success".to_string(), 1)]
        );
    }
    // `process show` tells the failed branch step, with its stderr.
    let (code, out, _) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0);
    assert!(
        out.contains("failed step Push every device [2] / Push"),
        "{out}"
    );
    assert!(out.contains("cannot reach r3"), "{out}");
    assert!(
        out.contains("  [2] / Push"),
        "grouped under the group:\n{out}"
    );
    // retry --plan names the one branch that would run.
    let (code, plan, err) = p.run(&["process", "retry", &id, "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(plan.contains("[2] from `Push` (failed"), "{plan}");
    assert!(plan.contains("3 finished branches stay done"), "{plan}");
    assert!(!plan.contains("[0] from"), "{plan}");
    let planned = p.ok_json(&["process", "retry", &id, "--plan"]);
    assert_eq!(planned["branches"].as_array().map(Vec::len), Some(1));
    assert_eq!(planned["branches"][0]["path"], "Push every device [2]");
    assert_eq!(planned["branches_done"], 3);

    std::fs::remove_file(p.path().join("broken-r3")).unwrap();
    let v = p.ok_json(&["process", "retry", &id]);
    assert_eq!(v["status"], "completed");
    // Every step of every branch ran exactly once, the fixed one's Push twice.
    let mut ran: BTreeMap<String, usize> = BTreeMap::new();
    for (_, step, _) in effects(&p) {
        *ran.entry(step).or_default() += 1;
    }
    for dev in ["r1", "r2", "r3", "r4"] {
        let push = ran.get(&format!("Push-{dev}")).copied().unwrap_or(0);
        let verify = ran.get(&format!("Verify-{dev}")).copied().unwrap_or(0);
        assert_eq!(push, if dev == "r3" { 2 } else { 1 }, "{ran:?}");
        assert_eq!(verify, 1, "{ran:?}");
    }
    assert_eq!(
        rows(&v, "Push every device [2] / Push"),
        [("failed".to_string(), 1), ("success".to_string(), 2)]
    );
    for dev in ["r1", "r2", "r3", "r4"] {
        assert_eq!(v["state"][format!("pushed_{dev}")], true, "{}", v["state"]);
    }
}

#[test]
fn fail_fast_starts_no_more_steps_once_a_branch_failed() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { items = [0, 1, 2, 3, 4, 5] } }

[[step]]
name = "Each"
foreach = "state.items"
max_parallel = 2
fail_fast = true
steps = [ { name = "Work", run = "cat >/dev/null; echo $ORCH_STEP >> ran.txt; test \"$ORCH_STEP\" != 'Work'" } ]
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert!(
        ran.lines().count() <= 2,
        "after the first failure no branch step starts: {ran}"
    );
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("failed at `Work`"),
        "{v}"
    );
}

fn the_group_is_failed_before_waiting_before_suspended() {
    let p = Project::new();
    let group = |a: &str, b: &str| {
        format!(
            r#"
[[step]]
name = "G"
[[step.parallel]]
name = "one"
steps = [ {a} ]
[[step.parallel]]
name = "two"
steps = [ {b} ]
"#
        )
    };
    let ask = r#"{ name = "Ask", input.fields = [ { name = "ok", type = "accept" } ] }"#;
    let wait = r#"{ name = "Wait", run = "cat >/dev/null; exit 75" }"#;
    let fail = r#"{ name = "Fail", run = "cat >/dev/null; exit 1" }"#;
    for (a, b, code, status) in [
        (ask, wait, 5, "waiting"),
        (wait, fail, 3, "failed"),
        (ask, ask, 4, "suspended"),
    ] {
        p.task(&group(a, b));
        let v = p.json_exiting(&["workflow", "run", "t"], code);
        assert_eq!(v["status"], status, "{a} and {b}: {v}");
    }
}

fn confirm_workflow(p: &Project) {
    push_script(p);
    p.task(&format!(
        r#"{DEVICES}
[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
steps = [ {{ name = "Push", run = "workflows/scripts/push.sh" }},
          {{ name = "Confirm", input.message = "Is {{{{ state.device }}}} fine?",
            input.fields = [ {{ name = "ok", type = "accept" }} ],
            if = "state.device in ['r2', 'r4']" }} ]
"#
    ));
}

fn an_input_step_inside_a_branch_is_answered_by_its_path_with_resume() {
    let p = Project::new();
    confirm_workflow(&p);
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "suspended");
    // process show lists both pending branch steps with their messages.
    let shown = p.ok_json(&["process", "show", &id]);
    let pending: Vec<&str> = shown["pending_steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["step"].as_str())
        .collect();
    assert_eq!(
        pending,
        [
            "Push every device [1] / Confirm",
            "Push every device [3] / Confirm"
        ]
    );
    assert_eq!(shown["pending_steps"][1]["message"], "Is r4 fine?");
    let (_, out, err) = p.run(&["process", "show", &id]);
    assert!(
        out.contains("waiting for input at step Push every device [3] / Confirm"),
        "{out}"
    );
    assert!(
        err.contains("--input 'Push every device [1] / Confirm.ok=true'"),
        "{err}"
    );
    // A bare answer is ambiguous with two steps waiting.
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("several steps await input"), "{err}");
    // A wrong answer among several is named with its step's path.
    let (code, _, err) = p.run(&[
        "process",
        "resume",
        &id,
        "--input",
        "Push every device [1] / Confirm.ok=true",
        "--input",
        "Push every device [3] / Confirm.ok=maybe",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("step `Push every device [3] / Confirm`: "),
        "{err}"
    );
    // Answering one branch lets it finish; the other still waits.
    let v = p.json_exiting(
        &[
            "process",
            "resume",
            &id,
            "--input",
            "Push every device [3] / Confirm.ok=true",
        ],
        4,
    );
    assert_eq!(
        rows(&v, "Push every device [3] / Confirm")
            .last()
            .unwrap()
            .0,
        "success"
    );
    assert_eq!(
        rows(&v, "Push every device [1] / Confirm"),
        [("suspend".to_string(), 1)]
    );
    // No step ran again.
    assert_eq!(effects(&p).len(), 4);
    // The last one, now the only one, takes a bare answer.
    let v = p.ok_json(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(v["status"], "completed");
    assert_eq!(effects(&p).len(), 4);
    let (_, state, _) = p.run(&[
        "process",
        "show",
        &id,
        "--step",
        "Push every device [1] / Confirm",
    ]);
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["state"]["device"], "r2", "{state}");
    assert_eq!(state["state"]["ok"], true, "{state}");
}

#[test]
fn resume_form_asks_each_pending_branch_in_turn() {
    let p = Project::new();
    confirm_workflow(&p);
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    let Some(t) = super::interactive::Term::start(&p, &["process", "resume", &id, "--form"]) else {
        return;
    };
    t.expect("input for `Push every device [1] / Confirm`");
    t.keys(&["y"]);
    t.expect("input for `Push every device [3] / Confirm`");
    t.keys(&["y"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("✓ Push every device ("), "{screen}");
}

fn kill_9_mid_group_runs_again_only_the_branch_steps_in_flight() {
    let p = Project::new();
    push_script(&p);
    p.task(&format!(
        r#"{DEVICES}
[[step]]
name = "Push every device"
foreach = "state.devices"
as = "device"
steps = [ {{ name = "Push", run = "workflows/scripts/push.sh" }},
          {{ name = "Slow", run = "PUSH_SLEEP=30 workflows/scripts/push.sh" }} ]
"#
    ));
    let mut child = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until every branch's second step is running.
    let until = Instant::now() + Duration::from_secs(20);
    while effects(&p)
        .iter()
        .filter(|(_, s, _)| s.starts_with("Slow"))
        .count()
        < 4
    {
        assert!(Instant::now() < until, "the slow steps never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill9(&mut child);
    let id = super::crash::only_process(&p).unwrap();
    let groups: std::collections::HashSet<i32> =
        effects(&p).into_iter().map(|(_, _, g)| g).collect();
    assert!(
        super::crash::groups_left_after(&groups, Duration::from_secs(5)).is_empty(),
        "the branch steps died with their orch"
    );
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["stale"], true, "{shown}");
    // The slow steps now finish at once.
    p.script(
        "workflows/scripts/push.sh",
        r#"state=$(cat)
dev=$(printf '%s' "$state" | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
echo "$ORCH_PROCESS_ID $(printf '%s' "$ORCH_STEP" | tr ' ' _)-$dev $ORCH_ATTEMPT 0" >> effects.txt
printf '{"pushed_%s": true}\n' "$dev""#,
    );
    let v = p.ok_json(&["process", "retry", &id]);
    assert_eq!(v["status"], "completed");
    let mut ran: BTreeMap<String, usize> = BTreeMap::new();
    for (_, step, _) in effects(&p) {
        *ran.entry(step).or_default() += 1;
    }
    for dev in ["r1", "r2", "r3", "r4"] {
        assert_eq!(
            ran[&format!("Push-{dev}")],
            1,
            "a finished step ran again: {ran:?}"
        );
        assert_eq!(ran[&format!("Slow-{dev}")], 2, "{ran:?}");
    }
}

/// A system workflow the parent starts as a child per item: it records its answers.
/// The most lines of `times.txt` (`start NS` / `end NS`) that overlap.
fn most_at_once(p: &Project) -> i32 {
    let text = std::fs::read_to_string(p.path().join("times.txt")).unwrap();
    let mut events: Vec<(u128, i32)> = text
        .lines()
        .filter_map(|l| {
            let (kind, t) = l.split_once(' ')?;
            Some((t.parse().ok()?, if kind == "start" { 1 } else { -1 }))
        })
        .collect();
    events.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in events {
        now += d;
        most = most.max(now);
    }
    most
}

fn child_workflows(p: &Project) {
    p.write(
        "workflows/child.toml",
        r#"name = "child"
target = "system"
[[form]]
fields = [ { name = "device", type = "text" }, { name = "speed", type = "int" } ]
[[step]]
name = "Configure"
run = "cat > \"child-$ORCH_PROCESS_ID.json\"; test ! -f \"broken-$(sed -n 's/.*\"device\":\"\\([^\"]*\\)\".*/\\1/p' \"child-$ORCH_PROCESS_ID.json\")\""
"#,
    );
    p.write(
        "workflows/parent.toml",
        r#"name = "parent"
target = "system"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { devices = ["r1", "r2", "r3"], speed = 10 } }
[[step]]
name = "Configure every device"
foreach = "state.devices"
as = "device"
max_parallel = 2
workflow = "child"
input = { device = "{{ state.device }}", speed = "{{ state.speed }}" }
"#,
    );
}

/// A child workflow without a form takes its `input` as its first state, unchecked,
/// as `orch workflow run` takes `--input` for such a workflow; `workflow check` agrees.
fn a_child_without_a_form_takes_its_input_as_its_state() {
    let p = Project::new();
    p.write(
        "workflows/bare.toml",
        "name = \"bare\"\ntarget = \"system\"\n[[step]]\nname = \"Keep\"\nrun = \"cat > \\\"bare-$ORCH_PROCESS_ID.json\\\"\"\n",
    );
    p.write(
        "workflows/parent.toml",
        "name = \"parent\"\ntarget = \"system\"\n[[step]]\nname = \"Call\"\nworkflow = \"bare\"\ninput = { dev = \"r1\", speed = \"{{ 5 * 2 }}\" }\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["workflow", "run", "parent"]);
    assert_eq!(v["status"], "completed", "{v}");
    let child = p.ok_json(&["process", "list", "--parent", v["id"].as_str().unwrap()]);
    let cid = child[0]["id"].as_str().unwrap();
    let got: Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join(format!("bare-{cid}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (&got["dev"], &got["speed"]),
        (&"r1".into(), &10.into()),
        "{got}"
    );
}

fn child_processes_start_per_item_with_their_answers_and_are_listed() {
    let p = Project::new();
    child_workflows(&p);
    assert_eq!(p.run(&["workflow", "check"]).0, 0);
    let v = p.ok_json(&["workflow", "run", "parent"]);
    let id = v["id"].as_str().unwrap();
    assert_eq!(v["status"], "completed");
    let children = p.ok_json(&["process", "list", "--parent", id]);
    let children = children.as_array().unwrap();
    assert_eq!(children.len(), 3);
    for c in children {
        assert_eq!(c["parent_id"], id);
        assert_eq!(c["workflow"], "child");
        assert_eq!(c["status"], "completed");
        let cid = c["id"].as_str().unwrap();
        let got: Value = serde_json::from_str(
            &std::fs::read_to_string(p.path().join(format!("child-{cid}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            got["speed"], 10,
            "answers are typed by the child's form: {got}"
        );
    }
    let shown = p.ok_json(&["process", "show", id]);
    // Two branches run at once, so the children are oldest first, not in item order.
    let mut steps: Vec<&str> = shown["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["parent_step"].as_str())
        .collect();
    steps.sort_unstable();
    assert_eq!(
        steps,
        (0..3)
            .map(|i| format!("Configure every device [{i}] / child"))
            .collect::<Vec<_>>(),
        "{shown}"
    );
    let (_, out, _) = p.run(&["process", "show", id]);
    assert!(out.contains("CHILD"), "{out}");
    assert!(out.contains("Configure every device [2] / child"), "{out}");
    // The child shows its parent.
    let (_, out, _) = p.run(&["process", "show", children[0]["id"].as_str().unwrap()]);
    assert!(out.contains(&format!("parent:   {id}")), "{out}");
}

fn retrying_the_parent_retries_its_failed_child_instead_of_starting_another() {
    let p = Project::new();
    child_workflows(&p);
    p.write("broken-r2", "");
    let v = p.failed_json(&["workflow", "run", "parent"]);
    let id = v["id"].as_str().unwrap().to_string();
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(
        reason.contains("branch `[1]` failed at `child`"),
        "{reason}"
    );
    assert!(reason.contains("child process"), "{reason}");
    let children = p.ok_json(&["process", "list", "--parent", &id]);
    let failed: Vec<&Value> = children
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    let failed_id = failed[0]["id"].as_str().unwrap().to_string();
    std::fs::remove_file(p.path().join("broken-r2")).unwrap();
    // The child retried on its own says what moves its parent on.
    let (code, _, err) = p.run(&["process", "retry", &failed_id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "(parent) goes on with `orch process retry {id}`, as it failed with this child"
        )),
        "{err}"
    );
    // A failed parent waits for a person: no worker takes it up by itself.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "failed");
    let v = p.ok_json(&["process", "retry", &id]);
    assert_eq!(v["status"], "completed");
    let children = p.ok_json(&["process", "list", "--parent", &id]);
    assert_eq!(
        children.as_array().unwrap().len(),
        3,
        "no new child: {children}"
    );
    let again = p.ok_json(&["process", "show", &failed_id]);
    assert_eq!(
        again["status"], "completed",
        "the same child was retried: {again}"
    );
}

#[test]
fn a_child_on_a_subscription_gets_its_usability_checks_and_lock() {
    let p = Project::new();
    device_product(&p);
    let d1 = p.ok_json(&["workflow", "run", "create_dev", "--input", "name=d1"]);
    let d1 = d1["subscription_id"].as_str().unwrap().to_string();
    p.write(
        "workflows/fix_dev.toml",
        r#"name = "fix_dev"
target = "modify"
products = ["DEV"]
[[step]]
name = "Fix"
run = "cat >/dev/null; test ! -f hold"
"#,
    );
    p.write(
        "workflows/fix_all.toml",
        r#"name = "fix_all"
target = "system"
[[form]]
fields = [ { name = "ids", type = "text" } ]
[[step]]
name = "Split"
builtin = "set"
with = { values = { devs = [ "{{ state.ids }}" ] } }
[[step]]
name = "Fix every device"
foreach = "state.devs"
as = "dev"
workflow = "fix_dev"
subscription = "{{ state.dev }}"
"#,
    );
    assert_eq!(p.run(&["workflow", "check"]).0, 0);
    // Another process holds the subscription: the child may not start.
    p.write("hold", "");
    p.failed_json(&["workflow", "run", "fix_dev", "--subscription", &d1]);
    let ids = format!("ids={d1}");
    let v = p.failed_json(&["workflow", "run", "fix_all", "--input", &ids]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert!(reason.contains("child `fix_dev` cannot start"), "{reason}");
    assert_eq!(
        p.ok_json(&["process", "list", "--parent", v["id"].as_str().unwrap()])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

/// A child on a subscription is for that subscription's customer, as the same
/// workflow run by hand on it is (it was shown with none).
fn a_child_on_a_subscription_is_for_its_customer() {
    let p = Project::new();
    device_product(&p);
    let d1 = p.ok_json(&[
        "workflow",
        "run",
        "create_dev",
        "--input",
        "name=d1",
        "--customer",
        "acme",
    ]);
    let d1 = d1["subscription_id"].as_str().unwrap().to_string();
    p.write(
        "workflows/fix_dev.toml",
        "name = \"fix_dev\"\ntarget = \"modify\"\nproducts = [\"DEV\"]\n[[step]]\nname = \"Fix\"\nbuiltin = \"noop\"\n",
    );
    p.write(
        "workflows/fix_one.toml",
        r#"name = "fix_one"
target = "system"
[[form]]
fields = [ { name = "id", type = "text" } ]
[[step]]
name = "Fix it"
workflow = "fix_dev"
subscription = "{{ state.id }}"
"#,
    );
    let by_hand = p.ok_json(&["workflow", "run", "fix_dev", "--subscription", &d1]);
    assert_eq!(by_hand["customer_id"], "acme", "{by_hand}");
    let id = format!("id={d1}");
    let parent = p.ok_json(&["workflow", "run", "fix_one", "--input", &id]);
    let children = p.ok_json(&[
        "process",
        "list",
        "--parent",
        parent["id"].as_str().unwrap(),
    ]);
    assert_eq!(children[0]["customer_id"], "acme", "{children}");
    let child = p.ok_json(&["process", "show", children[0]["id"].as_str().unwrap()]);
    assert_eq!(child["customer_id"], "acme", "{child}");
}

fn a_worker_lets_the_parent_rest_while_its_children_run() {
    let p = Project::new();
    child_workflows(&p);
    let queued = p.ok_json(&["workflow", "run", "parent", "--queue"]);
    let id = queued["id"].as_str().unwrap().to_string();
    // One slot: a parent that held it while waiting would never see its children run.
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "1"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    let own = rows(&v, "Configure every device");
    assert_eq!(
        own.first().map(|r| r.0.as_str()),
        Some("waiting"),
        "{own:?}"
    );
    assert_eq!(own.last().map(|r| r.0.as_str()), Some("success"), "{own:?}");
    let children = p.ok_json(&["process", "list", "--parent", &id]);
    assert_eq!(children.as_array().unwrap().len(), 3);
}

/// Under a worker, a parent whose child awaits input rests `suspended` (DESIGN §13),
/// holding no slot and logging its wait once; the child's answer wakes it, and the
/// worker finishes both.
fn a_worker_suspends_the_parent_of_a_child_that_awaits_someone() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"go\", type = \"bool\" } ]\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n[[step]]\nname = \"After\"\nbuiltin = \"noop\"\n");
    let id = p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "suspended", "{v}");
    assert!(
        v["failed_reason"]
            .as_str()
            .is_some_and(|r| r.contains("is suspended; answer it with")),
        "{v}"
    );
    let kid_rows = rows(&v, "Kid");
    assert_eq!(
        kid_rows.first().map(|r| r.0.as_str()),
        Some("waiting"),
        "{v}"
    );
    assert_eq!(
        kid_rows.last().map(|r| r.0.as_str()),
        Some("suspend"),
        "{v}"
    );
    // A worker with nothing due leaves it so.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["steps"], v["steps"]);
    let kid = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'kid'");
    let (code, _, err) = p.run(&[
        "process", "resume", &kid[0], "--input", "go=true", "--queue",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        rows(&v, "Kid").last().map(|r| r.0.as_str()),
        Some("success")
    );
}

/// A child awaiting a callback leaves its parent `awaiting_callback`, as a group whose
/// branches await callbacks is: exit 4, the child named; answered, `resume` of the
/// parent goes on.
fn a_parent_of_a_child_awaiting_a_callback_awaits_it_too() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Wait\"\nrun = \"printf %s \\\"$ORCH_CALLBACK_TOKEN\\\" > token.txt\"\ncallback = { result = \"job\" }\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert!(
        err.contains("is awaiting a callback: its child processes await input or a callback"),
        "{err}"
    );
    let id = v["id"].as_str().unwrap().to_string();
    let kid = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'kid'");
    // Nothing to retry while the child waits: the refusal says what goes on instead.
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains(&format!(
            "hint: answer its child processes (`orch process list --parent {id}`); then `orch process resume {id}` goes on"
        )),
        "{err}"
    );
    let token = std::fs::read_to_string(p.path().join("token.txt")).unwrap();
    let (code, _, err) = p.run(&[
        "process", "callback", &kid[0], "--token", &token, "--input", "ok=true",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("(t) goes on with `orch process resume"),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
}

/// Under a worker a branch rests while its child runs elsewhere, and still counts
/// against `max_parallel`: with room for eight, two children run at once, not four.
fn a_worker_starts_at_most_max_parallel_children_at_once() {
    let p = Project::new();
    p.write(
        "workflows/child.toml",
        r#"name = "child"
target = "system"
[[step]]
name = "Work"
run = "echo \"start $(date +%s%N)\" >> times.txt; i=0; while [ $(grep -c start times.txt) -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; sleep 0.3; echo \"end $(date +%s%N)\" >> times.txt"
"#,
    );
    p.task(
        r#"
[[step]]
name = "Each"
foreach = "[1, 2, 3, 4]"
max_parallel = 2
workflow = "child"
"#,
    );
    let id = p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once", "--concurrency", "8"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
    let text = std::fs::read_to_string(p.path().join("times.txt")).unwrap();
    assert_eq!(text.lines().count(), 8, "{text}");
    assert_eq!(most_at_once(&p), 2, "{text}");
}

#[test]
fn process_show_groups_branch_steps_and_mermaid_draws_fork_and_join() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Configure both ends"
[[step.parallel]]
name = "A side"
steps = [ { name = "Push A", builtin = "noop" } ]
[[step.parallel]]
name = "B side"
steps = [ { name = "Push B", builtin = "noop" }, { name = "Check B", builtin = "noop", if = "state.x" } ]
"#,
    );
    let v = p.ok_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap();
    let (_, out, _) = p.run(&["process", "show", id]);
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("Configure both ends"))
        .unwrap();
    assert!(lines[at + 1].contains("  A side / Push A"), "{out}");
    assert!(lines[at + 2].contains("  B side / Push B"), "{out}");
    assert!(
        lines[at + 3].contains("  B side / Check B") && lines[at + 3].contains("skipped"),
        "{out}"
    );
    let shown = p.ok_json(&["process", "show", id]);
    assert_eq!(shown["groups"][0]["name"], "Configure both ends");
    assert_eq!(shown["groups"][0]["branches"][1]["label"], "B side");
    assert_eq!(shown["groups"][0]["branches"][1]["status"], "done");
    for s in shown["steps"].as_array().unwrap() {
        assert!(s["path"].is_string(), "{s}");
    }
    let (code, chart, _) = p.run(&["workflow", "show", "t", "--mermaid"]);
    assert_eq!(code, 0);
    for line in [
        "s1{{\"fork: Configure both ends\"}}",
        "subgraph g1_1[\"B side\"]",
        "s1 --> s1_0_0",
        "s1_1_0 --> c1_1_1",
        "c1_1_1 -->|yes| s1_1_1",
        "c1_1_1 -->|no| j1",
        "s1_1_1 --> j1",
        "j1 --> s2",
    ] {
        assert!(chart.contains(line), "{line} missing:\n{chart}");
    }
}

#[test]
fn the_progress_display_prints_each_branch_step_on_a_line_of_its_own() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { items = [0, 1, 2, 3, 4, 5, 6, 7] } }
[[step]]
name = "Each"
foreach = "state.items"
max_parallel = 8
steps = [ { name = "Work", run = "cat >/dev/null; sleep 0.2" },
          { name = "More", run = "cat >/dev/null; sleep 0.1" } ]
"#,
    );
    let Some(t) = super::interactive::Term::start(&p, &["workflow", "run", "t"]) else {
        return;
    };
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    for i in 0..8 {
        for step in ["Work", "More"] {
            let line = format!("✓ Each [{i}] / {step} (");
            assert_eq!(
                screen.matches(&line).count(),
                1,
                "{line} not once on a line of its own:\n{screen}"
            );
        }
    }
    // Every line is a whole step line, a header or the end; no spinner is left over.
    for l in screen.lines().filter(|l| !l.trim().is_empty()) {
        let ok =
            l.trim_start().starts_with('✓') || l.starts_with("process ") || l.starts_with("EXIT=");
        assert!(ok, "a stray line `{l}` in:\n{screen}");
    }
}

/// `POST /api/v1/processes/{id}/resume` splits its body among the steps that wait as
/// `--input-file` does, and refuses bare answers when several wait.
fn the_api_answers_input_steps_inside_branches_by_their_paths() {
    let p = Project::new();
    confirm_workflow(&p);
    let id = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = serve::token(&p, "ops", "operate");
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let path = format!("/api/v1/processes/{id}/resume");
    let bare = serve::post(&s, &path, &op, &serde_json::json!({"ok": true}));
    assert_eq!(bare.status, 400, "{}", bare.text);
    assert!(
        bare.text.contains("several steps await input"),
        "{}",
        bare.text
    );
    let none = serve::post(&s, &path, &op, &serde_json::json!({}));
    assert_eq!(none.status, 400, "{}", none.text);
    let nowhere = serde_json::json!({"Push every device [7] / Confirm": {"ok": true}});
    let nowhere = serve::post(&s, &path, &op, &nowhere);
    assert_eq!(nowhere.status, 400, "{}", nowhere.text);
    assert!(
        nowhere
            .text
            .contains("`Push every device [7] / Confirm` is no step that awaits input"),
        "{}",
        nowhere.text
    );
    // A wrong answer is named with its step's path.
    let wrong = serde_json::json!({"Push every device [3] / Confirm": {"ok": "maybe"}});
    let wrong = serve::post(&s, &path, &op, &wrong);
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(
        wrong.body["error"]["fields"][0]["field"], "Push every device [3] / Confirm.ok",
        "{}",
        wrong.text
    );
    // One branch by its path (as an object), then the other (dotted).
    let one = serve::post(
        &s,
        &path,
        &op,
        &serde_json::json!({"Push every device [3] / Confirm": {"ok": true}}),
    );
    assert_eq!(one.status, 200, "{}", one.text);
    s.stop();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "it ran; one branch still waits: {err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(
        last_row(&v, "Push every device [3] / Confirm")["status"],
        "success"
    );
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let other = serve::post(
        &s,
        &path,
        &op,
        &serde_json::json!({"Push every device [1] / Confirm.ok": true}),
    );
    assert_eq!(other.status, 200, "{}", other.text);
    s.stop();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
    // No push ran twice.
    assert_eq!(effects(&p).len(), 4);
}

/// A group waiting on a transient branch while another awaits input: the input is
/// answered in place with `resume` (the waiting branch runs again meanwhile), and a
/// retry once the cause is gone completes the process.
fn a_waiting_group_with_a_branch_awaiting_input_is_resumed_in_place() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "G"
[[step.parallel]]
name = "Ask"
steps = [ { name = "Confirm", input.fields = [ { name = "ok", type = "accept" } ] } ]
[[step.parallel]]
name = "Temp"
steps = [ { name = "Flaky", run = "cat >/dev/null; [ -f fixed ] || exit 75; echo '{}'" } ]
"#,
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 5, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "waiting", "{v}");
    // The input it awaits beside the wait is said, as for a suspended process: by
    // the run, and by `process show` (its JSON's `pending`, and in words).
    let resume = format!(
        "hint: `orch process resume {id} --input 'G / Ask / Confirm.ok=true'` (or --form at a terminal)"
    );
    assert!(err.contains(&resume), "{err}");
    assert!(
        err.contains(&format!(
            "hint: `orch process retry {id}` when the cause is gone"
        )),
        "{err}"
    );
    assert_eq!(v["pending"]["step"], "G / Ask / Confirm", "{v}");
    assert_eq!(v["pending_steps"].as_array().map(Vec::len), Some(1), "{v}");
    let (code, out, err) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("waiting for input at step G / Ask / Confirm"),
        "{out}"
    );
    assert!(err.contains(&resume), "{err}");
    assert!(
        err.contains(&format!(
            "`orch process retry {id}` when the transient cause is gone"
        )),
        "{err}"
    );
    let v = p.json_exiting(
        &[
            "process",
            "resume",
            &id,
            "--input",
            "G / Ask / Confirm.ok=true",
        ],
        5,
    );
    assert_eq!(
        last_row(&v, "G / Ask / Confirm")["status"],
        "success",
        "{v}"
    );
    std::fs::write(p.path().join("fixed"), "").unwrap();
    let v = p.ok_json(&["process", "retry", &id]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// A parent whose child waits to try a step again is told a worker goes on with it
/// when its children come to rest, not that it waits on a transient cause of its own.
fn a_parent_of_a_child_waiting_to_try_again_says_it_waits_for_its_children() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Flaky\"\nrun = \"cat >/dev/null; exit 75\"\n");
    p.write(
        "workflows/parent.toml",
        "name = \"parent\"\ntarget = \"system\"\n[[step]]\nname = \"Child\"\nworkflow = \"t\"\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "parent"]);
    assert_eq!(code, 5, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let worker = format!(
        "hint: a worker goes on with it when its children come to rest; `orch process retry {id}` looks at them again"
    );
    assert!(err.contains(&worker), "{err}");
    let (code, _, err) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&worker), "{err}");
    assert!(!err.contains("transient cause"), "{err}");
}

/// Aborting a parent aborts its unfinished children and theirs: nothing is left
/// holding a wait nobody needs; finished children stay as they are.
fn aborting_a_parent_aborts_its_unfinished_children_at_any_depth() {
    let p = Project::new();
    p.write(
        "workflows/cb.toml",
        "name = \"cb\"\ntarget = \"system\"\n[[step]]\nname = \"Wait\"\ncallback = { result = \"job\" }\n",
    );
    p.write(
        "workflows/mid.toml",
        "name = \"mid\"\ntarget = \"system\"\n[[step]]\nname = \"Deeper\"\nworkflow = \"cb\"\n",
    );
    p.write(
        "workflows/quick.toml",
        "name = \"quick\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    p.task("[[step]]\nname = \"Fast\"\nworkflow = \"quick\"\n[[step]]\nname = \"Kid\"\nworkflow = \"mid\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_ne!(code, 0, "{err}");
    let parent: Value = serde_json::from_str(&out).unwrap();
    let id = parent["id"].as_str().unwrap().to_string();
    let status_of = |workflow: &str| {
        p.sql_column(&format!(
            "SELECT status FROM processes WHERE workflow = '{workflow}'"
        ))
    };
    assert_eq!(status_of("cb"), ["awaiting_callback"]);

    // An id in upper case (as some tools print UUIDs) names the same process.
    let (code, _, err) = p.run(&["process", "abort", &id.to_uppercase()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(mid) aborted with it"), "{err}");
    assert!(err.contains("(cb) aborted with it"), "{err}");
    assert_eq!(status_of("t"), ["aborted"]);
    assert_eq!(status_of("mid"), ["aborted"]);
    assert_eq!(status_of("cb"), ["aborted"]);
    assert_eq!(status_of("quick"), ["completed"]);
    // Each child's log says who ended it.
    let child = p.ok_json(&["process", "list", "--workflow", "cb"]);
    let cb = p.ok_json(&["process", "show", child[0]["id"].as_str().unwrap()]);
    let last = cb["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "abort", "{cb}");
}

/// Skipping a failed group marks the steps its failed branches rest at as done by
/// hand, not the group: those branches go on from there, the finished ones keep what
/// they did, and the join merges both. Through the API, the same.
fn skipping_a_failed_group_skips_its_failed_branch_steps_and_keeps_the_rest() {
    let p = Project::new();
    p.task(
        r#"[[step]]
name = "Both"
[[step.parallel]]
name = "A"
steps = [ { name = "Set A", run = "echo '{\"a\": 1}'" } ]
[[step.parallel]]
name = "B"
steps = [ { name = "Fail B", run = "exit 1" }, { name = "After B", run = "echo '{\"b\": 2}'" } ]
[[step.parallel]]
name = "C"
steps = [ { name = "Fail C", run = "exit 1" } ]
"#,
    );
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err) = p.run(&["-o", "json", "process", "skip", &id, "--set", "by=hand"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("step `Both / B / Fail B` marked done"),
        "{err}"
    );
    assert!(
        err.contains("step `Both / C / Fail C` marked done"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        v["state"],
        serde_json::json!({"a": 1, "b": 2, "by": "hand"}),
        "{v}"
    );
    assert_eq!(rows(&v, "Both / A / Set A"), [("success".to_string(), 1)]);
    assert_eq!(last_row(&v, "Both / B / Fail B")["status"], "skipped");
    assert_eq!(last_row(&v, "Both / B / After B")["status"], "success");
    assert_eq!(last_row(&v, "Both")["status"], "success");

    let again = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = serve::token(&p, "ops", "operate");
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let r = serve::post(
        &s,
        &format!("/api/v1/processes/{again}/skip"),
        &op,
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    s.stop();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &again]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"], serde_json::json!({"a": 1, "b": 2}), "{v}");
}

/// A parent whose children wait for people (input, a callback) is at rest until
/// someone acts: it is `suspended` (DESIGN §13) and exits 4 (§9), naming each child and
/// how it is answered; a CI script does not take it for a transient wait. Answered, the
/// children wake it: `resume` of the parent goes on through every level.
fn a_parent_waiting_on_children_that_await_people_exits_4() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"go\", type = \"bool\" } ]\n",
    );
    p.write(
        "workflows/mid.toml",
        "name = \"mid\"\ntarget = \"system\"\n[[step]]\nname = \"Deeper\"\nworkflow = \"kid\"\n",
    );
    p.task("[[step]]\nname = \"Init\"\nbuiltin = \"set\"\nwith = { values = { ns = [\"a\", \"b\"] } }\n[[step]]\nname = \"Each\"\nforeach = \"state.ns\"\nworkflow = \"mid\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("is suspended: its child processes await input or a callback"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "suspended", "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let mids = p.sql_column("SELECT status FROM processes WHERE workflow = 'mid'");
    assert_eq!(mids, ["suspended", "suspended"]);
    // Listed with what needs a person, and said so by `process show`.
    let listed = p.ok_json(&["process", "list", "--status", "suspended"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(5), "{listed}");
    let (code, out, shown) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{shown}");
    assert!(out.contains("its child processes rest: "), "{out}");
    assert!(
        shown.contains(&format!("then `orch process resume {id}` goes on")),
        "{shown}"
    );
    let kids = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'kid'");
    assert_eq!(kids.len(), 2);
    for kid in &kids {
        assert!(err.contains(&format!("orch process resume {kid}")), "{err}");
        assert!(
            shown.contains(&format!("orch process resume {kid} --form")),
            "{shown}"
        );
        let (code, _, err) = p.run(&["process", "resume", kid, "--input", "go=true"]);
        assert_eq!(code, 0, "{err}");
        // Whoever answered is told what moves the parent on.
        assert!(
            err.contains("its parent process")
                && err.contains("(mid) goes on with `orch process resume"),
            "{err}"
        );
    }
    // The API says the same: the children are what to answer.
    let op = serve::token(&p, "ops", "operate");
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let r = serve::post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &serde_json::json!({"go": true}),
    );
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("processes?parent="), "{}", r.text);
    s.stop();
    // Answers meant for the children are not taken by the parent.
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "go=true"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("list --parent"), "{err}");
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
    let mids = p.sql_column("SELECT status FROM processes WHERE workflow = 'mid'");
    assert_eq!(mids, ["completed", "completed"]);
}

/// A group of many branches, one of which fails: `process show`, `retry --plan` and
/// `skip` read the log once for the group, not once per branch, and say of every branch
/// what the log says (which it is, where it stands, what runs next).
fn a_failed_group_of_many_branches_is_shown_planned_and_skipped_branch_by_branch() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Each"
foreach = "range(1000)"
max_parallel = 64
steps = [
  { name = "N", builtin = "noop" },
  { name = "F", builtin = "fail", with = { message = "boom" }, if = "state.item == 517" },
]
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    let v = p.ok_json(&["process", "show", &id]);
    let branches = v["groups"][0]["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 1000, "{v}");
    for (i, b) in branches.iter().enumerate() {
        assert_eq!(b["path"], format!("Each [{i}]"), "{b}");
        let (status, next, error) = if i == 517 {
            ("failed", serde_json::json!("F"), serde_json::json!("boom"))
        } else {
            ("done", Value::Null, Value::Null)
        };
        assert_eq!(
            (&b["status"], &b["next"], &b["error"]),
            (&serde_json::json!(status), &next, &error),
            "{b}"
        );
    }
    let (code, out, err) = p.run(&["process", "retry", &id, "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[517] from `F` (failed: boom)")
            && out.contains("999 finished branches stay done"),
        "{out}"
    );
    let (code, out, err) = p.run(&["-o", "json", "process", "skip", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("step `Each [517] / F` marked done"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed", "{v}");
    let f_rows: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "F")
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        f_rows.len(),
        1000 + 1,
        "every skipped F and the one marked done"
    );
}

/// A child aborted by hand while its parent rests waiting for it says what moves the
/// parent on, since the parent still says it waits for that child: its resume fails
/// the step, and a retry of the parent then starts a new child.
fn aborting_a_child_its_parent_waits_for_says_how_the_parent_goes_on() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"go\", type = \"bool\" } ]\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kids = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'kid'");
    let (code, _, err) = p.run(&["process", "abort", &kids[0]]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "hint: its parent process {id} (t) still waits for it: `orch process resume {id}` fails its step"
        )),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("was aborted; retrying this process starts a new one"),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 4, "{err}");
    let kids = p.sql_column("SELECT status FROM processes WHERE workflow = 'kid'");
    assert_eq!(kids.len(), 2, "{kids:?}");
    // A child aborted after it failed leaves its parent failed: a retry starts anew.
    p.write(
        "workflows/breaks.toml",
        "name = \"breaks\"\ntarget = \"system\"\n[[step]]\nname = \"Break\"\nrun = \"exit 1\"\n",
    );
    p.write(
        "workflows/pb.toml",
        "name = \"pb\"\ntarget = \"system\"\n[[step]]\nname = \"Kid\"\nworkflow = \"breaks\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "pb"]);
    let parent = v["id"].as_str().unwrap().to_string();
    let kid = p.sql_column("SELECT process_id FROM processes WHERE workflow = 'breaks'");
    let (code, _, err) = p.run(&["process", "abort", &kid[0]]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "hint: its parent process {parent} (pb) failed with it: `orch process retry {parent}` starts a new child"
        )),
        "{err}"
    );
}

/// A child that failed for its own definition is fixed in its file: `retry --plan` of
/// the parent says the child runs again and what changed in its file, and `retry
/// --use-current` runs the child's file as it is now too.
fn retry_use_current_of_a_parent_takes_its_childs_file_too() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Work\"\nrun = \"exit 1\"\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n");
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\n[[step]]\nname = \"Work\"\nrun = \"true\"\n",
    );
    let plan = p.ok_json(&["process", "retry", &id, "--plan"]);
    assert_eq!(plan["children"][0]["workflow"], "kid", "{plan}");
    assert_eq!(plan["children"][0]["definition_changed"], true, "{plan}");
    assert!(
        plan["children"][0]["changes"]
            .to_string()
            .contains("step `Work` changed"),
        "{plan}"
    );
    // The API says so too, in its warning header.
    let op = serve::token(&p, "ops", "operate");
    let mut s = serve::Server::start(&p, &["--no-worker"]);
    let r = ureq::post(&s.url(&format!("/api/v1/processes/{id}/retry")))
        .set("Authorization", &format!("Bearer {op}"))
        .send_json(serde_json::json!({}))
        .unwrap();
    let warning = r.header("orch-warning").unwrap_or_default().to_string();
    assert!(warning.contains("changed since child process"), "{warning}");
    s.stop();
    // The queued retry runs the stored definition and fails again.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "failed");
    // Without --use-current the stored definition runs, and says so.
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("workflow `kid` changed since child process"),
        "{err}"
    );
    let v = p.ok_json(&["process", "retry", &id, "--use-current"]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// Skipping a parent's step whose child failed aborts that child: no retry of the
/// parent looks at it again, and it would go on holding what it holds.
fn skipping_a_step_whose_child_failed_aborts_the_child() {
    let p = Project::new();
    p.write(
        "workflows/kid.toml",
        "name = \"kid\"\ntarget = \"system\"\nlocks = [\"kid\"]\n[[step]]\nname = \"Work\"\nrun = \"exit 1\"\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"kid\"\n[[step]]\nname = \"After\"\nbuiltin = \"noop\"\n");
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "skip", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("(kid) aborted: the step that started it was skipped"),
        "{err}"
    );
    assert_eq!(
        p.sql_column("SELECT status FROM processes WHERE workflow = 'kid'"),
        ["aborted"]
    );
    assert_eq!(p.ok_json(&["locks"]), serde_json::json!([]));
}

/// A child workflow that leads back to one of its parents, directly or through
/// another, fails the step that would start it again, whether a command or a worker
/// runs it; `workflow check` names both kinds of loop. Before, the command overflowed
/// its stack and a worker started children without end.
fn a_child_workflow_leading_back_to_a_parent_fails_instead_of_looping() {
    let p = Project::new();
    let calls = |name: &str, child: &str| {
        format!(
            "name = \"{name}\"\ntarget = \"system\"\n\n[[step]]\nname = \"Call\"\nworkflow = \"{child}\"\n"
        )
    };
    p.write("workflows/rec.toml", &calls("rec", "rec"));
    p.write("workflows/ma.toml", &calls("ma", "mb"));
    p.write("workflows/mb.toml", &calls("mb", "ma"));
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/ma.toml:6:1: step[0].workflow: `mb` leads back to `ma` (ma → mb → ma)",
        "workflows/mb.toml:6:1: step[0].workflow: `ma` leads back to `mb` (mb → ma → mb)",
        "workflows/rec.toml:6:1: step[0].workflow: `rec` would start itself",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // A step the parser refuses does not shift the places of the steps after it.
    p.write(
        "workflows/mixed.toml",
        "name = \"mixed\"\ntarget = \"system\"\n\n[[step]]\nname = \"Mixed\"\nrun = \"true\"\nbuiltin = \"noop\"\n\n[[step]]\nname = \"Call\"\nworkflow = \"nosuch\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/mixed.toml:11:1: step[1].workflow: no workflow named `nosuch`"),
        "{err}"
    );
    std::fs::remove_file(p.path().join("workflows/mixed.toml")).unwrap();
    let (code, _, err) = p.run(&["workflow", "run", "rec"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("`rec` would start itself again (rec → rec)"),
        "{err}"
    );
    let (code, _, err) = p.run(&["workflow", "run", "ma"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("`ma` would start itself again (ma → mb → ma)"),
        "{err}"
    );
    p.ok_json(&["workflow", "run", "ma", "--queue"]);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    // rec and its child, ma and its child (by hand), ma and its child (by the worker).
    let all = p.ok_json(&["process", "list"]);
    assert_eq!(all.as_array().map(Vec::len), Some(5), "{all}");
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "failed"),
        "{all}"
    );
}

both!(
    a_child_on_a_subscription_is_for_its_customer,
    a_failed_group_of_many_branches_is_shown_planned_and_skipped_branch_by_branch,
    aborting_a_child_its_parent_waits_for_says_how_the_parent_goes_on,
    a_child_workflow_leading_back_to_a_parent_fails_instead_of_looping,
    skipping_a_step_whose_child_failed_aborts_the_child,
    retry_use_current_of_a_parent_takes_its_childs_file_too,
    a_parent_waiting_on_children_that_await_people_exits_4,
    skipping_a_failed_group_skips_its_failed_branch_steps_and_keeps_the_rest,
    aborting_a_parent_aborts_its_unfinished_children_at_any_depth,
    a_waiting_group_with_a_branch_awaiting_input_is_resumed_in_place,
    a_parent_of_a_child_waiting_to_try_again_says_it_waits_for_its_children,
    the_api_answers_input_steps_inside_branches_by_their_paths,
    a_worker_starts_at_most_max_parallel_children_at_once,
    parallel_branches_merge_and_foreach_collects_with_paths,
    two_branches_setting_one_key_fail_the_join_naming_the_key_and_both,
    subscription_changes_in_branches_are_merged_and_validated_at_the_join,
    a_failed_branch_is_fixed_and_retried_alone,
    the_group_is_failed_before_waiting_before_suspended,
    an_input_step_inside_a_branch_is_answered_by_its_path_with_resume,
    kill_9_mid_group_runs_again_only_the_branch_steps_in_flight,
    child_processes_start_per_item_with_their_answers_and_are_listed,
    a_child_without_a_form_takes_its_input_as_its_state,
    retrying_the_parent_retries_its_failed_child_instead_of_starting_another,
    a_worker_lets_the_parent_rest_while_its_children_run,
    a_worker_suspends_the_parent_of_a_child_that_awaits_someone,
    skipping_a_conflicting_join_with_set_gives_the_key,
    a_parent_of_a_child_awaiting_a_callback_awaits_it_too,
    a_refused_skip_leaves_the_process_as_it_was,
    a_child_taken_over_with_its_parent_runs_its_step_as_the_next_attempt,
    a_group_in_flight_is_shown_before_its_first_branch_step_commits,
    a_branch_past_its_first_step_shows_its_running_one_and_the_plan_after_a_kill,
    a_group_paused_before_its_join_shows_as_waiting,
    a_grandchilds_failure_is_told_with_its_advice_once,
    a_step_cannot_remove_the_subscription_from_the_state,
    a_task_step_cannot_set_a_subscription,
    engine_status_counts_the_branch_steps_still_running,
    branch_steps_taken_over_run_as_their_next_attempt,
);
