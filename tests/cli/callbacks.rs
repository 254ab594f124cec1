//! Callback steps (DESIGN §14) through the real binary: the token handed to `run`, the
//! rest as `awaiting_callback`, answers (valid, refused, wrong, spent, early), progress,
//! the timeout and the retry with a new token, and where the token must never appear.

use std::time::Duration;

use serde_json::{Value, json};

use super::Project;
use super::both;

/// A task whose callback step's `run` writes its token (and the answer URL, if any) to
/// `token.txt` / `url.txt`, says so on stderr and prints a job id; a step after it
/// records that it ran.
fn callback_task(p: &Project, callback: &str) {
    p.script(
        "workflows/scripts/submit.sh",
        r#"cat >/dev/null
echo "submitting the job with token $ORCH_CALLBACK_TOKEN" >&2
printf '%s\n' "$ORCH_CALLBACK_TOKEN" >> tokens.txt
printf '%s' "$ORCH_CALLBACK_TOKEN" > token.tmp && mv token.tmp token.txt
[ -z "${ORCH_CALLBACK_URL:-}" ] || printf '%s' "$ORCH_CALLBACK_URL" > url.txt
echo '{"job_id": 42}'"#,
    );
    p.script(
        "workflows/scripts/after.sh",
        "cat >/dev/null\necho \"$ORCH_PROCESS_ID\" >> after.txt",
    );
    p.task(&format!(
        r#"
[[step]]
name = "Wait for the provisioning system"
run = "workflows/scripts/submit.sh"
callback = {callback}

[[step]]
name = "After"
run = "workflows/scripts/after.sh"
"#
    ));
}

const DONE_OR_FAILED: &str = r#"{ timeout = "2h", result = "job", validate = "value.status in ['done', 'failed']", message = "status must be done or failed" }"#;

fn token(p: &Project) -> String {
    std::fs::read_to_string(p.path().join("token.txt")).expect("the step wrote its token")
}

