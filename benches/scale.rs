//! Scale and start-up: the everyday read commands on a large database against the same
//! commands on a small one, and `process list` against `orch --version`.
//!
//! Each command runs several times, the small and the large database taking turns so
//! that drift in the machine's load hits both alike; the median counts.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::generate::Generated;
use crate::support::{ORCH, Res, ctx, median, unavailable_or_failed};

/// The query lines: id, title, and the orch arguments for a database.
pub type Query = (&'static str, &'static str, fn(&Generated) -> Vec<String>);

pub const QUERIES: [Query; 5] = [
    ("scale-process-list", "5. `process list --limit 50`", |_| {
        args(&["process", "list", "--limit", "50"])
    }),
    ("scale-process-show", "5. `process show ID`", |g| {
        args(&["process", "show", &g.process_id])
    }),
    (
        "scale-subscription-active",
        "5. `subscription list --status active --limit 50`",
        |_| {
            args(&[
                "subscription",
                "list",
                "--status",
                "active",
                "--limit",
                "50",
            ])
        },
    ),
    (
        "scale-subscription-search",
        "5. `subscription list --search WORD`",
        |g| args(&["subscription", "list", "--search", &g.search_word]),
    ),
    ("scale-events", "5. `events --since N --limit 50`", |g| {
        args(&[
            "events",
            "--since",
            &g.middle_seq.to_string(),
            "--limit",
            "50",
        ])
    }),
];

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn orch_on(g: &Generated, a: &[String]) -> Command {
    let mut c = g.project.orch(&[]);
    c.args(a);
    c
}

/// One timed run; an error names a command this build does not have.
fn once(mut c: Command, what: &str) -> Res<f64> {
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    let t = Instant::now();
    let out = ctx(c.output(), what)?;
    let took = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(unavailable_or_failed(&out, what));
    }
    Ok(took)
}

/// Median seconds of `a` on the small and on the large database, taking turns.
pub fn small_vs_large(
    small: &Generated,
    large: &Generated,
    query: &Query,
    runs: usize,
) -> Res<(f64, f64)> {
    let (mut s, mut l) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let a = (query.2)(small);
        s.push(once(orch_on(small, &a), &a.join(" "))?);
        let a = (query.2)(large);
        l.push(once(orch_on(large, &a), &a.join(" "))?);
    }
    Ok((median(s), median(l)))
}

/// Median seconds of `process list --limit 1` on `db` and of `orch --version`.
pub fn startup(db: &Generated, runs: usize) -> Res<(f64, f64)> {
    let (mut list, mut version) = (Vec::new(), Vec::new());
    let a = args(&["process", "list", "--limit", "1"]);
    for _ in 0..runs {
        list.push(once(orch_on(db, &a), "process list --limit 1")?);
        let mut v = Command::new(ORCH);
        v.arg("--version");
        version.push(once(v, "--version")?);
    }
    Ok((median(list), median(version)))
}
