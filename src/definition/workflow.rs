//! Parsing `workflows/*.toml` into [`WorkflowDef`], with every problem placed in the file.

use serde::Deserialize;

use super::waits::check_locks;
use super::{Diagnostic, Seg, Source};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::workflow::{
    ScheduleDef, StepDef, StepKind, Target, WorkflowDef, parse_duration,
};
use crate::forms::schema::FormPage;
use crate::key_path;

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a workflow table (`name`, `target`, `[[step]]`s)"
)]
struct RawWorkflow {
    name: String,
    target: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    products: Vec<String>,
    status: Option<String>,
    usable_when: Option<Vec<String>>,
    blocked_by_in_use: Option<bool>,
    #[serde(default)]
    usable_while_out_of_sync: bool,
    #[serde(default)]
    form: Vec<FormPage>,
    #[serde(default)]
    step: Vec<super::steps::RawStep>,
    schedule: Option<RawSchedule>,
    locks: Option<Vec<String>>,
}

/// A `[schedule]` table as written: in a workflow file, or `[schedule.NAME]` in
/// orch.toml for a built-in task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a schedule table")]
pub struct RawSchedule {
    pub cron: Option<String>,
    pub every: Option<String>,
    pub timezone: Option<String>,
}

/// The built-in step kinds and the `with` keys each accepts.
pub const BUILTINS: &[(&str, &[&str], &str)] = &[
    ("noop", &[], "does nothing"),
    (
        "set_status",
        &["status"],
        "sets the subscription's lifecycle state",
    ),
    (
        "set_description",
        &["description"],
        "renders a template into the subscription's description",
    ),
    (
        "set_note",
        &["note"],
        "renders a template into the subscription's note",
    ),
    (
        "render",
        &["key", "template"],
        "renders a template into a state key",
    ),
    (
        "set",
        &["values"],
        "merges values into the state; strings are rendered as templates",
    ),
    (
        "fail",
        &["message"],
        "fails the step with a rendered message",
    ),
    (
        "sleep",
        &["duration"],
        "waits, for demonstrations and tests",
    ),
];

/// Step names the targets add; a user's step may not take them.
pub const RESERVED_STEPS: &[&str] = &[
    "Start",
    "Done",
    "Create subscription",
    "Lock subscription",
    "Unlock subscription",
];

pub fn parse(src: &Source) -> Result<WorkflowDef, Vec<Diagnostic>> {
    match parse_partial(src) {
        (Some(def), diags) if diags.is_empty() => Ok(def),
        (_, diags) => Err(diags),
    }
}

