//! Looking after the SQLite file itself: what state the file is in before orch opens
//! it (a zero-byte file is not a database), and the SQLite side of `Store::check` and
//! `Store::backup`.
//!
//! A store opened as it is ([`Sqlite::open_as_is`]) holds a connection that changes
//! nothing: a check must read a damaged file without migrating or repairing it, and
//! neither a check nor a backup may change the database (see [`open_untouched`]).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::Sqlite;
use crate::error::{Error, Result};
use crate::store::{Backup, CheckReport, StoreResult};

/// The first bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Tables every migrated orch database has.
/// What is at a database path before anything opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Missing,
    /// A file of zero bytes with no write-ahead log beside it: SQLite would silently
    /// take it for a new, empty database.
    Empty,
    Present,
}

pub fn file_state(path: &Path) -> FileState {
    match std::fs::metadata(path) {
        Err(_) => FileState::Missing,
        Ok(m) if m.len() == 0 && len(&wal_path(path)) == 0 => FileState::Empty,
        Ok(_) => FileState::Present,
    }
}

/// Refuses a file shorter than SQLite's 100-byte header (with no write-ahead log
/// beside it): SQLite would take it for a new database and write one over it, but it is
/// no database, perhaps a truncated one.
pub fn refuse_too_short(path: &Path) -> Result<()> {
    let n = len(path);
    if n > 0 && n < 100 && len(&wal_path(path)) == 0 {
        return Err(Error::failure(format!(
            "{} is not a database: {n} byte{}, shorter than a SQLite file's header",
            path.display(),
            if n == 1 { "" } else { "s" }
        ))
        .with_cause("orch did not change it")
        .with_hint("if it held orch's data, it was truncated: restore the latest copy made with `orch db backup FILE`; else point --db at orch's database"));
    }
    Ok(())
}

/// What SQLite's "file is not a database" means for a file that does not even start
/// with SQLite's header: most likely another file named by mistake, not a damaged
/// database. None when it does start so (then it is damaged, as SQLite says).
///
/// Read only once SQLite refused the file: closing a file descriptor of a database
/// drops every POSIX lock this process holds on it, those of its SQLite connections
/// too, so a database in use is never opened beside them.
pub fn not_sqlite(path: &Path) -> Option<Error> {
    if starts_with_header(path) {
        return None;
    }
    Some(
        Error::failure(format!(
            "{} is not a SQLite database: it does not start with SQLite's header",
            path.display()
        ))
        .with_cause("orch did not change it")
        .with_hint("point --db (or ORCH_DB, or orch.toml's `db`) at orch's database; if this file held orch's data, its first page is damaged: restore the latest copy made with `orch db backup FILE`"),
    )
}

/// Whether the file's first bytes are SQLite's header (a file that cannot be read is
/// given the benefit of the doubt: opening it says why).
fn starts_with_header(path: &Path) -> bool {
    use std::io::Read;
    let mut first = [0u8; 16];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut first)) {
        Ok(()) => &first == HEADER,
        Err(_) => true,
    }
}

fn len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Opens an existing database without changing it, whatever state it is in.
///
/// Not with SQLite's read-only flag: the integrity check of a full-text index
/// (`subscription_search`) needs a connection that could write, though it writes
/// nothing. No pragma is set and no migration runs. A write-ahead log found with
/// commits in it (an orch that died before it closed) is left as it was: closing does
/// not checkpoint it into the file. Otherwise the log holds nothing of the file's
/// before this connection, so closing checkpoints as every orch command does (at most
/// the commits of other orchs meanwhile) and, as the last connection, removes the
/// `-wal` and `-shm` files reading made.
fn open_untouched(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let found_log = has_log(path);
    let conn = Connection::open_with_flags(path, flags)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        found_log,
    )?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Whether a write-ahead log with something in it lies beside the database.
fn has_log(path: &Path) -> bool {
    len(&wal_path(path)) > 0
}

/// Whether `conn` reads the file as it is on disk through an immutable snapshot
/// instead: when SQLite may not write beside it. A file orch may not write, with no
/// log beside it, is read whole that way, and nothing is created next to it (SQLite
/// would make its shared-memory file there, with the file's read-only mode); in a
/// folder orch may not write, SQLite cannot read it at all.
fn frozen_instead(conn: &Connection, path: &Path) -> bool {
    let read_only = conn
        .is_readonly(rusqlite::DatabaseName::Main)
        .unwrap_or(false);
    (read_only && !has_log(path)) || read_only_here(conn)
}

