//! Events (DESIGN §8) and the named consumers reading them.

use serde::Serialize;
use serde_json::Value;

use std::time::Duration;

use super::StoreError;
use super::{postgres, sqlite};

/// One recorded change (DESIGN §8).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    pub data: Value,
}

/// What a new event concerns.
#[derive(Debug, Default, Clone, Copy)]
pub struct Concerns<'a> {
    pub process_id: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub product_id: Option<&'a str>,
}

/// Filters of `orch events`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub since: i64,
    /// Only events up to this seq (the end of a snapshot being drained).
    pub until: Option<i64>,
    /// SQL GLOB patterns (`process.*`).
    pub kinds: Vec<String>,
    pub process_id: Option<String>,
    pub subscription_id: Option<String>,
    pub limit: Option<i64>,
}

/// A named consumer and how far it has read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Consumer {
    pub name: String,
    /// The seq of the last event it handled.
    pub position: i64,
    pub updated_at: String,
}

/// A page of matching events, read in `seq` order from one snapshot.
#[derive(Debug, Default)]
pub struct Page {
    pub events: Vec<Event>,
    /// The seq up to which the log was looked at: a reader goes on after it, also
    /// when the filter left every event out.
    pub scanned_to: i64,
    /// Whether more may follow in the same snapshot (the page stopped at its limit, or
    /// before an event that cannot be read): read again from `scanned_to` at once.
    pub more: bool,
}

impl Page {
    /// The page of `read`, the events matching `f` up to `last` (the snapshot's newest
    /// seq) and the error of the first one whose data could not be read. The events
    /// before that one are handed out first; a reader meets the error when it asks
    /// for that event itself, so a stream prints everything up to it.
    pub fn of(
        f: &Filter,
        last: i64,
        (events, bad): (Vec<Event>, Option<StoreError>),
    ) -> Result<Page, StoreError> {
        if let Some(e) = bad {
            let Some(before) = events.last() else {
                return Err(e);
            };
            return Ok(Page {
                scanned_to: before.seq,
                more: true,
                events,
            });
        }
        let at_limit = f.limit.is_some_and(|l| events.len() as i64 >= l);
        let scanned_to = match events.last() {
            Some(e) if at_limit => e.seq,
            _ => last.max(f.since),
        };
        Ok(Page {
            events,
            scanned_to,
            more: at_limit,
        })
    }
}

/// Reads the stored data of events in `seq` order: the events up to the first whose
/// data is not JSON, and the error naming that one.
pub fn with_data(rows: Vec<(Event, String)>) -> (Vec<Event>, Option<StoreError>) {
    let mut events = Vec::with_capacity(rows.len());
    for (mut e, text) in rows {
        match serde_json::from_str(&text) {
            Ok(data) => e.data = data,
            Err(why) => {
                let bad = StoreError::Data(format!(
                    "the data of event {} ({}) is not JSON: {why}",
                    e.seq, e.kind
                ));
                return (events, Some(bad));
            }
        }
        events.push(e);
    }
    (events, None)
}

/// All of `read`, or the error of its first event that cannot be read.
pub fn all(read: (Vec<Event>, Option<StoreError>)) -> Result<Vec<Event>, StoreError> {
    match read {
        (_, Some(e)) => Err(e),
        (events, None) => Ok(events),
    }
}

/// How long taking a consumer another reader holds keeps trying: a reader that was
/// just killed lets go within milliseconds (when the kernel closes its files, or the
/// server sees its socket close), and the consumer restarted after it must not fail.
pub const HOLD_GRACE: Duration = Duration::from_millis(500);
/// How often it tries meanwhile.
pub const HOLD_RETRY: Duration = Duration::from_millis(25);

/// A named consumer held by one reader (see `Store::hold_consumer`), until dropped.
pub enum ConsumerHold {
    Sqlite(sqlite::holds::Hold),
    Postgres(Box<postgres::holds::Hold>),
}

/// What keeping a hold found.
pub enum Kept {
    Held,
    /// Another reader took the name while this one had lost its hold; who.
    Lost(String),
}

impl ConsumerHold {
    /// Makes sure the hold still stands, taking it again when its connection was lost
    /// (`checked`: ask the database, as after an outage). SQLite's cannot be lost.
    pub async fn keep(&mut self, checked: bool) -> Result<Kept, crate::error::Error> {
        match self {
            ConsumerHold::Sqlite(_) => Ok(Kept::Held),
            ConsumerHold::Postgres(h) => h.keep(checked).await,
        }
    }
}
