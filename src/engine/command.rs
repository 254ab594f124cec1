//! Runs one workflow step's program and reports what happened to it.
//!
//! Steps are arbitrary shell snippets written by users, so this module assumes
//! the worst about them: they may print gigabytes, print binary, never read
//! their input, ignore SIGTERM, or leave background processes behind that keep
//! our pipes open. Whatever a step does, `run` must return in bounded time and
//! bounded memory, and must not leave any of the step's processes running.
//!
//! The shape follows from that:
//! - The program runs as `sh -c <command>` in a session (so a process group) of
//!   its own, so that timeouts and Ctrl-C can signal everything the step
//!   started, not just the shell, and without a controlling terminal, so a step
//!   that would prompt on the terminal fails instead of waiting for ever.
//! - stdin, stdout, stderr and the wait for the shell are driven concurrently
//!   from one future. Doing them in sequence deadlocks as soon as a step
//!   writes more than a pipe buffer before reading its input.
//! - stdout is the step's result, so it is kept (up to a cap); stderr is the
//!   step's log, so only its tail is kept, and it can be streamed for `-v`.
//! - The process group is killed whenever `run` ends, including when its future
//!   is dropped half-way. A step's processes never outlive the step: a step
//!   that must start a long-lived service should hand it to a supervisor or
//!   detach it with `setsid`.
//! - `kill -9` of orch runs no destructor, so the group kill above cannot cover
//!   it: the step's group is registered with orch's one watcher
//!   (`super::lifeline`), which kills it if orch dies while the step runs.
//! - The shell starts gated: it first reads one line from stdin, which orch
//!   writes only after the group is registered. If orch dies in between, the
//!   shell reads end-of-file and exits before running anything, so no step runs
//!   unwatched. Registering from the parent keeps the spawn free of a
//!   `pre_exec` hook, which would force a full `fork` of orch instead of the
//!   much cheaper `posix_spawn` (about half the cost of a short step).
//!
//! Everything is plain tokio plus libc; cancellation is any future the caller
//! likes (a `watch` receiver, a `Notify`, a Ctrl-C signal), so no
//! cancellation-token crate is needed.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::pin::pin;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::time::{Instant, sleep_until};

use super::shell::{self, Shell};

/// Time between SIGTERM and SIGKILL when the caller has no opinion.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);
/// How much of stdout is kept when the caller has no opinion.
pub const DEFAULT_MAX_STDOUT: usize = 16 * 1024 * 1024;
/// How much of the end of stderr is kept when the caller has no opinion.
pub const DEFAULT_STDERR_TAIL: usize = 64 * 1024;
/// How long pipes may stay open after the shell exited, when the caller has no
/// opinion.
pub const DEFAULT_LINGER: Duration = Duration::from_millis(200);

/// A pipe never hands over more than its buffer (64 KiB on Linux) per read.
const READ_CHUNK: usize = 64 * 1024;
/// Lines streamed to the stderr callback are cut at this length, so a step
/// printing megabytes without a newline cannot grow the line buffer.
const MAX_STREAMED_LINE: usize = 8 * 1024;
/// How often, during the grace period, we look whether the group is gone.
const GROUP_POLL: Duration = Duration::from_millis(10);
/// Upper bound on waiting for the shell to be reaped after SIGKILL. SIGKILL
/// only fails to end a process stuck in the kernel (e.g. a dead NFS mount);
/// we would rather report the timeout than hang with it.
const REAP_BOUND: Duration = Duration::from_secs(2);

/// What to run and under which limits.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// Passed to `sh -c` after the gate (`GATE`), otherwise verbatim.
    pub command: String,
    pub cwd: PathBuf,
    /// Added to the inherited environment (overriding on name clashes).
    pub env: Vec<(String, String)>,
    /// Written to the program's stdin, which is then closed.
    pub stdin: Vec<u8>,
    /// Counted from the go line (the step's start); `None` means no limit.
    pub timeout: Option<Duration>,
    /// Time between SIGTERM and SIGKILL on timeout or cancellation.
    pub grace: Duration,
    /// stdout beyond this many bytes is read and discarded.
    pub max_stdout: usize,
    /// Number of bytes kept from the end of stderr.
    pub stderr_tail: usize,
    /// How long to wait for stdout/stderr to reach EOF once the shell has
    /// exited, before killing whatever in its group still holds them.
    pub linger: Duration,
}

impl CommandSpec {
    /// A spec with no timeout, no extra environment, empty stdin and the
    /// `DEFAULT_*` limits.
    pub fn new(command: impl Into<String>, cwd: impl Into<PathBuf>) -> Self {
        CommandSpec {
            command: command.into(),
            cwd: cwd.into(),
            env: Vec::new(),
            stdin: Vec::new(),
            timeout: None,
            grace: DEFAULT_GRACE,
            max_stdout: DEFAULT_MAX_STDOUT,
            stderr_tail: DEFAULT_STDERR_TAIL,
            linger: DEFAULT_LINGER,
        }
    }
}

