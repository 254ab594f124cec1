//! Whole numbers in JSON text that orch cannot keep exactly.
//!
//! orch keeps JSON numbers as 64-bit integers or floats: a whole number past them
//! would be read as the nearest float, its last digits lost without a word (an account
//! number, a circuit id). Text from outside (a step's stdout, an answers file, an
//! `--input` without a form) is looked at before it is parsed, so such a number is
//! refused or kept as the text it was, never rounded.

/// The first whole number of a JSON text that no 64-bit integer holds (it would be
/// read as the nearest float, its last digits lost), shortened for a message.
pub fn inexact_integer(json: &[u8]) -> Option<String> {
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = json[i..]
                .iter()
                .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                .map_or(json.len(), |n| i + n);
            let token = String::from_utf8_lossy(&json[i..end]);
            let whole = !token.contains(['.', 'e', 'E']);
            if whole && token.parse::<i64>().is_err() && token.parse::<u64>().is_err() {
                return Some(match token.char_indices().nth(40) {
                    Some((cut, _)) => format!("{}…", &token[..cut]),
                    None => token.into_owned(),
                });
            }
            i = end;
            continue;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_whole_number_no_64_bit_integer_holds() {
        assert_eq!(
            inexact_integer(br#"{"a": [1, 12345678901234567890123]}"#).as_deref(),
            Some("12345678901234567890123")
        );
        assert_eq!(
            inexact_integer(br#"{"a": 18446744073709551615, "b": -9223372036854775808}"#),
            None
        );
        assert_eq!(
            inexact_integer(br#"{"a": "12345678901234567890123", "b": 1.5e300}"#),
            None
        );
    }
}
