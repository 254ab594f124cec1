//! Choice lists: reading what a `choices_from` command printed, and applying `exclude`.
//!
//! Forms never run commands themselves (the caller's `ChoiceSource` does, with the
//! project's environment and timeouts); they only read the output, so that the shape
//! rules and their error messages live in one place next to the definitions' own
//! `choices`.

use serde_json::Value;

use super::schema::{Choice, FieldSpec, plain};
use super::value::Scope;
use crate::expr;

/// The choices of a field once `exclude` has run: what may be picked, and what was
/// taken away (kept to explain a rejection better than "not one of").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChoiceSet {
    pub available: Vec<Choice>,
    pub excluded: Vec<Choice>,
    /// Where the choices came from, said when there are none (`` `cmd` returned an empty
    /// list ``, `no subscription has product tag NODE`).
    pub origin: Option<String>,
    /// A subscription field: a unique prefix of an id picks it, as on the command line.
    pub by_prefix: bool,
    /// What the field lists, said when a value is none of it (`the active subscriptions
    /// of product tag NODE`): an id that exists but fails the filters is refused with why.
    pub takes: Option<String>,
}

impl ChoiceSet {
    /// The available choice a value names, if any.
    pub fn find(&self, v: &Value) -> Option<&Choice> {
        self.available.iter().find(|c| same(&c.value, v))
    }

    /// The available choice a value names (or, for subscriptions, starts), or why none.
    pub(crate) fn pick(&self, v: &Value) -> Result<&Choice, String> {
        // Ids are stored in lower case; one typed in capitals names the same, as
        // `orch process show` takes it.
        let lowered;
        let v = match v.as_str() {
            Some(s) if self.by_prefix => {
                lowered = Value::String(s.to_ascii_lowercase());
                &lowered
            }
            _ => v,
        };
        if let Some(c) = self.find(v) {
            return Ok(c);
        }
        let prefix = v.as_str().filter(|s| self.by_prefix && s.len() >= 4);
        if let Some(prefix) = prefix {
            let starting: Vec<&Choice> = self
                .available
                .iter()
                .filter(|c| c.value.as_str().is_some_and(|id| id.starts_with(prefix)))
                .collect();
            match starting.as_slice() {
                [one] => return Ok(one),
                [] => {}
                several => {
                    return Err(format!(
                        "`{prefix}` is the start of several ids; give more of it:{}",
                        block(several.iter().copied(), several.len())
                    ));
                }
            }
        }
        Err(self.refusal(v))
    }

    /// Whether `v` names a choice `exclude` took away: its value, or for a subscription
    /// field the start of only such ids, as [`pick`](Self::pick) reads a prefix.
    fn is_excluded(&self, v: &Value) -> bool {
        if self.excluded.iter().any(|c| same(&c.value, v)) {
            return true;
        }
        let Some(prefix) = v.as_str().filter(|s| self.by_prefix && s.len() >= 4) else {
            return false;
        };
        let starts = |c: &&Choice| c.value.as_str().is_some_and(|id| id.starts_with(prefix));
        self.excluded.iter().any(|c| starts(&c)) && !self.available.iter().any(|c| starts(&c))
    }

    /// Why `v` cannot be picked, for a value that [`pick`](Self::pick) did not find.
    pub(crate) fn refusal(&self, v: &Value) -> String {
        let shown = format!("`{}`", plain(v));
        if self.is_excluded(v) {
            return format!("{shown} cannot be picked here (excluded by this field's `exclude`)");
        }
        if self.available.is_empty() {
            return format!("{shown} cannot be picked: {}", self.why_empty());
        }
        match &self.takes {
            Some(takes) => format!(
                "{shown} is not {}",
                self.one_of()
                    .replacen("one of", &format!("one of {takes}"), 1)
            ),
            None => format!("{shown} is not {}", self.one_of()),
        }
    }

    /// Why there is nothing to pick: every choice excluded, or none listed at all.
    pub fn why_empty(&self) -> String {
        match (self.excluded.len(), &self.origin) {
            (0, Some(origin)) => format!("there is nothing to choose from: {origin}"),
            (0, None) => "there is nothing to choose from".to_string(),
            (n, _) => format!(
                "there is nothing to choose from: all {n} choices are excluded by this field's `exclude`"
            ),
        }
    }

