//! Workflows run through the real binary: steps as real child processes.

use super::Project;
use super::both;

fn task(p: &Project, steps: &str) {
    p.write(
        "workflows/t.toml",
        &format!("name = \"t\"\ntarget = \"system\"\n{steps}"),
    );
}

fn a_task_of_shell_steps_completes_with_merged_state() {
    let p = Project::new();
    p.script(
        "workflows/scripts/a.sh",
        "cat >/dev/null; echo 'log line' >&2; echo '{\"a\": 1, \"nested\": {\"x\": 1}}'",
    );
    task(
        &p,
        r#"
[[step]]
name = "A"
run = "workflows/scripts/a.sh"
[[step]]
name = "B"
run = "echo '{\"b\": 2, \"nested\": {\"y\": 2}}'"
[[step]]
name = "C"
run = "echo '{\"a\": null}'"
[[step]]
name = "Never"
builtin = "fail"
with = { message = "should be skipped" }
if = "state.b == 3"
"#,
    );
    let v = p.ok_json(&["workflow", "run", "t", "--input", "who=me"]);
    assert_eq!(v["status"], "completed");
    assert_eq!(
        v["state"],
        serde_json::json!({"who": "me", "nested": {"x": 1, "y": 2}, "b": 2})
    );
    let statuses = super::step_statuses(&v);
    assert_eq!(
        statuses,
        [
            ("Start", "success"),
            ("A", "success"),
            ("B", "success"),
            ("C", "success"),
            ("Never", "skipped"),
            ("Done", "complete")
        ]
    );
    let id = v["id"].as_str().unwrap();
    let shown = p.json(&["process", "show", id]);
    assert_eq!(shown["created_by"], "tester");
    // The state after a step is the fold of the stored patches.
    let (_, after_a, _) = p.run(&["process", "show", id, "--step", "A"]);
    let after_a: serde_json::Value = serde_json::from_str(&after_a).unwrap();
    assert_eq!(
        after_a["state"],
        serde_json::json!({"who": "me", "a": 1, "nested": {"x": 1}})
    );
    assert_eq!(after_a["output"], "log line");
    // With --state, only that state.
    let only = p.json(&["process", "show", id, "--step", "A", "--state"]);
    assert_eq!(only, after_a["state"]);
}

fn a_failed_step_is_retried_after_the_fix() {
    let p = Project::new();
    p.script(
        "workflows/scripts/flaky.sh",
        "cat >/dev/null; echo 'the API said no' >&2; exit 1",
    );
    p.script(
        "workflows/scripts/count.sh",
        "cat >/dev/null; echo \"$ORCH_STEP $ORCH_ATTEMPT\" >> side-effects.txt",
    );
    task(
        &p,
        r#"
[[step]]
name = "Before"
run = "workflows/scripts/count.sh"
[[step]]
name = "Flaky"
run = "workflows/scripts/flaky.sh"
"#,
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "failed");
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("exited with status 1")
    );
    let id = v["id"].as_str().unwrap().to_string();
    let (_, shown, _) = p.run(&["process", "show", &id]);
    assert!(shown.contains("the API said no"), "{shown}");

    p.script(
        "workflows/scripts/flaky.sh",
        "cat >/dev/null; echo '{\"fixed\": true}'",
    );
    let (code, out, err) = p.run(&["-o", "json", "process", "retry", &id]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["fixed"], true);
    let flaky = crate::attempts_of(&v, "Flaky");
    assert_eq!(flaky, [("failed", 1), ("success", 2)]);
    // The step before the failure did not run again.
    let effects = std::fs::read_to_string(p.path().join("side-effects.txt")).unwrap();
    assert_eq!(effects, "Before 1\n");
    // A completed process is not retried.
    let (code, _, _) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 7);
}

/// `--step` of a step the process has not come to yet says so, rather than that the
/// log has no such step, as it says of a name the workflow does not have.
fn show_step_of_a_step_not_run_yet_says_so() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Break\"\nrun = \"exit 1\"\n[[step]]\nname = \"After\"\nrun = \"true\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap();
    let (code, _, err) = p.run(&["process", "show", id, "--step", "After"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(&format!(
            "error: step `After` of process {id} has not run yet (the process is failed)\n"
        )),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "show", id, "--step", "Aftr"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("has no step `Aftr` in its log"), "{err}");
}

/// A reason of several lines (each problem of an invalid subscription on its own) is
/// lined up under its label in `process show`, not started again at the margin.
fn a_reason_of_several_lines_is_lined_up_under_its_label() {
    let p = Project::new();
    super::definitions::bounded(&p, "{\"count\": 99, \"code\": \"toolong\"}");
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let reason = v["failed_reason"].as_str().unwrap();
    assert_eq!(reason.lines().count(), 3, "{reason}");
    let (code, text, err) = p.run(&["process", "show", v["id"].as_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let at = text.find("  reason:").expect("a reason line");
    let lines: Vec<&str> = text[at..].lines().take(3).collect();
    let column = lines[0].find("the subscription").expect("the reason");
    for l in &lines[1..] {
        assert_eq!(l.len() - l.trim_start().len(), column + 2, "{text}");
        assert!(l.trim_start().starts_with("subscription.box."), "{text}");
    }
}

fn exit_75_leaves_the_process_waiting() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"Wait\"\nrun = \"exit 75\"\n");
    let v = p.json_exiting(&["workflow", "run", "t"], 5);
    assert_eq!(v["status"], "waiting");
    // It waits; it did not fail.
    let id = v["id"].as_str().unwrap();
    let (_, text, _) = p.run(&["process", "show", id]);
    assert!(text.contains("waiting step Wait: "), "{text}");
    assert!(!text.contains("failed step"), "{text}");
    // And says when it is tried again by itself.
    let due = p.json(&["process", "show", id])["run_after"].clone();
    let due = due.as_str().expect("a waiting process is due at a time");
    assert!(
        text.contains(&format!(
            "  due:      {due} (a worker tries it again then; `orch process retry {id}` does now)\n"
        )),
        "{text}"
    );
}

/// A step whose stderr holds only blank lines has no log to show: its failure says
/// none, rather than an empty `stderr (tail):` or "its stderr ends with:" and nothing.
fn a_failed_step_that_wrote_only_blank_lines_has_no_stderr_tail() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Blank\"\nrun = \"printf '\\\\n  \\\\n\\\\t\\\\n' >&2; exit 1\"\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let blank = &v["steps"][1];
    assert_eq!(blank["name"], "Blank", "{v}");
    assert_eq!(blank["output"], serde_json::Value::Null, "{v}");
    let (_, text, _) = p.run(&["process", "show", v["id"].as_str().unwrap()]);
    assert!(text.contains("failed step Blank: "), "{text}");
    assert!(!text.contains("stderr (tail)"), "{text}");
    let (_, _, err) = p.run(&["-q", "workflow", "run", "t"]);
    assert!(err.contains("failed at step `Blank`"), "{err}");
    assert!(!err.contains("its stderr ends with"), "{err}");
}

