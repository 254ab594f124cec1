//! The SQLite store: opening, pragmas, migrations, error mapping, and one module per
//! table group.
//!
//! SQL lives in free functions over a `&Connection` (one module per table group), so
//! the operations of the seam compose several of them in one transaction; [`Sqlite`]
//! implements the seam's methods with them. rusqlite blocks: the connection sits
//! behind a mutex that is never held across an `.await`.

mod admin;
pub mod callbacks;
mod committer;
pub mod events;
pub mod holds;
pub mod locks;
mod ops;
pub mod processes;
pub mod products;
pub mod query;
pub mod schedules;
mod step_commit;
pub mod subscriptions;
pub mod tokens;
mod waits;
pub mod workers;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{Create, OpenObserver, StoreError};
use crate::error::Error;

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
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
                ))
                .with_hint(
                    "unset ORCH_SYNC for `full` (every commit on disk before orch goes on), or set ORCH_SYNC=normal to trade the last commits on power loss for speed",
                )),
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sync::Full => "full",
            Sync::Normal => "normal",
        }
    }
}

/// An open, migrated SQLite database.
pub struct Sqlite {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The schema version found when it was opened, before migrating (0: new).
    opened_at: i64,
    sync: Sync,
    /// Set once group commit is on (a worker): step commits go through it.
    committer: std::sync::OnceLock<committer::Committer>,
}

/// How long a connection waits for another's lock before it says the database is busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether SQLite refused because another connection holds the lock it needs.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let text = e.to_string();
        if is_busy(&e) {
            return StoreError::Busy(text);
        }
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                    return StoreError::Damaged(text);
                }
                ErrorCode::DiskFull => return StoreError::DiskFull(text),
                ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                    return StoreError::ReadOnly(text);
                }
                _ => {}
            }
        }
        match e {
            // Said without rusqlite's column index: `naming_row` put the row in the cause.
            rusqlite::Error::FromSqlConversionFailure(_, _, cause) => {
                return StoreError::Data(cause.to_string());
            }
            rusqlite::Error::InvalidColumnType(_, column, ty) => {
                return StoreError::Data(format!("column `{column}` holds {ty}"));
            }
            _ => {}
        }
        StoreError::Other(text)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Data(format!("stored JSON is invalid: {e}"))
    }
}

/// A store error met while opening `path`, said with the file's name; a file that is
/// no SQLite file at all is said to be one (see [`admin::not_sqlite`]).
fn at(path: &Path, what: &str) -> impl Fn(rusqlite::Error) -> Error {
    let context = format!("while {what} {}", path.display());
    let path = path.to_path_buf();
    move |e| {
        let not_a_database = matches!(&e, rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::NotADatabase);
        if let Some(said) = not_a_database.then(|| admin::not_sqlite(&path)).flatten() {
            return said;
        }
        let io_error = matches!(&e, rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::SystemIoFailure);
        if io_error && no_space_beside(&path) {
            return Error::failure(StoreError::DiskFull(e.to_string()).to_string())
                .with_cause(context.clone())
                .with_hint(format!(
                    "free some space on the file system that holds {}; orch changed nothing",
                    path.display()
                ));
        }
        Error::from(StoreError::from(e)).with_cause(context.clone())
    }
}

/// Whether the file system holding `path` has (next to) no room left: SQLite says only
/// "disk I/O error" when it cannot grow the WAL's shared-memory file (`-shm`) on a full
/// disk, so opening tells a full disk apart by asking the file system.
fn no_space_beside(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(folder) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `folder` is a NUL-terminated path and `stat` a zeroed struct statvfs fills.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::statvfs(folder.as_ptr(), &mut stat) } == 0;
    // Less than the 32 KiB of one region of the `-shm` file: what a failed attempt to
    // grow it left over.
    ok && stat.f_bavail.saturating_mul(stat.f_frsize) < 32 * 1024
}

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    embedded_history().iter().map(|m| m.0).max().unwrap_or(0)
}

