//! Property tests over everything that reads untrusted text or data: definition files,
//! `--input` values, step output merged into the state, subscription documents.
//!
//! They only claim that nothing panics and that every rejection says something; the
//! behaviour itself is tested beside each module. Case counts stay modest for CI.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::definition::{Source, product, workflow};
use crate::domain::lifecycle::Lifecycle;
use crate::domain::subscription::{self, RefInfo};
use crate::engine::merge;
use crate::forms::schema::{FieldSpec, FormType};
use crate::forms::value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Arbitrary JSON, nested a few levels, with the odd characters parsers trip on.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::from),
        "[0-9./:a-f]{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const WORKFLOW: &str = r#"name = "w"
target = "system"
description = "d"
[[form]]
fields = [ { name = "vlan", type = "int", min = 1, max = 4094 } ]
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
[[step]]
name = "c"
input.message = "ok?"
input.fields = [ { name = "ok", type = "accept" } ]
"#;

const PRODUCT: &str = r#"name = "Node"
type = "Node"
tag = "NODE"
root = { key = "node", block = "NodeBlock" }
[blocks.NodeBlock]
fields.name = { type = "string", required = "provisioning" }
fields.loopback = { type = "ipv4", required = "active" }
fields.vlan = { type = "int", min = 1, max = 4094 }
fields.ports = { block = "PortBlock", max = 2 }
fields.peer = { type = "subscription", product_tag = "NODE" }
[blocks.PortBlock]
fields.name = { type = "string", required = "initial" }
"#;

/// A valid file with one slice replaced by arbitrary text: mostly-valid TOML reaches
/// the semantic checks, where pure noise would stop at the TOML parser.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    (
        0..base.len(),
        0..24usize,
        "\\PC{0,16}|[\\[\\]{}=\"'.,\n ]{0,8}",
    )
        .prop_map(move |(at, len, insert)| {
            let mut at = at;
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + len).min(base.len());
            while !base.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{insert}{}", &base[..at], &base[end..])
        })
}

fn no_empty_diagnostics(d: &[crate::definition::Diagnostic]) -> Result<(), TestCaseError> {
    prop_assert!(!d.is_empty(), "rejected without a diagnostic");
    for one in d {
        prop_assert!(!one.message.trim().is_empty(), "empty message: {one:?}");
        prop_assert!(one.line >= 1 && one.col >= 1, "no position: {one:?}");
    }
    Ok(())
}

const FORM_TYPES: [FormType; 14] = [
    FormType::Text,
    FormType::LongText,
    FormType::Int,
    FormType::Float,
    FormType::Bool,
    FormType::Choice,
    FormType::MultiChoice,
    FormType::Ipv4,
    FormType::Ipv6,
    FormType::Ipv4Network,
    FormType::Subscription,
    FormType::Accept,
    FormType::Secret,
    FormType::Display,
];

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn workflow_files_never_panic(text in prop_oneof![mutated(WORKFLOW), "\\PC{0,200}"]) {
        if let Err(d) = workflow::parse(&Source::new("workflows/w.toml", text)) {
            no_empty_diagnostics(&d)?;
        }
    }

    #[test]
    fn product_files_never_panic(text in prop_oneof![mutated(PRODUCT), "\\PC{0,200}"]) {
        if let Err(d) = product::parse(&Source::new("products/p.toml", text)) {
            no_empty_diagnostics(&d)?;
        }
    }

    #[test]
    fn input_strings_are_typed_or_refused_with_a_reason(
        t in 0..FORM_TYPES.len(),
        raw in "\\PC{0,40}|[0-9./:a-fA-F, \\[\\]\"-]{0,24}",
    ) {
        let field = FieldSpec::new("x", FORM_TYPES[t]);
        match value::parse_str(&field, &raw) {
            Ok(v) => {
                // A typed value coerces to itself: the two paths agree.
                let again = value::coerce(&field, &v);
                prop_assert!(again.is_ok(), "{raw:?} parsed to {v} which coerce refuses: {again:?}");
            }
            Err(e) => prop_assert!(!e.trim().is_empty()),
        }
    }

    #[test]
    fn input_json_is_coerced_or_refused_with_a_reason(t in 0..FORM_TYPES.len(), v in arb_json()) {
        let field = FieldSpec::new("x", FORM_TYPES[t]);
        if let Err(e) = value::coerce(&field, &v) {
            prop_assert!(!e.trim().is_empty());
        }
    }

    #[test]
    fn secrets_never_appear_in_refusals(v in "[a-z]{6,12}!?") {
        let field = FieldSpec::new("x", FormType::Int);
        let secret = FieldSpec::new("x", FormType::Secret);
        prop_assert!(value::parse_str(&field, &v).is_err());
        if let Err(e) = value::coerce(&secret, &json!([v.clone()])) {
            prop_assert!(!e.contains(&v), "{e}");
        }
    }

    #[test]
    fn merging_any_patch_keeps_an_object_state_without_nulls(
        state in arb_json(),
        patch in arb_json(),
    ) {
        let mut s = json!({});
        merge::apply(&mut s, &json!({"s": state}));
        merge::apply(&mut s, &json!({"p": patch}));
        prop_assert!(s.is_object());
        prop_assert!(!has_null_member(&s), "{s}");
        let d = merge::diff(&json!({}), &s);
        let mut rebuilt = json!({});
        merge::apply(&mut rebuilt, &d);
        prop_assert_eq!(rebuilt, s);
    }

    #[test]
    fn subscription_documents_are_validated_without_panics(doc in arb_json(), node in arb_json()) {
        let p = product::parse(&Source::new("products/p.toml", PRODUCT.to_string()))
            .map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let refs = |id: &str| -> Option<RefInfo> {
            id.len().is_multiple_of(2).then(|| RefInfo { tag: "NODE".into(), status: Lifecycle::Active })
        };
        let mut whole = Map::new();
        whole.insert("node".into(), node);
        for d in [doc, Value::Object(whole)] {
            for status in [Lifecycle::Initial, Lifecycle::Provisioning, Lifecycle::Active] {
                if let Err(problems) = subscription::validate(&p, &d, status, &refs) {
                    prop_assert!(!problems.is_empty());
                    for pr in problems {
                        prop_assert!(!pr.reason.trim().is_empty() && !pr.path.is_empty(), "{pr:?}");
                    }
                }
            }
        }
    }
}

/// Null object members, outside arrays (a merge patch replaces arrays whole, nulls and all).
fn has_null_member(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().any(|x| x.is_null() || has_null_member(x)),
        _ => false,
    }
}

#[test]
fn deeply_nested_step_output_is_refused_by_the_parser_not_the_stack() {
    // serde_json stops at 128 levels, so `merge::apply` never recurses deeper than that.
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    assert!(serde_json::from_str::<Value>(&deep).is_err());
}
