//! Callback tokens: 256 bits from the operating system's random generator, handed to a
//! callback step's `run` as 64 hex digits, and stored only as their SHA-256 hash.
//!
//! A token is a bearer secret: whoever holds it may answer the step. Nothing orch
//! writes (the step log, events, its own stderr, process JSON) ever carries it; the
//! runner masks it in what a step prints, as it masks secrets.

use sha2::{Digest, Sha256};

use crate::bytes::{fill_random, hex};
use crate::error::Error;

/// The bytes of randomness in a token.
const BYTES: usize = 32;

/// A new token.
pub fn new() -> Result<String, Error> {
    let mut buf = [0u8; BYTES];
    fill_random(&mut buf).map_err(|e| {
        Error::failure(format!(
            "cannot read random bytes for a callback token: {e}"
        ))
    })?;
    Ok(hex(&buf))
}

/// The hash a token is stored and looked up by.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(
        token.trim().to_ascii_lowercase().as_bytes(),
    ))
}

/// A token is 64 hex digits; anything else cannot be one (and is refused without a
/// look in the store).
pub fn looks_like_one(text: &str) -> bool {
    let t = text.trim();
    t.len() == BYTES * 2 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_hex_and_hash_to_what_is_stored() {
        let a = new().unwrap();
        let b = new().unwrap();
        assert_ne!(a, b);
        assert!(looks_like_one(&a), "{a}");
        assert_eq!(hash(&a), hash(&format!(" {a}\n")));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert!(!looks_like_one("abc"));
    }
}