/// Starts the task; it must rest awaiting its callback (exit 4). Returns its id.
fn start_awaiting(p: &Project) -> String {
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    assert_eq!(v["status"], "awaiting_callback", "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// What the project's database holds, as text: on SQLite every byte of its file (and
/// journal); on PostgreSQL every row of orch's schema (each table's rows as text).
fn database_text(p: &Project) -> String {
    let Some(schema) = p.pg_schema() else {
        return ["orch.db", "orch.db-wal"]
            .iter()
            .filter_map(|f| std::fs::read(p.path().join(f)).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
    };
    let tables = p.sql_column(&format!(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'"
    ));
    assert!(tables.iter().any(|t| t == "callbacks"), "{tables:?}");
    tables
        .iter()
        .flat_map(|t| p.sql_column(&format!("SELECT t::text FROM \"{schema}\".\"{t}\" t")))
        .collect()
}

/// `orch process callback ID --token T …`: (exit code, stdout, stderr).
fn answer(p: &Project, id: &str, token: &str, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["process", "callback", id, "--token", token];
    args.extend_from_slice(more);
    p.run(&args)
}

fn ran_after(p: &Project) -> usize {
    std::fs::read_to_string(p.path().join("after.txt"))
        .unwrap_or_default()
        .lines()
        .count()
}

fn a_callback_step_hands_its_run_a_token_then_rests_until_the_answer_continues_it() {
    let p = Project::new();
    callback_task(&p, DONE_OR_FAILED);
    let (code, out, err) = p.run(&["-o", "json", "-v", "workflow", "run", "t"]);
    assert_eq!(code, 4, "awaiting a callback is exit 4: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let token = token(&p);
    assert_eq!(token.len(), 64, "256 bits as hex: {token}");
    assert!(err.contains("awaiting a callback"), "{err}");
    assert!(
        err.contains(&format!("orch process callback {id} --token TOKEN")),
        "{err}"
    );
    // The step's stderr streamed with -v, and kept as its log, has it masked.
    assert!(err.contains("with token ********"), "{err}");
    assert_eq!(v["state"]["job_id"], 42, "the run's output is kept: {v}");
    let step = &v["steps"][1];
    assert_eq!(step["status"], "awaiting_callback", "{v}");

    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(
        shown["callback"]["step"],
        "Wait for the provisioning system"
    );
    assert_eq!(shown["callback"]["timed_out"], false);
    let until = shown["callback"]["until"].as_str().unwrap();
    let since = shown["callback"]["since"].as_str().unwrap();
    assert!(until > since, "{shown}");
    let (_, text, _) = p.run(&["process", "show", &id]);
    assert!(
        text.contains("waiting for a callback at step `Wait for the provisioning system`")
            && text.contains(&format!("until {until}")),
        "{text}"
    );

    p.write("answer.json", r#"{"status": "done", "circuit": "c-17"}"#);
    let (code, out, err) = p.run(&[
        "-o",
        "json",
        "process",
        "callback",
        &id,
        "--token",
        &token,
        "--input-file",
        "answer.json",
    ]);
    assert_eq!(code, 0, "{err}");
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["state"]["job"],
        json!({"status": "done", "circuit": "c-17"})
    );
    assert_eq!(done["state"]["job_id"], 42);
    assert_eq!(ran_after(&p), 1);
    let names: Vec<(&str, &str, i64)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
                s["attempt"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Start", "success", 1),
            ("Wait for the provisioning system", "awaiting_callback", 1),
            ("Wait for the provisioning system", "success", 1),
            ("After", "success", 1),
            ("Done", "complete", 1),
        ],
        "answering is not a new attempt"
    );

    // Spent: the same token again is not found, and nothing runs twice.
    let (code, _, err) = answer(&p, &id, &token, &[]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("no callback waiting for this token"), "{err}");
    assert_eq!(ran_after(&p), 1);

    // The token is nowhere orch writes: the database, the events, process JSON.
    let (_, events, _) = p.run(&["events", "-o", "jsonl"]);
    let kinds: Vec<String> = events
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        kinds.contains(&"callback.answered".to_string()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"process.awaiting_callback".to_string()),
        "{kinds:?}"
    );
    assert!(!events.contains(&token), "the token is in the events");
    assert!(!out.contains(&token), "the token is in the process JSON");
    assert!(
        !database_text(&p).contains(&token),
        "the token is in the database"
    );
}

fn a_refused_answer_leaves_the_process_waiting_and_the_token_good() {
    let p = Project::new();
    callback_task(&p, DONE_OR_FAILED);
    let id = start_awaiting(&p);
    let token = token(&p);

    let (code, _, err) = answer(&p, &id, &token, &["--input", "status=pending"]);
    assert_eq!(code, 2, "a result that fails validate is bad input: {err}");
    assert!(err.contains("status must be done or failed"), "{err}");
    assert!(err.contains("keeps waiting"), "{err}");
    assert!(!err.contains(&token), "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "awaiting_callback"
    );

    // Two values for one key are refused, not the last one taken.
    let (code, _, err) = answer(
        &p,
        &id,
        &token,
        &["--input", "status=done", "--input", "status=failed"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: `--input status` is given twice"),
        "{err}"
    );
    assert!(
        err.contains("hint: give each key of the answer once"),
        "{err}"
    );
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "awaiting_callback"
    );

    // A wrong token, whether it looks like one or not, is not found.
    let other = "ab".repeat(32);
    for wrong in [other.as_str(), "not-a-token", &token[..63]] {
        let (code, _, err) = answer(&p, &id, wrong, &["--input", "status=done"]);
        assert_eq!(code, 6, "{wrong}: {err}");
    }
    // A token of another process is not this one's.
    let (code, _, err) = answer(&p, "0190abcd-0000-7000-8000-000000000000", &token, &[]);
    assert_eq!(code, 6, "{err}");

    // The token from the environment, the answer from stdin.
    let out = p
        .orch()
        .args([
            "-o",
            "json",
            "process",
            "callback",
            &id,
            "--input-file",
            "-",
        ])
        .env("ORCH_CALLBACK_TOKEN", &token)
        .write_stdin(r#"{"status": "failed", "why": "no capacity"}"#)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"]["job"]["why"], "no capacity", "{v}");
    assert_eq!(v["status"], "completed");
}

/// An answer larger than a step may add to the state (16 MiB) is refused, as a file,
/// as a stream without end, or on stdin, without reading on to its end; the process
/// keeps waiting and the token stays good.
fn an_answer_past_the_size_limit_is_refused_and_the_wait_goes_on() {
    let p = Project::new();
    callback_task(&p, r#"{ timeout = "2h", result = "job" }"#);
    let id = start_awaiting(&p);
    let token = token(&p);
    p.write(
        "big.json",
        &format!("{{\"blob\": \"{}\"}}", "x".repeat(16 * 1024 * 1024)),
    );
    for file in ["big.json", "/dev/zero"] {
        let (code, _, err) = answer(&p, &id, &token, &["--input-file", file]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "error: {file} holds more than the 16 MiB answers may have"
            )),
            "{err}"
        );
        assert!(err.contains("hint: "), "{err}");
    }
    let out = p
        .command()
        .args([
            "process",
            "callback",
            &id,
            "--token",
            &token,
            "--input-file",
            "-",
        ])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stdin holds more than the 16 MiB"), "{err}");
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "awaiting_callback"
    );
    let (code, _, err) = answer(&p, &id, &token, &["--input", "status=done"]);
    assert_eq!(code, 0, "{err}");
}

/// A `run` that outlasts the callback's timeout (counted from the step's start) leaves
/// nothing to wait for: the step fails at once (exit 3) rather than rest awaiting an
/// answer every token refuses, and a retry hands out a new token.
fn a_run_that_outlasts_the_timeout_fails_the_step_at_once() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.txt\n[ ! -f slow ] || sleep 2",
    );
    p.task(
        r#"
[[step]]
name = "Submit"
run = "workflows/scripts/submit.sh"
callback = { timeout = "1s", result = "job" }
"#,
    );
    p.write("slow", "");
    let v = p.json_exiting(&["workflow", "run", "t"], 3);
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(v["failed_reason"], "callback timed out after 1s", "{v}");
    assert_eq!(
        super::step_statuses(&v),
        [
            ("Start", "success"),
            ("Submit", "awaiting_callback"),
            ("Submit", "failed")
        ]
    );
    let id = v["id"].as_str().unwrap().to_string();
    let (code, _, err) = answer(&p, &id, &token(&p), &["--input", "ok=true"]);
    assert_eq!(code, 6, "{err}");
    std::fs::remove_file(p.path().join("slow")).unwrap();
    let again = p.json_exiting(&["process", "retry", &id], 4);
    assert_eq!(again["status"], "awaiting_callback", "{again}");
}

