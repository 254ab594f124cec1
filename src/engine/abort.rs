//! Aborting a process: it stops for good, and so do the children its `workflow` steps
//! started that have not finished, at any depth.
//!
//! A child exists only to do its parent's step: left alone after its parent is gone it
//! would go on holding its subscription, its locks and a worker's attention for a
//! result nobody waits for. A child that another orch is running at this moment cannot
//! be stopped from here; it is named, so the operator can abort it once it rests.
//!
//! A process that a live orch runs is aborted by that orch, since only the owner
//! writes its steps: `process abort` records a request ([`super::abort_request`]),
//! and the owner stops the step running and logs the abort as an abort at rest does
//! ([`Engine::abort_as_asked`]).

use super::owner;
use super::runner::{Engine, Recorded};
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::error::Error;
use crate::store::processes::ProcessRow;

/// The statuses a process can be aborted from: every one at rest but the finished.
const ABORTABLE: &[ProcessStatus] = &[
    ProcessStatus::Failed,
    ProcessStatus::Waiting,
    ProcessStatus::Suspended,
    ProcessStatus::AwaitingCallback,
    ProcessStatus::Created,
];

/// How a process aborted under its orch was, as its log says (`aborted by alice while
/// `Wait` ran`), for the orch that ran it to say.
pub fn aborted_how(steps: &[crate::store::processes::StepRow]) -> String {
    steps
        .iter()
        .rev()
        .find(|s| s.status == StepStatus::Abort)
        .and_then(|s| s.error.as_deref())
        .and_then(|e| e.split(';').next())
        .unwrap_or("aborted")
        .to_string()
}

/// What an abort did.
pub struct Aborted {
    /// The process, as it is now.
    pub process: ProcessRow,
    /// The children (and theirs) aborted with it.
    pub children: Vec<ProcessRow>,
    /// The children that could not be aborted, with why (another orch runs them).
    pub left: Vec<(String, Error)>,
}

/// The step an abort names ([`Engine::abort_step`]).
pub struct AbortStep {
    pub name: String,
    /// It was running (or its orch died running it), so it may have done part of its
    /// work; else the process was at rest there.
    pub in_flight: bool,
}

