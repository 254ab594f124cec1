//! The API's views of processes at rest, kept rendered.
//!
//! A dashboard, a portal or a script polling a process asks for the same view again
//! and again, and a process that has completed, was aborted or failed does not change
//! until its row does (a retry, a skip, a cleanup that deletes it). Building its view
//! reads its state and whole step log and serialises them; checking that it is still
//! the same reads one row by its key. So such a view is kept as the bytes that were
//! sent, with the process's row as it was, and sent again while the row is equal.
//!
//! Only the views that depend on nothing but the process's own rows are kept: a
//! process that started children shows their status, which moves without the parent's
//! row; one that runs, waits or awaits a callback shows a lease, a lock queue or a
//! deadline. Those are built every time.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::actions::ProcessView;
use crate::bounded::Bounded;
use crate::domain::process::ProcessStatus;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::processes::ProcessRow;

/// The most views kept (each is a process's row and its view's bytes): a screen
/// polls tens of processes, not thousands.
const KEPT: usize = 512;
/// A larger view is built every time, so the views kept take 32 MiB at the most.
const LARGEST: usize = 64 * 1024;
/// The length of a whole process id; a prefix is resolved by building the view.
const ID_LEN: usize = 36;

struct Kept {
    /// The row the view was built from, without its state.
    row: ProcessRow,
    body: Bytes,
}

pub struct Rendered(Bounded<Arc<Kept>>);

impl Default for Rendered {
    fn default() -> Self {
        Rendered(Bounded::new(KEPT))
    }
}

impl Rendered {
    /// `GET /processes/{id}`: the view kept for `id` while its row is unchanged, else
    /// a view built now (and kept when the process is at rest for good).
    pub async fn view(&self, store: &Store, id: &str) -> Result<Response> {
        if id.len() == ID_LEN {
            if let Some(kept) = self.0.get(id) {
                match store.process_row(id).await?.map(without_state) {
                    Some(row) if row == kept.row => {
                        return Ok(json(kept.body.clone()));
                    }
                    _ => self.0.remove(id),
                }
            }
        }
        let view = ProcessView::read(store, id).await?;
        let body = Bytes::from(
            serde_json::to_vec(&view.detail())
                .map_err(|e| Error::internal(format!("cannot serialise process {id}: {e}")))?,
        );
        if keeps(&view) && body.len() <= LARGEST {
            let row = without_state(view.process.clone());
            let kept = Kept {
                row,
                body: body.clone(),
            };
            self.0.put(&view.process.process_id, Arc::new(kept));
        }
        Ok(json(body))
    }
}

/// Whether nothing in the view can change unless the process's row does.
fn keeps(view: &ProcessView) -> bool {
    let at_rest = matches!(
        view.process.status,
        ProcessStatus::Completed | ProcessStatus::Aborted | ProcessStatus::Failed
    );
    at_rest && view.children.is_empty() && view.callback.is_none() && view.lock.is_none()
}

fn without_state(mut row: ProcessRow) -> ProcessRow {
    row.state = serde_json::Value::Null;
    row
}

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
