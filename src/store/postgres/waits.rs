//! The seam's operations on callbacks and locks (DESIGN §14) on PostgreSQL, each one
//! transaction composed of the `callbacks` and `locks` functions (the twin of
//! `store::sqlite::waits`).

use serde_json::Value;

use super::tx::in_tx;
use super::{Postgres, callbacks, locks};
use crate::store::StoreResult;
use crate::store::callbacks::{Answer, CallbackRow, NewCallback, Wait};
use crate::store::locks::{LockRow, Take};

impl Postgres {
    pub async fn open_callback(&self, c: &NewCallback<'_>) -> StoreResult<()> {
        in_tx!(self, write, |tx| {
            callbacks::open(
                &tx,
                c.token_hash,
                c.process_id,
                c.step,
                c.attempt,
                c.timeout,
            )
            .await?
        })
    }

    pub async fn callback_wait(&self, process_id: &str, step: &str) -> StoreResult<Wait> {
        in_tx!(self, read, |tx| callbacks::wait(&tx, process_id, step)
            .await?)
    }

    pub async fn callback(&self, token_hash: &str) -> StoreResult<Option<CallbackRow>> {
        in_tx!(self, read, |tx| callbacks::get(&tx, token_hash).await?)
    }

    pub async fn answer_callback(
        &self,
        token_hash: &str,
        result: &Value,
        by: &str,
    ) -> StoreResult<Answer> {
        in_tx!(self, write, |tx| callbacks::answer(
            &mut tx, token_hash, result, by
        )
        .await?)
    }

    pub async fn callback_progress(&self, token_hash: &str, data: &Value) -> StoreResult<bool> {
        in_tx!(self, write, |tx| callbacks::progress(
            &mut tx, token_hash, data
        )
        .await?)
    }

    pub async fn take_locks(
        &self,
        process_id: &str,
        step: Option<&str>,
        names: &[String],
    ) -> StoreResult<Take> {
        in_tx!(self, write, |tx| {
            locks::serialise(&tx).await?;
            locks::take(&mut tx, process_id, step, names).await?
        })
    }

    pub async fn locks(&self) -> StoreResult<Vec<LockRow>> {
        in_tx!(self, read, |tx| locks::list(&tx).await?)
    }
}
