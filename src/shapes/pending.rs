//! What a suspended process waits for: its pending `input` step, with the message
//! rendered against the state and the fields to answer. `process show` and the API
//! show it, `process resume`, `workflow run --form` and the dashboard ask it, and the
//! exit-4 hint names the fields to give.

use serde_json::{Value, json};

use crate::domain::process::StepStatus;
use crate::domain::workflow::{StepKind, WorkflowDef};
use crate::forms::{FieldSpec, FormPage, FormType};
use crate::store::processes::{ProcessRow, StepRow};

/// The input step a suspended process waits at, or the secrets a worker could not give
/// a queued process.
pub struct Pending {
    pub step: String,
    /// It waits for secrets, not at an input step: its answers are all secrets.
    pub secrets_only: bool,
    /// The step's message, rendered; `Err` says why it does not render.
    pub message: Option<std::result::Result<String, String>>,
    pub page: FormPage,
}

impl Pending {
    /// The pending input step of `p`, if it is suspended at one of `def`.
    pub fn of(p: &ProcessRow, def: &WorkflowDef, steps: &[StepRow]) -> Option<Pending> {
        let row = steps.last().filter(|s| s.status == StepStatus::Suspend)?;
        if row.name == crate::worker::SECRETS_STEP {
            let fields = crate::engine::secrets::needed(def, steps);
            return Some(Pending {
                step: row.name.clone(),
                secrets_only: true,
                message: row.error.clone().map(Ok),
                page: FormPage {
                    title: "Secrets (they are never stored)".into(),
                    description: None,
                    fields,
                },
            });
        }
        let step = def.step(&row.name)?;
        let StepKind::Input {
            title,
            message,
            fields,
        } = &step.kind
        else {
            return None;
        };
        Some(Pending {
            step: step.name.clone(),
            secrets_only: false,
            message: message
                .as_deref()
                .map(|m| crate::expr::render(m, &json!({ "state": p.state }))),
            page: FormPage {
                title: title.clone().unwrap_or_else(|| step.name.clone()),
                description: message.clone(),
                fields: fields.clone(),
            },
        })
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

    /// `"pending": {"step", "message", "fields"}` of DESIGN §6.
    pub fn to_json(&self) -> Value {
        json!({
            "step": self.step,
            "message": self.message.as_ref().and_then(|m| m.as_ref().ok()),
            "fields": self.fields(),
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
            .filter(|f| f.field_type != FormType::Display)
            .map(|f| {
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

    /// The command that answers it: `orch process resume ID --input applied=true …`.
    pub fn resume_command(&self, id: &str) -> String {
        let mut cmd = format!("orch process resume {id}");
        for f in self
            .fields()
            .iter()
            .filter(|f| f.required && f.default.is_none() && f.field_type != FormType::Display)
        {
            cmd.push_str(&format!(
                " --input {}",
                shell_word(&format!("{}={}", f.name, example(f)))
            ));
        }
        cmd
    }

    /// The hint of a process suspended here.
    pub fn hint(&self, id: &str) -> String {
        format!("`{}` (or --form at a terminal)", self.resume_command(id))
    }
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
    let first = f
        .choices
        .as_ref()
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
            secrets_only: false,
            message: None,
            page: FormPage {
                title: "Confirm".into(),
                description: None,
                fields: vec![applied, mode, note],
            },
        };
        assert_eq!(
            p.resume_command("01ab"),
            "orch process resume 01ab --input applied=true --input 'mode=in service'"
        );
        let lines = p.field_lines();
        assert_eq!(lines[0], "applied  bool, required: Applied?");
        assert_eq!(lines[2], "note     text");
    }
}
