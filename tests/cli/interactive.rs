//! The real prompts, driven in a real terminal: `orch … --form` runs in a detached tmux
//! session, keys go in with `send-keys` and the screen comes back with `capture-pane`.
//!
//! Every wait polls the screen for a text with a generous deadline (never a fixed sleep,
//! never a timing assertion). A wait is for text that is new on the screen (the next
//! prompt, a rejection), never the echo of what was typed, which shows before the
//! answer is taken. Then the pane's terminal must be in raw mode: the prompt is
//! blocked reading keys, so what is sent next goes to it (and a Ctrl-C arrives as a
//! key, not as a signal between two reads). Each test has its own tmux socket (in its project folder), so tests
//! run in parallel; a guard kills the server even when a test fails. Without tmux the
//! tests say they are skipped and pass. `NO_COLOR` pins dialoguer's plain theme.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::Project;
use super::both;

const DEADLINE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// A tmux server with one session running orch; killed when dropped.
pub struct Term {
    /// The server's socket, in the test's project folder (removed with it).
    socket: PathBuf,
}

impl Term {
    /// Starts `orch ARGS` in the project's folder, on its database, or returns `None`
    /// (saying so) when tmux is missing.
    pub fn start(p: &Project, args: &[&str]) -> Option<Term> {
        Term::start_wide(p, args, 120)
    }

