//! How long this orch may still trust its lease on the processes it runs.
//!
//! A worker renews its leases from a heartbeat of its own (its own thread and store
//! connection, so a busy engine never starves it). Each renewal that succeeds moves the
//! deadline: the time the renewal began plus the lease. An engine starts no step once
//! the deadline has passed, and stops a step that is still running then: past it,
//! another orch may already have taken the process over, and two orchs must never run
//! one process at once. The store's fencing (a step is written only by the process's
//! owner) makes sure that a late step of the old owner is never recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A deadline shared between a heartbeat and the engines that rely on it.
#[derive(Debug, Clone, Default)]
pub struct LeaseClock(Arc<AtomicI64>);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl LeaseClock {
    /// A clock whose lease holds for `lease` from now.
    pub fn holding(lease: Duration) -> LeaseClock {
        let c = LeaseClock::default();
        c.renewed_at(now_ms(), lease);
        c
    }

    /// Milliseconds since the epoch, for [`LeaseClock::renewed_at`].
    pub fn now() -> i64 {
        now_ms()
    }

    /// A renewal that began at `began` (ms) succeeded.
    pub fn renewed_at(&self, began: i64, lease: Duration) {
        let until = began.saturating_add(lease.as_millis() as i64);
        self.0.fetch_max(until, Ordering::SeqCst);
    }

    /// Whether the lease may have run out.
    pub fn lapsed(&self) -> bool {
        now_ms() >= self.0.load(Ordering::SeqCst)
    }

    /// Resolves once the lease may have run out.
    pub async fn until_lapsed(&self) {
        while !self.lapsed() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Renews this orch's leases at a third of their length while a drive runs beside it
/// (on the same thread: a command, the scheduler); returns only when the store cannot
/// be reached.
pub async fn keep(store: &crate::store::Store, lease: Duration) -> crate::error::Error {
    loop {
        tokio::time::sleep(lease / 3).await;
        if let Err(e) = store.renew_leases(super::owner::me(), lease).await {
            return e.into();
        }
    }
}
