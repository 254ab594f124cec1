//! `orch process callback ID --token T`: an external system answers a callback step
//! (DESIGN §14), or reports progress without answering (`--progress`).
//!
//! The answer is checked against the step's `validate` first (a refused answer leaves
//! the token good and the process waiting), then taken by the store, where of any
//! number of answers racing for one step exactly one wins. The winner drives the
//! process on from here, as `resume` does (or queues it with `--queue`); a process
//! whose `run` is still running takes the answer itself when the step ends.

use clap::Args;
use serde_json::{Map, Value, json};

use crate::cli::Ctx;
use crate::cli::answers;
use crate::cli::drive::{self, Options, print_process_json};
use crate::domain::process::ProcessStatus;
use crate::domain::workflow::{CallbackSpec, StepKind};
use crate::engine::owner::{self, Claim};
use crate::engine::token;
use crate::error::{Error, Result};
use crate::store::callbacks::{Answer, CallbackRow};
use crate::store::processes::ProcessRow;

pub const EXAMPLES: &str = "Examples:
  orch process callback 01a2285b --token $TOKEN --input-file result.json
  orch process callback 01a2285b --token $TOKEN --input status=done --input job_id=42
  echo '{\"status\": \"done\"}' | orch process callback 01a2285b --token $TOKEN --input-file -
  orch process callback 01a2285b --token $TOKEN --progress 'provisioning: 40%'

The token is what the step's `run` got in ORCH_CALLBACK_TOKEN (it may come from that
variable here too, which keeps it off the command line). A wrong token, one that was
answered already, and one whose step ended are all refused as not found (exit 6). An
answer that fails the step's `validate` is refused with exit 2; the process keeps
waiting and the token stays good. Otherwise the process continues here, with the exit
codes of `process resume`.";

#[derive(Debug, Args)]
pub struct CallbackArgs {
    /// The process (its id, or a unique prefix of it)
    pub id: String,
    /// The token the callback step handed out
    #[arg(long, env = "ORCH_CALLBACK_TOKEN", hide_env_values = true)]
    pub token: String,
    /// A field of the answer, key=value (repeatable; numbers, booleans and JSON are taken as such)
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = crate::cli::parse_key_value)]
    pub inputs: Vec<(String, String)>,
    /// The answer as a JSON or TOML object in a file, or - for stdin
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<String>,
    /// Record progress (a `step.progress` event with this message) without answering
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["inputs", "input_file", "queue"])]
    pub progress: Option<String>,
    /// Record the answer and hand the process to the workers instead of running it here
    #[arg(long)]
    pub queue: bool,
}

pub fn callback(ctx: &mut Ctx, a: CallbackArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    let id = p.process_id.clone();
    let hash = token::hash(&a.token);
    let row = open_token(ctx, &p, &a.token, &hash)?;
    if let Some(message) = &a.progress {
        let data = json!({ "message": message });
        if !ctx.db(async |s| s.callback_progress(&hash, &data).await)? {
            return Err(unknown(&id));
        }
        ctx.printer
            .status(&format!("progress of step `{}` recorded", row.step));
        return Ok(());
    }
    let mut given = Map::new();
    if let Some(f) = &a.input_file {
        given.extend(answers::read_file(f)?);
    }
    given.extend(answers::loose(
        a.inputs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    ));
    let answer = Value::Object(given);
    let spec = spec_of(ctx, &p, &row)?;
    check(&spec, &answer, &p, &row)?;
    let user = ctx.user().to_string();
    match ctx.db(async |s| s.answer_callback(&hash, &answer, &user).await)? {
        Answer::Accepted { .. } => {}
        Answer::Unknown => return Err(unknown(&id)),
        Answer::Expired => return Err(expired(&id, &row)),
    }
    ctx.printer.status(&format!(
        "answer to step `{}` of process {id} accepted",
        row.step
    ));
    // Read again: the process may have come to rest, or its orch may have died, since.
    let now = ctx.process(&id)?;
    let at_rest = now.status == ProcessStatus::AwaitingCallback && now.owner.is_none();
    if !at_rest && !owner::is_stale(&now) {
        // Its `run` still runs (or it waits after a transient failure): whoever runs
        // the step next takes the answer.
        ctx.printer.status(&match &now.owner {
            Some(o) => format!(
                "process {id} is {} in {}; it takes the answer when the step ends",
                now.status,
                owner::describe(o)
            ),
            None => format!(
                "process {id} is {}; it takes the answer when it runs on",
                now.status
            ),
        });
        return print_process_json(ctx, &id);
    }
    if a.queue && at_rest {
        if ctx.db(async |s| s.queue_process(&id, ProcessStatus::AwaitingCallback).await)? {
            ctx.printer.hint(&format!(
                "queued: a worker runs it (`orch worker`); follow it with `orch process show {id}`"
            ));
        }
        return print_process_json(ctx, &id);
    }
    // At rest, or its orch died: the answer is driven on from here (a stale owner is
    // taken over, as `retry` does).
    let lease = ctx.settings.lease;
    let allowed = [ProcessStatus::AwaitingCallback];
    match ctx.db(async |s| owner::claim(s, &id, &allowed, lease).await)? {
        Claim::Claimed(_) => {}
        Claim::Paused => {
            ctx.printer.warn(&format!(
                "the engine is paused: process {id} takes the answer when it runs again"
            ));
            return print_process_json(ctx, &id);
        }
        // A worker or another command picked it up first: it takes the answer.
        Claim::Owned(_) | Claim::Refused(_) | Claim::Missing => {
            return print_process_json(ctx, &id);
        }
    }
    let def = ctx.stored_definition(&p)?;
    let secrets = super::take_over::secrets_needed(ctx, &p, &def, false)?;
    let outcome = drive::drive(
        ctx,
        &id,
        &def,
        Default::default(),
        secrets,
        Options::default(),
    );
    print_process_json(ctx, &id)?;
    outcome
}

