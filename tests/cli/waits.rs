//! Seeing what waits for you: the pending input of a suspended process, the hint of a
//! conflict by what holds the subscription, the end of a failed step's stderr, and the
//! subscription a create workflow made. (`--form` at a terminal: `interactive.rs`.)

use std::time::{Duration, Instant};

use super::both;
use super::{CREATE_RTR1, Project};

fn a_suspended_process_shows_its_message_and_fields_and_the_hint_names_them() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Plan"
run = "echo '{\"router\": \"rtr1\"}'"

[[step]]
name = "Apply by hand"
input.message = "Apply the config on {{ state.router }}, then confirm."
input.fields = [
  { name = "applied", type = "bool", label = "Applied on the router" },
  { name = "note", type = "text", required = false },
]
"#,
    );
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!("orch process resume {id} --input applied=true`")),
        "the exit-4 hint names the fields: {err}"
    );

    let (code, out, err) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("waiting for input at step Apply by hand"),
        "{out}"
    );
    assert!(
        out.contains("Apply the config on rtr1, then confirm."),
        "{out}"
    );
    assert!(
        out.contains("applied  bool, required: Applied on the router"),
        "{out}"
    );
    assert!(out.contains("note     text"), "{out}");
    assert!(err.contains("--input applied=true"), "{err}");
    // A retry or a skip of it is refused with the same command, not `--form` alone,
    // which a script cannot answer.
    for action in ["retry", "skip"] {
        let (code, _, err) = p.run(&["process", action, &id]);
        assert_eq!(code, 7, "{err}");
        assert!(
            err.contains(&format!(
                "hint: `orch process resume {id} --input applied=true` (or --form at a terminal)"
            )),
            "{action}: {err}"
        );
    }

    let v = p.ok_json(&["process", "show", &id]);
    let pending = &v["pending"];
    assert_eq!(pending["step"], "Apply by hand");
    assert_eq!(
        pending["message"],
        "Apply the config on rtr1, then confirm."
    );
    assert_eq!(pending["fields"][0]["name"], "applied");
    assert_eq!(pending["fields"][0]["type"], "bool");
    assert_eq!(pending["fields"][1]["required"], false);

    let v = p.ok_json(&["process", "resume", &id, "--input", "applied=true"]);
    assert_eq!(v["status"], "completed");
    assert!(v.get("pending").is_none(), "{v}");
    assert!(
        p.ok_json(&["process", "show", &id])
            .get("pending")
            .is_none()
    );
}

/// A modify workflow for nodes with one step.
fn holder(p: &Project, step: &str) {
    p.write(
        "workflows/hold_node.toml",
        &format!("name = \"hold_node\"\ntarget = \"modify\"\nproducts = [\"NODE\"]\n{step}"),
    );
}

/// Runs validate_node on `node`, expecting the conflict, and returns stderr.
fn refused(p: &Project, node: &str) -> String {
    let (code, _, err) = p.run(&["workflow", "run", "validate_node", "--subscription", node]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("locked by process"), "{err}");
    err
}

