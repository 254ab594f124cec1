//! The JSON API under `/api/v1` (DESIGN §15), one module per route group, with the
//! OpenAPI 3.1 document made from the same handlers (`utoipa-axum` registers a route
//! and its description together, so neither can exist without the other).

mod callbacks;
mod catalog;
mod engine;
mod events;
mod locks;
mod meta;

pub use meta::may_have;
mod processes;
pub mod schema;
mod subscriptions;
mod workers;

pub use processes::filter as processes_filter;
pub use subscriptions::filter as subscriptions_filter;
pub use subscriptions::never_matching as subscriptions_never_matching;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::App;
use super::auth::{self, Principal};
use super::errors::{ApiError, ApiResult};

pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orch",
        description = "The API of `orch serve`: products, workflows and their forms, subscriptions, processes and events, with the shapes of the command line's `-o json`. Every route but /health, /openapi.json and /callbacks (whose token in the path is its credential) needs `Authorization: Bearer TOKEN` (`orch token create NAME --role read|operate`); a `read` token may only GET."
    ),
    modifiers(&Security),
    components(schemas(schema::ErrorBody, schema::ProcessStatusParam, schema::LifecycleParam))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's routes and their document.
pub fn router(app: Arc<App>) -> axum::Router {
    let (router, doc) = api(app.clone()).split_for_parts();
    meta::set_document(doc);
    router.with_state(app)
}

/// Every route with its description, before they are split.
pub fn api(app: Arc<App>) -> OpenApiRouter<Arc<App>> {
    let open = OpenApiRouter::new()
        .routes(routes!(meta::health))
        .routes(routes!(meta::openapi))
        // The callback token in the path is the credential (see `callbacks`).
        .routes(routes!(callbacks::answer))
        .routes(routes!(callbacks::progress));
    let guarded = OpenApiRouter::new()
        .routes(routes!(catalog::products))
        .routes(routes!(catalog::product))
        .routes(routes!(catalog::workflows))
        .routes(routes!(catalog::workflow))
        .routes(routes!(catalog::form))
        .routes(routes!(processes::start))
        .routes(routes!(subscriptions::list))
        .routes(routes!(subscriptions::show))
        .routes(routes!(subscriptions::workflows))
        .routes(routes!(processes::list))
        .routes(routes!(processes::show))
        .routes(routes!(processes::retry))
        .routes(routes!(processes::resume))
        .routes(routes!(processes::abort))
        .routes(routes!(processes::skip))
        .routes(routes!(events::events))
        .routes(routes!(locks::locks))
        .routes(routes!(workers::workers))
        .routes(routes!(engine::status))
        .routes(routes!(engine::pause))
        .routes(routes!(engine::resume))
        .route_layer(axum::middleware::from_fn_with_state(app, auth::api));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(PREFIX, open.merge(guarded))
}

/// The query string's pairs, in order, repeated keys kept (`?where=a=1&where=b=2`).
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let q = parts.uri.query().unwrap_or_default();
        let params: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        // No store keeps a NUL in text, and no name or search has one: refused here
        // rather than failing deep in a query. Decoding put U+FFFD where the bytes were
        // not UTF-8: said, not searched for. Each parameter at fault is named in
        // `fields`, as every other bad query is.
        let mut checks = QueryChecks::default();
        let mut hints = Vec::new();
        for (bad, says, hint) in [
            (
                '\0',
                "contains a NUL character",
                "remove the %00 from the address",
            ),
            (
                '\u{FFFD}',
                "is not valid UTF-8 once its %-escapes are decoded",
                "percent-encode the UTF-8 bytes of the text",
            ),
        ] {
            let mut named = Vec::new();
            for (k, _) in params
                .iter()
                .filter(|(k, v)| k.contains(bad) || v.contains(bad))
            {
                let k = k.replace('\0', "\\0").replace('\u{FFFD}', "?");
                if !named.contains(&k) {
                    checks.refuse(&k, format!("query parameter `{k}` {says}"));
                    named.push(k);
                }
            }
            if !named.is_empty() {
                hints.push(hint);
            }
        }
        checks.done().map_err(|mut e| {
            e.hints.extend(hints.into_iter().map(str::to_string));
            e
        })?;
        Ok(Params(params))
    }
}

/// The query parameters that may be given more than once (each adds to the list).
const LISTS: [&str; 3] = ["status", "kind", "where"];

