//! Running a group step (`parallel`, `foreach`): the fork, its branches as futures of
//! the process's own drive, and the join (DESIGN §13).
//!
//! Branches of one process run inside that process's drive, at most `max_parallel` at
//! once: they share its lease and its owner, and each of their steps is committed
//! through the runner's one commit, as a row of the step log with the branch's path.
//! A branch's state is the state at the fork (which no step of the group's scope
//! changes until the join) with its item, plus the patches of its own steps; after a
//! crash or a retry it is rebuilt from the log, so finished branch steps never run
//! again and finished branches never run at all.
//!
//! The group ends when every branch is at rest, and only then is its own row (the
//! join) committed in its scope: `success` with the merged or collected net changes,
//! else `failed` if a branch failed, `waiting` if one waits, `suspend` if one awaits
//! input. A failed branch stops its siblings only with `fail_fast`, and then only
//! between steps: a step in flight finishes and is committed. When the engine pauses
//! or this orch stops taking work, branches stop between steps the same way and the
//! process rests without a join.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::Value;

use super::join;
use super::merge;
use super::plan::next_attempt_in;
use super::runner::{Answers, Attempt, Current, Engine, Final, StepEnd};
use super::scope::{self, Branch};
use crate::domain::path;
use crate::domain::process::StepStatus;
use crate::domain::workflow::{StepDef, StepKind};
use crate::error::Error;
use crate::store::processes::StepRow;

/// How a branch ended this drive.
enum Ended {
    /// Every step done: its net change.
    Done(Value),
    /// A step failed: its path and error.
    Failed(String, Option<String>),
    /// A step waits: after a transient failure, for child processes (`children`), or
    /// for a lock (`lock`: `Some`), which a sibling branch holds (`Some(true)`).
    Waiting {
        children: bool,
        lock: Option<bool>,
    },
    /// A step waits for input, its own or a child process's (`children`).
    Suspended {
        children: bool,
    },
    /// A step waits for the answer to a callback, its own or a child process's.
    AwaitingCallback {
        children: bool,
    },
    /// Stopped between steps: the engine is paused, this orch stops taking work, or its
    /// lease may have run out.
    Stopped,
    Interrupted,
    /// Stopped for an abort asked for while it ran.
    Aborted,
    /// Not run on: a sibling failed and the group fails fast.
    Halted,
}

/// What the branches of one group tell each other.
#[derive(Default)]
struct Halt {
    failed: AtomicBool,
    rest: AtomicBool,
}

