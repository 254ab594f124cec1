//! What product and workflow files (and orch.toml) promise, through the real binary:
//! the rules a product's fields set on a subscription as a step meets them, and the
//! settings that are refused before anything runs, with how each refusal reads.

use super::Project;
use super::both;

/// A product whose root block has a `pattern`ed string and bounded numbers, and a
/// create workflow whose one step sets the block from `workflows/scripts/set.sh`.
pub fn bounded(p: &Project, block: &str) {
    p.write(
        "products/box.toml",
        r#"name = "Box"
type = "Box"
tag = "BOX"
description = "a box"
status = "active"
root = { key = "box", block = "BoxBlock" }
[blocks.BoxBlock]
fields.code  = { type = "string", pattern = "[a-z]{3}" }
fields.count = { type = "int", min = 5, max = 9 }
fields.ratio = { type = "float", min = 0.5 }
"#,
    );
    p.write(
        "workflows/create_box.toml",
        "name = \"create_box\"\ntarget = \"create\"\nproducts = [\"BOX\"]\n\
         [[step]]\nname = \"Set\"\nrun = \"workflows/scripts/set.sh\"\n",
    );
    p.script(
        "workflows/scripts/set.sh",
        &format!("cat >/dev/null\necho '{{\"subscription\": {{\"box\": {block}}}}}'"),
    );
}