fn garbage_on_stdout_fails_the_step_and_keeps_the_state() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Garbage\"\nrun = \"echo '{\\\"a\\\": 1}' >&2; printf 'not json \\\\001\\\\002'\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t", "--input", "x=1"]);
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("not a JSON object"),
        "{v}"
    );
    assert_eq!(v["state"], serde_json::json!({"x": 1}));
}

/// JSON on stdout in another encoding than UTF-8 (Latin-1 from an old tool) fails the
/// step saying so, with the byte and its line, rather than as an invalid code point.
fn json_on_stdout_that_is_not_utf8_is_said_to_be_so() {
    let p = Project::new();
    p.script(
        "workflows/scripts/latin1.sh",
        "cat >/dev/null; printf '{\n  \"site\": \"caf\\351\"\n}\n'",
    );
    task(
        &p,
        "[[step]]\nname = \"Latin\"\nrun = \"workflows/scripts/latin1.sh\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let reason = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(
            "stdout is not a JSON object: it is not UTF-8 text (byte 0xe9 on line 2 is no part of a UTF-8 character)"
        ) && reason.ends_with("print JSON in UTF-8 (`iconv -f latin1 -t utf-8` converts Latin-1), and logs on stderr"),
        "{v}"
    );
}

/// A UTF-8 byte order mark before the JSON object (some editors and runtimes write
/// one) is not part of the text: RFC 8259 lets a parser ignore it, and an error about
/// it would point at a character nobody sees.
fn a_byte_order_mark_before_the_json_on_stdout_is_ignored() {
    let p = Project::new();
    p.script(
        "workflows/scripts/bom.sh",
        "cat >/dev/null; printf '\\357\\273\\277{\"a\": 1}\\n'",
    );
    task(
        &p,
        "[[step]]\nname = \"Bom\"\nrun = \"workflows/scripts/bom.sh\"\n",
    );
    let v = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"], serde_json::json!({"a": 1}));
}

/// A script written inline over several lines is named by its first line in the
/// failure, which stays one line wherever it is shown.
fn a_failed_multi_line_run_is_named_by_its_first_line() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Inline\"\nrun = '''\ncat >/dev/null\necho 'half done' >&2\nexit 4\n'''\n",
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["failed_reason"], "`cat >/dev/null …` exited with status 4",
        "{v}"
    );
    assert!(
        err.contains("  ✗ Inline: failed (")
            && err.contains("): `cat >/dev/null …` exited with status 4\n    | half done\n"),
        "{err}"
    );
}

/// A step's `ORCH_*` variables describe its own process, even when orch itself was
/// started with those of another one (by a step of that process calling orch): a task
/// has no `ORCH_SUBSCRIPTION_ID`, and an outer callback token is not handed on.
fn a_step_sees_only_the_variables_of_its_own_process() {
    let p = Project::new();
    p.script(
        "workflows/scripts/env.sh",
        "cat >/dev/null\nprintf '{\"sub\": \"%s\", \"token\": \"%s\", \"url\": \"%s\", \"step\": \"%s\", \"path\": \"%s\"}' \"${ORCH_SUBSCRIPTION_ID-unset}\" \"${ORCH_CALLBACK_TOKEN-unset}\" \"${ORCH_CALLBACK_URL-unset}\" \"$ORCH_STEP\" \"$ORCH_STEP_PATH\"",
    );
    task(
        &p,
        "[[step]]\nname = \"Env\"\nrun = \"workflows/scripts/env.sh\"\n",
    );
    let out = p
        .orch()
        .args(["-o", "json", "workflow", "run", "t"])
        .env(
            "ORCH_SUBSCRIPTION_ID",
            "01a20000-0000-7000-8000-000000000000",
        )
        .env("ORCH_CALLBACK_TOKEN", "outer-token")
        .env("ORCH_CALLBACK_URL", "https://orch.example.net/outer")
        .env("ORCH_STEP", "Outer")
        .env("ORCH_STEP_PATH", "Outer / Step")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["state"],
        serde_json::json!({
            "sub": "unset",
            "token": "unset",
            "url": "unset",
            "step": "Env",
            "path": "Env",
        })
    );
}

/// JSON nested `levels` deep: `{"a":{"a":…1…}}`.
fn nested(levels: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
}

/// A step printing JSON nested past the limit fails, saying how deep, the limit and
/// what to do, never with a parser's bare words nor a stack overflow; at the limit the
/// state keeps it, and every command reads it back.
fn deeply_nested_step_output_is_refused_with_the_limit() {
    let p = Project::new();
    for (levels, refused) in [(10_000, true), (65, true), (64, false)] {
        let file = p.path().join(format!("deep-{levels}.json"));
        std::fs::write(&file, nested(levels)).unwrap();
        task(
            &p,
            &format!(
                "[[step]]\nname = \"Deep\"\nrun = \"cat '{}'\"\n",
                file.display()
            ),
        );
        if refused {
            let v = p.failed_json(&["workflow", "run", "t", "--input", "x=1"]);
            let why = v["failed_reason"].as_str().unwrap();
            assert!(
                why.contains(&format!("{levels} levels deep, past the 64 levels")),
                "{why}"
            );
            assert!(why.contains("flatten"), "{why}");
            assert!(!why.contains("recursion limit"), "{why}");
            assert_eq!(v["state"], serde_json::json!({"x": 1}));
            let id = v["id"].as_str().unwrap();
            let (_, text, _) = p.run(&["process", "show", id]);
            assert!(text.contains("Deep"), "{text}");
            assert!(text.contains("past the 64 levels"), "{text}");
        } else {
            let v = p.ok_json(&["workflow", "run", "t"]);
            assert_eq!(v["status"], "completed", "{v}");
            let id = v["id"].as_str().unwrap();
            let shown = p.ok_json(&["process", "show", id]);
            let mut at = &shown["state"];
            for _ in 0..levels - 1 {
                at = &at["a"];
            }
            assert_eq!(at["a"], 1, "{shown}");
            let (code, _, err) = p.run(&["-o", "json", "events", "--process", id]);
            assert_eq!(code, 0, "{err}");
        }
    }
}

