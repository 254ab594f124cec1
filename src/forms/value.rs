//! Turning an answer into a typed value and checking it against its field.
//!
//! An answer arrives as a string (`--input key=value`, a prompt, `ORCH_SECRET_*`) or as
//! JSON (`--input-file`, a default). [`coerce`] brings both to the field's JSON type;
//! [`validate`] then applies every rule of the field. Whatever the source, these two
//! functions decide, so the three ways to answer cannot drift apart. Errors are whole
//! sentences naming what was expected; a secret's value never appears in one.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Number, Value};

use super::choices::ChoiceSet;
use super::schema::{FieldSpec, FormType, plain};
use crate::expr;

/// What form expressions see besides `value`: the answers so far and the state.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub answers: &'a Map<String, Value>,
    pub state: &'a Value,
}

impl Scope<'_> {
    /// The context for an expression about `value`.
    pub fn with_value(&self, value: &Value) -> Value {
        let mut ctx = self.context();
        if let Value::Object(m) = &mut ctx {
            m.insert("value".into(), value.clone());
        }
        ctx
    }

    /// The context for templates: `answers` and `state`.
    pub fn context(&self) -> Value {
        let mut m = Map::new();
        m.insert("answers".into(), Value::Object(self.answers.clone()));
        m.insert("state".into(), self.state.clone());
        Value::Object(m)
    }
}

/// Splits a `--input key=value` argument at the first `=`.
pub fn split_assignment(arg: &str) -> Result<(&str, &str), String> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => Err(format!("expected key=value, got `{arg}`")),
    }
}

/// Parses a string answer into the field's type.
pub fn parse_str(field: &FieldSpec, raw: &str) -> Result<Value, String> {
    let t = field.field_type;
    let got = |what: &str| format!("expected {what}, got `{raw}`");
    match t {
        FormType::Text | FormType::LongText | FormType::Secret => {
            Ok(Value::String(raw.to_string()))
        }
        FormType::Choice | FormType::Subscription => Ok(Value::String(raw.trim().to_string())),
        // As in a JSON answer, a number without a fraction is whole: `5.0`, `1e2`.
        FormType::Int => raw
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| {
                let f = raw.trim().parse::<f64>().ok()?;
                (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
            })
            .map(Value::from)
            .ok_or_else(|| got("a whole number like 42")),
        FormType::Float => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| got("a number like 1.5")),
        FormType::Bool => parse_bool(raw)
            .map(Value::Bool)
            .ok_or_else(|| got("yes or no (yes/no, y/n, true/false, 1/0)")),
        FormType::Accept => match parse_bool(raw) {
            Some(true) => Ok(Value::Bool(true)),
            Some(false) => Err(must_accept()),
            None => Err(got("yes to accept (yes, y, true or 1)")),
        },
        FormType::MultiChoice => {
            let raw = raw.trim();
            if raw.starts_with('[') {
                let v: Value = serde_json::from_str(raw)
                    .map_err(|e| format!("expected a JSON array ({e}), got `{raw}`"))?;
                coerce(field, &v)
            } else {
                let items = raw.split(',').map(str::trim).filter(|s| !s.is_empty());
                Ok(Value::Array(
                    items.map(|s| Value::String(s.to_string())).collect(),
                ))
            }
        }
        FormType::Ipv4 => raw
            .trim()
            .parse::<Ipv4Addr>()
            .map(|a| Value::String(a.to_string()))
            .map_err(|_| got("an IPv4 address like 192.0.2.1")),
        // Stored in canonical form, so that two spellings of one address compare equal.
        FormType::Ipv6 => raw
            .trim()
            .parse::<Ipv6Addr>()
            .map(|a| Value::String(a.to_string()))
            .map_err(|_| got("an IPv6 address like 2001:db8::1")),
        FormType::Ipv4Network => parse_ipv4_network(raw.trim()).map(Value::String),
        FormType::Display => Err(display_takes_nothing()),
    }
}

