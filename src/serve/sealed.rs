//! The secrets a multi-page form carries from page to page. The server keeps no form
//! state, so the answers of the pages before ride along in the page; a secret's value
//! must never be in a page, so it rides sealed with a key only this server holds (the
//! one that signs its forms), for this session alone. A server started again has a new
//! key: what a page of the old one carried no longer opens, and the form says the
//! secret is missing.
//!
//! Built from HMAC-SHA256 alone, as the rest of the server's signing is: the text is
//! XORed with a keystream of `HMAC(k_enc, nonce ‖ block number)` blocks, then
//! `HMAC(k_mac, session ‖ nonce ‖ ciphertext)` is appended (encrypt-then-MAC), so a
//! sealed value can be neither read, nor changed, nor taken to another session. Its
//! length shows the text's length, as a password input's dots do.

use super::secret::{hmac, random_bytes, same};
use crate::bytes::hex;

const NONCE: usize = 16;
const TAG: usize = 32;

/// The keys to encrypt and to authenticate with, each derived from the server's key.
fn keys(key: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    (
        hmac(key, b"orch form secrets: encrypt"),
        hmac(key, b"orch form secrets: authenticate"),
    )
}

/// XORs `data` with the keystream of `nonce`: sealing and opening alike.
fn keystream(enc: &[u8; 32], nonce: &[u8], data: &mut [u8]) {
    for (i, chunk) in data.chunks_mut(32).enumerate() {
        let mut block = nonce.to_vec();
        block.extend_from_slice(&(i as u64).to_be_bytes());
        for (b, k) in chunk.iter_mut().zip(hmac(enc, &block)) {
            *b ^= k;
        }
    }
}

/// The tag over the nonce and ciphertext, bound to `session`.
fn tag(mac: &[u8; 32], session: &str, body: &[u8]) -> [u8; 32] {
    let mut message = (session.len() as u64).to_be_bytes().to_vec();
    message.extend_from_slice(session.as_bytes());
    message.extend_from_slice(body);
    hmac(mac, &message)
}

/// `plain`, sealed for `session` under `key`, as hex.
pub fn seal(key: &[u8; 32], session: &str, plain: &[u8]) -> std::io::Result<String> {
    let (enc, mac) = keys(key);
    let nonce = random_bytes::<NONCE>()?;
    let mut sealed = nonce.to_vec();
    let mut text = plain.to_vec();
    keystream(&enc, &nonce, &mut text);
    sealed.extend(text);
    let t = tag(&mac, session, &sealed);
    sealed.extend(t);
    Ok(hex(&sealed))
}

/// What [`seal`] sealed, if `sealed` was sealed for `session` under `key` and is whole.
pub fn open(key: &[u8; 32], session: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = unhex(sealed)?;
    if bytes.len() < NONCE + TAG {
        return None;
    }
    let (body, t) = bytes.split_at(bytes.len() - TAG);
    let (enc, mac) = keys(key);
    if !same(&tag(&mac, session, body), t) {
        return None;
    }
    let (nonce, text) = body.split_at(NONCE);
    let mut plain = text.to_vec();
    keystream(&enc, nonce, &mut plain);
    Some(plain)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_text_opens_only_whole_with_its_key_and_session() {
        let key = [7u8; 32];
        let text = b"{\"password\":\"a secret longer than one block of the keystream\"}";
        let sealed = seal(&key, "s1", text).unwrap();
        assert!(!sealed.contains(&hex(b"secret")));
        assert_eq!(open(&key, "s1", &sealed).as_deref(), Some(&text[..]));
        // Each seal is new: the same text twice does not look the same.
        assert_ne!(seal(&key, "s1", text).unwrap(), sealed);
        assert_eq!(open(&key, "s2", &sealed), None, "another session");
        assert_eq!(open(&[8u8; 32], "s1", &sealed), None, "another key");
        let mut changed = sealed.clone().into_bytes();
        changed[40] = if changed[40] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        assert_eq!(open(&key, "s1", &changed), None, "a changed byte");
        assert_eq!(open(&key, "s1", &sealed[..sealed.len() - 2]), None);
        assert_eq!(open(&key, "s1", "zz"), None);
        assert_eq!(open(&key, "s1", "é"), None);
        assert_eq!(open(&key, "s1", ""), None);
    }
}
