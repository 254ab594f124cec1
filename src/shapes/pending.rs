//! What a suspended process waits for: its pending `input` steps (its own, or those
//! of its branches, DESIGN §13), with each message rendered against the state the step
//! sees and the fields to answer. `process show` and the API show them, `process
//! resume`, `workflow run --form` and the dashboard ask them, and the exit-4 hint names
//! the fields to give.

use serde_json::{Map, Value, json};

use crate::domain::process::{ProcessStatus, StepStatus};
use crate::domain::workflow::{StepKind, WorkflowDef};
use crate::error::Error;
use crate::forms::{FieldSpec, FormPage, FormType};
use crate::store::processes::{ProcessRow, StepRow};

/// An input step a suspended process waits at (its own, or one inside a branch), or
/// the secrets a worker could not give a queued process.
pub struct Pending {
    /// The step's path (`Confirm`, `Push every device [3] / Confirm`).
    pub step: String,
    /// Its own name and the branch it runs in, as the log records them.
    pub name: String,
    pub branch: Option<String>,
    /// It waits for secrets, not at an input step: its answers are all secrets.
    pub secrets_only: bool,
    /// The step's message, rendered; `Err` says why it does not render.
    pub message: Option<std::result::Result<String, String>>,
    pub page: FormPage,
    /// The state the step sees (its branch's, inside a branch).
    pub state: Value,
    /// The required secrets the process was given before and needs again to go on
    /// (never stored), by name.
    pub secrets_again: Vec<String>,
}