/// Receives the step's stderr line by line, for live display (`-v`).
pub type StderrSink<'a> = &'a mut (dyn FnMut(&[u8]) + Send + 'a);

/// How the step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The shell exited with this code.
    Exited(i32),
    /// The shell was killed by this signal (not by us).
    Signaled(i32),
    /// The timeout expired and we killed the group.
    TimedOut,
    /// The cancel future fired and we killed the group.
    Cancelled,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Exited(code) => write!(f, "exited with code {code}"),
            Outcome::Signaled(sig) => write!(f, "killed by signal {sig}"),
            Outcome::TimedOut => f.write_str("timed out"),
            Outcome::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// What the step produced.
#[derive(Debug, Clone)]
pub struct CommandResult {
    pub outcome: Outcome,
    /// At most `max_stdout` bytes, from the start of stdout.
    pub stdout: Vec<u8>,
    /// Bytes the step wrote to stdout, including the discarded ones.
    pub stdout_total: u64,
    pub stdout_truncated: bool,
    /// At most `stderr_tail` bytes, from the end of stderr.
    pub stderr_tail: Vec<u8>,
    /// Bytes the step wrote to stderr, including the dropped ones.
    pub stderr_total: u64,
    /// From the go line until `run` returned.
    pub duration: Duration,
}

impl CommandResult {
    /// True when the shell exited with code 0.
    pub fn success(&self) -> bool {
        self.outcome == Outcome::Exited(0)
    }

    /// True when the start of stderr was dropped.
    pub fn stderr_truncated(&self) -> bool {
        self.stderr_total > self.stderr_tail.len() as u64
    }

    /// The kept stderr as text for messages: lossy, whitespace-trimmed.
    pub fn stderr_text(&self) -> String {
        let mut tail = self.stderr_tail.as_slice();
        if self.stderr_truncated() {
            // The cut may have split a UTF-8 sequence; its leftover
            // continuation bytes would render as a spurious U+FFFD.
            while let [b, rest @ ..] = tail {
                if b & 0xC0 != 0x80 {
                    break;
                }
                tail = rest;
            }
        }
        String::from_utf8_lossy(tail).trim().to_string()
    }
}

/// Runs `spec` to completion.
///
/// `on_stderr` receives stderr as it arrives, one line at a time without its
/// `\n` (very long lines arrive in pieces of at most 8 KiB). When `cancel`
/// completes while the shell is running, the group is terminated as for a
/// timeout and the outcome is `Cancelled`; if it completes after the shell
/// exited, it only cuts short the wait for lingering pipes. Pass
/// `std::future::pending()` for no cancellation.
///
/// Errors are reserved for failures to run the step at all (missing working
/// directory, no `sh`, failed wait); whatever the step itself does is reported
/// in the `CommandResult`. Dropping the returned future kills the group.
pub async fn run(
    spec: CommandSpec,
    on_stderr: Option<StderrSink<'_>>,
    cancel: impl Future<Output = ()>,
) -> io::Result<CommandResult> {
    start(&spec)?.run(spec, on_stderr, cancel).await
}

/// A step's shell, started in its group and registered with the watcher, waiting at
/// its gate: nothing of the step has run yet. Dropping it kills the shell.
///
/// Starting the shell of the next step while the current one runs and commits hides
/// the cost of `exec` and dynamic loading behind work orch waits for anyway; the step
/// itself still starts only after the previous one is committed.
pub struct Gated {
    child: Shell,
    /// The write end of the shell's stdin, untouched until the step's turn comes
    /// (see [`open_gate`]).
    gate: OwnedFd,
    group: ProcessGroup,
    // Dropped after `group`, so a group is released only once it was killed.
    _lifeline: super::lifeline::Guard,
    command: String,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

/// Starts the shell for `spec` (its stdin and limits are used later, by [`Gated::run`]).
pub fn start(spec: &CommandSpec) -> io::Result<Gated> {
    let (child, gate) = spawn(spec)?;
    let group = ProcessGroup::of(&child)?;
    let lifeline = super::lifeline::register(group.pgid);
    Ok(Gated {
        child,
        gate,
        group,
        _lifeline: lifeline,
        command: spec.command.clone(),
        cwd: spec.cwd.clone(),
        env: spec.env.clone(),
    })
}

impl Gated {
    /// Whether this shell was started for `spec`: same command, directory and
    /// environment.
    pub fn fits(&self, spec: &CommandSpec) -> bool {
        self.command == spec.command && self.cwd == spec.cwd && self.env == spec.env
    }

    /// Lets the shell through its gate and runs the step to its end, under the limits
    /// of `spec` and with its stdin; the timeout counts from here.
    pub async fn run(
        mut self,
        spec: CommandSpec,
        on_stderr: Option<StderrSink<'_>>,
        cancel: impl Future<Output = ()>,
    ) -> io::Result<CommandResult> {
        // `self` is dropped after the step, or with this future: shell, then group,
        // then the watcher's registration, in that order.
        let stdin = open_gate(self.gate, &spec.stdin)?;
        drive(
            &mut self.child,
            stdin,
            &mut self.group,
            spec,
            on_stderr,
            cancel,
        )
        .await
    }
}

async fn drive(
    child: &mut Shell,
    stdin: Option<pipe::Sender>,
    group: &mut ProcessGroup,
    spec: CommandSpec,
    on_stderr: Option<StderrSink<'_>>,
    cancel: impl Future<Output = ()>,
) -> io::Result<CommandResult> {
    let started = Instant::now();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let mut out = StdoutCapture::new(spec.max_stdout);
    let mut err = StderrTail::new(spec.stderr_tail, on_stderr);
    // Boxed rather than pinned on the stack so it can be dropped explicitly,
    // which ends its borrows of `out` and `err` before we read them.
    let mut io = Box::pin(async {
        tokio::join!(
            feed_stdin(stdin, &spec.stdin),
            out.read_from(stdout),
            err.read_from(stderr),
        );
    });
    let mut io_done = false;
    let mut cancel = pin!(cancel);
    let mut cancel_fired = false;

    let mut status = None;
    let mut interrupted = None;
    {
        let mut timeout = pin!(sleep_opt(spec.timeout.and_then(|t| started.checked_add(t))));
        while status.is_none() && interrupted.is_none() {
            tokio::select! {
                // Biased so that a shell that exited at the moment the timeout
                // expired is reported with its real status.
                biased;
                res = child.wait() => status = Some(res?),
                () = &mut io, if !io_done => io_done = true,
                () = &mut cancel => {
                    cancel_fired = true;
                    interrupted = Some(Outcome::Cancelled);
                }
                () = &mut timeout => interrupted = Some(Outcome::TimedOut),
            }
        }
    }

    if interrupted.is_some() {
        group.signal(libc::SIGTERM);
        let mut grace = pin!(sleep_opt(Instant::now().checked_add(spec.grace)));
        let mut poll = tokio::time::interval(GROUP_POLL);
        loop {
            tokio::select! {
                res = child.wait(), if status.is_none() => status = Some(res?),
                () = &mut io, if !io_done => io_done = true,
                () = &mut grace => break,
                // Steps that shut down promptly should not cost the whole
                // grace period.
                _ = poll.tick(), if status.is_some() => {
                    if !group.has_live_members() {
                        break;
                    }
                }
            }
        }
        group.signal(libc::SIGKILL);
        if status.is_none() {
            let mut bound = pin!(sleep_opt(Instant::now().checked_add(REAP_BOUND)));
            loop {
                tokio::select! {
                    res = child.wait() => {
                        status = Some(res?);
                        break;
                    }
                    () = &mut io, if !io_done => io_done = true,
                    () = &mut bound => break,
                }
            }
        }
    }

    // The shell is gone. Whatever still holds our pipes is a background
    // process the step left behind; give it `linger` to finish writing.
    if !io_done {
        let mut linger = pin!(sleep_opt(Instant::now().checked_add(spec.linger)));
        tokio::select! {
            () = &mut io => io_done = true,
            () = &mut linger => {}
            () = &mut cancel, if !cancel_fired => {}
        }
    }
    group.signal(libc::SIGKILL);
    if !io_done {
        // The kill closes the pipes within moments. If they stay open, a
        // process that left the group (setsid) holds them; we must not wait
        // for it, only collect what is already buffered.
        let mut drain = pin!(sleep_opt(Instant::now().checked_add(spec.linger)));
        tokio::select! {
            () = &mut io => {}
            () = &mut drain => {}
        }
    }
    drop(io);
    group.disarm();
    err.flush_line();

    let outcome = match (interrupted, status) {
        (Some(outcome), _) => outcome,
        (None, Some(status)) => outcome_of(status),
        // The first loop only ends with one of the two set.
        (None, None) => Outcome::Exited(-1),
    };
    let stdout_truncated = out.total > out.buf.len() as u64;
    Ok(CommandResult {
        outcome,
        stdout: out.buf,
        stdout_total: out.total,
        stdout_truncated,
        stderr_tail: err.ring.into(),
        stderr_total: err.total,
        duration: started.elapsed(),
    })
}

/// `run` for callers outside async code (forms fetching choices), without
/// stderr streaming or cancellation.
///
/// Builds a current-thread runtime for the call. From a thread that is
/// already inside a runtime, the work moves to a scoped thread, because tokio
/// refuses to nest runtimes; the calling thread is blocked either way.
/// `stop` is asked every 50 ms: when it says so, the command is stopped as a step is
/// on Ctrl-C (`Outcome::Cancelled`).
pub fn run_blocking(
    spec: CommandSpec,
    stop: &(dyn Fn() -> bool + Sync),
) -> io::Result<CommandResult> {
    let block = |spec: CommandSpec| -> io::Result<CommandResult> {
        let stopped = async {
            while !stop() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(run(spec, None, stopped))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return block(spec);
    }
    std::thread::scope(|scope| {
        scope
            .spawn(move || block(spec))
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("step runner thread panicked")))
    })
}

/// Leaves the `SIGCHLD` of step shells to the main thread: called at the start of every
/// other thread that lives long in a process running steps (the blocking threads that
/// start shells, the committer, the heartbeat).
///
/// orch reaps a shell through its pidfd, and `SIGCHLD` is ignored, but the kernel only
/// drops it if the thread that started the shell does not block it at that moment,
/// and the thread that started it is often inside the next `posix_spawn`, which blocks
/// every signal. The signal then wakes any thread that does not block it, only for it
/// to be discarded: a third of a worker's steps woke its sleeping heartbeat this way.
/// Blocked here, it goes to the main thread, which the same exit wakes anyway. Shells
/// start with an empty signal mask whichever thread starts them.
pub fn leave_child_signals_to_main_thread() {
    // SAFETY: the set is initialised by `sigemptyset` before use, and changing the
    // calling thread's own mask has no other effect on memory.
    unsafe {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), libc::SIGCHLD);
        libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), std::ptr::null_mut());
    }
}

