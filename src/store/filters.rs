//! The conditions of the list queries (`process list`, `subscription list`, `events`)
//! that both stores write alike, so a filter added here filters on both. What SQL
//! dialects spell differently (a list of values, full-text search, kind globs) stays
//! with each store.

use super::events::Filter as EventFilter;
use super::processes::Filter as ProcessFilter;
use super::subscriptions::Filter as SubscriptionFilter;

/// A value a condition compares with.
pub enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// A query builder of either store: ` AND <cond>` with its values.
pub trait Conditions {
    /// Adds ` AND <cond>`, every `?` in it standing for `arg`.
    fn cond(&mut self, cond: &str, arg: Arg);
    /// Adds ` AND <cond>`, the first `?` standing for `a`, the second for `b`.
    fn cond_pair(&mut self, cond: &str, a: String, b: String);
    /// Adds ` AND <column>` equal to one of `values` (two or more), in the store's
    /// own spelling of a list.
    fn cond_in(&mut self, column: &str, values: &[&str]);

    /// Adds ` AND <column>` equal to one of `values`: nothing for none, a plain
    /// equality for one (it keeps to an index on `column` in order, so a LIMIT stops
    /// the scan early instead of sorting every match), the store's list for several.
    fn cond_any(&mut self, column: &str, values: &[&str]) {
        match values {
            [] => {}
            [one] => self.cond(&format!("{column} = ?"), Arg::Text(one.to_string())),
            many => self.cond_in(column, many),
        }
    }
}

/// `process list`'s filters.
pub fn processes(q: &mut impl Conditions, f: &ProcessFilter) {
    let status: Vec<&str> = f.status.iter().map(|s| s.as_str()).collect();
    q.cond_any("status", &status);
    if let Some(w) = &f.workflow {
        q.cond("workflow = ?", Arg::Text(w.clone()));
    }
    if let Some(s) = &f.subscription_id {
        q.cond("subscription_id = ?", Arg::Text(s.clone()));
    }
    if let Some(s) = &f.since {
        q.cond("started_at >= ?", Arg::Text(s.clone()));
    }
    if let Some(b) = &f.before {
        q.cond("process_id < ?", Arg::Text(b.clone()));
    }
    if let Some(a) = &f.after {
        q.cond("process_id > ?", Arg::Text(a.clone()));
    }
    if let Some(t) = f.tasks {
        q.cond("is_task = ?", Arg::Bool(t));
    }
    if let Some(p) = &f.parent_id {
        q.cond("parent_id = ?", Arg::Text(p.clone()));
    }
}

/// `subscription list`'s filters but the search.
pub fn subscriptions(q: &mut impl Conditions, f: &SubscriptionFilter) {
    let status: Vec<&str> = f.status.iter().map(|s| s.as_str()).collect();
    q.cond_any("s.status", &status);
    if let Some(p) = &f.product {
        q.cond("(p.name = ? OR p.tag = ?)", Arg::Text(p.clone()));
    }
    if let Some(c) = &f.customer {
        q.cond("s.customer_id = ?", Arg::Text(c.clone()));
    }
    if let Some(b) = f.insync {
        q.cond("s.insync = ?", Arg::Bool(b));
    }
    for (path, value) in &f.fields {
        q.cond_pair(
            "s.subscription_id IN (SELECT subscription_id FROM subscription_values WHERE path = ? AND value = ?)",
            path.clone(),
            value.clone(),
        );
    }
}

/// `events`' filters but the kinds and the process (each store finds the events of
/// a process its own way).
pub fn events(q: &mut impl Conditions, f: &EventFilter) {
    q.cond("seq > ?", Arg::Int(f.since));
    if let Some(u) = f.until {
        q.cond("seq <= ?", Arg::Int(u));
    }
    if let Some(s) = &f.subscription_id {
        q.cond("subscription_id = ?", Arg::Text(s.clone()));
    }
}
