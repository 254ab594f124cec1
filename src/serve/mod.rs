//! `orch serve`: the JSON API, its OpenAPI document, live events and the operators'
//! dashboard, from the same binary and store as the command line (DESIGN §15).
//!
//! Layout: `listen` (the accept loop: connection limit, header timeout, graceful
//! shutdown), `state` (what every handler shares), `errors` (the crate's [`Error`]
//! as a status and a JSON body), `auth` and `secret` (tokens, roles, cookies),
//! `csrf`, `log` (a line per request on stderr), `sse` (events as Server-Sent
//! Events), `actions` (starting and acting on processes, shared by the API and the
//! dashboard), `api/` (one module per route group) and `views/` (the dashboard's
//! pages, one module per page group, with `templates/` and `static/`).
//!
//! Handlers are thin: they parse, call the engine and store functions the command
//! line calls, and render the shapes of `crate::shapes`. Processes started or acted
//! on here are queued; the worker this server runs (unless `--no-worker`) runs them,
//! exactly as `orch worker` would.
//!
//! [`Error`]: crate::error::Error

mod actions;
mod api;
mod auth;
mod csrf;
mod errors;
mod listen;
mod log;
mod rendered;
mod sealed;
pub mod secret;
mod sse;
mod state;
mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::project::Project;
use crate::store::{Create, Location, Store};

pub use state::App;

/// How a server runs, flags resolved.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Run a worker in this process.
    pub worker: bool,
    /// Require a token on every request (off only on a loopback address).
    pub auth: bool,
    /// The worker's concurrency.
    pub concurrency: usize,
    /// How long running steps get to finish when the server stops.
    pub grace: Duration,
    /// A line per request on stderr.
    pub log_requests: bool,
    pub limits: Limits,
}

/// What keeps one client from starving the others.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; more are closed as they come.
    pub connections: usize,
    /// The time a client gets to send a request's headers (slow or silent clients).
    pub header_timeout: Duration,
    /// The time a request gets to be answered (bodies sent slowly included).
    pub request_timeout: Duration,
    /// The largest request body (413 above).
    pub body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 4096,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            body_bytes: 1024 * 1024,
        }
    }
}

/// What a server needs besides its options.
pub struct Setup {
    pub project: Project,
    pub location: Location,
    /// Who the worker and `--no-auth` requests act as.
    pub user: String,
    pub step_timeout: Option<Duration>,
    pub kill_grace: Duration,
    pub lease: Duration,
    pub verbose: bool,
}

/// Refuses `--no-auth` anywhere but on a loopback address: an open API on a network
/// lets anyone start workflows.
pub fn check_no_auth(opts: &Options) -> Result<()> {
    if !opts.auth && !opts.listen.ip().is_loopback() {
        return Err(Error::usage(format!(
            "--no-auth is only allowed on a loopback address, not {}",
            opts.listen
        ))
        .with_hint(
            "create a token with `orch token create NAME --role operate`, or listen on 127.0.0.1",
        ));
    }
    Ok(())
}