/// Text given for a key (`--input` of a workflow without a form, `skip --set`) that
/// reads as JSON nested past the limit where it lands is refused, saying how deep and
/// the limit: never parsed into a state no command reads back, nor, past the parser's
/// own limit, kept as text. A dotted key of `skip --set` counts its parts.
fn deeply_nested_answers_given_as_text_are_refused_with_the_limit() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"Broken\"\nrun = \"exit 2\"\n");
    // Under its key, a value of 63 levels makes a state of 64.
    for (levels, key, value) in [
        (65, "x".to_string(), nested(64)),
        (129, "x".to_string(), nested(128)),
        (10_001, "x".to_string(), nested(10_000)),
        (65, "y.z".to_string(), nested(63)),
        // A dotted key nests as deep as its parts.
        (65, vec!["k"; 65].join("."), "1".to_string()),
        (200, vec!["k"; 199].join("."), "{}".to_string()),
    ] {
        let set = format!("{key}={value}");
        if key == "x" {
            let (code, _, err) = p.run(&["workflow", "run", "t", "--input", &set]);
            assert_eq!(code, 2, "{err}");
            assert!(
                err.contains(&format!("`{key}` nests {levels} levels"))
                    && err.contains("past the 64"),
                "{err}"
            );
            assert!(err.contains("hint: flatten"), "{err}");
        }
        let v = p.failed_json(&["workflow", "run", "t"]);
        let id = v["id"].as_str().unwrap();
        let (code, _, err) = p.run(&["process", "skip", id, "--set", &set]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("`{key}` nests {levels} levels")) && err.contains("past the 64"),
            "{err}"
        );
        assert_eq!(p.ok_json(&["process", "show", id])["status"], "failed");
    }
    // At the limit, both are taken as JSON and read back.
    let v = p.failed_json(&[
        "workflow",
        "run",
        "t",
        "--input",
        &format!("x={}", nested(63)),
    ]);
    let want: serde_json::Value = serde_json::from_str(&nested(63)).unwrap();
    assert_eq!(v["state"]["x"], want);
    let id = v["id"].as_str().unwrap();
    let set = format!("y.z={}", nested(62));
    let v = p.ok_json(&["process", "skip", id, "--set", &set]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        p.ok_json(&["process", "show", id])["state"]["y"]["z"],
        serde_json::from_str::<serde_json::Value>(&nested(62)).unwrap()
    );
}

