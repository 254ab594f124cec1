//! Every PostgreSQL failure becomes an orch [`Error`] here, in one function, so the
//! whole PostgreSQL store speaks with one voice: what happened, where (the address,
//! password masked), and a hint naming the fix.
//!
//! The classes a user meets, and what they get:
//! - the server cannot be reached (refused, no socket, unreachable, starting up):
//!   "cannot reach the database at …: is PostgreSQL running?";
//! - a connection attempt that hangs past its timeout;
//! - authentication: a refused password (SQLSTATE 28P01), a refused user (28000), a
//!   password the server wants and orch does not have; the hint says where the
//!   password came from, never what it is;
//! - a missing database (3D000), with the `createdb` line that makes it;
//! - permissions on orch's schema (42501, 3F000);
//! - the connection lost in the middle of a command (server restarted or killed,
//!   network cut: 57P01/57P02, a closed socket): the transaction in flight was rolled
//!   back and `orch process retry ID` finishes the process once the server is back;
//! - conflicts the server resolved by aborting us (deadlock, serialisation, lock
//!   timeout) are `Conflict` (exit 7) like SQLite's busy database; everything else is
//!   `Failure` (exit 1).
//!
//! The driver's error kinds are private; they are told apart by the SQLSTATE, by
//! `is_closed`, by the I/O error underneath, and by the driver's fixed top-level
//! message for a failed connection attempt.

use std::time::Duration;

use tokio_postgres::error::SqlState;

use super::config::{ConnInfo, PasswordSource};
use crate::error::Error;
use crate::store::StoreError;

/// What a user does when the connection broke during a command.
pub const LOST_HINT: &str = "once the database is back, run the command again; a step that was in flight was rolled back (or, if the connection broke as it committed, saved), and `orch process retry ID` finishes its process";

/// The orch error for a PostgreSQL failure.
pub fn classify(info: &ConnInfo, err: &tokio_postgres::Error) -> Error {
    if let Some(db) = err.as_db_error() {
        return from_server(info, db);
    }
    let top = err.to_string();
    let io = io_source(err);
    if top == "invalid configuration" && source_text(err).contains("password missing") {
        return no_password(info);
    }
    if top == "error connecting to server" {
        return unreachable(info, io.map(|e| (e.kind(), e.to_string())));
    }
    if top == "timeout waiting for server" {
        return timed_out(info, info.connect_timeout().unwrap_or_default());
    }
    let broken = io.is_some_and(|e| {
        use std::io::ErrorKind::*;
        matches!(
            e.kind(),
            UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe | NotConnected
        )
    });
    if err.is_closed() || broken {
        return lost(info, &with_sources(err));
    }
    // Something answered, but not in PostgreSQL's protocol: another service on the port.
    let garbled = top == "unexpected message from server"
        || top == "error parsing response from server"
        || (top == "error communicating with the server"
            && io.is_some_and(|e| {
                matches!(
                    e.kind(),
                    std::io::ErrorKind::InvalidData | std::io::ErrorKind::Other
                )
            }));
    if garbled {
        return Error::failure(format!(
            "the server at {info} does not answer as PostgreSQL does"
        ))
        .with_cause(with_sources(err))
        .with_hint(format!(
            "check the port: another service listens there (PostgreSQL's is usually 5432); `pg_isready -h {} -p {}` tells",
            info.host(),
            info.port()
        ));
    }
    Error::failure(format!("database error at {info}: {}", with_sources(err)))
}