/// How a command is named in a message: as written when it is one short line, else its
/// first line, cut to [`SHOWN_WIDTH`] characters, and `…`. A multi-line `run` (a script
/// written inline in the workflow file) quoted whole would break the one line of a
/// failure in the run's progress, `process list`, the events and `failed_reason`
/// into many; the workflow file (and `workflow show`) has it whole.
pub fn shown(command: &str) -> std::borrow::Cow<'_, str> {
    let text = command.trim();
    let first = text.lines().next().unwrap_or_default().trim_end();
    let cut = first.char_indices().nth(SHOWN_WIDTH).map(|(i, _)| i);
    match cut {
        None if first.len() == text.len() => std::borrow::Cow::Borrowed(text),
        None => format!("{first} …").into(),
        Some(i) => format!("{}…", &first[..i]).into(),
    }
}

/// The most characters of a command's first line [`shown`] keeps.
const SHOWN_WIDTH: usize = 80;

/// Put before the step's command: wait for orch's go line (sent once the group is
/// registered with the watcher), or end quietly if orch is gone. On the same line as
/// the command, so the shell's line numbers in error messages stay the user's.
const GATE: &str = "read -r _orch_go || exit 1; ";

/// The `sh` on orch's PATH, looked up once: letting each spawn search the PATH costs
/// an `exec` attempt per directory before it.
fn sh_path() -> &'static std::ffi::OsStr {
    static SHELL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SHELL
        .get_or_init(|| {
            use std::os::unix::fs::PermissionsExt;
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join("sh"))
                .find(|p| {
                    p.is_absolute()
                        && std::fs::metadata(p)
                            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                })
                .unwrap_or_else(|| PathBuf::from("sh"))
        })
        .as_os_str()
}

