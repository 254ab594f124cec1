//! Expressions (`if`, `validate`, `exclude`) and templates (`message`, `render`,
//! descriptions) in one Jinja-compatible language, through minijinja.
//!
//! The environment has no loader and no functions that reach outside: a template can
//! read the context it is given and nothing else (no files, no commands). Undefined
//! values chain (`state.a.b` is undefined, not an error, when `a` is missing), which is
//! what Ansible users expect from `when:`-style conditions.

use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior, Value};

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| new_env(UndefinedBehavior::Chainable))
}

/// The same language where a missing value is an error, for names that must not
/// silently lose a part (lock names).
fn strict_env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| new_env(UndefinedBehavior::Strict))
}

fn new_env(undefined: UndefinedBehavior) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(undefined);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter(
        "tojson_pretty",
        |v: Value| -> Result<String, minijinja::Error> {
            let json = serde_json::to_value(&v).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
            })?;
            Ok(serde_json::to_string_pretty(&json).unwrap_or_default())
        },
    );
    env
}

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Checks that an expression parses.
pub fn check_expr(expr: &str) -> Result<(), String> {
    env()
        .compile_expression(expr)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Checks that a template parses.
pub fn check_template(template: &str) -> Result<(), String> {
    env()
        .template_from_str(template)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Evaluates an expression to a JSON value.
pub fn eval(expr: &str, ctx: &serde_json::Value) -> Result<serde_json::Value, String> {
    let compiled = env().compile_expression(expr).map_err(|e| describe(&e))?;
    let value = compiled
        .eval(Value::from_serialize(ctx))
        .map_err(|e| describe(&e))?;
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::to_value(&value).map_err(|e| e.to_string())
}

/// Evaluates an expression for its truth (Jinja truthiness: empty and undefined are false).
pub fn eval_bool(expr: &str, ctx: &serde_json::Value) -> Result<bool, String> {
    let compiled = env().compile_expression(expr).map_err(|e| describe(&e))?;
    let value = compiled
        .eval(Value::from_serialize(ctx))
        .map_err(|e| describe(&e))?;
    Ok(value.is_true())
}

/// Renders a template.
pub fn render(template: &str, ctx: &serde_json::Value) -> Result<String, String> {
    env()
        .render_str(template, Value::from_serialize(ctx))
        .map_err(|e| describe(&e))
}

/// Renders a template in which every value it reads must exist (`default(…)` still
/// gives one that does not).
pub fn render_strict(template: &str, ctx: &serde_json::Value) -> Result<String, String> {
    strict_env()
        .render_str(template, Value::from_serialize(ctx))
        .map_err(|e| describe(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_and_templates() {
        let ctx = json!({"state": {"role": "core", "n": 3}});
        assert!(eval_bool("state.role == 'core'", &ctx).unwrap());
        assert!(!eval_bool("state.missing.deeper", &ctx).unwrap());
        assert_eq!(eval("state.n + 1", &ctx).unwrap(), json!(4));
        assert_eq!(render("hi {{ state.role }}", &ctx).unwrap(), "hi core");
        assert!(check_expr("state.role ==").is_err());
        assert!(check_template("{% if %}").is_err());
    }

    #[test]
    fn strict_rendering_refuses_what_is_missing() {
        let ctx = json!({"state": {"pool": "a"}});
        assert_eq!(
            render_strict("ipam:{{ state.pool }}", &ctx).unwrap(),
            "ipam:a"
        );
        assert!(render_strict("ipam:{{ state.nope }}", &ctx).is_err());
        assert_eq!(
            render_strict("d:{{ state.nope | default('x') }}", &ctx).unwrap(),
            "d:x"
        );
    }

    #[test]
    fn templates_cannot_reach_outside() {
        let ctx = json!({});
        assert!(render("{% include '/etc/passwd' %}", &ctx).is_err());
        assert!(render("{{ range(10000000000) }}", &ctx).is_err());
    }
}