/// Ctrl-C while a callback step's `run` runs leaves the process resumable, as a crash
/// does: the token the `run` handed out still answers (once), and the retry runs
/// `run` again, then takes that answer.
fn a_token_handed_out_before_ctrl_c_still_answers() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.tmp && mv token.tmp token.txt\nwhile [ ! -f go ]; do sleep 0.05; done\necho '{\"submitted\": true}'",
    );
    p.task(
        r#"
[[step]]
name = "Submit"
run = "workflows/scripts/submit.sh"
callback = { timeout = "1h", result = "job" }
"#,
    );
    let (code, err) = super::interrupted_once_started(&p, &["workflow", "run", "t"], "token.txt");
    assert_eq!(code, 130, "{err}");
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = token(&p);
    let (code, _, err) = answer(&p, &id, &first, &["--input", "status=done"]);
    assert_eq!(
        code, 3,
        "taken, for the retry that runs the process on: {err}"
    );
    assert!(err.contains("accepted"), "{err}");
    let (code, _, err) = answer(&p, &id, &first, &["--input", "status=again"]);
    assert_eq!(code, 6, "{err}");
    p.write("go", "");
    let done = p.ok_json(&["process", "retry", &id]);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["state"],
        json!({"submitted": true, "job": {"status": "done"}}),
        "{done}"
    );
}

