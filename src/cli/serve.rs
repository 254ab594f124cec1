//! `orch serve`: the HTTP API and the dashboard (DESIGN §15), with a worker in the
//! same process unless `--no-worker`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use super::Ctx;
use crate::domain::workflow::{Target, parse_duration};
use crate::error::{Error, Result};
use crate::serve::{self, Limits, Options, Setup};

#[derive(Debug, Args)]
#[command(
    after_help = "Every request needs a token (`orch token create NAME --role read|operate`); \
the dashboard asks for one once and keeps it in a cookie. The bound address is printed on stderr \
as `orch serve: listening on http://ADDR` (port 0 picks a free one). SIGTERM or Ctrl-C: it stops \
taking requests, and its worker lets running steps finish (up to --grace; a second one stops them \
at once) as `orch worker` does.\n\n\
Examples:\n  orch serve                                   http://127.0.0.1:8080/\n  \
orch serve --listen 0.0.0.0:8080 --no-worker  the API only; `orch worker`s run the processes\n  \
orch serve --no-auth                         no token, on a loopback address only"
)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080", value_parser = listen_address)]
    pub listen: SocketAddr,
    /// Run no worker here: processes started through the API wait for `orch worker`
    #[arg(long)]
    pub no_worker: bool,
    /// Take requests without a token (only on a loopback address)
    #[arg(long)]
    pub no_auth: bool,
    /// How many processes the worker runs at once
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: u32,
    /// How long its worker's lease on a process lasts; another worker takes a process
    /// over once it ran out (renewed every third of it)
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub lease: Duration,
    /// How long running steps get to finish when it stops, before they are stopped
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub grace: Duration,
    /// How long a client gets to send a request's headers
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, hide = true)]
    pub header_timeout: Duration,
    /// How long a request may take, its body included
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, hide = true)]
    pub request_timeout: Duration,
}

/// An address and port, a host name (`localhost:8080`) taking its first address.
fn listen_address(text: &str) -> std::result::Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let how = "give an address and a port: 127.0.0.1:8080, [::1]:8080 or localhost:8080";
    text.to_socket_addrs()
        .map_err(|e| format!("`{text}`: {e}; {how}"))?
        .next()
        .ok_or_else(|| format!("`{text}` names no address; {how}"))
}

pub fn run(ctx: &mut Ctx, args: ServeArgs) -> Result<()> {
    super::worker::check_lease(args.lease)?;
    let opts = Options {
        listen: args.listen,
        worker: !args.no_worker,
        auth: !args.no_auth,
        concurrency: args.concurrency as usize,
        grace: args.grace,
        log_requests: !ctx.printer.quiet,
        limits: Limits {
            header_timeout: args.header_timeout,
            request_timeout: args.request_timeout,
            ..Limits::default()
        },
    };
    serve::check_no_auth(&opts)?;
    // Like a first `workflow run`: the products the create workflows make are loaded
    // from products/ when the database has none of them yet.
    if let Ok((defs, _)) = ctx.workflows() {
        let mut tags: Vec<String> = defs
            .iter()
            .filter(|(d, _)| d.target == Target::Create)
            .flat_map(|(d, _)| d.products.clone())
            .collect();
        tags.sort();
        tags.dedup();
        super::product::ensure_tags(ctx, &tags)?;
    } else {
        ctx.store()?;
    }
    let setup = Setup {
        project: ctx.project.clone(),
        location: ctx.location().clone(),
        user: ctx.user().to_string(),
        step_timeout: ctx.settings.step_timeout,
        kill_grace: ctx.settings.grace,
        lease: args.lease,
        verbose: ctx.printer.verbose > 0,
    };
    serve::run(setup, opts).map_err(|e: Error| e)
}
