//! What only PostgreSQL has to prove, through the real binary: a follower that never
//! skips an event committed late with a smaller seq, how fast `--follow` wakes, a
//! server stopped in the middle of a step, connection failures told apart without the
//! password, and the example network stored alike on both stores. (Everything else
//! runs on both stores through `both!`.)

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::events::Background;
use super::{Project, Store, stores};

#[path = "../../src/store/postgres/testing.rs"]
pub mod server;

/// The database's name, as the server sees it.
fn current_database(url: &str) -> String {
    stores::postgres_rows(url, "SELECT current_database()::text")[0][0].clone()
}

#[test]
fn each_test_gets_a_database_of_its_own() {
    let Some(a) = server::database() else { return };
    let Some(b) = server::database() else { return };
    assert_ne!(a.url, b.url);
    assert_eq!(current_database(&a.url), a.name);
    assert_eq!(current_database(&b.url), b.name);
}

/// A PostgreSQL project, or None (the test is skipped) without a server.
fn pg_project() -> Option<Project> {
    Project::on(Store::Postgres)
}

/// The events a follower printed.
fn events(f: &Background) -> Vec<Value> {
    f.lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A connection of the test's own, holding a transaction open on another thread.
pub struct Held {
    go: std::sync::mpsc::Sender<()>,
    /// Ends with when the commit returned.
    done: std::thread::JoinHandle<Instant>,
}

/// Begins a transaction that appends an event of `kind` (drawing its seq, as any orch
/// writer does) and commits only when told; returns once the event is in.
fn hold_event(url: &str, kind: &str) -> Held {
    hold(
        url,
        &format!("INSERT INTO events (kind) VALUES ('{kind}')"),
        "",
    )
}

/// Begins a transaction that runs `first` and, when told, `then`, and commits; returns
/// once `first` ran (a row it locked stays locked until then).
pub fn hold(url: &str, first: &str, then: &str) -> Held {
    let (url, first, then) = (url.to_string(), first.to_string(), then.to_string());
    let (ran_tx, ran) = std::sync::mpsc::channel();
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let done = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let tx = client.transaction().await.unwrap();
            tx.batch_execute(&first).await.unwrap();
            ran_tx.send(()).unwrap();
            let _ = tokio::task::spawn_blocking(move || wait.recv()).await;
            tx.batch_execute(&then).await.unwrap();
            tx.commit().await.unwrap();
            Instant::now()
        })
    });
    ran.recv()
        .expect("the held transaction ran its first statements");
    Held { go, done }
}

