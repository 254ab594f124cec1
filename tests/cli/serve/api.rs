//! The API through a real server: every route answers with the command line's JSON
//! shapes, the errors have the statuses and body of DESIGN §15, processes started
//! here are run by the server's worker, and the event stream resumes where it left.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};

use super::{
    Server, call, csrf, dashboard, field_names, get, post, started, token, wait_for_status,
    wait_until,
};
use crate::Project;
use crate::both;

/// The routes of DESIGN §15 (callbacks aside) as the OpenAPI document must list them.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/{name}"),
    ("get", "/api/v1/workflows"),
    ("get", "/api/v1/workflows/{name}"),
    ("get", "/api/v1/workflows/{name}/form"),
    ("post", "/api/v1/workflows/{name}/processes"),
    ("get", "/api/v1/subscriptions"),
    ("get", "/api/v1/subscriptions/{id}"),
    ("get", "/api/v1/subscriptions/{id}/workflows"),
    ("get", "/api/v1/processes"),
    ("get", "/api/v1/processes/{id}"),
    ("post", "/api/v1/processes/{id}/retry"),
    ("post", "/api/v1/processes/{id}/resume"),
    ("post", "/api/v1/processes/{id}/abort"),
    ("post", "/api/v1/processes/{id}/skip"),
    ("get", "/api/v1/events"),
    ("get", "/api/v1/locks"),
    ("get", "/api/v1/workers"),
    ("get", "/api/v1/engine"),
    ("post", "/api/v1/engine/pause"),
    ("post", "/api/v1/engine/resume"),
    ("post", "/api/v1/callbacks/{token}"),
    ("post", "/api/v1/callbacks/{token}/progress"),
];

/// Every (method, path) of the OpenAPI document.
pub fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            out.push((method.clone(), path.clone()));
        }
    }
    out.sort();
    out
}

/// A path of the document with its parameters filled in.
pub fn fill(path: &str, ids: &[(&str, &str)]) -> String {
    let mut p = path.to_string();
    for (k, v) in ids {
        p = p.replace(&format!("{{{k}}}"), v);
    }
    p
}

/// Checks the keys of a body against its schema in the document: every required
/// property is there, and no key is undocumented (the document cannot drift).
pub(super) fn conforms(doc: &Value, schema: &Value, body: &Value, at: &str) {
    let resolve = |s: &Value| match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")].clone()
        }
        None => s.clone(),
    };
    let mut schema = resolve(schema);
    // `allOf` (a flattened part): one object with the properties and requirements of all.
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array).cloned() {
        let (mut props, mut required) = (serde_json::Map::new(), Vec::new());
        for part in parts.iter().map(resolve) {
            props.extend(part["properties"].as_object().cloned().unwrap_or_default());
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        schema = json!({"type": "object", "properties": props, "required": required});
    }
    let schema = &schema;
    if let (Some(items), Some(list)) = (schema.get("items"), body.as_array()) {
        for (i, b) in list.iter().enumerate() {
            conforms(doc, items, b, &format!("{at}[{i}]"));
        }
        return;
    }
    let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        body.as_object(),
    ) else {
        return;
    };
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap();
        assert!(
            obj.contains_key(r),
            "{at}: `{r}` is required by the document but missing: {body}"
        );
    }
    for k in obj.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k) {
        // Answered as null, not left out: always there, so the document must say so.
        let required = schema["required"].as_array().into_iter().flatten();
        assert!(
            required.clone().any(|r| r == k),
            "{at}: `{k}` is answered as null, so the document must mark it required"
        );
        assert!(
            props.get(k).is_some_and(allows_null),
            "{at}: `{k}` is answered as null, so the document must mark it nullable"
        );
    }
    for (k, v) in obj {
        match props.get(k) {
            Some(s) => conforms(doc, s, v, &format!("{at}.{k}")),
            None => {
                // Only a subscription's block tree hangs under a key of its product's.
                assert!(
                    k == "node" || k == "circuit",
                    "{at}: `{k}` is not in the document"
                );
            }
        }
    }
}

/// Whether a schema takes `null` (`"type": ["string", "null"]`, or a `oneOf` with a
/// null type).
fn allows_null(schema: &Value) -> bool {
    let null =
        |t: &Value| t == "null" || t.as_array().is_some_and(|ts| ts.contains(&json!("null")));
    null(&schema["type"])
        || ["oneOf", "anyOf"].iter().any(|k| {
            schema[k]
                .as_array()
                .is_some_and(|alts| alts.iter().any(allows_null))
        })
}

/// The 200 schema of an operation.
/// The dashboard section of a page with this id, up to its end (empty when absent).
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    page.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default()
}

pub(super) fn ok_schema<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let responses = &doc["paths"][path][method]["responses"];
    let r = responses
        .get("200")
        .or_else(|| responses.get("201"))
        .or_else(|| responses.get("202"))
        .expect("a 2xx answer");
    &r["content"]["application/json"]["schema"]
}

fn every_route_answers_with_the_shapes_of_the_command_line() {
    let p = Project::example();
    let op = token(&p, "portal", "operate");
    let s = Server::start(&p, &[]);

    let health = call(&s, "GET", "/api/v1/health", None, None);
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["engine"], "running", "{}", health.text);
    // A paused engine shows in health, for a monitor to see.
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let health = call(&s, "GET", "/api/v1/health", None, None);
    assert_eq!(health.body["engine"], "paused", "{}", health.text);
    assert_eq!(p.run(&["engine", "resume"]).0, 0);

    // Start create_node through the API: the worker inside serve runs it.
    let started = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr1", "role": "core"}),
    );
    assert_eq!(started.status, 201, "{}", started.text);
    // Queued; the server's worker may have taken it already.
    assert!(
        ["created", "running", "completed"].contains(&started.body["status"].as_str().unwrap()),
        "{}",
        started.body
    );
    let id = started.body["id"].as_str().unwrap().to_string();
    let done = wait_for_status(&s, &op, &id, "completed");
    let sid = done["subscription_id"].as_str().unwrap().to_string();

    let doc = call(&s, "GET", "/api/v1/openapi.json", None, None).body;
    assert_eq!(
        doc["openapi"].as_str().map(|v| &v[..3]),
        Some("3.1"),
        "{doc}"
    );
    // Every operation has an id of its own (client generators name methods by it).
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids repeat: {ids:?}");

    // Each read equals the command line's `-o json`, byte for byte as JSON.
    let same = |path: &str, args: &[&str]| {
        let api = get(&s, path, &op);
        assert_eq!(api.status, 200, "{path}: {}", api.text);
        let cli = p.ok_json(args);
        assert_eq!(api.body, cli, "GET {path} differs from orch {args:?}");
        api.body
    };
    let pid = id.as_str();
    let sub = sid.as_str();
    // A subscription filter takes a unique prefix of the id, as `--subscription` does.
    for list in ["processes", "events"] {
        let whole = get(&s, &format!("/api/v1/{list}?subscription={sub}"), &op);
        let short = get(
            &s,
            &format!("/api/v1/{list}?subscription={}", &sub[..13]),
            &op,
        );
        assert_eq!(short.status, 200, "{}", short.text);
        assert!(!whole.body.as_array().unwrap().is_empty(), "{}", whole.text);
        assert_eq!(short.body, whole.body, "{list}");
    }
    let checks: Vec<(String, Vec<&str>, &str, &str)> = vec![
        (
            format!("/api/v1/processes/{pid}"),
            vec!["process", "show", pid],
            "get",
            "/api/v1/processes/{id}",
        ),
        (
            "/api/v1/processes".into(),
            vec!["process", "list"],
            "get",
            "/api/v1/processes",
        ),
        (
            "/api/v1/subscriptions".into(),
            vec!["subscription", "list"],
            "get",
            "/api/v1/subscriptions",
        ),
        (
            format!("/api/v1/subscriptions/{sub}"),
            vec!["subscription", "show", sub],
            "get",
            "/api/v1/subscriptions/{id}",
        ),
        (
            format!("/api/v1/subscriptions/{sub}/workflows"),
            vec!["subscription", "workflows", sub],
            "get",
            "/api/v1/subscriptions/{id}/workflows",
        ),
        (
            "/api/v1/products".into(),
            vec!["product", "list"],
            "get",
            "/api/v1/products",
        ),
        (
            "/api/v1/products/Node".into(),
            vec!["product", "show", "Node"],
            "get",
            "/api/v1/products/{name}",
        ),
        (
            "/api/v1/workflows".into(),
            vec!["workflow", "list"],
            "get",
            "/api/v1/workflows",
        ),
        (
            "/api/v1/workflows/create_node".into(),
            vec!["workflow", "show", "create_node"],
            "get",
            "/api/v1/workflows/{name}",
        ),
        (
            "/api/v1/events?limit=1000".into(),
            vec!["events"],
            "get",
            "/api/v1/events",
        ),
    ];
    for (path, args, method, doc_path) in &checks {
        let body = same(path, args);
        conforms(&doc, ok_schema(&doc, method, doc_path), &body, doc_path);
    }
    let form = get(&s, "/api/v1/workflows/create_node/form", &op);
    let (_, cli_form, _) = p.run(&["workflow", "form", "create_node"]);
    assert_eq!(form.body, serde_json::from_str::<Value>(&cli_form).unwrap());
    conforms(
        &doc,
        ok_schema(&doc, "post", "/api/v1/workflows/{name}/processes"),
        &started.body,
        "start",
    );

    // Filters and paging as query parameters.
    let one = get(
        &s,
        "/api/v1/subscriptions?search=rtr1&status=active&limit=1",
        &op,
    );
    assert_eq!(one.body.as_array().unwrap().len(), 1);
    assert!(
        one.link
            .as_deref()
            .is_some_and(|l| l.contains("offset=1") && l.contains("rel=\"next\"")),
        "{:?}",
        one.link
    );
    let none = get(&s, "/api/v1/subscriptions?search=nosuchthing", &op);
    assert_eq!(none.body, json!([]));
    assert_eq!(
        none.warning, None,
        "an empty answer is not a mistake in itself"
    );
    // A filter that can match nothing answers as the command line does, with the
    // command line's warning in `Orch-Warning`.
    for (path, args, says) in [
        (
            "/api/v1/subscriptions?product=Nope",
            &["subscription", "list", "--product", "Nope"][..],
            "no product is named or tagged `Nope`",
        ),
        (
            "/api/v1/subscriptions?where=node..role%3Dx",
            &["subscription", "list", "--where", "node..role=x"][..],
            "no product has a field at `node..role`",
        ),
        (
            "/api/v1/subscriptions?where=node.netbox_id%3Dabc",
            &["subscription", "list", "--where", "node.netbox_id=abc"][..],
            "`abc` is not a whole number (an int field)",
        ),
        (
            "/api/v1/subscriptions?where=nod.role%3Dcore",
            &["subscription", "list", "--where", "nod.role=core"][..],
            "no product's subscriptions have `nod`",
        ),
        (
            "/api/v1/events?kind=nope.kind",
            &["events", "--kind", "nope.kind"][..],
            "no event kind orch writes matches `nope.kind`",
        ),
    ] {
        let r = get(&s, path, &op);
        assert_eq!((r.status, &r.body), (200, &json!([])), "{path}: {}", r.text);
        let warning = r.warning.unwrap_or_default();
        assert!(warning.contains(says), "{path}: {warning:?}");
        let (code, _, err) = p.run(args);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    for path in [
        "/api/v1/subscriptions?product=Node&where=node.role%3Dcore",
        "/api/v1/events?kind=process.*",
    ] {
        let r = get(&s, path, &op);
        assert_eq!(r.warning, None, "{path}");
    }
    // A full page links to the next only when that page has processes.
    let page = get(&s, "/api/v1/processes?limit=1&workflow=create_node", &op);
    assert_eq!(page.link, None, "the only create_node links to no page");
    let next = get(&s, &format!("/api/v1/processes?before={pid}"), &op);
    assert_eq!(next.body, json!([]));

    // What the document lists is what the server routes: each route answers.
    assert_eq!(
        documented(&doc),
        {
            let mut r: Vec<(String, String)> = ROUTES
                .iter()
                .map(|(m, p)| (m.to_string(), p.to_string()))
                .collect();
            r.sort();
            r
        },
        "the document and the routes of DESIGN §15 differ"
    );
    for (method, path) in documented(&doc) {
        let url = fill(&path, &[("id", pid), ("name", "create_node")]);
        let r = call(
            &s,
            &method.to_uppercase(),
            &url,
            Some(&op),
            (method == "post").then_some(&json!({})),
        );
        let unrouted = (r.status == 404 && r.text.contains("no such route")) || r.status == 405;
        assert!(
            !unrouted,
            "{method} {path} is documented but not routed: {}",
            r.text
        );
        assert!(r.status < 500, "{method} {url}: {} {}", r.status, r.text);
    }
}

