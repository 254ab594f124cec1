//! Against a real PostgreSQL (see `testing`): opening and migrating, schemas, the
//! refusal of a newer schema, every class of connection error (the event log has
//! events_tests.rs).

use std::time::{Duration, Instant};

use super::config::Env;
use super::testing::{self, TestDb};
use super::*;

pub(super) fn info(url: &str) -> ConnInfo {
    ConnInfo::parse_with(url, None, &quiet_env()).unwrap()
}

/// No `PG…` variables and no home: what a test sets is all there is.
fn quiet_env() -> Env {
    Env {
        os_user: Some("nobody-in-particular".into()),
        ..Env::default()
    }
}

pub(super) async fn open(db: &TestDb) -> Postgres {
    Postgres::open(info(&db.url), 2, |_, _| {}).await.unwrap()
}

async fn strings(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn admin_client(db: &TestDb) -> tokio_postgres::Client {
    connect::connect(&info(&db.url).with_schema("public").unwrap())
        .await
        .unwrap()
}

const ORCH_TABLES: &str =
    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'orch' ORDER BY 1";

#[tokio::test]
async fn opening_creates_orch_schema_beside_other_applications() {
    let Some(db) = testing::database() else {
        return;
    };
    let admin = admin_client(&db).await;
    // Another application's tables in `public`, one with a name orch uses.
    admin
        .batch_execute(
            "CREATE TABLE public.events (id int, note text); INSERT INTO public.events VALUES (1, 'theirs');
             CREATE TABLE public.refinery_schema_history (version int4 PRIMARY KEY, name text, applied_on text, checksum text);
             INSERT INTO public.refinery_schema_history VALUES (77, 'their own migrations', '', '0');",
        )
        .await
        .unwrap();

    let store = open(&db).await;
    assert_eq!(
        store.migrated(),
        Migrated {
            from: 0,
            to: latest_version(),
            applied: migrate::migration_count()
        }
    );
    assert_eq!(store.version().await.unwrap(), latest_version());
    let tables = strings(&admin, ORCH_TABLES).await;
    for t in [
        "events",
        "processes",
        "subscriptions",
        "subscription_search",
        "refinery_schema_history",
    ] {
        assert!(
            tables.contains(&t.to_string()),
            "{t} missing from {tables:?}"
        );
    }
    let client = store.client().await.unwrap();
    assert_eq!(
        strings(&client, "SELECT current_schema()::text").await,
        ["orch"]
    );
    // Theirs untouched.
    assert_eq!(
        strings(&admin, "SELECT note FROM public.events").await,
        ["theirs"]
    );
    let theirs: i64 = admin
        .query_one("SELECT count(*) FROM public.refinery_schema_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(theirs, 1);

    // Opening again changes nothing.
    drop(client);
    let again = open(&db).await;
    assert_eq!(again.migrated().applied, 0);
    assert_eq!(again.migrated().from, latest_version());
}

#[tokio::test]
async fn another_schema_from_the_options_or_the_default() {
    let Some(db) = testing::database() else {
        return;
    };
    let team = format!("{}&options=-csearch_path%3Dteam", db.url);
    let store = Postgres::open(info(&team), 1, |_, _| {}).await.unwrap();
    assert_eq!(store.info().schema(), "team");
    let by_default = ConnInfo::parse_with(&db.url, Some("other"), &quiet_env()).unwrap();
    Postgres::open(by_default, 1, |_, _| {}).await.unwrap();

    let admin = admin_client(&db).await;
    assert!(
        strings(&admin, ORCH_TABLES).await.is_empty(),
        "nothing in `orch`"
    );
    let schemas = strings(
        &admin,
        "SELECT DISTINCT table_schema::text FROM information_schema.tables WHERE table_name = 'events' ORDER BY 1",
    )
    .await;
    assert_eq!(schemas, ["other", "team"]);
    // Each schema's store sees its own rows only.
    let c = store.client().await.unwrap();
    c.execute(
        "INSERT INTO events (at, kind) VALUES (now_text(), 'x')",
        &[],
    )
    .await
    .unwrap();
    let counts = strings(
        &admin,
        "SELECT (SELECT count(*) FROM team.events)::text || '/' || (SELECT count(*) FROM other.events)::text",
    )
    .await;
    assert_eq!(counts, ["1/0"]);
}

#[tokio::test]
async fn a_newer_schema_is_refused_before_anything_is_written() {
    let Some(db) = testing::database() else {
        return;
    };
    drop(open(&db).await);
    let admin = admin_client(&db).await;
    admin
        .batch_execute("INSERT INTO orch.refinery_schema_history VALUES (999, 'future', '', '0')")
        .await
        .unwrap();
    let err = Postgres::open(info(&db.url), 1, |_, _| panic!("announced"))
        .await
        .err()
        .unwrap();
    assert!(err.message.contains("newer"), "{}", err.render());
    assert!(err.message.contains("999"), "{}", err.render());
    assert_eq!(err.exit_code(), 1);

    // A schema that only holds a newer history: refused before orch creates a table.
    admin
        .batch_execute(
            "CREATE SCHEMA future; CREATE TABLE future.refinery_schema_history (version int4 PRIMARY KEY, name text, applied_on text, checksum text);
             INSERT INTO future.refinery_schema_history VALUES (999, 'future', '', '0');",
        )
        .await
        .unwrap();
    let future = info(&db.url).with_schema("future").unwrap();
    assert!(Postgres::open(future, 1, |_, _| {}).await.is_err());
    let tables = strings(
        &admin,
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'future'",
    )
    .await;
    assert_eq!(tables, ["refinery_schema_history"]);
}

#[tokio::test]
async fn orch_started_many_times_at_once_migrates_once() {
    let Some(db) = testing::database() else {
        return;
    };
    let i = info(&db.url);
    let opens: Vec<_> = (0..4)
        .map(|_| tokio::spawn(Postgres::open(i.clone(), 1, |_, _| {})))
        .collect();
    let mut applied = 0;
    for open in opens {
        applied += open.await.unwrap().unwrap().migrated().applied;
    }
    assert_eq!(applied, migrate::migration_count());
}

#[tokio::test]
async fn the_database_clock_speaks_orch_time() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = open(&db).await;
    let c = store.client().await.unwrap();
    for micros in [
        0i64,
        1,
        999_999,
        1_714_564_800_123_456,
        1_700_000_000_000_007,
    ] {
        let text: String = c
            .query_one(
                "SELECT utc_text(to_timestamp($1::float8 / 1000000))",
                &[&(micros as f64)],
            )
            .await
            .unwrap()
            .get(0);
        let t = jiff::Timestamp::from_microsecond(micros).unwrap();
        assert_eq!(text, crate::clock::format(t));
    }
    let before = crate::clock::now();
    let now: String = c.query_one("SELECT now_text()", &[]).await.unwrap().get(0);
    let parsed = crate::clock::parse(&now).unwrap();
    assert_eq!(now, crate::clock::format(parsed));
    assert!((parsed.as_millisecond() - before.as_millisecond()).abs() < 60_000);
}

fn assert_no_password(e: &crate::error::Error, password: &str) {
    let text = e.render();
    assert!(!text.contains(password), "password shown in:\n{text}");
    assert_eq!(e.exit_code(), 1, "{text}");
}

#[tokio::test]
async fn a_wrong_or_missing_password_is_named_without_showing_it() {
    let Some(db) = testing::database() else {
        return;
    };
    let Some(cluster) = db.server.cluster() else {
        return;
    };
    let at = |password: Option<&str>| {
        let cred = password.map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "postgresql://{}{cred}@/{}?host={}",
            testing::PASSWORD_USER,
            db.name,
            cluster.socket_dir().display()
        )
    };
    connect::connect(&info(&at(Some(testing::PASSWORD))))
        .await
        .unwrap();

    let wrong = "not-the-Pa55word";
    let err = connect::connect(&info(&at(Some(wrong)))).await.unwrap_err();
    assert!(
        err.message.contains("refused the password"),
        "{}",
        err.render()
    );
    assert!(
        err.render().contains("from the address"),
        "{}",
        err.render()
    );
    assert_no_password(&err, wrong);

    let mut env = quiet_env();
    env.vars.insert("PGPASSWORD".into(), wrong.into());
    let from_env = ConnInfo::parse_with(&at(None), None, &env).unwrap();
    let err = connect::connect(&from_env).await.unwrap_err();
    assert!(err.render().contains("PGPASSWORD"), "{}", err.render());
    assert_no_password(&err, wrong);

    let err = connect::connect(&info(&at(None))).await.unwrap_err();
    assert!(err.message.contains("wants a password"), "{}", err.render());
    assert!(err.render().contains(".pgpass"), "{}", err.render());
}

