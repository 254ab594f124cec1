//! What `orch serve` refuses: requests without a valid token or the role for them,
//! script injection (shown as text), cross-site form posts, bodies over the limit;
//! and what it survives: a thousand slow or silent connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use super::api::{documented, fill};
use super::{Server, call, csrf, dashboard, get, post, started, token, wait_for_status};
use crate::Project;
use crate::both;

fn every_route_refuses_missing_wrong_revoked_and_underprivileged_tokens() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let read = token(&p, "noc", "read");
    let gone = token(&p, "old", "operate");
    let (code, _, err) = p.run(&["token", "revoke", "old"]);
    assert_eq!(code, 0, "{err}");
    let s = Server::start(&p, &[]);
    let doc = call(&s, "GET", "/api/v1/openapi.json", None, None).body;
    // The callbacks' token in the path is their credential.
    let open = [
        "/api/v1/health",
        "/api/v1/openapi.json",
        "/api/v1/callbacks/{token}",
        "/api/v1/callbacks/{token}/progress",
    ];
    let mut checked = 0;
    for (method, path) in documented(&doc) {
        if open.contains(&path.as_str()) {
            continue;
        }
        let url = fill(&path, &[("id", "01a2"), ("name", "create_node")]);
        let m = method.to_uppercase();
        let body = (method == "post").then_some(json!({}));
        for (token, why) in [
            (None, "no token"),
            (Some("orch_wrong"), "a wrong token"),
            (Some(gone.as_str()), "a revoked token"),
        ] {
            let r = call(&s, &m, &url, token, body.as_ref());
            assert_eq!(r.status, 401, "{m} {url} with {why}: {}", r.text);
            assert_eq!(r.body["error"]["kind"], "unauthorized");
        }
        // What a path takes is no secret (a CORS preflight carries no credentials).
        let r = call(&s, "OPTIONS", &url, None, None);
        assert_eq!(r.status, 204, "OPTIONS {url}: {}", r.text);
        assert!(r.allow.as_deref().is_some_and(|a| a.contains(&m)), "{r:?}");
        let r = call(&s, &m, &url, Some(&read), body.as_ref());
        if method == "get" {
            assert_ne!(r.status, 401, "{m} {url}: a read token may read");
            assert_ne!(r.status, 403, "{m} {url}: a read token may read");
        } else {
            assert_eq!(r.status, 403, "{m} {url} with a read token: {}", r.text);
            assert_eq!(r.body["error"]["kind"], "forbidden");
        }
        checked += 1;
    }
    assert!(checked >= 16, "only {checked} routes were checked");
    // A method a path does not have is a 405 whatever the role, not a 403, and
    // without a token too: the document says as much to anyone.
    for (m, url) in [
        ("POST", "/api/v1/products"),
        ("DELETE", "/api/v1/processes/0190"),
        ("PUT", "/api/v1/workflows/create_node/processes"),
    ] {
        for token in [Some(read.as_str()), None] {
            let r = call(&s, m, url, token, None);
            assert_eq!(r.status, 405, "{m} {url}: {}", r.text);
            assert!(r.allow.is_some(), "{m} {url}: {r:?}");
        }
    }
    // HEAD is GET without a body: it needs the token GET needs.
    let head = call(&s, "HEAD", "/api/v1/processes", None, None);
    assert_eq!(head.status, 401, "{head:?}");
    // Another scheme is said to be one, not taken for a missing token.
    let basic = ureq::get(&s.url("/api/v1/products"))
        .set("Authorization", "Basic YWRtaW46YWRtaW4=")
        .call();
    match basic {
        Err(ureq::Error::Status(401, r)) => {
            let text = r.into_string().unwrap_or_default();
            assert!(text.contains("not `Bearer TOKEN`"), "{text}");
        }
        other => panic!("Basic auth got through: {other:?}"),
    }
    // A `read` token is refused the start form as it is the start itself.
    let form = ureq::get(&s.url("/workflows/create_node/start"))
        .set("Cookie", &format!("orch_token={read}"))
        .call();
    match form {
        Err(ureq::Error::Status(403, r)) => {
            let text = r.into_string().unwrap_or_default();
            assert!(text.contains("may only look"), "{text}");
        }
        other => panic!("a read token got the start form: {other:?}"),
    }
    // A token revoked while the server runs is refused at once, and a stream it
    // opened before ends instead of carrying on.
    assert_eq!(get(&s, "/api/v1/processes", &op).status, 200);
    let stream = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
        .get(&s.url("/api/v1/events?follow=true"))
        .set("Authorization", &format!("Bearer {op}"))
        .call()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stream.into_reader().read_to_string(&mut text);
        text
    });
    p.run(&["token", "revoke", "ops"]);
    assert_eq!(get(&s, "/api/v1/processes", &op).status, 401);
    // And a token made while it runs works at once.
    let fresh = super::token(&p, "fresh", "read");
    assert_eq!(get(&s, "/api/v1/processes", &fresh).status, 200);
    // A new event wakes the stream: it ends rather than deliver it.
    let (code, _, err) = p.run(&["workflow", "run", "hello"]);
    assert_eq!(code, 0, "{err}");
    let text = reader.join().unwrap();
    assert!(text.contains("the token was revoked"), "{text}");
    assert!(!text.contains("data:"), "{text}");
    // The token list never shows a token or its hash.
    let (_, list, _) = p.run(&["-o", "json", "token", "list"]);
    assert!(!list.contains(&read) && !list.contains("hash"), "{list}");
}