/// Whether reading through `conn` fails only because the file or its folder may not be
/// written (SQLite cannot make its shared-memory file beside a WAL database).
fn read_only_here(conn: &Connection) -> bool {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Err(rusqlite::Error::SqliteFailure(e, _)) => matches!(
            e.code,
            rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly
        ),
        _ => false,
    }
}

/// The immutable snapshot `conn`'s reads go through instead, when SQLite may not
/// write beside the file (see [`frozen_instead`]); `None` when `conn` reads it itself.
/// How `db check`, `db backup` and the commands that only read
/// ([`Sqlite::open_to_read`]) read a database in a read-only place.
fn snapshot_instead(conn: &Connection, path: &Path) -> Option<rusqlite::Result<Connection>> {
    frozen_instead(conn, path).then(|| open_immutable(path))
}

/// For a command that only reads, when opening the database failed: the file as it is
/// on disk, when that failure was only SQLite's need to write beside it (a folder or
/// file orch may not write) and no write-ahead log holds commits the file lacks.
/// `Ok(None)`: it was something else, and the failure stands. A log with commits in it
/// is refused: reading the file without it would show an old state as the current one.
pub(super) fn read_only_snapshot(path: &Path) -> Result<Option<Connection>> {
    let Some(conn) = in_read_only_place(path) else {
        return Ok(None);
    };
    if has_log(path) {
        return Err(Error::failure(format!(
            "cannot read {}: orch may not write beside it, and the write-ahead log beside it holds commits the file does not have yet",
            path.display()
        ))
        .with_cause("SQLite reads those commits only through a shared-memory file it makes beside the database")
        .with_hint(format!(
            "copy the database with its `-wal` file to a folder you may write and read the copy (`orch --db COPY ...`); or have whoever may write there run `orch --db '{}' db status`, which folds the log into the file",
            path.display().to_string().replace('\'', r"'\''")
        )));
    }
    match snapshot_instead(&conn, path) {
        Some(Ok(snapshot)) => Ok(Some(snapshot)),
        Some(Err(e)) => Err(super::at(path, "opening")(e)),
        None => Ok(None),
    }
}

/// A connection to the database that changes nothing, when SQLite may not write
/// beside it (see [`frozen_instead`]): its folder or the file is read-only here.
fn in_read_only_place(path: &Path) -> Option<Connection> {
    if !path.is_file() {
        return None;
    }
    let conn = open_untouched(path).ok()?;
    frozen_instead(&conn, path).then_some(conn)
}

/// A refusal to write the database, with what may still be done when it lies where
/// orch may not write: the commands that only read read it as a snapshot.
pub(super) fn refused_write(e: Error, path: &Path) -> Error {
    if !e.message.starts_with("cannot write the database") || in_read_only_place(path).is_none() {
        return e;
    }
    e.with_hint("orch may not write in the database's folder (or the file): commands that only read it (`process list`, `process show`, `subscription list`, `db status`, …) still do, from a snapshot of the file, unless a `-wal` file with commits lies beside it")
}

