//! The seam's operations on PostgreSQL: each method one transaction composed of the
//! table modules' functions, as `store::sqlite::ops` composes SQLite's, with the same
//! results, events and errors.
//!
//! What differs, and why:
//! - SQLite's `BEGIN IMMEDIATE` made every writer wait for the one before; here
//!   writers run side by side, so a read-modify-write locks the rows it reads (the
//!   subscription a process takes, the process a step commits) and claims are
//!   conditional updates; a worker's claim skips the rows another is claiming
//!   (`FOR UPDATE SKIP LOCKED`). A transaction the server aborts to resolve a
//!   deadlock runs again (`tx::in_tx`), a few times, before it is reported busy.
//! - Reads of several statements run in one snapshot (a read-only transaction).
//! - `wait_for_events` sleeps on LISTEN instead of polling.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::error::connection_error;
use super::tx::in_tx;
use super::{
    Postgres, callbacks, events, locks, processes, products, schedules, subscriptions, tokens,
    workers,
};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::process::ProcessStatus;
use crate::domain::subscription::{Flat, RefInfo};
use crate::domain::usability::{self, Facts};
use crate::domain::workflow::WorkflowDef;
use crate::store::events::{Consumer, Event, Filter as EventFilter, Page};
use crate::store::processes::{
    Committed, Filter, Find, Left, NewProcess, ProcessRow, StepCommit, StepRow,
};
use crate::store::products::{ProductChange, StoredProduct};
use crate::store::schedules::{Claimed, ScheduleRow};
use crate::store::subscriptions::{
    Filter as SubscriptionFilter, Find as SubscriptionFind, Related, Subscription, Touch,
};
use crate::store::workers::{
    ClaimOutcome, ClaimTerms, ClaimedProcess, EngineState, Runnable, WorkerRow,
};
use crate::store::{Lock, PAUSED, StoreResult};

impl Postgres {
    pub async fn save_definition(
        &self,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        in_tx!(self, write, |tx| processes::save_definition(
            &tx, def, source
        )
        .await?)
    }

    pub async fn definition(&self, hash: &str) -> StoreResult<Option<WorkflowDef>> {
        in_tx!(self, read, |tx| processes::load_definition(&tx, hash)
            .await?)
    }

    pub async fn create_process(
        &self,
        p: &NewProcess<'_>,
        lock: Option<&WorkflowDef>,
    ) -> StoreResult<Lock> {
        in_tx!(self, write, |tx| {
            if p.owner.is_some() && workers::paused(&tx, true).await?.is_some() {
                return Ok(Lock::Paused);
            }
            if let (Some(def), Some(sid)) = (lock, p.subscription_id) {
                // Locked before it is looked at: another orch taking it waits here, and
                // then sees this process among its holders.
                let Some(now) = subscriptions::get(&tx, sid, true).await? else {
                    return Ok(Lock::Missing);
                };
                processes::insert(&mut tx, p).await?;
                let facts = subscriptions::facts(&tx, &now, Some(p.process_id)).await?;
                if let Err(refusal) = usability::check(def, &facts) {
                    return Ok(Lock::Refused(refusal));
                }
                let mut locked = now.clone();
                locked.insync = false;
                subscriptions::save(
                    &mut tx,
                    &locked,
                    Some(&now),
                    &Flat::default(),
                    Some(p.process_id),
                )
                .await?;
            } else {
                processes::insert(&mut tx, p).await?;
            }
            Lock::Taken
        })
    }

    pub async fn process(&self, id: &str) -> StoreResult<Option<ProcessRow>> {
        in_tx!(self, read, |tx| processes::get(&tx, id).await?)
    }

    pub async fn process_row(&self, id: &str) -> StoreResult<Option<ProcessRow>> {
        in_tx!(self, read, |tx| processes::row(&tx, id).await?)
    }

    pub async fn find_process(&self, id: &str) -> StoreResult<Find> {
        in_tx!(self, read, |tx| processes::find(&tx, id).await?)
    }

    pub async fn processes(&self, f: &Filter) -> StoreResult<Vec<ProcessRow>> {
        in_tx!(self, read, |tx| processes::list(&tx, f).await?)
    }

    pub async fn steps(&self, process_id: &str) -> StoreResult<Vec<StepRow>> {
        in_tx!(self, read, |tx| processes::steps(&tx, process_id).await?)
    }

    pub async fn commit_step(&self, mut c: StepCommit) -> StoreResult<Committed> {
        if let Some(committer) = self.committer.get() {
            return committer.commit(c).await;
        }
        let left = in_tx!(self, write, |tx| commit_one(&mut tx, &mut c).await?)?;
        Ok(Committed {
            status: left.status,
            step: c.step,
            abort_asked: left.abort_asked,
        })
    }

