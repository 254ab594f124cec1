//! `orch events`: list the outbox, follow it as it commits, and feed named consumers
//! that resume where they stopped.
//!
//! Listing prints a snapshot. Streaming (`--follow`, `--consumer`, `--exec`) hands over
//! one event at a time and only then records it as handled, so a consumer stopped at
//! any point resumes at the first event it did not finish. A follower waits on the
//! store (`Store::wait_for_events`) between batches, which wakes it when an event may
//! have committed, and reads only then.
//!
//! Ctrl-C and SIGTERM end a stream cleanly with exit status 0: stopping is how a
//! follower normally ends, and nothing is left half done (an interrupted `--exec`
//! command is not counted as handled and runs again next time).

use std::time::Duration;

use clap::{Args, Subcommand};
use tokio::sync::watch;

use super::Ctx;
use crate::engine::command::{self, CommandSpec, Outcome};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::events::{ConsumerHold, Event, Filter, Kept, Page};
use crate::ui::Format;
use consumers::{ahead, hold};
use view::Layout;

mod consumers;
mod view;

/// The first wait of a follower whose database does not answer, and the longest.
const OUTAGE_FIRST: Duration = Duration::from_millis(250);
const OUTAGE_MAX: Duration = Duration::from_secs(5);

/// How long one wait for new events lasts before the follower looks again anyway.
const WAIT: Duration = Duration::from_secs(1);
/// Events read per query while catching up.
const BATCH: i64 = 500;

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:
  orch events --process 01a2285b                    what a process did
  orch events --kind 'subscription.*' --since 120 -o jsonl
  orch events --follow                              new events as they commit
  orch events --consumer billing --exec ./bill.sh   feed a script, resuming where it stopped

Without --since, --follow starts after the newest event and a new consumer at the first. \
Ctrl-C and SIGTERM end a stream with exit 0; a failing --exec command exits 1 and leaves its \
event unhandled. One reader reads a consumer at a time: a second one of the same name exits 7."
)]
pub struct EventsArgs {
    #[command(subcommand)]
    pub command: Option<EventsCommand>,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List named consumers, where they stand and how far behind they are
    Consumers(ConsumersArgs),
}

#[derive(Debug, Args)]
pub struct ConsumersArgs {
    /// Forget this consumer (a reader using the name again starts from the beginning)
    #[arg(long, value_name = "NAME")]
    pub remove: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Only events after this sequence number (with --consumer: move the consumer here)
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(i64).range(0..))]
    pub since: Option<i64>,
    /// Only these kinds; globs like `process.*` (repeatable or comma-separated)
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Only events of this process (id or unique prefix)
    #[arg(long, value_name = "ID")]
    pub process: Option<String>,
    /// Only events of this subscription
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    /// At most this many events (with --follow: stop after them)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::parse_count::<1>)]
    pub limit: Option<i64>,
    /// Keep printing events as they commit, until Ctrl-C or SIGTERM
    #[arg(short, long)]
    pub follow: bool,
    /// Remember where this named consumer stopped and resume there next time
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,
    /// Run this command (sh -c, in the project folder) for each event, the event JSON on stdin
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
}

pub fn run(ctx: &mut Ctx, args: EventsArgs) -> Result<()> {
    match args.command {
        Some(EventsCommand::Consumers(a)) => match a.remove {
            Some(name) => consumers::remove(ctx, &name),
            None => consumers::list(ctx),
        },
        None => {
            let settings = Settings::resolve(ctx, args.read)?;
            if settings.streams() {
                stream(ctx, settings)
            } else {
                list(ctx, &settings.filter)
            }
        }
    }
}

/// `ReadArgs` turned into what the readers need.
struct Settings {
    filter: Filter,
    /// `--since`: where a plain reader starts, or where a consumer is moved to.
    since: Option<i64>,
    follow: bool,
    consumer: Option<String>,
    exec: Option<String>,
}