impl Pending {
    /// The first input step `p` waits at, if it is suspended at one of `def`.
    pub fn of(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Option<Pending> {
        Pending::all(p, def, steps).into_iter().next()
    }

    /// This step as answered for a process queued for the workers: its secrets are not
    /// required, as the worker that picks it up gives them (`ORCH_SECRET_<NAME>`), or
    /// the process suspends asking for them again.
    pub fn for_the_workers(mut self) -> Self {
        self.page = self.page_for_the_workers();
        self
    }

    /// This step's page as [`Pending::for_the_workers`] asks it.
    pub fn page_for_the_workers(&self) -> FormPage {
        crate::forms::page_with_secrets_for_the_worker(&self.page)
    }

    /// The input steps `p` can be resumed at now: every one of a suspended process,
    /// and those of the branches of a group that waits beside them (on a transient
    /// failure or a lock), which are answered in place (DESIGN §13).
    pub fn answerable(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Vec<Pending> {
        match p.status {
            ProcessStatus::Suspended => Pending::all(p, def, steps),
            ProcessStatus::Waiting => Pending::all(p, def, steps)
                .into_iter()
                .filter(|w| w.branch.is_some())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every input step `p` waits at: a top-level one, or those of its branches (DESIGN
    /// §13), in the order of their paths.
    pub fn all(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Vec<Pending> {
        let top = steps.iter().rev().find(|s| s.branch.is_none());
        if let Some(row) =
            top.filter(|s| s.status == StepStatus::Suspend && s.name == crate::worker::SECRETS_STEP)
        {
            let fields = crate::engine::secrets::needed(def, steps);
            return vec![Pending {
                step: row.name.clone(),
                name: row.name.clone(),
                branch: None,
                secrets_only: true,
                message: row.error.clone().map(Ok),
                page: FormPage {
                    title: "Secrets (they are never stored)".into(),
                    description: None,
                    fields,
                },
                state: p.state.clone(),
                secrets_again: Vec::new(),
            }];
        }
        let secrets_again: Vec<String> = crate::engine::secrets::needed(def, steps)
            .into_iter()
            .filter(|f| f.required && f.default.is_none())
            .map(|f| f.name)
            .collect();
        // The last row of each step path says whether it still waits.
        let mut last: std::collections::BTreeMap<String, &StepRow> = Default::default();
        for r in steps {
            last.insert(r.path(), r);
        }
        let group_done = |path: &str| {
            let names = def.steps.iter().map(|s| s.name.as_str());
            crate::domain::path::top_level(names, path).is_some_and(|group| {
                steps
                    .iter()
                    .any(|r| r.branch.is_none() && r.name == group && r.is_done())
            })
        };
        let mut out: Vec<Pending> = last
            .into_iter()
            .filter(|(_, r)| r.status == StepStatus::Suspend)
            .filter(|(path, r)| r.branch.is_none() || !group_done(path))
            .filter_map(|(path, r)| {
                let (step, branch) = def.locate(&path)?;
                let StepKind::Input {
                    title,
                    message,
                    fields,
                } = &step.kind
                else {
                    return None;
                };
                let state = match &branch {
                    None => p.state.clone(),
                    Some(b) => {
                        crate::engine::scope::branch_state(&def.steps, None, &p.state, b, steps)
                            .unwrap_or_else(|| p.state.clone())
                    }
                };
                Some(Pending {
                    message: message
                        .as_deref()
                        .map(|m| crate::expr::render(m, &json!({ "state": state }))),
                    page: FormPage {
                        title: title.clone().unwrap_or_else(|| path.clone()),
                        description: message.clone(),
                        fields: fields.clone(),
                    },
                    step: path,
                    name: r.name.clone(),
                    branch,
                    secrets_only: false,
                    state,
                    secrets_again: secrets_again.clone(),
                })
            })
            .collect();
        out.sort_by_key(|p| crate::domain::path::natural_key(&p.step));
        out
    }

    pub fn fields(&self) -> &[FieldSpec] {
        &self.page.fields
    }

    /// The message as shown: rendered, or why it does not render.
    pub fn message_text(&self) -> Option<String> {
        self.message.as_ref().map(|m| match m {
            Ok(text) => text.trim_end().to_string(),
            Err(e) => format!("(the step's message does not render: {e})"),
        })
    }

    /// What a `display` field of this step shows: its template rendered against the
    /// state the step sees (or why it does not render).
    fn display_text(&self, f: &FieldSpec) -> String {
        crate::forms::collect::display_text(f, &serde_json::Map::new(), &self.state)
            .unwrap_or_else(|e| e.to_string())
    }

    /// `"pending": {"step", "message", "fields"}` of DESIGN §6.
    /// A `display` field collects nothing: it is not required, and its `text` is its
    /// template rendered against the state the step sees. A message that does not
    /// render says why, as `process show` and the dashboard do, rather than reading as
    /// a step without one.
    pub fn to_json(&self) -> Value {
        let fields: Vec<Value> = self
            .fields()
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(f).unwrap_or_default();
                if f.field_type == FormType::Display {
                    if let Some(o) = v.as_object_mut() {
                        o.insert("required".into(), false.into());
                        o.insert("text".into(), self.display_text(f).into());
                    }
                }
                v
            })
            .collect();
        json!({
            "step": self.step,
            "message": self.message.as_ref().map(|m| match m {
                Ok(text) => text.clone(),
                Err(_) => self.message_text().unwrap_or_default(),
            }),
            "fields": fields,
        })
    }

    /// Lines describing each field: `name  type, required — label`.
    pub fn field_lines(&self) -> Vec<String> {
        let width = self
            .fields()
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(0);
        self.fields()
            .iter()
            .map(|f| {
                if f.field_type == FormType::Display {
                    let text = self.display_text(f);
                    return format!("{:width$}  (shown) {}", f.name, text.trim_end());
                }
                let mut line = format!(
                    "{:width$}  {}{}",
                    f.name,
                    f.field_type.as_str(),
                    if f.required && f.default.is_none() {
                        ", required"
                    } else {
                        ""
                    }
                );
                if let Some(choices) = &f.choices {
                    let values: Vec<String> = choices.iter().map(|c| text(&c.value)).collect();
                    line.push_str(&format!(", one of {}", values.join(", ")));
                }
                if let Some(l) = f.label.as_ref().or(f.help.as_ref()) {
                    line.push_str(&format!(": {l}"));
                }
                line
            })
            .collect()
    }

    /// The command that answers it: `orch process resume ID --input applied=true …`;
    /// a step inside a branch is named by its path (`--input 'G [3] / Confirm.ok=true'`).
    /// Secrets it needs again come from the environment, where a command line (and so
    /// `ps` and the shell's history) does not show them: `ORCH_SECRET_PW=SECRET orch …`.
    pub fn resume_command(&self, id: &str) -> String {
        let asked = self.fields();
        let required = asked
            .iter()
            .filter(|f| f.required && f.default.is_none() && f.field_type != FormType::Display);
        // The step's own secret fields come from the environment too.
        let mut secrets: Vec<&str> = self.secrets_again.iter().map(String::as_str).collect();
        for f in required
            .clone()
            .filter(|f| f.field_type == FormType::Secret)
        {
            if !secrets.contains(&f.name.as_str()) {
                secrets.push(&f.name);
            }
        }
        let mut cmd = String::new();
        for name in secrets {
            cmd.push_str(&format!("{}=SECRET ", crate::forms::secret_env_var(name)));
        }
        cmd.push_str(&format!("orch process resume {id}"));
        let prefix = match &self.branch {
            Some(_) => format!("{}.", self.step),
            None => String::new(),
        };
        for f in required.filter(|f| f.field_type != FormType::Secret) {
            cmd.push_str(&format!(
                " --input {}",
                shell_word(&format!("{prefix}{}={}", f.name, example(f)))
            ));
        }
        cmd
    }

    /// The hint of a process suspended here.
    pub fn hint(&self, id: &str) -> String {
        format!("`{}` (or --form at a terminal)", self.resume_command(id))
    }
}

/// Splits the answers given with `--input` and `--input-file` among the steps that wait
/// (`pending`): `PATH.field` (or, in a file, `{"PATH": {"field": …}}`) goes to the step
/// at PATH, and a bare `field` to the only step there is.
pub fn split_answers(
    pending: &[Pending],
    given: Map<String, Value>,
) -> Result<Vec<Map<String, Value>>, Error> {
    let mut out: Vec<Map<String, Value>> = pending.iter().map(|_| Map::new()).collect();
    let paths = || {
        pending
            .iter()
            .map(|p| format!("`{}`", p.step))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (key, value) in given {
        if let Some(i) = pending.iter().position(|p| p.step == key) {
            match value {
                Value::Object(fields) => out[i].extend(fields),
                _ => {
                    return Err(Error::usage(format!(
                        "the answers for `{key}` must be an object of fields"
                    )));
                }
            }
            continue;
        }
        // A branch step's path (`G [3] / Confirm`) is never a field's name: whatever
        // its value, it names a step, and no waiting one.
        if value.is_object() || (!key.contains('.') && key.contains(" / ")) {
            // `{"PATH": {…}}` whose path no waiting step has (form fields take no
            // objects).
            return Err(Error::usage(format!(
                "`{key}` is no step that awaits input (waiting: {})",
                paths()
            ))
            .with_hint("`orch process show ID` lists the steps that wait, by path"));
        }
        let prefixed = pending.iter().enumerate().find_map(|(i, p)| {
            key.strip_prefix(&format!("{}.", p.step))
                .map(|field| (i, field.to_string()))
        });
        match prefixed {
            Some((i, field)) => {
                out[i].insert(field, value);
            }
            None if pending.len() == 1 && !key.contains('.') => {
                out[0].insert(key, value);
            }
            None if !key.contains('.') => {
                return Err(Error::usage(format!(
                    "several steps await input ({}); say which one `{key}` answers",
                    paths()
                ))
                .with_hint(format!(
                    "prefix the answer with the step's path: --input '{}.{key}=…'",
                    pending.first().map_or("PATH", |p| p.step.as_str())
                )));
            }
            None => {
                return Err(Error::usage(format!(
                    "`{key}` answers no step that awaits input (waiting: {})",
                    paths()
                ))
                .with_hint("give answers as --input 'STEP PATH.field=value'; `orch process show ID` lists the steps that wait"));
            }
        }
    }
    Ok(out)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value to put in a hint for a field: a real one where there is an obvious one,
/// else a placeholder naming what is expected.
fn example(f: &FieldSpec) -> String {
    // A choice its `validate` may refuse is not offered as the answer: the field's
    // line lists the choices.
    let first = f
        .choices
        .as_ref()
        .filter(|_| f.validate.is_none())
        .and_then(|c| c.first())
        .map(|c| text(&c.value));
    match f.field_type {
        FormType::Bool | FormType::Accept => "true".into(),
        FormType::Choice | FormType::MultiChoice => first.unwrap_or_else(|| "VALUE".into()),
        FormType::Int => "N".into(),
        FormType::Float => "NUMBER".into(),
        FormType::Ipv4 => "IPV4".into(),
        FormType::Ipv6 => "IPV6".into(),
        FormType::Ipv4Network => "PREFIX".into(),
        FormType::Subscription => "SUBSCRIPTION_ID".into(),
        FormType::Secret => "SECRET".into(),
        FormType::Text | FormType::LongText | FormType::Display => "TEXT".into(),
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "=._,/:@+-".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_command_names_the_required_fields_quoted() {
        let mut applied = FieldSpec::new("applied", FormType::Bool);
        applied.label = Some("Applied?".into());
        let mut mode = FieldSpec::new("mode", FormType::Choice);
        mode.choices = Some(vec![crate::forms::Choice::new("in service", None)]);
        let mut note = FieldSpec::new("note", FormType::Text);
        note.required = false;
        let p = Pending {
            step: "Confirm".into(),
            name: "Confirm".into(),
            branch: None,
            state: json!({}),
            secrets_only: false,
            message: None,
            page: FormPage {
                title: "Confirm".into(),
                description: None,
                fields: vec![applied, mode, note],
            },
            secrets_again: Vec::new(),
        };
        assert_eq!(
            p.resume_command("01ab"),
            "orch process resume 01ab --input applied=true --input 'mode=in service'"
        );
        let lines = p.field_lines();
        assert_eq!(lines[0], "applied  bool, required: Applied?");
        assert_eq!(lines[2], "note     text");
    }

    /// A choice a `validate` expression may refuse is a placeholder, not a guess that
    /// fails; secrets needed again come from the environment, not the command line.
    #[test]
    fn the_resume_command_guesses_no_refusable_choice_and_takes_secrets_from_the_environment() {
        let mut color = FieldSpec::new("color", FormType::Choice);
        color.choices = Some(vec![crate::forms::Choice::new("red", None)]);
        color.validate = Some("value != 'red'".into());
        let p = Pending {
            step: "Ask".into(),
            name: "Ask".into(),
            branch: None,
            state: json!({}),
            secrets_only: false,
            message: None,
            page: FormPage {
                title: "Ask".into(),
                description: None,
                fields: vec![color],
            },
            secrets_again: vec!["api-token".into()],
        };
        assert_eq!(
            p.resume_command("01ab"),
            "ORCH_SECRET_API_TOKEN=SECRET orch process resume 01ab --input color=VALUE"
        );
    }
}
