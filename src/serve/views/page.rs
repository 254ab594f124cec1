//! What every page shares: the templates (embedded in the binary, auto-escaped), the
//! filters they use (relative times, durations, short ids), the layout's context (who
//! is logged in, the CSRF token, the page's live feed) and the error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};

use crate::error::{Error, Result};
use crate::serve::App;
use crate::serve::auth::Principal;

/// Every template, by name: `{% extends %}` and `{% import %}` find each other here.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("login.html", include_str!("../templates/login.html")),
    (
        "subscriptions.html",
        include_str!("../templates/subscriptions.html"),
    ),
    (
        "subscription.html",
        include_str!("../templates/subscription.html"),
    ),
    (
        "processes.html",
        include_str!("../templates/processes.html"),
    ),
    ("process.html", include_str!("../templates/process.html")),
    ("form.html", include_str!("../templates/form.html")),
    (
        "workflows.html",
        include_str!("../templates/workflows.html"),
    ),
    ("workflow.html", include_str!("../templates/workflow.html")),
    ("events.html", include_str!("../templates/events.html")),
    ("workers.html", include_str!("../templates/workers.html")),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| Error::internal(format!("template {name}: {e}")))?;
        }
        // Stored data may hold control characters (a NUL, an escape sequence in an
        // answer): shown as `^@`, `^[`, never written raw into the page. HTML a filter
        // made (`ticks`) stays HTML: the caret forms need no escaping.
        env.set_formatter(
            |out, state, value| match value.as_str().map(crate::ui::printable) {
                Some(std::borrow::Cow::Owned(shown)) => {
                    let shown = if value.is_safe() {
                        Value::from_safe_string(shown)
                    } else {
                        Value::from(shown)
                    };
                    minijinja::escape_formatter(out, state, &shown)
                }
                _ => minijinja::escape_formatter(out, state, value),
            },
        );
        env.add_filter("reltime", reltime);
        env.add_filter("abstime", abstime);
        env.add_filter("short", short);
        env.add_filter("ticks", ticks);
        env.add_function("duration", duration);
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::internal(format!("template {name}: {e:#}")))
    }
}

/// `2024-05-01T10:00:00.123Z` as `3 min ago` (or `in 1 h 58 min`).
fn reltime(at: Option<String>) -> String {
    let Some(t) = at.as_deref().and_then(crate::clock::parse) else {
        return String::new();
    };
    let secs = crate::clock::now().duration_since(t).as_secs();
    let Some(text) = span(secs.unsigned_abs()) else {
        return "just now".to_string();
    };
    if secs >= 0 {
        format!("{text} ago")
    } else {
        format!("in {text}")
    }
}

/// A span of seconds as people say it, in its two largest units, the smaller rounded
/// to the nearest (`1 h 58 min`, `3 d 4 h`; `45 s`, `12 min`); `None` under 10 s.
/// The dashboard's script (`rel` in app.js) says it alike.
fn span(n: u64) -> Option<String> {
    if n < 10 {
        return None;
    }
    if n < 60 {
        return Some(format!("{n} s"));
    }
    let (big, small, unit, per) = match (n + 30) / 60 {
        m if m < 60 => return Some(format!("{m} min")),
        m if m < 24 * 60 => (m / 60, m % 60, "h", "min"),
        _ => {
            let h = (n + 1800) / 3600;
            (h / 24, h % 24, "d", "h")
        }
    };
    Some(if small == 0 {
        format!("{big} {unit}")
    } else {
        format!("{big} {unit} {small} {per}")
    })
}

/// An RFC 3339 time as `2024-05-01 10:00:00 UTC`.
fn abstime(at: Option<String>) -> String {
    match at {
        Some(a) if a.len() >= 19 => format!("{} {} UTC", &a[..10], &a[11..19]),
        Some(a) => a,
        None => String::new(),
    }
}

/// An id cut short: a UUIDv7's millisecond timestamp (its first 13 characters, as
/// `events --follow` shows it) and its last 6, which are random: ids made in the same
/// millisecond (a batch queued at once) share the start and differ at the end.
/// A message with `code` in backticks (orch's errors and hints name commands, steps
/// and values that way) as HTML: escaped, each closed backtick pair a `<code>`.
fn ticks(text: Option<String>) -> Value {
    let Some(text) = text else {
        return Value::from("");
    };
    let parts: Vec<&str> = text.split('`').collect();
    let mut html = String::new();
    for (i, part) in parts.iter().enumerate() {
        let escaped = minijinja::HtmlEscape(part).to_string();
        // An odd part is inside backticks, unless its closing one is missing.
        if i % 2 == 1 && i + 1 < parts.len() {
            html.push_str(&format!("<code>{escaped}</code>"));
        } else {
            if i % 2 == 1 {
                html.push('`');
            }
            html.push_str(&escaped);
        }
    }
    Value::from_safe_string(html)
}

