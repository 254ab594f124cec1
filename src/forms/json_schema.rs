//! `orch workflow form NAME`: a form as JSON Schema (draft 2020-12).
//!
//! The schema describes a valid `--input-file`: one object, a property per field that
//! collects something (display fields do not). What JSON Schema cannot say is kept as
//! `x-` annotations that validators ignore and UIs may use: `x-orch-type` (the field
//! type), `x-pages` (the pages in order: `{title, description?, fields: [names],
//! layout}`, where `layout` also places the display fields, which collect nothing),
//! `x-choices-from`, `x-exclude`, `x-validate`/`x-message`, `x-product-tag`/`x-status`,
//! `x-enum-labels` (labels parallel to `enum`).
//!
//! `required` lists the fields a file must hold: required ones without a default
//! (secrets included, though `ORCH_SECRET_<NAME>` can stand in). Patterns are anchored
//! here, as orch applies them to the whole value.

use serde_json::{Map, Value, json};

use super::schema::{FieldSpec, FormPage, FormType};

pub fn to_json_schema(workflow_name: &str, pages: &[FormPage]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut x_pages = Vec::new();
    for page in pages {
        let mut names = Vec::new();
        let mut layout = Vec::new();
        for field in &page.fields {
            if field.field_type == FormType::Display {
                let mut shown = Map::new();
                shown.insert("display".into(), json!(field.name));
                // The template when it has one (rendered over the answers so far), as
                // `pending` gives it; else its label.
                let text = field.template.as_deref().unwrap_or(field.title());
                shown.insert("text".into(), json!(text));
                if let (Some(label), Some(_)) = (&field.label, &field.template) {
                    shown.insert("label".into(), json!(label));
                }
                if let Some(h) = &field.help {
                    shown.insert("help".into(), json!(h));
                }
                layout.push(Value::Object(shown));
                continue;
            }
            layout.push(json!(field.name));
            properties.insert(field.name.clone(), property(field));
            let must = field.required || field.field_type == FormType::Accept;
            if must && field.default.is_none() {
                required.push(Value::String(field.name.clone()));
            }
            names.push(Value::String(field.name.clone()));
        }
        let mut p = Map::new();
        if !page.title.is_empty() {
            p.insert("title".into(), json!(page.title));
        }
        if let Some(d) = &page.description {
            p.insert("description".into(), json!(d));
        }
        p.insert("fields".into(), Value::Array(names));
        // The page as shown: field names, and the display fields between them as
        // `{display, text, label?, help?}` (their text a template over the answers so far).
        p.insert("layout".into(), Value::Array(layout));
        x_pages.push(Value::Object(p));
    }
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": workflow_name,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
        "x-pages": x_pages,
    });
    if pages.is_empty() {
        // Nothing is asked, so nothing is checked: what is given goes into the initial
        // state as it is (see `value::loose`), as the command line and the API take it.
        schema["additionalProperties"] = json!(true);
        schema["description"] = json!(
            "This workflow has no form: any keys given go into its initial state as they are (text that reads as JSON, such as 3 or true, as that JSON)."
        );
    }
    schema
}

/// An IPv4 network as orch reads one: four octets of 0-255 and a prefix length 0-32.
const IPV4_NETWORK: &str = r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/(3[0-2]|[12]?[0-9])$";

