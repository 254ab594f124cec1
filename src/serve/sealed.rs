//! The secrets a multi-page form carries from page to page. The server keeps no form
//! state, so the answers of the pages before ride along in the page; a secret's value
//! must never be in a page, so it rides sealed with a key only this server holds (the
//! one that signs its forms), for this session alone. A server started again has a new
//! key: what a page of the old one carried no longer opens, and the form says the
//! secret is missing.
//!
//! Sealed with XChaCha20-Poly1305, an authenticated cipher (RFC 8439, with the
//! 24-byte nonce that makes a random one safe): the key is derived from the server's
//! form key, each seal has a fresh random nonce, and the session is the associated
//! data, so a sealed value can be neither read, nor changed, nor taken to another
//! session. Its length shows the text's length, as a password input's dots do.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::secret::{hmac, random_bytes};
use crate::bytes::hex;

const NONCE: usize = 24;

/// The cipher, under a key of its own derived from the server's.
fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&hmac(key, b"orch form secrets").into())
}

/// `plain`, sealed for `session` under `key`, as hex.
pub fn seal(key: &[u8; 32], session: &str, plain: &[u8]) -> std::io::Result<String> {
    let nonce = random_bytes::<NONCE>()?;
    let text = cipher(key)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: session.as_bytes(),
            },
        )
        .map_err(|_| std::io::Error::other("a form secret could not be sealed"))?;
    let mut sealed = nonce.to_vec();
    sealed.extend(text);
    Ok(hex(&sealed))
}

/// What [`seal`] sealed, if `sealed` was sealed for `session` under `key` and is whole.
pub fn open(key: &[u8; 32], session: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = unhex(sealed)?;
    if bytes.len() < NONCE {
        return None;
    }
    let (nonce, text) = bytes.split_at(NONCE);
    cipher(key)
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: text,
                aad: session.as_bytes(),
            },
        )
        .ok()
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