#[tokio::test]
async fn a_missing_database_says_how_to_create_it() {
    let Some(db) = testing::database() else {
        return;
    };
    let url = db.url.replace(&db.name, "no_such_database");
    let err = connect::connect(&info(&url)).await.unwrap_err();
    assert!(
        err.message.contains("`no_such_database` does not exist"),
        "{}",
        err.render()
    );
    assert!(err.render().contains("createdb"), "{}", err.render());
    // Not found, as a missing SQLite file or a missing orch schema is.
    assert_eq!(err.exit_code(), 6);
}

#[tokio::test]
async fn an_unreachable_server_is_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    // No socket at all.
    let url = format!("postgresql://u:pw-123@/d?host={}", dir.path().display());
    let err = connect::connect(&info(&url)).await.unwrap_err();
    assert!(
        err.message.contains("cannot reach the database"),
        "{}",
        err.render()
    );
    assert!(
        err.message.contains("is PostgreSQL running?"),
        "{}",
        err.render()
    );
    assert!(
        err.render().contains("no server socket"),
        "{}",
        err.render()
    );
    assert_no_password(&err, "pw-123");

    // A socket nobody listens on: refused.
    let sock = dir.path().join(".s.PGSQL.5432");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    let err = connect::connect(&info(&url)).await.unwrap_err();
    assert!(
        err.message.contains("cannot reach the database"),
        "{}",
        err.render()
    );
    assert!(
        err.render().to_lowercase().contains("refused"),
        "{}",
        err.render()
    );

    // TCP: a closed port, and one that accepts and then says nothing.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = connect::connect(&info(&format!("postgresql://u:pw-123@127.0.0.1:{port}/d")))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("cannot reach the database"),
        "{}",
        err.render()
    );
    assert!(err.render().contains("pg_isready"), "{}", err.render());
    assert_no_password(&err, "pw-123");

    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let err = connect::connect(&info(&format!(
        "postgresql://u:pw-123@127.0.0.1:{port}/d?connect_timeout=2"
    )))
    .await
    .unwrap_err();
    assert!(
        err.message.contains("timed out after 2s"),
        "{}",
        err.render()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_no_password(&err, "pw-123");

    // Another service on the port: it answers, but not as PostgreSQL.
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = http.local_addr().unwrap().port();
    let answering = std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut c, _)) = http.accept() {
            let _ = c.read(&mut [0; 512]);
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let err = connect::connect(&info(&format!("postgresql://u:pw-123@127.0.0.1:{port}/d")))
        .await
        .unwrap_err();
    answering.join().unwrap();
    assert!(
        err.message.contains("does not answer as PostgreSQL does"),
        "{}",
        err.render()
    );
    assert!(
        err.render()
            .contains(&format!("pg_isready -h 127.0.0.1 -p {port}")),
        "{}",
        err.render()
    );
    assert_no_password(&err, "pw-123");
}

