//! The join of a group (DESIGN §13): each branch's net change (a merge patch from the
//! state it started from to the state it ended with) is merged into the state in
//! branch order, or, with `collect`, listed under one key instead.
//!
//! Two branches that set one key to different values make the join fail, naming the
//! key and both branches: merging them in some order would silently drop one change.
//! Keys are compared leaf by leaf, so branches that set different keys of one object
//! (`config.a` and `config.b`) merge; a branch that replaces a value another branch
//! changes inside (`config` against `config.a`) conflicts on that value.

use serde_json::{Map, Value};

use crate::store::processes::StepRow;

/// A conflict between two branches over one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The key, as a dotted path under `state` (`state.config.a`).
    pub key: String,
    /// The same key, one segment per object it is in.
    pub path: Vec<String>,
    pub first: String,
    pub second: String,
    pub first_value: Value,
    pub second_value: Value,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "branches `{}` and `{}` both set `{}`, to {} and {}",
            self.first,
            self.second,
            self.key,
            shown(&self.first_value),
            shown(&self.second_value)
        )
    }
}

impl Conflict {
    /// Who set the key to what: ``branches `A` and `B` set it to 1500 and 9000``.
    pub fn between(&self) -> String {
        format!(
            "branches `{}` and `{}` set it to {} and {}",
            self.first,
            self.second,
            shown(&self.first_value),
            shown(&self.second_value)
        )
    }
}

fn shown(v: &Value) -> String {
    if v.is_null() {
        return "nothing (it deleted it)".into();
    }
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// Merges the net changes of the branches (label, patch), in branch order, into one
/// patch of the state; the first conflict found is the error.
pub fn merge(nets: &[(String, Value)]) -> Result<Value, Box<Conflict>> {
    // Each leaf a branch set, with the branch that set it.
    let mut owners = Owners::default();
    let mut merged = Value::Object(Map::new());
    for (label, net) in nets {
        owners.claim(&mut Vec::new(), net, label)?;
        compose(&mut merged, net);
    }
    Ok(merged)
}

/// What a join that conflicts keeps when the operator skips it (DESIGN §6): every
/// change of the branches but the keys they set differently, and those conflicts.
pub fn merge_keeping(nets: &[(String, Value)]) -> (Value, Vec<Conflict>) {
    let mut nets = nets.to_vec();
    let mut conflicts = Vec::new();
    loop {
        match merge(&nets) {
            Ok(patch) => return (patch, conflicts),
            Err(c) => {
                for (_, net) in &mut nets {
                    prune(net, &c.path);
                }
                conflicts.push(*c);
            }
        }
    }
}

/// What skipping the top-level group `name` keeps when its join failed on a conflict:
/// [`merge_keeping`] of its branches' net changes, as `log` holds them, forked from
/// `fork` (the process's state, which the failed join left unchanged). None when the
/// group is not one whose branches all ended (it failed in a branch, or collects).
pub fn kept_by_skip(
    def: &crate::domain::workflow::WorkflowDef,
    log: &[StepRow],
    fork: &Value,
    name: &str,
) -> Option<(Value, Vec<Conflict>)> {
    use crate::domain::workflow::StepKind;
    let group = def.steps.iter().find(|s| s.name == name)?;
    if matches!(
        &group.kind,
        StepKind::Foreach {
            collect: Some(_),
            ..
        }
    ) {
        return None;
    }
    let list = super::scope::branches(group, name, fork).ok()?;
    // Each branch's own rows, found in one pass over the log rather than one per branch.
    let mut own: std::collections::HashMap<&str, Vec<&StepRow>> = Default::default();
    for r in log {
        if let Some(b) = r.branch.as_deref() {
            own.entry(b).or_default().push(r);
        }
    }
    let nets: Vec<(String, Value)> = list
        .iter()
        .map(|b| {
            let start = b.start(fork);
            let mut end = start.clone();
            for r in own.get(b.path.as_str()).into_iter().flatten() {
                super::merge::apply(&mut end, &r.state_patch);
            }
            (b.label.clone(), super::merge::diff(&start, &end))
        })
        .collect();
    let (kept, conflicts) = merge_keeping(&nets);
    (!conflicts.is_empty()).then_some((kept, conflicts))
}

/// The changes a step skipped by hand records (DESIGN §6): the `--set` values, over
/// what a top-level join that failed on a conflict keeps ([`kept_by_skip`]); with the
/// conflicting keys `set` does not give, which stay as they were.
pub fn skip_patch(
    def: &crate::domain::workflow::WorkflowDef,
    log: &[crate::store::processes::StepRow],
    fork: &Value,
    failed: &crate::store::processes::StepRow,
    set: &Value,
) -> (Value, Vec<Conflict>) {
    let kept = failed
        .branch
        .is_none()
        .then(|| kept_by_skip(def, log, fork, &failed.name))
        .flatten();
    match kept {
        Some((mut patch, conflicts)) => {
            compose(&mut patch, set);
            let left = conflicts
                .into_iter()
                .filter(|c| !gives(set, &c.path))
                .collect();
            (patch, left)
        }
        None => (set.clone(), Vec::new()),
    }
}

/// Whether the patch `set` gives the key at `path` (or a value above it).
fn gives(set: &Value, path: &[String]) -> bool {
    let mut node = set;
    for key in path {
        match node.get(key) {
            Some(v @ Value::Object(_)) => node = v,
            Some(_) => return true,
            None => return false,
        }
    }
    true
}

/// Removes the key at `path` from `patch`, and the objects it leaves empty (an empty
/// object would still say "changed inside").
fn prune(patch: &mut Value, path: &[String]) {
    let (Some((key, rest)), Value::Object(obj)) = (path.split_first(), patch) else {
        return;
    };
    if rest.is_empty() {
        obj.remove(key);
    } else if let Some(inner) = obj.get_mut(key) {
        prune(inner, rest);
        if inner.as_object().is_some_and(Map::is_empty) {
            obj.remove(key);
        }
    }
}

/// The patch of a `collect` join: every net change, in branch order, as a list.
pub fn collect(key: &str, nets: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), Value::Array(nets));
    Value::Object(m)
}

