//! `orch process retry|resume|skip|abort`: the commands that take a process over (claim
//! it, so no other orch runs it meanwhile) to run it on, or to end it.

use serde_json::{Map, Value, json};

use super::{ResumeArgs, RetryArgs, SkipArgs, is_stale};
use crate::cli::Ctx;
use crate::cli::answers;
use crate::cli::drive::{self, Options, claim, next_hint, print_process_json, record};
use crate::cli::pending::Pending;
use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::WorkflowDef;
use crate::engine::runner::{Answers, Recorded};
use crate::error::{Error, Kind, Result};
use crate::shapes::waits::{CallbackWait, ChildrenWait};
use crate::store::processes::ProcessRow;

const RETRYABLE: &[ProcessStatus] = ProcessStatus::RETRYABLE;

/// The definition a retry or resume runs: the one the process started with, or with
/// `--use-current` the workflow file as it is now.
struct Chosen {
    def: WorkflowDef,
    stored: WorkflowDef,
    /// The hash of the definition the process started with.
    started_with: String,
    /// The workflow file now, with its path, or why it cannot be read any more
    /// (removed, or broken): a change too, which only the stored definition survives.
    found: Result<(WorkflowDef, String)>,
    /// The file reads, and differs from the stored definition.
    changed: bool,
    use_current: bool,
    /// The command takes `--use-current` (a skip does not: it goes on as started).
    offers_current: bool,
    /// The project's folder of workflow files, as messages name it.
    folder: String,
}

impl Chosen {
    fn for_process(ctx: &mut Ctx, p: &ProcessRow, use_current: bool, verb: &str) -> Result<Self> {
        let stored = ctx.stored_definition(p)?;
        let found = ctx.workflow(&p.workflow);
        let folder = ctx.project.workflows_shown();
        let changed = found
            .as_ref()
            .is_ok_and(|(c, _)| c.hash() != p.definition_hash);
        let def = match (&found, use_current) {
            (Ok((c, _)), true) => c.clone(),
            (Err(e), true) if e.kind == Kind::NotFound => {
                return Err(Error::not_found(format!(
                    "workflow `{}` is no longer in {folder}",
                    p.workflow
                ))
                .with_hint(format!(
                    "{verb} without --use-current to use the stored definition"
                )));
            }
            // The file is there but broken: that is the file's fault, not a missing
            // workflow, and the user fixes it (or leaves --use-current out).
            (Err(e), true) => {
                return Err(Error::usage(format!(
                    "workflow `{}` {}",
                    p.workflow,
                    crate::shapes::drift::unreadable(e, &folder)
                ))
                .with_hint(format!(
                    "fix the file (`orch workflow check` shows every problem), or {verb} without --use-current to use the stored definition"
                )));
            }
            _ => WorkflowDef::clone(&stored),
        };
        Ok(Chosen {
            def,
            stored: WorkflowDef::clone(&stored),
            started_with: p.definition_hash.clone(),
            found,
            changed,
            use_current,
            offers_current: true,
            folder,
        })
    }

    /// The workflow file is not what the process started with: changed, or gone.
    fn differs(&self) -> bool {
        self.changed || self.found.is_err()
    }

    /// Says what changed when the file differs from the stored definition (DESIGN §6),
    /// and which of the two runs.
    /// `whose` names the process when it is not the one the command names (a child).
    fn warn(&self, ctx: &Ctx, workflow: &str, whose: Option<&str>, doing: &str) {
        if !self.differs() {
            return;
        }
        let process = whose.map_or_else(
            || "this process".to_string(),
            |id| format!("child process {id}"),
        );
        ctx.printer.warn(&if let Err(e) = &self.found {
            let why = crate::shapes::drift::unreadable(e, &self.folder);
            format!("workflow `{workflow}` {why} since {process} started; {doing} with the stored definition")
        } else if self.use_current {
            format!("workflow `{workflow}` changed since {process} started; {doing} with the file as it is now (--use-current)")
        } else {
            let offer = if self.offers_current { " (--use-current takes the file)" } else { "" };
            format!("workflow `{workflow}` changed since {process} started; {doing} with the stored definition{offer}")
        });
        for change in self.changes() {
            ctx.printer.status(&format!("  {change}"));
        }
    }

    /// What differs between the stored definition and the file.
    fn changes(&self) -> Vec<String> {
        crate::shapes::drift::changes(
            &self.stored,
            &self.started_with,
            self.found.as_ref().map(|(c, _)| c),
            &self.folder,
        )
    }