impl Engine<'_> {
    /// Runs the group step `step` in the scope `cur` and commits its join there.
    pub(super) async fn group(
        &self,
        cur: &mut Current,
        step: &StepDef,
        attempt: i64,
        input: &mut Answers,
        log: &[StepRow],
    ) -> Result<Option<Final>, Error> {
        let started = Instant::now();
        let at = cur.path_of(&step.name);
        let list = match scope::branches(step, &at, &cur.state) {
            Ok(list) => list,
            Err(why) => {
                let end = StepEnd::new(&step.name, attempt, started, Attempt::failed(why));
                return self.end_group(cur, end, log).await;
            }
        };
        if list.len() > 1 {
            // Branch steps that finish together share a commit.
            self.store.start_group_commit()?;
        }
        self.observer.with(|o| o.step_started(&at, attempt));
        let halt = Halt::default();
        let fail_fast = step.kind.fail_fast();
        let max = step.kind.max_parallel();
        let mut ends: Vec<Option<Ended>> = (0..list.len()).map(|_| None).collect();
        // Each branch's rows (with those of groups nested in it), split off the log in
        // one pass: a branch reads only its own, so resuming a group of thousands of
        // branches does not read the whole log once per branch.
        let mut logs: HashMap<String, Vec<StepRow>> = HashMap::new();
        for r in log {
            if let Some(p) = r.branch.as_deref().filter(|p| path::under(p, &at)) {
                logs.entry(path::branch_of(&at, p))
                    .or_default()
                    .push(r.clone());
            }
        }
        {
            let parent = &*cur;
            let mut running = FuturesUnordered::new();
            // Branches resting while their child process runs elsewhere (under a
            // worker, children are queued): they still count against `max_parallel`.
            let mut holding = 0;
            let mut next = 0;
            loop {
                while running.len() + holding < max && next < list.len() {
                    let b = &list[next];
                    let log = logs.get(&b.path).map_or(&[][..], Vec::as_slice);
                    let answers = answers_within(input, &b.path);
                    let i = next;
                    let halt = &halt;
                    running.push(async move {
                        (
                            i,
                            self.branch(parent, b, answers, log, halt, fail_fast).await,
                        )
                    });
                    next += 1;
                }
                match running.next().await {
                    Some((i, ended)) => {
                        let ended = ended?;
                        if matches!(ended, Ended::Waiting { children: true, .. }) {
                            holding += 1;
                        }
                        ends[i] = Some(ended);
                    }
                    None => break,
                }
            }
            // Branches not started because children hold every slot wait for them: the
            // parent is woken when one comes to rest, and starts the next then.
            for e in ends.iter_mut().skip(next) {
                *e = Some(Ended::Waiting {
                    children: true,
                    lock: None,
                });
            }
        }
        let ends: Vec<Ended> = ends
            .into_iter()
            .map(|e| e.unwrap_or(Ended::Halted))
            .collect();
        self.join(cur, step, attempt, started, &list, ends, log)
            .await
    }

    /// Runs one branch until its steps are done or it comes to rest.
    async fn branch(
        &self,
        parent: &Current,
        b: &Branch<'_>,
        mut input: Answers,
        log: &[StepRow],
        halt: &Halt,
        fail_fast: bool,
    ) -> Result<Ended, Error> {
        let start = b.start(&parent.state);
        let mut cur = parent.for_branch(b.path.clone(), scope::fold(start.clone(), log, &b.path));
        let _running = cur.running_guard();
        for step in b.steps {
            if scope::rows_of(log, &b.path).any(|r| r.name == step.name && r.is_done()) {
                continue;
            }
            if halt.failed.load(Ordering::Relaxed) {
                return Ok(Ended::Halted);
            }
            if halt.rest.load(Ordering::Relaxed) || self.draining() || self.lease_lapsed() {
                return Ok(Ended::Stopped);
            }
            if self.cancelled() {
                return Ok(Ended::Interrupted);
            }
            if self.abort_due(&cur) {
                return Ok(Ended::Aborted);
            }
            let attempt = next_attempt_in(log, Some(&b.path), &step.name);
            let outcome = self
                .user_step(&mut cur, step, attempt, &mut input, None, log)
                .await?;
            if cur.rested {
                halt.rest.store(true, Ordering::Relaxed);
                return Ok(Ended::Stopped);
            }
            match outcome {
                None | Some(Final::Completed) => {}
                Some(Final::Failed) => {
                    if fail_fast {
                        halt.failed.store(true, Ordering::Relaxed);
                    }
                    let (at, _, error) = cur
                        .last
                        .take()
                        .unwrap_or_else(|| (cur.path_of(&step.name), StepStatus::Failed, None));
                    return Ok(Ended::Failed(at, error));
                }
                Some(Final::Waiting) => {
                    return Ok(Ended::Waiting {
                        children: cur.awaits_children,
                        lock: cur.awaits_lock,
                    });
                }
                Some(Final::Suspended) => {
                    return Ok(Ended::Suspended {
                        children: cur.awaits_children,
                    });
                }
                Some(Final::Interrupted) => return Ok(Ended::Interrupted),
                Some(Final::Aborted) => return Ok(Ended::Aborted),
                Some(Final::AwaitingCallback) => {
                    return Ok(Ended::AwaitingCallback {
                        children: cur.awaits_children,
                    });
                }
            }
        }
        Ok(Ended::Done(merge::diff(&start, &cur.state)))
    }

    /// Decides how the group ended and commits its row.
    #[allow(clippy::too_many_arguments)]
    async fn join(
        &self,
        cur: &mut Current,
        step: &StepDef,
        attempt: i64,
        started: Instant,
        list: &[Branch<'_>],
        ends: Vec<Ended>,
        log: &[StepRow],
    ) -> Result<Option<Final>, Error> {
        let total = list.len();
        let mut failed = Vec::new();
        let (mut waiting, mut children, mut stopped, mut interrupted) = (0, 0, false, false);
        let mut aborted = false;
        let (mut suspended, mut callbacks, mut locks, mut siblings) = (0, 0, 0, 0);
        // Branches at rest because a child process of theirs awaits input or a callback.
        let mut through_children = 0;
        let mut nets = Vec::new();
        for (b, e) in list.iter().zip(ends) {
            match e {
                Ended::Done(net) => nets.push((b.label.clone(), net)),
                Ended::Failed(at, error) => failed.push((b.label.clone(), at, error)),
                Ended::Waiting { children: c, lock } => {
                    waiting += 1;
                    children += usize::from(c);
                    locks += usize::from(lock.is_some());
                    siblings += usize::from(lock == Some(true));
                }
                Ended::Suspended { children: c } => {
                    suspended += 1;
                    through_children += usize::from(c);
                }
                Ended::AwaitingCallback { children: c } => {
                    callbacks += 1;
                    through_children += usize::from(c);
                }
                Ended::Stopped | Ended::Halted => stopped = true,
                Ended::Interrupted => interrupted = true,
                Ended::Aborted => aborted = true,
            }
        }
        if aborted {
            // The process's abort is logged in place of the group's row; branch steps
            // that finished before it were committed as usual.
            return Ok(Some(Final::Aborted));
        }
        let name = step.name.as_str();
        if interrupted {
            let end = StepEnd::new(
                name,
                attempt,
                started,
                Attempt::failed(format!("{}; the branches stopped", super::INTERRUPTED)),
            );
            self.end_group(cur, end, log).await?;
            return Ok(Some(Final::Interrupted));
        }
        if !failed.is_empty() {
            let end = StepEnd::new(
                name,
                attempt,
                started,
                Attempt::failed(failures(&failed, total)),
            );
            return self.end_group(cur, end, log).await;
        }
        if stopped {
            // Paused or stopping: no join; the process rests, resumable.
            if cur.branch.is_none() {
                self.rest(cur).await?;
            }
            cur.rested = true;
            return Ok(Some(Final::Waiting));
        }
        // Branches waiting only for locks their siblings at rest hold wait for what
        // those siblings await: the group is suspended or awaits callbacks.
        let behind_siblings = waiting > 0 && waiting == siblings && suspended + callbacks > 0;
        if waiting > 0 && !behind_siblings {
            let transient = waiting - children - locks;
            let why = match (children, locks, transient) {
                (c, 0, 0) => format!("{c} of {total} branches wait for child processes"),
                (0, l, 0) => format!("{l} of {total} branches wait for a lock"),
                (0, 0, t) => format!(
                    "{t} of {total} branches are waiting after a transient failure; retry later"
                ),
                (c, l, t) => {
                    let parts = [
                        (c, "for child processes"),
                        (l, "for a lock"),
                        (t, "after a transient failure"),
                    ];
                    let parts: Vec<String> = parts
                        .iter()
                        .filter(|(n, _)| *n > 0)
                        .map(|(n, what)| format!("{n} {what}"))
                        .collect();
                    format!(
                        "{waiting} of {total} branches are waiting: {}",
                        parts.join(", ")
                    )
                }
            };
            let mut end = StepEnd::new(
                name,
                attempt,
                started,
                Attempt {
                    status: StepStatus::Waiting,
                    error: Some(why),
                    ..Attempt::ok(Value::Object(Default::default()))
                },
            );
            end.awaits_children = children == waiting;
            return self.end_group(cur, end, log).await;
        }
        if suspended + callbacks > 0 {
            // The group awaits what its branches await: a callback only when no branch
            // awaits input (an operator's answer is asked for first).
            let (status, why) = match (suspended, callbacks) {
                (0, c) => (
                    StepStatus::AwaitingCallback,
                    format!("{c} of {total} branches await a callback"),
                ),
                (s, 0) => (
                    StepStatus::Suspend,
                    format!("{s} of {total} branches await input"),
                ),
                (s, c) => (
                    StepStatus::Suspend,
                    format!("{s} of {total} branches await input, {c} a callback"),
                ),
            };
            let why = match through_children {
                0 => why,
                n => format!("{why} ({n} through a child process)"),
            };
            let why = match siblings {
                0 => why,
                n => format!("{why}; {n} wait for a lock a sibling branch holds"),
            };
            let mut end = StepEnd::new(
                name,
                attempt,
                started,
                Attempt {
                    error: Some(why),
                    ..Attempt::with_status(status)
                },
            );
            // Woken when one of those children comes to rest (DESIGN §13).
            end.awaits_children = through_children > 0;
            return self.end_group(cur, end, log).await;
        }
        let collect = match &step.kind {
            StepKind::Foreach { collect, .. } => collect.as_deref(),
            _ => None,
        };
        let outcome = match collect {
            Some(key) => Attempt::ok(join::collect(
                key,
                nets.into_iter().map(|(_, n)| n).collect(),
            )),
            None => match join::merge(&nets) {
                Ok(patch) => Attempt::ok(patch),
                Err(conflict) => {
                    // `collect` is only there to offer where the step takes it.
                    let advice = match &step.kind {
                        StepKind::Foreach { .. } => "give them different keys, or use `collect`",
                        _ => "give them different keys",
                    };
                    Attempt::failed(format!("the join failed: {conflict}; {advice}"))
                }
            },
        };
        self.end_group(cur, StepEnd::new(name, attempt, started, outcome), log)
            .await
    }

    /// Commits the row of a group or `workflow` step in its scope, and says how the
    /// scope goes on. A `waiting` or `suspend` row that only repeats the last one of the
    /// step is not written again: a parent woken each time one of its children comes
    /// to rest would otherwise log the same wait once per child.
    pub(super) async fn end_group(
        &self,
        cur: &mut Current,
        end: StepEnd<'_>,
        log: &[StepRow],
    ) -> Result<Option<Final>, Error> {
        let status = end.outcome.status;
        let quiet = matches!(
            status,
            StepStatus::Waiting | StepStatus::Suspend | StepStatus::AwaitingCallback
        ) && (cur.branch.is_some() || end.awaits_children)
            && repeats(log, cur, &end);
        if quiet {
            cur.last = Some((cur.path_of(end.name), status, end.outcome.error.clone()));
            cur.awaits_children = end.awaits_children;
            if cur.branch.is_none() {
                let why = end
                    .outcome
                    .error
                    .as_deref()
                    .unwrap_or("waiting for child processes");
                self.store
                    .await_children(
                        &cur.process_id,
                        super::owner::me(),
                        status.process_status(),
                        why,
                    )
                    .await?;
            }
            return Ok(Some(match status {
                StepStatus::Suspend => Final::Suspended,
                StepStatus::AwaitingCallback => Final::AwaitingCallback,
                _ => Final::Waiting,
            }));
        }
        let status = self.commit(cur, cur.scoped(end)).await?;
        if cur.rested {
            return Ok(Some(Final::Waiting));
        }
        Ok(match status {
            StepStatus::Success | StepStatus::Skipped | StepStatus::Complete => None,
            StepStatus::Suspend => Some(Final::Suspended),
            StepStatus::AwaitingCallback => Some(Final::AwaitingCallback),
            StepStatus::Waiting => Some(Final::Waiting),
            StepStatus::Failed | StepStatus::Abort => Some(Final::Failed),
        })
    }
}