    /// [`Term::start`] in a terminal `columns` wide.
    pub fn start_wide(p: &Project, args: &[&str], columns: u16) -> Option<Term> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux not installed");
            return None;
        }
        let dir = p.path();
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let db = p
            .orch_db()
            .map(|url| format!("ORCH_DB={} ", quote(url)))
            .unwrap_or_default();
        let mut cmd = format!(
            "cd {} && env -u ORCH_DIR -u ORCH_DB -u ORCH_SECRET_TOKEN NO_COLOR=1 ORCH_USER=tester {db}{}",
            quote(&dir.display().to_string()),
            quote(env!("CARGO_BIN_EXE_orch"))
        );
        for a in args {
            cmd.push(' ');
            cmd.push_str(&quote(a));
        }
        cmd.push_str("; echo EXIT=$?; sleep 600");
        let term = Term {
            socket: dir.join("tmux.sock"),
        };
        // A tmux server that starts on a loaded machine sometimes loses the race with
        // its first client ("server exited unexpectedly"); a second try is clean.
        let mut failures = Vec::new();
        while failures.len() < 3 {
            let out = term
                .tmux(&[
                    "-f",
                    "/dev/null",
                    "new-session",
                    "-d",
                    "-x",
                    &columns.to_string(),
                    "-y",
                    "50",
                ])
                .args(["-s", "t", &cmd])
                .output()
                .expect("run tmux");
            if out.status.success() {
                break;
            }
            failures.push(String::from_utf8_lossy(&out.stderr).trim().to_string());
            let _ = term.tmux(&["kill-server"]).output();
            let _ = std::fs::remove_file(&term.socket);
        }
        assert!(
            failures.len() < 3,
            "tmux could not start a session: {failures:?}"
        );
        Some(term)
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.env_remove("TMUX").arg("-S").arg(&self.socket).args(args);
        c
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `text` is on the screen, then until a prompt reads keys; returns
    /// the screen.
    pub fn expect(&self, text: &str) -> String {
        let screen = self.wait(text);
        self.wait_raw();
        screen
    }

    pub fn wait(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for `{text}`; the screen:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the pane's terminal is in raw mode (a prompt is reading keys).
    fn wait_raw(&self) {
        let tty = self
            .tmux(&["display-message", "-p", "-t", "t", "#{pane_tty}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let Ok(file) = std::fs::File::open(&tty) else {
            return;
        };
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let Ok(out) = Command::new("stty")
                .arg("-a")
                .stdin(file.try_clone().expect("dup tty"))
                .output()
            else {
                return; // no stty: nothing to wait with
            };
            if String::from_utf8_lossy(&out.stdout).contains("-icanon") {
                return;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends tmux key names (`Enter`, `Down`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let ok = self
            .tmux(&["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "tmux send-keys {keys:?}");
    }

    /// Types text literally, then Enter.
    pub fn line(&self, text: &str) {
        if !text.is_empty() {
            self.keys(&["-l", text]);
        }
        self.keys(&["Enter"]);
    }

    /// Waits for orch to end and returns its exit code and the whole screen.
    pub fn exit(&self) -> (i32, String) {
        let screen = self.wait("EXIT=");
        let code = screen
            .split("EXIT=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no exit code on the screen:\n{screen}"));
        (code, screen)
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).status();
    }
}

/// A workflow with one field of each kind the prompts treat differently; its steps
/// write the state they get on stdin to files.
fn signup(p: &Project) {
    p.write(
        "workflows/signup.toml",
        r#"
name = "signup"
target = "system"

[[form]]
title = "Account"
fields = [
  { name = "color", type = "choice", choices = ["red", "green", "blue"] },
  { name = "code", type = "text", pattern = "[A-Z]{3}[0-9]{2}" },
  { name = "terms", type = "accept", label = "I accept the terms" },
  { name = "token", type = "secret", label = "API token" },
]

[[step]]
name = "Record"
run = "cat > before.json; echo '{}'"

[[step]]
name = "Confirm"
input.message = "Check {{ state.color }}"
input.fields = [{ name = "ok", type = "choice", choices = ["yes", "later"] }]

[[step]]
name = "Record again"
run = "cat > after.json; echo '{}'"
"#,
    );
}

/// Asserts a secret is nowhere in storage: not in the database files (read as bytes),
/// not in the events table, not in `orch events` output where that command exists.
fn assert_not_stored(p: &Project, secret: &str) {
    assert!(
        !p.stored_text().contains(secret),
        "the database holds the secret"
    );
    let events = p.sql_column("SELECT kind || ' ' || data FROM events");
    assert!(!events.is_empty(), "the run wrote no events");
    assert!(!events.iter().any(|e| e.contains(secret)), "{events:?}");
    let (code, out, _) = p.run(&["events", "-o", "jsonl"]);
    if code == 0 {
        assert!(!out.contains(secret), "{out}");
    }
}

fn read_json(p: &Project, rel: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(p.path().join(rel))
        .unwrap_or_else(|e| panic!("{rel} was not written: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}: {text}"))
}

fn a_form_is_answered_in_a_terminal_and_its_secret_reaches_the_step_only() {
    let p = Project::new();
    signup(&p);
    let Some(t) = Term::start(&p, &["workflow", "run", "signup", "--form"]) else {
        return;
    };
    t.expect("blue");
    t.keys(&["Down", "Enter"]);
    t.expect("color: green");
    t.line("abc12");
    t.expect("does not match the pattern");
    t.line("ABC12");
    t.expect("I accept the terms [y/N]");
    t.keys(&["n"]);
    t.expect("must be accepted");
    t.keys(&["y"]);
    let screen = t.expect("API token");
    assert!(screen.contains("code: ABC12"), "{screen}");
    assert!(
        !screen.contains("Confirm"),
        "nothing runs before the form is done"
    );
    t.line("s3cr3t-T0ken");
    // With --form the input step is asked when the run reaches it, and the run goes on.
    let screen = t.expect("later");
    assert!(
        screen.contains("Check green"),
        "the step's message, rendered:\n{screen}"
    );
    assert!(
        before_confirm(&screen).contains("Record"),
        "the steps before it ran first:\n{screen}"
    );
    t.keys(&["Down", "Enter"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "goes on past the input step:\n{screen}");
    assert!(!screen.contains("s3cr3t-T0ken"), "echoed:\n{screen}");

    let seen = read_json(&p, "before.json");
    assert_eq!(seen["color"], "green");
    assert_eq!(seen["code"], "ABC12");
    assert_eq!(seen["terms"], true);
    assert_eq!(seen["token"], "s3cr3t-T0ken", "the step gets the secret");
    let after = read_json(&p, "after.json");
    assert_eq!(after["ok"], "later");
    assert_eq!(after["token"], "s3cr3t-T0ken", "and so do the steps after");
    assert_not_stored(&p, "s3cr3t-T0ken");
}

/// `workflow run signup` with every answer of its form given, and `extra`.
fn signup_answered<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["workflow", "run", "signup"];
    args.extend_from_slice(extra);
    for answer in ["color=red", "code=ABC12", "terms=true", "token=t0k3n-value"] {
        args.extend(["--input", answer]);
    }
    args
}

/// The screen up to the input step's message.
fn before_confirm(screen: &str) -> &str {
    screen.split("Check green").next().unwrap_or_default()
}

fn ctrl_c_at_an_input_step_leaves_the_process_suspended() {
    let p = Project::new();
    signup(&p);
    let Some(t) = Term::start(&p, &signup_answered(&["--form"])) else {
        return;
    };
    t.expect("later");
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("stays suspended"), "{screen}");
    let list = p.json(&["process", "list"]);
    assert_eq!(list[0]["status"], "suspended", "{list}");
}

fn without_form_a_run_stops_at_the_input_step() {
    let p = Project::new();
    signup(&p);
    let Some(t) = Term::start(&p, &signup_answered(&[])) else {
        return;
    };
    let (code, screen) = t.exit();
    assert_eq!(code, 4, "a terminal alone asks nothing:\n{screen}");
    assert!(screen.contains("--input ok=yes"), "{screen}");
    assert!(!p.path().join("after.json").exists());
}

fn resume_asks_the_input_step_and_the_secret_again() {
    let p = Project::new();
    signup(&p);
    let (code, out, err) = p.run(&[
        "-o",
        "json",
        "workflow",
        "run",
        "signup",
        "--input",
        "color=blue",
        "--input",
        "code=XYZ99",
        "--input",
        "terms=true",
        "--input",
        "token=first-T0ken",
    ]);
    assert_eq!(code, 4, "{err}");
    let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let Some(t) = Term::start(&p, &["process", "resume", &id, "--form"]) else {
        return;
    };
    let screen = t.expect("later");
    assert!(
        screen.contains("Check blue"),
        "the step's message:\n{screen}"
    );
    t.keys(&["Down", "Enter"]);
    let screen = t.expect("API token");
    assert!(screen.contains("never stored"), "{screen}");
    t.line("second-T0ken");
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");

    let after = read_json(&p, "after.json");
    assert_eq!(after["ok"], "later");
    assert_eq!(after["token"], "second-T0ken");
    assert_not_stored(&p, "first-T0ken");
    assert_not_stored(&p, "second-T0ken");
}

fn ctrl_c_at_a_prompt_exits_130_and_stores_nothing() {
    let p = Project::new();
    signup(&p);
    let Some(t) = Term::start(&p, &["workflow", "run", "signup", "--form"]) else {
        return;
    };
    t.expect("blue");
    t.keys(&["Enter"]);
    t.expect("color: red");
    t.line("ABC12");
    t.expect("I accept the terms");
    t.keys(&["y"]);
    t.expect("API token");
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("nothing of the form was stored"),
        "{screen}"
    );
    assert_eq!(p.json(&["process", "list"]), serde_json::json!([]));
    assert!(!p.path().join("before.json").exists());
}

#[test]
fn product_create_asks_what_the_flags_leave_out() {
    let p = Project::new();
    let args = ["product", "create", "--form", "--tag", "PORT", "--save"];
    let Some(t) = Term::start(&p, &args) else {
        return;
    };
    t.expect("Product name");
    t.line("Port");
    t.expect("Product type");
    t.line("Port");
    t.expect("Description");
    t.line("A switch port");
    t.expect("end of life");
    t.keys(&["Enter"]);

    t.expect("Field 1 of PortBlock");
    t.line("name");
    t.expect("ipv6_network");
    t.keys(&["Enter"]);
    t.expect("A list of values");
    t.keys(&["Enter"]);
    t.expect("terminated");
    t.keys(&["Down", "Down", "Enter"]);

    t.expect("Field 2 of PortBlock");
    t.line("name");
    t.expect("has a field `name` already");
    t.line("mode");
    t.expect("Field `mode`");
    t.keys(&["Down", "Down", "Down", "Down", "Enter"]);
    t.expect("Type: enum");
    t.keys(&["y"]);
    t.expect("A list of values yes");
    t.keys(&["Enter"]);
    t.expect("Values of `mode`");
    t.line("tagged, untagged");
    t.expect("Field 3 of PortBlock");
    t.line("");
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Required from lifecycle state: provisioning"),
        "{screen}"
    );
    assert!(
        !screen.contains("Tag:"),
        "a flag's value is not asked:\n{screen}"
    );

    let text = std::fs::read_to_string(p.path().join("products/port.toml")).unwrap();
    assert!(text.contains("description = \"A switch port\""), "{text}");
    assert!(
        text.contains(r#"fields.name = { type = "string", required = "provisioning" }"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"fields.mode = { type = "enum", values = ["tagged", "untagged"], list = true }"#
        ),
        "{text}"
    );
    let show = p.json(&["product", "show", "Port"]);
    assert_eq!(show["tag"], "PORT");
    assert_eq!(show["status"], "active");
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no changes"),
        "the saved file is what was stored: {err}"
    );
}