/// Waits until an orch command of `p` waits for a lock the test holds.
pub fn wait_for_a_blocked_orch(p: &Project) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = '{}'",
        p.app_name()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while p.sql_column(&sql) != ["1"] {
        assert!(
            Instant::now() < deadline,
            "no orch command waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Locks a process's row, and when told, gives it to an orch on another host
/// (`orch pid 4242 on db-host-2`, its lease far ahead), as a claim by that orch would.
pub fn hold_process_for_another_orch(p: &Project, id: &str) -> Held {
    hold(
        p.pg_url().unwrap(),
        &format!("SELECT 1 FROM processes WHERE process_id = '{id}' FOR UPDATE"),
        &format!(
            "UPDATE processes SET status = 'running', owner = 'db-host-2/4242/0', \
             lease_until = '2999-01-01T00:00:00.000000Z' WHERE process_id = '{id}'"
        ),
    )
}

/// `process retry --queue` that loses the process to another orch between reading it
/// and queueing it is refused naming that orch (exit 7), as when the other had come
/// first; it said only "changed while it was being queued".
#[test]
fn a_queued_retry_that_loses_the_process_to_another_orch_names_it() {
    let Some(p) = pg_project() else { return };
    p.task("[[step]]\nname = \"Try\"\nrun = \"cat >/dev/null; exit 1\"\n");
    let v = p.json_exiting(&["workflow", "run", "t"], 3);
    let id = v["id"].as_str().unwrap().to_string();
    let held = hold_process_for_another_orch(&p, &id);
    let retry = p
        .command()
        .args(["process", "retry", &id, "--queue"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_a_blocked_orch(&p);
    held.commit();
    let out = retry.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains(&format!(
            "process {id} is running (by orch pid 4242 on db-host-2), so it cannot be queued"
        )),
        "{err}"
    );
}

impl Held {
    /// Commits; returns when the commit returned.
    pub fn commit(self) -> Instant {
        self.go.send(()).unwrap();
        self.done.join().unwrap()
    }
}

fn tiny_task(p: &Project) {
    p.task("[[step]]\nname = \"A\"\nrun = \"cat >/dev/null; echo '{\\\"a\\\": 1}'\"\n");
}

/// A transaction that drew a seq and stays open while orch commands write: nothing
/// after it shows (their events wait for it, as they must, or a follower reading
/// `seq > last` would pass it by), and once it commits the follower prints it and
/// everything after, each once, in seq order.
#[test]
fn a_follower_never_skips_an_event_that_commits_late() {
    let Some(p) = pg_project() else { return };
    tiny_task(&p);
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    let follower = Background::start(&p, &["events", "--follow", "--since", "0", "-o", "jsonl"]);
    // A run's events: process.started, the steps Start, A and Done, process.completed.
    let per_run = 5;
    follower.line_at(per_run);

    let late = hold_event(p.pg_url().unwrap(), "test.late");
    let writers: Vec<_> = (0..3)
        .map(|_| {
            p.command()
                .args(["workflow", "run", "t"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    let seen = follower.lines().len();
    assert_eq!(
        seen, per_run,
        "something after the open transaction's event was shown before it committed"
    );
    late.commit();
    for mut w in writers {
        assert!(w.wait().unwrap().success());
    }
    let all = p.json(&["events"]);
    let total = all.as_array().unwrap().len();
    follower.line_at(total);
    let printed = events(&follower);
    let seqs: Vec<i64> = printed.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let want: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, want, "every committed event once, in seq order");
    let late_at = printed
        .iter()
        .position(|e| e["kind"] == "test.late")
        .unwrap();
    assert_eq!(late_at, per_run, "the late event keeps its place");
    assert_eq!(printed.len(), per_run + 1 + 3 * per_run);
}

/// How long `--follow` takes to print an event after its commit returned: measured
/// and printed (a timing on a shared machine is no test), over a few commits.
#[test]
fn follow_wakes_soon_after_a_commit() {
    let Some(p) = pg_project() else { return };
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let follower = Background::start(&p, &["events", "--follow", "--since", "0", "-o", "jsonl"]);
    // A first event tells it is up and listening.
    hold_event(p.pg_url().unwrap(), "test.ready").commit();
    follower.line_at(1);
    let mut waits = Vec::new();
    for n in 2..=11 {
        std::thread::sleep(Duration::from_millis(150));
        let committed = hold_event(p.pg_url().unwrap(), "test.tick").commit();
        let shown = follower.line_at(n);
        waits.push(shown.saturating_duration_since(committed));
    }
    waits.sort();
    eprintln!(
        "events --follow on PostgreSQL: printed {:?} (median) and {:?} (slowest) after a commit, over {} commits",
        waits[waits.len() / 2],
        waits[waits.len() - 1],
        waits.len()
    );
    assert_eq!(follower.lines().len(), 11);
}

/// A schema another program keeps a table of orch's name in is not orch's to migrate:
/// the refusal says to give orch a schema of its own, the other table is untouched, and
/// the schema holds nothing of orch's afterwards.
#[test]
fn migrating_into_another_programs_schema_says_to_give_orch_its_own() {
    let Some(db) = server::database() else { return };
    server::run_sql(
        &db.url,
        "CREATE SCHEMA foreign_app; CREATE TABLE foreign_app.processes (id int); INSERT INTO foreign_app.processes VALUES (7)",
    )
    .unwrap();
    let url = format!("{}&options=-csearch_path%3Dforeign_app", db.url);
    let p = Project::at(&url);
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("give orch a schema of its own"), "{err}");
    let kept = super::stores::postgres_rows(&db.url, "SELECT id::text FROM foreign_app.processes");
    assert_eq!(kept, [["7"]]);
    // Nothing of orch's is left behind, not even refinery's (empty) history table.
    let tables = super::stores::postgres_rows(
        &db.url,
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'foreign_app' ORDER BY 1",
    );
    assert_eq!(tables, [["processes"]]);
}

/// A step that prints its environment prints `ORCH_DB`, and with it the password the
/// address holds: what is stored of the step (its error, its output) has it masked.
#[test]
fn the_database_password_a_step_prints_is_not_stored() {
    let Some(cluster) = server::server().and_then(server::Server::cluster) else {
        return; // the tests' own server trusts local users, so any password passes
    };
    let Some(db) = server::database() else { return };
    let url = db.url.replacen(
        "postgresql://postgres@",
        "postgresql://postgres:Pw-s3cret-77@",
        1,
    );
    assert!(url.contains("Pw-s3cret-77"), "{url} ({})", cluster.url("x"));
    let p = Project::at(&url);
    p.task(
        "[[step]]\nname = \"Env\"\nrun = \"cat >/dev/null; echo \\\"db: $ORCH_DB\\\" >&2; echo '{\\\"said\\\": \\\"'\\\"$ORCH_DB\\\"'\\\"}'\"\n[[step]]\nname = \"Fail\"\nrun = \"echo \\\"db: $ORCH_DB\\\" >&2; exit 1\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    let text = v.to_string();
    assert!(!text.contains("Pw-s3cret-77"), "{text}");
    assert_eq!(
        v["state"]["said"].as_str().unwrap().split('@').next(),
        Some("postgresql://postgres:********"),
        "{v}"
    );
    assert!(
        v["steps"][2]["output"]
            .as_str()
            .unwrap()
            .contains("db: postgresql://postgres:********@"),
        "{v}"
    );
    let (_, events, _) = p.run(&["-o", "jsonl", "events"]);
    assert!(!events.contains("Pw-s3cret-77"), "{events}");
}

/// A private cluster the test may stop, and a project on it with a task of three steps
/// A, B and C, each noting itself in ran.txt; B waits for a `go` file the first time,
/// having touched `waiting`. None when the server is not one the tests started.
fn cluster_with_a_held_step() -> Option<(server::Cluster, Project)> {
    server::server().and_then(server::Server::cluster)?;
    let cluster = server::Cluster::start().expect("a private cluster");
    cluster.admin("CREATE DATABASE orch").unwrap();
    let url = format!("{}&options=-csearch_path%3Dorch", cluster.url("orch"));
    let p = Project::at(&url);
    p.script(
        "workflows/scripts/step.sh",
        r#"cat >/dev/null
echo "$ORCH_STEP" >> ran.txt
if [ "$ORCH_STEP" = B ] && [ ! -f go ]; then touch waiting; while [ ! -f go ]; do sleep 0.02; done; fi
echo '{"'"$ORCH_STEP"'": true}'"#,
    );
    p.task(
        "[[step]]\nname = \"A\"\nrun = \"workflows/scripts/step.sh\"\n\
         [[step]]\nname = \"B\"\nrun = \"workflows/scripts/step.sh\"\n\
         [[step]]\nname = \"C\"\nrun = \"workflows/scripts/step.sh\"\n",
    );
    Some((cluster, p))
}

/// `orch ARGS` on the project of [`cluster_with_a_held_step`] (stderr kept), once its
/// step B is held.
fn held_at_b(p: &Project, args: &[&str]) -> std::process::Child {
    let orch = p
        .command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !p.path().join("waiting").exists() {
        assert!(Instant::now() < deadline, "step B never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    orch
}

/// The server stops while a step runs: orch exits 1 saying the database is gone, with
/// a hint; nothing of the step is stored; once the server is back, `process retry`
/// completes the process, running only the step that was in flight again.
#[test]
fn a_server_stopped_mid_step_leaves_a_retryable_process() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    // As a script runs it: quiet, JSON. The error still names the process to retry.
    let orch = held_at_b(&p, &["-q", "-o", "json", "workflow", "run", "t"]);
    cluster.stop().unwrap();
    p.write("go", "");
    let out = orch.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot reach the database") || err.contains("lost the connection"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");

    cluster.restart().unwrap();
    let process = p.json(&["process", "list"]);
    let id = process[0]["id"].as_str().unwrap().to_string();
    assert!(err.contains(&format!("orch process retry {id}")), "{err}");
    let shown = p.json(&["process", "show", &id]);
    assert_eq!(shown["status"], "running", "{shown}");
    let names: Vec<&str> = super::step_names(&shown);
    assert_eq!(names, ["Start", "A"], "B must not be half-written: {shown}");
    assert_eq!(shown["state"].get("B"), None, "{shown}");

    let retried = p.ok_json(&["process", "retry", &id]);
    assert_eq!(retried["status"], "completed", "{retried}");
    assert_eq!(retried["state"]["C"], true);
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().collect::<Vec<_>>(), ["A", "B", "B", "C"]);
    p.assert_sound();
}

/// The server's processes stopped (SIGSTOP) for as long as the value lives: the
/// connections stay open and TCP acknowledges, but nothing answers.
struct Frozen(String);

impl Frozen {
    fn freeze(cluster: &server::Cluster) -> Frozen {
        let pid_file = cluster.socket_dir().join("data/postmaster.pid");
        let pid = std::fs::read_to_string(pid_file)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .to_string();
        let frozen = Frozen(pid);
        frozen.signal("STOP");
        frozen
    }

    fn signal(&self, sig: &str) {
        let pid = &self.0;
        let status = std::process::Command::new("sh")
            .args(["-c", &format!("pkill -{sig} -P {pid}; kill -{sig} {pid}")])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{sig} of the server failed");
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        self.signal("CONT");
    }
}

/// A server that stops answering while a worker holds connections to it (frozen,
/// not gone: no reset, no error, TCP still acknowledges) holds the worker up for a
/// bounded time only: SIGTERM ends it within its grace, the steps' kill grace and a
/// last 5 s for the database, rather than when the server wakes or after one timeout
/// per write. It names the process it left running and exits 1; once the server
/// wakes, the process is taken over and completes.
#[test]
fn a_worker_on_a_server_that_stops_answering_still_stops_on_sigterm() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    let id = p.queue("t");
    let mut worker = held_at_b(&p, &["worker", "--grace", "1s"]);
    let frozen = Frozen::freeze(&cluster);
    p.write("go", "");
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: a plain signal to the child this test started.
    unsafe { libc::kill(worker.id() as i32, libc::SIGTERM) };
    let stopped = Instant::now();
    let deadline = stopped + Duration::from_secs(120);
    let exited = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = stopped.elapsed();
    drop(frozen);
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        exited.is_some(),
        "the worker waited on the frozen server: {log}"
    );
    // 1 s of grace, 5 s of kill grace, 5 s for the last writes: about 12 s, where it
    // took a minute (a 10 s timeout per write, one after the other) and, before that,
    // waited for good. The margin is for a loaded machine, not a measurement.
    assert!(
        took < Duration::from_secs(40),
        "stopping took {took:?}: {log}"
    );
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "process {id} (t): left running: the database did not answer"
        )),
        "{log}"
    );
    assert!(
        log.contains("could not record that the worker stopped"),
        "{log}"
    );
    // Taken over once the stopped worker's lease (15 s) has run out.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, _, err) = p.run(&["worker", "--once"]);
        assert_eq!(code, 0, "{err}");
        let status = p.json(&["process", "show", &id])["status"].clone();
        if status == "completed" {
            break;
        }
        assert_eq!(status, "running", "{err}");
        assert!(Instant::now() < deadline, "never taken over: {err}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A worker told to stop while its database is down cannot let go of the process the
/// outage cut short: it names it, says it stays for a takeover, and exits 1, not 0,
/// so a supervisor sees a stop that was not clean.
#[test]
fn a_worker_stopped_while_the_database_is_down_exits_1() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    let id = p.queue("t");
    let worker = held_at_b(&p, &["worker", "--grace", "2s"]);
    cluster.stop().unwrap();
    p.write("go", "");
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: a plain signal to the child this test started.
    unsafe { libc::kill(worker.id() as i32, libc::SIGTERM) };
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    cluster.restart().unwrap();
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("process {id}: could not let go of it")),
        "{log}"
    );
    assert!(log.contains("hint:"), "{log}");
}

