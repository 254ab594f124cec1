//! The one validation path for the three ways to answer a form: `--input`,
//! `--input-file` (both arrive as `given`) and prompts.
//!
//! Pages are walked in order and every field is settled from the first source that has
//! a value: `given`, then `ORCH_SECRET_<NAME>` for secrets, then a prompt (when there is
//! a prompter), then the default. Without a prompter every problem is gathered into one
//! [`CollectError::Invalid`], because scripts need the whole list at once; with one, a
//! rejected value is asked again and only impossible fields (nothing to choose from)
//! end up there.

use serde_json::{Map, Value};

use super::ask::{self, Settled};
use super::choices::{ChoiceSet, apply_exclude};
use super::error::{CollectError, Problem};
use super::prompt::Prompter;
use super::schema::{Choice, FieldSpec, FormPage, FormType};
use super::value::{self, Scope};
use crate::expr;

/// What a form needs from outside: choice lists from commands and the database. The
/// engine and the CLI implement it (forms spawn no processes and open no database).
pub trait ChoiceSource {
    /// Runs a `choices_from` command with the answers so far on stdin and parses its
    /// output with [`super::parse_choices`].
    fn choices_from(
        &self,
        field: &FieldSpec,
        command: &str,
        answers: &Map<String, Value>,
    ) -> Result<Listed, String>;
    /// The subscriptions a subscription field may pick (by `product_tag` and `status`):
    /// value = subscription id, label = description.
    fn subscriptions(&self, field: &FieldSpec) -> Result<Vec<Choice>, String>;
    /// An environment variable (for `ORCH_SECRET_<NAME>`); overridden in tests.
    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// What a `choices_from` command listed, and what it said on stderr: when it lists
/// nothing, that may say why (`every planned router is enrolled`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    pub choices: Vec<Choice>,
    pub said: Option<String>,
}

impl From<Vec<Choice>> for Listed {
    fn from(choices: Vec<Choice>) -> Self {
        Listed {
            choices,
            said: None,
        }
    }
}

/// Collects and validates the answers to `pages`.
///
/// `given` holds answers from `--input` (strings, typed by their field) and
/// `--input-file` (JSON); they are validated and never asked again. `state` is what
/// form expressions see as `state` (the process state for input steps; anything, e.g.
/// `{}`, for the initial form). Secrets are returned like other answers: keep them out
/// of storage with [`secret_names`] / [`without_secrets`].
pub fn collect(
    pages: &[FormPage],
    given: &Map<String, Value>,
    state: &Value,
    source: &dyn ChoiceSource,
    mut prompter: Option<&mut dyn Prompter>,
) -> Result<Map<String, Value>, CollectError> {
    let mut problems = unknown_keys(pages, given);
    // An answer for no field cannot be used whatever else is answered: said before
    // anyone is asked anything.
    if prompter.is_some() && !problems.is_empty() {
        return Err(CollectError::Invalid(problems));
    }
    let mut answers = Map::new();
    for page in pages {
        let mut header_shown = false;
        // Display fields and the page header only make sense where something is asked.
        let asks = prompter.is_some() && page.fields.iter().any(|f| needs_prompt(f, given, source));
        for field in &page.fields {
            let scope = Scope {
                answers: &answers,
                state,
            };
            if field.field_type == FormType::Display {
                if let (true, Some(p)) = (asks, prompter.as_deref_mut()) {
                    header(p, page, &scope, &mut header_shown)?;
                    p.show(&render_display(field, &scope)?)?;
                }
                continue;
            }
            let settled = settle(
                field,
                given,
                &scope,
                source,
                prompter.as_deref_mut(),
                page,
                &mut header_shown,
            );
            let settled = match settled {
                // A command that lists choices from earlier answers cannot work when
                // those are wrong: report it with them instead of stopping at it.
                Err(CollectError::Choices { reason, .. }) if !problems.is_empty() => {
                    Settled::Problem(format!(
                        "cannot list its choices until the answers above are fixed ({reason})"
                    ))
                }
                other => other?,
            };
            match settled {
                Settled::Value(v) => {
                    answers.insert(field.name.clone(), v);
                }
                Settled::Absent => {}
                Settled::Problem(reason) => problems.push(Problem::new(field, reason)),
            }
        }
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(CollectError::Invalid(problems))
    }
}

/// The choices a field offers now (after `exclude`, given the answers so far), for a
/// form rendered elsewhere than a terminal (the dashboard); None for a field that does
/// not pick.
pub fn offered(
    field: &FieldSpec,
    answers: &Map<String, Value>,
    state: &Value,
    source: &dyn ChoiceSource,
) -> Result<Option<ChoiceSet>, CollectError> {
    choice_set(field, &Scope { answers, state }, source)
}

/// The text a `display` field shows, rendered against the answers so far.
pub fn display_text(
    field: &FieldSpec,
    answers: &Map<String, Value>,
    state: &Value,
) -> Result<String, CollectError> {
    render_display(field, &Scope { answers, state })
}

/// Where a value came from, to say so when it is wrong.
enum Origin {
    Given,
    Env(String),
}