/// Parses as much as it can: the definition, without the steps that are wrong (None
/// when the file is not even TOML of the right shape), and every problem found. `workflow
/// check` looks at the rest of a broken file too, so one run reports every mistake.
pub fn parse_partial(src: &Source) -> (Option<WorkflowDef>, Vec<Diagnostic>) {
    let (raw, mut refused) = src.deserialize_each::<RawWorkflow>();
    let Some(raw) = raw else {
        src.every_missing_key(&mut refused, &["name", "target"]);
        return (None, refused);
    };
    let mut diags: Vec<Diagnostic> = refused;
    let mut parser = super::steps::Steps::new(src).knowing_refused(&diags);
    // A form field whose `type` was refused was read with a stand-in type: what the
    // lint would say of its other options is about the stand-in, not the file.
    let refused_paths: Vec<String> = diags.iter().map(|d| d.path.clone()).collect();
    let mut err = |path: Vec<Seg>, msg: String| diags.push(src.diagnostic(&path, msg));

    if raw.name.trim().is_empty() {
        err(key_path!["name"], "`name` must not be empty".into());
    } else if let Some(why) = crate::domain::path::unseen_in_name(&raw.name) {
        err(
            key_path!["name"],
            format!(
                "workflow name `{}` cannot be used: {why}",
                raw.name.escape_debug()
            ),
        );
    } else if raw.name.starts_with('-') {
        err(
            key_path!["name"],
            format!(
                "workflow name `{}` cannot be used: it starts with `-`, so `orch workflow run {}` reads it as an option",
                raw.name, raw.name
            ),
        );
    }
    // A target that is no target is said once; the checks that depend on the target
    // are left out rather than made against a guess.
    let target_known = raw.target.parse::<Target>().is_ok();
    let target = raw.target.parse::<Target>().unwrap_or_else(|e| {
        err(key_path!["target"], e);
        Target::System
    });
    if target != Target::System && raw.products.is_empty() {
        err(
            key_path!["products"],
            format!(
                "a {target} workflow needs `products = [\"TAG\", …]`, the product tags it applies to"
            ),
        );
    }
    let status = match &raw.status {
        None => None,
        Some(s) => match s.parse::<Lifecycle>() {
            Ok(Lifecycle::Terminated | Lifecycle::Initial) if target == Target::Create => {
                err(
                    key_path!["status"],
                    "a create workflow leaves its subscription provisioning, active or disabled (`terminated` and `initial` are not where a creation ends)".into(),
                );
                None
            }
            Ok(l) if target == Target::Create => Some(l),
            Ok(_) => {
                err(
                    key_path!["status"],
                    "`status` only applies to create workflows".into(),
                );
                None
            }
            Err(e) => {
                err(key_path!["status"], e);
                None
            }
        },
    };
    if let Some(list) = &raw.usable_when {
        if target == Target::Create || (target == Target::System && target_known) {
            err(
                key_path!["usable_when"],
                format!(
                    "`usable_when` only applies to modify, validate and terminate workflows (a {target} workflow runs on no existing subscription)"
                ),
            );
        } else if list.is_empty() {
            err(
                key_path!["usable_when"],
                "`usable_when = []` lets the workflow run on no subscription at all; list the lifecycle states it takes, or leave it out for the target's default".into(),
            );
        }
    }
    // What decides whether a workflow may run on an existing subscription means
    // nothing to one that runs on none.
    if target == Target::Create || (target == Target::System && target_known) {
        for (key, given) in [
            ("blocked_by_in_use", raw.blocked_by_in_use.is_some()),
            ("usable_while_out_of_sync", raw.usable_while_out_of_sync),
        ] {
            if given {
                err(
                    key_path![key],
                    format!(
                        "`{key}` only applies to modify, validate and terminate workflows (a {target} workflow runs on no existing subscription)"
                    ),
                );
            }
        }
    }
    let usable_when = raw.usable_when.as_ref().map(|list| {
        list.iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.parse::<Lifecycle>()
                    .map_err(|e| err(key_path!["usable_when", i], e))
                    .ok()
            })
            .collect::<Vec<_>>()
    });

    let steps = parser.list(&raw.step, &key_path!["step"], 0);
    // A `step` refused for its shape (`[step]`) is the problem already said.
    let step_refused = refused_paths.iter().any(|p| p == "step");
    if raw.step.is_empty() && target == Target::System && target_known && !step_refused {
        err(
            key_path!["name"],
            "a task needs at least one [[step]]".into(),
        );
    }

    // The built-ins that change the subscription, where the target has none to change
    // or must not change its lifecycle: refused here, not when the step runs. The steps
    // are placed in the file only when one is refused: placing them reads the file a
    // second time, which a large valid file should not pay for on every command.
    let any_refused = || {
        crate::domain::workflow::every_step(&steps)
            .into_iter()
            .any(|s| refused_change(s, target).is_some())
    };
    if target_known && any_refused() {
        for (step, mut at) in super::steps::walk(&steps, &key_path!["step"], src) {
            let Some((builtin, why)) = refused_change(step, target) else {
                continue;
            };
            if builtin == "set" {
                at.extend(key_path!["with", "values", "subscription"]);
            } else {
                at.push(Seg::from("builtin"));
            }
            err(at, format!("`{builtin}`: {why}"));
        }
    }

    let schedule = raw.schedule.as_ref().and_then(|s| {
        if target != Target::System && target_known {
            err(
                key_path!["schedule"],
                "only tasks (`target = \"system\"`) can have a schedule".into(),
            );
        }
        check_schedule(s, &key_path!["schedule"], &mut err)
    });
    if schedule.is_some() {
        unanswerable_when_scheduled(&raw.form, &mut err);
    }

    let locks = check_locks(raw.locks.as_deref(), &key_path!["locks"], &mut err);
    // What serde cannot see in the form: defaults of the wrong type, choice fields
    // without choices, names used twice, expressions and templates that do not parse.
    for lint in crate::forms::check_pages(&raw.form) {
        let mut path = key_path!["form", lint.page];
        if let Some(field) = lint.field {
            path.extend(key_path!["fields", field]);
            let typed = format!("{}.type", super::render_path(&path));
            if refused_paths.contains(&typed) {
                continue;
            }
        }
        path.push(Seg::from(lint.key.as_str()));
        err(path, lint.problem);
    }
    // The `product` answer is orch's in a create workflow: it asks which product when
    // several take new subscriptions (which loading a product can change at any time).
    if target == Target::Create {
        for (p, page) in raw.form.iter().enumerate() {
            for (f, field) in page.fields.iter().enumerate() {
                if field.name == "product" {
                    err(
                        key_path!["form", p, "fields", f, "name"],
                        "`product` is the field orch adds to a create workflow's form when several products match its tags; name the field otherwise".into(),
                    );
                }
            }
        }
    }

    diags.append(&mut parser.diags);
    diags.sort_by_key(|d| (d.line, d.col));
    let def = WorkflowDef {
        name: raw.name,
        target,
        description: raw.description,
        products: raw.products,
        status,
        usable_when,
        blocked_by_in_use: raw.blocked_by_in_use,
        usable_while_out_of_sync: raw.usable_while_out_of_sync,
        form: raw.form,
        steps,
        schedule,
        locks,
    };
    (Some(def), diags)
}

