//! The signals that ask orch to stop, listened to alike by every command that stops
//! cleanly: Ctrl-C (SIGINT), SIGTERM from a supervisor or `kill`, and SIGHUP when the
//! terminal or the ssh session orch runs in goes away.
//!
//! Left to its default, SIGHUP would end orch on the spot, as `kill -9` does: the step
//! in flight killed by the watcher, its process left running under a lease that must
//! run out before anyone can take it over. Taken as a stop instead, the process is left
//! as a Ctrl-C leaves it. A SIGHUP that orch was started ignoring (`nohup orch worker`)
//! stays ignored: the user asked orch to outlive the terminal.

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The stop signals, listened to from [`Stops::listen`] on.
pub struct Stops {
    listening: Vec<Signal>,
}

impl Stops {
    /// Installs the handlers: a signal that arrives from here on is kept for
    /// [`Stops::next`]. To be called within a runtime.
    pub fn listen() -> io::Result<Stops> {
        let mut kinds = vec![SignalKind::interrupt(), SignalKind::terminate()];
        if !hangup_ignored() {
            kinds.push(SignalKind::hangup());
        }
        let listening = kinds
            .into_iter()
            .map(signal)
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Stops { listening })
    }

    /// The next stop signal, whichever it is.
    pub async fn next(&mut self) {
        let any = self.listening.iter_mut().map(|s| Box::pin(s.recv()));
        // A stream of signals ends only with the runtime; a signal that cannot be
        // waited for any more never comes.
        let (got, _, _) = futures_util::future::select_all(any).await;
        if got.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

/// Whether orch was started with SIGHUP ignored, as `nohup` starts a program.
fn hangup_ignored() -> bool {
    // SAFETY: a query (no new action) into a zeroed `sigaction` we own.
    unsafe {
        let mut old = std::mem::zeroed::<libc::sigaction>();
        libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of the three signals ends the wait, and the next wait waits for another.
    #[test]
    fn every_stop_signal_ends_a_wait() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut stops = Stops::listen().unwrap();
            let hangup = (!hangup_ignored()).then_some(libc::SIGHUP);
            for sig in [libc::SIGINT, libc::SIGTERM].into_iter().chain(hangup) {
                // SAFETY: raising a signal this process handles from here on.
                unsafe { libc::raise(sig) };
                tokio::time::timeout(std::time::Duration::from_secs(10), stops.next())
                    .await
                    .unwrap_or_else(|_| panic!("signal {sig} was not seen"));
            }
        });
    }
}
