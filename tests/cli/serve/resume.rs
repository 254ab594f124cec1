//! Resuming through the API (DESIGN §13, §15): the body's answers are split among the
//! input steps that wait as `--input-file` splits them, and every step's problems are
//! listed at once.

use serde_json::json;

use super::{Server, field_names, post, token, wait_for_status};
use crate::Project;
use crate::both;

/// A process suspended at two branches' input steps, `Ends / A / Confirm` and `Ends /
/// B / Confirm` (a bool `ok` each); its server, an operate token and its id.
fn two_waiting(p: &Project) -> (Server, String, String) {
    p.task(
        r#"
[[step]]
name = "Ends"
[[step.parallel]]
name = "A"
steps = [ { name = "Confirm", input.fields = [ { name = "ok", type = "bool" } ] } ]
[[step.parallel]]
name = "B"
steps = [ { name = "Confirm", input.fields = [ { name = "ok", type = "bool" } ] } ]
"#,
    );
    let op = token(p, "ops", "operate");
    let s = Server::start(p, &[]);
    let id = super::started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "suspended");
    (s, op, id)
}

/// Answers both steps rightly and waits for the process to complete: nothing refused
/// before was taken.
fn answer_both(s: &Server, op: &str, id: &str) {
    let view = wait_for_status(s, op, id, "suspended");
    assert_eq!(
        view["pending_steps"].as_array().map(Vec::len),
        Some(2),
        "{view}"
    );
    let r = post(
        s,
        &format!("/api/v1/processes/{id}/resume"),
        op,
        &json!({"Ends / A / Confirm": {"ok": true}, "Ends / B / Confirm.ok": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    wait_for_status(s, op, id, "completed");
}

/// A key that is a branch step's path names a step, whatever its value: a path no
/// waiting step has is said to be one, not taken for a field whose step is unclear.
fn a_path_no_waiting_step_has_is_named_as_such() {
    let p = Project::new();
    let (s, op, id) = two_waiting(&p);
    let resume = format!("/api/v1/processes/{id}/resume");
    for value in [json!(true), json!({"ok": true})] {
        let r = post(&s, &resume, &op, &json!({ "Ends / C / Confirm": value }));
        assert_eq!(r.status, 400, "{value}: {}", r.text);
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("`Ends / C / Confirm` is no step that awaits input (waiting: `Ends / A / Confirm`, `Ends / B / Confirm`)"),
            "{value}: {}",
            r.text
        );
    }
    answer_both(&s, &op, &id);
}

/// Answers wrong for two waiting steps: each step's problems are listed at once, named
/// by the step's path in the message as in `fields`, as `process resume` names them.
fn every_waiting_steps_problems_are_listed_with_its_path() {
    let p = Project::new();
    let (s, op, id) = two_waiting(&p);
    let r = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({"Ends / A / Confirm": {"ok": "maybe"}, "Ends / B / Confirm": {"ko": true}}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        field_names(&r.body),
        [
            "Ends / A / Confirm.ok",
            "Ends / B / Confirm.ko",
            "Ends / B / Confirm.ok"
        ],
        "{}",
        r.text
    );
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    for step in ["Ends / A / Confirm", "Ends / B / Confirm"] {
        assert!(
            message.contains(&format!(
                "step `{step}`: the form's input is missing or invalid"
            )),
            "{}",
            r.text
        );
    }
    answer_both(&s, &op, &id);
}

both!(
    a_path_no_waiting_step_has_is_named_as_such,
    every_waiting_steps_problems_are_listed_with_its_path,
);

/// A step whose fields all have defaults is answered with no body at all, and the
/// OpenAPI document says the body may be left out, as it is for a start.
#[test]
fn a_resume_without_a_body_takes_the_defaults_as_the_document_says() {
    let p = Project::example();
    p.task(
        "[[step]]\nname = \"Confirm\"\ninput.fields = [ { name = \"go\", type = \"bool\", default = true } ]\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = super::started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "suspended");
    let r = super::call(
        &s,
        "POST",
        &format!("/api/v1/processes/{id}/resume"),
        Some(&op),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let done = wait_for_status(&s, &op, &id, "completed");
    assert_eq!(done["state"]["go"], true, "{done}");
    let doc = super::call(&s, "GET", "/api/v1/openapi.json", None, None).body;
    for path in [
        "/api/v1/processes/{id}/resume",
        "/api/v1/workflows/{name}/processes",
    ] {
        let body = &doc["paths"][path]["post"]["requestBody"];
        assert_ne!(body["required"], true, "{path}: {body}");
    }
}
