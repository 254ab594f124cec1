//! Which secrets a process needs again: secrets are never stored, so a process that is
//! retried or resumed later gets them anew, from `ORCH_SECRET_<NAME>` or a prompt.
//! And how a secret's value is masked wherever a step could carry it into what is
//! stored: its output (the state), its errors and its stderr.

use serde_json::{Map, Value};

use crate::domain::workflow::{StepKind, WorkflowDef};
use crate::forms::{FieldSpec, FormType, secret_env_var};
use crate::store::processes::StepRow;

/// The secret fields of the initial form and of the input steps the process passed.
pub fn needed(def: &WorkflowDef, log: &[StepRow]) -> Vec<FieldSpec> {
    let is_secret = |f: &&FieldSpec| f.field_type == FormType::Secret;
    let mut fields: Vec<FieldSpec> = def
        .form
        .iter()
        .flat_map(|p| &p.fields)
        .filter(is_secret)
        .cloned()
        .collect();
    // Input steps inside branches too; a branch's step is matched by its own name.
    for s in def.all_steps() {
        if let StepKind::Input { fields: f, .. } = &s.kind {
            if log.iter().any(|r| {
                r.name == s.name && r.status == crate::domain::process::StepStatus::Success
            }) {
                fields.extend(f.iter().filter(is_secret).cloned());
            }
        }
    }
    fields
}

/// `--set` keys (a skip's) that name a secret field of `def`: a value given there would
/// be stored, as no secret is; refused with a usage error.
pub fn refuse_set(
    def: &WorkflowDef,
    keys: impl IntoIterator<Item = String>,
) -> Result<(), crate::error::Error> {
    let steps = def.all_steps();
    let inputs = steps.iter().filter_map(|s| match &s.kind {
        StepKind::Input { fields, .. } => Some(fields),
        _ => None,
    });
    let secrets: Vec<&str> = def
        .form
        .iter()
        .map(|p| &p.fields)
        .chain(inputs)
        .flatten()
        .filter(|f| f.field_type == FormType::Secret)
        .map(|f| f.name.as_str())
        .collect();
    let secret = |k: &str| secrets.contains(&k);
    let named: Vec<String> = keys.into_iter().filter(|k| secret(k)).collect();
    if named.is_empty() {
        return Ok(());
    }
    Err(crate::error::Error::usage(format!(
        "{} is a secret field: a value set here would be stored, and secrets never are",
        named.join(", ")
    ))
    .with_hint(format!(
        "give it where the process runs instead ({})",
        named
            .iter()
            .map(|n| secret_env_var(n))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The secrets found in the environment, for runs nobody can be asked in (the
/// scheduler); a missing one is left out, and the step that needs it says so.
pub fn from_env(fields: &[FieldSpec]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            std::env::var(secret_env_var(&f.name))
                .ok()
                .map(|v| (f.name.clone(), Value::String(v)))
        })
        .collect()
}

/// What stands in for a secret's value.
pub const MASK: &str = "********";

/// Below this length a secret is masked only where it stands alone (between
/// characters that are not letters or digits): masking every `x` of a one-letter
/// secret would garble the text and, by the gaps, show the secret all the same.
const SHORT: usize = 4;

/// `text` with each occurrence of `secret` masked, also as JSON writes it (quotes and
/// backslashes escaped, and with every non-ASCII character as `\uXXXX`, as Python's
/// `json.dumps` does): a step that prints its input gets it escaped.
pub fn mask(text: &str, secret: &str) -> String {
    let mut out = mask_as_is(text, secret);
    for written in json_forms(secret) {
        out = mask_as_is(&out, &written);
    }
    out
}

/// The ways JSON writes `secret` that differ from it.
fn json_forms(secret: &str) -> Vec<String> {
    let quoted = serde_json::to_string(secret).unwrap_or_default();
    let escaped = quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string();
    let mut ascii = String::new();
    for c in escaped.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    let mut forms = Vec::new();
    for f in [escaped, ascii] {
        if f != secret && !f.is_empty() && !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms
}

fn mask_as_is(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        return text.to_string();
    }
    if secret.chars().count() >= SHORT {
        return text.replace(secret, MASK);
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, _) in text.match_indices(secret) {
        let end = at + secret.len();
        let alone = !word(text[..at].chars().next_back()) && !word(text[end..].chars().next());
        out.push_str(&text[done..at]);
        out.push_str(if alone { MASK } else { secret });
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// `value` with every secret masked in its strings, at any depth (a step that copies
/// a secret into its output does not get it stored).
pub fn mask_value(value: &mut Value, secrets: &Map<String, Value>) {
    match value {
        Value::String(s) => {
            for secret in secrets.values().filter_map(Value::as_str) {
                if s.contains(secret) && !secret.is_empty() {
                    *s = mask(s, secret);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask_value(v, secrets)),
        Value::Object(m) => {
            // A secret may be a key too.
            let entries = std::mem::take(m);
            for (mut k, mut v) in entries {
                for secret in secrets.values().filter_map(Value::as_str) {
                    if !secret.is_empty() && k.contains(secret) {
                        k = mask(&k, secret);
                    }
                }
                mask_value(&mut v, secrets);
                m.insert(k, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_masked_and_a_short_one_only_where_it_stands_alone() {
        assert_eq!(mask("pw=hunter2!", "hunter2"), "pw=********!");
        assert_eq!(
            mask("extra x, (x) box", "x"),
            "extra ********, (********) box"
        );
        assert_eq!(mask("x", "x"), "********");
        assert_eq!(mask("ab-abc", "ab"), "********-abc");
        // As JSON writes it.
        assert_eq!(
            mask(r#"{"pw":"pa\"ss\\1word"}"#, "pa\"ss\\1word"),
            r#"{"pw":"********"}"#
        );
        assert_eq!(
            mask(r#"{"pw":"\u20ac-long"}"#, "€-long"),
            r#"{"pw":"********"}"#
        );
        let mut v = serde_json::json!({"copied": "token hunter2", "list": ["hunter2", 3], "keep": "xray", "hunter2": 1});
        let secrets: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"pw": "hunter2", "k": "x"})).unwrap();
        mask_value(&mut v, &secrets);
        assert_eq!(
            v,
            serde_json::json!({"copied": "token ********", "list": ["********", 3], "keep": "xray", "********": 1})
        );
    }
}
