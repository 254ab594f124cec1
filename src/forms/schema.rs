//! The field schema, as written in `[[form]]` pages and `input.fields`.
//!
//! One schema serves both places so that a field behaves the same wherever it is asked.
//! Definitions are parsed with `deny_unknown_fields`: a misspelt option (`requried`) must
//! be an error at `workflow check`, not an option silently ignored at run time; what
//! serde cannot see is left to `lint`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::lifecycle::Lifecycle;

/// One page of a form: `[[form]]` in a workflow, or the fields of an `input` step.
///
/// `description` is a template (like `input.message`) rendered with `answers` and `state`
/// when the page is shown; plain text renders as itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormPage {
    /// Optional: an untitled page is shown without a heading (empty means none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a field table like `{ name = \"role\", type = \"choice\", choices = [\"core\", \"edge\"] }`"
)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FormType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// A shell command printing the choices as JSON; it gets the answers so far on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices_from: Option<String>,
    /// A regex the whole value must match (text, long_text, secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Numbers: the smallest value; text: the shortest length; multi_choice: the fewest picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Numbers: the largest value; text: the longest length; multi_choice: the most picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// An expression that must be true for the value to be accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<String>,
    /// What to say when `validate` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// An expression; the choices for which it is true are not offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
    /// subscription: only subscriptions of products with this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_tag: Option<String>,
    /// subscription: only subscriptions in these lifecycle states (`"active"` or a list).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub status: Vec<Lifecycle>,
    /// display: the template to show (falls back to `label`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

fn yes() -> bool {
    true
}

impl FieldSpec {
    /// A bare field of a type, with every option at its default.
    pub fn new(name: impl Into<String>, field_type: FormType) -> Self {
        FieldSpec {
            name: name.into(),
            field_type,
            label: None,
            help: None,
            default: None,
            required: true,
            choices: None,
            choices_from: None,
            pattern: None,
            min: None,
            max: None,
            validate: None,
            message: None,
            exclude: None,
            product_tag: None,
            status: Vec::new(),
            template: None,
        }
    }

    /// What a prompt calls the field: its label, else its name.
    pub fn title(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// The field types of DESIGN §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormType {
    Text,
    LongText,
    Int,
    Float,
    Bool,
    Choice,
    MultiChoice,
    Ipv4,
    Ipv6,
    Ipv4Network,
    Subscription,
    Accept,
    Secret,
    Display,
}

impl FormType {
    pub fn as_str(self) -> &'static str {
        match self {
            FormType::Text => "text",
            FormType::LongText => "long_text",
            FormType::Int => "int",
            FormType::Float => "float",
            FormType::Bool => "bool",
            FormType::Choice => "choice",
            FormType::MultiChoice => "multi_choice",
            FormType::Ipv4 => "ipv4",
            FormType::Ipv6 => "ipv6",
            FormType::Ipv4Network => "ipv4_network",
            FormType::Subscription => "subscription",
            FormType::Accept => "accept",
            FormType::Secret => "secret",
            FormType::Display => "display",
        }
    }

    /// Types whose value is free text (where `pattern` and length bounds apply).
    pub fn is_textual(self) -> bool {
        matches!(self, FormType::Text | FormType::LongText | FormType::Secret)
    }

    /// Types whose value is picked from a list (where `exclude` applies).
    pub fn picks(self) -> bool {
        matches!(
            self,
            FormType::Choice | FormType::MultiChoice | FormType::Subscription
        )
    }

    /// Types that take `choices` or `choices_from`.
    pub fn has_choices(self) -> bool {
        matches!(self, FormType::Choice | FormType::MultiChoice)
    }

    pub(crate) fn is_number(self) -> bool {
        matches!(self, FormType::Int | FormType::Float)
    }
}

