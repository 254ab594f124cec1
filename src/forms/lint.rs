//! The static lint of form definitions, for `orch workflow check`.
//!
//! Serde already refuses unknown keys and wrong types; this finds what it cannot see:
//! options that make no sense for the field's type, regexes, expressions and templates
//! that do not compile, defaults that could never be accepted, names used twice.

use std::collections::HashMap;

use super::schema::{FieldSpec, FormPage, FormType, plain};
use crate::expr;

/// One finding of the static lint: page `page`, field `field` (None: the page itself),
/// option `key`. Callers turn it into their own key path (`form[0].fields[1].pattern`,
/// `input.fields[1].pattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub page: usize,
    pub field: Option<usize>,
    pub key: String,
    pub problem: String,
}

/// Lints one field on its own: `(option key, problem)` pairs.
pub fn check(field: &FieldSpec) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut bad = |key: &str, problem: String| out.push((key.to_string(), problem));
    let t = field.field_type;

    if !is_identifier(&field.name) {
        bad(
            "name",
            format!(
                "`{}` is not a usable field name: use letters, digits and `_`, not starting with a digit (expressions refer to it as `answers.{}`)",
                field.name, field.name
            ),
        );
    }
    if field.name == "subscription" {
        bad(
            "name",
            "`subscription` is the state key that holds the subscription document, which this answer would replace; name the field otherwise (`subscription_id`, `peer`, …)".into(),
        );
    }
    match (&field.choices, &field.choices_from) {
        (Some(_), Some(_)) => bad(
            "choices_from",
            "give `choices` or `choices_from`, not both".into(),
        ),
        (None, None) if t.has_choices() => bad(
            "type",
            format!("a {t} field needs `choices` or `choices_from`"),
        ),
        _ => {}
    }
    if !t.has_choices() {
        if field.choices.is_some() {
            bad(
                "choices",
                format!("`choices` applies to choice and multi_choice fields, not {t}"),
            );
        }
        if field.choices_from.is_some() {
            bad(
                "choices_from",
                format!("`choices_from` applies to choice and multi_choice fields, not {t}"),
            );
        }
    }
    if let Some(choices) = &field.choices {
        if choices.is_empty() {
            bad("choices", "the list of choices is empty".into());
        }
        let mut seen = Vec::new();
        for c in choices {
            if seen.contains(&&c.value) {
                bad("choices", format!("`{}` is listed twice", plain(&c.value)));
            }
            seen.push(&c.value);
        }
        // A multi_choice that must pick more than it lists can never be answered.
        if let Some(lo) = field.min.filter(|lo| {
            t == FormType::MultiChoice && !choices.is_empty() && *lo > choices.len() as f64
        }) {
            bad(
                "min",
                format!(
                    "`min` ({lo}) asks for more picks than the {} choices listed, so no answer fits",
                    choices.len()
                ),
            );
        }
    }
    if let Some(cmd) = &field.choices_from {
        if cmd.trim().is_empty() {
            bad("choices_from", "the command is empty".into());
        }
    }
    if let Some(p) = &field.pattern {
        if !t.is_textual() {
            bad(
                "pattern",
                format!("`pattern` applies to text, long_text and secret fields, not {t}"),
            );
        } else if let Err(e) = regex::Regex::new(p) {
            bad("pattern", format!("not a valid regex: {e}"));
        }
    }
    let bounded = t.is_number() || t.is_textual() || t == FormType::MultiChoice;
    for (key, bound) in [("min", field.min), ("max", field.max)] {
        if bound.is_some() && !bounded {
            bad(
                key,
                format!("`{key}` applies to numbers, text and multi_choice fields, not {t}"),
            );
        }
        if let Some(b) = bound {
            let whole = t != FormType::Float;
            if whole && (b.fract() != 0.0 || (!t.is_number() && b < 0.0)) {
                bad(
                    key,
                    format!(
                        "`{key}` must be a whole number{} here, got {b}",
                        if t.is_number() { "" } else { " of at least 0" }
                    ),
                );
            }
        }
    }
    if let (Some(lo), Some(hi)) = (field.min, field.max) {
        if lo > hi {
            bad("max", format!("`max` ({hi}) is smaller than `min` ({lo})"));
        }
    }
    for (key, e) in [("validate", &field.validate), ("exclude", &field.exclude)] {
        if let Some(e) = e {
            if let Err(err) = expr::check_expr(e) {
                bad(key, format!("the expression is not valid: {err}"));
            }
        }
    }
    if field.message.is_some() && field.validate.is_none() {
        bad(
            "message",
            "`message` is said when `validate` fails, but there is no `validate`".into(),
        );
    }
    // The message is a template too, so that it can name the rejected `value`.
    if let Some(Err(err)) = field.message.as_deref().map(expr::check_template) {
        bad("message", format!("the template is not valid: {err}"));
    }
    if field.exclude.is_some() && !t.picks() {
        bad(
            "exclude",
            format!("`exclude` applies to choice, multi_choice and subscription fields, not {t}"),
        );
    }
    if t != FormType::Subscription {
        if field.product_tag.is_some() {
            bad(
                "product_tag",
                format!("`product_tag` applies to subscription fields, not {t}"),
            );
        }
        if !field.status.is_empty() {
            bad(
                "status",
                format!("`status` applies to subscription fields, not {t}"),
            );
        }
    }
    if t == FormType::Display {
        match field.template.as_ref().or(field.label.as_ref()) {
            None => bad(
                "template",
                "a display field needs a `template` (or a `label`) to show".into(),
            ),
            Some(text) => {
                if let Err(err) = expr::check_template(text) {
                    let key = if field.template.is_some() {
                        "template"
                    } else {
                        "label"
                    };
                    bad(key, format!("the template is not valid: {err}"));
                }
            }
        }
        // `default` is what someone who means the text to show writes.
        for (key, set, fix) in [
            (
                "default",
                field.default.is_some(),
                "the text it shows is its `template`",
            ),
            ("validate", field.validate.is_some(), "remove it"),
        ] {
            if set {
                bad(
                    key,
                    format!("a display field collects nothing, so `{key}` has no effect; {fix}"),
                );
            }
        }
    } else if field.template.is_some() {
        bad(
            "template",
            format!("`template` applies to display fields, not {t}"),
        );
    }
    if t == FormType::Accept && !field.required {
        bad(
            "required",
            "an accept field must always be ticked; `required = false` has no meaning".into(),
        );
    }
    if let Some(default) = &field.default {
        if t == FormType::Secret {
            bad(
                "default",
                "a secret cannot have a default: it would sit in the definition file".into(),
            );
        } else if t != FormType::Display {
            if let Err(e) = crate::forms::value::check_default(field, default) {
                bad("default", e);
            }
        }
    }
    out
}