/// An answer nested past the state's limit is refused saying how deep and the limit,
/// whether it comes as a file or as `--input` text (never parsed into a state no
/// command reads back, nor, past the parser's limit, kept as text), and the process
/// keeps waiting; at the limit it is taken.
fn an_answer_nested_past_the_limit_is_refused_and_the_wait_goes_on() {
    let p = Project::new();
    callback_task(&p, r#"{ timeout = "2h", result = "job" }"#);
    let id = start_awaiting(&p);
    let token = token(&p);
    let nested = |levels: usize| format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels));
    // Under its key, a value of 64 levels makes an answer of 65.
    for levels in [65, 128, 129, 10_001] {
        let given = format!("x={}", nested(levels - 1));
        let (code, _, err) = answer(&p, &id, &token, &["--input", &given]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("`x` nests {levels} levels")) && err.contains("past the 64"),
            "{err}"
        );
        assert!(err.contains("hint: flatten"), "{err}");
        p.write("deep.json", &format!("{{\"x\": {}}}", nested(levels - 1)));
        let (code, _, err) = answer(&p, &id, &token, &["--input-file", "deep.json"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("{levels} levels")) && err.contains("past the 64"),
            "{err}"
        );
        assert_eq!(
            p.ok_json(&["process", "show", &id])["status"],
            "awaiting_callback"
        );
    }
    let given = format!("x={}", nested(63));
    let (code, out, err) = answer(&p, &id, &token, &["-o", "json", "--input", &given]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed", "{v}");
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(
        shown["state"]["job"]["x"],
        serde_json::from_str::<Value>(&nested(63)).unwrap()
    );
}

fn progress_is_recorded_without_ending_the_wait() {
    let p = Project::new();
    callback_task(&p, DONE_OR_FAILED);
    let id = start_awaiting(&p);
    let token = token(&p);
    for pct in ["10%", "60%"] {
        let (code, _, err) = answer(
            &p,
            &id,
            &token,
            &["--progress", &format!("provisioning: {pct}")],
        );
        assert_eq!(code, 0, "{err}");
    }
    let events = p.ok_json(&["events", "--kind", "step.progress", "--process", &id]);
    let messages: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["provisioning: 10%", "provisioning: 60%"]);
    assert_eq!(
        events[0]["data"]["step"], "Wait for the provisioning system",
        "{events}"
    );
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "awaiting_callback"
    );
    let (code, _, err) = answer(&p, &id, &token, &["--input", "status=done"]);
    assert_eq!(code, 0, "{err}");
    // Progress on a spent token is not found either.
    let (code, _, _) = answer(&p, &id, &token, &["--progress", "x"]);
    assert_eq!(code, 6);
}

fn an_answer_that_comes_while_the_run_still_runs_is_taken_when_it_ends() {
    let p = Project::new();
    // The external system answers before `run` has even exited.
    p.script(
        "workflows/scripts/submit.sh",
        r#"cat >/dev/null
"$ORCH_BIN" process callback "$ORCH_PROCESS_ID" --input status=done >answer.out 2>answer.err
echo "$?" > answer.code"#,
    );
    p.task(
        r#"
[[step]]
name = "Provision"
run = "workflows/scripts/submit.sh"
callback = { result = "job" }

[[step]]
name = "After"
builtin = "noop"
"#,
    );
    let v = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job"], json!({"status": "done"}));
    let code = std::fs::read_to_string(p.path().join("answer.code")).unwrap();
    assert_eq!(code.trim(), "0");
    let said = std::fs::read_to_string(p.path().join("answer.err")).unwrap();
    assert!(
        said.contains("takes the answer when the step ends"),
        "{said}"
    );
}

