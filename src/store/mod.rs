//! The SQLite store: opening, pragmas, migrations, and one module per table group.
//!
//! Everything that touches SQL lives below this module, as free functions over a
//! `&Connection` so callers can compose several of them in one transaction. The store
//! stays synchronous (rusqlite blocks); the engine never holds a connection across an
//! `.await`.

pub mod admin;
pub mod events;
pub mod processes;
pub mod products;
pub mod query;
pub mod schedules;
pub mod subscriptions;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Kind};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How hard SQLite syncs to disk (`ORCH_SYNC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    Full,
    Normal,
}

impl Sync {
    pub fn from_env() -> Result<Sync, Error> {
        match std::env::var("ORCH_SYNC") {
            Err(_) => Ok(Sync::Full),
            Ok(v) => match v.to_ascii_lowercase().as_str() {
                "" | "full" => Ok(Sync::Full),
                "normal" => Ok(Sync::Normal),
                other => Err(Error::usage(format!(
                    "ORCH_SYNC is `{other}`, expected `full` or `normal`"
                ))),
            },
        }
    }
}

/// An open, migrated database.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
}

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Sqlite(e) => sqlite_error(e),
            StoreError::Json(e) => Error::internal(format!("stored JSON is invalid: {e}")),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        sqlite_error(e)
    }
}

fn sqlite_error(e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::conflict(format!("the database is busy: {e}"))
                    .with_hint("another orch holds a write lock for too long; try again");
            }
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                return Error::failure(format!("the database is damaged: {e}"))
                    .with_hint("`orch db check` says what is wrong; orch did not change the file")
                    .with_hint(
                        "restore the latest copy made with `orch db backup FILE`, or point --db at another file",
                    );
            }
            ErrorCode::DiskFull => {
                return Error::failure(format!("the disk is full: {e}")).with_hint(
                    "free some space; the last step was rolled back and can be retried",
                );
            }
            ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                return Error::failure(format!("cannot write the database: {e}"))
                    .with_hint("check the permissions of the database file and its folder");
            }
            _ => {}
        }
    }
    Error::failure(format!("database error: {e}"))
}

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The schema version recorded in the database, 0 when it was never migrated.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if !has_history {
        return Ok(0);
    }
    let v: Option<i64> = conn
        .query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(v.unwrap_or(0))
}

/// Opens (creating when missing, mode 0600) and migrates the database at `path`.
///
/// A database written by a newer orch is refused before anything is written to it.
pub fn open(path: &Path, sync: Sync) -> Result<Store, Error> {
    open_announcing(path, sync, |_, _| {})
}

/// [`open`], calling `announce(from, to)` before it upgrades an existing database (a
/// large one can take a while), not when it creates one.
pub fn open_announcing(
    path: &Path,
    sync: Sync,
    announce: impl FnOnce(i64, i64),
) -> Result<Store, Error> {
    let conn = open_unmigrated(path, sync)?;
    let from = schema_version(&conn)?;
    if from > 0 && from < latest_version() {
        announce(from, latest_version());
    }
    let mut store = Store {
        conn,
        path: path.to_path_buf(),
    };
    store.migrate()?;
    Ok(store)
}

/// Opens the database, checks it is one orch can use and sets the pragmas, without
/// applying migrations.
pub fn open_unmigrated(path: &Path, sync: Sync) -> Result<Connection, Error> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.exists() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Error::failure(format!(
                    "cannot create the folder {} for the database: {e}",
                    parent.display()
                ))
                .with_hint("check the permissions of the folder above it, or pass --db")
            })?;
        }
    }
    if !path.exists() {
        create_private(path)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| Error::from(e).with_cause(format!("while opening {}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(10))?;

    // Read before writing anything: a newer or foreign file must stay byte for byte.
    let version = schema_version(&conn)
        .map_err(|e| Error::from(e).with_cause(format!("while reading {}", path.display())))?;
    let latest = latest_version();
    if version > latest {
        return Err(Error::failure(format!(
            "the database {} has schema version {version}, newer than this orch knows ({latest})",
            path.display()
        ))
        .with_hint(
            "upgrade orch to the version that wrote this database; orch left the file untouched",
        ));
    }

    let at =
        |e: rusqlite::Error| Error::from(e).with_cause(format!("while opening {}", path.display()));
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(at)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::failure(format!(
            "cannot switch {} to WAL mode (it stays in `{mode}` mode)",
            path.display()
        ))
        .with_hint("put the database on a local file system that supports shared memory"));
    }
    conn.execute_batch(match sync {
        Sync::Full => "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
        Sync::Normal => "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
    })
    .map_err(at)?;
    Ok(conn)
}

#[cfg(unix)]
pub(crate) fn create_private(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Ok(())
            } else {
                Err(Error::failure(format!(
                    "cannot create the database {}: {e}",
                    path.display()
                ))
                .with_hint("check that the folder exists and is writable, or pass --db"))
            }
        })
}

#[cfg(not(unix))]
pub(crate) fn create_private(path: &Path) -> Result<(), Error> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .open(path)
        .map(|_| ())
        .map_err(|e| {
            Error::failure(format!(
                "cannot create the database {}: {e}",
                path.display()
            ))
        })
}

impl Store {
    /// Applies the embedded migrations that are not applied yet; returns how many ran.
    pub fn migrate(&mut self) -> Result<usize, Error> {
        let report = embedded::migrations::runner()
            .set_abort_divergent(true)
            .run(&mut self.conn)
            .map_err(|e| {
                Error::new(
                    Kind::Failure,
                    format!("cannot migrate {}", self.path.display()),
                )
                .with_cause(e)
            })?;
        Ok(report.applied_migrations().len())
    }

    pub fn version(&self) -> Result<i64, Error> {
        Ok(schema_version(&self.conn)?)
    }
}

/// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so
/// a read-modify-write never fails half-way with SQLITE_BUSY.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_migrated_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/orch.db");
        let store = open(&path, Sync::Full).unwrap();
        assert_eq!(store.version().unwrap(), latest_version());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn an_upgrade_is_announced_and_a_creation_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        let mut heard = Vec::new();
        drop(open_announcing(&path, Sync::Normal, |a, b| heard.push((a, b))).unwrap());
        assert!(
            heard.is_empty(),
            "a new database was announced as an upgrade"
        );

        let old = dir.path().join("old.db");
        let mut conn = open_unmigrated(&old, Sync::Normal).unwrap();
        embedded::migrations::runner()
            .set_target(refinery::Target::Version(3))
            .run(&mut conn)
            .unwrap();
        drop(conn);
        let store = open_announcing(&old, Sync::Normal, |a, b| heard.push((a, b))).unwrap();
        assert_eq!(heard, [(3, latest_version())]);
        assert_eq!(store.version().unwrap(), latest_version());
    }

    #[test]
    fn refuses_newer_schema_without_touching_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        drop(open(&path, Sync::Full).unwrap());
        {
            let c = Connection::open(&path).unwrap();
            c.execute(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')",
                [],
            )
            .unwrap();
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = open(&path, Sync::Full).err().unwrap();
        assert!(err.message.contains("newer"), "{}", err.message);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