fn errors_have_the_status_and_body_of_the_design() {
    let p = Project::example();
    p.write(
        "workflows/count.toml",
        "name = \"count\"\ntarget = \"system\"\n[[form]]\nfields = [{ name = \"n\", type = \"int\" }]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let kind = |r: &super::Reply| {
        r.body["error"]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    let bad = get(&s, "/api/v1/processes?limit=0", &op);
    assert_eq!(
        (bad.status, kind(&bad).as_str()),
        (400, "invalid"),
        "{}",
        bad.text
    );
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    assert_eq!(
        get(&s, "/api/v1/subscriptions?insync=maybe", &op).status,
        400
    );
    // A body nested past the state's figure is refused with its depth.
    let mut deep = serde_json::json!(1);
    for _ in 0..199 {
        deep = serde_json::json!([deep]);
    }
    let r = post(
        &s,
        "/api/v1/workflows/count/processes",
        &op,
        &serde_json::json!({ "n": deep }),
    );
    assert_eq!(
        (r.status, kind(&r).as_str()),
        (400, "invalid"),
        "{}",
        r.text
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nests 200 levels of objects and arrays, past the 64"),
        "{}",
        r.text
    );
    assert_eq!(get(&s, "/api/v1/processes?status=nosuch", &op).status, 400);
    // A misspelt filter is refused, not read as no filter.
    for path in [
        "/api/v1/processes?stauts=failed",
        "/api/v1/subscriptions?custmer=acme",
        "/api/v1/events?knd=process.created",
    ] {
        let r = get(&s, path, &op);
        assert_eq!(
            (r.status, kind(&r).as_str()),
            (400, "invalid"),
            "{path}: {}",
            r.text
        );
        assert!(r.text.contains("unknown parameter"), "{}", r.text);
    }
    // OPTIONS says what a path takes, with a token or without (a CORS preflight
    // carries none).
    for token in [Some(op.as_str()), None] {
        let r = call(&s, "OPTIONS", "/api/v1/processes", token, None);
        assert_eq!(r.status, 204, "{r:?}");
        assert_eq!(r.cache.as_deref(), Some("no-store"), "{r:?}");
        let allow = r.allow.unwrap_or_default();
        assert!(allow.contains("GET"), "{allow}");
    }
    // No cache keeps an answer (they carry process state), an error's neither.
    for path in [
        "/api/v1/processes",
        "/api/v1/processes/nosuch",
        "/api/v1/health",
    ] {
        let r = get(&s, path, &op);
        assert_eq!(r.cache.as_deref(), Some("no-store"), "{path}: {r:?}");
    }
    // With the values at fault beside it, every one is listed.
    for (path, expected) in [
        (
            "/api/v1/processes?limit=0&status=bogus&foo=1",
            &["foo", "status", "limit"][..],
        ),
        (
            "/api/v1/subscriptions?insync=maybe&foo=1",
            &["foo", "insync"][..],
        ),
        ("/api/v1/events?since=-1&foo=1", &["foo", "since"][..]),
        // A second value of a one-value parameter would be dropped: refused.
        ("/api/v1/events?limit=2&limit=3", &["limit"][..]),
    ] {
        let r = get(&s, path, &op);
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        let fields = field_names(&r.body);
        for name in expected {
            assert!(fields.contains(name), "{path}: {name} not in {}", r.text);
        }
    }
    // A `null` body is no body, as the OpenAPI document says: here, no answers.
    let r = call(
        &s,
        "POST",
        "/api/v1/workflows/count/processes",
        Some(&op),
        Some(&Value::Null),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("\"field\":\"n\""), "{}", r.text);
    // A `choices_from` command that fails is the project's program at fault: 502, named.
    p.write(
        "workflows/pick.toml",
        "name = \"pick\"\ntarget = \"system\"\n[[form]]\nfields = [{ name = \"a\", type = \"choice\", choices_from = \"echo netbox is down >&2; exit 3\" }]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let r = post(
        &s,
        "/api/v1/workflows/pick/processes",
        &op,
        &serde_json::json!({"a": "x"}),
    );
    assert_eq!(
        (r.status, kind(&r).as_str()),
        (502, "upstream"),
        "{}",
        r.text
    );
    assert!(r.text.contains("netbox is down"), "{}", r.text);
    std::fs::remove_file(p.path().join("workflows/pick.toml")).unwrap();
    // A customer given empty, or holding a control character, is refused as the CLI
    // refuses it: it would be shown in tables and pages.
    for customer in ["", "%1b%5b31mEVIL"] {
        let r = post(
            &s,
            &format!("/api/v1/workflows/create_node/processes?customer={customer}"),
            &op,
            &serde_json::json!({"node_name": "rtr1", "role": "core"}),
        );
        assert_eq!(
            (r.status, kind(&r).as_str()),
            (422, "invalid"),
            "{}",
            r.text
        );
        assert!(r.text.contains("the customer"), "{}", r.text);
        assert_eq!(field_names(&r.body), ["customer"], "{}", r.text);
    }
    // A NUL in a query is bad input, not a database error; so are bytes that are
    // not UTF-8.
    for path in [
        "/api/v1/subscriptions?search=x%00y",
        "/api/v1/processes?workflow=a%00",
        "/api/v1/subscriptions?search=%ff%fe",
        "/api/v1/processes?workflow=%c3",
    ] {
        let nul = get(&s, path, &op);
        assert_eq!(
            (nul.status, kind(&nul).as_str()),
            (400, "invalid"),
            "{path}: {}",
            nul.text
        );
        let named = path.split(['?', '=']).nth(1).unwrap();
        assert_eq!(field_names(&nul.body), [named], "{path}: {}", nul.text);
    }
    // Each parameter at fault is named, both kinds at once.
    let r = get(&s, "/api/v1/subscriptions?search=%00&product=%ff", &op);
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(field_names(&r.body), ["search", "product"], "{}", r.text);
    assert_eq!(
        r.body["error"]["hints"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );
    // A path segment that is no text once decoded is said to be so.
    let r = get(&s, "/api/v1/processes/%ff", &op);
    assert_eq!(
        (r.status, kind(&r).as_str()),
        (400, "invalid"),
        "{}",
        r.text
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("path segment `%ff` is not valid UTF-8"),
        "{}",
        r.text
    );
    assert_eq!(r.cache.as_deref(), Some("no-store"), "{r:?}");
    for bad in ["since=yesterday", "before=zzz"] {
        let r = get(&s, &format!("/api/v1/processes?{bad}"), &op);
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    // A parameter of an action names itself in `fields` too.
    let perhaps = post(
        &s,
        "/api/v1/processes/01ffffff-0000-7000-8000-000000000000/retry?use_current=perhaps",
        &op,
        &json!({}),
    );
    assert_eq!(perhaps.status, 400, "{}", perhaps.text);
    assert_eq!(
        perhaps.body["error"]["fields"][0]["field"], "use_current",
        "{}",
        perhaps.text
    );
    // A parameter an action does not take is refused, not passed over.
    let plan = post(
        &s,
        "/api/v1/processes/01ffffff-0000-7000-8000-000000000000/retry?plan=true",
        &op,
        &json!({}),
    );
    assert_eq!(plan.status, 400, "{}", plan.text);
    assert_eq!(
        plan.body["error"]["fields"][0]["field"], "plan",
        "{}",
        plan.text
    );
    let since = get(&s, "/api/v1/processes?since=2020-01-01T00:00:00Z", &op);
    assert_eq!(since.status, 200, "{}", since.text);

    let missing = get(
        &s,
        "/api/v1/processes/01ffffff-0000-7000-8000-000000000000",
        &op,
    );
    assert_eq!(
        (missing.status, kind(&missing).as_str()),
        (404, "not_found")
    );
    assert_eq!(get(&s, "/api/v1/workflows/nosuch", &op).status, 404);
    assert_eq!(get(&s, "/api/v1/nosuch", &op).status, 404);
    // A filter naming what does not exist is a 404 with a way on, as on the command
    // line, not an empty list.
    for path in [
        "/api/v1/processes?subscription=zzz",
        "/api/v1/processes?parent=00000000-0000-0000-0000-000000000000",
        "/api/v1/events?subscription=zzz",
        "/api/v1/subscriptions/zzz",
    ] {
        let r = get(&s, path, &op);
        assert_eq!(
            (r.status, kind(&r).as_str()),
            (404, "not_found"),
            "{path}: {}",
            r.text
        );
        assert!(!r.body["error"]["hints"][0].is_null(), "{path}: {}", r.text);
    }
    // Every parameter at fault at once, each named in `fields`.
    let many = get(
        &s,
        "/api/v1/subscriptions?limit=abc&offset=x&status=bogus&insync=maybe",
        &op,
    );
    assert_eq!(many.status, 400, "{}", many.text);
    let named = field_names(&many.body);
    assert_eq!(
        named,
        ["status", "offset", "insync", "limit"],
        "{}",
        many.text
    );
    // The event list checks its parameters alike.
    let events = get(&s, "/api/v1/events?since=x&limit=0&follow=x", &op);
    assert_eq!(events.status, 400, "{}", events.text);
    assert_eq!(
        field_names(&events.body),
        ["since", "limit", "follow"],
        "{}",
        events.text
    );
    let too_many = get(&s, "/api/v1/events?limit=5000", &op);
    assert_eq!(too_many.status, 400, "{}", too_many.text);
    // Several statuses, repeated or comma-separated, as for subscriptions.
    let twice = get(&s, "/api/v1/processes?status=failed&status=completed", &op);
    assert_eq!(twice.status, 200, "{}", twice.text);
    let listed = |r: &super::Reply| -> Vec<String> {
        r.body
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["status"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        listed(&twice)
            .iter()
            .all(|s| s == "failed" || s == "completed"),
        "{}",
        twice.text
    );
    let comma = get(&s, "/api/v1/processes?status=failed,completed", &op);
    assert_eq!(listed(&comma), listed(&twice), "{}", comma.text);
    let bad = get(&s, "/api/v1/processes?status=failed,nosuch", &op);
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("not `nosuch`"), "{}", bad.text);

    // Every problem of a form at once, each with its field (422).
    let invalid = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr9", "role": "x", "typo": 1}),
    );
    assert_eq!(
        (invalid.status, kind(&invalid).as_str()),
        (422, "invalid"),
        "{}",
        invalid.text
    );
    let fields = field_names(&invalid.body);
    assert_eq!(fields, ["typo", "node_name", "role"], "{}", invalid.text);
    assert_eq!(invalid.body["error"]["fields"][2]["type"], "choice");
    // A customer given to a task is listed with the form's own problems.
    let both = post(
        &s,
        "/api/v1/workflows/count/processes?customer=acme",
        &op,
        &json!({"n": "abc"}),
    );
    assert_eq!(both.status, 422, "{}", both.text);
    let fields = field_names(&both.body);
    assert_eq!(fields, ["customer", "n"], "{}", both.text);
    // A form whose choices come from the store (subscription fields) is validated on
    // the server's blocking tasks too.
    let circuit = post(
        &s,
        "/api/v1/workflows/create_circuit/processes?customer=acme",
        &op,
        &json!({}),
    );
    assert_eq!(circuit.status, 422, "{}", circuit.text);
    assert_eq!(
        circuit.body["error"]["fields"][0]["field"], "node_a",
        "{}",
        circuit.text
    );
    let not_object = call(
        &s,
        "POST",
        "/api/v1/workflows/create_node/processes",
        Some(&op),
        Some(&json!([1])),
    );
    assert_eq!(not_object.status, 400);

    // 409: a modify workflow on a subscription that is not usable, retrying a completed process.
    let done = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr1"}),
    );
    let id = done.body["id"].as_str().unwrap().to_string();
    wait_for_status(&s, &op, &id, "completed");
    let again = post(
        &s,
        &format!("/api/v1/processes/{id}/retry"),
        &op,
        &json!({}),
    );
    assert_eq!(
        (again.status, kind(&again).as_str()),
        (409, "conflict"),
        "{}",
        again.text
    );
    assert_eq!(
        post(
            &s,
            &format!("/api/v1/processes/{id}/resume"),
            &op,
            &json!({})
        )
        .status,
        409
    );
    assert_eq!(
        post(
            &s,
            &format!("/api/v1/processes/{id}/abort"),
            &op,
            &json!({})
        )
        .status,
        409
    );
    assert_eq!(
        post(&s, &format!("/api/v1/processes/{id}/skip"), &op, &json!({})).status,
        409
    );

    // 413: a body over the limit, refused from its Content-Length before it is read.
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    let head = format!(
        "POST /api/v1/workflows/create_node/processes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {op}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
        8 * 1024 * 1024
    );
    std::io::Write::write_all(&mut c, head.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut c, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"too_large\""), "{answer}");
    assert!(
        answer.contains("larger than the 1 MiB this server takes"),
        "{answer}"
    );
    // A body sent in chunks, without a length, is cut off at the limit too.
    let chunks = std::iter::repeat_n(b'x', 2 * 1024 * 1024).collect::<Vec<u8>>();
    let r = ureq::post(&s.url("/api/v1/workflows/create_node/processes"))
        .set("Authorization", &format!("Bearer {op}"))
        .send(std::io::Cursor::new(chunks));
    match r {
        Err(ureq::Error::Status(413, _)) => {}
        Err(ureq::Error::Transport(_)) => {} // refused while it was still sending
        other => panic!("a chunked body over the limit: {other:?}"),
    }

    // 414 and 431: a head larger than the server takes gets the error body too.
    let long = get(&s, &format!("/api/v1/products/{}", "a".repeat(10_000)), &op);
    assert_eq!(
        (long.status, kind(&long).as_str()),
        (414, "invalid"),
        "{}",
        long.text
    );
    assert_eq!(long.cache.as_deref(), Some("no-store"), "{long:?}");
    let mut many =
        ureq::get(&s.url("/api/v1/products")).set("Authorization", &format!("Bearer {op}"));
    for i in 0..150 {
        many = many.set(&format!("x-extra-{i}"), "1");
    }
    let many = match many.call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => super::reply(r),
        Err(e) => panic!("150 headers: {e}"),
    };
    assert_eq!(
        (many.status, kind(&many).as_str()),
        (431, "invalid"),
        "{}",
        many.text
    );
    assert_eq!(many.cache.as_deref(), Some("no-store"), "{many:?}");

    // 415: a body that says it is something other than JSON (curl's `-d` alone sends
    // a web form); a JSON type with parameters is JSON.
    let as_type = |content_type: &str| match ureq::post(&s.url("/api/v1/workflows/count/processes"))
        .set("Authorization", &format!("Bearer {op}"))
        .set("Content-Type", content_type)
        .send_string("{\"n\": 3}")
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => super::reply(r),
        Err(e) => panic!("{content_type}: {e}"),
    };
    let form = as_type("application/x-www-form-urlencoded");
    assert_eq!(
        (form.status, kind(&form).as_str()),
        (415, "invalid"),
        "{}",
        form.text
    );
    assert!(
        form.text.contains("Content-Type: application/json"),
        "{}",
        form.text
    );
    assert_eq!(as_type("text/plain").status, 415);
    for json_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ] {
        let r = as_type(json_type);
        assert_eq!(r.status, 201, "{json_type}: {}", r.text);
    }

    // A workflow file on the server that does not parse is said as such, with where:
    // invalid input (the CLI's exit 2), not a bug.
    p.write("workflows/torn.toml", "name = \"torn\"\n[[step]\n");
    for path in ["/api/v1/workflows/torn", "/api/v1/workflows/torn/form"] {
        let torn = get(&s, path, &op);
        assert_eq!(
            (torn.status, kind(&torn).as_str()),
            (400, "invalid"),
            "{}",
            torn.text
        );
        assert!(torn.text.contains("torn.toml:2"), "{}", torn.text);
    }
    let other = get(&s, "/api/v1/workflows/nosuch", &op);
    assert_eq!(other.status, 404);
    assert!(other.text.contains("do not parse"), "{}", other.text);
    std::fs::remove_file(p.path().join("workflows/torn.toml")).unwrap();
    // Found by the name it gives, whatever the file is called.
    p.write(
        "workflows/zz_file.toml",
        "name = \"wf_other\"\ntarget = \"system\"\nbogus_key = 1\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let other = get(&s, "/api/v1/workflows/wf_other", &op);
    assert_eq!(other.status, 400, "{}", other.text);
    assert!(other.text.contains("zz_file.toml:3"), "{}", other.text);
    std::fs::remove_file(p.path().join("workflows/zz_file.toml")).unwrap();

    // 500 is a failure of the store or a bug, said as such: a process whose stored
    // definition is gone.
    let first = p
        .sql_column("SELECT MIN(process_id) FROM processes")
        .remove(0);
    let unhinged =
        format!("UPDATE processes SET definition_hash = 'gone' WHERE process_id = '{first}'");
    match p.store() {
        crate::Store::Sqlite => rusqlite::Connection::open(p.db())
            .unwrap()
            .execute_batch(&format!("PRAGMA foreign_keys = OFF; {unhinged}"))
            .unwrap(),
        // The foreign key's trigger sleeps for this one transaction.
        crate::Store::Postgres => {
            p.sql(&format!(
                "BEGIN; SET LOCAL session_replication_role = replica; {unhinged}; COMMIT"
            ));
        }
    }
    let broken = post(
        &s,
        &format!("/api/v1/processes/{first}/resume"),
        &op,
        &json!({}),
    );
    assert_eq!(broken.status, 409, "{}", broken.text);
    p.sql(&format!(
        "UPDATE processes SET status = 'suspended' WHERE process_id = '{first}'"
    ));
    // Stored data orch cannot read is said as such, with `db check`, not as a bug.
    let damaged = get(&s, &format!("/api/v1/processes/{first}"), &op);
    assert_eq!(
        (damaged.status, kind(&damaged).as_str()),
        (500, "failure"),
        "{}",
        damaged.text
    );
    assert!(
        damaged.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("the definition of process {first} is missing")),
        "{}",
        damaged.text
    );
    assert!(damaged.text.contains("orch db check"), "{}", damaged.text);
}