    /// `one of a, b, c`: the available values, shortened when there are many; one per
    /// line with its label when they have labels (subscription ids mean nothing without
    /// their descriptions).
    pub(crate) fn one_of(&self) -> String {
        let labelled = self
            .available
            .iter()
            .any(|c| c.label.as_ref().is_some_and(|l| *l != plain(&c.value)));
        if labelled {
            return format!(
                "one of:{}",
                block(self.available.iter(), self.available.len())
            );
        }
        let mut names: Vec<String> = self
            .available
            .iter()
            .take(SHOWN)
            .map(|c| plain(&c.value))
            .collect();
        if self.available.len() > SHOWN {
            names.push(format!("… ({} more)", self.available.len() - SHOWN));
        }
        format!("one of {}", names.join(", "))
    }
}

/// A field's problem without the list of choices [`ChoiceSet::one_of`] added to it
/// (`missing, required; pick one of …`, `` `x` is not one of … ``), for a form that shows
/// the choices in the field itself; `None` when it lists none.
pub fn without_the_choices(reason: &str) -> Option<String> {
    for (pick, from_the_list) in [
        ("; pick one of", "pick one from the list"),
        ("; pick one or more of", "pick one or more from the list"),
    ] {
        if let Some((head, _)) = reason.split_once(pick) {
            return Some(match head {
                "missing, required" => format!("required: {from_the_list}"),
                other => format!("{other}: {from_the_list}"),
            });
        }
    }
    reason
        .split_once(" is not one of")
        .map(|(head, _)| format!("{head} is not one of the choices"))
}

/// How many choices a message lists.
const SHOWN: usize = 10;

/// Choices one per line, `value  label`, indented under a problem line.
fn block<'a>(choices: impl Iterator<Item = &'a Choice>, total: usize) -> String {
    let shown: Vec<(String, Option<&String>)> = choices
        .take(SHOWN)
        .map(|c| (plain(&c.value), c.label.as_ref()))
        .collect();
    // The labels in one column, however long the values before them.
    let width = shown
        .iter()
        .map(|(v, _)| v.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (value, label) in &shown {
        match label {
            Some(l) => out.push_str(&format!("\n      {value:<width$}  {l}")),
            None => out.push_str(&format!("\n      {value}")),
        }
    }
    if total > SHOWN {
        out.push_str(&format!("\n      … ({} more)", total - SHOWN));
    }
    out
}

/// Whether a given value names a choice. A string names a non-string choice by its
/// text, because `--input port=3` and prompts only ever produce strings; a number
/// names a number choice of the same value however it is written.
pub(crate) fn same(choice: &Value, v: &Value) -> bool {
    choice == v
        || matches!(v, Value::String(s) if !choice.is_string() && plain(choice) == *s)
        // Numbers by their value, as JSON Schema's `enum` compares them: 10.0 is 10
        // (two whole numbers are equal above, exactly).
        || matches!((choice, v), (Value::Number(a), Value::Number(b))
            if (a.is_f64() || b.is_f64()) && a.as_f64() == b.as_f64())
}

/// Splits `all` by the field's `exclude` expression, which sees each choice as `value`.
pub(crate) fn apply_exclude(
    field: &FieldSpec,
    all: Vec<Choice>,
    scope: &Scope,
) -> Result<ChoiceSet, String> {
    let Some(rule) = &field.exclude else {
        return Ok(ChoiceSet {
            available: all,
            ..ChoiceSet::default()
        });
    };
    let mut set = ChoiceSet::default();
    for c in all {
        let gone = expr::eval_bool(rule, &scope.with_value(&c.value)).map_err(|e| {
            format!(
                "the `exclude` expression failed for `{}`: {e}",
                plain(&c.value)
            )
        })?;
        if gone {
            set.excluded.push(c);
        } else {
            set.available.push(c);
        }
    }
    Ok(set)
}

/// Reads the stdout of a `choices_from` command: a JSON array of scalars or of
/// `{"value": …, "label": "…"}` objects (other keys in the objects are ignored, so a
/// script can pass an API's records through).
pub fn parse_choices(stdout: &[u8]) -> Result<Vec<Choice>, String> {
    const SHAPE: &str = "a JSON array of values or of {\"value\", \"label\"} objects";
    let text = std::str::from_utf8(stdout)
        .map_err(|_| format!("the output is not UTF-8 text; expected {SHAPE}"))?;
    if text.trim().is_empty() {
        return Err(format!("the command printed nothing; expected {SHAPE}"));
    }
    let json: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "the output is not JSON ({e}): `{}`; expected {SHAPE}",
            excerpt(text)
        )
    })?;
    let Value::Array(items) = json else {
        return Err(format!("the output is {}, expected {SHAPE}", kind(&json)));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Choice::from_json(item, false).map_err(|e| format!("item {} of the output: {e}", i + 1))
        })
        .collect()
}