impl fmt::Display for FormType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One choice: a bare value (`"core"`) or `{ value = …, label = "…" }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Choice {
    pub fn new(value: impl Into<Value>, label: Option<String>) -> Self {
        Choice {
            value: value.into(),
            label,
        }
    }

    /// What a menu shows: the label, else the value.
    pub fn display(&self) -> String {
        match &self.label {
            Some(l) => l.clone(),
            None => plain(&self.value),
        }
    }

    /// Builds a choice from a JSON item: a scalar, or an object with `value` and an
    /// optional `label`. `strict` refuses other keys (definitions); command output may
    /// carry extra keys, which are ignored.
    pub(crate) fn from_json(item: &Value, strict: bool) -> Result<Choice, String> {
        match item {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                Ok(Choice::new(item.clone(), None))
            }
            Value::Object(map) => {
                if strict {
                    if let Some(k) = map.keys().find(|k| *k != "value" && *k != "label") {
                        return Err(format!(
                            "unknown key `{k}` in a choice (expected `value` and `label`)"
                        ));
                    }
                }
                let value = match map.get("value") {
                    Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => v.clone(),
                    Some(other) => {
                        return Err(format!(
                            "a choice's `value` must be a string, number or boolean, got {other}"
                        ));
                    }
                    None => return Err("a choice table needs a `value`".to_string()),
                };
                let label = match map.get("label") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => {
                        return Err(format!("a choice's `label` must be text, got {other}"));
                    }
                };
                Ok(Choice { value, label })
            }
            other => Err(format!(
                "a choice is a string, a number or a table {{ value, label }}, got {other}"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through serde_json::Value so that one function decides the shape for both
        // definitions and `choices_from` output.
        let raw = Value::deserialize(d)?;
        Choice::from_json(&raw, true).map_err(de::Error::custom)
    }
}

/// A value as a person reads it: strings without quotes, everything else as JSON.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Lifecycle>, D::Error> {
    struct OneOrMany;
    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<Lifecycle>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a lifecycle state or a list of them")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            s.parse().map(|l| vec![l]).map_err(E::custom)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(l) = seq.next_element::<Lifecycle>()? {
                out.push(l);
            }
            Ok(out)
        }
    }
    d.deserialize_any(OneOrMany)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::lint::check;
    use serde_json::json;

    fn field(toml_src: &str) -> FieldSpec {
        toml::from_str(toml_src).unwrap()
    }

    #[test]
    fn parses_choices_in_both_shapes_and_status_one_or_many() {
        let f = field(
            r#"name = "role"
type = "choice"
choices = ["core", { value = "edge", label = "Edge router" }, 3]
default = "edge""#,
        );
        let choices = f.choices.clone().unwrap();
        assert_eq!(choices[0], Choice::new("core", None));
        assert_eq!(choices[1], Choice::new("edge", Some("Edge router".into())));
        assert_eq!(choices[2].value, json!(3));
        assert!(f.required);
        assert!(check(&f).is_empty());

        let one = field("name = 'n'\ntype = 'subscription'\nstatus = 'active'");
        assert_eq!(one.status, vec![Lifecycle::Active]);
        let many = field("name = 'n'\ntype = 'subscription'\nstatus = ['active', 'provisioning']");
        assert_eq!(
            many.status,
            vec![Lifecycle::Active, Lifecycle::Provisioning]
        );
        assert!(
            toml::from_str::<FieldSpec>("name = 'n'\ntype = 'subscription'\nstatus = 'gone'")
                .is_err()
        );
    }

    #[test]
    fn unknown_keys_and_types_are_errors() {
        let err =
            toml::from_str::<FieldSpec>("name = 'a'\ntype = 'text'\nrequried = false").unwrap_err();
        assert!(err.to_string().contains("requried"), "{err}");
        assert!(toml::from_str::<FieldSpec>("name = 'a'\ntype = 'string'").is_err());
        let err = toml::from_str::<FieldSpec>(
            "name = 'a'\ntype = 'choice'\nchoices = [{ value = 'x', lable = 'X' }]",
        )
        .unwrap_err();
        assert!(err.to_string().contains("lable"), "{err}");
        assert!(toml::from_str::<FormPage>("title = 't'\nfields = []\nextra = 1").is_err());
    }

    #[test]
    fn round_trips_through_serde() {
        let f = field("name = 'a'\ntype = 'ipv4_network'\nrequired = false\nhelp = 'h'");
        let back: FieldSpec = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
        assert_eq!(back, f);
    }
}
