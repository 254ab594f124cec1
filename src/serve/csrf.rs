//! Cross-site request forgery: every state-changing request of the dashboard carries a
//! token in a hidden field that only a page of this server can know, and comes from
//! this server's own pages.
//!
//! The token is an HMAC, under a key made when the server starts, of the session's
//! token hash: it needs no storage, differs per session, and a page of another site
//! can neither read it (same-origin policy) nor make it. Besides, the browser's
//! `Sec-Fetch-Site` and `Origin` headers must not name another site, and the session
//! cookie is `SameSite=Strict`: three locks, each enough on its own in a current
//! browser.

use axum::http::{HeaderMap, header};

use super::secret;

/// The hidden field's name.
pub const FIELD: &str = "_csrf";

/// The form token of a session (`session` is its token, or the server's user under
/// `--no-auth`).
pub fn token(key: &[u8; 32], session: &str) -> String {
    secret::base64url(&secret::hmac(key, secret::token_hash(session).as_bytes()))
}

/// Whether a form's token is the session's.
pub fn check(key: &[u8; 32], session: &str, given: Option<&str>) -> bool {
    let want = token(key, session);
    given.is_some_and(|g| secret::same(g.as_bytes(), want.as_bytes()))
}

/// Whether the browser says the request comes from another site.
pub fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            origin_host != host
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_per_session_and_checked() {
        let key = [7u8; 32];
        let t = token(&key, "orch_a");
        assert!(check(&key, "orch_a", Some(&t)));
        assert!(!check(&key, "orch_b", Some(&t)));
        assert!(!check(&key, "orch_a", None));
        assert!(!check(&[8u8; 32], "orch_a", Some(&t)));
    }

    #[test]
    fn another_origin_is_cross_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(!cross_site(&h));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(cross_site(&h));
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_site(&h));
    }
}
