//! What a process at rest waits for, besides input (`pending`): the answer to a
//! callback step, until when, or a lock and who holds it. `process show` and the API's
//! process view put it in their JSON (`callback`, `lock`), the dashboard and `process
//! show` say it in words, and the report of a drive that ended there names it.

use serde_json::{Value, json};

use crate::domain::process::{ProcessStatus, StepStatus};
use crate::store::locks::LockRow;
use crate::store::processes::{ProcessRow, StepRow};
use crate::store::{Store, StoreResult};

/// A callback step a process rests on.
pub struct CallbackWait {
    /// Its path (inside a branch, `Push every device [3] / Wait`).
    pub step: String,
    /// The branch it runs in (None: a top-level step), and its own name.
    pub branch: Option<String>,
    pub name: String,
    pub since: Option<String>,
    /// Its deadline; None: it waits until answered or aborted.
    pub until: Option<String>,
    /// The deadline passed and nobody failed the step yet.
    pub timed_out: bool,
    /// An answer came in that the process has not taken yet.
    pub answered: bool,
    /// How many other steps (in other branches) wait on their callbacks too.
    pub others: usize,
}

/// A lock a process queues for.
pub struct LockWait {
    pub lock: LockRow,
    /// Its place in the queue, from 1.
    pub position: usize,
    /// The lock freed for it: it runs as soon as a worker, the scheduler or a retry
    /// picks it up.
    pub woken: bool,
    /// The holder, when it rests until someone acts: the lock does not free by
    /// itself, and the hint says so.
    pub holder_at_rest: Option<AtRest>,
}

/// Why the holder of a lock does not go on by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AtRest {
    Failed,
    /// Awaiting input.
    Suspended,
    /// Its orch is gone; nothing runs it until it is taken over.
    Stale,
}

impl AtRest {
    /// Why the holder keeps a lock, and the command that frees it.
    pub fn hint(self, holder: &str) -> String {
        match self {
            AtRest::Failed => format!(
                "its holder, process {holder}, failed and keeps the lock until `orch process retry {holder}` takes it to the end or `orch process abort {holder}` lets it go"
            ),
            AtRest::Suspended => format!(
                "its holder, process {holder}, awaits input and keeps the lock until it goes on: `orch process resume {holder}` answers it"
            ),
            AtRest::Stale => format!(
                "its holder, process {holder}, is stale (the orch that ran it is gone) and keeps the lock until it is taken over: `orch process retry {holder}` does now (a worker does once its lease has run out)"
            ),
        }
    }

    /// Why a holder in this state keeps its locks until someone acts on it; None
    /// when it goes on by itself.
    pub fn of(p: &ProcessRow) -> Option<AtRest> {
        match p.status {
            ProcessStatus::Failed => Some(AtRest::Failed),
            ProcessStatus::Suspended => Some(AtRest::Suspended),
            _ if crate::engine::owner::is_stale(p) => Some(AtRest::Stale),
            _ => None,
        }
    }

    /// As the JSON of a lock wait says it: the holder's status, or `stale`.
    pub fn word(self) -> &'static str {
        match self {
            AtRest::Failed => "failed",
            AtRest::Suspended => "suspended",
            AtRest::Stale => "stale",
        }
    }
}

impl CallbackWait {
    /// The callback step `p` rests on, if it awaits one. Inside branches several may
    /// wait at once: the one to act on comes first (answered, then past its deadline,
    /// then the first deadline, the one the process is due at), and `others` counts
    /// the rest.
    pub async fn of(
        store: &Store,
        p: &ProcessRow,
        steps: &[StepRow],
    ) -> StoreResult<Option<CallbackWait>> {
        let waits = Self::all(store, p, steps).await?;
        let others = waits.len().saturating_sub(1);
        Ok(waits
            .into_iter()
            .enumerate()
            .min_by_key(|(i, w)| {
                (
                    !w.answered,
                    !w.timed_out,
                    w.until.is_none(),
                    w.until.clone(),
                    *i,
                )
            })
            .map(|(_, w)| CallbackWait { others, ..w }))
    }