/// The words a yes/no answer takes, the prompt's `y` and `n` among them, so that
/// what is typed at a prompt is taken from `--input` as well.
fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn must_accept() -> String {
    "must be accepted (yes) to go on".to_string()
}

fn display_takes_nothing() -> String {
    "a display field only shows text; it takes no value".to_string()
}

/// `192.0.2.0/24`: a network address with its prefix length, host bits clear.
fn parse_ipv4_network(raw: &str) -> Result<String, String> {
    let expected = "expected an IPv4 network like 192.0.2.0/24";
    let (addr, len) = raw
        .split_once('/')
        .ok_or_else(|| format!("{expected}, got `{raw}` (no /prefix length)"))?;
    let addr: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("{expected}, got `{raw}`"))?;
    let len: u32 = match len.parse() {
        Ok(n) if n <= 32 && len.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => {
            return Err(format!(
                "{expected}, got `{raw}` (the prefix length must be 0 to 32)"
            ));
        }
    };
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    let bits = u32::from(addr);
    if bits & !mask != 0 {
        let net = Ipv4Addr::from(bits & mask);
        return Err(format!(
            "{expected}, got `{raw}` (host bits are set; the network is {net}/{len})"
        ));
    }
    Ok(format!("{addr}/{len}"))
}

/// Brings a JSON answer to the field's type. Strings are parsed as if typed (so
/// `{"vlan": "10"}` works like `--input vlan=10`); other JSON must already have the type.
pub fn coerce(field: &FieldSpec, value: &Value) -> Result<Value, String> {
    let t = field.field_type;
    if t == FormType::Display {
        return Err(display_takes_nothing());
    }
    if let Value::String(s) = value {
        return parse_str(field, s);
    }
    let got = |what: &str| {
        if t == FormType::Secret {
            format!("expected {what}")
        } else {
            format!("expected {what}, got `{value}`")
        }
    };
    match (t, value) {
        // A whole number past what a 64-bit integer holds is refused as `--input` refuses
        // it, not kept (and shown rounded, 9223372036854776000, by a min/max check).
        (FormType::Int, Value::Number(n)) if n.is_i64() => Ok(value.clone()),
        // JSON Schema's `integer` (the form's schema says so) is any number without a
        // fraction: 3.0 is 3, as a client in a language without integers sends it.
        (FormType::Int, Value::Number(n))
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15) =>
        {
            Ok(Value::from(n.as_f64().unwrap_or_default() as i64))
        }
        (FormType::Int, _) => Err(got("a whole number like 42")),
        (FormType::Float, Value::Number(_)) => Ok(value.clone()),
        (FormType::Float, _) => Err(got("a number like 1.5")),
        (FormType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (FormType::Bool, _) => Err(got("true or false")),
        (FormType::Accept, Value::Bool(true)) => Ok(value.clone()),
        (FormType::Accept, Value::Bool(false)) => Err(must_accept()),
        (FormType::Accept, _) => Err(got("true to accept")),
        (FormType::Choice, Value::Number(_) | Value::Bool(_)) => Ok(value.clone()),
        (FormType::Choice, _) => Err(got("one of the choices")),
        (FormType::MultiChoice, Value::Array(items)) => {
            if let Some(bad) = items
                .iter()
                .find(|i| !matches!(i, Value::String(_) | Value::Number(_) | Value::Bool(_)))
            {
                return Err(format!(
                    "expected a list of choices, got `{bad}` in the list"
                ));
            }
            Ok(value.clone())
        }
        (FormType::MultiChoice, _) => Err(got("a list of choices")),
        (FormType::Text | FormType::LongText | FormType::Secret, _) => Err(got("text")),
        (FormType::Ipv4, _) => Err(got("an IPv4 address like 192.0.2.1")),
        (FormType::Ipv6, _) => Err(got("an IPv6 address like 2001:db8::1")),
        (FormType::Ipv4Network, _) => Err(got("an IPv4 network like 192.0.2.0/24")),
        (FormType::Subscription, _) => Err(got("a subscription id")),
        (FormType::Display, _) => Err(display_takes_nothing()),
    }
}