/// A claim that fails stops `worker --once` as a stop does, not mid-step: the step
/// in flight goes on, and once the server is back it commits and the process rests,
/// due for the next worker; the worker still exits 1 with the error. Before, the
/// worker returned at once, cutting the step off and leaving the process `running`.
#[test]
fn a_failed_claim_stops_worker_once_after_the_step_in_flight() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    let id = p.queue("t");
    let worker = held_at_b(&p, &["worker", "--once"]);
    cluster.stop().unwrap();
    // The worker looks for work every few milliseconds: it meets the outage now.
    std::thread::sleep(Duration::from_millis(1000));
    cluster.restart().unwrap();
    p.write("go", "");
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("cannot claim work"), "{log}");
    // Which words the error has depends on when the claim met the stop: a connection
    // cut by the server's shutdown, or one refused after it.
    assert!(
        log.contains("error: cannot reach the database")
            || log.contains("error: lost the connection to the database"),
        "{log}"
    );
    let shown = p.json(&["process", "show", &id]);
    assert_eq!(shown["status"], "waiting", "{shown}\n{log}");
    let steps = super::step_statuses(&shown);
    assert_eq!(
        steps,
        [("Start", "success"), ("A", "success"), ("B", "success")],
        "{log}"
    );
    // The next worker goes on from there: only C runs.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "completed");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(ran.lines().collect::<Vec<_>>(), ["A", "B", "C"], "{log}");
}