impl Params {
    /// The last value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a parameter, comma-separated lists split (as the command line
    /// splits `--status` and `--kind`).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .collect()
    }

    /// Every value of a parameter, as given.
    pub fn each(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The parameters without those left empty (a browser's form sends every field).
    pub fn given(mut self) -> Params {
        self.0.retain(|(_, v)| !v.is_empty());
        self
    }

    /// Refuses a parameter a route does not take: on a route that changes things, a
    /// misspelt or guessed one (`?plan=true`, which the command line has) must not be
    /// passed over while the action runs; on a list, a misspelt filter must not list
    /// everything.
    pub fn only(&self, known: &[&str]) -> ApiResult<()> {
        let mut checks = QueryChecks::default();
        for (k, _) in &self.0 {
            if !known.contains(&k.as_str()) {
                let takes = if known.is_empty() {
                    "this route takes no query parameters".to_string()
                } else {
                    format!("this route takes {}", known.join(", "))
                };
                checks.refuse(k, format!("unknown parameter `{k}`: {takes}"));
            }
        }
        // One value each, but for the filters that take a list: a second one would be
        // dropped without a word.
        for name in known.iter().filter(|n| !LISTS.contains(n)) {
            let n = self.0.iter().filter(|(k, _)| k == name).count();
            if n > 1 {
                checks.refuse(name, format!("`{name}` is given {n} times; give it once"));
            }
        }
        checks.done()
    }

    /// A parameter parsed, or 400 saying what it should be (an empty value too).
    pub fn parse<T: std::str::FromStr>(&self, name: &str, what: &str) -> ApiResult<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                let reason = format!("`{name}` must be {what}, not `{v}`");
                let mut e = ApiError::bad_request(reason.clone());
                e.fields.push(crate::error::FieldError {
                    field: name.to_string(),
                    field_type: "query".to_string(),
                    reason,
                });
                e
            }),
        }
    }

    /// `limit`: 1 to 1000, default 50.
    pub fn limit(&self) -> ApiResult<i64> {
        let n = self
            .parse::<i64>("limit", "a number from 1 to 1000")?
            .unwrap_or(50);
        if !(1..=1000).contains(&n) {
            return Err(ApiError::bad_request(format!(
                "`limit` must be a number from 1 to 1000, not {n}"
            )));
        }
        Ok(n)
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        self.parse(name, "true or false")
    }
}

/// The checks of a query string, all made before the request is refused: a 400 lists
/// every parameter at fault in `fields`, as a 422 lists every field of a form.
#[derive(Default)]
pub struct QueryChecks(Vec<crate::error::FieldError>);

impl QueryChecks {
    /// The value of one parameter's check, or its default when the check failed (the
    /// failure is kept for [`QueryChecks::done`]).
    pub fn take<T: Default>(&mut self, name: &str, checked: ApiResult<T>) -> T {
        checked.unwrap_or_else(|e| {
            self.0.push(crate::error::FieldError {
                field: name.to_string(),
                field_type: "query".to_string(),
                reason: e.message,
            });
            T::default()
        })
    }

    /// [`QueryChecks::take`] for a request header: its problem is named as a
    /// `header` in `fields`, not as a query parameter.
    pub fn take_header<T: Default>(&mut self, name: &str, checked: ApiResult<T>) -> T {
        let value = self.take(name, checked);
        if let Some(f) = self.0.last_mut().filter(|f| f.field == name) {
            f.field_type = "header".to_string();
        }
        value
    }

    /// Notes a parameter whose value cannot mean anything.
    pub fn refuse(&mut self, name: &str, message: String) {
        self.take::<()>(name, Err(ApiError::bad_request(message)));
    }

    /// Refuses the request with every problem found, if any.
    pub fn done(self) -> ApiResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = self
            .0
            .iter()
            .map(|f| f.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = ApiError::bad_request(message);
        e.fields = self.0;
        Err(e)
    }
}

/// What the id a query parameter gives names (`?process=`, `?subscription=`): an id
/// that is the start of several is a bad query, and names the parameter in `fields` as
/// every other bad query does (a 404 stays a 404).
pub fn by_query<T>(name: &str, found: crate::error::Result<T>) -> ApiResult<T> {
    found.map_err(|e| {
        let mut e = ApiError::from(e);
        if e.status == axum::http::StatusCode::BAD_REQUEST && e.fields.is_empty() {
            e.fields.push(crate::error::FieldError {
                field: name.to_string(),
                field_type: "query".to_string(),
                reason: e.message.clone(),
            });
        }
        e
    })
}

