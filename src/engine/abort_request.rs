//! Aborts asked for while this orch runs a process (`process abort` of a running
//! process, from another command or the API).
//!
//! Only the orch that holds a process writes its steps, so another cannot abort it:
//! it records a request on the process, and the owner carries it out. The owner
//! learns of requests from its lease renewals (a worker's heartbeat, a command's
//! `lease::keep`), which say which of its processes have one: no query per step. A
//! drive also reads a request on the process it starts with, so one recorded while
//! the process rested is carried out before its next step. [`AbortRequests`] is the
//! renewal's side, [`AbortWatch`] the engine's: a step still running when a request
//! arrives is stopped as Ctrl-C stops it.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::watch;

/// The processes with a request, by id: who asked.
type Asked = Arc<BTreeMap<String, String>>;

/// Where lease renewals tell the engines which processes to abort.
#[derive(Debug, Clone)]
pub struct AbortRequests(Arc<watch::Sender<Asked>>);

impl Default for AbortRequests {
    fn default() -> Self {
        AbortRequests(Arc::new(watch::channel(Asked::default()).0))
    }
}

impl AbortRequests {
    /// A renewal found these requests (process id, who asked) among the processes
    /// this orch holds; the engines driving them stop.
    pub fn seen(&self, asked: Vec<(String, String)>) {
        let asked: BTreeMap<String, String> = asked.into_iter().collect();
        self.0.send_if_modified(|now| {
            if **now == asked {
                return false;
            }
            *now = Arc::new(asked);
            true
        });
    }

    /// What the engines watch.
    pub fn watch(&self) -> AbortWatch {
        AbortWatch {
            rx: Some(self.0.subscribe()),
            within: Vec::new(),
        }
    }
}

/// An engine's view of the requests; [`AbortWatch::none`] where nothing renews
/// leases beside the engine (a command that drives no step).
#[derive(Debug, Clone, Default)]
pub struct AbortWatch {
    rx: Option<watch::Receiver<Asked>>,
    /// The processes whose run drives this engine's (a child driven within its
    /// parent's step): a request on one of them stops this engine's steps too.
    within: Vec<String>,
}

impl AbortWatch {
    pub fn none() -> AbortWatch {
        AbortWatch::default()
    }

    /// The watch of an engine that drives a child process within the run of
    /// `parent`.
    pub fn within(&self, parent: &str) -> AbortWatch {
        let mut w = self.clone();
        w.within.push(parent.to_string());
        w
    }

    /// Who asked to abort `process_id` (or a process whose run drives it), if anyone
    /// did.
    pub fn asked(&self, process_id: &str) -> Option<String> {
        let asked = self.rx.as_ref()?.borrow();
        self.find(&asked, process_id)
    }

    fn find(&self, asked: &BTreeMap<String, String>, process_id: &str) -> Option<String> {
        std::iter::once(process_id)
            .chain(self.within.iter().map(String::as_str))
            .find_map(|id| asked.get(id).cloned())
    }

    /// Resolves with who asked once an abort of `process_id` (or of a process whose
    /// run drives it) is asked for; never when nothing tells this watch.
    pub async fn until_asked(&self, process_id: &str) -> String {
        if let Some(rx) = &self.rx {
            let mut rx = rx.clone();
            if let Ok(asked) = rx.wait_for(|m| self.find(m, process_id).is_some()).await
                && let Some(by) = self.find(&asked, process_id)
            {
                return by;
            }
        }
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_seen_by_a_renewal_reaches_the_engine() {
        let requests = AbortRequests::default();
        let watch = requests.watch();
        assert_eq!(watch.asked("p1"), None);
        let waiting = tokio::spawn({
            let watch = watch.clone();
            async move { watch.until_asked("p1").await }
        });
        requests.seen(vec![("p2".into(), "bob".into())]);
        requests.seen(vec![("p1".into(), "alice".into())]);
        assert_eq!(waiting.await.unwrap(), "alice");
        assert_eq!(watch.asked("p1").as_deref(), Some("alice"));
        assert_eq!(AbortWatch::none().asked("p1"), None);
        // A child driven within p1's run stops with it.
        assert_eq!(watch.within("p1").asked("child").as_deref(), Some("alice"));
        assert_eq!(watch.asked("child"), None);
    }
}