fn hints(err: &str) -> String {
    err.lines()
        .filter(|l| l.starts_with("hint:"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn the_conflict_hint_offers_what_the_holder_accepts() {
    let p = Project::example();
    let v = p.ok_json(CREATE_RTR1);
    let node = v["subscription_id"].as_str().unwrap().to_string();

    holder(&p, "[[step]]\nname = \"Fail\"\nrun = \"exit 1\"\n");
    let failed = p.failed_json(&["workflow", "run", "hold_node", "--subscription", &node]);
    let id = failed["id"].as_str().unwrap();
    let h = hints(&refused(&p, &node));
    assert!(h.contains(&format!("orch process retry {id}")), "{h}");
    assert!(h.contains(&format!("orch process abort {id}")), "{h}");
    assert!(!h.contains("resume"), "{h}");
    p.run(&["process", "abort", id]);
    p.ok_json(&["workflow", "run", "validate_node", "--subscription", &node]);

    holder(
        &p,
        "[[step]]\nname = \"Ask\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n",
    );
    let suspended = p.json_exiting(
        &["workflow", "run", "hold_node", "--subscription", &node],
        4,
    );
    let id = suspended["id"].as_str().unwrap();
    let h = hints(&refused(&p, &node));
    assert!(h.contains(&format!("orch process resume {id}")), "{h}");
    assert!(h.contains(&format!("orch process abort {id}")), "{h}");
    assert!(!h.contains("retry"), "{h}");
    p.ok_json(&["process", "resume", id, "--input", "ok=true"]);

    holder(&p, "[[step]]\nname = \"Slow\"\nrun = \"sleep 60\"\n");
    let mut running = p
        .command()
        .args(["workflow", "run", "hold_node", "--subscription", &node])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let list = p.ok_json(&["process", "list", "--status", "running"]);
        if let Some(id) = list[0]["id"].as_str() {
            break id.to_string();
        }
        assert!(Instant::now() < until, "the run did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    let h = hints(&refused(&p, &node));
    // SAFETY: signals the child this test started.
    unsafe { libc::kill(running.id() as i32, libc::SIGTERM) };
    let _ = running.wait();
    assert!(h.contains("wait"), "{h}");
    assert!(h.contains(&format!("orch process show {id}")), "{h}");
    for refused_verb in ["retry", "resume", "abort"] {
        assert!(!h.contains(refused_verb), "{h}");
    }
}

fn a_failed_step_line_ends_with_the_end_of_its_stderr() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Ping\"\nrun = \"for i in 1 2 3 4 5 6 7; do echo line $i >&2; done; echo 'netbox API: 503' >&2; exit 1\"\n",
    );
    let check = |err: &str| {
        let at = err.find("✗ Ping").unwrap_or_else(|| panic!("{err}"));
        let after: Vec<&str> = err[at..].lines().skip(1).take(5).collect();
        assert_eq!(
            after,
            [
                "    | line 4",
                "    | line 5",
                "    | line 6",
                "    | line 7",
                "    | netbox API: 503"
            ],
            "{err}"
        );
        assert!(!err.contains("line 3"), "{err}");
    };
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    check(&err);
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = p.run(&["process", "retry", &id]);
    assert_eq!(code, 3, "{err}");
    check(&err);
    // With -v the output was streamed as it came: it is not repeated.
    let (_, _, err) = p.run(&["-v", "process", "retry", &id]);
    assert_eq!(err.matches("| netbox API: 503").count(), 1, "{err}");
}

/// A message that fails to render (here: text plus a number) is said as such in
/// `-o json` too, not given as `null`, which reads as a step without a message.
fn a_pending_message_that_does_not_render_says_why_in_json() {
    let p = Project::new();
    p.task(
        r#"
[[step]]
name = "Plan"
run = "echo '{\"router\": \"rtr1\"}'"

[[step]]
name = "Confirm"
input.message = "Apply on {{ state.router + 1 }}"
input.fields = [ { name = "ok", type = "accept" } ]
"#,
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let message = v["pending"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("does not render") && message.contains("+ operator"),
        "{v}"
    );
    let (code, out, err) = p.run(&["process", "show", v["id"].as_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(message), "the table says the same: {out}");
}

fn a_create_run_names_the_new_subscription() {
    let p = Project::example();
    let (code, out, err) = p.run(CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let list = p.ok_json(&["subscription", "list"]);
    let id = list[0]["subscription_id"].as_str().unwrap();
    assert!(
        err.contains(&format!("subscription {id} created: Node rtr1")),
        "{err}"
    );
    // -o json is the process, as before, with the subscription in it.
    let mut args = CREATE_RTR1.to_vec();
    args[4] = "node_name=rtr2";
    let v = p.ok_json(&args);
    assert_eq!(v["status"], "completed");
    assert!(v["subscription_id"].is_string(), "{v}");
    assert!(v.get("steps").is_some(), "{v}");
    // A resume names the subscription without announcing it as created again.
    let mut args = CREATE_RTR1.to_vec();
    args[4] = "node_name=rtr3";
    args.extend(["--input", "review_config=true", "-o", "json"]);
    let asked = p.json_exiting(&args, 4);
    let (pid, sid) = (
        asked["id"].as_str().unwrap().to_string(),
        asked["subscription_id"].as_str().unwrap().to_string(),
    );
    let (code, _, err) = p.run(&["process", "resume", &pid, "--input", "applied=true"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("subscription {sid}: Node rtr3")),
        "{err}"
    );
    assert!(!err.contains("created"), "{err}");
}

both!(
    a_suspended_process_shows_its_message_and_fields_and_the_hint_names_them,
    the_conflict_hint_offers_what_the_holder_accepts,
    a_failed_step_line_ends_with_the_end_of_its_stderr,
    a_create_run_names_the_new_subscription,
    a_pending_message_that_does_not_render_says_why_in_json,
);