    pub async fn claim_process(
        &self,
        id: &str,
        seen_owner: Option<&str>,
        seen_status: ProcessStatus,
        owner: &str,
        terms: ClaimTerms,
    ) -> StoreResult<ClaimOutcome> {
        in_tx!(self, write, |tx| {
            if !terms.starts_no_step && workers::paused(&tx, true).await?.is_some() {
                return Ok(ClaimOutcome::Paused);
            }
            let claim = processes::Claim {
                process_id: id,
                seen_owner,
                seen_status,
                owner,
                lease: terms.lease,
                lease_over: terms.lease_over,
                starts_no_step: terms.starts_no_step,
            };
            if processes::claim(&mut tx, &claim).await? {
                ClaimOutcome::Taken
            } else {
                ClaimOutcome::Lost
            }
        })
    }

    pub async fn claim_runnable(
        &self,
        owner: &str,
        lease: Duration,
        limit: usize,
        which: Runnable<'_>,
    ) -> StoreResult<Vec<ClaimedProcess>> {
        in_tx!(self, write, |tx| {
            if workers::paused(&tx, true).await?.is_some() {
                return Ok(Vec::new());
            }
            let mut claimed = Vec::new();
            for p in processes::runnable(&tx, owner, limit as i64, which).await? {
                let takeover = p.status == ProcessStatus::Running;
                let claim = processes::Claim {
                    process_id: &p.process_id,
                    seen_owner: p.owner.as_deref(),
                    seen_status: p.status,
                    owner,
                    lease,
                    lease_over: takeover,
                    starts_no_step: false,
                };
                if processes::claim(&mut tx, &claim).await? {
                    claimed.push(ClaimedProcess {
                        taken_over_from: if takeover { p.owner.clone() } else { None },
                        process: p,
                    });
                }
            }
            claimed
        })
    }

    pub async fn renew_leases(
        &self,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        in_tx!(self, write, |tx| processes::renew_leases(&tx, owner, lease)
            .await?)
    }

    pub async fn request_abort(&self, id: &str, by: &str) -> StoreResult<bool> {
        let now = crate::clock::now_text();
        in_tx!(self, write, |tx| processes::request_abort(
            &tx, id, by, &now
        )
        .await?)
    }

    pub async fn rest_process(
        &self,
        id: &str,
        owner: &str,
        reason: &str,
        retry_in: Option<Duration>,
    ) -> StoreResult<bool> {
        in_tx!(self, write, |tx| {
            if !processes::held_by(&tx, id, owner).await? {
                false
            } else {
                processes::rest(&mut tx, id, reason, retry_in).await?;
                true
            }
        })
    }

    pub async fn queue_process(
        &self,
        id: &str,
        seen_status: ProcessStatus,
        by: &str,
    ) -> StoreResult<bool> {
        in_tx!(self, write, |tx| processes::queue(
            &mut tx,
            id,
            seen_status,
            by
        )
        .await?)
    }

    pub async fn register_worker(
        &self,
        id: &str,
        concurrency: usize,
        lease: Duration,
    ) -> StoreResult<()> {
        in_tx!(self, write, |tx| workers::register(
            &tx,
            id,
            concurrency as i64,
            lease
        )
        .await?)
    }

    pub async fn worker_beat(
        &self,
        id: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        in_tx!(self, write, |tx| {
            workers::beat(&tx, id, lease).await?;
            processes::renew_leases(&tx, id, lease).await?
        })
    }

    pub async fn worker_stopping(&self, id: &str, grace: Duration) -> StoreResult<()> {
        in_tx!(self, write, |tx| workers::stopping(&tx, id, grace).await?)
    }

    pub async fn worker_stopped(&self, id: &str) -> StoreResult<()> {
        in_tx!(self, write, |tx| workers::stopped(&tx, id).await?)
    }

    pub async fn workers(&self, recent: Duration) -> StoreResult<Vec<WorkerRow>> {
        in_tx!(self, read, |tx| workers::list(&tx, recent).await?)
    }

    pub async fn create_token(&self, t: &crate::store::tokens::NewToken<'_>) -> StoreResult<bool> {
        let now = crate::clock::now_text();
        in_tx!(self, write, |tx| tokens::create(&tx, t, &now).await?)
    }

    pub async fn tokens(&self) -> StoreResult<Vec<crate::store::tokens::TokenRow>> {
        in_tx!(self, read, |tx| tokens::list(&tx).await?)
    }

