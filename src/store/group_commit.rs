//! What both stores' group committers share (`sqlite::committer`,
//! `postgres::committer`): the commits engines hand over, how a batch is gathered,
//! and how each engine gets its answer. How a batch is written is each store's own.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::processes::{Committed, Left, StepCommit};
use super::{StoreError, StoreResult};

/// The most steps written in one transaction.
pub const MAX_BATCH: usize = 256;

/// A step commit waiting for its batch, and the engine waiting for its answer.
pub struct Job {
    pub commit: StepCommit,
    reply: oneshot::Sender<StoreResult<Committed>>,
}

impl Job {
    /// Tells the engine how its step went (an engine that stopped waiting, its drive
    /// dropped, needs no answer).
    pub fn answer(self, result: StoreResult<Left>) {
        let answer = result.map(|left| Committed {
            status: left.status,
            step: self.commit.step,
            abort_asked: left.abort_asked,
        });
        let _ = self.reply.send(answer);
    }
}

/// The handle engines send their commits to.
pub struct Committer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// A committer and the queue its writer serves.
    pub fn channel() -> (Committer, mpsc::UnboundedReceiver<Job>) {
        let (jobs, rx) = mpsc::unbounded_channel();
        (Committer { jobs }, rx)
    }

    /// Writes one step with whatever else is waiting; returns once it is durable.
    pub async fn commit(&self, commit: StepCommit) -> StoreResult<Committed> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { commit, reply })
            .map_err(|_| StoreError::Other("the committer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Other("the committer stopped".into()))?
    }
}

/// A step that is waiting, for a batch of `len` steps so far, unless the batch is full.
pub fn take_waiting(len: usize, rx: &mut mpsc::UnboundedReceiver<Job>) -> Option<Job> {
    if len >= MAX_BATCH {
        return None;
    }
    rx.try_recv().ok()
}

/// Processes that committed a step this recently are busy: more of their steps are
/// coming.
const BUSY: Duration = Duration::from_millis(20);
/// A batch waits for more steps only while at least this many processes are busy.
const SIBLINGS: usize = 4;
/// The longest a batch waits for more steps.
const GATHER: Duration = Duration::from_millis(2);
/// How often a waiting batch takes the steps that arrived. Steps that took less than
/// this (built-ins) never make their batch wait.
const GATHER_SLICE: Duration = Duration::from_micros(100);

/// Batches that wait a moment for the steps of other busy processes when the batch
/// would otherwise be small, as PostgreSQL's `commit_delay` with `commit_siblings`
/// does. A batch of one or two steps costs a whole fsync, and each wake-up of the
/// committer and each fsync's completion costs the cores about as much as a short
/// step's own work (`cargo bench --bench orch -- worker-run-true`).
///
/// The batch is handed out one step at a time ([`Gathering::next`]), so the committer
/// writes each as it comes and the steps that arrive meanwhile join the same
/// transaction: it commits when none is left waiting.
///
/// The wait is for steps that took a while, such as commands: at most as long as the
/// shortest step in the batch took, never more than [`GATHER`], and it ends as soon
/// as half the busy processes are in the batch. It sleeps rather than waiting on the
/// queue, so the steps that arrive meanwhile wake nobody. A built-in step takes
/// microseconds and is waiting for the commit alone, so its batch never waits, nor
/// does a batch while fewer than [`SIBLINGS`] processes are busy (a `workflow run`,
/// a worker with little to do).
#[derive(Default)]
pub struct Gatherer {
    /// The processes that committed a step lately, and when.
    seen: HashMap<String, Instant>,
}

impl Gatherer {
    /// A batch that starts with `first`, whose other steps [`Gathering::next`] gives.
    pub fn start(&mut self, first: &Job) -> Gathering {
        let now = Instant::now();
        self.seen.retain(|_, at| now.duration_since(*at) < BUSY);
        Gathering {
            started: now,
            busy: self.seen.len(),
            shortest: first.commit.took,
            len: 1,
        }
    }

    /// Notes the processes of a batch written: they are busy for a while.
    pub fn wrote(&mut self, batch: &[Job]) {
        let now = Instant::now();
        for job in batch {
            match self.seen.get_mut(&job.commit.process_id) {
                Some(at) => *at = now,
                None => {
                    self.seen.insert(job.commit.process_id.clone(), now);
                }
            }
        }
    }
}

/// A batch being gathered (see [`Gatherer`]).
pub struct Gathering {
    started: Instant,
    /// How many processes were busy when it started.
    busy: usize,
    /// The shortest time a step of the batch took.
    shortest: Duration,
    len: usize,
}

impl Gathering {
    /// The batch's next step: one already waiting, or one that arrives while the batch
    /// is worth waiting for; None: the batch is complete.
    pub fn next(&mut self, rx: &mut mpsc::UnboundedReceiver<Job>) -> Option<Job> {
        while self.len < MAX_BATCH {
            if let Some(job) = take_waiting(self.len, rx) {
                self.len += 1;
                self.shortest = self.shortest.min(job.commit.took);
                return Some(job);
            }
            let until = self.started + gather_for(self.busy, self.shortest);
            let now = Instant::now();
            if now >= until || self.len >= self.busy / 2 {
                return None;
            }
            std::thread::sleep(GATHER_SLICE.min(until - now));
        }
        None
    }
}

/// The longest a batch whose shortest step took `shortest` waits for more while
/// `busy` processes are committing steps.
fn gather_for(busy: usize, shortest: Duration) -> Duration {
    if busy < SIBLINGS || shortest < GATHER_SLICE {
        return Duration::ZERO;
    }
    GATHER.min(shortest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn only_command_steps_among_busy_processes_wait() {
        // Sixteen processes running commands of a few milliseconds: at most GATHER.
        assert_eq!(gather_for(16, ms(4)), GATHER);
        // Never longer than the shortest step of the batch took.
        assert_eq!(gather_for(16, ms(1)), ms(1));
        assert_eq!(
            gather_for(16, Duration::from_micros(300)),
            Duration::from_micros(300)
        );
        // A lone process, or three, never waits: nobody else would join its batch.
        assert_eq!(gather_for(1, ms(4)), Duration::ZERO);
        assert_eq!(gather_for(3, ms(4)), Duration::ZERO);
        // Built-in steps take microseconds; their processes wait for the commit alone.
        assert_eq!(gather_for(64, Duration::from_micros(40)), Duration::ZERO);
        assert_eq!(gather_for(64, Duration::ZERO), Duration::ZERO);
    }
}