/// Spawns the step in a new process group led by its shell, and returns the write
/// end of its stdin.
///
/// The stdin pipe is left unregistered with the runtime: a pipe's write end is ready
/// from the start, so registering it from the blocking thread that starts the shell
/// would wake the engines' thread from its wait for nothing, once a step. At the
/// step's turn, on the engines' thread, [`open_gate`] writes to it directly, and
/// registers it only for an input too large to write at once.
fn spawn(spec: &CommandSpec) -> io::Result<(Shell, OwnedFd)> {
    let (gate_out, gate_in) = std::io::pipe()?;
    let script = format!("{GATE}{}", spec.command);
    let child =
        shell::spawn(sh_path(), &script, &spec.cwd, &spec.env, gate_out.into()).map_err(|e| {
            // Spawning in a missing directory fails with a bare ENOENT (or ENOTDIR), which
            // reads as if `sh` were missing; say which one it is. Looked at only on
            // failure: a worker starts thousands of shells a second.
            if !spec.cwd.is_dir() {
                return io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "working directory {} does not exist or is not a directory",
                        spec.cwd.display()
                    ),
                );
            }
            io::Error::new(
                e.kind(),
                format!("cannot start `sh -c` in {}: {e}", spec.cwd.display()),
            )
        })?;
    Ok((child, gate_in.into()))
}

fn outcome_of(status: ExitStatus) -> Outcome {
    match (status.code(), status.signal()) {
        (Some(code), _) => Outcome::Exited(code),
        (None, Some(sig)) => Outcome::Signaled(sig),
        // Only stopped/continued statuses have neither, and we never ask for
        // those; -1 is not a real exit code, so it reads as a failure.
        (None, None) => Outcome::Exited(-1),
    }
}

async fn sleep_opt(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        // An unrepresentable deadline is as good as none.
        None => std::future::pending().await,
    }
}

