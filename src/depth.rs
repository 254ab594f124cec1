//! How deep a JSON document handed to a process may nest: one figure, [`MAX_DEPTH`],
//! checked on the bytes before they are parsed.
//!
//! The state and everything in it (a subscription's blocks, what a step printed) is
//! read back by parsers that stop at 128 levels (serde_json's recursion limit), often
//! inside a wrapper (`process show -o json`, the API, an event), and merged, validated
//! and rendered by code that recurses once a level. A document past the figure is
//! refused with its depth and the figure, rather than with a parser's bare "recursion
//! limit exceeded" or, deeper still, a stack overflow.

/// How many levels of objects and arrays a state patch may nest (`{"a": 1}` is one):
/// far deeper than a product's blocks nest, and half of what a parser reading the
/// state inside another document allows.
pub const MAX_DEPTH: usize = 64;

/// How deep the JSON text `json` nests objects and arrays, when it is deeper than
/// [`MAX_DEPTH`]; `None` when it is not. Counted on the bytes, without recursion, so a
/// text any deep is measured; brackets in strings are not counted. Invalid JSON is
/// measured as it reads and left to the parser to refuse.
pub fn too_deep(json: &[u8]) -> Option<usize> {
    too_deep_within(json, 0)
}

/// [`too_deep`] for a text that lands `above` levels down in the document it joins
/// (an answer under its key, a value under a dotted key): how deep that document then
/// nests, when it is deeper than [`MAX_DEPTH`].
pub fn too_deep_within(json: &[u8], above: usize) -> Option<usize> {
    let deepest = above + levels(json);
    (deepest > MAX_DEPTH).then_some(deepest)
}

/// How many levels of objects and arrays a parsed value nests (a scalar none). A
/// parsed value is at most as deep as its parser allows, so this may recurse.
pub fn of(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(m) => 1 + m.values().map(of).max().unwrap_or(0),
        serde_json::Value::Array(a) => 1 + a.iter().map(of).max().unwrap_or(0),
        _ => 0,
    }
}

/// How many levels of objects and arrays `json` nests, counted as [`too_deep`] says.
fn levels(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn depth_is_counted_on_objects_and_arrays_outside_strings() {
        assert_eq!(too_deep(nested(MAX_DEPTH).as_bytes()), None);
        assert_eq!(
            too_deep(nested(MAX_DEPTH + 1).as_bytes()),
            Some(MAX_DEPTH + 1)
        );
        assert_eq!(too_deep(nested(100_000).as_bytes()), Some(100_000));
        let arrays = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(too_deep(arrays.as_bytes()), Some(MAX_DEPTH + 1));
        let in_strings = format!("{{\"a\": \"{}\\\"{}\"}}", "{".repeat(500), "[".repeat(500));
        assert_eq!(too_deep(in_strings.as_bytes()), None);
        // Siblings do not add up.
        let wide = format!("[{}]", vec![nested(MAX_DEPTH - 1); 3].join(","));
        assert_eq!(too_deep(wide.as_bytes()), None);
        // A parsed value counts alike.
        let parsed: serde_json::Value = serde_json::from_str(&nested(MAX_DEPTH)).unwrap();
        assert_eq!(of(&parsed), MAX_DEPTH);
        assert_eq!(of(&serde_json::json!([1, [2], {"a": []}])), 3);
        assert_eq!(of(&serde_json::json!("{[")), 0);
        // Below a key, a level less is left to the text.
        assert_eq!(too_deep_within(nested(MAX_DEPTH - 1).as_bytes(), 1), None);
        assert_eq!(
            too_deep_within(nested(MAX_DEPTH).as_bytes(), 1),
            Some(MAX_DEPTH + 1)
        );
    }

    #[test]
    fn what_the_figure_allows_parses_inside_wrappers() {
        // The state at the figure, inside a document of as many levels again, is
        // still read by serde_json.
        let wrapped = format!(
            "{}{}{}",
            "[".repeat(MAX_DEPTH - 1),
            nested(MAX_DEPTH),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(serde_json::from_str::<serde_json::Value>(&wrapped).is_ok());
    }
}
