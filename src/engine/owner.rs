//! Who runs a process: `host/pid/start-time` of the orch that claimed it.
//!
//! The start time (from /proc on Linux) tells a live owner from a reused pid. A process
//! whose row says running but whose owner is gone is *stale*; retry and resume take it
//! over. An owner on another host cannot be checked from here and is taken as alive.
//!
//! [`claim`] is the one way to take a process: `process retry|resume`, the scheduler
//! and the built-in tasks all go through it, so two orchs never run a process at once.

use std::sync::OnceLock;

use std::time::Duration;

use crate::domain::process::ProcessStatus;
use crate::error::Error;
use crate::store::processes::ProcessRow;
use crate::store::workers::{ClaimOutcome, ClaimTerms, WorkerRow};
use crate::store::{Store, StoreError};

/// How long a lease on a running process lasts (DESIGN §12: 15 s unless `--lease`).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);

/// This orch's owner name: `host/pid/start-time`.
pub fn me() -> &'static str {
    static ME: OnceLock<String> = OnceLock::new();
    ME.get_or_init(|| {
        let pid = std::process::id();
        format!("{}/{}/{}", hostname(), pid, start_ticks(pid).unwrap_or(0))
    })
}

pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".to_string();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).replace('/', "_")
}

/// The start time of a process in clock ticks since boot (Linux), to detect pid reuse.
fn start_ticks(pid: u32) -> Option<u64> {
    stat_fields(pid)?.nth(19)?.parse().ok()
}

/// A killed orch that its parent has not reaped yet is a zombie: dead, though its pid
/// still answers signal 0.
fn is_zombie(pid: u32) -> bool {
    stat_fields(pid)
        .and_then(|mut f| f.next())
        .is_some_and(|state| matches!(state.as_str(), "Z" | "X"))
}

/// The fields of `/proc/PID/stat` after the command name, starting with the state.
fn stat_fields(pid: u32) -> Option<std::vec::IntoIter<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<String> = rest.split(' ').map(str::to_string).collect();
    Some(fields.into_iter())
}

/// Whether the orch named by `owner` still runs, as far as this host can tell.
pub fn is_alive(owner: &str) -> bool {
    let mut parts = owner.split('/');
    let (Some(host), Some(pid), start) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if host != hostname() {
        return true;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    let Ok(pid_t) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid_t, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    if !exists || is_zombie(pid) {
        return false;
    }
    match (start.and_then(|s| s.parse::<u64>().ok()), start_ticks(pid)) {
        (Some(recorded), Some(now)) if recorded != 0 => recorded == now,
        _ => true,
    }
}

/// A readable form for messages: `pid 1234 on host`.
pub fn describe(owner: &str) -> String {
    let mut parts = owner.split('/');
    match (parts.next(), parts.next()) {
        (Some(host), Some(pid)) => format!("orch pid {pid} on {host}"),
        _ => owner.to_string(),
    }
}

/// How the orch holding a process is known to be gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// It ran on this host and its process is dead.
    Dead,
    /// It runs elsewhere (or cannot be checked) and its lease ran out.
    LeaseOver,
}

/// Whether the orch named as a process's owner is gone: on this host its pid says so
/// at once; elsewhere only its lease can, once it ran out.
pub fn holder_gone(p: &ProcessRow) -> Option<Gone> {
    owner_gone(p.owner.as_deref()?, p.lease_until.as_deref())
}

/// [`holder_gone`] for an owner and the end of its lease (a worker's row has both).
pub fn owner_gone(owner: &str, lease_until: Option<&str>) -> Option<Gone> {
    if owner_host(owner) == Some(hostname().as_str()) {
        return (!is_alive(owner)).then_some(Gone::Dead);
    }
    let now = crate::clock::now_text();
    lease_until
        .is_some_and(|until| until < now.as_str())
        .then_some(Gone::LeaseOver)
}

/// How a worker of the `workers` table stands, as `worker list` says and the server
/// counts live workers: one that said it stopped; one known gone (on this host its
/// pid is, at once; elsewhere its lease ran out by the database's clock); one asked to
/// stop, which claims nothing more while its steps in flight finish; or one that runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    Running,
    Stopping,
    Dead,
    Stopped,
}

impl WorkerState {
    pub fn of(w: &WorkerRow) -> WorkerState {
        let gone = if owner_host(&w.worker_id) == Some(hostname().as_str()) {
            !is_alive(&w.worker_id)
        } else {
            w.lease_over
        };
        if w.stopped_at.is_some() {
            WorkerState::Stopped
        } else if gone {
            WorkerState::Dead
        } else if w.stopping_at.is_some() {
            WorkerState::Stopping
        } else {
            WorkerState::Running
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Running => "running",
            WorkerState::Stopping => "stopping",
            WorkerState::Dead => "dead",
            WorkerState::Stopped => "stopped",
        }
    }
}

fn owner_host(owner: &str) -> Option<&str> {
    owner.split('/').next()
}

/// The live orch that runs `p` at this moment (this one included: a server's own
/// worker), or None when it rests or its orch is gone. Such a process is aborted by
/// asking its orch to (`Store::request_abort`).
pub fn running_live(p: &ProcessRow) -> Option<&str> {
    if p.status != ProcessStatus::Running || holder_gone(p).is_some() {
        return None;
    }
    p.owner.as_deref()
}

/// A process whose row says running while the orch that ran it is gone.
pub fn is_stale(p: &ProcessRow) -> bool {
    is_stale_row(p.status, p.owner.as_deref(), p.lease_until.as_deref())
}

