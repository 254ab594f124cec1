//! The seam's operations on SQLite: each method is one transaction (or one statement)
//! composed of the table modules' free functions.
//!
//! The methods are `async` to match the seam; their bodies block briefly on SQLite and
//! never hold the connection across an `.await`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::step_commit::{TxFacts, commit_one};
use super::{
    Sqlite, events, processes, products, schedules, subscriptions, tokens, workers, write_tx,
};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::process::ProcessStatus;
use crate::domain::subscription::{Flat, RefInfo};
use crate::domain::usability::{self, Facts};
use crate::domain::workflow::WorkflowDef;
use crate::store::events::{Consumer, Event, Filter as EventFilter, Page};
use crate::store::processes::{
    Committed, Filter, Find, NewProcess, ProcessRow, StepCommit, StepRow,
};
use crate::store::products::{ProductChange, StoredProduct};
use crate::store::schedules::{Claimed, ScheduleRow};
use crate::store::subscriptions::{
    Filter as SubscriptionFilter, Find as SubscriptionFind, Related, Subscription, Touch,
};
use crate::store::workers::{
    ClaimOutcome, ClaimTerms, ClaimedProcess, EngineState, Runnable, WorkerRow,
};
use crate::store::{Counts, Lock, StoreResult};

/// The time `d` from now, as stored (SQLite's clock is this machine's).
pub(super) fn from_now(d: Duration) -> String {
    let now = crate::clock::now();
    crate::clock::format(now.checked_add(d).unwrap_or(now))
}

/// The time `d` ago, as stored.
fn ago(d: Duration) -> String {
    let now = crate::clock::now();
    crate::clock::format(now.checked_sub(d).unwrap_or(now))
}

/// How often a follower looks for new events; a commit is seen within this.
const EVENT_POLL: Duration = Duration::from_millis(25);

impl Sqlite {
    pub async fn version(&self) -> StoreResult<i64> {
        Ok(super::schema_version(&self.conn())?)
    }

