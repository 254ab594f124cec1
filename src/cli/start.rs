//! Starting a workflow run from the command line, for `workflow run` and `task run`:
//! the subscription it runs on, the initial form, the new process, then [`drive`].
//!
//! [`drive`]: super::drive

use serde_json::{Map, Value};

use super::Ctx;
use super::answers;
use super::drive;
use crate::domain::workflow::{StepKind, Target, WorkflowDef};
use crate::engine::start::NewRun;
use crate::engine::subscription as engine_subscription;
use crate::error::{Error, Result};
use crate::forms::FormPage;
use crate::store::subscriptions::Subscription;

/// A run as the command line asked for it, flags resolved.
pub struct Request {
    /// `--subscription`: the subscription to modify, validate or terminate.
    pub subscription: Option<String>,
    /// `--input` and `--input-file`, flags last.
    pub given: Map<String, Value>,
    /// `--form`: prompt for what is missing.
    pub form: bool,
    /// `--customer`: the customer of a new subscription.
    pub customer: Option<String>,
    /// `--detach`: print the process id and run on in the background.
    pub detach: bool,
    /// `--queue`: create the process for a worker and exit.
    pub queue: bool,
}

/// Starts `def` and drives the new process until it comes to rest.
pub fn start(ctx: &mut Ctx, def: &WorkflowDef, source: &str, req: Request) -> Result<()> {
    if !req.queue
        && ctx
            .db(async |s| s.engine_state().await)?
            .paused_at
            .is_some()
    {
        // Said before any question is asked; the creation checks it again.
        return Err(crate::engine::start::paused());
    }
    let subscription = target_subscription(ctx, def, req.subscription.as_deref())?;
    crate::engine::start::check_customer(req.customer.as_deref())?;
    if req.customer.is_some() && def.target != Target::Create {
        let whose = if def.target == Target::System {
            "a task is for no customer"
        } else {
            "it runs for the customer of the subscription it works on"
        };
        return Err(Error::usage(format!(
            "--customer only applies to create workflows; `{}` is a {} workflow",
            def.name, def.target
        ))
        .with_hint(format!("leave out --customer: {whose}")));
    }
    let mut pages = def.form.clone();
    if def.target == Target::Create {
        super::product::ensure_tags(ctx, &def.products)?;
        if let Some(page) = product_page(ctx, def)? {
            pages.insert(0, page);
        }
    }
    let (answers, secrets) = if pages.is_empty() {
        (answers::loose(req.given)?, Map::new())
    } else {
        let state = crate::engine::start::form_state(subscription.as_ref());
        let all = if req.queue {
            // A queued process takes its secrets from the worker's environment, and
            // suspends asking for one it lacks (DESIGN §12): none is required here.
            let asked = crate::forms::with_secrets_for_the_worker(&pages);
            answers::collect(ctx, &asked, &req.given, &state, req.form)
        } else {
            answers::collect(ctx, &pages, &req.given, &state, req.form)
        }
        .map_err(|e| for_an_input_step(def, &req.given, e))?;
        answers::split_secrets(&pages, all)
    };
    let state = crate::engine::start::initial_state(answers);
    let customer = crate::engine::start::customer(
        def,
        req.customer.as_deref(),
        ctx.project.config.default_customer.as_deref(),
        subscription.as_ref(),
    );
    let user = ctx.user().to_string();
    let owner = (!req.detach && !req.queue).then(crate::engine::owner::me);
    let run = NewRun {
        def,
        source: Some(source),
        subscription_id: subscription.as_ref().map(|s| s.subscription_id.as_str()),
        customer_id: customer.as_deref(),
        user: &user,
        state: &state,
        owner,
        lease: ctx.settings.lease,
        parent: None,
    };
    let id = ctx.db(async |s| crate::engine::start::create(s, &run).await)?;
    // The stored copy is what runs; a large initial state is not kept twice.
    drop(state);
    if req.detach {
        return drive::detach(ctx, &id, &secrets);
    }
    if req.queue {
        return queued(ctx, &id, &secrets);
    }
    ctx.printer
        .status(&format!("process {id} started: {}", def.name));
    let opts = drive::Options {
        form: req.form,
        file_differs: false,
        started_here: true,
        taken_over_from: None,
    };
    let outcome = drive::drive(ctx, &id, def, Default::default(), secrets, opts);
    drive::printed(ctx, &id, outcome)
}

/// Says a process was queued: its id on stdout (`-o json`: the process). Secrets are
/// never stored, so the worker that runs it reads them from its own environment.
fn queued(ctx: &mut Ctx, id: &str, secrets: &Map<String, Value>) -> Result<()> {
    if !secrets.is_empty() {
        let vars: Vec<String> = secrets
            .keys()
            .map(|k| crate::forms::secret_env_var(k))
            .collect();
        ctx.printer.warn(&format!(
            "secrets are never stored: the worker that runs it needs {} in its environment, or the process suspends asking for them",
            vars.join(", ")
        ));
    }
    if ctx.printer.is_json() {
        return drive::print_process_json(ctx, id);
    }
    ctx.printer.out(&format!("{id}\n"))?;
    ctx.printer.hint(&format!(
        "queued: a worker runs it (`orch worker`); follow it with `orch process show {id}`"
    ));
    Ok(())
}

/// The subscription a modify, terminate or validate workflow runs on, checked for
/// usability before any question is asked (it is checked again when the process is
/// created, in the same transaction that locks it).
fn target_subscription(
    ctx: &mut Ctx,
    def: &WorkflowDef,
    given: Option<&str>,
) -> Result<Option<Subscription>> {
    match (def.target.needs_subscription(), given) {
        (false, None) => Ok(None),
        (false, Some(id)) => Err(Error::usage(format!(
            "`{}` is a {} workflow; it takes no --subscription",
            def.name, def.target
        ))
        .with_hint(format!(
            "leave out --subscription; `orch subscription workflows {id}` lists the workflows that run on that subscription"
        ))),
        (true, None) => Err(Error::usage(format!(
            "`{}` is a {} workflow: say which subscription with --subscription ID",
            def.name, def.target
        ))
        .with_hint(format!(
            "`orch subscription list --product {}` lists them",
            def.products.first().map_or("TAG", String::as_str)
        ))),
        (true, Some(id)) => {
            let s = ctx.subscription(id)?;
            ctx.db(async |st| engine_subscription::usable(st, def, &s, None).await)?;
            Ok(Some(s))
        }
    }
}

/// A create workflow for several products asks which one first.
pub fn product_page(ctx: &mut Ctx, def: &WorkflowDef) -> Result<Option<FormPage>> {
    ctx.db(async |s| crate::engine::start::product_page(s, def).await)
}

/// A refused answer that names a field of an input step, not of the form: says where
/// that answer goes.
fn for_an_input_step(def: &WorkflowDef, given: &Map<String, Value>, e: Error) -> Error {
    let later: Vec<String> = given
        .keys()
        .filter_map(|k| {
            def.all_steps().into_iter().find_map(|s| match &s.kind {
                StepKind::Input { fields, .. } if fields.iter().any(|f| f.name == *k) => {
                    Some(format!("`{k}` (of the input step `{}`)", s.name))
                }
                _ => None,
            })
        })
        .collect();
    if later.is_empty() {
        return e;
    }
    e.with_hint(format!(
        "{} is answered when the run stops there: `orch process resume ID --input NAME=VALUE`, or with --form, which asks it then",
        later.join(" and ")
    ))
}
