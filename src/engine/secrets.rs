//! Which secrets a process needs again: secrets are never stored, so a process that is
//! retried or resumed later gets them anew, from `ORCH_SECRET_<NAME>` or a prompt.

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
