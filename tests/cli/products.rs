//! The rules a product's fields set on a subscription, as a step meets them through
//! the real binary: what is refused, and how the refusal reads.

use super::Project;
use super::both;

/// A product whose root block has a `pattern`ed string and bounded numbers, and a
/// create workflow whose one step sets the block from `workflows/scripts/set.sh`.
fn bounded(p: &Project, block: &str) {
    p.write(
        "products/box.toml",
        r#"name = "Box"
type = "Box"
tag = "BOX"
description = "a box"
status = "active"
root = { key = "box", block = "BoxBlock" }
[blocks.BoxBlock]
fields.code  = { type = "string", pattern = "[a-z]{3}" }
fields.count = { type = "int", min = 5, max = 9 }
fields.ratio = { type = "float", min = 0.5 }
"#,
    );
    p.write(
        "workflows/create_box.toml",
        "name = \"create_box\"\ntarget = \"create\"\nproducts = [\"BOX\"]\n\
         [[step]]\nname = \"Set\"\nrun = \"workflows/scripts/set.sh\"\n",
    );
    p.script(
        "workflows/scripts/set.sh",
        &format!("cat >/dev/null\necho '{{\"subscription\": {{\"box\": {block}}}}}'"),
    );
}

/// A product field's `pattern` describes the whole value, as a form field's does: a
/// value that only holds a match somewhere is refused; and a number past `min` or
/// `max` is said as a form says it, naming the bound it broke.
fn a_product_field_pattern_is_anchored_and_a_bound_names_itself() {
    let p = Project::new();
    bounded(&p, r#"{"code": "abcd1", "count": 1, "ratio": 0.25}"#);
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("subscription.box.code: `abcd1` does not match the pattern `[a-z]{3}`"),
        "{why}"
    );
    assert!(
        why.contains("subscription.box.count: must be at least 5, got 1"),
        "{why}"
    );
    assert!(
        why.contains("subscription.box.ratio: must be at least 0.5, got 0.25"),
        "{why}"
    );
    assert!(!why.contains("..="), "{why}");

    let p = Project::new();
    bounded(&p, r#"{"code": "abc", "count": 10}"#);
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("subscription.box.count: must be at most 9, got 10"),
        "{why}"
    );
    assert!(!why.contains("code"), "a whole match passes: {why}");

    let p = Project::new();
    bounded(&p, r#"{"code": "xyz", "count": 5, "ratio": 0.5}"#);
    let v = p.ok_json(&["workflow", "run", "create_box"]);
    assert_eq!(v["status"], "completed", "{v}");
}

both!(a_product_field_pattern_is_anchored_and_a_bound_names_itself,);