/// The orch running a callback step's `run` is killed with -9, and the external
/// system answers with the token it already had: the answering command takes the
/// process over and runs `run` again (it had not finished), so what `run` prints still
/// reaches the state, and the answer is taken after it.
fn an_answer_after_a_kill_mid_run_runs_the_run_again_before_taking_it() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        r#"cat >/dev/null
printf '%s\n' "$ORCH_CALLBACK_TOKEN" >> tokens.txt
while [ ! -f go ]; do sleep 0.02; done
echo '{"job_id": 42}'"#,
    );
    p.task(
        r#"
[[step]]
name = "Submit"
run = "workflows/scripts/submit.sh"
callback = { timeout = "10m", result = "job" }
"#,
    );
    let mut run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let tokens = p.path().join("tokens.txt");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&tokens).is_ok_and(|t| t.ends_with('\n')) {
        assert!(std::time::Instant::now() < until, "run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    super::crash::kill9(&mut run);
    let first = std::fs::read_to_string(&tokens).unwrap().trim().to_string();
    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.write("go", "");
    let (code, out, err) = answer(&p, &id, &first, &["--input", "status=done", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job_id"], 42, "run ran again: {v}");
    assert_eq!(v["state"]["job"], json!({"status": "done"}), "{v}");
    let handed = std::fs::read_to_string(&tokens).unwrap();
    assert_eq!(
        handed.lines().count(),
        2,
        "a new token for the new run: {handed}"
    );
}

fn a_timeout_fails_the_step_and_retry_runs_it_again_with_a_new_token() {
    let p = Project::new();
    callback_task(&p, r#"{ timeout = "1s", result = "job" }"#);
    let id = start_awaiting(&p);
    let first = token(&p);
    std::thread::sleep(Duration::from_millis(1300));

    // Before anything swept it, `process show` says the deadline passed.
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["callback"]["timed_out"], true, "{shown}");
    let (_, text, _) = p.run(&["process", "show", &id]);
    assert!(text.contains("awaiting_callback (timed out)"), "{text}");
    assert!(text.contains("its deadline passed"), "{text}");
    // Too late to answer.
    let (code, _, err) = answer(&p, &id, &first, &[]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("timed out"), "{err}");

    // A worker fails the step.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "the worker ran; the process failed: {err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "failed", "{v}");
    let failed = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(failed["error"], "callback timed out after 1s", "{v}");
    assert_eq!(ran_after(&p), 0);

    // Retry runs the step again with a new token; the old one stays spent.
    let again = p.json_exiting(&["process", "retry", &id], 4);
    assert_eq!(again["status"], "awaiting_callback");
    let second = token(&p);
    assert_ne!(first, second);
    let (code, _, _) = answer(&p, &id, &first, &[]);
    assert_eq!(code, 6);
    let done = p.ok_json(&[
        "process", "callback", &id, "--token", &second, "--input", "ok=true",
    ]);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["state"]["job"], json!({"ok": true}));
    let attempts: Vec<(i64, &str)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Wait for the provisioning system")
        .map(|s| {
            (
                s["attempt"].as_i64().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (1, "awaiting_callback"),
            (1, "failed"),
            (2, "awaiting_callback"),
            (2, "success")
        ]
    );
}

fn the_scheduler_and_a_retry_by_hand_fail_a_timed_out_wait_too() {
    let p = Project::new();
    callback_task(&p, r#"{ timeout = "1s" }"#);
    let swept = start_awaiting(&p);
    let by_hand = start_awaiting(&p);
    // A wait still in time is not for retry.
    let (code, _, err) = p.run(&["process", "retry", &by_hand]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("awaiting a callback"), "{err}");
    std::thread::sleep(Duration::from_millis(1300));

    // By hand: the timeout is recorded, then the step runs again (a new token).
    let before = token(&p);
    let v = p.json_exiting(&["process", "retry", &by_hand], 4);
    assert_ne!(token(&p), before);
    let errors: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["error"].as_str())
        .collect();
    assert_eq!(errors, ["callback timed out after 1s"], "{v}");
    // Its new token has a 1 s deadline too; a slow machine could pass it before the
    // scheduler runs. Move that deadline out of reach, so that what follows tests only
    // which process the scheduler picks.
    p.sql(&format!(
        "UPDATE callbacks SET expires_at = '9999-12-31T00:00:00.000000Z' \
         WHERE process_id = '{by_hand}' AND closed_at IS NULL"
    ));

    // The scheduler: it fails the one it finds past its deadline.
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "process {swept} (t) retried: failed: callback timed out after 1s"
        )),
        "{err}"
    );
    assert_eq!(p.ok_json(&["process", "show", &swept])["status"], "failed");
    // The one retried by hand waits on its new token, untouched.
    assert_eq!(
        p.ok_json(&["process", "show", &by_hand])["status"],
        "awaiting_callback"
    );
}

