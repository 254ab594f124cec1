//! The keys a step skipped by hand sets: `process skip --set KEY=VALUE` and the body
//! of the API's skip read them here, so one key means one thing wherever it is given.
//! A dotted key names a key inside objects (`port.mtu` sets `mtu` in `port`, keeping
//! the rest of `port`), which is how a join conflict's warning names a key and how a
//! subscription's field is reached (`subscription.node.loopback`): the change then
//! goes through the subscription's validation like any other.

use serde_json::{Map, Value};

use crate::domain::workflow::WorkflowDef;
use crate::error::{Error, Result};

/// Where the keys came from, for the words of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// `--set KEY=VALUE` on the command line.
    Flags,
    /// A JSON object in a request's body.
    Body,
}

/// The state patch of a skip's keys: text that reads as JSON is taken as such, a
/// dotted key sets inside objects, a `null` removes a key; a key that names a secret
/// field is refused (it would be stored, and secrets never are).
pub fn set_patch(
    def: &WorkflowDef,
    pairs: impl IntoIterator<Item = (String, Value)>,
    given: Given,
) -> Result<Value> {
    let mut patch = Map::new();
    for (key, value) in pairs {
        let parts: Vec<&str> = key.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(empty_part(&key, given));
        }
        let too_deep = |levels| {
            Error::usage(crate::forms::value::too_deep_message(&key, levels))
                .with_hint(crate::forms::value::TOO_DEEP_HINT)
        };
        let value = match value {
            Value::String(text) => {
                crate::forms::value::loose_value(text, parts.len()).map_err(too_deep)?
            }
            other => other,
        };
        // A dotted key makes an object of each part: a long one nests the state as
        // deep as a deep value does.
        let levels = parts.len() + crate::depth::of(&value);
        if levels > crate::depth::MAX_DEPTH {
            return Err(too_deep(levels));
        }
        put(&mut patch, &parts, value);
    }
    crate::engine::secrets::refuse_set(def, patch.keys().cloned())?;
    Ok(Value::Object(patch))
}

fn empty_part(key: &str, given: Given) -> Error {
    match given {
        Given::Flags => Error::usage(format!("`--set {key}=…` has an empty part in its key"))
            .with_hint("name a key (`mtu=9000`) or a key inside an object (`port.mtu=9000`)"),
        Given::Body => Error::usage(format!("the body's key `{key}` has an empty part"))
            .with_hint(
                "name a key ({\"mtu\": 9000}) or a key inside an object ({\"port.mtu\": 9000} or {\"port\": {\"mtu\": 9000}})",
            ),
    }
}

/// Puts `value` at `path` in `into`, making (or replacing with) objects on the way; a
/// `null` stays, as the merge patch's "remove this key".
fn put(into: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            into.insert((*last).to_string(), value);
        }
        [first, rest @ ..] => {
            let slot = into
                .entry((*first).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                put(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Source;
    use serde_json::json;

    fn def() -> WorkflowDef {
        let text = "name = \"w\"\ntarget = \"system\"\n[[form]]\nfields = [{ name = \"pw\", type = \"secret\" }]\n[[step]]\nname = \"A\"\nrun = \"true\"\n";
        crate::definition::workflow::parse(&Source::new("w.toml", text.to_string()))
            .unwrap_or_else(|d| panic!("{d:?}"))
    }

    #[test]
    fn dotted_keys_set_inside_objects_and_keep_their_neighbours() {
        let set = set_patch(
            &def(),
            [
                ("subscription.node.loopback".to_string(), json!("10.0.0.1")),
                ("subscription.node.mtu".to_string(), json!("9000")),
                ("plain".to_string(), json!({"a": 1})),
            ],
            Given::Body,
        )
        .unwrap();
        assert_eq!(
            set,
            json!({"subscription": {"node": {"loopback": "10.0.0.1", "mtu": 9000}}, "plain": {"a": 1}})
        );
    }

    #[test]
    fn an_empty_part_and_a_secret_are_refused_however_given() {
        for given in [Given::Flags, Given::Body] {
            let e = set_patch(&def(), [("a..b".to_string(), json!(1))], given).unwrap_err();
            assert!(e.message.contains("empty part"), "{}", e.message);
            let e = set_patch(&def(), [("pw".to_string(), json!("x"))], given).unwrap_err();
            assert!(e.message.contains("secret"), "{}", e.message);
        }
    }
}