/// The history rows the embedded migrations leave once applied (version, name,
/// checksum) in the order of their versions, built once: refinery's runner parses every
/// migration's name each time it is made.
fn embedded_history() -> &'static [(i64, String, String)] {
    static HISTORY: std::sync::OnceLock<Vec<(i64, String, String)>> = std::sync::OnceLock::new();
    HISTORY.get_or_init(|| {
        crate::store::damage::as_recorded(embedded::migrations::runner().get_migrations())
    })
}

/// Whether every embedded migration is applied, each as it is embedded, and nothing
/// else is: refinery would then find nothing to apply and nothing divergent. Every
/// command opens the store, and this answers for the common case without refinery's
/// runner (half a millisecond a command).
fn up_to_date(conn: &Connection) -> rusqlite::Result<bool> {
    if !has_history(conn)? {
        return Ok(false);
    }
    Ok(applied_history(conn)? == embedded_history())
}

/// The migration history as recorded: (version, name, checksum), by version.
fn applied_history(conn: &Connection) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT version, name, CAST(checksum AS TEXT) FROM refinery_schema_history ORDER BY version",
    )?;
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        ))
    })?
    .collect()
}

/// How the recorded migration history differs from this orch's migrations (`db check`).
pub(super) fn diverging_history(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    Ok(crate::store::damage::diverging(
        &applied_history(conn)?,
        embedded_history(),
    ))
}

/// The first few tables of a database that has no orch schema: another
/// application's, when there are any. A migration history, even an empty one (another
/// orch creating the database at this moment), is orch's; one statement reads both, so
/// an orch migrating meanwhile is never taken for another application.
fn foreign_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')
         ORDER BY name LIMIT 4",
    )?;
    stmt.query_map([], |r| r.get::<_, String>(0))?.collect()
}

/// The schema version recorded in the database, 0 when it was never migrated.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    if !has_history(conn)? {
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

impl Sqlite {
    /// Opens (creating when missing and allowed, mode 0600) and migrates the database
    /// at `path`. A database written by a newer orch is refused before anything is
    /// written to it; an existing database is announced before it is upgraded (a large
    /// one takes a while), a new one is created quietly and whole ([`create_whole`]). A
    /// file of zero bytes is not taken silently for a new database, as SQLite would: it
    /// may be a truncated one.
    pub fn open(
        path: &Path,
        sync: Sync,
        create: Create,
        observer: &dyn OpenObserver,
    ) -> Result<Sqlite, Error> {
        let mut created = false;
        match (admin::file_state(path), create) {
            (admin::FileState::Missing, Create::Refused) => return Err(missing(path)),
            (admin::FileState::Missing, Create::Allowed | Create::Adopt) => {
                created = create_whole(path, sync);
            }
            (admin::FileState::Empty, Create::Refused) => return Err(admin::empty_file(path)),
            (admin::FileState::Empty, Create::Allowed | Create::Adopt) => {
                observer.empty_file();
                // Made a database, it is private as one orch creates is (0600), whatever
                // mode the empty file had; left as it was when orch may not change it.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
                }
            }
            _ => {}
        }
        let opened = (|| {
            let mut conn = open_unmigrated(path, sync, create)?;
            let from = match created {
                true => 0,
                false => schema_version(&conn).map_err(at(path, "reading"))?,
            };
            if from > 0 && from < latest_version() {
                observer.upgrading(from, latest_version());
            }
            migrate(&mut conn, path)?;
            Ok(Sqlite::with(conn, path, from, sync))
        })();
        opened.map_err(|e| admin::refused_write(e, path))
    }

    /// Opens an existing database for a command that only reads, as [`Sqlite::open`]
    /// with creation refused; when SQLite cannot read it only because it may not write
    /// beside it (a backup mounted read-only, another user's project), it is read as
    /// an immutable snapshot of the file, as `db check` and `db backup` read it, and the
    /// observer is told. Nothing can be written through such a store.
    pub fn open_to_read(
        path: &Path,
        sync: Sync,
        observer: &dyn OpenObserver,
    ) -> Result<Sqlite, Error> {
        let refused = match Sqlite::open(path, sync, Create::Refused, observer) {
            Ok(store) => return Ok(store),
            Err(e) => e,
        };
        let Some(snapshot) = admin::read_only_snapshot(path)? else {
            return Err(refused);
        };
        let version = schema_version(&snapshot).map_err(at(path, "reading"))?;
        let latest = latest_version();
        if version == 0 {
            return Err(refused);
        }
        if version > latest {
            return Err(newer(path, version));
        }
        if version < latest || !up_to_date(&snapshot).map_err(at(path, "reading"))? {
            return Err(Error::failure(format!(
                "the database {} has schema version {version}, and this orch reads version {latest}: it must be upgraded first, and orch may not write there",
                path.display()
            ))
            .with_cause("orch did not change it")
            .with_hint("run any orch command where the database can be written (`orch db migrate`), or copy it to a folder you may write and read the copy"));
        }
        observer.read_as_snapshot();
        Ok(Sqlite::with(snapshot, path, version, sync))
    }

    fn with(conn: Connection, path: &Path, opened_at: i64, sync: Sync) -> Sqlite {
        Sqlite {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            opened_at,
            sync,
            committer: std::sync::OnceLock::new(),
        }
    }

    /// The connection; a panic while it was held leaves nothing half-done (SQLite rolls
    /// back an open transaction), so a poisoned lock is taken as it is.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn opened_at(&self) -> i64 {
        self.opened_at
    }

    /// From now on, step commits of this store's users are written together by a
    /// committer thread (see `committer`).
    pub fn start_group_commit(&self) -> Result<(), Error> {
        if self.committer.get().is_none() {
            let c = committer::Committer::start(&self.path, self.sync)?;
            let _ = self.committer.set(c);
        }
        Ok(())
    }
}