fn retries_within_a_run_follow_the_policy() {
    let p = Project::new();
    p.script(
        "workflows/scripts/third_time.sh",
        "cat >/dev/null; [ \"$ORCH_ATTEMPT\" -ge 3 ] && echo '{\"ok\": true}' && exit 0; exit 1",
    );
    task(
        &p,
        "[[step]]\nname = \"Try\"\nrun = \"workflows/scripts/third_time.sh\"\nretry = { attempts = 3, delay = \"400ms\" }\n",
    );
    let v = p.json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed");
    let tries: Vec<&serde_json::Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Try")
        .collect();
    let attempts: Vec<i64> = tries
        .iter()
        .map(|s| s["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    // The command that drives the run waits the delay before each new attempt, as a
    // worker does: each attempt starts at least 400 ms after the one before ended.
    let at = |s: &serde_json::Value, k: &str| chrono_ms(s[k].as_str().unwrap_or_default());
    for pair in tries.windows(2) {
        // (Across midnight, the later time of day is the smaller.)
        let gap = (at(pair[1], "started_at") - at(pair[0], "finished_at")).rem_euclid(86_400_000);
        assert!(gap >= 390, "attempts {} ms apart: {v}", gap);
    }
}

/// A project with a product `Thing` (tag THING, one int field `n`) and a create
/// workflow `create_thing` of the given steps (TOML).
fn thing_project(steps: &str) -> Project {
    let p = Project::new();
    p.write(
        "products/thing.toml",
        "name = \"Thing\"\ntype = \"Thing\"\ntag = \"THING\"\nroot = { key = \"thing\", block = \"ThingBlock\" }\n[blocks.ThingBlock]\nfields.n = { type = \"int\" }\n",
    );
    p.write(
        "workflows/create_thing.toml",
        &format!("name = \"create_thing\"\ntarget = \"create\"\nproducts = [\"THING\"]\n{steps}"),
    );
    p
}

/// An attempt whose subscription is found invalid at its commit is a failed attempt
/// like any other: the policy tries again while the process runs on, and the last one
/// fails the process (exit 3), by hand and under a worker alike.
fn a_retry_policy_retries_a_step_that_leaves_an_invalid_subscription() {
    let p = thing_project(
        "[[step]]\nname = \"Model\"\nrun = \"cat >/dev/null; echo '{\\\"subscription\\\": {\\\"thing\\\": {\\\"n\\\": \\\"x\\\"}}}'\"\nretry = { attempts = 2, delay = \"100ms\" }\n",
    );
    let attempts = |v: &serde_json::Value| -> Vec<(String, i64)> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"] == "Model")
            .map(|s| {
                (
                    s["status"].as_str().unwrap().to_string(),
                    s["attempt"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let failed = [("failed".to_string(), 1), ("failed".to_string(), 2)];
    let v = p.failed_json(&["workflow", "run", "create_thing"]);
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(attempts(&v), failed, "{v}");
    assert!(
        v["failed_reason"]
            .as_str()
            .unwrap()
            .contains("expected an integer"),
        "{v}"
    );
    let (code, out, err) = p.run(&["workflow", "run", "create_thing", "--queue"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.json(&["process", "show", &id]);
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(attempts(&v), failed, "{v}");
}

/// A prefix of several subscription ids names five of them and says there are more.
fn an_ambiguous_subscription_prefix_names_a_few_and_says_there_are_more() {
    let p = thing_project("[[step]]\nname = \"Nothing\"\nbuiltin = \"noop\"\n");
    for _ in 0..7 {
        p.ok_json(&["workflow", "run", "create_thing"]);
    }
    let all = p.json(&["subscription", "list"]);
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["subscription_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 7, "{all}");
    // UUIDv7 ids made the same minute share their first characters.
    let prefix = &ids[0][..6];
    assert!(ids.iter().all(|id| id.starts_with(prefix)), "{ids:?}");
    let (code, _, err) = p.run(&["subscription", "show", prefix]);
    assert_eq!(code, 2, "{err}");
    let listed = ids.iter().filter(|id| err.contains(**id)).count();
    assert_eq!(listed, 5, "{err}");
    assert!(err.contains(" and more"), "{err}");
    assert!(
        err.contains("`orch subscription list` shows them all"),
        "{err}"
    );
}

/// Orch's own `Set status active`, skipped by hand, still does its part: the
/// subscription becomes active (and in sync) with what `--set` gives, and a skip that
/// would leave it invalid as active is refused, naming what it lacks.
fn a_skipped_set_status_step_still_sets_the_lifecycle() {
    let p = Project::new();
    p.write(
        "products/sw.toml",
        "name = \"Switch\"\ntype = \"Switch\"\ntag = \"SW\"\nroot = { key = \"sw\", block = \"SwBlock\" }\n[blocks.SwBlock]\nfields.hostname = { type = \"string\", required = \"initial\" }\nfields.mgmt_ip = { type = \"ipv4\", required = \"active\" }\n",
    );
    p.write(
        "workflows/create_sw.toml",
        "name = \"create_sw\"\ntarget = \"create\"\nproducts = [\"SW\"]\n[[step]]\nname = \"Model\"\nrun = \"cat >/dev/null; echo '{\\\"subscription\\\": {\\\"sw\\\": {\\\"hostname\\\": \\\"a\\\"}}}'\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "create_sw"]);
    assert_eq!(v["last_step"], "Set status active", "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (code, _, err) = p.run(&["process", "skip", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`Set status active` was not skipped")
            && err.contains("subscription.sw.mgmt_ip: required once the subscription is active")
            && err.contains("still makes the subscription active"),
        "{err}"
    );
    assert_eq!(p.json(&["process", "show", &id])["status"], "failed");
    let v = p.ok_json(&[
        "process",
        "skip",
        &id,
        "--set",
        "subscription.sw.mgmt_ip=10.0.0.1",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    let sub = p.json(&[
        "subscription",
        "show",
        v["subscription_id"].as_str().unwrap(),
    ]);
    assert_eq!(sub["status"], "active", "{sub}");
    assert_eq!(sub["insync"], true, "{sub}");
    assert_eq!(sub["sw"]["mgmt_ip"], "10.0.0.1", "{sub}");
}

/// Milliseconds since midnight of an RFC 3339 time the store wrote (`…T10:00:00.123456Z`).
fn chrono_ms(t: &str) -> i64 {
    let time = t
        .split('T')
        .nth(1)
        .unwrap_or_default()
        .trim_end_matches('Z');
    let mut parts = time.split(':');
    let h: f64 = parts
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_default();
    let m: f64 = parts
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_default();
    let sec: f64 = parts
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_default();
    ((h * 3600.0 + m * 60.0 + sec) * 1000.0) as i64
}

fn timeouts_fail_the_step() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Slow\"\nrun = \"sleep 30\"\ntimeout = \"200ms\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert!(
        v["failed_reason"].as_str().unwrap().contains("timed out"),
        "{v}"
    );
}

fn input_steps_suspend_and_resume() {
    let p = Project::new();
    task(
        &p,
        r#"
[[step]]
name = "Ask"
input.message = "Apply the config"
input.fields = [ { name = "applied", type = "accept" } ]
[[step]]
name = "After"
builtin = "render"
with = { key = "done", template = "applied={{ state.applied }}" }
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    assert_eq!(v["status"], "suspended");
    let id = v["id"].as_str().unwrap().to_string();
    // A suspended process is resumed, not retried: nor is a retry planned.
    for retry in [
        &["process", "retry", &id][..],
        &["process", "retry", &id, "--plan"],
    ] {
        let (code, out, err) = p.run(retry);
        assert_eq!(code, 7, "{retry:?}: {out}{err}");
        assert!(err.contains("orch process resume"), "{err}");
    }
    let (code, out, err) = p.run(&[
        "-o",
        "json",
        "process",
        "resume",
        &id,
        "--input",
        "applied=true",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Jinja renders booleans the Python way.
    assert_eq!(v["state"]["done"], "applied=True");
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 7);
    assert!(err.contains("not suspended"), "{err}");
}

/// Answers for an input step that the workflow file taken with `--use-current` no
/// longer has are refused, not dropped: the resume named them, and the process would
/// have come to rest again asking for the very answers just given.
fn resume_with_the_current_file_refuses_answers_for_a_step_it_no_longer_has() {
    let p = Project::new();
    let ask = |name: &str| {
        format!(
            "[[step]]\nname = \"{name}\"\ninput.fields = [ {{ name = \"ok\", type = \"accept\" }} ]\n[[step]]\nname = \"After\"\nbuiltin = \"noop\"\n"
        )
    };
    task(&p, &ask("Ask"));
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    task(&p, &ask("Confirm"));
    let (code, out, err) = p.run(&[
        "process",
        "resume",
        &id,
        "--input",
        "ok=true",
        "--use-current",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!("error: process {id} awaits input at step `Ask`, which the workflow file no longer has, so the answers given (ok) are for no step")),
        "{err}"
    );
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "suspended");
    // The stored definition still takes them.
    let v = p.ok_json(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(v["status"], "completed", "{v}");
}

fn skip_and_abort_are_recorded_with_the_user() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"Broken\"\nrun = \"exit 2\"\n");
    let v = p.json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    let v = p.json(&["process", "skip", &id, "--set", "manual=yes"]);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["state"]["manual"], "yes");
    let skipped = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "skipped")
        .unwrap()
        .clone();
    assert!(skipped["error"].as_str().unwrap().contains("tester"));

    let v = p.json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    let v = p.json(&["process", "abort", &id]);
    assert_eq!(v["status"], "aborted");
    let (code, _, _) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 7);
    let (code, _, _) = p.run(&["process", "show", "01234567-89ab-7def-8000-000000000000"]);
    assert_eq!(code, 6);
}

/// A skip goes on with the definition the process started with: a workflow file
/// changed since is said before the steps after it run, and when one of them fails,
/// the hint names the retry that takes the file as it is now.
fn skip_says_the_workflow_file_changed_since_the_process_started() {
    let p = Project::new();
    task(
        &p,
        "[[step]]\nname = \"Broken\"\nrun = \"exit 2\"\n[[step]]\nname = \"Check\"\nbuiltin = \"fail\"\nwith = { message = \"the old check\" }\n",
    );
    let id = p.json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    task(
        &p,
        "[[step]]\nname = \"Broken\"\nrun = \"exit 2\"\n[[step]]\nname = \"Check\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["process", "skip", &id]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "warning: workflow `t` changed since this process started; going on with the stored definition\n  ~ step `Check` changed"
        ),
        "{err}"
    );
    assert!(err.contains("the old check"), "{err}");
    assert!(
        err.contains(&format!(
            "`orch process retry {id} --use-current` runs the file as it is now"
        )),
        "{err}"
    );
    let v = p.ok_json(&["process", "retry", &id, "--use-current"]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// A workflow file removed since the process started is a change too: the plan says
/// so, and the retry runs the stored definition, saying it does.
fn retry_plan_reports_a_removed_workflow_file_and_refuses_a_queued_process() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"A\"\nrun = \"exit 1\"\n");
    let id = p.json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(p.path().join("workflows/t.toml")).unwrap();
    let plan = p.ok_json(&["process", "retry", &id, "--plan"]);
    assert_eq!(plan["definition_changed"], true, "{plan}");
    assert_eq!(
        plan["changes"],
        serde_json::json!(["the workflow file is no longer in workflows/"]),
        "{plan}"
    );
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("workflow `t` is no longer in workflows/ since this process started; retrying with the stored definition"),
        "{err}"
    );

    // A queued process is a worker's to run: a plan of a retry is refused as the
    // retry is, not described; a retry, a resume or a skip of it says it is queued
    // and what runs it.
    task(&p, "[[step]]\nname = \"A\"\nrun = \"true\"\n");
    let queued = p.ok_json(&["workflow", "run", "t", "--queue"]);
    let queued = queued["id"].as_str().unwrap();
    for (args, said) in [
        (vec!["process", "retry", queued], "so it cannot be retried"),
        (
            vec!["process", "retry", queued, "--plan"],
            "so it cannot be retried",
        ),
        (
            vec!["process", "resume", queued],
            "not suspended; only a suspended process can be resumed",
        ),
        (vec!["process", "skip", queued], "so it cannot be skipped"),
    ] {
        let (code, out, err) = p.run(&args);
        assert_eq!(code, 7, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains(&format!("is queued for a worker (created), {said}")),
            "{err}"
        );
        assert!(
            err.contains("hint: a worker runs it (`orch worker`, or `orch worker --once`)"),
            "{err}"
        );
    }
}

fn retry_plan_reports_a_changed_definition() {
    let p = Project::new();
    task(&p, "[[step]]\nname = \"A\"\nrun = \"exit 1\"\n");
    let v = p.json(&["workflow", "run", "t"]);
    let id = v["id"].as_str().unwrap().to_string();
    task(
        &p,
        "[[step]]\nname = \"A\"\nrun = \"true\"\n[[step]]\nname = \"B\"\nbuiltin = \"noop\"\n",
    );
    let plan = p.json(&["process", "retry", &id, "--plan"]);
    assert_eq!(plan["definition_changed"], true);
    assert_eq!(plan["would_run"], serde_json::json!(["A", "Done"]));
    let changes = plan["changes"].to_string();
    assert!(
        changes.contains("step `A` changed") && changes.contains("step `B` added"),
        "{changes}"
    );
    // The stored definition still fails; the current one completes.
    let (code, _, _) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 3);
    let v = p.json(&["process", "retry", &id, "--use-current"]);
    assert_eq!(v["status"], "completed");
    let names: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"B"), "{names:?}");
    // A completed process is refused at once, with no word about its file.
    task(&p, "[[step]]\nname = \"A\"\nrun = \"true\"\n");
    for args in [
        vec!["process", "retry", &id],
        vec!["process", "retry", &id, "--plan"],
    ] {
        let (code, out, err) = p.run(&args);
        assert_eq!(code, 7, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.starts_with("error: ") && err.contains("is completed"),
            "{err}"
        );
    }
}

#[test]
fn workflow_check_reports_missing_scripts_and_bad_expressions() {
    let p = Project::new();
    p.write("workflows/w.toml", "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nrun = \"workflows/scripts/missing.sh\"\n[[step]]\nname = \"B\"\nbuiltin = \"noop\"\nif = \"state.x ==\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2);
    assert!(err.contains("workflows/w.toml:9:"), "{err}");
    p.write("workflows/w.toml", "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nrun = \"workflows/scripts/missing.sh\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("workflows/w.toml:5:") && err.contains("does not exist"),
        "{err}"
    );
    // A misspelt filter or test is found where it is written, though no run has
    // reached it yet.
    p.write("workflows/w.toml", "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\nif = \"state.x is definedd\"\n[[step]]\nname = \"B\"\ninput.message = \"{{ state.x | uper }}\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "w.toml:6:1: step[0].if: expression is not valid: unknown test `definedd` (did you mean `defined`?)",
        "unknown filter `uper` (did you mean `upper`?)",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // A `choices_from` program is looked for as a `run` program is, in forms and in
    // input steps.
    p.write("workflows/w.toml", "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"a\", type = \"choice\", choices_from = \"workflows/scripts/nodes.sh planned\" } ]\n[[step]]\nname = \"B\"\ninput.fields = [ { name = \"b\", type = \"choice\", choices_from = \"workflows/scripts/gone.sh\" } ]\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "w.toml:4:43: form[0].fields[0].choices_from: `workflows/scripts/nodes.sh` does not exist",
        "w.toml:7:49: step[0].input.fields[0].choices_from: `workflows/scripts/gone.sh` does not exist",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// A script whose `#!` line names an interpreter that does not exist, or ends in a
/// carriage return (saved with Windows line ends), fails with sh's bare `not found` as
/// if the script were missing: `workflow check` says which it is, and how to fix it.
#[test]
fn workflow_check_finds_a_script_its_interpreter_cannot_start() {
    let p = Project::new();
    p.script("workflows/scripts/crlf.sh", "echo '{}'\r");
    p.write("workflows/scripts/crlf.sh", "#!/bin/sh\r\necho '{}'\r\n");
    p.script("workflows/scripts/gone.sh", "echo '{}'");
    p.write(
        "workflows/scripts/gone.sh",
        "#!/no/such/interpreter -e\necho '{}'\n",
    );
    p.script("workflows/scripts/env.sh", "echo '{}'");
    p.write(
        "workflows/scripts/env.sh",
        "#!/usr/bin/env some-interpreter-on-the-path\necho '{}'\n",
    );
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nrun = \"workflows/scripts/crlf.sh\"\n[[step]]\nname = \"B\"\nrun = \"workflows/scripts/gone.sh\"\n[[step]]\nname = \"C\"\nrun = \"workflows/scripts/env.sh\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "w.toml:5:1: step[0].run: `workflows/scripts/crlf.sh` has Windows line ends: its `#!` line ends in a carriage return, which the kernel takes as part of the interpreter's name; save it with Unix line ends (`sed -i 's/\\r$//' workflows/scripts/crlf.sh`)",
        "w.toml:8:1: step[1].run: `workflows/scripts/gone.sh` starts with `#!/no/such/interpreter`, which does not exist;",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains("env.sh"), "{err}");
}

/// `workflow check` lints what serde cannot see in a form, in `[[form]]` pages and in
/// `input` steps alike, each problem placed at its key, all in one run.
#[test]
fn workflow_check_lints_form_fields() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        r#"name = "w"
target = "system"
[[form]]
fields = [ { name = "n", type = "int", default = "abc" }, { name = "c", type = "choice" },
           { name = "n", type = "text" }, { name = "v", type = "text", validate = "value ==" } ]
[[step]]
name = "Ask"
input.fields = [ { name = "a", type = "ipv4", default = "nope" } ]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "w.toml:4:40: form[0].fields[0].default:",
        "w.toml:4:73: form[0].fields[1].type: a choice field needs",
        "w.toml:5:14: form[0].fields[2].name: `n` is already the name",
        "form[0].fields[3].validate: the expression is not valid",
        "w.toml:8:47: step[0].input.fields[0].default: expected an IPv4 address",
        "5 problems in the definition files",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// `workflow check` sees what `product load` and `workflow run` would refuse: a
/// product name defined twice (an error), and product tags no file has (a warning: a
/// product may live only in the database), which `workflow run` then reports as not
/// found.
#[test]
fn workflow_check_reports_duplicate_products_and_unknown_tags() {
    let p = Project::new();
    let product = |tag: &str| {
        format!(
            "name = \"A\"\ntype = \"A\"\ntag = \"{tag}\"\nroot = {{ key = \"a\", block = \"B\" }}\n[blocks.B]\nfields.x = {{ type = \"string\" }}\n"
        )
    };
    p.write(
        "products/a.toml",
        &format!(
            "{}fields.peer = {{ type = \"subscription\", product_tag = \"ZZZ\" }}\n",
            product("A")
        ),
    );
    p.write("products/b.toml", &product("B"));
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"create\"\nproducts = [\"NOPE\"]\n[[form]]\nfields = [ { name = \"s\", type = \"subscription\", product_tag = \"GONE\" } ]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "products/b.toml:1:1: name: product `A` is also defined in products/a.toml",
        "warning: workflows/w.toml:3:13: products[0]: no product file has the tag `NOPE` (known: A, B)",
        "w.toml:5:49: form[0].fields[0].product_tag: no product file has the tag `GONE`",
        "warning: products/a.toml:7:40: blocks.B.fields.peer.product_tag: no product file has the tag `ZZZ` (known: A, B)",
        "1 problem in the definition files",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    std::fs::remove_file(p.path().join("products/b.toml")).unwrap();
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "a warning does not fail the check: {err}");
    assert!(err.contains("`NOPE`"), "{err}");
    assert_eq!(p.run(&["product", "load"]).0, 0);
    let (code, _, err) = p.run(&["workflow", "run", "w"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("no product with that tag is loaded"), "{err}");
    // With no product file at all, the check still names the tag, as `run`'s hint says.
    std::fs::remove_file(p.path().join("products/a.toml")).unwrap();
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "no product file has the tag `NOPE` (known: none: products/ has no product files)"
        ),
        "{err}"
    );
}

/// A product file with a mistake is reported once, at the mistake: the workflows and
/// products that use its tag are not also warned that no product file has that tag.
#[test]
fn a_broken_product_file_is_not_also_a_missing_tag() {
    let p = Project::new();
    let site = "name = \"Site\"\ntype = \"Site\"\ntag = \"SITE\"  # the tag\nroot = { key = \"site\", block = \"B\" }\n[blocks.B]\nfields.x = { type = \"string\" }\n";
    p.write(
        "products/link.toml",
        "name = \"Link\"\ntype = \"Link\"\ntag = \"LINK\"\nroot = { key = \"link\", block = \"L\" }\n[blocks.L]\nfields.a = { type = \"subscription\", product_tag = \"SITE\" }\n",
    );
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"create\"\nproducts = [\"SITE\"]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    for (broken, problem) in [
        (
            site.replace(
                "fields.x = { type = \"string\" }",
                "fields.x = { type = \"integer\" }",
            ),
            "blocks.B.fields.x.type: unknown field type `integer`",
        ),
        (format!("{site}fields.y = \n"), "products/site.toml:7:"),
    ] {
        p.write("products/site.toml", &broken);
        let (code, out, err) = p.run(&["workflow", "check"]);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains(problem), "{problem}\n{err}");
        assert!(!err.contains("no product file has the tag"), "{err}");
    }
    // A tag that no file has is still a warning.
    p.write("products/site.toml", &site.replace("\"SITE\"", "\"SITES\""));
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no product file has the tag `SITE` (known: LINK, SITES)"),
        "{err}"
    );
}