fn property(field: &FieldSpec) -> Value {
    let mut p = Map::new();
    let mut set = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    set("title", json!(field.title()));
    if let Some(h) = &field.help {
        set("description", json!(h));
    }
    set("x-orch-type", json!(field.field_type.as_str()));
    let (lo, hi) = (field.min.map(number), field.max.map(number));
    match field.field_type {
        FormType::Text | FormType::LongText | FormType::Secret => {
            set("type", json!("string"));
            // A required text field must not be empty.
            match lo {
                Some(lo) => set("minLength", lo),
                None if field.required => set("minLength", json!(1)),
                None => {}
            }
            if let Some(hi) = hi {
                set("maxLength", hi);
            }
            if let Some(pat) = &field.pattern {
                set("pattern", json!(format!("^(?:{pat})$")));
            }
            if field.field_type == FormType::Secret {
                set("writeOnly", json!(true));
            }
        }
        FormType::Int | FormType::Float => {
            set(
                "type",
                json!(if field.field_type == FormType::Int {
                    "integer"
                } else {
                    "number"
                }),
            );
            if let Some(lo) = lo {
                set("minimum", lo);
            }
            if let Some(hi) = hi {
                set("maximum", hi);
            }
        }
        FormType::Bool => set("type", json!("boolean")),
        FormType::Accept => {
            set("type", json!("boolean"));
            set("const", json!(true));
        }
        FormType::Choice => choices(field, &mut set),
        FormType::MultiChoice => {
            set("type", json!("array"));
            let mut items = Map::new();
            choices(field, &mut |k: &str, v: Value| {
                items.insert(k.to_string(), v);
            });
            set("items", Value::Object(items));
            set("uniqueItems", json!(true));
            match lo {
                Some(lo) => set("minItems", lo),
                None if field.required => set("minItems", json!(1)),
                None => {}
            }
            if let Some(hi) = hi {
                set("maxItems", hi);
            }
        }
        FormType::Ipv4 => {
            set("type", json!("string"));
            set("format", json!("ipv4"));
        }
        FormType::Ipv6 => {
            set("type", json!("string"));
            set("format", json!("ipv6"));
        }
        FormType::Ipv4Network => {
            set("type", json!("string"));
            // Octets 0-255 and a prefix 0-32, as orch reads them; that the host bits
            // are zero (`10.0.0.0/8`, not `10.0.0.1/8`) is beyond a pattern, and said
            // in the description.
            set("pattern", json!(IPV4_NETWORK));
            if field.help.is_none() {
                set(
                    "description",
                    json!("an IPv4 network with its host bits zero, like 192.0.2.0/24"),
                );
            }
        }
        FormType::Subscription => {
            // An id or a unique prefix of one, as the command line and the API take
            // it: `format: uuid` would have a client refuse what orch accepts.
            set("type", json!("string"));
            set("minLength", json!(1));
            if field.help.is_none() {
                set(
                    "description",
                    json!("a subscription id, or a unique prefix of one"),
                );
            }
            if let Some(tag) = &field.product_tag {
                set("x-product-tag", json!(tag));
            }
            if !field.status.is_empty() {
                set("x-status", json!(field.status));
            }
        }
        FormType::Display => {}
    }
    if let Some(d) = &field.default {
        // As the field takes it (`"yes"` for a bool is `true`), so the schema holds.
        set(
            "default",
            crate::forms::value::coerce(field, d).unwrap_or_else(|_| d.clone()),
        );
    }
    if let Some(e) = &field.exclude {
        set("x-exclude", json!(e));
    }
    if let Some(v) = &field.validate {
        set("x-validate", json!(v));
        if let Some(m) = &field.message {
            set("x-message", json!(m));
        }
    }
    Value::Object(p)
}

/// `enum` (with labels alongside) for fixed choices; the command for computed ones.
fn choices(field: &FieldSpec, set: &mut dyn FnMut(&str, Value)) {
    if let Some(cs) = &field.choices {
        set(
            "enum",
            Value::Array(cs.iter().map(|c| c.value.clone()).collect()),
        );
        if cs.iter().any(|c| c.label.is_some()) {
            set(
                "x-enum-labels",
                Value::Array(cs.iter().map(|c| json!(c.display())).collect()),
            );
        }
    }
    if let Some(cmd) = &field.choices_from {
        set("x-choices-from", json!(cmd));
    }
}