/// The store error for a failure in the middle of a command (a connection that was
/// open, or one the pool makes anew): the same classes as [`classify`], as the
/// seam's variants, so the engine can tell a lost database from a broken step. The
/// text names the address (password masked) and what the server or the network said.
pub fn store_error(info: &ConnInfo, err: &tokio_postgres::Error) -> StoreError {
    if let Some(db) = err.as_db_error() {
        let code = db.code();
        let said = db.message().to_string();
        let class = code.code();
        return if *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::LOCK_NOT_AVAILABLE
        {
            StoreError::Busy(said)
        } else if *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || class.starts_with("08")
        {
            StoreError::ConnectionLost(format!("{info}: {said}"))
        } else if *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || class.starts_with("28")
            || *code == SqlState::INVALID_CATALOG_NAME
        {
            // Only a connection the pool makes anew meets these mid-command.
            StoreError::Unreachable(unreachable_text(&classify(info, err)))
        } else if *code == SqlState::DISK_FULL {
            StoreError::DiskFull(format!("{info}: {said}"))
        } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            StoreError::ReadOnly(format!("{info} is read-only: {said}"))
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            let (user, schema) = (info.user(), info.schema());
            StoreError::Denied {
                message: format!(
                    "user `{user}` may not do what this command needs in orch's schema `{schema}` at {info}: {said}"
                ),
                hint: format!(
                    "orch needs to read and write every table of its schema: GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {user}; GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {user} (or run orch as the schema's owner)"
                ),
            }
        } else if class.starts_with("XX") {
            StoreError::Damaged(format!("{info}: {said} (SQLSTATE {class})"))
        } else {
            let detail = db.detail().map(|d| format!(": {d}")).unwrap_or_default();
            StoreError::Other(format!("{said}{detail} (SQLSTATE {class})"))
        };
    }
    let top = err.to_string();
    if top.starts_with("error deserializing column") || top.starts_with("error serializing") {
        return StoreError::Data(with_sources(err));
    }
    let rich = classify(info, err);
    if rich.message.starts_with("lost the connection") {
        StoreError::ConnectionLost(format!("{info}: {}", with_sources(err)))
    } else if rich.message.starts_with("cannot reach")
        || rich.message.starts_with("timed out")
        || rich.message.contains("wants a password")
    {
        StoreError::Unreachable(unreachable_text(&rich))
    } else {
        StoreError::Other(with_sources(err))
    }
}

/// A connection failure already said in orch's words (connecting, listening) as the
/// seam's variant: a connection that broke, or one that could not be made.
pub fn connection_error(e: Error) -> StoreError {
    match e
        .message
        .strip_prefix("lost the connection to the database at ")
    {
        Some(at) => {
            let mut text = at.to_string();
            for c in &e.causes {
                text.push_str(": ");
                text.push_str(c);
            }
            StoreError::ConnectionLost(text)
        }
        None => StoreError::Unreachable(unreachable_text(&e)),
    }
}

/// A connection failure said after "cannot reach the database: ", with its causes.
fn unreachable_text(rich: &Error) -> String {
    let head = rich
        .message
        .strip_prefix("cannot reach the database at ")
        .unwrap_or(&rich.message);
    if rich.causes.is_empty() {
        head.to_string()
    } else {
        format!("{head} ({})", rich.causes.join("; "))
    }
}

/// [`store_error`] for a failure to take a connection from the pool.
pub fn pool_store_error(info: &ConnInfo, err: &deadpool_postgres::PoolError) -> StoreError {
    use deadpool_postgres::{PoolError, TimeoutType};
    match err {
        PoolError::Backend(e) => store_error(info, e),
        PoolError::Timeout(TimeoutType::Wait) => StoreError::Busy(format!(
            "every connection to the database at {info} stayed busy too long"
        )),
        PoolError::Timeout(TimeoutType::Recycle) => {
            StoreError::ConnectionLost(format!("{info}: checking a pooled connection timed out"))
        }
        other => StoreError::Unreachable(unreachable_text(&pool_error(info, other))),
    }
}

/// The orch error for a failure to take a connection from the pool.
pub fn pool_error(info: &ConnInfo, err: &deadpool_postgres::PoolError) -> Error {
    use deadpool_postgres::{PoolError, TimeoutType};
    match err {
        PoolError::Backend(e) => classify(info, e),
        PoolError::Timeout(TimeoutType::Create) => {
            timed_out(info, info.connect_timeout().unwrap_or_default())
        }
        PoolError::Timeout(TimeoutType::Wait) => Error::new(
            crate::error::Kind::Busy,
            format!("every connection to the database at {info} stayed busy too long"),
        )
        .with_hint("orch's connection pool is exhausted; try again, or run fewer commands at once"),
        PoolError::Timeout(TimeoutType::Recycle) => {
            lost(info, "checking a pooled connection timed out")
        }
        other => Error::internal(format!("the connection pool failed: {other}")),
    }
}

