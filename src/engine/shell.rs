//! A step's shell as a child process: started in a session (so a process group) of
//! its own with no controlling terminal, its stdin, stdout and stderr on pipes, and
//! waited for without blocking a thread.
//!
//! On Linux with glibc it is started with `posix_spawn` directly, from an environment
//! read once. `std`'s `Command` rebuilds the whole environment of every child that
//! gets a variable of its own (each step gets ten `ORCH_*`): it copies every variable
//! of orch's environment into a sorted map and back into C strings, which cost a
//! worker about 20 µs a step with the 40 variables of a shell and more in CI, where
//! there are a hundred; the shell itself takes about 500 µs. Here the inherited part
//! is built once and each spawn only points at it. The shell is reaped through its
//! pidfd (polled every few milliseconds on a kernel older than 5.3, which has none).
//!
//! Elsewhere it is tokio's `Command`, which does the same with the cost above.

use std::io;
use std::os::fd::OwnedFd;

use tokio::net::unix::pipe;

pub use imp::{Shell, spawn};

/// The variables orch gives a step about its own process (DESIGN §5), some only when
/// they apply (`ORCH_SUBSCRIPTION_ID`, `ORCH_CALLBACK_TOKEN`). Inherited from orch's
/// own environment (an orch started by another process's step) they would describe
/// that other process, hand on its callback token, or say there is a subscription
/// where there is none, so no shell inherits them: it gets only those orch sets for it.
const NOT_INHERITED: &[&str] = &[
    "ORCH_PROCESS_ID",
    "ORCH_STEP",
    "ORCH_STEP_PATH",
    "ORCH_WORKFLOW",
    "ORCH_SUBSCRIPTION_ID",
    "ORCH_ATTEMPT",
    "ORCH_CALLBACK_TOKEN",
    "ORCH_CALLBACK_URL",
];

