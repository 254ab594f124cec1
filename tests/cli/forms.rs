//! Forms answered from scripts: typing, validation before anything is stored, input
//! steps that suspend and resume, secrets that never reach the database.

use super::Project;
use super::both;

fn workflow(p: &Project) {
    p.script(
        "workflows/scripts/keep.sh",
        "cat > \"$ORCH_DIR/stdin-$ORCH_STEP.json\"",
    );
    p.write(
        "workflows/f.toml",
        r#"name = "f"
target = "system"

[[form]]
title = "Basics"
fields = [
  { name = "name", type = "text", pattern = "[a-z]+[0-9]*" },
  { name = "count", type = "int", min = 1, max = 10 },
  { name = "vlan", type = "int", required = false },
  { name = "token", type = "secret" },
]

[[step]]
name = "keep"
run = "workflows/scripts/keep.sh"

[[step]]
name = "Approve"
input.message = "Deploy {{ state.name }} x{{ state.count }}?"
input.fields = [{ name = "ok", type = "accept" }, { name = "when", type = "choice", choices = ["now", "later"] }]

[[step]]
name = "after"
run = "workflows/scripts/keep.sh"
"#,
    );
}

fn missing_and_invalid_answers_are_all_reported_and_nothing_is_stored() {
    let p = Project::new();
    workflow(&p);
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "f",
        "--input",
        "name=Bad Name",
        "--input",
        "token=x",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name (text)"), "{err}");
    assert!(
        err.contains("count (int)") && err.contains("missing"),
        "{err}"
    );
    assert!(
        !err.contains("vlan"),
        "an optional field is no problem: {err}"
    );
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "f",
        "--input",
        "name=ok1",
        "--input",
        "count=eleven",
        "--input",
        "token=x",
        "--input",
        "nope=1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("count (int)") && err.contains("nope"), "{err}");
    // One answer given twice is refused, not the last taken silently, and says how
    // a list is given; its values are not echoed (a secret's would be).
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "f",
        "--input",
        "name=ok1",
        "--input",
        "count=1",
        "--input",
        "token=HUNTER1",
        "--input",
        "token=HUNTER2",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`--input token` is given twice"), "{err}");
    assert!(
        err.contains("hint: give each answer once; a list is one answer"),
        "{err}"
    );
    assert!(!err.contains("HUNTER"), "{err}");
    let list = p.ok_json(&["process", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored: {list}");
}

/// `-v` streams a step's stderr as it comes, with secrets masked as in what is stored.
fn verbose_output_masks_secrets() {
    let p = Project::new();
    p.task("[[form]]\nfields = [{ name = \"token\", type = \"secret\" }]\n[[step]]\nname = \"Leak\"\nrun = \"cat >&2; echo >&2; exit 1\"\n");
    let (code, _, err) = p.run(&["-v", "workflow", "run", "t", "--input", "token=HUNTER22"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("\"token\":\"********\""), "{err}");
    assert!(!err.contains("HUNTER22"), "{err}");
}

/// An answer for an input step's field given at the start is refused (the form has
/// no such field), saying where it goes instead.
fn an_answer_for_an_input_step_given_at_the_start_says_where_it_goes() {
    let p = Project::new();
    workflow(&p);
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "f",
        "--input",
        "name=edge7",
        "--input",
        "count=3",
        "--input",
        "token=t",
        "--input",
        "ok=true",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ok (unknown)"), "{err}");
    assert!(
        err.contains("`ok` (of the input step `Approve`) is answered when the run stops there: `orch process resume ID --input NAME=VALUE`"),
        "{err}"
    );
    assert!(p.json(&["process", "list"]).as_array().unwrap().is_empty());
}

fn input_steps_suspend_and_resume_with_secrets_kept_out_of_storage() {
    let p = Project::new();
    workflow(&p);
    let secret = "s3cr3t-Value-91";
    let (code, out, err) = p.run(&[
        "-o",
        "json",
        "workflow",
        "run",
        "f",
        "--input",
        "name=edge7",
        "--input",
        "count=3",
        "--input",
        &format!("token={secret}"),
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("process resume"),
        "the hint names the resume command: {err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "suspended");
    assert_eq!(v["state"]["count"], 3, "typed by the field: {v}");
    assert!(v["state"].get("token").is_none());
    let id = v["id"].as_str().unwrap().to_string();
    let seen = std::fs::read_to_string(p.path().join("stdin-keep.json")).unwrap();
    assert!(
        seen.contains(secret),
        "the step gets the secret on stdin: {seen}"
    );

    // A wrong answer is refused before the process changes.
    let (code, _, err) = p.run(&[
        "process",
        "resume",
        &id,
        "--input",
        "ok=false",
        "--input",
        "when=never",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ok (accept)") && err.contains("when (choice)"),
        "{err}"
    );
    assert_eq!(p.ok_json(&["process", "show", &id])["status"], "suspended");

    // The secret is needed again after the suspend: it was never stored.
    let (code, _, err) = p.run(&[
        "process", "resume", &id, "--input", "ok=true", "--input", "when=now",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ORCH_SECRET_TOKEN"), "{err}");
    let out = p
        .orch()
        .env("ORCH_SECRET_TOKEN", secret)
        .args([
            "-o", "json", "process", "resume", &id, "--input", "ok=true", "--input", "when=now",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"]["when"], "now");
    let approve = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Approve" && s["status"] == "success")
        .cloned()
        .unwrap();
    assert_eq!(
        approve["attempt"], 1,
        "answering an input step is the attempt that asked, not a new one"
    );
    let seen = std::fs::read_to_string(p.path().join("stdin-after.json")).unwrap();
    assert!(seen.contains(secret), "{seen}");

    // Resuming what is not suspended is a conflict.
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("not suspended"), "{err}");

    // Nowhere in the database, the events or the logs.
    assert!(!p.stored_text().contains(secret), "the secret is stored");
    let data = p.sql_column("SELECT data FROM events UNION ALL SELECT COALESCE(output, '') || COALESCE(error, '') || state_patch FROM process_steps");
    assert!(!data.is_empty());
    assert!(data.iter().all(|d| !d.contains(secret)));
}

fn input_files_and_the_json_schema() {
    let p = Project::new();
    workflow(&p);
    p.write(
        "answers.toml",
        "name = \"core1\"\ncount = 2\ntoken = \"abc\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "run", "f", "--input-file", "answers.toml"]);
    assert_eq!(code, 4, "{err}");
    let schema = p.ok_json(&["workflow", "form", "f"]);
    let text = schema.to_string();
    for needle in ["\"name\"", "\"count\"", "\"token\"", "Basics"] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
    let (code, _, err) = p.run(&["workflow", "run", "f", "--form"]);
    assert_eq!(code, 2, "no terminal: {err}");
    assert!(err.contains("terminal"), "{err}");
    // Answers nested past the state's figure are refused, saying how deep, at any depth.
    for levels in [65, 10_000] {
        p.write(
            "deep.json",
            &format!(
                "{{\"name\": {}1{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            ),
        );
        let (code, _, err) = p.run(&["workflow", "run", "f", "--input-file", "deep.json"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("{levels} levels")) && err.contains("past the 64"),
            "{err}"
        );
        assert!(err.contains("hint:"), "{err}");
    }
    // `-` is named as what it is, stdin.
    let out = p
        .orch()
        .args(["workflow", "run", "f", "--input-file", "-"])
        .write_stdin("[1]")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: stdin must hold an object of answers"),
        "{err}"
    );
}

fn a_waiting_process_retried_by_a_task_gets_its_secret_from_the_environment() {
    let p = Project::new();
    p.script(
        "workflows/scripts/flaky.sh",
        "cat > \"$ORCH_DIR/seen.json\"; [ -f \"$ORCH_DIR/once\" ] && exit 0; touch \"$ORCH_DIR/once\"; exit 75",
    );
    p.write(
        "workflows/s.toml",
        r#"name = "s"
target = "system"
[[form]]
title = "Login"
fields = [{ name = "token", type = "secret" }]
[[step]]
name = "call"
run = "workflows/scripts/flaky.sh"
"#,
    );
    let (code, _, err) = p.run(&["workflow", "run", "s", "--input", "token=first-secret"]);
    assert_eq!(code, 5, "{err}");
    let out = p
        .orch()
        .env("ORCH_SECRET_TOKEN", "second-secret")
        .args(["task", "run", "resume_waiting"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(p.path().join("seen.json")).unwrap();
    assert!(seen.contains("second-secret"), "{seen}");
    let list = p.ok_json(&["process", "list", "--workflow", "s"]);
    assert_eq!(list[0]["status"], "completed", "{list}");
}

/// A secret of two characters is masked in what is stored as a long one is, and an
/// empty customer is refused rather than stored.
fn a_short_secret_is_masked_too() {
    let p = Project::new();
    p.task("[[form]]\nfields = [{ name = \"token\", type = \"secret\" }]\n[[step]]\nname = \"Leak\"\nrun = \"cat >/dev/null; echo 'tok=Zq' >&2; exit 1\"\n");
    let v = p.failed_json(&["workflow", "run", "t", "--input", "token=Zq"]);
    let stored = v.to_string();
    assert!(stored.contains("tok=********"), "{stored}");
    assert!(!stored.contains("Zq"), "{stored}");
    let events = p.json(&["events", "--limit", "100"]).to_string();
    assert!(!events.contains("Zq"), "{events}");

    let p = Project::example();
    for (customer, said) in [
        ("", "the customer is empty"),
        (
            "\u{1b}[31mEVIL",
            r"the customer `\u{1b}[31mEVIL` holds a control character",
        ),
        (" acme ", "the customer ` acme ` has spaces around it"),
        (
            "acme\u{202e}",
            r"the customer `acme\u{202e}` holds an invisible character",
        ),
    ] {
        let (code, _, err) = p.run(&[CREATE_R9, &["--customer", customer]].concat());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(said), "{err}");
    }
}

/// orch.toml's `default_customer` is held to what `--customer` is: empty, spaces around
/// it or a control character is said with its place in the file (exit 2) rather than
/// given to every new subscription; `orch init --default-customer` refuses it before
/// it writes anything.
#[test]
fn a_default_customer_that_customer_would_refuse_is_refused_in_orch_toml() {
    let p = Project::example();
    for (customer, said) in [
        ("", "`default_customer` is empty"),
        (" acme", "the customer ` acme` has spaces around it"),
        ("a\\u0007b", "holds a control character"),
    ] {
        p.write("orch.toml", &format!("default_customer = \"{customer}\"\n"));
        let (code, out, err) = p.run(CREATE_R9);
        assert_eq!(code, 2, "{customer:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("orch.toml:1:20: default_customer: "), "{err}");
        assert!(err.contains(said), "{err}");
    }
    p.write("orch.toml", "");

    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = p.run(&[
        "init",
        dir.path().to_str().unwrap(),
        "--default-customer",
        " acme",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has spaces around it"), "{err}");
    assert!(
        !dir.path().join("orch.toml").exists(),
        "nothing was written"
    );
}

/// The secret a process needs again on `resume` may come with the answers, as the
/// hint says, by `--input` or in the `--input-file`.
fn resume_takes_the_secret_needed_again_with_the_answers() {
    let p = Project::new();
    p.script(
        "workflows/scripts/use.sh",
        "grep -q '\"api_key\":\"k3y-9\"' && echo '{\"used\": true}'",
    );
    p.task("[[form]]\nfields = [ { name = \"api_key\", type = \"secret\" } ]\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n[[step]]\nname = \"Use\"\nrun = \"workflows/scripts/use.sh\"\n");
    let (code, out, err) = p.run(&[
        "workflow",
        "run",
        "t",
        "--input",
        "api_key=k3y-9",
        "-o",
        "json",
    ]);
    assert_eq!(code, 4, "{err}");
    let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The hint's command works once its placeholders are filled in: the secret from
    // the environment, not the command line.
    let hint = format!("ORCH_SECRET_API_KEY=SECRET orch process resume {id} --input ok=true");
    assert!(err.contains(&hint), "{err}");
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ORCH_SECRET_API_KEY"), "{err}");
    // Given nothing, one failure lists the answer and the secret, once.
    let (code, _, err) = p.run(&["process", "resume", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("- ok (bool): missing") && err.contains("- api_key (secret): missing"),
        "{err}"
    );
    assert_eq!(err.matches("is missing or invalid").count(), 1, "{err}");
    p.write("answers.json", "{\"ok\": true}");
    let (code, _, err) = p.run(&["process", "resume", &id, "--input-file", "answers.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give them with --input NAME=VALUE"), "{err}");
    p.write("answers.json", "{\"ok\": true, \"api_key\": \"k3y-9\"}");
    let v = p.ok_json(&["process", "resume", &id, "--input-file", "answers.json"]);
    assert_eq!(v["state"]["used"], true, "{v}");
    // As the hint says: the secret in the environment.
    let id = p.json_exiting(&["workflow", "run", "t", "--input", "api_key=k3y-9"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = p
        .command()
        .args(["process", "resume", &id, "--input", "ok=true"])
        .env("ORCH_SECRET_API_KEY", "k3y-9")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!p.stored_text().contains("k3y-9"), "the secret was stored");
}

/// `skip` neither stores a secret given with `--set` nor changes anything when the
/// secret the rest of the run needs is missing; and a secret a step prints as JSON
/// (escaped) is masked too.
fn skip_keeps_secrets_out_and_asks_for_them_first() {
    let p = Project::new();
    p.task("[[form]]\nfields = [ { name = \"pw\", type = \"secret\" } ]\n[[step]]\nname = \"F\"\nrun = \"cat >&2; exit 1\"\n[[step]]\nname = \"G\"\nbuiltin = \"noop\"\n");
    let secret = "pa\"ss\\1word€";
    let v = p.failed_json(&["workflow", "run", "t", "--input", &format!("pw={secret}")]);
    let id = v["id"].as_str().unwrap().to_string();
    let escaped = serde_json::to_string(secret).unwrap();
    let ascii = escaped.replace('€', "\\u20ac");
    let stored = p.stored_text();
    assert!(
        !stored.contains(escaped.trim_matches('"')),
        "stored escaped"
    );
    assert!(
        !stored.contains(ascii.trim_matches('"')),
        "stored ascii-escaped"
    );
    let (code, _, err) = p.run(&["process", "skip", &id, "--set", "pw=SkipSecret99"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pw is a secret field"), "{err}");
    let (code, _, err) = p.run(&["process", "skip", &id]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ORCH_SECRET_PW"), "{err}");
    let after = p.ok_json(&["process", "show", &id]);
    assert_eq!(after["status"], "failed", "nothing changed: {after}");
    assert!(!p.stored_text().contains("SkipSecret99"));
}

/// A step that copies a secret into its output does not get it stored: the value is
/// masked wherever it stands in the state. A one-letter secret is masked where it
/// stands alone, not inside other words.
fn a_secret_copied_into_the_state_is_masked_there() {
    let p = Project::new();
    p.script(
        "workflows/scripts/copy.sh",
        "cat >/dev/null; echo '{\"copied\": \"auth hunter2hunter2\", \"word\": \"extra x\"}'",
    );
    p.task("[[form]]\nfields = [{ name = \"token\", type = \"secret\" }, { name = \"k\", type = \"secret\", required = false }]\n[[step]]\nname = \"Copy\"\nrun = \"workflows/scripts/copy.sh\"\n");
    let v = p.ok_json(&[
        "workflow",
        "run",
        "t",
        "--input",
        "token=hunter2hunter2",
        "--input",
        "k=x",
    ]);
    assert_eq!(v["state"]["copied"], "auth ********", "{v}");
    assert_eq!(v["state"]["word"], "extra ********", "{v}");
    assert!(
        !p.stored_text().contains("hunter2hunter2"),
        "the secret was stored"
    );
}

/// A `display` field of an input step shows its text, rendered against the state,
/// and is not asked for (DESIGN §7: it collects nothing).
fn a_display_field_shows_its_text_and_is_not_required() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Seed\"\nbuiltin = \"set\"\nwith = { values = { limit = 7 } }\n[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"info\", type = \"display\", label = \"Limit is {{ state.limit }}\" }, { name = \"ok\", type = \"accept\" } ]\n");
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let info = &v["pending"]["fields"][0];
    assert_eq!(
        (&info["text"], &info["required"]),
        (&"Limit is 7".into(), &false.into()),
        "{v}"
    );
    let id = v["id"].as_str().unwrap();
    let (_, text, _) = p.run(&["process", "show", id]);
    assert!(text.contains("info  (shown) Limit is 7"), "{text}");
    // The form's JSON Schema places a display field in its page's layout, with its
    // text, though it collects nothing.
    p.write(
        "workflows/shown.toml",
        "name = \"shown\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"a\", type = \"text\" }, { name = \"info\", type = \"display\", label = \"You chose {{ answers.a }}\" }, { name = \"b\", type = \"text\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let schema = p.ok_json(&["workflow", "form", "shown"]);
    assert_eq!(
        schema["x-pages"][0]["layout"],
        serde_json::json!(["a", {"display": "info", "text": "You chose {{ answers.a }}"}, "b"]),
        "{schema}"
    );
    assert!(schema["properties"].get("info").is_none(), "{schema}");
}

/// A `choices_from` program that hangs is stopped after 10 s and named with its field,
/// well within the 30 s a request to `serve` is given.
#[test]
fn a_hanging_choice_list_is_stopped_and_named() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"a\", type = \"choice\", choices_from = \"sleep 60\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "run", "w", "--input", "a=x"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot list the choices of `a`: `sleep 60` did not finish within 10s"),
        "{err}"
    );
}

/// Labelled choices listed in an error line their labels up in one column, whatever
/// the length of the values before them.
#[test]
fn labelled_choices_line_their_labels_up() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"a\", type = \"choice\", choices_from = \"echo '[{\\\"value\\\": \\\"x\\\", \\\"label\\\": \\\"Ex\\\"}, {\\\"value\\\": \\\"long\\\", \\\"label\\\": \\\"Long\\\"}]'\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "run", "w"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pick one of:\n      x     Ex\n      long  Long\n"),
        "{err}"
    );
}

/// A `choices_from` program whose output is no list of choices is named, then what
/// is wrong with its output, as one sentence.
#[test]
fn a_choice_list_that_is_not_one_reads_as_a_sentence() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"a\", type = \"choice\", choices_from = \"echo nope\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "run", "w", "--input", "a=x"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot list the choices of `a`: `echo nope`: the output is not JSON"),
        "{err}"
    );
}

/// `-o jsonl` puts a form's JSON Schema, and a process's state, on one line, as it
/// does every other document; `-o json` and the table format print them pretty.
#[test]
fn jsonl_puts_a_schema_and_a_state_on_one_line() {
    let p = Project::new();
    workflow(&p);
    for (format, one_line) in [("jsonl", true), ("json", false), ("table", false)] {
        let args = ["workflow", "form", "f", "-o", format];
        let (code, out, err) = p.run(&args);
        assert_eq!(code, 0, "{err}");
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(parsed["title"], "f", "{out}");
        assert_eq!(out.lines().count() == 1, one_line, "-o {format}: {out}");
    }
    let (code, out, err) = p.run(&[
        "workflow", "run", "f", "--input", "name=a", "--input", "count=2", "--input", "token=x",
        "-o", "json",
    ]);
    assert_eq!(code, 4, "{err}");
    let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err) = p.run(&["process", "show", &id, "--state", "-o", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let state: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(state["name"], "a", "{out}");
}

/// A yes/no answer takes the `y` and `n` a prompt takes, so a script answers as a
/// person does at the terminal.
#[test]
fn a_yes_or_no_answer_takes_y_and_n() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"ok\", type = \"accept\" }, { name = \"b\", type = \"bool\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let run = p.ok_json(&[
        "workflow", "run", "w", "--input", "ok=Y", "--input", "b=n", "-o", "json",
    ]);
    assert_eq!(run["state"]["ok"], true, "{run}");
    assert_eq!(run["state"]["b"], false, "{run}");
    let (code, _, err) = p.run(&[
        "workflow", "run", "w", "--input", "ok=n", "--input", "b=maybe",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ok (accept): must be accepted"), "{err}");
    assert!(
        err.contains("b (bool): expected yes or no (yes/no, y/n, true/false, 1/0), got `maybe`"),
        "{err}"
    );
}

/// A `validate` message is followed by the value it refused, unless it names that
/// value itself; letters of it inside the message's words do not name it.
#[test]
fn a_refusal_names_the_value_even_when_its_letters_are_in_the_message() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        r#"name = "w"
target = "system"
[[form]]
fields = [
  { name = "a", type = "text", validate = "value | length > 1", message = "too short" },
  { name = "b", type = "text", validate = "value != 'x'", message = "`{{ value }}` is reserved" },
]
[[step]]
name = "N"
builtin = "noop"
"#,
    );
    let (code, _, err) = p.run(&["workflow", "run", "w", "--input", "a=s", "--input", "b=x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a (text): too short (got `s`)\n"), "{err}");
    assert!(err.contains("b (text): `x` is reserved\n"), "{err}");
}

/// An answers file that gives one key twice is refused, as `--input` given twice is,
/// rather than the last value taken silently; the values are not echoed.
#[test]
fn an_answers_file_that_gives_a_key_twice_is_refused() {
    let p = Project::new();
    workflow(&p);
    p.write(
        "answers.json",
        r#"{"name": "core1", "count": 2, "token": "HUNTER1", "token": "HUNTER2"}"#,
    );
    let (code, _, err) = p.run(&["workflow", "run", "f", "--input-file", "answers.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: answers.json gives `token` twice"),
        "{err}"
    );
    assert!(err.contains("hint: give each answer once"), "{err}");
    assert!(!err.contains("HUNTER"), "{err}");
    // A key repeated inside an answer's own JSON is that answer's business.
    p.write(
        "answers.json",
        r#"{"name": "core1", "count": 2, "token": "t", "extra": {"a": 1, "a": 2}}"#,
    );
    let (code, _, err) = p.run(&["workflow", "run", "f", "--input-file", "answers.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("extra"),
        "an unknown field, not a repeat: {err}"
    );
    let list = p.ok_json(&["process", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored: {list}");
}

/// A whole number no 64-bit integer holds (an account number) is never rounded to a
/// float: typed with `--input` for a workflow without a form it stays the text it
/// was, and in an answers file it is refused with a hint, as a step printing one is.
#[test]
fn a_whole_number_too_big_to_keep_is_never_rounded() {
    let p = Project::new();
    p.task("[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n");
    let v = p.ok_json(&[
        "workflow",
        "run",
        "t",
        "--input",
        "account=12345678901234567890123",
        "--input",
        "ids=[1, 99999999999999999999]",
        "--input",
        "small=7",
    ]);
    assert_eq!(
        v["state"],
        serde_json::json!({"account": "12345678901234567890123", "ids": "[1, 99999999999999999999]", "small": 7}),
        "{v}"
    );
    p.write("answers.json", r#"{"account": 12345678901234567890123}"#);
    let (code, out, err) = p.run(&["workflow", "run", "t", "--input-file", "answers.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("answers.json holds the whole number 12345678901234567890123, which orch cannot keep exactly")
            && err.contains("hint: give it as a string (`\"12345678901234567890123\"`)"),
        "{err}"
    );
}

/// A multi_choice with `min = 0` takes an empty `--input`, as in `--input tags=`, as
/// the answer it allows, no pick; without `min = 0` that is a missing answer.
#[test]
fn an_empty_input_picks_nothing_where_min_0_allows_it() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        r#"name = "w"
target = "system"
[[form]]
fields = [
  { name = "tags", type = "multi_choice", choices = ["a", "b"], min = 0 },
  { name = "some", type = "multi_choice", choices = ["a", "b"] },
]
[[step]]
name = "N"
builtin = "noop"
"#,
    );
    let run = p.ok_json(&[
        "workflow", "run", "w", "--input", "tags=", "--input", "some=a", "-o", "json",
    ]);
    assert_eq!(run["state"]["tags"], serde_json::json!([]), "{run}");
    let (code, _, err) = p.run(&[
        "workflow", "run", "w", "--input", "tags=", "--input", "some=",
    ]);
    assert_eq!(code, 2, "{err}");
    // Several may be picked, and the message does not say "one".
    assert!(
        err.contains("some (multi_choice): missing, required; pick one or more of a, b\n"),
        "{err}"
    );
    assert!(!err.contains("tags"), "{err}");
}

/// A `subscription` field takes an id, or a unique prefix of one, in capitals too, as
/// `orch process show` does, and stores the id as it is stored.
fn a_subscription_answer_in_capitals_picks_the_subscription() {
    let p = Project::new();
    super::definitions::bounded(&p, r#"{"code": "abc", "count": 5}"#);
    let created = p.ok_json(&["workflow", "run", "create_box", "-o", "json"]);
    let id = created["subscription_id"].as_str().unwrap().to_string();
    p.write(
        "workflows/pick.toml",
        "name = \"pick\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"box\", type = \"subscription\", product_tag = \"BOX\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    for given in [id.to_uppercase(), id[..8].to_uppercase()] {
        let run = p.ok_json(&[
            "workflow",
            "run",
            "pick",
            "--input",
            &format!("box={given}"),
            "-o",
            "json",
        ]);
        assert_eq!(run["state"]["box"], id.as_str(), "{given}: {run}");
    }
}

/// A number choice is picked by a JSON number of its value however it is written, as
/// the form's JSON Schema (`enum`) compares numbers: `10.0` picks 10, and 10 is stored.
#[test]
fn a_number_choice_is_picked_by_its_value() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"mtu\", type = \"choice\", choices = [1500, 9000] }, { name = \"more\", type = \"multi_choice\", choices = [1, 2.5], required = false } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    p.write("answers.json", r#"{"mtu": 9000.0, "more": [1.0, 2.5]}"#);
    let run = p.ok_json(&[
        "workflow",
        "run",
        "w",
        "--input-file",
        "answers.json",
        "-o",
        "json",
    ]);
    assert_eq!(run["state"]["mtu"], serde_json::json!(9000), "{run}");
    assert_eq!(run["state"]["more"], serde_json::json!([1, 2.5]), "{run}");
    p.write("answers.json", r#"{"mtu": 9000.5}"#);
    let (code, _, err) = p.run(&["workflow", "run", "w", "--input-file", "answers.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("mtu (choice): `9000.5` is not one of 1500, 9000"),
        "{err}"
    );
}

/// An answers file that starts with a byte order mark (PowerShell's `Out-File` writes
/// one) reads as without it, in JSON as in TOML.
#[test]
fn an_answers_file_with_a_byte_order_mark_reads() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"vlan\", type = \"int\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    for (file, text) in [
        ("a.json", "\u{feff}{\"vlan\": 7}"),
        ("a.toml", "\u{feff}vlan = 7\n"),
    ] {
        p.write(file, text);
        let run = p.ok_json(&["workflow", "run", "w", "--input-file", file, "-o", "json"]);
        assert_eq!(run["state"]["vlan"], 7, "{file}: {run}");
    }
}

/// A field named `subscription` would replace the subscription document in the state,
/// and one named `product` in a create workflow's form the product orch asks for: both
/// are refused where they are written, before anything runs.
#[test]
fn field_names_orch_keeps_for_itself_are_refused() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        r#"name = "w"
target = "create"
products = ["NODE"]
[[form]]
fields = [ { name = "product", type = "text" }, { name = "subscription", type = "text" } ]
[[step]]
name = "Ask"
input.fields = [ { name = "subscription", type = "text" } ]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "workflows/w.toml:5:14: form[0].fields[0].name: `product` is the field orch adds"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "workflows/w.toml:5:51: form[0].fields[1].name: `subscription` is the state key"
        ),
        "{err}"
    );
    assert!(
        err.contains("workflows/w.toml:8:20: step[0].input.fields[0].name: `subscription`"),
        "{err}"
    );
    // In a task, `product` is an answer like any other.
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [ { name = \"product\", type = \"text\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
}

both!(
    a_subscription_answer_in_capitals_picks_the_subscription,
    an_answer_for_an_input_step_given_at_the_start_says_where_it_goes,
    skip_keeps_secrets_out_and_asks_for_them_first,
    resume_takes_the_secret_needed_again_with_the_answers,
    a_secret_copied_into_the_state_is_masked_there,
    a_display_field_shows_its_text_and_is_not_required,
    a_short_secret_is_masked_too,
    verbose_output_masks_secrets,
    missing_and_invalid_answers_are_all_reported_and_nothing_is_stored,
    input_steps_suspend_and_resume_with_secrets_kept_out_of_storage,
    input_files_and_the_json_schema,
    a_waiting_process_retried_by_a_task_gets_its_secret_from_the_environment,
);

/// Enrols `r9` as a core router in the example network.
const CREATE_R9: &[&str] = &[
    "workflow",
    "run",
    "create_node",
    "--input",
    "node_name=r9",
    "--input",
    "role=core",
];