/// A scheduled run has no one to answer its form: it takes each field's default, so a
/// required field without one would leave every scheduled run refused. Secrets are
/// left out: they come from `ORCH_SECRET_<NAME>` in the scheduler's environment.
fn unanswerable_when_scheduled(pages: &[FormPage], err: &mut dyn FnMut(Vec<Seg>, String)) {
    use crate::forms::FormType;
    for (p, page) in pages.iter().enumerate() {
        for (f, field) in page.fields.iter().enumerate() {
            let asked = !matches!(field.field_type, FormType::Display | FormType::Secret);
            if asked && field.required && field.default.is_none() {
                err(
                    key_path!["form", p, "fields", f],
                    format!(
                        "`{}` is required and has no default, but the task has a [schedule]: a scheduled run answers its form with the defaults (give it a `default`, or make it optional with `required = false`)",
                        field.name
                    ),
                );
            }
        }
    }
}

/// Checks a schedule table (`at` is its key path): `cron` or `every`, a cron expression
/// that parses, a known time zone.
pub fn check_schedule(
    s: &RawSchedule,
    at: &[Seg],
    err: &mut dyn FnMut(Vec<Seg>, String),
) -> Option<ScheduleDef> {
    let key = |k: &str| {
        let mut p = at.to_vec();
        p.push(Seg::from(k));
        p
    };
    let every = match &s.every {
        Some(e) => Some(parse_duration(e).map_err(|m| err(key("every"), m)).ok()?),
        None => None,
    };
    let def = ScheduleDef {
        cron: s.cron.clone(),
        every,
        timezone: s.timezone.clone(),
    };
    if let Err(m) = crate::schedule::Spec::from_def(&def) {
        let place = match (&s.cron, &s.timezone) {
            (Some(c), _)
                if !c
                    .parse::<crate::schedule::Cron>()
                    .is_ok_and(|c| c.matches_some_day()) =>
            {
                key("cron")
            }
            (_, Some(_)) => key("timezone"),
            (None, None) if s.every.is_some() => key("every"),
            _ => at.to_vec(),
        };
        err(place, m);
        return None;
    }
    Some(def)
}

/// Checks a builtin's `with` arguments; `err` gets the path of a problem below `with`.
pub(super) fn check_builtin_args(
    name: &str,
    with: &serde_json::Map<String, serde_json::Value>,
    err: &mut dyn FnMut(Vec<Seg>, String),
) {
    let template_keys: &[&str] = match name {
        "set_description" => &["description"],
        "set_note" => &["note"],
        "render" => &["template"],
        "fail" => &["message"],
        _ => &[],
    };
    for k in template_keys {
        match with.get(*k) {
            Some(serde_json::Value::String(t)) => {
                if let Err(e) = crate::expr::check_template(t) {
                    err(key_path![*k], format!("template is not valid: {e}"));
                }
            }
            Some(_) => err(key_path![*k], format!("`{k}` must be a string")),
            None => {}
        }
    }
    match name {
        "set_status" => {
            if let Some(v) = with.get("status") {
                if let Err(e) = v.as_str().unwrap_or("").parse::<Lifecycle>() {
                    err(key_path!["status"], e);
                }
            }
        }
        "render" => {
            if let Some(v) = with.get("key") {
                if v.as_str().is_none_or(str::is_empty) {
                    err(
                        key_path!["key"],
                        "`key` must be the name of a state key".into(),
                    );
                } else if v.as_str() == Some("subscription") {
                    err(
                        key_path!["key"],
                        "rendered text cannot replace `state.subscription` (the subscription document); choose another key, or change the subscription's fields with `builtin = \"set\"` (`values.subscription.…`)".into(),
                    );
                }
            }
        }
        "set" => {
            if let Some(v) = with.get("values") {
                if !v.is_object() {
                    err(
                        key_path!["values"],
                        "`values` must be a table of state keys".into(),
                    );
                }
                if v.get("subscription").is_some_and(|s| !s.is_object()) {
                    err(
                        key_path!["values", "subscription"],
                        "`values.subscription` is merged into the subscription document, so it must be a table of its keys (`values.subscription.description = \"…\"`)".into(),
                    );
                }
                // Every string in `values` is a template, however deep it sits.
                each_string(v, &mut key_path!["values"], &mut |path, t| {
                    if let Err(e) = crate::expr::check_template(t) {
                        err(path.to_vec(), format!("template is not valid: {e}"));
                    }
                });
            }
        }
        "sleep" => {
            if let Some(v) = with.get("duration") {
                if let Err(e) = parse_duration(v.as_str().unwrap_or("?")) {
                    err(key_path!["duration"], e);
                }
            }
        }
        _ => {}
    }
}

