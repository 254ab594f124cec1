//! Asking one field through a [`Prompter`]: which kind of prompt each type gets, what
//! it offers as default, and the check that makes the prompter re-ask.
//!
//! The check handed to the prompter is [`check_value`], the same function that judges
//! `--input` values, so a prompt accepts exactly what the command line accepts.

use serde_json::Value;

use super::choices::ChoiceSet;
use super::collect::check_value;
use super::error::CollectError;
use super::prompt::{Prompter, Question};
use super::schema::{FieldSpec, FormType, plain};
use super::value::{Scope, coerce, is_blank};

/// How a field ended up.
#[derive(Debug)]
pub(crate) enum Settled {
    Value(Value),
    /// Optional and not answered.
    Absent,
    /// Why there is no valid value.
    Problem(String),
}

const REQUIRED: &str = "a value is required";

pub(crate) fn ask(
    p: &mut dyn Prompter,
    field: &FieldSpec,
    choices: Option<&ChoiceSet>,
    scope: &Scope,
) -> Result<Settled, CollectError> {
    let q = Question {
        name: &field.name,
        label: field.title(),
        help: field.help.as_deref(),
    };
    let judge = |v: Value| -> Result<Value, String> { check_value(field, &v, choices, scope) };
    // Blank answers are judged by `required`; the rules only see real values.
    let text_check = |s: &str| -> Result<(), String> {
        let v = Value::String(s.to_string());
        if is_blank(field, &v) {
            return if field.required {
                Err(REQUIRED.into())
            } else {
                Ok(())
            };
        }
        judge(v).map(|_| ())
    };
    let finish_text = |s: String| {
        let v = Value::String(s);
        if is_blank(field, &v) {
            Settled::Absent
        } else {
            settled(judge(v))
        }
    };
    let default_text = field.default.as_ref().map(plain);

    Ok(match field.field_type {
        FormType::Text
        | FormType::Int
        | FormType::Float
        | FormType::Ipv4
        | FormType::Ipv6
        | FormType::Ipv4Network => finish_text(p.text(&q, default_text.as_deref(), &text_check)?),
        FormType::LongText => finish_text(p.long_text(&q, default_text.as_deref(), &text_check)?),
        FormType::Secret => finish_text(p.secret(&q, &text_check)?),
        FormType::Bool | FormType::Accept => {
            let default = field
                .default
                .as_ref()
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let b = p.confirm(&q, default, &|b| judge(Value::Bool(b)).map(|_| ()))?;
            settled(judge(Value::Bool(b)))
        }
        FormType::Choice | FormType::Subscription => {
            let Some(set) = choices.filter(|s| !s.available.is_empty()) else {
                return Ok(nothing_to_pick(field, choices));
            };
            let n = set.available.len();
            let mut items = menu(set);
            if !field.required {
                items.push("(none)".into());
            }
            // An optional field without a default starts on "(none)": Enter alone must
            // not pick a value nobody chose.
            let default = field
                .default
                .as_ref()
                .and_then(|d| set.find(d))
                .and_then(|c| set.available.iter().position(|a| a.value == c.value))
                .or((!field.required).then_some(n));
            let i = p.select(&q, &items, default, &|i| {
                if i < n {
                    judge(set.available[i].value.clone()).map(|_| ())
                } else {
                    Ok(())
                }
            })?;
            match set.available.get(i) {
                Some(c) => settled(judge(c.value.clone())),
                None => Settled::Absent,
            }
        }
        FormType::MultiChoice => {
            let Some(set) = choices.filter(|s| !s.available.is_empty()) else {
                return Ok(nothing_to_pick(field, choices));
            };
            let items = menu(set);
            // `default = "a, b"` means the same as `default = ["a", "b"]`.
            let wanted = match field.default.as_ref().map(|d| coerce(field, d)) {
                Some(Ok(Value::Array(a))) => a,
                _ => Vec::new(),
            };
            let defaults: Vec<bool> = set
                .available
                .iter()
                .map(|c| wanted.iter().any(|w| super::choices::same(&c.value, w)))
                .collect();
            let pick = |idx: &[usize]| {
                let picked = idx.iter().filter_map(|i| set.available.get(*i));
                Value::Array(picked.map(|c| c.value.clone()).collect())
            };
            let check = |idx: &[usize]| {
                let v = pick(idx);
                if is_blank(field, &v) {
                    return if field.required {
                        Err("pick at least one".into())
                    } else {
                        Ok(())
                    };
                }
                judge(v).map(|_| ())
            };
            let idx = p.multi_select(&q, &items, &defaults, &check)?;
            let v = pick(&idx);
            if is_blank(field, &v) {
                Settled::Absent
            } else {
                settled(judge(v))
            }
        }
        FormType::Display => Settled::Absent,
    })
}

fn settled(r: Result<Value, String>) -> Settled {
    match r {
        Ok(v) => Settled::Value(v),
        Err(reason) => Settled::Problem(reason),
    }
}

/// The menu lines of a pick field: each choice's label, and where two share one (two
/// subscriptions with one description) the value beside it, so the lines that look
/// alike can still be told apart.
fn menu(set: &ChoiceSet) -> Vec<String> {
    let labels: Vec<String> = set.available.iter().map(|c| c.display()).collect();
    labels
        .iter()
        .zip(&set.available)
        .map(|(label, c)| {
            let value = plain(&c.value);
            if labels.iter().filter(|l| *l == label).count() > 1 && *label != value {
                format!("{label} · {value}")
            } else {
                label.clone()
            }
        })
        .collect()
}

/// A pick field with an empty menu: a problem if an answer is required.
fn nothing_to_pick(field: &FieldSpec, choices: Option<&ChoiceSet>) -> Settled {
    if !field.required {
        return Settled::Absent;
    }
    Settled::Problem(match choices {
        Some(set) => set.why_empty(),
        None => "there is nothing to choose from".to_string(),
    })
}
