//! One transaction of the PostgreSQL store: the statements the table modules run, the
//! events they append, and the failures that end it.
//!
//! Every method of the seam runs in one [`Tx`], as on SQLite: a write transaction
//! (READ COMMITTED, with row locks where SQLite relied on its single writer) or a read
//! transaction (REPEATABLE READ, READ ONLY: one snapshot, so a read of several
//! statements agrees with itself).
//!
//! Events are not inserted where the table modules append them: [`Tx::event`] keeps
//! them, and [`Tx::flush`] inserts them all in one statement, at commit (or earlier,
//! when a statement needs the seq of one). Inserting into `events` takes the event-log
//! lock until the transaction ends (see the note of `store::postgres`), so the later
//! the events go in, the shorter every other writer waits. Their order in the log is
//! the order they were appended.
//!
//! Failures stay the driver's until the seam method ends ([`Fail`]); only there are
//! they turned into [`StoreError`]s, with the address to name.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::config::ConnInfo;
use super::error::{pool_store_error, store_error};
use crate::store::StoreError;

/// Parameters of a statement.
pub(super) type Params<'p> = [&'p (dyn ToSql + Sync)];

/// A failure inside a transaction, before it is said in orch's words.
#[derive(Debug)]
pub(super) enum Fail {
    Driver(tokio_postgres::Error),
    Pool(deadpool_postgres::PoolError),
    Store(StoreError),
}

pub(super) type R<T> = Result<T, Fail>;

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Driver(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl From<serde_json::Error> for Fail {
    fn from(e: serde_json::Error) -> Self {
        Fail::Store(e.into())
    }
}

impl Fail {
    /// A conflict the server resolved by aborting this transaction (a deadlock, a
    /// serialisation failure, a lock it would not wait for): running it again is safe.
    pub(super) fn is_busy(&self) -> bool {
        use tokio_postgres::error::SqlState;
        match self {
            Fail::Driver(e) => e.code().is_some_and(|c| {
                *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == SqlState::LOCK_NOT_AVAILABLE
            }),
            _ => false,
        }
    }

    pub(super) fn into_store(self, info: &ConnInfo) -> StoreError {
        match self {
            Fail::Driver(e) => store_error(info, &e),
            Fail::Pool(e) => pool_store_error(info, &e),
            Fail::Store(e) => e,
        }
    }
}

/// An event to append, with the step log's columns for a `step.finished` row.
#[derive(Debug, Default)]
pub(super) struct NewEvent {
    pub kind: String,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    pub product_id: Option<String>,
    pub data: String,
    pub step: Option<StepColumns>,
}

#[derive(Debug, Default)]
pub(super) struct StepColumns {
    pub name: String,
    pub status: String,
    pub attempt: i64,
    pub started_at: String,
    pub created_by: String,
    pub error: Option<String>,
    pub output: Option<String>,
    pub state_patch: String,
    pub finished_at: String,
    /// The path of the branch the step ran in; None at the top level.
    pub branch: Option<String>,
}

/// Where a transaction stood at a savepoint.
pub(super) struct Mark {
    events: usize,
    seqs: usize,
}

/// A transaction and the events it appends.
pub(super) struct Tx<'a> {
    t: Transaction<'a>,
    events: Vec<NewEvent>,
    /// The seq of each event inserted so far, in the order of `events`.
    seqs: Vec<i64>,
}

/// Inserts events in the order given; `at` and `seq` are left to their defaults, which
/// are read after the event-log lock (migrations/postgres/V1__initial.sql).
const INSERT_EVENTS: &str = "INSERT INTO events (kind, process_id, subscription_id, product_id, data, step_name, step_status, attempt, started_at, created_by, error, output, state_patch, finished_at, step_branch)
SELECT kind, process_id, subscription_id, product_id, data, step_name, step_status, attempt, started_at, created_by, error, output, state_patch, finished_at, step_branch
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
  WITH ORDINALITY AS e (kind, process_id, subscription_id, product_id, data, step_name, step_status, attempt, started_at, created_by, error, output, state_patch, finished_at, step_branch, n)
ORDER BY n
RETURNING seq";