/// Lets the shell through its [`GATE`]. The go line and an input that fit in one
/// atomic pipe write (`PIPE_BUF`, 4 KiB on Linux) are written at once and the pipe is
/// closed: the pipe is empty (the shell waits at its gate, and nothing else writes to
/// it), so the write cannot block, and the pipe needs no registration with the runtime
/// (two `epoll_ctl` calls and a wake-up a step). A larger input is left to
/// [`feed_stdin`], which writes it as the shell reads.
fn open_gate(gate: OwnedFd, data: &[u8]) -> io::Result<Option<pipe::Sender>> {
    if data.len() < libc::PIPE_BUF {
        let mut line = Vec::with_capacity(1 + data.len());
        line.push(b'\n');
        line.extend_from_slice(data);
        // EPIPE (a shell already gone) is the step's to report, by its exit status.
        let _ = std::io::Write::write_all(&mut std::fs::File::from(gate), &line);
        return Ok(None);
    }
    Ok(Some(pipe::Sender::from_owned_fd(gate)?))
}

/// Writes the go line, then the step's input, when [`open_gate`] could not.
async fn feed_stdin(pipe: Option<pipe::Sender>, data: &[u8]) {
    let Some(mut pipe) = pipe else { return };
    if pipe.write_all(b"\n").await.is_err() {
        return;
    }
    // A step may ignore its input and exit, which turns our write into EPIPE.
    // That is the step's choice, not a failure, and no other write error
    // would tell us anything the exit status does not.
    let _ = pipe.write_all(data).await;
    // Dropping `pipe` closes it, which is the step's EOF.
}

struct StdoutCapture {
    buf: Vec<u8>,
    max: usize,
    total: u64,
}

impl StdoutCapture {
    fn new(max: usize) -> Self {
        StdoutCapture {
            buf: Vec::new(),
            max,
            total: 0,
        }
    }

    async fn read_from(&mut self, pipe: Option<pipe::Receiver>) {
        let Some(mut pipe) = pipe else { return };
        // Filled by `read_buf` without zeroing it first: most steps print little.
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        // Read errors on a pipe are as final as EOF; the step's fate is told
        // by its exit status.
        while let Ok(n @ 1..) = pipe.read_buf(&mut chunk).await {
            self.total = self.total.saturating_add(n as u64);
            let room = self.max.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&chunk[..n.min(room)]);
            chunk.clear();
        }
    }
}

struct StderrTail<'a> {
    ring: VecDeque<u8>,
    cap: usize,
    total: u64,
    line: Vec<u8>,
    sink: Option<StderrSink<'a>>,
}

impl<'a> StderrTail<'a> {
    fn new(cap: usize, sink: Option<StderrSink<'a>>) -> Self {
        StderrTail {
            ring: VecDeque::new(),
            cap,
            total: 0,
            line: Vec::new(),
            sink,
        }
    }

    async fn read_from(&mut self, pipe: Option<pipe::Receiver>) {
        let Some(mut pipe) = pipe else { return };
        let mut chunk = Vec::with_capacity(READ_CHUNK);
        while let Ok(1..) = pipe.read_buf(&mut chunk).await {
            self.push(&chunk);
            chunk.clear();
        }
    }

    fn push(&mut self, data: &[u8]) {
        self.total = self.total.saturating_add(data.len() as u64);
        if data.len() >= self.cap {
            self.ring.clear();
            self.ring.extend(&data[data.len() - self.cap..]);
        } else {
            let overflow = (self.ring.len() + data.len()).saturating_sub(self.cap);
            self.ring.drain(..overflow);
            self.ring.extend(data);
        }

        let Some(sink) = self.sink.as_deref_mut() else {
            return;
        };
        for piece in data.split_inclusive(|&b| b == b'\n') {
            match piece.split_last() {
                Some((b'\n', text)) => {
                    self.line.extend_from_slice(text);
                    sink(&self.line);
                    self.line.clear();
                }
                _ => {
                    self.line.extend_from_slice(piece);
                    if self.line.len() >= MAX_STREAMED_LINE {
                        sink(&self.line);
                        self.line.clear();
                    }
                }
            }
        }
    }

    /// Hands a final line without `\n` to the sink.
    fn flush_line(&mut self) {
        if let Some(sink) = self.sink.as_deref_mut()
            && !self.line.is_empty()
        {
            sink(&self.line);
            self.line.clear();
        }
    }
}

/// The step's process group, killed on drop unless disarmed.
struct ProcessGroup {
    pgid: libc::pid_t,
    armed: bool,
}

impl ProcessGroup {
    fn of(child: &Shell) -> io::Result<Self> {
        // The shell leads a new group, so its pid is the group id. A pgid of 0
        // or 1 would make killpg hit our own group or every process we may
        // signal, so refuse rather than risk it.
        let pgid = libc::pid_t::try_from(child.id())
            .ok()
            .filter(|&pid| pid > 1)
            .ok_or_else(|| io::Error::other("spawned step has no usable process id"))?;
        Ok(ProcessGroup::new(pgid))
    }

    fn new(pgid: libc::pid_t) -> Self {
        ProcessGroup { pgid, armed: true }
    }

