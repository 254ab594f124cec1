//! Callback steps inside branches (DESIGN §13, §14) through the real binary: each branch
//! rests on its own token, the group and the process await the callbacks once every
//! branch is at rest, answers come in any order, a deadline passed in one branch fails
//! the group (by the scheduler or a retry by hand) and the retry hands out a new token
//! to that branch only, and input and callbacks pending side by side.

use serde_json::{Value, json};

use super::branches::{THREE_DEVICES, last_row, rows};
use super::{Project, both, serve};

/// `provision.sh`: reads its branch's device from the state on stdin, appends the
/// device to `handed.txt` and writes its token to `tokens/<device>`.
fn provision_script(p: &Project) {
    p.script(
        "workflows/scripts/provision.sh",
        r#"state=$(cat)
dev=$(printf '%s' "$state" | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
mkdir -p tokens
printf '%s' "$ORCH_CALLBACK_TOKEN" > "tokens/$dev.tmp" && mv "tokens/$dev.tmp" "tokens/$dev"
echo "$dev" >> handed.txt
echo '{}'"#,
    );
    p.script(
        "workflows/scripts/after.sh",
        "cat >/dev/null\necho \"$ORCH_PROCESS_ID\" >> after.txt",
    );
}

/// A task: three devices, one branch each waiting for the provisioning system's
/// callback (with `callback`'s table as given), the results collected under `jobs`,
/// then a step after the group.
fn foreach_task(p: &Project, callback: &str) {
    provision_script(p);
    p.task(&format!(
        r#"{THREE_DEVICES}
[[step]]
name = "Provision"
foreach = "state.devices"
as = "device"
collect = "jobs"
steps = [ {{ name = "Order", run = "workflows/scripts/provision.sh", callback = {callback} }} ]

[[step]]
name = "After"
run = "workflows/scripts/after.sh"
"#
    ));
}

fn token_of(p: &Project, device: &str) -> String {
    std::fs::read_to_string(p.path().join("tokens").join(device)).expect("a token handed out")
}

/// How many times a token was handed to each device, in device order.
fn handed(p: &Project) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(p.path().join("handed.txt")).unwrap_or_default();
    let mut counts = std::collections::BTreeMap::new();
    for line in text.lines() {
        *counts.entry(line.to_string()).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

fn row(status: &str, attempt: i64) -> (String, i64) {
    (status.to_string(), attempt)
}

fn answer(p: &Project, id: &str, device: &str, n: i64) -> (i32, String, String) {
    p.run(&[
        "-o",
        "json",
        "process",
        "callback",
        id,
        "--token",
        &token_of(p, device),
        "--input",
        &format!("n={n}"),
    ])
}

/// Passes the deadline of the tokens still open at the branch step `path` of process
/// `id`, as if its hour had gone by: the process is due (its `run_after` is the first
/// deadline of its waits), and a worker, the scheduler or a retry finds it timed out.
fn expire(p: &Project, id: &str, path: &str) {
    let past = "2000-01-01T00:00:00.000000Z";
    p.sql(&format!(
        "UPDATE callbacks SET expires_at = '{past}' \
         WHERE process_id = '{id}' AND step = '{path}' AND closed_at IS NULL"
    ));
    p.sql(&format!(
        "UPDATE processes SET run_after = '{past}' WHERE process_id = '{id}'"
    ));
}

fn each_branch_rests_on_its_own_token_and_answers_come_in_any_order() {
    let p = Project::new();
    foreach_task(&p, r#"{ timeout = "1h", result = "job" }"#);
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "a callback inside a branch is a valid step: {err}");

    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert_eq!(
        handed(&p),
        [("r1".into(), 1), ("r2".into(), 1), ("r3".into(), 1)]
    );
    assert_eq!(
        rows(&v, "Provision"),
        [row("awaiting_callback", 1)],
        "the group awaits its branches' callbacks: {v}"
    );
    let shown = p.ok_json(&["process", "show", &id]);
    let waiting_at = shown["callback"]["step"].as_str().unwrap_or_default();
    assert!(
        waiting_at.starts_with("Provision [") && waiting_at.ends_with("] / Order"),
        "{shown}"
    );
    assert_eq!(shown["callback"]["timed_out"], false, "{shown}");
    let branches: Vec<&Value> = shown["groups"][0]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["status"])
        .collect();
    assert_eq!(branches, [&json!("awaiting_callback"); 3], "{shown}");
    let (_, text, _) = p.run(&["process", "show", &id]);
    assert!(
        text.contains("2 more branches wait for their callbacks"),
        "{text}"
    );

    // It is due at the first deadline among its branches (a worker or the scheduler
    // fails that branch then).
    let first = p.sql_column(&format!(
        "SELECT MIN(expires_at) FROM callbacks WHERE process_id = '{id}' AND closed_at IS NULL"
    ));
    let due = p.sql_column(&format!(
        "SELECT run_after FROM processes WHERE process_id = '{id}'"
    ));
    assert_eq!(due, first);
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "nothing is due: {err}");

    // The middle one answers first: its branch ends, the others wait on.
    let (code, out, err) = answer(&p, &id, "r2", 2);
    assert_eq!(code, 4, "two branches still wait: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert_eq!(
        rows(&v, "Provision [1] / Order"),
        [row("awaiting_callback", 1), row("success", 1)]
    );
    // A branch still waiting is not logged again each time the process runs on.
    assert_eq!(
        rows(&v, "Provision [0] / Order"),
        [row("awaiting_callback", 1)]
    );
    // The answer taken is spent.
    let (code, _, err) = answer(&p, &id, "r2", 2);
    assert_eq!(code, 6, "{err}");

    // An answer queued for the workers: one takes it, and the process rests again.
    let (code, _, err) = p.run(&[
        "process",
        "callback",
        &id,
        "--token",
        &token_of(&p, "r3"),
        "--input",
        "n=3",
        "--queue",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(
        code, 0,
        "--once ran it; its log line says it awaits a callback: {err}"
    );
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert_eq!(
        rows(&v, "Provision [2] / Order"),
        [row("awaiting_callback", 1), row("success", 1)]
    );
    // Through `orch serve`: the view and the page name the branch step that waits,
    // and the last answer (no bearer token: the callback's token is the credential)
    // lets the server's worker complete the process.
    let op = serve::token(&p, "ops", "operate");
    let s = serve::Server::start(&p, &[]);
    let waiting = serve::get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(
        waiting["callback"]["step"], "Provision [0] / Order",
        "{waiting}"
    );
    let page = serve::dashboard(&s, &format!("/processes/{id}"), &op);
    // Each branch is a box of its own under the group, named by its index.
    assert!(
        page.contains(r#"<ul class="branches" aria-label="branches of Provision">"#),
        "{page}"
    );
    assert!(
        page.contains(
            r#"<span class="branch-label">[0]</span> <span class="muted">awaiting callback</span>"#
        ),
        "{page}"
    );
    let taken = serve::call(
        &s,
        "POST",
        &format!("/api/v1/callbacks/{}", token_of(&p, "r1")),
        None,
        Some(&json!({"n": 1})),
    );
    assert_eq!(taken.status, 202, "{}", taken.text);
    let v = serve::wait_for_status(&s, &op, &id, "completed");
    assert_eq!(
        v["state"]["jobs"],
        json!([{"job": {"n": 1}}, {"job": {"n": 2}}, {"job": {"n": 3}}]),
        "{v}"
    );
    // Every token was handed out once, and the step after the group ran once.
    assert_eq!(
        handed(&p),
        [("r1".into(), 1), ("r2".into(), 1), ("r3".into(), 1)]
    );
    let after = std::fs::read_to_string(p.path().join("after.txt")).unwrap();
    assert_eq!(after.lines().collect::<Vec<_>>(), [id.as_str()]);
}

fn a_branch_past_its_deadline_fails_the_group_and_only_it_gets_a_new_token() {
    let p = Project::new();
    foreach_task(&p, r#"{ timeout = "1h", result = "job" }"#);
    let swept = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Two of its three branches are answered in time.
    for (dev, n) in [("r1", 1), ("r3", 3)] {
        let (code, _, err) = answer(&p, &swept, dev, n);
        assert_eq!(code, 4, "{err}");
    }
    expire(&p, &swept, "Provision [1] / Order");

    // The scheduler finds it past the deadline of its last branch: the group fails.
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &swept]);
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(
        rows(&v, "Provision [1] / Order"),
        [row("awaiting_callback", 1), row("failed", 1)]
    );
    let failed = last_row(&v, "Provision [1] / Order");
    assert_eq!(failed["error"], "callback timed out after 1h", "{v}");
    // Its token is spent with the step.
    let (code, _, err) = answer(&p, &swept, "r2", 2);
    assert_eq!(code, 6, "{err}");

    // The retry runs that branch alone again, with a new token.
    let old = token_of(&p, "r2");
    let v = p.json_exiting(&["process", "retry", &swept], 4);
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert_ne!(token_of(&p, "r2"), old);
    assert_eq!(
        handed(&p),
        [("r1".into(), 1), ("r2".into(), 2), ("r3".into(), 1)]
    );
    let (code, out, err) = answer(&p, &swept, "r2", 2);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["state"]["jobs"],
        json!([{"job": {"n": 1}}, {"job": {"n": 2}}, {"job": {"n": 3}}]),
        "{v}"
    );
}

/// Runs the foreach task with hour-long callbacks; it must rest awaiting them.
fn awaiting_hour(p: &Project) -> String {
    foreach_task(p, r#"{ timeout = "1h" }"#);
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    v["id"].as_str().unwrap().to_string()
}

fn a_retry_by_hand_records_every_branch_past_its_deadline_then_hands_out_new_tokens() {
    let p = Project::new();
    let id = awaiting_hour(&p);
    let (code, _, err) = answer(&p, &id, "r1", 1);
    assert_eq!(code, 4, "{err}");
    // In time, a wait is not for retry (nor for its plan).
    for plan in [&[][..], &["--plan"][..]] {
        let mut args = vec!["process", "retry", &id];
        args.extend_from_slice(plan);
        let (code, _, err) = p.run(&args);
        assert_eq!(code, 7, "{err}");
        assert!(err.contains("awaiting a callback"), "{err}");
    }
    for path in ["Provision [1] / Order", "Provision [2] / Order"] {
        expire(&p, &id, path);
    }

    let (code, out, err) = p.run(&["-o", "json", "process", "retry", &id]);
    assert_eq!(code, 4, "{err}");
    for path in ["Provision [1] / Order", "Provision [2] / Order"] {
        assert!(
            err.contains(&format!("step `{path}` timed out waiting for its callback")),
            "{err}"
        );
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    assert_eq!(
        rows(&v, "Provision [2] / Order"),
        [
            row("awaiting_callback", 1),
            row("failed", 1),
            row("awaiting_callback", 2)
        ]
    );
    assert_eq!(
        rows(&v, "Provision [0] / Order"),
        [row("awaiting_callback", 1), row("success", 1)]
    );
    assert_eq!(
        handed(&p),
        [("r1".into(), 1), ("r2".into(), 2), ("r3".into(), 2)]
    );
    for (dev, n, code) in [("r2", 2, 4), ("r3", 3, 0)] {
        let (got, _, err) = answer(&p, &id, dev, n);
        assert_eq!(got, code, "{err}");
    }
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");
}

fn input_and_a_callback_pending_side_by_side() {
    let p = Project::new();
    provision_script(&p);
    p.task(
        r#"
[[step]]
name = "Seed"
builtin = "set"
with = { values = { device = "j1" } }

[[step]]
name = "Both ends"
[[step.parallel]]
name = "Ask"
steps = [ { name = "Confirm", input.fields = [ { name = "ok", type = "accept" } ] } ]
[[step.parallel]]
name = "Job"
steps = [ { name = "Order", run = "workflows/scripts/provision.sh", callback = { result = "job" } } ]
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    // An operator's answer is asked for first: the process is suspended.
    assert_eq!(v["status"], "suspended", "{v}");
    let group = last_row(&v, "Both ends");
    assert_eq!(group["status"], "suspend", "{v}");
    assert_eq!(
        group["error"], "1 of 2 branches await input, 1 a callback",
        "{v}"
    );
    let token = token_of(&p, "j1");
    let (code, _, err) = p.run(&[
        "process", "callback", &id, "--token", &token, "--input", "n=7",
    ]);
    // The answer drives its branch on here; the process still awaits the input.
    assert_eq!(code, 4, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(last_row(&v, "Both ends / Job / Order")["status"], "success");
    let v = p.ok_json(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job"], json!({"n": 7}), "{v}");
    assert_eq!(v["state"]["ok"], true, "{v}");
}

/// The tokens a drive's `hint:` lines handed out, by step path.
fn hinted_tokens(err: &str) -> Vec<(String, String)> {
    err.lines()
        .filter_map(|l| {
            let path = l.strip_prefix("hint: step `")?.split('`').next()?;
            let token = l.split("--token ").nth(1)?.split_whitespace().next()?;
            Some((path.to_string(), token.to_string()))
        })
        .collect()
}

fn every_branch_without_run_shows_its_own_token_and_a_deadline_passes_while_input_waits() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Group"
[[step.parallel]]
name = "A"
steps = [ { name = "Wait", callback = { timeout = "1h", result = "a" } } ]
[[step.parallel]]
name = "B"
steps = [ { name = "Wait", callback = { result = "b" } } ]
[[step.parallel]]
name = "C"
steps = [ { name = "Ask", input.fields = [ { name = "ok", type = "accept" } ] } ]
"#,
    );
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "suspended", "{v}");
    // Each branch's token is shown once, named by its step.
    let tokens = hinted_tokens(&err);
    let paths: Vec<&str> = tokens.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["Group / A / Wait", "Group / B / Wait"], "{err}");
    // The process is due at the callback's deadline although it awaits input too.
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["callback"]["step"], "Group / A / Wait", "{shown}");
    assert_eq!(shown["run_after"], shown["callback"]["until"], "{shown}");

    // B is answered through the API while C awaits input: the process is due at once,
    // and a worker takes the answer on B's branch.
    let mut s = serve::Server::start(&p, &["--no-worker", "--no-auth"]);
    let taken = serve::call(
        &s,
        "POST",
        &format!("/api/v1/callbacks/{}", tokens[1].1),
        None,
        Some(&json!({"n": 2})),
    );
    assert_eq!(taken.status, 202, "{}", taken.text);
    s.stop();
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "it ran; the process is still suspended: {err}");
    assert!(err.contains("after 1 run\n"), "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(
        rows(&v, "Group / B / Wait"),
        [row("awaiting_callback", 1), row("success", 1)]
    );

    // A's deadline passes: the scheduler fails its branch, and the group.
    expire(&p, &id, "Group / A / Wait");
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(
        last_row(&v, "Group / A / Wait")["error"],
        "callback timed out after 1h"
    );
    // C's question is still there after the retry; B's answer is kept.
    let v = p.json_exiting(&["process", "retry", &id], 4);
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(rows(&v, "Group / B / Wait").len(), 2, "B ran no more: {v}");
}