/// The open token of `p` with this hash; any other is refused as not found, with the
/// same words whatever the reason, so a guess learns nothing.
fn open_token(ctx: &mut Ctx, p: &ProcessRow, token: &str, hash: &str) -> Result<CallbackRow> {
    let id = &p.process_id;
    if !token::looks_like_one(token) {
        return Err(unknown(id));
    }
    let row = ctx
        .db(async |s| s.callback(hash).await)?
        .filter(|r| &r.process_id == id && r.closed_at.is_none() && r.answered_at.is_none())
        .ok_or_else(|| unknown(id))?;
    let now = crate::clock::now_text();
    if row.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
        return Err(expired(id, &row));
    }
    Ok(row)
}

fn unknown(id: &str) -> Error {
    Error::not_found(format!(
        "process {id} has no callback waiting for this token"
    ))
    .with_hint(format!(
        "the token is wrong, was answered already, or its step ended; `orch process show {id}` says what the process waits for"
    ))
}

fn expired(id: &str, row: &CallbackRow) -> Error {
    Error::not_found(format!(
        "the callback of step `{}` of process {id} timed out at {}",
        row.step,
        row.expires_at.as_deref().unwrap_or("its deadline")
    ))
    .with_hint(format!(
        "`orch process retry {id}` runs the step again with a new token"
    ))
}

/// The callback table of the step a token belongs to, in the definition the process
/// runs.
fn spec_of(ctx: &mut Ctx, p: &ProcessRow, row: &CallbackRow) -> Result<CallbackSpec> {
    let def = ctx.stored_definition(p)?;
    match def.step(&row.step).map(|s| &s.kind) {
        Some(StepKind::Callback { callback, .. }) => Ok(callback.clone()),
        _ => Err(Error::internal(format!(
            "process {} has a callback token for step `{}`, which is not a callback step of its definition",
            p.process_id, row.step
        ))),
    }
}

/// Refuses an answer that fails the step's `validate` (exit 2): the token stays good.
fn check(spec: &CallbackSpec, answer: &Value, p: &ProcessRow, row: &CallbackRow) -> Result<()> {
    let Some(expr) = &spec.validate else {
        return Ok(());
    };
    let keeps_waiting = format!(
        "process {} keeps waiting and the token stays good; answer again with a result that passes `{expr}`",
        p.process_id
    );
    match crate::expr::eval_bool(expr, &json!({"value": answer, "state": p.state})) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::usage(match &spec.message {
            Some(m) => format!("the answer to step `{}` was refused: {m}", row.step),
            None => format!(
                "the answer to step `{}` was refused: it does not pass `{expr}`",
                row.step
            ),
        })
        .with_hint(keeps_waiting)),
        Err(e) => Err(Error::usage(format!(
            "the answer to step `{}` was refused: `{expr}` failed on it: {e}",
            row.step
        ))
        .with_hint(keeps_waiting)),
    }
}
