//! Finding what a command names: a process or subscription by id or unique prefix, a
//! workflow, task or product by name. They are methods of [`Ctx`], so every command finds
//! things the same way and says the same thing when it cannot.

use std::sync::Arc;

use super::Ctx;
use crate::definition::{DefinitionError, Diagnostic};
use crate::domain::workflow::{ScheduleDef, Target, WorkflowDef};
use crate::error::{Error, Result};
use crate::project::Workflows;
use crate::store::processes::{self, ProcessRow};
use crate::store::products::StoredProduct;
use crate::store::subscriptions::{self, Subscription};
use crate::tasks::builtin;

/// A task as `task list`, `schedule list` and the scheduler see it.
pub struct Task {
    pub def: WorkflowDef,
    /// The workflow file, or `built-in`.
    pub source: String,
    pub schedule: Option<ScheduleDef>,
}

/// The characters of an id a prefix needs before it is looked up as one (the stores
/// take shorter text as a whole id, which none is).
const SHORTEST_PREFIX: usize = 4;

/// `hint`, led by why a prefix shorter than [`SHORTEST_PREFIX`] named nothing.
fn too_short(id: &str, hint: &str) -> String {
    if id.len() < SHORTEST_PREFIX {
        format!("a prefix of an id takes at least {SHORTEST_PREFIX} characters; {hint}")
    } else {
        hint.to_string()
    }
}

impl Ctx {
    /// A process by id or unique prefix.
    pub fn process(&mut self, id: &str) -> Result<ProcessRow> {
        match self.db(async |s| s.find_process(id).await)? {
            processes::Find::One(p) => Ok(*p),
            processes::Find::None => {
                // Process and subscription ids look alike (and start alike when made
                // together): say so when the id is the other kind.
                let other = match id.len() >= SHORTEST_PREFIX {
                    true => self.db(async |s| s.find_subscription(id).await)?,
                    false => subscriptions::Find::None,
                };
                let hint = match other {
                    subscriptions::Find::One(sub) => format!(
                        "{0} is a subscription: `orch subscription show {0}`; `orch process list --subscription {0}` lists its processes",
                        sub.subscription_id
                    ),
                    _ => too_short(id, "`orch process list` shows the processes"),
                };
                Err(Error::not_found(format!("no process {id}")).with_hint(hint))
            }
            processes::Find::Ambiguous(ids) => Err(Error::usage(format!(
                "`{id}` is the start of several process ids: {}{}",
                ids.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if ids.len() > 5 { " and more" } else { "" }
            ))
            .with_hint("give more of the id; `orch process list` shows them all")),
        }
    }

    /// The step log of a process, oldest first.
    pub fn steps(&mut self, process_id: &str) -> Result<Vec<crate::store::processes::StepRow>> {
        self.db(async |s| s.steps(process_id).await)
    }

    /// The exact definition a process started with (or was last retried with).
    pub fn stored_definition(&mut self, p: &ProcessRow) -> Result<Arc<WorkflowDef>> {
        self.db(async |s| s.definition_of(p).await)
    }

    /// A subscription by id or unique prefix.
    pub fn subscription(&mut self, id: &str) -> Result<Subscription> {
        match self.db(async |s| s.find_subscription(id).await)? {
            subscriptions::Find::One(s) => Ok(*s),
            subscriptions::Find::None => {
                let other = match id.len() >= SHORTEST_PREFIX {
                    true => self.db(async |s| s.find_process(id).await)?,
                    false => processes::Find::None,
                };
                let hint = match other {
                    processes::Find::One(p) => {
                        format!("{0} is a process: `orch process show {0}`", p.process_id)
                    }
                    _ => too_short(id, "`orch subscription list` shows the subscriptions"),
                };
                Err(Error::not_found(format!("no subscription {id}")).with_hint(hint))
            }
            subscriptions::Find::Ambiguous(ids) => Err(Error::usage(format!(
                "`{id}` is the start of several subscription ids: {}{}",
                ids.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if ids.len() > 5 { " and more" } else { "" }
            ))
            .with_hint("give more of the id; `orch subscription list` shows them all")),
        }
    }

