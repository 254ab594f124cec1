//! Requests on one process at the same moment, as a double click or two operators
//! send them: each gets a documented answer (one retry queues it, the others are
//! refused 409), and the log keeps every row whichever went first.

use serde_json::{Value, json};

use super::{Server, get, post, token, wait_for_status, wait_until};
use crate::Project;
use crate::both;

/// Sends `actions` on the process all at once; their statuses and bodies, in order.
fn at_once(s: &Server, t: &str, id: &str, actions: &[&str]) -> Vec<(u16, Value)> {
    let barrier = std::sync::Barrier::new(actions.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = actions
            .iter()
            .map(|a| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let r = post(s, &format!("/api/v1/processes/{id}/{a}"), t, &json!({}));
                    (r.status, r.body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The names and statuses of a process's log rows.
fn rows(s: &Server, t: &str, id: &str) -> Vec<(String, String)> {
    let shown = get(s, &format!("/api/v1/processes/{id}"), t).body;
    shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn requests_on_one_process_at_once_each_get_a_documented_answer() {
    let p = Project::example();
    p.write(
        "workflows/failer.toml",
        "name = \"failer\"\ntarget = \"system\"\ndescription = \"fails until ./ok exists\"\n[[step]]\nname = \"Try\"\nrun = \"sh -c '[ -f ok ] || { echo no >&2; exit 1; }'\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let start = || {
        let r = post(&s, "/api/v1/workflows/failer/processes", &op, &json!({}));
        let id = r.body["id"].as_str().expect("an id").to_string();
        assert_eq!(p.run(&["worker", "--once"]).0, 0);
        wait_for_status(&s, &op, &id, "failed");
        id
    };
    // Three retries at once: one queues it, the others are told it is queued already.
    let id = start();
    let answers = at_once(&s, &op, &id, &["retry", "retry", "retry"]);
    let codes: Vec<u16> = answers.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 200).count(),
        1,
        "{answers:?}"
    );
    for (code, body) in answers.iter().filter(|(c, _)| *c != 200) {
        assert_eq!(*code, 409, "{body}");
        assert_eq!(body["error"]["kind"], "conflict", "{body}");
    }
    assert_eq!(
        rows(&s, &op, &id),
        [("Start", "success"), ("Try", "failed")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // An abort and a retry at once: whichever goes first, the process ends aborted
    // (a queued retry is aborted too) and its failed row is kept.
    let id = start();
    let answers = at_once(&s, &op, &id, &["abort", "retry"]);
    let (abort, retry) = (&answers[0], &answers[1]);
    assert_eq!(abort.0, 200, "{answers:?}");
    assert!(
        retry.0 == 200 || (retry.0 == 409 && retry.1["error"]["kind"] == "conflict"),
        "{answers:?}"
    );
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"],
        "aborted"
    );
    let kept = rows(&s, &op, &id);
    assert_eq!(
        kept[..2],
        [("Start", "success"), ("Try", "failed")].map(|(a, b)| (a.to_string(), b.to_string())),
        "{kept:?}"
    );
    assert_eq!(kept.last().unwrap().1, "abort", "{kept:?}");
    let stored = p.sql_column(&format!(
        "SELECT status FROM processes WHERE process_id = '{id}'"
    ));
    assert_eq!(stored, ["aborted"]);
}

/// Retries `id` through the API, which queues it (200, `created`), and lets a worker
/// run it.
fn retried_by_a_worker(p: &Project, s: &Server, op: &str, id: &str) {
    let r = post(s, &format!("/api/v1/processes/{id}/retry"), op, &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "created", "{}", r.body);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
}

/// A process whose orch was killed mid-step is stale: a retry through the API takes it
/// over for the worker (as `process retry --queue` does), where it was refused as
/// running with a hint to do what was just done; the step in flight runs again as its
/// next attempt.
fn a_retry_takes_over_a_process_whose_orch_died() {
    let p = Project::new();
    let (id, _) = crate::reliability::killed_mid_step(&p);
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    retried_by_a_worker(&p, &s, &op, &id);
    let v = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(
        crate::attempts_of(&v, "B"),
        [("waiting", 1), ("success", 2)],
        "{v}"
    );
    let ran: Vec<String> = crate::crash::effects(&p)
        .into_iter()
        .map(|(_, step, _)| step)
        .collect();
    assert_eq!(ran, ["A", "B", "B", "C"]);
}

/// A callback whose deadline passed before any worker swept it: a retry through the
/// API fails the step (`callback timed out after 1s`) and queues it to run again with a
/// new token, as `process retry` does; it was refused 409 with the hint to answer the
/// callback, whose answer was refused as timed out.
fn a_retry_runs_a_timed_out_callback_again_with_a_new_token() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.tmp && mv token.tmp token.txt",
    );
    p.task(
        "[[step]]\nname = \"Wait\"\nrun = \"workflows/scripts/submit.sh\"\ncallback = { timeout = \"1s\", result = \"job\" }\n",
    );
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap().to_string();
    let token_now = || std::fs::read_to_string(p.path().join("token.txt")).unwrap();
    let first = token_now();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    // Past its deadline, before any worker or scheduler failed the step.
    wait_until("the callback's deadline to pass", || {
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["callback"]["timed_out"] == true
    });
    let late = post(&s, &format!("/api/v1/callbacks/{first}"), &op, &json!({}));
    assert_eq!(late.status, 404, "{}", late.body);
    let retry_route = format!("POST /api/v1/processes/{id}/retry");
    assert!(late.text.contains(&retry_route), "{}", late.body);
    retried_by_a_worker(&p, &s, &op, &id);
    let v = wait_for_status(&s, &op, &id, "awaiting_callback");
    let second = token_now();
    assert_ne!(first, second);
    let rows: Vec<_> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "Wait")
        .map(|r| {
            (
                r["status"].clone(),
                r["attempt"].clone(),
                r["error"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (json!("awaiting_callback"), json!(1), json!(null)),
            (
                json!("failed"),
                json!(1),
                json!("callback timed out after 1s")
            ),
            (json!("awaiting_callback"), json!(2), json!(null)),
        ],
        "{v}"
    );
    let answered = post(
        &s,
        &format!("/api/v1/callbacks/{second}"),
        &op,
        &json!({"ok": 1}),
    );
    assert_eq!(answered.status, 202, "{}", answered.body);
}

both!(
    requests_on_one_process_at_once_each_get_a_documented_answer,
    a_retry_takes_over_a_process_whose_orch_died,
    a_retry_runs_a_timed_out_callback_again_with_a_new_token,
);

/// A retry through the API that loses the process to another orch between reading it
/// and queueing it is refused naming that orch, as when the other came first; it said
/// only "changed while it was being queued". The moment is made on PostgreSQL: a
/// transaction of the test's own locks the row, and once the retry waits for it, gives
/// the process to an orch on another host.
#[test]
fn a_retry_that_loses_the_process_to_another_orch_names_it() {
    let Some(p) = Project::on(crate::Store::Postgres) else {
        return;
    };
    p.task("[[step]]\nname = \"Try\"\nrun = \"cat >/dev/null; exit 1\"\n");
    let v = p.json_exiting(&["workflow", "run", "t"], 3);
    let id = v["id"].as_str().unwrap().to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let held = crate::postgres::hold_process_for_another_orch(&p, &id);
    std::thread::scope(|scope| {
        let retry = scope.spawn(|| {
            post(
                &s,
                &format!("/api/v1/processes/{id}/retry"),
                &op,
                &json!({}),
            )
        });
        crate::postgres::wait_for_a_blocked_orch(&p);
        held.commit();
        let r = retry.join().unwrap();
        assert_eq!(r.status, 409, "{}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!(
                "process {id} is running (by orch pid 4242 on db-host-2), so it cannot be retried"
            ),
            "{}",
            r.body
        );
        let hints = r.body["error"]["hints"].to_string();
        assert!(
            hints.contains(&format!("GET /api/v1/processes/{id}")),
            "{hints}"
        );
        assert!(!hints.contains("orch process"), "{hints}");
    });
}
