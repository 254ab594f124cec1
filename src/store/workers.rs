//! Workers, the engine switch and the claims that hand processes to whoever runs them
//! (DESIGN §12), as the store hands them out.

use serde::Serialize;

use super::processes::ProcessRow;

/// An orch that runs processes from the queue, as `worker list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerRow {
    /// Its owner name (`host/pid/start`), which the processes it runs carry.
    pub worker_id: String,
    pub host: String,
    pub pid: i64,
    pub concurrency: i64,
    pub started_at: String,
    pub heartbeat_at: String,
    pub lease_until: String,
    pub stopped_at: Option<String>,
    /// When it was asked to stop (it claims nothing more since), and when the grace of
    /// its steps in flight runs out.
    pub stopping_at: Option<String>,
    pub grace_until: Option<String>,
    /// The processes it runs now.
    pub processes: Vec<String>,
    /// Its lease ran out, by the database's clock (a worker that beats no more).
    #[serde(skip)]
    pub lease_over: bool,
}

/// Whether steps may start, and how many are still running.
#[derive(Debug, Clone, Serialize)]
pub struct EngineState {
    pub paused_at: Option<String>,
    pub paused_by: Option<String>,
    /// Processes running now in a live orch: while paused, each finishes its step and
    /// rests. (One whose orch died, its lease run out, is not counted.)
    pub running: i64,
}

/// A process a claim handed over.
#[derive(Debug, Clone)]
pub struct ClaimedProcess {
    /// The row as it was before the claim.
    pub process: ProcessRow,
    /// The owner whose lease had expired, when the claim took the process over.
    pub taken_over_from: Option<String>,
}

/// The terms of a claim of one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTerms {
    pub lease: std::time::Duration,
    /// A takeover of an owner whose lease ran out, judged by the store's clock.
    pub lease_over: bool,
    /// The claim starts no step (an abort, an answer recorded for a worker), so a
    /// paused engine does not refuse it.
    pub starts_no_step: bool,
}

/// How a claim went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    Taken,
    /// Someone changed the row since it was read.
    Lost,
    /// The engine is paused: nothing starts.
    Paused,
}

/// Which processes a claim may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runnable<'a> {
    /// What a worker runs: queued processes, waiting ones whose time has come, and
    /// running ones whose owner's lease ran out.
    Any,
    /// Waiting processes due at `at` (the scheduler retries them, by the clock its
    /// schedules use) that came to rest before `rested_before` (the start of the
    /// scheduler's pass, by the database's clock): one retried in this pass is not
    /// retried again in it, whatever the two clocks say.
    WaitingDueAt { at: &'a str, rested_before: &'a str },
    /// Every waiting process that came to rest before this time, due or not
    /// (`resume_waiting`: each is retried once per run).
    WaitingBefore(&'a str),
}