#[test]
fn the_answer_url_is_handed_out_when_serve_has_a_public_address() {
    let p = Project::new();
    p.write(
        "orch.toml",
        "[serve]\npublic_url = \"https://orch.example.net/\"\n",
    );
    callback_task(&p, "{}");
    let id = start_awaiting(&p);
    let url = std::fs::read_to_string(p.path().join("url.txt")).unwrap();
    assert_eq!(
        url,
        format!("https://orch.example.net/api/v1/callbacks/{}", token(&p))
    );
    // The default result key is the step's name in snake case.
    let v = p.ok_json(&[
        "process",
        "callback",
        &id,
        "--token",
        &token(&p),
        "--input",
        "a=1",
    ]);
    assert_eq!(
        v["state"]["wait_for_the_provisioning_system"],
        json!({"a": 1})
    );

    p.write("orch.toml", "[serve]\npublic_url = \"orch.example.net\"\n");
    let (code, _, err) = p.run(&["workflow", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("orch.toml:2:14: serve.public_url"), "{err}");
    assert!(
        err.contains("`orch.example.net` is not an http:// or https:// URL"),
        "{err}"
    );
}

fn an_answer_queued_for_the_workers_is_taken_by_one() {
    let p = Project::new();
    callback_task(&p, "{ result = \"job\" }");
    let id = start_awaiting(&p);
    let v = p.ok_json(&[
        "process",
        "callback",
        &id,
        "--token",
        &token(&p),
        "--input",
        "n=1",
        "--queue",
    ]);
    assert_eq!(v["status"], "created", "{v}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &id]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job"], json!({"n": 1}));
}