/// Whether the last row of the step of `end` in the scope of `cur` already says what
/// `end` says.
fn repeats(log: &[StepRow], cur: &Current, end: &StepEnd<'_>) -> bool {
    log.iter()
        .rev()
        .find(|r| r.name == end.name && r.in_branch(cur.branch.as_deref()))
        .is_some_and(|r| r.status == end.outcome.status && r.error == end.outcome.error)
}

/// The answers meant for steps inside the branch at `branch`, taken out of `input`.
fn answers_within(input: &mut Answers, branch: &str) -> Answers {
    let keys: Vec<String> = input
        .keys()
        .filter(|k| path::within(k, branch))
        .cloned()
        .collect();
    keys.into_iter()
        .filter_map(|k| input.remove(&k).map(|v| (k, v)))
        .collect()
}

/// `2 of 20 branches failed: [3] at `Push`: …; [7] at `Push`: …`.
fn failures(failed: &[(String, String, Option<String>)], total: usize) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = failed
        .iter()
        .take(SHOWN)
        .map(|(label, at, error)| {
            let step = at.rsplit(path::SEP).next().unwrap_or(at);
            match error {
                Some(e) => format!("`{label}` failed at `{step}`: {e}"),
                None => format!("`{label}` failed at `{step}`"),
            }
        })
        .collect();
    if failed.len() > SHOWN {
        parts.push(format!("and {} more", failed.len() - SHOWN));
    }
    if let [(_, _, _)] = failed {
        return format!("branch {}", parts.join(""));
    }
    format!(
        "{} of {total} branches failed: {}",
        failed.len(),
        parts.join("; ")
    )
}
