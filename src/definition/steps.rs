//! Parsing the `[[step]]` tables of a workflow file, at any depth: the steps of
//! `parallel` branches and of `foreach` groups are parsed by the same code as the
//! top-level ones, and every problem is placed at its key path in the file.

use std::collections::HashMap;

use serde::Deserialize;

use super::waits::{RawCallback, check_callback, check_locks};
use super::workflow::{BUILTINS, RESERVED_STEPS, check_builtin_args, toml_to_json};
use super::{Diagnostic, Seg, Source};
use crate::domain::path;
use crate::domain::workflow::{
    BranchDef, DEFAULT_ITEM, RetryPolicy, StepDef, StepKind, parse_duration, parse_step_timeout,
};
use crate::forms::schema::FieldSpec;

/// How deep groups nest: a group in a branch of a group in a branch of a group.
pub const MAX_GROUP_DEPTH: usize = 3;

/// The most branches a group runs at once, whatever `max_parallel` asks.
pub const MAX_PARALLEL: i64 = 10_000;

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a step table (`name` and one of `run`, `input`, `builtin`, `parallel`, `foreach`, `workflow`, `callback`)"
)]
pub(super) struct RawStep {
    name: String,
    run: Option<String>,
    /// An input step's form, or a child workflow's answers: which one depends on
    /// `workflow`, so it is read as a plain table first.
    input: Option<toml::Value>,
    builtin: Option<String>,
    with: Option<toml::Table>,
    #[serde(rename = "if")]
    condition: Option<String>,
    timeout: Option<String>,
    retry: Option<RawRetry>,
    parallel: Option<Vec<RawBranch>>,
    foreach: Option<String>,
    #[serde(rename = "as")]
    item: Option<String>,
    max_parallel: Option<i64>,
    collect: Option<String>,
    fail_fast: Option<bool>,
    steps: Option<Vec<RawStep>>,
    workflow: Option<String>,
    subscription: Option<String>,
    callback: Option<RawCallback>,
    locks: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a branch table like `{ name = \"A side\", steps = [ … ] }`"
)]
struct RawBranch {
    name: String,
    #[serde(default)]
    steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an input table (`message`, `fields`, optional `title`)"
)]
struct RawInput {
    title: Option<String>,
    message: Option<String>,
    #[serde(default)]
    fields: Vec<FieldSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table like `{ attempts = 3, delay = \"2s\" }`"
)]
struct RawRetry {
    attempts: u32,
    delay: Option<String>,
    backoff: Option<f64>,
}

/// The step parser of one file: its diagnostics, and what must be unique across the
/// whole workflow.
pub(super) struct Steps<'s> {
    src: &'s Source,
    pub diags: Vec<Diagnostic>,
    /// Each `collect` key and where it was given.
    collects: HashMap<String, Vec<Seg>>,
    /// The paths of keys already refused (a wrong type, say), taken out before the
    /// steps were read: a step is not blamed again for lacking them.
    refused: Vec<String>,
}

fn at(base: &[Seg], leaf: &[&str]) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.extend(leaf.iter().map(|l| Seg::from(*l)));
    p
}

/// What kind of step a raw step is, before its parts are checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Run,
    Input,
    Builtin,
    Callback,
    Parallel,
    Foreach,
    Workflow,
}

impl Shape {
    fn word(self) -> &'static str {
        match self {
            Shape::Run => "a `run` step",
            Shape::Input => "an `input` step",
            Shape::Builtin => "a `builtin` step",
            Shape::Callback => "a `callback` step",
            Shape::Parallel => "a `parallel` step",
            Shape::Foreach => "a `foreach` step",
            Shape::Workflow => "a `workflow` step",
        }
    }
}

impl<'s> Steps<'s> {
    pub fn new(src: &'s Source) -> Self {
        Steps {
            src,
            diags: Vec::new(),
            collects: HashMap::new(),
            refused: Vec::new(),
        }
    }

    /// Steps that know which keys were already refused (see [`Steps::refused`]).
    pub fn knowing_refused(mut self, refused: &[Diagnostic]) -> Self {
        self.refused = refused.iter().map(|d| d.path.clone()).collect();
        self
    }

    fn err(&mut self, path: Vec<Seg>, message: String) {
        self.diags.push(self.src.diagnostic(&path, message));
    }

