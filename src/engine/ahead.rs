//! Shells started ahead for the coming `run` steps of a drive.
//!
//! `exec` and dynamic loading are most of what starting `sh` costs. Started while the
//! steps before them run and commit, the shells of the next steps load on another core
//! and wait at their gate (see `command`), so a step's turn only costs the go line.
//! Nothing of a step runs before its turn: a shell that is never used is killed when
//! it is dropped.

use std::collections::VecDeque;

use super::command::Gated;

/// How many `run` steps ahead a shell is started. One loads while the step before it
/// runs and commits. A second one per process was as fast for a lone `workflow run`
/// and slower for a worker running many processes at once (more gated shells and
/// descriptors for every spawn to copy; `cargo bench --bench orch -- worker-run-true`).
pub const SHELLS_AHEAD: usize = 1;

/// A shell being started on a blocking thread: the parent of a `posix_spawn` waits
/// until the child has called `exec`, which the drive has better things to do than
/// wait for.
pub type Starting = tokio::task::JoinHandle<std::io::Result<Gated>>;

/// The shells started for planned steps, by their index among the remaining steps.
#[derive(Default)]
pub struct Ahead {
    queue: VecDeque<(usize, Starting)>,
}

impl Ahead {
    /// The shell started for step `i`, if one was (and started).
    pub async fn take(&mut self, i: usize) -> Option<Gated> {
        if self.queue.front().is_some_and(|(at, _)| *at == i) {
            let (_, starting) = self.queue.pop_front()?;
            return starting.await.ok().and_then(Result::ok);
        }
        None
    }

    /// Starts shells for the steps after `i` up to [`SHELLS_AHEAD`] that have none yet;
    /// `start(j)` starts the one of step `j`, or says it is not a `run` step.
    pub fn fill(&mut self, i: usize, mut start: impl FnMut(usize) -> Option<Starting>) {
        let from = self.queue.back().map_or(i + 1, |(at, _)| at + 1);
        for j in from..=i + SHELLS_AHEAD {
            if let Some(starting) = start(j) {
                self.queue.push_back((j, starting));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each step gets at most one shell, started once, and the queue stays in order.
    #[test]
    fn every_step_is_started_once_and_taken_in_order() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut ahead = Ahead::default();
            let mut asked = Vec::new();
            let start = |j: usize, asked: &mut Vec<usize>| {
                asked.push(j);
                // Step 3 is not a `run` step; the others "fail to start", which a
                // drive treats like having no shell.
                (j != 3)
                    .then(|| tokio::task::spawn_blocking(|| Err(std::io::Error::other("no shell"))))
            };
            ahead.fill(0, |j| start(j, &mut asked));
            assert_eq!(asked, [1]);
            assert!(ahead.take(0).await.is_none());
            ahead.fill(0, |j| start(j, &mut asked));
            assert_eq!(asked, [1], "a step was started twice");
            assert!(ahead.take(1).await.is_none());
            assert!(ahead.queue.is_empty());
            ahead.fill(1, |j| start(j, &mut asked));
            assert_eq!(asked, [1, 2]);
            assert_eq!(ahead.queue.front().map(|(at, _)| *at), Some(2));
            assert!(ahead.take(2).await.is_none());
            // Step 3 is not a `run` step: nothing is queued for it.
            ahead.fill(2, |j| start(j, &mut asked));
            assert_eq!(asked, [1, 2, 3]);
            assert!(ahead.queue.is_empty());
            ahead.fill(3, |j| start(j, &mut asked));
            assert_eq!(asked, [1, 2, 3, 4]);
        });
    }
}
