//! The dashboard in a real headless Chromium (Debian's, through chromedriver): log in
//! with a token, find a subscription by search, start create_node from its form with
//! a wrong answer refused first, answer its input step, watch a process complete
//! live, retry a failed one, abort one whose step runs long. A screenshot of every page goes to
//! `target/screenshots/`; they are how the layout is judged.
//!
//! `.ci/run` installs Chromium and chromedriver and sets ORCH_REQUIRE_BROWSER, so CI
//! never skips this; elsewhere it is skipped (with a note) when they are missing.

use serde_json::json;

use super::webdriver::{self, Browser};
use super::{Server, get, post, token, wait_for_status, wait_until};
use crate::workers::{signal, spawn_worker};
use crate::{Project, both, repo_root};

/// Chromium and chromedriver, or None (the test is skipped, but where CI requires them).
fn browser() -> Option<(String, String)> {
    let found = webdriver::available();
    if found.is_none() {
        assert!(
            std::env::var_os("ORCH_REQUIRE_BROWSER").is_none(),
            "chromium and chromedriver are required (ORCH_REQUIRE_BROWSER is set)"
        );
        eprintln!("skipped: no chromium/chromedriver (apt-get install chromium chromium-driver)");
    }
    found
}

/// Logs in with `token` through the login page.
fn log_in(b: &Browser, s: &Server, token: &str) {
    b.go(&s.url("/login"));
    b.type_into("#token", token);
    b.click("button[type=submit]");
    b.wait("header nav");
}

fn shot(b: &Browser, name: &str) {
    b.screenshot(
        &repo_root()
            .join("target/screenshots")
            .join(format!("{name}.png")),
    );
}

/// Marks the page, so a later check can tell it was updated in place, not reloaded.
fn mark(b: &Browser) {
    b.run("window.__kept = 42;");
}

fn still_marked(b: &Browser) -> bool {
    b.run("return window.__kept === 42;") == json!(true)
}

