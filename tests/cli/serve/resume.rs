//! Resuming through the API (DESIGN §13, §15): the body's answers are split among the
//! input steps that wait as `--input-file` splits them.

use serde_json::json;

use super::{Server, post, token, wait_for_status};
use crate::Project;
use crate::both;

/// A key that is a branch step's path names a step, whatever its value: a path no
/// waiting step has is said to be one, not taken for a field whose step is unclear.
fn a_path_no_waiting_step_has_is_named_as_such() {
    let p = Project::new();
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
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = super::started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "suspended");
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
    // Nothing was taken; the right paths answer both.
    let view = wait_for_status(&s, &op, &id, "suspended");
    assert_eq!(
        view["pending_steps"].as_array().map(Vec::len),
        Some(2),
        "{view}"
    );
    let r = post(
        &s,
        &resume,
        &op,
        &json!({"Ends / A / Confirm": {"ok": true}, "Ends / B / Confirm.ok": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    wait_for_status(&s, &op, &id, "completed");
}

both!(a_path_no_waiting_step_has_is_named_as_such);
