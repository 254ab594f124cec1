//! Just enough of the W3C WebDriver protocol to drive Chromium through chromedriver:
//! sessions, navigation, elements, clicks, keys, scripts and screenshots.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    /// chromedriver's pid: started through a shell that leaves it behind, so it is no
    /// child of the tests (their children's peak memory is measured elsewhere, and a
    /// browser's would count).
    driver: libc::pid_t,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// Where Debian puts Chromium and its driver, if they are here.
pub fn available() -> Option<(String, String)> {
    let find = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("/usr/bin/{n}"))
            .find(|p| Path::new(p).exists())
    };
    Some((
        find(&["chromium", "chromium-browser"])?,
        find(&["chromedriver"])?,
    ))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    pub fn start(chromium: &str, driver: &str) -> Browser {
        let port = free_port();
        let out = Command::new("sh")
            .args([
                "-c",
                "\"$0\" --port=\"$1\" >/dev/null 2>&1 </dev/null & echo $!",
            ])
            .arg(driver)
            .arg(port.to_string())
            .stderr(Stdio::null())
            .output()
            .expect("chromedriver starts");
        let child: libc::pid_t = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("chromedriver's pid");
        let base = format!("http://127.0.0.1:{port}");
        let until = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < until, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let r: Value = ureq::post(&format!("{base}/session"))
            .send_json(caps)
            .map_err(|e| match e {
                ureq::Error::Status(_, r) => r.into_string().unwrap_or_default(),
                e => e.to_string(),
            })
            .expect("a WebDriver session")
            .into_json()
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        Browser {
            driver: child,
            base,
            session,
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = ureq::request(method, &url).timeout(Duration::from_secs(60));
        let r = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match r {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].take(),
            Err(ureq::Error::Status(_, r)) => {
                let v: Value = r.into_json().unwrap_or_default();
                Value::Object(
                    [("webdriver_error".to_string(), v["value"].clone())]
                        .into_iter()
                        .collect(),
                )
            }
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// Loads `url`; a load that fails (or outlasts the page load timeout) fails the test.
    pub fn go(&self, url: &str) {
        let r = self.cmd("POST", "/url", Some(json!({"url": url})));
        assert!(r.get("webdriver_error").is_none(), "loading {url}: {r}");
    }

    /// How long a page may take to load before [`Browser::go`] fails.
    pub fn page_load_timeout(&self, limit: Duration) {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.cmd("POST", "/timeouts", Some(json!({"pageLoad": ms})));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching a CSS selector, if any.
    pub fn find(&self, css: &str) -> Option<String> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().map(str::to_string)
    }

    /// Waits (up to 30 s) for an element to appear.
    pub fn wait(&self, css: &str) -> String {
        self.wait_for(|| self.find(css), || format!("no `{css}`"))
    }

    /// Waits (up to 30 s) until the browser is at a URL holding `part` (a form's
    /// answer redirects: the page before it may hold the same words).
    pub fn wait_url(&self, part: &str) {
        self.wait_for(
            || self.url().contains(part).then_some(()),
            || format!("never got to `{part}`: still"),
        )
    }

    /// Waits (up to 30 s) until the page's text holds `what`, without reloading it.
    pub fn wait_text(&self, what: &str) {
        self.wait_for(
            || self.text("body").contains(what).then_some(()),
            || format!("`{what}` never showed"),
        )
    }

    /// Polls `ready` every 100 ms until it gives a value; after 30 s fails with
    /// `failure`, the URL and the page's text.
    fn wait_for<T>(&self, ready: impl Fn() -> Option<T>, failure: impl Fn() -> String) -> T {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(v) = ready() {
                return v;
            }
            assert!(
                Instant::now() < until,
                "{} on {}:\n{}",
                failure(),
                self.url(),
                self.text("body")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn text(&self, css: &str) -> String {
        match self.find(css) {
            Some(e) => self
                .cmd("GET", &format!("/element/{e}/text"), None)
                .as_str()
                .unwrap_or_default()
                .to_string(),
            None => String::new(),
        }
    }

    pub fn click(&self, css: &str) {
        let e = self.wait(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Waits (up to 30 s) for a dialog (`window.confirm`, `alert`) and returns its text.
    pub fn dialog_text(&self) -> String {
        self.wait_for(
            || {
                self.cmd("GET", "/alert/text", None)
                    .as_str()
                    .map(str::to_string)
            },
            || "no dialog opened".to_string(),
        )
    }

    /// Answers the open dialog with OK.
    pub fn accept_dialog(&self) {
        let r = self.cmd("POST", "/alert/accept", Some(json!({})));
        assert!(
            r.get("webdriver_error").is_none(),
            "accepting the dialog: {r}"
        );
    }

    /// Answers the open dialog with Cancel.
    pub fn dismiss_dialog(&self) {
        let r = self.cmd("POST", "/alert/dismiss", Some(json!({})));
        assert!(
            r.get("webdriver_error").is_none(),
            "dismissing the dialog: {r}"
        );
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.wait(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    pub fn run(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Sizes the window (outer size), as a phone's or a desk's screen.
    pub fn window_size(&self, width: u32, height: u32) {
        let r = self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
        assert!(r.get("webdriver_error").is_none(), "resizing: {r}");
    }

    /// Where the first element matching `css` is laid out, in CSS pixels from the
    /// document's top left: `x`, `y`, `width` and `height`.
    pub fn rect(&self, css: &str) -> Value {
        let e = self.wait(css);
        self.cmd("GET", &format!("/element/{e}/rect"), None)
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, to: &Path) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("a screenshot"))
            .unwrap();
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        // SAFETY: kill with the pid of the chromedriver this browser started.
        unsafe {
            libc::kill(self.driver, libc::SIGTERM);
        }
    }
}