/// The file opened read-only as an immutable snapshot: no lock, no shared memory, no
/// write-ahead log (what a read-only place allows).
fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!(
        "file:{}?immutable=1",
        path.display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

impl Sqlite {
    /// Opens an existing database as it is, for [`Sqlite::check`] and
    /// [`Sqlite::backup`]: nothing is created, migrated or repaired, and a damaged or
    /// empty file still opens (SQLite reads nothing before the first query), so the
    /// check can say what is wrong with it.
    pub fn open_as_is(path: &Path) -> Result<Sqlite> {
        match std::fs::metadata(path) {
            Err(_) => return Err(super::missing(path)),
            Ok(m) if m.is_dir() => {
                return Err(Error::usage(format!(
                    "{} is a folder, not a database file",
                    path.display()
                ))
                .with_hint("pass the database file with --db FILE"));
            }
            Ok(_) => {}
        }
        let conn = open_untouched(path).map_err(super::at(path, "opening"))?;
        Ok(Sqlite::with(conn, path, 0, super::Sync::Full))
    }

    /// Checks the database: that it is a SQLite file, SQLite's own integrity and
    /// foreign key checks, and orch's schema. A damaged file is reported, not refused.
    pub async fn check(&self) -> StoreResult<CheckReport> {
        let path = self.path();
        let mut report = CheckReport {
            size_bytes: len(path),
            schema_version: None,
            latest_version: super::latest_version(),
            problems: Vec::new(),
            notes: Vec::new(),
        };
        if file_state(path) == FileState::Empty {
            report
                .problems
                .push("the file is empty (0 bytes): it holds no database".into());
            return Ok(report);
        }
        let mut head = [0u8; 16];
        let read =
            std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head));
        match read {
            Err(e) => report.problems.push(format!("cannot read it: {e}")),
            Ok(n) if report.size_bytes > 0 && (n < HEADER.len() || &head != HEADER) => {
                report.problems.push(
                    "not a SQLite database (the file does not start with the SQLite header)".into(),
                );
            }
            Ok(_) => {
                let conn = self.conn();
                match snapshot_instead(&conn, path) {
                    // A file orch may not write (or whose folder it may not write, where
                    // SQLite keeps its shared-memory file) is no damage: it is checked as
                    // it is on disk.
                    Some(Ok(frozen)) => {
                        report.notes.push(
                            "the file or its folder is read-only here: checked as it is on disk, without its write-ahead log".into(),
                        );
                        integrity(&frozen, &mut report);
                        schema(&frozen, &mut report);
                    }
                    _ => {
                        integrity(&conn, &mut report);
                        schema(&conn, &mut report);
                    }
                }
            }
        }
        Ok(report)
    }

    /// Writes a consistent copy of the database to `to` (mode 0600), while other orch
    /// commands may be writing to it: the copy is one read transaction (`VACUUM
    /// INTO`), so it holds every commit before it began and none after. The copy is
    /// written beside `to` and moved into place when it is complete and checked, so `to`
    /// never holds half a copy; an existing `to` is replaced only with `replace`.
    pub async fn backup(&self, to: &Path, replace: bool) -> Result<Backup> {
        let from = self.path();
        if file_state(from) == FileState::Empty {
            return Err(empty_file(from));
        }
        if same_file(from, to) {
            return Err(Error::usage(format!(
                "{} is the database itself; a backup goes to another file",
                to.display()
            ))
            .with_hint("name a new file, e.g. `orch db backup orch-backup.db`"));
        }
        if to.exists() && !replace {
            return Err(Error::conflict(format!("{} exists already", to.display()))
                .with_hint("choose another file, or pass --force to replace it"));
        }
        let name = to
            .file_name()
            .ok_or_else(|| Error::usage(format!("{} is not a file name", to.display())))?;
        let dir = match to.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(
                Error::usage(format!("the folder {} does not exist", dir.display()))
                    .with_hint("create it first, or choose another file"),
            );
        }
        let partial = dir.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let conn = self.conn();
        let frozen = snapshot_instead(&conn, from)
            .transpose()
            .map_err(super::at(from, "opening"))?;
        let result = write_copy(frozen.as_ref().unwrap_or(&conn), from, &partial).and_then(|b| {
            place(&partial, to, replace)?;
            Ok(Backup {
                path: to.to_path_buf(),
                ..b
            })
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }
}

/// The refusal of a zero-byte database file, by a command that must not make a new
/// database of it (it may be a truncated one).
pub fn empty_file(path: &Path) -> Error {
    Error::failure(format!(
        "the database {} is an empty file (0 bytes)",
        path.display()
    ))
    .with_cause("orch did not change it, nor make a new database of it")
    .with_hint(
        "if it held data, it was truncated: restore the latest copy made with `orch db backup FILE` (`orch --db COPY db check` checks one)",
    )
    .with_hint("`orch db migrate` makes it a new, empty database")
}