#[tokio::test]
async fn a_connection_lost_mid_command_says_retry_finishes_it() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = open(&db).await;
    let client = store.client().await.unwrap();
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    db.server
        .admin(&format!("SELECT pg_terminate_backend({pid})"))
        .unwrap();
    let e = client.query_one("SELECT 1", &[]).await.unwrap_err();
    let err = classify(store.info(), &e);
    assert!(
        err.message.contains("lost the connection"),
        "{}",
        err.render()
    );
    assert!(
        err.hints.iter().any(|h| h.contains("orch process retry")),
        "{}",
        err.render()
    );
    assert_eq!(err.exit_code(), 1);
    // The pool hands out a working connection next.
    drop(client);
    let fresh = store.client().await.unwrap();
    fresh.query_one("SELECT 1", &[]).await.unwrap();
}

#[tokio::test]
async fn a_user_without_rights_on_the_schema_is_told_what_to_grant() {
    let Some(db) = testing::database() else {
        return;
    };
    let Some(cluster) = db.server.cluster() else {
        return;
    };
    let role = format!("limited_{}", db.name);
    cluster.admin(&format!("CREATE ROLE {role} LOGIN")).unwrap();
    let url = format!(
        "postgresql://{role}@/{}?host={}",
        db.name,
        cluster.socket_dir().display()
    );
    let err = Postgres::open(info(&url), 1, |_, _| {})
        .await
        .err()
        .unwrap();
    assert!(
        err.message.contains("may not use orch's schema `orch`"),
        "{}",
        err.render()
    );
    assert!(
        err.render().contains("GRANT CREATE ON DATABASE"),
        "{}",
        err.render()
    );
    // A schema an administrator made for the user is enough.
    run(&db, &format!("CREATE SCHEMA orch AUTHORIZATION {role}"));
    let store = Postgres::open(info(&url), 1, |_, _| {}).await.unwrap();
    assert_eq!(store.migrated().to, latest_version());
}

