//! What `workflow check` knows of a `workflow` step only with every file at hand: the
//! child workflow exists, takes a subscription exactly when the step gives one, and
//! gets the form answers it needs and no others.

use crate::domain::workflow::{StepDef, StepKind, WorkflowDef};
use crate::forms::FormType;

/// A problem of a `workflow` step: the key it is about (`workflow`, `subscription`,
/// `input.NAME`) and what is wrong.
pub struct Problem {
    pub key: Vec<String>,
    pub message: String,
}

fn problem(key: &[&str], message: String) -> Problem {
    Problem {
        key: key.iter().map(|k| k.to_string()).collect(),
        message,
    }
}

/// The problems of `step` (a `workflow` step of `parent`) against the project's
/// workflows `defs`, read from `folder` (as messages name it: `workflows/`).
pub fn check(
    step: &StepDef,
    parent: &WorkflowDef,
    defs: &[&WorkflowDef],
    folder: &str,
) -> Vec<Problem> {
    let StepKind::Workflow {
        workflow,
        subscription,
        input,
    } = &step.kind
    else {
        return Vec::new();
    };
    if crate::tasks::builtin::find(workflow).is_some() {
        return vec![problem(
            &["workflow"],
            format!("`{workflow}` is a built-in task; a child process runs a workflow of {folder}"),
        )];
    }
    if workflow == &parent.name {
        return vec![problem(
            &["workflow"],
            format!("`{workflow}` would start itself as its own child, without end"),
        )];
    }
    if let Some(path) = path_back(workflow, &parent.name, defs) {
        return vec![problem(
            &["workflow"],
            format!(
                "`{workflow}` leads back to `{}` ({} → {}), which would start processes without end",
                parent.name,
                parent.name,
                path.join(" → ")
            ),
        )];
    }
    let Some(child) = defs.iter().find(|d| &d.name == workflow) else {
        let names = defs.iter().map(|d| d.name.as_str());
        let mut message = format!("no workflow named `{workflow}` in {folder}");
        if let Some(near) = crate::suggest::did_you_mean(workflow, names) {
            message.push_str(&format!(" ({near})"));
        }
        return vec![problem(&["workflow"], message)];
    };
    let mut out = Vec::new();
    match (child.target.needs_subscription(), subscription) {
        (true, None) => out.push(problem(
            &["workflow"],
            format!(
                "`{workflow}` is a {} workflow: it runs on a subscription, so the step needs `subscription = \"{{{{ state.… }}}}\"`",
                child.target
            ),
        )),
        (false, Some(_)) => out.push(problem(
            &["subscription"],
            format!(
                "`{workflow}` is a {} workflow and takes no subscription; a child that runs on one is a modify, validate or terminate workflow",
                child.target
            ),
        )),
        _ => {}
    }
    let fields: Vec<_> = child.form.iter().flat_map(|p| &p.fields).collect();
    // A workflow without a form takes any input as its first state, unchecked.
    let checked = !child.form.is_empty();
    for key in input.keys().filter(|_| checked) {
        let known = fields.iter().any(|f| &f.name == key)
            || (key == "product" && child.target == crate::domain::workflow::Target::Create);
        if !known {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            out.push(problem(
                &["input", key],
                format!(
                    "`{workflow}` has no form field `{key}` ({})",
                    if names.is_empty() {
                        "its form is empty".to_string()
                    } else {
                        format!("its fields: {}", names.join(", "))
                    }
                ),
            ));
        }
    }
    for f in &fields {
        let needed = f.required
            && f.default.is_none()
            && !matches!(f.field_type, FormType::Display | FormType::Secret);
        if needed && !input.contains_key(&f.name) {
            out.push(problem(
                &["workflow"],
                format!(
                    "`{workflow}` needs the answer `{}` ({}); give it in the step's `input`",
                    f.name,
                    f.field_type.as_str()
                ),
            ));
        }
    }
    out
}

/// The workflows a `workflow` step of `def` starts, at any depth of its branches.
fn children_of(def: &WorkflowDef) -> impl Iterator<Item = &str> {
    def.all_steps().into_iter().filter_map(|s| match &s.kind {
        StepKind::Workflow { workflow, .. } => Some(workflow.as_str()),
        _ => None,
    })
}

/// A chain of child workflows from `from` that reaches `to` (`[from, …, to]`).
fn path_back(from: &str, to: &str, defs: &[&WorkflowDef]) -> Option<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(path) = stack.pop() {
        let last = path.last()?;
        if last == to {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        if let Some(def) = defs.iter().find(|d| &d.name == last) {
            for child in children_of(def) {
                let mut longer = path.clone();
                longer.push(child.to_string());
                stack.push(longer);
            }
        }
    }
    None
}