/// A revoked token's name given to a new token: the revoked one stays listed (who had
/// access, and until when), in the table and in JSON, and only the new one is live.
fn a_revoked_token_stays_listed_when_its_name_is_reused() {
    let p = Project::new();
    super::token(&p, "ci", "read");
    assert_eq!(p.run(&["token", "revoke", "ci"]).0, 0);
    super::token(&p, "ci", "operate");
    let (code, _, err) = p.run(&["token", "create", "ci", "--role", "read"]);
    assert_eq!(code, 7, "a live name is taken: {err}");
    assert_eq!(p.run(&["token", "revoke", "ci"]).0, 0);
    super::token(&p, "ci", "read");
    super::token(&p, "cj", "read");
    let list = p.ok_json(&["token", "list"]);
    let rows: Vec<(String, String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["role"].as_str().unwrap().to_string(),
                t["revoked_at"].is_string(),
            )
        })
        .collect();
    let row = |name: &str, role: &str, revoked| (name.to_string(), role.to_string(), revoked);
    assert_eq!(
        rows,
        [
            row("ci", "read", true),
            row("ci", "operate", true),
            row("ci", "read", false),
            row("cj", "read", false),
        ],
        "{list}"
    );
    let (code, table, err) = p.run(&["token", "list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        table.lines().filter(|l| l.contains(" ci ")).count(),
        3,
        "{table}"
    );
    assert!(!table.contains('\u{1f}'), "{table}");
    // The live one is the one revoked by name.
    assert_eq!(p.run(&["token", "revoke", "ci"]).0, 0);
    let (code, _, _) = p.run(&["token", "revoke", "ci"]);
    assert_eq!(code, 6);
}