/// `events --follow` rides out a PostgreSQL restart, as a worker does: it says the
/// database is gone, and prints what commits once it is back, from where it stopped.
#[test]
fn a_follower_rides_out_a_server_restart() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    p.write("go", "");
    assert_eq!(p.ok_json(&["workflow", "run", "t"])["status"], "completed");
    let follower = Background::start(&p, &["events", "--follow", "--since", "0", "-o", "jsonl"]);
    let before = p.sql_column("SELECT COUNT(*) FROM events")[0]
        .parse::<usize>()
        .unwrap();
    follower.wait_for("the first run's events", |l| l.len() >= before);
    cluster.stop().unwrap();
    // It notices (however loaded the machine) before the server is back.
    follower.wait_to_say("trying again until the database answers");
    cluster.restart().unwrap();
    assert_eq!(p.ok_json(&["workflow", "run", "t"])["status"], "completed");
    let after = p.sql_column("SELECT COUNT(*) FROM events")[0]
        .parse::<usize>()
        .unwrap();
    follower.wait_for("the second run's events", |l| l.len() >= after);
    let (code, lines, err) = follower.terminate();
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), after, "each event once: {lines:?}");
    assert!(
        err.contains("trying again until the database answers"),
        "{err}"
    );
    assert!(err.contains("the database answers again"), "{err}");
}

