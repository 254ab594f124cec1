//! Answering what a suspended process waits for at the command line: the pending
//! input steps themselves ([`Pending`]) are shared with the API, in `crate::shapes`.

use serde_json::{Map, Value};

use super::Ctx;
use super::answers;
use crate::error::Result;
pub use crate::shapes::Pending;
pub use crate::shapes::pending::split_answers;

/// Collects the answers to a pending step (prompting with `form`) against the state it
/// sees, split into what is stored and the secrets.
pub fn answer(
    pending: &Pending,
    ctx: &mut Ctx,
    given: &Map<String, Value>,
    state: &Value,
    form: bool,
) -> Result<(Map<String, Value>, Map<String, Value>)> {
    let pages = std::slice::from_ref(&pending.page);
    if form && pending.branch.is_some() {
        ctx.printer
            .status(&format!("input for `{}`:", pending.step));
    }
    let all = answers::collect(ctx, pages, given, state, form)?;
    Ok(answers::split_secrets(pages, all))
}
