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
use crate::engine::owner::{self, Claim};
use crate::engine::{answer, token};
use crate::error::{Error, Kind, Result};
use crate::store::callbacks::Answer;

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
codes of `process resume`; one at rest failed or waiting keeps the answer for the retry
that runs it on (exit 3 or 5).";

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
    let (row, _) = ctx.db(async |s| answer::open_token(s, Some(&id), &a.token).await)?;
    if let Some(message) = &a.progress {
        let data = json!({ "message": message });
        if !ctx.db(async |s| s.callback_progress(&hash, &data).await)? {
            return Err(answer::unknown(Some(&id)));
        }
        ctx.printer
            .status(&format!("progress of step `{}` recorded", row.step));
        return Ok(());
    }
    let mut given = Map::new();
    if let Some(f) = &a.input_file {
        given.extend(answers::read_file(f)?);
    }
    let mut flags = Map::new();
    for (k, v) in &a.inputs {
        // Two values for one key would keep the last without a word.
        if flags.insert(k.clone(), Value::String(v.clone())).is_some() {
            return Err(Error::usage(format!("`--input {k}` is given twice"))
                .with_hint(format!(
                    "give each key of the answer once; a list is one JSON value (`--input '{k}=[\"a\", \"b\"]'`)"
                )));
        }
    }
    given.extend(answers::loose(flags)?);
    let result = Value::Object(given);
    ctx.db(async |s| answer::check(s, &result, &p, &row).await)?;
    let user = ctx.user().to_string();
    match ctx.db(async |s| s.answer_callback(&hash, &result, &user).await)? {
        Answer::Accepted { .. } => {}
        Answer::Unknown => return Err(answer::unknown(Some(&id))),
        Answer::Expired => return Err(answer::expired(&row)),
    }
    ctx.printer.status(&format!(
        "answer to step `{}` of process {id} accepted",
        row.step
    ));
    // Read again: the process may have come to rest, or its orch may have died, since.
    let now = ctx.process(&id)?;
    // At rest on its callbacks (suspended: a branch waits on one while another awaits
    // input), the answer is driven on from here.
    let at_rest = matches!(
        now.status,
        ProcessStatus::AwaitingCallback | ProcessStatus::Suspended
    ) && now.owner.is_none();
    let stale = owner::is_stale(&now);
    if !at_rest && !stale {
        // Its `run` still runs, or it rests failed or waiting: whoever runs the step
        // next takes the answer. The exit code says where the process stands.
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
        let at_rest_as = match (&now.owner, now.status) {
            (None, ProcessStatus::Failed) => Some(Kind::StepFailed),
            (None, ProcessStatus::Waiting) => Some(Kind::Waiting),
            _ => None,
        };
        if at_rest_as.is_some() {
            ctx.printer.hint(&format!(
                "`orch process retry {id}` runs it on with the answer"
            ));
        }
        print_process_json(ctx, &id)?;
        return at_rest_as.map_or(Ok(()), |k| Err(Error::silent(k)));
    }
    if a.queue {
        let by = ctx.user().to_string();
        if !at_rest {
            // Its orch died: a worker takes it over once its lease has run out.
            ctx.printer.hint(&format!(
                "its orch is gone: a worker takes it over (with the answer) once its lease has run out, or `orch process retry {id}` does now"
            ));
        } else if ctx.db(async |s| s.queue_process(&id, now.status, &by).await)? {
            ctx.printer.hint(&format!(
                "queued: a worker runs it (`orch worker`); follow it with `orch process show {id}`"
            ));
        }
        return print_process_json(ctx, &id);
    }
    // At rest, or its orch died: the answer is driven on from here (a stale owner is
    // taken over, as `retry` does).
    let lease = ctx.settings.lease;
    let allowed = [ProcessStatus::AwaitingCallback, ProcessStatus::Suspended];
    let seen = match ctx.db(async |s| owner::claim(s, &id, &allowed, lease).await)? {
        Claim::Claimed(seen) => seen,
        Claim::Paused => {
            // Accepted but not driven: the process waits for the engine (exit 5).
            ctx.printer.warn(&format!(
                "the engine is paused: process {id} takes the answer when it runs again"
            ));
            ctx.printer.hint(&format!(
                "`orch engine resume` lets it run on: a worker picks it up, or `orch process retry {id}` drives it here"
            ));
            print_process_json(ctx, &id)?;
            return Err(Error::silent(Kind::Waiting));
        }
        // A worker or another command picked it up first: it takes the answer.
        Claim::Owned(_) | Claim::Refused(_) | Claim::Missing => {
            return print_process_json(ctx, &id);
        }
    };
    let def = ctx.stored_definition(&p)?;
    let secrets = super::take_over::secrets_needed(ctx, &p, &def, false)?;
    let outcome = drive::drive(
        ctx,
        &id,
        &def,
        Default::default(),
        secrets,
        Options {
            taken_over_from: drive::taken_over_from(&seen),
            ..Options::default()
        },
    );
    drive::printed(ctx, &id, outcome)
}