/// A consumer that rides out a restart holds its name again once the server is back
/// (the server let go of it with the session); one whose name another reader took
/// while its session was gone stops with exit 7.
#[test]
fn a_consumer_holds_its_name_again_after_a_server_restart() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    p.write("go", "");
    assert_eq!(p.ok_json(&["workflow", "run", "t"])["status"], "completed");
    let follow = ["events", "--consumer", "c", "--follow", "-o", "jsonl"];
    let first = Background::start(&p, &follow);
    first.wait_for("the events", |l| l.len() >= 7);
    cluster.stop().unwrap();
    first.wait_to_say("trying again until the database answers");
    cluster.restart().unwrap();
    first.wait_to_say("the database answers again");
    let (code, _, err) = p.run(&["events", "--consumer", "c", "-o", "jsonl"]);
    assert_eq!(code, 7, "held again after the restart: {err}");
    assert!(err.contains("PostgreSQL backend pid"), "{err}");

    // Its session ends while it is stopped, and another reader takes the name.
    // SAFETY: plain signals to the child this test started.
    unsafe { libc::kill(first.pid(), libc::SIGSTOP) };
    p.sql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2");
    let second = Background::start(&p, &follow);
    let deadline = Instant::now() + Duration::from_secs(30);
    while p.json(&["events", "consumers"])[0]["reading"] != true && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(first.pid(), libc::SIGCONT) };
    first.wait_to_say("was taken by another reader");
    let (code, _, err) = first.terminate();
    assert_eq!(code, 7, "{err}");
    let (code, _, err) = second.terminate();
    assert_eq!(code, 0, "{err}");
}