/// A role denied a schema that is there (another role's) is told what to grant on
/// it, not to create it.
#[tokio::test]
async fn a_user_denied_an_existing_schema_is_told_to_be_granted_it() {
    let Some(db) = testing::database() else {
        return;
    };
    let Some(cluster) = db.server.cluster() else {
        return;
    };
    let role = format!("outsider_{}", db.name);
    cluster.admin(&format!("CREATE ROLE {role} LOGIN")).unwrap();
    run(&db, "CREATE SCHEMA orch");
    let url = format!(
        "postgresql://{role}@/{}?host={}",
        db.name,
        cluster.socket_dir().display()
    );
    let err = Postgres::open(info(&url), 1, |_, _| {})
        .await
        .err()
        .unwrap();
    assert!(
        err.message.contains("may not use orch's schema `orch`"),
        "{}",
        err.render()
    );
    assert!(
        err.render()
            .contains(&format!("GRANT USAGE, CREATE ON SCHEMA orch TO {role}")),
        "{}",
        err.render()
    );
    assert!(!err.render().contains("CREATE SCHEMA"), "{}", err.render());
}

/// A role that may read orch's tables but not write them gets, on its first write,
/// what was refused and what to grant, not a bare driver message.
#[tokio::test]
async fn a_user_who_may_only_read_is_told_what_to_grant() {
    let Some(db) = testing::database() else {
        return;
    };
    let Some(cluster) = db.server.cluster() else {
        return;
    };
    Postgres::open(info(&db.url), 1, |_, _| {}).await.unwrap();
    let role = format!("reader_{}", db.name);
    cluster.admin(&format!("CREATE ROLE {role} LOGIN")).unwrap();
    run(
        &db,
        &format!(
            "GRANT USAGE ON SCHEMA orch TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA orch TO {role}"
        ),
    );
    let url = format!(
        "postgresql://{role}@/{}?host={}",
        db.name,
        cluster.socket_dir().display()
    );
    let store = Postgres::open(info(&url), 1, |_, _| {}).await.unwrap();
    assert!(store.engine_state().await.unwrap().paused_at.is_none());
    let err: crate::error::Error = store.set_paused(Some("ann")).await.unwrap_err().into();
    let said = err.render();
    assert!(said.contains(&format!("user `{role}` may not")), "{said}");
    assert!(said.contains("permission denied"), "{said}");
    assert!(
        said.contains(&format!("GRANT ALL ON ALL TABLES IN SCHEMA orch TO {role}")),
        "{said}"
    );
    assert_eq!(err.exit_code(), 1);
}

/// A transaction kept waiting past the answer limit by a lock another session holds
/// is not said to be only a server gone quiet: the lock is named as a cause to look
/// for, and nothing was written.
#[tokio::test]
async fn a_lock_held_by_another_session_is_named_when_a_transaction_times_out() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = Postgres::open(info(&db.url), 1, |_, _| {}).await.unwrap();
    let holder = admin_client(&db).await;
    holder
        .batch_execute("BEGIN; LOCK TABLE orch.engine IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let err: crate::error::Error = store.set_paused(Some("ann")).await.unwrap_err().into();
    let said = err.render();
    assert!(
        said.contains("another session holds a lock orch waited for"),
        "{said}"
    );
    holder.batch_execute("COMMIT").await.unwrap();
    assert!(store.engine_state().await.unwrap().paused_at.is_none());
}

fn run(db: &TestDb, sql: &str) {
    testing::run_sql(&db.url, sql).unwrap();
}

/// The harness's own promises, on a private cluster: stop and restart (for tests of a
/// server that goes away mid-command), and the cluster gone with its owner.
#[tokio::test]
async fn a_private_cluster_stops_restarts_and_goes_away_with_its_owner() {
    let Some(server) = testing::server() else {
        return;
    };
    if server.cluster().is_none() {
        return; // an external server: maybe no server binaries here
    }
    let cluster = testing::Cluster::start().unwrap();
    let i = info(&cluster.url("postgres"));
    let client = connect::connect(&i).await.unwrap();
    client.query_one("SELECT 1", &[]).await.unwrap();

    cluster.stop().unwrap();
    let e = client.query_one("SELECT 1", &[]).await.unwrap_err();
    let err = classify(&i, &e);
    assert!(
        err.message.contains("lost the connection"),
        "{}",
        err.render()
    );
    let err = connect::connect(&i).await.unwrap_err();
    assert!(
        err.message.contains("cannot reach the database"),
        "{}",
        err.render()
    );

    cluster.restart().unwrap();
    let again = connect::connect(&i).await.unwrap();
    again.query_one("SELECT 1", &[]).await.unwrap();
    drop(again);

    let dir = cluster.socket_dir().to_path_buf();
    drop(cluster);
    let deadline = Instant::now() + Duration::from_secs(20);
    while dir.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !dir.exists(),
        "the cluster outlived its owner: {}",
        dir.display()
    );
}