fn settle(
    field: &FieldSpec,
    given: &Map<String, Value>,
    scope: &Scope,
    source: &dyn ChoiceSource,
    // `+ '_`: a reborrow per field must not pin the caller's trait-object lifetime.
    prompter: Option<&mut (dyn Prompter + '_)>,
    page: &FormPage,
    header_shown: &mut bool,
) -> Result<Settled, CollectError> {
    let candidate = match given.get(&field.name) {
        Some(v) if !value::is_blank(field, v) => Some((v.clone(), Origin::Given)),
        _ => secret_from_env(field, source).map(|(var, v)| (Value::String(v), Origin::Env(var))),
    };
    // Choices may cost a command run: only fetch them when a value has to be checked
    // or offered.
    let choices = if candidate.is_some() || prompter.is_some() || field.default.is_some() {
        choice_set(field, scope, source)?
    } else {
        None
    };
    let mut prompter = prompter;
    if let Some((v, origin)) = candidate {
        match check_value(field, &v, choices.as_ref(), scope) {
            Ok(v) => return Ok(Settled::Value(v)),
            Err(reason) => {
                let reason = match origin {
                    Origin::Given => reason,
                    Origin::Env(var) => format!("from {var}: {reason}"),
                };
                match prompter.as_deref_mut() {
                    None => return Ok(Settled::Problem(reason)),
                    Some(p) => {
                        header(p, page, scope, header_shown)?;
                        p.warn(&format!("{}: {reason}", field.name))?;
                    }
                }
            }
        }
    }
    if let Some(p) = prompter {
        header(p, page, scope, header_shown)?;
        return ask::ask(p, field, choices.as_ref(), scope);
    }
    if let Some(d) = &field.default {
        return Ok(match check_value(field, d, choices.as_ref(), scope) {
            Ok(v) => Settled::Value(v),
            Err(reason) => Settled::Problem(format!("the default is invalid: {reason}")),
        });
    }
    if !field.required {
        return Ok(Settled::Absent);
    }
    // Saying what could have been picked is worth a run of the choices command.
    let choices = match choices {
        Some(set) => Ok(Some(set)),
        None => choice_set(field, scope, source),
    };
    Ok(Settled::Problem(missing(field, choices)))
}

/// Type, then every rule: the whole validation of one answer.
pub(crate) fn check_value(
    field: &FieldSpec,
    v: &Value,
    choices: Option<&ChoiceSet>,
    scope: &Scope,
) -> Result<Value, String> {
    value::validate(field, value::coerce(field, v)?, choices, scope)
}

/// Why a required field has no value, with what it could have been.
fn missing(field: &FieldSpec, choices: Result<Option<ChoiceSet>, CollectError>) -> String {
    if field.field_type == FormType::Accept {
        return "missing; it must be accepted (yes)".to_string();
    }
    match choices {
        Ok(Some(set)) if set.available.is_empty() => {
            format!("missing, required; {}", set.why_empty())
        }
        // Several may be picked from a multi_choice: "pick one" would say otherwise.
        Ok(Some(set)) if field.field_type == FormType::MultiChoice => {
            let of = set.one_of();
            format!(
                "missing, required; pick one or more{}",
                of.strip_prefix("one").unwrap_or(&of)
            )
        }
        Ok(Some(set)) => format!("missing, required; pick {}", set.one_of()),
        Ok(None) => "missing, required".to_string(),
        Err(CollectError::Choices { reason, .. }) => {
            format!("missing, required (its choices cannot be listed: {reason})")
        }
        Err(e) => format!("missing, required ({e})"),
    }
}

fn needs_prompt(field: &FieldSpec, given: &Map<String, Value>, source: &dyn ChoiceSource) -> bool {
    field.field_type != FormType::Display
        && given
            .get(&field.name)
            .is_none_or(|v| value::is_blank(field, v))
        && secret_from_env(field, source).is_none()
}

fn secret_from_env(field: &FieldSpec, source: &dyn ChoiceSource) -> Option<(String, String)> {
    if field.field_type != FormType::Secret {
        return None;
    }
    let var = secret_env_var(&field.name);
    let v = source.env_var(&var).filter(|v| !v.is_empty())?;
    Some((var, v))
}

/// The available choices of a field that picks (after `exclude`), or None.
fn choice_set(
    field: &FieldSpec,
    scope: &Scope,
    source: &dyn ChoiceSource,
) -> Result<Option<ChoiceSet>, CollectError> {
    if !field.field_type.picks() {
        return Ok(None);
    }
    let failed = |reason: String| CollectError::Choices {
        field: field.name.clone(),
        reason,
    };
    let (all, origin) = if let Some(c) = &field.choices {
        (c.clone(), None)
    } else if let Some(cmd) = &field.choices_from {
        let listed = source
            .choices_from(field, cmd, scope.answers)
            .map_err(failed)?;
        let origin = match listed.said {
            Some(said) => format!("`{cmd}` returned an empty list (it said: {said})"),
            None => format!("`{cmd}` returned an empty list"),
        };
        (listed.choices, Some(origin))
    } else if field.field_type == FormType::Subscription {
        let found = source.subscriptions(field).map_err(failed)?;
        (found, Some(no_subscription(field)))
    } else {
        (Vec::new(), None)
    };
    let mut set = apply_exclude(field, all, scope)
        .map_err(|e| CollectError::Definition(format!("field `{}`: {e}", field.name)))?;
    set.origin = origin;
    set.by_prefix = field.field_type == FormType::Subscription;
    if set.by_prefix {
        let (product, status) = subscription_filters(field);
        set.takes = Some(format!("the {status} subscriptions{product}"));
    }
    Ok(Some(set))
}

/// Why a subscription field has nothing to pick: no subscription passes its filters.
fn no_subscription(field: &FieldSpec) -> String {
    let (product, status) = subscription_filters(field);
    format!("no subscription{product} is {status}")
}

/// A subscription field's filters in words: ` of product tag NODE` (or nothing), and
/// the lifecycle states it takes (`active or disabled`, `live (not terminated)`).
fn subscription_filters(field: &FieldSpec) -> (String, String) {
    let product = match &field.product_tag {
        Some(tag) => format!(" of product tag {tag}"),
        None => String::new(),
    };
    let status = match field.status.as_slice() {
        [] => "live (not terminated)".to_string(),
        [one] => one.to_string(),
        many => {
            let names: Vec<String> = many.iter().map(|l| l.to_string()).collect();
            names.join(" or ")
        }
    };
    (product, status)
}

fn header(
    p: &mut dyn Prompter,
    page: &FormPage,
    scope: &Scope,
    shown: &mut bool,
) -> Result<(), CollectError> {
    if *shown {
        return Ok(());
    }
    *shown = true;
    let description = match &page.description {
        Some(d) => Some(expr::render(d, &scope.context()).map_err(|e| {
            CollectError::Definition(format!(
                "page `{}`: the description does not render: {e}",
                if page.title.is_empty() {
                    "untitled"
                } else {
                    &page.title
                }
            ))
        })?),
        None => None,
    };
    p.page(&page.title, description.as_deref())?;
    Ok(())
}

fn render_display(field: &FieldSpec, scope: &Scope) -> Result<String, CollectError> {
    let template = field
        .template
        .as_deref()
        .or(field.label.as_deref())
        .unwrap_or_default();
    expr::render(template, &scope.context()).map_err(|e| {
        CollectError::Definition(format!(
            "field `{}`: the template does not render: {e}",
            field.name
        ))
    })
}

/// Keys of `given` that name no field of any page (a typo must not pass silently).
fn unknown_keys(pages: &[FormPage], given: &Map<String, Value>) -> Vec<Problem> {
    let fields: Vec<&FieldSpec> = pages.iter().flat_map(|p| &p.fields).collect();
    let names: Vec<&str> = fields
        .iter()
        .filter(|f| f.field_type != FormType::Display)
        .map(|f| f.name.as_str())
        .collect();
    let mut out = Vec::new();
    for key in given.keys() {
        if names.contains(&key.as_str()) {
            continue;
        }
        if let Some(f) = fields.iter().find(|f| f.name == *key) {
            out.push(Problem::new(
                f,
                "a display field only shows text; it takes no value",
            ));
            continue;
        }
        let reason = match crate::suggest::did_you_mean(key, names.iter().copied()) {
            Some(near) => format!("no such field in this form; {near}"),
            None if names.is_empty() => "no such field: this form asks for nothing".to_string(),
            None => format!(
                "no such field in this form (its fields: {})",
                names.join(", ")
            ),
        };
        out.push(Problem {
            field: key.clone(),
            field_type: "unknown".into(),
            reason,
        });
    }
    out
}

/// The environment variable a secret can be read from: `ORCH_SECRET_` and the name in
/// capitals, other characters than letters and digits as `_`.
pub fn secret_env_var(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("ORCH_SECRET_{upper}")
}

/// The names of the secret fields, which must never be stored.
pub fn secret_names(pages: &[FormPage]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| &p.fields)
        .filter(|f| f.field_type == FormType::Secret)
        .map(|f| f.name.clone())
        .collect()
}

/// The pages of a form whose process is queued for the workers (`workflow run --queue`,
/// a start through the API), its secrets not required: a worker gives one from its
/// environment (`ORCH_SECRET_<NAME>`), or the process suspends asking for it.
pub fn with_secrets_for_the_worker(pages: &[FormPage]) -> Vec<FormPage> {
    pages.iter().map(page_with_secrets_for_the_worker).collect()
}

/// One page of [`with_secrets_for_the_worker`].
pub fn page_with_secrets_for_the_worker(page: &FormPage) -> FormPage {
    let mut asked = page.clone();
    for field in &mut asked.fields {
        if field.field_type == FormType::Secret {
            field.required = false;
        }
    }
    asked
}

/// The answers minus the secrets: what may be written to the database, events and logs.
pub fn without_secrets(pages: &[FormPage], answers: &Map<String, Value>) -> Map<String, Value> {
    let secrets = secret_names(pages);
    answers
        .iter()
        .filter(|(k, _)| !secrets.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests;