/// A product field's `pattern` describes the whole value, as a form field's does: a
/// value that only holds a match somewhere is refused; and a number past `min` or
/// `max` is said as a form says it, naming the bound it broke.
fn a_product_field_pattern_is_anchored_and_a_bound_names_itself() {
    let p = Project::new();
    bounded(&p, r#"{"code": "abcd1", "count": 1, "ratio": 0.25}"#);
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("subscription.box.code: `abcd1` does not match the pattern `[a-z]{3}`"),
        "{why}"
    );
    assert!(
        why.contains("subscription.box.count: must be at least 5, got 1"),
        "{why}"
    );
    assert!(
        why.contains("subscription.box.ratio: must be at least 0.5, got 0.25"),
        "{why}"
    );
    assert!(!why.contains("..="), "{why}");

    let p = Project::new();
    bounded(&p, r#"{"code": "abc", "count": 10}"#);
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("subscription.box.count: must be at most 9, got 10"),
        "{why}"
    );
    assert!(!why.contains("code"), "a whole match passes: {why}");

    let p = Project::new();
    bounded(&p, r#"{"code": "xyz", "count": 5, "ratio": 0.5}"#);
    let v = p.ok_json(&["workflow", "run", "create_box"]);
    assert_eq!(v["status"], "completed", "{v}");
}

/// A description or note holding a NUL is refused on both stores alike (PostgreSQL's
/// text cannot keep one), rather than stored as given on one and changed on the other.
fn a_nul_in_a_description_or_note_is_refused_on_every_store() {
    let p = Project::new();
    bounded(&p, "{}");
    p.script(
        "workflows/scripts/set.sh",
        r#"cat >/dev/null; printf '{"subscription": {"description": "a\u0000b", "note": "n\u0000"}}'"#,
    );
    let v = p.failed_json(&["workflow", "run", "create_box"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    for key in ["description", "note"] {
        assert!(
            why.contains(&format!("subscription.{key}: holds a NUL character")),
            "{why}"
        );
    }
    let subs = p.ok_json(&["subscription", "list"]);
    assert!(!subs.to_string().contains(r"a\u0000b"), "{subs}");
    assert!(!subs.to_string().contains('\u{fffd}'), "{subs}");
}

/// An owned list's bounds count its blocks in words that agree with the count.
fn an_owned_list_of_one_block_says_one_block() {
    let p = Project::new();
    p.write(
        "products/pair.toml",
        r#"name = "Pair"
type = "Pair"
tag = "PAIR"
description = "a pair"
status = "active"
root = { key = "pair", block = "PairBlock" }
[blocks.PairBlock]
fields.ends = { block = "End", min = 1, max = 1 }
[blocks.End]
fields.name = { type = "string" }
"#,
    );
    p.write(
        "workflows/create_pair.toml",
        "name = \"create_pair\"\ntarget = \"create\"\nproducts = [\"PAIR\"]\n\
         [[step]]\nname = \"Set\"\nrun = \"cat >/dev/null; echo '{\\\"subscription\\\": {\\\"pair\\\": {\\\"ends\\\": [{}, {}]}}}'\"\n",
    );
    let v = p.failed_json(&["workflow", "run", "create_pair"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("subscription.pair.ends: allows at most 1 End block, has 2"),
        "{why}"
    );
}

/// A zero step timeout would stop every step that takes any time at once: it is
/// refused where it is written, a step's `timeout` with its file and line, orch.toml's
/// `step_timeout` before any command runs a step; a callback's zero timeout already is.
fn a_zero_step_timeout_is_refused_where_it_is_written() {
    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nrun = \"sleep 0.2\"\ntimeout = \"0ms\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "workflows/t.toml:6:1: step[0].timeout: a step timeout must be longer than 0s"
        ),
        "{err}"
    );
    let (code, _, err) = p.run(&["task", "run", "t"]);
    assert_eq!(code, 2, "{err}");

    let p = Project::new();
    p.task("[[step]]\nname = \"S\"\nrun = \"sleep 0.2\"\n");
    p.write("orch.toml", "step_timeout = \"0s\"\n");
    let (code, _, err) = p.run(&["task", "run", "t"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("orch.toml:1:16: step_timeout: a step timeout must be longer than 0s"),
        "{err}"
    );
}

/// `[step]` (one table) where `[[step]]` (a list of them) belongs is a common slip:
/// serde's "expected a sequence" comes with a hint that shows the double brackets.
#[test]
fn one_table_where_a_list_belongs_hints_at_double_brackets() {
    let p = Project::new();
    p.task("[step]\nname = \"S\"\nbuiltin = \"noop\"\n\n[form]\ntitle = \"x\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for (key, at) in [("step", "3:1"), ("form", "7:2")] {
        let said = format!(
            "workflows/t.toml:{at}: {key}: invalid type: map, expected a sequence (hint: `{key}` takes a list: write each entry as a `[[{key}]]` table (double brackets), or `{key} = [{{ … }}]`)"
        );
        assert!(err.contains(&said), "{said}\n{err}");
    }
    // The refused `[step]` is the one problem; no second one for the steps it lacks.
    assert!(!err.contains("needs at least one"), "{err}");
    assert!(
        err.contains("error: 2 problems in the definition files"),
        "{err}"
    );
}

/// `input = [ … ]` (the fields without their table) is refused as what it is, not
/// as serde reads a list into a table: "input[0]: expected a string".
#[test]
fn an_input_step_written_as_a_list_says_input_is_a_table() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Ask\"\ninput = [ { name = \"ok\", type = \"bool\" } ]\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workflows/t.toml:5:1: step[0].input: `input` must be a table (`fields`, optional `message` and `title`), not array; write `input.fields = ["),
        "{err}"
    );
    assert!(!err.contains("input[0]"), "{err}");
}

/// A `run` holding a NUL (TOML's `\u0000`) could never start, and a step or branch name
/// with a control character could not be shown on its line nor handed to the step as
/// `ORCH_STEP`: `workflow check` refuses them where they are written, with the name
/// escaped, rather than a run failing at that step every time.
#[test]
fn a_nul_in_a_run_or_a_control_character_in_a_name_is_refused_where_it_is_written() {
    let p = Project::new();
    p.task(
        "[[step]]\nname = \"S\"\nrun = \"echo \\u0000 {}\"\n\
         [[step]]\nname = \"Two\\nLines\"\nrun = \"echo {}\"\n\
         [[step]]\nname = \"Both\"\n[[step.parallel]]\nname = \"A\\u0000\"\nsteps = [ { name = \"Go\", run = \"true\" } ]\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/t.toml:5:1: step[0].run: `run` holds a NUL character (`\\u0000`), which no command line can carry",
        "workflows/t.toml:7:1: step[1].name: step name `Two\\nLines` cannot be used: it holds a control character",
        "step[2].parallel[0].name: branch name `A\\0` cannot be used: it holds a control character",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains('\0'), "{err:?}");
    let (code, _, err) = p.run(&["task", "run", "t"]);
    assert_eq!(code, 2, "{err}");
}

