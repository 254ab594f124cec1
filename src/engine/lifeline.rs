//! One watcher per orch process that kills the process groups of running steps if orch
//! dies without cleaning up (`kill -9`, a crash, power to the container cut).
//!
//! A step runs in its own process group, so nothing else would stop it when orch is
//! killed: it would carry on, and could repeat its side effects beside the retry that
//! takes the process over. The watcher is a small `sh` in its own group, started once,
//! on the first step, with two things orch holds:
//! - its stdin, a pipe orch never writes to: the watcher sleeps in one `read` until orch
//!   dies and the kernel closes the write end;
//! - its stdout, the register: an anonymous file of fixed-width slots, one per running
//!   step, holding the step's group id. orch writes a slot with one `pwrite` when a step
//!   starts and blanks it when the step ends.
//!
//! At end-of-file the watcher reads the register from its start and kills every group
//! still in it. Registering a step costs one write to memory and wakes nobody: a worker
//! starts thousands of steps a second, and a watcher woken for each of them cost it
//! about a twentieth of its speed (`cargo bench --bench orch -- worker-run-true`).
//!
//! orch registers a step's group right after the spawn; the step's shell waits for a
//! go line on its stdin before it runs anything (see `command`), so there is no moment
//! in which a step runs unwatched.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// Sleeps until end-of-file on stdin (orch never writes to it), then kills the group of
/// every slot of the register, its stdout, read from the start. A blank slot, or
/// anything else that is not a number, is left alone.
const SCRIPT: &str = r#"while read -r _; do :; done
while read -r pg; do
  case $pg in
    ''|*[!0-9]*) ;;
    *) kill -s KILL -- "-$pg" 2>/dev/null ;;
  esac
done <&1"#;

/// A slot of the register: a group id right-aligned in 11 characters and a newline.
const SLOT: usize = 12;

struct Watcher {
    child: Child,
    // Held, never written: its end-of-file is orch's death.
    _pipe: ChildStdin,
}

/// The register and the watcher that reads it, behind one lock.
struct Lifeline {
    register: File,
    watcher: Option<Watcher>,
    /// Slots blanked by ended steps, to use again before growing the register.
    free: Vec<u64>,
    next: u64,
}

static LIFELINE: Mutex<Option<Lifeline>> = Mutex::new(None);

/// An anonymous file orch and the watcher share: in memory on Linux, an unlinked file
/// in the temporary directory elsewhere.
fn anonymous_file() -> std::io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: a constant C string; the returned descriptor is checked and then
        // owned by the `File` alone.
        let fd = unsafe { libc::memfd_create(c"orch-steps".as_ptr(), libc::MFD_CLOEXEC) };
        if fd >= 0 {
            // SAFETY: `fd` was just opened and nothing else owns it.
            return Ok(unsafe { File::from_raw_fd(fd) });
        }
    }
    let path = std::env::temp_dir().join(format!(
        "orch-steps-{}-{}",
        std::process::id(),
        crate::clock::new_id()
    ));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

fn start_watcher(register: &File) -> Option<Watcher> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(register.try_clone().ok()?)
        .stderr(Stdio::null())
        // Its own group: neither a step's group kill nor the terminal's Ctrl-C reach it.
        .process_group(0)
        .spawn()
        .ok()?;
    let pipe = child.stdin.take()?;
    Some(Watcher { child, _pipe: pipe })
}

impl Lifeline {
    fn new() -> Option<Lifeline> {
        Some(Lifeline {
            register: anonymous_file().ok()?,
            watcher: None,
            free: Vec::new(),
            next: 0,
        })
    }

    /// Starts the watcher if there is none, or once more if someone killed it (it
    /// reads the same register, so the groups already in it stay watched).
    fn watch(&mut self) -> bool {
        let gone = match self.watcher.as_mut() {
            None => true,
            Some(w) => !matches!(w.child.try_wait(), Ok(None)),
        };
        if gone {
            self.watcher = start_watcher(&self.register);
        }
        self.watcher.is_some()
    }