fn excerpt(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default();
    let cut: String = line.chars().take(60).collect();
    if cut.len() < text.trim().len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::FormType;
    use serde_json::{Map, json};

    #[test]
    fn parses_scalars_and_objects() {
        let got =
            parse_choices(br#"["r1", 2, {"value": "r3", "label": "Router 3", "site": "ams"}]"#)
                .unwrap();
        assert_eq!(
            got,
            vec![
                Choice::new("r1", None),
                Choice::new(2, None),
                Choice::new("r3", Some("Router 3".into()))
            ]
        );
        assert_eq!(parse_choices(b" []\n").unwrap(), vec![]);
    }

    #[test]
    fn garbage_and_wrong_shapes_say_what_was_expected() {
        let err = parse_choices(b"Traceback (most recent call last):").unwrap_err();
        assert!(
            err.contains("not JSON") && err.contains("Traceback"),
            "{err}"
        );
        assert!(parse_choices(b"").unwrap_err().contains("printed nothing"));
        let err = parse_choices(br#"{"value": "a"}"#).unwrap_err();
        assert!(err.contains("is an object, expected a JSON array"), "{err}");
        let err = parse_choices(br#"["a", {"label": "B"}]"#).unwrap_err();
        assert!(
            err.contains("item 2") && err.contains("needs a `value`"),
            "{err}"
        );
        let err = parse_choices(br#"["a", null]"#).unwrap_err();
        assert!(err.contains("item 2"), "{err}");
        let err = parse_choices(br#"[{"value": [1]}]"#).unwrap_err();
        assert!(err.contains("string, number or boolean"), "{err}");
        assert!(parse_choices(&[0xff, 0xfe]).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn exclude_removes_choices_and_explains() {
        let mut f = FieldSpec::new("b_side", FormType::Choice);
        f.exclude = Some("value == answers.a_side".into());
        let mut answers = Map::new();
        answers.insert("a_side".into(), json!("r1"));
        let state = json!({});
        let scope = Scope {
            answers: &answers,
            state: &state,
        };
        let all = vec![Choice::new("r1", None), Choice::new("r2", None)];
        let set = apply_exclude(&f, all, &scope).unwrap();
        assert_eq!(set.available, vec![Choice::new("r2", None)]);
        assert!(set.find(&json!("r1")).is_none());
        assert!(set.refusal(&json!("r1")).contains("excluded"));
        assert_eq!(set.refusal(&json!("r9")), "`r9` is not one of r2");
        // A form shows the choices in the field: its problem leaves them out.
        assert_eq!(
            without_the_choices(&set.refusal(&json!("r9"))).as_deref(),
            Some("`r9` is not one of the choices")
        );
        assert_eq!(
            without_the_choices(&format!("missing, required; pick {}", set.one_of())).as_deref(),
            Some("required: pick one from the list")
        );
        assert_eq!(
            without_the_choices("missing, required; pick one or more of r2").as_deref(),
            Some("required: pick one or more from the list")
        );
        assert_eq!(without_the_choices("missing, required"), None);
    }

    #[test]
    fn strings_name_numeric_choices() {
        assert!(same(&json!(3), &json!("3")));
        assert!(!same(&json!("3"), &json!(3)));
    }
}