/// A worker whose database goes away mid-step lets go of the process once it answers
/// again: the process rests `waiting` and the worker runs the step in flight again and
/// completes it. Before, the worker kept it `running` and renewed its lease for ever.
#[test]
fn a_worker_lets_go_of_a_process_the_database_cut_short_and_runs_it_again() {
    let Some((cluster, p)) = cluster_with_a_held_step() else {
        return; // needs a cluster the test may stop: not on a server of the user's
    };
    let id = p.queue("t");
    let worker = held_at_b(&p, &["worker", "--lease", "30s"]);
    cluster.stop().unwrap();
    p.write("go", "");
    std::thread::sleep(Duration::from_millis(500));
    cluster.restart().unwrap();
    // Well within the 30 s lease: no takeover, the worker itself runs it again.
    let deadline = Instant::now() + Duration::from_secs(20);
    let shown = loop {
        let shown = p.json(&["process", "show", &id]);
        if shown["status"] == "completed" || Instant::now() > deadline {
            break shown;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // SAFETY: a plain signal to the child this test started.
    unsafe { libc::kill(worker.id() as i32, libc::SIGTERM) };
    let out = worker.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(shown["status"], "completed", "{shown}\n{log}");
    assert_eq!(out.status.code(), Some(0), "{log}");
    let ran = std::fs::read_to_string(p.path().join("ran.txt")).unwrap();
    assert_eq!(
        ran.lines().collect::<Vec<_>>(),
        ["A", "B", "B", "C"],
        "{log}"
    );
    p.assert_sound();
}

/// An address orch cannot read (from ORCH_DB or orch.toml, as a CI job sets it) is bad
/// usage (exit 2): the option it could not read is named, the hint says where an
/// address comes from, and the password is not shown. No server is needed.
#[test]
fn an_address_orch_cannot_read_says_which_option_and_where_to_fix_it() {
    let secret = "Wr0ng-Pa55word";
    let p = Project::new();
    let url = format!("postgresql://someone:{secret}@127.0.0.1:99999/orch");
    let out = p
        .command()
        .env("ORCH_DB", &url)
        .args(["process", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("option `port`"), "{err}");
    assert!(
        err.contains("ORCH_DB") && err.contains("orch.toml"),
        "{err}"
    );
    assert!(!err.contains(secret), "the password was shown: {err}");

    p.write(
        "orch.toml",
        "db = \"postgresql://someone@db.example.net/orch?bogus=1\"\n",
    );
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown option `bogus`"), "{err}");
    assert!(err.contains("orch.toml's `db`"), "{err}");
}

/// orch against an address, expecting exit 1; returns stderr.
fn refused(url: &str) -> String {
    refused_with(url, 1)
}

/// orch against an address, expecting exit `expected`; returns stderr.
fn refused_with(url: &str, expected: i32) -> String {
    let p = Project::at(url);
    let (code, out, err) = p.run(&["process", "list"]);
    assert_eq!(code, expected, "{out}{err}");
    err
}

#[test]
fn connection_failures_are_told_apart_without_the_password() {
    let Some(server) = server::server() else {
        return;
    };
    let secret = "Wr0ng-Pa55word";

    // Refused: no server where the address points.
    let nowhere = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://someone:{secret}@/orch?host={}",
        nowhere.path().display()
    );
    let err = refused(&url);
    assert!(
        err.contains("cannot reach the database") && err.contains("is PostgreSQL running?"),
        "{err}"
    );
    assert!(err.contains("hint: start PostgreSQL"), "{err}");
    assert!(!err.contains(secret), "the password was shown: {err}");
    assert!(err.contains("someone:***@"), "{err}");

    // A database that is not there: not found (exit 6), as a missing SQLite file and a
    // missing orch schema are.
    let Some(cluster) = server.cluster() else {
        return; // the other two need roles of the throwaway cluster
    };
    let url = format!(
        "postgresql://postgres:{secret}@/no_such_db?host={}",
        cluster.socket_dir().display()
    );
    let err = refused_with(&url, 6);
    assert!(
        err.contains("the database `no_such_db` does not exist"),
        "{err}"
    );
    assert!(err.contains("hint: create it: createdb"), "{err}");
    assert!(!err.contains(secret), "the password was shown: {err}");

    // A wrong password.
    let url = format!(
        "postgresql://{}:{secret}@/postgres?host={}",
        server::PASSWORD_USER,
        cluster.socket_dir().display()
    );
    let err = refused(&url);
    assert!(err.contains("refused the password"), "{err}");
    assert!(err.contains("came from the address"), "{err}");
    assert!(!err.contains(secret), "the password was shown: {err}");
}

/// A URL with a host in its authority and another in its query reaches the query's
/// only, as `psql` does (libpq lets the later value replace the earlier): never
/// whatever listens on the authority's host and port, which may be another server.
#[test]
fn a_host_in_the_query_of_the_address_replaces_the_one_before_it() {
    let Some(db) = server::database() else { return };
    let Some(cluster) = db.server.cluster() else {
        return; // the address below names the throwaway cluster's socket
    };
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let port = other.local_addr().unwrap().port();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{port}/{}?host={}&port=5432",
        db.name,
        cluster.socket_dir().display()
    );
    let p = Project::on(Store::Sqlite).unwrap();
    tiny_task(&p);
    let (code, _, err) = p.run(&["--db", &url, "workflow", "run", "t"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        other.accept().is_err(),
        "orch connected to the authority's 127.0.0.1:{port} first"
    );

    // Nothing reachable: the error and its hint name the query's socket.
    let nowhere = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://someone@127.0.0.1:1/orch?host={}",
        nowhere.path().display()
    );
    let err = refused(&url);
    assert!(err.contains("no server socket at"), "{err}");
    assert!(!err.contains("127.0.0.1"), "{err}");
}

/// The README's network on both stores: two nodes and a circuit; `subscription list -o
/// json` is the same document apart from ids and times.
#[test]
fn the_example_network_lists_alike_on_both_stores() {
    let Some(pg) = pg_project() else { return };
    let lite = Project::new();
    let mut lists = Vec::new();
    for p in [&lite, &pg] {
        p.copy_example();
        let a = p.enrol("rtr1", "core")["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        let b = p.enrol("rtr2", "edge")["subscription_id"]
            .as_str()
            .unwrap()
            .to_string();
        let args = super::network::circuit_args(&a, &b);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(p.ok_json(&args)["status"], "completed");
        let (code, out, err) = p.run(&["-o", "json", "subscription", "list"]);
        assert_eq!(code, 0, "{err}");
        lists.push(normalised(&out));
    }
    assert_eq!(lists[0], lists[1]);
    assert!(lists[0].contains("Circuit"), "{}", lists[0]);
}

/// JSON text with ids numbered in order of appearance and times replaced.
fn normalised(text: &str) -> String {
    let ids =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let times =
        regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
            .unwrap();
    let mut seen: Vec<String> = Vec::new();
    let text = ids.replace_all(text, |c: &regex::Captures<'_>| {
        let id = c[0].to_string();
        let n = match seen.iter().position(|s| *s == id) {
            Some(n) => n,
            None => {
                seen.push(id);
                seen.len() - 1
            }
        };
        format!("[ID{n}]")
    });
    times.replace_all(&text, "[TIME]").into_owned()
}

/// `db status`, `db check`, `db migrate` and `db backup` on PostgreSQL: the store named,
/// the address without its password, the checks PostgreSQL leaves to orch, and
/// pg_dump's command for a backup.
#[test]
fn db_commands_speak_of_postgresql() {
    let Some(p) = pg_project() else { return };
    tiny_task(&p);
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    let status = p.ok_json(&["db", "status"]);
    assert_eq!(status["store"], "postgresql", "{status}");
    // Each test has a schema of its own on the shared server.
    assert!(
        status["pg_schema"].as_str().is_some_and(|s| !s.is_empty()),
        "{status}"
    );
    assert!(
        status["path"]
            .as_str()
            .unwrap()
            .starts_with("postgresql://"),
        "{status}"
    );
    assert_eq!(status["processes"], 1);
    assert_eq!(status["events"], 5);
    assert!(status["size_bytes"].as_u64().unwrap() > 0);
    let (code, out, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("up to date"), "{err}");
    let check = p.ok_json(&["db", "check"]);
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["store"], "postgresql");
    // The columns were compared, in a scratch schema that is gone again.
    assert_eq!(check["notes"], serde_json::json!([]), "{check}");
    assert_eq!(
        p.sql_column("SELECT count(*)::text FROM pg_namespace WHERE nspname LIKE 'orch_check_%'"),
        ["0"]
    );

    // A backup is pg_dump's job: orch says so, writes nothing.
    let (code, _, err) = p.run(&["db", "backup", "copy.db"]);
    assert_eq!(code, 2, "{err}");
    let schema = p.pg_schema().unwrap();
    assert!(
        err.contains("pg_dump") && err.contains(&format!("--schema=\"{schema}\"")),
        "{err}"
    );
    assert!(!p.path().join("copy.db").exists());

    // What PostgreSQL does not check itself: the trigger that orders commits.
    p.sql("ALTER TABLE events DISABLE TRIGGER events_commit_order");
    let (code, out, err) = p.run(&["db", "check"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("events_commit_order"), "{out}");
    p.sql("ALTER TABLE events ENABLE TRIGGER events_commit_order");
    p.sql("SELECT setval('events_seq', 2)");
    let (code, out, _) = p.run(&["db", "check"]);
    assert_eq!(code, 1);
    assert!(out.contains("would hand out 3"), "{out}");
    // Nor a status edited by hand.
    p.sql("SELECT setval('events_seq', (SELECT MAX(seq) FROM events))");
    p.sql("UPDATE processes SET status = 'bogus'");
    let report = p.json_exiting(&["db", "check"], 1);
    assert!(
        report["problems"]
            .to_string()
            .contains("1 process(es) with a status orch does not know"),
        "{report}"
    );
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("process ")
            && err.contains(": `bogus` is not a process status")
            && err.contains("orch db check")
            && !err.contains("bug"),
        "{err}"
    );
}

