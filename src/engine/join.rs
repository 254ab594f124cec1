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

/// A conflict between two branches over one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The key, as a dotted path under `state` (`state.config.a`).
    pub key: String,
    pub first: String,
    pub second: String,
    pub first_value: Value,
    pub second_value: Value,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "branches `{}` and `{}` both set `{}`, to {} and {}; give them different keys, or use `collect`",
            self.first,
            self.second,
            self.key,
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
                } else if let Some((other, value)) = node.first_leaf_below() {
                    if other != label {
                        return Err(conflict(at, &other, label, &value, v));
                    }
                }
                node.leaf = Some((label.to_string(), v.clone()));
            }
            at.pop();
        }
        Ok(())
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
    fn collect_lists_every_net_change_in_order() {
        assert_eq!(
            collect("pushed", vec![json!({"ok": true}), json!({})]),
            json!({"pushed": [{"ok": true}, {}]})
        );
    }
}