    /// Best effort: ESRCH (group already gone) is the common case, and
    /// there is nothing better to do on EPERM (a setuid member) either.
    ///
    /// Once every member has exited and the shell is reaped, the pgid could
    /// in principle be reused; the kernel hands out pids sequentially, so
    /// that takes a full wrap of the pid space within the few milliseconds
    /// between the reap and our last signal.
    fn signal(&self, sig: libc::c_int) {
        if self.armed {
            // SAFETY: killpg has no memory-safety preconditions; `pgid > 1`
            // was checked in `of`.
            unsafe {
                libc::killpg(self.pgid, sig);
            }
        }
    }

    fn disarm(&mut self) {
        self.armed = false;
    }

    /// Whether any member is still running. Zombies do not count: members
    /// orphaned by the shell are reparented to init, and an init that does
    /// not reap (common in containers) would otherwise make every timeout
    /// wait out the full grace period.
    fn has_live_members(&self) -> bool {
        // SAFETY: signal 0 only checks whether the group exists.
        if unsafe { libc::killpg(self.pgid, 0) } != 0 {
            return io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
        }
        group_has_running_process(self.pgid)
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal(libc::SIGKILL);
    }
}

#[cfg(target_os = "linux")]
fn group_has_running_process(pgid: libc::pid_t) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        // A process that vanished between listing and reading is not running.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name may contain spaces and parentheses; the fields we
        // want (state, ppid, pgrp) follow its last ')'.
        let Some((_, fields)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = fields.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<libc::pid_t>().ok());
        if pgrp == Some(pgid) && !matches!(state, Some("Z" | "X")) {
            return true;
        }
    }
    false
}

