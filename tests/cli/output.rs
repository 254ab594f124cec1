//! What orch prints for people: the events table, `--help`, `process show`, the step
//! lines of a run and the Mermaid chart. (The prompts and the progress bar need a
//! terminal: they are tested in `interactive`.)

use super::Project;
use super::both;

/// A project whose `review` workflow has a skipped step and a failing one.
fn review(p: &Project) {
    p.write(
        "workflows/review.toml",
        r#"
name = "review"
target = "system"

[[step]]
name = "Check"
builtin = "noop"

[[step]]
name = "Only on Sundays"
if = "state.sunday"
builtin = "noop"

[[step]]
name = "Break"
run = "echo 'netbox API: 503' >&2; exit 1"
"#,
    );
}

fn the_events_table_fits_100_columns_with_short_ids_and_summaries() {
    let p = Project::example();
    let run = p.ok_json(&[
        "workflow",
        "run",
        "create_node",
        "--input",
        "node_name=rtr1",
    ]);
    let process = run["id"].as_str().unwrap();
    let subscription = run["subscription_id"].as_str().unwrap();
    let (code, table, err) = p.run(&["events"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("SEQ"), "a header: {table}");
    for line in &lines {
        assert!(line.chars().count() <= 100, "wider than 100: {line}");
        assert!(!line.contains('{'), "raw JSON: {line}");
    }
    assert!(!table.contains(process), "ids are short: {table}");
    assert!(table.contains(&process[..8]), "{table}");
    assert!(table.contains(&subscription[..8]), "{table}");
    assert!(
        table.contains("false -> true"),
        "booleans are shown: {table}"
    );
    assert!(
        table.contains("node, description changed: Node"),
        "subscription.updated is summarised: {table}"
    );
    // The KIND column starts at the same place on every line.
    let at = lines[0].find("KIND").unwrap();
    for line in &lines[1..] {
        assert!(
            line[at..].starts_with(char::is_alphabetic) && line[..at].ends_with("  "),
            "not aligned: {line}"
        );
    }

    // A follower prints a header and aligned columns too.
    let (code, followed, err) = p.run(&["events", "--follow", "--since", "0", "--limit", "4"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = followed.lines().collect();
    assert_eq!(lines.len(), 5, "a header and 4 events: {followed}");
    assert!(lines[0].starts_with("SEQ"), "{followed}");
    let columns = |l: &str| {
        ["KIND", "PROCESS", "SUBSCRIPTION", "DETAIL"]
            .map(|h| lines[0].find(h).unwrap())
            .map(|at| l[..at].ends_with("  "))
    };
    for line in &lines[1..] {
        assert_eq!(columns(line), [true; 4], "not aligned: {followed}");
        assert!(line.chars().count() <= 100, "{line}");
    }
}

#[test]
fn help_describes_every_argument_and_shows_examples() {
    let p = Project::new();
    let help = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("--help");
        let (code, out, err) = p.run(&all);
        assert_eq!(code, 0, "{err}");
        out
    };
    for sub in ["retry", "resume", "skip", "abort", "show", "callback"] {
        let text = help(&["process", sub]);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("<ID>"))
            .unwrap_or_else(|| panic!("no <ID> in {text}"));
        assert!(line.contains("unique prefix"), "{sub}: {line}");
    }
    let list = help(&["process", "list"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        list.contains("--status <STATUS> Only processes in these statuses (repeatable, or comma-separated) [possible values: created, running, suspended, awaiting_callback, waiting, failed, aborted, completed]"),
        "{list}"
    );
    let run = help(&["workflow", "run"]);
    let global = run.find("Global options:").expect("a heading of its own");
    let own = run.find("--input <KEY=VALUE>").unwrap();
    let dir = run.find("--dir <DIR>").unwrap();
    assert!(own < global && global < dir, "{run}");
    for args in [
        &["workflow", "run"][..],
        &["process", "retry"],
        &["process", "resume"],
        &["subscription", "list"],
        &["events"],
    ] {
        let text = help(args);
        let examples = text.find("Examples:").unwrap_or_else(|| panic!("{text}"));
        assert!(
            text[examples..].contains(&format!("orch {}", args.join(" "))),
            "{args:?}: {text}"
        );
    }

    // A misspelt option: the usage line does not make --input look required.
    let (code, _, err) = p.run(&["workflow", "run", "x", "--inptu", "a=b"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("a similar argument exists: '--input'"),
        "{err}"
    );
    assert!(
        err.contains("Usage: orch workflow run [OPTIONS] <NAME>"),
        "{err}"
    );
    assert!(!err.contains("--input <KEY=VALUE> <NAME>"), "{err}");
}

fn process_show_lines_up_its_labels_and_run_lines_use_words() {
    let p = Project::new();
    review(&p);
    let (code, out, err) = p.run(&["workflow", "run", "review"]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("  ✓ Check ("), "{err}");
    assert!(err.contains("  - Only on Sundays: skipped\n"), "{err}");
    assert!(
        err.contains("  ✗ Break: failed (") && err.contains("exited with status 1"),
        "{err}"
    );
    let id = p.json(&["process", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, shown, _) = p.run(&["process", "show", &id]);
    assert_eq!(code, 0);
    let labelled: Vec<&str> = shown
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  ") && l.contains(':'))
        .collect();
    assert!(labelled.len() >= 5, "{shown}");
    let value_at = |l: &str| {
        let colon = l.find(':').unwrap();
        colon + 1 + l[colon + 1..].len() - l[colon + 1..].trim_start().len()
    };
    let first = value_at(labelled[0]);
    for l in &labelled {
        assert_eq!(value_at(l), first, "labels not aligned:\n{shown}");
    }
}

#[test]
fn mermaid_draws_both_ways_out_of_an_if() {
    let p = Project::new();
    review(&p);
    let (code, chart, err) = p.run(&["workflow", "show", "review", "--mermaid"]);
    assert_eq!(code, 0, "{err}");
    // Start, Check, Only on Sundays (s2, decided by c2), Break, Done.
    for edge in [
        "c2{\"if state.sunday\"}",
        "s1 --> c2",
        "c2 -->|yes| s2",
        "c2 -->|no| s3",
        "s2 --> s3",
    ] {
        assert!(chart.contains(edge), "{edge} missing:\n{chart}");
    }
}

#[test]
fn mermaid_with_json_output_is_one_json_document() {
    let p = Project::new();
    review(&p);
    let v = p.ok_json(&["workflow", "show", "review", "--mermaid"]);
    assert_eq!(v["workflow"], "review");
    let chart = v["mermaid"].as_str().expect("the chart is a string");
    assert!(chart.starts_with("flowchart TD\n"), "{chart}");
    assert!(chart.contains("c2 -->|yes| s2"), "{chart}");
}

#[test]
fn the_release_build_is_stripped() {
    let manifest = std::fs::read_to_string(super::repo_root().join("Cargo.toml")).unwrap();
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a release profile");
    assert!(release.contains("strip = true"), "{release}");
    assert!(!release.contains("debug ="), "{release}");
}

/// `process list` says when it cut the list short, and takes `--since` as a time or a
/// day, refusing anything else (not an empty list, which a script would believe).
fn process_list_says_when_it_is_cut_short_and_checks_since() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    for _ in 0..3 {
        let (code, _, err) = p.run(&["workflow", "run", "t"]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = p.run(&["-o", "json", "process", "list", "--limit", "2"]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert!(err.contains("the newest 2 shown, and more match"), "{err}");
    let (code, _, err) = p.run(&["-o", "json", "process", "list", "--limit", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("more match"), "{err}");

    let (code, _, err) = p.run(&["process", "list", "--since", "yesterday"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`yesterday` is not a time"), "{err}");
    let count = |since: &str| {
        p.json(&["process", "list", "--since", since])
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(count("2000-01-01"), 3);
    assert_eq!(count("2000-01-01T00:00:00+02:00"), 3);
    assert_eq!(count("2999-01-01T00:00:00Z"), 0);
    // How long ago, as a terminal user writes it (`journalctl`, `docker logs`).
    assert_eq!(count("1h"), 3);
    assert_eq!(count("1d2h"), 3);
    let (code, _, err) = p.run(&["process", "list", "--since", "2026"]);
    assert_eq!(
        code, 2,
        "a bare number is neither a time nor a duration: {err}"
    );
    assert!(err.contains("or how long ago, such as 2h"), "{err}");
}

/// What a step writes cannot drive the operator's terminal: control characters in
/// its stderr and its error are shown (`^[`), not sent, wherever orch prints them.
fn a_steps_escape_sequences_are_shown_not_sent_to_the_terminal() {
    let p = Project::new();
    p.script(
        "workflows/scripts/esc.sh",
        "cat >/dev/null; printf '\\033[2J\\033]0;pwned\\007 cleared\\n' >&2; exit 1",
    );
    p.task("[[step]]\nname = \"Esc\"\nrun = \"workflows/scripts/esc.sh\"\n");
    let (code, out, err) = p.run(&["-o", "json", "workflow", "run", "t"]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("^[[2J^[]0;pwned^G cleared"), "{err}");
    let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, shown, _) = p.run(&["process", "show", &id]);
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("^[[2J"), "{shown}");
    // Nor can a message rendered from what a step put in the state.
    p.task("[[step]]\nname = \"Set\"\nrun = \"cat >/dev/null; echo '{\\\"msg\\\": \\\"\\\\u001b[2Jred\\\"}'\"\n[[step]]\nname = \"Ask\"\ninput.message = \"{{ state.msg }}\"\ninput.fields = [ { name = \"ok\", type = \"bool\" } ]\n");
    let asked = p.json_exiting(&["workflow", "run", "t"], 4)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, shown_ask, _) = p.run(&["process", "show", &asked]);
    assert!(!shown_ask.contains('\u{1b}'), "{shown_ask:?}");
    assert!(shown_ask.contains("^[[2Jred"), "{shown_ask}");
    // The JSON keeps what the step wrote, as it wrote it.
    let v = p.ok_json(&["process", "show", &id]);
    assert!(v.to_string().contains("\\u001b[2J"), "{v}");
}

/// A count on stderr agrees with its noun: one run of `scheduler run --once` or of
/// `worker --once` is `1 run`, `product load` of one product says `1 product`, and
/// `cleanup_tasks` deleting one run `1 completed task run`, and `workflow show` of a
/// `foreach` of one step `1 step`.
fn a_count_of_one_reads_as_one() {
    let p = Project::new();
    p.task("[schedule]\nevery = \"1h\"\n[[step]]\nname = \"S\"\nbuiltin = \"noop\"\n");
    let (code, _, err) = p.run(&["scheduler", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("scheduler: done, 1 run\n"), "{err}");
    p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(" stopped after 1 run\n"), "{err}");
    super::definitions::bounded(&p, "{}");
    assert_eq!(p.run(&["product", "load"]).0, 0);
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no changes: 1 product up to date"), "{err}");

    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nbuiltin = \"noop\"\n");
    p.write("orch.toml", "task_retention = \"1s\"\n");
    assert_eq!(p.run(&["task", "run", "t"]).0, 0);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let (code, _, err) = p.run(&["task", "run", "cleanup_tasks"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("deleted 1 completed task run (3 steps)"),
        "{err}"
    );

    p.write(
        "workflows/each.toml",
        "name = \"each\"\ntarget = \"system\"\n[[step]]\nname = \"Each\"\nforeach = \"state.xs\"\nsteps = [ { name = \"P\", builtin = \"noop\" } ]\n",
    );
    let (code, out, err) = p.run(&["workflow", "show", "each"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(16 at once): 1 step\n"), "{out}");
    p.queue("t");
    p.queue("t");
    let (code, _, err) = p.run(&["worker", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(" stopped after 2 runs\n"), "{err}");
}

/// Process and subscription ids look alike and, made together, start alike: one given
/// where the other kind belongs is still not found (exit 6), and the hint says what it
/// is and the command that shows it.
fn an_id_of_the_other_kind_says_what_it_is() {
    let p = Project::example();
    let run = p.ok_json(&[
        "workflow",
        "run",
        "create_node",
        "--input",
        "node_name=rtr1",
    ]);
    let process = run["id"].as_str().unwrap();
    let subscription = run["subscription_id"].as_str().unwrap();

    let (code, out, err) = p.run(&["process", "show", &subscription[..13]]);
    assert_eq!(code, 6, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!(
            "error: no process {}\nhint: {subscription} is a subscription: `orch subscription show {subscription}`",
            &subscription[..13]
        )),
        "{err}"
    );
    let (code, _, err) = p.run(&["subscription", "show", process]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(&format!(
            "hint: {process} is a process: `orch process show {process}`"
        )),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "show", "ffffffff"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("hint: `orch process list` shows the processes"),
        "{err}"
    );
}

/// An id is found by a prefix of four characters or more: a shorter one names
/// nothing, and says why, and one several ids start with lists them.
fn a_prefix_too_short_to_look_up_says_so() {
    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nbuiltin = \"noop\"\n");
    p.queue("t");
    let id = p.queue("t");
    let (code, _, err) = p.run(&["process", "show", &id[..3]]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("hint: a prefix of an id takes at least 4 characters"),
        "{err}"
    );
    let (code, _, err) = p.run(&["process", "show", &id[..4]]);
    assert_eq!(code, 2, "{err}");
    // Named, as a subscription prefix's are, so the one meant can be picked.
    let ids = p.sql_column("SELECT process_id FROM processes ORDER BY process_id");
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        err.contains(&format!(
            "error: `{}` is the start of several process ids: {}, {}\n",
            &id[..4],
            ids[0],
            ids[1]
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: give more of the id; `orch process list` shows them all"),
        "{err}"
    );
    let (code, _, err) = p.run(&["subscription", "show", "01"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("hint: a prefix of an id takes at least 4 characters"),
        "{err}"
    );
}

/// A `fail` step whose message renders empty still says why the process failed.
fn a_fail_step_with_an_empty_message_says_where_the_failure_came_from() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"Stop\"\nbuiltin = \"fail\"\nwith = { message = \"{{ state.why }}\" }\n",
    );
    let v = p.failed_json(&["workflow", "run", "t"]);
    assert_eq!(
        v["failed_reason"],
        "builtin `fail` failed the step; its message `{{ state.why }}` rendered empty",
        "{v}"
    );
    let v = p.failed_json(&["workflow", "run", "t", "--input", "why=closed"]);
    assert_eq!(v["failed_reason"], "closed", "{v}");
}

/// A process awaiting a callback is said so in words when a command refuses it.
fn a_refusal_says_awaiting_a_callback_in_words() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Wait\"\ncallback = { result = \"job\" }\n");
    let v = p.json_exiting(&["workflow", "run", "t"], 4);
    let id = v["id"].as_str().unwrap();
    let (code, _, err) = p.run(&["process", "skip", id]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains(&format!(
            "process {id} is awaiting a callback, so it cannot be skipped"
        )),
        "{err}"
    );
}

/// The user every step row and event carries is plain text: one with a control
/// character, or with spaces around it, is refused before anything is recorded.
fn a_user_that_would_garble_the_log_is_refused() {
    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nbuiltin = \"noop\"\n");
    for (user, said) in [
        (
            "\u{1b}[31mx",
            r"the user `\u{1b}[31mx` holds a control character",
        ),
        ("a\nb", r"the user `a\nb` holds a control character"),
        (
            "ann\u{200b}",
            r"the user `ann\u{200b}` holds an invisible character (a zero-width space, a direction mark)",
        ),
        (" bob ", "the user ` bob ` has spaces around it"),
    ] {
        let (code, _, err) = p.run(&["--user", user, "workflow", "run", "t"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(said), "{err}");
    }
    let v = p.ok_json(&["--user", "alice smith", "workflow", "run", "t"]);
    assert_eq!(v["created_by"], "alice smith", "{v}");
    assert_eq!(p.ok_json(&["process", "list"]).as_array().unwrap().len(), 1);
}

/// A `--limit` or `--offset` out of range says the least it takes and what it got, a
/// negative one included, rather than the range of the integer type behind it.
#[test]
fn a_limit_out_of_range_says_the_least_it_takes() {
    let p = Project::new();
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    for (args, says) in [
        (
            &["process", "list", "--limit", "0"][..],
            "'--limit <N>': must be at least 1, got 0",
        ),
        (
            &["process", "list", "--limit", "-5"],
            "'--limit <N>': must be at least 1, got -5",
        ),
        (
            &["events", "--limit", "0"],
            "'--limit <N>': must be at least 1, got 0",
        ),
        (
            &["subscription", "list", "--limit", "-1"],
            "must be at least 1, got -1",
        ),
        (
            &["subscription", "list", "--offset", "-3"],
            "'--offset <N>': must be at least 0, got -3",
        ),
        (
            &["subscription", "list", "--limit", "ten"],
            "expected a whole number, got `ten`",
        ),
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("not in 1.."), "{args:?}: {err}");
    }
    assert_eq!(p.run(&["db", "migrate"]).0, 0);
    let (code, _, err) = p.run(&["subscription", "list", "--limit", "1", "--offset", "0"]);
    assert_eq!(code, 0, "{err}");
}

/// A list with nothing to show prints nothing on stdout (no header row over no rows),
/// says on stderr what there is none of and how to make one, and `-o json` prints
/// `[]`: every list alike.
fn an_empty_list_prints_no_table_and_says_so_on_stderr() {
    let p = Project::new();
    let (code, _, err) = p.run(&["db", "migrate"]);
    assert_eq!(code, 0, "{err}");
    for (args, says) in [
        (
            &["product", "list"][..],
            "no products yet\nhint: load the definitions in products/ with `orch product load`\n",
        ),
        (
            &["workflow", "list"][..],
            "no workflows in workflows/ yet\nhint: write one as workflows/NAME.toml; `orch workflow check` checks it\n",
        ),
        (
            &["process", "list"][..],
            "no processes yet\nhint: `orch workflow run NAME` starts one; `orch workflow list` shows them\n",
        ),
        (
            &["process", "list", "--status", "failed"][..],
            "no process matches the filters\n",
        ),
        (
            &["subscription", "list"][..],
            "no subscriptions yet\nhint: a create workflow makes one: `orch workflow list` shows them\n",
        ),
        (
            &["subscription", "list", "--offset", "10"][..],
            "no subscriptions past the first 10\n",
        ),
        (&["events"][..], "no events yet\n"),
        (
            &["events", "--kind", "process.*"][..],
            "no event matches the filters\n",
        ),
        (
            &["events", "consumers"][..],
            "no consumers yet\nhint: `orch events --consumer NAME --follow` starts one\n",
        ),
        (
            &["worker", "list"][..],
            "no worker ran in the last hour\nhint: `orch worker` starts one\n",
        ),
        (&["locks"][..], "no lock is held or waited for\n"),
        (
            &["token", "list"][..],
            "no tokens yet\nhint: `orch token create NAME --role read|operate` makes one\n",
        ),
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, "", says),
            "{args:?}"
        );
        let mut json = vec!["-o", "json"];
        json.extend(args);
        let (code, out, err) = p.run(&json);
        assert_eq!((code, out.trim()), (0, "[]"), "{args:?}: {err}");
    }
    let (code, out, err) = p.run(&["schedule", "list"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.starts_with("no task is scheduled\nhint: schedule a task"),
        "{err}"
    );
}

both!(
    an_empty_list_prints_no_table_and_says_so_on_stderr,
    a_count_of_one_reads_as_one,
    a_user_that_would_garble_the_log_is_refused,
    a_refusal_says_awaiting_a_callback_in_words,
    a_fail_step_with_an_empty_message_says_where_the_failure_came_from,
    a_prefix_too_short_to_look_up_says_so,
    an_id_of_the_other_kind_says_what_it_is,
    a_steps_escape_sequences_are_shown_not_sent_to_the_terminal,
    process_list_says_when_it_is_cut_short_and_checks_since,
    the_events_table_fits_100_columns_with_short_ids_and_summaries,
    process_show_lines_up_its_labels_and_run_lines_use_words,
);
