//! A worker's heartbeat, on a thread and a store connection of its own: the engines'
//! work (and a store busy with their commits) never delays it, so a lease runs out
//! only when the database cannot be reached in time. Each renewal that succeeds moves
//! the worker's [`LeaseClock`]. It also says when the worker was asked to stop, so
//! `worker list` shows it stopping while it drains, whatever the database's delay.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::engine::abort_request::AbortRequests;
use crate::engine::lease::LeaseClock;
use crate::error::{Error, Result};
use crate::store::{Create, Location, Store};

pub struct Heartbeat {
    stop: watch::Sender<bool>,
    /// When the grace of a worker asked to stop runs out.
    draining: watch::Sender<Option<Instant>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    /// The worker was asked to stop and claims nothing more; its steps in flight have
    /// until `grace_over` to finish. Recorded from the heartbeat's thread, so a slow
    /// database never holds the worker's stop up; it goes on beating meanwhile.
    pub fn draining(&self, grace_over: Instant) {
        let _ = self.draining.send(Some(grace_over));
    }

    /// Stops beating (the worker is done and about to say so); the thread wakes at
    /// once, so a worker's stop never waits for its next beat.
    pub fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How soon a lapsed lease is renewed again.
const LAPSED_RETRY: Duration = Duration::from_millis(100);

/// Starts renewing `owner`'s leases every third of `lease`, telling `asked` which of
/// its processes someone asked to abort. The thread opens its own
/// store on its own runtime, so a busy worker runtime never holds a renewal back.
pub async fn start(
    location: Location,
    owner: &'static str,
    lease: Duration,
    clock: LeaseClock,
    asked: AbortRequests,
) -> Result<Heartbeat> {
    let (stop, mut stopping) = watch::channel(false);
    let (draining, mut drain) = watch::channel(None::<Instant>);
    let (opened, is_open) = tokio::sync::oneshot::channel::<Result<()>>();
    let thread = std::thread::Builder::new()
        .name("orch-heartbeat".into())
        .spawn(move || {
            crate::engine::command::leave_child_signals_to_main_thread();
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = opened.send(Err(Error::internal(format!(
                        "cannot start the heartbeat: {e}"
                    ))));
                    return;
                }
            };
            rt.block_on(async {
                let store = match Store::open(&location, Create::Refused, &()).await {
                    Ok(store) => {
                        let _ = opened.send(Ok(()));
                        store
                    }
                    Err(e) => {
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                loop {
                    // A lease that lapsed is renewed again at once (the last renewal
                    // counts from when it began, which a slow database left behind).
                    let next = if clock.lapsed() {
                        LAPSED_RETRY
                    } else {
                        lease / 3
                    };
                    let asked_to_drain = tokio::select! {
                        _ = tokio::time::sleep(next) => None,
                        // Asked to stop, or the worker is gone.
                        _ = stopping.wait_for(|s| *s) => break,
                        Ok(()) = drain.changed() => *drain.borrow_and_update(),
                    };
                    if let Some(grace_over) = asked_to_drain {
                        let left = grace_over.saturating_duration_since(Instant::now());
                        tokio::select! {
                            // Not recorded, the worker shows `running` until it
                            // stops: nothing else depends on it.
                            _ = store.worker_stopping(owner, left) => {}
                            _ = stopping.wait_for(|s| *s) => break,
                        }
                    }
                    let began = LeaseClock::now();
                    tokio::select! {
                        beat = store.worker_beat(owner, lease) => {
                            if let Ok(requests) = beat {
                                clock.renewed_at(began, lease);
                                asked.seen(requests);
                            }
                        }
                        // A beat the database is slow to answer does not hold up a
                        // stop: abandoned, it rolls back.
                        _ = stopping.wait_for(|s| *s) => break,
                    }
                }
            });
        })
        .map_err(|e| Error::internal(format!("cannot start the heartbeat: {e}")))?;
    let heartbeat = Heartbeat {
        stop,
        draining,
        thread: Some(thread),
    };
    match is_open.await {
        Ok(Ok(())) => Ok(heartbeat),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Error::internal("the heartbeat thread stopped at its start")),
    }
}