fn processes_are_resumed_retried_skipped_and_aborted_through_the_api() {
    let p = Project::example();
    p.script(
        "workflows/scripts/flaky.sh",
        "[ -f ok ] && exit 0; echo 'the device said no' >&2; exit 1",
    );
    p.write(
        "workflows/flaky.toml",
        "name = \"flaky\"\ntarget = \"system\"\ndescription = \"fails until ./ok exists\"\n[[step]]\nname = \"Push\"\nrun = \"workflows/scripts/flaky.sh\"\n[[step]]\nname = \"Check\"\nbuiltin = \"noop\"\n",
    );
    // Stopped by Ctrl-C in the command that ran it: resumable through the API too.
    p.write(
        "workflows/slowpoke.toml",
        "name = \"slowpoke\"\ntarget = \"system\"\n[[step]]\nname = \"Wait\"\nrun = \"touch started; [ -e go ] || sleep 30\"\n",
    );
    let (code, err) =
        crate::interrupted_once_started(&p, &["workflow", "run", "slowpoke"], "started");
    assert_eq!(code, 130, "{err}");
    let stopped = p.json(&["process", "list", "--workflow", "slowpoke"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    p.write("go", "");
    let r = post(
        &s,
        &format!("/api/v1/processes/{stopped}/resume"),
        &op,
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    wait_for_status(&s, &op, &stopped, "completed");

    // An input step: suspended, answered with the same validation, then completed.
    let r = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr2", "review_config": true}),
    );
    let id = r.body["id"].as_str().unwrap().to_string();
    let suspended = wait_for_status(&s, &op, &id, "suspended");
    assert_eq!(
        suspended["pending"]["step"], "Provide config to user",
        "{suspended}"
    );
    assert_eq!(suspended["pending"]["fields"][0]["name"], "applied");
    let wrong = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({"applied": false}),
    );
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(wrong.body["error"]["fields"][0]["field"], "applied");
    let answered = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({"applied": true}),
    );
    assert_eq!(answered.status, 200, "{}", answered.text);
    wait_for_status(&s, &op, &id, "completed");

    // `use_current` resumes with the workflow file as it is now (a step added to it).
    p.write(
        "workflows/ask.toml",
        "name = \"ask\"\ntarget = \"system\"\n[[step]]\nname = \"Confirm\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n",
    );
    let a = started(&s, &op, "ask");
    wait_for_status(&s, &op, &a, "suspended");
    p.write(
        "workflows/ask.toml",
        "name = \"ask\"\ntarget = \"system\"\n[[step]]\nname = \"Confirm\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n[[step]]\nname = \"Added\"\nbuiltin = \"noop\"\n",
    );
    let r = post(
        &s,
        &format!("/api/v1/processes/{a}/resume?use_current=true"),
        &op,
        &json!({"ok": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let done = wait_for_status(&s, &op, &a, "completed");
    assert!(done["steps"].to_string().contains("\"Added\""), "{done}");

    // A failing step: retried once the cause is gone.
    let f = started(&s, &op, "flaky");
    let failed = wait_for_status(&s, &op, &f, "failed");
    assert!(
        failed["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["output"]
                .as_str()
                .is_some_and(|o| o.contains("the device said no"))),
        "{failed}"
    );
    std::fs::write(p.path().join("ok"), "").unwrap();
    // The file changed meanwhile: the retry runs the stored definition, and says so.
    let flaky = std::fs::read_to_string(p.path().join("workflows/flaky.toml")).unwrap();
    p.write(
        "workflows/flaky.toml",
        &flaky.replace("fails until ./ok exists", "fails until ./ok is there"),
    );
    // A retry's body holds secrets only: anything else is refused, and nothing queued.
    let bogus = post(
        &s,
        &format!("/api/v1/processes/{f}/retry"),
        &op,
        &json!({"plan": true}),
    );
    assert_eq!(bogus.status, 422, "{}", bogus.text);
    assert_eq!(
        bogus.body["error"]["fields"][0]["field"], "plan",
        "{}",
        bogus.text
    );
    assert_eq!(
        get(&s, &format!("/api/v1/processes/{f}"), &op).body["status"],
        "failed"
    );
    let retried = ureq::post(&s.url(&format!("/api/v1/processes/{f}/retry")))
        .set("Authorization", &format!("Bearer {op}"))
        .send_json(json!({}))
        .unwrap();
    assert_eq!(retried.status(), 200);
    let warning = retried
        .header("orch-warning")
        .unwrap_or_default()
        .to_string();
    assert!(
        warning.contains("workflow `flaky` changed since this process started"),
        "{warning}"
    );
    wait_for_status(&s, &op, &f, "completed");
    std::fs::remove_file(p.path().join("ok")).unwrap();
    // The event of the retry names who asked for it.
    let events = get(
        &s,
        &format!("/api/v1/events?process={f}&kind=process.created"),
        &op,
    )
    .body;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["data"]["reason"] == "queued by ops"),
        "{events}"
    );

    // Skipped by hand, with keys added to the state.
    let k = started(&s, &op, "flaky");
    wait_for_status(&s, &op, &k, "failed");
    let skipped = post(
        &s,
        &format!("/api/v1/processes/{k}/skip"),
        &op,
        &json!({"pushed": "by hand"}),
    );
    assert_eq!(skipped.status, 200, "{}", skipped.text);
    let done = wait_for_status(&s, &op, &k, "completed");
    assert_eq!(done["state"]["pushed"], "by hand");
    assert!(
        done["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["status"] == "skipped" && s["created_by"] == "ops"),
        "{done}"
    );

    // Aborted for good.
    let a = started(&s, &op, "flaky");
    wait_for_status(&s, &op, &a, "failed");
    let aborted = post(&s, &format!("/api/v1/processes/{a}/abort"), &op, &json!({}));
    assert_eq!(
        (aborted.status, aborted.body["status"].as_str()),
        (200, Some("aborted")),
        "{}",
        aborted.text
    );
}

/// A skip's body keys mean what `process skip --set` keys mean: a dotted key sets one
/// inside an object, so a subscription's field is reached and validated (422 naming
/// it) rather than stored as a key with dots in its name.
fn a_skips_dotted_keys_set_inside_objects_as_set_does() {
    let p = Project::example();
    let sid = p.enrol("rtr1", "core")["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    p.write(
        "workflows/breaky.toml",
        "name = \"breaky\"\ntarget = \"modify\"\nproducts = [\"NODE\"]\n[[step]]\nname = \"Break\"\nrun = \"exit 1\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let started = post(
        &s,
        &format!("/api/v1/workflows/breaky/processes?subscription={sid}"),
        &op,
        &json!({}),
    );
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();
    let before = wait_for_status(&s, &op, &id, "failed");
    let skip = |body: Value| post(&s, &format!("/api/v1/processes/{id}/skip"), &op, &body);

    let refused = skip(json!({"subscription.node.loopback_ipv4": "not-an-ip"}));
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        field_names(&refused.body),
        ["subscription.node.loopback_ipv4"],
        "{}",
        refused.text
    );
    let empty = skip(json!({"subscription..note": "x"}));
    assert_eq!(empty.status, 400, "{}", empty.text);
    assert!(empty.text.contains("empty part"), "{}", empty.text);
    let after = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(
        after["steps"], before["steps"],
        "a refused skip changes nothing"
    );

    let skipped = skip(json!({"subscription.node.loopback_ipv4": "10.9.9.9", "seen.by": "ops"}));
    assert_eq!(skipped.status, 200, "{}", skipped.text);
    let done = wait_for_status(&s, &op, &id, "completed");
    let keys: Vec<&String> = done["state"].as_object().unwrap().keys().collect();
    assert!(keys.iter().all(|k| !k.contains('.')), "{keys:?}");
    assert_eq!(done["state"]["seen"], json!({"by": "ops"}), "{done}");
    let sub = get(&s, &format!("/api/v1/subscriptions/{sid}"), &op).body;
    assert_eq!(sub["node"]["loopback_ipv4"], "10.9.9.9", "{sub}");
    assert_eq!(
        sub["node"]["name"], "rtr1",
        "the rest of the block stays: {sub}"
    );
}

/// Views of processes at rest are kept rendered by the server; whatever another orch
/// does to the process (a retry, the cleanup that deletes it) shows at the next read.
fn a_process_view_follows_what_other_orchs_do_to_the_process() {
    let p = Project::new();
    p.write("orch.toml", "task_retention = \"1h\"\n");
    p.script(
        "workflows/scripts/flaky.sh",
        "[ -f ok ] && exit 0; echo 'not yet' >&2; exit 1",
    );
    p.task("[[step]]\nname = \"Push\"\nrun = \"workflows/scripts/flaky.sh\"\n");
    let read = token(&p, "reader", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let (_, out, _) = p.run(&["-o", "json", "task", "run", "t"]);
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/processes/{id}");
    let shown = |p: &Project| p.json(&["process", "show", &id, "-o", "json"]);

    let first = get(&s, &path, &read);
    assert_eq!(first.body["status"], "failed", "{}", first.text);
    let again = get(&s, &path, &read);
    assert_eq!(again.body, first.body);
    assert_eq!(again.body, shown(&p));

    std::fs::write(p.path().join("ok"), "").unwrap();
    assert_eq!(p.run(&["process", "retry", &id]).0, 0);
    let retried = get(&s, &path, &read);
    assert_eq!(retried.body["status"], "completed", "{}", retried.text);
    assert_eq!(retried.body, shown(&p));
    assert_eq!(get(&s, &path, &read).body, retried.body);

    let two_hours_on = (jiff::Timestamp::now() + Duration::from_secs(7200)).to_string();
    let cleaned = p
        .orch()
        .env("ORCH_NOW", &two_hours_on)
        .args(["task", "run", "cleanup_tasks"])
        .output()
        .unwrap();
    assert!(cleaned.status.success(), "{cleaned:?}");
    let gone = get(&s, &path, &read);
    assert_eq!(gone.status, 404, "{}", gone.text);
}

fn secrets_given_to_the_api_reach_the_step_and_are_never_stored() {
    let p = Project::new();
    p.script(
        "workflows/scripts/login.sh",
        "grep -q '\"password\":\"hunter2\"' && echo '{\"logged_in\": true}'",
    );
    p.write(
        "workflows/login.toml",
        "name = \"login\"\ntarget = \"system\"\n[[form]]\nfields = [{ name = \"password\", type = \"secret\" }]\n[[step]]\nname = \"Log in\"\nrun = \"workflows/scripts/login.sh\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let r = post(
        &s,
        "/api/v1/workflows/login/processes",
        &op,
        &json!({"password": "hunter2"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let done = wait_for_status(&s, &op, &id, "completed");
    assert_eq!(done["state"]["logged_in"], true);
    drop(s);
    // A server without a worker could not hand the secret on: refused, nothing queued.
    let s = Server::start(&p, &["--no-worker"]);
    let r = post(
        &s,
        "/api/v1/workflows/login/processes",
        &op,
        &json!({"password": "hunter2"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("ORCH_SECRET_PASSWORD"), "{}", r.text);
    assert_eq!(p.sql_column("SELECT COUNT(*) FROM processes"), ["1"]);
    // Left out of the request, as that says, the process is queued as `workflow run
    // --queue` queues it (it was refused as missing), and a worker gives the secret
    // from its environment.
    let r = post(&s, "/api/v1/workflows/login/processes", &op, &json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    // A worker without it suspends the process asking for it; resumed through the
    // API without it (the only way this server has), it is queued again for a worker
    // that has it.
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    wait_for_status(&s, &op, &id, "suspended");
    let r = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "created", "{}", r.text);
    let worked = p
        .orch()
        .env("ORCH_SECRET_PASSWORD", "hunter2")
        .args(["worker", "--once"])
        .output()
        .unwrap();
    assert!(worked.status.success(), "{worked:?}");
    let done = wait_for_status(&s, &op, &id, "completed");
    assert_eq!(done["state"]["logged_in"], true);
    drop(s);
    assert!(
        !p.stored_text().contains("hunter2"),
        "the secret was stored"
    );
}

/// Reads SSE messages (`id`, parsed data) from a stream until `n` arrived.
fn read_events(r: ureq::Response, n: usize) -> Vec<(i64, Value)> {
    let mut out = Vec::new();
    let mut id = None;
    for line in BufReader::new(r.into_reader()).lines() {
        let line = line.expect("a line of the stream");
        // Of the default type, so a browser's `EventSource.onmessage` sees them.
        assert!(!line.starts_with("event:"), "{line}");
        if let Some(v) = line.strip_prefix("id: ") {
            id = v.parse().ok();
        } else if let Some(d) = line.strip_prefix("data: ") {
            out.push((
                id.take().expect("an id before the data"),
                serde_json::from_str(d).unwrap(),
            ));
            if out.len() == n {
                break;
            }
        }
    }
    out
}

fn the_event_stream_resumes_from_last_event_id() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr1"}),
    )
    .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_status(&s, &op, &id, "completed");
    let all = get(&s, "/api/v1/events?limit=1000", &op).body;
    let seqs: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.len() > 6, "{all}");
    // Read a page at a time, following the links, the same events come back.
    let mut paged = Vec::new();
    let mut next = Some("/api/v1/events?limit=4".to_string());
    while let Some(path) = next.take() {
        let page = get(&s, &path, &op);
        assert_eq!(page.status, 200, "{}", page.text);
        paged.extend(
            page.body
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        next = page.link.as_deref().and_then(|l| {
            let url = l.trim_start_matches('<').split('>').next()?;
            Some(url.to_string())
        });
    }
    assert_eq!(paged, seqs);

    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build();
    let open = |extra: &[(&str, &str)], query: &str| {
        let mut req = agent
            .get(&s.url(&format!("/api/v1/events?follow=true{query}")))
            .set("Authorization", &format!("Bearer {op}"));
        for (k, v) in extra {
            req = req.set(k, v);
        }
        req.call().unwrap()
    };
    let first = open(&[], "&since=0");
    assert_eq!(first.header("content-type"), Some("text/event-stream"));
    let got = read_events(first, 4);
    assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), seqs[..4]);
    // The data is the event's JSON, as `orch events -o jsonl` prints it.
    assert_eq!(got[0].1, all[0]);

    // Reconnecting after the fourth: the rest, each once, in order.
    let last = got[3].0.to_string();
    let rest = read_events(open(&[("Last-Event-ID", &last)], ""), seqs.len() - 4);
    assert_eq!(rest.iter().map(|(i, _)| *i).collect::<Vec<_>>(), seqs[4..]);

    // A live follower (no since) sees the next commit, and a kind filter applies.
    let live = open(&[], "&kind=process.*");
    let posted = std::time::Instant::now();
    let id2 = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr2"}),
    )
    .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let next = read_events(live, 1);
    // Woken by the commit (LISTEN/NOTIFY on PostgreSQL), not by the server's 5 s
    // fallback wait.
    let waited = posted.elapsed();
    assert!(
        waited < Duration::from_secs(3),
        "the live event took {waited:?}"
    );
    assert!(next[0].0 > *seqs.last().unwrap());
    assert_eq!(next[0].1["process_id"], id2.as_str());
    assert!(next[0].1["kind"].as_str().unwrap().starts_with("process."));
    wait_for_status(&s, &op, &id2, "completed");
}

/// A server that cannot listen (the port is taken) fails before its worker starts:
/// the queued process stays for whoever can run it.
#[test]
fn a_server_that_cannot_listen_claims_nothing() {
    let p = Project::example();
    let mut s = Server::start(&p, &["--no-auth", "--no-worker"]);
    let (code, out, err) = p.run(&["workflow", "run", "hello", "--queue"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let addr = s.url("").trim_start_matches("http://").to_string();
    let (code, _, err) = p.run(&["serve", "--no-auth", "--listen", &addr]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot listen"), "{err}");
    assert!(!err.contains("worker"), "{err}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "created");
    assert!(s.stop().success());
}

#[test]
fn serve_stops_on_sigterm_and_refuses_no_auth_off_loopback() {
    let p = Project::example();
    let (code, _, err) = p.run(&["serve", "--no-auth", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("loopback"), "{err}");

    let mut s = Server::start(&p, &["--no-auth"]);
    // Without auth on loopback, a request needs no token.
    assert_eq!(call(&s, "GET", "/api/v1/processes", None, None).status, 200);
    // But a change asked for by another site's page is refused before anything runs,
    // and so is a request addressed to another name (DNS rebinding).
    let forged = ureq::AgentBuilder::new()
        .build()
        .post(&s.url("/api/v1/processes/nope/abort"))
        .set("Origin", "https://evil.example")
        .call();
    match forged {
        Err(ureq::Error::Status(code, _)) => assert_eq!(code, 403),
        other => panic!("a cross-site change got through: {other:?}"),
    }
    let head = {
        use std::io::{Read, Write};
        let addr = s
            .url("")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(
            b"GET /api/v1/processes HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut text = String::new();
        c.read_to_string(&mut text).unwrap();
        text.lines().next().unwrap_or_default().to_string()
    };
    assert!(head.contains(" 403 "), "{head}");
    let status = s.stop();
    assert!(status.success(), "{status:?}");
    let log = s.log.lock().unwrap().clone();
    assert!(
        log.contains("GET /api/v1/processes 200"),
        "no request log: {log}"
    );
    assert!(log.contains("worker") && log.contains("stopped"), "{log}");
}

/// A callback step answered through the API (DESIGN §14, §15): the token in the path is
/// the credential; progress is recorded without ending the wait; an answer that fails
/// `validate` is 422 and leaves the token good; a good one is 202 and the server's
/// worker runs the process on; a spent or wrong token is 404.
fn a_callback_step_is_answered_through_the_api() {
    let p = Project::new();
    p.script(
        "workflows/scripts/submit.sh",
        "cat >/dev/null\nprintf '%s' \"$ORCH_CALLBACK_TOKEN\" > token.tmp && mv token.tmp token.txt\necho '{}'",
    );
    p.task(
        r#"
[[step]]
name = "Wait"
run = "workflows/scripts/submit.sh"
callback = { timeout = "1h", result = "job", validate = "value.status == 'done'", message = "status must be done" }

[[step]]
name = "After"
builtin = "noop"
"#,
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let started = post(&s, "/api/v1/workflows/t/processes", &op, &json!({}));
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();
    wait_for_status(&s, &op, &id, "awaiting_callback");
    let secret = std::fs::read_to_string(p.path().join("token.txt")).unwrap();

    let progress = format!("/api/v1/callbacks/{secret}/progress");
    let r = call(
        &s,
        "POST",
        &progress,
        None,
        Some(&json!({"message": "40%"})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let events = p.json(&[
        "events",
        "--process",
        &id,
        "--kind",
        "step.progress",
        "-o",
        "json",
    ]);
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");

    let answer = format!("/api/v1/callbacks/{secret}");
    let refused = call(&s, "POST", &answer, None, Some(&json!({"status": "busy"})));
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused.text.contains("status must be done"),
        "{}",
        refused.text
    );
    let empty = call(&s, "POST", &answer, None, None);
    assert_eq!(empty.status, 400, "{}", empty.text);
    assert!(empty.text.contains("the body is empty"), "{}", empty.text);
    // The view says what the process awaits, as `process show -o json` does.
    let waiting = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(waiting["status"], "awaiting_callback");
    assert_eq!(waiting["callback"]["step"], "Wait", "{waiting}");
    assert_eq!(waiting["callback"]["answered"], false, "{waiting}");
    assert_eq!(waiting, p.json(&["process", "show", &id, "-o", "json"]));
    let doc = get(&s, "/api/v1/openapi.json", &op).body;
    let schema = ok_schema(&doc, "get", "/api/v1/processes/{id}");
    conforms(&doc, schema, &waiting, "awaiting a callback");
    let page = super::dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(
        page.contains("waiting for a callback at step <code>Wait</code>"),
        "{page}"
    );
    // Titled as what it awaits, with how it is answered; the steps after it to come.
    assert!(page.contains("Awaiting a callback</h2>"), "{page}");
    assert!(page.contains("callbacks&#x2f;TOKEN"), "{page}");
    assert!(
        page.contains("<span class=\"step-name\">Done</span> <span class=\"muted\">to come</span>"),
        "{page}"
    );

    // Resuming it is a conflict said in words, as retrying and skipping it are.
    let resumed = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({}),
    );
    assert_eq!(resumed.status, 409, "{}", resumed.text);
    assert_eq!(
        resumed.body["error"]["message"],
        format!("process {id} is awaiting a callback, not waiting for input"),
        "{}",
        resumed.text
    );
    // A body past the limit is refused from its length, saying the limit, and the
    // token stays good.
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    let head = format!(
        "POST {answer} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{",
        2 * 1024 * 1024
    );
    std::io::Write::write_all(&mut c, head.as_bytes()).unwrap();
    let mut refused = String::new();
    let _ = std::io::Read::read_to_string(&mut c, &mut refused);
    assert!(refused.starts_with("HTTP/1.1 413"), "{refused}");
    assert!(
        refused.contains("\"the request body is larger than the 1 MiB this server takes\""),
        "{refused}"
    );
    assert!(refused.contains("a callback's answer"), "{refused}");
    let taken = call(&s, "POST", &answer, None, Some(&json!({"status": "done"})));
    assert_eq!(taken.status, 202, "{}", taken.text);
    conforms(
        &doc,
        ok_schema(&doc, "post", "/api/v1/callbacks/{token}"),
        &taken.body,
        "taken",
    );
    // The token is the credential: the document lists no 401 or 403 for these
    // routes, and says what each success means.
    for (path, ok) in [
        ("/api/v1/callbacks/{token}", "202"),
        ("/api/v1/callbacks/{token}/progress", "204"),
    ] {
        let responses = &doc["paths"][path]["post"]["responses"];
        for status in ["401", "403"] {
            assert!(
                responses[status].is_null(),
                "{path} lists {status}: {responses}"
            );
        }
        let said = responses[ok]["description"].as_str().unwrap_or_default();
        assert!(
            !said.is_empty(),
            "{path}: {ok} has no description: {responses}"
        );
    }
    let done = wait_for_status(&s, &op, &id, "completed");
    assert_eq!(done["state"]["job"]["status"], "done", "{done}");

    let spent = call(&s, "POST", &answer, None, Some(&json!({"status": "done"})));
    assert_eq!(spent.status, 404, "{}", spent.text);
    let wrong = call(
        &s,
        "POST",
        "/api/v1/callbacks/not-a-token",
        None,
        Some(&json!({})),
    );
    assert_eq!(wrong.status, 404, "{}", wrong.text);
    // Nor when a client gets the address wrong: the request log masks the token
    // wherever it is, also where shortening would keep most of it.
    let secret = secret.trim();
    for wrong in [
        format!("//api/v1/callbacks/{secret}"),
        format!("/api/v1/callbacks//{secret}"),
        format!("/callbacks/{secret}"),
        format!("/api/v1/callback/{secret}/progress"),
        format!("/api/v1/processes/{id}?token={secret}"),
        format!("/api/v1/x{secret}"),
    ] {
        let r = call(&s, "POST", &wrong, None, Some(&json!({})));
        assert_ne!(r.status, 202, "{wrong}: {}", r.text);
    }
    let log = s.log.lock().unwrap().clone();
    assert!(log.contains("POST /callbacks/*** "), "{log}");
    for part in [secret, &secret[..16], &secret[48..]] {
        assert!(!log.contains(part), "the token is logged: {log}");
    }
}

/// Acting on a process the server's own worker is running is a conflict that names
/// who runs it, as the command line's is.
fn a_conflict_over_a_running_process_names_who_runs_it() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Slow\"\nrun = \"cat >/dev/null; while [ ! -f go ]; do sleep 0.05; done\"\n");
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "running");
    for action in ["retry", "skip"] {
        let r = post(
            &s,
            &format!("/api/v1/processes/{id}/{action}"),
            &op,
            &json!({}),
        );
        assert_eq!(r.status, 409, "{action}: {}", r.text);
        assert!(r.text.contains("by orch pid"), "{action}: {}", r.text);
    }
    std::fs::write(p.path().join("go"), "").unwrap();
    wait_for_status(&s, &op, &id, "completed");
}

/// An abort of a process the server's worker runs is asked of that worker: 202 with
/// the request, and the worker stops the step and aborts the process.
fn an_abort_of_a_running_process_is_accepted_and_carried_out() {
    let p = Project::new();
    // It ignores SIGTERM: it is stopped only once its grace is over, which leaves the
    // request to be seen meanwhile.
    p.task("[[step]]\nname = \"Slow\"\nrun = \"trap '' TERM; cat >/dev/null; touch started; sleep 30\"\n");
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let id = started(&s, &op, "t");
    wait_for_status(&s, &op, &id, "running");
    // Running is not yet inside the step: asked before it, the abort is carried out at
    // once, with no request to see.
    wait_until("the step to start", || p.path().join("started").exists());
    // The dashboard offers Abort on a running process, confirmed as its other Abort.
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(
        page.contains(&format!("/processes/{id}/act/abort")),
        "{page}"
    );
    assert!(page.contains("Abort this process for good?"), "{page}");
    let r = post(
        &s,
        &format!("/api/v1/processes/{id}/abort"),
        &op,
        &json!({}),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["status"], "running", "{}", r.text);
    assert_eq!(r.body["abort_requested"]["by"], "ops", "{}", r.text);
    let doc = get(&s, "/api/v1/openapi.json", &op).body;
    let abort = &doc["paths"]["/api/v1/processes/{id}/abort"]["post"]["responses"];
    assert!(abort["202"].is_object(), "{abort}");
    conforms(
        &doc,
        ok_schema(&doc, "get", "/api/v1/processes/{id}"),
        &r.body,
        "an abort requested",
    );
    // Asked again: harmless, the first request stands (or, should the worker have
    // carried it out meanwhile, the process is aborted already).
    let again = post(
        &s,
        &format!("/api/v1/processes/{id}/abort"),
        &op,
        &json!({}),
    );
    let carried_out = again.status == 409 && again.text.contains("is aborted already");
    assert!(
        matches!(again.status, 202 | 200) || carried_out,
        "{}",
        again.text
    );
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(page.contains("abort requested by ops at"), "{page}");
    assert!(!page.contains("/act/abort"), "{page}");
    wait_for_status(&s, &op, &id, "aborted");
    let shown = get(&s, &format!("/api/v1/processes/{id}"), &op);
    assert_eq!(shown.body["abort_requested"], Value::Null, "{}", shown.text);
    let last = shown.body["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status"], "abort", "{last}");
    assert_eq!(
        last["error"],
        "aborted by ops while `Slow` ran; it may have done part of its work"
    );
}

/// While the engine is paused, an answer or a skip given to the API is recorded and
/// queued (they start no step here), as a start is; and every page says the engine
/// is paused.
fn answers_are_queued_while_the_engine_is_paused_and_every_page_says_so() {
    let p = Project::example();
    p.task("[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n");
    let op = token(&p, "ops", "operate");
    let id = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = Server::start(&p, &["--no-worker"]);
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    let r = post(
        &s,
        &format!("/api/v1/processes/{id}/resume"),
        &op,
        &json!({"ok": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "created", "{}", r.text);
    wait_until("the pages to say the engine is paused", || {
        dashboard(&s, "/processes", &op).contains("engine paused since")
    });
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.json(&["process", "show", &id])["status"], "completed");
    wait_until("the pages to say the engine runs again", || {
        !dashboard(&s, "/processes", &op).contains("engine paused")
    });
}

/// An answer, a skip and an abort through the API run no step: the process goes from
/// the status it rested in straight to the next, with no `process.running` between.
fn answers_skips_and_aborts_through_the_api_say_the_status_the_process_rested_in() {
    let p = Project::example();
    p.task("[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n");
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = \"Try\"\nrun = \"exit 1\"\n",
    );
    let op = token(&p, "ops", "operate");
    let asked = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let skipped = p.json_exiting(&["workflow", "run", "broken"], 3)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let aborted = p.json_exiting(&["workflow", "run", "broken"], 3)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = Server::start(&p, &["--no-worker"]);
    for (id, action, body) in [
        (&asked, "resume", json!({"ok": true})),
        (&skipped, "skip", json!({})),
        (&aborted, "abort", json!({})),
    ] {
        let r = post(&s, &format!("/api/v1/processes/{id}/{action}"), &op, &body);
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }
    for (id, rested, now) in [
        (&asked, "suspended", "created"),
        (&skipped, "failed", "created"),
        (&aborted, "failed", "aborted"),
    ] {
        let mut changes = crate::status_changes(&p, id);
        assert_eq!(
            changes.pop().as_deref(),
            Some(format!("process.{now} {rested} {now}").as_str()),
            "{changes:?}"
        );
        assert!(
            !changes.iter().any(|c| c.starts_with("process.running")),
            "{changes:?}"
        );
    }
}

/// What `GET /api/v1/events?follow=true&QUERY` (with `extra` header lines) sends until
/// it has sent `until`, read off a raw connection; panics after 10 s of silence.
fn stream_until(s: &Server, token: &str, query: &str, extra: &str, until: &str) -> String {
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let ask = format!(
        "GET /api/v1/events?follow=true&{query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{extra}\r\n"
    );
    std::io::Write::write_all(&mut c, ask.as_bytes()).unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    while !got.contains(until) {
        match std::io::Read::read(&mut c, &mut buf) {
            Ok(n @ 1..) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            other => panic!("no more within 10 s ({other:?}): {got}"),
        }
    }
    got
}

/// A stream with nothing to send yet answers at once (its head and an opening
/// comment), rather than after its first keep-alive, 15 s on: a client knows it is
/// connected. One that goes away then leaves the server answering.
fn a_quiet_event_stream_answers_at_once() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    for _ in 0..2 {
        let got = stream_until(&s, &op, "since=999999", "", ": following");
        assert!(got.starts_with("HTTP/1.1 200"), "{got}");
        assert!(got.contains("content-type: text/event-stream"), "{got}");
    }
    assert_eq!(get(&s, "/api/v1/health", &op).status, 200);
}

/// A stream opened without `since` says where it starts (an `id` before any event),
/// so a client that loses it before its first event (an `EventSource` reconnects with
/// the last id it was given) gets, on coming back, what committed while it was away.
fn a_stream_lost_before_its_first_event_resumes_without_a_gap() {
    let p = Project::example();
    assert_eq!(p.run(&["workflow", "run", "hello"]).0, 0);
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let head = |extra: &str, until: &str| stream_until(&s, &op, "", extra, until);
    let last = get(&s, "/api/v1/events?limit=1000", &op)
        .body
        .as_array()
        .and_then(|a| a.last().cloned())
        .expect("events")["seq"]
        .as_i64()
        .unwrap();
    let opened = head("", &format!(": following\nid: {last}\n\n"));
    assert!(!opened.contains("data: "), "{opened}");
    // Away: a process runs and commits its events.
    assert_eq!(p.run(&["workflow", "run", "hello"]).0, 0);
    let back = head(
        &format!("Last-Event-ID: {last}\r\n"),
        "\"process.completed\"",
    );
    assert!(
        back.contains(&format!("\nid: {}\ndata: ", last + 1)),
        "{back}"
    );
}

/// The events page shows the newest hundred and pages back through the rest, a kind
/// filter kept.
fn the_events_page_pages_back_through_history() {
    let p = Project::example();
    for _ in 0..20 {
        assert_eq!(p.run(&["workflow", "run", "hello"]).0, 0);
    }
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, "/events", &op);
    let older = page
        .split("/events?before=")
        .nth(1)
        .and_then(|r| r.split(['"', '&']).next())
        .unwrap_or_else(|| panic!("no Older link:\n{page}"));
    let before: i64 = older.parse().unwrap();
    let page = dashboard(&s, &format!("/events?before={before}"), &op);
    assert!(page.contains(&format!("<td>{}</td>", before - 1)), "{page}");
    assert!(!page.contains(&format!("<td>{before}</td>")), "{page}");
    assert!(page.contains("← Newest"), "{page}");
    let page = dashboard(
        &s,
        &format!("/events?before={before}&kind=process.completed"),
        &op,
    );
    assert!(
        page.contains("process.completed") && !page.contains("step.finished"),
        "{page}"
    );
    // One that is no sequence number is refused with a page saying so, not answered
    // with the newest events, which would read as the live stream.
    for bad in ["abc", "0", "-5", "99999999999999999999"] {
        let r = ureq::get(&s.url(&format!("/events?before={bad}")))
            .set("Cookie", &format!("orch_token={op}"))
            .call();
        match r {
            Err(ureq::Error::Status(400, r)) => {
                let text = r.into_string().unwrap_or_default();
                assert!(
                    text.contains("must be an event&#x27;s sequence number") && text.contains(bad),
                    "{bad}: {text}"
                );
            }
            other => panic!("before={bad}: {other:?}"),
        }
    }
}

/// The process ids a processes page lists, in its order.
fn listed(page: &str) -> Vec<String> {
    let mut ids: Vec<String> = page
        .split("<a href=\"/processes/")
        .skip(1)
        .filter_map(|r| r.split('"').next().map(str::to_string))
        .collect();
    ids.dedup();
    ids
}

/// The target of the page's pager link marked `rel`, if it has one.
fn pager_link(page: &str, rel: &str) -> Option<String> {
    page.split("<a href=\"")
        .skip(1)
        .find(|a| {
            a.split('>')
                .next()
                .is_some_and(|t| t.contains(&format!("rel=\"{rel}\"")))
        })
        .and_then(|a| a.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
}

/// The processes page walks three pages down with Older and back up with Newer, the
/// filters kept in every link, and no link leads to an empty page; the API pages the
/// same way with `before` and `after` (`Link: rel="next"` and `rel="prev"`).
fn the_processes_page_pages_down_and_back_up() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let mut ids = Vec::new();
    for n in 0..6 {
        let r = post(&s, "/api/v1/workflows/hello/processes", &op, &json!({}));
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_string());
        if n % 2 == 0 {
            // Another workflow's, which the filter leaves out of every page.
            let r = post(
                &s,
                "/api/v1/workflows/validate_all/processes",
                &op,
                &json!({}),
            );
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
    ids.reverse();
    let pages: Vec<Vec<String>> = ids.chunks(2).map(<[String]>::to_vec).collect();

    let mut path = "/processes?workflow=hello&limit=2".to_string();
    let mut page = String::new();
    for (i, want) in pages.iter().enumerate() {
        page = dashboard(&s, &path, &op);
        assert_eq!(&listed(&page), want, "page {i} ({path})");
        assert_eq!(
            pager_link(&page, "prev").is_some(),
            i > 0,
            "page {i}:\n{page}"
        );
        assert_eq!(page.contains("← Newest"), i > 0, "page {i}");
        match pager_link(&page, "next") {
            Some(next) => {
                assert!(
                    next.contains("workflow=hello") && next.contains("limit=2"),
                    "{next}"
                );
                path = next;
            }
            None => assert_eq!(i, pages.len() - 1, "no Older link on page {i}"),
        }
    }
    for (i, want) in pages.iter().enumerate().rev().skip(1) {
        path = pager_link(&page, "prev").unwrap_or_else(|| panic!("no Newer link:\n{page}"));
        assert!(
            path.contains("workflow=hello") && path.contains("after="),
            "{path}"
        );
        page = dashboard(&s, &path, &op);
        assert_eq!(&listed(&page), want, "page {i} ({path})");
        assert!(pager_link(&page, "next").is_some(), "page {i}");
    }
    assert_eq!(
        pager_link(&page, "prev"),
        None,
        "the newest page links to no newer"
    );

    // The API: the same pages by the links of its answers.
    let link = |r: &super::Reply, rel: &str| {
        r.link.as_deref().and_then(|l| {
            l.split(", ")
                .find(|one| one.ends_with(&format!("rel=\"{rel}\"")))
                .and_then(|one| one.split(['<', '>']).nth(1))
                .map(str::to_string)
        })
    };
    let ids_of = |r: &super::Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut r = get(&s, "/api/v1/processes?workflow=hello&limit=2", &op);
    assert_eq!(link(&r, "prev"), None);
    for (i, want) in pages.iter().enumerate().skip(1) {
        let next = link(&r, "next").unwrap_or_else(|| panic!("page {i}: {:?}", r.link));
        r = get(&s, &next, &op);
        assert_eq!(&ids_of(&r), want, "page {i}");
    }
    assert_eq!(link(&r, "next"), None, "the oldest page links to no older");
    for (i, want) in pages.iter().enumerate().rev().skip(1) {
        let prev = link(&r, "prev").unwrap_or_else(|| panic!("page {i}: {:?}", r.link));
        assert!(
            prev.contains("after=") && !prev.contains("before="),
            "{prev}"
        );
        r = get(&s, &prev, &op);
        assert_eq!(&ids_of(&r), want, "page {i}");
    }
    assert_eq!(link(&r, "prev"), None, "the newest page links to no newer");
    // Newer processes fewer than a page: Newer leads to the newest page, full.
    let newest = post(&s, "/api/v1/workflows/hello/processes", &op, &json!({}));
    let newest = newest.body["id"].as_str().unwrap().to_string();
    let path = format!("/processes?workflow=hello&limit=2&after={}", ids[0]);
    let page = dashboard(&s, &path, &op);
    assert_eq!(listed(&page), [newest.clone(), ids[0].clone()], "{page}");
    assert_eq!(pager_link(&page, "prev"), None);
    let r = get(&s, "/api/v1/processes?after=zzz", &op);
    assert_eq!(r.status, 400, "{}", r.text);
    // One side at a time: both at once would be a page nobody can link to.
    let both = format!("?after={}&before={}", ids[0], newest);
    let r = get(&s, &format!("/api/v1/processes{both}"), &op);
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("not both"), "{}", r.text);
    let page = ureq::get(&s.url(&format!("/processes{both}")))
        .set("Cookie", &format!("orch_token={op}"))
        .call();
    assert!(
        matches!(page, Err(ureq::Error::Status(400, _))),
        "the dashboard took both sides"
    );
}

/// Sends a page of a dashboard form with the hidden fields of `page` (the HTML it
/// came in) and `fields`; the status and body of the answer.
fn send_page(
    s: &Server,
    token: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for hidden in page.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = hidden.split('"').next().unwrap();
        let value = hidden
            .split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap();
        let value = value
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&");
        body.append_pair(name, &value);
    }
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    let r = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .post(&s.url(action))
        .set("Cookie", &format!("orch_token={token}"))
        .set("Content-Type", "application/x-www-form-urlencoded")
        .send_string(&body.finish());
    match r {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{action}: {e}"),
    }
}

/// A secret answered on the first page of a form reaches the start on the last, and
/// no page holds its value: it rides sealed, and a seal that does not open (changed,
/// or from before a restart) is no answer.
fn a_form_carries_an_earlier_pages_secret_sealed() {
    let p = Project::example();
    p.write(
        "workflows/vault.toml",
        "name = \"vault\"\ntarget = \"system\"\ndescription = \"logs in\"\n[[form]]\ntitle = \"Login\"\nfields = [{ name = \"password\", type = \"secret\" }]\n[[form]]\ntitle = \"Site\"\nfields = [{ name = \"site\", type = \"text\" }]\n[[step]]\nname = \"Log in\"\nbuiltin = \"noop\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &[]);
    let action = "/workflows/vault/start";
    let first = dashboard(&s, action, &op);
    let (code, second) = send_page(&s, &op, &first, action, &[("password", "hunter2-sealed")]);
    assert_eq!(code, 200, "{second}");
    assert!(second.contains("name=\"site\""), "{second}");
    assert!(!second.contains("hunter2"), "{second}");
    assert!(second.contains("name=\"_secrets\""), "{second}");
    // Changed, the seal does not open: the password is missing.
    let changed = second.replace("name=\"_secrets\" value=\"", "name=\"_secrets\" value=\"00");
    let (code, refused) = send_page(&s, &op, &changed, action, &[("site", "ams")]);
    assert_eq!(code, 422, "{refused}");
    assert!(refused.contains("password"), "{refused}");
    let (code, started) = send_page(&s, &op, &second, action, &[("site", "ams")]);
    assert_eq!(code, 303, "{started}");
}

both!(
    a_quiet_event_stream_answers_at_once,
    a_stream_lost_before_its_first_event_resumes_without_a_gap,
    a_form_carries_an_earlier_pages_secret_sealed,
    the_processes_page_pages_down_and_back_up,
    the_events_page_pages_back_through_history,
    answers_are_queued_while_the_engine_is_paused_and_every_page_says_so,
    a_conflict_over_a_running_process_names_who_runs_it,
    an_abort_of_a_running_process_is_accepted_and_carried_out,
    a_callback_step_is_answered_through_the_api,
    a_very_long_id_is_echoed_shortened,
    a_process_view_follows_what_other_orchs_do_to_the_process,
    every_route_answers_with_the_shapes_of_the_command_line,
    errors_have_the_status_and_body_of_the_design,
    processes_are_resumed_retried_skipped_and_aborted_through_the_api,
    a_skips_dotted_keys_set_inside_objects_as_set_does,
    secrets_given_to_the_api_reach_the_step_and_are_never_stored,
    the_event_stream_resumes_from_last_event_id,
    answers_skips_and_aborts_through_the_api_say_the_status_the_process_rested_in,
);

/// A database locked longer than the busy timeout (another program's long
/// transaction) does not stop the server's worker: it says so, tries again, and runs
/// what is started once the lock is gone; health says the worker runs throughout.
#[test]
fn the_servers_worker_outlives_a_database_locked_for_a_while() {
    let p = Project::example();
    let mut s = Server::start(&p, &["--no-auth"]);
    assert_eq!(
        call(&s, "GET", "/api/v1/health", None, None).body["worker"],
        "running"
    );
    let lock = rusqlite::Connection::open(p.db()).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // A change asked for meanwhile waits for the busy timeout, then is told to come
    // back: 503 with Retry-After, not a conflict.
    let url = s.url("/api/v1/workflows/hello/processes");
    let refused =
        std::thread::spawn(
            move || match ureq::post(&url).send_json(serde_json::json!({})) {
                Err(ureq::Error::Status(code, r)) => (
                    code,
                    r.header("retry-after").map(str::to_string),
                    r.into_string().unwrap_or_default(),
                ),
                other => panic!("a change went through a locked database: {other:?}"),
            },
        );
    // Longer than the 10 s busy timeout: the worker's claim fails at least once.
    wait_until("the worker to say it cannot claim", || {
        s.log
            .lock()
            .unwrap()
            .contains("cannot claim work: the database is busy")
    });
    let (code, retry_after, body) = refused.join().unwrap();
    assert_eq!((code, retry_after.as_deref()), (503, Some("1")), "{body}");
    assert!(body.contains(r#""kind":"busy""#), "{body}");
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    let health = call(&s, "GET", "/api/v1/health", None, None);
    assert_eq!(
        (health.status, &health.body["worker"]),
        (200, &"running".into()),
        "{}",
        health.text
    );
    let started = call(
        &s,
        "POST",
        "/api/v1/workflows/hello/processes",
        None,
        Some(&serde_json::json!({})),
    );
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();
    wait_until("the worker to run the process", || {
        p.json(&["process", "show", &id])["status"] == "completed"
    });
    let status = s.stop();
    assert!(status.success(), "{status:?}");
    let log = s.log.lock().unwrap().clone();
    assert!(log.contains("the database answers again"), "{log}");
}

/// A form's `int` field steps by whole numbers in the browser, so it refuses 2.5
/// before the server has to; a `float` field takes any number.
#[test]
fn the_start_page_steps_an_int_field_by_one() {
    let p = Project::new();
    p.task(
        "[[form]]\nfields = [ { name = \"n\", type = \"int\", min = 1, max = 5 }, { name = \"r\", type = \"float\" } ]\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n",
    );
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = super::dashboard(&s, "/workflows/t/start", &op);
    assert!(
        page.contains(r#"name="n" type="number" value="" step="1" min="1" max="5""#),
        "{page}"
    );
    assert!(
        page.contains(r#"name="r" type="number" value="" step="any""#),
        "{page}"
    );
}

/// A process's page lists the child processes its `workflow` steps started, each a
/// link; a child's page links back to its parent and the step that started it.
#[test]
fn parent_and_child_processes_link_to_each_other() {
    let p = Project::example();
    p.enrol("rtr1", "core");
    let parent = p.ok_json(&["workflow", "run", "validate_all"]);
    let parent = parent["id"].as_str().unwrap().to_string();
    let child = p.json(&["process", "list", "--parent", &parent])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, &format!("/processes/{parent}"), &op);
    assert!(page.contains("Child processes</h2>"), "{page}");
    assert!(
        page.contains(&format!("href=\"/processes/{child}\"")),
        "{page}"
    );
    let page = dashboard(&s, &format!("/processes/{child}"), &op);
    assert!(page.contains("<dt>Parent</dt>"), "{page}");
    assert!(
        page.contains(&format!("href=\"/processes/{parent}\"")),
        "{page}"
    );
    assert!(
        page.contains("at step “Validate every node [0] &#x2f; validate_node”"),
        "{page}"
    );
}

/// A process failed in a branch shows, in its failure box, the branch step that
/// failed and the end of its stderr, not only the group's summary.
#[test]
fn a_failure_in_a_branch_shows_the_branch_steps_stderr() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"G\"\n[[step.parallel]]\nname = \"a\"\nsteps = [ { name = \"Push\", run = \"true\" } ]\n[[step.parallel]]\nname = \"b\"\nsteps = [ { name = \"Push\", run = \"echo 'push to rtr2 failed: timeout' >&2; exit 1\" } ]\n",
    );
    let failed = p.failed_json(&["workflow", "run", "t"]);
    let id = failed["id"].as_str().unwrap().to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    let failure = page
        .split("card failure")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default();
    assert!(failure.contains("G &#x2f; b &#x2f; Push"), "{failure}");
    assert!(
        failure.contains("push to rtr2 failed: timeout"),
        "{failure}"
    );
}

/// The dashboard's form post of a process page: its CSRF token read from the page,
/// then `fields`; the answer's status.
fn act(s: &Server, token: &str, id: &str, action: &str, fields: &str) -> u16 {
    let page = dashboard(s, &format!("/processes/{id}"), token);
    let csrf = csrf(&page);
    let r = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .post(&s.url(&format!("/processes/{id}/act/{action}")))
        .set("Cookie", &format!("orch_token={token}"))
        .set("Content-Type", "application/x-www-form-urlencoded")
        .send_string(&format!("_csrf={csrf}{fields}"));
    match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{action}: {e}"),
    }
}

/// A failed process whose workflow file changed since it started says what changed,
/// and offers both retries: the stored definition, or the file as it is now.
#[test]
fn a_process_page_says_the_file_changed_and_retries_with_either() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Push\"\nrun = \"exit 1\"\n");
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(!page.contains("id=\"drift\""), "{page}");
    assert!(page.contains("↻ Retry</button>"), "{page}");
    assert!(!page.contains("current file"), "{page}");

    p.task("[[step]]\nname = \"Push\"\nrun = \"true\"\n[[step]]\nname = \"Check\"\nbuiltin = \"noop\"\n");
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    let drift = section(&page, "drift");
    assert!(
        drift.contains("changed since this process started"),
        "{page}"
    );
    assert!(
        drift.contains("~ step <code>Push</code> changed"),
        "{drift}"
    );
    assert!(drift.contains("+ step <code>Check</code> added"), "{drift}");
    assert!(
        page.contains("↻ Retry (stored definition)</button>"),
        "{page}"
    );
    assert!(
        page.contains("↻ Retry with the current file</button>"),
        "{page}"
    );

    assert_eq!(act(&s, &op, &id, "retry", "&use_current=true"), 303);
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    let shown = p.json(&["process", "show", &id]);
    assert_eq!(shown["status"], "completed", "{shown}");

    // A file that is gone leaves the stored definition only.
    p.task("[[step]]\nname = \"Push\"\nrun = \"exit 1\"\n");
    let id = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(p.path().join("workflows/t.toml")).unwrap();
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(
        page.contains("the workflow file is no longer in workflows&#x2f;"),
        "{page}"
    );
    assert!(
        page.contains("↻ Retry (stored definition)</button>"),
        "{page}"
    );
    assert!(!page.contains("Retry with the current file"), "{page}");
}

/// A process whose step asked to be tried again later (exit 75) is shown waiting, not
/// failed: why, when a worker tries again by itself, and retry now, skip and abort
/// besides.
#[test]
fn a_waiting_process_is_shown_waiting_not_failed() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Push\"\nrun = \"echo 'the device is busy' >&2; exit 75\"\n");
    let id = p.json_exiting(&["workflow", "run", "t"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, &format!("/processes/{id}"), &op);
    assert!(!page.contains("card failure"), "{page}");
    assert!(!page.contains("Fix the cause"), "{page}");
    assert!(!page.contains("Skip failed step"), "{page}");
    let later = section(&page, "later");
    assert!(later.contains("Waiting to try “Push” again"), "{page}");
    assert!(later.contains("the device is busy"), "{later}");
    assert!(later.contains("Tried again"), "{later}");
    assert!(later.contains("a worker retries it by itself"), "{later}");
    // Retry now, skip and abort are there, none of them the page's main action.
    assert!(page.contains(">↻ Retry now</button>"), "{page}");
    assert!(page.contains(">↷ Skip the step</button>"), "{page}");
    assert!(page.contains("■ Abort</button>"), "{page}");
    assert!(!page.contains("class=\"primary\""), "{page}");
}