    pub async fn revoke_token(&self, name: &str) -> StoreResult<bool> {
        let now = crate::clock::now_text();
        in_tx!(self, write, |tx| tokens::revoke(&tx, name, &now).await?)
    }

    pub async fn engine_state(&self) -> StoreResult<EngineState> {
        in_tx!(self, read, |tx| workers::state(&tx).await?)
    }

    pub async fn set_paused(&self, by: Option<&str>) -> StoreResult<bool> {
        in_tx!(self, write, |tx| workers::set_paused(&tx, by).await?)
    }

    pub async fn fail_process(&self, id: &str, owner: &str, reason: &str) -> StoreResult<()> {
        in_tx!(self, write, |tx| {
            if processes::held_by(&tx, id, owner).await? {
                processes::release(&tx, id).await?;
                processes::set_status(&mut tx, id, ProcessStatus::Failed, Some(reason)).await?;
                processes::wake_parent(&tx, id).await?;
            }
        })
    }

    pub async fn child_process(&self, parent: &str, step: &str) -> StoreResult<Option<ProcessRow>> {
        in_tx!(self, read, |tx| processes::child(&tx, parent, step).await?)
    }

    pub async fn await_children(
        &self,
        id: &str,
        owner: &str,
        at_rest: ProcessStatus,
        reason: &str,
    ) -> StoreResult<()> {
        in_tx!(self, write, |tx| {
            if processes::held_by(&tx, id, owner).await? {
                let due = processes::children_due(&tx, id).await?;
                processes::release(&tx, id).await?;
                processes::set_status(&mut tx, id, at_rest, Some(reason)).await?;
                // Waiting, it is due when a child comes to rest; suspended or awaiting a
                // callback, a deadline of its own is kept unless a child wakes it earlier.
                if at_rest == ProcessStatus::Waiting || due.is_some() {
                    processes::set_run_after(&tx, id, due).await?;
                }
            }
        })
    }

    pub async fn switch_definition(
        &self,
        process_id: &str,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        in_tx!(self, write, |tx| {
            let hash = processes::save_definition(&tx, def, source).await?;
            processes::set_definition(&tx, process_id, &hash).await?;
            hash
        })
    }

    pub async fn delete_task_runs(&self, cutoff: &str) -> StoreResult<(usize, usize)> {
        in_tx!(self, write, |tx| processes::delete_task_runs(&tx, cutoff)
            .await?)
    }

    pub async fn subscription(&self, id: &str) -> StoreResult<Option<Subscription>> {
        in_tx!(self, read, |tx| subscriptions::get(&tx, id, false).await?)
    }

    pub async fn find_subscription(&self, id: &str) -> StoreResult<SubscriptionFind> {
        in_tx!(self, read, |tx| subscriptions::find(&tx, id).await?)
    }

    pub async fn subscriptions(&self, f: &SubscriptionFilter) -> StoreResult<Vec<Subscription>> {
        in_tx!(self, read, |tx| subscriptions::list(&tx, f).await?)
    }

    pub async fn ref_infos(&self, ids: &[String]) -> StoreResult<HashMap<String, RefInfo>> {
        in_tx!(self, read, |tx| subscriptions::ref_infos(&tx, ids)
            .await?
            .into_iter()
            .collect())
    }

    pub async fn documents_of_product(
        &self,
        product_id: &str,
    ) -> StoreResult<Vec<(String, Lifecycle, Value)>> {
        in_tx!(self, read, |tx| subscriptions::documents_of_product(
            &tx, product_id
        )
        .await?)
    }

    pub async fn in_use_by(&self, id: &str) -> StoreResult<Vec<Related>> {
        in_tx!(self, read, |tx| subscriptions::in_use_by(&tx, id).await?)
    }

    pub async fn depends_on(&self, id: &str) -> StoreResult<Vec<Related>> {
        in_tx!(self, read, |tx| subscriptions::depends_on(&tx, id).await?)
    }

    pub async fn usability_facts(
        &self,
        s: &Subscription,
        except: Option<&str>,
    ) -> StoreResult<Facts> {
        in_tx!(self, read, |tx| subscriptions::facts(&tx, s, except)
            .await?)
    }

    pub async fn processes_of(&self, id: &str) -> StoreResult<Vec<Touch>> {
        in_tx!(self, read, |tx| subscriptions::processes_of(&tx, id)
            .await?)
    }

    pub async fn products(&self) -> StoreResult<Vec<StoredProduct>> {
        in_tx!(self, read, |tx| products::list(&tx).await?)
    }