/// A definition file that is not UTF-8 is a problem of that file, placed at its first
/// bad byte, like a syntax error: the check reports it beside the others and the other
/// workflows still run. A workflow name defined in two files runs from neither.
#[test]
fn a_file_that_is_not_utf8_or_a_name_defined_twice_is_a_problem_of_its_own() {
    let p = Project::new();
    let noop = |name: &str| {
        format!(
            "name = \"{name}\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n"
        )
    };
    p.write("workflows/ok.toml", &noop("ok"));
    p.write("workflows/same1.toml", &noop("same"));
    p.write("workflows/same2.toml", &noop("same"));
    let mut latin1 = b"name = \"nu\"\ntarget = \"system\"\ndescription = \"caf".to_vec();
    latin1.extend_from_slice(b"\xe9\"\n");
    std::fs::write(p.path().join("workflows/nu.toml"), latin1).unwrap();
    std::fs::write(p.path().join("products/bad.toml"), b"name = \"\xff\"\n").unwrap();

    let (code, out, err) = p.run(&["workflow", "check", "-o", "json"]);
    assert_eq!(code, 2, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect(&out);
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["col"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            "products/bad.toml:1:9: not UTF-8 text: byte 0xff cannot start a character here (TOML files are UTF-8)",
            "workflows/nu.toml:3:19: not UTF-8 text: byte 0xe9 cannot start a character here (TOML files are UTF-8)",
            "workflows/same2.toml:1:1: workflow `same` is also defined in workflows/same1.toml",
        ],
        "{out}"
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: save the file as UTF-8"), "{err}");

    let (code, _, err) = p.run(&["workflow", "run", "same"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no valid workflow named `same`"), "{err}");
    let (code, _, err) = p.run(&["workflow", "run", "ok"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: workflows/nu.toml:3:19: not UTF-8"),
        "{err}"
    );
}

/// One run of `workflow check` names every problem of a file, the keys serde refuses
/// (unknown, or of the wrong type) beside the checks that come after them, in the
/// order of the file.
#[test]
fn workflow_check_names_every_problem_of_a_file_at_once() {
    let p = Project::new();
    p.write(
        "workflows/lint.toml",
        r#"name = "lint"
target = "system"
colour = "blue"
[[step]]
name = "A"
run = "workflows/scripts/missing.sh"
retry = { attempts = "three" }
[[step]]
name = "A"
builtin = "noop"
if = "state.x =="
[[step]]
name = "C"
builtin = "noop"
shape = "round"
[[form]]
fields = [ { name = "site", type = "txt" }, { name = "pick", type = "chioce", choices = ["a"], defualt = "a" } ]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    let places: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("workflows/lint.toml:"))
        .filter_map(|l| l.split(": ").next())
        .collect();
    assert_eq!(
        places,
        [
            "3:1", "6:1", "7:11", "9:1", "11:1", "15:1", "17:29", "17:62", "17:96"
        ],
        "{err}"
    );
    for expected in [
        "colour: unknown field `colour`",
        "step[0].retry.attempts: invalid type",
        "step[1].name: duplicate step name `A`",
        "step[1].if: expression is not valid",
        "step[2].shape: unknown field `shape`",
        "step[0].run: `workflows/scripts/missing.sh` does not exist",
        // A form field's type that is no type hides nothing after it.
        "form[0].fields[0].type: unknown variant `txt`",
        "form[0].fields[1].type: unknown variant `chioce`",
        "form[0].fields[1].defualt: unknown field `defualt`",
        "9 problems in the definition files",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// A form field whose `type` is no type is reported once, at the type: its other
/// options (a `default`, `min`) are not also blamed for not fitting a stand-in type,
/// in the initial form and in an input step alike.
#[test]
fn a_field_type_that_is_no_type_is_not_blamed_again_on_its_default() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"racks\", type = \"integer\", min = 1, default = 2 } ]\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"n\", type = \"number\", default = 3 } ]\n",
    );
    let (code, out, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    for expected in [
        "workflows/w.toml:4:37: form[0].fields[0].type: unknown variant `integer`",
        "step[0].input.fields[0].type: unknown variant `number`",
        "2 problems in the definition files",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains(".default:"), "{err}");
    assert!(!err.contains(".min:"), "{err}");
}

/// `--subscription` given to a task or a create workflow, or `--customer` to a workflow
/// that creates nothing, is bad usage (exit 2) with a hint, like every error, of what
/// to do instead.
#[test]
fn a_subscription_or_a_customer_given_where_it_does_not_apply_says_what_to_do() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let (code, out, err) = p.run(&["workflow", "run", "t", "--subscription", "01a2"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("`t` is a system workflow; it takes no --subscription"),
        "{err}"
    );
    assert!(
        err.contains("hint: leave out --subscription; `orch subscription workflows 01a2`"),
        "{err}"
    );
    // --customer, likewise, names what the customer is instead.
    let (code, out, err) = p.run(&["workflow", "run", "t", "--customer", "acme"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--customer only applies to create workflows; `t` is a system workflow"),
        "{err}"
    );
    assert!(
        err.contains("hint: leave out --customer: a task is for no customer"),
        "{err}"
    );
}

/// A name no context gives (a typo of `state` or `value`) never errors when it runs,
/// so `workflow check` warns, with where and the near name; the file still loads and
/// the check passes.
#[test]
fn workflow_check_warns_of_names_an_expression_never_sees() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"n\", type = \"int\", validate = \"vlue > 3\" } ]\n[[step]]\nname = \"A\"\nif = \"stat.x == 1\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "a warning does not fail the check: {err}");
    for expected in [
        "warning: workflows/w.toml:4:40: form[0].fields[0].validate: `vlue` is not defined here, so it is always undefined (this expression sees `value`, `answers` and `state`); did you mean `value`?",
        "warning: workflows/w.toml:7:1: step[0].if: `stat` is not defined here",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let (code, out, err) = p.run(&["-o", "json", "workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`stat`"), "{err}");
    // A script reading the report sees them too, as they were printed.
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{report}");
    assert_eq!(warnings[1]["file"], "workflows/w.toml", "{report}");
    assert_eq!(
        (
            &warnings[1]["line"],
            &warnings[1]["col"],
            &warnings[1]["path"]
        ),
        (
            &serde_json::json!(7),
            &serde_json::json!(1),
            &serde_json::json!("step[0].if")
        ),
        "{report}"
    );
    assert!(
        warnings[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("`stat` is not defined here"),
        "{report}"
    );
}

/// Calling a name that is no function of the language fails every run that gets
/// there, unlike reading one: `workflow check` refuses it, with the near name, where
/// it only warned that the name was undefined and the step then failed.
#[test]
fn workflow_check_refuses_a_call_of_an_unknown_function() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nif = \"rnge(3) | length > 1 and state.x.startswith('a')\"\nbuiltin = \"noop\"\n[[step]]\nname = \"B\"\nbuiltin = \"render\"\nwith = { key = \"k\", template = \"{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1) }}{{ dict(a=1) }}{{ range(2) | list }}\" }\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/w.toml:5:1: step[0].if: expression is not valid: unknown function `rnge`; did you mean `range`?"),
        "{err}"
    );
    assert!(!err.contains("always undefined"), "{err}");
    assert!(
        err.contains("1 problem"),
        "the macro, dict and range are fine: {err}"
    );
}

/// `--detach` prints the id at once and a background orch takes the process and runs
/// it to its end, with a secret given to the run reaching its step.
fn detach_runs_the_process_in_the_background() {
    let p = Project::new();
    task(
        &p,
        r#"
[[form]]
fields = [ { name = "token", type = "secret" } ]
[[step]]
name = "Slow"
run = "cat >/dev/null; sleep 0.3; printf %s \"$ORCH_SECRET_TOKEN\" > seen.txt"
[[step]]
name = "After"
builtin = "noop"
"#,
    );
    let (code, out, err) = p.run(&[
        "workflow",
        "run",
        "t",
        "--detach",
        "--input",
        "token=s3cret",
    ]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let shown = completed_within_30s(&p, &id);
    assert_eq!(shown["status"], "completed", "{shown}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("seen.txt")).unwrap(),
        "s3cret"
    );
    // With -o json: the process object, as every command that starts one prints it.
    let v = p.ok_json(&[
        "workflow",
        "run",
        "t",
        "--detach",
        "--input",
        "token=s3cret",
    ]);
    assert_eq!(v["detached"], true, "{v}");
    assert_eq!(v["workflow"], "t", "{v}");
    assert!(
        v["created_by"].is_string() && v["started_at"].is_string(),
        "{v}"
    );
    // DESIGN's fixed names of a process a run prints, with its state and its steps so
    // far (the background orch may have begun), but never a secret.
    assert!(v["state"].is_object() && v["steps"].is_array(), "{v}");
    assert!(!v.to_string().contains("s3cret"), "{v}");
    let shown = completed_within_30s(&p, v["id"].as_str().unwrap());
    assert_eq!(shown["status"], "completed", "{shown}");
}

/// The process once it has completed, or as it is after 30 s.
fn completed_within_30s(p: &Project, id: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let v = p.json(&["process", "show", id]);
        if v["status"] == "completed" || std::time::Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Ctrl-C while a step waits to be tried again (its retry delay): exit 130, the log
/// says the next attempt did not run (not that a running step was stopped), and the
/// process stays resumable.
fn ctrl_c_while_waiting_to_retry_says_the_attempt_did_not_run() {
    let p = Project::new();
    p.script(
        "workflows/scripts/flaky.sh",
        "cat >/dev/null; echo \"$ORCH_ATTEMPT\" >> tries.txt; touch tried; [ -e go ]",
    );
    task(
        &p,
        "[[step]]\nname = \"F\"\nrun = \"workflows/scripts/flaky.sh\"\nretry = { attempts = 3, delay = \"1m\" }\n",
    );
    let run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::wait_for_file(&p, "tried", String::new);
    // The first attempt has failed; orch now waits a minute before the second.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    unsafe { libc::kill(run.id() as libc::pid_t, libc::SIGINT) };
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("while waiting to try again; attempt 2 did not run"),
        "{err}"
    );
    assert!(!err.contains("the step was stopped"), "{err}");
    assert!(err.contains("stays resumable"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.path().join("tries.txt")).unwrap(),
        "1\n"
    );

    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.write("go", "");
    let v = p.ok_json(&["process", "resume", &id]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// Ctrl-C while a step runs: exit 130, and the process stays resumable (DESIGN §9):
/// `process resume` runs the stopped step again, the step before it not.
fn ctrl_c_in_a_step_leaves_the_process_resumable() {
    stopped_in_a_step_leaves_the_process_resumable(libc::SIGINT);
}

/// A hangup (the terminal or the ssh session closed) stops `workflow run` as Ctrl-C
/// does; left to its default it would end orch at once, its process left running.
fn a_hangup_in_a_step_leaves_the_process_resumable() {
    stopped_in_a_step_leaves_the_process_resumable(libc::SIGHUP);
}

fn stopped_in_a_step_leaves_the_process_resumable(sig: libc::c_int) {
    let p = Project::new();
    p.script(
        "workflows/scripts/count.sh",
        "cat >/dev/null; echo \"$ORCH_STEP $ORCH_ATTEMPT\" >> side-effects.txt",
    );
    p.script(
        "workflows/scripts/slow.sh",
        "cat >/dev/null; echo \"$ORCH_STEP $ORCH_ATTEMPT\" >> side-effects.txt; touch started; [ -e go ] || sleep 30",
    );
    task(
        &p,
        r#"
[[step]]
name = "Before"
run = "workflows/scripts/count.sh"
[[step]]
name = "Slow"
run = "workflows/scripts/slow.sh"
"#,
    );
    let (code, err) = crate::signalled_once_started(&p, &["workflow", "run", "t"], "started", sig);
    let effects = p.path().join("side-effects.txt");
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("stays resumable"), "{err}");
    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(err.contains(&format!("orch process resume {id}")), "{err}");

    // It awaits no input: an answer is refused, not dropped.
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "x=1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was interrupted, not suspended"), "{err}");

    p.write("go", "");
    let v = p.ok_json(&["process", "resume", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    let slow = crate::attempts_of(&v, "Slow");
    assert_eq!(slow, [("failed", 1), ("success", 2)], "{v}");
    assert_eq!(
        std::fs::read_to_string(&effects).unwrap(),
        "Before 1\nSlow 1\nSlow 2\n"
    );
}

/// A product being phased out or at its end of life keeps its subscriptions and gets
/// no new ones: its create workflow is refused before a process exists (exit 7, with
/// the product's status and what changes it), a process queued before the change
/// fails at `Create subscription` saying why, and another product with the tag that
/// still takes subscriptions is the one created, without a question.
fn a_product_at_its_end_of_life_takes_no_new_subscriptions() {
    let p = Project::example();
    let create = crate::CREATE_RTR1;
    let queued = [create, &["--queue"]].concat();
    let id = p.ok_json(&queued)["id"].as_str().unwrap().to_string();
    let node = std::fs::read_to_string(p.path().join("products/node.toml")).unwrap();
    for status in ["end of life", "phase out"] {
        let closed = node.replace("status = \"active\"", &format!("status = \"{status}\""));
        assert_ne!(closed, node);
        p.write("products/node.toml", &closed);
        let (code, _, err) = p.run(&["product", "load"]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = p.run(&["workflow", "check"]);
        assert_eq!(code, 0, "a warning: {err}");
        assert!(
            err.contains(&format!(
                "warning: workflows/create_node.toml:6:1: products: no product it creates takes new subscriptions: `Node` ({status})"
            )),
            "{err}"
        );
        let (code, out, err) = p.run(create);
        assert_eq!(code, 7, "{out}{err}");
        assert!(
            err.contains(&format!(
                "`create_node` creates NODE subscriptions, and the product with that tag takes no new ones: `Node` ({status})"
            )),
            "{err}"
        );
        assert!(err.contains("change `status` in its product file"), "{err}");
    }
    let listed = p.json(&["process", "list", "--workflow", "create_node"]);
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "only the queued one: {listed}"
    );
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.json(&["process", "show", &id]);
    assert_eq!(v["status"], "failed", "{v}");
    let reason = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("the product with that tag takes no new ones: `Node` (phase out)"),
        "{v}"
    );
    // Another product with the tag, still on offer, is the one a new run creates.
    let pro = node
        .replace("name = \"Node\"", "name = \"Node Pro\"")
        .replace("A router enrolled", "A larger router enrolled");
    p.write("products/node_pro.toml", &pro);
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(create);
    assert_eq!(v["status"], "completed", "{v}");
    let sid = v["subscription_id"].as_str().unwrap();
    let s = p.json(&["subscription", "show", sid]);
    assert_eq!(s["product"]["name"], "Node Pro", "{s}");
}

both!(
    a_product_at_its_end_of_life_takes_no_new_subscriptions,
    ctrl_c_in_a_step_leaves_the_process_resumable,
    a_hangup_in_a_step_leaves_the_process_resumable,
    ctrl_c_while_waiting_to_retry_says_the_attempt_did_not_run,
    a_skipped_set_status_step_still_sets_the_lifecycle,
    a_retry_policy_retries_a_step_that_leaves_an_invalid_subscription,
    an_ambiguous_subscription_prefix_names_a_few_and_says_there_are_more,
    detach_runs_the_process_in_the_background,
    a_task_of_shell_steps_completes_with_merged_state,
    a_failed_step_is_retried_after_the_fix,
    exit_75_leaves_the_process_waiting,
    a_reason_of_several_lines_is_lined_up_under_its_label,
    show_step_of_a_step_not_run_yet_says_so,
    a_failed_step_that_wrote_only_blank_lines_has_no_stderr_tail,
    garbage_on_stdout_fails_the_step_and_keeps_the_state,
    a_byte_order_mark_before_the_json_on_stdout_is_ignored,
    json_on_stdout_that_is_not_utf8_is_said_to_be_so,
    a_step_sees_only_the_variables_of_its_own_process,
    a_failed_multi_line_run_is_named_by_its_first_line,
    deeply_nested_step_output_is_refused_with_the_limit,
    deeply_nested_answers_given_as_text_are_refused_with_the_limit,
    retries_within_a_run_follow_the_policy,
    timeouts_fail_the_step,
    input_steps_suspend_and_resume,
    skip_and_abort_are_recorded_with_the_user,
    resume_with_the_current_file_refuses_answers_for_a_step_it_no_longer_has,
    skip_says_the_workflow_file_changed_since_the_process_started,
    retry_plan_reports_a_changed_definition,
    retry_plan_reports_a_removed_workflow_file_and_refuses_a_queued_process,
);