    fn write(&self, slot: u64, text: &str) -> bool {
        self.register
            .write_all_at(text.as_bytes(), slot * SLOT as u64)
            .is_ok()
    }

    /// Writes `pgid` into a free slot, and says which, once a watcher reads them.
    fn enter(&mut self, pgid: libc::pid_t) -> Option<u64> {
        if !self.watch() {
            return None;
        }
        let at = self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        });
        if self.write(at, &format!("{pgid:>width$}\n", width = SLOT - 1)) {
            Some(at)
        } else {
            self.free.push(at);
            None
        }
    }

    /// Blanks a slot. One that cannot be blanked is not used again: the watcher would
    /// kill whatever group next had its id.
    fn leave(&mut self, at: u64) {
        if self.write(at, &format!("{:>width$}\n", "", width = SLOT - 1)) {
            self.free.push(at);
        }
    }
}

/// Registers a step's group with the watcher (starting it if needed); the returned
/// guard releases the group when dropped. Best effort: without a watcher, steps still
/// run and are killed on every normal path.
pub fn register(pgid: libc::pid_t) -> Guard {
    let Ok(mut lifeline) = LIFELINE.lock() else {
        return Guard { slot: None };
    };
    if lifeline.is_none() {
        *lifeline = Lifeline::new();
    }
    Guard {
        slot: lifeline.as_mut().and_then(|l| l.enter(pgid)),
    }
}

/// While it lives, the group is killed if orch dies.
pub struct Guard {
    slot: Option<u64>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(at) = self.slot else { return };
        if let Ok(mut lifeline) = LIFELINE.lock()
            && let Some(l) = lifeline.as_mut()
        {
            l.leave(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::time::{Duration, Instant};

    /// The script itself, driven the way orch drives it, with orch's end played by
    /// closing the pipe: the groups in the register are killed, a blanked slot and
    /// the register's other slots are left alone.
    #[test]
    fn end_of_file_kills_the_groups_in_the_register_only() {
        let register = super::anonymous_file().unwrap();
        let mut watcher = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(super::SCRIPT)
            .stdin(std::process::Stdio::piped())
            .stdout(register.try_clone().unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        let spawn_group = || {
            std::process::Command::new("sleep")
                .arg("1000")
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let (mut a, mut b, mut c) = (spawn_group(), spawn_group(), spawn_group());
        let slot = |pid: u32| format!("{pid:>11}\n");
        register.write_all_at(slot(a.id()).as_bytes(), 0).unwrap();
        register.write_all_at(slot(b.id()).as_bytes(), 12).unwrap();
        register.write_all_at(slot(c.id()).as_bytes(), 24).unwrap();
        register
            .write_all_at(format!("{:>11}\n", "").as_bytes(), 12)
            .unwrap();
        // The watcher is still asleep: nothing is killed while orch lives.
        std::thread::sleep(Duration::from_millis(100));
        assert!(a.try_wait().unwrap().is_none(), "killed while orch lives");
        drop(watcher.stdin.take());
        watcher.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let wait = |child: &mut std::process::Child| loop {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(wait(&mut a).and_then(|s| s.signal()), Some(libc::SIGKILL));
        assert_eq!(wait(&mut c).and_then(|s| s.signal()), Some(libc::SIGKILL));
        assert!(
            b.try_wait().unwrap().is_none(),
            "a released group is left alone"
        );
        b.kill().unwrap();
        b.wait().unwrap();
    }

    /// Slots are used again once blanked, so the register is as long as the most steps
    /// that ran at once; what the watcher would read is the groups still running.
    #[test]
    fn slots_are_reused_and_blanked() {
        let mut l = super::Lifeline::new().unwrap();
        let a = l.enter(999_999).unwrap();
        let b = l.enter(999_998).unwrap();
        assert_ne!(a, b);
        l.leave(a);
        assert_eq!(l.enter(999_997), Some(a));
        l.leave(b);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &l.register, &mut text).unwrap();
        assert_eq!(text, format!("{:>11}\n{:>11}\n", 999_997, ""));
        l.leave(a);
    }
}