/// The refusal of a database a newer orch wrote, at schema `version`.
fn newer(path: &Path, version: i64) -> Error {
    Error::failure(format!(
        "the database {} has schema version {version}, newer than this orch knows ({})",
        path.display(),
        latest_version()
    ))
    .with_hint("upgrade orch to the version that wrote this database; orch left the file untouched")
}

/// The refusal of a database that does not exist, by a command that must not create it.
fn missing(path: &Path) -> Error {
    Error::not_found(format!("there is no database at {}", path.display()))
        .with_hint("`orch db migrate` creates it (so does any command that writes: `orch init`, `orch product load`, `orch workflow run`), or pass --dir/--db")
}

/// Applies the embedded migrations that are not applied yet; returns how many ran.
///
/// The pending migrations are applied in one transaction, with their history rows, so
/// a crash never leaves a schema change without its version. Several orchs may open a
/// new database at once (a worker and the commands that queue for it): one that finds
/// another applied the same migrations first (its transaction failed and left nothing
/// behind) sees the schema moved on, and applies what is left from there.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<usize, Error> {
    // Said as any other command's reading is: a damaged file points at `db check`.
    let failed = at(path, "opening");
    check_history(conn).map_err(&failed)??;
    if up_to_date(conn).map_err(&failed)? {
        return Ok(0);
    }
    let had_history = has_history(conn).map_err(&failed)?;
    loop {
        let before = schema_version(conn).map_err(&failed)?;
        match embedded::migrations::runner()
            .set_abort_divergent(true)
            .set_grouped(true)
            .run(conn)
        {
            Ok(report) => return Ok(report.applied_migrations().len()),
            Err(e) => {
                let now = schema_version(conn).map_err(&failed)?;
                if now >= latest_version() {
                    return Ok(0);
                }
                if now <= before {
                    if !had_history {
                        drop_empty_history(conn);
                    }
                    return Err(migration_failed(path, &e));
                }
            }
        }
    }
}

/// Whether the database holds refinery's history table.
fn has_history(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )
}

/// After the first migrations failed (they are applied in one transaction, so none
/// is): refinery's history table, which refinery created before them, is dropped if
/// it is still empty, so a file orch could not move into is left as orch found it.
/// Looked at and dropped under the write lock: another orch migrating the same new
/// file at this moment may be about to fill the table. Best effort: the migration's
/// own error is what the user is told.
fn drop_empty_history(conn: &mut Connection) {
    let Ok(tx) = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) else {
        return;
    };
    let empty = tx
        .query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM refinery_schema_history)",
            [],
            |r| r.get::<_, bool>(0),
        )
        .unwrap_or(false);
    if empty
        && tx
            .execute_batch("DROP TABLE refinery_schema_history")
            .is_ok()
    {
        let _ = tx.commit();
    }
}