fn the_api_aborts_a_process_awaiting_callbacks() {
    let p = Project::new();
    let id = awaiting_hour(&p);
    let op = serve::token(&p, "ops", "operate");
    let s = serve::Server::start(&p, &["--no-worker"]);
    let aborted = serve::post(
        &s,
        &format!("/api/v1/processes/{id}/abort"),
        &op,
        &json!({}),
    );
    assert_eq!(aborted.status, 200, "{}", aborted.text);
    assert_eq!(aborted.body["status"], "aborted", "{}", aborted.text);
    // Logged under its last top-level step, not a branch's; its tokens answer nothing.
    assert_eq!(last_row(&aborted.body, "Provision")["status"], "abort");
    let (code, _, err) = answer(&p, &id, "r1", 1);
    assert_eq!(code, 6, "{err}");
}

/// Every branch answered at the same moment, by commands started together: whichever
/// command drives the process takes the answers that came in while it ran, so the
/// process completes and none rests holding an answer nobody runs.
fn answers_to_every_branch_at_once_complete_the_process() {
    let p = Project::new();
    foreach_task(&p, "{ result = \"job\" }");
    for round in 0..3 {
        let _ = std::fs::remove_dir_all(p.path().join("tokens"));
        let v = p.json_exiting(&["workflow", "run", "t"], 4);
        let id = v["id"].as_str().unwrap().to_string();
        let answering: Vec<_> = ["r1", "r2", "r3"]
            .iter()
            .map(|dev| {
                p.command()
                    .args(["process", "callback", &id, "--token", &token_of(&p, dev)])
                    .args(["--input", "n=1"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in answering {
            let out = c.wait_with_output().unwrap();
            // 4: that command's drive came to rest before the next answer came in,
            // whose command then drove the process on.
            assert!(
                matches!(out.status.code(), Some(0 | 4)),
                "{:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let v = p.ok_json(&["process", "show", &id]);
        assert_eq!(v["status"], "completed", "round {round}: {v}");
        assert_eq!(v["state"]["jobs"].as_array().map(Vec::len), Some(3), "{v}");
    }
}

/// A callback's `validate` inside a branch reads the branch's state (its item), as its
/// `run` did: an answer meant for another device is refused, the right one taken.
fn a_callbacks_validate_inside_a_branch_sees_the_branchs_state() {
    let p = Project::new();
    foreach_task(
        &p,
        r#"{ result = "job", validate = "value.device == state.device", message = "an answer for another device" }"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    let token = token_of(&p, "r2");
    let (code, _, err) = p.run(&[
        "process",
        "callback",
        &id,
        "--token",
        &token,
        "--input",
        "device=r1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "the answer to step `Provision [1] / Order` was refused: an answer for another device"
        ),
        "{err}"
    );
    let (code, _, err) = p.run(&[
        "process",
        "callback",
        &id,
        "--token",
        &token,
        "--input",
        "device=r2",
    ]);
    assert_eq!(code, 4, "the other branches still wait: {err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(
        last_row(&v, "Provision [1] / Order")["status"],
        "success",
        "{v}"
    );
}

both!(
    a_callbacks_validate_inside_a_branch_sees_the_branchs_state,
    answers_to_every_branch_at_once_complete_the_process,
    the_api_aborts_a_process_awaiting_callbacks,
    every_branch_without_run_shows_its_own_token_and_a_deadline_passes_while_input_waits,
    each_branch_rests_on_its_own_token_and_answers_come_in_any_order,
    a_branch_past_its_deadline_fails_the_group_and_only_it_gets_a_new_token,
    a_retry_by_hand_records_every_branch_past_its_deadline_then_hands_out_new_tokens,
    input_and_a_callback_pending_side_by_side,
);
