//! Waking on new events: a connection of its own that LISTENs on [`EVENTS_CHANNEL`],
//! for the PostgreSQL side of the store's "wait for new events" (`events --follow`,
//! consumers), where SQLite polls `PRAGMA data_version`.
//!
//! Writers do not notify by hand: the statement trigger on `events` (see
//! migrations/postgres/V1__initial.sql) queues `pg_notify('orch_events', <schema>)` in
//! the transaction that appends; PostgreSQL delivers it when that transaction commits,
//! once per transaction, and drops it when it rolls back. (A writer that must wake
//! followers without appending an event can run the same `pg_notify` itself.) The
//! payload is the schema, so followers of two orch schemas in one database do not wake
//! each other.
//!
//! How a follower uses it, so no commit slips between a read and a wait: start the
//! listener first; then loop { read `seq > last`; `wait(timeout)` }. A notification
//! that arrives while the follower reads is kept (one pending wake-up), so the next
//! wait returns at once and the follower reads again. A wake-up is a hint to read,
//! never a promise of rows: the reader's query decides. The timeout bounds the wait
//! when no notification comes (and is a second line of defence).
//!
//! The connection is driven by a task through `Connection::poll_message`, which is
//! how tokio-postgres hands out notifications; when it breaks, the next `wait` says
//! so, classified like every other PostgreSQL error.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Client};

use super::config::ConnInfo;
use super::connect::connect_raw;
use super::error::classify;
use crate::error::Error;

/// The channel the `events` trigger notifies; the payload is the schema.
pub const EVENTS_CHANNEL: &str = "orch_events";

struct Shared {
    wake: Notify,
    /// Set when the connection ended; taken by the next `wait`.
    broken: Mutex<Option<Error>>,
}

/// A LISTENing connection. Dropping it closes the connection.
pub struct Listener {
    // Held so the connection stays open; the task reads what it receives.
    _client: Client,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    info: ConnInfo,
}

impl Listener {
    /// Connects and LISTENs; from its return on, every commit that appends events to
    /// this schema wakes [`Listener::wait`].
    pub async fn start(info: &ConnInfo) -> Result<Listener, Error> {
        let (client, mut connection) = connect_raw(info).await?;
        let shared = Arc::new(Shared {
            wake: Notify::new(),
            broken: Mutex::new(None),
        });
        let task = {
            let shared = Arc::clone(&shared);
            let info = info.clone();
            let schema = info.schema().to_string();
            tokio::spawn(async move {
                loop {
                    let message = std::future::poll_fn(|cx| connection.poll_message(cx)).await;
                    let ended = match message {
                        Some(Ok(AsyncMessage::Notification(n))) => {
                            if n.channel() == EVENTS_CHANNEL && n.payload() == schema {
                                shared.wake.notify_one();
                            }
                            continue;
                        }
                        // Notices (and whatever a later driver adds) are not ours.
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => classify(&info, &e),
                        None => {
                            Error::failure(format!("lost the connection to the database at {info}"))
                                .with_cause("the server closed the connection orch listens on")
                                .with_hint("run the command again once the database is back")
                        }
                    };
                    if let Ok(mut slot) = shared.broken.lock() {
                        *slot = Some(ended);
                    }
                    shared.wake.notify_one();
                    return;
                }
            })
        };
        client
            .batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))
            .await
            .map_err(|e| classify(info, &e))?;
        Ok(Listener {
            _client: client,
            shared,
            task,
            info: info.clone(),
        })
    }

    /// Waits until a transaction that appended events commits (true) or `timeout`
    /// passes (false). A notification that came since the last wait returns at once.
    pub async fn wait(&self, timeout: Duration) -> Result<bool, Error> {
        self.check()?;
        let woke = tokio::time::timeout(timeout, self.shared.wake.notified())
            .await
            .is_ok();
        self.check()?;
        Ok(woke)
    }

    fn check(&self) -> Result<(), Error> {
        let taken = match self.shared.broken.lock() {
            Ok(mut slot) => slot.take(),
            Err(_) => None,
        };
        if let Some(e) = taken {
            return Err(e);
        }
        if self.task.is_finished() {
            return Err(Error::failure(format!(
                "lost the connection to the database at {}",
                self.info
            ))
            .with_hint("run the command again once the database is back"));
        }
        Ok(())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}