    pub async fn product_by_name(&self, name: &str) -> StoreResult<Option<StoredProduct>> {
        in_tx!(self, read, |tx| products::by_name(&tx, name).await?)
    }

    pub async fn product_by_id(&self, id: &str) -> StoreResult<Option<StoredProduct>> {
        in_tx!(self, read, |tx| products::by_id(&tx, id).await?)
    }

    pub async fn products_by_tags(&self, tags: &[String]) -> StoreResult<Vec<StoredProduct>> {
        in_tx!(self, read, |tx| products::by_tags(&tx, tags).await?)
    }

    pub async fn subscription_count(&self, product_id: &str) -> StoreResult<i64> {
        in_tx!(self, read, |tx| products::subscription_count(
            &tx, product_id
        )
        .await?)
    }

    pub async fn apply_products(&self, changes: &[ProductChange<'_>]) -> StoreResult<Vec<bool>> {
        in_tx!(self, write, |tx| {
            products::lock_catalogue(&tx).await?;
            let mut applied = Vec::with_capacity(changes.len());
            for change in changes {
                applied.push(match change {
                    ProductChange::Put { def, source } => {
                        products::upsert(&mut tx, def, *source).await?;
                        true
                    }
                    ProductChange::AddIfMissing { def, source } => {
                        let missing = products::by_name(&tx, &def.name).await?.is_none();
                        if missing {
                            products::upsert(&mut tx, def, *source).await?;
                        }
                        missing
                    }
                    ProductChange::Remove { product_id } => {
                        products::delete(&mut tx, product_id).await?;
                        true
                    }
                    ProductChange::Resync { new, old, flat } => {
                        subscriptions::save(&mut tx, new, Some(old), flat, None).await?;
                        true
                    }
                });
            }
            applied
        })
    }

    pub async fn events(&self, f: &EventFilter) -> StoreResult<Vec<Event>> {
        in_tx!(self, read, |tx| events::list(&tx, f).await?)
    }

    pub async fn events_page(&self, f: &EventFilter) -> StoreResult<Page> {
        // One snapshot: the last seq and the page agree.
        let (read, last) = in_tx!(self, read, |tx| {
            let last = events::last_seq(&tx).await?;
            let filter = EventFilter {
                until: Some(last),
                ..f.clone()
            };
            (events::read(&tx, &filter).await?, last)
        })?;
        Page::of(f, last, read)
    }

    pub async fn last_seq(&self) -> StoreResult<i64> {
        in_tx!(self, read, |tx| events::last_seq(&tx).await?)
    }

    /// Sleeps on the LISTEN connection, started by the first call and kept: a commit
    /// after it started wakes the next wait (a wake-up that came between two waits is
    /// kept), and the newest seq is read after the listener was there, so a commit
    /// before it is seen too.
    pub async fn wait_for_events(&self, seq: i64, timeout: Duration) -> StoreResult<()> {
        let mut slot = self.listener.lock().await;
        if slot.is_none() {
            *slot = Some(self.listen().await.map_err(connection_error)?);
        }
        if self.last_seq().await? > seq {
            return Ok(());
        }
        let Some(listener) = slot.as_ref() else {
            return Ok(());
        };
        match listener.wait(timeout).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // The next call listens again, once the database is back.
                *slot = None;
                Err(connection_error(e))
            }
        }
    }

    pub async fn consumers(&self) -> StoreResult<Vec<Consumer>> {
        in_tx!(self, read, |tx| events::consumers(&tx).await?)
    }

    pub async fn consumer(&self, name: &str) -> StoreResult<Option<Consumer>> {
        in_tx!(self, read, |tx| events::consumer(&tx, name, false).await?)
    }

    pub async fn start_consumer(
        &self,
        name: &str,
        since: Option<i64>,
        default: i64,
    ) -> StoreResult<(i64, Option<Consumer>)> {
        in_tx!(self, write, |tx| {
            let existing = events::consumer(&tx, name, true).await?;
            let position = match (&existing, since) {
                (Some(c), None) => c.position,
                (_, since) => {
                    let at = since.unwrap_or(default);
                    events::set_consumer(&tx, name, at).await?;
                    at
                }
            };
            (position, existing)
        })
    }

    pub async fn advance_consumer(&self, name: &str, from: i64, to: i64) -> StoreResult<bool> {
        in_tx!(self, write, |tx| events::advance_consumer(
            &tx, name, from, to
        )
        .await?)
    }

    pub async fn delete_consumer(&self, name: &str) -> StoreResult<bool> {
        in_tx!(self, write, |tx| events::delete_consumer(&tx, name).await?)
    }

    pub async fn schedule(&self, workflow: &str) -> StoreResult<Option<ScheduleRow>> {
        in_tx!(self, read, |tx| schedules::get(&tx, workflow).await?)
    }

    pub async fn schedules(&self) -> StoreResult<Vec<ScheduleRow>> {
        in_tx!(self, read, |tx| schedules::all(&tx).await?)
    }

    pub async fn claim_schedule(&self, c: &Claimed<'_>, run: &NewProcess<'_>) -> StoreResult<bool> {
        in_tx!(self, write, |tx| {
            if !schedules::claim(&tx, c).await? {
                return Ok(false);
            }
            processes::insert(&mut tx, run).await?;
            true
        })
    }
}

