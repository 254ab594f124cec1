//! What the API refuses in a request, and how it says so (DESIGN §15): a query
//! parameter a route does not take (the callbacks' too), a bad one named in `fields`,
//! a path that is no text, a change sent with the dashboard's login cookie alone.

use serde_json::json;

use super::{Server, call, field_names, get, post, token, wait_for_status};
use crate::Project;
use crate::both;

/// The longest start two ids share (UUIDv7s made moments apart share their time).
fn shared_start(a: &str, b: &str) -> String {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

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

/// An id prefix in a filter that is the start of several ids is a bad query, and like
/// every bad query it names the parameter at fault in `fields`.
fn an_ambiguous_id_in_a_filter_names_the_parameter() {
    let p = Project::example();
    let a = p.enrol("rtr1", "core");
    let b = p.enrol("rtr2", "edge");
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let id = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap().to_string();
    let process = shared_start(&id(&a, "id"), &id(&b, "id"));
    let subscription = shared_start(&id(&a, "subscription_id"), &id(&b, "subscription_id"));
    assert!(!process.is_empty() && !subscription.is_empty());

    for (path, field) in [
        (format!("/api/v1/events?process={process}"), "process"),
        (
            format!("/api/v1/events?subscription={subscription}"),
            "subscription",
        ),
        (
            format!("/api/v1/processes?subscription={subscription}"),
            "subscription",
        ),
        (format!("/api/v1/processes?parent={process}"), "parent"),
    ] {
        let r = get(&s, &path, &op);
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_eq!(r.body["error"]["kind"], "invalid", "{}", r.text);
        assert_eq!(field_names(&r.body), [field], "{path}: {}", r.text);
    }
    // On a start, as the start's other query problems are: 422, named.
    let path = format!("/api/v1/workflows/modify_node/processes?subscription={subscription}");
    let r = post(&s, &path, &op, &json!({"role": "edge"}));
    assert_eq!(r.status, 422, "{path}: {}", r.text);
    assert_eq!(field_names(&r.body), ["subscription"], "{path}: {}", r.text);
    assert_eq!(
        r.body["error"]["hints"][0], "give more of the id",
        "{}",
        r.text
    );
    // One that names nothing is still not found.
    let r = get(&s, "/api/v1/events?process=ffffffff", &op);
    assert_eq!(r.status, 404, "{}", r.text);
}

/// A customer that is empty or has spaces around it is one more problem of a start,
/// listed with the form's own: fixing the form does not meet a second refusal.
fn a_bad_customer_is_listed_with_the_forms_problems() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    for customer in ["", "%20acme"] {
        let path = format!("/api/v1/workflows/create_node/processes?customer={customer}");
        let r = post(&s, &path, &op, &json!({"node_name": "nosuch"}));
        assert_eq!(r.status, 422, "{path}: {}", r.text);
        assert_eq!(
            field_names(&r.body),
            ["customer", "node_name"],
            "{path}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["fields"][0]["type"], "query", "{}", r.text);
        assert!(r.text.contains("the customer"), "{}", r.text);
    }
    let r = post(
        &s,
        "/api/v1/workflows/create_node/processes?customer=%20acme",
        &op,
        &json!({"node_name": "rtr1"}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(field_names(&r.body), ["customer"], "{}", r.text);
    assert_eq!(
        r.body["error"]["hints"][0], "give the customer's id without them: `acme`",
        "{}",
        r.text
    );
    let listed = get(&s, "/api/v1/processes", &op).body;
    assert_eq!(listed, json!([]), "nothing was started: {listed}");
}

/// A NUL in a path segment is bad input on either store, never a database error
/// (PostgreSQL refuses a NUL in text): 400 naming the segment, on the API and the
/// dashboard's addresses alike.
fn a_nul_in_a_path_is_bad_input() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    for path in [
        "/api/v1/processes/%00",
        "/api/v1/processes/01a2%00/retry",
        "/api/v1/subscriptions/%00",
        "/api/v1/subscriptions/x%00y/workflows",
        "/api/v1/products/Node%00",
        "/processes/%00",
    ] {
        let method = if path.ends_with("retry") {
            "POST"
        } else {
            "GET"
        };
        let r = call(&s, method, path, Some(&op), None);
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_eq!(r.body["error"]["kind"], "invalid", "{path}: {}", r.text);
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("path segment `")
                && message.ends_with("` holds a NUL character (%00)"),
            "{path}: {}",
            r.text
        );
    }
}

/// A change through the API sent with the dashboard's login cookie alone is refused
/// (401), saying the cookie is taken only for reading, not that there is no token;
/// a read with the cookie is answered.
fn a_change_with_the_login_cookie_alone_is_told_why_it_is_refused() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let cookie = format!("orch_token={op}");
    let read = agent
        .get(&s.url("/api/v1/processes"))
        .set("Cookie", &cookie)
        .call();
    assert_eq!(read.map(|r| r.status()).ok(), Some(200));
    let change = agent
        .post(&s.url("/api/v1/workflows/t/processes"))
        .set("Cookie", &cookie)
        .set("Content-Type", "application/json")
        .send_string("{}");
    let r = match change {
        Ok(r) | Err(ureq::Error::Status(_, r)) => super::reply(r),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(r.status, 401, "{}", r.text);
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the dashboard's login cookie is taken only for reading"),
        "{}",
        r.text
    );
    let listed = get(&s, "/api/v1/processes", &op).body;
    assert_eq!(listed, json!([]), "nothing was started: {listed}");
}