impl Settings {
    fn resolve(ctx: &mut Ctx, a: ReadArgs) -> Result<Settings> {
        // An empty command (`--exec "$HANDLER"`, the variable unset) exits 0 for every
        // event: a consumer would pass them all as handled.
        if a.exec.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(Error::usage("--exec needs a command: it is empty")
                .with_hint("give the command that handles an event, e.g. --exec ./bill.sh"));
        }
        if let Some(name) = &a.consumer {
            if name.trim().is_empty() {
                return Err(Error::usage("--consumer needs a name").with_hint(
                    "name the reader, e.g. --consumer billing; `orch events consumers` lists the names in use",
                ));
            }
            // `events consumers` lists it in a table: a newline would break its row, an
            // escape sequence reach the terminal.
            if name.chars().any(char::is_control) {
                return Err(Error::usage(format!(
                    "the consumer name `{}` holds a control character",
                    name.escape_debug()
                ))
                .with_hint("name a consumer with plain text, e.g. --consumer billing"));
            }
        }
        let process_id = match &a.process {
            Some(id) => Some(ctx.process(id)?.process_id),
            None => None,
        };
        let subscription_id = match &a.subscription {
            Some(id) => Some(ctx.subscription(id)?.subscription_id),
            None => None,
        };
        let limit = a.limit;
        // `--kind "$KINDS"` with the variable empty would lift the filter, and a consumer
        // would take (and pass) every event for the ones it asked for.
        if !a.kind.is_empty() && a.kind.iter().all(|k| k.trim().is_empty()) {
            return Err(Error::usage("--kind names no kind: it is empty").with_hint(
                "name kinds (`--kind 'process.*'`), or leave --kind out for every kind",
            ));
        }
        for kind in a.kind.iter().filter(|k| !k.is_empty()) {
            if let Some(why) = crate::unmatched::event_kind(kind) {
                ctx.printer.warn(&why);
            }
        }
        let settings = Settings {
            filter: Filter {
                since: a.since.unwrap_or(0),
                until: None,
                kinds: a.kind.into_iter().filter(|k| !k.is_empty()).collect(),
                process_id,
                subscription_id,
                limit,
            },
            since: a.since,
            follow: a.follow,
            consumer: a.consumer,
            exec: a.exec,
        };
        if settings.streams() && ctx.printer.format == Format::Json && settings.exec.is_none() {
            return Err(Error::usage(
                "-o json prints one array, which a stream of events cannot be",
            )
            .with_hint("use `-o jsonl` for one event per line"));
        }
        Ok(settings)
    }

    fn streams(&self) -> bool {
        self.follow || self.consumer.is_some() || self.exec.is_some()
    }
}

fn list(ctx: &mut Ctx, filter: &Filter) -> Result<()> {
    let rows = ctx.db(async |s| s.events(filter).await)?;
    if ctx.printer.is_json() {
        return ctx.printer.json(&rows);
    }
    if rows.is_empty() {
        let filtered = !filter.kinds.is_empty()
            || filter.process_id.is_some()
            || filter.subscription_id.is_some();
        match (filtered, filter.since) {
            (true, _) => ctx.printer.nothing("no event matches the filters", None),
            (false, 0) => ctx.printer.nothing("no events yet", None),
            (false, seq) => ctx
                .printer
                .nothing(&format!("no events after seq {seq}"), None),
        }
        return Ok(());
    }
    let layout = Layout::fit(&rows);
    let mut out = layout.header();
    for e in &rows {
        out.push_str(&layout.row(e));
    }
    ctx.printer.out(&out)
}

/// Where a stream starts (`last`: the newest seq a moment ago), creating or moving its
/// consumer.
fn start_position(ctx: &mut Ctx, s: &Settings, last: i64) -> Result<i64> {
    let Some(name) = &s.consumer else {
        return Ok(match s.since {
            Some(n) => n,
            // A plain follower shows what happens from now on, like `tail -f` of a log
            // that is never truncated; `--since 0` replays everything first.
            None if s.follow => last,
            None => 0,
        });
    };
    let (position, before) = ctx.db(async |st| st.start_consumer(name, s.since, 0).await)?;
    if let (Some(c), Some(_)) = (before, s.since) {
        ctx.printer.status(&format!(
            "consumer {name} moved from seq {} to seq {position}",
            c.position
        ));
    }
    if position > last {
        ctx.printer.warn(&ahead(name, position, last));
    }
    Ok(position)
}

/// The refusal of a `--since` after the newest event: a stream started there would
/// pass over every event up to it without a word as they come.
fn past_the_end(s: &Settings, since: i64, last: i64) -> Error {
    let err = Error::usage(format!(
        "--since {since} is past the newest event (seq {last})"
    ))
    .with_cause(format!(
        "a stream starting there would never see the events {} to {since} once they come",
        last + 1
    ));
    match &s.consumer {
        Some(name) => err.with_hint(format!(
            "`--since {last}` starts consumer {name} at the end, with the next event that comes"
        )),
        None => err.with_hint(
            "`orch events --follow` without --since starts at the end, with the next event that comes",
        ),
    }
}

/// Why a stream ended without an error.
enum End {
    /// Drained (no --follow) or reached --limit.
    Done,
    /// Ctrl-C or SIGTERM.
    Stopped,
}