/// A failed migration, said with SQLite's own message (not the whole migration it
/// failed in, which refinery's error quotes), and a hint when the file holds a table
/// of one of orch's names: it is another program's database.
fn migration_failed(path: &Path, e: &refinery::Error) -> Error {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(sqlite) = s.downcast_ref::<rusqlite::Error>() {
            let message = match sqlite {
                rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
                other => other.to_string(),
            };
            let err = Error::failure(format!("cannot migrate {}: {message}", path.display()));
            return if message.starts_with("table ") && message.ends_with(" already exists") {
                err.with_hint("the file holds tables of another program; point --db at a database of orch's own (a new file is created on first use)")
            } else {
                err.with_hint(check_hint(path))
            };
        }
        source = s.source();
    }
    Error::failure(format!("cannot migrate {}", path.display()))
        .with_cause(crate::store::damage::migration_refused(e))
        .with_hint(check_hint(path))
}

/// Where a database that cannot be opened or migrated is looked at: `db check`, which
/// changes nothing.
fn check_hint(path: &Path) -> String {
    format!(
        "`orch --db '{}' db check` says what is wrong with the file, and changes nothing",
        path.display().to_string().replace('\'', r"'\''")
    )
}

/// Checks every row of refinery's history is one refinery can read (see
/// [`crate::store::damage`]).
pub(super) fn check_history(conn: &Connection) -> rusqlite::Result<Result<(), Error>> {
    if schema_version(conn)? == 0 {
        return Ok(Ok(()));
    }
    let mut stmt = conn.prepare(
        "SELECT version, CAST(applied_on AS TEXT), CAST(checksum AS TEXT) FROM refinery_schema_history",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        ))
    })?;
    for row in rows {
        let (version, applied_on, checksum) = row?;
        if let Some(why) = crate::store::damage::unreadable(version, &applied_on, &checksum) {
            let at = conn.path().unwrap_or("the database").to_string();
            return Ok(Err(crate::store::damage::damaged(&at, &why)));
        }
    }
    Ok(Ok(()))
}

