//! One watcher per orch process that kills the process groups of running steps if orch
//! dies without cleaning up (`kill -9`, a crash, power to the container cut).
//!
//! A step runs in its own process group, so nothing else would stop it when orch is
//! killed: it would carry on, and could repeat its side effects beside the retry that
//! takes the process over. The watcher is a small awk (or `sh`) in its own group that
//! reads `+ PGID` / `- PGID` lines from a pipe only orch holds. When orch dies, the kernel
//! closes the write end; the watcher reads end-of-file and kills every group still
//! registered. It is started once, on the first step, so a step costs no extra
//! process; registering a group is one short write.
//!
//! orch registers a step's group right after the spawn; the step's shell waits for a
//! go line on its stdin before it runs anything (see `command`), so there is no moment
//! in which a step runs unwatched.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// Keeps a set of groups and kills them all on end-of-file. awk reads the pipe in
/// blocks, so a step's two lines cost the watcher one or two wake-ups; the POSIX sh
/// loop after it (used only where there is no awk) reads a byte per system call.
const SCRIPT: &str = r#"if command -v awk >/dev/null 2>&1; then
  exec awk '
    $1 == "+" && $2 ~ /^[0-9]+$/ { live[$2] = 1 }
    $1 == "-" { delete live[$2] }
    END { s = ""; for (pg in live) s = s " -" pg; if (s != "") system("kill -s KILL --" s " 2>/dev/null") }'
fi
pgs=" "
while read -r op pg; do
  case $op in
    +) pgs="$pgs$pg " ;;
    -) case "$pgs" in *" $pg "*) pgs="${pgs%% $pg *} ${pgs#* $pg }" ;; esac ;;
  esac
done
for pg in $pgs; do kill -s KILL -- "-$pg" 2>/dev/null; done"#;

struct Watcher {
    // Kept so the handle lives as long as orch; the watcher outlives no one.
    _child: Child,
    pipe: ChildStdin,
}

static WATCHER: Mutex<Option<Watcher>> = Mutex::new(None);

fn start() -> Option<Watcher> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group: neither a step's group kill nor the terminal's Ctrl-C reach it.
        .process_group(0)
        .spawn()
        .ok()?;
    let pipe = child.stdin.take()?;
    Some(Watcher {
        _child: child,
        pipe,
    })
}

/// Sends one line, starting the watcher if needed and once more if it has died.
/// Best effort: without a watcher, steps still run and are killed on every normal path.
fn send(line: &str) {
    let Ok(mut slot) = WATCHER.lock() else {
        return;
    };
    for _ in 0..2 {
        if slot.is_none() {
            *slot = start();
        }
        let Some(w) = slot.as_mut() else { return };
        if w.pipe.write_all(line.as_bytes()).is_ok() {
            return;
        }
        // EPIPE: someone killed the watcher; start a new one.
        *slot = None;
    }
}

/// Registers a step's group with the watcher (starting it if needed); the returned
/// guard releases the group when dropped.
pub fn register(pgid: libc::pid_t) -> Guard {
    send(&format!("+ {pgid}\n"));
    Guard { pgid }
}

/// While it lives, the group is killed if orch dies.
pub struct Guard {
    pgid: libc::pid_t,
}

impl Drop for Guard {
    fn drop(&mut self) {
        send(&format!("- {}\n", self.pgid));
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::time::{Duration, Instant};

    /// The script itself, driven the way orch drives it, with orch's end played by
    /// closing the pipe: with awk, and with the `sh` loop used where there is none.
    #[test]
    fn end_of_file_kills_registered_groups_only() {
        kills_registered_groups_only(None);
        kills_registered_groups_only(Some("/nonexistent"));
    }

    fn kills_registered_groups_only(path: Option<&str>) {
        let mut watcher = std::process::Command::new("/bin/sh");
        watcher
            .arg("-c")
            .arg(super::SCRIPT)
            .stdin(std::process::Stdio::piped())
            .process_group(0);
        if let Some(p) = path {
            watcher.env("PATH", p);
        }
        let mut watcher = watcher.spawn().unwrap();
        let spawn_group = || {
            std::process::Command::new("sleep")
                .arg("1000")
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let (mut a, mut b, mut c) = (spawn_group(), spawn_group(), spawn_group());
        let mut pipe = watcher.stdin.take().unwrap();
        use std::io::Write;
        write!(
            pipe,
            "+ {}\n+ {}\n+ {}\n- {}\n",
            a.id(),
            b.id(),
            c.id(),
            b.id()
        )
        .unwrap();
        drop(pipe);
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
}
