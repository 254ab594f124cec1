//! Connections to PostgreSQL: one at a time, bounded by a timeout, and the pool the
//! store draws them from.
//!
//! The pool is deadpool-postgres rather than one of our own. orch will run many
//! processes at once against one server (workers running hundreds of them), each
//! needing a connection only for the span of a transaction; what that takes is what
//! deadpool already does and is easy to get subtly wrong: a hard bound on connections
//! (the server's max_connections is shared with everyone), fair waiting with a
//! timeout when all are busy, connections that a restarted server closed thrown away
//! on checkout instead of handed out, a checkout that is safe to cancel, and a cache of
//! prepared statements per connection (the counterpart of rusqlite's
//! `prepare_cached`). It is small, async, built on tokio-postgres and the same
//! runtime, and brings no second driver.
//!
//! Every connection is made with the settings of [`ConnInfo`] (search_path = orch's
//! schema, application_name, connect_timeout) and driven by a task on the current
//! tokio runtime, so the runtime must be running while it is used.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{Client, Connection, NoTls, Socket};

use super::config::ConnInfo;
use super::error::{classify, pool_error, timed_out};
use crate::error::Error;

/// How long a command waits for a free pooled connection before giving up.
pub const POOL_WAIT: Duration = Duration::from_secs(60);

/// A pooled connection; derefs to [`tokio_postgres::Client`] and adds
/// `prepare_cached` and `transaction`.
pub type PooledClient = deadpool_postgres::Object;

/// Connects once, within the address's connect timeout, returning the client and the
/// connection the caller must drive (see [`connect`] for the common case).
pub async fn connect_raw(
    info: &ConnInfo,
) -> Result<(Client, Connection<Socket, NoTlsStream>), Error> {
    let attempt = info.driver().connect(NoTls);
    let result = match info.connect_timeout() {
        Some(limit) => match tokio::time::timeout(limit, attempt).await {
            Ok(r) => r,
            Err(_) => return Err(timed_out(info, limit)),
        },
        None => attempt.await,
    };
    result.map_err(|e| classify(info, &e))
}

/// Connects once and drives the connection on a task of the current runtime; the
/// task ends when the client is dropped or the server goes away.
pub async fn connect(info: &ConnInfo) -> Result<Client, Error> {
    let (client, connection) = connect_raw(info).await?;
    tokio::spawn(async move {
        // A broken connection shows up on the client's next call, classified there.
        let _ = connection.await;
    });
    Ok(client)
}

/// A pool of at most `max_size` connections (at least one).
pub fn pool(info: &ConnInfo, max_size: usize) -> Result<Pool, Error> {
    let manager = Manager::from_config(
        info.driver().clone(),
        NoTls,
        ManagerConfig {
            // Checks `is_closed` on checkout: free, and enough to drop the connections
            // a restarted server closed. A connection that breaks unnoticed fails its
            // next statement, which the store reports as a lost connection.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size.max(1))
        .runtime(Runtime::Tokio1)
        .create_timeout(info.connect_timeout())
        .wait_timeout(Some(POOL_WAIT))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|e| Error::internal(format!("cannot build the connection pool: {e}")))
}

/// A connection from `pool`, failures classified.
pub async fn pooled(pool: &Pool, info: &ConnInfo) -> Result<PooledClient, Error> {
    pool.get().await.map_err(|e| pool_error(info, &e))
}