/// Clicks `css`, a form's button whose answer redirects to a page like this one, and
/// waits until that page has replaced this one (its elements are the same, so waiting
/// for one of them would not tell).
fn click_and_wait_for_the_next_page(b: &Browser, css: &str) {
    b.run("window.__before = 1;");
    b.click(css);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while b.run("return window.__before === 1;") == json!(true) {
        assert!(std::time::Instant::now() < until, "the page never changed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn an_operator_works_through_the_dashboard() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let p = Project::example();
    p.script(
        "workflows/scripts/flaky.sh",
        "[ -f ok ] && { sleep 1; exit 0; }; echo 'the device said no' >&2; exit 1",
    );
    p.write(
        "workflows/flaky.toml",
        "name = \"flaky\"\ntarget = \"system\"\ndescription = \"pushes a config; fails until ./ok exists\"\n[[step]]\nname = \"Push config\"\nrun = \"workflows/scripts/flaky.sh\"\n[[step]]\nname = \"Check\"\nbuiltin = \"noop\"\n",
    );
    p.write(
        "workflows/vault.toml",
        "name = \"vault\"\ntarget = \"system\"\ndescription = \"logs in to a site\"\n[[form]]\ntitle = \"Site\"\nfields = [{ name = \"site\", type = \"text\" }]\n[[form]]\ntitle = \"Login\"\nfields = [{ name = \"user\", type = \"text\" }, { name = \"password\", type = \"secret\" }]\n[[step]]\nname = \"Log in\"\nbuiltin = \"noop\"\n",
    );
    let op = token(&p, "noc-operator", "operate");
    let s = Server::start(&p, &[]);
    let rtr1 = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr1", "role": "core"}),
    );
    wait_for_status(&s, &op, rtr1.body["id"].as_str().unwrap(), "completed");

    let b = Browser::start(&chromium, &driver);

    // Logging in: any page sends to the login first, then back.
    b.go(&s.url("/subscriptions"));
    b.wait("#token");
    assert!(
        b.url().contains("/login?next=%2Fsubscriptions"),
        "{}",
        b.url()
    );
    shot(&b, "01-login");
    b.type_into("#token", "orch_wrong");
    b.click("button[type=submit]");
    b.wait_text("That token is wrong");
    b.type_into("#token", &op);
    b.click("button[type=submit]");
    b.wait("table.grid");
    assert!(b.url().ends_with("/subscriptions"), "{}", b.url());

    // What an operator types is theirs: a live update waits while they are in a field,
    // and comes in once they leave it, their words kept.
    mark(&b);
    b.type_into("input[name=search]", "rtr");
    let rtr3 = post(
        &s,
        "/api/v1/workflows/create_node/processes",
        &op,
        &json!({"node_name": "rtr3", "role": "edge"}),
    );
    wait_for_status(&s, &op, rtr3.body["id"].as_str().unwrap(), "completed");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let typed = "return document.querySelector('input[name=search]').value;";
    assert_eq!(b.run(typed), json!("rtr"), "the update undid the typing");
    assert!(!b.text("main").contains("Node rtr3"), "{}", b.text("main"));
    b.run("document.activeElement.blur();");
    b.wait_text("Node rtr3");
    assert_eq!(b.run(typed), json!("rtr"), "the update lost the typing");
    assert!(still_marked(&b));

    // Finding a subscription by search.
    b.type_into("input[name=search]", "rtr1");
    b.click("form.filters button[type=submit]");
    b.wait_text("Node rtr1");
    shot(&b, "02-subscriptions");
    b.click("table.grid tbody td a");
    b.wait_text("Relations");
    assert!(b.text("main").contains("modify_node"), "{}", b.text("main"));
    shot(&b, "03-subscription");
    // On a phone the workflows are rows that wrap, each Start button in sight, not
    // in a part of a table that scrolls sideways.
    b.window_size(390, 844);
    let button = "#workflows a.button";
    let at = b.rect(button);
    let width = b.run("return window.innerWidth;").as_f64().unwrap();
    let (x, w) = (at["x"].as_f64().unwrap(), at["width"].as_f64().unwrap());
    assert!(
        x >= 0.0 && x + w <= width,
        "the Start button is at {at} of {width} px"
    );
    b.run(&format!(
        "document.querySelector('{button}').scrollIntoView({{block: 'center'}});"
    ));
    assert_eq!(
        b.run(&format!("var e = document.querySelector('{button}'), r = e.getBoundingClientRect(); return e.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));")),
        json!(true),
        "the Start button is hidden"
    );
    shot(&b, "03-subscription-phone");
    b.window_size(1400, 1000);

    // Starting create_node from its form: a wrong (missing) answer is refused first.
    b.go(&s.url("/workflows"));
    b.wait_text("create_node");
    shot(&b, "04-workflows");
    b.go(&s.url("/workflows/create_node"));
    b.wait("svg.diagram");
    shot(&b, "05-workflow");
    b.click("a.button.primary");
    b.wait("select[name=node_name]");
    assert!(
        b.source().contains("value=\"rtr2\""),
        "the planned routers are offered"
    );
    assert!(
        !b.source().contains("value=\"rtr1\""),
        "an enrolled router is not offered"
    );
    b.click("form.form button[type=submit]");
    b.wait("#problems");
    assert!(
        b.text("#problems").contains("node_name"),
        "{}",
        b.text("#problems")
    );
    shot(&b, "06-form-refused");
    b.click("select[name=node_name] option[value=rtr2]");
    b.click("input[name=review_config]");
    b.click("form.form button[type=submit]");
    b.wait_url("/processes/");
    b.wait_text("create_node");

    // It stops at its input step; the page shows it without a reload.
    b.wait_text("Waiting for input");
    shot(&b, "07-process-suspended");
    b.click("a.button.primary");
    b.wait("input[name=applied]");
    shot(&b, "08-resume-form");
    b.click("input[name=applied]");
    b.click("form.form button[type=submit]");
    b.wait_text("Steps");
    b.wait_text("Set status active");
    b.wait_text("completed");

    // A failed process: its stderr shown, then retried and watched to completion live.
    let f = post(&s, "/api/v1/workflows/flaky/processes", &op, &json!({}));
    let fid = f.body["id"].as_str().unwrap().to_string();
    wait_for_status(&s, &op, &fid, "failed");
    b.go(&s.url(&format!("/processes/{fid}")));
    b.wait_text("the device said no");
    shot(&b, "09-process-failed");
    std::fs::write(p.path().join("ok"), "").unwrap();
    click_and_wait_for_the_next_page(&b, "form[action$='/act/retry'] button");
    b.wait("#status");
    mark(&b);
    b.wait_text("Check");
    b.wait(".chips .s-completed");
    assert!(
        still_marked(&b),
        "the page was reloaded instead of updated live"
    );
    shot(&b, "10-process-completed");

    // The processes by status, and the event stream as it grows.
    b.go(&s.url("/processes"));
    b.wait_text("flaky");
    shot(&b, "11-processes");
    // Pausing the engine shows in the header without a reload, and resuming clears it.
    mark(&b);
    assert_eq!(p.run(&["engine", "pause"]).0, 0);
    b.wait("#engine .warn-chip");
    assert_eq!(p.run(&["engine", "resume"]).0, 0);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while b.find("#engine .warn-chip").is_some() {
        assert!(std::time::Instant::now() < until, "the badge stayed");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(still_marked(&b), "the page was reloaded to show it");
    b.go(&s.url("/events"));
    b.wait("#events");
    b.wait("#live:not([hidden])");
    mark(&b);
    let h = post(&s, "/api/v1/workflows/flaky/processes", &op, &json!({}));
    // A new row, prepended live, its id as long as the page's (the millisecond the
    // process started), and the header's newest seq with it.
    let short = &h.body["id"].as_str().unwrap()[..13];
    b.wait(&format!(
        "tr.fresh code[title='{}']",
        h.body["id"].as_str().unwrap()
    ));
    assert!(b.text("tr.fresh").contains(short), "{}", b.text("tr.fresh"));
    assert!(still_marked(&b));
    let fresh_seq: i64 = b.text("tr.fresh td").trim().parse().unwrap();
    let newest: i64 = b.text("#last-seq").trim().parse().unwrap();
    assert!(newest >= fresh_seq, "the header says #{newest}");
    // Event data reads as `key value` pairs, the live rows as the server's.
    b.wait("tr.fresh td.data .k");
    for row in ["tr.fresh", "#events tbody tr:not(.fresh)"] {
        let data = b.text(&format!("{row} td.data"));
        assert!(
            !data.trim().is_empty() && !data.contains("{\""),
            "{row}: {data}"
        );
    }
    shot(&b, "12-events");
    // On a phone an event is a short block, its data wrapped within the page.
    b.window_size(390, 844);
    shot(&b, "12-events-phone");
    // Most rows are four short lines; one with much data a few more.
    let heights = b.run("return Array.from(document.querySelectorAll('#events tbody tr')).map(function (r) { return r.getBoundingClientRect().height; }).sort(function (a, b) { return a - b; });");
    let heights: Vec<f64> = (heights.as_array().unwrap().iter())
        .map(|h| h.as_f64().unwrap())
        .collect();
    let (median, tallest) = (heights[heights.len() / 2], heights[heights.len() - 1]);
    assert!(
        median < 120.0 && tallest < 240.0,
        "event rows of {median} px (half of them), {tallest} px at most"
    );
    let width = b.run("return window.innerWidth;").as_f64().unwrap();
    let right = b.run("return Math.max.apply(null, Array.from(document.querySelectorAll('#events td.data')).map(function (d) { return d.getBoundingClientRect().right; }));");
    assert!(
        right.as_f64().unwrap() <= width,
        "the data reaches {right} px of {width}"
    );
    b.window_size(1400, 1000);
    b.go(&s.url("/processes/nosuchprocess"));
    b.wait_text("404");
    shot(&b, "13-not-found");

    // A form whose second field is listed from the first: picking the node lists its
    // ports at once, with no page sent; "Back" from page two shows page one as sent.
    b.go(&s.url("/workflows/create_circuit/start"));
    b.wait("select[name=node_a]");
    assert_eq!(
        b.run("return getComputedStyle(document.querySelector('button[data-refresh]')).display;"),
        json!("none"),
        "with JavaScript the choices refresh by themselves"
    );
    assert!(
        b.find("select[name=port_a] option[value='1/1/c1']")
            .is_none()
    );
    b.click("select[name=node_a] option:nth-child(2)");
    b.wait("select[name=port_a] option[value='1/1/c1']");
    shot(&b, "14-form-dependent-choices");
    b.click("select[name=port_a] option[value='1/1/c2']");
    b.click("form.form button.primary");
    b.wait("select[name=node_b]");
    assert!(b.text("main").contains("Page 2 of 2"), "{}", b.text("main"));
    shot(&b, "15-form-page-two");
    // Page two answered, then Back and Next: page two still holds its answers.
    let value = |css: &str| b.run(&format!("return document.querySelector('{css}').value;"));
    b.click("select[name=node_b] option:nth-child(2)");
    b.wait("select[name=port_b] option:nth-child(2)");
    b.click("select[name=port_b] option:nth-child(2)");
    let (node_b, port_b) = (value("select[name=node_b]"), value("select[name=port_b]"));
    assert_ne!(port_b, json!(""));
    b.click("button[name=_back]");
    b.wait("select[name=port_a]");
    assert_eq!(
        value("select[name=port_a]"),
        json!("1/1/c2"),
        "page one keeps its answers"
    );
    b.click("form.form button.primary");
    b.wait("select[name=node_b]");
    assert_eq!(
        value("select[name=node_b]"),
        node_b,
        "page two lost its node"
    );
    assert_eq!(
        value("select[name=port_b]"),
        port_b,
        "page two lost its port"
    );
    b.click("form.form button.primary");
    b.wait_url("/processes/");
    b.wait_text("create_circuit");

    // A secret answered on a later page is not carried back: Next asks for it again,
    // and its value is never in a page.
    b.go(&s.url("/workflows/vault/start"));
    b.wait("input[name=site]");
    b.type_into("input[name=site]", "ams");
    b.click("form.form button.primary");
    b.wait("input[name=password]");
    b.type_into("input[name=user]", "noc");
    b.type_into("input[name=password]", "hunter2-never-shown");
    b.click("button[name=_back]");
    b.wait("input[name=site]");
    assert_eq!(value("input[name=site]"), json!("ams"));
    assert!(!b.source().contains("hunter2"), "{}", b.source());
    b.click("form.form button.primary");
    b.wait("input[name=password]");
    assert_eq!(
        value("input[name=user]"),
        json!("noc"),
        "page two lost its user"
    );
    assert_eq!(value("input[name=password]"), json!(""));
    assert!(!b.source().contains("hunter2"), "{}", b.source());
    b.click("form.form button.primary");
    b.wait("#problems");
    assert!(
        b.text("#problems").contains("password"),
        "{}",
        b.text("#problems")
    );
    assert_eq!(value("input[name=user]"), json!("noc"));
    b.type_into("input[name=password]", "hunter2-never-shown");
    b.click("form.form button.primary");
    b.wait_url("/processes/");
    b.wait_text("vault");
    assert!(!b.source().contains("hunter2"));

    // A page left for another lets go of its event stream: clicking through more live
    // pages than a browser opens connections to one server (six) goes on loading each
    // at once. Pages kept in the back-forward cache held their streams, and the next
    // load waited for a connection for most of a minute; the bound below only tells a
    // stall from a load.
    b.page_load_timeout(std::time::Duration::from_secs(20));
    let process = format!("/processes/{}", rtr1.body["id"].as_str().unwrap());
    let shown = super::get(&s, &format!("/api/v1{process}"), &op);
    let subscription = format!(
        "/subscriptions/{}",
        shown.body["subscription_id"].as_str().unwrap()
    );
    for path in [
        &process,
        "/subscriptions",
        "/processes",
        "/events",
        &subscription,
        "/processes",
    ]
    .iter()
    .cycle()
    .take(14)
    {
        b.go(&s.url(path));
        b.wait("main");
    }
}

/// Abort on a process whose step runs long under a worker (a separate `orch worker`;
/// the server runs none): Cancel in the confirmation asks nothing; OK asks the worker,
/// and the page says the request is pending (the Abort button gone) until the worker
/// has stopped the step and aborted the process, which the page then shows without a
/// reload, as the store does. The header counts the worker, and says when none runs.
fn an_operator_aborts_a_process_whose_step_runs_long() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let p = Project::example();
    p.write(
        "workflows/slow.toml",
        "name = \"slow\"\ntarget = \"system\"\ndescription = \"pushes a config slowly\"\n[[step]]\nname = \"Push config\"\nrun = \"sleep 30\"\n[[step]]\nname = \"Check\"\nbuiltin = \"noop\"\n",
    );
    let op = token(&p, "noc-operator", "operate");
    let s = Server::start(&p, &["--no-worker"]);
    // Its heartbeat, which carries an abort request to it, beats every 10 s.
    let worker = spawn_worker(&p, &["--lease", "30s"]);
    let started = post(&s, "/api/v1/workflows/slow/processes", &op, &json!({}));
    let id = started.body["id"].as_str().expect("an id").to_string();
    wait_until("the step runs", || {
        get(&s, &format!("/api/v1/processes/{id}"), &op).body["status"] == "running"
    });

    let b = Browser::start(&chromium, &driver);
    b.window_size(1280, 900);
    log_in(&b, &s, &op);
    b.go(&s.url(&format!("/processes/{id}")));
    let abort = "form[action$='/act/abort'] button";
    b.wait(abort);
    b.wait_text("Push config");
    // The header counts the separate worker.
    b.wait("#workers .chip");
    assert_eq!(b.text("#workers"), "1 worker");
    shot(&b, "16-process-running");
    b.window_size(390, 844);
    shot(&b, "16-process-running-phone");
    b.window_size(1280, 900);
    // The badge leads to the workers page: the worker, running this process.
    b.click("#workers .chip");
    b.wait("#workers-list");
    let listed = b.text("#workers-list");
    assert!(listed.contains("running"), "{listed}");
    assert!(
        b.find(&format!("#workers-list a[href='/processes/{id}']"))
            .is_some(),
        "{listed}"
    );
    shot(&b, "16-workers");
    b.go(&s.url(&format!("/processes/{id}")));
    b.wait(abort);

    // Cancel: nothing is asked.
    b.click(abort);
    assert_eq!(b.dialog_text(), "Abort this process for good?");
    b.dismiss_dialog();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(b.find("#abort-requested").is_none(), "{}", b.text("main"));
    let shown = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(shown["status"], "running", "{shown}");
    assert!(shown["abort_requested"].is_null(), "{shown}");

    // OK, while the worker is held still, so the page is seen before it acts.
    signal(&worker, libc::SIGSTOP);
    b.run("window.__before = 1;");
    b.click(abort);
    assert_eq!(b.dialog_text(), "Abort this process for good?");
    b.accept_dialog();
    wait_until("the answer's page", || {
        b.run("return window.__before === 1;") != json!(true)
    });
    b.wait("#abort-requested");
    let pending = b.text("#abort-requested");
    assert!(
        pending.contains("abort requested by noc-operator"),
        "{pending}"
    );
    assert!(b.find(abort).is_none(), "Abort is offered twice");
    assert!(b.find(".chips .s-running").is_some(), "{}", b.text("main"));
    shot(&b, "17-abort-requested");
    b.window_size(390, 844);
    shot(&b, "17-abort-requested-phone");
    b.window_size(1280, 900);

    // The worker goes on: it stops the step and aborts the process; the page follows.
    mark(&b);
    signal(&worker, libc::SIGCONT);
    b.wait(".chips .s-aborted");
    assert!(still_marked(&b), "the page was reloaded to show it");
    assert!(b.find(abort).is_none());
    shot(&b, "18-process-aborted");
    let stored = p.sql_column(&format!(
        "SELECT status FROM processes WHERE process_id = '{id}'"
    ));
    assert_eq!(stored, ["aborted"]);
    let shown = get(&s, &format!("/api/v1/processes/{id}"), &op).body;
    assert_eq!(shown["status"], "aborted", "{shown}");
    // The worker stops: the header says none runs, without a reload.
    mark(&b);
    signal(&worker, libc::SIGTERM);
    let out = worker.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.wait("#workers .warn-chip");
    assert_eq!(b.text("#workers"), "no worker running");
    assert!(still_marked(&b), "the page was reloaded to show it");
    b.window_size(390, 844);
    shot(&b, "19-no-worker-phone");
}

both!(an_operator_aborts_a_process_whose_step_runs_long);