/// Runs `op` again while the database is busy, for as long as the busy timeout. Switching
/// a new database to WAL needs it alone: SQLite answers `SQLITE_BUSY` at once, without
/// its busy handler, to a connection that would otherwise deadlock with another doing
/// the same, so several orchs opening a new database together must take turns here.
fn while_busy<T>(mut op: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match op() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Opens the database, checks it is one orch can use and sets the pragmas, without
/// applying migrations.
pub fn open_unmigrated(path: &Path, sync: Sync, create: Create) -> Result<Connection, Error> {
    if path.is_dir() {
        return Err(Error::usage(format!(
            "{} is a folder, not a database file",
            path.display()
        ))
        .with_hint(format!(
            "name a file in it, e.g. --db {}",
            path.join("orch.db").display()
        )));
    }
    // A mistyped --db or ORCH_DB would otherwise make folders where none were meant:
    // the folder must be there, as a --dir must (orch's default, in the project, is).
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.is_dir() {
            return Err(Error::not_found(format!(
                "the folder of the database {} does not exist",
                path.display()
            ))
            .with_hint(format!(
                "create it (`mkdir -p {}`) if that is where the database belongs, or check --db, ORCH_DB and orch.toml's `db`",
                parent.display()
            )));
        }
    }
    if path.exists() {
        admin::refuse_too_short(path)?;
    } else {
        create_private(path)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(at(path, "opening"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(at(path, "opening"))?;

    // Read before writing anything: a newer or foreign file must stay byte for byte.
    let version = schema_version(&conn).map_err(at(path, "reading"))?;
    let latest = latest_version();
    if version > latest {
        return Err(newer(path, version));
    }
    if version == 0 {
        // A database, but not orch's (yet): a command that only reads leaves it as it
        // is, and so does one that writes when the file holds another application's
        // tables (a mistyped --db); `db migrate` adds orch's beside them on purpose.
        match create {
            Create::Refused => {
                return Err(Error::not_found(format!(
                    "{} holds no orch database: it is a SQLite database without orch's tables",
                    path.display()
                ))
                .with_hint("`orch db migrate` adds orch's tables to it (beside those it has), or point --db at orch's database"));
            }
            Create::Allowed => {
                let theirs = foreign_tables(&conn).map_err(at(path, "reading"))?;
                if !theirs.is_empty() {
                    return Err(Error::not_found(format!(
                        "{} holds no orch database: it is another application's SQLite database (tables {})",
                        path.display(),
                        theirs.join(", ")
                    ))
                    .with_cause("orch changed nothing in it")
                    .with_hint("point --db at orch's database, or run `orch db migrate` to add orch's tables beside these on purpose"));
                }
            }
            Create::Adopt => {}
        }
    }

    let mode: String = while_busy(|| conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)))
        .map_err(at(path, "opening"))?;
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
    .map_err(at(path, "opening"))?;
    Ok(conn)
}

/// Creates a new database at `path` whole, so that another orch opening it meanwhile
/// (a reader, or a writer that would create it too) finds no database or all of it,
/// never a file still empty or without orch's tables: it is made and migrated under a
/// name of its own beside `path`, then linked in as `path`. A link never replaces a
/// file: when another orch linked its database in first, that one is used and this
/// one dropped. Returns whether this orch created the database.
///
/// Where that cannot be done (the folder is missing or may not be written, the file
/// system has no hard links, the new database cannot be made), nothing is left behind
/// and false is returned: [`open_unmigrated`] creates the file in place, as it does for
/// any other caller, and says what is wrong in terms of `path`.
fn create_whole(path: &Path, sync: Sync) -> bool {
    NewFile::sweep_leftovers(path);
    let Some(new) = NewFile::beside(path) else {
        return false;
    };
    let built = open_unmigrated(&new.0, sync, Create::Allowed).and_then(|mut conn| {
        migrate(&mut conn, &new.0)?;
        // The write-ahead log is folded into the file here, where a failure (a disk
        // that fills as the file grows) is an error: a close folds it too, but says
        // nothing when it cannot, and the log it leaves holds part of the database.
        let (busy, log, folded): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| Error::from(StoreError::from(e)))?;
        conn.close()
            .map_err(|(_, e)| Error::from(StoreError::from(e)))?;
        Ok(busy == 0 && log == folded)
    });
    if !matches!(built, Ok(true)) || new.holds_a_log() {
        return false;
    }
    match std::fs::hard_link(&new.0, path) {
        Ok(()) => {
            // The new name is made durable as the database's first commit would be.
            if let Some(folder) = new.0.parent() {
                let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
            }
            true
        }
        Err(_) => false,
    }
}

/// A new database's file under a name of its own beside the database (`.orch.db.<pid>
/// -<nanos>.new`), removed when dropped, with whatever SQLite left beside it.
struct NewFile(PathBuf);

