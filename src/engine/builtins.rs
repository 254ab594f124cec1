//! The built-in step kinds (`builtin = "…"` with `with = {…}`).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::domain::workflow::parse_duration;
use crate::expr;

/// What a builtin asks the runner to do.
pub enum BuiltinOutcome {
    /// Merge this patch into the state.
    Patch(Value),
    /// Fail the step with this message.
    Fail(String),
    /// Wait, then succeed.
    Sleep(Duration),
}

/// Runs a builtin against the state. Subscription builtins patch `state.subscription`;
/// the runner then validates and stores it like any other change of the subscription.
pub fn run(name: &str, with: &Map<String, Value>, state: &Value) -> BuiltinOutcome {
    let ctx = Context::new(state);
    let render = |key: &str| -> Result<String, String> {
        let t = with.get(key).and_then(Value::as_str).unwrap_or_default();
        ctx.render(t)
            .map_err(|e| format!("template `{key}` failed: {e}"))
    };
    let needs_subscription = || -> Result<(), String> {
        if state.get("subscription").is_some_and(Value::is_object) {
            Ok(())
        } else {
            Err(format!(
                "builtin `{name}` needs a subscription in the state, and there is none"
            ))
        }
    };
    let result: Result<BuiltinOutcome, String> = match name {
        "noop" => Ok(BuiltinOutcome::Patch(json!({}))),
        "render" => {
            let key = with
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or("rendered");
            render("template").map(|text| BuiltinOutcome::Patch(json!({ key: text })))
        }
        "set" => {
            let values = with.get("values").cloned().unwrap_or(json!({}));
            render_strings(&values, &ctx, &mut "values".to_string()).map(BuiltinOutcome::Patch)
        }
        "set_description" => needs_subscription()
            .and_then(|_| render("description"))
            .map(|d| BuiltinOutcome::Patch(json!({"subscription": {"description": d.trim()}}))),
        "set_note" => needs_subscription()
            .and_then(|_| render("note"))
            .map(|n| BuiltinOutcome::Patch(json!({"subscription": {"note": n.trim()}}))),
        "set_status" => needs_subscription().map(|_| {
            let status = with.get("status").cloned().unwrap_or(Value::Null);
            BuiltinOutcome::Patch(json!({"subscription": {"status": status}}))
        }),
        "fail" => Ok(BuiltinOutcome::Fail(match render("message") {
            // An empty reason would read as no reason at all: say where it came from.
            Ok(text) if text.trim().is_empty() => format!(
                "builtin `fail` failed the step; its message `{}` rendered empty",
                with.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
            Ok(text) => text,
            Err(e) => e,
        })),
        "sleep" => with
            .get("duration")
            .and_then(Value::as_str)
            .ok_or_else(|| "`with.duration` is missing".to_string())
            .and_then(parse_duration)
            .map(BuiltinOutcome::Sleep),
        other => Err(format!("unknown builtin `{other}`")),
    };
    result.unwrap_or_else(BuiltinOutcome::Fail)
}

/// What templates see (`state`), built only when a template needs it: copying a large
/// state for a step that renders nothing would cost more than the step itself.
struct Context<'a> {
    state: &'a Value,
    built: std::cell::OnceCell<Value>,
}

impl<'a> Context<'a> {
    fn new(state: &'a Value) -> Context<'a> {
        Context {
            state,
            built: std::cell::OnceCell::new(),
        }
    }

    /// Renders `template`; text without template syntax renders to itself (trailing
    /// newlines are kept), so it is returned as it is.
    fn render(&self, template: &str) -> Result<String, String> {
        if !["{{", "{%", "{#"].iter().any(|m| template.contains(m)) {
            return Ok(template.to_string());
        }
        let ctx = self.built.get_or_init(|| json!({ "state": self.state }));
        expr::render(template, ctx)
    }
}

/// Renders every string of a value as a template; other values stay as they are. A
/// template that fails is named by its path (`values.subscription.node.name`), as
/// `workflow check` names it, so a `set` of many values says which one.
fn render_strings(v: &Value, ctx: &Context<'_>, path: &mut String) -> Result<Value, String> {
    let len = path.len();
    let below = |path: &mut String, seg: std::fmt::Arguments<'_>, v: &Value| {
        path.push_str(&seg.to_string());
        let out = render_strings(v, ctx, path);
        path.truncate(len);
        out
    };
    Ok(match v {
        Value::String(t) => Value::String(
            ctx.render(t)
                .map_err(|e| format!("template `{path}` failed: {e}"))?,
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| below(path, format_args!("[{i}]"), item))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, item)| Ok((k.clone(), below(path, format_args!(".{k}"), item)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}