/// A process waiting for a lock links its holder and says how the lock frees; a parent
/// whose child waits behind that holder says so, with both linked, instead of that a
/// worker tries it again by itself.
#[test]
fn a_lock_waits_card_links_the_holder_and_a_parent_names_its_child() {
    let p = Project::new();
    p.task("locks = [\"pool:a\"]\n[[step]]\nname = \"A\"\nrun = \"exit 1\"\n");
    p.write(
        "workflows/parent.toml",
        "name = \"parent\"\ntarget = \"system\"\n[[step]]\nname = \"Child\"\nforeach = \"[1]\"\nworkflow = \"t\"\n",
    );
    let holder = p.failed_json(&["workflow", "run", "t"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let waiter = p.json_exiting(&["workflow", "run", "t"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let parent = p.json_exiting(&["workflow", "run", "parent"], 5)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let child = p.json(&["process", "list", "--parent", &parent])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let link = |id: &str| format!("<a href=\"/processes/{id}\">t <code title=\"{id}\">");

    let page = dashboard(&s, &format!("/processes/{waiter}"), &op);
    let wait = section(&page, "wait");
    assert!(wait.contains("Waiting for a lock"), "{page}");
    // Said once, in the card: not again, unlinked, as the process's reason.
    assert!(!page.contains("<dt>Reason</dt>"), "{page}");
    assert!(
        wait.contains("Lock <code>pool:a</code> is held by"),
        "{wait}"
    );
    assert!(wait.contains(&link(&holder)), "{wait}");
    assert!(wait.contains(">failed</span>"), "{wait}");
    assert!(
        wait.contains(
            "The holder failed and keeps the lock until it is retried to the end or aborted"
        ),
        "{wait}"
    );

    // The API says who holds it and that the holder keeps it, as its schema says.
    let shown = get(&s, &format!("/api/v1/processes/{waiter}"), &op);
    assert_eq!(
        shown.body["lock"]["held_by"],
        holder.as_str(),
        "{}",
        shown.text
    );
    assert_eq!(
        shown.body["lock"]["holder_at_rest"], "failed",
        "{}",
        shown.text
    );
    let doc = get(&s, "/api/v1/openapi.json", &op).body;
    conforms(
        &doc,
        ok_schema(&doc, "get", "/api/v1/processes/{id}"),
        &shown.body,
        "a process waiting for a lock",
    );

    // `GET /locks` lists it as `orch locks -o json` does, with the holder's status.
    let listed = get(&s, "/api/v1/locks", &op);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body, p.json(&["locks"]), "{}", listed.text);
    assert_eq!(listed.body[0]["holder_status"], "failed", "{}", listed.text);
    conforms(
        &doc,
        ok_schema(&doc, "get", "/api/v1/locks"),
        &listed.body,
        "the locks",
    );

    let page = dashboard(&s, &format!("/processes/{parent}"), &op);
    assert!(!page.contains("id=\"later\""), "{page}");
    assert!(!page.contains("a worker retries it by itself"), "{page}");
    assert!(!page.contains("Skip the step"), "{page}");
    let wait = section(&page, "wait");
    assert!(wait.contains("Waiting for its child processes"), "{page}");
    assert!(wait.contains(&link(&child)), "{wait}");
    assert!(
        wait.contains("waits for lock <code>pool:a</code>"),
        "{wait}"
    );
    assert!(wait.contains(&link(&holder)), "{wait}");
    assert!(
        wait.contains("Free each lock: retry a holder that failed to the end, or abort it;"),
        "{wait}"
    );
}

/// The header's engine badge is one element a live update swaps, there when the
/// engine is paused and empty when it runs.
#[test]
fn the_engine_badge_is_an_element_of_its_own() {
    let p = Project::new();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    assert!(dashboard(&s, "/processes", &op).contains("<span id=\"engine\"></span>"));
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    wait_until("the header to say the engine is paused", || {
        dashboard(&s, "/processes", &op).contains("<span id=\"engine\"><span class=\"warn-chip\"")
    });
}

/// A start answers 201 with the process and its address in `Location`, as the
/// OpenAPI document says, and the address gives the process.
#[test]
fn a_started_process_is_at_the_address_its_201_gives() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let r = post(&s, "/api/v1/workflows/hello/processes", &op, &json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let at = r.location.expect("a Location header");
    assert_eq!(at, format!("/api/v1/processes/{id}"));
    let there = get(&s, &at, &op);
    assert_eq!((there.status, &there.body["id"]), (200, &json!(id)));
    let doc = get(&s, "/api/v1/openapi.json", &op).body;
    let created = &doc["paths"]["/api/v1/workflows/{name}/processes"]["post"]["responses"]["201"];
    assert!(created["headers"]["location"].is_object(), "{created}");
}

/// A subscriptions page with none on it says so, and counts no range: not `0–0` on
/// an empty database, nor `0–99` past the last page.
#[test]
fn an_empty_subscriptions_page_counts_no_range() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    for path in ["/subscriptions", "/subscriptions?offset=99"] {
        let page = dashboard(&s, path, &op);
        assert!(page.contains("No subscription matches"), "{path}: {page}");
        assert!(!page.contains("0–"), "{path}: {page}");
    }
}

/// A processes page with none on it says how to start one; filtered, it says what it
/// looked for in words and links back to all.
#[test]
fn an_empty_processes_page_says_how_to_start_one() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, "/processes", &op);
    assert!(page.contains("No process yet. Start one"), "{page}");
    assert!(
        page.contains(r#"<a href="/workflows">Workflows</a>"#),
        "{page}"
    );
    let page = dashboard(&s, "/processes?status=suspended&workflow=hello", &op);
    assert!(
        page.contains("No process of hello is awaiting input."),
        "{page}"
    );
    assert!(
        page.contains(r#"<a href="/processes">All processes</a>"#),
        "{page}"
    );
}

/// A bad `Last-Event-ID` is named in `fields` as the header it is, beside a bad query
/// parameter named as one.
#[test]
fn a_bad_last_event_id_is_named_as_a_header() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let r = ureq::get(&s.url("/api/v1/events?follow=true&since=x"))
        .set("Authorization", &format!("Bearer {op}"))
        .set("Last-Event-ID", "abc")
        .call();
    let Err(ureq::Error::Status(400, r)) = r else {
        panic!("not refused: {r:?}");
    };
    let body: Value = r.into_json().unwrap();
    let fields: Vec<(&str, &str)> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [("since", "query"), ("Last-Event-ID", "header")],
        "{body}"
    );
    // The document says where a `type` may name.
    let doc = get(&s, "/api/v1/openapi.json", &op).body;
    let said = &doc["components"]["schemas"]["FieldProblem"]["properties"]["type"]["description"];
    assert!(
        said.as_str()
            .is_some_and(|d| d.contains("`query` or `header`")),
        "{said}"
    );
}