    pub async fn counts(&self) -> StoreResult<Counts> {
        let conn = self.conn();
        let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |r| r.get(0)) };
        let mut by_status = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT status, COUNT(*) FROM processes GROUP BY status ORDER BY status",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, ProcessStatus>(0)?, r.get(1)?)))?;
            for row in rows {
                by_status.push(row?);
            }
        }
        Ok(Counts {
            products: count("SELECT COUNT(*) FROM products")?,
            subscriptions: count("SELECT COUNT(*) FROM subscriptions")?,
            processes: count("SELECT COUNT(*) FROM processes")?,
            processes_by_status: by_status,
            steps: count("SELECT COUNT(*) FROM process_steps")?,
            events: count("SELECT COUNT(*) FROM events")?,
        })
    }

    /// The database file and its write-ahead log.
    pub async fn size(&self) -> StoreResult<u64> {
        let wal = {
            let mut p = self.path.clone().into_os_string();
            p.push("-wal");
            std::path::PathBuf::from(p)
        };
        Ok([&self.path, &wal]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum())
    }

    pub async fn save_definition(
        &self,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        processes::save_definition(&self.conn(), def, source)
    }

    pub async fn definition(&self, hash: &str) -> StoreResult<Option<WorkflowDef>> {
        processes::load_definition(&self.conn(), hash)
    }

    pub async fn create_process(
        &self,
        p: &NewProcess<'_>,
        lock: Option<&WorkflowDef>,
    ) -> StoreResult<Lock> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if p.owner.is_some() && workers::paused(&tx)?.is_some() {
            return Ok(Lock::Paused);
        }
        processes::insert(&tx, p)?;
        if let (Some(def), Some(sid)) = (lock, p.subscription_id) {
            // Read inside the transaction: another orch may have locked it since the
            // caller looked.
            let Some(now) = subscriptions::get(&tx, sid)? else {
                return Ok(Lock::Missing);
            };
            let facts = subscriptions::facts(&tx, &now, Some(p.process_id))?;
            if let Err(refusal) = usability::check(def, &facts) {
                return Ok(Lock::Refused(refusal));
            }
            let mut locked = now.clone();
            locked.insync = false;
            // Locking changes neither the tree nor the description, so no index row is
            // rewritten and no flattened tree is needed.
            subscriptions::save(
                &tx,
                &locked,
                Some(&now),
                &Flat::default(),
                Some(p.process_id),
            )?;
        }
        tx.commit()?;
        Ok(Lock::Taken)
    }

    pub async fn process(&self, id: &str) -> StoreResult<Option<ProcessRow>> {
        processes::get(&self.conn(), id)
    }

    pub async fn process_row(&self, id: &str) -> StoreResult<Option<ProcessRow>> {
        processes::row(&self.conn(), id)
    }

    pub async fn find_process(&self, id: &str) -> StoreResult<Find> {
        processes::find(&self.conn(), id)
    }

    pub async fn processes(&self, f: &Filter) -> StoreResult<Vec<ProcessRow>> {
        processes::list(&self.conn(), f)
    }

    pub async fn steps(&self, process_id: &str) -> StoreResult<Vec<StepRow>> {
        processes::steps(&self.conn(), process_id)
    }

    pub async fn commit_step(&self, mut c: StepCommit) -> StoreResult<Committed> {
        if let Some(committer) = self.committer.get() {
            return committer.commit(c).await;
        }
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let left = commit_one(&tx, &mut c, &mut TxFacts::default())?;
        tx.commit()?;
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
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if !terms.starts_no_step && workers::paused(&tx)?.is_some() {
            return Ok(ClaimOutcome::Paused);
        }
        let now = crate::clock::now_text();
        let won = processes::claim(
            &tx,
            &processes::Claim {
                process_id: id,
                seen_owner,
                seen_status,
                owner,
                lease_until: &from_now(terms.lease),
                lease_over_at: terms.lease_over.then_some(now.as_str()),
                starts_no_step: terms.starts_no_step,
            },
        )?;
        tx.commit()?;
        Ok(if won {
            ClaimOutcome::Taken
        } else {
            ClaimOutcome::Lost
        })
    }

    pub async fn claim_runnable(
        &self,
        owner: &str,
        lease: Duration,
        limit: usize,
        which: Runnable<'_>,
    ) -> StoreResult<Vec<ClaimedProcess>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if workers::paused(&tx)?.is_some() {
            return Ok(Vec::new());
        }
        let now = crate::clock::now_text();
        let lease_until = from_now(lease);
        let mut claimed = Vec::new();
        for p in processes::runnable(&tx, owner, &now, limit as i64, which)? {
            let takeover = p.status == ProcessStatus::Running;
            let won = processes::claim(
                &tx,
                &processes::Claim {
                    process_id: &p.process_id,
                    seen_owner: p.owner.as_deref(),
                    seen_status: p.status,
                    owner,
                    lease_until: &lease_until,
                    lease_over_at: takeover.then_some(now.as_str()),
                    starts_no_step: false,
                },
            )?;
            if won {
                claimed.push(ClaimedProcess {
                    taken_over_from: if takeover { p.owner.clone() } else { None },
                    process: p,
                });
            }
        }
        tx.commit()?;
        Ok(claimed)
    }

    pub async fn renew_leases(
        &self,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        processes::renew_leases(&self.conn(), owner, &from_now(lease))
    }

    pub async fn request_abort(&self, id: &str, by: &str) -> StoreResult<bool> {
        processes::request_abort(&self.conn(), id, by, &crate::clock::now_text())
    }

    pub async fn rest_process(
        &self,
        id: &str,
        owner: &str,
        reason: &str,
        retry_in: Option<Duration>,
    ) -> StoreResult<bool> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if !processes::held_by(&tx, id, owner)? {
            return Ok(false);
        }
        processes::rest(&tx, id, reason, retry_in.map(from_now).as_deref())?;
        tx.commit()?;
        Ok(true)
    }

    pub async fn queue_process(
        &self,
        id: &str,
        seen_status: ProcessStatus,
        by: &str,
    ) -> StoreResult<bool> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let queued = processes::queue(&tx, id, seen_status, by)?;
        tx.commit()?;
        Ok(queued)
    }

    pub async fn register_worker(
        &self,
        id: &str,
        concurrency: usize,
        lease: Duration,
    ) -> StoreResult<()> {
        workers::register(
            &self.conn(),
            id,
            concurrency as i64,
            &crate::clock::now_text(),
            &from_now(lease),
        )
    }

    pub async fn worker_beat(
        &self,
        id: &str,
        lease: Duration,
    ) -> StoreResult<Vec<(String, String)>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let until = from_now(lease);
        workers::beat(&tx, id, &crate::clock::now_text(), &until)?;
        let asked = processes::renew_leases(&tx, id, &until)?;
        tx.commit()?;
        Ok(asked)
    }

    pub async fn worker_stopping(&self, id: &str, grace: Duration) -> StoreResult<()> {
        workers::stopping(
            &self.conn(),
            id,
            &crate::clock::now_text(),
            &from_now(grace),
        )
    }

    pub async fn worker_stopped(&self, id: &str) -> StoreResult<()> {
        workers::stopped(&self.conn(), id, &crate::clock::now_text())
    }

    pub async fn workers(&self, recent: Duration) -> StoreResult<Vec<WorkerRow>> {
        workers::list(&self.conn(), &ago(recent), &crate::clock::now_text())
    }

    pub async fn create_token(&self, t: &crate::store::tokens::NewToken<'_>) -> StoreResult<bool> {
        tokens::create(&self.conn(), t, &crate::clock::now_text())
    }

    pub async fn tokens(&self) -> StoreResult<Vec<crate::store::tokens::TokenRow>> {
        tokens::list(&self.conn())
    }

    pub async fn revoke_token(&self, name: &str) -> StoreResult<bool> {
        tokens::revoke(&self.conn(), name, &crate::clock::now_text())
    }

    pub async fn engine_state(&self) -> StoreResult<EngineState> {
        workers::state(&self.conn())
    }

    pub async fn set_paused(&self, by: Option<&str>) -> StoreResult<bool> {
        workers::set_paused(&self.conn(), by, &crate::clock::now_text())
    }

    pub async fn fail_process(&self, id: &str, owner: &str, reason: &str) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if !processes::held_by(&tx, id, owner)? {
            return Ok(());
        }
        processes::release(&tx, id)?;
        processes::set_status(&tx, id, ProcessStatus::Failed, Some(reason))?;
        processes::wake_parent(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    pub async fn child_process(&self, parent: &str, step: &str) -> StoreResult<Option<ProcessRow>> {
        processes::child(&self.conn(), parent, step)
    }

    pub async fn await_children(
        &self,
        id: &str,
        owner: &str,
        at_rest: ProcessStatus,
        reason: &str,
    ) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if !processes::held_by(&tx, id, owner)? {
            return Ok(());
        }
        let due = processes::children_due(&tx, id)?;
        processes::release(&tx, id)?;
        processes::set_status(&tx, id, at_rest, Some(reason))?;
        // Waiting, it is due when a child comes to rest; suspended or awaiting a
        // callback, a deadline of its own is kept unless a child wakes it earlier.
        if at_rest == ProcessStatus::Waiting || due.is_some() {
            processes::set_run_after(&tx, id, due.as_deref())?;
        }
        tx.commit()?;
        Ok(())
    }

    pub async fn switch_definition(
        &self,
        process_id: &str,
        def: &WorkflowDef,
        source: Option<&str>,
    ) -> StoreResult<String> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let hash = processes::save_definition(&tx, def, source)?;
        processes::set_definition(&tx, process_id, &hash)?;
        tx.commit()?;
        Ok(hash)
    }

    pub async fn delete_task_runs(&self, cutoff: &str) -> StoreResult<(usize, usize)> {
        processes::delete_task_runs(&mut self.conn(), cutoff)
    }

    pub async fn subscription(&self, id: &str) -> StoreResult<Option<Subscription>> {
        subscriptions::get(&self.conn(), id)
    }

    pub async fn find_subscription(&self, id: &str) -> StoreResult<SubscriptionFind> {
        subscriptions::find(&self.conn(), id)
    }

    pub async fn subscriptions(&self, f: &SubscriptionFilter) -> StoreResult<Vec<Subscription>> {
        subscriptions::list(&self.conn(), f)
    }

    pub async fn ref_infos(&self, ids: &[String]) -> StoreResult<HashMap<String, RefInfo>> {
        let conn = self.conn();
        let mut found = HashMap::new();
        for id in ids {
            if let Some(info) = subscriptions::ref_info(&conn, id)? {
                found.insert(id.clone(), info);
            }
        }
        Ok(found)
    }

    pub async fn documents_of_product(
        &self,
        product_id: &str,
    ) -> StoreResult<Vec<(String, Lifecycle, Value)>> {
        subscriptions::documents_of_product(&self.conn(), product_id)
    }

    pub async fn in_use_by(&self, id: &str) -> StoreResult<Vec<Related>> {
        subscriptions::in_use_by(&self.conn(), id)
    }

    pub async fn depends_on(&self, id: &str) -> StoreResult<Vec<Related>> {
        subscriptions::depends_on(&self.conn(), id)
    }

    pub async fn usability_facts(
        &self,
        s: &Subscription,
        except: Option<&str>,
    ) -> StoreResult<Facts> {
        subscriptions::facts(&self.conn(), s, except)
    }

    pub async fn processes_of(&self, id: &str) -> StoreResult<Vec<Touch>> {
        subscriptions::processes_of(&self.conn(), id)
    }

    pub async fn products(&self) -> StoreResult<Vec<StoredProduct>> {
        products::list(&self.conn())
    }

    pub async fn product_by_name(&self, name: &str) -> StoreResult<Option<StoredProduct>> {
        products::by_name(&self.conn(), name)
    }

    pub async fn product_by_id(&self, id: &str) -> StoreResult<Option<StoredProduct>> {
        products::by_id(&self.conn(), id)
    }

    pub async fn products_by_tags(&self, tags: &[String]) -> StoreResult<Vec<StoredProduct>> {
        products::by_tags(&self.conn(), tags)
    }

    pub async fn subscription_count(&self, product_id: &str) -> StoreResult<i64> {
        products::subscription_count(&self.conn(), product_id)
    }

    pub async fn apply_products(&self, changes: &[ProductChange<'_>]) -> StoreResult<Vec<bool>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let mut applied = Vec::with_capacity(changes.len());
        for change in changes {
            applied.push(match change {
                ProductChange::Put { def, source } => {
                    products::upsert(&tx, def, *source)?;
                    true
                }
                ProductChange::AddIfMissing { def, source } => {
                    let missing = products::by_name(&tx, &def.name)?.is_none();
                    if missing {
                        products::upsert(&tx, def, *source)?;
                    }
                    missing
                }
                ProductChange::Remove { product_id } => {
                    products::delete(&tx, product_id)?;
                    true
                }
                ProductChange::Resync { new, old, flat } => {
                    subscriptions::save(&tx, new, Some(old), flat, None)?;
                    true
                }
            });
        }
        tx.commit()?;
        Ok(applied)
    }

    pub async fn events(&self, f: &EventFilter) -> StoreResult<Vec<Event>> {
        events::list(&self.conn(), f)
    }

    pub async fn events_page(&self, f: &EventFilter) -> StoreResult<Page> {
        let mut conn = self.conn();
        // A read transaction is one snapshot: the last seq and the page agree.
        let snapshot = conn.transaction()?;
        let last = events::last_seq(&snapshot)?;
        let filter = EventFilter {
            until: Some(last),
            ..f.clone()
        };
        let read = events::read(&snapshot, &filter)?;
        snapshot.commit()?;
        Page::of(f, last, read)
    }

    pub async fn last_seq(&self) -> StoreResult<i64> {
        events::last_seq(&self.conn())
    }

    /// Polls the newest seq: an integer primary key's maximum is one b-tree descent,
    /// and WAL readers never wait for writers.
    pub async fn wait_for_events(&self, seq: i64, timeout: Duration) -> StoreResult<()> {
        let until = Instant::now() + timeout;
        loop {
            let last = events::last_seq(&self.conn())?;
            let left = until.saturating_duration_since(Instant::now());
            if last > seq || left.is_zero() {
                return Ok(());
            }
            tokio::time::sleep(EVENT_POLL.min(left)).await;
        }
    }

    pub async fn consumers(&self) -> StoreResult<Vec<Consumer>> {
        events::consumers(&self.conn())
    }

    pub async fn consumer(&self, name: &str) -> StoreResult<Option<Consumer>> {
        events::consumer(&self.conn(), name)
    }

    pub async fn start_consumer(
        &self,
        name: &str,
        since: Option<i64>,
        default: i64,
    ) -> StoreResult<(i64, Option<Consumer>)> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let existing = events::consumer(&tx, name)?;
        let position = match (&existing, since) {
            (Some(c), None) => c.position,
            (_, since) => {
                let at = since.unwrap_or(default);
                events::set_consumer(&tx, name, at)?;
                at
            }
        };
        tx.commit()?;
        Ok((position, existing))
    }

    pub async fn advance_consumer(&self, name: &str, from: i64, to: i64) -> StoreResult<bool> {
        events::advance_consumer(&self.conn(), name, from, to)
    }

    pub async fn delete_consumer(&self, name: &str) -> StoreResult<bool> {
        events::delete_consumer(&self.conn(), name)
    }

    pub async fn schedule(&self, workflow: &str) -> StoreResult<Option<ScheduleRow>> {
        schedules::get(&self.conn(), workflow)
    }

    pub async fn schedules(&self) -> StoreResult<Vec<ScheduleRow>> {
        schedules::all(&self.conn())
    }

    pub async fn claim_schedule(&self, c: &Claimed<'_>, run: &NewProcess<'_>) -> StoreResult<bool> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if !schedules::claim(&tx, c)? {
            return Ok(false);
        }
        processes::insert(&tx, run)?;
        tx.commit()?;
        Ok(true)
    }
}