/// Calls `f` with every string of `v` and its path (`path` is where `v` sits).
fn each_string(v: &serde_json::Value, path: &mut Vec<Seg>, f: &mut dyn FnMut(&[Seg], &str)) {
    match v {
        serde_json::Value::String(t) => f(path, t),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                each_string(item, path, f);
                path.pop();
            }
        }
        serde_json::Value::Object(m) => {
            for (k, item) in m {
                path.push(Seg::from(k.as_str()));
                each_string(item, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Converts a TOML value into JSON (dates become RFC 3339 strings).
pub fn toml_to_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Why a workflow of `target` may not run `step`, a built-in that changes the
/// subscription, with the built-in's name; None: it may.
fn refused_change(step: &StepDef, target: Target) -> Option<(&str, &'static str)> {
    let StepKind::Builtin { builtin, with } = &step.kind else {
        return None;
    };
    // `set` changes the subscription through `values.subscription`.
    let sets = with
        .get("values")
        .and_then(|v| v.get("subscription"))
        .filter(|_| builtin == "set");
    // What the builtin changes of the subscription: its fields, its lifecycle.
    let (fields, lifecycle) = match builtin.as_str() {
        "set_description" | "set_note" => (true, false),
        "set_status" => (true, true),
        "set" => (
            sets.is_some(),
            sets.is_some_and(|s| s.get("status").is_some()),
        ),
        _ => return None,
    };
    let why = match target {
        Target::System if fields => "a task runs on no subscription, so it has none to change",
        Target::Validate if lifecycle => {
            "a validate workflow checks a subscription and never changes its lifecycle"
        }
        _ => return None,
    };
    Some((builtin.as_str(), why))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<WorkflowDef, Vec<Diagnostic>> {
        parse(&Source::new("workflows/w.toml", text.to_string()))
    }

    #[test]
    fn parses_steps() {
        let w = parse_str(
            r#"
name = "t"
target = "system"
[[step]]
name = "a"
run = "true"
timeout = "30s"
retry = { attempts = 3, delay = "2s" }
[[step]]
name = "b"
builtin = "render"
with = { key = "x", template = "{{ state.a }}" }
if = "state.a == 1"
"#,
        )
        .unwrap();
        assert_eq!(w.steps.len(), 2);
        assert_eq!(w.steps[0].retry.as_ref().unwrap().attempts, 3);
    }

    #[test]
    fn a_valid_file_is_read_once() {
        // Every command loads every workflow file: one that is valid must not pay for the
        // document that places problems (twice the memory on a file of 10,000 steps).
        let text = r#"
name = "t"
target = "system"
[[step]]
name = "a"
builtin = "set"
with = { values = { n = 1 } }
[[step]]
name = "each"
foreach = "state.items"
steps = [ { name = "b", builtin = "noop" } ]
"#;
        let src = Source::new("workflows/w.toml", text.to_string());
        assert!(parse(&src).is_ok());
        assert!(!src.was_placed());
        // A task that changes a subscription is refused, in its place.
        let wrong = text.replace("builtin = \"noop\"", "builtin = \"set_note\"");
        let src = Source::new("workflows/w.toml", wrong);
        let problems = parse(&src).unwrap_err();
        assert!(src.was_placed());
        assert!(
            problems
                .iter()
                .any(|d| d.path == "step[1].steps[0].builtin"
                    && d.message.contains("none to change")),
            "{problems:?}"
        );
    }

    #[test]
    fn lifecycle_keys_fit_the_target() {
        let steps = "[[step]]\nname = \"a\"\nbuiltin = \"noop\"\n";
        for (head, says) in [
            (
                "target = \"create\"\nproducts = [\"N\"]\nusable_when = [\"active\"]",
                "only applies to modify, validate and terminate",
            ),
            (
                "target = \"modify\"\nproducts = [\"N\"]\nusable_when = []",
                "run on no subscription at all",
            ),
            (
                "target = \"create\"\nproducts = [\"N\"]\nstatus = \"terminated\"",
                "not where a creation ends",
            ),
        ] {
            let d = parse_str(&format!("name = \"t\"\n{head}\n{steps}")).unwrap_err();
            assert!(d.iter().any(|d| d.message.contains(says)), "{head}: {d:?}");
        }
        for head in [
            "target = \"create\"\nproducts = [\"N\"]\nblocked_by_in_use = false",
            "target = \"system\"\nusable_while_out_of_sync = true",
        ] {
            let d = parse_str(&format!("name = \"t\"\n{head}\n{steps}")).unwrap_err();
            assert!(
                d.iter().any(|d| d
                    .message
                    .contains("only applies to modify, validate and terminate")),
                "{head}: {d:?}"
            );
        }
    }

    /// A list element of the wrong type does not hide the file's other problems.
    #[test]
    fn a_wrong_element_in_a_list_does_not_hide_the_rest() {
        let d = parse_str(
            "name = \"t\"\ntarget = \"system\"\nlocks = [\"dev:a\", 5]\n[[step]]\nname = \"S\"\nbuiltin = \"noop\"\nlocks = \"notalist\"\n",
        )
        .unwrap_err();
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["locks[1]", "step[0].locks"], "{d:?}");
    }

    /// A step's kind key of the wrong type is named once, not also as missing.
    #[test]
    fn a_kind_key_of_the_wrong_type_is_not_also_missing() {
        let d = parse_str("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"C\"\nrun = 5\n")
            .unwrap_err();
        let said: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("invalid type: integer `5`"), "{said:?}");
        // With no kind at all, the step is told what it lacks.
        let d =
            parse_str("name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"C\"\n").unwrap_err();
        assert!(d[0].message.contains("needs one of `run`"), "{d:?}");
    }

    /// The built-ins that change a subscription are refused where there is none to
    /// change (a task) or where its lifecycle must not change (a validation).
    #[test]
    fn builtins_that_change_the_subscription_fit_the_target() {
        for (head, builtin, says) in [
            (
                "target = \"system\"",
                "set_note",
                "a task runs on no subscription",
            ),
            (
                "target = \"system\"",
                "set_status",
                "a task runs on no subscription",
            ),
            (
                "target = \"validate\"\nproducts = [\"N\"]",
                "set_status",
                "never changes its lifecycle",
            ),
        ] {
            let text = format!(
                "name = \"t\"\n{head}\n[[step]]\nname = \"a\"\nparallel = [ {{ name = \"x\", steps = [ {{ name = \"b\", builtin = \"{builtin}\" }} ] }} ]\n"
            );
            let d = parse_str(&text).unwrap_err();
            assert!(
                d.iter()
                    .any(|d| d.message.contains(says) && d.path.ends_with(".builtin")),
                "{head}: {d:?}"
            );
        }
        let ok = "name = \"t\"\ntarget = \"modify\"\nproducts = [\"N\"]\n[[step]]\nname = \"a\"\nbuiltin = \"set_status\"\nwith = { status = \"disabled\" }\n";
        assert!(parse_str(ok).is_ok());
    }

    #[test]
    fn duplicate_names_and_bad_expressions_are_placed() {
        let d = parse_str(
            "name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nrun = \"true\"\n[[step]]\nname = \"a\"\nbuiltin = \"noop\"\nif = \"state.x ==\"\n",
        )
        .unwrap_err();
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("workflows/w.toml:7:1") && t.contains("duplicate")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("step[1].if")), "{text:?}");
    }

    #[test]
    fn a_bad_cron_is_placed_at_its_value() {
        let d = parse_str(
            "name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nrun = \"true\"\n[schedule]\ncron = \"0 25 * * *\"\n",
        )
        .unwrap_err();
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter().any(|t| t.starts_with("workflows/w.toml:7:")
                && t.contains("schedule.cron")
                && t.contains("hour: `25` is out of range")),
            "{text:?}"
        );
        let d = parse_str(
            "name = \"t\"\ntarget = \"system\"\n[[step]]\nname = \"a\"\nrun = \"true\"\n[schedule]\nevery = \"1h\"\ncron = \"* * * * *\"\n",
        )
        .unwrap_err();
        assert!(d[0].message.contains("either"), "{d:?}");
    }
}