    /// Every callback step `p` rests on (one, or one per branch that waits), the
    /// latest to start waiting first.
    pub async fn all(
        store: &Store,
        p: &ProcessRow,
        steps: &[StepRow],
    ) -> StoreResult<Vec<CallbackWait>> {
        let mut waits = Vec::new();
        // Suspended too: a branch may wait on a callback while another awaits input.
        if !matches!(
            p.status,
            ProcessStatus::AwaitingCallback | ProcessStatus::Suspended
        ) {
            return Ok(waits);
        }
        let mut seen = Vec::new();
        for row in steps
            .iter()
            .rev()
            .filter(|s| s.status == StepStatus::AwaitingCallback)
        {
            let path = row.path();
            if seen.contains(&path) {
                continue;
            }
            // A group awaiting its branches' callbacks has no tokens of its own.
            let w = store.callback_wait(&p.process_id, &path).await?;
            seen.push(path.clone());
            if w.open == 0 {
                continue;
            }
            waits.push(CallbackWait {
                step: path,
                branch: row.branch.clone(),
                name: row.name.clone(),
                since: w.waiting_since,
                until: w.until,
                timed_out: w.expired && w.answer.is_none(),
                answered: w.answer.is_some(),
                others: 0,
            });
        }
        Ok(waits)
    }

    pub fn to_json(&self) -> Value {
        json!({"step": self.step, "since": self.since, "until": self.until, "timed_out": self.timed_out, "answered": self.answered})
    }

    /// `waiting for a callback at step … since …, until …`.
    pub fn describe(&self) -> String {
        if self.answered {
            return format!(
                "the callback of step `{}` was answered; the process goes on when a worker, the scheduler or a retry picks it up",
                self.step
            );
        }
        let mut s = format!("waiting for a callback at step `{}`", self.step);
        if let Some(since) = &self.since {
            s.push_str(&format!(" since {since}"));
        }
        match (&self.until, self.timed_out) {
            (Some(u), true) => s.push_str(&format!(
                "; its deadline passed at {u} (the step fails when a worker, the scheduler or a retry next looks at it)"
            )),
            (Some(u), false) => s.push_str(&format!(", until {u}")),
            (None, _) => s.push_str(", with no deadline"),
        }
        match self.others {
            0 => {}
            1 => s.push_str("; 1 more branch waits for its callback"),
            n => s.push_str(&format!("; {n} more branches wait for their callbacks")),
        }
        s
    }

    pub fn hint(&self, id: &str) -> String {
        if self.answered {
            return format!(
                "a worker takes the answer by itself, or `orch process retry {id}` does here (once the engine runs, if it is paused)"
            );
        }
        if self.timed_out {
            format!(
                "`orch process retry {id}` records the timeout and runs the step again with a new token"
            )
        } else {
            format!(
                "the external system answers with `orch process callback {id} --token TOKEN --input-file answer.json` (or POST /api/v1/callbacks/TOKEN); `orch process abort {id}` gives up"
            )
        }
    }
}

impl LockWait {
    /// The lock `p` queues for, if it does.
    pub async fn of(store: &Store, p: &ProcessRow) -> StoreResult<Option<LockWait>> {
        if p.status != ProcessStatus::Waiting {
            return Ok(None);
        }
        let locks = store.locks().await?;
        Self::among(store, &locks, p).await
    }

    /// [`LockWait::of`] with every lock read already (a parent's children are looked
    /// at against one reading).
    async fn among(
        store: &Store,
        locks: &[LockRow],
        p: &ProcessRow,
    ) -> StoreResult<Option<LockWait>> {
        let Some(mut wait) = locks.iter().find_map(|lock| {
            let i = lock
                .waiters
                .iter()
                .position(|w| w.process_id == p.process_id)?;
            Some(LockWait {
                lock: lock.clone(),
                position: i + 1,
                woken: lock.waiters[i].woken_at.is_some(),
                holder_at_rest: None,
            })
        }) else {
            return Ok(None);
        };
        // A sibling branch of its own may hold it: that is this process's business.
        if let Some(holder) = wait
            .lock
            .process_id
            .as_deref()
            .filter(|h| *h != p.process_id)
        {
            wait.holder_at_rest = store.process(holder).await?.as_ref().and_then(AtRest::of);
        }
        Ok(Some(wait))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "name": self.lock.name,
            "held_by": self.lock.process_id,
            "held_since": self.lock.since,
            "position": self.position,
            "woken": self.woken,
            "holder_at_rest": self.holder_at_rest.map(AtRest::word),
        })
    }

    /// `waiting for lock … held by process … since …`.
    pub fn describe(&self) -> String {
        let l = &self.lock;
        let mut s = format!("waiting for lock `{}`", l.name);
        match (&l.process_id, &l.since) {
            (Some(p), Some(since)) => s.push_str(&format!(
                ", held by process {p} ({}) since {since}",
                l.workflow.as_deref().unwrap_or("?")
            )),
            _ if self.woken => s.push_str(", which is free for it now"),
            _ => s.push_str(", which is free"),
        }
        if self.position > 1 {
            s.push_str(&format!("; number {} in line", self.position));
        }
        s
    }

    pub fn hint(&self, id: &str) -> String {
        match self.holder_hint() {
            Some(holder) => format!(
                "{holder}; then this one runs (a worker or `orch scheduler run` picks it up, or `orch process retry {id}`)"
            ),
            None => format!(
                "it runs when the lock frees for it (a worker or `orch scheduler run` picks it up), or `orch process retry {id}`; `orch locks` shows every lock and its queue"
            ),
        }
    }

    /// How the lock frees when its holder rests until someone acts: None when it frees
    /// by itself.
    pub fn holder_hint(&self) -> Option<String> {
        let holder = self.lock.process_id.as_deref()?;
        Some(self.holder_at_rest?.hint(holder))
    }
}

