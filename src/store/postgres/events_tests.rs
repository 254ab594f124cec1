//! The event log against a real PostgreSQL: the notification that wakes followers, the
//! lock that makes `seq` order commit order, and the promise they keep together.

use std::time::{Duration, Instant};

use super::testing;
use super::tests::{info, open};
use super::*;

#[tokio::test]
async fn a_commit_that_appends_events_wakes_the_listener_and_a_rollback_does_not() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = open(&db).await;
    let listener = store.listen().await.unwrap();
    let mut writer = store.client().await.unwrap();
    assert!(!listener.wait(Duration::from_millis(100)).await.unwrap());

    let tx = writer.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO events (at, kind) VALUES (now_text(), 'a')",
        &[],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO events (at, kind) VALUES (now_text(), 'b')",
        &[],
    )
    .await
    .unwrap();
    // Not before the commit.
    assert!(!listener.wait(Duration::from_millis(200)).await.unwrap());
    let committed = Instant::now();
    tx.commit().await.unwrap();
    assert!(listener.wait(Duration::from_secs(5)).await.unwrap());
    assert!(
        committed.elapsed() < Duration::from_millis(100 + 900),
        "slow wake-up"
    );
    // One wake-up per transaction, however many events.
    assert!(!listener.wait(Duration::from_millis(200)).await.unwrap());

    let tx = writer.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO events (at, kind) VALUES (now_text(), 'c')",
        &[],
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert!(!listener.wait(Duration::from_millis(300)).await.unwrap());

    // Another schema's events do not wake this one.
    let other = Postgres::open(info(&db.url).with_schema("other").unwrap(), 1, |_, _| {})
        .await
        .unwrap();
    other
        .client()
        .await
        .unwrap()
        .execute(
            "INSERT INTO events (at, kind) VALUES (now_text(), 'd')",
            &[],
        )
        .await
        .unwrap();
    assert!(!listener.wait(Duration::from_millis(300)).await.unwrap());
}

#[tokio::test]
async fn a_listener_whose_connection_dies_says_so() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = open(&db).await;
    let listener = store.listen().await.unwrap();
    db.server
        .admin(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND query LIKE 'LISTEN%'",
            db.name
        ))
        .unwrap();
    let err = listener.wait(Duration::from_secs(5)).await.unwrap_err();
    assert!(
        err.message.contains("lost the connection"),
        "{}",
        err.render()
    );
}

/// Event writers queue behind the one lock, whether the trigger or the helper took it.
#[tokio::test]
async fn event_writers_take_one_lock_until_they_end() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = open(&db).await;
    let mut first = store.client().await.unwrap();
    let mut second = store.client().await.unwrap();
    let insert = "INSERT INTO events (at, kind) VALUES (now_text(), 'x') RETURNING seq";

    for hold_with_helper in [false, true] {
        let t1 = first.transaction().await.unwrap();
        if hold_with_helper {
            lock_event_log(&*t1, store.info()).await.unwrap();
        } else {
            t1.query_one(insert, &[]).await.unwrap();
        }
        let t2 = second.transaction().await.unwrap();
        t2.batch_execute("SET LOCAL lock_timeout = '200ms'")
            .await
            .unwrap();
        let e = t2.query_one(insert, &[]).await.unwrap_err();
        let err = classify(store.info(), &e);
        assert_eq!(err.exit_code(), 7, "{}", err.render());
        assert!(err.message.contains("busy"), "{}", err.render());
        drop(t2);
        let s1: Option<i64> = if hold_with_helper {
            Some(t1.query_one(insert, &[]).await.unwrap().get(0))
        } else {
            None
        };
        t1.commit().await.unwrap();
        let t2 = second.transaction().await.unwrap();
        let s2: i64 = t2.query_one(insert, &[]).await.unwrap().get(0);
        t2.commit().await.unwrap();
        if let Some(s1) = s1 {
            assert!(s2 > s1);
        }
    }
}

/// The promise itself: many writers committing while a follower reads `seq > last`;
/// the follower must end up with every committed event, none skipped, and `at` never
/// runs backwards against `seq`.
#[tokio::test]
async fn a_follower_never_skips_an_event_that_commits_late() {
    let Some(db) = testing::database() else {
        return;
    };
    let store = std::sync::Arc::new(open(&db).await);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let follower = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let c = connect::connect(store.info()).await.unwrap();
            let mut last = 0i64;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let rows = c
                    .query(
                        "SELECT seq FROM events WHERE seq > $1 ORDER BY seq",
                        &[&last],
                    )
                    .await
                    .unwrap();
                for r in rows {
                    last = r.get(0);
                    seen.push(last);
                }
                if finished {
                    return seen;
                }
            }
        })
    };
    let mut writers = Vec::new();
    for w in 0..6u64 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let mut c = connect::connect(store.info()).await.unwrap();
            for i in 0..25u64 {
                let tx = c.transaction().await.unwrap();
                tx.execute("INSERT INTO events (kind) VALUES ('w')", &[])
                    .await
                    .unwrap();
                // Linger between drawing a seq and committing, by varying amounts.
                tokio::time::sleep(Duration::from_micros((w * 7 + i * 13) % 3000)).await;
                if (w + i) % 5 == 0 {
                    tx.rollback().await.unwrap();
                } else {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = follower.await.unwrap();
    let c = store.client().await.unwrap();
    let rows = c
        .query("SELECT seq, at FROM events ORDER BY seq", &[])
        .await
        .unwrap();
    let all: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(all.len(), 6 * 25 - 6 * 5);
    assert_eq!(seen, all, "the follower skipped events that committed late");
    // `at`, left to its default, follows seq too.
    let times: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(crate::clock::parse(&times[0]).is_some(), "{}", times[0]);
}