both!(
    an_action_on_a_running_process_names_its_orch_in_the_apis_words,
    a_callback_refuses_a_query_parameter_it_does_not_take,
    an_ambiguous_id_in_a_filter_names_the_parameter,
    a_bad_customer_is_listed_with_the_forms_problems,
    a_nul_in_a_path_is_bad_input,
    a_change_with_the_login_cookie_alone_is_told_why_it_is_refused,
);

/// An action on a process a live orch runs is refused 409 naming that orch, as the
/// command line says it (a resume was told the process was "not waiting for input"),
/// with a hint in the API's words, not `orch process show`.
fn an_action_on_a_running_process_names_its_orch_in_the_apis_words() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Hold\"\nrun = \"cat >/dev/null; touch started; while [ ! -f go ]; do sleep 0.05; done\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let mut run = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    super::wait_until("the step runs", || p.path().join("started").exists());
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let at = format!("/api/v1/processes/{id}");
    let (_, _, cli) = p.run(&["process", "resume", &id]);
    for (action, done) in [
        ("retry", "retried"),
        ("resume", "resumed now"),
        ("skip", "skipped"),
    ] {
        let r = post(&s, &format!("{at}/{action}"), &op, &json!({}));
        assert_eq!(r.status, 409, "{action}: {}", r.text);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("is running (by orch pid")
                && message.ends_with(&format!("so it cannot be {done}")),
            "{action}: {message}"
        );
        assert_eq!(
            r.body["error"]["hints"],
            json!([format!(
                "wait for it to come to rest; GET {at} shows where it is"
            )]),
            "{action}"
        );
    }
    let resume = post(&s, &format!("{at}/resume"), &op, &json!({}));
    let message = resume.body["error"]["message"].as_str().unwrap();
    assert!(cli.contains(message), "the command line said: {cli}");
    p.write("go", "");
    assert!(run.wait().unwrap().success());
}

/// An action the process's status refuses answers 409 with a hint in the API's words,
/// the route that does what can be done now, not the command line's command.
#[test]
fn a_refused_action_hints_at_the_route_that_can_act() {
    let p = Project::example();
    p.task("[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n");
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = super::started(&s, &op, "t");
    super::wait_for_status(&s, &op, &id, "suspended");
    let at = format!("/api/v1/processes/{id}");
    for action in ["retry", "skip"] {
        let r = post(&s, &format!("{at}/{action}"), &op, &json!({}));
        assert_eq!(r.status, 409, "{action}: {}", r.text);
        assert_eq!(
            r.body["error"]["hints"],
            json!([format!(
                "POST {at}/resume with the answers (GET {at}: `pending` says what it asks)"
            )]),
            "{action}"
        );
    }
    let r = post(&s, &format!("{at}/resume"), &op, &json!({"ok": true}));
    assert_eq!(r.status, 200, "{}", r.text);
    super::wait_for_status(&s, &op, &id, "completed");
    for action in ["retry", "resume", "skip", "abort"] {
        let r = post(&s, &format!("{at}/{action}"), &op, &json!({}));
        assert_eq!(r.status, 409, "{action}: {}", r.text);
        let hints = r.body["error"]["hints"].to_string();
        assert!(!hints.contains("orch process"), "{action}: {hints}");
        if action != "resume" {
            assert!(
                hints.contains(&format!("GET {at} shows how it ended")),
                "{action}: {hints}"
            );
        }
    }
}
