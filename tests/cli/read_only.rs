//! A SQLite database in a folder orch may not write (a backup mounted read-only,
//! another user's project): the commands that only read use a snapshot of the file,
//! as `db check` and `db backup` do; a write-ahead log with commits in it, and every
//! command that writes, are refused. As root, orch runs as `nobody` (through
//! `setpriv`), for whom the folder is read-only.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Project;

/// A copy of a project's database in a folder of its own, and a copy of orch anyone
/// may run.
struct Copy {
    place: tempfile::TempDir,
}

impl Copy {
    fn of(p: &Project) -> Copy {
        let place = tempfile::tempdir().unwrap();
        std::fs::create_dir(place.path().join("ro")).unwrap();
        std::fs::copy(p.db(), place.path().join("ro/orch.db")).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_orch"), place.path().join("orch")).unwrap();
        chmod(place.path(), 0o755);
        chmod(&place.path().join("ro/orch.db"), 0o644);
        Copy { place }
    }

    fn dir(&self) -> PathBuf {
        self.place.path().join("ro")
    }

    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs orch on the copy as a user who may not write its folder: (code, stdout,
    /// stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let orch = self.place.path().join("orch");
        let mut cmd = if unsafe { libc::geteuid() } == 0 {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&orch);
            c
        } else {
            std::process::Command::new(&orch)
        };
        let db = self.dir().join("orch.db").display().to_string();
        let out = cmd
            .args(["--db", &db])
            .args(args)
            .current_dir(self.place.path())
            .env_remove("ORCH_DB")
            .env_remove("ORCH_DIR")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        chmod(&self.dir(), 0o755);
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A project with one completed process; its id.
fn a_project_with_a_process() -> (Project, String) {
    let p = Project::on(super::Store::Sqlite).unwrap();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let run = p.ok_json(&["workflow", "run", "t"]);
    assert_eq!(run["status"], "completed", "{run}");
    let id = run["id"].as_str().unwrap().to_string();
    (p, id)
}

#[test]
fn reading_commands_read_a_database_in_a_read_only_folder_as_a_snapshot() {
    let (p, id) = a_project_with_a_process();
    let copy = Copy::of(&p);
    // An empty log, as a reader that was still open left it, holds nothing the file
    // lacks.
    std::fs::write(copy.dir().join("orch.db-wal"), b"").unwrap();
    chmod(&copy.dir(), 0o555);
    let (code, out, err) = copy.run(&["-o", "json", "process", "list"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&id), "{out}");
    assert_eq!(err.matches("read as a snapshot").count(), 1, "{err}");
    assert!(err.contains("may not write"), "{err}");
    for args in [
        &["process", "show", id.as_str()][..],
        &["db", "status"],
        &["events"],
        &["subscription", "list"],
        &["product", "list"],
        &["token", "list"],
    ] {
        let (code, out, err) = copy.run(args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    let (code, _, err) = copy.run(&["process", "retry", &id]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write the database"), "{err}");
    assert!(err.contains("commands that only read it"), "{err}");
    assert_eq!(copy.entries(), ["orch.db", "orch.db-wal"]);
}

#[test]
fn a_write_ahead_log_with_commits_in_a_read_only_folder_is_refused() {
    let (p, _) = a_project_with_a_process();
    let copy = Copy::of(&p);
    let db = copy.dir().join("orch.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .unwrap();
        conn.execute_batch("DELETE FROM events").unwrap();
    }
    let _ = std::fs::remove_file(copy.dir().join("orch.db-shm"));
    assert!(
        std::fs::metadata(copy.dir().join("orch.db-wal"))
            .unwrap()
            .len()
            > 0
    );
    chmod(&db, 0o644);
    chmod(&copy.dir().join("orch.db-wal"), 0o644);
    chmod(&copy.dir(), 0o555);
    let (code, out, err) = copy.run(&["process", "list"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("write-ahead log"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(!err.contains("snapshot"), "{err}");
    assert_eq!(copy.entries(), ["orch.db", "orch.db-wal"]);
}