/// A workflow file that does not parse is left out of the list, and the list says so
/// in `Orch-Warning` (file, line, problem), as `workflow list` warns of it on stderr.
#[test]
fn the_workflow_list_warns_of_a_file_that_does_not_parse() {
    let p = Project::example();
    p.write(
        "workflows/broken.toml",
        "name = \"broken\"\ntarget = \"system\"\n[[step]]\nname = 1\n",
    );
    let (code, _, err) = p.run(&["workflow", "list", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("workflows/broken.toml:4"), "{err}");
    let op = token(&p, "ops", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let r = get(&s, "/api/v1/workflows", &op);
    assert_eq!(r.status, 200, "{}", r.text);
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"hello") && !names.contains(&"broken"),
        "{names:?}"
    );
    let warning = r.warning.expect("an Orch-Warning header");
    assert!(
        warning.starts_with("workflows/broken.toml:4:") && warning.contains("expected a string"),
        "{warning}"
    );
    assert_eq!(get(&s, "/api/v1/products", &op).warning, None);
}

/// A body that starts with a UTF-8 byte order mark (as PowerShell sends one) is read
/// as the JSON after it, as `--input-file` reads such a file.
#[test]
fn a_body_with_a_byte_order_mark_is_read_as_json() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    let file = p.path().join("answers.json");
    std::fs::write(&file, b"\xEF\xBB\xBF{\"node_name\": \"rtr1\"}").unwrap();
    let (code, _, err) = p.run(&[
        "workflow",
        "run",
        "create_node",
        "--queue",
        "--input-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let r = ureq::post(&s.url("/api/v1/workflows/create_node/processes"))
        .set("Authorization", &format!("Bearer {op}"))
        .set("Content-Type", "application/json")
        .send_bytes(b"\xEF\xBB\xBF{\"node_name\": \"rtr2\"}");
    let r = match r {
        Ok(r) | Err(ureq::Error::Status(_, r)) => super::reply(r),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["state"]["node_name"], "rtr2", "{}", r.text);
}

/// The events page filtered by a kind orch never writes (a typo) says so, with the
/// kinds there are, as `orch events` warns and the API's `Orch-Warning` says; a kind
/// that exists is shown without a word.
#[test]
fn the_events_page_says_when_a_kind_can_match_nothing() {
    let p = Project::example();
    assert_eq!(p.run(&["workflow", "run", "hello"]).0, 0);
    let op = token(&p, "ops", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, "/events?kind=process.fail", &op);
    assert!(
        page.contains("no event kind orch writes matches `process.fail`; the kinds are"),
        "{page}"
    );
    let page = dashboard(&s, "/events?kind=process.*", &op);
    assert!(!page.contains("no event kind orch writes"), "{page}");
    assert!(page.contains("process.completed"), "{page}");
}

/// The subscriptions page filtered by a product no product is named or tagged (a
/// bookmark with the wrong case) or a `where` path no product has says so, as the
/// API's `Orch-Warning` says it, rather than only that nothing matches.
#[test]
fn the_subscriptions_page_says_when_a_filter_can_match_nothing() {
    let p = Project::example();
    let op = token(&p, "ops", "read");
    let s = Server::start(&p, &["--no-worker"]);
    let page = dashboard(&s, "/subscriptions?product=node&where=zz.y=1", &op);
    assert!(
        page.contains("no product is named or tagged `node`; did you mean `Node`?"),
        "{page}"
    );
    assert!(page.contains("where zz.y: no product"), "{page}");
    let page = dashboard(&s, "/subscriptions?product=Node", &op);
    assert!(!page.contains("class=\"alert\""), "{page}");
}

/// A path of thousands of characters is not echoed whole: the API's and the dashboard's
/// not-found messages and the request log show its first 64 characters and `…`.
fn a_very_long_id_is_echoed_shortened() {
    let p = Project::example();
    let op = token(&p, "ops", "operate");
    let mut s = Server::start(&p, &["--no-worker"]);
    // Not hex digits: a run of 64 of those is masked in the log as a callback token.
    let long = "z".repeat(5000);
    let shown = format!("{}…", &long[..64]);
    for route in ["processes", "subscriptions", "products", "workflows"] {
        let r = get(&s, &format!("/api/v1/{route}/{long}"), &op);
        assert_eq!(r.status, 404, "{route}: {}", r.text);
        assert!(r.text.contains(&shown), "{route}: {}", r.text);
        assert!(r.text.len() < 1000, "{route}: {}", r.text);
    }
    let r = ureq::get(&s.url(&format!("/processes/{long}")))
        .set("Cookie", &format!("orch_token={op}"))
        .call();
    match r {
        Err(ureq::Error::Status(404, r)) => {
            let page = r.into_string().unwrap();
            assert!(page.contains(&shown), "{page}");
            assert!(!page.contains(&long[..65]), "{page}");
        }
        other => panic!("the dashboard answers {other:?}"),
    }
    assert!(s.stop().success());
    let log = s.log.lock().unwrap().clone();
    assert!(
        log.contains(&format!(" ops GET /api/v1/processes/{shown} 404 ")),
        "{log}"
    );
    assert!(!log.contains(&long[..65]), "{log}");
}

/// The request log names who made each request: the token's name (a space in it
/// written as `_`, so the line keeps its fields), or `-` when no one was identified.
#[test]
fn the_request_log_names_who_asked() {
    let p = Project::example();
    let op = token(&p, "ci bot", "operate");
    let mut s = Server::start(&p, &["--no-worker"]);
    assert_eq!(get(&s, "/api/v1/processes", &op).status, 200);
    assert_eq!(get(&s, "/api/v1/products", "orch_wrong").status, 401);
    assert!(!dashboard(&s, "/processes", &op).is_empty());
    assert!(s.stop().success());
    let log = s.log.lock().unwrap().clone();
    assert!(log.contains(" ci_bot GET /api/v1/processes 200 "), "{log}");
    assert!(log.contains(" - GET /api/v1/products 401 "), "{log}");
    assert!(log.contains(" ci_bot GET /processes 200 "), "{log}");
    assert!(!log.contains(&op), "{log}");
}