/// What the descendants of a process waiting for its children rest on, when none of
/// them goes on by itself: people (an answer, a callback), or locks whose holders keep
/// them until someone acts.
pub struct ChildrenWait {
    /// Descendants that await input or a callback.
    pub people: Vec<ProcessRow>,
    /// Descendants that queue for a lock whose holder rests (and is none of `people`).
    pub locked: Vec<(ProcessRow, LockWait)>,
}

impl ChildrenWait {
    /// None when `p` does not wait for its children, or when one of its descendants
    /// goes on by itself (queued, running, waiting for a time or for a lock that frees).
    pub async fn of(store: &Store, p: &ProcessRow) -> StoreResult<Option<ChildrenWait>> {
        use crate::shapes::waits_for_children;
        if !waits_for_children(p) {
            return Ok(None);
        }
        let (mut people, mut locked) = (Vec::new(), Vec::new());
        // Read once, at the first child that waits.
        let mut locks: Option<Vec<LockRow>> = None;
        let mut parents = vec![p.clone()];
        while let Some(parent) = parents.pop() {
            for child in store.children(&parent, None).await? {
                match child.status {
                    s if s.is_finished() => {}
                    ProcessStatus::Waiting
                    | ProcessStatus::Suspended
                    | ProcessStatus::AwaitingCallback
                        if waits_for_children(&child) =>
                    {
                        parents.push(child)
                    }
                    ProcessStatus::Suspended | ProcessStatus::AwaitingCallback => {
                        people.push(child)
                    }
                    ProcessStatus::Waiting => {
                        let all = match &locks {
                            Some(all) => all,
                            None => locks.insert(store.locks().await?),
                        };
                        match LockWait::among(store, all, &child).await? {
                            Some(w) if w.holder_at_rest.is_some() => locked.push((child, w)),
                            _ => return Ok(None),
                        }
                    }
                    _ => return Ok(None),
                }
            }
        }
        // A holder that is one of the descendants awaiting an answer is named once.
        locked.retain(|(_, w): &(ProcessRow, LockWait)| {
            !people
                .iter()
                .any(|c| Some(&c.process_id) == w.lock.process_id.as_ref())
        });
        Ok((!people.is_empty() || !locked.is_empty()).then_some(ChildrenWait { people, locked }))
    }

    /// `… (create_node, suspended), … (grab, waiting for lock `device:x`, whose holder failed)`.
    pub fn describe(&self) -> String {
        let people = self
            .people
            .iter()
            .map(|c| format!("{} ({}, {})", c.process_id, c.workflow, c.status));
        let locked = self.locked.iter().map(|(c, w)| {
            let why = match w.holder_at_rest {
                Some(AtRest::Failed) => "failed",
                Some(AtRest::Suspended) => "awaits input",
                Some(AtRest::Stale) => "is stale",
                None => "runs",
            };
            format!(
                "{} ({}, waiting for lock `{}`, whose holder {} {why})",
                c.process_id,
                c.workflow,
                w.lock.name,
                w.lock.process_id.as_deref().unwrap_or("?")
            )
        });
        people.chain(locked).collect::<Vec<_>>().join(", ")
    }

    /// What to do, one hint per descendant, then how the parent goes on (`verb`:
    /// `resume` or `retry`).
    pub fn hints(&self, id: &str, verb: &str) -> Vec<String> {
        let mut hints: Vec<String> = self
            .people
            .iter()
            .filter_map(crate::shapes::next_hint)
            .collect();
        for (child, w) in &self.locked {
            if let Some(h) = w.holder_hint() {
                hints.push(format!(
                    "child process {} waits for lock `{}`: {h}",
                    child.process_id, w.lock.name
                ));
            }
        }
        hints.push(format!(
            "then `orch process {verb} {id}` goes on (a worker does by itself)"
        ));
        hints
    }
}