/// Whether an answer counts as not given: null, an empty string, or an empty list for a
/// multi_choice (unless `min = 0` says that picking nothing is an answer; then an empty
/// string, `--input tags=`, is that answer: the list of no items).
pub(crate) fn is_blank(field: &FieldSpec, v: &Value) -> bool {
    let none_picked_answers = field.field_type == FormType::MultiChoice && field.min == Some(0.0);
    match v {
        Value::Null => true,
        // In a text field spaces are an answer; elsewhere they are nothing typed.
        Value::String(s) if field.field_type.is_textual() => s.is_empty(),
        Value::String(s) => s.trim().is_empty() && !none_picked_answers,
        Value::Array(a) => {
            a.is_empty() && field.field_type == FormType::MultiChoice && !none_picked_answers
        }
        _ => false,
    }
}

/// Checks a typed value against every rule of the field and returns it normalised
/// (a choice given as text becomes the choice's own value; repeated picks collapse).
/// `choices` must be given for choice, multi_choice and subscription fields.
pub fn validate(
    field: &FieldSpec,
    value: Value,
    choices: Option<&ChoiceSet>,
    scope: &Scope,
) -> Result<Value, String> {
    let t = field.field_type;
    let shown = |v: &Value| {
        if t == FormType::Secret {
            "the value".to_string()
        } else {
            format!("`{}`", plain(v))
        }
    };
    let value = match (&value, choices) {
        (Value::Array(items), Some(set)) if t == FormType::MultiChoice => {
            let mut picked: Vec<Value> = Vec::new();
            for item in items {
                let c = set.pick(item)?;
                if !picked.contains(&c.value) {
                    picked.push(c.value.clone());
                }
            }
            Value::Array(picked)
        }
        (_, Some(set)) if t.picks() => set.pick(&value)?.value.clone(),
        _ => value,
    };

    check_rules(field, &value)?;

    if let Some(rule) = &field.validate {
        let ctx = scope.with_value(&value);
        let ok = expr::eval_bool(rule, &ctx)
            .map_err(|e| format!("could not check the value: `{rule}` failed: {e}"))?;
        if !ok {
            return Err(match &field.message {
                // The value refused is named, as the built-in checks name it (a secret
                // is not), unless the message names it already.
                Some(m) => {
                    let said = expr::render(m, &ctx).unwrap_or_else(|_| m.clone());
                    if t == FormType::Secret || names(&said, &plain(&value)) {
                        said
                    } else {
                        format!("{said} (got {})", shown(&value))
                    }
                }
                None => format!("{} is not accepted (it fails `{rule}`)", shown(&value)),
            });
        }
    }
    Ok(value)
}

/// Whether `text` names `word` as a word of its own, not as letters inside another
/// word: "too short" does not name the answer `s`, nor "10.0.0.10 is taken" `10.0.0.1`.
fn names(text: &str, word: &str) -> bool {
    let inner = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !word.is_empty()
        && text.match_indices(word).any(|(i, _)| {
            !inner(text[..i].chars().next_back()) && !inner(text[i + word.len()..].chars().next())
        })
}

