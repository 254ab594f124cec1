//! What both stores' group committers share (`sqlite::committer`,
//! `postgres::committer`): the commits engines hand over, how a batch is gathered,
//! and how each engine gets its answer. How a batch is written is each store's own.

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
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}