#[cfg(not(target_os = "linux"))]
fn group_has_running_process(_pgid: libc::pid_t) -> bool {
    // Without /proc, zombies cannot be told apart; the grace period decides.
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Instant as StdInstant;

    #[test]
    fn a_command_is_shown_on_one_line() {
        assert_eq!(shown("./ping.sh a b"), "./ping.sh a b");
        assert_eq!(shown("\n  cat >/dev/null\n  exit 4\n"), "cat >/dev/null …");
        let long = "x".repeat(100);
        assert_eq!(shown(&long), format!("{}…", "x".repeat(80)));
        assert_eq!(shown(&"é".repeat(81)), format!("{}…", "é".repeat(80)));
    }

    fn spec(command: &str) -> CommandSpec {
        CommandSpec {
            // A safety net so a broken test fails instead of hanging.
            timeout: Some(Duration::from_secs(5)),
            grace: Duration::from_millis(200),
            linger: Duration::from_millis(100),
            ..CommandSpec::new(command, std::env::temp_dir())
        }
    }

    async fn run_plain(spec: CommandSpec) -> CommandResult {
        run(spec, None, std::future::pending())
            .await
            .expect("step should start")
    }

    /// Running means existing and not a zombie (this sandbox's init does not
    /// reap orphans).
    fn running(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => {
                let state = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next());
                !matches!(state, Some("Z" | "X"))
            }
            Err(_) => false,
        }
    }

    /// SIGKILL is delivered asynchronously, so allow the kernel a moment.
    fn assert_gone(pid: i32) {
        let until = StdInstant::now() + Duration::from_secs(1);
        while running(pid) {
            assert!(StdInstant::now() < until, "process {pid} survived the step");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn assert_group_gone(pgid: i32) {
        let until = StdInstant::now() + Duration::from_secs(1);
        while group_has_running_process(pgid) {
            assert!(StdInstant::now() < until, "group {pgid} survived the step");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Specs whose command writes "<process group> $!" (the group, a background pid)
    /// to the file named by $PIDFILE.
    fn with_pidfile(command: &str, dir: &Path) -> CommandSpec {
        let mut s = spec(command);
        let file = dir.join("pids");
        s.env
            .push(("PIDFILE".into(), file.to_string_lossy().into_owned()));
        s
    }

    fn read_pids(dir: &Path) -> (i32, i32) {
        let text = std::fs::read_to_string(dir.join("pids")).expect("pid file written");
        let mut it = text.split_whitespace().map(|p| p.parse().expect("pid"));
        (it.next().expect("pgid"), it.next().expect("bg pid"))
    }

    #[tokio::test]
    async fn exit_zero_with_json_stdout() {
        let r = run_plain(spec(r#"printf '{"ok": true, "n": 3}'"#)).await;
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert!(r.success());
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
        assert_eq!(v["n"], 3);
        assert!(!r.stdout_truncated);
        assert_eq!(r.stdout_total, r.stdout.len() as u64);
    }

    /// What a step's shell does when orch dies before registering its group: the
    /// gate reads end-of-file and the command never runs.
    #[test]
    fn a_shell_without_its_go_line_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{GATE}touch ran"))
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(1));
        assert!(!dir.path().join("ran").exists(), "the step ran ungated");
    }

    #[tokio::test]
    async fn the_gate_keeps_stdin_and_line_numbers_intact() {
        let mut s = spec("read -r first; printf '%s' \"$first\"; echo oops >&2; nosuchcommand");
        s.stdin = b"line one\nline two\n".to_vec();
        let r = run_plain(s).await;
        assert_eq!(String::from_utf8_lossy(&r.stdout), "line one");
        assert_eq!(r.outcome, Outcome::Exited(127));
        let err = r.stderr_text();
        assert!(
            err.contains("1: nosuchcommand") || err.contains("line 1:"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn exit_codes_are_reported() {
        let r = run_plain(spec("echo 'it broke' >&2; exit 1")).await;
        assert_eq!(r.outcome, Outcome::Exited(1));
        assert_eq!(r.stderr_text(), "it broke");
        let r = run_plain(spec("exit 75")).await;
        assert_eq!(r.outcome, Outcome::Exited(75));
        assert!(!r.success());
    }

    #[tokio::test]
    async fn killing_signal_is_reported() {
        let r = run_plain(spec("kill -9 $$")).await;
        assert_eq!(r.outcome, Outcome::Signaled(libc::SIGKILL));
        assert_eq!(r.outcome.to_string(), "killed by signal 9");
    }

    #[tokio::test]
    async fn stdin_and_env_reach_the_program() {
        let mut s = spec(r#"cat; printf '%s' "$ORCH_TEST_VAR""#);
        s.stdin = br#"{"state": 1}"#.to_vec();
        s.env.push(("ORCH_TEST_VAR".into(), "-x".into()));
        let r = run_plain(s).await;
        assert_eq!(r.stdout, br#"{"state": 1}-x"#);
    }

    #[tokio::test]
    async fn the_step_environment_is_inherited_with_its_own_variables_on_top() {
        // PATH is inherited (and found once); HOME is overridden, and appears once.
        let mut s = spec(
            r#"printf '%s|%s|' "$HOME" "$ORCH_TEST_OTHER"; env | grep -c '^HOME='; command -v sh >/dev/null && echo path"#,
        );
        s.env.push(("HOME".into(), "/nowhere/home".into()));
        s.env.push(("ORCH_TEST_OTHER".into(), "a b'c\"d".into()));
        let r = run_plain(s).await;
        assert_eq!(
            String::from_utf8_lossy(&r.stdout),
            "/nowhere/home|a b'c\"d|1\npath\n"
        );
        assert!(r.success(), "{}", r.stderr_text());
    }

    #[tokio::test]
    async fn a_nul_byte_is_an_error_not_a_crash() {
        let mut s = spec("true");
        s.env.push(("ORCH_TEST_NUL".into(), "a\0b".into()));
        let e = run(s, None, std::future::pending()).await.unwrap_err();
        assert!(e.to_string().to_lowercase().contains("nul"), "{e}");
        let e = run(spec("echo a\0b"), None, std::future::pending())
            .await
            .unwrap_err();
        assert!(e.to_string().to_lowercase().contains("nul"), "{e}");
    }

    #[tokio::test]
    async fn stdin_of_any_size_reaches_the_step_whole() {
        // Below PIPE_BUF it is written with the go line at once, from it on as read.
        for len in [0, libc::PIPE_BUF - 1, libc::PIPE_BUF, 200_000] {
            let mut s = spec("wc -c");
            s.stdin = vec![b'x'; len];
            let r = run_plain(s).await;
            assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), len.to_string());
        }
    }

    #[tokio::test]
    async fn unread_large_stdin_is_fine() {
        let mut s = spec("echo done");
        s.stdin = vec![b'x'; 1024 * 1024];
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert_eq!(r.stdout, b"done\n");
    }

    #[tokio::test]
    async fn huge_stdout_stays_bounded() {
        let mut s = spec("head -c 200000000 /dev/zero");
        s.max_stdout = 1024 * 1024;
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert_eq!(r.stdout.len(), 1024 * 1024);
        assert_eq!(r.stdout_total, 200_000_000);
        assert!(r.stdout_truncated);
    }

    #[tokio::test]
    async fn binary_output_is_kept_verbatim() {
        let r = run_plain(spec(
            "head -c 100000 /dev/urandom; printf '\\377\\376 bad utf8' >&2",
        ))
        .await;
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert_eq!(r.stdout.len(), 100_000);
        assert_eq!(r.stderr_text(), "\u{FFFD}\u{FFFD} bad utf8");
    }

    #[tokio::test]
    async fn huge_stderr_keeps_only_the_tail() {
        let mut s = spec("head -c 1000000 /dev/zero | tr '\\0' a >&2; echo END >&2");
        s.stderr_tail = 1024;
        let r = run_plain(s).await;
        assert_eq!(r.stderr_tail.len(), 1024);
        assert!(r.stderr_tail.ends_with(b"aaaEND\n"));
        assert_eq!(r.stderr_total, 1_000_004);
        assert!(r.stderr_truncated());
    }

    #[tokio::test]
    async fn truncated_stderr_text_skips_split_characters() {
        // "é" is two bytes; a 5-byte tail of "ééé" starts mid-character.
        let mut s = spec("printf 'ééé' >&2");
        s.stderr_tail = 5;
        let r = run_plain(s).await;
        assert_eq!(r.stderr_text(), "éé");
    }

    #[tokio::test]
    async fn stderr_is_streamed_by_line() {
        let mut lines: Vec<String> = Vec::new();
        let mut sink = |line: &[u8]| lines.push(String::from_utf8_lossy(line).into_owned());
        let r = run(
            spec("echo one >&2; echo two >&2; printf three >&2"),
            Some(&mut sink),
            std::future::pending(),
        )
        .await
        .expect("runs");
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert_eq!(lines, ["one", "two", "three"]);
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = with_pidfile(
            r#"sleep 1000 & echo $(cut -d" " -f5 /proc/$$/stat) $! > "$PIDFILE"; sleep 1000"#,
            dir.path(),
        );
        s.timeout = Some(Duration::from_millis(200));
        s.grace = Duration::from_secs(3);
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::TimedOut);
        // Everything died on SIGTERM, so the grace period was cut short.
        assert!(r.duration < Duration::from_millis(1500), "{:?}", r.duration);
        let (pgid, bg) = read_pids(dir.path());
        assert_gone(bg);
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn term_handler_runs_before_the_step_ends() {
        let mut s = spec("trap 'echo bye >&2; exit 3' TERM; sleep 1000 & wait");
        s.timeout = Some(Duration::from_millis(200));
        s.grace = Duration::from_secs(3);
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::TimedOut);
        assert_eq!(r.stderr_text(), "bye");
        assert!(r.duration < Duration::from_millis(1500), "{:?}", r.duration);
    }

    #[tokio::test]
    async fn ignored_sigterm_gets_sigkill_after_grace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = with_pidfile(
            r#"trap '' TERM; sleep 1000 & echo $(cut -d" " -f5 /proc/$$/stat) $! > "$PIDFILE"; sleep 1000"#,
            dir.path(),
        );
        s.timeout = Some(Duration::from_millis(100));
        s.grace = Duration::from_millis(300);
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::TimedOut);
        assert!(r.duration >= Duration::from_millis(400), "{:?}", r.duration);
        assert!(r.duration < Duration::from_millis(1500), "{:?}", r.duration);
        let (pgid, bg) = read_pids(dir.path());
        assert_gone(bg);
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn background_child_holding_stdout_is_killed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = with_pidfile(
            r#"sleep 1000 & echo $(cut -d" " -f5 /proc/$$/stat) $! > "$PIDFILE"; echo hi; exit 0"#,
            dir.path(),
        );
        let r = run_plain(s).await;
        assert_eq!(r.outcome, Outcome::Exited(0));
        assert_eq!(r.stdout, b"hi\n");
        assert!(r.duration < Duration::from_millis(1000), "{:?}", r.duration);
        let (pgid, bg) = read_pids(dir.path());
        assert_gone(bg);
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn cancellation_kills_the_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = with_pidfile(
            r#"sleep 1000 & echo $(cut -d" " -f5 /proc/$$/stat) $! > "$PIDFILE"; sleep 1000"#,
            dir.path(),
        );
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let _ = tx.send(true);
        });
        let cancel = async move {
            let _ = rx.wait_for(|&c| c).await;
        };
        let r = run(s, None, cancel).await.expect("runs");
        assert_eq!(r.outcome, Outcome::Cancelled);
        assert!(r.duration < Duration::from_millis(1500), "{:?}", r.duration);
        let (pgid, bg) = read_pids(dir.path());
        assert_gone(bg);
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn dropping_the_future_kills_the_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = with_pidfile(
            r#"echo $(cut -d" " -f5 /proc/$$/stat) $! > "$PIDFILE"; exec sleep 1000"#,
            dir.path(),
        );
        let pidfile = dir.path().join("pids");
        let step = run(s, None, std::future::pending());
        let waited = tokio::time::timeout(Duration::from_millis(300), step).await;
        assert!(waited.is_err(), "step should still be running");
        assert!(pidfile.exists());
        let text = std::fs::read_to_string(&pidfile).expect("pid file");
        let pgid: i32 = text
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .expect("pgid");
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn missing_cwd_is_a_clear_error() {
        let mut s = spec("true");
        s.cwd = PathBuf::from("/definitely/not/here");
        let e = run(s, None, std::future::pending())
            .await
            .expect_err("must fail");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "working directory /definitely/not/here does not exist or is not a directory"
        );
    }

    #[test]
    fn run_blocking_outside_a_runtime() {
        let r = run_blocking(spec("echo hi"), &|| false).expect("runs");
        assert_eq!(r.stdout, b"hi\n");
    }

    #[tokio::test]
    async fn run_blocking_inside_a_runtime() {
        let r = run_blocking(spec("echo hi"), &|| false).expect("runs");
        assert_eq!(r.stdout, b"hi\n");
    }
}