/// The read end of a pipe orch just made, made non-blocking and registered with the
/// runtime (what `from_owned_fd` does, without its checks of what the descriptor is:
/// two system calls a pipe).
fn receiver(fd: OwnedFd) -> io::Result<pipe::Receiver> {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETFL on an open descriptor changes only its status flags.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    pipe::Receiver::from_owned_fd_unchecked(fd)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::ffi::{CString, OsStr};
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::ExitStatusExt;
    use std::path::Path;
    use std::process::ExitStatus;
    use std::sync::{Mutex, OnceLock};
    use std::time::Duration;

    use tokio::io::unix::AsyncFd;
    use tokio::net::unix::pipe;

    /// How often a shell without a pidfd (Linux before 5.3) is looked at.
    const POLL: Duration = Duration::from_millis(5);

    pub struct Shell {
        pid: libc::pid_t,
        /// Readable once the shell has exited; `None` without pidfds.
        pidfd: Option<AsyncFd<OwnedFd>>,
        status: Option<ExitStatus>,
        pub stdout: Option<pipe::Receiver>,
        pub stderr: Option<pipe::Receiver>,
    }

    impl Shell {
        pub fn id(&self) -> u32 {
            self.pid.unsigned_abs()
        }

        /// Waits for the shell to exit and reaps it.
        pub async fn wait(&mut self) -> io::Result<ExitStatus> {
            while self.status.is_none() {
                match &self.pidfd {
                    // Readable once it has exited (a shell that exited before its
                    // pidfd was registered is reported at once).
                    Some(fd) => {
                        let mut ready = fd.readable().await?;
                        self.status = reap(self.pid)?;
                        if self.status.is_none() {
                            ready.clear_ready();
                        }
                    }
                    None => {
                        self.status = reap(self.pid)?;
                        if self.status.is_none() {
                            tokio::time::sleep(POLL).await;
                        }
                    }
                }
            }
            self.status
                .ok_or_else(|| io::Error::other("the shell's status was lost"))
        }
    }

    impl Drop for Shell {
        /// A shell dropped before it was reaped is killed, and reaped now or, if it
        /// takes a moment to die, at a later spawn: no zombie stays for long.
        fn drop(&mut self) {
            if self.status.is_none() {
                // SAFETY: `pid` is our unreaped child, so it names no other process.
                unsafe { libc::kill(self.pid, libc::SIGKILL) };
                if !matches!(reap(self.pid), Ok(Some(_))) {
                    orphans()
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(self.pid);
                }
            }
        }
    }

    /// The children dropped before they could be reaped.
    fn orphans() -> &'static Mutex<Vec<libc::pid_t>> {
        static ORPHANS: Mutex<Vec<libc::pid_t>> = Mutex::new(Vec::new());
        &ORPHANS
    }

    fn reap_orphans() {
        let mut orphans = orphans().lock().unwrap_or_else(|e| e.into_inner());
        orphans.retain(|&pid| matches!(reap(pid), Ok(None)));
    }

    /// The exit status of `pid` if it has exited (and is now reaped).
    fn reap(pid: libc::pid_t) -> io::Result<Option<ExitStatus>> {
        let mut status = 0;
        loop {
            // SAFETY: `status` is a valid out-pointer; `pid` is our own child.
            match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
                0 => return Ok(None),
                p if p == pid => return Ok(Some(ExitStatus::from_raw(status))),
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// orch's own environment as `NAME=value` strings, read once (orch never changes
    /// it after its first lines), with each name's length; without the variables a
    /// shell must not inherit.
    fn inherited() -> &'static [(usize, CString)] {
        static ENV: OnceLock<Vec<(usize, CString)>> = OnceLock::new();
        ENV.get_or_init(|| {
            std::env::vars_os()
                .filter(|(k, _)| !super::NOT_INHERITED.iter().any(|n| k.as_os_str() == *n))
                .filter_map(|(k, v)| {
                    let mut entry = k.as_bytes().to_vec();
                    entry.push(b'=');
                    entry.extend_from_slice(v.as_bytes());
                    Some((k.len(), CString::new(entry).ok()?))
                })
                .collect()
        })
    }

    fn cstring(bytes: &[u8], what: &str) -> io::Result<CString> {
        CString::new(bytes).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the {what} of a step's shell contains a NUL byte"),
            )
        })
    }

    /// A `posix_spawn` call's attributes and file actions, destroyed on every path.
    struct Recipe {
        attr: libc::posix_spawnattr_t,
        actions: libc::posix_spawn_file_actions_t,
    }

    impl Recipe {
        fn new(
            stdin: &OwnedFd,
            stdout: &OwnedFd,
            stderr: &OwnedFd,
            cwd: &CString,
        ) -> io::Result<Box<Recipe>> {
            let check = |r: libc::c_int| {
                if r == 0 {
                    Ok(())
                } else {
                    Err(io::Error::from_raw_os_error(r))
                }
            };
            // SAFETY: each is initialised by its `_init` call, in place, before any
            // other use; the box becomes a `Recipe` (whose `Drop` destroys both) only
            // once both are, and keeps them where they were initialised.
            unsafe {
                let mut place: Box<std::mem::MaybeUninit<Recipe>> = Box::new_uninit();
                let p = place.as_mut_ptr();
                check(libc::posix_spawnattr_init(&raw mut (*p).attr))?;
                if let Err(e) = check(libc::posix_spawn_file_actions_init(&raw mut (*p).actions)) {
                    libc::posix_spawnattr_destroy(&raw mut (*p).attr);
                    return Err(e);
                }
                let mut r = place.assume_init();
                let mut none = std::mem::zeroed::<libc::sigset_t>();
                libc::sigemptyset(&mut none);
                // orch ignores SIGPIPE (as every Rust program does) and an ignored
                // signal stays ignored across `exec`: the shell gets the default back.
                let mut pipe = std::mem::zeroed::<libc::sigset_t>();
                libc::sigemptyset(&mut pipe);
                libc::sigaddset(&mut pipe, libc::SIGPIPE);
                // A session of its own (so a group of its own, numbered by the
                // shell's pid) and no controlling terminal: a step that reads the
                // terminal (`ssh` or `sudo` asking for a password) fails at once
                // instead of being stopped for ever in the background.
                let flags = libc::POSIX_SPAWN_SETSID as libc::c_int
                    | libc::POSIX_SPAWN_SETSIGMASK
                    | libc::POSIX_SPAWN_SETSIGDEF;
                check(libc::posix_spawnattr_setflags(
                    &mut r.attr,
                    flags as libc::c_short,
                ))?;
                check(libc::posix_spawnattr_setsigmask(&mut r.attr, &none))?;
                check(libc::posix_spawnattr_setsigdefault(&mut r.attr, &pipe))?;
                for (fd, to) in [(stdin, 0), (stdout, 1), (stderr, 2)] {
                    check(libc::posix_spawn_file_actions_adddup2(
                        &mut r.actions,
                        fd.as_raw_fd(),
                        to,
                    ))?;
                }
                check(libc::posix_spawn_file_actions_addchdir_np(
                    &mut r.actions,
                    cwd.as_ptr(),
                ))?;
                Ok(r)
            }
        }
    }

    impl Drop for Recipe {
        fn drop(&mut self) {
            // SAFETY: a `Recipe` exists only once both were initialised (`new`).
            unsafe {
                libc::posix_spawn_file_actions_destroy(&mut self.actions);
                libc::posix_spawnattr_destroy(&mut self.attr);
            }
        }
    }

    /// Starts `sh -c script` (`shell` is the path of `sh`) in `cwd`, in a new process
    /// group it leads, with orch's environment plus `env`, `stdin` as its stdin and
    /// pipes for its stdout and stderr. Called from a runtime's thread (blocking or
    /// not): the pipes and the exit notice are registered with that runtime.
    pub fn spawn(
        shell: &OsStr,
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
        stdin: OwnedFd,
    ) -> io::Result<Shell> {
        reap_orphans();
        let program = cstring(shell.as_bytes(), "path")?;
        let argv_owned = [
            cstring(b"sh", "name")?,
            cstring(b"-c", "flag")?,
            cstring(script.as_bytes(), "command")?,
        ];
        let cwd = cstring(cwd.as_os_str().as_bytes(), "working directory")?;
        let own: Vec<CString> = env
            .iter()
            .map(|(k, v)| cstring(format!("{k}={v}").as_bytes(), "environment"))
            .collect::<io::Result<_>>()?;
        // The step's variables win over inherited ones of the same name.
        let overridden = |entry: &(usize, CString)| {
            let name = &entry.1.as_bytes()[..entry.0];
            env.iter().any(|(k, _)| k.as_bytes() == name)
        };
        let mut envp: Vec<*mut libc::c_char> = inherited()
            .iter()
            .filter(|e| !overridden(e))
            .map(|e| e.1.as_ptr().cast_mut())
            .chain(own.iter().map(|c| c.as_ptr().cast_mut()))
            .collect();
        envp.push(std::ptr::null_mut());
        let mut argv: Vec<*mut libc::c_char> =
            argv_owned.iter().map(|c| c.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());

        let (out_r, out_w) = std::io::pipe()?;
        let (err_r, err_w) = std::io::pipe()?;
        let stdin = above_stdio(stdin)?;
        let out_w = above_stdio(out_w.into())?;
        let err_w = above_stdio(err_w.into())?;
        let recipe = Recipe::new(&stdin, &out_w, &err_w, &cwd)?;
        let mut pid: libc::pid_t = 0;
        // SAFETY: every pointer is to a NUL-terminated string or a NULL-terminated
        // array of them that outlives the call; `recipe` is initialised.
        let r = unsafe {
            libc::posix_spawn(
                &mut pid,
                program.as_ptr(),
                &recipe.actions,
                &recipe.attr,
                argv.as_ptr(),
                envp.as_ptr(),
            )
        };
        drop(recipe);
        // The child's ends, now its own.
        drop((stdin, out_w, err_w));
        if r != 0 {
            return Err(io::Error::from_raw_os_error(r));
        }
        // From here on, dropping `shell` kills and reaps the child.
        let mut shell = Shell {
            pid,
            pidfd: None,
            status: None,
            stdout: None,
            stderr: None,
        };
        shell.pidfd = pidfd(pid)?;
        shell.stdout = Some(super::receiver(out_r.into())?);
        shell.stderr = Some(super::receiver(err_r.into())?);
        Ok(shell)
    }

    /// `fd`, moved above 2 if it is one of 0, 1 and 2 (orch started with one of its
    /// own closed): the child's three `dup2`s must not overwrite one another's source.
    fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
        if fd.as_raw_fd() > 2 {
            return Ok(fd);
        }
        // SAFETY: F_DUPFD_CLOEXEC on an open descriptor returns a new one or -1.
        let moved = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
        if moved < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `moved` was just opened and is owned by nothing else.
        Ok(unsafe { OwnedFd::from_raw_fd(moved) })
    }

    /// The pidfd of `pid`, registered with the runtime; `None` on a kernel without them.
    fn pidfd(pid: libc::pid_t) -> io::Result<Option<AsyncFd<OwnedFd>>> {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, libc::PIDFD_NONBLOCK) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOSYS) => Ok(None),
                _ => Err(e),
            };
        }
        // SAFETY: the descriptor was just opened and is owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
        // SAFETY: the `AsyncFd` owns `fd`, which stays open and the same until it is
        // dropped. (pidfds are opened close-on-exec.)
        let registered =
            unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) };
        Ok(Some(registered.map_err(io::Error::from)?))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn started(script: &str) -> Shell {
            let (stdin, _) = std::io::pipe().unwrap();
            let sh = std::ffi::OsStr::new("/bin/sh");
            spawn(sh, script, &std::env::temp_dir(), &[], stdin.into()).unwrap()
        }

        /// On a kernel without pidfds the shell is looked at until it has exited.
        #[tokio::test]
        async fn a_shell_without_a_pidfd_is_still_waited_for() {
            let mut shell = started("sleep 0.02; exit 3");
            shell.pidfd = None;
            assert_eq!(shell.wait().await.unwrap().code(), Some(3));
            // Asked again, it says the same without waiting.
            assert_eq!(shell.wait().await.unwrap().code(), Some(3));
        }

        /// A shell dropped while it runs is killed and reaped, now or at the next
        /// spawn: it leaves no zombie behind.
        #[tokio::test]
        async fn a_dropped_shell_is_killed_and_reaped() {
            let shell = started("exec sleep 30");
            let pid = shell.pid;
            drop(shell);
            drop(started("true"));
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            // SAFETY: signal 0 only asks whether the pid exists.
            while unsafe { libc::kill(pid, 0) } == 0 {
                reap_orphans();
                assert!(std::time::Instant::now() < deadline, "{pid} is still there");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    use std::ffi::OsStr;
    use std::io;
    use std::os::fd::OwnedFd;
    use std::path::Path;
    use std::process::{ExitStatus, Stdio};

    use tokio::net::unix::pipe;
    use tokio::process::{Child, Command};

    pub struct Shell {
        child: Child,
        pub stdout: Option<pipe::Receiver>,
        pub stderr: Option<pipe::Receiver>,
    }

    impl Shell {
        pub fn id(&self) -> u32 {
            self.child.id().unwrap_or(0)
        }

        pub async fn wait(&mut self) -> io::Result<ExitStatus> {
            self.child.wait().await
        }
    }

    /// What the glibc `spawn` does, with tokio's `Command`.
    pub fn spawn(
        shell: &OsStr,
        script: &str,
        cwd: &Path,
        env: &[(String, String)],
        stdin: OwnedFd,
    ) -> io::Result<Shell> {
        let mut child = Command::new(shell);
        child.arg("-c").arg(script).current_dir(cwd);
        for name in super::NOT_INHERITED {
            child.env_remove(name);
        }
        child
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // SAFETY: `setsid` is async-signal-safe, and the only call between `fork`
        // and `exec`. As with `posix_spawn` above: a session, so a group, of its own
        // and no controlling terminal.
        unsafe {
            child.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = child.spawn()?;
        let stdout = match child.stdout.take() {
            Some(p) => Some(super::receiver(p.into_owned_fd()?)?),
            None => None,
        };
        let stderr = match child.stderr.take() {
            Some(p) => Some(super::receiver(p.into_owned_fd()?)?),
            None => None,
        };
        Ok(Shell {
            child,
            stdout,
            stderr,
        })
    }
}