fn stream(ctx: &mut Ctx, s: Settings) -> Result<()> {
    // Events are never removed: a --since the newest seq allows stays allowed.
    let last = ctx.db(async |st| st.last_seq().await)?;
    if let Some(since) = s.since.filter(|n| *n > last) {
        return Err(past_the_end(&s, since, last));
    }
    // Held before the consumer is created or moved, and for as long as it is read.
    let hold = match &s.consumer {
        Some(name) => Some(hold(ctx, name, "read it")?),
        None => None,
    };
    let mut position = start_position(ctx, &s, last)?;
    ctx.store()?;
    let ctx: &Ctx = ctx;
    let (store, rt) = ctx.opened()?;
    let end = rt.block_on(async {
        let stop = stop_on_signals()?;
        let layout = (ctx.printer.format == Format::Table && s.exec.is_none()).then(|| {
            let layout = Layout::follow();
            ctx.printer.out(&layout.header()).map(|()| layout)
        });
        let mut reader = Reader {
            layout: layout.transpose()?,
            ctx,
            store,
            settings: &s,
            position: &mut position,
            delivered: 0,
            stop,
            hold,
            recovering: false,
            outage: None,
        };
        reader.run().await
    })?;
    if matches!(end, End::Stopped) {
        if let Some(name) = &s.consumer {
            ctx.printer
                .status(&format!("consumer {name} stopped at seq {position}"));
        }
    }
    Ok(())
}

/// A watch that turns true on Ctrl-C, SIGTERM or SIGHUP ([`crate::signals`]). The
/// handlers are installed before this returns, so a signal that arrives at any later
/// point is seen.
fn stop_on_signals() -> Result<watch::Receiver<bool>> {
    let mut stops = crate::signals::Stops::listen()
        .map_err(|e| Error::internal(format!("cannot handle signals: {e}")))?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        stops.next().await;
        let _ = tx.send(true);
    });
    Ok(rx)
}

struct Reader<'a> {
    ctx: &'a Ctx,
    store: &'a Store,
    /// Table mode: the columns of a stream.
    layout: Option<Layout>,
    settings: &'a Settings,
    /// The seq of the last event handled (printed, or its command succeeded).
    position: &'a mut i64,
    delivered: i64,
    stop: watch::Receiver<bool>,
    /// A consumer's: this reader's hold on its name.
    hold: Option<ConsumerHold>,
    /// The database went away since the hold was last looked at.
    recovering: bool,
    /// While the database is away: how long to wait before the next try.
    outage: Option<Duration>,
}