impl NewFile {
    /// Creates the file (mode 0600); None when it cannot be.
    fn beside(path: &Path) -> Option<NewFile> {
        let name = path.file_name()?.to_string_lossy();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let file = path.with_file_name(format!(".{name}.{}-{nanos}.new", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&file).ok()?;
        Some(NewFile(file))
    }
}

impl NewFile {
    /// Removes what a creation of this database cut off before its end (`kill -9`, a
    /// power cut) left beside it: the new files of an orch that no longer runs. One
    /// whose orch still runs is building the database right now, and is left to it.
    fn sweep_leftovers(path: &Path) {
        let (Some(name), Some(folder)) = (path.file_name(), path.parent()) else {
            return;
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            let Some(rest) = file.strip_prefix(&prefix) else {
                continue;
            };
            let Some((pid, tail)) = rest.split_once('-') else {
                continue;
            };
            let ours = tail.split_once(".new").is_some_and(|(nanos, suffix)| {
                nanos.bytes().all(|b| b.is_ascii_digit())
                    && ["", "-wal", "-shm", "-journal"].contains(&suffix)
            });
            if ours && pid.parse().is_ok_and(|pid: u32| !runs(pid)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Whether SQLite left a write-ahead log with frames beside the new file: the file
    /// alone is then not the whole database.
    fn holds_a_log(&self) -> bool {
        let mut wal = self.0.clone().into_os_string();
        wal.push("-wal");
        std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut beside = self.0.clone().into_os_string();
            beside.push(suffix);
            let _ = std::fs::remove_file(beside);
        }
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether a process `pid` runs on this machine (this one does, whatever it is asked).
#[cfg(unix)]
fn runs(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a way to ask, every creation is taken to run still: nothing is removed.
#[cfg(not(unix))]
fn runs(_pid: u32) -> bool {
    true
}

#[cfg(unix)]
fn create_private(path: &Path) -> Result<(), Error> {
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
fn create_private(path: &Path) -> Result<(), Error> {
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

/// Reads a row with `read`; a value in it that cannot be read (a status a newer orch
/// wrote, a text where a number belongs) is said with the row: `what` and the id in
/// the row's first column.
pub fn naming_row<T>(
    r: &rusqlite::Row<'_>,
    what: &str,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    read(r).map_err(|e| {
        let id = || {
            r.get_ref(0)
                .map(|v| match v {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    v => {
                        crate::ui::printable(&String::from_utf8_lossy(v.as_bytes().unwrap_or(b"?")))
                            .into_owned()
                    }
                })
                .unwrap_or_else(|_| "?".into())
        };
        match e {
            rusqlite::Error::FromSqlConversionFailure(i, ty, cause) => {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    ty,
                    format!("{what} {}: {cause}", id()).into(),
                )
            }
            rusqlite::Error::InvalidColumnType(i, column, ty) => {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    ty,
                    format!(
                        "{what} {}: column `{column}` holds {ty}, which this orch cannot read",
                        id()
                    )
                    .into(),
                )
            }
            other => other,
        }
    })
}

/// Statuses, targets and lifecycles are stored as their words; a word this binary does
/// not know reads as an error (a newer orch wrote it), never as a default.
macro_rules! sql_word {
    ($($t:ty),+) => {$(
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?
                    .parse()
                    .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }
    )+};
}
sql_word!(
    crate::domain::process::ProcessStatus,
    crate::domain::process::StepStatus,
    crate::domain::workflow::Target,
    crate::domain::lifecycle::Lifecycle
);

/// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so
/// a read-modify-write never fails half-way with SQLITE_BUSY.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;

    use super::*;

    /// A connection to the migrated database `orch.db` in `dir`, for the table
    /// modules' own tests.
    pub(crate) fn open_conn(dir: &Path) -> Connection {
        let path = dir.join("orch.db");
        let mut conn = open_unmigrated(&path, Sync::Normal, Create::Allowed).unwrap();
        migrate(&mut conn, &path).unwrap();
        conn
    }

    #[derive(Default)]
    struct Heard(RefCell<Vec<(i64, i64)>>, std::cell::Cell<bool>);
    impl OpenObserver for Heard {
        fn upgrading(&self, from: i64, to: i64) {
            self.0.borrow_mut().push((from, to));
        }

        fn empty_file(&self) {
            self.1.set(true);
        }
    }

    #[test]
    fn an_empty_file_is_refused_unless_creation_is_allowed_and_then_announced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        std::fs::write(&path, b"").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let heard = Heard::default();
        let err = Sqlite::open(&path, Sync::Full, Create::Refused, &heard)
            .err()
            .unwrap();
        assert!(err.message.contains("empty file"), "{}", err.message);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        assert!(!heard.1.get());

        let store = Sqlite::open(&path, Sync::Full, Create::Allowed, &heard).unwrap();
        assert!(
            heard.1.get(),
            "making a database of an empty file was not told"
        );
        assert_eq!(schema_version(&store.conn()).unwrap(), latest_version());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "private, as a database orch creates");
        }
    }

