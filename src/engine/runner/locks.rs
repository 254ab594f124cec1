//! Taking the locks of a workflow (at `Start`) or of a step (before it runs), DESIGN
//! §14. A process that cannot take them all rests `waiting`, queued for the lock that
//! is in the way and naming who holds it (a branch step waits first for a sibling
//! branch that holds it and still runs); the store makes it due again when that lock
//! frees for it. Letting go is the store's part of committing a step (the end of the
//! step, or of the process), so no path can forget it.

use std::time::Instant;

use serde_json::{Value, json};

use super::{Attempt, Current, Engine, Final, StepEnd};
use crate::domain::process::StepStatus;
use crate::error::Error;
use crate::store::locks::Take;

/// How often a branch step asks again for a lock its running sibling holds.
const SIBLING_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// The names of `templates` rendered over the state.
pub fn render(templates: &[String], state: &Value) -> Result<Vec<String>, String> {
    let ctx = json!({ "state": state });
    templates
        .iter()
        .map(|t| {
            let name = crate::expr::render_strict(t, &ctx)
                .map_err(|e| format!("lock `{t}` does not render: {e}"))?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(format!("lock `{t}` renders to an empty name"));
            }
            Ok(name)
        })
        .collect()
}

impl Engine<'_> {
    /// Takes the locks `templates` name (for the step `scope`, or for the whole run
    /// with None) before the step `name` runs. `Some` ends the drive: the step was
    /// logged waiting for a lock, or failed because a lock's name does not render.
    pub(super) async fn lock(
        &self,
        cur: &mut Current,
        scope: Option<&str>,
        name: &str,
        templates: &[String],
        attempt: i64,
    ) -> Result<Option<Final>, Error> {
        if templates.is_empty() {
            return Ok(None);
        }
        let started = Instant::now();
        let mut sibling = false;
        // The sibling that held it may have let go and ended between the refusal and
        // the look at what runs: its lock is asked for once more before a rest.
        let mut asked_again = false;
        let outcome = match render(templates, &cur.state) {
            Err(e) => Attempt::failed(e),
            Ok(names) => loop {
                match self
                    .store
                    .take_locks(&cur.process_id, scope, &names)
                    .await?
                {
                    Take::Taken => return Ok(None),
                    // A sibling branch's step holds it and still runs: it lets go when
                    // it ends, soon; waiting for it here saves the process a rest.
                    Take::Blocked(b)
                        if b.sibling.as_deref().is_some_and(|s| cur.runs_branch_of(s))
                            && !self.cancelled()
                            && !self.draining() =>
                    {
                        asked_again = false;
                        tokio::time::sleep(SIBLING_POLL).await;
                    }
                    Take::Blocked(b) if b.sibling.is_some() && !asked_again => {
                        asked_again = true;
                    }
                    Take::Blocked(b) => {
                        sibling = b.sibling.is_some();
                        break Attempt {
                            error: Some(b.reason()),
                            ..Attempt::with_status(StepStatus::Waiting)
                        };
                    }
                }
            },
        };
        let status = self
            .commit(
                cur,
                cur.scoped(StepEnd::new(name, attempt, started, outcome)),
            )
            .await?;
        cur.awaits_lock = (status == StepStatus::Waiting).then_some(sibling);
        Ok(Some(if status == StepStatus::Waiting {
            Final::Waiting
        } else {
            Final::Failed
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_render_over_the_state() {
        let t = vec!["ipam:{{ state.pool }}".to_string(), "device".to_string()];
        assert_eq!(
            render(&t, &json!({"pool": "p1"})).unwrap(),
            ["ipam:p1", "device"]
        );
        let empty = vec!["{{ state.nothing | default('') }}".to_string()];
        assert!(
            render(&empty, &json!({}))
                .unwrap_err()
                .contains("empty name")
        );
        let missing = vec!["ipam:{{ state.pool }}".to_string()];
        assert!(
            render(&missing, &json!({}))
                .unwrap_err()
                .contains("does not render")
        );
        let broken = vec!["{{ state.x | nosuchfilter }}".to_string()];
        assert!(render(&broken, &json!({})).is_err());
    }
}
