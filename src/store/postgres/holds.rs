//! Which reader reads a named consumer now, on PostgreSQL: a session advisory lock
//! per name, on a connection of the reader's own kept for as long as it reads.
//!
//! Why a session lock: the server lets go of it the moment the session ends, and a
//! session ends when its client does, however it ends (a kill -9 closes the socket),
//! so a restarted consumer never waits out a lease. The lock is on a dedicated
//! connection rather than a pooled one, which serves one transaction and then
//! another caller. Its key is two 32-bit numbers from the SHA-256 hash of the schema
//! and the name (the two-key form, apart from the one-key locks orch takes for its
//! tables), so consumers of two orch schemas in one database never meet.
//!
//! A reader that rides out an outage has lost its session, and the lock with it: it
//! takes the lock again when the database answers ([`Hold::keep`]), unless another
//! reader took the name meanwhile. A session the server still keeps for a client that
//! went away (a network cut it has not noticed) is this reader's own old one when its
//! backend pid is the one the hold had: that one is ended, and the lock taken again.

use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use super::config::ConnInfo;
use super::connect::connect;
use super::error::classify;
use crate::error::Error;
use crate::store::events::{HOLD_GRACE, HOLD_RETRY, Kept};

/// A held consumer name: the session that holds its lock.
pub struct Hold {
    client: Client,
    key: (i32, i32),
    /// The backend of the session holding the lock.
    backend: i32,
    info: ConnInfo,
}

/// The lock's key for `name` in `schema`.
fn key(schema: &str, name: &str) -> (i32, i32) {
    let digest = Sha256::digest(format!("orch consumer\0{schema}\0{name}").as_bytes());
    let word = |at: usize| {
        i32::from_be_bytes([digest[at], digest[at + 1], digest[at + 2], digest[at + 3]])
    };
    (word(0), word(4))
}

/// The key as `pg_locks` shows it (`classid`, `objid`: the keys' bits, unsigned).
fn shown(key: (i32, i32)) -> (i64, i64) {
    (i64::from(key.0 as u32), i64::from(key.1 as u32))
}

/// The advisory locks of the two-key form granted in this database, as `pg_locks`
/// shows them, with who holds each.
const GRANTED: &str = "SELECT l.classid::bigint, l.objid::bigint, l.pid, host(a.client_addr), a.application_name, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())";

/// Takes `name` for this reader; Err(who) when another holds it for longer than
/// [`HOLD_GRACE`].
pub async fn take(info: &ConnInfo, name: &str) -> Result<Result<Hold, String>, Error> {
    let client = connect(info).await?;
    let key = key(info.schema(), name);
    let deadline = tokio::time::Instant::now() + HOLD_GRACE;
    loop {
        if let Some(backend) = try_lock(&client, info, key).await? {
            return Ok(Ok(Hold {
                client,
                key,
                backend,
                info: info.clone(),
            }));
        }
        if tokio::time::Instant::now() >= deadline {
            let who = holder(&client, info, key).await?;
            return Ok(Err(who.map_or_else(|| "another session".into(), |(_, w)| w)));
        }
        tokio::time::sleep(HOLD_RETRY).await;
    }
}

/// Of `names`, whether a reader holds each now.
pub async fn held(client: &Client, info: &ConnInfo, names: &[String]) -> Result<Vec<bool>, Error> {
    let granted: Vec<(i64, i64)> = client
        .query(GRANTED, &[])
        .await
        .map_err(|e| classify(info, &e))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok(names
        .iter()
        .map(|n| granted.contains(&shown(key(info.schema(), n))))
        .collect())
}

/// Tries the lock; the session's backend pid when it is taken.
async fn try_lock(client: &Client, info: &ConnInfo, key: (i32, i32)) -> Result<Option<i32>, Error> {
    let row = client
        .query_one(
            "SELECT pg_try_advisory_lock($1, $2), pg_backend_pid()",
            &[&key.0, &key.1],
        )
        .await
        .map_err(|e| classify(info, &e))?;
    Ok(row.get::<_, bool>(0).then(|| row.get(1)))
}

/// The backend that holds the lock `key` and a description of it, if any does.
async fn holder(
    client: &Client,
    info: &ConnInfo,
    key: (i32, i32),
) -> Result<Option<(i32, String)>, Error> {
    let want = shown(key);
    let rows = client
        .query(GRANTED, &[])
        .await
        .map_err(|e| classify(info, &e))?;
    Ok(rows
        .iter()
        .find(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)) == want)
        .map(|r| {
            let pid: i32 = r.get(2);
            let mut who = format!("PostgreSQL backend pid {pid}");
            let address: Option<String> = r.get(3);
            let app: Option<String> = r.get(4);
            let since: Option<String> = r.get(5);
            who.push_str(&format!(
                ", client {}",
                address
                    .as_deref()
                    .unwrap_or("on a local socket, or not visible to this role")
            ));
            if let Some(app) = app.filter(|a| !a.is_empty()) {
                who.push_str(&format!(", application {app}"));
            }
            if let Some(since) = since {
                who.push_str(&format!(", connected at {since}"));
            }
            (pid, who)
        }))
}

impl Hold {
    /// Makes sure the hold still stands after the connection may have been lost
    /// (`checked`: look on the server, not only at the client): takes the lock again
    /// on a new session when the old one ended. Errors are the database's (out of
    /// reach: try again later).
    pub async fn keep(&mut self, checked: bool) -> Result<Kept, Error> {
        let alive = !self.client.is_closed()
            && (!checked || self.client.simple_query("SELECT 1").await.is_ok());
        if alive {
            return Ok(Kept::Held);
        }
        let client = connect(&self.info).await?;
        for _ in 0..20 {
            if let Some(backend) = try_lock(&client, &self.info, self.key).await? {
                self.client = client;
                self.backend = backend;
                return Ok(Kept::Held);
            }
            match holder(&client, &self.info, self.key).await? {
                // This reader's own old session, which the server has not seen end.
                Some((pid, _)) if pid == self.backend => {
                    let _ = client
                        .execute("SELECT pg_terminate_backend($1)", &[&pid])
                        .await;
                }
                Some((_, who)) => return Ok(Kept::Lost(who)),
                None => {}
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(Error::new(
            crate::error::Kind::Unavailable,
            format!(
                "cannot reach the database: the server still keeps the old session (backend pid {}) of this reader",
                self.backend
            ),
        ))
    }
}
