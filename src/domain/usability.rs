//! Whether a workflow may run on a subscription, and if not, why (DESIGN §4).
//!
//! Pure: the facts are gathered from the store by the caller, so `subscription
//! workflows` (which explains every workflow) and `workflow run` (which refuses one)
//! give the same answer for the same reason.

use super::lifecycle::Lifecycle;
use super::process::ProcessStatus;
use super::workflow::{Target, WorkflowDef};

/// Another subscription related to the one being checked.
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub subscription_id: String,
    pub description: String,
    pub status: Lifecycle,
    pub insync: bool,
    /// A process not yet finished is on it.
    pub held: bool,
}

impl Neighbour {
    /// A subscription whose creation was given up: still `initial`, with no process on
    /// it (its create workflow was aborted). It stays out of sync and keeps counting
    /// as a relation (DESIGN §4), and no default workflow runs on it, so a refusal it
    /// causes says how to end it.
    pub fn given_up(&self) -> bool {
        self.status == Lifecycle::Initial && !self.held
    }

    /// The hint of a refusal this subscription causes, when its creation was given up.
    fn given_up_hint(&self) -> Option<String> {
        self.given_up().then(|| {
            format!(
                "{id} was never finished: its create workflow was aborted, so it stays initial and out of sync; a terminate workflow for its product with `usable_when = [\"initial\"]` and `usable_while_out_of_sync = true` ends it (`orch subscription workflows {id}` lists what can run on it)",
                id = self.subscription_id
            )
        })
    }
}

/// A process that still holds the subscription (neither completed nor aborted).
#[derive(Debug, Clone)]
pub struct Holder {
    pub process_id: String,
    pub workflow: String,
    pub status: ProcessStatus,
    /// Its row says running, but the orch that ran it is gone.
    pub stale: bool,
}

impl Holder {
    /// What frees the subscription, for this holder's status: only commands that it
    /// would accept.
    pub fn hint(&self) -> String {
        let id = &self.process_id;
        match self.status {
            ProcessStatus::Running if self.stale => format!(
                "the orch that ran it is gone: take it over with `orch process retry {id}`, or give it up with `orch process abort {id}`"
            ),
            ProcessStatus::Running | ProcessStatus::Created => {
                format!("wait for it to finish, or watch it with `orch process show {id}`")
            }
            ProcessStatus::Failed | ProcessStatus::Waiting => format!(
                "finish it with `orch process retry {id}` once the cause is fixed, or give it up with `orch process abort {id}`"
            ),
            ProcessStatus::Suspended => format!(
                "answer it with `orch process resume {id}`, or give it up with `orch process abort {id}`"
            ),
            _ => format!("see `orch process show {id}`"),
        }
    }
}

/// What usability depends on.
#[derive(Debug, Clone)]
pub struct Facts {
    pub tag: String,
    pub status: Lifecycle,
    pub insync: bool,
    pub holders: Vec<Holder>,
    /// Subscriptions it depends on and subscriptions that use it.
    pub depends_on: Vec<Neighbour>,
    pub in_use_by: Vec<Neighbour>,
}

/// Why a workflow cannot run, with the command that would help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub hint: Option<String>,
}

impl Refusal {
    fn new(reason: String, hint: Option<String>) -> Refusal {
        Refusal { reason, hint }
    }
}

/// Subscriptions as a reason names them, `ID (description)`, each once: relations are
/// one per path, so a subscription that uses another twice comes twice.
pub fn named_once<'a>(users: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for (id, description) in users {
        let named = format!("{id} ({description})");
        if !list.contains(&named) {
            list.push(named);
        }
    }
    list
}

