//! What both stores' group committers share (`sqlite::committer`,
//! `postgres::committer`): the commits engines hand over, how a batch is gathered,
//! and how each engine gets its answer. How a batch is written is each store's own.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::processes::{Committed, StepCommit};
use super::{StoreError, StoreResult};
use crate::domain::process::ProcessStatus;

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
    pub fn answer(self, result: StoreResult<ProcessStatus>) {
        let answer = result.map(|status| Committed {
            status,
            step: self.commit.step,
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

/// `first` and every other commit already waiting, up to [`MAX_BATCH`]: no delay is
/// added, the next batch gathers while one is written.
pub fn batch(first: Job, rx: &mut mpsc::UnboundedReceiver<Job>) -> Vec<Job> {
    let mut batch = vec![first];
    take_waiting(&mut batch, rx);
    batch
}

fn take_waiting(batch: &mut Vec<Job>, rx: &mut mpsc::UnboundedReceiver<Job>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Processes that committed a step this recently are busy: more of their steps are
/// coming.
const BUSY: Duration = Duration::from_millis(20);
/// A batch waits for more steps only while at least this many processes are busy.
const SIBLINGS: usize = 4;
/// The longest a batch waits for more steps.
const GATHER: Duration = Duration::from_micros(300);

/// Batches that wait a moment for the steps of other busy processes when the batch
/// would otherwise be small, as PostgreSQL's `commit_delay` with `commit_siblings`
/// does. A batch of one or two steps costs a whole fsync, and each wake-up of the
/// committer and each fsync's completion costs the cores about as much as a short
/// step's own work (`cargo bench --bench orch -- worker-run-true`).
///
/// The wait is for steps that took a while, such as commands: at most a quarter of
/// the shortest step in the batch, and never more than [`GATHER`]. A step that took
/// no time (a built-in) is waiting for the commit alone, so its batch never waits,
/// nor does a batch while fewer than [`SIBLINGS`] processes are busy (a `workflow
/// run`, a worker with little to do), nor one that holds half the busy processes.
#[derive(Default)]
pub struct Gatherer {
    /// The processes that committed a step lately, and when.
    seen: HashMap<String, Instant>,
}

impl Gatherer {
    /// [`batch`], waiting once for more steps when busy processes are likely to add
    /// some.
    pub fn batch(&mut self, first: Job, rx: &mut mpsc::UnboundedReceiver<Job>) -> Vec<Job> {
        let mut batch = batch(first, rx);
        let now = Instant::now();
        self.seen.retain(|_, at| now.duration_since(*at) < BUSY);
        let shortest = batch.iter().map(|job| job.commit.duration_ms).min();
        let wait = gather_for(self.seen.len(), batch.len(), shortest.unwrap_or(0));
        if !wait.is_zero() {
            std::thread::sleep(wait);
            take_waiting(&mut batch, rx);
        }
        let now = Instant::now();
        for job in &batch {
            match self.seen.get_mut(&job.commit.process_id) {
                Some(at) => *at = now,
                None => {
                    self.seen.insert(job.commit.process_id.clone(), now);
                }
            }
        }
        batch
    }
}

/// How long a batch of `len` steps, the shortest of which took `shortest_ms`, waits
/// for more while `busy` processes are committing steps.
fn gather_for(busy: usize, len: usize, shortest_ms: u128) -> Duration {
    if busy < SIBLINGS || len >= busy / 2 {
        return Duration::ZERO;
    }
    GATHER.min(Duration::from_millis(shortest_ms.min(1_000) as u64) / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_small_batch_of_command_steps_among_busy_processes_waits() {
        // Sixteen processes running commands of a few milliseconds: one step waits.
        assert_eq!(gather_for(16, 1, 4), GATHER);
        // Steps of a millisecond wait a quarter of one.
        assert_eq!(gather_for(16, 1, 1), Duration::from_micros(250));
        // A lone process, or three, never waits: nobody else would join its batch.
        assert_eq!(gather_for(1, 1, 4), Duration::ZERO);
        assert_eq!(gather_for(3, 1, 4), Duration::ZERO);
        // Built-in steps take no time; their processes wait for the commit alone.
        assert_eq!(gather_for(64, 1, 0), Duration::ZERO);
        // A batch that already holds half the busy processes goes at once.
        assert_eq!(gather_for(16, 8, 4), Duration::ZERO);
    }
}