/// SQLite's integrity check (pages, indexes, constraints) and foreign key check.
fn integrity(conn: &Connection, report: &mut CheckReport) {
    let rows = conn
        .prepare("PRAGMA integrity_check(50)")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    match rows {
        Ok(rows) if rows == ["ok"] => {}
        Ok(rows) => {
            for row in rows {
                // SQLite checks a full-text index by writing to it: on a file that is
                // locked or read-only, that part is not checked, which is no damage.
                if row.ends_with("database is locked")
                    || row.ends_with("attempt to write a readonly database")
                {
                    report.notes.push(format!(
                        "not checked: {row} (check again when the file is free, or on a copy made with `orch db backup`)"
                    ));
                } else {
                    report.problems.push(format!("integrity: {row}"));
                }
            }
        }
        Err(e) => report
            .problems
            .push(format!("the integrity check cannot read it: {e}")),
    }
    let fks = conn.prepare("PRAGMA foreign_key_check").and_then(|mut s| {
        s.query_map([], |r| {
            Ok(format!(
                "foreign key: row {} of `{}` refers to a missing row of `{}`",
                r.get::<_, Option<i64>>(1)?
                    .map_or_else(|| "?".to_string(), |n| n.to_string()),
                r.get::<_, String>(0)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .take(50)
        .collect::<rusqlite::Result<Vec<_>>>()
    });
    match fks {
        Ok(rows) => report.problems.extend(rows),
        Err(e) => report
            .problems
            .push(format!("the foreign key check cannot read it: {e}")),
    }
}

/// orch's schema: its version, and the tables a migrated database has.
fn schema(conn: &Connection, report: &mut CheckReport) {
    let version = match super::schema_version(conn) {
        Ok(v) => v,
        Err(e) => {
            report
                .problems
                .push(format!("the schema version cannot be read: {e}"));
            return;
        }
    };
    report.schema_version = Some(version);
    let latest = report.latest_version;
    if version == 0 {
        report
            .problems
            .push("not an orch database: it has no schema history".into());
        return;
    }
    if version > latest {
        report.notes.push(format!(
            "schema version {version} is newer than this orch knows ({latest}); an orch that new can use it"
        ));
        return;
    }
    if version < latest {
        report.notes.push(format!(
            "schema version {version} is older than this orch's ({latest}); the next orch command upgrades it (`orch db migrate`)"
        ));
    }
    let mut complete = true;
    for table in crate::store::damage::tables_at(version, latest) {
        let exists = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1)",
                [table],
                |r| r.get::<_, bool>(0),
            )
            .unwrap_or(false);
        if !exists {
            complete = false;
            report
                .problems
                .push(format!("the table `{table}` is missing"));
        }
    }
    match super::check_history(conn).and_then(|r| Ok((r, super::diverging_history(conn)?))) {
        Ok((Err(e), _)) => report.problems.push(e.message),
        Err(e) => report
            .problems
            .push(format!("the migration history cannot be read: {e}")),
        Ok((Ok(()), diverging)) => report.problems.extend(diverging),
    }
    if complete && version == latest && columns(conn, report) {
        rows(conn, report);
    }
}

/// Every table and column of orch's schema at the latest version is there (a table
/// altered by hand, or a file another program changed, reads as damaged rows would
/// otherwise); true when nothing is missing. Extra tables and columns are someone
/// else's business.
fn columns(conn: &Connection, report: &mut CheckReport) -> bool {
    let have = match columns_of(conn) {
        Ok(have) => have,
        Err(e) => {
            report
                .problems
                .push(format!("the tables' columns cannot be read: {e}"));
            return false;
        }
    };
    let missing = crate::store::damage::missing_columns(&expected_columns(), &have);
    let whole = missing.is_empty();
    report.problems.extend(missing);
    whole
}

/// The (table, column) pairs of orch's schema at the latest version, as this binary's
/// migrations make them (applied to a database in memory).
fn expected_columns() -> Vec<(String, String)> {
    let Ok(mut conn) = Connection::open_in_memory() else {
        return Vec::new();
    };
    if super::migrate(&mut conn, Path::new(":memory:")).is_err() {
        return Vec::new();
    }
    columns_of(&conn).unwrap_or_default()
}

/// Each (table, column) of the database (but SQLite's and refinery's own tables).
fn columns_of(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare(
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'refinery_schema_history' ORDER BY m.name, c.cid",
    )?
    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
    .collect()
}

/// Rows SQLite holds without complaint that orch cannot read (see
/// [`crate::store::damage`]).
fn rows(conn: &Connection, report: &mut CheckReport) {
    for (sql, what) in crate::store::damage::row_checks(true) {
        let found = conn.prepare(&sql).and_then(|mut stmt| {
            let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
            ids.collect::<rusqlite::Result<Vec<String>>>()
        });
        match found {
            Ok(ids) => report
                .problems
                .extend(crate::store::damage::found(what, &ids)),
            Err(e) => report.problems.push(format!("cannot look for {what}: {e}")),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies the database `conn` has open into `partial` (created here, mode 0600) and
/// checks the copy.
fn write_copy(conn: &Connection, from: &Path, partial: &Path) -> Result<Backup> {
    super::create_private(partial)?;
    let text = partial.to_str().ok_or_else(|| {
        Error::usage(format!(
            "{} is not valid UTF-8; choose another file name",
            partial.display()
        ))
    })?;
    let at = super::at(from, "copying");
    let version = super::schema_version(conn).map_err(&at)?;
    if version == 0 {
        return Err(Error::failure(format!(
            "{} is not an orch database (it has no schema history)",
            from.display()
        )));
    }
    conn.execute("VACUUM INTO ?1", [text]).map_err(|e| {
        // The disk that is full is the copy's, not the database's: no step was in
        // flight, and the database is as it was.
        let full = matches!(&e, rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DiskFull);
        if !full {
            return at(e);
        }
        let folder = partial
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Error::failure(format!(
            "the disk is full: the copy of {} does not fit in {}",
            from.display(),
            folder.display()
        ))
        .with_hint(
            "free some space there, or write the copy to another disk; the database is unchanged and no partial copy was left",
        )
    })?;
    let copy = open_untouched(partial).map_err(&at)?;
    let verdict: String = copy
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(&at)?;
    if verdict != "ok" {
        return Err(Error::failure(format!(
            "the copy of {} does not pass SQLite's check: {verdict}",
            from.display()
        ))
        .with_hint("`orch db check` says what is wrong with the database"));
    }
    drop(copy);
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::failure(format!("cannot sync {}: {e}", partial.display())))?;
    Ok(Backup {
        path: partial.to_path_buf(),
        size_bytes: len(partial),
        schema_version: version,
    })
}

/// Moves a finished copy to its name: a rename when replacing, else a link, which
/// fails rather than replace a file that appeared meanwhile.
fn place(partial: &Path, to: &Path, replace: bool) -> Result<()> {
    let moved = if replace {
        std::fs::rename(partial, to)
    } else {
        std::fs::hard_link(partial, to).and_then(|()| std::fs::remove_file(partial))
    };
    moved.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::conflict(format!("{} exists already", to.display()))
                .with_hint("choose another file, or pass --force to replace it")
        } else {
            Error::failure(format!("cannot write {}: {e}", to.display()))
        }
    })?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;

    #[test]
    fn an_empty_file_is_told_from_a_missing_and_a_real_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        assert_eq!(file_state(&path), FileState::Missing);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(file_state(&path), FileState::Empty);
        std::fs::write(wal_path(&path), b"x").unwrap();
        assert_eq!(
            file_state(&path),
            FileState::Present,
            "a log beside it may hold the data"
        );
    }

    /// What `orch db check` says of the database at `path`.
    fn check(path: &Path) -> CheckReport {
        block_on(Sqlite::open_as_is(path).unwrap().check()).unwrap()
    }

    fn backup(from: &Path, to: &Path, replace: bool) -> Result<Backup> {
        block_on(Sqlite::open_as_is(from)?.backup(to, replace))
    }

    #[test]
    fn a_sound_database_checks_ok_and_its_copy_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        drop(crate::testing::sqlite(dir.path()));
        let report = check(&path);
        assert!(report.is_sound(), "{report:?}");
        assert_eq!(report.schema_version, Some(super::super::latest_version()));

        let copy = dir.path().join("copy.db");
        let b = backup(&path, &copy, false).unwrap();
        assert_eq!(b.path, copy);
        assert!(check(&copy).is_sound());
        let again = backup(&path, &copy, false).err().unwrap();
        assert_eq!(again.kind, crate::error::Kind::Conflict);
        backup(&path, &copy, true).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        assert!(left.is_empty(), "a partial copy was left behind");
    }

    #[test]
    fn a_check_leaves_the_file_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        let conn = super::super::tests::open_conn(dir.path());
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        drop(conn);
        let before = std::fs::read(&path).unwrap();
        assert!(check(&path).is_sound());
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn garbage_and_an_empty_file_are_reported_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        std::fs::write(&path, b"hello, this is not a database at all").unwrap();
        let report = check(&path);
        assert!(!report.is_sound());
        assert!(
            report.problems[0].contains("not a SQLite database"),
            "{report:?}"
        );
        std::fs::write(&path, b"").unwrap();
        assert!(check(&path).problems[0].contains("empty"));
        let refused = backup(&path, &dir.path().join("copy.db"), false)
            .err()
            .unwrap();
        assert!(
            refused.message.contains("empty file"),
            "{}",
            refused.message
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn a_missing_database_is_not_opened_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orch.db");
        let err = Sqlite::open_as_is(&path).err().unwrap();
        assert_eq!(err.kind, crate::error::Kind::NotFound);
        assert!(!path.exists());
    }
}