impl<'a> Tx<'a> {
    /// Starts a write transaction.
    pub(super) async fn write(client: &'a mut deadpool_postgres::Object) -> R<Tx<'a>> {
        Ok(Tx::with(client.transaction().await?))
    }

    /// Starts a read-only transaction on one snapshot.
    pub(super) async fn read(client: &'a mut deadpool_postgres::Object) -> R<Tx<'a>> {
        let t = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        Ok(Tx::with(t))
    }

    fn with(t: Transaction<'a>) -> Tx<'a> {
        Tx {
            t,
            events: Vec::new(),
            seqs: Vec::new(),
        }
    }

    /// Runs a statement; returns how many rows it changed.
    pub(super) async fn exec(&self, sql: &str, params: &Params<'_>) -> R<u64> {
        let stmt = self.t.prepare_cached(sql).await?;
        Ok(self.t.execute(&stmt, params).await?)
    }

    pub(super) async fn rows(&self, sql: &str, params: &Params<'_>) -> R<Vec<Row>> {
        let stmt = self.t.prepare_cached(sql).await?;
        Ok(self.t.query(&stmt, params).await?)
    }

    pub(super) async fn opt(&self, sql: &str, params: &Params<'_>) -> R<Option<Row>> {
        let stmt = self.t.prepare_cached(sql).await?;
        Ok(self.t.query_opt(&stmt, params).await?)
    }

    pub(super) async fn one(&self, sql: &str, params: &Params<'_>) -> R<Row> {
        let stmt = self.t.prepare_cached(sql).await?;
        Ok(self.t.query_one(&stmt, params).await?)
    }

    /// Appends an event (inserted by [`Tx::flush`]); returns its ticket for [`Tx::seq`].
    pub(super) fn event(&mut self, e: NewEvent) -> usize {
        self.events.push(e);
        self.events.len() - 1
    }

    /// The seq of an appended event, once flushed.
    pub(super) fn seq(&self, ticket: usize) -> Option<i64> {
        self.seqs.get(ticket).copied()
    }

    /// Inserts the events appended since the last flush, in one statement.
    pub(super) async fn flush(&mut self) -> R<()> {
        let pending = &self.events[self.seqs.len()..];
        if pending.is_empty() {
            return Ok(());
        }
        let text = |f: &dyn Fn(&NewEvent) -> Option<String>| -> Vec<Option<String>> {
            pending.iter().map(f).collect()
        };
        let step = |f: &dyn Fn(&StepColumns) -> Option<String>| -> Vec<Option<String>> {
            pending
                .iter()
                .map(|e| e.step.as_ref().and_then(f))
                .collect()
        };
        let kind = text(&|e| Some(e.kind.clone()));
        let process = text(&|e| e.process_id.clone());
        let subscription = text(&|e| e.subscription_id.clone());
        let product = text(&|e| e.product_id.clone());
        let data = text(&|e| Some(e.data.clone()));
        let name = step(&|s| Some(s.name.clone()));
        let status = step(&|s| Some(s.status.clone()));
        let attempt: Vec<Option<i64>> = pending
            .iter()
            .map(|e| e.step.as_ref().map(|s| s.attempt))
            .collect();
        let started = step(&|s| Some(s.started_at.clone()));
        let by = step(&|s| Some(s.created_by.clone()));
        let error = step(&|s| s.error.clone());
        let output = step(&|s| s.output.clone());
        let patch = step(&|s| Some(s.state_patch.clone()));
        let finished = step(&|s| Some(s.finished_at.clone()));
        let branch = step(&|s| s.branch.clone());
        let rows = self
            .rows(
                INSERT_EVENTS,
                &[
                    &kind,
                    &process,
                    &subscription,
                    &product,
                    &data,
                    &name,
                    &status,
                    &attempt,
                    &started,
                    &by,
                    &error,
                    &output,
                    &patch,
                    &finished,
                    &branch,
                ],
            )
            .await?;
        // Numbers are drawn in the order the rows are inserted, under the lock: the
        // smallest is the first event.
        let mut seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        seqs.sort_unstable();
        self.seqs.extend(seqs);
        Ok(())
    }

    /// Sets a savepoint, remembering which events were appended before it.
    pub(super) async fn savepoint(&mut self) -> R<Mark> {
        self.t.batch_execute("SAVEPOINT step").await?;
        Ok(Mark {
            events: self.events.len(),
            seqs: self.seqs.len(),
        })
    }

    /// Undoes everything since the savepoint, the events appended since included.
    pub(super) async fn roll_back_to(&mut self, mark: Mark) -> R<()> {
        self.t.batch_execute("ROLLBACK TO SAVEPOINT step").await?;
        self.events.truncate(mark.events);
        self.seqs.truncate(mark.seqs);
        Ok(())
    }

    /// Inserts the pending events and commits.
    pub(super) async fn commit(mut self) -> R<()> {
        self.flush().await?;
        Ok(self.t.commit().await?)
    }
}

/// Text as PostgreSQL can store it: a TEXT value cannot hold a NUL character, which
/// SQLite stores and a step's stderr may well contain, so it becomes U+FFFD (as an
/// invalid byte of that stderr already did). JSON columns need nothing: serde writes
/// NUL as `\u0000`.
pub(super) fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// [`clean`] for an optional value.
pub(super) fn clean_opt(text: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    text.map(clean)
}

/// A stored word (a status, a target, a lifecycle) read as its type; a word this
/// binary does not know is an error (a newer orch wrote it), never a default.
pub(super) fn word<T: std::str::FromStr<Err = String>>(r: &Row, i: usize) -> R<T> {
    let text: String = r.try_get(i)?;
    text.parse()
        .map_err(|e: String| Fail::Store(StoreError::Data(e)))
}

/// Runs `$body` in a transaction on a pooled connection of `$pg` (a `Postgres`) and
/// commits it, running the whole again (a bounded number of times) when the server
/// aborted it to resolve a conflict; the value, or the failure as a [`StoreError`].
/// An early `return Ok(x)` inside `$body` leaves without committing (the transaction
/// rolls back), as dropping a SQLite transaction does.
macro_rules! in_tx {
    ($pg:expr, $begin:ident, |$tx:ident| $body:expr) => {{
        let pg = $pg;
        let mut attempt = 0u32;
        loop {
            let run = async {
                let mut client = pg.pooled().await?;
                #[allow(unused_mut)]
                let mut $tx = $crate::store::postgres::tx::Tx::$begin(&mut client).await?;
                let value = $body;
                $tx.commit().await?;
                Ok::<_, $crate::store::postgres::tx::Fail>(value)
            };
            let result: $crate::store::postgres::tx::R<_> =
                tokio::time::timeout($crate::store::postgres::tx::ANSWER_WITHIN, run)
                    .await
                    .unwrap_or_else(|_| Err($crate::store::postgres::tx::silent(pg.info())));
            match result {
                Ok(v) => break Ok(v),
                Err(f) if f.is_busy() && attempt < $crate::store::postgres::tx::RETRIES => {
                    attempt += 1;
                    tokio::time::sleep($crate::store::postgres::tx::backoff(attempt)).await;
                }
                Err(f) => break Err(f.into_store(pg.info())),
            }
        }
    }};
}
pub(super) use in_tx;

/// How long one transaction may take, its connection from the pool included. A server
/// that stops answering on a connection already open (frozen, or a network that drops
/// packets without a reset) would otherwise leave the command, a worker or `serve`
/// waiting for good; TCP itself notices nothing while the server's host acknowledges.
/// Ten seconds, as SQLite's busy timeout: orch's transactions take milliseconds.
pub(super) const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The failure of a transaction the server did not finish within [`ANSWER_WITHIN`]:
/// rolled back (the connection carries the rollback when the server wakes). A server
/// that answers others but keeps this transaction waiting for a lock another session
/// holds (a `LOCK TABLE` left open in psql, say) looks the same from here, so both are
/// said.
pub(super) fn silent(info: &ConnInfo) -> Fail {
    Fail::Store(StoreError::ConnectionLost(format!(
        "{info}: {SILENT} {}s: it stopped answering, or another session holds a lock orch waited for (pg_locks shows who)",
        ANSWER_WITHIN.as_secs()
    )))
}

const SILENT: &str = "the server did not answer within";

/// Whether a failure is [`silent`]'s.
pub(super) fn is_silent(e: &StoreError) -> bool {
    matches!(e, StoreError::ConnectionLost(m) if m.contains(SILENT))
}

/// How often a transaction the server aborted for a conflict runs again.
pub(super) const RETRIES: u32 = 6;

/// How long to wait before the `attempt`th run again: growing, with jitter so that
/// two transactions that collided do not collide again.
pub(super) fn backoff(attempt: u32) -> std::time::Duration {
    let base = 5u64 << attempt.min(6);
    let noise = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = u64::from(noise ^ std::process::id()) % base;
    std::time::Duration::from_millis(base + jitter)
}