/// Two checks of one request as one answer: a bad query lists every parameter at
/// fault, the unknown ones with those whose values are wrong.
pub fn together<T>(first: ApiResult<()>, then: ApiResult<T>) -> ApiResult<T> {
    match (first, then) {
        (Ok(()), then) => then,
        (Err(e), Ok(_)) => Err(e),
        (Err(mut e), Err(more)) => {
            if more.status == e.status {
                e.message = format!("{}; {}", e.message, more.message);
                e.fields.extend(more.fields);
            }
            Err(e)
        }
    }
}

/// A JSON object body; an empty body is an empty object.
pub struct JsonObject(pub Map<String, Value>);

/// A JSON object body that must be there: an answer to a callback, where an empty body
/// is more likely a client that failed than an answer with nothing in it.
pub struct GivenObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        Ok(JsonObject(
            read_object(req, state).await?.unwrap_or_default(),
        ))
    }
}

impl<S: Send + Sync> FromRequest<S> for GivenObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        read_object(req, state).await?.map(GivenObject).ok_or_else(|| {
            ApiError::bad_request(
                "the body is empty; the answer is a JSON object (`{}` for one with nothing in it)",
            )
        })
    }
}

/// The body of a route that takes none (`abort`): empty, or an empty JSON object, as
/// clients that always send one send it. Anything else is refused before the action
/// runs, as a query parameter the route does not take is: an abort cannot be undone.
pub struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        match read_object(req, state).await? {
            Some(given) if !given.is_empty() => {
                let keys: Vec<&str> = given.keys().map(String::as_str).collect();
                Err(ApiError::bad_request(format!(
                    "this route takes no body, and it was given {}",
                    keys.join(", ")
                )))
            }
            _ => Ok(NoBody),
        }
    }
}

/// The body as a JSON object; None when it is empty (or only white space).
async fn read_object<S: Send + Sync>(
    req: Request,
    state: &S,
) -> ApiResult<Option<Map<String, Value>>> {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|r| match r.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => super::errors::too_large(),
            _ => ApiError::bad_request(format!("cannot read the request body: {}", r.body_text())),
        })?;
    // A UTF-8 byte order mark (what PowerShell and some Windows editors put first) is
    // no part of the JSON text (RFC 8259 §8.1), as `--input-file` skips it too.
    let bytes = body
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&body);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(declared) = declared.filter(|d| !is_json(d)) {
        return Err(super::errors::not_json(&declared));
    }
    if let Some(levels) = crate::depth::too_deep(bytes) {
        return Err(ApiError::bad_request(format!(
            "the body nests {levels} levels of objects and arrays, past the {} a state may nest",
            crate::depth::MAX_DEPTH
        )));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        // As the OpenAPI document has it (`object` or `null`): nothing given.
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(ApiError::bad_request(
            "the body must be a JSON object ({\"name\": value, …})",
        )),
        Err(e) => Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
    }
}

/// Whether a `Content-Type` names JSON: `application/json` or a `+json` type, with
/// any parameters (`; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Who made a request; the auth layer put it there.
pub fn who(p: Option<axum::Extension<Principal>>) -> String {
    p.map_or_else(|| "api".to_string(), |axum::Extension(p)| p.name)
}

/// Says in an `Orch-Warning` header what the command line would warn of on stderr
/// (the request was served, but not as the client may think), the notes separated by
/// "; ". Control characters, which a header cannot hold, are given as spaces.
pub fn warn(headers: &mut axum::http::HeaderMap, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    let text: String = notes
        .join("; ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if let Ok(v) = axum::http::HeaderValue::from_bytes(text.as_bytes()) {
        headers.insert("orch-warning", v);
    }
}

/// A `Link: <…>; rel="next"` header for the next page.
pub fn next_link(
    path: &str,
    params: &Params,
    key: &str,
    value: &str,
) -> (axum::http::HeaderName, String) {
    (
        axum::http::header::LINK,
        page_link(path, params, "next", key, value),
    )
}

/// One link of a `Link` header, `<…>; rel="REL"`: the query as it came, with `key`
/// set to `value` and the keys that page by id (`before`, `after`) taken out.
pub fn page_link(path: &str, params: &Params, rel: &str, key: &str, value: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params
        .0
        .iter()
        .filter(|(k, _)| k != key && k != "before" && k != "after")
    {
        out.append_pair(k, v);
    }
    out.append_pair(key, value);
    format!("<{PREFIX}{path}?{}>; rel=\"{rel}\"", out.finish())
}
