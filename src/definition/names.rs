//! `workflow check`'s warning for a name an expression or template reads that its
//! context never gives.
//!
//! Undefined values chain (see `expr`), so a typo is not an error when it runs:
//! `if = "stat.role == 'core'"` is false for ever, and `validate = "vlue > 3"` refuses
//! every value with the field's own message. Each place is looked at with the names its
//! context gives (DESIGN §7, §14): a form field's `validate`, `exclude`, `message` and
//! display `text` see `value`, `answers` and `state`; a callback's `validate` and
//! `message` see `value` and `state`; every other expression and template sees `state`.
//! A warning rather than an error: the file still loads and runs as it did.

use super::{Diagnostic, Seg, Source};

/// Where a string is read, and what its context holds.
#[derive(Clone, Copy)]
enum Scope {
    Step,
    Field,
    Callback,
}

impl Scope {
    fn names(self) -> &'static [&'static str] {
        match self {
            Scope::Step => &["state"],
            Scope::Field => &["value", "answers", "state"],
            Scope::Callback => &["value", "state"],
        }
    }
}

/// Keys whose strings are expressions.
const EXPRESSIONS: &[&str] = &["if", "foreach", "validate", "exclude"];
/// Keys whose strings are templates (besides the arguments of a builtin, a child's
/// `input` and `locks`, which are all templates).
const TEMPLATES: &[&str] = &["message", "description", "text", "subscription"];

/// One warning per unknown name in the workflow file `src` (none if it does not parse:
/// its errors say more).
pub fn unknown(src: &Source) -> Vec<Diagnostic> {
    let Ok(doc) = toml::from_str::<toml::Table>(&src.text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut path = Vec::new();
    table(&doc, Scope::Step, false, &mut path, src, &mut out);
    out
}

fn table(
    t: &toml::Table,
    scope: Scope,
    all_templates: bool,
    path: &mut Vec<Seg>,
    src: &Source,
    out: &mut Vec<Diagnostic>,
) {
    // A `workflow` step's `input` holds its child's answers: templates, each of them.
    let child_step = t.contains_key("workflow");
    for (key, v) in t {
        path.push(Seg::from(key.as_str()));
        let inner = match key.as_str() {
            "fields" => Scope::Field,
            "callback" => Scope::Callback,
            _ => scope,
        };
        let templates = all_templates
            || matches!(key.as_str(), "with" | "locks")
            || (key == "input" && child_step);
        match v {
            toml::Value::String(s) if EXPRESSIONS.contains(&key.as_str()) && !all_templates => {
                flag(s, true, scope, path, src, out);
            }
            toml::Value::String(s) if templates || TEMPLATES.contains(&key.as_str()) => {
                flag(s, false, scope, path, src, out);
            }
            _ => value(v, inner, templates, path, src, out),
        }
        path.pop();
    }
}

fn value(
    v: &toml::Value,
    scope: Scope,
    all_templates: bool,
    path: &mut Vec<Seg>,
    src: &Source,
    out: &mut Vec<Diagnostic>,
) {
    match v {
        toml::Value::Table(t) => table(t, scope, all_templates, path, src, out),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::from(i));
                match item {
                    toml::Value::String(s) if all_templates => {
                        flag(s, false, scope, path, src, out);
                    }
                    _ => value(item, scope, all_templates, path, src, out),
                }
                path.pop();
            }
        }
        toml::Value::String(s) if all_templates => flag(s, false, scope, path, src, out),
        _ => {}
    }
}

fn flag(
    source: &str,
    is_expr: bool,
    scope: Scope,
    path: &[Seg],
    src: &Source,
    out: &mut Vec<Diagnostic>,
) {
    if !is_expr && !["{{", "{%"].iter().any(|m| source.contains(m)) {
        return;
    }
    let names = scope.names();
    for name in crate::expr::unknown_names(source, is_expr, names) {
        let seen = match names {
            [one] => format!("`{one}`"),
            [init @ .., last] => format!(
                "{} and `{last}`",
                init.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            [] => "nothing".to_string(),
        };
        let mut message = format!(
            "`{name}` is not defined here, so it is always undefined (this {} sees {seen})",
            if is_expr { "expression" } else { "template" }
        );
        if let Some(near) = crate::suggest::did_you_mean(&name, names.iter().copied()) {
            message.push_str(&format!("; {near}"));
        }
        out.push(src.diagnostic(path, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(text: &str) -> Vec<String> {
        unknown(&Source::new("w.toml", text.to_string()))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_place_is_read_with_the_names_its_context_gives() {
        let w = warnings(
            r#"name = "w"
target = "system"
[[form]]
fields = [ { name = "n", type = "int", validate = "vlue > 3 and answers.x", message = "{{ value }} {{ nope }}" } ]
[[step]]
name = "a"
if = "stat.x == 1"
builtin = "render"
with = { key = "k", template = "{{ state.a }} {{ answers.b }}" }
[[step]]
name = "b"
callback = { validate = "value.ok and state.y and answers.z" }
[[step]]
name = "c"
workflow = "kid"
input = { speed = "{{ state.speed }}", other = "{{ speed }}" }
locks = ["ipam:{{ pool }}"]
[[step]]
name = "d"
input.message = "{{ state.a }}"
input.fields = [ { name = "ok", type = "bool", exclude = "value == state.a and answers.q" } ]
"#,
        );
        let named: Vec<&str> = w
            .iter()
            .map(|l| l.split('`').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(
            named,
            [
                "vlue", "nope", "stat", "answers", "answers", "speed", "pool"
            ],
            "{w:#?}"
        );
        assert!(w[0].starts_with("w.toml:4:"), "{}", w[0]);
        assert!(w[0].contains("did you mean `value`?"), "{}", w[0]);
        assert!(w[2].contains("did you mean `state`?"), "{}", w[2]);
    }

    #[test]
    fn a_file_that_does_not_parse_or_uses_only_its_names_has_no_warning() {
        assert!(warnings("name = \"w\"\n[[step]\n").is_empty());
        assert!(
            warnings(
                "name = \"w\"\n[[step]]\nname = \"a\"\nif = \"state.x and range(3) | length\"\nrun = \"echo {{ x }}\"\n"
            )
            .is_empty()
        );
    }
}
