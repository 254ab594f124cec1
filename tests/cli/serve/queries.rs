//! The query strings of the API (DESIGN §15): every route takes only the parameters it
//! documents, the callbacks too.

use serde_json::json;

use super::{Server, call, field_names, get, token, wait_for_status};
use crate::Project;
use crate::both;

/// A callback answer with a query parameter the route does not take is refused, and
/// the token stays good: a guessed `?dry_run=true` must not answer the step for real.
fn a_callback_refuses_a_query_parameter_it_does_not_take() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.tmp && mv token.tmp token.txt\necho '{}'",
    );
    p.task(
        "[[step]]\nname = \"Wait\"\nrun = \"workflows/scripts/submit.sh\"\ncallback = { timeout = \"1h\", result = \"job\" }\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = super::started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "awaiting_callback");
    let secret = std::fs::read_to_string(p.path().join("token.txt")).unwrap();

    for path in [
        format!("/api/v1/callbacks/{secret}/progress?dry_run=true"),
        format!("/api/v1/callbacks/{secret}?dry_run=true"),
    ] {
        let r = call(&s, "POST", &path, None, Some(&json!({"status": "done"})));
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_eq!(field_names(&r.body), ["dry_run"], "{}", r.text);
        assert!(r.text.contains("unknown parameter"), "{}", r.text);
    }
    // Nothing was taken: no progress recorded, the process still waits.
    let progress = p.json(&["events", "--process", &id, "--kind", "step.progress"]);
    assert_eq!(progress.as_array().map(Vec::len), Some(0), "{progress}");
    let view = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(view["status"], "awaiting_callback", "{view}");
    assert_eq!(view["callback"]["answered"], false, "{view}");

    let answer = format!("/api/v1/callbacks/{secret}");
    let taken = call(&s, "POST", &answer, None, Some(&json!({"status": "done"})));
    assert_eq!(taken.status, 202, "{}", taken.text);
    wait_for_status(&s, &op, &id, "completed");
}

both!(a_callback_refuses_a_query_parameter_it_does_not_take,);
