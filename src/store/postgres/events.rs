//! The event outbox on PostgreSQL: events appended with the change they describe (in
//! its transaction, inserted at its end, see `tx`), the named consumers, and `--kind`
//! globs.
//!
//! Why `seq > last seen` never skips an event here: `seq` values are drawn only under
//! the event-log lock, which each writer holds until it has committed (the note of
//! `store::postgres`), so `seq` order is commit order. A reader's snapshot that holds
//! seq N holds every committed event below it.

use serde_json::Value;
use tokio_postgres::Row;

use super::query::Query;
use super::tx::{NewEvent, R, Tx};
use crate::store::StoreError;
use crate::store::events::{self, Concerns, Consumer, Event, Filter};

/// Appends an event to the transaction (inserted when it commits).
pub fn append(tx: &mut Tx<'_>, kind: &str, about: Concerns<'_>, data: &Value) {
    tx.event(NewEvent {
        kind: kind.to_string(),
        process_id: about.process_id.map(str::to_string),
        subscription_id: about.subscription_id.map(str::to_string),
        product_id: about.product_id.map(str::to_string),
        data: data.to_string(),
        step: None,
    });
}

/// A `--kind` glob as a regular expression (PostgreSQL's `~`) that matches what
/// SQLite's `GLOB` matches: `*` any run, `?` one character, `[…]` one character of a
/// set (`a-z` ranges, `[^…]` negated, a `]` first is a member), everything else
/// itself, case sensitive. None: the glob matches nothing (SQLite's unclosed `[`).
pub fn glob_to_regex(glob: &str) -> Option<String> {
    let mut out = String::from("^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let (set, next) = glob_set(&chars, i + 1)?;
                out.push_str(&set?);
                i = next;
                continue;
            }
            c => push_literal(&mut out, c),
        }
        i += 1;
    }
    out.push('$');
    Some(out)
}

/// The set starting after a `[` at `from`, read as SQLite reads it: the regex class
/// (None when no character is in it) and where the glob goes on; None when it never
/// closes.
fn glob_set(chars: &[char], from: usize) -> Option<(Option<String>, usize)> {
    let mut i = from;
    let invert = chars.get(i) == Some(&'^');
    if invert {
        i += 1;
    }
    let mut members: Vec<(char, char)> = Vec::new();
    if chars.get(i) == Some(&']') {
        members.push((']', ']'));
        i += 1;
    }
    let mut prior: Option<char> = None;
    loop {
        let c = *chars.get(i)?;
        if c == ']' {
            break;
        }
        let next = chars.get(i + 1).copied();
        match (c, prior) {
            ('-', Some(lo)) if next.is_some_and(|n| n != ']') => {
                // The low end stays a member on its own, as in SQLite.
                let hi = next?;
                if lo <= hi {
                    members.push((lo, hi));
                }
                prior = None;
                i += 2;
                continue;
            }
            _ => {
                members.push((c, c));
                prior = Some(c);
            }
        }
        i += 1;
    }
    let mut class = String::new();
    for (lo, hi) in &members {
        push_literal(&mut class, *lo);
        if lo != hi {
            class.push('-');
            push_literal(&mut class, *hi);
        }
    }
    let regex = match (invert, class.is_empty()) {
        (false, true) => None,
        (true, true) => Some(".".to_string()),
        (false, false) => Some(format!("[{class}]")),
        (true, false) => Some(format!("[^{class}]")),
    };
    Some((regex, i + 1))
}

/// A character that stands for itself, escaped when a regular expression would read
/// it otherwise (in and outside a class alike).
fn push_literal(out: &mut String, c: char) {
    if !(c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()) {
        out.push('\\');
    }
    out.push(c);
}

fn event_from_row(r: &Row) -> R<(Event, String)> {
    Ok((
        Event {
            seq: r.try_get(0)?,
            at: r.try_get(1)?,
            kind: r.try_get(2)?,
            process_id: r.try_get(3)?,
            subscription_id: r.try_get(4)?,
            product_id: r.try_get(5)?,
            data: Value::Null,
        },
        r.try_get(6)?,
    ))
}

pub async fn list(tx: &Tx<'_>, f: &Filter) -> R<Vec<Event>> {
    Ok(events::all(read(tx, f).await?)?)
}

/// The events matching `f` up to the first whose data cannot be read, and its error.
pub async fn read(tx: &Tx<'_>, f: &Filter) -> R<(Vec<Event>, Option<StoreError>)> {
    let mut q = Query::new(
        "SELECT seq, at, kind, process_id, subscription_id, product_id, data FROM events WHERE true",
    );
    crate::store::filters::events(&mut q, f);
    if let Some(p) = &f.process_id {
        q.and("process_id = ?", p.clone());
    }
    if !f.kinds.is_empty() {
        let patterns: Vec<String> = f.kinds.iter().filter_map(|k| glob_to_regex(k)).collect();
        q.and("kind ~ ANY (?::text[])", patterns);
    }
    q.push("ORDER BY seq");
    if let Some(l) = f.limit {
        q.then("LIMIT ?", l);
    }
    let rows = q
        .rows(tx)
        .await?
        .iter()
        .map(event_from_row)
        .collect::<R<Vec<_>>>()?;
    Ok(events::with_data(rows))
}