/// Whole bounds as integers, so that `min = 1` is `1`, not `1.0`.
fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(src: &str) -> Vec<FormPage> {
        let t: toml::Table = toml::from_str(src).unwrap();
        t["form"].clone().try_into().unwrap()
    }

    /// A workflow without a form takes any keys, and its schema says so rather than
    /// refusing what the command line and the API accept.
    #[test]
    fn a_workflow_without_a_form_takes_any_keys() {
        let s = to_json_schema("hello", &[]);
        assert_eq!(s["additionalProperties"], true);
        assert_eq!(s["properties"], json!({}));
        assert!(
            s["description"]
                .as_str()
                .is_some_and(|d| d.contains("no form"))
        );
    }

    #[test]
    fn describes_fields_required_and_pages() {
        let pages = pages(
            r#"
[[form]]
title = "Router"
description = "Pick a router"
fields = [
  { name = "node_name", type = "choice", choices_from = "scripts/netbox.sh planned-nodes" },
  { name = "role", type = "choice", choices = ["core", { value = "edge", label = "Edge" }], default = "edge" },
  { name = "intro", type = "display", template = "hello" },
]
[[form]]
title = "Details"
fields = [
  { name = "loopback", type = "ipv4", label = "Loopback", help = "from the IPAM" },
  { name = "v6", type = "ipv6", required = false },
  { name = "net", type = "ipv4_network" },
  { name = "vlan", type = "int", min = 1, max = 4094 },
  { name = "hostname", type = "text", pattern = "[a-z0-9-]+", max = 63 },
  { name = "tags", type = "multi_choice", choices = ["a", "b"], max = 2 },
  { name = "token", type = "secret" },
  { name = "ok", type = "accept" },
  { name = "a_side", type = "subscription", product_tag = "NODE", status = "active" },
  { name = "b_side", type = "subscription", product_tag = "NODE", exclude = "value == answers.a_side" },
]
"#,
        );
        let s = to_json_schema("create_node", &pages);
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["title"], "create_node");
        assert_eq!(s["additionalProperties"], false);
        let p = &s["properties"];
        assert!(p.get("intro").is_none(), "display fields collect nothing");
        assert_eq!(
            p["node_name"]["x-choices-from"],
            "scripts/netbox.sh planned-nodes"
        );
        assert_eq!(p["role"]["enum"], json!(["core", "edge"]));
        assert_eq!(p["role"]["x-enum-labels"], json!(["core", "Edge"]));
        assert_eq!(p["role"]["default"], "edge");
        assert_eq!(p["loopback"]["format"], "ipv4");
        assert_eq!(p["loopback"]["title"], "Loopback");
        assert_eq!(p["loopback"]["description"], "from the IPAM");
        assert_eq!(p["v6"]["format"], "ipv6");
        assert_eq!(p["net"]["x-orch-type"], "ipv4_network");
        // The pattern takes what orch takes, but for the host bits, which it cannot see.
        let net = regex::Regex::new(p["net"]["pattern"].as_str().unwrap()).unwrap();
        for ok in [
            "10.0.0.0/8",
            "192.0.2.0/24",
            "0.0.0.0/0",
            "255.255.255.255/32",
        ] {
            assert!(net.is_match(ok), "{ok}");
        }
        for bad in [
            "10.0.0.0/33",
            "999.0.0.0/8",
            "1.2.3/8",
            "1.2.3.4/8x",
            "256.0.0.0/8",
        ] {
            assert!(!net.is_match(bad), "{bad}");
        }
        assert_eq!(
            p["vlan"],
            json!({"title": "vlan", "x-orch-type": "int", "type": "integer", "minimum": 1, "maximum": 4094})
        );
        assert_eq!(p["hostname"]["pattern"], "^(?:[a-z0-9-]+)$");
        assert_eq!(p["hostname"]["maxLength"], 63);
        assert_eq!(p["tags"]["items"]["enum"], json!(["a", "b"]));
        assert_eq!(p["tags"]["maxItems"], 2);
        assert_eq!(p["token"]["writeOnly"], true);
        assert_eq!(p["ok"]["const"], true);
        assert_eq!(p["a_side"]["x-status"], json!(["active"]));
        assert_eq!(p["b_side"]["x-exclude"], "value == answers.a_side");
        assert_eq!(
            s["required"],
            json!([
                "node_name",
                "loopback",
                "net",
                "vlan",
                "hostname",
                "tags",
                "token",
                "ok",
                "a_side",
                "b_side"
            ])
        );
        assert_eq!(
            s["x-pages"][0],
            json!({
                "title": "Router",
                "description": "Pick a router",
                "fields": ["node_name", "role"],
                "layout": ["node_name", "role", {"display": "intro", "text": "hello"}],
            })
        );
        assert_eq!(s["x-pages"][1]["fields"][0], "loopback");
        let order: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(order[0], "node_name", "properties keep form order");
    }
}