#[test]
fn workflow_check_reports_bad_callbacks_and_locks_in_place() {
    let p = Project::new();
    p.task(
        r#"locks = ["ipam:{{ state.pool"]
[[step]]
name = "Wait"
callback = { timeout = "2 weeks", validate = "value.status ==", result = "subscription" }
locks = ["a", "a"]

[[step]]
name = "Both"
builtin = "noop"
callback = {}

[[step]]
name = "Nested"
callback = { result = "job.answer" }

[[step]]
name = "Subscription"
callback = { timeout = "1h" }
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for wanted in [
        "workflows/t.toml:3:10: locks[0]: lock template does not render",
        "step[0].callback.timeout: unknown unit",
        "step[0].callback.validate: expression is not valid",
        "step[0].callback.result: an answer cannot replace `state.subscription`",
        "step[0].locks[1]: lock `a` is listed twice",
        "step[1].name: step `Both` is a `callback` step and a `builtin` step at once",
        "step[2].callback.result: `result = \"job.answer\"` must be a plain state key (letters, digits and `_`)",
        // Without `result`, the key is the step's name: one that is `subscription`.
        "workflows/t.toml:20:1: step[3].callback: the answer of step `Subscription` would go to `state.subscription`",
    ] {
        assert!(err.contains(wanted), "missing `{wanted}` in:\n{err}");
    }
    p.task(
        r#"locks = ["ipam:{{ state.pool }}"]
[[step]]
name = "Wait"
callback = { timeout = "2h", validate = "value.status in ['done']", message = "not done" }
locks = ["device:{{ state.device | default('none') }}"]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = p.run(&["workflow", "show", "t"]);
    assert!(
        out.contains("locks (Start to Done): ipam:{{ state.pool }}"),
        "{out}"
    );
    assert!(
        out.contains("wait for a callback (at most 2h), holding device:"),
        "{out}"
    );
}

/// A step that never answers stays waiting; nothing polls it but its deadline.
fn an_unanswered_callback_without_a_timeout_waits_for_ever_and_abort_ends_it() {
    let p = Project::new();
    callback_task(&p, "{}");
    let id = start_awaiting(&p);
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["callback"]["until"], Value::Null, "{shown}");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "nothing is due: {err}");
    assert_eq!(
        p.ok_json(&["process", "show", &id])["status"],
        "awaiting_callback"
    );
    let (code, _, err) = p.run(&["process", "abort", &id]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = answer(&p, &id, &token(&p), &[]);
    assert_eq!(code, 6, "an aborted process's token is spent");
}

/// A callback step without `run` has no command to hand its token to: the command
/// (or worker) that drives it shows the token once, and it answers the step.
fn a_callback_without_run_shows_its_token_to_whoever_drives_it() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Wait\"\ncallback = { result = \"job\" }\n[[step]]\nname = \"After\"\nbuiltin = \"noop\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = |text: &str| {
        text.split("--token ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(|t| t.trim_end_matches('`').to_string())
    };
    let t = shown(&err).unwrap_or_else(|| panic!("no token in {err}"));
    assert!(!t.contains("TOKEN") && t.len() >= 32, "{err}");
    assert!(!database_text(&p).contains(&t), "the token is not stored");
    // An empty answer (a pipe whose writer failed) is refused, and the token stays good.
    p.write("answer.json", " \n");
    let (code, _, err) = answer(&p, &id, &t, &["--input-file", "answer.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("answer.json is empty"), "{err}");
    p.write("answer.json", "{\"ok\": true}");
    let (code, _, err) = answer(&p, &id, &t, &["--input-file", "answer.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "completed");

    // Under a worker its log shows it.
    let id = p.queue("t");
    let (code, _, log) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{log}");
    let t = shown(&log).unwrap_or_else(|| panic!("no token in {log}"));
    let (code, _, err) = answer(&p, &id, &t, &["--input-file", "answer.json"]);
    assert_eq!(code, 0, "{err}");
}

fn an_answer_the_answering_command_cannot_drive_is_due_for_a_worker_or_a_retry() {
    let p = Project::new();
    callback_task(&p, "{ result = \"job\" }");
    let by_worker = start_awaiting(&p);
    let first = token(&p);
    let by_retry = start_awaiting(&p);
    let second = token(&p);
    let (code, _, err) = p.run(&["engine", "pause"]);
    assert_eq!(code, 0, "{err}");
    for (id, t) in [(&by_worker, &first), (&by_retry, &second)] {
        let (code, _, err) = answer(&p, id, t, &["--input", "n=1"]);
        // Taken, but not driven: the process waits for the engine (exit 5, DESIGN §12).
        assert_eq!(code, 5, "the answer is taken while paused: {err}");
        assert!(err.contains("the engine is paused"), "{err}");
        assert!(err.contains("orch engine resume"), "{err}");
        let shown = p.ok_json(&["process", "show", id]);
        assert_eq!(shown["status"], "awaiting_callback", "{shown}");
        assert_eq!(shown["callback"]["answered"], true, "{shown}");
    }
    let (_, text, err) = p.run(&["process", "show", &by_retry]);
    assert!(text.contains("was answered"), "{text}");
    assert!(
        err.contains(&format!("orch process retry {by_retry}")),
        "{err}"
    );
    let (code, _, err) = p.run(&["engine", "resume"]);
    assert_eq!(code, 0, "{err}");

    let v = p.ok_json(&["process", "retry", &by_retry]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["state"]["job"], json!({"n": 1}));
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let v = p.ok_json(&["process", "show", &by_worker]);
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(ran_after(&p), 2);
}

/// A parent whose child awaits a callback says how that child is answered (with
/// `process callback`, not `process resume`, which a child awaiting a callback refuses).
fn a_parent_names_the_callback_its_child_awaits() {
    let p = Project::new();
    p.write(
        "workflows/cb.toml",
        "name = \"cb\"\ntarget = \"system\"\n[[step]]\nname = \"Wait\"\ncallback = { result = \"job\" }\n",
    );
    p.task("[[step]]\nname = \"Kid\"\nworkflow = \"cb\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_ne!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let why = super::branches::last_row(&v, "Kid")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(why.contains("is awaiting a callback"), "{why}");
    assert!(why.contains("orch process callback"), "{why}");
    assert!(!why.contains("process resume"), "{why}");
}

both!(
    an_answer_after_a_kill_mid_run_runs_the_run_again_before_taking_it,
    a_parent_names_the_callback_its_child_awaits,
    a_callback_without_run_shows_its_token_to_whoever_drives_it,
    a_callback_step_hands_its_run_a_token_then_rests_until_the_answer_continues_it,
    a_refused_answer_leaves_the_process_waiting_and_the_token_good,
    an_answer_nested_past_the_limit_is_refused_and_the_wait_goes_on,
    an_answer_past_the_size_limit_is_refused_and_the_wait_goes_on,
    a_run_that_outlasts_the_timeout_fails_the_step_at_once,
    a_token_handed_out_before_ctrl_c_still_answers,
    progress_is_recorded_without_ending_the_wait,
    an_answer_that_comes_while_the_run_still_runs_is_taken_when_it_ends,
    a_timeout_fails_the_step_and_retry_runs_it_again_with_a_new_token,
    the_scheduler_and_a_retry_by_hand_fail_a_timed_out_wait_too,
    an_answer_queued_for_the_workers_is_taken_by_one,
    an_unanswered_callback_without_a_timeout_waits_for_ever_and_abort_ends_it,
    an_answer_the_answering_command_cannot_drive_is_due_for_a_worker_or_a_retry,
);
