//! The workers a server tells of: its dashboard's header and `/health` count every
//! worker that runs on the database, as `orch worker list` tells them (another orch's
//! as well as the server's own), so a server under `--no-worker` beside a separate
//! `orch worker` does not say that what is started here waits for nobody.

use std::process::Child;

use serde_json::json;

use super::api::{conforms, ok_schema};
use super::security::raw_post;
use super::{Server, csrf, dashboard, get, post, token, wait_for_status, wait_until};
use crate::Project;
use crate::both;
use crate::workers::{signal, spawn_worker};

/// The number of workers health counts.
fn counted(s: &Server, t: &str) -> serde_json::Value {
    get(s, "/api/v1/health", t).body["workers"].clone()
}

/// What the header's worker badge says, as text.
fn badge(s: &Server, t: &str) -> String {
    let page = dashboard(s, "/processes", t);
    let start = page
        .find("<span id=\"workers\"")
        .expect("the workers badge");
    let end = start + page[start..].find("<span class=\"who\"").expect("the user");
    page[start..end].to_string()
}

/// Waits until health and the header both count `n` workers, and returns the badge.
fn wait_for_workers(s: &Server, t: &str, n: u64) -> String {
    let shown = if n == 0 {
        "no worker running".to_string()
    } else {
        format!(">{n} worker{}<", if n == 1 { "" } else { "s" })
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let last = (counted(s, t), badge(s, t));
        if last.0 == n && last.1.contains(&shown) {
            return last.1;
        }
        assert!(
            std::time::Instant::now() < until,
            "waiting for {n} workers, health says {} and the header {}",
            last.0,
            last.1
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn stop(worker: Child, sig: i32) {
    signal(&worker, sig);
    let _ = worker.wait_with_output();
}

fn the_header_and_health_count_every_worker_on_the_database() {
    let p = Project::example();
    let op = token(&p, "noc", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let none = wait_for_workers(&s, &op, 0);
    assert!(!none.contains("class=\"chip\""), "{none}");
    // A queued process's page says nothing will run it yet.
    let queued = post(&s, "/api/v1/workflows/hello/processes", &op, &json!({}));
    let queued = format!("/processes/{}", queued.body["id"].as_str().unwrap());
    let page = dashboard(&s, &queued, &op);
    assert!(
        page.contains("queued for a worker, and none runs on this database now (<code>orch worker</code> starts one)"),
        "{page}"
    );
    // A separate worker on the same database: the server runs none, but one runs.
    let worker = spawn_worker(&p, &["--lease", "2s"]);
    let one = wait_for_workers(&s, &op, 1);
    assert!(!one.contains("no worker"), "{one}");
    wait_for_status(&s, &op, &queued["/processes/".len()..], "completed");
    let health = get(&s, "/api/v1/health", &op).body;
    assert_eq!(health["worker"], "none", "the server's own: {health}");
    // It stops: none at once (it said so).
    stop(worker, libc::SIGTERM);
    wait_for_workers(&s, &op, 0);
    // Killed on this host: none at once too (its pid is gone).
    let worker = spawn_worker(&p, &["--lease", "2s"]);
    wait_for_workers(&s, &op, 1);
    stop(worker, libc::SIGKILL);
    wait_for_workers(&s, &op, 0);
    // One on another host, which no pid tells of: counted until its lease runs out,
    // by the database's clock, as `orch worker list` judges it.
    let soon = match p.pg_url() {
        Some(_) => "utc_text(now() + interval '6 seconds')".to_string(),
        None => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+6 seconds')".to_string(),
    };
    p.sql(&format!(
        "INSERT INTO workers (worker_id, host, pid, concurrency, started_at, heartbeat_at, lease_until)
         VALUES ('elsewhere.example/7/7', 'elsewhere.example', 7, 4, {soon}, {soon}, {soon})"
    ));
    let elsewhere = |p: &Project| {
        let list = p.ok_json(&["worker", "list"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|w| w["worker_id"] == "elsewhere.example/7/7")
            .map(|w| w["state"].clone())
    };
    assert_eq!(elsewhere(&p), Some("running".into()));
    wait_for_workers(&s, &op, 1);
    // Asked to stop, it takes no more work: not counted, though its lease runs on.
    p.sql(&format!(
        "UPDATE workers SET stopping_at = started_at, grace_until = {soon} WHERE worker_id = 'elsewhere.example/7/7'"
    ));
    wait_for_workers(&s, &op, 0);
    assert_eq!(elsewhere(&p), Some("stopping".into()));
    wait_until("its lease to run out", || {
        elsewhere(&p) == Some("dead".into())
    });
}

/// A server with its own worker counts it, and a separate worker besides.
fn a_servers_own_worker_is_counted_with_the_others() {
    let p = Project::example();
    let op = token(&p, "noc", "operate");
    let s = Server::start(&p, &[]);
    wait_for_workers(&s, &op, 1);
    let worker = spawn_worker(&p, &[]);
    let two = wait_for_workers(&s, &op, 2);
    assert!(two.contains("own included"), "{two}");
    stop(worker, libc::SIGTERM);
    wait_for_workers(&s, &op, 1);
}

/// A second Ctrl-C or SIGTERM ends the grace of a server's worker as it does an `orch
/// worker`'s: the step still running is stopped at once (it never reaches its end),
/// and the process rests due for the next worker.
fn a_second_signal_stops_the_servers_steps_without_waiting_for_the_grace() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Hold\"\nrun = \"touch started; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; touch finished\"\n",
    );
    let id = p.queue("t");
    let mut s = Server::start(&p, &["--grace", "10m"]);
    wait_until("the step to start", || p.path().join("started").exists());
    s.signal(libc::SIGINT);
    // Two signals sent at once may arrive as one: the second goes once the first is seen.
    let log = s.log.clone();
    let said = || log.lock().unwrap().clone();
    wait_until("the worker to stop claiming", || {
        said().contains("worker stopping")
    });
    let status = s.stop();
    let err = said();
    assert!(status.success(), "{status:?} {err}");
    assert!(err.contains("asked again to stop"), "{err}");
    assert!(
        !p.path().join("finished").exists(),
        "the step ran to its end: {err}"
    );
    let shown = p.ok_json(&["process", "show", &id]);
    assert_eq!(shown["status"], "waiting", "{shown}");
}

/// The Workers page and `GET /api/v1/workers` show who runs what, as `orch worker
/// list` does: a worker draining after SIGTERM shows `stopping`, with when its grace
/// ends; the page also says how the engine stands and lists the locks with their
/// holders and waiters, linked.
fn the_workers_page_and_api_show_who_runs_what_and_the_locks() {
    let p = Project::new();
    p.write(
        "workflows/hold.toml",
        "name = \"hold\"\ntarget = \"system\"\nlocks = [\"pool:core\"]\n[[step]]\nname = \"Work\"\nrun = \"touch started; while [ ! -e go ]; do sleep 0.05; done\"\n",
    );
    let holder = p.queue("hold");
    let waiter = p.queue("hold");
    let read = token(&p, "viewer", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, "/workers", &read);
    assert!(page.contains("No worker ran on this database"), "{page}");
    assert!(page.contains("No lock is held"), "{page}");

    let worker = spawn_worker(&p, &["--grace", "10m"]);
    wait_until("the step to start", || p.path().join("started").exists());
    wait_until("the second to queue for the lock", || {
        p.ok_json(&["process", "show", &waiter])["status"] == "waiting"
    });
    let listed = get(&s, "/api/v1/workers", &read);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body[0]["state"], "running", "{}", listed.text);
    assert_eq!(
        listed.body[0]["processes"],
        json!([holder]),
        "{}",
        listed.text
    );
    let doc = get(&s, "/api/v1/openapi.json", &read).body;
    conforms(
        &doc,
        ok_schema(&doc, "get", "/api/v1/workers"),
        &listed.body,
        "the workers",
    );

    signal(&worker, libc::SIGTERM);
    wait_until("the worker to say it stops", || {
        get(&s, "/api/v1/workers", &read).body[0]["state"] == "stopping"
    });
    // The same worker in both, but for when it last beat (its heartbeat goes on while
    // it drains, and may land between the two reads).
    let beatless = |mut v: serde_json::Value| {
        for w in v.as_array_mut().into_iter().flatten() {
            for beat in ["heartbeat_at", "lease_until"] {
                w.as_object_mut().map(|o| o.remove(beat));
            }
        }
        v
    };
    let listed = get(&s, "/api/v1/workers", &read).body;
    assert_eq!(beatless(listed), beatless(p.json(&["worker", "list"])));
    let page = dashboard(&s, "/workers", &read);
    assert!(page.contains("engine running"), "{page}");
    assert!(page.contains("> stopping</span>"), "{page}");
    assert!(page.contains("its grace ends"), "{page}");
    assert!(page.contains("<code>pool:core</code>"), "{page}");
    let (held, waiting) = page
        .split_once("<code>pool:core</code>")
        .map(|(_, row)| row.split_once("the whole run").unwrap_or((row, "")))
        .unwrap_or_default();
    assert!(
        held.contains(&format!("href=\"/processes/{holder}\"")),
        "{page}"
    );
    assert!(
        waiting.contains(&format!("href=\"/processes/{waiter}\"")),
        "{page}"
    );

    std::fs::write(p.path().join("go"), "").unwrap();
    let _ = worker.wait_with_output();
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let page = dashboard(&s, "/workers", &read);
    assert!(page.contains("> stopped</span>"), "{page}");
    assert!(page.contains("engine paused</span>"), "{page}");
    assert!(page.contains("lets work go on"), "{page}");
}

/// The engine switch from the API and the Workers page, as `orch engine` works it: an
/// operator pauses (named as who did), a read token may only look, and Resume on the
/// page lets work go on.
fn the_engine_is_paused_and_resumed_from_the_api_and_the_workers_page() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let op = token(&p, "ops", "operate");
    let read = token(&p, "noc", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let doc = get(&s, "/api/v1/openapi.json", &read).body;
    let shown = get(&s, "/api/v1/engine", &read);
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body, p.json(&["engine", "status"]));
    assert_eq!(shown.body["status"], "running", "{}", shown.text);
    conforms(
        &doc,
        ok_schema(&doc, "get", "/api/v1/engine"),
        &shown.body,
        "the engine",
    );

    let refused = post(&s, "/api/v1/engine/pause", &read, &json!({}));
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(p.json(&["engine", "status"])["status"], "running");
    let paused = post(&s, "/api/v1/engine/pause", &op, &json!({}));
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(paused.body["status"], "paused", "{}", paused.text);
    assert_eq!(paused.body["paused_by"], "ops", "{}", paused.text);
    conforms(
        &doc,
        ok_schema(&doc, "post", "/api/v1/engine/pause"),
        &paused.body,
        "the paused engine",
    );
    assert_eq!(paused.body, p.json(&["engine", "status"]));
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 7, "{err}");
    // Pausing again keeps who paused it, and since when.
    let again = post(&s, "/api/v1/engine/pause", &op, &json!({}));
    assert_eq!(again.body, paused.body, "{}", again.text);

    // The page offers Resume to an operator, not to a reader.
    let page = dashboard(&s, "/workers", &read);
    assert!(page.contains("engine paused</span>"), "{page}");
    assert!(page.contains("by ops"), "{page}");
    assert!(!page.contains("action=\"/engine/resume\""), "{page}");
    let page = dashboard(&s, "/workers", &op);
    assert!(page.contains("action=\"/engine/resume\""), "{page}");
    let token = format!("_csrf={}", csrf(&page));
    assert_eq!(raw_post(&s, "/engine/resume", &read, &[], &token), 403);
    assert_eq!(raw_post(&s, "/engine/resume", &op, &[], "_csrf=AAAA"), 403);
    assert_eq!(raw_post(&s, "/engine/resume", &op, &[], &token), 303);
    assert_eq!(p.json(&["engine", "status"])["status"], "running");
    let page = dashboard(&s, "/workers", &op);
    assert!(page.contains("action=\"/engine/pause\""), "{page}");
    assert_eq!(raw_post(&s, "/engine/pause", &op, &[], &token), 303);
    assert_eq!(p.json(&["engine", "status"])["paused_by"], "ops");
    let resumed = post(&s, "/api/v1/engine/resume", &op, &json!({}));
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    assert_eq!(resumed.body["status"], "running", "{}", resumed.text);
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
}

