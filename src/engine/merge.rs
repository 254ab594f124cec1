//! JSON Merge Patch (RFC 7396): how a step's output is applied to the state, and how the
//! step log stores what a step changed (the patch from the state before to the state
//! after), so the full state after any step is the fold of the patches up to it.
//!
//! A merge patch cannot say "set this key to null" (null deletes), so the state never
//! holds null object members: [`apply`] drops them, and a `null` from a step deletes.

use serde_json::{Map, Value};

/// Applies `patch` to `target` in place.
pub fn apply(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = strip_nulls(patch.clone());
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(obj) = target {
        for (k, v) in patch {
            if v.is_null() {
                obj.remove(k);
            } else {
                let slot = obj.entry(k.clone()).or_insert(Value::Null);
                apply(slot, v);
            }
        }
    }
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The merge patch that turns `from` into `to` (both without null members).
pub fn diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, old) in a {
                match b.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(new) if new != old => {
                        let d = if old.is_object() && new.is_object() {
                            diff(old, new)
                        } else {
                            new.clone()
                        };
                        out.insert(k.clone(), d);
                    }
                    Some(_) => {}
                }
            }
            for (k, new) in b {
                if !a.contains_key(k) {
                    out.insert(k.clone(), new.clone());
                }
            }
            Value::Object(out)
        }
        (_, to) => to.clone(),
    }
}

/// Applies `patch` to `target` in place and returns what it actually changed: the same
/// value as `diff(before, after)`, without copying or walking the untouched parts of a
/// large state.
pub fn apply_diff(target: &mut Value, patch: &Value) -> Value {
    let (Value::Object(obj), Value::Object(patch)) = (&mut *target, patch) else {
        let before = target.clone();
        apply(target, patch);
        return diff(&before, target);
    };
    let mut changed = Map::new();
    for (k, v) in patch {
        if v.is_null() {
            if obj.remove(k).is_some() {
                changed.insert(k.clone(), Value::Null);
            }
            continue;
        }
        match obj.get_mut(k) {
            Some(slot) if slot.is_object() && v.is_object() => {
                let d = apply_diff(slot, v);
                if !is_empty(&d) {
                    changed.insert(k.clone(), d);
                }
            }
            Some(slot) => {
                let new = strip_nulls(v.clone());
                if *slot != new {
                    changed.insert(k.clone(), new.clone());
                    *slot = new;
                }
            }
            None => {
                let new = strip_nulls(v.clone());
                changed.insert(k.clone(), new.clone());
                obj.insert(k.clone(), new);
            }
        }
    }
    Value::Object(changed)
}

/// Whether a patch changes nothing.
pub fn is_empty(patch: &Value) -> bool {
    patch.as_object().is_some_and(Map::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn rfc_examples() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        apply(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"a": [1]});
        apply(&mut t, &json!({"a": {"b": null, "c": 1}}));
        assert_eq!(t, json!({"a": {"c": 1}}));
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        tree(prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ])
    }

    /// Small arrays and objects of `leaf`, over few keys so that two trees overlap.
    fn tree(leaf: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Value> {
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-d]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn diff_then_apply_round_trips(a in arb_json(), b in arb_json()) {
            let a = strip_nulls(json!({"x": a}));
            let b = strip_nulls(json!({"x": b}));
            let mut t = a.clone();
            apply(&mut t, &diff(&a, &b));
            prop_assert_eq!(t, b);
        }

        #[test]
        fn apply_diff_is_apply_then_diff(a in arb_json(), p in arb_patch()) {
            let before = strip_nulls(json!({"x": a}));
            let patch = json!({"x": p, "y": null});
            let mut expected = before.clone();
            apply(&mut expected, &patch);
            let mut t = before.clone();
            let changed = apply_diff(&mut t, &patch);
            prop_assert_eq!(&t, &expected);
            prop_assert_eq!(changed, diff(&before, &expected));
        }
    }

    /// Like `arb_json`, with nulls (deletions) among the values.
    fn arb_patch() -> impl Strategy<Value = Value> {
        tree(prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ])
    }
}