    #[test]
    fn many_orchs_opening_a_new_database_at_once_all_get_it_migrated() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("orch.db");
            let opens: Vec<_> = (0..8)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || {
                        Sqlite::open(&path, Sync::Normal, Create::Allowed, &())
                            .map(|_| ())
                            .map_err(|e| format!("{}: {:?}", e.message, e.causes))
                    })
                })
                .collect();
            for open in opens {
                open.join().unwrap().unwrap();
            }
            let store = Sqlite::open(&path, Sync::Normal, Create::Refused, &()).unwrap();
            assert_eq!(schema_version(&store.conn()).unwrap(), latest_version());
        }
    }

    #[test]
    fn creates_private_migrated_database() {
        let dir = tempfile::tempdir().unwrap();
        // A folder that is not there is not made (a mistyped --db would leave one).
        let missing = dir.path().join("sub/orch.db");
        let err = Sqlite::open(&missing, Sync::Full, Create::Allowed, &())
            .err()
            .unwrap();
        assert!(err.message.contains("does not exist"), "{}", err.message);
        assert!(!dir.path().join("sub").exists());
        let path = dir.path().join("orch.db");
        let store = Sqlite::open(&path, Sync::Full, Create::Allowed, &()).unwrap();
        assert_eq!(schema_version(&store.conn()).unwrap(), latest_version());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    /// A database migrated by this orch is recognised as up to date without refinery's
    /// runner; one whose history differs in any row (or lacks one) is not, and is left
    /// to refinery, which decides as before.
    #[test]
    fn only_the_exact_embedded_history_is_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        drop(Sqlite::open(&path, Sync::Normal, Create::Allowed, &()).unwrap());
        let conn = open_unmigrated(&path, Sync::Normal, Create::Allowed).unwrap();
        assert!(up_to_date(&conn).unwrap());
        assert_eq!(embedded_history().len(), latest_version() as usize);
        conn.execute(
            "UPDATE refinery_schema_history SET checksum = '1' WHERE version = 1",
            [],
        )
        .unwrap();
        assert!(!up_to_date(&conn).unwrap());
        conn.execute("DELETE FROM refinery_schema_history WHERE version = 1", [])
            .unwrap();
        assert!(!up_to_date(&conn).unwrap());
        drop(conn);
        // refinery has nothing to apply at the latest version, so the store opens.
        let store = Sqlite::open(&path, Sync::Normal, Create::Refused, &()).unwrap();
        assert_eq!(schema_version(&store.conn()).unwrap(), latest_version());
    }

    #[test]
    fn a_missing_database_is_not_created_when_creation_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        let err = Sqlite::open(&path, Sync::Full, Create::Refused, &())
            .err()
            .unwrap();
        assert_eq!(err.kind, crate::error::Kind::NotFound);
        assert!(!path.exists());
    }

    #[test]
    fn an_upgrade_is_announced_and_a_creation_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        let heard = Heard::default();
        drop(Sqlite::open(&path, Sync::Normal, Create::Allowed, &heard).unwrap());
        assert!(
            heard.0.borrow().is_empty(),
            "a new database was announced as an upgrade"
        );

        let old = dir.path().join("old.db");
        let mut conn = open_unmigrated(&old, Sync::Normal, Create::Allowed).unwrap();
        embedded::migrations::runner()
            .set_target(refinery::Target::Version(3))
            .run(&mut conn)
            .unwrap();
        drop(conn);
        let store = Sqlite::open(&old, Sync::Normal, Create::Allowed, &heard).unwrap();
        assert_eq!(*heard.0.borrow(), [(3, latest_version())]);
        assert_eq!(schema_version(&store.conn()).unwrap(), latest_version());
    }

    #[test]
    fn refuses_newer_schema_without_touching_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        drop(Sqlite::open(&path, Sync::Full, Create::Allowed, &()).unwrap());
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
        let err = Sqlite::open(&path, Sync::Full, Create::Allowed, &())
            .err()
            .unwrap();
        assert!(err.message.contains("newer"), "{}", err.message);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