pub fn check(def: &WorkflowDef, f: &Facts) -> Result<(), Refusal> {
    match def.target {
        Target::Create => {
            return Err(Refusal::new(
                "creates new subscriptions; it does not run on an existing one".into(),
                Some(format!(
                    "run it without --subscription: `orch workflow run {}`",
                    def.name
                )),
            ));
        }
        Target::System => {
            return Err(Refusal::new(
                "is a task; it does not run on a subscription".into(),
                Some(format!("orch workflow run {}", def.name)),
            ));
        }
        _ => {}
    }
    if !def.products.iter().any(|t| t == &f.tag) {
        return Err(Refusal::new(
            format!(
                "applies to {} products, and this is a {} subscription",
                def.products.join(", "),
                f.tag
            ),
            Some("`orch subscription workflows ID` lists the workflows that apply to it".into()),
        ));
    }
    if let Some(h) = f.holders.first() {
        return Err(Refusal::new(
            format!(
                "locked by process {} ({}, {})",
                h.process_id, h.workflow, h.status
            ),
            Some(h.hint()),
        ));
    }
    let usable_when = def.usable_when();
    if !usable_when.contains(&f.status) {
        let names: Vec<&str> = usable_when.iter().map(|l| l.as_str()).collect();
        return Err(Refusal::new(
            format!(
                "the subscription is {}; `{}` runs on {} subscriptions",
                f.status,
                def.name,
                names.join(" or ")
            ),
            Some(
                "`orch subscription workflows ID` lists what can run on it now (a workflow's `usable_when` says which lifecycles it takes)"
                    .into(),
            ),
        ));
    }
    let needs_insync = def.target != Target::Validate && !def.usable_while_out_of_sync;
    if needs_insync && !f.insync {
        return Err(Refusal::new(
            "the subscription is out of sync (a process on it failed or was aborted, or its product changed under it)".into(),
            Some(
                "check it with its validate workflow (`orch subscription workflows ID` lists them)"
                    .into(),
            ),
        ));
    }
    if !def.usable_while_out_of_sync {
        let stuck = f
            .depends_on
            .iter()
            .chain(&f.in_use_by)
            .find(|n| n.status.is_live() && !n.insync);
        if let Some(n) = stuck {
            return Err(Refusal::new(
                format!(
                    "the related subscription {} ({}) is out of sync",
                    n.subscription_id, n.description
                ),
                Some(n.given_up_hint().unwrap_or_else(|| format!(
                    "see why with `orch subscription show {id}`; `orch subscription workflows {id}` lists what can run on it (its validate workflow brings it back in sync)",
                    id = n.subscription_id
                ))),
            ));
        }
    }
    if def.blocked_by_in_use() {
        let list = named_once(
            f.in_use_by
                .iter()
                .filter(|n| n.status.is_live())
                .map(|n| (n.subscription_id.as_str(), n.description.as_str())),
        );
        if !list.is_empty() {
            // Subscriptions that use each other cannot be terminated one first.
            let mutual = f.in_use_by.iter().filter(|n| n.status.is_live()).all(|n| {
                f.depends_on
                    .iter()
                    .any(|d| d.subscription_id == n.subscription_id)
            });
            let first = f
                .in_use_by
                .iter()
                .find(|n| n.status.is_live())
                .map_or("ID", |n| n.subscription_id.as_str());
            let given_up = f.in_use_by.iter().find_map(Neighbour::given_up_hint);
            let hint = if let Some(h) = given_up {
                h
            } else if mutual {
                "they use each other, so neither ends first: drop one reference with a modify workflow, or end them with a terminate workflow that sets `blocked_by_in_use = false`".to_string()
            } else {
                format!(
                    "terminate the subscriptions that use it first (`orch subscription workflows {first}` lists what can run on one)"
                )
            };
            return Err(Refusal::new(
                format!("the subscription is in use by {}", list.join(", ")),
                Some(hint),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workflow::WorkflowDef;

    fn wf(target: Target) -> WorkflowDef {
        serde_json::from_value(serde_json::json!({
            "name": "w", "target": target, "products": ["NODE"], "steps": []
        }))
        .unwrap()
    }

    fn facts() -> Facts {
        Facts {
            tag: "NODE".into(),
            status: Lifecycle::Active,
            insync: true,
            holders: vec![],
            depends_on: vec![],
            in_use_by: vec![],
        }
    }

    fn user(status: Lifecycle) -> Neighbour {
        Neighbour {
            subscription_id: "c1".into(),
            description: "circuit".into(),
            status,
            insync: true,
            held: false,
        }
    }

    #[test]
    fn a_creation_given_up_still_counts_and_says_how_to_end_it() {
        let stuck = |held| Neighbour {
            insync: false,
            held,
            ..user(Lifecycle::Initial)
        };
        let f = |n: Neighbour| Facts {
            in_use_by: vec![n],
            ..facts()
        };
        // Being created: its process may still go on, and is the way on.
        let r = check(&wf(Target::Modify), &f(stuck(true))).unwrap_err();
        assert!(r.reason.contains("related subscription c1"), "{r:?}");
        assert!(!r.hint.unwrap_or_default().contains("never finished"));
        // Its create workflow aborted: still a relation out of sync (DESIGN §4), and the
        // refusal says what ends it.
        for target in [Target::Modify, Target::Terminate] {
            let r = check(&wf(target), &f(stuck(false))).unwrap_err();
            let hint = r.hint.unwrap_or_default();
            assert!(hint.contains("c1 was never finished"), "{hint}");
            assert!(hint.contains("usable_while_out_of_sync = true"), "{hint}");
        }
        // In use, and in sync: the refusal of a terminate says the same.
        let r = check(
            &wf(Target::Terminate),
            &f(Neighbour {
                insync: true,
                ..stuck(false)
            }),
        )
        .unwrap_err();
        assert!(r.reason.contains("in use by c1"), "{r:?}");
        assert!(r.hint.unwrap_or_default().contains("never finished"));
    }

    #[test]
    fn modify_needs_an_active_insync_subscription() {
        assert!(check(&wf(Target::Modify), &facts()).is_ok());
        let f = Facts {
            insync: false,
            ..facts()
        };
        let r = check(&wf(Target::Modify), &f).unwrap_err();
        assert!(r.reason.contains("out of sync"), "{r:?}");
        // A validation may run on a subscription that needs checking.
        assert!(check(&wf(Target::Validate), &f).is_ok());
        let f = Facts {
            status: Lifecycle::Provisioning,
            ..facts()
        };
        assert!(
            check(&wf(Target::Modify), &f)
                .unwrap_err()
                .reason
                .contains("is provisioning")
        );
        assert!(check(&wf(Target::Terminate), &f).is_ok());
    }

    #[test]
    fn terminate_is_blocked_by_live_users_only() {
        let f = Facts {
            in_use_by: vec![user(Lifecycle::Active)],
            ..facts()
        };
        let r = check(&wf(Target::Terminate), &f).unwrap_err();
        assert!(r.reason.contains("in use by c1"), "{r:?}");
        assert!(
            r.hint.as_deref().unwrap().contains("that use it first"),
            "{r:?}"
        );
        assert!(check(&wf(Target::Modify), &f).is_ok());
        // Two that use each other: the hint does not send one to the other.
        let f = Facts {
            in_use_by: vec![user(Lifecycle::Active)],
            depends_on: vec![user(Lifecycle::Active)],
            ..facts()
        };
        let r = check(&wf(Target::Terminate), &f).unwrap_err();
        assert!(
            r.hint.as_deref().unwrap().contains("they use each other"),
            "{r:?}"
        );
        let f = Facts {
            in_use_by: vec![user(Lifecycle::Terminated)],
            ..facts()
        };
        assert!(check(&wf(Target::Terminate), &f).is_ok());
    }

    #[test]
    fn the_hint_for_a_holder_offers_only_what_it_accepts() {
        let holder = |status: ProcessStatus, stale: bool| Holder {
            process_id: "p1".into(),
            workflow: "modify_node".into(),
            status,
            stale,
        };
        let running = holder(ProcessStatus::Running, false).hint();
        assert!(running.contains("wait") && running.contains("orch process show p1"));
        assert!(!running.contains("retry") && !running.contains("resume"));
        let failed = holder(ProcessStatus::Failed, false).hint();
        assert!(failed.contains("retry p1") && failed.contains("abort p1"));
        assert!(!failed.contains("resume"));
        let suspended = holder(ProcessStatus::Suspended, false).hint();
        assert!(suspended.contains("resume p1") && suspended.contains("abort p1"));
        assert!(!suspended.contains("retry"));
        assert!(
            holder(ProcessStatus::Running, true)
                .hint()
                .contains("retry p1")
        );
    }

    #[test]
    fn a_holder_or_an_out_of_sync_neighbour_refuses() {
        let f = Facts {
            holders: vec![Holder {
                process_id: "p1".into(),
                workflow: "modify_node".into(),
                status: ProcessStatus::Failed,
                stale: false,
            }],
            ..facts()
        };
        let r = check(&wf(Target::Validate), &f).unwrap_err();
        assert!(r.reason.contains("locked by process p1"), "{r:?}");
        let mut n = user(Lifecycle::Active);
        n.insync = false;
        let f = Facts {
            depends_on: vec![n],
            ..facts()
        };
        assert!(
            check(&wf(Target::Modify), &f)
                .unwrap_err()
                .reason
                .contains("related")
        );
        let f = Facts {
            tag: "CIRCUIT".into(),
            ..facts()
        };
        assert!(
            check(&wf(Target::Modify), &f)
                .unwrap_err()
                .reason
                .contains("applies to NODE")
        );
    }
}