/// Lints every field of every page, page templates, and names used twice across the
/// pages (the answers are one map, so a name must be unique in the whole form).
pub fn check_pages(pages: &[FormPage]) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (p, page) in pages.iter().enumerate() {
        if let Some(d) = &page.description {
            if let Err(err) = expr::check_template(d) {
                out.push(Lint {
                    page: p,
                    field: None,
                    key: "description".into(),
                    problem: format!("the template is not valid: {err}"),
                });
            }
        }
        for (f, field) in page.fields.iter().enumerate() {
            for (key, problem) in check(field) {
                out.push(Lint {
                    page: p,
                    field: Some(f),
                    key,
                    problem,
                });
            }
            if let Some((p0, f0)) = seen.insert(&field.name, (p, f)) {
                // Keep the first place as the one to point back at.
                seen.insert(&pages[p0].fields[f0].name, (p0, f0));
                // Named as the diagnostics name places: `fields[0]`, `form[1].fields[2]`.
                let place = if p0 == p {
                    format!("fields[{f0}]")
                } else if pages[p0].title.is_empty() {
                    format!("form[{p0}].fields[{f0}]")
                } else {
                    format!("form[{p0}].fields[{f0}] (page `{}`)", pages[p0].title)
                };
                out.push(Lint {
                    page: p,
                    field: Some(f),
                    key: "name".into(),
                    problem: format!("`{}` is already the name of {place}", field.name),
                });
            }
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(toml_src: &str) -> FieldSpec {
        toml::from_str(toml_src).unwrap()
    }

    fn keys(f: &FieldSpec) -> Vec<String> {
        check(f).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn a_display_field_with_a_default_is_told_of_template() {
        let lints = check(&field(
            "name = 'a'\ntype = 'display'\nlabel = 'Info'\ndefault = 'Hello'",
        ));
        assert_eq!(
            lints,
            [(
                "default".to_string(),
                "a display field collects nothing, so `default` has no effect; the text it shows is its `template`".to_string()
            )]
        );
    }

    #[test]
    fn lints_options_that_do_not_fit() {
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'int'\nchoices = ['x']")),
            ["choices"]
        );
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'choice'\nchoices = ['x']\nchoices_from = 'cmd'"
            )),
            ["choices_from"]
        );
        assert_eq!(keys(&field("name = 'a'\ntype = 'choice'")), ["type"]);
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'text'\npattern = '(['")),
            ["pattern"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'int'\npattern = 'x'")),
            ["pattern"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'text'\nvalidate = 'value =='")),
            ["validate"]
        );
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'choice'\nchoices = ['x']\nexclude = 'value == '"
            )),
            ["exclude"]
        );
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'display'\ntemplate = '{% if %}'"
            )),
            ["template"]
        );
        assert_eq!(keys(&field("name = 'a'\ntype = 'display'")), ["template"]);
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'int'\nmin = 5\nmax = 1")),
            ["max"]
        );
        assert_eq!(keys(&field("name = 'a'\ntype = 'bool'\nmin = 1")), ["min"]);
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'multi_choice'\nchoices = ['x', 'y']\nmin = 3"
            )),
            ["min"]
        );
        assert!(
            check(&field(
                "name = 'a'\ntype = 'multi_choice'\nchoices = ['x', 'y']\nmin = 2"
            ))
            .is_empty()
        );
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'text'\nvalidate = 'true'\nmessage = '{{ x'"
            )),
            ["message"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'text'\nmessage = 'm'")),
            ["message"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'int'\ndefault = 'x'")),
            ["default"]
        );
        assert_eq!(
            keys(&field(
                "name = 'a'\ntype = 'choice'\nchoices = ['x']\ndefault = 'y'"
            )),
            ["default"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'secret'\ndefault = 'hunter2'")),
            ["default"]
        );
        assert_eq!(keys(&field("name = 'a b'\ntype = 'text'")), ["name"]);
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'text'\nproduct_tag = 'NODE'")),
            ["product_tag"]
        );
        assert_eq!(
            keys(&field("name = 'a'\ntype = 'choice'\nchoices = ['x', 'x']")),
            ["choices"]
        );
        assert!(
            check(&field(
                "name = 'a'\ntype = 'display'\nlabel = 'Hello {{ state.x }}'"
            ))
            .is_empty()
        );
    }

    #[test]
    fn duplicate_names_across_pages() {
        let pages: Vec<FormPage> = toml::from_str::<toml::Table>(
            r#"
[[form]]
title = "One"
description = "{{ oops"
fields = [{ name = "a", type = "text" }, { name = "b", type = "text" }]
[[form]]
title = "Two"
fields = [{ name = "a", type = "int" }]
"#,
        )
        .map(|t| t["form"].clone().try_into().unwrap())
        .unwrap();
        let lints = check_pages(&pages);
        assert_eq!(lints.len(), 2, "{lints:?}");
        assert_eq!(
            (lints[0].page, lints[0].field, lints[0].key.as_str()),
            (0, None, "description")
        );
        assert_eq!(
            (lints[1].page, lints[1].field, lints[1].key.as_str()),
            (1, Some(0), "name")
        );
        assert!(
            lints[1]
                .problem
                .ends_with("`a` is already the name of form[0].fields[0] (page `One`)"),
            "{}",
            lints[1].problem
        );
    }
}