fn short(id: Option<String>) -> String {
    let Some(id) = id else {
        return String::new();
    };
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 20 {
        return id;
    }
    let head: String = chars[..13].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

/// The time between two RFC 3339 times, as the command line says it.
fn duration(from: Option<String>, to: Option<String>) -> String {
    match (
        from.as_deref().and_then(crate::clock::parse),
        to.as_deref().and_then(crate::clock::parse),
    ) {
        (Some(a), Some(b)) => {
            let d = std::time::Duration::try_from(b.duration_since(a)).unwrap_or_default();
            crate::domain::workflow::format_duration(d)
        }
        _ => String::new(),
    }
}

/// The layout's part of a page's context.
pub fn layout(app: &App, who: Option<&Principal>, nav: &str, live: &str) -> Value {
    let csrf = who.map(|p| crate::serve::csrf::token(&app.csrf_key, &session(app, p)));
    context! {
        who => who.map(|p| context!{ name => p.name, role => p.role.as_str(), operate => p.may_operate() }),
        auth => app.auth,
        csrf => csrf,
        nav => nav,
        live => live,
        seq => who.and_then(|p| p.page_seq),
        worker => app.worker_running(),
        workers => app.workers(),
        worker_down => app.worker.then(|| app.worker_down.get()).flatten(),
        paused => app.paused(),
    }
}

/// What the CSRF token of a session is made from: its token, or the server's user
/// without authentication.
pub fn session(app: &App, p: &Principal) -> String {
    p.token
        .clone()
        .unwrap_or_else(|| format!("no-auth:{}", app.user))
}

/// Renders a page with the layout's context merged into `ctx`.
pub fn render(
    app: &App,
    who: Option<&Principal>,
    template: &str,
    nav: &str,
    live: &str,
    ctx: Value,
) -> Response {
    let page = context! { ..ctx, ..layout(app, who, nav, live) };
    match app.templates.render(template, page) {
        Ok(html) => with_headers(Html(html).into_response()),
        Err(e) => {
            crate::say!("orch serve: {}", e.message);
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error (this is a bug in orch): a page failed to render",
            )
                .into_response()
        }
    }
}

/// A page's security headers: no framing, no sniffing, scripts only from here.
pub fn with_headers(mut r: Response) -> Response {
    use axum::http::HeaderValue;
    let h = r.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    r
}

/// The page for a POST to an action a page does not offer (`/engine/stop`).
pub fn no_such_action(app: &App, who: &Principal) -> Response {
    error_page(
        app,
        Some(who),
        StatusCode::NOT_FOUND,
        "There is no such action.",
    )
}

pub fn error_page(
    app: &App,
    who: Option<&Principal>,
    status: StatusCode,
    message: &str,
) -> Response {
    let mut r = render(
        app,
        who,
        "error.html",
        "",
        "",
        context! { status => status.as_u16(), reason => status.canonical_reason(), message => message },
    );
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes() {
        let t = Templates::new().unwrap();
        let html = t
            .render(
                "error.html",
                context! { status => 404, reason => "Not Found", message => "<script>alert(1)</script>", nav => "", live => "" },
            )
            .unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
        assert!(!html.contains("<script>alert(1)"));
    }

    #[test]
    fn a_message_with_a_control_character_keeps_its_code_and_its_escaping() {
        let mut t = Templates::new().unwrap();
        t.env
            .add_template("probe.html", "{{ message|ticks }}|{{ message }}")
            .unwrap();
        let html = t
            .render(
                "probe.html",
                context! { message => "`\u{0}<b>` is not one of the choices" },
            )
            .unwrap();
        assert_eq!(
            html,
            "<code>^@&lt;b&gt;</code> is not one of the choices|`^@&lt;b&gt;` is not one of the choices"
        );
    }

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(
            abstime(Some("2024-05-01T10:00:00.123Z".into())),
            "2024-05-01 10:00:00 UTC"
        );
        assert_eq!(
            short(Some("01a2285b-aaaa-7000-8000-00000a1b2c3d".into())),
            "01a2285b-aaaa…1b2c3d"
        );
        assert_eq!(short(Some("rtr1".into())), "rtr1");
        let now = crate::clock::now_text();
        assert_eq!(reltime(Some(now)), "just now");
        // Two units, the smaller rounded: a deadline 1 h 58 min away is not `in 1 h`.
        for (secs, said) in [
            (9, None),
            (45, Some("45 s")),
            (89, Some("1 min")),
            (90, Some("2 min")),
            (3_570, Some("1 h")),
            (7_080, Some("1 h 58 min")),
            (7_200, Some("2 h")),
            (86_370, Some("1 d")),
            (3 * 86_400 + 4 * 3_600 + 1_000, Some("3 d 4 h")),
        ] {
            assert_eq!(span(secs).as_deref(), said, "{secs} s");
        }
        assert_eq!(
            duration(
                Some("2024-05-01T10:00:00Z".into()),
                Some("2024-05-01T10:00:02Z".into())
            ),
            "2s"
        );
    }

    #[test]
    fn backticks_become_code_and_everything_else_is_escaped() {
        let html = |s: &str| ticks(Some(s.into())).to_string();
        assert_eq!(
            html("step `a<b>` failed: run `orch process retry 1`"),
            "step <code>a&lt;b&gt;</code> failed: run <code>orch process retry 1</code>"
        );
        // An unclosed backtick stays a backtick.
        assert_eq!(html("it's `open & <i>"), "it&#x27;s `open &amp; &lt;i&gt;");
        assert_eq!(html(""), "");
        assert_eq!(ticks(None).to_string(), "");
    }
}