    /// Makes a claimed process run the chosen definition from now on.
    fn adopt(&self, ctx: &mut Ctx, id: &str) -> Result<()> {
        if self.use_current && self.changed {
            let source = self.found.as_ref().ok().map(|c| c.1.as_str());
            ctx.db(async |s| s.switch_definition(id, &self.def, source).await)?;
        }
        Ok(())
    }

    fn options(&self, form: bool, seen: &ProcessRow) -> Options {
        Options {
            form,
            file_differs: self.changed && !self.use_current,
            started_here: false,
            taken_over_from: drive::taken_over_from(seen),
        }
    }
}

/// [`crate::engine::owner::refused`], with the command that answers a suspended
/// process named with its fields (`resume ID --input applied=true`), as the exit-4
/// hint names them, rather than a `--form` a script cannot use.
fn refused_at_rest(ctx: &mut Ctx, p: &ProcessRow, done: &str) -> Result<Error> {
    let mut err = crate::engine::owner::refused(p, done);
    if p.status == ProcessStatus::Suspended {
        let def = ctx.stored_definition(p)?;
        let steps = ctx.steps(&p.process_id)?;
        if let [one] = Pending::all(p, &def, &steps).as_slice() {
            err.hints = vec![one.hint(&p.process_id)];
        }
    }
    Ok(err)
}

pub fn retry(ctx: &mut Ctx, a: RetryArgs) -> Result<()> {
    let mut p = ctx.process(&a.id)?;
    // A process that is over is refused before anything else is said about it (a
    // changed workflow file, a plan that would run nothing).
    // So is one at rest for its input (`resume` answers it), before a plan or the
    // secrets are asked about.
    if p.status.is_finished() || p.status == ProcessStatus::Suspended {
        return Err(refused_at_rest(ctx, &p, "retried")?);
    }
    // Nor is one a retry could not claim (queued for a worker, run by a live orch),
    // so `--plan` never describes a run that would be refused. The claim checks again.
    let claimable = RETRYABLE.contains(&p.status)
        || p.status == ProcessStatus::AwaitingCallback
        || is_stale(&p);
    if !claimable {
        return Err(crate::engine::owner::refused(&p, "retried"));
    }
    if p.status == ProcessStatus::AwaitingCallback {
        // Refused before anything else when every wait is still in time (`--plan` too).
        let steps = ctx.steps(&p.process_id)?;
        past_deadline(ctx, &p, &steps)?;
    }
    let chosen = Chosen::for_process(ctx, &p, a.use_current, "retry")?;
    let children = children_again(ctx, &p, a.use_current)?;
    if a.plan {
        return plan(ctx, &p, &chosen, &children);
    }
    chosen.warn(ctx, &p.workflow, None, "retrying");
    for (child, c) in &children {
        c.warn(ctx, &child.workflow, Some(&child.process_id), "retrying it");
    }
    // An answered callback is taken as it is; a timed-out one is recorded first.
    const TAKES_ANSWER: &[ProcessStatus] = &[ProcessStatus::AwaitingCallback];
    let mut from = RETRYABLE;
    if p.status == ProcessStatus::AwaitingCallback {
        match time_out(ctx, p)? {
            Waited::Answered(q) => (p, from) = (q, TAKES_ANSWER),
            Waited::TimedOut(q) => p = q,
        }
    }
    if a.queue {
        for (child, c) in &children {
            c.adopt(ctx, &child.process_id)?;
        }
        return queue(ctx, &p, &chosen, from);
    }
    let secrets = secrets_needed(ctx, &p, &chosen.def, a.form)?;
    let seen = claim(ctx, &p.process_id, from, "retried")?;
    chosen.adopt(ctx, &p.process_id)?;
    for (child, c) in &children {
        c.adopt(ctx, &child.process_id)?;
    }
    let opts = chosen.options(a.form, &seen);
    let outcome = drive::drive(
        ctx,
        &p.process_id,
        &chosen.def,
        Default::default(),
        secrets,
        opts,
    );
    drive::printed(ctx, &p.process_id, outcome)
}