/// Every command reads orch.toml first, `workflow check` too: a key it cannot take is
/// said with its line, and the hint says to fix the file rather than to run `workflow
/// check` (which would say the same again).
#[test]
fn a_wrong_orch_toml_hints_at_the_file_not_at_workflow_check() {
    let p = Project::new();
    p.write("orch.toml", "db = \"orch.db\"\nstep_timout = \"5m\"\n");
    for args in [&["workflow", "check"][..], &["db", "status"][..]] {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("orch.toml:2:1: step_timout: unknown field `step_timout`"),
            "{err}"
        );
        assert!(err.contains("hint: fix "), "{err}");
        assert!(!err.contains("workflow check"), "{err}");
    }
}

/// A `timeout` stops a program: on an input step (which waits for a person) or a
/// builtin it would stop nothing, so it is refused there, saying where it goes,
/// rather than accepted and ignored.
#[test]
fn a_timeout_on_a_step_that_runs_no_program_is_refused() {
    let p = Project::new();
    p.task("[[step]]\nname = \"Ask\"\ninput.fields = [ { name = \"ok\", type = \"accept\" } ]\ntimeout = \"1h\"\n[[step]]\nname = \"Nap\"\nbuiltin = \"sleep\"\nwith = { duration = \"2s\" }\ntimeout = \"1s\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/t.toml:6:1: step[0].timeout: `timeout` does not apply to an `input` step; it goes with a `run` step or a `callback` step",
        "workflows/t.toml:11:1: step[1].timeout: `timeout` does not apply to a `builtin` step; it goes with a `run` step or a `callback` step",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// Workflows are listed by name, as they are asked for, not by the names of their
/// files.
#[test]
fn workflows_are_listed_by_name_not_by_file() {
    let p = Project::new();
    for (file, name) in [("a.toml", "zulu"), ("b.toml", "alpha"), ("c.toml", "mike")] {
        p.write(
            &format!("workflows/{file}"),
            &format!("name = \"{name}\"\ntarget = \"system\"\n[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n"),
        );
    }
    let listed = p.ok_json(&["workflow", "list"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["name"].as_str())
        .filter(|n| ["zulu", "alpha", "mike"].contains(n))
        .collect();
    assert_eq!(names, ["alpha", "mike", "zulu"], "{listed}");
}

/// The `set` builtin changes the subscription through `values.subscription`: in a
/// task (which has none) and, for its lifecycle, in a validate workflow, it is refused
/// where it is written, as `set_description` and `set_status` are, not when it runs.
#[test]
fn a_set_of_the_subscription_where_the_target_has_none_to_change_is_refused() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"set\"\nwith = { values = { subscription = { description = \"x\" } } }\n[[step]]\nname = \"B\"\nbuiltin = \"set\"\nwith = { values = { other = 1 } }\n");
    p.write(
        "workflows/v.toml",
        "name = \"v\"\ntarget = \"validate\"\nproducts = [\"X\"]\n[[step]]\nname = \"A\"\nbuiltin = \"set\"\nwith = { values = { subscription = { status = \"active\" } } }\n[[step]]\nname = \"B\"\nbuiltin = \"set\"\nwith = { values = { subscription = { note = \"ok\" } } }\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/t.toml:6:21: step[0].with.values.subscription: `set`: a task runs on no subscription, so it has none to change",
        "workflows/v.toml:7:21: step[0].with.values.subscription: `set`: a validate workflow checks a subscription and never changes its lifecycle",
        "error: 2 problems",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// Every string in a `set` builtin's `values` is a template: `workflow check` refuses
/// one that does not parse at its own key, however deep, and a template that fails
/// when the step runs is named by its path, not only by what went wrong.
fn a_template_in_the_values_of_set_is_checked_and_named_where_it_sits() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"set\"\nwith.values = { a = { b = \"{{ state.q\" }, l = [\"ok\", \"{{ state.q | nosuch }}\"] }\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/t.toml:6:23: step[0].with.values.a.b: template is not valid: syntax error",
        "step[0].with.values.l[1]: template is not valid: unknown filter `nosuch`",
        "error: 2 problems",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }

    p.task("[[step]]\nname = \"A\"\nbuiltin = \"set\"\nwith.values = { n = 1, cfg = { ports = [\"x\", \"{{ state.n + 'a' }}\"] } }\n");
    let v = p.failed_json(&["workflow", "run", "t", "--input", "n=1"]);
    let why = v["failed_reason"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("template `values.cfg.ports[1]` failed: invalid operation"),
        "{why}"
    );
}

/// The state's `subscription` is the subscription document: a `render` into it, or a
/// `set` of it to anything but a table of its keys, would fail every run that reaches
/// the step, so `workflow check` refuses both where they are written.
#[test]
fn a_builtin_that_puts_text_in_place_of_the_subscription_is_refused() {
    let p = Project::new();
    p.write(
        "workflows/m.toml",
        "name = \"m\"\ntarget = \"modify\"\nproducts = [\"X\"]\n[[step]]\nname = \"A\"\nbuiltin = \"render\"\nwith = { key = \"subscription\", template = \"x\" }\n[[step]]\nname = \"B\"\nbuiltin = \"set\"\nwith.values.subscription = \"x\"\n[[step]]\nname = \"C\"\nbuiltin = \"set\"\nwith.values.subscription.description = \"fine\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/m.toml:7:10: step[0].with.key: rendered text cannot replace `state.subscription`",
        "workflows/m.toml:11:13: step[1].with.values.subscription: `values.subscription` is merged into the subscription document, so it must be a table",
        "error: 2 problems",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// A definition file that is a link to nothing (its target moved or deleted) is a
/// problem of that file, named with where it points, not a file silently left out;
/// an editor's hidden lock link beside a file it edits is no definition.
#[cfg(unix)]
#[test]
fn a_definition_that_links_to_nothing_is_a_problem_of_that_file() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    let link = |name: &str, to: &str| {
        std::os::unix::fs::symlink(to, p.path().join(name)).unwrap();
    };
    link("workflows/shared.toml", "../elsewhere/shared.toml");
    link("workflows/.#t.toml", "tester@host.1234:1700000000");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/shared.toml:1:1: a symbolic link to ../elsewhere/shared.toml, which does not exist (hint: restore what it points at, or remove the link: `rm workflows/shared.toml`)",
        "error: 1 problem",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // The other workflows still run.
    let (code, _, err) = p.run(&["workflow", "run", "t"]);
    assert_eq!(code, 0, "{err}");
}

/// A folder orch.toml names for products or workflows that does not exist would leave
/// every command without definitions, and `workflow check` passing a project it never
/// read (a CI gate passing on a typo): it is a problem placed at the key.
#[test]
fn a_definition_folder_orch_toml_names_that_does_not_exist_is_a_problem() {
    let p = Project::new();
    p.task("[[step]]\nname = \"A\"\nbuiltin = \"noop\"\n");
    p.write("orch.toml", "# settings\nworkflows = \"workflow\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "orch.toml:2:1: workflows: `workflow` does not exist, so orch finds no workflows in it (hint: create it (`mkdir -p workflow`), or fix the path)",
        "error: 1 problem",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    p.write("orch.toml", "# settings\nworkflows = \"workflows\"\n");
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 0, "{err}");
}

/// orch.toml can name other folders for the definitions: `init` makes those, and the
/// messages that point at the files name them, not the default `workflows/`.
#[test]
fn messages_name_the_folders_orch_toml_gives() {
    let p = Project::new();
    p.write(
        "fresh/orch.toml",
        "workflows = \"flows\"\nproducts = \"catalog/\"\n",
    );
    let (code, _, err) = p.run(&["init", "fresh"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("created catalog/, flows/, flows/scripts/"),
        "{err}"
    );
    assert!(
        err.contains("hint: add catalog/*.toml and flows/*.toml, then run `orch product load`"),
        "{err}"
    );
    assert!(!p.path().join("fresh/workflows").exists());
    p.write("orch.toml", "workflows = \"flows\"\n");
    p.write(
        "flows/p.toml",
        "name = \"p\"\ntarget = \"system\"\n[[step]]\nname = \"c\"\nworkflow = \"nochild\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("flows/p.toml:5:1: step[0].workflow: no workflow named `nochild` in flows/"),
        "{err}"
    );
    let (code, _, err) = p.run(&["workflow", "show", "nope"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("hint: `orch workflow list` shows the workflows in flows/"),
        "{err}"
    );
}

/// A name people type and read cannot hide a character: a space at an end (`Start `
/// would pass for the step the target adds), a tab or a newline (which break every
/// line the name is printed on), and a workflow name cannot start with `-` (the
/// command line would read it as an option).
#[test]
fn a_name_with_a_character_no_one_sees_is_refused() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"Start \"\nrun = \"true\"\n[[step]]\nname = \"a\\tb\"\nrun = \"true\"\n[[step]]\nname = \"G\"\n[[step.parallel]]\nname = \"A\\n\"\nsteps = [ { name = \"x\", run = \"true\" } ]\n",
    );
    p.write(
        "workflows/dash.toml",
        "name = \"-w\"\ntarget = \"system\"\n[[step]]\nname = \"x\"\nrun = \"true\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/dash.toml:1:1: name: workflow name `-w` cannot be used: it starts with `-`, so `orch workflow run -w` reads it as an option",
        "workflows/w.toml:4:1: step[0].name: step name `Start ` cannot be used: it starts or ends with a space",
        "workflows/w.toml:7:1: step[1].name: step name `a\\tb` cannot be used: it holds a control character",
        "step[2].parallel[0].name: branch name `A\\n` cannot be used: it holds a control character",
        "error: 4 problems",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }

    // A product's tag `NODE ` would not be the `NODE` its workflows name.
    let p = Project::new();
    p.write(
        "products/node.toml",
        "name = \"Node\"\ntype = \"Node\"\ntag = \"NODE \"\nroot = { key = \"node\", block = \"B\" }\n[blocks.B]\nfields.x = { type = \"string\" }\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("products/node.toml:3:1: tag: product tag `NODE ` cannot be used: it starts or ends with a space"),
        "{err}"
    );
}

/// Nor can a name hide an invisible character: a zero-width space makes `a\u{200b}b`
/// read as the `ab` that `--step ab` does not find, and a direction override prints
/// what follows it backwards.
#[test]
fn a_name_with_an_invisible_character_is_refused() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\\u200b\"\ntarget = \"system\"\n[[step]]\nname = \"Push\\u200bconfig\"\nrun = \"true\"\n[[step]]\nname = \"ab\\u202ecd\"\nrun = \"true\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    let invisible = "it holds an invisible character (a zero-width space, a direction mark), so it does not read as it is typed";
    for expected in [
        format!(
            "workflows/w.toml:1:1: name: workflow name `w\\u{{200b}}` cannot be used: {invisible}"
        ),
        format!(
            "workflows/w.toml:4:1: step[0].name: step name `Push\\u{{200b}}config` cannot be used: {invisible}"
        ),
        format!(
            "workflows/w.toml:7:1: step[1].name: step name `ab\\u{{202e}}cd` cannot be used: {invisible}"
        ),
    ] {
        assert!(err.contains(&expected), "{expected}\n{err}");
    }
}

/// The names the targets give their own steps are refused in every workflow, and the
/// refusal lists them: a task adds no `Set status …` step, so "a step the target
/// adds" would not be true of it.
#[test]
fn a_step_named_as_the_targets_name_theirs_is_refused_with_those_names() {
    let p = Project::new();
    p.write(
        "workflows/w.toml",
        "name = \"w\"\ntarget = \"system\"\n[[step]]\nname = \"Set status later\"\nrun = \"true\"\n[[step]]\nname = \"Done\"\nrun = \"true\"\n",
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    let kept = "is kept for the steps targets add (`Start`, `Done`, `Create subscription`, `Lock subscription`, `Unlock subscription`, `Set status …`); choose another name";
    for expected in [
        format!("workflows/w.toml:4:1: step[0].name: `Set status later` {kept}"),
        format!("workflows/w.toml:7:1: step[1].name: `Done` {kept}"),
    ] {
        assert!(err.contains(&expected), "{expected}\n{err}");
    }
}

/// A script an interpreter runs (`python3 workflows/scripts/x.py`) must be there, as
/// a program named by its path must; it need not be executable, and an option
/// (`sh -c …`) names no script.
#[test]
fn a_missing_script_an_interpreter_runs_is_a_problem() {
    let p = Project::new();
    p.write("workflows/scripts/here.py", "print('{}')\n");
    p.task(
        r#"
[[step]]
name = "a"
run = "python3 workflows/scripts/missing.py --pool ams"
[[step]]
name = "b"
run = "bash 'workflows/scripts/my dir/gone.sh'"
[[step]]
name = "c"
run = "sh workflows/scripts"
[[step]]
name = "d"
run = "sh -c 'exit 0'"
[[step]]
name = "e"
run = "python3 workflows/scripts/here.py"
"#,
    );
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    for expected in [
        "workflows/t.toml:6:1: step[0].run: `workflows/scripts/missing.py` (the script `python3` runs) does not exist",
        "workflows/t.toml:9:1: step[1].run: `workflows/scripts/my dir/gone.sh` (the script `bash` runs) does not exist",
        "workflows/t.toml:12:1: step[2].run: `workflows/scripts` (the script `sh` runs) is a folder",
        "error: 3 problems",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

/// A command past what the kernel takes as one argument of `sh -c` (128 KiB) could
/// never start: `workflow check` says so, where the file has it, rather than every
/// run failing with "Argument list too long".
#[test]
fn a_run_command_too_long_to_start_is_a_problem() {
    let p = Project::new();
    let long = format!(
        "true\n{}",
        "# a comment line of an inline script\n".repeat(4000)
    );
    p.task(&format!(
        "[[step]]\nname = \"Long\"\nrun = '''{long}'''\n[[step]]\nname = \"Short\"\nrun = \"true\"\n"
    ));
    let (code, _, err) = p.run(&["workflow", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "workflows/t.toml:5:1: step[0].run: the command is {} bytes, more than the 130816 the kernel lets `sh -c` take as one argument, so it could never start; put it in a script in workflows/scripts/ and run that",
            long.len()
        )),
        "{err}"
    );
    assert!(err.contains("error: 1 problem"), "{err}");
}

/// `--where` finds a value however a step spelt it: an address, a network, a UUID and
/// a number are compared as their type reads them (`2001:DB8:0::1` is `2001:db8::1`,
/// `2.0` is `2`), also at a path with list indexes.
fn where_finds_a_value_in_any_spelling_of_its_type() {
    let p = Project::new();
    p.write(
        "products/dev.toml",
        r#"name = "Dev"
type = "Dev"
tag = "DEV"
description = "a device"
status = "active"
root = { key = "dev", block = "DevBlock" }
[blocks.DevBlock]
fields.addr = { type = "ipv6" }
fields.id = { type = "uuid" }
fields.ratio = { type = "float" }
fields.nets = { type = "ipv6_network", list = true }
"#,
    );
    p.write(
        "workflows/create_dev.toml",
        "name = \"create_dev\"\ntarget = \"create\"\nproducts = [\"DEV\"]\n\
         [[step]]\nname = \"Set\"\nrun = \"workflows/scripts/set.sh\"\n",
    );
    p.script(
        "workflows/scripts/set.sh",
        r#"cat >/dev/null
echo '{"subscription": {"dev": {"addr": "2001:DB8:0::1", "id": "0190C1C2-0000-7000-8000-00000000000A", "ratio": 2.0, "nets": ["2001:DB8::/32"]}}}'"#,
    );
    let v = p.ok_json(&["workflow", "run", "create_dev", "-o", "json"]);
    let id = v["subscription_id"].as_str().unwrap().to_string();
    for filter in [
        "dev.addr=2001:DB8:0::1",
        "dev.addr=2001:db8::1",
        "dev.id=0190C1C2-0000-7000-8000-00000000000A",
        "dev.id=0190c1c2-0000-7000-8000-00000000000a",
        "dev.ratio=2.0",
        "dev.ratio=2",
        "dev.nets=2001:DB8::/32",
        "dev.nets[0]=2001:db8::/32",
        "dev.nets[0]=2001:DB8::/32",
    ] {
        let found = p.ok_json(&["subscription", "list", "--where", filter, "-o", "json"]);
        let ids: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["subscription_id"].as_str())
            .collect();
        assert_eq!(ids, [id.as_str()], "--where {filter}");
    }
    let found = p.ok_json(&[
        "subscription",
        "list",
        "--where",
        "dev.addr=2001:db8::2",
        "-o",
        "json",
    ]);
    assert_eq!(found.as_array().unwrap().len(), 0, "{found}");
}

/// A `subscription` field that names an existing subscription by its id in capitals
/// finds it (a UUID is the same in either case) and makes the relation.
fn a_reference_in_capitals_finds_its_subscription() {
    let p = Project::new();
    p.write(
        "products/link.toml",
        r#"name = "Link"
type = "Link"
tag = "LINK"
description = "a link"
status = "active"
root = { key = "link", block = "LinkBlock" }
[blocks.LinkBlock]
fields.peer = { type = "subscription", product_tag = "LINK" }
"#,
    );
    p.write(
        "workflows/create_link.toml",
        "name = \"create_link\"\ntarget = \"create\"\nproducts = [\"LINK\"]\n\
         [[form]]\nfields = [ { name = \"peer\", type = \"text\", required = false } ]\n\
         [[step]]\nname = \"Set\"\nif = \"state.peer\"\nbuiltin = \"set\"\n\
         with = { values = { subscription = { link = { peer = \"{{ state.peer }}\" } } } }\n",
    );
    let first = p.ok_json(&["workflow", "run", "create_link", "-o", "json"]);
    let first_id = first["subscription_id"].as_str().unwrap().to_string();
    let upper = first_id.to_uppercase();
    let v = p.ok_json(&[
        "workflow",
        "run",
        "create_link",
        "--input",
        &format!("peer={upper}"),
        "-o",
        "json",
    ]);
    assert_eq!(v["status"], "completed", "{v}");
    let shown = p.ok_json(&["subscription", "show", &first_id, "-o", "json"]);
    assert_eq!(
        shown["in_use_by"],
        serde_json::json!([v["subscription_id"]]),
        "{shown}"
    );
}

/// A product whose `root` key changes keeps its subscriptions' trees: `product load`
/// moves each under the new key (no `--force` needed, nothing is invalidated), where
/// `subscription show` and `--where` find it.
fn a_new_root_key_moves_the_trees_of_the_subscriptions() {
    let p = Project::new();
    bounded(&p, r#"{"code": "abc", "count": 5}"#);
    let v = p.ok_json(&["workflow", "run", "create_box", "-o", "json"]);
    let id = v["subscription_id"].as_str().unwrap().to_string();
    let file = p.dir.path().join("products/box.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("key = \"box\"", "key = \"crate\"")).unwrap();
    let (code, _, err) = p.run(&["product", "load"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("invalidates"), "{err}");
    let shown = p.ok_json(&["subscription", "show", &id, "-o", "json"]);
    assert_eq!(shown["crate"]["code"], "abc", "{shown}");
    assert!(shown.get("box").is_none(), "{shown}");
    assert_eq!(shown["insync"], true, "{shown}");
    let found = p.ok_json(&[
        "subscription",
        "list",
        "--where",
        "crate.count=5",
        "-o",
        "json",
    ]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
}

both!(
    a_new_root_key_moves_the_trees_of_the_subscriptions,
    a_reference_in_capitals_finds_its_subscription,
    where_finds_a_value_in_any_spelling_of_its_type,
    a_product_field_pattern_is_anchored_and_a_bound_names_itself,
    an_owned_list_of_one_block_says_one_block,
    a_nul_in_a_description_or_note_is_refused_on_every_store,
    a_zero_step_timeout_is_refused_where_it_is_written,
    a_template_in_the_values_of_set_is_checked_and_named_where_it_sits,
);
