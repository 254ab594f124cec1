//! orch's schema name in a PostgreSQL address: read from the server options the way
//! the server reads them, checked, and written back as a `search_path` of that one
//! schema.

use crate::error::Error;

/// Checks a schema name orch will create and use.
pub(super) fn check_schema(schema: &str) -> Result<(), Error> {
    let problem = if schema.is_empty() {
        Some("is empty")
    } else if schema.len() > 63 {
        Some("is longer than PostgreSQL's 63 bytes")
    } else if schema.contains('\0') {
        Some("contains a NUL character")
    } else if schema.starts_with("pg_") {
        Some("starts with `pg_`, which PostgreSQL reserves")
    } else if schema.starts_with('$') {
        Some("is not a schema name")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(Error::usage(format!("the PostgreSQL schema `{schema}` {p}"))
            .with_hint("name another schema with orch.toml's `pg_schema` or the address's options=-csearch_path%3DNAME")),
    }
}

/// Splits server options (`-c name=value`, `-cname=value`, `--name=value`, separated
/// by spaces, `\` escaping the next character, as the server reads them) into the
/// options other than `search_path`, and the first schema of `search_path`, if set.
pub(super) fn split_search_path(options: &str) -> Result<(Vec<String>, Option<String>), Error> {
    let words = split_options(options);
    let mut rest = Vec::new();
    let mut schema = None;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let (setting, used) = if word == "-c" {
            (words.get(i + 1).map(String::as_str), 2)
        } else if let Some(s) = word.strip_prefix("-c") {
            (Some(s), 1)
        } else if let Some(s) = word.strip_prefix("--") {
            (Some(s), 1)
        } else {
            (None, 1)
        };
        let path = setting.and_then(|s| {
            let (name, value) = s.split_once('=')?;
            let name = name.replace('-', "_");
            name.eq_ignore_ascii_case("search_path").then_some(value)
        });
        match path {
            Some(value) => schema = Some(first_schema(value)?),
            None => rest.extend(words[i..(i + used).min(words.len())].iter().cloned()),
        }
        i += used;
    }
    Ok((rest, schema))
}

fn split_options(options: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                word.push(next);
            }
        } else if c.is_whitespace() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The first schema of a `search_path` value, as PostgreSQL reads it: `"Quoted"`
/// exactly, unquoted folded to lower case.
fn first_schema(value: &str) -> Result<String, Error> {
    let v = value.trim_start();
    if let Some(quoted) = v.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    name.push('"');
                } else {
                    return Ok(name);
                }
            } else {
                name.push(c);
            }
        }
        return Err(Error::usage(
            "the search_path in the PostgreSQL options has an unclosed quote",
        ));
    }
    let first = v.split(',').next().unwrap_or_default().trim();
    Ok(first.to_ascii_lowercase())
}

/// Server options: the given ones and `search_path` set to `schema` alone.
pub(super) fn with_search_path(rest: &[String], schema: &str) -> String {
    let quoted = quote_ident(schema);
    let mut words: Vec<String> = rest.to_vec();
    words.push(format!("-csearch_path={quoted}"));
    words
        .iter()
        .map(|w| {
            let mut out = String::new();
            for c in w.chars() {
                if c == '\\' || c.is_whitespace() {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name quoted for SQL (`"my schema"`).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("orch"), "\"orch\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
