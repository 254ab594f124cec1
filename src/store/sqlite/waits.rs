//! The seam's operations on callbacks and locks (DESIGN §14) on SQLite, each one
//! transaction composed of the `callbacks` and `locks` free functions.

use serde_json::Value;

use super::{Sqlite, callbacks, locks, write_tx};
use crate::store::StoreResult;
use crate::store::callbacks::{Answer, CallbackRow, NewCallback, Wait};
use crate::store::locks::{LockRow, Take};

impl Sqlite {
    pub async fn open_callback(&self, c: &NewCallback<'_>) -> StoreResult<()> {
        let expires = c.timeout.map(super::ops::from_now);
        callbacks::open(
            &self.conn(),
            c.token_hash,
            c.process_id,
            c.step,
            c.attempt,
            expires.as_deref(),
        )
    }

    pub async fn callback_wait(&self, process_id: &str, step: &str) -> StoreResult<Wait> {
        callbacks::wait(&self.conn(), process_id, step, &crate::clock::now_text())
    }

    pub async fn callback(&self, token_hash: &str) -> StoreResult<Option<CallbackRow>> {
        callbacks::get(&self.conn(), token_hash)
    }

    pub async fn answer_callback(
        &self,
        token_hash: &str,
        result: &Value,
        by: &str,
    ) -> StoreResult<Answer> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let answer = callbacks::answer(&tx, token_hash, result, by)?;
        tx.commit()?;
        Ok(answer)
    }

    pub async fn callback_progress(&self, token_hash: &str, data: &Value) -> StoreResult<bool> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let recorded = callbacks::progress(&tx, token_hash, data)?;
        tx.commit()?;
        Ok(recorded)
    }

    pub async fn take_locks(
        &self,
        process_id: &str,
        step: Option<&str>,
        names: &[String],
    ) -> StoreResult<Take> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let taken = locks::take(&tx, process_id, step, names)?;
        tx.commit()?;
        Ok(taken)
    }

    pub async fn locks(&self) -> StoreResult<Vec<LockRow>> {
        locks::list(&self.conn())
    }
}
