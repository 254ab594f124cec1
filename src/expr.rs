//! Expressions (`if`, `validate`, `exclude`) and templates (`message`, `render`,
//! descriptions) in one Jinja-compatible language, through minijinja.
//!
//! The environment has no loader and no functions that reach outside: a template can
//! read the context it is given and nothing else (no files, no commands). Undefined
//! values chain (`state.a.b` is undefined, not an error, when `a` is missing), which is
//! what Ansible users expect from `when:`-style conditions.

use std::collections::HashSet;
use std::sync::OnceLock;

use minijinja::machinery::Token;
use minijinja::{Environment, UndefinedBehavior, Value};

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| new_env(UndefinedBehavior::Chainable))
}

/// The same language where a missing value is an error, for names that must not
/// silently lose a part (lock names).
fn strict_env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| new_env(UndefinedBehavior::Strict))
}

fn new_env(undefined: UndefinedBehavior) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(undefined);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // Jinja's Python methods (`.items()`, `.split()`, `.lower()`, `.startswith()`, …)
    // and its filters beyond minijinja's core (`truncate`, `wordcount`, …): what
    // Ansible users write.
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    minijinja_contrib::add_to_environment(&mut env);
    env.add_filter("truncate", truncate);
    env.add_filter(
        "tojson_pretty",
        |v: Value| -> Result<String, minijinja::Error> {
            let json = serde_json::to_value(&v).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
            })?;
            Ok(serde_json::to_string_pretty(&json).unwrap_or_default())
        },
    );
    env
}

/// Jinja's `truncate(length=255, killwords=false, end='...', leeway=5)`, its first
/// three arguments given by position or by name (minijinja-contrib's takes names only).
fn truncate(
    value: Value,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let length = kwargs
        .get::<Option<usize>>("length")?
        .or(length)
        .unwrap_or(255);
    let killwords = kwargs
        .get::<Option<bool>>("killwords")?
        .or(killwords)
        .unwrap_or(false);
    let end = kwargs
        .get::<Option<String>>("end")?
        .or(end)
        .unwrap_or_else(|| "...".into());
    let leeway = kwargs.get::<Option<usize>>("leeway")?.unwrap_or(5);
    kwargs.assert_all_used()?;
    if value.is_undefined() || value.is_none() {
        return Ok(String::new());
    }
    let text = value.to_string();
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= length + leeway {
        return Ok(text);
    }
    let keep = length.saturating_sub(end.chars().count());
    let mut head: String = chars[..keep.min(chars.len())].iter().collect();
    if !killwords {
        if let Some(at) = head.rfind(' ') {
            head.truncate(at);
        }
    }
    Ok(head + &end)
}

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Compiles an expression. minijinja's lexer panics on a closing delimiter of a
/// template (`}}`, `%}`, `#}`) outside a string in an expression (its stack of states
/// runs empty), so one is refused first, with what the expression is instead.
fn compile_expr(expr: &str) -> Result<minijinja::Expression<'_, '_>, String> {
    if let Some(closing) = closing_delimiter(expr) {
        return Err(format!(
            "`{closing}` closes a template tag, and an expression has none: write the expression alone (`state.x == 1`, not `{{{{ state.x == 1 }}}}`)"
        ));
    }
    env().compile_expression(expr).map_err(|e| describe(&e))
}

/// The first `}}`, `%}` or `#}` outside a string literal, if there is one.
fn closing_delimiter(expr: &str) -> Option<&'static str> {
    let mut quote: Option<char> = None;
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '}' | '%' | '#') if chars.peek() == Some(&'}') => {
                return Some(match c {
                    '}' => "}}",
                    '%' => "%}",
                    _ => "#}",
                });
            }
            (None, _) => {}
        }
    }
    None
}

/// Checks that an expression parses and names only filters and tests there are.
pub fn check_expr(expr: &str) -> Result<(), String> {
    let undeclared = compile_expr(expr)?.undeclared_variables(false);
    let tokens = tokens_of(expr, true);
    check_names(&tokens)?;
    check_calls(&tokens, &undeclared)
}

/// Checks that a template parses and names only filters and tests there are.
pub fn check_template(template: &str) -> Result<(), String> {
    let undeclared = env()
        .template_from_str(template)
        .map_err(|e| describe(&e))?
        .undeclared_variables(false);
    let tokens = tokens_of(template, false);
    check_names(&tokens)?;
    check_calls(&tokens, &undeclared)
}

