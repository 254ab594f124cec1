//! Data safety and honesty: no database where there is no project, no silent new
//! database in an empty file, `db check` and `db backup`, `-q` that still reports a
//! failure, resume after the workflow file changed, and steps that still run when orch
//! starts with SIGCHLD ignored.

use std::path::Path;
use std::process::Stdio;

use super::both;
use super::{CREATE_RTR1, Project, step_names};

/// Runs orch in `dir` (not a project's folder) and returns (code, stdout, stderr).
fn run_in(p: &Project, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = p.command().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_command_outside_a_project_creates_nothing_and_says_where_to_go() {
    // The README's first command works in the example project...
    let p = Project::example();
    let (code, _, err) = p.run(CREATE_RTR1);
    assert_eq!(code, 0, "{err}");
    // ...and read-only commands in an empty folder create nothing.
    let empty = tempfile::tempdir().unwrap();
    for args in [
        &["subscription", "list"][..],
        &["workflow", "list"],
        &["process", "list"],
        &["process", "show", "0123abcd"],
        &["product", "list"],
        &["events"],
        &["db", "status"],
        &["db", "check"],
    ] {
        let (code, out, err) = run_in(&p, empty.path(), args);
        assert_eq!(code, 6, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed data: {out}");
        assert!(err.contains("no orch project here"), "{args:?}: {err}");
        for what in ["--dir", "cd", "orch init"] {
            assert!(
                err.contains(what),
                "{args:?} does not mention {what}: {err}"
            );
        }
    }
    // A --dir that does not exist is not found either (exit 6).
    let (code, _, err) = run_in(
        &p,
        empty.path(),
        &["--dir", "no/such/place", "process", "list"],
    );
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    // A --dir that names the project's file, not its folder, says which folder it means.
    let file = p.path().join("orch.toml");
    let (code, _, err) = run_in(
        &p,
        empty.path(),
        &["--dir", file.to_str().unwrap(), "process", "list"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a file, not a project folder"), "{err}");
    assert!(
        err.contains(&format!("--dir {}", p.path().display())),
        "{err}"
    );
    // A command that would write refuses too; only `orch init` makes a project.
    let (code, _, err) = run_in(&p, empty.path(), &["task", "run", "cleanup_tasks"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        entries(empty.path()).is_empty(),
        "{:?}",
        entries(empty.path())
    );

    // A folder inside a project without orch.toml: the hint names the project.
    let inside = p.path().join("workflows/scripts");
    std::fs::remove_file(p.path().join("orch.toml")).unwrap();
    let (code, _, err) = run_in(&p, &inside, &["subscription", "list"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(&format!("cd {}", p.path().display())),
        "names the nearest folder with workflows/: {err}"
    );
    assert!(
        !err.contains("orch init"),
        "not a project inside a project: {err}"
    );
    assert!(!inside.join("orch.db").exists());

    // Naming the database is enough; a reader still creates none, a writer does.
    let db = empty.path().join("named.db");
    let named = |args: &[&str]| {
        let mut all = vec!["--db", db.to_str().unwrap()];
        all.extend_from_slice(args);
        run_in(&p, empty.path(), &all)
    };
    let (code, _, err) = named(&["process", "list"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("there is no database at"), "{err}");
    assert!(!db.exists(), "a reader created the named database");
    let (code, _, err) = named(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = named(&["process", "list"]);
    assert_eq!(code, 0, "{err}");
    // `orch init` still makes a project.
    let (code, _, err) = run_in(&p, empty.path(), &["init"]);
    assert_eq!(code, 0, "{err}");
    assert!(empty.path().join("orch.db").exists());
}

#[test]
fn an_empty_database_file_is_refused_by_readers_and_announced_by_writers() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    std::fs::write(p.db(), b"").unwrap();
    for args in [
        &["process", "list"][..],
        &["subscription", "list"],
        &["db", "status"],
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("is an empty file (0 bytes)"), "{err}");
        assert!(err.contains("orch db backup"), "{err}");
        assert_eq!(std::fs::metadata(p.db()).unwrap().len(), 0, "{args:?}");
    }
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning:") && err.contains("empty file (0 bytes)"),
        "a writer says what it did: {err}"
    );
    assert_eq!(p.ok_json(&["process", "list"]).as_array().unwrap().len(), 1);
}

/// Commands started together on a project without a database: the writers create it
/// and both succeed; each reader either finds no database yet (exit 6, said so) or
/// reads a whole one. None sees a database half made: an empty file, or one without
/// orch's tables yet.
#[test]
fn readers_racing_the_creation_of_the_database_see_none_or_all_of_it() {
    for _ in 0..6 {
        let p = Project::new();
        p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
        let mut started = Vec::new();
        for i in 0..10 {
            let args: &[&str] = if i % 5 == 2 {
                &["-o", "json", "workflow", "run", "t"]
            } else {
                &["-o", "json", "process", "list"]
            };
            let child = p
                .command()
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            started.push((args, child));
        }
        for (args, child) in started {
            let out = child.wait_with_output().unwrap();
            let code = out.status.code().unwrap_or(-1);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let read: Option<serde_json::Value> = serde_json::from_str(&stdout).ok();
            if args.contains(&"run") {
                assert_eq!(code, 0, "{args:?}: {stderr}");
                assert_eq!(read.unwrap()["status"], "completed", "{stdout}");
            } else if code == 6 {
                assert!(
                    stderr.starts_with("error: there is no database at"),
                    "{args:?}: {stderr}"
                );
            } else {
                assert_eq!(code, 0, "{args:?}: {stderr}");
                assert!(read.is_some_and(|v| v.is_array()), "{stdout}");
            }
        }
        assert_eq!(p.ok_json(&["process", "list"]).as_array().unwrap().len(), 2);
        let left: Vec<String> = std::fs::read_dir(p.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "left beside the database: {left:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(p.db()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }
}

/// What a creation of the database cut off by `kill -9` left beside it goes with the
/// next creation; what a creation still running builds stays.
#[test]
#[cfg(unix)]
fn a_creation_cut_off_leaves_nothing_once_the_database_is_created() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    // An orch that is gone: a child that has exited and been waited for.
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let name = p.db().file_name().unwrap().to_string_lossy().into_owned();
    let cut_off = [
        format!(".{name}.{dead_pid}-123456789.new"),
        format!(".{name}.{dead_pid}-123456789.new-wal"),
        format!(".{name}.{dead_pid}-123456789.new-shm"),
    ];
    let building = format!(".{name}.{}-42.new", std::process::id());
    let unrelated = format!(".{name}.notes");
    for file in cut_off.iter().chain([&building, &unrelated]) {
        std::fs::write(p.path().join(file), b"partial").unwrap();
    }
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 0, "{err}");
    for file in &cut_off {
        assert!(!p.path().join(file).exists(), "{file} was left");
    }
    assert!(
        p.path().join(&building).exists(),
        "a running creation's file was removed"
    );
    assert!(
        p.path().join(&unrelated).exists(),
        "a file not orch's was removed"
    );
}

/// Overwrites the middle of a database file with garbage.
fn damage(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let len = std::fs::metadata(db).unwrap().len();
    assert!(len > 8 * 4096, "a database to damage: {len} bytes");
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(4096)).unwrap();
    f.write_all(&vec![0xA5; (len / 2) as usize]).unwrap();
}

#[test]
fn db_check_says_what_is_wrong_and_changes_nothing() {
    let p = Project::example();
    let v = p.ok_json(CREATE_RTR1);
    assert_eq!(v["status"], "completed");
    let (code, out, err) = p.run(&["db", "check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok, no problems found"), "{out}");
    let ok = p.ok_json(&["db", "check"]);
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["problems"], serde_json::json!([]));
    assert!(ok["schema_version"].as_i64().unwrap() >= 1, "{ok}");

    damage(&p.db());
    let before = std::fs::read(p.db()).unwrap();
    let (code, out, err) = p.run(&["db", "check"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("DAMAGED"), "{out}");
    assert!(err.contains("orch db backup"), "{err}");
    let report = p.json_exiting(&["db", "check"], 1);
    assert_eq!(report["ok"], false);
    assert!(
        !report["problems"].as_array().unwrap().is_empty(),
        "{report}"
    );
    assert_eq!(
        std::fs::read(p.db()).unwrap(),
        before,
        "db check wrote to it"
    );

    // Other commands point at the check and at backups.
    let (code, _, err) = p.run(&["subscription", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("orch db check") && err.contains("orch db backup"),
        "{err}"
    );

    // Not a database at all, and no database.
    std::fs::write(p.db(), "name,role\nrtr1,core\n".repeat(100)).unwrap();
    let report = p.json_exiting(&["db", "check"], 1);
    assert!(
        report["problems"][0]
            .as_str()
            .unwrap()
            .contains("not a SQLite database"),
        "{report}"
    );
    let (code, _, err) = p.run(&["--db", "nothing.db", "db", "check"]);
    assert_eq!(code, 6, "{err}");
}

/// A database damaged where orch looks first, on opening (its schema's pages), is
/// called damaged by every command, with the file and where to look, as a damaged
/// page found later is; and it is left as it was.
#[test]
fn a_database_damaged_where_opening_reads_points_at_db_check() {
    let p = Project::new();
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(p.db())
            .unwrap();
        f.seek(SeekFrom::Start(4096)).unwrap();
        f.write_all(&[0xA5; 2000]).unwrap();
    }
    let before = std::fs::read(p.db()).unwrap();
    let db = p.db().display().to_string();
    for args in [
        &["process", "list"][..],
        &["product", "load"],
        &["db", "migrate"],
    ] {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("the database is damaged"), "{args:?}: {err}");
        assert!(err.contains(&db), "{args:?}: {err}");
        assert!(
            err.contains("orch db check") && err.contains("orch db backup"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read(p.db()).unwrap(),
        before,
        "the file was changed"
    );
}

/// Rows SQLite keeps without complaint but orch cannot read (edited by hand) are
/// found by `db check`, each kind named with its first row; a history row refinery
/// could not read stops a command with the same words, not a panic.
#[test]
fn db_check_finds_rows_orch_cannot_read() {
    let p = Project::example();
    let v = p.ok_json(CREATE_RTR1);
    let id = v["id"].as_str().unwrap().to_string();
    let sub = v["subscription_id"].as_str().unwrap().to_string();
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(&format!(
        "UPDATE processes SET status = 'bogus' WHERE process_id = '{id}';
         UPDATE process_states SET state = '[[[' WHERE process_id = '{id}';
         UPDATE subscriptions SET document = 'not json {{' WHERE subscription_id = '{sub}';"
    ))
    .unwrap();
    let report = p.json_exiting(&["db", "check"], 1);
    let problems = report["problems"].to_string();
    for expected in [
        &format!("1 process(es) with a status orch does not know (the first: {id})"),
        &format!("1 process state(s) that are not JSON (the first: {id})"),
        &format!("1 subscription document(s) that are not JSON (the first: {sub})"),
    ] {
        assert!(
            problems.contains(expected.as_str()),
            "{expected}\n{problems}"
        );
    }
    // The readers say the same row, as stored data orch cannot read, not as a bug.
    for args in [vec!["process", "list"], vec!["process", "show", &id]] {
        let (code, _, err) = p.run(&args);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("process {id}: `bogus` is not a process status"))
                && err.contains("orch db check")
                && !err.contains("bug"),
            "{err}"
        );
    }
    conn.execute_batch(
        "UPDATE refinery_schema_history SET applied_on = 'yesterday' WHERE version = 3",
    )
    .unwrap();
    drop(conn);
    let (code, _, err) = p.run(&["process", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("migration history") && err.contains("`yesterday`"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let report = p.json_exiting(&["db", "check"], 1);
    assert!(
        report["problems"].to_string().contains("`yesterday`"),
        "{report}"
    );
}

/// A task of `n` builtin steps (each one its own transaction).
fn many_steps(p: &Project, n: usize) {
    let mut steps = String::new();
    for i in 0..n {
        steps.push_str(&format!("[[step]]\nname = \"S{i}\"\nbuiltin = \"noop\"\n"));
    }
    p.task(&steps);
}

#[test]
fn db_backup_copies_consistently_while_a_run_writes() {
    let p = Project::new();
    many_steps(&p, 800);
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    let writer = p
        .command()
        .args(["-q", "workflow", "run", "t"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for i in 0..3 {
        let file = format!("copy{i}.db");
        let (code, _, err) = p.run(&["db", "backup", &file]);
        assert_eq!(code, 0, "{err}");
        let copy = p.path().join(&file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file} is not private");
        }
        let report = p.ok_json(&["--db", &file, "db", "check"]);
        assert_eq!(report["ok"], true, "{file}: {report}");
        // Every step in the copy is whole: the state holds what the log says.
        let list = p.ok_json(&["--db", &file, "process", "list"]);
        if let Some(id) = list[0]["id"].as_str() {
            let shown = p.ok_json(&["--db", &file, "process", "show", id]);
            let steps = shown["steps"].as_array().unwrap().len();
            // A copy taken between the process's creation and its first step holds
            // the process without steps, and says no last step.
            let last = match steps {
                0 => serde_json::Value::Null,
                n => shown["steps"][n - 1]["name"].clone(),
            };
            assert_eq!(shown["last_step"], last, "{file}");
            seen.push(steps);
        }
    }
    let out = writer.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the run was disturbed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");

    // An existing file is replaced only with --force.
    let before = std::fs::read(p.path().join("copy0.db")).unwrap();
    let (code, _, err) = p.run(&["db", "backup", "copy0.db"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(p.path().join("copy0.db")).unwrap(), before);
    let (code, _, err) = p.run(&["db", "backup", "copy0.db", "--force"]);
    assert_eq!(code, 0, "{err}");
    let after = p.ok_json(&["--db", "copy0.db", "process", "list"]);
    assert_eq!(after[0]["status"], "completed", "{after}");
}

/// A step that fails after writing more lines on stderr than are shown.
const FAILING: &str = "[[step]]\nname = \"Ping\"\nrun = \"for i in 1 2 3 4 5 6; do echo line $i >&2; done; echo 'netbox API: 503' >&2; exit 1\"\n";

fn quiet_prints_only_data_and_errors_and_a_failure_is_an_error() {
    let p = Project::new();
    p.task(FAILING);
    let (code, out, err) = p.run(&["-q", "workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty(), "{out}");
    let id = p.ok_json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(&id), "names the process: {err}");
    assert!(err.contains("step `Ping`"), "{err}");
    assert!(err.contains("exited with status 1"), "{err}");
    assert!(
        err.contains("netbox API: 503"),
        "the end of its stderr: {err}"
    );
    assert!(!err.contains("line 2"), "only the last lines: {err}");
    assert!(!err.contains("started") && !err.contains("✓"), "{err}");

    // -q with JSON: the process on stdout, the error on stderr.
    let (code, out, err) = p.run(&["-q", "-o", "json", "process", "retry", &id]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "failed");
    assert!(err.contains("netbox API: 503"), "{err}");

    // A process at rest is an outcome, not an error: said once, with the way on.
    ask_then(&p, "true");
    let (code, out, err) = p.run(&["-q", "workflow", "run", "t"]);
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.starts_with("process "), "{err}");
    assert!(
        err.contains("suspended, awaiting input at step `Confirm`"),
        "{err}"
    );
    assert!(!err.contains("error"), "{err}");
    assert!(err.contains("hint: `orch process resume "), "{err}");

    // A quiet success says nothing.
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let (code, out, err) = p.run(&["-q", "workflow", "run", "t"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

/// stderr closed by its reader (as in `orch … 2>&1 | head -1`) loses the progress
/// lines, never the run: the process completes and orch exits 0.
fn a_closed_stderr_does_not_stop_a_run() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nrun = \"sleep 0.2\"\n[[step]]\nname = \"B\"\nrun = \"sleep 0.2\"\n");
    let mut child = p
        .command()
        .args(["workflow", "run", "t"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let list = p.ok_json(&["process", "list"]);
    assert_eq!(list[0]["status"], "completed", "{list}");
}

/// orch started with SIGCHLD ignored (a parent may leave it so, and `exec` keeps it)
/// still learns how each step's shell ended, rather than finding it reaped away.
fn steps_run_when_orch_starts_with_sigchld_ignored() {
    use std::os::unix::process::CommandExt;
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nrun = \"true\"\n[[step]]\nname = \"B\"\nrun = \"exit 3\"\n");
    let mut cmd = p.command();
    cmd.args(["workflow", "run", "t"]).stdout(Stdio::null());
    // SAFETY: between fork and exec only `signal`, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGCHLD, libc::SIG_IGN);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // A succeeds, B fails with its own exit status, not a lost child.
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("exited with status 3"), "{err}");
}

/// A task that asks for input, then runs `after`.
fn ask_then(p: &Project, after: &str) {
    p.task(&format!(
        "[[step]]\nname = \"Confirm\"\ninput.fields = [{{ name = \"ok\", type = \"bool\" }}]\n[[step]]\nname = \"A\"\nrun = \"{after}\"\n"
    ));
}

fn resume_after_an_edit_warns_and_takes_use_current() {
    let p = Project::new();
    ask_then(&p, "exit 1");
    let first = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.task(
        "[[step]]\nname = \"Confirm\"\ninput.fields = [{ name = \"ok\", type = \"bool\" }]\n[[step]]\nname = \"A\"\nrun = \"true\"\n[[step]]\nname = \"B\"\nbuiltin = \"noop\"\n",
    );

    // The stored definition runs, with a warning; its failure points at --use-current.
    let (code, _, err) = p.run(&["process", "resume", &first, "--input", "ok=true"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("changed since this process started; resuming with the stored definition"),
        "{err}"
    );
    assert!(
        err.contains(&format!("orch process retry {first} --use-current")),
        "{err}"
    );
    // A retry with the stored definition that fails again says so too.
    let (code, _, err) = p.run(&["process", "retry", &first]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("--use-current"), "{err}");
    let v = p.ok_json(&["process", "retry", &first, "--use-current"]);
    assert_eq!(v["status"], "completed");

    // resume --use-current runs the file as it is now.
    let v = p.ok_json(&[
        "process",
        "resume",
        &second,
        "--use-current",
        "--input",
        "ok=true",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    assert!(step_names(&v).contains(&"B"), "{v}");
}

/// `--use-current` with a workflow file that is there but broken names the file and its
/// problem (exit 2), rather than saying the workflow is gone (exit 6).
fn use_current_with_a_broken_file_names_the_problem() {
    let p = Project::new();
    ask_then(&p, "exit 1");
    let id = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\nwith = { message = \"x\" }\n");
    let refused = |args: &[&str]| {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("no longer reads from workflows/"), "{err}");
        assert!(err.contains("t.toml:"), "{err}");
        assert!(!err.contains("is no longer in workflows/"), "{err}");
        assert!(err.contains("hint: fix the file"), "{err}");
    };
    refused(&[
        "process",
        "resume",
        &id,
        "--use-current",
        "--input",
        "ok=true",
    ]);
    // Without --use-current the stored definition runs (and its step A fails).
    let (code, _, err) = p.run(&["process", "resume", &id, "--input", "ok=true"]);
    assert_eq!(code, 3, "{err}");
    refused(&["process", "retry", &id, "--use-current"]);
}

/// A project with one completed run, whose database `db check` finds whole.
fn a_project_that_checks_ok() -> Project {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    assert_eq!(p.ok_json(&["workflow", "run", "t"])["status"], "completed");
    assert_eq!(p.ok_json(&["db", "check"])["ok"], true);
    p
}

/// A table dropped by hand is found by `db check`, named, rather than met later as a
/// driver error in the middle of a command.
fn db_check_finds_a_table_dropped_by_hand() {
    let p = a_project_that_checks_ok();
    p.sql("DROP TABLE schedules");
    let report = p.json_exiting(&["db", "check"], 1);
    assert_eq!(report["ok"], false, "{report}");
    assert!(
        report["problems"]
            .to_string()
            .contains("the table `schedules` is missing"),
        "{report}"
    );
}

/// A column dropped by hand is found as well (each table is compared with the one
/// this orch's migrations make), before the row checks would meet it as an SQL error.
fn db_check_finds_a_column_dropped_by_hand() {
    let p = a_project_that_checks_ok();
    p.sql("ALTER TABLE processes DROP COLUMN owner_host");
    let report = p.json_exiting(&["db", "check"], 1);
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(
        report["problems"],
        serde_json::json!(["the table `processes` has no column `owner_host`"]),
        "{report}"
    );
}

/// A migration history edited by hand (a migration renamed, one deleted) is found by
/// `db check`, which read it as fine before.
fn db_check_finds_a_migration_history_edited_by_hand() {
    let p = a_project_that_checks_ok();
    p.sql("UPDATE refinery_schema_history SET name = 'renamed', checksum = '42' WHERE version = 3");
    p.sql("DELETE FROM refinery_schema_history WHERE version = 2");
    let report = p.json_exiting(&["db", "check"], 1);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("records V3 as `renamed` (checksum 42)"),
        "{report}"
    );
    assert!(problems.contains("lacks V2 ("), "{report}");
}

/// A migration recorded otherwise than this orch has it stops the migration that
/// would follow it in orch's words (which migration, as recorded and as orch has it),
/// pointing at `db check`, on both stores; and the schema is left as it was.
fn a_migration_recorded_otherwise_stops_migrating_with_a_hint() {
    let p = a_project_that_checks_ok();
    p.sql("UPDATE refinery_schema_history SET checksum = '42' WHERE version = 1");
    p.sql("DELETE FROM refinery_schema_history WHERE version = (SELECT MAX(version) FROM refinery_schema_history)");
    let history = p.sql("SELECT version, checksum FROM refinery_schema_history ORDER BY version");
    for args in [&["process", "list"][..], &["db", "migrate"]] {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains("records V1__") && err.contains("(checksum 42), not as this orch has it"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("filesystem"), "{args:?}: {err}");
        assert!(
            err.contains("hint: ") && err.contains("db check"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        p.sql("SELECT version, checksum FROM refinery_schema_history ORDER BY version"),
        history
    );
}

/// A file another connection holds locked is not called damaged: what SQLite could
/// not check (its full-text index, which it checks by writing) is noted, and the
/// check passes.
#[test]
fn db_check_of_a_locked_file_notes_what_it_could_not_check() {
    let p = a_project_that_checks_ok();
    let holder = rusqlite::Connection::open(p.db()).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; UPDATE processes SET status = status WHERE 0;")
        .unwrap();
    let report = p.json_exiting(&["db", "check"], 0);
    assert_eq!(report["ok"], true, "{report}");
    assert!(
        report["notes"].to_string().contains("not checked"),
        "{report}"
    );
    holder.execute_batch("COMMIT").unwrap();
}

/// A command that cannot write because another program holds the database's write
/// lock past the busy timeout says which database is busy (exit 7), and what it was
/// writing is not half there.
#[test]
fn a_database_locked_by_another_program_is_named_when_busy() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let (code, _, err) = p.run(&["task", "run", "t"]);
    assert_eq!(code, 0, "{err}");
    let holder = rusqlite::Connection::open(p.db()).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; UPDATE processes SET status = status WHERE 0;")
        .unwrap();
    let (code, _, err) = p.run(&["task", "run", "t"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("the database is busy"), "{err}");
    assert!(err.contains(&p.db().display().to_string()), "{err}");
    assert!(err.contains("hint: "), "{err}");
    holder.execute_batch("COMMIT").unwrap();
    let (_, out, _) = p.run(&["-o", "json", "process", "list"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

/// A mistyped --db naming another application's SQLite file, or a file too short to
/// be a database, is refused by every command that would write, and left as it was
/// (its journal mode too); `db migrate` adds orch's tables to the first on purpose.
#[test]
fn another_applications_database_or_a_short_file_is_not_taken_over() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let theirs = p.path().join("billing.db");
    {
        let c = rusqlite::Connection::open(&theirs).unwrap();
        c.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER); INSERT INTO invoices (amount) VALUES (42);")
            .unwrap();
    }
    let db = theirs.display().to_string();
    let before = std::fs::read(&theirs).unwrap();
    for args in [
        &["workflow", "run", "t"][..],
        &["worker", "--once"],
        &["product", "load"],
    ] {
        let mut all = vec!["--db", db.as_str()];
        all.extend_from_slice(args);
        let (code, _, err) = p.run(&all);
        assert_eq!(code, 6, "{args:?}: {err}");
        assert!(
            err.contains("another application's SQLite database (tables invoices)"),
            "{err}"
        );
        assert!(err.contains("orch db migrate"), "{err}");
    }
    assert_eq!(
        std::fs::read(&theirs).unwrap(),
        before,
        "the file was changed"
    );
    // A command that only reads says it is not orch's, and changes nothing either.
    let (code, _, err) = p.run(&["--db", &db, "process", "list"]);
    assert_eq!(code, 6, "{err}");
    assert_eq!(
        std::fs::read(&theirs).unwrap(),
        before,
        "process list changed it"
    );
    let (code, _, err) = p.run(&["--db", &db, "db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.run(&["--db", &db, "workflow", "run", "t"]).0, 0);
    let kept: i64 = rusqlite::Connection::open(&theirs)
        .unwrap()
        .query_row("SELECT amount FROM invoices", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 42);

    let short = p.path().join("short.db");
    std::fs::write(&short, "x").unwrap();
    let short_db = short.display().to_string();
    for args in [&["process", "list"][..], &["workflow", "run", "t"]] {
        let mut all = vec!["--db", short_db.as_str()];
        all.extend_from_slice(args);
        let (code, _, err) = p.run(&all);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("not a database: 1 byte,"), "{err}");
    }
    assert_eq!(std::fs::read(&short).unwrap(), b"x");
}

/// A database in a folder orch may not write (SQLite cannot make its shared-memory
/// file there) is checked as it is on disk, not called damaged. As root, the check runs
/// as `nobody` (through `setpriv`), for whom the folder is read-only.
#[test]
fn db_check_of_a_database_in_a_read_only_folder_is_not_damage() {
    use std::os::unix::fs::PermissionsExt;
    let p = a_project_that_checks_ok();
    let place = tempfile::tempdir().unwrap();
    let dir = place.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(p.db(), dir.join("orch.db")).unwrap();
    let orch = place.path().join("orch");
    std::fs::copy(env!("CARGO_BIN_EXE_orch"), &orch).unwrap();
    for (path, mode) in [
        (&dir, 0o555),
        (&dir.join("orch.db"), 0o444),
        (&place.path().to_path_buf(), 0o755),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let db = dir.join("orch.db").display().to_string();
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&orch);
        c
    } else {
        std::process::Command::new(&orch)
    };
    let out = cmd
        .args(["--db", &db, "-o", "json", "db", "check"])
        .current_dir(place.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert!(
        report["notes"].to_string().contains("read-only here"),
        "{report}"
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `db check`, `db backup` and `db status` of a database a newer orch wrote close the
/// database as every command does: nothing is left beside the file, and a copy is one
/// file too.
#[test]
fn db_check_backup_and_status_leave_nothing_beside_the_database() {
    let p = a_project_that_checks_ok();
    let files = || {
        entries(p.path())
            .into_iter()
            .filter(|n| n.contains(".db"))
            .collect::<Vec<_>>()
    };
    assert_eq!(files(), ["orch.db"]);
    assert_eq!(p.run(&["db", "check"]).0, 0);
    assert_eq!(files(), ["orch.db"], "after db check");
    assert_eq!(p.run(&["db", "backup", "copy.db"]).0, 0);
    assert_eq!(files(), ["copy.db", "orch.db"], "after db backup");
    assert_eq!(p.run(&["--db", "copy.db", "db", "check"]).0, 0);
    assert_eq!(
        files(),
        ["copy.db", "orch.db"],
        "after db check of the copy"
    );
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute_batch("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        .unwrap();
    assert_eq!(files(), ["copy.db", "orch.db"]);
    let (code, _, err) = p.run(&["db", "status"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("newer orch"), "{err}");
    assert_eq!(files(), ["copy.db", "orch.db"], "after db status");
}

/// A database file orch may not write, in a folder it may: `db check` and `db
/// backup` read it whole and make nothing beside it (SQLite would leave a
/// shared-memory file there with the database's read-only mode). As root, they run
/// as `nobody` (through `setpriv`).
#[test]
fn a_read_only_database_is_checked_and_copied_without_files_beside_it() {
    use std::os::unix::fs::PermissionsExt;
    let p = a_project_that_checks_ok();
    let place = tempfile::tempdir().unwrap();
    let dir = place.path().join("rw");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(p.db(), dir.join("orch.db")).unwrap();
    let orch = place.path().join("orch");
    std::fs::copy(env!("CARGO_BIN_EXE_orch"), &orch).unwrap();
    let as_root = unsafe { libc::geteuid() } == 0;
    for (path, mode) in [
        (&dir, 0o777),
        (&dir.join("orch.db"), 0o444),
        (&place.path().to_path_buf(), 0o755),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let db = dir.join("orch.db").display().to_string();
    let orch_as_user = || {
        if as_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&orch);
            c
        } else {
            std::process::Command::new(&orch)
        }
    };
    let out = orch_as_user()
        .args(["--db", &db, "-o", "json", "db", "check"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(entries(&dir), ["orch.db"], "after db check");
    let out = orch_as_user()
        .args(["--db", &db, "db", "backup", "copy.db"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(entries(&dir), ["copy.db", "orch.db"], "after db backup");
}

both!(
    db_check_finds_a_migration_history_edited_by_hand,
    a_migration_recorded_otherwise_stops_migrating_with_a_hint,
    db_check_finds_a_table_dropped_by_hand,
    db_check_finds_a_column_dropped_by_hand,
    steps_run_when_orch_starts_with_sigchld_ignored,
    a_closed_stderr_does_not_stop_a_run,
    quiet_prints_only_data_and_errors_and_a_failure_is_an_error,
    resume_after_an_edit_warns_and_takes_use_current,
    use_current_with_a_broken_file_names_the_problem,
);