/// The rules of a field that need nothing but the value: `pattern`, `min` and `max`.
fn check_rules(field: &FieldSpec, value: &Value) -> Result<(), String> {
    let t = field.field_type;
    let shown = |v: &Value| {
        if t == FormType::Secret {
            "the value".to_string()
        } else {
            format!("`{}`", plain(v))
        }
    };
    if let (Some(p), Value::String(s)) = (&field.pattern, value) {
        // Anchored: a pattern describes the whole value, as people read it.
        let re = regex::Regex::new(&format!("^(?:{p})$"))
            .map_err(|e| format!("the field's pattern is not a valid regex: {e}"))?;
        if !re.is_match(s) {
            return Err(format!("{} does not match the pattern `{p}`", shown(value)));
        }
    }
    let (amount, unit) = match (value, t) {
        (Value::Number(n), _) => (n.as_f64(), ""),
        (Value::String(s), t) if t.is_textual() => {
            (Some(s.chars().count() as f64), " characters long")
        }
        (Value::Array(a), FormType::MultiChoice) => (Some(a.len() as f64), " picks"),
        _ => (None, ""),
    };
    if let Some(n) = amount {
        // A secret's length is part of the secret.
        let got = if t == FormType::Secret {
            String::new()
        } else {
            format!(", got {n}")
        };
        if let Some(lo) = field.min.filter(|lo| n < *lo) {
            return Err(bound_message("at least", lo, unit, &got, t));
        }
        if let Some(hi) = field.max.filter(|hi| n > *hi) {
            return Err(bound_message("at most", hi, unit, &got, t));
        }
    }

    Ok(())
}

fn bound_message(which: &str, bound: f64, unit: &str, got: &str, t: FormType) -> String {
    if t == FormType::MultiChoice {
        format!("pick {which} {bound}{got}")
    } else {
        format!("must be {which} {bound}{unit}{got}")
    }
}

/// The static part of [`validate`], for the lint: a default must have the field's type,
/// keep its `pattern`, `min` and `max`, and, with fixed choices, be one of them.
pub(crate) fn check_default(field: &FieldSpec, default: &Value) -> Result<(), String> {
    let typed = coerce(field, default)?;
    check_rules(field, &typed)?;
    if let Some(choices) = &field.choices {
        let set = ChoiceSet {
            available: choices.clone(),
            ..ChoiceSet::default()
        };
        let picked = match &typed {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        if let Some(bad) = picked.iter().find(|v| set.find(v).is_none()) {
            return Err(set.refusal(bad));
        }
    }
    Ok(())
}

/// Answers for a workflow without a form: there is no field to type them, so text
/// that reads as JSON (numbers, booleans, objects, lists) is taken as such. Text that
/// would nest past the state's figure under its key is refused (see [`TooDeep`]).
pub fn loose(given: Map<String, Value>) -> Result<Map<String, Value>, TooDeep> {
    given
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => loose_value(s, 1).map_err(|levels| TooDeep {
                    key: k.clone(),
                    levels,
                })?,
                other => other,
            };
            Ok((k, v))
        })
        .collect()
}

/// One text answer of [`loose`], landing `above` levels down in the document it joins:
/// JSON if it reads as JSON other than a string, else the text itself. Text of objects
/// or arrays that would nest that document past [`crate::depth::MAX_DEPTH`] is refused
/// with that depth, measured before parsing: parsed, it would make a state no reader
/// takes back, and past the parser's own limit it would silently stay text. Text
/// holding a whole number no 64-bit integer holds stays text too, as typed: read as
/// JSON, its last digits would be lost.
pub fn loose_value(text: String, above: usize) -> Result<Value, usize> {
    if text.trim_start().starts_with(['{', '['])
        && let Some(levels) = crate::depth::too_deep_within(text.as_bytes(), above)
    {
        return Err(levels);
    }
    if crate::numbers::inexact_integer(text.as_bytes()).is_some() {
        return Ok(Value::String(text));
    }
    Ok(serde_json::from_str::<Value>(&text)
        .ok()
        .filter(|j| !j.is_string())
        .unwrap_or(Value::String(text)))
}

/// A text answer of [`loose`] whose JSON, under its key, nests past the state's figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// The key it was given for.
    pub key: String,
    /// How deep the answers nest with it, counting their object.
    pub levels: usize,
}

impl TooDeep {
    /// The words of the refusal, the same wherever the answer came from.
    pub fn message(&self) -> String {
        too_deep_message(&self.key, self.levels)
    }
}

