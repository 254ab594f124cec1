//! How long this orch may still trust its lease on the processes it runs.
//!
//! A worker renews its leases from a heartbeat of its own (its own thread and store
//! connection, so a busy engine never starves it). Each renewal that succeeds moves the
//! deadline: the time the renewal began plus the lease, less a safety margin (a fifth
//! of the lease) that covers noticing the deadline and stopping a step, and clocks that
//! do not tick alike. An engine starts no step once the deadline has passed, and stops a step that is still running then: past it,
//! another orch may already have taken the process over, and two orchs must never run
//! one process at once. The store's fencing (a step is written only by the process's
//! owner) makes sure that a late step of the old owner is never recorded.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A deadline shared between a heartbeat and the engines that rely on it.
#[derive(Debug, Clone, Default)]
pub struct LeaseClock(Arc<AtomicI64>);

/// Milliseconds on a monotonic clock (since this orch first asked): a wall clock set
/// back or forward must not stretch a lease.
fn now_ms() -> i64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as i64
}

/// How much sooner than the store this orch gives up its lease.
fn margin(lease: Duration) -> Duration {
    lease / 5
}

impl LeaseClock {
    /// A clock whose lease holds for `lease` from now.
    pub fn holding(lease: Duration) -> LeaseClock {
        let c = LeaseClock::default();
        c.renewed_at(now_ms(), lease);
        c
    }

    /// Now, in the clock's milliseconds, for [`LeaseClock::renewed_at`].
    pub fn now() -> i64 {
        now_ms()
    }

    /// A renewal that began at `began` (ms) succeeded.
    pub fn renewed_at(&self, began: i64, lease: Duration) {
        let trusted = lease.saturating_sub(margin(lease));
        let until = began.saturating_add(trusted.as_millis() as i64);
        self.0.fetch_max(until, Ordering::SeqCst);
    }

    /// Whether the lease may have run out.
    pub fn lapsed(&self) -> bool {
        now_ms() >= self.0.load(Ordering::SeqCst)
    }

    /// Resolves once the lease may have run out (within a few milliseconds).
    pub async fn until_lapsed(&self) {
        loop {
            let left = self.0.load(Ordering::SeqCst) - now_ms();
            if left <= 0 {
                return;
            }
            // Woken again at the deadline, or sooner if it moved.
            tokio::time::sleep(Duration::from_millis(left.min(100) as u64)).await;
        }
    }
}

/// Renews this orch's leases at a third of their length while a drive runs beside it
/// (on the same thread: a command, the scheduler), and tells `asked` which of its
/// processes someone asked to abort; returns only when the store cannot be reached.
pub async fn keep(
    store: &crate::store::Store,
    lease: Duration,
    asked: &super::abort_request::AbortRequests,
) -> crate::error::Error {
    loop {
        tokio::time::sleep(lease / 3).await;
        match store.renew_leases(super::owner::me(), lease).await {
            Ok(requests) => asked.seen(requests),
            Err(e) => return e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_trusted_for_less_than_its_length() {
        let lease = Duration::from_millis(500);
        let clock = LeaseClock::holding(lease);
        assert!(!clock.lapsed());
        std::thread::sleep(Duration::from_millis(420));
        assert!(clock.lapsed(), "given up before the store would let it go");
    }

    #[test]
    fn a_renewal_moves_the_deadline_forward_only() {
        let lease = Duration::from_secs(10);
        let clock = LeaseClock::holding(lease);
        let later = clock.0.load(Ordering::SeqCst);
        clock.renewed_at(LeaseClock::now() - 60_000, lease);
        assert_eq!(clock.0.load(Ordering::SeqCst), later);
    }
}
