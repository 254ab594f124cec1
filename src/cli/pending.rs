//! Answering what a suspended process waits for at the command line: the pending
//! input step itself ([`Pending`]) is shared with the API, in `crate::shapes`.

use serde_json::{Map, Value};

use super::Ctx;
use super::answers;
use crate::error::Result;
pub use crate::shapes::Pending;

/// Collects the answers to a pending step (prompting with `form`), split into what is
/// stored and the secrets.
pub fn answer(
    pending: &Pending,
    ctx: &mut Ctx,
    given: &Map<String, Value>,
    state: &Value,
    form: bool,
) -> Result<(Map<String, Value>, Map<String, Value>)> {
    let pages = std::slice::from_ref(&pending.page);
    let all = answers::collect(ctx, pages, given, state, form)?;
    Ok(answers::split_secrets(pages, all))
}