/// `retry --plan`: what would run, and what changed in the file.
fn plan(
    ctx: &mut Ctx,
    p: &ProcessRow,
    chosen: &Chosen,
    children: &[(ProcessRow, Chosen)],
) -> Result<()> {
    let steps = ctx.steps(&p.process_id)?;
    let planned = crate::engine::plan::plan(&chosen.def);
    let remaining = crate::engine::plan::remaining(&planned, &steps);
    let would: Vec<String> = remaining.iter().map(|s| s.name.clone()).collect();
    // The group the process stopped in forks again from the state it forked from (no
    // step changed it since): its branches are known, and which of them would run.
    let group = remaining.first().and_then(|s| match s.step {
        crate::engine::plan::Planned::User(u) if u.kind.is_group() => Some(u),
        _ => None,
    });
    let mut branches = group
        .and_then(|g| crate::engine::scope::views(g, &g.name, &p.state, &steps).ok())
        .unwrap_or_default();
    // An orch that died in the group had its first branches' steps in flight, with
    // nothing committed yet: started (they may have done part of their work).
    if let Some(g) = group.filter(|_| is_stale(p)) {
        crate::shapes::groups::under_way(&mut branches, g.kind.max_parallel());
    }
    let (done, to_run): (Vec<_>, Vec<_>) = branches
        .into_iter()
        .partition(|b| b.status == crate::engine::scope::BranchStatus::Done);
    let changes = chosen.changes();
    if ctx.printer.is_json() {
        return ctx.printer.json(&json!({
            "id": p.process_id, "status": p.status, "would_run": would,
            "branches": to_run, "branches_done": done.len(),
            "definition_changed": chosen.differs(), "changes": changes,
            "uses": if chosen.use_current { "current" } else { "stored" },
            "children": children.iter().map(|(c, how)| json!({
                "id": c.process_id, "workflow": c.workflow, "status": c.status,
                "definition_changed": how.differs(), "changes": how.changes(),
            })).collect::<Vec<_>>(),
        }));
    }
    let mut out = format!("process {} ({}) would run:\n", p.process_id, p.status);
    for (i, s) in would.iter().enumerate() {
        out.push_str(&format!("  {s}\n"));
        if i > 0 || (to_run.is_empty() && done.is_empty()) {
            continue;
        }
        for b in &to_run {
            let from = b.next.as_deref().unwrap_or("?");
            let why = match &b.error {
                Some(e) => format!("{}: {e}", b.status.as_str()),
                None => b.status.as_str().to_string(),
            };
            out.push_str(&format!("    {} from `{from}` ({why})\n", b.label));
        }
        if !done.is_empty() {
            out.push_str(&format!(
                "    {} finished branch{} stay{} done\n",
                done.len(),
                if done.len() == 1 { "" } else { "es" },
                if done.len() == 1 { "s" } else { "" }
            ));
        }
    }
    if chosen.differs() {
        out.push_str(&format!(
            "the workflow file changed since the process started ({}):\n",
            if chosen.use_current {
                "using the current file"
            } else if chosen.found.is_err() {
                "using the stored definition"
            } else {
                "using the stored definition; --use-current takes the file"
            }
        ));
        for c in &changes {
            out.push_str(&format!("  {c}\n"));
        }
    }
    for (child, how) in children {
        out.push_str(&format!(
            "child process {} ({}, {}) runs again",
            child.process_id, child.workflow, child.status
        ));
        if how.differs() {
            out.push_str(if chosen.use_current {
                "; its workflow file changed (using the current file):\n"
            } else {
                "; its workflow file changed (using the stored definition; --use-current takes the file):\n"
            });
            for c in how.changes() {
                out.push_str(&format!("  {c}\n"));
            }
        } else {
            out.push('\n');
        }
    }
    ctx.printer.out(&out)
}

/// The children (at any depth) a retry of `p` runs again, failed or waiting, each
/// with the definition it will run: `--use-current` takes their files too.
fn children_again(
    ctx: &mut Ctx,
    p: &ProcessRow,
    use_current: bool,
) -> Result<Vec<(ProcessRow, Chosen)>> {
    let mut again = Vec::new();
    let mut parents = vec![p.clone()];
    while let Some(parent) = parents.pop() {
        let children = ctx.db(async |s| s.children(&parent, None).await)?;
        for child in children {
            if RETRYABLE.contains(&child.status) {
                let chosen = Chosen::for_process(ctx, &child, use_current, "retry")?;
                parents.push(child.clone());
                again.push((child, chosen));
            }
        }
    }
    Ok(again)
}

/// The secrets a process was given before (the initial form's and those of input
/// steps it passed), asked for again: they were never stored.
pub(super) fn secrets_needed(
    ctx: &mut Ctx,
    p: &ProcessRow,
    def: &WorkflowDef,
    form: bool,
) -> Result<Map<String, Value>> {
    secrets_for(ctx, p, def, None, form, false)
}