/// Writes one step in the caller's transaction: the subscription change it made, its
/// log row and the process row, then lets go of the process or puts it at rest.
/// Returns the status the process is left in.
pub(super) async fn commit_one(
    tx: &mut super::tx::Tx<'_>,
    c: &mut StepCommit,
) -> super::tx::R<Left> {
    // Read FOR SHARE: a pause waits for this commit, as the one read below does.
    if c.rests_if_paused() && super::workers::paused(tx, true).await?.is_some() {
        c.rest_for_pause();
    }
    let mut abort_asked = false;
    let status = commit_leaving(tx, c, &mut abort_asked).await?;
    Ok(Left {
        status,
        abort_asked,
    })
}

/// [`commit_one`]; `abort_asked` is set when an abort of the process was asked for.
async fn commit_leaving(
    tx: &mut super::tx::Tx<'_>,
    c: &StepCommit,
    abort_asked: &mut bool,
) -> super::tx::R<ProcessStatus> {
    if let Some(change) = &c.subscription {
        subscriptions::save(
            tx,
            &change.new,
            change.old.as_ref(),
            &change.flat,
            Some(&c.process_id),
        )
        .await?;
    }
    // A process whose lock rows change takes the lock tables' turn before any row.
    let holds = locks::holds(tx, &c.process_id).await?;
    let locking = holds.locks;
    if locking {
        locks::serialise(tx).await?;
    }
    // A process about to rest awaiting a callback whose answer came in while its step
    // ran (or whose deadline passed while it ran) goes on running instead: its orch
    // takes the answer (or fails the step) at once. Its row is locked first, as an
    // answer locks it, so no answer slips in between.
    let status = if c.status == ProcessStatus::AwaitingCallback {
        processes::lock(tx, &c.process_id).await?;
        if callbacks::decided(tx, &c.process_id, &c.step.path()).await? {
            ProcessStatus::Running
        } else {
            c.status
        }
    } else {
        c.status
    };
    let (paused, asked) = processes::commit_step(tx, c, status).await?;
    *abort_asked = asked;
    // A step that goes on running has nothing to settle without an open callback.
    if status != ProcessStatus::Running || holds.callbacks {
        callbacks::settle(
            tx,
            &c.process_id,
            &c.step.path(),
            c.step.status,
            status,
            c.keeps_tokens(),
        )
        .await?;
    }
    if status != ProcessStatus::Running {
        processes::release(tx, &c.process_id).await?;
        if status == ProcessStatus::Waiting {
            let after = if c.awaits_children {
                processes::children_due(tx, &c.process_id).await?
            } else {
                c.retry_in
            };
            processes::set_run_after(tx, &c.process_id, after).await?;
        } else if c.awaits_children {
            // At rest for a child that awaits someone: due at once if a child came to
            // rest while this step ran; a callback's deadline is kept otherwise.
            if let Some(due) = processes::children_due(tx, &c.process_id).await? {
                processes::set_run_after(tx, &c.process_id, Some(due)).await?;
            }
        }
        processes::wake_parent(tx, &c.process_id).await?;
        if locking {
            locks::settle(tx, &c.process_id, &c.step.path(), c.step.status, status).await?;
        }
        return Ok(status);
    }
    if locking {
        locks::settle(tx, &c.process_id, &c.step.path(), c.step.status, status).await?;
    }
    let rest = match &c.rest {
        Some(reason) => Some(reason.as_str()),
        None => paused.then_some(PAUSED),
    };
    if c.in_branch() {
        // The branch stops here, and its siblings after their steps in flight; the
        // engine rests the process once the whole group is at rest.
        return Ok(rest.map_or(c.status, |_| ProcessStatus::Waiting));
    }
    match rest {
        Some(reason) => {
            processes::rest(tx, &c.process_id, reason, Some(Duration::ZERO)).await?;
            Ok(ProcessStatus::Waiting)
        }
        None => Ok(status),
    }
}