#[test]
fn script_in_a_description_is_shown_as_text_everywhere() {
    let p = Project::new();
    p.write(
        "products/thing.toml",
        "name = \"Thing\"\ntype = \"Thing\"\ntag = \"THING\"\ndescription = \"a thing\"\nstatus = \"active\"\nroot = { key = \"thing\", block = \"ThingBlock\" }\n[blocks.ThingBlock]\nfields.label = { type = \"string\" }\n",
    );
    p.write(
        "workflows/create_thing.toml",
        "name = \"create_thing\"\ntarget = \"create\"\ndescription = \"make one\"\nproducts = [\"THING\"]\n[[form]]\nfields = [{ name = \"label\", type = \"text\" }]\n[[step]]\nname = \"Describe\"\nbuiltin = \"set_description\"\nwith = { description = \"{{ state.label }}\" }\n[[step]]\nname = \"Label\"\nrun = \"printf '{\\\"subscription\\\": {\\\"thing\\\": {\\\"label\\\": \\\"<img src=x onerror=alert(2)>\\\"}}}'\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    // Markup, and control characters a terminal or a parser would act on.
    let evil = "<script>alert(1)</script>\u{1b}[31m\u{7}";
    let r = post(
        &s,
        "/api/v1/workflows/create_thing/processes",
        &op,
        &json!({"label": evil}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let done = wait_for_status(&s, &op, &id, "completed");
    let sid = done["subscription_id"].as_str().unwrap().to_string();
    // The API keeps the text as it is (JSON is data).
    assert_eq!(
        get(&s, &format!("/api/v1/subscriptions/{sid}"), &op).body["description"],
        evil
    );
    for page in [
        "/subscriptions".to_string(),
        format!("/subscriptions/{sid}"),
        format!("/processes/{id}"),
        "/processes".to_string(),
        "/events".to_string(),
        format!("/subscriptions?search={}", "script"),
    ] {
        let html = dashboard(&s, &page, &op);
        assert!(!html.contains(evil), "{page} shows the script as HTML");
        assert!(
            !html.contains('\u{1b}') && !html.contains('\u{7}'),
            "{page} writes control characters raw"
        );
        assert!(
            !html.contains("<img src=x"),
            "{page} shows the image as HTML"
        );
        let as_text = html.contains("&lt;script&gt;alert(1)&lt;")
            || html.contains("\\u003cscript\\u003ealert(1)");
        assert!(
            as_text || page == "/processes",
            "{page} does not show the text"
        );
    }
}

/// A raw POST with the cookie and these headers; the status.
pub(super) fn raw_post(
    s: &Server,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> u16 {
    let mut req = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .post(&s.url(path))
        .set("Cookie", &format!("orch_token={token}"))
        .set("Content-Type", "application/x-www-form-urlencoded");
    for (k, v) in headers {
        req = req.set(k, v);
    }
    match req.send_string(body) {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{path}: {e}"),
    }
}

#[test]
fn cross_site_posts_and_forms_without_their_token_are_refused() {
    let p = Project::example();
    p.script("workflows/scripts/fail.sh", "exit 1");
    p.write("workflows/fail.toml", "name = \"fail\"\ntarget = \"system\"\n[[step]]\nname = \"Fail\"\nrun = \"workflows/scripts/fail.sh\"\n");
    let op = token(&p, "ops", "operate");
    let read = token(&p, "noc", "read");
    let s = Server::start(&p, &[]);
    let id = started(&s, &op, "fail");
    wait_for_status(&s, &op, &id, "failed");
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    let page_csrf = csrf(&page);
    let path = format!("/processes/{id}/act/abort");
    let good = format!("_csrf={page_csrf}");
    // Another site's page posting with the victim's cookie.
    assert_eq!(
        raw_post(&s, &path, &op, &[("Origin", "http://evil.example")], &good),
        403
    );
    assert_eq!(
        raw_post(&s, &path, &op, &[("Sec-Fetch-Site", "cross-site")], &good),
        403
    );
    // No token, or one of another session.
    assert_eq!(raw_post(&s, &path, &op, &[], ""), 403);
    assert_eq!(raw_post(&s, &path, &op, &[], "_csrf=AAAA"), 403);
    // A read session may not act, but may log out, with its own page's token.
    assert_eq!(raw_post(&s, &path, &read, &[], &good), 403);
    let read_page = dashboard(&s, "/processes", &read);
    assert!(read_page.contains("action=\"/logout\""), "{read_page}");
    let read_csrf = csrf(&read_page);
    assert_eq!(raw_post(&s, "/logout", &read, &[], "_csrf=AAAA"), 403);
    assert_eq!(
        raw_post(&s, "/logout", &read, &[], &format!("_csrf={read_csrf}")),
        303
    );
    // The state-changing API ignores the cookie: a header must carry the token.
    assert_eq!(
        raw_post(&s, &format!("/api/v1/processes/{id}/abort"), &op, &[], ""),
        401
    );
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"],
        "failed"
    );
    // The same form from the dashboard itself goes through.
    let origin = format!("http://{}", s.addr);
    assert_eq!(
        raw_post(
            &s,
            &path,
            &op,
            &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
            &good
        ),
        303
    );
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"],
        "aborted"
    );
    // A workflow that asks nothing starts from a page without questions.
    let start = dashboard(&s, "/workflows/fail/start", &op);
    assert!(start.contains("Start fail"), "{start}");
    assert_eq!(
        raw_post(
            &s,
            "/workflows/fail/start",
            &op,
            &[("Origin", &origin)],
            &format!("{good}&_page=0&_answers=%7B%7D")
        ),
        303
    );
    let started = get(&s, "/api/v1/processes?workflow=fail", &op).body;
    assert_eq!(started.as_array().map(Vec::len), Some(2), "{started}");
    // Without JavaScript, sending a page once lists the choices that depend on an
    // earlier field of that page (the ports of the node picked).
    let node = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr1", "role": "core"}),
    );
    assert_eq!(node.status, 201, "{}", node.text);
    let node = wait_for_status(&s, &op, node.body["id"].as_str().unwrap(), "completed");
    let sid = node["subscription_id"].as_str().unwrap().to_string();
    // Before the page is sent, the list that needs the node says how to get it, not
    // that its program failed.
    let fresh = dashboard(&s, "/workflows/create_circuit/start", &op);
    assert!(
        fresh.contains("its choices come from the answers above it")
            && !fresh.contains("cannot list the choices"),
        "{fresh}"
    );
    // Page one of create_circuit sent with the node picked (and `more`): the status
    // and the page.
    let send_node = |more: &[(&str, &str)]| {
        let mut form = vec![
            ("_csrf", page_csrf.as_str()),
            ("_page", "0"),
            ("_answers", "{}"),
            ("node_a", sid.as_str()),
        ];
        form.extend_from_slice(more);
        let sent = ureq::AgentBuilder::new()
            .redirects(0)
            .build()
            .post(&s.url("/workflows/create_circuit/start"))
            .set("Cookie", &format!("orch_token={op}"))
            .set("Origin", &origin)
            .send_form(&form);
        match sent {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    let ports_in = |html: &str| {
        let ports = html.split("name=\"port_a\"").nth(1).unwrap_or_default();
        let ports = ports.split("</select>").next().unwrap_or_default();
        ports.matches("<option value=\"").count()
    };
    let (_, html) = send_node(&[]);
    assert!(ports_in(&html) > 1, "{html}");
    // "Refresh choices" lists them the same without checking the page: no problem
    // is shown, and the node stays picked.
    let (status, html) = send_node(&[("_refresh", "1")]);
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"problems\""), "{html}");
    assert!(
        html.contains(&format!("value=\"{sid}\" selected")),
        "{html}"
    );
    assert!(ports_in(&html) > 1, "{html}");
    // A dashboard page refuses to be framed and runs only its own script.
    let head = ureq::get(&s.url("/login")).call().unwrap();
    assert_eq!(head.header("x-frame-options"), Some("DENY"));
    assert!(
        head.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[test]
fn a_thousand_slow_or_silent_connections_do_not_stop_others() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker", "--header-timeout", "2s"]);
    let mut idle = Vec::new();
    for i in 0..1000 {
        let mut c = TcpStream::connect(s.addr).expect("connect");
        // Half of them send part of a request and stop (slowloris); half send nothing.
        if i % 2 == 0 {
            c.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
        }
        idle.push(c);
    }
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(get(&s, "/api/v1/processes", &op).status, 200);
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "20 requests took {took:?} beside 1,000 idle connections"
    );
    // The silent ones are closed once the header timeout passes.
    let mut c = idle.pop().unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 512];
    let n = c.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(
        n == 0 || text.starts_with("HTTP/1.1 408"),
        "a silent connection got {text:?}"
    );
    drop(idle);
    assert_eq!(get(&s, "/api/v1/health", &op).status, 200);
}