/// A call of a name that is neither the language's own function nor set in the source
/// itself (`lenght(state.x)`) fails every run that reaches it: an error here, where an
/// unknown name that is only read is merely undefined (see [`unknown_names`]).
fn check_calls(tokens: &[Token<'_>], undeclared: &HashSet<String>) -> Result<(), String> {
    for name in called(tokens) {
        let own = name == "caller" || env().globals().any(|(g, _)| g == name);
        if !own && undeclared.contains(&name) {
            let mut message = format!("unknown function `{name}`");
            let globals: Vec<&str> = env().globals().map(|(g, _)| g).collect();
            if let Some(near) = crate::suggest::did_you_mean(&name, globals) {
                message.push_str(&format!("; {near}"));
            }
            return Err(message);
        }
    }
    Ok(())
}

/// A source's tokens, those the lexer cannot read left out (parsing says why).
fn tokens_of(source: &str, in_expr: bool) -> Vec<Token<'_>> {
    use minijinja::machinery::{WhitespaceConfig, tokenize};
    tokenize(
        source,
        in_expr,
        minijinja::syntax::SyntaxConfig,
        WhitespaceConfig::default(),
    )
    .filter_map(|t| t.ok().map(|(token, _)| token))
    .collect()
}

/// The names a source calls as functions (`name(…)`, not a method `x.name(…)`).
fn called(tokens: &[Token<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, pair) in tokens.windows(2).enumerate() {
        if let [Token::Ident(name), Token::ParenOpen] = pair {
            if i == 0 || !matches!(tokens[i - 1], Token::Dot) {
                out.push((*name).to_string());
            }
        }
    }
    out
}

/// The names a language's source reads that its context does not give (`scope`) and
/// that are not the language's own (`range`, `loop`, …), sorted. With chained undefined
/// values such a name is a typo that never errors: `if = "stat.x == 1"` is simply false.
/// An expression or template that does not parse has none (its error says more).
pub fn unknown_names(source: &str, is_expr: bool, scope: &[&str]) -> Vec<String> {
    const OWN: &[&str] = &[
        "range",
        "dict",
        "debug",
        "namespace",
        "cycler",
        "joiner",
        "loop",
        "self",
        "super",
    ];
    let names = if is_expr {
        compile_expr(source)
            .map(|e| e.undeclared_variables(false))
            .unwrap_or_default()
    } else {
        env()
            .template_from_str(source)
            .map(|t| t.undeclared_variables(false))
            .unwrap_or_default()
    };
    // A name called as a function is an error of its own (see `check_calls`).
    let calls = called(&tokens_of(source, is_expr));
    let mut out: Vec<String> = names
        .into_iter()
        .filter(|n| !scope.contains(&n.as_str()) && !OWN.contains(&n.as_str()))
        .filter(|n| !calls.contains(n))
        .collect();
    out.sort();
    out
}