    /// Parses a list of steps at key path `list` (`step`, `step[2].steps`, …);
    /// `depth` counts the groups around it.
    pub fn list(&mut self, raw: &[RawStep], list: &[Seg], depth: usize) -> Vec<StepDef> {
        let mut out = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, rs) in raw.iter().enumerate() {
            let mut here = list.to_vec();
            here.push(Seg::from(i));
            if rs.name.trim().is_empty() {
                self.err(at(&here, &["name"]), "a step needs a name".into());
            } else if let Some(why) = path::unseen_in_name(&rs.name) {
                self.err(
                    at(&here, &["name"]),
                    format!(
                        "step name `{}` cannot be used: {why}",
                        rs.name.escape_debug()
                    ),
                );
            } else if let Some(first) = seen.insert(rs.name.as_str(), i) {
                let place = if depth == 0 { "" } else { " of this branch" };
                self.err(
                    at(&here, &["name"]),
                    format!(
                        "duplicate step name `{}` (`[{first}]`{place} has it too); steps are matched by name",
                        rs.name
                    ),
                );
            } else if depth == 0
                && (RESERVED_STEPS.contains(&rs.name.as_str())
                    || rs.name.starts_with("Set status "))
            {
                self.err(
                    at(&here, &["name"]),
                    format!(
                        "`{}` is kept for the steps targets add ({}, `Set status …`); choose another name",
                        rs.name,
                        RESERVED_STEPS
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else if let Some(why) = path::ambiguous_name(&rs.name) {
                self.err(
                    at(&here, &["name"]),
                    format!(
                        "step name `{}` cannot be used: {why}",
                        rs.name.escape_debug()
                    ),
                );
            }
            if let Some(s) = self.one(rs, &here, depth) {
                out.push(s);
            }
        }
        out
    }

    fn shape(&mut self, rs: &RawStep, here: &[Seg]) -> Option<Shape> {
        let child = rs.workflow.is_some();
        // A callback step may run a program first: its `run` belongs to it.
        let callback = rs.callback.is_some();
        let kinds = [
            (rs.run.is_some() && !callback, Shape::Run),
            (callback, Shape::Callback),
            (rs.input.is_some() && !child, Shape::Input),
            (rs.builtin.is_some(), Shape::Builtin),
            (rs.parallel.is_some(), Shape::Parallel),
            (rs.foreach.is_some(), Shape::Foreach),
            (child && rs.foreach.is_none(), Shape::Workflow),
        ];
        let found: Vec<Shape> = kinds.iter().filter(|k| k.0).map(|k| k.1).collect();
        let kind_refused = || {
            let step = super::render_path(here);
            [
                "run", "input", "builtin", "callback", "parallel", "foreach", "workflow",
            ]
            .iter()
            .any(|k| self.refused.iter().any(|p| *p == format!("{step}.{k}")))
        };
        match found.as_slice() {
            [one] => Some(*one),
            [] if kind_refused() => None,
            [] => {
                self.err(
                    at(here, &["name"]),
                    format!(
                        "step `{}` needs one of `run`, `input`, `builtin`, `callback`, `parallel`, `foreach` or `workflow`",
                        rs.name
                    ),
                );
                None
            }
            _ => {
                self.err(
                    at(here, &["name"]),
                    format!(
                        "step `{}` is {} at once; a step does one thing",
                        rs.name,
                        found
                            .iter()
                            .map(|s| s.word())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                None
            }
        }
    }

    /// Keys that only some shapes take, said once each when given to another.
    fn misplaced_keys(&mut self, rs: &RawStep, here: &[Seg], shape: Shape) {
        use Shape::*;
        let keys: [(&str, bool, &[Shape]); 12] = [
            ("with", rs.with.is_some(), &[Builtin]),
            // Only a program is stopped when its time is up: an input step waits for a
            // person, a builtin takes no time (a `sleep` has its `duration`).
            ("timeout", rs.timeout.is_some(), &[Run, Callback]),
            ("retry", rs.retry.is_some(), &[Run, Builtin]),
            (
                "locks",
                rs.locks.is_some(),
                &[Run, Input, Builtin, Callback],
            ),
            ("as", rs.item.is_some(), &[Foreach]),
            ("collect", rs.collect.is_some(), &[Foreach]),
            (
                "max_parallel",
                rs.max_parallel.is_some(),
                &[Parallel, Foreach],
            ),
            ("fail_fast", rs.fail_fast.is_some(), &[Parallel, Foreach]),
            ("steps", rs.steps.is_some(), &[Foreach]),
            (
                "subscription",
                rs.subscription.is_some(),
                &[Workflow, Foreach],
            ),
            ("workflow", rs.workflow.is_some(), &[Workflow, Foreach]),
            (
                "input",
                rs.input.is_some() && rs.workflow.is_some(),
                &[Workflow, Foreach],
            ),
        ];
        for (key, given, shapes) in keys {
            if given && !shapes.contains(&shape) {
                let goes = shapes
                    .iter()
                    .map(|s| s.word())
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.err(
                    at(here, &[key]),
                    format!(
                        "`{key}` does not apply to {}; it goes with {goes}",
                        shape.word()
                    ),
                );
            }
        }
        if shape == Foreach && rs.workflow.is_none() && rs.subscription.is_some() {
            self.err(
                at(here, &["subscription"]),
                "`subscription` goes with `workflow` (each branch's child process)".into(),
            );
        }
    }

    fn one(&mut self, rs: &RawStep, here: &[Seg], depth: usize) -> Option<StepDef> {
        let shape = self.shape(rs, here);
        if let Some(shape) = shape {
            self.misplaced_keys(rs, here, shape);
        }
        let kind = match shape? {
            Shape::Run => {
                let run = rs.run.clone().unwrap_or_default();
                self.check_run(&run, here);
                StepKind::Run { run }
            }
            Shape::Input => self.input_step(rs.input.as_ref()?, here)?,
            Shape::Builtin => self.builtin(rs, here),
            Shape::Callback => self.callback(rs, here)?,
            Shape::Parallel => self.parallel(rs, here, depth),
            Shape::Foreach => self.foreach(rs, here, depth)?,
            Shape::Workflow => self.child(rs, here),
        };
        if let Some(c) = &rs.condition {
            if let Err(e) = crate::expr::check_expr(c) {
                self.err(at(here, &["if"]), format!("expression is not valid: {e}"));
            }
        }
        let timeout = rs.timeout.as_ref().and_then(|t| {
            parse_step_timeout(t)
                .map_err(|e| self.err(at(here, &["timeout"]), e))
                .ok()
        });
        let retry = rs.retry.as_ref().and_then(|r| self.retry(r, here));
        let locks = self.locks(rs, here);
        Some(StepDef {
            name: rs.name.clone(),
            kind,
            condition: rs.condition.clone(),
            timeout,
            retry,
            locks,
        })
    }

    /// A `run` command: something to run, and nothing `sh -c` cannot be given.
    fn check_run(&mut self, run: &str, here: &[Seg]) {
        if run.trim().is_empty() {
            self.err(at(here, &["run"]), "`run` must name a program".into());
        } else if run.contains('\0') {
            self.err(
                at(here, &["run"]),
                "`run` holds a NUL character (`\\u0000`), which no command line can carry".into(),
            );
        }
    }

    /// A callback step (DESIGN §14). Inside a branch the branch rests on it, and its
    /// group (and process) awaits the callback once every other branch is at rest.
    fn callback(&mut self, rs: &RawStep, here: &[Seg]) -> Option<StepKind> {
        if let Some(run) = &rs.run {
            self.check_run(run, here);
        }
        let mut found = Vec::new();
        let callback = check_callback(rs.callback.as_ref()?, &rs.name, here, &mut |p, m| {
            found.push((p, m))
        });
        for (p, m) in found {
            self.err(p, m);
        }
        Some(StepKind::Callback {
            run: rs.run.clone(),
            callback,
        })
    }

    /// A step's `locks`: held for the step, at any depth (inside a branch, for the
    /// step's path).
    fn locks(&mut self, rs: &RawStep, here: &[Seg]) -> Vec<String> {
        let mut found = Vec::new();
        let locks = check_locks(rs.locks.as_deref(), &at(here, &["locks"]), &mut |p, m| {
            found.push((p, m))
        });
        for (p, m) in found {
            self.err(p, m);
        }
        locks
    }

    fn input_step(&mut self, v: &toml::Value, here: &[Seg]) -> Option<StepKind> {
        if !v.is_table() {
            // serde would read a list as the table's keys in order and blame `input[0]`
            // for not being a title.
            self.err(
                at(here, &["input"]),
                format!(
                    "`input` must be a table (`fields`, optional `message` and `title`), not {}; write `input.fields = [{{ name = \"ok\", type = \"bool\" }}]`",
                    v.type_str()
                ),
            );
            return None;
        }
        let input: RawInput = match serde_path_to_error::deserialize(v.clone()) {
            Ok(i) => i,
            Err(e) => {
                let inner = super::clean_serde_path(&e.path().to_string());
                let mut place = at(here, &["input"]);
                place.extend(super::parse_rendered_path(&inner));
                let message = e.into_inner().message().trim().to_string();
                self.err(place, message);
                return None;
            }
        };
        if let Some(m) = &input.message {
            if let Err(e) = crate::expr::check_template(m) {
                self.err(
                    at(here, &["input", "message"]),
                    format!("template is not valid: {e}"),
                );
            }
        }
        let page = crate::forms::schema::FormPage {
            title: String::new(),
            description: None,
            fields: input.fields,
        };
        for lint in crate::forms::check_pages(std::slice::from_ref(&page)) {
            let mut path = at(here, &["input"]);
            if let Some(field) = lint.field {
                path.extend(crate::key_path!["fields", field]);
                // Read with a stand-in for a refused `type`: its lint would be about
                // the stand-in.
                let typed = format!("{}.type", super::render_path(&path));
                if self.refused.contains(&typed) {
                    continue;
                }
            }
            path.push(Seg::from(lint.key.as_str()));
            self.err(path, lint.problem);
        }
        let input = RawInput {
            fields: page.fields,
            ..input
        };
        Some(StepKind::Input {
            title: input.title,
            message: input.message,
            fields: input.fields,
        })
    }

    fn builtin(&mut self, rs: &RawStep, here: &[Seg]) -> StepKind {
        let name = rs.builtin.clone().unwrap_or_default();
        let with: serde_json::Map<String, serde_json::Value> = rs
            .with
            .clone()
            .map(|t| toml_to_json(toml::Value::Table(t)))
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        match BUILTINS.iter().find(|(n, _, _)| *n == name) {
            None => {
                let names: Vec<_> = BUILTINS.iter().map(|(n, _, _)| *n).collect();
                self.err(
                    at(here, &["builtin"]),
                    format!("unknown builtin `{name}` (known: {})", names.join(", ")),
                );
            }
            Some((_, keys, _)) => {
                for k in with.keys() {
                    if !keys.contains(&k.as_str()) {
                        self.err(
                            at(here, &["with", k.as_str()]),
                            format!(
                                "builtin `{name}` takes no `{k}` (it takes: {})",
                                if keys.is_empty() {
                                    "nothing".to_string()
                                } else {
                                    keys.join(", ")
                                }
                            ),
                        );
                    }
                }
                for k in keys.iter() {
                    if !with.contains_key(*k) && name != "noop" {
                        self.err(
                            at(here, &["with"]),
                            format!("builtin `{name}` needs `with.{k}`"),
                        );
                    }
                }
                let mut found = Vec::new();
                check_builtin_args(&name, &with, &mut |below, m| found.push((below, m)));
                for (below, m) in found {
                    let mut path = at(here, &["with"]);
                    path.extend(below);
                    self.err(path, m);
                }
            }
        }
        StepKind::Builtin {
            builtin: name,
            with,
        }
    }

    fn retry(&mut self, r: &RawRetry, here: &[Seg]) -> Option<RetryPolicy> {
        if r.attempts == 0 {
            self.err(
                at(here, &["retry", "attempts"]),
                "`attempts` counts every attempt, so it is at least 1".into(),
            );
        }
        let delay = match &r.delay {
            None => Some(std::time::Duration::from_secs(1)),
            Some(d) => parse_duration(d)
                .map_err(|e| self.err(at(here, &["retry", "delay"]), e))
                .ok(),
        }?;
        let backoff = r.backoff.unwrap_or(1.0);
        if !(1.0..=100.0).contains(&backoff) {
            self.err(
                at(here, &["retry", "backoff"]),
                "`backoff` multiplies the delay; use a number from 1 to 100".into(),
            );
        }
        Some(RetryPolicy {
            attempts: r.attempts.max(1),
            delay,
            backoff,
        })
    }

    /// A group inside `depth` others: refused past [`MAX_GROUP_DEPTH`].
    fn deep_enough(&mut self, rs: &RawStep, here: &[Seg], depth: usize) -> bool {
        if depth + 1 > MAX_GROUP_DEPTH {
            self.err(
                at(here, &["name"]),
                format!(
                    "step `{}` nests groups {} deep; orch runs groups at most {MAX_GROUP_DEPTH} deep (a group in a branch of a group in a branch of a group)",
                    rs.name,
                    depth + 1
                ),
            );
            return false;
        }
        true
    }

    fn max_parallel(&mut self, rs: &RawStep, here: &[Seg]) -> Option<usize> {
        let n = rs.max_parallel?;
        if !(1..=MAX_PARALLEL).contains(&n) {
            self.err(
                at(here, &["max_parallel"]),
                format!(
                    "`max_parallel` is how many branches run at once: from 1 to {MAX_PARALLEL}"
                ),
            );
            return None;
        }
        usize::try_from(n).ok()
    }

    fn parallel(&mut self, rs: &RawStep, here: &[Seg], depth: usize) -> StepKind {
        let raw = rs.parallel.as_deref().unwrap_or_default();
        let deep_enough = self.deep_enough(rs, here, depth);
        if raw.is_empty() {
            self.err(
                at(here, &["parallel"]),
                format!("parallel step `{}` has no branches", rs.name),
            );
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut branches = Vec::new();
        for (j, b) in raw.iter().enumerate() {
            let bat = {
                let mut p = at(here, &["parallel"]);
                p.push(Seg::from(j));
                p
            };
            if b.name.trim().is_empty() {
                self.err(at(&bat, &["name"]), "a branch needs a name".into());
            } else if let Some(why) = path::unseen_in_name(&b.name) {
                self.err(
                    at(&bat, &["name"]),
                    format!(
                        "branch name `{}` cannot be used: {why}",
                        b.name.escape_debug()
                    ),
                );
            } else if let Some(first) = names.insert(b.name.as_str(), j) {
                self.err(
                    at(&bat, &["name"]),
                    format!(
                        "duplicate branch name `{}` (`[{first}]` has it too); branches are matched by name",
                        b.name
                    ),
                );
            } else if let Some(why) = path::ambiguous_name(&b.name) {
                self.err(
                    at(&bat, &["name"]),
                    format!(
                        "branch name `{}` cannot be used: {why}",
                        b.name.escape_debug()
                    ),
                );
            }
            if b.steps.is_empty() {
                self.err(
                    at(&bat, &["name"]),
                    format!(
                        "branch `{}` has no steps (`steps = [ {{ name = …, run = … }} ]`)",
                        b.name
                    ),
                );
            }
            let steps = if deep_enough {
                self.list(&b.steps, &at(&bat, &["steps"]), depth + 1)
            } else {
                Vec::new()
            };
            branches.push(BranchDef {
                name: b.name.clone(),
                steps,
            });
        }
        StepKind::Parallel {
            parallel: branches,
            max_parallel: self.max_parallel(rs, here),
            fail_fast: rs.fail_fast.unwrap_or(false),
        }
    }

    fn foreach(&mut self, rs: &RawStep, here: &[Seg], depth: usize) -> Option<StepKind> {
        let foreach = rs.foreach.clone().unwrap_or_default();
        if let Err(e) = crate::expr::check_expr(&foreach) {
            self.err(
                at(here, &["foreach"]),
                format!("expression is not valid: {e}"),
            );
        }
        let item = rs.item.clone().unwrap_or_else(|| DEFAULT_ITEM.to_string());
        if !is_key(&item) {
            self.err(
                at(here, &["as"]),
                format!("`as = \"{item}\"` must be a plain state key (letters, digits and `_`)"),
            );
        } else if item == "subscription" {
            self.err(
                at(here, &["as"]),
                "`as` cannot be `subscription`: the state holds the subscription there".into(),
            );
        }
        if let Some(c) = &rs.collect {
            self.collect_key(c, &item, here);
        }
        let deep_enough = self.deep_enough(rs, here, depth);
        let steps = match (&rs.steps, &rs.workflow) {
            (Some(_), Some(_)) => {
                self.err(
                    at(here, &["workflow"]),
                    "a foreach runs either `steps` or one `workflow` per item, not both".into(),
                );
                return None;
            }
            (Some(list), None) => {
                if list.is_empty() {
                    self.err(
                        at(here, &["steps"]),
                        format!("foreach step `{}` has no steps", rs.name),
                    );
                }
                if deep_enough {
                    self.list(list, &at(here, &["steps"]), depth + 1)
                } else {
                    Vec::new()
                }
            }
            (None, Some(workflow)) => vec![StepDef {
                name: workflow.clone(),
                kind: self.child(rs, here),
                condition: None,
                timeout: None,
                retry: None,
                locks: Vec::new(),
            }],
            (None, None) => {
                self.err(
                    at(here, &["foreach"]),
                    format!(
                        "foreach step `{}` needs `steps = [ … ]` (each branch's steps) or `workflow = \"NAME\"` (a child process per item)",
                        rs.name
                    ),
                );
                return None;
            }
        };
        Some(StepKind::Foreach {
            foreach,
            item,
            max_parallel: self.max_parallel(rs, here),
            collect: rs.collect.clone(),
            fail_fast: rs.fail_fast.unwrap_or(false),
            steps,
        })
    }

    fn collect_key(&mut self, c: &str, item: &str, here: &[Seg]) {
        let place = at(here, &["collect"]);
        let problem = if !is_key(c) {
            Some(format!(
                "`collect = \"{c}\"` must be a plain state key (letters, digits and `_`)"
            ))
        } else if c == item || c == format!("{item}_index") {
            Some(format!(
                "`collect = \"{c}\"` clashes with the key each branch sees its item under (`as = \"{item}\"` gives `{item}` and `{item}_index`)"
            ))
        } else if c == "subscription" {
            Some(
                "`collect` cannot be `subscription`: the state holds the subscription there".into(),
            )
        } else {
            None
        };
        if let Some(p) = problem {
            self.err(place.clone(), p);
        }
        if let Some(first) = self.collects.get(c).cloned() {
            let (line, _) = self.src.locate(&first);
            self.err(
                place,
                format!(
                    "`collect = \"{c}\"` is also collected by the foreach at line {line}; the second would overwrite the first"
                ),
            );
        } else {
            self.collects.insert(c.to_string(), place);
        }
    }

    fn child(&mut self, rs: &RawStep, here: &[Seg]) -> StepKind {
        let workflow = rs.workflow.clone().unwrap_or_default();
        if workflow.trim().is_empty() {
            self.err(
                at(here, &["workflow"]),
                "`workflow` must name a workflow".into(),
            );
        }
        if let Some(t) = &rs.subscription {
            if let Err(e) = crate::expr::check_template(t) {
                self.err(
                    at(here, &["subscription"]),
                    format!("template is not valid: {e}"),
                );
            }
        }
        let input = match &rs.input {
            None => serde_json::Map::new(),
            Some(toml::Value::Table(t)) => {
                let answers = match toml_to_json(toml::Value::Table(t.clone())) {
                    serde_json::Value::Object(m) => m,
                    _ => serde_json::Map::new(),
                };
                for (k, v) in &answers {
                    if let serde_json::Value::String(text) = v {
                        if let Err(e) = crate::expr::check_template(text) {
                            self.err(
                                at(here, &["input", k.as_str()]),
                                format!("template is not valid: {e}"),
                            );
                        }
                    }
                }
                answers
            }
            Some(_) => {
                self.err(
                    at(here, &["input"]),
                    "a `workflow` step's `input` is a table of the child's form answers: `input = { speed = \"{{ state.speed }}\" }`".into(),
                );
                serde_json::Map::new()
            }
        };
        StepKind::Workflow {
            workflow,
            subscription: rs.subscription.clone(),
            input,
        }
    }
}

/// A plain state key: letters, digits and `_`, not starting with a digit.
pub(super) fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every step of `steps` (at key path `list`) at any depth, with its key path in the
/// file `src`; a `foreach` that starts a child per item gives its child step the
/// foreach's own path, where its `workflow`, `subscription` and `input` keys are.
pub fn walk<'d>(steps: &'d [StepDef], list: &[Seg], src: &Source) -> Vec<(&'d StepDef, Vec<Seg>)> {
    let mut out = Vec::new();
    // A step the parser refused is not in `steps` (a file checked as far as it goes), so
    // each step's place in the file is found by its name, from where the last one was.
    let mut next = 0;
    for (i, s) in steps.iter().enumerate() {
        let named = |k: usize| {
            let mut name = list.to_vec();
            name.extend([Seg::from(k), Seg::from("name")]);
            src.str_at(&name) == Some(s.name.as_str())
        };
        let from = next.max(i);
        let index = (from..from + 64).find(|&k| named(k)).unwrap_or(i);
        next = index + 1;
        let mut here = list.to_vec();
        here.push(Seg::from(index));
        out.push((s, here.clone()));
        match &s.kind {
            StepKind::Parallel { parallel, .. } => {
                for (j, b) in parallel.iter().enumerate() {
                    let mut bat = at(&here, &["parallel"]);
                    bat.push(Seg::from(j));
                    out.extend(walk(&b.steps, &at(&bat, &["steps"]), src));
                }
            }
            StepKind::Foreach { steps: inner, .. } => {
                if src.has(&at(&here, &["workflow"])) {
                    out.extend(inner.iter().map(|c| (c, here.clone())));
                } else {
                    out.extend(walk(inner, &at(&here, &["steps"]), src));
                }
            }
            _ => {}
        }
    }
    out
}