impl Reader<'_> {
    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Hands over events until the stream ends. A follower rides out a database that
    /// goes away (a PostgreSQL restart, a network cut), as a worker does: it says so
    /// once, tries again less and less often, and goes on from its position.
    async fn run(&mut self) -> Result<End> {
        loop {
            match self.turn().await {
                Ok(Some(end)) => return Ok(end),
                Ok(None) => {}
                Err(e) if self.settings.follow && crate::store::is_unavailable(&e) => {
                    self.recovering = true;
                    let wait = self.outage.get_or_insert_with(|| {
                        crate::say!(
                            "orch events: {}; trying again until the database answers",
                            e.message
                        );
                        OUTAGE_FIRST
                    });
                    let pause = *wait;
                    *wait = (*wait * 2).min(OUTAGE_MAX);
                    let mut stop = self.stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stop.wait_for(|s| *s) => return Ok(End::Stopped),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Says, once, that the database answers again after an outage: as soon as it
    /// does, before the events it hands over.
    fn answered(&mut self) {
        if self.outage.take().is_some() {
            crate::say!("orch events: the database answers again");
        }
    }

    /// One round: everything committed after the position, then (following) a wait for
    /// more; `Some` ends the stream.
    async fn turn(&mut self) -> Result<Option<End>> {
        // Let the signal task run even while catching up on a long backlog.
        tokio::task::yield_now().await;
        if self.stopped() {
            return Ok(Some(End::Stopped));
        }
        self.keep_hold().await?;
        if let Some(end) = self.drain().await? {
            return Ok(Some(end));
        }
        if !self.settings.follow {
            return Ok(Some(End::Done));
        }
        // The store wakes this when an event after the position may have committed;
        // the position covers every event looked at, matched or not.
        let mut stop = self.stop.clone();
        tokio::select! {
            r = self.store.wait_for_events(*self.position, WAIT) => r?,
            _ = stop.wait_for(|s| *s) => {}
        }
        Ok(None)
    }

    /// Makes sure this reader still holds its consumer, taking it again after an
    /// outage (PostgreSQL lets go of it with the session); another reader that took
    /// it meanwhile ends this one.
    async fn keep_hold(&mut self) -> Result<()> {
        let (Some(hold), Some(name)) = (&mut self.hold, &self.settings.consumer) else {
            return Ok(());
        };
        if let Kept::Lost(who) = hold.keep(self.recovering).await? {
            return Err(Error::conflict(format!(
                "consumer {name} was taken by another reader ({who}) while the database was away; this one stopped at seq {}",
                self.position
            ))
            .with_hint("run one reader per consumer name"));
        }
        self.recovering = false;
        Ok(())
    }

    /// Hands over every committed event after the position; `Some` ends the stream.
    async fn drain(&mut self) -> Result<Option<End>> {
        loop {
            let page = self.fetch().await?;
            for e in &page.events {
                tokio::task::yield_now().await;
                if self.stopped() {
                    return Ok(Some(End::Stopped));
                }
                if !self.deliver(e).await? {
                    return Ok(Some(End::Stopped));
                }
                self.advance(e.seq).await?;
                self.delivered += 1;
                if self
                    .settings
                    .filter
                    .limit
                    .is_some_and(|l| self.delivered >= l)
                {
                    return Ok(Some(End::Done));
                }
            }
            // Events the filter left out are handled too: a consumer's lag counts only
            // what it still has to see.
            if page.scanned_to > *self.position {
                self.advance(page.scanned_to).await?;
            }
            if !page.more {
                return Ok(None);
            }
        }
    }

    /// The next matching events after the position, and the seq up to which the
    /// events table was looked at, both from one snapshot.
    async fn fetch(&mut self) -> Result<Page> {
        let filter = Filter {
            since: *self.position,
            limit: Some(BATCH),
            ..self.settings.filter.clone()
        };
        let page = self.store.events_page(&filter).await?;
        self.answered();
        Ok(page)
    }

    /// Records that everything up to `seq` is handled.
    async fn advance(&mut self, seq: i64) -> Result<()> {
        if let Some(name) = &self.settings.consumer {
            if !self
                .store
                .advance_consumer(name, *self.position, seq)
                .await?
            {
                let now = self.store.consumer(name).await?.map(|c| c.position);
                return Err(Error::conflict(format!(
                    "consumer {name} was moved by another reader (to seq {}) while this one was at seq {}",
                    now.map_or_else(|| "nothing: it was removed".into(), |p| p.to_string()),
                    self.position
                ))
                .with_hint("run one reader per consumer name"));
            }
        }
        *self.position = seq;
        Ok(())
    }

    /// Prints an event or runs the command on it; false when a signal interrupted it.
    async fn deliver(&mut self, e: &Event) -> Result<bool> {
        match &self.settings.exec {
            Some(cmd) => self.exec(cmd, e).await,
            None => {
                let p = &self.ctx.printer;
                match &self.layout {
                    Some(layout) => p.out(&layout.row(e))?,
                    None => p.out(&format!("{}\n", serde_json::to_string(e)?))?,
                }
                Ok(true)
            }
        }
    }

    async fn exec(&mut self, cmd: &str, e: &Event) -> Result<bool> {
        let mut spec = CommandSpec::new(cmd, self.ctx.project.root.clone());
        spec.stdin = format!("{}\n", serde_json::to_string(e)?).into_bytes();
        spec.env = vec![
            ("ORCH_EVENT_SEQ".into(), e.seq.to_string()),
            ("ORCH_EVENT_KIND".into(), e.kind.clone()),
            ("ORCH_DB".into(), self.store.location().for_steps()),
            (
                "ORCH_DIR".into(),
                self.ctx.project.root.display().to_string(),
            ),
        ];
        if let Some(name) = &self.settings.consumer {
            spec.env.push(("ORCH_CONSUMER".into(), name.clone()));
        }
        let mut on_stderr = |line: &[u8]| crate::say!("{}", String::from_utf8_lossy(line));
        let mut stop = self.stop.clone();
        let cancelled = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let result = command::run(spec, Some(&mut on_stderr), cancelled)
            .await
            .map_err(|err| {
                Error::failure(format!("cannot start `{cmd}` for event {}: {err}", e.seq))
            })?;
        match result.outcome {
            Outcome::Exited(0) => {}
            Outcome::Cancelled => return Ok(false),
            outcome => {
                // What a failed command printed is no event's output, but may say why.
                let said = String::from_utf8_lossy(&result.stdout);
                if !said.trim().is_empty() {
                    crate::say!("{}", said.trim_end());
                }
                return Err(self.exec_failed(cmd, e, outcome));
            }
        }
        if result.stdout_truncated {
            self.ctx.printer.warn(&format!(
                "`{cmd}` printed {} bytes for event {}; only the first {} are passed on",
                result.stdout_total,
                e.seq,
                result.stdout.len()
            ));
        }
        self.ctx
            .printer
            .out(&String::from_utf8_lossy(&result.stdout))?;
        Ok(true)
    }

    fn exec_failed(&self, cmd: &str, e: &Event, outcome: Outcome) -> Error {
        let err = Error::failure(format!("`{cmd}` {outcome} on event {} ({})", e.seq, e.kind));
        match &self.settings.consumer {
            Some(name) => err.with_hint(format!(
                "consumer {name} stays before event {}; fix the command and run `orch events --consumer {name} --exec …` again",
                e.seq
            )),
            None => err.with_hint(format!(
                "`orch events --since {} --limit 1 -o jsonl` shows the event",
                e.seq - 1
            )),
        }
    }
}