/// A user who may read orch's schema but not create a schema gets the whole check but
/// the column comparison (which needs a scratch schema), and a note that says so.
#[test]
fn db_check_by_a_user_who_may_not_create_a_schema_notes_what_it_left_out() {
    let Some(db) = server::database() else { return };
    let p = Project::at(&db.url);
    tiny_task(&p);
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    let role = format!("{}_reader", db.name);
    server::run_sql(
        &db.url,
        &format!(
            "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA orch TO {role};
             GRANT SELECT ON ALL TABLES IN SCHEMA orch TO {role};
             GRANT SELECT ON ALL SEQUENCES IN SCHEMA orch TO {role};"
        ),
    )
    .unwrap();
    let url = db.url.replacen(
        "postgresql://postgres@",
        &format!("postgresql://{role}@"),
        1,
    );
    assert!(url.contains(&role), "{url}");
    let report = Project::at(&url).ok_json(&["db", "check"]);
    let cleanup = server::run_sql(&db.url, &format!("DROP OWNED BY {role}; DROP ROLE {role}"));
    assert_eq!(report["ok"], true, "{report}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("the tables' columns were not compared"),
        "{report}"
    );
    assert!(notes.contains("permission denied"), "{report}");
    cleanup.unwrap();
}

/// The address in orch.toml with `pg_schema`, in `--db`, and libpq's keyword form: each
/// reaches the database, and orch's tables land in the schema named.
#[test]
fn the_address_comes_from_orch_toml_or_db_in_either_form() {
    let Some(db) = server::database() else { return };
    let Some(cluster) = db.server.cluster() else {
        return; // the keyword form below names the throwaway cluster's socket
    };
    let p = Project::on(Store::Sqlite).unwrap();
    tiny_task(&p);
    p.write(
        "orch.toml",
        &format!("db = \"{}\"\npg_schema = \"team\"\n", db.url),
    );
    // `db migrate` says which schema it made: projects sharing the database differ
    // only in that.
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("(schema `team`) from schema version 0"),
        "{err}"
    );
    let migrated = p.ok_json(&["db", "migrate"]);
    assert_eq!(migrated["pg_schema"], "team", "{migrated}");
    assert_eq!(migrated["from_version"], migrated["version"], "{migrated}");
    assert_eq!(p.run(&["workflow", "run", "t"]).0, 0);
    assert!(!p.db().exists(), "no SQLite file beside it");
    let in_team = |sql: &str| -> String {
        let url = format!("{}&options=-csearch_path%3Dteam", db.url);
        stores::postgres_rows(&url, sql)[0][0].clone()
    };
    assert_eq!(in_team("SELECT count(*) FROM processes"), "1");
    let status = p.ok_json(&["db", "status"]);
    assert_eq!(status["store"], "postgresql");
    assert_eq!(status["pg_schema"], "team", "{status}");
    let (_, text, _) = p.run(&["db", "status"]);
    assert!(text.contains("pg schema:      team"), "{text}");

    // --db wins over orch.toml's `db` (its `pg_schema` still names the schema when
    // the address does not); the keyword form reaches the same server.
    let keywords = format!(
        "host={} dbname={} user=postgres",
        cluster.socket_dir().display(),
        db.name
    );
    let listed = p.ok_json(&["--db", &keywords, "process", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let other = format!("{keywords} options='-csearch_path=other'");
    let (code, out, err) = p.run(&["--db", &other, "process", "list"]);
    assert_eq!(code, 6, "a reader creates no schema: {out}{err}");
    assert!(err.contains("no orch schema `other`"), "{err}");
    let (code, _, err) = p.run(&["--db", &other, "workflow", "run", "t"]);
    assert_eq!(code, 0, "{err}");
    let url = format!("{}&options=-csearch_path%3Dother", db.url);
    assert_eq!(
        stores::postgres_rows(&url, "SELECT count(*) FROM processes")[0][0],
        "1"
    );
}