/// A body that never arrives in full (shorter than its `Content-Length`) ends in a 408
/// with the API's error body, not a 503 that would ask the client to retry as it is.
/// The raw answer to a request written by hand on a fresh connection.
fn raw(s: &Server, request: &str) -> String {
    let mut c = TcpStream::connect(s.addr).expect("connect");
    c.write_all(request.as_bytes()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = c.read(&mut buf) {
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    text
}

/// What a route does not take is refused before it acts: an HTTP/1.1 request without
/// `Host`, a query parameter on a single item (`?step=`, which the command line has),
/// a body on `abort`, which cannot be undone. `since` takes a day, as the command
/// line's `--since` does.
#[test]
fn a_request_a_route_does_not_take_is_refused_before_it_acts() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let id = created_rtr1(&p);
    let s = Server::start(&p, &["--no-worker"]);

    let text = raw(
        &s,
        &format!(
            "GET /api/v1/products HTTP/1.1\r\nAuthorization: Bearer {op}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("must carry a Host header"), "{text}");
    assert!(text.contains("cache-control: no-store"), "{text}");
    let text = raw(
        &s,
        &format!("GET /api/v1/products HTTP/1.0\r\nAuthorization: Bearer {op}\r\n\r\n"),
    );
    assert!(
        text.starts_with("HTTP/1.0 200"),
        "HTTP/1.0 needs no Host: {text}"
    );

    for path in [
        format!("/api/v1/processes/{id}?step=Start"),
        "/api/v1/products?bogus=1".to_string(),
        "/api/v1/workflows/hello/form?x=1".to_string(),
    ] {
        let r = get(&s, &path, &op);
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert!(r.text.contains("unknown parameter"), "{path}: {}", r.text);
    }

    let abort = format!("/api/v1/processes/{id}/abort");
    let r = post(&s, &abort, &op, &json!({"reason": "x"}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("this route takes no body"), "{}", r.text);
    let plain = ureq::post(&s.url(&abort))
        .set("Authorization", &format!("Bearer {op}"))
        .set("Content-Type", "text/plain")
        .send_string("not json at all");
    let status = match plain {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status, 415);
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"],
        "completed"
    );

    let listed = p.json(&["process", "list"]);
    let today = &listed[0]["started_at"].as_str().unwrap()[..10];
    let r = get(&s, &format!("/api/v1/processes?since={today}"), &op);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.text);
    let r = get(&s, "/api/v1/processes?since=2999-01-01", &op);
    assert_eq!(r.body, json!([]), "{}", r.text);
}

/// Runs the example's create workflow for rtr1 to its end: the id of its process.
fn created_rtr1(p: &Project) -> String {
    let (code, _, err) = p.run(super::super::CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends `request`, whose head promises more body than it holds, and reads the answer
/// until `end` is in it or the server closes: what a request too slow to arrive gets.
fn stalled(s: &Server, request: &str, end: &str) -> String {
    let mut c = TcpStream::connect(s.addr).expect("connect");
    c.write_all(request.as_bytes()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut answer = String::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = c.read(&mut buf) {
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
        if answer.contains(end) {
            break;
        }
    }
    answer
}

#[test]
fn a_body_that_never_arrives_gets_408() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker", "--request-timeout", "1s"]);
    let text = stalled(
        &s,
        &format!(
            "POST /api/v1/workflows/hello/processes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {op}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\""
        ),
        "}}",
    );
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("retry-after"), "{text}");
    assert!(text.contains(r#""kind":"timeout""#), "{text}");
    assert_eq!(get(&s, "/api/v1/health", &op).status, 200);
}

/// What the framework refuses before a page is reached is shown on the dashboard as
/// its error page, not as the API's JSON: a method the address does not take (a
/// button's address opened as a link), a form over the body limit, a form too slow to
/// arrive; nothing of it acts. The API keeps its JSON for the same refusals.
fn the_dashboards_refusals_before_a_page_are_pages_too() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let id = created_rtr1(&p);
    let s = Server::start(&p, &["--no-worker", "--request-timeout", "1s"]);
    let page = |answer: &str, status: &str, says: &str| {
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        let lower = answer.to_ascii_lowercase();
        assert!(
            lower.contains("content-type: text/html"),
            "not a page: {answer}"
        );
        assert!(answer.contains(says), "{answer}");
        assert!(!answer.contains("\"error\":"), "{answer}");
    };
    let cookie = format!("Cookie: orch_token={op}");
    let act = format!("/processes/{id}/act/abort");
    let answer = raw(
        &s,
        &format!("GET {act} HTTP/1.1\r\nHost: x\r\n{cookie}\r\nConnection: close\r\n\r\n"),
    );
    page(&answer, "405", "does not take that kind of request");
    assert!(
        answer.to_ascii_lowercase().contains("allow: post"),
        "{answer}"
    );
    let answer = raw(
        &s,
        &format!(
            "POST {act} HTTP/1.1\r\nHost: x\r\n{cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n_csrf=",
            8 * 1024 * 1024
        ),
    );
    page(&answer, "413", "larger than this server takes");
    // Sent more slowly than the server waits for (a second here).
    let answer = stalled(
        &s,
        &format!(
            "POST {act} HTTP/1.1\r\nHost: x\r\n{cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n_csrf="
        ),
        "</html>",
    );
    page(&answer, "408", "took too long to arrive");
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"],
        "completed"
    );
    // The API answers the same refusals with its JSON.
    let r = call(&s, "PUT", "/api/v1/processes", Some(&op), None);
    assert_eq!(r.status, 405, "{}", r.text);
    assert_eq!(r.body["error"]["kind"], "method_not_allowed", "{}", r.text);
}

/// A form's field of one value sent twice (no page of the dashboard does, a hand-made
/// post may) is refused by name, 422, rather than one of the values being taken
/// without a word; and a NUL answered is named as `^@` in code, as text.
fn a_field_of_one_value_sent_twice_is_refused_by_name() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let form = "/workflows/create_node/start";
    let page = dashboard(&s, form, &op);
    let csrf = csrf(&page);
    let send = |body: &str| {
        let r = ureq::AgentBuilder::new()
            .redirects(0)
            .build()
            .post(&s.url(form))
            .set("Cookie", &format!("orch_token={op}"))
            .set("Content-Type", "application/x-www-form-urlencoded")
            .send_string(&format!("_csrf={csrf}&{body}"));
        match r {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("{e}"),
        }
    };
    let (code, text) = send("node_name=rtr2&node_name=rtr3&role=core");
    assert_eq!(code, 422, "{text}");
    assert!(
        text.contains("Router to enrol (node_name): expected one of the choices"),
        "{text}"
    );
    let (code, text) = send("node_name=%00&role=core");
    assert_eq!(code, 422, "{text}");
    assert!(
        text.contains("<code>^@</code> is not one of the choices"),
        "{text}"
    );
    assert_eq!(
        get(&s, "/api/v1/processes?workflow=create_node", &op).body,
        json!([]),
        "nothing was started"
    );
    // An empty second value is what a browser may send: the one answer stands.
    let (code, text) = send("node_name=rtr2&role=core&node_name=");
    assert_eq!(code, 303, "{text}");
}

both!(
    a_field_of_one_value_sent_twice_is_refused_by_name,
    every_route_refuses_missing_wrong_revoked_and_underprivileged_tokens,
    a_revoked_token_stays_listed_when_its_name_is_reused,
    the_dashboards_refusals_before_a_page_are_pages_too,
);