/// `serve --lease` is its worker's lease, as `worker --lease` is a worker's: what it
/// holds runs out that long after its last heartbeat, for another worker to take over
/// (it always held 15 s); too short a lease is refused as the worker refuses it.
fn serve_takes_the_lease_of_its_worker() {
    let p = Project::example();
    let op = token(&p, "noc", "operate");
    let s = Server::start(&p, &["--lease", "3s"]);
    let mut row = serde_json::Value::Null;
    wait_until("the server's worker is listed", || {
        row = get(&s, "/api/v1/workers", &op).body[0].clone();
        row["state"] == "running"
    });
    let at = |k: &str| -> jiff::Timestamp { row[k].as_str().unwrap().parse().unwrap() };
    let lease = at("lease_until").since(at("heartbeat_at")).unwrap();
    assert_eq!(lease.get_seconds(), 3, "{row}");
    let (code, _, err) = p.run(&["serve", "--listen", "127.0.0.1:0", "--lease", "1s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--lease must be at least 2s, not 1s"), "{err}");
}

both!(
    serve_takes_the_lease_of_its_worker,
    a_second_signal_stops_the_servers_steps_without_waiting_for_the_grace,
    the_header_and_health_count_every_worker_on_the_database,
    a_servers_own_worker_is_counted_with_the_others,
    the_workers_page_and_api_show_who_runs_what_and_the_locks,
    the_engine_is_paused_and_resumed_from_the_api_and_the_workers_page,
);
