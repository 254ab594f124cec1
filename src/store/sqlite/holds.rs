//! Which reader reads a named consumer now, on SQLite: a byte-range lock per name on
//! a small file beside the database (`<db>-consumers`, mode 0600, always empty).
//!
//! Why a lock the kernel keeps, and why these: the hold must end the moment its
//! reader ends, however it ends (a kill -9 included), so a restarted consumer never
//! waits out a lease, and it must work between processes on one host, which is where
//! a SQLite database is shared. An open file description lock (`F_OFD_SETLK`) is
//! released when the last descriptor of its open file is closed, which the kernel
//! does when the process dies; unlike a classic POSIX lock it belongs to the open file
//! rather than the process, so a second hold in the same process conflicts too, and
//! nothing else this process opens or closes can drop it. It lives on a file of its
//! own, never on the database or its `-wal`/`-shm`: SQLite keeps POSIX locks on those,
//! and they would not mix. The byte locked is the name's place, a 62-bit number from
//! its SHA-256 hash; no byte is ever written. The descriptor is close-on-exec, so an
//! `--exec` command that outlives its reader holds nothing.
//!
//! On systems without OFD locks a hold always succeeds: the compare-and-set of
//! `advance_consumer` is then the only guard, as it is the second one everywhere.

use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::events::{HOLD_GRACE, HOLD_RETRY};

/// A held consumer name; dropping it (or the process ending) lets go.
#[derive(Debug)]
pub struct Hold {
    // Held for its lock, which closing it releases.
    _file: File,
}

/// The file the holds of the database at `db` are taken on: beside the database file
/// itself, so every path to it (a symbolic link, `..`) meets the same locks, as
/// SQLite's own `-wal` and `-shm` are beside the file a link leads to.
fn holds_path(db: &Path) -> PathBuf {
    let real = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let mut name = real.into_os_string();
    name.push("-consumers");
    PathBuf::from(name)
}

/// Where a name's byte lies: stable across orch versions and processes.
fn offset(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    // 62 bits: the byte and the one after it stay far below the largest offset.
    (u64::from_be_bytes(head) >> 2) as i64
}

/// Takes `name` for this reader; None when another reader holds it for longer than
/// [`HOLD_GRACE`].
pub async fn take(db: &Path, name: &str) -> Result<Option<Hold>, Error> {
    let path = holds_path(db);
    let file = open(&path, true).map_err(|e| {
        Error::failure(format!(
            "cannot open {} to hold consumer {name}: {e}",
            path.display()
        ))
        .with_hint("orch keeps the names being read there, beside the database; check the permissions of the database's folder")
    })?;
    let deadline = tokio::time::Instant::now() + HOLD_GRACE;
    loop {
        match lock(&file, offset(name), true) {
            Ok(true) => return Ok(Some(Hold { _file: file })),
            Ok(false) if tokio::time::Instant::now() >= deadline => return Ok(None),
            Ok(false) => tokio::time::sleep(HOLD_RETRY).await,
            Err(e) => {
                return Err(Error::failure(format!(
                    "cannot lock {} to hold consumer {name}: {e}",
                    path.display()
                )));
            }
        }
    }
}

/// Of `names`, whether another reader holds each now (false for all when nothing
/// was ever held). Creates nothing.
pub fn held(db: &Path, names: &[String]) -> Vec<bool> {
    let Ok(file) = open(&holds_path(db), false) else {
        return vec![false; names.len()];
    };
    names
        .iter()
        .map(|n| lock(&file, offset(n), false).is_ok_and(|free| !free))
        .collect()
}

/// Opens the holds file; `create` makes it (mode 0600) when missing, for writing.
fn open(path: &Path, create: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    if create {
        options.write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
    }
    options.open(path)
}

/// Locks the byte at `at` for writing (`take`), or only asks whether it could be
/// (`!take`); true when it is (or would be) this caller's.
#[cfg(target_os = "linux")]
fn lock(file: &File, at: i64, take: bool) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock is plain data; all-zero is a valid value, filled in below.
    let mut range: libc::flock = unsafe { std::mem::zeroed() };
    range.l_type = libc::F_WRLCK as libc::c_short;
    range.l_whence = libc::SEEK_SET as libc::c_short;
    range.l_start = at;
    range.l_len = 1;
    // l_pid must be 0 for OFD locks (zeroed above).
    let command = if take {
        libc::F_OFD_SETLK
    } else {
        libc::F_OFD_GETLK
    };
    // SAFETY: the descriptor is open for as long as `file` lives, and `range` is a
    // valid flock the call may write to.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), command, &mut range) };
    if rc == -1 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) if take => Ok(false),
            _ => Err(e),
        };
    }
    Ok(take || range.l_type == libc::F_UNLCK as libc::c_short)
}

#[cfg(not(target_os = "linux"))]
fn lock(_file: &File, _at: i64, _take: bool) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_held_by_one_reader_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("orch.db");
        let names = ["billing".to_string(), "audit".to_string()];
        assert_eq!(held(&db, &names), [false, false], "nothing held yet");
        let first = take(&db, "billing")
            .await
            .unwrap()
            .expect("a free name is taken");
        // A second hold conflicts, also in the same process.
        assert!(take(&db, "billing").await.unwrap().is_none());
        let other = take(&db, "audit")
            .await
            .unwrap()
            .expect("another name is free");
        assert_eq!(held(&db, &names), [true, true]);
        drop(first);
        assert_eq!(held(&db, &names), [false, true]);
        assert!(take(&db, "billing").await.unwrap().is_some());
        drop(other);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(holds_path(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            assert_eq!(std::fs::metadata(holds_path(&db)).unwrap().len(), 0);
        }
    }

    /// Through a symbolic link to the database, the same name is the same hold.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_link_to_the_database_meets_the_same_holds() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("orch.db");
        std::fs::write(&db, b"").unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let link = elsewhere.join("current.db");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        let _first = take(&db, "billing").await.unwrap().expect("free");
        assert!(take(&link, "billing").await.unwrap().is_none());
        assert_eq!(held(&link, &["billing".to_string()]), [true]);
        assert!(!elsewhere.join("current.db-consumers").exists());
    }
}