fn product_create_interrupted_stores_nothing() {
    let p = Project::new();
    let Some(t) = Term::start(&p, &["product", "create", "--form"]) else {
        return;
    };
    t.expect("Product name");
    t.line("Port");
    t.expect("Product type");
    t.line("Port");
    t.expect("Tag");
    t.line("PORT");
    t.expect("Description");
    t.line("");
    t.expect("end of life");
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert_eq!(p.json(&["product", "list"]), serde_json::json!([]));
}

#[test]
fn product_create_form_needs_a_terminal() {
    let p = Project::new();
    let (code, _, err) = p.run(&["product", "create", "--form", "--name", "X"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--form needs a terminal"), "{err}");
    assert!(err.contains("--field"), "says what to do instead: {err}");
}

/// `orch events` fits its lines to the terminal, as the tables do.
#[test]
fn events_fit_a_narrow_terminal() {
    let p = Project::example();
    let (code, _, err) = p.run(super::CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    let Some(t) = Term::start_wide(&p, &["events", "--limit", "8"], 80) else {
        return;
    };
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("subscription.created"), "{screen}");
    for line in screen.lines() {
        let n = line.chars().count();
        assert!(
            n <= 80,
            "{n} characters, wider than the terminal: {line:?}\n{screen}"
        );
    }
}

/// `--form` in a script asks nothing (there is no terminal) and lists what the answers
/// lack, as without it; answers that are all there go on.
#[test]
fn workflow_run_form_without_a_terminal_lists_what_is_missing() {
    let p = Project::example();
    let (code, _, err) = p.run(&["workflow", "run", "create_node", "--form"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--form needs a terminal on stdin and stderr, so nothing was asked"),
        "{err}"
    );
    assert!(
        err.contains("- node_name (choice): missing, required"),
        "{err}"
    );
    assert!(err.contains("hint: give the answers with --input"), "{err}");
    let (code, _, err) = p.run(&["workflow", "run", "hello", "--form"]);
    assert_eq!(code, 0, "{err}");
}

/// A task whose third step (of five, with Start and Done) waits for a file `go`.
fn waiter(p: &Project) {
    p.write(
        "workflows/waiter.toml",
        r#"
name = "waiter"
target = "system"

[[step]]
name = "First"
builtin = "noop"

[[step]]
name = "Wait for go"
run = "while [ ! -f go ]; do sleep 0.05; done"

[[step]]
name = "After"
builtin = "noop"
"#,
    );
}

fn the_progress_counter_numbers_steps_as_workflow_show_and_ctrl_c_clears_it() {
    let p = Project::new();
    waiter(&p);
    let Some(t) = Term::start(&p, &["workflow", "run", "waiter"]) else {
        return;
    };
    let screen = t.wait("[3/5] Wait for go");
    assert!(screen.contains("✓ First"), "{screen}");
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert!(
        !screen.contains("[3/5]"),
        "the spinner line is cleared:\n{screen}"
    );
    assert!(screen.contains("✗ Wait for go: failed"), "{screen}");
    drop(t);

    // A retry counts from the same place: the step is the third of five.
    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let Some(t) = Term::start(&p, &["process", "retry", &id]) else {
        return;
    };
    t.wait("[3/5] Wait for go (attempt 2)");
    p.write("go", "");
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("✓ Wait for go (") && screen.contains("attempt 2)"),
        "{screen}"
    );
}

#[test]
fn a_rejected_answer_is_not_marked_as_taken() {
    let p = Project::new();
    p.write(
        "workflows/terms.toml",
        r#"
name = "terms"
target = "system"

[[form]]
fields = [{ name = "terms", type = "accept", label = "I accept the terms" }]

[[step]]
name = "Nothing"
builtin = "noop"
"#,
    );
    let args = ["--color", "always", "workflow", "run", "terms", "--form"];
    let Some(t) = Term::start(&p, &args) else {
        return;
    };
    t.expect("I accept the terms");
    t.keys(&["n"]);
    let screen = t.expect("must be accepted");
    assert!(
        screen.contains("✘ I accept the terms: no: must be accepted"),
        "{screen}"
    );
    assert!(
        !screen.contains("✔"),
        "a rejected answer with a tick:\n{screen}"
    );
    t.keys(&["y"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("✔ I accept the terms · yes"), "{screen}");
}

/// Ctrl-C during a step that runs after an input step answered at a prompt stops the
/// step (exit 130, the process resumable): the prompt's SIGINT handler does not stay.
fn ctrl_c_stops_a_step_after_an_answered_prompt() {
    let p = Project::new();
    p.write(
        "workflows/asked.toml",
        r#"
name = "asked"
target = "system"

[[step]]
name = "Before"
run = "cat >/dev/null"

[[step]]
name = "Ask"
input.fields = [ { name = "who", type = "text" } ]

[[step]]
name = "Slow"
run = "while [ ! -f go ]; do sleep 0.05; done"
"#,
    );
    let Some(t) = Term::start(&p, &["workflow", "run", "asked", "--form"]) else {
        return;
    };
    t.expect("who");
    t.keys(&["alice", "Enter"]);
    t.wait("Slow");
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("stays resumable"), "{screen}");
    let list = p.json(&["process", "list"]);
    assert_eq!(list[0]["status"], "failed", "{list}");
}

/// Ctrl-C while a `choices_from` command lists a field's choices stops the command
/// and ends the form (exit 130, nothing stored) rather than waiting out its timeout.
fn ctrl_c_while_choices_load_ends_the_form() {
    let p = Project::new();
    p.write(
        "workflows/slowlist.toml",
        r#"
name = "slowlist"
target = "system"

[[form]]
fields = [
  { name = "a", type = "text" },
  { name = "pick", type = "choice", choices_from = "touch listing; sleep 20; echo '[1]'" },
]

[[step]]
name = "N"
builtin = "noop"
"#,
    );
    let Some(t) = Term::start(
        &p,
        &["workflow", "run", "slowlist", "--form", "--input", "a=x"],
    ) else {
        return;
    };
    crate::wait_for_file(&p, "listing", || t.screen());
    let pressed = std::time::Instant::now();
    t.keys(&["C-c"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 130, "{screen}");
    assert!(
        pressed.elapsed() < std::time::Duration::from_secs(8),
        "waited for the list: {screen}"
    );
    assert!(
        screen.contains("nothing of the form was stored"),
        "{screen}"
    );
    assert_eq!(p.json(&["process", "list"]), serde_json::json!([]));
}

/// A `long_text` answer keeps its blank lines (a pasted config has them) and ends at
/// a line of a lone `.`; the next prompt is asked after it.
fn a_long_text_keeps_blank_lines_and_ends_at_a_dot() {
    let p = Project::new();
    p.task(
        "[[form]]\nfields = [ { name = \"cfg\", type = \"long_text\" }, { name = \"after\", type = \"text\" } ]\n[[step]]\nname = \"N\"\nbuiltin = \"noop\"\n",
    );
    let Some(t) = Term::start(&p, &["workflow", "run", "t", "--form"]) else {
        return;
    };
    t.expect("lone `.`");
    t.keys(&[
        "hostname rtr9",
        "Enter",
        "Enter",
        "ntp server 192.0.2.1",
        "Enter",
        ".",
        "Enter",
    ]);
    t.expect("after");
    t.keys(&["done", "Enter"]);
    let (code, screen) = t.exit();
    assert_eq!(code, 0, "{screen}");
    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let state = p.json(&["process", "show", &id, "--state"]);
    assert_eq!(
        state["cfg"], "hostname rtr9\n\nntp server 192.0.2.1",
        "{state}"
    );
    assert_eq!(state["after"], "done", "{state}");
}

/// A step that asks on the terminal (as `ssh` or `sudo` asking for a password do) has
/// none to ask on: it fails at once, rather than being stopped in the background for
/// ever while orch's spinner turns.
fn a_step_that_reads_the_terminal_fails_instead_of_hanging() {
    let p = Project::new();
    p.write(
        "workflows/ttyread.toml",
        r#"
name = "ttyread"
target = "system"

[[step]]
name = "Prompt"
run = "set -e; printf 'password: ' >/dev/tty; read -r x </dev/tty; echo '{}'"
"#,
    );
    let Some(t) = Term::start(&p, &["task", "run", "ttyread"]) else {
        return;
    };
    let (code, screen) = t.exit();
    assert_eq!(code, 3, "{screen}");
    assert!(screen.contains("/dev/tty"), "the shell says why: {screen}");
    let list = p.json(&["process", "list"]);
    assert_eq!(list[0]["status"], "failed", "{list}");
}

/// An answer for no field of the form is refused before anything is asked: nothing
/// could run with it, whatever the rest of the answers.
fn an_answer_for_no_field_is_refused_before_the_prompts() {
    let p = Project::new();
    signup(&p);
    let Some(t) = Term::start(
        &p,
        &["workflow", "run", "signup", "--form", "--input", "nmae=x"],
    ) else {
        return;
    };
    let (code, screen) = t.exit();
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("nmae (unknown)"), "{screen}");
    assert!(!screen.contains("Account"), "nothing was asked: {screen}");
}

/// A process list too wide for an 80- or 100-column terminal keeps its ids whole and
/// breaks a time only between its date and its time, never inside the date.
fn a_narrow_process_list_breaks_a_time_between_date_and_time() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Wait for the job\"\ncallback = { result = \"job\" }\n");
    for _ in 0..2 {
        let (code, _, err) = p.run(&["workflow", "run", "t"]);
        assert_eq!(code, 4, "{err}");
    }
    let listed = p.ok_json(&["process", "list"]);
    let listed = listed.as_array().unwrap();
    for columns in [80u16, 100] {
        let Some(t) = Term::start_wide(&p, &["process", "list"], columns) else {
            return;
        };
        let (code, screen) = t.exit();
        assert_eq!(code, 0, "{screen}");
        for line in screen.lines() {
            assert!(
                line.chars().count() <= usize::from(columns),
                "{columns} columns: {line:?}\n{screen}"
            );
        }
        for process in listed {
            let id = process["id"].as_str().unwrap();
            let started = process["started_at"].as_str().unwrap();
            let row = screen
                .lines()
                .position(|l| l.contains(id))
                .unwrap_or_else(|| panic!("{columns} columns: {id} is broken\n{screen}"));
            // The date on the row's first line, the time of day whole on it or the next.
            let lines: Vec<&str> = screen.lines().skip(row).take(2).collect();
            assert!(
                lines[0].contains(&started[..10]),
                "{columns} columns: the date of {started} is broken\n{screen}"
            );
            assert!(
                lines.iter().any(|l| l.contains(&started[11..19])),
                "{columns} columns: the time of {started} is broken\n{screen}"
            );
        }
    }
}

both!(
    an_answer_for_no_field_is_refused_before_the_prompts,
    a_step_that_reads_the_terminal_fails_instead_of_hanging,
    a_long_text_keeps_blank_lines_and_ends_at_a_dot,
    ctrl_c_while_choices_load_ends_the_form,
    ctrl_c_stops_a_step_after_an_answered_prompt,
    a_form_is_answered_in_a_terminal_and_its_secret_reaches_the_step_only,
    ctrl_c_at_an_input_step_leaves_the_process_suspended,
    without_form_a_run_stops_at_the_input_step,
    resume_asks_the_input_step_and_the_secret_again,
    ctrl_c_at_a_prompt_exits_130_and_stores_nothing,
    product_create_interrupted_stores_nothing,
    the_progress_counter_numbers_steps_as_workflow_show_and_ctrl_c_clears_it,
    a_narrow_process_list_breaks_a_time_between_date_and_time,
);