/// minijinja looks a filter or a test up only when a render reaches it, so a misspelt
/// one would pass every check and fail the first run that takes its path. The names
/// are read from the source's tokens and each is tried once on its own.
fn check_names(tokens: &[Token<'_>]) -> Result<(), String> {
    for (i, token) in tokens.iter().enumerate() {
        let ident = |at: usize| match tokens.get(at) {
            Some(Token::Ident(name)) => Some(*name),
            _ => None,
        };
        let filter = match token {
            Token::Pipe => ident(i + 1),
            Token::BlockStart if ident(i + 1) == Some("filter") => ident(i + 2),
            _ => None,
        };
        if let Some(name) = filter {
            probe(name, true)?;
        }
        if let Token::Ident("is") = token {
            let at = if ident(i + 1) == Some("not") {
                i + 2
            } else {
                i + 1
            };
            if let Some(name) = ident(at) {
                probe(name, false)?;
            }
        }
    }
    Ok(())
}

/// Whether the filter (`filter`) or test (`!filter`) `name` exists, as an error
/// naming it unknown and a near name when not.
fn probe(name: &str, filter: bool) -> Result<(), String> {
    let shape = |n: &str| {
        if filter {
            format!("{{{{ none | {n} }}}}")
        } else {
            format!("{{{{ none is {n} }}}}")
        }
    };
    if known(&shape(name)) {
        return Ok(());
    }
    let (what, names) = if filter {
        ("filter", FILTERS)
    } else {
        ("test", TESTS)
    };
    let mut msg = format!("unknown {what} `{name}`");
    let there = names.iter().copied().filter(|n| known(&shape(n)));
    if let Some(near) = crate::suggest::did_you_mean(name, there) {
        msg.push_str(&format!(" ({near})"));
    }
    Err(msg)
}

/// Whether rendering `probe` gets further than looking its filter or test up.
fn known(probe: &str) -> bool {
    use minijinja::ErrorKind;
    !matches!(
        env().render_str(probe, ()),
        Err(e) if matches!(e.kind(), ErrorKind::UnknownFilter | ErrorKind::UnknownTest)
    )
}

/// Filters a misspelling may have meant (those this build has are kept).
const FILTERS: &[&str] = &[
    "abs",
    "attr",
    "filesizeformat",
    "pluralize",
    "striptags",
    "truncate",
    "wordcount",
    "batch",
    "bool",
    "capitalize",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "tojson",
    "tojson_pretty",
    "trim",
    "unique",
    "upper",
    "urlencode",
    "chain",
    "zip",
];

/// Tests a misspelling may have meant (those this build has are kept).
const TESTS: &[&str] = &[
    "boolean",
    "defined",
    "divisibleby",
    "endingwith",
    "eq",
    "equalto",
    "escaped",
    "even",
    "false",
    "filter",
    "float",
    "ge",
    "gt",
    "in",
    "integer",
    "iterable",
    "le",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "safe",
    "sameas",
    "sequence",
    "startingwith",
    "string",
    "test",
    "true",
    "undefined",
    "upper",
];

/// Evaluates an expression to a JSON value.
pub fn eval(expr: &str, ctx: &serde_json::Value) -> Result<serde_json::Value, String> {
    let compiled = compile_expr(expr)?;
    let value = finite(
        compiled
            .eval(Value::from_serialize(ctx))
            .map_err(|e| describe(&e))?,
    )?;
    if value.is_undefined() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::to_value(&value).map_err(|e| e.to_string())
}

/// Evaluates an expression for its truth (Jinja truthiness: empty and undefined are false).
pub fn eval_bool(expr: &str, ctx: &serde_json::Value) -> Result<bool, String> {
    let compiled = compile_expr(expr)?;
    let value = finite(
        compiled
            .eval(Value::from_serialize(ctx))
            .map_err(|e| describe(&e))?,
    )?;
    Ok(value.is_true())
}

/// Refuses a number that is no number: the expression language divides floats, so
/// `1 / 0` gives infinity (which is true) and `0 / 0` not-a-number, where a reader
/// expects an error.
fn finite(value: Value) -> Result<Value, String> {
    match f64::try_from(value.clone()) {
        Ok(n) if !n.is_finite() && value.kind() == minijinja::value::ValueKind::Number => Err(
            format!("the expression gives `{value}`, which is no number: a division by zero?"),
        ),
        _ => Ok(value),
    }
}

/// Renders a template.
pub fn render(template: &str, ctx: &serde_json::Value) -> Result<String, String> {
    env()
        .render_str(template, Value::from_serialize(ctx))
        .map_err(|e| describe(&e))
}

/// Renders a template in which every value it reads must exist (`default(…)` still
/// gives one that does not).
pub fn render_strict(template: &str, ctx: &serde_json::Value) -> Result<String, String> {
    strict_env()
        .render_str(template, Value::from_serialize(ctx))
        .map_err(|e| describe(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A division by zero is an error, not infinity (true) or not-a-number; a finite
    /// quotient is a number as before.
    #[test]
    fn a_division_by_zero_is_an_error_not_infinity() {
        let state = serde_json::json!({"n": 0});
        for bad in ["1 / 0", "1 / n", "0 / 0", "-1 / n"] {
            let e = eval_bool(bad, &state).unwrap_err();
            assert!(e.contains("division by zero"), "{bad}: {e}");
            assert!(eval(bad, &state).is_err(), "{bad}");
        }
        assert_eq!(eval("3 / 2", &state).unwrap(), serde_json::json!(1.5));
        assert!(eval_bool("1 / 2 > 0", &state).unwrap());
    }

    /// A template's closing delimiter in an expression (which made minijinja's lexer
    /// panic) is refused with a reason; inside a string it is only text.
    #[test]
    fn a_closing_delimiter_outside_a_string_is_refused_not_a_panic() {
        for bad in ["s}}[", "a %} b", "a #} b", "{{ state.x }}"] {
            let e = check_expr(bad).unwrap_err();
            assert!(e.contains("closes a template tag"), "{bad}: {e}");
            assert!(eval_bool(bad, &serde_json::json!({})).is_err(), "{bad}");
        }
        let state = serde_json::json!({"x": "}}", "y": "%}"});
        assert!(eval_bool("x == '}}' and y == \"%}\"", &state).unwrap());
        assert!(eval_bool("x == '\\'}}'", &state).is_ok());
    }
    use serde_json::json;

    #[test]
    fn conditions_and_templates() {
        let ctx = json!({"state": {"role": "core", "n": 3}});
        assert!(eval_bool("state.role == 'core'", &ctx).unwrap());
        assert!(!eval_bool("state.missing.deeper", &ctx).unwrap());
        assert_eq!(eval("state.n + 1", &ctx).unwrap(), json!(4));
        assert_eq!(render("hi {{ state.role }}", &ctx).unwrap(), "hi core");
        assert!(check_expr("state.role ==").is_err());
        assert!(check_template("{% if %}").is_err());
    }

    #[test]
    fn unknown_filters_and_tests_are_found_before_a_run_reaches_them() {
        let e = check_template("{% if false %}{{ state.x | uper }}{% endif %}").unwrap_err();
        assert!(e.contains("unknown filter `uper`"), "{e}");
        assert!(e.contains("upper"), "{e}");
        let e = check_expr("state.x is not definedd").unwrap_err();
        assert!(e.contains("unknown test `definedd`"), "{e}");
        assert!(check_template("{% filter nosuch %}x{% endfilter %}").is_err());
        for fine in [
            "{{ state.x | upper | default('a|b') }}",
            "{{ state.x | tojson_pretty }}",
            "{{ 'a | nosuch' }}",
            "{% if state.x is defined and state.y is not none %}y{% endif %}",
        ] {
            assert_eq!(check_template(fine), Ok(()), "{fine}");
        }
        assert_eq!(
            check_expr("state.n is divisibleby(3) or state.n | int > 2"),
            Ok(())
        );
    }

    #[test]
    fn strict_rendering_refuses_what_is_missing() {
        let ctx = json!({"state": {"pool": "a"}});
        assert_eq!(
            render_strict("ipam:{{ state.pool }}", &ctx).unwrap(),
            "ipam:a"
        );
        assert!(render_strict("ipam:{{ state.nope }}", &ctx).is_err());
        assert_eq!(
            render_strict("d:{{ state.nope | default('x') }}", &ctx).unwrap(),
            "d:x"
        );
    }

    /// What Ansible users write: Python's methods on strings and mappings, and the
    /// filters beyond minijinja's core.
    #[test]
    fn jinja_idioms_of_ansible_work() {
        let ctx = json!({"state": {"vlans": {"10": "mgmt", "20": "voice"}, "name": " Rtr1.AMS ", "text": "a b c"}});
        let t = "{% for id, name in state.vlans.items() %}{{ id }}={{ name }};{% endfor %}";
        assert_eq!(check_template(t), Ok(()));
        assert_eq!(render(t, &ctx).unwrap(), "10=mgmt;20=voice;");
        assert_eq!(
            render("{{ state.name.strip().lower().split('.')[0] }}", &ctx).unwrap(),
            "rtr1"
        );
        assert_eq!(
            render(
                "{{ state.vlans.get('30', 'none') }} {{ state.vlans.keys() | list | length }}",
                &ctx
            )
            .unwrap(),
            "none 2"
        );
        assert!(eval_bool("state.name.strip().startswith('Rtr')", &ctx).unwrap());
        assert_eq!(render("{{ state.text | wordcount }}", &ctx).unwrap(), "3");
        let long = render("{{ ('word ' * 20) | truncate(20) }}", &ctx).unwrap();
        assert!(long.len() < 30 && long.ends_with("..."), "{long}");
        assert_eq!(
            render(
                "{{ 'abcdefghijklmnop' | truncate(8, true, '>', leeway=0) }}",
                &ctx
            )
            .unwrap(),
            "abcdefg>"
        );
        assert_eq!(
            render(
                "{{ 'one two three four' | truncate(length=12, leeway=0) }}",
                &ctx
            )
            .unwrap(),
            "one two..."
        );
    }

    #[test]
    fn templates_cannot_reach_outside() {
        let ctx = json!({});
        assert!(render("{% include '/etc/passwd' %}", &ctx).is_err());
        assert!(render("{{ range(10000000000) }}", &ctx).is_err());
    }
}