/// Composes merge patch `b` after `a` into `a`, keeping deletions (unlike applying).
fn compose(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(slot @ Value::Object(_)) if v.is_object() => compose(slot, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// Who set which leaf, as a tree of keys.
#[derive(Default)]
struct Owners {
    children: std::collections::BTreeMap<String, Owners>,
    /// This key was set (not merged into) by a branch, to this value.
    leaf: Option<(String, Value)>,
}

impl Owners {
    fn claim(
        &mut self,
        at: &mut Vec<String>,
        patch: &Value,
        label: &str,
    ) -> Result<(), Box<Conflict>> {
        let Value::Object(obj) = patch else {
            return Ok(());
        };
        for (k, v) in obj {
            at.push(k.clone());
            let node = self.children.entry(k.clone()).or_default();
            if v.is_object() {
                // Merged into: conflicts with a branch that set the whole value.
                if let Some((other, value)) = &node.leaf {
                    if other != label {
                        return Err(conflict(at, other, label, value, v));
                    }
                }
                node.claim(at, v, label)?;
            } else {
                if let Some((other, value)) = &node.leaf {
                    if other != label && value != v {
                        return Err(conflict(at, other, label, value, v));
                    }
                } else if let Some((other, _)) = node.first_leaf_below() {
                    if other != label {
                        // What the other branch set inside this key, as it set it.
                        let inside = node.set_by(&other);
                        return Err(conflict(at, &other, label, &inside, v));
                    }
                }
                node.leaf = Some((label.to_string(), v.clone()));
            }
            at.pop();
        }
        Ok(())
    }

    /// The changes `label` made inside this key, as one object.
    fn set_by(&self, label: &str) -> Value {
        let mut out = Map::new();
        for (k, c) in &self.children {
            match &c.leaf {
                Some((who, v)) if who == label => {
                    out.insert(k.clone(), v.clone());
                }
                _ => {
                    let inner = c.set_by(label);
                    if inner.as_object().is_some_and(|o| !o.is_empty()) {
                        out.insert(k.clone(), inner);
                    }
                }
            }
        }
        Value::Object(out)
    }

    /// Some branch's change inside this key, if any.
    fn first_leaf_below(&self) -> Option<(String, Value)> {
        self.children
            .values()
            .find_map(|c| c.leaf.clone().or_else(|| c.first_leaf_below()))
    }
}

fn conflict(at: &[String], first: &str, second: &str, a: &Value, b: &Value) -> Box<Conflict> {
    Box::new(Conflict {
        key: format!("state.{}", at.join(".")),
        path: at.to_vec(),
        first: first.to_string(),
        second: second.to_string(),
        first_value: a.clone(),
        second_value: b.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nets(v: &[(&str, Value)]) -> Vec<(String, Value)> {
        v.iter().map(|(l, p)| (l.to_string(), p.clone())).collect()
    }

    #[test]
    fn different_keys_merge_and_equal_values_agree() {
        let m = merge(&nets(&[
            ("A", json!({"a": 1, "cfg": {"x": 1}, "same": true})),
            (
                "B",
                json!({"b": 2, "cfg": {"y": 2}, "same": true, "gone": null}),
            ),
        ]))
        .unwrap();
        assert_eq!(
            m,
            json!({"a": 1, "b": 2, "cfg": {"x": 1, "y": 2}, "same": true, "gone": null})
        );
    }

    #[test]
    fn a_key_set_twice_names_the_key_and_both_branches() {
        let c = merge(&nets(&[
            ("A side", json!({"cfg": {"mtu": 1500}})),
            ("B side", json!({"cfg": {"mtu": 9000}})),
        ]))
        .unwrap_err();
        assert_eq!(c.key, "state.cfg.mtu");
        assert_eq!((c.first.as_str(), c.second.as_str()), ("A side", "B side"));
        let text = c.to_string();
        assert!(
            text.contains("`A side` and `B side`") && text.contains("1500 and 9000"),
            "{text}"
        );
    }

    #[test]
    fn replacing_what_another_branch_changes_inside_conflicts() {
        let c = merge(&nets(&[
            ("[0]", json!({"cfg": {"mtu": 1500}})),
            ("[1]", json!({"cfg": "none"})),
        ]))
        .unwrap_err();
        assert_eq!(c.key, "state.cfg");
        let c = merge(&nets(&[
            ("[0]", json!({"cfg": null})),
            ("[1]", json!({"cfg": {"a": 1}})),
        ]))
        .unwrap_err();
        assert_eq!(c.key, "state.cfg");
    }

    #[test]
    fn a_skipped_join_keeps_every_change_but_the_conflicting_keys() {
        let (kept, conflicts) = merge_keeping(&nets(&[
            (
                "A",
                json!({"a": 1, "cfg": {"mtu": 1500, "x": 1}, "id": "a"}),
            ),
            ("B", json!({"b": 2, "cfg": {"mtu": 9000}, "id": "b"})),
            (
                "C",
                json!({"cfg": {"mtu": 1500}, "only": {"deep": {"k": 1}}}),
            ),
        ]));
        assert_eq!(
            kept,
            json!({"a": 1, "b": 2, "cfg": {"x": 1}, "only": {"deep": {"k": 1}}})
        );
        let keys: Vec<&str> = conflicts.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["state.cfg.mtu", "state.id"]);
        // A key whose only change conflicts leaves no empty object behind.
        let (kept, _) = merge_keeping(&nets(&[
            ("A", json!({"cfg": {"mtu": 1}})),
            ("B", json!({"cfg": {"mtu": 2}})),
        ]));
        assert_eq!(kept, json!({}));
    }

    #[test]
    fn a_value_replaced_names_what_the_other_branch_set_inside_it() {
        let c = merge(&nets(&[
            ("A side", json!({"cfg": {"a": 1, "deep": {"b": 2}}})),
            ("B side", json!({"cfg": 7})),
        ]))
        .unwrap_err();
        assert_eq!(c.key, "state.cfg");
        assert_eq!(c.first_value, json!({"a": 1, "deep": {"b": 2}}));
        assert!(
            c.to_string().contains(r#"to {"a":1,"deep":{"b":2}} and 7"#),
            "{c}"
        );
    }

    #[test]
    fn collect_lists_every_net_change_in_order() {
        assert_eq!(
            collect("pushed", vec![json!({"ok": true}), json!({})]),
            json!({"pushed": [{"ok": true}, {}]})
        );
    }
}