/// Says that the value of `key` nests the document it joins `levels` deep.
pub fn too_deep_message(key: &str, levels: usize) -> String {
    format!(
        "the value of `{key}` nests {levels} levels of objects and arrays (with the keys around it), past the {} a state may nest",
        crate::depth::MAX_DEPTH
    )
}

/// What to do about a value nested too deep.
pub const TOO_DEEP_HINT: &str = "flatten the value: a state nests at most that deep, so that whatever reads it (show, events, the API) takes it back";

impl From<TooDeep> for crate::error::Error {
    fn from(e: TooDeep) -> Self {
        crate::error::Error::usage(e.message()).with_hint(TOO_DEEP_HINT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::Choice;
    use serde_json::json;

    fn f(t: FormType) -> FieldSpec {
        FieldSpec::new("x", t)
    }

    fn check(field: &FieldSpec, v: Value) -> Result<Value, String> {
        let answers = Map::new();
        let state = json!({});
        let scope = Scope {
            answers: &answers,
            state: &state,
        };
        let set = field.choices.clone().map(|available| ChoiceSet {
            available,
            ..ChoiceSet::default()
        });
        validate(field, coerce(field, &v)?, set.as_ref(), &scope)
    }

    #[test]
    fn parses_every_type_from_text() {
        use FormType::*;
        let ok =
            |t, raw: &str, want: Value| assert_eq!(parse_str(&f(t), raw), Ok(want), "{t} {raw}");
        ok(Text, " as is ", json!(" as is "));
        ok(LongText, "a\nb", json!("a\nb"));
        ok(Secret, "s3cret", json!("s3cret"));
        ok(Int, " -42 ", json!(-42));
        ok(Float, "1.5", json!(1.5));
        ok(Float, "2", json!(2.0));
        for (raw, b) in [
            ("true", true),
            ("YES", true),
            ("1", true),
            ("Y", true),
            ("false", false),
            ("n", false),
            ("no", false),
            ("0", false),
        ] {
            ok(Bool, raw, json!(b));
        }
        ok(Accept, "yes", json!(true));
        ok(Choice, "core", json!("core"));
        ok(MultiChoice, "a, b,,c", json!(["a", "b", "c"]));
        ok(MultiChoice, r#"["a", 2]"#, json!(["a", 2]));
        ok(Ipv4, "192.0.2.1", json!("192.0.2.1"));
        ok(Ipv6, "2001:DB8:0:0::1", json!("2001:db8::1"));
        ok(Ipv4Network, "192.0.2.0/24", json!("192.0.2.0/24"));
        ok(Ipv4Network, "0.0.0.0/0", json!("0.0.0.0/0"));
        ok(Ipv4Network, "10.0.0.1/32", json!("10.0.0.1/32"));
        ok(Subscription, "0192-abc", json!("0192-abc"));
    }

    #[test]
    fn a_message_names_a_value_only_as_a_word_of_its_own() {
        assert!(names("`r` is reserved", "r"));
        assert!(names("r is reserved", "r"));
        assert!(!names("only for Rec routers", "r"));
        assert!(!names("10.0.0.10 is taken", "10.0.0.1"));
        assert!(names("10.0.0.1 is taken", "10.0.0.1"));
        assert!(!names("anything", ""));
    }

    #[test]
    fn a_whole_float_is_an_int_as_json_schema_says() {
        let int = f(FormType::Int);
        assert_eq!(
            coerce(&int, &serde_json::json!(3.0)),
            Ok(serde_json::json!(3))
        );
        assert!(coerce(&int, &serde_json::json!(3.5)).is_err());
        assert!(coerce(&int, &serde_json::json!(1e300)).is_err());
    }

    /// A JSON answer is refused past the 64-bit range as the same number typed is.
    #[test]
    fn a_whole_number_past_the_64_bit_range_is_refused_as_typed() {
        let int = f(FormType::Int);
        let big: Value = serde_json::from_str("9223372036854775808").unwrap();
        assert_eq!(
            coerce(&int, &big),
            Err("expected a whole number like 42, got `9223372036854775808`".to_string())
        );
        assert_eq!(coerce(&int, &big), parse_str(&int, "9223372036854775808"));
        let max: Value = serde_json::from_str("9223372036854775807").unwrap();
        assert_eq!(coerce(&int, &max), Ok(max.clone()));
    }

    /// Typed as in a JSON answer: a number without a fraction is whole.
    #[test]
    fn a_whole_number_may_be_written_as_a_float() {
        let int = f(FormType::Int);
        assert_eq!(parse_str(&int, "5.0").unwrap(), json!(5));
        assert_eq!(parse_str(&int, "1e2").unwrap(), json!(100));
        assert_eq!(parse_str(&int, " -7 ").unwrap(), json!(-7));
        assert!(parse_str(&int, "1e300").is_err());
        assert!(parse_str(&int, "nan").is_err());
    }

    #[test]
    fn bad_text_names_what_was_expected() {
        use FormType::*;
        let err = |t, raw: &str| parse_str(&f(t), raw).unwrap_err();
        assert_eq!(
            err(Ipv4, "300.1.1.1"),
            "expected an IPv4 address like 192.0.2.1, got `300.1.1.1`"
        );
        assert_eq!(
            err(Int, "4.2"),
            "expected a whole number like 42, got `4.2`"
        );
        assert_eq!(err(Float, "NaN"), "expected a number like 1.5, got `NaN`");
        assert!(err(Bool, "maybe").starts_with("expected yes or no"));
        assert_eq!(err(Accept, "no"), "must be accepted (yes) to go on");
        assert!(err(Accept, "sure").contains("got `sure`"));
        assert!(err(Ipv6, "2001:db8::g").contains("IPv6"));
        assert!(err(Ipv4Network, "192.0.2.0").contains("no /prefix"));
        assert!(err(Ipv4Network, "192.0.2.0/33").contains("0 to 32"));
        assert!(err(Ipv4Network, "192.0.2.0/+8").contains("0 to 32"));
        assert!(err(Ipv4Network, "192.0.2.1/24").contains("the network is 192.0.2.0/24"));
        assert!(err(MultiChoice, "[1,").contains("JSON array"));
        assert!(err(MultiChoice, "[[1]]").contains("list of choices"));
        assert!(err(Display, "x").contains("display"));
    }

    #[test]
    fn json_values_must_have_the_type() {
        use FormType::*;
        assert_eq!(coerce(&f(Int), &json!(7)), Ok(json!(7)));
        assert_eq!(coerce(&f(Int), &json!("7")), Ok(json!(7)));
        assert!(
            coerce(&f(Int), &json!(7.5))
                .unwrap_err()
                .contains("got `7.5`")
        );
        assert_eq!(coerce(&f(Float), &json!(7)), Ok(json!(7)));
        assert!(coerce(&f(Bool), &json!(1)).is_err());
        assert!(
            coerce(&f(Text), &json!(5))
                .unwrap_err()
                .contains("expected text")
        );
        assert_eq!(coerce(&f(Secret), &json!(5)), Err("expected text".into()));
        assert!(coerce(&f(Accept), &json!(false)).is_err());
        assert!(coerce(&f(MultiChoice), &json!("a")).is_ok());
        assert!(coerce(&f(MultiChoice), &json!({"a": 1})).is_err());
        assert!(coerce(&f(Ipv4), &json!(3232235777u32)).is_err());
    }

    #[test]
    fn pattern_and_bounds() {
        let mut name = f(FormType::Text);
        name.pattern = Some("[a-z]+[0-9]".into());
        name.max = Some(5.0);
        assert_eq!(check(&name, json!("rtr1")), Ok(json!("rtr1")));
        assert!(
            check(&name, json!("xrtr1x"))
                .unwrap_err()
                .contains("does not match the pattern")
        );
        assert_eq!(
            check(&name, json!("rtrrr1")).unwrap_err(),
            "must be at most 5 characters long, got 6"
        );

        let mut vlan = f(FormType::Int);
        vlan.min = Some(1.0);
        vlan.max = Some(4094.0);
        assert_eq!(
            check(&vlan, json!("0")).unwrap_err(),
            "must be at least 1, got 0"
        );
        assert_eq!(
            check(&vlan, json!(4095)).unwrap_err(),
            "must be at most 4094, got 4095"
        );
        assert!(check(&vlan, json!(10)).is_ok());

        let mut pw = f(FormType::Secret);
        pw.min = Some(8.0);
        pw.pattern = Some(".*[0-9].*".into());
        let err = check(&pw, json!("hunter")).unwrap_err();
        assert!(!err.contains("hunter"), "{err}");
        assert!(
            !check(&pw, json!("hunterhunter"))
                .unwrap_err()
                .contains("hunter")
        );
    }

    #[test]
    fn choices_and_multi_counts() {
        let mut role = f(FormType::Choice);
        role.choices = Some(vec![Choice::new("core", None), Choice::new("edge", None)]);
        assert_eq!(
            check(&role, json!("x")).unwrap_err(),
            "`x` is not one of core, edge"
        );
        assert_eq!(check(&role, json!("edge")), Ok(json!("edge")));

        let mut port = f(FormType::Choice);
        port.choices = Some(vec![Choice::new(1, None), Choice::new(2, None)]);
        assert_eq!(
            check(&port, json!("2")),
            Ok(json!(2)),
            "text names a numeric choice"
        );

        let mut tags = f(FormType::MultiChoice);
        tags.choices = Some(["a", "b", "c"].map(|s| Choice::new(s, None)).to_vec());
        tags.min = Some(2.0);
        assert_eq!(check(&tags, json!("a,b,a")), Ok(json!(["a", "b"])));
        assert_eq!(
            check(&tags, json!(["a"])).unwrap_err(),
            "pick at least 2, got 1"
        );
        assert_eq!(
            check(&tags, json!("a,z")).unwrap_err(),
            "`z` is not one of a, b, c"
        );
    }

    #[test]
    fn validate_expression_with_and_without_message() {
        let mut asn = f(FormType::Int);
        asn.validate = Some("value % 2 == 0".into());
        assert!(check(&asn, json!(4)).is_ok());
        assert_eq!(
            check(&asn, json!(3)).unwrap_err(),
            "`3` is not accepted (it fails `value % 2 == 0`)"
        );
        asn.message = Some("{{ value }} is odd; use an even number".into());
        assert_eq!(
            check(&asn, json!(3)).unwrap_err(),
            "3 is odd; use an even number"
        );
        // A message that does not name the value is told it.
        asn.message = Some("must be even".into());
        assert_eq!(check(&asn, json!(3)).unwrap_err(), "must be even (got `3`)");
    }

    #[test]
    fn blank_answers() {
        assert!(is_blank(&f(FormType::Int), &json!("")));
        assert!(is_blank(&f(FormType::Text), &json!("")));
        assert!(
            !is_blank(&f(FormType::Text), &json!("  ")),
            "spaces are text"
        );
        assert!(is_blank(&f(FormType::MultiChoice), &json!([])));
        let mut none_ok = f(FormType::MultiChoice);
        none_ok.min = Some(0.0);
        assert!(!is_blank(&none_ok, &json!([])));
        assert!(
            !is_blank(&none_ok, &json!("")),
            "`--input tags=` picks none"
        );
    }

    #[test]
    fn assignments() {
        assert_eq!(split_assignment("a=b=c"), Ok(("a", "b=c")));
        assert_eq!(split_assignment("a="), Ok(("a", "")));
        assert!(split_assignment("novalue").is_err());
        assert!(split_assignment("=x").is_err());
    }
}