/// Runs the server until SIGTERM or Ctrl-C, then stops taking requests, lets the
/// open ones finish, and drains the worker as `orch worker` does.
pub fn run(setup: Setup, opts: Options) -> Result<()> {
    check_no_auth(&opts)?;
    raise_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("orch-serve")
        .build()
        .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))?;
    // Bound before the worker starts: a server that cannot listen claims no process.
    let socket = std::net::TcpListener::bind(opts.listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| {
            Error::failure(format!("cannot listen on {}: {e}", opts.listen))
                .with_hint("pick another address with --listen ADDR:PORT (port 0: any free one)")
        })?;
    // The first signal stops the server and its worker; a second one stops the
    // worker's running steps without waiting out the grace, as for `orch worker`.
    let (stop, hurry, signals) = {
        let _in = runtime.enter();
        crate::worker::stop_on_signals()
    };
    let vault = Arc::new(crate::worker::Vault::default());
    let worker_down = Arc::new(std::sync::OnceLock::new());
    let worker = match opts.worker {
        true => Some(spawn_worker(
            &setup,
            &opts,
            stop.clone(),
            hurry,
            vault.clone(),
            worker_down.clone(),
        )?),
        false => None,
    };
    let served = runtime.block_on(async {
        let app = Arc::new(App::new(&setup, &opts, stop.clone(), vault, worker_down).await?);
        tokio::spawn(state::follow_events(app.clone()));
        tokio::spawn(state::follow_engine(app.clone()));
        let listener = tokio::net::TcpListener::from_std(socket)
            .map_err(|e| Error::failure(format!("cannot listen on {}: {e}", opts.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::failure(format!("cannot read the address listened on: {e}")))?;
        // Parseable by scripts and tests that ask for port 0.
        crate::say!("orch serve: listening on http://{bound}");
        if !opts.auth {
            crate::say!("orch serve: --no-auth: every request may read and operate");
        }
        let router = routes(app.clone(), &opts);
        listen::serve(listener, router, opts.limits, stop).await;
        crate::say!("orch serve: stopped taking requests");
        Ok::<_, Error>(())
    });
    if let Some(w) = worker {
        match w.join() {
            // A worker that stopped early said why when it did; the server served on.
            Ok(r) => r.or_else(|e| if served.is_ok() { Err(e) } else { Ok(()) })?,
            Err(_) => return Err(Error::internal("the worker thread panicked")),
        }
    }
    // Listened to until the worker is done: a second signal hurries its stop.
    signals.abort();
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}

/// The whole application: the API (with its OpenAPI document) and the dashboard.
pub fn routes(app: Arc<App>, opts: &Options) -> axum::Router {
    use tower_http::limit::RequestBodyLimitLayer;
    use tower_http::timeout::TimeoutLayer;
    api::router(app.clone())
        .merge(views::router(app.clone()))
        .layer(RequestBodyLimitLayer::new(opts.limits.body_bytes))
        // 408: what takes this long is almost always a client sending its body slowly
        // or not at all (the store's own waits end sooner, with their own errors).
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            opts.limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            errors::normalize,
        ))
        .layer(axum::middleware::from_fn_with_state(app, log::request))
}

/// The in-process worker, on a thread of its own with its own connection to the
/// store, exactly as `orch worker` runs.
fn spawn_worker(
    setup: &Setup,
    opts: &Options,
    stop: watch::Receiver<bool>,
    hurry: watch::Receiver<bool>,
    vault: Arc<crate::worker::Vault>,
    down: Arc<std::sync::OnceLock<String>>,
) -> Result<std::thread::JoinHandle<Result<()>>> {
    let location = setup.location.clone();
    let project = setup.project.clone();
    let user = setup.user.clone();
    let (step_timeout, kill_grace, lease, verbose) = (
        setup.step_timeout,
        setup.kill_grace,
        setup.lease,
        setup.verbose,
    );
    let options = crate::worker::Options {
        concurrency: opts.concurrency,
        once: false,
        lease,
        grace: opts.grace,
        poll: Duration::from_millis(25),
        hurry: Some(hurry),
    };
    std::thread::Builder::new()
        .name("orch-worker".into())
        .spawn(move || {
            let work = || -> Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::internal(format!("cannot start the worker's runtime: {e}")))?;
            // A store of its own, on the runtime it runs on (a PostgreSQL pool's
            // connections live on the runtime that opened them).
            let store = rt.block_on(Store::open(&location, Create::Allowed, &()))?;
            let log = |m: &str| {
                let now = crate::clock::now().strftime("%Y-%m-%dT%H:%M:%SZ");
                crate::say!("{now} {m}");
            };
            let config = crate::worker::Config {
                project: &project,
                db: crate::engine::runner::StepDb::of(&store),
                user,
                step_timeout,
                kill_grace,
                log: &log,
                verbose,
                lease,
                vault: Some(vault.as_ref()),
                // Checked when the server started (the command's settings).
                callback_url: project.config.public_url(),
                // A worker: a parent rests while its children are queued.
                children: crate::engine::runner::Children::Queue,
            };
            rt.block_on(crate::worker::run(&store, &config, &options, stop))
                .map(|_| ())
            };
            let ran = work();
            if let Err(e) = &ran {
                let _ = down.set(e.to_string());
                crate::say!(
                    "orch serve: the worker stopped: {e}; the server serves on, and what is started here waits for another worker (`orch worker`)"
                );
            }
            ran
        })
        .map_err(|e| Error::internal(format!("cannot start the worker thread: {e}")))
}

/// Many open connections need many descriptors: take the hard limit.
fn raise_file_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