pub async fn last_seq(tx: &Tx<'_>) -> R<i64> {
    Ok(tx
        .one("SELECT COALESCE(MAX(seq), 0)::bigint FROM events", &[])
        .await?
        .try_get(0)?)
}

fn consumer_from_row(r: &Row) -> R<Consumer> {
    Ok(Consumer {
        name: r.try_get(0)?,
        position: r.try_get(1)?,
        updated_at: r.try_get(2)?,
    })
}

/// A consumer; `lock` holds its row until the transaction ends.
pub async fn consumer(tx: &Tx<'_>, name: &str, lock: bool) -> R<Option<Consumer>> {
    let sql = if lock {
        "SELECT name, position, updated_at FROM event_consumers WHERE name = $1 FOR UPDATE"
    } else {
        "SELECT name, position, updated_at FROM event_consumers WHERE name = $1"
    };
    tx.opt(sql, &[&name])
        .await?
        .map(|r| consumer_from_row(&r))
        .transpose()
}

pub async fn consumers(tx: &Tx<'_>) -> R<Vec<Consumer>> {
    tx.rows(
        "SELECT name, position, updated_at FROM event_consumers ORDER BY name",
        &[],
    )
    .await?
    .iter()
    .map(consumer_from_row)
    .collect()
}

/// Creates the consumer at `position`, or moves an existing one there.
pub async fn set_consumer(tx: &Tx<'_>, name: &str, position: i64) -> R<()> {
    tx.exec(
        "INSERT INTO event_consumers (name, position, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
        &[&name, &position, &crate::clock::now_text()],
    )
    .await?;
    Ok(())
}

/// Moves a consumer from `from` to `to`; false when it was not at `from` any more.
pub async fn advance_consumer(tx: &Tx<'_>, name: &str, from: i64, to: i64) -> R<bool> {
    let changed = tx
        .exec(
            "UPDATE event_consumers SET position = $3, updated_at = $4 WHERE name = $1 AND position = $2",
            &[&name, &from, &to, &crate::clock::now_text()],
        )
        .await?;
    Ok(changed == 1)
}

pub async fn delete_consumer(tx: &Tx<'_>, name: &str) -> R<bool> {
    let n = tx
        .exec("DELETE FROM event_consumers WHERE name = $1", &[&name])
        .await?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::glob_to_regex;

    const KINDS: [&str; 12] = [
        "process.started",
        "process.failed",
        "step.finished",
        "subscription.status_changed",
        "product.created",
        "Process.Started",
        "a.b",
        "a+b",
        "x[1]",
        "a^b",
        "a\\b",
        "",
    ];

    const GLOBS: [&str; 24] = [
        "process.*",
        "*.*ed",
        "*",
        "step.finished",
        "process.?ailed",
        "p[rs]ocess.*",
        "[a-p]*",
        "[^p]*",
        "[!p]*",
        "a[+.]b",
        "x[[]1]",
        "x[1]",
        "a[^]b",
        "a[]]b",
        "a[",
        "a\\b",
        "a.b",
        "a+b",
        "*finished",
        "",
        "?",
        "[]-]*",
        "product.[c]reated",
        "[z-a]*",
    ];

    /// SQLite's verdicts: does `kind` GLOB `glob`?
    fn sqlite_globs() -> Vec<(&'static str, &'static str, bool)> {
        let lite = rusqlite::Connection::open_in_memory().unwrap();
        let mut out = Vec::new();
        for g in GLOBS {
            for k in KINDS {
                let hit: bool = lite
                    .query_row("SELECT ?1 GLOB ?2", [k, g], |r| r.get(0))
                    .unwrap();
                out.push((g, k, hit));
            }
        }
        out
    }

    /// The translation read as a regular expression agrees with SQLite's GLOB.
    #[test]
    fn globs_match_as_sqlite_glob_does() {
        for (g, k, want) in sqlite_globs() {
            let got = glob_to_regex(g).is_some_and(|r| {
                regex::Regex::new(&r)
                    .unwrap_or_else(|e| panic!("{g}: {e}"))
                    .is_match(k)
            });
            assert_eq!(got, want, "glob {g:?} on {k:?}");
        }
    }

    /// And PostgreSQL's `~`, which runs it, agrees too.
    #[tokio::test]
    async fn postgres_matches_globs_as_sqlite_does() {
        let Some(db) = super::super::testing::database() else {
            return;
        };
        let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        for (g, k, want) in sqlite_globs() {
            let got = match glob_to_regex(g) {
                None => false,
                Some(r) => client
                    .query_one("SELECT $1::text ~ $2::text", &[&k, &r])
                    .await
                    .unwrap_or_else(|e| panic!("{g} as {r}: {e}"))
                    .get(0),
            };
            assert_eq!(got, want, "glob {g:?} on {k:?}");
        }
    }
}
