//! Who a request is: a token from `Authorization: Bearer` (the API) or from the
//! dashboard's cookie, checked against the stored hashes in constant time, and what
//! its role lets it do (DESIGN §15: `read` only reads, `operate` also acts).
//!
//! The live tokens are read for every request (no cache), so a new token works at
//! once and a revoked one is refused from the moment `orch token revoke` returns.
//! The cookie is only taken for reading requests on the API: a state-changing API
//! request must carry the header, which no other site can make a browser send, so
//! the API needs no CSRF token (the dashboard's forms carry one, see `csrf`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;

use super::App;
use super::errors::ApiError;
use super::secret;
use crate::store::tokens::Role;
use crate::store::{Store, StoreResult};

/// The dashboard's cookie: the token itself, HttpOnly and SameSite=Strict.
pub const COOKIE: &str = "orch_token";

/// Who made a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's name (or the server's user under `--no-auth`): what the log
    /// records as who did it.
    pub name: String,
    pub role: Role,
    /// The token the request carried (None under `--no-auth`), for the CSRF key.
    pub token: Option<String>,
    /// For a dashboard page: the last event committed before it was read, where its
    /// live feed starts, so no change between the read and the feed is missed.
    pub page_seq: Option<i64>,
}

impl Principal {
    pub fn may_operate(&self) -> bool {
        self.role == Role::Operate
    }
}

struct Live {
    name: String,
    role: Role,
    hash: [u8; 32],
}

/// The tokens a request is checked against: read from the store for each request (a
/// handful of rows), so a token works as soon as `orch token create` has printed it
/// and is refused as soon as `orch token revoke` returns.
#[derive(Default)]
pub struct Tokens;

impl Tokens {
    async fn live(&self, store: &Store) -> StoreResult<Vec<Live>> {
        let rows = store.tokens().await?;
        Ok(rows
            .into_iter()
            .filter(|t| t.revoked_at.is_none())
            .filter_map(|t| {
                Some(Live {
                    hash: unhex(&t.hash)?,
                    name: t.name,
                    role: t.role,
                })
            })
            .collect())
    }

    /// The principal a token stands for; None for a wrong or revoked one. Every live
    /// token is compared, in constant time, whichever matches.
    pub async fn check(&self, store: &Store, token: &str) -> StoreResult<Option<Principal>> {
        let live = self.live(store).await?;
        let presented = secret::token_digest(token);
        let mut found = None;
        for t in live.iter() {
            if secret::same(&t.hash, &presented) {
                found = Some(Principal {
                    name: t.name.clone(),
                    role: t.role,
                    token: Some(token.to_string()),
                    page_seq: None,
                });
            }
        }
        Ok(found)
    }
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

pub fn is_reading(m: &Method) -> bool {
    m == Method::GET || m == Method::HEAD
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of a cookie of the request.
pub fn cookie<'a>(req: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    req.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Who the request is, or why it is refused; `cookie_ok` lets the dashboard's cookie
/// stand in for the header.
pub async fn identify(
    app: &App,
    headers: &axum::http::HeaderMap,
    cookie_ok: bool,
) -> Result<Principal, ApiError> {
    if !app.auth {
        // Without tokens the loopback address is the only lock; a page of another
        // site that makes its own name resolve to 127.0.0.1 (DNS rebinding) must
        // not get through it.
        if !loopback_host(headers) {
            return Err(ApiError::forbidden(
                "under --no-auth only requests addressed to this machine (localhost, 127.0.0.1, [::1]) are served",
            )
            .with_hint("open the server as http://127.0.0.1:PORT, or give it tokens (`orch token create`)"));
        }
        return Ok(Principal {
            name: app.user.clone(),
            role: Role::Operate,
            token: None,
            page_seq: None,
        });
    }
    let token = match bearer(headers) {
        Some(t) => t,
        None => match cookie(headers, COOKIE).filter(|_| cookie_ok) {
            Some(t) => t,
            None if headers.contains_key(header::AUTHORIZATION) => {
                return Err(ApiError::unauthorized(
                    "the Authorization header is not `Bearer TOKEN`: orch takes only bearer tokens",
                ));
            }
            // The dashboard's login stands in for a token only to read: a change sent
            // with it alone is told so, not that it carries no token.
            None if cookie(headers, COOKIE).is_some() => {
                return Err(ApiError::unauthorized(
                    "the dashboard's login cookie is taken only for reading; a change through the API carries its token in the Authorization header",
                ));
            }
            None => return Err(ApiError::unauthorized("this request carries no token")),
        },
    };
    match app.tokens.check(app.store(), token).await? {
        Some(p) => Ok(p),
        None => Err(ApiError::unauthorized("the token is wrong or was revoked")),
    }
}

/// Whether the request's `Host` names this machine's loopback (or is absent).
fn loopback_host(headers: &axum::http::HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The API's gate: a token on every request, `operate` for anything but reading.
/// `OPTIONS` (a browser's CORS preflight never carries credentials) and a method the
/// path does not have are the router's to answer (204 with `Allow`, 405), without a
/// token: what they tell, the OpenAPI document tells anyone.
pub async fn api(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let method = req.method();
    if method == Method::OPTIONS || !super::api::may_have(method, req.uri().path()) {
        return next.run(req).await;
    }
    let reading = is_reading(req.method());
    let who = match identify(&app, req.headers(), reading).await {
        Ok(p) => p,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    // A token in a header is something no other site's page can send; without
    // tokens, the browser's word on where a change comes from is what is left.
    if !reading && !app.auth && super::csrf::cross_site(req.headers()) {
        return axum::response::IntoResponse::into_response(ApiError::forbidden(
            "a change requested by a page of another site is refused",
        ));
    }
    if !reading && !who.may_operate() {
        return axum::response::IntoResponse::into_response(
            ApiError::forbidden(format!(
                "token `{}` has the role `read`, which may only read",
                who.name
            ))
            .with_hint("use a token made with `--role operate`"),
        );
    }
    let name = super::log::Who(who.name.clone());
    req.extensions_mut().insert(who);
    let mut r = next.run(req).await;
    r.extensions_mut().insert(name);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; orch_token=orch_x; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, COOKIE), Some("orch_x"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn only_loopback_hosts_pass_without_tokens() {
        let with = |host: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::HOST, host.parse().unwrap());
            loopback_host(&h)
        };
        for ok in [
            "127.0.0.1:8080",
            "localhost:1",
            "LOCALHOST",
            "[::1]:80",
            "127.9.9.9",
        ] {
            assert!(with(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "10.0.0.1:80",
            "[::2]:80",
        ] {
            assert!(!with(bad), "{bad}");
        }
        assert!(loopback_host(&axum::http::HeaderMap::new()));
    }

    #[test]
    fn hashes_read_back_from_hex() {
        let h = secret::token_hash("orch_abc");
        assert_eq!(crate::bytes::hex(&unhex(&h).unwrap()), h);
        assert!(unhex("zz").is_none());
    }
}
