//! `orch serve`: the API's one-process read against its health check on the same
//! server under 64 concurrent connections, and its list routes and the dashboard's
//! list pages on a large database against a small one.
//!
//! A server per database, with no worker and no request log; the load comes from 64
//! threads on keep-alive connections, each endpoint in turn for the same time, so both
//! sides of a ratio share the machine alike (the load generator runs on the same 2
//! cores as the server, which lowers both figures, not their ratio).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::generate::Generated;
use crate::support::{Res, ctx, median};

/// A running `orch serve` on a generated database, with a token for it.
pub struct Served {
    child: Child,
    pub base: String,
    pub token: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        // SAFETY: kill with the pid of a child this benchmark started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

pub fn start(g: &Generated) -> Res<Served> {
    let token = g
        .project
        .run(&["token", "create", "bench", "--role", "read"]);
    let token = match token {
        Ok(t) => t.trim().to_string(),
        Err(_) => g.project.run(&["token", "list"]).and(Err(
            "a token named bench exists already; serve lines need a fresh database".to_string(),
        ))?,
    };
    let mut child = ctx(
        g.project
            .orch(&["serve", "--listen", "127.0.0.1:0", "--no-worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn(),
        "orch serve",
    )?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(l)) => {
                if let Some(a) = l.strip_prefix("orch serve: listening on ") {
                    break a.to_string();
                }
            }
            _ => {
                let _ = child.kill();
                return Err(
                    crate::support::NOT_AVAILABLE.to_string() + ": orch serve did not start"
                );
            }
        }
    };
    // Keep reading stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Served { child, base, token })
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

impl Served {
    /// One request; its seconds.
    pub fn time(&self, a: &ureq::Agent, path: &str, cookie: bool) -> Res<f64> {
        let mut req = a.get(&format!("{}{path}", self.base));
        req = if cookie {
            req.set("Cookie", &format!("orch_token={}", self.token))
        } else {
            req.set("Authorization", &format!("Bearer {}", self.token))
        };
        let t = Instant::now();
        let r = match req.call() {
            Err(ureq::Error::Status(code, r)) => {
                let body = r.into_string().unwrap_or_default();
                let said = body.split("<main").nth(1).unwrap_or(&body);
                let said: String = said.chars().take(600).collect();
                return Err(format!("{path}: status {code}: {said}"));
            }
            r => ctx(r, path)?,
        };
        let _ = ctx(r.into_string(), path)?;
        Ok(t.elapsed().as_secs_f64())
    }
}

/// Throughput and latency of one endpoint under `conns` concurrent connections.
pub struct Load {
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

/// `conns` keep-alive connections asking for `paths` for `secs` seconds; with several
/// paths, each connection asks for them in turn, from its own place in the list.
pub fn load_each(s: &Served, paths: &[String], conns: usize, secs: f64) -> Res<Load> {
    let stop = Arc::new(AtomicBool::new(false));
    let urls: Arc<Vec<String>> = Arc::new(paths.iter().map(|p| format!("{}{p}", s.base)).collect());
    let auth = format!("Bearer {}", s.token);
    let workers: Vec<_> = (0..conns)
        .map(|i| {
            let (stop, urls, auth) = (stop.clone(), urls.clone(), auth.clone());
            std::thread::spawn(move || {
                let a = agent();
                let (mut lat, mut errors) = (Vec::new(), 0usize);
                // One buffer for every body: the client should cost as little as it
                // can, since it shares the cores with the server.
                let mut body = Vec::with_capacity(64 * 1024);
                let mut n = i * urls.len() / conns.max(1);
                while !stop.load(Ordering::Relaxed) {
                    let url = &urls[n % urls.len()];
                    n += 1;
                    let t = Instant::now();
                    match a.get(url).set("Authorization", &auth).call() {
                        Ok(r) if r.status() == 200 => {
                            body.clear();
                            match r.into_reader().read_to_end(&mut body) {
                                Ok(_) => lat.push(t.elapsed().as_secs_f64()),
                                Err(_) => errors += 1,
                            }
                        }
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let (mut all, mut errors) = (Vec::new(), 0);
    for w in workers {
        let (l, e) = w.join().map_err(|_| "a load thread panicked".to_string())?;
        all.extend(l);
        errors += e;
    }
    all.sort_by(f64::total_cmp);
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
            * 1e3
    };
    Ok(Load {
        per_sec: all.len() as f64 / secs,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        errors,
    })
}

/// Median seconds of `path` on the small and on the large server, taking turns.
pub fn small_vs_large(
    small: &Served,
    large: &Served,
    path: &str,
    cookie: bool,
    runs: usize,
) -> Res<(f64, f64)> {
    let (a, b) = (agent(), agent());
    // Warm both: connections, caches, templates.
    for _ in 0..3 {
        small.time(&a, path, cookie)?;
        large.time(&b, path, cookie)?;
    }
    let (mut s, mut l) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        s.push(small.time(&a, path, cookie)?);
        l.push(large.time(&b, path, cookie)?);
    }
    Ok((median(s), median(l)))
}