/// A connection attempt that took longer than `after`.
pub fn timed_out(info: &ConnInfo, after: Duration) -> Error {
    Error::failure(format!(
        "timed out after {}s connecting to the database at {info}",
        after.as_secs()
    ))
    .with_hint(
        "check the host, the port and the network between; connect_timeout=SECONDS in the address waits longer",
    )
}

fn from_server(info: &ConnInfo, db: &tokio_postgres::error::DbError) -> Error {
    let code = db.code();
    let said = db.message().to_string();
    let server_hint = db.hint().map(str::to_string);
    let user = info.user();
    let mut e = if *code == SqlState::INVALID_PASSWORD {
        password_refused(info, &said)
    } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        let mut e = Error::failure(format!("the database at {info} refused user `{user}`"))
            .with_cause(&said)
            .with_hint(
                "check the user name, and that the server's pg_hba.conf lets this user in from here",
            );
        if let Some(note) = info.pgpass_note() {
            e = e.with_hint(note);
        }
        e
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        // Exit 6, as a missing SQLite file and a missing orch schema are.
        Error::not_found(format!(
            "the database `{}` does not exist at {info}",
            info.dbname()
        ))
        .with_hint(format!("create it: {}", createdb_line(info)))
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE || *code == SqlState::INVALID_SCHEMA_NAME {
        let schema = info.schema();
        let e = Error::failure(format!(
            "user `{user}` may not use orch's schema `{schema}` in the database at {info}"
        ))
        .with_cause(&said);
        // The schema is there, another role's, when the server refuses it by name or
        // leaves it out of the search path (orch creates a schema only where there is
        // none: migrate.rs); else the database refused creating it.
        if *code == SqlState::INVALID_SCHEMA_NAME || said.contains("for schema") {
            e.with_hint(format!(
                "the schema is there: let the user use it (GRANT USAGE, CREATE ON SCHEMA {schema} TO {user}; GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {user}; GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {user}), or run orch as its owner; orch.toml's `pg_schema` picks another schema"
            ))
        } else {
            e.with_hint(format!(
                "let the user create it (GRANT CREATE ON DATABASE {} TO {user}), or create it for them (CREATE SCHEMA {schema} AUTHORIZATION {user}); orch.toml's `pg_schema` picks another schema",
                info.dbname()
            ))
        }
    } else if *code == SqlState::TOO_MANY_CONNECTIONS {
        Error::failure(format!(
            "the database at {info} has no free connection slot"
        ))
        .with_cause(&said)
        .with_hint("raise max_connections on the server, or run fewer orch at once")
    } else if *code == SqlState::CANNOT_CONNECT_NOW {
        Error::failure(format!(
            "cannot reach the database at {info}: it is starting up or shutting down"
        ))
        .with_cause(&said)
        .with_hint("try again in a moment")
    } else if *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || code.code().starts_with("08")
    {
        lost(info, &said)
    } else if *code == SqlState::DISK_FULL || *code == SqlState::OUT_OF_MEMORY {
        Error::failure(format!("the database server at {info} is out of space"))
            .with_cause(&said)
            .with_hint(
                "free some space on the server; the last step was rolled back and can be retried",
            )
    } else if *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::LOCK_NOT_AVAILABLE
    {
        Error::conflict(format!("the database is busy: {said}"))
            .with_hint("another orch held what this command needed; try again")
    } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        Error::failure(format!("the database at {info} is read-only"))
            .with_cause(&said)
            .with_hint("point orch at the primary server, not a standby")
    } else if *code == SqlState::QUERY_CANCELED {
        Error::failure(format!("the database cancelled a statement: {said}")).with_hint(
            "a statement_timeout or an administrator stopped it; the transaction was rolled back",
        )
    } else {
        let mut e = Error::failure(format!("database error: {said}"));
        if let Some(detail) = db.detail() {
            e = e.with_cause(detail);
        }
        e.with_cause(format!("SQLSTATE {}", code.code()))
    };
    if let Some(h) = server_hint {
        e = e.with_hint(format!("the server says: {h}"));
    }
    e
}

