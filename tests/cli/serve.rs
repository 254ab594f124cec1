//! `orch serve` through the real binary: a server on an ephemeral port, spoken to over
//! real HTTP (`api`), attacked (`security`), and driven in a real headless Chromium
//! (`browser`).

mod api;
mod browser;
mod races;
mod refusals;
mod resume;
mod security;
mod webdriver;
mod workers;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Project;

/// A running `orch serve`, stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Everything it wrote on stderr so far.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `orch serve --listen 127.0.0.1:0` with `args` in the project and waits for
    /// the line that names the address it bound.
    pub fn start(p: &Project, args: &[&str]) -> Server {
        let mut cmd = p.command();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("orch serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let keep = log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("orch serve: listening on http://") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.to_string());
                    }
                }
                let mut l = keep.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a.parse().expect("a socket address"),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "orch serve did not say where it listens:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        Server { child, addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGTERM, and the exit status.
    /// Sends `sig` to the server, as a user's Ctrl-C (SIGINT) or a supervisor's SIGTERM.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill with a pid of a child this test owns.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, sig);
        }
    }

    pub fn stop(&mut self) -> std::process::ExitStatus {
        // SAFETY: kill with a pid of a child this test owns.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(40);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!(
                    "orch serve did not stop on SIGTERM:\n{}",
                    self.log.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// An answer: status, headers we look at, body (JSON when it is JSON, else a string).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub link: Option<String>,
    pub cache: Option<String>,
    pub allow: Option<String>,
    /// `Orch-Warning`: what the command line would warn of.
    pub warning: Option<String>,
    /// `Location`: where a created thing is.
    pub location: Option<String>,
    pub body: Value,
    pub text: String,
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

pub fn reply(r: ureq::Response) -> Reply {
    let status = r.status();
    let link = r.header("link").map(str::to_string);
    let cache = r.header("cache-control").map(str::to_string);
    let allow = r.header("allow").map(str::to_string);
    let warning = r.header("orch-warning").map(str::to_string);
    let location = r.header("location").map(str::to_string);
    let text = r.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    Reply {
        status,
        link,
        cache,
        allow,
        warning,
        location,
        body,
        text,
    }
}

/// Sends a request; `token` as a bearer token, `body` as JSON (POST).
pub fn call(
    s: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut req = agent().request(method, &s.url(path));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let r = match body {
        Some(b) => req
            .set("Content-Type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    match r {
        Ok(r) | Err(ureq::Error::Status(_, r)) => reply(r),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

pub fn get(s: &Server, path: &str, token: &str) -> Reply {
    call(s, "GET", path, Some(token), None)
}

pub fn post(s: &Server, path: &str, token: &str, body: &Value) -> Reply {
    call(s, "POST", path, Some(token), Some(body))
}

/// The `field` of each entry of an error body's `fields`, in order.
pub fn field_names(body: &Value) -> Vec<&str> {
    body["error"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Makes a token with `orch token create` and returns it.
pub fn token(p: &Project, name: &str, role: &str) -> String {
    let (code, out, err) = p.run(&["token", "create", name, "--role", role]);
    assert_eq!(code, 0, "token create: {err}");
    out.trim().to_string()
}

/// Waits (up to 30 s) until `done` holds.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the process is at rest in `status` and returns it.
pub fn wait_for_status(s: &Server, t: &str, id: &str, status: &str) -> Value {
    let mut last = Value::Null;
    wait_until(&format!("process {id} is {status}"), || {
        last = get(s, &format!("/api/v1/processes/{id}"), t).body;
        last["status"] == status
    });
    last
}

/// Starts `workflow` through the API with no answers: the new process's id.
pub fn started(s: &Server, token: &str, workflow: &str) -> String {
    let r = post(
        s,
        &format!("/api/v1/workflows/{workflow}/processes"),
        token,
        &serde_json::json!({}),
    );
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no process started: {} {}", r.status, r.text))
        .to_string()
}

/// The CSRF token a dashboard page's forms carry.
pub fn csrf(page: &str) -> String {
    page.split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no CSRF token in the page: {page}"))
        .to_string()
}

/// A dashboard page with the session cookie.
pub fn dashboard(s: &Server, path: &str, token: &str) -> String {
    let r = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .get(&s.url(path))
        .set("Cookie", &format!("orch_token={token}"))
        .call();
    match r {
        Ok(r) => r.into_string().unwrap(),
        Err(e) => panic!("{path}: {e}"),
    }
}