    /// A product by name, else by tag when the tag is unique.
    pub fn product(&mut self, name: &str) -> Result<StoredProduct> {
        let mut named = self.db(async |s| s.products_named(name).await)?;
        match named.len() {
            0 => {}
            1 => return Ok(named.remove(0)),
            _ => return Err(crate::store::products::shared_tag(name, &named)),
        }
        let mut e = Error::not_found(format!("no product named `{name}`"));
        if let Some(near) = self.nearest_products(name)? {
            e = e.with_hint(near);
        }
        Err(e.with_hint(format!(
            "`orch product list` shows the products; `orch product load` loads {}",
            self.project.products_shown()
        )))
    }

    /// The products a name that is no product's name or tag may have meant (`did you
    /// mean …?`); none when it is one, or nothing is near.
    pub fn nearest_products(&mut self, name: &str) -> Result<Option<String>> {
        let known = self.db(async |s| s.products().await)?;
        let names = || {
            known
                .iter()
                .flat_map(|p| [p.def.name.as_str(), p.def.tag.as_str()])
        };
        if names().any(|n| n == name) {
            return Ok(None);
        }
        Ok(crate::suggest::did_you_mean(name, names()))
    }

    /// Every workflow file of the project, parsed, with the problems of the broken ones.
    pub fn workflows(&self) -> Result<(Workflows, Vec<Diagnostic>)> {
        self.project.workflows()
    }

    /// One workflow by name, a built-in task included; other broken files only warn.
    pub fn workflow(&self, name: &str) -> Result<(WorkflowDef, String)> {
        if let Some(task) = builtin::find(name) {
            return Ok((builtin::definition(task), builtin::SOURCE.to_string()));
        }
        let (defs, diags) = self.workflows()?;
        let near = crate::suggest::did_you_mean(name, workflow_names(&defs));
        if let Some(found) = defs.into_iter().find(|(d, _)| d.name == name) {
            for d in &diags {
                self.printer.warn(&d.to_string());
            }
            return Ok(found);
        }
        if !diags.is_empty() {
            return Err(Error::from(DefinitionError(diags)).with_hint(format!(
                "no valid workflow named `{name}`; fix the files above"
            )));
        }
        let mut e = Error::not_found(format!("no workflow named `{name}`"));
        if let Some(near) = near {
            e = e.with_hint(near);
        }
        Err(e.with_hint(format!(
            "`orch workflow list` shows the workflows in {}",
            self.project.workflows_shown()
        )))
    }

    /// Every task: the workflow files with `target = "system"`, then the built-ins with
    /// the schedules orch.toml gives them. Problems in broken files come back as
    /// diagnostics.
    pub fn tasks(&self) -> Result<(Vec<Task>, Vec<Diagnostic>)> {
        let (defs, mut diags) = self.workflows()?;
        let mut tasks: Vec<Task> = defs
            .into_iter()
            .filter(|(d, _)| d.target == Target::System)
            .map(|(def, source)| Task {
                schedule: def.schedule.clone(),
                def,
                source,
            })
            .collect();
        let (mut schedules, problems) = self.project.builtin_schedules()?;
        diags.extend(problems);
        for t in builtin::TASKS {
            tasks.push(Task {
                def: builtin::definition(t),
                source: builtin::SOURCE.to_string(),
                schedule: schedules.remove(t.name),
            });
        }
        Ok((tasks, diags))
    }
}

/// The names a workflow lookup may suggest: the project's workflows and the built-in
/// tasks.
pub fn workflow_names(defs: &Workflows) -> impl Iterator<Item = &str> {
    defs.iter()
        .map(|(d, _)| d.name.as_str())
        .chain(builtin::TASKS.iter().map(|t| t.name))
}