fn password_refused(info: &ConnInfo, said: &str) -> Error {
    let user = info.user();
    let from = match info.password_source() {
        PasswordSource::None => {
            "orch sent no password: put it in ~/.pgpass (mode 600) as HOST:PORT:DATABASE:USER:PASSWORD, or in PGPASSWORD".to_string()
        }
        PasswordSource::Given => "the password came from the address; check it".to_string(),
        PasswordSource::Environment => "the password came from PGPASSWORD; check it".to_string(),
        PasswordSource::File { path, line } => format!(
            "the password came from line {line} of {}; check it",
            path.display()
        ),
    };
    let mut e = Error::failure(format!(
        "the database at {info} refused the password of user `{user}`"
    ))
    .with_cause(said)
    .with_hint(from);
    if let Some(note) = info.pgpass_note() {
        e = e.with_hint(note);
    }
    e
}

fn no_password(info: &ConnInfo) -> Error {
    let mut e = Error::failure(format!(
        "the database at {info} wants a password for user `{}`, and orch has none",
        info.user()
    ))
    .with_hint(
        "put it in ~/.pgpass (mode 600) as HOST:PORT:DATABASE:USER:PASSWORD, or in PGPASSWORD",
    );
    if let Some(note) = info.pgpass_note() {
        e = e.with_hint(note);
    }
    e
}

fn unreachable(info: &ConnInfo, io: Option<(std::io::ErrorKind, String)>) -> Error {
    use std::io::ErrorKind;
    let mut e = Error::failure(format!(
        "cannot reach the database at {info}: is PostgreSQL running?"
    ));
    let socket = info
        .socket_dir()
        .map(|d| d.join(format!(".s.PGSQL.{}", info.port())));
    match (&io, &socket) {
        (Some((ErrorKind::TimedOut, _)), _) => {
            return timed_out(info, info.connect_timeout().unwrap_or_default());
        }
        (Some((ErrorKind::NotFound, _)), Some(s)) => {
            e = e.with_cause(format!("there is no server socket at {}", s.display()));
        }
        (Some((ErrorKind::PermissionDenied, _)), Some(s)) => {
            return Error::failure(format!(
                "orch may not open the database's socket {}",
                s.display()
            ))
            .with_hint("check the permissions of the socket and its folder");
        }
        (Some((_, text)), _) => e = e.with_cause(text),
        (None, _) => {}
    }
    match socket {
        Some(_) => e.with_hint(
            "start PostgreSQL, or point the address's host= at the folder holding its socket (the server's unix_socket_directories)",
        ),
        None => e.with_hint(format!(
            "start PostgreSQL, or check the host and port (pg_isready -h {} -p {}) and any firewall between",
            info.host(),
            info.port()
        )),
    }
}

fn lost(info: &ConnInfo, what: &str) -> Error {
    Error::failure(format!("lost the connection to the database at {info}"))
        .with_cause(what)
        .with_hint(LOST_HINT)
}

fn createdb_line(info: &ConnInfo) -> String {
    format!(
        "createdb -h {} -p {} -U {} {}",
        info.host(),
        info.port(),
        info.user(),
        info.dbname()
    )
}

fn io_source(err: &tokio_postgres::Error) -> Option<&std::io::Error> {
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = s.source();
    }
    None
}

fn source_text(err: &tokio_postgres::Error) -> String {
    let mut out = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        out.push_str(&s.to_string());
        out.push('\n');
        source = s.source();
    }
    out
}

fn with_sources(err: &tokio_postgres::Error) -> String {
    let rest = source_text(err);
    let rest = rest.trim_end().replace('\n', ": ");
    if rest.is_empty() {
        err.to_string()
    } else {
        format!("{err}: {rest}")
    }
}