/// [`secrets_needed`], some of them perhaps `given` (by `--input` or `--input-file`,
/// for a command that takes answers); for a process `queued` for the workers, none is
/// required: the worker that picks it up has them, or it suspends asking for them.
fn secrets_for(
    ctx: &mut Ctx,
    p: &ProcessRow,
    def: &WorkflowDef,
    given: Option<&Map<String, Value>>,
    form: bool,
    queued: bool,
) -> Result<Map<String, Value>> {
    let steps = ctx.steps(&p.process_id)?;
    let mut fields = crate::engine::secrets::needed(def, &steps);
    if queued {
        for f in &mut fields {
            f.required = false;
        }
    }
    answers::secrets_again(ctx, fields, given, form)
}

pub fn resume(ctx: &mut Ctx, a: ResumeArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    // A group waiting on a transient branch may have another branch that awaits
    // input: that one is answered in place (DESIGN §13), and the waiting one runs again.
    let steps = ctx.steps(&p.process_id)?;
    let waiting_for_input = p.status == ProcessStatus::Waiting
        && !Pending::answerable(&p, &*ctx.stored_definition(&p)?, &steps).is_empty();
    // At rest for children awaiting a callback: it goes on as they do.
    let for_children =
        p.status == ProcessStatus::AwaitingCallback && crate::shapes::waits_for_children(&p);
    if p.status == ProcessStatus::Running && !is_stale(&p) {
        // Someone runs it now: say who, as for any conflict; it may well be resumable
        // once it rests.
        return Err(crate::engine::owner::refused(&p, "resumed now"));
    }
    if p.status == ProcessStatus::Failed
        && crate::engine::was_interrupted(p.failed_reason.as_deref())
    {
        return resume_interrupted(ctx, &p, a);
    }
    if p.status != ProcessStatus::Suspended && !is_stale(&p) && !waiting_for_input && !for_children
    {
        let refused = Error::conflict(format!(
            "process {} is {}, not suspended; only a suspended process can be resumed",
            p.process_id,
            p.status.in_words()
        ));
        // Waiting for children someone must answer (or whose lock someone must free):
        // say which, not that it goes on by itself.
        let hints = match ctx.db(async |s| ChildrenWait::of(s, &p).await)? {
            Some(rest) => rest.hints(&p.process_id, "retry"),
            None => vec![
                next_hint(&p).unwrap_or_else(|| format!("`orch process show {}`", p.process_id)),
            ],
        };
        return Err(hints.into_iter().fold(refused, Error::with_hint));
    }
    let chosen = Chosen::for_process(ctx, &p, a.use_current, "resume")?;
    chosen.warn(ctx, &p.workflow, None, "resuming");
    let def = &chosen.def;
    let mut given = a.answers.given()?;
    let form = a.answers.form;
    let pending = Pending::all(&p, def, &steps);
    // Queued, the process gets its secrets from the worker that picks it up, or suspends
    // asking for them again (DESIGN §12): none is required here.
    let pending: Vec<Pending> = if a.queue {
        pending.into_iter().map(Pending::for_the_workers).collect()
    } else {
        pending
    };
    if pending.is_empty() && crate::shapes::waits_for_children(&p) && !given.is_empty() {
        // Its child processes are what await the answers: they are not the parent's.
        return Err(Error::usage(format!(
            "process {} awaits no input of its own: its child processes do",
            p.process_id
        ))
        .with_hint(format!(
            "answer each child with `orch process resume CHILD --input …` (`orch process list --parent {}` lists them); then `orch process resume {}` goes on",
            p.process_id, p.process_id
        )));
    }
    let secrets_only = pending.iter().any(|p| p.secrets_only);
    // The secrets given before, asked again, may come with the answers: a key that
    // names one of them and no field of the waiting steps is taken as that secret.
    let mut again = Map::new();
    if !secrets_only {
        let asked = |k: &str| {
            pending
                .iter()
                .any(|w| w.page.fields.iter().any(|f| f.name == k))
        };
        for f in crate::engine::secrets::needed(def, &steps) {
            if !asked(&f.name) {
                if let Some(v) = given.remove(&f.name) {
                    again.insert(f.name, v);
                }
            }
        }
    }
    if pending.is_empty() && !given.is_empty() && p.status == ProcessStatus::Suspended {
        // The step it waits at is not in the definition that runs (`--use-current`
        // took a file without it): answers given for it would go to no step.
        let keys: Vec<&str> = given.keys().map(String::as_str).collect();
        return Err(Error::usage(format!(
            "process {} awaits input at step `{}`, which the workflow file no longer has, so the answers given ({}) are for no step",
            p.process_id,
            p.last_step.as_deref().unwrap_or("?"),
            keys.join(", ")
        ))
        .with_hint(format!(
            "resume without --use-current to answer it as the process started, or run `orch process resume {} --use-current` without answers to see what the file asks now",
            p.process_id
        )));
    }
    let (input, mut secrets) = match answer_pending(ctx, &p, &pending, given, form) {
        Ok(answered) => answered,
        // Without a terminal, what the secrets lack is said with what the answers lack:
        // a script learns everything it must give from one failure.
        Err(mut e) if e.kind == Kind::Usage && !e.fields.is_empty() && !secrets_only && !form => {
            if let Err(more) = secrets_for(ctx, &p, def, Some(&again), false, a.queue) {
                if more.kind == Kind::Usage {
                    // One list: the second's heading, the same, is said once.
                    let heading = e.message.lines().next().unwrap_or_default().to_string();
                    let rest = more.message.strip_prefix(&heading).unwrap_or(&more.message);
                    e.message = format!("{}\n{}", e.message, rest.trim_start_matches('\n'));
                    e.fields.extend(more.fields);
                    for h in more.hints {
                        if !e.hints.contains(&h) {
                            e.hints.push(h);
                        }
                    }
                }
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if !secrets_only {
        secrets.extend(secrets_for(ctx, &p, def, Some(&again), form, a.queue)?);
    }
    if a.queue {
        return resume_queued(ctx, &p, &chosen, &steps, &pending, input, &secrets);
    }
    let from: &[ProcessStatus] = if waiting_for_input {
        &[ProcessStatus::Waiting]
    } else if for_children {
        &[ProcessStatus::AwaitingCallback]
    } else {
        &[ProcessStatus::Suspended]
    };
    let seen = claim(ctx, &p.process_id, from, "resumed")?;
    chosen.adopt(ctx, &p.process_id)?;
    let opts = chosen.options(form, &seen);
    let outcome = drive::drive(ctx, &p.process_id, def, input, secrets, opts);
    drive::printed(ctx, &p.process_id, outcome)
}

/// A process stopped by Ctrl-C or SIGTERM in the command that drove it goes on from
/// the step that was stopped, which runs again: what `retry` does. It awaits no input,
/// so answers are refused rather than dropped.
fn resume_interrupted(ctx: &mut Ctx, p: &ProcessRow, a: ResumeArgs) -> Result<()> {
    if !a.answers.given()?.is_empty() {
        return Err(Error::usage(format!(
            "process {} was interrupted, not suspended: it awaits no input",
            p.process_id
        ))
        .with_hint(format!(
            "`orch process resume {}` runs the stopped step again (secrets it needs come from ORCH_SECRET_<NAME> or --form)",
            p.process_id
        )));
    }
    retry(
        ctx,
        RetryArgs {
            id: p.process_id.clone(),
            plan: false,
            use_current: a.use_current,
            form: a.answers.form,
            queue: a.queue,
        },
    )
}

/// The answers to the steps `p` waits at (DESIGN §13: several, when branches wait):
/// each step given answers (`--input 'PATH.field=…'`), or every step in turn with
/// `--form`; a step given nothing waits on. Returns the answers by step path, and the
/// secrets.
fn answer_pending(
    ctx: &mut Ctx,
    p: &ProcessRow,
    pending: &[Pending],
    given: Map<String, Value>,
    form: bool,
) -> Result<(Answers, Map<String, Value>)> {
    let mut input = Answers::new();
    let mut secrets = Map::new();
    if pending.is_empty() {
        // Stale or taken over: nothing asks; loose answers go to no step.
        return Ok((input, secrets));
    }
    let nothing_given = given.is_empty();
    let split = super::super::pending::split_answers(pending, given)?;
    if nothing_given && !form && pending.len() > 1 {
        let mut e = Error::usage(format!(
            "{} steps of process {} await input; answer them with --input 'PATH.field=value' or --form",
            pending.len(),
            p.process_id
        ));
        for w in pending {
            e = e.with_hint(format!("`{}`", w.resume_command(&p.process_id)));
        }
        return Err(e);
    }
    for (w, given) in pending.iter().zip(split) {
        if given.is_empty() && !form && pending.len() > 1 {
            continue;
        }
        if !form {
            match &w.message {
                Some(Ok(text)) => ctx.printer.detail(&crate::ui::printable(text.trim_end())),
                Some(Err(e)) => ctx
                    .printer
                    .warn(&format!("the step's message does not render: {e}")),
                None => {}
            }
        }
        let (answers, more) =
            crate::cli::pending::answer(w, ctx, &given, &w.state, form).map_err(|mut e| {
                // Among several waiting steps, say whose answer is at fault.
                if pending.len() > 1 && e.kind == Kind::Usage {
                    e.message = format!("step `{}`: {}", w.step, e.message);
                    for f in &mut e.fields {
                        f.field = format!("{}.{}", w.step, f.field);
                    }
                }
                e
            })?;
        secrets.extend(more);
        if !w.secrets_only {
            input.insert(w.step.clone(), answers);
        }
    }
    Ok((input, secrets))
}

/// `retry --queue`: the process goes back to the queue, for a worker to run.
fn queue(ctx: &mut Ctx, p: &ProcessRow, chosen: &Chosen, from: &[ProcessStatus]) -> Result<()> {
    let stale = crate::engine::owner::is_stale(p);
    if !from.contains(&p.status) && !stale {
        return Err(crate::engine::owner::refused(p, "queued"));
    }
    let id = p.process_id.as_str();
    let mut status = p.status;
    if stale {
        // Taken over from the orch that died holding it (`process.taken_over`), then
        // let go of at once: a worker runs the step that was in flight again, as its
        // next attempt.
        let seen = drive::claim_no_step(ctx, id, from, "queued")?;
        let gone = seen
            .owner
            .unwrap_or_else(|| "an orch that is gone".to_string());
        drive::with_engine(ctx, async |engine| {
            engine.rest_taken_over(id, &chosen.def, &gone).await
        })?;
        status = ProcessStatus::Waiting;
    }
    chosen.adopt(ctx, id)?;
    let by = ctx.user().to_string();
    if !ctx.db(async |s| s.queue_process(id, status, &by).await)? {
        let lost = ctx.db(async |s| {
            Ok::<_, Error>(crate::engine::owner::lost(s, id, status, "queued").await)
        })?;
        return Err(lost);
    }
    queued(ctx, p, chosen)
}

/// `resume --queue`: the answer is recorded (its input step done), then the process
/// goes to the queue. Secrets cannot travel with it: the worker reads them from its
/// environment.
fn resume_queued(
    ctx: &mut Ctx,
    p: &ProcessRow,
    chosen: &Chosen,
    steps: &[crate::store::processes::StepRow],
    pending: &[Pending],
    input: Answers,
    secrets: &Map<String, Value>,
) -> Result<()> {
    // Recording the answer starts no step: a paused engine queues it all the same.
    let claimed = drive::claim_no_step(ctx, &p.process_id, &[ProcessStatus::Suspended], "resumed")?;
    chosen.adopt(ctx, &p.process_id)?;
    let mut process = claimed;
    let answered: Vec<(&Pending, Map<String, Value>)> = pending
        .iter()
        .filter_map(|w| input.get(&w.step).map(|a| (w, a.clone())))
        .collect();
    if answered.is_empty() {
        // Secrets only: nothing to record but the hand-over.
        let step = steps
            .iter()
            .rev()
            .find(|s| s.branch.is_none())
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let recorded = Recorded {
            process_status: ProcessStatus::Created,
            error: Some("secrets to be read by the worker that picks it up".into()),
            ..Recorded::new(
                &step,
                crate::engine::plan::next_attempt(steps, &step),
                StepStatus::Skipped,
            )
        };
        record(ctx, &mut process, recorded)?;
    }
    let count = answered.len();
    for (i, (w, answers)) in answered.into_iter().enumerate() {
        // The last answer hands the process over; the others keep it running.
        let status = if i + 1 == count {
            ProcessStatus::Created
        } else {
            ProcessStatus::Running
        };
        let attempt = crate::engine::plan::next_attempt_in(steps, w.branch.as_deref(), &w.name);
        let recorded = Recorded {
            patch: Value::Object(answers),
            process_status: status,
            branch: w.branch.clone(),
            ..Recorded::new(&w.name, attempt, StepStatus::Success)
        };
        record(ctx, &mut process, recorded)?;
    }
    if !secrets.is_empty() {
        let vars: Vec<String> = secrets
            .keys()
            .map(|k| crate::forms::secret_env_var(k))
            .collect();
        ctx.printer.warn(&format!(
            "secrets are never stored: the worker that runs it reads {} from its environment",
            vars.join(", ")
        ));
    }
    queued(ctx, p, chosen)
}

/// Says a process was queued: its id on stdout (`-o json`: the process).
fn queued(ctx: &mut Ctx, p: &ProcessRow, _chosen: &Chosen) -> Result<()> {
    if ctx.printer.is_json() {
        return print_process_json(ctx, &p.process_id);
    }
    ctx.printer.out(&format!("{}\n", p.process_id))?;
    ctx.printer.hint(&format!(
        "queued: a worker runs it (`orch worker`); follow it with `orch process show {}`",
        p.process_id
    ));
    Ok(())
}

/// What a retry found of a process awaiting a callback.
enum Waited {
    /// An answer came in (its command did not drive it on): the retry takes it.
    Answered(ProcessRow),
    /// The timeout was recorded; the retry runs the step again.
    TimedOut(ProcessRow),
}

/// A retry of a process awaiting a callback whose deadline passed, before a worker or
/// the scheduler saw it: the timeout is recorded (the step fails, as it would have),
/// and the retry then runs the step again with a new token. An answer that came in is
/// taken instead. A wait still in time is not a retry's business.
fn time_out(ctx: &mut Ctx, p: ProcessRow) -> Result<Waited> {
    let steps = ctx.steps(&p.process_id)?;
    let timed_out = match past_deadline(ctx, &p, &steps)? {
        None => return Ok(Waited::Answered(p)),
        Some(waits) => waits,
    };
    let def = ctx.stored_definition(&p)?;
    let mut process = claim(
        ctx,
        &p.process_id,
        &[ProcessStatus::AwaitingCallback],
        "timed out",
    )?;
    // Every wait past its deadline is recorded (one per branch that waits); the last
    // record leaves the process failed, for the retry to run those steps again.
    drive::with_engine(ctx, async |engine| {
        engine
            .time_out_waits(&mut process, &def, &steps, &timed_out)
            .await
    })?;
    for wait in &timed_out {
        ctx.printer.status(&format!(
            "step `{}` timed out waiting for its callback; running it again with a new token",
            wait.step
        ));
    }
    ctx.process(&p.process_id).map(Waited::TimedOut)
}

/// The waits of a process awaiting a callback that a retry would act on: those past
/// their deadline, or None when none is but an answer came in (the retry takes it).
/// A process whose every wait is still in time is not for retry.
fn past_deadline(
    ctx: &mut Ctx,
    p: &ProcessRow,
    steps: &[crate::store::processes::StepRow],
) -> Result<Option<Vec<CallbackWait>>> {
    let waits = ctx.db(async |s| CallbackWait::all(s, p, steps).await)?;
    let (timed_out, in_time): (Vec<_>, Vec<_>) = waits.into_iter().partition(|w| w.timed_out);
    if !timed_out.is_empty() {
        return Ok(Some(timed_out));
    }
    if in_time.iter().any(|w| w.answered) {
        return Ok(None);
    }
    let mut e = Error::conflict(format!(
        "process {} is awaiting a callback, so it cannot be retried",
        p.process_id
    ));
    match in_time.into_iter().next() {
        Some(w) => e = e.with_cause(w.describe()).with_hint(w.hint(&p.process_id)),
        // No wait of its own: it awaits a callback through its children, which are
        // answered first.
        None => {
            if let Some(hint) = crate::shapes::next_hint(p) {
                e = e.with_hint(hint);
            }
        }
    }
    Err(e)
}

/// Aborts a process at rest (or one whose orch is gone) here, and says so.
pub fn abort(ctx: &mut Ctx, p: &ProcessRow) -> Result<()> {
    let done = drive::with_engine(ctx, async |engine| engine.abort(p).await)?;
    said_aborted(ctx, p, &done.children, &done.left)
}

/// Says what an abort did: the children aborted with `p` (and those `left`, which
/// another orch runs), the process, what stays out of sync; `-o json`: the process.
pub fn said_aborted(
    ctx: &mut Ctx,
    p: &ProcessRow,
    children: &[ProcessRow],
    left: &[(String, Error)],
) -> Result<()> {
    for child in children {
        ctx.printer.status(&format!(
            "child process {} ({}) aborted with it",
            child.process_id, child.workflow
        ));
        if let Some(s) = &child.subscription_id {
            ctx.printer.warn(&format!(
                "subscription {s} stays out of sync: nothing undid what child process {} did",
                child.process_id
            ));
        }
    }
    for (child, why) in left {
        ctx.printer.warn(&format!(
            "child process {child} was not aborted: {}",
            why.message
        ));
        ctx.printer.hint(&format!(
            "abort it when it comes to rest: `orch process abort {child}`"
        ));
    }
    ctx.printer
        .status(&format!("process {} aborted", p.process_id));
    // A parent resting until this child comes to rest still says it waits for it.
    if let Some((parent, verb)) = drive::resting_parent(ctx, p)? {
        let parent_id = &parent.process_id;
        ctx.printer.hint(&if parent.status == ProcessStatus::Failed {
            format!(
                "its parent process {parent_id} ({}) failed with it: `orch process retry {parent_id}` starts a new child",
                parent.workflow
            )
        } else {
            format!(
                "its parent process {parent_id} ({}) still waits for it: `orch process {verb} {parent_id}` fails its step (a worker does by itself), and a retry of the parent then starts a new child",
                parent.workflow
            )
        });
    }
    if let Some(s) = &p.subscription_id {
        ctx.printer.warn(&format!(
            "subscription {s} stays out of sync: nothing undid what the process did"
        ));
        // A create that never finished left a subscription no validation runs on.
        ctx.printer.hint(&if p.target == crate::domain::workflow::Target::Create {
            format!(
                "see what it holds with `orch subscription show {s}`; the workflows usable on it: `orch subscription workflows {s}`"
            )
        } else {
            format!("check it with its validate workflow (`orch subscription workflows {s}`)")
        });
    }
    print_process_json(ctx, &p.process_id)
}

pub fn skip(ctx: &mut Ctx, a: SkipArgs) -> Result<()> {
    let p = ctx.process(&a.id)?;
    if !RETRYABLE.contains(&p.status) && !is_stale(&p) {
        return Err(refused_at_rest(ctx, &p, "skipped")?);
    }
    let steps = ctx.steps(&p.process_id)?;
    let to_skip = crate::engine::plan::steps_to_skip(&p.process_id, &steps)?;
    // A skip goes on with the definition the process started with, as a retry does;
    // a workflow file changed since is said, so the steps that follow surprise no one.
    let chosen = Chosen {
        offers_current: false,
        ..Chosen::for_process(ctx, &p, false, "skip")?
    };
    let def = &chosen.def;
    let pairs = a
        .set
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())));
    let set = crate::engine::skip::set_patch(def, pairs, crate::engine::skip::Given::Flags)?;
    // Asked before anything changes: a skip that could not go on for want of them
    // would leave the process half-done.
    let secrets = secrets_needed(ctx, &p, def, false)?;
    // A group whose join failed on a conflict keeps what its branches changed but the
    // keys they set differently; `--set` gives those (DESIGN §6, §13). A change the
    // subscription refuses is said before anything is written.
    let patches = drive::with_engine(ctx, async |engine| {
        engine
            .skip_patches(&p, def, &steps, &to_skip, &set, "with --set")
            .await
    })?;
    chosen.warn(ctx, &p.workflow, None, "going on");
    claim(ctx, &p.process_id, RETRYABLE, "skipped")?;
    let user = ctx.user().to_string();
    let mut process = p.clone();
    for (failed, skip) in to_skip.iter().zip(patches) {
        for c in &skip.left {
            ctx.printer.warn(&format!(
                "`{}` is left as it was: {}; `--set {}=VALUE` gives it",
                c.key,
                c.between(),
                c.path.join(".")
            ));
        }
        let recorded = record(
            ctx,
            &mut process,
            Recorded {
                patch: skip.patch,
                by_orch: skip.by_orch,
                error: Some(format!("skipped by hand by {user}")),
                process_status: ProcessStatus::Running,
                branch: failed.branch.clone(),
                ..Recorded::new(&failed.name, failed.attempt + 1, StepStatus::Skipped)
            },
        )?;
        if recorded != StepStatus::Skipped {
            // The change `--set` made was refused (an invalid subscription, say): the
            // step stays failed, with the reason in its log.
            let why = ctx
                .steps(&p.process_id)?
                .pop()
                .and_then(|s| s.error)
                .unwrap_or_default();
            print_process_json(ctx, &p.process_id)?;
            return Err(Error::new(
                Kind::StepFailed,
                format!("`{}` was not skipped: {why}", failed.path()),
            )
            .with_hint(format!(
                "fix the values given with --set, or `orch process retry {}`",
                p.process_id
            )));
        }
        ctx.printer
            .status(&format!("step `{}` marked done by {user}", failed.path()));
    }
    let paths: Vec<String> = to_skip
        .iter()
        .map(crate::store::processes::StepRow::path)
        .collect();
    let left_behind = drive::with_engine(ctx, async |engine| {
        engine.abort_skipped_children(&p.process_id, &paths).await
    })?;
    for child in &left_behind {
        ctx.printer.status(&format!(
            "child process {} ({}) aborted: the step that started it was skipped",
            child.process_id, child.workflow
        ));
        if let Some(s) = &child.subscription_id {
            ctx.printer.warn(&format!(
                "subscription {s} stays out of sync: nothing undid what child process {} did",
                child.process_id
            ));
        }
    }
    let opts = Options {
        file_differs: chosen.changed,
        ..Options::default()
    };
    let outcome = drive::drive(ctx, &p.process_id, def, Default::default(), secrets, opts);
    drive::printed(ctx, &p.process_id, outcome)
}