/// [`is_stale`] for the columns it looks at, where the whole row was not read.
pub fn is_stale_row(status: ProcessStatus, owner: Option<&str>, lease_until: Option<&str>) -> bool {
    status == ProcessStatus::Running && owner.is_none_or(|o| owner_gone(o, lease_until).is_some())
}

/// The outcome of [`claim`].
pub enum Claim {
    /// This orch owns the process now; the row as it was before the claim.
    Claimed(Box<ProcessRow>),
    /// Another live orch runs it.
    Owned(String),
    /// Its status is not one the caller may take it from (and it is not stale).
    Refused(Box<ProcessRow>),
    /// The engine is paused: no process starts running.
    Paused,
    Missing,
}

/// Takes a process for this orch: refuses a live owner, takes over a stale one, and
/// accepts only the statuses in `allowed`. The store's compare-and-set is the claim
/// itself: it only changes the row if nobody changed its owner or status since it was
/// read here. When another orch got in between, the row is read again, so the answer
/// names who holds it now.
pub async fn claim(
    store: &Store,
    id: &str,
    allowed: &[ProcessStatus],
    lease: Duration,
) -> Result<Claim, StoreError> {
    claim_for(store, id, allowed, lease, false).await
}

/// [`claim`] for a change that starts no step (an abort, an answer recorded for a
/// worker): it goes ahead while the engine is paused (an operator stops a process and
/// lets its locks go during an incident, or answers a form for later). A resting
/// process does not start running for it: the claim writes no `process.running`, and
/// the row handed out carries the status it rested in (`claimed_from`) for the step
/// recorded next to name as the one it went from.
pub async fn claim_to_end(
    store: &Store,
    id: &str,
    allowed: &[ProcessStatus],
    lease: Duration,
) -> Result<Claim, StoreError> {
    claim_for(store, id, allowed, lease, true).await
}

async fn claim_for(
    store: &Store,
    id: &str,
    allowed: &[ProcessStatus],
    lease: Duration,
    starts_no_step: bool,
) -> Result<Claim, StoreError> {
    for _ in 0..3 {
        let Some(mut p) = store.process(id).await? else {
            return Ok(Claim::Missing);
        };
        let gone = holder_gone(&p);
        if let Some(o) = p.owner.as_deref().filter(|o| *o != me() && gone.is_none()) {
            return Ok(Claim::Owned(o.to_string()));
        }
        if !allowed.contains(&p.status) && !is_stale(&p) {
            return Ok(Claim::Refused(Box::new(p)));
        }
        let terms = ClaimTerms {
            lease,
            lease_over: gone == Some(Gone::LeaseOver),
            starts_no_step,
        };
        match store
            .claim_process(id, p.owner.as_deref(), p.status, me(), terms)
            .await?
        {
            ClaimOutcome::Taken => {
                if starts_no_step {
                    p.claimed_from = Some(p.status);
                }
                return Ok(Claim::Claimed(Box::new(p)));
            }
            ClaimOutcome::Paused => return Ok(Claim::Paused),
            ClaimOutcome::Lost => {}
        }
    }
    Ok(Claim::Owned("another orch".to_string()))
}

/// The process a claim took, or the error that says why it could not (exit 6 or 7,
/// with what to do instead), for every caller that claims on someone's behalf; `done`
/// is what the caller would do to it, as in "it cannot be `retried`".
pub fn claimed(outcome: Claim, id: &str, done: &str) -> Result<ProcessRow, Error> {
    match outcome {
        Claim::Claimed(p) => Ok(*p),
        Claim::Missing => Err(Error::not_found(format!("no process {id}"))),
        Claim::Paused => Err(crate::engine::start::paused_for(done, id)),
        Claim::Owned(o) => Err(Error::conflict(format!(
            "process {id} is being run by {}",
            describe(&o)
        ))
        .with_hint(format!(
            "wait for it to finish (watch it with `orch process show {id}`), or stop that orch first"
        ))),
        Claim::Refused(p) => Err(refused(&p, done)),
    }
}

/// The refusal of a change that lost the process between reading it as `seen` and
/// making it (another orch claimed it, or queued it, in between): said of the process
/// as it is now, naming who holds it, as when the other had come first.
pub async fn lost(store: &Store, id: &str, seen: ProcessStatus, done: &str) -> Error {
    let changed = || {
        Error::conflict(format!("process {id} changed while it was being queued"))
            .with_hint(format!("`orch process show {id}` says what it does now"))
    };
    match store.process(id).await {
        Ok(Some(now)) if now.status != seen => refused(&now, done),
        // Held where its status did not change (an abort or an answer being recorded).
        Ok(Some(ProcessRow { owner: Some(o), .. })) => claimed(Claim::Owned(o), id, done)
            .err()
            .unwrap_or_else(changed),
        _ => changed(),
    }
}

/// The error for a process whose status does not allow what the caller would do to
/// it (`done`, as in "it cannot be `retried`"), with what it allows instead.
pub fn refused(p: &ProcessRow, done: &str) -> Error {
    let id = &p.process_id;
    // Running here, in this orch (a server's own worker), it is still someone's.
    let by = match p.owner.as_deref() {
        Some(o) if p.status == ProcessStatus::Running => format!(" (by {})", describe(o)),
        _ => String::new(),
    };
    Error::conflict(format!(
        "process {id} is {}{by}, so it cannot be {done}",
        p.status.in_words()
    ))
    .with_hint(crate::shapes::next_hint(p).unwrap_or_else(|| format!("`orch process show {id}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        assert!(is_alive(me()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_alive(&format!("{}/{pid}/1", hostname())));
    }

    #[test]
    fn a_zombie_owner_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let owner = format!("{}/{pid}/{}", hostname(), 0);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !is_zombie(pid) && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!is_alive(&owner));
        child.wait().unwrap();
    }
}