impl Engine<'_> {
    /// Aborts `p` and its unfinished children.
    pub async fn abort(&self, p: &ProcessRow) -> Result<Aborted, Error> {
        if p.status.is_finished() {
            return Err(Error::conflict(format!(
                "process {} is {} already",
                p.process_id, p.status
            ))
            .with_hint(format!(
                "see how it ended with `orch process show {}`",
                p.process_id
            )));
        }
        let process = self.abort_one(&p.process_id).await?;
        self.abort_children(process).await
    }

    /// Carries out the abort someone asked for while this orch runs `process_id`:
    /// `stopped` is when the step that was stopped for it started (None: it came
    /// before the next step), so its log row spans the time the step ran. The log
    /// names who asked and the step; the process's unfinished children are aborted
    /// with it.
    pub(super) async fn abort_as_asked(
        &self,
        process_id: &str,
        stopped: Option<std::time::Instant>,
    ) -> Result<super::runner::Final, Error> {
        let mut process = self
            .store
            .process(process_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("no process {process_id}")))?;
        // A child driven within its parent's run is aborted for the parent's request.
        let by = process
            .abort_requested
            .as_ref()
            .map(|r| r.by.clone())
            .or_else(|| self.aborts.asked(process_id))
            .unwrap_or_else(|| "someone".to_string());
        let log = self.store.steps(process_id).await?;
        let name = self.abort_step(&process, &log).await?.name;
        // An attempt of the step was cut off before (its orch died, or stopped taking
        // work): it did run, and may have done part of its work.
        let cut_off = log
            .last()
            .is_some_and(|s| s.name == name && s.status == StepStatus::Waiting);
        let said = if stopped.is_some() {
            format!("aborted by {by} while `{name}` ran; it may have done part of its work")
        } else if cut_off {
            format!(
                "aborted by {by} before `{name}` ran again; the attempt that was cut off may have done part of its work"
            )
        } else {
            format!("aborted by {by} before `{name}` started")
        };
        self.record(
            &mut process,
            Recorded {
                error: Some(said),
                by: Some(&by),
                started: stopped.unwrap_or_else(std::time::Instant::now),
                ..Recorded::new(&name, 0, StepStatus::Abort)
            },
        )
        .await?;
        self.abort_children(process).await?;
        Ok(super::runner::Final::Aborted)
    }

    /// Aborts the unfinished children of `process` (just aborted), at any depth.
    async fn abort_children(&self, process: ProcessRow) -> Result<Aborted, Error> {
        let mut done = Aborted {
            process,
            children: Vec::new(),
            left: Vec::new(),
        };
        let mut parents = vec![done.process.clone()];
        while let Some(parent) = parents.pop() {
            for child in self.store.children(&parent, None).await? {
                if child.status.is_finished() {
                    continue;
                }
                match self.abort_one(&child.process_id).await {
                    Ok(aborted) => {
                        done.children.push(aborted.clone());
                        parents.push(aborted);
                    }
                    Err(e) => done.left.push((child.process_id.clone(), e)),
                }
            }
        }
        Ok(done)
    }

    /// Aborts the unfinished children the steps at `paths` of `process_id` started:
    /// those steps were skipped by hand, so no retry of the parent looks at them again,
    /// and they would go on holding their subscriptions and locks. Returns the
    /// processes aborted.
    pub async fn abort_skipped_children(
        &self,
        process_id: &str,
        paths: &[String],
    ) -> Result<Vec<ProcessRow>, Error> {
        let mut out = Vec::new();
        for path in paths {
            let Some(child) = self.store.child_process(process_id, path).await? else {
                continue;
            };
            if child.status.is_finished() {
                continue;
            }
            let done = self.abort(&child).await?;
            out.push(done.process);
            out.extend(done.children);
        }
        Ok(out)
    }

    /// Carries out an abort asked for while this orch ran `process_id`, which came to
    /// rest (`rested`: its step failed, it awaits input, a lock or a retry) before the
    /// request stopped it: the request stands, so the process is aborted now rather
    /// than by whoever retries or resumes it later. Returns `rested` as it was when
    /// there is no request, or when another command ended the process first.
    pub(super) async fn abort_rested_as_asked(
        &self,
        process_id: &str,
        rested: super::runner::Final,
    ) -> Result<super::runner::Final, Error> {
        let Some(p) = self.store.process(process_id).await? else {
            return Ok(rested);
        };
        let Some(asked) = p.abort_requested.clone() else {
            return Ok(rested);
        };
        if p.status == ProcessStatus::Aborted {
            // The command that asked aborted it itself, once it saw it at rest.
            return Ok(super::runner::Final::Aborted);
        }
        if !ABORTABLE.contains(&p.status) {
            return Ok(rested);
        }
        let said = format!(
            "aborted by {} as asked while it ran (it came to rest {} first)",
            asked.by, p.status
        );
        match self.abort_one_as(process_id, &asked.by, said).await {
            Ok(process) => {
                self.abort_children(process).await?;
                Ok(super::runner::Final::Aborted)
            }
            // Another command claimed it meanwhile (the one that asked, to abort it).
            Err(e) if e.kind == crate::error::Kind::Conflict => {
                match self.store.process(process_id).await? {
                    Some(now) if now.status == ProcessStatus::Aborted => {
                        Ok(super::runner::Final::Aborted)
                    }
                    _ => Ok(rested),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Claims the process to end it and logs the abort.
    async fn abort_one(&self, id: &str) -> Result<ProcessRow, Error> {
        self.abort_one_as(id, &self.user, format!("aborted by {}", self.user))
            .await
    }

    /// [`Engine::abort_one`] on behalf of `by`, the log saying `said` (and the step
    /// that was in flight, for a process taken from an orch that died).
    async fn abort_one_as(&self, id: &str, by: &str, said: String) -> Result<ProcessRow, Error> {
        let claim = owner::claim_to_end(self.store, id, ABORTABLE, self.lease).await?;
        let mut process = owner::claimed(claim, id, "aborted")?;
        let log = self.store.steps(id).await?;
        let mut said = said;
        let step = self.abort_step(&process, &log).await?;
        if step.in_flight {
            // Taken from an orch that died mid-step: the abort names that step, which
            // may have done part of its work, not the last one that finished.
            said.push_str(&format!(
                "; `{}` was in flight when {} stopped, and may have done part of its work",
                step.name,
                process
                    .owner
                    .as_deref()
                    .map_or_else(|| "its orch".to_string(), owner::describe)
            ));
        }
        let name = step.name;
        self.record(
            &mut process,
            Recorded {
                error: Some(said),
                by: Some(by),
                ..Recorded::new(&name, 0, StepStatus::Abort)
            },
        )
        .await?;
        Ok(process)
    }

    /// The step an abort of `p` names, given its step log: while `p` is `running`, the
    /// first step its orch has not finished (in flight now, or when that orch died); at
    /// rest, the step where it stopped.
    pub async fn abort_step(
        &self,
        p: &ProcessRow,
        log: &[crate::store::processes::StepRow],
    ) -> Result<AbortStep, Error> {
        if p.status == ProcessStatus::Running
            && let Some(def) = self.store.definition(&p.definition_hash).await?
            && let Some(step) = super::plan::remaining(&super::plan::plan(&def), log).first()
        {
            return Ok(AbortStep {
                name: step.name.clone(),
                in_flight: true,
            });
        }
        Ok(AbortStep {
            name: super::plan::abort_step_name(log),
            in_flight: false,
        })
    }
}
